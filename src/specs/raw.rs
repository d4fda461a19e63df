//! The manifests as written: their text and label, and the serde shapes of `abi3t.toml`,
//! `abi2026.toml` and one `stable_abi.toml` item, before any cross-checking.

use serde::Deserialize;

use super::SpecError;
use super::entries::{Abi3tRule, AddedSymbol, InternalSymbol, OpaqueStruct, ProtoChoice};
use crate::version::PyVersion;

/// The text of one manifest and how to name it in errors and listings.
pub(super) struct Text {
    /// How errors name the file: `stable_abi.toml (embedded)` or its path.
    pub(super) label: String,
    /// `embedded` or the path.
    pub(super) origin: String,
    pub(super) text: String,
}

impl Text {
    pub(super) fn embedded(file: &str, text: &str) -> Text {
        Text { label: format!("{file} (embedded)"), origin: "embedded".to_string(), text: text.to_string() }
    }
}

/// An item as `stable_abi.toml` writes it; keys this crate does not know are ignored so a
/// newer upstream file still parses.
#[derive(Deserialize)]
pub(super) struct RawItem {
    pub(super) added: Option<String>,
    #[serde(default)]
    pub(super) abi_only: bool,
    pub(super) ifdef: Option<String>,
    pub(super) struct_abi_kind: Option<String>,
    #[serde(default)]
    pub(super) members: Vec<String>,
    pub(super) doc: Option<String>,
    pub(super) windows: Option<RawWindows>,
    #[serde(default)]
    pub(super) abi3t_opaque: bool,
}

/// A feature macro's `windows` key: `true`, `false` or `'maybe'`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawWindows {
    Bool(bool),
    Text(String),
}

/// `abi3t.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAbi3t {
    pub(super) abi: RawAbi3tAbi,
    pub(super) suffixes: RawSuffixes,
    #[serde(default)]
    pub(super) opaque_struct: Vec<OpaqueStruct>,
    #[serde(default)]
    pub(super) rule: Vec<Abi3tRule>,
    #[serde(default)]
    pub(super) internal: Vec<InternalSymbol>,
}

/// Its `[abi]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAbi3tAbi {
    pub(super) tag: String,
    pub(super) min_version: String,
    pub(super) target_macro: String,
    pub(super) export_hook_prefix: String,
    pub(super) export_hook_prefix_unicode: String,
    pub(super) legacy_hook_prefix: String,
    pub(super) windows_dll: String,
    #[serde(default)]
    pub(super) removed_macros: Vec<String>,
}

/// Its `[suffixes]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSuffixes {
    pub(super) unix: Vec<String>,
    pub(super) windows: Vec<String>,
}

/// `abi2026.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAbi2026 {
    pub(super) abi: RawAbi2026Abi,
    pub(super) frozen_set: RawFrozenSet,
    pub(super) suffix: ProtoChoice,
    pub(super) windows_suffix: ProtoChoice,
    pub(super) windows_dll: ProtoChoice,
}

/// Its `[abi]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAbi2026Abi {
    pub(super) tag: String,
    pub(super) status: String,
    pub(super) limited_api_macro: String,
    pub(super) macro_value: String,
    pub(super) min_version: String,
    pub(super) export_hook_prefix: String,
}

/// Its `[frozen_set]` table: the set is computed from `base_version`, plus `add`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFrozenSet {
    pub(super) base_version: String,
    pub(super) source: String,
    #[serde(default)]
    pub(super) add: Vec<AddedSymbol>,
}

/// Parse a manifest, turning the parser's message into a one-line [`SpecError::Syntax`].
pub(super) fn from_toml<T: serde::de::DeserializeOwned>(t: &Text) -> Result<T, SpecError> {
    toml::from_str(&t.text).map_err(|e| SpecError::Syntax {
        file: t.label.clone(),
        line: e.span().map(|s| {
            let before = &t.text.as_bytes()[..s.start.min(t.text.len())];
            before.iter().filter(|&&b| b == b'\n').count() + 1
        }),
        message: one_line(e.message()),
    })
}

pub(super) fn version(file: &str, item: &str, s: &str) -> Result<PyVersion, SpecError> {
    s.parse().map_err(|source| SpecError::Version { file: file.to_string(), item: item.to_string(), source })
}

pub(super) fn one_line(s: &str) -> String {
    s.trim().split('\n').map(str::trim).collect::<Vec<_>>().join("; ")
}

/// The leading `#` lines of a manifest, without the `#`.
pub(super) fn header(text: &str) -> Vec<String> {
    text.lines().map_while(|l| l.strip_prefix('#')).map(|l| l.trim().to_string()).collect()
}
