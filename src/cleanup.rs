//! Nothing left behind: every temporary file or directory a run creates is
//! tracked here while it exists, and SIGINT or SIGTERM removes what is still
//! tracked (and output directories the run created, when empty), prints one
//! line and exits 130 or 143.
//!
//! Creation and tracking happen under one lock that the signal handler takes
//! too, so a temporary file is either tracked or not yet created when the
//! handler runs; [`hold`] keeps the handler waiting while a set of outputs is
//! renamed into place, so an interrupted run writes all of them or none.
//! SIGKILL cannot be caught: a temporary file uniabi writes into an output
//! directory is named `.NAME.*.uniabi-tmp` and locked while in use, and a later
//! run into that directory removes the stale ones ([`sweep`]).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The suffix of every temporary file uniabi writes next to an output.
pub const TEMP_SUFFIX: &str = ".uniabi-tmp";

/// What to do with a tracked path when the run is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A temporary file: removed.
    File,
    /// A private temporary directory: removed with everything in it.
    TempDir,
    /// An output directory the run created: removed if it is empty.
    CreatedDir,
}

struct Entry {
    path: PathBuf,
    kind: Kind,
    live: AtomicBool,
}

/// A tracked path; dropping it stops the tracking (the owner has removed the
/// path, or made it permanent).
pub struct Tracked {
    entry: Arc<Entry>,
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Tracked").field(&self.entry.path).finish()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.entry.live.store(false, Ordering::Release);
    }
}

