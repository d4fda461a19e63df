#!/bin/sh
# Regenerate the llvm golden files for every extension member of every sample
# wheel. Run from anywhere: sh tests/golden/llvm/make.sh
#
# Layout: <wheel file name without .whl>/<member path, "/" written as "__">.<what>
#   ELF:    .undefined  llvm-nm -D --undefined-only
#           .defined    llvm-nm -D --defined-only --extern-only
#   Mach-O: .<arch>.undefined  llvm-nm --arch=<arch> --undefined-only
#           .<arch>.defined    llvm-nm --arch=<arch> --defined-only --extern-only
#           .archs             llvm-lipo -archs (slice order)
#   PE:     .objdump    llvm-objdump -p (import and export tables)
#   WebAssembly: none (tests/binary.rs reads the sections itself)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tool() { command -v "$1" || command -v "$1-14" || { echo "missing $1" >&2; exit 2; }; }
nm=$(tool llvm-nm)
objdump=$(tool llvm-objdump)
lipo=$(tool llvm-lipo)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for wheel in "$root"/samples/*.whl; do
    stem=$(basename "$wheel" .whl)
    out="$here/$stem"
    rm -rf "$out" "$tmp/$stem"
    mkdir -p "$out" "$tmp/$stem"
    unzip -q -o "$wheel" -d "$tmp/$stem"
    (cd "$tmp/$stem" && find . -type f \( -name '*.so' -o -name '*.pyd' \) | sed 's|^\./||' | sort) |
    while read -r member; do
        file="$tmp/$stem/$member"
        name="$out/$(printf '%s' "$member" | sed 's|/|__|g')"
        case $(head -c 4 "$file" | od -An -tx1 | tr -d ' \n') in
            7f454c46)
                "$nm" -D --undefined-only "$file" > "$name.undefined"
                "$nm" -D --defined-only --extern-only "$file" > "$name.defined"
                ;;
            cafebabe|cafebabf|cffaedfe|cefaedfe|feedfacf|feedface)
                archs=$("$lipo" -archs "$file")
                echo "$archs" | tr ' ' '\n' | sed '/^$/d' > "$name.archs"
                for arch in $archs; do
                    "$nm" --arch="$arch" --undefined-only "$file" > "$name.$arch.undefined"
                    "$nm" --arch="$arch" --defined-only --extern-only "$file" > "$name.$arch.defined"
                done
                ;;
            4d5a*)
                "$objdump" -p "$file" | sed "s|$tmp/$stem/||" > "$name.objdump"
                ;;
            0061736d)
                # WebAssembly: llvm 14 lists no imports of an Emscripten side module;
                # tests/binary.rs walks its import and export sections itself.
                ;;
            *)
                echo "unknown format: $stem/$member" >&2
                exit 1
                ;;
        esac
    done
done
