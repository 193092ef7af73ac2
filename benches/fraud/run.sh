#!/bin/bash
# Fraud benchmark: labelled synthetic chains (3 stores, 300 SKUs, 90 days, ~200 txns/store-day;
# baselines learned on days 0-44 including their fraud, days 45-89 scored in real-time order) for
# several seeds and fraud rates; metrics for our scorer and a scikit-learn IsolationForest on the
# same raw features. Writes results.json next to this script (RESULTS.md quotes it);
# SHAPES=varied draws a shape per fraud episode (synth::FraudShapes) and writes results_varied.json.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ ! -x "$HERE/.venv/bin/python" ]; then
    python3 -m venv "$HERE/.venv"
fi
"$HERE/.venv/bin/pip" install -q "scikit-learn==1.*" numpy
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build -q --release -p pos-core --example fraud_bench)
SHAPES=${SHAPES:-standard}
case "$SHAPES" in
    standard) result="$HERE/results.json" ;;
    varied) result="$HERE/results_varied.json" ;;
    *) echo "SHAPES must be standard or varied, not $SHAPES" >&2; exit 2 ;;
esac
files=()
for seed in ${SEEDS:-101 202 303}; do
    for rate in ${RATES:-0.01 0.02 0.05}; do
        out="$HERE/run_${SHAPES}_${seed}_${rate}.tsv"
        "$CARGO_TARGET_DIR/release/examples/fraud_bench" --seed "$seed" --rate "$rate" --shapes "$SHAPES" --out "$out"
        files+=("$out")
    done
done
"$HERE/.venv/bin/python" "$HERE/metrics.py" "${files[@]}" > "$result"
"$HERE/.venv/bin/python" - "$result" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for k, v in m.items():
    o = v.get("ours")
    if not o:
        continue
    i = v.get("iforest", {})
    print(f"{k:38s} n={v['n']:6d} pos={v['positives']:4d} AP={o['ap']:.3f} AUC={o['roc_auc']:.3f} P@100={o['p@100']:.2f} "
          f"prec@0.5={o['precision@thr']:.2f} rec@0.5={o['recall@thr']:.2f} | IF AP={i.get('ap', float('nan')):.3f} AUC={i.get('roc_auc', float('nan')):.3f}")
    print("    recall@0.5 by type:", {t: round(x["recall@thr"], 2) for t, x in o["per_type"].items()})
PY
