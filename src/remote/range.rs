//! A remote wheel as a sparse `Read + Seek` file: the central directory is
//! fetched first with bounded `Range` requests, then the members a command
//! needs, neighbours coalesced into one request, so the zip reader and every
//! analysis above it read the remote wheel exactly as a local one.
//!
//! A server that ignores `Range` (200), refuses it (416) or does not
//! implement it (501) gives the whole file in one streamed download instead,
//! whose sha256 is checked against the claim (the index's, or the URL's
//! `#sha256=`). Member CRCs are checked by the zip reader as it inflates.
//!
//! What a range read proves, and what it does not: the central directory and
//! the members read are the server's bytes, each member as its CRC-32 says;
//! the sha256 is checked only when the whole file is read. The
//! [`Fingerprint`] of the bytes from the central directory to the end is what
//! the cache compares a later reading with.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::http::{Client, HttpError, RangeAnswer, RangeSink};
use crate::wheel::{Fingerprint, Span, WheelError};

/// The bytes fetched for the end of the file: the end-of-central-directory
/// record, its comment (at most 64 KiB) and, for most wheels, the whole
/// central directory.
const TAIL: u64 = 64 * 1024;
/// Gaps between wanted members up to this size are fetched rather than split into two requests.
const COALESCE_GAP: u64 = 32 * 1024;
/// A file this small is fetched whole in one request.
const SMALL_WHOLE: u64 = 256 * 1024;
/// A read the planned ranges do not cover fetches at least this much.
const LAZY_MIN: u64 = 16 * 1024;

/// Why a remote wheel could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The size is unknown (no `size` in the index, no length from HEAD).
    #[error("the server gives no size for the file")]
    NoSize { url: String },
    /// The whole file's sha256 is not what the index (or the URL) claims.
    #[error("sha256 is {actual}, but {claim} is {expected}")]
    Sha256 { url: String, actual: String, expected: String, claim: Claim },
    /// `--verify-sha256`, and nothing claims a sha256 to check against.
    #[error("no sha256 to verify the file against (the index lists none; a URL can end in #sha256=…)")]
    NoSha256 { url: String },
    /// The end of the file holds no zip directory, or the directory points outside the file.
    #[error("not a readable zip archive: {detail}")]
    BadDirectory { url: String, detail: DirectoryError },
}

/// What is wrong with the end of a remote file that should hold a zip directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("no end-of-central-directory record")]
    NoEnd,
    #[error("the zip64 directory record is outside the fetched end of the file")]
    Zip64Outside,
    #[error("no zip64 end-of-central-directory record where the locator points")]
    NoZip64End,
    #[error("{size} bytes is too short for a zip archive")]
    TooShort { size: u64 },
    #[error("the end of the file was not read")]
    TailUnread,
    #[error("the central directory ({size} bytes at {start}) lies outside the file")]
    Outside { start: u64, size: u64 },
    #[error("the central directory was not read")]
    Unread,
}

/// Who claims a file's sha256, for a message that names the claim found false.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Claim {
    /// The index page (PEP 691 `hashes`, a PEP 503 link's `#sha256=`).
    #[default]
    Index,
    /// The `#sha256=` of a wheel URL given on the command line.
    Url,
    /// The lock file that names the wheel (pylock `hashes`, uv.lock `hash`).
    Lock,
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Claim::Index => "the index's sha256",
            Claim::Url => "the URL's #sha256",
            Claim::Lock => "the lock's sha256",
        })
    }
}

/// What is known of a remote file before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// The URL requests go to: no userinfo (credentials are kept apart), but any query.
    pub url: String,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    /// Who claims `sha256`.
    pub claim: Claim,
    /// Read whole and check the sha256 (`--verify-sha256`, or a `#sha256=` the user wrote).
    pub whole: bool,
}

/// The fetched parts of a remote file, spooled at their offsets into a
/// private temporary file ([`crate::cleanup::private_file`]) so that a large
/// wheel's ranges never sit in memory; only the map of what is held does.
struct Parts {
    file: RemoteFile,
    size: u64,
    spool: Spool,
    client: Arc<Client>,
    /// The whole file arrived (range ignored or refused, or a small file read at once), its sha256 checked.
    whole: bool,
    /// The time its requests may take together ([`Client::input_allowance`]), and took so far.
    allowance: Duration,
    spent: Duration,
}

