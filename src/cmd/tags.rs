//! `uniabi tags`: which CPython interpreters an installer lets install a wheel,
//! through which tag, today and under the PEP 809 prototype.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::cmd::{self, CmdError};
use crate::output;
use crate::tags::{self, DeadTag, Harm, Interpreter, Tag, TagError, TagSet, WheelFilename};
use crate::version::PyVersion;

/// Arguments of `uniabi tags`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tag sets (`cp315-abi3.abi3t-manylinux_2_28_x86_64`) or wheel filenames
    /// (or paths to wheels; only the file name is read).
    #[arg(required = true, value_name = "TAG_OR_WHEEL_FILENAME")]
    pub inputs: Vec<String>,

    /// Print the report as JSON (schema `uniabi/tags/1`).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub specs: super::SpecsArgs,
}

/// The whole report.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// Always [`output::schema::TAGS`].
    pub schema: &'static str,
    /// One entry per input, in argument order.
    pub inputs: Vec<InputReport>,
}

/// What one input means for installers.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InputReport {
    /// The input as given.
    pub input: String,
    /// `tag_set` or `wheel`; absent when the input did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The expanded tags, sorted.
    pub tags: Vec<Tag>,
    /// One row per interpreter of [`tags::interpreters`].
    pub interpreters: Vec<InterpreterRow>,
    /// CPython tags no CPython installer accepts, with their harm.
    pub dead_tags: Vec<DeadTag>,
    /// Tags of other implementations (PyPy, GraalPy): not judged.
    pub not_cpython: Vec<Tag>,
    /// Why the input could not be parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether one interpreter installs the input.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InterpreterRow {
    /// The interpreter, as every report names it: `3.14`, `3.14t`.
    pub python: String,
    /// Whether this is the free-threaded build.
    pub free_threaded: bool,
    /// Whether an installer (packaging 26.1+) accepts some tag.
    pub installs: bool,
    /// The best tag it accepts.
    pub matched_tag: Option<Tag>,
    /// Whether an installer following the PEP 809 prototype accepts some tag.
    pub installs_pep809: bool,
    /// The best tag under the PEP 809 prototype.
    pub matched_tag_pep809: Option<Tag>,
}

/// Parse one input: a wheel filename or path if it ends in `.whl`, else a tag set.
fn parse_input(input: &str) -> Result<(&'static str, TagSet), TagError> {
    if input.ends_with(".whl") {
        Ok(("wheel", WheelFilename::from_path(Path::new(input))?.tags))
    } else {
        Ok(("tag_set", input.parse()?))
    }
}

/// Build the report for one input; the PEP 809 column accepts abi2026 from
/// `abi2026_since` (abi2026's `min_version` in the manifests).
pub fn report_input(input: &str, abi2026_since: PyVersion) -> Result<InputReport, TagError> {
    let (kind, set) = parse_input(input)?;
    let interpreters = tags::interpreters()
        .into_iter()
        .map(|interp: Interpreter| {
            let matched_tag = interp.matched_tag(&set);
            let matched_tag_pep809 = interp.matched_tag_pep809(&set, abi2026_since);
            InterpreterRow {
                python: interp.to_string(),
                free_threaded: interp.free_threaded,
                installs: matched_tag.is_some(),
                matched_tag,
                installs_pep809: matched_tag_pep809.is_some(),
                matched_tag_pep809,
            }
        })
        .collect();
    Ok(InputReport {
        input: input.to_string(),
        kind: Some(kind),
        tags: set.expand(),
        interpreters,
        dead_tags: tags::dead_tags(&set),
        not_cpython: tags::other_implementation_tags(&set),
        error: None,
    })
}

/// Run `uniabi tags`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    // Tags parse without the manifests; only the PEP 809 column needs abi2026's
    // `min_version`, from `--specs DIR` or the embedded manifests.
    let specs = args.specs.manifests()?;
    let abi2026_since = specs.abi2026().min_version;
    let mut level = cmd::EXIT_OK;
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for input in &args.inputs {
        match report_input(input, abi2026_since) {
            Ok(r) => inputs.push(r),
            Err(e) => {
                let message = cmd::chain(&e);
                cmd::messages::error(&message);
                level = cmd::EXIT_ERROR;
                inputs.push(InputReport {
                    input: input.clone(),
                    kind: None,
                    tags: Vec::new(),
                    interpreters: Vec::new(),
                    dead_tags: Vec::new(),
                    not_cpython: Vec::new(),
                    error: Some(message),
                });
            }
        }
    }
    if level == cmd::EXIT_OK && inputs.iter().any(|r| r.dead_tags.iter().any(|d| d.harm == Harm::Harmful)) {
        level = cmd::EXIT_FINDINGS;
    }
    let report = Report { schema: output::schema::TAGS, inputs };
    output::to_stdout(|out| if args.json { output::json(out, &report) } else { human(out, &report) })?;
    Ok(cmd::exit(level))
}

/// `cp315-abi3` for a matched tag: the platform is the set's own.
fn pair(tag: Option<&Tag>) -> String {
    tag.map_or_else(|| "-".to_string(), |t| format!("{}-{}", t.python, t.abi))
}

/// The human report: per input, its tags, a table of interpreters and the dead tags.
pub fn human(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for (i, r) in report.inputs.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", r.input)?;
        if r.error.is_some() {
            // Said once, on stderr.
            writeln!(out, "  unreadable")?;
            continue;
        }
        let tags: Vec<String> = r.tags.iter().map(Tag::to_string).collect();
        writeln!(out, "  tags: {}", tags.join(", "))?;
        let rows: Vec<[String; 4]> = r
            .interpreters
            .iter()
            .map(|row| {
                [
                    row.python.clone(),
                    if row.installs { "yes" } else { "no" }.to_string(),
                    pair(row.matched_tag.as_ref()),
                    pair(row.matched_tag_pep809.as_ref()),
                ]
            })
            .collect();
        let header = ["python", "installs", "via", "pep809 via"].map(str::to_string);
        let mut width = [0; 4];
        for row in std::iter::once(&header).chain(&rows) {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            writeln!(
                out,
                "  {:<w0$}  {:<w1$}  {:<w2$}  {}",
                row[0],
                row[1],
                row[2],
                row[3],
                w0 = width[0],
                w1 = width[1],
                w2 = width[2],
            )?;
        }
        for d in &r.dead_tags {
            let harm = match d.harm {
                Harm::Harmful => "harmful: the only tag for that ABI, so that build never installs",
                Harm::Harmless => "harmless: a live tag of the same ABI serves that build",
                Harm::Prototype => "PEP 809 prototype",
            };
            writeln!(out, "  dead: {}: {} ({harm})", d.tag, d.reason)?;
        }
        if !r.not_cpython.is_empty() {
            let foreign: Vec<String> = r.not_cpython.iter().map(Tag::to_string).collect();
            writeln!(out, "  not CPython (another implementation; not judged): {}", foreign.join(", "))?;
        }
    }
    Ok(())
}
