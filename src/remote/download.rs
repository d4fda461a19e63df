//! Whole remote wheels on disk, for the command that needs every byte of its
//! inputs (`merge` copies members raw): each wheel streamed into a private
//! temporary directory, its sha256 checked against the index before it is
//! used, the directory removed when the run ends.

use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::auth::redact;
use super::http::{Client, HttpError};
use super::range::{RangeError, RemoteFile};

/// The most bytes a wheel of unknown size may have.
const UNKNOWN_SIZE_LIMIT: u64 = 16 << 30;

/// Why a remote wheel could not be downloaded whole.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Http(HttpError),
    /// The file's sha256 is not what the index (or the URL's `#sha256=`) claims,
    /// or nothing claims one where `--verify-sha256` asks for the check.
    #[error(transparent)]
    Claim(RangeError),
    /// The URL does not end in a wheel's file name.
    #[error("the URL does not end in a wheel's file name")]
    Name { url: String },
    /// The temporary copy could not be made.
    #[error("cannot write {}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// No temporary directory for the downloads could be made.
    #[error("cannot create a temporary directory for the downloads in {}", path.display())]
    TempDir { path: PathBuf, source: io::Error },
}

/// A private temporary directory under the system's temporary directory,
/// removed with everything in it when dropped.
pub fn temp_dir(prefix: &str) -> io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix(&format!("{prefix}-")).tempdir()
}

/// The wheel file name a URL ends in (query and fragment aside, `%XX` decoded).
pub fn wheel_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    let name = percent_decode(last)?;
    let ok = name.to_ascii_lowercase().ends_with(".whl")
        && !name.contains(['/', '\\'])
        && name != ".whl"
        && !name.starts_with('.');
    ok.then_some(name)
}

/// `%XX` decoded, if every escape is two hex digits and the result is UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A writer that hashes what passes through it.
pub(crate) struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W> Hashing<W> {
    pub(crate) fn new(inner: W) -> Hashing<W> {
        Hashing { inner, hash: Sha256::new() }
    }

    /// The writer, and the lowercase hex sha256 of everything written.
    pub(crate) fn finish(self) -> (W, String) {
        (self.inner, super::range::hex(&self.hash.finalize()))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Download `file` whole to `dir/<its wheel file name>`, streamed, and check
/// its sha256 when one is known. On any failure nothing is left at the path.
pub fn download(client: &Client, file: &RemoteFile, dir: &Path) -> Result<PathBuf, DownloadError> {
    let name = wheel_name(&file.url).ok_or_else(|| DownloadError::Name { url: redact(&file.url) })?;
    let path = dir.join(&name);
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|source| DownloadError::Io { path: path.clone(), source })
        .and_then(|out| fetch_into(client, file, out, &path));
    if result.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    result.map(|_| path)
}

/// Download `file` whole into an unnamed temporary file
/// ([`crate::cleanup::private_file`]: the system removes it when it is closed, whatever ends the run), streamed, its sha256 checked
/// against the claim: the full proof of `--verify-sha256`. The file is
/// returned at its start.
pub fn whole_verified(client: &Client, file: &RemoteFile) -> Result<std::fs::File, DownloadError> {
    let tmp = std::env::temp_dir();
    let out = crate::cleanup::private_file().map_err(|source| DownloadError::TempDir { path: tmp.clone(), source })?;
    let mut out = fetch_into(client, file, out, &tmp)?;
    out.rewind().map_err(|source| DownloadError::Io { path: tmp, source })?;
    Ok(out)
}

/// Stream `file` into `out` and check its sha256 against the claim.
fn fetch_into(
    client: &Client,
    file: &RemoteFile,
    out: std::fs::File,
    path: &Path,
) -> Result<std::fs::File, DownloadError> {
    let io_error = |source| DownloadError::Io { path: path.to_path_buf(), source };
    let mut sink = Hashing::new(io::BufWriter::new(out));
    let limit = file.size.unwrap_or(UNKNOWN_SIZE_LIMIT);
    client.download(&file.url, file.size, limit, &mut sink, None).map_err(DownloadError::Http)?;
    sink.flush().map_err(io_error)?;
    let (inner, actual) = sink.finish();
    super::range::check_claim(file, &actual).map_err(DownloadError::Claim)?;
    inner.into_inner().map_err(|e| io_error(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_wheel_name_of_a_url() {
        assert_eq!(
            wheel_name("https://h/f/a-1.0-py3-none-any.whl#sha256=ab").as_deref(),
            Some("a-1.0-py3-none-any.whl")
        );
        assert_eq!(
            wheel_name("https://h/f/a-1.0%2Bl-py3-none-any.whl?x=1").as_deref(),
            Some("a-1.0+l-py3-none-any.whl")
        );
        assert_eq!(wheel_name("https://h/f/a-1.0.tar.gz"), None);
        assert_eq!(wheel_name("https://h/f/..%2F..%2Fx.whl"), None);
        assert_eq!(wheel_name("https://h/f/%zz.whl"), None);
    }
}
