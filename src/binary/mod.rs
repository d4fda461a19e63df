//! Reading extension modules: ELF, Mach-O (thin and fat), PE and WebAssembly.
//!
//! Every format reader returns the same small [`Binary`]: one [`Slice`] per
//! architecture, each with the symbols it imports and exports. The dispatcher
//! [`parse`] picks the reader by magic bytes.
//!
//! The production reader is the `object` crate for all four formats: one
//! uniform, zero-copy, lazily parsed API over `&[u8]` (PE import tables are
//! walked by RVA as the Windows loader walks them, see `pe`). On Mach-O the imports
//! come from the symbol table (the undefined external `nlist` entries of
//! `LC_SYMTAB`), so chained fixups (`LC_DYLD_CHAINED_FIXUPS`, used by macOS 11+
//! arm64 builds) cannot hide an import the way they hide it from a reader that
//! walks bind opcodes. `goblin` is only a dev-dependency, used by the tests as an
//! independent cross-check.
//!
//! Input is untrusted: every count and offset is checked against the size of
//! the file before it is used, and a broken file is a [`BinaryError`], never a
//! panic.

use serde::{Deserialize, Serialize};

mod abi_info;
mod elf;
mod macho;
mod pe;
mod wasm;

pub use abi_info::AbiInfo;

/// The container format of a shared object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Linux and other Unix shared objects.
    Elf,
    /// macOS, thin or fat (universal2).
    Macho,
    /// Windows `.pyd` (a DLL).
    Pe,
    /// WebAssembly side modules (Emscripten, as Pyodide loads them).
    Wasm,
}

impl Format {
    /// The lowercase name: `elf`, `macho`, `pe` or `wasm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::Macho => "macho",
            Format::Pe => "pe",
            Format::Wasm => "wasm",
        }
    }
}

/// A parsed shared object: its format and one slice per architecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Binary {
    /// The container format.
    pub format: Format,
    /// One slice per architecture, in file order: exactly one for ELF, PE and
    /// thin Mach-O; one per fat header entry for a fat Mach-O file.
    pub slices: Vec<Slice>,
}

/// What one architecture slice imports and exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Slice {
    /// `x86_64`, `aarch64` (also Mach-O arm64; Mach-O arm64e stays `arm64e`), `x86`, `arm`,
    /// `ppc64le`, `s390x`, `riscv64`, `wasm32`, ...
    pub arch: String,
    /// Every imported symbol (Mach-O leading `_` removed), sorted by name then library, no duplicates.
    pub imports: Vec<Import>,
    /// Every exported symbol (Mach-O leading `_` removed), sorted, no duplicates.
    pub exports: Vec<String>,
    /// The libraries it links (ELF `DT_NEEDED`, Mach-O load commands, PE DLLs, the
    /// libraries WebAssembly's `dylink.0` needs), in file order.
    pub libraries: Vec<String>,
    /// The `PyABIInfo` record the module declares through its `Py_mod_abi`
    /// slot, when it can be located without doubt (see [`AbiInfo`]).
    pub abi_info: Option<AbiInfo>,
}

/// One imported symbol.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Import {
    /// The symbol name (Mach-O leading `_` removed, no ELF `@version`); a PE
    /// import by ordinal is written `#<ordinal>`.
    pub name: String,
    /// The DLL a PE import comes from; `None` on ELF and Mach-O, which resolve by flat lookup.
    pub library: Option<String>,
    /// A weak import (ELF `STB_WEAK`, Mach-O `N_WEAK_REF`): it may be missing at run time.
    pub weak: bool,
}

const HOOK_PREFIXES: [&str; 4] = ["PyInit_", "PyInitU_", "PyModExport_", "PyModExportU_"];

/// True for a PE import library that is CPython's (`python3.dll`, `python313t.dll`).
pub fn is_python_dll(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.strip_prefix("python").and_then(|rest| rest.strip_suffix(".dll")).is_some_and(|mid| {
        !mid.is_empty() && mid.bytes().all(|b| b.is_ascii_digit() || b == b't' || b == b'_' || b == b'd')
    })
}

/// What a `python*.dll` name says about how a `.pyd` was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonDll {
    /// `python3.dll`: the stable ABI of GIL builds (abi3).
    Abi3,
    /// `python3t.dll`: the stable ABI of free-threaded builds (abi3t).
    Abi3t,
    /// `python313.dll`, `python313t.dll`: one version and build.
    Specific { version: crate::version::PyVersion, free_threaded: bool },
}

