#!/usr/bin/env bash
# Continuous-aggregate benchmarks (numbers in RESULTS.md). Needs a cluster with the extension:
#   POS_PGDIR=/work/pg-caggs PGPORT=5562 scripts/pg-local start
#   POS_PGDIR=/work/pg-caggs PGPORT=5562 benches/caggs/run.sh [load|refresh|query|overhead|timeindex|lag|all]
# It works in its own database (caggs_bench, re-created by `load`), where no policy runs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${POS_PGDIR:-$HERE/../../.pg}
PORT=${PGPORT:-5544}
DB=caggs_bench
q() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d "$DB" "$@"; }
ms() { # run SQL once, print wall time in ms
    local t0 t1; t0=$(date +%s%N); q -c "$1" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

load() {
    runuser -u postgres -- psql -X -q -h "$DIR" -p "$PORT" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    q -c "CREATE EXTENSION pos_analytics" -c "DELETE FROM pos.job"
    local days=(${LOAD_DAYS:-0 364})
    echo "== load: days ${days[0]}..${days[1]} of a year from 2025-11-01, 5 stores, 500 transactions of 4 lines per store-day"
    echo "   (the whole year: 3.65M lines)"
    local t0=$(date +%s)
    q -v first_day="${days[0]}" -v last_day="${days[1]}" -f "$HERE/load.sql"
    echo "loaded in $(($(date +%s) - t0)) s"
    q -c "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'pos_chunks' AND n_live_tup > 0 ORDER BY 1 LIMIT 0" >/dev/null
    q -c "ANALYZE"
}

# Refresh time as a function of invalidated buckets, at two table sizes.
refresh() {
    echo "== refresh: bench.store_hourly (5 stores x 8760 hours)"
    for months in 3 12; do
        q -c "SELECT pos.drop_continuous_aggregate('bench.store_hourly')" >/dev/null 2>&1 || true
        q -c "CREATE SCHEMA IF NOT EXISTS bench" \
          -c "SELECT pos.create_continuous_aggregate('bench.store_hourly', 'pos.sale_line', '{tenant_id,store_id}',
                'sum(quantity) AS quantity, sum(net_amount) AS net, count(*) AS lines', bucket_width => '1 hour', with_data => false)" >/dev/null
        local end="timestamptz '2025-11-01' + interval '$months months'"
        local t=$(ms "CALL pos.refresh_continuous_aggregate('bench.store_hourly', NULL, $end)")
        local lines=$(q -tAc "SELECT count(*) FROM pos.sale_line WHERE occurred_at < $end")
        echo "table: $lines lines in the window; first full refresh ${t} ms"
        for k in 1 10 100 1000; do
            local runs=""
            for r in 1 2; do
                # k transactions, each touching one line of a different hour: k invalid buckets
                # (one transaction's rows in one chunk are logged as one [min, max] span)
                q -c "DO \$\$ DECLARE d int; i int; g int; BEGIN
                        FOR g IN 1..$k LOOP
                          d := (g * 7919 + $r * 31) % ($months * 30); i := (g % 20) * 24 + 1;
                          UPDATE pos.sale_line SET quantity = quantity + 1
                           WHERE tenant_id = 't1' AND store_id = 's1' AND source = 'bench' AND source_txn_id = d || '-' || i AND line_no = 1
                             AND occurred_at = timestamptz '2025-11-01' + d * interval '1 day' + i * interval '150 seconds' + interval '7 seconds';
                          COMMIT;
                        END LOOP; END \$\$"
                runs+="$(ms "CALL pos.refresh_continuous_aggregate('bench.store_hourly', NULL, $end)")"$'\n'
            done
            local b=$(q -tAc "SELECT last_refresh_buckets || ' buckets in ' || last_refresh_batches || ' batches' FROM pos.continuous_aggregate_stats WHERE continuous_aggregate = 'bench.store_hourly'::regclass")
            echo "  $months months: $k invalidated hours -> refresh median $(printf '%s' "$runs" | median) ms ($b)"
        done
    done
}

# Median of runs 2-6 of a query in one session, in ms (psql's \\timing).
warm() {
    { echo '\timing on'; for i in 1 2 3 4 5 6; do echo "$1;"; done; } |
        q -f - | awk '/^Time:/ {n++; if (n > 1) print $2}' | median
}

