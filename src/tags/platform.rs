//! Platform tags (`manylinux_2_28_x86_64`, `win_amd64`, `ios_13_0_arm64_iphoneos`, `any`),
//! parsed into a closed [`Platform`]; the machines a tag serves ([`Family`]); which
//! tags an installer on one platform takes ([`PlatformTag::accepts`]).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::TagError;

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
    /// `ios_*` (PEP 730).
    Ios,
    /// `android_*` (PEP 738).
    Android,
    /// `pyemscripten_*`, `pyodide_*`, `emscripten_*`: WebAssembly in a browser or Node (PEP 783).
    Emscripten,
    /// Anything else.
    Other,
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Os::Any => "any",
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
            Os::Ios => "ios",
            Os::Android => "android",
            Os::Emscripten => "emscripten",
            Os::Other => "other",
        })
    }
}

/// Which name an Emscripten platform tag carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmscriptenFlavor {
    /// PEP 783's `pyemscripten_2025_0_wasm32` (ABI year and patch).
    Pyemscripten,
    /// Pyodide's own tags before PEP 783: `pyodide_2024_0_wasm32`.
    Pyodide,
    /// The Emscripten version: `emscripten_3_1_58_wasm32`.
    Emscripten,
}

impl EmscriptenFlavor {
    fn prefix(self) -> &'static str {
        match self {
            EmscriptenFlavor::Pyemscripten => "pyemscripten",
            EmscriptenFlavor::Pyodide => "pyodide",
            EmscriptenFlavor::Emscripten => "emscripten",
        }
    }
}

/// What a platform tag names: one variant per family, each with its fields as the
/// tag writes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Platform {
    /// `any`.
    Any,
    /// A plain Linux tag, not for PyPI: `linux_x86_64`.
    Linux { arch: String },
    /// glibc Linux (PEP 600): `manylinux_2_28_x86_64`; the legacy aliases
    /// `manylinux1_x86_64` (glibc 2.5), `manylinux2010_x86_64` (2.12) and
    /// `manylinux2014_aarch64` (2.17) carry `legacy`.
    Manylinux { glibc: (u16, u16), legacy: bool, arch: String },
    /// musl Linux (PEP 656): `musllinux_1_2_x86_64`.
    Musllinux { musl: (u16, u16), arch: String },
    /// macOS: `macosx_11_0_arm64`, `macosx_10_15_universal2`.
    Macos { version: (u16, u16), arch: String },
    /// Windows: `win_amd64`, `win_arm64`, and `win32` (written `x86` here).
    Windows { arch: String },
    /// iOS (PEP 730): `ios_13_0_arm64_iphoneos`, `ios_13_0_x86_64_iphonesimulator`.
    Ios { version: (u16, u16), arch: String, simulator: bool },
    /// Android (PEP 738): `android_24_arm64_v8a`, `android_24_x86_64`.
    Android { api_level: u16, abi: String },
    /// Emscripten (PEP 783): `pyemscripten_2025_0_wasm32`, `pyodide_2024_0_wasm32`,
    /// `emscripten_3_1_58_wasm32`; `version` is the part between name and architecture.
    Emscripten { flavor: EmscriptenFlavor, version: String, arch: String },
    /// Any other well-formed platform tag (`manylinux_2_28` without an architecture,
    /// `solaris_2_11_sun4v`, …).
    Other,
}

/// One kind of machine an installer runs on, as far as choosing wheels goes: the
/// operating system, its C library or ABI environment, and the architecture.
/// Wheels of one family compete for the same machines (`macosx_10_9_x86_64` and
/// `macosx_10_13_x86_64`); wheels of two families never do (`manylinux` and
/// `musllinux`, or an iOS device and its simulator).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `any`: every machine.
    Any,
    /// `linux x86_64` (glibc), `linux-musl x86_64`, `macos arm64`, `ios-simulator arm64`.
    Machine {
        os: Os,
        /// `musl` on musl Linux, `simulator` on the iOS simulator; `None` otherwise.
        env: Option<&'static str>,
        /// The architecture as the platform tags spell it (`amd64` on Windows, `arm64` on macOS).
        arch: String,
    },
    /// A tag uniabi cannot place: the tag itself.
    Unknown(String),
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Family::Any => f.write_str("any"),
            Family::Machine { os, env: Some(env), arch } => write!(f, "{os}-{env} {arch}"),
            Family::Machine { os, env: None, arch } => write!(f, "{os} {arch}"),
            Family::Unknown(tag) => f.write_str(tag),
        }
    }
}

