//! `uniabi verify`: every sample wheel resolves for every interpreter its tags
//! admit; wheels whose tags over-claim fail, naming the interpreter.

use crate::common::*;

fn verify_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["verify", "--json"];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap(), doc)
}

#[test]
fn ok_every_sample_resolves() {
    let paths: Vec<String> = sample_wheels().iter().map(|p| rel(p)).collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (code, doc) = verify_json(&args);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["schema"], "uniabi/verify/1");
    for input in doc["inputs"].as_array().unwrap() {
        let path = input["path"].as_str().unwrap();
        // PyPy's wheel admits no CPython: its module is resolved for no interpreter, so it is
        // not ok, but not judged either (exit 0, as check passes it).
        let pypy = path.contains("-pp311-");
        assert_eq!(input["ok"], !pypy, "{input:#}");
        // pycryptodomex's .so files are libraries, not modules: nothing to resolve, and ok.
        let nothing_to_resolve = pypy || path.contains("pycryptodomex");
        assert_eq!(input["resolutions"].as_array().unwrap().is_empty(), nothing_to_resolve, "{path}");
        assert_eq!(input.get("unresolved").is_some(), pypy, "{path}");
    }
    let (code, doc) = verify_json(&[&rel(&sample("pp311-pypy311_pp73"))]);
    assert_eq!(code, 0);
    assert_eq!(doc["inputs"][0]["admitted"], serde_json::json!([]));
    assert!(doc["inputs"][0]["unresolved"].as_str().unwrap().starts_with("not CPython"), "{doc:#}");
    let human = stdout(&run(&["verify", &rel(&sample("pp311-pypy311_pp73"))]));
    assert!(human.contains(": not judged; tags admit none"), "{human}");
}

