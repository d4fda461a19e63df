//! `uniabi merge` and `uniabi split` on the samples and on wheels built at test
//! time: names, `Tag:` lines, members, conflicts, refusals, hygiene,
//! determinism, round trips, and an interrupted merge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use uniabi::wheel::{Limits, Wheel};

use crate::common::*;

const LINUX: &str = "manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64";
const FT313: &str = "cp313-cp313t-manylinux";
const FT314: &str = "psutil-7.1.2-cp314-cp314t-manylinux";
const ABI3: &str = "cp36-abi3-manylinux";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Run `uniabi merge --json ARGS`: exit code and the document.
fn merge_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["merge", "--json"];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap(), doc, stderr(&out))
}

/// Every member but RECORD, name → bytes.
fn contents(wheel: &Path) -> BTreeMap<String, Vec<u8>> {
    read_members(wheel).into_iter().filter(|(n, _)| !n.ends_with(".dist-info/RECORD")).collect()
}

/// Every member but WHEEL and RECORD.
fn payload(wheel: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = contents(wheel);
    m.retain(|n, _| !n.ends_with(".dist-info/WHEEL"));
    m
}

fn tag_lines(wheel: &Path) -> Vec<String> {
    let (_, data) = read_members(wheel).into_iter().find(|(n, _)| n.ends_with(".dist-info/WHEEL")).unwrap();
    String::from_utf8(data).unwrap().lines().filter_map(|l| l.strip_prefix("Tag: ")).map(str::to_string).collect()
}

/// The full expansion of a wheel's file name tags, sorted: what WHEEL must list.
fn name_expansion(wheel: &Path) -> Vec<String> {
    let name = wheel.file_name().unwrap().to_string_lossy();
    let stem = name.strip_suffix(".whl").unwrap();
    let parts: Vec<&str> = stem.rsplitn(4, '-').collect();
    expansion(parts[2], parts[1], parts[0])
}

