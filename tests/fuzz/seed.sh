#!/usr/bin/env bash
# Seed every fuzz target's corpus from the samples: the wheels, the shared
# objects inside them, sample file names and tags, and the manifests.
# Usage: tests/fuzz/seed.sh   (writes tests/fuzz/corpus/<target>/, not committed)
set -euo pipefail
cd "$(dirname "$0")"
root=../..
corpus=corpus
mkdir -p "$corpus"/{binary_elf,binary_macho,binary_pe,binary_any,wheel,tags,manifest}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for whl in "$root"/samples/*.whl; do
  base=$(basename "$whl")
  cp "$whl" "$corpus/wheel/$base"
  printf '%s' "$base" >"$corpus/tags/name-$base"
  mkdir -p "$tmp/$base"
  python3 - "$whl" "$tmp/$base" <<'PY'
import sys, zipfile, os
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for i, info in enumerate(z.infolist()):
        n = info.filename
        if n.endswith('/WHEEL'):
            for line in z.read(info).decode().splitlines():
                if line.startswith('Tag:'):
                    open(os.path.join(out, f'tag-{i}-{line[4:].strip()}'), 'w').write(line[4:].strip())
        if n.endswith(('.so', '.pyd', '.dylib', '.dll')) or '.so.' in n:
            open(os.path.join(out, f'bin-{i}'), 'wb').write(z.read(info))
PY
  for f in "$tmp/$base"/tag-*; do
    [ -e "$f" ] && cp "$f" "$corpus/tags/$(basename "$f")"
  done
  for f in "$tmp/$base"/bin-*; do
    [ -e "$f" ] || continue
    name="$base-$(basename "$f")"
    cp "$f" "$corpus/binary_any/$name"
    case "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" in
      7f454c46) cp "$f" "$corpus/binary_elf/$name" ;;
      cafebabe|cffaedfe|cefaedfe) cp "$f" "$corpus/binary_macho/$name" ;;
      4d5a*) cp "$f" "$corpus/binary_pe/$name" ;;
    esac
  done
done
for t in py3-none-any cp313-abi3t-win_amd64 cp313.cp314-abi3.abi3t-macosx_11_0_universal2 \
  cp315-abi2026-manylinux_2_28_x86_64 'foo-1.0-1-py2.py3-none-any.whl'; do
  printf '%s' "$t" >"$corpus/tags/extra-$t"
done
# The first byte of a manifest input picks the manifest it replaces (0, 1, 2).
for i in 0 1 2; do
  file=$(echo stable_abi abi3t abi2026 | cut -d' ' -f$((i + 1)))
  { printf "\\x0$i"; cat "$root/specs/$file.toml"; } >"$corpus/manifest/$file"
done
for d in "$corpus"/*; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
