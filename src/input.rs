//! What the user asked about, resolved once into typed inputs.
//!
//! Every command-line argument — a wheel or shared object, a directory of
//! them, a wheel URL, a project requirement (also from `-r FILE`) — becomes one
//! or more [`Input`]s here, and each input carries what it is to every later
//! stage: a file on disk ([`Source::Local`]), a wheel on a server with what the
//! index (or the URL) says of it ([`Source::Remote`]), a remote wheel already
//! downloaded whole ([`Source::Fetched`]), a wheel on disk that a lock file
//! names with its size and sha256 ([`Source::Locked`]), an argument that could
//! not become an input ([`Source::Failed`]), or a requirement no wheel fits
//! ([`Source::NoWheel`]). Nothing later asks a table what a path was.
//!
//! A lock file (`pylock.toml`, `pylock.<name>.toml`, `uv.lock`, or any file
//! given with `--lock`) is read once into a [`LockInput`]: the lock, each
//! target's [`Selection`], and an input for every wheel it lists (by URL: a
//! remote wheel whose sha256 is the lock's claim; by path: [`Source::Locked`]).
//! The wheels selected for the targets (every listed wheel when no target is
//! given) join the inputs in the lock's place, so every command reads them as
//! any other input.
//!
//! Resolution keeps argument order; a directory expands to the wheels and
//! shared objects under it in name order. A local path always wins over a
//! project of the same name.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::binary::BinaryError;
use crate::lock::{Location, Lock, LockError, LockFormat, LockedWheel, Selection, Target, TargetError, WheelAt};
use crate::naming;
use crate::remote::index::{self, IndexError, Requirement};
use crate::remote::{self, DownloadError, Session};
use crate::tags::Installer;
use crate::tags::TagError;
use crate::wheel::{Limits, Wheel, WheelError};

/// One input: how reports name it, and what it is.
#[derive(Debug, Clone)]
pub struct Input {
    /// How reports name it: the path as given (for a directory's contents, the
    /// directory joined with the file), the wheel's URL, or the requirement.
    pub display: String,
    pub source: Source,
}

/// What an input is.
#[derive(Debug, Clone)]
pub enum Source {
    /// A wheel or a bare shared object on disk.
    Local { path: PathBuf, kind: InputKind },
    /// A wheel on a server, read by ranges.
    Remote(RemoteWheel),
    /// A remote wheel downloaded whole to a private copy (its sha256 checked where known).
    Fetched { wheel: RemoteWheel, copy: PathBuf },
    /// A wheel on disk that a lock file names, with what the lock says of it:
    /// read only through [`open_locked`], which checks the bytes it reads
    /// against the lock's size and sha256.
    Locked {
        path: PathBuf,
        /// The file name the lock gives it (installers select by it).
        filename: String,
        size: Option<u64>,
        sha256: Option<String>,
    },
    /// An argument that could not become an input: a missing path, a directory
    /// without wheels, a requirement that could not be resolved.
    Failed(InputError),
    /// A requirement for which an installer finds no wheel: a finding, not an error.
    NoWheel { why: String },
}

/// Whether an input is a wheel or a bare shared object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Wheel,
    File,
}

pub use crate::remote::RemoteWheel;

impl Input {
    /// A file on disk, a wheel if its name ends in `.whl`.
    pub fn local(display: impl Into<String>, path: PathBuf) -> Input {
        let kind = if is_wheel_name(&path) { InputKind::Wheel } else { InputKind::File };
        Input { display: display.into(), source: Source::Local { path, kind } }
    }

    /// An argument that failed, named as given.
    pub fn failed(error: InputError) -> Input {
        Input { display: error.input.clone(), source: Source::Failed(error) }
    }

    /// Whether it is a wheel (every remote input is) or a bare file; `None` for
    /// an argument that is not an input.
    pub fn kind(&self) -> Option<InputKind> {
        match &self.source {
            Source::Local { kind, .. } => Some(*kind),
            Source::Remote(_) | Source::Fetched { .. } | Source::Locked { .. } => Some(InputKind::Wheel),
            Source::Failed(_) | Source::NoWheel { .. } => None,
        }
    }

