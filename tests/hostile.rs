//! A hostile corpus, built at test time from the samples: truncated and
//! corrupted wheels and binaries, lying counts and sizes, unsafe member names
//! and zip bombs. Every one must make `uniabi inspect` exit 2 with one stderr
//! line naming the input (and the member, where one is to blame), without a
//! panic, in bounded time and memory.
//!
//! Also replays the committed fuzz findings in `tests/fuzz-regressions/`
//! through the entry points the fuzz targets use (`tests/fuzz/entry.rs`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

#[path = "fuzz/entry.rs"]
mod entry;

/// Kill a run that takes longer than this: a hang detector, not a speed test.
const HANG: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// A zip writer that writes what it is told, lies included.

fn crc32(data: &[u8]) -> u32 {
    let table: Vec<u32> =
        (0..256u32).map(|n| (0..8).fold(n, |c, _| if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 })).collect();
    !data.iter().fold(!0u32, |crc, &b| table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8))
}

/// One member as it goes into the archive.
#[derive(Clone)]
struct Entry {
    name: Vec<u8>,
    /// The bytes as stored (raw deflate when `method` is 8).
    stored: Vec<u8>,
    method: u16,
    crc: u32,
    /// The inflated size the headers declare.
    size: u32,
    /// Unix mode in the high 16 bits when `unix` is set.
    external: u32,
    unix: bool,
}

impl Entry {
    /// A stored member with true sizes and CRC.
    fn stored(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.as_bytes().to_vec(),
            stored: data.to_vec(),
            method: 0,
            crc: crc32(data),
            size: data.len() as u32,
            external: 0o100644 << 16,
            unix: true,
        }
    }
}

fn le16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn le32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Local headers and data, the central directory, then the end record.
/// `count` overrides the entry count the end record declares.
fn write_zip(entries: &[Entry], count: Option<u16>) -> Vec<u8> {
    write_zip_aliased(entries, count, &[])
}

/// A central directory entry with no bytes of its own: it describes `entry`
/// at `shift` bytes past the local header of `entries[target]` (the
/// overlapping members of non-recursive zip bombs).
struct Alias {
    entry: Entry,
    target: usize,
    shift: u32,
}

/// [`write_zip`], with each alias's central directory entry after the others.
fn write_zip_aliased(entries: &[Entry], count: Option<u16>, aliases: &[Alias]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, e.method);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, e.crc);
        le32(&mut out, e.stored.len() as u32);
        le32(&mut out, e.size);
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&e.stored);
    }
    let cd_start = out.len() as u32;
    let aliased = aliases.iter().map(|a| (&a.entry, offsets[a.target] + a.shift));
    for (e, offset) in entries.iter().zip(offsets.iter().copied()).chain(aliased) {
        le32(&mut out, 0x0201_4b50);
        le16(&mut out, if e.unix { (3 << 8) | 20 } else { 20 });
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, e.method);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, e.crc);
        le32(&mut out, e.stored.len() as u32);
        le32(&mut out, e.size);
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        le16(&mut out, 0);
        le16(&mut out, 0);
        le16(&mut out, 0);
        le32(&mut out, e.external);
        le32(&mut out, offset);
        out.extend_from_slice(&e.name);
    }
    let cd_size = out.len() as u32 - cd_start;
    let n = count.unwrap_or((entries.len() + aliases.len()) as u16);
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, n);
    le16(&mut out, n);
    le32(&mut out, cd_size);
    le32(&mut out, cd_start);
    le16(&mut out, 0);
    out
}

// ---------------------------------------------------------------------------
// Material from the samples.

/// The members of a sample wheel, inflated, in archive order (directories left out).
fn sample_members(part: &str) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(sample(part)).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        if f.is_dir() {
            continue;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        members.push((f.name().unwrap().into_owned(), data));
    }
    members
}

const LINUX: &str = "universal-0.2-cp313-abi3.abi3t-manylinux1";
const MACOS: &str = "universal-0.2-cp313-abi3.abi3t-macosx";
const WINDOWS: &str = "universal-0.2-cp313-abi3-win_amd64";
const WHEEL_NAME: &str = "abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.whl";
const SO: &str = "abi3_abi3t_universal.so";

/// The Linux sample's members, stored uncompressed.
fn base_entries() -> Vec<Entry> {
    sample_members(LINUX).iter().map(|(name, data)| Entry::stored(name, data)).collect()
}

