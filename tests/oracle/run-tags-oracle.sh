#!/usr/bin/env bash
# Check `uniabi tags` against the `packaging` library (26.3), which pip and uv
# follow. Usage: tests/oracle/run-tags-oracle.sh [PATH/TO/uniabi]
#
# Environment:
#   UNIABI_ORACLE_VENV  the venv to create/reuse (default: target/oracle-venv)
#   UNIABI_BIN          the uniabi binary (default: build target/release/uniabi)
#   PYTHON              the Python that creates the venv (default: python3)
#
# Deliberate disagreements with packaging: none (see tags_oracle.py for what
# is compared and how the interpreter's platform is chosen).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${UNIABI_ORACLE_VENV:-$root/target/oracle-venv}"
bin="${1:-${UNIABI_BIN:-}}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import sys, packaging; sys.exit(packaging.__version__ != "26.3")' 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "packaging==26.3"
fi

if [ -z "$bin" ]; then
    (cd "$root" && cargo build --release --quiet)
    bin="$root/target/release/uniabi"
fi

exec "$venv/bin/python" "$root/tests/oracle/tags_oracle.py" "$bin"
