//! The `auto` scheme's policy: pep803 where a binary qualifies and the
//! universal wheel replaces at least one input (with a companion fat wheel for
//! the interpreters it cannot serve), else fat.

use super::build::{plan_fat, plan_universal};
use super::group::Group;
use super::output::MergePlan;
use super::{Context, MergeInput};
use crate::universal::Proposal;

/// Plan one group under `auto`, pushing its outputs or its refusal onto `plan`.
pub(crate) fn plan_auto(plan: &mut MergePlan, group: &Group, metadata_from: Option<&str>, ctx: &Context) {
    let mut universal = match plan_universal(Proposal::Pep803, group, metadata_from, ctx) {
        Ok(universal) => universal,
        Err(why) => {
            return fat(plan, group, metadata_from, ctx, format!("pep803 is not possible: {}", why.reason));
        }
    };
    let needed: Vec<&MergeInput> =
        group.inputs.iter().copied().filter(|i| universal.uncovered_ids.contains(&i.id)).collect();
    if needed.len() == group.inputs.len() {
        // Every input still serves interpreters the universal wheel cannot:
        // it would add a wheel and replace none. Keep the builds together.
        let why = format!(
            "a binary qualifies for abi3t, but {} would replace no input: each still serves interpreters it cannot ({})",
            universal.filename(),
            universal.uncovered.join(", ")
        );
        return fat(plan, group, metadata_from, ctx, why);
    }
    universal.notes.push("auto: a binary qualifies for abi3t, so pep803".to_string());
    if needed.is_empty() {
        plan.outputs.push(universal);
        return;
    }
    let companion_group = Group { label: group.label.clone(), key: group.key.clone(), inputs: needed };
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
            r.inputs = group.inputs.iter().map(|i| i.display().to_string()).collect();
            r.input_ids = group.inputs.iter().map(|i| i.id).collect();
            plan.refused.push(*r);
        }
    }
}

/// `auto` falling back to `fat`, saying why.
fn fat(plan: &mut MergePlan, group: &Group, metadata_from: Option<&str>, ctx: &Context, why: String) {
    match plan_fat(group, metadata_from, ctx) {
        Ok(mut fat) => {
            fat.notes.push(format!("auto: fat, because {why}"));
            plan.outputs.push(fat);
        }
        Err(r) => plan.refused.push(*r),
    }
}
