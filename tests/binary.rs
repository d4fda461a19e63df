//! The binary readers against every extension module in `samples/`: checked
//! against llvm's golden listings (WebAssembly against a hand walk of its
//! sections), cross-checked with goblin, and fed broken copies of the samples.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use uniabi::binary::{self, Binary, BinaryError, Format, Slice};

use crate::common::{root, sample_wheels};

/// One extension module read out of a sample wheel.
struct Member {
    wheel: String,
    path: String,
    data: Vec<u8>,
}

impl Member {
    fn label(&self) -> String {
        format!("{}!{}", self.wheel, self.path)
    }

    /// The golden file prefix: `tests/golden/llvm/<wheel stem>/<path with / as __>`.
    fn golden(&self, suffix: &str) -> PathBuf {
        let stem = self.wheel.trim_end_matches(".whl");
        let name = format!("{}.{suffix}", self.path.replace('/', "__"));
        root().join("tests/golden/llvm").join(stem).join(name)
    }

    fn parse(&self) -> Binary {
        binary::parse(&self.data).unwrap_or_else(|e| panic!("{}: {e}", self.label()))
    }
}

/// Every `*.so` / `*.pyd` member of every sample wheel, in wheel then path order.
fn members() -> Vec<Member> {
    let mut out = Vec::new();
    for wheel in sample_wheels() {
        let file = std::fs::File::open(&wheel).expect("sample is readable");
        let mut zip = zip::ZipArchive::new(file).expect("sample is a zip");
        let mut found = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).expect("member is readable");
            let name = entry.name().expect("member name").to_string();
            if !(name.ends_with(".so") || name.ends_with(".pyd")) {
                continue;
            }
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("member is readable");
            found.push(Member { wheel: file_name(&wheel), path: name, data });
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(found);
    }
    assert!(!out.is_empty(), "no extension modules in samples/");
    out
}

/// The members small enough to mutate thousands of times in a test (the
/// larger samples are covered by the golden and cross-check tests).
fn small_members() -> Vec<Member> {
    members().into_iter().filter(|m| m.data.len() <= 256 << 10).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).expect("utf-8 file name").to_owned()
}

fn read_golden(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (regenerate with sh tests/golden/llvm/make.sh)", path.display()))
}

/// An `llvm-nm` line: `[address] [letter] name`, or a bare name.
fn nm_entries(text: &str) -> Vec<(char, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [name] => ('U', (*name).to_owned()),
                [letter, name] | [_, letter, name] => (letter.chars().next().unwrap_or('?'), (*name).to_owned()),
                _ => panic!("unexpected llvm-nm line {line:?}"),
            }
        })
        .collect()
}

fn unversioned(name: &str) -> String {
    name.split('@').next().unwrap_or(name).to_owned()
}

fn is_python_name(name: &str) -> bool {
    // PyPy's C API (`PyPyDict_New`, `_PyPy_NoneStruct`) is not CPython's.
    (name.starts_with("Py") || name.starts_with("_Py")) && !name.starts_with("PyPy") && !name.starts_with("_PyPy")
}

fn is_hook(name: &str) -> bool {
    ["PyInit_", "PyInitU_", "PyModExport_", "PyModExportU_"].iter().any(|p| name.starts_with(p))
}

/// Imports, exports and libraries as the golden files give them.
#[derive(Debug, Default)]
struct Expected {
    /// (name, library, weak)
    imports: BTreeSet<(String, Option<String>, bool)>,
    exports: BTreeSet<String>,
    /// PE only: DLLs in import-directory order.
    libraries: Option<Vec<String>>,
    /// Mach-O listings carry no weak flag.
    weak_known: bool,
}

fn expected_elf(m: &Member) -> Expected {
    let undefined = nm_entries(&read_golden(&m.golden("undefined")));
    let defined = nm_entries(&read_golden(&m.golden("defined")));
    Expected {
        imports: undefined
            .into_iter()
            .map(|(letter, name)| (unversioned(&name), None, matches!(letter, 'w' | 'v')))
            .collect(),
        exports: defined.into_iter().map(|(_, n)| unversioned(&n)).collect(),
        libraries: None,
        weak_known: true,
    }
}

