//! Lock files as whole environments: the sample locks (`samples/locks/`) judged
//! through the real analysis and import resolution of the wheels they name, and
//! a real application's `uv.lock` read against uv's own `pylock.toml` export of it.

use std::path::{Path, PathBuf};

use uniabi::environment::{Judging, answer};
use uniabi::input::{Locks, Request, resolve};
use uniabi::lock::{Abi3tReadiness, Choice, Lock, State, Target, TargetReport, read, select};
use uniabi::specs::Specs;
use uniabi::suffixes::SuffixTable;
use uniabi::tags::Installer;
use uniabi::wheel::Limits;

use crate::common::{golden, root, run, sample, scratch, stderr, stdout};
use crate::server::Server;

fn target(t: &str) -> Target {
    let (python, platform) = t.split_once(" on ").unwrap();
    Target::new(python.parse().unwrap(), platform.parse().unwrap())
}

/// The lock at `lock` judged for target `t` as `verify --lock` does: resolved
/// into typed inputs, each picked wheel read through its input.
fn report(lock: &Path, t: &str) -> TargetReport {
    let specs = Specs::embedded().unwrap();
    let table = SuffixTable::embedded().unwrap();
    let locks = Locks { files: vec![lock.to_path_buf()], targets: vec![target(t)], apart: true, ..Locks::default() };
    let request = Request { args: Vec::new(), remote: Default::default(), keep: &|_| true, locks: Some(&locks) };
    let resolved = resolve(&request).unwrap();
    assert!(resolved.inputs.is_empty(), "the lock's wheels are kept apart");
    let judging = Judging { specs: &specs, table: &table, limits: Limits::DEFAULT, pep809: false };
    let mut a = answer(&resolved.locks[0], &judging);
    assert_eq!(a.targets.len(), 1);
    a.targets.remove(0)
}

/// `package: state (wheel) why` per row.
fn rows(r: &TargetReport) -> Vec<String> {
    r.rows
        .iter()
        .map(|row| {
            let wheel = row.wheel.as_ref().map_or("-", |w| w.filename.as_str());
            format!("{}: {:?} {wheel} | {}", row.package, row.state, row.why)
        })
        .collect()
}

fn sample_locks() -> [PathBuf; 2] {
    let dir = root().join("samples/locks");
    [dir.join("pylock.toml"), dir.join("uv.lock")]
}

