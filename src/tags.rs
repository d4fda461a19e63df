//! Wheel tags (PEP 425 / the binary distribution format), wheel filenames,
//! and which CPython interpreters an installer lets install them.
//!
//! Two shapes, joined by [`TagSet::expand`]:
//!
//! - [`TagSet`]: the compressed form a filename carries,
//!   `cp313.cp314-cp313t.cp314t-manylinux_2_28_x86_64`;
//! - [`Tag`]: one expanded triple, as a `WHEEL` file's `Tag:` line carries it,
//!   `cp313-cp313t-manylinux_2_28_x86_64`.
//!
//! Installer acceptance ([`Interpreter::supported`], [`Interpreter::matched_tag`])
//! follows the `packaging` library 26.1 and later (`packaging.tags.cpython_tags`
//! followed by `compatible_tags`, as `sys_tags` chains them), which is what pip
//! 26.1+ and uv 0.11.3+ use. `tests/oracle/` checks it against `packaging` itself.
//!
//! Ordering: tags, and each field of a compressed set built by
//! [`TagSet::compress`], sort by their text, byte by byte. That is the order
//! PEP 425 asks compressed sets to use (`packaging.tags.parse_tag(...,
//! validate_order=True)` checks it), so `cp310` sorts before `cp39`.

use std::cmp::Ordering;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::version::PyVersion;

// ---------------------------------------------------------------------------
// Errors

/// A tag, tag set or wheel filename that could not be parsed.
///
/// Each variant carries the offending text; messages are sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagError {
    /// A Python tag that is neither `cpXY`, `pyX`, `pyXY` nor another implementation's name.
    PythonTag(String),
    /// An ABI tag that starts like a CPython one (`cp3…`, `abi3…`) but is not one.
    AbiTag(String),
    /// A platform tag with characters other than lowercase letters, digits and `_`.
    PlatformTag(String),
    /// A tag or tag set that does not have exactly three `-`-separated fields.
    TagFields(String),
    /// A tag or tag set with an empty field or an empty member between dots.
    EmptyPart(String),
    /// A compressed tag set (with `.`) where one single tag was expected.
    Compressed(String),
    /// A filename that does not end in `.whl`.
    NotWheel(String),
    /// A wheel filename without the five or six `-`-separated fields.
    WheelFields(String),
    /// A wheel filename whose build tag does not start with a digit.
    BuildTag {
        /// The whole filename.
        filename: String,
        /// The build tag.
        build: String,
    },
    /// A tag or tag set with a member that does not parse; the cause is the source.
    TagMember {
        /// The whole tag or tag set.
        input: String,
        /// What is wrong with the member.
        source: Box<TagError>,
    },
    /// A wheel filename whose tag fields do not parse; the cause is the source.
    WheelTags {
        /// The whole filename.
        filename: String,
        /// What is wrong with the tags.
        source: Box<TagError>,
    },
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagError::PythonTag(s) => {
                write!(f, "'{s}' is not a Python tag: expected cpXY, pyX or pyXY")
            }
            TagError::AbiTag(s) => write!(
                f,
                "'{s}' is not an ABI tag: expected none, abi3, abi3t, abiYYYY, \
                 or cpXY followed by the flags t and d"
            ),
            TagError::PlatformTag(s) => write!(
                f,
                "'{s}' is not a platform tag: expected lowercase letters, digits and \
                 underscores, such as manylinux_2_28_x86_64"
            ),
            TagError::TagFields(s) => write!(
                f,
                "'{s}' is not a wheel tag: expected python-abi-platform, \
                 such as cp313-cp313t-win_amd64"
            ),
            TagError::EmptyPart(s) => write!(f, "'{s}' is not a wheel tag: a field or a dotted member of one is empty"),
            TagError::Compressed(s) => write!(f, "'{s}' is a compressed tag set, not a single tag: expand it first"),
            TagError::NotWheel(s) => {
                write!(f, "'{s}' is not a wheel filename: it does not end in .whl")
            }
            TagError::WheelFields(s) => write!(
                f,
                "'{s}' is not a wheel filename: expected \
                 name-version(-build)-python-abi-platform.whl"
            ),
            TagError::BuildTag { filename, build } => write!(
                f,
                "'{filename}' is not a wheel filename: its build tag '{build}' \
                 does not start with a digit"
            ),
            TagError::TagMember { input, .. } => write!(f, "'{input}' is not a valid wheel tag"),
            TagError::WheelTags { filename, .. } => {
                write!(f, "'{filename}' is not a wheel filename: its tags are invalid")
            }
        }
    }
}

impl std::error::Error for TagError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TagError::TagMember { source, .. } | TagError::WheelTags { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Small lexing helpers

/// `[a-z_][a-z0-9_]*`: the shape of an implementation's tag (`pp310`, `graalpy311`).
fn is_lower_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_')) && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// Split `s` into its leading ASCII digits and the rest.
fn split_digits(s: &str) -> (&str, &str) {
    let end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// The version a tag's digits spell: first digit major, the rest minor (`310` is 3.10).
///
/// `None` for a single digit, a minor with a leading zero (`303`), or a minor above 255.
fn tag_version(digits: &str) -> Option<PyVersion> {
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (major, minor) = digits.split_at(1);
    if minor.len() > 1 && minor.starts_with('0') {
        return None;
    }
    Some(PyVersion::new(major.parse().ok()?, minor.parse().ok()?))
}

/// A single-digit major version (`3` in `py3`).
fn tag_major(digits: &str) -> Option<u8> {
    match digits.as_bytes() {
        [d @ b'0'..=b'9'] => Some(d - b'0'),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Python tag

/// The Python tag of a wheel: which implementation and version it is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PythonTag {
    /// CPython of a given feature release or later (with a stable ABI): `cp313`.
    CPython {
        /// The feature release, 3.13 for `cp313`.
        version: PyVersion,
    },
    /// A CPython tag carrying the free-threading flag: `cp315t`.
    ///
    /// Not a valid Python tag — the `t` belongs in the ABI tag (`cp315-cp315t`) —
    /// so no installer ever matches it. Parsed so it can be reported as dead.
    CPythonThreaded {
        /// The feature release, 3.15 for `cp315t`.
        version: PyVersion,
    },
    /// CPython with a major version only: `cp3`. No CPython installer generates it.
    CPythonMajor(u8),
    /// Any implementation of a Python version: `py3` (`minor: None`) or `py313`.
    Python {
        /// The major version, 3 for `py313`.
        major: u8,
        /// The minor version, `Some(13)` for `py313`, `None` for `py3`.
        minor: Option<u8>,
    },
    /// A well-formed tag of another implementation: `pp310`, `graalpy311`.
    Other(String),
}

impl PythonTag {
    /// `cp3Y` for a version.
    pub const fn cpython(version: PyVersion) -> Self {
        PythonTag::CPython { version }
    }

    /// `pyXY` for a version.
    pub const fn python(version: PyVersion) -> Self {
        PythonTag::Python { major: version.major, minor: Some(version.minor) }
    }

    /// `pyX` for a major version.
    pub const fn python_major(major: u8) -> Self {
        PythonTag::Python { major, minor: None }
    }
}

impl fmt::Display for PythonTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PythonTag::CPython { version } => write!(f, "cp{}", version.tag_digits()),
            PythonTag::CPythonThreaded { version } => write!(f, "cp{}t", version.tag_digits()),
            PythonTag::CPythonMajor(major) => write!(f, "cp{major}"),
            PythonTag::Python { major, minor: None } => write!(f, "py{major}"),
            PythonTag::Python { major, minor: Some(minor) } => write!(f, "py{major}{minor}"),
            PythonTag::Other(s) => f.write_str(s),
        }
    }
}

