//! One module per subcommand, each with clap `Args` and `run(args) -> Result<ExitCode, CmdError>`.

pub mod specs;

use std::fmt;

pub mod check;
pub mod compare;
pub mod completions;
pub mod help;
pub mod inspect;
pub mod merge;
pub mod messages;
pub mod retag;
pub mod schema;
pub mod settings;
pub mod split;
pub mod survey;
pub mod tags;
pub mod verify;
pub mod writing;
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

pub use crate::input::Resolution;
pub use crate::output::chain;

/// The input options every reading subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Wheels, extension files (.so, .pyd, .dylib), directories to search for both, wheel
    /// URLs, or projects on the index (`psutil`, `numpy==2.3.5`, `numpy>=2`). A local path wins.
    #[arg(value_name = "PATH|URL|PROJECT")]
    pub paths: Vec<std::path::PathBuf>,
    /// Read the wheels of a lock file (PEP 751 pylock.toml, uv.lock; an argument with such a name is
    /// one too): those an installer picks on each --python × --platform target, every listed one without.
    #[arg(long, value_name = "FILE")]
    pub lock: Vec<std::path::PathBuf>,
    /// Refuse any archive member or file that inflates past this many MiB.
    #[arg(long, value_name = "MIB", help_heading = "Common options", default_value_t = crate::wheel::Limits::DEFAULT.max_member_size >> 20)]
    pub max_member_mib: u64,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// The options of inputs that name a project or a URL (every reading command, and `merge`).
#[derive(Debug, Clone, clap::Args)]
pub struct RemoteArgs {
    /// Read projects from FILE (requirements-file syntax: one requirement a line).
    #[arg(short = 'r', long = "requirements", value_name = "FILE")]
    pub requirements: Vec<std::path::PathBuf>,
    /// The package index (PEP 691 JSON or PEP 503 HTML); default `UV_INDEX_URL`, `PIP_INDEX_URL`, then PyPI.
    #[arg(long, value_name = "URL")]
    pub index_url: Option<String>,
    /// For a project, read the newest N releases that have matching wheels.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub releases: usize,
    /// When a project's newest release has no wheel for the filters, read the newest release
    /// that has some (marked as such) instead of reporting that it has none.
    #[arg(long)]
    pub newest_with_wheels: bool,
    /// For a project, only wheels an installer on this platform takes (`manylinux_2_28_x86_64`), and pure ones;
    /// for a lock, a target platform (repeatable).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Vec<crate::tags::PlatformTag>,
    /// For a project, only wheels an installer on this interpreter takes (`3.14`, `3.15t`);
    /// `verify` with --platform too: only the one wheel an installer there picks. For a lock, a target
    /// interpreter (repeatable).
    #[arg(long, value_name = "3.XY[t]", hide_possible_values = true,
          value_parser = Offered::new(python_values, parse_str::<crate::tags::Interpreter>))]
    pub python: Vec<crate::tags::Interpreter>,
    /// Network timeout in seconds (connect, and each read).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Keep each remote wheel's analysis and the index pages (with their HTTP validators) here
    /// (default: `$XDG_CACHE_HOME/uniabi`, `~/.cache/uniabi`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Neither read nor write the cache (analyses and index pages).
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Ask the index again for every page, even one its `Cache-Control: max-age` says is still fresh.
    #[arg(long)]
    pub refresh: bool,
    /// Use a stored index page without asking the index for this long (`600`, `10m`, `12h`, `7d`)
    /// when the index sent no lifetime of its own (default `UNIABI_INDEX_MAX_AGE`, else 0: ask every run).
    #[arg(long, value_name = "DURATION", value_parser = crate::remote::cache::parse_lifetime)]
    pub index_max_age: Option<u64>,
    /// When the run ends, print on stderr the bytes fetched against the remote wheels' size.
    #[arg(long)]
    pub net_stats: bool,
    /// Download every remote wheel whole and check its sha256 against the index's (or the
    /// URL's `#sha256=`) before reading it: the full proof a range read cannot give.
    #[arg(long)]
    pub verify_sha256: bool,
    #[command(flatten)]
    pub jobs: JobsArgs,
}

/// The `--jobs N` option of every subcommand that reads inputs.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct JobsArgs {
    /// Inputs read at once; default one per core, 16 when some inputs are remote (they wait on
    /// the network). Memory does not grow with N: members inflated at once share one byte budget.
    #[arg(short = 'j', long, value_name = "N", help_heading = "Common options")]
    pub jobs: Option<usize>,
}

