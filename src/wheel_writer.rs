//! Writing wheels atomically and reproducibly.
//!
//! Everything goes to a temporary file in the output directory (tracked by
//! [`crate::cleanup`] and locked while in use), which is **staged** once
//! complete ([`OutputWheel::stage`]), **proven** by reading the written bytes
//! back ([`Staged::prove`]), and moved into place with every other output of
//! the run by one [`commit`]: a command that writes several wheels writes all
//! of them or none. A writer or staged file dropped before that is removed. An
//! existing file is never replaced without `force`, and an output path that
//! names one of the inputs is refused. Members copied from an input keep their
//! compressed bytes; new files get a fixed timestamp (`SOURCE_DATE_EPOCH`,
//! else 1980-01-01).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::record::{Record, RecordEntry};
use crate::wheel::{Member, ReadOn, Wheel, WheelError};

/// Why an output wheel could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output already exists and `--force` was not given.
    #[error("{} already exists (pass --force to replace it)", path.display())]
    Exists { path: PathBuf },
    /// The output would overwrite one of the inputs.
    #[error("{} is one of the inputs; refusing to overwrite it", path.display())]
    WouldOverwriteInput { path: PathBuf },
    /// Two members would share a name.
    #[error("member '{member}' would be written twice")]
    DuplicateMember { member: String },
    /// Reading an input member failed.
    #[error(transparent)]
    Input(#[from] WheelError),
    /// Writing the output failed (named by its final path, not its temporary file).
    #[error("cannot write {}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The zip writer failed.
    #[error("cannot write {}", path.display())]
    Zip { path: PathBuf, source: zip::result::ZipError },
    /// The written bytes, read back, are not the wheel that was planned.
    #[error("{}: the written wheel, read back, {detail}", path.display())]
    Proof { path: PathBuf, detail: String, source: Option<WheelError> },
}

/// The timestamp new members get: `SOURCE_DATE_EPOCH` if set and valid, else 1980-01-01 00:00.
pub fn fixed_timestamp() -> DateTime {
    crate::output::source_date_epoch().and_then(zip_datetime).unwrap_or_default()
}

/// A zip timestamp from a UTC time (zip times run from 1980 to 2107, with 2-second resolution).
fn zip_datetime(t: jiff::civil::DateTime) -> Option<DateTime> {
    let year = u16::try_from(t.year().clamp(1980, 2107)).ok()?;
    let narrow = |n: i8| u8::try_from(n).ok();
    DateTime::from_date_and_time(
        year,
        narrow(t.month())?,
        narrow(t.day())?,
        narrow(t.hour())?,
        narrow(t.minute())?,
        narrow(t.second())?,
    )
    .ok()
}

/// The temporary file under an output's zip writer. After its first failed
/// write or seek it discards whatever comes (the output is abandoned, and its
/// file removed), so a zip writer dropped unfinished has nothing to report.
struct Sink {
    file: BufWriter<std::fs::File>,
    failed: bool,
}

impl Sink {
    fn guard<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        self.failed |= result.is_err();
        result
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        let result = self.file.write(buf);
        self.guard(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let result = self.file.flush();
        self.guard(result)
    }
}

impl io::Seek for Sink {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        if self.failed {
            return Ok(0);
        }
        let result = self.file.seek(to);
        self.guard(result)
    }
}

/// The operating system's error under the wrappers that name a temporary file
/// (`tempfile`'s path errors): messages name the output, once.
fn bare(e: io::Error) -> io::Error {
    let os = e.raw_os_error().or_else(|| {
        let inner = e.get_ref()?.source()?.downcast_ref::<io::Error>()?;
        inner.raw_os_error()
    });
    match os {
        Some(code) => io::Error::from_raw_os_error(code),
        None => e,
    }
}

/// A wheel being written to a temporary file in its output directory.
pub struct OutputWheel {
    final_path: PathBuf,
    force: bool,
    /// The archive being written, into the temporary file.
    writer: Option<ZipWriter<Sink>>,
    /// Removes the temporary file when dropped unfinished.
    temp: TempPath,
    tracked: crate::cleanup::Tracked,
    record: Record,
    timestamp: DateTime,
}

