#!/usr/bin/env bash
# A/B of the generate write path between pos-ingest binaries (e.g. main's and a branch's):
#   benches/ingest/ab-generate.sh ADMIN_URL BIN_A BIN_B [BIN_A BIN_B …]    env: DAYS (30)
# Each run: fresh database, chunks beforehand (as run.sh), CHECKPOINT, then time, WAL bytes and
# inbox size of `generate`. Alternate the binaries: on a shared machine the spread is large.
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; DAYS=${DAYS:-30}; shift
DAY0=2026-01-05; FROM=$(date -d "$DAY0 -1 day" +%F); TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
for BIN in "$@"; do
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_ab WITH (FORCE)" -c "CREATE DATABASE bench_ab"
  D=$BASE/bench_ab; psql -X -q "$D" -c "CREATE EXTENSION pos_analytics"
  for t in pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level; do psql -X -q -tA "$D" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '$FROM', '$TO')" >/dev/null; done
  psql -X -q "$D" -c "CHECKPOINT"
  L0=$(psql -X -qtA "$D" -c "SELECT pg_current_wal_lsn()")
  S=$(date +%s.%N)
  "$BIN" generate --url "$D" --stores 3 --skus 300 --days "$DAYS" --start-date $DAY0 --seed 1 --quiet
  E=$(date +%s.%N)
  echo "$(basename $BIN): $(python3 -c "print(f'{$E-$S:.2f} s')") WAL $(psql -X -qtA "$D" -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$L0')) || ', inbox ' || pg_size_pretty(pg_total_relation_size('pos.raw_inbox')) || ', lines ' || (SELECT count(*) FROM pos.sale_line)") load $(cut -d' ' -f1 /proc/loadavg)"
done
