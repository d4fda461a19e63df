#!/usr/bin/env python3
"""Check `uniabi tags --json` against the `packaging` library (26.3).

Usage: tags_oracle.py PATH/TO/uniabi

For every generated tag set and every interpreter uniabi reports, packaging
builds the interpreter's supported tags the way `packaging.tags.sys_tags`
does on a CPython host:

    cpython_tags((3, Y), abis=["cp3Y" or "cp3Yt"], platforms=P)
    + compatible_tags((3, Y), interpreter="cp3Y", platforms=P)

(`sys_tags` passes `interpreter_version()`, which is "3Y" on free-threaded
builds too; `cpython_tags` itself switches to abi3t when the ABI carries `t`.)
P is the set's own concrete platforms in written order: uniabi assumes the
interpreter runs on the tag's platform. `any` is never in P, because
`platform_tags()` never yields it on a real host; a set whose only platform
is `any` gets a placeholder platform no tag uses, since packaging falls back
to the host's platforms for an empty list.

Checked, per tag set:
  1. uniabi's expanded tags == packaging.tags.parse_tag(set);
  2. per interpreter: `installs` and `matched_tag` == the first tag of the
     supported list that is in the set (None if none);
  3. per interpreter: when the set holds no abiYYYY tag, the PEP 809 columns
     equal today's (the prototype only adds abi2026 tags);
  4. `dead_tags` == the tags no CPython 3 interpreter accepts, over 3.0-3.40,
     GIL and free-threaded (3.13+), debug and not, with pymalloc (`m`, < 3.8)
     and wide unicode (`u`, < 3.3) variants, built with `cpython_tags(abis=...)`
     as `_cpython_abis` would list them for such a build.

Deliberate disagreements: none. (PEP 809 `abi2026` acceptance is not
checked against packaging, which has no notion of it; check 3 covers the rest
of that column.)
"""

import json
import random
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import packaging
from packaging.tags import compatible_tags, cpython_tags, parse_tag
from packaging.utils import parse_wheel_filename

EXPECTED_PACKAGING = "26.3"
PLACEHOLDER_PLATFORM = "uniabi_oracle_placeholder_platform"
ROOT = Path(__file__).resolve().parents[2]


