#!/usr/bin/env bash
# COPY rate into the pos.sale_line hypertable vs the same rows into a plain table with the same
# columns, keys and indexes, measured in one run (alternating, ROUNDS times; median reported).
#   benches/foundation/copy_rate.sh [ROWS=2000000] [ROUNDS=3]
# Needs the local cluster (scripts/pg-local start). Prints a markdown table row for RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-2000000}
ROUNDS=${2:-3}
scripts/pg-local start >/dev/null
URL=$(scripts/pg-local url)
FILE=/tmp/pos_copy_bench.csv
q() { psql -X -q -v ON_ERROR_STOP=1 "$URL" "$@"; }

q -c "COPY (
  SELECT 'bench', 's' || (g % 20), 'gen', 'tx' || (g / 4), g % 4,
         timestamptz '2026-03-02 00:00+00' + (g / 4) * (interval '30 days' / ($ROWS / 4)),
         date '2026-03-02' + ((g / 4) * 30 / ($ROWS / 4))::int, 0, 'completed', 'sale',
         'sku' || (g % 5000), NULL, 'sku' || (g % 5000), NULL, 1 + g % 3, 2.50, 0, 2.50 * (1 + g % 3), 0.2, 'USD',
         'scanned', false, 'r1', 'c' || (g % 30), NULL, NULL, NULL, NULL
    FROM generate_series(0, $ROWS - 1) g) TO '$FILE' (FORMAT csv)"
q -c "SELECT pos.ensure_chunks('pos.sale_line', '2026-03-02', '2026-04-01')" >/dev/null

# Copies the file into $1 after emptying it; prints seconds.
copy_secs() {
    q -c "TRUNCATE $1" >/dev/null
    q -c "CHECKPOINT" >/dev/null
    local t0 t1
    t0=$(date +%s.%N)
    q -c "COPY $1 FROM '$FILE' (FORMAT csv)"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'
}

q -c "DROP TABLE IF EXISTS bench_plain_sale_line; CREATE UNLOGGED TABLE bench_plain_sale_line (LIKE pos.sale_line INCLUDING ALL); ALTER TABLE bench_plain_sale_line SET LOGGED" >/dev/null
hyper=(); plain=()
for ((i = 0; i < ROUNDS; i++)); do
    plain+=("$(copy_secs bench_plain_sale_line)")
    hyper+=("$(copy_secs pos.sale_line)")
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mh=$(med "${hyper[@]}"); mp=$(med "${plain[@]}")
rh=$(awk -v n="$ROWS" -v t="$mh" 'BEGIN {printf "%.0f", n / t}'); rp=$(awk -v n="$ROWS" -v t="$mp" 'BEGIN {printf "%.0f", n / t}')
ratio=$(awk -v a="$mp" -v b="$mh" 'BEGIN {printf "%.3f", a / b}')
echo "hypertable runs (s): ${hyper[*]}"
echo "plain runs (s):      ${plain[*]}"
echo "| $(date -u +%F) | $ROWS | $rh rows/s | $rp rows/s | $ratio |"
q -c "DROP TABLE bench_plain_sale_line; DELETE FROM pos.sale_line WHERE tenant_id = 'bench'" >/dev/null
rm -f "$FILE"
