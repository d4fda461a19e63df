//! Merging per-version wheels into fewer wheels, and splitting them back.
//!
//! `merge` groups its inputs by [`GroupKey`] (project, version, build tag,
//! platform tags, implementation) and turns each group into one wheel:
//!
//! - **fat**: the union of the members, with the exact union of the `Tag:`
//!   lines and the smallest compressed file name that covers them; refused when
//!   two inputs disagree about a member, or when an interpreter the file name
//!   admits would not load every module ([`crate::verify`]);
//! - **pep803** / **pep809**: one universal binary per module
//!   ([`crate::universal::plan`]), the per-version binaries dropped;
//! - **auto**: pep803 where a binary qualifies (plus a companion fat wheel for
//!   the interpreters it cannot serve), else fat.
//!
//! Groups are independent: a refused group keeps its inputs and the others
//! are still written; a group of one wheel whose output would be that wheel
//! again is left unchanged ([`Unchanged`]); [`forecast`] is the count of
//! wheels after a merge with the defaults, which `survey` reports.
//!
//! `split` writes one wheel per (Python tag, ABI tag) of a merged wheel, with
//! the binaries the interpreters of that tag load.
//!
//! Planning reads everything and writes nothing ([`plan_merge`],
//! [`plan_split`]); each planned wheel is judged once by `check` as it is
//! planned (`judge`), and carries that judgement. [`finish`] then writes the
//! planned wheels all or none ([`write_all`]): members are copied raw with
//! their verified RECORD rows, WHEEL and RECORD are written afresh, and each
//! complete temporary file is read back (central directory, RECORD listing,
//! `Tag:` lines, every binary's hash) before all are moved into place.

mod auto;
mod build;
mod draft;
mod group;
mod input;
mod judge;
mod members;
mod outcome;
mod output;
mod plan;
mod report;
mod split;
mod write;

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

pub use group::GroupKey;
pub use input::{MergeInput, load_inputs};
pub use members::{Conflict, Dropped, PlannedMember};
pub use outcome::{Counts, Forecast, RefusedForecast, forecast, refuse_overwrites};
pub use output::{MergePlan, OutputPlan, Refusal, Unchanged, WriteOutcome};
pub use plan::plan_merge;
pub use report::{Finished, Report, finish};
pub use split::plan_split;
pub use write::{OutputError, WriteAllError, Written, check_outputs, write_all};

use crate::check::Checker;
use crate::wheel::Limits;

/// How `merge` combines a group of wheels (`--scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scheme {
    /// PEP 803 where a binary qualifies (with a companion fat wheel for what it cannot serve), else fat.
    #[default]
    Auto,
    /// The union of the members, every binary kept.
    Fat,
    /// One cp315-abi3.abi3t wheel holding each module's abi3t binary.
    #[value(name = "pep803")]
    Pep803,
    /// One cp315-abi2026 wheel (the PEP 809 prototype).
    #[value(name = "pep809")]
    Pep809,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Auto => "auto",
            Scheme::Fat => "fat",
            Scheme::Pep803 => "pep803",
            Scheme::Pep809 => "pep809",
        })
    }
}

/// The kind of one output wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputScheme {
    /// Every input's binaries under their own names: `cp313.cp314-cp313t.cp314t`.
    Fat,
    /// PEP 803: `cp315-abi3.abi3t`.
    Pep803,
    /// The PEP 809 prototype: `cp315-abi2026`.
    Pep809,
    /// One (Python tag, ABI tag) of a split wheel.
    Split,
}

impl fmt::Display for OutputScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutputScheme::Fat => "fat",
            OutputScheme::Pep803 => "pep803",
            OutputScheme::Pep809 => "pep809",
            OutputScheme::Split => "split",
        })
    }
}

impl Serialize for OutputScheme {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What planning needs besides the inputs.
pub struct Context<'a> {
    /// Qualification for pep803/pep809, and the manifests and suffix table `verify` uses.
    pub checker: &'a Checker<'a>,
    /// Where the outputs go.
    pub outdir: PathBuf,
    /// Reading limits for reopening inputs and outputs.
    pub limits: Limits,
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn ok_scheme_round_trips() {
        for s in ["auto", "fat", "pep803", "pep809"] {
            assert_eq!(Scheme::from_str(s, false).unwrap().to_string(), s);
        }
        let names: Vec<String> = Scheme::value_variants()
            .iter()
            .filter_map(|v| Some(v.to_possible_value()?.get_name().to_string()))
            .collect();
        assert_eq!(names, ["auto", "fat", "pep803", "pep809"]);
        assert_eq!(Scheme::default(), Scheme::Auto);
    }

    #[test]
    fn err_unknown_scheme() {
        assert!(Scheme::from_str("thin", false).is_err());
        assert!(Scheme::from_str("PEP803", false).is_err(), "names are case-sensitive, as clap reads them");
    }
}
