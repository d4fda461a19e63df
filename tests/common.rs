//! Helpers shared by the integration tests: sample paths, running the built
//! binary, and golden files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use uniabi::record::RecordEntry;

/// The project root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every wheel in `samples/`, sorted by file name.
pub fn sample_wheels() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .expect("samples/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    v.sort();
    v
}

/// A sample wheel by a unique part of its file name.
pub fn sample(part: &str) -> PathBuf {
    let found: Vec<PathBuf> =
        sample_wheels().into_iter().filter(|p| p.file_name().unwrap().to_string_lossy().contains(part)).collect();
    assert_eq!(found.len(), 1, "exactly one sample matches '{part}': {found:?}");
    found.into_iter().next().unwrap()
}

/// The built `uniabi` binary.
pub fn uniabi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_uniabi"));
    c.current_dir(root());
    c
}

/// Run `uniabi ARGS...` from the project root.
pub fn run(args: &[&str]) -> Output {
    uniabi().args(args).output().expect("uniabi runs")
}

/// Run `uniabi ARGS` to its end under GNU time (`/usr/bin/time`, Debian's `time`,
/// which `.ci/run` installs): exit code, stderr, and peak resident memory in KiB.
/// GNU time is a small process of its own, so the peak is uniabi's alone: a child
/// spawned straight from this test process would inherit the test process's peak
/// (Linux keeps it across fork and exec).
pub fn run_measured(args: &[&str]) -> (Option<i32>, String, u64) {
    let time = Path::new("/usr/bin/time");
    assert!(time.exists(), "/usr/bin/time (Debian's `time`) is needed to measure peak memory");
    let stats = tempfile::NamedTempFile::new().expect("a temporary file");
    let out = Command::new(time)
        .arg("-v")
        .arg("-o")
        .arg(stats.path())
        .arg(env!("CARGO_BIN_EXE_uniabi"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("GNU time runs uniabi");
    let kib = std::fs::read_to_string(stats.path())
        .unwrap()
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .expect("GNU time reports the peak resident set");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), kib)
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// The path of a sample relative to the project root, as the golden files name it.
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).to_string_lossy().into_owned()
}

/// A scratch directory under `target/`, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Compare `actual` with the golden file `tests/golden/<name>`; with
/// `UNIABI_BLESS=1` in the environment, rewrite the file instead.
/// On mismatch, panic with a unified diff.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests").join("golden").join(name);
    if std::env::var_os("UNIABI_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}; run with UNIABI_BLESS=1 to create it", path.display()));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header(&format!("expected {name}"), "actual")
            .to_string();
        panic!("output differs from tests/golden/{name} (UNIABI_BLESS=1 rewrites it):\n{diff}");
    }
}

/// A member of a wheel being rewritten by a test: name and bytes.
pub type Members = Vec<(String, Vec<u8>)>;

/// Read every file member of a wheel into memory, in archive order.
pub fn read_members(wheel: &Path) -> Members {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).unwrap()).unwrap();
    (0..zip.len())
        .filter_map(|i| {
            let mut f = zip.by_index(i).unwrap();
            if f.is_dir() {
                return None;
            }
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            Some((f.name().unwrap().to_string(), data))
        })
        .collect()
}

/// The RECORD hash of some bytes.
pub use uniabi::record::hash as record_hash;

/// Write a wheel from members, regenerating RECORD (kept last) so it is valid.
pub fn write_wheel(path: &Path, members: &Members) {
    let record_name = members
        .iter()
        .map(|(n, _)| n)
        .find(|n| n.ends_with(".dist-info/RECORD"))
        .cloned()
        .or_else(|| {
            members.iter().find_map(|(n, _)| n.split_once(".dist-info/").map(|(d, _)| format!("{d}.dist-info/RECORD")))
        })
        .expect("a .dist-info member");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut rows = Vec::new();
    for (name, data) in members.iter().filter(|(n, _)| *n != record_name) {
        zip.start_file(name.as_str(), opts).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
        rows.push((name.as_str(), RecordEntry::of(data)));
    }
    rows.push((record_name.as_str(), RecordEntry { hash: None, size: None }));
    let record = uniabi::record::write(rows.iter().map(|(name, entry)| (*name, entry)));
    zip.start_file(record_name.as_str(), opts).unwrap();
    std::io::Write::write_all(&mut zip, record.as_bytes()).unwrap();
    zip.finish().unwrap();
}

