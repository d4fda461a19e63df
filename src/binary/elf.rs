//! ELF shared objects: the dynamic symbol table and `DT_NEEDED`.

use object::elf;
use object::read::elf::{Dyn, ElfFile, ElfFile32, ElfFile64, FileHeader, ProgramHeader, Rela, SectionHeader, Sym};
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
    let abi_info = if super::exports_a_hook(&exports) { abi_info(file) } else { None };
    Ok(Slice::new(arch, imports, exports, libraries, abi_info))
}

/// Read an ELF file's dynamic symbols, `DT_NEEDED` entries and architecture
/// from the start of it, the way the loader finds them: through the program
/// headers, the dynamic segment and the tables it points at, never the
/// section headers (which sit at the end of the file). The result equals
/// [`parse`]'s on the whole file, without a `PyABIInfo` (which needs the
/// sections). `Err` says how much more of the file it takes, or that only
/// [`parse`] on the whole file can tell.
pub(super) fn parse_dynamic_prefix(data: &[u8]) -> Result<Binary, Short> {
    let slice = match data.get(4).map(|&c| elf::FileClass(c)) {
        Some(elf::ELFCLASS64) => read_located(&locate::<elf::FileHeader64<Endianness>>(data)?),
        Some(elf::ELFCLASS32) => read_located(&locate::<elf::FileHeader32<Endianness>>(data)?),
        Some(_) => None,
        None => return Err(Short::AtLeast(5)),
    };
    Ok(Binary { format: Format::Elf, slices: vec![slice.ok_or(Short::Whole)?] })
}

/// Why a prefix of an ELF file does not give its dynamic tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Short {
    /// The tables reach this far into the file.
    AtLeast(u64),
    /// The program headers alone cannot place them (or the file is broken).
    Whole,
}

/// Where the dynamic tables of an ELF file lie, as file offsets.
struct Located<'data, Elf: FileHeader> {
    header: &'data Elf,
    endian: Endianness,
    symbols: &'data [Elf::Sym],
    strings: &'data [u8],
    needed: Vec<u64>,
}

/// The dynamic tables of `data`, or how much more of the file finding them takes.
fn locate<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<Located<'_, Elf>, Short> {
    let need = |end: u64| if (data.len() as u64) < end { Err(Short::AtLeast(end)) } else { Ok(()) };
    let word = |offset: u64, endian: Endianness| -> Result<u32, Short> {
        need(offset.checked_add(4).ok_or(Short::Whole)?)?;
        let bytes: [u8; 4] = data[offset as usize..offset as usize + 4].try_into().map_err(|_| Short::Whole)?;
        Ok(if endian.is_big_endian() { u32::from_be_bytes(bytes) } else { u32::from_le_bytes(bytes) })
    };
    need(std::mem::size_of::<Elf>() as u64)?;
    let header = Elf::parse(data).map_err(|_| Short::Whole)?;
    let endian = header.endian().map_err(|_| Short::Whole)?;
    let phoff: u64 = header.e_phoff(endian).into();
    let phnum = u64::from(header.e_phnum(endian));
    // `PN_XNUM` keeps the count in the first section header, at the end of the file.
    if phnum == u64::from(elf::PN_XNUM)
        || usize::from(header.e_phentsize(endian)) != std::mem::size_of::<Elf::ProgramHeader>()
    {
        return Err(Short::Whole);
    }
    let phend = phnum.checked_mul(std::mem::size_of::<Elf::ProgramHeader>() as u64).and_then(|n| n.checked_add(phoff));
    need(phend.ok_or(Short::Whole)?)?;
    let segments = header.program_headers(endian, data).map_err(|_| Short::Whole)?;
    let loads: Vec<(u64, u64, u64)> = segments
        .iter()
        .filter(|s| s.p_type(endian) == elf::PT_LOAD)
        .map(|s| (s.p_vaddr(endian).into(), s.p_offset(endian).into(), s.p_filesz(endian).into()))
        .collect();
    let mut dynamic = segments.iter().filter(|s| s.p_type(endian) == elf::PT_DYNAMIC);
    let (Some(segment), None) = (dynamic.next(), dynamic.next()) else {
        return Err(Short::Whole);
    };
    let (dyn_offset, dyn_size): (u64, u64) = (segment.p_offset(endian).into(), segment.p_filesz(endian).into());
    need(dyn_offset.checked_add(dyn_size).ok_or(Short::Whole)?)?;
    let entries = segment.dynamic(endian, data).map_err(|_| Short::Whole)?.ok_or(Short::Whole)?;
    let (mut symtab, mut strtab, mut strsz, mut syment, mut hash, mut gnu_hash) = (None, None, None, None, None, None);
    let mut needed = Vec::new();
    for entry in entries {
        let value = entry.val(endian);
        match entry.tag(endian) {
            elf::DT_NULL => break,
            elf::DT_SYMTAB => symtab = Some(value),
            elf::DT_STRTAB => strtab = Some(value),
            elf::DT_STRSZ => strsz = Some(value),
            elf::DT_SYMENT => syment = Some(value),
            elf::DT_HASH => hash = Some(value),
            elf::DT_GNU_HASH => gnu_hash = Some(value),
            elf::DT_NEEDED => needed.push(value),
            _ => {}
        }
    }
    // A virtual address as a file offset, through the one load segment holding it.
    let offset_of = |address: u64, len: u64| -> Result<u64, Short> {
        let mut holding = loads.iter().filter(|&&(vaddr, _, filesz)| {
            address.checked_sub(vaddr).and_then(|at| at.checked_add(len)).is_some_and(|end| end <= filesz)
        });
        match (holding.next(), holding.next()) {
            (Some(&(vaddr, offset, _)), None) => offset.checked_add(address - vaddr).ok_or(Short::Whole),
            _ => Err(Short::Whole),
        }
    };
    let sym_size = std::mem::size_of::<Elf::Sym>() as u64;
    if syment.is_some_and(|s| s != sym_size) {
        return Err(Short::Whole);
    }
    let (symtab, strtab, strsz) = match (symtab, strtab, strsz) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => return Err(Short::Whole),
    };
    let str_offset = offset_of(strtab, strsz)?;
    need(str_offset.checked_add(strsz).ok_or(Short::Whole)?)?;
    let count = match (hash, gnu_hash) {
        // `nbucket, nchain`: one chain entry per symbol.
        (Some(address), _) => u64::from(word(offset_of(address, 8)? + 4, endian)?),
        (None, Some(address)) => gnu_symbol_count::<Elf>(offset_of(address, 16)?, endian, &word)?,
        (None, None) => return Err(Short::Whole),
    };
    let sym_offset = offset_of(symtab, count.checked_mul(sym_size).ok_or(Short::Whole)?)?;
    let sym_end = sym_offset.checked_add(count * sym_size).ok_or(Short::Whole)?;
    need(sym_end)?;
    let symbols = data
        .get(sym_offset as usize..sym_end as usize)
        .and_then(|bytes| object::pod::slice_from_all_bytes::<Elf::Sym>(bytes).ok())
        .ok_or(Short::Whole)?;
    let strings = &data[str_offset as usize..(str_offset + strsz) as usize];
    Ok(Located { header, endian, symbols, strings, needed })
}

