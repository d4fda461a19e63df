//! Unit tests of the tag grammar, tag sets, wheel filenames and installer acceptance.

use std::path::Path;

use super::*;
use crate::version::PyVersion;

fn v(major: u8, minor: u8) -> PyVersion {
    PyVersion::new(major, minor)
}

fn set(s: &str) -> TagSet {
    s.parse().unwrap()
}

fn interp(s: &str) -> Interpreter {
    s.parse().unwrap()
}

/// abi2026's `min_version` in the embedded manifests: where the PEP 809 prototype starts.
fn abi2026_since() -> PyVersion {
    crate::specs::Specs::embedded().unwrap().abi2026().min_version
}

fn pairs(v: &[(PythonTag, AbiTag)]) -> Vec<String> {
    v.iter().map(|(p, a)| format!("{p}-{a}")).collect()
}

#[test]
fn ok_python_tags_round_trip() {
    let cases = [
        ("cp313", PythonTag::cpython(v(3, 13))),
        ("cp36", PythonTag::cpython(v(3, 6))),
        ("cp310", PythonTag::cpython(v(3, 10))),
        ("cp315t", PythonTag::CPythonThreaded { version: v(3, 15) }),
        ("cp3", PythonTag::CPythonMajor(3)),
        ("py3", PythonTag::python_major(3)),
        ("py30", PythonTag::python(v(3, 0))),
        ("py313", PythonTag::python(v(3, 13))),
        ("pp310", PythonTag::Other("pp310".into())),
        ("graalpy311", PythonTag::Other("graalpy311".into())),
        ("cpython", PythonTag::Other("cpython".into())),
    ];
    for (text, tag) in cases {
        assert_eq!(text.parse::<PythonTag>().unwrap(), tag, "{text}");
        assert_eq!(tag.to_string(), text);
    }
}

#[test]
fn err_python_tags() {
    for bad in ["cp3x", "cp3t", "py313t", "cp303", "cp3256", "CP313", "", "3cp", "py-3"] {
        let e = bad.parse::<PythonTag>().unwrap_err();
        assert_eq!(e, TagError::PythonTag(bad.into()));
    }
    assert_eq!(
        "cp3x".parse::<PythonTag>().unwrap_err().to_string(),
        "'cp3x' is not a Python tag: expected cpXY, pyX or pyXY"
    );
}

#[test]
fn ok_abi_tags_round_trip() {
    let cp = |minor, free_threaded, debug| AbiTag::CPython { version: v(3, minor), free_threaded, debug };
    let legacy =
        |major, minor, debug, pymalloc, ucs4| AbiTag::CPythonLegacy { version: v(major, minor), debug, pymalloc, ucs4 };
    let cases = [
        ("none", AbiTag::None),
        ("abi3", AbiTag::Abi3),
        ("abi3t", AbiTag::Abi3t),
        ("abi2026", AbiTag::ABI2026),
        ("abi2031", AbiTag::AbiYear(2031)),
        ("cp313", cp(13, false, false)),
        ("cp313t", cp(13, true, false)),
        ("cp38d", cp(8, false, true)),
        ("cp313td", cp(13, true, true)),
        ("cp37m", legacy(3, 7, false, true, false)),
        ("cp36dm", legacy(3, 6, true, true, false)),
        ("cp27mu", legacy(2, 7, false, true, true)),
        ("pypy310_pp73", AbiTag::Other("pypy310_pp73".into())),
    ];
    for (text, tag) in cases {
        assert_eq!(text.parse::<AbiTag>().unwrap(), tag, "{text}");
        assert_eq!(tag.to_string(), text);
    }
    assert!(AbiTag::Abi3t.is_stable() && !AbiTag::None.is_stable());
}

