//! Python tags (`cp313`, `py3`, `pp310`): the first field of a wheel tag, and the digit lexing the ABI tag shares.

use std::fmt;
use std::str::FromStr;

use super::TagError;
use crate::version::PyVersion;

// Small lexing helpers

/// `[a-z_][a-z0-9_]*`: the shape of an implementation's tag (`pp310`, `graalpy311`).
pub(super) fn is_lower_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_')) && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// Split `s` into its leading ASCII digits and the rest.
pub(super) fn split_digits(s: &str) -> (&str, &str) {
    let end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// The version a tag's digits spell: first digit major, the rest minor (`310` is 3.10).
///
/// `None` for a single digit, a minor with a leading zero (`303`), or a minor above 255.
pub(super) fn tag_version(digits: &str) -> Option<PyVersion> {
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
