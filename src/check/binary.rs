//! Binary-level judgement: one extension module against the claims it is judged
//! by: hooks, file suffix, linked DLL, PyABIInfo record, and (per slice) its
//! imports ([`super::symbols`]).

use std::collections::{BTreeMap, BTreeSet};

use super::claims::dll_kind;
use super::{AbiChoice, Checker, Claims, Code, Finding, Severity, StableAbi};
use crate::analysis::{AnalysedBinary, Role};
use crate::binary::{AbiInfo, Format, PythonDll};
use crate::naming::{self, SuffixAbi};
use crate::specs::Specs;
use crate::verify::MODEXPORT_SINCE;

impl Checker<'_> {
    /// Binary-level findings for one shared object judged by `claims`: a module
    /// by its hooks, suffix, DLL, PyABIInfo and imports; a library that uses the
    /// C API by its DLL and imports only (`import` never loads it); any other
    /// library not at all.
    pub(super) fn check_binary(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        if b.role == Role::Extension {
            self.check_module(b, claims, findings);
        } else if b.is_c_api_library() {
            self.check_imports(b, claims, findings);
        }
    }

    /// A module's own findings (hooks, suffix, PyABIInfo), then its imports'.
    fn check_module(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        let finding = |code, severity, symbols, message| Finding::member(code, severity, &b.member, symbols, message);
        let hooks: BTreeSet<&str> = b.slices().iter().flat_map(|s| s.module_hooks()).collect();
        let module = b.name.as_ref().map(|n| n.module.as_str()).unwrap_or("");
        let has_export = hooks.iter().any(|h| h.starts_with("PyModExport"));
        let init = format!("PyInit_{module}");
        // Whether an interpreter this binary claims still looks up `PyInit_` only: a
        // fact of CPython's import system, the same one `verify` uses.
        let needs_init = claims.lowest_version().is_none_or(|v| v < MODEXPORT_SINCE);
        if module.is_ascii() && !module.is_empty() {
            if !hooks.contains(init.as_str()) && !hooks.contains(format!("PyModExport_{module}").as_str()) {
                // It exports a hook (it would be a library otherwise), named for another module.
                let exported: Vec<String> = hooks.iter().map(|h| h.to_string()).collect();
                findings.push(finding(
                    Code::MissingHook,
                    Severity::Error,
                    exported,
                    format!("exports a module hook, but neither {init} nor PyModExport_{module}: `import {module}` fails; the hook must be named for the module it is imported as (a package's own name for its `__init__`)"),
                ));
            } else if needs_init && !hooks.contains(init.as_str()) {
                findings.push(finding(
                    Code::MissingPyinit,
                    Severity::Error,
                    vec![],
                    format!(
                        "exports no {init}, which interpreters before {MODEXPORT_SINCE} need; add a PyInit_ shim or raise the wheel's Python tag to cp{} (`uniabi retag`)",
                        MODEXPORT_SINCE.tag_digits()
                    ),
                ));
            }
        }
        if matches!(self.abi, AbiChoice::Auto | AbiChoice::Specific(..)) {
            self.suffix_findings(b, claims, findings);
        }
        self.check_imports(b, claims, findings);
        if !has_export
            && let Some(abi) =
                [StableAbi::Abi3t, StableAbi::Abi2026].into_iter().find(|a| claims.stable.contains_key(a))
        {
            self.no_modexport(b, abi, module, findings);
        }
        self.abi_info_findings(b, claims, findings);
    }

    /// What a binary's imports say against `claims`: the Python DLL it links, stable-ABI
    /// membership and versions, and free-threading internals.
    fn check_imports(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        let finding = |code, severity, symbols, message| Finding::member(code, severity, &b.member, symbols, message);
        let hooks: BTreeSet<&str> = b.slices().iter().flat_map(|s| s.module_hooks()).collect();
        let has_export = hooks.iter().any(|h| h.starts_with("PyModExport"));
        if b.format() == Format::Pe {
            dll_findings(b, claims, self.specs, findings);
        }
        for (abi, min) in &claims.stable {
            let per_slice: Vec<Vec<Finding>> = b
                .slices()
                .iter()
                .map(|s| super::symbols::stable_findings(self.specs, b, s, *abi, *min, has_export))
                .collect();
            merge_slices(b, per_slice, findings);
        }
        let internal: BTreeSet<String> = b
            .slices()
            .iter()
            .flat_map(|s| s.python_imports())
            .filter(|s| self.specs.internal_free_threading(s).is_some())
            .map(str::to_string)
            .collect();
        if !internal.is_empty() {
            if !claims.stable.is_empty() {
                findings.push(finding(
                    Code::InternalSymbol,
                    Severity::Error,
                    internal.into_iter().collect(),
                    "imports CPython's internal free-threading refcount functions, which no stable ABI has: it was built as a version-specific free-threaded module; rebuild with Py_LIMITED_API / Py_TARGET_ABI3T".into(),
                ));
            } else if claims.any_gil() && !claims.any_free_threaded() {
                findings.push(finding(
                    Code::InternalSymbol,
                    Severity::Error,
                    internal.into_iter().collect(),
                    format!(
                        "imports CPython's internal free-threading refcount functions, which only free-threaded builds export: it was built for a free-threaded interpreter, not {}",
                        claims.names().join(", ")
                    ),
                ));
            }
        }
    }

    /// abi3t/abi2026 claimed and no `PyModExport_`: an error when the module needs a
    /// `PyModuleDef` (imports a function that takes one), else the cffi pattern.
    fn no_modexport(&self, b: &AnalysedBinary, abi: StableAbi, module: &str, findings: &mut Vec<Finding>) {
        let code = if abi == StableAbi::Abi3t { Code::Abi3tNoModexport } else { Code::Abi2026NoModexport };
        let needs_def: BTreeSet<String> = b
            .slices()
            .iter()
            .flat_map(|s| s.python_imports())
            .filter(|s| self.specs.abi3t_rule(s).is_some())
            .map(str::to_string)
            .collect();
        // The cffi pattern is allowed only to a binary that says itself it was built for
        // this ABI (its suffix, its DLL, or a free-threaded stable PyABIInfo): a PyInit_-only
        // abi3 build shows nothing of how it touches reference counts, so it never qualifies.
        let declared = match b.name.as_ref().and_then(|n| n.abi) {
            Some(SuffixAbi::Abi3t) => abi == StableAbi::Abi3t,
            Some(SuffixAbi::Abi2026) => abi == StableAbi::Abi2026,
            _ => {
                matches!(dll_kind(b), Some(PythonDll::Abi3t))
                    || b.slices().iter().filter_map(|s| s.abi_info).any(|i| i.is_stable() && i.is_free_threaded())
            }
        };
        if needs_def.is_empty() && declared {
            findings.push(Finding::member(
                code,
                Severity::Warning,
                &b.member,
                vec![],
                format!("{abi} is claimed and the module exports no PyModExport_{module} hook (PEP 793), but it imports nothing that needs a PyModuleDef: its PyInit_ gets its module another way (as cffi's out-of-line modules do), which {abi} allows; exporting PyModExport_ is still PEP 803's recommendation"),
            ));
        } else if needs_def.is_empty() {
            findings.push(Finding::member(
                code,
                Severity::Error,
                &b.member,
                vec![],
                format!("{abi} is claimed but the module exports no PyModExport_{module} hook (PEP 793), and nothing in it (suffix, DLL, PyABIInfo) says it was built for {abi}: build it for {abi} and export the new hook"),
            ));
        } else {
            findings.push(Finding::member(
                code,
                Severity::Error,
                &b.member,
                needs_def.into_iter().collect(),
                format!("{abi} is claimed but the module exports no PyModExport_{module} hook (PEP 793) and imports functions that need a PyModuleDef, which {abi} modules cannot build: export the new hook"),
            ));
        }
    }

    fn suffix_findings(&self, b: &AnalysedBinary, claims: &Claims, findings: &mut Vec<Finding>) {
        let Some(abi) = b.name.as_ref().and_then(|n| n.abi) else {
            return;
        };
        // A stable-ABI binary picked only by version-specific builds it serves is fine.
        let served = |abi| claims.stable.is_empty() && claims.specific_served_by(abi, self.specs);
        let claimed = match abi {
            SuffixAbi::Abi3 => claims.stable.contains_key(&StableAbi::Abi3) || served(StableAbi::Abi3),
            // PEP 803: `.abi3t.so` means "abi3 and abi3t"; GIL builds pick it from 3.15 on.
            SuffixAbi::Abi3t => {
                claims.stable.contains_key(&StableAbi::Abi3t)
                    || claims.stable.contains_key(&StableAbi::Abi3)
                    || served(StableAbi::Abi3t)
            }
            SuffixAbi::Abi2026 => claims.stable.contains_key(&StableAbi::Abi2026) || served(StableAbi::Abi2026),
            SuffixAbi::CPython { version, free_threaded, .. } => claims.specific.contains(&(version, free_threaded)),
        };
        let file = naming::base_name(&b.member);
        let what = if self.abi == AbiChoice::Auto { "the tags do not claim" } else { "is not the ABI asked for" };
        if !claimed {
            findings.push(Finding::member(
                Code::SuffixNotClaimed,
                Severity::Error,
                &b.member,
                vec![],
                format!(
                    "{file} is named for {abi}, which {what} ({}); rename it or retag the wheel (`uniabi retag`)",
                    claims.names().join(", ")
                ),
            ));
        } else if abi == SuffixAbi::Abi3 && claims.stable.contains_key(&StableAbi::Abi3t) {
            findings.push(Finding::member(
                Code::SuffixAbi3ForAbi3t,
                Severity::Error,
                &b.member,
                vec![],
                format!(
                    "{file} ends in .abi3.so but abi3t is claimed: a free-threaded interpreter never loads an .abi3.so; name an abi3t build {}.abi3t.so",
                    b.name.as_ref().map(|n| n.stem.as_str()).unwrap_or("module")
                ),
            ));
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
            "PyABIInfo record: flags {:#06x} ({}), built with {}, ABI {}",
            info.flags,
            info.flag_names(),
            AbiInfo::version_text(info.build_version),
            AbiInfo::version_text(info.abi_version)
        );
        if missing.is_empty() {
            findings.push(Finding::member(
                Code::AbiInfo,
                Severity::Info,
                &b.member,
                vec![],
                format!("{described}; agrees with the claims"),
            ));
        } else {
            findings.push(Finding::member(
                Code::AbiInfoMismatch,
                Severity::Error,
                &b.member,
                vec![],
                format!(
                    "{described}; the claims are {} but the record lacks {}: the interpreter will refuse it, so fix the build macros or the tags",
                    claims.names().join(", "),
                    missing.join(" and ")
                ),
            ));
        }
    }
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

