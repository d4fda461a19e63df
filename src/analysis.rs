//! The shared first step of every subcommand: turn the paths a user gave into
//! inputs (wheels and extension files, directories searched), open each, and
//! read every shared object it holds.
//!
//! Inputs are independent, so they are read on all cores; results keep the
//! order the user gave (directories expand in sorted order).

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::binary::{self, Binary, Format, Slice};
use crate::budget::{Budget, Permit};
use crate::input::{Input, InputKind, Source};
use crate::naming::{self, ExtensionName};
use crate::remote::index::IndexError;
use crate::wheel::{Fingerprint, Limits, Member, ReadOn, Wheel, WheelError};

pub use crate::input::{ERRORS_SHOWN, InputError, InputErrors, ReadError};

/// Whether a shared object is an importable extension or a vendored library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Exports a module hook, or carries an extension suffix (`.pyd`, `.abi3.so`, `.cpython-313t-….so`).
    Extension,
    /// Anything else: `*.libs/libfoo.so`, `.dylibs/libomp.dylib`.
    Library,
}

/// The wheel-level facts of an input: everything every command needs of an
/// open wheel besides its binaries (kept whole in the cache; reports show a part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WheelInfo {
    /// The distribution name as the `.dist-info` directory spells it.
    pub name: String,
    pub version: String,
    /// WHEEL's `Build:`.
    pub build: Option<String>,
    /// The tags of WHEEL's `Tag:` lines, expanded (some build tools write
    /// compressed sets there), sorted, without duplicates.
    pub tags: Vec<String>,
    /// `Tag:` lines that held a compressed set instead of one tag.
    pub compressed_tag_lines: Vec<String>,
    /// The wheel's file name.
    pub filename: String,
    /// WHEEL's `Root-Is-Purelib`.
    pub root_is_purelib: Option<bool>,
    /// `name-version.dist-info`.
    pub dist_info: String,
    /// The file members (directory entries left out), in archive order.
    pub members: Vec<crate::wheel::Member>,
}

impl WheelInfo {
    /// The tag set installers see: the file name's (installers select by file name),
    /// else WHEEL's `Tag:` lines compressed. Every command asks this one function.
    pub fn installer_tags(&self) -> crate::tags::TagSet {
        match self.filename.parse::<crate::tags::WheelFilename>() {
            Ok(name) => name.tags,
            Err(_) => {
                let tags: Vec<crate::tags::Tag> = self.tags.iter().filter_map(|t| t.parse().ok()).collect();
                crate::tags::TagSet::compress(&tags)
            }
        }
    }
}

/// One shared object found in an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysedBinary {
    /// The wheel member name, or the file's path for a bare file.
    pub member: String,
    pub role: Role,
    pub name: Option<ExtensionName>,
    pub binary: Binary,
}

impl AnalysedBinary {
    pub fn format(&self) -> Format {
        self.binary.format
    }

    pub fn slices(&self) -> &[Slice] {
        &self.binary.slices
    }

    /// A library that uses the C API: it exports no module hook, so `import` never
    /// loads it, but it imports CPython symbols (loaded by ctypes, dlopen or
    /// injection: memray's `_inject.abi3.so`). It is judged by its imports.
    pub fn is_c_api_library(&self) -> bool {
        self.role == Role::Library && self.slices().iter().any(|s| !s.python_imports().is_empty())
    }

    /// The dotted module name an extension is imported as: `psutil._psutil_linux`
    /// for `psutil/_psutil_linux.abi3.so`; `None` for libraries.
    pub fn dotted_module(&self) -> Option<String> {
        if self.role != Role::Extension {
            return None;
        }
        naming::dotted_module(&self.member)
    }
}

/// Everything read from one input.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub input: Input,
    pub wheel: Option<WheelInfo>,
    pub binaries: Vec<AnalysedBinary>,
    /// Problems that made (part of) the input unreadable, each naming what failed.
    pub errors: Vec<InputError>,
    /// Vendored libraries that do not parse: warnings on those members; the rest is read.
    pub unreadable_libraries: Vec<UnreadableLibrary>,
}

/// A member that is a vendored library, not a file `import` could load
/// (`shapely.libs/geos_c-….dll`, `pkg/.dylibs/libomp.dylib`, `pkg.libs/libz.so.1`),
/// and that does not parse as a shared object. A library's imports matter to no
/// verdict that its failure could change the way a module's would, so it is said
/// as a warning on the member and the input is read on. (A member `import` could
/// load that does not parse still makes the input unreadable.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnreadableLibrary {
    pub member: String,
    /// Why it could not be read: `malformed pe file: …`.
    pub problem: String,
}

