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
