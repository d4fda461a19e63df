//! `uniabi compare`: the psutil samples and the universal demo against PEP 803
//! and PEP 809 (golden output), and unreadable or non-wheel inputs.

use crate::common::*;

/// Run `compare` (the summary, `--verbose`, then `--json`) over the samples whose file names
/// start with `prefix`, asserting exit 0: the paths given, the three outputs and the JSON document.
fn compare_samples(prefix: &str) -> (Vec<String>, [String; 3], serde_json::Value) {
    let paths: Vec<String> = sample_wheels()
        .iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .map(|p| rel(p))
        .collect();
    let mut args = vec!["compare"];
    args.extend(paths.iter().map(String::as_str));
    let human = run(&args);
    assert_eq!(human.status.code(), Some(0), "{}", stderr(&human));
    args.insert(1, "--verbose");
    let verbose = run(&args);
    assert_eq!(verbose.status.code(), Some(0), "{}", stderr(&verbose));
    args[1] = "--json";
    let json = run(&args);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["schema"], "uniabi/compare/1");
    (paths, [stdout(&human), stdout(&verbose), stdout(&json)], doc)
}

/// The group whose platform field is `platform`.
fn group<'a>(doc: &'a serde_json::Value, platform: &str) -> &'a serde_json::Value {
    doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["platform"] == platform)
        .unwrap_or_else(|| panic!("no group for {platform}"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

const PSUTIL_LINUX: &str = "manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64";

#[test]
fn ok_psutil_samples_golden() {
    let (paths, [summary, human, json], doc) = compare_samples("psutil-");
    assert_eq!(paths.len(), 7);
    golden("compare/psutil.txt", &human);
    golden("compare/psutil-summary.txt", &summary);
    golden("compare/psutil.json", &json);

    let platforms: Vec<&str> =
        doc["groups"].as_array().unwrap().iter().map(|g| g["platform"].as_str().unwrap()).collect();
    assert_eq!(platforms, ["macosx_11_0_arm64", PSUTIL_LINUX, "win_amd64"]);
    let linux = group(&doc, PSUTIL_LINUX);
    assert_eq!(linux["name"], "psutil");
    assert_eq!(linux["version"], "7.1.2");
    assert_eq!(linux["inputs"].as_array().unwrap().len(), 3);
    assert_eq!(linux["today"]["wheel_count"], 3);
    let pep803 = &linux["pep803"];
    assert_eq!(pep803["wheel"], format!("psutil-7.1.2-cp315-abi3.abi3t-{PSUTIL_LINUX}.whl"));
    assert_eq!(pep803["qualifies"], false);
    assert_eq!(pep803["windows_dll"], serde_json::Value::Null);
    let blockers = pep803["blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 3);
    for b in blockers {
        assert!(strings(&b["symbols"]).contains(&"PyModule_Create2".to_string()), "{b}");
        assert!(strings(&b["codes"]).contains(&"abi3t-no-modexport".to_string()), "{b}");
    }
    let cp313t = blockers.iter().find(|b| b["wheel"].as_str().unwrap().contains("cp313t")).unwrap();
    assert!(strings(&cp313t["symbols"]).contains(&"_Py_DecRefShared".to_string()));
    let pep809 = &linux["pep809"];
    assert_eq!(pep809["wheel"], format!("psutil-7.1.2-cp315-abi2026-{PSUTIL_LINUX}.whl"));
    assert_eq!(pep809["qualifies"], false);
    assert!(strings(&pep803["uncovered"]).contains(&"3.13t".to_string()));
    assert!(linux["members_diff"].as_str().unwrap().contains("-psutil/_psutil_linux.abi3t.so\n"));
    assert!(linux["members_diff"].as_str().unwrap().contains("+psutil/_psutil_linux.abi2026.so\n"));

    assert!(human.contains(&format!("    Wheel: psutil-7.1.2-cp315-abi3.abi3t-{PSUTIL_LINUX}.whl\n")));
    assert!(human.contains("        symbols: PyModule_Create2\n"));
    assert!(human.contains("        links: python3.dll\n"));
    assert!(human.ends_with("3 groups from 7 wheels: PEP 803 qualifies for 0, PEP 809 for 0; 0 inputs unreadable\n"));
    // The summary fits a screen: each group's wheels and one verdict line per proposal, no symbols.
    assert!(summary.lines().count() <= 24, "{summary}");
    assert!(!summary.contains("PyModule_Create2"), "{summary}");
    assert!(summary.contains("  PEP 803         does not qualify: 3 binaries blocked by check --abi abi3t ("));
    assert!(summary.ends_with("3 groups from 7 wheels: PEP 803 qualifies for 0, PEP 809 for 0; 0 inputs unreadable\n"));
}

#[test]
fn ok_universal_demo_golden() {
    let (paths, [summary, human, json], doc) = compare_samples("abi3_abi3t_universal-");
    assert_eq!(paths.len(), 4);
    golden("compare/universal-demo.txt", &human);
    golden("compare/universal-demo-summary.txt", &summary);
    golden("compare/universal-demo.json", &json);

    assert_eq!(doc["groups"].as_array().unwrap().len(), 3);
    let linux = group(&doc, "manylinux1_x86_64.manylinux_2_5_x86_64");
    let (pep803, pep809) = (&linux["pep803"], &linux["pep809"]);
    assert_eq!(pep803["wheel"], "abi3_abi3t_universal-0.2-cp315-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl");
    assert_eq!(pep809["wheel"], "abi3_abi3t_universal-0.2-cp315-abi2026-manylinux1_x86_64.manylinux_2_5_x86_64.whl");
    assert_eq!(pep803["qualifies"], true);
    assert_eq!(pep809["qualifies"], true);
    assert_eq!(pep803["min_python"], "3.15");
    assert_eq!(pep809["macros"][0]["value"], "Py_LIMITED_API=0x03ff2026");
    assert_eq!(pep809["macros"][0]["note"], serde_json::Value::Null);
    assert_eq!(pep809["modules"][0]["member"]["value"], "abi3_abi3t_universal.abi2026.so");
    assert_eq!(pep809["modules"][0]["member"]["note"], "prototype choice, not specified by PEP 809");
    for p in [pep803, pep809] {
        let uncovered = strings(&p["uncovered"]);
        assert!(uncovered.contains(&"3.13".to_string()) && uncovered.contains(&"3.13t".to_string()), "{uncovered:?}");
    }
    assert_eq!(
        pep809["wheel_file"],
        concat!(
            "Wheel-Version: 1.0\nGenerator: uniabi ",
            env!("CARGO_PKG_VERSION"),
            "\nRoot-Is-Purelib: false\n",
            "Tag: cp315-abi2026-manylinux1_x86_64\nTag: cp315-abi2026-manylinux_2_5_x86_64\n"
        )
    );
    let diff = linux["wheel_file_diff"].as_str().unwrap();
    assert!(diff.starts_with("--- pep803\n+++ pep809\n"), "{diff}");
    assert!(diff.contains("\n-Tag: cp315-abi3t-manylinux_2_5_x86_64\n"), "{diff}");
    assert!(diff.contains("\n+Tag: cp315-abi2026-manylinux_2_5_x86_64\n"), "{diff}");

    let windows = group(&doc, "win_amd64");
    assert_eq!(windows["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(windows["pep803"]["qualifies"], true);
    assert!(windows["pep803"]["modules"][0]["source_wheel"].as_str().unwrap().contains("-abi3t-win_amd64"));
    assert_eq!(windows["pep803"]["windows_dll"], serde_json::json!({"value": "python3t.dll", "note": null}));
    assert_eq!(
        windows["pep809"]["windows_dll"],
        serde_json::json!({"value": "python3t.dll", "note": "prototype choice, not specified by PEP 809"})
    );
    assert_eq!(windows["members_diff"], "");
    assert!(human.contains("    Windows DLL: python3t.dll\n"));
    assert!(human.contains("    Windows DLL: python3t.dll (prototype choice, not specified by PEP 809)\n"));
    assert!(human.contains("  Members, PEP 803 -> PEP 809: identical\n"));
}

#[test]
fn err_unreadable_input_exits_2_and_the_others_are_reported() {
    let dir = scratch("compare-unreadable");
    let broken = dir.join("broken-1.0-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl");
    std::fs::write(&broken, b"not a zip archive").unwrap();
    let broken = broken.to_string_lossy().into_owned();
    let good = rel(&sample("cp313-abi3.abi3t-manylinux"));
    for json in [false, true] {
        let mut args = vec!["compare", broken.as_str(), good.as_str()];
        if json {
            args.insert(1, "--json");
        }
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("uniabi: error: {broken}: ")), "{err}");
        if json {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(doc["groups"].as_array().unwrap().len(), 1);
            assert_eq!(doc["errors"].as_array().unwrap().len(), 1);
        } else {
            let text = stdout(&out);
            assert!(text.contains("abi3_abi3t_universal 0.2 for manylinux1_x86_64.manylinux_2_5_x86_64\n"), "{text}");
            assert!(text.ends_with("; 1 input unreadable\n"), "{text}");
        }
    }
}

#[test]
fn err_bare_extension_file_is_not_a_wheel() {
    let dir = scratch("compare-bare");
    let (name, data) = read_members(&sample("cp313-abi3.abi3t-manylinux"))
        .into_iter()
        .find(|(n, _)| n.ends_with(".so"))
        .expect("the demo holds a shared object");
    let bare = dir.join(name.rsplit('/').next().unwrap());
    std::fs::write(&bare, data).unwrap();
    let out = run(&["compare", &bare.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a wheel"), "{err}");
    assert!(stdout(&out).starts_with("0 groups from 0 wheels"), "{}", stdout(&out));
}