impl JobsArgs {
    /// Size the worker pool: `--jobs`, else one per core (16 when `remote`: a cached wheel's
    /// proof is one round trip, so the top 360's warm survey took 15 s at 8 and 8 s at 16,
    /// the cold one 290 and 355 MiB at its peak), at most 64.
    pub fn apply(&self, remote: bool) {
        crate::pool::set_threads(self.jobs.unwrap_or(if remote { 16 } else { 0 }).min(64));
    }
}

impl InputArgs {
    /// The inputs: local paths as given (directories expanded), URLs and
    /// projects (from the arguments and `-r` files) resolved on the index.
    pub fn resolve(&self) -> Result<Resolution, CmdError> {
        self.resolve_keeping(&|_| true)
    }

    /// [`InputArgs::resolve`], leaving out before any index look-up the
    /// requirements whose project `keep` refuses (`survey --shard`).
    pub fn resolve_keeping(&self, keep: &dyn Fn(&str) -> bool) -> Result<Resolution, CmdError> {
        self.resolve_with(keep, None)
    }

    /// [`InputArgs::resolve_keeping`], each project the one wheel `installer`
    /// picks on `--python`/`--platform` (`verify`), and a lock's wheels
    /// selected as `installer` would.
    pub fn resolve_with(
        &self,
        keep: &dyn Fn(&str) -> bool,
        installer: Option<crate::tags::Installer>,
    ) -> Result<Resolution, CmdError> {
        self.resolve_locks(keep, installer, false)
    }

    /// [`InputArgs::resolve_with`]; with `apart`, a lock's wheels stay out of
    /// the inputs (`verify` judges them per target).
    pub fn resolve_locks(
        &self,
        keep: &dyn Fn(&str) -> bool,
        installer: Option<crate::tags::Installer>,
        apart: bool,
    ) -> Result<Resolution, CmdError> {
        let locks = crate::input::Locks {
            files: self.lock.clone(),
            targets: self.targets()?,
            installer: installer.unwrap_or_default(),
            apart,
        };
        self.remote.resolve_locks(&self.paths, keep, installer, Some(&locks))
    }

    /// Whether a lock is among the inputs (`--lock`, or an argument named like one).
    pub fn has_lock(&self) -> bool {
        !self.lock.is_empty() || self.paths.iter().any(|p| crate::lock::LockFormat::from_file_name(p).is_some())
    }

    /// The lock targets: every `--platform` with every `--python` (platform by
    /// platform), each checked to have a marker environment; none without a lock.
    pub fn targets(&self) -> Result<Vec<crate::lock::Target>, CmdError> {
        let (pythons, platforms) = (&self.remote.python, &self.remote.platform);
        if !self.has_lock() {
            return Ok(Vec::new());
        }
        if pythons.is_empty() != platforms.is_empty() {
            return Err(CmdError::new(
                "a lock's targets need both --python and --platform (e.g. --python 3.15t --platform manylinux_2_28_x86_64)",
            ));
        }
        let mut targets = Vec::new();
        for platform in platforms {
            for python in pythons {
                let target = crate::lock::Target::new(*python, platform.clone());
                target.markers().map_err(|e| CmdError::with_source("--platform names no lock target", e))?;
                targets.push(target);
            }
        }
        Ok(targets)
    }

    /// The reading limits these options ask for.
    pub fn limits(&self) -> crate::wheel::Limits {
        limits_for_mib(self.max_member_mib)
    }
}

impl RemoteArgs {
    /// What these options ask of remote inputs. With `installer`, each
    /// requirement becomes the one wheel an installer on `--python` /
    /// `--platform` picks (see [`crate::remote::index::Filters::installer`]).
    pub fn options(&self, installer: Option<crate::tags::Installer>) -> Result<crate::remote::Options, CmdError> {
        use crate::remote::cache::{INDEX_MAX_AGE_ENV, parse_lifetime};
        let index_max_age = match (self.index_max_age, std::env::var(INDEX_MAX_AGE_ENV)) {
            (Some(seconds), _) => seconds,
            (None, Ok(text)) if !text.trim().is_empty() => {
                parse_lifetime(&text).map_err(|e| CmdError::new(format!("{INDEX_MAX_AGE_ENV}: {e}")))?
            }
            _ => 0,
        };
        Ok(crate::remote::Options {
            index_url: self.index_url.clone(),
            filters: crate::remote::index::Filters {
                releases: self.releases,
                platform: self.platform.first().cloned(),
                python: self.python.first().copied(),
                installer,
                newest_with_wheels: self.newest_with_wheels,
            },
            client: crate::remote::http::ClientOptions {
                timeout: std::time::Duration::from_secs(self.timeout.max(1)),
                ..Default::default()
            },
            stats: self.net_stats,
            refresh: self.refresh,
            index_max_age,
            verify_sha256: self.verify_sha256,
            cache: if self.no_cache { None } else { self.cache_dir.clone().or_else(crate::remote::cache::default_dir) },
        })
    }

