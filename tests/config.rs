//! `[tool.uniabi]` in pyproject.toml: found by walking up from the inputs (then the
//! working directory) or named by --config; every key read, validated and overridden
//! by its flag.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

const ABI3: &str = "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl";

/// A project directory with `pyproject.toml` holding `settings`, and the abi3 sample in `dist/`.
fn project(name: &str, settings: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    std::fs::write(dir.join("pyproject.toml"), format!("[project]\nname = \"demo\"\n\n{settings}")).unwrap();
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    let wheel = dir.join("dist").join(ABI3);
    std::fs::copy(root().join("samples").join(ABI3), &wheel).unwrap();
    (dir, wheel)
}

fn run_in(cwd: &Path, args: &[&str]) -> Output {
    uniabi().current_dir(cwd).args(args).output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

/// The error findings of the first input, as (code, symbols).
fn errors(doc: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    doc["inputs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            let symbols = f["symbols"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
            (f["code"].as_str().unwrap().to_string(), symbols)
        })
        .collect()
}

fn w(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn ok_abi_is_read_by_walking_up_from_the_input_and_the_flag_wins() {
    let (_dir, wheel) = project("config-abi", "[tool.uniabi]\nabi = \"abi3t\"\n");
    // From the repository root (whose pyproject.toml has no [tool.uniabi]): found above the wheel.
    let out = run(&["check", "--json", w(&wheel)]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc = json(&out);
    assert!(errors(&doc).iter().any(|(c, _)| c == "abi3t-no-modexport"), "{:?}", errors(&doc));
    assert_eq!(run(&["check", "--abi", "auto", w(&wheel)]).status.code(), Some(0));
    assert_eq!(run(&["check", "--no-config", w(&wheel)]).status.code(), Some(0));
}

#[test]
fn ok_found_from_the_working_directory_when_not_above_the_inputs() {
    let (dir, _) = project("config-cwd", "[tool.uniabi]\nabi = \"abi3t\"\n");
    let sample = root().join("samples").join(ABI3);
    assert_eq!(run_in(&dir, &["check", w(&sample)]).status.code(), Some(1));
    assert_eq!(run_in(&dir.join("dist"), &["check", w(&sample)]).status.code(), Some(1));
    assert_eq!(run(&["check", w(&sample)]).status.code(), Some(0));
}

#[test]
fn ok_config_flag_names_the_file() {
    let (dir, _) = project("config-flag", "[tool.uniabi]\nabi = \"abi3t\"\n");
    let sample = root().join("samples").join(ABI3);
    let cfg = dir.join("pyproject.toml");
    assert_eq!(run(&["check", "--config", w(&cfg), w(&sample)]).status.code(), Some(1));
    let out = run(&["check", "--config", "Cargo.toml", w(&sample)]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "uniabi: error: Cargo.toml: has no [tool.uniabi] table; add one or leave out --config\n");
    let out = run(&["check", "--config", "no/such/pyproject.toml", w(&sample)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("uniabi: error: no/such/pyproject.toml: cannot read the settings: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn ok_ignore_by_code_and_the_flag_wins() {
    let sample = root().join("samples").join(ABI3);
    let doc = json(&run(&["check", "--json", "--no-config", "--abi", "abi3t", w(&sample)]));
    let mut codes: Vec<String> = errors(&doc).into_iter().map(|(c, _)| c).collect();
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 2, "{codes:?}");
    let list = codes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let (_dir, wheel) = project("config-ignore", &format!("[tool.uniabi]\nabi = \"abi3t\"\nignore = [{list}]\n"));

    let out = run(&["check", "--json", w(&wheel)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["inputs"][0]["verdict"], "pass");
    let suppressed: Vec<&str> =
        doc["suppressed"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    for c in &codes {
        assert!(suppressed.contains(&c.as_str()), "{c} not reported as suppressed");
    }
    let human = stdout(&run(&["check", w(&wheel)]));
    assert!(human.contains(&format!("  left out {}: psutil/_psutil_linux.abi3.so (ignored)\n", codes[0])), "{human}");

    // --ignore replaces the list: ignoring one code leaves the others failing.
    let out = run(&["check", "--json", "--ignore", &codes[0], w(&wheel)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(errors(&json(&out)).iter().all(|(c, _)| c != &codes[0]));
}

#[test]
fn ok_allow_symbols_with_a_reason_and_the_flag_wins() {
    let sample = root().join("samples").join(ABI3);
    let doc = json(&run(&["check", "--json", "--no-config", "--abi", "abi3t", w(&sample)]));
    let (code, symbols) = errors(&doc).into_iter().find(|(_, s)| !s.is_empty()).expect("an abi3t error naming symbols");
    let allow: String = symbols.iter().map(|s| format!("{s} = \"guarded by a version check\"\n")).collect();
    let (_dir, wheel) =
        project("config-allow", &format!("[tool.uniabi]\nabi = \"abi3t\"\n\n[tool.uniabi.allow]\n{allow}"));

    let doc = json(&run(&["check", "--json", w(&wheel)]));
    assert!(
        errors(&doc).iter().all(|(c, s)| !(c == &code && s.iter().any(|x| symbols.contains(x)))),
        "{code} still names allowed symbols: {:?}",
        errors(&doc)
    );
    let entry = doc["suppressed"].as_array().unwrap().iter().find(|s| s["code"] == code.as_str()).expect("reported");
    assert_eq!(entry["reason"], "guarded by a version check");
    assert_eq!(entry["symbols"].as_array().unwrap().len(), symbols.len());

    // --allow replaces the table: allowing something else brings the finding back.
    let doc = json(&run(&["check", "--json", "--allow", "PyNothing=not imported", w(&wheel)]));
    assert!(errors(&doc).iter().any(|(c, s)| c == &code && s == &symbols));
    let out = run(&["check", "--allow", "PyNothing", w(&wheel)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'PyNothing' is not SYMBOL=REASON"), "{}", stderr(&out));
}

#[test]
fn err_unknown_keys_and_bad_values_name_the_key() {
    for (settings, expected) in [
        ("[tool.uniabi]\nabi3 = true\n", "[tool.uniabi]: unknown field `abi3`"),
        ("[tool.uniabi]\nabi = \"abi4\"\n", "[tool.uniabi] abi = \"abi4\": 'abi4' is not an ABI to check"),
        ("[tool.uniabi]\nmerge-scheme = \"thin\"\n", "[tool.uniabi] merge-scheme = \"thin\": unknown scheme 'thin'"),
        (
            "[tool.uniabi]\nignore = [\"Bad Code\"]\n",
            "[tool.uniabi] ignore = \"Bad Code\": not one of check's finding codes",
        ),
        (
            "[tool.uniabi]\nignore = [\"no-such-code\"]\n",
            "[tool.uniabi] ignore = \"no-such-code\": not one of check's finding codes",
        ),
        ("[tool.uniabi.allow]\nPyFoo = \"\"\n", "[tool.uniabi] allow = \"PyFoo\": give the reason"),
        ("[tool.uniabi]\nabi = 3\n", "[tool.uniabi]: invalid type: integer `3`, expected a string"),
    ] {
        let (dir, wheel) = project("config-bad", settings);
        for args in [&["check", w(&wheel)][..], &["merge", "--dry-run", "-o", w(&dir.join("out")), w(&wheel)][..]] {
            let out = run(args);
            assert_eq!(out.status.code(), Some(2), "{settings}");
            let err = stderr(&out);
            let file = std::fs::canonicalize(dir.join("pyproject.toml")).unwrap();
            assert!(err.starts_with(&format!("uniabi: error: {}: {expected}", file.display())), "{settings}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn ok_merge_scheme_and_metadata_from_are_read_and_flags_win() {
    let inputs = ["psutil-7.1.2-cp313-cp313t-manylinux2010", "psutil-7.1.2-cp314-cp314t-manylinux2010"];
    let dir = scratch("config-merge");
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    let mut wheels = Vec::new();
    for part in inputs {
        let src = sample(part);
        let dst = dir.join("dist").join(src.file_name().unwrap());
        std::fs::copy(&src, &dst).unwrap();
        wheels.push(dst.to_str().unwrap().to_string());
    }
    let outdir = dir.join("out");
    let merge = |extra: &[&str]| {
        let mut args = vec!["merge", "--json", "--dry-run", "-o", outdir.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend(wheels.iter().map(String::as_str));
        run(&args)
    };
    let schemes = |out: &Output| -> Vec<String> {
        json(out)["outputs"].as_array().unwrap().iter().map(|o| o["scheme"].as_str().unwrap().to_string()).collect()
    };

    // pep803 refuses these version-specific builds; fat merges them.
    std::fs::write(dir.join("pyproject.toml"), "[tool.uniabi]\nmerge-scheme = \"pep803\"\n").unwrap();
    let out = merge(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!json(&out)["refused"].as_array().unwrap().is_empty());
    let out = merge(&["--scheme", "fat"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(schemes(&out), ["fat"]);
    std::fs::write(dir.join("pyproject.toml"), "[tool.uniabi]\nmerge-scheme = \"fat\"\n").unwrap();
    let out = merge(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(schemes(&out), ["fat"]);
    assert_eq!(merge(&["--scheme", "pep803"]).status.code(), Some(1));

    // metadata-from: a pattern must name exactly one input; --metadata-from refuse (or a wheel) wins.
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.uniabi]\nmerge-scheme = \"fat\"\nmetadata-from = \"*-cp315-*\"\n",
    )
    .unwrap();
    let out = merge(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "uniabi: error: [tool.uniabi] metadata-from = \"*-cp315-*\": matches none of the inputs; pass --metadata-from WHEEL\n"
    );
    assert_eq!(merge(&["--metadata-from", "refuse"]).status.code(), Some(0));
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.uniabi]\nmerge-scheme = \"fat\"\nmetadata-from = \"*-cp31?-*\"\n",
    )
    .unwrap();
    let out = merge(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("matches 2 inputs"), "{}", stderr(&out));
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.uniabi]\nmerge-scheme = \"fat\"\nmetadata-from = \"*-cp314-*\"\n",
    )
    .unwrap();
    let out = merge(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = merge(&["--metadata-from", "nothing.whl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--metadata-from nothing.whl: not one of the inputs"), "{}", stderr(&out));
}

#[test]
fn err_inputs_under_two_configured_projects() {
    let (a, wa) = project("config-two-a", "[tool.uniabi]\nabi = \"abi3\"\n");
    let (_b, wb) = project("config-two-b", "[tool.uniabi]\nabi = \"abi3t\"\n");
    let out = run(&["check", w(&wa), w(&wb)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the inputs lie under two projects with [tool.uniabi] settings"), "{}", stderr(&out));
    assert_eq!(run(&["check", "--config", w(&a.join("pyproject.toml")), w(&wa), w(&wb)]).status.code(), Some(0));
}