    /// The file whose bytes are read: a local path or a downloaded copy
    /// (not a [`Source::Locked`] wheel, which is read through [`open_locked`] only).
    pub fn local_path(&self) -> Option<&Path> {
        match &self.source {
            Source::Local { path, .. } => Some(path),
            Source::Fetched { copy, .. } => Some(copy),
            _ => None,
        }
    }

    /// The remote wheel it stands for, read by ranges or downloaded.
    pub fn remote(&self) -> Option<&RemoteWheel> {
        match &self.source {
            Source::Remote(w) | Source::Fetched { wheel: w, .. } => Some(w),
            _ => None,
        }
    }

    /// The file name: a wheel's or shared object's last path segment, a remote
    /// wheel's name; for an argument that is not an input, the argument.
    pub fn filename(&self) -> String {
        match &self.source {
            Source::Local { path, .. } => {
                path.file_name().map_or_else(|| self.display.clone(), |f| f.to_string_lossy().into_owned())
            }
            Source::Remote(w) | Source::Fetched { wheel: w, .. } => w.filename.clone(),
            Source::Locked { filename, .. } => filename.clone(),
            Source::Failed(_) | Source::NoWheel { .. } => self.display.clone(),
        }
    }

    /// How text output names it: a remote wheel by its file name, anything else
    /// as [`Input::display`] (JSON and SARIF keep `display`: a remote wheel's full URL).
    pub fn label(&self) -> String {
        match &self.source {
            Source::Remote(w) | Source::Fetched { wheel: w, .. } => w.filename.clone(),
            _ => self.display.clone(),
        }
    }

    /// The project an input belongs to, as its wheel file name (or requirement) spells it.
    pub fn project(&self) -> String {
        match self.filename().parse::<crate::tags::WheelFilename>() {
            Ok(f) => f.name,
            Err(_) => self.display.parse::<Requirement>().map(|r| r.name).unwrap_or_else(|_| self.display.clone()),
        }
    }

    /// The size in bytes, where known without reading (for ordering work).
    pub fn size_hint(&self) -> u64 {
        match &self.source {
            Source::Remote(w) => w.file.size.unwrap_or(0),
            Source::Locked { path, size, .. } => {
                size.or_else(|| std::fs::metadata(path).ok().map(|m| m.len())).unwrap_or(0)
            }
            _ => self.local_path().and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len()),
        }
    }

    /// The error of an argument that is not an input.
    pub fn error(&self) -> Option<&InputError> {
        match &self.source {
            Source::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// What [`resolve`] is asked to do.
pub struct Request<'a> {
    /// The arguments, then the `-r` files' requirement lines, in order.
    pub args: Vec<String>,
    /// How remote arguments are resolved.
    pub remote: remote::Options,
    /// Requirements whose project this refuses are left out before any index look-up (`survey --shard`).
    pub keep: &'a dyn Fn(&str) -> bool,
    /// How lock files are read; `None`: a file named like a lock is an ordinary path (`merge`).
    pub locks: Option<&'a Locks>,
}

/// Lock files among the inputs, and the targets they are read for.
#[derive(Debug, Clone, Default)]
pub struct Locks {
    /// `--lock FILE`s, read whatever their name ([`crate::lock::read_given`]);
    /// arguments named like a lock are read too.
    pub files: Vec<PathBuf>,
    /// The targets each lock's wheels are selected for; none: every wheel it lists is read.
    pub targets: Vec<Target>,
    /// How the installer picks (`verify --pep809`).
    pub installer: Installer,
    /// Keep the lock's wheels out of [`Resolution::inputs`] (`verify` judges
    /// them per target through [`Resolution::locks`] instead).
    pub apart: bool,
}

/// A lock file among the inputs, read once.
#[derive(Debug)]
pub struct LockInput {
    /// The lock file as given.
    pub display: String,
    pub lock: Lock,
    /// What an installer does on each target, in the order of [`Locks::targets`].
    pub selections: Vec<Selection>,
    /// `wheels[p][w]` is the input that reads `lock.packages[p].wheels[w]`.
    pub wheels: Vec<Vec<Input>>,
}

impl LockInput {
    /// The input that reads the wheel at `at`.
    pub fn input(&self, at: WheelAt) -> Option<&Input> {
        self.wheels.get(at.package)?.get(at.wheel)
    }

    /// The wheels the targets pick (every listed wheel when there is no
    /// target), in the lock's order, each once.
    pub fn read(&self) -> Vec<WheelAt> {
        let all = self
            .wheels
            .iter()
            .enumerate()
            .flat_map(|(package, ws)| (0..ws.len()).map(move |wheel| WheelAt { package, wheel }));
        if self.selections.is_empty() {
            return all.collect();
        }
        let picked: BTreeSet<WheelAt> = self
            .selections
            .iter()
            .flat_map(Selection::picked)
            .map(|(package, wheel)| WheelAt { package, wheel })
            .collect();
        picked.into_iter().collect()
    }
}

/// Why the inputs could not be resolved: a lock that cannot be read, or a
/// target it cannot be evaluated for.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// The inputs, in argument order, and what resolution noticed.
#[derive(Debug, Default)]
pub struct Resolution {
    pub inputs: Vec<Input>,
    /// Arguments that could name a project but were read as local paths.
    pub local_wins: Vec<String>,
    /// How the inputs are reached, when the user should know (a plain-http index).
    pub warnings: Vec<String>,
    /// The remote session, when some argument needed the network.
    pub session: Option<Arc<Session>>,
    /// The index requirements were looked up on (credentials redacted), when some were.
    pub index: Option<String>,
    /// The lock files among the arguments, each read once (their selected wheels are among `inputs`).
    pub locks: Vec<LockInput>,
    /// Each requirement resolved to wheels on the index, in argument order.
    pub projects: Vec<ResolvedProject>,
}

/// A requirement resolved on the index: the release (or releases) chosen,
/// where from, and how many of its wheels are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedProject {
    /// The project as the requirement names it.
    pub name: String,
    /// The chosen releases' versions, in the order chosen (newest first).
    pub versions: Vec<String>,
    /// `the default index`, or the index URL without credentials.
    pub index: String,
    /// The wheels chosen.
    pub wheels: usize,
}

