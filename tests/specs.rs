//! The manifests in `specs/` and `uniabi specs`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use uniabi::specs::{ItemKind, Specs};
use uniabi::version::PyVersion;

/// The project root. (Not `common::root`: Cargo also builds this file as its own test
/// crate, where `common` does not exist.)
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn specs() -> Specs {
    Specs::embedded().expect("the embedded manifests parse")
}

fn uniabi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uniabi")).args(args).output().expect("the uniabi binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

#[test]
fn every_manifest_in_specs_dir_parses_and_is_embedded() {
    let dir = root().join("specs");
    let from_dir = Specs::load_dir(&dir).expect("specs/ parses");
    let embedded = specs();
    for name in ["stable_abi.toml", "abi3t.toml", "abi2026.toml"] {
        assert!(dir.join(name).is_file(), "specs/{name} exists");
    }
    for (d, e) in from_dir.sources().iter().zip(embedded.sources()) {
        assert_eq!(d.file, e.file);
        assert_eq!(d.counts, e.counts, "{} on disk is the embedded one", d.file);
        assert!(!d.header.is_empty(), "{} says where it came from", d.file);
        assert!(d.origin.ends_with(d.file));
        assert_eq!(e.origin, "embedded");
    }
}

#[test]
fn stable_abi_is_the_shared_reference_copy() {
    // specs/stable_abi.toml is CPython's manifest unchanged, header kept.
    let text = std::fs::read_to_string(root().join("specs/stable_abi.toml")).unwrap();
    assert!(text.starts_with("# The Limited API and Stable ABI of CPython"));
}

#[test]
fn stable_items_are_well_formed() {
    let s = specs();
    let max = PyVersion::new(3, 16);
    let mut by_kind: BTreeMap<ItemKind, usize> = BTreeMap::new();
    for item in s.stable_items() {
        // Names are unique across kinds by construction (a map keyed by name), and the
        // parser rejects a name listed under two kinds; count what each kind holds.
        *by_kind.entry(item.kind).or_default() += 1;
        assert!(item.added >= PyVersion::new(3, 2), "{} added {}", item.name, item.added);
        assert!(item.added <= max, "{} added {}", item.name, item.added);
        assert_ne!(item.kind, ItemKind::FeatureMacro);
        if let Some(m) = &item.ifdef {
            assert!(s.feature_macro(m).is_some(), "{}: ifdef {m} is listed", item.name);
        }
        if item.abi3t_opaque {
            assert_eq!(item.kind, ItemKind::Struct, "{}", item.name);
        }
    }
    assert!(by_kind[&ItemKind::Function] > 800, "{by_kind:?}");
    assert!(by_kind[&ItemKind::Data] > 100, "{by_kind:?}");
    assert!(by_kind[&ItemKind::Struct] >= 20, "{by_kind:?}");
    assert!(s.feature_macros().count() >= 5);
    assert_eq!(s.stable("Py_HashBuffer").unwrap().added, max);
    assert!(s.stable("_Py_DecRef").unwrap().abi_only);
    assert_eq!(s.stable("PyErr_SetFromWindowsErr").unwrap().ifdef.as_deref(), Some("MS_WINDOWS"));
    assert_eq!(s.feature_macro("MS_WINDOWS").unwrap().doc, "on Windows");
}

#[test]
fn abi3t_rules_name_stable_functions() {
    let s = specs();
    let rules: Vec<_> = s.abi3t_rules().collect();
    assert!(rules.len() >= 8);
    for r in &rules {
        let item = s.stable(&r.symbol).unwrap_or_else(|| panic!("{} is stable", r.symbol));
        assert!(item.kind.is_symbol(), "{}", r.symbol);
        assert!(item.added < PyVersion::new(3, 15), "{} predates abi3t", r.symbol);
        assert!(!r.reason.is_empty() && !r.replacement.is_empty() && !r.source.is_empty());
    }
    // PEP 803 names these four; domain notes name the others.
    for name in [
        "PyModuleDef_Init",
        "PyModule_Create2",
        "PyModule_FromDefAndSpec2",
        "PyModule_GetDef",
        "PyType_GetModuleByDef",
        "PyState_FindModule",
        "PyState_AddModule",
        "PyState_RemoveModule",
    ] {
        assert!(s.abi3t_rule(name).is_some(), "{name} has a rule");
    }
    let shim: Vec<&str> = rules.iter().filter(|r| r.shim_ok).map(|r| r.symbol.as_str()).collect();
    assert_eq!(shim, ["PyModuleDef_Init", "PyModule_Create2"]);
    // Replacements named by the rules exist in 3.15's Stable ABI.
    for name in ["PyModule_FromSlotsAndSpec", "PyModule_Exec", "PyModule_GetToken", "PyType_GetModuleByToken"] {
        assert_eq!(s.stable(name).unwrap().added, PyVersion::new(3, 15), "{name}");
    }
}

