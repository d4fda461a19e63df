//! Whole environments: will a locked application install and load on a
//! target interpreter and platform?
//!
//! The pipeline, in the order of the code: [`read`] a lock file (PEP 751
//! `pylock.toml` in [`pylock`], uv's `uv.lock` in [`uv`]) into one model,
//! [`Lock`]: every package with the marker under which it is installed and the
//! files it can be installed from. A [`Target`] (`3.15t` on
//! `manylinux_2_28_x86_64`) gives the marker environment; [`select`] evaluates
//! each package's marker there and picks the one wheel an installer would
//! (the ranking `verify` uses, [`crate::tags::installer_rank`]), or
//! says why there is none; [`assess`] hands each picked wheel to a [`Judge`]
//! (the commands' is [`crate::environment`]'s: each wheel read once through
//! its typed input, then import resolution for the target) and sums the
//! target up in a verdict and what would help.
//!
//! Markers are parsed and evaluated by `pep508_rs`; markers of PEP 751's
//! `extras` / `dependency_groups` form are not supported by it and are
//! reported as a lock that cannot be read.

mod assess;
mod model;
mod pylock;
mod select;
mod target;
mod uv;

use std::path::{Path, PathBuf};

use pep440_rs::VersionSpecifiers;

pub use assess::{
    Abi3tReadiness, Help, Judge, Judgement, PackageRow, PickedWheel, Row, State, TargetReport, WheelAt, assess,
    verdict_line,
};
pub use model::{Location, Lock, LockFormat, LockedFile, LockedPackage, LockedWheel, Marker, SourceTree, normalize};
pub use select::{Choice, Selection, select};
pub use target::{Target, TargetError};

/// A lock file that cannot be read. Each variant names the file; messages are
/// sentences, the cause (TOML) is the source.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file could not be read.
    #[error("cannot read the lock file {}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The name is neither `uv.lock` nor `pylock.toml` / `pylock.<name>.toml`
    /// (and, for `--lock`, the text has neither `lock-version` nor `version`).
    #[error("{} is not named like a lock file: expected uv.lock, pylock.toml or pylock.<name>.toml", path.display())]
    Name { path: PathBuf },
    /// The text is not TOML.
    #[error("{} is not valid TOML{}: {message}", path.display(), line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Toml { path: PathBuf, line: Option<usize>, message: String },
    /// A format version this reader does not know.
    #[error("{}: {} is not supported (this reads {supported})", path.display(), found_text(path, found))]
    Version { path: PathBuf, found: String, supported: String },
    /// A required part is missing.
    #[error("{} is not a lock this reads: {detail}", path.display())]
    Schema { path: PathBuf, detail: String },
    /// TOML whose tables do not have the format's shape; the cause is the source.
    #[error("{} does not have the shape of its format", path.display())]
    Structure { path: PathBuf, source: toml::de::Error },
    /// One package's entry is malformed.
    #[error("{}: package {package}: {detail}", path.display())]
    Package { path: PathBuf, package: String, detail: String },
}

fn found_text(path: &Path, found: &str) -> String {
    match LockFormat::from_file_name(path) {
        Some(LockFormat::UvLock) => format!("version {found}"),
        _ => format!("lock-version {found}"),
    }
}

/// Read a lock file; its name says its format ([`LockFormat::from_file_name`]).
pub fn read(path: &Path) -> Result<Lock, LockError> {
    let format = LockFormat::from_file_name(path).ok_or_else(|| LockError::Name { path: path.into() })?;
    let text = std::fs::read_to_string(path).map_err(|source| LockError::Read { path: path.into(), source })?;
    parse(path, &text, format)
}

impl LockError {
    /// A TOML error in one line: the file, the line, and what is wrong there.
    fn toml(path: &Path, text: &str, e: &toml::de::Error) -> LockError {
        let line = e.span().map(|s| text.get(..s.start).unwrap_or(text).matches('\n').count() + 1);
        LockError::Toml { path: path.into(), line, message: e.message().trim().replace('\n', " ") }
    }
}

