#!/usr/bin/env bash
# How fast the service catches up after a stall, made on purpose: one `serve` per binary on a
# fresh database, one open-loop loadgen run, and every PERIOD seconds a session that holds
# `pos.ingest_batch` in EXCLUSIVE mode for STALL_MS, so every writer's group waits for it at
# its audit row, as it would for a slow WAL flush. Requests queue meanwhile; what the client
# sees afterwards (p99, max) depends on how the writers work off that backlog.
#   flock -o /work/notes/bench.lock benches/ingest/stall-probe.sh ADMIN_URL BIN_A [BIN_B …]
#   env: SECS (60), RATE (20000), STALL_MS (300), PERIOD (10), LOADGEN
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; shift
cd "$(dirname "$0")/../.."
T=${CARGO_TARGET_DIR:-$PWD/target}
LOADGEN=${LOADGEN:-$T/release/examples/loadgen}
SECS=${SECS:-60}; RATE=${RATE:-20000}; STALL_MS=${STALL_MS:-300}; PERIOD=${PERIOD:-10}
D=$BASE/bench_stall; PORT=18095
source benches/ingest/chunks.sh
SERVE=
trap '[[ -n $SERVE ]] && kill -TERM $SERVE 2>/dev/null; psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_stall WITH (FORCE)"' EXIT
for BIN in "$@"; do
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_stall WITH (FORCE)" -c "CREATE DATABASE bench_stall"
  psql -X -q "$D" -c "CREATE EXTENSION pos_analytics"
  bench_chunks "$D"
  psql -X -q "$D" -c "VACUUM ANALYZE" -c "CHECKPOINT"
  "$BIN" serve --url "$D" --listen 127.0.0.1:$PORT 2>/tmp/bench_stall_serve.err &
  SERVE=$!; sleep 2
  # The stalls, in the background: the first after one period, the last a period before the end.
  ( for _ in $(seq $((SECS / PERIOD - 1))); do
      sleep "$PERIOD"
      psql -X -q "$D" -c "BEGIN" -c "LOCK TABLE pos.ingest_batch IN EXCLUSIVE MODE" \
        -c "SELECT pg_sleep($STALL_MS / 1000.0)" -c "COMMIT" >/dev/null
    done ) &
  STALLS=$!
  echo "== $(basename "$BIN") ($BIN): $((SECS / PERIOD - 1)) stalls of $STALL_MS ms in $SECS s at $RATE lines/s"
  $LOADGEN --url http://127.0.0.1:$PORT --lines-per-sec "$RATE" --seconds "$SECS" --lines 5 --max-in-flight 0 --run "stall-$RANDOM" 2>&1 | grep -E "ack latency|p99 from due of each|non-200" || true
  wait $STALLS
  kill -TERM $SERVE; wait $SERVE 2>/dev/null || true; SERVE=
done
