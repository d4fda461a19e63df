//! What `check` reports: a finding's stable code, its severity and its text.
//!
//! Every code lives in [`Code`], with the severity rule and the meaning the
//! README's findings table shows; a test compares that table with [`Code::ALL`].

use std::fmt;

use serde::{Serialize, Serializer};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The claim is broken: the input fails.
    Error,
    /// Probably wrong, or a trap for some users; does not fail the input.
    Warning,
    /// Worth knowing.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $rule:literal, $doc:literal;)*) => {
        /// A finding's stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code, in the README table's order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as reports spell it: `symbol-not-in-abi`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// When the code is an error, a warning or info, as the README states it.
            pub const fn severity_rule(self) -> &'static str {
                match self { $(Code::$variant => $rule,)* }
            }

            /// What the code means, as the README states it.
            pub const fn doc(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }
        }
    };
}

codes! {
    SymbolNotInAbi = "symbol-not-in-abi", "error",
        "imports outside the claimed stable ABI (or the abi2026 prototype's frozen set)";
    SymbolTooNew = "symbol-too-new", "error",
        "imports that entered the stable ABI after the claimed minimum version; names the version needed";
    Abi3tUnusable = "abi3t-unusable", "error",
        "abi3t (or abi2026) claimed, and an import a pure abi3t module cannot use (`PyModule_Create2`, `PyState_FindModule`…), with the replacement";
    Abi3tShimImport = "abi3t-shim-import", "info",
        "such an import, but the module also exports `PyModExport_`: the `PyInit_` path is a shim for interpreters before 3.15";
    Abi3tNoModexport = "abi3t-no-modexport", "error; warning",
        "abi3t claimed but no `PyModExport_` hook: a warning for a `PyInit_`-only module built for abi3t (its suffix, DLL or PyABIInfo say so) that imports no function needing a `PyModuleDef` (cffi's out-of-line modules), which loads; else an error";
    Abi2026NoModexport = "abi2026-no-modexport", "error; warning",
        "the same for the abi2026 prototype";
    InternalSymbol = "internal-symbol", "error",
        "a stable ABI (or a GIL build) claimed, and imports of free-threading internals (`_Py_DecRefShared`, `_Py_MergeZeroLocalRefcount`)";
    MissingHook = "missing-hook", "error",
        "a module hook exported, but none named for the module the file is imported as (a package's own name for its `__init__`)";
    MissingPyinit = "missing-pyinit", "error",
        "no `PyInit_` while interpreters before 3.15 pick the file";
    SuffixNotClaimed = "suffix-not-claimed", "error",
        "the file suffix names an ABI that the tags through which interpreters pick it (or `--abi cp3XY`) do not claim";
    Abi3TagPossible = "abi3-tag-possible", "info",
        "a version-specific GIL wheel whose every extension module is an abi3 build qualifying from its version: a `cp3Y-abi3` tag would serve later interpreters too, and `uniabi retag` writes it";
    SuffixAbi3ForAbi3t = "suffix-abi3-for-abi3t", "error",
        "an `.abi3.so` picked where abi3t is claimed";
    DllMismatch = "dll-mismatch", "error",
        "a `.pyd`'s `python*.dll` disagrees with the claims (`python3.dll` with abi3t, `python313t.dll` in an abi3 wheel, `python3t.dll` in an abi3-only wheel)";
    AbiInfo = "abi-info", "info",
        "the `PyABIInfo` record (3.15 `Py_mod_abi` slot), reported when located with certainty";
    AbiInfoMismatch = "abi-info-mismatch", "error",
        "its flags lack a build the claims need";
    PlatformOnlySymbol = "platform-only-symbol", "warning",
        "imports that exist only on other platforms (`MS_WINDOWS` items in an ELF)";
    DeadTag = "dead-tag", "error; warning",
        "a tag no installer accepts: an error when it is the wheel's only way to serve a build it ships (`cp315t-abi3t` alone); a warning beside live tags of the same ABI (compressed cross products such as `cp313-cp314t`: one warning per wheel naming their count and one example, each listed in `symbols`) or for `abi2026` (the PEP 809 prototype)";
    NotCpython = "not-cpython", "info",
        "tags of another implementation (PyPy `pp311-pypy311_pp73`, GraalPy): not judged";
    UnusedBinary = "unused-binary", "warning",
        "an extension module no interpreter the tags admit picks: dead weight";
    UnknownPlatform = "unknown-platform", "warning",
        "the tags admit interpreters only on platforms whose extension suffixes uniabi does not know: which file `import` loads is not judged";
    Abi3tBelow315 = "abi3t-below-315", "warning",
        "abi3t claimed below cp315: installers accept it, CPython defines abi3t only from 3.15";
    NoFreeThreaded = "no-free-threaded", "warning",
        "the wheel serves no free-threaded interpreter, and no other input of the same release does on the same machines (platform family; said once per release)";
    CompressedTagLine = "compressed-tag-line", "warning",
        "WHEEL holds a compressed tag set on one `Tag:` line instead of one tag per line";
    TagsMismatch = "tags-mismatch", "error",
        "the file name's tags and WHEEL's `Tag:` lines are not the same set";
    BadFilename = "bad-filename", "error",
        "the file name is not a valid wheel name";
    BadTag = "bad-tag", "error",
        "a `Tag:` line does not parse";
    Unloadable = "unloadable", "error",
        "import resolution (`verify`): an admitted interpreter picks a file it cannot load";
    NoLoadableFile = "no-loadable-file", "error",
        "an admitted interpreter finds no file for a module";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl schemars::JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Code")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({"type": "string", "description": "A finding's stable code (the README's findings table).", "enum": codes})
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Stable code, such as `symbol-not-in-abi`.
    pub code: Code,
    pub severity: Severity,
    /// The wheel member (or file) concerned; `None` for the wheel as a whole.
    pub member: Option<String>,
    pub symbols: Vec<String>,
    pub message: String,
}

impl Finding {
    /// A finding about the wheel as a whole.
    pub fn wheel(code: Code, severity: Severity, message: String) -> Finding {
        Finding { code, severity, member: None, symbols: Vec::new(), message }
    }

    /// A finding about one member.
    pub fn member(code: Code, severity: Severity, member: &str, symbols: Vec<String>, message: String) -> Finding {
        Finding { code, severity, member: Some(member.to_string()), symbols, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_codes_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert!(["error", "warning", "info", "error; warning"].contains(&code.severity_rule()), "{code}");
        }
    }
}
