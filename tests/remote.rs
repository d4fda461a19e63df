//! Remote inputs against a real HTTP server on 127.0.0.1 (`tests/server.rs`)
//! serving a PEP 691 index over `samples/`: results equal the local ones,
//! range reads fetch less than the wheels, and every fault gives one line and
//! exit 2 while the other inputs are still reported.

use std::process::Output;

use crate::common::{root, run, stderr, stdout};
use crate::server::{RangeMode, Server};

/// Every project in `samples/`.
const PROJECTS: [&str; 8] = [
    "abi3_abi3t_universal",
    "argon2_cffi_bindings",
    "cryptography",
    "numpy",
    "orjson",
    "psutil",
    "pycryptodomex",
    "rpds_py",
];

fn samples_server() -> Server {
    Server::start(&root().join("samples"))
}

fn remote(server: &Server, args: &[&str]) -> Output {
    let index = server.index();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--index-url", &index, "--timeout", "5", "--no-cache"]);
    run(&all)
}

/// The one error line of a run for an input, and exit 2.
fn fails_with(o: &Output, input: &str, cause: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    let line = err.lines().find(|l| l.contains(input)).unwrap_or_else(|| panic!("no line names {input}: {err}"));
    assert!(line.contains(cause), "'{line}' does not say '{cause}'");
    assert!(!err.contains("panicked"), "{err}");
}

fn local_paths(json: &str, server: &Server) -> String {
    json.replace(&format!("{}/files/", server.base), "samples/")
}

#[test]
fn ok_survey_from_the_index_equals_survey_of_the_same_wheels_on_disk() {
    let server = samples_server();
    let mut args = vec!["survey", "--json"];
    args.extend(PROJECTS);
    let from_index = remote(&server, &args);
    assert_eq!(from_index.status.code(), Some(0), "{}", stderr(&from_index));
    let local = run(&["survey", "--json", "samples"]);
    assert_eq!(stdout(&from_index), stdout(&local));
}

#[test]
fn ok_check_and_inspect_from_the_index_equal_local_byte_for_byte() {
    let server = samples_server();
    for cmd in ["check", "inspect", "verify", "compare"] {
        let from_index = remote(&server, &[cmd, "--json", "abi3_abi3t_universal", "psutil"]);
        let mut local_args = vec![cmd, "--json"];
        let names: Vec<String> = crate::common::sample_wheels()
            .iter()
            .map(|p| crate::common::rel(p))
            .filter(|p| p.contains("/psutil-") || p.contains("/abi3_abi3t_universal-"))
            .collect();
        local_args.extend(names.iter().map(String::as_str));
        let local = run(&local_args);
        assert_eq!(from_index.status.code(), local.status.code(), "{cmd}: {}", stderr(&from_index));
        assert_eq!(local_paths(&stdout(&from_index), &server), stdout(&local), "{cmd}");
    }
}

