//! `uniabi verify WHEEL...`: for every interpreter the tags admit, which file
//! `import` loads for each extension module, and whether it can.

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputArgs, Names, messages};
use crate::analysis;
use crate::environment::{self, Judging, LockAnswer};
use crate::output;
use crate::verify::Verification;
use crate::verify::{WheelVerification, verify_input};

/// Arguments of `uniabi verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print one JSON document (schema `uniabi/verify/1`).
    #[arg(long)]
    pub json: bool,
    /// Admit and resolve as the PEP 809 prototype would (abi2026; prototype, not specified by PEP 809).
    #[arg(long)]
    pub pep809: bool,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
}

/// The `--json` document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<WheelVerification>,
}

/// The `--json` document of a `verify` with a lock (`--lock FILE`, or an
/// argument named like a lock file).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LockReport {
    pub schema: &'static str,
    /// Each lock's answer, per target.
    pub locks: Vec<LockAnswer>,
    /// The other inputs, verified as without a lock.
    pub inputs: Vec<WheelVerification>,
}

/// The one interpreter an installer pick is for (one `--python` with one `--platform`), if asked.
fn installer(args: &Args) -> Option<crate::tags::Interpreter> {
    let remote = &args.input.remote;
    match (remote.python.as_slice(), remote.platform.len()) {
        ([python], 1) => Some(*python),
        _ => None,
    }
}

/// Run `uniabi verify`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.specs.load()?;
    // With --python and --platform, a project is the one wheel an installer
    // there picks, judged for that interpreter.
    let only = installer(&args);
    let pick = crate::tags::Installer { pep809: args.pep809.then_some(specs.abi2026().min_version) };
    let lock = args.input.has_lock();
    if lock && args.input.remote.python.is_empty() && args.input.remote.platform.is_empty() {
        return Err(CmdError::new(
            "verify of a lock judges it on targets: give --python and --platform (e.g. --python 3.15t --platform manylinux_2_28_x86_64)",
        ));
    }
    let how = (only.is_some() || lock).then_some(pick);
    let resolved = args.input.resolve_locks(&|_| true, how, true)?;
    let names = Names::of(&resolved.inputs);
    let inputs: Vec<WheelVerification> =
        super::analyse(&resolved, args.input.limits(), analysis::Scope::Importable, |a| {
            let mut v = verify_input(&a, &specs, &table, args.pep809);
            if let (Some(python), Some(found)) = (only, v.verification.as_mut()) {
                found.resolutions.retain(|r| r.interpreter == python);
                v.ok = found.ok();
            }
            v
        });
    let judging = Judging { specs: &specs, table: &table, limits: args.input.limits(), pep809: args.pep809 };
    let locks: Vec<LockAnswer> = resolved.locks.iter().map(|l| environment::answer(l, &judging)).collect();
    for i in &inputs {
        if let Some(e) = &i.error {
            messages::error(e);
        }
    }
    let unreadable = locks.iter().any(LockAnswer::unreadable);
    let failing = locks.iter().any(|l| !l.ok);
    let report = Report { schema: output::schema::VERIFY, inputs };
    if lock {
        let report = LockReport { schema: output::schema::LOCK, locks, inputs: report.inputs };
        output::to_stdout(|out| {
            if args.json {
                return output::json(out, &report);
            }
            for answer in &report.locks {
                environment::print_human(out, answer)?;
            }
            print_inputs(out, &report.inputs, &names)
        })?;
        return Ok(super::exit(level(&report.inputs, unreadable, failing)));
    }
    super::print_report(args.json, &report, &resolved.projects, |out| print_human(out, &report, &names))?;
    Ok(super::exit(level(&report.inputs, false, false)))
}

/// The exit level: an unreadable input (or lock wheel) is 2, a failing one (or lock target) 1.
fn level(inputs: &[WheelVerification], unreadable: bool, failing: bool) -> u8 {
    if unreadable || inputs.iter().any(|i| i.error.is_some()) {
        EXIT_ERROR
    } else if failing || inputs.iter().any(|i| !i.ok && !i.verification.as_ref().is_some_and(Verification::passes)) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Human output: per wheel, per interpreter, what each module loads; the
/// counts last. Inputs are named as `names` says.
pub fn print_human(out: &mut dyn Write, report: &Report, names: &Names) -> io::Result<()> {
    print_inputs(out, &report.inputs, names)
}

fn print_inputs(out: &mut dyn Write, inputs: &[WheelVerification], names: &Names) -> io::Result<()> {
    let (mut ok, mut fail, mut unreadable, mut not_judged) = (0, 0, 0, 0);
    for input in inputs {
        let name = names.get(&input.path);
        if let Some(why) = &input.no_wheel {
            fail += 1;
            writeln!(out, "{name}: {}: {why}", crate::color::verdict("FAILS"))?;
            continue;
        }
        let Some(v) = &input.verification else {
            unreadable += 1;
            writeln!(out, "{name}: {} (the error is on stderr)", crate::color::verdict("unreadable"))?;
            continue;
        };
        if input.ok {
            ok += 1;
        } else if v.passes() {
            not_judged += 1;
        } else {
            fail += 1;
        }
        let verdict = crate::color::verdict(if input.ok { "ok" } else { v.verdict() });
        writeln!(out, "{name}: {verdict}; tags admit {}", output::interpreter_list(&v.admitted))?;
        if let Some(why) = &v.unresolved {
            writeln!(out, "  no extension module resolved for any interpreter: {why}")?;
        }
        for r in &v.resolutions {
            let file = r.file.as_deref().map(crate::naming::base_name).unwrap_or("-");
            match &r.problem {
                None => writeln!(out, "  {:<6} {:<28} {} loads {file}", r.python, r.matched_tag, r.module)?,
                Some(p) => writeln!(
                    out,
                    "  {:<6} {:<28} {} {}: {p}",
                    r.python,
                    r.matched_tag,
                    r.module,
                    crate::color::verdict("FAILS")
                )?,
            }
        }
    }
    // A lock's tables count its own targets; wheels given beside it are counted here.
    if inputs.is_empty() {
        return Ok(());
    }
    let not_judged = if not_judged > 0 { format!(", {not_judged} not judged") } else { String::new() };
    writeln!(
        out,
        "{}: {ok} ok, {fail} fail, {unreadable} unreadable{not_judged}",
        output::count_noun(inputs.len(), "input")
    )
}
