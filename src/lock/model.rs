//! The one model both lock formats are read into: a locked environment, every
//! package with the condition under which it is installed and the files it can
//! be installed from.

use std::fmt;
use std::path::{Path, PathBuf};

use pep440_rs::VersionSpecifiers;
use pep508_rs::{MarkerEnvironment, MarkerTree};
use serde::Serialize;

use crate::tags::WheelFilename;

/// Which format a lock file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LockFormat {
    /// PEP 751 `pylock.toml` / `pylock.<name>.toml`.
    Pylock,
    /// uv's `uv.lock`.
    UvLock,
}

impl LockFormat {
    /// The format a lock file's name says: `uv.lock`, `pylock.toml` or
    /// `pylock.<name>.toml` (PEP 751's `^pylock\.([^.]+\.)?toml$`).
    pub fn from_file_name(path: &Path) -> Option<LockFormat> {
        let name = path.file_name()?.to_str()?;
        if name == "uv.lock" {
            return Some(LockFormat::UvLock);
        }
        let rest = name.strip_prefix("pylock.")?;
        let named = |n: &str| !n.is_empty() && !n.contains('.');
        (rest == "toml" || rest.strip_suffix(".toml").is_some_and(named)).then_some(LockFormat::Pylock)
    }
}

impl fmt::Display for LockFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LockFormat::Pylock => "pylock.toml",
            LockFormat::UvLock => "uv.lock",
        })
    }
}

/// An environment marker, parsed by `pep508_rs`, with the text it is shown as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    tree: MarkerTree,
}

impl Marker {
    /// The marker that always holds.
    pub const TRUE: Marker = Marker { tree: MarkerTree::TRUE };

    pub(crate) fn new(tree: MarkerTree) -> Marker {
        Marker { tree }
    }

    /// Parse a PEP 508 marker expression.
    pub fn parse(text: &str) -> Result<Marker, String> {
        text.parse::<MarkerTree>().map(Marker::new).map_err(|e| e.message.to_string())
    }

    /// Whether it holds in `env` with no extra requested.
    pub fn holds(&self, env: &MarkerEnvironment) -> bool {
        self.tree.evaluate(env, &[])
    }

    /// Whether it always holds.
    pub fn is_true(&self) -> bool {
        self.tree.is_true()
    }

    pub(crate) fn tree(&self) -> MarkerTree {
        self.tree.clone()
    }
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tree.is_true() {
            f.write_str("always")
        } else if self.tree.is_false() {
            f.write_str("never")
        } else {
            f.write_str(&self.tree.try_to_string().unwrap_or_default())
        }
    }
}

/// Where a locked file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A URL (`https://files.pythonhosted.org/...`, or a `file:` URL as written).
    Url(String),
    /// A local file: the lock's relative path joined to the lock file's directory.
    Path(PathBuf),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Url(url) => f.write_str(url),
            Location::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One locked file: what the lock says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedFile {
    /// The file name (`psutil-7.1.2-cp36-abi3-win_amd64.whl`, `orjson-3.11.4.tar.gz`).
    pub filename: String,
    /// Where it is; `None` when the lock records no location (uv's metadata-only sdists).
    pub location: Option<Location>,
    /// Its size in bytes, if the lock records it.
    pub size: Option<u64>,
    /// Its sha256, lowercase hex, if the lock records one.
    pub sha256: Option<String>,
}

/// A locked wheel: the file and its parsed name (`None`: the name does not
/// parse as a wheel's, so no installer picks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedWheel {
    pub file: LockedFile,
    pub name: Option<WheelFilename>,
}

impl LockedWheel {
    /// A locked wheel, its file name parsed.
    pub fn new(file: LockedFile) -> LockedWheel {
        let name = file.filename.parse().ok();
        LockedWheel { file, name }
    }
}

/// A source that is built at install time instead of a listed wheel or sdist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceTree {
    /// A version control checkout (`vcs` in pylock, `git` in uv.lock).
    Vcs {
        /// The repository URL or local path.
        location: String,
        /// The commit installed, if recorded.
        commit: Option<String>,
    },
    /// A local directory (`directory`, uv's `directory`/`editable`).
    Directory { path: PathBuf, editable: bool },
    /// An archive that is not a wheel (`archive`, uv's `url`/`path` source without wheels).
    Archive(LockedFile),
}

