//! One target's answer: a row per package (the wheel picked and whether it
//! loads), a verdict line, and what would help.

use serde::Serialize;

use crate::tags::AbiTag;

use super::model::{Location, Lock, LockedPackage, LockedWheel};
use super::select::{Choice, Selection};
use super::target::Target;

/// Where a wheel is in its lock: `lock.packages[package].wheels[wheel]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WheelAt {
    pub package: usize,
    pub wheel: usize,
}

/// Whether a picked wheel loads on a target: the hook through which the
/// caller judges wheels (the commands read them through their typed inputs,
/// [`crate::environment`]).
pub trait Judge: Sync {
    /// Whether `wheel` (at `at` in the lock), which an installer on `target` picks, loads there.
    fn loads(&self, at: WheelAt, wheel: &LockedWheel, target: &Target) -> Judgement;
    /// Whether `wheel`'s extension binaries would qualify for abi3t as they are.
    fn abi3t(&self, at: WheelAt, wheel: &LockedWheel) -> Abi3tReadiness;
}

/// What a [`Judge`] says of a picked wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Every extension module loads (or there are none). What loads, for the user.
    Loads(String),
    /// A module does not load. Why, for the user.
    Fails(String),
    /// The wheel could not be read, or its bytes are not the lock's (a local
    /// file that is gone, a size or sha256 that is not the lock's). Why.
    Unreadable(String),
}

/// Whether a build's binaries would qualify for abi3t.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "readiness", content = "why")]
pub enum Abi3tReadiness {
    /// No binary imports or does anything abi3t rules out.
    Qualifies,
    /// What rules it out (the first blocker).
    Blocked(String),
    /// It was not judged (not readable here). Why.
    Unknown(String),
}

/// A package's state on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// The picked wheel loads.
    Loads,
    /// The picked wheel does not load.
    Fails,
    /// No listed wheel fits and there is no sdist.
    NoWheel,
    /// No listed wheel fits; the installer builds the sdist.
    SdistOnly,
    /// Built from a source tree at install; not judged.
    Source,
    /// Its marker does not hold: not installed there.
    NotInstalled,
    /// The installer stops on it (two entries hold, its `requires-python`).
    Error,
    /// Its picked wheel could not be read, or is not the file the lock names.
    Unreadable,
}

impl State {
    /// How the verdict line and the table name it.
    pub fn label(self) -> &'static str {
        match self {
            State::Loads => "loads",
            State::Fails => "fails",
            State::NoWheel => "no wheel",
            State::SdistOnly => "sdist only",
            State::Source => "built from source",
            State::NotInstalled => "not installed",
            State::Error => "error",
            State::Unreadable => "unreadable",
        }
    }

    /// Whether it keeps the environment from working there.
    pub fn blocks(self) -> bool {
        matches!(self, State::Fails | State::NoWheel | State::SdistOnly | State::Error | State::Unreadable)
    }
}

/// The wheel an installer picks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PickedWheel {
    pub filename: String,
    /// Its URL, or its local path (relative to the working directory).
    pub location: String,
    pub size: Option<u64>,
    /// Its sha256 (hex), as the lock records it.
    pub sha256: Option<String>,
}

/// One package on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Row {
    pub package: String,
    pub version: Option<String>,
    /// When it is installed (`always`, or a PEP 508 marker).
    pub marker: String,
    pub wheel: Option<PickedWheel>,
    pub state: State,
    /// Why, as a sentence.
    pub why: String,
}

/// A package that ships or could ship abi3t.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PackageRow {
    pub package: String,
    /// The wheel the statement is about.
    pub wheel: String,
    pub readiness: Abi3tReadiness,
}

/// What would help the target's blocked packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Help {
    /// Installed packages that already list an abi3t wheel for this platform.
    pub ships_abi3t: Vec<String>,
    /// Blocked packages whose newest build for this platform, judged as abi3t: would it qualify?
    pub blocked_builds: Vec<PackageRow>,
}

/// One target's answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TargetReport {
    /// `3.15t on manylinux_2_28_x86_64`.
    pub target: String,
    pub python: String,
    pub platform: String,
    /// Why the lock does not cover this target at all, if so (then `rows` is empty).
    pub outside: Option<String>,
    pub rows: Vec<Row>,
    /// The verdict line.
    pub verdict: String,
    pub help: Help,
    /// True when no installed package blocks and the lock covers the target.
    pub ok: bool,
}

