//! `uniabi retag WHEEL --tags SET -o OUTDIR [--dry-run] [--force] [--json]`:
//! rewrite a wheel's tags, only to claims its binaries support.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_FINDINGS, EXIT_OK};
use crate::check::Verdict;
use crate::output;
use crate::retag::{self, Outcome};

/// Arguments of `uniabi retag`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The wheel to retag (read, never modified).
    #[arg(value_name = "WHEEL")]
    pub wheel: PathBuf,
    /// The new tags: a compressed set `python-abi-platform` (cp315-abi3.abi3t-manylinux_2_28_x86_64),
    /// or `python-abi` (cp315-abi3.abi3t) to keep the wheel's platform tags.
    #[arg(long, value_name = "SET")]
    pub tags: String,
    #[command(flatten)]
    pub out: super::writing::OutputArgs,
    /// Also print info findings.
    #[arg(long, short)]
    pub verbose: bool,
}

/// The `--json` document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub dry_run: bool,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Run `uniabi retag`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.out.specs.load()?;
    let fail = |e: retag::RetagError| CmdError::new(super::chain(&e));
    let limits = super::limits_for_mib(args.out.max_member_mib);
    let plan = retag::plan(&args.wheel, &args.tags, &args.out.outdir, limits, &specs, &table).map_err(fail)?;
    let outcome = if args.out.dry_run {
        plan.dry_run(&specs, &table, args.out.force).map_err(fail)?
    } else {
        plan.write(&specs, &table, args.out.force).map_err(fail)?
    };
    if !outcome.swept.is_empty() {
        eprintln!(
            "uniabi: note: removed {} an interrupted earlier run left beside {}: {}",
            output::count_noun(outcome.swept.len(), "stale temporary file"),
            outcome.output,
            outcome.swept.join(", ")
        );
    }
    let report = Report { schema: output::schema::RETAG, dry_run: args.out.dry_run, outcome };
    output::to_stdout(|out| {
        if args.out.json { output::json(out, &report) } else { print_human(out, &report, args.verbose) }
    })?;
    Ok(super::exit(if report.outcome.verdict == Verdict::Pass { EXIT_OK } else { EXIT_FINDINGS }))
}

/// Interpreters in `a` and not in `b`.
fn minus<'a>(a: &'a [String], b: &[String]) -> Vec<&'a str> {
    a.iter().filter(|i| !b.contains(i)).map(String::as_str).collect()
}

/// Human output: the rename, the tags, what the new tags admit, the verdict,
/// and, when refused, the findings that block it in `check`'s own format.
pub fn print_human(out: &mut dyn Write, report: &Report, verbose: bool) -> io::Result<()> {
    let o = &report.outcome;
    writeln!(out, "{}", o.input)?;
    writeln!(out, "  -> {}", o.output)?;
    writeln!(out, "  tags: {} -> {} ({} Tag: lines)", o.tags_before, o.tags, o.tag_lines.len())?;
    let list = |v: &[String]| if v.is_empty() { "no interpreter".to_string() } else { v.join(", ") };
    let mut admits = format!("  admits {} (of 3.10–3.16)", list(&o.admitted));
    let gained = minus(&o.admitted, &o.admitted_before);
    let lost = minus(&o.admitted_before, &o.admitted);
    if !gained.is_empty() {
        admits.push_str(&format!("; newly {}", gained.join(", ")));
    }
    if !lost.is_empty() {
        admits.push_str(&format!("; no longer {}", lost.join(", ")));
    }
    writeln!(out, "{admits}")?;
    for d in &o.dropped {
        writeln!(out, "  drops {d}: it signs the old RECORD")?;
    }
    let j = &o.judgement;
    writeln!(
        out,
        "  check: {} (the input: {}); import resolution: {}",
        j.check.verdict,
        o.verdict_before,
        j.verify.verdict()
    )?;
    if o.verdict != Verdict::Pass || verbose {
        let checked = super::check::Report::new(vec![j.check.clone()], Vec::new());
        super::check::print_human(out, &checked, &super::Names::default(), verbose)?;
    }
    if j.check.verdict == Verdict::Pass {
        for r in j.verify.failures() {
            writeln!(out, "  error unloadable: {} ({}): {}", r.python, r.module, r.problem.as_deref().unwrap_or(""))?;
        }
    }
    let verdict = match (o.verdict == Verdict::Pass, report.dry_run, o.written) {
        (true, true, _) => format!("would write {}: the binaries support the new tags", o.filename),
        (true, false, true) => format!("wrote {}", o.output),
        (true, false, false) => format!("not written: {}", o.output),
        (false, true, _) => format!("would refuse {}: the binaries do not support the new tags", o.filename),
        (false, false, _) => {
            format!("refused {}: the binaries do not support the new tags; nothing written", o.filename)
        }
    };
    writeln!(out, "{verdict}")
}
