//! The `*.dist-info/WHEEL` file: parsed when a wheel is opened, written when
//! `merge`, `split` or `retag` make one (and shown by `compare`). One home for
//! its keys, as `record.rs` is RECORD's.

/// The `Generator:` value of the WHEEL files uniabi writes: `uniabi 0.1.0`.
pub const GENERATOR: &str = concat!("uniabi ", env!("CARGO_PKG_VERSION"));

/// The parsed `*.dist-info/WHEEL` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WheelMetadata {
    pub wheel_version: Option<String>,
    pub generators: Vec<String>,
    pub root_is_purelib: Option<bool>,
    /// The `Tag:` lines, in file order.
    pub tags: Vec<String>,
    pub build: Option<String>,
}

impl WheelMetadata {
    /// Parse the `Key: value` lines of a WHEEL file. Unknown keys are ignored.
    pub fn parse(text: &str) -> WheelMetadata {
        let mut meta = WheelMetadata::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().to_string();
            match key.trim() {
                "Wheel-Version" => meta.wheel_version = Some(value),
                "Generator" => meta.generators.push(value),
                "Root-Is-Purelib" => meta.root_is_purelib = Some(value.eq_ignore_ascii_case("true")),
                "Tag" => meta.tags.push(value),
                "Build" => meta.build = Some(value),
                _ => {}
            }
        }
        meta
    }

    /// The WHEEL of a wheel uniabi makes: `Wheel-Version: 1.0`, [`GENERATOR`],
    /// `Root-Is-Purelib`, one `Tag:` line per tag in the order given, then `Build:` if any.
    pub fn new(root_is_purelib: bool, tags: &[String], build: Option<&str>) -> WheelMetadata {
        WheelMetadata {
            wheel_version: Some("1.0".to_string()),
            generators: vec![GENERATOR.to_string()],
            root_is_purelib: Some(root_is_purelib),
            tags: tags.to_vec(),
            build: build.map(str::to_string),
        }
    }

    /// The file's text, keys in the order the binary distribution format lists them.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if let Some(v) = &self.wheel_version {
            s.push_str(&format!("Wheel-Version: {v}\n"));
        }
        for g in &self.generators {
            s.push_str(&format!("Generator: {g}\n"));
        }
        if let Some(p) = self.root_is_purelib {
            s.push_str(&format!("Root-Is-Purelib: {p}\n"));
        }
        for t in &self.tags {
            s.push_str(&format!("Tag: {t}\n"));
        }
        if let Some(b) = &self.build {
            s.push_str(&format!("Build: {b}\n"));
        }
        s
    }
}

/// A WHEEL file's text with its `Tag:` lines replaced by `tags`, one per line,
/// where the first `Tag:` line was; every other line, and the line ending, kept
/// (`retag`, which must not lose keys it does not know).
pub fn replace_tags(text: &str, tags: &[String]) -> String {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() + tags.len() * 40);
    let mut placed = false;
    for line in text.lines() {
        let is_tag = line.split_once(':').is_some_and(|(key, _)| key.trim() == "Tag");
        if !is_tag {
            out.push_str(line);
            out.push_str(eol);
        } else if !placed {
            placed = true;
            for t in tags {
                out.push_str(&format!("Tag: {t}{eol}"));
            }
        }
    }
    if !placed {
        for t in tags {
            out.push_str(&format!("Tag: {t}{eol}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_new_renders_and_parses_back() {
        let tags = vec!["cp315-abi3-any".to_string(), "cp315-abi3t-any".to_string()];
        let meta = WheelMetadata::new(false, &tags, Some("1"));
        let text = meta.render();
        assert_eq!(
            text,
            format!(
                "Wheel-Version: 1.0\nGenerator: {GENERATOR}\nRoot-Is-Purelib: false\nTag: cp315-abi3-any\nTag: cp315-abi3t-any\nBuild: 1\n"
            )
        );
        assert_eq!(WheelMetadata::parse(&text), meta);
    }

    #[test]
    fn ok_replace_tags_keeps_other_lines() {
        let text =
            "Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: false\nTag: cp36-abi3-a\nTag: cp36-abi3-b\nBuild: 1\n";
        let out = replace_tags(text, &["cp315-abi3-a".into(), "cp315-abi3t-a".into()]);
        assert_eq!(
            out,
            "Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: false\nTag: cp315-abi3-a\nTag: cp315-abi3t-a\nBuild: 1\n"
        );
        let crlf = replace_tags("Wheel-Version: 1.0\r\nTag: a-b-c\r\n", &["x-y-z".into()]);
        assert_eq!(crlf, "Wheel-Version: 1.0\r\nTag: x-y-z\r\n");
        assert_eq!(replace_tags("Wheel-Version: 1.0\n", &["x-y-z".into()]), "Wheel-Version: 1.0\nTag: x-y-z\n");
    }

    #[test]
    fn ok_parse_ignores_unknown_keys_and_lines_without_a_colon() {
        let meta = WheelMetadata::parse("Wheel-Version: 1.0\nnonsense\nX-Other: y\nRoot-Is-Purelib: TRUE\n");
        assert_eq!(meta.wheel_version.as_deref(), Some("1.0"));
        assert_eq!(meta.root_is_purelib, Some(true));
        assert!(meta.tags.is_empty());
    }
}