#[test]
fn ok_mobile_wheels_resolve_by_their_own_suffixes() {
    // iOS and Android interpreters search `.cpython-313-iphoneos.so`,
    // `.cpython-313-iphonesimulator.so`, `.cpython-313-aarch64-linux-android.so`.
    for (part, file) in [
        ("ios_13_0_arm64_iphoneos", "markupsafe/_speedups.cpython-313-iphoneos.so"),
        ("ios_13_0_x86_64_iphonesimulator", "markupsafe/_speedups.cpython-313-iphonesimulator.so"),
        ("android_24_arm64_v8a", "markupsafe/_speedups.cpython-313-aarch64-linux-android.so"),
    ] {
        let (code, doc) = verify_json(&[&rel(&sample(part))]);
        assert_eq!(code, 0, "{doc:#}");
        let input = &doc["inputs"][0];
        assert_eq!(input["ok"], true, "{input:#}");
        let rows = input["resolutions"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{input:#}");
        assert_eq!((rows[0]["python"].as_str(), rows[0]["file"].as_str()), (Some("3.13"), Some(file)));
    }
}

#[test]
fn err_unknown_platform_is_never_ok() {
    // The Android wheel under a platform tag uniabi knows no suffixes for:
    // nothing is resolved, so it is NOT VERIFIED (exit 1), never ok.
    let dir = scratch("verify-unknown-platform");
    let p = retag(
        "android_24_arm64_v8a",
        &dir,
        "markupsafe-3.0.4-cp313-cp313-fuchsia_1_arm64.whl",
        &["cp313-cp313-fuchsia_1_arm64"],
        |_| {},
    );
    let (code, doc) = verify_json(&[&p.display().to_string()]);
    assert_eq!(code, 1, "{doc:#}");
    let input = &doc["inputs"][0];
    assert_eq!(input["ok"], false);
    assert_eq!(input["admitted"], serde_json::json!(["3.13"]));
    assert!(input["unresolved"].as_str().unwrap().contains("fuchsia_1_arm64"), "{input:#}");
    let human = stdout(&run(&["verify", &p.display().to_string()]));
    assert!(human.contains(": NOT VERIFIED; tags admit 3.13"), "{human}");
    // check says so once, instead of calling the module dead weight to drop.
    let out = run(&["check", "--json", &p.display().to_string()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> =
        doc["inputs"][0]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["unknown-platform"], "{doc:#}");
}

#[test]
fn ok_universal_demo_loads_its_bare_so_everywhere_it_installs() {
    let (code, doc) = verify_json(&[&rel(&sample("cp313-abi3.abi3t-manylinux"))]);
    assert_eq!(code, 0);
    let input = &doc["inputs"][0];
    let admitted: Vec<&str> = input["admitted"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(admitted, ["3.13", "3.13t", "3.14", "3.14t", "3.15", "3.15t", "3.16", "3.16t"]);
    for r in input["resolutions"].as_array().unwrap() {
        assert_eq!(r["file"], "abi3_abi3t_universal.so", "{r}");
    }
}

#[test]
fn err_free_threaded_wheel_retagged_for_two_versions() {
    // A cp314t build claimed for 3.13t too: 3.13t finds no file it can import.
    let p = overclaimed_free_threaded_wheel(&scratch("verify-overclaim"));
    let (code, doc) = verify_json(&[&p.to_string_lossy()]);
    assert_eq!(code, 1, "{doc:#}");
    let failures: Vec<&serde_json::Value> =
        doc["inputs"][0]["resolutions"].as_array().unwrap().iter().filter(|r| r["loads"] == false).collect();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0]["python"], "3.13t");
    assert_eq!(failures[0]["file"], serde_json::Value::Null);
    assert!(failures[0]["problem"].as_str().unwrap().contains(".cpython-313t-x86_64-linux-gnu.so"));
}

#[test]
fn err_abi3_module_picked_by_a_free_threaded_interpreter() {
    // psutil's abi3 build claimed for free-threaded 3.14 as well: 3.14t picks the
    // .abi3.so (its suffix list has it) and cannot load it.
    let dir = scratch("verify-abi3-on-ft");
    let p = retag(
        "cp36-abi3-manylinux",
        &dir,
        "psutil-7.1.2-cp36.cp314-abi3.cp314t-manylinux_2_28_x86_64.whl",
        &[
            "cp314-abi3-manylinux_2_28_x86_64",
            "cp314-cp314t-manylinux_2_28_x86_64",
            "cp36-abi3-manylinux_2_28_x86_64",
            "cp36-cp314t-manylinux_2_28_x86_64",
        ],
        |_| {},
    );
    let (code, doc) = verify_json(&[&p.to_string_lossy()]);
    assert_eq!(code, 1);
    let failing: Vec<&str> = doc["inputs"][0]["resolutions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["loads"] == false)
        .map(|r| r["python"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["3.14t"]);
    let human = stdout(&run(&["verify", &p.to_string_lossy()]));
    assert!(human.contains("an abi3 module, which fails or crashes on a free-threaded build"), "{human}");
}

#[test]
fn ok_abi2026_wheel_resolves_only_under_the_pep809_prototype() {
    let dir = scratch("verify-abi2026");
    let p = retag(
        "cp313-abi3.abi3t-manylinux",
        &dir,
        "abi3_abi3t_universal-0.2-cp315-abi2026-manylinux_2_5_x86_64.whl",
        &["cp315-abi2026-manylinux_2_5_x86_64"],
        |m| {
            for (name, _) in m.iter_mut() {
                if name == "abi3_abi3t_universal.so" {
                    *name = "abi3_abi3t_universal.abi2026.so".into();
                }
            }
        },
    );
    let path = p.to_string_lossy().into_owned();
    let (code, doc) = verify_json(&[&path]);
    assert_eq!(code, 0, "not judged, as check passes it");
    assert_eq!(doc["inputs"][0]["admitted"], serde_json::json!([]), "no installer accepts abi2026 today");
    assert_eq!(doc["inputs"][0]["ok"], false, "resolved for no interpreter: never ok");
    assert!(doc["inputs"][0]["unresolved"].as_str().unwrap().contains("--pep809"), "{doc:#}");
    let (code, doc) = verify_json(&["--pep809", &path]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["inputs"][0]["admitted"], serde_json::json!(["3.15", "3.15t", "3.16", "3.16t"]));
    for r in doc["inputs"][0]["resolutions"].as_array().unwrap() {
        assert_eq!(r["file"], "abi3_abi3t_universal.abi2026.so", "{r}");
    }
}
