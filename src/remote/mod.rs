//! Reading wheels where they live: wheel URLs, and projects resolved on a
//! package index (PEP 691 JSON, PEP 503 HTML), read by ranges.
//!
//! [`crate::input::resolve`] turns URLs and requirements into remote inputs,
//! each holding the run's [`Session`] (client, cache, progress) and what the
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

use crate::input::{Input, RemoteWheel, Source};
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
    /// Print what was fetched when the run ends (`--net-stats`).
    pub stats: bool,
    /// Download every remote wheel whole and check its sha256 (`--verify-sha256`).
    pub verify_sha256: bool,
}

/// The remote half of one run: the HTTP client (its counters), the cache
/// directory and the progress line. Every remote input holds it.
pub struct Session {
    pub client: Arc<Client>,
    /// The cache directory; `None` for `--no-cache`.
    pub cache: Option<PathBuf>,
    stats: bool,
    progress: indicatif::ProgressBar,
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
        Session { progress: progress(Arc::clone(&client)), client, cache: options.cache.clone(), stats: options.stats }
    }

    /// End the run's remote work: clear the progress line and, with
    /// `--net-stats`, print what was fetched.
    pub fn finish(&self) {
        if self.progress.is_finished() {
            return;
        }
        self.progress.finish_and_clear();
        if self.stats {
            eprintln!("uniabi: {}", self.client.stats.line());
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.progress.finish_and_clear();
    }
}

/// A progress line on a terminal (nothing on a pipe): wheels opened, bytes
/// fetched against the wheels' size, redrawn by a ticker thread.
fn progress(client: Arc<Client>) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let shown = bar.clone();
    std::thread::spawn(move || {
        while !shown.is_finished() {
            shown.set_message(client.stats.line());
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    });
    bar
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
    cache::load(&wheel.session.client, dir, &wheel.file, kind)
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

/// A remote wheel named by a URL argument: requested without its userinfo
/// (the session's credentials keep it), shown with it as `***`. A `#sha256=`
/// written on the command line is checked, so such a wheel is read whole (as
/// pip does); `--verify-sha256` reads every remote wheel whole.
pub fn url_input(arg: &str, session: &Arc<Session>, verify_sha256: bool) -> crate::input::Input {
    let (url, fragment) = arg.split_once('#').unwrap_or((arg, ""));
    let sha256 = fragment.strip_prefix("sha256=").map(str::to_string);
    let display = auth::redact(url);
    let filename = download::wheel_name(url).unwrap_or_else(|| display.clone());
    let whole = sha256.is_some() || verify_sha256;
    let url = session.client.credentials.adopt(url);
    let file = RemoteFile { url, size: None, sha256, claim: Claim::Url, whole };
    crate::input::Input {
        display,
        source: Source::Remote(RemoteWheel { file, filename, session: Arc::clone(session) }),
    }
}

/// A remote wheel an index listed, with its size and sha256.
pub fn index_input(f: index::IndexFile, session: &Arc<Session>, verify_sha256: bool) -> crate::input::Input {
    let url = session.client.credentials.adopt(&f.url);
    let display = auth::redact(&url);
    let file = RemoteFile { url, size: f.size, sha256: f.sha256, claim: Claim::Index, whole: verify_sha256 };
    crate::input::Input {
        display,
        source: Source::Remote(RemoteWheel { file, filename: f.filename, session: Arc::clone(session) }),
    }
}

/// A remote wheel a lock file lists, with the lock's size and sha256 (the
/// lock is the claim a whole read is checked against).
pub fn lock_input(
    url: &str,
    file: &crate::lock::LockedFile,
    session: &Arc<Session>,
    verify_sha256: bool,
) -> crate::input::Input {
    let url = session.client.credentials.adopt(url);
    let display = auth::redact(&url);
    let remote =
        RemoteFile { url, size: file.size, sha256: file.sha256.clone(), claim: Claim::Lock, whole: verify_sha256 };
    crate::input::Input {
        display,
        source: Source::Remote(RemoteWheel {
            file: remote,
            filename: file.filename.clone(),
            session: Arc::clone(session),
        }),
    }
}

/// The index URL to ask (`--index-url`, `UV_INDEX_URL`, `PIP_INDEX_URL`, PyPI),
/// its credentials kept by the session, without its userinfo.
pub fn index_for(session: &Session, flag: Option<&str>) -> String {
    session.client.credentials.adopt(&index::index_url(flag))
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

/// Whole local copies of the remote wheels among some inputs, for `merge`,
/// which copies members raw and so needs every byte. The copies live in a
/// temporary directory removed when this is dropped.
#[derive(Debug)]
pub struct WholeCopies {
    /// The inputs, each remote wheel replaced by its downloaded copy ([`Source::Fetched`]).
    pub inputs: Vec<Input>,
    /// Each remote wheel that could not be downloaded, and why.
    pub errors: Vec<(Input, DownloadError)>,
    _dir: Option<(tempfile::TempDir, crate::cleanup::Tracked)>,
}

/// Download every remote wheel among `inputs` whole (streamed, its sha256
/// checked against the index), in parallel; other inputs stay as they are.
pub fn download_whole(inputs: &[Input]) -> WholeCopies {
    let mut out = WholeCopies { inputs: inputs.to_vec(), errors: Vec::new(), _dir: None };
    let remote: Vec<(usize, &RemoteWheel)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| match &input.source {
            Source::Remote(w) => Some((i, w)),
            _ => None,
        })
        .collect();
    if remote.is_empty() {
        return out;
    }
    let tracked = crate::cleanup::track(
        crate::cleanup::Kind::TempDir,
        || download::temp_dir("uniabi-download"),
        |d| d.path().to_path_buf(),
    );
    let dir = match tracked {
        Ok(d) => d,
        Err(e) => {
            let path = std::env::temp_dir();
            let (i, _) = remote[0];
            out.errors.push((inputs[i].clone(), DownloadError::TempDir { path, source: e }));
            return out;
        }
    };
    // One subdirectory per wheel: two URLs may end in the same file name.
    let results = crate::pool::parallel_map(&remote, |(i, wheel)| {
        let sub = dir.0.path().join(i.to_string());
        let got = std::fs::create_dir(&sub)
            .map_err(|source| download::DownloadError::Io { path: sub.clone(), source })
            .and_then(|()| download::download(&wheel.session.client, &wheel.file, &sub));
        (*i, got)
    });
    for (i, got) in results {
        match got {
            Ok(copy) => {
                let Source::Remote(wheel) = &inputs[i].source else { continue };
                out.inputs[i].source = Source::Fetched { wheel: wheel.clone(), copy };
            }
            Err(e) => out.errors.push((inputs[i].clone(), e)),
        }
    }
    out._dir = Some(dir);
    out
}
