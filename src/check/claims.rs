//! What an input, or one binary in it, claims to be: stable ABIs with their
//! lowest version, and version-specific builds; and the `--abi` target.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::analysis::AnalysedBinary;
use crate::binary::PythonDll;
use crate::naming::SuffixAbi;
use crate::specs::Specs;
use crate::tags::{AbiTag, PythonTag, Tag, interpreters};
use crate::version::PyVersion;

/// A stable ABI a binary can claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StableAbi {
    Abi3,
    Abi3t,
    Abi2026,
}

impl StableAbi {
    /// The first CPython that defines this ABI, from the manifests (`min_version`); `None` for abi3.
    pub fn since(self, specs: &Specs) -> Option<PyVersion> {
        match self {
            StableAbi::Abi3 => None,
            StableAbi::Abi3t => Some(specs.abi3t().min_version),
            StableAbi::Abi2026 => Some(specs.abi2026().min_version),
        }
    }
}

impl fmt::Display for StableAbi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StableAbi::Abi3 => "abi3",
            StableAbi::Abi3t => "abi3t",
            StableAbi::Abi2026 => "abi2026",
        })
    }
}

/// What an input (or one binary) claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Each claimed stable ABI with the lowest version it claims (`None`: no version claimed).
    pub stable: BTreeMap<StableAbi, Option<PyVersion>>,
    /// Version-specific builds: (version, free-threaded).
    pub specific: BTreeSet<(PyVersion, bool)>,
}

impl Claims {
    /// The claims as short names: `abi3`, `abi3t`, `cp313t`.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.stable.keys().map(|a| a.to_string()).collect();
        v.extend(self.specific.iter().map(|(ver, ft)| format!("cp{}{}", ver.tag_digits(), if *ft { "t" } else { "" })));
        v
    }

    /// True when nothing is claimed.
    pub fn is_empty(&self) -> bool {
        self.stable.is_empty() && self.specific.is_empty()
    }

    /// True when some claim serves free-threaded builds.
    pub fn any_free_threaded(&self) -> bool {
        self.stable.contains_key(&StableAbi::Abi3t)
            || self.stable.contains_key(&StableAbi::Abi2026)
            || self.specific.iter().any(|(_, ft)| *ft)
    }

    /// True when some claim serves GIL builds.
    pub fn any_gil(&self) -> bool {
        self.stable.contains_key(&StableAbi::Abi3)
            || self.stable.contains_key(&StableAbi::Abi2026)
            || self.specific.iter().any(|(_, ft)| !ft)
    }

    /// The lowest CPython version any claim names.
    pub fn lowest_version(&self) -> Option<PyVersion> {
        self.stable.values().flatten().chain(self.specific.iter().map(|(v, _)| v)).min().copied()
    }

    /// True when some version-specific build is claimed, and a binary built for the
    /// stable ABI `abi` loads on every one: abi3 on GIL builds, abi3t (which also
    /// means abi3, PEP 803) and abi2026 on both builds from their first version. Such
    /// a binary serves more interpreters than the tags admit, which does no harm
    /// (an `.abi3.so` in a `cp314-cp314` wheel: 3.14 searches `.abi3.so`).
    pub fn specific_served_by(&self, abi: StableAbi, specs: &Specs) -> bool {
        let since = abi.since(specs);
        !self.specific.is_empty()
            && self.specific.iter().all(|(version, free_threaded)| match abi {
                StableAbi::Abi3 => !free_threaded,
                StableAbi::Abi3t | StableAbi::Abi2026 => since.is_some_and(|s| *version >= s),
            })
    }

    pub(crate) fn add_stable(&mut self, abi: StableAbi, version: Option<PyVersion>) {
        let slot = self.stable.entry(abi).or_insert(version);
        *slot = match (*slot, version) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The claims of a set of expanded tags (tags of other implementations claim nothing).
    pub fn from_tags<'t>(tags: impl IntoIterator<Item = &'t Tag>) -> Claims {
        let mut c = Claims::default();
        for tag in tags {
            let version = match &tag.python {
                PythonTag::CPython { version } | PythonTag::CPythonThreaded { version } => Some(*version),
                _ => None,
            };
            match &tag.abi {
                AbiTag::Abi3 => c.add_stable(StableAbi::Abi3, version),
                AbiTag::Abi3t => c.add_stable(StableAbi::Abi3t, version),
                AbiTag::AbiYear(2026) => c.add_stable(StableAbi::Abi2026, version),
                AbiTag::CPython { version, free_threaded, .. } => {
                    c.specific.insert((*version, *free_threaded));
                }
                _ => {}
            }
        }
        c
    }

    /// What a bare file's name (or, for a `.pyd` without an ABI in its name, its DLL) claims.
    pub fn from_file(b: &AnalysedBinary, specs: &Specs) -> Claims {
        let mut c = Claims::default();
        let abi3t = StableAbi::Abi3t.since(specs);
        match b.name.as_ref().and_then(|n| n.abi) {
            Some(SuffixAbi::Abi3) => c.add_stable(StableAbi::Abi3, None),
            Some(SuffixAbi::Abi3t) => c.add_stable(StableAbi::Abi3t, abi3t),
            Some(SuffixAbi::Abi2026) => c.add_stable(StableAbi::Abi2026, StableAbi::Abi2026.since(specs)),
            Some(SuffixAbi::CPython { version, free_threaded, .. }) => {
                c.specific.insert((version, free_threaded));
            }
            None => match dll_kind(b) {
                Some(PythonDll::Abi3) => c.add_stable(StableAbi::Abi3, None),
                Some(PythonDll::Abi3t) => c.add_stable(StableAbi::Abi3t, abi3t),
                Some(PythonDll::Specific { version, free_threaded }) => {
                    c.specific.insert((version, free_threaded));
                }
                None => {}
            },
        }
        c
    }
}

