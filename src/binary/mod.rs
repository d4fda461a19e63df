//! Reading extension modules: ELF, Mach-O (thin and fat) and PE.
//!
//! Every format reader returns the same small [`Binary`]: one [`Slice`] per
//! architecture, each with the symbols it imports and exports. The dispatcher
//! [`parse`] picks the reader by magic bytes.

use serde::Serialize;

/// The container format of a shared object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Linux and other Unix shared objects.
    Elf,
    /// macOS, thin or fat (universal2).
    Macho,
    /// Windows `.pyd` (a DLL).
    Pe,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::Macho => "macho",
            Format::Pe => "pe",
        }
    }
}

/// A parsed shared object: its format and one slice per architecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binary {
    pub format: Format,
    pub slices: Vec<Slice>,
}

/// What one architecture slice imports and exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slice {
    /// `x86_64`, `aarch64` (also Mach-O arm64), `x86`, `arm`, `ppc64le`, `s390x`, `riscv64`, ...
    pub arch: String,
    /// Every imported symbol (Mach-O leading `_` removed), sorted by name then library, no duplicates.
    pub imports: Vec<Import>,
    /// Every exported symbol (Mach-O leading `_` removed), sorted, no duplicates.
    pub exports: Vec<String>,
    /// The libraries it links (ELF `DT_NEEDED`, Mach-O load commands, PE DLLs), in file order.
    pub libraries: Vec<String>,
}

/// One imported symbol.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Import {
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
    lower
        .strip_prefix("python")
        .and_then(|rest| rest.strip_suffix(".dll"))
        .is_some_and(|mid| {
            !mid.is_empty()
                && mid
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b't' || b == b'_' || b == b'd')
        })
}

impl Slice {
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
                None => i.name.starts_with("Py") || i.name.starts_with("_Py"),
            })
            .map(|i| i.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The `python*.dll` a PE slice links, as written in the import directory.
    pub fn python_library(&self) -> Option<&str> {
        self.libraries
            .iter()
            .map(String::as_str)
            .find(|l| is_python_dll(l))
    }

    /// The module hooks it exports: `PyInit_*`, `PyModExport_*` and their `U` variants.
    pub fn module_hooks(&self) -> Vec<&str> {
        self.exports
            .iter()
            .map(String::as_str)
            .filter(|e| HOOK_PREFIXES.iter().any(|p| e.starts_with(p)))
            .collect()
    }
}

/// Why a file could not be read as a shared object.
#[derive(Debug)]
pub enum BinaryError {
    /// The first bytes match no format uniabi reads.
    UnknownFormat,
    /// The file claims a format but its structure is broken (truncated, offsets outside the file...).
    Malformed { format: Format, detail: String },
}

impl std::fmt::Display for BinaryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BinaryError::UnknownFormat => {
                write!(f, "not an ELF, Mach-O or PE file (unknown magic bytes)")
            }
            BinaryError::Malformed { format, detail } => {
                write!(f, "malformed {} file: {detail}", format.as_str())
            }
        }
    }
}

impl std::error::Error for BinaryError {}

/// Which format the first bytes announce, if any.
pub fn sniff(data: &[u8]) -> Option<Format> {
    match data.get(..4)? {
        [0x7f, b'E', b'L', b'F'] => Some(Format::Elf),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => Some(Format::Macho),
        [0xca, 0xfe, 0xba, 0xbe | 0xbf] => Some(Format::Macho),
        [b'M', b'Z', ..] => Some(Format::Pe),
        _ => None,
    }
}

/// Parse a shared object of any supported format.
pub fn parse(_data: &[u8]) -> Result<Binary, BinaryError> {
    Err(BinaryError::UnknownFormat)
}
