//! Writing wheels atomically and reproducibly.
//!
//! Everything goes to a temporary file in the output directory, which is
//! moved into place only once complete; if the writer is dropped before
//! [`OutputWheel::finish`], the temporary file is removed. An existing file is
//! never replaced without `force`, and an output path that names one of the
//! inputs is refused. Members copied from an input keep their compressed bytes;
//! new files get a fixed timestamp (`SOURCE_DATE_EPOCH`, else 1980-01-01).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::record::{Record, RecordEntry};
use crate::wheel::{Member, Wheel, WheelError};

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
    /// Writing the output failed.
    #[error("cannot write {}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The zip writer failed.
    #[error("cannot write {}", path.display())]
    Zip { path: PathBuf, source: zip::result::ZipError },
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

/// A wheel being written to a temporary file in its output directory.
pub struct OutputWheel {
    final_path: PathBuf,
    /// The temporary file's path, for messages.
    tmp_path: PathBuf,
    force: bool,
    /// The archive being written; the temporary file is removed when it is dropped unfinished.
    writer: Option<ZipWriter<BufWriter<NamedTempFile>>>,
    record: Record,
    timestamp: DateTime,
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
        builder.prefix(&prefix).suffix(".uniabi-tmp");
        // The mode of any new file (read and write for all, less the umask), not a temporary file's 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let file = builder
            .tempfile_in(dir)
            .map_err(|source| WriteError::Io { path: dir.join(format!("{prefix}*.uniabi-tmp")), source })?;
        Ok(OutputWheel {
            final_path: final_path.to_path_buf(),
            tmp_path: file.path().to_path_buf(),
            force,
            writer: Some(ZipWriter::new(BufWriter::new(file))),
            record: Record::default(),
            timestamp: fixed_timestamp(),
        })
    }

    fn zip_err(&self, source: zip::result::ZipError) -> WriteError {
        WriteError::Zip { path: self.tmp_path.clone(), source }
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
        writer.write_all(data).map_err(|source| WriteError::Io { path: self.tmp_path.clone(), source })
    }

    /// Write `<dist_info>/RECORD` last, close the archive, and move it into place.
    pub fn finish(self, dist_info: &str) -> Result<PathBuf, WriteError> {
        let checked = self.finish_checked(dist_info, |_| Ok::<(), std::convert::Infallible>(()))?;
        checked.map_err(|never| match never {})
    }

    /// Like [`OutputWheel::finish`], but run `check` on the complete temporary
    /// file before moving it into place. When `check` fails, the temporary file
    /// is removed and nothing is written: the inner `Err` carries its reason.
    pub fn finish_checked<E>(
        mut self,
        dist_info: &str,
        check: impl FnOnce(&Path) -> Result<(), E>,
    ) -> Result<Result<PathBuf, E>, WriteError> {
        let record_name = format!("{dist_info}/RECORD");
        if self.record.entries.contains_key(&record_name) {
            return Err(WriteError::DuplicateMember { member: record_name });
        }
        let text = self.record.to_csv(&record_name);
        self.write_file(&record_name, text.as_bytes())?;
        let Some(writer) = self.writer.take() else {
            return Err(WriteError::Io { path: self.tmp_path.clone(), source: io::Error::other("already finished") });
        };
        let io_err = |source| WriteError::Io { path: self.tmp_path.clone(), source };
        let buffered = writer.finish().map_err(|e| self.zip_err(e))?;
        let file = buffered.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.as_file().sync_all().map_err(io_err)?;
        if let Err(e) = check(file.path()) {
            return Ok(Err(e));
        }
        let persisted =
            if self.force { file.persist(&self.final_path) } else { file.persist_noclobber(&self.final_path) };
        // On failure the temporary file is dropped with the error, which removes it.
        persisted.map_err(|e| {
            if self.force {
                WriteError::Io { path: self.tmp_path.clone(), source: e.error }
            } else if e.error.kind() == io::ErrorKind::AlreadyExists {
                // The name was taken meanwhile: no silent overwrite.
                WriteError::Exists { path: self.final_path.clone() }
            } else {
                WriteError::Io { path: self.final_path.clone(), source: e.error }
            }
        })?;
        Ok(Ok(self.final_path.clone()))
    }
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
        let refused = w.finish_checked("p-1.0.dist-info", |_| Err("fails check")).unwrap();
        assert_eq!(refused, Err("fails check"));
        assert!(listing(&dir).is_empty());
    }
}
