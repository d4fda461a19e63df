//! `uniabi merge WHEEL... -o OUTDIR [--scheme auto|fat|pep803|pep809] [--dry-run] [--force] [--json]`:
//! one wheel per (project, version, build, platform tags) group.

use std::path::PathBuf;
use std::process::ExitCode;

use super::CmdError;
use super::writing::{OutputArgs, finish, finish_with_errors, prepare};
use crate::check::{AbiChoice, Checker};
use crate::config::MetadataFrom;
use crate::merge::{self, Context, MergeInput, Report, Scheme};
use crate::output;

/// Arguments of `uniabi merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Wheels, directories to search for wheels (a whole release directory may be given),
    /// wheel URLs, or projects on the index (`psutil`, `numpy==2.3.5`: every wheel of the
    /// release that passes --platform / --python). Remote wheels are downloaded whole.
    #[arg(value_name = "WHEEL|URL|PROJECT")]
    pub paths: Vec<PathBuf>,
    /// How each group becomes a wheel [default: [tool.uniabi] merge-scheme, else auto].
    #[arg(long, value_name = "SCHEME", value_enum)]
    pub scheme: Option<Scheme>,
    /// Where inputs' .dist-info files differ (METADATA written by different build tools), take
    /// the whole .dist-info from this input (its path or file name); the others' are dropped and listed.
    /// `refuse` refuses such a group (the default, unless [tool.uniabi] metadata-from names a pattern).
    #[arg(long, value_name = "WHEEL")]
    pub metadata_from: Option<String>,
    #[command(flatten)]
    pub config: super::settings::ConfigArgs,
    /// Show everything: each Tag: line, each member dropped, each conflict's diff, each
    /// blocked binary's symbols, and (with --dry-run) every member kept.
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub remote: super::RemoteArgs,
}

/// Resolve `--metadata-from` to an input's file name.
fn metadata_source(inputs: &[MergeInput], wanted: &str) -> Result<String, CmdError> {
    let canonical = std::fs::canonicalize(wanted).ok();
    inputs
        .iter()
        .find(|i| {
            i.filename == wanted
                || i.display() == wanted
                || (canonical.is_some()
                    && i.input.local_path().and_then(|p| std::fs::canonicalize(p).ok()) == canonical)
        })
        .map(|i| i.filename.clone())
        .ok_or_else(|| CmdError::new(format!("--metadata-from {wanted}: not one of the inputs")))
}

/// Resolve `[tool.uniabi] metadata-from` (a file-name pattern) to the one input it names.
fn metadata_pattern(inputs: &[MergeInput], pattern: &str) -> Result<String, CmdError> {
    let found: Vec<&str> =
        inputs.iter().filter(|i| crate::config::matches(pattern, &i.filename)).map(|i| i.filename.as_str()).collect();
    match found[..] {
        [one] => Ok(one.to_string()),
        [] => Err(CmdError::new(format!(
            "[tool.uniabi] metadata-from = {pattern:?}: matches none of the inputs; pass --metadata-from WHEEL"
        ))),
        _ => Err(CmdError::new(format!(
            "[tool.uniabi] metadata-from = {pattern:?}: matches {} inputs ({}); make it name one, or pass --metadata-from WHEEL",
            found.len(),
            found.join(", ")
        ))),
    }
}

/// Run `uniabi merge`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let settings = args.config.load(&args.paths)?.settings;
    let scheme = args.scheme.or(settings.merge_scheme).unwrap_or(Scheme::Auto);
    let (specs, table) = args.out.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    // Remote inputs are merged from whole copies (members are copied raw),
    // named by their URL in the report; the copies go when the run ends.
    let resolved = args.remote.resolve(&args.paths, &|_| true, None)?;
    let copies = crate::input::download_whole(&resolved.inputs);
    super::finish(&resolved);
    if !copies.errors.is_empty() {
        let errors = copies.errors.iter().map(|(input, e)| format!("{}: {}", input.display, super::chain(e))).collect();
        return finish_with_errors(output::schema::MERGE, args.out.json, args.out.dry_run, errors);
    }
    let (inputs, limits) = match prepare(&copies.inputs, &args.out, &args.remote.jobs) {
        Ok(x) => x,
        Err(errors) => return finish_with_errors(output::schema::MERGE, args.out.json, args.out.dry_run, errors),
    };
    let metadata_from = match (args.metadata_from.as_deref().map(MetadataFrom::parse), settings.metadata_from) {
        (Some(MetadataFrom::Refuse), _) | (None, None | Some(MetadataFrom::Refuse)) => None,
        (Some(MetadataFrom::Input(wanted)), _) => Some(metadata_source(&inputs, &wanted)?),
        (None, Some(MetadataFrom::Input(pattern))) => Some(metadata_pattern(&inputs, &pattern)?),
    };
    let ctx = Context { checker: &checker, outdir: args.out.outdir.clone(), limits };
    let plan = merge::plan_merge(&inputs, scheme, metadata_from.as_deref(), &ctx);
    let report = Report {
        outputs: plan.outputs,
        refused: plan.refused,
        unchanged: plan.unchanged,
        notes: plan.notes,
        ..Report::new(output::schema::MERGE, args.out.dry_run)
    };
    finish(report, &inputs, args.out.force, (args.out.json, args.verbose), &ctx)
}
