//! The analysis cache: per remote wheel, keyed by the index's sha256, the
//! result of reading it (small JSON), never the wheel. Beside it, index pages
//! with their HTTP validators, so the next run asks the index only whether a
//! page changed (a 304 reuses the stored page).
//!
//! An entry is written to a temporary file and renamed into place, so a run
//! that stops leaves no half-written entry. An entry that does not parse, was
//! written by another uniabi version or names another sha256 is ignored and
//! replaced, never trusted.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    let Some(path) = entry_path(dir, sha256, kind) else { return };
    let env = Envelope {
        uniabi: env!("CARGO_PKG_VERSION").to_string(),
        sha256: sha256.to_string(),
        kind: kind.to_string(),
        value,
    };
    let Ok(bytes) = serde_json::to_vec(&env) else { return };
    write_atomically(&path, &[&bytes]);
}

/// Write `parts` to a temporary file beside `path` and rename it into place;
/// on any failure remove the temporary file and leave `path` as it was.
fn write_atomically(path: &Path, parts: &[&[u8]]) {
    use std::io::Write;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(parent) = path.parent() else { return };
    if std::fs::create_dir_all(parent).is_err() {
        return;
    }
    let tmp = parent.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        for part in parts {
            f.write_all(part)?;
        }
        f.flush()
    });
    if written.is_ok() && std::fs::rename(&tmp, path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

/// Bumped when the layout of a stored index page changes.
const PAGES: &str = "index-pages-v1";

/// What precedes a stored page's body (one JSON line): where it came from, its
/// validators, and the body's length and sha256, so a cut or altered entry is
/// never taken for the page.
#[derive(Serialize, Deserialize)]
struct PageHeader {
    uniabi: String,
    /// The URL asked for (the key).
    url: String,
    /// The URL after redirects (links on the page are relative to it).
    final_url: String,
    content_type: String,
    validators: super::http::Validators,
    length: u64,
    sha256: String,
}

/// Where the stored page for `url` lives.
pub fn page_path(dir: &Path, url: &str) -> PathBuf {
    let key = hex(&Sha256::digest(url.as_bytes()));
    dir.join(PAGES).join(&key[..2]).join(format!("{key}.page"))
}

/// The stored page for `url`, if a sound entry with validators is there.
pub fn load_page(dir: &Path, url: &str) -> Option<super::http::Page> {
    let data = std::fs::read(page_path(dir, url)).ok()?;
    let newline = data.iter().position(|&b| b == b'\n')?;
    let header: PageHeader = serde_json::from_slice(&data[..newline]).ok()?;
    let body = &data[newline + 1..];
    let sound = header.uniabi == env!("CARGO_PKG_VERSION")
        && header.url == url
        && header.length == body.len() as u64
        && header.sha256 == hex(&Sha256::digest(body))
        && header.validators.any();
    sound.then(|| super::http::Page {
        url: header.final_url,
        content_type: header.content_type,
        body: body.to_vec(),
        validators: header.validators,
    })
}

/// Store a page fetched from `url` (only one with validators: nothing else could be revalidated).
pub fn store_page(dir: &Path, url: &str, page: &super::http::Page) {
    if !page.validators.any() {
        return;
    }
    let header = PageHeader {
        uniabi: env!("CARGO_PKG_VERSION").to_string(),
        url: url.to_string(),
        final_url: page.url.clone(),
        content_type: page.content_type.clone(),
        validators: page.validators.clone(),
        length: page.body.len() as u64,
        sha256: hex(&Sha256::digest(&page.body)),
    };
    let Ok(mut line) = serde_json::to_vec(&header) else { return };
    line.push(b'\n');
    write_atomically(&page_path(dir, url), &[&line, &page.body]);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    fn ok_pages_round_trip_and_a_cut_or_altered_page_is_ignored() {
        use super::super::http::{Page, Validators};
        let d = dir("pages");
        let url = "https://pypi.org/simple/psutil/";
        let page = Page {
            url: url.into(),
            content_type: "application/vnd.pypi.simple.v1+json".into(),
            body: b"{\"files\": []}".to_vec(),
            validators: Validators { etag: Some("\"abc\"".into()), last_modified: None },
        };
        store_page(&d, url, &page);
        assert_eq!(load_page(&d, url), Some(page.clone()));
        assert_eq!(load_page(&d, "https://pypi.org/simple/numpy/"), None);
        let path = page_path(&d, url);
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, &good[..good.len() - 3]).unwrap();
        assert_eq!(load_page(&d, url), None, "a cut entry");
        let mut altered = good.clone();
        *altered.last_mut().unwrap() = b']';
        std::fs::write(&path, &altered).unwrap();
        assert_eq!(load_page(&d, url), None, "a body that is not the one stored");
        let bare = Page { validators: Validators::default(), ..page };
        let _ = std::fs::remove_dir_all(&d);
        store_page(&d, url, &bare);
        assert!(!path.exists(), "a page without validators is not stored");
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
