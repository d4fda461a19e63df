//! Judging binaries against what their wheel (or file name) claims.
//!
//! A wheel's tags make claims — `cp39-abi3` claims abi3 from 3.9,
//! `cp315-abi3.abi3t` claims abi3 and abi3t from 3.15, `cp313-cp313t` claims a
//! version-specific free-threaded build — and each claim is checked against
//! the binaries: their CPython imports (against `specs/`), exported hooks, file
//! suffixes, linked DLL and PyABIInfo record, plus import resolution
//! ([`crate::verify`]). Every finding has a stable code, a severity, the member
//! and symbols involved, and a message that says what to do.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::analysis::{Analysed, AnalysedBinary, Role};
use crate::binary::{Format, PythonDll, Slice};
use crate::naming::SuffixAbi;
use crate::specs::{Specs, WindowsAvailability};
use crate::suffixes::SuffixTable;
use crate::tags::{AbiTag, PythonTag, Tag, TagSet, WheelFilename, dead_tags};
use crate::verify;
use crate::version::PyVersion;

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

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Stable code, such as `symbol-not-in-abi`.
    pub code: &'static str,
    pub severity: Severity,
    /// The wheel member (or file) concerned; `None` for the wheel as a whole.
    pub member: Option<String>,
    pub symbols: Vec<String>,
    pub message: String,
}

/// A stable ABI a binary can claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StableAbi {
    Abi3,
    Abi3t,
    Abi2026,
}

impl fmt::Display for StableAbi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StableAbi::Abi3 => "abi3",
            StableAbi::Abi3t => "abi3t",
            StableAbi::Abi2026 => "abi2026",
        })
    }
}

/// What an input claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Each claimed stable ABI with the lowest version it claims (`None`: no version claimed).
    pub stable: BTreeMap<StableAbi, Option<PyVersion>>,
    /// Version-specific builds: (version, free-threaded).
    pub specific: BTreeSet<(PyVersion, bool)>,
}

impl Claims {
    /// The claims as short names: `abi3`, `abi3t`, `cp313t`.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.stable.keys().map(|a| a.to_string()).collect();
        v.extend(self.specific.iter().map(|(ver, ft)| format!("cp{}{}", ver.tag_digits(), if *ft { "t" } else { "" })));
        v
    }

    /// True when some claim serves free-threaded builds.
    pub fn any_free_threaded(&self) -> bool {
        self.stable.contains_key(&StableAbi::Abi3t)
            || self.stable.contains_key(&StableAbi::Abi2026)
            || self.specific.iter().any(|(_, ft)| *ft)
    }

    /// True when some claim serves GIL builds.
    pub fn any_gil(&self) -> bool {
        self.stable.contains_key(&StableAbi::Abi3)
            || self.stable.contains_key(&StableAbi::Abi2026)
            || self.specific.iter().any(|(_, ft)| !ft)
    }

    /// The lowest CPython version any claim names.
    pub fn lowest_version(&self) -> Option<PyVersion> {
        self.stable.values().flatten().chain(self.specific.iter().map(|(v, _)| v)).min().copied()
    }

    fn add_stable(&mut self, abi: StableAbi, version: Option<PyVersion>) {
        let slot = self.stable.entry(abi).or_insert(version);
        *slot = match (*slot, version) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The claims of a set of expanded tags.
    pub fn from_tags(tags: &[Tag]) -> Claims {
        let mut c = Claims::default();
        for tag in tags {
            let version = match &tag.python {
                PythonTag::CPython { version } | PythonTag::CPythonThreaded { version } => Some(*version),
                _ => None,
            };
            match &tag.abi {
                AbiTag::Abi3 => c.add_stable(StableAbi::Abi3, version),
                AbiTag::Abi3t => c.add_stable(StableAbi::Abi3t, version),
                AbiTag::AbiYear(2026) => c.add_stable(StableAbi::Abi2026, version),
                AbiTag::CPython { version, free_threaded, .. } => {
                    c.specific.insert((*version, *free_threaded));
                }
                _ => {}
            }
        }
        c
    }

    /// What a bare file's name (or, for a `.pyd` without an ABI in its name, its DLL) claims.
    pub fn from_file(b: &AnalysedBinary) -> Claims {
        let mut c = Claims::default();
        match b.name.as_ref().and_then(|n| n.abi) {
            Some(SuffixAbi::Abi3) => c.add_stable(StableAbi::Abi3, None),
            Some(SuffixAbi::Abi3t) => c.add_stable(StableAbi::Abi3t, Some(ABI3T_SINCE)),
            Some(SuffixAbi::Abi2026) => c.add_stable(StableAbi::Abi2026, Some(ABI3T_SINCE)),
            Some(SuffixAbi::CPython { version, free_threaded, .. }) => {
                c.specific.insert((version, free_threaded));
            }
            None => match dll_kind(b) {
                Some(PythonDll::Abi3) => c.add_stable(StableAbi::Abi3, None),
                Some(PythonDll::Abi3t) => c.add_stable(StableAbi::Abi3t, Some(ABI3T_SINCE)),
                Some(PythonDll::Specific { version, free_threaded }) => {
                    c.specific.insert((version, free_threaded));
                }
                None => {}
            },
        }
        c
    }
}

