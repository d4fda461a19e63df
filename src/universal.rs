//! Planning the one universal wheel a group of per-version wheels could become,
//! under PEP 803 (`cp315-abi3.abi3t`) or the PEP 809 prototype (`cp315-abi2026`).
//!
//! Shared by `merge` (which writes it) and `compare` (which shows it): the
//! file name, `Tag:` lines, extension file names, build macros, Windows DLL,
//! which interpreters it serves and which the inputs served that it cannot,
//! and — from `check --abi abi3t|abi2026` — whether each module has a
//! qualifying binary, or what blocks it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analysis::{Analysed, AnalysedBinary, Role};
use crate::binary::Format;
use crate::check::{Checker, StableAbi};
use crate::specs::{PROTOTYPE_LABEL, Specs};
use crate::tags::{AbiTag, PlatformTag, PythonTag, TagSet, WheelFilename, interpreters};
use crate::version::PyVersion;

/// Which proposal a plan follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Proposal {
    /// PEP 803 (final): `abi3.abi3t`.
    Pep803,
    /// PEP 809 (draft), as this project's prototype models it: `abi2026`.
    Pep809,
}

impl Proposal {
    /// The stable ABI whose qualification the proposal needs.
    pub fn abi(self) -> StableAbi {
        match self {
            Proposal::Pep803 => StableAbi::Abi3t,
            Proposal::Pep809 => StableAbi::Abi2026,
        }
    }

    /// The lowest CPython the proposal's wheel serves: its ABI's `min_version` in the
    /// manifests (`abi3t.toml` for PEP 803, `abi2026.toml` for PEP 809; 3.15 in both
    /// embedded ones), so `--specs DIR` moves it.
    pub fn since(self, specs: &Specs) -> PyVersion {
        match self {
            Proposal::Pep803 => specs.abi3t().min_version,
            Proposal::Pep809 => specs.abi2026().min_version,
        }
    }

    /// The compressed ABI tag field: `abi3.abi3t` or `abi2026`.
    pub fn abi_tags(self) -> Vec<AbiTag> {
        match self {
            Proposal::Pep803 => vec![AbiTag::Abi3, AbiTag::Abi3t],
            Proposal::Pep809 => vec![AbiTag::ABI2026],
        }
    }
}

/// A value with a note when PEP 809 does not specify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Value {
    pub value: String,
    /// `None` when the PEP specifies the value; else why this value (the prototype's choice).
    pub note: Option<String>,
}

impl Value {
    fn specified(value: impl Into<String>) -> Value {
        Value { value: value.into(), note: None }
    }

    fn prototype(value: impl Into<String>) -> Value {
        Value { value: value.into(), note: Some(PROTOTYPE_LABEL.to_string()) }
    }

    /// `value` or `value (prototype choice, not specified by PEP 809)`.
    pub fn display(&self) -> String {
        match &self.note {
            Some(n) => format!("{} ({n})", self.value),
            None => self.value.clone(),
        }
    }
}

/// One module's binary in the universal wheel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PlannedModule {
    /// The dotted module name.
    pub module: String,
    /// Its file name in the universal wheel: `psutil/_psutil_linux.abi3t.so`.
    pub member: Value,
    /// The input member it would come from, if one qualifies.
    pub source: Option<String>,
    /// The input wheel that member is in.
    pub source_wheel: Option<String>,
    /// That wheel's place among the inputs given to [`plan`].
    #[serde(skip)]
    pub source_index: Option<usize>,
}

/// What keeps a binary out of the universal wheel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Blocker {
    /// The input wheel.
    pub wheel: String,
    pub member: String,
    /// The finding codes that block it.
    pub codes: Vec<String>,
    pub symbols: Vec<String>,
    /// A library that uses the C API (no module hook), not a module: it ships beside them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub library: bool,
}

