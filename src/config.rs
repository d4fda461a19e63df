//! `[tool.uniabi]`: settings kept in the `pyproject.toml` of the project being checked.
//!
//! The pipeline: [`discover`] finds the file (walking up from each input, then from
//! the working directory) → [`load`] reads it into typed [`Settings`], refusing
//! unknown keys and values that name nothing uniabi knows → the commands merge
//! them under their flags (a flag always wins) →
//! [`crate::check::Suppressions`] takes ignored codes and allowed symbols out of
//! `check`'s findings.
//!
//! ```toml
//! [tool.uniabi]
//! abi = "abi3t"                       # check --abi
//! ignore = ["no-free-threaded"]       # check --ignore CODE
//! merge-scheme = "fat"                # merge --scheme
//! metadata-from = "*-cp314-cp314-*"   # merge --metadata-from (a file-name pattern, or "refuse")
//!
//! [tool.uniabi.allow]                 # check --allow SYMBOL=REASON
//! PyUnstable_Module_SetGIL = "called only when built for a free-threaded interpreter"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Deserialize;

use crate::check::{AbiChoice, Code};
use crate::merge::Scheme;

/// The file name searched for.
pub const PYPROJECT: &str = "pyproject.toml";

/// The `[tool.uniabi]` table as TOML spells it, every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    abi: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    allow: BTreeMap<String, String>,
    merge_scheme: Option<String>,
    metadata_from: Option<String>,
}

/// The `[tool.uniabi]` settings, typed once when read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The ABI `check` judges against (`auto`, `abi3`, `abi3t`, `abi2026`, `cp3XY`, `cp3XYt`).
    pub abi: Option<AbiChoice>,
    /// Finding codes `check` leaves out.
    pub ignore: Vec<Code>,
    /// Symbols `check` accepts, each with the reason it is safe.
    pub allow: BTreeMap<String, String>,
    /// The scheme `merge` uses (`auto`, `fat`, `pep803`, `pep809`).
    pub merge_scheme: Option<Scheme>,
    /// Which input's `.dist-info` `merge` keeps where they differ.
    pub metadata_from: Option<MetadataFrom>,
}

/// `metadata-from` (and `merge --metadata-from`): what `merge` does where the
/// inputs' `.dist-info` files differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataFrom {
    /// Refuse the group (the default).
    Refuse,
    /// Take the `.dist-info` of the one input this names: a file-name pattern
    /// (`*`, `?`) in settings, a path or file name on the command line.
    Input(String),
}

impl MetadataFrom {
    /// `refuse`, or anything else naming an input.
    pub fn parse(value: &str) -> MetadataFrom {
        if value == "refuse" { MetadataFrom::Refuse } else { MetadataFrom::Input(value.to_string()) }
    }
}

/// Settings read from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file they came from; `None` when there was none.
    pub path: Option<PathBuf>,
    pub settings: Settings,
}

/// Why the settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read the settings", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not TOML.
    #[error("{}: not valid TOML: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    /// `[tool.uniabi]` has a key uniabi does not know, or a value of the wrong type.
    #[error("{}: [tool.uniabi]: {message}", path.display())]
    Table { path: PathBuf, message: String },
    /// A value of the right type that names nothing uniabi knows.
    #[error("{}: [tool.uniabi] {key} = {value:?}: {reason}", path.display())]
    Value { path: PathBuf, key: &'static str, value: String, reason: String },
    /// `--config FILE` names a file without `[tool.uniabi]`.
    #[error("{}: has no [tool.uniabi] table; add one or leave out --config", path.display())]
    NoTable { path: PathBuf },
    /// The inputs lie under two projects with different settings.
    #[error(
        "the inputs lie under two projects with [tool.uniabi] settings ({} and {}); check them separately or pass --config FILE",
        first.display(),
        second.display()
    )]
    Conflict { first: PathBuf, second: PathBuf },
}

