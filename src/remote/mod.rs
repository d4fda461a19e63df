//! Reading wheels where they live: wheel URLs, and projects resolved on a
//! package index (PEP 691 JSON, PEP 503 HTML), read by ranges.
//!
//! The command layer turns its arguments into paths with [`resolve`]: a local
//! path stays as it is (a local path always wins over a project name); a URL or
//! a requirement becomes one path per wheel, the wheel's URL, registered here
//! with what the index says of it (size, sha256). [`crate::analysis`] then
//! expands and opens those paths like any other; [`open_wheel`] gives it a
//! [`Wheel`] over a sparse remote reader, so local and remote wheels go through
//! the same analysis. A requirement that cannot be resolved is registered as a
//! failure under its own text, which `analysis::expand_paths` reports as that
//! input's one-line error.
//!
//! A URL is kept two ways: the URL requests go to (without userinfo, whose
//! credentials [`auth`] keeps apart), and its [redacted](auth::redact) form,
//! the path every report, error and cache shows.

pub mod auth;
pub mod cache;
pub mod download;
pub mod http;
pub mod index;
pub mod range;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::wheel::{Limits, Wheel, WheelError};
pub use download::DownloadError;
use http::{Client, ClientOptions};
use index::{Filters, IndexError, Requirement};
use range::{Claim, RemoteFile, RemoteZip};

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

/// What a remote path stands for.
#[derive(Debug, Clone)]
enum Entry {
    Wheel(RemoteFile),
    Failed(Arc<IndexError>),
    /// A requirement for which an installer finds no wheel (a finding, not an error).
    NoWheel(String),
}

struct Session {
    client: Arc<Client>,
    cache: Option<PathBuf>,
    stats: bool,
    progress: indicatif::ProgressBar,
    entries: Mutex<HashMap<PathBuf, Entry>>,
}

static SESSION: OnceLock<Session> = OnceLock::new();

fn session(options: &Options) -> &'static Session {
    SESSION.get_or_init(|| {
        let client = Arc::new(Client::new(options.client.clone()));
        Session {
            progress: progress(Arc::clone(&client)),
            client,
            cache: options.cache.clone(),
            stats: options.stats,
            entries: Mutex::new(HashMap::new()),
        }
    })
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

/// End the run's remote work: clear the progress line and, with
/// `--net-stats`, print what was fetched.
pub fn finish() {
    if let Some(s) = SESSION.get() {
        s.progress.finish_and_clear();
        if s.stats {
            eprintln!("uniabi: {}", s.client.stats.line());
        }
    }
}

/// The cache directory of this run, if caching is on.
pub fn cache_dir() -> Option<&'static Path> {
    SESSION.get().and_then(|s| s.cache.as_deref())
}

fn register(path: PathBuf, entry: Entry) {
    if let Some(s) = SESSION.get()
        && let Ok(mut map) = s.entries.lock()
    {
        map.insert(path, entry);
    }
}

/// What [`resolve`] decided for each argument, for the user (`note:` lines).
#[derive(Debug, Default)]
pub struct Resolved {
    /// The paths to analyse, in argument order.
    pub paths: Vec<PathBuf>,
    /// Arguments that could name a project but were read as local paths.
    pub local_wins: Vec<String>,
    /// Warnings about how the inputs are reached (a plain-http index).
    pub warnings: Vec<String>,
}

