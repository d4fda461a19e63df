//! `uniabi inspect PATH...`: what each shared object imports from CPython, the
//! module hooks it exports, the DLL it links, and what its file name claims.

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use super::{CmdError, EXIT_ERROR, EXIT_OK, InputArgs, Names, messages};
use crate::analysis::{self, Analysed, AnalysedBinary, Role, UnreadableLibrary, WheelInfo};
use crate::binary::{AbiInfo, Format, Slice};
use crate::naming::SuffixAbi;
use crate::output;

/// Arguments of `uniabi inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print one JSON document (schema `uniabi/inspect/1`).
    #[arg(long)]
    pub json: bool,
    /// List every CPython symbol each slice imports.
    #[arg(long, short)]
    pub verbose: bool,
}

/// The `--json` document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<InputReport>,
}

/// One input: a wheel or a bare file.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InputReport {
    pub path: String,
    pub error: Option<String>,
    pub wheel: Option<WheelReport>,
    pub binaries: Vec<BinaryReport>,
    /// Vendored libraries that do not parse (warnings; the rest of the input is read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_libraries: Vec<UnreadableLibrary>,
}

/// The wheel-level facts of an input.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "WheelInfo")]
pub struct WheelReport {
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    /// The tags of WHEEL's `Tag:` lines, expanded (some build tools write
    /// compressed sets there), sorted, without duplicates.
    pub tags: Vec<String>,
    /// `Tag:` lines that held a compressed set instead of one tag.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compressed_tag_lines: Vec<String>,
    /// The wheel's file name.
    pub filename: String,
}

impl WheelReport {
    fn new(w: &WheelInfo) -> Self {
        WheelReport {
            name: w.name.clone(),
            version: w.version.clone(),
            build: w.build.clone(),
            tags: w.tags.clone(),
            compressed_tag_lines: w.compressed_tag_lines.clone(),
            filename: w.filename.clone(),
        }
    }
}

/// One shared object.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BinaryReport {
    pub member: String,
    pub role: Role,
    pub format: Format,
    /// The module name the file name gives (extensions only).
    pub module: Option<String>,
    /// The ABI the file name's suffix claims: `cp313t`, `abi3`, `abi3t`, or null.
    pub suffix_abi: Option<SuffixAbi>,
    /// The suffix's platform part: `x86_64-linux-gnu`, `darwin`, `win_amd64`, or null.
    pub suffix_platform: Option<String>,
    pub slices: Vec<SliceReport>,
}

/// One architecture slice.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SliceReport {
    pub arch: String,
    pub python_imports: Vec<String>,
    pub python_library: Option<String>,
    pub module_hooks: Vec<String>,
    /// How many symbols it imports in all (CPython's and others').
    pub imports_total: usize,
    /// The PyABIInfo record (`Py_mod_abi` slot), when it can be located with certainty.
    pub abi_info: Option<AbiInfo>,
}

impl SliceReport {
    fn new(slice: &Slice) -> Self {
        SliceReport {
            arch: slice.arch.clone(),
            python_imports: slice.python_imports().into_iter().map(str::to_string).collect(),
            python_library: slice.python_library().map(str::to_string),
            module_hooks: slice.module_hooks().into_iter().map(str::to_string).collect(),
            imports_total: slice.imports.len(),
            abi_info: slice.abi_info,
        }
    }
}

impl BinaryReport {
    fn new(b: &AnalysedBinary) -> Self {
        let name = b.name.as_ref();
        BinaryReport {
            member: b.member.clone(),
            role: b.role,
            format: b.format(),
            module: name.filter(|_| b.role == Role::Extension).map(|n| n.module.clone()),
            suffix_abi: name.and_then(|n| n.abi),
            suffix_platform: name.and_then(|n| n.platform.clone()),
            slices: b.slices().iter().map(SliceReport::new).collect(),
        }
    }
}

impl InputReport {
    /// The report of one analysed input (CPython imports and hooks only, not every symbol).
    pub fn new(a: &Analysed) -> Self {
        InputReport {
            path: a.input.display.clone(),
            error: a.error().map(|e| e.to_string()),
            wheel: a.wheel.as_ref().map(WheelReport::new),
            binaries: a.binaries.iter().map(BinaryReport::new).collect(),
            unreadable_libraries: a.unreadable_libraries.clone(),
        }
    }
}

