//! uv's `uv.lock` (version 1).
//!
//! A `[[package]]` of uv.lock carries no marker of its own: it is installed in
//! an environment when a root reaches it through dependency edges whose
//! markers hold there (uv's `to_resolution` walks the graph that way). The
//! edge markers are written simplified under the assumption that their parent
//! is reached, so this reader computes each package's reachability marker the
//! way `uv export --format pylock.toml` does: the root's is "always"; a
//! dependency's is the disjunction, over its incoming edges, of the parent's
//! reachability and the edge marker, iterated to a fixed point (marker algebra
//! from `pep508_rs`). A package that is reached only with an extra
//! (`{ name = "x", extra = ["y"] }`) brings in its `optional-dependencies` for
//! that extra.
//!
//! The roots are the workspace members (`[manifest] members`); without them,
//! the packages whose source is the lock's own directory (`virtual = "."`,
//! `editable = "."`, `directory = "."`); without those, every package no
//! other depends on. Only production edges are walked: no extra of a root and
//! no dependency group, which is what `uv sync --no-dev` installs (`uv export
//! --no-dev` the same). The `resolution-markers` forks need no separate rule:
//! the edges that lead to each fork's version carry the fork's marker.
//! A `virtual` package is never installed and is left out of the model.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

use pep508_rs::MarkerTree;
use serde::Deserialize;

use super::model::{
    Location, Lock, LockFormat, LockedFile, LockedPackage, LockedWheel, Marker, SourceTree, label, normalize,
    path_file_name, url_file_name,
};
use super::{LockError, parse_markers, parse_specifiers};

/// The uv.lock schema version this reader understands.
const VERSION: i64 = 1;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Wire {
    requires_python: Option<String>,
    #[serde(default)]
    supported_markers: Vec<String>,
    #[serde(default)]
    manifest: ManifestWire,
    #[serde(rename = "package", alias = "distribution", default)]
    packages: Vec<PackageWire>,
}

#[derive(Deserialize, Default)]
struct ManifestWire {
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PackageWire {
    name: String,
    version: Option<String>,
    source: SourceWire,
    sdist: Option<FileWire>,
    #[serde(default)]
    wheels: Vec<FileWire>,
    #[serde(default)]
    dependencies: Vec<DependencyWire>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<DependencyWire>>,
}

/// One of uv's source forms: `{ registry = "…" }`, `{ git = "…" }`, `{ url = "…" }`,
/// `{ path = "…" }`, `{ directory = "…" }`, `{ editable = "…" }`, `{ virtual = "…" }`.
#[derive(Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
struct SourceWire {
    registry: Option<String>,
    git: Option<String>,
    url: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    editable: Option<String>,
    #[serde(rename = "virtual")]
    virtual_: Option<String>,
}

#[derive(Deserialize)]
struct FileWire {
    url: Option<String>,
    path: Option<String>,
    filename: Option<String>,
    hash: Option<String>,
    size: Option<u64>,
}

#[derive(Deserialize)]
struct DependencyWire {
    name: String,
    version: Option<String>,
    source: Option<SourceWire>,
    marker: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

/// A dependency edge, resolved to the package it names.
struct Edge {
    to: usize,
    marker: MarkerTree,
    extras: Vec<String>,
}

/// A package of the lock before the walk: its model (marker still unset), and its edges.
struct Node {
    package: LockedPackage,
    is_virtual: bool,
    is_local_root: bool,
    dependencies: Vec<Edge>,
    optional: BTreeMap<String, Vec<Edge>>,
}

/// Parse the text of a `uv.lock` read from `path`.
pub(super) fn parse(path: &Path, text: &str) -> Result<Lock, LockError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| LockError::toml(path, text, &e))?;
    match table.get("version") {
        Some(toml::Value::Integer(VERSION)) => {}
        Some(other) => {
            return Err(LockError::Version {
                path: path.into(),
                found: other.to_string(),
                supported: "version 1".into(),
            });
        }
        None => return Err(LockError::Schema { path: path.into(), detail: "it has no version".into() }),
    }
    let wire = Wire::deserialize(toml::Value::Table(table))
        .map_err(|source| LockError::Structure { path: path.into(), source })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let ids: Vec<(String, Option<String>, SourceWire)> =
        wire.packages.iter().map(|p| (normalize(&p.name), p.version.clone(), p.source.clone())).collect();
    let mut nodes = Vec::with_capacity(wire.packages.len());
    for p in wire.packages {
        nodes.push(node(path, dir, &ids, p)?);
    }
    let members: Vec<String> = wire.manifest.members.iter().map(|m| normalize(m)).collect();
    let mut roots: Vec<usize> = (0..nodes.len()).filter(|&i| members.contains(&nodes[i].package.name)).collect();
    if roots.is_empty() {
        roots = (0..nodes.len()).filter(|&i| nodes[i].is_local_root).collect();
    }
    if roots.is_empty() {
        let mut depended = vec![false; nodes.len()];
        for n in &nodes {
            for e in n.dependencies.iter().chain(n.optional.values().flatten()) {
                depended[e.to] = true;
            }
        }
        roots = (0..nodes.len()).filter(|&i| !depended[i]).collect();
    }
    let reach = reachability(&nodes, &roots);
    let packages = nodes
        .into_iter()
        .zip(reach)
        .filter(|(n, _)| !n.is_virtual)
        .map(|(mut n, marker)| {
            n.package.marker = Marker::new(marker);
            n.package
        })
        .collect();
    Ok(Lock {
        path: path.into(),
        format: LockFormat::UvLock,
        requires_python: parse_specifiers(path, None, wire.requires_python.as_deref())?,
        environments: parse_markers(path, None, &wire.supported_markers)?,
        packages,
    })
}

