#!/usr/bin/env bash
# Do plans on fresh data get worse under the open-chunk policy (docs/dba.md "Chunks while they
# are written")? Two databases with the same day of lines, written in time order in 12 steps
# with an ANALYZE after each (as autovacuum does while a chunk grows ~10 % per visit) and 5 %
# more after the last one: one with the policy (statistics target 10 on the open chunk), one
# with the defaults. Then EXPLAIN ANALYZE in both of what reads the fresh rows: the refresh of
# the current hour (sales_hourly) and of the current day (sales_daily, store_daily_txn), and
# the real-time views above a watermark one hour old. Prints both plans side by side.
#   benches/ingest/open-chunk-plans.sh ADMIN_URL    env: STEP (lines per step, 100000), OUT (/tmp/open-chunk-plans)
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; STEP=${STEP:-100000}; OUT=${OUT:-/tmp/open-chunk-plans}
cd "$(dirname "$0")/../.."
mkdir -p "$OUT"
DAY=$(psql -X -qtA "$ADMIN" -c "SELECT (now() AT TIME ZONE 'UTC')::date - 1")
# Lines n..n+k-1 of the day: 40 stores of 2 tenants, 3 000 SKUs, 3 lines a transaction, a line
# every 86400/(13.2*STEP) s in time order; 2 % returns, 1 % voids, 1 % post-voided.
lines() {
cat <<SQL
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, txn_status,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, cashier_id)
SELECT 't' || (g % 2), 's' || (g % 40), 'gen', 'tx' || (g / 3), g % 3, ts, ((ts - interval '5 hours') AT TIME ZONE 'UTC')::date,
       CASE WHEN g % 100 = 7 THEN 'post_voided' ELSE 'completed' END,
       k, 'sku' || ((g::bigint * 7919) % 3000), 'sku' || ((g::bigint * 7919) % 3000),
       CASE k WHEN 'sale' THEN 1 ELSE -1 END, 2.50, CASE k WHEN 'sale' THEN 2.50 ELSE -2.50 END, 'USD', 'c' || (g % 400)
  FROM generate_series(\$1, \$2) g,
       LATERAL (SELECT timestamptz '$DAY 00:00+00' + g * (interval '86400 seconds' / (13.2 * $STEP)) AS ts,
                       CASE WHEN g % 50 = 3 THEN 'return' WHEN g % 100 = 11 THEN 'void' ELSE 'sale' END AS k) t;
INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, status, currency, net_amount)
SELECT DISTINCT ON (g / 3) 't' || (g % 2), 's' || (g % 40), 'gen', 'tx' || (g / 3), ts, ((ts - interval '5 hours') AT TIME ZONE 'UTC')::date,
       CASE WHEN g % 100 = 7 THEN 'post_voided' ELSE 'completed' END, 'USD', 7.50
  FROM generate_series(\$1, \$2) g,
       LATERAL (SELECT timestamptz '$DAY 00:00+00' + g * (interval '86400 seconds' / (13.2 * $STEP)) AS ts) t
 ORDER BY g / 3, g;
