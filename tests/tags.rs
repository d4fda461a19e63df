//! `uniabi tags` run as a binary on tag sets and the sample wheels' filenames.

use std::process::{Command, Output};

use serde_json::Value;

use crate::common;

fn uniabi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uniabi")).args(args).output().expect("uniabi runs")
}

fn json(args: &[&str]) -> (Value, Output) {
    let mut all = vec!["tags", "--json"];
    all.extend_from_slice(args);
    let out = uniabi(&all);
    let doc = serde_json::from_slice(&out.stdout).expect("uniabi tags --json prints JSON");
    (doc, out)
}

/// The interpreters (`3.14t`) that install the input, and the tag each matched.
fn installers(input: &Value) -> Vec<(String, String)> {
    input["interpreters"]
        .as_array()
        .expect("interpreters is a list")
        .iter()
        .filter(|row| row["installs"] == Value::Bool(true))
        .map(|row| {
            let python = row["python"].as_str().expect("python");
            // Every report names interpreters alike: `3.14t`, with `free_threaded` beside it.
            assert_eq!(python.ends_with('t'), row["free_threaded"] == Value::Bool(true), "{row}");
            (python.to_string(), row["matched_tag"].as_str().expect("matched_tag").to_string())
        })
        .collect()
}

fn names(v: &[(String, String)]) -> Vec<&str> {
    v.iter().map(|(n, _)| n.as_str()).collect()
}

