#!/usr/bin/env bash
# Instructions per single-line transaction into pos.sale_line, counted by callgrind in PostgreSQL's
# single-user mode: the invalidation trigger disabled, enabled above the threshold (nothing to
# log) and below it (a span logged at commit). Unlike times, counts do not depend on what else the
# machine runs. Per transaction = (I(N2) - I(N1)) / (N2 - N1): start-up and shutdown cancel out.
# Needs `run.sh load` and `run.sh overhead` (or `refresh`) done before, and the cluster STOPPED:
#   scripts/pg-local stop
#   POS_PGDIR=$PWD/.pg POS_PG_BIN=/opt/pg-x/usr/lib/postgresql/15/bin benches/caggs/instructions.sh [lib.so …]
# With .so files as arguments, each is installed in turn as the extension's library (A/B of builds).
# The library is preloaded, as on our clusters (the trigger then keeps thresholds across
# transactions); PRELOAD= counts the path of a cluster that does not preload it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${POS_PG_BIN:-/usr/lib/postgresql/15/bin}
DATA=${POS_PGDIR:-$HERE/../../.pg}/data
LIB=$("$BIN/pg_config" --pkglibdir)/pos_analytics.so
N1=${N1:-100} N2=${N2:-600}
command -v valgrind >/dev/null || apt-get install -y -q --no-install-recommends valgrind ||
    { echo "valgrind missing and could not be installed: apt-get install -y valgrind" >&2; exit 1; }
INS="INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency) SELECT 't1', 's1', 'ovh', 'p' || n, 1, m.t0 + n * interval '10 ms', (m.t0 AT TIME ZONE 'UTC')::date, 'sale', 'sku' || (n % 50), 'r', 1, 2.5, 2.5, 'USD' FROM bench.mode m, nextval('bench.ovh_seq') n;"
single() {
    runuser -u postgres -- "$@" "$BIN/postgres" --single -D "$DATA" -c shared_buffers=32MB \
        -c synchronous_commit=off -c shared_preload_libraries="${PRELOAD-pos_analytics}" caggs_bench
}
count() { # instructions of one single-user session running $2 single-line transactions in mode $1
    # one statement a line: single-user mode runs each line as one query (VACUUM must be alone)
    printf '%s\n' "SELECT bench.cleanup();" "VACUUM pos.sale_line;" "SELECT bench.setup_mode('$1');" | single >/dev/null 2>&1
    local out; out=$(mktemp -u /tmp/pos-callgrind.XXXXXX) # a name only: valgrind runs as postgres
    { for _ in $(seq "$2"); do echo "$INS"; done; } |
        single valgrind --tool=callgrind --callgrind-out-file="$out" >/dev/null 2>&1
    grep -m1 '^summary:' "$out" | cut -d' ' -f2
    rm -f "$out"
}
for so in "${@:-}"; do
    [[ -n $so ]] && install -m 755 "$so" "$LIB"
    declare -A per
    for mode in none_above above none_below below; do
        a=$(count "$mode" "$N1"); b=$(count "$mode" "$N2")
        per[$mode]=$(((b - a) / (N2 - N1)))
    done
    # each enabled mode against the trigger disabled writing into the same chunk
    for mode in above below; do
        echo "${so:-installed build}, $mode: ${per[$mode]} instructions per transaction vs ${per[none_$mode]} disabled:" \
             "$((per[$mode] - per[none_$mode])) more ($(awk -v a="${per[$mode]}" -v b="${per[none_$mode]}" 'BEGIN {printf "%+.1f %%", (a / b - 1) * 100}'))"
    done
done
echo "SELECT bench.cleanup();" | single >/dev/null 2>&1