impl std::fmt::Display for ResolvedProject {
    /// `psutil 7.2.2 (from the default index): 20 wheels`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} (from {}): {}",
            self.name,
            self.versions.join(", "),
            self.index,
            crate::output::count_noun(self.wheels, "wheel")
        )
    }
}

impl Resolution {
    /// Whether some input is read over the network.
    pub fn is_remote(&self) -> bool {
        self.inputs.iter().any(|i| i.remote().is_some())
    }

    /// End the run's reading before results are printed: clear the progress
    /// line, and with `--net-stats` say what was fetched.
    pub fn finish(&self) -> Option<String> {
        crate::progress::clear();
        self.session.as_ref().and_then(|s| s.stats_line())
    }
}

/// Resolve every argument into inputs: a lock file as the wheels its
/// targets pick (see [`LockInput`]), a local path as it is (a directory
/// expanded), a wheel URL as itself, a requirement as the wheels chosen on the
/// index (or the one an installer picks, with [`index::Filters::installer`]).
/// Every lock is read before anything else: one that cannot be read fails
/// the whole resolution.
pub fn resolve(request: &Request) -> Result<Resolution, ResolveError> {
    let mut out = Resolution::default();
    let options = &request.remote;
    let locks = read_locks(request)?;
    let mut locks = locks.into_iter().peekable();
    let index_wanted =
        options.index_url.is_some() || options.filters.platform.is_some() || options.filters.python.is_some();
    let mut filters = options.filters.clone();
    filters.releases = filters.releases.max(1);
    // The index, its credentials taken off into the session, once some requirement needs it.
    let mut index: Option<String> = None;
    let index_name = remote::index_name(options.index_url.as_deref());
    for (i, arg) in request.args.iter().enumerate() {
        let path = Path::new(arg);
        if locks.peek().is_some_and(|(at, _)| *at == Some(i)) {
            if let Some((_, lock)) = locks.next() {
                add_lock(&mut out, arg, lock, request)?;
            }
        } else if path.exists() || std::fs::symlink_metadata(path).is_ok() {
            if index_wanted && could_be_project(arg) {
                out.local_wins.push(arg.clone());
            }
            out.inputs.extend(expand(arg, path));
        } else if arg.starts_with("https://") || arg.starts_with("http://") {
            let session = session(&mut out, options);
            let (display, wheel) = remote::url_wheel(arg, &session, options.verify_sha256);
            out.inputs.push(Input { display, source: Source::Remote(wheel) });
        } else if index::looks_like_requirement(arg) {
            match arg.parse::<Requirement>() {
                Ok(req) if !(request.keep)(&req.name) => {}
                parsed => {
                    let session = session(&mut out, options);
                    let index = index.get_or_insert_with(|| remote::index_for(&session, options.index_url.as_deref()));
                    let how = How {
                        filters: &filters,
                        session: &session,
                        verify_sha256: options.verify_sha256,
                        index_name: &index_name,
                    };
                    resolve_requirement(arg, parsed, index, &how, &mut out);
                }
            }
        } else {
            // Neither a path nor something the index could resolve: opening it says why.
            out.inputs.extend(expand(arg, path));
        }
    }
    for ((_, lock), file) in locks.zip(request.locks.map(|l| l.files.as_slice()).unwrap_or_default()) {
        add_lock(&mut out, &file.display().to_string(), lock, request)?;
    }
    if let Some(warning) = index.as_deref().and_then(remote::plain_http_warning) {
        out.warnings.push(warning);
    }
    out.index = index.as_deref().map(remote::auth::redact);
    Ok(out)
}

