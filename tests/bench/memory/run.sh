#!/usr/bin/env bash
# Memory and speed of uniabi against --jobs, on a wheelhouse replicated from samples/.
#
#   bash tests/bench/memory/run.sh                 # 896 wheels, --jobs 1,2,4,8,16, 3 runs each
#   bash tests/bench/memory/run.sh --wheels 200 --runs 1 --jobs 1,2
#   bash tests/bench/memory/run.sh --base BIN      # also time BIN (an older uniabi) at 2 jobs
#
# Needs the Rust toolchain, python3 and GNU time at /usr/bin/time (installed with apt-get when
# missing and running as root). Everything it makes lives under target/bench-memory/.
# See tests/bench/README.md ("Memory against --jobs").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
    else
        echo "run.sh: GNU time (/usr/bin/time) is missing: apt-get install time" >&2
        exit 2
    fi
fi
cargo build --release --locked --quiet
exec python3 "$here/memory.py" --uniabi "$root/target/release/uniabi" --samples "$root/samples" \
    --work "$root/target/bench-memory" "$@"