/// Judge what `selection` (made from `lock` by [`super::select`]) picks
/// (wheels judged in parallel), then sum the target up.
pub fn assess(lock: &Lock, selection: &Selection, judge: &dyn Judge) -> TargetReport {
    let target = &selection.target;
    let packages: Vec<(usize, &LockedPackage, &Choice)> = selection.of(lock).collect();
    let rows: Vec<Row> = crate::pool::parallel_map(&packages, |&(i, p, choice)| row(i, p, choice, target, judge));
    let blocked: Vec<(usize, &LockedPackage)> = packages
        .iter()
        .zip(&rows)
        .filter(|(_, r)| matches!(r.state, State::Fails | State::NoWheel | State::SdistOnly))
        .map(|(&(i, p, _), _)| (i, p))
        .collect();
    let blocked_builds = crate::pool::parallel_map(&blocked, |&(i, p)| {
        let (w, wheel) = newest_binary(p, target)?;
        let at = WheelAt { package: i, wheel: w };
        Some(PackageRow { package: p.label(), wheel: wheel.file.filename.clone(), readiness: judge.abi3t(at, wheel) })
    })
    .into_iter()
    .flatten()
    .collect();
    let ships_abi3t = packages
        .iter()
        .filter(|(_, _, c)| **c != Choice::NotInstalled)
        .filter(|(_, p, _)| {
            p.wheels.iter().filter_map(|w| w.name.as_ref()).any(|n| {
                n.tags.abi.contains(&AbiTag::Abi3t)
                    && n.tags.platform.iter().any(|t| t.is_any() || target.platform.accepts(t))
            })
        })
        .map(|(_, p, _)| p.label())
        .collect();
    let verdict = verdict_line(target, selection.outside.as_deref(), &rows);
    let ok = selection.outside.is_none() && !rows.iter().any(|r| r.state.blocks());
    TargetReport {
        target: target.to_string(),
        python: target.python.to_string(),
        platform: target.platform.to_string(),
        outside: selection.outside.clone(),
        rows,
        verdict,
        help: Help { ships_abi3t, blocked_builds },
        ok,
    }
}

fn row(i: usize, p: &LockedPackage, choice: &Choice, target: &Target, judge: &dyn Judge) -> Row {
    let (state, why, wheel) = match choice {
        Choice::NotInstalled => {
            (State::NotInstalled, format!("not installed: its marker ({}) does not hold", p.marker), None)
        }
        Choice::SdistOnly(why) => (State::SdistOnly, why.clone(), None),
        Choice::NoWheel(why) => (State::NoWheel, why.clone(), None),
        Choice::Source(why) => (State::Source, why.clone(), None),
        Choice::Error(why) => (State::Error, why.clone(), None),
        Choice::Wheel(w) => {
            let wheel = &p.wheels[*w];
            let (state, why) = match judge.loads(WheelAt { package: i, wheel: *w }, wheel, target) {
                Judgement::Loads(why) => (State::Loads, why),
                Judgement::Fails(why) => (State::Fails, why),
                Judgement::Unreadable(why) => (State::Unreadable, why),
            };
            let location = match &wheel.file.location {
                Some(Location::Url(u)) => crate::remote::auth::redact(u),
                Some(Location::Path(path)) => path.display().to_string(),
                None => String::new(),
            };
            let picked = PickedWheel {
                filename: wheel.file.filename.clone(),
                location,
                size: wheel.file.size,
                sha256: wheel.file.sha256.clone(),
            };
            (state, why, Some(picked))
        }
    };
    Row { package: p.name.clone(), version: p.version.clone(), marker: p.marker.to_string(), wheel, state, why }
}

/// The wheel for the target's platform whose binaries say most about an abi3t
/// build: a stable-ABI build (the nearest to abi3t) before a version-specific
/// one, then the newest CPython it names.
fn newest_binary<'a>(p: &'a LockedPackage, target: &Target) -> Option<(usize, &'a LockedWheel)> {
    p.wheels
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let n = w.name.as_ref()?;
            let here = n.tags.platform.iter().any(|t| !t.is_any() && target.platform.accepts(t));
            let version = n
                .tags
                .python
                .iter()
                .filter_map(|py| match py {
                    crate::tags::PythonTag::CPython { version } => Some(*version),
                    _ => None,
                })
                .max()?;
            let stable = n.tags.abi.iter().any(AbiTag::is_stable);
            here.then_some(((stable, version, std::cmp::Reverse(&w.file.filename)), (i, w)))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, w)| w)
}

