//! Remote inputs against a real HTTP server on 127.0.0.1 (`tests/server.rs`)
//! serving a PEP 691 index over `samples/`: results equal the local ones,
//! range reads fetch less than the wheels, and every fault gives one line and
//! exit 2 while the other inputs are still reported.

use std::process::Output;

use crate::common::{root, run, stderr, stdout};
use crate::server::{RangeMode, Server};

/// Every project in `samples/`.
const PROJECTS: [&str; 11] = [
    "abi3_abi3t_universal",
    "argon2_cffi_bindings",
    "cryptography",
    "markupsafe",
    "msgpack",
    "numpy",
    "orjson",
    "psutil",
    "pycryptodomex",
    "rpds_py",
    "xattr",
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
    let (mut from_index, mut local): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&stdout(&from_index)).unwrap(), serde_json::from_str(&stdout(&local)).unwrap());
    // The reports record what they were made from, and differ only there.
    let made_from = from_index.as_object_mut().unwrap().remove("made_from").unwrap();
    assert_eq!(made_from["inputs"], serde_json::json!(PROJECTS));
    assert_eq!(made_from["platform"], serde_json::Value::Null);
    assert_eq!(made_from["index"], server.index().as_str());
    assert_eq!(made_from["releases"], 1);
    let local_from = local.as_object_mut().unwrap().remove("made_from").unwrap();
    assert_eq!(
        local_from,
        serde_json::json!({"inputs": ["samples"], "platform": null, "python": null, "releases": null, "index": null, "shards": []})
    );
    assert_eq!(from_index, local);
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
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
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

/// The byte ranges asked of the server for one file, as (first, last) inclusive
/// (a request without `Range` is the HEAD that gives a URL's size).
fn ranges_asked(server: &Server, file: &str) -> Vec<(u64, u64)> {
    let path = format!("/files/{file}");
    let asked = server.requests(&path).into_iter().filter_map(|(_, r)| r);
    let parse = |r: String| {
        let (a, b) = r.strip_prefix("bytes=").unwrap().split_once('-').unwrap();
        (a.parse().unwrap(), b.parse().unwrap())
    };
    asked.map(parse).collect()
}

