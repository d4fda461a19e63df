//! Retagging a wheel, only to claims its binaries support.
//!
//! `wheel tags` rewrites a wheel's tags blindly; [`plan`] and [`Plan::write`]
//! let the judge decide first: the pipeline is read → plan → judge → write →
//! prove → rename.
//!
//! - **read**: the input is opened read-only and every member is checked
//!   against its RECORD; the importable shared objects are parsed from the same
//!   inflated bytes (the scope `check` reads).
//! - **plan**: the new tag set (`--tags`, either `python-abi-platform` or
//!   `python-abi`, which keeps the wheel's platform part as written) has each
//!   other field sorted and deduplicated ([`parse_tags`]); the file name keeps
//!   the name, version and build tag; WHEEL keeps every line but the `Tag:`
//!   lines, which become the expansion, one tag per line, where the first was.
//! - **judge**: the retagged wheel is judged by `check` ([`Checker`], the
//!   wheel's own claims), whose import resolution ([`crate::verify`]) is the
//!   one every admitted interpreter must pass, from the input's binaries: the
//!   output's members are their bytes, under the new file name and `Tag:`
//!   lines. Judged once, when planned; a refused retag writes nothing.
//! - **write**: every other member is copied with its compressed bytes, WHEEL
//!   is written afresh and RECORD last, to a temporary file in the output
//!   directory ([`OutputWheel`]); signature files over the old RECORD are
//!   dropped, since they no longer match it.
//! - **prove**: the temporary file is read back (central directory, RECORD
//!   listing, `Tag:` lines, every judged binary's sha256 against RECORD), so
//!   the bytes renamed into place are the ones judged.
//!
//! A dry run judges the same wheel without writing it: its members would be
//! the input's bytes, so the input's binaries stand for them, under the new
//! file name and `Tag:` lines.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::{self, Analysed, InputErrors, Scope};
use crate::check::{AbiChoice, Checker, InputCheck, Verdict};
use crate::input::{Input, InputKind, Source};
use crate::record::RecordEntry;
use crate::specs::Specs;
use crate::suffixes::SuffixTable;
use crate::tags::{AbiTag, PythonTag, TagError, TagSet, WheelFilename};
use crate::verify::{self, Verification};
use crate::wheel::{Limits, Wheel, WheelError};
use crate::wheel_writer::{OutputWheel, WriteError, commit};

/// Why a retag could not be planned or written (as opposed to being refused
/// because the result would fail `check`, which is an [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum RetagError {
    /// `--tags` is neither `python-abi` nor `python-abi-platform`.
    #[error(
        "--tags '{value}': expected python-abi (keeping the wheel's platform tags) or \
         python-abi-platform, such as cp315-abi3.abi3t or cp315-abi3.abi3t-manylinux_2_28_x86_64"
    )]
    TagsShape { value: String },
    /// A member of `--tags` does not parse.
    #[error("--tags '{value}'")]
    Tags { value: String, source: TagError },
    /// The input's file name is not a wheel name, so there is no name, version or platform to keep.
    #[error("{}", path.display())]
    InputName { path: PathBuf, source: TagError },
    /// The input could not be opened, or its WHEEL file is missing or unreadable.
    #[error("{}", path.display())]
    Read { path: PathBuf, source: WheelError },
    /// The input could not be read, a member disagrees with its RECORD, or an
    /// importable shared object does not parse.
    #[error(transparent)]
    Input(InputErrors),
    /// The output directory could not be created.
    #[error("{}: cannot create the output directory", path.display())]
    Outdir { path: PathBuf, source: io::Error },
    /// The output could not be written (exists, is the input, I/O).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The written wheel could not be read back (the cause, or a detail).
    #[error("{}: the written wheel cannot be read back{}", path.display(), if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    Reopen { path: PathBuf, source: Option<WheelError>, detail: String },
}

/// The new tag set `--tags` asks for: `python-abi-platform`, or `python-abi`
/// with the platform tags of `current`. Each field is sorted and deduplicated
/// (`cp315-abi3t.abi3` becomes `cp315-abi3.abi3t`), except that the two-field
/// form keeps `current`'s platform part exactly as its file name writes it.
pub fn parse_tags(value: &str, current: &TagSet) -> Result<TagSet, RetagError> {
    let bad = |source| RetagError::Tags { value: value.to_string(), source };
    match value.split('-').count() {
        3 => Ok(TagSet::compress(&value.parse::<TagSet>().map_err(bad)?.expand())),
        2 => {
            let (python, abi) = value.split_once('-').unwrap_or((value, ""));
            if [python, abi].iter().any(|f| f.split('.').any(str::is_empty)) {
                return Err(bad(TagError::EmptyPart(value.to_string())));
            }
            let mut python =
                python.split('.').map(str::parse::<PythonTag>).collect::<Result<Vec<_>, _>>().map_err(bad)?;
            let mut abi = abi.split('.').map(str::parse::<AbiTag>).collect::<Result<Vec<_>, _>>().map_err(bad)?;
            python.sort();
            python.dedup();
            abi.sort();
            abi.dedup();
            let mut platform = current.platform.clone();
            let mut seen = std::collections::BTreeSet::new();
            platform.retain(|p| seen.insert(p.clone()));
            Ok(TagSet { python, abi, platform })
        }
        _ => Err(RetagError::TagsShape { value: value.to_string() }),
    }
}

