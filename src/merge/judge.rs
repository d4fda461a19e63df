//! What uniabi writes, uniabi passes: every planned wheel is judged by the same
//! [`Checker`] as `uniabi check`, from the analyses of its inputs' binaries
//! (renamed where the plan renames them), before anything is written; the
//! written file is then judged again from the same analyses, without
//! inflating it.

use super::Context;
use super::group::Group;
use super::plan::{OutputPlan, Refusal, refusal};
use crate::analysis::{Analysed, InputKind, InputPath, WheelInfo};
use crate::check::{AbiChoice, Checker, Finding, Severity};

impl OutputPlan {
    /// The planned wheel as `check` sees it: its name, WHEEL and binaries.
    pub(crate) fn analysed(&self) -> Analysed {
        let filename = self.filename();
        Analysed {
            input: InputPath { display: filename.clone(), path: self.file.clone(), kind: InputKind::Wheel },
            wheel: Some(WheelInfo {
                name: self.project.0.clone(),
                version: self.project.1.clone(),
                build: self.build.clone(),
                tags: self.tags.clone(),
                compressed_tag_lines: Vec::new(),
                filename,
                members: self.members.iter().map(|m| m.name.clone()).collect(),
                dist_info: self.dist_info.clone(),
            }),
            binaries: self.binaries.clone(),
            errors: Vec::new(),
            unreadable_libraries: Vec::new(),
        }
    }
}

/// The error findings `check` would give the planned wheel.
pub(crate) fn errors(plan: &OutputPlan, ctx: &Context) -> Vec<Finding> {
    let checker = Checker { specs: ctx.checker.specs, table: ctx.checker.table, abi: AbiChoice::Auto };
    let mut found = checker.check(&plan.analysed()).findings;
    found.retain(|f| f.severity == Severity::Error);
    found
}

/// A finding as one line: `code: member: message`.
pub(crate) fn line(f: &Finding) -> String {
    match &f.member {
        Some(m) => format!("{}: {m}: {}", f.code, f.message),
        None => format!("{}: {}", f.code, f.message),
    }
}

/// Keep a planned wheel only if `check` would pass it.
pub(crate) fn judged(out: OutputPlan, group: &Group, ctx: &Context) -> Result<OutputPlan, Box<Refusal>> {
    let errors = errors(&out, ctx);
    if errors.is_empty() {
        return Ok(out);
    }
    let mut r = refusal(
        group,
        out.scheme,
        format!(
            "{} would fail `uniabi check` ({} error{})",
            out.filename(),
            errors.len(),
            crate::output::plural(errors.len())
        ),
    );
    r.failures = errors.iter().map(line).collect();
    Err(Box::new(r))
}
