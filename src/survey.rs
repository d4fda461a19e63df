//! Surveying a wheelhouse: one record per project release (name, version)
//! saying which interpreters it serves on each platform, whether it loads on
//! free-threaded CPython at all, whether its binaries qualify for PEP 803 and
//! the PEP 809 prototype (and what blocks them), and how many wheels it ships
//! now against how many `merge` (its defaults) would leave; then a summary over
//! the newest release of each project.
//!
//! # How the figures are decided
//!
//! - **Release**: the wheels with one normalized name and version in their
//!   file names. A file name met twice (the same wheel in two directories) is
//!   surveyed once and noted.
//! - **Platform**: the machines a wheel's platform tags serve
//!   ([`PlatformTag::families`]: OS, C library family, architecture): `linux
//!   x86_64` holds every manylinux tag for x86_64, `linux-musl x86_64` every
//!   musllinux one; `any` is pure Python. A wheel whose tags serve several
//!   families (universal2, or tags of several platforms) is filed under all of
//!   them joined with ` + ` (`macos arm64 + x86_64`).
//! - **Serves**: the interpreters (3.10–3.16, free-threaded from 3.13) an
//!   installer gives some wheel to, by its file name's tags. **Broken**: those
//!   for which every such wheel fails import resolution ([`crate::verify`]).
//! - **Free-threaded**: some wheel serves a free-threaded interpreter *and*
//!   every extension module of that wheel loads there (import resolution, as
//!   `verify` decides). Version-specific `cp3XYt`, `abi3t` and pure-Python
//!   wheels all count; a release with only pure wheels is free-threaded.
//! - **Qualifies** (PEP 803, or the PEP 809 prototype): every platform with
//!   extension modules has, for each module, a binary [`universal::plan`]
//!   accepts (`check --abi abi3t|abi2026`), and every library that uses the C
//!   API (no module hook, CPython imports) qualifies too. `None` when no
//!   platform has extension modules (pure releases). Blocking symbols and codes are counted
//!   over the blocked binaries of the modules that have no qualifying binary;
//!   a finding's symbols are what `check` lists, except the `python*.dll`
//!   names a `dll-mismatch` lists, which count under that code only.
//! - **Wheels after merge**: `merge`'s own forecast ([`merge::forecast`]):
//!   per platform, the very plan `merge` makes with its defaults (scheme
//!   `auto`, no `--metadata-from`): outputs planned + the inputs of refused
//!   groups + unchanged inputs (a group of one wheel merge would not change),
//!   plus any wheel `merge` cannot read. Each refused group is listed with its
//!   reason ([`MergeRefusal`]); when only `.dist-info` members differ (builds
//!   whose METADATA was written by different tools), the group is planned
//!   again with `--metadata-from` its first input, and the figure that gives
//!   is shown (`METADATA differs: `--metadata-from` would merge 3 -> 1`), not
//!   counted. Under `auto` a wheel that already qualifies can become two (the
//!   `cp315` universal wheel and a companion for 3.13/3.14): that is counted
//!   as `merge` would write it, and noted.
//! - **Newest release**: versions compare as PEP 440 orders them
//!   ([`version_key`]: `1.10` > `1.9`, `2.0rc1` < `2.0`, post- and
//!   dev-releases in their place); a version that does not parse sorts below
//!   every one that does.
//!
//! # Speed and memory
//!
//! Inputs are grouped into releases by file name alone, without opening
//! anything, in the order their first wheel came ([`Releases`]). The workers
//! then take releases in that order ([`crate::pool::each_in_order`]): a
//! release's wheels are read on the pool (members streamed, binaries parsed in
//! memory), reduced to its [`Release`] record, which is handed on at once
//! ([`survey_each`]; `--jsonl` prints it), and the wheels dropped. Memory holds
//! the releases in flight, one per worker, not the wheelhouse; an interrupted
//! run has covered the first releases of its input.

pub mod html;

pub use crate::tags::platform_family;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use pep440_rs::Version;
use serde::{Deserialize, Serialize};

use crate::analysis::{self, Analysed, InputError, InputErrors, ReadError, Role};
use crate::binary::is_python_dll;
use crate::check::{Checker, Claims};
use crate::input::{Input, InputKind};
use crate::merge::{self, Context, MergeInput};
use crate::tags::{AbiTag, PlatformTag, TagSet, WheelFilename, interpreters};
use crate::universal::{self, Proposal};
use crate::wheel::Limits;

/// How many entries the per-release blocker lists keep.
pub const RELEASE_TOP: usize = 5;
/// How many entries the summary's blocker lists keep.
pub const SUMMARY_TOP: usize = 10;

/// The whole survey.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// Always [`crate::output::schema::SURVEY`].
    pub schema: &'static str,
    /// One record per project release, sorted by name then version (oldest first).
    pub projects: Vec<Release>,
    /// Figures over the newest release of each project.
    pub summary: Summary,
    /// One line per input that could not be read or is not a wheel.
    pub errors: Vec<String>,
    /// The projects whose newest release has no wheel for the filters, and why (a finding, not an error).
    #[serde(default)]
    pub no_wheel: Vec<NoWheel>,
    /// What the survey was made from: its inputs as given and the filters that chose remote wheels.
    #[serde(default)]
    pub made_from: MadeFrom,
}

