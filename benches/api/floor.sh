#!/usr/bin/env bash
# The HTTP stack's own cost per request: wrk (the same flags as run.sh) against http_floor, which
# answers every GET with a fixed JSON body on the API's stack (axum, hyper, the runtime of
# POS_API_THREADS, mimalloc) and does nothing else. Its CPU per request, plus wrk's, is the least
# an HTTP request costs on top of the query here; benches/api/RESULTS.md sets it against the
# API ≤ 1.3 × direct goal.
#   benches/api/floor.sh   env: DURATION (s, default 20), CONNS (default 8), WRK_THREADS (default 2),
#                          BODY (response bytes, default 475: the store_daily response of run.sh),
#                          BIN_DIR (prebuilt http_floor; default: build it)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-api}
DURATION=${DURATION:-20}; CONNS=${CONNS:-8}; WT=${WRK_THREADS:-2}; BODY=${BODY:-475}; PORT=${PORT:-8098}
command -v wrk >/dev/null || apt-get install -y -q --no-install-recommends wrk || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
if [[ -n ${BIN_DIR:-} ]]; then
    FLOOR=$BIN_DIR/http_floor
else
    cargo build --release -q -p pos-query-api --example http_floor
    FLOOR=$CARGO_TARGET_DIR/release/examples/http_floor
fi
$FLOOR "127.0.0.1:$PORT" "$BODY" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "localhost:$PORT/" && break; sleep 0.1; done
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
child_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
per_req() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.1f", n ? t / hz * 1e6 / n : 0 }'; }
echo "== http_floor ($BODY-byte body), wrk -t$WT -c$CONNS ${DURATION}s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
s0=$(ticks $PID); c0=$(child_ticks)
wrk -t"$WT" -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/v1/views/store_daily" | tee /tmp/pos-api-floor.txt
s1=$(ticks $PID); c1=$(child_ticks)
n=$(awk '/requests in/ {print $1}' /tmp/pos-api-floor.txt)
echo "cpu per request: server $(per_req $((s1 - s0)) "$n") us, wrk $(per_req $((c1 - c0)) "$n") us"