fn sample(contains: &str) -> String {
    common::sample_wheels()
        .into_iter()
        .find(|p| p.to_string_lossy().contains(contains))
        .expect("sample exists")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn ok_universal_sample_installs_everywhere_from_313() {
    let path = sample("cp313-abi3.abi3t-manylinux1_x86_64");
    let (doc, out) = json(&[&path]);
    assert!(out.status.success());
    assert_eq!(doc["schema"], "uniabi/tags/1");
    let input = &doc["inputs"][0];
    assert_eq!(input["input"], path.as_str());
    assert_eq!(input["kind"], "wheel");
    assert_eq!(input["tags"].as_array().map(Vec::len), Some(4));
    let got = installers(input);
    assert_eq!(names(&got), ["3.13", "3.13t", "3.14", "3.14t", "3.15", "3.15t", "3.16", "3.16t"]);
    for (name, tag) in &got {
        let abi = if name.ends_with('t') { "abi3t" } else { "abi3" };
        assert_eq!(tag, &format!("cp313-{abi}-manylinux1_x86_64"), "{name}");
    }
    assert_eq!(input["dead_tags"], Value::Array(vec![]));
}

#[test]
fn ok_psutil_abi3_installs_on_no_free_threaded_build() {
    let path = sample("psutil-7.1.2-cp36-abi3-manylinux2010");
    let (doc, out) = json(&[&path]);
    assert!(out.status.success());
    let got = installers(&doc["inputs"][0]);
    assert_eq!(names(&got), ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.16"]);
    assert!(got.iter().all(|(_, t)| t == "cp36-abi3-manylinux2010_x86_64"));
}

#[test]
fn ok_every_sample_is_installed_somewhere() {
    let paths: Vec<String> = common::sample_wheels().iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (doc, out) = json(&args);
    assert!(out.status.success());
    let inputs = doc["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), paths.len());
    for input in inputs {
        // The PyPy wheel is for another implementation: no CPython installs it, and it is not dead.
        let pypy = input["input"].as_str().unwrap().contains("-pp311-");
        assert_eq!(installers(input).is_empty(), pypy, "{}", input["input"]);
        assert_eq!(input["not_cpython"].as_array().unwrap().is_empty(), !pypy, "{}", input["input"]);
        assert_eq!(input["dead_tags"], Value::Array(vec![]), "{}", input["input"]);
    }
    // psutil cp313-cp313t: 3.13t only.
    let i = paths.iter().position(|p| p.contains("cp313-cp313t-win_amd64")).expect("sample");
    assert_eq!(names(&installers(&inputs[i])), ["3.13t"]);
}

#[test]
fn ok_tag_sets_and_dead_tags() {
    let (doc, out) = json(&[
        "cp313-abi3.abi3t-win_amd64",
        "cp315t-abi3t-manylinux_2_28_x86_64",
        "cp315-abi3.abi3t-manylinux_2_28_x86_64",
        "cp313.cp314-cp313t.cp314t-win_amd64",
        "cp315-abi2026-win_amd64",
    ]);
    // cp315t-abi3t is the only tag of its wheel: a harmful dead tag, exit 1.
    assert_eq!(out.status.code(), Some(1));
    let inputs = doc["inputs"].as_array().expect("inputs");

    let got = installers(&inputs[0]);
    assert_eq!(got.iter().find(|(n, _)| n == "3.14t").map(|(_, t)| t.as_str()), Some("cp313-abi3t-win_amd64"));

    assert!(installers(&inputs[1]).is_empty());
    assert_eq!(inputs[1]["dead_tags"][0]["tag"], "cp315t-abi3t-manylinux_2_28_x86_64");
    assert!(inputs[1]["dead_tags"][0]["reason"].as_str().expect("reason").starts_with("the Python tag carries a 't'"));
    assert_eq!(inputs[1]["dead_tags"][0]["harm"], "harmful");

    assert_eq!(names(&installers(&inputs[2])), ["3.15", "3.15t", "3.16", "3.16t"]);

    assert_eq!(names(&installers(&inputs[3])), ["3.13t", "3.14t"]);
    let dead: Vec<&str> =
        inputs[3]["dead_tags"].as_array().expect("dead_tags").iter().map(|d| d["tag"].as_str().expect("tag")).collect();
    assert_eq!(dead, ["cp313-cp314t-win_amd64", "cp314-cp313t-win_amd64"]);
    assert!(inputs[3]["dead_tags"].as_array().expect("dead_tags").iter().all(|d| d["harm"] == "harmless"));
    assert_eq!(inputs[4]["dead_tags"][0]["harm"], "prototype");

    // abi2026: nothing today; every 3.15+ build under the PEP 809 prototype.
    assert!(installers(&inputs[4]).is_empty());
    let pep809: Vec<String> = inputs[4]["interpreters"]
        .as_array()
        .expect("interpreters")
        .iter()
        .filter(|r| r["installs_pep809"] == Value::Bool(true))
        .map(|r| r["python"].as_str().expect("python").to_string())
        .collect();
    assert_eq!(pep809, ["3.15", "3.15t", "3.16", "3.16t"]);

    // Harmless dead tags alone do not fail; PyPy tags are another implementation, not dead.
    let (doc, out) = json(&["cp313.cp314-cp313t.cp314t-win_amd64", "pp311-pypy311_pp73-manylinux_2_17_x86_64"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["inputs"][1]["dead_tags"], Value::Array(vec![]));
    assert_eq!(doc["inputs"][1]["not_cpython"][0], "pp311-pypy311_pp73-manylinux_2_17_x86_64");
    let human =
        String::from_utf8_lossy(&uniabi(&["tags", "pp311-pypy311_pp73-manylinux_2_17_x86_64"]).stdout).into_owned();
    assert!(
        human.contains("  not CPython (another implementation; not judged): pp311-pypy311_pp73-manylinux_2_17_x86_64"),
        "{human}"
    );
}

#[test]
fn err_unparsable_input_is_reported_with_the_others() {
    let (doc, out) = json(&["cp3x-abi3-any", "py3-none-any"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "uniabi: error: 'cp3x-abi3-any' is not a valid wheel tag: \
         'cp3x' is not a Python tag: expected cpXY, pyX or pyXY"
    );
    assert_eq!(
        doc["inputs"][0]["error"],
        "'cp3x-abi3-any' is not a valid wheel tag: 'cp3x' is not a Python tag: expected cpXY, pyX or pyXY"
    );
    assert_eq!(installers(&doc["inputs"][1]).len(), 11);
    // The error is said once, on stderr; stdout marks the input unreadable.
    let human = uniabi(&["tags", "cp3x-abi3-any"]);
    assert_eq!(String::from_utf8_lossy(&human.stdout), "cp3x-abi3-any\n  unreadable\n");

    let out = uniabi(&["tags", "foo-1.0-py3-none.whl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'foo-1.0-py3-none.whl' is not a wheel filename"));
}

#[test]
fn ok_human_table() {
    let out = uniabi(&["tags", "cp315-abi3.abi3t-win_amd64"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "cp315-abi3.abi3t-win_amd64");
    assert_eq!(lines[1], "  tags: cp315-abi3-win_amd64, cp315-abi3t-win_amd64");
    assert!(lines[2].starts_with("  python  installs  via"));
    let row = lines.iter().find(|l| l.starts_with("  3.15t ")).expect("3.15t row");
    assert_eq!(row.split_whitespace().collect::<Vec<_>>(), ["3.15t", "yes", "cp315-abi3t", "cp315-abi3t"]);
    let row = lines.iter().find(|l| l.starts_with("  3.14t ")).expect("3.14t row");
    assert_eq!(row.split_whitespace().collect::<Vec<_>>(), ["3.14t", "no", "-", "-"]);
}
