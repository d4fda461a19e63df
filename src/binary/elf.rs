//! ELF shared objects: the dynamic symbol table and `DT_NEEDED`.

use object::elf;
use object::read::elf::{ElfFile, ElfFile32, ElfFile64, FileHeader, Rela, SectionHeader, Sym};
use object::{Endian, Endianness};

use super::abi_info::{Image, data_regions};
use super::{AbiInfo, Binary, BinaryError, Format, Import, Slice, text};

/// Parse an ELF file (32- or 64-bit, either byte order).
pub(super) fn parse(data: &[u8]) -> Result<Binary, BinaryError> {
    // `e_ident[EI_CLASS]`.
    let slice = match data.get(4).map(|&c| elf::FileClass(c)) {
        Some(elf::ELFCLASS64) => read(&ElfFile64::<Endianness>::parse(data).map_err(malformed)?),
        Some(elf::ELFCLASS32) => read(&ElfFile32::<Endianness>::parse(data).map_err(malformed)?),
        Some(class) => {
            return Err(BinaryError::malformed(Format::Elf, format!("unknown ELF class {}", class.0)));
        }
        None => {
            return Err(BinaryError::malformed(Format::Elf, "file ends inside the ELF header"));
        }
    }?;
    Ok(Binary { format: Format::Elf, slices: vec![slice] })
}

fn malformed(err: object::read::Error) -> BinaryError {
    BinaryError::object(Format::Elf, err)
}

fn read<Elf: FileHeader<Endian = Endianness>>(file: &ElfFile<'_, Elf>) -> Result<Slice, BinaryError> {
    let endian = file.endian();
    let header = file.elf_header();
    let symbols = file.elf_dynamic_symbol_table();

    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for sym in symbols.symbols() {
        if sym.st_name(endian) == 0 {
            continue;
        }
        let name = symbols.symbol_name(endian, sym).map_err(malformed)?;
        let name = text(unversioned(name));
        let bind = sym.st_bind();
        if sym.st_shndx(endian) == elf::SHN_UNDEF {
            imports.push(Import { name, library: None, weak: bind == elf::STB_WEAK });
        } else if matches!(bind, elf::STB_GLOBAL | elf::STB_WEAK | elf::STB_GNU_UNIQUE) {
            exports.push(name);
        }
    }

    let dynamic = file.elf_dynamic_table().map_err(malformed)?;
    let libraries = dynamic
        .iter()
        .filter(|d| d.tag == elf::DT_NEEDED)
        .map(|d| dynamic.string(d).map(text).map_err(malformed))
        .collect::<Result<Vec<_>, _>>()?;

    let arch = arch(header.e_machine(endian), header.is_type_64(), endian.is_big_endian());
    Ok(Slice::new(arch, imports, exports, libraries, abi_info(file)))
}

/// A `.dynsym` name should carry no version, but strip one if a producer wrote it.
fn unversioned(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b'@') {
        Some(at) => name.get(..at).unwrap_or(name),
        None => name,
    }
}

/// The architecture name for an ELF `e_machine`.
fn arch(machine: elf::Machine, is_64: bool, big_endian: bool) -> String {
    let name = match (machine, is_64) {
        (elf::EM_X86_64, _) => "x86_64",
        (elf::EM_386, _) => "x86",
        (elf::EM_AARCH64, _) => "aarch64",
        (elf::EM_ARM, _) => "arm",
        (elf::EM_PPC64, _) if big_endian => "ppc64",
        (elf::EM_PPC64, _) => "ppc64le",
        (elf::EM_PPC, _) => "ppc",
        (elf::EM_S390, true) => "s390x",
        (elf::EM_S390, false) => "s390",
        (elf::EM_RISCV, true) => "riscv64",
        (elf::EM_RISCV, false) => "riscv32",
        (elf::EM_LOONGARCH, true) => "loongarch64",
        (elf::EM_LOONGARCH, false) => "loongarch32",
        (elf::EM_MIPS, true) if big_endian => "mips64",
        (elf::EM_MIPS, true) => "mips64el",
        (elf::EM_MIPS, false) if big_endian => "mips",
        (elf::EM_MIPS, false) => "mipsel",
        (elf::EM_SPARCV9, _) => "sparc64",
        (elf::EM_IA_64, _) => "ia64",
        _ => return format!("elf-machine-{}", machine.0),
    };
    name.to_owned()
}

