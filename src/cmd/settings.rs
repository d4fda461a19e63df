//! The `--config FILE` / `--no-config` options of the commands that read `[tool.uniabi]`.

use std::path::PathBuf;

use super::CmdError;
use crate::config::{self, Config, Lookup};

/// Where `[tool.uniabi]` comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Read [tool.uniabi] from this pyproject.toml instead of the one found by walking up
    /// from the inputs (then from the working directory).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config", help_heading = "Common options")]
    pub config: Option<PathBuf>,
    /// Read no [tool.uniabi] settings.
    #[arg(long, help_heading = "Common options")]
    pub no_config: bool,
}

impl ConfigArgs {
    /// Find and read the settings for these inputs, once, before any work starts.
    pub fn load(&self, inputs: &[PathBuf]) -> Result<Config, CmdError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let lookup = match (&self.config, self.no_config) {
            (_, true) => Lookup::Off,
            (Some(file), false) => Lookup::File(file),
            (None, false) => Lookup::Discover { inputs, cwd: &cwd },
        };
        config::load(lookup).map_err(|e| CmdError::new(super::chain(&e)))
    }
}
