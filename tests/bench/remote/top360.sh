#!/usr/bin/env bash
# The free-threading tracker's question at its scale, against PyPI (needs the
# internet; takes minutes): the 360 most-downloaded projects with binary wheels
# (tests/bench/remote/top360.txt, the tracker's list of 2026-09-11), newest
# releases, one platform; a cold run (empty cache), then a warm one (all
# cached, index pages too: PyPI may send them without a lifetime, so the warm
# run passes --index-max-age 1h). Prints the table of figures with the
# targets, then the summary.
#
#   tests/bench/remote/top360.sh [LIST]      (LIST defaults to the top 360)
#   UNIABI=target/debug/uniabi PLATFORM=manylinux_2_28_x86_64 JOBS=8 INDEX=URL
#
# Not a test: figures depend on the link and the machine; note both with them.
set -euo pipefail
cd "$(dirname "$0")/../../.."
list=${1:-tests/bench/remote/top360.txt}
platform=${PLATFORM:-manylinux_2_28_x86_64}
bin=${UNIABI:-target/release/uniabi}
if [ ! -x "$bin" ]; then cargo build --release --locked; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$work/cache

# One run: wall seconds and peak KiB in $work/NAME.time, the JSONL, the --net-stats line.
survey() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/$name.time" \
    "$bin" survey -r "$list" --platform "$platform" ${JOBS:+-j "$JOBS"} ${INDEX:+--index-url "$INDEX"} \
    --cache-dir "$cache" --net-stats --jsonl "$@" >"$work/$name.jsonl" 2>"$work/$name.err" || true
  grep -q . "$work/$name.jsonl" || { cat "$work/$name.err" >&2; exit 1; }
}
wall() { tail -1 "$work/$1.time" | awk '{ s = $1; printf "%d min %02d s", s / 60, s % 60 }'; }
peak() { tail -1 "$work/$1.time" | awk '{ printf "%.0f MiB", $2 / 1024 }'; }
stats() { grep 'wheels: fetched' "$work/$1.err" | sed 's/^uniabi: //'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

survey cold
survey warm --index-max-age 1h
"$bin" survey --from-jsonl "$work/cold.jsonl" --html "$work/page.html" >"$work/summary.txt" 2>/dev/null || true
page=$(stat -c %s "$work/page.html")
cache_bytes=$(du -sb "$cache" | cut -f1)
releases=$(grep -c '"release":' "$work/cold.jsonl" || true)

echo "uniabi $("$bin" --version | awk '{print $2}'), $(nproc) CPUs, $(date -u +%F), list $list ($(wc -l <"$list") projects), --platform $platform"
echo
echo "| | measured | required |"
echo "|---|---|---|"
echo "| cold wall time | $(wall cold) | <= 4 min |"
echo "| cold peak memory | $(peak cold) | <= 400 MB |"
echo "| cold fetched | $(stats cold) | wheel bytes <= 50 % |"
echo "| warm wall time (--index-max-age 1h) | $(wall warm) | <= 10 s |"
echo "| warm peak memory | $(peak warm) | |"
echo "| warm fetched | $(stats warm) | |"
echo "| the page for $releases releases | $(mb "$page") | <= 3 MB |"
echo "| cache | $(mb "$cache_bytes") ($(mb "$(du -sb "$cache"/index-pages-* | awk '{ s += $1 } END { print s + 0 }')") of index pages) | <= 100 MB |"
echo
sed -n '/^Summary/,/^  qualify for PEP 803/p' "$work/summary.txt"
grep '^  no wheel for the filters' "$work/summary.txt" || true
