//! Planning a merge: each group's output wheels (fat or universal) or its
//! refusal, with the tags and import resolution of every planned wheel.
//! Nothing is written here.

use std::path::PathBuf;

use serde::Serialize;

use super::draft::Draft;
use super::group::{Group, groups};
use super::members::{Conflict, Dropped, ExtChoice, PlannedMember};
use super::{Context, MergeInput, OutputScheme, Scheme, WriteOutcome};
use crate::analysis::AnalysedBinary;
use crate::naming;
use crate::specs::PROTOTYPE_LABEL;
use crate::tags::{Tag, TagSet, WheelFilename};
use crate::universal::{self, Blocker, Proposal};
use crate::verify::{self, Verification};

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
    /// Per input of `uncovered_inputs`, the interpreters of `uncovered` it served.
    #[serde(skip)]
    pub(crate) uncovered_by: Vec<(String, Vec<String>)>,
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

fn failures(v: &Verification) -> Vec<String> {
    v.failures()
        .map(|r| format!("{} ({}, {}): {}", r.python, r.matched_tag, r.module, r.problem.as_deref().unwrap_or("fails")))
        .collect()
}

/// The refusal of `group` under `scheme`, for `reason`.
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
    let mut draft = Draft::new(group, OutputScheme::Fat)?;
    let conflicts = draft.collect(|_, m| ExtChoice::Keep(m.to_string()), metadata_from, ctx);
    if !conflicts.is_empty() {
        let mut r = draft.refuse(format!(
            "{} member{} differ{} between the inputs",
            conflicts.len(),
            crate::output::plural(conflicts.len()),
            if conflicts.len() == 1 { "s" } else { "" }
        ));
        r.conflicts = conflicts;
        return Err(Box::new(r));
    }
    let mut union: Vec<Tag> = group.inputs.iter().flat_map(|i| i.tags.iter().cloned()).collect();
    union.sort();
    union.dedup();
    let set = TagSet::compress(&union);
    let v = verify::verify(&set, &draft.binaries(), ctx.checker.specs, ctx.checker.table, false);
    if !v.no_failures() {
        let mut r = draft.refuse(format!(
            "the smallest file name covering the inputs' tags, {set}, admits interpreters that would not load every module"
        ));
        r.failures = failures(&v);
        return Err(Box::new(r));
    }
    // WHEEL lists the full expansion of the file name, as the binary distribution format wants.
    let mut tags: Vec<String> = set.expand().iter().map(|t| t.to_string()).collect();
    tags.sort();
    let mut out = draft.finish(set.clone(), tags, &v, ctx);
    let extra: Vec<Tag> = set.expand().into_iter().filter(|t| !union.contains(t)).collect();
    if !extra.is_empty() {
        let dead = extra.iter().filter(|t| t.dead_reason().is_some()).count();
        let mut pairs: Vec<String> = extra.iter().map(|t| format!("{}-{}", t.python, t.abi)).collect();
        pairs.dedup();
        out.notes.push(format!(
            "the file name's tag set also holds {} tag{} no input had ({}); {dead} of them no installer accepts, \
             and verify checked every interpreter the name admits",
            extra.len(),
            crate::output::plural(extra.len()),
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
    let mut draft = Draft::new(group, scheme)?.prototype(pep809);
    let analysed: Vec<&crate::analysis::Analysed> = group.inputs.iter().map(|i| &i.analysed).collect();
    let key = &group.key;
    let up = universal::plan(
        proposal,
        &key.name,
        &key.version,
        key.build.as_deref(),
        &key.platforms,
        &analysed,
        ctx.checker,
    );
    if !up.qualifies {
        let mut r = draft.refuse(format!(
            "no binary qualifies for {} at {} (as `check --abi {}` decides){}",
            proposal.abi(),
            up.min_python,
            proposal.abi(),
            if pep809 { format!(" [{PROTOTYPE_LABEL}]") } else { String::new() }
        ));
        r.blockers = up.blockers;
        return Err(Box::new(r));
    }
    let conflicts = draft.collect(
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
        let mut r = draft.refuse(format!("{} member(s) differ between the inputs", conflicts.len()));
        r.conflicts = conflicts;
        return Err(Box::new(r));
    }
    let set = match up.wheel.parse::<WheelFilename>() {
        Ok(f) => f.tags,
        Err(e) => {
            return Err(Box::new(draft.refuse(format!("the planned name {} does not parse: {e}", up.wheel))));
        }
    };
    let v = verify::verify(&set, &draft.binaries(), ctx.checker.specs, ctx.checker.table, pep809);
    if !v.no_failures() {
        let mut r = draft.refuse(format!("{} would not load on every interpreter it admits", up.wheel));
        r.failures = failures(&v);
        return Err(Box::new(r));
    }
    let mut out = draft.finish(set, up.tags.clone(), &v, ctx);
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
        let planned = match scheme {
            Scheme::Fat => plan_fat(group, metadata_from, ctx),
            Scheme::Pep803 => plan_universal(Proposal::Pep803, group, metadata_from, ctx),
            Scheme::Pep809 => plan_universal(Proposal::Pep809, group, metadata_from, ctx),
            Scheme::Auto => {
                super::auto::plan_auto(&mut plan, group, metadata_from, ctx);
                continue;
            }
        };
        match planned {
            Ok(o) => plan.outputs.push(o),
            Err(r) => plan.refused.push(*r),
        }
    }
    super::outcome::settle_unchanged(&mut plan, inputs);
    plan
}
