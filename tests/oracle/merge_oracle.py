#!/usr/bin/env python3
"""Check `uniabi merge` against pip's wheel selection (pip 26.1 or newer).

Usage: merge_oracle.py PATH/TO/uniabi

For each case below, the inputs are merged with `uniabi merge --json` into a
temporary directory. Then, for every interpreter 3.10-3.16 and 3.13t-3.16t
and every platform tag of the output, pip is asked to fetch the project from
a directory holding only that output:

    pip download --no-index --find-links DIR --only-binary=:all: --no-deps
        --python-version 3.Y --implementation cp --abi cp3Y[t]
        --platform PLAT NAME==VERSION -d TMP

(`--abi cp3Yt` is how a free-threaded interpreter is named: pip then builds
`packaging.tags.cpython_tags` for that ABI, which offers `abi3t` instead of
`abi3`; no extra `--abi` is needed.)

Checked, per output:
  1. pip fetches it for exactly the interpreters uniabi says its name admits;
  2. for a fat output: pip fetches it for exactly the interpreters it fetches
     one of the inputs for (from a directory holding the inputs), i.e. the
     merge serves the interpreters the inputs served, no fewer and no more.

Prints `N passed, M failed` and exits non-zero on any failure.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
LINUX = "manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64"

INTERPRETERS = [f"3.{m}" for m in range(10, 17)] + [f"3.{m}t" for m in range(13, 17)]

# (label, input file names, extra merge arguments)
CASES = [
    (
        "psutil manylinux cp313t + cp314t (fat)",
        [f"psutil-7.1.2-cp313-cp313t-{LINUX}.whl", f"psutil-7.1.2-cp314-cp314t-{LINUX}.whl"],
        ["--scheme", "fat"],
    ),
    (
        "psutil manylinux abi3 + cp313t + cp314t (fat)",
        [
            f"psutil-7.1.2-cp36-abi3-{LINUX}.whl",
            f"psutil-7.1.2-cp313-cp313t-{LINUX}.whl",
            f"psutil-7.1.2-cp314-cp314t-{LINUX}.whl",
        ],
        ["--metadata-from", f"psutil-7.1.2-cp313-cp313t-{LINUX}.whl"],
    ),
    (
        "psutil win_amd64 cp37-abi3 + cp313t (fat)",
        ["psutil-7.1.2-cp37-abi3-win_amd64.whl", "psutil-7.1.2-cp313-cp313t-win_amd64.whl"],
        ["--metadata-from", "psutil-7.1.2-cp313-cp313t-win_amd64.whl"],
    ),
    (
        "universal demo manylinux (pep803)",
        ["abi3_abi3t_universal-0.2-cp313-abi3.abi3t-manylinux1_x86_64.manylinux_2_5_x86_64.whl"],
        ["--scheme", "pep803"],
    ),
]


def pip_fetches(python: Path, find_links: Path, project: str, interp: str, platform: str, scratch: Path) -> bool:
    version = interp.rstrip("t")
    abi = "cp" + version.replace(".", "") + ("t" if interp.endswith("t") else "")
    dest = Path(tempfile.mkdtemp(dir=scratch))
    cmd = [
        str(python), "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-index", "--find-links", str(find_links), "--only-binary=:all:", "--no-deps",
        "--python-version", version, "--implementation", "cp", "--abi", abi,
        "--platform", platform, project, "-d", str(dest),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    fetched = done.returncode == 0 and any(dest.glob("*.whl"))
    shutil.rmtree(dest, ignore_errors=True)
    return fetched


def main() -> int:
    uniabi = sys.argv[1]
    python = Path(sys.executable)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="uniabi-merge-oracle-") as tmp:
        tmp = Path(tmp)
        for n, (label, files, extra) in enumerate(CASES):
            case = tmp / f"case{n}"
            inputs = case / "inputs"
            inputs.mkdir(parents=True)
            for f in files:
                shutil.copy(SAMPLES / f, inputs / f)
            out = case / "out"
            merged = subprocess.run(
                [uniabi, "merge", "--json", "-o", str(out), *[str(inputs / f) for f in files], *extra],
                capture_output=True,
                text=True,
            )
            if merged.returncode != 0:
                print(f"FAIL {label}: uniabi merge exited {merged.returncode}: {merged.stderr.strip()}")
                failed += 1
                continue
            report = json.loads(merged.stdout)
            for output in report["outputs"]:
                path = Path(output["path"])
                name, version = path.name.split("-")[:2]
                project = f"{name}=={version}"
                alone = case / f"only-{path.stem}"
                alone.mkdir()
                shutil.copy(path, alone / path.name)
                platforms = path.stem.split("-")[-1].split(".")
                admitted = set(output["admitted"])
                jobs = [(i, p) for p in platforms for i in INTERPRETERS]
                with ThreadPoolExecutor(max_workers=4) as pool:
                    got = list(pool.map(lambda j: pip_fetches(python, alone, project, j[0], j[1], tmp), jobs))
                    want_inputs = None
                    if output["scheme"] == "fat":
                        want_inputs = list(
                            pool.map(lambda j: pip_fetches(python, inputs, project, j[0], j[1], tmp), jobs)
                        )
                for k, ((interp, platform), fetched) in enumerate(zip(jobs, got)):
                    problems = []
                    if fetched != (interp in admitted):
                        problems.append(
                            f"pip {'fetches' if fetched else 'refuses'} it, uniabi says the name "
                            f"{'admits' if interp in admitted else 'does not admit'} {interp}"
                        )
                    if want_inputs is not None and fetched != want_inputs[k]:
                        problems.append(
                            f"pip {'fetches' if fetched else 'refuses'} the merged wheel but "
                            f"{'fetches' if want_inputs[k] else 'refuses'} the inputs"
                        )
                    if problems:
                        failed += 1
                        print(f"FAIL {label}: {path.name} {interp} {platform}: {'; '.join(problems)}")
                    else:
                        passed += 1
                served = sorted({i for (i, _), ok in zip(jobs, got) if ok}, key=INTERPRETERS.index)
                print(f"{label}: {path.name}: pip fetches it for {', '.join(served) or 'nothing'}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
