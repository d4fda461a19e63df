//! `uniabi survey PATH... [--json | --csv] [--html FILE]`: one row per project release over
//! directories of wheels, then a summary over each project's newest release.

use std::io::{self, Write};
use std::process::ExitCode;

use super::{CmdError, EXIT_ERROR, EXIT_OK, InputArgs, messages};
use crate::check::{AbiChoice, Checker};
use crate::environment::{self, Judging, LockAnswer};
use crate::input::Input;
use crate::output::{self, count_noun};
use crate::survey::{self, MadeFrom, MergeRefusal, Qualification, Release, Report};
use crate::survey_jsonl as jsonl;

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
    /// Also write the report as one self-contained HTML page to FILE (with --jsonl: when the run ends).
    #[arg(long, value_name = "FILE")]
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
    let progress = |done: usize, total: usize, _: &str| crate::progress::count(done, total);
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
            messages::note(format_args!("{} that did not parse skipped", count_noun(read.skipped, "line")));
        }
        if read.made_from.windows(2).any(|w| !w[0].same_filters(&w[1])) {
            messages::note(format_args!("the files were made with different filters; the report records the first's"));
        }
        let report = jsonl::reduce(read);
        return print(&args, &report, &specs, (&[], &[]));
    }
    let resolved = match args.shard {
        Some(shard) => {
            let mut resolved = args.input.resolve_keeping(&|project| shard.holds(project))?;
            resolved.inputs.retain(|i| shard.holds(&i.project()));
            resolved
        }
        None => args.input.resolve()?,
    };
    let made_from = made_from(&args, &resolved);
    if args.jsonl {
        let code = run_jsonl(&args, &resolved.inputs, &made_from, &checker, &progress);
        super::finish(&resolved);
        return code;
    }
    let mut report = survey_report(&resolved.inputs, &checker, args.input.limits(), &progress);
    report.made_from = made_from;
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
    super::finish(&resolved);
    print(&args, &report, &specs, (&environments, &resolved.projects))
}

/// What the survey is made from: the arguments as given (URLs redacted), each
/// `-r FILE`, and the filters that chose the projects' wheels.
fn made_from(args: &Args, resolved: &crate::input::Resolution) -> MadeFrom {
    let remote = &args.input.remote;
    let mut inputs: Vec<String> =
        args.input.paths.iter().map(|p| crate::remote::auth::redact(&p.display().to_string())).collect();
    inputs.extend(remote.requirements.iter().map(|f| format!("-r {}", f.display())));
    inputs.extend(args.input.lock.iter().map(|f| format!("--lock {}", f.display())));
    let joined = |v: Vec<String>| (!v.is_empty()).then(|| v.join(", "));
    MadeFrom {
        inputs,
        platform: joined(remote.platform.iter().map(|p| p.as_str().to_string()).collect()),
        python: joined(remote.python.iter().map(ToString::to_string).collect()),
        releases: resolved.index.as_ref().map(|_| remote.releases.max(1)),
        index: resolved.index.clone(),
        shards: args.shard.iter().map(ToString::to_string).collect(),
    }
}