#[test]
fn err_abi_tags() {
    for bad in ["cp313x", "cp3", "cp313tm", "cp313dt", "abi4", "abi20261", "ABI3", "", "abi3-"] {
        assert_eq!(bad.parse::<AbiTag>().unwrap_err(), TagError::AbiTag(bad.into()), "{bad}");
    }
    assert_eq!(
        "cp313x".parse::<AbiTag>().unwrap_err().to_string(),
        "'cp313x' is not an ABI tag: expected none, abi3, abi3t, abiYYYY, \
         or cpXY followed by the flags t and d"
    );
}

#[test]
fn ok_platform_tags_classified() {
    let cases = [
        ("any", Os::Any, None),
        ("linux_x86_64", Os::Linux, Some("x86_64")),
        ("manylinux_2_28_x86_64", Os::Linux, Some("x86_64")),
        ("manylinux2014_aarch64", Os::Linux, Some("aarch64")),
        ("manylinux1_x86_64", Os::Linux, Some("x86_64")),
        ("musllinux_1_2_armv7l", Os::Linux, Some("armv7l")),
        ("macosx_11_0_arm64", Os::Macos, Some("arm64")),
        ("macosx_10_15_universal2", Os::Macos, Some("universal2")),
        ("win_amd64", Os::Windows, Some("amd64")),
        ("win_arm64", Os::Windows, Some("arm64")),
        ("win32", Os::Windows, Some("x86")),
        ("ios_13_0_arm64_iphoneos", Os::Ios, Some("arm64")),
        ("ios_13_0_x86_64_iphonesimulator", Os::Ios, Some("x86_64")),
        ("android_24_arm64_v8a", Os::Android, Some("arm64_v8a")),
        ("android_21_x86_64", Os::Android, Some("x86_64")),
        ("pyemscripten_2025_0_wasm32", Os::Emscripten, Some("wasm32")),
        ("pyodide_2024_0_wasm32", Os::Emscripten, Some("wasm32")),
        ("emscripten_3_1_58_wasm32", Os::Emscripten, Some("wasm32")),
        // Malformed members of a known family are not that family.
        ("manylinux_2_28", Os::Other, None),
        ("ios_13_0_arm64_ipados", Os::Other, None),
        ("android_x_arm64_v8a", Os::Other, None),
    ];
    for (text, os, arch) in cases {
        let p: PlatformTag = text.parse().unwrap();
        assert_eq!((p.os(), p.arch()), (os, arch), "{text}");
        assert_eq!(p.to_string(), text);
        assert_eq!(p.as_str(), text);
    }
    assert_eq!(Os::Macos.to_string(), "macos");
}

#[test]
fn ok_platform_tags_closed_fields() {
    let p = |t: &str| t.parse::<PlatformTag>().unwrap().platform().clone();
    assert_eq!(
        p("manylinux2014_aarch64"),
        Platform::Manylinux { glibc: (2, 17), legacy: true, arch: "aarch64".into() }
    );
    assert_eq!(
        p("manylinux_2_28_x86_64"),
        Platform::Manylinux { glibc: (2, 28), legacy: false, arch: "x86_64".into() }
    );
    assert_eq!(p("musllinux_1_2_x86_64"), Platform::Musllinux { musl: (1, 2), arch: "x86_64".into() });
    assert_eq!(
        p("ios_13_0_arm64_iphonesimulator"),
        Platform::Ios { version: (13, 0), arch: "arm64".into(), simulator: true }
    );
    assert_eq!(p("android_24_arm64_v8a"), Platform::Android { api_level: 24, abi: "arm64_v8a".into() });
    assert_eq!(
        p("pyemscripten_2025_0_wasm32"),
        Platform::Emscripten {
            flavor: EmscriptenFlavor::Pyemscripten,
            version: "2025_0".into(),
            arch: "wasm32".into()
        }
    );
    assert_eq!(p("solaris_2_11_sun4v"), Platform::Other);
}