/// Copy a sample wheel to `dir/new_name`, replacing the `Tag:` lines of WHEEL with
/// the expansion `tags` (written as `Tag:` lines) and applying `edit` to the members.
pub fn retag(sample_part: &str, dir: &Path, new_name: &str, tags: &[&str], edit: impl FnOnce(&mut Members)) -> PathBuf {
    let mut members = read_members(&sample(sample_part));
    for (name, data) in members.iter_mut() {
        if name.ends_with(".dist-info/WHEEL") {
            let text = String::from_utf8(data.clone()).unwrap();
            let mut out: String = text.lines().filter(|l| !l.starts_with("Tag:")).map(|l| format!("{l}\n")).collect();
            let out_trimmed = out.trim_end().to_string();
            out = out_trimmed + "\n";
            for t in tags {
                out.push_str(&format!("Tag: {t}\n"));
            }
            *data = out.into_bytes();
        }
    }
    edit(&mut members);
    let path = dir.join(new_name);
    write_wheel(&path, &members);
    path
}

/// psutil's cp314t manylinux build retagged `cp313.cp314-cp313t.cp314t`: its tags
/// admit 3.13t, for which it holds no file.
pub fn overclaimed_free_threaded_wheel(dir: &Path) -> PathBuf {
    let tags = [
        "cp313-cp313t-manylinux_2_28_x86_64",
        "cp313-cp314t-manylinux_2_28_x86_64",
        "cp314-cp313t-manylinux_2_28_x86_64",
        "cp314-cp314t-manylinux_2_28_x86_64",
    ];
    retag(
        "psutil-7.1.2-cp314-cp314t-manylinux",
        dir,
        "psutil-7.1.2-cp313.cp314-cp313t.cp314t-manylinux_2_28_x86_64.whl",
        &tags,
        |_| {},
    )
}

/// The cross product of a wheel name's compressed tag fields, sorted: what WHEEL must list.
pub fn expansion(python: &str, abi: &str, platform: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in python.split('.') {
        for a in abi.split('.') {
            for pl in platform.split('.') {
                out.push(format!("{p}-{a}-{pl}"));
            }
        }
    }
    out.sort();
    out
}

/// A raw deflate stream of `len` zero bytes, written without a compressor:
/// one fixed-Huffman block, a literal 0, then copies of 258 bytes at distance 1.
pub fn deflated_zeros(len: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// Append `n` bits, least significant first.
        fn put(&mut self, value: u64, n: u32) {
            self.acc |= value << self.n;
            self.n += n;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Append a Huffman code, most significant bit first.
        fn code(&mut self, code: u64, n: u32) {
            let reversed = (0..n).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
            self.put(reversed, n);
        }
    }
    let mut bits = Bits { out: Vec::new(), acc: 0, n: 0 };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = fixed Huffman
    bits.code(0x30, 8); // literal 0
    let mut left = len.saturating_sub(1);
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length code 285: 258 bytes
        bits.code(0, 5); // distance code 0: distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7);
    bits.out
}

