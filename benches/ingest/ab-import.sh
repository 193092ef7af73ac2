#!/usr/bin/env bash
# `pos-ingest import` of an NDJSON file against raw binary COPY of the same fact rows, both in one
# stream from files written beforehand, per binary:
#   benches/ingest/ab-import.sh ADMIN_URL BIN_A [BIN_B …]    env: DAYS (60), BATCH (import --batch),
#   WRITERS (import --writers, e.g. "1 2" for each binary once per count; default the binary's own),
#   RAW_STREAMS (2: raw COPY also with its five tables' files split in two concurrent streams)
# Set-up, untimed: the first binary's `generate` (3 stores, 300 SKUs, DAYS days, seed 1) fills a
# source database; its inbox gives the NDJSON file (every canonical event as it arrived) and its
# five hypertables the binary COPY files. Then for each binary, alternated as given: a fresh
# database with the chunks made and a CHECKPOINT, the timed import; a fresh database again, the
# timed raw COPY of headers, lines, tenders, drawer events and stock levels one after the other
# (one stream), and the ratio of the two times; with RAW_STREAMS=2 also raw COPY in two
# concurrent streams (each the rows of half the days), the fair match for two writers. The import also
# stores every payload in the inbox and an audit row per chunk; raw COPY writes the facts only.
# The sale lines' own COPY time is shown too (the ratio against the lines alone).
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; DAYS=${DAYS:-60}; shift
DAY0=2026-01-05; FROM=$(date -d "$DAY0 -1 day" +%F); TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
FT="txn sale_line tender drawer_event inventory_level"
TMP=$(mktemp -d /tmp/ab-import.XXXXXX)
trap 'rm -rf "$TMP"; psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_imp WITH (FORCE)" -c "DROP DATABASE IF EXISTS bench_imp_raw WITH (FORCE)" -c "DROP DATABASE IF EXISTS bench_imp_src WITH (FORCE)"' EXIT
fresh() {
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  psql -X -q "$BASE/$1" -c "CREATE EXTENSION pos_analytics"
  for t in $FT; do psql -X -q -tA "$BASE/$1" -c "SELECT count(*) FROM pos.ensure_chunks('pos.$t', '$FROM', '$TO')" >/dev/null; done
  psql -X -q "$BASE/$1" -c "CHECKPOINT"
}
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$(now) - $1:.2f}')"; }
rows() { psql -X -qtA "$1" -c "SELECT $(for t in $FT; do printf "(SELECT count(*) FROM pos.%s) + " "$t"; done) 0"; }

fresh bench_imp_src 2>/dev/null
S=$BASE/bench_imp_src
"$1" generate --url "$S" --stores 3 --skus 300 --days "$DAYS" --start-date $DAY0 --seed 1 --quiet >/dev/null
# -tA prints each payload as it is, multi-line ones (a store-day of stock levels) included.
psql -X -qtA "$S" -c "SELECT pos.inbox_payload(i) FROM pos.raw_inbox i ORDER BY inbox_id" >"$TMP/events.ndjson"
MID=$(date -d "$DAY0 +$((DAYS / 2)) days" +%F)
for t in $FT; do
  psql -X -q "$S" -c "\copy (SELECT * FROM pos.$t) TO '$TMP/$t.bin' WITH (FORMAT binary)"
  # The two halves of the days, for raw COPY in two streams.
  tcol=occurred_at; [[ $t == inventory_level ]] && tcol=as_of
  psql -X -q "$S" -c "\copy (SELECT * FROM pos.$t WHERE $tcol < '$MID') TO '$TMP/$t.1.bin' WITH (FORMAT binary)"
  psql -X -q "$S" -c "\copy (SELECT * FROM pos.$t WHERE $tcol >= '$MID') TO '$TMP/$t.2.bin' WITH (FORMAT binary)"
done
WANT=$(rows "$S")
echo "== $DAYS days: $(wc -l <"$TMP/events.ndjson") NDJSON lines ($(du -h "$TMP/events.ndjson" | cut -f1)), $WANT fact rows"

# One stream: the five tables one after the other. Sets RAW and LINES (the sale lines' part).
raw_one() {
  fresh bench_imp_raw 2>/dev/null
  local R=$BASE/bench_imp_raw T0 T1
  T0=$(now); LINES=
  for t in $FT; do
    T1=$(now)
    psql -X -q "$R" -c "\copy pos.$t FROM '$TMP/$t.bin' WITH (FORMAT binary)"
    [[ $t == sale_line ]] && LINES=$(secs "$T1")
  done
  RAW=$(secs "$T0")
}
# Two streams at once, each the five tables' rows of half the days. Sets RAW2.
raw_two() {
  fresh bench_imp_raw 2>/dev/null
  local R=$BASE/bench_imp_raw T0
  T0=$(now)
  for h in 1 2; do
    (for t in $FT; do psql -X -q "$R" -c "\copy pos.$t FROM '$TMP/$t.$h.bin' WITH (FORMAT binary)"; done) &
  done
  wait
  RAW2=$(secs "$T0")
  [[ $(rows "$R") == "$WANT" ]] || { echo "raw COPY in two streams wrote $(rows "$R") rows, want $WANT" >&2; exit 1; }
}

for BIN in "$@"; do
  for W in ${WRITERS:-""}; do
    fresh bench_imp 2>/dev/null
    D=$BASE/bench_imp
    T0=$(now)
    "$BIN" import --url "$D" --format canonical --state-dir="$TMP/state-$RANDOM" --quiet ${BATCH:+--batch $BATCH} ${W:+--writers $W} "$TMP/events.ndjson" >/dev/null
    IMP=$(secs "$T0")
    GOT=$(rows "$D")
    [[ $GOT == "$WANT" ]] || { echo "$BIN: the import wrote $GOT fact rows, the source has $WANT" >&2; exit 1; }
    raw_one
    line="$(basename "$BIN")${W:+ --writers $W}: import $IMP s; raw COPY $RAW s (sale lines alone $LINES s); ratio $(python3 -c "print(f'{$RAW / $IMP:.2f} (lines alone {$LINES / $IMP:.2f})')")"
    if [[ ${RAW_STREAMS:-1} == 2 ]]; then
      raw_two
      line+="; raw COPY in two streams $RAW2 s, ratio $(python3 -c "print(f'{$RAW2 / $IMP:.2f}')")"
    fi
    echo "$line; load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
