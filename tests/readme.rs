//! The README is the front door and `docs/` the reference: the findings table in
//! `docs/findings.md` lists exactly the codes `check` gives, with their severity rule and
//! meaning, and every link between these pages leads to a file and heading that exist.

use std::path::{Path, PathBuf};

use uniabi::check::Code;

use crate::common::root;

#[test]
fn ok_findings_table_lists_every_code() {
    let page = std::fs::read_to_string(root().join("docs/findings.md")).unwrap();
    let start = page.find("| code | severity | meaning |").expect("the findings table");
    let rows: Vec<(String, String, String)> = page[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 3, "{l}");
            (cells[0].trim_matches('`').to_string(), cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let want: Vec<(String, String, String)> = Code::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), c.severity_rule().to_string(), c.doc().to_string()))
        .collect();
    assert_eq!(rows, want, "docs/findings.md's table and check's codes differ");
}

/// The README and every page in `docs/`.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The targets of a page's inline links `[text](target)`, outside code blocks and spans.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans hold no links; drop them so `](` inside one is not read as one.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join("");
        let mut rest = prose.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').expect("a link closes");
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped,
/// spaces made hyphens.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(anchor(line.trim_start_matches('#').trim()));
        }
    }
    out
}

#[test]
fn ok_links_between_the_readme_and_docs_lead_somewhere() {
    let mut checked = 0;
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for target in links(&text) {
            if target.starts_with("https://") || target.starts_with("http://") {
                continue;
            }
            let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let file = if file.is_empty() { page.clone() } else { page.parent().unwrap().join(file) };
            let shown = format!("{}: {target}", page.strip_prefix(root()).unwrap().display());
            if !file.exists() {
                broken.push(format!("{shown}: no such file"));
            } else if !fragment.is_empty() && !anchors(&file).iter().any(|a| a == fragment) {
                broken.push(format!("{shown}: no such heading"));
            }
            checked += 1;
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked >= 40, "only {checked} links found");
}

#[test]
fn ok_anchor_and_links_read_as_github_does() {
    assert_eq!(anchor("Settings in `pyproject.toml`"), "settings-in-pyprojecttoml");
    assert_eq!(anchor("Merging: several groups, one run"), "merging-several-groups-one-run");
    assert_eq!(anchor("completions, man"), "completions-man");
    let text = "see [a](docs/a.md#x) and `[b](not/a/link)`\n```sh\n[c](no)\n```\n[d](#top)";
    assert_eq!(links(text), ["docs/a.md#x", "#top"]);
}
