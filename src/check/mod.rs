//! Judging binaries against what their wheel (or file name) claims.
//!
//! A wheel's tags make claims — `cp39-abi3` claims abi3 from 3.9,
//! `cp315-abi3.abi3t` claims abi3 and abi3t from 3.15, `cp313-cp313t` claims a
//! version-specific free-threaded build. Each extension binary is judged
//! against the claims of exactly the interpreters that pick it, as import
//! resolution ([`crate::verify`]) decides: in a fat wheel a
//! `.cpython-313t-….so` is judged as cp313t, an `.abi3.so` picked by GIL 3.11+
//! as abi3 from 3.11. A binary no admitted interpreter picks is dead weight (a
//! warning); an admitted interpreter that cannot load what it picks is an
//! error. Bare files are judged by their suffix (or DLL), and `--abi` judges
//! every binary against one target instead.
//!
//! The rooms: [`claims`](Claims) (what is claimed, and `--abi`), `wheel`
//! (tag-level findings and relations between inputs), `binary` (hooks,
//! suffix, DLL, PyABIInfo) and `symbols` (imports against a stable ABI). Every
//! finding has a stable [`Code`], a severity, the member and symbols involved,
//! and a message that says what to do.

mod binary;
mod claims;
mod finding;
mod suppress;
mod symbols;
mod wheel;

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

pub use claims::{AbiChoice, AbiChoiceError, Claims, StableAbi};
pub use finding::{Code, Finding, Severity};
pub use suppress::{Suppressed, Suppressions};
pub use wheel::relate;

use crate::analysis::{Analysed, AnalysedBinary, Role, WheelInfo};
use crate::specs::Specs;
use crate::suffixes::SuffixTable;
use crate::tags::{PythonTag, Tag, TagSet, WheelFilename, is_other_implementation};
use crate::verify::{self, Resolution, Unresolved, Verification};
use crate::version::PyVersion;

/// The outcome for one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing failed.
    Pass,
    /// An error finding failed it.
    Fail,
    /// It could not be read.
    Error,
}

impl Verdict {
    /// The verdict as reports spell it: `pass`, `fail`, `error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of checking one input.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InputCheck {
    pub path: String,
    /// What the input itself claims (its tags, or a bare file's suffix or DLL).
    pub claims: Vec<String>,
    /// The ABI `--abi` asked to judge it as; `None` when judged by its own claims.
    pub asked: Option<String>,
    pub verdict: Verdict,
    pub error: Option<crate::analysis::InputErrors>,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub(crate) sibling: Option<wheel::Sibling>,
    /// A wheel's import resolution, as judged by its own claims (`--abi` unset).
    #[serde(skip)]
    pub verification: Option<Verification>,
}

/// Everything `check` needs besides the input.
pub struct Checker<'a> {
    pub specs: &'a Specs,
    pub table: &'a SuffixTable,
    pub abi: AbiChoice,
}

