#!/usr/bin/env bash
# The uniabi benchmark: one command, run from anywhere in a clone.
#
#   bash tests/bench/run.sh            # 1 warm-up + 5 measured runs per command
#   bash tests/bench/run.sh --quick    # 1 warm-up + 2 measured runs per command
#   bash tests/bench/run.sh --runs N   # 1 warm-up + N measured runs per command
#
# Needs: the Rust toolchain, python3 with venv/pip, unzip, GNU time (/usr/bin/time; installed
# with apt-get when missing and running as root), and network access to PyPI for the first run.
# Everything it makes lives under target/bench/: wheels/ (download cache, reused when complete),
# wheels.sha256, venv/, logs/, report.txt. See tests/bench/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

runs=5
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) runs=2 ;;
        --runs) runs="${2:?--runs needs a number}"; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

bench="$root/target/bench"
cache="$bench/wheels"
venv="$bench/venv"
list="$here/wheels.txt"
mkdir -p "$cache"

say() { printf '== %s\n' "$*" >&2; }

# ---- prerequisites ----------------------------------------------------------------
for tool in cargo python3 unzip sha256sum; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 2; }
done
if ! /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing GNU time (apt-get install time)"
        apt-get update -qq && apt-get install -y -qq time >/dev/null
    fi
    /usr/bin/time -f '%e %M' true >/dev/null 2>&1 || {
        echo "run.sh: GNU time is required at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2; exit 2; }
fi

# ---- venv with the two other tools, pinned ----------------------------------------
if ! "$venv/bin/python" -m pip freeze 2>/dev/null | sort | cmp -s - <(sort "$here/requirements.txt"); then
    say "creating $venv with the pinned abi3audit and abi3t-doctor (tests/bench/requirements.txt)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$here/requirements.txt"
fi

# ---- the wheel set ------------------------------------------------------------------
say "wheel set: $list -> $cache"
names=()
fetched=0
while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    name="$(awk -F' [|] ' '{print $1}' <<<"$line")"
    sha="$(awk -F' [|] ' '{print $2}' <<<"$line")"
    args="$(awk -F' [|] ' '{print $3}' <<<"$line")"
    names+=("$name")
    if [ -f "$cache/$name" ] && [ "$(sha256sum "$cache/$name" | cut -d' ' -f1)" = "$sha" ]; then
        continue
    fi
    tmp="$(mktemp -d "$bench/dl.XXXXXX")"
    # shellcheck disable=SC2086  # args is a list of pip options, split on purpose
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
        --only-binary=:all: --implementation cp $args -d "$tmp" >&2
    got="$(ls "$tmp")"
    if [ "$got" != "$name" ]; then
        echo "run.sh: 'pip download $args' gave '$got', expected '$name'" >&2; rm -rf "$tmp"; exit 1
    fi
    if [ "$(sha256sum "$tmp/$name" | cut -d' ' -f1)" != "$sha" ]; then
        echo "run.sh: $name does not match its pinned sha256 $sha" >&2; rm -rf "$tmp"; exit 1
    fi
    mv "$tmp/$name" "$cache/$name"
    rmdir "$tmp"
    fetched=$((fetched + 1))
done < "$list"
(cd "$cache" && sha256sum "${names[@]}") > "$bench/wheels.sha256"
say "${#names[@]} wheels ($fetched downloaded now, the rest from the cache); sha256 in $bench/wheels.sha256:"
cat "$bench/wheels.sha256" >&2

# ---- uniabi -------------------------------------------------------------------------
say "cargo build --release"
cargo build --release --quiet
uniabi="${CARGO_TARGET_DIR:-$root/target}/release/uniabi"

# ---- measure ------------------------------------------------------------------------
python3 "$here/measure.py" --wheels "$list" --cache "$cache" --uniabi "$uniabi" \
    --venv "$venv" --work "$bench" --runs "$runs" --sha256 "$bench/wheels.sha256"
echo "report written to $bench/report.txt"