/// Turn arguments into paths: local paths as they are, a wheel URL as itself,
/// a requirement as the URLs of the wheels chosen on the index.
pub fn resolve(args: &[PathBuf], options: &Options) -> Resolved {
    let mut out = Resolved::default();
    if args.iter().all(|a| a.exists()) {
        // Only local paths: say so where the options ask for the index.
        let index_wanted =
            options.index_url.is_some() || options.filters.platform.is_some() || options.filters.python.is_some();
        out.paths = args.to_vec();
        if index_wanted {
            out.local_wins =
                args.iter().map(|a| a.to_string_lossy().into_owned()).filter(|a| could_be_project(a)).collect();
        }
        return out;
    }
    let s = session(options);
    let index = s.client.credentials.adopt(&index::index_url(options.index_url.as_deref()));
    let mut index_used = false;
    let mut filters = options.filters.clone();
    filters.releases = filters.releases.max(1);
    for arg in args {
        let text = arg.to_string_lossy().into_owned();
        if arg.exists() {
            if could_be_project(&text) {
                out.local_wins.push(text);
            }
            out.paths.push(arg.clone());
        } else if text.starts_with("https://") || text.starts_with("http://") {
            let (url, fragment) = text.split_once('#').unwrap_or((&text, ""));
            let sha256 = fragment.strip_prefix("sha256=").map(str::to_string);
            // Shown as given, its userinfo as `***`; requested without it.
            let path = PathBuf::from(auth::redact(url));
            let url = s.client.credentials.adopt(url);
            // A sha256 written on the command line is checked, so the wheel is read whole (as pip does).
            let whole = sha256.is_some() || options.verify_sha256;
            register(path.clone(), Entry::Wheel(RemoteFile { url, size: None, sha256, claim: Claim::Url, whole }));
            out.paths.push(path);
        } else if index::looks_like_requirement(&text) {
            index_used = true;
            let installer = match (&filters.installer, filters.python, &filters.platform) {
                (Some(how), Some(python), Some(platform)) => Some((*how, python, platform)),
                _ => None,
            };
            let chosen = text.parse::<Requirement>().and_then(|req| {
                let files = index::project_files(&s.client, &index, &req.name, s.cache.as_deref())?;
                match installer {
                    None => index::choose(&req.name, &req, &files, &filters).map(Ok),
                    Some((how, python, platform)) => {
                        Ok(match index::choose_installed(&req.name, &req, &files, python, platform, how)? {
                            index::Pick::Wheel(f) => Ok(vec![f]),
                            index::Pick::NoWheel(why) => Err(why),
                        })
                    }
                }
            });
            match chosen {
                Ok(Err(why)) => {
                    register(arg.clone(), Entry::NoWheel(why));
                    out.paths.push(arg.clone());
                }
                Ok(Ok(files)) => {
                    for f in files {
                        let url = s.client.credentials.adopt(&f.url);
                        let path = PathBuf::from(auth::redact(&url));
                        let (size, sha256, whole) = (f.size, f.sha256, options.verify_sha256);
                        register(
                            path.clone(),
                            Entry::Wheel(RemoteFile { url, size, sha256, claim: Claim::Index, whole }),
                        );
                        out.paths.push(path);
                    }
                }
                Err(e) => {
                    register(arg.clone(), Entry::Failed(Arc::new(e)));
                    out.paths.push(arg.clone());
                }
            }
        } else {
            out.paths.push(arg.clone());
        }
    }
    if index_used && let Some(warning) = plain_http_warning(&index) {
        out.warnings.push(warning);
    }
    out
}

/// The warning for an index reached over plain http from elsewhere than this
/// machine: its pages, and the sha256 they list, can be altered on the way.
fn plain_http_warning(index: &str) -> Option<String> {
    let realm = auth::Realm::of(index)?;
    (realm.scheme() == "http" && !realm.is_local()).then(|| {
        format!(
            "the index {} is plain http: its pages and the sha256 they list can be altered on the way; use https",
            auth::redact(index)
        )
    })
}