def generate_tag_sets():
    """Deterministic tag sets: every single pair on a few platforms, curated
    compressed sets, and seeded random compressed sets."""
    pythons = [
        "cp31", "cp32", "cp36", "cp37", "cp310", "cp313", "cp314", "cp315",
        "cp316", "cp317", "cp3", "cp313t", "cp315t", "py3", "py30", "py39",
        "py313", "py315", "py317", "py2", "pp310",
    ]
    abis = [
        "none", "abi3", "abi3t", "abi2026", "abi2031", "cp310", "cp313",
        "cp313t", "cp314", "cp314t", "cp315", "cp315t", "cp316t", "cp312t",
        "cp37m", "cp37", "cp38m", "cp313d", "cp313td", "pypy310_pp73",
    ]
    platforms = [
        "manylinux_2_28_x86_64", "win_amd64", "macosx_11_0_arm64", "any",
        "musllinux_1_2_aarch64",
    ]
    sets = []
    # Every (python, abi) pair, rotating through the platforms.
    i = 0
    for py in pythons:
        for abi in abis:
            sets.append(f"{py}-{abi}-{platforms[i % len(platforms)]}")
            i += 1
    curated = [
        "cp313-abi3.abi3t-manylinux_2_28_x86_64",
        "cp313-abi3.abi3t-macosx_10_15_universal2",
        "cp315-abi3.abi3t-manylinux_2_28_x86_64",
        "cp316-abi3.abi3t-win_amd64",
        "cp315-abi3t-manylinux_2_28_x86_64",
        "cp314-abi3t-win_amd64",
        "cp312-abi3t-win_amd64",
        "cp32-abi3t-win_amd64",
        "cp315t-abi3t-manylinux_2_28_x86_64",
        "cp315t-abi3.abi3t-manylinux_2_28_x86_64",
        "cp313.cp314-cp313t.cp314t-manylinux_2_28_x86_64",
        "cp313.cp314-cp313.cp313t.cp314.cp314t-win_amd64",
        "cp313-cp313.cp313t-win_amd64",
        "cp314-cp314.cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64",
        "cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64",
        "cp39.cp310.cp311-abi3-win_amd64",
        "cp310-abi3.none-win_amd64",
        "cp315-abi2026-manylinux_2_28_x86_64",
        "cp315-abi3.abi3t.abi2026-manylinux_2_28_x86_64",
        "py3-abi2026-manylinux_2_28_x86_64",
        "py3-none-any",
        "py2.py3-none-any",
        "py313-none-any",
        "py313-none-manylinux_2_28_x86_64",
        "py3-none-manylinux_2_28_x86_64.any",
        "py3-none-any.win_amd64",
        "cp313-none-any",
        "cp313-none-win_amd64",
        "cp313-none-any.win_amd64",
        "cp313-abi3-any",
        "cp313-cp313-any",
        "cp3-abi3-manylinux_2_28_x86_64",
        "cp3-none-any",
        "py3.cp313-none.abi3-any.linux_x86_64",
        "cp310.cp311.cp312.cp313.cp314.cp315.cp316-cp310.cp311.cp312.cp313.cp313t.cp314.cp314t.cp315.cp315t.cp316.cp316t-linux_x86_64",
        "cp313.py3-abi3.abi3t.none-win_amd64.win32.win_arm64",
        "pp310-pypy310_pp73-manylinux_2_28_x86_64",
        "cp37-cp37m-manylinux_2_28_x86_64",
        "cp38-cp38d-win_amd64",
        "cp313-cp313td-win_amd64",
    ]
    sets.extend(curated)
    rng = random.Random(20261101)
    for _ in range(120):
        n = lambda: rng.choice([1, 1, 2, 2, 3])
        py = sorted(set(rng.sample(pythons, n())))
        ab = sorted(set(rng.sample(abis, n())))
        pl = sorted(set(rng.sample(platforms, rng.choice([1, 1, 2]))))
        sets.append(f"{'.'.join(py)}-{'.'.join(ab)}-{'.'.join(pl)}")
    sample_wheels = sorted(str(p) for p in (ROOT / "samples").glob("*.whl"))
    # Unique, keeping first occurrence.
    seen = set()
    out = []
    for s in sets + sample_wheels:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def set_parts(inp):
    """(frozenset of packaging Tags, platforms in written order) for an input."""
    if inp.endswith(".whl"):
        name = Path(inp).name
        tags = parse_wheel_filename(name)[3]
        platform_field = name[: -len(".whl")].split("-")[-1]
    else:
        tags = parse_tag(inp)
        platform_field = inp.split("-")[2]
    return tags, platform_field.split(".")


def concrete(platforms):
    plats = [p for p in dict.fromkeys(platforms) if p != "any"]
    return tuple(plats) or (PLACEHOLDER_PLATFORM,)


@lru_cache(maxsize=None)
def supported(minor, abis, plats):
    """The ordered supported list of a CPython 3.minor with these ABIs on these platforms."""
    return list(cpython_tags((3, minor), abis=list(abis), platforms=list(plats))) + list(
        compatible_tags((3, minor), interpreter=f"cp3{minor}", platforms=list(plats))
    )


def first_supported(minor, free_threaded, tags, platforms):
    abi = f"cp3{minor}" + ("t" if free_threaded else "")
    for tag in supported(minor, (abi,), concrete(platforms)):
        if tag in tags:
            return str(tag)
    return None


def universe_builds():
    """(minor, abis) for every CPython 3 build packaging can describe, as
    `_cpython_abis` lists the ABIs of such a build."""
    builds = []
    for minor in range(0, 41):
        threads = ["", "t"] if minor >= 13 else [""]
        for t in threads:
            if minor >= 8:
                builds.append((minor, (f"cp3{minor}{t}",)))
                builds.append((minor, (f"cp3{minor}{t}d", f"cp3{minor}{t}")))
            else:
                for m in ["", "m"]:
                    for u in (["", "u"] if minor < 3 else [""]):
                        builds.append((minor, (f"cp3{minor}{m}{u}",)))
                        builds.append((minor, (f"cp3{minor}d{m}{u}",)))
    return builds


