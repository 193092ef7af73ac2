#!/bin/bash
# What pos.fraud_context_json (the context a real-time fraud score reads inside the commit) costs
# on a long history: makes a scratch database on a running server, generates DAYS days of a
# 3-store chain into it through pos-ingest (daily chunks), installs 0.2.2's version of the
# function beside the shipped one (from the frozen install script), scores the last three days
# and runs context_cost.sql, which times both on the same contexts and checks that they agree.
#   benches/fraud/context_cost.sh [SERVER_URL]     (default postgresql://postgres@localhost:5544)
#   DAYS=365 N=300 DB=pos_context_bench
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVER=${1:-postgresql://postgres@localhost:5544}
DB=${DB:-pos_context_bench}
DAYS=${DAYS:-365}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build -q --release -p pos-ingest)
psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
URL="$SERVER/$DB"
psql -q "$URL" -c "CREATE EXTENSION pos_analytics" -c "CREATE SCHEMA bench"
start=$(date +%s)
"$CARGO_TARGET_DIR/release/pos-ingest" generate --url "$URL" --tenant t1 --days "$DAYS" --stores 3 --quiet
echo "generated $DAYS days in $(( $(date +%s) - start )) s"
sed -n '/^CREATE FUNCTION pos.fraud_context_json(/,/^\$\$;$/p' "$ROOT/pg-extension/sql/pos_analytics--0.2.2.sql" \
    | sed '1s/pos\.fraud_context_json/bench.fraud_context_json_022/' | psql -q "$URL"
# Score the last three days as the commit trigger would have (a baseline fitted on the first 60):
# a transaction's context reads its cashier's scored transactions of the day.
psql -q "$URL" -c "SELECT sum(transactions) AS fitted FROM pos.fraud_fit_baseline('t1',
        (SELECT min(business_date) + 1 FROM pos.txn WHERE tenant_id = 't1'), (SELECT min(business_date) + 60 FROM pos.txn WHERE tenant_id = 't1'))" \
    -c "SELECT pos.fraud_scan('t1', (SELECT max(business_date) - 2 FROM pos.txn WHERE tenant_id = 't1'),
        (SELECT max(business_date) FROM pos.txn WHERE tenant_id = 't1')) AS scored"
psql -q "$URL" -c "ANALYZE"
psql -q "$URL" -v n="${N:-300}" -f "$HERE/context_cost.sql"
