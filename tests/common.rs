//! Helpers shared by the integration tests: sample paths, running the built
//! binary, and golden files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every wheel in `samples/`, sorted by file name.
pub fn sample_wheels() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .expect("samples/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    v.sort();
    v
}

/// A sample wheel by a unique part of its file name.
pub fn sample(part: &str) -> PathBuf {
    let found: Vec<PathBuf> = sample_wheels()
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(part))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one sample matches '{part}': {found:?}"
    );
    found.into_iter().next().unwrap()
}

/// The built `uniabi` binary.
pub fn uniabi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_uniabi"));
    c.current_dir(root());
    c
}

/// Run `uniabi ARGS...` from the project root.
pub fn run(args: &[&str]) -> Output {
    uniabi().args(args).output().expect("uniabi runs")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// The path of a sample relative to the project root, as the golden files name it.
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// A scratch directory under `target/`, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Compare `actual` with the golden file `tests/golden/<name>`; with
/// `UNIABI_BLESS=1` in the environment, rewrite the file instead.
/// On mismatch, panic with a unified diff.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests").join("golden").join(name);
    if std::env::var_os("UNIABI_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UNIABI_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header(&format!("expected {name}"), "actual")
            .to_string();
        panic!("output differs from tests/golden/{name} (UNIABI_BLESS=1 rewrites it):\n{diff}");
    }
}
