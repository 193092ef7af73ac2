#!/usr/bin/env bash
# What the ack latency tail is made of: one `serve` on a fresh database, one open-loop loadgen
# run with a per-second timeline, and beside it, second by second, the service's slow batches
# (with their steps), PostgreSQL's non-idle sessions other than the writers (jobs, autovacuum,
# checkpointer), the writers' wait events, `vmstat` (CPU, iowait, steal) and PostgreSQL's log
# (checkpoints, autovacuum, slow statements, when the cluster logs them). Prints the worst
# seconds with what happened in them; the raw files stay in $OUT.
#   flock -o /work/notes/bench.lock benches/ingest/tail-probe.sh ADMIN_URL
#   env: SECS (60), RATE (20000), WRITERS (2), EXTRA (more serve flags), BIN, LOADGEN,
#        PGLOG (the cluster's server log, e.g. .pg/server.log), OUT (/tmp/ingest-tail), WORST (8),
#        SETUP (SQL run after CREATE EXTENSION, before the chunks are made, as in serve-probe.sh),
#        KEEP (1: keep the database bench_tail afterwards), TIMES (loadgen --times: live, the default, or cycle)
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}
cd "$(dirname "$0")/../.."
T=${CARGO_TARGET_DIR:-$PWD/target}
BIN=${BIN:-$T/release/pos-ingest}; LOADGEN=${LOADGEN:-$T/release/examples/loadgen}
SECS=${SECS:-60}; RATE=${RATE:-20000}; OUT=${OUT:-/tmp/ingest-tail}; EXTRA=${EXTRA:-}
mkdir -p "$OUT"; rm -f "$OUT"/*
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_tail WITH (FORCE)" -c "CREATE DATABASE bench_tail"
D=$BASE/bench_tail; psql -X -q "$D" -c "CREATE EXTENSION pos_analytics"
[[ -n ${SETUP:-} ]] && psql -X -q -v ON_ERROR_STOP=1 "$D" -f "$SETUP"
source benches/ingest/chunks.sh; bench_chunks "$D"
psql -X -q "$D" -c "CHECKPOINT"
command -v vmstat >/dev/null || apt-get install -y -q --no-install-recommends procps >/dev/null ||
    { echo "vmstat missing and could not be installed: apt-get install -y procps" >&2; exit 1; }
source benches/ingest/writeback.sh; writeback_report
PORT=18096
POS_INGEST_LOG=info $BIN serve --url "$D" --listen 127.0.0.1:$PORT --writers "${WRITERS:-2}" $EXTRA 2>"$OUT/serve.log" &
SERVE=$!
PIDS=("$SERVE")
# The database goes too (KEEP=1 keeps it): left behind, its autovacuum would run in the next
# benchmark's time.
trap 'kill -TERM "${PIDS[@]}" 2>/dev/null || true; [[ ${KEEP:-} == 1 ]] || psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_tail WITH (FORCE)"' EXIT
sleep 2
vmstat -t -w 1 >"$OUT/vmstat.txt" & PIDS+=($!)
( while sleep 0.5; do
    psql -X -qtA -F' | ' "$D" -c "SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS'), backend_type, coalesce(application_name, ''),
        coalesce(wait_event_type || ':' || wait_event, 'cpu'), left(regexp_replace(coalesce(query, ''), '\s+', ' ', 'g'), 70)
      FROM pg_stat_activity WHERE state IS DISTINCT FROM 'idle' AND pid <> pg_backend_pid()
        AND backend_type NOT IN ('walwriter', 'logical replication launcher', 'archiver')
        AND NOT (backend_type IN ('checkpointer', 'background writer', 'autovacuum launcher') AND wait_event IN ('CheckpointerMain', 'BgWriterHibernate', 'BgWriterMain', 'AutoVacuumMain'))
        AND NOT (backend_type = 'pos_analytics scheduler' AND wait_event = 'Extension')" 2>/dev/null || true
  done >"$OUT/activity.txt" ) & PIDS+=($!)
L0=$(wc -l <"${PGLOG:-/dev/null}" 2>/dev/null || echo 0)
$LOADGEN --url http://127.0.0.1:$PORT --lines-per-sec "$RATE" --seconds "$SECS" --lines 5 --times "${TIMES:-live}" --run "tail-$RANDOM" --timeline "$OUT/timeline.csv" | tee "$OUT/loadgen.txt"
[[ -n ${PGLOG:-} ]] && tail -n +"$((L0 + 1))" "$PGLOG" >"$OUT/pg.log"
curl -s http://127.0.0.1:$PORT/metrics >"$OUT/metrics.txt"
echo "service: peak RSS $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVE/status); slow batches (>= 100 ms): $(grep -c 'slow batch' "$OUT/serve.log" || true)"
python3 - "$OUT" "${WORST:-8}" <<'PY'
import csv, re, sys, collections
out, worst = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(f"{out}/timeline.csv")))
def sec(t): return t[:8]
batch = collections.defaultdict(list)
for l in open(f"{out}/serve.log"):
    if "slow batch" in l:
        m = re.search(r"T(\d\d:\d\d:\d\d)", l)
        if m: batch[m.group(1)].append(re.sub(r".*slow batch ", "", l.strip()))
act = collections.defaultdict(list)
for l in open(f"{out}/activity.txt"):
    if "pos-ingest" in l.split(" | ")[2:3]: continue
    act[sec(l)].append(l.strip()[13:])
pg = collections.defaultdict(list)
try:
    for l in open(f"{out}/pg.log"):
        m = re.match(r"\S+ (\d\d:\d\d:\d\d)", l)
        if m: pg[m.group(1)].append(l.strip()[24:150])
except FileNotFoundError: pass
vm = {}
for l in open(f"{out}/vmstat.txt"):
    f = l.split()
    if len(f) > 17 and f[-1][:2].isdigit(): vm[f[-1]] = f"us {f[12]} sy {f[13]} id {f[14]} wa {f[15]} st {f[16]} r {f[0]}"
print("worst seconds by p99 from due (ms):")
for r in sorted(rows, key=lambda r: -float(r["p99_ms"] if r["p99_ms"] != "nan" else 0))[:worst]:
    # A request due at second s is answered within the next second or so: look at s and s+1.
    t = r["utc"]; h, m, s = map(int, t.split(":")); t1 = f"{h:02d}:{m:02d}:{s+1:02d}" if s < 59 else t
    print(f"{t}  due {r['due']} ok {r['ok']}  p50 {r['p50_ms']} p99 {r['p99_ms']} max {r['max_ms']} (send {r['max_from_send_ms']})  vmstat[{vm.get(t, '?')}]")
    for k in (t, t1):
        for b in batch.get(k, [])[:4]: print(f"    {k} batch: {b[:230]}")
        for a in sorted(set(act.get(k, [])))[:6]: print(f"    {k} pg: {a}")
        for p in pg.get(k, [])[:4]: print(f"    {k} log: {p}")
PY
kill -TERM "${PIDS[@]}" 2>/dev/null || true; wait "$SERVE" || true