const ABI3T_SINCE: PyVersion = PyVersion::new(3, 15);

/// The ABI `--abi` asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbiChoice {
    /// Each input against its own claims.
    Auto,
    Stable(StableAbi),
    Specific(PyVersion, bool),
}

/// `--abi` value that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiChoiceError(pub String);

impl fmt::Display for AbiChoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not an ABI to check: use auto, abi3, abi3t, abi2026, cp3XY or cp3XYt", self.0)
    }
}

impl std::error::Error for AbiChoiceError {}

impl FromStr for AbiChoice {
    type Err = AbiChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(AbiChoice::Auto),
            "abi3" => Ok(AbiChoice::Stable(StableAbi::Abi3)),
            "abi3t" => Ok(AbiChoice::Stable(StableAbi::Abi3t)),
            "abi2026" => Ok(AbiChoice::Stable(StableAbi::Abi2026)),
            other => match other.parse::<AbiTag>() {
                Ok(AbiTag::CPython { version, free_threaded, debug: false }) => {
                    Ok(AbiChoice::Specific(version, free_threaded))
                }
                _ => Err(AbiChoiceError(s.to_string())),
            },
        }
    }
}

/// The result of checking one input.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InputCheck {
    pub path: String,
    pub claims: Vec<String>,
    /// `pass`, `fail` or `error`.
    pub verdict: &'static str,
    pub error: Option<String>,
    pub findings: Vec<Finding>,
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
        let claims = match &a.wheel {
            Some(w) => self.check_wheel(a, w, &mut findings),
            None => {
                let claims = a.binaries.first().map(Claims::from_file).unwrap_or_default();
                let claims = self.chosen(claims, None);
                for b in &a.binaries {
                    self.check_binary(b, &claims, &mut findings);
                }
                claims
            }
        };
        findings.sort_by(|x, y| (x.severity, &x.member, x.code).cmp(&(y.severity, &y.member, y.code)));
        findings.dedup();
        let error = a.error();
        let verdict = if error.is_some() {
            "error"
        } else if findings.iter().any(|f| f.severity == Severity::Error) {
            "fail"
        } else {
            "pass"
        };
        InputCheck { path: a.input.display.clone(), claims: claims.names(), verdict, error, findings }
    }

    /// Whether one extension binary would qualify for a stable ABI from 3.15
    /// (what `check --abi abi3t|abi2026` decides): the error findings that block it.
    pub fn blockers(&self, b: &AnalysedBinary, abi: StableAbi) -> Vec<Finding> {
        let checker = Checker { specs: self.specs, table: self.table, abi: AbiChoice::Stable(abi) };
        let claims = checker.chosen(Claims::default(), Some(ABI3T_SINCE));
        let mut findings = Vec::new();
        checker.check_binary(b, &claims, &mut findings);
        findings.retain(|f| f.severity == Severity::Error);
        findings
    }

    /// The claims to judge: the input's own, or what `--abi` asks.
    fn chosen(&self, own: Claims, lowest_python: Option<PyVersion>) -> Claims {
        let mut c = Claims::default();
        match self.abi {
            AbiChoice::Auto => return own,
            AbiChoice::Stable(StableAbi::Abi3) => c.add_stable(StableAbi::Abi3, lowest_python),
            AbiChoice::Stable(abi) => c.add_stable(abi, Some(ABI3T_SINCE)),
            AbiChoice::Specific(v, ft) => {
                c.specific.insert((v, ft));
            }
        }
        c
    }

    fn check_wheel(&self, a: &Analysed, w: &crate::analysis::WheelInfo, findings: &mut Vec<Finding>) -> Claims {
        let wheel_tags: Vec<Tag> = w.tags.iter().filter_map(|t| t.parse().ok()).collect();
        for bad in w.tags.iter().filter(|t| t.parse::<Tag>().is_err()) {
            findings.push(wheel_finding(
                "bad-tag",
                Severity::Error,
                format!("WHEEL has a Tag: line '{bad}' that is not a wheel tag"),
            ));
        }
        for line in &w.compressed_tag_lines {
            findings.push(wheel_finding(
                "compressed-tag-line",
                Severity::Warning,
                format!("WHEEL has a compressed set on one Tag: line ('{line}'); the format wants one expanded tag per line, and tools that read WHEEL may not expand it"),
            ));
        }
        let set = match w.filename.parse::<WheelFilename>() {
            Ok(name) => {
                if !name.tags.covers_exactly(&wheel_tags) {
                    findings.push(wheel_finding(
                        "tags-mismatch",
                        Severity::Error,
                        format!(
                            "the file name's tags ({}) and WHEEL's Tag: lines ({}) describe different sets; installers select by file name",
                            name.tags,
                            w.tags.join(", ")
                        ),
                    ));
                }
                name.tags
            }
            Err(e) => {
                findings.push(wheel_finding(
                    "bad-filename",
                    Severity::Error,
                    format!("the file name is not a valid wheel name: {}", crate::cmd::chain(&e)),
                ));
                TagSet::compress(&wheel_tags)
            }
        };
        let tags = set.expand();
        let own = Claims::from_tags(&tags);
        let lowest_python = tags
            .iter()
            .filter_map(|t| match t.python {
                PythonTag::CPython { version } => Some(version),
                _ => None,
            })
            .min();
        let claims = self.chosen(own.clone(), lowest_python);
        if self.abi == AbiChoice::Auto {
            tag_findings(&set, &own, findings);
        }
        for b in &a.binaries {
            self.check_binary(b, &claims, findings);
        }
        if self.abi == AbiChoice::Auto {
            let v = verify::verify(&set, &a.binaries, self.specs, self.table, false);
            unloadable_findings(&v, findings);
        }
        claims
    }

    /// Binary-level findings for one shared object.
    fn check_binary(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        if b.role != Role::Extension {
            return;
        }
        let member = b.member.clone();
        let finding = |code, severity, symbols: Vec<String>, message: String| Finding {
            code,
            severity,
            member: Some(member.clone()),
            symbols,
            message,
        };
        let hooks: BTreeSet<&str> = b.slices().iter().flat_map(|s| s.module_hooks()).collect();
        let module = b.name.as_ref().map(|n| n.module.as_str()).unwrap_or("");
        let has_export = hooks.iter().any(|h| h.starts_with("PyModExport"));
        let init = format!("PyInit_{module}");
        let needs_init = claims.lowest_version().is_none_or(|v| v < ABI3T_SINCE);
        if module.is_ascii() && !module.is_empty() {
            if !hooks.contains(init.as_str()) && !hooks.contains(format!("PyModExport_{module}").as_str()) {
                findings.push(finding(
                    "missing-hook",
                    Severity::Error,
                    vec![],
                    format!("exports neither {init} nor PyModExport_{module}: `import {module}` fails; the hook must be named for the file's module"),
                ));
            } else if needs_init && !hooks.contains(init.as_str()) {
                findings.push(finding(
                    "missing-pyinit",
                    Severity::Error,
                    vec![],
                    format!("exports no {init}, which interpreters before 3.15 need; add a PyInit_ shim or raise the wheel's Python tag to cp315"),
                ));
            }
        }
        if self.abi == AbiChoice::Auto {
            self.suffix_findings(b, claims, &mut *findings);
        }
        if b.format() == Format::Pe {
            dll_findings(b, claims, &mut *findings);
        }
        for (abi, min) in &claims.stable {
            let per_slice: Vec<Vec<Finding>> =
                b.slices().iter().map(|s| self.stable_findings(b, s, *abi, *min, has_export, &finding)).collect();
            merge_slices(b, per_slice, findings);
        }
        if !claims.stable.is_empty() {
            let ft: BTreeSet<String> = b
                .slices()
                .iter()
                .flat_map(|s| s.python_imports())
                .filter(|s| self.specs.internal_free_threading(s).is_some())
                .map(str::to_string)
                .collect();
            if !ft.is_empty() {
                findings.push(finding(
                    "internal-symbol",
                    Severity::Error,
                    ft.into_iter().collect(),
                    "imports CPython's internal free-threading refcount functions, which no stable ABI has: it was built as a version-specific free-threaded module; rebuild with Py_LIMITED_API / Py_TARGET_ABI3T".into(),
                ));
            }
        }
        if !has_export
            && let Some(abi) =
                [StableAbi::Abi3t, StableAbi::Abi2026].into_iter().find(|a| claims.stable.contains_key(a))
        {
            findings.push(finding(
                if abi == StableAbi::Abi3t { "abi3t-no-modexport" } else { "abi2026-no-modexport" },
                Severity::Error,
                vec![],
                format!("{abi} is claimed but the module exports no PyModExport_{module} hook (PEP 793); {abi} modules cannot build a PyModuleDef, so export the new hook"),
            ));
        }
        self.abi_info_findings(b, claims, findings);
    }

    fn stable_findings(
        &self,
        b: &AnalysedBinary,
        slice: &Slice,
        abi: StableAbi,
        min: Option<PyVersion>,
        has_export: bool,
        finding: &impl Fn(&'static str, Severity, Vec<String>, String) -> Finding,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut outside = Vec::new();
        let mut too_new: BTreeMap<PyVersion, Vec<String>> = BTreeMap::new();
        let mut platform_only: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut unusable = Vec::new();
        let mut shim = Vec::new();
        for sym in slice.python_imports() {
            if self.specs.internal_free_threading(sym).is_some() {
                continue;
            }
            let item = self.specs.stable(sym).filter(|i| i.kind.is_symbol());
            let Some(item) = item else {
                outside.push(sym.to_string());
                continue;
            };
            if let Some(min) = min
                && item.added > min
            {
                too_new.entry(item.added).or_default().push(sym.to_string());
            }
            if let Some(feature) = item.ifdef.as_deref().and_then(|m| self.specs.feature_macro(m)) {
                let wrong = match feature.windows {
                    WindowsAvailability::Yes => b.format() != Format::Pe && feature.name == "MS_WINDOWS",
                    WindowsAvailability::No => b.format() == Format::Pe,
                    WindowsAvailability::Maybe => false,
                };
                if wrong {
                    platform_only
                        .entry(format!("{} ({})", feature.name, feature.doc))
                        .or_default()
                        .push(sym.to_string());
                }
            }
            if matches!(abi, StableAbi::Abi3t | StableAbi::Abi2026)
                && let Some(rule) = self.specs.abi3t_rule(sym)
            {
                if has_export && rule.shim_ok {
                    shim.push(sym.to_string());
                } else {
                    unusable.push((sym.to_string(), rule.reason.clone(), rule.replacement.clone()));
                }
            } else if abi == StableAbi::Abi2026 && !self.specs.in_abi2026(sym) {
                outside.push(sym.to_string());
            }
        }
        let abi_name = abi.to_string();
        if !outside.is_empty() {
            let message = match abi {
                StableAbi::Abi2026 => format!(
                    "{} outside the abi2026 prototype's frozen set (the abi3t-usable stable ABI of 3.15 plus PEP 809's additions); replace them with stable-ABI calls",
                    count_noun(outside.len(), "import")
                ),
                _ => format!(
                    "{} outside the stable ABI, so the module is not a real {abi_name} module; replace them with Limited API calls or ship a version-specific wheel",
                    count_noun(outside.len(), "import")
                ),
            };
            out.push(finding("symbol-not-in-abi", Severity::Error, outside, message));
        }
        for (needs, syms) in too_new {
            let claimed = min.map(|m| m.to_string()).unwrap_or_default();
            out.push(finding(
                "symbol-too-new",
                Severity::Error,
                syms,
                format!("{abi_name} is claimed from {claimed}, but these entered the stable ABI in {needs}: raise the Python tag to cp{} or avoid them", needs.tag_digits()),
            ));
        }
        for (feature, syms) in platform_only {
            out.push(finding(
                "platform-only-symbol",
                Severity::Warning,
                syms,
                format!("only exists {feature}, not on this binary's platform; the import will fail to resolve unless the interpreter provides it"),
            ));
        }
        for (sym, reason, replacement) in unusable {
            out.push(finding(
                "abi3t-unusable",
                Severity::Error,
                vec![sym.clone()],
                format!("{sym} cannot be used by an {abi_name} module: {reason}; instead: {replacement}"),
            ));
        }
        if !shim.is_empty() {
            out.push(finding(
                "abi3t-shim-import",
                Severity::Info,
                shim,
                format!("unusable in {abi_name}, but the module also exports PyModExport_, so these serve the PyInit_ shim for interpreters before 3.15"),
            ));
        }
        out
    }

    fn suffix_findings(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        let Some(abi) = b.name.as_ref().and_then(|n| n.abi) else {
            return;
        };
        let claimed = match abi {
            SuffixAbi::Abi3 => claims.stable.contains_key(&StableAbi::Abi3),
            SuffixAbi::Abi3t => claims.stable.contains_key(&StableAbi::Abi3t),
            SuffixAbi::Abi2026 => claims.stable.contains_key(&StableAbi::Abi2026),
            SuffixAbi::CPython { version, free_threaded, .. } => claims.specific.contains(&(version, free_threaded)),
        };
        let file = crate::naming::base_name(&b.member);
        if !claimed {
            findings.push(Finding {
                code: "suffix-not-claimed",
                severity: Severity::Error,
                member: Some(b.member.clone()),
                symbols: vec![],
                message: format!(
                    "{file} is named for {abi}, which the tags do not claim ({}); rename it or retag the wheel",
                    claims.names().join(", ")
                ),
            });
        } else if abi == SuffixAbi::Abi3 && claims.stable.contains_key(&StableAbi::Abi3t) {
            findings.push(Finding {
                code: "suffix-abi3-for-abi3t",
                severity: Severity::Error,
                member: Some(b.member.clone()),
                symbols: vec![],
                message: format!(
                    "{file} ends in .abi3.so but abi3t is claimed: free-threaded 3.15+ never loads an .abi3.so; name an abi3t build {}.abi3t.so",
                    b.name.as_ref().map(|n| n.module.as_str()).unwrap_or("module")
                ),
            });
        }
    }

    fn abi_info_findings(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        let infos: BTreeSet<_> = b.slices().iter().filter_map(|s| s.abi_info).collect();
        if infos.len() != 1 {
            return;
        }
        let Some(info) = infos.into_iter().next() else {
            return;
        };
        let mut missing = Vec::new();
        if !claims.stable.is_empty() && claims.specific.is_empty() && !info.is_stable() {
            missing.push("stable");
        }
        if claims.any_gil() && !info.is_gil() {
            missing.push("gil");
        }
        if claims.any_free_threaded() && !info.is_free_threaded() {
            missing.push("free-threaded");
        }
        let described = format!(
            "PyABIInfo record: flags {} ({}), built with {}, ABI {}",
            format_args!("{:#06x}", info.flags),
            info.flag_names(),
            crate::binary::AbiInfo::version_text(info.build_version),
            crate::binary::AbiInfo::version_text(info.abi_version)
        );
        if missing.is_empty() {
            findings.push(Finding {
                code: "abi-info",
                severity: Severity::Info,
                member: Some(b.member.clone()),
                symbols: vec![],
                message: format!("{described}; agrees with the tags"),
            });
        } else {
            findings.push(Finding {
                code: "abi-info-mismatch",
                severity: Severity::Error,
                member: Some(b.member.clone()),
                symbols: vec![],
                message: format!(
                    "{described}; the tags claim {} but the record lacks {}: the interpreter will refuse it, so fix the build macros or the tags",
                    claims.names().join(", "),
                    missing.join(" and ")
                ),
            });
        }
    }
}

