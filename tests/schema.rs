//! JSON Schemas: the files in `specs/schemas/` are what `uniabi schema` generates from
//! the report types (so they cannot drift), and every golden JSON document, plus a
//! fresh document of every kind, is valid against its schema.

use std::collections::BTreeMap;

use crate::common::*;
use crate::json_schema;

const NAMES: [&str; 11] =
    ["inspect", "check", "tags", "verify", "lock", "compare", "merge", "split", "survey", "specs", "retag"];

/// The committed schemas, by document name (`uniabi/check/1`).
fn committed() -> BTreeMap<String, serde_json::Value> {
    let dir = root().join("specs/schemas");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("specs/schemas exists") {
        let path = entry.unwrap().path();
        let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let id = schema["title"].as_str().unwrap_or_else(|| panic!("{}: no title", path.display())).to_string();
        out.insert(id, schema);
    }
    out
}

fn validate(schemas: &BTreeMap<String, serde_json::Value>, doc: &serde_json::Value, what: &str) {
    let id = doc["schema"].as_str().unwrap_or_else(|| panic!("{what}: no schema field"));
    let schema = schemas.get(id).unwrap_or_else(|| panic!("{what}: no schema file for {id}"));
    let errors = json_schema::errors(schema, doc);
    assert!(errors.is_empty(), "{what} is not valid {id}:\n{}", errors.join("\n"));
}

#[test]
fn ok_committed_schemas_are_generated_from_the_types() {
    let dir = root().join("specs/schemas");
    if std::env::var_os("UNIABI_BLESS").is_some() {
        let out = run(&["schema", "--write", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let listing = stdout(&run(&["schema"]));
    let mut files = 0;
    for name in NAMES {
        let out = run(&["schema", name]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let generated = stdout(&out);
        let line = listing.lines().find(|l| l.starts_with(&format!("{name} "))).expect("listed");
        let file = line.rsplit(' ').next().unwrap();
        let committed = std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            committed == generated,
            "{file} differs from `uniabi schema {name}`; regenerate with UNIABI_BLESS=1 cargo test schema"
        );
        files += 1;
    }
    assert_eq!(files, std::fs::read_dir(&dir).unwrap().count(), "a file in specs/schemas/ is no document's schema");
}

#[test]
fn ok_every_golden_document_is_valid() {
    let schemas = committed();
    let mut seen = 0;
    let mut stack = vec![root().join("tests/golden")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if doc.get("schema").is_some() {
                    validate(&schemas, &doc, &rel(&path));
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= 31, "only {seen} golden documents found");
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)))
}

#[test]
fn ok_every_kind_of_document_is_valid() {
    let schemas = committed();
    let samples: Vec<String> = sample_wheels().iter().map(|p| rel(p)).collect();
    let samples: Vec<&str> = samples.iter().map(String::as_str).collect();
    let abi3 = rel(&sample("psutil-7.1.2-cp36-abi3-manylinux2010"));
    let out = scratch("schema-docs");
    let out = out.to_str().unwrap();
    let mut docs = vec![
        json_of(&[&["inspect", "--json"][..], &samples].concat()),
        json_of(&[&["check", "--json"][..], &samples].concat()),
        json_of(&[
            "check",
            "--json",
            "--abi",
            "abi3t",
            "--allow",
            "PyModule_Create2=shim",
            "--ignore",
            "no-free-threaded",
            &abi3,
        ]),
        json_of(
            &[&["tags", "--json", "cp315-abi3.abi3t-manylinux_2_34_x86_64", "cp315t-abi3t-any", "not-a-tag"][..]]
                .concat(),
        ),
        json_of(&[&["verify", "--json"][..], &samples].concat()),
        json_of(&[&["verify", "--json", "--pep809"][..], &samples].concat()),
        json_of(&[
            "verify",
            "--json",
            "--lock",
            "samples/locks/uv.lock",
            "--python",
            "3.15t",
            "--python",
            "3.14t",
            "--platform",
            "manylinux_2_28_x86_64",
            "--platform",
            "macosx_11_0_arm64",
        ]),
        json_of(&[&["compare", "--json"][..], &samples].concat()),
        json_of(&[&["merge", "--json", "--dry-run", "-o", out][..], &samples].concat()),
        json_of(&[
            "split",
            "--json",
            "--dry-run",
            "-o",
            out,
            "samples/abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
        ]),
        json_of(&["survey", "--json", "samples"]),
        json_of(&["specs", "--json"]),
        json_of(&["specs", "--json", "PyModule_Create2", "PyObject_GetInterface"]),
        json_of(&[
            "retag",
            "--json",
            "--dry-run",
            "--tags",
            "cp315-abi3.abi3t",
            "-o",
            out,
            "samples/abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
        ]),
    ];
    assert!(
        docs[2]["suppressed"].as_array().is_some_and(|s| !s.is_empty()),
        "the --allow/--ignore run suppressed nothing"
    );
    for doc in &docs {
        validate(&schemas, doc, doc["schema"].as_str().unwrap_or("?"));
    }
    let ids: std::collections::BTreeSet<&str> = docs.iter().filter_map(|d| d["schema"].as_str()).collect();
    assert_eq!(ids.len(), NAMES.len(), "a kind of document went untested: {ids:?}");

    // The schemas reject what the types cannot produce.
    docs[1]["inputs"][0]["verdict"] = serde_json::json!(42);
    let found = json_schema::errors(&schemas["uniabi/check/1"], &docs[1]);
    assert!(found.iter().any(|e| e.starts_with("42 ") && e.ends_with(" at /inputs/0/verdict")), "{found:?}");
    docs[0]["schema"] = "uniabi/inspect/2".into();
    let found = json_schema::errors(&schemas["uniabi/inspect/1"], &docs[0]);
    assert_eq!(found, ["\"uniabi/inspect/2\" is not \"uniabi/inspect/1\" at /schema"]);
}

#[test]
fn err_unknown_schema_name() {
    let out = run(&["schema", "report"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "uniabi: error: no document named 'report': use one of inspect, check, tags, verify, lock, compare, merge, split, survey, specs, retag\n"
    );
}