/// A platform tag such as `manylinux_2_28_x86_64`: the text as written, and what it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlatformTag {
    text: String,
    platform: Platform,
}

impl PlatformTag {
    /// The platform tag `any`.
    pub fn any() -> Self {
        PlatformTag { text: "any".to_string(), platform: Platform::Any }
    }

    /// The tag as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this is `any`.
    pub fn is_any(&self) -> bool {
        self.platform == Platform::Any
    }

    /// What the tag names.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The operating system.
    pub fn os(&self) -> Os {
        match self.platform {
            Platform::Any => Os::Any,
            Platform::Linux { .. } | Platform::Manylinux { .. } | Platform::Musllinux { .. } => Os::Linux,
            Platform::Macos { .. } => Os::Macos,
            Platform::Windows { .. } => Os::Windows,
            Platform::Ios { .. } => Os::Ios,
            Platform::Android { .. } => Os::Android,
            Platform::Emscripten { .. } => Os::Emscripten,
            Platform::Other => Os::Other,
        }
    }

    /// The architecture as the tag spells it: `x86_64`, `aarch64`, `arm64`,
    /// `universal2`, `amd64`, `arm64_v8a`, `wasm32`; `x86` for `win32`. `None`
    /// for `any` and for tags whose layout is not known.
    pub fn arch(&self) -> Option<&str> {
        match &self.platform {
            Platform::Any | Platform::Other => None,
            Platform::Linux { arch }
            | Platform::Manylinux { arch, .. }
            | Platform::Musllinux { arch, .. }
            | Platform::Macos { arch, .. }
            | Platform::Windows { arch }
            | Platform::Ios { arch, .. }
            | Platform::Emscripten { arch, .. } => Some(arch),
            Platform::Android { abi, .. } => Some(abi),
        }
    }

    /// The version the tag names, for families whose installers take older ones too:
    /// glibc or musl (`manylinux_2_28` → 2.28), macOS or iOS (`macosx_11_0` → 11.0),
    /// the Android API level (`android_24` → 24.0). `None` for other tags.
    pub fn version(&self) -> Option<(u16, u16)> {
        match &self.platform {
            Platform::Manylinux { glibc: v, .. }
            | Platform::Musllinux { musl: v, .. }
            | Platform::Macos { version: v, .. }
            | Platform::Ios { version: v, .. } => Some(*v),
            Platform::Android { api_level, .. } => Some((*api_level, 0)),
            _ => None,
        }
    }

    /// The machines the tag serves. One for most tags; a macOS multi-architecture
    /// tag serves each of its architectures (`universal2`: arm64 and x86_64), and a
    /// plain `linux_` tag glibc and musl machines alike (installers on both take it).
    /// Every command that asks "which wheels compete for one machine" asks this.
    pub fn families(&self) -> Vec<Family> {
        let machine = |os, env, arch: &str| Family::Machine { os, env, arch: arch.to_string() };
        match &self.platform {
            Platform::Any => vec![Family::Any],
            Platform::Other => vec![Family::Unknown(self.text.clone())],
            Platform::Manylinux { arch, .. } => vec![machine(Os::Linux, None, arch)],
            Platform::Musllinux { arch, .. } => vec![machine(Os::Linux, Some("musl"), arch)],
            Platform::Linux { arch } => vec![machine(Os::Linux, None, arch), machine(Os::Linux, Some("musl"), arch)],
            Platform::Macos { arch, .. } => macos_arches(arch).iter().map(|a| machine(Os::Macos, None, a)).collect(),
            Platform::Windows { arch } => vec![machine(Os::Windows, None, arch)],
            Platform::Ios { arch, simulator, .. } => {
                vec![machine(Os::Ios, simulator.then_some("simulator"), arch)]
            }
            Platform::Android { abi, .. } => vec![machine(Os::Android, None, abi)],
            Platform::Emscripten { arch, .. } => vec![machine(Os::Emscripten, None, arch)],
        }
    }

