//! The analysis cache: per remote wheel, keyed by the index's sha256, the
//! result of reading it (small JSON), never the wheel.

use std::path::PathBuf;

/// `$XDG_CACHE_HOME/uniabi`, else `~/.cache/uniabi`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("uniabi"))
}
