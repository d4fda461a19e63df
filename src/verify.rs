//! Import resolution: for every interpreter a wheel's tags admit, which file
//! `import` would load for each extension module, and whether it can load there.
//!
//! An installer matches tags; the interpreter then tries its extension suffixes
//! in order ([`crate::suffixes`]) and calls the module's hook. A wheel is broken
//! when an admitted interpreter finds no file for a module, or finds one it
//! cannot load: an `.abi3.so` on a free-threaded build, a `.pyd` linked to the
//! wrong `python*.dll`, no hook for that version, or the wrong architecture.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::AnalysedBinary;
use crate::binary::{AbiInfo, Format, PythonDll};
use crate::naming;
use crate::specs::Specs;
use crate::suffixes::{SuffixOs, SuffixPlatform, SuffixTable};
use crate::tags::{Interpreter, Tag, TagSet, interpreters, is_other_implementation};
use crate::version::PyVersion;

/// The first CPython whose import system looks up `PyModExport_` hooks and reads
/// `PyABIInfo` (PEP 793): 3.15.
///
/// A fact of CPython, not of the manifests: abi3t's `min_version` (PEP 803) is the
/// same version because abi3t builds on PEP 793, but moving it with `--specs DIR` does
/// not change which hooks CPython 3.15 calls. Which interpreters have abi3t's Windows
/// DLL does follow the manifest (see `dll_problem`).
pub const MODEXPORT_SINCE: PyVersion = PyVersion::new(3, 15);

/// What one interpreter does with one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Resolution {
    /// The interpreter: `3.14t`.
    pub python: String,
    pub free_threaded: bool,
    /// The tag through which the installer accepts the wheel.
    pub matched_tag: String,
    /// The platform part of the suffixes tried (`x86_64-linux-gnu`, `darwin`, `win_amd64`).
    pub platform: String,
    /// The module's dotted name: `psutil._psutil_linux`.
    pub module: String,
    /// The member `import` picks, if any.
    pub file: Option<String>,
    /// Whether it loads.
    pub loads: bool,
    /// Why it does not, as a sentence.
    pub problem: Option<String>,
    /// The interpreter, typed.
    #[serde(skip)]
    pub interpreter: Interpreter,
    /// The tag through which the installer accepts the wheel, typed.
    #[serde(skip)]
    pub tag: Tag,
}

/// Import resolution of one wheel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Verification {
    /// The interpreters the tags admit (3.10 to 3.16, both builds from 3.13).
    pub admitted: Vec<String>,
    /// One row per (platform, admitted interpreter, module).
    pub resolutions: Vec<Resolution>,
    /// Why the wheel's extension modules were resolved for no interpreter at all
    /// (then it is never `ok`); `None` when they were, or when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub unresolved: Option<Unresolved>,
}

/// Why a wheel with extension modules was resolved for no interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Every tag is another implementation's (PyPy, GraalPy): not judged, as `check` does not.
    OtherImplementation,
    /// No installer accepts its tags today, but the PEP 809 prototype's would (`abi2026`):
    /// judged with `--pep809`, as `check` judges it.
    Prototype,
    /// No CPython installer accepts any of its tags.
    NoInterpreter,
    /// The tags admit interpreters, but on platforms whose extension suffixes uniabi does not know.
    UnknownPlatform(Vec<String>),
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::OtherImplementation => {
                f.write_str("not CPython: its tags are another implementation's, which uniabi does not judge")
            }
            Unresolved::Prototype => f.write_str(
                "no installer accepts abi2026 today: it is the PEP 809 prototype's, which `--pep809` resolves",
            ),
            Unresolved::NoInterpreter => {
                f.write_str("no CPython installer accepts its tags, so no interpreter loads it")
            }
            Unresolved::UnknownPlatform(tags) => write!(
                f,
                "uniabi knows no extension suffixes for {}, so it cannot tell which file import loads there",
                tags.join(", ")
            ),
        }
    }
}

impl Serialize for Unresolved {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Verification {
    /// True when the modules were resolved and every admitted interpreter loads every one
    /// (a wheel without extension modules is ok: nothing to load).
    pub fn ok(&self) -> bool {
        self.unresolved.is_none() && self.no_failures()
    }