impl FromStr for PythonTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TagError::PythonTag(s.to_string());
        for (prefix, is_cp) in [("cp", true), ("py", false)] {
            let Some(rest) = s.strip_prefix(prefix) else {
                continue;
            };
            let (digits, flags) = split_digits(rest);
            if digits.is_empty() {
                // `cpython`, `pypy`: not a version, so another implementation.
                break;
            }
            let threaded = match flags {
                "" => false,
                "t" if is_cp => true,
                _ => return Err(err()),
            };
            return match (is_cp, threaded, tag_major(digits)) {
                (true, false, Some(major)) => Ok(PythonTag::CPythonMajor(major)),
                (false, _, Some(major)) => Ok(PythonTag::python_major(major)),
                (_, _, None) => {
                    let version = tag_version(digits).ok_or_else(err)?;
                    Ok(match (is_cp, threaded) {
                        (true, false) => PythonTag::CPython { version },
                        (true, true) => PythonTag::CPythonThreaded { version },
                        (false, _) => PythonTag::python(version),
                    })
                }
                (true, true, Some(_)) => Err(err()),
            };
        }
        if is_lower_identifier(s) { Ok(PythonTag::Other(s.to_string())) } else { Err(err()) }
    }
}

// ---------------------------------------------------------------------------
// ABI tag

/// The ABI tag of a wheel: which binary interface its extensions need.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AbiTag {
    /// No ABI: pure Python, or extensions that do not use the Python C API: `none`.
    None,
    /// The Stable ABI of GIL builds (PEP 384/652): `abi3`.
    Abi3,
    /// The Stable ABI of free-threaded builds (PEP 803): `abi3t`.
    Abi3t,
    /// A year-named Stable ABI as proposed by PEP 809 (draft): `abi2026`.
    AbiYear(u16),
    /// A version-specific CPython ABI: `cp313`, `cp313t` (free-threaded),
    /// `cp313d` (debug), `cp313td`.
    CPython {
        /// The feature release.
        version: PyVersion,
        /// The `t` flag: a free-threaded build.
        free_threaded: bool,
        /// The `d` flag: a debug build.
        debug: bool,
    },
    /// A version-specific CPython ABI with the pre-3.8 flags `m` (pymalloc)
    /// or `u` (wide unicode, before 3.3): `cp37m`, `cp27mu`, `cp36dm`.
    CPythonLegacy {
        /// The feature release.
        version: PyVersion,
        /// The `d` flag: a debug build.
        debug: bool,
        /// The `m` flag: built with pymalloc.
        pymalloc: bool,
        /// The `u` flag: wide (UCS-4) unicode.
        ucs4: bool,
    },
    /// A well-formed ABI tag of another implementation: `pypy310_pp73`.
    Other(String),
}

impl AbiTag {
    /// The PEP 809 Stable ABI `abi2026`.
    pub const ABI2026: AbiTag = AbiTag::AbiYear(2026);

    /// The version-specific ABI of a non-debug CPython 3.8+ build: `cp313` or `cp313t`.
    pub const fn cpython(version: PyVersion, free_threaded: bool) -> Self {
        AbiTag::CPython { version, free_threaded, debug: false }
    }

    /// Whether this is a stable ABI (`abi3`, `abi3t` or `abiYYYY`).
    pub fn is_stable(&self) -> bool {
        matches!(self, AbiTag::Abi3 | AbiTag::Abi3t | AbiTag::AbiYear(_))
    }
}

impl fmt::Display for AbiTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |on: bool, c: &'static str| if on { c } else { "" };
        match self {
            AbiTag::None => f.write_str("none"),
            AbiTag::Abi3 => f.write_str("abi3"),
            AbiTag::Abi3t => f.write_str("abi3t"),
            AbiTag::AbiYear(year) => write!(f, "abi{year:04}"),
            AbiTag::CPython { version, free_threaded, debug } => {
                write!(f, "cp{}{}{}", version.tag_digits(), flag(*free_threaded, "t"), flag(*debug, "d"))
            }
            AbiTag::CPythonLegacy { version, debug, pymalloc, ucs4 } => {
                write!(f, "cp{}{}{}{}", version.tag_digits(), flag(*debug, "d"), flag(*pymalloc, "m"), flag(*ucs4, "u"))
            }
            AbiTag::Other(s) => f.write_str(s),
        }
    }
}

impl FromStr for AbiTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TagError::AbiTag(s.to_string());
        match s {
            "none" => return Ok(AbiTag::None),
            "abi3" => return Ok(AbiTag::Abi3),
            "abi3t" => return Ok(AbiTag::Abi3t),
            _ => {}
        }
        if let Some(rest) = s.strip_prefix("abi")
            && rest.starts_with(|c: char| c.is_ascii_digit())
        {
            if rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit()) {
                return rest.parse().map(AbiTag::AbiYear).map_err(|_| err());
            }
            return Err(err());
        }
        if let Some(rest) = s.strip_prefix("cp")
            && rest.starts_with(|c: char| c.is_ascii_digit())
        {
            let (digits, flags) = split_digits(rest);
            let version = tag_version(digits).ok_or_else(err)?;
            // Flags appear in the order CPython's ABIFLAGS writes them: t, d, m, u.
            let mut rest = flags;
            let mut take = |c: &str| match rest.strip_prefix(c) {
                Some(r) => {
                    rest = r;
                    true
                }
                None => false,
            };
            let (free_threaded, debug, pymalloc, ucs4) = (take("t"), take("d"), take("m"), take("u"));
            if !rest.is_empty() || (free_threaded && (pymalloc || ucs4)) {
                return Err(err());
            }
            return Ok(if pymalloc || ucs4 {
                AbiTag::CPythonLegacy { version, debug, pymalloc, ucs4 }
            } else {
                AbiTag::CPython { version, free_threaded, debug }
            });
        }
        if is_lower_identifier(s) { Ok(AbiTag::Other(s.to_string())) } else { Err(err()) }
    }
}

