//! Reading wheels where they live: wheel URLs, and projects resolved on a
//! package index (PEP 691 JSON, PEP 503 HTML), read by ranges.
//!
//! [`crate::input::resolve`] turns URLs and requirements into remote inputs,
//! each holding the run's [`Session`] (client, cache, progress) and what the
//! index says of the wheel (size, sha256); [`open_wheel`] then gives
//! [`crate::analysis`] a [`Wheel`] over a sparse remote reader, so local and
//! remote wheels go through the same analysis. [`download_whole`] fetches
//! whole copies for `merge`, which copies members raw.

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
use range::RemoteZip;

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
/// `wanted` selects (plus `.dist-info/WHEEL`, and RECORD when `record`).
pub fn open_wheel(
    wheel: &RemoteWheel,
    limits: Limits,
    wanted: &dyn Fn(&str) -> bool,
    record: bool,
) -> Result<Wheel, WheelError> {
    let remote = || -> Result<RemoteZip, range::RangeError> {
        let zip = RemoteZip::open(Arc::clone(&wheel.session.client), wheel.file.clone())?;
        zip.prefetch(&|name: &str| {
            let dist =
                name.split('/').next().is_some_and(|d| d.ends_with(".dist-info")) && name.matches('/').count() == 1;
            wanted(name) || (dist && (name.ends_with("/WHEEL") || (record && name.ends_with("/RECORD"))))
        })?;
        Ok(zip)
    };
    let zip = remote().map_err(|e| WheelError::Remote(Box::new(e)))?;
    Wheel::from_reader(Path::new(&wheel.filename), Box::new(zip.reader()), limits)
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
