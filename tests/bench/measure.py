#!/usr/bin/env python3
"""Measure uniabi against abi3t-doctor, abi3audit, `unzip -p` and `cp` on one wheel set.

Called by tests/bench/run.sh once the wheels, the venv and the release build are in place.
Every command is run as a whole process under GNU time (`/usr/bin/time -f '%e %M'`: wall
seconds and peak resident set size in KiB of the largest process it waited for), once to
warm up and then RUNS times; the table shows the median wall time and the largest peak
RSS over the measured runs. Wall time is read with a monotonic clock around the
/usr/bin/time process, because %e only has 10 ms resolution; %e is kept in the logs.

A command that does not exist, or exits with a code outside the ones that mean
"ran and judged the inputs", is reported as not available with its exit code and the
first line of its error output. It is run once (the warm-up) and never given a number.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

GNU_TIME = "/usr/bin/time"


@dataclass
class Wheel:
    name: str
    sha256: str
    pip_args: str
    group: str


def read_wheel_list(path: Path) -> list[Wheel]:
    wheels = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(" | ")]
        if len(fields) not in (3, 4):
            sys.exit(f"{path}: malformed line: {raw}")
        wheels.append(Wheel(fields[0], fields[1], fields[2], fields[3] if len(fields) == 4 else ""))
    return wheels


@dataclass
class Result:
    label: str
    ok: bool = False
    exit_code: int | None = None
    reason: str = ""
    walls: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kib) * 1024 / 1e6


@dataclass
class Command:
    label: str
    argv: list[str]
    ok_codes: tuple[int, ...]
    #: Called before each run; returns a directory to remove afterwards (or None).
    prepare: object = None
    #: Called after each successful run with the prepared directory; returns an error or "".
    verify: object = None
    #: Output text that marks a failed run even with an accepted exit code.
    failure_markers: tuple[str, ...] = ()


def run_once(cmd: Command, logdir: Path, tag: str, env: dict[str, str]) -> tuple[int, float, int, str]:
    """Run one command under GNU time; return (exit code, wall s, peak KiB, error text)."""
    scratch = cmd.prepare() if cmd.prepare else None
    argv = [a.replace("@OUT@", str(scratch)) if scratch else a for a in cmd.argv]
    slug = cmd.label.replace(" ", "_").replace("/", "_")
    out = logdir / f"{slug}.{tag}.stdout"
    err = logdir / f"{slug}.{tag}.stderr"
    tfile = logdir / f"{slug}.{tag}.time"
    with out.open("wb") as fo, err.open("wb") as fe:
        start = time.perf_counter()
        proc = subprocess.run(
            [GNU_TIME, "-f", "%e %M", "-o", str(tfile), *argv],
            stdout=fo, stderr=fe, env=env,
        )
        elapsed = time.perf_counter() - start
    code = proc.returncode
    wall, rss = float("nan"), 0
    try:
        last = tfile.read_text().strip().splitlines()[-1].split()
        gnu_wall, rss = float(last[0]), int(last[1])
        # GNU time's %e has 10 ms resolution, too coarse for the fast rows; the clock read
        # around the same process (which includes starting /usr/bin/time, about 1 ms) is
        # used instead. %e stays in the .time log for comparison.
        wall = elapsed if gnu_wall >= 0 else float("nan")
    except (OSError, IndexError, ValueError):
        pass
    error = ""
    text = err.read_text(errors="replace") + out.read_text(errors="replace")
    if code not in cmd.ok_codes:
        first = next((l.strip() for l in err.read_text(errors="replace").splitlines() if l.strip()), "")
        error = first or "(no error output)"
        if len(error) > 160:  # keep the start (what failed) and the end (why)
            error = error[:70] + " ... " + error[-85:]
    elif any(m in text for m in cmd.failure_markers):
        marker = next(m for m in cmd.failure_markers if m in text)
        error = f"output says '{marker}'"
    elif cmd.verify and scratch is not None:
        error = cmd.verify(scratch)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    return code, wall, rss, error


def measure(cmd: Command, runs: int, logdir: Path, env: dict[str, str]) -> Result:
    res = Result(cmd.label)
    exe = cmd.argv[0]
    if os.sep in exe and not os.access(exe, os.X_OK):
        res.reason = f"{exe} not found"
        print(f"  {cmd.label}: not available ({res.reason})", flush=True)
        return res
    code, _, _, error = run_once(cmd, logdir, "warmup", env)
    res.exit_code = code
    if error:
        res.reason = error
        print(f"  {cmd.label}: not available (exit {code}: {error})", flush=True)
        return res
    for i in range(runs):
        code, wall, rss, error = run_once(cmd, logdir, f"run{i + 1}", env)
        if error or wall != wall:
            res.exit_code = code
            res.reason = error or "GNU time reported nothing"
            res.walls.clear()
            print(f"  {cmd.label}: failed on run {i + 1} (exit {code}: {res.reason})", flush=True)
            return res
        res.walls.append(wall)
        res.rss_kib.append(rss)
    res.ok = True
    print(f"  {cmd.label}: median {res.wall:.3f} s over {runs} runs, exit {code}, "
          f"peak {res.peak_mb:.1f} MB", flush=True)
    return res


def machine_line() -> str:
    model = "unknown CPU"
    mem = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, {mem} memory, {platform.system()} {platform.release()}"


def version_of(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheels", type=Path, required=True, help="tests/bench/wheels.txt")
    ap.add_argument("--cache", type=Path, required=True, help="directory holding the wheels")
    ap.add_argument("--uniabi", type=Path, required=True)
    ap.add_argument("--venv", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True, help="scratch and log directory")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sha256", type=Path, help="sha256sum list of the wheels, appended to the report")
    args = ap.parse_args()

    wheels = read_wheel_list(args.wheels)
    paths = [str(args.cache / w.name) for w in wheels]
    groups: dict[str, list[str]] = {}
    for w in wheels:
        if w.group:
            groups.setdefault(w.group, []).append(str(args.cache / w.name))
    total_bytes = sum(Path(p).stat().st_size for p in paths)

    logdir = args.work / "logs"
    shutil.rmtree(logdir, ignore_errors=True)
    logdir.mkdir(parents=True)
    scratch_root = args.work / "scratch"
    scratch_root.mkdir(parents=True, exist_ok=True)

    env = dict(os.environ)
    env["COLUMNS"] = "200"  # rich (abi3audit) wraps at 80 columns when not on a terminal
    env["NO_COLOR"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    uniabi = str(args.uniabi)
    doctor = str(args.venv / "bin" / "abi3t-doctor")
    audit = str(args.venv / "bin" / "abi3audit")

    def fresh_groups() -> Path:
        d = Path(tempfile.mkdtemp(prefix="out-", dir=scratch_root))
        for g in groups:
            (d / g).mkdir()
        return d

    def verify_merge(d: Path) -> str:
        empty = [g for g in groups if not any((d / g).glob("*.whl"))]
        return f"exit 0 but wrote no wheel for {', '.join(empty)}" if empty else ""

    def verify_copy(d: Path) -> str:
        n = sum(1 for g in groups for _ in (d / g).glob("*.whl"))
        want = sum(len(v) for v in groups.values())
        return "" if n == want else f"copied {n} of {want} files"

    # One sh process runs the per-wheel or per-group loop, for the floor and the two
    # merge-side commands alike; GNU time's peak RSS is then the largest child's.
    unzip_loop = (
        'for w; do unzip -p "$w" "*.so" "*.pyd" >/dev/null; rc=$?; '
        # 11 = "no file matched" for one of the two patterns (no .pyd in an ELF wheel)
        '[ $rc = 0 ] || [ $rc = 11 ] || exit $rc; done'
    )
    merge_script = []
    copy_script = []
    for g, members in groups.items():
        quoted = " ".join(f"'{m}'" for m in members)
        # The builds of one release may carry METADATA written by different setuptools
        # versions (psutil's do): take .dist-info from the last input of the group.
        newest = Path(members[-1]).name
        merge_script.append(f"'{uniabi}' merge --metadata-from '{newest}' {quoted} -o '@OUT@/{g}' || exit $?")
        copy_script.append(f"cp {quoted} '@OUT@/{g}/' || exit $?")

    commands = [
        Command("uniabi check", [uniabi, "check", *paths], (0, 1)),
        Command("abi3t-doctor wheel", [doctor, "wheel", *paths], (0, 1)),
        Command("abi3audit", [audit, *paths], (0, 1), failure_markers=("processing error",)),
        Command("uniabi inspect", [uniabi, "inspect", *paths], (0, 1)),
        Command("unzip -p floor", ["sh", "-c", unzip_loop, "sh", *paths], (0,)),
        Command("uniabi merge", ["sh", "-c", "\n".join(merge_script)], (0,),
                prepare=fresh_groups, verify=verify_merge),
        Command("cp inputs", ["sh", "-c", "\n".join(copy_script)], (0,),
                prepare=fresh_groups, verify=verify_copy),
    ]

    print(f"measuring {len(commands)} commands, 1 warm-up + {args.runs} runs each", flush=True)
    results = {c.label: measure(c, args.runs, logdir, env) for c in commands}

    # ---- report -------------------------------------------------------------------
    lines = []
    p = lines.append
    p("uniabi benchmark")
    p(machine_line())
    p(f"uniabi: {version_of([uniabi, '--version'])} ({args.uniabi}); "
      f"abi3t-doctor: {version_of([doctor, '--version'])}; "
      f"abi3audit: {version_of([audit, '--version'])}; "
      f"{version_of(['unzip', '-v'])}")
    merge_inputs = sum(len(v) for v in groups.values())
    merge_bytes = sum(Path(m).stat().st_size for v in groups.values() for m in v)
    p(f"wheels: {len(paths)} files, {total_bytes / 1e6:.1f} MB (every command below reads these same files); "
      f"merge: {len(groups)} groups, {merge_inputs} files, {merge_bytes / 1e6:.1f} MB")
    p(f"runs: 1 warm-up + {args.runs} measured per command; wall = median, memory = largest peak RSS "
      f"(monotonic clock around /usr/bin/time, %M of the whole process tree)")
    p("")
    w = max(len(c.label) for c in commands)
    p(f"{'command':<{w}}  {'wall (s)':>9}  {'min..max (s)':>15}  {'peak RSS (MB)':>13}  status")
    for c in commands:
        r = results[c.label]
        if r.ok:
            p(f"{c.label:<{w}}  {r.wall:9.3f}  {min(r.walls):7.3f}..{max(r.walls):<6.3f}"
              f"  {r.peak_mb:13.1f}  ok (exit {r.exit_code})")
        else:
            code = "" if r.exit_code is None else f"exit {r.exit_code}: "
            p(f"{c.label:<{w}}  {'-':>9}  {'-':>15}  {'-':>13}  NOT AVAILABLE ({code}{r.reason})")
    p("")

    def ratio_line(name: str, num: str, den: str, goal: str, test) -> None:
        a, b = results[num], results[den]
        missing = [x.label for x in (a, b) if not x.ok]
        if missing:
            p(f"{name:<34} {'-':>9}   goal {goal:<10} NOT JUDGED ({' and '.join(missing)} not available)")
            return
        value = a.wall / b.wall if b.wall > 0 else float("inf")
        verdict = "MET" if test(value) else "NOT MET"
        p(f"{name:<34} {value:8.3f}x   goal {goal:<10} {verdict}")

    p("ratios (wall-time medians)")
    ratio_line("abi3t-doctor / uniabi check", "abi3t-doctor wheel", "uniabi check", ">= 5x", lambda v: v >= 5)
    ratio_line("abi3audit / uniabi check", "abi3audit", "uniabi check", ">= 50x", lambda v: v >= 50)
    ratio_line("uniabi inspect / unzip -p floor", "uniabi inspect", "unzip -p floor", "<= 1x", lambda v: v <= 1)
    ratio_line("uniabi merge / cp inputs", "uniabi merge", "cp inputs", "<= 3x", lambda v: v <= 3)
    chk = results["uniabi check"]
    if chk.ok:
        p(f"{'uniabi check peak memory':<34} {chk.peak_mb:7.1f} MB   goal {'< 100 MB':<10} "
          f"{'MET' if chk.peak_mb < 100 else 'NOT MET'}")
    else:
        p(f"{'uniabi check peak memory':<34} {'-':>9}   goal {'< 100 MB':<10} NOT JUDGED (uniabi check not available)")
    p("")
    p(f"logs of every run (stdout, stderr, GNU time line): {logdir}")
    if args.sha256 and args.sha256.is_file():
        p("")
        p(f"sha256 of the wheels ({args.sha256}):")
        lines.extend(args.sha256.read_text().splitlines())

    report = "\n".join(lines) + "\n"
    print()
    print(report, end="")
    (args.work / "report.txt").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
