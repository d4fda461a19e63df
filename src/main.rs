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
enum Command {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<ExitCode, cmd::CmdError> = match cli.command {};
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uniabi: error: {}", cmd::chain(&e));
            cmd::exit(cmd::EXIT_ERROR)
        }
    }
}
