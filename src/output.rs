//! Writing reports to stdout: a closed pipe (`uniabi inspect | head`) ends quietly.

use std::io::{self, Write};

/// Run `f` against a locked, buffered stdout and flush it.
///
/// A broken pipe is not an error: the reader has all it wanted.
pub fn to_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Print a serializable report as pretty JSON followed by a newline.
pub fn json(out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// `1 import`, `2 imports`.
pub fn count_noun(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A list of interpreters with the range every report covers:
/// `3.13t, 3.14t (of 3.10–3.16)`, or `none (of 3.10–3.16)`.
pub fn interpreter_list(items: &[String]) -> String {
    let all = crate::tags::interpreters();
    let range = match (all.first(), all.last()) {
        (Some(first), Some(last)) => format!(" (of {}–{})", first.version, last.version),
        _ => String::new(),
    };
    let listed = if items.is_empty() { "none".to_string() } else { items.join(", ") };
    format!("{listed}{range}")
}

/// An error followed by each of its causes, on one line: `a: b: c`.
pub fn chain(e: &dyn std::error::Error) -> String {
    Chain(e).to_string()
}

/// Displays an error followed by each of its causes, on one line: `a: b: c`.
pub struct Chain<'a>(pub &'a dyn std::error::Error);

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cur = self.0.source();
        while let Some(c) = cur {
            write!(f, ": {c}")?;
            cur = c.source();
        }
        Ok(())
    }
}
