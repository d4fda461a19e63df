//! Which CPython interpreters an installer gives a tag set to, and which tags no CPython installer ever accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use super::{AbiTag, PlatformTag, PythonTag, Tag, TagSet};
use crate::version::PyVersion;

/// A CPython interpreter an installer runs for: a feature release, GIL or
/// free-threaded, non-debug. Displays as `3.14` or `3.14t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interpreter {
    /// The feature release.
    pub version: PyVersion,
    /// Whether this is a free-threaded (`--disable-gil`) build.
    pub free_threaded: bool,
}

/// The oldest CPython with the stable ABI (PEP 384): 3.2. `packaging` offers
/// `cp3X-abi3` / `cp3X-abi3t` down to this version. A fact of CPython and of
/// `packaging`, not of the manifests: abi3t's `min_version` does not move it
/// (`check` judges abi3t claimed below it from the manifests).
const STABLE_ABI_SINCE: u8 = 2;
/// The first CPython with free-threaded builds (PEP 703): 3.13. A fact of CPython.
const FREE_THREADED_SINCE: u8 = 13;

impl Interpreter {
    /// An interpreter.
    pub const fn new(version: PyVersion, free_threaded: bool) -> Self {
        Interpreter { version, free_threaded }
    }

    /// Its Python tag, `cp314` (also for free-threaded builds).
    pub fn python_tag(&self) -> PythonTag {
        PythonTag::cpython(self.version)
    }

    /// Its version-specific ABI tag: `cp314`, `cp314t`; `cp37m` before 3.8
    /// (pymalloc on, as in CPython's default build).
    pub fn abi_tag(&self) -> AbiTag {
        if self.version.major == 3 && self.version.minor < 8 {
            AbiTag::CPythonLegacy { version: self.version, debug: false, pymalloc: true, ucs4: false }
        } else {
            AbiTag::cpython(self.version, self.free_threaded)
        }
    }

    /// Its stable ABI as `packaging` names it: `abi3` for GIL builds, `abi3t`
    /// for free-threaded ones (for every version from 3.2, as `packaging` does).
    fn stable_abi(&self) -> AbiTag {
        if self.free_threaded { AbiTag::Abi3t } else { AbiTag::Abi3 }
    }

    /// The (python, abi) pairs an installer accepts on the interpreter's own
    /// platform, best first — `packaging.tags.cpython_tags` then
    /// `compatible_tags` for one platform, as `sys_tags` chains them:
    ///
    /// 1. `cp3Y-cp3Y` (`cp3Y-cp3Yt` when free-threaded);
    /// 2. `cp3Y-abi3` (`cp3Y-abi3t` when free-threaded; from 3.2);
    /// 3. `cp3Y-none`;
    /// 4. `cp3X-abi3` (`cp3X-abi3t`) for X from Y−1 down to 2 — never both;
    /// 5. `py3Y-none`, `py3-none`, then `py3X-none` for X from Y−1 down to 0.
    pub fn supported(&self) -> Vec<(PythonTag, AbiTag)> {
        self.pairs(false)
    }

    /// The (python, abi) pairs accepted with the platform `any`, best first
    /// (the tail of `packaging.tags.compatible_tags`): `cp3Y-none`, `py3Y-none`,
    /// `py3-none`, then `py3X-none` for X from Y−1 down to 0. Every tag for the
    /// interpreter's own platform ranks before these.
    pub fn supported_any(&self) -> Vec<(PythonTag, AbiTag)> {
        let mut v = vec![(self.python_tag(), AbiTag::None)];
        v.extend(self.generic_none());
        v
    }

    /// Like [`Interpreter::supported`], plus the PEP 809 prototype's reading:
    /// on every build of `abi2026_since` and later, `abi2026` is accepted wherever the
    /// build's current stable ABI is (`cp3Y-abi2026` right after `cp3Y-abi3`
    /// or `cp3Y-abi3t`, and `cp3X-abi2026` for X from Y−1 down to 2, after
    /// each `cp3X-abi3`/`cp3X-abi3t`), and `py3-abi2026` after all the `cp3*`
    /// tags ("a wheel tagged `py3-abi2026-<plat>`" in PEP 809's Wheel tags
    /// section). PEP 809 is a draft; no installer implements this. Before
    /// `abi2026_since` it equals [`Interpreter::supported`].
    ///
    /// `abi2026_since` is abi2026's `min_version` from the manifests
    /// ([`crate::specs::Specs::abi2026`]): 3.15 in the embedded ones.
    pub fn supported_pep809(&self, abi2026_since: PyVersion) -> Vec<(PythonTag, AbiTag)> {
        self.pairs(self.version.major == 3 && self.version >= abi2026_since)
    }

