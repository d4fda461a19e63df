//! The report of a merge or a split (`uniabi/merge/1`, `uniabi/split/1`), and
//! the last step both run: refuse groups whose output would replace an input,
//! write the rest all or none, count what happened.

use serde::Serialize;

use super::{Context, Counts, MergeInput, OutputPlan, Refusal, Unchanged, WriteAllError};

/// The `--json` document of `merge` and `split`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub dry_run: bool,
    pub outputs: Vec<OutputPlan>,
    pub refused: Vec<Refusal>,
    /// Inputs left as they are: their group's one output would be the input itself.
    pub unchanged: Vec<Unchanged>,
    pub notes: Vec<String>,
    /// How many outputs were planned and written, groups refused, inputs unchanged.
    pub summary: Counts,
    /// Unreadable or corrupt inputs, and outputs that could not be written (then none is).
    pub errors: Vec<String>,
}

impl Report {
    /// An empty report of `schema` (`uniabi/merge/1` or `uniabi/split/1`).
    pub fn new(schema: &'static str, dry_run: bool) -> Report {
        Report {
            schema,
            dry_run,
            outputs: Vec::new(),
            refused: Vec::new(),
            unchanged: Vec::new(),
            notes: Vec::new(),
            summary: Counts::default(),
            errors: Vec::new(),
        }
    }
}

/// What [`finish`] did besides filling in the report.
#[derive(Debug, Default)]
pub struct Finished {
    /// Why nothing was written, when writing failed.
    pub write_errors: Vec<WriteAllError>,
    /// Stale temporary files of an interrupted earlier run, removed from the output directory.
    pub swept: Vec<String>,
}

/// Refuse groups whose output would replace an input, write every other
/// planned output (unless a dry run) all or none, and fill in the summary.
pub fn finish(report: &mut Report, inputs: &[MergeInput], force: bool, ctx: &Context) -> Finished {
    let paths: Vec<std::path::PathBuf> =
        inputs.iter().filter_map(|i| i.input.local_path().map(std::path::Path::to_path_buf)).collect();
    super::refuse_overwrites(&mut report.outputs, &mut report.refused, &paths);
    let mut finished = Finished::default();
    if !report.dry_run && !report.outputs.is_empty() {
        match super::write_all(&mut report.outputs, inputs, force, ctx) {
            Ok(written) => finished.swept = written.swept,
            Err(errors) => {
                report.errors = errors.iter().map(|e| crate::output::chain(e)).collect();
                finished.write_errors = errors;
            }
        }
    }
    report.summary = Counts::of(inputs.len(), &report.outputs, &report.refused, &report.unchanged);
    finished
}
