//! Mach-O bundles, thin or fat (universal2): the `LC_SYMTAB` symbol table and
//! the dylib load commands, one [`Slice`] per architecture.

use object::macho;
use object::read::macho::{
    FatArch, FatArch32, FatArch64, FatHeader, LoadCommandIterator, MachHeader, MachOFatFile, MachOFile, MachOFile32,
    MachOFile64, Nlist, Segment,
};
use object::{BigEndian, Endianness};

use super::abi_info::{Image, data_regions};
use super::{AbiInfo, Binary, BinaryError, Format, Import, Slice, text};

/// Parse a thin or fat Mach-O file.
pub(super) fn parse(data: &[u8]) -> Result<Binary, BinaryError> {
    let slices = match fat_magic(data) {
        Some(macho::FAT_MAGIC) => fat::<FatArch32>(data)?,
        Some(macho::FAT_MAGIC_64) => fat::<FatArch64>(data)?,
        _ => vec![thin(data)?],
    };
    Ok(Binary { format: Format::Macho, slices })
}

fn malformed(detail: impl Into<String>) -> BinaryError {
    BinaryError::malformed(Format::Macho, detail)
}

/// The fat magic a file starts with, if it does.
fn fat_magic(data: &[u8]) -> Option<u32> {
    let magic = u32::from_be_bytes(data.get(..4)?.try_into().ok()?);
    Some(magic).filter(|m| matches!(*m, macho::FAT_MAGIC | macho::FAT_MAGIC_64))
}

/// Read every slice of a fat file, in header order.
///
/// object reads the header and its entries; on top of that, a slice must lie
/// inside the file, must not overlap another (or a small file could be parsed
/// many times over) and must not be a fat file itself, and its own header
/// must name the architecture the fat header does.
///
/// `0xcafebabe` also starts Java class files, whose version words then read
/// as an absurd slice count: the count is checked against the room the file
/// has for entries before anything is read or allocated.
fn fat<Arch: FatArch>(data: &[u8]) -> Result<Vec<Slice>, BinaryError> {
    let header: &FatHeader =
        object::pod::from_bytes(data).map(|(h, _)| h).map_err(|()| malformed("file ends inside the fat header"))?;
    let count = header.nfat_arch.get(BigEndian);
    let room = data.len().saturating_sub(size_of::<FatHeader>()) / size_of::<Arch>();
    if count == 0 {
        return Err(malformed("fat header lists no slices"));
    }
    if usize::try_from(count).map_or(true, |n| n > room) {
        return Err(malformed(format!("fat header lists {count} slices but the file has room for {room}")));
    }
    let file = MachOFatFile::<Arch>::parse(data).map_err(|_| malformed("file ends inside the fat header"))?;
    let arches = file.arches();

    let file_len = data.len() as u64;
    let mut ranges = Vec::with_capacity(arches.len());
    for (i, entry) in arches.iter().enumerate() {
        let (offset, size) = entry.file_range();
        let end = offset.checked_add(size);
        if end.is_none_or(|end| end > file_len) {
            return Err(malformed(format!(
                "slice {i} lies outside the file (offset {offset}, size {size}, file size {file_len})"
            )));
        }
        ranges.push((offset, offset + size, i));
    }
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        if let [(_, end, a), (start, _, b)] = pair
            && start < end
        {
            return Err(malformed(format!("slices {a} and {b} overlap")));
        }
    }

    let mut slices = Vec::with_capacity(arches.len());
    for (i, entry) in arches.iter().enumerate() {
        let bytes = entry.data(data).map_err(|_| malformed(format!("slice {i} lies outside the file")))?;
        if fat_magic(bytes).is_some() {
            return Err(malformed(format!("slice {i} is itself a fat file")));
        }
        let slice = thin(bytes).map_err(|err| match err {
            BinaryError::Malformed { detail, .. } => malformed(format!("slice {i}: {detail}")),
            other => other,
        })?;
        let declared = arch(entry.cputype().0, entry.cpusubtype().0);
        if slice.arch != declared {
            return Err(malformed(format!(
                "slice {i} is {declared} in the fat header but {} in its own header",
                slice.arch
            )));
        }
        slices.push(slice);
    }
    Ok(slices)
}

