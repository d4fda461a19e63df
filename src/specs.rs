//! The stable-ABI manifests in `specs/` and the questions asked of them.
//!
//! Three files, embedded at build time and parsed once per [`Specs`] value:
//!
//! - `stable_abi.toml`: CPython's Limited API / Stable ABI manifest, in the syntax of
//!   CPython's own `Misc/stable_abi.toml`, so a newer upstream file drops in unchanged.
//! - `abi3t.toml`: PEP 803's rules (opaque structs, functions a pure abi3t module cannot
//!   use, internal free-threading symbols, hook prefix, DLL, suffixes), each with its source.
//! - `abi2026.toml`: a prototype of PEP 809. Its frozen symbol set is computed from the two
//!   other manifests, not listed; values PEP 809 leaves open are marked as prototype choices.
//!
//! [`Specs::load_dir`] reads a directory that overrides any of the three files; a file the
//! directory lacks falls back to the embedded copy, so dropping in a newer upstream
//! `stable_abi.toml` alone works. A directory holding none of them is an error (it is almost
//! certainly the wrong directory).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};

use crate::version::{PyVersion, VersionError};

/// File name of the Stable ABI manifest.
pub const STABLE_ABI_FILE: &str = "stable_abi.toml";
/// File name of the abi3t (PEP 803) manifest.
pub const ABI3T_FILE: &str = "abi3t.toml";
/// File name of the abi2026 (PEP 809 prototype) manifest.
pub const ABI2026_FILE: &str = "abi2026.toml";
/// What every report says next to a value PEP 809 does not specify.
pub const PROTOTYPE_LABEL: &str = "prototype choice, not specified by PEP 809";

const EMBEDDED_STABLE_ABI: &str = include_str!("../specs/stable_abi.toml");
const EMBEDDED_ABI3T: &str = include_str!("../specs/abi3t.toml");
const EMBEDDED_ABI2026: &str = include_str!("../specs/abi2026.toml");

