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

/// Problems that must stop a merge before anything is written: two outputs
/// with one path, an existing file without `force`, an output that is an input.
pub fn check_outputs(outputs: &[&OutputPlan], inputs: &[PathBuf], force: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for o in outputs {
        if !seen.insert(o.file.clone()) {
            errors.push(format!("{}: two outputs would have this name", o.path));
        } else if inputs.iter().any(|i| crate::wheel_writer::same_file(i, &o.file)) {
            errors.push(format!("{}: is one of the inputs; refusing to overwrite it", o.path));
        } else if o.file.exists() && !force {
            errors.push(format!("{}: already exists (pass --force to replace it)", o.path));
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
) -> Result<Result<WriteOutcome, Vec<String>>, WriteError> {
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
fn check_written(tmp: &Path, plan: &OutputPlan, ctx: &Context) -> Result<(), Vec<String>> {
    let name = plan.filename();
    let mut wheel = Wheel::open(tmp, ctx.limits).map_err(|e| vec![format!("{name}: {}", crate::output::chain(&e))])?;
    wheel.check_record_listing().map_err(|e| vec![format!("{name}: {}", crate::output::chain(&e))])?;
    if analysis::wheel_info(&wheel).tags != plan.tags {
        return Err(vec![format!("{name}: WHEEL's Tag: lines are not the planned ones")]);
    }
    let mut listed: Vec<&str> = wheel.members.iter().map(|m| m.name.as_str()).collect();
    listed.sort_unstable();
    if let Some(missing) = plan.binaries.iter().find(|b| listed.binary_search(&b.member.as_str()).is_err()) {
        return Err(vec![format!("{name}: the planned binary {} is not in the written wheel", missing.member)]);
    }
    let errors = super::judge::errors(plan, ctx);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.iter().map(|f| format!("{name}: {}", super::judge::line(f))).collect())
    }
}
