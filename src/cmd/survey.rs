//! `uniabi survey PATH... [--json | --csv] [--html FILE]`: one row per project release over
//! directories of wheels, then a summary over each project's newest release.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use super::{CmdError, EXIT_ERROR, EXIT_OK, InputArgs};
use crate::check::{AbiChoice, Checker};
use crate::environment::{self, Judging, LockAnswer};
use crate::input::Input;
use crate::output::{self, count_noun};
use crate::survey::{self, MergeRefusal, Qualification, Release, Report};
use crate::survey_jsonl as jsonl;

/// More inputs than this, on a terminal, show a progress line on stderr.
const PROGRESS_ABOVE: usize = 20;

/// Arguments of `uniabi survey`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print one JSON document (schema `uniabi/survey/1`).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV: a header, then one row per release.
    #[arg(long)]
    pub csv: bool,
    /// Also write the report as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "jsonl")]
    pub html: Option<std::path::PathBuf>,
    /// Print one JSON line per release as it completes (schema `uniabi/survey-line/1`), errors as lines too.
    #[arg(long, conflicts_with_all = ["json", "csv"])]
    pub jsonl: bool,
    /// With --jsonl: skip the releases FILE (an earlier --jsonl output, perhaps interrupted) already holds.
    #[arg(long, value_name = "FILE", requires = "jsonl")]
    pub resume: Option<std::path::PathBuf>,
    /// Survey only the projects of shard K of N (by a stable hash of the project name).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::survey_jsonl::Shard>,
    /// Reduce --jsonl outputs (of shards, or of a resumed run) into one report; reads no wheels.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub from_jsonl: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
}

/// Run `uniabi survey`: exit 0 when every input was read, 2 when one could not be
/// (the others are still surveyed).
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.specs.load()?;
    if let Some(path) = &args.html {
        survey::html::check_target(path).map_err(|e| CmdError::new(super::chain(&e)))?;
    }
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    let interactive = io::stderr().is_terminal();
    let progress = |done: usize, total: usize, input: &str| {
        if interactive && total > PROGRESS_ABOVE {
            let name = input.rsplit(['/', '\\']).next().unwrap_or(input);
            let name: String = name.chars().take(60).collect();
            eprint!("\r\x1b[2K[{done}/{total}] {name}");
            if done == total {
                eprint!("\r\x1b[2K");
            }
        }
    };
    if !args.from_jsonl.is_empty() {
        let mut texts = Vec::new();
        for f in &args.from_jsonl {
            texts.push(
                std::fs::read_to_string(f)
                    .map_err(|e| CmdError::with_source(format!("cannot read {}", f.display()), e))?,
            );
        }
        let read = jsonl::read(&texts);
        if read.skipped > 0 {
            eprintln!("uniabi: note: {} that did not parse skipped", count_noun(read.skipped, "line"));
        }
        let report = jsonl::reduce(read);
        return print(&args, &report, &specs, &[]);
    }
    let resolved = match args.shard {
        Some(shard) => {
            let mut resolved = args.input.resolve_keeping(&|project| shard.holds(project))?;
            resolved.inputs.retain(|i| shard.holds(&i.project()));
            resolved
        }
        None => args.input.resolve()?,
    };
    if args.jsonl {
        let code = run_jsonl(&args, &resolved.inputs, &checker, &progress);
        resolved.finish();
        return code;
    }
    let report = survey_report(&resolved.inputs, &checker, args.input.limits(), &progress);
    // The page of a lock read for targets shows its environment's grid.
    let environments: Vec<LockAnswer> = match &args.html {
        Some(_) => {
            let judging = Judging { specs: &specs, table: &table, limits: args.input.limits(), pep809: false };
            resolved
                .locks
                .iter()
                .filter(|l| !l.selections.is_empty())
                .map(|l| environment::answer(l, &judging))
                .collect()
        }
        None => Vec::new(),
    };
    resolved.finish();
    print(&args, &report, &specs, &environments)
}

