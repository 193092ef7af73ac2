#!/usr/bin/env bash
# Backend memory of pos.forecast_all over a tenant of STORES × SKUS series (default 10 × 3,049 =
# 30,490, the M5 count) with DAYS of intermittent daily sales. Loads the data into a database of
# its own (bench_forecast_mem), refreshes pos.sales_daily, then runs forecast_all while sampling
# the backend's private memory (RssAnon) and peak RSS (VmHWM) from /proc every 50 ms.
#   benches/forecast/forecast_all_memory.sh [URL]     env: STORES=10 SKUS=3049 DAYS=180 HORIZON=28
# Must run on the database host (it reads /proc of the backend), as a user that can read it (root).
set -euo pipefail
cd "$(dirname "$0")/../.."
URL=${1:-$(scripts/pg-local url)}
STORES=${STORES:-10}; SKUS=${SKUS:-3049}; DAYS=${DAYS:-180}; HORIZON=${HORIZON:-28}
DB_URL="${URL%/*}/bench_forecast_mem"
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql "$URL" -c "DROP DATABASE IF EXISTS bench_forecast_mem WITH (FORCE)" -c "CREATE DATABASE bench_forecast_mem"
psql "$DB_URL" -c "CREATE EXTENSION pos_analytics"
echo "== load: $STORES stores × $SKUS SKUs × $DAYS days (machine load: $(cut -d' ' -f1-3 /proc/loadavg))"
start=$(date +%s)
psql "$DB_URL" -v stores="$STORES" -v skus="$SKUS" -v days="$DAYS" <<'SQL'
INSERT INTO pos.store (tenant_id, store_id, timezone)
SELECT 'mem', 's' || s, 'UTC' FROM generate_series(1, :stores) s;
\pset tuples_only on
SELECT pos.ensure_chunks('pos.sale_line', timestamptz '2026-01-01 00:00+00',
                         timestamptz '2026-01-01 00:00+00' + make_interval(days => :days + 1)) >= 0 AS chunks_ready;
-- SKU k sells on a day with probability 2..90 % (most series intermittent), 1-4 units; a
-- deterministic hash of (store, sku, day) decides, so reruns load the same rows.
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
SELECT 'mem', 's' || s, 'bench', s || '-' || k || '-' || d, 1,
       timestamptz '2026-01-01 12:00+00' + make_interval(days => d), date '2026-01-01' + d,
       'sale', 'sku' || k, 'sku' || k, q, 2.50, q * 2.50, 'EUR'
  FROM generate_series(1, :stores) s, generate_series(1, :skus) k, generate_series(0, :days - 1) d,
       LATERAL (SELECT abs(hashint4(s * 1000003 + k * 7919 + d * 31)) AS h) x,
       LATERAL (SELECT 1 + (x.h / 100) % 4 AS q) u
 WHERE x.h % 100 < 2 + (k * 37) % 89;
SQL
psql "$DB_URL" -c "CALL pos.refresh_continuous_aggregate('pos.sales_daily', NULL, NULL)"
psql "$DB_URL" -tAc "SELECT 'lines: ' || count(*) FROM pos.sale_line WHERE tenant_id = 'mem'"
echo "load + refresh: $(( $(date +%s) - start )) s"

echo "== pos.forecast_all('mem', $HORIZON)"
psql "$DB_URL" -tA -c "SET application_name = 'forecast_all_memory'" \
    -c "SELECT pg_sleep(1)" \
    -c "\\timing on" -c "SELECT 'series: ' || pos.forecast_all('mem', $HORIZON)" > /tmp/forecast_all_memory.out &
PSQL=$!
PID=""
for _ in $(seq 100); do
    PID=$(psql "$URL" -tAc "SELECT pid FROM pg_stat_activity WHERE application_name = 'forecast_all_memory'")
    [ -n "$PID" ] && break; sleep 0.05
done
[ -n "$PID" ] || { echo "backend not found" >&2; exit 1; }
base=$(awk '/RssAnon/ {print $2}' "/proc/$PID/status")
peak=$base; hwm=0
while kill -0 "$PSQL" 2>/dev/null && [ -r "/proc/$PID/status" ]; do
    cur=$(awk '/RssAnon/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
    h=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status" 2>/dev/null || true)
    [ -n "$h" ] && hwm=$h
    [ "${cur:-0}" -gt "$peak" ] && peak=$cur
    sleep 0.05
done
wait "$PSQL"
grep -v '^$' /tmp/forecast_all_memory.out
echo "backend RssAnon before: $((base / 1024)) MB, peak during forecast_all: $((peak / 1024)) MB; VmHWM (incl. shared buffers touched): $((hwm / 1024)) MB"
psql "$DB_URL" -tAc "SELECT 'rows in pos.demand_forecast: ' || count(*) FROM pos.demand_forecast WHERE tenant_id = 'mem'"
