//! What an installer on one target does with each package of a lock: skip it
//! (its marker does not hold), take one wheel, build its sdist or source tree,
//! or stop.

use crate::tags::{AbiTag, PythonTag, WheelFilename};
use crate::tags::{Installer, installer_rank};
use crate::version::PyVersion;

use super::model::{Lock, LockedPackage, LockedWheel};
use super::target::{Target, TargetError};

/// What happens to one package on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Its marker does not hold there.
    NotInstalled,
    /// The installer takes this wheel (an index into the package's wheels).
    Wheel(usize),
    /// No listed wheel fits and there is an sdist: the installer builds it. Why, for the user.
    SdistOnly(String),
    /// No listed wheel fits and nothing to build from. Why, for the user.
    NoWheel(String),
    /// Built from a source tree (vcs, directory, archive) at install.
    Source(String),
    /// The installer stops on this package (its requires-python excludes the
    /// target, or two entries of one name hold). Why, for the user.
    Error(String),
}

/// One target's choices, one per package of the lock, in its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub target: Target,
    /// Why the lock as a whole does not cover the target (its
    /// `requires-python`, or none of its environments hold), if so: an
    /// installer stops before any package, and `choices` is empty.
    pub outside: Option<String>,
    /// `choices[i]` is what happens to `lock.packages[i]`.
    pub choices: Vec<Choice>,
}

impl Selection {
    /// Each package of `lock` (the lock this selection was made from) with its choice.
    pub fn of<'a>(&'a self, lock: &'a Lock) -> impl Iterator<Item = (usize, &'a LockedPackage, &'a Choice)> + 'a {
        lock.packages.iter().zip(&self.choices).enumerate().map(|(i, (p, c))| (i, p, c))
    }

    /// The wheels picked, as (package, wheel) indices into the lock.
    pub fn picked(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.choices.iter().enumerate().filter_map(|(p, c)| match c {
            Choice::Wheel(w) => Some((p, *w)),
            _ => None,
        })
    }
}

/// Evaluate every package's marker for `target` and pick what an installer
/// there takes, by the same ranking `verify` uses for a requirement
/// ([`installer_rank`]: the interpreter's (python, ABI) pairs best first, each
/// over the platform's tags, newest C library or macOS first, `any` last;
/// ties by file name).
pub fn select(lock: &Lock, target: &Target, installer: Installer) -> Result<Selection, TargetError> {
    let env = target.markers()?;
    let v = target.python.version;
    let full = pep440_rs::Version::new([u64::from(v.major), u64::from(v.minor), 0]);
    let mut outside = None;
    if let Some(spec) = &lock.requires_python
        && !spec.contains(&full)
    {
        outside = Some(format!("the lock requires Python {spec}"));
    } else if !lock.environments.is_empty() && !lock.environments.iter().any(|m| m.holds(&env)) {
        let list: Vec<String> = lock.environments.iter().map(ToString::to_string).collect();
        outside = Some(format!("the lock covers only {}", list.join("; ")));
    }
    if outside.is_some() {
        return Ok(Selection { target: target.clone(), outside, choices: Vec::new() });
    }
    let holds: Vec<bool> = lock.packages.iter().map(|p| p.marker.holds(&env)).collect();
    let choices = lock
        .packages
        .iter()
        .zip(&holds)
        .map(|(p, &here)| {
            if !here {
                return Choice::NotInstalled;
            }
            let twins: Vec<&LockedPackage> =
                lock.packages.iter().zip(&holds).filter(|(q, h)| **h && q.name == p.name).map(|(q, _)| q).collect();
            if twins.len() > 1 {
                let versions: Vec<String> = twins.iter().map(|q| q.version.clone().unwrap_or_default()).collect();
                let why = format!(
                    "{} entries of {} hold here ({}); an installer stops",
                    twins.len(),
                    p.name,
                    versions.join(", ")
                );
                return Choice::Error(why);
            }
            if let Some(spec) = &p.requires_python
                && !spec.contains(&full)
            {
                return Choice::Error(format!("it requires Python {spec}; an installer stops"));
            }
            choose(p, target, installer)
        })
        .collect();
    Ok(Selection { target: target.clone(), outside: None, choices })
}