impl fmt::Display for SourceTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceTree::Vcs { location, commit: Some(c) } => write!(f, "{location} at {c}"),
            SourceTree::Vcs { location, commit: None } => f.write_str(location),
            SourceTree::Directory { path, editable } => {
                write!(f, "{}{}", path.display(), if *editable { " (editable)" } else { "" })
            }
            SourceTree::Archive(file) => match &file.location {
                Some(l) => write!(f, "{l}"),
                None => f.write_str(&file.filename),
            },
        }
    }
}

/// One package of a locked environment.
#[derive(Debug, Clone, PartialEq)]
pub struct LockedPackage {
    /// The name, normalized (PEP 503: lowercase, runs of `-_.` as `-`).
    pub name: String,
    /// The version, if the lock records one (source trees may not).
    pub version: Option<String>,
    /// When it is installed: pylock's `marker`; for uv.lock, the condition
    /// under which a root reaches it through the dependency edges.
    pub marker: Marker,
    /// The package's own `requires-python`, if recorded.
    pub requires_python: Option<VersionSpecifiers>,
    pub wheels: Vec<LockedWheel>,
    pub sdist: Option<LockedFile>,
    /// A source tree built at install time, when the package has no files.
    pub source_tree: Option<SourceTree>,
}

impl LockedPackage {
    /// `name version`, or just the name.
    pub fn label(&self) -> String {
        label(&self.name, self.version.as_deref())
    }
}

/// `name version`, or just the name.
pub(crate) fn label(name: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{name} {v}"),
        None => name.to_string(),
    }
}

/// A parsed lock file.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    /// The lock file as given.
    pub path: PathBuf,
    pub format: LockFormat,
    /// The Python versions the whole lock is for.
    pub requires_python: Option<VersionSpecifiers>,
    /// The environments the lock covers (pylock's `environments`, uv's
    /// `supported-markers`); empty: every environment.
    pub environments: Vec<Marker>,
    /// Every package that may be installed somewhere, in the lock's order.
    pub packages: Vec<LockedPackage>,
}

/// PEP 503 normalization: lowercase, every run of `-`, `_`, `.` as one `-`.
pub fn normalize(name: &str) -> String {
    crate::tags::normalize_name(name).replace('_', "-")
}

/// The last segment of a URL's path (`…/psutil-7.1.2.tar.gz#sha256=…` → `psutil-7.1.2.tar.gz`).
pub(crate) fn url_file_name(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url[..end].rsplit('/').next().unwrap_or("")
}

/// The last segment of a path written in a lock (either separator).
pub(crate) fn path_file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_format_from_file_name() {
        assert_eq!(LockFormat::from_file_name(Path::new("a/uv.lock")), Some(LockFormat::UvLock));
        assert_eq!(LockFormat::from_file_name(Path::new("pylock.toml")), Some(LockFormat::Pylock));
        assert_eq!(LockFormat::from_file_name(Path::new("x/pylock.spam.toml")), Some(LockFormat::Pylock));
        for no in ["pylock.a.b.toml", "pylock..toml", "pylock-x.toml", "Cargo.lock", "pyproject.toml"] {
            assert_eq!(LockFormat::from_file_name(Path::new(no)), None, "{no}");
        }
    }

    #[test]
    fn ok_marker_text_and_evaluation() {
        let m = Marker::parse("sys_platform == 'win32'").unwrap();
        assert_eq!(m.to_string(), "sys_platform == 'win32'");
        assert_eq!(Marker::TRUE.to_string(), "always");
        assert!(Marker::TRUE.is_true());
    }

    #[test]
    fn err_marker_that_does_not_parse_says_why() {
        let e = Marker::parse("sys_platform = 'win32'").unwrap_err();
        assert!(e.contains("Expected a valid marker"), "{e}");
    }

    #[test]
    fn ok_file_names_of_urls_and_paths() {
        assert_eq!(url_file_name("https://h/p/a-1.0.tar.gz#sha256=ab"), "a-1.0.tar.gz");
        assert_eq!(path_file_name("..\\dist/a-1.0-py3-none-any.whl"), "a-1.0-py3-none-any.whl");
        assert_eq!(normalize("Typing_Extensions"), "typing-extensions");
    }
}
