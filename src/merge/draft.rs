//! One output wheel as it is being planned: a [`Draft`] is started from a
//! group, given its members, then finished into an [`OutputPlan`] once its tag
//! set is chosen and verified.

use std::collections::BTreeSet;

use super::Context;
use super::group::Group;
use super::members::{self, Conflict, Dropped, ExtChoice, PlannedMember};
use super::plan::{OutputPlan, Refusal, refusal};
use super::{MergeInput, OutputScheme};
use crate::analysis::AnalysedBinary;
use crate::naming;
use crate::specs::PROTOTYPE_LABEL;
use crate::tags::TagSet;
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
        if let Some(other) = group.inputs.iter().find(|i| i.dist_info != first.dist_info) {
            return Err(Box::new(refusal(
                group,
                scheme,
                format!(
                    "{} has {} but {} has {}; one wheel holds one .dist-info",
                    first.filename, first.dist_info, other.filename, other.dist_info
                ),
            )));
        }
        if let Some(other) = group.inputs.iter().find(|i| i.root_is_purelib != first.root_is_purelib) {
            return Err(Box::new(refusal(
                group,
                scheme,
                format!(
                    "WHEEL's Root-Is-Purelib differs: {} says {:?}, {} says {:?}",
                    first.filename, first.root_is_purelib, other.filename, other.root_is_purelib
                ),
            )));
        }
        Ok(Draft {
            group,
            scheme,
            prototype: false,
            dist_info: first.dist_info.clone(),
            root_is_purelib: first.root_is_purelib.unwrap_or(false),
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
                let input = self.group.inputs.iter().find(|i| i.display == m.input)?;
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

    /// The planned wheel: named from `set`, with the `Tag:` lines `tags`, and
    /// what `verification` (of `set` against [`Draft::binaries`]) found.
    pub fn finish(self, set: TagSet, tags: Vec<String>, verification: &Verification, ctx: &Context) -> OutputPlan {
        let group = self.group;
        let key = &group.key;
        let build = key.build.as_ref().map(|b| format!("-{b}")).unwrap_or_default();
        let filename = format!("{}-{}{build}-{set}.whl", key.name, key.version);
        let file = ctx.outdir.join(&filename);
        let before: BTreeSet<String> = group.inputs.iter().flat_map(|i| served(i)).collect();
        let uncovered: Vec<String> = crate::tags::interpreters()
            .iter()
            .map(|i| i.to_string())
            .filter(|i| before.contains(i) && !verification.admitted.contains(i))
            .collect();
        let binaries = self.binaries();
        let uncovered_by: Vec<(String, Vec<String>)> = group
            .inputs
            .iter()
            .map(|i| (i.display.clone(), served(i).into_iter().filter(|s| uncovered.contains(s)).collect::<Vec<_>>()))
            .filter(|(_, left)| !left.is_empty())
            .collect();
        let uncovered_inputs = uncovered_by.iter().map(|(i, _)| i.clone()).collect();
        OutputPlan {
            path: file.display().to_string(),
            scheme: self.scheme,
            prototype: self.prototype.then_some(PROTOTYPE_LABEL),
            group: group.label.clone(),
            inputs: group.inputs.iter().map(|i| i.display.clone()).collect(),
            tags,
            members: self.members,
            dropped: self.dropped,
            admitted: verification.admitted.clone(),
            uncovered,
            uncovered_inputs,
            uncovered_by,
            notes: Vec::new(),
            verified: verification.no_failures(),
            input_size: group.inputs.iter().map(|i| i.size).sum(),
            written: None,
            file,
            dist_info: self.dist_info,
            root_is_purelib: self.root_is_purelib,
            build: key.build.clone(),
            binaries,
            project: (key.name.clone(), key.version.clone()),
        }
    }
}

/// The interpreters an input's tags let an installer give it to.
fn served(input: &MergeInput) -> Vec<String> {
    universal::served_by(&TagSet::compress(&input.tags))
}
