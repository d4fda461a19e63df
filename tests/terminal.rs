//! Colour on a terminal and not on a pipe (a pseudo-terminal from `script(1)`),
//! shell completions, the man page, and what `--help` shows.

use std::process::Command;

use crate::common::*;

const ESC: &str = "\u{1b}[";

/// A sample whose `check` prints a verdict and a warning.
fn abi3_sample() -> String {
    rel(&sample("psutil-7.1.2-cp36-abi3-manylinux2010"))
}

/// Run `uniabi ARGS` (a run that passes) with stdout on a pseudo-terminal; returns what the
/// terminal got. `script -e` exits with the command's own exit code.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let line = std::iter::once(env!("CARGO_BIN_EXE_uniabi")).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    let mut c = Command::new("script");
    c.args(["-qec", &line, "/dev/null"]).current_dir(root()).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c.env("TERM", "xterm-256color");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("script(1) runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run `uniabi ARGS` with stdout and stderr on one pseudo-terminal: (exit code, what it got).
fn on_terminal_both(args: &[&str]) -> (Option<i32>, String) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_uniabi")).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(root())
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .output()
        .expect("script(1) runs");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The lines a terminal shows after `raw` is written to it: carriage returns,
/// erase-line (`ESC[K`, `ESC[2K`) and cursor-up (`ESC[nA`) obeyed, other escapes dropped.
fn screen(raw: &str) -> Vec<String> {
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => {
                row += 1;
                col = 0;
                if rows.len() <= row {
                    rows.push(Vec::new());
                }
            }
            '\u{1b}' => {
                if chars.peek() != Some(&'[') {
                    chars.next();
                    continue;
                }
                chars.next();
                let mut param = String::new();
                let end = loop {
                    match chars.next() {
                        Some(d) if d.is_ascii_alphabetic() || d == '~' => break d,
                        Some(d) => param.push(d),
                        None => break ' ',
                    }
                };
                match end {
                    'K' if param == "2" => rows[row].clear(),
                    'K' => rows[row].truncate(col),
                    'A' => row = row.saturating_sub(param.parse().unwrap_or(1)),
                    _ => {}
                }
            }
            c => {
                let line = &mut rows[row];
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
    }
    rows.into_iter()
        .map(|r| r.into_iter().collect::<String>().trim_end().to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

#[test]
fn ok_screen_obeys_returns_and_erasures() {
    assert_eq!(screen("abc\r\u{1b}[2Kx\r\ndone\r\n"), ["x", "done"]);
    // A line written over the progress line without clearing it keeps the line's tail.
    assert_eq!(screen("1/7 wheels  2 MB\rpsutil: pass\r\n"), ["psutil: pass2 MB"]);
}

/// A remote run on a terminal: the progress line (wheels done of the total) is
/// drawn while wheels are read, and gone from every line the user is left with;
/// each wheel is named by its file name under one line for the project.
#[test]
fn ok_progress_line_is_cleared_before_results_and_counts_wheels() {
    let server = crate::server::Server::start(&root().join("samples"));
    server.set(|f| f.delay = Some(std::time::Duration::from_millis(120)));
    let index = server.index();
    let (code, raw) = on_terminal_both(&["check", "psutil", "--index-url", &index, "--timeout", "10", "--no-cache"]);
    assert_eq!(code, Some(0), "{raw}");
    assert!(raw.contains("/7 wheels"), "no wheel count was drawn: {raw:?}");
    let lines = screen(&raw);
    assert_eq!(lines[0], format!("psutil 7.1.2 (from {index}): 7 wheels"), "{lines:#?}");
    let results = &lines[1..];
    let verdicts = results.iter().filter(|l| l.starts_with("psutil-7.1.2-") && l.contains(".whl: ")).count();
    assert_eq!(verdicts, 7, "{lines:#?}");
    for line in &lines {
        assert!(!line.contains(" wheels  ") && !line.contains("fetched"), "the progress line was left on: {line:?}");
    }
    assert!(!results.iter().any(|l| l.contains("http://")), "a wheel named by its URL: {lines:#?}");
    assert_eq!(lines.last().unwrap(), "7 inputs: 7 pass, 0 fail, 0 unreadable", "{lines:#?}");
}

/// Run `uniabi ARGS` with stdout on a pipe.
fn on_pipe(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = uniabi();
    c.args(args).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        c.env(k, v);
    }
    stdout(&c.output().expect("uniabi runs"))
}

#[test]
fn ok_colour_on_a_terminal_only() {
    let s = abi3_sample();
    let tty = on_terminal(&["check", &s], &[]);
    assert!(tty.contains(&format!("{ESC}1m{ESC}32mpass{ESC}0m")), "no green pass on the terminal: {tty:?}");
    assert!(tty.contains(&format!("{ESC}1m{ESC}33mwarning{ESC}0m")), "no yellow warning on the terminal: {tty:?}");
    let pipe = on_pipe(&["check", &s], &[]);
    assert!(!pipe.contains('\u{1b}'), "escape codes on a pipe: {pipe:?}");
    assert!(pipe.contains(": pass (claims abi3"), "{pipe}");
    // The same words, with and without colour.
    assert_eq!(strip(&tty).replace("\r\n", "\n"), pipe);
}

#[test]
fn ok_no_color_and_clicolor_force() {
    let s = abi3_sample();
    assert!(!on_terminal(&["check", &s], &[("NO_COLOR", "1")]).contains(ESC));
    assert!(on_pipe(&["check", &s], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(!on_pipe(&["check", &s], &[("CLICOLOR_FORCE", "0")]).contains(ESC));
}

#[test]
fn ok_color_flag_wins() {
    let s = abi3_sample();
    assert!(!on_terminal(&["check", "--color", "never", &s], &[]).contains(ESC));
    assert!(!on_terminal(&["check", &s, "--color=never"], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(on_pipe(&["check", "--color", "always", &s], &[("NO_COLOR", "1")]).contains(ESC));
    assert!(on_pipe(&["--color", "always", "verify", &s], &[]).contains(&format!("{ESC}1m{ESC}32mok{ESC}0m")));
    // JSON is never coloured.
    assert!(!on_terminal(&["check", "--json", &s], &[]).contains(ESC));
}

#[test]
fn err_bad_color_value() {
    let out = run(&["check", "--color", "sometimes", &abi3_sample()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'sometimes' for '--color <WHEN>'"), "{}", stderr(&out));
}

/// Remove CSI escape sequences.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn ok_completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _uniabi"),
        ("zsh", "#compdef uniabi"),
        ("fish", "complete -c uniabi"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(marker), "{shell}: no '{marker}'");
        for sub in ["inspect", "check", "merge", "survey", "completions"] {
            assert!(text.contains(sub), "{shell}: subcommand {sub} missing");
        }
        assert!(
            text.contains("abi3t") || shell == "powershell" || text.contains("--abi"),
            "{shell}: check's options missing"
        );
    }
    // The bash script is valid bash, and completes subcommands when sourced.
    let script = stdout(&run(&["completions", "bash"]));
    let dir = scratch("completions");
    let file = dir.join("uniabi.bash");
    std::fs::write(&file, &script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(uniabi me); COMP_CWORD=1; COMP_LINE='uniabi me'; COMP_POINT=9; _uniabi uniabi me uniabi; echo \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash").args(["--noprofile", "--norc", "-c", &probe]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "merge", "{out:?}");
}

#[test]
fn err_completions_unknown_shell() {
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'tcsh'"), "{}", stderr(&out));
}

#[test]
fn ok_man_page() {
    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq\n"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("\n.TH uniabi 1 "), "{}", &page[..400.min(page.len())]);
    assert_eq!(page.matches(".ds Aq \\(aq").count(), 1, "the preamble is repeated");
    // `uniabi man > uniabi.1` is the whole manual: a section per subcommand, with its options and examples.
    for sub in subcommands() {
        let title = format!("\n.SH \"UNIABI {}\"\n", sub.to_uppercase());
        let start = page.find(&title).unwrap_or_else(|| panic!("the man page has no section for {sub}"));
        let section = &page[start + 1..];
        let section = &section[..section[1..].find("\n.SH ").map_or(section.len(), |e| e + 1)];
        assert!(section.contains("\n.SS OPTIONS\n"), "{sub}: no options in the man page");
        assert!(section.contains("Examples:") && section.contains("Exit codes:"), "{sub}: no examples or exit codes");
    }
    let check = &page[page.find(".SH \"UNIABI CHECK\"").unwrap()..];
    assert!(check.contains("\\fB\\-\\-abi\\fR"), "check's section lacks --abi");
    let dir = scratch("man");
    let out = run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for page in ["uniabi.1", "uniabi-check.1", "uniabi-merge.1", "uniabi-schema.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(dir.join("uniabi-check.1")).unwrap();
    assert!(check.contains("\\-\\-abi") && check.contains("Examples:"), "uniabi-check.1 lacks --abi or its examples");
}

/// The subcommands `uniabi --help` lists (`help` left out).
fn subcommands() -> Vec<String> {
    let help = stdout(&run(&["--help"]));
    let list = &help[help.find("Commands:\n").expect("a command list") + 10..];
    list.lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The commands of the README's command table, in its order (`completions SHELL`, `man` both).
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = &readme[readme.find("| command | what it does |").expect("the README's command table")..];
    let mut names = Vec::new();
    for row in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cell = row.split('|').nth(1).unwrap();
        for part in cell.split("`, `") {
            let word = part.trim_start_matches(['[', '`', ' ']);
            names.push(word.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap().to_string());
        }
    }
    names
}

#[test]
fn ok_readme_table_names_every_subcommand() {
    let mut listed = subcommands();
    let mut readme = readme_commands();
    listed.sort();
    readme.sort();
    assert_eq!(readme, listed, "the README's command table and `uniabi --help` disagree");
}

#[test]
fn ok_completions_offer_the_values_of_value_options() {
    let script = stdout(&run(&["completions", "bash"]));
    let dir = scratch("value-completions");
    let file = dir.join("uniabi.bash");
    std::fs::write(&file, &script).unwrap();
    for (line, expected) in [
        ("uniabi check --abi abi", "abi3 abi3t abi2026"),
        ("uniabi check --abi cp316", "cp316 cp316t"),
        ("uniabi check --python 3.15", "3.15 3.15t"),
        ("uniabi merge --scheme pep", "pep803 pep809"),
        ("uniabi check --format s", "sarif"),
        ("uniabi check --color n", "never"),
    ] {
        let words: Vec<&str> = line.split(' ').collect();
        let probe = format!(
            "source {}; COMP_WORDS=({line}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; _uniabi uniabi {} {}; echo \"${{COMPREPLY[@]}}\"",
            file.display(),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash").args(["--noprofile", "--norc", "-c", &probe]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected, "{line}: {out:?}");
    }
}

#[test]
fn ok_help_has_examples_exit_codes_and_common_options_last() {
    let subs = subcommands();
    assert!(subs.len() >= 13 && subs.contains(&"retag".to_string()), "{subs:?}");
    for sub in &subs {
        let sub = sub.as_str();
        let out = run(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let help = stdout(&out);
        let examples =
            help.find("Examples:\n  uniabi ").unwrap_or_else(|| panic!("{sub} --help has no examples:\n{help}"));
        let exit = help.find("Exit codes: 0 ").unwrap_or_else(|| panic!("{sub} --help has no exit codes"));
        let common = help.find("Common options:\n").unwrap_or_else(|| panic!("{sub} --help has no common options"));
        assert!(common < examples && examples < exit, "{sub}: common options, examples, exit codes out of order");
        // Nothing but common options between that heading and the examples.
        let tail = &help[common..examples];
        assert!(tail.contains("--color <WHEN>") && tail.contains("-h, --help"), "{sub}:\n{tail}");
        if let Some(options) = help.find("\nOptions:\n") {
            assert!(options < common, "{sub}: common options are not last");
        }
    }
    // The commands that exit 1 say when.
    for sub in ["check", "verify", "tags", "merge", "split", "retag"] {
        let help = stdout(&run(&[sub, "--help"]));
        assert!(help[help.find("Exit codes: 0 ").unwrap()..].contains("; 1 "), "{sub} --help omits exit 1");
    }
    // Each writing command names its own schema only.
    for sub in ["merge", "split", "retag"] {
        let help = stdout(&run(&[sub, "--help"]));
        let schemas: Vec<&str> = help.match_indices("uniabi/").map(|(i, _)| &help[i..i + 12]).collect();
        assert!(schemas.iter().all(|s| s.starts_with(&format!("uniabi/{sub}"))), "{sub}: {schemas:?}");
    }
    let top = stdout(&run(&["--help"]));
    assert!(top.contains("merge, split, retag, survey"), "the top-level list of schemas omits retag");
    let check = stdout(&run(&["check", "--help"]));
    let common = check.find("Common options:").unwrap();
    for flag in ["--max-member-mib", "--specs", "--config", "--no-config"] {
        assert!(check[common..].contains(flag), "check --help: {flag} is not among the common options");
    }
    for flag in ["--abi", "--ignore", "--allow", "--format"] {
        assert!(check[..common].contains(flag), "check --help: {flag} is not among check's own options");
    }
}
