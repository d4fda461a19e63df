//! `uniabi compare WHEEL... [--json]`: for each project, version and platform,
//! the wheels as they are today next to the universal wheel PEP 803 and the
//! PEP 809 prototype would make of them.

use std::io::{self, Write};
use std::process::ExitCode;

use super::{CmdError, EXIT_ERROR, EXIT_OK, InputArgs, Names, messages};
use crate::analysis;
use crate::check::{AbiChoice, Checker};
use crate::compare::{self, Group, Proposed, Report, Today};
use crate::output::{self, count_noun};
use crate::survey::compact;
use crate::universal::Proposal;

/// Arguments of `uniabi compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print one JSON document (schema `uniabi/compare/1`).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
    /// Show each proposal in full: `Tag:` lines, extension files, macros, every blocked
    /// binary and its symbols, and the diffs of the two WHEEL files and member lists.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Run `uniabi compare`: exit 0 when every input was read (whether or not the
/// wheels qualify), 2 when one could not be.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    let limits = args.input.limits();
    let resolved = args.input.resolve()?;
    let names = Names::of(&resolved.inputs);
    let analysed = super::analyse(&resolved, limits, analysis::Scope::All, |a| a);
    let report = compare::compare(&analysed, &checker);
    for e in &report.errors {
        messages::error(e);
    }
    for w in &report.warnings {
        messages::warning(w);
    }
    super::print_report(args.json, &report, &resolved.projects, |out| print_human(out, &report, &names, args.verbose))?;
    Ok(super::exit(if report.errors.is_empty() { EXIT_OK } else { EXIT_ERROR }))
}

/// Human output: per group, what its wheels serve today and whether each
/// proposal's universal wheel qualifies, a few lines each (`verbose`: every
/// detail, then the two diffs); a summary line last.
pub fn print_human(out: &mut dyn Write, report: &Report, names: &Names, verbose: bool) -> io::Result<()> {
    for group in &report.groups {
        if verbose {
            print_group(out, group, names)?;
        } else {
            print_summary(out, group)?;
        }
        writeln!(out)?;
    }
    let wheels: usize = report.groups.iter().map(|g| g.today.wheel_count).sum();
    let qualify = |p: Proposal| {
        report
            .groups
            .iter()
            .filter(|g| if p == Proposal::Pep803 { &g.pep803 } else { &g.pep809 }.plan.qualifies)
            .count()
    };
    writeln!(
        out,
        "{} from {}: PEP 803 qualifies for {}, PEP 809 for {}; {} unreadable",
        count_noun(report.groups.len(), "group"),
        count_noun(wheels, "wheel"),
        qualify(Proposal::Pep803),
        qualify(Proposal::Pep809),
        count_noun(report.errors.len(), "input"),
    )
}

fn title(out: &mut dyn Write, g: &Group) -> io::Result<()> {
    let build = g.build.as_deref().map(|b| format!(" (build {b})")).unwrap_or_default();
    writeln!(out, "{} {}{build} for {}", g.name, g.version, g.platform)
}

/// A group in a few lines: each wheel and what it serves, then each proposal's verdict.
fn print_summary(out: &mut dyn Write, g: &Group) -> io::Result<()> {
    title(out, g)?;
    let t = &g.today;
    writeln!(
        out,
        "  {:<16}{} {} {}",
        "today",
        count_noun(t.wheel_count, "wheel"),
        if t.wheel_count == 1 { "serves" } else { "serve" },
        compact(&t.serves)
    )?;
    for w in &t.wheels {
        writeln!(out, "  {:<16}  {}: {}", "", w.filename, compact(&w.serves))?;
    }
    for (label, p) in [("PEP 803", &g.pep803), ("PEP 809 (draft)", &g.pep809)] {
        writeln!(out, "  {label:<16}{}", verdict_line(p))?;
    }
    Ok(())
}

/// One proposal in one line: the wheel it would write and what it serves, or what blocks it.
fn verdict_line(p: &Proposed) -> String {
    let plan = &p.plan;
    if plan.qualifies {
        let lost = if plan.uncovered.is_empty() {
            String::new()
        } else {
            format!("; not {} (today's wheels serve them)", compact(&plan.uncovered))
        };
        return format!("qualifies: {} would serve {}{lost}", plan.wheel, compact(&plan.serves));
    }
    if plan.modules.is_empty() {
        return "does not qualify: no extension modules".to_string();
    }
    let mut codes: Vec<&str> = plan.blockers.iter().flat_map(|b| b.codes.iter().map(String::as_str)).collect();
    codes.sort_unstable();
    codes.dedup();
    let codes = if codes.is_empty() { "wrong binary format for the platform".to_string() } else { codes.join(", ") };
    let n = plan.blockers.len();
    format!(
        "does not qualify: {n} binar{} blocked by check --abi {} ({codes}; --verbose names the symbols)",
        if n == 1 { "y" } else { "ies" },
        plan.proposal.abi()
    )
}