/// Read a lock file named on the command line as one (`--lock FILE`): its
/// name says its format, and a file named otherwise (`app.uv.lock`) is taken
/// as a pylock if it has a `lock-version`, else as a uv.lock if it has a
/// `version` (uv.lock's format version).
pub fn read_given(path: &Path) -> Result<Lock, LockError> {
    if LockFormat::from_file_name(path).is_some() {
        return read(path);
    }
    let text = std::fs::read_to_string(path).map_err(|source| LockError::Read { path: path.into(), source })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| LockError::toml(path, &text, &e))?;
    let format = if table.contains_key("lock-version") {
        LockFormat::Pylock
    } else if table.contains_key("version") {
        LockFormat::UvLock
    } else {
        return Err(LockError::Name { path: path.into() });
    };
    parse(path, &text, format)
}

/// Parse the text of a lock file read from `path` (relative file paths in it
/// are taken from `path`'s directory).
pub fn parse(path: &Path, text: &str, format: LockFormat) -> Result<Lock, LockError> {
    match format {
        LockFormat::Pylock => pylock::parse(path, text),
        LockFormat::UvLock => uv::parse(path, text),
    }
}

/// Parse marker texts; an error names the package (`None`: the lock's own).
fn parse_markers(path: &Path, package: Option<&str>, texts: &[String]) -> Result<Vec<Marker>, LockError> {
    texts
        .iter()
        .map(|text| {
            Marker::parse(text).map_err(|why| {
                let detail = format!("marker \"{text}\" does not parse: {why}");
                match package {
                    Some(p) => LockError::Package { path: path.into(), package: p.into(), detail },
                    None => LockError::Schema { path: path.into(), detail },
                }
            })
        })
        .collect()
}

/// Parse a `requires-python`; an error names the package (`None`: the lock's own).
fn parse_specifiers(
    path: &Path,
    package: Option<&str>,
    text: Option<&str>,
) -> Result<Option<VersionSpecifiers>, LockError> {
    let Some(text) = text else { return Ok(None) };
    text.parse::<VersionSpecifiers>().map(Some).map_err(|e| {
        let detail = format!("requires-python \"{text}\" does not parse: {e}");
        match package {
            Some(p) => LockError::Package { path: path.into(), package: p.into(), detail },
            None => LockError::Schema { path: path.into(), detail },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn err_read_names_the_file() {
        let e = read(Path::new("no/such/uv.lock")).unwrap_err();
        assert_eq!(e.to_string(), "cannot read the lock file no/such/uv.lock");
        let e = read(Path::new("Cargo.lock")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Cargo.lock is not named like a lock file: expected uv.lock, pylock.toml or pylock.<name>.toml"
        );
    }

    #[test]
    fn ok_a_lock_given_by_flag_is_read_whatever_its_name() {
        let dir = std::env::temp_dir().join(format!("uniabi-lock-given-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pylock = dir.join("app.toml");
        std::fs::write(&pylock, "lock-version = '1.0'\npackages = []\n").unwrap();
        assert_eq!(read_given(&pylock).unwrap().format, LockFormat::Pylock);
        let uv = dir.join("app.uv.lock");
        std::fs::write(&uv, "version = 1\nrequires-python = '>=3.13'\n").unwrap();
        assert_eq!(read_given(&uv).unwrap().format, LockFormat::UvLock);
        let other = dir.join("Cargo.lock");
        std::fs::write(&other, "[[package]]\nname = 'x'\n").unwrap();
        assert!(matches!(read_given(&other), Err(LockError::Name { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn err_requires_python_that_does_not_parse() {
        let e = parse(
            Path::new("pylock.toml"),
            "lock-version = '1.0'\nrequires-python = '>=x'\npackages = []\n",
            LockFormat::Pylock,
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("pylock.toml is not a lock this reads: requires-python \">=x\" does not parse"),
            "{e}"
        );
    }
}
