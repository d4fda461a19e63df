//! `uniabi survey`: the samples directory (golden human, JSON and CSV output),
//! and a wheelhouse built at test time whose summary is checked figure by figure.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

const LINUX: &str = "manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64";

/// Run `uniabi survey ARGS...`: exit code, stdout, stderr.
fn survey(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["survey"];
    all.extend_from_slice(args);
    let out = run(&all);
    (out.status.code().unwrap(), stdout(&out), stderr(&out))
}

/// The release record of `name` `version`.
fn release<'a>(doc: &'a Value, name: &str, version: &str) -> &'a Value {
    doc["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name && r["version"] == version)
        .unwrap_or_else(|| panic!("no release {name} {version}"))
}

fn platform<'a>(r: &'a Value, family: &str) -> &'a Value {
    r["platforms"].as_array().unwrap().iter().find(|p| p["platform"] == family).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

#[test]
fn ok_samples_golden() {
    let (code, human, err) = survey(&["samples"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    golden("survey/samples.txt", &human);
    let (code, json, err) = survey(&["--json", "samples"]);
    assert_eq!(code, 0, "{err}");
    golden("survey/samples.json", &json);
    let (code, csv, err) = survey(&["--csv", "samples"]);
    assert_eq!(code, 0, "{err}");
    golden("survey/samples.csv", &csv);

    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["schema"], "uniabi/survey/1");
    let names: Vec<&str> = doc["projects"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["abi3_abi3t_universal", "cryptography", "numpy", "orjson", "psutil"]);

    // psutil 7.1.2: abi3 wheels for GIL builds and cp313t/cp314t wheels, on three platforms;
    // the manylinux2010/2_12/2_28 wheels are one platform, `linux x86_64`.
    let psutil = release(&doc, "psutil", "7.1.2");
    assert_eq!(psutil["wheels"], 7);
    assert_eq!(psutil["free_threaded"], true);
    assert_eq!(strings(&psutil["free_threaded_via"]), ["cp313t", "cp314t"]);
    assert_eq!(psutil["pep803"]["qualifies"], false);
    assert_eq!(psutil["pep803"]["top_blockers"][0], serde_json::json!({"symbol": "PyModule_Create2", "count": 7}));
    let linux = platform(psutil, "linux x86_64");
    assert_eq!(linux["wheels"], 3);
    // abi3 + cp313t + cp314t share one platform tag set: one fat wheel (METADATA from the cp314t wheel).
    assert_eq!(linux["wheels_after_merge"], 1);
    assert_eq!(strings(&linux["free_threaded"]), ["3.13t", "3.14t"]);
    assert!(strings(&linux["inputs"]).iter().all(|i| i.ends_with(&format!("{LINUX}.whl"))));
    let macos = platform(psutil, "macos arm64");
    assert_eq!(strings(&macos["free_threaded"]), ["3.14t"]);
    // 2 + 2 + 3 wheels become one fat wheel per platform.
    assert_eq!(psutil["wheels_after_merge"], 3);

    // orjson serves 3.13 only: not loadable on free-threaded CPython.
    let orjson = release(&doc, "orjson", "3.11.4");
    assert_eq!(orjson["free_threaded"], false);
    assert_eq!(strings(&platform(orjson, "linux x86_64")["serves"]), ["3.13"]);

    let cryptography = release(&doc, "cryptography", "50.0.2");
    assert_eq!(cryptography["pep803"]["qualifies"], true);
    assert_eq!(strings(&cryptography["free_threaded_via"]), ["abi3t"]);

    // Summary over 5 projects (one release each): free-threaded are all but orjson (4);
    // wheels 4 + 1 + 1 + 1 + 7 = 14; after merge 4 + 1 + 1 + 1 + 3 = 10 (the universal demo keeps
    // its 4: each of its wheels still serves 3.13/3.14, and its two Windows builds share a name).
    let s = &doc["summary"];
    assert_eq!((s["projects"].as_u64(), s["free_threaded"].as_u64()), (Some(5), Some(4)));
    assert_eq!((s["wheels"].as_u64(), s["wheels_after_merge"].as_u64()), (Some(14), Some(10)));
    assert!(human.contains("  wheels                             14 now, 10 after merge\n"), "{human}");
    assert!(csv.starts_with("name,version,wheels,wheels_after_merge,free_threaded,"));
    assert_eq!(csv.lines().count(), 6);
}

/// A copy of `wheel`'s sample as project `name` version `version`: `.dist-info`
/// renamed and METADATA's Name and Version rewritten.
pub(crate) fn renamed(sample_part: &str, dir: &Path, name: &str, version: &str, tags: &[&str]) -> std::path::PathBuf {
    let src = sample(sample_part);
    let file = src.file_name().unwrap().to_string_lossy().into_owned();
    let (old_name, rest) = file.split_once('-').unwrap();
    let (old_version, tail) = rest.split_once('-').unwrap();
    let old_dist = format!("{old_name}-{old_version}.dist-info/");
    let new_dist = format!("{name}-{version}.dist-info/");
    retag(sample_part, dir, &format!("{name}-{version}-{tail}"), tags, |members| {
        for (n, data) in members.iter_mut() {
            if let Some(rest) = n.strip_prefix(&old_dist).map(str::to_string) {
                *n = format!("{new_dist}{rest}");
                if rest == "METADATA" {
                    let text = String::from_utf8(data.clone()).unwrap();
                    let text: String = text
                        .lines()
                        .map(|l| {
                            if l.starts_with("Version: ") {
                                format!("Version: {version}\n")
                            } else if l.starts_with("Name: ") {
                                format!("Name: {name}\n")
                            } else {
                                format!("{l}\n")
                            }
                        })
                        .collect();
                    *data = text.into_bytes();
                }
            }
        }
    })
}

/// A pure-Python `py3-none-any` wheel.
pub(crate) fn pure(dir: &Path, name: &str, version: &str) {
    let dist = format!("{name}-{version}.dist-info");
    let members: Members = vec![
        (format!("{name}/__init__.py"), format!("VERSION = '{version}'\n").into_bytes()),
        (format!("{dist}/METADATA"), format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").into_bytes()),
        (
            format!("{dist}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        ),
    ];
    write_wheel(&dir.join(format!("{name}-{version}-py3-none-any.whl")), &members);
}

pub(crate) fn copy_sample(part: &str, dir: &Path) {
    let src = sample(part);
    std::fs::copy(&src, dir.join(src.file_name().unwrap())).unwrap();
}

#[test]
fn ok_wheelhouse_summary_figure_by_figure() {
    let dir = scratch("survey-wheelhouse");
    // psutil 7.1.2: all seven samples (newest psutil release).
    for p in ["cp313-cp313t-many", "cp313-cp313t-win", "cp314-cp314t-mac", "cp314-cp314t-many", "cp36-abi3-mac"] {
        copy_sample(&format!("psutil-7.1.2-{p}"), &dir);
    }
    for p in ["cp36-abi3-many", "cp37-abi3-win"] {
        copy_sample(&format!("psutil-7.1.2-{p}"), &dir);
    }
    let linux_tags: Vec<String> = LINUX.split('.').map(|p| format!("cp36-abi3-{p}")).collect();
    let linux_tags: Vec<&str> = linux_tags.iter().map(String::as_str).collect();
    // psutil 7.1.1: an older release, abi3 only (not free-threaded): must not count in the summary.
    renamed("psutil-7.1.2-cp36-abi3-many", &dir, "psutil", "7.1.1", &linux_tags);
    // psutil_fork 1.0: another project with psutil's abi3 macOS binary, so PyModule_Create2 blocks two projects.
    renamed("psutil-7.1.2-cp36-abi3-macosx", &dir, "psutil_fork", "1.0", &["cp36-abi3-macosx_11_0_arm64"]);
    copy_sample("cryptography", &dir);
    copy_sample("orjson", &dir);
    // orjson 3.9.15, pure: older than 3.11.4 numerically, newer as text; must not count.
    pure(&dir, "orjson", "3.9.15");
    pure(&dir, "purely", "1.0");
    copy_sample("abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1", &dir);
    // An unreadable wheel: reported, exit 2, the others still surveyed.
    std::fs::write(dir.join("broken-1.0-py3-none-any.whl"), b"not a zip").unwrap();

    let (code, json, err) = survey(&["--json", &dir.to_string_lossy()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("uniabi: error: ") && err.contains("broken-1.0-py3-none-any.whl"), "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["errors"].as_array().unwrap().len(), 1);

    // The older releases are surveyed, each with its own row.
    let old = release(&doc, "psutil", "7.1.1");
    assert_eq!((old["wheels"].as_u64(), old["free_threaded"].as_bool()), (Some(1), Some(false)));
    let old_orjson = release(&doc, "orjson", "3.9.15");
    assert_eq!(old_orjson["pure"], true);
    assert_eq!(old_orjson["free_threaded"], true);
    assert_eq!(strings(&old_orjson["free_threaded_via"]), ["pure"]);
    assert_eq!(old_orjson["pep803"]["qualifies"], Value::Null);
    let purely = release(&doc, "purely", "1.0");
    assert_eq!(strings(&platform(purely, "any")["serves"]).len(), 11, "a py3-none-any wheel serves every interpreter");

    let s = &doc["summary"];
    // Releases: psutil 7.1.2 and 7.1.1, psutil_fork 1.0, cryptography 50.0.2, orjson 3.11.4
    // and 3.9.15, purely 1.0, abi3_abi3t_universal 0.2 = 8 (the broken wheel is no release).
    assert_eq!(s["releases"], 8);
    // Projects, newest release each: psutil 7.1.2, psutil_fork 1.0, cryptography 50.0.2,
    // orjson 3.11.4 (3.11 > 3.9 numerically), purely 1.0, abi3_abi3t_universal 0.2 = 6.
    assert_eq!(s["projects"], 6);
    // Free-threaded: psutil (cp313t, cp314t), cryptography (abi3t), purely (pure),
    // abi3_abi3t_universal (abi3t); not psutil_fork (abi3 only) nor orjson 3.11.4 (cp313) = 4.
    // (Picking psutil 7.1.1 would give 3; picking orjson 3.9.15 would give 5.)
    assert_eq!(s["free_threaded"], 4);
    // Wheels now: psutil 7 + psutil_fork 1 + cryptography 1 + orjson 1 + purely 1 + abi3_abi3t_universal 1 = 12.
    assert_eq!(s["wheels"], 12);
    // After merge --scheme auto: psutil 3 (one fat wheel per platform: linux 3 -> 1, macOS 2 -> 1,
    // Windows 2 -> 1); psutil_fork, orjson and purely 1 each (a fat wheel of the one input);
    // cryptography 1 (cp315-abi3.abi3t already: the pep803 wheel serves all it served);
    // abi3_abi3t_universal 1 (its binary qualifies, but the one input still serves 3.13/3.14,
    // which a cp315 wheel cannot, so auto keeps it as one fat wheel) = 3 + 1 + 1 + 1 + 1 + 1 = 8.
    assert_eq!(s["wheels_after_merge"], 8);
    // PEP 803: cryptography and abi3_abi3t_universal qualify; psutil, psutil_fork and orjson are
    // blocked; purely has no binaries (n/a, not counted) = 2. The PEP 809 prototype: the same 2.
    assert_eq!(s["pep803_qualifies"], 2);
    assert_eq!(s["pep809_qualifies"], 2);
    // Blocking symbols per project (check --abi abi3t; python*.dll names count under dll-mismatch only):
    //   psutil: PyModule_Create2, PyMutex_Lock, PyMutex_Unlock, PyUnstable_Module_SetGIL,
    //           _Py_DecRefShared, _Py_MergeZeroLocalRefcount
    //   psutil_fork: PyModule_Create2
    //   orjson: PyModuleDef_Init, PyType_GetDict, PyUnicode_New, _PyBytes_Resize, _PyDict_NewPresized,
    //           _PyDict_SetItem_KnownHash_LockHeld, _PyLong_AsByteArray, _Py_HashBytes
    // PyModule_Create2 blocks 2 projects; the 13 others 1 each, taken by name (byte order:
    // upper case before `_`) until there are 10.
    let top: Vec<(String, u64)> = s["top_blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["symbol"].as_str().unwrap().to_string(), b["projects"].as_u64().unwrap()))
        .collect();
    let expected: Vec<(String, u64)> = [
        ("PyModule_Create2", 2),
        ("PyModuleDef_Init", 1),
        ("PyMutex_Lock", 1),
        ("PyMutex_Unlock", 1),
        ("PyType_GetDict", 1),
        ("PyUnicode_New", 1),
        ("PyUnstable_Module_SetGIL", 1),
        ("_PyBytes_Resize", 1),
        ("_PyDict_NewPresized", 1),
        ("_PyDict_SetItem_KnownHash_LockHeld", 1),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_string(), n))
    .collect();
    assert_eq!(top, expected);
    // Blocking codes per project: psutil {abi3t-no-modexport, abi3t-unusable, dll-mismatch,
    // internal-symbol, symbol-not-in-abi}; psutil_fork {abi3t-no-modexport, abi3t-unusable};
    // orjson {abi3t-no-modexport, abi3t-unusable, symbol-not-in-abi}.
    assert_eq!(
        s["top_blocking_codes"],
        serde_json::json!([
            {"code": "abi3t-no-modexport", "projects": 3},
            {"code": "abi3t-unusable", "projects": 3},
            {"code": "symbol-not-in-abi", "projects": 2},
            {"code": "dll-mismatch", "projects": 1},
            {"code": "internal-symbol", "projects": 1},
        ])
    );

    // The same figures in the human summary; no progress line off a terminal.
    let (code, human, err) = survey(&[&dir.to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(!err.contains('\r'), "{err}");
    assert!(human.contains("(6 projects, 8 releases surveyed)"), "{human}");
    assert!(human.contains("  loadable on free-threaded CPython  4 of 6\n"), "{human}");
    assert!(human.contains("  wheels                             12 now, 8 after merge\n"), "{human}");
    assert!(human.ends_with("1 input unreadable\n"), "{human}");
}

#[test]
fn err_not_a_wheel_and_missing_path() {
    let dir = scratch("survey-errors");
    std::fs::write(dir.join("ext.abi3.so"), b"\x7fELF").unwrap();
    copy_sample("cryptography", &dir);
    let (code, csv, err) = survey(&["--csv", &dir.to_string_lossy(), "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("ext.abi3.so: not a wheel; survey reads wheels only"), "{err}");
    assert!(err.contains("no/such/dir: cannot open"), "{err}");
    assert_eq!(csv.lines().count(), 2, "header and cryptography: {csv}");
}

#[test]
fn ok_same_wheel_twice_is_surveyed_once() {
    let dir = scratch("survey-duplicates");
    copy_sample("cryptography", &dir);
    let sample = rel(&sample("cryptography"));
    let (code, json, err) = survey(&["--json", &dir.to_string_lossy(), &sample]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let r = release(&doc, "cryptography", "50.0.2");
    assert_eq!(r["wheels"], 1);
    assert_eq!(
        strings(&r["notes"]),
        [format!(
            "{sample} is another copy of {}, surveyed once",
            dir.join(sample.trim_start_matches("samples/")).display()
        )]
    );
    assert_eq!(doc["summary"]["wheels"], 1);
}
