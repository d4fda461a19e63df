//! What a plan is made of: each wheel it would write ([`OutputPlan`]), each
//! group it refuses ([`Refusal`]), each input it leaves as it is
//! ([`Unchanged`]), and the whole [`MergePlan`]. Types only: `build` makes
//! outputs, `plan` makes the plan, `write` writes it.

use std::path::PathBuf;

use serde::Serialize;

use super::OutputScheme;
use super::group::Group;
use super::members::{Conflict, Dropped, PlannedMember};
use crate::analysis::Analysed;
use crate::universal::Blocker;
use crate::verify::Verification;

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
    pub(crate) uncovered_served: Vec<(String, Vec<String>)>,
    pub notes: Vec<String>,
    /// Whether every admitted interpreter loads every module of the planned wheel.
    pub verified: bool,
    /// The inputs' total size on disk.
    pub input_size: u64,
    /// Filled in once written.
    pub written: Option<WriteOutcome>,
    #[serde(skip)]
    pub(crate) file: PathBuf,
    /// The planned wheel as `check` judged it: its facts (name, `.dist-info`,
    /// `Root-Is-Purelib`, build, tags) and its extension binaries, renamed where
    /// the plan renames them.
    #[serde(skip)]
    pub(crate) planned: Analysed,
    /// The inputs' [`MergeInput::id`]s, in `inputs` order.
    #[serde(skip)]
    pub(crate) input_ids: Vec<usize>,
    /// The [`MergeInput::id`]s of `uncovered_inputs`.
    #[serde(skip)]
    pub(crate) uncovered_ids: Vec<usize>,
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
    /// The inputs' [`MergeInput::id`]s, in `inputs` order.
    #[serde(skip)]
    pub(crate) input_ids: Vec<usize>,
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

pub(crate) fn failures(v: &Verification) -> Vec<String> {
    v.failures()
        .map(|r| format!("{} ({}, {}): {}", r.python, r.matched_tag, r.module, r.problem.as_deref().unwrap_or("fails")))
        .collect()
}

/// The refusal of `group` under `scheme`, for `reason`.
pub(crate) fn refusal(group: &Group, scheme: OutputScheme, reason: String) -> Refusal {
    Refusal {
        group: group.label.clone(),
        scheme,
        inputs: group.inputs.iter().map(|i| i.display().to_string()).collect(),
        reason,
        conflicts: Vec::new(),
        blockers: Vec::new(),
        failures: Vec::new(),
        input_ids: group.inputs.iter().map(|i| i.id).collect(),
    }
}

/// An input merge leaves as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Unchanged {
    /// `project version [platform tags]`.
    pub group: String,
    pub input: String,
    pub reason: String,
}

/// What writing one output did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WriteOutcome {
    /// The wheel's size on disk.
    pub size: u64,
    /// True when the written bytes, read back, proved to be the planned wheel
    /// (RECORD listing, `Tag:` lines, every binary's hash); an output is only
    /// moved into place when they do.
    pub verified: bool,
}
