//! `uniabi completions SHELL` and `uniabi man [--dir DIR]`: shell completions and
//! man pages, generated from the same clap definition that parses the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{CmdError, EXIT_OK};
use crate::output;

/// Arguments of `uniabi completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `uniabi man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write uniabi.1 and one uniabi-COMMAND.1 per subcommand into DIR instead of printing uniabi.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Print the completion script for `args.shell` to stdout.
pub fn completions(args: CompletionsArgs, mut command: clap::Command) -> Result<ExitCode, CmdError> {
    let name = command.get_name().to_string();
    output::to_stdout(|out| {
        clap_complete::generate(args.shell, &mut command, name, out);
        Ok(())
    })?;
    Ok(super::exit(EXIT_OK))
}

/// Print the man page (or write every page into `--dir`).
pub fn man(args: ManArgs, command: clap::Command) -> Result<ExitCode, CmdError> {
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| CmdError::with_source(format!("{}: cannot create the directory", dir.display()), e))?;
            clap_mangen::generate_to(command, &dir)
                .map_err(|e| CmdError::with_source(format!("{}: cannot write the man pages", dir.display()), e))?;
        }
        None => output::to_stdout(|out| clap_mangen::Man::new(command).render(out))?,
    }
    Ok(super::exit(EXIT_OK))
}
