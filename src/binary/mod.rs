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
        self.exports.iter().map(String::as_str).filter(|e| HOOK_PREFIXES.iter().any(|p| e.starts_with(p))).collect()
    }
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
