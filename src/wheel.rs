//! Reading wheels: the zip's central directory, `WHEEL`, `RECORD`, and members
//! straight from the archive (never extracted to disk).
//!
//! A wheel is refused as a whole, with the member named, when any member name
//! is unsafe (absolute, `..`, backslash, NUL), repeats, or is a symlink, or
//! when members overlap or share a local header (as Python's `zipfile` and
//! modern `unzip` refuse them); and members are inflated under [`Limits`], so
//! a zip bomb costs nothing.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::budget::Budget;
use crate::record::{Hasher, Record, RecordEntry};

/// How far [`Wheel::read_while`] reads on after each part of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOn {
    /// To at least this many bytes from the member's start, then ask again.
    AtLeast(u64),
    /// To the member's end, asking no more.
    ToTheEnd,
    /// No further: what has been read is enough.
    Stop,
}

/// The first part of a member [`Wheel::read_while`] shows, and the least it
/// reads on by: one MiB keeps the asking rare, and holds the headers and
/// dynamic tables of most shared objects.
pub const FIRST_PART: u64 = 1 << 20;

/// Bounds on what a wheel may make uniabi read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes one member may inflate to (declared or actual).
    pub max_member_size: u64,
    /// The most members a wheel may hold.
    pub max_members: usize,
    /// The largest inflate ratio allowed for members over 1 MiB inflated, and
    /// for the whole archive once it inflates past 1 MiB.
    pub max_ratio: u64,
}

impl Limits {
    /// 4 GiB per member, 200 000 members, 1000:1.
    ///
    /// The size cap is not what stops a bomb (the ratio guards and the declared
    /// sizes do): it must admit real wheels, whose largest libraries pass
    /// 512 MiB (torch's `libtorch_cuda.so` inflates to 520 MB). 4 GiB is the
    /// most a member can declare without Zip64.
    pub const DEFAULT: Limits = Limits { max_member_size: 4 << 30, max_members: 200_000, max_ratio: 1000 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Members declared larger than this (the [`Budget`] of inflated bytes in
/// memory) are inflated into a private temporary file and mapped, so a wheel's
/// largest library (torch's inflate past 500 MB) costs the pages its parsing
/// touches, not its size.
pub const MAP_ABOVE: u64 = crate::budget::DEFAULT_BYTES;

/// A member's inflated bytes: in memory, or in a private temporary file
/// ([`crate::cleanup::private_file`], unnamed, gone when closed) mapped
/// read-only. Either way a `&[u8]` for the parsers.
pub enum Bytes {
    Owned(Vec<u8>),
    Mapped {
        map: memmap2::Mmap,
        /// The temporary file the map shows (kept open while mapped).
        _file: File,
    },
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(data) => data,
            Bytes::Mapped { map, .. } => map,
        }
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = if matches!(self, Bytes::Mapped { .. }) { "Mapped" } else { "Owned" };
        write!(f, "Bytes::{how}({} bytes)", self.len())
    }
}

impl Bytes {
    /// The bytes in memory (a mapped member is copied).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Bytes::Owned(data) => data,
            Bytes::Mapped { map, .. } => map.to_vec(),
        }
    }

    /// Whether the bytes are a mapped temporary file rather than memory.
    pub fn is_mapped(&self) -> bool {
        matches!(self, Bytes::Mapped { .. })
    }
}

/// Where a member is inflated to: memory, or a private temporary file
/// ([`crate::cleanup::private_file`]) mapped once it is written.
enum Sink {
    Memory(Vec<u8>),
    File(io::BufWriter<File>),
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Memory(data) => {
                data.extend_from_slice(bytes);
                Ok(())
            }
            Sink::File(out) => out.write_all(bytes),
        }
    }

    /// Show what has been written so far to `more`.
    fn show(&mut self, more: &mut dyn FnMut(&[u8]) -> ReadOn) -> io::Result<ReadOn> {
        match self {
            Sink::Memory(data) => Ok(more(data)),
            Sink::File(out) => {
                out.flush()?;
                Ok(more(&map(out.get_ref())?))
            }
        }
    }

    fn into_bytes(self) -> io::Result<Bytes> {
        match self {
            Sink::Memory(data) => Ok(Bytes::Owned(data)),
            Sink::File(out) => {
                let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
                if file.metadata()?.len() == 0 {
                    return Ok(Bytes::Owned(Vec::new()));
                }
                Ok(Bytes::Mapped { map: map(&file)?, _file: file })
            }
        }
    }
}

/// Map a private temporary file read-only.
fn map(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the file is private to this process (unnamed, never shared) and
    // never written while a map of it lives (a map shown to a reader is dropped
    // before the next write), so its bytes cannot change under it.
    unsafe { memmap2::Mmap::map(file) }
}