    /// The machines a set of platform tags (one wheel's) serves: the union of
    /// each tag's [`PlatformTag::families`]. Wheels an installer on one machine
    /// chooses between are those whose sets share a family.
    pub fn families_of(platforms: &[PlatformTag]) -> BTreeSet<Family> {
        platforms.iter().flat_map(|p| p.families()).collect()
    }

    /// The architectures every binary of a wheel with this tag must hold, as
    /// binary slices name them (`x86_64`, `aarch64`, `x86`, `arm`, `wasm32`, …);
    /// `universal2` needs both `x86_64` and `aarch64`. Empty when not known.
    pub fn binary_arches(&self) -> Vec<&'static str> {
        let Some(arch) = self.arch() else {
            return Vec::new();
        };
        if self.os() == Os::Macos {
            return macos_arches(arch).iter().filter_map(|a| binary_arch(a)).collect();
        }
        binary_arch(arch).into_iter().collect()
    }

    /// Whether an installer on platform `self` (the host) takes a wheel tagged `wheel`:
    /// the same tag; glibc (`manylinux`) or musl Linux of the same architecture and
    /// an older or equal C library (legacy `manylinux1/2010/2014` aliases understood);
    /// macOS of the same architecture (or a multi-architecture tag holding it) and an
    /// older or equal macOS; iOS of the same architecture and SDK and an older or equal
    /// iOS; Android of the same ABI and an older or equal API level; any other tag exactly.
    pub fn accepts(&self, wheel: &PlatformTag) -> bool {
        if self == wheel {
            return true;
        }
        match (&self.platform, &wheel.platform) {
            (Platform::Manylinux { glibc: h, arch: ha, .. }, Platform::Manylinux { glibc: w, arch: wa, .. }) => {
                ha == wa && w <= h
            }
            (Platform::Musllinux { musl: h, arch: ha }, Platform::Musllinux { musl: w, arch: wa }) => {
                ha == wa && w <= h
            }
            (Platform::Macos { version: h, arch: ha }, Platform::Macos { version: w, arch: wa }) => {
                w <= h && (ha == wa || macos_arches(wa).contains(&ha.as_str()))
            }
            (
                Platform::Ios { version: h, arch: ha, simulator: hs },
                Platform::Ios { version: w, arch: wa, simulator: ws },
            ) => ha == wa && hs == ws && w <= h,
            (Platform::Android { api_level: h, abi: ha }, Platform::Android { api_level: w, abi: wa }) => {
                ha == wa && w <= h
            }
            _ => false,
        }
    }
}

/// The architectures a macOS tag's architecture field stands for
/// (`packaging.tags.mac_platforms`' multi-architecture names).
fn macos_arches(arch: &str) -> &[&str] {
    match arch {
        "universal2" => &["arm64", "x86_64"],
        "intel" => &["i386", "x86_64"],
        "fat" | "fat32" => &["i386", "ppc"],
        "fat3" => &["i386", "ppc", "x86_64"],
        "fat64" => &["ppc64", "x86_64"],
        "universal" => &["i386", "ppc", "ppc64", "x86_64"],
        "x86_64" => &["x86_64"],
        "arm64" => &["arm64"],
        "i386" => &["i386"],
        "ppc" => &["ppc"],
        "ppc64" => &["ppc64"],
        _ => &[],
    }
}

/// A tag's architecture as binary slices name it.
fn binary_arch(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "x86_64" | "amd64" => "x86_64",
        "aarch64" | "arm64" | "arm64_v8a" => "aarch64",
        "i686" | "i386" | "x86" => "x86",
        "armv7l" | "armeabi_v7a" => "arm",
        "ppc64le" => "ppc64le",
        "ppc64" => "ppc64",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loongarch64" => "loongarch64",
        "wasm32" => "wasm32",
        _ => return None,
    })
}

