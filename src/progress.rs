//! The run's one progress line, on stderr when it is a terminal: the wheels
//! read of the total, and what the network has fetched.
//!
//! Commands count wheels with [`start`] and [`advance`] (or [`count`]); a remote
//! session adds what it fetched with [`detail`]. Nothing is drawn on a pipe, nor
//! before the run has lasted [`DELAY`] (a quick run never flashes a line). Every
//! other line goes around it: a report reaches stdout after [`clear`] (in
//! [`crate::output::to_stdout`]); a line on stderr (`cmd::messages`), or a line
//! streamed to stdout while wheels are still being read ([`Suspended`]), is
//! written inside [`suspend`], which takes the line off the screen and draws it
//! again below.

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before its progress line is drawn.
pub const DELAY: Duration = Duration::from_millis(300);

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// What the line says besides the count: `2.5 MB fetched`.
type Detail = Arc<dyn Fn() -> String + Send + Sync>;

/// The line on screen (or waiting for [`DELAY`]), and which one it is.
struct Line {
    bar: ProgressBar,
    generation: u64,
}

struct State {
    line: Option<Line>,
    detail: Option<Detail>,
    generations: u64,
}

static STATE: Mutex<State> = Mutex::new(State { line: None, detail: None, generations: 0 });

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Add what the line says besides the count (the remote session's bytes
/// fetched). Starts the line if none is running: resolving projects on the index
/// shows it too.
pub fn detail(f: impl Fn() -> String + Send + Sync + 'static) {
    let mut s = state();
    s.detail = Some(Arc::new(f));
    ensure(&mut s);
}

/// Count `total` wheels from zero: `3/20 wheels`.
pub fn start(total: usize) {
    let mut s = state();
    if let Some(line) = ensure(&mut s) {
        line.bar.set_style(style(true));
        line.bar.set_length(total as u64);
        line.bar.set_position(0);
    }
}

/// One more wheel read.
pub fn advance() {
    if let Some(line) = &state().line {
        line.bar.inc(1);
    }
}

/// `done` of `total` wheels read (for callers that keep their own count).
pub fn count(done: usize, total: usize) {
    let mut s = state();
    if let Some(line) = ensure(&mut s) {
        if line.bar.length() != Some(total as u64) {
            line.bar.set_style(style(true));
            line.bar.set_length(total as u64);
        }
        line.bar.set_position(done as u64);
    }
}

/// Take the line off the screen for good (a later [`start`] begins a new one).
/// Called before a report is printed.
pub fn clear() {
    let mut s = state();
    if let Some(line) = s.line.take() {
        line.bar.finish_and_clear();
    }
}

/// Run `f` (which writes a line) with the progress line off the screen, then
/// draw it again. `f` must not call this module: the line is locked meanwhile.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let s = state();
    match &s.line {
        Some(line) => line.bar.suspend(f),
        None => f(),
    }
}

/// A writer whose lines reach their destination with the progress line off
/// the screen: bytes are held until a flush (or a line break at the end of a
/// write), then written inside [`suspend`].
pub struct Suspended<W: Write> {
    inner: W,
    held: Vec<u8>,
}

impl<W: Write> Suspended<W> {
    pub fn new(inner: W) -> Self {
        Suspended { inner, held: Vec::new() }
    }

    fn pass_on(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let (inner, held) = (&mut self.inner, &mut self.held);
        let written = suspend(|| inner.write_all(held).and_then(|()| inner.flush()));
        held.clear();
        written
    }
}

impl<W: Write> Write for Suspended<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.held.extend_from_slice(buf);
        if buf.ends_with(b"\n") {
            self.pass_on()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_on()
    }
}

/// The line, started if stderr is a terminal and none is running.
fn ensure(s: &mut State) -> Option<&Line> {
    if s.line.is_none() && io::stderr().is_terminal() {
        s.generations += 1;
        let generation = s.generations;
        // Hidden until the run has lasted DELAY; the ticker then draws it on stderr.
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(style(false));
        s.line = Some(Line { bar, generation });
        std::thread::spawn(move || tick(generation));
    }
    s.line.as_ref()
}

/// `⠋ 3/20 wheels  2.5 MB fetched` once counting, else `⠋ 2.5 MB fetched`.
fn style(counting: bool) -> ProgressStyle {
    let template = if counting { "{spinner} {pos}/{len} wheels  {wide_msg}" } else { "{spinner} {wide_msg}" };
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// Redraw line `generation` until it is cleared: shown after [`DELAY`], its
/// detail refreshed on every tick.
fn tick(generation: u64) {
    let started = Instant::now();
    let mut shown = false;
    loop {
        std::thread::sleep(TICK);
        let s = state();
        let Some(line) = s.line.as_ref().filter(|l| l.generation == generation) else { return };
        if !shown && started.elapsed() >= DELAY {
            line.bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        if let Some(detail) = &s.detail {
            line.bar.set_message(detail());
        }
        line.bar.tick();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_suspended_writes_whole_lines_in_order() {
        let mut out = Suspended::new(Vec::new());
        write!(out, "{{\"a\":").unwrap();
        assert!(out.inner.is_empty(), "half a line is held");
        writeln!(out, "1}}").unwrap();
        write!(out, "{{\"b\":2}}").unwrap();
        out.flush().unwrap();
        assert_eq!(String::from_utf8(out.inner).unwrap(), "{\"a\":1}\n{\"b\":2}");
    }
}
