//! What `merge`, `split` and `retag` share: where and how they write
//! ([`OutputArgs`]), reading the inputs of a merge or split, and printing its
//! report ([`crate::merge::Report`]).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::merge::{self, Context, Counts, MergeInput, Refusal, Report};
use crate::output;
use crate::wheel::Limits;

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
    /// Print one JSON document (each command names its schema: `uniabi/merge/1`, `uniabi/split/1`, `uniabi/retag/1`).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
    /// Refuse any archive member that inflates past this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::DEFAULT.max_member_size >> 20)]
    pub max_member_mib: u64,
}

/// Read the inputs of a merge or split once; `Err` is a one-line error per unreadable input.
pub fn prepare(
    inputs: &[crate::input::Input],
    out: &OutputArgs,
    jobs: &super::JobsArgs,
) -> Result<(Vec<MergeInput>, Limits), Vec<String>> {
    jobs.apply(false);
    let limits = super::limits_for_mib(out.max_member_mib);
    let (inputs, errors) = merge::load_inputs(inputs, limits);
    if !errors.is_empty() {
        return Err(errors.iter().map(ToString::to_string).collect());
    }
    if inputs.is_empty() {
        return Err(vec!["no input wheels".to_string()]);
    }
    Ok((inputs, limits))
}

/// Report errors that stop the command before planning (exit 2).
pub fn finish_with_errors(
    schema: &'static str,
    json: bool,
    dry_run: bool,
    errors: Vec<String>,
) -> Result<ExitCode, CmdError> {
    for e in &errors {
        super::messages::error(e);
    }
    if json {
        let report = Report { errors, ..Report::new(schema, dry_run) };
        output::to_stdout(|out| output::json(out, &report))?;
    }
    Ok(super::exit(EXIT_ERROR))
}

/// Finish a planned merge or split ([`merge::finish`]): say what was refused,
/// swept and not written on stderr, print the report, and return the exit
/// code: 1 when a group was refused, 2 when the outputs could not be written
/// (then none is).
pub fn finish(
    mut report: Report,
    inputs: &[MergeInput],
    force: bool,
    (json, verbose): (bool, bool),
    ctx: &Context,
) -> Result<ExitCode, CmdError> {
    let finished = merge::finish(&mut report, inputs, force, ctx);
    for r in &report.refused {
        for line in refusal_lines(r) {
            super::messages::error(line);
        }
    }
    if !finished.swept.is_empty() {
        super::messages::note(format_args!(
            "removed {} an interrupted earlier run left in {}: {}",
            output::count_noun(finished.swept.len(), "stale temporary file"),
            ctx.outdir.display(),
            finished.swept.join(", ")
        ));
    }
    for e in &report.errors {
        super::messages::error(format_args!("{e} (nothing written)"));
    }
    print(&report, json, verbose)?;
    let level = if !finished.write_errors.is_empty() {
        EXIT_ERROR
    } else if !report.refused.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    Ok(super::exit(level))
}

/// Print the report in the chosen format.
pub fn print(report: &Report, json: bool, verbose: bool) -> Result<(), CmdError> {
    output::to_stdout(|out| if json { output::json(out, report) } else { print_human(out, report, verbose) })?;
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

/// More `Tag:` lines or dropped members than this are counted, not listed, unless `--verbose`.
const LISTED: usize = 4;

/// Human output: per output wheel its scheme, path, inputs, tags, members kept
/// and dropped, uncovered interpreters and verify result; then refusals. Sized
/// to a screen: long tag lists and drops are counted, conflicts' diffs and
/// blockers' symbols left out; `verbose` shows them all.
pub fn print_human(out: &mut dyn Write, report: &Report, verbose: bool) -> io::Result<()> {
    for o in &report.outputs {
        let proto = o.prototype.map(|p| format!(" ({p})")).unwrap_or_default();
        writeln!(out, "{}: {}{proto}", o.group, o.scheme)?;
        writeln!(out, "  {:<10}{}", "output", o.path)?;
        rows(out, "inputs", &o.inputs)?;
        if verbose || o.tags.len() <= LISTED {
            rows(out, "tags", &o.tags)?;
        } else {
            writeln!(out, "  {:<10}{} Tag: lines (--verbose lists them)", "tags", o.tags.len())?;
        }
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
        if report.dry_run && verbose {
            for m in o.members.iter().filter(|m| !m.extension) {
                writeln!(out, "  {:<10}  {}", "", m.name)?;
            }
        }
        let dropped: Vec<String> = if verbose || o.dropped.len() <= LISTED {
            // One input (a split): its name is on the inputs row already.
            let from = |d: &merge::Dropped| {
                if o.inputs.len() == 1 { String::new() } else { format!(" (from {})", file_name(&d.input)) }
            };
            o.dropped.iter().map(|d| format!("{}{}: {}", d.member, from(d), d.reason)).collect()
        } else {
            dropped_counts(&o.dropped)
        };
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
    if !verbose {
        for line in unchanged_counts(&report.unchanged) {
            writeln!(out, "{line}")?;
        }
    }
    for u in report.unchanged.iter().filter(|_| verbose) {
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
                Some(_) if !verbose => writeln!(out, "  {:<10}  (--verbose shows the diff)", "")?,
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
            if verbose && !b.symbols.is_empty() {
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

/// Unchanged groups counted per reason, each reason once with the releases it
/// holds for (`markupsafe 3.0.4 (3 platforms)`).
fn unchanged_counts(unchanged: &[merge::Unchanged]) -> Vec<String> {
    /// One reason: how many groups, and each release with its number of groups.
    struct Reason<'a> {
        text: &'a str,
        groups: usize,
        releases: Vec<(&'a str, usize)>,
    }
    let mut reasons: Vec<Reason> = Vec::new();
    for u in unchanged {
        let release = u.group.split(" [").next().unwrap_or(&u.group);
        let at = match reasons.iter().position(|r| r.text == u.reason) {
            Some(at) => at,
            None => {
                reasons.push(Reason { text: &u.reason, groups: 0, releases: Vec::new() });
                reasons.len() - 1
            }
        };
        let reason = &mut reasons[at];
        reason.groups += 1;
        match reason.releases.iter_mut().find(|(r, _)| *r == release) {
            Some((_, n)) => *n += 1,
            None => reason.releases.push((release, 1)),
        }
    }
    reasons
        .into_iter()
        .map(|r| {
            let named: Vec<String> = r
                .releases
                .into_iter()
                .map(|(release, n)| if n == 1 { release.to_string() } else { format!("{release} ({n} platforms)") })
                .collect();
            format!("unchanged: {}: {}: {}", crate::output::count_noun(r.groups, "group"), r.text, named.join(", "))
        })
        .collect()
}

/// Dropped members counted per input and reason: `12 members of mypkg-1.0-cp313-cp313-linux_x86_64.whl: REASON`.
fn dropped_counts(dropped: &[merge::Dropped]) -> Vec<String> {
    let mut counts: Vec<((&str, &str), usize)> = Vec::new();
    for d in dropped {
        let key = (file_name(&d.input), d.reason.as_str());
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    let mut lines: Vec<String> = counts
        .into_iter()
        .map(|((input, reason), n)| format!("{} of {input}: {reason}", crate::output::count_noun(n, "member")))
        .collect();
    lines.push("(--verbose names each)".to_string());
    lines
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