    fn generic_none(&self) -> Vec<(PythonTag, AbiTag)> {
        let v = self.version;
        let mut out = vec![(PythonTag::python(v), AbiTag::None), (PythonTag::python_major(v.major), AbiTag::None)];
        for minor in (0..v.minor).rev() {
            out.push((PythonTag::python(PyVersion::new(v.major, minor)), AbiTag::None));
        }
        out
    }

    fn pairs(&self, pep809: bool) -> Vec<(PythonTag, AbiTag)> {
        let v = self.version;
        let stable = v.major == 3 && v.minor >= STABLE_ABI_SINCE;
        let mut out = vec![(self.python_tag(), self.abi_tag())];
        if stable {
            out.push((self.python_tag(), self.stable_abi()));
        }
        if pep809 {
            out.push((self.python_tag(), AbiTag::ABI2026));
        }
        out.push((self.python_tag(), AbiTag::None));
        if stable {
            for minor in (STABLE_ABI_SINCE..v.minor).rev() {
                let older = PythonTag::cpython(PyVersion::new(v.major, minor));
                out.push((older.clone(), self.stable_abi()));
                if pep809 {
                    out.push((older, AbiTag::ABI2026));
                }
            }
        }
        if pep809 {
            out.push((PythonTag::python_major(v.major), AbiTag::ABI2026));
        }
        out.extend(self.generic_none());
        out
    }

    /// The best tag of `set` an installer on this interpreter accepts.
    ///
    /// The interpreter is assumed to run on the set's own platforms, so only
    /// (python, abi) decide; where the set names several concrete platforms
    /// they are tried in the set's order for each pair (a real installer tries
    /// its host's order; the pair chosen is the same). Tags for `any` rank
    /// after every concrete-platform tag, as in `packaging`.
    pub fn matched_tag(&self, set: &TagSet) -> Option<Tag> {
        first_match(&self.supported(), &self.supported_any(), set)
    }

    /// Whether an installer on this interpreter accepts some tag of `set`.
    pub fn installs(&self, set: &TagSet) -> bool {
        self.matched_tag(set).is_some()
    }

    /// [`Interpreter::matched_tag`] under the PEP 809 prototype
    /// ([`Interpreter::supported_pep809`], with abi2026 from `abi2026_since`).
    pub fn matched_tag_pep809(&self, set: &TagSet, abi2026_since: PyVersion) -> Option<Tag> {
        first_match(&self.supported_pep809(abi2026_since), &self.supported_any(), set)
    }

    /// Whether an installer following the PEP 809 prototype (abi2026 from
    /// `abi2026_since`) accepts some tag of `set`.
    pub fn installs_pep809(&self, set: &TagSet, abi2026_since: PyVersion) -> bool {
        self.matched_tag_pep809(set, abi2026_since).is_some()
    }
}

fn first_match(native: &[(PythonTag, AbiTag)], any: &[(PythonTag, AbiTag)], set: &TagSet) -> Option<Tag> {
    let has_pair = |(p, a): &(PythonTag, AbiTag)| set.python.contains(p) && set.abi.contains(a);
    if let Some(platform) = set.platform.iter().find(|p| !p.is_any())
        && let Some((p, a)) = native.iter().find(|pair| has_pair(pair))
    {
        return Some(Tag::new(p.clone(), a.clone(), platform.clone()));
    }
    if set.platform.iter().any(PlatformTag::is_any)
        && let Some((p, a)) = any.iter().find(|pair| has_pair(pair))
    {
        return Some(Tag::new(p.clone(), a.clone(), PlatformTag::any()));
    }
    None
}

impl fmt::Display for Interpreter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.version, if self.free_threaded { "t" } else { "" })
    }
}

impl FromStr for Interpreter {
    type Err = crate::version::VersionError;

    /// `3.14` or `3.14t`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (v, free_threaded) = match s.strip_suffix('t') {
            Some(v) => (v, true),
            None => (s, false),
        };
        let version = v.parse().map_err(|_| crate::version::VersionError(s.to_string()))?;
        Ok(Interpreter::new(version, free_threaded))
    }
}

/// The interpreters every report covers: CPython 3.10 to 3.16 GIL builds, and
/// free-threaded builds from 3.13; by version, GIL before free-threaded.
pub fn interpreters() -> Vec<Interpreter> {
    let mut v = Vec::new();
    for minor in 10..=16 {
        v.push(Interpreter::new(PyVersion::new(3, minor), false));
        if minor >= FREE_THREADED_SINCE {
            v.push(Interpreter::new(PyVersion::new(3, minor), true));
        }
    }
    v
}

// Dead tags

