//! The extension suffixes each interpreter tries, in order, from `specs/suffixes.toml`.
//!
//! `import` loads the first file whose name is `<module><suffix>` for the first
//! suffix in the interpreter's list that exists. This module turns the data into
//! that list for one interpreter on one platform.

use serde::Deserialize;

use crate::version::PyVersion;

const EMBEDDED: &str = include_str!("../specs/suffixes.toml");

/// Operating-system families whose suffix rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuffixOs {
    /// Linux, macOS and other PEP 3149 systems (`.so`).
    Unix,
    /// Windows (`.pyd`).
    Windows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Build {
    Gil,
    FreeThreaded,
}

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    os: SuffixOs,
    build: Build,
    since: PyVersion,
    suffixes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Pep809 {
    pep_specified: bool,
    since: PyVersion,
    unix_suffixes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    table: Vec<Entry>,
    pep809_prototype: Pep809,
}

/// The parsed suffix table.
#[derive(Debug, Clone)]
pub struct SuffixTable {
    file: File,
}

/// `specs/suffixes.toml` could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("specs/suffixes.toml is not a valid suffix table")]
pub struct SuffixError(#[source] toml::de::Error);

/// Where an interpreter runs, as far as suffixes care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuffixPlatform {
    pub os: SuffixOs,
    /// The platform part of suffixes: `x86_64-linux-gnu`, `darwin`, `win_amd64`.
    pub part: String,
}

impl SuffixPlatform {
    /// The suffix platform of a wheel platform tag (`manylinux_2_17_x86_64`,
    /// `macosx_11_0_arm64`, `win_amd64`); `None` for `any` and unknown platforms.
    pub fn from_platform_tag(tag: &str) -> Option<SuffixPlatform> {
        let unix = |part: &str| Some(SuffixPlatform { os: SuffixOs::Unix, part: part.to_string() });
        if tag.starts_with("win") {
            return Some(SuffixPlatform { os: SuffixOs::Windows, part: tag.to_string() });
        }
        if tag.starts_with("macosx_") {
            return unix("darwin");
        }
        let libc = if tag.starts_with("musllinux_") {
            "musl"
        } else if tag.starts_with("manylinux") || tag.starts_with("linux_") {
            "gnu"
        } else {
            return None;
        };
        let arch = linux_arch(tag)?;
        let triple = match arch {
            "x86_64" => format!("x86_64-linux-{libc}"),
            "i686" => format!("i386-linux-{libc}"),
            "aarch64" => format!("aarch64-linux-{libc}"),
            "armv7l" => format!("arm-linux-{libc}eabihf"),
            "ppc64le" => format!("powerpc64le-linux-{libc}"),
            "ppc64" => format!("powerpc64-linux-{libc}"),
            "s390x" => format!("s390x-linux-{libc}"),
            "riscv64" => format!("riscv64-linux-{libc}"),
            "loongarch64" => format!("loongarch64-linux-{libc}"),
            _ => return None,
        };
        unix(&triple)
    }
}

/// The architecture at the end of a Linux platform tag.
fn linux_arch(tag: &str) -> Option<&str> {
    const ARCHES: [&str; 9] =
        ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "ppc64", "s390x", "riscv64", "loongarch64"];
    ARCHES.into_iter().find(|a| tag.ends_with(&format!("_{a}")))
}

impl SuffixTable {
    /// The table compiled into uniabi.
    pub fn embedded() -> Result<SuffixTable, SuffixError> {
        SuffixTable::parse(EMBEDDED)
    }

    /// Parse a table in the `specs/suffixes.toml` format.
    pub fn parse(text: &str) -> Result<SuffixTable, SuffixError> {
        toml::from_str(text).map(|file| SuffixTable { file }).map_err(SuffixError)
    }

    /// Whether PEP 809 specifies the prototype's abi2026 suffixes (it does not).
    pub fn pep809_suffix_specified(&self) -> bool {
        self.file.pep809_prototype.pep_specified
    }