#[test]
fn ok_platform_families_are_machines() {
    let fam = |t: &str| -> Vec<String> {
        t.parse::<PlatformTag>().unwrap().families().iter().map(|f| f.to_string()).collect()
    };
    assert_eq!(fam("manylinux_2_17_x86_64"), ["linux x86_64"]);
    assert_eq!(fam("manylinux2014_x86_64"), ["linux x86_64"]);
    assert_eq!(fam("musllinux_1_2_x86_64"), ["linux-musl x86_64"]);
    assert_eq!(fam("linux_x86_64"), ["linux x86_64", "linux-musl x86_64"]);
    assert_eq!(fam("macosx_10_9_x86_64"), fam("macosx_10_13_x86_64"));
    assert_eq!(fam("macosx_10_15_universal2"), ["macos arm64", "macos x86_64"]);
    assert_eq!(fam("win_amd64"), ["windows amd64"]);
    assert_eq!(fam("ios_13_0_arm64_iphoneos"), ["ios arm64"]);
    assert_eq!(fam("ios_13_0_arm64_iphonesimulator"), ["ios-simulator arm64"]);
    assert_eq!(fam("android_24_arm64_v8a"), ["android arm64_v8a"]);
    assert_eq!(fam("pyemscripten_2025_0_wasm32"), fam("pyodide_2024_0_wasm32"));
    assert_eq!(fam("any"), ["any"]);
    assert_eq!(fam("solaris_2_11_sun4v"), ["solaris_2_11_sun4v"]);
}

#[test]
fn ok_platform_binary_arches() {
    let arches = |t: &str| t.parse::<PlatformTag>().unwrap().binary_arches();
    assert_eq!(arches("manylinux_2_28_x86_64"), ["x86_64"]);
    assert_eq!(arches("win_amd64"), ["x86_64"]);
    assert_eq!(arches("win32"), ["x86"]);
    assert_eq!(arches("macosx_10_15_universal2"), ["aarch64", "x86_64"]);
    assert_eq!(arches("android_24_arm64_v8a"), ["aarch64"]);
    assert_eq!(arches("android_24_armeabi_v7a"), ["arm"]);
    assert_eq!(arches("ios_13_0_x86_64_iphonesimulator"), ["x86_64"]);
    assert_eq!(arches("pyemscripten_2025_0_wasm32"), ["wasm32"]);
    assert!(arches("any").is_empty());
}

#[test]
fn ok_platform_accepts_as_installers_do() {
    let tag = |t: &str| t.parse::<PlatformTag>().unwrap();
    let host = tag("manylinux_2_28_x86_64");
    for ok in ["manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64", "manylinux_2_28_x86_64"] {
        assert!(host.accepts(&tag(ok)), "{ok}");
    }
    for no in ["manylinux_2_34_x86_64", "manylinux_2_17_aarch64", "musllinux_1_2_x86_64", "win_amd64"] {
        assert!(!host.accepts(&tag(no)), "{no}");
    }
    assert!(tag("macosx_14_0_arm64").accepts(&tag("macosx_10_15_universal2")));
    assert!(!tag("macosx_10_9_x86_64").accepts(&tag("macosx_10_13_x86_64")));
    assert!(tag("ios_17_0_arm64_iphoneos").accepts(&tag("ios_13_0_arm64_iphoneos")));
    assert!(!tag("ios_17_0_arm64_iphoneos").accepts(&tag("ios_13_0_arm64_iphonesimulator")));
    assert!(tag("android_34_arm64_v8a").accepts(&tag("android_24_arm64_v8a")));
    assert!(!tag("android_21_arm64_v8a").accepts(&tag("android_24_arm64_v8a")));
    assert!(!tag("pyemscripten_2026_0_wasm32").accepts(&tag("pyemscripten_2025_0_wasm32")));
}

#[test]
fn err_platform_tags() {
    for bad in ["", "Win_amd64", "linux x86_64", "win+amd64"] {
        assert_eq!(bad.parse::<PlatformTag>().unwrap_err(), TagError::PlatformTag(bad.into()));
    }
    assert_eq!(
        "Win_amd64".parse::<PlatformTag>().unwrap_err().to_string(),
        "'Win_amd64' is not a platform tag: expected lowercase letters, digits and \
         underscores, such as manylinux_2_28_x86_64"
    );
}

