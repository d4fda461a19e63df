//! RECORD, the wheel's list of its members: one CSV row per member with its
//! `sha256=` digest (urlsafe base64, no padding) and size. Read and written with
//! the `csv` crate; the digest is computed here, for reading, writing and tests.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use base64::Engine;
use sha2::{Digest, Sha256};

/// One row of `RECORD`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordEntry {
    /// `sha256=<urlsafe base64, no padding>`, or `None` (RECORD's own row).
    pub hash: Option<String>,
    pub size: Option<u64>,
}

impl RecordEntry {
    /// The row of some bytes: their hash and size.
    pub fn of(data: &[u8]) -> RecordEntry {
        RecordEntry { hash: Some(hash(data)), size: Some(data.len() as u64) }
    }
}

/// A parsed `RECORD`: path → entry, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub entries: BTreeMap<String, RecordEntry>,
}

/// Why a RECORD could not be parsed (lines count from 1).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A quoted field runs to the end of the file.
    #[error("line {line} has an unterminated quote")]
    UnterminatedQuote { line: u64 },
    /// A row without exactly three fields.
    #[error("line {line} has {count} fields, expected 3")]
    FieldCount { line: u64, count: usize },
    /// A size that is not a whole number of bytes.
    #[error("line {line} has size '{size}', not a number")]
    Size { line: u64, size: String },
    /// The CSV reader failed.
    #[error("line {line} cannot be read")]
    Csv {
        line: u64,
        #[source]
        source: csv::Error,
    },
}

impl Record {
    /// Parse RECORD's CSV (fields may be double-quoted with `""` escapes).
    /// Blank lines are skipped.
    pub fn parse(text: &str) -> Result<Record, RecordError> {
        // RECORD rows are one line each. The csv reader ends a quote left open
        // at the end of the input, so a field holding a line break is one (the
        // input is given a final line break for that).
        let text = if text.ends_with('\n') { Cow::Borrowed(text) } else { Cow::Owned(format!("{text}\n")) };
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut entries = BTreeMap::new();
        let mut row = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(source) => return Err(RecordError::Csv { line, source }),
            }
            let line = row.position().map_or(line, csv::Position::line);
            if row.iter().any(|field| field.contains(['\n', '\r'])) {
                return Err(RecordError::UnterminatedQuote { line });
            }
            if row.len() == 1 && row[0].trim().is_empty() {
                continue;
            }
            if row.len() != 3 {
                return Err(RecordError::FieldCount { line, count: row.len() });
            }
            let (path, hash, size) = (&row[0], &row[1], &row[2]);
            let size = match size {
                "" => None,
                s => Some(s.parse().map_err(|_| RecordError::Size { line, size: s.to_string() })?),
            };
            let hash = (!hash.is_empty()).then(|| hash.to_string());
            entries.insert(path.to_string(), RecordEntry { hash, size });
        }
        Ok(Record { entries })
    }

    /// RECORD's text for these rows in path order, then `own_path,,` (RECORD's own row) last.
    pub fn to_csv(&self, own_path: &str) -> String {
        let own = RecordEntry { hash: None, size: None };
        write(self.entries.iter().map(|(path, entry)| (path.as_str(), entry)).chain([(own_path, &own)]))
    }
}

/// RECORD's text for `rows`, in the order given: `path,hash,size` with a line
/// break after each, a path quoted when CSV needs it.
pub fn write<'a>(rows: impl IntoIterator<Item = (&'a str, &'a RecordEntry)>) -> String {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for (path, entry) in rows {
        let size = entry.size.map(|s| s.to_string()).unwrap_or_default();
        // Writing to a Vec cannot fail.
        let _ = writer.write_record([path, entry.hash.as_deref().unwrap_or(""), &size]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    // Every field came from a &str.
    String::from_utf8(bytes).unwrap_or_default()
}

/// The RECORD hash of some bytes: `sha256=<urlsafe base64, no padding>`.
pub fn hash(data: &[u8]) -> String {
    let mut hasher = Hasher::default();
    hasher.update(data);
    hasher.finish().0
}

/// The RECORD hash and size of everything `reader` yields, read in chunks so
/// that no whole member is held in memory.
pub fn hash_reader(mut reader: impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Hasher::default();
    io::copy(&mut reader, &mut hasher)?;
    Ok(hasher.finish())
}

/// A RECORD hash computed as bytes arrive; also a [`Write`] sink.
#[derive(Default)]
pub struct Hasher {
    sha: Sha256,
    size: u64,
}

