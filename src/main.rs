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
    /// Judge binaries against what their tags (or file names) claim: abi3, abi3t, abi2026, cp3XY(t).
    Check(cmd::check::Args),
    /// For every interpreter the tags admit, which file import loads for each module, and whether it can.
    Verify(cmd::verify::Args),
    /// Show the stable-ABI manifests, or what each ABI says about the given symbols
    Specs(cmd::specs::Args),
    /// Which CPython interpreters an installer lets install a wheel, through which tag.
    Tags(cmd::tags::Args),
    /// Today's wheels next to the universal wheel PEP 803 and PEP 809 would make of them.
    Compare(cmd::compare::Args),
    /// Merge per-version wheels into one wheel per project, version and platform (fat, pep803 or pep809).
    Merge(cmd::merge::Args),
    /// Split a merged wheel into one wheel per Python and ABI tag, for installers that cannot read compressed tags.
    Split(cmd::split::Args),
    /// Survey a wheelhouse: per project release, what it serves, free-threaded support, PEP 803/809 blockers, wheels now and after merge.
    Survey(cmd::survey::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<ExitCode, cmd::CmdError> = match cli.command {
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Specs(args) => cmd::specs::run(args),
        Command::Tags(args) => cmd::tags::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Split(args) => cmd::split::run(args),
        Command::Survey(args) => cmd::survey::run(args),
    };
    uniabi::remote::finish();
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uniabi: error: {}", cmd::chain(&e));
            cmd::exit(cmd::EXIT_ERROR)
        }
    }
}