/// Each package's reachability marker from `roots` (see the module documentation).
fn reachability(nodes: &[Node], roots: &[usize]) -> Vec<MarkerTree> {
    let mut reach: HashMap<(usize, Option<&str>), MarkerTree> = HashMap::new();
    let mut queue: VecDeque<(usize, Option<&str>)> = VecDeque::new();
    for &r in roots {
        reach.insert((r, None), MarkerTree::TRUE);
        queue.push_back((r, None));
    }
    while let Some(key @ (at, extra)) = queue.pop_front() {
        let here = reach[&key].clone();
        let edges = match extra {
            None => nodes[at].dependencies.as_slice(),
            Some(x) => nodes[at].optional.get(x).map_or(&[][..], Vec::as_slice),
        };
        for edge in edges {
            let mut along = here.clone();
            along.and(edge.marker.clone());
            if along.is_false() {
                continue;
            }
            let targets = std::iter::once(None).chain(edge.extras.iter().map(|x| Some(x.as_str())));
            for target in targets {
                let slot = reach.entry((edge.to, target)).or_insert(MarkerTree::FALSE);
                let before = slot.clone();
                slot.or(along.clone());
                if *slot != before {
                    queue.push_back((edge.to, target));
                }
            }
        }
    }
    (0..nodes.len()).map(|i| reach.get(&(i, None)).cloned().unwrap_or(MarkerTree::FALSE)).collect()
}