/// A read input: the open wheel, its verified RECORD rows, and its analysis
/// in the scope `check` reads.
struct ReadWheel {
    wheel: Wheel,
    record: BTreeMap<String, RecordEntry>,
    analysed: Analysed,
}

/// Open a wheel, verify every member against RECORD, and parse its importable
/// shared objects from the same bytes ([`analysis::analyse_verified_in`]).
/// `display` names it in the analysis.
fn read_wheel(path: &Path, display: &str, limits: Limits) -> Result<ReadWheel, RetagError> {
    let source = Source::Local { path: path.to_path_buf(), kind: InputKind::Wheel };
    let input = Input { display: display.to_string(), source };
    let analysis::Verified { analysed, record, .. } =
        analysis::analyse_verified_in(&input, limits, Scope::Importable).map_err(RetagError::Input)?;
    // The members are copied from the archive as they are: open it for that.
    let wheel = Wheel::open(path, limits).map_err(|source| RetagError::Read { path: path.to_path_buf(), source })?;
    Ok(ReadWheel { wheel, record, analysed })
}

/// A planned retag: what would be written where, and the judgement of it.
pub struct Plan {
    read: ReadWheel,
    /// `check` and import resolution on the retagged wheel, as planned.
    judgement: Judgement,
    input: PathBuf,
    limits: Limits,
    /// The input's tag set (from its file name).
    pub before: TagSet,
    /// The new tag set, normalised.
    pub tags: TagSet,
    /// The output's file name.
    pub filename: String,
    /// Where it goes: the output directory joined with the file name.
    pub output: PathBuf,
    /// The new WHEEL file.
    pub wheel_file: String,
    /// Signature files over the old RECORD (`RECORD.jws`, `RECORD.p7s`), left out.
    pub dropped: Vec<String>,
}

/// Read the input, plan its retag to `tags` in `outdir` and judge the result; nothing is written.
pub fn plan(
    input: &Path,
    tags: &str,
    outdir: &Path,
    limits: Limits,
    specs: &Specs,
    table: &SuffixTable,
) -> Result<Plan, RetagError> {
    if let Err(e) = std::fs::File::open(input) {
        return Err(RetagError::Read { path: input.to_path_buf(), source: WheelError::Io(e) });
    }
    let name = WheelFilename::from_path(input)
        .map_err(|source| RetagError::InputName { path: input.to_path_buf(), source })?;
    let new_tags = parse_tags(tags, &name.tags)?;
    let read = read_wheel(input, &input.display().to_string(), limits)?;
    let filename = WheelFilename { tags: new_tags.clone(), ..name.clone() }.to_string();
    let wheel_name = format!("{}/WHEEL", read.wheel.dist_info);
    let mut wheel = read.wheel;
    let text = match wheel.read_text(&wheel_name) {
        Ok(Some(text)) => text,
        Ok(None) => {
            let detail = format!("'{wheel_name}' is missing");
            return Err(RetagError::Read { path: input.to_path_buf(), source: WheelError::WheelFile { detail } });
        }
        Err(source) => return Err(RetagError::Read { path: input.to_path_buf(), source }),
    };
    let lines: Vec<String> = new_tags.expand().iter().map(|t| t.to_string()).collect();
    let record_name = format!("{}/RECORD", wheel.dist_info);
    let dropped = wheel
        .members
        .iter()
        .map(|m| m.name.clone())
        .filter(|n| n.starts_with(&format!("{record_name}.")) && (n.ends_with(".jws") || n.ends_with(".p7s")))
        .collect();
    let output = outdir.join(&filename);
    let judgement = judge(&analysed_after(&read.analysed, &output, &filename, &new_tags), specs, table);
    Ok(Plan {
        read: ReadWheel { wheel, ..read },
        judgement,
        input: input.to_path_buf(),
        limits,
        before: name.tags,
        output,
        filename,
        tags: new_tags,
        wheel_file: crate::wheel_metadata::replace_tags(&text, &lines),
        dropped,
    })
}

