//! `uniabi retag` on the samples and on wheels built at test time: unsafe
//! claims refused with nothing written, a safe one written and passing `check`
//! and `verify`, RECORD and `Tag:` lines of the output, dry runs, bad `--tags`,
//! and the input left alone.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use uniabi::wheel::{Limits, Wheel};

use crate::common::*;

const DEMO: &str = "abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux";
const ABI3: &str = "psutil-7.1.2-cp36-abi3-manylinux";
const FT314: &str = "psutil-7.1.2-cp314-cp314t-manylinux";
const LINUX: &str = "manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Run `uniabi retag --json WHEEL --tags TAGS -o OUT EXTRA...`: exit code, document, stderr.
fn retag_json(wheel: &Path, tags: &str, out: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let (wheel, out) = (s(wheel), s(out));
    let mut args = vec!["retag", "--json", &wheel, "--tags", tags, "-o", &out];
    args.extend_from_slice(extra);
    let o = run(&args);
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o.status.code().unwrap(), doc, stderr(&o))
}

/// Every file in a directory, or nothing when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    v.sort();
    v
}

/// The CRC and the hash of the raw (still compressed) bytes of every member, by name.
fn raw_members(wheel: &Path) -> BTreeMap<String, (u32, String)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index_raw(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), (f.crc32(), record_hash(&data)))
        })
        .collect()
}

fn wheel_file(wheel: &Path) -> String {
    let (_, data) = read_members(wheel).into_iter().find(|(n, _)| n.ends_with(".dist-info/WHEEL")).unwrap();
    String::from_utf8(data).unwrap()
}

/// The sample copied into `dir` (so that tests may place outputs beside it).
fn copy_sample(part: &str, dir: &Path) -> PathBuf {
    let src = sample(part);
    let dst = dir.join(src.file_name().unwrap());
    std::fs::copy(&src, &dst).unwrap();
    dst
}