/// `3.15t on manylinux_2_28_x86_64: 41 of 44 packages load; blocked by orjson
/// (sdist only), lxml (fails: …)`; or why the lock does not cover the target.
pub fn verdict_line(target: &Target, outside: Option<&str>, rows: &[Row]) -> String {
    if let Some(why) = outside {
        return format!("{target}: not covered by the lock: {why}");
    }
    let installed: Vec<&Row> = rows.iter().filter(|r| r.state != State::NotInstalled).collect();
    let loads = installed.iter().filter(|r| r.state == State::Loads).count();
    let n = installed.len();
    let mut line = if n == 0 {
        format!("{target}: no package is installed")
    } else if loads == n && n == 1 {
        format!("{target}: its one package loads")
    } else if loads == n {
        format!("{target}: all {n} packages load")
    } else {
        format!("{target}: {loads} of {n} package{} load", crate::output::plural(n))
    };
    let blockers: Vec<String> = installed
        .iter()
        .filter(|r| r.state.blocks())
        .map(|r| match r.state {
            State::Fails | State::Error | State::Unreadable => {
                format!("{} ({}: {})", r.package, r.state.label(), short(&r.why))
            }
            state => format!("{} ({})", r.package, state.label()),
        })
        .collect();
    if !blockers.is_empty() {
        line.push_str("; blocked by ");
        line.push_str(&blockers.join(", "));
    }
    let built = installed.iter().filter(|r| r.state == State::Source).count();
    if built > 0 {
        line.push_str(&format!("; {built} built from source, not judged"));
    }
    line
}

/// The first 60 characters of a reason, with `…` when cut.
fn short(why: &str) -> String {
    const MAX: usize = 60;
    match why.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &why[..cut]),
        None => why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(package: &str, state: State, why: &str) -> Row {
        Row {
            package: package.into(),
            version: Some("1".into()),
            marker: "always".into(),
            wheel: None,
            state,
            why: why.into(),
        }
    }

    #[test]
    fn ok_report_json_and_schema() {
        let mut r = row("orjson", State::SdistOnly, "sdist only");
        r.wheel = None;
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["state"], "sdist-only");
        let ready = serde_json::to_value(Abi3tReadiness::Blocked("imports X".into())).unwrap();
        assert_eq!(ready, serde_json::json!({"readiness": "blocked", "why": "imports X"}));
        let schema = serde_json::to_value(schemars::schema_for!(TargetReport)).unwrap();
        for field in ["target", "outside", "rows", "verdict", "help", "ok"] {
            assert!(schema["properties"].get(field).is_some(), "{field} in {schema}");
        }
    }

    #[test]
    fn ok_verdict_lines() {
        let t = Target::new("3.15t".parse().unwrap(), "manylinux_2_28_x86_64".parse().unwrap());
        let rows = [
            row("psutil", State::Loads, ""),
            row("orjson", State::SdistOnly, "sdist only: needs a compiler on 3.15t"),
            row("pyyaml", State::NoWheel, "no wheel for 3.15t"),
            row(
                "lxml",
                State::Fails,
                "etree.cpython-314t-x86_64-linux-gnu.so: no file for module lxml.etree on 3.15t, which tries many suffixes",
            ),
            row("numpy", State::NotInstalled, ""),
            row("app", State::Source, ""),
        ];
        assert_eq!(
            verdict_line(&t, None, &rows),
            "3.15t on manylinux_2_28_x86_64: 1 of 5 packages load; blocked by orjson (sdist only), pyyaml (no wheel), \
             lxml (fails: etree.cpython-314t-x86_64-linux-gnu.so: no file for module l…); 1 built from source, not judged"
        );
        assert_eq!(verdict_line(&t, None, &rows[..1]), "3.15t on manylinux_2_28_x86_64: its one package loads");
        assert_eq!(verdict_line(&t, None, &rows[4..5]), "3.15t on manylinux_2_28_x86_64: no package is installed");
        assert_eq!(
            verdict_line(&t, Some("the lock requires Python <3.15"), &[]),
            "3.15t on manylinux_2_28_x86_64: not covered by the lock: the lock requires Python <3.15"
        );
    }
}