fn choose(p: &LockedPackage, target: &Target, installer: Installer) -> Choice {
    if let Some(tree) = &p.source_tree {
        return Choice::Source(format!("built from source at install ({tree}), not judged"));
    }
    let best = p
        .wheels
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let name = w.name.as_ref()?;
            installer_rank(&name.tags, target.python, &target.platform, installer)
                .map(|rank| (rank, &w.file.filename, i))
        })
        .min();
    if let Some((_, _, i)) = best {
        return Choice::Wheel(i);
    }
    let python = target.python;
    let binary = p.wheels.iter().filter_map(|w| w.name.as_ref()).any(|n| n.tags.abi.iter().any(|a| *a != AbiTag::None));
    match (&p.sdist, p.wheels.is_empty()) {
        (Some(_), true) => Choice::SdistOnly("sdist only: built at install; the lock lists no wheel".into()),
        (Some(_), false) if binary => {
            Choice::SdistOnly(format!("sdist only: needs a compiler on {python}; {}", newest(&p.wheels, target)))
        }
        (Some(_), false) => Choice::SdistOnly(format!("sdist only: built at install; {}", newest(&p.wheels, target))),
        (None, true) => Choice::NoWheel("the lock lists no wheel and no sdist".into()),
        (None, false) => Choice::NoWheel(format!("no wheel for {python}: {}", newest(&p.wheels, target))),
    }
}