fn expected_macho(m: &Member, arch: &str) -> Expected {
    let strip = |n: String| n.strip_prefix('_').map(str::to_owned).unwrap_or(n);
    let undefined = nm_entries(&read_golden(&m.golden(&format!("{arch}.undefined"))));
    let defined = nm_entries(&read_golden(&m.golden(&format!("{arch}.defined"))));
    Expected {
        imports: undefined.into_iter().map(|(_, n)| (strip(n), None, false)).collect(),
        exports: defined.into_iter().map(|(_, n)| strip(n)).collect(),
        libraries: None,
        weak_known: false,
    }
}

/// The import and export tables of `llvm-objdump -p`.
fn expected_pe(m: &Member) -> Expected {
    let text = read_golden(&m.golden("objdump"));
    let mut expected = Expected { libraries: Some(Vec::new()), weak_known: true, ..Expected::default() };
    let mut dll: Option<String> = None;
    let mut in_exports = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix("DLL Name: ") {
            dll = Some(name.to_owned());
            if let Some(libs) = expected.libraries.as_mut() {
                libs.push(name.to_owned());
            }
        } else if trimmed == "Export Table:" {
            dll = None;
            in_exports = true;
        } else if trimmed.starts_with("Hint/Ord") || trimmed.starts_with("Ordinal ") {
            continue;
        } else if let Some(lib) = &dll {
            let fields: Vec<&str> = trimmed.split_whitespace().collect();
            match fields.as_slice() {
                [hint, name] if hint.parse::<u32>().is_ok() => {
                    expected.imports.insert(((*name).to_owned(), Some(lib.clone()), false));
                }
                [ordinal] if ordinal.parse::<u32>().is_ok() => {
                    expected.imports.insert((format!("#{ordinal}"), Some(lib.clone()), false));
                }
                _ => dll = None,
            }
        } else if in_exports {
            let fields: Vec<&str> = trimmed.split_whitespace().collect();
            if let [ordinal, rva, name, ..] = fields.as_slice()
                && ordinal.parse::<u32>().is_ok()
                && rva.starts_with("0x")
            {
                expected.exports.insert((*name).to_owned());
            }
        }
    }
    assert!(!expected.imports.is_empty(), "{}: no imports in the objdump listing", m.label());
    expected
}

/// A WebAssembly module's import and export sections, walked here by hand (llvm 14
/// lists no imports of an Emscripten side module, and goblin reads no WebAssembly):
/// the imports of functions from `env` and of every `GOT.mem` / `GOT.func` entry,
/// less the module's own exports; every export.
fn expected_wasm(m: &Member) -> Expected {
    fn leb(data: &[u8], at: &mut usize) -> usize {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = data[*at];
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }
    fn name(data: &[u8], at: &mut usize) -> String {
        let len = leb(data, at);
        let s = String::from_utf8(data[*at..*at + len].to_vec()).unwrap();
        *at += len;
        s
    }
    let data = &m.data;
    assert_eq!(&data[..8], b"\0asm\x01\0\0\0", "{}", m.label());
    let mut at = 8;
    let mut imports = Vec::new();
    let mut exports = BTreeSet::new();
    while at < data.len() {
        let id = data[at];
        at += 1;
        let size = leb(data, &mut at);
        let end = at + size;
        let mut p = at;
        match id {
            2 => {
                for _ in 0..leb(data, &mut p) {
                    let module = name(data, &mut p);
                    let field = name(data, &mut p);
                    let kind = data[p];
                    p += 1;
                    match kind {
                        0 => {
                            leb(data, &mut p);
                        }
                        1 => {
                            p += 1;
                            let flags = leb(data, &mut p);
                            leb(data, &mut p);
                            if flags & 1 != 0 {
                                leb(data, &mut p);
                            }
                        }
                        2 => {
                            let flags = leb(data, &mut p);
                            leb(data, &mut p);
                            if flags & 1 != 0 {
                                leb(data, &mut p);
                            }
                        }
                        3 => p += 2,
                        other => panic!("{}: import kind {other}", m.label()),
                    }
                    if (module == "env" && kind == 0) || module == "GOT.mem" || module == "GOT.func" {
                        imports.push(field);
                    }
                }
            }
            7 => {
                for _ in 0..leb(data, &mut p) {
                    exports.insert(name(data, &mut p));
                    p += 1;
                    leb(data, &mut p);
                }
            }
            _ => {}
        }
        at = end;
    }
    Expected {
        imports: imports.into_iter().filter(|n| !exports.contains(n)).map(|n| (n, None, false)).collect(),
        exports,
        libraries: None,
        weak_known: true,
    }
}