impl Checker<'_> {
    /// Check one analysed input.
    pub fn check(&self, a: &Analysed) -> InputCheck {
        let mut findings = Vec::new();
        let mut sibling = None;
        let mut verification = None;
        let claims = match &a.wheel {
            Some(w) => self.check_wheel(a, w, &mut findings, &mut sibling, &mut verification),
            None => {
                let own = a.binaries.first().map(|b| Claims::from_file(b, self.specs)).unwrap_or_default();
                let claims = self.chosen(&own, None);
                for b in &a.binaries {
                    self.check_binary(b, &claims, &mut findings);
                }
                own
            }
        };
        findings.sort_by(|x, y| (x.severity, &x.member, x.code).cmp(&(y.severity, &y.member, y.code)));
        findings.dedup();
        let error = a.error();
        let verdict = if error.is_some() {
            Verdict::Error
        } else if findings.iter().any(|f| f.severity == Severity::Error) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let asked = (self.abi != AbiChoice::Auto).then(|| self.abi.to_string());
        InputCheck {
            path: a.input.display.clone(),
            claims: claims.names(),
            asked,
            verdict,
            error,
            findings,
            sibling,
            verification,
        }
    }

    /// Whether one extension binary would qualify for a stable ABI from its first
    /// version (what `check --abi abi3t|abi2026` decides): the error findings that block it.
    pub fn blockers(&self, b: &AnalysedBinary, abi: StableAbi) -> Vec<Finding> {
        let checker = Checker { specs: self.specs, table: self.table, abi: AbiChoice::Stable(abi) };
        let claims = checker.chosen(&Claims::default(), abi.since(self.specs));
        let mut findings = Vec::new();
        checker.check_binary(b, &claims, &mut findings);
        findings.retain(|f| f.severity == Severity::Error);
        findings
    }

    /// The claims to judge by: the input's own, or what `--abi` asks.
    fn chosen(&self, own: &Claims, lowest_python: Option<PyVersion>) -> Claims {
        let mut c = Claims::default();
        match self.abi {
            AbiChoice::Auto => return own.clone(),
            AbiChoice::Stable(StableAbi::Abi3) => c.add_stable(StableAbi::Abi3, lowest_python),
            AbiChoice::Stable(abi) => {
                let since = abi.since(self.specs);
                c.add_stable(abi, lowest_python.max(since));
            }
            AbiChoice::Specific(v, ft) => {
                c.specific.insert((v, ft));
            }
        }
        c
    }

    fn check_wheel(
        &self,
        a: &Analysed,
        w: &WheelInfo,
        findings: &mut Vec<Finding>,
        sibling: &mut Option<wheel::Sibling>,
        verification: &mut Option<Verification>,
    ) -> Claims {
        let set = self.wheel_tags(w, findings);
        let tags = set.expand();
        let own = Claims::from_tags(&tags);
        if self.abi != AbiChoice::Auto {
            let lowest_python = tags
                .iter()
                .filter_map(|t| match t.python {
                    PythonTag::CPython { version } => Some(version),
                    _ => None,
                })
                .min();
            let claims = self.chosen(&own, lowest_python);
            for b in &a.binaries {
                self.check_binary(b, &claims, findings);
            }
            return own;
        }
        wheel::tag_findings(&set, &own, self.specs, findings);
        let foreign = tags.iter().any(is_other_implementation);
        let pep809 = own.stable.contains_key(&StableAbi::Abi2026);
        let v = verify::verify(&set, &a.binaries, self.specs, self.table, pep809);
        let mut pickers: BTreeMap<&str, Vec<&Resolution>> = BTreeMap::new();
        for r in &v.resolutions {
            if let Some(file) = &r.file {
                pickers.entry(file.as_str()).or_default().push(r);
            }
        }
        if let Some(Unresolved::UnknownPlatform(platforms)) = &v.unresolved {
            findings.push(Finding::wheel(
                Code::UnknownPlatform,
                Severity::Warning,
                format!(
                    "the tags admit {} only on {}, whose extension suffixes uniabi does not know: which file `import` loads there is not judged",
                    crate::output::interpreter_list(&v.admitted),
                    platforms.join(", ")
                ),
            ));
        }
        let unknown_platform = matches!(v.unresolved, Some(Unresolved::UnknownPlatform(_)));
        for b in a.binaries.iter().filter(|b| b.role == Role::Extension) {
            match pickers.get(b.member.as_str()) {
                Some(rs) => {
                    // The claims of exactly the tags through which interpreters pick it.
                    let claims = Claims::from_tags(rs.iter().map(|r| &r.tag));
                    self.check_binary(b, &claims, findings);
                }
                None if foreign || unknown_platform => {}
                None => findings.push(Finding::member(
                    Code::UnusedBinary,
                    Severity::Warning,
                    &b.member,
                    vec![],
                    format!(
                        "no interpreter the tags admit ({}) picks {}: it is dead weight; drop it, or retag the wheel so that the build it is for installs it (`uniabi retag`)",
                        if v.admitted.is_empty() { "none".to_string() } else { v.admitted.join(", ") },
                        crate::naming::base_name(&b.member)
                    ),
                )),
            }
        }
        // Libraries that use the C API are loaded by whichever interpreter imports the
        // package: judged by their imports against every claim of the wheel.
        for b in a.binaries.iter().filter(|b| b.is_c_api_library()) {
            self.check_binary(b, &own, findings);
        }
        wheel::unloadable_findings(&v, findings);
        if v.ok() {
            self.abi3_tag_hint(&a.binaries, &own, findings);
        }
        let mut platforms: Vec<String> = set.platform.iter().map(|p| p.to_string()).collect();
        platforms.sort();
        *sibling = Some(wheel::Sibling {
            release: (crate::tags::normalize_name(&w.name), w.version.clone()),
            platforms,
            families: crate::tags::PlatformTag::families_of(&set.platform),
            serves_free_threaded: v
                .admitted
                .iter()
                .any(|i| i.ends_with('t') && v.resolutions.iter().filter(|r| &r.python == i).all(|r| r.loads)),
        });
        *verification = Some(v);
        own
    }

    /// The tag set installers see, with findings about WHEEL's `Tag:` lines and the file name.
    fn wheel_tags(&self, w: &WheelInfo, findings: &mut Vec<Finding>) -> TagSet {
        let wheel_tags: Vec<Tag> = w.tags.iter().filter_map(|t| t.parse().ok()).collect();
        for bad in w.tags.iter().filter(|t| t.parse::<Tag>().is_err()) {
            findings.push(Finding::wheel(
                Code::BadTag,
                Severity::Error,
                format!("WHEEL has a Tag: line '{bad}' that is not a wheel tag"),
            ));
        }
        for line in &w.compressed_tag_lines {
            findings.push(Finding::wheel(
                Code::CompressedTagLine,
                Severity::Warning,
                format!("WHEEL has a compressed set on one Tag: line ('{line}'); the format wants one expanded tag per line, and tools that read WHEEL may not expand it; `uniabi retag` with the wheel's own tags writes them expanded"),
            ));
        }
        match w.filename.parse::<WheelFilename>() {
            Ok(name) => {
                if !name.tags.covers_exactly(&wheel_tags) {
                    findings.push(Finding::wheel(
                        Code::TagsMismatch,
                        Severity::Error,
                        format!(
                            "the file name's tags ({}) expand to {}, but WHEEL's Tag: lines are {}: they must be the same set (installers select by file name; PyPI and uv are moving to reject a mismatch); `uniabi retag WHEEL --tags {}` rewrites WHEEL to match the name",
                            name.tags,
                            name.tags.expand().iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "),
                            w.tags.join(", "),
                            name.tags
                        ),
                    ));
                }
                name.tags
            }
            Err(e) => {
                findings.push(Finding::wheel(
                    Code::BadFilename,
                    Severity::Error,
                    format!("the file name is not a valid wheel name: {}", crate::output::chain(&e)),
                ));
                w.installer_tags()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::{Format, Slice};

    #[test]
    fn ok_claims_from_tags() {
        let set: crate::tags::TagSet = "cp313.cp314-abi3.abi3t.cp314t-manylinux_2_28_x86_64".parse().unwrap();
        let c = Claims::from_tags(&set.expand());
        assert_eq!(c.names(), ["abi3", "abi3t", "cp314t"]);
        assert_eq!(c.stable[&StableAbi::Abi3], Some(PyVersion::new(3, 13)));
        assert!(c.any_free_threaded() && c.any_gil());
        assert_eq!(c.lowest_version(), Some(PyVersion::new(3, 13)));
    }

    fn elf_binary(member: &str, imports: &[&str], exports: &[&str]) -> AnalysedBinary {
        use crate::binary::{Binary, Import};
        let slice = Slice {
            arch: "x86_64".into(),
            imports: imports.iter().map(|n| Import { name: n.to_string(), library: None, weak: false }).collect(),
            exports: exports.iter().map(|e| e.to_string()).collect(),
            libraries: vec![],
            abi_info: None,
        };
        let name = crate::naming::parse_extension_name(member);
        let binary = Binary { format: Format::Elf, slices: vec![slice] };
        AnalysedBinary { member: member.into(), role: Role::Extension, name, binary }
    }

    fn findings_for(b: &AnalysedBinary, abi: &str) -> Vec<Finding> {
        let specs = Specs::embedded().unwrap();
        let table = SuffixTable::embedded().unwrap();
        let checker = Checker { specs: &specs, table: &table, abi: abi.parse().unwrap() };
        let mut claims = Claims::default();
        claims.add_stable(StableAbi::Abi3, Some(PyVersion::new(3, 9)));
        let claims = checker.chosen(&claims, Some(PyVersion::new(3, 9)));
        let mut out = Vec::new();
        checker.check_binary(b, &claims, &mut out);
        out
    }

    #[test]
    fn ok_platform_only_symbol_is_a_warning() {
        let b = elf_binary("m.abi3.so", &["PyErr_SetFromWindowsErr", "PyLong_FromLong"], &["PyInit_m"]);
        let f = findings_for(&b, "auto");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].code, f[0].severity), (Code::PlatformOnlySymbol, Severity::Warning));
        assert_eq!(f[0].symbols, ["PyErr_SetFromWindowsErr"]);
        assert!(f[0].message.starts_with("only exists MS_WINDOWS"), "{}", f[0].message);
    }

    #[test]
    fn ok_clean_abi3t_module_with_shim() {
        let b = elf_binary(
            "m.abi3t.so",
            &["PyModuleDef_Init", "Py_IncRef", "PyLong_FromLong"],
            &["PyInit_m", "PyModExport_m"],
        );
        let f = findings_for(&b, "abi3t");
        let codes: Vec<_> = f.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(codes, [(Code::Abi3tShimImport, Severity::Info)]);
    }

    #[test]
    fn err_abi3t_module_without_shim_export() {
        let b = elf_binary("m.abi3t.so", &["PyModuleDef_Init", "PyState_FindModule"], &["PyInit_m"]);
        let mut codes: Vec<_> = findings_for(&b, "abi3t").iter().map(|f| f.code).collect();
        codes.sort();
        assert_eq!(codes, [Code::Abi3tUnusable, Code::Abi3tUnusable, Code::Abi3tNoModexport]);
    }

    #[test]
    fn ok_pyinit_only_abi3t_module_without_moduledef_is_a_warning() {
        // cffi 2.1's out-of-line abi3t modules: PyInit_ only, no PyModuleDef function imported.
        let b = elf_binary("_ffi.abi3t.so", &["Py_IncRef", "PyLong_FromLong"], &["PyInit__ffi"]);
        let f = findings_for(&b, "abi3t");
        let codes: Vec<_> = f.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(codes, [(Code::Abi3tNoModexport, Severity::Warning)]);
        assert!(f[0].message.contains("cffi"), "{}", f[0].message);
        // The same imports in an abi3 build (nothing says it was built for abi3t) do not qualify.
        let abi3 = elf_binary("_ffi.abi3.so", &["Py_IncRef", "PyLong_FromLong"], &["PyInit__ffi"]);
        let f = findings_for(&abi3, "abi3t");
        let codes: Vec<_> = f.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(codes, [(Code::Abi3tNoModexport, Severity::Error)]);
    }

    #[test]
    fn err_pyinit_only_abi3t_module_creating_a_moduledef() {
        let b = elf_binary("m.abi3t.so", &["PyModule_Create2", "PyLong_FromLong"], &["PyInit_m"]);
        let f = findings_for(&b, "abi3t");
        let no_export: Vec<_> = f.iter().filter(|f| f.code == Code::Abi3tNoModexport).collect();
        assert_eq!(no_export.len(), 1, "{f:?}");
        assert_eq!(no_export[0].severity, Severity::Error);
        assert_eq!(no_export[0].symbols, ["PyModule_Create2"]);
    }

    #[test]
    fn err_symbol_outside_the_stable_abi() {
        let b =
            elf_binary("m.abi3.so", &["PyLong_FromLong", "PyMutex_Lock", "PyUnstable_Module_SetGIL"], &["PyInit_m"]);
        let f = findings_for(&b, "auto");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, Code::SymbolNotInAbi);
        assert_eq!(f[0].symbols, ["PyMutex_Lock", "PyUnstable_Module_SetGIL"]);
        assert_eq!(
            f[0].message,
            "2 imports outside the stable ABI, so the module is not a real abi3 module; replace them with Limited API calls or ship a version-specific wheel"
        );
    }

    #[test]
    fn ok_abi_choice() {
        assert_eq!("abi3t".parse::<AbiChoice>().unwrap(), AbiChoice::Stable(StableAbi::Abi3t));
        assert_eq!("cp315t".parse::<AbiChoice>().unwrap(), AbiChoice::Specific(PyVersion::new(3, 15), true));
        assert_eq!("auto".parse::<AbiChoice>().unwrap(), AbiChoice::Auto);
    }

    #[test]
    fn err_abi_choice() {
        assert_eq!(
            "abi4".parse::<AbiChoice>().unwrap_err().to_string(),
            "'abi4' is not an ABI to check: use auto, abi3, abi3t, abi2026, cp32–cp316 or cp313t–cp316t"
        );
        for bad in ["cp31", "cp399", "cp29", "cp312t", "cp317"] {
            assert!(bad.parse::<AbiChoice>().is_err(), "{bad}");
        }
        assert_eq!("cp32".parse::<AbiChoice>().unwrap(), AbiChoice::Specific(PyVersion::new(3, 2), false));
    }
}
