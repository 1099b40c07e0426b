#!/bin/sh
# NOTIFY-to-served benchmark (issue "serve, secondary side"): one knotd primary, two
# secondaries of it side by side — `zonesync serve` and knotd — and a 10-record change
# on the primary. Measured: the time from the primary's reload until each secondary
# answers the new serial (the primary sends NOTIFY to both; both refresh by IXFR).
#
#   benches/notify-bench.sh [SIZES]      default: "1000 100000 1000000" records
#
# Environment: ROUNDS (3 per size).
#
# Each size: the zone is generated once (examples/genzone.rs, deterministic) under
# target/notify-bench/, the three servers start fresh and both secondaries take the
# zone by AXFR; then ROUNDS edits (ten A records change, the serial goes up by one),
# each made by rewriting the primary's file and `knotc zone-reload`. The primary's
# own reload time is in both figures alike. Polling is by kdig every 10 ms.
#
# Runs inside a network namespace of its own (unshare -n, loopback only) when run as
# root, so the servers listen on fixed ports (5401 primary, 5402 zonesync, 5403 knotd
# secondary; never 53). Every process started is stopped by its PID; every wait is
# bounded.
set -eu

cd "$(dirname "$0")/.."
work=$(pwd)/target/notify-bench
sizes=${*:-1000 100000 1000000}
rounds=${ROUNDS:-3}

if [ "${NOTIFY_BENCH_INNER:-}" != 1 ]; then
    cargo build --release --quiet --example genzone --bin zonesync
    mkdir -p "$work"
    for n in $sizes; do
        if [ ! -s "$work/zone-$n.txt" ]; then
            target/release/examples/genzone "$n" example.com. > "$work/zone-$n.txt" 2> /dev/null
        fi
    done
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
        exec unshare -n env NOTIFY_BENCH_INNER=1 sh -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
    fi
    echo "(not root: running without a network namespace; ports 5401-5403 must be free)"
fi

zonesync=$(pwd)/target/release/zonesync
run=
pids=

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# soa PORT: the serial served on 127.0.0.1:PORT (empty when none).
soa() {
    kdig @127.0.0.1 -p "$1" example.com SOA +short +time=1 +retry=0 2> /dev/null | awk '{ print $3 }'
}

# wait_serial PORT SERIAL: bounded wait (300 s) until PORT serves SERIAL.
wait_serial() {
    i=0
    while [ "$(soa "$1")" != "$2" ]; do
        i=$((i + 1))
        if [ $i -gt 3000 ]; then
            echo "port $1 never served serial $2 (serving $(soa "$1"))" >&2
            return 1
        fi
        sleep 0.1
    done
}

stop_all() {
    for p in $pids; do kill "$p" 2> /dev/null || true; done
    for p in $pids; do
        i=0
        while kill -0 "$p" 2> /dev/null && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -9 "$p" 2> /dev/null || true
        wait "$p" 2> /dev/null || true
    done
    pids=
    if [ -n "$run" ]; then rm -rf "$run"; fi
    run=
}
trap stop_all EXIT INT TERM

# knot_conf DIR PORT ROLE: a knotd config; ROLE primary (notifies both secondaries)
# or secondary (of the primary).
knot_conf() {
    mkdir -p "$1/db"
    {
        printf 'server:\n  listen: 127.0.0.1@%s\n  rundir: %s\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n' "$2" "$1"
        printf 'control:\n  listen: %s/knot.sock\ndatabase:\n  storage: %s/db\n' "$1" "$1"
        printf 'log:\n  - target: stderr\n    any: warning\n'
        printf 'remote:\n  - id: primary\n    address: 127.0.0.1@5401\n  - id: zonesync\n    address: 127.0.0.1@5402\n  - id: knot2\n    address: 127.0.0.1@5403\n'
        printf 'acl:\n  - id: local\n    address: 127.0.0.0/8\n    action: [transfer, notify]\n'
        printf 'template:\n  - id: default\n    storage: %s\n    zonefile-sync: -1\n    journal-content: changes\n    semantic-checks: off\n' "$1"
        if [ "$3" = primary ]; then
            printf '    zonefile-load: difference\n'
            printf 'zone:\n  - domain: example.com\n    file: %s/example.com.zone\n    acl: [local]\n    notify: [zonesync, knot2]\n' "$1"
        else
            printf 'zone:\n  - domain: example.com\n    file: %s/example.com.zone\n    acl: [local]\n    master: primary\n' "$1"
        fi
    } > "$1/knot.conf"
}

# bench SIZE: one size, ROUNDS edits.
bench() {
    size=$1
    run=$(mktemp -d)
    mkdir -p "$run/primary" "$run/knot2" "$run/zonesync"
    cp "$work/zone-$size.txt" "$run/primary/example.com.zone"
    knot_conf "$run/primary" 5401 primary
    knot_conf "$run/knot2" 5403 secondary
    cat > "$run/zonesync/zonesync.yaml" << EOF
listen: ["127.0.0.1:5402"]
state-dir: state
zones:
  - name: example.com
    primaries: [ { address: "127.0.0.1:5401" } ]
EOF
    knotd -c "$run/primary/knot.conf" 2> "$run/primary/log" &
    pids="$pids $!"
    serial=$(awk '/SOA/ { for (i = 1; i <= NF; i++) if ($i == "(") { print $(i + 1); exit } }' "$run/primary/example.com.zone")
    wait_serial 5401 "$serial"
    knotd -c "$run/knot2/knot.conf" 2> "$run/knot2/log" &
    pids="$pids $!"
    RUST_LOG=zonesync=warn "$zonesync" serve --config "$run/zonesync/zonesync.yaml" 2> "$run/zonesync/log" &
    pids="$pids $!"
    wait_serial 5402 "$serial"
    wait_serial 5403 "$serial"

    zs=""
    kn=""
    r=1
    while [ "$r" -le "$rounds" ]; do
        next=$((serial + 1))
        # Ten A records get new addresses; the serial goes up by one.
        awk -v old="$serial" -v new="$next" -v r="$r" '
            /IN\tSOA/ { sub(old, new) }
            /^host[0-9]+ IN A / && n < 10 && NR > 10 * r { $NF = "10.254." r "." (n + 1); n++ }
            { print }' "$run/primary/example.com.zone" > "$run/primary/edit.zone"
        mv "$run/primary/edit.zone" "$run/primary/example.com.zone"
        t=$(now)
        knotc -c "$run/primary/knot.conf" zone-reload example.com > /dev/null
        got_zs=
        got_kn=
        i=0
        while { [ -z "$got_zs" ] || [ -z "$got_kn" ]; } && [ $i -lt 12000 ]; do
            if [ -z "$got_zs" ] && [ "$(soa 5402)" = "$next" ]; then got_zs=$(elapsed "$t" "$(now)"); fi
            if [ -z "$got_kn" ] && [ "$(soa 5403)" = "$next" ]; then got_kn=$(elapsed "$t" "$(now)"); fi
            sleep 0.01
            i=$((i + 1))
        done
        zs="$zs ${got_zs:-never} s |"
        kn="$kn ${got_kn:-never} s |"
        serial=$next
        r=$((r + 1))
    done
    printf '%-9s zone %8s records: zonesync %s\n' "" "$size" "$zs"
    printf '%-9s zone %8s records: knotd    %s\n' "" "$size" "$kn"
    stop_all
}

echo "NOTIFY-to-served latency, knotd primary -> zonesync and knotd secondaries ($rounds rounds)"
for size in $sizes; do
    bench "$size"
done
