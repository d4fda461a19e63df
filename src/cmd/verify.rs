//! `uniabi verify WHEEL...`: for every interpreter the tags admit, which file
//! `import` loads for each extension module, and whether it can.

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputArgs};
use crate::analysis::{self, Analysed};
use crate::output;
use crate::specs::Specs;
use crate::suffixes::SuffixTable;
use crate::verify::{self, Verification};

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

/// One wheel's resolution.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WheelVerification {
    pub path: String,
    pub error: Option<String>,
    /// True when its extension modules were resolved and every admitted interpreter loads
    /// every one (never when they were resolved for no interpreter: see `unresolved`).
    pub ok: bool,
    /// For a project with `--python` and `--platform`: why an installer there finds no wheel
    /// (then `path` is the requirement and `ok` is false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_wheel: Option<String>,
    #[serde(flatten)]
    pub verification: Option<Verification>,
}

/// The `--json` document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<WheelVerification>,
}

/// Verify one analysed input.
pub fn verify_input(a: &Analysed, specs: &Specs, table: &SuffixTable, pep809: bool) -> WheelVerification {
    let path = a.input.display.clone();
    if let Some(why) = crate::remote::no_wheel(&a.input.path) {
        return WheelVerification { path, error: None, ok: false, no_wheel: Some(why), verification: None };
    }
    if let Some(error) = a.error() {
        return WheelVerification {
            path,
            error: Some(error.to_string()),
            ok: false,
            no_wheel: None,
            verification: None,
        };
    }
    let Some(set) = a.wheel.as_ref().map(|w| w.installer_tags()) else {
        let error = format!(
            "{path}: not a wheel: verify resolves imports for the interpreters a wheel's tags admit, and a bare file has no tags; use `uniabi check` to judge it by its suffix"
        );
        return WheelVerification { path, error: Some(error), ok: false, no_wheel: None, verification: None };
    };
    let v = verify::verify(&set, &a.binaries, specs, table, pep809);
    WheelVerification { path, error: None, ok: v.ok(), no_wheel: None, verification: Some(v) }
}

/// The one interpreter an installer pick is for (`--python` with `--platform`), if asked.
fn installer(args: &Args) -> Option<crate::tags::Interpreter> {
    args.input.remote.platform.as_ref().and(args.input.remote.python)
}

/// Run `uniabi verify`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.specs.load()?;
    // With --python and --platform, a project is the one wheel an installer
    // there picks, judged for that interpreter.
    let only = installer(&args);
    let how =
        only.map(|_| crate::remote::index::Installer { pep809: args.pep809.then_some(specs.abi2026().min_version) });
    let paths = args.input.remote.resolve(&args.input.paths, &|_| true, how)?;
    let inputs: Vec<WheelVerification> =
        analysis::analyse_map(&paths, args.input.limits(), analysis::Scope::Importable, |a| {
            let mut v = verify_input(&a, &specs, &table, args.pep809);
            if let (Some(python), Some(found)) = (only, v.verification.as_mut()) {
                found.resolutions.retain(|r| r.interpreter == python);
                v.ok = found.ok();
            }
            v
        });
    for i in &inputs {
        if let Some(e) = &i.error {
            eprintln!("uniabi: error: {e}");
        }
    }
    let report = Report { schema: output::schema::VERIFY, inputs };
    output::to_stdout(|out| if args.json { output::json(out, &report) } else { print_human(out, &report) })?;
    let level = if report.inputs.iter().any(|i| i.error.is_some()) {
        EXIT_ERROR
    } else if report.inputs.iter().any(|i| !i.ok && !i.verification.as_ref().is_some_and(Verification::passes)) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    Ok(super::exit(level))
}

/// Human output: per wheel, per interpreter, what each module loads.
pub fn print_human(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for input in &report.inputs {
        if let Some(why) = &input.no_wheel {
            writeln!(out, "{}: {}: {why}", input.path, crate::color::verdict("FAILS"))?;
            continue;
        }
        let Some(v) = &input.verification else {
            writeln!(out, "{}: {}", input.path, crate::color::verdict("unreadable"))?;
            continue;
        };
        let verdict = crate::color::verdict(if input.ok { "ok" } else { v.verdict() });
        writeln!(out, "{}: {verdict}; tags admit {}", input.path, output::interpreter_list(&v.admitted))?;
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
    Ok(())
}
