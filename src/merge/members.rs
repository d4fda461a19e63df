//! The members of a planned wheel: which input members it keeps (and under
//! what name), which it drops and why, and the conflicts between inputs that
//! disagree about a member.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Context, MergeInput};
use crate::naming;
use crate::record::RecordEntry;
use crate::wheel::Member;

/// One member of a planned wheel.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlannedMember {
    /// Its name in the output.
    pub name: String,
    /// The input it is copied from.
    pub input: String,
    /// Its name in that input (differs from `name` when a universal binary is renamed).
    pub source: String,
    pub size: u64,
    /// Whether it is an extension module.
    pub extension: bool,
    /// The [`MergeInput::id`] of the input it is copied from.
    #[serde(skip)]
    pub(crate) input_id: usize,
    #[serde(skip)]
    pub(crate) entry: RecordEntry,
}

/// An input member the output leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Dropped {
    pub input: String,
    pub member: String,
    pub reason: String,
}

/// Two inputs that disagree about one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Conflict {
    /// The member name (in the output).
    pub member: String,
    /// The two inputs.
    pub inputs: Vec<String>,
    /// What is wrong, as a sentence.
    pub reason: String,
    /// A unified diff when both sides are text.
    pub diff: Option<String>,
    /// Both sides' RECORD hashes, in `inputs` order.
    pub hashes: Vec<String>,
}

/// What to do with one extension binary of an input.
pub(crate) enum ExtChoice {
    /// Keep it under this name.
    Keep(String),
    /// Leave it out, for this reason.
    Drop(String),
}

/// The members of an output: every non-extension member (identical across
/// inputs), and the extension binaries `ext` keeps; `.dist-info` from
/// `metadata_from` only, when given, except SBOMs ([`keep_sboms`]).
pub(crate) fn collect(
    inputs: &[&MergeInput],
    ext: impl Fn(&MergeInput, &str) -> ExtChoice,
    metadata_from: Option<&str>,
    ctx: &Context,
) -> (Vec<PlannedMember>, Vec<Dropped>, Vec<Conflict>) {
    let meta_src = metadata_from.and_then(|f| inputs.iter().position(|i| i.filename == f));
    // `--metadata-from` naming a wheel of another group, which a conflict's advice says.
    let metadata_from = metadata_from.filter(|_| meta_src.is_none());
    let mut kept: BTreeMap<String, (usize, PlannedMember)> = BTreeMap::new();
    let mut dropped = Vec::new();
    let mut conflicts = Vec::new();
    let mut sboms: Vec<(usize, &Member)> = Vec::new();
    for (idx, input) in inputs.iter().enumerate() {
        let dist_prefix = format!("{}/", input.wheel().dist_info);
        for m in &input.wheel().members {
            if is_sbom(input, &m.name) {
                sboms.push((idx, m));
                continue;
            }
            if input.is_regenerated(&m.name) {
                if m.name.ends_with(".jws") || m.name.ends_with(".p7s") {
                    dropped.push(Dropped {
                        input: input.display().to_string(),
                        member: m.name.clone(),
                        reason: "a signature of the input's RECORD, which the output replaces".into(),
                    });
                }
                continue;
            }
            if let Some(src) = meta_src
                && src != idx
                && m.name.starts_with(&dist_prefix)
            {
                let chosen = inputs[src];
                if chosen.hash(&m.name).is_none() || chosen.hash(&m.name) != input.hash(&m.name) {
                    dropped.push(Dropped {
                        input: input.display().to_string(),
                        member: m.name.clone(),
                        reason: format!("the .dist-info is taken from {} (--metadata-from)", chosen.filename),
                    });
                }
                continue;
            }
            let extension = input.is_extension(&m.name);
            let name = if extension {
                match ext(input, &m.name) {
                    ExtChoice::Keep(n) => n,
                    ExtChoice::Drop(reason) => {
                        dropped.push(Dropped { input: input.display().to_string(), member: m.name.clone(), reason });
                        continue;
                    }
                }
            } else {
                m.name.clone()
            };
            if let Some(c) = place(&mut kept, inputs, idx, m, name, extension, metadata_from, ctx) {
                conflicts.push(c);
            }
        }
    }
    keep_sboms(&mut kept, &mut dropped, &mut conflicts, inputs, &sboms, metadata_from, ctx);
    let mut members: Vec<PlannedMember> = kept.into_values().map(|(_, m)| m).collect();
    // Everything outside `.dist-info` first, then `.dist-info`, each sorted by name.
    members.sort_by(|a, b| (a.name.contains(".dist-info/"), &a.name).cmp(&(b.name.contains(".dist-info/"), &b.name)));
    (members, dropped, conflicts)
}