/// Survey `paths` and make the report, each unreadable input's errors on one line.
fn survey_report(
    inputs: &[Input],
    checker: &crate::check::Checker,
    limits: crate::wheel::Limits,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Report {
    let surveyed = survey::survey(inputs, checker, limits, progress);
    survey::report(surveyed.projects, surveyed.errors.iter().map(ToString::to_string).collect(), surveyed.no_wheel)
}

/// Print a report in the chosen form (the text headed by the projects resolved
/// on the index); exit 2 when an input was unreadable.
fn print(
    args: &Args,
    report: &Report,
    specs: &crate::specs::Specs,
    (environments, projects): (&[LockAnswer], &[crate::input::ResolvedProject]),
) -> Result<ExitCode, CmdError> {
    for e in &report.errors {
        messages::error(e);
    }
    write_html(args, report, specs, environments)?;
    output::to_stdout(|out| {
        if args.json {
            output::json(out, report)
        } else if args.csv {
            print_csv(out, report)
        } else {
            super::write_projects(out, projects)?;
            print_human(out, report)
        }
    })?;
    Ok(super::exit(if report.errors.is_empty() { EXIT_OK } else { EXIT_ERROR }))
}

/// `--html FILE`: the report as one page, written whole or not at all.
fn write_html(
    args: &Args,
    report: &Report,
    specs: &crate::specs::Specs,
    environments: &[LockAnswer],
) -> Result<(), CmdError> {
    let Some(path) = &args.html else { return Ok(()) };
    let origin = survey::html::Origin {
        version: env!("CARGO_PKG_VERSION"),
        manifests: specs.sources(),
        date: survey::html::source_date(),
    };
    let page = survey::html::render(report, specs, &origin, environments);
    survey::html::write_page(path, &page).map_err(|e| CmdError::new(super::chain(&e)))
}

/// Standard output, and with `--html` a copy of what was written to it.
struct Tee {
    out: crate::progress::Suspended<io::Stdout>,
    copy: Option<Vec<u8>>,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        if let Some(copy) = &mut self.copy {
            copy.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `--jsonl`: one line per release on stdout as each completes (see [`jsonl::stream`]);
/// with `--html`, the page is then made from the lines, the resumed file's and this run's,
/// as `--from-jsonl` would make it.
fn run_jsonl(
    args: &Args,
    inputs: &[Input],
    made_from: &MadeFrom,
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
    // Each line reaches stdout with the progress line off the screen.
    let out = crate::progress::Suspended::new(io::stdout());
    let mut tee = Tee { out, copy: args.html.as_ref().map(|_| Vec::new()) };
    let streamed =
        jsonl::stream(inputs, made_from, checker, args.input.limits(), resume.as_deref(), &mut tee, progress)?;
    if streamed.resumed > 0 {
        messages::note(format_args!("{} already in the resumed file", count_noun(streamed.resumed, "release")));
    }
    if streamed.closed {
        return Ok(super::exit(EXIT_OK));
    }
    for e in &streamed.errors {
        messages::error(e);
    }
    if let Some(copy) = tee.copy {
        let texts = [resume.unwrap_or_default(), String::from_utf8_lossy(&copy).into_owned()];
        write_html(args, &jsonl::reduce(jsonl::read(&texts)), checker.specs, &[])?;
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
        if let Some(why) = &r.passed_over {
            writeln!(out, "    not the newest release: {why}")?;
        }
        for n in &r.notes {
            writeln!(out, "    note: {n}")?;
        }
    }
    if !report.no_wheel.is_empty() {
        writeln!(out)?;
        writeln!(out, "No wheel for the filters:")?;
        for n in &report.no_wheel {
            writeln!(out, "  {}: {}", n.project, n.why)?;
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
    writeln!(out, "  ship a free-threaded wheel         {} of {}", s.ships_free_threaded, s.projects)?;
    writeln!(out, "  ship an abi3t wheel                {} of {}", s.ships_abi3t, s.projects)?;
    writeln!(out, "  wheels                             {} now, {} after merge", s.wheels, s.wheels_after_merge)?;
    // Only a project with extension modules can qualify: a pure one is not counted against it.
    let of = if s.with_extensions == s.projects {
        s.projects.to_string()
    } else {
        format!("{} with extension modules", s.with_extensions)
    };
    writeln!(out, "  qualify for PEP 803                {} of {of}", s.pep803_qualifies)?;
    writeln!(out, "  qualify for PEP 809*               {} of {of}", s.pep809_qualifies)?;
    if s.no_wheel > 0 {
        writeln!(out, "  no wheel for the filters           {}", count_noun(s.no_wheel, "more project"))?;
    }
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
