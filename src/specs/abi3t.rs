//! `abi3t.toml`: PEP 803's rules, cross-checked against the Stable ABI into the abi3t view.

use std::collections::BTreeMap;

use serde::Serialize;

use super::entries::{Abi3tRule, InternalSymbol, ItemKind, OpaqueStruct};
use super::raw::{RawAbi3t, Text, version};
use super::stable::StableItem;
use super::{Count, STABLE_ABI_FILE, SpecError};
use crate::version::PyVersion;

/// abi3t as PEP 803 defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Abi3tSpec {
    /// The wheel ABI tag: `abi3t`.
    pub tag: String,
    /// The lowest version abi3t can target: 3.15.
    pub min_version: PyVersion,
    /// The opt-in macro: `Py_TARGET_ABI3T`.
    pub target_macro: String,
    /// The export hook an abi3t module must provide: `PyModExport_`.
    pub export_hook_prefix: String,
    /// The same for non-ASCII module names: `PyModExportU_`.
    pub export_hook_prefix_unicode: String,
    /// The PEP 489 hook, only legitimate in an abi3t module as a shim: `PyInit_`.
    pub legacy_hook_prefix: String,
    /// The DLL abi3t extensions link on Windows: `python3t.dll`.
    pub windows_dll: String,
    /// Macros the abi3t headers no longer define (not symbols).
    pub removed_macros: Vec<String>,
    /// Extension suffixes where filenames carry an ABI tag; `{multiarch}` stands for the
    /// platform's multiarch triple.
    pub unix_suffixes: Vec<String>,
    /// Extension suffixes on Windows.
    pub windows_suffixes: Vec<String>,
    /// Structs that are opaque in abi3t.
    pub opaque_structs: Vec<OpaqueStruct>,
}

/// The abi3t view of the manifests: PEP 803's values, and its rules and internal
/// symbols keyed by symbol.
pub(super) struct Abi3tView {
    pub(super) spec: Abi3tSpec,
    pub(super) rules: BTreeMap<String, Abi3tRule>,
    pub(super) internal: BTreeMap<String, InternalSymbol>,
}

/// Cross-check `abi3t.toml` against the Stable ABI `items`: opaque structs must be structs
/// of it (they are marked `abi3t_opaque` in `items`), rules must name its functions or data,
/// internal symbols must not be in it; no symbol may be listed twice.
pub(super) fn build(t: &Text, raw: RawAbi3t, items: &mut BTreeMap<String, StableItem>) -> Result<Abi3tView, SpecError> {
    let bad = |problem: String| SpecError::Invalid { file: t.label.clone(), problem };
    let min_version = version(&t.label, "[abi] min_version", &raw.abi.min_version)?;
    for o in &raw.opaque_struct {
        match items.get_mut(&o.name) {
            Some(item) if item.kind == ItemKind::Struct => item.abi3t_opaque = true,
            _ => {
                return Err(bad(format!("the opaque struct '{}' is not a struct of {STABLE_ABI_FILE}", o.name)));
            }
        }
    }
    let mut rules = BTreeMap::new();
    for r in raw.rule {
        match items.get(&r.symbol) {
            Some(item) if item.kind.is_symbol() => {}
            _ => {
                return Err(bad(format!("the rule for '{}' names no function or data of {STABLE_ABI_FILE}", r.symbol)));
            }
        }
        if rules.contains_key(&r.symbol) {
            return Err(bad(format!("'{}' has two rules", r.symbol)));
        }
        rules.insert(r.symbol.clone(), r);
    }
    let mut internal = BTreeMap::new();
    for s in raw.internal {
        if let Some(item) = items.get(&s.symbol) {
            return Err(bad(format!(
                "the internal symbol '{}' is in the Stable ABI ({STABLE_ABI_FILE} lists it as {})",
                s.symbol, item.kind
            )));
        }
        if internal.contains_key(&s.symbol) {
            return Err(bad(format!("the internal symbol '{}' is listed twice", s.symbol)));
        }
        internal.insert(s.symbol.clone(), s);
    }
    let spec = Abi3tSpec {
        tag: raw.abi.tag,
        min_version,
        target_macro: raw.abi.target_macro,
        export_hook_prefix: raw.abi.export_hook_prefix,
        export_hook_prefix_unicode: raw.abi.export_hook_prefix_unicode,
        legacy_hook_prefix: raw.abi.legacy_hook_prefix,
        windows_dll: raw.abi.windows_dll,
        removed_macros: raw.abi.removed_macros,
        unix_suffixes: raw.suffixes.unix,
        windows_suffixes: raw.suffixes.windows,
        opaque_structs: raw.opaque_struct,
    };
    Ok(Abi3tView { spec, rules, internal })
}

impl Abi3tView {
    /// What `abi3t.toml` holds, as `uniabi specs` lists it.
    pub(super) fn counts(&self) -> Vec<Count> {
        vec![
            Count { name: "opaque_structs", count: self.spec.opaque_structs.len() },
            Count { name: "rules", count: self.rules.len() },
            Count { name: "shim_ok_rules", count: self.rules.values().filter(|r| r.shim_ok).count() },
            Count { name: "internal_symbols", count: self.internal.len() },
            Count { name: "removed_macros", count: self.spec.removed_macros.len() },
        ]
    }
}
