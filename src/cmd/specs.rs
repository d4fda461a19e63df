//! `uniabi specs`: list the manifests, or say what each ABI makes of some symbols.

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use crate::cmd::{CmdError, EXIT_OK, exit};
use crate::output;
use crate::specs::{Abi3tSpec, Abi2026Spec, InternalSymbol, ManifestSource, ProtoChoice, Specs, StableItem};
use crate::version::PyVersion;

/// Arguments of `uniabi specs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Symbols to look up, such as PyModuleDef_Init; with none, list the manifests
    pub symbols: Vec<String>,
    #[command(flatten)]
    pub specs: super::SpecsArgs,
    /// Print JSON (schema uniabi/specs/1) instead of text
    #[arg(long)]
    pub json: bool,
}

/// Run `uniabi specs`: exit 0 when the manifests load (whatever the symbols), 2 when not.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let specs = Specs::load(args.specs.specs.as_deref())
        .map_err(|e| CmdError::with_source("could not load the manifests", e))?;
    let report = if args.symbols.is_empty() { Report::listing(&specs) } else { Report::symbols(&specs, &args.symbols) };
    output::to_stdout(|out| if args.json { output::json(out, &report) } else { human(out, &report) })?;
    Ok(exit(EXIT_OK))
}

/// What `uniabi specs` reports: the manifests, or one entry per symbol asked about.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report<'a> {
    pub schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifests: Option<&'a [ManifestSource]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abi3t: Option<&'a Abi3tSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abi2026: Option<&'a Abi2026Spec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbols: Option<Vec<SymbolStatus<'a>>>,
}

/// One symbol's standing in each ABI.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SymbolStatus<'a> {
    pub name: String,
    /// Its Stable ABI entry, if it has one.
    pub stable: Option<&'a StableItem>,
    /// The feature macro it depends on, if it is platform-only.
    pub platform: Option<Platform<'a>>,
    pub abi3: Abi3Status,
    pub abi3t: Abi3tStatus<'a>,
    /// Its entry if it is an internal free-threading symbol.
    pub internal_free_threading: Option<&'a InternalSymbol>,
    pub abi2026: Abi2026Status,
}

/// Where a platform-only item exists.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Platform<'a> {
    pub ifdef: &'a str,
    /// `on Windows`, `on platforms with fork()`…; empty when the feature macro is not listed.
    pub doc: &'a str,
}

/// A symbol in abi3.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Abi3Status {
    pub included: bool,
    pub since: Option<PyVersion>,
    /// In the Limited API too (false for `abi_only` items).
    pub limited_api: bool,
}

/// A symbol in abi3t.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Abi3tStatus<'a> {
    pub usable: bool,
    pub since: Option<PyVersion>,
    /// A struct usable only through pointers.
    pub opaque: bool,
    pub reason: Option<&'a str>,
    pub replacement: Option<&'a str>,
    /// A `PyInit_` shim may import it when the module also exports `PyModExport_`.
    pub shim_ok: bool,
    pub source: Option<&'a str>,
}

/// A symbol in abi2026's frozen set.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Abi2026Status {
    pub included: bool,
    pub why: String,
}

impl<'a> Report<'a> {
    fn listing(specs: &'a Specs) -> Report<'a> {
        Report {
            schema: output::schema::SPECS,
            manifests: Some(specs.sources()),
            abi3t: Some(specs.abi3t()),
            abi2026: Some(specs.abi2026()),
            symbols: None,
        }
    }

    fn symbols(specs: &'a Specs, names: &[String]) -> Report<'a> {
        Report {
            schema: output::schema::SPECS,
            manifests: None,
            abi3t: None,
            abi2026: None,
            symbols: Some(names.iter().map(|n| status(specs, n)).collect()),
        }
    }
}

fn status<'a>(specs: &'a Specs, name: &str) -> SymbolStatus<'a> {
    let stable = specs.stable(name);
    let rule = specs.abi3t_rule(name);
    let abi3t = specs.abi3t();
    let a26 = specs.abi2026();
    let platform = stable
        .and_then(|i| i.ifdef.as_deref())
        .map(|m| Platform { ifdef: m, doc: specs.feature_macro(m).map_or("", |f| f.doc.as_str()) });
    let abi3 = Abi3Status {
        included: stable.is_some(),
        since: stable.map(|i| i.added),
        limited_api: stable.is_some_and(|i| !i.abi_only),
    };
    let abi3t_status = match (stable, rule) {
        (None, _) => Abi3tStatus {
            usable: false,
            since: None,
            opaque: false,
            reason: Some("not in the Stable ABI"),
            replacement: None,
            shim_ok: false,
            source: None,
        },
        (Some(_), Some(r)) => Abi3tStatus {
            usable: false,
            since: None,
            opaque: false,
            reason: Some(&r.reason),
            replacement: Some(&r.replacement),
            shim_ok: r.shim_ok,
            source: Some(&r.source),
        },
        (Some(i), None) => Abi3tStatus {
            usable: true,
            since: Some(i.added.max(abi3t.min_version)),
            opaque: i.abi3t_opaque,
            reason: None,
            replacement: None,
            shim_ok: false,
            source: abi3t.opaque_structs.iter().find(|o| o.name == name).map(|o| o.source.as_str()),
        },
    };
    let included = specs.in_abi2026(name);
    let why = if let Some(a) = specs.abi2026_added(name) {
        format!("added by PEP 809 ({})", a.source)
    } else {
        match stable {
            Some(_) if rule.is_some() => "unusable in abi3t, so outside the frozen set".to_string(),
            Some(i) if included => {
                format!("in the abi3t-usable Stable ABI as of {} (added {})", a26.base_version, i.added)
            }
            Some(i) if !i.kind.is_symbol() => {
                format!("a {}, not a linked symbol (the frozen set holds functions and data)", i.kind)
            }
            Some(i) => format!("added in {}, after the set was frozen at {}", i.added, a26.base_version),
            None => "not in any stable ABI".to_string(),
        }
    };
    SymbolStatus {
        name: name.to_string(),
        stable,
        platform,
        abi3,
        abi3t: abi3t_status,
        internal_free_threading: specs.internal_free_threading(name),
        abi2026: Abi2026Status { included, why },
    }
}