/// A `--allow` or `--ignore` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    /// `--allow` without a symbol or a reason.
    #[error("'{0}' is not SYMBOL=REASON: say why the symbol is safe, e.g. PyFoo=\"only on 3.13\"")]
    Allow(String),
    /// `--ignore` with something other than a finding code.
    #[error(
        "'{0}' is not one of check's finding codes (e.g. no-free-threaded; the README's findings table lists them)"
    )]
    Code(String),
}

/// Where the settings come from, as the command line asks.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    /// `--config FILE`.
    File(&'a Path),
    /// `--no-config`.
    Off,
    /// Walk up from the inputs, then from `cwd`.
    Discover { inputs: &'a [PathBuf], cwd: &'a Path },
}

/// Find and read the settings.
pub fn load(lookup: Lookup<'_>) -> Result<Config, ConfigError> {
    match lookup {
        Lookup::Off => Ok(Config::default()),
        Lookup::File(path) => match read_table(path)? {
            Some(settings) => Ok(Config { path: Some(path.to_path_buf()), settings }),
            None => Err(ConfigError::NoTable { path: path.to_path_buf() }),
        },
        Lookup::Discover { inputs, cwd } => match discover(inputs, cwd)? {
            Some((path, settings)) => Ok(Config { path: Some(path), settings }),
            None => Ok(Config::default()),
        },
    }
}

/// The nearest `pyproject.toml` with a `[tool.uniabi]` table above each input (an
/// input that cannot be resolved is skipped: reading it reports the problem); all
/// inputs must agree. With none above any input, the one above `cwd`.
pub fn discover(inputs: &[PathBuf], cwd: &Path) -> Result<Option<(PathBuf, Settings)>, ConfigError> {
    let mut found: Option<(PathBuf, Settings)> = None;
    for input in inputs {
        let Ok(abs) = std::fs::canonicalize(input) else { continue };
        let start = if abs.is_dir() { abs.as_path() } else { abs.parent().unwrap_or(&abs) };
        if let Some((path, settings)) = nearest(start)? {
            match &found {
                Some((first, _)) if *first != path => {
                    return Err(ConfigError::Conflict { first: first.clone(), second: path });
                }
                Some(_) => {}
                None => found = Some((path, settings)),
            }
        }
    }
    match found {
        Some(f) => Ok(Some(f)),
        None => nearest(&std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf())),
    }
}

/// The first `pyproject.toml` with `[tool.uniabi]` in `dir` or above it.
fn nearest(dir: &Path) -> Result<Option<(PathBuf, Settings)>, ConfigError> {
    for d in dir.ancestors() {
        let candidate = d.join(PYPROJECT);
        if candidate.is_file()
            && let Some(settings) = read_table(&candidate)?
        {
            return Ok(Some((candidate, settings)));
        }
    }
    Ok(None)
}

/// Read `[tool.uniabi]` from one file: `None` when the file has no such table.
pub fn read_table(path: &Path) -> Result<Option<Settings>, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    parse(&text, path)
}

