#!/usr/bin/env bash
# Query API benchmark: wrk on a one-store-one-day request of pos.store_daily vs the same SQL over
# direct tokio-postgres connections, in one run; then (with --soak) RSS of the API under a
# 5-minute wrk run.
#   benches/api/run.sh [--soak]   env: POS_BENCH_URL (admin URL; default: scripts/pg-local url),
#                                 DURATION (s, default 30), CONNS (HTTP connections, default 32),
#                                 POOL (API pool = direct connections, default 4),
#                                 WRK_THREADS (default 2; 1 with CONNS=1 POOL=1 compares the
#                                 time of one request at a time, API against direct query),
#                                 VIEW, QUERY (default store_daily, one store and one day),
#                                 POS_API_PLAN_CACHE_MODE, POS_API_THREADS (API and direct loop alike),
#                                 PATHS (default "false true": one measurement per value of
#                                 POS_API_MATERIALIZED_PATHS, i.e. the view itself, then its
#                                 materialized path when the API would use it),
#                                 BIN_DIR (prebuilt pos-query-api and direct_loop, e.g. of an
#                                 earlier commit for a before/after run; default: build them),
#                                 ROUNDS (default 1: direct then API, DURATION s each, ROUNDS
#                                 times, alternated, with totals at the end)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-api}
URL=${POS_BENCH_URL:-$(scripts/pg-local url)}
DURATION=${DURATION:-30}; CONNS=${CONNS:-32}; POOL=${POOL:-4}; PORT=${PORT:-8097}; WT=${WRK_THREADS:-2}
SVC_URL=$(echo "$URL" | sed -E 's#://[^@/]*@#://pos_api_bench_svc@#')
command -v wrk >/dev/null || apt-get install -y -q --no-install-recommends wrk || { echo "wrk missing and could not be installed: apt-get install -y wrk" >&2; exit 1; }
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$URL" "$@"; }

if [[ -n ${BIN_DIR:-} ]]; then
    BIN=$BIN_DIR/pos-query-api DIRECT=$BIN_DIR/direct_loop
else
    cargo build --release -q -p pos-query-api --bin pos-query-api --example direct_loop
    BIN=$CARGO_TARGET_DIR/release/pos-query-api DIRECT=$CARGO_TARGET_DIR/release/examples/direct_loop
fi

echo "== data (tenant bench) and roles"
if [[ $(psql -tAc "SELECT count(*) FROM pos.txn WHERE tenant_id = 'bench'") != 180000 ]]; then
    psql -f benches/api/data.sql >/dev/null
fi
# Materialize every continuous aggregate (store_daily sums four of them).
for v in $(psql -tAc "SELECT view_name FROM pos.continuous_aggregate ORDER BY 1"); do
    psql -c "CALL pos.refresh_continuous_aggregate('$v', NULL, NULL)" >/dev/null
done
psql -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pos_api_bench_svc') THEN
           CREATE ROLE pos_api_bench_svc LOGIN; END IF; END \$\$; GRANT pos_api TO pos_api_bench_svc;"
POS_API_ADMIN_URL=$URL $BIN migrate >/dev/null
KEY=$(POS_API_ADMIN_URL=$URL $BIN keys create --tenant bench --label bench 2>/dev/null)

VIEW=${VIEW:-store_daily}
QUERY=${QUERY:-store_id=eq.S07&business_date=eq.2026-10-15}
API_PID=
trap '[[ -n $API_PID ]] && kill $API_PID 2>/dev/null || true' EXIT
start_api() {
    POS_API_MATERIALIZED_PATHS=$1 POS_API_DATABASE_URL=$SVC_URL POS_API_LISTEN=127.0.0.1:$PORT POS_API_POOL_SIZE=$POOL \
        RUST_LOG=warn $BIN serve &
    API_PID=$!
    for _ in $(seq 50); do curl -sf "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
    echo "== sample response"
    curl -sf "localhost:$PORT/v1/views/$VIEW?$QUERY" -H "Authorization: Bearer $KEY"; echo
}
stop_api() { kill "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=; }

# CPU accounting (clock ticks of utime+stime): where the 2 cores go per request.
PM=$(head -1 "$(psql -tAc 'SHOW data_directory')/postmaster.pid")
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The cluster: the postmaster with its exited children, plus every live child (the backends).
pg_ticks() {
    local t c
    t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$PM/stat")
    for c in $(pgrep -P "$PM"); do t=$((t + $(ticks "$c"))); done
    echo "$t"
}
# This shell's exited children (the direct loop, wrk).
child_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
per_req() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }'; }

