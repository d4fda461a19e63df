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

//!
//! One file per manifest: [`stable`](StableItem), [`abi3t`](Abi3tSpec) and
//! [`abi2026`](Abi2026Spec) each hold the view built from it; `raw` holds the serde
//! shapes the files are read into before the views are cross-checked.

mod abi2026;
mod abi3t;
mod entries;
mod raw;
mod stable;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

pub use abi3t::Abi3tSpec;
pub use abi2026::Abi2026Spec;
pub use entries::{Abi3tRule, AddedSymbol, InternalSymbol, ItemKind, OpaqueStruct, PROTOTYPE_LABEL, ProtoChoice};
pub use stable::{FeatureMacro, StableItem, WindowsAvailability};

use crate::version::VersionError;
use raw::{RawAbi3t, RawAbi2026, Text, from_toml, header};

/// File name of the Stable ABI manifest.
pub const STABLE_ABI_FILE: &str = "stable_abi.toml";
/// File name of the abi3t (PEP 803) manifest.
pub const ABI3T_FILE: &str = "abi3t.toml";
/// File name of the abi2026 (PEP 809 prototype) manifest.
pub const ABI2026_FILE: &str = "abi2026.toml";

const EMBEDDED_STABLE_ABI: &str = include_str!("../../specs/stable_abi.toml");
const EMBEDDED_ABI3T: &str = include_str!("../../specs/abi3t.toml");
const EMBEDDED_ABI2026: &str = include_str!("../../specs/abi2026.toml");

/// A manifest that could not be read or does not make sense.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The directory given with `--specs` could not be read.
    #[error("cannot read the specs directory {}", .path.display())]
    Dir { path: PathBuf, source: io::Error },
    /// The directory holds none of the three manifests.
    #[error(
        "the specs directory {} holds none of {STABLE_ABI_FILE}, {ABI3T_FILE} and {ABI2026_FILE}",
        .path.display()
    )]
    NoManifests { path: PathBuf },
    /// A manifest in the directory could not be read.
    #[error("cannot read the manifest {}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    /// A manifest is not TOML, or not of the shape its file requires.
    ///
    /// The parser's message is kept on one line (it may span several) rather than as a
    /// `source()`, so that the one-line error `main` prints stays one line.
    #[error("{file} is not a valid manifest: {}{message}", .line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Syntax { file: String, line: Option<usize>, message: String },
    /// An item's version (`added`, `min_version`…) is not of the form `3.15`.
    #[error("{file}: {item} has an unusable version")]
    Version { file: String, item: String, source: VersionError },
    /// A manifest parses but says something impossible: an unknown item kind, a symbol
    /// listed twice, a rule for a symbol the Stable ABI does not have.
    #[error("{file}: {problem}")]
    Invalid { file: String, problem: String },
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

impl ManifestSource {
    /// The listing of one manifest read from `text`.
    fn new(file: &'static str, text: Text, counts: Vec<Count>) -> ManifestSource {
        ManifestSource { file, header: header(&text.text), origin: text.origin, counts }
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

    /// Parse the three manifests, build the abi3t and abi2026 views (each cross-checked
    /// against the Stable ABI), and list where each manifest came from.
    fn from_texts(stable: Text, abi3t: Text, abi2026: Text) -> Result<Specs, SpecError> {
        let (mut items, feature_macros) = stable::parse_stable(&stable)?;
        let raw3t: RawAbi3t = from_toml(&abi3t)?;
        let raw26: RawAbi2026 = from_toml(&abi2026)?;
        let abi3t_view = abi3t::build(&abi3t, raw3t, &mut items)?;
        let abi2026_view = abi2026::build(&abi2026, raw26, &items, &abi3t_view.rules)?;
        let sources = vec![
            ManifestSource::new(STABLE_ABI_FILE, stable, stable::counts(&items, &feature_macros)),
            ManifestSource::new(ABI3T_FILE, abi3t, abi3t_view.counts()),
            ManifestSource::new(ABI2026_FILE, abi2026, abi2026_view.counts),
        ];
        Ok(Specs {
            stable: items,
            feature_macros,
            abi3t: abi3t_view.spec,
            abi3t_rules: abi3t_view.rules,
            internal: abi3t_view.internal,
            abi2026: abi2026_view.spec,
            abi2026_set: abi2026_view.set,
            sources,
        })
    }

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