/// Read a thin (single-architecture) Mach-O file.
fn thin(data: &[u8]) -> Result<Slice, BinaryError> {
    let object = |err| BinaryError::object(Format::Macho, err);
    match data.get(..4) {
        Some([0xfe, 0xed, 0xfa, 0xcf] | [0xcf, 0xfa, 0xed, 0xfe]) => {
            read(&MachOFile64::<Endianness>::parse(data).map_err(object)?)
        }
        Some([0xfe, 0xed, 0xfa, 0xce] | [0xce, 0xfa, 0xed, 0xfe]) => {
            read(&MachOFile32::<Endianness>::parse(data).map_err(object)?)
        }
        _ => Err(malformed("not a Mach-O header")),
    }
}

fn read<Mach: MachHeader<Endian = Endianness>>(file: &MachOFile<'_, Mach>) -> Result<Slice, BinaryError> {
    let object = |err| BinaryError::object(Format::Macho, err);
    let endian = file.endian();
    let symbols = file.macho_symbol_table();

    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for nlist in symbols.iter() {
        let flags = nlist.n_type();
        if nlist.is_stab() || !flags.is_ext() || flags.is_pext() {
            continue;
        }
        let name = nlist.name(endian, symbols.strings()).map_err(object)?;
        let name = text(name.strip_prefix(b"_").unwrap_or(name));
        if flags.typ() == macho::N_UNDF {
            let desc = nlist.n_desc(endian);
            imports.push(Import { name, library: None, weak: desc.contains(macho::N_WEAK_REF) });
        } else {
            exports.push(name);
        }
    }

    let mut libraries = Vec::new();
    let mut commands = file.macho_load_commands().map_err(object)?;
    while let Some(command) = commands.next().map_err(object)? {
        let linked = matches!(
            command.cmd(),
            macho::LC_LOAD_DYLIB
                | macho::LC_LOAD_WEAK_DYLIB
                | macho::LC_REEXPORT_DYLIB
                | macho::LC_LAZY_LOAD_DYLIB
                | macho::LC_LOAD_UPWARD_DYLIB
        );
        if let (true, Some(dylib)) = (linked, command.dylib().map_err(object)?) {
            let name = command.string(endian, dylib.dylib.name).map_err(object)?;
            libraries.push(text(name));
        }
    }

    let header = file.macho_header();
    let arch = arch(header.cputype(endian).0, header.cpusubtype(endian).0);
    let abi_info = if super::exports_a_hook(&exports) { abi_info(file) } else { None };
    Ok(Slice::new(arch, imports, exports, libraries, abi_info))
}

/// The architecture name for a Mach-O CPU type.
///
/// `arm64` is named `aarch64`, as on the other formats; `arm64e` (pointer
/// authentication, a different ABI that can share a fat file with `arm64`)
/// keeps its own name.
fn arch(cputype: u32, cpusubtype: u32) -> String {
    let subtype = cpusubtype & !macho::CPU_SUBTYPE_MASK;
    let name = match macho::CpuType(cputype) {
        macho::CPU_TYPE_X86_64 => "x86_64",
        macho::CPU_TYPE_ARM64 if subtype == macho::CPU_SUBTYPE_ARM64E.0 => "arm64e",
        macho::CPU_TYPE_ARM64 => "aarch64",
        macho::CPU_TYPE_ARM64_32 => "arm64_32",
        macho::CPU_TYPE_X86 => "x86",
        macho::CPU_TYPE_ARM => "arm",
        macho::CPU_TYPE_POWERPC => "ppc",
        macho::CPU_TYPE_POWERPC64 => "ppc64",
        _ => return format!("macho-cpu-{cputype:#x}"),
    };
    name.to_owned()
}