impl UnreadableLibrary {
    /// `member` as a library that failed to parse, if it is one (see [`UnreadableLibrary`]).
    fn of(member: &str, error: &binary::BinaryError) -> Option<UnreadableLibrary> {
        (!Scope::Importable.includes(member))
            .then(|| UnreadableLibrary { member: member.to_string(), problem: error.to_string() })
    }
}

impl fmt::Display for UnreadableLibrary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: a vendored library that could not be read ({})", self.member, self.problem)
    }
}

impl Analysed {
    /// The errors of this input, if anything in it could not be read.
    pub fn error(&self) -> Option<InputErrors> {
        (!self.errors.is_empty()).then(|| InputErrors(self.errors.clone()))
    }
}

/// Classify a parsed shared object as extension or library.
///
/// An extension exports a module hook (`PyInit_`, `PyModExport_`): `import`
/// can load nothing else. A hook named for another module is still a module
/// meant to be imported, judged and failed (`missing-hook`). A shared object
/// that exports no hook, whatever its name, is a library: a plain one that the
/// package opens with ctypes or cffi `dlopen` (pycryptodomex ships 42 such
/// `.abi3.so` files), or one that uses the C API and is loaded by ctypes,
/// dlopen or injection (memray's `_inject.abi3.so`, torchcodec's pybind ops,
/// ddtrace's and tensorflow's helpers), judged by its imports
/// ([`AnalysedBinary::is_c_api_library`]).
pub fn role(binary: &Binary) -> Role {
    let has_hook = binary.slices.iter().any(|s| !s.module_hooks().is_empty());
    if has_hook { Role::Extension } else { Role::Library }
}

/// Parse one shared object (a wheel member or a file) and classify it.
pub fn analyse_bytes(member: &str, data: &[u8]) -> Result<AnalysedBinary, binary::BinaryError> {
    Ok(AnalysedBinary::of(member, binary::parse(data)?))
}

impl AnalysedBinary {
    /// Classify a parsed shared object (read whole, or a library from its
    /// start). A library's exports are not kept: they name no module hook (or
    /// it would be a module), and nothing else reads them, while a C++
    /// library's run to hundreds of thousands of names (torch's, tensorflow's).
    pub fn of(member: &str, mut binary: Binary) -> AnalysedBinary {
        let name = naming::parse_extension_name(member);
        let role = role(&binary);
        if role == Role::Library {
            for slice in &mut binary.slices {
                slice.exports = Vec::new();
            }
        }
        AnalysedBinary { member: member.to_string(), role, name, binary }
    }
}

/// How far to read a shared object from its start: an ELF library only as
/// far as its dynamic tables ([`binary::read_prefix`]), anything else whole.
/// A library read so is kept in `library`, for [`analyse_member`].
fn read_on(start: &[u8], library: &Cell<Option<Binary>>) -> ReadOn {
    match binary::read_prefix(start) {
        binary::Prefix::AtLeast(n) => ReadOn::AtLeast(n),
        binary::Prefix::Whole => ReadOn::ToTheEnd,
        binary::Prefix::Library(found) => {
            library.set(Some(found));
            ReadOn::Stop
        }
    }
}

/// A wheel member's analysis: the library [`read_on`] read from its start,
/// else the bytes read whole, parsed.
fn analyse_member(
    member: &Member,
    data: &[u8],
    library: &Cell<Option<Binary>>,
) -> Result<AnalysedBinary, binary::BinaryError> {
    match library.take() {
        Some(found) => Ok(AnalysedBinary::of(&member.name, found)),
        None => analyse_bytes(&member.name, data),
    }
}

/// Open a wheel's facts: name and version from `.dist-info`, build and tags from WHEEL.
pub fn wheel_info(wheel: &Wheel) -> WheelInfo {
    let mut tags = Vec::new();
    let mut compressed_tag_lines = Vec::new();
    for line in &wheel.metadata.tags {
        match line.parse::<crate::tags::TagSet>() {
            Ok(set) if set.expand().len() > 1 => {
                compressed_tag_lines.push(line.clone());
                tags.extend(set.expand().iter().map(|t| t.to_string()));
            }
            _ => tags.push(line.clone()),
        }
    }
    tags.sort();
    tags.dedup();
    WheelInfo {
        name: wheel.name.clone(),
        version: wheel.version.clone(),
        build: wheel.metadata.build.clone(),
        tags,
        compressed_tag_lines,
        filename: wheel.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        root_is_purelib: wheel.metadata.root_is_purelib,
        dist_info: wheel.dist_info.clone(),
        members: wheel.members.clone(),
    }
}

