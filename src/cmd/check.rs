//! `uniabi check PATH... [--abi ...] [--json | --format sarif]`: do the binaries
//! really are what the tags (or file names) claim?

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputArgs};
use crate::analysis;
use crate::check::{self, AbiChoice, Checker, Code, InputCheck, Severity, Verdict};
use crate::check::{Suppressed, Suppressions};
use crate::color;
use crate::output;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
}

/// Arguments of `uniabi check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// The ABI to judge against: auto (each input's own tags), abi3, abi3t, abi2026, cp3XY or cp3XYt
    /// [default: [tool.uniabi] abi, else auto].
    #[arg(long, value_name = "ABI")]
    pub abi: Option<AbiChoice>,
    /// Leave out findings with this code (repeatable; replaces [tool.uniabi] ignore).
    #[arg(long, value_name = "CODE", value_parser = crate::config::parse_code)]
    pub ignore: Vec<Code>,
    /// Accept an import, saying why (repeatable; replaces [tool.uniabi.allow]): --allow 'PyFoo=only called on 3.13'.
    #[arg(long, value_name = "SYMBOL=REASON", value_parser = crate::config::parse_allow)]
    pub allow: Vec<(String, String)>,
    #[command(flatten)]
    pub config: super::settings::ConfigArgs,
    /// Print one JSON document (schema `uniabi/check/1`); the same as `--format json`.
    #[arg(long)]
    pub json: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
    /// Also print info findings in human output.
    #[arg(long, short)]
    pub verbose: bool,
}

/// The `--json` document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<InputCheck>,
    /// Findings (or symbols of findings) left out by `--ignore`, `--allow` or `[tool.uniabi]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Suppressed>,
}

/// Run `uniabi check`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let settings = args.config.load(&args.input.paths)?.settings;
    let abi = args.abi.or(settings.abi).unwrap_or(AbiChoice::Auto);
    let suppressions = Suppressions {
        ignore: if args.ignore.is_empty() { settings.ignore } else { args.ignore },
        allow: if args.allow.is_empty() { settings.allow } else { args.allow.into_iter().collect() },
    };
    let (specs, table) = args.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi };
    let resolved = args.input.resolve()?;
    let mut inputs: Vec<InputCheck> =
        analysis::analyse_map(&resolved.inputs, args.input.limits(), analysis::Scope::Importable, |a| {
            checker.check(&a)
        });
    resolved.finish();
    check::relate(&mut inputs);
    let suppressed: Vec<Suppressed> = inputs.iter_mut().flat_map(|i| suppressions.apply(i)).collect();
    for i in &inputs {
        if let Some(e) = &i.error {
            eprintln!("uniabi: error: {e}");
        }
    }
    let report = Report { schema: output::schema::CHECK, inputs, suppressed };
    let format = if args.json { OutputFormat::Json } else { args.format };
    output::to_stdout(|out| match format {
        OutputFormat::Human => print_human(out, &report, args.verbose),
        OutputFormat::Json => output::json(out, &report),
        OutputFormat::Sarif => output::json(out, &sarif(&report)),
    })?;
    let level = if report.inputs.iter().any(|i| i.verdict == Verdict::Error) {
        EXIT_ERROR
    } else if report.inputs.iter().any(|i| i.verdict == Verdict::Fail) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    Ok(super::exit(level))
}

/// Human output: one line per input with its verdict, then its findings.
pub fn print_human(out: &mut dyn Write, report: &Report, verbose: bool) -> io::Result<()> {
    let mut counts = [0usize; 3];
    for input in &report.inputs {
        let claims = if input.claims.is_empty() { "nothing".to_string() } else { input.claims.join(", ") };
        match &input.asked {
            Some(asked) => writeln!(
                out,
                "{}: {} (judged as {asked}, asked; {} claims {claims})",
                input.path,
                color::check_verdict(input.verdict),
                if input.path.ends_with(".whl") { "the wheel" } else { "the file" }
            )?,
            None => writeln!(out, "{}: {} (claims {claims})", input.path, color::check_verdict(input.verdict))?,
        }
        counts[match input.verdict {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Error => 2,
        }] += 1;
        for f in input.findings.iter().filter(|f| verbose || f.severity != Severity::Info) {
            let member = f.member.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
            writeln!(out, "  {} {}:{member} {}", color::severity(f.severity), f.code, f.message)?;
            // Dead tags are named by the message (the count and one example); JSON lists each.
            if !f.symbols.is_empty() && f.code != Code::DeadTag {
                writeln!(out, "      {}", f.symbols.join(", "))?;
            }
        }
        for s in report.suppressed.iter().filter(|s| s.path == input.path) {
            let member = s.member.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
            let symbols = if s.symbols.is_empty() { String::new() } else { format!(" {}", s.symbols.join(", ")) };
            writeln!(out, "  left out {}:{member}{symbols} ({})", s.code, s.reason)?;
        }
    }
    writeln!(
        out,
        "{} input{}: {} pass, {} fail, {} unreadable",
        report.inputs.len(),
        crate::output::plural(report.inputs.len()),
        counts[0],
        counts[1],
        counts[2]
    )
}

/// A SARIF 2.1.0 log for code-scanning upload: one result per finding.
pub fn sarif(report: &Report) -> serde_json::Value {
    let mut rules: Vec<Code> = report.inputs.iter().flat_map(|i| i.findings.iter().map(|f| f.code)).collect();
    rules.sort_unstable();
    rules.dedup();
    let results: Vec<serde_json::Value> = report
        .inputs
        .iter()
        .flat_map(|i| {
            i.findings.iter().map(move |f| {
                let level = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                };
                let mut text = f.message.clone();
                if !f.symbols.is_empty() {
                    text.push_str(&format!(" ({})", f.symbols.join(", ")));
                }
                let uri = match &f.member {
                    Some(m) if m != &i.path => format!("{}#{m}", i.path),
                    _ => i.path.clone(),
                };
                serde_json::json!({
                    "ruleId": f.code,
                    "level": level,
                    "message": {"text": text},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                })
            })
        })
        .collect();
    serde_json::json!({
        "version": output::schema::SARIF_VERSION,
        "$schema": output::schema::SARIF,
        "runs": [{
            "tool": {"driver": {
                "name": "uniabi",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
                    .iter()
                    .map(|r| serde_json::json!({"id": r, "shortDescription": {"text": r.doc()}}))
                    .collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}
