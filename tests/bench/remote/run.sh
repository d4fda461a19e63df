#!/usr/bin/env bash
# Remote-reading benchmark on the local test server (no internet): bytes that
# `survey` fetches by ranges against the sample wheels' size and the floor,
# and wall time against downloading every wheel and surveying the directory.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo test --locked --test integration bench_remote -- --ignored --nocapture 2>&1 | grep -E '^(wheels|survey|floor|wall)'
