#!/bin/sh
# Zone-file load benchmark: time and peak memory of zonesync against nsd-checkzone,
# kzonecheck and named-checkzone on the same generated 1,000,000-record zone.
#
#   benches/zone-bench.sh [RECORDS]        (default 1000000)
#
# Builds release binaries, generates the zone once (examples/genzone.rs, deterministic)
# under target/zone-bench/, then measures each tool with /usr/bin/time inside a network
# namespace of its own (unshare -n, loopback only) when run as root. Every tool reads
# the same file; named-checkzone runs with -i local (its default, -i full, adds
# checks that take much longer and that the others do not do).
#
# zonesync is measured twice: `parse_zone` (parse only, examples/parse_zone.rs) and
# `zonesync check` (parse + semantic checks), the figure to compare with the others.
set -eu

records=${1:-1000000}
cd "$(dirname "$0")/.."
work=target/zone-bench
zone=$work/zone-$records.txt

if [ "${ZONE_BENCH_INNER:-}" != 1 ]; then
    cargo build --release --quiet --example genzone --example parse_zone --bin zonesync
    mkdir -p "$work"
    if [ ! -s "$zone" ]; then
        target/release/examples/genzone "$records" > "$zone"
    fi
    echo "zone: $zone, $(wc -c < "$zone") bytes, $records records"
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
        exec unshare -n env ZONE_BENCH_INNER=1 sh -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
    fi
    echo "(not root: running without a network namespace)"
    export ZONE_BENCH_INNER=1
fi

# measure LABEL COMMAND...: one line "LABEL: seconds s peak KiB (exit status)".
measure() {
    label=$1
    shift
    status=0
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/out" 2>&1 || status=$?
    read -r secs kib < "$work/time"
    printf '%-34s %6s s %8s KiB  %6s MiB  (exit %s)\n' "$label" "$secs" "$kib" "$((kib / 1024))" "$status"
    if [ "$status" != 0 ]; then
        head -n 3 "$work/out" | sed 's/^/    /'
    fi
}

origin=example.com.
measure "zonesync parse (parse_zone)" target/release/examples/parse_zone "$zone" "$origin"
if target/release/zonesync check --help > /dev/null 2>&1; then
    measure "zonesync check" target/release/zonesync check --origin "$origin" "$zone"
fi
if command -v nsd-checkzone > /dev/null; then
    measure "nsd-checkzone" nsd-checkzone "$origin" "$zone"
fi
if command -v kzonecheck > /dev/null; then
    measure "kzonecheck" kzonecheck -o "$origin" "$zone"
fi
if command -v named-checkzone > /dev/null; then
    measure "named-checkzone -i local" named-checkzone -i local "$origin" "$zone"
fi