/// Which shared objects of a wheel to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every shared object, vendored libraries too (`inspect`).
    All,
    /// Only members `import` could load: `.so` / `.pyd` files whose every
    /// directory is a valid package name, so `numpy.libs/`, `.dylibs/` and
    /// `*.dist-info/` are skipped without being inflated (`check`, `verify`).
    Importable,
}

impl Scope {
    /// Whether a member name is in scope.
    pub fn includes(self, member: &str) -> bool {
        match self {
            Scope::All => naming::is_shared_object_name(member),
            Scope::Importable => {
                let mut parts: Vec<&str> = member.split('/').collect();
                parts.pop();
                naming::is_extension_name(member)
                    && parts.iter().all(|d| {
                        let mut chars = d.chars();
                        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                            && chars.all(|c| c.is_alphanumeric() || c == '_')
                    })
            }
        }
    }
}

/// Read one input, every shared object in it.
pub fn analyse(input: &Input, limits: Limits) -> Analysed {
    analyse_scoped(input, limits, Scope::All)
}

/// Read one input, the shared objects in `scope`. A remote wheel's result is
/// cached under its sha256 (see [`crate::remote::cache`]).
pub fn analyse_scoped(input: &Input, limits: Limits, scope: Scope) -> Analysed {
    let kind = match scope {
        Scope::All => "all",
        Scope::Importable => "importable",
    };
    let cached = CacheKey::of(input, kind, limits);
    if let Some(snapshot) = cached.as_ref().and_then(CacheKey::load) {
        return snapshot.into_analysed(input);
    }
    let (out, fingerprint) = analyse_scoped_uncached(input, limits, scope);
    if let (Some(key), Some(snapshot)) = (cached, Snapshot::of(&out, None)) {
        key.store(fingerprint.as_ref(), &snapshot);
    }
    out
}

/// The reading of an input, and for a remote wheel the fingerprint of the bytes read.
fn analyse_scoped_uncached(input: &Input, limits: Limits, scope: Scope) -> (Analysed, Option<Fingerprint>) {
    let mut out = Analysed {
        input: input.clone(),
        wheel: None,
        binaries: Vec::new(),
        errors: Vec::new(),
        unreadable_libraries: Vec::new(),
    };
    let mut fingerprint = None;
    let fail = |e: ReadError| InputError::new(input.display.clone(), e);
    match (&input.source, input.kind()) {
        (Source::Failed(e), _) => out.errors.push(e.clone()),
        (Source::NoWheel { why }, _) => out.errors.push(fail(no_wheel(input, why))),
        (_, Some(InputKind::Wheel)) => match open_wheel(input, limits, &|name| scope.includes(name), false) {
            Ok(mut wheel) => {
                fingerprint = wheel.fingerprint.clone();
                out.wheel = Some(wheel_info(&wheel));
                let members: Vec<_> = wheel.members.iter().filter(|m| scope.includes(&m.name)).cloned().collect();
                for member in members {
                    // Held until the member is parsed (see crate::budget).
                    let _permit = Budget::global().acquire(member.size);
                    let library = Cell::new(None);
                    match wheel.read_while(&member, |start| read_on(start, &library)) {
                        Ok(data) => match analyse_member(&member, &data, &library) {
                            Ok(b) => out.binaries.push(b),
                            Err(source) => match UnreadableLibrary::of(&member.name, &source) {
                                Some(library) => out.unreadable_libraries.push(library),
                                None => out.errors.push(fail(ReadError::Member { member: member.name, source })),
                            },
                        },
                        Err(e) => out.errors.push(fail(e.into())),
                    }
                }
            }
            Err(e) => out.errors.push(fail(e.into())),
        },
        (_, _) => match input.local_path().map(|p| read_file(p, limits, Budget::global())) {
            Some(Ok((data, _))) if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") => {
                out.errors.push(fail(ReadError::ZipNotWheel))
            }
            Some(Ok((data, _permit))) => match analyse_bytes(&input.display, &data) {
                Ok(b) => out.binaries.push(b),
                Err(e) => out.errors.push(fail(e.into())),
            },
            Some(Err(e)) => out.errors.push(fail(e)),
            None => out.errors.push(fail(ReadError::NotAWheel("not a file"))),
        },
    }
    (out, fingerprint)
}

