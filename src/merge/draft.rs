//! One output wheel as it is being planned: a [`Draft`] is started from a
//! group, given its members, then finished into an [`OutputPlan`] once its tag
//! set is chosen and verified.

use std::collections::BTreeSet;

use super::Context;
use super::group::Group;
use super::judge::Judged;
use super::members::{self, Conflict, Dropped, ExtChoice, PlannedMember};
use super::output::{OutputPlan, Refusal, refusal};
use super::{MergeInput, OutputScheme};
use crate::analysis::{Analysed, AnalysedBinary, WheelInfo};
use crate::input::Input;
use crate::naming;
use crate::specs::PROTOTYPE_LABEL;
use crate::tags::{TagSet, WheelFilename};
use crate::universal;
use crate::verify::Verification;

/// An output wheel of one group, before its name and tags are settled.
pub(crate) struct Draft<'g, 'a> {
    group: &'g Group<'a>,
    scheme: OutputScheme,
    /// Whether it is the PEP 809 prototype (labelled so in reports).
    prototype: bool,
    /// The `.dist-info` directory every input shares.
    dist_info: String,
    /// WHEEL's `Root-Is-Purelib`, which every input shares.
    root_is_purelib: bool,
    members: Vec<PlannedMember>,
    dropped: Vec<Dropped>,
}

impl<'g, 'a> Draft<'g, 'a> {
    /// Start an output of `group`: refused when its inputs do not share one
    /// `.dist-info` name and one `Root-Is-Purelib`.
    pub fn new(group: &'g Group<'a>, scheme: OutputScheme) -> Result<Self, Box<Refusal>> {
        let first = group.inputs[0];
        if let Some(other) = group.inputs.iter().find(|i| i.wheel().dist_info != first.wheel().dist_info) {
            return Err(Box::new(refusal(
                group,
                scheme,
                format!(
                    "{} has {} but {} has {}; one wheel holds one .dist-info",
                    first.filename,
                    first.wheel().dist_info,
                    other.filename,
                    other.wheel().dist_info
                ),
            )));
        }
        if let Some(other) = group.inputs.iter().find(|i| i.wheel().root_is_purelib != first.wheel().root_is_purelib) {
            return Err(Box::new(refusal(
                group,
                scheme,
                format!(
                    "WHEEL's Root-Is-Purelib differs: {} says {:?}, {} says {:?}",
                    first.filename,
                    first.wheel().root_is_purelib,
                    other.filename,
                    other.wheel().root_is_purelib
                ),
            )));
        }
        Ok(Draft {
            group,
            scheme,
            prototype: false,
            dist_info: first.wheel().dist_info.clone(),
            root_is_purelib: first.wheel().root_is_purelib.unwrap_or(false),
            members: Vec::new(),
            dropped: Vec::new(),
        })
    }

    /// Mark the output as the PEP 809 prototype (or not).
    pub fn prototype(mut self, pep809: bool) -> Self {
        self.prototype = pep809;
        self
    }

    /// Choose the members ([`members::collect`]): every non-extension member, and
    /// the extension binaries `ext` keeps. Returns the conflicts between inputs.
    pub fn collect(
        &mut self,
        ext: impl Fn(&MergeInput, &str) -> ExtChoice,
        metadata_from: Option<&str>,
        ctx: &Context,
    ) -> Vec<Conflict> {
        let (members, dropped, conflicts) = members::collect(&self.group.inputs, ext, metadata_from, ctx);
        self.members = members;
        self.dropped = dropped;
        conflicts
    }

    /// The extension binaries of the members, as `verify` needs them (renamed where the plan renames).
    pub fn binaries(&self) -> Vec<AnalysedBinary> {
        self.members
            .iter()
            .filter(|m| m.extension)
            .filter_map(|m| {
                let input = self.group.inputs.iter().find(|i| i.id == m.input_id)?;
                let b = input.analysed.binaries.iter().find(|b| b.member == m.source)?;
                let mut b = b.clone();
                b.member = m.name.clone();
                b.name = naming::parse_extension_name(&m.name);
                Some(b)
            })
            .collect()
    }

    /// The group refused, for this output's scheme.
    pub fn refuse(&self, reason: String) -> Refusal {
        refusal(self.group, self.scheme, reason)
    }

    /// The planned wheel named from `set`, with the `Tag:` lines `tags`, as
    /// `check` sees it, judged once ([`Judged`]).
    pub fn judge(&self, set: &TagSet, tags: Vec<String>, ctx: &Context) -> Judged {
        let key = &self.group.key;
        let filename = WheelFilename {
            name: key.name.clone(),
            version: key.version.clone(),
            build: key.build.clone(),
            tags: set.clone(),
        }
        .to_string();
        let analysed = Analysed {
            input: Input::local(filename.clone(), ctx.outdir.join(&filename)),
            wheel: Some(WheelInfo {
                name: key.name.clone(),
                version: key.version.clone(),
                build: key.build.clone(),
                tags,
                compressed_tag_lines: Vec::new(),
                filename,
                root_is_purelib: Some(self.root_is_purelib),
                dist_info: self.dist_info.clone(),
                // Not written yet: no archive members.
                members: Vec::new(),
            }),
            binaries: self.binaries(),
            errors: Vec::new(),
            unreadable_libraries: Vec::new(),
        };
        Judged::of(analysed, ctx)
    }

    /// The planned wheel, as judged: its name and tags are the judged ones,
    /// and what its import resolution found.
    pub fn finish(self, judged: Judged, ctx: &Context) -> OutputPlan {
        let group = self.group;
        let resolved = judged.verification().is_some();
        let verification = judged.check.verification.clone().unwrap_or(Verification {
            admitted: Vec::new(),
            resolutions: Vec::new(),
            unresolved: None,
        });
        let before: BTreeSet<String> = group.inputs.iter().flat_map(|i| served(i)).collect();
        let uncovered: Vec<String> = crate::tags::interpreters()
            .iter()
            .map(|i| i.to_string())
            .filter(|i| before.contains(i) && !verification.admitted.contains(i))
            .collect();
        let uncovered_by: Vec<&MergeInput> =
            group.inputs.iter().copied().filter(|i| served(i).iter().any(|s| uncovered.contains(s))).collect();
        let planned = judged.analysed;
        let filename = planned.input.display.clone();
        let file = ctx.outdir.join(&filename);
        OutputPlan {
            path: file.display().to_string(),
            scheme: self.scheme,
            prototype: self.prototype.then_some(PROTOTYPE_LABEL),
            group: group.label.clone(),
            inputs: group.inputs.iter().map(|i| i.display().to_string()).collect(),
            tags: planned.wheel.as_ref().map(|w| w.tags.clone()).unwrap_or_default(),
            members: self.members,
            dropped: self.dropped,
            admitted: verification.admitted.clone(),
            uncovered_inputs: uncovered_by.iter().map(|i| i.display().to_string()).collect(),
            uncovered_served: uncovered_by
                .iter()
                .map(|i| (i.display().to_string(), served(i).into_iter().filter(|s| uncovered.contains(s)).collect()))
                .collect(),
            uncovered,
            notes: Vec::new(),
            verified: resolved && verification.no_failures(),
            input_size: group.inputs.iter().map(|i| i.size).sum(),
            written: None,
            file,
            planned,
            input_ids: group.inputs.iter().map(|i| i.id).collect(),
            uncovered_ids: uncovered_by.iter().map(|i| i.id).collect(),
        }
    }
}

/// The interpreters an input's tags let an installer give it to.
fn served(input: &MergeInput) -> Vec<String> {
    universal::served_by(&TagSet::compress(&input.tags))
}
