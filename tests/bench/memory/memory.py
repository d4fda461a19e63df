"""Wall time and peak memory of uniabi against --jobs (see tests/bench/README.md).

Builds a wheelhouse by hard-linking the sample wheels under distinct names, runs
`check`, `inspect` and `survey` on it with each job count under GNU time, and
prints a markdown table: median wall seconds and the largest peak RSS. Then a
large-member case: two synthetic wheels, each holding a padded (still valid)
ELF extension and a larger data member, read by `check` and `survey`.
"""

import argparse
import base64
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path


def wheelhouse(samples: Path, out: Path, count: int) -> Path:
    """`count` wheels: the samples again and again, each copy under its own
    project name (`psutil_r007`) so that survey counts every copy as a release
    of its own. Copies are rewritten (the .dist-info renamed), once."""
    marker = out / f".complete-{count}"
    if marker.exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wheels = sorted(p for p in samples.glob("*.whl"))
    for i in range(count):
        src = wheels[i % len(wheels)]
        rename(src, out, f"r{i // len(wheels):03d}")
    marker.write_text("")
    return out


def rename(src: Path, out: Path, suffix: str) -> Path:
    """Write `src` again as project `NAME_SUFFIX`: members of `NAME-VERSION.dist-info/`
    move to the new name, RECORD is rewritten; every other member is copied as it is."""
    name, version, rest = src.name.split("-", 2)
    new = f"{name}_{suffix}"
    old_info, new_info = f"{name}-{version}.dist-info/", f"{new}-{version}.dist-info/"
    dest = out / f"{new}-{version}-{rest}"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        rows = []
        record = None
        for info in zin.infolist():
            if info.is_dir():
                continue
            data = zin.read(info)
            member = info.filename
            if member.startswith(old_info):
                member = new_info + member[len(old_info):]
            if member == new_info + "RECORD":
                record = member
                continue
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{member},sha256={digest},{len(data)}")
            zout.writestr(zipfile.ZipInfo(member, info.date_time), data, compress_type=info.compress_type)
        rows.append(f"{record or new_info + 'RECORD'},,")
        zout.writestr(record or new_info + "RECORD", "\n".join(rows) + "\n")
    return dest


def large_wheels(samples: Path, out: Path, so_mib: int, data_mib: int) -> list[Path]:
    """Two wheels of one sample, each with its extension padded to `so_mib` MiB
    (zeros after the ELF image: still a valid ELF) and a `data_mib` MiB data
    member of pseudo-random bytes (stored: nothing to gain from deflate)."""
    src = samples / "psutil-7.1.2-cp36-abi3-manylinux2010_x86_64.manylinux_2_12_x86_64.manylinux_2_28_x86_64.whl"
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for k in range(2):
        dest = out / src.name.replace("psutil-", f"psutil_big{k}-")
        made.append(dest)
        if dest.exists():
            continue
        tmp = rename(src, out, f"big{k}")
        name_info = f"psutil_big{k}-7.1.2.dist-info/"
        with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(str(dest) + ".part", "w") as zout:
            rows = []
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == name_info + "RECORD":
                    continue
                method = info.compress_type
                if info.filename.endswith(".so"):
                    data = data + bytes(so_mib * (1 << 20) - len(data))
                    method = zipfile.ZIP_DEFLATED
                rows.append(row(info.filename, data))
                zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, compress_type=method)
            blob = bytearray()
            seed = hashlib.sha256(b"uniabi").digest()
            while len(blob) < data_mib << 20:
                seed = hashlib.sha512(seed).digest()
                blob += seed * 64
            blob = bytes(blob[: data_mib << 20])
            rows.append(row("psutil/big.bin", blob))
            zout.writestr(zipfile.ZipInfo("psutil/big.bin", (2020, 1, 1, 0, 0, 0)), blob)
            rows.append(f"{name_info}RECORD,,")
            zout.writestr(name_info + "RECORD", "\n".join(rows) + "\n")
        tmp.unlink()
        os.replace(str(dest) + ".part", dest)
    return made


