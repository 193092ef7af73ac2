#!/usr/bin/env bash
# What the WAL of the ingest path is made of: serve-probe.sh runs 150 s at RATE lines/s on a fresh
# database; 60 s in, a CHECKPOINT; over the next 60 s, pg_waldump's statistics by record type
# (index entries, heap inserts, page splits, full-page images) and the relations whose pages were
# written whole, largest count first.
#   flock -o /work/notes/bench.lock benches/ingest/wal-mix.sh ADMIN_URL
#   env: PGDATA (the cluster's data directory, default .pg/data as scripts/pg-local makes it),
#        RATE (20000), SETUP, BIN, LOADGEN, TIMES (as serve-probe.sh), OUT (/tmp/ingest-walmix)
# Run it as root or as the cluster's owner: pg_waldump reads $PGDATA/pg_wal.
set -euo pipefail
ADMIN=$1; BASE=${ADMIN%/*}; D=$BASE/bench_serve
cd "$(dirname "$0")/../.."
PGDATA=${PGDATA:-$PWD/.pg/data}; OUT=${OUT:-/tmp/ingest-walmix}; mkdir -p "$OUT"
WALDUMP=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)/pg_waldump
[[ -x $WALDUMP ]] || WALDUMP=/usr/lib/postgresql/15/bin/pg_waldump
KEEP=1 WARMUP=3 SECS=150 benches/ingest/serve-probe.sh "$ADMIN" "${RATE:-20000}:0" >"$OUT/probe.txt" 2>&1 &
P=$!
sleep 60
psql -X -qtA "$D" -c "CHECKPOINT"
L1=$(psql -X -qtA "$D" -c "SELECT pg_current_wal_lsn()")
sleep 60
L2=$(psql -X -qtA "$D" -c "SELECT pg_current_wal_lsn()")
wait $P
echo "WAL from $L1 to $L2: $(psql -X -qtA "$D" -c "SELECT pg_size_pretty(pg_wal_lsn_diff('$L2', '$L1'))") in 60 s"
"$WALDUMP" -p "$PGDATA/pg_wal" -s "$L1" -e "$L2" --stats=record
psql -X -qtA "$D" -c "SELECT relfilenode, relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class WHERE relfilenode > 0" >"$OUT/rels.txt"
"$WALDUMP" -p "$PGDATA/pg_wal" -s "$L1" -e "$L2" --fullpage 2>/dev/null |
    grep -oE 'rel [0-9/]+( fork [a-z]+)? blk [0-9]+ FPW' | awk '{print $2}' | sort | uniq -c | sort -rn | head -20 >"$OUT/fpw.txt" || true
echo "pages written whole, by relation (pages, relation, its size at the end):"
python3 - "$OUT/fpw.txt" "$OUT/rels.txt" <<'PY'
import sys
rels = {}
for line in open(sys.argv[2]):
    node, name, size = line.rstrip("\n").split("|")
    rels[node] = (name, size)
for line in open(sys.argv[1]):
    count, rel = line.split()
    name, size = rels.get(rel.split("/")[-1], ("?", ""))
    print(f"{int(count):8d}  {name}  {size}")
PY
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_serve WITH (FORCE)"
