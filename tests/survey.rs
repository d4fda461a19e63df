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
    assert_eq!(
        names,
        [
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
            "xattr"
        ]
    );
    // argon2-cffi-bindings: abi3 + cp314t + a cffi abi3t wheel; merge keeps the universal
    // wheel and puts the other two in one fat wheel.
    let argon2 = release(&doc, "argon2_cffi_bindings", "26.2.0");
    assert_eq!((argon2["wheels"].as_u64(), argon2["wheels_after_merge"].as_u64()), (Some(3), Some(2)));
    assert_eq!(argon2["pep803"]["qualifies"], true);
    // pycryptodomex ships only ctypes-loaded libraries; rpds-py's wheel is PyPy's: neither is judged.
    assert_eq!(release(&doc, "pycryptodomex", "3.24.2")["pure"], true);
    assert_eq!(release(&doc, "rpds_py", "2026.9.1")["pep803"]["qualifies"], serde_json::Value::Null);

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
    // abi3 + cp313t + cp314t share one platform tag set, but their METADATA differs: merge
    // refuses the group, so its three wheels stay; `--metadata-from` would make them one.
    assert_eq!(linux["wheels_after_merge"], 3);
    assert_eq!(strings(&linux["free_threaded"]), ["3.13t", "3.14t"]);
    assert!(strings(&linux["inputs"]).iter().all(|i| i.ends_with(&format!("{LINUX}.whl"))));
    let macos = platform(psutil, "macos arm64");
    assert_eq!(strings(&macos["free_threaded"]), ["3.14t"]);
    // Every platform's group is refused for METADATA alone: 7 wheels stay 7.
    assert_eq!(psutil["wheels_after_merge"], 7);
    let refused: Vec<(String, String)> = psutil["merge_refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["platform"].as_str().unwrap().to_string(), m["text"].as_str().unwrap().to_string()))
        .collect();
    let text =
        |builds: &str, n: usize| format!("METADATA differs between {builds}: `--metadata-from` would merge {n} -> 1");
    assert_eq!(
        refused,
        [
            ("linux x86_64".to_string(), text("cp313-cp313t and cp36-abi3", 3)),
            ("macos arm64".to_string(), text("cp314-cp314t and cp36-abi3", 2)),
            ("windows amd64".to_string(), text("cp313-cp313t and cp37-abi3", 2))
        ]
    );
    let linux_refusal = &psutil["merge_refused"][0];
    assert_eq!(linux_refusal["reason"], "METADATA differs between cp313-cp313t and cp36-abi3");
    assert_eq!(linux_refusal["metadata_from"], format!("psutil-7.1.2-cp313-cp313t-{LINUX}.whl"));
    assert_eq!(linux_refusal["with_metadata_from"], 1);
    assert!(
        human.contains(
            "    merge refuses linux x86_64 (3 wheels): METADATA differs between cp313-cp313t and cp36-abi3: \
             `--metadata-from` would merge 3 -> 1\n"
        ),
        "{human}"
    );
    assert!(
        csv.lines().any(|l| l.starts_with("psutil,")
            && l.ends_with(
                ",linux x86_64 (3 wheels): METADATA differs between cp313-cp313t and cp36-abi3: `--metadata-from` would merge 3 -> 1; \
         macos arm64 (2 wheels): METADATA differs between cp314-cp314t and cp36-abi3: `--metadata-from` would merge 2 -> 1; \
         windows amd64 (2 wheels): METADATA differs between cp313-cp313t and cp37-abi3: `--metadata-from` would merge 2 -> 1"
            )),
        "{csv}"
    );
    // The universal demo's two Windows builds share one binary name: refused, no --metadata-from figure.
    let demo = release(&doc, "abi3_abi3t_universal", "0.2");
    assert_eq!(demo["merge_refused"][0]["text"], "two different binaries share the name abi3_abi3t_universal.pyd");
    assert_eq!(demo["merge_refused"][0]["with_metadata_from"], Value::Null);

    // orjson serves 3.13 only: not loadable on free-threaded CPython.
    let orjson = release(&doc, "orjson", "3.11.4");
    assert_eq!(orjson["free_threaded"], false);
    assert_eq!(strings(&platform(orjson, "linux x86_64")["serves"]), ["3.13"]);

    let cryptography = release(&doc, "cryptography", "50.0.2");
    assert_eq!(cryptography["pep803"]["qualifies"], true);
    assert_eq!(strings(&cryptography["free_threaded_via"]), ["abi3t"]);

    // markupsafe's mobile wheels: an iOS device, an iOS simulator and an Android machine are
    // three families, each served (3.13 loads) by its own suffix.
    let markupsafe = release(&doc, "markupsafe", "3.0.4");
    let families: Vec<&str> =
        markupsafe["platforms"].as_array().unwrap().iter().map(|p| p["platform"].as_str().unwrap()).collect();
    assert_eq!(families, ["android arm64_v8a", "ios arm64", "ios-simulator x86_64"]);
    for p in markupsafe["platforms"].as_array().unwrap() {
        assert_eq!((strings(&p["serves"]), strings(&p["broken"])), (vec!["3.13".to_string()], vec![]), "{p}");
    }

    // msgpack's Pyodide wheel: a WebAssembly module that 3.13 loads under Emscripten.
    let msgpack = release(&doc, "msgpack", "1.2.4");
    let wasm = platform(msgpack, "emscripten wasm32");
    assert_eq!((strings(&wasm["serves"]), strings(&wasm["broken"])), (vec!["3.13".to_string()], vec![]));
    assert_eq!(msgpack["pep803"]["qualifies"], false, "a version-specific Cython build");

    // xattr's cffi `_lib.abi3.so` in its cp312-cp312 wheel: 3.12 loads it, nothing is broken.
    let xattr = release(&doc, "xattr", "1.3.1");
    let linux = platform(xattr, "linux x86_64");
    assert_eq!((strings(&linux["serves"]), strings(&linux["broken"])), (vec!["3.12".to_string()], vec![]));

    // Summary over 11 projects (one release each): free-threaded are the demo, argon2,
    // cryptography, numpy and psutil (5; markupsafe's and msgpack's cp313 wheels, orjson,
    // pycryptodomex's abi3-only wheel, the PyPy wheel and xattr's cp312 wheel are not); wheels
    // 4 + 3 + 1 + 3 + 1 + 1 + 1 + 7 + 1 + 1 + 1 = 24; after merge 23: argon2's three become two, merge with its
    // defaults refuses psutil's three groups (METADATA) and the demo's Windows pair (one binary
    // name), and leaves every group of one wheel unchanged.
    let s = &doc["summary"];
    assert_eq!((s["projects"].as_u64(), s["free_threaded"].as_u64()), (Some(11), Some(5)));
    assert_eq!((s["wheels"].as_u64(), s["wheels_after_merge"].as_u64()), (Some(24), Some(23)));
    assert!(human.contains("  wheels                             24 now, 23 after merge\n"), "{human}");
    assert!(csv.starts_with("name,version,wheels,wheels_after_merge,free_threaded,"));
    assert_eq!(csv.lines().count(), 12);
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
    // After merge (its defaults): psutil 7 (each platform's group refused: METADATA differs);
    // psutil_fork, orjson, purely, cryptography and abi3_abi3t_universal 1 each (a group of
    // one wheel merge would not change) = 7 + 5 = 12.
    assert_eq!(s["wheels_after_merge"], 12);
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
    assert!(human.contains("  wheels                             12 now, 12 after merge\n"), "{human}");
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

/// `merge --dry-run --json` over `paths`: the summary and the document.
fn merge_plan(paths: &[&str]) -> Value {
    // A dry run creates nothing there.
    let out = root().join("target/test-scratch/survey-merge-plan-never-written").to_string_lossy().into_owned();
    let mut args = vec!["merge", "--dry-run", "--json", "-o"];
    args.push(&out);
    args.extend_from_slice(paths);
    let o = run(&args);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Survey's after-merge figure, per release and in all, against `merge`'s own plan:
/// outputs planned + inputs of refused groups + unchanged inputs of that release.
fn assert_survey_is_merges_plan(paths: &[&str]) -> Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(paths);
    let (code, json, err) = survey(&args);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let plan = merge_plan(paths);
    let groups = |key: &str| plan[key].as_array().unwrap().clone();
    let mut total = 0;
    for r in doc["projects"].as_array().unwrap() {
        let prefix = format!("{} {} ", r["name"].as_str().unwrap(), r["version"].as_str().unwrap());
        let mine = |v: &Value| v["group"].as_str().unwrap().starts_with(&prefix);
        let outputs = groups("outputs").iter().filter(|o| mine(o)).count();
        let refused: Vec<Value> = groups("refused").into_iter().filter(mine).collect();
        let refused_inputs: usize = refused.iter().map(|g| g["inputs"].as_array().unwrap().len()).sum();
        let unchanged = groups("unchanged").iter().filter(|u| mine(u)).count();
        assert_eq!(
            r["wheels_after_merge"].as_u64().unwrap() as usize,
            outputs + refused_inputs + unchanged,
            "{prefix}: survey says {}, merge plans {outputs} outputs, {refused_inputs} refused inputs, {unchanged} unchanged",
            r["wheels_after_merge"]
        );
        // The same refused groups, with the same inputs.
        let survey_refused: Vec<Vec<String>> =
            r["merge_refused"].as_array().unwrap().iter().map(|m| strings(&m["inputs"])).collect();
        let merge_refused: Vec<Vec<String>> = refused
            .iter()
            .map(|g| {
                strings(&g["inputs"])
                    .iter()
                    .map(|i| Path::new(i).file_name().unwrap().to_string_lossy().into_owned())
                    .collect()
            })
            .collect();
        let sorted = |mut v: Vec<Vec<String>>| {
            v.sort();
            v
        };
        assert_eq!(sorted(survey_refused), sorted(merge_refused), "{prefix}");
        total += r["wheels_after_merge"].as_u64().unwrap();
    }
    assert_eq!(plan["summary"]["wheels_after"].as_u64(), Some(total));
    doc
}

#[test]
fn ok_survey_figure_is_merges_plan_on_the_samples() {
    let doc = assert_survey_is_merges_plan(&["samples"]);
    // And the `--metadata-from` figure is merge's own: plan the refused psutil Linux group with it.
    let psutil = release(&doc, "psutil", "7.1.2");
    for m in psutil["merge_refused"].as_array().unwrap() {
        let inputs: Vec<String> = strings(&m["inputs"]).iter().map(|i| format!("samples/{i}")).collect();
        let mut paths: Vec<&str> = inputs.iter().map(String::as_str).collect();
        paths.push("--metadata-from");
        paths.push(m["metadata_from"].as_str().unwrap());
        let plan = merge_plan(&paths);
        assert_eq!(plan["summary"]["refused"], 0, "{plan:#}");
        assert_eq!(plan["summary"]["wheels_after"], m["with_metadata_from"]);
    }
}

/// A wheelhouse built at test time where merge does merge: psutil's Linux builds with one
/// METADATA (3 -> 1), its Windows pair (METADATA differs, refused), the universal demo's
/// Windows pair (one binary name, refused), and wheels alone (unchanged).
#[test]
fn ok_survey_figure_is_merges_plan_on_a_wheelhouse() {
    let dir = scratch("survey-merge-wheelhouse");
    crate::merge::harmonized_abi3(&dir);
    for p in ["cp313-cp313t-many", "cp314-cp314t-many", "cp313-cp313t-win", "cp37-abi3-win"] {
        copy_sample(&format!("psutil-7.1.2-{p}"), &dir);
    }
    copy_sample("abi3_abi3t_universal-0.2-cp313-abi3-win", &dir);
    copy_sample("abi3_abi3t_universal-0.2-cp313-abi3t-win", &dir);
    copy_sample("cryptography", &dir);
    pure(&dir, "purely", "1.0");
    let linux_tags: Vec<String> = LINUX.split('.').map(|p| format!("cp36-abi3-{p}")).collect();
    let linux_tags: Vec<&str> = linux_tags.iter().map(String::as_str).collect();
    renamed("psutil-7.1.2-cp36-abi3-many", &dir, "psutil", "7.1.1", &linux_tags);
    let doc = assert_survey_is_merges_plan(&[&dir.to_string_lossy()]);
    let psutil = release(&doc, "psutil", "7.1.2");
    assert_eq!(platform(psutil, "linux x86_64")["wheels_after_merge"], 1);
    assert_eq!(platform(psutil, "windows amd64")["wheels_after_merge"], 2);
    assert_eq!(psutil["wheels_after_merge"], 3);
    let texts: Vec<&str> =
        psutil["merge_refused"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["METADATA differs between cp313-cp313t and cp37-abi3: `--metadata-from` would merge 2 -> 1"]);
    assert_eq!(release(&doc, "abi3_abi3t_universal", "0.2")["wheels_after_merge"], 2);
    assert_eq!(release(&doc, "psutil", "7.1.1")["wheels_after_merge"], 1);
    // Newest releases: psutil 7.1.2 5 -> 3, the demo 2 -> 2, cryptography and purely 1 -> 1.
    assert_eq!((doc["summary"]["wheels"].as_u64(), doc["summary"]["wheels_after_merge"].as_u64()), (Some(9), Some(7)));
}

/// A folder of symbolic links to wheels, and folders reached through links, are walked;
/// a link back to an ancestor does not loop; a dangling link named like a wheel is reported.
#[cfg(unix)]
#[test]
fn ok_symbolic_links_are_followed_without_loops() {
    use std::os::unix::fs::symlink;
    let base = scratch("survey-symlinks");
    let links = base.join("links");
    std::fs::create_dir_all(&links).unwrap();
    for w in sample_wheels() {
        symlink(&w, links.join(w.file_name().unwrap())).unwrap();
    }
    let (code, json, err) = survey(&["--json", &links.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["summary"]["wheels"], sample_wheels().len());
    let plan = merge_plan(&[&links.to_string_lossy()]);
    assert_eq!(plan["summary"]["inputs"], sample_wheels().len());

    // tree/real holds one wheel and a link back to tree; tree/up links to tree itself;
    // tree/samples links to the samples directory.
    let tree = base.join("tree");
    std::fs::create_dir_all(tree.join("real")).unwrap();
    copy_sample("orjson", &tree.join("real"));
    symlink(&tree, tree.join("real").join("loop")).unwrap();
    symlink(&tree, tree.join("up")).unwrap();
    symlink(root().join("samples"), tree.join("samples")).unwrap();
    let (code, json, err) = survey(&["--json", &tree.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    // The copy of orjson is the same file name as its sample: surveyed once.
    assert_eq!(doc["summary"]["wheels"], sample_wheels().len());
    let o = run(&["inspect", &tree.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let orjson_lines = stdout(&o).lines().filter(|l| l.contains("orjson-3.11.4-") && l.ends_with(".whl")).count();
    assert_eq!(orjson_lines, 2, "the copy and the sample, once each:\n{}", stdout(&o));

    // A dangling link named like a wheel: one error naming it, exit 2.
    let dangling = base.join("dangling");
    std::fs::create_dir_all(&dangling).unwrap();
    symlink(base.join("nowhere.whl"), dangling.join("gone-1.0-py3-none-any.whl")).unwrap();
    copy_sample("cryptography", &dangling);
    let (code, _, err) = survey(&["--json", &dangling.to_string_lossy()]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("gone-1.0-py3-none-any.whl"), "{err}");
}

#[test]
fn ok_a_wheel_with_many_unreadable_members_gives_one_bounded_line() {
    let dir = crate::common::scratch("survey-bounded-errors");
    let mut members = crate::common::read_members(&crate::common::sample("orjson-3.11.4"));
    // Twenty members over the limit, each named at length.
    for i in 0..20 {
        members.push((format!("orjson/{}{i}.so", "long-name-".repeat(10)), vec![0u8; 2 << 20]));
    }
    let wheel = dir.join("orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    crate::common::write_wheel(&wheel, &members);
    for args in [&["survey", "--max-member-mib", "1"][..], &["check", "--max-member-mib", "1"][..]] {
        let o = crate::common::run(&[args, &[wheel.to_str().unwrap()]].concat());
        let err = crate::common::stderr(&o);
        let line = err.lines().find(|l| l.contains("more than the limit")).unwrap_or_else(|| panic!("{err}"));
        assert!(line.ends_with("; and 17 more errors"), "{line}");
        assert!(line.len() < 2_000, "{} bytes: {line}", line.len());
    }
}

/// A project without extension modules cannot qualify for PEP 803 or 809: the summary counts
/// the qualifying projects among those with extension modules.
#[test]
fn ok_qualify_counts_are_among_projects_with_extension_modules() {
    let (code, out, err) = survey(&["--json", "samples"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let releases = doc["projects"].as_array().unwrap();
    let native = releases.iter().filter(|r| r["pure"] == false).count();
    assert!(native < releases.len(), "the samples hold a pure release");
    assert_eq!(doc["summary"]["with_extensions"], native);
    let (_, text, _) = survey(&["samples"]);
    assert!(
        text.contains(&format!("  qualify for PEP 803                3 of {native} with extension modules\n")),
        "{text}"
    );
}
