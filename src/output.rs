//! What every report shares: writing to stdout (a closed pipe, `uniabi inspect |
//! head`, ends quietly), the names of the JSON documents, counted nouns, CSV rows,
//! and the date reproducible outputs carry.

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

/// The value of each JSON document's `schema` field: `uniabi/NAME/VERSION`.
/// `uniabi schema` lists them, and `specs/schemas/` is named after them.
pub mod schema {
    pub const INSPECT: &str = "uniabi/inspect/1";
    pub const CHECK: &str = "uniabi/check/1";
    pub const TAGS: &str = "uniabi/tags/1";
    pub const VERIFY: &str = "uniabi/verify/1";
    /// `verify` of a lock: a locked environment, per target.
    pub const LOCK: &str = "uniabi/lock/1";
    pub const COMPARE: &str = "uniabi/compare/1";
    pub const MERGE: &str = "uniabi/merge/1";
    pub const SPLIT: &str = "uniabi/split/1";
    pub const SURVEY: &str = "uniabi/survey/1";
    /// One line of `survey --jsonl`.
    pub const SURVEY_LINE: &str = "uniabi/survey-line/1";
    pub const SPECS: &str = "uniabi/specs/1";
    pub const RETAG: &str = "uniabi/retag/1";
    /// The SARIF version `check --format sarif` writes, and its schema.
    pub const SARIF_VERSION: &str = "2.1.0";
    pub const SARIF: &str = "https://json.schemastore.org/sarif-2.1.0.json";
}

/// `1 import`, `2 imports`.
pub fn count_noun(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", plural(n))
}

/// The ending of a counted noun: `""` for one, `"s"` otherwise.
pub fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) { "" } else { "s" }
}

/// Write one CSV row, each field quoted only when it holds a comma, a quote or a line break.
pub fn csv_row<'a>(out: &mut dyn Write, fields: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    writer.write_record(fields).map_err(io::Error::from)?;
    writer.flush()
}

/// The UTC date and time `secs` seconds after 1970-01-01 (`None` outside years -9999 to 9999).
pub fn utc_datetime(secs: i64) -> Option<jiff::civil::DateTime> {
    let at = jiff::Timestamp::from_second(secs).ok()?;
    Some(jiff::tz::Offset::UTC.to_datetime(at))
}

/// The time reproducible outputs carry: `SOURCE_DATE_EPOCH` in UTC; `None`
/// when it is unset or not a number of seconds.
pub fn source_date_epoch() -> Option<jiff::civil::DateTime> {
    utc_datetime(std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_count_noun() {
        assert_eq!(count_noun(0, "wheel"), "0 wheels");
        assert_eq!(count_noun(1, "wheel"), "1 wheel");
        assert_eq!(count_noun(2, "tag"), "2 tags");
    }

    #[test]
    fn ok_csv_row_quotes_commas_quotes_and_line_breaks() {
        let mut out = Vec::new();
        csv_row(&mut out, ["plain", "a (1), b (2)", "say \"hi\"", "two\nlines", ""]).unwrap();
        csv_row(&mut out, ["next"]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a (1), b (2)\",\"say \"\"hi\"\"\",\"two\nlines\",\nnext\n"
        );
    }

    #[test]
    fn ok_csv_field_quotes_commas_and_quotes() {
        let csv_field = |field: &str| {
            let mut out = Vec::new();
            csv_row(&mut out, [field]).unwrap();
            String::from_utf8(out).unwrap().trim_end_matches('\n').to_string()
        };
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a (1), b (2)"), "\"a (1), b (2)\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn ok_utc_datetime() {
        let d = utc_datetime(1_700_000_000).unwrap();
        assert_eq!((d.year(), d.month(), d.day(), d.hour(), d.minute(), d.second()), (2023, 11, 14, 22, 13, 20));
        assert_eq!(utc_datetime(-1).map(|d| (d.year(), d.month(), d.day())), Some((1969, 12, 31)));
        assert_eq!(utc_datetime(i64::MAX), None);
    }
}