#[test]
fn abi3t_spec_values() {
    let s = specs();
    let a = s.abi3t();
    assert_eq!(a.tag, "abi3t");
    assert_eq!(a.min_version, PyVersion::new(3, 15));
    assert_eq!(a.export_hook_prefix, "PyModExport_");
    assert_eq!(a.windows_dll, "python3t.dll");
    assert_eq!(a.unix_suffixes, [".abi3t.so", ".abi3t-{multiarch}.so"]);
    assert_eq!(a.windows_suffixes, [".pyd"]);
    let opaque: Vec<&str> = a.opaque_structs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(opaque, ["PyObject", "PyVarObject", "PyModuleDef_Base", "PyModuleDef"]);
    for name in opaque {
        let item = s.stable(name).unwrap();
        assert_eq!(item.kind, ItemKind::Struct);
        assert!(item.abi3t_opaque, "{name}");
    }
    assert!(!s.stable("PyMethodDef").unwrap().abi3t_opaque);
}

#[test]
fn internal_symbols_are_not_stable() {
    let s = specs();
    let internal: Vec<_> = s.internal_free_threading_symbols().collect();
    assert!(!internal.is_empty());
    for i in &internal {
        assert!(s.stable(&i.symbol).is_none(), "{} is not stable", i.symbol);
        assert!(!s.in_abi2026(&i.symbol), "{}", i.symbol);
        assert!(i.symbol.starts_with("_Py"), "{}", i.symbol);
        assert!(!i.reason.is_empty() && !i.source.is_empty());
    }
    for name in ["_Py_DecRefShared", "_Py_MergeZeroLocalRefcount"] {
        assert!(s.internal_free_threading(name).is_some(), "{name}");
    }
}

#[test]
fn abi2026_frozen_set() {
    let s = specs();
    let a = s.abi2026();
    assert_eq!(a.tag, "abi2026");
    assert_eq!(a.macro_value, 0x03ff_2026);
    assert_eq!(a.min_version, PyVersion::new(3, 15));
    assert_eq!(a.base_version, PyVersion::new(3, 15));
    for c in [&a.suffix, &a.windows_suffix, &a.windows_dll] {
        assert!(!c.pep_specified, "{} is a prototype choice", c.value);
        assert_eq!(c.label(), Some("prototype choice, not specified by PEP 809"));
    }
    assert_eq!(a.suffix.value, ".abi2026.so");
    assert_eq!(a.windows_dll.value, "python3t.dll");

    assert!(s.in_abi2026("PyObject_GetInterface"));
    assert!(s.in_abi2026("PyInterface_Release"));
    for r in s.abi3t_rules() {
        assert!(!s.in_abi2026(&r.symbol), "{} is unusable in abi3t", r.symbol);
    }
    // The set is exactly: functions and data added by 3.15, minus abi3t rules, plus PEP 809's.
    let expected: Vec<&str> = s
        .stable_items()
        .filter(|i| i.kind.is_symbol() && i.added <= a.base_version)
        .filter(|i| s.abi3t_rule(&i.name).is_none())
        .map(|i| i.name.as_str())
        .chain(a.added.iter().map(|x| x.symbol.as_str()))
        .collect();
    let mut expected = expected;
    expected.sort_unstable();
    let set: Vec<&str> = s.abi2026_symbols().collect();
    assert_eq!(set, expected);
    assert!(set.len() > 900, "{}", set.len());
    assert!(!s.in_abi2026("Py_HashBuffer"), "3.16 is after the freeze");
    assert!(!s.in_abi2026("PyModuleDef"), "structs are not symbols");
    assert!(s.in_abi2026("_Py_DecRef"), "ABI-only symbols are in");
}

