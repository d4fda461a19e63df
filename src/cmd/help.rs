//! What each subcommand's `--help` ends with: examples, then exit codes.

/// Examples, then exit codes (by default those of the commands that judge inputs).
macro_rules! after_help {
    ($examples:literal) => {
        after_help!($examples, "Exit codes: 0 every input read and nothing failed; 1 findings failed an input; 2 an input could not be read or the command could not run.")
    };
    ($examples:literal, $exit:literal) => {
        concat!("Examples:\n", $examples, "\n", $exit)
    };
}

pub const INSPECT: &str = after_help!(
    "  uniabi inspect dist/*.whl\n  uniabi inspect --verbose --json build/lib/mymod.abi3.so\n",
    "Exit codes: 0 every input read; 2 an input could not be read."
);
pub const CHECK: &str = after_help!(
    "  uniabi check dist/                                # each wheel against its own tags\n  uniabi check --abi abi3t --format sarif dist/*.whl > uniabi.sarif\n"
);
pub const VERIFY: &str = after_help!(
    "  uniabi verify dist/*.whl\n  uniabi verify --pep809 --json merged/*.whl\n  uniabi verify -r requirements.txt --python 3.15t --platform manylinux_2_28_x86_64\n\nWith --python and --platform, each project (argument or -r line) is the one wheel an installer\nthere picks (most specific tag first, as pip and uv), judged for that interpreter; a project\nwith no wheel for it (\"sdist only\") fails its line. Without both, every wheel that passes the filters.\n\nA lock file (uv.lock, pylock.toml, or --lock FILE) is judged per target (every --platform with\nevery --python, both repeatable): a table, a verdict line and what would help.\n  uniabi verify uv.lock --python 3.15t --python 3.14t --platform manylinux_2_28_x86_64\n",
    "Exit codes: 0 every input read and nothing failed; 1 an import fails, a project has no wheel for --python/--platform, or a lock's target is blocked; 2 an input (or a lock) could not be read or the command could not run."
);
pub const SPECS: &str = after_help!(
    "  uniabi specs\n  uniabi specs PyModule_Create2 PyObject_GetInterface\n",
    "Exit codes: 0 success; 2 a manifest could not be read."
);
pub const TAGS: &str = after_help!(
    "  uniabi tags cp315-abi3.abi3t-manylinux_2_34_x86_64\n  uniabi tags --json dist/*.whl\n",
    "Exit codes: 0 every input parsed; 2 an input did not parse."
);
pub const COMPARE: &str = after_help!(
    "  uniabi compare dist/*.whl\n  uniabi compare --json wheelhouse/ > compare.json\n",
    "Exit codes: 0 every input read; 2 an input could not be read."
);
pub const MERGE: &str = after_help!(
    "  uniabi merge --dry-run -o merged/ wheelhouse/*.whl\n  uniabi merge --scheme fat --metadata-from mypkg-1.0-cp314-cp314-win_amd64.whl -o merged/ wheelhouse/\n  uniabi merge psutil==7.1.2 --platform manylinux_2_28_x86_64 -o merged/   # remote wheels are downloaded whole\n",
    "Exit codes: 0 every output written (or planned) and verified; 1 a group refused or an output failed verify; 2 an input could not be read or an output written."
);
pub const SPLIT: &str = after_help!(
    "  uniabi split -o split/ mypkg-1.0-cp313-abi3.abi3t-manylinux_2_34_x86_64.whl\n",
    "Exit codes: 0 every output written and verified; 1 an output failed verify; 2 the input could not be read or an output written."
);
pub const SURVEY: &str = after_help!(
    "  uniabi survey wheelhouse/\n  uniabi survey --csv wheelhouse/ > survey.csv\n",
    "Exit codes: 0 every input read; 2 an input could not be read."
);
pub const SCHEMA: &str = after_help!(
    "  uniabi schema check\n  uniabi schema --write specs/schemas\n",
    "Exit codes: 0 success; 2 an unknown name or an unwritable directory."
);
pub const COMPLETIONS: &str = after_help!(
    "  uniabi completions bash > ~/.local/share/bash-completion/completions/uniabi\n  uniabi completions zsh > ~/.zfunc/_uniabi\n  uniabi completions fish > ~/.config/fish/completions/uniabi.fish\n",
    "Exit codes: 0 success."
);
pub const MAN: &str = after_help!(
    "  uniabi man > uniabi.1 && man ./uniabi.1\n  uniabi man --dir share/man/man1\n",
    "Exit codes: 0 success; 2 an unwritable directory."
);

/// Top-level `--help` epilogue.
pub const TOP: &str = "Exit codes: 0 every input read and nothing failed; 1 findings failed an input; \
2 an input could not be read or the command could not run.";