/// The `R_*_RELATIVE` relocation type of a machine.
fn relative_type(machine: elf::Machine) -> Option<elf::RelocationType> {
    Some(match machine {
        elf::EM_X86_64 => elf::R_X86_64_RELATIVE,
        elf::EM_386 => elf::R_386_RELATIVE,
        elf::EM_AARCH64 => elf::R_AARCH64_RELATIVE,
        elf::EM_ARM => elf::R_ARM_RELATIVE,
        elf::EM_PPC64 => elf::R_PPC64_RELATIVE,
        elf::EM_S390 => elf::R_390_RELATIVE,
        elf::EM_RISCV => elf::R_RISCV_RELATIVE,
        elf::EM_LOONGARCH => elf::R_LARCH_RELATIVE,
        _ => return None,
    })
}

/// The `PyABIInfo` record, if one `Py_mod_abi` slot points at it.
///
/// A slot value in a shared object is fixed up by an `R_*_RELATIVE`
/// relocation: with `RELA` the target is the addend; with `REL` and `RELR`
/// it is the value stored in place. Any other relocation on the slot (a
/// symbol reference) makes the target uncertain.
fn abi_info<Elf: FileHeader<Endian = Endianness>>(file: &ElfFile<'_, Elf>) -> Option<AbiInfo> {
    let endian = file.endian();
    let data = file.data();
    let machine = file.elf_header().e_machine(endian);
    let relative = relative_type(machine)?;
    let image = Image {
        regions: data_regions(file),
        big_endian: endian.is_big_endian(),
        is_64: file.elf_header().is_type_64(),
        file_len: data.len(),
    };
    let rela: Vec<&[Elf::Rela]> = file
        .elf_section_table()
        .iter()
        .filter_map(|s| s.rela(endian, data).ok().flatten())
        .map(|(rela, _)| rela)
        .collect();
    image.find_abi_info(|site, in_place| {
        let reloc = rela.iter().flat_map(|r| r.iter()).find(|r| r.r_offset(endian).into() == site);
        match reloc {
            Some(r) if r.r_type(endian, false) == relative && r.symbol(endian, false).is_none() => {
                u64::try_from(r.r_addend(endian).into()).ok()
            }
            Some(_) => None,
            None => Some(in_place),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_arch_names() {
        assert_eq!(arch(elf::EM_X86_64, true, false), "x86_64");
        assert_eq!(arch(elf::EM_PPC64, true, false), "ppc64le");
        assert_eq!(arch(elf::EM_PPC64, true, true), "ppc64");
        assert_eq!(arch(elf::EM_S390, true, true), "s390x");
        assert_eq!(arch(elf::EM_RISCV, true, false), "riscv64");
        assert_eq!(arch(elf::EM_LOONGARCH, true, false), "loongarch64");
        assert_eq!(arch(elf::Machine(0x1234), true, false), "elf-machine-4660");
    }

    #[test]
    fn ok_version_stripped() {
        assert_eq!(unversioned(b"memcpy@GLIBC_2.14"), b"memcpy");
        assert_eq!(unversioned(b"PyList_New"), b"PyList_New");
    }

    #[test]
    fn err_header_only_magic() {
        let err = parse(b"\x7fELF").unwrap_err();
        assert_eq!(err.to_string(), "malformed elf file: file ends inside the ELF header");
    }

    #[test]
    fn err_unknown_class() {
        let err = parse(b"\x7fELF\x07\x01\x01").unwrap_err();
        assert_eq!(err.to_string(), "malformed elf file: unknown ELF class 7");
    }

    #[test]
    fn err_truncated_header() {
        let err = parse(b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap_err();
        assert_eq!(err.to_string(), "malformed elf file: invalid ELF header size or alignment");
    }
}
