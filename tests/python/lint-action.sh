#!/usr/bin/env bash
# Lint action.yml and the README's workflow example:
#   check-jsonschema's bundled GitHub schemas validate action.yml and the workflow;
#   actionlint (when installed) checks the workflow, with `uses:` of this action
#   pointed at the local action.yml so its inputs are checked against it.
# Usage: lint-action.sh WORKDIR TOOLS_VENV
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$1"
tools="$2/bin"
rm -rf "$work" && mkdir -p "$work/.github/workflows"
cp "$root/action.yml" "$work/action.yml"
# The README's first ```yaml block that uses this action, with that `uses:` made local.
"$tools/python" - "$root/README.md" "$work/.github/workflows/uniabi.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
    if re.search(r"uses: \S+/uniabi@\S+", block):
        open(sys.argv[2], "w").write(re.sub(r"uses: \S+/uniabi@\S+", "uses: ./", block))
        break
else:
    sys.exit("README.md: no ```yaml workflow example that uses the uniabi action")
PY
"$tools/check-jsonschema" --builtin-schema vendor.github-actions "$work/action.yml"
"$tools/check-jsonschema" --builtin-schema vendor.github-workflows "$work/.github/workflows/uniabi.yml"
if [ -x "$tools/actionlint" ]; then
    (cd "$work" && git init --quiet . && "$tools/actionlint" -color=never .github/workflows/uniabi.yml)
    echo "actionlint: no problem in the workflow example or the action's inputs"
else
    echo "actionlint is not installed here; the schema checks above stand in for it"
fi