def row(member: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{member},sha256={digest},{len(data)}"


def measure(cmd: list[str], runs: int, log: Path) -> tuple[float, int, int]:
    """Median wall seconds, largest peak RSS (KiB) and the last exit code over `runs` runs."""
    walls, peaks, code = [], [], 0
    for _ in range(runs):
        tfile = log.with_suffix(".time")
        start = time.monotonic()
        with open(log, "wb") as out:
            p = subprocess.run(["/usr/bin/time", "-o", str(tfile), "-f", "%e %M", *cmd], stdout=out, stderr=out)
        walls.append(time.monotonic() - start)
        peaks.append(int(tfile.read_text().split()[-1]))
        code = p.returncode
    return statistics.median(walls), max(peaks), code


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uniabi", required=True)
    ap.add_argument("--samples", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--wheels", type=int, default=896)
    ap.add_argument("--jobs", default="1,2,4,8,16")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--commands", default="check,inspect,survey")
    ap.add_argument("--base", help="an older uniabi binary to time against at 2 jobs")
    ap.add_argument("--large-so-mib", type=int, default=160)
    ap.add_argument("--large-data-mib", type=int, default=320)
    ap.add_argument("--no-large", action="store_true")
    args = ap.parse_args()
    logs = args.work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    house = wheelhouse(args.samples, args.work / f"wheelhouse-{args.wheels}", args.wheels)
    size = sum(p.stat().st_size for p in house.glob("*.whl"))
    cpus = os.cpu_count()
    print(f"machine: {cpus} CPUs; wheelhouse: {args.wheels} wheels ({size / 1e6:.1f} MB) from samples/; "
          f"{args.runs} runs per cell: median wall s / peak RSS MiB\n")
    commands = {
        "check": ["check", str(house)],
        "inspect": ["inspect", "--json", str(house)],
        "survey": ["survey", "--json", str(house)],
    }
    chosen = [c for c in args.commands.split(",") if c]
    jobs = [int(j) for j in args.jobs.split(",")]
    print("| command | " + " | ".join(f"-j {j}" for j in jobs) + " |")
    print("|---|" + "---|" * len(jobs))
    for c in chosen:
        cells = []
        for j in jobs:
            wall, peak, code = measure([args.uniabi, *commands[c], "--jobs", str(j)], args.runs, logs / f"{c}-{j}.log")
            if code not in (0, 1):
                print(f"{c} -j {j} exited {code}: see {logs / f'{c}-{j}.log'}", file=sys.stderr)
            cells.append(f"{wall:.2f} s / {peak / 1024:.0f} MiB")
        print(f"| {c} | " + " | ".join(cells) + " |", flush=True)
    if args.base:
        print("\nbefore/after at 2 jobs (median wall s / peak RSS MiB):\n")
        print("| command | base | this | time ratio |")
        print("|---|---|---|---|")
        for c in chosen:
            b = measure([args.base, *commands[c], "--jobs", "2"], args.runs, logs / f"base-{c}.log")
            t = measure([args.uniabi, *commands[c], "--jobs", "2"], args.runs, logs / f"this-{c}.log")
            print(f"| {c} | {b[0]:.2f} s / {b[1] / 1024:.0f} MiB | {t[0]:.2f} s / {t[1] / 1024:.0f} MiB | "
                  f"{t[0] / b[0]:.2f} |", flush=True)
    if not args.no_large:
        big = large_wheels(args.samples, args.work / "large", args.large_so_mib, args.large_data_mib)
        print(f"\nlarge members: 2 wheels, each a {args.large_so_mib} MiB ELF extension and a "
              f"{args.large_data_mib} MiB data member; --jobs 2, peak RSS MiB:\n")
        print("| command | " + ("base | " if args.base else "") + "this |")
        print("|---|" + ("---|" if args.base else "") + "---|")
        for c in ["check", "survey"]:
            cmd = [commands[c][0], *commands[c][1:-1], *map(str, big), "--jobs", "2"]
            cells = []
            if args.base:
                cells.append(measure([args.base, *cmd], 1, logs / f"base-large-{c}.log"))
            cells.append(measure([args.uniabi, *cmd], 1, logs / f"large-{c}.log"))
            print(f"| {c} | " + " | ".join(f"{w:.2f} s / {p / 1024:.0f} MiB (exit {e})" for w, p, e in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
