//! The entry points the fuzz targets drive, shared with the regression test
//! that replays `tests/fuzz-regressions/<target>/` (`tests/hostile.rs`).
//!
//! Each takes arbitrary bytes and must return without panicking: an error is
//! as good an answer as a success. Only the round-trip properties assert.

#![allow(dead_code)]

use std::path::Path;

use uniabi::analysis;
use uniabi::binary;
use uniabi::input::Input;
use uniabi::specs::Specs;
use uniabi::tags::{AbiTag, PlatformTag, PythonTag, Tag, TagSet, WheelFilename};
use uniabi::wheel::{Limits, Wheel};

/// The fuzz targets, as named under `fuzz_targets/` and `tests/fuzz-regressions/`.
pub const TARGETS: [&str; 7] = ["binary_elf", "binary_macho", "binary_pe", "binary_any", "wheel", "tags", "manifest"];

/// Run the named target on `data`; `scratch` is a directory the wheel target
/// may write its temporary file into.
pub fn run(target: &str, data: &[u8], scratch: &Path) {
    match target {
        "binary_elf" => binary_elf(data),
        "binary_macho" => binary_macho(data),
        "binary_pe" => binary_pe(data),
        "binary_any" => binary_any(data),
        "wheel" => wheel(data, scratch),
        "tags" => tags(data),
        "manifest" => manifest(data),
        other => panic!("no fuzz target named {other}"),
    }
}

/// `data` with its first bytes replaced by `magic` (extended if shorter).
fn with_magic(data: &[u8], magic: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if out.len() < magic.len() {
        out.resize(magic.len(), 0);
    }
    out[..magic.len()].copy_from_slice(magic);
    out
}

/// Parse, and touch everything a report would.
fn parse(data: &[u8]) {
    match binary::parse(data) {
        Ok(b) => {
            for s in &b.slices {
                let _ = (s.python_imports(), s.python_library(), s.module_hooks());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

pub fn binary_elf(data: &[u8]) {
    parse(&with_magic(data, b"\x7fELF"));
}

pub fn binary_macho(data: &[u8]) {
    // Keep whichever Mach-O magic the input has; else pick one from its first byte.
    if binary::sniff(data) == Some(binary::Format::Macho) {
        return parse(data);
    }
    const MAGICS: [[u8; 4]; 6] = [
        [0xcf, 0xfa, 0xed, 0xfe],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xfe, 0xed, 0xfa, 0xce],
        [0xca, 0xfe, 0xba, 0xbe],
        [0xca, 0xfe, 0xba, 0xbf],
    ];
    let pick = data.first().map_or(0, |&b| usize::from(b) % MAGICS.len());
    parse(&with_magic(data, &MAGICS[pick]));
}

pub fn binary_pe(data: &[u8]) {
    parse(&with_magic(data, b"MZ"));
}

pub fn binary_any(data: &[u8]) {
    parse(data);
}

/// Small enough that the fuzzer spends its time on structure, not inflating.
const FUZZ_LIMITS: Limits = Limits { max_member_size: 64 << 20, ..Limits::DEFAULT };

/// Write the bytes as a wheel, read it the way `inspect` does (WHEEL, every
/// shared object), then check RECORD.
pub fn wheel(data: &[u8], scratch: &Path) {
    let path = scratch.join(format!("fuzz-{}.whl", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let input = Input::local(path.display().to_string(), path.clone());
    let analysed = analysis::analyse(&input, FUZZ_LIMITS);
    let _ = analysed.error();
    if let Ok(mut wheel) = Wheel::open(&path, FUZZ_LIMITS) {
        let _ = analysis::wheel_info(&wheel);
        let _ = wheel.record();
        let _ = wheel.hash_record();
    }
    let _ = std::fs::remove_file(&path);
}

/// Parsing then printing then parsing again gives the same value.
fn round_trip<T>(text: &str)
where
    T: std::str::FromStr + std::fmt::Display + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = text.parse::<T>() {
        let shown = value.to_string();
        let again = shown.parse::<T>();
        assert!(
            again.as_ref().is_ok_and(|a| *a == value),
            "{text:?} parsed to {value:?}, shown as {shown:?}, which parses to {:?}",
            again.map(|_| ()).map_err(|_| ())
        );
    }
}

pub fn tags(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<PythonTag>(text);
    round_trip::<AbiTag>(text);
    round_trip::<PlatformTag>(text);
    round_trip::<Tag>(text);
    round_trip::<TagSet>(text);
    round_trip::<WheelFilename>(text);
    if let Ok(set) = text.parse::<TagSet>() {
        let product = set.python.len() * set.abi.len() * set.platform.len();
        if product <= 10_000 {
            let expanded = set.expand();
            assert!(
                TagSet::compress(&expanded).covers_exactly(&expanded),
                "{text:?}: the compressed form of its expansion does not cover it"
            );
            let _ = uniabi::tags::dead_tags(&set);
        }
    }
    if let Err(e) = text.parse::<WheelFilename>() {
        let _ = e.to_string();
    }
}

/// The first byte picks which manifest the rest replaces; the other two are
/// the embedded ones, so cross-checks run against real data.
pub fn manifest(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut texts = Specs::embedded_texts();
    texts[usize::from(pick) % 3] = text;
    match Specs::from_strs(texts[0], texts[1], texts[2]) {
        Ok(specs) => {
            let _ = specs.stable_items().count();
            let _ = specs.abi2026_symbols().count();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
