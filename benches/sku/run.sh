#!/usr/bin/env bash
# SKU benchmarks: core throughput (release bench binary), then SQL over 1 M rows when a database
# URL with the extension installed is given.
#   benches/sku/run.sh [postgres://…/db]
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== core: cargo bench -p pos-core --bench sku =="
cargo bench -q -p pos-core --bench sku
if [ $# -ge 1 ]; then
    echo "== SQL: 1 M rows =="
    psql -X -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pos_analytics" "$1" >/dev/null
    psql -X -v ON_ERROR_STOP=1 -f benches/sku/sql_1m.sql "$1"
fi