#[derive(Default)]
struct Registry {
    stopping: bool,
    entries: Vec<Arc<Entry>>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { stopping: false, entries: Vec::new() });

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Create something with `create` and track the path `path_of` gives for it,
/// atomically with respect to the signal handler. Fails with
/// [`io::ErrorKind::Interrupted`] once the run is being stopped.
pub fn track<T>(
    kind: Kind,
    create: impl FnOnce() -> io::Result<T>,
    path_of: impl FnOnce(&T) -> PathBuf,
) -> io::Result<(T, Tracked)> {
    let mut reg = registry();
    if reg.stopping {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    let value = create()?;
    let entry = Arc::new(Entry { path: path_of(&value), kind, live: AtomicBool::new(true) });
    reg.entries.retain(|e| e.live.load(Ordering::Acquire));
    reg.entries.push(Arc::clone(&entry));
    Ok((value, Tracked { entry }))
}

/// A private temporary file without a name (the system's temporary
/// directory; `O_TMPFILE`, or created and unlinked at once): nothing is left
/// behind whatever ends the run, even SIGKILL, as its space is freed when it is
/// closed. Made under the lock the signal handler takes, so a stop cannot fall
/// between the creation and the unlinking; fails with
/// [`io::ErrorKind::Interrupted`] once the run is being stopped.
pub fn private_file() -> io::Result<std::fs::File> {
    let reg = registry();
    if reg.stopping {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    tempfile::tempfile()
}

/// The directories a run created for its outputs, tracked until the outputs
/// are in place ([`CreatedDirs::keep`]) or removed again ([`CreatedDirs::remove`]).
#[derive(Debug, Default)]
pub struct CreatedDirs {
    /// Deepest first.
    dirs: Vec<(PathBuf, Tracked)>,
}

/// The error for an output directory (`-o`) that is, or passes through, a file:
/// said plainly, before any temporary file is tried in it.
pub fn not_a_directory(path: &Path) -> Option<io::Error> {
    let meta = std::fs::metadata(path).ok()?;
    (!meta.is_dir())
        .then(|| io::Error::new(io::ErrorKind::NotADirectory, format!("{} is a file, not a directory", path.display())))
}

impl CreatedDirs {
    /// Create `dir` and its missing parents, each tracked.
    pub fn create(dir: &Path) -> io::Result<CreatedDirs> {
        let mut missing = Vec::new();
        let mut next = Some(dir);
        while let Some(d) = next {
            if let Some(e) = not_a_directory(d) {
                return Err(e);
            }
            if d.as_os_str().is_empty() || d.exists() {
                break;
            }
            missing.push(d.to_path_buf());
            next = d.parent();
        }
        let mut created = CreatedDirs::default();
        for d in missing.into_iter().rev() {
            let (_, tracked) = track(Kind::CreatedDir, || std::fs::create_dir(&d), |()| d.clone())?;
            created.dirs.insert(0, (d, tracked));
        }
        Ok(created)
    }

    /// Whether this created any directory.
    pub fn any(&self) -> bool {
        !self.dirs.is_empty()
    }

    /// The outputs are in place: the directories are theirs now.
    pub fn keep(self) {}

    /// Nothing was written: remove the directories again (those still empty).
    pub fn remove(self) {
        for (dir, _) in &self.dirs {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Run `f` with the signal handler kept waiting: what `f` does (renaming a set
/// of outputs into place) is not cut in the middle.
pub fn hold<R>(f: impl FnOnce() -> R) -> R {
    let _reg = registry();
    f()
}

/// Remove every tracked path, print one line and exit `128 + signal`.
fn stop(signal: i32) -> ! {
    let mut reg = registry();
    reg.stopping = true;
    let mut live: Vec<&Arc<Entry>> = reg.entries.iter().filter(|e| e.live.load(Ordering::Acquire)).collect();
    // Files first, then temporary directories, then created directories, deepest first.
    live.sort_by_key(|e| {
        let rank = match e.kind {
            Kind::File => 0,
            Kind::TempDir => 1,
            Kind::CreatedDir => 2,
        };
        (rank, std::cmp::Reverse(e.path.components().count()))
    });
    let mut removed = 0;
    for e in live {
        let gone = match e.kind {
            Kind::File => std::fs::remove_file(&e.path).is_ok(),
            Kind::TempDir => std::fs::remove_dir_all(&e.path).is_ok(),
            Kind::CreatedDir => std::fs::remove_dir(&e.path).is_ok(),
        };
        removed += usize::from(gone);
    }
    let name = if signal == SIGTERM { "SIGTERM" } else { "SIGINT" };
    eprintln!(
        "uniabi: stopped by {name}; removed {} this run had created",
        crate::output::count_noun(removed, "temporary file or directory")
    );
    std::process::exit(128 + signal)
}

static STARTED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

/// When this run started (when [`install`] ran; else the first time this is asked).
pub fn started() -> std::time::SystemTime {
    *STARTED.get_or_init(std::time::SystemTime::now)
}

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// Catch SIGINT and SIGTERM for the rest of the run (called once, by `main`).
pub fn install() -> io::Result<()> {
    started();
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new().name("uniabi-signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            stop(signal);
        }
    })?;
    Ok(())
}

/// Remove the stale temporary files of uniabi's naming in `dir`: modified
/// before `started` (the start of this run) and not locked by a live run.
/// Returns their names.
pub fn sweep(dir: &Path, started: std::time::SystemTime) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with('.') && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let stale =
            entry.metadata().ok().filter(|m| m.is_file()).and_then(|m| m.modified().ok()).is_some_and(|t| t < started);
        if !stale {
            continue;
        }
        // A run that is still writing holds the file's lock.
        let Ok(file) = std::fs::OpenOptions::new().read(true).write(true).open(entry.path()) else { continue };
        if file.try_lock().is_ok() && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(name);
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("uniabi-cleanup-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn ok_sweep_removes_stale_unlocked_temporaries_only() {
        let dir = scratch("sweep");
        let stale = dir.join(".a.whl.x1.uniabi-tmp");
        let locked = dir.join(".b.whl.x2.uniabi-tmp");
        let other = dir.join(".c.whl.tmp");
        for p in [&stale, &locked, &other] {
            std::fs::write(p, b"partial").unwrap();
        }
        let holder = std::fs::OpenOptions::new().write(true).open(&locked).unwrap();
        holder.lock().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let started = std::time::SystemTime::now();
        // File times come from a coarser clock than `now`.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let fresh = dir.join(".d.whl.x3.uniabi-tmp");
        std::fs::write(&fresh, b"being written").unwrap();
        assert_eq!(sweep(&dir, started), [".a.whl.x1.uniabi-tmp"]);
        assert!(!stale.exists());
        assert!(locked.exists(), "a live run's temporary file stays");
        assert!(other.exists(), "not of uniabi's naming");
        assert!(fresh.exists(), "newer than the run");
        drop(holder);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ok_a_private_file_has_no_name_in_the_temporary_directory() {
        use std::io::{Read, Seek, Write};
        use std::os::fd::AsRawFd;
        let mut file = private_file().unwrap();
        let shown = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).unwrap();
        let shown = shown.display().to_string();
        assert!(shown.starts_with(std::env::temp_dir().to_str().unwrap()) && shown.ends_with("(deleted)"), "{shown}");
        file.write_all(b"spooled").unwrap();
        file.rewind().unwrap();
        let mut back = String::new();
        file.read_to_string(&mut back).unwrap();
        assert_eq!(back, "spooled");
    }

    #[test]
    fn ok_tracking_stops_when_the_guard_drops() {
        let dir = scratch("track");
        let path = dir.join("t");
        let (_, guard) = track(Kind::File, || std::fs::write(&path, b""), |_| path.clone()).unwrap();
        let live = |p: &Path| registry().entries.iter().any(|e| e.path == p && e.live.load(Ordering::Acquire));
        assert!(live(&path));
        drop(guard);
        assert!(!live(&path));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
