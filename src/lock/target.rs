//! A target: one CPython interpreter on one platform, and the PEP 508 marker
//! environment an installer there evaluates.

use std::fmt;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde::Serialize;

use crate::tags::{Interpreter, Os, PlatformTag};

/// A platform for which no marker environment can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// `any`, or a family whose operating system is not modelled (`android_*`, `ios_*`).
    #[error("'{0}' is not a platform an interpreter runs on here: use a linux, macosx or win tag")]
    Os(PlatformTag),
    /// A tag whose architecture is not one machine (`macosx_11_0_universal2`).
    #[error("'{0}' names no single machine: give the host's own tag, such as macosx_11_0_arm64")]
    Machine(PlatformTag),
}

/// One CPython interpreter on one platform: `3.15t on manylinux_2_28_x86_64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub python: Interpreter,
    pub platform: PlatformTag,
}

impl Target {
    pub fn new(python: Interpreter, platform: PlatformTag) -> Target {
        Target { python, platform }
    }

    /// The marker environment of CPython `python` on `platform`:
    /// `implementation_name = cpython`, `platform_python_implementation =
    /// CPython`, `python_version = 3.15`, `python_full_version = 3.15.0` (the
    /// feature release's first version), `sys_platform` / `platform_system` /
    /// `os_name` from the operating system, `platform_machine` as the
    /// interpreter reports it there (`x86_64`, `aarch64` on Linux; `arm64`,
    /// `x86_64` on macOS; `AMD64`, `ARM64`, `x86` on Windows).
    /// `platform_release` and `platform_version` are unknown and empty.
    ///
    /// No marker tells a free-threaded build from a GIL build: PEP 508 has
    /// none, `packaging` and uv evaluate none, and PEP 780's
    /// `sys_abi_features` is a draft. `3.15t` and `3.15` select the same
    /// packages; they differ in the wheels they accept.
    pub fn markers(&self) -> Result<MarkerEnvironment, TargetError> {
        let (sys_platform, system, os_name) = match self.platform.os() {
            Os::Linux => ("linux", "Linux", "posix"),
            Os::Macos => ("darwin", "Darwin", "posix"),
            Os::Windows => ("win32", "Windows", "nt"),
            _ => return Err(TargetError::Os(self.platform.clone())),
        };
        let arch = self.platform.arch().ok_or_else(|| TargetError::Os(self.platform.clone()))?;
        let machine = match (self.platform.os(), arch) {
            (Os::Windows, "amd64") => "AMD64",
            (Os::Windows, "arm64") => "ARM64",
            (Os::Windows, "x86") => "x86",
            (Os::Macos, "universal2" | "universal" | "intel" | "fat" | "fat3" | "fat64") => {
                return Err(TargetError::Machine(self.platform.clone()));
            }
            (_, arch) => arch,
        };
        let version = format!("{}", self.python.version);
        let full = format!("{version}.0");
        let env = MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name,
            platform_machine: machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: system,
            platform_version: "",
            python_full_version: &full,
            python_version: &version,
            sys_platform,
        };
        // Both versions are digits and dots built above.
        MarkerEnvironment::try_from(env).map_err(|_| TargetError::Os(self.platform.clone()))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.python, self.platform)
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::Marker;

    fn target(python: &str, platform: &str) -> Target {
        Target::new(python.parse().unwrap(), platform.parse().unwrap())
    }

    fn holds(marker: &str, python: &str, platform: &str) -> bool {
        Marker::parse(marker).unwrap().holds(&target(python, platform).markers().unwrap())
    }

    #[test]
    fn ok_marker_environment_per_platform() {
        let linux = "manylinux_2_28_x86_64";
        assert!(holds("sys_platform == 'linux' and platform_system == 'Linux' and os_name == 'posix'", "3.15t", linux));
        assert!(holds("platform_machine == 'x86_64' and implementation_name == 'cpython'", "3.15t", linux));
        assert!(holds("platform_python_implementation == 'CPython'", "3.14", "musllinux_1_2_aarch64"));
        assert!(holds("platform_machine == 'aarch64'", "3.14", "musllinux_1_2_aarch64"));
        assert!(holds("sys_platform == 'darwin' and platform_machine == 'arm64'", "3.14t", "macosx_11_0_arm64"));
        assert!(holds(
            "sys_platform == 'win32' and os_name == 'nt' and platform_machine == 'AMD64'",
            "3.15t",
            "win_amd64"
        ));
        assert!(holds("platform_machine == 'x86'", "3.14", "win32"));
        assert!(holds("python_version == '3.15' and python_full_version >= '3.15'", "3.15t", linux));
        assert!(!holds("python_version < '3.15'", "3.15t", linux));
        assert!(holds("python_full_version == '3.14.*'", "3.14t", linux));
    }

    #[test]
    fn ok_free_threading_changes_no_marker() {
        for m in ["python_version >= '3.15'", "platform_python_implementation != 'PyPy'"] {
            assert_eq!(holds(m, "3.15t", "win_amd64"), holds(m, "3.15", "win_amd64"), "{m}");
        }
        assert_eq!(target("3.15t", "win_amd64").to_string(), "3.15t on win_amd64");
    }

    #[test]
    fn err_platforms_without_one_environment() {
        assert_eq!(
            target("3.15", "any").markers().unwrap_err().to_string(),
            "'any' is not a platform an interpreter runs on here: use a linux, macosx or win tag"
        );
        assert_eq!(
            target("3.15", "macosx_10_15_universal2").markers().unwrap_err().to_string(),
            "'macosx_10_15_universal2' names no single machine: give the host's own tag, such as macosx_11_0_arm64"
        );
        assert!(matches!(target("3.15", "android_24_arm64_v8a").markers(), Err(TargetError::Os(_))));
    }
}