/// A bare name that is also a valid project name (`samples`, `psutil`).
fn could_be_project(arg: &str) -> bool {
    index::looks_like_requirement(arg) && arg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// What a path stands for, if [`resolve`] registered it: `Ok` a remote wheel,
/// `Err` the reason it could not be resolved.
pub fn lookup(path: &Path) -> Option<Result<RemoteFile, Arc<IndexError>>> {
    let s = SESSION.get()?;
    let map = s.entries.lock().ok()?;
    map.get(path).map(|e| match e {
        Entry::Wheel(f) => Ok(f.clone()),
        Entry::Failed(e) => Err(Arc::clone(e)),
        Entry::NoWheel(detail) => {
            Err(Arc::new(IndexError::NoWheel { project: path.display().to_string(), detail: detail.clone() }))
        }
    })
}

/// For a requirement an installer finds no wheel for (only when
/// [`index::Filters::installer`] is asked for), why.
pub fn no_wheel(path: &Path) -> Option<String> {
    let s = SESSION.get()?;
    let map = s.entries.lock().ok()?;
    match map.get(path) {
        Some(Entry::NoWheel(m)) => Some(m.clone()),
        _ => None,
    }
}

/// Open a registered remote wheel, fetching its central directory and the
/// members `wanted` selects (plus `.dist-info/WHEEL`, and RECORD when `record`).
pub fn open_wheel(
    path: &Path,
    file: RemoteFile,
    limits: Limits,
    wanted: &dyn Fn(&str) -> bool,
    record: bool,
) -> Result<Wheel, WheelError> {
    let Some(s) = SESSION.get() else {
        return Err(WheelError::Io(std::io::Error::other("no remote session")));
    };
    if file.whole {
        return open_whole(&s.client, path, &file, limits);
    }
    let zip = RemoteZip::open(Arc::clone(&s.client), file.clone()).map_err(|e| WheelError::Remote(Box::new(e)))?;
    zip.check_overlaps()?;
    zip.prefetch(&|name: &str| {
        let dist = name.split('/').next().is_some_and(|d| d.ends_with(".dist-info")) && name.matches('/').count() == 1;
        wanted(name) || (dist && (name.ends_with("/WHEEL") || (record && name.ends_with("/RECORD"))))
    })
    .map_err(|e| WheelError::Remote(Box::new(e)))?;
    let mut wheel = Wheel::from_reader(path, Box::new(zip.reader()), limits)?;
    // The zip reader found the directory where the fingerprint starts: it vouches for what was read.
    if wheel.directory_start() == zip.fingerprint().directory_start {
        wheel.fingerprint = Some(zip.fingerprint().clone());
    }
    Ok(wheel)
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

/// The cached reading of a registered remote wheel, if one is stored under
/// the sha256 it claims and its proof holds for the wheel's bytes now (see
/// [`cache`]). A wheel to be read whole is never answered from the cache.
pub fn load_cached<T: serde::de::DeserializeOwned>(dir: &Path, file: &RemoteFile, kind: &str) -> Option<T> {
    let s = SESSION.get()?;
    if file.whole {
        return None;
    }
    cache::load(&s.client, dir, file, kind)
}

/// Store the reading of a remote wheel with the fingerprint of the bytes it was read from.
pub fn store_cached<T: serde::Serialize>(
    dir: &Path,
    file: &RemoteFile,
    kind: &str,
    fingerprint: &crate::wheel::Fingerprint,
    value: &T,
) {
    if let Some(proof) = cache::Proof::of(file, fingerprint) {
        cache::store(dir, file, kind, &proof, value);
    }
}

/// Whole local copies of the remote wheels among some paths, for `merge`,
/// which copies members raw and so needs every byte. The copies live in a
/// temporary directory removed when this is dropped.
#[derive(Debug)]
pub struct WholeCopies {
    /// The paths, each remote wheel replaced by its copy.
    pub paths: Vec<PathBuf>,
    /// (copy, URL) of every wheel downloaded.
    pub origins: Vec<(PathBuf, String)>,
    /// Each remote wheel that could not be downloaded: its URL and why.
    pub errors: Vec<(String, DownloadError)>,
    _dir: Option<tempfile::TempDir>,
}

impl WholeCopies {
    /// The URL a copy was downloaded from.
    pub fn url_of(&self, copy: &Path) -> Option<&str> {
        self.origins.iter().find(|(p, _)| p == copy).map(|(_, u)| u.as_str())
    }

    /// `text` with every copy's path replaced by its URL (for messages).
    pub fn with_urls(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (copy, url) in &self.origins {
            out = out.replace(&copy.display().to_string(), url);
        }
        out
    }
}

/// Download every registered remote wheel among `paths` whole (streamed, its
/// sha256 checked against the index), in parallel; other paths stay as they are.
pub fn download_whole(paths: &[PathBuf]) -> WholeCopies {
    let remote: Vec<(usize, RemoteFile)> =
        paths.iter().enumerate().filter_map(|(i, p)| lookup(p)?.ok().map(|f| (i, f))).collect();
    let mut out = WholeCopies { paths: paths.to_vec(), origins: Vec::new(), errors: Vec::new(), _dir: None };
    let (Some(s), false) = (SESSION.get(), remote.is_empty()) else {
        return out;
    };
    let dir = match download::temp_dir("uniabi-download") {
        Ok(d) => d,
        Err(e) => {
            let path = std::env::temp_dir();
            out.errors.push((path.display().to_string(), DownloadError::TempDir { path, source: e }));
            return out;
        }
    };
    // One subdirectory per wheel: two URLs may end in the same file name.
    let results = crate::pool::parallel_map(&remote, |(i, file)| {
        let sub = dir.path().join(i.to_string());
        let got = std::fs::create_dir(&sub)
            .map_err(|source| download::DownloadError::Io { path: sub.clone(), source })
            .and_then(|()| download::download(&s.client, file, &sub));
        (*i, auth::redact(&file.url), got)
    });
    for (i, url, got) in results {
        match got {
            Ok(copy) => {
                out.paths[i] = copy.clone();
                out.origins.push((copy, url));
            }
            Err(e) => out.errors.push((url, e)),
        }
    }
    out._dir = Some(dir);
    out
}