/// Why no CPython installer accepts a tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeadReason {
    /// `cp315t-abi3t`: the Python tag carries the free-threading `t`.
    PythonTagFlag,
    /// `cp3-abi3`: a CPython tag without a minor version.
    PythonMajorOnly,
    /// `py2-none`, `cp27-cp27mu`: not Python 3.
    NotPython3,
    /// `pp310-pypy310_pp73`: another implementation.
    OtherImplementation,
    /// `py3-abi3`: a generic `py` tag with an ABI other than `none`.
    GenericWithAbi,
    /// `cp313-cp314t`: the version-specific ABI is for another version.
    VersionMismatch,
    /// `cp312-cp312t`: free-threaded builds exist from 3.13.
    FreeThreadedTooOld,
    /// `cp38-cp38m`: the `m` flag ended with 3.7, `u` with 3.2.
    LegacyFlagTooNew,
    /// `cp31-abi3`: the stable ABI starts at 3.2.
    StableAbiTooOld,
    /// `cp315-abi2026`: PEP 809 is a draft.
    AbiYear(u16),
    /// `cp313-pypy310_pp73`: not a CPython ABI.
    OtherAbi,
    /// `cp313-abi3-any`: a binary ABI with the platform `any`.
    BinaryAbiOnAny,
}

impl fmt::Display for DeadReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeadReason::PythonTagFlag => f.write_str(
                "the Python tag carries a 't': installers put it only in the ABI tag (cp315-cp315t, cp315-abi3t)",
            ),
            DeadReason::PythonMajorOnly => {
                f.write_str("CPython installers never generate a cpX tag without a minor version")
            }
            DeadReason::NotPython3 => f.write_str("no Python 3 interpreter accepts it"),
            DeadReason::OtherImplementation => f.write_str("the Python tag names another implementation, not CPython"),
            DeadReason::GenericWithAbi => f.write_str("generic pyX tags are accepted only with the ABI 'none'"),
            DeadReason::VersionMismatch => {
                f.write_str("a version-specific ABI is accepted only with the Python tag of the same version")
            }
            DeadReason::FreeThreadedTooOld => f.write_str("free-threaded builds exist only from CPython 3.13"),
            DeadReason::LegacyFlagTooNew => {
                f.write_str("the ABI flag 'm' exists only before CPython 3.8, and 'u' only before 3.3")
            }
            DeadReason::StableAbiTooOld => f.write_str("the stable ABI is accepted only with Python tags from cp32"),
            DeadReason::AbiYear(2026) => {
                f.write_str("no installer accepts abi2026 yet: PEP 809 is a draft (see the PEP 809 column)")
            }
            DeadReason::AbiYear(year) => {
                write!(f, "no installer accepts abi{year:04}: PEP 809 defines only abi2026")
            }
            DeadReason::OtherAbi => f.write_str("the ABI tag is not a CPython ABI"),
            DeadReason::BinaryAbiOnAny => f.write_str("only the ABI 'none' is accepted with the platform 'any'"),
        }
    }
}

impl Serialize for DeadReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How much a dead tag matters to the wheel that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Harm {
    /// The wheel's only way to serve the build its ABI tag names (`cp315t-abi3t` alone):
    /// that build is never installed.
    Harmful,
    /// A live tag of the same set carries the same ABI tag, so the build is served
    /// anyway: a by-product of a compressed name (`cp313-cp314t` beside `cp314-cp314t`).
    Harmless,
    /// `abi2026`: no installer accepts it yet; judged under the PEP 809 prototype.
    Prototype,
}

/// A tag of a set that no CPython installer accepts, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct DeadTag {
    /// The tag.
    pub tag: Tag,
    /// Why it is never matched.
    pub reason: DeadReason,
    /// Whether it costs the wheel a build it ships.
    pub harm: Harm,
}

/// Whether a CPython 3.Y can have been built with the version-specific ABI flags.
fn abi_reason(python: PyVersion, abi: &AbiTag) -> Option<DeadReason> {
    match abi {
        AbiTag::None => None,
        AbiTag::Abi3 | AbiTag::Abi3t => (python.minor < STABLE_ABI_SINCE).then_some(DeadReason::StableAbiTooOld),
        AbiTag::AbiYear(year) => Some(DeadReason::AbiYear(*year)),
        AbiTag::CPython { version, free_threaded, .. } => {
            if *version != python {
                Some(DeadReason::VersionMismatch)
            } else if *free_threaded && version.minor < FREE_THREADED_SINCE {
                Some(DeadReason::FreeThreadedTooOld)
            } else {
                None
            }
        }
        AbiTag::CPythonLegacy { version, pymalloc, ucs4, .. } => {
            if *version != python {
                Some(DeadReason::VersionMismatch)
            } else if (*pymalloc && version.minor >= 8) || (*ucs4 && version.minor >= 3) {
                Some(DeadReason::LegacyFlagTooNew)
            } else {
                None
            }
        }
        AbiTag::Other(_) => Some(DeadReason::OtherAbi),
    }
}