fn assert_slice_matches(label: &str, slice: &Slice, expected: &Expected) {
    let ours: BTreeSet<(String, Option<String>, bool)> = slice
        .imports
        .iter()
        .map(|i| {
            let weak = i.weak && expected.weak_known;
            (i.name.clone(), i.library.clone(), weak)
        })
        .collect();
    assert_eq!(ours, expected.imports, "{label}: imports");
    assert_eq!(ours.len(), slice.imports.len(), "{label}: duplicate imports");

    let exports: BTreeSet<String> = slice.exports.iter().cloned().collect();
    assert_eq!(exports, expected.exports, "{label}: exports");
    assert_eq!(exports.len(), slice.exports.len(), "{label}: duplicate exports");

    let python: Vec<&str> = match &expected.libraries {
        Some(_) => expected
            .imports
            .iter()
            .filter(|(_, lib, _)| lib.as_deref().is_some_and(binary::is_python_dll))
            .map(|(n, _, _)| n.as_str())
            .collect(),
        None => expected.imports.iter().map(|(n, _, _)| n.as_str()).filter(|n| is_python_name(n)).collect(),
    };
    let python: Vec<&str> = python.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    assert_eq!(slice.python_imports(), python, "{label}: python_imports");

    let hooks: Vec<&str> = expected.exports.iter().map(String::as_str).filter(|e| is_hook(e)).collect();
    assert_eq!(slice.module_hooks(), hooks, "{label}: module_hooks");

    if let Some(libraries) = &expected.libraries {
        assert_eq!(&slice.libraries, libraries, "{label}: libraries");
        let dll = libraries.iter().map(String::as_str).find(|l| binary::is_python_dll(l));
        assert_eq!(slice.python_library(), dll, "{label}: python_library");
    } else {
        assert_eq!(slice.python_library(), None, "{label}: python_library");
    }
}

/// llvm's architecture names, as uniabi spells them.
fn llvm_arch(arch: &str) -> &str {
    match arch {
        "arm64" => "aarch64",
        "i386" => "x86",
        other => other,
    }
}

#[test]
fn ok_samples_match_llvm_golden() {
    for m in members() {
        let binary = m.parse();
        match binary.format {
            Format::Elf => {
                assert_eq!(binary.slices.len(), 1, "{}", m.label());
                assert_slice_matches(&m.label(), &binary.slices[0], &expected_elf(&m));
            }
            Format::Pe => {
                assert_eq!(binary.slices.len(), 1, "{}", m.label());
                assert_slice_matches(&m.label(), &binary.slices[0], &expected_pe(&m));
            }
            Format::Wasm => {
                assert_eq!(binary.slices.len(), 1, "{}", m.label());
                assert_slice_matches(&m.label(), &binary.slices[0], &expected_wasm(&m));
            }
            Format::Macho => {
                let archs = read_golden(&m.golden("archs"));
                let archs: Vec<&str> = archs.lines().collect();
                let ours: Vec<&str> = binary.slices.iter().map(|s| s.arch.as_str()).collect();
                let theirs: Vec<&str> = archs.iter().map(|a| llvm_arch(a)).collect();
                assert_eq!(ours, theirs, "{}: slices", m.label());
                for (slice, arch) in binary.slices.iter().zip(&archs) {
                    let label = format!("{} [{arch}]", m.label());
                    assert_slice_matches(&label, slice, &expected_macho(&m, arch));
                }
            }
        }
    }
}

