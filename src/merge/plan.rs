//! Planning a merge: groups, members kept and dropped, conflicts, tags, and
//! import resolution of the planned wheel. Nothing is written here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use super::{Context, MergeInput, OutputScheme, Scheme, WriteOutcome};
use crate::analysis::AnalysedBinary;
use crate::naming;
use crate::specs::PROTOTYPE_LABEL;
use crate::tags::{PlatformTag, Tag, TagSet, WheelFilename};
use crate::universal::{self, Blocker, Proposal};
use crate::verify::{self, Verification};
use crate::wheel::{RecordEntry, Wheel};

/// One member of a planned wheel.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlannedMember {
    /// Its name in the output.
    pub name: String,
    /// The input it is copied from.
    pub input: String,
    /// Its name in that input (differs from `name` when a universal binary is renamed).
    pub source: String,
    pub size: u64,
    /// Whether it is an extension module.
    pub extension: bool,
    #[serde(skip)]
    pub(crate) input_path: PathBuf,
    #[serde(skip)]
    pub(crate) entry: RecordEntry,
}

/// An input member the output leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Dropped {
    pub input: String,
    pub member: String,
    pub reason: String,
}

/// Two inputs that disagree about one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Conflict {
    /// The member name (in the output).
    pub member: String,
    /// The two inputs.
    pub inputs: Vec<String>,
    /// What is wrong, as a sentence.
    pub reason: String,
    /// A unified diff when both sides are text.
    pub diff: Option<String>,
    /// Both sides' RECORD hashes, in `inputs` order.
    pub hashes: Vec<String>,
}

/// One wheel the merge (or split) would write.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OutputPlan {
    /// Where it goes: `OUTDIR/name-version-tags.whl`.
    pub path: String,
    pub scheme: OutputScheme,
    /// Set for the PEP 809 prototype.
    pub prototype: Option<&'static str>,
    /// `project version [platform tags]`.
    pub group: String,
    pub inputs: Vec<String>,
    /// The `Tag:` lines, sorted.
    pub tags: Vec<String>,
    pub members: Vec<PlannedMember>,
    pub dropped: Vec<Dropped>,
    /// The interpreters (3.10–3.16, free-threaded from 3.13) the file name admits.
    pub admitted: Vec<String>,
    /// Interpreters the inputs served that this wheel does not.
    pub uncovered: Vec<String>,
    /// The inputs that served them.
    pub uncovered_inputs: Vec<String>,
    pub notes: Vec<String>,
    /// Whether every admitted interpreter loads every module of the planned wheel.
    pub verified: bool,
    /// The inputs' total size on disk.
    pub input_size: u64,
    /// Filled in once written.
    pub written: Option<WriteOutcome>,
    #[serde(skip)]
    pub(crate) file: PathBuf,
    #[serde(skip)]
    pub(crate) dist_info: String,
    #[serde(skip)]
    pub(crate) root_is_purelib: bool,
    #[serde(skip)]
    pub(crate) build: Option<String>,
    /// The extension binaries, as analysed in the inputs (renamed where the plan renames).
    #[serde(skip)]
    pub(crate) binaries: Vec<AnalysedBinary>,
    /// The project and version, as in the inputs' file names.
    #[serde(skip)]
    pub(crate) project: (String, String),
}

impl OutputPlan {
    /// The output's file name.
    pub fn filename(&self) -> String {
        self.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// The planned file path.
    pub fn file(&self) -> &std::path::Path {
        &self.file
    }

    /// The extension modules kept.
    pub fn binaries(&self) -> impl Iterator<Item = &PlannedMember> {
        self.members.iter().filter(|m| m.extension)
    }
}

/// A group that cannot be merged (or a wheel that cannot be split), and why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Refusal {
    /// `project version [platform tags]`.
    pub group: String,
    /// The scheme that was attempted.
    pub scheme: OutputScheme,
    pub inputs: Vec<String>,
    pub reason: String,
    pub conflicts: Vec<Conflict>,
    /// For pep803/pep809: what keeps each binary from qualifying.
    pub blockers: Vec<Blocker>,
    /// Interpreters the planned file name admits that would not load a module.
    pub failures: Vec<String>,
}

/// Everything a merge would do.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MergePlan {
    pub outputs: Vec<OutputPlan>,
    pub refused: Vec<Refusal>,
    /// Inputs whose group's one output would be the input itself: not copied.
    pub unchanged: Vec<super::Unchanged>,
    /// Facts about the grouping (platform tag sets that differ, and so on).
    pub notes: Vec<String>,
}