# One year of store-day rows: the end-of-day view vs the same numbers from raw rows.
query() {
    echo "== query: one store, one year of pos.store_daily"
    local t0=$(date +%s%N)
    for v in store_daily_txn store_daily_lines store_daily_tender store_daily_drawer; do
        q -c "CALL pos.refresh_continuous_aggregate('pos_caggs.$v', NULL, '2026-11-02')"
    done
    echo "materialized the four parts (a year) in $((($(date +%s%N) - t0) / 1000000)) ms"
    local view="SELECT * FROM pos.store_daily WHERE tenant_id = 't1' AND store_id = 's3' AND business_date >= '2025-11-01' AND business_date < '2026-11-01'"
    local raw=$(cat "$HERE/raw_store_year.sql")
    q -c "SELECT count(*) AS view_rows FROM ($view) v"
    local diff=$(q -tAc "SELECT count(*) FROM ((SELECT tenant_id, store_id, business_date, transactions, items_sold, gross, net, tender_cash, no_sales FROM ($view) v EXCEPT ALL $raw) UNION ALL ($raw EXCEPT ALL SELECT tenant_id, store_id, business_date, transactions, items_sold, gross, net, tender_cash, no_sales FROM ($view) v)) d")
    echo "rows differing between view and raw: $diff"
    # JIT off for both: with the default jit = on, compiling ~7,000 expressions of the raw plan
    # (four hypertables of 365 chunks) costs far more than the aggregation itself, which would
    # flatter the view. The comparison is with raw aggregation at its best.
    local tv="" tr=""
    export PGOPTIONS="-c jit=off"
    for i in 1 2 3 4 5; do tv+="$(ms "$view")"$'\n'; tr+="$(ms "$raw")"$'\n'; done
    local mv=$(printf '%s' "$tv" | median) mr=$(printf '%s' "$tr" | median)
    echo "view median ${mv} ms, raw median ${mr} ms (wall time incl. psql start)"
    # In one session (as a pooled connection of the query API runs them): the first run fills
    # the backend's relation cache, the next five are timed by the server round trip.
    local wv=$(warm "$view") wr=$(warm "$raw")
    echo "warm session: view median ${wv} ms, raw median ${wr} ms, ratio $(awk -v a="$wr" -v b="$wv" 'BEGIN {printf "%.0f", a / b}')x"
    q -c "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) $view" | grep -E "Execution Time|Planning Time" | sed 's/^/  view /'
    q -c "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) $raw" | grep -E "Execution Time|Planning Time" | sed 's/^/  raw  /'
    unset PGOPTIONS
}

# CPU time (ms) of the postmaster's exited children: the pgbench backend's CPU once it has exited,
# which unlike wall time does not depend on what else the machine runs.
children_cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($16 + $17) * 1000 / hz}' "/proc/$(head -1 "$DIR/data/postmaster.pid")/stat"
}

# Write cost of the invalidation trigger: batched and single-line inserts with the trigger
# enabled above the threshold (nothing logged) and below it (every transaction logs), each
# against the trigger disabled for the same rows (none_above, none_below).
# The modes take turns within each repetition, so the machine's drift hits them alike.
overhead() {
    echo "== overhead: 100,000 lines in statements of 500; 10,000 single-line statements in one transaction;"
    echo "   5,000 single-line transactions (pgbench, prepared, synchronous_commit off) into pos.sale_line;"
    echo "   txn1_cpu: the CPU time of txn1's server backend"
    q -c "CREATE SCHEMA IF NOT EXISTS bench" -f "$HERE/overhead.sql" >/dev/null
    local reps=${OVERHEAD_REPS:-3} kinds=${OVERHEAD_KINDS:-batch500 stmt1 txn1} key runs
    declare -A res
    for r in $(seq "$reps"); do
        for mode in none_above above none_below below; do
            for kind in $kinds; do
                q -c "SELECT bench.setup_mode('$mode')" >/dev/null
                case $kind in
                    batch500) t=$(ms "CALL bench.insert_lines(100000, 500)") ;;
                    stmt1) t=$(ms "CALL bench.insert_lines(10000, 1)") ;;
                    txn1) local cpu0=$(children_cpu_ms)
                          t=$(PGOPTIONS='-c synchronous_commit=off' runuser -u postgres -- pgbench -n -M prepared -c 1 -t 5000 \
                                  -h "$DIR" -p "$PORT" -U postgres -f "$HERE/single_line.pgbench" "$DB" 2>&1 |
                              awk '/latency average/ {printf "%d", $4 * 5000}')
                          sleep 0.3 # the backend has exited: let the postmaster reap it
                          res[$mode.txn1_cpu]+="$(($(children_cpu_ms) - cpu0))"$'\n' ;;
                esac
                res[$mode.$kind]+="$t"$'\n'
                q -c "SELECT bench.cleanup()" >/dev/null
                q -c "VACUUM $(q -tAc 'SELECT bench.chunks()')" >/dev/null
            done
        done
    done
    [[ " $kinds " == *" txn1 "* ]] && kinds+=" txn1_cpu"
    for kind in $kinds; do
        for mode in none_above above none_below below; do
            local base=$(printf '%s' "${res[none_${mode#none_}.$kind]}" | median)
            local m=$(printf '%s' "${res[$mode.$kind]}" | median)
            echo "  $kind, trigger $mode: median ${m} ms of $reps ($(printf '%s' "${res[$mode.$kind]}" | tr '\n' ' '))" \
                 "ratio $(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.3f", a / b}')"
        done
    done
}