#[test]
fn dir_overrides_one_file_and_keeps_the_rest() {
    let dir = std::env::temp_dir().join(format!("uniabi-specs-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stable = std::fs::read_to_string(root().join("specs/stable_abi.toml")).unwrap()
        + "\n[function.PyFuture_Thing]\n    added = '3.16'\n    new_upstream_key = 'ignored'\n";
    std::fs::write(dir.join("stable_abi.toml"), stable).unwrap();
    let s = Specs::load_dir(&dir).unwrap();
    assert_eq!(s.stable("PyFuture_Thing").unwrap().added, PyVersion::new(3, 16));
    assert_eq!(s.sources()[1].origin, "embedded");
    assert!(s.sources()[0].origin.ends_with("stable_abi.toml"));

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = Specs::load_dir(&empty).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("the specs directory {} holds none of stable_abi.toml, abi3t.toml and abi2026.toml", empty.display())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_lists_manifests() {
    let o = uniabi(&["specs"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("stable_abi.toml  (embedded)"), "{out}");
    assert!(out.contains("825 functions, 143 data, 30 structs"), "{out}");
    assert!(out.contains("9 rules, 2 of them allowed in a PyInit_ shim"), "{out}");
    assert!(out.contains("2 added by PEP 809"), "{out}");
    assert!(out.contains("suffix .abi2026.so (prototype choice, not specified by PEP 809)"), "{out}");
    assert!(out.contains("Windows DLL python3t.dll (prototype choice, not specified by PEP 809)"), "{out}");
    assert!(out.contains("Py_LIMITED_API=0x03ff2026"), "{out}");
}

#[test]
fn cli_symbol_unusable_in_abi3t() {
    let o = uniabi(&["specs", "PyModuleDef_Init", "NoSuchSymbol"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("stable ABI  function, added 3.5"), "{out}");
    assert!(out.contains("abi3        yes, since 3.5"), "{out}");
    assert!(out.contains("abi3t       no: takes a statically allocated PyModuleDef"), "{out}");
    assert!(out.contains("instead: export PyModExport_<name>"), "{out}");
    assert!(out.contains("a PyInit_ shim may import it"), "{out}");
    assert!(out.contains("abi2026     no: unusable in abi3t"), "{out}");
    assert!(out.contains("NoSuchSymbol\n  not in any stable ABI\n"), "{out}");
}

#[test]
fn cli_json_for_a_symbol() {
    let o = uniabi(&["specs", "--json", "Py_IncRef", "_Py_DecRefShared"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["schema"], "uniabi/specs/1");
    let inc = &v["symbols"][0];
    assert_eq!(inc["name"], "Py_IncRef");
    assert_eq!(inc["stable"]["kind"], "function");
    assert_eq!(inc["stable"]["added"], "3.2");
    assert_eq!(inc["abi3"]["included"], true);
    assert_eq!(inc["abi3t"]["usable"], true);
    assert_eq!(inc["abi3t"]["since"], "3.15");
    assert_eq!(inc["abi2026"]["included"], true);
    assert!(inc["internal_free_threading"].is_null());
    let shared = &v["symbols"][1];
    assert!(shared["stable"].is_null());
    assert_eq!(shared["abi3"]["included"], false);
    assert!(shared["internal_free_threading"]["reason"].as_str().unwrap().contains("Py_DECREF"));
}

#[test]
fn cli_json_listing_marks_prototype_choices() {
    let o = uniabi(&["specs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["manifests"][0]["counts"]["functions"], 825);
    assert_eq!(v["abi2026"]["macro_value"], "0x03ff2026");
    assert_eq!(v["abi2026"]["suffix"]["pep_specified"], false);
    assert_eq!(v["abi3t"]["windows_dll"], "python3t.dll");
}

#[test]
fn cli_bad_specs_dir() {
    let o = uniabi(&["specs", "--specs", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("uniabi: error: could not load the manifests: cannot read the specs directory /nonexistent: "),
        "{err}"
    );
}

/// A copy of `specs/` in a fresh directory under `target/`, with `min_version` of the
/// manifests named in `moved` raised from 3.15 to 3.16.
fn specs_moved_to_316(name: &str, moved: &[&str]) -> std::path::PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["stable_abi.toml", "abi3t.toml", "abi2026.toml"] {
        let mut text = std::fs::read_to_string(root().join("specs").join(file)).unwrap();
        if moved.contains(&file) {
            assert!(text.contains("\nmin_version = \"3.15\"\n"), "{file} declares min_version 3.15");
            text = text.replace("\nmin_version = \"3.15\"\n", "\nmin_version = \"3.16\"\n");
        }
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn ok_abi3t_min_version_moves_check_and_the_universal_plan() {
    let dir = specs_moved_to_316("specs-abi3t-316", &["abi3t.toml"]);
    let dir = dir.to_str().unwrap();
    let sample = |name: &str| root().join("samples").join(name).to_string_lossy().into_owned();

    // A cp315-abi3.abi3t wheel without a PyInit_ shim: good while abi3t starts at 3.15;
    // once it starts at 3.16 its abi3t claim begins below abi3t's start. The shim stays
    // unneeded: which hooks CPython 3.15 looks up is CPython's fact, not the manifest's,
    // so `check` agrees with `verify` (3.15 imports it through PyModExport_).
    let wheel = sample("cryptography-50.0.2-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl");
    let today = uniabi(&["check", &wheel]);
    assert_eq!(today.status.code(), Some(0), "{}", stdout(&today));
    assert!(stdout(&today).contains(": pass (claims abi3, abi3t)"), "{}", stdout(&today));
    assert!(!stdout(&today).contains("abi3t-below-315"), "{}", stdout(&today));
    let moved = uniabi(&["check", "--specs", dir, &wheel]);
    assert_eq!(moved.status.code(), Some(0), "{}", stdout(&moved));
    assert!(stdout(&moved).contains("warning abi3t-below-315:"), "{}", stdout(&moved));
    assert!(!stdout(&moved).contains("missing-pyinit"), "{}", stdout(&moved));

    // The PEP 803 wheel `compare` plans starts at abi3t's min_version; PEP 809's does not move.
    let inputs = [
        sample("argon2_cffi_bindings-26.2.0-cp310-abi3-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl"),
        sample("argon2_cffi_bindings-26.2.0-cp314-cp314t-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl"),
    ];
    let compare = |specs: Option<&str>| {
        let mut args = vec!["compare", "--json"];
        if let Some(d) = specs {
            args.extend(["--specs", d]);
        }
        args.extend(inputs.iter().map(String::as_str));
        let o = uniabi(&args);
        assert!(o.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("compare --json is JSON")
    };
    let plans = |doc: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for group in doc["groups"].as_array().expect("groups") {
            for plan in [&group["pep803"], &group["pep809"]] {
                out.push((
                    plan["proposal"].as_str().unwrap().to_string(),
                    plan["wheel"].as_str().unwrap().to_string(),
                    plan["min_python"].as_str().unwrap().to_string(),
                ));
            }
        }
        out
    };
    let name = |python: &str, abi: &str| {
        format!("argon2_cffi_bindings-26.2.0-{python}-{abi}-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl")
    };
    assert_eq!(
        plans(&compare(None)),
        [
            ("pep803".to_string(), name("cp315", "abi3.abi3t"), "3.15".to_string()),
            ("pep809".to_string(), name("cp315", "abi2026"), "3.15".to_string()),
        ]
    );
    assert_eq!(
        plans(&compare(Some(dir))),
        [
            ("pep803".to_string(), name("cp316", "abi3.abi3t"), "3.16".to_string()),
            ("pep809".to_string(), name("cp315", "abi2026"), "3.15".to_string()),
        ]
    );
}

#[test]
fn ok_abi2026_min_version_moves_the_pep809_column_of_tags() {
    let dir = specs_moved_to_316("specs-abi2026-316", &["abi2026.toml"]);
    let pep809 = |specs: Option<&str>| -> Vec<String> {
        let mut args = vec!["tags", "--json", "cp315-abi2026-win_amd64"];
        if let Some(d) = specs {
            args.extend(["--specs", d]);
        }
        let o = uniabi(&args);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("tags --json is JSON");
        doc["inputs"][0]["interpreters"]
            .as_array()
            .expect("interpreters")
            .iter()
            .filter(|r| r["installs_pep809"] == serde_json::Value::Bool(true))
            .map(|r| r["python"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(pep809(None), ["3.15", "3.15t", "3.16", "3.16t"]);
    assert_eq!(pep809(Some(dir.to_str().unwrap())), ["3.16", "3.16t"]);
}
