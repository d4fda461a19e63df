//! `stable_abi.toml`: CPython's Stable ABI items and feature macros, in upstream's syntax.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::entries::ItemKind;
use super::raw::{RawItem, RawWindows, Text, from_toml, one_line, version};
use super::{Count, SpecError};
use crate::version::PyVersion;

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.table())
    }
}

/// One item of the Stable ABI manifest (any kind but [`ItemKind::FeatureMacro`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StableItem {
    pub name: String,
    pub kind: ItemKind,
    /// The version whose Stable ABI first has the item: it is in abi3 since then.
    pub added: PyVersion,
    /// In the ABI but not in the Limited API (only called from macros and inline functions).
    pub abi_only: bool,
    /// The feature macro the item depends on (`MS_WINDOWS`, `HAVE_FORK`…): platform-only.
    pub ifdef: Option<String>,
    /// A struct that is stable in abi3 but opaque in abi3t: marked so in `stable_abi.toml`
    /// (`abi3t_opaque = true`) or listed as opaque in `abi3t.toml`.
    pub abi3t_opaque: bool,
    /// For structs: `members`, `full-abi` or `opaque`, as upstream writes it.
    pub struct_abi_kind: Option<String>,
    /// For structs whose `struct_abi_kind` is `members`: the stable members.
    pub members: Vec<String>,
}

/// Whether a feature macro is defined on Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WindowsAvailability {
    /// `windows = true`
    Yes,
    /// `windows = false`
    No,
    /// `windows = 'maybe'`: depends on how Python was built.
    Maybe,
}

/// A platform condition from `[feature_macro.X]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FeatureMacro {
    pub name: String,
    /// When the items behind it exist: `on Windows`, `on platforms with fork()`…
    pub doc: String,
    pub windows: WindowsAvailability,
}

pub(super) type StableParts = (BTreeMap<String, StableItem>, BTreeMap<String, FeatureMacro>);

pub(super) fn parse_stable(t: &Text) -> Result<StableParts, SpecError> {
    let bad = |problem: String| SpecError::Invalid { file: t.label.clone(), problem };
    let table: toml::Table = from_toml(t)?;
    let mut items: BTreeMap<String, StableItem> = BTreeMap::new();
    let mut macros: BTreeMap<String, FeatureMacro> = BTreeMap::new();
    let mut seen: BTreeMap<String, ItemKind> = BTreeMap::new();
    for (table_name, value) in table {
        let Some(kind) = ItemKind::from_table(&table_name) else {
            if value.is_table() {
                return Err(bad(format!(
                    "[{table_name}.*] is not an item kind (expected function, data, struct, macro, const, typedef or feature_macro)"
                )));
            }
            continue; // an unknown top-level key: tolerated
        };
        let toml::Value::Table(entries) = value else {
            return Err(bad(format!("'{table_name}' must be a table of items")));
        };
        for (name, value) in entries {
            let item_id = format!("[{kind}.{name}]");
            if let Some(first) = seen.insert(name.clone(), kind) {
                return Err(bad(format!("'{name}' is listed twice, as [{first}.{name}] and {item_id}")));
            }
            let raw: RawItem = value
                .try_into()
                .map_err(|e: toml::de::Error| bad(format!("{item_id} is malformed: {}", one_line(e.message()))))?;
            if kind == ItemKind::FeatureMacro {
                let windows = match raw.windows {
                    Some(RawWindows::Bool(true)) => WindowsAvailability::Yes,
                    Some(RawWindows::Bool(false)) | None => WindowsAvailability::No,
                    Some(RawWindows::Text(s)) if s == "maybe" => WindowsAvailability::Maybe,
                    Some(RawWindows::Text(s)) => {
                        return Err(bad(format!("{item_id} has windows = '{s}' (expected true, false or 'maybe')")));
                    }
                };
                macros.insert(name.clone(), FeatureMacro { name, doc: raw.doc.unwrap_or_default(), windows });
                continue;
            }
            let Some(added) = raw.added else {
                return Err(bad(format!("{item_id} has no 'added' version")));
            };
            let added = version(&t.label, &item_id, &added)?;
            items.insert(
                name.clone(),
                StableItem {
                    name,
                    kind,
                    added,
                    abi_only: raw.abi_only,
                    ifdef: raw.ifdef,
                    abi3t_opaque: raw.abi3t_opaque,
                    struct_abi_kind: raw.struct_abi_kind,
                    members: raw.members,
                },
            );
        }
    }
    for item in items.values() {
        if let Some(m) = &item.ifdef
            && !macros.contains_key(m)
        {
            return Err(bad(format!("[{}.{}] has ifdef = '{m}', which is no [feature_macro]", item.kind, item.name)));
        }
    }
    Ok((items, macros))
}

/// What `stable_abi.toml` holds, as `uniabi specs` lists it (`abi3t_opaque` once
/// `abi3t.toml` has marked its opaque structs).
pub(super) fn counts(items: &BTreeMap<String, StableItem>, macros: &BTreeMap<String, FeatureMacro>) -> Vec<Count> {
    let count_kind = |k: ItemKind| items.values().filter(|i| i.kind == k).count();
    vec![
        Count { name: "functions", count: count_kind(ItemKind::Function) },
        Count { name: "data", count: count_kind(ItemKind::Data) },
        Count { name: "structs", count: count_kind(ItemKind::Struct) },
        Count { name: "macros", count: count_kind(ItemKind::Macro) },
        Count { name: "consts", count: count_kind(ItemKind::Const) },
        Count { name: "typedefs", count: count_kind(ItemKind::Typedef) },
        Count { name: "feature_macros", count: macros.len() },
        Count { name: "abi_only", count: items.values().filter(|i| i.abi_only).count() },
        Count { name: "platform_only", count: items.values().filter(|i| i.ifdef.is_some()).count() },
        Count { name: "abi3t_opaque", count: items.values().filter(|i| i.abi3t_opaque).count() },
    ]
}