/// The newest build the listed wheels have for the target's platform
/// (`newest listed build is cp314t`), or that they are all for other platforms.
fn newest(wheels: &[LockedWheel], target: &Target) -> String {
    let here: Vec<&WheelFilename> = wheels
        .iter()
        .filter_map(|w| w.name.as_ref())
        .filter(|n| n.tags.platform.iter().any(|p| p.is_any() || target.platform.accepts(p)))
        .collect();
    if here.is_empty() {
        let n = wheels.len();
        return format!(
            "no listed wheel is for {} ({n} wheel{} for other platforms)",
            target.platform,
            crate::output::plural(n)
        );
    }
    let builds: Vec<(PyVersion, String)> = here.iter().filter_map(|n| newest_build(n)).collect();
    let Some(top) = builds.iter().map(|(v, _)| *v).max() else {
        return "the listed wheels are for other interpreters".into();
    };
    let mut labels: Vec<&str> = builds.iter().filter(|(v, _)| *v == top).map(|(_, l)| l.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    format!("newest listed build is {}", labels.join(", "))
}

/// The newest CPython build a wheel's tags name: `cp314t` for a
/// version-specific ABI, `cp39-abi3` for a stable one.
fn newest_build(name: &WheelFilename) -> Option<(PyVersion, String)> {
    let mut best: Option<(PyVersion, String)> = None;
    for tag in name.tags.expand() {
        let PythonTag::CPython { version } = tag.python else { continue };
        let label = match &tag.abi {
            AbiTag::CPython { version: v, .. } if *v == version => tag.abi.to_string(),
            AbiTag::Abi3 | AbiTag::Abi3t | AbiTag::AbiYear(_) | AbiTag::None => format!("{}-{}", tag.python, tag.abi),
            _ => continue,
        };
        if best.as_ref().is_none_or(|(v, l)| (version, &label) > (*v, l)) {
            best = Some((version, label));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::lock::{LockFormat, parse};

    const LOCK: &str = r#"
lock-version = "1.0"
requires-python = ">=3.13"

[[packages]]
name = "psutil"
version = "7.1.2"
wheels = [
    { url = "https://f/psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl", hashes = { sha256 = "aa" } },
    { url = "https://f/psutil-7.1.2-cp314-cp314t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl", hashes = { sha256 = "bb" } },
    { url = "https://f/psutil-7.1.2-cp314-cp314t-win_amd64.whl", hashes = { sha256 = "cc" } },
]

[[packages]]
name = "orjson"
version = "3.11.4"
wheels = [{ url = "https://f/orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hashes = { sha256 = "dd" } }]
sdist = { url = "https://f/orjson-3.11.4.tar.gz", hashes = { sha256 = "ee" } }

[[packages]]
name = "numpy"
version = "2.3.5"
marker = "sys_platform == 'win32'"
wheels = [{ url = "https://f/numpy-2.3.5-cp313-cp313t-win_amd64.whl", hashes = { sha256 = "ff" } }]

[[packages]]
name = "six"
version = "1.17.0"
wheels = [{ url = "https://f/six-1.17.0-py2.py3-none-any.whl", hashes = { sha256 = "11" } }]

[[packages]]
name = "crypto"
version = "50.0.2"
wheels = [{ url = "https://f/crypto-50.0.2-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl", hashes = { sha256 = "22" } }]

[[packages]]
name = "pure-sdist"
version = "1.0"
sdist = { url = "https://f/pure_sdist-1.0.tar.gz", hashes = { sha256 = "33" } }

[[packages]]
name = "gitdep"
vcs = { type = "git", url = "https://g/gitdep.git", commit-id = "abc" }
"#;

    fn choices(python: &str, platform: &str) -> Vec<String> {
        let lock = parse(Path::new("pylock.toml"), LOCK, LockFormat::Pylock).unwrap();
        let target = Target::new(python.parse().unwrap(), platform.parse().unwrap());
        let s = select(&lock, &target, Installer::default()).unwrap();
        assert_eq!(s.outside, None);
        s.of(&lock)
            .map(|(_, p, c)| match c {
                Choice::Wheel(i) => format!("{}: {}", p.name, p.wheels[*i].file.filename),
                other => format!("{}: {other:?}", p.name),
            })
            .collect()
    }

    #[test]
    fn ok_choices_on_free_threaded_315_linux() {
        assert_eq!(
            choices("3.15t", "manylinux_2_34_x86_64"),
            [
                "psutil: NoWheel(\"no wheel for 3.15t: newest listed build is cp314t\")",
                "orjson: SdistOnly(\"sdist only: needs a compiler on 3.15t; newest listed build is cp313\")",
                "numpy: NotInstalled",
                "six: six-1.17.0-py2.py3-none-any.whl",
                "crypto: crypto-50.0.2-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl",
                "pure-sdist: SdistOnly(\"sdist only: built at install; the lock lists no wheel\")",
                "gitdep: Source(\"built from source at install (https://g/gitdep.git at abc), not judged\")",
            ]
        );
    }

    #[test]
    fn ok_choices_follow_the_installer_ranking() {
        let c = choices("3.14t", "manylinux_2_28_x86_64");
        assert_eq!(
            c[0],
            "psutil: psutil-7.1.2-cp314-cp314t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
        );
        assert!(
            c[4].starts_with("crypto: NoWheel(\"no wheel for 3.14t: no listed wheel is for manylinux_2_28_x86_64"),
            "{}",
            c[4]
        );
        let c = choices("3.14", "manylinux_2_28_x86_64");
        assert_eq!(
            c[0],
            "psutil: psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
        );
        assert_eq!(c[1], "orjson: SdistOnly(\"sdist only: needs a compiler on 3.14; newest listed build is cp313\")");
        let c = choices("3.13", "manylinux_2_28_x86_64");
        assert_eq!(c[1], "orjson: orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
        let c = choices("3.13t", "win_amd64");
        assert_eq!(c[2], "numpy: numpy-2.3.5-cp313-cp313t-win_amd64.whl");
    }

    #[test]
    fn ok_a_target_outside_the_lock() {
        let lock = parse(Path::new("pylock.toml"), LOCK, LockFormat::Pylock).unwrap();
        let target = Target::new("3.12".parse().unwrap(), "win_amd64".parse().unwrap());
        let s = select(&lock, &target, Installer::default()).unwrap();
        assert_eq!(s.outside.as_deref(), Some("the lock requires Python >=3.13"));
        assert!(s.choices.is_empty());
    }

    #[test]
    fn err_two_entries_hold_and_requires_python() {
        let text = "lock-version = '1.0'\n[[packages]]\nname = 'a'\nversion = '1'\nsdist = { url = 'https://f/a-1.tar.gz', hashes = { sha256 = 'aa' } }\n[[packages]]\nname = 'a'\nversion = '2'\nsdist = { url = 'https://f/a-2.tar.gz', hashes = { sha256 = 'bb' } }\n[[packages]]\nname = 'b'\nversion = '1'\nrequires-python = '>=3.16'\nsdist = { url = 'https://f/b-1.tar.gz', hashes = { sha256 = 'cc' } }\n";
        let lock = parse(Path::new("pylock.toml"), text, LockFormat::Pylock).unwrap();
        let target = Target::new("3.15t".parse().unwrap(), "win_amd64".parse().unwrap());
        let s = select(&lock, &target, Installer::default()).unwrap();
        assert_eq!(s.choices[0], Choice::Error("2 entries of a hold here (1, 2); an installer stops".into()));
        assert_eq!(s.choices[2], Choice::Error("it requires Python >=3.16; an installer stops".into()));
    }
}