/// A set of inputs that may become one wheel.
pub(crate) struct Group<'a> {
    pub label: String,
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    pub platforms: Vec<PlatformTag>,
    pub inputs: Vec<&'a MergeInput>,
}

/// Group inputs by (project, version, build tag, platform tags), in sorted order;
/// inputs in a group are sorted by file name.
pub(crate) fn groups(inputs: &[MergeInput]) -> (Vec<Group<'_>>, Vec<String>) {
    // A wheel of another implementation (PyPy, GraalPy) is a group of its own: uniabi
    // models CPython's import resolution only, so it never merges one with anything.
    type Key = (String, String, Option<String>, Vec<String>, Option<String>);
    let mut map: BTreeMap<Key, Vec<&MergeInput>> = BTreeMap::new();
    for i in inputs {
        let platforms = i.platforms.iter().map(|p| p.to_string()).collect();
        let foreign = i.tags.iter().any(crate::tags::is_other_implementation).then(|| i.filename.clone());
        map.entry((i.name.clone(), i.version.clone(), i.build.clone(), platforms, foreign)).or_default().push(i);
    }
    let mut notes = Vec::new();
    let mut per_release: BTreeMap<(String, String, Option<String>), Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for ((name, version, build, platforms, _), mut members) in map {
        members.sort_by(|a, b| a.filename.cmp(&b.filename).then(a.display.cmp(&b.display)));
        let build_label = build.as_ref().map(|b| format!(" build {b}")).unwrap_or_default();
        let platform_text = platforms.join(".");
        per_release.entry((name.clone(), version.clone(), build.clone())).or_default().push(format!(
            "{platform_text} ({} input{})",
            members.len(),
            if members.len() == 1 { "" } else { "s" }
        ));
        out.push(Group {
            label: format!("{name} {version}{build_label} [{platform_text}]"),
            platforms: members[0].platforms.clone(),
            name,
            version,
            build,
            inputs: members,
        });
    }
    for ((name, version, build), sets) in per_release {
        if sets.len() > 1 {
            let build = build.map(|b| format!(" build {b}")).unwrap_or_default();
            notes.push(format!(
                "{name} {version}{build}: the inputs carry {} different platform tag sets, merged separately: {}",
                sets.len(),
                sets.join("; ")
            ));
        }
    }
    (out, notes)
}

/// What to do with one extension binary of an input.
pub(crate) enum ExtChoice {
    /// Keep it under this name.
    Keep(String),
    /// Leave it out, for this reason.
    Drop(String),
}

/// The members of an output: every non-extension member (identical across
/// inputs), and the extension binaries `ext` keeps; `.dist-info` from
/// `metadata_from` only, when given.
pub(crate) fn collect(
    inputs: &[&MergeInput],
    ext: impl Fn(&MergeInput, &str) -> ExtChoice,
    metadata_from: Option<&str>,
    ctx: &Context,
) -> (Vec<PlannedMember>, Vec<Dropped>, Vec<Conflict>) {
    let meta_src = metadata_from.and_then(|f| inputs.iter().position(|i| i.filename == f));
    let mut kept: BTreeMap<String, (usize, PlannedMember)> = BTreeMap::new();
    let mut dropped = Vec::new();
    let mut conflicts = Vec::new();
    for (idx, input) in inputs.iter().enumerate() {
        let dist_prefix = format!("{}/", input.dist_info);
        for m in &input.members {
            if input.is_regenerated(&m.name) {
                if m.name.ends_with(".jws") || m.name.ends_with(".p7s") {
                    dropped.push(Dropped {
                        input: input.display.clone(),
                        member: m.name.clone(),
                        reason: "a signature of the input's RECORD, which the output replaces".into(),
                    });
                }
                continue;
            }
            if let Some(src) = meta_src
                && src != idx
                && m.name.starts_with(&dist_prefix)
            {
                let chosen = inputs[src];
                if chosen.hash(&m.name).is_none() || chosen.hash(&m.name) != input.hash(&m.name) {
                    dropped.push(Dropped {
                        input: input.display.clone(),
                        member: m.name.clone(),
                        reason: format!("the .dist-info is taken from {} (--metadata-from)", chosen.filename),
                    });
                }
                continue;
            }
            let extension = input.is_extension(&m.name);
            let name = if extension {
                match ext(input, &m.name) {
                    ExtChoice::Keep(n) => n,
                    ExtChoice::Drop(reason) => {
                        dropped.push(Dropped { input: input.display.clone(), member: m.name.clone(), reason });
                        continue;
                    }
                }
            } else {
                m.name.clone()
            };
            let Some(entry) = input.record.get(&m.name).cloned() else {
                continue;
            };
            match kept.get(&name) {
                None => {
                    let planned = PlannedMember {
                        name: name.clone(),
                        input: input.display.clone(),
                        source: m.name.clone(),
                        size: m.size,
                        extension,
                        input_path: input.path.clone(),
                        entry,
                    };
                    kept.insert(name, (idx, planned));
                }
                Some((_, prev)) if prev.entry.hash == entry.hash => {}
                Some((prev_idx, prev)) => {
                    let first = inputs[*prev_idx];
                    conflicts.push(conflict(first, &prev.source, input, &m.name, &name, &prev.entry, &entry, ctx));
                }
            }
        }
    }
    let mut members: Vec<PlannedMember> = kept.into_values().map(|(_, m)| m).collect();
    // Everything outside `.dist-info` first, then `.dist-info`, each sorted by name.
    members.sort_by(|a, b| (a.name.contains(".dist-info/"), &a.name).cmp(&(b.name.contains(".dist-info/"), &b.name)));
    (members, dropped, conflicts)
}

