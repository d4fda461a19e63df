//! Platform tags (`manylinux_2_28_x86_64`, `win_amd64`, `any`), classified by family, OS and architecture.

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
