#!/usr/bin/env bash
# CPU seconds of `pos-ingest generate` and of the PostgreSQL processes it keeps busy, per binary:
#   benches/ingest/cpu-generate.sh ADMIN_URL BIN_A BIN_B [BIN_A BIN_B …]    env: DAYS (30)
# A binary may be given as BIN+SETUP.sql, as in ab-generate.sh (SETUP.sql runs after CREATE EXTENSION);
# env CREATEDB: options of CREATE DATABASE (e.g. "TEMPLATE template0 LC_COLLATE 'C'").
# Wall time on a shared 2-core machine moves with whatever else runs; CPU time per run moves far
# less, so this tells a small saving from noise where ab-generate.sh cannot. The cluster's CPU is
# read from the postmaster's reaped-children counters (backends and autovacuum workers that
# exited), so run it on a cluster of your own with nothing else connected. Same data as
# ab-generate.sh (3 stores, 300 SKUs, DAYS days, seed 1), fresh database each run.
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; DAYS=${DAYS:-30}; shift
DAY0=2026-01-05; FROM=$(date -d "$DAY0 -1 day" +%F); TO=$(date -d "$DAY0 +$((DAYS + 1)) days" +%F)
PM=$(psql -X -qtA "$ADMIN" -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'" | xargs -I{} awk '{print $4}' /proc/{}/stat)
reaped() { awk '{printf "%.2f", ($16 + $17) / 100}' /proc/$PM/stat; }
for ARG in "$@"; do
  BIN=${ARG%%+*}; SETUP=; [[ $ARG == *+* ]] && SETUP=${ARG#*+}
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_cpu WITH (FORCE)" -c "CREATE DATABASE bench_cpu ${CREATEDB:-}"
  D=$BASE/bench_cpu
  psql -X -q "$D" -c "CREATE EXTENSION pos_analytics"
  for t in pos.txn pos.sale_line pos.tender pos.drawer_event pos.inventory_level; do
    psql -X -q -tA "$D" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '$FROM', '$TO')" >/dev/null
  done
  [[ -n $SETUP ]] && psql -X -q -v ON_ERROR_STOP=1 "$D" -f "$SETUP"
  psql -X -q "$D" -c "CHECKPOINT"
  sleep 1; P0=$(reaped)
  C=$( { /usr/bin/time -f "%U %S %e" "$BIN" generate --url "$D" --stores 3 --skus 300 --days "$DAYS" \
        --start-date $DAY0 --seed 1 --quiet >/dev/null; } 2>&1 | tail -1)
  sleep 1; P1=$(reaped)
  read -r U S E <<<"$C"
  echo "$(basename "$BIN")${SETUP:+ + $(basename "$SETUP")}: client CPU $(python3 -c "print(f'{$U + $S:.2f}')") s (user $U, sys $S), PostgreSQL CPU $(python3 -c "print(f'{$P1 - $P0:.2f}')") s, wall $E s; load $(cut -d' ' -f1 /proc/loadavg)"
done
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_cpu WITH (FORCE)"
