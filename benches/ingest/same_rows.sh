#!/usr/bin/env bash
# What the ratio to raw COPY can be at best: the full write path (`pos-ingest generate`) against
# raw binary COPY of every row that path writes (inbox, headers, lines, tenders, stock levels,
# drawer events, batch audit rows), in one stream and in two (as generate's two writers), and of
# the sale lines alone (run.sh's reference), alternated in rounds, each into a fresh database
# with its chunks made.
#   benches/ingest/same_rows.sh [ADMIN_URL]    env: DAYS (30), ROUNDS (3), POS_INGEST_BIN,
#       SETUP_SQL (run in generate's database before its chunks are made, e.g. DROP INDEX … to
#       see what an index costs the full path; the raw COPYs keep the schema as shipped)
set -euo pipefail
cd "$(dirname "$0")/../.."
ADMIN=${1:-$(scripts/pg-local url)}
BASE=${ADMIN%/*}
DAYS=${DAYS:-30}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
[[ -n ${POS_INGEST_BIN:-} ]] || cargo build --release -q -p pos-ingest --bin pos-ingest
BIN=${POS_INGEST_BIN:-$CARGO_TARGET_DIR/release/pos-ingest}
source benches/ingest/writeback.sh; writeback_report
DIR=$(mktemp -d /tmp/same_rows.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
DAY0=2026-01-05
FROM=$(date -d "$DAY0 -1 day" +%F)
TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
HYPERTABLES="pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level"
# Every table generate writes, and how its rows are split into two halves of about equal work
# (a transaction's header, lines and tenders fall in the same half).
declare -A HALF=([pos.raw_inbox]="inbox_id % 2" [pos.txn]="hashtext(source_txn_id) & 1"
    [pos.sale_line]="hashtext(source_txn_id) & 1" [pos.tender]="hashtext(source_txn_id) & 1"
    [pos.inventory_level]="hashtext(sku) & 1" [pos.drawer_event]="hashtext(source_event_id) & 1"
    [pos.ingest_batch]="batch_id % 2")
TABLES="pos.raw_inbox pos.txn pos.sale_line pos.tender pos.inventory_level pos.drawer_event pos.ingest_batch"

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
fresh() {
    q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>/dev/null
    q "$BASE/$1" -c "CREATE EXTENSION pos_analytics"
    [[ ${2:-} != - ]] || q "$BASE/$1" -c "$SETUP_SQL"
    local tables=${2:-$HYPERTABLES}; [[ $tables != - ]] || tables=$HYPERTABLES
    for t in $tables; do q -tA "$BASE/$1" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '$FROM', '$TO')" >/dev/null; done
    q "$BASE/$1" -c CHECKPOINT
}
now() { date +%s.%N; }
# copy_file NAME PREFIX TABLE…: NAME.sql loads the tables from the files PREFIX.<table>.bin.
copy_file() {
    local name=$1 prefix=$2; shift 2
    for t in "$@"; do echo "\\copy $t FROM '$DIR/$prefix.$t.bin' WITH (FORMAT binary)"; done > "$DIR/$name.sql"
}

generate() {
    fresh same_rows_gen "${SETUP_SQL:+-}"
    "$BIN" generate --url "$BASE/same_rows_gen" --stores 3 --skus 300 --days "$DAYS" --start-date $DAY0 --seed 1 \
        --quiet | awk '/^time:/ {print $4}'
}

export_rows() {
    for t in $TABLES; do
        q "$BASE/same_rows_gen" -c "\\copy (SELECT * FROM $t) TO '$DIR/all.$t.bin' WITH (FORMAT binary)"
        for h in 0 1; do
            q "$BASE/same_rows_gen" -c "\\copy (SELECT * FROM $t WHERE (${HALF[$t]}) = $h) TO '$DIR/half$h.$t.bin' WITH (FORMAT binary)"
        done
    done
    # shellcheck disable=SC2086
    copy_file every_row all $TABLES; copy_file half0 half0 $TABLES; copy_file half1 half1 $TABLES
    copy_file lines all pos.sale_line
    q -tA "$BASE/same_rows_gen" -c "SELECT string_agg(format('%s %s', t, n), ', ') FROM (VALUES
        ('inbox', (SELECT count(*) FROM pos.raw_inbox)), ('headers', (SELECT count(*) FROM pos.txn)),
        ('lines', (SELECT count(*) FROM pos.sale_line)), ('tenders', (SELECT count(*) FROM pos.tender)),
        ('stock levels', (SELECT count(*) FROM pos.inventory_level)),
        ('drawer events', (SELECT count(*) FROM pos.drawer_event))) v(t, n)"
}

# Seconds to load the given .sql files into a fresh database, all at once (one session each).
raw_copy() {
    local tables=$1; shift
    fresh same_rows_copy "$tables"
    local s; s=$(now)
    for f in "$@"; do q "$BASE/same_rows_copy" -f "$DIR/$f.sql" & done
    wait
    python3 -c "print($(now) - $s)"
}

echo "== same rows: generate ($DAYS days, 3 stores) against raw binary COPY of the rows it wrote"
G=$(generate)
export_rows
LINES=$(q -tA "$BASE/same_rows_gen" -c "SELECT count(*) FROM pos.sale_line")
for round in $(seq "${ROUNDS:-3}"); do
    [[ $round == 1 ]] || G=$(generate)
    one=$(raw_copy "$HYPERTABLES" every_row)
    two=$(raw_copy "$HYPERTABLES" half0 half1)
    lines=$(raw_copy pos.sale_line lines)
    python3 - "$G" "$one" "$two" "$lines" "$LINES" "$round" <<'EOF'
import sys
g, one, two, lines, n, r = map(float, sys.argv[1:])
print(f"round {r:.0f}: generate {g:.0f} lines/s; raw COPY of every row it wrote {n/one:.0f} (one stream), "
      f"{n/two:.0f} (two); of the sale lines alone {n/lines:.0f}. generate / every row: {g*one/n:.2f} (one), "
      f"{g*two/n:.2f} (two); generate / lines alone {g*lines/n:.2f}; every row (two) / lines alone {lines/two:.2f}")
EOF
done
