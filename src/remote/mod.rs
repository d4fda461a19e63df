//! Reading wheels where they live: wheel URLs, and projects resolved on a
//! package index (PEP 691 JSON, PEP 503 HTML), read by ranges.
//!
//! [`crate::input::resolve`] turns URLs and requirements into remote inputs,
//! each holding the run's [`Session`] (client, cache, counters) and what the
//! index says of the wheel (size, sha256); [`open_wheel`] then gives
//! [`crate::analysis`] a [`Wheel`] over a sparse remote reader, so local and
//! remote wheels go through the same analysis. [`download_whole`] fetches
//! whole copies for `merge`, which copies members raw.
//!
//! A URL is kept two ways: the URL requests go to (without userinfo, whose
//! credentials [`auth`] keeps apart), and its [redacted](auth::redact) form,
//! which every report, error and cache shows.

pub mod auth;
pub mod cache;
pub mod download;
pub mod http;
pub mod index;
pub mod range;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::wheel::{Limits, Wheel, WheelError};
pub use download::DownloadError;
use http::{Client, ClientOptions};
use index::Filters;
pub use range::RemoteFile;
use range::{Claim, RemoteZip};

/// What the command line asked of remote inputs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--index-url`; else `UV_INDEX_URL`, `PIP_INDEX_URL`, PyPI.
    pub index_url: Option<String>,
    pub filters: Filters,
    pub client: ClientOptions,
    /// The analysis cache directory; `None` for `--no-cache`.
    pub cache: Option<PathBuf>,
    /// Revalidate stored index pages even while their `Cache-Control` says they are fresh (`--refresh`).
    pub refresh: bool,
    /// How long a stored index page stays fresh when the index stated no lifetime
    /// (`--index-max-age`, `UNIABI_INDEX_MAX_AGE`); 0: ask the index every run.
    pub index_max_age: u64,
    /// Print what was fetched when the run ends (`--net-stats`).
    pub stats: bool,
    /// Download every remote wheel whole and check its sha256 (`--verify-sha256`).
    pub verify_sha256: bool,
}

/// The remote half of one run: the HTTP client (its counters) and the cache
/// directory. Every remote input holds it. What it fetched shows on the run's
/// progress line ([`crate::progress::detail`]).
pub struct Session {
    pub client: Arc<Client>,
    /// The cache directory; `None` for `--no-cache`.
    pub cache: Option<PathBuf>,
    /// `--refresh`: stored index pages are revalidated even while fresh.
    refresh: bool,
    /// `--index-max-age`: the lifetime of a stored page whose index stated none.
    index_max_age: u64,
    stats: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("cache", &self.cache).finish_non_exhaustive()
    }
}

impl Session {
    /// A session for these options (no request is made yet).
    pub fn new(options: &Options) -> Session {
        let client = Arc::new(Client::new(options.client.clone()));
        let counted = Arc::clone(&client);
        crate::progress::detail(move || {
            format!("{} fetched", http::mb(counted.stats.bytes.load(std::sync::atomic::Ordering::Relaxed)))
        });
        Session {
            client,
            cache: options.cache.clone(),
            refresh: options.refresh,
            index_max_age: options.index_max_age,
            stats: options.stats,
        }
    }

    /// Where index pages are kept between runs (none with `--no-cache`).
    pub fn pages(&self) -> Option<index::PageCache<'_>> {
        self.cache.as_deref().map(|dir| index::PageCache {
            dir,
            refresh: self.refresh,
            max_age: self.index_max_age,
            whole: false,
        })
    }

    /// With `--net-stats`, what the run fetched: `fetched 1.2 MB in 45 requests
    /// for 30 wheels of 120.0 MB (1.0 %)`.
    pub fn stats_line(&self) -> Option<String> {
        self.stats.then(|| self.client.stats.line())
    }
}

/// Open a remote wheel, fetching its central directory and the members
/// `wanted` selects (plus `.dist-info/WHEEL`, and RECORD when `record`); one
/// to be proven whole is downloaded whole instead.
pub fn open_wheel(
    wheel: &RemoteWheel,
    limits: Limits,
    wanted: &dyn Fn(&str) -> bool,
    record: bool,
) -> Result<Wheel, WheelError> {
    let file = &wheel.file;
    let path = Path::new(&wheel.filename);
    if file.whole {
        return open_whole(&wheel.session.client, path, file, limits);
    }
    let zip = RemoteZip::open(Arc::clone(&wheel.session.client), file.clone())
        .map_err(|e| WheelError::Remote(Box::new(e)))?;
    zip.check_overlaps()?;
    zip.prefetch(&|name: &str| {
        let dist = name.split('/').next().is_some_and(|d| d.ends_with(".dist-info")) && name.matches('/').count() == 1;
        wanted(name) || (dist && (name.ends_with("/WHEEL") || (record && name.ends_with("/RECORD"))))
    })
    .map_err(|e| WheelError::Remote(Box::new(e)))?;
    let mut opened = Wheel::from_reader(path, Box::new(zip.reader()), limits)?;
    // The zip reader found the directory where the fingerprint starts: it vouches for what was read.
    if opened.directory_start() == zip.fingerprint().directory_start {
        opened.fingerprint = Some(zip.fingerprint().clone());
    }
    Ok(opened)
}

