//! The universal-wheel planner on real samples.

use uniabi::analysis::{Analysed, analyse};
use uniabi::check::{AbiChoice, Checker};
use uniabi::input::Input;
use uniabi::specs::Specs;
use uniabi::suffixes::SuffixTable;
use uniabi::tags::PlatformTag;
use uniabi::universal::{Proposal, plan};
use uniabi::wheel::Limits;

use crate::common::*;

fn analysed(part: &str) -> Analysed {
    let path = sample(part);
    let input = Input::local(rel(&path), path);
    analyse(&input, Limits::DEFAULT)
}

#[test]
fn ok_universal_demo_qualifies_under_both_proposals() {
    let specs = Specs::embedded().unwrap();
    let table = SuffixTable::embedded().unwrap();
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    let a = analysed("cp313-abi3.abi3t-manylinux");
    let platforms = ["manylinux_2_5_x86_64".parse::<PlatformTag>().unwrap()];
    let p = plan(Proposal::Pep803, "abi3_abi3t_universal", "0.2", None, &platforms, &[&a], &checker);
    assert_eq!(p.wheel, "abi3_abi3t_universal-0.2-cp315-abi3.abi3t-manylinux_2_5_x86_64.whl");
    assert_eq!(p.tags, ["cp315-abi3-manylinux_2_5_x86_64", "cp315-abi3t-manylinux_2_5_x86_64"]);
    assert!(p.qualifies, "{p:#?}");
    assert_eq!(p.modules[0].member.value, "abi3_abi3t_universal.abi3t.so");
    assert_eq!(p.serves, ["3.15", "3.15t", "3.16", "3.16t"]);
    assert_eq!(p.uncovered, ["3.13", "3.13t", "3.14", "3.14t"]);
    let p = plan(Proposal::Pep809, "abi3_abi3t_universal", "0.2", None, &platforms, &[&a], &checker);
    assert_eq!(p.wheel, "abi3_abi3t_universal-0.2-cp315-abi2026-manylinux_2_5_x86_64.whl");
    assert!(p.qualifies);
    assert_eq!(p.macros[0].value, "Py_LIMITED_API=0x03ff2026");
    assert!(p.modules[0].member.display().contains("not specified by PEP 809"));
}

#[test]
fn err_psutil_does_not_qualify_and_names_its_blockers() {
    let specs = Specs::embedded().unwrap();
    let table = SuffixTable::embedded().unwrap();
    let checker = Checker { specs: &specs, table: &table, abi: AbiChoice::Auto };
    let inputs = [
        analysed("cp36-abi3-manylinux"),
        analysed("cp313-cp313t-manylinux"),
        analysed("psutil-7.1.2-cp314-cp314t-manylinux"),
    ];
    let refs: Vec<&Analysed> = inputs.iter().collect();
    let platforms = ["manylinux_2_28_x86_64".parse::<PlatformTag>().unwrap()];
    let p = plan(Proposal::Pep803, "psutil", "7.1.2", None, &platforms, &refs, &checker);
    assert!(!p.qualifies);
    assert_eq!(p.blockers.len(), 3);
    assert!(p.blockers.iter().all(|b| b.codes.contains(&"abi3t-no-modexport".to_string())));
    assert!(p.blockers[1].symbols.contains(&"_Py_DecRefShared".to_string()), "{:?}", p.blockers[1]);
    assert_eq!(p.modules[0].source, None);
}
