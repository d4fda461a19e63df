#!/usr/bin/env bash
# Check `uniabi verify` against a real CPython 3.15 (GIL build): for every
# extension module of every Linux x86_64 wheel in samples/ (and of the wheels
# and directories given as arguments), the file importlib picks and whether
# ExtensionFileLoader loads it must equal verify's 3.15 row; the interpreter's
# EXTENSION_SUFFIXES must equal specs/suffixes.toml for GIL 3.15 on x86_64 Linux.
# Usage: tests/oracle/run-import-oracle.sh [WHEEL|DIR ...]
#
# The interpreter is Debian sid's python3.15 and the libraries it needs, fetched
# with `apt-get download` through a private apt configuration (the system's apt
# set-up is neither read for sources nor changed), unpacked with `dpkg -x` into
# a private root and started through that root's own ld-linux-x86-64.so.2 with
# PYTHONHOME set. Packages and root are cached under target/, so only the first
# run needs the network. cffi modules import _cffi_backend at init, so cffi's
# own cp315 wheel (pinned by hash) is fetched with pip and put where
# site-packages would be. No free-threaded 3.15 is packaged: that column of
# verify stays modelled.
#
# Environment:
#   UNIABI_BIN              the uniabi binary (default: build target/release/uniabi)
#   UNIABI_ORACLE_VENV      the venv the oracles share (default: target/oracle-venv)
#   UNIABI_ORACLE_CPYTHON   where packages and root are cached (default: target/oracle-cpython315)
#   UNIABI_ORACLE_MIRROR    the Debian mirror (default: http://deb.debian.org/debian)
#   PYTHON                  the Python that creates the venv (default: python3)
set -euo pipefail

args=("$@")
set --  # common.sh reads $1 as the binary; this script takes wheels instead
# shellcheck source=tests/oracle/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cache="${UNIABI_ORACLE_CPYTHON:-$root/target/oracle-cpython315}"
mirror="${UNIABI_ORACLE_MIRROR:-http://deb.debian.org/debian}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
packages=(python3.15-minimal libpython3.15-minimal libpython3.15-stdlib
  libc6 zlib1g libffi8 libexpat1 libzstd1 liblzma5 libbz2-1.0 libmpdec4 libssl3t64 libcrypt1)
# Packages modules of the samples import at init, for cp315 manylinux x86_64.
site_requirements='cffi==2.1.1 --hash=sha256:aeae0e330c9f6acd681f647d46cefd30c29f93e3392882e792e82080c9691399'
debs="$cache/debs"
site="$cache/site"
sysroot="$cache/root"
libdir="$sysroot/usr/lib/x86_64-linux-gnu"

die() {
  echo "import oracle: $*" >&2
  exit 1
}

# The first failed fetch of an apt log with its reason, else its last error.
last_error() {
  local err
  err="$(grep -m1 -A1 '^Err:' "$1" | tr -s ' \n' ' ')"
  [ -n "$err" ] || err="$(grep -E '^E:' "$1" | tail -1)"
  echo "${err:-$(tail -1 "$1")}"
}

have_all_debs() {
  local p
  for p in "${packages[@]}"; do
    compgen -G "$debs/${p}_*_amd64.deb" >/dev/null || return 1
  done
}

fetch_debs() {
  command -v apt-get >/dev/null && command -v dpkg >/dev/null \
    || die "cannot fetch CPython 3.15: apt-get and dpkg are needed (a Debian or Ubuntu host)"
  [ -r "$keyring" ] || die "cannot fetch CPython 3.15: $keyring is missing (apt-get install debian-archive-keyring)"
  local apt="$cache/apt"
  rm -rf "$apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$apt/preferences.d" "$apt/download"
  echo "deb [arch=amd64 signed-by=$keyring] $mirror sid main" >"$apt/sources.list"
  # A private configuration: only these sources, lists and caches, and none of
  # the hooks or index targets of /etc/apt/apt.conf.d. Of the host's settings
  # only the network ones are kept: proxies and its Release date checks.
  apt-config dump 2>/dev/null \
    | grep -E '^Acquire::(Check-Valid-Until|Check-Date|Max-ValidTime|[A-Za-z]+::Proxy)' >"$apt/apt.conf" || true
  cat >>"$apt/apt.conf" <<EOF
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "$apt/parts";
Dir::Etc::Parts "$apt/parts";
Dir::Etc::Preferences "$apt/preferences";
Dir::Etc::PreferencesParts "$apt/preferences.d";
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "/dev/null";
Dir::Cache "$apt/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
Debug::NoLocking "true";
EOF
  if [ "$(id -u)" = 0 ]; then
    echo 'APT::Sandbox::User "root";' >>"$apt/apt.conf"
  fi
  echo "import oracle: fetching CPython 3.15 from Debian sid ($mirror) into $debs" >&2
  APT_CONFIG="$apt/apt.conf" apt-get -q --error-on=any update >"$apt/update.log" 2>&1 \
    || die "cannot fetch CPython 3.15: apt-get update of Debian sid failed: $(last_error "$apt/update.log") (full log: $apt/update.log)"
  (cd "$apt/download" && APT_CONFIG="$apt/apt.conf" apt-get -q download "${packages[@]}") >"$apt/download.log" 2>&1 \
    || die "cannot fetch CPython 3.15: apt-get download failed: $(last_error "$apt/download.log") (full log: $apt/download.log)"
  mkdir -p "$debs"
  rm -f "$debs"/*.deb
  mv "$apt/download"/*.deb "$debs/"
}

unpack_root() {
  rm -rf "$sysroot.new"
  mkdir -p "$sysroot.new"
  local deb
  for deb in "$debs"/*.deb; do
    dpkg -x "$deb" "$sysroot.new" || die "cannot unpack $deb"
  done
  rm -rf "$sysroot"
  mv "$sysroot.new" "$sysroot"
  (cd "$debs" && ls -1 ./*.deb) >"$sysroot/.debs"
}

fetch_site() {
  rm -rf "$site" "$site.new" "$cache/site-wheels"
  mkdir -p "$cache/site-wheels"
  echo "$site_requirements" >"$cache/site-requirements.txt"
  "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --implementation cp --python-version 3.15 --abi cp315 --platform manylinux2014_x86_64 \
    --require-hashes -r "$cache/site-requirements.txt" -d "$cache/site-wheels" \
    || die "cannot fetch the cp315 wheels modules need at init ($site_requirements) from PyPI"
  "$venv/bin/python" -c 'import sys, zipfile
for w in sys.argv[2:]:
    zipfile.ZipFile(w).extractall(sys.argv[1])' "$site.new" "$cache/site-wheels"/*.whl
  echo "$site_requirements" >"$site.new/.requirements"
  mv "$site.new" "$site"
}

have_all_debs || fetch_debs
if [ ! -x "$sysroot/usr/bin/python3.15" ] || ! (cd "$debs" && ls -1 ./*.deb) | cmp -s - "$sysroot/.debs"; then
  unpack_root
fi
[ "$(cat "$site/.requirements" 2>/dev/null)" = "$site_requirements" ] || fetch_site
[ -x "$libdir/ld-linux-x86-64.so.2" ] || die "$libdir/ld-linux-x86-64.so.2 is missing after unpacking $debs"

exec "$venv/bin/python" "$root/tests/oracle/import_oracle.py" \
  --uniabi "$bin" --cpython-root "$sysroot" --site "$site" -- "${args[@]}"