/// Open a remote wheel downloaded whole into a temporary file, its sha256
/// checked against the claim (the full proof).
fn open_whole(client: &http::Client, path: &Path, file: &RemoteFile, limits: Limits) -> Result<Wheel, WheelError> {
    use sha2::Digest;
    use std::io::{Read, Seek};
    let remote = |e: DownloadError| WheelError::Remote(Box::new(e));
    let copy = download::whole_verified(client, file).map_err(remote)?;
    let mut tail = copy.try_clone().map_err(WheelError::Io)?;
    let size = copy.metadata().map_err(WheelError::Io)?.len();
    let mut wheel = Wheel::from_reader(path, Box::new(std::io::BufReader::new(copy)), limits)?;
    let start = wheel.directory_start();
    let mut directory = Vec::new();
    tail.seek(std::io::SeekFrom::Start(start))
        .and_then(|_| tail.read_to_end(&mut directory))
        .map_err(WheelError::Io)?;
    wheel.fingerprint = Some(crate::wheel::Fingerprint {
        directory_start: start,
        size,
        directory_sha256: range::hex(&sha2::Sha256::digest(&directory)),
        sha256_checked: true,
    });
    Ok(wheel)
}

/// The cached reading of a remote wheel, if one is stored under the sha256 it
/// claims and its proof holds for the wheel's bytes now (see [`cache`]). A
/// wheel to be read whole is never answered from the cache.
pub fn load_cached<T: serde::de::DeserializeOwned>(dir: &Path, wheel: &RemoteWheel, kind: &str) -> Option<T> {
    if wheel.file.whole {
        return None;
    }
    let client = &wheel.session.client;
    let value = cache::load(client, dir, &wheel.file, kind)?;
    // A wheel answered from the cache still counts among the wheels read, at its size.
    client.stats.wheels.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    client.stats.cached.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    client.stats.wheel_bytes.fetch_add(wheel.file.size.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
    Some(value)
}

/// Store the reading of a remote wheel with the fingerprint of the bytes it was read from.
pub fn store_cached<T: serde::Serialize>(
    dir: &Path,
    wheel: &RemoteWheel,
    kind: &str,
    fingerprint: &crate::wheel::Fingerprint,
    value: &T,
) {
    if let Some(proof) = cache::Proof::of(&wheel.file, fingerprint) {
        cache::store(dir, &wheel.file, kind, &proof, value);
    }
}

/// A wheel on a server, with what is known of it before it is read.
#[derive(Debug, Clone)]
pub struct RemoteWheel {
    /// The URL, size and sha256 (from the index, or the URL's `#sha256=`).
    pub file: RemoteFile,
    /// The wheel's file name (from the index, else the URL's last segment).
    pub filename: String,
    /// The run's client, cache and counters.
    pub session: Arc<Session>,
    /// Why the newest release of its project was passed over for this one's (`--newest-with-wheels`).
    pub passed_over: Option<Arc<str>>,
}

/// A remote wheel named by a URL argument, and how it is shown: requested
/// without its userinfo (the session's credentials keep it), shown with it as
/// `***`. A `#sha256=` written on the command line is checked, so such a wheel
/// is read whole (as pip does); `--verify-sha256` reads every remote wheel whole.
pub fn url_wheel(arg: &str, session: &Arc<Session>, verify_sha256: bool) -> (String, RemoteWheel) {
    let (url, fragment) = arg.split_once('#').unwrap_or((arg, ""));
    let sha256 = fragment.strip_prefix("sha256=").map(str::to_string);
    let display = auth::redact(url);
    let filename = download::wheel_name(url).unwrap_or_else(|| display.clone());
    let whole = sha256.is_some() || verify_sha256;
    let url = session.client.credentials.adopt(url);
    let file = RemoteFile { url, size: None, sha256, claim: Claim::Url, whole };
    (display, RemoteWheel { file, filename, session: Arc::clone(session), passed_over: None })
}

/// A remote wheel an index listed, with its size and sha256, and how it is shown.
pub fn index_wheel(f: index::IndexFile, session: &Arc<Session>, verify_sha256: bool) -> (String, RemoteWheel) {
    let url = session.client.credentials.adopt(&f.url);
    let display = auth::redact(&url);
    let file = RemoteFile { url, size: f.size, sha256: f.sha256, claim: Claim::Index, whole: verify_sha256 };
    (display, RemoteWheel { file, filename: f.filename, session: Arc::clone(session), passed_over: None })
}

/// A remote wheel a lock file lists at `url` as `filename`, with the lock's size
/// and sha256 (the lock is the claim a whole read is checked against), and how it is shown.
pub fn lock_wheel(
    url: &str,
    (filename, size, sha256): (&str, Option<u64>, Option<String>),
    session: &Arc<Session>,
    verify_sha256: bool,
) -> (String, RemoteWheel) {
    let url = session.client.credentials.adopt(url);
    let display = auth::redact(&url);
    let file = RemoteFile { url, size, sha256, claim: Claim::Lock, whole: verify_sha256 };
    (display, RemoteWheel { file, filename: filename.to_string(), session: Arc::clone(session), passed_over: None })
}

/// The index URL to ask (`--index-url`, `UV_INDEX_URL`, `PIP_INDEX_URL`, PyPI),
/// its credentials kept by the session, without its userinfo.
pub fn index_for(session: &Session, flag: Option<&str>) -> String {
    session.client.credentials.adopt(&index::index_url(flag))
}

/// How a project line names the index: `the default index` (PyPI), else its URL without credentials.
pub fn index_name(flag: Option<&str>) -> String {
    let url = index::index_url(flag);
    if url == index::DEFAULT_INDEX { "the default index".to_string() } else { auth::redact(&url) }
}

/// The warning for an index reached over plain http from elsewhere than this
/// machine: its pages, and the sha256 they list, can be altered on the way.
pub fn plain_http_warning(index: &str) -> Option<String> {
    let realm = auth::Realm::of(index)?;
    (realm.scheme() == "http" && !realm.is_local()).then(|| {
        format!(
            "the index {} is plain http: its pages and the sha256 they list can be altered on the way; use https",
            auth::redact(index)
        )
    })
}