    /// The suffixes CPython `version` (free-threaded or not) tries on `platform`,
    /// in order. With `pep809`, the prototype's abi2026 suffixes are added.
    pub fn suffixes(
        &self,
        version: PyVersion,
        free_threaded: bool,
        platform: &SuffixPlatform,
        pep809: bool,
    ) -> Vec<String> {
        let build = if free_threaded { Build::FreeThreaded } else { Build::Gil };
        let entry = self
            .file
            .table
            .iter()
            .filter(|e| e.os == platform.os && e.build == build && e.since <= version)
            .max_by_key(|e| e.since);
        let Some(entry) = entry else {
            return Vec::new();
        };
        let mut list: Vec<String> = entry.suffixes.clone();
        let proto = &self.file.pep809_prototype;
        if pep809 && platform.os == SuffixOs::Unix && version >= proto.since {
            let at = list.iter().position(|s| s == ".so").unwrap_or(list.len());
            list.splice(at..at, proto.unix_suffixes.iter().cloned());
        }
        let digits = version.tag_digits();
        list.into_iter().map(|s| s.replace("{XY}", &digits).replace("{platform}", &platform.part)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> SuffixPlatform {
        SuffixPlatform::from_platform_tag("manylinux_2_28_x86_64").unwrap()
    }

    fn v(minor: u8) -> PyVersion {
        PyVersion::new(3, minor)
    }

    #[test]
    fn ok_linux_suffixes_match_pep_803_and_domain() {
        let t = SuffixTable::embedded().unwrap();
        assert_eq!(t.suffixes(v(14), false, &linux(), false), [".cpython-314-x86_64-linux-gnu.so", ".abi3.so", ".so"]);
        assert_eq!(t.suffixes(v(14), true, &linux(), false), [".cpython-314t-x86_64-linux-gnu.so", ".abi3.so", ".so"]);
        assert_eq!(
            t.suffixes(v(15), false, &linux(), false),
            [
                ".cpython-315-x86_64-linux-gnu.so",
                ".abi3-x86_64-linux-gnu.so",
                ".abi3.so",
                ".abi3t-x86_64-linux-gnu.so",
                ".abi3t.so",
                ".so"
            ]
        );
        assert_eq!(
            t.suffixes(v(16), true, &linux(), false),
            [".cpython-316t-x86_64-linux-gnu.so", ".abi3t-x86_64-linux-gnu.so", ".abi3t.so", ".so"]
        );
        assert!(t.suffixes(v(12), true, &linux(), false).is_empty(), "no free-threaded build before 3.13");
    }

    #[test]
    fn ok_macos_windows_and_pep809() {
        let t = SuffixTable::embedded().unwrap();
        let mac = SuffixPlatform::from_platform_tag("macosx_11_0_arm64").unwrap();
        assert_eq!(t.suffixes(v(13), true, &mac, false), [".cpython-313t-darwin.so", ".abi3.so", ".so"]);
        let win = SuffixPlatform::from_platform_tag("win_amd64").unwrap();
        assert_eq!(t.suffixes(v(13), true, &win, false), [".cp313t-win_amd64.pyd", ".pyd"]);
        assert_eq!(t.suffixes(v(15), false, &win, true), [".cp315-win_amd64.pyd", ".pyd"]);
        assert_eq!(
            t.suffixes(v(15), true, &mac, true),
            [".cpython-315t-darwin.so", ".abi3t-darwin.so", ".abi3t.so", ".abi2026-darwin.so", ".abi2026.so", ".so"]
        );
        assert!(!t.suffixes(v(14), false, &mac, true).iter().any(|s| s.contains("abi2026")));
        assert!(!t.pep809_suffix_specified());
    }

    #[test]
    fn ok_platform_tags() {
        let p = |t: &str| SuffixPlatform::from_platform_tag(t).map(|p| p.part);
        assert_eq!(p("manylinux2014_aarch64").as_deref(), Some("aarch64-linux-gnu"));
        assert_eq!(p("musllinux_1_2_x86_64").as_deref(), Some("x86_64-linux-musl"));
        assert_eq!(p("manylinux_2_17_ppc64le").as_deref(), Some("powerpc64le-linux-gnu"));
        assert_eq!(p("linux_armv7l").as_deref(), Some("arm-linux-gnueabihf"));
        assert_eq!(p("macosx_10_15_universal2").as_deref(), Some("darwin"));
        assert_eq!(p("win32").as_deref(), Some("win32"));
        assert_eq!(p("any"), None);
    }

    #[test]
    fn err_bad_table() {
        let e = SuffixTable::parse("table = 3").unwrap_err();
        assert_eq!(e.to_string(), "specs/suffixes.toml is not a valid suffix table");
    }
}
