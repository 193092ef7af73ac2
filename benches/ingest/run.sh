#!/usr/bin/env bash
# Ingest benchmarks against a running cluster with the extension (default: scripts/pg-local).
#   benches/ingest/run.sh [ADMIN_URL]     env: DAYS (30), LOAD_SECONDS (30), RATES ("5000 20000")
# 1. generate: the synthetic chain through the full write path (inbox, staging COPY, upserts).
# 2. raw COPY: the same sale lines, binary COPY straight into pos.sale_line of a fresh database.
# 3. serve: open-loop load at fixed offered rates; acknowledged lines/s and ack latency p50/p99,
#    and the service's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ADMIN=${1:-$(scripts/pg-local url)}
BASE=${ADMIN%/*}
DAYS=${DAYS:-30}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p pos-ingest --bin pos-ingest --example loadgen
BIN=$CARGO_TARGET_DIR/release/pos-ingest
LOADGEN=$CARGO_TARGET_DIR/release/examples/loadgen
fresh() { psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; psql -X -q "$BASE/$1" -c "CREATE EXTENSION pos_analytics"; echo "$BASE/$1"; }

echo "== 1. generate (3 stores, 300 SKUs, $DAYS days) through the ingest write path"
G=$(fresh bench_ingest_gen)
/usr/bin/time -f "peak RSS %M KB" "$BIN" generate --url "$G" --stores 3 --skus 300 --days "$DAYS" --seed 1 --quiet
LINES=$(psql -X -qtA "$G" -c "SELECT count(*) FROM pos.sale_line")

echo "== 2. raw binary COPY of the same $LINES sale lines into pos.sale_line"
psql -X -q "$G" -c "\copy (SELECT * FROM pos.sale_line) TO '/tmp/bench_ingest_lines.bin' WITH (FORMAT binary)"
C=$(fresh bench_ingest_copy)
psql -X -q "$C" -c "SELECT count(*) FROM pos.ensure_chunks('pos.sale_line', '2025-12-01', '2026-06-01')" >/dev/null
START=$(date +%s.%N)
psql -X -q "$C" -c "\copy pos.sale_line FROM '/tmp/bench_ingest_lines.bin' WITH (FORMAT binary)"
END=$(date +%s.%N)
python3 -c "s=$END-$START; print(f'raw COPY: {$LINES} lines in {s:.2f} s = {$LINES/s:.0f} lines/s')"

echo "== 3. serve under fixed offered load"
S=$(fresh bench_ingest_serve)
PORT=18099
/usr/bin/time -f "serve peak RSS %M KB" "$BIN" serve --url "$S" --listen 127.0.0.1:$PORT --writers 2 2>/tmp/bench_ingest_serve.err &
SERVE=$!
sleep 2
for R in ${RATES:-5000 20000}; do
    "$LOADGEN" --url http://127.0.0.1:$PORT --lines-per-sec "$R" --seconds "${LOAD_SECONDS:-30}" --lines 5 --run "r$R"
done
kill -TERM $SERVE; wait $SERVE || true
grep "peak RSS" /tmp/bench_ingest_serve.err || true
