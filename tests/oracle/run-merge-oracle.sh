#!/usr/bin/env bash
# Check `uniabi merge` against pip (26.1 or newer): pip downloads each merged
# wheel from a local directory for exactly the interpreters the inputs served
# (and, for every output, exactly the ones uniabi says its name admits), and
# refuses it for the others.
# Usage: tests/oracle/run-merge-oracle.sh [PATH/TO/uniabi]
#
# Environment:
#   UNIABI_ORACLE_VENV  the venv to create/reuse (default: target/oracle-venv, shared with the tags oracle)
#   UNIABI_BIN          the uniabi binary (default: build target/release/uniabi)
#   PYTHON              the Python that creates the venv (default: python3)
set -euo pipefail

# shellcheck source=tests/oracle/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
oracle_require '
import sys
from importlib.metadata import version
major, minor = (int(x) for x in version("pip").split(".")[:2])
sys.exit((major, minor) < (26, 1))' "pip>=26.1"

exec "$venv/bin/python" "$root/tests/oracle/merge_oracle.py" "$bin"
