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
    for sub in ["uniabi\\-check", "uniabi\\-merge", "uniabi\\-completions"] {
        assert!(page.contains(sub), "man page lacks {sub}");
    }
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

#[test]
fn ok_help_has_examples_exit_codes_and_common_options_last() {
    for sub in ["inspect", "check", "verify", "specs", "tags", "compare", "merge", "split", "survey", "schema"] {
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
    let check = stdout(&run(&["check", "--help"]));
    let common = check.find("Common options:").unwrap();
    for flag in ["--max-member-mib", "--specs", "--config", "--no-config"] {
        assert!(check[common..].contains(flag), "check --help: {flag} is not among the common options");
    }
    for flag in ["--abi", "--ignore", "--allow", "--format"] {
        assert!(check[..common].contains(flag), "check --help: {flag} is not among check's own options");
    }
}
