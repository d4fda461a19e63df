//! Wheel-level judgement: the tags themselves (dead, foreign, below 3.15, no
//! free-threaded build), import resolution's failures, and the facts that
//! relate several inputs of one release.

use std::collections::{BTreeMap, BTreeSet};

use super::claims::dll_kind;
use super::{Checker, Claims, Code, Finding, InputCheck, Severity, StableAbi};
use crate::analysis::{AnalysedBinary, Role};
use crate::binary::PythonDll;
use crate::naming::SuffixAbi;
use crate::specs::Specs;
use crate::tags::{Family, Harm, TagSet, dead_tags, interpreters, other_implementation_tags};
use crate::verify::Verification;

impl Checker<'_> {
    /// A version-specific GIL wheel whose every extension module is an abi3 build
    /// (`.abi3.so`, or a `.pyd` linking `python3.dll`) that qualifies for abi3 from the
    /// wheel's version, as do its libraries that use the C API: said once (info) that a
    /// `cp3Y-abi3` tag would serve every later GIL build too, and that `retag` writes it.
    pub(super) fn abi3_tag_hint(&self, binaries: &[AnalysedBinary], claims: &Claims, findings: &mut Vec<Finding>) {
        let Some(from) = claims.lowest_version() else { return };
        if !claims.stable.is_empty() || !claims.specific_served_by(StableAbi::Abi3, self.specs) {
            return;
        }
        let modules: Vec<&AnalysedBinary> = binaries.iter().filter(|b| b.role == Role::Extension).collect();
        let abi3_build = |b: &AnalysedBinary| match b.name.as_ref().and_then(|n| n.abi) {
            Some(abi) => abi == SuffixAbi::Abi3,
            None => dll_kind(b) == Some(PythonDll::Abi3),
        };
        if modules.is_empty() || !modules.iter().all(|b| abi3_build(b)) {
            return;
        }
        let judged: Vec<&AnalysedBinary> =
            binaries.iter().filter(|b| b.role == Role::Extension || b.is_c_api_library()).collect();
        let mut as_abi3 = Claims::default();
        as_abi3.add_stable(StableAbi::Abi3, Some(from));
        let qualifies = judged.iter().all(|b| {
            let mut found = Vec::new();
            self.check_binary(b, &as_abi3, &mut found);
            found.iter().all(|f| f.severity != Severity::Error)
        });
        if !qualifies {
            return;
        }
        let more: Vec<String> =
            interpreters().iter().filter(|i| !i.free_threaded && i.version > from).map(|i| i.to_string()).collect();
        let tag = format!("cp{}-abi3", from.tag_digits());
        let builds = match modules.len() {
            1 => "its extension module is an abi3 build".to_string(),
            n => format!("its {n} extension modules are abi3 builds"),
        };
        findings.push(Finding::wheel(
            Code::Abi3TagPossible,
            Severity::Info,
            format!(
                "{builds} whose imports qualify for abi3 from {from}: a {tag} tag would also serve {}, where the tags admit {from} alone; `uniabi retag WHEEL --tags {tag}` writes it",
                crate::output::interpreter_list(&more),
            ),
        ));
    }
}

/// Wheel-level findings from the tags alone.
pub(super) fn tag_findings(set: &TagSet, claims: &Claims, specs: &Specs, findings: &mut Vec<Finding>) {
    let (harmless, others): (Vec<_>, Vec<_>) = dead_tags(set).into_iter().partition(|d| d.harm == Harm::Harmless);
    // Harmless cross-product tags: one warning naming the count and one example, each tag in `symbols`.
    if let [first, _, ..] = harmless.as_slice() {
        findings.push(Finding {
            code: Code::DeadTag,
            severity: Severity::Warning,
            member: None,
            symbols: harmless.iter().map(|d| d.tag.to_string()).collect(),
            message: format!(
                "no installer accepts {} tags of the file name's cross product (as {}: {}); harmless: a live tag of \
                 the same ABI serves each build (by-products of the compressed file name)",
                harmless.len(),
                first.tag,
                first.reason
            ),
        });
    }
    let single = if harmless.len() == 1 { harmless } else { Vec::new() };
    for dead in single.into_iter().chain(others) {
        let (severity, why) = match dead.harm {
            Harm::Harmful => {
                (Severity::Error, "and it is the wheel's only tag for that ABI, so that build is never installed")
            }
            Harm::Harmless => (
                Severity::Warning,
                "harmless: a live tag of the same ABI serves that build (a by-product of the compressed file name)",
            ),
            Harm::Prototype => (Severity::Warning, "judged under the PEP 809 prototype"),
        };
        findings.push(Finding::wheel(
            Code::DeadTag,
            severity,
            format!("no installer accepts the tag {}: {}; {why}", dead.tag, dead.reason),
        ));
    }
    let foreign = other_implementation_tags(set);
    if !foreign.is_empty() {
        let names: Vec<String> = foreign.iter().map(|t| t.to_string()).collect();
        findings.push(Finding::wheel(
            Code::NotCpython,
            Severity::Info,
            format!(
                "not CPython: {} for another implementation, not judged ({})",
                if names.len() == 1 { "a tag" } else { "tags" },
                names.join(", ")
            ),
        ));
    }
    if let Some(Some(v)) = claims.stable.get(&StableAbi::Abi3t)
        && let Some(since) = StableAbi::Abi3t.since(specs).filter(|since| v < since)
    {
        findings.push(Finding::wheel(
            Code::Abi3tBelow315,
            Severity::Warning,
            format!(
                "abi3t is claimed from {v}: installers accept it there, but CPython defines abi3t only from {since} (PEP 803 reserves cp3X-abi3t below cp{}); make sure the binary really loads on {v}t",
                since.tag_digits()
            ),
        ));
    }
    if !claims.any_free_threaded() && !claims.stable.is_empty() {
        findings.push(Finding::wheel(
            Code::NoFreeThreaded,
            Severity::Warning,
            "the wheel serves no free-threaded interpreter: abi3 never loads on a free-threaded build; add an abi3t (cp315-abi3.abi3t) or version-specific cp3XYt build".into(),
        ));
    }
}