/// A complete output in its temporary file, not yet in place.
pub struct Staged {
    /// Open (and locked) until the output is in place.
    file: std::fs::File,
    /// Removes the temporary file when dropped, unless it was persisted.
    temp: TempPath,
    final_path: PathBuf,
    force: bool,
    _tracked: crate::cleanup::Tracked,
}

/// Whether two paths name the same existing file (after resolving links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

impl OutputWheel {
    /// Start writing `final_path`. Refuses an existing file without `force`,
    /// and always refuses a path that is one of `inputs`.
    pub fn create(final_path: &Path, force: bool, inputs: &[PathBuf]) -> Result<OutputWheel, WriteError> {
        if inputs.iter().any(|i| same_file(i, final_path)) {
            return Err(WriteError::WouldOverwriteInput { path: final_path.to_path_buf() });
        }
        if final_path.exists() && !force {
            return Err(WriteError::Exists { path: final_path.to_path_buf() });
        }
        let dir = match final_path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = final_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(crate::cleanup::TEMP_SUFFIX);
        // The mode of any new file (read and write for all, less the umask), not a temporary file's 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let (named, tracked) =
            crate::cleanup::track(crate::cleanup::Kind::File, || builder.tempfile_in(dir), |f| f.path().to_path_buf())
                .map_err(|source| WriteError::Io { path: final_path.to_path_buf(), source: bare(source) })?;
        // Written through the plain file, so that errors are the system's, not wrapped
        // in the temporary file's name; the path half removes the file unless persisted.
        let (file, temp) = named.into_parts();
        // Held while the file is in use, so that another run's sweep leaves it alone
        // (advisory: a file system without locks only loses that protection).
        let _ = file.try_lock();
        Ok(OutputWheel {
            final_path: final_path.to_path_buf(),
            force,
            writer: Some(ZipWriter::new(Sink { file: BufWriter::new(file), failed: false })),
            temp,
            tracked,
            record: Record::default(),
            timestamp: fixed_timestamp(),
        })
    }

    /// Writing failed: name the output (never its temporary file), and the system's error once.
    fn zip_err(&self, source: zip::result::ZipError) -> WriteError {
        match source {
            zip::result::ZipError::Io(e) => self.io_err(e),
            source => WriteError::Zip { path: self.final_path.clone(), source },
        }
    }

    fn io_err(&self, e: io::Error) -> WriteError {
        WriteError::Io { path: self.final_path.clone(), source: bare(e) }
    }

    fn claim(&mut self, name: &str, entry: RecordEntry) -> Result<(), WriteError> {
        if self.record.entries.insert(name.to_string(), entry).is_some() {
            return Err(WriteError::DuplicateMember { member: name.to_string() });
        }
        Ok(())
    }

    /// Copy an input member's compressed bytes as they are, under `name`.
    /// `entry` is its verified RECORD row.
    pub fn copy_member(
        &mut self,
        wheel: &mut Wheel,
        member: &Member,
        name: &str,
        entry: RecordEntry,
    ) -> Result<(), WriteError> {
        self.claim(name, entry)?;
        let file = wheel.raw_member(member)?;
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let result = writer.raw_copy_file_rename(file, name);
        result.map_err(|e| self.zip_err(e))
    }

    /// Add a new file, deflated, with the fixed timestamp.
    pub fn add_file(&mut self, name: &str, data: &[u8]) -> Result<(), WriteError> {
        self.claim(name, RecordEntry::of(data))?;
        self.write_file(name, data)
    }