// ---------------------------------------------------------------------------
// Platform tag

/// The operating system a platform tag is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// `any`: every platform.
    Any,
    /// `linux_*`, `manylinux*`, `musllinux*`.
    Linux,
    /// `macosx_*`.
    Macos,
    /// `win32`, `win_amd64`, `win_arm64`.
    Windows,
    /// Anything else (`android_*`, `ios_*`, `emscripten_*`, …).
    Other,
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Os::Any => "any",
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
            Os::Other => "other",
        })
    }
}

/// The family a platform tag belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    /// `any`.
    Any,
    /// A plain Linux tag, not for PyPI: `linux_x86_64`.
    Linux,
    /// A glibc Linux tag: `manylinux_2_28_x86_64`, `manylinux2014_aarch64`, `manylinux1_x86_64`.
    Manylinux,
    /// A musl Linux tag: `musllinux_1_2_x86_64`.
    Musllinux,
    /// A macOS tag: `macosx_11_0_arm64`.
    Macos,
    /// A Windows tag: `win_amd64`, `win32`, `win_arm64`.
    Windows,
    /// Any other platform tag.
    Other,
}

/// A platform tag such as `manylinux_2_28_x86_64`, kept as written and classified on demand.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlatformTag(String);

impl PlatformTag {
    /// The platform tag `any`.
    pub fn any() -> Self {
        PlatformTag("any".to_string())
    }

    /// The tag as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is `any`.
    pub fn is_any(&self) -> bool {
        self.0 == "any"
    }

    /// Which family the tag belongs to.
    pub fn kind(&self) -> PlatformKind {
        let s = self.0.as_str();
        if s == "any" {
            PlatformKind::Any
        } else if s.starts_with("manylinux") {
            PlatformKind::Manylinux
        } else if s.starts_with("musllinux_") {
            PlatformKind::Musllinux
        } else if s.starts_with("linux_") {
            PlatformKind::Linux
        } else if s.starts_with("macosx_") {
            PlatformKind::Macos
        } else if s == "win32" || s.starts_with("win_") {
            PlatformKind::Windows
        } else {
            PlatformKind::Other
        }
    }

    /// The operating system.
    pub fn os(&self) -> Os {
        match self.kind() {
            PlatformKind::Any => Os::Any,
            PlatformKind::Linux | PlatformKind::Manylinux | PlatformKind::Musllinux => Os::Linux,
            PlatformKind::Macos => Os::Macos,
            PlatformKind::Windows => Os::Windows,
            PlatformKind::Other => Os::Other,
        }
    }

    /// The architecture as the tag spells it: `x86_64`, `aarch64`, `arm64`,
    /// `universal2`, `amd64`; `x86` for `win32`. `None` for `any` and for
    /// families whose layout is not known.
    pub fn arch(&self) -> Option<&str> {
        let s = self.0.as_str();
        match self.kind() {
            PlatformKind::Any | PlatformKind::Other => None,
            PlatformKind::Windows if s == "win32" => Some("x86"),
            PlatformKind::Windows => s.strip_prefix("win_"),
            PlatformKind::Linux => s.strip_prefix("linux_"),
            PlatformKind::Manylinux | PlatformKind::Musllinux | PlatformKind::Macos => {
                // `<family>_<major>_<minor>_<arch>`, or the legacy
                // `manylinux1_<arch>` / `manylinux2014_<arch>` with the
                // version fused into the family name.
                let fused = s.split('_').next().is_some_and(|f| f.ends_with(|c: char| c.is_ascii_digit()));
                let skip = if fused { 1 } else { 3 };
                s.splitn(skip + 1, '_').nth(skip).filter(|a| !a.is_empty())
            }
        }
    }
}

impl fmt::Display for PlatformTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PlatformTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = !s.is_empty() && s.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
        if ok { Ok(PlatformTag(s.to_string())) } else { Err(TagError::PlatformTag(s.to_string())) }
    }
}

// Tags order by their text (see the module documentation).
macro_rules! order_by_text {
    ($($t:ty),*) => {$(
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> Ordering {
                self.to_string().cmp(&other.to_string())
            }
        }
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}

order_by_text!(PythonTag, AbiTag, PlatformTag, Tag, TagSet);

// ---------------------------------------------------------------------------
// Tag and TagSet

/// One expanded wheel tag, as a `Tag:` line of `WHEEL` writes it: `cp313-cp313t-win_amd64`.
///
/// Orders by python, then ABI, then platform tag, each compared as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// `cp313`.
    pub python: PythonTag,
    /// `cp313t`.
    pub abi: AbiTag,
    /// `win_amd64`.
    pub platform: PlatformTag,
}

impl Tag {
    /// A tag from its three parts.
    pub fn new(python: PythonTag, abi: AbiTag, platform: PlatformTag) -> Self {
        Tag { python, abi, platform }
    }

    /// Why no CPython installer accepts this tag, or `None` if some interpreter
    /// (some CPython 3 version, GIL or free-threaded, debug or not) does.
    pub fn dead_reason(&self) -> Option<DeadReason> {
        dead_reason(self)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

impl FromStr for Tag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let set: TagSet = s.parse()?;
        match (&set.python[..], &set.abi[..], &set.platform[..]) {
            ([python], [abi], [platform]) => Ok(Tag::new(python.clone(), abi.clone(), platform.clone())),
            _ => Err(TagError::Compressed(s.to_string())),
        }
    }
}

/// A compressed tag set, as a wheel filename carries it:
/// `cp313.cp314-cp313t.cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64`.
///
/// The set means the cartesian product of its three fields ([`TagSet::expand`]).
/// Parsing keeps the order as written, so `Display` round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TagSet {
    /// The Python tags, in written order.
    pub python: Vec<PythonTag>,
    /// The ABI tags, in written order.
    pub abi: Vec<AbiTag>,
    /// The platform tags, in written order.
    pub platform: Vec<PlatformTag>,
}

