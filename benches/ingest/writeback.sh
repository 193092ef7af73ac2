# Sourced by the ingest benchmarks: prints the host's writeback settings beside the results, and
# warns when the kernel may hold hundreds of MB of dirty pages and flush them in one burst, which
# stalls the WAL's fdatasync and with it every COMMIT (docs/dba.md, "The host").
writeback_report() {
    local bytes ratio expire mem_kb limit_mb
    bytes=$(cat /proc/sys/vm/dirty_background_bytes); ratio=$(cat /proc/sys/vm/dirty_background_ratio)
    expire=$(cat /proc/sys/vm/dirty_expire_centisecs)
    mem_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
    if [[ $bytes -gt 0 ]]; then limit_mb=$((bytes / 1048576)); else limit_mb=$((mem_kb * ratio / 100 / 1024)); fi
    echo "== host writeback: vm.dirty_background_bytes=$bytes ratio=$ratio expire=${expire}cs (background writeback from ~${limit_mb} MB dirty)"
    if [[ $limit_mb -gt 8 ]]; then
        echo "   WARNING: ${limit_mb} MB of relation growth can be written back in one burst, stalling COMMITs;" \
             "set vm.dirty_background_bytes=4194304 as docs/dba.md recommends" >&2
    fi
}
