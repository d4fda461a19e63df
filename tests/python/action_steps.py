"""Run the shell steps of the composite action in `action.yml` as a GitHub runner would.

    python action_steps.py ACTION_YML WORKDIR --input NAME=VALUE... \
        --expect-exit N --expect-verdict pass|fail|error

Each step's `env:` is evaluated (only `inputs.*`, `steps.*.outputs.*`,
`github.action_path` and `runner.temp` expressions; a `run:` script that holds an
expression is refused, the action takes values through `env:` only), its `if:` too
(`inputs.NAME == 'VALUE'` or `always()`), and its script runs with
`bash --noprofile --norc -eo pipefail`, GitHub's default for `shell: bash`, with
RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH and GITHUB_WORKSPACE set. A step that
`uses:` another action is listed and skipped. Afterwards the action's outputs are
evaluated and compared with what is expected; the SARIF log must parse, and hold
results exactly when the verdict is not pass.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Runner:
    def __init__(self, action_yml: Path, work: Path, inputs: dict[str, str]):
        self.action = yaml.safe_load(action_yml.read_text())
        self.action_path = action_yml.parent
        self.work = work
        self.inputs = {k: str(v.get("default", "")) for k, v in self.action.get("inputs", {}).items()}
        for name, value in inputs.items():
            if name not in self.inputs:
                sys.exit(f"the action has no input '{name}'")
            self.inputs[name] = value
        self.outputs: dict[str, dict[str, str]] = {}
        self.path_prepend: list[str] = []

    def value(self, expr: str) -> str:
        if m := re.fullmatch(r"inputs\.([\w-]+)", expr):
            return self.inputs[m.group(1)]
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
            return self.outputs.get(m.group(1), {}).get(m.group(2), "")
        if expr == "github.action_path":
            return str(self.action_path)
        if expr == "runner.temp":
            return str(self.work / "runner-temp")
        sys.exit(f"action_steps.py cannot evaluate the expression '{expr}'")

    def substitute(self, text: str) -> str:
        return EXPR.sub(lambda m: self.value(m.group(1)), str(text))

    def condition(self, cond: str) -> bool:
        cond = cond.strip()
        if cond.startswith("${{"):
            cond = EXPR.fullmatch(cond).group(1)
        if cond == "always()":
            return True
        if m := re.fullmatch(r"inputs\.([\w-]+)\s*==\s*'([^']*)'", cond):
            return self.inputs[m.group(1)] == m.group(2)
        sys.exit(f"action_steps.py cannot evaluate the condition '{cond}'")

    def run(self) -> int:
        (self.work / "runner-temp").mkdir(parents=True, exist_ok=True)
        for index, step in enumerate(self.action["runs"]["steps"]):
            name = step.get("name", f"step {index}")
            if "if" in step and not self.condition(step["if"]):
                print(f"-- {name}: skipped (condition false)", flush=True)
                continue
            if "uses" in step:
                print(f"-- {name}: skipped (uses {step['uses']}, which needs GitHub)", flush=True)
                continue
            script = step["run"]
            if EXPR.search(script):
                sys.exit(f"step '{name}': its script holds an expression; pass values through env")
            if step.get("shell") != "bash":
                sys.exit(f"step '{name}': shell must be bash")
            output_file = self.work / f"output-{index}"
            path_file = self.work / f"path-{index}"
            output_file.write_text("")
            path_file.write_text("")
            env = dict(os.environ)
            env.update({k: self.substitute(v) for k, v in step.get("env", {}).items()})
            env.update(
                RUNNER_TEMP=str(self.work / "runner-temp"),
                GITHUB_OUTPUT=str(output_file),
                GITHUB_PATH=str(path_file),
                GITHUB_WORKSPACE=os.getcwd(),
                GITHUB_ACTION_PATH=str(self.action_path),
                PATH=os.pathsep.join([*self.path_prepend, env["PATH"]]),
            )
            script_file = self.work / f"step-{index}.sh"
            script_file.write_text(script)
            print(f"-- {name}", flush=True)
            code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)], env=env).returncode
            if "id" in step:
                self.outputs[step["id"]] = parse_output(output_file.read_text())
            self.path_prepend = [line for line in path_file.read_text().splitlines() if line] + self.path_prepend
            if code != 0:
                print(f"-- {name}: exit {code}", flush=True)
                return code
        return 0

    def action_outputs(self) -> dict[str, str]:
        return {k: self.substitute(v["value"]) for k, v in self.action.get("outputs", {}).items()}


def parse_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `name=value` and `name<<DELIM ... DELIM`."""
    out, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            out[name] = "\n".join(iter(lambda: next(lines), delim))
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("action_yml", type=Path)
    p.add_argument("work", type=Path)
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--expect-exit", type=int, required=True)
    p.add_argument("--expect-verdict", required=True)
    a = p.parse_args()
    runner = Runner(a.action_yml.resolve(), a.work.resolve(), dict(i.split("=", 1) for i in a.input))
    code = runner.run()
    outputs = runner.action_outputs()
    print(f"action exit {code}, outputs {json.dumps(outputs, sort_keys=True)}")
    problems = []
    if code != a.expect_exit:
        problems.append(f"the action exited {code}, expected {a.expect_exit}")
    if outputs.get("verdict") != a.expect_verdict:
        problems.append(f"verdict output {outputs.get('verdict')!r}, expected {a.expect_verdict!r}")
    sarif_path = Path(outputs.get("sarif-file") or "/nonexistent")
    if a.expect_verdict == "error" and not outputs.get("sarif-file"):
        pass  # nothing was checked, so there is no log
    else:
        problems.extend(check_sarif(sarif_path, a.expect_verdict))
    if problems:
        sys.exit("action.yml steps: " + "; ".join(problems))
    print(f"action.yml steps: exit {code}, verdict {outputs['verdict']} as expected")


def check_sarif(sarif_path: Path, verdict: str) -> list[str]:
    """The SARIF log parses and holds error results exactly when the verdict is not pass."""
    problems = []
    try:
        sarif = json.loads(sarif_path.read_text())
        results = sarif["runs"][0]["results"]
        if sarif.get("version") != "2.1.0":
            problems.append(f"{sarif_path}: SARIF version {sarif.get('version')!r}")
        if (verdict == "pass") != (not [r for r in results if r["level"] == "error"]):
            problems.append(f"{sarif_path}: {len(results)} results do not fit verdict {verdict}")
    except (OSError, ValueError, KeyError, IndexError) as e:
        problems.append(f"SARIF log {sarif_path}: {e}")
    return problems


if __name__ == "__main__":
    main()