/// A project whose newest release has no wheel for the filters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NoWheel {
    /// The project as the input named it.
    pub project: String,
    /// Why, in one sentence: `no wheel for --platform manylinux_2_28_x86_64 in pywin32 311, the
    /// newest release: its 3 wheels are for other platforms (windows amd64, windows arm64, windows x86)`.
    pub why: String,
}

/// What a survey was made from: the inputs as given, and the filters that
/// chose the wheels of the projects named (recorded so a report says what it
/// answers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MadeFrom {
    /// The arguments as given (paths, URLs, requirements), then `-r FILE` for each requirements file.
    pub inputs: Vec<String>,
    /// `--platform`, when given.
    pub platform: Option<String>,
    /// `--python`, when given.
    pub python: Option<String>,
    /// `--releases N`: how many of each project's newest releases (when projects were looked up).
    pub releases: Option<usize>,
    /// The index projects were looked up on (credentials redacted), when some were.
    pub index: Option<String>,
    /// The shards the report covers (`2/3`), in order; empty when the survey was not sharded.
    pub shards: Vec<String>,
}

impl MadeFrom {
    /// Whether two runs chose their wheels alike (shards and inputs aside).
    pub fn same_filters(&self, other: &MadeFrom) -> bool {
        (&self.platform, &self.python, self.releases, &self.index)
            == (&other.platform, &other.python, other.releases, &other.index)
    }

    /// The filters as command-line options: `--platform manylinux_2_28_x86_64`, `--shard 2/3`.
    pub fn filters(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = &self.platform {
            out.push(format!("--platform {p}"));
        }
        if let Some(p) = &self.python {
            out.push(format!("--python {p}"));
        }
        if let Some(n) = self.releases.filter(|n| *n != 1) {
            out.push(format!("--releases {n}"));
        }
        if let Some(i) = &self.index {
            out.push(format!("--index-url {i}"));
        }
        out.extend(self.shards.iter().map(|s| format!("--shard {s}")));
        out
    }
}

/// One project release: every wheel of one (normalized name, version).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Release {
    /// The project name, normalized as in wheel file names: `abi3_abi3t_universal`.
    pub name: String,
    pub version: String,
    /// How many wheels it ships now.
    pub wheels: usize,
    /// How many wheels there would be after `merge` with its defaults (see the module documentation).
    pub wheels_after_merge: usize,
    /// Whether some wheel loads on some free-threaded interpreter it is given to.
    pub free_threaded: bool,
    /// What makes it free-threaded: `abi3t`, `abi2026`, `cp313t`…, or `pure`; sorted.
    pub free_threaded_via: Vec<String>,
    /// True when no wheel holds an extension module.
    pub pure: bool,
    /// One entry per platform family, sorted by name.
    pub platforms: Vec<Platform>,
    /// PEP 803 (`cp315-abi3.abi3t`).
    pub pep803: Qualification,
    /// The PEP 809 prototype (`cp315-abi2026`).
    pub pep809: Qualification,
    /// The merge groups `merge` (with its defaults) refuses, with the reason.
    pub merge_refused: Vec<MergeRefusal>,
    /// Facts worth knowing: wheels `merge` cannot read, outputs that outnumber their inputs.
    pub notes: Vec<String>,
    /// Set when this is not the project's newest release: why the newest was passed over
    /// (`--newest-with-wheels`: it has no wheel for the filters).
    #[serde(default)]
    pub passed_over: Option<String>,
}

/// A merge group `merge` refuses: its inputs stay, and count as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MergeRefusal {
    /// The platform family: `linux x86_64`.
    pub platform: String,
    /// The wheels' file names.
    pub inputs: Vec<String>,
    /// Why, in a few words: `METADATA differs`.
    pub reason: String,
    /// When only `.dist-info` members differ: the input `--metadata-from` was tried with.
    pub metadata_from: Option<String>,
    /// The wheels the group would become with that `--metadata-from` (`None`: not tried, or still refused).
    pub with_metadata_from: Option<usize>,
    /// One sentence: `METADATA differs: `--metadata-from` would merge 3 -> 1`.
    pub text: String,
}

/// One platform family of a release.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Platform {
    /// `linux x86_64`, `macos arm64`, `macos universal2`, `windows amd64`, `any`.
    pub platform: String,
    /// The wheels' file names, sorted.
    pub inputs: Vec<String>,
    pub wheels: usize,
    pub wheels_after_merge: usize,
    /// Interpreters an installer gives some wheel to, in [`interpreters`] order.
    pub serves: Vec<String>,
    /// Served interpreters for which no wheel given to them loads every module.
    pub broken: Vec<String>,
    /// Free-threaded interpreters served by a wheel that loads there.
    pub free_threaded: Vec<String>,
    /// Whether the platform's binaries qualify for PEP 803; `None` without extension modules.
    pub pep803: Option<bool>,
    /// Likewise for the PEP 809 prototype.
    pub pep809: Option<bool>,
    /// Every extension binary of the platform's wheels, by wheel then member.
    pub binaries: Vec<BinaryFindings>,
}

