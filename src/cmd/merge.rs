//! `uniabi merge WHEEL... -o OUTDIR [--scheme auto|fat|pep803|pep809] [--dry-run] [--force] [--json]`:
//! one wheel per (project, version, build, platform tags) group.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::check::{AbiChoice, Checker};
use crate::merge::{self, Context, Counts, MergeInput, OutputPlan, Refusal, Scheme, Unchanged};
use crate::output;
use crate::wheel::Limits;

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
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub remote: super::RemoteArgs,
}

/// The options `merge`, `split` and `retag` share: where and how they write.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// The directory wheels are written to (created if missing, and only when a wheel is written).
    #[arg(short, long = "outdir", value_name = "OUTDIR")]
    pub outdir: PathBuf,
    /// Say what would be written and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace existing output files (never an input).
    #[arg(long)]
    pub force: bool,
    /// Print one JSON document (schema `uniabi/merge/1`, `uniabi/split/1` or `uniabi/retag/1`).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
    /// Refuse any archive member that inflates past this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::DEFAULT.max_member_size >> 20)]
    pub max_member_mib: u64,
}

/// The `--json` document of `merge` and `split`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub dry_run: bool,
    pub outputs: Vec<OutputPlan>,
    pub refused: Vec<Refusal>,
    /// Inputs left as they are: their group's one output would be the input itself.
    pub unchanged: Vec<Unchanged>,
    pub notes: Vec<String>,
    /// How many outputs were planned and written, groups refused, inputs unchanged.
    pub summary: Counts,
    /// Unreadable or corrupt inputs, unwritable outputs, and outputs that failed their check after writing.
    pub errors: Vec<String>,
}