/// Findings from import resolution, one per (module, problem), naming the interpreters.
pub(super) fn unloadable_findings(v: &Verification, findings: &mut Vec<Finding>) {
    let mut grouped: BTreeMap<(Option<String>, String, String), Vec<String>> = BTreeMap::new();
    for r in v.failures() {
        let problem = r.problem.clone().unwrap_or_default();
        grouped.entry((r.file.clone(), r.module.clone(), problem)).or_default().push(r.python.clone());
    }
    for ((file, module, problem), pythons) in grouped {
        findings.push(Finding {
            code: if file.is_some() { Code::Unloadable } else { Code::NoLoadableFile },
            severity: Severity::Error,
            member: file,
            symbols: vec![],
            message: format!("the tags admit {} but import of {module} fails there: {problem}", pythons.join(", ")),
        });
    }
}

/// What relates one checked wheel to the others of its release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sibling {
    /// (normalized project, version).
    pub release: (String, String),
    /// The platform tags, sorted.
    pub platforms: Vec<String>,
    /// The machines they serve ([`crate::tags::PlatformTag::families_of`]).
    pub families: BTreeSet<Family>,
    /// Whether some admitted free-threaded interpreter loads it.
    pub serves_free_threaded: bool,
}

/// `no-free-threaded` across inputs: not said of a wheel when other inputs of
/// the same release serve free-threaded builds on every machine it serves (its
/// platform families: `macosx_10_9_x86_64` and `macosx_10_13_x86_64` are one,
/// `manylinux` and `musllinux` are not), and said once per release (on its first
/// wheel, naming the platforms) otherwise.
pub fn relate(checks: &mut [InputCheck]) {
    let mut served: BTreeMap<(String, String), BTreeSet<Family>> = BTreeMap::new();
    for s in checks.iter().filter_map(|c| c.sibling.as_ref()).filter(|s| s.serves_free_threaded) {
        served.entry(s.release.clone()).or_default().extend(s.families.iter().cloned());
    }
    let covered =
        |s: &Sibling| served.get(&s.release).is_some_and(|f| f.contains(&Family::Any) || s.families.is_subset(f));
    let mut lacking: BTreeMap<(String, String), Vec<(usize, String)>> = BTreeMap::new();
    for (i, c) in checks.iter_mut().enumerate() {
        let Some(s) = c.sibling.clone() else { continue };
        if !c.findings.iter().any(|f| f.code == Code::NoFreeThreaded) {
            continue;
        }
        if covered(&s) {
            c.findings.retain(|f| f.code != Code::NoFreeThreaded);
        } else {
            lacking.entry(s.release.clone()).or_default().push((i, s.platforms.join(".")));
        }
    }
    for wheels in lacking.values().filter(|w| w.len() > 1) {
        let platforms: Vec<&str> = wheels.iter().map(|(_, p)| p.as_str()).collect();
        for (n, (i, _)) in wheels.iter().enumerate() {
            let c = &mut checks[*i];
            if n == 0 {
                if let Some(f) = c.findings.iter_mut().find(|f| f.code == Code::NoFreeThreaded) {
                    f.message = format!(
                        "no wheel of this release serves a free-threaded interpreter on {}: abi3 never loads on a free-threaded build; add an abi3t (cp315-abi3.abi3t) or version-specific cp3XYt build",
                        platforms.join(", ")
                    );
                }
            } else {
                c.findings.retain(|f| f.code != Code::NoFreeThreaded);
            }
        }
    }
}
