//! Comparing, for groups of wheels of one project, version and platform, what
//! they are today with the universal wheel each proposal would make of them:
//! PEP 803 (`cp315-abi3.abi3t`) and the PEP 809 prototype (`cp315-abi2026`).
//!
//! The plans come from [`crate::universal::plan`]; this module groups the
//! inputs, lists what they serve today, derives each planned wheel's WHEEL file
//! and member list, and diffs the two proposals so the naming difference shows.
//!
//! Groups are `merge`'s ([`GroupKey`]): the wheels a merge would turn into one,
//! so what compare shows is what `merge --scheme pep803|pep809` would write. The
//! key is taken from the file name (its tags, and WHEEL's build tag before the
//! name's, as merge does), which is what installers select by.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analysis::{Analysed, InputError, InputErrors, ReadError, Role};
use crate::check::Checker;
use crate::input::InputKind;
use crate::merge::GroupKey;
use crate::tags::{PlatformTag, WheelFilename};
use crate::universal::{self, Proposal, UniversalPlan};

/// The whole report.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// Always [`crate::output::schema::COMPARE`].
    pub schema: &'static str,
    /// One group per project, version, build, platform tag set and implementation (as `merge` groups), sorted by that key.
    pub groups: Vec<Group>,
    /// One line per input that could not be read or is not a wheel.
    pub errors: Vec<InputErrors>,
    /// One line per vendored library that could not be read (its wheel is still compared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Wheels of one project, version, build and platform, and what each proposal makes of them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Group {
    /// The project name, normalized as in wheel file names: `abi3_abi3t_universal`.
    pub name: String,
    pub version: String,
    /// The build tag, if the wheels carry one.
    pub build: Option<String>,
    /// The platform field of the file names: `manylinux1_x86_64.manylinux_2_5_x86_64`.
    pub platform: String,
    /// The input wheels, sorted.
    pub inputs: Vec<String>,
    pub today: Today,
    pub pep803: Proposed,
    pub pep809: Proposed,
    /// Unified diff (`pep803` → `pep809`) of the two WHEEL files.
    pub wheel_file_diff: String,
    /// Unified diff (`pep803` → `pep809`) of the two member lists; empty when they are equal.
    pub members_diff: String,
}

/// What the group's wheels are and serve today.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Today {
    pub wheels: Vec<TodayWheel>,
    /// How many wheels the group ships today.
    pub wheel_count: usize,
    /// Every interpreter (of [`crate::tags::interpreters`]) some wheel serves, in that order.
    pub serves: Vec<String>,
    /// How many interpreters that is.
    pub interpreter_count: usize,
}

/// One input wheel as it is.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TodayWheel {
    /// The input as given.
    pub input: String,
    /// The wheel's file name.
    pub filename: String,
    /// The `Tag:` lines of its WHEEL, sorted.
    pub tags: Vec<String>,
    /// Its extension module members.
    pub extensions: Vec<String>,
    /// The interpreters an installer gives it to.
    pub serves: Vec<String>,
}

/// The universal wheel under one proposal, with its WHEEL file and members.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Proposed {
    #[serde(flatten)]
    pub plan: UniversalPlan,
    /// The text of its `*.dist-info/WHEEL`.
    pub wheel_file: String,
    /// Its members: the planned extension files, the inputs' other members, and
    /// `name-version.dist-info/...`; `.dist-info` last.
    pub members: Vec<String>,
}

/// One readable input wheel.
struct Entry<'a> {
    analysed: &'a Analysed,
    filename: WheelFilename,
    members: Vec<String>,
    dist_info: String,
}

/// Group the analysed inputs and compare each group's proposals.
///
/// Inputs that could not be read, are not wheels, or whose file name does not
/// parse are left out of the groups and reported in [`Report::errors`].
pub fn compare(analysed: &[Analysed], checker: &Checker) -> Report {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut groups: BTreeMap<GroupKey, Vec<Entry>> = BTreeMap::new();
    for a in analysed {
        warnings.extend(a.unreadable_libraries.iter().map(|l| format!("{}: {l}", a.input.display)));
        match entry(a) {
            Ok(e) => groups.entry(key(&e)).or_default().push(e),
            Err(e) => errors.push(e),
        }
    }
    let groups = groups
        .into_iter()
        .map(|(key, mut entries)| {
            entries.sort_by(|a, b| a.analysed.input.display.cmp(&b.analysed.input.display));
            group(key, &entries, checker)
        })
        .collect();
    Report { schema: crate::output::schema::COMPARE, groups, errors, warnings }
}