/// A small PE32+ DLL laid out as delvewheel leaves shapely's `geos_c-….dll`: the import
/// descriptors, lookup tables and hint/name entries in `.rdata`, but the DLL names in the
/// spare space of another section (`.pdata`), where delvewheel wrote the renamed names.
/// The Windows loader (and llvm-readobj) finds each by its RVA; a reader that takes every
/// name from the section of the first DLL name fails on the hint/name entries.
/// Returns the bytes and the imports a loader reads: (DLL, symbol).
pub fn pe_with_dll_names_elsewhere() -> (Vec<u8>, Vec<(String, String)>) {
    const RDATA: u32 = 0x1000;
    const PDATA: u32 = 0x2000;
    let dlls: [(&str, &[&str]); 2] = [
        ("geos-bf067cd6ff74ee0ad5f3ff52c7ef08c9.dll", &["GEOSContext_setErrorHandler_r", "GEOSGeom_destroy_r"]),
        ("KERNEL32.dll", &["GetLastError"]),
    ];
    let put = |buf: &mut Vec<u8>, at: usize, bytes: &[u8]| buf[at..at + bytes.len()].copy_from_slice(bytes);
    let mut file = vec![0u8; 0x800];
    // DOS header and PE signature.
    put(&mut file, 0, b"MZ");
    put(&mut file, 0x3c, &0x40u32.to_le_bytes());
    put(&mut file, 0x40, b"PE\0\0");
    // COFF header: x86-64, two sections, a PE32+ optional header of 240 bytes, a DLL.
    let coff = 0x44;
    put(&mut file, coff, &0x8664u16.to_le_bytes());
    put(&mut file, coff + 2, &2u16.to_le_bytes());
    put(&mut file, coff + 16, &240u16.to_le_bytes());
    put(&mut file, coff + 18, &0x2022u16.to_le_bytes());
    let opt = coff + 20;
    put(&mut file, opt, &0x20bu16.to_le_bytes());
    put(&mut file, opt + 24, &0x1_8000_0000u64.to_le_bytes()); // ImageBase
    put(&mut file, opt + 32, &0x1000u32.to_le_bytes()); // SectionAlignment
    put(&mut file, opt + 36, &0x200u32.to_le_bytes()); // FileAlignment
    put(&mut file, opt + 40, &6u16.to_le_bytes()); // OS version
    put(&mut file, opt + 48, &6u16.to_le_bytes()); // subsystem version
    put(&mut file, opt + 56, &0x3000u32.to_le_bytes()); // SizeOfImage
    put(&mut file, opt + 60, &0x400u32.to_le_bytes()); // SizeOfHeaders
    put(&mut file, opt + 68, &2u16.to_le_bytes()); // Subsystem
    put(&mut file, opt + 108, &16u32.to_le_bytes()); // NumberOfRvaAndSizes
    let descriptors = (dlls.len() as u32 + 1) * 20;
    put(&mut file, opt + 112 + 8, &RDATA.to_le_bytes()); // data directory 1: imports
    put(&mut file, opt + 112 + 12, &descriptors.to_le_bytes());
    // Section headers: .rdata at file 0x400, .pdata at file 0x600, 0x200 bytes each.
    let sections = opt + 240;
    for (i, (name, rva, raw)) in [(b".rdata\0\0", RDATA, 0x400u32), (b".pdata\0\0", PDATA, 0x600)].iter().enumerate() {
        let h = sections + 40 * i;
        put(&mut file, h, *name);
        put(&mut file, h + 8, &0x200u32.to_le_bytes()); // VirtualSize
        put(&mut file, h + 12, &rva.to_le_bytes());
        put(&mut file, h + 16, &0x200u32.to_le_bytes()); // SizeOfRawData
        put(&mut file, h + 20, &raw.to_le_bytes());
        put(&mut file, h + 36, &0x4000_0040u32.to_le_bytes()); // initialized data, readable
    }
    let offset = |rva: u32| -> usize {
        if rva >= PDATA { (rva - PDATA + 0x600) as usize } else { (rva - RDATA + 0x400) as usize }
    };
    // Lookup tables from .rdata+0x40, hint/name entries from .rdata+0x100, DLL names in
    // .pdata's spare space from +0x100 (its first bytes stand for the unwind data).
    let (mut table, mut hint_name, mut dll_name) = (RDATA + 0x40, RDATA + 0x100, PDATA + 0x100);
    let mut expected = Vec::new();
    for (i, (dll, symbols)) in dlls.iter().enumerate() {
        let d = offset(RDATA) + 20 * i;
        put(&mut file, d, &table.to_le_bytes()); // OriginalFirstThunk
        put(&mut file, d + 12, &dll_name.to_le_bytes()); // Name
        put(&mut file, d + 16, &table.to_le_bytes()); // FirstThunk (bound to the same list)
        put(&mut file, offset(dll_name), dll.as_bytes());
        dll_name += dll.len() as u32 + 1;
        for s in symbols.iter() {
            put(&mut file, offset(table), &u64::from(hint_name).to_le_bytes());
            table += 8;
            put(&mut file, offset(hint_name) + 2, s.as_bytes());
            hint_name += (2 + s.len() as u32 + 1 + 1) & !1;
            expected.push((dll.to_string(), s.to_string()));
        }
        table += 8; // the terminating zero entry
    }
    put(&mut file, offset(PDATA), &[0x11; 0x40]);
    (file, expected)
}