/// Why a wheel could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WheelError {
    /// The file could not be opened or read.
    #[error("cannot read the file")]
    Io(#[source] io::Error),
    /// The file is not a readable zip archive.
    #[error("not a zip archive")]
    NotAZip(#[source] ZipError),
    /// The file has no zip central directory at its end.
    #[error("truncated, or not a zip archive")]
    NoDirectory,
    /// A member's name could escape or confuse an extraction.
    #[error("invalid wheel: member '{}' {reason}", member.escape_debug())]
    UnsafeMember { member: String, reason: &'static str },
    /// Two members share a name.
    #[error("invalid wheel: member '{}' appears more than once", member.escape_debug())]
    DuplicateMember { member: String },
    /// Two entries' bytes overlap (a zip bomb's way of inflating one member many times).
    #[error("invalid wheel: members '{}' and '{}' overlap{}", first.escape_debug(), second.escape_debug(), if *shared { " (they share one local header)" } else { "" })]
    Overlap { first: String, second: String, shared: bool },
    /// An entry's bytes run into the central directory.
    #[error("invalid wheel: member '{}' overlaps the central directory", member.escape_debug())]
    IntoDirectory { member: String },
    /// The archive holds more members than [`Limits::max_members`].
    #[error("invalid wheel: {count} members, more than the limit of {limit}")]
    TooManyMembers { count: usize, limit: usize },
    /// A member would inflate past [`Limits`].
    #[error("member '{member}' {detail}")]
    MemberTooLarge { member: String, detail: String },
    /// A member's data could not be inflated.
    #[error("member '{member}' cannot be read")]
    BadMember { member: String, source: ZipError },
    /// No `*.dist-info/` directory, or more than one.
    #[error("invalid wheel: {detail}")]
    DistInfo { detail: String },
    /// `*.dist-info/WHEEL` is missing or unreadable.
    #[error("invalid wheel: {detail}")]
    WheelFile { detail: String },
    /// `*.dist-info/RECORD` does not parse.
    #[error("invalid wheel: '{member}'")]
    Record { member: String, source: crate::record::RecordError },
    /// A member disagrees with RECORD (hash, size, or missing row).
    #[error("corrupt wheel: member '{member}' {detail}")]
    Corrupt { member: String, detail: String },
    /// A large member could not be inflated into a temporary file (a full disk).
    #[error("member '{member}' cannot be inflated into a temporary file")]
    Spill { member: String, source: io::Error },
    /// A remote wheel could not be fetched (HTTP, size, sha256, directory).
    #[error("cannot fetch")]
    Remote(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A file a lock names cannot be opened (it is gone, say).
    #[error("cannot open {}, which the lock names", path.display())]
    LockedOpen { path: std::path::PathBuf, source: io::Error },
    /// A file a lock names does not have the lock's size.
    #[error("{actual} bytes, but the lock's size is {expected}")]
    LockedSize { actual: u64, expected: u64 },
    /// A file a lock names does not have the lock's sha256.
    #[error("sha256 is {actual}, but the lock's sha256 is {expected}")]
    LockedSha256 { actual: String, expected: String },
}

/// One file member of a wheel, as the central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    /// Index in the archive's central directory.
    pub index: usize,
    pub name: String,
    /// Declared inflated size.
    pub size: u64,
    pub compressed_size: u64,
    pub crc32: u32,
}

/// What a wheel read from elsewhere was read from: the sha256 of its bytes
/// from the central directory to the end (the directory, any zip64 records,
/// the end record and comment), where they start, and the file's size. A
/// reader that fetches those bytes again and finds the same sha256 has the
/// same directory: the same members, sizes, CRCs and offsets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    pub directory_start: u64,
    pub size: u64,
    pub directory_sha256: String,
    /// The whole file was read and its sha256 was the one claimed.
    pub sha256_checked: bool,
}

/// Where an entry's bytes lie, as the central directory says: its local
/// header's offset and the least it spans (the 30-byte header, its name,
/// its compressed data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub name: String,
    pub start: u64,
    pub len: u64,
}

/// Refuse entries whose bytes overlap, share a local header, or run into the
/// central directory at `end`, as Python's `zipfile` and modern `unzip` do:
/// each compressed byte then belongs to one member, and no member is inflated
/// twice from the same bytes.
pub fn check_overlaps(mut spans: Vec<Span>, end: u64) -> Result<(), WheelError> {
    spans.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.name.cmp(&b.name)));
    for pair in spans.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.start.saturating_add(a.len) > b.start {
            return Err(WheelError::Overlap {
                first: a.name.clone(),
                second: b.name.clone(),
                shared: a.start == b.start,
            });
        }
    }
    match spans.last() {
        Some(last) if last.start.saturating_add(last.len) > end => {
            Err(WheelError::IntoDirectory { member: last.name.clone() })
        }
        _ => Ok(()),
    }
}

pub use crate::wheel_metadata::WheelMetadata;

/// What a wheel is read from: a local file, or a remote one read by ranges.
pub trait ReadSeek: Read + Seek + Send {}

impl<T: Read + Seek + Send> ReadSeek for T {}

/// An open wheel: its members, its `.dist-info` and its `WHEEL` file.
pub struct Wheel {
    pub path: PathBuf,
    archive: ZipArchive<Box<dyn ReadSeek>>,
    /// File members (directory entries left out), in archive order.
    pub members: Vec<Member>,
    /// `name-version.dist-info`, without the trailing `/`.
    pub dist_info: String,
    /// The distribution name as the `.dist-info` directory spells it.
    pub name: String,
    pub version: String,
    pub metadata: WheelMetadata,
    limits: Limits,
    /// Members declared larger than this are inflated to a mapped temporary file ([`MAP_ABOVE`]).
    map_above: u64,
    /// Index into `members` by name.
    by_name: HashMap<String, usize>,
    /// For a wheel read from elsewhere, what it was read from (set by its opener).
    pub fingerprint: Option<Fingerprint>,
}

impl fmt::Debug for Wheel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel").field("path", &self.path).field("dist_info", &self.dist_info).finish()
    }
}

