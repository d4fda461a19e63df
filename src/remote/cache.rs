//! The analysis cache: per remote wheel, keyed by the sha256 the index (or the
//! URL's `#sha256=`) claims, the result of reading it (gzip-compressed JSON),
//! never the wheel. Beside it, what the index reader keeps of each page (its
//! files, compressed too) with the page's HTTP validators and freshness: a page
//! still fresh is used without asking (`--refresh` asks anyway), and a stale one
//! is revalidated (a 304 reuses it).
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
//! that stops leaves no half-written entry. An entry that does not inflate
//! (gzip checks its CRC-32 and length) or parse, was
//! written by another uniabi version, names another sha256 or does not match
//! the input's bytes is ignored and replaced, never trusted. Nothing stored
//! holds a credential: entries hold no URL, a stored page is keyed by its URL
//! [redacted](super::auth::redact), and its reader keeps no file URL that carries one.

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
const LAYOUT: &str = "analysis-v4";

/// The most bytes an entry or a stored page may inflate to: far above any real one
/// (a torch reading is tens of MB), so a planted entry cannot exhaust memory.
const INFLATED_LIMIT: u64 = 1 << 30;

/// `bytes` gzip-compressed (a fast level: entries are written once per wheel, read often).
fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 6), flate2::Compression::new(6));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// The bytes of a gzip stream, if it is whole (its CRC-32 and length check) and inflates
/// to at most `limit` bytes; `None` for anything else.
fn gunzip(data: &[u8], limit: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    // gzip's last four bytes are the length inflated (mod 2^32): room for it at once, within the limit.
    let stated = data
        .len()
        .checked_sub(4)
        .and_then(|at| data.get(at..))
        .map_or(0, |b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    let mut out = Vec::with_capacity(usize::try_from(stated.min(limit)).unwrap_or(0));
    let decoder = flate2::read::GzDecoder::new(data);
    decoder.take(limit.saturating_add(1)).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= limit).then_some(out)
}

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
    Some(dir.join(LAYOUT).join(&sha[..2]).join(format!("{sha}.{kind}.json.gz")))
}

/// A sound entry for `sha256` and `kind`, with its proof (not yet checked against any input).
fn read_entry<T: DeserializeOwned>(dir: &Path, sha256: &str, kind: &str) -> Option<Envelope<T>> {
    let path = entry_path(dir, sha256, kind)?;
    let text = gunzip(&std::fs::read(&path).ok()?, INFLATED_LIMIT)?;
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
    let Some(bytes) = serde_json::to_vec(&env).ok().and_then(|json| gzip(&json)) else { return };
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
const PAGES: &str = "index-pages-v3";

/// What precedes what is kept of a page (one JSON line; what is kept follows as
/// gzip-compressed JSON): where it came from, its validators and freshness, when
/// it was received, and the kept JSON's length and sha256, so a cut or altered
/// entry is never taken for the page.
#[derive(Serialize, Deserialize)]
struct PageHeader {
    uniabi: String,
    /// The URL asked for (the key), redacted.
    url: String,
    validators: super::http::Validators,
    freshness: super::http::Freshness,
    /// When the page was received or last revalidated (seconds since the epoch).
    received: u64,
    length: u64,
    sha256: String,
}

/// What was kept of a page (its files as the reader uses them), with what asking again
/// needs, and whether it may still be used without asking the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage<T> {
    pub kept: T,
    pub validators: super::http::Validators,
    pub freshness: super::http::Freshness,
    /// Its lifetime has not run out since it was received: the one its `Cache-Control`
    /// gave, or, when the server stated none, the `fallback` [`load_page`] was given.
    pub fresh: bool,
}

/// The environment variable read for index pages' lifetime when `--index-max-age` is not given.
pub const INDEX_MAX_AGE_ENV: &str = "UNIABI_INDEX_MAX_AGE";