/// An input's group, from its file name.
fn key(e: &Entry) -> GroupKey {
    let f = &e.filename;
    let build = e.analysed.wheel.as_ref().and_then(|w| w.build.as_deref()).or(f.build.as_deref());
    GroupKey::new(&f.normalized_name(), &f.version, build, &f.tags.expand(), &f.to_string())
}

fn entry(a: &Analysed) -> Result<Entry<'_>, InputErrors> {
    if let Some(e) = a.error() {
        return Err(e);
    }
    let fail = |e: ReadError| InputErrors::from(InputError::new(a.input.display.clone(), e));
    let Some(wheel) = a.wheel.as_ref().filter(|_| a.input.kind() == Some(InputKind::Wheel)) else {
        return Err(fail(ReadError::NotAWheel("compare groups wheels by project, version and platform")));
    };
    let filename = a.input.filename().parse::<WheelFilename>().map_err(|e| fail(ReadError::Filename(e)))?;
    Ok(Entry {
        analysed: a,
        filename,
        members: wheel.members.iter().map(|m| m.name.clone()).collect(),
        dist_info: wheel.dist_info.clone(),
    })
}

fn group(key: GroupKey, entries: &[Entry], checker: &Checker) -> Group {
    let GroupKey { name, version, build, platforms, .. } = key;
    // As written in the file name, as the report has always shown it.
    let platform = entries
        .first()
        .map(|e| e.filename.tags.platform.iter().map(PlatformTag::as_str).collect::<Vec<_>>().join("."))
        .unwrap_or_default();
    let inputs: Vec<&Analysed> = entries.iter().map(|e| e.analysed).collect();
    let today = today(entries);
    let proposed = |proposal| {
        let plan = universal::plan(proposal, &name, &version, build.as_deref(), &platforms, &inputs, checker);
        let members = planned_members(&plan, &name, &version, entries);
        Proposed { wheel_file: plan.wheel_file(), plan, members }
    };
    let pep803 = proposed(Proposal::Pep803);
    let pep809 = proposed(Proposal::Pep809);
    let wheel_file_diff = diff(&pep803.wheel_file, &pep809.wheel_file);
    let members_diff = diff(&lines(&pep803.members), &lines(&pep809.members));
    Group {
        name,
        version,
        build,
        platform,
        inputs: entries.iter().map(|e| e.analysed.input.display.clone()).collect(),
        today,
        pep803,
        pep809,
        wheel_file_diff,
        members_diff,
    }
}

fn today(entries: &[Entry]) -> Today {
    let wheels: Vec<TodayWheel> = entries
        .iter()
        .map(|e| {
            let a = e.analysed;
            TodayWheel {
                input: a.input.display.clone(),
                filename: e.filename.to_string(),
                tags: a.wheel.as_ref().map(|w| w.tags.clone()).unwrap_or_default(),
                extensions: extension_members(a).into_iter().collect(),
                serves: universal::served_by(&e.filename.tags),
            }
        })
        .collect();
    let served: BTreeSet<&String> = wheels.iter().flat_map(|w| w.serves.iter()).collect();
    let serves: Vec<String> =
        crate::tags::interpreters().iter().map(|i| i.to_string()).filter(|i| served.contains(i)).collect();
    Today { wheel_count: wheels.len(), interpreter_count: serves.len(), serves, wheels }
}

/// The members the planner turns into planned extension files: extensions with a parsed name.
fn extension_members(a: &Analysed) -> BTreeSet<String> {
    a.binaries.iter().filter(|b| b.role == Role::Extension && b.name.is_some()).map(|b| b.member.clone()).collect()
}