echo "== machine: $(nproc) cores, $(date -u +%FT%TZ), PostgreSQL $(psql -tAc 'SHOW server_version'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
read -ra PATHS_LIST <<<"${PATHS:-false true}"
ROUNDS=${ROUNDS:-1}
for paths in "${PATHS_LIST[@]}"; do
echo "==== POS_API_MATERIALIZED_PATHS=$paths"
start_api "$paths"
dn=0 an=0
for round in $(seq "$ROUNDS"); do
[[ $ROUNDS -gt 1 ]] && echo "=== round $round of $ROUNDS"
echo "== direct tokio-postgres loop ($POOL connections, ${DURATION}s)"
pg0=$(pg_ticks); c0=$(child_ticks)
POS_API_MATERIALIZED_PATHS=$paths $DIRECT "$SVC_URL" "$VIEW" "$QUERY" bench "$POOL" "$DURATION" | tee /tmp/pos-api-direct.txt
sleep 1 # the loop's backends have exited; let the postmaster reap them (their CPU moves to it)
pg1=$(pg_ticks); c1=$(child_ticks)
n=$(awk '/^direct:/ {print $2}' /tmp/pos-api-direct.txt)
dn=$((dn + n))
echo "cpu per request: PostgreSQL $(per_req $((pg1 - pg0)) "$n") us, direct loop $(per_req $((c1 - c0)) "$n") us"
echo "== API via wrk (-t$WT -c$CONNS, ${DURATION}s, pool $POOL)"
pg0=$(pg_ticks); c0=$(child_ticks); a0=$(ticks $API_PID)
wrk -t"$WT" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/views/$VIEW?$QUERY" | tee /tmp/pos-api-wrk.txt
pg1=$(pg_ticks); c1=$(child_ticks); a1=$(ticks $API_PID)
n=$(awk '/requests in/ {print $1}' /tmp/pos-api-wrk.txt)
an=$((an + n))
echo "cpu per request: PostgreSQL $(per_req $((pg1 - pg0)) "$n") us, API $(per_req $((a1 - a0)) "$n") us, wrk $(per_req $((c1 - c0)) "$n") us"
done
# Alternating short rounds (ROUNDS > 1) lets a drift of the machine or of the query's cost
# fall on both sides alike; the totals are over every round.
awk -v d="$dn" -v a="$an" -v t="$((ROUNDS * DURATION))" 'BEGIN {
    printf "== totals over %d s a side: direct %.0f req/s, API %.0f req/s, direct / API %.2f\n", t, d / t, a / t, a ? d / a : 0 }'
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# the soak below runs on the last API started
[[ "${1:-}" == "--soak" && $paths == "${PATHS_LIST[-1]}" ]] || stop_api
done

if [[ "${1:-}" == "--soak" ]]; then
    echo "== soak: RSS of the API (kB) every 15 s during a 300 s wrk run"
    wrk -t"$WT" -c"$CONNS" -d300s --latency -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/views/$VIEW?$QUERY" > /tmp/pos-api-soak.txt &
    WRK=$!
    for i in $(seq 0 15 300); do
        echo "t=${i}s rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$API_PID/status)"
        sleep 15
    done
    wait $WRK
    grep -E "Requests/sec|Latency|99%" /tmp/pos-api-soak.txt
    echo "t=end rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$API_PID/status)"
fi