#[test]
fn ok_tag_round_trip_and_order() {
    let t: Tag = "cp313-cp313t-win_amd64".parse().unwrap();
    assert_eq!(t.python, PythonTag::cpython(v(3, 13)));
    assert_eq!(t.abi, AbiTag::cpython(v(3, 13), true));
    assert_eq!(t.platform.as_str(), "win_amd64");
    assert_eq!(t.to_string(), "cp313-cp313t-win_amd64");
    let mut tags: Vec<Tag> = ["cp39-abi3-any", "cp310-abi3-any", "cp310-abi3t-any", "cp310-abi3-win32"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    tags.sort();
    let texts: Vec<String> = tags.iter().map(Tag::to_string).collect();
    assert_eq!(texts, ["cp310-abi3-any", "cp310-abi3-win32", "cp310-abi3t-any", "cp39-abi3-any"]);
}

#[test]
fn err_tags() {
    let e = "cp313.cp314-abi3-any".parse::<Tag>().unwrap_err();
    assert_eq!(e.to_string(), "'cp313.cp314-abi3-any' is a compressed tag set, not a single tag: expand it first");
    let e = "cp313-abi3".parse::<TagSet>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "'cp313-abi3' is not a wheel tag: expected python-abi-platform, such as cp313-cp313t-win_amd64"
    );
    assert_eq!("cp313-abi3-any-x".parse::<TagSet>().unwrap_err(), TagError::TagFields("cp313-abi3-any-x".into()));
    let e = "cp313..cp314-abi3-any".parse::<TagSet>().unwrap_err();
    assert_eq!(e.to_string(), "'cp313..cp314-abi3-any' is not a wheel tag: a field or a dotted member of one is empty");
    assert_eq!("cp313--any".parse::<TagSet>().unwrap_err(), TagError::EmptyPart("cp313--any".into()));
    let e = "cp313-abi3x-any".parse::<TagSet>().unwrap_err();
    assert_eq!(
        e,
        TagError::TagMember { input: "cp313-abi3x-any".into(), source: Box::new(TagError::AbiTag("abi3x".into())) }
    );
    assert_eq!(
        crate::output::chain(&e),
        "'cp313-abi3x-any' is not a valid wheel tag: 'abi3x' is not an ABI tag: expected \
         none, abi3, abi3t, abiYYYY, or cpXY followed by the flags t and d"
    );
}

#[test]
fn ok_tag_set_round_trip_expand_compress() {
    let text = "cp313.cp314-cp313t.cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64";
    let s = set(text);
    assert_eq!(s.to_string(), text);
    assert_eq!(s.python.len(), 2);
    let expanded = s.expand();
    assert_eq!(expanded.len(), 8);
    assert!(expanded.windows(2).all(|w| w[0] < w[1]));
    assert!(s.covers_exactly(&expanded));

    let s = set("cp313.cp314-cp313t.cp314t-linux_x86_64");
    let texts: Vec<String> = s.expand().iter().map(Tag::to_string).collect();
    assert_eq!(
        texts,
        [
            "cp313-cp313t-linux_x86_64",
            "cp313-cp314t-linux_x86_64",
            "cp314-cp313t-linux_x86_64",
            "cp314-cp314t-linux_x86_64",
        ]
    );
    // The two tags a per-version merge would really produce do not compress exactly.
    let real: Vec<Tag> =
        ["cp314-cp314t-linux_x86_64", "cp313-cp313t-linux_x86_64"].iter().map(|t| t.parse().unwrap()).collect();
    let c = TagSet::compress(&real);
    assert_eq!(c.to_string(), "cp313.cp314-cp313t.cp314t-linux_x86_64");
    assert!(!c.covers_exactly(&real));
    assert!(c.expand().iter().all(|t| c.contains(t)));

    // abi3.abi3t compresses exactly, fields sorted as text.
    let universal: Vec<Tag> = ["cp315-abi3t-win_amd64", "cp315-abi3-win_amd64", "cp315-abi3-win_amd64"]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    let c = TagSet::compress(&universal);
    assert_eq!(c.to_string(), "cp315-abi3.abi3t-win_amd64");
    assert!(c.covers_exactly(&universal));
    let c = TagSet::compress(&["cp39-abi3-any".parse().unwrap(), "cp310-abi3-any".parse().unwrap()]);
    assert_eq!(c.to_string(), "cp310.cp39-abi3-any");

    // Written order is kept; duplicates expand once.
    let s = set("py3.py2.py3-none-any");
    assert_eq!(s.to_string(), "py3.py2.py3-none-any");
    assert_eq!(s.expand().len(), 2);
    assert!(TagSet::compress(&[]).is_empty());
}