/// The universal wheel a group could become under one proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UniversalPlan {
    pub proposal: Proposal,
    /// `psutil-7.1.2-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl`.
    pub wheel: String,
    /// The expanded `Tag:` lines, sorted.
    pub tags: Vec<String>,
    /// The lowest Python it serves.
    pub min_python: PyVersion,
    /// Build macros: `Py_LIMITED_API=0x030F0000`, `Py_TARGET_ABI3T=0x030F0000`, or `Py_LIMITED_API=0x03ff2026`.
    pub macros: Vec<Value>,
    /// The DLL a Windows build links, if the platform is Windows.
    pub windows_dll: Option<Value>,
    /// The extension file suffix on this platform.
    pub suffix: Value,
    pub modules: Vec<PlannedModule>,
    /// True when every module has a qualifying binary.
    pub qualifies: bool,
    pub blockers: Vec<Blocker>,
    /// Interpreters (3.10–3.16, both builds from 3.13) an installer gives it to.
    pub serves: Vec<String>,
    /// Interpreters the inputs served that it cannot.
    pub uncovered: Vec<String>,
}

/// The extension modules of a set of wheels: dotted name → (wheel, binary) candidates.
pub fn extension_modules<'a>(inputs: &[&'a Analysed]) -> BTreeMap<String, Vec<(&'a Analysed, &'a AnalysedBinary)>> {
    let mut out: BTreeMap<String, Vec<(&Analysed, &AnalysedBinary)>> = BTreeMap::new();
    for a in inputs {
        for b in &a.binaries {
            if let Some(dotted) = b.dotted_module() {
                out.entry(dotted).or_default().push((a, b));
            }
        }
    }
    out
}

/// The libraries of a set of wheels that use the C API (no module hook, CPython
/// imports: loaded by ctypes, dlopen or injection): member → (wheel, binary) copies.
pub fn c_api_libraries<'a>(inputs: &[&'a Analysed]) -> BTreeMap<String, Vec<(&'a Analysed, &'a AnalysedBinary)>> {
    let mut out: BTreeMap<String, Vec<(&Analysed, &AnalysedBinary)>> = BTreeMap::new();
    for a in inputs {
        for b in a.binaries.iter().filter(|b| b.is_c_api_library()) {
            out.entry(b.member.clone()).or_default().push((a, b));
        }
    }
    out
}

/// The interpreters an installer gives a tag set to.
pub fn served_by(set: &TagSet) -> Vec<String> {
    interpreters().into_iter().filter(|i| i.installs(set)).map(|i| i.to_string()).collect()
}

/// The interpreters an installer following the PEP 809 prototype gives a tag set to,
/// with abi2026 accepted from `abi2026_since` (the manifests' `min_version`).
pub fn served_by_pep809(set: &TagSet, abi2026_since: PyVersion) -> Vec<String> {
    interpreters().into_iter().filter(|i| i.installs_pep809(set, abi2026_since)).map(|i| i.to_string()).collect()
}

fn tag_set_of(a: &Analysed) -> Option<TagSet> {
    a.wheel.as_ref().map(|w| w.installer_tags())
}

