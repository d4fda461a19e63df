//! Planning a merge: each group's output wheels (fat or universal, as the
//! scheme says) or its refusal, and the inputs left as they are. Nothing is
//! written here.

use std::collections::BTreeSet;

use super::build::{plan_fat, plan_universal};
use super::group::groups;
use super::output::{MergePlan, OutputPlan, Unchanged};
use super::{Context, MergeInput, Scheme};
use crate::tags::{Tag, WheelFilename};
use crate::universal::Proposal;

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
    settle_unchanged(&mut plan, inputs);
    plan
}

/// Move every planned output that would write the very wheel its one input is
/// into [`MergePlan::unchanged`].
fn settle_unchanged(plan: &mut MergePlan, inputs: &[MergeInput]) {
    let outputs = std::mem::take(&mut plan.outputs);
    for o in outputs {
        match o.input_ids.as_slice() {
            [only] => match inputs.iter().find(|i| i.id == *only) {
                Some(input) if same_wheel(&o, input) => plan.unchanged.push(Unchanged {
                    group: o.group.clone(),
                    input: input.display().to_string(),
                    reason: "one input, and merge would write the same members under the same names with \
                             the same tags: left as it is, not copied"
                        .to_string(),
                }),
                _ => plan.outputs.push(o),
            },
            _ => plan.outputs.push(o),
        }
    }
}

/// Whether an output planned from one input would be that input again: the same
/// members (WHEEL and RECORD aside) under the same names, nothing dropped, the
/// same `Tag:` lines and the same tags in the file name (in any order).
fn same_wheel(o: &OutputPlan, input: &MergeInput) -> bool {
    if !o.dropped.is_empty() || o.members.iter().any(|m| m.name != m.source) {
        return false;
    }
    let kept: BTreeSet<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
    let had: BTreeSet<&str> =
        input.wheel().members.iter().map(|m| m.name.as_str()).filter(|n| !input.is_regenerated(n)).collect();
    if kept != had {
        return false;
    }
    let Ok(name) = input.filename.parse::<WheelFilename>() else {
        return false;
    };
    // An output's Tag: lines are the full expansion of its file name, so one set
    // stands for both; the input's Tag: lines and its file name must each be it.
    let planned: BTreeSet<String> = o.tags.iter().cloned().collect();
    let same = |tags: &[Tag]| tags.iter().map(Tag::to_string).collect::<BTreeSet<String>>() == planned;
    let build = o.planned.wheel.as_ref().and_then(|w| w.build.as_ref());
    name.build.as_ref() == build && same(&input.tags) && same(&name.tags.expand())
}
