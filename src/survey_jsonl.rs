//! Survey at ecosystem scale: one JSON line per release as it completes
//! (`survey --jsonl`), resuming from such a file, stable shards of the
//! projects (`--shard K/N`), and the reduction of shard outputs into one
//! report (`--from-jsonl`).
//!
//! A line is either a release record with the blocking symbols the summary
//! needs (`uniabi/survey-line/1`), or an input's error. A line that does not
//! parse (the last one of an interrupted run) is skipped, never trusted.

use std::collections::{BTreeSet, HashSet};
use std::io::{self, Write};
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::check::Checker;
use crate::input::Input;
use crate::survey::{self, MadeFrom, NoWheel, Release, Releases, Report};
use crate::tags::normalize_name;
use crate::wheel::Limits;

/// One line of `survey --jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    pub schema: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub release: Option<Release>,
    /// Every symbol blocking PEP 803 (the record keeps only the top ones).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pep803_symbols: Option<BTreeSet<String>>,
    /// Likewise for the PEP 809 prototype.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pep809_symbols: Option<BTreeSet<String>>,
    /// An input that could not be read.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// What the run was made from (the first line of each run).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub made_from: Option<MadeFrom>,
    /// A project whose newest release has no wheel for the filters.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub no_wheel: Option<NoWheel>,
}

impl Line {
    /// A line of this schema holding nothing yet.
    fn empty() -> Line {
        Line {
            schema: crate::output::schema::SURVEY_LINE.into(),
            release: None,
            pep803_symbols: None,
            pep809_symbols: None,
            error: None,
            made_from: None,
            no_wheel: None,
        }
    }

    pub fn release(r: &Release) -> Line {
        Line {
            release: Some(r.clone()),
            pep803_symbols: Some(r.pep803.all_symbols.clone()),
            pep809_symbols: Some(r.pep809.all_symbols.clone()),
            ..Line::empty()
        }
    }

    pub fn error(e: &str) -> Line {
        Line { error: Some(e.into()), ..Line::empty() }
    }

    pub fn made_from(m: &MadeFrom) -> Line {
        Line { made_from: Some(m.clone()), ..Line::empty() }
    }

    pub fn no_wheel(n: &NoWheel) -> Line {
        Line { no_wheel: Some(n.clone()), ..Line::empty() }
    }

    /// The release with its blocking symbols restored.
    fn into_release(self) -> Option<Release> {
        let mut r = self.release?;
        r.pep803.all_symbols = self.pep803_symbols.unwrap_or_default();
        r.pep809.all_symbols = self.pep809_symbols.unwrap_or_default();
        Some(r)
    }
}

/// The releases and errors of JSONL texts; unparsable lines are counted, not trusted.
#[derive(Debug, Default)]
pub struct Read {
    pub releases: Vec<Release>,
    pub errors: Vec<String>,
    pub skipped: usize,
    /// The projects without a wheel for the filters.
    pub no_wheel: Vec<NoWheel>,
    /// What each run was made from, in the order met (repeats left out).
    pub made_from: Vec<MadeFrom>,
}

/// Read JSONL texts; a release met twice (overlapping shards, a resumed run) counts once.
pub fn read(texts: &[String]) -> Read {
    let mut out = Read::default();
    let mut seen = HashSet::new();
    for text in texts {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Line>(line) {
                Ok(l) if l.schema == crate::output::schema::SURVEY_LINE => {
                    if let Some(n) = l.no_wheel {
                        out.no_wheel.push(n);
                    } else if let Some(m) = l.made_from {
                        if !out.made_from.contains(&m) {
                            out.made_from.push(m);
                        }
                    } else if let Some(e) = &l.error {
                        out.errors.push(e.clone());
                    } else if let Some(r) = l.into_release() {
                        if seen.insert((r.name.clone(), r.version.clone())) {
                            out.releases.push(r);
                        }
                    } else {
                        out.skipped += 1;
                    }
                }
                _ => out.skipped += 1,
            }
        }
    }
    out
}

/// The report over the lines read.
pub fn reduce(read: Read) -> Report {
    let mut errors = read.errors;
    errors.sort();
    errors.dedup();
    let mut report = survey::report(read.releases, errors, read.no_wheel);
    report.made_from = combine(read.made_from);
    report
}

/// What several runs were made from as one: their inputs in the order met,
/// the first one's filters, and the shards covered, sorted; none when they
/// are every shard of one split (or some run was not sharded), since the
/// report then covers every project.
fn combine(all: Vec<MadeFrom>) -> MadeFrom {
    let mut shards: Vec<Shard> = Vec::new();
    let mut whole = false;
    let mut out: Option<MadeFrom> = None;
    for m in all {
        whole |= m.shards.is_empty();
        shards.extend(m.shards.iter().filter_map(|s| s.parse::<Shard>().ok()));
        let first = out.get_or_insert_with(|| MadeFrom { inputs: Vec::new(), ..m.clone() });
        for i in m.inputs {
            if !first.inputs.contains(&i) {
                first.inputs.push(i);
            }
        }
    }
    let mut out = out.unwrap_or_default();
    shards.sort_by_key(|s| (s.n, s.k));
    shards.dedup();
    let every = shards.first().is_some_and(|s| shards.len() as u64 == s.n && shards.iter().all(|t| t.n == s.n));
    out.shards = if whole || every { Vec::new() } else { shards.iter().map(ToString::to_string).collect() };
    out
}