#[test]
fn ok_sample_wheel_filenames_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "whl") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        let w = WheelFilename::from_path(&path).unwrap();
        assert_eq!(w.to_string(), name);
        assert_eq!(w.build, None);
        assert!(!w.tags.expand().is_empty());
        assert!(dead_tags(&w.tags).is_empty(), "{name}");
        n += 1;
    }
    assert!(n >= 11);
    let w: WheelFilename =
        "psutil-7.1.2-cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
            .parse()
            .unwrap();
    assert_eq!((w.name.as_str(), w.version.as_str()), ("psutil", "7.1.2"));
    assert_eq!(w.tags.platform.len(), 3);
    let w: WheelFilename = "Foo.Bar-1.0-1b-py3-none-any.whl".parse().unwrap();
    assert_eq!(w.build.as_deref(), Some("1b"));
    assert_eq!(w.normalized_name(), "foo_bar");
    assert_eq!(w.to_string(), "Foo.Bar-1.0-1b-py3-none-any.whl");
}

#[test]
fn err_wheel_filenames() {
    let e = "foo-1.0-py3-none-any.zip".parse::<WheelFilename>().unwrap_err();
    assert_eq!(e.to_string(), "'foo-1.0-py3-none-any.zip' is not a wheel filename: it does not end in .whl");
    let e = "foo-1.0-py3-none.whl".parse::<WheelFilename>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "'foo-1.0-py3-none.whl' is not a wheel filename: expected name-version(-build)-python-abi-platform.whl"
    );
    let e = "foo-1.0-b1-py3-none-any.whl".parse::<WheelFilename>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "'foo-1.0-b1-py3-none-any.whl' is not a wheel filename: its build tag 'b1' does not start with a digit"
    );
    let e = "foo-1.0-cp3x-none-any.whl".parse::<WheelFilename>().unwrap_err();
    assert_eq!(
        crate::output::chain(&e),
        "'foo-1.0-cp3x-none-any.whl' is not a wheel filename: its tags are invalid: \
         'cp3x' is not a Python tag: expected cpXY, pyX or pyXY"
    );
    assert!(matches!("-1.0-py3-none-any.whl".parse::<WheelFilename>(), Err(TagError::WheelFields(_))));
    assert!(WheelFilename::from_path(Path::new("/")).is_err());
}

#[test]
fn ok_normalize_name() {
    for (name, want) in [
        ("Foo", "foo"),
        ("foo-bar", "foo_bar"),
        ("Foo.._-Bar", "foo_bar"),
        ("abi3-abi3t-universal", "abi3_abi3t_universal"),
        ("zope.interface", "zope_interface"),
    ] {
        assert_eq!(normalize_name(name), want);
    }
}

#[test]
fn ok_interpreters_list() {
    let names: Vec<String> = interpreters().iter().map(Interpreter::to_string).collect();
    assert_eq!(names, ["3.10", "3.11", "3.12", "3.13", "3.13t", "3.14", "3.14t", "3.15", "3.15t", "3.16", "3.16t"]);
    assert!("3.14x".parse::<Interpreter>().is_err());
    assert_eq!(interp("3.14t"), Interpreter::new(v(3, 14), true));
}