/// Put `inputs[idx]`'s member `m` into `kept` as `name`, unless a member of that
/// name is there already: nothing to do if it is the same bytes, else the conflict.
#[allow(clippy::too_many_arguments)]
fn place(
    kept: &mut BTreeMap<String, (usize, PlannedMember)>,
    inputs: &[&MergeInput],
    idx: usize,
    m: &Member,
    name: String,
    extension: bool,
    metadata_from: Option<&str>,
    ctx: &Context,
) -> Option<Conflict> {
    let input = inputs[idx];
    let entry = input.record.get(&m.name).cloned()?;
    match kept.get(&name) {
        None => {
            let planned = PlannedMember {
                name: name.clone(),
                input: input.display().to_string(),
                source: m.name.clone(),
                size: m.size,
                extension,
                input_id: input.id,
                entry,
            };
            kept.insert(name, (idx, planned));
            None
        }
        Some((_, prev)) if prev.entry.hash == entry.hash => None,
        Some((prev_idx, prev)) => {
            let first = Side { input: inputs[*prev_idx], member: &prev.source, entry: &prev.entry };
            let second = Side { input, member: &m.name, entry: &entry };
            Some(conflict(&name, first, second, metadata_from, ctx))
        }
    }
}

/// Whether `member` is a software bill of materials (PEP 770: any file under `.dist-info/sboms/`).
fn is_sbom(input: &MergeInput, member: &str) -> bool {
    member.strip_prefix(&input.wheel().dist_info).is_some_and(|rest| rest.starts_with("/sboms/"))
}

/// An input's SBOM: the input's index, and the member.
type Sbom<'a> = (usize, &'a Member);

/// SBOMs describe the binaries of the build that wrote them, and differ per build
/// (serial numbers, timestamps, paths): each build whose binaries the output keeps
/// keeps its SBOMs, whatever `--metadata-from` says, never a conflict. Where the
/// builds' SBOMs of one name agree, one is kept; where they differ, each is kept
/// under a name with its build's tags (`sboms/orjson.cp314-cp314.cyclonedx.json`).
/// An SBOM of a build none of whose binaries the output keeps is dropped.
fn keep_sboms(
    kept: &mut BTreeMap<String, (usize, PlannedMember)>,
    dropped: &mut Vec<Dropped>,
    conflicts: &mut Vec<Conflict>,
    inputs: &[&MergeInput],
    sboms: &[Sbom],
    metadata_from: Option<&str>,
    ctx: &Context,
) {
    let mut shipping: Vec<usize> = kept.values().filter(|(_, m)| m.extension).map(|(i, _)| *i).collect();
    if shipping.is_empty() {
        shipping = (0..inputs.len()).collect();
    }
    let (ours, others): (Vec<&Sbom>, Vec<&Sbom>) = sboms.iter().partition(|(idx, _)| shipping.contains(idx));
    for (idx, m) in others {
        let hash = inputs[*idx].hash(&m.name);
        if ours.iter().any(|(i, o)| o.name == m.name && inputs[*i].hash(&o.name) == hash) {
            continue; // the same bytes are kept from a build that ships
        }
        dropped.push(Dropped {
            input: inputs[*idx].display().to_string(),
            member: m.name.clone(),
            reason: "an SBOM of a build none of whose binaries the output keeps".into(),
        });
    }
    for (idx, m) in &ours {
        let input = inputs[*idx];
        let agree =
            ours.iter().filter(|(_, o)| o.name == m.name).all(|(i, _)| inputs[*i].hash(&m.name) == input.hash(&m.name));
        let name = if agree { m.name.clone() } else { per_build(&m.name, input) };
        if let Some(c) = place(kept, inputs, *idx, m, name, false, metadata_from, ctx) {
            conflicts.push(c);
        }
    }
}

/// `dir/orjson.cyclonedx.json` as the build of `input`'s tags: `dir/orjson.cp314-cp314.cyclonedx.json`.
fn per_build(member: &str, input: &MergeInput) -> String {
    let join = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        v.join(".")
    };
    let pythons = join(input.tags.iter().map(|t| t.python.to_string()).collect());
    let abis = join(input.tags.iter().map(|t| t.abi.to_string()).collect());
    let (dir, file) = member.rsplit_once('/').unwrap_or(("", member));
    let (stem, ext) = match file.split_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (file, String::new()),
    };
    format!("{dir}/{stem}.{pythons}-{abis}{ext}")
}