/// Every lock of the request, read: those among the arguments (by their name)
/// with the argument's index, then the `--lock` files.
fn read_locks(request: &Request) -> Result<Vec<(Option<usize>, Lock)>, LockError> {
    let Some(locks) = request.locks else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (i, arg) in request.args.iter().enumerate() {
        if LockFormat::from_file_name(Path::new(arg)).is_some() {
            out.push((Some(i), crate::lock::read(Path::new(arg))?));
        }
    }
    for file in &locks.files {
        out.push((None, crate::lock::read_given(file)?));
    }
    Ok(out)
}

/// Select a lock's wheels for the request's targets, make an input of every
/// wheel it lists, and add those selected to the inputs.
fn add_lock(out: &mut Resolution, display: &str, lock: Lock, request: &Request) -> Result<(), ResolveError> {
    let no_locks = Locks::default();
    let locks = request.locks.unwrap_or(&no_locks);
    let selections =
        locks.targets.iter().map(|t| crate::lock::select(&lock, t, locks.installer)).collect::<Result<Vec<_>, _>>()?;
    let mut made: Option<Arc<Session>> = None;
    let mut session_once = || Arc::clone(made.get_or_insert_with(|| session(out, &request.remote)));
    let verify_sha256 = request.remote.verify_sha256;
    let wheels: Vec<Vec<Input>> = lock
        .packages
        .iter()
        .map(|p| p.wheels.iter().map(|w| locked_input(w, &mut session_once, verify_sha256)).collect())
        .collect();
    let locked = LockInput { display: display.to_string(), lock, selections, wheels };
    if !locks.apart {
        out.inputs.extend(locked.read().into_iter().filter_map(|at| locked.input(at).cloned()));
    }
    out.locks.push(locked);
    Ok(())
}

/// The input of a wheel a lock lists: by URL, a remote wheel whose sha256 is
/// the lock's claim (a `file:` URL is a path); by path, [`Source::Locked`].
fn locked_input(wheel: &LockedWheel, session: &mut dyn FnMut() -> Arc<Session>, verify_sha256: bool) -> Input {
    let file = &wheel.file;
    let on_disk = |path: PathBuf| Input {
        display: path.display().to_string(),
        source: Source::Locked { path, filename: file.filename.clone(), size: file.size, sha256: file.sha256.clone() },
    };
    match &file.location {
        Some(Location::Path(path)) => on_disk(path.clone()),
        Some(Location::Url(url)) => match file_url_path(url) {
            Some(path) => on_disk(path),
            None => {
                let claims = (file.filename.as_str(), file.size, file.sha256.clone());
                let (display, wheel) = remote::lock_wheel(url, claims, &session(), verify_sha256);
                Input { display, source: Source::Remote(wheel) }
            }
        },
        None => Input::failed(InputError::new(file.filename.clone(), ReadError::Unlocated)),
    }
}

