//! One judgement for every command: each binary is judged by the interpreters that pick
//! it, real wheels that load pass, and what uniabi writes (merge of any subset of the
//! samples, under every scheme, and every split of it) passes `check` and `verify`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn json_of(args: &[&str]) -> (i32, Value) {
    let out = run(args);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {args:?}: {}", stderr(&out)));
    (out.status.code().unwrap(), doc)
}

/// Every finding of one checked input as (code, severity).
fn findings(input: &Value) -> Vec<(String, String)> {
    input["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["severity"].as_str().unwrap().to_string()))
        .collect()
}

fn errors(input: &Value) -> Vec<String> {
    findings(input).into_iter().filter(|(_, s)| s == "error").map(|(c, _)| c).collect()
}

const PSUTIL_ABI3: &str = "psutil-7.1.2-cp36-abi3-manylinux2010";
const PSUTIL_314T: &str = "psutil-7.1.2-cp314-cp314t-manylinux2010";
const SO: &str = "psutil/_psutil_linux.abi3.so";

/// A fat `cp311.cp315-abi3.cp315t` wheel: the abi3 build for GIL 3.11+ and a free-threaded
/// build named for 3.15t. The cross product cp311-cp315t no installer accepts is harmless.
#[test]
fn ok_fat_wheel_with_a_harmless_cross_product_passes() {
    let dir = scratch("judgement-cp311-cp315");
    let ft = read_members(&sample(PSUTIL_314T));
    let (_, ft_so) = ft.into_iter().find(|(n, _)| n.ends_with(".so")).unwrap();
    let tags = expansion("cp311.cp315", "abi3.cp315t", "manylinux_2_28_x86_64");
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let p = retag(PSUTIL_ABI3, &dir, "psutil-7.1.2-cp311.cp315-abi3.cp315t-manylinux_2_28_x86_64.whl", &tags, |m| {
        m.insert(0, ("psutil/_psutil_linux.cpython-315t-x86_64-linux-gnu.so".into(), ft_so));
    });
    let (code, doc) = json_of(&["check", "--json", &p.to_string_lossy()]);
    let input = &doc["inputs"][0];
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(input["verdict"], "pass");
    let dead: Vec<&Value> = input["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "dead-tag").collect();
    assert_eq!(dead.len(), 1, "{doc:#}");
    assert_eq!(dead[0]["severity"], "warning");
    assert!(dead[0]["message"].as_str().unwrap().contains("cp311-cp315t-manylinux_2_28_x86_64"));
    let (code, _) = json_of(&["verify", "--json", &p.to_string_lossy()]);
    assert_eq!(code, 0);
}

/// `cp311.cp313-abi3.cp313t` holding only the abi3 build: the name admits 3.13t, which picks
/// the `.abi3.so` and cannot load it. That, and nothing else, fails the wheel.
#[test]
fn err_admitting_313t_without_a_loadable_file_fails_on_unloadable_only() {
    let dir = scratch("judgement-313t");
    let tags = expansion("cp311.cp313", "abi3.cp313t", "manylinux_2_28_x86_64");
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let p = retag(PSUTIL_ABI3, &dir, "psutil-7.1.2-cp311.cp313-abi3.cp313t-manylinux_2_28_x86_64.whl", &tags, |_| {});
    let (code, doc) = json_of(&["check", "--json", &p.to_string_lossy()]);
    assert_eq!(code, 1, "{doc:#}");
    let input = &doc["inputs"][0];
    assert_eq!(errors(input), ["unloadable"], "{doc:#}");
    let unloadable = input["findings"].as_array().unwrap().iter().find(|f| f["code"] == "unloadable").unwrap();
    assert_eq!(unloadable["member"], SO);
    assert!(unloadable["message"].as_str().unwrap().contains("the tags admit 3.13t"), "{unloadable}");
}

/// A fat wheel of psutil's abi3, cp313t and cp314t builds: each binary is judged by the
/// interpreters that pick it, so the cp313t file is never judged as abi3 (no
/// `symbol-too-new` from 3.6, no `internal-symbol`).
#[test]
fn ok_fat_wheel_judges_each_binary_by_its_own_interpreters() {
    let dir = scratch("judgement-fat");
    let mut extra = Vec::new();
    for part in ["psutil-7.1.2-cp313-cp313t-manylinux2010", PSUTIL_314T] {
        extra.push(read_members(&sample(part)).into_iter().find(|(n, _)| n.ends_with(".so")).unwrap());
    }
    let platforms = "manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64";
    let tags = expansion("cp313.cp314.cp36", "abi3.cp313t.cp314t", platforms);
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let name = format!("psutil-7.1.2-cp313.cp314.cp36-abi3.cp313t.cp314t-{platforms}.whl");
    let p = retag(PSUTIL_ABI3, &dir, &name, &tags, |m| {
        for member in extra {
            m.insert(0, member);
        }
    });
    let (code, doc) = json_of(&["check", "--json", &p.to_string_lossy()]);
    assert_eq!(code, 0, "{doc:#}");
    let codes: Vec<String> = findings(&doc["inputs"][0]).into_iter().map(|(c, _)| c).collect();
    for absent in ["symbol-too-new", "internal-symbol", "symbol-not-in-abi", "suffix-not-claimed"] {
        assert!(!codes.contains(&absent.to_string()), "{absent} in {codes:?}");
    }
    // Asked as a whole (`--abi abi3`), the free-threaded builds are what they are.
    let (code, doc) = json_of(&["check", "--json", "--abi", "abi3", &p.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(errors(&doc["inputs"][0]).contains(&"internal-symbol".to_string()));
}

/// A PyInit_-only module built for abi3t (its suffix says so) that imports a function needing a
/// PyModuleDef still fails; the real cffi module, which imports none, passes with a warning.
#[test]
fn err_pyinit_only_abi3t_module_that_needs_a_moduledef() {
    let dir = scratch("judgement-moduledef");
    let tags = expansion("cp315", "abi3.abi3t", "manylinux_2_28_x86_64");
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let p = retag(PSUTIL_ABI3, &dir, "psutil-7.1.2-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl", &tags, |m| {
        for (n, _) in m.iter_mut() {
            if n == SO {
                *n = "psutil/_psutil_linux.abi3t.so".into();
            }
        }
    });
    let (code, doc) = json_of(&["check", "--json", &p.to_string_lossy()]);
    assert_eq!(code, 1, "{doc:#}");
    let input = &doc["inputs"][0];
    let no_export = input["findings"].as_array().unwrap().iter().find(|f| f["code"] == "abi3t-no-modexport").unwrap();
    assert_eq!(no_export["severity"], "error");
    assert_eq!(no_export["symbols"], serde_json::json!(["PyModule_Create2"]));

    let cffi = rel(&sample("argon2_cffi_bindings-26.2.0-cp315-abi3.abi3t"));
    let (code, doc) = json_of(&["check", "--json", &cffi]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(findings(&doc["inputs"][0]), [("abi3t-no-modexport".to_string(), "warning".to_string())]);
}

/// ctypes-loaded libraries with a module suffix are libraries; PyPy's wheel is not judged.
#[test]
fn ok_libraries_and_other_implementations_are_not_judged_as_cpython_modules() {
    let crypto = rel(&sample("pycryptodomex"));
    let (code, doc) = json_of(&["inspect", "--json", &crypto]);
    assert_eq!(code, 0);
    let binaries = doc["inputs"][0]["binaries"].as_array().unwrap();
    assert_eq!(binaries.len(), 42);
    assert!(binaries.iter().all(|b| b["role"] == "library"), "every .abi3.so of pycryptodomex is a library");
    let (code, doc) = json_of(&["check", "--json", &crypto]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(errors(&doc["inputs"][0]).is_empty());
    let split_out = scratch("judgement-split-crypto");
    let o = run(&["split", "-o", &split_out.to_string_lossy(), &crypto]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(wheels_in(&split_out).len(), 1, "the libraries' wheel, split into itself");

    let pypy = rel(&sample("pp311-pypy311_pp73"));
    let (code, doc) = json_of(&["check", "--json", &pypy]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(findings(&doc["inputs"][0]), [("not-cpython".to_string(), "info".to_string())]);
    let (_, doc) = json_of(&["inspect", "--json", &pypy]);
    let slice = &doc["inputs"][0]["binaries"][0]["slices"][0];
    assert_eq!(slice["python_imports"], serde_json::json!([]), "PyPy* imports are not CPython imports");
}

/// Merge every non-empty subset of every group of samples under every scheme (with and
/// without `--metadata-from`), split every output, and require each written wheel to pass
/// `check` (no error) and `verify`: what uniabi writes, uniabi passes.
#[test]
fn ok_everything_merge_and_split_write_passes_check_and_verify() {
    let base = scratch("judgement-property");
    // Group the samples as merge does, by project, version and platform tags.
    let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for w in sample_wheels() {
        let name = w.file_name().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = name.trim_end_matches(".whl").split('-').collect();
        let key = format!("{}-{}-{}", parts[0], parts[1], parts[parts.len() - 1]);
        groups.entry(key).or_default().push(w);
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let mut runs = 0;
    for (key, wheels) in &groups {
        for mask in 1u32..(1 << wheels.len()) {
            let subset: Vec<&PathBuf> =
                wheels.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, w)| w).collect();
            for scheme in ["auto", "fat", "pep803", "pep809"] {
                for metadata_from in [false, true] {
                    if metadata_from && subset.len() == 1 {
                        continue;
                    }
                    let out = base.join(format!("{key}-{mask}-{scheme}-{metadata_from}"));
                    let mut args: Vec<String> = vec![
                        "merge".into(),
                        "--scheme".into(),
                        scheme.into(),
                        "-o".into(),
                        out.to_string_lossy().into(),
                    ];
                    args.extend(subset.iter().map(|w| w.to_string_lossy().into_owned()));
                    if metadata_from {
                        args.push("--metadata-from".into());
                        args.push(subset[0].file_name().unwrap().to_string_lossy().into_owned());
                    }
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let o = run(&args);
                    runs += 1;
                    // 0: written or unchanged; 1: a group refused. Never 2 on good inputs, and
                    // never refused by its own check: the planner must not plan what check fails.
                    assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&o));
                    assert!(!stderr(&o).contains("would fail `uniabi check`"), "{args:?}: {}", stderr(&o));
                    if out.is_dir() {
                        written.extend(wheels_in(&out));
                    }
                }
            }
        }
    }
    assert!(runs > 150, "{runs} merges");
    assert!(written.len() >= 40, "only {} wheels written", written.len());
    // Split every written wheel too.
    let mut splits = Vec::new();
    for (n, w) in written.iter().enumerate() {
        let out = base.join(format!("split-{n}"));
        let o = run(&["split", "-o", &out.to_string_lossy(), &w.to_string_lossy()]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "split {}: {}", w.display(), stderr(&o));
        assert!(!stderr(&o).contains("would fail `uniabi check`"), "split {}: {}", w.display(), stderr(&o));
        if out.is_dir() {
            splits.extend(wheels_in(&out));
        }
    }
    assert!(!splits.is_empty());
    let all: Vec<String> = written.iter().chain(&splits).map(|p| p.to_string_lossy().into_owned()).collect();
    for chunk in all.chunks(64) {
        let mut args = vec!["check", "--json"];
        args.extend(chunk.iter().map(String::as_str));
        let (code, doc) = json_of(&args);
        for input in doc["inputs"].as_array().unwrap() {
            assert!(errors(input).is_empty(), "{} fails check: {input:#}", input["path"]);
        }
        assert_eq!(code, 0);
        let mut args = vec!["verify"];
        args.extend(chunk.iter().map(String::as_str));
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    }
}

fn wheels_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    v.sort();
    v
}

/// Wheels of another implementation are never merged, with each other or with CPython's:
/// each stays as it is.
#[test]
fn ok_pypy_wheels_are_left_as_they_are_by_merge() {
    let dir = scratch("judgement-pypy-merge");
    let platforms = "manylinux_2_17_x86_64.manylinux2014_x86_64";
    let tags = expansion("pp310", "pypy310_pp73", platforms);
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let pp310 = retag(
        "pp311-pypy311_pp73",
        &dir,
        &format!("rpds_py-2026.9.1-pp310-pypy310_pp73-{platforms}.whl"),
        &tags,
        |_| {},
    );
    let pp311 = sample("pp311-pypy311_pp73");
    let out = dir.join("out");
    let (code, doc) =
        json_of(&["merge", "--json", "-o", &out.to_string_lossy(), &pp310.to_string_lossy(), &pp311.to_string_lossy()]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["summary"]["planned"], 0);
    assert_eq!(doc["summary"]["unchanged"], 2);
    assert!(!out.exists());
}
