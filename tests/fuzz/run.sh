#!/usr/bin/env bash
# Fuzz the given targets (default: all) for SECONDS each (default 600), at
# most JOBS at a time (default 2), on the stable toolchain.
# Logs: tests/fuzz/logs/<target>.log; crashes: tests/fuzz/artifacts/<target>/.
# Copy each crashing input into tests/fuzz-regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_EACH:-600}
jobs=${JOBS:-2}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(binary_elf binary_macho binary_pe binary_any wheel tags manifest)
[ -d corpus ] || ./seed.sh
RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir . -O
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  mkdir -p "artifacts/$t" "corpus/$t"
  "$bin/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"logs/$t.log" 2>&1 &
done
wait
