//! What becomes of each input of a merge: taken into a written output, left
//! unchanged, or kept as it is because its group was refused; and the
//! forecast `survey` shows, computed from the very same plan.
//!
//! - A group of one wheel whose planned output would hold the same members
//!   under the same names with the same tags is **unchanged**: nothing is
//!   copied, the input stays where it is and counts as one wheel after merge.
//! - A planned output that would be written over one of the inputs refuses its
//!   group (inputs are never written over, not even with `--force`).
//! - An input serving interpreters that no output of its group serves (a
//!   pep803 wheel does not serve 3.12) is **still needed**.
//! - Wheels after merge = outputs planned + inputs of refused groups +
//!   unchanged inputs + inputs still needed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use super::{Conflict, Context, MergeInput, MergePlan, OutputPlan, Refusal, Scheme, Unchanged, plan_merge};

/// The counts of a merge: how many wheels it plans, writes, refuses and leaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Input wheels read.
    pub inputs: usize,
    /// Output wheels planned (unchanged inputs are not planned outputs).
    pub planned: usize,
    /// Output wheels written and moved into place.
    pub written: usize,
    /// Groups refused.
    pub refused: usize,
    /// Inputs of the refused groups, which stay as they are.
    pub refused_inputs: usize,
    /// Inputs left unchanged.
    pub unchanged: usize,
    /// Inputs merged into an output that serve interpreters no output of their group
    /// serves: they are still needed beside the outputs.
    pub still_needed: usize,
    /// The wheels there would be after the merge: planned + refused inputs + unchanged + still needed.
    pub wheels_after: usize,
}

impl Counts {
    /// The counts of a plan (written: the outputs marked written).
    pub fn of(inputs: usize, outputs: &[OutputPlan], refused: &[Refusal], unchanged: &[Unchanged]) -> Counts {
        let refused_inputs = refused.iter().map(|r| r.inputs.len()).sum();
        let kept: BTreeSet<&str> = refused
            .iter()
            .flat_map(|r| r.inputs.iter())
            .chain(unchanged.iter().map(|u| &u.input))
            .map(String::as_str)
            .collect();
        let mut needed: BTreeSet<&str> = BTreeSet::new();
        for o in outputs {
            let admitted: BTreeSet<&str> = outputs
                .iter()
                .filter(|p| p.group == o.group)
                .flat_map(|p| p.admitted.iter().map(String::as_str))
                .collect();
            for (input, left) in &o.uncovered_served {
                if !kept.contains(input.as_str()) && left.iter().any(|i| !admitted.contains(i.as_str())) {
                    needed.insert(input);
                }
            }
        }
        Counts {
            inputs,
            planned: outputs.len(),
            written: outputs.iter().filter(|o| o.written.is_some()).count(),
            refused: refused.len(),
            refused_inputs,
            unchanged: unchanged.len(),
            still_needed: needed.len(),
            wheels_after: outputs.len() + refused_inputs + unchanged.len() + needed.len(),
        }
    }
}

/// Refuse every group one of whose outputs would be written over an input
/// (the output directory may hold inputs, as long as nothing replaces them).
pub fn refuse_overwrites(outputs: &mut Vec<OutputPlan>, refused: &mut Vec<Refusal>, inputs: &[PathBuf]) {
    let mut blocked: Vec<(String, String)> = Vec::new();
    for o in outputs.iter() {
        if inputs.iter().any(|i| crate::wheel_writer::same_file(i, o.file()))
            && !blocked.iter().any(|(g, _)| *g == o.group)
        {
            blocked.push((o.group.clone(), o.path.clone()));
        }
    }
    for (group, path) in blocked {
        let (theirs, kept): (Vec<OutputPlan>, Vec<OutputPlan>) =
            std::mem::take(outputs).into_iter().partition(|o| o.group == group);
        *outputs = kept;
        let mut names: Vec<(String, usize)> =
            theirs.iter().flat_map(|o| o.inputs.iter().cloned().zip(o.input_ids.iter().copied())).collect();
        names.sort();
        names.dedup();
        let Some(scheme) = theirs.first().map(|o| o.scheme) else { continue };
        refused.push(Refusal {
            group,
            scheme,
            inputs: names.iter().map(|(n, _)| n.clone()).collect(),
            input_ids: names.iter().map(|(_, id)| *id).collect(),
            reason: format!(
                "its output {path} is one of the inputs, and inputs are never written over (not even with --force); \
                 choose another output directory"
            ),
            conflicts: Vec::new(),
            blockers: Vec::new(),
            failures: Vec::new(),
        });
    }
}

/// A refused group as `survey` reports it, with what `--metadata-from` would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RefusedForecast {
    /// `project version [platform tags]`.
    pub group: String,
    /// The group's inputs, as given.
    pub inputs: Vec<String>,
    /// Their [`MergeInput::id`]s.
    #[serde(skip)]
    pub input_ids: Vec<usize>,
    /// Why, in a few words: `METADATA differs`.
    pub reason: String,
    /// When only `.dist-info` members differ: the input `--metadata-from` is tried with
    /// (the group's first, by file name).
    pub metadata_from: Option<String>,
    /// The wheels the group would become with that `--metadata-from` (`None`: still refused).
    pub with_metadata_from: Option<usize>,
    /// One sentence: `METADATA differs: `--metadata-from` would merge 3 -> 1`.
    pub text: String,
}