/// Why a member name is unsafe, if it is.
pub fn unsafe_member_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("has an empty name")
    } else if name.contains('\0') {
        Some("has a NUL byte in its name")
    } else if name.contains('\\') {
        Some("has a backslash in its name")
    } else if name.starts_with('/') || name.as_bytes().get(1) == Some(&b':') {
        Some("has an absolute path")
    } else if name.split('/').any(|part| part == "..") {
        Some("has a '..' component that escapes the wheel")
    } else {
        None
    }
}

impl Wheel {
    /// Open a wheel and read its central directory and `WHEEL` file.
    pub fn open(path: &Path, limits: Limits) -> Result<Wheel, WheelError> {
        let file = File::open(path).map_err(WheelError::Io)?;
        Wheel::from_file(path, file, limits)
    }

    /// Open a wheel from a file already open (a private copy); `path` names
    /// it (its file name is the wheel's). Checks local headers as [`Wheel::open`].
    pub fn from_file(path: &Path, file: File, limits: Limits) -> Result<Wheel, WheelError> {
        Wheel::read_from(path, Box::new(BufReader::new(file)), limits, true)
    }

    /// Open a wheel from any reader (a remote wheel read by ranges); `path`
    /// names it (its file name is the wheel's). Local headers are checked only
    /// as members are read, so the members never read are never fetched.
    pub fn from_reader(path: &Path, reader: Box<dyn ReadSeek>, limits: Limits) -> Result<Wheel, WheelError> {
        Wheel::read_from(path, reader, limits, false)
    }