    fn write_file(&mut self, name: &str, data: &[u8]) -> Result<(), WriteError> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(self.timestamp)
            .unix_permissions(0o644);
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let started = writer.start_file(name, options);
        started.map_err(|e| self.zip_err(e))?;
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let written = writer.write_all(data);
        written.map_err(|e| self.io_err(e))
    }

    /// Write `<dist_info>/RECORD` last, close the archive, and move it into place
    /// (one wheel: [`OutputWheel::stage`], then [`commit`]).
    pub fn finish(self, dist_info: &str) -> Result<PathBuf, WriteError> {
        let staged = self.stage(dist_info)?;
        commit(vec![staged])?
            .pop()
            .ok_or_else(|| WriteError::Io { path: PathBuf::new(), source: io::Error::other("nothing was committed") })
    }

    /// Write `<dist_info>/RECORD` last and close the archive, synced to disk,
    /// leaving it in its temporary file.
    pub fn stage(mut self, dist_info: &str) -> Result<Staged, WriteError> {
        let record_name = format!("{dist_info}/RECORD");
        if self.record.entries.contains_key(&record_name) {
            return Err(WriteError::DuplicateMember { member: record_name });
        }
        let text = self.record.to_csv(&record_name);
        self.write_file(&record_name, text.as_bytes())?;
        let Some(writer) = self.writer.take() else {
            return Err(self.io_err(io::Error::other("already finished")));
        };
        let sink = writer.finish().map_err(|e| self.zip_err(e))?;
        let file = sink.file.into_inner().map_err(|e| self.io_err(e.into_error()))?;
        file.sync_all().map_err(|e| self.io_err(e))?;
        Ok(Staged { file, temp: self.temp, final_path: self.final_path, force: self.force, _tracked: self.tracked })
    }
}

impl Staged {
    /// The temporary file.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.file.metadata().map_or(0, |m| m.len())
    }

    /// Read the staged bytes back and prove they are the planned wheel: the
    /// central directory opens, RECORD lists every member with its size, WHEEL's
    /// `Tag:` lines are `tags` (in any order), and each of `binaries` is there
    /// and inflates to the sha256 and size RECORD gives it.
    pub fn prove(&self, limits: crate::wheel::Limits, tags: &[String], binaries: &[&str]) -> Result<(), WriteError> {
        let fail = |detail: String, source: Option<WheelError>| WriteError::Proof {
            path: self.final_path.clone(),
            detail,
            source,
        };
        let mut wheel = Wheel::open(self.path(), limits).map_err(|e| fail("does not open".into(), Some(e)))?;
        wheel.check_record_listing().map_err(|e| fail("does not match its RECORD".into(), Some(e)))?;
        let mut written: Vec<&String> = wheel.metadata.tags.iter().collect();
        let mut planned: Vec<&String> = tags.iter().collect();
        written.sort();
        planned.sort();
        if written != planned {
            return Err(fail("has other Tag: lines than planned".into(), None));
        }
        if let Some(missing) = binaries.iter().find(|b| wheel.member(b).is_none()) {
            return Err(fail(format!("lacks the planned binary {missing}"), None));
        }
        wheel
            .hash_record_reading(|m| binaries.contains(&m.name.as_str()), |_| false, |_| ReadOn::ToTheEnd, |_, _| {})
            .map_err(|e| fail("has a binary that does not match its RECORD".into(), Some(e)))?;
        Ok(())
    }
}

