//! `uniabi inspect` on the real sample wheels: golden human and JSON output,
//! the JSON contract, and errors.

use crate::common::*;

fn golden_name(wheel: &std::path::Path, ext: &str) -> String {
    let stem = wheel.file_stem().unwrap().to_string_lossy().into_owned();
    format!("inspect/{stem}.{ext}")
}

#[test]
fn ok_golden_human_and_json_for_every_sample() {
    for wheel in sample_wheels() {
        let path = rel(&wheel);
        let human = run(&["inspect", "--verbose", &path]);
        assert_eq!(human.status.code(), Some(0), "{path}: {}", stderr(&human));
        golden(&golden_name(&wheel, "txt"), &stdout(&human));
        let json = run(&["inspect", "--json", &path]);
        assert_eq!(json.status.code(), Some(0), "{path}: {}", stderr(&json));
        golden(&golden_name(&wheel, "json"), &stdout(&json));
    }
}

#[test]
fn ok_json_contract() {
    let wheel = sample("cp313-cp313t-manylinux");
    let out = run(&["inspect", "--json", &rel(&wheel)]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "uniabi/inspect/1");
    let input = &doc["inputs"][0];
    assert_eq!(input["error"], serde_json::Value::Null);
    assert_eq!(input["wheel"]["name"], "psutil");
    assert_eq!(input["wheel"]["version"], "7.1.2");
    assert_eq!(input["wheel"]["build"], serde_json::Value::Null);
    let tags: Vec<&str> = input["wheel"]["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    let mut sorted = tags.clone();
    sorted.sort();
    assert_eq!(tags, sorted, "tags are sorted");
    assert!(tags.contains(&"cp313-cp313t-manylinux_2_28_x86_64"));
    let bin = &input["binaries"][0];
    assert_eq!(bin["member"], "psutil/_psutil_linux.cpython-313t-x86_64-linux-gnu.so");
    assert_eq!(bin["role"], "extension");
    assert_eq!(bin["format"], "elf");
    assert_eq!(bin["suffix_abi"], "cp313t");
    let slice = &bin["slices"][0];
    assert_eq!(slice["arch"], "x86_64");
    assert_eq!(slice["module_hooks"], serde_json::json!(["PyInit__psutil_linux"]));
    assert_eq!(slice["python_library"], serde_json::Value::Null);
    let imports: Vec<&str> = slice["python_imports"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(imports.contains(&"PyArg_ParseTuple"));
    assert!(imports.windows(2).all(|w| w[0] < w[1]), "imports sorted and unique");
    assert!(imports.iter().all(|s| s.starts_with("Py") || s.starts_with("_Py")));
}

#[test]
fn ok_fat_macho_reports_every_slice() {
    let wheel = sample("abi3.abi3t-macosx_10_15_universal2");
    let out = run(&["inspect", "--json", &rel(&wheel)]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let slices = doc["inputs"][0]["binaries"][0]["slices"].as_array().unwrap();
    let arches: Vec<&str> = slices.iter().map(|s| s["arch"].as_str().unwrap()).collect();
    assert_eq!(arches.len(), 2, "{arches:?}");
    assert!(arches.contains(&"x86_64") && arches.contains(&"aarch64"), "{arches:?}");
    for s in slices {
        let hooks = s["module_hooks"].as_array().unwrap();
        assert!(hooks.iter().any(|h| h.as_str().unwrap().starts_with("PyModExport_")), "{s}");
        assert!(hooks.iter().any(|h| h.as_str().unwrap().starts_with("PyInit_")), "{s}");
    }
}

#[test]
fn ok_windows_dll_names() {
    for (part, dll) in [
        ("psutil-7.1.2-cp37-abi3-win_amd64", "python3.dll"),
        ("psutil-7.1.2-cp313-cp313t-win_amd64", "python313t.dll"),
        ("universal-0.2-cp313-abi3t-win_amd64", "python3t.dll"),
        ("universal-0.2-cp313-abi3-win_amd64", "python3.dll"),
    ] {
        let out = run(&["inspect", "--json", &rel(&sample(part))]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let slice = &doc["inputs"][0]["binaries"][0]["slices"][0];
        assert_eq!(slice["python_library"].as_str().map(str::to_ascii_lowercase).as_deref(), Some(dll), "{part}");
    }
}

#[test]
fn ok_directory_and_bare_file() {
    let dir = scratch("inspect-bare");
    let wheel = sample("cp36-abi3-manylinux");
    let zip = zip::ZipArchive::new(std::fs::File::open(&wheel).unwrap());
    let mut zip = zip.unwrap();
    let mut member = zip.by_name("psutil/_psutil_linux.abi3.so").unwrap();
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut member, &mut data).unwrap();
    std::fs::write(dir.join("_psutil_linux.abi3.so"), &data).unwrap();
    let out = run(&["inspect", "--json", &dir.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let input = &doc["inputs"][0];
    assert_eq!(input["wheel"], serde_json::Value::Null);
    let member = input["binaries"][0]["member"].as_str().unwrap();
    assert_eq!(member, input["path"].as_str().unwrap(), "a bare file's member is its path");
    assert_eq!(input["binaries"][0]["suffix_abi"], "abi3");
}

#[test]
fn err_unreadable_inputs_are_named_and_others_still_reported() {
    let dir = scratch("inspect-errors");
    let not_zip = dir.join("broken-1.0-cp313-abi3-linux_x86_64.whl");
    std::fs::write(&not_zip, b"this is not a zip").unwrap();
    let garbage = dir.join("garbage.so");
    std::fs::write(&garbage, b"\x7fELF\x02\x01\x01 truncated").unwrap();
    let good = sample("cp36-abi3-manylinux");
    let out = run(&[
        "inspect",
        "--json",
        &not_zip.to_string_lossy(),
        &rel(&good),
        &garbage.to_string_lossy(),
        "does/not/exist.whl",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = doc["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 4);
    assert!(inputs[0]["error"].as_str().unwrap().contains("not a zip archive"), "{}", inputs[0]["error"]);
    assert_eq!(inputs[1]["error"], serde_json::Value::Null);
    assert_eq!(inputs[1]["binaries"].as_array().unwrap().len(), 1);
    assert!(inputs[2]["error"].as_str().unwrap().contains("malformed elf"), "{}", inputs[2]["error"]);
    assert!(inputs[3]["error"].as_str().unwrap().contains("cannot open"), "{}", inputs[3]["error"]);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 3, "one line per failed input:\n{err}");
    for (line, input) in err.lines().zip([&not_zip, &garbage]) {
        assert!(line.contains(&*input.to_string_lossy()), "{line}");
    }
}

#[test]
fn ok_jobs_change_nothing_but_speed() {
    // Every sample, read on one worker and on several: the same report, byte for byte.
    let samples = rel(&root().join("samples"));
    for command in [&["inspect", "--json"][..], &["check", "--format", "json"], &["survey", "--json"]] {
        let mut outputs = Vec::new();
        for jobs in ["1", "3", "16"] {
            let out = run(&[command, &["-j", jobs, &samples]].concat());
            assert!(out.status.code().is_some_and(|c| c < 2), "{command:?} -j {jobs}: {}", stderr(&out));
            outputs.push(stdout(&out));
        }
        assert!(outputs[0].len() > 1000, "{command:?}: {}", outputs[0]);
        assert!(outputs.iter().all(|o| *o == outputs[0]), "{command:?}: output depends on --jobs");
    }
}

/// psutil's Windows abi3 wheel carrying, as delvewheel leaves them, a vendored DLL whose
/// import table spans two sections (which the loader reads) and one that is no PE at all.
fn wheel_with_vendored_dlls(dir: &std::path::Path) -> std::path::PathBuf {
    let (dll, _) = pe_with_dll_names_elsewhere();
    let name = "psutil-7.1.2-cp37-abi3-win_amd64.whl";
    retag("cp37-abi3-win_amd64", dir, name, &["cp37-abi3-win_amd64"], |m| {
        m.insert(0, ("psutil.libs/geos_c-6dd9fd915eef8a7928285416bef1e666.dll".into(), dll));
        m.insert(1, ("psutil.libs/broken-0123.dll".into(), b"MZ but no PE image behind it".to_vec()));
    })
}

#[test]
fn ok_unreadable_library_is_a_warning_and_the_run_goes_on() {
    let dir = scratch("inspect-vendored-dlls");
    let wheel = wheel_with_vendored_dlls(&dir);
    let path = wheel.display().to_string();
    let warning = format!(
        "uniabi: warning: {path}: psutil.libs/broken-0123.dll: a vendored library that could not be read (malformed pe file: "
    );

    let out = run(&["inspect", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(&warning) && stderr(&out).lines().count() == 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("  psutil.libs/geos_c-6dd9fd915eef8a7928285416bef1e666.dll  [pe library]\n    x86_64: 0 CPython imports of 3 imported symbols"), "{text}");
    assert!(text.contains("  psutil.libs/broken-0123.dll  [library, not read: malformed pe file: "), "{text}");
    assert!(text.ends_with("1 input: 1 wheel, 2 binaries (1 library not read), 2 slices, 0 unreadable\n"), "{text}");
    let doc: serde_json::Value = serde_json::from_slice(&run(&["inspect", "--json", &path]).stdout).unwrap();
    assert_eq!(doc["inputs"][0]["unreadable_libraries"][0]["member"], "psutil.libs/broken-0123.dll");

    // compare and survey go on too, saying so; check never reads vendored libraries.
    let out = run(&["compare", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(&warning), "{}", stderr(&out));
    assert!(stdout(&out).contains("psutil 7.1.2 for win_amd64"), "{}", stdout(&out));
    let out = run(&["survey", "--json", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = doc["projects"][0]["notes"].to_string();
    assert!(notes.contains("psutil.libs/broken-0123.dll: a vendored library that could not be read"), "{notes}");
    let out = run(&["check", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // merge copies it raw, and says so.
    let out = run(&["merge", "--dry-run", "-o", &dir.join("out").display().to_string(), &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("psutil.libs/broken-0123.dll: a vendored library that could not be read"));
}