    fn read_from(
        path: &Path,
        reader: Box<dyn ReadSeek>,
        limits: Limits,
        local_headers: bool,
    ) -> Result<Wheel, WheelError> {
        let mut archive = ZipArchive::new(reader).map_err(|e| match e {
            ZipError::Io(io) => WheelError::Io(io),
            // No end-of-central-directory record: the archive's tail is missing, or it never was one.
            ZipError::InvalidArchive(m) if m.contains("EOCD") => WheelError::NoDirectory,
            other => WheelError::NotAZip(other),
        })?;
        if archive.len() > limits.max_members {
            return Err(WheelError::TooManyMembers { count: archive.len(), limit: limits.max_members });
        }
        if archive.has_duplicate_names() {
            // The zip reader keeps one entry per name; find the name in the raw directory.
            let start = archive.central_directory_start();
            let member = repeated_name(archive.into_inner(), start).unwrap_or_else(|| "(unknown)".to_string());
            return Err(WheelError::DuplicateMember { member });
        }
        let members = list_members(&mut archive, local_headers)?;
        check_total_ratio(&members, archive.central_directory_start(), &limits)?;
        let dist_info = find_dist_info(&members)?;
        let (name, version) = match dist_info.strip_suffix(".dist-info").and_then(|s| s.split_once('-')) {
            Some((n, v)) if !n.is_empty() && !v.is_empty() && !v.contains('-') => (n.to_string(), v.to_string()),
            _ => {
                return Err(WheelError::DistInfo {
                    detail: format!("'{dist_info}' is not named NAME-VERSION.dist-info"),
                });
            }
        };
        let by_name = members.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
        let mut wheel = Wheel {
            path: path.to_path_buf(),
            archive,
            by_name,
            members,
            dist_info,
            name,
            version,
            metadata: WheelMetadata::default(),
            limits,
            map_above: MAP_ABOVE,
            fingerprint: None,
        };
        let wheel_file = format!("{}/WHEEL", wheel.dist_info);
        let text = match wheel.read_text(&wheel_file) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Err(WheelError::WheelFile { detail: format!("'{wheel_file}' is missing") });
            }
            Err(WheelError::BadMember { member, .. }) | Err(WheelError::MemberTooLarge { member, .. }) => {
                return Err(WheelError::WheelFile { detail: format!("'{member}' cannot be read") });
            }
            Err(e) => return Err(e),
        };
        wheel.metadata = WheelMetadata::parse(&text);
        if wheel.metadata.tags.is_empty() {
            return Err(WheelError::WheelFile { detail: format!("'{wheel_file}' has no Tag: lines") });
        }
        Ok(wheel)
    }

    /// Where the central directory starts.
    pub fn directory_start(&self) -> u64 {
        self.archive.central_directory_start()
    }

    /// The member with this name, if any.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.by_name.get(name).map(|&i| &self.members[i])
    }

    /// Inflate a whole member, under the wheel's [`Limits`]: into memory, or,
    /// declared larger than [`MAP_ABOVE`], into a private temporary file
    /// mapped read-only (see [`Bytes`]).
    pub fn read(&mut self, member: &Member) -> Result<Bytes, WheelError> {
        self.inflate(member, None, &mut |_| ReadOn::ToTheEnd)
    }

    /// Inflate a member from its start only as far as `more` asks: it is
    /// shown what has been inflated, first its first [`FIRST_PART`] bytes, then
    /// at least as much more each time, and says how far to read on. A member
    /// left early is not checked against its CRC-32 (its unread bytes are
    /// never used). Held as [`Wheel::read`] holds a whole member.
    pub fn read_while(&mut self, member: &Member, mut more: impl FnMut(&[u8]) -> ReadOn) -> Result<Bytes, WheelError> {
        self.inflate(member, None, &mut more)
    }

    /// [`Wheel::read_while`], feeding the inflated bytes to `hasher` as they
    /// stream (a mapped member's pages are then never read again to hash them).
    fn inflate(
        &mut self,
        member: &Member,
        mut hasher: Option<&mut Hasher>,
        more: &mut dyn FnMut(&[u8]) -> ReadOn,
    ) -> Result<Bytes, WheelError> {
        let limits = self.limits;
        check_declared_size(member, &limits)?;
        let spill = |source: io::Error| WheelError::Spill { member: member.name.clone(), source };
        let mut sink = if member.size > self.map_above {
            Sink::File(io::BufWriter::with_capacity(1 << 20, crate::cleanup::private_file().map_err(spill)?))
        } else {
            // The declared size, checked above, is reserved at once (the zip reader
            // stops a member at it); memory that cannot be had is an error, not an abort.
            let mut data = Vec::new();
            data.try_reserve_exact(usize::try_from(member.size).unwrap_or(usize::MAX)).map_err(|_| {
                WheelError::MemberTooLarge {
                    member: member.name.clone(),
                    detail: format!("declares {} bytes, more than can be held in memory", member.size),
                }
            })?;
            Sink::Memory(data)
        };
        let mut file = self
            .archive
            .by_index(member.index)
            .map_err(|source| WheelError::BadMember { member: member.name.clone(), source })?;
        let mut buf = vec![0u8; 256 * 1024];
        let (mut inflated, mut ask_at) = (0u64, FIRST_PART);
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(inflate_error(member, e)),
            };
            inflated += n as u64;
            if inflated > limits.max_member_size {
                return Err(too_large(member, &limits));
            }
            if let Some(hasher) = hasher.as_deref_mut() {
                hasher.update(&buf[..n]);
            }
            sink.write(&buf[..n]).map_err(spill)?;
            if inflated >= ask_at {
                ask_at = match sink.show(&mut *more).map_err(spill)? {
                    ReadOn::Stop => break,
                    ReadOn::AtLeast(n) => n.max(inflated + FIRST_PART),
                    ReadOn::ToTheEnd => u64::MAX,
                };
            }
        }
        sink.into_bytes().map_err(spill)
    }

    /// The RECORD hash (`sha256=…`) and size of a member, inflated in chunks
    /// and never held whole, under the wheel's [`Limits`].
    pub fn hash_member(&mut self, member: &Member) -> Result<(String, u64), WheelError> {
        let limits = self.limits;
        check_declared_size(member, &limits)?;
        let file = self
            .archive
            .by_index(member.index)
            .map_err(|source| WheelError::BadMember { member: member.name.clone(), source })?;
        let (hash, size) =
            crate::record::hash_reader(file.take(limits.max_member_size + 1)).map_err(|e| inflate_error(member, e))?;
        if size > limits.max_member_size {
            return Err(too_large(member, &limits));
        }
        Ok((hash, size))
    }

    /// Read a member as UTF-8 text; `None` if there is no such member.
    pub fn read_text(&mut self, name: &str) -> Result<Option<String>, WheelError> {
        let Some(member) = self.member(name).cloned() else {
            return Ok(None);
        };
        let data = self.read(&member)?;
        String::from_utf8(data.into_vec()).map(Some).map_err(|_| WheelError::BadMember {
            member: name.to_string(),
            source: ZipError::InvalidArchive("member is not UTF-8 text".into()),
        })
    }

    /// Members whose names look like shared objects (`.so`, `.pyd`, `.dylib`, `.dll`, `.so.N`).
    pub fn shared_objects(&self) -> Vec<Member> {
        self.members.iter().filter(|m| crate::naming::is_shared_object_name(&m.name)).cloned().collect()
    }

    /// The raw (still compressed) entry of a member, for copying as it is.
    pub fn raw_member(&mut self, member: &Member) -> Result<zip::read::ZipFile<'_, Box<dyn ReadSeek>>, WheelError> {
        self.archive
            .by_index_raw(member.index)
            .map_err(|source| WheelError::BadMember { member: member.name.clone(), source })
    }

    /// Check every member against RECORD: each must have a row whose hash and
    /// size match its inflated bytes, and every row must name a member.
    /// Returns the verified rows, RECORD's own row (and signature files) without a hash.
    /// Every member is hashed as it streams, never held whole.
    pub fn hash_record(&mut self) -> Result<BTreeMap<String, RecordEntry>, WheelError> {
        self.hash_record_visiting(|_| false, |_, _| {})
    }

    /// [`Wheel::hash_record`], handing the inflated bytes of the members
    /// `keep` selects to `visit` as it goes, so a caller that also needs them
    /// (to parse binaries) inflates every member once. A kept member is held
    /// whole, under a [`Permit`](crate::budget::Permit) of the shared
    /// [`Budget`], until `visit` returns; the others are hashed as they stream.
    pub fn hash_record_visiting(
        &mut self,
        keep: impl Fn(&Member) -> bool,
        visit: impl FnMut(&Member, &[u8]),
    ) -> Result<BTreeMap<String, RecordEntry>, WheelError> {
        self.hash_record_reading(|_| true, keep, |_| ReadOn::ToTheEnd, visit)
    }

    /// [`Wheel::hash_record_visiting`] inflating only the members `read`
    /// selects; the others must have a sha256 row in RECORD whose size (when
    /// given) matches the central directory, and that row is taken as it is.
    /// For a remote wheel read by ranges, where the other members' bytes were
    /// never fetched. A kept member is read as far as `more` asks (see
    /// [`Wheel::read_while`]); one left early is handed to `visit` as far as
    /// it was read, and its row is taken as it is too.
    pub fn hash_record_reading(
        &mut self,
        read: impl Fn(&Member) -> bool,
        keep: impl Fn(&Member) -> bool,
        mut more: impl FnMut(&[u8]) -> ReadOn,
        mut visit: impl FnMut(&Member, &[u8]),
    ) -> Result<BTreeMap<String, RecordEntry>, WheelError> {
        let record_name = format!("{}/RECORD", self.dist_info);
        let record = self
            .record()?
            .ok_or_else(|| WheelError::Corrupt { member: record_name.clone(), detail: "is missing".into() })?;
        let unhashed =
            |name: &str| name == record_name || name.ends_with("/RECORD.jws") || name.ends_with("/RECORD.p7s");
        let mut verified = BTreeMap::new();
        for member in self.members.clone() {
            if unhashed(&member.name) {
                verified.insert(member.name.clone(), RecordEntry { hash: None, size: None });
                continue;
            }
            let corrupt = |detail: String| WheelError::Corrupt { member: member.name.clone(), detail };
            let Some(entry) = record.entries.get(&member.name) else {
                return Err(corrupt("is not listed in RECORD".into()));
            };
            // A row taken as it is, for bytes not read (or not all read).
            let as_stated = || -> Result<RecordEntry, WheelError> {
                match &entry.hash {
                    Some(h) if h.starts_with("sha256=") => {}
                    Some(h) if !h.is_empty() => {
                        return Err(corrupt(format!("has a RECORD hash '{h}' that is not sha256")));
                    }
                    _ => return Err(corrupt("has no hash in RECORD".into())),
                }
                if let Some(size) = entry.size.filter(|&s| s != member.size) {
                    return Err(corrupt(format!("is {} bytes, but RECORD says {size}", member.size)));
                }
                Ok(RecordEntry { hash: entry.hash.clone(), size: Some(member.size) })
            };
            if !read(&member) {
                verified.insert(member.name.clone(), as_stated()?);
                continue;
            }
            // A kept member is inflated (its permit held until `visit`
            // returns); any other is hashed as it streams.
            let (permit, data, actual, size) = if keep(&member) {
                let permit = Budget::global().acquire(member.size);
                let mut hasher = Hasher::default();
                let data = self.inflate(&member, Some(&mut hasher), &mut more)?;
                if (data.len() as u64) < member.size {
                    let stated = as_stated()?;
                    visit(&member, &data);
                    drop(permit);
                    verified.insert(member.name.clone(), stated);
                    continue;
                }
                let (actual, size) = hasher.finish();
                (Some(permit), Some(data), actual, size)
            } else {
                let (actual, size) = self.hash_member(&member)?;
                (None, None, actual, size)
            };
            match &entry.hash {
                Some(h) if h.starts_with("sha256=") && *h != actual => {
                    return Err(corrupt(format!("has hash {actual}, but RECORD says {h}")));
                }
                Some(h) if !h.starts_with("sha256=") && !h.is_empty() => {
                    return Err(corrupt(format!("has a RECORD hash '{h}' that is not sha256")));
                }
                None => return Err(corrupt("has no hash in RECORD".into())),
                _ => {}
            }
            if let Some(recorded) = entry.size.filter(|&s| s != size) {
                return Err(corrupt(format!("is {size} bytes, but RECORD says {recorded}")));
            }
            if let Some(data) = &data {
                visit(&member, data);
            }
            drop(permit);
            verified.insert(member.name.clone(), RecordEntry { hash: Some(actual), size: Some(size) });
        }
        if let Some(missing) = record.entries.keys().find(|k| !verified.contains_key(*k)) {
            return Err(WheelError::Corrupt {
                member: missing.clone(),
                detail: "is listed in RECORD but not in the wheel".into(),
            });
        }
        Ok(verified)
    }

    /// Check RECORD against the central directory without inflating anything:
    /// every member listed once, every row naming a member, sizes agreeing.
    /// For a wheel uniabi has just written from verified bytes.
    pub fn check_record_listing(&mut self) -> Result<(), WheelError> {
        let record_name = format!("{}/RECORD", self.dist_info);
        let record = self
            .record()?
            .ok_or_else(|| WheelError::Corrupt { member: record_name.clone(), detail: "is missing".into() })?;
        for member in &self.members {
            if member.name == record_name {
                continue;
            }
            let corrupt = |detail: String| WheelError::Corrupt { member: member.name.clone(), detail };
            match record.entries.get(&member.name) {
                None => return Err(corrupt("is not listed in RECORD".into())),
                Some(e) if e.hash.is_none() => return Err(corrupt("has no hash in RECORD".into())),
                Some(e) if e.size.is_some_and(|s| s != member.size) => {
                    return Err(corrupt(format!("is {} bytes, but RECORD says {:?}", member.size, e.size)));
                }
                Some(_) => {}
            }
        }
        match record.entries.keys().find(|k| self.member(k).is_none()) {
            Some(missing) => Err(WheelError::Corrupt {
                member: missing.clone(),
                detail: "is listed in RECORD but not in the wheel".into(),
            }),
            None => Ok(()),
        }
    }

    /// Parse `RECORD`, if present.
    pub fn record(&mut self) -> Result<Option<Record>, WheelError> {
        let name = format!("{}/RECORD", self.dist_info);
        match self.read_text(&name)? {
            Some(text) => {
                Record::parse(&text).map(Some).map_err(|source| WheelError::Record { member: name.clone(), source })
            }
            None => Ok(None),
        }
    }
}