/// The error of a requirement no wheel fits, for a command that reads wheels
/// (only `verify` reports it as a finding of its own).
fn no_wheel(input: &Input, why: &str) -> ReadError {
    ReadError::Index(Arc::new(IndexError::NoWheel { project: input.display.clone(), detail: why.to_string() }))
}

/// Open a wheel once, verify every member against RECORD and read every shared
/// object from the same inflated bytes (what `merge` needs of an input).
/// Returns the open wheel's facts, the analysis and the verified RECORD rows, or the errors.
pub fn analyse_verified(input: &Input, limits: Limits) -> Result<Verified, InputErrors> {
    analyse_verified_in(input, limits, Scope::All)
}

/// [`analyse_verified`], reading the shared objects in `scope` (`retag` reads
/// those `check` judges).
pub fn analyse_verified_in(input: &Input, limits: Limits, scope: Scope) -> Result<Verified, InputErrors> {
    let kind = match scope {
        Scope::All => "verified",
        Scope::Importable => "verified-importable",
    };
    let cached = CacheKey::of(input, kind, limits);
    if let Some(mut snapshot) = cached.as_ref().and_then(CacheKey::load)
        && let Some(record) = snapshot.record.take()
    {
        return Ok(Verified { analysed: snapshot.into_analysed(input), record });
    }
    let (verified, fingerprint) = analyse_verified_uncached(input, limits, scope)?;
    if let (Some(key), Some(snapshot)) = (cached, Snapshot::of(&verified.analysed, Some(&verified.record))) {
        key.store(fingerprint.as_ref(), &snapshot);
    }
    Ok(verified)
}

fn analyse_verified_uncached(
    input: &Input,
    limits: Limits,
    scope: Scope,
) -> Result<(Verified, Option<Fingerprint>), InputErrors> {
    let fail = |e: ReadError| InputErrors::from(InputError::new(input.display.clone(), e));
    match (&input.source, input.kind()) {
        (Source::Failed(e), _) => return Err(e.clone().into()),
        (Source::NoWheel { why }, _) => return Err(fail(no_wheel(input, why))),
        (_, Some(InputKind::Wheel)) => {}
        (_, _) => return Err(fail(ReadError::NotAWheel("merge and split read wheels only"))),
    }
    // A wheel read by ranges fetches and verifies the members `check` and
    // `verify` read; the others' RECORD rows are taken as they are.
    let ranged = matches!(input.source, Source::Remote(_));
    let selected = |name: &str| !ranged || Scope::Importable.includes(name);
    let mut wheel = open_wheel(input, limits, &selected, true).map_err(|e| fail(e.into()))?;
    let mut out = Analysed {
        input: input.clone(),
        wheel: Some(wheel_info(&wheel)),
        binaries: Vec::new(),
        errors: Vec::new(),
        unreadable_libraries: Vec::new(),
    };
    let library = Cell::new(None);
    let record = wheel
        .hash_record_reading(
            |member| selected(&member.name),
            // The members parsed are inflated (whole, or by ranges a library
            // from its start only); every other one is hashed as it streams.
            |member| scope.includes(&member.name),
            |start| if ranged { read_on(start, &library) } else { ReadOn::ToTheEnd },
            |member, data| match analyse_member(member, data, &library) {
                Ok(b) => out.binaries.push(b),
                Err(source) => match UnreadableLibrary::of(&member.name, &source) {
                    Some(library) => out.unreadable_libraries.push(library),
                    None => out.errors.push(InputError::new(
                        input.display.clone(),
                        ReadError::Member { member: member.name.clone(), source },
                    )),
                },
            },
        )
        .map_err(|e| fail(e.into()))?;
    match out.error() {
        Some(e) => Err(e),
        None => Ok((Verified { analysed: out, record }, wheel.fingerprint.clone())),
    }
}