#[test]
fn err_abi3_binary_retagged_abi3t_is_refused() {
    let dir = scratch("retag-abi3-abi3t");
    let input = copy_sample(ABI3, &dir);
    let before = std::fs::read(&input).unwrap();
    let out = dir.join("out");
    let o = run(&["retag", &s(&input), "--tags", "cp36-abi3.abi3t", "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    // The findings that block it, as check prints them.
    assert!(text.contains("psutil-7.1.2-cp36-abi3.abi3t-manylinux2010_x86_64"), "{text}");
    assert!(text.contains(": fail (claims abi3, abi3t)"), "{text}");
    // 3.13t would pick the abi3 binary, which cannot load on a free-threaded build.
    let unloadable = text.lines().find(|l| l.contains("error unloadable:") && l.contains("3.13t"));
    assert!(unloadable.is_some_and(|l| l.contains("_psutil_linux.abi3.so")), "{text}");
    assert!(text.contains("nothing written"), "{text}");
    assert!(!out.exists(), "no output directory is left: {:?}", files_in(&out));
    assert_eq!(files_in(&dir), std::slice::from_ref(&input), "nothing beside the input");
    assert_eq!(std::fs::read(&input).unwrap(), before, "input unchanged");
    // The same wheel, blindly retagged, is what check fails.
    let (code, doc, _) = retag_json(&input, "cp36-abi3.abi3t", &out, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["verdict_before"], "pass");
    assert_eq!(doc["written"], false);
    assert_eq!(doc["check"]["verdict"], "fail");
    assert!(
        doc["verify"]["resolutions"].as_array().unwrap().iter().any(|r| r["python"] == "3.13t" && r["loads"] == false)
    );
    assert!(!out.exists());
}

#[test]
fn err_cp314t_binary_retagged_for_313t_is_refused() {
    let dir = scratch("retag-ft-overclaim");
    let out = dir.join("out");
    let input = sample(FT314);
    let before = std::fs::read(&input).unwrap();
    let (code, doc, err) = retag_json(&input, "cp313.cp314-cp313t.cp314t", &out, &[]);
    assert_eq!(code, 1, "{err}\n{doc:#}");
    assert_eq!(doc["schema"], "uniabi/retag/1");
    assert_eq!(doc["filename"], format!("psutil-7.1.2-cp313.cp314-cp313t.cp314t-{LINUX}.whl"));
    assert_eq!(doc["admitted"], serde_json::json!(["3.13t", "3.14t"]));
    assert_eq!(doc["admitted_before"], serde_json::json!(["3.14t"]));
    assert_eq!(doc["verdict"], "fail");
    // 3.13t would get nothing it can load: the binary was built for 3.14t.
    let failing: Vec<&serde_json::Value> =
        doc["verify"]["resolutions"].as_array().unwrap().iter().filter(|r| r["loads"] == false).collect();
    assert!(!failing.is_empty());
    assert!(failing.iter().all(|r| r["python"] == "3.13t"), "{failing:#?}");
    let codes: Vec<&str> =
        doc["check"]["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"no-loadable-file"), "{codes:?}");
    assert!(!out.exists());
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn ok_demo_retagged_cp315_is_written_and_passes_check_and_verify() {
    let dir = scratch("retag-demo-cp315");
    let out = dir.join("out");
    let input = sample(DEMO);
    let before = std::fs::read(&input).unwrap();
    let (code, doc, err) = retag_json(&input, "cp315-abi3.abi3t", &out, &[]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let name = "abi3_abi3t_universal-0.2-cp315-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl";
    let written = out.join(name);
    assert_eq!(files_in(&out), std::slice::from_ref(&written), "the wheel alone, no temporary file");
    assert_eq!(doc["written"], true);
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(doc["output"], s(&written));
    assert_eq!(doc["admitted"], serde_json::json!(["3.15", "3.15t", "3.16", "3.16t"]));

    // uniabi's own check and verify pass the output.
    let c = run(&["check", &s(&written)]);
    assert_eq!(c.status.code(), Some(0), "{}", stdout(&c));
    assert!(stdout(&c).contains(": pass (claims abi3, abi3t)"), "{}", stdout(&c));
    let v = run(&["verify", &s(&written)]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));

    // WHEEL: exactly the expansion, one tag per line, every other line as it was.
    let want = [
        "cp315-abi3-manylinux1_x86_64",
        "cp315-abi3-manylinux_2_5_x86_64",
        "cp315-abi3t-manylinux1_x86_64",
        "cp315-abi3t-manylinux_2_5_x86_64",
    ];
    let new_wheel = wheel_file(&written);
    let tags: Vec<&str> = new_wheel.lines().filter_map(|l| l.strip_prefix("Tag: ")).collect();
    assert_eq!(tags, want);
    assert_eq!(doc["tag_lines"], serde_json::json!(want));
    let others = |t: &str| t.lines().filter(|l| !l.starts_with("Tag:")).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(others(&new_wheel), others(&wheel_file(&input)));

    // RECORD verifies (every hash and size), lists WHEEL's new hash, and is last.
    let mut wheel = Wheel::open(&written, Limits::DEFAULT).unwrap();
    let record = wheel.hash_record().unwrap_or_else(|e| panic!("{e}"));
    let wheel_row = record.get("abi3_abi3t_universal-0.2.dist-info/WHEEL").unwrap();
    assert_eq!(wheel_row.hash.as_deref(), Some(record_hash(new_wheel.as_bytes()).as_str()));
    let members = read_members(&written);
    assert_eq!(members.last().unwrap().0, "abi3_abi3t_universal-0.2.dist-info/RECORD");
    // The dist-info directory keeps its name; every other member keeps its compressed bytes.
    let (old_raw, new_raw) = (raw_members(&input), raw_members(&written));
    let kept = |m: &BTreeMap<String, (u32, String)>| {
        m.iter()
            .filter(|(n, _)| !n.ends_with(".dist-info/WHEEL") && !n.ends_with(".dist-info/RECORD"))
            // Directory entries are not carried: RECORD does not list them.
            .filter(|(n, _)| !n.ends_with('/'))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    assert!(!kept(&new_raw).is_empty());
    assert_eq!(kept(&new_raw), kept(&old_raw));
    assert_eq!(std::fs::read(&input).unwrap(), before, "input unchanged");
}

#[test]
fn ok_dry_run_writes_nothing_and_judges_as_the_write_does() {
    let dir = scratch("retag-dry-run");
    for (part, tags, code) in [(DEMO, "cp315-abi3.abi3t", 0), (ABI3, "cp36-abi3.abi3t", 1)] {
        let out = dir.join(format!("out{code}"));
        let input = sample(part);
        let (dry_code, dry, err) = retag_json(&input, tags, &out, &["--dry-run"]);
        assert_eq!(dry_code, code, "{err}\n{dry:#}");
        assert_eq!(dry["dry_run"], true);
        assert_eq!(dry["written"], false);
        assert!(!out.exists(), "--dry-run created {:?}", files_in(&out));
        let human = run(&["retag", &s(&input), "--tags", tags, "-o", &s(&out), "--dry-run"]);
        assert_eq!(human.status.code(), Some(code));
        let verb = if code == 0 { "would write " } else { "would refuse " };
        assert!(stdout(&human).contains(verb), "{}", stdout(&human));
        assert!(!out.exists());
        // The real run reaches the same judgement from the written bytes.
        let (real_code, real, _) = retag_json(&input, tags, &out, &[]);
        assert_eq!(real_code, code);
        for key in ["filename", "output", "tags", "tag_lines", "admitted", "verdict", "check", "verify"] {
            assert_eq!(dry[key], real[key], "{key} differs between the dry run and the write");
        }
    }
}

#[test]
fn err_bad_tags_exit_2_with_one_line_naming_them() {
    let dir = scratch("retag-bad-tags");
    let out = dir.join("out");
    let input = s(&sample(DEMO));
    for (bad, says) in [
        ("cp315", "expected python-abi"),
        ("cp315-abi4", "'abi4' is not an ABI tag"),
        ("cp315-abi3-Linux_x86_64", "'Linux_x86_64' is not a platform tag"),
        ("cp315-abi3-a-b", "expected python-abi"),
        ("cp315.-abi3", "is empty"),
        ("", "expected python-abi"),
    ] {
        let o = run(&["retag", &input, "--tags", bad, "-o", &s(&out)]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stdout(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(err.starts_with(&format!("uniabi: error: --tags '{bad}'")), "{err}");
        assert!(err.contains(says), "{bad}: {err}");
        assert!(stdout(&o).is_empty());
        assert!(!out.exists());
    }
}

#[test]
fn err_output_never_over_the_input_nor_an_existing_file_without_force() {
    let dir = scratch("retag-no-clobber");
    let input = copy_sample(DEMO, &dir);
    let before = std::fs::read(&input).unwrap();
    // Same tags, same directory: the output would be the input.
    let o = run(&["retag", &s(&input), "--tags", "cp313-abi3.abi3t", "-o", &s(&dir), "--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("is one of the inputs; refusing to overwrite it"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // Beside the input is fine; a second run needs --force, and writes the same bytes.
    let args = ["retag", &s(&input), "--tags", "cp315-abi3.abi3t", "-o", &s(&dir)];
    assert_eq!(run(&args).status.code(), Some(0));
    let written = dir.join("abi3_abi3t_universal-0.2-cp315-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl");
    let first = std::fs::read(&written).unwrap();
    let again = run(&args);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists (pass --force to replace it)"), "{}", stderr(&again));
    let forced = run(&[&args[..], &["--force"]].concat());
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(std::fs::read(&written).unwrap(), first, "the same input and tags give the same bytes");
    assert_eq!(files_in(&dir), [input.clone(), written]);
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn err_platform_the_binary_is_not_built_for_is_refused() {
    let out = scratch("retag-platform").join("out");
    let (code, doc, _) = retag_json(&sample(DEMO), "cp315-abi3.abi3t-macosx_11_0_arm64", &out, &[]);
    assert_eq!(code, 1, "{doc:#}");
    let problems: Vec<&str> =
        doc["verify"]["resolutions"].as_array().unwrap().iter().filter_map(|r| r["problem"].as_str()).collect();
    assert!(!problems.is_empty() && problems.iter().all(|p| p.contains("has no aarch64 code")), "{problems:?}");
    assert!(!out.exists());
}

#[test]
fn err_corrupt_input_exits_2_naming_the_member() {
    let dir = scratch("retag-corrupt");
    // Change a byte of a member and keep the old RECORD.
    let src = sample(DEMO);
    let mut members = read_members(&src);
    let so = members.iter_mut().find(|(n, _)| n.ends_with(".so")).unwrap();
    let so_name = so.0.clone();
    so.1[100] ^= 0xff;
    let path = dir.join(src.file_name().unwrap());
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, data) in &members {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
    }
    zip.finish().unwrap();
    let out = dir.join("out");
    let o = run(&["retag", &s(&path), "--tags", "cp315-abi3.abi3t", "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("corrupt wheel: member '{so_name}' has hash")), "{err}");
    assert!(!out.exists());
}

#[test]
fn ok_signatures_of_the_old_record_are_dropped() {
    let dir = scratch("retag-signature");
    let src = sample(DEMO);
    let mut members = read_members(&src);
    members.push(("abi3_abi3t_universal-0.2.dist-info/RECORD.jws".into(), b"{\"signature\": 1}".to_vec()));
    let input = dir.join(src.file_name().unwrap());
    write_wheel(&input, &members);
    let out = dir.join("out");
    let (code, doc, err) = retag_json(&input, "cp315-abi3.abi3t", &out, &[]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    assert_eq!(doc["dropped"], serde_json::json!(["abi3_abi3t_universal-0.2.dist-info/RECORD.jws"]));
    let written = PathBuf::from(doc["output"].as_str().unwrap());
    assert!(read_members(&written).iter().all(|(n, _)| !n.ends_with("RECORD.jws")));
    Wheel::open(&written, Limits::DEFAULT).unwrap().hash_record().unwrap();
}

#[test]
fn ok_two_field_tags_keep_the_platform_part_and_fix_a_compressed_tag_line() {
    // orjson's WHEEL writes its compressed set on one Tag: line; retagged to the
    // same tags, the name is unchanged and WHEEL gets one tag per line.
    let out = scratch("retag-orjson").join("out");
    let input = sample("orjson");
    let (code, doc, err) = retag_json(&input, "cp313-cp313", &out, &[]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let written = out.join(input.file_name().unwrap());
    assert_eq!(doc["output"], s(&written), "the platform part as the name writes it");
    let tags: Vec<String> =
        wheel_file(&written).lines().filter_map(|l| l.strip_prefix("Tag: ")).map(str::to_string).collect();
    assert_eq!(tags, ["cp313-cp313-manylinux2014_x86_64", "cp313-cp313-manylinux_2_17_x86_64"]);
    let before = run(&["check", &s(&input)]);
    assert!(stdout(&before).contains("compressed-tag-line"), "{}", stdout(&before));
    let after = run(&["check", &s(&written)]);
    assert_eq!(after.status.code(), Some(0));
    assert!(!stdout(&after).contains("warning"), "{}", stdout(&after));
}

#[test]
fn ok_human_output_of_the_examples() {
    // The README's three examples, as a dry run from the project root.
    let out = "target/test-scratch/retag-golden";
    let mut text = String::new();
    for (part, tags) in [(DEMO, "cp315-abi3.abi3t"), (ABI3, "cp36-abi3.abi3t"), (FT314, "cp313.cp314-cp313t.cp314t")] {
        let o = run(&["retag", "--dry-run", &rel(&sample(part)), "--tags", tags, "-o", out]);
        text.push_str(&format!("$ uniabi retag --dry-run {} --tags {tags} -o {out}\n", rel(&sample(part))));
        text.push_str(&stdout(&o));
        text.push_str(&format!("(exit {})\n\n", o.status.code().unwrap()));
    }
    golden("retag/examples.txt", &text);
}

#[test]
fn ok_retag_to_the_names_own_tags_repairs_a_wheel_file_that_disagrees() {
    // WHEEL lists one platform of the three the name carries: check fails it on
    // tags-mismatch; retagged to the same tags, WHEEL becomes the full expansion.
    let dir = scratch("retag-repair");
    let name = format!("psutil-7.1.2-cp314-cp314t-{LINUX}.whl");
    let input = retag(FT314, &dir, &name, &["cp314-cp314t-manylinux_2_28_x86_64"], |_| {});
    let before = run(&["check", &s(&input)]);
    assert_eq!(before.status.code(), Some(1));
    assert!(stdout(&before).contains("tags-mismatch"), "{}", stdout(&before));
    let out = dir.join("out");
    let (code, doc, err) = retag_json(&input, "cp314-cp314t", &out, &[]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    assert_eq!(doc["verdict_before"], "fail");
    let written = out.join(&name);
    assert_eq!(doc["output"], s(&written));
    let lines: Vec<String> =
        wheel_file(&written).lines().filter_map(|l| l.strip_prefix("Tag: ")).map(str::to_string).collect();
    let mut want: Vec<String> = LINUX.split('.').map(|p| format!("cp314-cp314t-{p}")).collect();
    want.sort();
    assert_eq!(lines, want);
    let after = run(&["check", &s(&written)]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
}

#[test]
fn ok_every_sample_retagged_to_its_own_tags_is_written_and_passes() {
    // Same claims, same binaries: every real sample that check passes (all of
    // them) must be written again, and its output must pass check and verify.
    let out = scratch("retag-own-tags").join("out");
    for wheel in sample_wheels() {
        let input = run(&["check", &s(&wheel)]);
        assert_eq!(input.status.code(), Some(0), "{}", stdout(&input));
        let name: uniabi::tags::WheelFilename = wheel.file_name().unwrap().to_string_lossy().parse().unwrap();
        let tags = name.tags.to_string();
        let (own, _platform) = tags.rsplit_once('-').unwrap();
        let (code, doc, err) = retag_json(&wheel, own, &out, &[]);
        assert_eq!(code, 0, "{}: {err}\n{doc:#}", wheel.display());
        assert_eq!(doc["filename"], wheel.file_name().unwrap().to_string_lossy().as_ref());
        assert_eq!(doc["admitted"], doc["admitted_before"]);
    }
    assert_eq!(files_in(&out).len(), sample_wheels().len());
    let c = run(&["check", &s(&out)]);
    assert_eq!(c.status.code(), Some(0), "{}", stdout(&c));
    let v = run(&["verify", &s(&out)]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}