/// What each sample is, pinned: format, slices, CPython imports, hooks, DLL,
/// and the `PyABIInfo` flags if the module carries a record.
#[test]
fn ok_sample_summary() {
    let mut lines = Vec::new();
    for m in members().into_iter().filter(|m| m.wheel.starts_with("psutil-") || m.wheel.starts_with("abi3_abi3t")) {
        let binary = m.parse();
        for slice in &binary.slices {
            lines.push(format!(
                "{} {} {} py={} hooks={} dll={} abi_info={}",
                m.path,
                binary.format.as_str(),
                slice.arch,
                slice.python_imports().len(),
                slice.module_hooks().join(","),
                slice.python_library().unwrap_or("-"),
                slice.abi_info.map_or("-".to_owned(), |i| format!(
                    "{:#06x}/{:#010x}/{:#010x}",
                    i.flags, i.build_version, i.abi_version
                )),
            ));
        }
    }
    let expected = [
        "abi3_abi3t_universal.pyd pe x86_64 py=13 hooks=PyInit_abi3_abi3t_universal,PyModExport_abi3_abi3t_universal dll=python3.dll abi_info=0x0003/0x030f00b2/0x030f0000",
        "abi3_abi3t_universal.so macho x86_64 py=13 hooks=PyInit_abi3_abi3t_universal,PyModExport_abi3_abi3t_universal dll=- abi_info=0x0007/0x030f00b2/0x030f0000",
        "abi3_abi3t_universal.so macho aarch64 py=13 hooks=PyInit_abi3_abi3t_universal,PyModExport_abi3_abi3t_universal dll=- abi_info=0x0007/0x030f00b2/0x030f0000",
        "abi3_abi3t_universal.so elf x86_64 py=13 hooks=PyInit_abi3_abi3t_universal,PyModExport_abi3_abi3t_universal dll=- abi_info=0x0007/0x030f00b2/0x030f0000",
        "abi3_abi3t_universal.pyd pe x86_64 py=13 hooks=PyInit_abi3_abi3t_universal,PyModExport_abi3_abi3t_universal dll=python3t.dll abi_info=0x0007/0x030f00b2/0x030f0000",
    ];
    let got: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(&got[..expected.len()], &expected, "\n{}", lines.join("\n"));
    for line in &got[expected.len()..] {
        assert!(line.starts_with("psutil/"), "{line}");
        assert!(line.ends_with("abi_info=-"), "{line}");
        assert!(line.contains("hooks=PyInit__psutil_"), "{line}");
    }
    assert_eq!(got.len(), expected.len() + 7, "\n{}", lines.join("\n"));
}

