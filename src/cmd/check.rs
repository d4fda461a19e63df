//! `uniabi check PATH... [--abi ...] [--json | --format sarif]`: do the binaries
//! really are what the tags (or file names) claim?

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputArgs, Names, messages};
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
    #[arg(long, value_name = "ABI", hide_possible_values = true,
          value_parser = super::Offered::new(super::abi_values, super::parse_str::<AbiChoice>))]
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
    /// How many inputs passed, failed and could not be read.
    pub summary: Summary,
}

/// The inputs counted by verdict (the last line of the text output).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub inputs: usize,
    pub pass: usize,
    pub fail: usize,
    pub unreadable: usize,
}

impl Summary {
    /// Count `inputs` by verdict.
    pub fn of(inputs: &[InputCheck]) -> Summary {
        let count = |v: Verdict| inputs.iter().filter(|i| i.verdict == v).count();
        Summary {
            inputs: inputs.len(),
            pass: count(Verdict::Pass),
            fail: count(Verdict::Fail),
            unreadable: count(Verdict::Error),
        }
    }
}

impl Report {
    /// The report of these checked inputs.
    pub fn new(inputs: Vec<InputCheck>, suppressed: Vec<Suppressed>) -> Report {
        Report { schema: output::schema::CHECK, summary: Summary::of(&inputs), inputs, suppressed }
    }
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
    let names = Names::of(&resolved.inputs);
    let mut inputs: Vec<InputCheck> =
        super::analyse(&resolved, args.input.limits(), analysis::Scope::Importable, |a| checker.check(&a));
    check::relate(&mut inputs);
    let suppressed: Vec<Suppressed> = inputs.iter_mut().flat_map(|i| suppressions.apply(i)).collect();
    for i in &inputs {
        if let Some(e) = &i.error {
            messages::error(e);
        }
    }
    let report = Report::new(inputs, suppressed);
    let format = if args.json { OutputFormat::Json } else { args.format };
    output::to_stdout(|out| match format {
        OutputFormat::Human => {
            super::write_projects(out, &resolved.projects)?;
            print_human(out, &report, &names, args.verbose)
        }
        OutputFormat::Json => output::json(out, &report),
        OutputFormat::Sarif => output::json(out, &sarif(&report)),
    })?;
    let level = if report.summary.unreadable > 0 {
        EXIT_ERROR
    } else if report.summary.fail > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    Ok(super::exit(level))
}

/// Human output: one line per input with its verdict, then its findings; the
/// counts last. Inputs are named as `names` says (a remote wheel by its file name).
pub fn print_human(out: &mut dyn Write, report: &Report, names: &Names, verbose: bool) -> io::Result<()> {
    for input in &report.inputs {
        let name = names.get(&input.path);
        let claims = if input.claims.is_empty() { "nothing".to_string() } else { input.claims.join(", ") };
        match (&input.asked, input.verdict) {
            // Said on stderr, with its cause.
            (_, Verdict::Error) => writeln!(out, "{name}: {} (the error is on stderr)", color::verdict("unreadable"))?,
            (Some(asked), _) => writeln!(
                out,
                "{name}: {} (judged as {asked}, asked; {} claims {claims})",
                color::check_verdict(input.verdict),
                if input.path.ends_with(".whl") { "the wheel" } else { "the file" }
            )?,
            (None, _) => writeln!(out, "{name}: {} (claims {claims})", color::check_verdict(input.verdict))?,
        }
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
    let s = &report.summary;
    writeln!(
        out,
        "{}: {} pass, {} fail, {} unreadable",
        crate::output::count_noun(s.inputs, "input"),
        s.pass,
        s.fail,
        s.unreadable
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