    /// The arguments, then the requirement lines of the `-r` files.
    pub fn arguments(&self, paths: &[std::path::PathBuf]) -> Result<Vec<String>, CmdError> {
        self.arguments_or_lock(paths, false)
    }

    /// [`RemoteArgs::arguments`]; with `lock`, no argument is needed (a `--lock` file is the input).
    fn arguments_or_lock(&self, paths: &[std::path::PathBuf], lock: bool) -> Result<Vec<String>, CmdError> {
        if paths.is_empty() && self.requirements.is_empty() && !lock {
            return Err(CmdError::new(
                "no inputs: give wheels, directories, wheel URLs, projects, -r FILE or --lock FILE",
            ));
        }
        let mut args: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        for file in &self.requirements {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CmdError::with_source(format!("cannot read requirements file {}", file.display()), e))?;
            let (requirements, skipped) = crate::remote::index::requirement_lines(&text);
            if !skipped.is_empty() {
                let shown: Vec<String> = skipped.iter().map(|l| without_credentials(l)).collect();
                messages::note(format_args!(
                    "{}: skipped {}: only the projects a line names are read (not options, editable installs or paths)",
                    file.display(),
                    shown.join(", ")
                ));
            }
            args.extend(requirements);
        }
        Ok(args)
    }

    /// Resolve `paths` and the `-r` files' requirements (those whose project
    /// `keep` accepts), size the worker pool for what they turned out to be,
    /// and say which arguments were read as local paths rather than projects.
    pub fn resolve(
        &self,
        paths: &[std::path::PathBuf],
        keep: &dyn Fn(&str) -> bool,
        installer: Option<crate::tags::Installer>,
    ) -> Result<Resolution, CmdError> {
        self.resolve_locks(paths, keep, installer, None)
    }

    /// [`RemoteArgs::resolve`], reading lock files as `locks` says (`None`: a
    /// file named like a lock is an ordinary path).
    pub fn resolve_locks(
        &self,
        paths: &[std::path::PathBuf],
        keep: &dyn Fn(&str) -> bool,
        installer: Option<crate::tags::Installer>,
        locks: Option<&crate::input::Locks>,
    ) -> Result<Resolution, CmdError> {
        let several = self.python.len() > 1 || self.platform.len() > 1;
        let lock_given = locks.is_some_and(|l| !l.files.is_empty())
            || (locks.is_some() && paths.iter().any(|p| crate::lock::LockFormat::from_file_name(p).is_some()));
        if several && !lock_given {
            return Err(CmdError::new(
                "--python and --platform are repeatable for a lock's targets only: give one of each, or a lock (--lock FILE)",
            ));
        }
        let args = self.arguments_or_lock(paths, locks.is_some_and(|l| !l.files.is_empty()))?;
        if several && (!self.requirements.is_empty() || args.iter().any(|a| is_project(a))) {
            return Err(CmdError::new(
                "several --python or --platform values select a lock's targets; a project takes one of each: run it separately",
            ));
        }
        let request = crate::input::Request { args, remote: self.options(installer)?, keep, locks };
        let resolved = crate::input::resolve(&request).map_err(|e| CmdError::new(chain(&e)))?;
        self.jobs.apply(resolved.is_remote());
        for name in &resolved.local_wins {
            messages::note(format_args!("'{name}' is read as the local path, not the project of that name"));
        }
        for warning in &resolved.warnings {
            messages::warning(warning);
        }
        Ok(resolved)
    }
}

/// A requirements-file line as a message shows it: any URL without its credentials.
fn without_credentials(line: &str) -> String {
    let token = |t: &str| match t.split_once("://") {
        Some(_) => match t.split_once('=') {
            Some((option, url)) if option.starts_with('-') => format!("{option}={}", crate::remote::auth::redact(url)),
            _ => crate::remote::auth::redact(t),
        },
        None => t.to_string(),
    };
    line.split_whitespace().map(token).collect::<Vec<_>>().join(" ")
}

/// Read every input on the worker pool, reducing each with `f` as it is read
/// ([`crate::analysis::analyse_map`]), the progress line counting them; then end
/// the reading ([`finish`]). Results keep input order.
pub fn analyse<R: Send>(
    resolved: &Resolution,
    limits: crate::wheel::Limits,
    scope: crate::analysis::Scope,
    f: impl Fn(crate::analysis::Analysed) -> R + Sync,
) -> Vec<R> {
    crate::progress::start(resolved.inputs.len());
    let out = crate::analysis::analyse_map(&resolved.inputs, limits, scope, |a| {
        let r = f(a);
        crate::progress::advance();
        r
    });
    finish(resolved);
    out
}

