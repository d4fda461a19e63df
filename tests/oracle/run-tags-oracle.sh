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

# shellcheck source=tests/oracle/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
oracle_require 'import sys, packaging; sys.exit(packaging.__version__ != "26.3")' "packaging==26.3"

exec "$venv/bin/python" "$root/tests/oracle/tags_oracle.py" "$bin"