/// A lifetime as `--index-max-age` takes it, in seconds: `600`, `90s`, `10m`, `12h`, `7d`.
pub fn parse_lifetime(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let unit: u64 = match &t[digits..] {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match t[..digits].parse::<u64>() {
        Ok(n) if unit > 0 => {
            n.checked_mul(unit).ok_or_else(|| format!("'{text}' is longer than any lifetime this can keep"))
        }
        _ => Err(format!("'{text}' is not a duration: give seconds, or a number with s, m, h or d (10m, 12h, 7d)")),
    }
}

/// Seconds since the epoch, now.
fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Where the stored page for `url` lives (keyed by the URL redacted: no secret in a key).
pub fn page_path(dir: &Path, url: &str) -> PathBuf {
    let key = hex(&Sha256::digest(redact(url).as_bytes()));
    dir.join(PAGES).join(&key[..2]).join(format!("{key}.page"))
}

/// What is kept of the page at `url`, if a sound entry is there, and whether it is still
/// fresh: within the lifetime the server gave, or `fallback` seconds when it
/// stated none (`--index-max-age`; never over a `no-cache` or `max-age=0`).
pub fn load_page<T: DeserializeOwned>(dir: &Path, url: &str, fallback: u64) -> Option<StoredPage<T>> {
    let data = std::fs::read(page_path(dir, url)).ok()?;
    let newline = data.iter().position(|&b| b == b'\n')?;
    let header: PageHeader = serde_json::from_slice(&data[..newline]).ok()?;
    let lifetime = if header.freshness.stated { header.freshness.lifetime } else { fallback };
    // A page received "in the future" (a clock set back) is not trusted to be fresh.
    let age = now().checked_sub(header.received);
    let fresh = age.is_some_and(|age| age < lifetime);
    // A stale page that cannot be revalidated is of no use: what was kept is not even read.
    let usable = fresh || header.validators.any();
    let sound = header.uniabi == env!("CARGO_PKG_VERSION") && header.url == redact(url) && !header.freshness.no_store;
    if !(sound && usable) {
        return None;
    }
    let json = gunzip(&data[newline + 1..], header.length)?;
    if header.length != json.len() as u64 || header.sha256 != hex(&Sha256::digest(&json)) {
        return None;
    }
    let kept = serde_json::from_slice(&json).ok()?;
    Some(StoredPage { kept, validators: header.validators, freshness: header.freshness, fresh })
}

/// Keep what the reader uses of a page fetched (or revalidated) from `url` just
/// now, whatever its headers (a page without validators or a lifetime can still
/// serve within `--index-max-age`); a `no-store` one is not kept, and removes
/// what was kept. `kept` must hold no credential: the caller leaves such URLs out.
pub fn store_page<T: Serialize>(
    dir: &Path,
    url: &str,
    validators: &super::http::Validators,
    freshness: super::http::Freshness,
    kept: &T,
) {
    let path = page_path(dir, url);
    if freshness.no_store {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let Ok(json) = serde_json::to_vec(kept) else { return };
    let header = PageHeader {
        uniabi: env!("CARGO_PKG_VERSION").to_string(),
        url: redact(url),
        validators: validators.clone(),
        freshness,
        received: now(),
        length: json.len() as u64,
        sha256: hex(&Sha256::digest(&json)),
    };
    let Ok(mut line) = serde_json::to_vec(&header) else { return };
    line.push(b'\n');
    let Some(body) = gzip(&json) else { return };
    write_atomically(&path, &[&line, &body]);
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
        use super::super::http::{Freshness, Validators};
        let d = dir("pages");
        let url = "https://pypi.org/simple/psutil/";
        let kept: Vec<String> = (0..100).map(|i| format!("psutil-7.1.{i}.tar.gz")).collect();
        let etag = Validators { etag: Some("\"abc\"".into()), last_modified: None };
        let stored = |fallback| load_page::<Vec<String>>(&d, url, fallback);
        store_page(&d, url, &etag, Freshness::default(), &kept);
        let page =
            StoredPage { kept: kept.clone(), validators: etag.clone(), freshness: Freshness::default(), fresh: false };
        assert_eq!(stored(0), Some(page));
        assert_eq!(load_page::<Vec<String>>(&d, "https://pypi.org/simple/numpy/", 0), None);
        let path = page_path(&d, url);
        let good = std::fs::read(&path).unwrap();
        let json = serde_json::to_vec(&kept).unwrap().len();
        assert!(good.len() < 250 + json / 4, "kept compressed: {} bytes for {json}", good.len());
        std::fs::write(&path, &good[..good.len() - 3]).unwrap();
        assert_eq!(stored(0), None, "a cut entry");
        let mut altered = good.clone();
        let at = altered.len() - 12;
        altered[at] ^= 0x40;
        std::fs::write(&path, &altered).unwrap();
        assert_eq!(stored(0), None, "a flipped byte");
        let newline = good.iter().position(|&b| b == b'\n').unwrap();
        let mut other = good[..=newline].to_vec();
        other.extend(gzip(b"[\"psutil-0.1.tar.gz\"]").unwrap());
        std::fs::write(&path, &other).unwrap();
        assert_eq!(stored(0), None, "a whole gzip stream of other files");
        // No validators and no lifetime: kept, fresh only within the lifetime the user sets.
        let none = Validators::default();
        store_page(&d, url, &none, Freshness::default(), &kept);
        assert!(path.exists());
        assert_eq!(stored(0), None, "asked for every run by default (nothing to revalidate with)");
        assert_eq!(stored(600).map(|p| p.fresh), Some(true), "--index-max-age 600");
        let lasting = Freshness { lifetime: 600, no_store: false, stated: true };
        store_page(&d, url, &none, lasting, &kept);
        assert_eq!(stored(0).map(|p| (p.fresh, p.freshness)), Some((true, lasting)), "fresh for 600 s");
        let spent = Freshness { lifetime: 0, no_store: false, stated: true };
        store_page(&d, url, &etag, spent, &kept);
        assert_eq!(stored(0).map(|p| p.fresh), Some(false), "revalidated each time");
        assert_eq!(stored(86_400).map(|p| p.fresh), Some(false), "the index's max-age=0 wins");
        store_page(&d, url, &etag, Freshness { lifetime: 600, no_store: true, stated: true }, &kept);
        assert!(!path.exists(), "no-store removes what was kept");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn ok_lifetimes_parse_and_bad_ones_are_named() {
        assert_eq!(parse_lifetime("600"), Ok(600));
        assert_eq!(parse_lifetime("90s"), Ok(90));
        assert_eq!(parse_lifetime("10m"), Ok(600));
        assert_eq!(parse_lifetime("12h"), Ok(43_200));
        assert_eq!(parse_lifetime(" 7d "), Ok(604_800));
        for bad in ["", "soon", "10 m", "-5", "1w", "h"] {
            let e = parse_lifetime(bad).unwrap_err();
            assert!(e.starts_with(&format!("'{bad}' is not a duration")), "{e}");
        }
        assert!(parse_lifetime("99999999999999999999d").is_err());
    }

    #[test]
    fn err_corrupt_or_foreign_entries_are_ignored() {
        let d = dir("bad");
        let path = entry_path(&d, SHA, "all").unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, gzip(b"{\"uniabi\": trunc").unwrap()).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None);
        let other = serde_json::json!({"uniabi": "0.0.0", "sha256": SHA, "kind": "all", "proof": proof(false, "ab"), "value": [1]});
        std::fs::write(&path, gzip(other.to_string().as_bytes()).unwrap()).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None);
        let unproven =
            serde_json::json!({"uniabi": env!("CARGO_PKG_VERSION"), "sha256": SHA, "kind": "all", "value": [1]});
        std::fs::write(&path, gzip(unproven.to_string().as_bytes()).unwrap()).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None, "an entry without a proof");
        store(&d, &file(), "all", &proof(false, "ab"), &vec![7]);
        assert_eq!(stored::<Vec<i32>>(&d, "all").map(|(_, v)| v), Some(vec![7]));
        // Compressed, a cut or flipped byte fails gzip's CRC-32 or length; plain JSON is not read.
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None, "a cut entry");
        let mut flipped = good.clone();
        let at = flipped.len() - 9;
        flipped[at] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None, "a flipped byte");
        let plain = serde_json::json!({"uniabi": env!("CARGO_PKG_VERSION"), "sha256": SHA, "kind": "all", "proof": proof(false, "ab"), "value": [7]});
        std::fs::write(&path, plain.to_string()).unwrap();
        assert_eq!(stored::<Vec<i32>>(&d, "all"), None, "an uncompressed entry");
        assert_eq!(gunzip(&gzip(&[0; 4096]).unwrap(), 4095), None, "more than the limit inflates");
        assert!(entry_path(&d, "../../etc/passwd", "all").is_none());
        let _ = std::fs::remove_dir_all(&d);
    }
}