/// The ABI a `.pyd` was built for, from the DLL it links.
pub(crate) fn dll_kind(b: &AnalysedBinary) -> Option<PythonDll> {
    PythonDll::parse(b.slices().iter().find_map(|s| s.python_library())?)
}

/// The ABI `--abi` asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbiChoice {
    /// Each input against its own claims.
    Auto,
    Stable(StableAbi),
    Specific(PyVersion, bool),
}

impl fmt::Display for AbiChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbiChoice::Auto => f.write_str("auto"),
            AbiChoice::Stable(abi) => abi.fmt(f),
            AbiChoice::Specific(v, ft) => write!(f, "cp{}{}", v.tag_digits(), if *ft { "t" } else { "" }),
        }
    }
}

/// `--abi` value that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiChoiceError(pub String);

/// The version-specific targets `--abi` accepts: (oldest GIL, oldest free-threaded, newest).
fn specific_range() -> (PyVersion, PyVersion, PyVersion) {
    let all = interpreters();
    let newest = all.iter().map(|i| i.version).max().unwrap_or(PyVersion::new(3, 16));
    let free_threaded = all.iter().filter(|i| i.free_threaded).map(|i| i.version).min().unwrap_or(newest);
    (PyVersion::new(3, 2), free_threaded, newest)
}

impl fmt::Display for AbiChoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (gil, ft, newest) = specific_range();
        write!(
            f,
            "'{}' is not an ABI to check: use auto, abi3, abi3t, abi2026, cp{}–cp{} or cp{}t–cp{}t",
            self.0,
            gil.tag_digits(),
            newest.tag_digits(),
            ft.tag_digits(),
            newest.tag_digits()
        )
    }
}

impl std::error::Error for AbiChoiceError {}

impl FromStr for AbiChoice {
    type Err = AbiChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(AbiChoice::Auto),
            "abi3" => Ok(AbiChoice::Stable(StableAbi::Abi3)),
            "abi3t" => Ok(AbiChoice::Stable(StableAbi::Abi3t)),
            "abi2026" => Ok(AbiChoice::Stable(StableAbi::Abi2026)),
            other => {
                let (gil, ft, newest) = specific_range();
                match other.parse::<AbiTag>() {
                    Ok(AbiTag::CPython { version, free_threaded, debug: false })
                        if version >= if free_threaded { ft } else { gil } && version <= newest =>
                    {
                        Ok(AbiChoice::Specific(version, free_threaded))
                    }
                    _ => Err(AbiChoiceError(s.to_string())),
                }
            }
        }
    }
}
