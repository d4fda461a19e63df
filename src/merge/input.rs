//! Reading merge inputs: each must be a wheel whose RECORD matches its members.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::analysis::{self, Analysed, InputError, InputErrors, ReadError, Role};
use crate::input::Input;
use crate::record::RecordEntry;
use crate::tags::{Tag, WheelFilename, normalize_name};
use crate::wheel::{Limits, Member};

/// One input wheel, read and checked against its RECORD.
#[derive(Debug, Clone)]
pub struct MergeInput {
    /// How reports name it: the path as the user gave it, or the URL it was downloaded from.
    pub display: String,
    /// The local file (a downloaded copy for a remote wheel; empty for a wheel
    /// read by ranges, which is planned but never written from).
    pub path: PathBuf,
    /// The input itself.
    pub input: Input,
    /// The wheel's file name.
    pub filename: String,
    /// The project name, normalized for a wheel file name (`abi3_abi3t_universal`).
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    /// `name-version.dist-info`.
    pub dist_info: String,
    pub root_is_purelib: Option<bool>,
    /// The `Tag:` lines of WHEEL, parsed, sorted.
    pub tags: Vec<Tag>,
    /// The file members (directories aside), in archive order.
    pub members: Vec<Member>,
    /// Every member's verified RECORD row.
    pub record: BTreeMap<String, RecordEntry>,
    /// The binaries found in it.
    pub analysed: Analysed,
    /// The wheel's size on disk.
    pub size: u64,
}

impl MergeInput {
    /// Whether a member is an extension module (as opposed to a vendored library or any other file).
    pub fn is_extension(&self, member: &str) -> bool {
        self.analysed.binaries.iter().any(|b| b.member == member && b.role == Role::Extension)
    }

    /// The verified sha256 of a member.
    pub fn hash(&self, member: &str) -> Option<&str> {
        self.record.get(member).and_then(|e| e.hash.as_deref())
    }

    /// Members that WHEEL and RECORD replace, or that a merge invalidates (signatures).
    pub fn is_regenerated(&self, member: &str) -> bool {
        let Some(rest) = member.strip_prefix(&self.dist_info).and_then(|r| r.strip_prefix('/')) else {
            return false;
        };
        matches!(rest, "WHEEL" | "RECORD" | "RECORD.jws" | "RECORD.p7s")
    }
}

/// Read every input; the errors name the file (and member) that could not be
/// read or is corrupt. A remote wheel read by ranges can be planned (`survey`'s
/// forecast) but not written: `merge` downloads remote wheels whole first.
pub fn load_inputs(inputs: &[Input], limits: Limits) -> (Vec<MergeInput>, Vec<InputErrors>) {
    let results = crate::pool::parallel_map(inputs, |input| load_one(input, limits));
    let mut inputs: Vec<MergeInput> = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(i) => {
                let canonical = i.input.local_path().and_then(|p| std::fs::canonicalize(p).ok());
                let seen = canonical.is_some()
                    && inputs
                        .iter()
                        .any(|j| j.input.local_path().and_then(|p| std::fs::canonicalize(p).ok()) == canonical);
                if !seen {
                    inputs.push(i);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (inputs, errors)
}

fn load_one(input: &Input, limits: Limits) -> Result<MergeInput, InputErrors> {
    let analysis::Verified { facts: wheel, analysed, record } = analysis::analyse_verified(input, limits)?;
    let filename = input.filename();
    let parsed = filename.parse::<WheelFilename>().ok();
    let mut tags = Vec::new();
    let expanded = analysed.wheel.as_ref().map(|w| w.tags.clone()).unwrap_or_default();
    for line in expanded {
        let tag: Tag = line
            .parse()
            .map_err(|_| InputError::new(input.display.clone(), ReadError::TagLine { line: line.clone() }))?;
        tags.push(tag);
    }
    tags.sort();
    let size = input.size_hint();
    Ok(MergeInput {
        display: input.display.clone(),
        path: input.local_path().map(PathBuf::from).unwrap_or_default(),
        input: input.clone(),
        name: normalize_name(parsed.as_ref().map_or(&wheel.name, |p| &p.name)),
        version: parsed.as_ref().map_or(&wheel.version, |p| &p.version).clone(),
        build: wheel.build.clone().or_else(|| parsed.as_ref().and_then(|p| p.build.clone())),
        filename,
        dist_info: wheel.dist_info.clone(),
        root_is_purelib: wheel.root_is_purelib,
        tags,
        members: wheel.members.clone(),
        record,
        analysed,
        size,
    })
}