/// What `merge` with its defaults (scheme auto, no `--metadata-from`) would make of `inputs`.
pub struct Forecast {
    pub plan: MergePlan,
    pub counts: Counts,
    /// One per refused group, in the plan's order.
    pub refused: Vec<RefusedForecast>,
}

/// Plan `inputs` exactly as `merge` does with its defaults, and for each group
/// refused only because `.dist-info` members differ, plan that group again
/// with `--metadata-from` its first input.
pub fn forecast(inputs: &[MergeInput], ctx: &Context) -> Forecast {
    let plan = plan_merge(inputs, Scheme::Auto, None, ctx);
    let counts = Counts::of(inputs.len(), &plan.outputs, &plan.refused, &plan.unchanged);
    let refused = plan.refused.iter().map(|r| refused_forecast(r, inputs, ctx)).collect();
    Forecast { plan, counts, refused }
}

fn refused_forecast(r: &Refusal, inputs: &[MergeInput], ctx: &Context) -> RefusedForecast {
    let group: Vec<MergeInput> = inputs.iter().filter(|i| r.input_ids.contains(&i.id)).cloned().collect();
    let dist_infos: Vec<&str> = group.iter().map(|i| i.wheel().dist_info.as_str()).collect();
    let reason = short_reason(r, &dist_infos);
    let metadata_only =
        !r.conflicts.is_empty() && r.conflicts.iter().all(|c| dist_info_member(&c.member, &dist_infos).is_some());
    let mut out = RefusedForecast {
        group: r.group.clone(),
        inputs: r.inputs.clone(),
        input_ids: r.input_ids.clone(),
        text: reason.clone(),
        reason,
        metadata_from: None,
        with_metadata_from: None,
    };
    if !metadata_only {
        return out;
    }
    let Some(first) = group.iter().map(|i| i.filename.clone()).min() else {
        return out;
    };
    let again = plan_merge(&group, Scheme::Auto, Some(&first), ctx);
    out.metadata_from = Some(first);
    if again.refused.is_empty() {
        let after = again.outputs.len() + again.unchanged.len();
        out.with_metadata_from = Some(after);
        out.text = format!("{}: `--metadata-from` would merge {} -> {after}", out.reason, group.len());
    } else {
        let why: Vec<String> = again.refused.iter().map(|r| short_reason(r, &dist_infos)).collect();
        out.text = format!("{}; with `--metadata-from` still refused: {}", out.reason, why.join("; "));
    }
    out
}

/// The name of `member` inside one of the `.dist-info` directories (`METADATA`), if it is in one.
fn dist_info_member<'a>(member: &'a str, dist_infos: &[&str]) -> Option<&'a str> {
    dist_infos.iter().find_map(|d| member.strip_prefix(d)?.strip_prefix('/'))
}

/// A refusal in a few words: the `.dist-info` files that differ (`METADATA
/// differs`), the name two binaries share, the other members that differ, or
/// else the planner's reason. `dist_infos`: the group's `.dist-info` names.
pub(crate) fn short_reason(r: &Refusal, dist_infos: &[&str]) -> String {
    if r.conflicts.is_empty() {
        return r.reason.clone();
    }
    let mut parts = Vec::new();
    let (dist, rest): (Vec<&Conflict>, Vec<&Conflict>) =
        r.conflicts.iter().partition(|c| dist_info_member(&c.member, dist_infos).is_some());
    if !dist.is_empty() {
        parts.extend(once_each(
            &dist,
            |c| dist_info_member(&c.member, dist_infos).unwrap_or(&c.member),
            ("differs", "differ"),
        ));
    }
    let (binaries, others): (Vec<&Conflict>, Vec<&Conflict>) =
        rest.into_iter().partition(|c| c.diff.is_none() && c.reason.starts_with("two different extension binaries"));
    if !binaries.is_empty() {
        let names: Vec<&str> = once(binaries.iter().map(|c| crate::naming::base_name(&c.member)));
        parts.push(format!("two different binaries share the name {}", listed(&names)));
    }
    if !others.is_empty() {
        parts.extend(once_each(&others, |c| c.member.as_str(), ("differs", "differ")));
    }
    parts.join("; ")
}

