//! The extension suffixes each interpreter tries, in order, from `specs/suffixes.toml`.
//!
//! `import` loads the first file whose name is `<module><suffix>` for the first
//! suffix in the interpreter's list that exists. This module turns the data into
//! that list for one interpreter on one platform.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::tags::{Platform, PlatformTag};
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

/// The platform part of suffixes per wheel platform family, keyed by the
/// architecture as the family's tags spell it (the SDK on iOS).
#[derive(Debug, Clone, Deserialize)]
struct PlatformParts {
    manylinux: BTreeMap<String, String>,
    musllinux: BTreeMap<String, String>,
    macosx: String,
    ios: BTreeMap<String, String>,
    android: BTreeMap<String, String>,
    emscripten: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    table: Vec<Entry>,
    platform_parts: PlatformParts,
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

impl SuffixTable {
    /// The table compiled into uniabi.
    pub fn embedded() -> Result<SuffixTable, SuffixError> {
        SuffixTable::parse(EMBEDDED)
    }

    /// Parse a table in the `specs/suffixes.toml` format.
    pub fn parse(text: &str) -> Result<SuffixTable, SuffixError> {
        toml::from_str(text).map(|file| SuffixTable { file }).map_err(SuffixError)
    }

    /// Where an interpreter for a wheel platform tag runs, as far as suffixes care:
    /// `manylinux_2_17_x86_64` → `x86_64-linux-gnu`, `macosx_11_0_arm64` → `darwin`,
    /// `ios_13_0_arm64_iphoneos` → `iphoneos`, `android_24_arm64_v8a` →
    /// `aarch64-linux-android`, `pyemscripten_2025_0_wasm32` → `wasm32-emscripten`,
    /// `win_amd64` → `win_amd64`. `None` for `any` and platforms whose suffixes
    /// the table does not know.
    pub fn platform(&self, tag: &PlatformTag) -> Option<SuffixPlatform> {
        let parts = &self.file.platform_parts;
        let unix = |part: Option<&String>| part.map(|p| SuffixPlatform { os: SuffixOs::Unix, part: p.clone() });
        match tag.platform() {
            Platform::Windows { .. } => Some(SuffixPlatform { os: SuffixOs::Windows, part: tag.as_str().to_string() }),
            Platform::Manylinux { arch, .. } | Platform::Linux { arch } => unix(parts.manylinux.get(arch)),
            Platform::Musllinux { arch, .. } => unix(parts.musllinux.get(arch)),
            Platform::Macos { .. } => unix(Some(&parts.macosx)),
            Platform::Ios { simulator, .. } => {
                unix(parts.ios.get(if *simulator { "iphonesimulator" } else { "iphoneos" }))
            }
            Platform::Android { abi, .. } => unix(parts.android.get(abi)),
            Platform::Emscripten { arch, .. } => unix(parts.emscripten.get(arch)),
            Platform::Any | Platform::Other => None,
        }
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

    fn platform(tag: &str) -> SuffixPlatform {
        SuffixTable::embedded().unwrap().platform(&tag.parse().unwrap()).unwrap()
    }

    fn linux() -> SuffixPlatform {
        platform("manylinux_2_28_x86_64")
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
        let mac = platform("macosx_11_0_arm64");
        assert_eq!(t.suffixes(v(13), true, &mac, false), [".cpython-313t-darwin.so", ".abi3.so", ".so"]);
        let win = platform("win_amd64");
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
        let t = SuffixTable::embedded().unwrap();
        let p = |tag: &str| t.platform(&tag.parse().unwrap()).map(|p| p.part);
        assert_eq!(p("manylinux2014_aarch64").as_deref(), Some("aarch64-linux-gnu"));
        assert_eq!(p("musllinux_1_2_x86_64").as_deref(), Some("x86_64-linux-musl"));
        assert_eq!(p("musllinux_1_2_armv7l").as_deref(), Some("arm-linux-musleabihf"));
        assert_eq!(p("manylinux_2_17_ppc64le").as_deref(), Some("powerpc64le-linux-gnu"));
        assert_eq!(p("manylinux_2_17_i686").as_deref(), Some("i386-linux-gnu"));
        assert_eq!(p("linux_armv7l").as_deref(), Some("arm-linux-gnueabihf"));
        assert_eq!(p("macosx_10_15_universal2").as_deref(), Some("darwin"));
        assert_eq!(p("win32").as_deref(), Some("win32"));
        assert_eq!(p("any"), None);
        assert_eq!(p("solaris_2_11_sun4v"), None);
    }

    #[test]
    fn ok_mobile_and_emscripten_suffixes_match_cpython_and_real_wheels() {
        // What markupsafe 3.0.4's iOS and Android wheels, and msgpack 1.2.4's
        // pyemscripten wheel, name their modules (see specs/suffixes.toml).
        let t = SuffixTable::embedded().unwrap();
        let first = |tag: &str, minor: u8, ft: bool| t.suffixes(v(minor), ft, &platform(tag), false)[0].clone();
        assert_eq!(first("ios_13_0_arm64_iphoneos", 13, false), ".cpython-313-iphoneos.so");
        assert_eq!(first("ios_13_0_arm64_iphonesimulator", 13, false), ".cpython-313-iphonesimulator.so");
        assert_eq!(first("ios_13_0_x86_64_iphonesimulator", 14, false), ".cpython-314-iphonesimulator.so");
        assert_eq!(first("android_24_arm64_v8a", 13, false), ".cpython-313-aarch64-linux-android.so");
        assert_eq!(first("android_24_x86_64", 13, true), ".cpython-313t-x86_64-linux-android.so");
        assert_eq!(first("android_24_armeabi_v7a", 14, false), ".cpython-314-arm-linux-androideabi.so");
        assert_eq!(first("android_24_x86", 14, false), ".cpython-314-i686-linux-android.so");
        assert_eq!(first("pyemscripten_2025_0_wasm32", 13, false), ".cpython-313-wasm32-emscripten.so");
        assert_eq!(first("pyodide_2024_0_wasm32", 12, false), ".cpython-312-wasm32-emscripten.so");
        assert_eq!(
            t.suffixes(v(15), false, &platform("android_24_arm64_v8a"), false),
            [
                ".cpython-315-aarch64-linux-android.so",
                ".abi3-aarch64-linux-android.so",
                ".abi3.so",
                ".abi3t-aarch64-linux-android.so",
                ".abi3t.so",
                ".so"
            ]
        );
        assert_eq!(
            t.suffixes(v(14), false, &platform("ios_13_0_arm64_iphoneos"), false),
            [".cpython-314-iphoneos.so", ".abi3.so", ".so"]
        );
    }

    #[test]
    fn err_bad_table() {
        let e = SuffixTable::parse("table = 3").unwrap_err();
        assert_eq!(e.to_string(), "specs/suffixes.toml is not a valid suffix table");
    }
}
