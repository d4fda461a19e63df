//! PEP 751 `pylock.toml`: every package carries its own `marker`, so the
//! model's marker is the lock's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::model::{
    Location, Lock, LockFormat, LockedFile, LockedPackage, LockedWheel, Marker, SourceTree, label, normalize,
    path_file_name, url_file_name,
};
use super::{LockError, parse_markers, parse_specifiers};

/// The lock-version major this reader understands.
const MAJOR: &str = "1";

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Wire {
    requires_python: Option<String>,
    #[serde(default)]
    environments: Vec<String>,
    packages: Vec<PackageWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PackageWire {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    requires_python: Option<String>,
    #[serde(default)]
    wheels: Vec<FileWire>,
    sdist: Option<FileWire>,
    vcs: Option<VcsWire>,
    directory: Option<DirectoryWire>,
    archive: Option<FileWire>,
}

#[derive(Deserialize)]
struct FileWire {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct VcsWire {
    url: Option<String>,
    path: Option<String>,
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct DirectoryWire {
    path: String,
    #[serde(default)]
    editable: bool,
}

/// Parse the text of a `pylock.toml` read from `path`.
pub(super) fn parse(path: &Path, text: &str) -> Result<Lock, LockError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| LockError::toml(path, text, &e))?;
    let version = match table.get("lock-version") {
        Some(toml::Value::String(v)) => v.clone(),
        Some(other) => other.to_string(),
        None => return Err(LockError::Schema { path: path.into(), detail: "it has no lock-version".into() }),
    };
    if version.split('.').next() != Some(MAJOR) {
        return Err(LockError::Version { path: path.into(), found: version, supported: "1.x".into() });
    }
    let wire = Wire::deserialize(toml::Value::Table(table))
        .map_err(|source| LockError::Structure { path: path.into(), source })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let packages = wire.packages.into_iter().map(|p| package(path, dir, p)).collect::<Result<Vec<_>, _>>()?;
    Ok(Lock {
        path: path.into(),
        format: LockFormat::Pylock,
        requires_python: parse_specifiers(path, None, wire.requires_python.as_deref())?,
        environments: parse_markers(path, None, &wire.environments)?,
        packages,
    })
}

fn package(path: &Path, dir: &Path, p: PackageWire) -> Result<LockedPackage, LockError> {
    let name = normalize(&p.name);
    let label = label(&name, p.version.as_deref());
    let bad = |detail: String| LockError::Package { path: path.into(), package: label.clone(), detail };
    let marker = match &p.marker {
        Some(text) => parse_markers(path, Some(&label), std::slice::from_ref(text))?.pop().unwrap_or(Marker::TRUE),
        None => Marker::TRUE,
    };
    let file = |kind: &str, f: FileWire| -> Result<LockedFile, LockError> {
        let location = match (f.url, f.path) {
            (Some(url), None) => Location::Url(url),
            (None, Some(rel)) => Location::Path(dir.join(rel)),
            (Some(_), Some(_)) => return Err(bad(format!("its {kind} has both url and path; the spec allows one"))),
            (None, None) => return Err(bad(format!("its {kind} has neither url nor path"))),
        };
        let filename = f.name.unwrap_or_else(|| match &location {
            Location::Url(url) => url_file_name(url).to_string(),
            Location::Path(p) => path_file_name(&p.to_string_lossy()).to_string(),
        });
        let sha256 = f.hashes.get("sha256").map(|h| h.to_ascii_lowercase());
        Ok(LockedFile { filename, location: Some(location), size: f.size, sha256 })
    };
    let sources =
        [p.vcs.is_some(), p.directory.is_some(), p.archive.is_some(), !p.wheels.is_empty() || p.sdist.is_some()];
    if sources.iter().filter(|s| **s).count() > 1 {
        return Err(bad(
            "it names more than one of vcs, directory, archive and sdist/wheels; the spec allows one".into()
        ));
    }
    let source_tree = if let Some(vcs) = p.vcs {
        let location = vcs.url.or(vcs.path).ok_or_else(|| bad("its vcs has neither url nor path".into()))?;
        Some(SourceTree::Vcs { location, commit: vcs.commit_id })
    } else if let Some(d) = p.directory {
        Some(SourceTree::Directory { path: dir.join(d.path), editable: d.editable })
    } else if let Some(a) = p.archive {
        Some(SourceTree::Archive(file("archive", a)?))
    } else {
        None
    };
    let wheels =
        p.wheels.into_iter().map(|w| file("wheel", w).map(LockedWheel::new)).collect::<Result<Vec<_>, LockError>>()?;
    let sdist = p.sdist.map(|s| file("sdist", s)).transpose()?;
    Ok(LockedPackage {
        requires_python: parse_specifiers(path, Some(&label), p.requires_python.as_deref())?,
        name,
        version: p.version,
        marker,
        wheels,
        sdist,
        source_tree,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(text: &str) -> Result<Lock, LockError> {
        parse(Path::new("dir/pylock.toml"), text)
    }

    const GOOD: &str = r#"
lock-version = "1.0"
created-by = "hand"
requires-python = ">=3.13"
environments = ["sys_platform == 'linux'"]

[[packages]]
name = "Typing_Extensions"
version = "4.15.0"
marker = "python_version < '3.15'"
wheels = [{ name = "typing_extensions-4.15.0-py3-none-any.whl", url = "https://h/t/typing_extensions-4.15.0-py3-none-any.whl", upload-time = 2025-08-25T13:49:24.86Z, size = 44614, hashes = { sha256 = "F0FA19C6" } }]

[[packages]]
name = "psutil"
version = "7.1.2"
[[packages.wheels]]
path = "../w/psutil-7.1.2-cp36-abi3-win_amd64.whl"
hashes = { sha256 = "ab" }
[packages.sdist]
url = "https://h/p/psutil-7.1.2.tar.gz"
hashes = { sha256 = "cd" }

[[packages]]
name = "app"
directory = { path = ".", editable = true }

[[packages]]
name = "lib"
vcs = { type = "git", url = "https://g/lib.git", commit-id = "0123abc" }

[[packages]]
name = "arch"
version = "1.0"
archive = { url = "https://h/arch-1.0.zip", hashes = { sha256 = "ef" } }
"#;

    #[test]
    fn ok_every_field_the_model_uses() {
        let l = lock(GOOD).unwrap();
        assert_eq!(l.format, LockFormat::Pylock);
        assert_eq!(l.requires_python.unwrap().to_string(), ">=3.13");
        assert_eq!(l.environments[0].to_string(), "sys_platform == 'linux'");
        let names: Vec<String> = l.packages.iter().map(LockedPackage::label).collect();
        assert_eq!(names, ["typing-extensions 4.15.0", "psutil 7.1.2", "app", "lib", "arch 1.0"]);
        let t = &l.packages[0];
        assert_eq!(t.marker.to_string(), "python_full_version < '3.15'");
        assert_eq!(t.wheels[0].file.size, Some(44614));
        assert_eq!(t.wheels[0].file.sha256.as_deref(), Some("f0fa19c6"));
        assert!(t.wheels[0].name.is_some());
        let p = &l.packages[1];
        assert!(p.marker.is_true());
        assert_eq!(p.wheels[0].file.filename, "psutil-7.1.2-cp36-abi3-win_amd64.whl");
        assert_eq!(
            p.wheels[0].file.location,
            Some(Location::Path(Path::new("dir").join("../w/psutil-7.1.2-cp36-abi3-win_amd64.whl")))
        );
        assert_eq!(p.sdist.as_ref().unwrap().filename, "psutil-7.1.2.tar.gz");
        assert_eq!(
            l.packages[2].source_tree,
            Some(SourceTree::Directory { path: Path::new("dir").join("."), editable: true })
        );
        assert_eq!(l.packages[3].source_tree.as_ref().unwrap().to_string(), "https://g/lib.git at 0123abc");
        assert!(matches!(l.packages[4].source_tree, Some(SourceTree::Archive(_))));
    }

    #[test]
    fn err_bad_toml_names_the_file() {
        let e = lock("lock-version = \"1.0\"\n[[packages]\n").unwrap_err();
        assert_eq!(e.to_string(), "dir/pylock.toml is not valid TOML (line 2): unclosed array table, expected `]`");
    }

    #[test]
    fn err_unknown_major_version() {
        let e = lock("lock-version = \"2.0\"\npackages = []\n").unwrap_err();
        assert_eq!(e.to_string(), "dir/pylock.toml: lock-version 2.0 is not supported (this reads 1.x)");
        let e = lock("packages = []\n").unwrap_err();
        assert_eq!(e.to_string(), "dir/pylock.toml is not a lock this reads: it has no lock-version");
    }

    #[test]
    fn err_package_problems_name_the_package() {
        let e =
            lock("lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nversion = \"1\"\nmarker = \"os_name = 'nt'\"\n")
                .unwrap_err();
        assert!(
            e.to_string().starts_with("dir/pylock.toml: package x 1: marker \"os_name = 'nt'\" does not parse: "),
            "{e}"
        );
        let e = lock("lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nwheels = [{ size = 3 }]\n").unwrap_err();
        assert_eq!(e.to_string(), "dir/pylock.toml: package x: its wheel has neither url nor path");
        let e =
            lock("lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\ndirectory = { path = \".\" }\nsdist = { url = \"u\" }\n")
                .unwrap_err();
        assert!(e.to_string().contains("more than one of vcs, directory, archive"), "{e}");
        let e = lock("lock-version = \"1.0\"\n[[packages]]\nversion = \"1\"\n").unwrap_err();
        assert_eq!(e.to_string(), "dir/pylock.toml does not have the shape of its format");
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("missing field `name`"), "{cause}");
    }
}