/// Each member named once, grouped by the builds it differs between (a member
/// differing across three inputs is one conflict per pair):
/// `METADATA, RECORD differ between cp313-cp313t and cp314-cp314t`.
fn once_each<'a>(
    conflicts: &[&'a Conflict],
    name: impl Fn(&'a Conflict) -> &'a str,
    verbs: (&str, &str),
) -> Vec<String> {
    // Each member's builds, in order of first appearance.
    let mut members: Vec<(&str, Vec<String>)> = Vec::new();
    for c in conflicts {
        let n = name(c);
        let slot = match members.iter().position(|(m, _)| *m == n) {
            Some(i) => &mut members[i].1,
            None => {
                members.push((n, Vec::new()));
                &mut members.last_mut().expect("just pushed").1
            }
        };
        for b in c.inputs.iter().map(|i| build_of(i)) {
            if !slot.contains(&b) {
                slot.push(b);
            }
        }
    }
    // Members that differ between the same builds share a sentence.
    let mut by_builds: Vec<(Vec<String>, Vec<&str>)> = Vec::new();
    for (member, builds) in members {
        match by_builds.iter_mut().find(|(b, _)| *b == builds) {
            Some((_, names)) => names.push(member),
            None => by_builds.push((builds, vec![member])),
        }
    }
    by_builds
        .into_iter()
        .map(|(builds, names)| {
            let verb = if names.len() == 1 { verbs.0 } else { verbs.1 };
            format!("{} {verb} between {}", listed(&names), and_list(&builds))
        })
        .collect()
}

/// The names in first-appearance order, each once.
fn once<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// An input's build, as its file name's python and ABI tags say (`cp313-cp313t`); else its file name.
fn build_of(input: &str) -> String {
    let name = crate::naming::base_name(input);
    let parts: Vec<&str> = name.strip_suffix(".whl").unwrap_or(name).split('-').collect();
    match parts.len() {
        n if n >= 5 => format!("{}-{}", parts[n - 3], parts[n - 2]),
        _ => name.to_string(),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// At most three names, then how many more.
fn listed(names: &[&str]) -> String {
    if names.len() > 3 { format!("{} and {} more", names[..3].join(", "), names.len() - 3) } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::OutputScheme;

    fn refusal(conflicts: &[(&str, &str, bool)]) -> Refusal {
        Refusal {
            group: "p 1.0 [any]".into(),
            scheme: OutputScheme::Fat,
            inputs: vec!["a.whl".into(), "b.whl".into(), "c.whl".into()],
            reason: "planner's reason".into(),
            conflicts: conflicts
                .iter()
                .map(|(member, reason, text)| Conflict {
                    member: member.to_string(),
                    inputs: vec!["a.whl".into(), "b.whl".into()],
                    reason: reason.to_string(),
                    diff: text.then(String::new),
                    hashes: Vec::new(),
                })
                .collect(),
            blockers: Vec::new(),
            failures: Vec::new(),
            input_ids: vec![0, 1, 2],
        }
    }

    #[test]
    fn ok_short_reason_names_dist_info_files_binaries_and_other_members() {
        let d = ["p-1.0.dist-info"];
        assert_eq!(
            short_reason(&refusal(&[("p-1.0.dist-info/METADATA", "differs", true)]), &d),
            "METADATA differs between a.whl and b.whl"
        );
        let two = refusal(&[("p-1.0.dist-info/METADATA", "", true), ("p-1.0.dist-info/entry_points.txt", "", true)]);
        assert_eq!(short_reason(&two, &d), "METADATA, entry_points.txt differ between a.whl and b.whl");
        let mixed = refusal(&[
            ("p/_ext.pyd", "two different extension binaries share the name _ext.pyd: …", false),
            ("p/data.bin", "p/data.bin differs between a.whl and b.whl (binary)", false),
            ("p-1.0.dist-info/METADATA", "", true),
        ]);
        assert_eq!(
            short_reason(&mixed, &d),
            "METADATA differs between a.whl and b.whl; two different binaries share the name _ext.pyd; \
             p/data.bin differs between a.whl and b.whl"
        );
        // One member differing across three builds is one conflict per pair: named once, with the builds.
        let mut three = refusal(&[("np/__config__.py", "", true), ("np/__config__.py", "", true)]);
        three.conflicts[0].inputs =
            vec!["d/np-2.0-cp311-cp311-linux_x86_64.whl".into(), "np-2.0-cp312-cp312-linux_x86_64.whl".into()];
        three.conflicts[1].inputs =
            vec!["np-2.0-cp311-cp311-linux_x86_64.whl".into(), "np-2.0-1-cp313-cp313t-linux_x86_64.whl".into()];
        assert_eq!(
            short_reason(&three, &d),
            "np/__config__.py differs between cp311-cp311, cp312-cp312 and cp313-cp313t"
        );
        assert_eq!(short_reason(&refusal(&[]), &d), "planner's reason");
        // A member of another project's .dist-info, or one merely named like it, is no .dist-info file.
        assert_eq!(dist_info_member("p-1.0.dist-infox/METADATA", &d), None);
    }

    #[test]
    fn ok_counts_add_up() {
        let r = [refusal(&[])];
        let u = [Unchanged { group: "q 1 [any]".into(), input: "q.whl".into(), reason: String::new() }];
        let c = Counts::of(5, &[], &r, &u);
        assert_eq!(
            c,
            Counts {
                inputs: 5,
                planned: 0,
                written: 0,
                refused: 1,
                refused_inputs: 3,
                unchanged: 1,
                still_needed: 0,
                wheels_after: 4
            }
        );
    }
}