impl TagSet {
    /// Whether any field is empty (then the set holds no tag).
    pub fn is_empty(&self) -> bool {
        self.python.is_empty() || self.abi.is_empty() || self.platform.is_empty()
    }

    /// Whether the set's product contains `tag`.
    pub fn contains(&self, tag: &Tag) -> bool {
        self.python.contains(&tag.python) && self.abi.contains(&tag.abi) && self.platform.contains(&tag.platform)
    }

    /// The tags the set means: the cartesian product, sorted and deduplicated.
    pub fn expand(&self) -> Vec<Tag> {
        let mut tags = Vec::with_capacity(self.python.len() * self.abi.len() * self.platform.len());
        for python in &self.python {
            for abi in &self.abi {
                for platform in &self.platform {
                    tags.push(Tag::new(python.clone(), abi.clone(), platform.clone()));
                }
            }
        }
        tags.sort();
        tags.dedup();
        tags
    }

    /// The smallest compressed set whose product covers `tags`: each field is
    /// the union of that field over `tags`, sorted as text and deduplicated
    /// (the order PEP 425 asks for). The product may hold more tags than
    /// `tags`; [`TagSet::covers_exactly`] says whether it does not.
    pub fn compress(tags: &[Tag]) -> TagSet {
        fn field<T: Clone + Ord>(tags: &[Tag], get: impl Fn(&Tag) -> &T) -> Vec<T> {
            let mut v: Vec<T> = tags.iter().map(|t| get(t).clone()).collect();
            v.sort();
            v.dedup();
            v
        }
        TagSet {
            python: field(tags, |t| &t.python),
            abi: field(tags, |t| &t.abi),
            platform: field(tags, |t| &t.platform),
        }
    }

    /// Whether the set's product is exactly `tags` (duplicates and order aside).
    /// `false` means the product is missing one of them or admits extra
    /// cross-product tags.
    pub fn covers_exactly(&self, tags: &[Tag]) -> bool {
        let mut want = tags.to_vec();
        want.sort();
        want.dedup();
        self.expand() == want
    }
}

impl fmt::Display for TagSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(".")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        join(f, &self.python)?;
        f.write_str("-")?;
        join(f, &self.abi)?;
        f.write_str("-")?;
        join(f, &self.platform)
    }
}

impl TagSet {
    /// Parse without wrapping a bad member's error in [`TagError::TagMember`].
    fn parse_unwrapped(s: &str) -> Result<Self, TagError> {
        let fields: Vec<&str> = s.split('-').collect();
        let [python, abi, platform] = fields[..] else {
            return Err(TagError::TagFields(s.to_string()));
        };
        if [python, abi, platform].iter().any(|f| f.split('.').any(str::is_empty)) {
            return Err(TagError::EmptyPart(s.to_string()));
        }
        fn members<T: FromStr<Err = TagError>>(field: &str) -> Result<Vec<T>, TagError> {
            field.split('.').map(str::parse).collect()
        }
        Ok(TagSet { python: members(python)?, abi: members(abi)?, platform: members(platform)? })
    }
}

impl FromStr for TagSet {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TagSet::parse_unwrapped(s).map_err(|e| match e {
            TagError::TagFields(_) | TagError::EmptyPart(_) => e,
            member => TagError::TagMember { input: s.to_string(), source: Box::new(member) },
        })
    }
}

// ---------------------------------------------------------------------------
// Wheel filenames

/// Normalize a project name for a wheel filename: lowercase, and every run of
/// `-`, `_` and `.` becomes one `_` (PEP 503 normalization, with `_` as the
/// binary distribution format's filename escape).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('_');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// A parsed wheel filename: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
///
/// Parts are kept as written, so `Display` round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// The distribution name as written (`abi3_abi3t_universal`).
    pub name: String,
    /// The version as written (`7.1.2`).
    pub version: String,
    /// The optional build tag (`1`, `2abc`).
    pub build: Option<String>,
    /// The compressed tag set.
    pub tags: TagSet,
}

impl WheelFilename {
    /// Parse the file name of a path (`dist/foo-1.0-py3-none-any.whl`); the
    /// file is not opened.
    pub fn from_path(path: &Path) -> Result<Self, TagError> {
        match path.file_name().and_then(|n| n.to_str()) {
            Some(name) => name.parse(),
            None => Err(TagError::NotWheel(path.display().to_string())),
        }
    }

    /// The name normalized with [`normalize_name`].
    pub fn normalized_name(&self) -> String {
        normalize_name(&self.name)
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name, self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        write!(f, "-{}.whl", self.tags)
    }
}

impl FromStr for WheelFilename {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let stem = s.strip_suffix(".whl").ok_or_else(|| TagError::NotWheel(s.to_string()))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, tags) = match parts[..] {
            [n, v, p, a, pl] => (n, v, None, [p, a, pl]),
            [n, v, b, p, a, pl] => (n, v, Some(b), [p, a, pl]),
            _ => return Err(TagError::WheelFields(s.to_string())),
        };
        if name.is_empty() || version.is_empty() {
            return Err(TagError::WheelFields(s.to_string()));
        }
        if let Some(b) = build
            && !b.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(TagError::BuildTag { filename: s.to_string(), build: b.to_string() });
        }
        let tags = TagSet::parse_unwrapped(&tags.join("-"))
            .map_err(|e| TagError::WheelTags { filename: s.to_string(), source: Box::new(e) })?;
        Ok(WheelFilename {
            name: name.to_string(),
            version: version.to_string(),
            build: build.map(str::to_string),
            tags,
        })
    }
}

