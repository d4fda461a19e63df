//! PE images (`.pyd`): the import, delay-load import and export directories.

use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, Import as PeImport, PeFile};
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
    let data = file.data();
    // No more thunks than the file has room for, however often descriptors
    // point at the same list.
    let mut budget = data.len() / 4;
    let mut imports = Vec::new();
    let mut libraries = Vec::new();

    if let Some(table) = file.import_table().map_err(malformed)? {
        let mut descriptors = table.descriptors().map_err(malformed)?;
        while let Some(descriptor) = descriptors.next().map_err(malformed)? {
            let dll = dll_name(file, table.name(descriptor.name.get(LE)), descriptor.name.get(LE))?;
            let lookup = match descriptor.original_first_thunk.get(LE) {
                0 => descriptor.first_thunk.get(LE),
                rva => rva,
            };
            let mut thunks = table.thunks(lookup).map_err(malformed)?;
            while let Some(thunk) = thunks.next::<Pe>().map_err(malformed)? {
                budget = spend(budget)?;
                let import = table.import::<Pe>(thunk).map_err(malformed)?;
                imports.push(pe_import(import, &dll));
            }
            libraries.push(dll);
        }
    }

    if let Some(table) = file.delay_load_import_table().map_err(malformed)? {
        let mut descriptors = table.descriptors().map_err(malformed)?;
        while let Some(descriptor) = descriptors.next().map_err(malformed)? {
            let dll = dll_name(file, table.name(descriptor.dll_name_rva.get(LE)), descriptor.dll_name_rva.get(LE))?;
            let names = descriptor.import_name_table_rva.get(LE);
            let mut thunks = table.thunks(names).map_err(malformed)?;
            while let Some(thunk) = thunks.next::<Pe>().map_err(malformed)? {
                budget = spend(budget)?;
                let import = table.import::<Pe>(thunk).map_err(malformed)?;
                imports.push(pe_import(import, &dll));
            }
            if !libraries.contains(&dll) {
                libraries.push(dll);
            }
        }
    }

    let mut exports = Vec::new();
    if let Some(table) = file.export_table().map_err(malformed)? {
        for (pointer, _) in table.name_iter() {
            exports.push(text(table.name_from_pointer(pointer).map_err(malformed)?));
        }
    }

    let machine = file.nt_headers().file_header().machine.get(LE);
    Ok(Slice::new(arch(machine), imports, exports, libraries, abi_info(file)))
}

/// A DLL name from the import directory's own section, or — where a tool such as
/// delvewheel renamed the DLL and put the new name in a section of its own — from
/// whichever section holds the RVA.
fn dll_name<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    in_table: object::read::Result<&[u8]>,
    rva: u32,
) -> Result<String, BinaryError> {
    if let Ok(name) = in_table {
        return Ok(text(name));
    }
    let bytes = file.section_table().pe_data_at(file.data(), rva).ok_or_else(|| {
        BinaryError::malformed(Format::Pe, "an import descriptor's DLL name lies outside every section")
    })?;
    let end = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| BinaryError::malformed(Format::Pe, "an import descriptor's DLL name has no terminating NUL"))?;
    Ok(text(&bytes[..end]))
}

fn spend(budget: usize) -> Result<usize, BinaryError> {
    budget
        .checked_sub(1)
        .ok_or_else(|| BinaryError::malformed(Format::Pe, "import directory lists more entries than the file can hold"))
}

fn pe_import(import: PeImport<'_>, dll: &str) -> Import {
    let name = match import {
        PeImport::Name(_hint, name) => text(name),
        PeImport::Ordinal(ordinal) => format!("#{ordinal}"),
    };
    Import { name, library: Some(dll.to_owned()), weak: false }
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
        let import = pe_import(PeImport::Ordinal(17), "python3.dll");
        assert_eq!(import.name, "#17");
        assert_eq!(import.library.as_deref(), Some("python3.dll"));
    }

    #[test]
    fn err_dos_stub_only() {
        let err = parse(b"MZ").unwrap_err();
        assert_eq!(err.to_string(), "malformed pe file: file ends inside the DOS header");
    }
}
