#!/usr/bin/env bash
# Where the service's time goes: one `serve` on a fresh database, then loadgen runs given as
# RATE:CAP pairs (CAP 0 = open loop); after each, the CPU seconds of the service, the load
# generator and the PostgreSQL backends, the batches committed and their mean commit time.
#   flock -o /work/notes/bench.lock benches/ingest/serve-probe.sh ADMIN_URL 20000:64 20000:256    env: SECS (15), WRITERS (2),
#       BIN (pos-ingest), LOADGEN, EXTRA (more serve flags), SETUP (SQL run after CREATE EXTENSION,
#       e.g. benches/ingest/schema-4c89ca1.sql for an older binary), CREATEDB (options of CREATE DATABASE,
#       e.g. "TEMPLATE template0 LC_COLLATE 'C'"), KEEP (1: keep the database bench_serve afterwards),
#       WARMUP (seconds at the same rate before the measured SECS, reported apart; default 0),
#       FRESH (1: skip the VACUUM ANALYZE of the new database before the runs), TIMES (loadgen --times:
#       live, the default, or cycle, as runs before 2026-11-30 11:40 UTC)
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; shift; WRITERS=${WRITERS:-2}; SECS=${SECS:-15}; EXTRA=${EXTRA:-}
cd "$(dirname "$0")/../.."
T=${CARGO_TARGET_DIR:-$PWD/target}
BIN=${BIN:-$T/release/pos-ingest}; LOADGEN=${LOADGEN:-$T/release/examples/loadgen}
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_serve WITH (FORCE)" -c "CREATE DATABASE bench_serve ${CREATEDB:-}"
D=$BASE/bench_serve; psql -X -q "$D" -c "CREATE EXTENSION pos_analytics"
[[ -n ${SETUP:-} ]] && psql -X -q -v ON_ERROR_STOP=1 "$D" -f "$SETUP"
source benches/ingest/chunks.sh; bench_chunks "$D"
# The database is minutes old, a deployment's is not: without this, autovacuum analyzes its
# freshly written catalogs (pg_class, pg_attribute, pg_depend…) within the measured minute, work
# a database that has run a while does not do. FRESH=1 leaves them to autovacuum.
[[ ${FRESH:-} == 1 ]] || psql -X -q "$D" -c "VACUUM ANALYZE"
# As tail-probe.sh: the runs start after a checkpoint, not in the middle of the previous one's.
psql -X -q "$D" -c "CHECKPOINT"
source benches/ingest/writeback.sh; writeback_report
PORT=18097
# Run it under `flock -o` (or start nothing long-lived under a plain flock): a server started here
# inherits the lock's file descriptor, and one left running keeps the lock held for everyone. So
# the server is killed however this script ends (set -e exits early on any failed step).
$BIN serve --url "$D" --listen 127.0.0.1:$PORT --writers $WRITERS $EXTRA 2>/tmp/bench_ingest_probe.err &
# The database goes too (KEEP=1 keeps it): left behind, its autovacuum would run in the next
# benchmark's time.
SERVE=$!; trap 'kill -TERM $SERVE 2>/dev/null || true; [[ ${KEEP:-} == 1 ]] || psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_serve WITH (FORCE)"' EXIT; sleep 2
cpu() { awk '{print ($14+$15)/100}' /proc/$1/stat; }
pgcpu() { for p in $(pgrep -u postgres -f "postgres: .*bench_serve" || true); do awk '{print ($14+$15)/100}' /proc/$p/stat 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }
m() { curl -s http://127.0.0.1:$PORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
# The summed wall time of each batch phase (prepare, chunks, open, inbox, facts, others, commit).
phases() { curl -s http://127.0.0.1:$PORT/metrics | awk -F'[{}"]' '/^pos_ingest_batch_phase_seconds_sum/ {split($5, v, " "); printf "%s=%s ", $3, v[1]}'; }
# The service's own ack latency (request read → acknowledged), cumulative bucket counts "le=count".
acks() { curl -s http://127.0.0.1:$PORT/metrics | awk -F'[{}"]' '/^pos_ingest_ack_latency_seconds_bucket/ {split($5, v, " "); printf "%s=%s ", $3, v[1]}'; }
for RC in "$@"; do
  R=${RC%:*}; C=${RC#*:}
  s0=$(cpu $SERVE); p0=$(pgcpu); b0=$(m pos_ingest_batches_total); cs0=$(m pos_ingest_commit_duration_seconds_sum); ph0=$(phases); k0=$(m pos_ingest_connections_accepted_total); a0=$(acks)
  /usr/bin/time -f "  loadgen CPU %U+%S s, peak RSS %M KB" $LOADGEN --url http://127.0.0.1:$PORT --lines-per-sec $R --seconds $SECS --lines 5 --max-in-flight $C --warmup ${WARMUP:-0} --times ${TIMES:-live} --run "p$R-$C-$RANDOM"
  s1=$(cpu $SERVE); p1=$(pgcpu); b1=$(m pos_ingest_batches_total); cs1=$(m pos_ingest_commit_duration_seconds_sum); ph1=$(phases); k1=$(m pos_ingest_connections_accepted_total); a1=$(acks)
  echo "  serve CPU $(echo "$s1-$s0" | bc) s, PostgreSQL backends CPU $(echo "$p1-$p0" | bc) s; batches $((b1-b0)), mean commit $(python3 -c "print(f'{1000*($cs1-$cs0)/max(1,$b1-$b0):.1f} ms')"); serve RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVE/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVE/status); load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "  HTTP connections accepted: $((${k1:-0}-${k0:-0}))"
  python3 - "$ph0" "$ph1" "$((b1-b0))" <<'PY'
import sys
a = dict(kv.split("=") for kv in sys.argv[1].split()); b = dict(kv.split("=") for kv in sys.argv[2].split())
n = max(1, int(sys.argv[3]))
print("  mean per batch: " + ", ".join(f"{k} {1000 * (float(b[k]) - float(a.get(k, 0))) / n:.2f} ms" for k in b))
PY
  # The service's p99 by linear interpolation inside its histogram bucket, next to the client's.
  python3 - "$a0" "$a1" <<'PY'
import sys
a = dict(kv.split("=") for kv in sys.argv[1].split()); b = dict(kv.split("=") for kv in sys.argv[2].split())
les = sorted((float(k), int(b[k]) - int(a.get(k, 0))) for k in b if k != "+Inf")
total = int(b["+Inf"]) - int(a.get("+Inf", 0))
def q(p):
    want, lo, below = p * total, 0.0, 0
    for le, cum in les:
        if cum >= want:
            return 1000 * (lo + (le - lo) * (want - below) / max(1, cum - below))
        lo, below = le, cum
    return float("inf")
share = {le: cum / max(1, total) for le, cum in les}
print(f"  service ack latency (request read → ack): p50 ~{q(0.5):.1f} ms, p99 ~{q(0.99):.1f} ms; "
      f"{100 * share.get(0.05, 0):.2f} % ≤ 50 ms, {100 * share.get(0.1, 0):.2f} % ≤ 100 ms of {total}")
PY
done
kill -TERM $SERVE; wait $SERVE || true
