#!/usr/bin/env bash
# `pos-ingest import` of an NDJSON file against raw binary COPY of the same fact rows, both in one
# stream from files written beforehand, per binary:
#   benches/ingest/ab-import.sh ADMIN_URL BIN_A [BIN_B …]    env: DAYS (60), BATCH (import --batch)
# Set-up, untimed: the first binary's `generate` (3 stores, 300 SKUs, DAYS days, seed 1) fills a
# source database; its inbox gives the NDJSON file (every canonical event as it arrived) and its
# five hypertables the binary COPY files. Then for each binary, alternated as given: a fresh
# database with the chunks made and a CHECKPOINT, the timed import; a fresh database again, the
# timed raw COPY of headers, lines, tenders, drawer events and stock levels one after the other
# (one stream, as the import's one writer), and the ratio of the two times. The import also
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
for t in $FT; do psql -X -q "$S" -c "\copy (SELECT * FROM pos.$t) TO '$TMP/$t.bin' WITH (FORMAT binary)"; done
WANT=$(rows "$S")
echo "== $DAYS days: $(wc -l <"$TMP/events.ndjson") NDJSON lines ($(du -h "$TMP/events.ndjson" | cut -f1)), $WANT fact rows"

for BIN in "$@"; do
  fresh bench_imp 2>/dev/null
  D=$BASE/bench_imp
  T0=$(now)
  "$BIN" import --url "$D" --format canonical --state-dir="$TMP/state-$RANDOM" --quiet ${BATCH:+--batch $BATCH} "$TMP/events.ndjson" >/dev/null
  IMP=$(secs "$T0")
  GOT=$(rows "$D")
  [[ $GOT == "$WANT" ]] || { echo "$BIN: the import wrote $GOT fact rows, the source has $WANT" >&2; exit 1; }
  fresh bench_imp_raw 2>/dev/null
  R=$BASE/bench_imp_raw
  T0=$(now); LINES=
  for t in $FT; do
    T1=$(now)
    psql -X -q "$R" -c "\copy pos.$t FROM '$TMP/$t.bin' WITH (FORMAT binary)"
    [[ $t == sale_line ]] && LINES=$(secs "$T1")
  done
  RAW=$(secs "$T0")
  echo "$(basename "$BIN"): import $IMP s; raw COPY $RAW s (sale lines alone $LINES s); ratio $(python3 -c "print(f'{$RAW / $IMP:.2f} (lines alone {$LINES / $IMP:.2f})')"); load $(cut -d' ' -f1 /proc/loadavg)"
done