/// Move every staged output into place, all or none: while the renames run,
/// a SIGINT or SIGTERM waits ([`crate::cleanup::hold`]); if one rename fails,
/// the outputs already moved are removed again (where they replaced nothing)
/// and the others are dropped, which removes them. Returns the final paths.
pub fn commit(staged: Vec<Staged>) -> Result<Vec<PathBuf>, WriteError> {
    crate::cleanup::hold(|| {
        let mut done: Vec<(PathBuf, bool)> = Vec::new();
        for s in staged.into_iter() {
            let existed = s.final_path.exists();
            let final_path = s.final_path.clone();
            let persisted =
                if s.force { s.temp.persist(&s.final_path) } else { s.temp.persist_noclobber(&s.final_path) };
            match persisted {
                Ok(_) => done.push((final_path, existed)),
                Err(e) => {
                    for (path, existed) in &done {
                        if !existed {
                            let _ = std::fs::remove_file(path);
                        }
                    }
                    // The temporary file is dropped with the error, which removes it.
                    return Err(if !s.force && e.error.kind() == io::ErrorKind::AlreadyExists {
                        // The name was taken meanwhile: no silent overwrite.
                        WriteError::Exists { path: final_path }
                    } else {
                        WriteError::Io { path: final_path, source: e.error }
                    });
                }
            }
        }
        Ok(done.into_iter().map(|(p, _)| p).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_timestamps() {
        let at = |secs| crate::output::utc_datetime(secs).and_then(zip_datetime).unwrap();
        let d = at(1_700_000_000);
        assert_eq!((d.year(), d.month(), d.day(), d.hour(), d.minute()), (2023, 11, 14, 22, 13));
        let d = at(0);
        assert_eq!(d.year(), 1980, "clamped to the zip epoch");
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("uniabi-writer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn ok_finish_writes_record_last_and_leaves_no_temporary_file() {
        let dir = scratch("finish");
        let path = dir.join("p-1.0-py3-none-any.whl");
        let mut w = OutputWheel::create(&path, false, &[]).unwrap();
        w.add_file("p/a,b.py", b"x = 1\n").unwrap();
        w.add_file("p-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: py3-none-any\n").unwrap();
        assert_eq!(w.finish("p-1.0.dist-info").unwrap(), path);
        assert_eq!(listing(&dir), ["p-1.0-py3-none-any.whl"]);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(zip.file_names().count(), 3);
        let last = zip.by_index(2).unwrap().name().unwrap().to_string();
        assert_eq!(last, "p-1.0.dist-info/RECORD");
        let mut text = String::new();
        io::Read::read_to_string(&mut zip.by_index(2).unwrap(), &mut text).unwrap();
        let record = Record::parse(&text).unwrap();
        assert_eq!(record.entries["p/a,b.py"], RecordEntry::of(b"x = 1\n"));
        assert!(text.ends_with("p-1.0.dist-info/RECORD,,\n"), "{text}");
    }

    #[test]
    fn err_output_taken_while_writing_is_not_replaced() {
        let dir = scratch("taken");
        let path = dir.join("p-1.0-py3-none-any.whl");
        let mut w = OutputWheel::create(&path, false, &[]).unwrap();
        w.add_file("p-1.0.dist-info/WHEEL", b"Tag: py3-none-any\n").unwrap();
        std::fs::write(&path, b"someone else's").unwrap();
        let err = w.finish("p-1.0.dist-info").unwrap_err();
        assert_eq!(err.to_string(), format!("{} already exists (pass --force to replace it)", path.display()));
        assert_eq!(std::fs::read(&path).unwrap(), b"someone else's");
        assert_eq!(listing(&dir), ["p-1.0-py3-none-any.whl"], "the temporary file is removed");
    }

    #[test]
    fn err_a_commit_that_cannot_finish_writes_none_of_its_outputs() {
        let dir = scratch("commit");
        let stage = |name: &str| {
            let mut w = OutputWheel::create(&dir.join(name), false, &[]).unwrap();
            w.add_file("p-1.0.dist-info/WHEEL", b"Tag: py3-none-any\n").unwrap();
            w.stage("p-1.0.dist-info").unwrap()
        };
        let (a, b) = (stage("p-1.0-py3-none-any.whl"), stage("p-1.0-1-py3-none-any.whl"));
        // The second name is taken after staging: the first output must not stay alone.
        std::fs::write(dir.join("p-1.0-1-py3-none-any.whl"), b"someone else's").unwrap();
        let err = commit(vec![a, b]).unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }), "{err}");
        assert_eq!(listing(&dir), ["p-1.0-1-py3-none-any.whl"], "none written, no temporary file left");
        assert_eq!(std::fs::read(dir.join("p-1.0-1-py3-none-any.whl")).unwrap(), b"someone else's");
    }

    #[test]
    fn ok_dropped_or_refused_writer_leaves_nothing() {
        let dir = scratch("dropped");
        let path = dir.join("p-1.0-py3-none-any.whl");
        let mut w = OutputWheel::create(&path, false, &[]).unwrap();
        w.add_file("p/x.py", b"").unwrap();
        assert_eq!(listing(&dir).len(), 1, "the temporary file exists while writing");
        assert!(listing(&dir)[0].ends_with(".uniabi-tmp"));
        drop(w);
        assert!(listing(&dir).is_empty());
        let w = OutputWheel::create(&path, false, &[]).unwrap();
        let staged = w.stage("p-1.0.dist-info").unwrap();
        assert_eq!(listing(&dir).len(), 1, "staged, not in place");
        drop(staged);
        assert!(listing(&dir).is_empty());
    }
}