#[test]
fn ok_range_reads_fetch_less_than_the_wheels() {
    let server = samples_server();
    let o = remote(&server, &["check", "numpy", "psutil==7.1.2", "--platform", "win_amd64"]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    let files = server.requests("/files/");
    assert!(!files.is_empty());
    assert!(files.iter().all(|(_, r)| r.is_some()), "every wheel request is ranged: {files:?}");
    let fetched: u64 = files
        .iter()
        .map(|(_, r)| {
            let (a, b) = r.as_deref().unwrap().strip_prefix("bytes=").unwrap().split_once('-').unwrap();
            b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1
        })
        .sum();
    let mut names: Vec<&str> = files.iter().map(|(p, _)| p.strip_prefix("/files/").unwrap()).collect();
    names.sort();
    names.dedup();
    let total: u64 = names.iter().map(|n| std::fs::metadata(root().join("samples").join(n)).unwrap().len()).sum();
    assert_eq!(names.len(), 3, "numpy's and psutil's two win_amd64 wheels: {names:?}");
    assert!(fetched * 100 < total * 60, "fetched {fetched} of {total} bytes");
}

#[test]
fn ok_wheel_url_and_html_index() {
    let server = samples_server();
    let url = format!("{}/files/psutil-7.1.2-cp37-abi3-win_amd64.whl", server.base);
    let o = run(&["check", "--json", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let local = run(&["check", "--json", "samples/psutil-7.1.2-cp37-abi3-win_amd64.whl"]);
    assert_eq!(local_paths(&stdout(&o), &server), stdout(&local));
    server.set(|f| f.html = true);
    let o = remote(&server, &["check", "psutil", "--platform", "win_amd64", "--python", "3.13t"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("psutil-7.1.2-cp313-cp313t-win_amd64.whl"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("abi3-win_amd64"), "--python 3.13t leaves the abi3 wheel out");
}

#[test]
fn ok_range_ignored_or_refused_falls_back_to_one_download() {
    let server = samples_server();
    let local =
        run(&["inspect", "--json", "samples/orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]);
    for mode in [RangeMode::Ignore, RangeMode::Refuse] {
        server.set(|f| f.range = mode);
        server.clear_log();
        let o = remote(&server, &["inspect", "--json", "orjson"]);
        assert_eq!(o.status.code(), Some(0), "{mode:?}: {}", stderr(&o));
        assert_eq!(local_paths(&stdout(&o), &server), stdout(&local), "{mode:?}");
        let full = server.requests("/files/").iter().filter(|(_, r)| r.is_none() || mode == RangeMode::Ignore).count();
        assert!(full >= 1, "{mode:?}");
        assert!(server.requests("/files/").len() <= 2, "{mode:?}: one ranged try, then one download at most");
    }
}

#[test]
fn ok_429_then_200_is_retried() {
    let server = samples_server();
    server.set(|f| f.too_many_first = 2);
    let o = remote(&server, &["check", "orjson"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(server.requests("/simple/orjson/").len() >= 3);
}

#[test]
fn err_unknown_project_and_no_wheel_for_the_filters_keep_the_others() {
    let server = samples_server();
    let o = remote(&server, &["check", "no-such-project", "orjson"]);
    fails_with(&o, "no-such-project", "no such project on the index");
    assert!(stdout(&o).contains("orjson-3.11.4"), "the good input is still reported: {}", stdout(&o));
    let o = remote(&server, &["check", "orjson", "--platform", "macosx_14_0_arm64"]);
    fails_with(&o, "orjson", "no wheel for the filters (--platform macosx_14_0_arm64)");
    let o = remote(&server, &["check", "orjson>=4"]);
    fails_with(&o, "orjson", "no release with wheels matches '>=4'");
}

type SetFault = Box<dyn Fn(&mut crate::server::Faults)>;

#[test]
fn err_faults_name_the_url_and_the_cause() {
    let server = samples_server();
    let cases: Vec<(&str, SetFault, &str)> = vec![
        ("404", Box::new(|f| f.files_404 = true), "not found (HTTP 404)"),
        ("content-range", Box::new(|f| f.wrong_content_range = true), "Content-Range 'bytes"),
        ("truncated", Box::new(|f| f.truncate = true), "reading the body: after"),
        (
            "sha256",
            Box::new(|f| {
                f.range = RangeMode::Ignore;
                f.wrong_sha256 = true;
            }),
            "but the index says",
        ),
        (
            "longer",
            Box::new(|f| {
                f.range = RangeMode::Refuse;
                f.size_plus_one = true;
            }),
            "ended after",
        ),
        ("garbage index", Box::new(|f| f.garbage_index = true), "is not valid PEP 691 JSON"),
    ];
    for (what, set, cause) in cases {
        server.set(|f| *f = Default::default());
        server.set(|f| set(f));
        let o = remote(&server, &["check", "orjson"]);
        let input = if what == "garbage index" { "orjson" } else { "/files/orjson-" };
        fails_with(&o, input, cause);
        assert_eq!(stderr(&o).lines().count(), 1, "{what}: {}", stderr(&o));
    }
}

#[test]
fn err_redirect_loop_and_slow_server() {
    let server = samples_server();
    let o = run(&["check", &format!("{}/loop/x-1.0-py3-none-any.whl", server.base)]);
    fails_with(&o, "/loop/", "redirect");
    server.set(|f| f.delay = Some(std::time::Duration::from_secs(3)));
    let o = run(&["check", "orjson", "--index-url", &server.index(), "--timeout", "1", "--no-cache"]);
    fails_with(&o, "orjson", "timeout");
}

#[test]
fn ok_local_path_wins_and_says_so() {
    let server = samples_server();
    let o = remote(&server, &["survey", "samples"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("'samples' is read as the local path"), "{}", stderr(&o));
    assert!(server.requests("/").is_empty(), "nothing fetched");
}

#[test]
fn ok_requirements_file() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-requirements");
    let file = dir.join("req.txt");
    std::fs::write(&file, "# what we depend on\npsutil==7.1.2  # system info\norjson>=3\n\n-i ignored\n").unwrap();
    let o = remote(&server, &["survey", "--json", "-r", file.to_str().unwrap(), "--platform", "manylinux_2_28_x86_64"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<&str> = json["projects"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["orjson", "psutil"]);
}

fn cached(server: &Server, dir: &std::path::Path, args: &[&str]) -> Output {
    let index = server.index();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--index-url", &index, "--timeout", "5", "--cache-dir", dir.to_str().unwrap()]);
    run(&all)
}

fn cache_entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn ok_second_run_reads_the_cache_and_fetches_no_wheel_bytes() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-cache-second-run");
    for cmd in ["survey", "check", "inspect"] {
        let first = cached(&server, &dir, &[cmd, "--json", "psutil", "orjson"]);
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        assert!(!server.requests("/files/").is_empty());
        server.clear_log();
        let second = cached(&server, &dir, &[cmd, "--json", "psutil", "orjson"]);
        assert_eq!(stdout(&second), stdout(&first), "{cmd}");
        assert_eq!(server.requests("/files/"), vec![], "{cmd}: the second run fetches nothing from the wheels");
        server.clear_log();
    }
    let entries = cache_entries(&dir);
    assert_eq!(entries.len(), 3 * 8, "one entry per wheel and kind of reading: {entries:?}");
    assert!(entries.iter().all(|p| p.extension().is_some_and(|e| e == "json")), "no temporary files left");
}

#[test]
fn ok_a_corrupt_cache_entry_is_replaced_not_trusted() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-cache-corrupt");
    let first = cached(&server, &dir, &["check", "--json", "orjson"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let entries = cache_entries(&dir);
    assert_eq!(entries.len(), 1);
    let good = std::fs::read(&entries[0]).unwrap();
    // A truncated entry, then one that parses but tells a different story.
    let lying = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"x86_64\"", "\"arm\"")
        .replace(env!("CARGO_PKG_VERSION"), "0.0.0");
    for bad in [good[..good.len() / 2].to_vec(), lying.into_bytes()] {
        std::fs::write(&entries[0], &bad).unwrap();
        server.clear_log();
        let again = cached(&server, &dir, &["check", "--json", "orjson"]);
        assert_eq!(stdout(&again), stdout(&first));
        assert!(!server.requests("/files/").is_empty(), "the wheel is read again");
        assert_eq!(std::fs::read(&entries[0]).unwrap(), good, "the entry is rewritten");
    }
}

#[test]
fn ok_a_failed_read_leaves_nothing_in_the_cache() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-cache-failure");
    server.set(|f| f.truncate = true);
    let o = cached(&server, &dir, &["survey", "orjson"]);
    fails_with(&o, "/files/orjson-", "reading the body");
    assert_eq!(cache_entries(&dir), Vec::<std::path::PathBuf>::new());
}

fn write(dir: &std::path::Path, name: &str, o: &Output) -> String {
    let path = dir.join(name);
    std::fs::write(&path, &o.stdout).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn ok_shards_reduced_equal_the_unsharded_report() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-shards");
    let whole = run(&["survey", "--json", "samples"]);
    assert_eq!(whole.status.code(), Some(0));
    let mut local = Vec::new();
    let mut remote_files = Vec::new();
    let mut releases = 0;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let o = run(&["survey", "--jsonl", "--shard", &shard, "samples"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        releases += stdout(&o).lines().count();
        local.push(write(&dir, &format!("local-{k}.jsonl"), &o));
        let mut args = vec!["survey", "--jsonl", "--shard", &shard];
        args.extend(PROJECTS);
        let o = remote(&server, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        remote_files.push(write(&dir, &format!("remote-{k}.jsonl"), &o));
    }
    assert_eq!(releases, PROJECTS.len(), "every release in exactly one shard");
    for files in [local, remote_files] {
        let mut args = vec!["survey", "--json", "--from-jsonl"];
        args.extend(files.iter().map(String::as_str));
        let reduced = run(&args);
        assert_eq!(reduced.status.code(), Some(0), "{}", stderr(&reduced));
        assert_eq!(stdout(&reduced), stdout(&whole));
    }
    let human = run(&[
        "survey",
        "--from-jsonl",
        &dir.join("local-1.jsonl").to_string_lossy(),
        &dir.join("local-2.jsonl").to_string_lossy(),
        &dir.join("local-3.jsonl").to_string_lossy(),
    ]);
    assert_eq!(stdout(&human), stdout(&run(&["survey", "samples"])));
}

#[test]
fn ok_resume_skips_what_an_interrupted_run_wrote() {
    let dir = crate::common::scratch("remote-resume");
    let full = run(&["survey", "--jsonl", "samples"]);
    let text = stdout(&full);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), PROJECTS.len());
    // Two whole records and half of the third, as a killed run leaves them.
    let partial = format!("{}\n{}\n{}", lines[0], lines[1], &lines[2][..lines[2].len() / 2]);
    let file = dir.join("run.jsonl");
    std::fs::write(&file, &partial).unwrap();
    let rest = run(&["survey", "--jsonl", "--resume", file.to_str().unwrap(), "samples"]);
    assert_eq!(rest.status.code(), Some(0), "{}", stderr(&rest));
    assert!(stderr(&rest).contains("2 releases already in the resumed file"), "{}", stderr(&rest));
    assert_eq!(
        stdout(&rest).lines().count(),
        PROJECTS.len() - 2 + 1,
        "a newline ends the cut line, then the 3 missing"
    );
    std::fs::write(&file, format!("{partial}{}", stdout(&rest))).unwrap();
    let reduced = run(&["survey", "--json", "--from-jsonl", file.to_str().unwrap()]);
    assert_eq!(stdout(&reduced), stdout(&run(&["survey", "--json", "samples"])));
    assert!(stderr(&reduced).contains("1 line that did not parse skipped"), "{}", stderr(&reduced));
}

#[test]
fn err_bad_shard_is_a_usage_error() {
    let o = run(&["survey", "--shard", "4/3", "samples"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'4/3' is not a shard"), "{}", stderr(&o));
}