fn print_group(out: &mut dyn Write, g: &Group, names: &Names) -> io::Result<()> {
    title(out, g)?;
    print_today(out, &g.today, names)?;
    print_proposed(out, "PEP 803 (abi3t, final)", &g.pep803, names)?;
    print_proposed(out, "PEP 809 (abi2026, draft; this prototype's reading)", &g.pep809, names)?;
    print_diff(out, "WHEEL file", &g.wheel_file_diff)?;
    print_diff(out, "Members", &g.members_diff)
}

fn print_today(out: &mut dyn Write, t: &Today, names: &Names) -> io::Result<()> {
    writeln!(
        out,
        "  Today: {} {} {}: {}",
        count_noun(t.wheel_count, "wheel"),
        if t.wheel_count == 1 { "serves" } else { "serve" },
        count_noun(t.interpreter_count, "interpreter"),
        output::interpreter_list(&t.serves)
    )?;
    for w in &t.wheels {
        writeln!(out, "    {}", names.get(&w.input))?;
        for tag in &w.tags {
            writeln!(out, "      Tag: {tag}")?;
        }
        writeln!(out, "      Extensions: {}", list(&w.extensions))?;
        writeln!(out, "      Serves: {}", output::interpreter_list(&w.serves))?;
    }
    Ok(())
}

fn print_proposed(out: &mut dyn Write, title: &str, p: &Proposed, names: &Names) -> io::Result<()> {
    let plan = &p.plan;
    let abi = plan.proposal.abi();
    let verdict = if plan.qualifies {
        format!("qualifies (every extension module has a binary that passes check --abi {abi})")
    } else if plan.modules.is_empty() {
        "does not qualify (no extension modules)".to_string()
    } else {
        format!("does not qualify (check --abi {abi} blocks every binary of a module)")
    };
    writeln!(out, "  {title}: {verdict}")?;
    writeln!(out, "    Wheel: {}", plan.wheel)?;
    for tag in &plan.tags {
        writeln!(out, "      Tag: {tag}")?;
    }
    writeln!(out, "    Extensions:")?;
    for m in &plan.modules {
        let from = match (&m.source, &m.source_wheel) {
            (Some(member), Some(wheel)) => format!("from {member} in {}", names.get(wheel)),
            _ => "no qualifying binary".to_string(),
        };
        writeln!(out, "      {}: {from}", m.member.display())?;
    }
    let macros: Vec<String> = plan.macros.iter().map(|m| m.display()).collect();
    writeln!(out, "    Macros: {}", macros.join(", "))?;
    if let Some(dll) = &plan.windows_dll {
        writeln!(out, "    Windows DLL: {}", dll.display())?;
    }
    writeln!(out, "    Minimum Python: {}", plan.min_python)?;
    writeln!(out, "    Serves: {}", output::interpreter_list(&plan.serves))?;
    if !plan.uncovered.is_empty() {
        writeln!(out, "    Cannot serve (the inputs serve them today): {}", list(&plan.uncovered))?;
    }
    if !plan.blockers.is_empty() {
        writeln!(out, "    Blockers:")?;
        for b in &plan.blockers {
            writeln!(out, "      {} in {}", b.member, names.get(&b.wheel))?;
            let codes =
                if b.codes.is_empty() { "wrong binary format for the platform".into() } else { b.codes.join(", ") };
            writeln!(out, "        codes: {codes}")?;
            // A `dll-mismatch` finding names the DLL the binary links among its symbols.
            let (dlls, symbols): (Vec<&String>, Vec<&String>) =
                b.symbols.iter().partition(|s| s.to_ascii_lowercase().ends_with(".dll"));
            if !symbols.is_empty() {
                writeln!(out, "        symbols: {}", join(&symbols))?;
            }
            if !dlls.is_empty() {
                writeln!(out, "        links: {}", join(&dlls))?;
            }
        }
    }
    Ok(())
}

fn print_diff(out: &mut dyn Write, what: &str, diff: &str) -> io::Result<()> {
    if diff.is_empty() {
        return writeln!(out, "  {what}, PEP 803 -> PEP 809: identical");
    }
    writeln!(out, "  {what}, PEP 803 -> PEP 809:")?;
    for line in diff.lines() {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(", ") }
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
