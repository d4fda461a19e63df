//! The `uniabi` command: parse arguments, dispatch, report errors.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use uniabi::cmd;

#[derive(Parser)]
#[command(
    name = "uniabi",
    version,
    about = "What CPython extension wheels import, claim and could become under PEP 803 / PEP 809"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List what each extension module imports from CPython, exports, links and claims.
    Inspect(cmd::inspect::Args),
    /// Show the stable-ABI manifests, or what each ABI says about the given symbols
    Specs(cmd::specs::Args),
    /// Which CPython interpreters an installer lets install a wheel, through which tag.
    Tags(cmd::tags::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<ExitCode, cmd::CmdError> = match cli.command {
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Specs(args) => cmd::specs::run(args),
        Command::Tags(args) => cmd::tags::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uniabi: error: {}", cmd::chain(&e));
            cmd::exit(cmd::EXIT_ERROR)
        }
    }
}