/// How an input's binary presents itself: its wheel's tags and, for a `.pyd`, the DLL it links.
fn describe(input: &MergeInput, member: &str) -> String {
    let mut pairs: Vec<String> = input.tags.iter().map(|t| format!("{}-{}", t.python, t.abi)).collect();
    pairs.dedup();
    let mut s = format!("tagged {}", pairs.join(", "));
    if let Some(dll) = input
        .analysed
        .binaries
        .iter()
        .find(|b| b.member == member)
        .and_then(|b| b.slices().iter().find_map(|s| s.python_library().map(str::to_string)))
    {
        s.push_str(&format!(", links {dll}"));
    }
    s
}

/// One input's side of a conflict: the input, its member's name there, and that member's RECORD row.
struct Side<'a> {
    input: &'a MergeInput,
    member: &'a str,
    entry: &'a RecordEntry,
}

impl Side<'_> {
    fn hash(&self) -> String {
        self.entry.hash.clone().unwrap_or_default()
    }

    /// The member's text, when it is UTF-8 (read again from the input, when it is on disk).
    fn text(&self, ctx: &Context) -> Option<String> {
        let mut wheel = crate::wheel::Wheel::open(self.input.input.local_path()?, ctx.limits).ok()?;
        let m = wheel.member(self.member)?.clone();
        let _permit = crate::budget::Budget::global().acquire(m.size);
        String::from_utf8(wheel.read(&m).ok()?.into_vec()).ok()
    }
}

/// Why two inputs' members that both become `name` in the output cannot both be kept.
fn conflict(name: &str, a: Side, b: Side, metadata_from: Option<&str>, ctx: &Context) -> Conflict {
    let hashes = vec![a.hash(), b.hash()];
    let inputs = vec![a.input.display().to_string(), b.input.display().to_string()];
    if a.input.is_extension(a.member) || b.input.is_extension(b.member) {
        let reason = format!(
            "two different extension binaries share the name {}: {} ({}) and {} ({}); a wheel holds one file per name, \
             so they need separate wheels",
            naming::base_name(name),
            a.input.filename,
            describe(a.input, a.member),
            b.input.filename,
            describe(b.input, b.member),
        );
        return Conflict { member: name.to_string(), inputs, reason, diff: None, hashes };
    }
    let diff = match (a.text(ctx), b.text(ctx)) {
        (Some(x), Some(y)) => Some(bounded(
            &similar::TextDiff::from_lines(&x, &y)
                .unified_diff()
                .header(&format!("{name} ({})", a.input.filename), &format!("{name} ({})", b.input.filename))
                .to_string(),
        )),
        _ => None,
    };
    let kind = if diff.is_some() { "text" } else { "binary" };
    let hint = match metadata_from {
        _ if !name.starts_with(&format!("{}/", a.input.wheel().dist_info)) || is_sbom(a.input, name) => String::new(),
        // Named, yet a .dist-info member differs: the wheel named is in another group.
        Some(f) => format!(
            " (--metadata-from {f} is not one of this group's inputs, so it does not choose this group's .dist-info; \
             merge this group in a run of its own with --metadata-from one of its inputs)"
        ),
        None => " (--metadata-from WHEEL takes the whole .dist-info from one input)".into(),
    };
    let reason = format!(
        "{name} differs between {} and {} ({kind}); every member that is not an extension binary must be \
         byte-identical across the inputs{hint}",
        a.input.filename, b.input.filename
    );
    Conflict { member: name.to_string(), inputs, reason, diff, hashes }
}

/// The hunks a refusal shows of a diff.
const DIFF_HUNKS: usize = 3;
/// The lines a refusal shows of a diff, at most.
const DIFF_LINES: usize = 40;

/// A unified diff cut after its first [`DIFF_HUNKS`] hunks or [`DIFF_LINES`] lines,
/// whichever comes first, with how many lines were left out.
fn bounded(diff: &str) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    let mut hunks = 0;
    let mut shown = lines.len().min(DIFF_LINES);
    for (i, line) in lines.iter().enumerate().take(DIFF_LINES) {
        if line.starts_with("@@") {
            hunks += 1;
            if hunks > DIFF_HUNKS {
                shown = i;
                break;
            }
        }
    }
    let mut out: String = lines[..shown].iter().map(|l| format!("{l}\n")).collect();
    if shown < lines.len() {
        out.push_str(&format!("… {} more lines\n", lines.len() - shown));
    }
    out
}