/// One extension binary and what keeps it out of each universal wheel
/// (`check --abi abi3t|abi2026`: its error findings).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BinaryFindings {
    /// The wheel's file name.
    pub wheel: String,
    pub member: String,
    /// The dotted module name.
    pub module: String,
    pub pep803: Blocking,
    pub pep809: Blocking,
}

/// The finding codes and symbols blocking one binary; both empty when it qualifies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Blocking {
    pub codes: Vec<String>,
    pub symbols: Vec<String>,
}

/// Whether a release's binaries qualify for one proposal, and what blocks them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Qualification {
    /// True when every platform with extension modules qualifies; `None` when none has any.
    pub qualifies: Option<bool>,
    /// The most frequent blocking symbols (count: blocked binaries listing it), at most [`RELEASE_TOP`].
    pub top_blockers: Vec<SymbolCount>,
    /// Every blocking finding code with its count of blocked binaries, most frequent first.
    pub blocking_codes: Vec<CodeCount>,
    /// Every blocking symbol (for the summary).
    #[serde(skip)]
    pub all_symbols: BTreeSet<String>,
}

/// A blocking symbol and how many binaries it blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SymbolCount {
    pub symbol: String,
    pub count: usize,
}

/// A blocking finding code and how many binaries it blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CodeCount {
    pub code: String,
    pub count: usize,
}

/// A blocking symbol and how many projects it blocks (newest releases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SymbolProjects {
    pub symbol: String,
    pub projects: usize,
}

/// A blocking finding code and how many projects it blocks (newest releases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CodeProjects {
    pub code: String,
    pub projects: usize,
}

/// Figures over the newest release of each project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// How many projects.
    pub projects: usize,
    /// How many releases were surveyed in all (older ones included).
    pub releases: usize,
    /// Projects whose newest release loads on a free-threaded interpreter.
    pub free_threaded: usize,
    /// Projects whose newest release ships a wheel tagged `abi3t` (`abi3.abi3t` and the like).
    pub ships_abi3t: usize,
    /// Projects whose newest release ships a wheel tagged for free-threaded CPython (`cp3XYt`
    /// or `abi3t`), by file name alone: what trackers of free-threaded wheels count.
    #[serde(default)]
    pub ships_free_threaded: usize,
    /// Wheels their newest releases ship.
    pub wheels: usize,
    /// Wheels those releases would ship after `merge` with its defaults.
    pub wheels_after_merge: usize,
    /// Projects whose newest release has extension modules (the only ones PEP 803 and
    /// PEP 809 can apply to: the figures below count among these).
    #[serde(default)]
    pub with_extensions: usize,
    /// Projects whose newest release qualifies for PEP 803.
    pub pep803_qualifies: usize,
    /// Projects whose newest release qualifies for the PEP 809 prototype.
    pub pep809_qualifies: usize,
    /// Projects whose newest release has no wheel for the filters (not counted in `projects`).
    #[serde(default)]
    pub no_wheel: usize,
    /// The symbols blocking PEP 803 in the most projects, at most [`SUMMARY_TOP`].
    pub top_blockers: Vec<SymbolProjects>,
    /// The finding codes blocking PEP 803 in the most projects, at most [`SUMMARY_TOP`].
    pub top_blocking_codes: Vec<CodeProjects>,
}

/// One surveyed wheel: readable, and loaded for `merge` when possible.
enum Loaded {
    /// Read with its RECORD verified: `merge` can use it.
    Mergeable(Box<MergeInput>),
    /// Readable, but `merge` refuses it (the reason); counted unchanged.
    Unmergeable(Box<Analysed>, Option<InputErrors>),
}

impl Loaded {
    fn analysed(&self) -> &Analysed {
        match self {
            Loaded::Mergeable(m) => &m.analysed,
            Loaded::Unmergeable(a, _) => a,
        }
    }

    fn filename(&self) -> String {
        self.analysed().input.filename()
    }

    fn tags(&self) -> TagSet {
        self.filename().parse::<WheelFilename>().map(|f| f.tags).unwrap_or_default()
    }
}

/// The release key: normalized name and version, from the file name.
pub type Key = (String, String);

/// What [`survey`] read: a record per release (unsorted), and the inputs it could not read.
#[derive(Debug)]
pub struct Surveyed {
    pub projects: Vec<Release>,
    pub errors: Vec<InputErrors>,
    pub no_wheel: Vec<NoWheel>,
}