#[test]
fn ok_a_small_wheel_is_fetched_whole_at_once_and_no_byte_is_fetched_twice() {
    let server = samples_server();
    let small = "psutil-7.1.2-cp37-abi3-win_amd64.whl";
    let size = std::fs::metadata(root().join("samples").join(small)).unwrap().len();
    assert!(size <= 256 * 1024, "{size}");
    let url = format!("{}/files/{small}", server.base);
    let o = run(&["inspect", "--json", "--net-stats", "--no-cache", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(ranges_asked(&server, small), [(0, size - 1)], "one request for the whole file");
    assert!(stderr(&o).contains("fetched 0.2 MB of 0.2 MB (100.0 %) for 1 wheel;"), "{}", stderr(&o));
    let local = run(&["inspect", "--json", &format!("samples/{small}")]);
    assert_eq!(local_paths(&stdout(&o), &server), stdout(&local));
    // A larger wheel is read by ranges, none of which asks again for a byte already fetched.
    let large = "numpy-2.3.5-cp313-cp313t-win_amd64.whl";
    let o = run(&["check", "--no-cache", &format!("{}/files/{large}", server.base)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut asked = ranges_asked(&server, large);
    assert!(asked.len() >= 2, "{asked:?}");
    asked.sort_unstable();
    for pair in asked.windows(2) {
        assert!(pair[0].1 < pair[1].0, "overlapping requests: {asked:?}");
    }
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
    for mode in [RangeMode::Ignore, RangeMode::Refuse, RangeMode::NotImplemented] {
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
    fails_with(
        &o,
        "orjson",
        "no wheel for --platform macosx_14_0_arm64 in orjson 3.11.4, the newest release: \
         its 1 wheel is for other platforms (linux x86_64)",
    );
    let o = remote(&server, &["check", "orjson>=4"]);
    fails_with(&o, "orjson", "no release matches '>=4'");
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
            "but the index's sha256 is",
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

/// The analysis entries in a cache directory (index pages aside).
fn cache_entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut all = files_under(dir);
    all.retain(|p| p.extension().is_none_or(|e| e != "page"));
    all
}

/// The stored index pages in a cache directory.
fn cached_pages(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut all = files_under(dir);
    all.retain(|p| p.extension().is_some_and(|e| e == "page"));
    all
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
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
        // Each hit is proven by the wheel's own central directory: one request
        // per wheel, from the directory to the end of the file, nothing else.
        let files = server.requests("/files/");
        let wheels = 8;
        assert_eq!(files.len(), wheels, "{cmd}: one request per wheel: {files:?}");
        for (path, range) in &files {
            let size =
                std::fs::metadata(root().join("samples").join(path.strip_prefix("/files/").unwrap())).unwrap().len();
            let (from, to) = range.as_deref().unwrap().strip_prefix("bytes=").unwrap().split_once('-').unwrap();
            assert_eq!(to.parse::<u64>().unwrap(), size - 1, "{cmd}: {path} up to its end");
            assert!(size - from.parse::<u64>().unwrap() < size / 4, "{cmd}: {path}: only its directory");
        }
        server.clear_log();
    }
    let entries = cache_entries(&dir);
    assert_eq!(entries.len(), 3 * 8, "one entry per wheel and kind of reading: {entries:?}");
    assert!(entries.iter().all(|p| p.to_string_lossy().ends_with(".json.gz")), "no temporary files left");
    // Entries are gzip-compressed JSON: each is far smaller than the JSON it holds.
    let (mut stored, mut inflated) = (0, 0);
    for entry in &entries {
        let bytes = std::fs::read(entry).unwrap();
        let json = gunzip(&bytes);
        assert!(serde_json::from_slice::<serde_json::Value>(&json).is_ok(), "{}", entry.display());
        stored += bytes.len();
        inflated += json.len();
    }
    assert!(stored * 3 < inflated, "{stored} bytes stored for {inflated} bytes of JSON");
}

/// The bytes a gzip stream inflates to (the stream must be whole).
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

/// `bytes` gzip-compressed.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
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
    // A truncated entry, one with a flipped byte, then one that parses but tells a different story.
    let lying = String::from_utf8(gunzip(&good))
        .unwrap()
        .replace("\"x86_64\"", "\"arm\"")
        .replace(env!("CARGO_PKG_VERSION"), "0.0.0");
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    for bad in [good[..good.len() / 2].to_vec(), flipped, gzip(lying.as_bytes())] {
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
        releases += stdout(&o).lines().filter(|l| l.contains("\"release\":")).count();
        let header: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        assert_eq!(header["made_from"]["shards"], serde_json::json!([shard]), "each run says what it covers");
        local.push(write(&dir, &format!("local-{k}.jsonl"), &o));
        let mut args = vec!["survey", "--jsonl", "--shard", &shard];
        args.extend(PROJECTS);
        let o = remote(&server, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        remote_files.push(write(&dir, &format!("remote-{k}.jsonl"), &o));
    }
    assert_eq!(releases, PROJECTS.len(), "every release in exactly one shard");
    let without_origin = |o: &Output| {
        let mut doc: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
        doc.as_object_mut().unwrap().remove("made_from");
        doc
    };
    for (files, same_inputs) in [(local, true), (remote_files, false)] {
        let mut args = vec!["survey", "--json", "--from-jsonl"];
        args.extend(files.iter().map(String::as_str));
        let reduced = run(&args);
        assert_eq!(reduced.status.code(), Some(0), "{}", stderr(&reduced));
        if same_inputs {
            assert!(stdout(&reduced) == stdout(&whole), "the reduced shards are the unsharded report, byte for byte");
        } else {
            // Made from the projects on the index rather than the directory: equal but for that record.
            assert!(without_origin(&reduced) == without_origin(&whole), "{}", stdout(&reduced));
        }
    }
    let human = run(&[
        "survey",
        "--from-jsonl",
        &dir.join("local-1.jsonl").to_string_lossy(),
        &dir.join("local-2.jsonl").to_string_lossy(),
        &dir.join("local-3.jsonl").to_string_lossy(),
    ]);
    assert_eq!(stdout(&human), stdout(&run(&["survey", "samples"])));
    // Two shards of three are not the whole: the report says which it covers.
    let partial = run(&[
        "survey",
        "--json",
        "--from-jsonl",
        &dir.join("local-1.jsonl").to_string_lossy(),
        &dir.join("local-3.jsonl").to_string_lossy(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&partial)).unwrap();
    assert_eq!(doc["made_from"]["shards"], serde_json::json!(["1/3", "3/3"]));
    assert_eq!(doc["made_from"]["inputs"], serde_json::json!(["samples"]));
}

#[test]
fn ok_resume_skips_what_an_interrupted_run_wrote() {
    let dir = crate::common::scratch("remote-resume");
    let full = run(&["survey", "--jsonl", "samples"]);
    let text = stdout(&full);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), PROJECTS.len() + 1, "what the run was made from, then a line per release");
    assert!(lines[0].contains("\"made_from\":{\"inputs\":[\"samples\"]"), "{}", lines[0]);
    // Two whole records and half of the third, as a killed run leaves them.
    let partial = format!("{}\n{}\n{}\n{}", lines[0], lines[1], lines[2], &lines[3][..lines[3].len() / 2]);
    let file = dir.join("run.jsonl");
    std::fs::write(&file, &partial).unwrap();
    let rest = run(&["survey", "--jsonl", "--resume", file.to_str().unwrap(), "samples"]);
    assert_eq!(rest.status.code(), Some(0), "{}", stderr(&rest));
    assert!(stderr(&rest).contains("2 releases already in the resumed file"), "{}", stderr(&rest));
    assert_eq!(
        stdout(&rest).lines().count(),
        PROJECTS.len() - 2 + 2,
        "a newline ends the cut line, then what the run was made from and the 3 missing"
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

#[test]
fn ok_index_pages_are_revalidated_and_a_304_reuses_the_stored_page() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-index-pages");
    let args = ["survey", "--json", "psutil", "orjson", "numpy"];
    let first = cached(&server, &dir, &args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(server.page_counts(), (3, 0), "the first run reads each page whole");
    assert_eq!(cached_pages(&dir).len(), 3, "one stored page per project");
    let second = cached(&server, &dir, &args);
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(server.page_counts(), (3, 3), "the second run gets a 304 for each page");
    // --no-cache neither sends validators nor reads the stored pages.
    let o = remote(&server, &args);
    assert_eq!(stdout(&o), stdout(&first));
    assert_eq!(server.page_counts(), (6, 3));
    // Without an ETag, Last-Modified / If-Modified-Since revalidates the same way.
    let dir = crate::common::scratch("remote-index-pages-date");
    server.set(|f| {
        f.no_etag = true;
        f.last_modified = true;
        f.html = true;
    });
    let first = cached(&server, &dir, &["check", "--json", "orjson"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = cached(&server, &dir, &["check", "--json", "orjson"]);
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(server.page_counts(), (7, 4));
}

#[test]
fn ok_a_page_fresh_by_max_age_is_not_asked_for_again_unless_refresh() {
    let server = samples_server();
    server.set(|f| f.max_age = Some(600));
    let dir = crate::common::scratch("remote-index-pages-max-age");
    let args = ["survey", "--json", "psutil", "orjson"];
    let first = cached(&server, &dir, &args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(server.page_counts(), (2, 0));
    server.clear_log();
    let second = cached(&server, &dir, &[&args[..], &["--net-stats"]].concat());
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(server.page_counts(), (2, 0), "fresh pages are not asked for");
    assert!(server.requests("/simple/").is_empty(), "{:?}", server.requests("/simple/"));
    assert!(stderr(&second).contains("index: 2 pages, 0.0 MB (2 from the cache)"), "{}", stderr(&second));
    // --refresh asks anyway: the stored pages are revalidated (a 304 each).
    let refreshed = cached(&server, &dir, &[&args[..], &["--refresh"]].concat());
    assert_eq!(stdout(&refreshed), stdout(&first));
    assert_eq!(server.page_counts(), (2, 2));
    // A page whose lifetime is spent is revalidated.
    server.set(|f| f.max_age = Some(0));
    let _ = cached(&server, &dir, &["survey", "--json", "psutil", "orjson", "--refresh"]);
    assert_eq!(server.page_counts(), (2, 4));
    let _ = cached(&server, &dir, &args);
    assert_eq!(server.page_counts(), (2, 6), "max-age=0: asked every time");
}

#[test]
fn ok_index_max_age_serves_pages_the_index_gave_no_lifetime_then_asks_again() {
    let server = samples_server();
    // An index that sends neither validators nor Cache-Control (as PyPI's CDN may here).
    server.set(|f| f.no_etag = true);
    let dir = crate::common::scratch("remote-index-max-age");
    let args = ["survey", "--json", "psutil", "orjson"];
    let first = cached(&server, &dir, &args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(server.page_counts(), (2, 0));
    assert_eq!(cached_pages(&dir).len(), 2, "kept, for a later run with a lifetime");
    // By default such a page is asked for again every run.
    let again = cached(&server, &dir, &args);
    assert_eq!(stdout(&again), stdout(&first));
    assert_eq!(server.page_counts(), (4, 0));
    // Within --index-max-age no page is asked for: the stored pages give the same report.
    server.clear_log();
    let within = cached(&server, &dir, &[&args[..], &["--index-max-age", "1h", "--net-stats"]].concat());
    assert_eq!(stdout(&within), stdout(&first));
    assert!(server.requests("/simple/").is_empty(), "{:?}", server.requests("/simple/"));
    assert!(stderr(&within).contains("(2 from the cache)"), "{}", stderr(&within));
    // The environment variable does the same; the flag wins over it.
    let from_env = crate::common::uniabi()
        .args(args)
        .args(["--index-url", &server.index(), "--timeout", "5", "--cache-dir", dir.to_str().unwrap()])
        .env("UNIABI_INDEX_MAX_AGE", "10m")
        .output()
        .unwrap();
    assert_eq!(stdout(&from_env), stdout(&first));
    assert!(server.requests("/simple/").is_empty(), "{:?}", server.requests("/simple/"));
    let flag_wins = crate::common::uniabi()
        .args(args)
        .args(["--index-url", &server.index(), "--timeout", "5", "--cache-dir", dir.to_str().unwrap()])
        .args(["--index-max-age", "0"])
        .env("UNIABI_INDEX_MAX_AGE", "10m")
        .output()
        .unwrap();
    assert_eq!(stdout(&flag_wins), stdout(&first));
    assert_eq!(server.page_counts(), (6, 0), "--index-max-age 0 asks again");
    // Once the lifetime has run out the pages are asked for again (received 0 s ago: 0 s is spent).
    let spent = cached(&server, &dir, &[&args[..], &["--index-max-age", "0s"]].concat());
    assert_eq!(stdout(&spent), stdout(&first));
    assert_eq!(server.page_counts(), (8, 0));
    // --refresh asks whatever the lifetime.
    let _ = cached(&server, &dir, &[&args[..], &["--index-max-age", "1d", "--refresh"]].concat());
    assert_eq!(server.page_counts(), (10, 0));
    // The index's own lifetime wins over the user's: max-age=0 is asked for every run.
    server.set(|f| f.max_age = Some(0));
    let _ = cached(&server, &dir, &args);
    let _ = cached(&server, &dir, &[&args[..], &["--index-max-age", "1d"]].concat());
    assert_eq!(server.page_counts(), (14, 0), "max-age=0 from the index is honoured");
    // A lifetime that is not one is refused on one line, exit 2, before any request.
    for (bad, named) in [(["--index-max-age", "soon"].as_slice(), "'soon' is not a duration"), (&[][..], "")] {
        let mut c = crate::common::uniabi();
        c.args(args).args(["--index-url", &server.index(), "--cache-dir", dir.to_str().unwrap()]).args(bad);
        if bad.is_empty() {
            c.env("UNIABI_INDEX_MAX_AGE", "1 week");
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        let expected = if named.is_empty() { "UNIABI_INDEX_MAX_AGE: '1 week' is not a duration" } else { named };
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(server.page_counts(), (14, 0), "no request for a refused lifetime");
}

#[test]
fn ok_a_stored_page_keeps_the_newest_releases_whole_and_an_older_choice_fetches_it_again() {
    // orjson in six versions: 1.0 to 5.0 and a newer pre-release.
    let wheels = crate::common::scratch("remote-kept-releases-wheels");
    let tags = ["cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64"];
    for version in ["1.0", "2.0", "3.0", "4.0", "5.0", "5.1rc1"] {
        crate::survey::renamed("orjson-3.11.4", &wheels, "orjson", version, &tags);
    }
    let server = Server::start(&wheels);
    server.set(|f| f.no_etag = true);
    let dir = crate::common::scratch("remote-kept-releases");
    let run = |req: &str| {
        let o = cached(&server, &dir, &["check", "--json", req, "--index-max-age", "1h"]);
        assert_eq!(o.status.code(), Some(0), "{req}: {}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        doc.to_string()
    };
    let newest = run("orjson");
    assert!(newest.contains("orjson-5.0-cp313"), "{newest}");
    assert_eq!(server.page_counts(), (1, 0));
    // What was kept: every file's name, the URL and sha256 of the three newest final releases' and newer.
    let page = std::fs::read(&cached_pages(&dir)[0]).unwrap();
    let newline = page.iter().position(|&b| b == b'\n').unwrap();
    let kept: Vec<serde_json::Value> = serde_json::from_slice(&gunzip(&page[newline + 1..])).unwrap();
    let whole: Vec<&str> =
        kept.iter().filter(|f| f.get("url").is_some()).map(|f| f["filename"].as_str().unwrap()).collect();
    assert_eq!(kept.len(), 6);
    assert_eq!(whole.len(), 4, "5.1rc1, 5.0, 4.0, 3.0: {whole:?}");
    assert!(kept.iter().all(|f| f.get("url").is_some() == f.get("sha256").is_some()));
    // Within the lifetime: a kept release is read without asking for the page.
    let three = run("orjson==3.0");
    assert!(three.contains("orjson-3.0-cp313"), "{three}");
    assert_eq!(server.page_counts(), (1, 0), "answered from the kept page");
    // An older one was kept by name only: the page is fetched again, whole, and the answer is the same as without a cache.
    let one = run("orjson==1.0");
    assert_eq!(server.page_counts(), (2, 0), "fetched again for the stub");
    let o = remote(&server, &["check", "--json", "orjson==1.0"]);
    let uncached: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(one, uncached.to_string());
    assert!(one.contains("orjson-1.0-cp313"), "{one}");
}

#[test]
fn ok_report_and_page_record_the_list_and_the_filters() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-made-from");
    let list = dir.join("projects.txt");
    std::fs::write(&list, "psutil\norjson\n").unwrap();
    let page = dir.join("page.html");
    let o = remote(
        &server,
        &[
            "survey",
            "--json",
            "-r",
            list.to_str().unwrap(),
            "--platform",
            "manylinux_2_28_x86_64",
            "--html",
            page.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let made_from = &doc["made_from"];
    assert_eq!(made_from["inputs"], serde_json::json!([format!("-r {}", list.display())]));
    assert_eq!(made_from["platform"], "manylinux_2_28_x86_64");
    let html = std::fs::read_to_string(&page).unwrap();
    let lede = format!(
        "of <code>-r {}</code> with <code>--platform manylinux_2_28_x86_64</code> and <code>--index-url {}</code>: 2 releases of 2 projects",
        list.display(),
        server.index()
    );
    assert!(html.contains(&lede), "{html}");
}

#[test]
fn ok_each_host_is_looked_up_once_and_connections_are_reused() {
    let server = samples_server();
    server.set(|f| f.keep_alive = true);
    // The server named by a host name, so that reaching it takes a look-up.
    let index = format!("http://localhost:{}/simple/", server.authority().rsplit(':').next().unwrap());
    let mut args = vec!["survey", "--json", "--no-cache", "--net-stats", "-j", "4", "--index-url", &index];
    args.extend(PROJECTS);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let requests = server.requests("/").len();
    let stats = stderr(&o);
    assert!(stats.contains(&format!("; {requests} requests on ")), "{stats}");
    assert!(stats.ends_with(", 1 DNS look-up\n"), "one host, looked up once: {stats}");
    // At most one connection per worker (4) and the one the index pages came on, not one per request.
    assert!(requests > 40, "{requests} requests");
    assert!(server.connections() <= 5, "{} connections for {requests} requests", server.connections());
    assert!(stats.contains(&format!(" on {} connection", server.connections())), "{stats}");
}

/// A stored page's header (without the second it was received) and body.
fn without_received(stored: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let newline = stored.iter().position(|&b| b == b'\n').unwrap();
    let mut header: serde_json::Value = serde_json::from_slice(&stored[..newline]).unwrap();
    assert!(header.as_object_mut().unwrap().remove("received").is_some());
    (header, stored[newline..].to_vec())
}

#[test]
fn ok_a_corrupt_stored_page_is_replaced_and_a_changed_page_is_read_again() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-index-pages-corrupt");
    let first = cached(&server, &dir, &["check", "--json", "orjson"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let pages = cached_pages(&dir);
    assert_eq!(pages.len(), 1);
    let good = std::fs::read(&pages[0]).unwrap();
    // Cut, and with a body that is not the one stored (the wheels' sizes altered), compressed whole.
    let newline = good.iter().position(|&b| b == b'\n').unwrap();
    let body = String::from_utf8(gunzip(&good[newline + 1..])).unwrap().replace("\"size\":", "\"size\":9");
    let mut altered = good[..=newline].to_vec();
    altered.extend(gzip(body.as_bytes()));
    assert_ne!(altered, good);
    for bad in [good[..good.len() - 10].to_vec(), altered] {
        std::fs::write(&pages[0], &bad).unwrap();
        let before = server.page_counts();
        let again = cached(&server, &dir, &["check", "--json", "orjson"]);
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert_eq!(stdout(&again), stdout(&first));
        assert_eq!(server.page_counts(), (before.0 + 1, before.1), "the page is fetched whole, not revalidated");
        assert_eq!(
            without_received(&std::fs::read(&pages[0]).unwrap()),
            without_received(&good),
            "the stored page is replaced"
        );
    }
    // A page that changed on the index (its ETag with it) is read whole again.
    server.set(|f| f.html = true);
    let before = server.page_counts();
    let again = cached(&server, &dir, &["check", "--json", "orjson"]);
    assert_eq!(stdout(&again), stdout(&first));
    assert_eq!(server.page_counts(), (before.0 + 1, before.1));
    assert_ne!(std::fs::read(&pages[0]).unwrap(), good, "the new page is stored");
    assert!(files_under(&dir).iter().all(|p| !p.to_string_lossy().ends_with(".tmp")), "no temporary files left");
}

/// Run `uniabi ARGS` against the server with its temporary files in `tmp`.
fn remote_in(server: &Server, tmp: &std::path::Path, args: &[&str]) -> Output {
    let index = server.index();
    crate::common::uniabi()
        .args(args)
        .args(["--index-url", &index, "--timeout", "5", "--no-cache"])
        .env("TMPDIR", tmp)
        .output()
        .expect("uniabi runs")
}

/// Every file of a directory: name → bytes.
fn files_of(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn ok_merge_of_urls_and_projects_equals_merge_of_the_same_wheels_on_disk() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-merge");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let pair = [
        "psutil-7.1.2-cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
        "psutil-7.1.2-cp314-cp314t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
    ];
    let universal: Vec<String> = crate::common::sample_wheels()
        .iter()
        .map(|p| crate::common::rel(p))
        .filter(|p| p.contains("/abi3_abi3t_universal-"))
        .collect();
    assert_eq!(universal.len(), 4);
    let linux_psutil: Vec<String> = crate::common::sample_wheels()
        .iter()
        .map(|p| crate::common::rel(p))
        .filter(|p| p.contains("/psutil-") && p.contains("manylinux_2_28"))
        .collect();
    assert_eq!(linux_psutil.len(), 3);
    let urls: Vec<String> = pair.iter().map(|n| format!("{}/files/{n}", server.base)).collect();
    let locals: Vec<String> = pair.iter().map(|n| format!("samples/{n}")).collect();
    // (what, remote arguments, local arguments, exit code): the universal project's wheels are
    // refused as one group (1); a single wheel is unchanged (0, nothing written).
    let cases: Vec<(&str, Vec<&str>, Vec<&str>, i32)> = vec![
        ("urls", urls.iter().map(String::as_str).collect(), locals.iter().map(String::as_str).collect(), 0),
        ("project", vec!["abi3_abi3t_universal"], universal.iter().map(String::as_str).collect(), 1),
        (
            "filtered project",
            vec!["psutil", "--platform", "manylinux_2_28_x86_64", "--python", "3.14t"],
            vec![locals[1].as_str()],
            0,
        ),
        (
            "abi3 and free-threaded",
            vec!["psutil==7.1.2", "--platform", "manylinux_2_28_x86_64", "--metadata-from", pair[0]],
            vec![&linux_psutil[0], &linux_psutil[1], &linux_psutil[2], "--metadata-from", pair[0]],
            0,
        ),
    ];
    let written = ["urls", "abi3 and free-threaded"];
    for (what, remote_args, local_args, expected) in cases {
        let (out_remote, out_local) = (dir.join("out-remote"), dir.join("out-local"));
        let _ = std::fs::remove_dir_all(&out_remote);
        let _ = std::fs::remove_dir_all(&out_local);
        server.clear_log();
        let mut args = vec!["merge", "--json", "-o", out_remote.to_str().unwrap()];
        args.extend(&remote_args);
        let from_index = remote_in(&server, &tmp, &args);
        let mut args = vec!["merge", "--json", "-o", out_local.to_str().unwrap()];
        args.extend(&local_args);
        let local = run(&args);
        assert_eq!(from_index.status.code(), local.status.code(), "{what}: {}", stderr(&from_index));
        assert_eq!(local.status.code(), Some(expected), "{what}: {}", stderr(&local));
        let doc = local_paths(&stdout(&from_index), &server).replace("out-remote", "out-local");
        assert_eq!(doc, stdout(&local), "{what}: the same report");
        assert_eq!(out_local.exists(), written.contains(&what), "{what}: {}", stderr(&local));
        if out_local.exists() {
            assert_eq!(files_of(&out_remote), files_of(&out_local), "{what}: the same files, byte for byte");
        } else {
            assert!(!out_remote.exists(), "{what}");
        }
        let files = server.requests("/files/");
        assert!(!files.is_empty() && files.iter().all(|(_, r)| r.is_none()), "{what}: whole downloads: {files:?}");
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "{what}: the downloads are removed");
    }
}

#[test]
fn err_merge_faults_name_the_input_and_write_nothing() {
    let server = samples_server();
    let dir = crate::common::scratch("remote-merge-faults");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = dir.join("out");
    let cases: Vec<(&str, SetFault, &str)> = vec![
        ("404", Box::new(|f| f.files_404 = true), "not found (HTTP 404)"),
        ("truncated", Box::new(|f| f.truncate = true), "reading the body: after"),
        ("sha256", Box::new(|f| f.wrong_sha256 = true), "but the index's sha256 is"),
        ("shorter", Box::new(|f| f.size_plus_one = true), "ended after"),
        ("503", Box::new(|f| f.files_503 = true), "HTTP 503"),
        ("garbage index", Box::new(|f| f.garbage_index = true), "is not valid PEP 691 JSON"),
    ];
    for (what, set, cause) in cases {
        server.set(|f| *f = Default::default());
        server.set(|f| set(f));
        let o = remote_in(&server, &tmp, &["merge", "-o", out.to_str().unwrap(), "psutil", "--platform", "win_amd64"]);
        let input = if what == "garbage index" { "psutil" } else { "/files/psutil-" };
        fails_with(&o, input, cause);
        assert!(!out.exists(), "{what}: nothing written");
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "{what}: no download left behind");
    }
    server.set(|f| *f = Default::default());
    let o = remote_in(&server, &tmp, &["merge", "-o", out.to_str().unwrap(), "no-such-project", "psutil"]);
    fails_with(&o, "no-such-project", "no such project on the index");
    assert!(!out.exists());
}

#[test]
fn ok_verify_with_python_and_platform_reads_the_wheel_an_installer_picks() {
    let dir = crate::common::scratch("remote-installer");
    let index = dir.join("index");
    std::fs::create_dir_all(&index).unwrap();
    for p in crate::common::sample_wheels() {
        std::fs::copy(&p, index.join(p.file_name().unwrap())).unwrap();
    }
    // A newer orjson release that has only its sdist: an installer would build it.
    std::fs::write(index.join("orjson-3.12.0.tar.gz"), b"not read").unwrap();
    let server = Server::start(&index);
    let req = dir.join("req.txt");
    std::fs::write(&req, "argon2-cffi-bindings\npsutil==7.1.2\norjson\norjson<3.12\n").unwrap();
    let linux = "manylinux_2_28_x86_64";
    let verify = |python: &str| {
        let o = remote(
            &server,
            &["verify", "--json", "-r", req.to_str().unwrap(), "--python", python, "--platform", linux],
        );
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|_| panic!("{}", stderr(&o)));
        (o.status.code(), doc)
    };
    let picked = |doc: &serde_json::Value| -> Vec<String> {
        doc["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let path = i["path"].as_str().unwrap();
                path.rsplit('/').next().unwrap().to_string()
            })
            .collect()
    };
    let (code, doc) = verify("3.14t");
    assert_eq!(
        picked(&doc),
        [
            "argon2_cffi_bindings-26.2.0-cp314-cp314t-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
            "psutil-7.1.2-cp314-cp314t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl",
            "orjson",
            "orjson<3.12",
        ]
    );
    assert_eq!(code, Some(1), "no wheel for orjson is a failure, not an unreadable input");
    assert_eq!(doc["inputs"][0]["ok"], true);
    assert!(doc["inputs"][0]["resolutions"].as_array().unwrap().iter().all(|r| r["python"] == "3.14t"));
    assert_eq!(
        doc["inputs"][2]["no_wheel"],
        "no wheel for 3.14t on manylinux_2_28_x86_64 in orjson 3.12.0: sdist only"
    );
    assert_eq!(
        doc["inputs"][3]["no_wheel"],
        "no wheel for 3.14t on manylinux_2_28_x86_64 in any release (the newest, 3.11.4, has 1 wheel, none that fit, \
         and no sdist)"
    );
    // 3.15t: cp315-abi3t over the older releases' wheels; psutil has none for it.
    let (_, doc) = verify("3.15t");
    assert_eq!(
        picked(&doc)[0],
        "argon2_cffi_bindings-26.2.0-cp315-abi3.abi3t-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl"
    );
    assert!(doc["inputs"][1]["no_wheel"].as_str().unwrap().starts_with("no wheel for 3.15t"), "{doc:#}");
    // 3.13 (GIL): cp310-abi3 is the one argon2 wheel it takes; pinned orjson has its cp313 wheel.
    let (_, doc) = verify("3.13");
    let names = picked(&doc);
    assert_eq!(names[0], "argon2_cffi_bindings-26.2.0-cp310-abi3-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl");
    assert_eq!(names[1], "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl");
    assert_eq!(names[3], "orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    // The human report says it per requirement; survey of the same file still reads every wheel.
    let o = remote(&server, &["verify", "-r", req.to_str().unwrap(), "--python", "3.14t", "--platform", linux]);
    assert!(
        stdout(&o).contains("orjson: FAILS: no wheel for 3.14t on manylinux_2_28_x86_64 in orjson 3.12.0: sdist only"),
        "{}",
        stdout(&o)
    );
    let o =
        remote(&server, &["survey", "--json", "-r", req.to_str().unwrap(), "--python", "3.14t", "--platform", linux]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json.to_string().contains("psutil"));
}

#[test]
fn ok_a_project_without_a_wheel_for_the_platform_is_a_finding_with_its_reason() {
    let server = samples_server();
    let mut args = vec!["survey", "--json", "--platform", "manylinux_2_28_x86_64"];
    args.extend(PROJECTS);
    let o = remote(&server, &args);
    assert_eq!(o.status.code(), Some(0), "a finding, not an error: {}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["no_wheel"],
        serde_json::json!([
            {"project": "cryptography", "why": "no wheel for --platform manylinux_2_28_x86_64 in cryptography 50.0.2, \
              the newest release: its manylinux x86_64 wheels need manylinux_2_34_x86_64 or newer"},
            {"project": "markupsafe", "why": "no wheel for --platform manylinux_2_28_x86_64 in markupsafe 3.0.4, \
              the newest release: its 3 wheels are for other platforms (android arm64_v8a, ios arm64, ios-simulator x86_64)"},
            {"project": "msgpack", "why": "no wheel for --platform manylinux_2_28_x86_64 in msgpack 1.2.4, \
              the newest release: its 1 wheel is for other platforms (emscripten wasm32)"},
            {"project": "numpy", "why": "no wheel for --platform manylinux_2_28_x86_64 in numpy 2.3.5, \
              the newest release: its 1 wheel is for other platforms (windows amd64)"},
        ])
    );
    assert_eq!((doc["summary"]["no_wheel"].as_u64(), doc["summary"]["projects"].as_u64()), (Some(4), Some(7)));
    let text = remote(&server, &[&args[..1], &args[2..]].concat());
    assert_eq!(text.status.code(), Some(0));
    assert!(stdout(&text).contains("  no wheel for the filters           4 more projects\n"), "{}", stdout(&text));
    assert!(stdout(&text).contains("\nNo wheel for the filters:\n  cryptography: no wheel for"), "{}", stdout(&text));
    // The same in JSONL, and reduced.
    let lines = remote(&server, &[&["survey", "--jsonl"], &args[2..]].concat());
    assert_eq!(lines.status.code(), Some(0));
    assert_eq!(stdout(&lines).matches("\"no_wheel\":{\"project\"").count(), 4);
}

#[test]
fn ok_the_newest_release_is_surveyed_and_going_back_is_asked_for_and_marked() {
    let dir = crate::common::scratch("remote-newest");
    let wheel = "psutil-7.1.2-cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl";
    std::fs::copy(root().join("samples").join(wheel), dir.join(wheel)).unwrap();
    // A newer release with an sdist alone.
    std::fs::write(dir.join("psutil-7.2.0.tar.gz"), b"not read").unwrap();
    let server = Server::start(&dir);
    let args = ["survey", "--json", "psutil", "--platform", "manylinux_2_28_x86_64"];
    let o = remote(&server, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let why = "no wheel for --platform manylinux_2_28_x86_64 in psutil 7.2.0, the newest release: sdist only";
    assert_eq!(doc["no_wheel"], serde_json::json!([{"project": "psutil", "why": why}]));
    assert_eq!(doc["projects"], serde_json::json!([]));
    let back = remote(&server, &[&args[..], &["--newest-with-wheels"]].concat());
    assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&back)).unwrap();
    assert_eq!(doc["projects"][0]["version"], "7.1.2");
    assert_eq!(doc["projects"][0]["passed_over"], why, "the older release is marked");
    assert_eq!(doc["no_wheel"], serde_json::json!([]));
    let text = remote(&server, &["survey", "psutil", "--platform", "manylinux_2_28_x86_64", "--newest-with-wheels"]);
    assert!(stdout(&text).contains(&format!("    not the newest release: {why}\n")), "{}", stdout(&text));
}

/// A mistyped directory (`merged2`) could be a project too: the one line says
/// there is neither a path nor a project of that name, and the other inputs are reported.
#[test]
fn err_name_that_is_no_path_nor_project_says_both() {
    let server = samples_server();
    let o = remote(&server, &["check", "merged2", "samples/psutil-7.1.2-cp37-abi3-win_amd64.whl"]);
    fails_with(&o, "merged2", "merged2: no file or directory of that name, and no such project on the index (");
    let err = stderr(&o);
    assert_eq!(err.matches("no such project").count(), 1, "{err}");
    assert!(stdout(&o).contains("psutil-7.1.2-cp37-abi3-win_amd64.whl: pass"), "{}", stdout(&o));
}

/// `-r FILE` reads the projects its lines name and says which option lines it skipped
/// (an editable install of the project itself, an index URL without its credentials).
#[test]
fn ok_requirements_file_names_the_lines_it_skips() {
    let server = samples_server();
    let dir = crate::common::scratch("requirements-skipped");
    let file = dir.join("requirements.txt");
    std::fs::write(
        &file,
        "-e .\n--extra-index-url https://user:secret@example.invalid/simple\npsutil==7.1.2  # pinned\n",
    )
    .unwrap();
    let o = remote(&server, &["check", "-r", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let note = err.lines().find(|l| l.starts_with("uniabi: note: ")).unwrap_or_else(|| panic!("no note: {err}"));
    assert!(note.contains("skipped -e ., --extra-index-url https://"), "{note}");
    assert!(!err.contains("secret"), "{err}");
    assert!(stdout(&o).ends_with("7 inputs: 7 pass, 0 fail, 0 unreadable\n"), "{}", stdout(&o));
}

/// A library's CPython imports are in its dynamic tables, near its start: a
/// big library read by ranges is inflated only as far as they go, and reads
/// as it does whole, for `inspect` and for `survey` (whose RECORD check takes
/// the row of a library left early as stated, as it does for members not read).
#[test]
fn ok_a_big_library_read_from_its_start_by_ranges_reads_as_it_does_whole() {
    let dir = crate::common::scratch("remote-library-prefix");
    let name = "pycryptodomex-3.24.2-cp37-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl";
    let mut members = crate::common::read_members(&root().join("samples").join(name));
    let (library, data) = members.iter_mut().find(|(n, _)| n.ends_with("_raw_aes.abi3.so")).unwrap();
    let library = library.clone();
    // 24 MiB of bytes no deflate stream shrinks, past the end of its sections.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    data.extend((0..(24 << 20) / 8).flat_map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.to_le_bytes()
    }));
    let wheel = dir.join(name);
    crate::common::write_wheel(&wheel, &members);
    let server = Server::start(&dir);
    let url = format!("{}/files/{name}", server.base);
    for (command, field) in [("inspect", "inputs"), ("survey", "projects")] {
        // By name: the index gives the size, so every request is a range.
        let far = remote(&server, &[command, "--json", "pycryptodomex"]);
        assert_eq!(far.status.code(), Some(0), "{command}: {}", stderr(&far));
        let near = run(&[command, "--json", wheel.to_str().unwrap()]);
        assert_eq!(near.status.code(), Some(0), "{command}: {}", stderr(&near));
        let json = |o: &Output, path: &str| {
            let text = stdout(o).replace(path, "WHEEL");
            serde_json::from_str::<serde_json::Value>(&text).unwrap()[field].clone()
        };
        assert_eq!(json(&far, &url), json(&near, wheel.to_str().unwrap()), "{command}");
        assert!(stdout(&near).contains(&library) || command == "survey", "the padded library is read");
    }
}