pub(super) fn dead_reason(tag: &Tag) -> Option<DeadReason> {
    let reason = match &tag.python {
        PythonTag::CPythonThreaded { .. } => Some(DeadReason::PythonTagFlag),
        PythonTag::CPythonMajor(_) => Some(DeadReason::PythonMajorOnly),
        PythonTag::Other(_) => Some(DeadReason::OtherImplementation),
        PythonTag::CPython { version } if version.major != 3 => Some(DeadReason::NotPython3),
        PythonTag::CPython { version } => abi_reason(*version, &tag.abi),
        PythonTag::Python { major, .. } if *major != 3 => Some(DeadReason::NotPython3),
        PythonTag::Python { .. } => (tag.abi != AbiTag::None).then_some(DeadReason::GenericWithAbi),
    };
    reason.or_else(|| (tag.platform.is_any() && tag.abi != AbiTag::None).then_some(DeadReason::BinaryAbiOnAny))
}

/// Whether a tag is for another implementation (PyPy `pp311-pypy311_pp73`,
/// GraalPy `graalpy311-graalpy242_311_native`): installers on that
/// implementation accept it, CPython's never do, and uniabi does not judge it.
pub fn is_other_implementation(tag: &Tag) -> bool {
    matches!(tag.python, PythonTag::Other(_))
}

/// The tags of `set` (expanded, sorted) that are for another implementation.
pub fn other_implementation_tags(set: &TagSet) -> Vec<Tag> {
    set.expand().into_iter().filter(is_other_implementation).collect()
}

/// The CPython tags of `set` (expanded, sorted) that no CPython installer
/// accepts, each with its reason and its harm. Tags of other implementations
/// are not dead: see [`other_implementation_tags`].
pub fn dead_tags(set: &TagSet) -> Vec<DeadTag> {
    let tags = set.expand();
    let live_abis: Vec<&AbiTag> = tags.iter().filter(|t| dead_reason(t).is_none()).map(|t| &t.abi).collect();
    tags.iter()
        .filter(|tag| !is_other_implementation(tag))
        .filter_map(|tag| {
            let reason = dead_reason(tag)?;
            let harm = if matches!(reason, DeadReason::AbiYear(2026)) {
                Harm::Prototype
            } else if live_abis.contains(&&tag.abi) {
                Harm::Harmless
            } else {
                Harm::Harmful
            };
            Some(DeadTag { tag: tag.clone(), reason, harm })
        })
        .collect()
}

/// How an installer picks (`verify --python X --platform Y`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Installer {
    /// Accept `abi2026` as the PEP 809 prototype would, from this version (the
    /// abi2026 manifest's `min_version`).
    pub pep809: Option<PyVersion>,
}

/// A platform tag's place in an installer's order (lower is preferred): C library or
/// macOS version, newest first; then exact architecture before `universal2`.
pub type PlatformRank = (std::cmp::Reverse<(u32, u32)>, u8);

/// A wheel's place in an installer's order (lower is preferred): `any` after concrete
/// platforms, the (python, ABI) pair's place, the platform's place.
pub type Rank = (u8, usize, PlatformRank);

/// Where a wheel with tags `set` ranks for an installer (lower is preferred;
/// `None`: it does not install): the best of its tags, ranked by (concrete
/// platform before `any`, the (python, ABI) pair's place in the
/// interpreter's order, the platform's place in the host's order).
pub fn installer_rank(set: &TagSet, python: Interpreter, platform: &PlatformTag, installer: Installer) -> Option<Rank> {
    let native = match installer.pep809 {
        Some(since) => python.supported_pep809(since),
        None => python.supported(),
    };
    let any = python.supported_any();
    set.expand()
        .into_iter()
        .filter_map(|tag| {
            if tag.platform.is_any() {
                let i = any.iter().position(|(p, a)| *p == tag.python && *a == tag.abi)?;
                Some((1, i, (std::cmp::Reverse((0, 0)), 0)))
            } else {
                let i = native.iter().position(|(p, a)| *p == tag.python && *a == tag.abi)?;
                Some((0, i, platform_rank(platform, &tag.platform)?))
            }
        })
        .min()
}

/// A platform tag's place in the order an installer on `host` tries them
/// (`None`: not accepted): the host's own tag first, then older C library or
/// macOS versions, newest first; at one version the exact architecture before
/// `universal2`.
fn platform_rank(host: &PlatformTag, tag: &PlatformTag) -> Option<PlatformRank> {
    if !host.accepts(tag) {
        return None;
    }
    Some(match tag.version() {
        Some((major, minor)) => (
            std::cmp::Reverse((u32::from(major), u32::from(minor))),
            u8::from(tag.arch() == Some("universal2") && host.arch() != Some("universal2")),
        ),
        None => (std::cmp::Reverse((u32::MAX, u32::MAX)), 0),
    })
}
