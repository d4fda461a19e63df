//! `uniabi check PATH... [--abi ...] [--json | --format sarif]`: do the binaries
//! really are what the tags (or file names) claim?

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputArgs};
use crate::analysis;
use crate::check::{AbiChoice, Checker, InputCheck, Severity};
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
    /// The ABI to judge against: auto (each input's own tags), abi3, abi3t, abi2026, cp3XY or cp3XYt.
    #[arg(long, default_value = "auto", value_name = "ABI")]
    pub abi: AbiChoice,
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
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<InputCheck>,
}

/// Run `uniabi check`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let (specs, table) = args.specs.load()?;
    let checker = Checker { specs: &specs, table: &table, abi: args.abi };
    let inputs: Vec<InputCheck> =
        analysis::analyse_map(&args.input.resolve()?, args.input.limits(), analysis::Scope::Importable, |a| {
            checker.check(&a)
        });
    for i in &inputs {
        if let Some(e) = &i.error {
            eprintln!("uniabi: error: {e}");
        }
    }
    let report = Report { schema: "uniabi/check/1", inputs };
    let format = if args.json { OutputFormat::Json } else { args.format };
    output::to_stdout(|out| match format {
        OutputFormat::Human => print_human(out, &report, args.verbose),
        OutputFormat::Json => output::json(out, &report),
        OutputFormat::Sarif => output::json(out, &sarif(&report)),
    })?;
    let level = if report.inputs.iter().any(|i| i.verdict == "error") {
        EXIT_ERROR
    } else if report.inputs.iter().any(|i| i.verdict == "fail") {
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
        writeln!(out, "{}: {} (claims {claims})", input.path, input.verdict)?;
        counts[match input.verdict {
            "pass" => 0,
            "fail" => 1,
            _ => 2,
        }] += 1;
        for f in input.findings.iter().filter(|f| verbose || f.severity != Severity::Info) {
            let member = f.member.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
            writeln!(out, "  {} {}:{member} {}", f.severity, f.code, f.message)?;
            if !f.symbols.is_empty() {
                writeln!(out, "      {}", f.symbols.join(", "))?;
            }
        }
    }
    writeln!(
        out,
        "{} input{}: {} pass, {} fail, {} unreadable",
        report.inputs.len(),
        if report.inputs.len() == 1 { "" } else { "s" },
        counts[0],
        counts[1],
        counts[2]
    )
}

/// A SARIF 2.1.0 log for code-scanning upload: one result per finding.
pub fn sarif(report: &Report) -> serde_json::Value {
    let mut rules: Vec<&str> = report.inputs.iter().flat_map(|i| i.findings.iter().map(|f| f.code)).collect();
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
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "uniabi",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| serde_json::json!({"id": r})).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}
