#!/usr/bin/env bash
# Ingest benchmarks against a running cluster with the extension (default: scripts/pg-local).
#   benches/ingest/run.sh [ADMIN_URL]     env: DAYS (30), LOAD_SECONDS (30), RATES ("5000 20000"),
#       CAPS ("0": open loop; e.g. "0 64" also runs each rate with at most 64 requests in flight),
#       WRITERS (2), POS_INGEST_BIN (another pos-ingest binary to measure, e.g. an older build)
# 1. generate: the synthetic chain through the full write path (inbox, staging COPY, upserts),
#    with the WAL bytes it wrote and the inbox's size; 1b. the same with the events encoded
#    before the clock starts (the service's work alone).
# 2. raw COPY: the same sale lines, binary COPY straight into pos.sale_line of a fresh database.
# 3. serve: load at fixed offered rates; acknowledged lines/s and ack latency p50/p99, and the
#    service's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ADMIN=${1:-$(scripts/pg-local url)}
BASE=${ADMIN%/*}
DAYS=${DAYS:-30}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p pos-ingest --bin pos-ingest --example loadgen
source benches/ingest/writeback.sh; writeback_report
BIN=${POS_INGEST_BIN:-$CARGO_TARGET_DIR/release/pos-ingest}
LOADGEN=$CARGO_TARGET_DIR/release/examples/loadgen
fresh() { psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; psql -X -q "$BASE/$1" -c "CREATE EXTENSION pos_analytics"; echo "$BASE/$1"; }
# Chunks for the generated days (a day of margin each side for store time zones), created before
# the timed runs in both databases: both runs then measure writing rows, not creating partitions.
DAY0=2026-01-05
FROM=$(date -d "$DAY0 -1 day" +%F)
TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
chunks() { for t in "${@:2}"; do psql -X -q -tA "$1" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '$FROM', '$TO')" >/dev/null; done; }

echo "== 1. generate (3 stores, 300 SKUs, $DAYS days) through the ingest write path"
G=$(fresh bench_ingest_gen)
chunks "$G" pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level
lsn() { psql -X -qtA "$1" -c "SELECT pg_current_wal_lsn()"; }
wal_since() { psql -X -qtA "$1" -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$2'))"; }
L0=$(lsn "$G")
/usr/bin/time -f "peak RSS %M KB, %U s user, %S s system" "$BIN" generate --url "$G" --stores 3 --skus 300 --days "$DAYS" \
    --start-date $DAY0 --seed 1 --quiet | tee /tmp/bench_ingest_gen.txt
LINES=$(psql -X -qtA "$G" -c "SELECT count(*) FROM pos.sale_line")
echo "WAL written by generate: $(wal_since "$G" "$L0"); inbox: $(psql -X -qtA "$G" -c "SELECT count(*) || ' rows (' || count(payload_zstd) || ' packed), ' || pg_size_pretty(pg_total_relation_size('pos.raw_inbox')) FROM pos.raw_inbox")"

# The same chain again with every event encoded before the clock starts (--encode-first): the
# time of decoding, packing and writing alone, as raw COPY's is the time of loading a file
# written beforehand; the synthetic chain's simulation and JSON encoding are the load
# generator's work, not the service's.
echo "== 1b. generate --encode-first: the service's part of the work alone"
E=$(fresh bench_ingest_enc)
chunks "$E" pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level
"$BIN" generate --url "$E" --stores 3 --skus 300 --days "$DAYS" --start-date $DAY0 --seed 1 --quiet --encode-first \
    | tee /tmp/bench_ingest_enc.txt

echo "== 2. raw binary COPY of the same $LINES sale lines into pos.sale_line"
psql -X -q "$G" -c "\copy (SELECT * FROM pos.sale_line) TO '/tmp/bench_ingest_lines.bin' WITH (FORMAT binary)"
C=$(fresh bench_ingest_copy)
chunks "$C" pos.sale_line
L0=$(lsn "$C")
START=$(date +%s.%N)
psql -X -q "$C" -c "\copy pos.sale_line FROM '/tmp/bench_ingest_lines.bin' WITH (FORMAT binary)"
END=$(date +%s.%N)
echo "WAL written by the raw COPY: $(wal_since "$C" "$L0")"
python3 -c "s=$END-$START; print(f'raw COPY: {$LINES} lines in {s:.2f} s = {$LINES/s:.0f} lines/s')"
rate() { awk '/^time:/ {print $4}' "$1"; }
python3 -c "raw=$LINES/($END-$START); print(f'ratio to raw COPY (goal >= 0.6): generate {$(rate /tmp/bench_ingest_gen.txt)/raw:.2f}, generate --encode-first {$(rate /tmp/bench_ingest_enc.txt)/raw:.2f}')"

echo "== 3. serve under fixed offered load"
S=$(fresh bench_ingest_serve)
PORT=18099
"$BIN" serve --url "$S" --listen 127.0.0.1:$PORT --writers "${WRITERS:-2}" 2>/tmp/bench_ingest_serve.err &
SERVE=$!
trap 'kill -TERM $SERVE 2>/dev/null || true' EXIT   # a server left running would keep a bench lock held
sleep 2
for CAP in ${CAPS:-0}; do
    for R in ${RATES:-5000 20000}; do
        "$LOADGEN" --url http://127.0.0.1:$PORT --lines-per-sec "$R" --seconds "${LOAD_SECONDS:-30}" --lines 5 \
            --max-in-flight "$CAP" --run "r$R-c$CAP"
        echo "serve RSS now $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVE/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVE/status); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
kill -TERM $SERVE; wait $SERVE || true