/// Plan the universal wheel for a group of wheels of one project, version and platform.
///
/// `name`, `version`, `build` and `platforms` are the group's; `inputs` its wheels.
pub fn plan(
    proposal: Proposal,
    name: &str,
    version: &str,
    build: Option<&str>,
    platforms: &[PlatformTag],
    inputs: &[&Analysed],
    checker: &Checker,
) -> UniversalPlan {
    let since = proposal.since(checker.specs);
    let set =
        TagSet { python: vec![PythonTag::cpython(since)], abi: proposal.abi_tags(), platform: platforms.to_vec() };
    let wheel = WheelFilename {
        name: name.to_string(),
        version: version.to_string(),
        build: build.map(str::to_string),
        tags: set.clone(),
    }
    .to_string();
    let tags: Vec<String> = set.expand().iter().map(|t| t.to_string()).collect();
    let windows = platforms.iter().any(|p| p.as_str().starts_with("win"));
    let abi2026 = checker.specs.abi2026();
    let (macros, windows_dll, suffix) = match proposal {
        Proposal::Pep803 => {
            let hex = format!("{:#010X}", since.hex()).replace("0X", "0x");
            (
                vec![
                    Value::specified(format!("Py_LIMITED_API={hex}")),
                    Value::specified(format!("{}={hex}", checker.specs.abi3t().target_macro)),
                ],
                windows.then(|| Value::specified(checker.specs.abi3t().windows_dll.clone())),
                Value::specified(if windows { ".pyd" } else { ".abi3t.so" }),
            )
        }
        Proposal::Pep809 => {
            let proto = |c: &crate::specs::ProtoChoice| {
                if c.pep_specified { Value::specified(c.value.clone()) } else { Value::prototype(c.value.clone()) }
            };
            (
                vec![Value::specified(format!("{}={:#010x}", abi2026.limited_api_macro, abi2026.macro_value))],
                windows.then(|| proto(&abi2026.windows_dll)),
                proto(if windows { &abi2026.windows_suffix } else { &abi2026.suffix }),
            )
        }
    };
    let mut modules = Vec::new();
    let mut blockers = Vec::new();
    // A binary qualifies when `check --abi` finds nothing that blocks it and it is of the
    // platform's format; else what blocks it.
    let judge = |a: &Analysed, b: &AnalysedBinary| -> Result<(), Blocker> {
        let blocking = checker.blockers(b, proposal.abi());
        let wrong_format = windows != (b.format() == Format::Pe);
        if blocking.is_empty() && !wrong_format {
            return Ok(());
        }
        let codes: BTreeSet<String> = blocking.iter().map(|f| f.code.to_string()).collect();
        let symbols: BTreeSet<String> = blocking.iter().flat_map(|f| f.symbols.iter().cloned()).collect();
        Err(Blocker {
            wheel: a.input.display.clone(),
            member: b.member.clone(),
            codes: codes.into_iter().collect(),
            symbols: symbols.into_iter().collect(),
            library: b.role != Role::Extension,
        })
    };
    for (module, candidates) in extension_modules(inputs) {
        let mut chosen = None;
        for (a, b) in &candidates {
            match judge(a, b) {
                Ok(()) => {
                    chosen.get_or_insert((*a, *b));
                }
                Err(blocker) => blockers.push(blocker),
            }
        }
        // The universal binary keeps its place and file stem (a package's `__init__` stays one).
        let first = candidates.first().map(|(_, b)| *b);
        let dir = first.and_then(|b| b.member.rsplit_once('/')).map(|(d, _)| format!("{d}/"));
        let stem = first.and_then(|b| b.name.as_ref()).map_or(module.as_str(), |n| n.stem.as_str());
        let member =
            Value { value: format!("{}{stem}{}", dir.unwrap_or_default(), suffix.value), note: suffix.note.clone() };
        modules.push(PlannedModule {
            module,
            member,
            source: chosen.map(|(_, b)| b.member.clone()),
            source_wheel: chosen.map(|(a, _)| a.input.display.clone()),
            source_index: chosen.and_then(|(a, _)| inputs.iter().position(|x| std::ptr::eq(*x, a))),
        });
    }
    // Libraries that use the C API ship beside the modules and are loaded by the same
    // interpreters: each must qualify too (some copy of it, when several inputs carry it).
    let mut libraries_blocked = false;
    for copies in c_api_libraries(inputs).into_values() {
        let judged: Vec<Result<(), Blocker>> = copies.iter().map(|(a, b)| judge(a, b)).collect();
        if !judged.iter().any(Result::is_ok) {
            libraries_blocked = true;
            blockers.extend(judged.into_iter().filter_map(Result::err));
        }
    }
    let qualifies = !modules.is_empty() && modules.iter().all(|m| m.source.is_some()) && !libraries_blocked;
    if qualifies {
        blockers.clear();
    }
    let serves = match proposal {
        Proposal::Pep803 => served_by(&set),
        Proposal::Pep809 => served_by_pep809(&set, abi2026.min_version),
    };
    let before: BTreeSet<String> = inputs.iter().filter_map(|a| tag_set_of(a)).flat_map(|s| served_by(&s)).collect();
    let uncovered =
        interpreters().iter().map(|i| i.to_string()).filter(|i| before.contains(i) && !serves.contains(i)).collect();
    UniversalPlan {
        proposal,
        wheel,
        tags,
        min_python: since,
        macros,
        windows_dll,
        suffix,
        modules,
        qualifies,
        blockers,
        serves,
        uncovered,
    }
}

impl UniversalPlan {
    /// The `*.dist-info/WHEEL` file of the planned wheel: `Root-Is-Purelib: false`
    /// and one `Tag:` line per tag, sorted.
    pub fn wheel_file(&self) -> String {
        crate::wheel_metadata::WheelMetadata::new(false, &self.tags, None).render()
    }
}
