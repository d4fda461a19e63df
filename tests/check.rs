//! `uniabi check`: every sample passes its own claims (golden output), and
//! wrong wheels built at test time from the samples fail with the right codes.

use std::path::Path;

use crate::common::*;

fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap(), doc)
}

/// The codes of the error findings of the first input.
fn error_codes(doc: &serde_json::Value) -> Vec<String> {
    let mut codes: Vec<String> = doc["inputs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn symbols_of(doc: &serde_json::Value, code: &str) -> Vec<String> {
    doc["inputs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .flat_map(|f| f["symbols"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn ok_every_sample_passes_its_own_claims_golden() {
    for wheel in sample_wheels() {
        let path = rel(&wheel);
        let stem = wheel.file_stem().unwrap().to_string_lossy().into_owned();
        let human = run(&["check", "--verbose", &path]);
        assert_eq!(human.status.code(), Some(0), "{path}:\n{}", stdout(&human));
        golden(&format!("check/{stem}.txt"), &stdout(&human));
        let (code, doc) = check_json(&[&path]);
        assert_eq!(code, 0);
        assert_eq!(doc["schema"], "uniabi/check/1");
        assert_eq!(doc["inputs"][0]["verdict"], "pass", "{path}");
        assert!(error_codes(&doc).is_empty(), "{path}: {:?}", error_codes(&doc));
        golden(&format!("check/{stem}.json"), &serde_json::to_string_pretty(&doc).unwrap());
    }
}

#[test]
fn ok_claims_of_the_samples() {
    let (_, doc) = check_json(&[&rel(&sample("cp313-abi3.abi3t-manylinux"))]);
    assert_eq!(doc["inputs"][0]["claims"], serde_json::json!(["abi3", "abi3t"]));
    let (_, doc) = check_json(&[&rel(&sample("psutil-7.1.2-cp313-cp313t-win"))]);
    assert_eq!(doc["inputs"][0]["claims"], serde_json::json!(["cp313t"]));
}

fn scratch_for(name: &str) -> std::path::PathBuf {
    scratch(&format!("check-{name}"))
}

fn assert_fails_with(path: &Path, codes: &[&str]) -> serde_json::Value {
    let (code, doc) = check_json(&[&path.to_string_lossy()]);
    assert_eq!(code, 1, "{}: {doc:#}", path.display());
    assert_eq!(doc["inputs"][0]["verdict"], "fail");
    let got = error_codes(&doc);
    for want in codes {
        assert!(got.iter().any(|g| g == want), "{}: expected {want} in {got:?}", path.display());
    }
    doc
}

const PSUTIL_LINUX_ABI3: &str = "cp36-abi3-manylinux";
const PSUTIL_LINUX_SO: &str = "psutil/_psutil_linux.abi3.so";

#[test]
fn err_abi3_wheel_retagged_abi3_abi3t() {
    let dir = scratch_for("abi3t");
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp36-abi3.abi3t-manylinux_2_28_x86_64.whl",
        &["cp36-abi3-manylinux_2_28_x86_64", "cp36-abi3t-manylinux_2_28_x86_64"],
        |_| {},
    );
    let doc = assert_fails_with(&p, &["abi3t-no-modexport", "abi3t-unusable", "suffix-abi3-for-abi3t", "unloadable"]);
    assert_eq!(symbols_of(&doc, "abi3t-unusable"), ["PyModule_Create2"]);
}

#[test]
fn err_abi3_wheel_claiming_too_old_a_version() {
    // The universal demo imports Py_GetConstantBorrowed, stable since 3.13.
    let dir = scratch_for("too-old");
    let p = retag(
        "cp313-abi3.abi3t-manylinux",
        &dir,
        "abi3_abi3t_universal-0.2-cp312-abi3-manylinux_2_5_x86_64.whl",
        &["cp312-abi3-manylinux_2_5_x86_64"],
        |_| {},
    );
    let doc = assert_fails_with(&p, &["symbol-too-new"]);
    let finding =
        doc["inputs"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "symbol-too-new").unwrap();
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("from 3.12") && message.contains("in 3.13"), "{finding}");
    assert_eq!(symbols_of(&doc, "symbol-too-new"), ["Py_GetConstantBorrowed"]);
}

