//! Splitting a merged wheel: one wheel per (Python tag, ABI tag) of its
//! `Tag:` lines, for installers that cannot read compressed tag sets.

use std::collections::{BTreeMap, BTreeSet};

use super::draft::Draft;
use super::group::Group;
use super::members::ExtChoice;
use super::output::{OutputPlan, Refusal};
use super::{Context, MergeInput, OutputScheme};
use crate::tags::{AbiTag, Tag, TagSet};
use crate::verify;

/// Plan the split of one wheel. Each output holds every non-extension member
/// and the extension binaries that the interpreters its tag admits load;
/// a tag that admits no interpreter gets no wheel (a note says so).
pub fn plan_split(input: &MergeInput, ctx: &Context) -> Result<(Vec<OutputPlan>, Vec<String>), Box<Refusal>> {
    let mut by_pair: BTreeMap<(String, String), Vec<Tag>> = BTreeMap::new();
    for t in &input.tags {
        by_pair.entry((t.python.to_string(), t.abi.to_string())).or_default().push(t.clone());
    }
    let group =
        Group { label: format!("{} {}", input.name, input.version), key: input.group_key(), inputs: vec![input] };
    let mut outputs = Vec::new();
    let mut notes = Vec::new();
    let resolved: Vec<(TagSet, bool, verify::Verification)> = by_pair
        .values()
        .map(|tags| {
            let set = TagSet::compress(tags);
            let pep809 = set.abi.contains(&AbiTag::ABI2026);
            let v = verify::verify(&set, &input.analysed.binaries, ctx.checker.specs, ctx.checker.table, pep809);
            (set, pep809, v)
        })
        .collect();
    for (n, (set, pep809, v)) in resolved.iter().enumerate() {
        let pep809 = *pep809;
        if v.admitted.is_empty() {
            notes.push(format!("{set} admits no interpreter; no wheel is written for it"));
            continue;
        }
        // A pair whose interpreters another pair already serves (`cp313-abi3` beside
        // `cp36-abi3`, a by-product of the compressed name) gets no wheel of its own.
        let covered_by = resolved.iter().enumerate().find(|(m, (_, _, other))| {
            *m != n
                && v.admitted.iter().all(|i| other.admitted.contains(i))
                && (other.admitted.len() > v.admitted.len() || *m < n)
        });
        if let Some((_, (other, _, _))) = covered_by {
            notes.push(format!("{set} admits only interpreters {other} already serves; no wheel is written for it"));
            continue;
        }
        let set = set.clone();
        let fails: Vec<String> = v
            .failures()
            .map(|r| format!("{} ({}): {}", r.python, r.module, r.problem.as_deref().unwrap_or("fails")))
            .collect();
        if !fails.is_empty() {
            return Err(Box::new(Refusal {
                group: group.label.clone(),
                scheme: OutputScheme::Split,
                inputs: vec![input.display().to_string()],
                reason: format!("{set} would not load on every interpreter it admits"),
                conflicts: Vec::new(),
                blockers: Vec::new(),
                failures: fails,
                input_ids: vec![input.id],
            }));
        }
        let chosen: BTreeSet<&str> = v.resolutions.iter().filter_map(|r| r.file.as_deref()).collect();
        let mut draft = Draft::new(&group, OutputScheme::Split)?.prototype(pep809);
        draft.collect(
            |_, m| {
                if chosen.contains(m) {
                    ExtChoice::Keep(m.to_string())
                } else {
                    ExtChoice::Drop(format!("not loaded by the interpreters {set} admits"))
                }
            },
            None,
            ctx,
        );
        let mut lines: Vec<String> = set.expand().iter().map(|t| t.to_string()).collect();
        lines.sort();
        let judged = super::build::judge(&draft, &set, lines, ctx, || {
            format!("{set} would not load on every interpreter it admits")
        })?;
        let errors = judged.errors();
        let mut out = draft.finish(judged, ctx);
        // A split output serves a part of what its input served by design.
        out.uncovered.clear();
        out.uncovered_inputs.clear();
        out.uncovered_ids.clear();
        out.uncovered_served.clear();
        outputs.push(super::judge::judged(out, &errors, &group)?);
    }
    Ok((outputs, notes))
}