/// Open a wheel input: a local file or copy, or a remote wheel by ranges
/// (fetching the members `wanted` selects, and RECORD when `record`).
pub fn open_wheel(
    input: &Input,
    limits: Limits,
    wanted: &dyn Fn(&str) -> bool,
    record: bool,
) -> Result<Wheel, crate::wheel::WheelError> {
    match (&input.source, input.local_path()) {
        (Source::Remote(wheel), _) => crate::remote::open_wheel(wheel, limits, wanted, record),
        (Source::Locked { path, filename, size, sha256 }, _) => {
            crate::input::open_locked(path, filename, *size, sha256.as_deref(), limits)
        }
        (_, Some(path)) => Wheel::open(path, limits),
        (_, None) => Err(WheelError::Io(io::Error::other("not a wheel input"))),
    }
}

/// A wheel read by [`analyse_verified`].
pub struct Verified {
    /// Its facts ([`Analysed::wheel`]) and binaries.
    pub analysed: Analysed,
    /// RECORD's rows, each checked against the member's bytes.
    pub record: std::collections::BTreeMap<String, crate::record::RecordEntry>,
}

/// What the cache keeps of a wheel's reading: enough to rebuild the
/// [`Analysed`] (and, for `merge`, the verified RECORD) exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    wheel: WheelInfo,
    binaries: Vec<(String, Binary)>,
    #[serde(default)]
    unreadable_libraries: Vec<UnreadableLibrary>,
    record: Option<std::collections::BTreeMap<String, crate::record::RecordEntry>>,
}

impl Snapshot {
    /// The snapshot of a reading without errors; `None` if anything failed (failures are never cached).
    fn of(
        a: &Analysed,
        record: Option<&std::collections::BTreeMap<String, crate::record::RecordEntry>>,
    ) -> Option<Snapshot> {
        if !a.errors.is_empty() {
            return None;
        }
        Some(Snapshot {
            wheel: a.wheel.clone()?,
            binaries: a.binaries.iter().map(|b| (b.member.clone(), b.binary.clone())).collect(),
            unreadable_libraries: a.unreadable_libraries.clone(),
            record: record.cloned(),
        })
    }

    fn into_analysed(self, input: &Input) -> Analysed {
        let binaries = self
            .binaries
            .into_iter()
            .map(|(member, binary)| {
                let name = naming::parse_extension_name(&member);
                AnalysedBinary { role: role(&binary), member, name, binary }
            })
            .collect();
        let unreadable_libraries = self.unreadable_libraries;
        Analysed { input: input.clone(), wheel: Some(self.wheel), binaries, errors: Vec::new(), unreadable_libraries }
    }
}

/// A remote wheel read by ranges, with a claimed sha256 and caching on: where its reading is kept.
struct CacheKey<'a> {
    dir: &'a Path,
    wheel: &'a crate::input::RemoteWheel,
    /// The kind of reading and the member limit it ran under (`importable-512`).
    kind: String,
}

impl CacheKey<'_> {
    fn of<'a>(input: &'a Input, kind: &str, limits: Limits) -> Option<CacheKey<'a>> {
        // A downloaded copy is read from disk, proven by its sha256 when it arrived.
        let Source::Remote(wheel) = &input.source else { return None };
        let dir = wheel.session.cache.as_deref()?;
        wheel.file.sha256.as_ref()?;
        Some(CacheKey { dir, wheel, kind: format!("{kind}-{}", limits.max_member_size >> 20) })
    }

    /// A stored reading whose proof holds for the input's bytes (see [`crate::remote::cache`]).
    fn load(&self) -> Option<Snapshot> {
        crate::remote::load_cached(self.dir, self.wheel, &self.kind)
    }

    /// Store a reading with the fingerprint of the bytes it came from (none: not stored).
    fn store(&self, fingerprint: Option<&Fingerprint>, snapshot: &Snapshot) {
        if let Some(fingerprint) = fingerprint {
            crate::remote::store_cached(self.dir, self.wheel, &self.kind, fingerprint, snapshot);
        }
    }
}

