#!/usr/bin/env bash
# generate, generate --encode-first and raw binary COPY of the same sale lines, alternated
# ROUNDS times (default 3), each into a fresh database with its chunks made and a CHECKPOINT:
#   benches/ingest/encode-first-ab.sh ADMIN_URL    env: DAYS (30), ROUNDS (3), BIN (pos-ingest)
# One raw COPY of 30 days takes 0.5-1 s, so a single run's ratio moves with the machine: read
# the ratios of several rounds.
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; DAYS=${DAYS:-30}; ROUNDS=${ROUNDS:-3}
BIN=${BIN:-$HOME/.cache/pos_analytics/target/release/pos-ingest}
DAY0=2026-01-05; FROM=$(date -d "$DAY0 -1 day" +%F); TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
fresh() { psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; psql -X -q "$BASE/$1" -c "CREATE EXTENSION pos_analytics"; for t in "${@:2}"; do psql -X -q -tA "$BASE/$1" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '$FROM', '$TO')" >/dev/null; done; psql -X -q "$BASE/$1" -c CHECKPOINT; }
ALL="pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level"
for round in $(seq $ROUNDS); do
  fresh bench_g1 $ALL; echo "plain:        $($BIN generate --url $BASE/bench_g1 --stores 3 --skus 300 --days $DAYS --start-date $DAY0 --seed 1 --quiet | grep time:)"
  fresh bench_g2 $ALL; echo "encode-first: $($BIN generate --url $BASE/bench_g2 --stores 3 --skus 300 --days $DAYS --start-date $DAY0 --seed 1 --quiet --encode-first | grep time:)"
  psql -X -q "$BASE/bench_g1" -c "\copy (SELECT * FROM pos.sale_line) TO '/tmp/encode-first-ab-lines.bin' WITH (FORMAT binary)"
  fresh bench_c pos.sale_line
  S=$(date +%s.%N); psql -X -q "$BASE/bench_c" -c "\copy pos.sale_line FROM '/tmp/encode-first-ab-lines.bin' WITH (FORMAT binary)"; E=$(date +%s.%N)
  N=$(psql -X -qtA "$BASE/bench_c" -c "SELECT count(*) FROM pos.sale_line")
  python3 -c "s=$E-$S; print(f'raw COPY:     {$N} lines in {s:.2f} s = {$N/s:.0f} lines/s')"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
for d in bench_g1 bench_g2 bench_c; do psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)"; done