fn wheel_finding(code: &'static str, severity: Severity, message: String) -> Finding {
    Finding { code, severity, member: None, symbols: vec![], message }
}

fn count_noun(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Combine the findings of a binary's slices: identical ones once; ones only
/// some slices have say which.
fn merge_slices(b: &AnalysedBinary, per_slice: Vec<Vec<Finding>>, findings: &mut Vec<Finding>) {
    let n = per_slice.len();
    let mut seen: BTreeMap<Finding, Vec<&str>> = BTreeMap::new();
    for (slice, fs) in b.slices().iter().zip(per_slice) {
        for f in fs {
            seen.entry(f).or_default().push(slice.arch.as_str());
        }
    }
    for (mut f, arches) in seen {
        if arches.len() < n {
            f.message = format!("[{}] {}", arches.join(", "), f.message);
        }
        findings.push(f);
    }
}

/// The ABI a `.pyd` was built for, from the DLL it links.
fn dll_kind(b: &AnalysedBinary) -> Option<PythonDll> {
    PythonDll::parse(b.slices().iter().find_map(|s| s.python_library())?)
}

fn dll_findings(b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
    let Some(kind) = dll_kind(b) else { return };
    let dll = b.slices().iter().find_map(|s| s.python_library()).unwrap_or_default().to_string();
    let name_abi = b.name.as_ref().and_then(|n| n.abi);
    let problem = match kind {
        PythonDll::Abi3 if claims.stable.contains_key(&StableAbi::Abi3t) && name_abi.is_none() => Some(format!(
            "links {dll}, the GIL build's stable ABI, but abi3t is claimed: free-threaded interpreters cannot load it; build with Py_TARGET_ABI3T so it links python3t.dll"
        )),
        PythonDll::Abi3 if claims.stable.contains_key(&StableAbi::Abi2026) && name_abi.is_none() => Some(format!(
            "links {dll}, but abi2026 is claimed: the prototype's abi2026 DLL is python3t.dll (prototype choice, not specified by PEP 809)"
        )),
        PythonDll::Abi3t
            if !claims.stable.contains_key(&StableAbi::Abi3t) && !claims.stable.contains_key(&StableAbi::Abi2026) =>
        {
            Some(format!(
                "links {dll}, the free-threaded stable ABI DLL, but the tags claim only {}: GIL interpreters before 3.15 have no python3t.dll; tag the wheel abi3t or abi3.abi3t from cp315",
                claims.names().join(", ")
            ))
        }
        PythonDll::Specific { version: v, free_threaded: ft } if !claims.specific.contains(&(v, ft)) => Some(format!(
            "links {dll}, so it is a version-specific cp{}{} build, which the tags do not claim ({}); retag the wheel cp{}-cp{}{}",
            v.tag_digits(),
            if ft { "t" } else { "" },
            claims.names().join(", "),
            v.tag_digits(),
            v.tag_digits(),
            if ft { "t" } else { "" }
        )),
        _ => None,
    };
    if let Some(message) = problem {
        findings.push(Finding {
            code: "dll-mismatch",
            severity: Severity::Error,
            member: Some(b.member.clone()),
            symbols: vec![dll],
            message,
        });
    }
}

/// Wheel-level findings from the tags alone.
fn tag_findings(set: &TagSet, claims: &Claims, findings: &mut Vec<Finding>) {
    for dead in dead_tags(set) {
        findings.push(wheel_finding(
            "dead-tag",
            Severity::Error,
            format!("no installer accepts the tag {}: {}", dead.tag, dead.reason),
        ));
    }
    if let Some(Some(v)) = claims.stable.get(&StableAbi::Abi3t)
        && *v < ABI3T_SINCE
    {
        findings.push(wheel_finding(
            "abi3t-below-315",
            Severity::Warning,
            format!(
                "abi3t is claimed from {v}: installers accept it there, but CPython defines abi3t only from 3.15 (PEP 803 reserves cp3X-abi3t below cp315); make sure the binary really loads on {v}t"
            ),
        ));
    }
    if !claims.any_free_threaded() && !claims.stable.is_empty() {
        findings.push(wheel_finding(
            "no-free-threaded",
            Severity::Warning,
            "the wheel serves no free-threaded interpreter: abi3 never loads on a free-threaded build; add an abi3t (cp315-abi3.abi3t) or version-specific cp3XYt build".into(),
        ));
    }
}

/// Findings from import resolution, one per (module, problem), naming the interpreters.
fn unloadable_findings(v: &verify::Verification, findings: &mut Vec<Finding>) {
    let mut grouped: BTreeMap<(Option<String>, String, String), Vec<String>> = BTreeMap::new();
    for r in v.failures() {
        let problem = r.problem.clone().unwrap_or_default();
        grouped.entry((r.file.clone(), r.module.clone(), problem)).or_default().push(r.python.clone());
    }
    for ((file, module, problem), pythons) in grouped {
        findings.push(Finding {
            code: if file.is_some() { "unloadable" } else { "no-loadable-file" },
            severity: Severity::Error,
            member: file,
            symbols: vec![],
            message: format!("the tags admit {} but import of {module} fails there: {problem}", pythons.join(", ")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_claims_from_tags() {
        let set: TagSet = "cp313.cp314-abi3.abi3t.cp314t-manylinux_2_28_x86_64".parse().unwrap();
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
        let claims = checker.chosen(claims, Some(PyVersion::new(3, 9)));
        let mut out = Vec::new();
        checker.check_binary(b, &claims, &mut out);
        out
    }

    #[test]
    fn ok_platform_only_symbol_is_a_warning() {
        let b = elf_binary("m.abi3.so", &["PyErr_SetFromWindowsErr", "PyLong_FromLong"], &["PyInit_m"]);
        let f = findings_for(&b, "auto");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].code, f[0].severity), ("platform-only-symbol", Severity::Warning));
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
        assert_eq!(codes, [("abi3t-shim-import", Severity::Info)]);
    }

    #[test]
    fn err_abi3t_module_without_shim_export() {
        let b = elf_binary("m.abi3t.so", &["PyModuleDef_Init", "PyState_FindModule"], &["PyInit_m"]);
        let mut codes: Vec<_> = findings_for(&b, "abi3t").iter().map(|f| f.code).collect();
        codes.sort();
        assert_eq!(codes, ["abi3t-no-modexport", "abi3t-unusable", "abi3t-unusable"]);
    }

    #[test]
    fn err_symbol_outside_the_stable_abi() {
        let b =
            elf_binary("m.abi3.so", &["PyLong_FromLong", "PyMutex_Lock", "PyUnstable_Module_SetGIL"], &["PyInit_m"]);
        let f = findings_for(&b, "auto");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "symbol-not-in-abi");
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
            "'abi4' is not an ABI to check: use auto, abi3, abi3t, abi2026, cp3XY or cp3XYt"
        );
    }
}