/// `uniabi check` on a written wheel: what uniabi writes, uniabi passes.
fn assert_check_passes(wheel: &Path) {
    let out = run(&["check", &s(wheel)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

fn wheels_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "whl")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn extension_members(wheel: &Path) -> Vec<String> {
    contents(wheel).into_keys().filter(|n| n.ends_with(".so") || n.ends_with(".pyd")).collect()
}

/// The abi3 manylinux sample with the free-threaded samples' `.dist-info`
/// (as one build tool would have written it), so it merges without `--metadata-from`.
pub(crate) fn harmonized_abi3(dir: &Path) -> PathBuf {
    let dist = |n: &str| n.starts_with("psutil-7.1.2.dist-info/") && !n.ends_with("/WHEEL") && !n.ends_with("/RECORD");
    let ft: Members = read_members(&sample(FT313)).into_iter().filter(|(n, _)| dist(n)).collect();
    let mut m = read_members(&sample(ABI3));
    m.retain(|(n, _)| !dist(n));
    m.extend(ft);
    let path = dir.join(format!("psutil-7.1.2-cp36-abi3-{LINUX}.whl"));
    write_wheel(&path, &m);
    path
}

fn copy_sample(part: &str, dir: &Path) -> PathBuf {
    let src = sample(part);
    let dst = dir.join(src.file_name().unwrap());
    std::fs::copy(&src, &dst).unwrap();
    dst
}

#[test]
fn ok_free_threaded_pair_merges_into_compressed_name() {
    let out = scratch("merge-ft-pair");
    let (code, doc, err) = merge_json(&["-o", &s(&out), &rel(&sample(FT313)), &rel(&sample(FT314))]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    assert_eq!(doc["schema"], "uniabi/merge/1");
    let wheels = wheels_in(&out);
    let name = format!("psutil-7.1.2-cp313.cp314-cp313t.cp314t-{LINUX}.whl");
    assert_eq!(wheels, [out.join(&name)]);
    let o = &doc["outputs"][0];
    assert_eq!(o["scheme"], "fat");
    assert_eq!(o["admitted"], serde_json::json!(["3.13t", "3.14t"]));
    assert_eq!(o["uncovered"], serde_json::json!([]));
    assert_eq!(o["written"]["verified"], true);
    // Tag: lines are the full expansion of the name, the cross products cp313-cp314t and
    // cp314-cp313t (which no installer accepts) included; check passes it.
    assert_eq!(tag_lines(&wheels[0]), name_expansion(&wheels[0]));
    assert_eq!(tag_lines(&wheels[0]).len(), 12);
    assert!(tag_lines(&wheels[0]).contains(&"cp313-cp314t-manylinux_2_28_x86_64".to_string()));
    assert_check_passes(&wheels[0]);
    assert_eq!(
        extension_members(&wheels[0]),
        [
            "psutil/_psutil_linux.cpython-313t-x86_64-linux-gnu.so",
            "psutil/_psutil_linux.cpython-314t-x86_64-linux-gnu.so"
        ]
    );
    // The union of members, each byte for byte.
    let mut union = payload(&sample(FT313));
    union.extend(payload(&sample(FT314)));
    assert_eq!(payload(&wheels[0]), union);
    // WHEEL written afresh; `.dist-info` last, RECORD last of all.
    let members = read_members(&wheels[0]);
    let wheel_file = String::from_utf8(members.iter().find(|(n, _)| n.ends_with("/WHEEL")).unwrap().1.clone()).unwrap();
    assert!(wheel_file.starts_with(&format!(
        "Wheel-Version: 1.0\nGenerator: uniabi {}\nRoot-Is-Purelib: false\nTag: ",
        env!("CARGO_PKG_VERSION")
    )));
    assert_eq!(members.last().unwrap().0, "psutil-7.1.2.dist-info/RECORD");
    let first_dist = members.iter().position(|(n, _)| n.contains(".dist-info/")).unwrap();
    assert!(members[first_dist..].iter().all(|(n, _)| n.contains(".dist-info/")));
    let record = String::from_utf8(members.last().unwrap().1.clone()).unwrap();
    assert!(record.ends_with("psutil-7.1.2.dist-info/RECORD,,\n"));
    assert!(!record.lines().any(|l| l.split(',').next().unwrap().ends_with('/')), "no directory rows");
    // uniabi's own verify agrees.
    let v = run(&["verify", &s(&wheels[0])]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}

#[test]
fn err_abi3_and_free_threaded_metadata_differs_with_a_diff() {
    let out = scratch("merge-abi3-ft-conflict");
    let inputs = [rel(&sample(ABI3)), rel(&sample(FT313)), rel(&sample(FT314))];
    let o = run(&["merge", "-o", &s(&out), &inputs[0], &inputs[1], &inputs[2]]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("psutil-7.1.2.dist-info/METADATA differs between"), "{err}");
    let text = stdout(&o);
    assert!(text.contains("(--verbose shows the diff)") && !text.contains("-Metadata-Version"), "{text}");
    let o = run(&["merge", "--verbose", "-o", &s(&out), &inputs[0], &inputs[1], &inputs[2]]);
    let text = stdout(&o);
    assert!(text.contains("-Metadata-Version: 2.4") && text.contains("+Metadata-Version: 2.1"), "{text}");
    assert!(wheels_in(&out).is_empty());
}

#[test]
fn ok_abi3_and_free_threaded_merge_into_three_binaries() {
    let out = scratch("merge-abi3-ft");
    let ft313 = rel(&sample(FT313));
    let (code, doc, err) =
        merge_json(&["-o", &s(&out), &rel(&sample(ABI3)), &ft313, &rel(&sample(FT314)), "--metadata-from", &ft313]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let name = format!("psutil-7.1.2-cp313.cp314.cp36-abi3.cp313t.cp314t-{LINUX}.whl");
    let wheels = wheels_in(&out);
    assert_eq!(wheels, [out.join(&name)]);
    assert_eq!(
        extension_members(&wheels[0]),
        [
            "psutil/_psutil_linux.abi3.so",
            "psutil/_psutil_linux.cpython-313t-x86_64-linux-gnu.so",
            "psutil/_psutil_linux.cpython-314t-x86_64-linux-gnu.so"
        ]
    );
    assert_eq!(tag_lines(&wheels[0]), name_expansion(&wheels[0]));
    assert_eq!(tag_lines(&wheels[0]).len(), 27);
    // Each binary is judged by the interpreters that pick it: the cp313t file as cp313t.
    assert_check_passes(&wheels[0]);
    let o = &doc["outputs"][0];
    assert_eq!(
        o["admitted"],
        serde_json::json!(["3.10", "3.11", "3.12", "3.13", "3.13t", "3.14", "3.14t", "3.15", "3.16"])
    );
    let dropped: Vec<&str> = o["dropped"].as_array().unwrap().iter().map(|d| d["member"].as_str().unwrap()).collect();
    assert_eq!(dropped, ["psutil-7.1.2.dist-info/LICENSE", "psutil-7.1.2.dist-info/METADATA"]);
    // 3.13t loads the cpython-313t file, 3.13 the abi3 one.
    let v = run(&["verify", "--json", &s(&wheels[0])]);
    assert_eq!(v.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    let file_for = |py: &str| {
        doc["inputs"][0]["resolutions"].as_array().unwrap().iter().find(|r| r["python"] == py).unwrap()["file"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(file_for("3.13t"), "psutil/_psutil_linux.cpython-313t-x86_64-linux-gnu.so");
    assert_eq!(file_for("3.13"), "psutil/_psutil_linux.abi3.so");
}

#[test]
fn ok_windows_abi3_and_cp313t_pair() {
    let out = scratch("merge-win");
    let ft = rel(&sample("psutil-7.1.2-cp313-cp313t-win"));
    let (code, doc, err) = merge_json(&["-o", &s(&out), &rel(&sample("cp37-abi3-win")), &ft, "--metadata-from", &ft]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let wheels = wheels_in(&out);
    assert_eq!(wheels, [out.join("psutil-7.1.2-cp313.cp37-abi3.cp313t-win_amd64.whl")]);
    assert_eq!(
        extension_members(&wheels[0]),
        ["psutil/_psutil_windows.cp313t-win_amd64.pyd", "psutil/_psutil_windows.pyd"]
    );
    assert_eq!(
        tag_lines(&wheels[0]),
        ["cp313-abi3-win_amd64", "cp313-cp313t-win_amd64", "cp37-abi3-win_amd64", "cp37-cp313t-win_amd64"]
    );
    assert_check_passes(&wheels[0]);
    assert!(doc["outputs"][0]["admitted"].as_array().unwrap().contains(&serde_json::json!("3.13t")));
}

#[test]
fn err_universal_windows_pair_is_a_conflict() {
    let out = scratch("merge-uni-win");
    let a = rel(&sample("universal-0.2-cp313-abi3-win"));
    let b = rel(&sample("universal-0.2-cp313-abi3t-win"));
    for scheme in ["auto", "fat"] {
        let (code, doc, err) = merge_json(&["-o", &s(&out), &a, &b, "--scheme", scheme]);
        assert_eq!(code, 1, "{scheme}: {doc:#}");
        let c = &doc["refused"][0]["conflicts"][0];
        assert_eq!(c["member"], "abi3_abi3t_universal.pyd");
        let reason = c["reason"].as_str().unwrap();
        assert!(reason.contains("two different extension binaries share the name abi3_abi3t_universal.pyd"));
        assert!(reason.contains("links python3.dll") && reason.contains("links python3t.dll"), "{reason}");
        assert!(err.contains("abi3_abi3t_universal.pyd"), "{err}");
        assert!(wheels_in(&out).is_empty());
    }
}

#[test]
fn ok_pep803_renames_the_universal_binary_and_names_what_it_cannot_serve() {
    let out = scratch("merge-pep803");
    let input = rel(&sample("cp313-abi3.abi3t-manylinux"));
    let (code, doc, err) = merge_json(&["-o", &s(&out), &input, "--scheme", "pep803"]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let name = "abi3_abi3t_universal-0.2-cp315-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl";
    assert_eq!(wheels_in(&out), [out.join(name)]);
    assert_eq!(extension_members(&out.join(name)), ["abi3_abi3t_universal.abi3t.so"]);
    let o = &doc["outputs"][0];
    assert_eq!(o["scheme"], "pep803");
    assert_eq!(o["uncovered"], serde_json::json!(["3.13", "3.13t", "3.14", "3.14t"]));
    assert_eq!(o["uncovered_inputs"], serde_json::json!([input]));
    assert_eq!(tag_lines(&out.join(name)).len(), 4);
    // The input still serves 3.13 and 3.14: it is still needed beside the output.
    assert_eq!((&doc["summary"]["still_needed"], &doc["summary"]["wheels_after"]), (&1.into(), &2.into()));

    // auto: the one input still serves 3.13/3.14, which a cp315 wheel cannot, so a
    // pep803 wheel would replace nothing: auto keeps the build as it is (a fat wheel of
    // the one input is the input again): unchanged, nothing written, no directory made.
    let out = root().join("target/test-scratch/merge-auto-unchanged");
    let _ = std::fs::remove_dir_all(&out);
    let (code, doc, _) = merge_json(&["-o", &s(&out), &input]);
    assert_eq!(code, 0);
    assert_eq!(doc["outputs"], serde_json::json!([]));
    assert_eq!(doc["unchanged"][0]["input"], input);
    assert!(!out.exists(), "nothing written, yet the output directory was created");

    // auto with a second input that the universal wheel does replace (a cp315-only
    // build): the pep803 wheel, plus a companion fat wheel of the cp313 build.
    let out = scratch("merge-auto-companion-2");
    let tags = ["cp315-abi3-manylinux1_x86_64", "cp315-abi3-manylinux_2_5_x86_64"];
    let cp315 = retag(
        "cp313-abi3.abi3t-manylinux",
        &out,
        "abi3_abi3t_universal-0.2-cp315-abi3-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
        &tags,
        |m| {
            for (name, _) in m.iter_mut() {
                if name == "abi3_abi3t_universal.so" {
                    *name = "abi3_abi3t_universal.abi3.so".into();
                }
            }
        },
    );
    let dest = scratch("merge-auto-companion-out");
    let (code, doc, err) = merge_json(&["-o", &s(&dest), &input, &cp315.to_string_lossy()]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let schemes: Vec<&str> = doc["outputs"].as_array().unwrap().iter().map(|o| o["scheme"].as_str().unwrap()).collect();
    // The companion is the cp313 build alone, a fat wheel of one input: that input, unchanged.
    assert_eq!(schemes, ["pep803"]);
    assert!(doc["outputs"][0]["notes"].to_string().contains("auto: the companion fat wheel"), "{doc:#}");
    assert_eq!(doc["unchanged"].as_array().unwrap().len(), 1);
    assert_eq!(doc["unchanged"][0]["input"], input);
    assert_eq!(doc["summary"]["wheels_after"], 2);
    assert_eq!(wheels_in(&dest).len(), 1);

    // pep809: the prototype, labelled.
    let out = scratch("merge-pep809");
    let (code, doc, _) = merge_json(&["-o", &s(&out), &input, "--scheme", "pep809"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(doc["outputs"][0]["prototype"].as_str().unwrap().contains("not specified by PEP 809"));
    assert!(doc["outputs"][0]["path"].as_str().unwrap().contains("-cp315-abi2026-"));
}

#[test]
fn err_pep803_refuses_psutil_with_each_binarys_blockers() {
    let out = scratch("merge-pep803-psutil");
    let (code, doc, err) =
        merge_json(&["-o", &s(&out), &rel(&sample(FT313)), &rel(&sample(FT314)), "--scheme", "pep803"]);
    assert_eq!(code, 1);
    let blockers = doc["refused"][0]["blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 2);
    assert!(blockers.iter().all(|b| !b["symbols"].as_array().unwrap().is_empty()));
    assert_eq!(err.lines().count(), 2, "one line per refused binary: {err}");
    assert!(err.lines().all(|l| l.contains("_Py_DecRefShared") && l.contains("abi3t-no-modexport")), "{err}");
    assert!(wheels_in(&out).is_empty());
}

#[test]
fn err_corrupt_record_stops_the_merge() {
    let dir = scratch("merge-corrupt");
    let mut members = read_members(&sample(FT313));
    let bad = dir.join(sample(FT313).file_name().unwrap());
    // A valid wheel, then one byte of a member changed after RECORD was written.
    let target = members.iter().position(|(n, _)| n == "psutil/_common.py").unwrap();
    write_wheel(&bad, &members);
    members[target].1.push(b'\n');
    let record = read_members(&bad).into_iter().find(|(n, _)| n.ends_with("/RECORD")).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bad).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in members.iter().filter(|(n, _)| !n.ends_with("/RECORD")).chain([&record]) {
        zip.start_file(name.as_str(), opts).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
    }
    zip.finish().unwrap();
    let out = dir.join("out");
    let o = run(&["merge", "-o", &s(&out), &s(&bad), &rel(&sample(FT314))]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("corrupt wheel: member 'psutil/_common.py' has hash"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(wheels_in(&out).is_empty());
}

#[test]
fn err_unsafe_member_name_and_non_wheel_input() {
    let dir = scratch("merge-unsafe");
    let mut members = read_members(&sample(FT313));
    members.push(("psutil/../../evil.py".into(), b"x".to_vec()));
    let bad = dir.join(sample(FT313).file_name().unwrap());
    write_wheel(&bad, &members);
    let o = run(&["merge", "-o", &s(&dir.join("out")), &s(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'..' component"), "{}", stderr(&o));
    let so = dir.join("mod.so");
    std::fs::write(&so, b"\x7fELF").unwrap();
    let o = run(&["merge", "-o", &s(&dir.join("out")), &s(&so)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a wheel"));
}

#[test]
fn err_existing_output_needs_force_and_inputs_are_never_overwritten() {
    let out = scratch("merge-force");
    let args = ["merge", "-o", &s(&out), &rel(&sample(FT313)), &rel(&sample(FT314))];
    assert_eq!(run(&args).status.code(), Some(0));
    let written = wheels_in(&out);
    std::fs::write(&written[0], b"placeholder").unwrap();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists (pass --force to replace it)"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&written[0]).unwrap(), b"placeholder");
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(run(&forced).status.code(), Some(0));
    assert!(Wheel::open(&written[0], Limits::DEFAULT).unwrap().hash_record().is_ok());

    // Output directory = input directory: a one-wheel group is unchanged, not written over.
    let dir = scratch("merge-alias");
    let input = copy_sample(FT313, &dir);
    let before = std::fs::read(&input).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut a = vec!["merge", "-o", dir.to_str().unwrap(), input.to_str().unwrap(), "--scheme", "fat"];
        a.extend_from_slice(extra);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).ends_with("0 outputs planned, 0 written, 0 groups refused, 1 input unchanged: 1 wheel -> 1\n"),
            "{}",
            stdout(&o)
        );
        assert_eq!(std::fs::read(&input).unwrap(), before);
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left behind");
}

/// Every file in `dir`, name → bytes.
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

/// The samples hold seventeen merge groups: psutil's three (METADATA differs), the universal
/// demo's two Windows builds (one binary name), argon2-cffi-bindings' three builds, and twelve
/// groups of one wheel. With `--metadata-from` the psutil Linux group is fine: it is written,
/// argon2's group becomes its universal wheel and one fat wheel, the three other refused
/// groups are reported with their reasons, the twelve single wheels are left unchanged, and the
/// exit code is 1. Run again, the outputs exist: nothing is written, exit 2, true counts.
#[test]
fn ok_several_groups_write_the_fine_ones_and_report_the_rest() {
    let out = scratch("merge-several").join("out");
    let ft314 = sample(FT314).file_name().unwrap().to_string_lossy().into_owned();
    let args = ["-o", &s(&out), "samples", "--metadata-from", &ft314];
    let (code, doc, err) = merge_json(&args);
    assert_eq!(code, 1, "{err}\n{doc:#}");
    let merged = format!("psutil-7.1.2-cp313.cp314.cp36-abi3.cp313t.cp314t-{LINUX}.whl");
    let argon2 = "argon2_cffi_bindings-26.2.0";
    let argon2_platforms = "manylinux_2_26_x86_64.manylinux_2_28_x86_64";
    assert_eq!(
        wheels_in(&out),
        [
            out.join(format!("{argon2}-cp310.cp314-abi3.cp314t-{argon2_platforms}.whl")),
            out.join(format!("{argon2}-cp315-abi3.abi3t-{argon2_platforms}.whl")),
            out.join(&merged)
        ]
    );
    assert_eq!(doc["outputs"].as_array().unwrap().len(), 3);
    for (o, written) in doc["outputs"].as_array().unwrap().iter().zip(wheels_in(&out)) {
        assert_eq!(o["written"]["verified"], true);
        let v = run(&["verify", &s(&written)]);
        assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
        assert_check_passes(&written);
    }
    let refused: Vec<(&str, &str)> = doc["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["group"].as_str().unwrap(), r["conflicts"][0]["member"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [
            ("abi3_abi3t_universal 0.2 [win_amd64]", "abi3_abi3t_universal.pyd"),
            ("psutil 7.1.2 [macosx_11_0_arm64]", "psutil-7.1.2.dist-info/METADATA"),
            ("psutil 7.1.2 [win_amd64]", "psutil-7.1.2.dist-info/METADATA"),
        ]
    );
    // One stderr line per refused group, naming it and the member.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    for ((group, member), line) in refused.iter().zip(&lines) {
        assert!(line.starts_with(&format!("uniabi: error: {group}: refused (fat): ")), "{line}");
        assert!(line.contains(naming_base(member)), "{line}");
    }
    // The wheel --metadata-from names is in the Linux group: the advice says so, and no other.
    assert!(lines[1].ends_with(&format!(
        "(--metadata-from {ft314} is not one of this group's inputs, so it does not choose this group's .dist-info; \
         merge this group in a run of its own with --metadata-from one of its inputs)"
    )), "{}", lines[1]);
    assert!(!lines[0].contains("--metadata-from"), "{}", lines[0]);
    let unchanged: Vec<&str> =
        doc["unchanged"].as_array().unwrap().iter().map(|u| u["input"].as_str().unwrap()).collect();
    assert_eq!(
        unchanged,
        [
            "samples/abi3_abi3t_universal-0.2-cp313-abi3.abi3t-macosx_10_15_universal2.whl",
            "samples/abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
            "samples/cryptography-50.0.2-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl",
            "samples/markupsafe-3.0.4-cp313-cp313-android_24_arm64_v8a.whl",
            "samples/markupsafe-3.0.4-cp313-cp313-ios_13_0_arm64_iphoneos.whl",
            "samples/markupsafe-3.0.4-cp313-cp313-ios_13_0_x86_64_iphonesimulator.whl",
            "samples/msgpack-1.2.4-cp313-cp313-pyemscripten_2025_0_wasm32.whl",
            "samples/numpy-2.3.5-cp313-cp313t-win_amd64.whl",
            "samples/orjson-3.11.4-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "samples/pycryptodomex-3.24.2-cp37-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "samples/rpds_py-2026.9.1-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "samples/xattr-1.3.1-cp312-cp312-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl",
        ]
    );
    assert_eq!(
        doc["summary"],
        serde_json::json!({"inputs": 24, "planned": 3, "written": 3, "refused": 3, "refused_inputs": 6,
                           "unchanged": 12, "still_needed": 0, "wheels_after": 21})
    );
    let human = run(&["merge", "-o", &s(&out), "samples", "--metadata-from", &ft314, "--dry-run"]);
    assert_eq!(human.status.code(), Some(1));
    assert!(
        stdout(&human).ends_with(
            "3 outputs planned, 0 written (dry run), 3 groups refused (6 inputs kept as they are), \
             12 inputs unchanged: 24 wheels -> 21\n"
        ),
        "{}",
        stdout(&human)
    );

    // Again: the output now exists, so nothing is written (exit 2) and the summary says so.
    let before = files_in(&out);
    let o = run(&["merge", "-o", &s(&out), "samples", "--metadata-from", &ft314]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists (pass --force to replace it)"), "{}", stderr(&o));
    assert!(
        stdout(&o).ends_with(
            "3 outputs planned, 0 written, 3 groups refused (6 inputs kept as they are), \
             12 inputs unchanged: 24 wheels -> 21; 3 errors\n"
        ),
        "{}",
        stdout(&o)
    );
    assert!(files_in(&out) == before);
}

fn naming_base(member: &str) -> &str {
    member.rsplit('/').next().unwrap()
}

/// Without `--metadata-from` nothing in the samples but argon2-cffi-bindings' group is
/// written: with those left out, the output directory (and its missing parents) is not
/// created, and the exit code is 1 for the refusals.
#[test]
fn ok_nothing_to_write_creates_no_directory() {
    let base = scratch("merge-nothing");
    let inputs = base.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    for w in sample_wheels().iter().filter(|w| !w.to_string_lossy().contains("argon2")) {
        std::fs::copy(w, inputs.join(w.file_name().unwrap())).unwrap();
    }
    let out = base.join("a").join("b");
    let (code, doc, err) = merge_json(&["-o", &s(&out), &s(&inputs)]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["summary"]["planned"], 0);
    assert_eq!(doc["summary"]["refused"], 4);
    assert_eq!(doc["summary"]["refused_inputs"], 9);
    assert_eq!(doc["summary"]["unchanged"], 12);
    assert_eq!(doc["summary"]["wheels_after"], 21);
    assert!(!base.join("a").exists());
    // A lone wheel: unchanged, exit 0, no directory either.
    let o = run(&["merge", "-o", &s(&out), &rel(&sample("orjson"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert!(!base.join("a").exists());
}

/// Inputs may sit in the output directory: the merged pair is written beside them and a
/// lone wheel there is left as it is. Run again, the merged wheel is itself an input and the
/// new output would have its name: that group is refused (exit 1), nothing is written over.
#[test]
fn ok_inputs_in_the_output_directory_are_never_written_over() {
    let dir = scratch("merge-in-place");
    copy_sample(FT313, &dir);
    copy_sample(FT314, &dir);
    copy_sample("orjson", &dir);
    let before = files_in(&dir);
    for extra in [&[][..], &["--force"][..]] {
        let _ = std::fs::remove_file(dir.join(format!("psutil-7.1.2-cp313.cp314-cp313t.cp314t-{LINUX}.whl")));
        let mut a = vec!["-o", dir.to_str().unwrap(), dir.to_str().unwrap()];
        a.extend_from_slice(extra);
        let (code, doc, err) = merge_json(&a);
        assert_eq!(code, 0, "{err}\n{doc:#}");
        assert_eq!(doc["summary"]["written"], 1);
        assert_eq!(doc["summary"]["unchanged"], 1);
        let after = files_in(&dir);
        assert_eq!(after.len(), 4);
        for (name, bytes) in &before {
            assert!(after[name] == *bytes, "{name} changed");
        }
    }
    let merged = files_in(&dir);
    for extra in [&[][..], &["--force"][..]] {
        let mut a = vec!["-o", dir.to_str().unwrap(), dir.to_str().unwrap()];
        a.extend_from_slice(extra);
        let (code, doc, err) = merge_json(&a);
        assert_eq!(code, 1, "{err}\n{doc:#}");
        let reason = doc["refused"][0]["reason"].as_str().unwrap();
        assert!(reason.contains("is one of the inputs, and inputs are never written over"), "{reason}");
        assert_eq!(doc["refused"][0]["inputs"].as_array().unwrap().len(), 3);
        assert!(err.contains("refused (fat): its output"), "{err}");
        assert_eq!(doc["summary"]["written"], 0);
        assert!(files_in(&dir) == merged, "a file changed or was added");
    }
}

#[test]
fn ok_same_inputs_give_the_same_bytes() {
    let inputs = [rel(&sample(FT313)), rel(&sample(FT314))];
    let merged = |name: &str, epoch: Option<&str>| {
        let out = scratch(name);
        let mut c = uniabi();
        c.args(["merge", "-o", &s(&out), &inputs[0], &inputs[1]]);
        match epoch {
            Some(e) => c.env("SOURCE_DATE_EPOCH", e),
            None => c.env_remove("SOURCE_DATE_EPOCH"),
        };
        assert_eq!(c.output().unwrap().status.code(), Some(0));
        std::fs::read(&wheels_in(&out)[0]).unwrap()
    };
    let a = merged("merge-det-a", None);
    let b = merged("merge-det-b", None);
    assert!(a == b, "two merges differ");
    let c = merged("merge-det-c", Some("1700000000"));
    let d = merged("merge-det-d", Some("1700000000"));
    assert!(c == d, "two merges with SOURCE_DATE_EPOCH differ");
    assert!(a != c, "SOURCE_DATE_EPOCH sets the new members' timestamps");
}

#[test]
fn ok_dry_run_writes_nothing_golden() {
    let out = root().join("target/test-scratch/merge-dry-run");
    let _ = std::fs::remove_dir_all(&out);
    let out_rel = "target/test-scratch/merge-dry-run";
    let (ft313, ft314) = (rel(&sample(FT313)), rel(&sample(FT314)));
    let o = run(&["merge", "--dry-run", "--verbose", "-o", out_rel, &ft313, &ft314]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.exists(), "dry run created the output directory");
    golden("merge/dry-run-psutil-manylinux-free-threaded.txt", &stdout(&o));
    let o = run(&["merge", "--dry-run", "-o", out_rel, &ft313, &ft314]);
    golden("merge/dry-run-psutil-manylinux-free-threaded-summary.txt", &stdout(&o));
    // The whole samples directory: grouping, unchanged single wheels, refused groups with their conflicts.
    let o = run(&["merge", "--dry-run", "--verbose", "-o", out_rel, "samples"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
    golden("merge/dry-run-samples.txt", &stdout(&o));
    // By default, a screen: conflicts named without their diffs.
    let o = run(&["merge", "--dry-run", "-o", out_rel, "samples"]);
    assert_eq!(o.status.code(), Some(1));
    let summary = stdout(&o);
    golden("merge/dry-run-samples-summary.txt", &summary);
    assert!(summary.lines().count() <= 70, "{summary}");
    assert!(!summary.contains("\n              @@ "), "a diff in the summary: {summary}");
    assert_eq!(summary.matches("(--verbose shows the diff)").count(), 3, "{summary}");
}

#[test]
fn ok_differing_platform_tag_sets_are_separate_groups() {
    let out = scratch("merge-groups");
    let (code, doc, _) =
        merge_json(&["-o", &s(&out), &rel(&sample(FT313)), &rel(&sample("psutil-7.1.2-cp313-cp313t-win"))]);
    assert_eq!(code, 0, "{doc:#}");
    // Two groups of one wheel each: both left unchanged.
    assert_eq!(doc["outputs"].as_array().unwrap().len(), 0);
    assert_eq!(doc["unchanged"].as_array().unwrap().len(), 2);
    let note = doc["notes"][0].as_str().unwrap();
    assert!(note.contains("2 different platform tag sets, merged separately"), "{note}");
}

/// Merge → split gives back each input's members and tags (RECORD and WHEEL aside),
/// for every combination of the three Linux builds; merging twice gives the same bytes.
#[test]
fn ok_merge_then_split_round_trip() {
    let dir = scratch("merge-roundtrip");
    let inputs_dir = dir.join("inputs");
    std::fs::create_dir_all(&inputs_dir).unwrap();
    let all = [harmonized_abi3(&inputs_dir), copy_sample(FT313, &inputs_dir), copy_sample(FT314, &inputs_dir)];
    let windows = scratch("merge-roundtrip-win");
    let win_abi3 = {
        let dist =
            |n: &str| n.starts_with("psutil-7.1.2.dist-info/") && !n.ends_with("/WHEEL") && !n.ends_with("/RECORD");
        let ft: Members =
            read_members(&sample("psutil-7.1.2-cp313-cp313t-win")).into_iter().filter(|(n, _)| dist(n)).collect();
        let mut m = read_members(&sample("cp37-abi3-win"));
        m.retain(|(n, _)| !dist(n));
        m.extend(ft);
        let p = windows.join("psutil-7.1.2-cp37-abi3-win_amd64.whl");
        write_wheel(&p, &m);
        p
    };
    let win_ft = copy_sample("psutil-7.1.2-cp313-cp313t-win", &windows);
    let mut combos: Vec<Vec<PathBuf>> = Vec::new();
    for mask in 1..8u32 {
        combos.push((0..3).filter(|i| mask & (1 << i) != 0).map(|i| all[i].clone()).collect());
    }
    combos.push(vec![win_abi3, win_ft]);
    for (n, combo) in combos.iter().enumerate() {
        let merged_dir = dir.join(format!("merged-{n}"));
        let mut args = vec!["merge".to_string(), "--scheme".into(), "fat".into(), "-o".into(), s(&merged_dir)];
        args.extend(combo.iter().map(|p| s(p)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{combo:?}: {}", stderr(&o));
        if combo.len() == 1 {
            // A fat wheel of one input is that input: left unchanged, nothing written.
            assert!(stdout(&o).starts_with("unchanged: 1 group: one input"), "{}", stdout(&o));
            assert!(!merged_dir.exists());
            continue;
        }
        let merged = wheels_in(&merged_dir);
        assert_eq!(merged.len(), 1);
        // Merging again gives the same bytes.
        let again_dir = dir.join(format!("again-{n}"));
        let mut again: Vec<&str> = args.clone();
        let again_s = s(&again_dir);
        again[4] = &again_s;
        assert_eq!(run(&again).status.code(), Some(0));
        assert!(std::fs::read(&merged[0]).unwrap() == std::fs::read(&wheels_in(&again_dir)[0]).unwrap());
        // Split gives back the inputs.
        let split_dir = dir.join(format!("split-{n}"));
        let o = run(&["split", &s(&merged[0]), "-o", &s(&split_dir)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let split = wheels_in(&split_dir);
        let names = |v: &[PathBuf]| {
            let mut n: Vec<String> = v.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
            n.sort();
            n
        };
        assert_eq!(names(&split), names(combo), "split of {}", merged[0].display());
        for part in &split {
            let original = combo.iter().find(|c| c.file_name() == part.file_name()).unwrap();
            assert_eq!(tag_lines(part), {
                tag_lines(original)
                    .into_iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
            });
            assert!(payload(part) == payload(original), "members of {} differ from the input", part.display());
        }
    }
}

fn big_inputs(dir: &Path) -> [PathBuf; 2] {
    // 12 MiB of incompressible bytes, identical in both inputs, so the merge takes a while.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let blob: Vec<u8> = (0..12 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    [FT313, FT314].map(|part| {
        let mut m = read_members(&sample(part));
        m.push(("psutil/blob.bin".into(), blob.clone()));
        let p = dir.join(sample(part).file_name().unwrap());
        write_wheel(&p, &m);
        p
    })
}

fn temp_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".uniabi-tmp"))).count()
        })
        .unwrap_or(0)
}

/// Kill `uniabi merge` while it writes (once its temporary file exists, then a
/// little later each round): no `*.whl` appears unless complete and valid.
#[test]
fn ok_interrupted_merge_leaves_no_wheel_behind() {
    let dir = scratch("merge-kill");
    let inputs = big_inputs(&dir);
    let mut interrupted_mid_write = 0;
    for (round, extra) in [0u64, 2, 10, 50, 500].iter().enumerate() {
        let out = dir.join(format!("out-{round}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_uniabi"))
            .args(["merge", "-o", &s(&out), &s(&inputs[0]), &s(&inputs[1])])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while temp_files(&out) == 0
            && child.try_wait().unwrap().is_none()
            && started.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(*extra));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() && temp_files(&out) > 0 {
            interrupted_mid_write += 1;
        }
        for wheel in wheels_in(&out) {
            let mut w = Wheel::open(&wheel, Limits::DEFAULT)
                .unwrap_or_else(|e| panic!("{} is left behind and unreadable: {e}", wheel.display()));
            w.hash_record().unwrap_or_else(|e| panic!("{} is incomplete: {e}", wheel.display()));
        }
        for e in std::fs::read_dir(&out).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(name.ends_with(".whl") || name.ends_with(".uniabi-tmp"), "unexpected file {name}");
        }
    }
    assert!(interrupted_mid_write > 0, "no round was killed while writing");
    // An uninterrupted run completes.
    let out = dir.join("out-full");
    let o = run(&["merge", "-o", &s(&out), &s(&inputs[0]), &s(&inputs[1])]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(wheels_in(&out).len(), 1);
    assert_eq!(temp_files(&out), 0);
}

#[test]
fn ok_split_of_a_single_tag_wheel_and_json() {
    let out = scratch("split-single");
    let o = run(&["split", "--json", &rel(&sample(FT313)), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "uniabi/split/1");
    assert_eq!(doc["outputs"][0]["scheme"], "split");
    let wheels = wheels_in(&out);
    assert_eq!(wheels.len(), 1);
    assert!(payload(&wheels[0]) == payload(&sample(FT313)));
}

/// `-o` naming a file (or a path through one) is said plainly, before any temporary is tried.
#[test]
fn err_outdir_that_is_a_file() {
    let dir = scratch("outdir-file");
    let file = dir.join("taken");
    std::fs::write(&file, b"x").unwrap();
    let wheel = rel(&sample("abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1"));
    for outdir in [file.clone(), file.join("sub")] {
        let out = run(&["split", "-o", outdir.to_str().unwrap(), &wheel]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains(&format!("{} is a file, not a directory", file.display())), "{err}");
        assert!(!err.contains("uniabi-tmp") && !err.contains("os error"), "{err}");
    }
    let out = run(&["retag", "--tags", "cp313-abi3", "-o", file.to_str().unwrap(), &wheel]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("{} is a file, not a directory", file.display())), "{}", stderr(&out));
}

/// A split's text names each dropped binary once, without repeating the one input on every line.
#[test]
fn ok_split_dropped_lines_are_short() {
    let dir = scratch("split-dropped-short");
    let o = run(&["merge", "--scheme", "fat", "-o", &s(&dir), &rel(&sample(FT313)), &rel(&sample(FT314))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged = wheels_in(&dir);
    let o = run(&["split", "--dry-run", "-o", &s(&dir.join("split")), &s(&merged[0])]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let dropped: Vec<&str> = text.lines().filter(|l| l.starts_with("  dropped   ")).collect();
    assert_eq!(dropped.len(), 2, "{text}");
    for line in dropped {
        assert!(!line.contains("(from ") && line.contains(".so: not loaded by the interpreters"), "{line}");
    }
    assert!(text.lines().count() <= 30, "{text}");
}

/// argon2-cffi-bindings' three builds, each given the SBOMs maturin writes (PEP 770: one
/// per build, differing in serial number and timestamp) and one SBOM all three share.
fn argon2_with_sboms(dir: &Path, extra: impl Fn(&str, &mut Members)) -> Vec<PathBuf> {
    let builds = [("cp310-abi3", "cp310-abi3"), ("cp314-cp314t", "cp314-cp314t"), ("cp315-abi3.abi3t", "cp315-abi3")];
    let mut wheels = Vec::new();
    for (n, (build, first_tag)) in builds.iter().enumerate() {
        let mut tags = vec![format!("{first_tag}-manylinux_2_26_x86_64"), format!("{first_tag}-manylinux_2_28_x86_64")];
        if *build == "cp315-abi3.abi3t" {
            tags.extend(["cp315-abi3t-manylinux_2_26_x86_64".into(), "cp315-abi3t-manylinux_2_28_x86_64".into()]);
        }
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let name = format!("argon2_cffi_bindings-26.2.0-{build}-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl");
        wheels.push(retag(&format!("26.2.0-{build}-"), dir, &name, &tags, |m| {
            let sboms = "argon2_cffi_bindings-26.2.0.dist-info/sboms";
            let own = format!(
                "{{\"bomFormat\": \"CycloneDX\", \"serialNumber\": \"urn:uuid:{n}\", \"build\": \"{build}\"}}\n"
            );
            m.insert(0, (format!("{sboms}/argon2.cyclonedx.json"), own.into_bytes()));
            m.insert(0, (format!("{sboms}/shared.spdx.json"), b"{\"spdxVersion\": \"SPDX-2.3\"}\n".to_vec()));
            extra(build, m);
        }));
    }
    wheels
}

/// The members of a written wheel under `.dist-info/sboms/`, with their bytes.
fn sboms_of(wheel: &Path) -> BTreeMap<String, Vec<u8>> {
    read_members(wheel).into_iter().filter(|(n, _)| n.contains(".dist-info/sboms/")).collect()
}

/// PEP 770 SBOMs never refuse a group: each build whose binaries an output keeps keeps
/// its SBOM (under a name with its build's tags where the builds' SBOMs differ), listed
/// in RECORD; `--metadata-from` does not drop them; an SBOM of a build none of whose
/// binaries an output keeps is dropped with the reason.
#[test]
fn ok_sboms_of_every_build_are_kept() {
    let dir = scratch("merge-sboms");
    let wheels = argon2_with_sboms(&dir, |_, _| {});
    let own =
        |i: usize| read_members(&wheels[i]).into_iter().find(|(n, _)| n.ends_with("argon2.cyclonedx.json")).unwrap().1;
    let sboms = "argon2_cffi_bindings-26.2.0.dist-info/sboms";
    // The abi3 and cp314t builds: one fat wheel with both builds' SBOMs.
    let out = dir.join("fat");
    let (outdir, first, second) = (s(&out), s(&wheels[0]), s(&wheels[1]));
    let ft = wheels[1].file_name().unwrap().to_string_lossy().into_owned();
    for extra in [vec![], vec!["--metadata-from", ft.as_str()]] {
        let mut args = vec!["-o", outdir.as_str(), "--force", first.as_str(), second.as_str()];
        args.extend(extra);
        let (code, doc, err) = merge_json(&args);
        assert_eq!(code, 0, "{err}\n{doc:#}");
        assert_eq!(doc["outputs"][0]["dropped"], serde_json::json!([]), "{doc:#}");
        let written = wheels_in(&out);
        assert_eq!(written.len(), 1);
        let kept = sboms_of(&written[0]);
        let want = BTreeMap::from([
            (format!("{sboms}/argon2.cp310-abi3.cyclonedx.json"), own(0)),
            (format!("{sboms}/argon2.cp314-cp314t.cyclonedx.json"), own(1)),
            (format!("{sboms}/shared.spdx.json"), b"{\"spdxVersion\": \"SPDX-2.3\"}\n".to_vec()),
        ]);
        assert_eq!(kept, want);
        // RECORD lists each with its hash, and check and verify pass the wheel.
        let w = Wheel::open(&written[0], Limits::default()).unwrap();
        let record =
            String::from_utf8(read_members(&written[0]).into_iter().find(|(n, _)| n.ends_with("RECORD")).unwrap().1)
                .unwrap();
        for (name, data) in &want {
            assert!(record.contains(&format!("{name},{},{}\n", record_hash(data), data.len())), "{name}:\n{record}");
            assert!(w.member(name).is_some());
        }
        assert_check_passes(&written[0]);
    }
    // All three (auto): the PEP 803 wheel keeps the abi3t build's SBOM under its own name
    // and drops the two others', which its companion fat wheel keeps.
    let out = dir.join("auto");
    let (code, doc, err) = merge_json(&["-o", &s(&out), &s(&wheels[0]), &s(&wheels[1]), &s(&wheels[2])]);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let written = wheels_in(&out);
    assert_eq!(written.len(), 2, "{doc:#}");
    let universal = written.iter().find(|w| s(w).contains("cp315-abi3.abi3t")).unwrap();
    assert_eq!(
        sboms_of(universal).into_keys().collect::<Vec<_>>(),
        [format!("{sboms}/argon2.cyclonedx.json"), format!("{sboms}/shared.spdx.json")]
    );
    assert_eq!(sboms_of(universal)[&format!("{sboms}/argon2.cyclonedx.json")], own(2));
    let plan = doc["outputs"].as_array().unwrap().iter().find(|o| o["scheme"] == "pep803").unwrap();
    let dropped: Vec<(&str, &str)> = plan["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["member"].as_str().unwrap().contains("/sboms/"))
        .map(|d| (d["member"].as_str().unwrap(), d["reason"].as_str().unwrap()))
        .collect();
    let reason = "an SBOM of a build none of whose binaries the output keeps";
    let member = format!("{sboms}/argon2.cyclonedx.json");
    assert_eq!(dropped, [(member.as_str(), reason), (member.as_str(), reason)], "{plan:#}");
    let fat = written.iter().find(|w| !s(w).contains("cp315-abi3.abi3t")).unwrap();
    assert_eq!(sboms_of(fat).len(), 3);
}

/// A refusal shows a bounded diff: three hunks or 40 lines, then how many more.
#[test]
fn ok_refusal_diff_is_bounded() {
    let dir = scratch("merge-long-diff");
    let wheels = argon2_with_sboms(&dir, |build, m| {
        let text: String = (0..200).map(|i| format!("{build} line {i}\n")).collect();
        m.insert(0, ("_argon2_cffi_bindings/notes.txt".to_string(), text.into_bytes()));
    });
    let (code, doc, err) = merge_json(&["--scheme", "fat", "-o", &s(&dir.join("out")), &s(&wheels[0]), &s(&wheels[1])]);
    assert_eq!(code, 1, "{err}\n{doc:#}");
    let conflicts = doc["refused"][0]["conflicts"].as_array().unwrap();
    let members: Vec<&str> = conflicts.iter().map(|c| c["member"].as_str().unwrap()).collect();
    assert_eq!(members, ["_argon2_cffi_bindings/notes.txt"], "the SBOMs are no conflict");
    // 2 header lines, 1 hunk header, 200 removed and 200 added: 40 shown, 363 more.
    let diff = conflicts[0]["diff"].as_str().unwrap();
    assert_eq!(diff.lines().count(), 41, "{diff}");
    assert!(diff.ends_with("\n… 363 more lines\n"), "{diff}");
    let human =
        run(&["merge", "--dry-run", "--scheme", "fat", "-o", &s(&dir.join("out")), &s(&wheels[0]), &s(&wheels[1])]);
    assert!(stdout(&human).lines().count() < 60, "{}", stdout(&human));
}

/// `--scheme pep803` on argon2-cffi-bindings' three builds (as on pyoxigraph's cp312 +
/// cp314t + abi3.abi3t): the universal wheel serves 3.15 on, so the abi3 build (3.10–3.14)
/// and the cp314t build are still needed beside it, and the summary counts them.
#[test]
fn ok_summary_counts_the_inputs_still_needed() {
    let out = scratch("merge-still-needed");
    let inputs: Vec<String> = sample_wheels().iter().filter(|w| s(w).contains("argon2")).map(|w| rel(w)).collect();
    assert_eq!(inputs.len(), 3);
    let outdir = s(&out);
    let mut args = vec!["--dry-run", "--scheme", "pep803", "-o", &outdir];
    args.extend(inputs.iter().map(String::as_str));
    let (code, doc, err) = merge_json(&args);
    assert_eq!(code, 0, "{err}\n{doc:#}");
    let needed = [inputs[0].as_str(), inputs[1].as_str()];
    assert!(inputs[0].contains("cp310-abi3") && inputs[1].contains("cp314-cp314t"), "{inputs:?}");
    assert_eq!(doc["outputs"][0]["uncovered_inputs"], serde_json::json!(needed));
    assert_eq!(
        doc["summary"],
        serde_json::json!({"inputs": 3, "planned": 1, "written": 0, "refused": 0, "refused_inputs": 0,
                           "unchanged": 0, "still_needed": 2, "wheels_after": 3})
    );
    let mut human = vec!["merge"];
    human.extend(args.iter().copied());
    let o = run(&human);
    assert!(
        stdout(&o).ends_with(
            "1 output planned, 0 written (dry run), 0 groups refused, 0 inputs unchanged, 2 inputs still needed \
             for interpreters no output serves: 3 wheels -> 3\n"
        ),
        "{}",
        stdout(&o)
    );
}