/// Resolve `--metadata-from` to an input's file name.
fn metadata_source(inputs: &[MergeInput], wanted: &str) -> Result<String, CmdError> {
    let canonical = std::fs::canonicalize(wanted).ok();
    inputs
        .iter()
        .find(|i| {
            i.filename == wanted
                || i.display == wanted
                || (canonical.is_some() && std::fs::canonicalize(&i.path).ok() == canonical)
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

/// Load specs and inputs once; `Err` is a one-line error per unreadable input.
pub(crate) fn prepare(
    paths: &[PathBuf],
    out: &OutputArgs,
    jobs: &super::JobsArgs,
) -> Result<(Vec<MergeInput>, Limits), Vec<String>> {
    jobs.apply(false);
    let limits = super::limits_for_mib(out.max_member_mib);
    let (inputs, errors) = merge::load_inputs(paths, limits);
    if !errors.is_empty() {
        return Err(errors.iter().map(ToString::to_string).collect());
    }
    if inputs.is_empty() {
        return Err(vec!["no input wheels".to_string()]);
    }
    Ok((inputs, limits))
}

/// Write every planned output (after checking none would overwrite anything),
/// recording each outcome; returns the errors and whether a check failed.
/// The output directory is created here, and removed again (with the parents
/// this created) when no wheel was written into it.
pub(crate) fn write_all(
    outputs: &mut [OutputPlan],
    inputs: &[MergeInput],
    force: bool,
    ctx: &Context,
) -> (Vec<String>, bool) {
    let paths: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    let errors = merge::check_outputs(&outputs.iter().collect::<Vec<_>>(), &paths, force);
    if !errors.is_empty() {
        return (errors.iter().map(ToString::to_string).collect(), false);
    }
    let created = match create_dir(&ctx.outdir) {
        Ok(c) => c,
        Err(e) => return (vec![format!("{}: cannot create the output directory: {e}", ctx.outdir.display())], false),
    };
    let mut errors = Vec::new();
    let mut failed = false;
    for o in outputs.iter_mut() {
        match merge::write_output(o, force, &paths, ctx) {
            Ok(Ok(outcome)) => o.written = Some(outcome),
            Ok(Err(problems)) => {
                failed = true;
                errors.extend(problems.iter().map(|p| format!("{} (nothing written)", super::chain(p))));
            }
            Err(e) => errors.push(super::chain(&e)),
        }
    }
    if outputs.iter().all(|o| o.written.is_none()) {
        for dir in created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    (errors, failed)
}

/// Create `dir` and its missing parents; returns the directories created, deepest first.
fn create_dir(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut next = Some(dir);
    while let Some(d) = next {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        next = d.parent();
    }
    std::fs::create_dir_all(dir)?;
    Ok(missing)
}

/// Run `uniabi merge`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let settings = args.config.load(&args.paths)?.settings;
    let scheme = match (args.scheme, settings.merge_scheme.as_deref()) {
        (Some(s), _) => s,
        // Checked when the settings were read: an unknown name is an error there.
        (None, Some(s)) => <Scheme as clap::ValueEnum>::from_str(s, false).map_err(CmdError::new)?,
        (None, None) => Scheme::Auto,
    };
    let (specs, table) = args.out.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    // Remote inputs are merged from whole copies (members are copied raw),
    // named by their URL in the report; the copies go when the run ends.
    let resolved = args.remote.resolve(&args.paths, &|_| true, None)?;
    let copies = crate::remote::download_whole(&resolved);
    if !copies.errors.is_empty() {
        let errors = copies.errors.iter().map(|(url, e)| format!("{url}: {}", super::chain(e))).collect();
        return finish_with_errors(output::schema::MERGE, args.out.json, args.out.dry_run, errors);
    }
    let (mut inputs, limits) = match prepare(&copies.paths, &args.out, &args.remote.jobs) {
        Ok(x) => x,
        Err(errors) => {
            let errors = errors.iter().map(|e| copies.with_urls(e)).collect();
            return finish_with_errors(output::schema::MERGE, args.out.json, args.out.dry_run, errors);
        }
    };
    for input in &mut inputs {
        if let Some(url) = copies.url_of(&input.path) {
            input.display = url.to_string();
            input.analysed.input.display = url.to_string();
        }
    }
    let metadata_from = match (args.metadata_from.as_deref(), settings.metadata_from.as_deref()) {
        (Some("refuse"), _) | (None, None | Some("refuse")) => None,
        (Some(wanted), _) => Some(metadata_source(&inputs, wanted)?),
        (None, Some(pattern)) => Some(metadata_pattern(&inputs, pattern)?),
    };
    let ctx = Context { checker: &checker, outdir: args.out.outdir.clone(), limits };
    let plan = merge::plan_merge(&inputs, scheme, metadata_from.as_deref(), &ctx);
    let mut report = Report {
        schema: output::schema::MERGE,
        dry_run: args.out.dry_run,
        outputs: plan.outputs,
        refused: plan.refused,
        unchanged: plan.unchanged,
        notes: plan.notes,
        summary: Counts::default(),
        errors: Vec::new(),
    };
    let level = finish(&mut report, &inputs, args.out.force, &ctx);
    print(&report, args.out.json)?;
    Ok(super::exit(level))
}

/// Refuse groups whose output would replace an input, write every other planned
/// output (unless a dry run), report refusals and errors on stderr, fill in the
/// summary, and return the exit level: 1 when a group was refused or an output
/// failed its check, 2 when an output could not be written (then none is).
pub(crate) fn finish(report: &mut Report, inputs: &[MergeInput], force: bool, ctx: &Context) -> u8 {
    let paths: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    merge::refuse_overwrites(&mut report.outputs, &mut report.refused, &paths);
    for r in &report.refused {
        for line in refusal_lines(r) {
            eprintln!("uniabi: error: {line}");
        }
    }
    let mut level = if report.refused.is_empty() { EXIT_OK } else { EXIT_FINDINGS };
    if !report.dry_run && !report.outputs.is_empty() {
        let (errors, failed) = write_all(&mut report.outputs, inputs, force, ctx);
        for e in &errors {
            eprintln!("uniabi: error: {e}");
        }
        let written = if failed {
            EXIT_FINDINGS
        } else if !errors.is_empty() {
            EXIT_ERROR
        } else {
            EXIT_OK
        };
        level = level.max(written);
        report.errors = errors;
    }
    report.summary = Counts::of(inputs.len(), &report.outputs, &report.refused, &report.unchanged);
    level
}

/// Report errors that stop the command before planning (exit 2).
pub(crate) fn finish_with_errors(
    schema: &'static str,
    json: bool,
    dry_run: bool,
    errors: Vec<String>,
) -> Result<ExitCode, CmdError> {
    for e in &errors {
        eprintln!("uniabi: error: {e}");
    }
    if json {
        let report = Report {
            schema,
            dry_run,
            outputs: Vec::new(),
            refused: Vec::new(),
            unchanged: Vec::new(),
            notes: Vec::new(),
            summary: Counts::default(),
            errors,
        };
        output::to_stdout(|out| output::json(out, &report))?;
    }
    Ok(super::exit(EXIT_ERROR))
}

/// Print the report in the chosen format.
pub(crate) fn print(report: &Report, json: bool) -> Result<(), CmdError> {
    output::to_stdout(|out| if json { output::json(out, report) } else { print_human(out, report) })?;
    Ok(())
}

/// One line per reason a group was refused, naming the file or member.
fn refusal_lines(r: &Refusal) -> Vec<String> {
    let mut lines = Vec::new();
    if r.conflicts.is_empty() && r.blockers.is_empty() && r.failures.is_empty() {
        lines.push(format!("{}: refused ({}): {}", r.group, r.scheme, r.reason));
    }
    for c in &r.conflicts {
        lines.push(format!("{}: refused ({}): {}", r.group, r.scheme, c.reason));
    }
    for b in &r.blockers {
        lines.push(format!(
            "{}: refused ({}): {} {} does not qualify: {} ({})",
            r.group,
            r.scheme,
            b.wheel,
            b.member,
            b.codes.join(", "),
            b.symbols.join(", ")
        ));
    }
    for f in &r.failures {
        lines.push(format!("{}: refused ({}): {}: {f}", r.group, r.scheme, r.reason));
    }
    lines
}

fn rows(out: &mut dyn Write, label: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "  {label:<10}none");
    }
    for (n, item) in items.iter().enumerate() {
        writeln!(out, "  {:<10}{item}", if n == 0 { label } else { "" })?;
    }
    Ok(())
}

/// Human output: per output wheel its scheme, path, inputs, tags, members kept
/// and dropped, uncovered interpreters and verify result; then refusals.
pub fn print_human(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for o in &report.outputs {
        let proto = o.prototype.map(|p| format!(" ({p})")).unwrap_or_default();
        writeln!(out, "{}: {}{proto}", o.group, o.scheme)?;
        writeln!(out, "  {:<10}{}", "output", o.path)?;
        rows(out, "inputs", &o.inputs)?;
        rows(out, "tags", &o.tags)?;
        writeln!(out, "  {:<10}{}", "admits", crate::output::interpreter_list(&o.admitted))?;
        let binaries: Vec<String> = o
            .binaries()
            .map(|m| {
                if m.name == m.source {
                    format!("{} (from {})", m.name, file_name(&m.input))
                } else {
                    format!("{} (from {}: {})", m.name, file_name(&m.input), m.source)
                }
            })
            .collect();
        rows(out, "binaries", &binaries)?;
        writeln!(
            out,
            "  {:<10}{} kept ({} extension binar{}), {} dropped",
            "members",
            o.members.len(),
            binaries.len(),
            if binaries.len() == 1 { "y" } else { "ies" },
            o.dropped.len()
        )?;
        if report.dry_run {
            for m in o.members.iter().filter(|m| !m.extension) {
                writeln!(out, "  {:<10}  {}", "", m.name)?;
            }
        }
        let dropped: Vec<String> =
            o.dropped.iter().map(|d| format!("{} (from {}): {}", d.member, file_name(&d.input), d.reason)).collect();
        if !dropped.is_empty() {
            rows(out, "dropped", &dropped)?;
        }
        writeln!(out, "  {:<10}{}", "uncovered", merge_list(&o.uncovered))?;
        for n in &o.notes {
            writeln!(out, "  {:<10}{n}", "note")?;
        }
        let verdict = if o.verified { "ok: every admitted interpreter loads every module" } else { "FAILS" };
        match &o.written {
            Some(w) => {
                writeln!(out, "  {:<10}{verdict} (rechecked after writing)", "verify")?;
                writeln!(out, "  {:<10}{} bytes (inputs: {} bytes)", "wrote", w.size, o.input_size)?;
            }
            None if report.dry_run => writeln!(out, "  {:<10}{verdict} (planned; dry run, nothing written)", "verify")?,
            None => writeln!(out, "  {:<10}{verdict} (planned; not written)", "verify")?,
        }
    }
    for u in &report.unchanged {
        writeln!(out, "{}: unchanged", u.group)?;
        writeln!(out, "  {:<10}{}", "input", u.input)?;
        writeln!(out, "  {:<10}{}", "reason", u.reason)?;
    }
    for r in &report.refused {
        writeln!(out, "{}: REFUSED ({})", r.group, r.scheme)?;
        rows(out, "inputs", &r.inputs)?;
        writeln!(out, "  {:<10}{}", "reason", r.reason)?;
        for c in &r.conflicts {
            writeln!(out, "  {:<10}{}: {}", "conflict", c.member, c.reason)?;
            match &c.diff {
                Some(d) => {
                    for line in d.lines() {
                        writeln!(out, "  {:<10}  {line}", "")?;
                    }
                }
                None => {
                    for (input, hash) in c.inputs.iter().zip(&c.hashes) {
                        writeln!(out, "  {:<10}  {hash}  {}", "", file_name(input))?;
                    }
                }
            }
        }
        for b in &r.blockers {
            writeln!(out, "  {:<10}{} {}: {}", "blocked", file_name(&b.wheel), b.member, b.codes.join(", "))?;
            if !b.symbols.is_empty() {
                writeln!(out, "  {:<10}  {}", "", b.symbols.join(", "))?;
            }
        }
        for f in &r.failures {
            writeln!(out, "  {:<10}{f}", "fails")?;
        }
    }
    for n in &report.notes {
        writeln!(out, "note: {n}")?;
    }
    writeln!(out, "{}", summary_line(&report.summary, report.dry_run, report.errors.len()))
}

/// `2 outputs planned, 2 written, 1 group refused (3 inputs kept as they are), 4 inputs unchanged: 11 wheels -> 9`
/// (the part in brackets only when a group was refused).
pub fn summary_line(c: &Counts, dry_run: bool, errors: usize) -> String {
    let s = crate::output::plural;
    let kept = match c.refused_inputs {
        0 => String::new(),
        1 => " (1 input kept as it is)".to_string(),
        n => format!(" ({n} inputs kept as they are)"),
    };
    let needed = match c.still_needed {
        0 => String::new(),
        n => format!(", {n} input{} still needed for interpreters no output serves", s(n)),
    };
    let mut line = format!(
        "{} output{} planned, {} written{}, {} group{} refused{kept}, {} input{} unchanged{needed}: {} wheel{} -> {}",
        c.planned,
        s(c.planned),
        c.written,
        if dry_run { " (dry run)" } else { "" },
        c.refused,
        s(c.refused),
        c.unchanged,
        s(c.unchanged),
        c.inputs,
        s(c.inputs),
        c.wheels_after
    );
    if errors > 0 {
        line.push_str(&format!("; {errors} error{}", s(errors)));
    }
    line
}

fn merge_list(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(", ") }
}

