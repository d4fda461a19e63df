//! Building one output wheel of a group: the fat wheel (every binary under its
//! own name) or the universal one (PEP 803, the PEP 809 prototype), judged
//! once, or the group's refusal.

use super::draft::Draft;
use super::group::Group;
use super::judge::Judged;
use super::members::ExtChoice;
use super::output::{OutputPlan, Refusal, failures};
use super::{Context, OutputScheme};
use crate::naming;
use crate::specs::PROTOTYPE_LABEL;
use crate::tags::{Tag, TagSet, WheelFilename};
use crate::universal::{self, Proposal};

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
    // WHEEL lists the full expansion of the file name, as the binary distribution format wants.
    let mut tags: Vec<String> = set.expand().iter().map(|t| t.to_string()).collect();
    tags.sort();
    let judged = judge(&draft, &set, tags, ctx, || {
        format!(
            "the smallest file name covering the inputs' tags, {set}, admits interpreters that would not load every module"
        )
    })?;
    let errors = judged.errors();
    let mut out = draft.finish(judged, ctx);
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
    super::judge::judged(out, &errors, group)
}

/// Judge a draft once, named from `set` with the `Tag:` lines `tags`; refuse it
/// when an interpreter its name admits would not load every module (`why`).
pub(crate) fn judge(
    draft: &Draft,
    set: &TagSet,
    tags: Vec<String>,
    ctx: &Context,
    why: impl FnOnce() -> String,
) -> Result<Judged, Box<Refusal>> {
    let judged = draft.judge(set, tags, ctx);
    match judged.verification() {
        Some(v) if v.no_failures() => Ok(judged),
        Some(v) => {
            let mut r = draft.refuse(why());
            r.failures = failures(v);
            Err(Box::new(r))
        }
        None => {
            Err(Box::new(draft.refuse(format!("{}: import resolution could not run", judged.analysed.input.display))))
        }
    }
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
                        && p.source_index.is_some_and(|n| group.inputs.get(n).is_some_and(|g| g.id == input.id)) =>
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
    let judged = judge(&draft, &set, up.tags.clone(), ctx, || {
        format!("{} would not load on every interpreter it admits", up.wheel)
    })?;
    let errors = judged.errors();
    let mut out = draft.finish(judged, ctx);
    if !out.uncovered.is_empty() {
        out.notes.push(format!(
            "{} cannot be served by the {} binary: they still need their own wheels ({})",
            out.uncovered.join(", "),
            proposal.abi(),
            out.uncovered_inputs.join(", ")
        ));
    }
    super::judge::judged(out, &errors, group)
}