/// A member that inflated past [`Limits::max_member_size`].
fn too_large(member: &Member, limits: &Limits) -> WheelError {
    WheelError::MemberTooLarge {
        member: member.name.clone(),
        detail: format!("inflates past the limit of {} bytes", limits.max_member_size),
    }
}

/// A member whose data could not be inflated.
fn inflate_error(member: &Member, e: io::Error) -> WheelError {
    WheelError::BadMember {
        member: member.name.clone(),
        // The zip reader reports a bad member (checksum, size, stream) as
        // an I/O error whose text `ZipError::Io` would print twice.
        source: match e.kind() {
            io::ErrorKind::Other | io::ErrorKind::InvalidData => ZipError::InvalidArchive(e.to_string().into()),
            _ => ZipError::Io(e),
        },
    }
}

fn check_declared_size(member: &Member, limits: &Limits) -> Result<(), WheelError> {
    if member.size > limits.max_member_size {
        return Err(WheelError::MemberTooLarge {
            member: member.name.clone(),
            detail: format!("declares {} bytes, more than the limit of {}", member.size, limits.max_member_size),
        });
    }
    if member.size > 1 << 20 && member.size / member.compressed_size.max(1) > limits.max_ratio {
        return Err(WheelError::MemberTooLarge {
            member: member.name.clone(),
            detail: format!(
                "inflates {} bytes to {}, a ratio beyond {}:1",
                member.compressed_size, member.size, limits.max_ratio
            ),
        });
    }
    Ok(())
}

