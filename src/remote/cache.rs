//! The analysis cache: per remote wheel, keyed by the sha256 the index (or the
//! URL's `#sha256=`) claims, the result of reading it (small JSON), never the
//! wheel. Beside it, index pages with their HTTP validators, so the next run
//! asks the index only whether a page changed (a 304 reuses the stored page).
//!
//! A claim is not proof: an index can list a false sha256, or two wheels under
//! one. So an entry carries the [`Proof`] of the bytes it was computed from
//! (the wheel's file name, size and the [`Fingerprint`] of its central
//! directory), and a hit is taken only when the input's own central directory,
//! fetched again with one bounded range request, has that fingerprint
//! ([`load`]). An entry whose file was read whole, its sha256 checked, is never
//! replaced by one that was not.
//!
//! An entry is written to a temporary file and renamed into place, so a run
//! that stops leaves no half-written entry. An entry that does not parse, was
//! written by another uniabi version, names another sha256 or does not match
//! the input's bytes is ignored and replaced, never trusted. Nothing stored
//! holds a credential: entries hold no URL, and a stored page's URLs are
//! [redacted](super::auth::redact).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::auth::redact;
use super::http::{Client, RangeReply};
use super::range::RemoteFile;
use crate::wheel::Fingerprint;

/// Bumped when the shape of an entry changes, or what reading a wheel yields (a binary's
/// role, which imports are CPython's) does: an older entry is then never read.
const LAYOUT: &str = "analysis-v3";

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
    proof: Proof,
    value: T,
}

/// What an entry was computed from: the wheel's file name and the fingerprint of the bytes read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub name: String,
    pub fingerprint: Fingerprint,
}

impl Proof {
    /// The proof of a reading of `file` with `fingerprint`; `None` for a URL that names no wheel.
    pub fn of(file: &RemoteFile, fingerprint: &Fingerprint) -> Option<Proof> {
        Some(Proof { name: super::download::wheel_name(&file.url)?, fingerprint: fingerprint.clone() })
    }

    /// Whether `file` now holds the bytes this proof was made from: its name
    /// and size agree, and its central directory to the end, fetched again
    /// (one bounded range request), has the same sha256.
    fn holds_for(&self, client: &Client, file: &RemoteFile) -> bool {
        let f = &self.fingerprint;
        if super::download::wheel_name(&file.url).as_deref() != Some(self.name.as_str())
            || file.size.is_some_and(|s| s != f.size)
            || f.directory_start >= f.size
        {
            return false;
        }
        let sha = |bytes: &[u8]| hex(&Sha256::digest(bytes));
        match client.get_range(&file.url, (f.directory_start, f.size, f.size), false, None) {
            Ok(RangeReply::Partial(tail)) => sha(&tail) == f.directory_sha256,
            Ok(RangeReply::Whole(all)) => {
                all.len() as u64 == f.size && sha(&all[f.directory_start as usize..]) == f.directory_sha256
            }
            Ok(RangeReply::Refused) | Err(_) => false,
        }
    }
}

/// Where the entry of one wheel and kind of reading lives.
pub fn entry_path(dir: &Path, sha256: &str, kind: &str) -> Option<PathBuf> {
    let sha = sha256.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(dir.join(LAYOUT).join(&sha[..2]).join(format!("{sha}.{kind}.json")))
}

/// A sound entry for `sha256` and `kind`, with its proof (not yet checked against any input).
fn read_entry<T: DeserializeOwned>(dir: &Path, sha256: &str, kind: &str) -> Option<Envelope<T>> {
    let path = entry_path(dir, sha256, kind)?;
    let text = std::fs::read(&path).ok()?;
    let env: Envelope<T> = serde_json::from_slice(&text).ok()?;
    (env.uniabi == env!("CARGO_PKG_VERSION") && env.sha256.eq_ignore_ascii_case(sha256) && env.kind == kind)
        .then_some(env)
}

/// The cached value of reading `file` (stored under the sha256 it claims), if
/// a sound entry is there and its proof holds for `file`'s bytes now.
pub fn load<T: DeserializeOwned>(client: &Client, dir: &Path, file: &RemoteFile, kind: &str) -> Option<T> {
    let env: Envelope<T> = read_entry(dir, file.sha256.as_deref()?, kind)?;
    env.proof.holds_for(client, file).then_some(env.value)
}