/// How an input's binary presents itself: its wheel's tags and, for a `.pyd`, the DLL it links.
fn describe(input: &MergeInput, member: &str) -> String {
    let mut pairs: Vec<String> = input.tags.iter().map(|t| format!("{}-{}", t.python, t.abi)).collect();
    pairs.dedup();
    let mut s = format!("tagged {}", pairs.join(", "));
    if let Some(dll) = input
        .analysed
        .binaries
        .iter()
        .find(|b| b.member == member)
        .and_then(|b| b.slices().iter().find_map(|s| s.python_library().map(str::to_string)))
    {
        s.push_str(&format!(", links {dll}"));
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn conflict(
    a: &MergeInput,
    a_member: &str,
    b: &MergeInput,
    b_member: &str,
    name: &str,
    a_entry: &RecordEntry,
    b_entry: &RecordEntry,
    ctx: &Context,
) -> Conflict {
    let hashes = vec![a_entry.hash.clone().unwrap_or_default(), b_entry.hash.clone().unwrap_or_default()];
    let inputs = vec![a.display.clone(), b.display.clone()];
    if a.is_extension(a_member) || b.is_extension(b_member) {
        let reason = format!(
            "two different extension binaries share the name {}: {} ({}) and {} ({}); a wheel holds one file per name, \
             so they need separate wheels",
            naming::base_name(name),
            a.filename,
            describe(a, a_member),
            b.filename,
            describe(b, b_member),
        );
        return Conflict { member: name.to_string(), inputs, reason, diff: None, hashes };
    }
    let text = |input: &MergeInput, member: &str| -> Option<String> {
        let mut wheel = Wheel::open(&input.path, ctx.limits).ok()?;
        let m = wheel.member(member)?.clone();
        let _permit = crate::budget::Budget::global().acquire(m.size);
        String::from_utf8(wheel.read(&m).ok()?).ok()
    };
    let diff = match (text(a, a_member), text(b, b_member)) {
        (Some(x), Some(y)) => Some(
            similar::TextDiff::from_lines(&x, &y)
                .unified_diff()
                .header(&format!("{name} ({})", a.filename), &format!("{name} ({})", b.filename))
                .to_string(),
        ),
        _ => None,
    };
    let kind = if diff.is_some() { "text" } else { "binary" };
    let hint = if name.starts_with(&format!("{}/", a.dist_info)) {
        " (--metadata-from WHEEL takes the whole .dist-info from one input)"
    } else {
        ""
    };
    let reason = format!(
        "{name} differs between {} and {} ({kind}); every member that is not an extension binary must be \
         byte-identical across the inputs{hint}",
        a.filename, b.filename
    );
    Conflict { member: name.to_string(), inputs, reason, diff, hashes }
}

/// The interpreters an input's tags let an installer give it to.
fn served(input: &MergeInput) -> Vec<String> {
    universal::served_by(&TagSet::compress(&input.tags), false)
}

fn failures(v: &Verification) -> Vec<String> {
    v.failures()
        .map(|r| format!("{} ({}, {}): {}", r.python, r.matched_tag, r.module, r.problem.as_deref().unwrap_or("fails")))
        .collect()
}

/// Checks every output shares: one `.dist-info` name and one `Root-Is-Purelib`.
fn common(group: &Group, scheme: OutputScheme) -> Result<(String, bool), Box<Refusal>> {
    let first = group.inputs[0];
    let refuse = |reason: String| refusal(group, scheme, reason);
    if let Some(other) = group.inputs.iter().find(|i| i.dist_info != first.dist_info) {
        return Err(Box::new(refuse(format!(
            "{} has {} but {} has {}; one wheel holds one .dist-info",
            first.filename, first.dist_info, other.filename, other.dist_info
        ))));
    }
    if let Some(other) = group.inputs.iter().find(|i| i.root_is_purelib != first.root_is_purelib) {
        return Err(Box::new(refuse(format!(
            "WHEEL's Root-Is-Purelib differs: {} says {:?}, {} says {:?}",
            first.filename, first.root_is_purelib, other.filename, other.root_is_purelib
        ))));
    }
    Ok((first.dist_info.clone(), first.root_is_purelib.unwrap_or(false)))
}

/// The binaries of planned members, as `verify` needs them (renamed where the plan renames).
fn planned_binaries(group: &Group, members: &[PlannedMember]) -> Vec<AnalysedBinary> {
    members
        .iter()
        .filter(|m| m.extension)
        .filter_map(|m| {
            let input = group.inputs.iter().find(|i| i.display == m.input)?;
            let b = input.analysed.binaries.iter().find(|b| b.member == m.source)?;
            let mut b = b.clone();
            b.member = m.name.clone();
            b.name = naming::parse_extension_name(&m.name);
            Some(b)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn output(
    group: &Group,
    scheme: OutputScheme,
    set: TagSet,
    tags: Vec<String>,
    members: Vec<PlannedMember>,
    dropped: Vec<Dropped>,
    verification: &Verification,
    dist_info: String,
    root_is_purelib: bool,
    pep809: bool,
    ctx: &Context,
) -> OutputPlan {
    let build = group.build.as_ref().map(|b| format!("-{b}")).unwrap_or_default();
    let filename = format!("{}-{}{build}-{set}.whl", group.name, group.version);
    let file = ctx.outdir.join(&filename);
    let before: BTreeSet<String> = group.inputs.iter().flat_map(|i| served(i)).collect();
    let uncovered: Vec<String> = crate::tags::interpreters()
        .iter()
        .map(|i| i.to_string())
        .filter(|i| before.contains(i) && !verification.admitted.contains(i))
        .collect();
    let binaries = planned_binaries(group, &members);
    let uncovered_inputs = group
        .inputs
        .iter()
        .filter(|i| served(i).iter().any(|s| uncovered.contains(s)))
        .map(|i| i.display.clone())
        .collect();
    OutputPlan {
        path: file.display().to_string(),
        scheme,
        prototype: pep809.then_some(PROTOTYPE_LABEL),
        group: group.label.clone(),
        inputs: group.inputs.iter().map(|i| i.display.clone()).collect(),
        tags,
        members,
        dropped,
        admitted: verification.admitted.clone(),
        uncovered,
        uncovered_inputs,
        notes: Vec::new(),
        verified: verification.ok(),
        input_size: group.inputs.iter().map(|i| i.size).sum(),
        written: None,
        file,
        dist_info,
        root_is_purelib,
        build: group.build.clone(),
        binaries,
        project: (group.name.clone(), group.version.clone()),
    }
}

pub(crate) fn refusal(group: &Group, scheme: OutputScheme, reason: String) -> Refusal {
    Refusal {
        group: group.label.clone(),
        scheme,
        inputs: group.inputs.iter().map(|i| i.display.clone()).collect(),
        reason,
        conflicts: Vec::new(),
        blockers: Vec::new(),
        failures: Vec::new(),
    }
}

/// The fat wheel of a group: every binary under its own name.
pub(crate) fn plan_fat(group: &Group, metadata_from: Option<&str>, ctx: &Context) -> Result<OutputPlan, Box<Refusal>> {
    let scheme = OutputScheme::Fat;
    let (dist_info, purelib) = common(group, scheme)?;
    let (members, dropped, conflicts) =
        collect(&group.inputs, |_, m| ExtChoice::Keep(m.to_string()), metadata_from, ctx);
    if !conflicts.is_empty() {
        let mut r = refusal(
            group,
            scheme,
            format!(
                "{} member{} differ{} between the inputs",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                if conflicts.len() == 1 { "s" } else { "" }
            ),
        );
        r.conflicts = conflicts;
        return Err(Box::new(r));
    }
    let mut union: Vec<Tag> = group.inputs.iter().flat_map(|i| i.tags.iter().cloned()).collect();
    union.sort();
    union.dedup();
    let set = TagSet::compress(&union);
    let binaries = planned_binaries(group, &members);
    let v = verify::verify(&set, &binaries, ctx.checker.specs, ctx.checker.table, false);
    if !v.ok() {
        let mut r = refusal(
            group,
            scheme,
            format!(
                "the smallest file name covering the inputs' tags, {set}, admits interpreters that would not load every module"
            ),
        );
        r.failures = failures(&v);
        return Err(Box::new(r));
    }
    // WHEEL lists the full expansion of the file name, as the binary distribution format wants.
    let mut tags: Vec<String> = set.expand().iter().map(|t| t.to_string()).collect();
    tags.sort();
    let mut out = output(group, scheme, set.clone(), tags, members, dropped, &v, dist_info, purelib, false, ctx);
    let extra: Vec<Tag> = set.expand().into_iter().filter(|t| !union.contains(t)).collect();
    if !extra.is_empty() {
        let dead = extra.iter().filter(|t| t.dead_reason().is_some()).count();
        let mut pairs: Vec<String> = extra.iter().map(|t| format!("{}-{}", t.python, t.abi)).collect();
        pairs.dedup();
        out.notes.push(format!(
            "the file name's tag set also holds {} tag{} no input had ({}); {dead} of them no installer accepts, \
             and verify checked every interpreter the name admits",
            extra.len(),
            if extra.len() == 1 { "" } else { "s" },
            pairs.join(", "),
        ));
    }
    super::judge::judged(out, group, ctx)
}

/// The universal wheel of a group under `proposal`.
pub(crate) fn plan_universal(
    proposal: Proposal,
    group: &Group,
    metadata_from: Option<&str>,
    ctx: &Context,
) -> Result<OutputPlan, Box<Refusal>> {
    let scheme = if proposal == Proposal::Pep803 { OutputScheme::Pep803 } else { OutputScheme::Pep809 };
    let pep809 = proposal == Proposal::Pep809;
    let (dist_info, purelib) = common(group, scheme)?;
    let analysed: Vec<&crate::analysis::Analysed> = group.inputs.iter().map(|i| &i.analysed).collect();
    let up = universal::plan(
        proposal,
        &group.name,
        &group.version,
        group.build.as_deref(),
        &group.platforms,
        &analysed,
        ctx.checker,
    );
    if !up.qualifies {
        let mut r = refusal(
            group,
            scheme,
            format!(
                "no binary qualifies for {} at {} (as `check --abi {}` decides){}",
                proposal.abi(),
                up.min_python,
                proposal.abi(),
                if pep809 { format!(" [{PROTOTYPE_LABEL}]") } else { String::new() }
            ),
        );
        r.blockers = up.blockers;
        return Err(Box::new(r));
    }
    let (members, dropped, conflicts) = collect(
        &group.inputs,
        |input, member| {
            let module = naming::dotted_module(member);
            let planned = up.modules.iter().find(|m| Some(&m.module) == module.as_ref());
            match planned {
                Some(p)
                    if p.source.as_deref() == Some(member)
                        && p.source_wheel.as_deref() == Some(input.analysed.input.display.as_str()) =>
                {
                    ExtChoice::Keep(p.member.value.clone())
                }
                Some(p) => ExtChoice::Drop(format!("replaced by {} ({})", p.member.value, proposal.abi())),
                None => ExtChoice::Drop(format!("no {} binary plans for its module", proposal.abi())),
            }
        },
        metadata_from,
        ctx,
    );
    if !conflicts.is_empty() {
        let mut r = refusal(group, scheme, format!("{} member(s) differ between the inputs", conflicts.len()));
        r.conflicts = conflicts;
        return Err(Box::new(r));
    }
    let set = match up.wheel.parse::<WheelFilename>() {
        Ok(f) => f.tags,
        Err(e) => {
            return Err(Box::new(refusal(group, scheme, format!("the planned name {} does not parse: {e}", up.wheel))));
        }
    };
    let binaries = planned_binaries(group, &members);
    let v = verify::verify(&set, &binaries, ctx.checker.specs, ctx.checker.table, pep809);
    if !v.ok() {
        let mut r = refusal(group, scheme, format!("{} would not load on every interpreter it admits", up.wheel));
        r.failures = failures(&v);
        return Err(Box::new(r));
    }
    let mut out = output(group, scheme, set, up.tags.clone(), members, dropped, &v, dist_info, purelib, pep809, ctx);
    if !out.uncovered.is_empty() {
        out.notes.push(format!(
            "{} cannot be served by the {} binary: they still need their own wheels ({})",
            out.uncovered.join(", "),
            proposal.abi(),
            out.uncovered_inputs.join(", ")
        ));
    }
    super::judge::judged(out, group, ctx)
}

/// Plan the merge of `inputs` under `scheme`. `metadata_from` names (by file
/// name) the input whose `.dist-info` wins where inputs disagree.
pub fn plan_merge(inputs: &[MergeInput], scheme: Scheme, metadata_from: Option<&str>, ctx: &Context) -> MergePlan {
    let (groups, notes) = groups(inputs);
    let mut plan = MergePlan { outputs: Vec::new(), refused: Vec::new(), unchanged: Vec::new(), notes };
    for group in &groups {
        match scheme {
            Scheme::Fat => push(&mut plan, plan_fat(group, metadata_from, ctx)),
            Scheme::Pep803 => push(&mut plan, plan_universal(Proposal::Pep803, group, metadata_from, ctx)),
            Scheme::Pep809 => push(&mut plan, plan_universal(Proposal::Pep809, group, metadata_from, ctx)),
            Scheme::Auto => match plan_universal(Proposal::Pep803, group, metadata_from, ctx) {
                Ok(mut universal) => {
                    let needed: Vec<&MergeInput> = group
                        .inputs
                        .iter()
                        .copied()
                        .filter(|i| universal.uncovered_inputs.contains(&i.display))
                        .collect();
                    if needed.len() == group.inputs.len() {
                        // Every input still serves interpreters the universal wheel cannot:
                        // it would add a wheel and replace none. Keep the builds together.
                        push_auto_fat(
                            &mut plan,
                            group,
                            metadata_from,
                            ctx,
                            format!(
                                "a binary qualifies for abi3t, but {} would replace no input: each still serves interpreters it cannot ({})",
                                universal.filename(),
                                universal.uncovered.join(", ")
                            ),
                        );
                        continue;
                    }
                    universal.notes.push("auto: a binary qualifies for abi3t, so pep803".to_string());
                    if needed.is_empty() {
                        plan.outputs.push(universal);
                        continue;
                    }
                    let companion_group = Group {
                        label: group.label.clone(),
                        name: group.name.clone(),
                        version: group.version.clone(),
                        build: group.build.clone(),
                        platforms: group.platforms.clone(),
                        inputs: needed,
                    };
                    match plan_fat(&companion_group, metadata_from, ctx) {
                        Ok(mut companion) => {
                            universal.notes.push(format!(
                                "auto: the companion fat wheel {} serves {}",
                                companion.filename(),
                                universal.uncovered.join(", ")
                            ));
                            companion.notes.push(format!(
                                "auto: companion of {}, for {} which it cannot serve",
                                universal.filename(),
                                universal.uncovered.join(", ")
                            ));
                            plan.outputs.push(universal);
                            plan.outputs.push(companion);
                        }
                        Err(mut r) => {
                            r.reason = format!(
                                "the companion fat wheel for {} (which {} cannot serve) is refused: {}",
                                universal.uncovered.join(", "),
                                universal.filename(),
                                r.reason
                            );
                            // The whole group stays as it is, not only the companion's inputs.
                            r.inputs = group.inputs.iter().map(|i| i.display.clone()).collect();
                            plan.refused.push(*r);
                        }
                    }
                }
                Err(why) => push_auto_fat(
                    &mut plan,
                    group,
                    metadata_from,
                    ctx,
                    format!("pep803 is not possible: {}", why.reason),
                ),
            },
        }
    }
    super::outcome::settle_unchanged(&mut plan, inputs);
    plan
}

/// `auto` falling back to `fat`, saying why.
fn push_auto_fat(plan: &mut MergePlan, group: &Group, metadata_from: Option<&str>, ctx: &Context, why: String) {
    match plan_fat(group, metadata_from, ctx) {
        Ok(mut fat) => {
            fat.notes.push(format!("auto: fat, because {why}"));
            plan.outputs.push(fat);
        }
        Err(r) => plan.refused.push(*r),
    }
}

fn push(plan: &mut MergePlan, r: Result<OutputPlan, Box<Refusal>>) {
    match r {
        Ok(o) => plan.outputs.push(o),
        Err(r) => plan.refused.push(*r),
    }
}