/// The `PyABIInfo` record, if one `Py_mod_abi` slot points at it.
///
/// With chained fixups the slot holds an encoded rebase, whose target is a
/// vm offset from `__TEXT`; a bind there, or no fixup at all, is not a
/// pointer to a record. Without chained fixups (rebase opcodes) the slot
/// holds the unslid address in place.
fn abi_info<Mach: MachHeader<Endian = Endianness>>(file: &MachOFile<'_, Mach>) -> Option<AbiInfo> {
    let endian = file.endian();
    let data = file.data();
    let image = Image {
        regions: data_regions(file),
        big_endian: file.macho_header().is_big_endian(),
        is_64: file.macho_header().is_type_64(),
        file_len: data.len(),
    };
    let commands = file.macho_load_commands().ok()?;
    match chained_fixups(commands) {
        None => image.find_abi_info(|_, in_place| Some(in_place)),
        Some(command) => {
            let fixups = command.chained_fixups(endian, data).ok()?;
            let segments = segments::<Mach>(file.macho_load_commands().ok()?, endian);
            let text = segments.iter().find(|s| s.name == b"__TEXT")?.vmaddr;
            image.find_abi_info(|site, _| {
                let (index, segment) = segments
                    .iter()
                    .enumerate()
                    .find(|(_, s)| (s.vmaddr..s.vmaddr.saturating_add(s.vmsize)).contains(&site))?;
                let bytes = data.get(segment.fileoff..segment.fileoff.checked_add(segment.filesize)?)?;
                let chain =
                    fixups.segments(endian).ok()?.filter_map(Result::ok).find(|c| c.index() as usize == index)?;
                let wanted = site - segment.vmaddr;
                let fixup =
                    chain.fixups(endian, text, bytes).map_while(Result::ok).find(|(offset, _)| *offset == wanted)?;
                match fixup.1 {
                    object::read::macho::Fixup::Rebase(rebase) => text.checked_add(rebase.target_offset),
                    _ => None,
                }
            })
        }
    }
}

fn chained_fixups(
    mut commands: LoadCommandIterator<'_, Endianness>,
) -> Option<&macho::LinkeditDataCommand<Endianness>> {
    while let Ok(Some(command)) = commands.next() {
        if let Ok(Some(fixups)) = command.dyld_chained_fixups() {
            return Some(fixups);
        }
    }
    None
}

/// A segment's place in memory and in the file.
struct SegmentRange<'data> {
    name: &'data [u8],
    vmaddr: u64,
    vmsize: u64,
    fileoff: usize,
    filesize: usize,
}