# Write cost of the index on the time column that a hypertable gets when it becomes the source of a
# continuous aggregate: 100,000 lines in INSERTs of 500 (trigger on, rows above the threshold)
# with and without pos.sale_line's occurred_at index, taking turns; wall and backend CPU time.
timeindex() {
    echo "== timeindex: 100,000 lines in statements of 500 into pos.sale_line, with and without its occurred_at index"
    q -c "CREATE SCHEMA IF NOT EXISTS bench" -f "$HERE/overhead.sql" >/dev/null
    local idx=$(q -tAc "SELECT indexrelid::regclass FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                         WHERE i.indrelid = 'pos.sale_line'::regclass AND a.attname = 'occurred_at' AND i.indnatts = 1")
    [[ -n $idx ]] || { echo "pos.sale_line has no index on occurred_at alone" >&2; exit 1; }
    declare -A res
    for r in $(seq "${INDEX_REPS:-3}"); do
        for with in yes no; do
            [[ $with == no ]] && q -c "DROP INDEX $idx"
            q -c "SELECT bench.setup_mode('above')" >/dev/null
            local out=$(q -tA <<SQL
SELECT (split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint) AS c0, clock_timestamp() AS t0 \gset
CALL bench.insert_lines(100000, 500);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) || ' ' ||
       (split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint - :c0) * 1000 / $(getconf CLK_TCK);
SQL
)
            res[wall.$with]+="${out% *}"$'\n'; res[cpu.$with]+="${out#* }"$'\n'
            q -c "SELECT bench.cleanup()" >/dev/null
            q -c "VACUUM $(q -tAc 'SELECT bench.chunks()')" >/dev/null
            [[ $with == no ]] && q -c "CREATE INDEX ON pos.sale_line (occurred_at)"
        done
    done
    for m in wall cpu; do
        local a=$(printf '%s' "${res[$m.yes]}" | median) b=$(printf '%s' "${res[$m.no]}" | median)
        echo "  $m: with index median $a ms ($(printf '%s' "${res[$m.yes]}" | tr '\n' ' ')), without $b ms ($(printf '%s' "${res[$m.no]}" | tr '\n' ' '))," \
             "ratio $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')"
    done
}

# Refresh lag while pgbench ingests 20,000 lines/s (200 transactions/s of 100 lines): refreshes
# 0.5 s apart in one session (LAG_CONNECT=each: a new connection per refresh, as until 2026-11-29).
lag() {
    echo "== lag: refresh every second of a 1-second cagg under 20k lines/s (connect: ${LAG_CONNECT:-once})"
    q -c "CREATE SCHEMA IF NOT EXISTS bench" -f "$HERE/lag.sql" >/dev/null
    runuser -u postgres -- pgbench -n -h "$DIR" -p "$PORT" -U postgres -c 4 -j 2 -R 200 -T 40 -P 10 \
        -f "$HERE/ingest.pgbench" "$DB" > /tmp/caggs_pgbench.log 2>&1 &
    local pid=$!
    sleep 3
    q -c "TRUNCATE bench.lag" >/dev/null
    if [[ ${LAG_CONNECT:-once} == each ]]; then
        # a new connection (cold caches, every PL/pgSQL function compiled again) per refresh
        local end=$(($(date +%s) + 30))
        while [[ $(date +%s) -lt $end ]]; do
            q -c "CALL bench.refresh_and_record()" >/dev/null
            sleep 0.5
        done
    else
        # one session refreshing, as the scheduler's background worker does
        q -c "DO \$\$ DECLARE t_end timestamptz := clock_timestamp() + interval '30 seconds'; BEGIN
                WHILE clock_timestamp() < t_end LOOP
                    CALL bench.refresh_and_record(); COMMIT; PERFORM pg_sleep(0.5);
                END LOOP; END \$\$"
    fi
    wait $pid || true
    grep -E "tps|latency average|number of transactions" /tmp/caggs_pgbench.log | sed 's/^/  pgbench: /'
    q -c "SELECT count(*) AS refreshes,
                 round(avg(lines_per_s)) AS lines_per_s_seen,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY refresh_ms)::int AS refresh_ms_p50,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY refresh_ms)::int AS refresh_ms_p95,
                 max(refresh_ms)::int AS refresh_ms_max,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms)::int AS lag_ms_p50,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY lag_ms)::int AS lag_ms_p95,
                 max(lag_ms)::int AS lag_ms_max
            FROM bench.lag WHERE lines_per_s > 0"
    q -c "SELECT count(*) AS lines_ingested, (SELECT sum(lines) FROM bench.per_second) AS lines_in_view FROM pos.sale_line WHERE source = 'pgbench'"
}

case "${1:-all}" in
    load) load ;; refresh) refresh ;; query) query ;; overhead) overhead ;; timeindex) timeindex ;; lag) lag ;;
    all) load; refresh; query; overhead; timeindex; lag ;;
    *) echo "usage: $0 load|refresh|query|overhead|timeindex|lag|all" >&2; exit 2 ;;
esac
