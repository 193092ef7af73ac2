#!/bin/bash
# FEBRL benchmark for the identity matcher vs Splink. Creates benches/identity/.venv, builds the
# Rust driver (release) and runs febrl_bench.py; results land in results.json (RESULTS.md quotes them).
# `run.sh --names-reversed` gives Splink a columns-reversed level on the names (results_names_reversed.*);
# `run.sh --no-tf` runs both matchers without the term-frequency adjustment (results_no_tf.*).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ ! -x "$HERE/.venv/bin/python" ]; then
    python3 -m venv "$HERE/.venv"
    "$HERE/.venv/bin/pip" install -q --upgrade pip
fi
"$HERE/.venv/bin/pip" install -q "recordlinkage==0.16" "splink==5.0.0" "duckdb==2.0.1" "pandas<3"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build -q --release -p pos-core --example identity_febrl)
"$HERE/.venv/bin/python" "$HERE/febrl_bench.py" "$CARGO_TARGET_DIR/release/examples/identity_febrl" "$@"