/// End the reading before results are printed: the progress line goes, and
/// with `--net-stats` a line says what was fetched.
pub fn finish(resolved: &Resolution) {
    if let Some(line) = resolved.finish() {
        messages::info(line);
    }
}

/// How text output names each input of a run: as given, a remote wheel by its
/// file name (JSON and SARIF keep the full URL, without credentials).
#[derive(Debug, Default)]
pub struct Names(std::collections::BTreeMap<String, String>);

impl Names {
    /// The names of these inputs.
    pub fn of<'a>(inputs: impl IntoIterator<Item = &'a crate::input::Input>) -> Names {
        Names(inputs.into_iter().filter(|i| i.remote().is_some()).map(|i| (i.display.clone(), i.label())).collect())
    }

    /// The name of the input a report row calls `display`.
    pub fn get<'a>(&'a self, display: &'a str) -> &'a str {
        self.0.get(display).map_or(display, String::as_str)
    }
}

/// The head of a text report: one line per project resolved on the index,
/// `psutil 7.2.2 (from the default index): 20 wheels`.
pub fn write_projects(out: &mut dyn std::io::Write, projects: &[crate::input::ResolvedProject]) -> std::io::Result<()> {
    for p in projects {
        writeln!(out, "{p}")?;
    }
    Ok(())
}

/// Print a report on stdout: its JSON with `--json`, else the projects resolved
/// on the index, one line each, then the text `human` writes.
pub fn print_report<T: serde::Serialize>(
    json: bool,
    report: &T,
    projects: &[crate::input::ResolvedProject],
    human: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    crate::output::to_stdout(|out| {
        if json {
            return crate::output::json(out, report);
        }
        write_projects(out, projects)?;
        human(out)
    })
}

/// An argument resolution would look up on the index: not a path, a URL or a lock.
fn is_project(arg: &str) -> bool {
    let path = std::path::Path::new(arg);
    !path.exists()
        && crate::lock::LockFormat::from_file_name(path).is_none()
        && !arg.starts_with("https://")
        && !arg.starts_with("http://")
        && crate::remote::index::looks_like_requirement(arg)
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
        let specs = self.manifests()?;
        let table = crate::suffixes::SuffixTable::embedded()
            .map_err(|e| CmdError::with_source("could not load the suffix table", e))?;
        Ok((specs, table))
    }

    /// Load the manifests alone (`--specs DIR`, or the embedded ones).
    pub fn manifests(&self) -> Result<crate::specs::Specs, CmdError> {
        crate::specs::Specs::load(self.specs.as_deref())
            .map_err(|e| CmdError::with_source("could not load the manifests", e))
    }
}

/// The reading limits for a `--max-member-mib` value (saturating, never wrapping).
pub fn limits_for_mib(mib: u64) -> crate::wheel::Limits {
    crate::wheel::Limits { max_member_size: mib.saturating_mul(1 << 20), ..crate::wheel::Limits::DEFAULT }
}

/// A value parser for an open set of values (`--abi cp316`, `--python 3.15t`):
/// a value parses by `T`'s `FromStr`, and the known values are offered to shell
/// completion. The help text already says what the option takes, so the arg
/// hides the list there (`hide_possible_values`).
#[derive(Clone)]
pub struct Offered<T> {
    values: fn() -> &'static [String],
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Offered<T> {
    /// Offer `values`; parse with `parse`.
    pub fn new(values: fn() -> &'static [String], parse: fn(&str) -> Result<T, String>) -> Self {
        Offered { values, parse }
    }
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Offered<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let parse = self.parse;
        clap::builder::StringValueParser::new().try_map(move |s| parse(&s)).parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new((self.values)().iter().map(|v| clap::builder::PossibleValue::new(v.as_str()))))
    }
}

/// `--abi`'s values: `auto`, the stable ABIs, then `cp3XY` and `cp3XYt` of every known interpreter.
pub fn abi_values() -> &'static [String] {
    static VALUES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    VALUES.get_or_init(|| {
        let mut v: Vec<String> = ["auto", "abi3", "abi3t", "abi2026"].map(String::from).to_vec();
        v.extend(crate::tags::interpreters().iter().map(|i| format!("cp{}", i.to_string().replace('.', ""))));
        v
    })
}

/// `--python`'s values: every known interpreter (`3.10` … `3.16t`).
pub fn python_values() -> &'static [String] {
    static VALUES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    VALUES.get_or_init(|| crate::tags::interpreters().iter().map(ToString::to_string).collect())
}

/// Parse with `T`'s `FromStr`, the error as its message.
pub fn parse_str<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| e.to_string())
}