#[test]
fn err_free_threaded_binary_in_an_abi3_wheel() {
    let dir = scratch_for("ft-in-abi3");
    let ft = read_members(&sample("cp313-cp313t-manylinux"));
    let (ft_name, ft_data) = ft.into_iter().find(|(n, _)| n.ends_with(".so")).unwrap();
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp36-abi3-manylinux_2_28_x86_64.whl",
        &["cp36-abi3-manylinux_2_28_x86_64"],
        |m| {
            m.retain(|(n, _)| n != PSUTIL_LINUX_SO);
            m.insert(0, (ft_name, ft_data));
        },
    );
    // No interpreter the cp36-abi3 tags admit picks a .cpython-313t file: every one of them
    // finds no file for the module (the error), and the binary is dead weight (a warning).
    let doc = assert_fails_with(&p, &["no-loadable-file"]);
    let warnings: Vec<&str> = doc["inputs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "warning")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(warnings.contains(&"unused-binary"), "{doc:#}");

    // Judged as abi3 on request, the same binary shows what it is.
    let (code, doc) = check_json(&["--abi", "abi3", &p.to_string_lossy()]);
    assert_eq!(code, 1);
    assert_eq!(symbols_of(&doc, "internal-symbol"), ["_Py_DecRefShared", "_Py_MergeZeroLocalRefcount"]);
    assert!(error_codes(&doc).contains(&"symbol-not-in-abi".to_string()));
}

#[test]
fn err_windows_abi3_pyd_claimed_as_abi3t() {
    let dir = scratch_for("win-abi3t");
    let p = retag(
        "psutil-7.1.2-cp37-abi3-win_amd64",
        &dir,
        "psutil-7.1.2-cp37-abi3t-win_amd64.whl",
        &["cp37-abi3t-win_amd64"],
        |_| {},
    );
    let doc = assert_fails_with(&p, &["dll-mismatch", "abi3t-no-modexport", "unloadable"]);
    assert_eq!(symbols_of(&doc, "dll-mismatch"), ["python3.dll"]);
}

#[test]
fn err_python_tag_with_t_is_dead() {
    let dir = scratch_for("dead");
    let p = retag(
        "cp313-abi3t-win_amd64",
        &dir,
        "abi3_abi3t_universal-0.2-cp315t-abi3t-win_amd64.whl",
        &["cp315t-abi3t-win_amd64"],
        |_| {},
    );
    assert_fails_with(&p, &["dead-tag"]);
}

#[test]
fn err_tags_admit_an_interpreter_no_binary_serves() {
    let p = overclaimed_free_threaded_wheel(&scratch_for("overclaim"));
    // The cross products cp313-cp314t / cp314-cp313t are harmless beside the live tags:
    // the failure is 3.13t finding no file, and only that.
    let doc = assert_fails_with(&p, &["no-loadable-file"]);
    assert_eq!(error_codes(&doc), ["no-loadable-file"]);
    let text = doc.to_string();
    assert!(text.contains("3.13t"), "names the interpreter left without a file");
    // Harmless cross-product tags: one warning naming the count and one example; JSON lists each.
    let dead: Vec<&serde_json::Value> =
        doc["inputs"][0]["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "dead-tag").collect();
    assert_eq!(dead.len(), 1, "{doc:#}");
    assert_eq!(dead[0]["severity"], "warning");
    assert_eq!(
        dead[0]["symbols"],
        serde_json::json!(["cp313-cp314t-manylinux_2_28_x86_64", "cp314-cp313t-manylinux_2_28_x86_64"])
    );
    assert!(
        dead[0]["message"].as_str().unwrap().starts_with(
            "no installer accepts 2 tags of the file name's cross product (as cp313-cp314t-manylinux_2_28_x86_64: "
        ),
        "{doc:#}"
    );
    let human = stdout(&run(&["check", &p.to_string_lossy()]));
    let lines: Vec<&str> = human.lines().filter(|l| l.contains("dead-tag")).collect();
    assert_eq!(lines.len(), 1, "{human}");
    assert!(!human.contains("cp314-cp313t-manylinux_2_28_x86_64"), "the example alone is named: {human}");
}

#[test]
fn err_file_name_and_wheel_file_disagree() {
    let dir = scratch_for("mismatch");
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp36-abi3-manylinux_2_28_x86_64.whl",
        &["cp36-abi3-manylinux_2_17_x86_64"],
        |_| {},
    );
    assert_fails_with(&p, &["tags-mismatch"]);
}

#[test]
fn err_abi3_binary_in_a_version_specific_wheel() {
    let dir = scratch_for("abi3-as-cp313t");
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp313-cp313t-manylinux_2_28_x86_64.whl",
        &["cp313-cp313t-manylinux_2_28_x86_64"],
        |_| {},
    );
    assert_fails_with(&p, &["suffix-not-claimed", "unloadable"]);
}