/// The inflate ratio of the whole archive, so that many members each under
/// 1 MiB (which [`check_declared_size`] lets through) cannot add up to a bomb.
/// Each compressed byte counts once: members cannot hold more than the bytes
/// before the central directory at `end` (overlapping members are refused
/// anyway, by [`check_overlaps`]).
fn check_total_ratio(members: &[Member], end: u64, limits: &Limits) -> Result<(), WheelError> {
    let size = members.iter().fold(0u64, |t, m| t.saturating_add(m.size));
    let compressed = members.iter().fold(0u64, |t, m| t.saturating_add(m.compressed_size)).min(end);
    if size > 1 << 20 && size / compressed.max(1) > limits.max_ratio {
        // The first of the largest, in archive order.
        let largest = members.iter().rev().max_by_key(|m| m.size);
        return Err(WheelError::MemberTooLarge {
            member: largest.map(|m| m.name.clone()).unwrap_or_default(),
            detail: format!(
                "and the other {} members inflate {compressed} bytes to {size} in all, \
                 a ratio beyond {}:1",
                members.len().saturating_sub(1),
                limits.max_ratio
            ),
        });
    }
    Ok(())
}

fn list_members(archive: &mut ZipArchive<Box<dyn ReadSeek>>, local_headers: bool) -> Result<Vec<Member>, WheelError> {
    let mut members = Vec::with_capacity(archive.len());
    let mut seen = std::collections::BTreeSet::new();
    let end = archive.central_directory_start();
    let mut spans = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(WheelError::NotAZip)?;
        let (start, name_len) = (entry.header_start(), entry.name_raw().len() as u64);
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        spans.push(Span { name, start, len: 30u64.saturating_add(name_len).saturating_add(entry.compressed_size()) });
    }
    // Before any local header is read: an overlap is refused from the directory alone.
    check_overlaps(spans.clone(), end)?;
    if local_headers {
        // Where each member's data really starts (its local extra field may be
        // longer than the directory's): it must still end before the next entry.
        let mut starts: Vec<u64> = spans.iter().map(|s| s.start).chain([end]).collect();
        starts.sort_unstable();
        for index in 0..archive.len() {
            // Reaching each member's data checks its local header now, not when it is read.
            let file = archive.by_index_raw(index).map_err(WheelError::NotAZip)?;
            let next = starts[starts.partition_point(|&s| s <= file.header_start())..].first().copied().unwrap_or(end);
            if file.data_start().is_some_and(|d| d.saturating_add(file.compressed_size()) > next) {
                let span = &spans[index];
                let other = spans.iter().find(|s| s.start == next).map(|s| s.name.clone());
                return Err(match other {
                    Some(second) => WheelError::Overlap { first: span.name.clone(), second, shared: false },
                    None => WheelError::IntoDirectory { member: span.name.clone() },
                });
            }
        }
    }
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(WheelError::NotAZip)?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if let Some(reason) = unsafe_member_reason(&name) {
            return Err(WheelError::UnsafeMember { member: name, reason });
        }
        if entry.is_symlink() {
            return Err(WheelError::UnsafeMember { member: name, reason: "is a symbolic link" });
        }
        if !seen.insert(name.clone()) {
            return Err(WheelError::DuplicateMember { member: name });
        }
        if entry.is_dir() {
            continue;
        }
        members.push(Member {
            index,
            size: entry.size(),
            compressed_size: entry.compressed_size(),
            crc32: entry.crc32(),
            name,
        });
    }
    Ok(members)
}