/// The planned wheel's members: planned extension files, every other member of
/// the inputs (their union), and `.dist-info` / `.data` under `name-version`.
fn planned_members(plan: &UniversalPlan, name: &str, version: &str, entries: &[Entry]) -> Vec<String> {
    let stem = format!("{name}-{version}");
    let mut out: BTreeSet<(bool, bool, String)> = BTreeSet::new();
    for m in &plan.modules {
        out.insert((false, false, m.member.value.clone()));
    }
    for e in entries {
        let extensions = extension_members(e.analysed);
        let old_data = format!("{}.data/", e.dist_info.strip_suffix(".dist-info").unwrap_or(&e.dist_info));
        let old_dist_info = format!("{}/", e.dist_info);
        for m in e.members.iter().filter(|m| !extensions.contains(*m)) {
            let entry = if let Some(rest) = m.strip_prefix(&old_dist_info) {
                (true, rest == "RECORD", format!("{stem}.dist-info/{rest}"))
            } else if let Some(rest) = m.strip_prefix(&old_data) {
                (false, false, format!("{stem}.data/{rest}"))
            } else {
                (false, false, m.clone())
            };
            out.insert(entry);
        }
    }
    out.into_iter().map(|(_, _, m)| m).collect()
}

fn lines(items: &[String]) -> String {
    items.iter().map(|i| format!("{i}\n")).collect()
}

/// A unified diff from PEP 803's text to PEP 809's; empty when they are equal.
fn diff(pep803: &str, pep809: &str) -> String {
    if pep803 == pep809 {
        return String::new();
    }
    similar::TextDiff::from_lines(pep803, pep809).unified_diff().header("pep803", "pep809").to_string()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::input::{Input, Source};

    fn analysed(display: &str, kind: InputKind, errors: Vec<ReadError>) -> Analysed {
        Analysed {
            input: Input { display: display.into(), source: Source::Local { path: PathBuf::from(display), kind } },
            wheel: None,
            binaries: Vec::new(),
            errors: errors.into_iter().map(|e| InputError::new(display, e)).collect(),
            unreadable_libraries: Vec::new(),
        }
    }

    #[test]
    fn ok_diff_of_equal_texts_is_empty() {
        assert_eq!(diff("a\nb\n", "a\nb\n"), "");
    }

    #[test]
    fn ok_diff_is_labelled_pep803_to_pep809() {
        let d = diff("Tag: cp315-abi3-any\n", "Tag: cp315-abi2026-any\n");
        assert_eq!(d, "--- pep803\n+++ pep809\n@@ -1 +1 @@\n-Tag: cp315-abi3-any\n+Tag: cp315-abi2026-any\n");
    }

    #[test]
    fn err_bare_file_is_not_a_wheel() {
        let a = analysed("ext.abi3.so", InputKind::File, Vec::new());
        let e = entry(&a).err().unwrap().to_string();
        assert_eq!(e, "ext.abi3.so: not a wheel; compare groups wheels by project, version and platform");
    }

    #[test]
    fn ok_groups_are_merge_s_whatever_the_platform_order() {
        let a = analysed("a.whl", InputKind::Wheel, Vec::new());
        let e = |name: &str| Entry {
            analysed: &a,
            filename: name.parse().unwrap(),
            members: Vec::new(),
            dist_info: String::new(),
        };
        let one = key(&e("P.y-1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
        let other = key(&e("p_y-1.0-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"));
        assert_eq!(one, other);
        assert_eq!(one.label(), "p_y 1.0 [manylinux2014_x86_64.manylinux_2_17_x86_64]");
        let pypy = key(&e("p_y-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
        assert_ne!(pypy, one, "a wheel of another implementation is a group of its own, as in merge");
        let built = key(&e("p_y-1.0-2-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
        assert_eq!(built.build.as_deref(), Some("2"));
    }

    #[test]
    fn err_unreadable_input_keeps_its_error() {
        let a = analysed("x.whl", InputKind::Wheel, vec![ReadError::ZipNotWheel]);
        assert_eq!(
            entry(&a).err().unwrap().to_string(),
            "x.whl: a zip archive, but not a wheel (no .dist-info/WHEEL, and its name does not end in .whl)"
        );
    }
}
