"""Write a copy of a wheel under other tags: file name, WHEEL `Tag:` lines and
RECORD's row for WHEEL are rewritten, every other member is copied unchanged.

    python retag.py WHEEL PYTHON-ABI OUTDIR     # e.g. ... cp313-abi3 out/

The platform tags are kept. Used to build, at test time, a wheel whose binaries
do not match what its tags claim (a cp313t binary retagged as abi3).
"""

import base64
import hashlib
import sys
import zipfile
from pathlib import Path


def main() -> None:
    src, python_abi, outdir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    name, version, _py, _abi, platform = src.name[: -len(".whl")].split("-")
    py, abi = python_abi.split("-")
    dist_info = f"{name}-{version}.dist-info"
    tags = [f"{p}-{a}-{pl}" for p in py.split(".") for a in abi.split(".") for pl in platform.split(".")]
    out = outdir / f"{name}-{version}-{py}-{abi}-{platform}.whl"
    outdir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        wheel_lines = [
            line for line in zin.read(f"{dist_info}/WHEEL").decode().splitlines() if not line.startswith("Tag:")
        ]
        wheel = ("\n".join(wheel_lines + [f"Tag: {t}" for t in tags]) + "\n").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(wheel).digest()).rstrip(b"=").decode()
        record = []
        for row in zin.read(f"{dist_info}/RECORD").decode().splitlines():
            if row.startswith(f"{dist_info}/WHEEL,"):
                row = f"{dist_info}/WHEEL,sha256={digest},{len(wheel)}"
            record.append(row)
        for info in zin.infolist():
            if info.filename == f"{dist_info}/WHEEL":
                zout.writestr(info.filename, wheel)
            elif info.filename == f"{dist_info}/RECORD":
                zout.writestr(info.filename, "\n".join(record) + "\n")
            else:
                zout.writestr(info, zin.read(info.filename))
    print(out)


if __name__ == "__main__":
    main()