/// The first name the central directory at `start` lists twice, read from its
/// raw headers; `None` if the directory cannot be walked.
fn repeated_name(mut reader: impl Read + Seek, start: u64) -> Option<String> {
    reader.seek(SeekFrom::Start(start)).ok()?;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        // Every header is at least 46 bytes, so the walk ends with the file.
        let mut head = [0u8; 46];
        reader.read_exact(&mut head).ok()?;
        if head[..4] != [0x50, 0x4b, 0x01, 0x02] {
            return None;
        }
        let field = |at: usize| u16::from_le_bytes([head[at], head[at + 1]]);
        let mut name = vec![0; usize::from(field(28))];
        reader.read_exact(&mut name).ok()?;
        let skip = i64::from(field(30)) + i64::from(field(32));
        reader.seek(SeekFrom::Current(skip)).ok()?;
        let name = String::from_utf8_lossy(&name).into_owned();
        if !seen.insert(name.clone()) {
            return Some(name);
        }
    }
}

fn find_dist_info(members: &[Member]) -> Result<String, WheelError> {
    let mut dirs: Vec<&str> = members
        .iter()
        .filter_map(|m| m.name.split_once('/').map(|(dir, _)| dir))
        .filter(|dir| dir.ends_with(".dist-info"))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    match dirs.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(WheelError::DistInfo {
            detail: "a zip archive, but not a wheel: no .dist-info directory (so no .dist-info/WHEEL)".into(),
        }),
        many => Err(WheelError::DistInfo { detail: format!("several .dist-info directories: {}", many.join(", ")) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_wheel_metadata() {
        let m = WheelMetadata::parse(
            "Wheel-Version: 1.0\nGenerator: setuptools (80.9.0)\nRoot-Is-Purelib: false\n\
             Tag: cp314-cp314t-macosx_11_0_arm64\nGenerator: delocate 0.13.0\n\n",
        );
        assert_eq!(m.wheel_version.as_deref(), Some("1.0"));
        assert_eq!(m.generators, ["setuptools (80.9.0)", "delocate 0.13.0"]);
        assert_eq!(m.root_is_purelib, Some(false));
        assert_eq!(m.tags, ["cp314-cp314t-macosx_11_0_arm64"]);
        assert_eq!(m.build, None);
    }

    #[test]
    fn ok_streamed_hashes_equal_whole_member_hashes_and_only_kept_members_are_visited() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "samples/psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
        );
        let mut wheel = Wheel::open(&path, Limits::DEFAULT).unwrap();
        for member in wheel.members.clone() {
            let data = wheel.read(&member).unwrap();
            let whole = crate::record::hash(&data);
            assert_eq!(wheel.hash_member(&member).unwrap(), (whole, data.len() as u64), "{}", member.name);
        }
        let mut visited = Vec::new();
        let streamed = wheel.hash_record().unwrap();
        let kept = wheel
            .hash_record_visiting(
                |m| m.name.ends_with(".so"),
                |m, data| visited.push((m.name.clone(), crate::record::hash(data))),
            )
            .unwrap();
        assert_eq!(streamed, kept);
        assert_eq!(visited.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["psutil/_psutil_linux.abi3.so"]);
        assert_eq!(kept["psutil/_psutil_linux.abi3.so"].hash.as_ref(), Some(&visited[0].1));
    }

    /// The `/proc/self/maps` line of the mapping that starts at `ptr`, if any.
    #[cfg(target_os = "linux")]
    fn mapping_at(ptr: *const u8) -> Option<String> {
        let start = format!("{:x}-", ptr as usize);
        std::fs::read_to_string("/proc/self/maps").ok()?.lines().find(|l| l.starts_with(&start)).map(str::to_string)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ok_a_member_above_the_threshold_is_mapped_from_an_unnamed_temporary_and_reads_the_same() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/numpy-2.3.5-cp313-cp313t-win_amd64.whl");
        let mut wheel = Wheel::open(&path, Limits::DEFAULT).unwrap();
        let members = wheel.shared_objects();
        let largest = members.iter().max_by_key(|m| m.size).unwrap().clone();
        assert!(largest.size > 1 << 20, "{largest:?}");
        let owned = wheel.read(&largest).unwrap();
        assert!(!owned.is_mapped());
        wheel.map_above = 1 << 20;
        let mapped = wheel.read(&largest).unwrap();
        assert!(mapped.is_mapped());
        assert!(*owned == *mapped, "{}", largest.name);
        let parsed =
            |b: &[u8]| serde_json::to_string(&crate::analysis::analyse_bytes(&largest.name, b).unwrap().binary);
        assert_eq!(parsed(&owned).unwrap(), parsed(&mapped).unwrap());
        // The map shows a file in the temporary directory that has no name there.
        let line = mapping_at(mapped.as_ptr()).expect("the map is listed");
        let tmp = std::env::temp_dir();
        assert!(line.contains(tmp.to_str().unwrap()) && line.ends_with("(deleted)"), "{line}");
        let ptr = mapped.as_ptr();
        drop(mapped);
        assert!(mapping_at(ptr).is_none_or(|l| !l.ends_with("(deleted)")), "unmapped once dropped");
        // Hashes computed while inflating to the file equal those of the bytes in memory.
        let (record, visited) = wheel_hashes(&path, MAP_ABOVE);
        assert_eq!((record, visited), wheel_hashes(&path, 1 << 20));
    }

    #[test]
    fn ok_a_member_read_while_asked_stops_where_told_in_memory_or_mapped() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/numpy-2.3.5-cp313-cp313t-win_amd64.whl");
        for map_above in [MAP_ABOVE, 1 << 20] {
            let mut wheel = Wheel::open(&path, Limits::DEFAULT).unwrap();
            wheel.map_above = map_above;
            let largest = wheel.shared_objects().into_iter().max_by_key(|m| m.size).unwrap();
            let whole = wheel.read(&largest).unwrap().into_vec();
            assert!(whole.len() as u64 > 2 * FIRST_PART, "{largest:?}");
            // Shown its first part, then at least as far as asked, then stopped.
            let mut shown = Vec::new();
            let start = wheel
                .read_while(&largest, |data| {
                    shown.push(data.len() as u64);
                    if shown.len() == 1 { ReadOn::AtLeast(FIRST_PART + 10) } else { ReadOn::Stop }
                })
                .unwrap();
            assert_eq!(start.is_mapped(), map_above < largest.size);
            assert!(shown[0] >= FIRST_PART && shown[1] >= 2 * FIRST_PART && shown.len() == 2, "{shown:?}");
            assert_eq!(start.len() as u64, shown[1]);
            assert!(*start == whole[..start.len()]);
            // Read to the end when told so: the whole member.
            let all = wheel.read_while(&largest, |_| ReadOn::ToTheEnd).unwrap();
            assert!(*all == *whole);
        }
    }

    /// The verified RECORD of a wheel, and (name, RECORD hash of the bytes
    /// visited) of each shared object, with members mapped above `map_above`.
    #[allow(clippy::type_complexity)]
    fn wheel_hashes(path: &Path, map_above: u64) -> (BTreeMap<String, RecordEntry>, Vec<(String, String)>) {
        let mut wheel = Wheel::open(path, Limits::DEFAULT).unwrap();
        wheel.map_above = map_above;
        let mut visited = Vec::new();
        let record = wheel
            .hash_record_visiting(
                |m| crate::naming::is_shared_object_name(&m.name),
                |m, data| visited.push((m.name.clone(), crate::record::hash(data))),
            )
            .unwrap();
        for (name, hash) in &visited {
            assert_eq!(record[name].hash.as_ref(), Some(hash), "{name}");
        }
        (record, visited)
    }

    #[test]
    fn err_streamed_hash_stops_at_the_size_limit() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "samples/psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
        );
        let limits = Limits { max_member_size: 1000, ..Limits::DEFAULT };
        let mut wheel = Wheel::open(&path, Limits::DEFAULT).unwrap();
        let so = wheel.member("psutil/_psutil_linux.abi3.so").unwrap().clone();
        wheel.limits = limits;
        let err = wheel.hash_member(&so).unwrap_err();
        assert!(err.to_string().starts_with("member 'psutil/_psutil_linux.abi3.so' declares "), "{err}");
    }

    fn member(name: &str, size: u64, compressed_size: u64) -> Member {
        Member { index: 0, name: name.to_string(), size, compressed_size, crc32: 0 }
    }

    #[test]
    fn err_total_ratio() {
        let members: Vec<Member> = (0..3).map(|i| member(&format!("m{i}"), 1 << 20, 100)).collect();
        let err = check_total_ratio(&members, 1 << 30, &Limits::DEFAULT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "member 'm0' and the other 2 members inflate 300 bytes to 3145728 in all, \
             a ratio beyond 1000:1"
        );
        let honest = [member("a", 1 << 20, 1 << 12), member("b", 1 << 20, 1 << 12)];
        assert!(check_total_ratio(&honest, 1 << 30, &Limits::DEFAULT).is_ok());
        // Compressed bytes claimed twice count once: no more than lie before the directory.
        let shared: Vec<Member> = (0..2000).map(|i| member(&format!("s{i}"), 1 << 20, 2000)).collect();
        let err = check_total_ratio(&shared, 2000, &Limits::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("inflate 2000 bytes to 2097152000 in all"), "{err}");
    }

    #[test]
    fn err_overlapping_or_shared_entries() {
        let span = |name: &str, start, len| Span { name: name.into(), start, len };
        assert!(check_overlaps(vec![span("a", 0, 40), span("b", 40, 40)], 80).is_ok());
        let e = check_overlaps(vec![span("b", 0, 40), span("a", 0, 40)], 80).unwrap_err();
        assert_eq!(e.to_string(), "invalid wheel: members 'a' and 'b' overlap (they share one local header)");
        let e = check_overlaps(vec![span("outer", 0, 100), span("inner", 40, 40)], 200).unwrap_err();
        assert_eq!(e.to_string(), "invalid wheel: members 'outer' and 'inner' overlap");
        let e = check_overlaps(vec![span("a", 0, 100)], 80).unwrap_err();
        assert_eq!(e.to_string(), "invalid wheel: member 'a' overlaps the central directory");
    }

    #[test]
    fn err_unsafe_member_names() {
        assert_eq!(unsafe_member_reason("/etc/passwd"), Some("has an absolute path"));
        assert_eq!(unsafe_member_reason("C:/x"), Some("has an absolute path"));
        assert_eq!(unsafe_member_reason("pkg/../../x"), Some("has a '..' component that escapes the wheel"));
        assert_eq!(unsafe_member_reason("pkg\\x.py"), Some("has a backslash in its name"));
        assert_eq!(unsafe_member_reason("pkg/x\0.py"), Some("has a NUL byte in its name"));
        assert_eq!(unsafe_member_reason("pkg/..x/y"), None);
        assert_eq!(unsafe_member_reason("psutil/_psutil_linux.abi3.so"), None);
    }
}
