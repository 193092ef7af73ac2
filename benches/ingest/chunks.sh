# Sourced by serve-probe.sh and tail-probe.sh: bench_chunks DB_URL creates the chunks of both kinds
# of loadgen times (TIMES=live: today; cycle: 2026-09-21) before a run, so no run pays for them.
bench_chunks() {
  for t in pos.txn pos.sale_line pos.tender; do
    psql -X -q -tA "$1" -c "SELECT count(*) FROM pos.ensure_chunks('$t', '2026-09-20', '2026-09-25')" \
      -c "SELECT count(*) FROM pos.ensure_chunks('$t', now() - interval '1 day', now() + interval '1 day')" >/dev/null
  done
}
