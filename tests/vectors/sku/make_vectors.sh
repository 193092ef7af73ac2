#!/usr/bin/env bash
# Regenerates vectors.json from the python-stdnum oracle in a venv of its own.
# Usage: tests/vectors/sku/make_vectors.sh   (writes tests/vectors/sku/vectors.json)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "python-stdnum==2.2"
fi
"$venv/bin/python" "$here/make_vectors.py" > "$here/vectors.json.tmp"
mv "$here/vectors.json.tmp" "$here/vectors.json"
"$venv/bin/python" -c "import json,sys; v=json.load(open('$here/vectors.json')); print(len(v['vectors']), 'vectors written by python-stdnum', v['stdnum_version'])"