impl PythonDll {
    /// Classify a DLL name (any case); `None` for DLLs that are not CPython's.
    pub fn parse(name: &str) -> Option<PythonDll> {
        let lower = name.to_ascii_lowercase();
        let digits = lower.strip_prefix("python")?.strip_suffix(".dll")?;
        let (num, free_threaded) = match digits.strip_suffix('t') {
            Some(n) => (n, true),
            None => (digits, false),
        };
        match num {
            "3" if free_threaded => Some(PythonDll::Abi3t),
            "3" => Some(PythonDll::Abi3),
            n if n.len() >= 2 && n.len() <= 4 && n.starts_with('3') && n.bytes().all(|b| b.is_ascii_digit()) => {
                let minor = n[1..].parse().ok()?;
                Some(PythonDll::Specific { version: crate::version::PyVersion::new(3, minor), free_threaded })
            }
            _ => None,
        }
    }
}

impl Slice {
    /// Build a slice, sorting and deduplicating imports and exports.
    ///
    /// An import listed both weak and strong is kept once, as strong.
    fn new(
        arch: String,
        mut imports: Vec<Import>,
        mut exports: Vec<String>,
        libraries: Vec<String>,
        abi_info: Option<AbiInfo>,
    ) -> Self {
        imports.sort_unstable();
        imports.dedup_by(|next, kept| next.name == kept.name && next.library == kept.library);
        exports.sort_unstable();
        exports.dedup();
        Slice { arch, imports, exports, libraries, abi_info }
    }