/// Survey `paths` and make the report, each unreadable input's errors on one line.
fn survey_report(
    inputs: &[Input],
    checker: &crate::check::Checker,
    limits: crate::wheel::Limits,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Report {
    let surveyed = survey::survey(inputs, checker, limits, progress);
    survey::report(surveyed.projects, surveyed.errors.iter().map(ToString::to_string).collect())
}

/// Print a report in the chosen form; exit 2 when an input was unreadable.
fn print(
    args: &Args,
    report: &Report,
    specs: &crate::specs::Specs,
    environments: &[LockAnswer],
) -> Result<ExitCode, CmdError> {
    for e in &report.errors {
        eprintln!("uniabi: error: {e}");
    }
    if let Some(path) = &args.html {
        let origin = survey::html::Origin {
            inputs: args.input.paths.iter().chain(&args.input.lock).map(|p| p.display().to_string()).collect(),
            version: env!("CARGO_PKG_VERSION"),
            manifests: specs.sources(),
            date: survey::html::source_date(),
        };
        let page = survey::html::render(report, specs, &origin, environments);
        survey::html::write_page(path, &page).map_err(|e| CmdError::new(super::chain(&e)))?;
    }
    output::to_stdout(|out| {
        if args.json {
            output::json(out, report)
        } else if args.csv {
            print_csv(out, report)
        } else {
            print_human(out, report)
        }
    })?;
    Ok(super::exit(if report.errors.is_empty() { EXIT_OK } else { EXIT_ERROR }))
}

/// `--jsonl`: one line per release on stdout as each completes (see [`jsonl::stream`]).
fn run_jsonl(
    args: &Args,
    inputs: &[Input],
    checker: &Checker,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<ExitCode, CmdError> {
    let resume = match &args.resume {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(CmdError::with_source(format!("cannot read {}", file.display()), e)),
        },
        None => None,
    };
    let mut stdout = io::stdout();
    let streamed = jsonl::stream(inputs, checker, args.input.limits(), resume.as_deref(), &mut stdout, progress)?;
    if streamed.resumed > 0 {
        eprintln!("uniabi: note: {} already in the resumed file", count_noun(streamed.resumed, "release"));
    }
    if streamed.closed {
        return Ok(super::exit(EXIT_OK));
    }
    for e in &streamed.errors {
        eprintln!("uniabi: error: {e}");
    }
    Ok(super::exit(if streamed.errors.is_empty() { EXIT_OK } else { EXIT_ERROR }))
}

fn yes_no(q: Option<bool>) -> &'static str {
    match q {
        Some(true) => "yes",
        Some(false) => "no",
        None => "n/a",
    }
}

fn free_threaded(r: &Release) -> String {
    if r.free_threaded { format!("yes ({})", r.free_threaded_via.join(", ")) } else { "no".to_string() }
}

fn blockers(q: &Qualification) -> String {
    q.top_blockers.iter().map(|s| format!("{} ({})", s.symbol, s.count)).collect::<Vec<_>>().join(", ")
}

fn codes(q: &Qualification) -> String {
    q.blocking_codes.iter().map(|c| format!("{} ({})", c.code, c.count)).collect::<Vec<_>>().join(", ")
}

