//! Unit tests of manifest parsing and cross-checking.

use super::abi2026::parse_macro_value;
use super::stable::parse_stable;
use super::*;
use crate::version::PyVersion;

fn text(label: &str, s: &str) -> Text {
    Text { label: label.to_string(), origin: label.to_string(), text: s.to_string() }
}

fn with_stable(s: &str) -> Result<Specs, SpecError> {
    Specs::from_texts(
        text("stable_abi.toml", s),
        Text::embedded(ABI3T_FILE, EMBEDDED_ABI3T),
        Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
    )
}

fn err_text(r: Result<Specs, SpecError>) -> String {
    crate::output::chain(&r.expect_err("the manifest is rejected"))
}

#[test]
fn ok_embedded() {
    let specs = Specs::embedded().unwrap();
    let m = specs.stable("PyModuleDef_Init").unwrap();
    assert_eq!(m.kind, ItemKind::Function);
    assert_eq!(m.added, PyVersion::new(3, 5));
    assert!(specs.abi3t_rule("PyModuleDef_Init").unwrap().shim_ok);
    assert!(!specs.in_abi2026("PyModuleDef_Init"));
    assert!(specs.in_abi2026("Py_IncRef"));
    assert!(specs.in_abi2026("PyObject_GetInterface"));
    assert!(!specs.in_abi2026("Py_HashBuffer"), "added in 3.16, after the freeze");
    assert!(specs.stable("PyObject").unwrap().abi3t_opaque);
    assert_eq!(specs.abi2026().macro_value, 0x03ff_2026);
    assert_eq!(specs.feature_macro("USE_STACKCHECK").unwrap().windows, WindowsAvailability::Maybe);
}

#[test]
fn ok_unknown_keys_and_upstream_kinds() {
    let s = "# header line\n[function.PyFoo]\nadded = '3.2'\nnew_key = 'x'\n[const.PY_FOO]\nadded = '3.13'\n\
             [feature_macro.MS_WINDOWS]\ndoc = 'on Windows'\nwindows = true\n";
    // The embedded abi3t rules name symbols this small file lacks, so check the parser alone.
    let (items, macros) = parse_stable(&text("s.toml", s)).unwrap();
    assert_eq!(items["PyFoo"].added, PyVersion::new(3, 2));
    assert_eq!(items["PY_FOO"].kind, ItemKind::Const);
    assert_eq!(macros["MS_WINDOWS"].windows, WindowsAvailability::Yes);
    assert_eq!(header(s), vec!["header line".to_string()]);
}

#[test]
fn ok_macro_value() {
    assert_eq!(parse_macro_value("0x03ff2026", "abi2026"), Some(0x03ff_2026));
    assert_eq!(parse_macro_value("0x03ff_2031", "abi2031"), Some(0x03ff_2031));
    assert_eq!(parse_macro_value("0x03ff2026", "abi2031"), None);
    assert_eq!(parse_macro_value("0x03fe2026", "abi2026"), None);
}

#[test]
fn err_bad_toml() {
    assert_eq!(
        err_text(with_stable("[function.PyFoo]\nadded = \n")),
        "stable_abi.toml is not a valid manifest: line 2: string values must be quoted, expected literal string"
    );
}

#[test]
fn err_bad_version() {
    assert_eq!(
        err_text(with_stable("[function.PyFoo]\nadded = '3.x'\n")),
        "stable_abi.toml: [function.PyFoo] has an unusable version: '3.x' is not a Python version of the form 3.15"
    );
}

#[test]
fn err_unknown_kind() {
    assert_eq!(
        err_text(with_stable("[method.PyFoo]\nadded = '3.2'\n")),
        "stable_abi.toml: [method.*] is not an item kind (expected function, data, struct, macro, const, typedef or feature_macro)"
    );
}

#[test]
fn err_symbol_twice() {
    assert_eq!(
        err_text(with_stable("[function.PyFoo]\nadded = '3.2'\n[data.PyFoo]\nadded = '3.2'\n")),
        "stable_abi.toml: 'PyFoo' is listed twice, as [data.PyFoo] and [function.PyFoo]"
    );
}

#[test]
fn err_missing_added_and_bad_ifdef() {
    assert_eq!(
        err_text(with_stable("[function.PyFoo]\nabi_only = true\n")),
        "stable_abi.toml: [function.PyFoo] has no 'added' version"
    );
    assert_eq!(
        err_text(with_stable("[function.PyFoo]\nadded = '3.2'\nifdef = 'NOPE'\n")),
        "stable_abi.toml: [function.PyFoo] has ifdef = 'NOPE', which is no [feature_macro]"
    );
}

#[test]
fn err_rule_for_missing_symbol() {
    // The embedded abi3t rules name PyModuleDef_Init, which this file lacks.
    let s = "[struct.PyObject]\nadded = '3.2'\n[struct.PyVarObject]\nadded = '3.2'\n\
             [struct.PyModuleDef_Base]\nadded = '3.2'\n[struct.PyModuleDef]\nadded = '3.2'\n";
    assert_eq!(
        err_text(with_stable(s)),
        "abi3t.toml (embedded): the rule for 'PyModuleDef_Init' names no function or data of stable_abi.toml"
    );
}

#[test]
fn err_internal_symbol_in_stable_abi() {
    let abi3t = EMBEDDED_ABI3T.replace("symbol = \"_Py_DecRefShared\"", "symbol = \"Py_IncRef\"");
    let r = Specs::from_texts(
        Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
        text("abi3t.toml", &abi3t),
        Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
    );
    assert_eq!(
        err_text(r),
        "abi3t.toml: the internal symbol 'Py_IncRef' is in the Stable ABI (stable_abi.toml lists it as function)"
    );
}

#[test]
fn err_abi3t_unknown_field() {
    let abi3t = EMBEDDED_ABI3T.replace("shim_ok = true", "shim_okay = true");
    let r = Specs::from_texts(
        Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
        text("abi3t.toml", &abi3t),
        Text::embedded(ABI2026_FILE, EMBEDDED_ABI2026),
    );
    assert!(err_text(r).starts_with("abi3t.toml is not a valid manifest: line "));
}

#[test]
fn err_macro_value() {
    let abi2026 = EMBEDDED_ABI2026.replace("0x03ff2026", "0x03ff2025");
    let r = Specs::from_texts(
        Text::embedded(STABLE_ABI_FILE, EMBEDDED_STABLE_ABI),
        Text::embedded(ABI3T_FILE, EMBEDDED_ABI3T),
        text("abi2026.toml", &abi2026),
    );
    assert_eq!(
        err_text(r),
        "abi2026.toml: macro_value '0x03ff2025' is not 0x03ffYYYY with YYYY the year of the tag 'abi2026'"
    );
}

#[test]
fn err_dir() {
    let e = Specs::load_dir(Path::new("/nonexistent/specs")).unwrap_err();
    assert!(matches!(e, SpecError::Dir { .. }));
    assert_eq!(e.to_string(), "cannot read the specs directory /nonexistent/specs");
}