fn human(out: &mut dyn Write, r: &Report<'_>) -> io::Result<()> {
    if let Some(manifests) = r.manifests {
        for m in manifests {
            writeln!(out, "{}  ({})", m.file, m.origin)?;
            if let Some(first) = m.header.first() {
                writeln!(out, "  {first}")?;
            }
            let counts: Vec<String> = m.counts.iter().map(|c| format!("{} {}", c.count, count_label(c.name))).collect();
            writeln!(out, "  {}", counts.join(", "))?;
        }
    }
    if let Some(a) = r.abi3t {
        writeln!(out)?;
        writeln!(
            out,
            "{}  minimum {}, {}, export hook {}<name>, Windows DLL {}",
            a.tag, a.min_version, a.target_macro, a.export_hook_prefix, a.windows_dll
        )?;
        writeln!(out, "  suffixes {}; Windows {}", a.unix_suffixes.join(", "), a.windows_suffixes.join(", "))?;
        let opaque: Vec<&str> = a.opaque_structs.iter().map(|o| o.name.as_str()).collect();
        writeln!(out, "  opaque structs {}", opaque.join(", "))?;
    }
    if let Some(a) = r.abi2026 {
        writeln!(
            out,
            "{}  ({}, PEP 809)  minimum {}, {}={:#010x}, export hook {}<name>",
            a.tag, a.status, a.min_version, a.limited_api_macro, a.macro_value, a.export_hook_prefix
        )?;
        writeln!(out, "  suffix {}", choice(&a.suffix))?;
        writeln!(out, "  Windows suffix {}", choice(&a.windows_suffix))?;
        writeln!(out, "  Windows DLL {}", choice(&a.windows_dll))?;
    }
    for (i, s) in r.symbols.iter().flatten().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        symbol(out, s)?;
    }
    Ok(())
}

/// How the human listing names a count.
fn count_label(name: &str) -> String {
    match name {
        "feature_macros" => "feature macros".to_string(),
        "abi_only" => "ABI-only".to_string(),
        "platform_only" => "platform-only".to_string(),
        "abi3t_opaque" => "opaque in abi3t".to_string(),
        "shim_ok_rules" => "of them allowed in a PyInit_ shim".to_string(),
        "internal_symbols" => "internal free-threading symbols".to_string(),
        "frozen_set" => "symbols in the frozen set".to_string(),
        "from_stable_abi" => "from the Stable ABI".to_string(),
        "excluded_by_abi3t" => "left out as unusable in abi3t".to_string(),
        "added_by_pep_809" => "added by PEP 809".to_string(),
        other => other.replace('_', " "),
    }
}

fn choice(c: &ProtoChoice) -> String {
    match c.label() {
        Some(label) => format!("{} ({label})", c.value),
        None => c.value.clone(),
    }
}

fn symbol(out: &mut dyn Write, s: &SymbolStatus<'_>) -> io::Result<()> {
    writeln!(out, "{}", s.name)?;
    if s.stable.is_none() && s.internal_free_threading.is_none() && !s.abi2026.included {
        return writeln!(out, "  not in any stable ABI");
    }
    match s.stable {
        Some(i) => {
            let only = if i.abi_only { ", ABI only (not in the Limited API; used by macros)" } else { "" };
            writeln!(out, "  stable ABI  {}, added {}{only}", i.kind, i.added)?;
        }
        None => writeln!(out, "  stable ABI  no")?,
    }
    if let Some(p) = &s.platform {
        if p.doc.is_empty() {
            writeln!(out, "  platform    only where {} is defined", p.ifdef)?;
        } else {
            writeln!(out, "  platform    only {} (ifdef {})", p.doc, p.ifdef)?;
        }
    }
    if let Some(f) = s.internal_free_threading {
        writeln!(out, "  internal    free-threading internal: {}", f.reason)?;
        writeln!(out, "              source: {}", f.source)?;
    }
    match (s.abi3.included, s.abi3.since) {
        (true, Some(v)) => writeln!(out, "  abi3        yes, since {v}")?,
        _ => writeln!(out, "  abi3        no")?,
    }
    let t = &s.abi3t;
    if t.usable {
        let since = t.since.map(|v| format!(", since {v}")).unwrap_or_default();
        let opaque = if t.opaque { " (opaque: pointers only, no fields or sizeof)" } else { "" };
        writeln!(out, "  abi3t       yes{since}{opaque}")?;
    } else {
        writeln!(out, "  abi3t       no: {}", t.reason.unwrap_or("not usable"))?;
        if let Some(r) = t.replacement {
            writeln!(out, "              instead: {r}")?;
        }
        if t.shim_ok {
            writeln!(out, "              a PyInit_ shim may import it when the module also exports PyModExport_")?;
        }
        if let Some(src) = t.source {
            writeln!(out, "              source: {src}")?;
        }
    }
    let yes = if s.abi2026.included { "yes" } else { "no" };
    writeln!(out, "  abi2026     {yes}: {}", s.abi2026.why)?;
    Ok(())
}
