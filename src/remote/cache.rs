//! The analysis cache: per remote wheel, keyed by the index's sha256, the
//! result of reading it (small JSON), never the wheel.
//!
//! An entry is written to a temporary file and renamed into place, so a run
//! that stops leaves no half-written entry. An entry that does not parse, was
//! written by another uniabi version or names another sha256 is ignored and
//! replaced, never trusted.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Bumped when the shape of an entry changes, or what reading a wheel yields (a binary's
/// role, which imports are CPython's) does: an older entry is then never read.
const LAYOUT: &str = "analysis-v2";

/// `$XDG_CACHE_HOME/uniabi`, else `~/.cache/uniabi`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("uniabi"))
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    uniabi: String,
    sha256: String,
    kind: String,
    value: T,
}

/// Where the entry of one wheel and kind of reading lives.
pub fn entry_path(dir: &Path, sha256: &str, kind: &str) -> Option<PathBuf> {
    let sha = sha256.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(dir.join(LAYOUT).join(&sha[..2]).join(format!("{sha}.{kind}.json")))
}

/// The cached value, if a sound entry is there.
pub fn load<T: DeserializeOwned>(dir: &Path, sha256: &str, kind: &str) -> Option<T> {
    let path = entry_path(dir, sha256, kind)?;
    let text = std::fs::read(&path).ok()?;
    let env: Envelope<T> = serde_json::from_slice(&text).ok()?;
    (env.uniabi == env!("CARGO_PKG_VERSION") && env.sha256.eq_ignore_ascii_case(sha256) && env.kind == kind)
        .then_some(env.value)
}

/// Store a value; failures (read-only directory, full disk) only lose the cache.
pub fn store<T: Serialize>(dir: &Path, sha256: &str, kind: &str, value: &T) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(path) = entry_path(dir, sha256, kind) else { return };
    let Some(parent) = path.parent() else { return };
    if std::fs::create_dir_all(parent).is_err() {
        return;
    }
    let env = Envelope {
        uniabi: env!("CARGO_PKG_VERSION").to_string(),
        sha256: sha256.to_string(),
        kind: kind.to_string(),
        value,
    };
    let Ok(bytes) = serde_json::to_vec(&env) else { return };
    let tmp = parent.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "1469d254b9884f984026bd9b0fa5bbab477a4bfe558bba6848086f6d43eb5e73";

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("uniabi-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn ok_round_trip_and_kinds_apart() {
        let d = dir("rt");
        store(&d, SHA, "all", &vec![1, 2, 3]);
        assert_eq!(load::<Vec<i32>>(&d, SHA, "all"), Some(vec![1, 2, 3]));
        assert_eq!(load::<Vec<i32>>(&d, SHA, "verified"), None);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn err_corrupt_or_foreign_entries_are_ignored() {
        let d = dir("bad");
        let path = entry_path(&d, SHA, "all").unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{\"uniabi\": trunc").unwrap();
        assert_eq!(load::<Vec<i32>>(&d, SHA, "all"), None);
        let other = serde_json::json!({"uniabi": "0.0.0", "sha256": SHA, "kind": "all", "value": [1]});
        std::fs::write(&path, other.to_string()).unwrap();
        assert_eq!(load::<Vec<i32>>(&d, SHA, "all"), None);
        store(&d, SHA, "all", &vec![7]);
        assert_eq!(load::<Vec<i32>>(&d, SHA, "all"), Some(vec![7]));
        assert!(entry_path(&d, "../../etc/passwd", "all").is_none());
        let _ = std::fs::remove_dir_all(&d);
    }
}