/// The local path of a `file:` URL (`file:///srv/wheels/a.whl`,
/// `file://localhost/…`), `%XX` decoded; `None` for any other URL.
pub fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = rest.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let decoded = remote::download::percent_decode(path)?;
    // `file:///C:/wheels/a.whl` on Windows.
    let windows = decoded.len() > 2 && decoded.as_bytes()[2] == b':' && cfg!(windows);
    Some(PathBuf::from(if windows { &decoded[1..] } else { &decoded[..] }))
}

/// Open a [`Source::Locked`] wheel: the file at `path` is copied once into a
/// private unnamed temporary file while its sha256 is computed, the copy's
/// size and sha256 are checked against the lock's, and the wheel is read from
/// that copy — so the bytes analysed are the bytes checked, whatever happens
/// to the file meanwhile. With no sha256 to check, the file is read in place
/// (its size, if the lock records one, checked on the open file).
pub fn open_locked(
    path: &Path,
    filename: &str,
    size: Option<u64>,
    sha256: Option<&str>,
    limits: Limits,
) -> Result<Wheel, WheelError> {
    let named = Path::new(filename);
    let mut file =
        std::fs::File::open(path).map_err(|source| WheelError::LockedOpen { path: path.to_path_buf(), source })?;
    let Some(expected) = sha256 else {
        let actual = file.metadata().map_err(WheelError::Io)?.len();
        if let Some(expected) = size.filter(|s| *s != actual) {
            return Err(WheelError::LockedSize { actual, expected });
        }
        return Wheel::from_file(named, file, limits);
    };
    let copy = tempfile::tempfile_in(std::env::temp_dir()).map_err(WheelError::Io)?;
    let mut sink = remote::download::Hashing::new(io::BufWriter::new(copy));
    // One byte past the lock's size is enough to know the file is not that size.
    let most = size.map_or(u64::MAX, |s| s.saturating_add(1));
    let actual_size = io::copy(&mut (&mut file).take(most), &mut sink).map_err(WheelError::Io)?;
    sink.flush().map_err(WheelError::Io)?;
    let (inner, actual) = sink.finish();
    if let Some(expected) = size.filter(|s| *s != actual_size) {
        let actual = file.metadata().map_or(actual_size, |m| m.len());
        return Err(WheelError::LockedSize { actual, expected });
    }
    if !actual.eq_ignore_ascii_case(expected) {
        return Err(WheelError::LockedSha256 { actual, expected: expected.to_string() });
    }
    let mut copy = inner.into_inner().map_err(|e| WheelError::Io(e.into_error()))?;
    io::Seek::rewind(&mut copy).map_err(WheelError::Io)?;
    Wheel::from_file(named, copy, limits)
}

/// The run's remote session, made on first need.
fn session(out: &mut Resolution, options: &remote::Options) -> Arc<Session> {
    Arc::clone(out.session.get_or_insert_with(|| Arc::new(Session::new(options))))
}

/// How a requirement's wheels are chosen and read.
struct How<'a> {
    filters: &'a index::Filters,
    session: &'a Arc<Session>,
    verify_sha256: bool,
    /// How the project line names the index.
    index_name: &'a str,
}