/// The first shared object in a sample wheel.
fn sample_binary(part: &str) -> Vec<u8> {
    sample_members(part)
        .into_iter()
        .find(|(name, _)| name.ends_with(".so") || name.ends_with(".pyd"))
        .map(|(_, data)| data)
        .unwrap()
}

fn with_entry(extra: Entry) -> Vec<u8> {
    let mut entries = base_entries();
    entries.insert(1, extra);
    write_zip(&entries, None)
}

fn flip(mut data: Vec<u8>, at: usize, mask: u8) -> Vec<u8> {
    data[at] ^= mask;
    data
}

fn put(mut data: Vec<u8>, at: usize, bytes: &[u8]) -> Vec<u8> {
    data[at..at + bytes.len()].copy_from_slice(bytes);
    data
}

/// Where a zip member's stored bytes start: after its local header and name.
fn data_offset(zip: &[u8], name: &str) -> usize {
    let header = zip
        .windows(4 + 26 + name.len())
        .position(|w| w[..4] == [0x50, 0x4b, 3, 4] && w[30..] == *name.as_bytes())
        .unwrap();
    header + 30 + name.len()
}

// ---------------------------------------------------------------------------
// The corpus.

/// One crafted input: the file it is written to, its bytes, and what the
/// error line must name besides the path.
struct Case {
    file: &'static str,
    bytes: Vec<u8>,
    mentions: &'static [&'static str],
}

