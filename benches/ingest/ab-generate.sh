#!/usr/bin/env bash
# A/B of the generate write path between pos-ingest binaries (e.g. main's and a branch's):
#   benches/ingest/ab-generate.sh ADMIN_URL BIN_A BIN_B [BIN_A BIN_B …]    env: DAYS (30), RAW (1), BATCH (generate --batch),
#       FACTS (1: also the raw COPY of every fact row generate wrote, all five hypertables, in two
#       streams as generate's two writers)
# A binary may be given as BIN+SETUP.sql: SETUP.sql runs after CREATE EXTENSION (e.g. to restore
# an older definition of a trigger, so an old binary runs against the schema it shipped with).
# Each run: fresh database, chunks beforehand (as run.sh), CHECKPOINT, then time, WAL bytes and
# inbox size of `generate`; with RAW=1 also, right after it, the raw binary COPY of the same sale
# lines into pos.sale_line of another fresh database (chunks beforehand, CHECKPOINT), and the
# ratio of the two rates. Alternate the binaries: on a shared machine the spread is large.
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; DAYS=${DAYS:-30}; shift
DAY0=2026-01-05; FROM=$(date -d "$DAY0 -1 day" +%F); TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
fresh() {
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  psql -X -q "$BASE/$1" -c "CREATE EXTENSION pos_analytics"
  for t in "${@:2}"; do psql -X -q -tA "$BASE/$1" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '$FROM', '$TO')" >/dev/null; done
}
now() { date +%s.%N; }
# A fresh database bench_ab_raw (in $R) with the chunks of the given tables, the run's SETUP (the
# same table definitions as the path under test: raw COPY pays for the same indexes) and a
# CHECKPOINT, ready for a timed raw COPY.
raw_db() {
  fresh bench_ab_raw "$@"
  R=$BASE/bench_ab_raw
  [[ -n $SETUP ]] && psql -X -q -v ON_ERROR_STOP=1 "$R" -f "$SETUP"
  psql -X -q "$R" -c "CHECKPOINT"
}
for ARG in "$@"; do
  BIN=${ARG%%+*}; SETUP=; [[ $ARG == *+* ]] && SETUP=${ARG#*+}
  fresh bench_ab pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level
  D=$BASE/bench_ab
  [[ -n $SETUP ]] && psql -X -q -v ON_ERROR_STOP=1 "$D" -f "$SETUP"
  psql -X -q "$D" -c "CHECKPOINT"
  L0=$(psql -X -qtA "$D" -c "SELECT pg_current_wal_lsn()")
  S=$(now)
  "$BIN" generate --url "$D" --stores 3 --skus 300 --days "$DAYS" --start-date $DAY0 --seed 1 --quiet ${BATCH:+--batch $BATCH}
  GEN=$(python3 -c "print($(now) - $S)")
  LINES=$(psql -X -qtA "$D" -c "SELECT count(*) FROM pos.sale_line")
  OUT="$(basename "$BIN")${SETUP:+ + $(basename "$SETUP")}: $(python3 -c "print(f'{$GEN:.2f} s, {$LINES / $GEN:.0f} lines/s')"), WAL $(psql -X -qtA "$D" -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$L0')) || ', inbox ' || pg_size_pretty(pg_total_relation_size('pos.raw_inbox'))"), lines $LINES"
  if [[ ${RAW:-1} == 1 ]]; then
    psql -X -q "$D" -c "\copy (SELECT * FROM pos.sale_line) TO '/tmp/bench_ab_lines.bin' WITH (FORMAT binary)"
    raw_db pos.sale_line
    L1=$(psql -X -qtA "$R" -c "SELECT pg_current_wal_lsn()")
    S=$(now)
    psql -X -q "$R" -c "\copy pos.sale_line FROM '/tmp/bench_ab_lines.bin' WITH (FORMAT binary)"
    RAWS=$(python3 -c "print($(now) - $S)")
    OUT+="; raw COPY $(python3 -c "print(f'{$RAWS:.2f} s, {$LINES / $RAWS:.0f} lines/s')"), WAL $(psql -X -qtA "$R" -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$L1'))"); ratio $(python3 -c "print(f'{$RAWS / $GEN:.2f}')")"
  fi
  if [[ ${FACTS:-} == 1 ]]; then
    # The same rows of every hypertable (headers, lines, tenders, drawer events, stock levels):
    # what generate writes besides the inbox, its audit rows and the SKU aliases.
    FT="pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level"
    for t in $FT; do psql -X -q "$D" -c "\copy (SELECT * FROM $t) TO '/tmp/bench_ab_${t#pos.}.bin' WITH (FORMAT binary)"; done
    raw_db $FT
    S=$(now)
    # Two streams at once, as generate's two writers: the lines in one, the other tables in turn
    # in the other (the lines are about as much work as the rest together).
    psql -X -q "$R" -c "\copy pos.sale_line FROM '/tmp/bench_ab_sale_line.bin' WITH (FORMAT binary)" &
    for t in ${FT/pos.sale_line /}; do psql -X -q "$R" -c "\copy $t FROM '/tmp/bench_ab_${t#pos.}.bin' WITH (FORMAT binary)"; done
    wait
    RAWS=$(python3 -c "print($(now) - $S)")
    ROWS=$(psql -X -qtA "$R" -c "SELECT (SELECT count(*) FROM pos.txn) + (SELECT count(*) FROM pos.sale_line) + (SELECT count(*) FROM pos.tender) + (SELECT count(*) FROM pos.drawer_event) + (SELECT count(*) FROM pos.inventory_level)")
    OUT+="; raw COPY of all $ROWS fact rows $(python3 -c "print(f'{$RAWS:.2f} s; ratio {$RAWS / $GEN:.2f}')")"
  fi
  echo "$OUT; load $(cut -d' ' -f1 /proc/loadavg)"
done
