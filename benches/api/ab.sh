#!/usr/bin/env bash
# Before/after of the API benchmark in one run: two clusters, each on its own PostgreSQL
# installation carrying its own build of the extension (POS_PG_BIN), and each side's own
# pos-query-api and direct_loop (BIN_DIR, see run.sh), measured by run.sh one after the other on
# the same port, ROUNDS times alternately. The clusters live under /var/tmp and are kept for a
# re-run (bench data is loaded once); `benches/api/ab.sh --destroy` removes them.
#   env: BEFORE_PG_BIN, BEFORE_BIN_DIR, AFTER_PG_BIN, AFTER_BIN_DIR (required), PGPORT,
#        ROUNDS (default 1), and run.sh's (DURATION, CONNS, POOL, PATHS, …)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir() { echo "/var/tmp/pos-api-bench-$1"; }
if [[ ${1:-} == --destroy ]]; then
    for s in before after; do POS_PGDIR=$(dir $s) scripts/pg-local destroy; done
    exit 0
fi
: "${BEFORE_PG_BIN:?}" "${BEFORE_BIN_DIR:?}" "${AFTER_PG_BIN:?}" "${AFTER_BIN_DIR:?}"
side() { # name pg_bin bin_dir
    local pg="POS_PG_BIN=$2 POS_PGDIR=$(dir "$1")"
    env $pg scripts/pg-local start
    echo "######## $1: $2, $3"
    POS_BENCH_URL=$(env $pg scripts/pg-local url) BIN_DIR=$3 benches/api/run.sh || { env $pg scripts/pg-local stop; exit 1; }
    env $pg scripts/pg-local stop
}
for round in $(seq "${ROUNDS:-1}"); do
    echo "######## round $round"
    side before "$BEFORE_PG_BIN" "$BEFORE_BIN_DIR"
    side after "$AFTER_PG_BIN" "$AFTER_BIN_DIR"
done