/// `2_28_x86_64` → ((2, 28), "x86_64"): two version numbers, then a non-empty architecture.
fn versioned(rest: &str) -> Option<((u16, u16), &str)> {
    let mut it = rest.splitn(3, '_');
    let major = number(it.next()?)?;
    let minor = number(it.next()?)?;
    let arch = it.next().filter(|a| !a.is_empty())?;
    Some(((major, minor), arch))
}

fn number(s: &str) -> Option<u16> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// What a well-formed tag names.
fn classify(s: &str) -> Platform {
    let owned = |a: &str| a.to_string();
    if s == "any" {
        return Platform::Any;
    }
    for (prefix, glibc) in [("manylinux1_", (2, 5)), ("manylinux2010_", (2, 12)), ("manylinux2014_", (2, 17))] {
        if let Some(arch) = s.strip_prefix(prefix).filter(|a| !a.is_empty()) {
            return Platform::Manylinux { glibc, legacy: true, arch: owned(arch) };
        }
    }
    if let Some((glibc, arch)) = s.strip_prefix("manylinux_").and_then(versioned) {
        return Platform::Manylinux { glibc, legacy: false, arch: owned(arch) };
    }
    if let Some((musl, arch)) = s.strip_prefix("musllinux_").and_then(versioned) {
        return Platform::Musllinux { musl, arch: owned(arch) };
    }
    if let Some(arch) = s.strip_prefix("linux_").filter(|a| !a.is_empty()) {
        return Platform::Linux { arch: owned(arch) };
    }
    if let Some((version, arch)) = s.strip_prefix("macosx_").and_then(versioned) {
        return Platform::Macos { version, arch: owned(arch) };
    }
    if s == "win32" {
        return Platform::Windows { arch: owned("x86") };
    }
    if let Some(arch) = s.strip_prefix("win_").filter(|a| !a.is_empty()) {
        return Platform::Windows { arch: owned(arch) };
    }
    if let Some((version, rest)) = s.strip_prefix("ios_").and_then(versioned)
        && let Some((arch, sdk)) = rest.rsplit_once('_')
        && !arch.is_empty()
        && matches!(sdk, "iphoneos" | "iphonesimulator")
    {
        return Platform::Ios { version, arch: owned(arch), simulator: sdk == "iphonesimulator" };
    }
    if let Some((level, abi)) = s.strip_prefix("android_").and_then(|r| r.split_once('_'))
        && let Some(api_level) = number(level)
        && !abi.is_empty()
    {
        return Platform::Android { api_level, abi: owned(abi) };
    }
    for flavor in [EmscriptenFlavor::Pyemscripten, EmscriptenFlavor::Pyodide, EmscriptenFlavor::Emscripten] {
        if let Some(rest) = s.strip_prefix(flavor.prefix()).and_then(|r| r.strip_prefix('_'))
            && let Some((version, arch)) = rest.rsplit_once('_')
            && matches!(arch, "wasm32" | "wasm64")
            && !version.is_empty()
            && version.split('_').all(|p| number(p).is_some())
        {
            return Platform::Emscripten { flavor, version: owned(version), arch: owned(arch) };
        }
    }
    Platform::Other
}

impl fmt::Display for PlatformTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for PlatformTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = !s.is_empty() && s.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
        if ok {
            Ok(PlatformTag { text: s.to_string(), platform: classify(s) })
        } else {
            Err(TagError::PlatformTag(s.to_string()))
        }
    }
}

/// The platform family of a tag set: the machines its tags serve
/// ([`PlatformTag::families`]), those of one OS written once: `linux x86_64`,
/// `linux-musl x86_64`, `macos arm64 + x86_64` (universal2), `any`.
pub fn platform_family(platforms: &[PlatformTag]) -> String {
    let families = PlatformTag::families_of(platforms);
    let mut text = String::new();
    let mut last_os = None;
    for f in &families {
        let os = match f {
            Family::Machine { os, env, .. } => Some((*os, *env)),
            _ => None,
        };
        match f {
            Family::Machine { arch, .. } if os.is_some() && os == last_os => text.push_str(&format!(" + {arch}")),
            _ if text.is_empty() => text.push_str(&f.to_string()),
            _ => text.push_str(&format!(" + {f}")),
        }
        last_os = os;
    }
    if text.is_empty() { "unknown".to_string() } else { text }
}
