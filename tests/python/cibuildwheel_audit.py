"""Run the README's cibuildwheel recipe the way cibuildwheel's audit step runs it.

    python cibuildwheel_audit.py README.md WORKDIR PASSING_WHEEL FAILING_WHEEL

Reads the `[tool.cibuildwheel]` block of the README (so the recipe is tested as
written), then does what cibuildwheel 4.x does for each repaired wheel: create a
virtual environment, `pip install` the `audit-requires` there (pip's own
environment, e.g. PIP_FIND_LINKS and PIP_NO_INDEX, points it at the wheel just
built instead of PyPI), replace `{wheel}` in each `audit-command` with the
wheel's path and run the result through the shell with the venv first on PATH.
A wheel passes when every command exits 0. Exits non-zero unless the passing
wheel passes and the failing wheel fails with uniabi's exit code 1.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path


def recipe(readme: Path) -> dict:
    """The first ```toml block of the README that holds [tool.cibuildwheel]."""
    for block in re.findall(r"```toml\n(.*?)```", readme.read_text(), re.S):
        doc = tomllib.loads(block)
        if "cibuildwheel" in doc.get("tool", {}):
            return doc["tool"]["cibuildwheel"]
    sys.exit(f"{readme}: no ```toml block with [tool.cibuildwheel]")


def audit(venv_bin: Path, commands: list[str], wheel: Path) -> int:
    """Run each audit command on one wheel; the first non-zero exit code, else 0."""
    env = dict(os.environ, PATH=f"{venv_bin}{os.pathsep}/usr/bin{os.pathsep}/bin", VIRTUAL_ENV=str(venv_bin.parent))
    for template in commands:
        if "{wheel}" not in template and "{abi3_wheel}" not in template:
            sys.exit(f"audit command {template!r} has neither {{wheel}} nor {{abi3_wheel}}")
        command = template.replace("{wheel}", str(wheel)).replace("{abi3_wheel}", str(wheel))
        print(f"Running audit command: {command}", flush=True)
        code = subprocess.run(command, shell=True, env=env).returncode
        if code != 0:
            return code
    return 0


def main() -> None:
    readme, work, passing, failing = (Path(a).resolve() for a in sys.argv[1:5])
    options = recipe(readme)
    requires = options.get("audit-requires", [])
    requires = requires.split() if isinstance(requires, str) else requires
    commands = options["audit-command"]
    commands = commands.split(" && ") if isinstance(commands, str) else commands
    if requires != ["uniabi"]:
        sys.exit(f"the README recipe should install uniabi, not {requires}")

    venv = work / "audit_venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *requires], check=True)

    failures = []
    for wheel, expected in ((passing, 0), (failing, 1)):
        code = audit(venv / "bin", commands, wheel)
        print(f"audit of {wheel.name}: exit {code} (expected {expected})", flush=True)
        if code != expected:
            failures.append(wheel.name)
    if failures:
        sys.exit(f"cibuildwheel audit recipe: unexpected exit code for {', '.join(failures)}")
    print("cibuildwheel audit recipe: the passing wheel passed, the failing wheel failed")


if __name__ == "__main__":
    main()