#[test]
fn ok_sample_locks_on_free_threaded_315_linux() {
    for lock in sample_locks() {
        let r = report(&lock, "3.15t on manylinux_2_28_x86_64");
        assert_eq!(
            r.verdict,
            "3.15t on manylinux_2_28_x86_64: 1 of 3 packages load; blocked by orjson (no wheel), psutil (no wheel)",
            "{}",
            lock.display()
        );
        assert!(!r.ok);
        assert_eq!(
            rows(&r),
            [
                "abi3-abi3t-universal: Loads abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl | abi3_abi3t_universal loads",
                "numpy: NotInstalled - | not installed: its marker (sys_platform == 'win32') does not hold",
                "orjson: NoWheel - | no wheel for 3.15t: newest listed build is cp313",
                "psutil: NoWheel - | no wheel for 3.15t: newest listed build is cp314t",
                "rpds-py: NotInstalled - | not installed: its marker (platform_python_implementation == 'PyPy') does not hold",
            ]
        );
        assert_eq!(r.help.ships_abi3t, ["abi3-abi3t-universal 0.2"]);
        // What would help: each blocked package's stable-ABI (else newest) build, judged as abi3t from its binaries.
        let builds: Vec<(&str, &str)> =
            r.help.blocked_builds.iter().map(|b| (b.package.as_str(), b.wheel.as_str())).collect();
        assert_eq!(
            builds,
            [
                ("orjson 3.11.4", "orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
                (
                    "psutil 7.1.2",
                    "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
                ),
            ]
        );
        for b in &r.help.blocked_builds {
            let Abi3tReadiness::Blocked(why) = &b.readiness else { panic!("{b:?}") };
            assert!(why.contains("outside the stable ABI") || why.contains("abi3t"), "{why}");
        }
    }
}

#[test]
fn ok_sample_locks_on_other_targets() {
    for lock in sample_locks() {
        let r = report(&lock, "3.14t on macosx_11_0_arm64");
        assert_eq!(r.verdict, "3.14t on macosx_11_0_arm64: 2 of 3 packages load; blocked by orjson (no wheel)");
        assert_eq!(
            rows(&r)[3],
            "psutil: Loads psutil-7.1.2-cp314-cp314t-macosx_11_0_arm64.whl | psutil._psutil_osx loads"
        );
        assert_eq!(
            rows(&r)[2],
            "orjson: NoWheel - | no wheel for 3.14t: no listed wheel is for macosx_11_0_arm64 (1 wheel for other platforms)"
        );
        let r = report(&lock, "3.13t on win_amd64");
        assert_eq!(r.verdict, "3.13t on win_amd64: 3 of 4 packages load; blocked by orjson (no wheel)");
        assert!(rows(&r)[1].starts_with("numpy: Loads numpy-2.3.5-cp313-cp313t-win_amd64.whl | 19 modules load: "));
        assert_eq!(
            rows(&r)[0].split(" | ").next().unwrap(),
            "abi3-abi3t-universal: Loads abi3_abi3t_universal-0.2-cp313-abi3t-win_amd64.whl"
        );
        let r = report(&lock, "3.14 on manylinux_2_28_x86_64");
        assert_eq!(
            rows(&r)[3],
            "psutil: Loads psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl | psutil._psutil_linux loads"
        );
        let r = report(&lock, "3.12 on manylinux_2_28_x86_64");
        assert_eq!(
            r.verdict,
            "3.12 on manylinux_2_28_x86_64: not covered by the lock: the lock requires Python >=3.13"
        );
        assert!(r.rows.is_empty());
    }
}

/// A fresh directory under the system's temporary directory.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("uniabi-lock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pylock.toml in `dir` with one package per (name, wheel file, sha256) row.
fn write_pylock(dir: &Path, wheels: &[(&str, &str, &str)]) -> PathBuf {
    let mut text = String::from("lock-version = \"1.0\"\ncreated-by = \"test\"\n");
    for (name, file, sha) in wheels {
        text.push_str(&format!(
            "\n[[packages]]\nname = \"{name}\"\nversion = \"1\"\nwheels = [{{ path = \"{file}\", hashes = {{ sha256 = \"{sha}\" }} }}]\n"
        ));
    }
    let path = dir.join("pylock.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn ok_a_retagged_wheel_is_picked_and_fails_to_load() {
    // psutil's real abi3 wheel under a name that claims abi3t: 3.15t's installer takes it,
    // and 3.15t never loads the `.abi3.so` inside.
    let dir = temp("retagged");
    let real = sample("psutil-7.1.2-cp36-abi3-manylinux2010");
    let lying = "psutil-7.1.2-cp315-abi3t-manylinux_2_28_x86_64.whl";
    std::fs::copy(&real, dir.join(lying)).unwrap();
    let lock = write_pylock(&dir, &[("psutil", lying, &sha256(&real))]);
    let r = report(&lock, "3.15t on manylinux_2_28_x86_64");
    assert_eq!(r.rows[0].state, State::Fails);
    assert!(
        r.rows[0].why.starts_with("psutil._psutil_linux: no file for module psutil._psutil_linux: 3.15t tries "),
        "{}",
        r.rows[0].why
    );
    assert!(
        r.verdict.starts_with("3.15t on manylinux_2_28_x86_64: 0 of 1 package load; blocked by psutil (fails: "),
        "{}",
        r.verdict
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn err_a_gone_or_altered_local_file_is_an_error_for_that_package_only() {
    let dir = temp("gone");
    let abi3t = sample("abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1");
    let orjson = sample("orjson-3.11.4");
    let names = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::copy(&abi3t, dir.join(names(&abi3t))).unwrap();
    std::fs::copy(&orjson, dir.join(names(&orjson))).unwrap();
    let gone = "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.whl";
    let lock_path = write_pylock(
        &dir,
        &[
            ("abi3-abi3t-universal", &names(&abi3t), &sha256(&abi3t)),
            ("orjson", &names(&orjson), "00ff"),
            ("psutil", gone, "00"),
        ],
    );
    let r = report(&lock_path, "3.13 on manylinux_2_28_x86_64");
    assert_eq!(r.rows[0].state, State::Loads, "the others are still judged");
    assert_eq!(r.rows[1].state, State::Unreadable);
    assert_eq!(r.rows[1].why, format!("sha256 is {}, but the lock's sha256 is 00ff", sha256(&orjson)));
    assert_eq!(r.rows[2].state, State::Unreadable);
    assert!(
        r.rows[2].why.starts_with(&format!("cannot open {}, which the lock names: ", dir.join(gone).display())),
        "{}",
        r.rows[2].why
    );
    assert!(r.verdict.contains("blocked by orjson (unreadable: sha256 is "), "{}", r.verdict);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every target's choices as `name version kind file` lines, sorted.
fn choices(lock: &Lock, targets: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets {
        let s = select(lock, &target(t), Installer::default()).unwrap();
        if let Some(why) = &s.outside {
            out.push(format!("{t}: outside: {why}"));
        }
        for (_, p, c) in s.of(lock) {
            let what = match c {
                Choice::Wheel(i) => p.wheels[*i].file.filename.clone(),
                other => format!("{other:?}"),
            };
            out.push(format!("{t}: {} {}: {what}", p.name, p.version.as_deref().unwrap_or("")));
        }
    }
    out.sort();
    out
}

/// How many (target, package) pairs of [`APP_TARGETS`] only an sdist serves.
const SDIST_ONLY: usize = 9;

const APP_TARGETS: [&str; 8] = [
    "3.15t on manylinux_2_28_x86_64",
    "3.15 on manylinux_2_28_x86_64",
    "3.14t on manylinux_2_28_x86_64",
    "3.13 on manylinux_2_17_x86_64",
    "3.15t on macosx_11_0_arm64",
    "3.14t on macosx_11_0_arm64",
    "3.14 on macosx_14_0_arm64",
    "3.15t on win_amd64",
];

#[test]
fn ok_a_real_uv_lock_selects_what_uvs_own_pylock_export_selects() {
    // tests/data/app-lock: `uv lock` of an application depending on numpy, pandas, pydantic,
    // orjson, lxml, cryptography, psutil, pyyaml and uvloop (PyPI, linux x86_64 and macOS
    // arm64 environments), and `uv export --format pylock.toml --no-dev` of that lock.
    let dir = root().join("tests/data/app-lock");
    let uv = read(&dir.join("uv.lock")).unwrap();
    let pylock = read(&dir.join("pylock.toml")).unwrap();
    assert_eq!(uv.packages.len(), 17);
    assert_eq!(pylock.packages.len(), 17);
    let from_uv = choices(&uv, &APP_TARGETS);
    assert_eq!(from_uv, choices(&pylock, &APP_TARGETS), "reachability through uv.lock's edges = uv's own markers");
    let on = |t: &str, name: &str| {
        from_uv.iter().find(|l| l.starts_with(&format!("{t}: {name} "))).cloned().unwrap_or_default()
    };
    assert_eq!(
        on("3.15t on manylinux_2_28_x86_64", "cryptography"),
        "3.15t on manylinux_2_28_x86_64: cryptography 51.0.1: cryptography-51.0.1-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl"
    );
    assert_eq!(
        on("3.15t on manylinux_2_28_x86_64", "orjson"),
        "3.15t on manylinux_2_28_x86_64: orjson 3.13.0: SdistOnly(\"sdist only: needs a compiler on 3.15t; newest listed build is cp314\")"
    );
    assert_eq!(
        on("3.14t on macosx_11_0_arm64", "lxml"),
        "3.14t on macosx_11_0_arm64: lxml 6.2.0: lxml-6.2.0-cp314-cp314t-macosx_10_15_universal2.whl"
    );
    assert!(from_uv.contains(
        &"3.15t on win_amd64: outside: the lock covers only platform_machine == 'x86_64' and sys_platform == 'linux'; \
          platform_machine == 'arm64' and sys_platform == 'darwin'"
            .to_string()
    ));
    let others: Vec<&String> = from_uv.iter().filter(|l| !l.ends_with(".whl") && !l.contains(": outside: ")).collect();
    assert_eq!(
        others.len(),
        SDIST_ONLY,
        "CPython installs all 17 everywhere covered; the rest are sdist-only: {others:#?}"
    );
    assert!(others.iter().all(|l| l.contains("SdistOnly(\"sdist only: needs a compiler on ")), "{others:#?}");
}

// The commands: `verify` with a lock prints per target the table, the verdict
// line and what would help; `check`, `inspect` and `survey` read the picked wheels.

const LINUX_315T: [&str; 4] = ["--python", "3.15t", "--platform", "manylinux_2_28_x86_64"];

#[test]
fn ok_verify_of_a_lock_prints_each_target_and_fails_where_one_is_blocked() {
    for lock in ["samples/locks/pylock.toml", "samples/locks/uv.lock"] {
        let by_name = run(&[&["verify", lock][..], &LINUX_315T, &["--python", "3.14t"]].concat());
        let by_flag = run(&[&["verify", "--lock", lock][..], &LINUX_315T, &["--python", "3.14t"]].concat());
        assert_eq!(by_name.status.code(), Some(1), "{}", stderr(&by_name));
        assert_eq!(stdout(&by_name), stdout(&by_flag), "a lock named as one is the same as --lock");
        let name = Path::new(lock).file_name().unwrap().to_string_lossy().replace('.', "-");
        golden(&format!("lock/verify-{name}.txt"), &stdout(&by_name));
    }
    // Every package loads on 3.13 there: exit 0.
    let out = run(&["verify", "samples/locks/pylock.toml", "--python", "3.13", "--platform", "manylinux_2_28_x86_64"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("3.13 on manylinux_2_28_x86_64: all 3 packages load\n"), "{}", stdout(&out));
}

#[test]
fn ok_verify_of_a_lock_as_json() {
    let out = run(&[&["verify", "--json", "--lock", "samples/locks/uv.lock"][..], &LINUX_315T].concat());
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "uniabi/lock/1");
    let lock = &doc["locks"][0];
    assert_eq!(
        (lock["format"].as_str(), lock["packages"].as_u64(), lock["ok"].as_bool()),
        (Some("uv-lock"), Some(5), Some(false))
    );
    let t = &lock["targets"][0];
    assert_eq!(
        t["verdict"],
        "3.15t on manylinux_2_28_x86_64: 1 of 3 packages load; blocked by orjson (no wheel), psutil (no wheel)"
    );
    let states: Vec<&str> = t["rows"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["loads", "not-installed", "no-wheel", "no-wheel", "not-installed"]);
    assert_eq!(t["help"]["ships_abi3t"], serde_json::json!(["abi3-abi3t-universal 0.2"]));
    assert_eq!(t["help"]["blocked_builds"][1]["readiness"]["readiness"], "blocked");
}

#[test]
fn err_an_unreadable_lock_is_one_line_and_exit_2() {
    let dir = scratch("lock-unreadable");
    let bad = dir.join("pylock.toml");
    std::fs::write(&bad, "lock-version = \"1.0\"\n[[packages]\n").unwrap();
    let out = run(&[&["verify", bad.to_str().unwrap()][..], &LINUX_315T].concat());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("uniabi: error: {} is not valid TOML (line 2): unclosed array table, expected `]`\n", bad.display())
    );
    let out = run(&[&["check", "--lock", "no/such/uv.lock"][..], &LINUX_315T].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("uniabi: error: cannot read the lock file no/such/uv.lock: "), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
    // Several --python/--platform values are a lock's targets; a project takes one of each (no index asked).
    let several = ["--python", "3.15t", "--python", "3.14t", "--platform", "manylinux_2_28_x86_64"];
    let out = run(&[&["verify", "psutil"][..], &several].concat());
    assert_eq!(
        (out.status.code(), stderr(&out).as_str()),
        (
            Some(2),
            "uniabi: error: --python and --platform are repeatable for a lock's targets only: give one of each, or a lock (--lock FILE)\n"
        )
    );
    let out = run(&[&["check", "samples/locks/uv.lock", "psutil"][..], &several].concat());
    assert_eq!(
        (out.status.code(), stderr(&out).as_str()),
        (
            Some(2),
            "uniabi: error: several --python or --platform values select a lock's targets; a project takes one of each: run it separately\n"
        )
    );
    let out = run(&["verify", "samples/locks/uv.lock"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "uniabi: error: verify of a lock judges it on targets: give --python and --platform (e.g. --python 3.15t --platform manylinux_2_28_x86_64)\n"
    );
    let out = run(&["verify", "samples/locks/uv.lock", "--python", "3.15t"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "uniabi: error: a lock's targets need both --python and --platform (e.g. --python 3.15t --platform manylinux_2_28_x86_64)\n"
    );
}

#[test]
fn ok_check_reads_the_wheels_each_target_picks() {
    let out =
        run(&[&["check", "--json", "samples/locks/pylock.toml"][..], &LINUX_315T, &["--python", "3.14t"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| Path::new(i["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
            "psutil-7.1.2-cp314-cp314t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
        ],
        "3.15t picks the abi3t wheel, 3.14t the same one and psutil's cp314t"
    );
    // Without a target, every wheel the lock lists.
    let out = run(&["inspect", "--json", "--lock", "samples/locks/uv.lock"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["inputs"].as_array().unwrap().len(), 13, "the 13 wheels uv.lock lists");
}

/// `samples/locks/pylock.toml` with every wheel by URL on `server`.
fn pylock_by_url(server: &Server, dir: &Path, sha: impl Fn(&str) -> Option<String>) -> PathBuf {
    let text = std::fs::read_to_string(root().join("samples/locks/pylock.toml")).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.split_once("{ path = \"../") {
            Some((head, rest)) => {
                let (name, tail) = rest.split_once('"').unwrap();
                let tail = match sha(name) {
                    Some(s) => {
                        let (before, _) = tail.split_once("sha256 = \"").unwrap();
                        format!("{before}sha256 = \"{s}\" }} }},")
                    }
                    None => tail.to_string(),
                };
                format!("{head}{{ url = \"{}/files/{name}\"{tail}", server.base)
            }
            None => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let path = dir.join("pylock.toml");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn ok_a_lock_of_url_wheels_is_read_by_ranges_from_the_server() {
    let server = Server::start(&root().join("samples"));
    let dir = scratch("lock-url");
    let lock = pylock_by_url(&server, &dir, |_| None);
    assert!(!std::fs::read_to_string(&lock).unwrap().contains("path ="));
    let lock = lock.to_str().unwrap();
    let targets = [&LINUX_315T[..], &["--python", "3.14t", "--platform", "macosx_11_0_arm64"]].concat();
    let remote = run(&[&["verify", lock, "--no-cache"][..], &targets].concat());
    let local = run(&[&["verify", "samples/locks/pylock.toml"][..], &targets].concat());
    assert_eq!(remote.status.code(), Some(1), "{}", stderr(&remote));
    let body = |o: &std::process::Output| stdout(o).split_once('\n').unwrap().1.to_string();
    assert_eq!(body(&remote), body(&local), "the same answer by URL as from disk");
    // Only the picked wheels, and only by ranges (the lock's hash is the claim a whole read checks).
    let files = server.requests("/files/");
    let mut fetched: Vec<&str> = files.iter().map(|(p, _)| p.strip_prefix("/files/").unwrap()).collect();
    fetched.sort();
    fetched.dedup();
    assert_eq!(
        fetched,
        [
            "abi3_abi3t_universal-0.2-cp313-abi3.abi3t-macosx_10_15_universal2.whl",
            "abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
            "orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "psutil-7.1.2-cp314-cp314t-macosx_11_0_arm64.whl",
            "psutil-7.1.2-cp314-cp314t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
            "psutil-7.1.2-cp36-abi3-macosx_11_0_arm64.whl",
            "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
        ],
        "the wheels the 4 targets (3.15t, 3.14t on each platform) pick, and the builds what-would-help judges"
    );
    assert!(files.iter().all(|(_, range)| range.is_some()), "{files:?}");
}

#[test]
fn err_a_url_wheel_read_whole_must_have_the_locks_sha256() {
    let server = Server::start(&root().join("samples"));
    let dir = scratch("lock-url-sha");
    let wrong = "0".repeat(64);
    let lock = pylock_by_url(&server, &dir, |name| name.starts_with("abi3_abi3t_universal").then(|| wrong.clone()));
    let out = run(&[&["verify", lock.to_str().unwrap(), "--no-cache", "--verify-sha256"][..], &LINUX_315T].concat());
    assert_eq!(out.status.code(), Some(2), "a wheel that is not the lock's file is an error");
    let text = stdout(&out);
    let row = text.lines().find(|l| l.trim_start().starts_with("abi3-abi3t-universal")).unwrap();
    assert!(row.contains(" unreadable "), "{row}");
    let real = sha256(&sample("abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1"));
    assert!(row.ends_with(&format!(": cannot fetch: sha256 is {real}, but the lock's sha256 is {wrong}")), "{row}");
    assert!(text.contains("blocked by abi3-abi3t-universal (unreadable: "), "{text}");
    // Every file was read whole.
    assert!(server.requests("/files/").iter().all(|(_, range)| range.is_none()));
}

#[test]
fn ok_the_survey_page_of_a_lock_shows_its_environment_grid() {
    let dir = scratch("lock-survey-page");
    let page = dir.join("page.html");
    let args = ["survey", "samples/locks/uv.lock", "--python", "3.15t", "--python", "3.14t"];
    let out = run(&[&args[..], &["--platform", "manylinux_2_28_x86_64", "--html", page.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    let start = html.find("<section id=\"environments\"").expect("an environments section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    // Per package row, the state in each target's column (3.15t, then 3.14t).
    let cells: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("<tr><th scope=\"row\">"))
        .map(|l| {
            let name = &l[20..l.find("</th>").unwrap()];
            let states: Vec<&str> = l.split("data-state=\"").skip(1).map(|c| c.split('"').next().unwrap()).collect();
            format!("{name}: {}", states.join(" | "))
        })
        .collect();
    assert_eq!(
        cells,
        [
            "abi3-abi3t-universal 0.2: loads | loads",
            "numpy 2.3.5: not installed | not installed",
            "orjson 3.11.4: no wheel | no wheel",
            "psutil 7.1.2: no wheel | loads",
            "rpds-py 2026.9.1: not installed | not installed",
        ]
    );
    assert!(section.contains(
        "<li>3.15t on manylinux_2_28_x86_64: 1 of 3 packages load; blocked by orjson (no wheel), psutil (no wheel)</li>"
    ));
    assert!(html.contains("<a href=\"#environments\">Environments</a>"));
}