/// A requirement's inputs (the chosen wheels, or why there are none), and its project line.
fn resolve_requirement(
    arg: &str,
    parsed: Result<Requirement, IndexError>,
    index: &str,
    how: &How,
    out: &mut Resolution,
) {
    let (filters, session) = (how.filters, how.session);
    let installer = match (&filters.installer, filters.python, &filters.platform) {
        (Some(how), Some(python), Some(platform)) => Some((*how, python, platform)),
        _ => None,
    };
    let name = parsed.as_ref().map(|r| r.name.clone()).unwrap_or_else(|_| arg.to_string());
    let chosen = parsed.and_then(|req| {
        let choose = |pages: Option<index::PageCache>| {
            let files = index::project_files(&session.client, index, &req.name, pages)?;
            Ok::<_, IndexError>(match installer {
                None => match index::choose(&req.name, &req, &files, filters)? {
                    index::Chosen::Wheels { files, passed_over } => Ok((files, passed_over)),
                    index::Chosen::NoWheel(why) => Err(why),
                },
                Some((how, python, platform)) => {
                    match index::choose_installed(&req.name, &req, &files, python, platform, how)? {
                        index::Pick::Wheel(f) => Ok((vec![f], None)),
                        index::Pick::NoWheel(why) => Err(why),
                    }
                }
            })
        };
        match choose(session.pages())? {
            // The cache kept only the names of the files chosen: the page is fetched whole.
            Ok((files, _)) if files.iter().any(|f| f.stub) => {
                choose(session.pages().map(|p| index::PageCache { whole: true, ..p }))
            }
            chosen => Ok(chosen),
        }
    });
    match chosen {
        Ok(Ok((files, passed_over))) => {
            let mut versions: Vec<String> = Vec::new();
            for f in &files {
                if let Ok(parsed) = f.filename.parse::<crate::tags::WheelFilename>()
                    && !versions.contains(&parsed.version)
                {
                    versions.push(parsed.version);
                }
            }
            let wheels = files.len();
            out.projects.push(ResolvedProject { name, versions, index: how.index_name.to_string(), wheels });
            let passed_over: Option<Arc<str>> = passed_over.map(Arc::from);
            out.inputs.extend(files.into_iter().map(|f| {
                let (display, mut wheel) = remote::index_wheel(f, session, how.verify_sha256);
                wheel.passed_over.clone_from(&passed_over);
                Input { display, source: Source::Remote(wheel) }
            }));
        }
        Ok(Err(why)) => out.inputs.push(Input { display: arg.to_string(), source: Source::NoWheel { why } }),
        // A bare name that is no path either: say both, or a mistyped directory reads as a project.
        Err(e @ (IndexError::NoProject { .. } | IndexError::Fetch { .. } | IndexError::Page { .. }))
            if could_be_project(arg) =>
        {
            out.inputs.push(Input::failed(InputError::new(arg, ReadError::NoPathNorProject(Arc::new(e)))))
        }
        Err(e) => out.inputs.push(Input::failed(InputError::new(arg, ReadError::Index(Arc::new(e))))),
    }
}

/// A bare name that is also a valid project name (`samples`, `psutil`).
fn could_be_project(arg: &str) -> bool {
    index::looks_like_requirement(arg) && arg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// The inputs of one local path: the file itself, or a directory's wheels and
/// shared objects (recursively, in name order).
pub fn expand(display: &str, path: &Path) -> Vec<Input> {
    let fail = |e: ReadError| vec![Input::failed(InputError::new(display, e))];
    match std::fs::metadata(path) {
        Err(e) => fail(ReadError::Open(e)),
        Ok(meta) if meta.is_dir() => {
            let mut found = Vec::new();
            if let Err(e) = walk(path, &mut found, &mut BTreeSet::new()) {
                return fail(ReadError::List(e));
            }
            if found.is_empty() {
                return fail(ReadError::EmptyDirectory);
            }
            found.sort();
            found.into_iter().map(|p| Input::local(p.display().to_string(), p)).collect()
        }
        Ok(_) => vec![Input::local(display, path.to_path_buf())],
    }
}

/// [`expand`] over several paths, in order (for callers that hold paths, not arguments).
pub fn expand_all(paths: &[PathBuf]) -> Vec<Input> {
    paths.iter().flat_map(|p| expand(&p.display().to_string(), p)).collect()
}

fn is_wheel_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("whl"))
}

