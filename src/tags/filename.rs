//! Wheel filenames, `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, and project name normalization.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::{TagError, TagSet};

/// Normalize a project name for a wheel filename: lowercase, and every run of
/// `-`, `_` and `.` becomes one `_` (PEP 503 normalization, with `_` as the
/// binary distribution format's filename escape).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('_');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// A parsed wheel filename: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
///
/// Parts are kept as written, so `Display` round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// The distribution name as written (`abi3_abi3t_universal`).
    pub name: String,
    /// The version as written (`7.1.2`).
    pub version: String,
    /// The optional build tag (`1`, `2abc`).
    pub build: Option<String>,
    /// The compressed tag set.
    pub tags: TagSet,
}

impl WheelFilename {
    /// Parse the file name of a path (`dist/foo-1.0-py3-none-any.whl`); the
    /// file is not opened.
    pub fn from_path(path: &Path) -> Result<Self, TagError> {
        match path.file_name().and_then(|n| n.to_str()) {
            Some(name) => name.parse(),
            None => Err(TagError::NotWheel(path.display().to_string())),
        }
    }

    /// The name normalized with [`normalize_name`].
    pub fn normalized_name(&self) -> String {
        normalize_name(&self.name)
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name, self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        write!(f, "-{}.whl", self.tags)
    }
}

impl FromStr for WheelFilename {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let stem = s.strip_suffix(".whl").ok_or_else(|| TagError::NotWheel(s.to_string()))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, tags) = match parts[..] {
            [n, v, p, a, pl] => (n, v, None, [p, a, pl]),
            [n, v, b, p, a, pl] => (n, v, Some(b), [p, a, pl]),
            _ => return Err(TagError::WheelFields(s.to_string())),
        };
        if name.is_empty() || version.is_empty() {
            return Err(TagError::WheelFields(s.to_string()));
        }
        if let Some(b) = build
            && !b.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(TagError::BuildTag { filename: s.to_string(), build: b.to_string() });
        }
        let tags = TagSet::parse_unwrapped(&tags.join("-"))
            .map_err(|e| TagError::WheelTags { filename: s.to_string(), source: Box::new(e) })?;
        Ok(WheelFilename {
            name: name.to_string(),
            version: version.to_string(),
            build: build.map(str::to_string),
            tags,
        })
    }
}