    /// True when no resolution fails (also when nothing was resolved; see [`Verification::unresolved`]).
    pub fn no_failures(&self) -> bool {
        self.resolutions.iter().all(|r| r.loads)
    }

    /// The verdict in one word, as reports print it: `ok`, `FAILS`, `not judged`
    /// (another implementation's tags, or the PEP 809 prototype's) or `NOT VERIFIED` (nothing resolved).
    pub fn verdict(&self) -> &'static str {
        match &self.unresolved {
            _ if self.ok() => "ok",
            _ if !self.no_failures() => "FAILS",
            Some(Unresolved::OtherImplementation | Unresolved::Prototype) => "not judged",
            Some(_) => "NOT VERIFIED",
            None => "FAILS",
        }
    }

    /// Whether a run may pass this wheel: it is ok, or it is another implementation's
    /// or the PEP 809 prototype's, which plain resolution does not judge (as `check` passes them).
    pub fn passes(&self) -> bool {
        self.ok()
            || (matches!(self.unresolved, Some(Unresolved::OtherImplementation | Unresolved::Prototype))
                && self.no_failures())
    }

    /// The failing rows.
    pub fn failures(&self) -> impl Iterator<Item = &Resolution> {
        self.resolutions.iter().filter(|r| !r.loads)
    }
}

/// The extension modules of a wheel: dotted name → its candidate files.
fn modules(binaries: &[AnalysedBinary]) -> BTreeMap<String, Vec<&AnalysedBinary>> {
    let mut out: BTreeMap<String, Vec<&AnalysedBinary>> = BTreeMap::new();
    for b in binaries {
        if let Some(dotted) = b.dotted_module() {
            out.entry(dotted).or_default().push(b);
        }
    }
    out
}

/// The suffix platforms a tag set names, each with the architectures it requires
/// ([`PlatformTag::binary_arches`]).
fn platforms(set: &TagSet, table: &SuffixTable) -> Vec<(SuffixPlatform, Vec<&'static str>)> {
    let mut out: Vec<(SuffixPlatform, Vec<&'static str>)> = Vec::new();
    for tag in &set.platform {
        let Some(sp) = table.platform(tag) else {
            continue;
        };
        let arches = tag.binary_arches();
        match out.iter_mut().find(|(p, _)| *p == sp) {
            Some((_, have)) => {
                for a in arches {
                    if !have.contains(&a) {
                        have.push(a);
                    }
                }
            }
            None => out.push((sp, arches)),
        }
    }
    out
}

/// Resolve every module of a wheel for every interpreter its tags admit.
///
/// With `pep809`, admission and suffixes follow the PEP 809 prototype
/// (`abi2026` accepted by 3.15+, `.abi2026.so` tried before `.so`).
pub fn verify(
    set: &TagSet,
    binaries: &[AnalysedBinary],
    specs: &Specs,
    table: &SuffixTable,
    pep809: bool,
) -> Verification {
    let admitted: Vec<(Interpreter, Tag)> = interpreters()
        .into_iter()
        .filter_map(|i| {
            let tag = if pep809 { i.matched_tag_pep809(set, specs.abi2026().min_version) } else { i.matched_tag(set) };
            tag.map(|t| (i, t))
        })
        .collect();
    let mods = modules(binaries);
    let mut resolutions = Vec::new();
    for (platform, arches) in platforms(set, table) {
        for (interp, matched) in &admitted {
            let suffixes = table.suffixes(interp.version, interp.free_threaded, &platform, pep809);
            for (module, files) in &mods {
                let chosen = pick(files, &suffixes);
                let (file, problem) = match chosen {
                    None => (
                        None,
                        Some(format!(
                            "no file for module {module}: {} tries {} and the wheel has {}",
                            interp,
                            suffixes.join(", "),
                            files.iter().map(|b| naming::base_name(&b.member)).collect::<Vec<_>>().join(", ")
                        )),
                    ),
                    Some((b, suffix)) => {
                        (Some(b.member.clone()), load_problem(b, &suffix, *interp, &platform, &arches, specs))
                    }
                };
                resolutions.push(Resolution {
                    python: interp.to_string(),
                    free_threaded: interp.free_threaded,
                    matched_tag: matched.to_string(),
                    platform: platform.part.clone(),
                    module: module.clone(),
                    loads: problem.is_none(),
                    file,
                    problem,
                    interpreter: *interp,
                    tag: matched.clone(),
                });
            }
        }
    }
    let unresolved = (resolutions.is_empty() && !mods.is_empty()).then(|| {
        let tags = set.expand();
        if admitted.is_empty() && !tags.is_empty() && tags.iter().all(is_other_implementation) {
            Unresolved::OtherImplementation
        } else if admitted.is_empty()
            && !pep809
            && interpreters().iter().any(|i| i.installs_pep809(set, specs.abi2026().min_version))
        {
            Unresolved::Prototype
        } else if admitted.is_empty() {
            Unresolved::NoInterpreter
        } else {
            Unresolved::UnknownPlatform(set.platform.iter().map(|p| p.to_string()).collect())
        }
    });
    Verification { admitted: admitted.iter().map(|(i, _)| i.to_string()).collect(), resolutions, unresolved }
}

/// The file `import` loads for one module, and the suffix that found it: the
/// finder looks for a package first (`sub/__init__` with each suffix in order),
/// then for a module file (`sub` with each suffix).
fn pick<'b>(files: &[&'b AnalysedBinary], suffixes: &[String]) -> Option<(&'b AnalysedBinary, String)> {
    let (packages, modules): (Vec<&AnalysedBinary>, Vec<&AnalysedBinary>) =
        files.iter().copied().partition(|b| b.name.as_ref().is_some_and(naming::is_package_init));
    [packages, modules].into_iter().find_map(|group| {
        suffixes.iter().find_map(|suffix| {
            group
                .iter()
                .find(|b| {
                    b.name.as_ref().is_some_and(|n| naming::base_name(&b.member) == format!("{}{suffix}", n.stem))
                })
                .map(|b| (*b, suffix.clone()))
        })
    })
}