/// Human output: a table with one row per release, each release's platforms
/// under it, its notes, then the summary.
pub fn print_human(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let header = ["project", "version", "wheels", "merged", "free-threaded", "PEP 803", "PEP 809*", "blocking PEP 803"];
    let rows: Vec<[String; 8]> = report
        .projects
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.version.clone(),
                r.wheels.to_string(),
                r.wheels_after_merge.to_string(),
                free_threaded(r),
                yes_no(r.pep803.qualifies).to_string(),
                yes_no(r.pep809.qualifies).to_string(),
                blockers(&r.pep803),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[&str]| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &header)?;
    for (r, row) in report.projects.iter().zip(&rows) {
        line(out, &row.iter().map(String::as_str).collect::<Vec<_>>())?;
        for p in &r.platforms {
            let broken =
                if p.broken.is_empty() { String::new() } else { format!("; broken on {}", survey::compact(&p.broken)) };
            writeln!(
                out,
                "    {}: {} -> {}, serves {}{broken}",
                p.platform,
                p.wheels,
                count_noun(p.wheels_after_merge, "wheel"),
                survey::compact(&p.serves)
            )?;
        }
        for m in &r.merge_refused {
            writeln!(out, "    merge refuses {}: {}", refused_group(m), m.text)?;
        }
        for n in &r.notes {
            writeln!(out, "    note: {n}")?;
        }
    }
    let s = &report.summary;
    writeln!(out)?;
    writeln!(
        out,
        "Summary over the newest release of each project ({}, {} surveyed):",
        count_noun(s.projects, "project"),
        count_noun(s.releases, "release")
    )?;
    writeln!(out, "  loadable on free-threaded CPython  {} of {}", s.free_threaded, s.projects)?;
    writeln!(out, "  wheels                             {} now, {} after merge", s.wheels, s.wheels_after_merge)?;
    writeln!(out, "  qualify for PEP 803                {} of {}", s.pep803_qualifies, s.projects)?;
    writeln!(out, "  qualify for PEP 809*               {} of {}", s.pep809_qualifies, s.projects)?;
    let list = |items: Vec<String>| if items.is_empty() { "none".to_string() } else { items.join(", ") };
    writeln!(
        out,
        "  top blocking symbols (PEP 803)     {}",
        list(s.top_blockers.iter().map(|b| format!("{} ({})", b.symbol, b.projects)).collect())
    )?;
    writeln!(
        out,
        "  top blocking codes (PEP 803)       {}",
        list(s.top_blocking_codes.iter().map(|b| format!("{} ({})", b.code, b.projects)).collect())
    )?;
    writeln!(
        out,
        "* PEP 809 is a draft: this prototype's reading. merged: wheels after `merge` with its defaults (its own plan). Blocker counts: binaries per release, projects in the summary."
    )?;
    if !report.errors.is_empty() {
        writeln!(out, "{} unreadable", count_noun(report.errors.len(), "input"))?;
    }
    Ok(())
}

/// `linux x86_64 (3 wheels)`.
fn refused_group(m: &MergeRefusal) -> String {
    format!("{} ({})", m.platform, count_noun(m.inputs.len(), "wheel"))
}

/// CSV output: a header, then one row per release.
pub fn print_csv(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    output::csv_row(
        out,
        [
            "name",
            "version",
            "wheels",
            "wheels_after_merge",
            "free_threaded",
            "free_threaded_via",
            "pure",
            "pep803",
            "pep809",
            "pep803_top_blockers",
            "pep803_blocking_codes",
            "pep809_top_blockers",
            "pep809_blocking_codes",
            "platforms",
            "serves",
            "merge_refused",
        ],
    )?;
    for r in &report.projects {
        let platforms: Vec<String> =
            r.platforms.iter().map(|p| format!("{} {}>{}", p.platform, p.wheels, p.wheels_after_merge)).collect();
        let serves: Vec<String> =
            r.platforms.iter().map(|p| format!("{}: {}", p.platform, survey::compact(&p.serves))).collect();
        let fields = [
            r.name.clone(),
            r.version.clone(),
            r.wheels.to_string(),
            r.wheels_after_merge.to_string(),
            if r.free_threaded { "yes" } else { "no" }.to_string(),
            r.free_threaded_via.join(" "),
            if r.pure { "yes" } else { "no" }.to_string(),
            yes_no(r.pep803.qualifies).to_string(),
            yes_no(r.pep809.qualifies).to_string(),
            blockers(&r.pep803),
            codes(&r.pep803),
            blockers(&r.pep809),
            codes(&r.pep809),
            platforms.join("; "),
            serves.join("; "),
            r.merge_refused.iter().map(|m| format!("{}: {}", refused_group(m), m.text)).collect::<Vec<_>>().join("; "),
        ];
        output::csv_row(out, fields.iter().map(String::as_str))?;
    }
    Ok(())
}
