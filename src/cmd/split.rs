//! `uniabi split WHEEL -o OUTDIR [--dry-run] [--force] [--json]`: one wheel per
//! (Python tag, ABI tag) of a merged wheel, for installers that cannot read
//! compressed tag sets.

use std::path::PathBuf;
use std::process::ExitCode;

use super::CmdError;
use super::writing::{OutputArgs, finish, finish_with_errors, prepare};
use crate::check::{AbiChoice, Checker};
use crate::merge::{self, Context, Report};

/// Arguments of `uniabi split`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The wheel to split.
    #[arg(value_name = "WHEEL")]
    pub wheel: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub jobs: super::JobsArgs,
}

/// Run `uniabi split`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.out.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    let inputs = crate::input::expand_all(std::slice::from_ref(&args.wheel));
    let (inputs, limits) = match prepare(&inputs, &args.out, &args.jobs) {
        Ok(x) => x,
        Err(errors) => {
            return finish_with_errors(crate::output::schema::SPLIT, args.out.json, args.out.dry_run, errors);
        }
    };
    if inputs.len() != 1 {
        let errors = vec![format!("{}: split reads exactly one wheel", args.wheel.display())];
        return finish_with_errors(crate::output::schema::SPLIT, args.out.json, args.out.dry_run, errors);
    }
    let ctx = Context { checker: &checker, outdir: args.out.outdir.clone(), limits };
    let mut report = Report::new(crate::output::schema::SPLIT, args.out.dry_run);
    match merge::plan_split(&inputs[0], &ctx) {
        Ok((outputs, notes)) => {
            report.outputs = outputs;
            report.notes = notes;
        }
        Err(r) => report.refused.push(*r),
    }
    finish(report, &inputs, args.out.force, args.out.json, &ctx)
}