/// What `check` and import resolution say about the retagged wheel.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Judgement {
    /// `check` on the retagged wheel, against its own (new) claims.
    pub check: InputCheck,
    /// Import resolution under the new tags.
    pub verify: Verification,
}

impl Judgement {
    /// True when `check` passes and every admitted interpreter loads every module
    /// (or the tags are another implementation's, which neither judges).
    pub fn passes(&self) -> bool {
        self.check.verdict == Verdict::Pass && self.verify.passes()
    }
}

/// The analysis of the retagged wheel without writing it: the input's
/// binaries (the output's members are their bytes) under the new name and tags.
fn analysed_after(input: &Analysed, output: &Path, filename: &str, tags: &TagSet) -> Analysed {
    let mut a = input.clone();
    a.input.display = output.display().to_string();
    if let Some(w) = a.wheel.as_mut() {
        w.filename = filename.to_string();
        w.tags = tags.expand().iter().map(|t| t.to_string()).collect();
        w.tags.sort();
        w.tags.dedup();
        w.compressed_tag_lines.clear();
    }
    a
}

/// Judge an analysed wheel: `check` with its own claims, and the import
/// resolution it ran (PEP 809's installer when abi2026 is claimed).
fn judge(a: &Analysed, specs: &Specs, table: &SuffixTable) -> Judgement {
    let mut check = Checker { specs, table, abi: AbiChoice::Auto }.check(a);
    let verify = check.verification.take().unwrap_or_else(|| {
        let set = a.wheel.as_ref().map(|w| w.installer_tags()).unwrap_or_default();
        verify::verify(&set, &a.binaries, specs, table, false)
    });
    Judgement { check, verify }
}

/// The result of a retag, written or not.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Outcome {
    pub input: String,
    pub output: String,
    pub filename: String,
    /// The input's compressed tag set.
    pub tags_before: String,
    /// The new compressed tag set.
    pub tags: String,
    /// WHEEL's new `Tag:` lines: the expansion of `tags`.
    pub tag_lines: Vec<String>,
    /// Interpreters the input's tags admit (of CPython 3.10–3.16, both builds from 3.13).
    pub admitted_before: Vec<String>,
    /// Interpreters the new tags admit.
    pub admitted: Vec<String>,
    /// Signature files left out because they sign the old RECORD.
    pub dropped: Vec<String>,
    /// `check`'s verdict on the input as it is.
    pub verdict_before: Verdict,
    /// `pass` when the retagged wheel passes `check` and import resolution, else `fail`.
    pub verdict: Verdict,
    /// True when the output was moved into place.
    pub written: bool,
    /// Stale temporary files of an interrupted earlier run, removed from the output directory.
    #[serde(skip)]
    pub swept: Vec<String>,
    #[serde(flatten)]
    pub judgement: Judgement,
}

impl Plan {
    fn outcome(&self, judgement: Judgement, specs: &Specs, table: &SuffixTable, written: bool) -> Outcome {
        let before = Checker { specs, table, abi: AbiChoice::Auto }.check(&self.read.analysed);
        Outcome {
            input: self.input.display().to_string(),
            output: self.output.display().to_string(),
            filename: self.filename.clone(),
            tags_before: self.before.to_string(),
            tags: self.tags.to_string(),
            tag_lines: self.tags.expand().iter().map(|t| t.to_string()).collect(),
            admitted_before: crate::universal::served_by(&self.before),
            admitted: crate::universal::served_by(&self.tags),
            dropped: self.dropped.clone(),
            verdict_before: before.verdict,
            verdict: if judgement.passes() { Verdict::Pass } else { Verdict::Fail },
            written,
            swept: Vec::new(),
            judgement,
        }
    }

    /// Refuse an output that is the input, or that exists without `force`.
    fn check_output(&self, force: bool) -> Result<(), RetagError> {
        if crate::wheel_writer::same_file(&self.input, &self.output) {
            return Err(WriteError::WouldOverwriteInput { path: self.output.clone() }.into());
        }
        if self.output.exists() && !force {
            return Err(WriteError::Exists { path: self.output.clone() }.into());
        }
        Ok(())
    }

    /// The retagged wheel's outcome without writing anything.
    pub fn dry_run(&self, specs: &Specs, table: &SuffixTable, force: bool) -> Result<Outcome, RetagError> {
        self.check_output(force)?;
        Ok(self.outcome(self.judgement.clone(), specs, table, false))
    }