/// The segments in load command order, which is how chained fixups index them.
fn segments<'data, Mach: MachHeader<Endian = Endianness>>(
    mut commands: LoadCommandIterator<'data, Endianness>,
    endian: Endianness,
) -> Vec<SegmentRange<'data>> {
    let mut segments = Vec::new();
    while let Ok(Some(command)) = commands.next() {
        let Ok(Some((segment, _))) = Mach::Segment::from_command(command) else {
            continue;
        };
        let (Ok(fileoff), Ok(filesize)) =
            (usize::try_from(segment.fileoff(endian).into()), usize::try_from(segment.filesize(endian).into()))
        else {
            continue;
        };
        segments.push(SegmentRange {
            name: segment.name(),
            vmaddr: segment.vmaddr(endian).into(),
            vmsize: segment.vmsize(endian).into(),
            fileoff,
            filesize,
        });
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAT_ARCH_32: usize = size_of::<FatArch32>();
    const FAT_ARCH_64: usize = size_of::<FatArch64>();

    #[test]
    fn ok_fat_entry_sizes_are_the_format_s() {
        assert_eq!((size_of::<FatHeader>(), FAT_ARCH_32, FAT_ARCH_64), (8, 20, 32));
    }

    #[test]
    fn ok_arch_names() {
        assert_eq!(arch(macho::CPU_TYPE_X86_64.0, 3), "x86_64");
        assert_eq!(arch(macho::CPU_TYPE_ARM64.0, 0), "aarch64");
        assert_eq!(arch(macho::CPU_TYPE_ARM64.0, 0x8000_0002), "arm64e");
        assert_eq!(arch(0x1234, 0), "macho-cpu-0x1234");
    }

    fn fat_header(count: u32) -> Vec<u8> {
        let mut data = Vec::new();
        data.extend_from_slice(&macho::FAT_MAGIC.to_be_bytes());
        data.extend_from_slice(&count.to_be_bytes());
        data
    }

    fn fat_entry(cputype: u32, offset: u32, size: u32) -> [u8; FAT_ARCH_32] {
        let mut entry = [0; FAT_ARCH_32];
        entry[..4].copy_from_slice(&cputype.to_be_bytes());
        entry[8..12].copy_from_slice(&offset.to_be_bytes());
        entry[12..16].copy_from_slice(&size.to_be_bytes());
        entry
    }

    fn detail(data: &[u8]) -> String {
        parse(data).unwrap_err().to_string()
    }

    #[test]
    fn err_fat_count_larger_than_file() {
        let mut data = fat_header(40);
        data.extend_from_slice(&[0; 3 * FAT_ARCH_32]);
        assert_eq!(detail(&data), "malformed macho file: fat header lists 40 slices but the file has room for 3");
    }

    #[test]
    fn err_fat_count_huge() {
        let data = fat_header(u32::MAX);
        assert_eq!(
            detail(&data),
            "malformed macho file: fat header lists 4294967295 slices but the file has room for 0"
        );
    }

    #[test]
    fn err_fat_no_slices() {
        assert_eq!(detail(&fat_header(0)), "malformed macho file: fat header lists no slices");
    }

    #[test]
    fn err_fat_truncated_header() {
        assert_eq!(detail(&[0xca, 0xfe, 0xba, 0xbe, 0]), "malformed macho file: file ends inside the fat header");
    }

    #[test]
    fn err_fat_slice_outside_file() {
        let mut data = fat_header(1);
        data.extend_from_slice(&fat_entry(macho::CPU_TYPE_X86_64.0, 4096, 100));
        assert_eq!(
            detail(&data),
            "malformed macho file: slice 0 lies outside the file (offset 4096, size 100, file size 28)"
        );
    }

    #[test]
    fn err_fat_slice_offset_overflow() {
        let mut data = fat_header(1);
        data.extend_from_slice(&[0; FAT_ARCH_64]);
        data[..4].copy_from_slice(&macho::FAT_MAGIC_64.to_be_bytes());
        data[16..24].copy_from_slice(&u64::MAX.to_be_bytes());
        data[24..32].copy_from_slice(&2u64.to_be_bytes());
        assert_eq!(
            detail(&data),
            format!("malformed macho file: slice 0 lies outside the file (offset {}, size 2, file size 40)", u64::MAX)
        );
    }

    #[test]
    fn err_fat_overlapping_slices() {
        let mut data = fat_header(2);
        data.extend_from_slice(&fat_entry(macho::CPU_TYPE_X86_64.0, 48, 8));
        data.extend_from_slice(&fat_entry(macho::CPU_TYPE_ARM64.0, 52, 8));
        data.resize(64, 0);
        assert_eq!(detail(&data), "malformed macho file: slices 0 and 1 overlap");
    }

    #[test]
    fn err_nested_fat() {
        let mut data = fat_header(1);
        data.extend_from_slice(&fat_entry(macho::CPU_TYPE_X86_64.0, 28, 8));
        data.extend_from_slice(&fat_header(1));
        assert_eq!(detail(&data), "malformed macho file: slice 0 is itself a fat file");
    }

    #[test]
    fn err_fat_slice_not_macho() {
        let mut data = fat_header(1);
        data.extend_from_slice(&fat_entry(macho::CPU_TYPE_X86_64.0, 28, 8));
        data.extend_from_slice(b"garbage!");
        assert_eq!(detail(&data), "malformed macho file: slice 0: not a Mach-O header");
    }

    #[test]
    fn err_java_class_file() {
        // A class file: magic, minor 0, major 52 (Java 8), then a short constant pool.
        let mut data = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52];
        data.extend_from_slice(&[0; 64]);
        assert_eq!(detail(&data), "malformed macho file: fat header lists 52 slices but the file has room for 3");
    }

    #[test]
    fn err_thin_truncated() {
        assert_eq!(
            detail(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0]),
            "malformed macho file: invalid Mach-O header size or alignment"
        );
    }
}