fn node(
    path: &Path,
    dir: &Path,
    ids: &[(String, Option<String>, SourceWire)],
    p: PackageWire,
) -> Result<Node, LockError> {
    let name = normalize(&p.name);
    let label = label(&name, p.version.as_deref());
    let bad = |detail: String| LockError::Package { path: path.into(), package: label.clone(), detail };
    let s = &p.source;
    // Local files of a registry are relative to the registry's directory.
    let files_dir = s.registry.as_ref().filter(|r| !r.contains("://")).map(|r| dir.join(r));
    let file = |kind: &str, f: &FileWire| -> Result<LockedFile, LockError> {
        let location = match (&f.url, &f.path, &files_dir, &s.path, &s.url) {
            (Some(url), ..) => Some(Location::Url(url.clone())),
            (None, Some(rel), Some(base), ..) => Some(Location::Path(base.join(rel))),
            (None, Some(rel), None, ..) => Some(Location::Path(dir.join(rel))),
            // A path or direct-URL source: the file is the source itself.
            (None, None, _, Some(source), _) => Some(Location::Path(dir.join(source))),
            (None, None, _, None, Some(url)) => Some(Location::Url(url.clone())),
            (None, None, _, None, None) if kind == "sdist" => None,
            (None, None, ..) => return Err(bad(format!("its {kind} has neither url, path nor a path or url source"))),
        };
        let filename = match (&f.filename, &location) {
            (Some(n), _) => n.clone(),
            (None, Some(Location::Url(url))) => {
                crate::remote::download::wheel_name(url).unwrap_or_else(|| url_file_name(url).to_string())
            }
            (None, Some(Location::Path(p))) => path_file_name(&p.to_string_lossy()).to_string(),
            (None, None) => format!("{name}-{}.tar.gz", p.version.as_deref().unwrap_or("?")),
        };
        let sha256 = match f.hash.as_deref().map(|h| h.split_once(':')) {
            Some(Some(("sha256", hex))) => Some(hex.to_ascii_lowercase()),
            Some(Some(_)) => None,
            Some(None) => return Err(bad(format!("its {kind}'s hash is not written algorithm:digest"))),
            None => None,
        };
        Ok(LockedFile { filename, location, size: f.size, sha256 })
    };
    let wheels =
        p.wheels.iter().map(|w| file("wheel", w).map(LockedWheel::new)).collect::<Result<Vec<_>, LockError>>()?;
    let sdist = p.sdist.as_ref().map(|f| file("sdist", f)).transpose()?;
    let source_tree = if let Some(git) = &s.git {
        let (url, commit) = git.split_once('#').map_or((git.as_str(), None), |(u, c)| (u, Some(c.to_string())));
        Some(SourceTree::Vcs { location: url.to_string(), commit })
    } else if let Some(d) = s.directory.as_ref().or(s.editable.as_ref()) {
        Some(SourceTree::Directory { path: dir.join(d), editable: s.editable.is_some() })
    } else if wheels.is_empty() && sdist.is_none() && (s.url.is_some() || s.path.is_some()) {
        // A direct archive with no recorded file: the source is the archive.
        let f = FileWire { url: None, path: None, filename: None, hash: None, size: None };
        Some(SourceTree::Archive(file("archive", &f)?))
    } else {
        None
    };
    let local_root = [&s.virtual_, &s.editable, &s.directory].iter().any(|d| d.as_deref() == Some("."));
    let edges = |deps: &[DependencyWire]| -> Result<Vec<Edge>, LockError> {
        deps.iter()
            .map(|d| {
                let want = normalize(&d.name);
                let found: Vec<usize> = ids
                    .iter()
                    .enumerate()
                    .filter(|(_, (n, v, src))| {
                        *n == want
                            && d.version.as_ref().is_none_or(|dv| v.as_ref() == Some(dv))
                            && d.source.as_ref().is_none_or(|ds| ds == src)
                    })
                    .map(|(i, _)| i)
                    .collect();
                let to = match found.as_slice() {
                    [one] => *one,
                    [] => return Err(bad(format!("its dependency {want} names no package of the lock"))),
                    _ => return Err(bad(format!("its dependency {want} matches several packages of the lock"))),
                };
                let marker = match &d.marker {
                    Some(m) => parse_markers(path, Some(&label), std::slice::from_ref(m))?
                        .pop()
                        .map_or(MarkerTree::TRUE, |m| m.tree()),
                    None => MarkerTree::TRUE,
                };
                Ok(Edge { to, marker, extras: d.extra.clone() })
            })
            .collect()
    };
    let dependencies = edges(&p.dependencies)?;
    let optional = p
        .optional_dependencies
        .iter()
        .map(|(x, deps)| Ok((x.clone(), edges(deps)?)))
        .collect::<Result<_, LockError>>()?;
    Ok(Node {
        package: LockedPackage {
            name,
            version: p.version,
            marker: Marker::TRUE,
            requires_python: None,
            wheels,
            sdist,
            source_tree,
        },
        is_virtual: s.virtual_.is_some(),
        is_local_root: local_root,
        dependencies,
        optional,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(text: &str) -> Result<Lock, LockError> {
        parse(Path::new("app/uv.lock"), text)
    }

    fn markers(l: &Lock) -> Vec<String> {
        l.packages.iter().map(|p| format!("{}: {}", p.label(), p.marker)).collect()
    }

    const FORKED: &str = r#"
version = 1
revision = 3
requires-python = ">=3.13"
resolution-markers = ["python_full_version >= '3.14'", "python_full_version < '3.14'"]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "numpy", version = "2.3.5", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.14'" },
    { name = "numpy", version = "2.4.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.14'" },
    { name = "web", extra = ["fast"] },
]

[[package]]
name = "numpy"
version = "2.3.5"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.14'"]
sdist = { url = "https://f/numpy-2.3.5.tar.gz", hash = "sha256:AB", size = 10 }
wheels = [{ url = "https://f/numpy-2.3.5-cp313-cp313t-win_amd64.whl", hash = "sha256:cd", size = 20 }]

[[package]]
name = "numpy"
version = "2.4.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.14'"]
wheels = [{ url = "https://f/numpy-2.4.0-cp314-cp314t-win_amd64.whl", hash = "sha256:ef" }]

[[package]]
name = "web"
version = "1.0"
source = { registry = "../wheels" }
wheels = [{ path = "web-1.0-py3-none-any.whl" }]
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]