/// Why `b`, picked by `suffix`, cannot load on `interp`; `None` if it can.
fn load_problem(
    b: &AnalysedBinary,
    suffix: &str,
    interp: Interpreter,
    platform: &SuffixPlatform,
    arches: &[&str],
    specs: &Specs,
) -> Option<String> {
    let file = naming::base_name(&b.member);
    if interp.free_threaded && (suffix.starts_with(".abi3.") || suffix.starts_with(".abi3-")) {
        return Some(format!("{interp} picks {file}, an abi3 module, which fails or crashes on a free-threaded build"));
    }
    let have: Vec<&str> = b.slices().iter().map(|s| s.arch.as_str()).collect();
    if let Some(missing) = arches.iter().find(|a| !have.contains(a)) {
        return Some(format!("{file} has no {missing} code (it holds {})", have.join(", ")));
    }
    if b.format() == Format::Pe
        && let Some(problem) = dll_problem(b, interp, specs.abi3t().min_version)
    {
        return Some(format!("{file} {problem}"));
    }
    if platform.os == SuffixOs::Windows && b.format() != Format::Pe {
        return Some(format!("{file} is not a PE file, so Windows cannot load it"));
    }
    for slice in b.slices() {
        if let Some(info) = slice.abi_info
            && let Some(problem) = abi_info_problem(&info, interp)
        {
            return Some(format!("{file}: {problem}"));
        }
        if !interp.free_threaded
            && let Some(sym) = slice.python_imports().into_iter().find(|s| specs.internal_free_threading(s).is_some())
        {
            return Some(format!("{file} imports {sym}, which only free-threaded builds export"));
        }
    }
    // CPython calls the hook named for the last part of the module's name (a package's own).
    let module = b.name.as_ref().map(|n| n.module.as_str()).unwrap_or_default();
    let hooks: Vec<&str> = b.slices().iter().flat_map(|s| s.module_hooks()).collect();
    let init = format!("PyInit_{module}");
    let export = format!("PyModExport_{module}");
    let found = hooks.iter().any(|h| *h == init || (interp.version >= MODEXPORT_SINCE && *h == export));
    if !found && module.is_ascii() {
        let wanted = if interp.version >= MODEXPORT_SINCE { format!("{export} or {init}") } else { init };
        return Some(format!("{file} exports no {wanted}, which {interp} calls"));
    }
    None
}