/// A sparse copy of a remote file: its fetched byte ranges, each written at
/// its own offset of an unnamed temporary file, created at the first write.
struct Spool {
    file: Option<File>,
    /// Fetched byte ranges: start → end (exclusive), none overlapping.
    held: BTreeMap<u64, u64>,
}

impl Spool {
    /// The fetched range `pos` lies in, as (start, end).
    fn covered(&self, pos: u64) -> Option<(u64, u64)> {
        self.held.range(..=pos).next_back().map(|(&s, &e)| (s, e)).filter(|&(_, e)| pos < e)
    }

    /// Where the next fetched range after `pos` starts, if any.
    fn next_held(&self, pos: u64) -> Option<u64> {
        self.held.range(pos..).next().map(|(&s, _)| s)
    }

    /// The parts of `start..end` not fetched yet.
    fn missing(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut pos = start;
        while pos < end {
            match self.covered(pos) {
                Some((_, held_end)) => pos = held_end,
                None => {
                    let stop = self.next_held(pos).map_or(end, |s| s.min(end));
                    out.push((pos, stop));
                    pos = stop;
                }
            }
        }
        out
    }

    /// Mark `start..end` as fetched (it is written and does not overlap a held range).
    fn hold(&mut self, start: u64, end: u64) {
        if start < end {
            self.held.insert(start, end);
        }
    }

    /// Read held bytes at `pos` into `buf`; 0 if `pos` is not held.
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Some((_, end)) = self.covered(pos) else { return Ok(0) };
        let n = buf.len().min(usize::try_from(end - pos).unwrap_or(usize::MAX));
        let file = self.file.as_mut().ok_or_else(|| io::Error::other("nothing fetched"))?;
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut buf[..n])?;
        Ok(n)
    }

    /// The sha256 (hex) of the held bytes `0..size`, read back from the spool.
    fn sha256(&mut self, size: u64) -> io::Result<String> {
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut pos = 0;
        while pos < size {
            let n = self.read_at(pos, &mut buf)?;
            if n == 0 {
                return Err(io::Error::other("the file is not wholly held"));
            }
            hash.update(&buf[..n]);
            pos += n as u64;
        }
        Ok(hex(&hash.finalize()))
    }
}

impl RangeSink for Spool {
    fn at(&mut self, offset: u64, whole: bool) -> io::Result<&mut dyn Write> {
        if whole {
            // The whole file is written over the ranges held: until it has
            // arrived (and is marked held), nothing is.
            self.held.clear();
        }
        let file = match &mut self.file {
            Some(file) => file,
            empty => empty.insert(crate::cleanup::private_file()?),
        };
        file.seek(SeekFrom::Start(offset))?;
        Ok(file)
    }
}

impl Parts {
    /// Fetch `start..end`; a whole-file answer replaces everything.
    fn fetch(&mut self, start: u64, end: u64, member: bool) -> Result<(), RangeError> {
        let left = self.allowance.saturating_sub(self.spent);
        if left.is_zero() {
            return Err(self.client.allowance_spent(&self.file.url, self.allowance).into());
        }
        let started = Instant::now();
        let not_after = Some(started + left);
        let reply =
            self.client.get_range_into(&self.file.url, (start, end, self.size), member, not_after, &mut self.spool);
        self.spent += started.elapsed();
        match reply? {
            RangeAnswer::Partial => self.spool.hold(start, end),
            RangeAnswer::Whole => self.take_whole()?,
            RangeAnswer::Refused => {
                let started = Instant::now();
                let url = &self.file.url;
                let got =
                    self.spool.at(0, true).map_err(|source| HttpError::Write { url: super::auth::redact(url), source });
                let got = got.and_then(|sink| self.client.download(url, Some(self.size), self.size, sink, None));
                self.spent += started.elapsed();
                got?;
                self.take_whole()?;
            }
        }
        Ok(())
    }

    /// The whole file is in the spool: check its sha256 against the claim, and hold it.
    fn take_whole(&mut self) -> Result<(), RangeError> {
        self.spool.held.clear();
        self.spool.hold(0, self.size);
        let actual = self.spool.sha256(self.size).map_err(|source| {
            self.spool.held.clear();
            HttpError::Write { url: super::auth::redact(&self.file.url), source }
        })?;
        if let Err(e) = check_claim(&self.file, &actual) {
            self.spool.held.clear();
            return Err(e);
        }
        self.whole = true;
        Ok(())
    }
}