fn dll_findings(b: &AnalysedBinary, claims: &Claims, specs: &Specs, findings: &mut Vec<Finding>) {
    let abi3t_since = specs.abi3t().min_version;
    // GIL interpreters from 3.15 ship python3t.dll too: abi3 claimed only from there on is
    // served, and so are version-specific builds from there on.
    let abi3_from_abi3t = matches!(claims.stable.get(&StableAbi::Abi3), Some(Some(v)) if *v >= abi3t_since)
        || (claims.stable.is_empty() && claims.specific_served_by(StableAbi::Abi3t, specs));
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
            if !claims.stable.contains_key(&StableAbi::Abi3t)
                && !claims.stable.contains_key(&StableAbi::Abi2026)
                && !abi3_from_abi3t =>
        {
            Some(format!(
                "links {dll}, the free-threaded stable ABI DLL, but the claims are only {}: GIL interpreters before {abi3t_since} have no python3t.dll; tag the wheel abi3t or abi3.abi3t from cp{}",
                claims.names().join(", "),
                abi3t_since.tag_digits()
            ))
        }
        PythonDll::Specific { version: v, free_threaded: ft } if !claims.specific.contains(&(v, ft)) => Some(format!(
            "links {dll}, so it is a version-specific cp{}{} build, which the claims do not include ({}); retag the wheel cp{}-cp{}{}",
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
        findings.push(Finding::member(Code::DllMismatch, Severity::Error, &b.member, vec![dll], message));
    }
}
