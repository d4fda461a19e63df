//! PE images (`.pyd`): the import, delay-load import and export directories.
//!
//! `object` parses the headers, sections and exports; the import tables are
//! walked here by relative virtual address, each through the section table, as
//! the Windows loader walks them (see [`Mapped`]).

use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile};
use object::{FileKind, LittleEndian as LE};

use super::abi_info::{Image, data_regions};
use super::{Binary, BinaryError, Format, Import, Slice, text};

/// Parse a PE32 or PE32+ image.
pub(super) fn parse(data: &[u8]) -> Result<Binary, BinaryError> {
    if data.len() < size_of::<pe::ImageDosHeader>() {
        return Err(BinaryError::malformed(Format::Pe, "file ends inside the DOS header"));
    }
    let slice = match FileKind::parse(data).map_err(malformed)? {
        FileKind::Pe32 => read(&PeFile::<pe::ImageNtHeaders32>::parse(data).map_err(malformed)?),
        FileKind::Pe64 => read(&PeFile::<pe::ImageNtHeaders64>::parse(data).map_err(malformed)?),
        _ => Err(BinaryError::malformed(Format::Pe, "MZ header without a PE image behind it")),
    }?;
    Ok(Binary { format: Format::Pe, slices: vec![slice] })
}

fn malformed(err: object::read::Error) -> BinaryError {
    BinaryError::object(Format::Pe, err)
}

fn read<Pe: ImageNtHeaders>(file: &PeFile<'_, Pe>) -> Result<Slice, BinaryError> {
    let image = Mapped { file };
    // No more entries than the file has room for, however often descriptors
    // point at the same list.
    let mut budget = file.data().len() / 4;
    let mut imports = Vec::new();
    let mut libraries = Vec::new();

    // IMAGE_IMPORT_DESCRIPTOR: OriginalFirstThunk, TimeDateStamp, ForwarderChain, Name,
    // FirstThunk; the loader stops at the first without a name or an address table.
    image.each_entry(pe::IMAGE_DIRECTORY_ENTRY_IMPORT, 20, &mut budget, |descriptor, budget| {
        let (lookup, name, first) = (u32_at(descriptor, 0), u32_at(descriptor, 12), u32_at(descriptor, 16));
        if name == 0 || first == 0 {
            return Ok(false);
        }
        let dll = image.name(name, "an import descriptor's DLL name")?;
        image.thunks(if lookup == 0 { first } else { lookup }, &dll, budget, &mut imports)?;
        libraries.push(dll);
        Ok(true)
    })?;

    // ImgDelayDescr: Attributes, DllNameRVA, ModuleHandleRVA, ImportAddressTableRVA,
    // ImportNameTableRVA, BoundImportAddressTableRVA, UnloadInformationTableRVA, TimeDateStamp.
    image.each_entry(pe::IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT, 32, &mut budget, |descriptor, budget| {
        let (name, names) = (u32_at(descriptor, 4), u32_at(descriptor, 16));
        if name == 0 {
            return Ok(false);
        }
        let dll = image.name(name, "a delay-load descriptor's DLL name")?;
        image.thunks(names, &dll, budget, &mut imports)?;
        if !libraries.contains(&dll) {
            libraries.push(dll);
        }
        Ok(true)
    })?;

    let mut exports = Vec::new();
    if let Some(table) = file.export_table().map_err(malformed)? {
        for (pointer, _) in table.name_iter() {
            exports.push(text(table.name_from_pointer(pointer).map_err(malformed)?));
        }
    }

    let machine = file.nt_headers().file_header().machine.get(LE);
    let abi_info = if super::exports_a_hook(&exports) { abi_info(file) } else { None };
    Ok(Slice::new(arch(machine), imports, exports, libraries, abi_info))
}

/// The image as the Windows loader sees it: every relative virtual address (RVA)
/// found through the section table on its own. Import descriptors, lookup
/// tables, hint/name entries and DLL names may each lie in any section (a tool
/// such as delvewheel writes renamed DLL names into another section's spare
/// space, and linkers split `.idata` among sections), so none is assumed to
/// share another's section.
struct Mapped<'f, 'd, Pe: ImageNtHeaders> {
    file: &'f PeFile<'d, Pe>,
}

