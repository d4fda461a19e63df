//! Colour for verdicts and severities, on a terminal only.
//!
//! The choice is made once, in `main`, from `--color auto|always|never` and the
//! environment ([`resolve`]); printers then wrap words with [`verdict`] and
//! [`severity`], which add escape codes only when colour is on. Pipes, files and
//! the golden tests get plain text.

use std::ffi::OsString;
use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::check::Severity;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    #[default]
    Auto,
    /// Always colour, even into a pipe or file.
    Always,
    /// Never colour.
    Never,
}

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether to colour: `--color always|never` wins; under `auto`, a non-empty
/// `CLICOLOR_FORCE` other than `0` turns colour on, a non-empty `NO_COLOR` turns
/// it off, and otherwise stdout must be a terminal whose `TERM` is not `dumb`.
pub fn resolve(choice: ColorChoice, is_terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                return true;
            }
            if set("NO_COLOR").is_some() {
                return false;
            }
            is_terminal && env("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// Decide for this process's stdout.
pub fn init(choice: ColorChoice) {
    set_enabled(resolve(choice, std::io::stdout().is_terminal(), |k| std::env::var_os(k)));
}

/// Turn colour on or off.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether colour is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A value written in a style when colour is on, plainly otherwise.
pub struct Painted<T> {
    style: Style,
    value: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if enabled() { write!(f, "{}{}{:#}", self.style, self.value, self.style) } else { self.value.fmt(f) }
    }
}

/// `value` in `style`.
pub fn paint<T: fmt::Display>(style: Style, value: T) -> Painted<T> {
    Painted { style, value }
}

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default();
const MAGENTA: Style = AnsiColor::Magenta.on_default().bold();

/// A verdict word: `pass`/`ok` green, `fail`/`FAILS` red, `NOT VERIFIED`/`not judged` yellow, `error`/`unreadable` magenta.
pub fn verdict(word: &str) -> Painted<&str> {
    let style = match word {
        "pass" | "ok" => GREEN,
        "fail" | "FAILS" => RED,
        "NOT VERIFIED" | "not judged" => YELLOW,
        "error" | "unreadable" => MAGENTA,
        _ => Style::new(),
    };
    paint(style, word)
}

/// A locked package's state on a target: loads green, no wheel / sdist only /
/// fails red, error / unreadable magenta, the others plain.
pub fn lock_state(state: crate::lock::State) -> Painted<&'static str> {
    use crate::lock::State;
    let style = match state {
        State::Loads => GREEN,
        State::Fails | State::NoWheel | State::SdistOnly => RED,
        State::Error | State::Unreadable => MAGENTA,
        State::Source | State::NotInstalled => Style::new(),
    };
    paint(style, state.label())
}

/// `check`'s verdict: pass green, fail red, error magenta.
pub fn check_verdict(v: crate::check::Verdict) -> Painted<crate::check::Verdict> {
    let style = match v {
        crate::check::Verdict::Pass => GREEN,
        crate::check::Verdict::Fail => RED,
        crate::check::Verdict::Error => MAGENTA,
    };
    paint(style, v)
}

/// A severity: error red, warning yellow, info cyan.
pub fn severity(s: Severity) -> Painted<Severity> {
    let style = match s {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    };
    paint(style, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn ok_auto_follows_the_terminal() {
        assert!(resolve(ColorChoice::Auto, true, env(&[])));
        assert!(!resolve(ColorChoice::Auto, false, env(&[])));
        assert!(!resolve(ColorChoice::Auto, true, env(&[("TERM", "dumb")])));
    }

    #[test]
    fn ok_environment_under_auto() {
        assert!(!resolve(ColorChoice::Auto, true, env(&[("NO_COLOR", "1")])));
        assert!(resolve(ColorChoice::Auto, true, env(&[("NO_COLOR", "")])));
        assert!(resolve(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!resolve(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(resolve(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
    }

    #[test]
    fn ok_flag_wins_over_environment() {
        assert!(resolve(ColorChoice::Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!resolve(ColorChoice::Never, true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