/// Store the value of reading `file`, with the proof of the bytes it came
/// from. An entry whose file's sha256 was checked is not replaced by one
/// whose was not, from other bytes. Failures (read-only directory, full
/// disk) only lose the cache.
pub fn store<T: Serialize>(dir: &Path, file: &RemoteFile, kind: &str, proof: &Proof, value: &T) {
    let Some(sha256) = file.sha256.as_deref() else { return };
    let Some(path) = entry_path(dir, sha256, kind) else { return };
    if !proof.fingerprint.sha256_checked
        && let Some(old) = read_entry::<serde::de::IgnoredAny>(dir, sha256, kind)
        && old.proof.fingerprint.sha256_checked
        && old.proof != *proof
    {
        return;
    }
    let env = Envelope {
        uniabi: env!("CARGO_PKG_VERSION").to_string(),
        sha256: sha256.to_string(),
        kind: kind.to_string(),
        proof: proof.clone(),
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
    // Tracked while it exists, so that an interrupted run leaves no half entry behind.
    let Ok((file, _tracked)) =
        crate::cleanup::track(crate::cleanup::Kind::File, || std::fs::File::create(&tmp), |_| tmp.clone())
    else {
        return;
    };
    let mut file = file;
    let written = parts.iter().try_for_each(|part| file.write_all(part)).and_then(|()| file.flush());
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
    /// The URL asked for (the key), redacted.
    url: String,
    /// The URL after redirects (links on the page are relative to it), redacted.
    final_url: String,
    content_type: String,
    validators: super::http::Validators,
    length: u64,
    sha256: String,
}

/// Where the stored page for `url` lives (keyed by the URL redacted: no secret in a key).
pub fn page_path(dir: &Path, url: &str) -> PathBuf {
    let key = hex(&Sha256::digest(redact(url).as_bytes()));
    dir.join(PAGES).join(&key[..2]).join(format!("{key}.page"))
}

/// The stored page for `url`, if a sound entry with validators is there.
pub fn load_page(dir: &Path, url: &str) -> Option<super::http::Page> {
    let data = std::fs::read(page_path(dir, url)).ok()?;
    let newline = data.iter().position(|&b| b == b'\n')?;
    let header: PageHeader = serde_json::from_slice(&data[..newline]).ok()?;
    let body = &data[newline + 1..];
    let sound = header.uniabi == env!("CARGO_PKG_VERSION")
        && header.url == redact(url)
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
        url: redact(url),
        // Links on the page are joined to its path, which redaction leaves as it is.
        final_url: redact(&page.url),
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

    fn file() -> RemoteFile {
        RemoteFile {
            url: "https://h/f/a-1.0-py3-none-any.whl".into(),
            size: Some(100),
            sha256: Some(SHA.into()),
            claim: Default::default(),
            whole: false,
        }
    }

    fn proof(checked: bool, digest: &str) -> Proof {
        let fingerprint =
            Fingerprint { directory_start: 60, size: 100, directory_sha256: digest.into(), sha256_checked: checked };
        Proof::of(&file(), &fingerprint).unwrap()
    }

    fn stored<T: DeserializeOwned>(d: &Path, kind: &str) -> Option<(Proof, T)> {
        read_entry::<T>(d, SHA, kind).map(|e| (e.proof, e.value))
    }

    #[test]
    fn ok_round_trip_and_kinds_apart() {
        let d = dir("rt");
        store(&d, &file(), "all", &proof(false, "ab"), &vec![1, 2, 3]);
        assert_eq!(stored::<Vec<i32>>(&d, "all"), Some((proof(false, "ab"), vec![1, 2, 3])));
        assert_eq!(stored::<Vec<i32>>(&d, "verified"), None);
        assert_eq!(proof(false, "ab").name, "a-1.0-py3-none-any.whl");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn ok_a_checked_entry_is_not_replaced_by_unchecked_other_bytes() {
        let d = dir("checked");
        store(&d, &file(), "all", &proof(true, "ab"), &1);
        store(&d, &file(), "all", &proof(false, "cd"), &2);
        assert_eq!(stored::<i32>(&d, "all"), Some((proof(true, "ab"), 1)));
        store(&d, &file(), "all", &proof(true, "cd"), &3);
        assert_eq!(stored::<i32>(&d, "all"), Some((proof(true, "cd"), 3)), "checked bytes replace it");
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
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None);
        let other = serde_json::json!({"uniabi": "0.0.0", "sha256": SHA, "kind": "all", "proof": proof(false, "ab"), "value": [1]});
        std::fs::write(&path, other.to_string()).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None);
        let unproven =
            serde_json::json!({"uniabi": env!("CARGO_PKG_VERSION"), "sha256": SHA, "kind": "all", "value": [1]});
        std::fs::write(&path, unproven.to_string()).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None, "an entry without a proof");
        store(&d, &file(), "all", &proof(false, "ab"), &vec![7]);
        assert_eq!(stored::<Vec<i32>>(&d, "all").map(|(_, v)| v), Some(vec![7]));
        assert!(entry_path(&d, "../../etc/passwd", "all").is_none());
        let _ = std::fs::remove_dir_all(&d);
    }
}