/// The releases to survey, grouped by file name alone (nothing is opened), in
/// the order their first wheel came among the inputs; and the inputs that are
/// not wheels of a release.
#[derive(Debug, Default)]
pub struct Releases {
    /// (normalized name, version) and its wheels, in input order.
    pub releases: Vec<(Key, Vec<Input>)>,
    pub errors: Vec<InputErrors>,
    /// The projects whose newest release has no wheel for the filters.
    pub no_wheel: Vec<NoWheel>,
    /// Per release, the wheels met twice (the same file name in two places), surveyed once.
    duplicates: BTreeMap<Key, Vec<String>>,
}

impl Releases {
    /// Group `inputs` into releases.
    pub fn of(inputs: &[Input]) -> Releases {
        let mut out = Releases::default();
        let mut index: BTreeMap<Key, usize> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for input in inputs {
            if let crate::input::Source::NoWheel { why } = &input.source {
                let found = NoWheel { project: input.project(), why: why.clone() };
                if !out.no_wheel.contains(&found) {
                    out.no_wheel.push(found);
                }
                continue;
            }
            if let Some(e) = input.error() {
                out.errors.push(e.clone().into());
                continue;
            }
            let identity = match input.local_path() {
                Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string(),
                None => input.display.clone(),
            };
            if !seen.insert(identity) {
                continue;
            }
            if input.kind() != Some(InputKind::Wheel) {
                let why = ReadError::NotAWheel("survey reads wheels only");
                out.errors.push(InputError::new(input.display.clone(), why).into());
                continue;
            }
            let f = match input.filename().parse::<WheelFilename>() {
                Ok(f) => f,
                Err(e) => {
                    out.errors.push(InputError::new(input.display.clone(), ReadError::Filename(e)).into());
                    continue;
                }
            };
            let key = (f.normalized_name(), f.version.clone());
            let n = *index.entry(key.clone()).or_insert_with(|| {
                out.releases.push((key.clone(), Vec::new()));
                out.releases.len() - 1
            });
            let wheels = &mut out.releases[n].1;
            let name = input.filename();
            match wheels.iter().find(|i| i.filename() == name) {
                Some(first) => out
                    .duplicates
                    .entry(key)
                    .or_default()
                    .push(format!("{} is another copy of {}, surveyed once", input.display, first.display)),
                None => wheels.push(input.clone()),
            }
        }
        out
    }

    /// The number of wheels to read.
    pub fn wheels(&self) -> usize {
        self.releases.iter().map(|(_, w)| w.len()).sum()
    }
}