impl Hasher {
    /// Add bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.sha.update(data);
        self.size += data.len() as u64;
    }

    /// The `sha256=` digest and the number of bytes seen.
    pub fn finish(self) -> (String, u64) {
        let digest = self.sha.finalize();
        (format!("sha256={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)), self.size)
    }
}

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_record() {
        let r = Record::parse(
            "psutil/__init__.py,sha256=abc,123\n\"a,b.py\",sha256=x,1\n\"q\"\"uote\",,\npsutil-7.1.2.dist-info/RECORD,,\n",
        )
        .unwrap();
        assert_eq!(r.entries.len(), 4);
        assert_eq!(r.entries["psutil/__init__.py"], RecordEntry { hash: Some("sha256=abc".into()), size: Some(123) });
        assert!(r.entries.contains_key("a,b.py"));
        assert!(r.entries.contains_key("q\"uote"));
        assert_eq!(r.entries["psutil-7.1.2.dist-info/RECORD"], RecordEntry { hash: None, size: None });
    }

    #[test]
    fn ok_record_line_endings_and_blank_lines() {
        let r = Record::parse("a.py,sha256=x,1\r\n\r\n  \nb.py,sha256=y,2").unwrap();
        assert_eq!(r.entries.keys().collect::<Vec<_>>(), ["a.py", "b.py"]);
        assert_eq!(r.entries["b.py"].size, Some(2));
    }

    #[test]
    fn err_record() {
        assert_eq!(Record::parse("a,b\n").unwrap_err().to_string(), "line 1 has 2 fields, expected 3");
        assert_eq!(Record::parse("a,b,x\n").unwrap_err().to_string(), "line 1 has size 'x', not a number");
        assert_eq!(Record::parse("\"a,b,1\n").unwrap_err().to_string(), "line 1 has an unterminated quote");
    }

    #[test]
    fn err_record_names_the_line() {
        let text = "a.py,sha256=x,1\nb.py,sha256=y,1,extra\n";
        assert_eq!(Record::parse(text).unwrap_err().to_string(), "line 2 has 4 fields, expected 3");
        // Without a final line break, a quote left open is still found.
        let text = "a.py,sha256=x,1\nb.py,sha256=y,\"1";
        assert_eq!(Record::parse(text).unwrap_err().to_string(), "line 2 has an unterminated quote");
    }

    #[test]
    fn ok_csv_field() {
        let csv_field = |path: &str| {
            let text = write([(path, &RecordEntry { hash: None, size: None })]);
            text.strip_suffix(",,\n").unwrap().to_string()
        };
        assert_eq!(csv_field("a/b.py"), "a/b.py");
        assert_eq!(csv_field("a,b.py"), "\"a,b.py\"");
        assert_eq!(csv_field("q\"x"), "\"q\"\"x\"");
    }

    #[test]
    fn ok_record_hash() {
        // sha256("") in urlsafe base64 without padding.
        assert_eq!(hash(b""), "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    }

    #[test]
    fn ok_hash_reader_streams_in_chunks() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (digest, size) = hash_reader(io::Cursor::new(&data)).unwrap();
        assert_eq!(size, 200_000);
        assert_eq!(digest, hash(&data));
        assert_ne!(digest, hash(&data[1..]));
    }

    #[test]
    fn ok_write_quotes_only_when_needed_and_round_trips() {
        let mut record = Record::default();
        record.entries.insert("a/b.py".into(), RecordEntry::of(b"x"));
        record.entries.insert("a,b.py".into(), RecordEntry { hash: Some("sha256=h".into()), size: Some(1) });
        record.entries.insert("q\"x".into(), RecordEntry { hash: Some("sha256=h".into()), size: None });
        let text = record.to_csv("p-1.dist-info/RECORD");
        assert_eq!(
            text,
            format!("\"a,b.py\",sha256=h,1\na/b.py,{},1\n\"q\"\"x\",sha256=h,\np-1.dist-info/RECORD,,\n", hash(b"x"))
        );
        let back = Record::parse(&text).unwrap();
        assert_eq!(back.entries.len(), 4);
        assert_eq!(back.entries["a,b.py"], record.entries["a,b.py"]);
        assert_eq!(back.entries["q\"x"], record.entries["q\"x"]);
        assert_eq!(back.entries["p-1.dist-info/RECORD"], RecordEntry { hash: None, size: None });
    }
}