#[test]
fn ok_abi3_binary_in_a_version_specific_gil_wheel() {
    // pygit2's, pymunk's and xattr's cffi modules: `_lib.abi3.so` in a cp3XY-cp3XY wheel. The one
    // interpreter the tags admit searches `.abi3.so`: nothing is wrong, and a cp3XY-abi3 tag would
    // serve the later ones too.
    let dir = scratch_for("abi3-as-cp313");
    let wheels = [
        (PSUTIL_LINUX_ABI3, "psutil-7.1.2-cp313-cp313-manylinux_2_28_x86_64.whl", "cp313-cp313-manylinux_2_28_x86_64"),
        ("psutil-7.1.2-cp37-abi3-win_amd64", "psutil-7.1.2-cp313-cp313-win_amd64.whl", "cp313-cp313-win_amd64"),
    ];
    for (from, name, tag) in wheels {
        let p = retag(from, &dir, name, &[tag], |_| {});
        let (code, doc) = check_json(&[&p.to_string_lossy()]);
        assert_eq!((code, &doc["inputs"][0]["verdict"]), (0, &serde_json::json!("pass")), "{doc:#}");
        let findings = doc["inputs"][0]["findings"].as_array().unwrap();
        let codes: Vec<&str> = findings.iter().map(|f| f["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["abi3-tag-possible"], "{doc:#}");
        assert_eq!(findings[0]["severity"], "info");
        let message = findings[0]["message"].as_str().unwrap();
        assert!(message.starts_with("its extension module is an abi3 build whose imports qualify for abi3 from 3.13: a cp313-abi3 tag would also serve 3.14, "), "{message}");
        assert!(message.ends_with("`uniabi retag WHEEL --tags cp313-abi3` writes it"), "{message}");
        // What the hint advises, retag accepts.
        let out =
            run(&["retag", "--dry-run", &p.to_string_lossy(), "--tags", "cp313-abi3", "-o", &dir.to_string_lossy()]);
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    }
}

#[test]
fn err_python3t_dll_in_an_abi3_wheel() {
    let dir = scratch_for("python3t-abi3");
    let p = retag(
        "cp313-abi3t-win_amd64",
        &dir,
        "abi3_abi3t_universal-0.2-cp313-abi3-win_amd64.whl",
        &["cp313-abi3-win_amd64"],
        |_| {},
    );
    let doc = assert_fails_with(&p, &["dll-mismatch", "unloadable"]);
    assert_eq!(symbols_of(&doc, "dll-mismatch"), ["python3t.dll"]);
}

#[test]
fn err_module_without_its_hook() {
    let dir = scratch_for("no-hook");
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp36-abi3-manylinux_2_28_x86_64.whl",
        &["cp36-abi3-manylinux_2_28_x86_64"],
        |m| {
            for (n, _) in m.iter_mut() {
                if n == PSUTIL_LINUX_SO {
                    *n = "psutil/_renamed.abi3.so".into();
                }
            }
        },
    );
    assert_fails_with(&p, &["missing-hook", "unloadable"]);
}

#[test]
fn err_abi_info_disagrees_with_tags() {
    let dir = scratch_for("abi-info");
    let p = retag(
        "universal-0.2-cp313-abi3-win_amd64",
        &dir,
        "abi3_abi3t_universal-0.2-cp315-abi3.abi3t-win_amd64.whl",
        &["cp315-abi3-win_amd64", "cp315-abi3t-win_amd64"],
        |_| {},
    );
    let doc = assert_fails_with(&p, &["abi-info-mismatch", "dll-mismatch", "unloadable"]);
    let f = doc["inputs"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "abi-info-mismatch").unwrap();
    assert!(f["message"].as_str().unwrap().contains("lacks free-threaded"), "{f}");
}

#[test]
fn err_binary_for_the_wrong_architecture() {
    let dir = scratch_for("arch");
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp36-abi3-manylinux_2_28_aarch64.whl",
        &["cp36-abi3-manylinux_2_28_aarch64"],
        |_| {},
    );
    let doc = assert_fails_with(&p, &["unloadable"]);
    assert!(doc.to_string().contains("has no aarch64 code"));
}

#[test]
fn ok_abi_option_asks_about_qualification() {
    let path = rel(&sample(PSUTIL_LINUX_ABI3));
    let (code, doc) = check_json(&["--abi", "abi3t", &path]);
    assert_eq!(code, 1);
    assert_eq!(doc["inputs"][0]["claims"], serde_json::json!(["abi3"]));
    assert_eq!(doc["inputs"][0]["asked"], "abi3t");
    assert_eq!(error_codes(&doc), ["abi3t-no-modexport", "abi3t-unusable"]);
    let human = stdout(&run(&["check", "--abi", "abi3t", &path]));
    assert!(human.contains(": fail (judged as abi3t, asked; the wheel claims abi3)"), "{human}");
    let universal = rel(&sample("cp313-abi3.abi3t-manylinux"));
    for abi in ["abi3t", "abi2026", "abi3"] {
        let (code, doc) = check_json(&["--abi", abi, &universal]);
        assert_eq!(code, 0, "the universal demo qualifies for {abi}: {doc:#}");
    }
    let (code, doc) = check_json(&["--abi", "abi2026", &rel(&sample("psutil-7.1.2-cp313-cp313t-win"))]);
    assert_eq!(code, 1);
    assert!(symbols_of(&doc, "symbol-not-in-abi").contains(&"PyMutex_Lock".to_string()), "{doc:#}");
}

#[test]
fn err_bad_abi_option_and_unreadable_input() {
    for bad in ["abi4", "cp31", "cp399", "cp29", "cp312t"] {
        let out = run(&["check", "--abi", bad, "samples"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains(&format!("'{bad}' is not an ABI to check")), "{}", stderr(&out));
        assert!(stderr(&out).contains("cp32–cp316 or cp313t–cp316t"), "{}", stderr(&out));
    }
    let dir = scratch_for("unreadable");
    let bad = dir.join("x-1.0-cp313-abi3-linux_x86_64.whl");
    std::fs::write(&bad, b"PK\x03\x04 nope").unwrap();
    let (code, doc) = check_json(&[&bad.to_string_lossy(), &rel(&sample(PSUTIL_LINUX_ABI3))]);
    assert_eq!(code, 2);
    assert_eq!(doc["inputs"][0]["verdict"], "error");
    assert_eq!(doc["inputs"][1]["verdict"], "pass");
}

#[test]
fn err_version_specific_target_checks_suffix_and_build() {
    // A cp313t build asked about as cp313 (GIL): its suffix and its imports say otherwise.
    let ft = rel(&sample("psutil-7.1.2-cp313-cp313t-manylinux"));
    let (code, doc) = check_json(&["--abi", "cp313", &ft]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["inputs"][0]["asked"], "cp313");
    let codes = error_codes(&doc);
    assert!(codes.contains(&"suffix-not-claimed".to_string()), "{codes:?}");
    assert!(codes.contains(&"internal-symbol".to_string()), "{codes:?}");
    let (code, doc) = check_json(&["--abi", "cp313t", &ft]);
    assert_eq!(code, 0, "{doc:#}");
    // Windows: the DLL decides.
    let win = rel(&sample("psutil-7.1.2-cp313-cp313t-win"));
    let (code, doc) = check_json(&["--abi", "cp314t", &win]);
    assert_eq!(code, 1);
    assert!(error_codes(&doc).contains(&"dll-mismatch".to_string()), "{doc:#}");
}

#[test]
fn ok_sarif_output() {
    let out = run(&["check", "--format", "sarif", "--abi", "abi3t", &rel(&sample(PSUTIL_LINUX_ABI3))]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "abi3t-unusable" && r["level"] == "error"));
}

/// `no-free-threaded` is not said of an abi3 wheel when the same run holds a free-threaded
/// wheel of the same release and platform, and is said once per release otherwise.
#[test]
fn ok_no_free_threaded_is_said_once_per_release() {
    let warned = |doc: &serde_json::Value| -> Vec<String> {
        doc["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["findings"].as_array().unwrap().iter().any(|f| f["code"] == "no-free-threaded"))
            .map(|i| i["path"].as_str().unwrap().to_string())
            .collect()
    };
    let abi3_linux = rel(&sample(PSUTIL_LINUX_ABI3));
    let (_, doc) = check_json(&[&abi3_linux]);
    assert_eq!(warned(&doc), std::slice::from_ref(&abi3_linux));
    // With psutil's cp313t wheel for the same platform: not said.
    let (_, doc) = check_json(&[&abi3_linux, &rel(&sample("psutil-7.1.2-cp313-cp313t-manylinux"))]);
    assert!(warned(&doc).is_empty(), "{doc:#}");
    // Two abi3 wheels of one release on two platforms, no free-threaded wheel: said once,
    // naming both platforms.
    let abi3_mac = rel(&sample("psutil-7.1.2-cp36-abi3-macosx"));
    let (_, doc) = check_json(&[&abi3_linux, &abi3_mac]);
    assert_eq!(warned(&doc), std::slice::from_ref(&abi3_linux));
    let text = doc.to_string();
    assert!(text.contains("macosx_11_0_arm64") && text.contains("manylinux_2_28_x86_64"), "{text}");
    // Judged by platform family (psutil 7.2.2's macosx_10_9_x86_64 abi3 wheel beside its
    // macosx_10_13 cp313t one): a free-threaded wheel for another manylinux tag set serves
    // the same machines, a musllinux one does not.
    let dir = scratch_for("no-ft-family");
    let ft = |name: &str, platform: &str| {
        let tag = format!("cp313-cp313t-{platform}");
        rel(&retag("psutil-7.1.2-cp313-cp313t-manylinux", &dir, name, &[&tag], |_| {}))
    };
    let glibc = ft("psutil-7.1.2-cp313-cp313t-manylinux_2_17_x86_64.whl", "manylinux_2_17_x86_64");
    let (_, doc) = check_json(&[&abi3_linux, &glibc]);
    assert!(warned(&doc).is_empty(), "{doc:#}");
    let musl = ft("psutil-7.1.2-cp313-cp313t-musllinux_1_2_x86_64.whl", "musllinux_1_2_x86_64");
    let (_, doc) = check_json(&[&abi3_linux, &musl]);
    assert_eq!(warned(&doc), std::slice::from_ref(&abi3_linux), "{doc:#}");
}

#[test]
fn err_a_zip_that_is_not_a_wheel() {
    let dir = scratch_for("plain-zip");
    let zip_path = dir.join("plain.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut zip, b"x").unwrap();
    zip.finish().unwrap();
    let out = run(&["inspect", &zip_path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("plain.zip: a zip archive, but not a wheel (no .dist-info/WHEEL"),
        "{}",
        stderr(&out)
    );
}

/// Figures and words: a truncated wheel says so in words a user knows, stdout points at
/// stderr for the cause, the counts close the text and are in the JSON, and clap's usage
/// errors read like uniabi's own.
#[test]
fn err_truncated_wheel_and_the_counts() {
    let dir = scratch_for("truncated");
    let good = sample(PSUTIL_LINUX_ABI3);
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.join(good.file_name().unwrap());
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (cut, good) = (cut.to_string_lossy().into_owned(), rel(&good));
    let out = run(&["check", &cut, &good]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), format!("uniabi: error: {cut}: truncated, or not a zip archive\n"));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{cut}: unreadable (the error is on stderr)\n")), "{text}");
    assert!(text.ends_with("2 inputs: 1 pass, 0 fail, 1 unreadable\n"), "{text}");
    let (_, doc) = check_json(&[&cut, &good]);
    assert_eq!(doc["summary"], serde_json::json!({"inputs": 2, "pass": 1, "fail": 0, "unreadable": 1}));

    let verify = run(&["verify", &cut, &good]);
    assert!(stdout(&verify).ends_with("2 inputs: 1 ok, 0 fail, 1 unreadable\n"), "{}", stdout(&verify));

    let usage = run(&["check", "--abi", "abi4", &good]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).starts_with("uniabi: error: invalid value 'abi4' for '--abi <ABI>'"), "{}", stderr(&usage));
}

/// A module's bytes with its `PyInit_` export renamed in the dynamic string table, as a
/// helper library that uses the C API but exports no hook (memray's `_inject.abi3.so`).
fn without_hook(mut so: Vec<u8>, hook: &str) -> Vec<u8> {
    let at = so.windows(hook.len() + 1).position(|w| w[..hook.len()] == *hook.as_bytes() && w[hook.len()] == 0);
    so[at.expect("the hook is in the string table")] = b'Q';
    so
}

#[test]
fn ok_compiled_package_init_is_named_after_its_package() {
    // zeroconf 0.154.0's `_services/__init__.cpython-314t-….so` exports PyInit__services: CPython
    // calls the hook named for the package. Here psutil's cp314t module becomes the package
    // `psutil._psutil_linux`, whose `__init__` exports PyInit__psutil_linux.
    let dir = scratch_for("package-init");
    let module = "psutil/_psutil_linux.cpython-314t-x86_64-linux-gnu.so";
    let init = "psutil/_psutil_linux/__init__.cpython-314t-x86_64-linux-gnu.so";
    let moved = |to: &str| {
        retag(
            "psutil-7.1.2-cp314-cp314t-manylinux",
            &dir,
            "psutil-7.1.2-cp314-cp314t-manylinux_2_28_x86_64.whl",
            &["cp314-cp314t-manylinux_2_28_x86_64"],
            |m| {
                for (n, _) in m.iter_mut() {
                    if n == module {
                        *n = to.into();
                    }
                }
            },
        )
    };
    let p = moved(init);
    let (code, doc) = check_json(&[&p.to_string_lossy()]);
    assert_eq!(code, 0, "{doc:#}");
    let out = run(&["verify", "--json", &p.to_string_lossy()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = doc["inputs"][0]["resolutions"].as_array().unwrap().iter().find(|r| r["file"] == init).cloned();
    let row = row.unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!((row["module"].as_str(), row["loads"].as_bool()), (Some("psutil._psutil_linux"), Some(true)));
    // The same file exporting another package's hook is a module meant and misnamed.
    let p = moved("psutil/_services/__init__.cpython-314t-x86_64-linux-gnu.so");
    let doc = assert_fails_with(&p, &["missing-hook"]);
    assert_eq!(symbols_of(&doc, "missing-hook"), ["PyInit__psutil_linux"]);
}

#[test]
fn ok_helper_library_using_the_c_api_is_judged_by_its_imports_not_failed_as_a_module() {
    // memray's `_inject.abi3.so`: CPython imports, no module hook (loaded by injection).
    let dir = scratch_for("c-api-library");
    let so = read_members(&sample(PSUTIL_LINUX_ABI3)).into_iter().find(|(n, _)| n == PSUTIL_LINUX_SO).unwrap().1;
    let helper = without_hook(so, "PyInit__psutil_linux");
    let add = |m: &mut Members| m.insert(0, ("psutil/_inject.abi3.so".to_string(), helper.clone()));
    let p = retag(
        PSUTIL_LINUX_ABI3,
        &dir,
        "psutil-7.1.2-cp36-abi3-manylinux_2_28_x86_64.whl",
        &["cp36-abi3-manylinux_2_28_x86_64"],
        add,
    );
    let path = p.to_string_lossy().into_owned();
    let (code, doc) = check_json(&[&path]);
    assert_eq!(code, 0, "no missing-hook, no unloadable: {doc:#}");
    assert!(!doc.to_string().contains("_inject"), "its imports are abi3's: nothing to say: {doc:#}");
    let inspect = stdout(&run(&["inspect", &path]));
    assert!(inspect.contains("psutil/_inject.abi3.so  [elf library using the C API, suffix abi3]"), "{inspect}");
    // It still counts for ABI readiness: it blocks abi3t as the module does.
    let (_, doc) = check_json(&["--abi", "abi3t", &path]);
    let findings = doc["inputs"][0]["findings"].as_array().unwrap();
    let library: Vec<&str> = findings
        .iter()
        .filter(|f| f["member"] == "psutil/_inject.abi3.so")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(library, ["abi3t-unusable"], "{doc:#}");
    assert!(
        findings.iter().any(|f| f["member"] == "psutil/_inject.abi3.so"
            && f["message"].as_str().unwrap().contains("cannot be used by an abi3t library")),
        "{doc:#}"
    );

    // Beside a module that qualifies (the universal demo), the library keeps the
    // release from qualifying for PEP 803, and is named as the blocker.
    let p = retag(
        "cp313-abi3.abi3t-manylinux",
        &dir,
        "abi3_abi3t_universal-0.2-cp315-abi3.abi3t-manylinux_2_5_x86_64.whl",
        &["cp315-abi3-manylinux_2_5_x86_64", "cp315-abi3t-manylinux_2_5_x86_64"],
        |m| m.insert(0, ("abi3_abi3t_universal_inject.abi3.so".to_string(), helper.clone())),
    );
    let out = run(&["compare", "--json", &p.to_string_lossy()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pep803 = &doc["groups"][0]["pep803"];
    assert_eq!(pep803["qualifies"], false, "{pep803:#}");
    assert_eq!(pep803["blockers"][0]["member"], "abi3_abi3t_universal_inject.abi3.so");
    assert_eq!(pep803["blockers"][0]["library"], true);
}