/// Survey `inputs`; [`report`] makes the report of the result.
///
/// `progress(done, total, input)` is called from the workers after each wheel is read.
pub fn survey(
    inputs: &[Input],
    checker: &Checker,
    limits: Limits,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Surveyed {
    let releases = Releases::of(inputs);
    let results = std::sync::Mutex::new((Vec::new(), Vec::new()));
    survey_each(&releases, checker, limits, progress, &|r| {
        let mut results = results.lock().unwrap_or_else(|e| e.into_inner());
        match r {
            Ok(r) => results.0.push(r),
            Err(e) => results.1.push(e),
        }
        true
    });
    let (projects, errors) = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut all_errors = releases.errors;
    all_errors.extend(errors);
    Surveyed { projects, errors: all_errors, no_wheel: releases.no_wheel }
}

/// Survey each release of `releases` (the workers take them in order, so an
/// interrupted run has covered the first ones), calling `done` with each
/// record as soon as it is complete, and with the errors of each wheel that
/// could not be read; `done` returning false stops the run (the releases in
/// flight finish, no other starts). Memory holds the releases in flight, one
/// per worker.
pub fn survey_each(
    releases: &Releases,
    checker: &Checker,
    limits: Limits,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
    done: &(dyn Fn(Result<Release, InputErrors>) -> bool + Sync),
) {
    let total = releases.wheels();
    let read = AtomicUsize::new(0);
    let ctx = Context { checker, outdir: PathBuf::new(), limits };
    let stopped = std::sync::atomic::AtomicBool::new(false);
    let hand_on = |r| {
        if !done(r) {
            stopped.store(true, Ordering::Relaxed);
        }
    };
    crate::pool::each_in_order(&releases.releases, |(key, inputs)| {
        if stopped.load(Ordering::Relaxed) {
            return;
        }
        // Read every wheel of the release on the pool, then reduce it to its record.
        let loaded = crate::pool::parallel_map(inputs, |input| {
            let l = load(input, limits);
            progress(read.fetch_add(1, Ordering::Relaxed) + 1, total, &input.display);
            l
        });
        let mut wheels = Vec::new();
        for l in loaded {
            match l {
                Ok(l) => wheels.push(l),
                Err(e) => hand_on(Err(e)),
            }
        }
        if wheels.is_empty() {
            return;
        }
        let mut r = release(key, wheels, &ctx);
        if let Some(notes) = releases.duplicates.get(key) {
            r.notes.extend(notes.iter().cloned());
        }
        r.passed_over = inputs.iter().find_map(|i| i.remote()?.passed_over.as_deref().map(str::to_string));
        hand_on(Ok(r));
    });
}

/// The report over release records and errors (from one run, or reduced from
/// several): records sorted by name then version, errors sorted, the summary.
pub fn report(mut projects: Vec<Release>, mut errors: Vec<String>, mut no_wheel: Vec<NoWheel>) -> Report {
    projects.sort_by(|a, b| (&a.name, version_key(&a.version)).cmp(&(&b.name, version_key(&b.version))));
    errors.sort();
    no_wheel.sort();
    no_wheel.dedup_by(|a, b| a.project == b.project);
    let mut summary = summarize(&projects);
    summary.no_wheel = no_wheel.len();
    Report {
        schema: crate::output::schema::SURVEY,
        projects,
        summary,
        errors,
        no_wheel,
        made_from: MadeFrom::default(),
    }
}

/// Read one wheel as `merge` does; when `merge` refuses it but it can still be
/// read, keep it for the survey and count it unchanged.
fn load(input: &Input, limits: Limits) -> Result<Loaded, InputErrors> {
    // One input at a time, so loading runs on the calling worker's thread.
    let (mut inputs, errors) = merge::load_inputs(std::slice::from_ref(input), limits);
    if let Some(m) = inputs.pop() {
        return Ok(Loaded::Mergeable(Box::new(m)));
    }
    let a = analysis::analyse(input, limits);
    if let Some(e) = a.error() {
        return Err(e);
    }
    Ok(Loaded::Unmergeable(Box::new(a), errors.into_iter().next()))
}

fn release(key: &Key, loaded: Vec<Loaded>, ctx: &Context) -> Release {
    let (name, version) = key.clone();
    let mut notes = Vec::new();
    for l in &loaded {
        if let Loaded::Unmergeable(_, why) = l {
            let why = why.as_ref().map(ToString::to_string).unwrap_or_default();
            notes.push(format!("{}: merge cannot read it, counted unchanged: {why}", l.filename()));
        }
        for library in &l.analysed().unreadable_libraries {
            notes.push(format!("{}: {library}", l.filename()));
        }
    }
    let pure = loaded.iter().all(|l| !l.analysed().binaries.iter().any(|b| b.role == Role::Extension));
    let mut by_platform: BTreeMap<String, Vec<Loaded>> = BTreeMap::new();
    for l in loaded {
        by_platform.entry(platform_family(&l.tags().platform)).or_default().push(l);
    }
    let mut platforms = Vec::new();
    let mut via = BTreeSet::new();
    let mut pep803 = Tally::default();
    let mut pep809 = Tally::default();
    let mut merge_refused = Vec::new();
    for (family, mut wheels) in by_platform {
        wheels.sort_by_key(|l| l.filename());
        let tallies = [&mut pep803, &mut pep809];
        let p = platform(&name, &version, &family, wheels, ctx, &mut via, &mut notes, &mut merge_refused, tallies);
        platforms.push(p);
    }
    Release {
        wheels: platforms.iter().map(|p| p.wheels).sum(),
        wheels_after_merge: platforms.iter().map(|p| p.wheels_after_merge).sum(),
        free_threaded: !via.is_empty(),
        free_threaded_via: via.into_iter().collect(),
        pure,
        pep803: pep803.finish(),
        pep809: pep809.finish(),
        platforms,
        merge_refused,
        notes,
        name,
        version,
        passed_over: None,
    }
}

/// Blockers gathered over a release's platforms for one proposal.
#[derive(Default)]
struct Tally {
    qualifies: Option<bool>,
    symbols: BTreeMap<String, usize>,
    codes: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, qualifies: bool) {
        self.qualifies = Some(self.qualifies.unwrap_or(true) && qualifies);
    }

    fn finish(self) -> Qualification {
        let all_symbols = self.symbols.keys().cloned().collect();
        let top_blockers =
            top(&self.symbols, RELEASE_TOP).into_iter().map(|(symbol, count)| SymbolCount { symbol, count }).collect();
        let blocking_codes =
            top(&self.codes, usize::MAX).into_iter().map(|(code, count)| CodeCount { code, count }).collect();
        Qualification { qualifies: self.qualifies, top_blockers, blocking_codes, all_symbols }
    }
}

/// The `n` largest counts, most frequent first, then by name.
fn top(counts: &BTreeMap<String, usize>, n: usize) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = counts.iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

