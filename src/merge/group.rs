//! The grouping key: which wheels `merge` turns into one wheel and `compare`
//! shows side by side (and so which wheels `survey`'s merge forecast groups).

use std::collections::BTreeMap;

use super::MergeInput;
use crate::tags::{PlatformTag, Tag, is_other_implementation};

/// What wheels that may become one wheel share: project, version, build tag,
/// platform tag set and implementation.
///
/// Ordered field by field (platform tags as text), which is the order groups
/// are planned and reported in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    /// The project name, normalized for a wheel file name (`abi3_abi3t_universal`).
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    /// The platform tags of the wheel's tags, sorted, without duplicates.
    pub platforms: Vec<PlatformTag>,
    /// For a wheel of another implementation (PyPy, GraalPy): its file name, so
    /// it is a group of its own. uniabi models CPython's import resolution only,
    /// so it never puts one beside anything.
    pub foreign: Option<String>,
}

impl GroupKey {
    /// The key of a wheel named `filename` whose tags are `tags`.
    pub fn new(name: &str, version: &str, build: Option<&str>, tags: &[Tag], filename: &str) -> GroupKey {
        let mut platforms: Vec<PlatformTag> = tags.iter().map(|t| t.platform.clone()).collect();
        platforms.sort();
        platforms.dedup();
        GroupKey {
            name: name.to_string(),
            version: version.to_string(),
            build: build.map(str::to_string),
            platforms,
            foreign: tags.iter().any(is_other_implementation).then(|| filename.to_string()),
        }
    }

    /// The platform tags joined with `.`: `manylinux_2_17_x86_64.manylinux2014_x86_64`.
    pub fn platform_text(&self) -> String {
        self.platforms.iter().map(PlatformTag::as_str).collect::<Vec<_>>().join(".")
    }

    /// `project version [build B] [platform tags]`, as reports name a group.
    pub fn label(&self) -> String {
        format!("{} {}{} [{}]", self.name, self.version, self.build_text(), self.platform_text())
    }

    /// ` build B`, or nothing.
    fn build_text(&self) -> String {
        self.build.as_ref().map(|b| format!(" build {b}")).unwrap_or_default()
    }
}

impl MergeInput {
    /// The input's group: its file name's project and version, WHEEL's build tag
    /// (else the file name's) and WHEEL's `Tag:` lines.
    pub fn group_key(&self) -> GroupKey {
        GroupKey::new(&self.name, &self.version, self.build.as_deref(), &self.tags, &self.filename)
    }
}

/// A set of inputs that may become one wheel.
pub(crate) struct Group<'a> {
    /// How reports name it: [`GroupKey::label`] for a merge group.
    pub label: String,
    pub key: GroupKey,
    pub inputs: Vec<&'a MergeInput>,
}

/// Group inputs by [`GroupKey`], in key order; inputs in a group are sorted by
/// file name. The notes name releases whose inputs carry several platform tag
/// sets (merged separately).
pub(crate) fn groups(inputs: &[MergeInput]) -> (Vec<Group<'_>>, Vec<String>) {
    let mut map: BTreeMap<GroupKey, Vec<&MergeInput>> = BTreeMap::new();
    for i in inputs {
        map.entry(i.group_key()).or_default().push(i);
    }
    let mut notes: Vec<String> = inputs
        .iter()
        .flat_map(|i| {
            i.analysed.unreadable_libraries.iter().map(move |l| format!("{}: {l}; copied as it is", i.display()))
        })
        .collect();
    let mut per_release: BTreeMap<(String, String, Option<String>), Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for (key, mut members) in map {
        members.sort_by(|a, b| a.filename.cmp(&b.filename).then(a.display().cmp(b.display())));
        per_release.entry((key.name.clone(), key.version.clone(), key.build.clone())).or_default().push(format!(
            "{} ({} input{})",
            key.platform_text(),
            members.len(),
            crate::output::plural(members.len())
        ));
        out.push(Group { label: key.label(), key, inputs: members });
    }
    for ((name, version, build), sets) in per_release {
        if sets.len() > 1 {
            let build = build.map(|b| format!(" build {b}")).unwrap_or_default();
            notes.push(format!(
                "{name} {version}{build}: the inputs carry {} different platform tag sets, merged separately: {}",
                sets.len(),
                sets.join("; ")
            ));
        }
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &[&str]) -> Vec<Tag> {
        s.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn ok_key_sorts_platforms_and_ignores_their_order() {
        let a = GroupKey::new(
            "p",
            "1.0",
            None,
            &tags(&["cp313-cp313-manylinux_2_17_x86_64", "cp313-cp313-manylinux2014_x86_64"]),
            "a.whl",
        );
        let b = GroupKey::new(
            "p",
            "1.0",
            None,
            &tags(&["cp314-cp314-manylinux2014_x86_64", "cp314-cp314-manylinux_2_17_x86_64"]),
            "b.whl",
        );
        assert_eq!(a, b);
        assert_eq!(a.label(), "p 1.0 [manylinux2014_x86_64.manylinux_2_17_x86_64]");
    }

    #[test]
    fn ok_key_separates_builds_and_other_implementations() {
        let linux = ["cp313-cp313-manylinux_2_17_x86_64"];
        let cpython = GroupKey::new("p", "1.0", None, &tags(&linux), "a.whl");
        let built = GroupKey::new("p", "1.0", Some("1"), &tags(&linux), "b.whl");
        assert_ne!(cpython, built);
        assert_eq!(built.label(), "p 1.0 build 1 [manylinux_2_17_x86_64]");
        let pypy = GroupKey::new("p", "1.0", None, &tags(&["pp311-pypy311_pp73-manylinux_2_17_x86_64"]), "c.whl");
        assert_eq!(pypy.foreign.as_deref(), Some("c.whl"));
        assert_ne!(cpython, pypy);
        assert!(cpython < pypy, "the CPython group comes first");
        assert_eq!(pypy.label(), cpython.label());
    }
}
