//! Symbol-level judgement: one slice's CPython imports against a claimed stable ABI.

use std::collections::BTreeMap;

use super::{Code, Finding, Severity, StableAbi};
use crate::analysis::AnalysedBinary;
use crate::binary::{Format, Slice};
use crate::output::count_noun;
use crate::specs::{Specs, WindowsAvailability};
use crate::version::PyVersion;

/// The findings of one slice's imports against `abi` claimed from `min`.
/// `has_export`: the binary exports `PyModExport_`, so shim imports are fine.
pub(super) fn stable_findings(
    specs: &Specs,
    b: &AnalysedBinary,
    slice: &Slice,
    abi: StableAbi,
    min: Option<PyVersion>,
    has_export: bool,
) -> Vec<Finding> {
    let finding = |code, severity, symbols, message| Finding::member(code, severity, &b.member, symbols, message);
    let mut out = Vec::new();
    let mut outside = Vec::new();
    let mut too_new: BTreeMap<PyVersion, Vec<String>> = BTreeMap::new();
    let mut platform_only: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unusable = Vec::new();
    let mut shim = Vec::new();
    for sym in slice.python_imports() {
        if specs.internal_free_threading(sym).is_some() {
            continue;
        }
        let Some(item) = specs.stable(sym).filter(|i| i.kind.is_symbol()) else {
            outside.push(sym.to_string());
            continue;
        };
        if let Some(min) = min
            && item.added > min
        {
            too_new.entry(item.added).or_default().push(sym.to_string());
        }
        if let Some(feature) = item.ifdef.as_deref().and_then(|m| specs.feature_macro(m)) {
            let wrong = match feature.windows {
                WindowsAvailability::Yes => b.format() != Format::Pe && feature.name == "MS_WINDOWS",
                WindowsAvailability::No => b.format() == Format::Pe,
                WindowsAvailability::Maybe => false,
            };
            if wrong {
                platform_only.entry(format!("{} ({})", feature.name, feature.doc)).or_default().push(sym.to_string());
            }
        }
        if matches!(abi, StableAbi::Abi3t | StableAbi::Abi2026)
            && let Some(rule) = specs.abi3t_rule(sym)
        {
            if has_export && rule.shim_ok {
                shim.push(sym.to_string());
            } else {
                unusable.push((sym.to_string(), rule.reason.clone(), rule.replacement.clone()));
            }
        } else if abi == StableAbi::Abi2026 && !specs.in_abi2026(sym) {
            outside.push(sym.to_string());
        }
    }
    let abi_name = abi.to_string();
    let what = if b.is_c_api_library() { "library" } else { "module" };
    if !outside.is_empty() {
        let message = match abi {
            StableAbi::Abi2026 => format!(
                "{} outside the abi2026 prototype's frozen set (the abi3t-usable stable ABI of 3.15 plus PEP 809's additions); replace them with stable-ABI calls",
                count_noun(outside.len(), "import")
            ),
            _ => format!(
                "{} outside the stable ABI, so the {what} is not a real {abi_name} {what}; replace them with Limited API calls or ship a version-specific wheel",
                count_noun(outside.len(), "import")
            ),
        };
        out.push(finding(Code::SymbolNotInAbi, Severity::Error, outside, message));
    }
    for (needs, syms) in too_new {
        let claimed = min.map(|m| m.to_string()).unwrap_or_default();
        out.push(finding(
            Code::SymbolTooNew,
            Severity::Error,
            syms,
            format!("{abi_name} is claimed from {claimed}, but these entered the stable ABI in {needs}: raise the Python tag to cp{} or avoid them", needs.tag_digits()),
        ));
    }
    for (feature, syms) in platform_only {
        out.push(finding(
            Code::PlatformOnlySymbol,
            Severity::Warning,
            syms,
            format!("only exists {feature}, not on this binary's platform; the import will fail to resolve unless the interpreter provides it"),
        ));
    }
    for (sym, reason, replacement) in unusable {
        out.push(finding(
            Code::Abi3tUnusable,
            Severity::Error,
            vec![sym.clone()],
            format!("{sym} cannot be used by an {abi_name} {what}: {reason}; instead: {replacement}"),
        ));
    }
    if !shim.is_empty() {
        out.push(finding(
            Code::Abi3tShimImport,
            Severity::Info,
            shim,
            format!(
                "unusable in {abi_name}, but the module also exports PyModExport_, so these serve the PyInit_ shim for interpreters before {}",
                crate::verify::MODEXPORT_SINCE
            ),
        ));
    }
    out
}