[package.optional-dependencies]
fast = [{ name = "uvloop", marker = "sys_platform != 'win32'" }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { git = "https://g/colorama?rev=main#0123" }

[[package]]
name = "uvloop"
version = "0.22.1"
source = { path = "dist/uvloop-0.22.1-cp314-cp314t-manylinux_2_28_x86_64.whl" }
wheels = [{ filename = "uvloop-0.22.1-cp314-cp314t-manylinux_2_28_x86_64.whl" }]

[[package]]
name = "unused"
version = "1.0"
source = { editable = "libs/unused" }
"#;

    #[test]
    fn ok_reachability_markers_follow_forks_edges_and_extras() {
        let l = lock(FORKED).unwrap();
        assert_eq!(l.format, LockFormat::UvLock);
        assert_eq!(
            markers(&l),
            [
                "numpy 2.3.5: python_full_version < '3.14'",
                "numpy 2.4.0: python_full_version >= '3.14'",
                "web 1.0: always",
                "colorama 0.4.6: sys_platform == 'win32'",
                "uvloop 0.22.1: sys_platform != 'win32'",
                "unused 1.0: never",
            ],
            "the virtual root is left out"
        );
    }

    #[test]
    fn ok_file_locations_by_source() {
        let l = lock(FORKED).unwrap();
        let np = &l.packages[0];
        assert_eq!(np.sdist.as_ref().unwrap().sha256.as_deref(), Some("ab"));
        assert_eq!(np.wheels[0].file.filename, "numpy-2.3.5-cp313-cp313t-win_amd64.whl");
        assert_eq!(np.wheels[0].file.size, Some(20));
        let web = &l.packages[2];
        assert_eq!(
            web.wheels[0].file.location,
            Some(Location::Path(Path::new("app").join("../wheels").join("web-1.0-py3-none-any.whl")))
        );
        assert_eq!(l.packages[3].source_tree.as_ref().unwrap().to_string(), "https://g/colorama?rev=main at 0123");
        let uvloop = &l.packages[4];
        assert_eq!(
            uvloop.wheels[0].file.location,
            Some(Location::Path(Path::new("app").join("dist/uvloop-0.22.1-cp314-cp314t-manylinux_2_28_x86_64.whl")))
        );
        assert!(uvloop.wheels[0].name.is_some());
        assert!(matches!(l.packages[5].source_tree, Some(SourceTree::Directory { editable: true, .. })));
    }

    #[test]
    fn ok_without_members_or_local_root_every_undepended_package_is_a_root() {
        let text = "version = 1\nrequires-python = '>=3.10'\n[[package]]\nname = 'a'\nversion = '1'\nsource = { registry = 'https://i' }\ndependencies = [{ name = 'b', marker = \"os_name == 'nt'\" }]\n[[package]]\nname = 'b'\nversion = '1'\nsource = { registry = 'https://i' }\n";
        assert_eq!(markers(&lock(text).unwrap()), ["a 1: always", "b 1: os_name == 'nt'"]);
    }

    #[test]
    fn err_unknown_version_and_bad_toml() {
        let e = lock("version = 2\n").unwrap_err();
        assert_eq!(e.to_string(), "app/uv.lock: version 2 is not supported (this reads version 1)");
        let e = lock("version = 1\n[[package]\n").unwrap_err();
        assert!(e.to_string().starts_with("app/uv.lock is not valid TOML"), "{e}");
        let e = lock("requires-python = '>=3'\n").unwrap_err();
        assert_eq!(e.to_string(), "app/uv.lock is not a lock this reads: it has no version");
    }

    #[test]
    fn err_dependency_that_names_nothing() {
        let text = "version = 1\n[[package]]\nname = 'a'\nversion = '1'\nsource = { virtual = '.' }\ndependencies = [{ name = 'gone' }]\n";
        assert_eq!(
            lock(text).unwrap_err().to_string(),
            "app/uv.lock: package a 1: its dependency gone names no package of the lock"
        );
    }
}
