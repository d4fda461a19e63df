//! The README is the front door: its findings table lists exactly the codes `check` gives,
//! with their severity rule and meaning.

use uniabi::check::Code;

use crate::common::root;

#[test]
fn ok_findings_table_lists_every_code() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("| code | severity | meaning |").expect("the findings table");
    let rows: Vec<(String, String, String)> = readme[start..]
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
    assert_eq!(rows, want, "README's findings table and check's codes differ");
}