#[allow(clippy::too_many_arguments)]
fn platform(
    name: &str,
    version: &str,
    family: &str,
    wheels: Vec<Loaded>,
    ctx: &Context,
    via: &mut BTreeSet<String>,
    notes: &mut Vec<String>,
    refused: &mut Vec<MergeRefusal>,
    tallies: [&mut Tally; 2],
) -> Platform {
    let checker = ctx.checker;
    let mut serves = BTreeSet::new();
    let mut loads = BTreeSet::new();
    for l in &wheels {
        let set = l.tags();
        let a = l.analysed();
        let v = crate::verify::verify(&set, &a.binaries, checker.specs, checker.table, false);
        let failing: BTreeSet<&str> = v.failures().map(|r| r.python.as_str()).collect();
        let good: Vec<&String> = v.admitted.iter().filter(|i| !failing.contains(i.as_str())).collect();
        serves.extend(universal::served_by(&set));
        loads.extend(good.iter().map(|s| s.to_string()));
        if good.iter().any(|i| i.ends_with('t')) {
            let extensions = a.binaries.iter().any(|b| b.role == Role::Extension);
            let claims = Claims::from_tags(&set.expand());
            let ft: Vec<String> =
                claims.names().into_iter().filter(|n| n == "abi3t" || n == "abi2026" || n.ends_with('t')).collect();
            if !extensions && ft.is_empty() {
                via.insert("pure".to_string());
            }
            via.extend(ft);
        }
    }
    let order: Vec<String> = interpreters().iter().map(|i| i.to_string()).collect();
    let in_order = |s: &BTreeSet<String>| order.iter().filter(|i| s.contains(*i)).cloned().collect::<Vec<_>>();
    let broken: BTreeSet<String> = serves.difference(&loads).cloned().collect();
    let free_threaded: BTreeSet<String> = loads.iter().filter(|i| i.ends_with('t')).cloned().collect();

    // Wheels of another implementation (PyPy, GraalPy) are not judged against CPython's ABIs.
    let (cpython, others): (Vec<&Loaded>, Vec<&Loaded>) = wheels.iter().partition(|l| !not_cpython(l));
    for l in others {
        notes.push(format!("{}: not CPython (tags of another implementation): not judged", l.filename()));
    }
    let analysed: Vec<&Analysed> = cpython.iter().map(|l| l.analysed()).collect();
    let has_modules = !universal::extension_modules(&analysed).is_empty();
    let mut tag_platforms: Vec<PlatformTag> = wheels.iter().flat_map(|l| l.tags().platform).collect();
    tag_platforms.sort();
    tag_platforms.dedup();
    let mut qualifies = [None, None];
    for ((proposal, tally), q) in [Proposal::Pep803, Proposal::Pep809].into_iter().zip(tallies).zip(&mut qualifies) {
        if !has_modules {
            continue;
        }
        let plan = universal::plan(proposal, name, version, None, &tag_platforms, &analysed, checker);
        tally.add(plan.qualifies);
        *q = Some(plan.qualifies);
        // Count only the binaries of modules that have no qualifying binary.
        let blocked: BTreeSet<(String, String)> = universal::extension_modules(&analysed)
            .into_iter()
            .filter(|(m, _)| plan.modules.iter().any(|p| &p.module == m && p.source.is_none()))
            .flat_map(|(_, cands)| cands.into_iter().map(|(a, b)| (a.input.display.clone(), b.member.clone())))
            .collect();
        // And those of libraries using the C API that no copy of qualifies.
        for b in plan.blockers.iter().filter(|b| b.library || blocked.contains(&(b.wheel.clone(), b.member.clone()))) {
            for s in b.symbols.iter().filter(|s| !is_python_dll(s)) {
                *tally.symbols.entry(s.clone()).or_default() += 1;
            }
            for c in &b.codes {
                *tally.codes.entry(c.clone()).or_default() += 1;
            }
        }
    }
    let binaries = binary_findings(&cpython, checker);
    let inputs: Vec<String> = wheels.iter().map(|l| l.filename()).collect();
    let after = after_merge(family, wheels, ctx, notes, refused);
    Platform {
        platform: family.to_string(),
        wheels: inputs.len(),
        inputs,
        wheels_after_merge: after,
        serves: in_order(&serves),
        broken: in_order(&broken),
        free_threaded: in_order(&free_threaded),
        pep803: qualifies[0],
        pep809: qualifies[1],
        binaries,
    }
}

/// Whether every tag of a wheel is another implementation's.
fn not_cpython(l: &Loaded) -> bool {
    let tags = l.tags().expand();
    !tags.is_empty() && tags.iter().all(crate::tags::is_other_implementation)
}

/// Each extension binary of `wheels` (CPython's) with what blocks it under each proposal.
fn binary_findings(wheels: &[&Loaded], checker: &Checker) -> Vec<BinaryFindings> {
    let blocking = |b: &analysis::AnalysedBinary, proposal: Proposal| {
        let found = checker.blockers(b, proposal.abi());
        let codes: BTreeSet<String> = found.iter().map(|f| f.code.to_string()).collect();
        let symbols: BTreeSet<String> = found.iter().flat_map(|f| f.symbols.iter().cloned()).collect();
        Blocking { codes: codes.into_iter().collect(), symbols: symbols.into_iter().collect() }
    };
    let mut out = Vec::new();
    for l in wheels {
        for b in &l.analysed().binaries {
            let Some(module) = b.dotted_module() else { continue };
            out.push(BinaryFindings {
                wheel: l.filename(),
                member: b.member.clone(),
                module,
                pep803: blocking(b, Proposal::Pep803),
                pep809: blocking(b, Proposal::Pep809),
            });
        }
    }
    out.sort_by(|a, b| (&a.wheel, &a.member).cmp(&(&b.wheel, &b.member)));
    out
}

