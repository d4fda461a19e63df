//! Nothing is left behind: SIGINT or SIGTERM while wheels are written or
//! downloaded removes every temporary the run created and exits 130 or 143
//! with one line; a later run sweeps what a killed one left; a full disk
//! writes no output at all and says so in one line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Files and directories under `dir`, relative, sorted (empty when `dir` is gone).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A wheel of `size` bytes of incompressible data (stored) beside a small module, with a
/// true RECORD: large enough that writing a copy of it takes a while.
fn big_wheel(dir: &Path, size: usize) -> PathBuf {
    let path = dir.join("bulky-1.0-py3-none-any.whl");
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut record = String::new();
    let mut add = |zip: &mut zip::ZipWriter<_>, name: &str, data: &[u8]| {
        zip.start_file(name, stored).unwrap();
        zip.write_all(data).unwrap();
        record.push_str(&format!("{name},{},{}\n", uniabi::record::hash(data), data.len()));
    };
    add(&mut zip, "bulky/__init__.py", b"");
    // A xorshift stream: no two runs of it compress.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<u8> = (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    add(&mut zip, "bulky/data.bin", &data);
    drop(data);
    add(&mut zip, "bulky-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: bulky\nVersion: 1.0\n");
    add(
        &mut zip,
        "bulky-1.0.dist-info/WHEEL",
        b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    );
    record.push_str("bulky-1.0.dist-info/RECORD,,\n");
    zip.start_file("bulky-1.0.dist-info/RECORD", stored).unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

fn spawn(args: &[&str], env: &[(&str, &Path)]) -> Child {
    let mut c = uniabi();
    c.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    c.spawn().unwrap()
}

/// Wait until some path under `dir` satisfies `seen`, or the child ends first (`false`).
fn wait_for(child: &mut Child, dir: &Path, seen: impl Fn(&str) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        if listing(dir).iter().any(|p| seen(p)) {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

fn kill(child: &Child, signal: i32) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn err_sigint_while_writing_removes_the_temporary_and_the_directory_it_created() {
    let dir = scratch("interrupt-write");
    let input = big_wheel(&dir, 384 << 20);
    let out = dir.join("out/nested");
    let shown = input.display().to_string();
    let outdir = out.display().to_string();
    let mut child = spawn(&["retag", "--tags", "py3-none-any", "-o", &outdir, &shown], &[]);
    assert!(
        wait_for(&mut child, &dir.join("out"), |p| p.ends_with(".uniabi-tmp")),
        "the run ended before its temporary file appeared"
    );
    kill(&child, libc::SIGINT);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("uniabi: stopped by SIGINT; removed "), "{err}");
    assert!(!dir.join("out").exists(), "left behind: {:?}", listing(&dir.join("out")));
    assert!(input.exists(), "the input is untouched");
}

#[test]
fn err_sigterm_while_downloading_removes_the_partial_downloads() {
    let server = crate::server::Server::start(&root().join("samples"));
    server.set(|f| f.drip = Some(("psutil-7.1.2-cp313-cp313t-manylinux".into(), Duration::from_millis(5))));
    let dir = scratch("interrupt-download");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let index = server.index();
    let outdir = dir.join("out").display().to_string();
    let args = ["merge", "psutil==7.1.2", "--platform", "manylinux_2_28_x86_64", "--index-url", &index, "--no-cache"];
    let mut all = args.to_vec();
    all.extend(["-o", &outdir]);
    let mut child = spawn(&all, &[("TMPDIR", &tmp)]);
    assert!(
        wait_for(&mut child, &tmp, |p| p.contains("uniabi-download") && p.ends_with(".whl")),
        "the run ended before it started downloading"
    );
    kill(&child, libc::SIGTERM);
    let (code, err) = finish(child);
    assert_eq!(code, Some(143), "{err}");
    assert!(err.lines().last().is_some_and(|l| l.starts_with("uniabi: stopped by SIGTERM; removed ")), "{err}");
    assert_eq!(listing(&tmp), Vec::<String>::new(), "partial downloads left in TMPDIR");
    assert!(!dir.join("out").exists());
}

/// The files `child` holds open under `dir` (as `/proc` names them: an unnamed one ends in `(deleted)`).
fn open_files_under(child: &Child, dir: &Path) -> Vec<String> {
    let fds = std::fs::read_dir(format!("/proc/{}/fd", child.id())).into_iter().flatten().flatten();
    let targets = fds.filter_map(|fd| std::fs::read_link(fd.path()).ok());
    targets.filter(|t| t.starts_with(dir)).map(|t| t.display().to_string()).collect()
}

#[test]
fn err_sigint_while_reading_by_ranges_leaves_no_temporary_behind() {
    let server = crate::server::Server::start(&root().join("samples"));
    let dir = scratch("interrupt-ranges");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let index = server.index();
    let args = ["survey", "psutil", "--platform", "manylinux_2_28_x86_64", "--index-url", &index, "--no-cache"];
    // A whole run: the fetched ranges went through TMPDIR and nothing is left there.
    let mut child = spawn(&args, &[("TMPDIR", &tmp)]);
    let (code, err) = finish(child);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(listing(&tmp), Vec::<String>::new(), "left in TMPDIR");
    // Stopped while a wheel arrives: the bytes go to an unnamed file in TMPDIR, not to memory.
    server.set(|f| f.drip = Some(("psutil-7.1.2-cp3".into(), Duration::from_millis(5))));
    child = spawn(&args, &[("TMPDIR", &tmp)]);
    let start = Instant::now();
    let mut held = Vec::new();
    while held.is_empty() && start.elapsed() < Duration::from_secs(60) && child.try_wait().unwrap().is_none() {
        held = open_files_under(&child, &tmp);
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(!held.is_empty(), "no temporary file was opened in TMPDIR while a wheel arrived");
    assert!(held.iter().all(|p| p.ends_with("(deleted)")), "a temporary file with a name: {held:?}");
    kill(&child, libc::SIGINT);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.lines().last().is_some_and(|l| l.starts_with("uniabi: stopped by SIGINT; removed ")), "{err}");
    assert_eq!(listing(&tmp), Vec::<String>::new(), "left in TMPDIR");
}

#[test]
fn ok_a_later_run_sweeps_the_stale_temporaries_a_killed_run_left() {
    let dir = scratch("interrupt-sweep");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // What SIGKILL leaves: an unlocked temporary file of uniabi's naming.
    let stale = out.join(".psutil-7.1.2-cp313.cp314-cp313t.cp314t-manylinux_2_28_x86_64.whl.Xy12.uniabi-tmp");
    std::fs::write(&stale, b"half a wheel").unwrap();
    let other = out.join(".keep.tmp");
    std::fs::write(&other, b"not ours").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let inputs: Vec<String> = ["cp313-cp313t-manylinux", "cp314-cp314t-manylinux"]
        .iter()
        .map(|p| sample(&format!("psutil-7.1.2-{p}")).display().to_string())
        .collect();
    let outdir = out.display().to_string();
    let r = run(&["merge", "-o", &outdir, &inputs[0], &inputs[1]]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(!stale.exists(), "the stale temporary file is swept");
    assert!(other.exists(), "a file of another naming is left alone");
    let note = stderr(&r);
    assert!(
        note.contains("removed 1 stale temporary file an interrupted earlier run left in")
            && note.contains(".Xy12.uniabi-tmp"),
        "{note}"
    );
    assert_eq!(listing(&out).iter().filter(|p| p.ends_with(".whl")).count(), 1);
}

/// A tmpfs of `kib` KiB mounted on `dir` (root only; CI runs as root), unmounted on drop.
struct TinyDisk(PathBuf);

impl TinyDisk {
    fn mount(dir: &Path, kib: u64) -> Option<TinyDisk> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(TinyDisk(dir.to_path_buf()));
        }
        assert!(
            std::env::var_os("UNIABI_SKIP_ROOT_TESTS").is_some(),
            "cannot mount a tmpfs on {} (this test needs root, as CI has); set UNIABI_SKIP_ROOT_TESTS=1 to leave it out",
            dir.display()
        );
        eprintln!("left out: no tmpfs could be mounted, and UNIABI_SKIP_ROOT_TESTS is set");
        None
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn err_a_full_disk_writes_no_output_and_says_so_in_one_line() {
    let dir = scratch("interrupt-full-disk");
    // A fat wheel of two builds, split back into two wheels of about 280 kB each.
    let inputs: Vec<String> = ["cp313-cp313t-manylinux", "cp314-cp314t-manylinux"]
        .iter()
        .map(|p| sample(&format!("psutil-7.1.2-{p}")).display().to_string())
        .collect();
    let merged = dir.join("merged");
    let r = run(&["merge", "-o", &merged.display().to_string(), &inputs[0], &inputs[1]]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let fat = std::fs::read_dir(&merged).unwrap().next().unwrap().unwrap().path();
    // Room for one output, not two.
    let Some(disk) = TinyDisk::mount(&dir.join("disk"), 420) else { return };
    let out = disk.0.join("dist");
    let r = run(&["split", "-o", &out.display().to_string(), &fat.display().to_string()]);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with(&format!("uniabi: error: cannot write {}/", out.display())), "{err}");
    assert!(err.trim_end().ends_with("No space left on device (os error 28) (nothing written)"), "{err}");
    assert!(!err.contains(".uniabi-tmp") && !err.contains("Os {"), "no temporary name, no debug dump: {err}");
    assert_eq!(listing(&disk.0), Vec::<String>::new(), "nothing written, not even the directory");
}
