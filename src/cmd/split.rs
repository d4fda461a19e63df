//! `uniabi split WHEEL -o OUTDIR [--dry-run] [--force] [--json]`: one wheel per
//! (Python tag, ABI tag) of a merged wheel, for installers that cannot read
//! compressed tag sets.

use std::path::PathBuf;
use std::process::ExitCode;

use super::CmdError;
use super::merge::{Report, finish, finish_with_errors, prepare, print};
use crate::check::{AbiChoice, Checker};
use crate::merge::{self, Context};
use crate::wheel::Limits;

/// Arguments of `uniabi split`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The wheel to split.
    #[arg(value_name = "WHEEL")]
    pub wheel: PathBuf,
    /// The directory the wheels are written to (created if missing).
    #[arg(short, long = "outdir", value_name = "OUTDIR")]
    pub outdir: PathBuf,
    /// Print the plan and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Print one JSON document (schema `uniabi/split/1`).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
    /// Refuse any archive member that inflates past this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::DEFAULT.max_member_size >> 20)]
    pub max_member_mib: u64,
}

/// Run `uniabi split`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    const SCHEMA: &str = "uniabi/split/1";
    let (specs, table) = args.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    let paths = [args.wheel.clone()];
    let (inputs, limits) = match prepare(&paths, &args.outdir, args.dry_run, args.max_member_mib) {
        Ok(x) => x,
        Err(errors) => return finish_with_errors(SCHEMA, args.json, args.dry_run, errors),
    };
    if inputs.len() != 1 {
        let errors = vec![format!("{}: split reads exactly one wheel", args.wheel.display())];
        return finish_with_errors(SCHEMA, args.json, args.dry_run, errors);
    }
    let ctx = Context { checker: &checker, outdir: args.outdir.clone(), limits };
    let mut report = Report {
        schema: SCHEMA,
        dry_run: args.dry_run,
        outputs: Vec::new(),
        refused: Vec::new(),
        notes: Vec::new(),
        errors: Vec::new(),
    };
    match merge::plan_split(&inputs[0], &ctx) {
        Ok((outputs, notes)) => {
            report.outputs = outputs;
            report.notes = notes;
        }
        Err(r) => report.refused.push(*r),
    }
    let level = finish(&mut report, &inputs, args.force, &ctx);
    print(&report, args.json)?;
    Ok(super::exit(level))
}