    /// The CPython symbols this slice imports, sorted, no duplicates.
    ///
    /// On PE, the imports from a `python*.dll`; elsewhere the imports whose
    /// name starts with `Py` or `_Py`.
    pub fn python_imports(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .imports
            .iter()
            .filter(|i| match &i.library {
                Some(lib) => is_python_dll(lib),
                // PyPy's C API (`PyPyErr_SetString`, `_PyPy_Dealloc`) is not CPython's.
                None => {
                    (i.name.starts_with("Py") || i.name.starts_with("_Py"))
                        && !i.name.starts_with("PyPy")
                        && !i.name.starts_with("_PyPy")
                }
            })
            .map(|i| i.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The `python*.dll` a PE slice links, as written in the import directory.
    pub fn python_library(&self) -> Option<&str> {
        self.libraries.iter().map(String::as_str).find(|l| is_python_dll(l))
    }

    /// The module hooks it exports: `PyInit_*`, `PyModExport_*` and their `U` variants.
    pub fn module_hooks(&self) -> Vec<&str> {
        self.exports.iter().map(String::as_str).filter(|e| is_hook(e)).collect()
    }
}

fn is_hook(name: &str) -> bool {
    HOOK_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Whether a slice exporting `exports` is a module: only a module's slots
/// carry a `PyABIInfo`, so a library's data is never searched for one (in
/// torch's `libtorch_cuda.so` that search alone touched 337 MB of `.nv_fatbin`).
fn exports_a_hook(exports: &[String]) -> bool {
    exports.iter().any(|e| is_hook(e))
}

/// Why a file could not be read as a shared object.
#[derive(Debug, thiserror::Error)]
pub enum BinaryError {
    /// The first bytes match no format uniabi reads.
    #[error("not an ELF, Mach-O, PE or WebAssembly file (unknown magic bytes)")]
    UnknownFormat,
    /// The file claims a format but its structure is broken (truncated, offsets outside the file...).
    #[error("malformed {} file: {detail}", format.as_str())]
    Malformed {
        /// The format the magic bytes announced.
        format: Format,
        /// What is broken, in a few words.
        detail: String,
    },
}

/// Which format the first bytes announce, if any.
pub fn sniff(data: &[u8]) -> Option<Format> {
    match data.get(..4)? {
        [0x7f, b'E', b'L', b'F'] => Some(Format::Elf),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => Some(Format::Macho),
        [0xca, 0xfe, 0xba, 0xbe | 0xbf] => Some(Format::Macho),
        [b'M', b'Z', ..] => Some(Format::Pe),
        [0, b'a', b's', b'm'] => Some(Format::Wasm),
        _ => None,
    }
}

/// Parse a shared object of any supported format.
///
/// The reader is chosen by [`sniff`]; `data` is the whole file.
pub fn parse(data: &[u8]) -> Result<Binary, BinaryError> {
    match sniff(data) {
        Some(Format::Elf) => elf::parse(data),
        Some(Format::Macho) => macho::parse(data),
        Some(Format::Pe) => pe::parse(data),
        Some(Format::Wasm) => wasm::parse(data),
        None => Err(BinaryError::UnknownFormat),
    }
}

/// What the start of a shared object says about reading the rest of it.
#[derive(Debug)]
pub enum Prefix {
    /// Read on to at least this many bytes from the start, then ask again.
    AtLeast(u64),
    /// Only the whole file will do: a module (whose `PyABIInfo` needs its
    /// sections), a format read from its end (Mach-O, PE, WebAssembly), or an
    /// ELF file whose dynamic tables the program headers alone cannot place.
    Whole,
    /// An ELF library (no module hook), read whole from this prefix: its
    /// dynamic symbols and `DT_NEEDED` entries, as [`parse`] reads them from
    /// the whole file (which searches no library for a `PyABIInfo` either).
    Library(Binary),
}

/// How much of a shared object whose first bytes are `data` reading it takes:
/// an ELF library's CPython imports are all in its dynamic tables, which lie
/// before its code's end, so the rest of it need not be inflated or fetched.
pub fn read_prefix(data: &[u8]) -> Prefix {
    match sniff(data) {
        _ if data.len() < 4 => Prefix::AtLeast(4),
        Some(Format::Elf) => match elf::parse_dynamic_prefix(data) {
            Ok(binary) if binary.slices.iter().all(|s| s.module_hooks().is_empty()) => Prefix::Library(binary),
            Ok(_) | Err(elf::Short::Whole) => Prefix::Whole,
            Err(elf::Short::AtLeast(n)) => Prefix::AtLeast(n),
        },
        _ => Prefix::Whole,
    }
}

impl BinaryError {
    fn malformed(format: Format, detail: impl Into<String>) -> Self {
        BinaryError::Malformed { format, detail: detail.into() }
    }

    /// Wrap an error from the `object` crate, whose messages read
    /// "Invalid ELF section header offset/size/alignment".
    fn object(format: Format, err: object::read::Error) -> Self {
        let text = err.to_string();
        let mut chars = text.chars();
        let detail = match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::from("unreadable structure"),
        };
        BinaryError::Malformed { format, detail }
    }
}

/// A symbol name as text; names that are not UTF-8 are converted lossily.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wheel::{Limits, Wheel};

    /// Every ELF file of the sample wheels, and the shared libraries of this
    /// machine's system directory where there is one (more linkers' layouts).
    fn elf_corpus() -> Vec<(String, Vec<u8>)> {
        let mut corpus = Vec::new();
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        for entry in std::fs::read_dir(samples).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "whl") {
                continue;
            }
            let mut wheel = Wheel::open(&path, Limits::DEFAULT).unwrap();
            for member in wheel.members.clone() {
                let data = wheel.read(&member).unwrap().into_vec();
                if sniff(&data) == Some(Format::Elf) {
                    corpus.push((member.name, data));
                }
            }
        }
        corpus
    }

    /// The reader's loop: inflate in chunks, ask after each, stop when told.
    fn read_as_a_stream(data: &[u8], chunk: usize) -> (usize, Prefix) {
        let mut have = chunk.min(data.len());
        loop {
            match read_prefix(&data[..have]) {
                Prefix::AtLeast(n) if have < data.len() => {
                    have = (n as usize).max(have + chunk).min(data.len());
                }
                Prefix::AtLeast(_) => return (have, Prefix::Whole),
                other => return (have, other),
            }
        }
    }

    #[test]
    fn ok_a_library_read_from_its_start_equals_the_whole_read() {
        let corpus = elf_corpus();
        let mut libraries = 0;
        let mut saved = 0;
        for (name, data) in &corpus {
            let whole = parse(data).unwrap();
            let mut expected = whole.clone();
            for slice in &mut expected.slices {
                // A module's, which only the whole reading finds.
                slice.abi_info = None;
            }
            // The program-header reading gives the section reading's tables.
            assert_eq!(elf::parse_dynamic_prefix(data).unwrap(), expected, "{name}");
            for chunk in [1, 4096, 1 << 20] {
                let (read, prefix) = read_as_a_stream(data, chunk);
                match prefix {
                    Prefix::Library(binary) => {
                        assert!(
                            whole.slices.iter().all(|s| s.module_hooks().is_empty()),
                            "{name}: a module stopped early"
                        );
                        assert_eq!(binary, expected, "{name}, chunks of {chunk}");
                        if chunk == 1 {
                            libraries += 1;
                            saved += data.len() - read;
                        }
                    }
                    Prefix::Whole => {
                        assert!(
                            whole.slices.iter().any(|s| !s.module_hooks().is_empty()),
                            "{name}: a library read whole"
                        )
                    }
                    Prefix::AtLeast(_) => unreachable!(),
                }
            }
        }
        // pycryptodomex's 42 libraries and the vendored ones are among them.
        assert!(libraries >= 40, "{libraries} libraries of {}", corpus.len());
        assert!(saved > 0);
    }

    /// The program headers of a 64-bit little-endian ELF file: (offset of each, its type).
    fn program_headers(data: &[u8]) -> Vec<(usize, u32)> {
        let u64_at = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap()) as usize;
        let u16_at = |at: usize| u16::from_le_bytes(data[at..at + 2].try_into().unwrap()) as usize;
        let (phoff, phnum) = (u64_at(0x20), u16_at(0x38));
        (0..phnum)
            .map(|i| phoff + 56 * i)
            .map(|at| (at, u32::from_le_bytes(data[at..at + 4].try_into().unwrap())))
            .collect()
    }

    #[test]
    fn err_a_prefix_that_cannot_place_the_tables_asks_for_the_whole_file() {
        let (name, data) = elf_corpus().into_iter().find(|(n, _)| n.contains("Cryptodome")).unwrap();
        assert!(matches!(read_prefix(&data), Prefix::Library(_)), "{name}");
        // Too short to tell: read on.
        assert!(matches!(read_prefix(&data[..64]), Prefix::AtLeast(n) if n > 64));
        assert!(matches!(read_prefix(b"\x7fEL"), Prefix::AtLeast(4)));
        assert!(matches!(read_prefix(b"MZ\0\0"), Prefix::Whole));
        let (dynamic, _) = *program_headers(&data).iter().find(|(_, kind)| *kind == 2).unwrap();
        // No dynamic segment: only the section headers can tell.
        let mut no_dynamic = data.clone();
        no_dynamic[dynamic..dynamic + 4].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(read_prefix(&no_dynamic), Prefix::Whole));
        // A dynamic segment outside the file: read on to the end, then whole.
        let mut outside = data.clone();
        outside[dynamic + 8..dynamic + 16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(read_as_a_stream(&outside, 4096).1, Prefix::Whole));
        // A string table claimed larger than its segment: whole, never a panic.
        let offset = u64::from_le_bytes(data[dynamic + 8..dynamic + 16].try_into().unwrap()) as usize;
        let mut huge = data.clone();
        let strsz = (0..).map(|i| offset + 16 * i).find(|&at| huge[at..at + 8] == 10u64.to_le_bytes()).unwrap();
        huge[strsz + 8..strsz + 16].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
        assert!(matches!(read_as_a_stream(&huge, 4096).1, Prefix::Whole));
        // A GNU hash table hashing nothing: GNU ld leaves unhashed symbols
        // past its first index then, so it cannot give their number.
        let gnu_hash = (0..).map(|i| offset + 16 * i).find(|&at| data[at..at + 8] == 0x6fff_fef5u64.to_le_bytes());
        let table =
            u64::from_le_bytes(data[gnu_hash.unwrap() + 8..gnu_hash.unwrap() + 16].try_into().unwrap()) as usize;
        let first_load = program_headers(&data).into_iter().find(|(_, kind)| *kind == 1).unwrap().0;
        assert_eq!(data[first_load + 8..first_load + 24], [0; 16], "the first load segment maps offset 0 at address 0");
        let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        let (buckets, blooms) = (word(table), word(table + 8));
        let mut unhashed = data.clone();
        unhashed[table + 16 + 8 * blooms..table + 16 + 8 * blooms + 4 * buckets].fill(0);
        assert!(matches!(read_as_a_stream(&unhashed, 4096).1, Prefix::Whole));
    }
}
