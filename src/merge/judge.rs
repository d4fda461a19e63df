//! What uniabi writes, uniabi passes: every planned wheel is judged once, by
//! the same [`Checker`] as `uniabi check`, from the analyses of its inputs'
//! binaries (renamed where the plan renames them). The plan carries that
//! judgement; after writing, [`super::write`] reads the written bytes back
//! to prove they are the ones judged.

use super::Context;
use super::group::Group;
use super::output::{OutputPlan, Refusal, refusal};
use crate::analysis::Analysed;
use crate::check::{AbiChoice, Checker, Finding, InputCheck, Severity};
use crate::verify::Verification;

/// A planned wheel as `check` sees it, and `check`'s judgement of it.
pub(crate) struct Judged {
    /// The planned wheel: its file name, WHEEL's tags, its binaries.
    pub analysed: Analysed,
    pub check: InputCheck,
}

impl Judged {
    /// Judge a planned wheel as `uniabi check` would judge it once written.
    pub fn of(analysed: Analysed, ctx: &Context) -> Judged {
        let checker = Checker { specs: ctx.checker.specs, table: ctx.checker.table, abi: AbiChoice::Auto };
        let check = checker.check(&analysed);
        Judged { analysed, check }
    }

    /// The import resolution `check` ran (`None` only if it could not run, which fails the plan).
    pub fn verification(&self) -> Option<&Verification> {
        self.check.verification.as_ref()
    }

    /// The error findings.
    pub fn errors(&self) -> Vec<Finding> {
        self.check.findings.iter().filter(|f| f.severity == Severity::Error).cloned().collect()
    }
}

/// A finding as one line: `code: member: message`.
pub(crate) fn line(f: &Finding) -> String {
    match &f.member {
        Some(m) => format!("{}: {m}: {}", f.code, f.message),
        None => format!("{}: {}", f.code, f.message),
    }
}

/// Keep a planned wheel only if `check` passed it (judged when it was planned).
pub(crate) fn judged(out: OutputPlan, errors: &[Finding], group: &Group) -> Result<OutputPlan, Box<Refusal>> {
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