/// The number of dynamic symbols a `DT_GNU_HASH` table implies: every symbol
/// from its first hashed index on is hashed, so the table ends with the chain
/// of its highest bucket. A table hashing nothing tells nothing: GNU ld writes
/// a first hashed index of 1 above unhashed undefined symbols then (OpenJDK's
/// `libsyslookup.so`), so only the section headers can tell.
fn gnu_symbol_count<Elf: FileHeader<Endian = Endianness>>(
    at: u64,
    endian: Endianness,
    word: &dyn Fn(u64, Endianness) -> Result<u32, Short>,
) -> Result<u64, Short> {
    let word = |offset: u64| word(offset, endian);
    let (buckets, base, blooms) = (u64::from(word(at)?), u64::from(word(at + 4)?), u64::from(word(at + 8)?));
    let word_size = std::mem::size_of::<Elf::Word>() as u64;
    let buckets_at = blooms.checked_mul(word_size).and_then(|b| b.checked_add(at + 16)).ok_or(Short::Whole)?;
    let chains_at = buckets.checked_mul(4).and_then(|b| b.checked_add(buckets_at)).ok_or(Short::Whole)?;
    let mut highest = None;
    for i in 0..buckets {
        let bucket = u64::from(word(buckets_at + 4 * i)?);
        if bucket != 0 {
            highest = highest.max(Some(bucket));
        }
    }
    let highest = highest.ok_or(Short::Whole)?;
    let mut index = highest.checked_sub(base).ok_or(Short::Whole)?;
    // The chain ends at the value with its low bit set.
    loop {
        let at = index.checked_mul(4).and_then(|i| i.checked_add(chains_at)).ok_or(Short::Whole)?;
        if word(at)? & 1 != 0 {
            return Ok(base + index + 1);
        }
        index += 1;
    }
}

/// A [`Slice`] from located dynamic tables, read as [`read`] reads the section-based ones.
fn read_located<Elf: FileHeader<Endian = Endianness>>(located: &Located<'_, Elf>) -> Option<Slice> {
    let Located { header, endian, symbols, strings, needed } = located;
    let endian = *endian;
    let string = |offset: u64| -> Option<&[u8]> {
        let rest = strings.get(usize::try_from(offset).ok()?..)?;
        Some(&rest[..rest.iter().position(|&b| b == 0)?])
    };
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for sym in symbols.iter() {
        if sym.st_name(endian) == 0 {
            continue;
        }
        let name = text(unversioned(string(u64::from(sym.st_name(endian)))?));
        let bind = sym.st_bind();
        if sym.st_shndx(endian) == elf::SHN_UNDEF {
            imports.push(Import { name, library: None, weak: bind == elf::STB_WEAK });
        } else if matches!(bind, elf::STB_GLOBAL | elf::STB_WEAK | elf::STB_GNU_UNIQUE) {
            exports.push(name);
        }
    }
    let libraries = needed.iter().map(|&offset| string(offset).map(text)).collect::<Option<Vec<_>>>()?;
    let arch = arch(header.e_machine(endian), header.is_type_64(), endian.is_big_endian());
    Some(Slice::new(arch, imports, exports, libraries, None))
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
