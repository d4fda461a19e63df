//! What an extension module's file name claims: module name, ABI and platform.
//!
//! CPython picks an extension file by suffix (`importlib.machinery.EXTENSION_SUFFIXES`),
//! so the suffix is itself a claim about how the binary was built:
//!
//! | file name | module | ABI | platform part |
//! |---|---|---|---|
//! | `_psutil_linux.cpython-313t-x86_64-linux-gnu.so` | `_psutil_linux` | `cp313t` | `x86_64-linux-gnu` |
//! | `_psutil_osx.cpython-314t-darwin.so` | `_psutil_osx` | `cp314t` | `darwin` |
//! | `_psutil_linux.abi3.so` | `_psutil_linux` | `abi3` | none |
//! | `mod.abi3t-x86_64-linux-gnu.so` | `mod` | `abi3t` | `x86_64-linux-gnu` |
//! | `_psutil_windows.cp313t-win_amd64.pyd` | `_psutil_windows` | `cp313t` | `win_amd64` |
//! | `_psutil_windows.pyd`, `mod.so` | | none | none |

use std::fmt;

use serde::{Serialize, Serializer};

use crate::version::PyVersion;

/// The ABI an extension file's suffix names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SuffixAbi {
    /// A version-specific build: `cpython-313` / `cp313`, free-threaded `cpython-313t` / `cp313t`.
    CPython { version: PyVersion, free_threaded: bool, debug: bool },
    /// `.abi3.so`, `.abi3-<multiarch>.so`.
    Abi3,
    /// `.abi3t.so`, `.abi3t-<multiarch>.so` (PEP 803: loads on GIL and free-threaded 3.15+).
    Abi3t,
    /// `.abi2026.so`: the PEP 809 prototype's choice; PEP 809 names no suffix.
    Abi2026,
}

impl fmt::Display for SuffixAbi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuffixAbi::CPython { version, free_threaded, debug } => {
                write!(f, "cp{}", version.tag_digits())?;
                if *free_threaded {
                    f.write_str("t")?;
                }
                if *debug {
                    f.write_str("d")?;
                }
                Ok(())
            }
            SuffixAbi::Abi3 => f.write_str("abi3"),
            SuffixAbi::Abi3t => f.write_str("abi3t"),
            SuffixAbi::Abi2026 => f.write_str("abi2026"),
        }
    }
}

impl Serialize for SuffixAbi {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The parts of an extension module's file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ExtensionName {
    /// The name the module is imported as, which names its hook (`PyInit_<module>`): the
    /// file name up to its first `.`, or for a compiled package `__init__`
    /// (`pkg/sub/__init__.cpython-314t-….so`) the package's, `sub`, as CPython names
    /// the hook after the last part of the module's full name.
    pub module: String,
    /// The file name up to its first `.`: `_speedups`, `__init__`.
    pub stem: String,
    /// The ABI the suffix names, if any.
    pub abi: Option<SuffixAbi>,
    /// The platform part of the suffix: `x86_64-linux-gnu`, `darwin`, `win_amd64`.
    pub platform: Option<String>,
    /// The final extension: `so`, `pyd`, `dylib`, `dll`.
    pub extension: String,
}