/// Search `dir` for wheels and shared objects, in name order, following
/// symbolic links to files and directories. `visited` holds the canonical
/// paths of the directories walked so far: a directory reached again (a link
/// to an ancestor, or a second link to one directory) is not walked again, so
/// links cannot loop. A dangling link with a wheel's or shared object's name is
/// kept, so that opening it reports it.
fn walk(dir: &Path, found: &mut Vec<PathBuf>, visited: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    let mut entries = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name().into_iter();
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(entry) => entry,
            // A link back to a directory being walked: reached again, so not walked again.
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => match e.path().filter(|p| e.depth() > 0 && is_symlink(p)).map(Path::to_path_buf) {
                // A link whose target cannot be read: dangling.
                Some(link) => {
                    if is_input_name(&link) {
                        found.push(link);
                    }
                    continue;
                }
                None => return Err(e.into_io_error().unwrap_or_else(|| std::io::Error::other("cannot walk"))),
            },
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            if !visited.insert(std::fs::canonicalize(entry.path())?) {
                entries.skip_current_dir();
            }
        } else if kind.is_file() && is_input_name(entry.path()) {
            found.push(entry.into_path());
        }
    }
    Ok(())
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn is_input_name(path: &Path) -> bool {
    is_wheel_name(path) || naming::is_shared_object_name(&path.to_string_lossy())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A fresh directory under the system's temporary directory.
    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("uniabi-input-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        expand_all(&[dir.to_path_buf()])
            .into_iter()
            .map(|i| match (&i.source, i.local_path()) {
                (_, Some(p)) => p.strip_prefix(dir).unwrap().display().to_string(),
                (Source::Failed(e), None) => format!("error: {}", e.source),
                _ => unreachable!("local expansion gives local or failed inputs"),
            })
            .collect()
    }

    #[test]
    fn ok_walk_follows_links_to_files_and_directories_once() {
        let dir = temp("links");
        std::fs::create_dir_all(dir.join("real/sub")).unwrap();
        std::fs::write(dir.join("real/sub/a-1.0-py3-none-any.whl"), b"").unwrap();
        std::fs::write(dir.join("real/notes.txt"), b"").unwrap();
        symlink(dir.join("real/sub/a-1.0-py3-none-any.whl"), dir.join("b-1.0-py3-none-any.whl")).unwrap();
        // A link to an ancestor, a second link to one directory, a dangling link named like a wheel.
        symlink(&dir, dir.join("real/sub/up")).unwrap();
        symlink(dir.join("real"), dir.join("zz-again")).unwrap();
        symlink(dir.join("missing"), dir.join("c-1.0-py3-none-any.whl")).unwrap();
        assert_eq!(
            names(&dir),
            ["b-1.0-py3-none-any.whl", "c-1.0-py3-none-any.whl", "real/sub/a-1.0-py3-none-any.whl"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn err_directory_of_links_to_nothing_useful() {
        let dir = temp("empty");
        symlink(&dir, dir.join("self")).unwrap();
        assert_eq!(names(&dir), ["error: directory holds no wheels or extension modules"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ok_local_path_wins_and_a_missing_one_is_an_error_naming_it() {
        let dir = temp("args");
        std::fs::write(dir.join("x.abi3.so"), b"").unwrap();
        let missing = dir.join("nothing-here").display().to_string();
        let request = Request {
            args: vec![dir.join("x.abi3.so").display().to_string(), missing.clone()],
            remote: remote::Options::default(),
            keep: &|_| true,
            locks: None,
        };
        let resolved = resolve(&request).unwrap();
        assert!(resolved.session.is_none(), "no argument needed the network");
        assert_eq!(resolved.inputs[0].kind(), Some(InputKind::File));
        let e = resolved.inputs[1].error().expect("a missing path is an error");
        assert_eq!(e.input, missing);
        assert!(matches!(*e.source, ReadError::Open(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ok_file_urls_are_paths_and_other_urls_are_not() {
        assert_eq!(
            file_url_path("file:///srv/w%20h/a-1-py3-none-any.whl"),
            Some(PathBuf::from("/srv/w h/a-1-py3-none-any.whl"))
        );
        assert_eq!(file_url_path("file://localhost/srv/a.whl#sha256=00"), Some(PathBuf::from("/srv/a.whl")));
        assert_eq!(file_url_path("file://host/srv/a.whl"), None, "another host is not this machine's path");
        assert_eq!(file_url_path("https://files.example/a.whl"), None);
        assert_eq!(file_url_path("file:///bad%zz"), None);
    }

    #[test]
    fn ok_a_locked_file_is_read_from_the_bytes_checked() {
        use sha2::Digest;
        let dir = temp("locked");
        let path = dir.join("a-1.0-py3-none-any.whl");
        let bytes = b"not a zip";
        std::fs::write(&path, bytes).unwrap();
        let sha: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        let name = "a-1.0-py3-none-any.whl";
        let open = |size, sha256: Option<&str>| {
            open_locked(&path, name, size, sha256, Limits::DEFAULT).map(|_| ()).unwrap_err()
        };
        // Size and sha256 hold: the copy is read, and it is not a zip.
        assert!(matches!(open(Some(9), Some(&sha)), WheelError::NoDirectory), "{:?}", open(Some(9), Some(&sha)));
        assert_eq!(open(Some(8), Some(&sha)).to_string(), "9 bytes, but the lock's size is 8");
        assert_eq!(open(Some(10), None).to_string(), "9 bytes, but the lock's size is 10");
        assert_eq!(open(None, Some("00")).to_string(), format!("sha256 is {sha}, but the lock's sha256 is 00"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
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
        || crate::remote::download::temp_dir("uniabi-download"),
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
    crate::progress::start(remote.len());
    let results = crate::pool::parallel_map(&remote, |(i, wheel)| {
        let sub = dir.0.path().join(i.to_string());
        let got = std::fs::create_dir(&sub)
            .map_err(|source| DownloadError::Io { path: sub.clone(), source })
            .and_then(|()| crate::remote::download::download(&wheel.session.client, &wheel.file, &sub));
        crate::progress::advance();
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

/// An input that could not be read, or not wholly: the path or URL as the
/// user gave it, and why. Its text is `input: cause: cause…`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{input}")]
pub struct InputError {
    /// The path or URL as given (or, for a directory's contents, the directory joined with the file).
    pub input: String,
    #[source]
    pub source: Arc<ReadError>,
}

impl InputError {
    pub fn new(input: impl Into<String>, source: impl Into<ReadError>) -> Self {
        InputError { input: input.into(), source: Arc::new(source.into()) }
    }
}

/// Why an input (or a part of it) could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path does not exist or cannot be opened.
    #[error("cannot open")]
    Open(#[source] io::Error),
    /// A directory that could not be listed.
    #[error("cannot list the directory")]
    List(#[source] io::Error),
    /// A directory without wheels or extension modules.
    #[error("directory holds no wheels or extension modules")]
    EmptyDirectory,
    /// A project or URL that could not be resolved on the index.
    #[error(transparent)]
    Index(Arc<IndexError>),
    /// A bare name that is neither a local path nor a project the index gave:
    /// a mistyped directory must not read as an index look-up alone.
    #[error("no file or directory of that name, and {0}")]
    NoPathNorProject(#[source] Arc<IndexError>),
    /// The wheel could not be read, or a member disagrees with its RECORD.
    #[error(transparent)]
    Wheel(#[from] WheelError),
    /// A wheel member that does not parse as a shared object.
    #[error("{member}")]
    Member { member: String, source: BinaryError },
    /// A bare file that does not parse as a shared object.
    #[error(transparent)]
    Binary(#[from] BinaryError),
    /// A bare file that could not be read.
    #[error("cannot read")]
    Read(#[source] io::Error),
    /// A bare file larger than the member limit, by the file system's word.
    #[error("{size} bytes, more than the limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    /// A bare file that kept going past the member limit.
    #[error("more than the limit of {limit} bytes")]
    TooLong { limit: u64 },
    /// A bare file that is a zip archive.
    #[error("a zip archive, but not a wheel (no .dist-info/WHEEL, and its name does not end in .whl)")]
    ZipNotWheel,
    /// A bare file given to a command that reads wheels only (the reason says which).
    #[error("not a wheel; {0}")]
    NotAWheel(&'static str),
    /// The file name is not a wheel name.
    #[error(transparent)]
    Filename(#[from] TagError),
    /// A lock lists a file without saying where it is.
    #[error("the lock records no location for this file")]
    Unlocated,
    /// WHEEL has a `Tag:` line that does not parse.
    #[error("WHEEL has a Tag: line '{line}' that is not a wheel tag")]
    TagLine { line: String },
}

/// Every error of one input, at least one: one line of a report,
/// `input: cause; input: cause`.
#[derive(Debug, Clone)]
pub struct InputErrors(pub Vec<InputError>);

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

/// At most this many of an input's errors are written out in its line; the rest are counted.
pub const ERRORS_SHOWN: usize = 3;

impl fmt::Display for InputErrors {
    /// `input: cause; input: cause; and 42 more errors`, each error cut to
    /// [`crate::output::MESSAGE_MAX`] bytes: one line of bounded length however
    /// many members failed (a wheel with 45 unreadable members once gave 12 KB).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().take(ERRORS_SHOWN).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&crate::output::bounded(crate::output::Chain(e).to_string()))?;
        }
        if self.0.len() > ERRORS_SHOWN {
            let more = self.0.len() - ERRORS_SHOWN;
            write!(f, "; and {more} more error{}", crate::output::plural(more))?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl Serialize for InputErrors {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for InputErrors {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}