// ---------------------------------------------------------------------------
// Installer acceptance

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
/// `cp3X-abi3` / `cp3X-abi3t` down to this version.
const STABLE_ABI_SINCE: u8 = 2;
/// The first CPython with free-threaded builds: 3.13.
const FREE_THREADED_SINCE: u8 = 13;
/// The first CPython that would accept `abi2026` under PEP 809: 3.15.
const PEP809_SINCE: u8 = 15;

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
    /// on every build of 3.15 and later, `abi2026` is accepted wherever the
    /// build's current stable ABI is (`cp3Y-abi2026` right after `cp3Y-abi3`
    /// or `cp3Y-abi3t`, and `cp3X-abi2026` for X from Y−1 down to 2, after
    /// each `cp3X-abi3`/`cp3X-abi3t`), and `py3-abi2026` after all the `cp3*`
    /// tags ("a wheel tagged `py3-abi2026-<plat>`" in PEP 809's Wheel tags
    /// section). PEP 809 is a draft; no installer implements this. Before
    /// 3.15 it equals [`Interpreter::supported`].
    pub fn supported_pep809(&self) -> Vec<(PythonTag, AbiTag)> {
        self.pairs(self.version.major == 3 && self.version.minor >= PEP809_SINCE)
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
    /// ([`Interpreter::supported_pep809`]).
    pub fn matched_tag_pep809(&self, set: &TagSet) -> Option<Tag> {
        first_match(&self.supported_pep809(), &self.supported_any(), set)
    }

    /// Whether an installer following the PEP 809 prototype accepts some tag of `set`.
    pub fn installs_pep809(&self, set: &TagSet) -> bool {
        self.matched_tag_pep809(set).is_some()
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

// ---------------------------------------------------------------------------
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

fn dead_reason(tag: &Tag) -> Option<DeadReason> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u8, minor: u8) -> PyVersion {
        PyVersion::new(major, minor)
    }

    fn set(s: &str) -> TagSet {
        s.parse().unwrap()
    }

    fn interp(s: &str) -> Interpreter {
        s.parse().unwrap()
    }

    fn pairs(v: &[(PythonTag, AbiTag)]) -> Vec<String> {
        v.iter().map(|(p, a)| format!("{p}-{a}")).collect()
    }

    #[test]
    fn ok_python_tags_round_trip() {
        let cases = [
            ("cp313", PythonTag::cpython(v(3, 13))),
            ("cp36", PythonTag::cpython(v(3, 6))),
            ("cp310", PythonTag::cpython(v(3, 10))),
            ("cp315t", PythonTag::CPythonThreaded { version: v(3, 15) }),
            ("cp3", PythonTag::CPythonMajor(3)),
            ("py3", PythonTag::python_major(3)),
            ("py30", PythonTag::python(v(3, 0))),
            ("py313", PythonTag::python(v(3, 13))),
            ("pp310", PythonTag::Other("pp310".into())),
            ("graalpy311", PythonTag::Other("graalpy311".into())),
            ("cpython", PythonTag::Other("cpython".into())),
        ];
        for (text, tag) in cases {
            assert_eq!(text.parse::<PythonTag>().unwrap(), tag, "{text}");
            assert_eq!(tag.to_string(), text);
        }
    }

    #[test]
    fn err_python_tags() {
        for bad in ["cp3x", "cp3t", "py313t", "cp303", "cp3256", "CP313", "", "3cp", "py-3"] {
            let e = bad.parse::<PythonTag>().unwrap_err();
            assert_eq!(e, TagError::PythonTag(bad.into()));
        }
        assert_eq!(
            "cp3x".parse::<PythonTag>().unwrap_err().to_string(),
            "'cp3x' is not a Python tag: expected cpXY, pyX or pyXY"
        );
    }

    #[test]
    fn ok_abi_tags_round_trip() {
        let cp = |minor, free_threaded, debug| AbiTag::CPython { version: v(3, minor), free_threaded, debug };
        let legacy = |major, minor, debug, pymalloc, ucs4| AbiTag::CPythonLegacy {
            version: v(major, minor),
            debug,
            pymalloc,
            ucs4,
        };
        let cases = [
            ("none", AbiTag::None),
            ("abi3", AbiTag::Abi3),
            ("abi3t", AbiTag::Abi3t),
            ("abi2026", AbiTag::ABI2026),
            ("abi2031", AbiTag::AbiYear(2031)),
            ("cp313", cp(13, false, false)),
            ("cp313t", cp(13, true, false)),
            ("cp38d", cp(8, false, true)),
            ("cp313td", cp(13, true, true)),
            ("cp37m", legacy(3, 7, false, true, false)),
            ("cp36dm", legacy(3, 6, true, true, false)),
            ("cp27mu", legacy(2, 7, false, true, true)),
            ("pypy310_pp73", AbiTag::Other("pypy310_pp73".into())),
        ];
        for (text, tag) in cases {
            assert_eq!(text.parse::<AbiTag>().unwrap(), tag, "{text}");
            assert_eq!(tag.to_string(), text);
        }
        assert!(AbiTag::Abi3t.is_stable() && !AbiTag::None.is_stable());
    }

    #[test]
    fn err_abi_tags() {
        for bad in ["cp313x", "cp3", "cp313tm", "cp313dt", "abi4", "abi20261", "ABI3", "", "abi3-"] {
            assert_eq!(bad.parse::<AbiTag>().unwrap_err(), TagError::AbiTag(bad.into()), "{bad}");
        }
        assert_eq!(
            "cp313x".parse::<AbiTag>().unwrap_err().to_string(),
            "'cp313x' is not an ABI tag: expected none, abi3, abi3t, abiYYYY, \
             or cpXY followed by the flags t and d"
        );
    }

    #[test]
    fn ok_platform_tags_classified() {
        let cases = [
            ("any", PlatformKind::Any, Os::Any, None),
            ("linux_x86_64", PlatformKind::Linux, Os::Linux, Some("x86_64")),
            ("manylinux_2_28_x86_64", PlatformKind::Manylinux, Os::Linux, Some("x86_64")),
            ("manylinux2014_aarch64", PlatformKind::Manylinux, Os::Linux, Some("aarch64")),
            ("manylinux1_x86_64", PlatformKind::Manylinux, Os::Linux, Some("x86_64")),
            ("musllinux_1_2_armv7l", PlatformKind::Musllinux, Os::Linux, Some("armv7l")),
            ("macosx_11_0_arm64", PlatformKind::Macos, Os::Macos, Some("arm64")),
            ("macosx_10_15_universal2", PlatformKind::Macos, Os::Macos, Some("universal2")),
            ("win_amd64", PlatformKind::Windows, Os::Windows, Some("amd64")),
            ("win_arm64", PlatformKind::Windows, Os::Windows, Some("arm64")),
            ("win32", PlatformKind::Windows, Os::Windows, Some("x86")),
            ("ios_13_0_arm64_iphoneos", PlatformKind::Other, Os::Other, None),
            ("manylinux_2_28", PlatformKind::Manylinux, Os::Linux, None),
        ];
        for (text, kind, os, arch) in cases {
            let p: PlatformTag = text.parse().unwrap();
            assert_eq!((p.kind(), p.os(), p.arch()), (kind, os, arch), "{text}");
            assert_eq!(p.to_string(), text);
            assert_eq!(p.as_str(), text);
        }
        assert_eq!(Os::Macos.to_string(), "macos");
    }

    #[test]
    fn err_platform_tags() {
        for bad in ["", "Win_amd64", "linux x86_64", "win+amd64"] {
            assert_eq!(bad.parse::<PlatformTag>().unwrap_err(), TagError::PlatformTag(bad.into()));
        }
        assert_eq!(
            "Win_amd64".parse::<PlatformTag>().unwrap_err().to_string(),
            "'Win_amd64' is not a platform tag: expected lowercase letters, digits and \
             underscores, such as manylinux_2_28_x86_64"
        );
    }

    #[test]
    fn ok_tag_round_trip_and_order() {
        let t: Tag = "cp313-cp313t-win_amd64".parse().unwrap();
        assert_eq!(t.python, PythonTag::cpython(v(3, 13)));
        assert_eq!(t.abi, AbiTag::cpython(v(3, 13), true));
        assert_eq!(t.platform.as_str(), "win_amd64");
        assert_eq!(t.to_string(), "cp313-cp313t-win_amd64");
        let mut tags: Vec<Tag> = ["cp39-abi3-any", "cp310-abi3-any", "cp310-abi3t-any", "cp310-abi3-win32"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        tags.sort();
        let texts: Vec<String> = tags.iter().map(Tag::to_string).collect();
        assert_eq!(texts, ["cp310-abi3-any", "cp310-abi3-win32", "cp310-abi3t-any", "cp39-abi3-any"]);
    }

    #[test]
    fn err_tags() {
        let e = "cp313.cp314-abi3-any".parse::<Tag>().unwrap_err();
        assert_eq!(e.to_string(), "'cp313.cp314-abi3-any' is a compressed tag set, not a single tag: expand it first");
        let e = "cp313-abi3".parse::<TagSet>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'cp313-abi3' is not a wheel tag: expected python-abi-platform, such as cp313-cp313t-win_amd64"
        );
        assert_eq!("cp313-abi3-any-x".parse::<TagSet>().unwrap_err(), TagError::TagFields("cp313-abi3-any-x".into()));
        let e = "cp313..cp314-abi3-any".parse::<TagSet>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'cp313..cp314-abi3-any' is not a wheel tag: a field or a dotted member of one is empty"
        );
        assert_eq!("cp313--any".parse::<TagSet>().unwrap_err(), TagError::EmptyPart("cp313--any".into()));
        let e = "cp313-abi3x-any".parse::<TagSet>().unwrap_err();
        assert_eq!(
            e,
            TagError::TagMember { input: "cp313-abi3x-any".into(), source: Box::new(TagError::AbiTag("abi3x".into())) }
        );
        assert_eq!(
            crate::output::chain(&e),
            "'cp313-abi3x-any' is not a valid wheel tag: 'abi3x' is not an ABI tag: expected \
             none, abi3, abi3t, abiYYYY, or cpXY followed by the flags t and d"
        );
    }

    #[test]
    fn ok_tag_set_round_trip_expand_compress() {
        let text = "cp313.cp314-cp313t.cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64";
        let s = set(text);
        assert_eq!(s.to_string(), text);
        assert_eq!(s.python.len(), 2);
        let expanded = s.expand();
        assert_eq!(expanded.len(), 8);
        assert!(expanded.windows(2).all(|w| w[0] < w[1]));
        assert!(s.covers_exactly(&expanded));

        let s = set("cp313.cp314-cp313t.cp314t-linux_x86_64");
        let texts: Vec<String> = s.expand().iter().map(Tag::to_string).collect();
        assert_eq!(
            texts,
            [
                "cp313-cp313t-linux_x86_64",
                "cp313-cp314t-linux_x86_64",
                "cp314-cp313t-linux_x86_64",
                "cp314-cp314t-linux_x86_64",
            ]
        );
        // The two tags a per-version merge would really produce do not compress exactly.
        let real: Vec<Tag> =
            ["cp314-cp314t-linux_x86_64", "cp313-cp313t-linux_x86_64"].iter().map(|t| t.parse().unwrap()).collect();
        let c = TagSet::compress(&real);
        assert_eq!(c.to_string(), "cp313.cp314-cp313t.cp314t-linux_x86_64");
        assert!(!c.covers_exactly(&real));
        assert!(c.expand().iter().all(|t| c.contains(t)));

        // abi3.abi3t compresses exactly, fields sorted as text.
        let universal: Vec<Tag> = ["cp315-abi3t-win_amd64", "cp315-abi3-win_amd64", "cp315-abi3-win_amd64"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        let c = TagSet::compress(&universal);
        assert_eq!(c.to_string(), "cp315-abi3.abi3t-win_amd64");
        assert!(c.covers_exactly(&universal));
        let c = TagSet::compress(&["cp39-abi3-any".parse().unwrap(), "cp310-abi3-any".parse().unwrap()]);
        assert_eq!(c.to_string(), "cp310.cp39-abi3-any");

        // Written order is kept; duplicates expand once.
        let s = set("py3.py2.py3-none-any");
        assert_eq!(s.to_string(), "py3.py2.py3-none-any");
        assert_eq!(s.expand().len(), 2);
        assert!(TagSet::compress(&[]).is_empty());
    }

    #[test]
    fn ok_sample_wheel_filenames_round_trip() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "whl") {
                continue;
            }
            let name = path.file_name().unwrap().to_str().unwrap();
            let w = WheelFilename::from_path(&path).unwrap();
            assert_eq!(w.to_string(), name);
            assert_eq!(w.build, None);
            assert!(!w.tags.expand().is_empty());
            assert!(dead_tags(&w.tags).is_empty(), "{name}");
            n += 1;
        }
        assert!(n >= 11);
        let w: WheelFilename =
            "psutil-7.1.2-cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
                .parse()
                .unwrap();
        assert_eq!((w.name.as_str(), w.version.as_str()), ("psutil", "7.1.2"));
        assert_eq!(w.tags.platform.len(), 3);
        let w: WheelFilename = "Foo.Bar-1.0-1b-py3-none-any.whl".parse().unwrap();
        assert_eq!(w.build.as_deref(), Some("1b"));
        assert_eq!(w.normalized_name(), "foo_bar");
        assert_eq!(w.to_string(), "Foo.Bar-1.0-1b-py3-none-any.whl");
    }

    #[test]
    fn err_wheel_filenames() {
        let e = "foo-1.0-py3-none-any.zip".parse::<WheelFilename>().unwrap_err();
        assert_eq!(e.to_string(), "'foo-1.0-py3-none-any.zip' is not a wheel filename: it does not end in .whl");
        let e = "foo-1.0-py3-none.whl".parse::<WheelFilename>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'foo-1.0-py3-none.whl' is not a wheel filename: expected name-version(-build)-python-abi-platform.whl"
        );
        let e = "foo-1.0-b1-py3-none-any.whl".parse::<WheelFilename>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'foo-1.0-b1-py3-none-any.whl' is not a wheel filename: its build tag 'b1' does not start with a digit"
        );
        let e = "foo-1.0-cp3x-none-any.whl".parse::<WheelFilename>().unwrap_err();
        assert_eq!(
            crate::output::chain(&e),
            "'foo-1.0-cp3x-none-any.whl' is not a wheel filename: its tags are invalid: \
             'cp3x' is not a Python tag: expected cpXY, pyX or pyXY"
        );
        assert!(matches!("-1.0-py3-none-any.whl".parse::<WheelFilename>(), Err(TagError::WheelFields(_))));
        assert!(WheelFilename::from_path(Path::new("/")).is_err());
    }

    #[test]
    fn ok_normalize_name() {
        for (name, want) in [
            ("Foo", "foo"),
            ("foo-bar", "foo_bar"),
            ("Foo.._-Bar", "foo_bar"),
            ("abi3-abi3t-universal", "abi3_abi3t_universal"),
            ("zope.interface", "zope_interface"),
        ] {
            assert_eq!(normalize_name(name), want);
        }
    }

    #[test]
    fn ok_interpreters_list() {
        let names: Vec<String> = interpreters().iter().map(Interpreter::to_string).collect();
        assert_eq!(names, ["3.10", "3.11", "3.12", "3.13", "3.13t", "3.14", "3.14t", "3.15", "3.15t", "3.16", "3.16t"]);
        assert!("3.14x".parse::<Interpreter>().is_err());
        assert_eq!(interp("3.14t"), Interpreter::new(v(3, 14), true));
    }

    #[test]
    fn ok_supported_order_gil() {
        assert_eq!(
            pairs(&interp("3.5").supported()),
            [
                "cp35-cp35m",
                "cp35-abi3",
                "cp35-none",
                "cp34-abi3",
                "cp33-abi3",
                "cp32-abi3",
                "py35-none",
                "py3-none",
                "py34-none",
                "py33-none",
                "py32-none",
                "py31-none",
                "py30-none",
            ]
        );
        let s = pairs(&interp("3.15").supported());
        assert_eq!(s[..5], ["cp315-cp315", "cp315-abi3", "cp315-none", "cp314-abi3", "cp313-abi3"]);
        assert!(!s.iter().any(|p| p.contains("abi3t") || p.contains("abi2026")));
        assert_eq!(s.len(), 3 + 13 + 2 + 15);
        assert_eq!(pairs(&interp("3.13").supported_any())[..4], ["cp313-none", "py313-none", "py3-none", "py312-none"]);
    }

    #[test]
    fn ok_supported_order_free_threaded() {
        let s = pairs(&interp("3.14t").supported());
        assert_eq!(s[..5], ["cp314-cp314t", "cp314-abi3t", "cp314-none", "cp313-abi3t", "cp312-abi3t"]);
        assert_eq!(s[14], "cp32-abi3t");
        assert_eq!(s[15..18], ["py314-none", "py3-none", "py313-none"]);
        assert!(!s.iter().any(|p| p.ends_with("-abi3")));
    }

    #[test]
    fn ok_supported_pep809() {
        assert_eq!(interp("3.14").supported_pep809(), interp("3.14").supported());
        let s = pairs(&interp("3.15t").supported_pep809());
        assert_eq!(
            s[..7],
            [
                "cp315-cp315t",
                "cp315-abi3t",
                "cp315-abi2026",
                "cp315-none",
                "cp314-abi3t",
                "cp314-abi2026",
                "cp313-abi3t",
            ]
        );
        assert!(s.contains(&"py3-abi2026".to_string()));
        let s = pairs(&interp("3.16").supported_pep809());
        assert_eq!(s[..4], ["cp316-cp316", "cp316-abi3", "cp316-abi2026", "cp316-none"]);
    }

    #[test]
    fn ok_matched_tags() {
        let all = interpreters();
        let installers = |s: &str| -> Vec<String> {
            let s = set(s);
            all.iter().filter(|i| i.installs(&s)).map(Interpreter::to_string).collect()
        };
        assert_eq!(
            installers("cp313-abi3.abi3t-manylinux_2_28_x86_64"),
            ["3.13", "3.13t", "3.14", "3.14t", "3.15", "3.15t", "3.16", "3.16t"]
        );
        assert_eq!(installers("cp315-abi3.abi3t-win_amd64"), ["3.15", "3.15t", "3.16", "3.16t"]);
        assert_eq!(installers("cp315-abi3t-win_amd64"), ["3.15t", "3.16t"]);
        assert!(installers("cp315t-abi3t-win_amd64").is_empty());
        assert!(installers("cp315-abi2026-win_amd64").is_empty());
        assert_eq!(installers("cp313-cp313t-win_amd64"), ["3.13t"]);
        assert_eq!(installers("cp313.cp314-cp313t.cp314t-win_amd64"), ["3.13t", "3.14t"]);
        assert_eq!(installers("cp36-abi3-win_amd64"), ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.16"]);
        assert_eq!(installers("cp313-none-any").len(), 2);
        assert!(installers("cp313-abi3-any").is_empty());
        assert_eq!(installers("py3-none-any").len(), 11);

        let m = |i: &str, s: &str| interp(i).matched_tag(&set(s)).map(|t| t.to_string());
        assert_eq!(m("3.14t", "cp313-abi3.abi3t-win_amd64").as_deref(), Some("cp313-abi3t-win_amd64"));
        assert_eq!(m("3.14", "cp310.cp313-abi3-win_amd64").as_deref(), Some("cp313-abi3-win_amd64"));
        assert_eq!(m("3.14", "cp314.py3-cp314.none-linux_x86_64.any").as_deref(), Some("cp314-cp314-linux_x86_64"));
        // Concrete-platform generic tags rank before `any`; platforms in written order.
        assert_eq!(m("3.13", "cp313.py3-none-any.win_amd64.win32").as_deref(), Some("cp313-none-win_amd64"));
        assert_eq!(m("3.13", "cp313-none-any").as_deref(), Some("cp313-none-any"));
        assert_eq!(
            interp("3.15").matched_tag_pep809(&set("cp315-abi2026-win_amd64")).map(|t| t.to_string()).as_deref(),
            Some("cp315-abi2026-win_amd64")
        );
        assert!(interp("3.14t").installs_pep809(&set("cp313-abi3t-win_amd64")));
        assert!(!interp("3.14t").installs_pep809(&set("cp315-abi2026-win_amd64")));
        assert!(interp("3.16t").installs_pep809(&set("py3-abi2026-win_amd64")));
    }

    #[test]
    fn ok_dead_tags_with_reasons() {
        let reason = |t: &str| t.parse::<Tag>().unwrap().dead_reason();
        let cases = [
            ("cp315t-abi3t-win_amd64", Some(DeadReason::PythonTagFlag)),
            ("cp3-abi3-win_amd64", Some(DeadReason::PythonMajorOnly)),
            ("py2-none-any", Some(DeadReason::NotPython3)),
            ("cp27-cp27mu-linux_x86_64", Some(DeadReason::NotPython3)),
            ("pp310-pypy310_pp73-win_amd64", Some(DeadReason::OtherImplementation)),
            ("py3-abi3-win_amd64", Some(DeadReason::GenericWithAbi)),
            ("cp313-cp314t-win_amd64", Some(DeadReason::VersionMismatch)),
            ("cp312-cp312t-win_amd64", Some(DeadReason::FreeThreadedTooOld)),
            ("cp38-cp38m-win_amd64", Some(DeadReason::LegacyFlagTooNew)),
            ("cp31-abi3-win_amd64", Some(DeadReason::StableAbiTooOld)),
            ("cp315-abi2026-win_amd64", Some(DeadReason::AbiYear(2026))),
            ("cp313-pypy310_pp73-win_amd64", Some(DeadReason::OtherAbi)),
            ("cp313-abi3-any", Some(DeadReason::BinaryAbiOnAny)),
            ("cp313-cp313t-win_amd64", None),
            ("cp313-abi3t-win_amd64", None),
            ("cp32-abi3t-win_amd64", None),
            ("cp37-cp37m-win_amd64", None),
            ("cp38-cp38d-win_amd64", None),
            ("cp313-none-any", None),
            ("py313-none-any", None),
        ];
        for (tag, want) in cases {
            assert_eq!(reason(tag), want, "{tag}");
        }
        let dead = dead_tags(&set("cp313.cp314-cp313t.cp314t-win_amd64"));
        let texts: Vec<String> = dead.iter().map(|d| format!("{}: {}", d.tag, d.reason)).collect();
        assert_eq!(
            texts,
            [
                "cp313-cp314t-win_amd64: a version-specific ABI is accepted only with the Python tag of the same version",
                "cp314-cp313t-win_amd64: a version-specific ABI is accepted only with the Python tag of the same version",
            ]
        );
        assert_eq!(
            DeadReason::PythonTagFlag.to_string(),
            "the Python tag carries a 't': installers put it only in the ABI tag (cp315-cp315t, cp315-abi3t)"
        );
        assert_eq!(
            DeadReason::AbiYear(2026).to_string(),
            "no installer accepts abi2026 yet: PEP 809 is a draft (see the PEP 809 column)"
        );
        assert_eq!(DeadReason::AbiYear(2031).to_string(), "no installer accepts abi2031: PEP 809 defines only abi2026");
    }

    /// A tag is dead exactly when no modelled interpreter (3.0 to 3.40, GIL and
    /// free-threaded from 3.13) accepts it — for tags without debug or legacy flags.
    #[test]
    fn ok_dead_tag_harm() {
        let harms = |s: &str| dead_tags(&set(s)).into_iter().map(|d| (d.tag.to_string(), d.harm)).collect::<Vec<_>>();
        // Cross products beside live tags of the same ABI: harmless.
        assert_eq!(
            harms("cp313.cp314-cp313t.cp314t-win_amd64"),
            [
                ("cp313-cp314t-win_amd64".to_string(), Harm::Harmless),
                ("cp314-cp313t-win_amd64".to_string(), Harm::Harmless)
            ]
        );
        // The only tag for abi3t: harmful.
        assert_eq!(
            harms("cp315t-abi3t-manylinux_2_28_x86_64"),
            [("cp315t-abi3t-manylinux_2_28_x86_64".to_string(), Harm::Harmful)]
        );
        assert_eq!(harms("cp315-abi2026-win_amd64"), [("cp315-abi2026-win_amd64".to_string(), Harm::Prototype)]);
        // PyPy tags are not dead: another implementation.
        assert!(harms("pp311-pypy311_pp73-manylinux_2_17_x86_64").is_empty());
        assert_eq!(other_implementation_tags(&set("pp311-pypy311_pp73-win_amd64")).len(), 1);
    }

    #[test]
    fn ok_dead_agrees_with_acceptance() {
        let pythons =
            ["cp31", "cp32", "cp310", "cp313", "cp315", "cp3", "cp315t", "py3", "py30", "py313", "py2", "pp310"];
        let abis = ["none", "abi3", "abi3t", "abi2026", "cp310", "cp313", "cp313t", "cp312t", "cp315t", "pypy310_pp73"];
        let every: Vec<Interpreter> = (0..=40)
            .flat_map(|minor| {
                let mut v = vec![Interpreter::new(PyVersion::new(3, minor), false)];
                if minor >= 13 {
                    v.push(Interpreter::new(PyVersion::new(3, minor), true));
                }
                v
            })
            .collect();
        for p in pythons {
            for a in abis {
                for plat in ["win_amd64", "any"] {
                    let s = set(&format!("{p}-{a}-{plat}"));
                    let alive = every.iter().any(|i| i.installs(&s));
                    let not_accepted = !dead_tags(&s).is_empty() || !other_implementation_tags(&s).is_empty();
                    assert_eq!(!not_accepted, alive, "{s}");
                    assert!(dead_tags(&s).iter().all(|d| !is_other_implementation(&d.tag)), "{s}");
                }
            }
        }
    }

    #[test]
    fn ok_no_panic_on_odd_inputs() {
        let alphabet =
            ["cp", "py", "3", "1", "0", "t", "d", "m", "u", "-", ".", "_", "abi", "any", "x", "é", "", "whl"];
        let mut seed: u64 = 0x2026;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(seed % 9) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let _ = s.parse::<PythonTag>();
            let _ = s.parse::<AbiTag>();
            let _ = s.parse::<PlatformTag>().map(|p| (p.arch().map(str::len), p.os()));
            let _ = s.parse::<Tag>();
            if let Ok(set) = s.parse::<TagSet>() {
                assert_eq!(set.to_string(), s);
                let _ = dead_tags(&set);
                for i in interpreters() {
                    let _ = i.matched_tag_pep809(&set);
                }
            }
            let _ = format!("{s}.whl").parse::<WheelFilename>();
            let _ = normalize_name(&s);
        }
    }
}
