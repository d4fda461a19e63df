//! Writing the planned wheels of a run, all or none.
//!
//! Every output is written to a temporary file in the output directory
//! ([`OutputWheel`]), its bytes read back and proven to be the planned wheel
//! ([`crate::wheel_writer::Staged::prove`]); only when every output is staged
//! and proven are they moved into place, together ([`commit`]). On any failure
//! nothing is left: no staged file, and not the output directory if this run
//! created it. Stale temporary files an interrupted earlier run left in the
//! output directory are removed first.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::{Context, MergeInput, OutputPlan, WriteOutcome};
use crate::cleanup;
use crate::wheel::{Wheel, WheelError};
use crate::wheel_metadata::WheelMetadata;
use crate::wheel_writer::{OutputWheel, Staged, WriteError, commit};

/// Why an output may not be written, found before anything is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: two outputs would have this name")]
    SameName { path: String },
    #[error("{path}: is one of the inputs; refusing to overwrite it")]
    IsInput { path: String },
    #[error("{path}: already exists (pass --force to replace it)")]
    Exists { path: String },
}

/// Why the outputs were not written (then none is).
#[derive(Debug, thiserror::Error)]
pub enum WriteAllError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{}: cannot create the output directory", path.display())]
    Outdir { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Problems that must stop a merge before anything is written: two outputs
/// with one path, an existing file without `force`, an output that is an input.
pub fn check_outputs(outputs: &[&OutputPlan], inputs: &[PathBuf], force: bool) -> Vec<OutputError> {
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for o in outputs {
        let path = o.path.clone();
        if !seen.insert(o.file.clone()) {
            errors.push(OutputError::SameName { path });
        } else if inputs.iter().any(|i| crate::wheel_writer::same_file(i, &o.file)) {
            errors.push(OutputError::IsInput { path });
        } else if o.file.exists() && !force {
            errors.push(OutputError::Exists { path });
        }
    }
    errors
}

/// What [`write_all`] did besides writing.
#[derive(Debug, Default)]
pub struct Written {
    /// Stale temporary files of an interrupted earlier run, removed from the output directory.
    pub swept: Vec<String>,
}

/// Write every planned output, all or none (see the module documentation),
/// recording each outcome in its plan.
pub fn write_all(
    outputs: &mut [OutputPlan],
    inputs: &[MergeInput],
    force: bool,
    ctx: &Context,
) -> Result<Written, Vec<WriteAllError>> {
    let paths: Vec<PathBuf> = inputs.iter().filter_map(|i| i.input.local_path().map(Path::to_path_buf)).collect();
    let errors = check_outputs(&outputs.iter().collect::<Vec<_>>(), &paths, force);
    if !errors.is_empty() {
        return Err(errors.into_iter().map(WriteAllError::from).collect());
    }
    let swept = cleanup::sweep(&ctx.outdir, cleanup::started());
    let created = cleanup::CreatedDirs::create(&ctx.outdir)
        .map_err(|source| vec![WriteAllError::Outdir { path: ctx.outdir.clone(), source }])?;
    let staged = outputs.iter().map(|o| stage(o, inputs, force, ctx)).collect::<Result<Vec<Staged>, WriteError>>();
    let result = staged.and_then(|staged| {
        let sizes: Vec<u64> = staged.iter().map(Staged::size).collect();
        commit(staged).map(|_| sizes)
    });
    match result {
        Ok(sizes) => {
            for (o, size) in outputs.iter_mut().zip(sizes) {
                o.written = Some(WriteOutcome { size, verified: true });
            }
            created.keep();
            Ok(Written { swept })
        }
        Err(e) => {
            created.remove();
            Err(vec![e.into()])
        }
    }
}

/// Write one planned wheel to its temporary file and prove what was written.
fn stage(plan: &OutputPlan, inputs: &[MergeInput], force: bool, ctx: &Context) -> Result<Staged, WriteError> {
    let paths: Vec<PathBuf> = inputs.iter().filter_map(|i| i.input.local_path().map(Path::to_path_buf)).collect();
    let mut out = OutputWheel::create(&plan.file, force, &paths)?;
    let mut wheels: BTreeMap<usize, Wheel> = BTreeMap::new();
    for m in &plan.members {
        let Some(input) = inputs.iter().find(|i| i.id == m.input_id) else {
            return Err(WriteError::Input(WheelError::Corrupt {
                member: m.source.clone(),
                detail: "comes from an input that is not among the inputs".to_string(),
            }));
        };
        let Some(path) = input.input.local_path() else {
            return Err(WriteError::Input(WheelError::Io(io::Error::other(format!(
                "{} was read by ranges; merge needs the whole wheel",
                input.display()
            )))));
        };
        let wheel = match wheels.entry(m.input_id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(Wheel::open(path, ctx.limits)?),
        };
        let member = wheel.member(&m.source).cloned().ok_or_else(|| WheelError::Corrupt {
            member: m.source.clone(),
            detail: format!("is no longer in {}", path.display()),
        })?;
        out.copy_member(wheel, &member, &m.name, m.entry.clone())?;
    }
    let planned = plan.planned.wheel.as_ref();
    let dist_info = planned.map(|w| w.dist_info.clone()).unwrap_or_default();
    let wheel_file = WheelMetadata::new(
        planned.and_then(|w| w.root_is_purelib).unwrap_or(false),
        &plan.tags,
        planned.and_then(|w| w.build.as_deref()),
    );
    out.add_file(&format!("{dist_info}/WHEEL"), wheel_file.render().as_bytes())?;
    let staged = out.stage(&dist_info)?;
    let binaries: Vec<&str> = plan.binaries().map(|m| m.name.as_str()).collect();
    staged.prove(ctx.limits, &plan.tags, &binaries)?;
    Ok(staged)
}