/// Whether `actual` (a file's sha256, in hex) is what `file`'s claim says;
/// the error names the claim.
pub fn check_claim(file: &RemoteFile, actual: &str) -> Result<(), RangeError> {
    match &file.sha256 {
        Some(expected) if !actual.eq_ignore_ascii_case(expected) => Err(RangeError::Sha256 {
            url: super::auth::redact(&file.url),
            actual: actual.to_string(),
            expected: expected.clone(),
            claim: file.claim,
        }),
        None if file.whole => Err(RangeError::NoSha256 { url: super::auth::redact(&file.url) }),
        _ => Ok(()),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A remote file opened for sparse reading.
pub struct RemoteZip {
    parts: Arc<Mutex<Parts>>,
    /// Every entry of the central directory.
    entries: Vec<DirectoryEntry>,
    cd_start: u64,
    /// The bytes from the central directory to the end, as read.
    fingerprint: Fingerprint,
}

impl RemoteZip {
    /// Learn the size (index or HEAD) and fetch the end of the file and the central directory.
    pub fn open(client: Arc<Client>, file: RemoteFile) -> Result<RemoteZip, RangeError> {
        let size = match file.size {
            Some(s) => s,
            None => client
                .head_size(&file.url)?
                .ok_or_else(|| RangeError::NoSize { url: super::auth::redact(&file.url) })?,
        };
        let url = super::auth::redact(&file.url);
        let bad = |detail: DirectoryError| RangeError::BadDirectory { url: url.clone(), detail };
        if size < 22 {
            return Err(bad(DirectoryError::TooShort { size }));
        }
        client.stats.wheels.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        client.stats.wheel_bytes.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
        let allowance = client.input_allowance(size);
        let spent = Duration::ZERO;
        let spool = Spool { file: None, held: BTreeMap::new() };
        let mut parts = Parts { file: file.clone(), size, spool, client, whole: false, allowance, spent };
        // A small file is read whole, at once: no more bytes than its end, its
        // directory and its members would cost in several requests.
        let tail_start = if size <= SMALL_WHOLE { 0 } else { size.saturating_sub(TAIL) };
        parts.fetch(tail_start, size, false)?;
        if tail_start == 0 && !parts.whole {
            // The end of the file was the whole file: its sha256 is checked for free.
            parts.take_whole()?;
        }
        let mut tail = vec![0; (size - tail_start) as usize];
        read_held(&mut parts.spool, tail_start, &mut tail).map_err(|_| bad(DirectoryError::TailUnread))?;
        let (cd_start, cd_size) = directory_bounds(&tail, tail_start).map_err(&bad)?;
        if cd_start.checked_add(cd_size).is_none_or(|end| end > size) {
            return Err(bad(DirectoryError::Outside { start: cd_start, size: cd_size }));
        }
        if !parts.whole && cd_start < tail_start {
            parts.fetch(cd_start, tail_start, false)?;
        }
        // Everything from the central directory to the end is held now: the
        // directory, any zip64 records, the end record and its comment.
        let mut tail = vec![0; (size - cd_start) as usize];
        read_held(&mut parts.spool, cd_start, &mut tail).map_err(|_| bad(DirectoryError::Unread))?;
        let entries = directory_entries(&tail[..cd_size as usize]);
        let fingerprint = Fingerprint {
            directory_start: cd_start,
            size,
            directory_sha256: hex(&Sha256::digest(&tail)),
            sha256_checked: parts.whole && file.sha256.is_some(),
        };
        Ok(RemoteZip { parts: Arc::new(Mutex::new(parts)), entries, cd_start, fingerprint })
    }

    /// The fingerprint of what was read (see [`Fingerprint`]).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// Refuse, before fetching any member, a directory whose entries overlap
    /// or share a local header ([`crate::wheel::check_overlaps`]).
    pub fn check_overlaps(&self) -> Result<(), WheelError> {
        let spans = self
            .entries
            .iter()
            .map(|e| Span { name: e.name.clone(), start: e.offset, len: 30 + e.name_len + e.compressed })
            .collect();
        crate::wheel::check_overlaps(spans, self.cd_start)
    }

    /// Fetch the members `wanted` selects, neighbours coalesced; each member's
    /// range runs from its local header to the next entry (or the central directory).
    pub fn prefetch(&self, wanted: &dyn Fn(&str) -> bool) -> Result<(), RangeError> {
        let mut parts = self.parts.lock().map_err(|_| RangeError::NoSize { url: String::new() })?;
        if parts.whole {
            return Ok(());
        }
        let mut offsets: Vec<u64> = self.entries.iter().map(|e| e.offset).filter(|&o| o < self.cd_start).collect();
        offsets.push(self.cd_start);
        offsets.sort_unstable();
        offsets.dedup();
        let mut ranges: Vec<(u64, u64)> = Vec::new();
        for DirectoryEntry { name, offset: start, .. } in &self.entries {
            if !wanted(name) || *start >= self.cd_start {
                continue;
            }
            let end = offsets.get(offsets.partition_point(|&o| o <= *start)).copied().unwrap_or(self.cd_start);
            ranges.push((*start, end));
        }
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 + COALESCE_GAP => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        // Only the bytes not held yet are asked for (a member may end inside the end of the file, held already).
        let missing: Vec<(u64, u64)> = merged.into_iter().flat_map(|(s, e)| parts.spool.missing(s, e)).collect();
        for (s, e) in missing {
            if parts.whole {
                break;
            }
            parts.fetch(s, e, true)?;
        }
        Ok(())
    }

    /// A reader over the file, positioned at its start.
    pub fn reader(&self) -> SparseReader {
        let size = self.parts.lock().map_or(0, |p| p.size);
        SparseReader { parts: Arc::clone(&self.parts), pos: 0, size }
    }
}

/// `Read + Seek` over a [`RemoteZip`]: reads from fetched ranges, fetching
/// (at least [`LAZY_MIN`] bytes) what the plan did not cover.
pub struct SparseReader {
    parts: Arc<Mutex<Parts>>,
    pos: u64,
    size: u64,
}

impl Read for SparseReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let mut parts = self.parts.lock().map_err(|_| io::Error::other("poisoned"))?;
        if parts.spool.covered(self.pos).is_none() {
            let end = (self.pos + (buf.len() as u64).max(LAZY_MIN)).min(self.size);
            // Never fetch over a range already held: stop at the next one.
            let end = parts.spool.next_held(self.pos).map_or(end, |s| end.min(s));
            parts.fetch(self.pos, end, true).map_err(io::Error::other)?;
        }
        match parts.spool.read_at(self.pos, buf)? {
            0 => Err(io::Error::other("range not fetched")),
            n => {
                self.pos += n as u64;
                Ok(n)
            }
        }
    }
}

