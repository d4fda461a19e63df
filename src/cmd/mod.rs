//! One module per subcommand, each with clap `Args` and `run(args) -> Result<ExitCode, CmdError>`.

pub mod specs;

use std::fmt;

pub mod check;
pub mod compare;
pub mod completions;
pub mod help;
pub mod inspect;
pub mod merge;
pub mod retag;
pub mod schema;
pub mod settings;
pub mod split;
pub mod survey;
pub mod tags;
pub mod verify;
use std::process::ExitCode;

/// Exit code 0: every input was read and nothing failed.
pub const EXIT_OK: u8 = 0;
/// Exit code 1: the inputs were read and findings failed them.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code 2: an input could not be read, or the command could not run.
pub const EXIT_ERROR: u8 = 2;

/// An error that stops a whole subcommand (as opposed to one unreadable input,
/// which is reported with the others).
#[derive(Debug)]
pub struct CmdError {
    pub message: String,
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CmdError {
    pub fn new(message: impl Into<String>) -> Self {
        CmdError { message: message.into(), source: None }
    }

    pub fn with_source(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        CmdError { message: message.into(), source: Some(Box::new(source)) }
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CmdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for CmdError {
    fn from(e: std::io::Error) -> Self {
        CmdError::with_source("could not write the report", e)
    }
}

/// Turn a worst-seen exit level into an `ExitCode`.
pub fn exit(level: u8) -> ExitCode {
    ExitCode::from(level)
}

/// The message of an error followed by each of its causes: `a: b: c`.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The input options every reading subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Wheels, extension files (.so, .pyd, .dylib), or directories to search for both.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Refuse any archive member or file that inflates past this many MiB.
    #[arg(long, value_name = "MIB", help_heading = "Common options", default_value_t = crate::wheel::Limits::DEFAULT.max_member_size >> 20)]
    pub max_member_mib: u64,
}

impl InputArgs {
    /// The reading limits these options ask for.
    pub fn limits(&self) -> crate::wheel::Limits {
        limits_for_mib(self.max_member_mib)
    }
}

/// The `--specs DIR` option every judging subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct SpecsArgs {
    /// Read manifests from DIR; a file DIR lacks falls back to the embedded copy.
    #[arg(long, value_name = "DIR", help_heading = "Common options")]
    pub specs: Option<std::path::PathBuf>,
}

impl SpecsArgs {
    /// Load the manifests (and the suffix table) once, before any work starts.
    pub fn load(&self) -> Result<(crate::specs::Specs, crate::suffixes::SuffixTable), CmdError> {
        let specs = crate::specs::Specs::load(self.specs.as_deref())
            .map_err(|e| CmdError::with_source("could not load the manifests", e))?;
        let table = crate::suffixes::SuffixTable::embedded()
            .map_err(|e| CmdError::with_source("could not load the suffix table", e))?;
        Ok((specs, table))
    }
}

/// The reading limits for a `--max-member-mib` value (saturating, never wrapping).
pub fn limits_for_mib(mib: u64) -> crate::wheel::Limits {
    crate::wheel::Limits { max_member_size: mib.saturating_mul(1 << 20), ..crate::wheel::Limits::DEFAULT }
}
