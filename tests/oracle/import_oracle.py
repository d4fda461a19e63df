#!/usr/bin/env python3
"""Check `uniabi verify --json` (schema uniabi/verify/1) against a real CPython 3.15.

Usage: import_oracle.py --uniabi BIN --cpython-root ROOT [--site DIR ...] [--] [WHEEL|DIR ...]

ROOT is an unpacked Debian root holding usr/bin/python3.15 and every library it
needs; the interpreter is started through ROOT's own ld-linux-x86-64.so.2 with
--library-path and PYTHONHOME, so nothing of the host's Python is involved.
Each --site directory holds packages modules import at init (cffi's
_cffi_backend for cffi modules); it goes last on sys.path, where
site-packages would be.

Checked:
  1. the interpreter's importlib.machinery.EXTENSION_SUFFIXES equals what
     specs/suffixes.toml lists for a GIL 3.15 on x86_64 Linux (and the
     interpreter is that: 3.15, GIL, multiarch x86_64-linux-gnu);
  2. for every Linux x86_64 (glibc) wheel in samples/ and in the arguments
     (directories are searched for *.whl), unpacked as an installer would lay
     it out, and for every row of verify with python "3.15", free_threaded
     false, platform x86_64-linux-gnu: the file importlib.util.find_spec picks
     (the unpacked wheel first on sys.path) equals the row's `file`, and
     whether ExtensionFileLoader loads it (in a subprocess of its own, so a
     crash is an answer) equals the row's `loads`.

A load that fails for a reason that says nothing about the ABI (a shared
library the host lacks, a glibc symbol version, a Python package the module
imports at init and no --site holds, when the file dlopens with RTLD_NOW and
exports its hook) cannot confirm or refute `loads`: it is reported as
inconclusive with the interpreter's message, not counted as passed or failed.
Wheels whose tags do not admit 3.15 are skipped and counted.

Self-check: so that a blind interpreter cannot pass, each run also judges
three wheels it makes from the psutil abi3 sample, each of which must fail to
load on 3.15 for both verify and the interpreter: the .abi3.so replaced by the
cp313t build (an undefined free-threaded symbol), renamed to a
.cpython-313-…so (no file 3.15 tries), and renamed to another module (no hook).

Exit status: 0 when every compared row agrees, 1 on any disagreement or when
nothing could be compared, 2 when the oracle itself cannot run.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().with_name("import_probe.py")
MARK = "@@import-oracle "
PYTHON = "3.15"
VERSION = (3, 15)
MULTIARCH = "x86_64-linux-gnu"
LINUX_X86_64 = re.compile(r"^(manylinux\d+|manylinux_\d+_\d+|linux)_x86_64$")
DATA_DIR = re.compile(r"^[^/]+\.data/(purelib|platlib)/")
PROBE_TIMEOUT = 120


class OracleError(Exception):
    """The oracle itself cannot run (not a disagreement)."""


class Interpreter:
    def __init__(self, root: Path):
        root = root.resolve()
        self.root = root
        libdir = root / "usr/lib/x86_64-linux-gnu"
        self.command = [
            str(libdir / "ld-linux-x86-64.so.2"),
            "--library-path",
            str(libdir),
            str(root / "usr/bin/python3.15"),
            "-S",
            "-s",
            "-X",
            "faulthandler",
        ]
        self.env = {
            "PYTHONHOME": str(root / "usr"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C.UTF-8",
        }

    def run(self, args, cwd=None, timeout=PROBE_TIMEOUT):
        return subprocess.run(
            self.command + args,
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )


def expected_suffixes():
    try:
        import tomllib
    except ModuleNotFoundError as e:
        found = sys.version.split()[0]
        raise OracleError(f"reading specs/suffixes.toml needs Python 3.11 or newer (tomllib), not {found}") from e
    with open(ROOT / "specs/suffixes.toml", "rb") as f:
        table = tomllib.load(f)["table"]

    def version(text):
        return tuple(int(x) for x in text.split("."))

    entries = [
        e for e in table if e["os"] == "unix" and e["build"] == "gil" and version(e["since"]) <= VERSION
    ]
    if not entries:
        raise OracleError("specs/suffixes.toml has no unix GIL entry for 3.15")
    entry = max(entries, key=lambda e: version(e["since"]))
    xy = f"{VERSION[0]}{VERSION[1]}"
    return [s.replace("{XY}", xy).replace("{platform}", MULTIARCH) for s in entry["suffixes"]]


def check_interpreter(interp):
    """Returns the list of problems (empty when the interpreter is the expected one)."""
    code = (
        "import importlib.machinery, json, sys, sysconfig\n"
        "print(json.dumps({'version': list(sys.version_info[:2]), 'full': sys.version,"
        " 'gil_disabled': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
        " 'multiarch': getattr(sys.implementation, '_multiarch', None),"
        " 'suffixes': importlib.machinery.EXTENSION_SUFFIXES}))"
    )
    try:
        done = interp.run(["-c", code], timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OracleError(f"cannot start {interp.command[3]}: {e}") from e
    if done.returncode != 0:
        raise OracleError(f"cannot start {interp.command[3]}: {done.stderr.strip() or done.returncode}")
    info = json.loads(done.stdout)
    print(f"interpreter: Python {info['full'].split()[0]} ({interp.root})")
    problems = []
    if tuple(info["version"]) != VERSION:
        problems.append(f"interpreter is {info['version']}, not 3.15")
    if info["gil_disabled"]:
        problems.append("interpreter is a free-threaded build, not the GIL build")
    if info["multiarch"] != MULTIARCH:
        problems.append(f"interpreter's multiarch is {info['multiarch']}, not {MULTIARCH}")
    expected = expected_suffixes()
    if info["suffixes"] != expected:
        problems.append(
            "EXTENSION_SUFFIXES disagree:\n"
            f"  python3.15:               {info['suffixes']}\n"
            f"  specs/suffixes.toml says: {expected}"
        )
    else:
        print(f"EXTENSION_SUFFIXES agree with specs/suffixes.toml: {', '.join(expected)}")
    return problems


def is_linux_x86_64(wheel: Path):
    stem = wheel.name[: -len(".whl")]
    parts = stem.split("-")
    if len(parts) not in (5, 6):
        return False
    return any(LINUX_X86_64.match(p) for p in parts[-1].split("."))


def gather(arguments):
    """The wheels to judge and the ones left out (not Linux x86_64)."""
    found = sorted((ROOT / "samples").glob("*.whl"))
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            found.extend(sorted(path.rglob("*.whl")))
        elif path.is_file():
            found.append(path)
        else:
            raise OracleError(f"{arg}: no such wheel or directory")
    seen, wheels, other = set(), [], []
    for w in found:
        key = w.resolve()
        if key in seen:
            continue
        seen.add(key)
        (wheels if is_linux_x86_64(w) else other).append(w)
    return wheels, other


def verify(uniabi, wheels):
    done = subprocess.run(
        [uniabi, "verify", "--json", *map(str, wheels)], capture_output=True, text=True
    )
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise OracleError(f"uniabi verify --json printed no JSON (exit {done.returncode}): {done.stderr.strip()}") from e
    if doc.get("schema") != "uniabi/verify/1":
        raise OracleError(f"uniabi verify --json: schema {doc.get('schema')!r}, expected 'uniabi/verify/1'")
    if len(doc["inputs"]) != len(wheels):
        raise OracleError(f"uniabi verify --json: {len(doc['inputs'])} inputs for {len(wheels)} wheels")
    return doc["inputs"]


def unpack(wheel: Path, into: Path):
    """Lay the wheel out as an installer would: .data/purelib and platlib at the top."""
    with zipfile.ZipFile(wheel) as z:
        z.extractall(into)
    for data in into.glob("*.data"):
        for scheme in ("purelib", "platlib"):
            if (data / scheme).is_dir():
                shutil.copytree(data / scheme, into, dirs_exist_ok=True)


def installed_path(member):
    return DATA_DIR.sub("", member) if member else member


def classify(load):
    """'environment' when the failure says nothing about the ABI, else 'abi'."""
    error_type, error = load["error_type"], load["error"]
    missing = re.search(r"(\S+): cannot open shared object file", error)
    if missing:
        return "abi" if os.path.basename(missing.group(1)).startswith("libpython") else "environment"
    if re.search(r"version `GLIBC(XX)?_[0-9.]+' not found", error):
        return "environment"
    if error_type == "ModuleNotFoundError" and load["dlopen"] is None and load["hooks"]:
        return "environment"
    return "abi"


def probe(interp, tree, module, sites):
    """What the interpreter does with `module`: (origin, loader, loads, problem, kind)."""
    try:
        done = interp.run([str(PROBE), str(tree), module, *map(str, sites)], cwd=tree)
    except subprocess.TimeoutExpired:
        return None, None, False, f"timed out after {PROBE_TIMEOUT} s", "abi"
    except OSError as e:
        raise OracleError(f"cannot start {interp.command[3]}: {e}") from e
    lines = [json.loads(line[len(MARK) :]) for line in done.stdout.splitlines() if line.startswith(MARK)]
    spec = next((x for x in lines if x["stage"] == "spec"), None)
    load = next((x for x in lines if x["stage"] == "load"), None)
    if spec is None:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise OracleError(f"the probe for {module} failed before find_spec: {tail[0]}")
    if spec["loader"] != "ExtensionFileLoader":
        why = spec["problem"] or f"{spec['loader']} picks it, not ExtensionFileLoader"
        return spec["origin"], spec["loader"], False, why, "abi"
    if load is None:
        if done.returncode < 0:
            name = signal.Signals(-done.returncode).name
            return spec["origin"], spec["loader"], False, f"the interpreter crashed ({name}) loading it", "abi"
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return spec["origin"], spec["loader"], False, f"the probe ended while loading: {tail[0]}", "abi"
    if load["loads"]:
        return spec["origin"], spec["loader"], True, None, None
    problem = f"{load['error_type']}: {load['error']}"
    if load["dlopen"] is None:
        problem += f" (it dlopens with RTLD_NOW and exports {', '.join(load['hooks']) or 'no hook'})"
    else:
        problem += f" (dlopen alone: {load['dlopen']})"
    return spec["origin"], spec["loader"], False, problem, classify(load)


SELF_CHECK_BASE = "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
SELF_CHECK_FT = "psutil-7.1.2-cp313-cp313t-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
MODULE_SO = "psutil/_psutil_linux.abi3.so"


def self_check_wheels(into: Path):
    """Wheels no 3.15 can load a module of, made from the psutil samples."""
    base = ROOT / "samples" / SELF_CHECK_BASE
    with zipfile.ZipFile(ROOT / "samples" / SELF_CHECK_FT) as z:
        ft_so = z.read("psutil/_psutil_linux.cpython-313t-x86_64-linux-gnu.so")
    changes = {
        "free-threaded-build": lambda name, data: (name, ft_so if name == MODULE_SO else data),
        "cpython-313-only": lambda name, data: (
            name.replace(".abi3.so", ".cpython-313-x86_64-linux-gnu.so") if name == MODULE_SO else name,
            data,
        ),
        "no-hook": lambda name, data: (
            name.replace("_psutil_linux", "_no_hook") if name == MODULE_SO else name,
            data,
        ),
    }
    out = []
    with zipfile.ZipFile(base) as src:
        for label, change in changes.items():
            (into / label).mkdir(parents=True)
            path = into / label / SELF_CHECK_BASE
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    name, data = change(info.filename, src.read(info))
                    dst.writestr(name, data)
            out.append(path)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uniabi", required=True)
    parser.add_argument("--cpython-root", required=True, type=Path)
    parser.add_argument("--site", action="append", default=[], type=Path)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    args.site = [site.resolve() for site in args.site]

    interp = Interpreter(args.cpython_root)
    failures = check_interpreter(interp)
    for problem in failures:
        print(f"FAIL {problem}")

    wheels, other = gather(args.paths)
    if other:
        print(f"left out (not Linux x86_64): {len(other)} wheels")
    if not wheels:
        raise OracleError("no Linux x86_64 wheels to judge")

    passed, failed, inconclusive = 0, len(failures), 0
    skipped_wheels = skipped_rows = judged_wheels = 0
    with tempfile.TemporaryDirectory(prefix="uniabi-import-oracle-") as tmp:
        doctored = self_check_wheels(Path(tmp) / "self-check")
        wheels = doctored + wheels
        inputs = verify(args.uniabi, wheels)
        for n, (wheel, result) in enumerate(zip(wheels, inputs)):
            label = f"self-check {wheel.parent.name}" if wheel in doctored else wheel.name
            if result["path"] != str(wheel):
                raise OracleError(f"uniabi verify --json answered for {result['path']} where {wheel} was asked")
            if result.get("error"):
                print(f"FAIL {label}: uniabi verify could not judge it: {result['error']}")
                failed += 1
                continue
            if PYTHON not in result["admitted"]:
                skipped_wheels += 1
                skipped_rows += len({r["module"] for r in result["resolutions"]})
                print(f"skip {label}: its tags do not admit 3.15 (admitted: {', '.join(result['admitted']) or 'none'})")
                continue
            rows = [
                r
                for r in result["resolutions"]
                if r["python"] == PYTHON and not r["free_threaded"] and r["platform"] == MULTIARCH
            ]
            judged_wheels += 1
            tree = Path(tmp) / str(n)
            tree.mkdir()
            unpack(wheel, tree)
            agree = 0
            for row in rows:
                want_file = installed_path(row["file"])
                origin, loader, loads, problem, kind = probe(interp, tree, row["module"], args.site)
                where = f"{label}: {row['module']}"
                if wheel in doctored and loads:
                    failed += 1
                    print(f"FAIL {where}: python3.15 loads {origin}, which no 3.15 can load; the oracle is blind")
                elif origin != want_file or (loads != row["loads"] and kind != "environment"):
                    failed += 1
                    print(f"FAIL {where}")
                    print(f"  uniabi verify: picks {want_file}, loads {str(row['loads']).lower()}"
                          + (f" ({row['problem']})" if row["problem"] else ""))
                    print(f"  python3.15:    picks {origin} ({loader}), loads {str(loads).lower()}"
                          + (f" ({problem})" if problem else ""))
                elif kind == "environment":
                    inconclusive += 1
                    print(f"INCONCLUSIVE {where}: picks {origin} as verify says; loading failed for a reason"
                          f" that says nothing about the ABI, so `loads` ({str(row['loads']).lower()}) is unchecked:")
                    print(f"  {problem}")
                else:
                    passed += 1
                    agree += 1
            if wheel in doctored and not rows:
                failed += 1
                print(f"FAIL {label}: uniabi verify has no 3.15 row to check")
            print(f"{label}: {agree} of {len(rows)} modules agree")
            shutil.rmtree(tree, ignore_errors=True)

    print(
        f"skipped: {skipped_wheels} wheels ({skipped_rows} modules) not admitted by 3.15;"
        f" judged: {judged_wheels} wheels ({len(doctored)} of them made for the self-check);"
        f" inconclusive: {inconclusive} rows"
    )
    print(f"import oracle: {passed} passed, {failed} failed")
    if failed:
        return 1
    if passed == 0:
        print("import oracle: no row could be compared")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OracleError as e:
        print(f"import oracle: {e}", file=sys.stderr)
        sys.exit(2)