UNIVERSE = universe_builds()


@lru_cache(maxsize=None)
def accepted_by_anyone(tag):
    plats = concrete([tag.platform])
    return any(tag in supported(minor, abis, plats) for minor, abis in UNIVERSE)


def run_uniabi(binary, inputs):
    reports = []
    chunk = 100
    for i in range(0, len(inputs), chunk):
        part = inputs[i : i + chunk]
        proc = subprocess.run(
            [binary, "tags", "--json", *part], capture_output=True, text=True
        )
        # 1: some input has a harmful dead tag (expected here); 2 would be a parse failure.
        if proc.returncode not in (0, 1):
            sys.exit(f"uniabi exited {proc.returncode} on {part!r}:\n{proc.stderr}")
        doc = json.loads(proc.stdout)
        if doc.get("schema") != "uniabi/tags/1":
            sys.exit(f"unexpected schema: {doc.get('schema')!r}")
        reports.extend(doc["inputs"])
    return reports


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tags_oracle.py PATH/TO/uniabi")
    if packaging.__version__ != EXPECTED_PACKAGING:
        sys.exit(f"expected packaging {EXPECTED_PACKAGING}, found {packaging.__version__}")
    inputs = generate_tag_sets()
    reports = run_uniabi(sys.argv[1], inputs)
    if [r["input"] for r in reports] != inputs:
        sys.exit("uniabi reported other inputs than it was given")

    expected_interps = [(f"3.{m}", False) for m in range(10, 17)]
    expected_interps += [(f"3.{m}t", True) for m in range(13, 17)]
    failures = []
    passed = 0
    checks = 0
    for inp, report in zip(inputs, reports):
        if report.get("error"):
            failures.append(f"{inp}: uniabi could not parse it: {report['error']}")
            continue
        tags, platforms = set_parts(inp)
        checks += 1
        if set(report["tags"]) != {str(t) for t in tags}:
            failures.append(
                f"{inp}: expansion differs: uniabi {sorted(report['tags'])}, "
                f"packaging {sorted(str(t) for t in tags)}"
            )
        else:
            passed += 1
        got_interps = sorted((r["python"], r["free_threaded"]) for r in report["interpreters"])
        if got_interps != sorted(expected_interps):
            failures.append(f"{inp}: unexpected interpreter list {got_interps}")
        has_year_abi = any(t.abi.startswith("abi2") for t in tags)
        for row in report["interpreters"]:
            minor = int(row["python"].split(".")[1].rstrip("t"))
            ft = row["free_threaded"]
            name = row["python"]
            want = first_supported(minor, ft, tags, platforms)
            checks += 1
            if (row["installs"], row["matched_tag"]) != (want is not None, want):
                failures.append(
                    f"{inp} on {name}: uniabi installs={row['installs']} via "
                    f"{row['matched_tag']}, packaging via {want}"
                )
            else:
                passed += 1
            if not has_year_abi:
                checks += 1
                pep809 = (row["installs_pep809"], row["matched_tag_pep809"])
                if pep809 != (row["installs"], row["matched_tag"]):
                    failures.append(
                        f"{inp} on {name}: PEP 809 column {pep809} differs from today's "
                        f"without any abiYYYY tag"
                    )
                else:
                    passed += 1
        # Not accepted by any CPython installer: dead CPython tags, and tags of other implementations.
        dead = {d["tag"] for d in report["dead_tags"]} | set(report["not_cpython"])
        for tag in sorted(tags, key=str):
            checks += 1
            alive = accepted_by_anyone(tag)
            if alive == (str(tag) in dead):
                failures.append(
                    f"{inp}: tag {tag}: uniabi says {'dead' if str(tag) in dead else 'alive'}, "
                    f"packaging says {'accepted' if alive else 'accepted by no CPython 3 build'}"
                )
            else:
                passed += 1

    n_rows = sum(len(r["interpreters"]) for r in reports)
    print(
        f"tags oracle: {len(inputs)} tag sets x {len(expected_interps)} interpreters "
        f"({n_rows} rows) against packaging {packaging.__version__}"
    )
    for f in failures:
        print(f"FAIL {f}")
    print(f"{passed} passed, {len(failures)} failed ({checks} checks)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
