//! `abi2026.toml`: the PEP 809 prototype, whose frozen symbol set is computed from the
//! Stable ABI and the abi3t rules rather than listed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};

use super::entries::{Abi3tRule, AddedSymbol, ProtoChoice};
use super::raw::{RawAbi2026, Text, version};
use super::stable::StableItem;
use super::{Count, SpecError};
use crate::version::PyVersion;

/// abi2026 as this prototype of PEP 809 (draft) defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Abi2026Spec {
    /// The wheel ABI tag: `abi2026`.
    pub tag: String,
    /// The PEP's status: `draft`.
    pub status: String,
    /// The opt-in macro: `Py_LIMITED_API`.
    pub limited_api_macro: String,
    /// Its value: `0x03ff2026` (printed in hex).
    #[serde(serialize_with = "hex_u32")]
    #[schemars(with = "String")]
    pub macro_value: u32,
    /// The lowest version that supports it: 3.15.
    pub min_version: PyVersion,
    /// The export hook a module must provide: `PyModExport_`.
    pub export_hook_prefix: String,
    /// The frozen set is the abi3t-usable Stable ABI as of this version.
    pub base_version: PyVersion,
    /// Where the frozen set's definition comes from.
    pub frozen_set_source: String,
    /// Symbols PEP 809 adds to the frozen set.
    pub added: Vec<AddedSymbol>,
    /// The extension suffix where filenames carry an ABI tag.
    pub suffix: ProtoChoice,
    /// The extension suffix on Windows.
    pub windows_suffix: ProtoChoice,
    /// The DLL extensions link on Windows.
    pub windows_dll: ProtoChoice,
}

fn hex_u32<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{v:#010x}"))
}

/// `0x03ff2026` for tag `abi2026`: the high word 0x03ff, the low word the year in hex digits.
pub(super) fn parse_macro_value(s: &str, tag: &str) -> Option<u32> {
    let v = u32::from_str_radix(s.strip_prefix("0x")?.replace('_', "").as_str(), 16).ok()?;
    let year = tag.strip_prefix("abi")?;
    let low = u32::from_str_radix(year, 16).ok()?;
    (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && v == (0x03ff << 16 | low)).then_some(v)
}

/// The abi2026 view of the manifests: the prototype's values, its frozen symbol set, and
/// how that set was made.
pub(super) struct Abi2026View {
    pub(super) spec: Abi2026Spec,
    pub(super) set: BTreeSet<String>,
    /// What `abi2026.toml` yields, as `uniabi specs` lists it.
    pub(super) counts: Vec<Count>,
}

/// Build abi2026 from `abi2026.toml`: the macro value must match the tag's year, and the
/// frozen set is the Stable ABI's functions and data up to `base_version` that abi3t leaves
/// usable (no entry of `abi3t_rules`), plus PEP 809's additions, which must be usable too.
pub(super) fn build(
    t: &Text,
    raw: RawAbi2026,
    items: &BTreeMap<String, StableItem>,
    abi3t_rules: &BTreeMap<String, Abi3tRule>,
) -> Result<Abi2026View, SpecError> {
    let bad = |problem: String| SpecError::Invalid { file: t.label.clone(), problem };
    let macro_value = parse_macro_value(&raw.abi.macro_value, &raw.abi.tag).ok_or_else(|| {
        bad(format!(
            "macro_value '{}' is not 0x03ffYYYY with YYYY the year of the tag '{}'",
            raw.abi.macro_value, raw.abi.tag
        ))
    })?;
    let base_version = version(&t.label, "[frozen_set] base_version", &raw.frozen_set.base_version)?;
    let min_version = version(&t.label, "[abi] min_version", &raw.abi.min_version)?;
    let frozen = |i: &&StableItem| i.kind.is_symbol() && i.added <= base_version;
    let mut set: BTreeSet<String> =
        items.values().filter(frozen).filter(|i| !abi3t_rules.contains_key(&i.name)).map(|i| i.name.clone()).collect();
    let from_stable = set.len();
    let excluded = items.values().filter(frozen).filter(|i| abi3t_rules.contains_key(&i.name)).count();
    for a in &raw.frozen_set.add {
        if !a.kind.is_symbol() {
            return Err(bad(format!(
                "'{}' is added as a {}, but the frozen set holds functions and data only",
                a.symbol, a.kind
            )));
        }
        if abi3t_rules.contains_key(&a.symbol) {
            return Err(bad(format!("'{}' is added, but abi3t makes it unusable", a.symbol)));
        }
        set.insert(a.symbol.clone());
    }
    let spec = Abi2026Spec {
        tag: raw.abi.tag,
        status: raw.abi.status,
        limited_api_macro: raw.abi.limited_api_macro,
        macro_value,
        min_version,
        export_hook_prefix: raw.abi.export_hook_prefix,
        base_version,
        frozen_set_source: raw.frozen_set.source,
        added: raw.frozen_set.add,
        suffix: raw.suffix,
        windows_suffix: raw.windows_suffix,
        windows_dll: raw.windows_dll,
    };
    let counts = vec![
        Count { name: "frozen_set", count: set.len() },
        Count { name: "from_stable_abi", count: from_stable },
        Count { name: "excluded_by_abi3t", count: excluded },
        Count { name: "added_by_pep_809", count: spec.added.len() },
    ];
    Ok(Abi2026View { spec, set, counts })
}