/// What a `--jsonl` run did besides printing.
#[derive(Debug, Default)]
pub struct Streamed {
    /// Releases the resumed output already held, not surveyed again.
    pub resumed: usize,
    /// Each unreadable input's error (also printed as an error line).
    pub errors: Vec<String>,
    /// The reader closed the output: the run stopped early.
    pub closed: bool,
}

/// Survey `inputs`, writing one JSON line per release to `out` as each
/// completes (the releases taken in input order), and one per input that
/// could not be read. `resume` is an earlier output (perhaps cut short): the
/// releases it holds are skipped, and when its last line is cut a line break
/// is written first, so appending to it stays valid.
pub fn stream(
    inputs: &[Input],
    made_from: &MadeFrom,
    checker: &Checker,
    limits: Limits,
    resume: Option<&str>,
    out: &mut (dyn Write + Send),
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> io::Result<Streamed> {
    let mut releases = Releases::of(inputs);
    let mut streamed = Streamed::default();
    if let Some(text) = resume {
        let done: HashSet<(String, String)> =
            read(&[text.to_string()]).releases.into_iter().map(|r| (r.name, r.version)).collect();
        let before = releases.releases.len();
        releases.releases.retain(|(key, _)| !done.contains(key));
        streamed.resumed = before - releases.releases.len();
        if !text.is_empty() && !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    let out = Mutex::new(out);
    let failure: Mutex<Option<io::Error>> = Mutex::new(None);
    let errors = Mutex::new(Vec::new());
    let emit = |line: &Line| -> bool {
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        let written = serde_json::to_writer(&mut **out, line)
            .map_err(io::Error::other)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        match written {
            Ok(()) => true,
            Err(e) => {
                failure.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
                false
            }
        }
    };
    let mut go_on = emit(&Line::made_from(made_from));
    for n in &releases.no_wheel {
        go_on = go_on && emit(&Line::no_wheel(n));
    }
    for e in &releases.errors {
        errors.lock().unwrap_or_else(|e| e.into_inner()).push(e.to_string());
        go_on = go_on && emit(&Line::error(&e.to_string()));
    }
    if go_on {
        survey::survey_each(&releases, checker, limits, progress, &|r| match r {
            Ok(r) => emit(&Line::release(&r)),
            Err(e) => {
                errors.lock().unwrap_or_else(|e| e.into_inner()).push(e.to_string());
                emit(&Line::error(&e.to_string()))
            }
        });
    }
    streamed.errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    match failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => streamed.closed = true,
        Some(e) => return Err(e),
        None => {}
    }
    Ok(streamed)
}

/// `K/N`: the K-th of N shards (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// A `--shard` value that is not `K/N` with 1 ≤ K ≤ N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a shard: write K/N with 1 <= K <= N, as in 2/8")]
pub struct ShardError(pub String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ShardError(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
        if k == 0 || n == 0 || k > n {
            return Err(err());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Shard {
    /// Whether a project belongs to this shard: FNV-1a of its normalized name,
    /// so the split is the same on every machine and for every input form.
    pub fn holds(&self, project: &str) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in normalize_name(project).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h % self.n == self.k - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_shards_partition_projects() {
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for p in ["numpy", "psutil", "Foo.Bar", "foo-bar", "orjson", "cryptography"] {
            assert_eq!(shards.iter().filter(|s| s.holds(p)).count(), 1, "{p}");
        }
        assert_eq!(shards[0].holds("Foo.Bar"), shards[0].holds("foo_bar"));
    }

    #[test]
    fn err_bad_shards() {
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert_eq!(
                bad.parse::<Shard>().unwrap_err().to_string(),
                format!("'{bad}' is not a shard: write K/N with 1 <= K <= N, as in 2/8")
            );
        }
    }

    #[test]
    fn ok_read_skips_broken_lines_and_repeats() {
        let text = format!(
            "{}\n{{\"schema\": \"uniabi/survey-line/1\", \"release\": {{\"name\": \"x\"\n{}\n",
            serde_json::to_string(&Line::error("a: cannot open")).unwrap(),
            serde_json::to_string(&Line::error("b: cannot open")).unwrap()
        );
        let r = read(&[text.clone(), text]);
        assert_eq!(r.errors.len(), 4);
        assert_eq!(r.skipped, 2);
    }
}
