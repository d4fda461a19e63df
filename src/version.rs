//! CPython feature versions (`3.15`), as used by tags, manifests and reports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A CPython feature release, such as `3.15`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion {
    pub major: u8,
    pub minor: u8,
}

impl PyVersion {
    pub const fn new(major: u8, minor: u8) -> Self {
        PyVersion { major, minor }
    }

    /// The version as `PY_VERSION_HEX` writes it for a `.0` release: `0x030F0000` for 3.15.
    pub const fn hex(self) -> u32 {
        ((self.major as u32) << 24) | ((self.minor as u32) << 16)
    }

    /// The digits a tag uses: `315` for 3.15.
    pub fn tag_digits(self) -> String {
        format!("{}{}", self.major, self.minor)
    }
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A version string that is not `MAJOR.MINOR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a Python version of the form 3.15")]
pub struct VersionError(pub String);

impl FromStr for PyVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || VersionError(s.to_string());
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let digits = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return Err(err());
        }
        Ok(PyVersion { major: major.parse().map_err(|_| err())?, minor: minor.parse().map_err(|_| err())? })
    }
}

impl Serialize for PyVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PyVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_parse_and_print() {
        let v: PyVersion = "3.15".parse().unwrap();
        assert_eq!(v, PyVersion::new(3, 15));
        assert_eq!(v.to_string(), "3.15");
        assert_eq!(v.hex(), 0x030F_0000);
        assert_eq!(v.tag_digits(), "315");
        assert!(PyVersion::new(3, 9) < PyVersion::new(3, 10));
    }

    #[test]
    fn err_parse() {
        for bad in ["3", "3.", ".15", "3.15.1", "a.b", "", "3.1000"] {
            let e = bad.parse::<PyVersion>().unwrap_err();
            assert_eq!(e.to_string(), format!("'{bad}' is not a Python version of the form 3.15"));
        }
    }
}