/// Read a bare file whole, holding its size from `budget` while it is read;
/// the permit is given back with the bytes, to be dropped once they are parsed.
fn read_file<'b>(path: &Path, limits: Limits, budget: &'b Budget) -> Result<(Vec<u8>, Permit<'b>), ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Read)?;
    if meta.len() > limits.max_member_size {
        return Err(ReadError::TooLarge { size: meta.len(), limit: limits.max_member_size });
    }
    let permit = budget.acquire(meta.len());
    // The size above is only what the file system says: a device or a pipe
    // reports 0 and then never ends, so the read itself is bounded too.
    let file = std::fs::File::open(path).map_err(ReadError::Read)?;
    let mut data = Vec::new();
    file.take(limits.max_member_size.saturating_add(1)).read_to_end(&mut data).map_err(ReadError::Read)?;
    if data.len() as u64 > limits.max_member_size {
        return Err(ReadError::TooLong { limit: limits.max_member_size });
    }
    Ok((data, permit))
}

/// Analyse every input on all cores, keeping input order.
pub fn analyse_all(inputs: &[Input], limits: Limits) -> Vec<Analysed> {
    analyse_map(inputs, limits, Scope::All, |a| a)
}

/// Analyse every input on all cores and reduce each with `f` right away, in
/// the worker: memory holds the inputs in flight and the reduced results,
/// never every input's binaries at once. Results keep input order.
pub fn analyse_map<R: Send>(
    inputs: &[Input],
    limits: Limits,
    scope: Scope,
    f: impl Fn(Analysed) -> R + Sync,
) -> Vec<R> {
    // Largest inputs first, so no core idles at the end waiting on one big wheel.
    let mut order: Vec<(u64, usize)> = inputs.iter().enumerate().map(|(i, input)| (input.size_hint(), i)).collect();
    order.sort_by(|a, b| b.cmp(a));
    let reordered: Vec<(usize, &Input)> = order.iter().map(|&(_, i)| (i, &inputs[i])).collect();
    let mut results: Vec<(usize, R)> =
        crate::pool::parallel_map(&reordered, |&(i, input)| (i, f(analyse_scoped(input, limits, scope))));
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::binary::BinaryError;
    use std::path::PathBuf;

    /// A fresh directory under the system's temporary directory.
    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("uniabi-analysis-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn ok_an_inputs_errors_are_one_bounded_line() {
        let url =
            format!("https://files.example/{}/pandas-3.0.0-cp313-cp313-manylinux_2_28_x86_64.whl", "a".repeat(64));
        let errors = InputErrors(
            (0..45)
                .map(|i| {
                    let member = format!("pandas/_libs/{}{i}.so", "x".repeat(40));
                    InputError::new(format!("{url}: {member}"), ReadError::TooLarge { size: 1 << 30, limit: 1 << 28 })
                })
                .collect(),
        );
        let line = errors.to_string();
        assert!(line.len() < 3 * (crate::output::MESSAGE_MAX + 30), "{} bytes", line.len());
        assert!(line.ends_with("; and 42 more errors"), "{line}");
        assert_eq!(line.matches(&url).count(), 3);
        assert!(!line.contains('\n'));
        // One long cause is cut at a character boundary, saying how much was left out.
        let long = crate::output::bounded("é".repeat(1000));
        assert!(long.len() <= crate::output::MESSAGE_MAX + 30 && long.ends_with("… (1400 more bytes)"), "{long}");
    }

    #[test]
    fn err_input_errors_are_typed_and_name_the_input() {
        let dir = temp("typed");
        let text = dir.join("notes.abi3.so");
        std::fs::write(&text, b"not a binary").unwrap();
        let zip = dir.join("archive.so");
        std::fs::write(&zip, b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0").unwrap();
        let missing = dir.join("missing.whl");
        let inputs = crate::input::expand_all(&[text.clone(), zip.clone(), missing.clone()]);
        let all = analyse_all(&inputs, Limits::DEFAULT);
        let sources: Vec<&ReadError> = all.iter().map(|a| &*a.errors[0].source).collect();
        assert!(matches!(sources[0], ReadError::Binary(BinaryError::UnknownFormat)), "{sources:?}");
        assert!(matches!(sources[1], ReadError::ZipNotWheel), "{sources:?}");
        assert!(matches!(sources[2], ReadError::Open(_)), "{sources:?}");
        let lines: Vec<String> = all.iter().map(|a| a.error().unwrap().to_string()).collect();
        assert_eq!(
            lines[0],
            format!("{}: not an ELF, Mach-O, PE or WebAssembly file (unknown magic bytes)", text.display())
        );
        assert!(lines[1].starts_with(&format!("{}: a zip archive, but not a wheel", zip.display())), "{}", lines[1]);
        assert!(lines[2].starts_with(&format!("{}: cannot open: ", missing.display())), "{}", lines[2]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
