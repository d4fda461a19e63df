//! ABI tags (`abi3`, `abi3t`, `abi2026`, `cp313t`): the second field of a wheel tag.

use std::fmt;
use std::str::FromStr;

use super::TagError;
use super::python::{is_lower_identifier, split_digits, tag_version};
use crate::version::PyVersion;

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