#[test]
fn ok_supported_order_gil() {
    assert_eq!(
        pairs(&interp("3.5").supported()),
        [
            "cp35-cp35m",
            "cp35-abi3",
            "cp35-none",
            "cp34-abi3",
            "cp33-abi3",
            "cp32-abi3",
            "py35-none",
            "py3-none",
            "py34-none",
            "py33-none",
            "py32-none",
            "py31-none",
            "py30-none",
        ]
    );
    let s = pairs(&interp("3.15").supported());
    assert_eq!(s[..5], ["cp315-cp315", "cp315-abi3", "cp315-none", "cp314-abi3", "cp313-abi3"]);
    assert!(!s.iter().any(|p| p.contains("abi3t") || p.contains("abi2026")));
    assert_eq!(s.len(), 3 + 13 + 2 + 15);
    assert_eq!(pairs(&interp("3.13").supported_any())[..4], ["cp313-none", "py313-none", "py3-none", "py312-none"]);
}

#[test]
fn ok_supported_order_free_threaded() {
    let s = pairs(&interp("3.14t").supported());
    assert_eq!(s[..5], ["cp314-cp314t", "cp314-abi3t", "cp314-none", "cp313-abi3t", "cp312-abi3t"]);
    assert_eq!(s[14], "cp32-abi3t");
    assert_eq!(s[15..18], ["py314-none", "py3-none", "py313-none"]);
    assert!(!s.iter().any(|p| p.ends_with("-abi3")));
}

#[test]
fn ok_supported_pep809() {
    assert_eq!(interp("3.14").supported_pep809(abi2026_since()), interp("3.14").supported());
    let s = pairs(&interp("3.15t").supported_pep809(abi2026_since()));
    assert_eq!(
        s[..7],
        ["cp315-cp315t", "cp315-abi3t", "cp315-abi2026", "cp315-none", "cp314-abi3t", "cp314-abi2026", "cp313-abi3t",]
    );
    assert!(s.contains(&"py3-abi2026".to_string()));
    let s = pairs(&interp("3.16").supported_pep809(abi2026_since()));
    assert_eq!(s[..4], ["cp316-cp316", "cp316-abi3", "cp316-abi2026", "cp316-none"]);
}

