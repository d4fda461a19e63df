//! Every line uniabi writes on stderr, in one style: `uniabi: error: …`,
//! `uniabi: warning: …`, `uniabi: note: …` (clap's own errors get the same
//! `uniabi: ` in `main`). Each is written with the progress line off the screen
//! ([`crate::progress::suspend`]), so the two never share a line.

use std::fmt::Display;
use std::io::Write;

/// `uniabi: error: MESSAGE`: an input that could not be read, or the command's end.
pub fn error(message: impl Display) {
    line(format_args!("error: {message}"));
}

/// `uniabi: warning: MESSAGE`.
pub fn warning(message: impl Display) {
    line(format_args!("warning: {message}"));
}

/// `uniabi: note: MESSAGE`: something the user should know that changes no result.
pub fn note(message: impl Display) {
    line(format_args!("note: {message}"));
}

/// `uniabi: MESSAGE`: a figure asked for (`--net-stats`).
pub fn info(message: impl Display) {
    line(format_args!("{message}"));
}

/// Write one line on stderr (a closed stderr loses it, and nothing else).
fn line(text: std::fmt::Arguments) {
    crate::progress::suspend(|| {
        let _ = writeln!(std::io::stderr().lock(), "uniabi: {text}");
    });
}