/// goblin, read independently: ELF dynamic symbols, Mach-O symbol tables, PE
/// import and export directories must agree with ours.
///
/// Known differences, checked rather than hidden: goblin's Mach-O `imports()`
/// walks bind opcodes, so it sees nothing bound through chained fixups; we
/// compare against goblin's symbol table and use its `imports()` only as a
/// subset check. goblin's PE `libraries` is not in import-directory order, so
/// it is compared as a set.
#[test]
fn ok_samples_match_goblin() {
    use goblin::Object;
    use goblin::mach::{Mach, SingleArch};

    // goblin reads no WebAssembly: those members are checked against a hand walk of their
    // sections in `ok_samples_match_llvm_golden`.
    for m in members().into_iter().filter(|m| m.parse().format != Format::Wasm) {
        let ours = m.parse();
        let label = m.label();
        match Object::parse(&m.data).unwrap_or_else(|e| panic!("{label}: goblin: {e}")) {
            Object::Elf(elf) => {
                let slice = &ours.slices[0];
                let mut imports = BTreeSet::new();
                let mut exports = BTreeSet::new();
                for sym in elf.dynsyms.iter() {
                    let name = elf.dynstrtab.get_at(sym.st_name).unwrap_or("");
                    if name.is_empty() {
                        continue;
                    }
                    if sym.st_shndx == 0 {
                        let weak = sym.st_bind() == goblin::elf::sym::STB_WEAK;
                        imports.insert((name.to_owned(), weak));
                    } else if sym.st_bind() != goblin::elf::sym::STB_LOCAL {
                        exports.insert(name.to_owned());
                    }
                }
                let our_imports: BTreeSet<(String, bool)> =
                    slice.imports.iter().map(|i| (i.name.clone(), i.weak)).collect();
                assert_eq!(our_imports, imports, "{label}: imports");
                let our_exports: BTreeSet<String> = slice.exports.iter().cloned().collect();
                assert_eq!(our_exports, exports, "{label}: exports");
                assert_eq!(slice.libraries, elf.libraries, "{label}: libraries");
            }
            Object::Mach(mach) => {
                let singles: Vec<goblin::mach::MachO> = match mach {
                    Mach::Binary(macho) => vec![macho],
                    Mach::Fat(fat) => (&fat)
                        .into_iter()
                        .map(|arch| match arch {
                            Ok(SingleArch::MachO(macho)) => macho,
                            other => panic!("{label}: unexpected fat member {other:?}"),
                        })
                        .collect(),
                };
                assert_eq!(singles.len(), ours.slices.len(), "{label}: slices");
                for (macho, slice) in singles.iter().zip(&ours.slices) {
                    let mut imports = BTreeSet::new();
                    let mut exports = BTreeSet::new();
                    for symbol in macho.symbols() {
                        let (name, nlist) = symbol.expect("goblin reads the symbol");
                        if nlist.is_stab() || nlist.n_type & goblin::mach::symbols::N_EXT == 0 {
                            continue;
                        }
                        if nlist.n_type & goblin::mach::symbols::N_PEXT != 0 {
                            continue;
                        }
                        let name = name.strip_prefix('_').unwrap_or(name).to_owned();
                        if nlist.is_undefined() {
                            imports.insert(name);
                        } else {
                            exports.insert(name);
                        }
                    }
                    let our_imports: BTreeSet<String> = slice.imports.iter().map(|i| i.name.clone()).collect();
                    assert_eq!(our_imports, imports, "{label} [{}]: imports", slice.arch);
                    let our_exports: BTreeSet<String> = slice.exports.iter().cloned().collect();
                    assert_eq!(our_exports, exports, "{label} [{}]: exports", slice.arch);

                    let bound = macho.imports().expect("goblin reads the binds");
                    for import in bound {
                        let name = import.name.strip_prefix('_').unwrap_or(import.name);
                        assert!(
                            our_imports.contains(name),
                            "{label} [{}]: goblin binds {name}, which we do not import",
                            slice.arch
                        );
                    }
                    let libs: Vec<&str> = macho.libs.iter().skip(1).copied().collect();
                    let our_libs: Vec<&str> = slice.libraries.iter().map(String::as_str).collect();
                    assert_eq!(our_libs, libs, "{label} [{}]: libraries", slice.arch);
                }
            }
            Object::PE(pe) => {
                let slice = &ours.slices[0];
                let imports: BTreeSet<(String, String)> =
                    pe.imports.iter().map(|i| (i.name.to_string(), i.dll.to_owned())).collect();
                let our_imports: BTreeSet<(String, String)> =
                    slice.imports.iter().map(|i| (i.name.clone(), i.library.clone().unwrap_or_default())).collect();
                assert_eq!(our_imports, imports, "{label}: imports");
                let exports: BTreeSet<String> = pe.exports.iter().filter_map(|e| e.name.map(str::to_owned)).collect();
                let our_exports: BTreeSet<String> = slice.exports.iter().cloned().collect();
                assert_eq!(our_exports, exports, "{label}: exports");
                // goblin's `libraries` is not in import-directory order.
                let libs: BTreeSet<&str> = pe.libraries.iter().copied().collect();
                let our_libs: BTreeSet<&str> = slice.libraries.iter().map(String::as_str).collect();
                assert_eq!(our_libs, libs, "{label}: libraries");
            }
            _ => panic!("{label}: goblin reads another format"),
        }
    }
}