/// A manifest that could not be read or does not make sense.
#[derive(Debug)]
pub enum SpecError {
    /// The directory given with `--specs` could not be read.
    Dir { path: PathBuf, source: io::Error },
    /// The directory holds none of the three manifests.
    NoManifests { path: PathBuf },
    /// A manifest in the directory could not be read.
    Read { path: PathBuf, source: io::Error },
    /// A manifest is not TOML, or not of the shape its file requires.
    ///
    /// The parser's message is kept on one line (it may span several) rather than as a
    /// `source()`, so that the one-line error `main` prints stays one line.
    Syntax { file: String, line: Option<usize>, message: String },
    /// An item's version (`added`, `min_version`…) is not of the form `3.15`.
    Version { file: String, item: String, source: VersionError },
    /// A manifest parses but says something impossible: an unknown item kind, a symbol
    /// listed twice, a rule for a symbol the Stable ABI does not have.
    Invalid { file: String, problem: String },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Dir { path, .. } => {
                write!(f, "cannot read the specs directory {}", path.display())
            }
            SpecError::NoManifests { path } => write!(
                f,
                "the specs directory {} holds none of {STABLE_ABI_FILE}, {ABI3T_FILE} and {ABI2026_FILE}",
                path.display()
            ),
            SpecError::Read { path, .. } => {
                write!(f, "cannot read the manifest {}", path.display())
            }
            SpecError::Syntax { file, line: Some(line), message } => {
                write!(f, "{file} is not a valid manifest: line {line}: {message}")
            }
            SpecError::Syntax { file, line: None, message } => write!(f, "{file} is not a valid manifest: {message}"),
            SpecError::Version { file, item, .. } => {
                write!(f, "{file}: {item} has an unusable version")
            }
            SpecError::Invalid { file, problem } => write!(f, "{file}: {problem}"),
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Dir { source, .. } | SpecError::Read { source, .. } => Some(source),
            SpecError::Version { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The kind of a Stable ABI item: the table it is listed under in `stable_abi.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// `[function.PyModule_Create2]`: an exported function.
    Function,
    /// `[data.PyExc_TypeError]`: an exported variable.
    Data,
    /// `[struct.PyModuleDef]`: a structure (its layout may or may not be stable).
    Struct,
    /// `[macro.Py_mod_abi]`: a macro (the local manifest also writes constants this way).
    Macro,
    /// `[const.Py_T_INT]`: a constant (upstream's own kind).
    Const,
    /// `[typedef.Py_ssize_t]`: a type name.
    Typedef,
    /// `[feature_macro.MS_WINDOWS]`: a platform condition named by other items' `ifdef`.
    FeatureMacro,
}

impl ItemKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [ItemKind; 7] = [
        ItemKind::Function,
        ItemKind::Data,
        ItemKind::Struct,
        ItemKind::Macro,
        ItemKind::Const,
        ItemKind::Typedef,
        ItemKind::FeatureMacro,
    ];

    /// The table name in `stable_abi.toml`: `function`, `feature_macro`…
    pub fn table(self) -> &'static str {
        match self {
            ItemKind::Function => "function",
            ItemKind::Data => "data",
            ItemKind::Struct => "struct",
            ItemKind::Macro => "macro",
            ItemKind::Const => "const",
            ItemKind::Typedef => "typedef",
            ItemKind::FeatureMacro => "feature_macro",
        }
    }

    /// The kind listed under table `name`, if it is one.
    pub fn from_table(name: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.table() == name)
    }

    /// Whether items of this kind are linked names a binary imports (functions and data).
    pub fn is_symbol(self) -> bool {
        matches!(self, ItemKind::Function | ItemKind::Data)
    }
}

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

/// A struct that is opaque in abi3t.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpaqueStruct {
    pub name: String,
    /// Where the rule comes from (a PEP section).
    pub source: String,
}

/// A Stable ABI function that a pure abi3t module cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Abi3tRule {
    pub symbol: String,
    /// Why abi3t code cannot use it.
    pub reason: String,
    /// What to use instead.
    pub replacement: String,
    /// A `PyInit_` shim for older interpreters may import it when the module also exports
    /// `PyModExport_`.
    pub shim_ok: bool,
    /// Where the rule comes from (a PEP section, or what it follows from).
    pub source: String,
}

/// An internal free-threading symbol that never belongs in a stable-ABI binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InternalSymbol {
    pub symbol: String,
    /// What the interpreter uses it for.
    pub reason: String,
    /// Where it is declared.
    pub source: String,
}

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

/// A value PEP 809 may or may not specify, with a note saying which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtoChoice {
    pub value: String,
    /// False when PEP 809 is silent and the value is this prototype's choice.
    pub pep_specified: bool,
    /// Why this value.
    pub note: String,
}

impl ProtoChoice {
    /// [`PROTOTYPE_LABEL`] when the value is not specified by PEP 809.
    pub fn label(&self) -> Option<&'static str> {
        (!self.pep_specified).then_some(PROTOTYPE_LABEL)
    }
}

/// A symbol PEP 809 adds to the frozen set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddedSymbol {
    pub symbol: String,
    pub kind: ItemKind,
    pub source: String,
}

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

/// One figure of a manifest listing: `functions: 825`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub name: &'static str,
    pub count: usize,
}

fn counts_as_map<S: Serializer>(v: &[Count], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|c| (c.name, c.count)))
}

/// Where one manifest came from, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ManifestSource {
    /// The file name: `stable_abi.toml`, `abi3t.toml` or `abi2026.toml`.
    pub file: &'static str,
    /// `embedded`, or the path it was read from.
    pub origin: String,
    /// The file's leading comment lines: where its content comes from.
    pub header: Vec<String>,
    /// What it holds, in a fixed order (a JSON object in that order).
    #[serde(serialize_with = "counts_as_map")]
    #[schemars(with = "BTreeMap<String, usize>")]
    pub counts: Vec<Count>,
}

/// The three manifests, parsed and cross-checked.
#[derive(Debug, Clone)]
pub struct Specs {
    stable: BTreeMap<String, StableItem>,
    feature_macros: BTreeMap<String, FeatureMacro>,
    abi3t: Abi3tSpec,
    abi3t_rules: BTreeMap<String, Abi3tRule>,
    internal: BTreeMap<String, InternalSymbol>,
    abi2026: Abi2026Spec,
    abi2026_set: BTreeSet<String>,
    sources: Vec<ManifestSource>,
}

/// The text of one manifest and how to name it in errors and listings.
struct Text {
    /// How errors name the file: `stable_abi.toml (embedded)` or its path.
    label: String,
    /// `embedded` or the path.
    origin: String,
    text: String,
}

impl Text {
    fn embedded(file: &str, text: &str) -> Text {
        Text { label: format!("{file} (embedded)"), origin: "embedded".to_string(), text: text.to_string() }
    }
}

impl Specs {
    /// The manifests built into the binary.
    ///
    /// Parsing takes a few milliseconds: load once and pass `&Specs` around.
    pub fn embedded() -> Result<Specs, SpecError> {
        Specs::from_texts(
            Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
            Text::embedded(ABI3T_FILE, EMBEDDED_ABI3T),
            Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
        )
    }

    /// The manifests in `dir`, each file it lacks replaced by the embedded copy.
    ///
    /// Fails when `dir` cannot be read, holds none of the three files, or one of them
    /// cannot be read or parsed.
    pub fn load_dir(dir: &Path) -> Result<Specs, SpecError> {
        let meta = std::fs::metadata(dir).map_err(|source| SpecError::Dir { path: dir.to_path_buf(), source })?;
        if !meta.is_dir() {
            return Err(SpecError::Dir {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotADirectory, "it is not a directory"),
            });
        }
        let read = |file: &str, embedded: &str| -> Result<(Text, bool), SpecError> {
            let path = dir.join(file);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    Ok((Text { label: path.display().to_string(), origin: path.display().to_string(), text }, true))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((Text::embedded(file, embedded), false)),
                Err(source) => Err(SpecError::Read { path, source }),
            }
        };
        let (stable, a) = read(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI)?;
        let (abi3t, b) = read(ABI3T_FILE, EMBEDDED_ABI3T)?;
        let (abi2026, c) = read(ABI2026_FILE, EMBEDDED_ABI2026)?;
        if !(a || b || c) {
            return Err(SpecError::NoManifests { path: dir.to_path_buf() });
        }
        Specs::from_texts(stable, abi3t, abi2026)
    }

    /// [`Specs::load_dir`] when a directory is given, [`Specs::embedded`] otherwise: the
    /// one step every subcommand with a `--specs` option takes.
    pub fn load(dir: Option<&Path>) -> Result<Specs, SpecError> {
        match dir {
            Some(d) => Specs::load_dir(d),
            None => Specs::embedded(),
        }
    }

    /// Parse and cross-check the three manifests from text; errors name them
    /// `stable_abi.toml`, `abi3t.toml` and `abi2026.toml`.
    pub fn from_strs(stable: &str, abi3t: &str, abi2026: &str) -> Result<Specs, SpecError> {
        let text = |file: &str, text: &str| Text {
            label: file.to_string(),
            origin: "text".to_string(),
            text: text.to_string(),
        };
        Specs::from_texts(text(STABLE_ABI_FILE, stable), text(ABI3T_FILE, abi3t), text(ABI2026_FILE, abi2026))
    }

    /// The text of the embedded manifests: `stable_abi.toml`, `abi3t.toml`, `abi2026.toml`.
    pub fn embedded_texts() -> [&'static str; 3] {
        [EMBEDDED_STABLE_ABI, EMBEDDED_ABI3T, EMBEDDED_ABI2026]
    }

    fn from_texts(stable: Text, abi3t: Text, abi2026: Text) -> Result<Specs, SpecError> {
        let (mut items, feature_macros) = parse_stable(&stable)?;
        let raw3t: RawAbi3t = from_toml(&abi3t)?;
        let raw26: RawAbi2026 = from_toml(&abi2026)?;

        // abi3t: opaque structs and rules must name Stable ABI items; internal symbols must not.
        let bad = |problem: String| SpecError::Invalid { file: abi3t.label.clone(), problem };
        let min_version = version(&abi3t.label, "[abi] min_version", &raw3t.abi.min_version)?;
        for o in &raw3t.opaque_struct {
            match items.get_mut(&o.name) {
                Some(item) if item.kind == ItemKind::Struct => item.abi3t_opaque = true,
                _ => {
                    return Err(bad(format!("the opaque struct '{}' is not a struct of {STABLE_ABI_FILE}", o.name)));
                }
            }
        }
        let mut abi3t_rules = BTreeMap::new();
        for r in raw3t.rule {
            match items.get(&r.symbol) {
                Some(item) if item.kind.is_symbol() => {}
                _ => {
                    return Err(bad(format!(
                        "the rule for '{}' names no function or data of {STABLE_ABI_FILE}",
                        r.symbol
                    )));
                }
            }
            if abi3t_rules.contains_key(&r.symbol) {
                return Err(bad(format!("'{}' has two rules", r.symbol)));
            }
            abi3t_rules.insert(r.symbol.clone(), r);
        }
        let mut internal = BTreeMap::new();
        for s in raw3t.internal {
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
        let abi3t_spec = Abi3tSpec {
            tag: raw3t.abi.tag,
            min_version,
            target_macro: raw3t.abi.target_macro,
            export_hook_prefix: raw3t.abi.export_hook_prefix,
            export_hook_prefix_unicode: raw3t.abi.export_hook_prefix_unicode,
            legacy_hook_prefix: raw3t.abi.legacy_hook_prefix,
            windows_dll: raw3t.abi.windows_dll,
            removed_macros: raw3t.abi.removed_macros,
            unix_suffixes: raw3t.suffixes.unix,
            windows_suffixes: raw3t.suffixes.windows,
            opaque_structs: raw3t.opaque_struct,
        };

        // abi2026: the frozen set is computed, never listed.
        let bad = |problem: String| SpecError::Invalid { file: abi2026.label.clone(), problem };
        let macro_value = parse_macro_value(&raw26.abi.macro_value, &raw26.abi.tag).ok_or_else(|| {
            bad(format!(
                "macro_value '{}' is not 0x03ffYYYY with YYYY the year of the tag '{}'",
                raw26.abi.macro_value, raw26.abi.tag
            ))
        })?;
        let base_version = version(&abi2026.label, "[frozen_set] base_version", &raw26.frozen_set.base_version)?;
        let min26 = version(&abi2026.label, "[abi] min_version", &raw26.abi.min_version)?;
        let mut abi2026_set: BTreeSet<String> = items
            .values()
            .filter(|i| i.kind.is_symbol() && i.added <= base_version && !abi3t_rules.contains_key(&i.name))
            .map(|i| i.name.clone())
            .collect();
        let from_stable = abi2026_set.len();
        for a in &raw26.frozen_set.add {
            if !a.kind.is_symbol() {
                return Err(bad(format!(
                    "'{}' is added as a {}, but the frozen set holds functions and data only",
                    a.symbol, a.kind
                )));
            }
            if abi3t_rules.contains_key(&a.symbol) {
                return Err(bad(format!("'{}' is added, but abi3t makes it unusable", a.symbol)));
            }
            abi2026_set.insert(a.symbol.clone());
        }
        let abi2026_spec = Abi2026Spec {
            tag: raw26.abi.tag,
            status: raw26.abi.status,
            limited_api_macro: raw26.abi.limited_api_macro,
            macro_value,
            min_version: min26,
            export_hook_prefix: raw26.abi.export_hook_prefix,
            base_version,
            frozen_set_source: raw26.frozen_set.source,
            added: raw26.frozen_set.add,
            suffix: raw26.suffix,
            windows_suffix: raw26.windows_suffix,
            windows_dll: raw26.windows_dll,
        };

        let count_kind = |k: ItemKind| items.values().filter(|i| i.kind == k).count();
        let stable_counts = vec![
            Count { name: "functions", count: count_kind(ItemKind::Function) },
            Count { name: "data", count: count_kind(ItemKind::Data) },
            Count { name: "structs", count: count_kind(ItemKind::Struct) },
            Count { name: "macros", count: count_kind(ItemKind::Macro) },
            Count { name: "consts", count: count_kind(ItemKind::Const) },
            Count { name: "typedefs", count: count_kind(ItemKind::Typedef) },
            Count { name: "feature_macros", count: feature_macros.len() },
            Count { name: "abi_only", count: items.values().filter(|i| i.abi_only).count() },
            Count { name: "platform_only", count: items.values().filter(|i| i.ifdef.is_some()).count() },
            Count { name: "abi3t_opaque", count: items.values().filter(|i| i.abi3t_opaque).count() },
        ];
        let abi3t_counts = vec![
            Count { name: "opaque_structs", count: abi3t_spec.opaque_structs.len() },
            Count { name: "rules", count: abi3t_rules.len() },
            Count { name: "shim_ok_rules", count: abi3t_rules.values().filter(|r| r.shim_ok).count() },
            Count { name: "internal_symbols", count: internal.len() },
            Count { name: "removed_macros", count: abi3t_spec.removed_macros.len() },
        ];
        let excluded = items
            .values()
            .filter(|i| i.kind.is_symbol() && i.added <= base_version && abi3t_rules.contains_key(&i.name))
            .count();
        let abi2026_counts = vec![
            Count { name: "frozen_set", count: abi2026_set.len() },
            Count { name: "from_stable_abi", count: from_stable },
            Count { name: "excluded_by_abi3t", count: excluded },
            Count { name: "added_by_pep_809", count: abi2026_spec.added.len() },
        ];
        let sources = vec![
            ManifestSource {
                file: STABLE_ABI_FILE,
                header: header(&stable.text),
                origin: stable.origin,
                counts: stable_counts,
            },
            ManifestSource {
                file: ABI3T_FILE,
                header: header(&abi3t.text),
                origin: abi3t.origin,
                counts: abi3t_counts,
            },
            ManifestSource {
                file: ABI2026_FILE,
                header: header(&abi2026.text),
                origin: abi2026.origin,
                counts: abi2026_counts,
            },
        ];
        Ok(Specs {
            stable: items,
            feature_macros,
            abi3t: abi3t_spec,
            abi3t_rules,
            internal,
            abi2026: abi2026_spec,
            abi2026_set,
            sources,
        })
    }

    /// The Stable ABI item called `name` (never a feature macro: see [`Specs::feature_macro`]).
    pub fn stable(&self, name: &str) -> Option<&StableItem> {
        self.stable.get(name)
    }

    /// Every Stable ABI item, sorted by name.
    pub fn stable_items(&self) -> impl Iterator<Item = &StableItem> {
        self.stable.values()
    }

    /// The feature macro called `name` (`MS_WINDOWS`…), as named by an item's `ifdef`.
    pub fn feature_macro(&self, name: &str) -> Option<&FeatureMacro> {
        self.feature_macros.get(name)
    }

    /// Every feature macro, sorted by name.
    pub fn feature_macros(&self) -> impl Iterator<Item = &FeatureMacro> {
        self.feature_macros.values()
    }

    /// The abi3t rule for `name`, if a pure abi3t module cannot use that function.
    pub fn abi3t_rule(&self, name: &str) -> Option<&Abi3tRule> {
        self.abi3t_rules.get(name)
    }

    /// Every abi3t rule, sorted by symbol.
    pub fn abi3t_rules(&self) -> impl Iterator<Item = &Abi3tRule> {
        self.abi3t_rules.values()
    }

    /// The entry for `name` if it is an internal free-threading symbol.
    pub fn internal_free_threading(&self, name: &str) -> Option<&InternalSymbol> {
        self.internal.get(name)
    }

    /// Every internal free-threading symbol, sorted by name.
    pub fn internal_free_threading_symbols(&self) -> impl Iterator<Item = &InternalSymbol> {
        self.internal.values()
    }

    /// Whether `name` is in abi2026's frozen symbol set.
    pub fn in_abi2026(&self, name: &str) -> bool {
        self.abi2026_set.contains(name)
    }

    /// abi2026's frozen symbol set, sorted.
    pub fn abi2026_symbols(&self) -> impl Iterator<Item = &str> {
        self.abi2026_set.iter().map(String::as_str)
    }

    /// The PEP 809 entry for `name` if PEP 809 itself adds it to the frozen set.
    pub fn abi2026_added(&self, name: &str) -> Option<&AddedSymbol> {
        self.abi2026.added.iter().find(|a| a.symbol == name)
    }

    /// abi3t's tag, minimum version, hook prefix, DLL, suffixes and opaque structs.
    pub fn abi3t(&self) -> &Abi3tSpec {
        &self.abi3t
    }

    /// abi2026's tag, macro, minimum version and prototype choices.
    pub fn abi2026(&self) -> &Abi2026Spec {
        &self.abi2026
    }

    /// The three manifests: file, origin, header and counts.
    pub fn sources(&self) -> &[ManifestSource] {
        &self.sources
    }
}

/// An item as `stable_abi.toml` writes it; keys this crate does not know are ignored so a
/// newer upstream file still parses.
#[derive(Deserialize)]
struct RawItem {
    added: Option<String>,
    #[serde(default)]
    abi_only: bool,
    ifdef: Option<String>,
    struct_abi_kind: Option<String>,
    #[serde(default)]
    members: Vec<String>,
    doc: Option<String>,
    windows: Option<RawWindows>,
    #[serde(default)]
    abi3t_opaque: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawWindows {
    Bool(bool),
    Text(String),
}

type StableParts = (BTreeMap<String, StableItem>, BTreeMap<String, FeatureMacro>);

fn parse_stable(t: &Text) -> Result<StableParts, SpecError> {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbi3t {
    abi: RawAbi3tAbi,
    suffixes: RawSuffixes,
    #[serde(default)]
    opaque_struct: Vec<OpaqueStruct>,
    #[serde(default)]
    rule: Vec<Abi3tRule>,
    #[serde(default)]
    internal: Vec<InternalSymbol>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbi3tAbi {
    tag: String,
    min_version: String,
    target_macro: String,
    export_hook_prefix: String,
    export_hook_prefix_unicode: String,
    legacy_hook_prefix: String,
    windows_dll: String,
    #[serde(default)]
    removed_macros: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuffixes {
    unix: Vec<String>,
    windows: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbi2026 {
    abi: RawAbi2026Abi,
    frozen_set: RawFrozenSet,
    suffix: ProtoChoice,
    windows_suffix: ProtoChoice,
    windows_dll: ProtoChoice,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbi2026Abi {
    tag: String,
    status: String,
    limited_api_macro: String,
    macro_value: String,
    min_version: String,
    export_hook_prefix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrozenSet {
    base_version: String,
    source: String,
    #[serde(default)]
    add: Vec<AddedSymbol>,
}

/// Parse a manifest, turning the parser's message into a one-line [`SpecError::Syntax`].
fn from_toml<T: serde::de::DeserializeOwned>(t: &Text) -> Result<T, SpecError> {
    toml::from_str(&t.text).map_err(|e| SpecError::Syntax {
        file: t.label.clone(),
        line: e.span().map(|s| {
            let before = &t.text.as_bytes()[..s.start.min(t.text.len())];
            before.iter().filter(|&&b| b == b'\n').count() + 1
        }),
        message: one_line(e.message()),
    })
}

fn version(file: &str, item: &str, s: &str) -> Result<PyVersion, SpecError> {
    s.parse().map_err(|source| SpecError::Version { file: file.to_string(), item: item.to_string(), source })
}

fn one_line(s: &str) -> String {
    s.trim().split('\n').map(str::trim).collect::<Vec<_>>().join("; ")
}

/// `0x03ff2026` for tag `abi2026`: the high word 0x03ff, the low word the year in hex digits.
fn parse_macro_value(s: &str, tag: &str) -> Option<u32> {
    let v = u32::from_str_radix(s.strip_prefix("0x")?.replace('_', "").as_str(), 16).ok()?;
    let year = tag.strip_prefix("abi")?;
    let low = u32::from_str_radix(year, 16).ok()?;
    (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && v == (0x03ff << 16 | low)).then_some(v)
}

/// The leading `#` lines of a manifest, without the `#`.
fn header(text: &str) -> Vec<String> {
    text.lines().map_while(|l| l.strip_prefix('#')).map(|l| l.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(label: &str, s: &str) -> Text {
        Text { label: label.to_string(), origin: label.to_string(), text: s.to_string() }
    }

    fn with_stable(s: &str) -> Result<Specs, SpecError> {
        Specs::from_texts(
            text("stable_abi.toml", s),
            Text::embedded(ABI3T_FILE, EMBEDDED_ABI3T),
            Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
        )
    }

    fn err_text(r: Result<Specs, SpecError>) -> String {
        crate::output::chain(&r.expect_err("the manifest is rejected"))
    }

    #[test]
    fn ok_embedded() {
        let specs = Specs::embedded().unwrap();
        let m = specs.stable("PyModuleDef_Init").unwrap();
        assert_eq!(m.kind, ItemKind::Function);
        assert_eq!(m.added, PyVersion::new(3, 5));
        assert!(specs.abi3t_rule("PyModuleDef_Init").unwrap().shim_ok);
        assert!(!specs.in_abi2026("PyModuleDef_Init"));
        assert!(specs.in_abi2026("Py_IncRef"));
        assert!(specs.in_abi2026("PyObject_GetInterface"));
        assert!(!specs.in_abi2026("Py_HashBuffer"), "added in 3.16, after the freeze");
        assert!(specs.stable("PyObject").unwrap().abi3t_opaque);
        assert_eq!(specs.abi2026().macro_value, 0x03ff_2026);
        assert_eq!(specs.feature_macro("USE_STACKCHECK").unwrap().windows, WindowsAvailability::Maybe);
    }

    #[test]
    fn ok_unknown_keys_and_upstream_kinds() {
        let s = "# header line\n[function.PyFoo]\nadded = '3.2'\nnew_key = 'x'\n[const.PY_FOO]\nadded = '3.13'\n\
                 [feature_macro.MS_WINDOWS]\ndoc = 'on Windows'\nwindows = true\n";
        // The embedded abi3t rules name symbols this small file lacks, so check the parser alone.
        let (items, macros) = parse_stable(&text("s.toml", s)).unwrap();
        assert_eq!(items["PyFoo"].added, PyVersion::new(3, 2));
        assert_eq!(items["PY_FOO"].kind, ItemKind::Const);
        assert_eq!(macros["MS_WINDOWS"].windows, WindowsAvailability::Yes);
        assert_eq!(header(s), vec!["header line".to_string()]);
    }

    #[test]
    fn ok_macro_value() {
        assert_eq!(parse_macro_value("0x03ff2026", "abi2026"), Some(0x03ff_2026));
        assert_eq!(parse_macro_value("0x03ff_2031", "abi2031"), Some(0x03ff_2031));
        assert_eq!(parse_macro_value("0x03ff2026", "abi2031"), None);
        assert_eq!(parse_macro_value("0x03fe2026", "abi2026"), None);
    }

    #[test]
    fn err_bad_toml() {
        assert_eq!(
            err_text(with_stable("[function.PyFoo]\nadded = \n")),
            "stable_abi.toml is not a valid manifest: line 2: string values must be quoted, expected literal string"
        );
    }

    #[test]
    fn err_bad_version() {
        assert_eq!(
            err_text(with_stable("[function.PyFoo]\nadded = '3.x'\n")),
            "stable_abi.toml: [function.PyFoo] has an unusable version: '3.x' is not a Python version of the form 3.15"
        );
    }

    #[test]
    fn err_unknown_kind() {
        assert_eq!(
            err_text(with_stable("[method.PyFoo]\nadded = '3.2'\n")),
            "stable_abi.toml: [method.*] is not an item kind (expected function, data, struct, macro, const, typedef or feature_macro)"
        );
    }

    #[test]
    fn err_symbol_twice() {
        assert_eq!(
            err_text(with_stable("[function.PyFoo]\nadded = '3.2'\n[data.PyFoo]\nadded = '3.2'\n")),
            "stable_abi.toml: 'PyFoo' is listed twice, as [data.PyFoo] and [function.PyFoo]"
        );
    }

    #[test]
    fn err_missing_added_and_bad_ifdef() {
        assert_eq!(
            err_text(with_stable("[function.PyFoo]\nabi_only = true\n")),
            "stable_abi.toml: [function.PyFoo] has no 'added' version"
        );
        assert_eq!(
            err_text(with_stable("[function.PyFoo]\nadded = '3.2'\nifdef = 'NOPE'\n")),
            "stable_abi.toml: [function.PyFoo] has ifdef = 'NOPE', which is no [feature_macro]"
        );
    }

    #[test]
    fn err_rule_for_missing_symbol() {
        // The embedded abi3t rules name PyModuleDef_Init, which this file lacks.
        let s = "[struct.PyObject]\nadded = '3.2'\n[struct.PyVarObject]\nadded = '3.2'\n\
                 [struct.PyModuleDef_Base]\nadded = '3.2'\n[struct.PyModuleDef]\nadded = '3.2'\n";
        assert_eq!(
            err_text(with_stable(s)),
            "abi3t.toml (embedded): the rule for 'PyModuleDef_Init' names no function or data of stable_abi.toml"
        );
    }

    #[test]
    fn err_internal_symbol_in_stable_abi() {
        let abi3t = EMBEDDED_ABI3T.replace("symbol = \"_Py_DecRefShared\"", "symbol = \"Py_IncRef\"");
        let r = Specs::from_texts(
            Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
            text("abi3t.toml", &abi3t),
            Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
        );
        assert_eq!(
            err_text(r),
            "abi3t.toml: the internal symbol 'Py_IncRef' is in the Stable ABI (stable_abi.toml lists it as function)"
        );
    }

    #[test]
    fn err_abi3t_unknown_field() {
        let abi3t = EMBEDDED_ABI3T.replace("shim_ok = true", "shim_okay = true");
        let r = Specs::from_texts(
            Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
            text("abi3t.toml", &abi3t),
            Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
        );
        assert!(err_text(r).starts_with("abi3t.toml is not a valid manifest: line "));
    }

    #[test]
    fn err_macro_value() {
        let abi2026 = EMBEDDED_ABI2026.replace("0x03ff2026", "0x03ff2025");
        let r = Specs::from_texts(
            Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
            Text::embedded(ABI3T_FILE, EMBEDDED_ABI3T),
            text("abi2026.toml", &abi2026),
        );
        assert_eq!(
            err_text(r),
            "abi2026.toml: macro_value '0x03ff2025' is not 0x03ffYYYY with YYYY the year of the tag 'abi2026'"
        );
    }

    #[test]
    fn err_dir() {
        let e = Specs::load_dir(Path::new("/nonexistent/specs")).unwrap_err();
        assert!(matches!(e, SpecError::Dir { .. }));
        assert_eq!(e.to_string(), "cannot read the specs directory /nonexistent/specs");
    }
}