/// Run `uniabi inspect`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    // Each input is reduced to its report in the worker that read it, so memory holds
    // the inputs in flight, not every binary's full symbol tables.
    let resolved = args.input.resolve()?;
    let names = Names::of(&resolved.inputs);
    let inputs = super::analyse(&resolved, args.input.limits(), analysis::Scope::All, |a| InputReport::new(&a));
    let report = Report { schema: output::schema::INSPECT, inputs };
    for input in &report.inputs {
        if let Some(e) = &input.error {
            messages::error(e);
        }
        for library in &input.unreadable_libraries {
            messages::warning(format_args!("{}: {library}", input.path));
        }
    }
    super::print_report(args.json, &report, &resolved.projects, |out| print_human(out, &report, &names, args.verbose))?;
    let failed = report.inputs.iter().any(|i| i.error.is_some());
    Ok(super::exit(if failed { EXIT_ERROR } else { EXIT_OK }))
}

/// The human printer: wheel → binary → slice, with counts; inputs named as `names` says.
pub fn print_human(out: &mut dyn Write, report: &Report, names: &Names, verbose: bool) -> io::Result<()> {
    let (mut wheels, mut binaries, mut slices, mut errors, mut left_out) = (0, 0, 0, 0, 0);
    for input in &report.inputs {
        writeln!(out, "{}", names.get(&input.path))?;
        if let Some(w) = &input.wheel {
            wheels += 1;
            let build = w.build.as_deref().map(|b| format!(" build {b}")).unwrap_or_default();
            writeln!(out, "  wheel {} {}{build}, {}", w.name, w.version, output::count_noun(w.tags.len(), "tag"))?;
            for tag in &w.tags {
                writeln!(out, "    {tag}")?;
            }
        }
        for b in &input.binaries {
            binaries += 1;
            write_binary(out, b, verbose, &mut slices)?;
        }
        for library in &input.unreadable_libraries {
            left_out += 1;
            writeln!(out, "  {}  [library, not read: {}]", library.member, library.problem)?;
        }
        if input.wheel.is_some() && input.binaries.is_empty() && input.error.is_none() {
            writeln!(out, "  no shared objects")?;
        }
        if input.error.is_some() {
            errors += 1;
            writeln!(out, "  unreadable (the error is on stderr)")?;
        }
    }
    let left_out = match left_out {
        0 => String::new(),
        1 => " (1 library not read)".to_string(),
        n => format!(" ({n} libraries not read)"),
    };
    writeln!(
        out,
        "{}: {}, {binaries} binar{}{left_out}, {}, {errors} unreadable",
        output::count_noun(report.inputs.len(), "input"),
        output::count_noun(wheels, "wheel"),
        if binaries == 1 { "y" } else { "ies" },
        output::count_noun(slices, "slice"),
    )
}

fn write_binary(out: &mut dyn Write, b: &BinaryReport, verbose: bool, slices: &mut usize) -> io::Result<()> {
    let claim = match (&b.suffix_abi, &b.suffix_platform) {
        (Some(abi), Some(p)) => format!(", suffix {abi} ({p})"),
        (Some(abi), None) => format!(", suffix {abi}"),
        (None, _) if b.role == Role::Extension => ", suffix names no ABI".to_string(),
        (None, _) => String::new(),
    };
    let module = b.module.as_deref().map(|m| format!(", module {m}")).unwrap_or_default();
    let role = match b.role {
        Role::Extension => "extension",
        Role::Library if b.slices.iter().any(|s| !s.python_imports.is_empty()) => "library using the C API",
        Role::Library => "library",
    };
    writeln!(out, "  {}  [{} {role}{module}{claim}]", b.member, b.format.as_str())?;
    for s in &b.slices {
        *slices += 1;
        let hooks = if s.module_hooks.is_empty() { "none".to_string() } else { s.module_hooks.join(", ") };
        let dll = s.python_library.as_deref().map(|d| format!(", links {d}")).unwrap_or_default();
        writeln!(
            out,
            "    {}: {} of {} imported symbols, hooks {hooks}{dll}",
            s.arch,
            output::count_noun(s.python_imports.len(), "CPython import"),
            s.imports_total
        )?;
        if let Some(info) = &s.abi_info {
            writeln!(
                out,
                "      PyABIInfo {}.{}: flags {:#06x} ({}), built with {}, ABI {}",
                info.major,
                info.minor,
                info.flags,
                info.flag_names(),
                AbiInfo::version_text(info.build_version),
                AbiInfo::version_text(info.abi_version)
            )?;
        }
        if verbose {
            for sym in &s.python_imports {
                writeln!(out, "      {sym}")?;
            }
        }
    }
    Ok(())
}