/// The base name of a wheel member or path (after the last `/` or `\`).
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// True if the file name looks like a shared object: `.so`, `.pyd`, `.dylib`,
/// `.dll`, or a versioned `.so.1.2`.
pub fn is_shared_object_name(path: &str) -> bool {
    let name = base_name(path).to_ascii_lowercase();
    if [".so", ".pyd", ".dylib", ".dll"].iter().any(|e| name.ends_with(e)) {
        return true;
    }
    // libfoo.so.1 / libfoo.so.1.2.3 (vendored libraries in `*.libs/`).
    match name.find(".so.") {
        Some(i) => name[i + 4..].split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// True if the file name can be an extension module: `.so` or `.pyd` (not a
/// versioned `.so.N`, `.dylib` or `.dll`, which CPython never imports).
pub fn is_extension_name(path: &str) -> bool {
    let name = base_name(path).to_ascii_lowercase();
    name.ends_with(".so") || name.ends_with(".pyd")
}

/// The dotted module name an extension member is imported as:
/// `psutil._psutil_linux` for `psutil/_psutil_linux.abi3.so`, and the package
/// `zeroconf._services` for `zeroconf/_services/__init__.cpython-314t-….so`.
pub fn dotted_module(member: &str) -> Option<String> {
    let name = parse_extension_name(member)?;
    Some(match member.rsplit_once('/') {
        Some((dir, _)) if is_package_init(&name) => dir.replace('/', "."),
        Some((dir, _)) => format!("{}.{}", dir.replace('/', "."), name.stem),
        None => name.stem,
    })
}

/// Whether an extension file is a compiled package `__init__`.
pub fn is_package_init(name: &ExtensionName) -> bool {
    name.stem == "__init__"
}

/// Parse an extension file name. Returns `None` for names CPython would never
/// import as an extension (see [`is_extension_name`]).
pub fn parse_extension_name(path: &str) -> Option<ExtensionName> {
    let name = base_name(path);
    if !is_extension_name(name) {
        return None;
    }
    let (stem, extension) = name.rsplit_once('.')?;
    let (file_stem, tag) = match stem.split_once('.') {
        Some((m, t)) => (m, Some(t)),
        None => (stem, None),
    };
    // A package's `__init__` is imported as the package: the directory's name.
    let package = path.rsplit(['/', '\\']).nth(1).filter(|d| file_stem == "__init__" && !d.is_empty());
    let module = package.unwrap_or(file_stem);
    let (abi, platform) = match tag {
        None => (None, None),
        Some(tag) if extension.eq_ignore_ascii_case("pyd") => parse_windows_tag(tag),
        Some(tag) => parse_unix_tag(tag),
    };
    Some(ExtensionName {
        module: module.to_string(),
        stem: file_stem.to_string(),
        abi,
        platform,
        extension: extension.to_ascii_lowercase(),
    })
}

/// `cp313t-win_amd64` → (cp313t, win_amd64).
fn parse_windows_tag(tag: &str) -> (Option<SuffixAbi>, Option<String>) {
    let (abi, platform) = match tag.split_once('-') {
        Some((a, p)) => (a, Some(p.to_string())),
        None => (tag, None),
    };
    match abi.strip_prefix("cp").and_then(parse_cpython_digits) {
        Some(abi) => (Some(abi), platform),
        None => (None, None),
    }
}

/// `cpython-313t-x86_64-linux-gnu`, `abi3`, `abi3t-x86_64-linux-gnu` → (abi, platform).
fn parse_unix_tag(tag: &str) -> (Option<SuffixAbi>, Option<String>) {
    let (head, rest) = match tag.split_once('-') {
        Some((h, r)) => (h, Some(r)),
        None => (tag, None),
    };
    let platform = |rest: Option<&str>| rest.filter(|r| !r.is_empty()).map(str::to_string);
    match head {
        "abi3" => (Some(SuffixAbi::Abi3), platform(rest)),
        "abi3t" => (Some(SuffixAbi::Abi3t), platform(rest)),
        "abi2026" => (Some(SuffixAbi::Abi2026), platform(rest)),
        "cpython" => {
            let Some(rest) = rest else {
                return (None, None);
            };
            let (digits, platform_part) = match rest.split_once('-') {
                Some((d, p)) => (d, Some(p)),
                None => (rest, None),
            };
            match parse_cpython_digits(digits) {
                Some(abi) => (Some(abi), platform(platform_part)),
                None => (None, None),
            }
        }
        _ => (None, None),
    }
}

/// `313t` → CPython 3.13 free-threaded; `37m` → 3.7 (the `m` flag is dropped); `38d` → debug.
fn parse_cpython_digits(s: &str) -> Option<SuffixAbi> {
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, flags) = s.split_at(digits_end);
    if digits.len() < 2 || digits.len() > 4 || !flags.bytes().all(|b| matches!(b, b't' | b'd' | b'm' | b'u')) {
        return None;
    }
    let major = digits[..1].parse().ok()?;
    let minor = digits[1..].parse().ok()?;
    Some(SuffixAbi::CPython {
        version: PyVersion::new(major, minor),
        free_threaded: flags.contains('t'),
        debug: flags.contains('d'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(name: &str) -> (String, Option<String>, Option<String>) {
        let n = parse_extension_name(name).unwrap();
        (n.module, n.abi.map(|a| a.to_string()), n.platform)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn ok_unix_suffixes() {
        assert_eq!(
            parsed("psutil/_psutil_linux.cpython-313t-x86_64-linux-gnu.so"),
            ("_psutil_linux".into(), s("cp313t"), s("x86_64-linux-gnu"))
        );
        assert_eq!(parsed("_psutil_osx.cpython-314t-darwin.so"), ("_psutil_osx".into(), s("cp314t"), s("darwin")));
        assert_eq!(parsed("a/_psutil_linux.abi3.so"), ("_psutil_linux".into(), s("abi3"), None));
        assert_eq!(parsed("m.abi3t.so"), ("m".into(), s("abi3t"), None));
        assert_eq!(parsed("m.abi3t-x86_64-linux-gnu.so"), ("m".into(), s("abi3t"), s("x86_64-linux-gnu")));
        assert_eq!(parsed("m.abi3-aarch64-linux-gnu.so"), ("m".into(), s("abi3"), s("aarch64-linux-gnu")));
        assert_eq!(parsed("m.cpython-37m-x86_64-linux-gnu.so"), ("m".into(), s("cp37"), s("x86_64-linux-gnu")));
        assert_eq!(parsed("m.cpython-315d-darwin.so"), ("m".into(), s("cp315d"), s("darwin")));
        assert_eq!(parsed("m.abi2026.so"), ("m".into(), s("abi2026"), None));
        assert_eq!(parsed("m.so"), ("m".into(), None, None));
        assert_eq!(parsed("m.pypy310-pp73-x86_64-linux-gnu.so"), ("m".into(), None, None));
    }

    #[test]
    fn ok_package_init_is_imported_as_its_package() {
        let member = "zeroconf/_services/__init__.cpython-314t-x86_64-linux-gnu.so";
        assert_eq!(parsed(member), ("_services".into(), s("cp314t"), s("x86_64-linux-gnu")));
        assert_eq!(parse_extension_name(member).unwrap().stem, "__init__");
        assert_eq!(dotted_module(member).as_deref(), Some("zeroconf._services"));
        assert_eq!(dotted_module("pkg/__init__.pyd").as_deref(), Some("pkg"));
        assert_eq!(dotted_module("pkg/sub/mod.abi3.so").as_deref(), Some("pkg.sub.mod"));
        // At the root a file named `__init__` is no package's.
        assert_eq!(dotted_module("__init__.so").as_deref(), Some("__init__"));
        assert_eq!(parsed("__init__.so").0, "__init__");
    }

    #[test]
    fn ok_windows_suffixes() {
        assert_eq!(
            parsed("psutil/_psutil_windows.cp313t-win_amd64.pyd"),
            ("_psutil_windows".into(), s("cp313t"), s("win_amd64"))
        );
        assert_eq!(parsed("x.cp315-win_arm64.pyd"), ("x".into(), s("cp315"), s("win_arm64")));
        assert_eq!(parsed("_psutil_windows.pyd"), ("_psutil_windows".into(), None, None));
    }

    #[test]
    fn ok_shared_object_names() {
        assert!(is_shared_object_name("numpy.libs/libscipy_openblas64_-ff651d7f.so"));
        assert!(is_shared_object_name("pkg.libs/libgfortran-040039e1.so.5.0.0"));
        assert!(is_shared_object_name("pkg/.dylibs/libomp.dylib"));
        assert!(is_shared_object_name("numpy.libs/msvcp140-23ebcc0b37c8e3d074511f362feac48b.dll"));
        assert!(!is_shared_object_name("pkg/so.py"));
        assert!(!is_shared_object_name("pkg/libfoo.so.x"));
        assert!(!is_extension_name("pkg.libs/libgfortran-040039e1.so.5.0.0"));
        assert_eq!(parse_extension_name("lib/libomp.dylib"), None);
    }
}