/// Parse the text of a `pyproject.toml` (named `path` in errors).
pub fn parse(text: &str, path: &Path) -> Result<Option<Settings>, ConfigError> {
    let doc: toml::Table = toml::from_str(text)
        .map_err(|e| ConfigError::Toml { path: path.to_path_buf(), message: one_line(e.message()) })?;
    let Some(table) = doc.get("tool").and_then(|t| t.get("uniabi")) else { return Ok(None) };
    let raw = RawSettings::deserialize(table.clone())
        .map_err(|e| ConfigError::Table { path: path.to_path_buf(), message: one_line(e.message()) })?;
    typed(raw, path).map(Some)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Type every value: each must name something uniabi knows, so a typo is an error, not a no-op.
fn typed(raw: RawSettings, path: &Path) -> Result<Settings, ConfigError> {
    let bad = |key, value: &str, reason: String| ConfigError::Value {
        path: path.to_path_buf(),
        key,
        value: value.to_string(),
        reason,
    };
    let abi = match &raw.abi {
        Some(abi) => Some(abi.parse::<AbiChoice>().map_err(|e| bad("abi", abi, e.to_string()))?),
        None => None,
    };
    let mut ignore = Vec::new();
    for name in &raw.ignore {
        let why = || "not one of check's finding codes (the findings table in docs/ lists them)".to_string();
        ignore.push(code(name).ok_or_else(|| bad("ignore", name, why()))?);
    }
    for (symbol, reason) in &raw.allow {
        if reason.trim().is_empty() {
            return Err(bad("allow", symbol, "give the reason the symbol is safe to import".into()));
        }
    }
    let merge_scheme = match &raw.merge_scheme {
        Some(scheme) => Some(Scheme::from_str(scheme, false).map_err(|_| {
            let mut names: Vec<String> = Scheme::value_variants()
                .iter()
                .filter_map(|v| Some(v.to_possible_value()?.get_name().to_string()))
                .collect();
            let last = names.pop().unwrap_or_default();
            let expected = format!("{} or {last}", names.join(", "));
            bad("merge-scheme", scheme, format!("unknown scheme '{scheme}': expected {expected}"))
        })?),
        None => None,
    };
    let metadata_from = match &raw.metadata_from {
        Some(m) if m.trim().is_empty() => {
            return Err(bad("metadata-from", m, "use \"refuse\" or a pattern naming one input wheel".into()));
        }
        Some(m) => Some(MetadataFrom::parse(m)),
        None => None,
    };
    Ok(Settings { abi, ignore, allow: raw.allow, merge_scheme, metadata_from })
}

/// The finding code `s` spells, if it is one of `check`'s ([`crate::check::Code`]).
pub fn code(s: &str) -> Option<crate::check::Code> {
    crate::check::Code::ALL.iter().copied().find(|c| c.as_str() == s)
}

/// Parse `SYMBOL=REASON` (the `--allow` flag).
pub fn parse_allow(s: &str) -> Result<(String, String), FlagError> {
    match s.split_once('=') {
        Some((symbol, reason)) if !symbol.trim().is_empty() && !reason.trim().is_empty() => {
            Ok((symbol.trim().to_string(), reason.trim().to_string()))
        }
        _ => Err(FlagError::Allow(s.to_string())),
    }
}

/// Parse a finding code (the `--ignore` flag).
pub fn parse_code(s: &str) -> Result<crate::check::Code, FlagError> {
    code(s).ok_or_else(|| FlagError::Code(s.to_string()))
}

/// Whether a file name matches a pattern of literal characters, `*` (any run) and `?` (one character).
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("proj/pyproject.toml")
    }

    #[test]
    fn ok_reads_every_key() {
        let s = parse(
            "[project]\nname = \"x\"\n[tool.uniabi]\nabi = \"abi3t\"\nignore = [\"no-free-threaded\"]\n\
             merge-scheme = \"fat\"\nmetadata-from = \"*-cp314-*\"\n[tool.uniabi.allow]\nPyFoo = \"only on 3.13\"\n",
            p(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.abi, Some("abi3t".parse().unwrap()));
        assert_eq!(s.ignore, [Code::NoFreeThreaded]);
        assert_eq!(s.allow["PyFoo"], "only on 3.13");
        assert_eq!(s.merge_scheme, Some(Scheme::Fat));
        assert_eq!(s.metadata_from, Some(MetadataFrom::Input("*-cp314-*".into())));
        let refuse = parse("[tool.uniabi]\nmetadata-from = \"refuse\"\n", p()).unwrap().unwrap();
        assert_eq!(refuse.metadata_from, Some(MetadataFrom::Refuse));
    }

    #[test]
    fn ok_no_table_is_none() {
        assert_eq!(parse("[tool.maturin]\nbindings = \"bin\"\n", p()).unwrap(), None);
    }

    #[test]
    fn err_unknown_key_is_named() {
        let e = parse("[tool.uniabi]\nabii = \"abi3\"\n", p()).unwrap_err().to_string();
        assert!(e.starts_with("proj/pyproject.toml: [tool.uniabi]: unknown field `abii`"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn err_bad_values_are_named() {
        let e = parse("[tool.uniabi]\nabi = \"abi4\"\n", p()).unwrap_err().to_string();
        assert!(e.starts_with("proj/pyproject.toml: [tool.uniabi] abi = \"abi4\": 'abi4' is not an ABI"), "{e}");
        let e = parse("[tool.uniabi]\nmerge-scheme = \"thin\"\n", p()).unwrap_err().to_string();
        assert!(e.contains("merge-scheme = \"thin\": unknown scheme 'thin'"), "{e}");
        let e = parse("[tool.uniabi]\nignore = [\"No Free\"]\n", p()).unwrap_err().to_string();
        assert!(e.contains("ignore = \"No Free\": not one of check's finding codes"), "{e}");
        // A well-formed name that is not a code is refused too.
        let e = parse("[tool.uniabi]\nignore = [\"no-such-code\"]\n", p()).unwrap_err().to_string();
        assert!(e.contains("ignore = \"no-such-code\": not one of check's finding codes"), "{e}");
        let e = parse("[tool.uniabi.allow]\nPyFoo = \" \"\n", p()).unwrap_err().to_string();
        assert!(e.contains("allow = \"PyFoo\": give the reason"), "{e}");
        let e = parse("[tool.uniabi]\nignore = \"dead-tag\"\n", p()).unwrap_err().to_string();
        assert!(e.contains("invalid type"), "{e}");
        let e = parse("[tool.uniabi\n", p()).unwrap_err().to_string();
        assert!(e.starts_with("proj/pyproject.toml: not valid TOML"), "{e}");
    }

    #[test]
    fn ok_patterns() {
        assert!(matches("*-cp314-cp314-*", "psutil-7.1.2-cp314-cp314-win_amd64.whl"));
        assert!(matches("a?c", "abc"));
        assert!(matches("*", ""));
        assert!(!matches("*-cp313-*", "psutil-7.1.2-cp314-cp314-win_amd64.whl"));
        assert!(!matches("a?c", "ac"));
    }

    #[test]
    fn ok_flag_parsers() {
        assert_eq!(parse_allow("PyFoo=only on 3.13").unwrap(), ("PyFoo".into(), "only on 3.13".into()));
        assert!(parse_allow("PyFoo").is_err());
        assert!(parse_allow("PyFoo=").is_err());
        assert!(parse_code("dead-tag").is_ok());
        assert!(parse_code("Dead_tag").is_err());
    }

    #[test]
    fn ok_discover_walks_up_from_inputs_then_cwd() {
        let dir = std::env::temp_dir().join(format!("uniabi-config-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/dist")).unwrap();
        std::fs::create_dir_all(dir.join("b/dist")).unwrap();
        std::fs::create_dir_all(dir.join("c")).unwrap();
        std::fs::write(dir.join("a/pyproject.toml"), "[tool.uniabi]\nabi = \"abi3\"\n").unwrap();
        std::fs::write(dir.join("a/dist/pyproject.toml"), "[project]\nname = \"no-table-here\"\n").unwrap();
        std::fs::write(dir.join("b/pyproject.toml"), "[tool.uniabi]\nabi = \"abi3t\"\n").unwrap();
        std::fs::write(dir.join("a/dist/x.whl"), "").unwrap();
        std::fs::write(dir.join("b/dist/y.whl"), "").unwrap();
        let a = std::fs::canonicalize(dir.join("a")).unwrap();

        let (path, s) = discover(&[dir.join("a/dist/x.whl")], &dir.join("c")).unwrap().unwrap();
        assert_eq!((path, s.abi), (a.join("pyproject.toml"), Some("abi3".parse().unwrap())));
        let e = discover(&[dir.join("a/dist/x.whl"), dir.join("b/dist/y.whl")], &dir).unwrap_err();
        assert!(matches!(e, ConfigError::Conflict { .. }), "{e}");
        let (path, _) = discover(&[dir.join("c")], &dir.join("b/dist")).unwrap().unwrap();
        assert!(path.ends_with("b/pyproject.toml"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
