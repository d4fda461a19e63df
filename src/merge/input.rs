//! Reading merge inputs: each must be a wheel whose RECORD matches its members.

use std::collections::BTreeMap;

use crate::analysis::{self, Analysed, InputError, InputErrors, ReadError, Role, WheelInfo};
use crate::input::Input;
use crate::record::RecordEntry;
use crate::tags::{Tag, WheelFilename, normalize_name};
use crate::wheel::Limits;

/// One input wheel, read and checked against its RECORD.
#[derive(Debug, Clone)]
pub struct MergeInput {
    /// The input as resolved: how reports name it, and where its bytes are.
    pub input: Input,
    /// Its place among the inputs of the run: plans name their inputs by it.
    pub id: usize,
    /// The wheel's file name.
    pub filename: String,
    /// The project name, normalized for a wheel file name (`abi3_abi3t_universal`).
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    /// The `Tag:` lines of WHEEL, parsed, sorted.
    pub tags: Vec<Tag>,
    /// Every member's verified RECORD row.
    pub record: BTreeMap<String, RecordEntry>,
    /// Its facts ([`Analysed::wheel`], always present) and the binaries found in it.
    pub analysed: Analysed,
    /// The wheel's size.
    pub size: u64,
}

impl MergeInput {
    /// How reports name it: the path as the user gave it, or the URL it came from.
    pub fn display(&self) -> &str {
        &self.input.display
    }

    /// The wheel's facts: `.dist-info`, members, `Root-Is-Purelib`.
    pub fn wheel(&self) -> &WheelInfo {
        static NONE: std::sync::OnceLock<WheelInfo> = std::sync::OnceLock::new();
        // `load_one` only makes inputs whose analysis has the wheel's facts.
        self.analysed.wheel.as_ref().unwrap_or_else(|| {
            NONE.get_or_init(|| WheelInfo {
                name: String::new(),
                version: String::new(),
                build: None,
                tags: Vec::new(),
                compressed_tag_lines: Vec::new(),
                filename: String::new(),
                root_is_purelib: None,
                dist_info: String::new(),
                members: Vec::new(),
            })
        })
    }

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
        let Some(rest) = member.strip_prefix(&self.wheel().dist_info).and_then(|r| r.strip_prefix('/')) else {
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
            Ok(mut i) => {
                let canonical = i.input.local_path().and_then(|p| std::fs::canonicalize(p).ok());
                let seen = canonical.is_some()
                    && inputs
                        .iter()
                        .any(|j| j.input.local_path().and_then(|p| std::fs::canonicalize(p).ok()) == canonical);
                if !seen {
                    i.id = inputs.len();
                    inputs.push(i);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (inputs, errors)
}

fn load_one(input: &Input, limits: Limits) -> Result<MergeInput, InputErrors> {
    let analysis::Verified { analysed, record } = analysis::analyse_verified(input, limits)?;
    let Some(wheel) = analysed.wheel.as_ref() else {
        return Err(InputError::new(input.display.clone(), ReadError::NotAWheel("merge reads wheels only")).into());
    };
    let filename = input.filename();
    let parsed = filename.parse::<WheelFilename>().ok();
    let mut tags = Vec::new();
    for line in &wheel.tags {
        let tag: Tag = line
            .parse()
            .map_err(|_| InputError::new(input.display.clone(), ReadError::TagLine { line: line.clone() }))?;
        tags.push(tag);
    }
    tags.sort();
    Ok(MergeInput {
        input: input.clone(),
        id: 0,
        name: normalize_name(parsed.as_ref().map_or(&wheel.name, |p| &p.name)),
        version: parsed.as_ref().map_or(&wheel.version, |p| &p.version).clone(),
        build: wheel.build.clone().or_else(|| parsed.as_ref().and_then(|p| p.build.clone())),
        filename,
        tags,
        record,
        size: input.size_hint(),
        analysed,
    })
}
