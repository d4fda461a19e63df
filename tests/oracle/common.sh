# Shared set-up for the oracle scripts (sourced, not run): the venv both oracles
# share and the uniabi binary under test.
#
# Environment:
#   UNIABI_ORACLE_VENV  the venv to create/reuse (default: target/oracle-venv)
#   UNIABI_BIN          the uniabi binary (default: build target/release/uniabi)
#   PYTHON              the Python that creates the venv (default: python3)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${UNIABI_ORACLE_VENV:-$root/target/oracle-venv}"
bin="${1:-${UNIABI_BIN:-}}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi

# Install $2 into the venv unless the Python check $1 already succeeds there.
oracle_require() {
    if ! "$venv/bin/python" -c "$1" 2>/dev/null; then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$2"
    fi
}

if [ -z "$bin" ]; then
    (cd "$root" && cargo build --release --quiet)
    bin="$root/target/release/uniabi"
fi