#[test]
fn ok_matched_tags() {
    let all = interpreters();
    let installers = |s: &str| -> Vec<String> {
        let s = set(s);
        all.iter().filter(|i| i.installs(&s)).map(Interpreter::to_string).collect()
    };
    assert_eq!(
        installers("cp313-abi3.abi3t-manylinux_2_28_x86_64"),
        ["3.13", "3.13t", "3.14", "3.14t", "3.15", "3.15t", "3.16", "3.16t"]
    );
    assert_eq!(installers("cp315-abi3.abi3t-win_amd64"), ["3.15", "3.15t", "3.16", "3.16t"]);
    assert_eq!(installers("cp315-abi3t-win_amd64"), ["3.15t", "3.16t"]);
    assert!(installers("cp315t-abi3t-win_amd64").is_empty());
    assert!(installers("cp315-abi2026-win_amd64").is_empty());
    assert_eq!(installers("cp313-cp313t-win_amd64"), ["3.13t"]);
    assert_eq!(installers("cp313.cp314-cp313t.cp314t-win_amd64"), ["3.13t", "3.14t"]);
    assert_eq!(installers("cp36-abi3-win_amd64"), ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.16"]);
    assert_eq!(installers("cp313-none-any").len(), 2);
    assert!(installers("cp313-abi3-any").is_empty());
    assert_eq!(installers("py3-none-any").len(), 11);

    let m = |i: &str, s: &str| interp(i).matched_tag(&set(s)).map(|t| t.to_string());
    assert_eq!(m("3.14t", "cp313-abi3.abi3t-win_amd64").as_deref(), Some("cp313-abi3t-win_amd64"));
    assert_eq!(m("3.14", "cp310.cp313-abi3-win_amd64").as_deref(), Some("cp313-abi3-win_amd64"));
    assert_eq!(m("3.14", "cp314.py3-cp314.none-linux_x86_64.any").as_deref(), Some("cp314-cp314-linux_x86_64"));
    // Concrete-platform generic tags rank before `any`; platforms in written order.
    assert_eq!(m("3.13", "cp313.py3-none-any.win_amd64.win32").as_deref(), Some("cp313-none-win_amd64"));
    assert_eq!(m("3.13", "cp313-none-any").as_deref(), Some("cp313-none-any"));
    assert_eq!(
        interp("3.15")
            .matched_tag_pep809(&set("cp315-abi2026-win_amd64"), abi2026_since())
            .map(|t| t.to_string())
            .as_deref(),
        Some("cp315-abi2026-win_amd64")
    );
    assert!(interp("3.14t").installs_pep809(&set("cp313-abi3t-win_amd64"), abi2026_since()));
    assert!(!interp("3.14t").installs_pep809(&set("cp315-abi2026-win_amd64"), abi2026_since()));
    assert!(interp("3.16t").installs_pep809(&set("py3-abi2026-win_amd64"), abi2026_since()));
}

#[test]
fn ok_dead_tags_with_reasons() {
    let reason = |t: &str| t.parse::<Tag>().unwrap().dead_reason();
    let cases = [
        ("cp315t-abi3t-win_amd64", Some(DeadReason::PythonTagFlag)),
        ("cp3-abi3-win_amd64", Some(DeadReason::PythonMajorOnly)),
        ("py2-none-any", Some(DeadReason::NotPython3)),
        ("cp27-cp27mu-linux_x86_64", Some(DeadReason::NotPython3)),
        ("pp310-pypy310_pp73-win_amd64", Some(DeadReason::OtherImplementation)),
        ("py3-abi3-win_amd64", Some(DeadReason::GenericWithAbi)),
        ("cp313-cp314t-win_amd64", Some(DeadReason::VersionMismatch)),
        ("cp312-cp312t-win_amd64", Some(DeadReason::FreeThreadedTooOld)),
        ("cp38-cp38m-win_amd64", Some(DeadReason::LegacyFlagTooNew)),
        ("cp31-abi3-win_amd64", Some(DeadReason::StableAbiTooOld)),
        ("cp315-abi2026-win_amd64", Some(DeadReason::AbiYear(2026))),
        ("cp313-pypy310_pp73-win_amd64", Some(DeadReason::OtherAbi)),
        ("cp313-abi3-any", Some(DeadReason::BinaryAbiOnAny)),
        ("cp313-cp313t-win_amd64", None),
        ("cp313-abi3t-win_amd64", None),
        ("cp32-abi3t-win_amd64", None),
        ("cp37-cp37m-win_amd64", None),
        ("cp38-cp38d-win_amd64", None),
        ("cp313-none-any", None),
        ("py313-none-any", None),
    ];
    for (tag, want) in cases {
        assert_eq!(reason(tag), want, "{tag}");
    }
    let dead = dead_tags(&set("cp313.cp314-cp313t.cp314t-win_amd64"));
    let texts: Vec<String> = dead.iter().map(|d| format!("{}: {}", d.tag, d.reason)).collect();
    assert_eq!(
        texts,
        [
            "cp313-cp314t-win_amd64: a version-specific ABI is accepted only with the Python tag of the same version",
            "cp314-cp313t-win_amd64: a version-specific ABI is accepted only with the Python tag of the same version",
        ]
    );
    assert_eq!(
        DeadReason::PythonTagFlag.to_string(),
        "the Python tag carries a 't': installers put it only in the ABI tag (cp315-cp315t, cp315-abi3t)"
    );
    assert_eq!(
        DeadReason::AbiYear(2026).to_string(),
        "no installer accepts abi2026 yet: PEP 809 is a draft (see the PEP 809 column)"
    );
    assert_eq!(DeadReason::AbiYear(2031).to_string(), "no installer accepts abi2031: PEP 809 defines only abi2026");
}

/// A tag is dead exactly when no modelled interpreter (3.0 to 3.40, GIL and
/// free-threaded from 3.13) accepts it — for tags without debug or legacy flags.
#[test]
fn ok_dead_tag_harm() {
    let harms = |s: &str| dead_tags(&set(s)).into_iter().map(|d| (d.tag.to_string(), d.harm)).collect::<Vec<_>>();
    // Cross products beside live tags of the same ABI: harmless.
    assert_eq!(
        harms("cp313.cp314-cp313t.cp314t-win_amd64"),
        [
            ("cp313-cp314t-win_amd64".to_string(), Harm::Harmless),
            ("cp314-cp313t-win_amd64".to_string(), Harm::Harmless)
        ]
    );
    // The only tag for abi3t: harmful.
    assert_eq!(
        harms("cp315t-abi3t-manylinux_2_28_x86_64"),
        [("cp315t-abi3t-manylinux_2_28_x86_64".to_string(), Harm::Harmful)]
    );
    assert_eq!(harms("cp315-abi2026-win_amd64"), [("cp315-abi2026-win_amd64".to_string(), Harm::Prototype)]);
    // PyPy tags are not dead: another implementation.
    assert!(harms("pp311-pypy311_pp73-manylinux_2_17_x86_64").is_empty());
    assert_eq!(other_implementation_tags(&set("pp311-pypy311_pp73-win_amd64")).len(), 1);
}

#[test]
fn ok_dead_agrees_with_acceptance() {
    let pythons = ["cp31", "cp32", "cp310", "cp313", "cp315", "cp3", "cp315t", "py3", "py30", "py313", "py2", "pp310"];
    let abis = ["none", "abi3", "abi3t", "abi2026", "cp310", "cp313", "cp313t", "cp312t", "cp315t", "pypy310_pp73"];
    let every: Vec<Interpreter> = (0..=40)
        .flat_map(|minor| {
            let mut v = vec![Interpreter::new(PyVersion::new(3, minor), false)];
            if minor >= 13 {
                v.push(Interpreter::new(PyVersion::new(3, minor), true));
            }
            v
        })
        .collect();
    for p in pythons {
        for a in abis {
            for plat in ["win_amd64", "any"] {
                let s = set(&format!("{p}-{a}-{plat}"));
                let alive = every.iter().any(|i| i.installs(&s));
                let not_accepted = !dead_tags(&s).is_empty() || !other_implementation_tags(&s).is_empty();
                assert_eq!(!not_accepted, alive, "{s}");
                assert!(dead_tags(&s).iter().all(|d| !is_other_implementation(&d.tag)), "{s}");
            }
        }
    }
}

#[test]
fn ok_no_panic_on_odd_inputs() {
    let alphabet = ["cp", "py", "3", "1", "0", "t", "d", "m", "u", "-", ".", "_", "abi", "any", "x", "é", "", "whl"];
    let mut seed: u64 = 0x2026;
    let since = abi2026_since();
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..(seed % 9) {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let _ = s.parse::<PythonTag>();
        let _ = s.parse::<AbiTag>();
        let _ = s.parse::<PlatformTag>().map(|p| (p.arch().map(str::len), p.os()));
        let _ = s.parse::<Tag>();
        if let Ok(set) = s.parse::<TagSet>() {
            assert_eq!(set.to_string(), s);
            let _ = dead_tags(&set);
            for i in interpreters() {
                let _ = i.matched_tag_pep809(&set, since);
            }
        }
        let _ = format!("{s}.whl").parse::<WheelFilename>();
        let _ = normalize_name(&s);
    }
}
