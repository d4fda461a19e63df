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
    /// Write uniabi.1 and one uniabi-COMMAND.1 per subcommand into DIR instead of printing
    /// the one page that holds every subcommand.
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

/// Print the man page, every subcommand's synopsis, description, options and
/// examples in a section of its own (or write one page per command into `--dir`).
pub fn man(args: ManArgs, command: clap::Command) -> Result<ExitCode, CmdError> {
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| CmdError::with_source(format!("{}: cannot create the directory", dir.display()), e))?;
            clap_mangen::generate_to(command, &dir)
                .map_err(|e| CmdError::with_source(format!("{}: cannot write the man pages", dir.display()), e))?;
        }
        None => output::to_stdout(|out| one_page(out, command))?,
    }
    Ok(super::exit(EXIT_OK))
}

/// The top page, then a section per subcommand (its own page's sections as subsections).
fn one_page(out: &mut dyn std::io::Write, mut command: clap::Command) -> std::io::Result<()> {
    command.build();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let man = clap_mangen::Man::new(sub.clone());
        let mut page = Vec::new();
        man.render_description_section(&mut page)?;
        man.render_synopsis_section(&mut page)?;
        man.render_options_section(&mut page)?;
        man.render_extra_section(&mut page)?;
        let page = String::from_utf8_lossy(&page);
        writeln!(out, ".SH \"{} {}\"", command.get_name().to_uppercase(), sub.get_name().to_uppercase())?;
        // Each section repeats the page preamble's string definitions: said once, at the top.
        for line in page.lines().filter(|l| !l.starts_with(".ie \\n(.g .ds Aq") && !l.starts_with(".el .ds Aq")) {
            match line.strip_prefix(".SH ") {
                Some(title) => writeln!(out, ".SS {title}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(())
}