impl<'d, Pe: ImageNtHeaders> Mapped<'_, 'd, Pe> {
    /// The bytes from `rva` to the end of its section's data in the file.
    fn at(&self, rva: u32) -> Option<&'d [u8]> {
        self.file.section_table().pe_data_at(self.file.data(), rva)
    }

    /// Call `f` on each entry of `size` bytes of a data directory's table until it
    /// returns `false` (at the table's end, as the loader decides); a table that
    /// runs past its section without ending is malformed.
    fn each_entry(
        &self,
        directory: usize,
        size: usize,
        budget: &mut usize,
        mut f: impl FnMut(&'d [u8], &mut usize) -> Result<bool, BinaryError>,
    ) -> Result<(), BinaryError> {
        let rva = self.file.data_directory(directory).map_or(0, |dir| dir.virtual_address.get(LE));
        if rva == 0 {
            return Ok(());
        }
        let what = if directory == pe::IMAGE_DIRECTORY_ENTRY_IMPORT { "import" } else { "delay-load import" };
        let bytes = self.at(rva).ok_or_else(|| {
            BinaryError::malformed(Format::Pe, format!("the {what} directory lies outside every section"))
        })?;
        for entry in bytes.chunks_exact(size) {
            *budget = spend(*budget)?;
            if !f(entry, budget)? {
                return Ok(());
            }
        }
        Err(BinaryError::malformed(Format::Pe, format!("the {what} directory has no terminating entry")))
    }

    /// A NUL-terminated name at `rva`.
    fn name(&self, rva: u32, what: &str) -> Result<String, BinaryError> {
        let bytes = self
            .at(rva)
            .ok_or_else(|| BinaryError::malformed(Format::Pe, format!("{what} lies outside every section")))?;
        let end = bytes
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| BinaryError::malformed(Format::Pe, format!("{what} has no terminating NUL")))?;
        Ok(text(&bytes[..end]))
    }

    /// The imports of one DLL: the lookup table at `rva` (32- or 64-bit entries up
    /// to a zero one), each an ordinal or the RVA of a hint and a name.
    fn thunks(&self, rva: u32, dll: &str, budget: &mut usize, imports: &mut Vec<Import>) -> Result<(), BinaryError> {
        let table = self.at(rva).ok_or_else(|| {
            BinaryError::malformed(Format::Pe, format!("the import lookup table of {dll} lies outside every section"))
        })?;
        let wide = self.file.nt_headers().optional_header().magic() == pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC;
        let width = if wide { 8 } else { 4 };
        for entry in table.chunks_exact(width) {
            let value = if wide { u64_at(entry, 0) } else { u64::from(u32_at(entry, 0)) };
            if value == 0 {
                return Ok(());
            }
            *budget = spend(*budget)?;
            let ordinal_flag = if wide { pe::IMAGE_ORDINAL_FLAG64 } else { u64::from(pe::IMAGE_ORDINAL_FLAG32) };
            let name = if value & ordinal_flag != 0 {
                ordinal_name(value)
            } else {
                // The RVA of a two-byte hint, then the name.
                let at = (value & 0x7fff_ffff) as u32;
                self.name(at.saturating_add(2), &format!("an import name of {dll}"))?
            };
            imports.push(Import { name, library: Some(dll.to_owned()), weak: false });
        }
        Err(BinaryError::malformed(Format::Pe, format!("the import lookup table of {dll} has no terminating entry")))
    }
}

/// An import by ordinal, written `#<ordinal>` (the low 16 bits of the entry).
fn ordinal_name(entry: u64) -> String {
    format!("#{}", entry & 0xffff)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes)
}

fn spend(budget: usize) -> Result<usize, BinaryError> {
    budget
        .checked_sub(1)
        .ok_or_else(|| BinaryError::malformed(Format::Pe, "import directory lists more entries than the file can hold"))
}

/// The architecture name for a COFF `Machine`.
fn arch(machine: pe::Machine) -> String {
    let name = match machine {
        pe::IMAGE_FILE_MACHINE_AMD64 => "x86_64",
        pe::IMAGE_FILE_MACHINE_I386 => "x86",
        pe::IMAGE_FILE_MACHINE_ARM64 => "aarch64",
        pe::IMAGE_FILE_MACHINE_ARM64EC => "arm64ec",
        pe::IMAGE_FILE_MACHINE_ARMNT | pe::IMAGE_FILE_MACHINE_ARM | pe::IMAGE_FILE_MACHINE_THUMB => "arm",
        _ => return format!("pe-machine-{:#06x}", machine.0),
    };
    name.to_owned()
}

/// The `PyABIInfo` record, if one `Py_mod_abi` slot points at it.
///
/// A PE image stores absolute virtual addresses in place; the base
/// relocations only add the load offset. Sections are placed at image base
/// plus their RVA, so in-place values resolve directly.
fn abi_info<Pe: ImageNtHeaders>(file: &PeFile<'_, Pe>) -> Option<super::AbiInfo> {
    let is_64 = file.nt_headers().optional_header().magic() == pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC;
    let image = Image { regions: data_regions(file), big_endian: false, is_64, file_len: file.data().len() };
    image.find_abi_info(|_, in_place| Some(in_place))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_arch_names() {
        assert_eq!(arch(pe::IMAGE_FILE_MACHINE_AMD64), "x86_64");
        assert_eq!(arch(pe::IMAGE_FILE_MACHINE_I386), "x86");
        assert_eq!(arch(pe::IMAGE_FILE_MACHINE_ARM64), "aarch64");
        assert_eq!(arch(pe::IMAGE_FILE_MACHINE_ARMNT), "arm");
        assert_eq!(arch(pe::Machine(0x9041)), "pe-machine-0x9041");
    }

    #[test]
    fn ok_ordinal_import_name() {
        assert_eq!(ordinal_name(0x8000_0000_0000_0011), "#17");
        assert_eq!(ordinal_name(0x8000_0011), "#17");
    }

    #[test]
    fn err_dos_stub_only() {
        let err = parse(b"MZ").unwrap_err();
        assert_eq!(err.to_string(), "malformed pe file: file ends inside the DOS header");
    }
}