/// Fill `buf` with the held bytes from `pos`; an error if any of them is not held.
fn read_held(spool: &mut Spool, mut pos: u64, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = spool.read_at(pos, buf)?;
        if n == 0 {
            return Err(io::Error::other("range not fetched"));
        }
        pos += n as u64;
        buf = &mut buf[n..];
    }
    Ok(())
}

impl Seek for SparseReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

/// The central directory's (start, size) from the end of a file that starts at `base`.
fn directory_bounds(tail: &[u8], base: u64) -> Result<(u64, u64), DirectoryError> {
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or(DirectoryError::NoEnd)?;
    let u32_at = |i: usize| u32::from_le_bytes([tail[i], tail[i + 1], tail[i + 2], tail[i + 3]]) as u64;
    let (mut size, mut start) = (u32_at(eocd + 12), u32_at(eocd + 16));
    if (size == 0xFFFF_FFFF || start == 0xFFFF_FFFF)
        && eocd >= 20
        && tail[eocd - 20..].starts_with(&[0x50, 0x4b, 0x06, 0x07])
    {
        let u64_at = |i: usize| u64::from_le_bytes(tail[i..i + 8].try_into().unwrap_or([0; 8]));
        let record = u64_at(eocd - 20 + 8);
        let at = record.checked_sub(base).map(|r| r as usize).filter(|&r| r + 56 <= tail.len());
        let at = at.ok_or(DirectoryError::Zip64Outside)?;
        if !tail[at..].starts_with(&[0x50, 0x4b, 0x06, 0x06]) {
            return Err(DirectoryError::NoZip64End);
        }
        size = u64_at(at + 40);
        start = u64_at(at + 48);
    }
    Ok((start, size))
}

/// One central directory entry, as far as range planning and the overlap check need it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DirectoryEntry {
    name: String,
    name_len: u64,
    /// Where its local header starts.
    offset: u64,
    compressed: u64,
}

