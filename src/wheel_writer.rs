//! Writing wheels atomically and reproducibly.
//!
//! Everything goes to a temporary file in the output directory, which is
//! renamed into place only once complete; if the writer is dropped before
//! [`OutputWheel::finish`], the temporary file is removed. An existing file is
//! never replaced without `force`, and an output path that names one of the
//! inputs is refused. Members copied from an input keep their compressed bytes;
//! new files get a fixed timestamp (`SOURCE_DATE_EPOCH`, else 1980-01-01).

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::wheel::{Member, RecordEntry, Wheel, WheelError};

/// Why an output wheel could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The output already exists and `--force` was not given.
    Exists { path: PathBuf },
    /// The output would overwrite one of the inputs.
    WouldOverwriteInput { path: PathBuf },
    /// Two members would share a name.
    DuplicateMember { member: String },
    /// Reading an input member failed.
    Input(WheelError),
    /// Writing the output failed.
    Io { path: PathBuf, source: io::Error },
    /// The zip writer failed.
    Zip { path: PathBuf, source: zip::result::ZipError },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Exists { path } => {
                write!(f, "{} already exists (pass --force to replace it)", path.display())
            }
            WriteError::WouldOverwriteInput { path } => {
                write!(f, "{} is one of the inputs; refusing to overwrite it", path.display())
            }
            WriteError::DuplicateMember { member } => {
                write!(f, "member '{member}' would be written twice")
            }
            WriteError::Input(e) => write!(f, "{e}"),
            WriteError::Io { path, .. } | WriteError::Zip { path, .. } => {
                write!(f, "cannot write {}", path.display())
            }
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Input(e) => e.source(),
            WriteError::Io { source, .. } => Some(source),
            WriteError::Zip { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<WheelError> for WriteError {
    fn from(e: WheelError) -> Self {
        WriteError::Input(e)
    }
}

/// The RECORD hash of some bytes: `sha256=<urlsafe base64, no padding>`.
pub fn record_hash(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    format!("sha256={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
}

/// The timestamp new members get: `SOURCE_DATE_EPOCH` if set and valid, else 1980-01-01 00:00.
pub fn fixed_timestamp() -> DateTime {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(datetime_from_unix)
        .unwrap_or_default()
}

/// A zip timestamp from Unix seconds (zip times start in 1980 and have 2-second resolution).
fn datetime_from_unix(secs: i64) -> Option<DateTime> {
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_date(secs.div_euclid(86_400));
    let year = u16::try_from(year.clamp(1980, 2107)).ok()?;
    DateTime::from_date_and_time(
        year,
        month as u8,
        day as u8,
        (rem / 3600) as u8,
        ((rem % 3600) / 60) as u8,
        (rem % 60) as u8,
    )
    .ok()
}

/// The (year, month, day) of a day counted from 1970-01-01 (H. Hinnant's civil-date algorithm).
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A wheel being written to a temporary file in its output directory.
pub struct OutputWheel {
    final_path: PathBuf,
    tmp_path: PathBuf,
    force: bool,
    writer: Option<ZipWriter<BufWriter<File>>>,
    record: BTreeMap<String, RecordEntry>,
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
        let dir = final_path.parent().unwrap_or(Path::new("."));
        let name = final_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp_path = dir.join(format!(".{name}.{}.uniabi-tmp", std::process::id()));
        let io_err = |source| WriteError::Io { path: tmp_path.clone(), source };
        let file = File::options().write(true).create_new(true).open(&tmp_path).map_err(io_err)?;
        Ok(OutputWheel {
            final_path: final_path.to_path_buf(),
            tmp_path,
            force,
            writer: Some(ZipWriter::new(BufWriter::new(file))),
            record: BTreeMap::new(),
            timestamp: fixed_timestamp(),
        })
    }

    fn zip_err(&self, source: zip::result::ZipError) -> WriteError {
        WriteError::Zip { path: self.tmp_path.clone(), source }
    }

    fn claim(&mut self, name: &str, entry: RecordEntry) -> Result<(), WriteError> {
        if self.record.insert(name.to_string(), entry).is_some() {
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
        self.claim(name, RecordEntry { hash: Some(record_hash(data)), size: Some(data.len() as u64) })?;
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
        let mut text = String::new();
        for (path, entry) in &self.record {
            let size = entry.size.map(|s| s.to_string()).unwrap_or_default();
            text.push_str(&format!("{},{},{size}\n", csv_field(path), entry.hash.as_deref().unwrap_or("")));
        }
        text.push_str(&format!("{},,\n", csv_field(&record_name)));
        self.add_file(&record_name, text.as_bytes())?;
        let Some(writer) = self.writer.take() else {
            return Err(WriteError::Io { path: self.tmp_path.clone(), source: io::Error::other("already finished") });
        };
        let io_err = |source| WriteError::Io { path: self.tmp_path.clone(), source };
        let buffered = writer.finish().map_err(|e| self.zip_err(e))?;
        let file = buffered.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        drop(file);
        if let Err(e) = check(&self.tmp_path) {
            return Ok(Err(e));
        }
        if self.force {
            std::fs::rename(&self.tmp_path, &self.final_path).map_err(io_err)?;
        } else {
            // A hard link fails if the name was taken meanwhile: no silent overwrite.
            std::fs::hard_link(&self.tmp_path, &self.final_path).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    WriteError::Exists { path: self.final_path.clone() }
                } else {
                    WriteError::Io { path: self.final_path.clone(), source: e }
                }
            })?;
            let _ = std::fs::remove_file(&self.tmp_path);
        }
        Ok(Ok(self.final_path.clone()))
    }
}

impl Drop for OutputWheel {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp_path);
    }
}

/// Quote a RECORD path when CSV needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_record_hash() {
        // sha256("") in urlsafe base64 without padding.
        assert_eq!(record_hash(b""), "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    }

    #[test]
    fn ok_timestamps() {
        let d = datetime_from_unix(1_700_000_000).unwrap();
        assert_eq!((d.year(), d.month(), d.day(), d.hour(), d.minute()), (2023, 11, 14, 22, 13));
        let d = datetime_from_unix(0).unwrap();
        assert_eq!(d.year(), 1980, "clamped to the zip epoch");
    }

    #[test]
    fn ok_csv_field() {
        assert_eq!(csv_field("a/b.py"), "a/b.py");
        assert_eq!(csv_field("a,b.py"), "\"a,b.py\"");
        assert_eq!(csv_field("q\"x"), "\"q\"\"x\"");
    }
}