SQL
}
for v in policy defaults; do
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS plans_$v WITH (FORCE)" -c "CREATE DATABASE plans_$v"
  D=$BASE/plans_$v
  psql -X -q "$D" -c "CREATE EXTENSION pos_analytics"
  [[ $v == defaults ]] && psql -X -q "$D" -f benches/ingest/chunks-autovacuum-defaults.sql
  # autovacuum off for these two databases' chunks: the ANALYZEs below stand for its visits
  psql -X -q "$D" -c "UPDATE pos.hypertable SET open_chunk_reloptions = open_chunk_reloptions || '{autovacuum_enabled=false}'"
  for t in pos.txn pos.sale_line pos.tender; do psql -X -q -tA "$D" -c "SELECT pos.ensure_chunks('$t', '$DAY', '$DAY')" >/dev/null; done
  # Everything up to the day before is materialized: the views' live part starts at $DAY.
  for c in pos.sales_hourly pos.sales_daily pos_caggs.store_daily_txn; do
    psql -X -q "$D" -c "CALL pos.refresh_continuous_aggregate('$c', NULL, '$DAY')"
  done
  for i in $(seq 0 11); do
    lines | sed "s/\\\$1/$((i * STEP))/; s/\\\$2/$(((i + 1) * STEP - 1))/" | psql -X -q -v ON_ERROR_STOP=1 "$D"
    psql -X -q "$D" -c "ANALYZE pos_chunks.sale_line_${DAY//-/}t0000, pos_chunks.txn_${DAY//-/}t0000"
  done
  lines | sed "s/\\\$1/$((12 * STEP))/; s/\\\$2/$((12 * STEP + STEP / 2 - 1))/" | psql -X -q -v ON_ERROR_STOP=1 "$D"
  LAST=$(psql -X -qtA "$D" -c "SELECT date_trunc('hour', max(occurred_at)) FROM pos.sale_line")
  BD=$(psql -X -qtA "$D" -c "SELECT max(business_date) FROM pos.sale_line")
  {
  echo "== $v: current hour $LAST, business date $BD; chunk statistics target $(psql -X -qtA "$D" -c "SELECT max(attstattarget) FROM pg_attribute WHERE attrelid = 'pos_chunks.sale_line_${DAY//-/}t0000'::regclass AND attnum > 0")"
  psql -X -q "$D" <<SQL
\\echo -- refresh of the current hour (sales_hourly)
EXPLAIN (ANALYZE, COSTS, TIMING OFF, SUMMARY ON) $(psql -X -qtA "$D" -c "SELECT pos._cagg_select_sql(c, c.source, format('occurred_at >= %L AND occurred_at < %L', '$LAST'::timestamptz, '$LAST'::timestamptz + interval '1 hour')) FROM pos.continuous_aggregate c WHERE view_name = 'pos.sales_hourly'::regclass");
\\echo -- refresh of the current business day (sales_daily)
EXPLAIN (ANALYZE, COSTS, TIMING OFF, SUMMARY ON) $(psql -X -qtA "$D" -c "SELECT pos._cagg_select_sql(c, c.source, format('occurred_at >= %L AND occurred_at < %L AND business_date >= %L AND business_date < %L', '$BD'::date - 2, '$BD'::date + 3, '$BD', '$BD'::date + 1)) FROM pos.continuous_aggregate c WHERE view_name = 'pos.sales_daily'::regclass");
\\echo -- refresh of the current business day (store_daily_txn)
EXPLAIN (ANALYZE, COSTS, TIMING OFF, SUMMARY ON) $(psql -X -qtA "$D" -c "SELECT pos._cagg_select_sql(c, c.source, format('occurred_at >= %L AND occurred_at < %L AND business_date >= %L AND business_date < %L', '$BD'::date - 2, '$BD'::date + 3, '$BD', '$BD'::date + 1)) FROM pos.continuous_aggregate c WHERE view_name = 'pos_caggs.store_daily_txn'::regclass");
\\echo -- real-time view: the last hour of one store
EXPLAIN (ANALYZE, COSTS, TIMING OFF, SUMMARY ON) SELECT sku, sum(net) FROM pos.sales_hourly WHERE tenant_id = 't1' AND store_id = 's3' AND hour >= '$LAST' GROUP BY sku;
\\echo -- real-time view: today's end-of-day report
EXPLAIN (ANALYZE, COSTS, TIMING OFF, SUMMARY ON) SELECT * FROM pos.store_daily WHERE business_date = '$BD';
SQL
  } >"$OUT/$v.txt"
done
for v in policy defaults; do echo "== $v"; grep -E "^--|^==|Execution Time|Scan|Aggregate|Sort  |Hash  " "$OUT/$v.txt" | sed 's/ (actual/\n        (actual/' | head -80; done
