//! A locked environment's answer (`verify --lock`): will every package of a
//! lock install and load on each target?
//!
//! The lock was read and selected once by [`crate::input::resolve`] into a
//! [`LockInput`]: per target, what an installer does with each package, and a
//! typed input for every listed wheel (a remote wheel whose sha256 claim is
//! the lock's, or a local file checked against the lock's size and sha256).
//! Here every wheel the targets pick is read once, in parallel, through that
//! input ([`crate::analysis`], as any input of any command), and reduced to
//! its import resolution for every interpreter its tags admit
//! ([`crate::verify`]) and its first abi3t blocker ([`Checker::blockers`]).
//! [`crate::lock::assess`] then sums each target up: the row of each package,
//! the verdict line, and what would help (a blocked package's nearest build is
//! read on demand, once).

use std::sync::OnceLock;

use serde::Serialize;

use crate::analysis::{self, InputErrors, Scope};
use crate::check::{AbiChoice, Checker, StableAbi};
use crate::input::LockInput;
use crate::lock::{Abi3tReadiness, Judge, Judgement, LockFormat, LockedWheel, State, Target, TargetReport, WheelAt};
use crate::specs::Specs;
use crate::suffixes::SuffixTable;
use crate::tags::TagSet;
use crate::verify::{self, Verification};
use crate::wheel::Limits;

/// How wheels are judged.
pub struct Judging<'a> {
    pub specs: &'a Specs,
    pub table: &'a SuffixTable,
    pub limits: Limits,
    /// Admit and resolve as the PEP 809 prototype would (`verify --pep809`).
    pub pep809: bool,
}

/// One lock's answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LockAnswer {
    /// The lock file as given.
    pub lock: String,
    pub format: LockFormat,
    /// How many packages it lists (on any platform).
    pub packages: usize,
    /// One per target (`--platform` by `--python`), in that order.
    pub targets: Vec<TargetReport>,
    /// True when every target is ok.
    pub ok: bool,
}

impl LockAnswer {
    /// Whether some picked wheel could not be read, or is not the file the lock names.
    pub fn unreadable(&self) -> bool {
        self.targets.iter().flat_map(|t| &t.rows).any(|r| r.state == State::Unreadable)
    }
}

/// Judge every target of a resolved lock.
pub fn answer(locked: &LockInput, judging: &Judging) -> LockAnswer {
    let judge = InputJudge {
        locked,
        judging,
        memo: locked.wheels.iter().map(|ws| ws.iter().map(|_| OnceLock::new()).collect()).collect(),
    };
    // Every picked wheel at once, on all workers; the targets then find them read.
    crate::pool::parallel_map(locked.read(), |at| {
        let _ = judge.facts(at);
    });
    let targets: Vec<TargetReport> =
        locked.selections.iter().map(|s| crate::lock::assess(&locked.lock, s, &judge)).collect();
    LockAnswer {
        lock: locked.display.clone(),
        format: locked.lock.format,
        packages: locked.lock.packages.len(),
        ok: targets.iter().all(|t| t.ok),
        targets,
    }
}

/// What is kept of one wheel's reading: its tags, its import resolution for
/// every interpreter they admit, and its first abi3t blocker.
struct WheelFacts {
    set: TagSet,
    verification: Verification,
    abi3t: Abi3tReadiness,
}

/// Judges a lock's wheels by reading each once through its input.
struct InputJudge<'a> {
    locked: &'a LockInput,
    judging: &'a Judging<'a>,
    /// `memo[p][w]`: the reading of `locked.wheels[p][w]`, or why it failed.
    memo: Vec<Vec<OnceLock<Result<WheelFacts, String>>>>,
}

impl InputJudge<'_> {
    /// The facts of the wheel at `at`, read on first need.
    fn facts(&self, at: WheelAt) -> Result<&WheelFacts, String> {
        let (Some(cell), Some(input)) =
            (self.memo.get(at.package).and_then(|m| m.get(at.wheel)), self.locked.input(at))
        else {
            return Err("the lock has no such wheel".to_string());
        };
        cell.get_or_init(|| self.read(input)).as_ref().map_err(Clone::clone)
    }

    fn read(&self, input: &crate::input::Input) -> Result<WheelFacts, String> {
        let j = self.judging;
        let a = analysis::analyse_scoped(input, j.limits, Scope::Importable);
        if let Some(e) = a.error() {
            return Err(causes(&e));
        }
        let Some(wheel) = &a.wheel else { return Err("not a wheel".to_string()) };
        let set = wheel.installer_tags();
        let verification = verify::verify(&set, &a.binaries, j.specs, j.table, j.pep809);
        let checker = Checker { specs: j.specs, table: j.table, abi: AbiChoice::Auto };
        let blocker = a.binaries.iter().find_map(|b| checker.blockers(b, StableAbi::Abi3t).into_iter().next());
        let abi3t = match blocker {
            Some(f) => Abi3tReadiness::Blocked(match &f.member {
                Some(m) => format!("{}: {}", crate::naming::base_name(m), f.message),
                None => f.message,
            }),
            None => Abi3tReadiness::Qualifies,
        };
        Ok(WheelFacts { set, verification, abi3t })
    }
}