fn case(file: &'static str, bytes: Vec<u8>, mentions: &'static [&'static str]) -> Case {
    Case { file, bytes, mentions }
}

fn corpus() -> Vec<Case> {
    let wheel = write_zip(&base_entries(), None);
    let elf = sample_binary(LINUX);
    let macho = sample_binary(MACOS);
    let pe = sample_binary(WINDOWS);
    let so_at = data_offset(&wheel, SO);
    let e_lfanew = u32::from_le_bytes(pe[0x3c..0x40].try_into().unwrap()) as usize;
    // PE32+: optional header at e_lfanew + 24; data directory 1 (imports) at +112 + 8.
    let import_dir = e_lfanew + 24 + 112 + 8;

    let mut symlink = Entry::stored("abi3_abi3t_universal/link.py", b"/etc/passwd");
    symlink.external = 0o120777 << 16;
    let mut declared_bomb = Entry::stored("bomb/declared.so", &deflated_zeros(1 << 20));
    declared_bomb.method = 8;
    declared_bomb.size = u32::MAX; // 4 GiB - 1, from about 2 KiB
    let mut ratio_bomb = declared_bomb.clone();
    ratio_bomb.name = b"bomb/ratio.so".to_vec();
    ratio_bomb.size = 100 << 20; // 100 MiB, under the size limit, from about 2 KiB
    // 600 MiB of real zeros (past the 512 MiB default) declared as 1 000 bytes.
    let mut inflate_bomb = Entry::stored("bomb/inflate.so", &deflated_zeros(600 << 20));
    inflate_bomb.method = 8;
    inflate_bomb.size = 1000;
    // 2 000 members of 1 MiB each (too small for the per-member ratio check)
    // from a few bytes each: 2 GiB in all.
    let mut many_small = base_entries();
    let tiny = deflated_zeros(1 << 20);
    many_small.extend((0..2000).map(|i| {
        let mut e = Entry::stored(&format!("bomb/m{i:04}.py"), &tiny[..8]);
        e.method = 8;
        e.size = 1 << 20;
        e
    }));
    // 1 001 entries naming one 50 MiB member (inflated from 330 KB): each
    // entry alone passes the ratio guards, together they would inflate 50 GiB.
    let mut shared = base_entries();
    let mut zeros = Entry::stored("bomb/zeros.so", &deflated_zeros(50 << 20));
    zeros.method = 8;
    zeros.size = 50 << 20;
    zeros.crc = crc32(&vec![0; 50 << 20]);
    shared.insert(1, zeros.clone());
    let shared_aliases: Vec<Alias> = (0..1000)
        .map(|i| {
            let mut entry = zeros.clone();
            entry.name = format!("bomb/z{i:04}.so").into_bytes();
            Alias { entry, target: 1, shift: 0 }
        })
        .collect();
    // A member whose stored bytes hold a whole second member, header and
    // all, which a second entry names: the two overlap.
    let mut quoted = base_entries();
    let inner = Entry::stored("abi3_abi3t_universal/inner.py", b"print('inner')\n");
    let mut inner_zip = write_zip(std::slice::from_ref(&inner), None);
    inner_zip.truncate(30 + inner.name.len() + inner.stored.len());
    quoted.insert(1, Entry::stored("abi3_abi3t_universal/outer.py", &inner_zip));
    let outer_name_len = quoted[1].name.len() as u32;
    let quoted_alias = [Alias { entry: inner, target: 1, shift: 30 + outer_name_len }];
    let mut no_wheel_file = base_entries();
    no_wheel_file.retain(|e| !e.name.ends_with(b"/WHEEL"));
    let mut duplicate = base_entries();
    duplicate.push(duplicate[0].clone());

    vec![
        // Wheels that are not zips, or broken ones.
        case("empty.whl", Vec::new(), &[]),
        case("text.whl", b"this is not a zip archive\n".to_vec(), &[]),
        case("trunc-10.whl", wheel[..wheel.len() / 10].to_vec(), &[]),
        case("trunc-50.whl", wheel[..wheel.len() / 2].to_vec(), &[]),
        case("trunc-90.whl", wheel[..wheel.len() * 9 / 10].to_vec(), &[]),
        case("trunc-last.whl", wheel[..wheel.len() - 1].to_vec(), &[]),
        case("lying-count.whl", write_zip(&base_entries(), Some(60000)), &[]),
        case("cd-offset-outside.whl", put(wheel.clone(), wheel.len() - 6, &u32::MAX.to_le_bytes()), &[]),
        case("member-crc.whl", flip(wheel.clone(), so_at + 100, 0xff), &[SO]),
        case("no-wheel-file.whl", write_zip(&no_wheel_file, None), &["WHEEL"]),
        // Unsafe member names and kinds.
        case("traversal.whl", with_entry(Entry::stored("../escape.py", b"x")), &["../escape.py"]),
        case("absolute.whl", with_entry(Entry::stored("/etc/evil.py", b"x")), &["/etc/evil.py"]),
        case("backslash.whl", with_entry(Entry::stored("pkg\\evil.py", b"x")), &["pkg\\\\evil.py"]),
        case("nul.whl", with_entry(Entry::stored("pkg/evil\0.py", b"x")), &["pkg/evil\\0.py"]),
        case("duplicate.whl", write_zip(&duplicate, None), &[SO]),
        case("symlink.whl", with_entry(symlink), &["abi3_abi3t_universal/link.py"]),
        // Zip bombs.
        case("bomb-declared.whl", with_entry(declared_bomb), &["bomb/declared.so"]),
        case("bomb-ratio.whl", with_entry(ratio_bomb), &["bomb/ratio.so"]),
        case("bomb-inflate.whl", with_entry(inflate_bomb), &["bomb/inflate.so"]),
        case("bomb-many.whl", write_zip(&many_small, None), &["bomb/m0000.py"]),
        case("bomb-shared.whl", write_zip_aliased(&shared, None, &shared_aliases), &["bomb/z", "overlap"]),
        case(
            "overlap-quoted.whl",
            write_zip_aliased(&quoted, None, &quoted_alias),
            &["abi3_abi3t_universal/inner.py", "overlap"],
        ),
        // Bare binaries.
        case("empty.so", Vec::new(), &[]),
        case("garbage.so", (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(), &[]),
        case("wrong-magic.so", flip(elf.clone(), 0, 0x01), &[]),
        case("elf-trunc-16.so", elf[..16].to_vec(), &[]),
        case("elf-trunc-64.so", elf[..64].to_vec(), &[]),
        case("elf-trunc-half.so", elf[..elf.len() / 2].to_vec(), &[]),
        case("elf-class.so", put(elf.clone(), 4, &[9]), &[]),
        case("elf-shoff.so", put(elf.clone(), 0x28, &u64::MAX.to_le_bytes()), &[]),
        case("elf-shnum.so", put(elf.clone(), 0x3c, &u16::MAX.to_le_bytes()), &[]),
        case("macho-trunc-32.so", macho[..32].to_vec(), &[]),
        case("macho-trunc-half.so", macho[..macho.len() / 2].to_vec(), &[]),
        case("macho-fat-count.so", put(macho.clone(), 4, &u32::MAX.to_be_bytes()), &[]),
        case("macho-fat-offset.so", put(macho.clone(), 16, &u32::MAX.to_be_bytes()), &[]),
        case("pe-trunc-64.pyd", pe[..64].to_vec(), &[]),
        case("pe-trunc-half.pyd", pe[..pe.len() / 2].to_vec(), &[]),
        case("pe-lfanew.pyd", put(pe.clone(), 0x3c, &u32::MAX.to_le_bytes()), &[]),
        case("pe-imports.pyd", put(pe.clone(), import_dir, &[0xf0, 0xff, 0xff, 0x7f, 0xff, 0xff, 0, 0]), &[]),
    ]
}

// ---------------------------------------------------------------------------
// Running.

/// Run `uniabi ARGS`, killing it after [`HANG`]; stdout and stderr go to files.
fn run_guarded(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let err_path = dir.join(".stderr");
    let mut child =
        uniabi().args(args).stdout(Stdio::null()).stderr(std::fs::File::create(&err_path).unwrap()).spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("uniabi {args:?} still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let err = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned();
    (status.code(), err)
}

fn write_corpus(dir: &Path) -> Vec<(PathBuf, &'static [&'static str])> {
    corpus()
        .into_iter()
        .map(|c| {
            let path = dir.join(c.file);
            std::fs::write(&path, &c.bytes).unwrap();
            (path, c.mentions)
        })
        .collect()
}

#[test]
fn err_every_hostile_input_is_one_line_exit_2() {
    let dir = scratch("hostile-corpus");
    let cases = write_corpus(&dir);
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for (path, mentions) in &cases {
        let shown = path.display().to_string();
        let (code, err) = run_guarded(&dir, &["inspect", &shown]);
        let lines: Vec<&str> = err.lines().collect();
        let ok = code == Some(2)
            && lines.len() == 1
            && lines[0].starts_with("uniabi: error: ")
            && lines[0].contains(&shown)
            && mentions.iter().all(|m| lines[0].contains(m))
            && !err.contains("panicked");
        if !ok {
            failures.push(format!("{shown}: exit {code:?}, stderr:\n{err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn err_hostile_inputs_together_each_named() {
    // One run over the whole directory: every input still gets its own line.
    let dir = scratch("hostile-together");
    let cases = write_corpus(&dir);
    let (code, err) = run_guarded(&dir, &["inspect", &dir.display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), cases.len(), "{err}");
    for (path, _) in &cases {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name), "no line names {name}:\n{err}");
    }
}

#[test]
fn err_every_hostile_input_is_unreadable_to_check_verify_and_compare() {
    // The same corpus through the subcommands that judge rather than list:
    // each input is unreadable (exit 2, one line naming it), never judged.
    let dir = scratch("hostile-check");
    let cases = write_corpus(&dir);
    for cmd in ["check", "verify", "compare"] {
        let (code, err) = run_guarded(&dir, &[cmd, &dir.display().to_string()]);
        assert_eq!(code, Some(2), "{cmd}: {err}");
        assert!(!err.contains("panicked"), "{cmd}: {err}");
        for (path, _) in &cases {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(err.lines().any(|l| l.contains(&name)), "{cmd}: no line names {name}:\n{err}");
        }
    }
}

#[test]
fn err_every_hostile_input_is_refused_by_retag() {
    // retag reads what it copies: each input is unreadable to it too (exit 2,
    // one line naming it), and nothing is written.
    let dir = scratch("hostile-retag");
    let cases = write_corpus(&dir);
    let out = dir.join("out");
    let mut failures = Vec::new();
    let wheels: Vec<&PathBuf> =
        cases.iter().map(|(p, _)| p).filter(|p| p.extension().is_some_and(|e| e == "whl")).collect();
    assert!(wheels.len() >= 15);
    for case in wheels {
        // Under a valid wheel name, so that each fails for its own reason.
        let stem = case.file_stem().unwrap().to_string_lossy();
        std::fs::create_dir_all(dir.join(&*stem)).unwrap();
        let path = dir.join(&*stem).join("hostile-1.0-cp36-abi3-linux_x86_64.whl");
        std::fs::rename(case, &path).unwrap();
        let shown = path.display().to_string();
        let (code, err) =
            run_guarded(&dir, &["retag", &shown, "--tags", "cp315-abi3", "-o", &out.display().to_string()]);
        let lines: Vec<&str> = err.lines().collect();
        let ok = code == Some(2)
            && lines.len() == 1
            && lines[0].starts_with("uniabi: error: ")
            && lines[0].contains(&shown)
            && !err.contains("panicked")
            && !out.exists();
        if !ok {
            failures.push(format!("{shown}: exit {code:?}, stderr:\n{err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ok_rebuilt_wheel_reads_cleanly() {
    // The writer above makes readable wheels, so each case fails for its own reason.
    let dir = scratch("hostile-control");
    let path = dir.join(WHEEL_NAME);
    std::fs::write(&path, write_zip(&base_entries(), None)).unwrap();
    let (code, err) = run_guarded(&dir, &["inspect", &path.display().to_string()]);
    assert_eq!(code, Some(0), "{err}");
    let mut bare = Entry::stored("x", &deflated_zeros(70_000));
    bare.method = 8;
    bare.size = 70_000;
    bare.crc = crc32(&[0; 70_000]);
    let zip = write_zip(&[bare], None);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut data = Vec::new();
    archive.by_index(0).unwrap().read_to_end(&mut data).unwrap();
    assert_eq!(data.len(), 70_000, "the hand-made deflate stream inflates");
    assert!(data.iter().all(|&b| b == 0));
}

#[test]
#[cfg(unix)]
fn err_inflate_bomb_stops_at_declared_size() {
    // Peak memory, as the kernel counts it for the process: the bomb inflates
    // to 600 MiB but must be refused after the 1 000 bytes it declares.
    let dir = scratch("hostile-bomb");
    let mut bomb = Entry::stored("bomb/inflate.so", &deflated_zeros(600 << 20));
    bomb.method = 8;
    bomb.size = 1000;
    let path = dir.join("bomb.whl");
    std::fs::write(&path, with_entry(bomb)).unwrap();
    let shown = path.display().to_string();
    let (code, err, kib) = crate::common::run_measured(&["inspect", &shown]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("larger than its declared uncompressed size"), "{err}");
    assert!(kib > 0, "no peak memory reported");
    assert!(kib < 128 * 1024, "peak memory {kib} KiB for a zip bomb");
}

#[test]
fn ok_max_member_mib_is_honoured() {
    // A real 3 MiB extension (the sample padded with zeros) passes a 4 MiB
    // limit and is refused under a 2 MiB one, before being inflated.
    let dir = scratch("hostile-limit");
    let mut entries = base_entries();
    let so = entries.iter_mut().find(|e| e.name == SO.as_bytes()).unwrap();
    let mut padded = so.stored.clone();
    padded.resize(3 << 20, 0);
    *so = Entry::stored(SO, &padded);
    // RECORD is not checked by inspect, so its stale row does not matter here.
    let path = dir.join(WHEEL_NAME);
    std::fs::write(&path, write_zip(&entries, None)).unwrap();
    let shown = path.display().to_string();
    let (code, err) = run_guarded(&dir, &["inspect", "--max-member-mib", "4", &shown]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run_guarded(&dir, &["inspect", "--max-member-mib", "2", &shown]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&shown) && err.contains(&format!("member '{SO}' declares 3145728 bytes")), "{err}");
    // A bare file over the limit is refused without being parsed.
    let bare = dir.join("big.so");
    std::fs::write(&bare, &padded).unwrap();
    let shown = bare.display().to_string();
    let (code, err) = run_guarded(&dir, &["inspect", "--max-member-mib", "2", &shown]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&shown) && err.contains("more than the limit"), "{err}");
}

#[test]
#[cfg(unix)]
fn err_endless_file_is_bounded() {
    // A device reports size 0 and never ends: the read, not the size, is bounded.
    let dir = scratch("hostile-endless");
    let (code, err) = run_guarded(&dir, &["inspect", "--max-member-mib", "1", "/dev/zero"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err, "uniabi: error: /dev/zero: more than the limit of 1048576 bytes\n");
}

// ---------------------------------------------------------------------------
// Fuzz regressions.

#[test]
fn ok_fuzz_regressions_replay() {
    let scratch_dir = scratch("fuzz-regressions");
    let root = root().join("tests").join("fuzz-regressions");
    let mut replayed = 0;
    for target in entry::TARGETS {
        let Ok(files) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files.map(|f| f.unwrap().path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let start = Instant::now();
            entry::run(target, &data, &scratch_dir);
            assert!(start.elapsed() < HANG, "{} took {:?}", file.display(), start.elapsed());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz regression inputs");
}
