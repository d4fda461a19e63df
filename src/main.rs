//! The `uniabi` command: parse arguments, dispatch, report errors.

use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, Parser, Subcommand};
use uniabi::cmd::{self, help};
use uniabi::color::{self, ColorChoice};

/// mimalloc, set to give freed pages back to the system at once (see
/// [`return_freed_memory`]): with glibc's allocator each worker thread's arena kept
/// its high-water mark, so peak memory grew with `--jobs` although the members in
/// flight are bounded by the byte budget.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` and `mi_option_purge_delay` in mimalloc.h's
/// `mi_option_e` (a stable ABI: retired options keep their numbers).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Commit arena memory as it is used and purge freed pages without delay. Set as
/// defaults, so `MIMALLOC_PURGE_DELAY` / `MIMALLOC_ARENA_EAGER_COMMIT` still win.
fn return_freed_memory() {
    // SAFETY: plain setters of mimalloc's option table, called before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 0);
    }
}

#[derive(Parser)]
#[command(
    name = "uniabi",
    version,
    about = "What CPython extension wheels import, claim and could become under PEP 803 / PEP 809",
    after_help = help::TOP,
    disable_help_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour verdicts and severities: auto (when stdout is a terminal; NO_COLOR turns it off,
    /// CLICOLOR_FORCE on), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", help_heading = "Common options")]
    color: ColorChoice,
    /// Print help.
    #[arg(short, long, global = true, action = ArgAction::Help, help_heading = "Common options")]
    help: Option<bool>,
}

#[derive(Subcommand)]
enum Command {
    /// List what each extension module imports from CPython, exports, links and claims.
    #[command(after_help = help::INSPECT)]
    Inspect(cmd::inspect::Args),
    /// Judge binaries against what their tags (or file names) claim: abi3, abi3t, abi2026, cp3XY(t).
    #[command(after_help = help::CHECK)]
    Check(cmd::check::Args),
    /// For every interpreter a wheel's tags admit, which file import loads for each module, and whether it can (wheels only: a bare file has no tags; `check` judges it by its suffix).
    #[command(after_help = help::VERIFY)]
    Verify(cmd::verify::Args),
    /// Show the stable-ABI manifests, or what each ABI says about the given symbols
    #[command(after_help = help::SPECS)]
    Specs(cmd::specs::Args),
    /// Which CPython interpreters an installer lets install a wheel, through which tag.
    #[command(after_help = help::TAGS)]
    Tags(cmd::tags::Args),
    /// Today's wheels next to the universal wheel PEP 803 and PEP 809 would make of them.
    #[command(after_help = help::COMPARE)]
    Compare(cmd::compare::Args),
    /// Merge per-version wheels into one wheel per project, version and platform (fat, pep803 or pep809).
    #[command(after_help = help::MERGE)]
    Merge(cmd::merge::Args),
    /// Split a merged wheel into one wheel per Python and ABI tag, for installers that cannot read compressed tags.
    #[command(after_help = help::SPLIT)]
    Split(cmd::split::Args),
    /// Rewrite a wheel's tags (file name, WHEEL, RECORD), only if its binaries pass check under the new claims.
    Retag(cmd::retag::Args),
    /// Survey a wheelhouse: per project release, what it serves, free-threaded support, PEP 803/809 blockers, wheels now and after merge.
    #[command(after_help = help::SURVEY)]
    Survey(cmd::survey::Args),
    /// Print the JSON Schema of a --json document (inspect, check, tags, verify, compare, merge, split, survey, specs).
    #[command(after_help = help::SCHEMA)]
    Schema(cmd::schema::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = help::COMPLETIONS)]
    Completions(cmd::completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand into a directory.
    #[command(after_help = help::MAN)]
    Man(cmd::completions::ManArgs),
}

fn main() -> ExitCode {
    return_freed_memory();
    if let Err(e) = uniabi::cleanup::install() {
        eprintln!("uniabi: warning: cannot catch SIGINT/SIGTERM, so an interrupted run may leave temporary files: {e}");
    }
    let cli = Cli::parse();
    color::init(cli.color);
    let result: Result<ExitCode, cmd::CmdError> = match cli.command {
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Specs(args) => cmd::specs::run(args),
        Command::Tags(args) => cmd::tags::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Split(args) => cmd::split::run(args),
        Command::Retag(args) => cmd::retag::run(args),
        Command::Survey(args) => cmd::survey::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Completions(args) => cmd::completions::completions(args, Cli::command()),
        Command::Man(args) => cmd::completions::man(args, Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uniabi: error: {}", cmd::chain(&e));
            cmd::exit(cmd::EXIT_ERROR)
        }
    }
}