/// An input's errors without the input's name (the row names the wheel):
/// each error's causes, `cause: cause; cause`.
fn causes(e: &InputErrors) -> String {
    let texts: Vec<String> = e.0.iter().map(|e| crate::output::chain(&*e.source)).collect();
    texts.join("; ")
}

impl Judge for InputJudge<'_> {
    fn loads(&self, at: WheelAt, wheel: &LockedWheel, target: &Target) -> Judgement {
        let facts = match self.facts(at) {
            Ok(f) => f,
            Err(why) => return Judgement::Unreadable(why),
        };
        let v = &facts.verification;
        if !v.admitted.contains(&target.python.to_string()) {
            return Judgement::Unreadable(format!(
                "{}: its own tags ({}) do not admit {}",
                wheel.file.filename, facts.set, target.python
            ));
        }
        let part = self.judging.table.platform(&target.platform).map(|p| p.part);
        let here: Vec<&verify::Resolution> = v
            .resolutions
            .iter()
            .filter(|r| r.interpreter == target.python && part.as_deref().is_none_or(|p| r.platform == p))
            .collect();
        if let Some(r) = here.iter().find(|r| !r.loads) {
            return Judgement::Fails(format!("{}: {}", r.module, r.problem.as_deref().unwrap_or("does not load")));
        }
        let mut modules: Vec<&str> = here.iter().map(|r| r.module.as_str()).collect();
        modules.dedup();
        Judgement::Loads(match modules.len() {
            0 => "no extension module".to_string(),
            1 => format!("{} loads", modules[0]),
            n => format!("{n} modules load: {}", list(&modules)),
        })
    }

    fn abi3t(&self, at: WheelAt, _wheel: &LockedWheel) -> Abi3tReadiness {
        match self.facts(at) {
            Ok(f) => f.abi3t.clone(),
            Err(why) => Abi3tReadiness::Unknown(why),
        }
    }
}

/// Up to three names, then how many more.
fn list(names: &[&str]) -> String {
    match names.len() {
        0..=3 => names.join(", "),
        n => format!("{}, and {} more", names[..3].join(", "), n - 3),
    }
}

/// Human output of one lock: per target, its table (package, version, the
/// wheel picked, state, why), its verdict line, and what would help.
pub fn print_human(out: &mut dyn std::io::Write, answer: &LockAnswer) -> std::io::Result<()> {
    let format = match answer.format {
        LockFormat::Pylock => "pylock",
        LockFormat::UvLock => "uv.lock",
    };
    writeln!(out, "{} ({format}, {} package{})", answer.lock, answer.packages, crate::output::plural(answer.packages))?;
    for t in &answer.targets {
        writeln!(out)?;
        writeln!(out, "{}", t.target)?;
        let name = t.rows.iter().map(|r| r.package.len()).max().unwrap_or(0);
        let version = t.rows.iter().map(|r| r.version.as_deref().map_or(1, str::len)).max().unwrap_or(0);
        let state = t.rows.iter().map(|r| r.state.label().len()).max().unwrap_or(0);
        for r in &t.rows {
            let label = r.state.label();
            let painted = crate::color::lock_state(r.state);
            write!(
                out,
                "  {:<name$}  {:<version$}  {painted}{:pad$}  ",
                r.package,
                r.version.as_deref().unwrap_or("-"),
                "",
                pad = state - label.len(),
            )?;
            match &r.wheel {
                Some(w) => writeln!(out, "{}: {}", w.filename, r.why)?,
                None => writeln!(out, "{}", r.why)?,
            }
        }
        writeln!(out, "{}", t.verdict)?;
        let help = &t.help;
        if !help.blocked_builds.is_empty() || (!t.ok && !help.ships_abi3t.is_empty()) {
            writeln!(out, "what would help:")?;
            if !help.ships_abi3t.is_empty() {
                writeln!(out, "  already ship abi3t: {}", help.ships_abi3t.join(", "))?;
            }
            for b in &help.blocked_builds {
                let (word, why) = match &b.readiness {
                    Abi3tReadiness::Qualifies => ("would qualify for abi3t", None),
                    Abi3tReadiness::Blocked(why) => ("not abi3t-ready", Some(why)),
                    Abi3tReadiness::Unknown(why) => ("not judged", Some(why)),
                };
                match why {
                    Some(why) => writeln!(out, "  {}: {} {word}: {why}", b.package, b.wheel)?,
                    None => writeln!(out, "  {}: {} {word}", b.package, b.wheel)?,
                }
            }
        }
    }
    Ok(())
}