/// Each central directory entry, as far as the directory parses.
fn directory_entries(cd: &[u8]) -> Vec<DirectoryEntry> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 46 <= cd.len() && cd[i..].starts_with(&[0x50, 0x4b, 0x01, 0x02]) {
        let u16_at = |j: usize| u16::from_le_bytes([cd[j], cd[j + 1]]) as usize;
        let u32_at = |j: usize| u32::from_le_bytes([cd[j], cd[j + 1], cd[j + 2], cd[j + 3]]) as u64;
        let (name_len, extra_len, comment_len) = (u16_at(i + 28), u16_at(i + 30), u16_at(i + 32));
        let (mut compressed, size, mut offset) = (u32_at(i + 20), u32_at(i + 24), u32_at(i + 42));
        let end = i + 46 + name_len + extra_len + comment_len;
        if end > cd.len() {
            break;
        }
        let name = String::from_utf8_lossy(&cd[i + 46..i + 46 + name_len]).into_owned();
        if offset == 0xFFFF_FFFF || compressed == 0xFFFF_FFFF {
            // The zip64 extra field holds, in order, the fields that overflowed:
            // size, compressed size, offset.
            let mut extra = &cd[i + 46 + name_len..i + 46 + name_len + extra_len];
            while extra.len() >= 4 {
                let id = u16::from_le_bytes([extra[0], extra[1]]);
                let len = u16::from_le_bytes([extra[2], extra[3]]) as usize;
                let body = &extra[4..(4 + len).min(extra.len())];
                if id == 1 {
                    let u64_at =
                        |at: usize| body.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
                    let mut at = 8 * usize::from(size == 0xFFFF_FFFF);
                    if compressed == 0xFFFF_FFFF {
                        compressed = u64_at(at).unwrap_or(compressed);
                        at += 8;
                    }
                    if offset == 0xFFFF_FFFF {
                        offset = u64_at(at).unwrap_or(offset);
                    }
                }
                extra = &extra[(4 + len).min(extra.len())..];
            }
        }
        out.push(DirectoryEntry { name, name_len: name_len as u64, offset, compressed });
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_directory_of_a_sample() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/psutil-7.1.2-cp37-abi3-win_amd64.whl");
        let data = std::fs::read(path).unwrap();
        let base = data.len() as u64 - TAIL.min(data.len() as u64);
        let (start, size) = directory_bounds(&data[base as usize..], base).unwrap();
        let entries = directory_entries(&data[start as usize..(start + size) as usize]);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&data)).unwrap();
        assert_eq!(entries.len(), archive.len());
        assert!(entries.iter().any(|e| e.name.ends_with(".dist-info/WHEEL")));
        assert!(entries.iter().all(|e| e.offset < start));
        for (i, e) in entries.iter().enumerate() {
            let file = archive.by_index_raw(i).unwrap();
            assert_eq!((e.offset, e.compressed), (file.header_start(), file.compressed_size()), "{}", e.name);
        }
    }

    #[test]
    fn ok_only_the_bytes_not_held_are_missing() {
        let mut spool = Spool { file: None, held: BTreeMap::new() };
        spool.hold(100, 200);
        spool.hold(300, 400);
        assert_eq!(spool.missing(0, 500), [(0, 100), (200, 300), (400, 500)]);
        assert_eq!(spool.missing(150, 350), [(200, 300)]);
        assert_eq!(spool.missing(100, 200), []);
        assert_eq!((spool.covered(199), spool.covered(200)), (Some((100, 200)), None));
    }

    #[test]
    fn ok_a_spool_reads_back_what_was_written_at_its_offsets() {
        let mut spool = Spool { file: None, held: BTreeMap::new() };
        spool.at(10, false).unwrap().write_all(b"tail").unwrap();
        spool.hold(10, 14);
        spool.at(0, false).unwrap().write_all(b"head").unwrap();
        spool.hold(0, 4);
        let mut buf = [0u8; 8];
        assert_eq!(spool.read_at(2, &mut buf).unwrap(), 2, "a read stops where the held range ends");
        assert_eq!(&buf[..2], b"ad");
        assert_eq!(spool.read_at(5, &mut buf).unwrap(), 0, "not held");
        let mut tail = [0u8; 4];
        read_held(&mut spool, 10, &mut tail).unwrap();
        assert_eq!(&tail, b"tail");
        assert!(read_held(&mut spool, 2, &mut buf).is_err(), "runs into bytes not held");
        // A whole file written from 0 replaces everything held until it is marked held.
        spool.at(0, true).unwrap();
        assert!(spool.held.is_empty());
    }

    #[test]
    fn err_no_directory() {
        assert_eq!(directory_bounds(&[0u8; 100], 0).unwrap_err().to_string(), "no end-of-central-directory record");
    }
}