/// Whether a `.pyd`'s DLL exists and fits on `interp`; GIL builds have abi3t's DLL
/// (`python3t.dll`) from `abi3t_since`, abi3t's `min_version` in the manifests.
fn dll_problem(b: &AnalysedBinary, interp: Interpreter, abi3t_since: PyVersion) -> Option<String> {
    let dll = b.slices().iter().find_map(|s| s.python_library())?;
    match PythonDll::parse(dll)? {
        PythonDll::Abi3 if interp.free_threaded => {
            Some(format!("links {dll}, the GIL build's stable ABI, which {interp} cannot use"))
        }
        PythonDll::Abi3t if !interp.free_threaded && interp.version < abi3t_since => {
            Some(format!("links {dll}, which GIL builds before {abi3t_since} do not have"))
        }
        PythonDll::Specific { version, free_threaded }
            if version != interp.version || free_threaded != interp.free_threaded =>
        {
            let wanted = format!("{}{}", interp.version.tag_digits(), if interp.free_threaded { "t" } else { "" });
            Some(format!("links {dll}, but {interp} provides python{wanted}.dll"))
        }
        _ => None,
    }
}

/// Whether the PyABIInfo record lets `interp` load the module.
fn abi_info_problem(info: &AbiInfo, interp: Interpreter) -> Option<String> {
    if interp.free_threaded && !info.is_free_threaded() {
        return Some(format!("its PyABIInfo (flags {}) does not include free-threaded builds", info.flag_names()));
    }
    if !interp.free_threaded && !info.is_gil() {
        return Some(format!("its PyABIInfo (flags {}) does not include GIL builds", info.flag_names()));
    }
    if interp.version >= MODEXPORT_SINCE {
        let running = interp.version.hex();
        if !info.is_stable() && info.build_version != 0 && (info.build_version >> 16) != (running >> 16) {
            return Some(format!(
                "its PyABIInfo says it was built for {} only",
                AbiInfo::version_text(info.build_version & 0xffff_0000)
            ));
        }
        if info.is_stable() && info.abi_version != 0 && (info.abi_version & 0xffff_0000) > running {
            return Some(format!("its PyABIInfo asks for at least {}", AbiInfo::version_text(info.abi_version)));
        }
    }
    None
}
/// One wheel's resolution.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WheelVerification {
    pub path: String,
    pub error: Option<String>,
    /// True when its extension modules were resolved and every admitted interpreter loads
    /// every one (never when they were resolved for no interpreter: see `unresolved`).
    pub ok: bool,
    /// For a project with `--python` and `--platform`: why an installer there finds no wheel
    /// (then `path` is the requirement and `ok` is false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_wheel: Option<String>,
    #[serde(flatten)]
    pub verification: Option<Verification>,
}

/// Verify one analysed input.
pub fn verify_input(
    a: &crate::analysis::Analysed,
    specs: &Specs,
    table: &SuffixTable,
    pep809: bool,
) -> WheelVerification {
    let path = a.input.display.clone();
    if let crate::input::Source::NoWheel { why } = &a.input.source {
        return WheelVerification { path, error: None, ok: false, no_wheel: Some(why.clone()), verification: None };
    }
    if let Some(error) = a.error() {
        return WheelVerification {
            path,
            error: Some(error.to_string()),
            ok: false,
            no_wheel: None,
            verification: None,
        };
    }
    let Some(set) = a.wheel.as_ref().map(|w| w.installer_tags()) else {
        let error = format!(
            "{path}: not a wheel: verify resolves imports for the interpreters a wheel's tags admit, and a bare file has no tags; use `uniabi check` to judge it by its suffix"
        );
        return WheelVerification { path, error: Some(error), ok: false, no_wheel: None, verification: None };
    };
    let v = verify(&set, &a.binaries, specs, table, pep809);
    WheelVerification { path, error: None, ok: v.ok(), no_wheel: None, verification: Some(v) }
}