/// Every prefix length in `cuts`, plus a few near the end.
fn cut_points(len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = [0, 1, 3, 4, 7, 8, 16, 20, 28, 31, 52, 64, 100, 256, 1000, 4096]
        .into_iter()
        .chain((1..16).map(|i| len * i / 16))
        .chain([len.saturating_sub(1), len.saturating_sub(64)])
        .filter(|&c| c < len)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn err_truncated_samples_never_panic() {
    for m in small_members() {
        for cut in cut_points(m.data.len()) {
            let result = binary::parse(&m.data[..cut]);
            if cut < 4 {
                assert!(matches!(result, Err(BinaryError::UnknownFormat)), "{} cut at {cut}: {result:?}", m.label());
            }
            if let Err(err) = result {
                assert!(!err.to_string().is_empty());
            }
        }
    }
}

#[test]
fn err_flipped_header_bytes_never_panic() {
    for m in small_members() {
        let header = m.data.len().min(4096);
        for at in (0..header).step_by(3) {
            for mask in [0x01u8, 0x80, 0xff] {
                let mut data = m.data.clone();
                data[at] ^= mask;
                let _ = binary::parse(&data);
            }
        }
    }
}

#[test]
fn err_garbage_never_panics() {
    // A fixed xorshift stream: reproducible, no dev-dependency.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let magics: [&[u8]; 7] = [
        b"\x7fELF\x02\x01\x01",
        b"\x7fELF\x01\x02\x01",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
        b"\xca\xfe\xba\xbf",
        b"MZ",
        b"\0asm\x01\0\0\0",
    ];
    for round in 0..600 {
        let len = (next() % 8192) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let magic = magics[round % magics.len()];
        if data.len() >= magic.len() {
            data[..magic.len()].copy_from_slice(magic);
        }
        let _ = binary::parse(&data);
    }
}

#[test]
fn err_empty_input_is_unknown() {
    let err = binary::parse(&[]).unwrap_err();
    assert!(matches!(err, BinaryError::UnknownFormat));
    assert_eq!(err.to_string(), "not an ELF, Mach-O, PE or WebAssembly file (unknown magic bytes)");
}

#[test]
fn err_sample_fat_header_count_inflated() {
    let m = members().into_iter().find(|m| m.data.starts_with(b"\xca\xfe\xba\xbe")).expect("a fat sample");
    let mut data = m.data.clone();
    data[4..8].copy_from_slice(&0x1000_0000u32.to_be_bytes());
    let room = (data.len() - 8) / 20;
    assert_eq!(
        binary::parse(&data).unwrap_err().to_string(),
        format!("malformed macho file: fat header lists 268435456 slices but the file has room for {room}")
    );
}

#[test]
fn err_sample_fat_slice_beyond_file() {
    let m = members().into_iter().find(|m| m.data.starts_with(b"\xca\xfe\xba\xbe")).expect("a fat sample");
    let mut data = m.data.clone();
    // The second entry's size field.
    data[8 + 20 + 12..8 + 20 + 16].copy_from_slice(&u32::MAX.to_be_bytes());
    let detail = binary::parse(&data).unwrap_err().to_string();
    assert!(detail.starts_with("malformed macho file: slice 1 lies outside the file"), "{detail}");
}

#[test]
fn ok_pe_imports_are_read_as_the_loader_reads_them() {
    // shapely 2.2.0's geos_c DLL, rewritten by delvewheel: DLL names in `.pdata`'s spare
    // space, every other part of the import table in `.rdata`.
    let (data, expected) = crate::common::pe_with_dll_names_elsewhere();
    let binary = binary::parse(&data).unwrap_or_else(|e| panic!("{e}"));
    let slice = &binary.slices[0];
    let ours: Vec<(String, String)> =
        slice.imports.iter().map(|i| (i.library.clone().unwrap(), i.name.clone())).collect();
    let mut expected = expected;
    expected.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(ours, expected);
    assert_eq!(slice.libraries, ["geos-bf067cd6ff74ee0ad5f3ff52c7ef08c9.dll", "KERNEL32.dll"]);
    assert_eq!(slice.arch, "x86_64");
}

#[test]
fn err_pe_import_names_outside_every_section() {
    // The same image with the first DLL name's RVA past the end of the image.
    let (mut data, _) = crate::common::pe_with_dll_names_elsewhere();
    data[0x400 + 12..0x400 + 16].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    assert_eq!(
        binary::parse(&data).unwrap_err().to_string(),
        "malformed pe file: an import descriptor's DLL name lies outside every section"
    );
    // And a lookup table that never ends: every entry up to the section's end names a symbol.
    let (mut data, _) = crate::common::pe_with_dll_names_elsewhere();
    let hint_name = 0x1100u64.to_le_bytes();
    for at in (0x440..0x600).step_by(8) {
        data[at..at + 8].copy_from_slice(&hint_name);
    }
    let err = binary::parse(&data).unwrap_err().to_string();
    assert!(err.contains("has no terminating entry"), "{err}");
}