fn file_name(path: &str) -> &str {
    crate::naming::base_name(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_summary_line_counts_and_plurals() {
        let c = Counts {
            inputs: 14,
            planned: 1,
            written: 1,
            refused: 3,
            refused_inputs: 6,
            unchanged: 5,
            still_needed: 0,
            wheels_after: 12,
        };
        assert_eq!(
            summary_line(&c, false, 0),
            "1 output planned, 1 written, 3 groups refused (6 inputs kept as they are), 5 inputs unchanged: 14 wheels -> 12"
        );
        let one = Counts {
            inputs: 1,
            planned: 0,
            written: 0,
            refused: 1,
            refused_inputs: 1,
            unchanged: 0,
            still_needed: 0,
            wheels_after: 1,
        };
        assert_eq!(
            summary_line(&one, true, 2),
            "0 outputs planned, 0 written (dry run), 1 group refused (1 input kept as it is), 0 inputs unchanged: \
             1 wheel -> 1; 2 errors"
        );
        let pep803 = Counts { planned: 1, refused: 0, refused_inputs: 0, still_needed: 2, wheels_after: 3, ..one };
        assert_eq!(
            summary_line(&Counts { inputs: 3, ..pep803 }, false, 0),
            "1 output planned, 0 written, 0 groups refused, 0 inputs unchanged, 2 inputs still needed for \
             interpreters no output serves: 3 wheels -> 3"
        );
    }
}
