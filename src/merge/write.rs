//! Writing a planned wheel, and checking it before it is moved into place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Context, OutputPlan};
use crate::analysis;
use crate::wheel::{Wheel, WheelError};
use crate::wheel_writer::{OutputWheel, WriteError};

/// What writing one output did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WriteOutcome {
    /// The wheel's size on disk.
    pub size: u64,
    /// True when the reopened wheel's RECORD, `Tag:` lines and import resolution all checked out.
    pub verified: bool,
}

/// Why an output may not be written, found before anything is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: two outputs would have this name")]
    SameName { path: String },
    #[error("{path}: is one of the inputs; refusing to overwrite it")]
    IsInput { path: String },
    #[error("{path}: already exists (pass --force to replace it)")]
    Exists { path: String },
}

/// Why a complete output failed its check before being moved into place.
#[derive(Debug, thiserror::Error)]
pub enum WrittenError {
    /// The written wheel cannot be reopened, or RECORD does not list its members.
    #[error("{name}")]
    Reopen { name: String, source: WheelError },
    #[error("{name}: WHEEL's Tag: lines are not the planned ones")]
    Tags { name: String },
    #[error("{name}: the planned binary {member} is not in the written wheel")]
    MissingBinary { name: String, member: String },
    /// An error finding `check` gives the written wheel.
    #[error("{name}: {}", super::judge::line(finding))]
    Finding { name: String, finding: crate::check::Finding },
}

/// Problems that must stop a merge before anything is written: two outputs
/// with one path, an existing file without `force`, an output that is an input.
pub fn check_outputs(outputs: &[&OutputPlan], inputs: &[PathBuf], force: bool) -> Vec<OutputError> {
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for o in outputs {
        let path = o.path.clone();
        if !seen.insert(o.file.clone()) {
            errors.push(OutputError::SameName { path });
        } else if inputs.iter().any(|i| crate::wheel_writer::same_file(i, &o.file)) {
            errors.push(OutputError::IsInput { path });
        } else if o.file.exists() && !force {
            errors.push(OutputError::Exists { path });
        }
    }
    errors
}

/// The WHEEL file of an output.
fn wheel_file(plan: &OutputPlan) -> String {
    let mut s = format!(
        "Wheel-Version: 1.0\nGenerator: uniabi {}\nRoot-Is-Purelib: {}\n",
        env!("CARGO_PKG_VERSION"),
        plan.root_is_purelib
    );
    for t in &plan.tags {
        s.push_str(&format!("Tag: {t}\n"));
    }
    if let Some(b) = &plan.build {
        s.push_str(&format!("Build: {b}\n"));
    }
    s
}

/// Write one planned wheel. The outer error is a failure to read an input or
/// write the output; the inner one lists why the complete wheel failed its
/// check (RECORD, `Tag:` lines, import resolution) — then nothing is left behind.
pub fn write_output(
    plan: &OutputPlan,
    force: bool,
    inputs: &[PathBuf],
    ctx: &Context,
) -> Result<Result<WriteOutcome, Vec<WrittenError>>, WriteError> {
    let mut out = OutputWheel::create(&plan.file, force, inputs)?;
    let mut wheels: BTreeMap<PathBuf, Wheel> = BTreeMap::new();
    for m in &plan.members {
        if !wheels.contains_key(&m.input_path) {
            wheels.insert(m.input_path.clone(), Wheel::open(&m.input_path, ctx.limits)?);
        }
        let Some(wheel) = wheels.get_mut(&m.input_path) else { continue };
        let member = wheel.member(&m.source).cloned().ok_or_else(|| WheelError::Corrupt {
            member: m.source.clone(),
            detail: format!("is no longer in {}", m.input_path.display()),
        })?;
        out.copy_member(wheel, &member, &m.name, m.entry.clone())?;
    }
    out.add_file(&format!("{}/WHEEL", plan.dist_info), wheel_file(plan).as_bytes())?;
    let checked = out.finish_checked(&plan.dist_info, |tmp| check_written(tmp, plan, ctx))?;
    Ok(checked
        .map(|path| WriteOutcome { size: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0), verified: true }))
}

/// Reopen a complete output: RECORD must list every member with its size
/// (its hashes were taken from verified input bytes, so they are not recomputed)
/// and WHEEL's `Tag:` lines must be the planned ones; then `check` judges the
/// wheel from the binaries' analyses, which were read from the very bytes
/// copied into it (so nothing is inflated again).
fn check_written(tmp: &Path, plan: &OutputPlan, ctx: &Context) -> Result<(), Vec<WrittenError>> {
    let name = plan.filename();
    let reopen = |source| vec![WrittenError::Reopen { name: name.clone(), source }];
    let mut wheel = Wheel::open(tmp, ctx.limits).map_err(reopen)?;
    wheel.check_record_listing().map_err(reopen)?;
    if analysis::wheel_info(&wheel).tags != plan.tags {
        return Err(vec![WrittenError::Tags { name }]);
    }
    let mut listed: Vec<&str> = wheel.members.iter().map(|m| m.name.as_str()).collect();
    listed.sort_unstable();
    if let Some(missing) = plan.binaries.iter().find(|b| listed.binary_search(&b.member.as_str()).is_err()) {
        return Err(vec![WrittenError::MissingBinary { name, member: missing.member.clone() }]);
    }
    let errors = super::judge::errors(plan, ctx);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into_iter().map(|finding| WrittenError::Finding { name: name.clone(), finding }).collect())
    }
}