/// How many wheels one platform family would ship after `merge` with its
/// defaults: `merge`'s own forecast over the wheels it can read, plus those it cannot.
fn after_merge(
    family: &str,
    wheels: Vec<Loaded>,
    ctx: &Context,
    notes: &mut Vec<String>,
    refused: &mut Vec<MergeRefusal>,
) -> usize {
    let mut inputs: Vec<MergeInput> = Vec::new();
    let mut unreadable = 0;
    for l in wheels {
        match l {
            Loaded::Mergeable(m) => inputs.push(*m),
            Loaded::Unmergeable(..) => unreadable += 1,
        }
    }
    if inputs.is_empty() {
        return unreadable;
    }
    // Read one at a time, so numbered here: a plan names its inputs by id.
    for (id, input) in inputs.iter_mut().enumerate() {
        input.id = id;
    }
    let forecast = merge::forecast(&inputs, ctx);
    for r in forecast.refused {
        refused.push(MergeRefusal {
            platform: family.to_string(),
            inputs: r.input_ids.iter().filter_map(|id| inputs.get(*id)).map(|i| i.filename.clone()).collect(),
            reason: r.reason,
            metadata_from: r.metadata_from,
            with_metadata_from: r.with_metadata_from,
            text: r.text,
        });
    }
    let c = forecast.counts;
    let merged = c.inputs.saturating_sub(c.refused_inputs + c.unchanged);
    if c.planned > merged {
        notes.push(format!(
            "{family}: merge would write {} wheels for {merged} (a cp315 universal wheel and a companion for older interpreters)",
            c.planned
        ));
    }
    c.wheels_after + unreadable
}

/// A sort key for versions in PEP 440's order (`pep440_rs`): `1.10` > `1.9`,
/// `2.0rc1` < `2.0`, `1.0.dev1` < `1.0a1` < `1.0` < `1.0.post1`. A version that
/// does not parse sorts below every one that does (it cannot be placed among
/// them, so it is never taken for the newest); ties (`1.0` and `1.0.0`, or two
/// that do not parse) break on the text.
pub fn version_key(version: &str) -> (Option<Version>, &str) {
    (version.parse().ok(), version)
}

/// The summary over each project's newest release.
pub fn summarize(releases: &[Release]) -> Summary {
    let mut newest: BTreeMap<&str, &Release> = BTreeMap::new();
    for r in releases {
        let slot = newest.entry(&r.name).or_insert(r);
        if version_key(&r.version) > version_key(&slot.version) {
            *slot = r;
        }
    }
    let mut symbols: BTreeMap<String, usize> = BTreeMap::new();
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for r in newest.values() {
        for s in &r.pep803.all_symbols {
            *symbols.entry(s.clone()).or_default() += 1;
        }
        for c in &r.pep803.blocking_codes {
            *codes.entry(c.code.clone()).or_default() += 1;
        }
    }
    let count = |f: &dyn Fn(&Release) -> bool| newest.values().filter(|r| f(r)).count();
    Summary {
        projects: newest.len(),
        releases: releases.len(),
        free_threaded: count(&|r| r.free_threaded),
        ships_abi3t: count(&|r| ships_abi(r, &|a| *a == AbiTag::Abi3t)),
        ships_free_threaded: count(&|r| {
            ships_abi(r, &|a| matches!(a, AbiTag::Abi3t | AbiTag::CPython { free_threaded: true, .. }))
        }),
        wheels: newest.values().map(|r| r.wheels).sum(),
        wheels_after_merge: newest.values().map(|r| r.wheels_after_merge).sum(),
        with_extensions: count(&|r| !r.pure),
        pep803_qualifies: count(&|r| r.pep803.qualifies == Some(true)),
        pep809_qualifies: count(&|r| r.pep809.qualifies == Some(true)),
        no_wheel: 0,
        top_blockers: top(&symbols, SUMMARY_TOP)
            .into_iter()
            .map(|(symbol, projects)| SymbolProjects { symbol, projects })
            .collect(),
        top_blocking_codes: top(&codes, SUMMARY_TOP)
            .into_iter()
            .map(|(code, projects)| CodeProjects { code, projects })
            .collect(),
    }
}

/// Whether some wheel of a release has an ABI tag `wanted` accepts, by its file name.
fn ships_abi(r: &Release, wanted: &dyn Fn(&AbiTag) -> bool) -> bool {
    r.platforms
        .iter()
        .flat_map(|p| &p.inputs)
        .any(|f| f.parse::<WheelFilename>().is_ok_and(|w| w.tags.abi.iter().any(wanted)))
}