    /// Write the retagged wheel if it passed its judgement: to a temporary
    /// file in the output directory, read back and proven, then moved into
    /// place. A refusal is an `Ok` outcome with `written: false`, and writes
    /// nothing (not even the output directory).
    pub fn write(mut self, specs: &Specs, table: &SuffixTable, force: bool) -> Result<Outcome, RetagError> {
        self.check_output(force)?;
        if !self.judgement.passes() {
            return Ok(self.outcome(self.judgement.clone(), specs, table, false));
        }
        let outdir = self.output.parent().map(Path::to_path_buf).unwrap_or_default();
        let swept = crate::cleanup::sweep(&outdir, crate::cleanup::started());
        let created = crate::cleanup::CreatedDirs::create(&outdir)
            .map_err(|source| RetagError::Outdir { path: outdir.clone(), source })?;
        match self.write_proven(force) {
            Ok(()) => created.keep(),
            Err(e) => {
                created.remove();
                return Err(e);
            }
        }
        let mut outcome = self.outcome(self.judgement.clone(), specs, table, true);
        outcome.swept = swept;
        Ok(outcome)
    }

    /// Copy every member but WHEEL, RECORD and dropped signatures, write the
    /// new WHEEL and RECORD, prove the staged bytes and move them into place.
    fn write_proven(&mut self, force: bool) -> Result<(), RetagError> {
        let dist_info = self.read.wheel.dist_info.clone();
        let wheel_name = format!("{dist_info}/WHEEL");
        let record_name = format!("{dist_info}/RECORD");
        let mut out = OutputWheel::create(&self.output, force, std::slice::from_ref(&self.input))?;
        for member in self.read.wheel.members.clone() {
            if member.name == wheel_name {
                out.add_file(&wheel_name, self.wheel_file.as_bytes())?;
            } else if member.name != record_name && !self.dropped.contains(&member.name) {
                let entry = self.read.record.get(&member.name).cloned().ok_or_else(|| {
                    let detail = "is not listed in RECORD".to_string();
                    RetagError::Read {
                        path: self.input.clone(),
                        source: WheelError::Corrupt { member: member.name.clone(), detail },
                    }
                })?;
                out.copy_member(&mut self.read.wheel, &member, &member.name, entry)?;
            }
        }
        let staged = out.stage(&dist_info)?;
        let lines: Vec<String> = self.tags.expand().iter().map(|t| t.to_string()).collect();
        let binaries: Vec<&str> = self.read.analysed.binaries.iter().map(|b| b.member.as_str()).collect();
        staged.prove(self.limits, &lines, &binaries)?;
        commit(vec![staged])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> TagSet {
        s.parse().unwrap()
    }

    #[test]
    fn ok_tags_keep_platform_and_sort() {
        let current = set("cp313-abi3.abi3t-manylinux_2_5_x86_64.manylinux1_x86_64");
        let new = parse_tags("cp315-abi3t.abi3", &current).unwrap();
        assert_eq!(new.to_string(), "cp315-abi3.abi3t-manylinux_2_5_x86_64.manylinux1_x86_64", "platforms as written");
        let full = parse_tags("cp315.cp315-abi3-manylinux_2_5_x86_64.manylinux1_x86_64", &current).unwrap();
        assert_eq!(full.to_string(), "cp315-abi3-manylinux1_x86_64.manylinux_2_5_x86_64", "all fields sorted");
        let full = parse_tags("cp314.cp313-cp314t.cp313t-win_amd64", &current).unwrap();
        assert_eq!(full.to_string(), "cp313.cp314-cp313t.cp314t-win_amd64");
    }

    #[test]
    fn err_tags_shape_and_members() {
        let current = set("cp36-abi3-win_amd64");
        let e = parse_tags("cp315", &current).unwrap_err();
        assert!(e.to_string().starts_with("--tags 'cp315': expected python-abi"), "{e}");
        let e = parse_tags("cp315-abi3-a-b", &current).unwrap_err();
        assert!(matches!(e, RetagError::TagsShape { .. }));
        let e = parse_tags("cp315-abi4", &current).unwrap_err();
        assert_eq!(e.to_string(), "--tags 'cp315-abi4'");
        assert!(std::error::Error::source(&e).unwrap().to_string().contains("'abi4' is not an ABI tag"));
        let e = parse_tags("cp315.-abi3", &current).unwrap_err();
        assert!(std::error::Error::source(&e).unwrap().to_string().contains("is empty"));
        let e = parse_tags("cp315-abi3-Linux", &current).unwrap_err();
        assert!(std::error::Error::source(&e).unwrap().to_string().contains("'cp315-abi3-Linux'"));
    }
}