/// Interpreters as compact ranges: `3.10-3.16 3.13t-3.14t`; `none` when empty.
pub fn compact(interpreters: &[String]) -> String {
    let mut parts = Vec::new();
    for ft in [false, true] {
        let minors: Vec<u8> = interpreters
            .iter()
            .filter(|i| i.ends_with('t') == ft)
            .filter_map(|i| i.trim_end_matches('t').strip_prefix("3.")?.parse().ok())
            .collect();
        let t = if ft { "t" } else { "" };
        let mut i = 0;
        while i < minors.len() {
            let mut j = i;
            while j + 1 < minors.len() && minors[j + 1] == minors[j] + 1 {
                j += 1;
            }
            parts.push(if i == j {
                format!("3.{}{t}", minors[i])
            } else {
                format!("3.{}{t}-3.{}{t}", minors[i], minors[j])
            });
            i = j + 1;
        }
    }
    if parts.is_empty() { "none".to_string() } else { parts.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_version_key_orders_numerically() {
        assert!(version_key("7.1.10") > version_key("7.1.2"));
        assert!(version_key("2.0.1") > version_key("2.0"));
        assert!(version_key("10.0") > version_key("9.9"));
    }

    #[test]
    fn ok_version_key_follows_pep440() {
        let ascending = [
            "not a version",
            "0.9",
            "1.9",
            "1.10.dev1",
            "1.10a1",
            "1.10b2",
            "1.10rc1",
            "1.10",
            "1.10.post1",
            "1.10.post2.dev1",
            "1.10.post2",
            "1.11",
            "2.0rc1",
            "2.0",
            "1!0.1",
        ];
        for pair in ascending.windows(2) {
            assert!(version_key(pair[0]) < version_key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        // Equal in PEP 440, told apart by their text so the order is total.
        assert!(version_key("1.0") < version_key("1.0.0"));
        assert!(version_key("V1.0") > version_key("0.1"), "PEP 440's normalization applies");
    }

    #[test]
    fn ok_newest_release_is_pep440s_newest() {
        let release = |version: &str, wheels: usize| Release {
            name: "p".into(),
            version: version.into(),
            wheels,
            wheels_after_merge: wheels,
            free_threaded: false,
            free_threaded_via: Vec::new(),
            pure: true,
            pep803: Qualification::default(),
            pep809: Qualification::default(),
            platforms: Vec::new(),
            merge_refused: Vec::new(),
            notes: Vec::new(),
            passed_over: None,
        };
        let releases = [release("2.0", 1), release("2.0rc1", 2), release("1.10", 3), release("junk", 4)];
        assert_eq!(summarize(&releases).wheels, 1, "2.0 is newer than 2.0rc1");
        let releases = [release("1.9", 1), release("1.10", 2), release("junk", 3)];
        assert_eq!(summarize(&releases).wheels, 2, "1.10 is newer than 1.9 and than what does not parse");
        let releases = [release("junk", 3)];
        assert_eq!(summarize(&releases).wheels, 3, "a release whose version does not parse still counts alone");
        let sorted = report(vec![release("2.0", 1), release("junk", 2), release("2.0rc1", 3)], Vec::new(), Vec::new());
        let order: Vec<&str> = sorted.projects.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(order, ["junk", "2.0rc1", "2.0"]);
    }

    #[test]
    fn ok_platform_family_groups_manylinux_variants() {
        let tags = |s: &str| s.split('.').map(|t| t.parse::<PlatformTag>().unwrap()).collect::<Vec<_>>();
        assert_eq!(platform_family(&tags("manylinux_2_27_x86_64.manylinux_2_28_x86_64")), "linux x86_64");
        assert_eq!(
            platform_family(&tags("manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64")),
            "linux x86_64"
        );
        assert_eq!(platform_family(&tags("macosx_10_15_universal2")), "macos arm64 + x86_64");
        assert_eq!(platform_family(&tags("musllinux_1_2_x86_64")), "linux-musl x86_64", "musl apart from glibc");
        assert_eq!(platform_family(&tags("ios_13_0_arm64_iphoneos")), "ios arm64");
        assert_eq!(platform_family(&tags("win_amd64")), "windows amd64");
        assert_eq!(platform_family(&tags("any")), "any");
        assert_eq!(platform_family(&tags("macosx_10_9_x86_64.macosx_11_0_arm64")), "macos arm64 + x86_64");
        assert_eq!(platform_family(&tags("linux_x86_64")), "linux x86_64 + linux-musl x86_64");
        assert_eq!(platform_family(&tags("manylinux_2_17_x86_64.win_amd64")), "linux x86_64 + windows amd64");
    }

    #[test]
    fn ok_compact_interpreter_ranges() {
        let v = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(compact(&v("3.10 3.11 3.12 3.13 3.13t 3.14 3.14t 3.16")), "3.10-3.14 3.16 3.13t-3.14t");
        assert_eq!(compact(&v("3.13t")), "3.13t");
        assert_eq!(compact(&[]), "none");
    }

    #[test]
    fn ok_top_sorts_by_count_then_name() {
        let counts: BTreeMap<String, usize> =
            [("b", 2), ("a", 2), ("c", 3), ("d", 1)].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let t = top(&counts, 3);
        assert_eq!(t, [("c".to_string(), 3), ("a".to_string(), 2), ("b".to_string(), 2)]);
    }
}
