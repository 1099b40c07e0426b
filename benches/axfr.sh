#!/bin/sh
# AXFR-in benchmark: time and peak memory of `zonesync axfr -o FILE` against
# `dig +noall +answer` and `kdig +noall +answer` (both writing to a file), fetching
# the same generated zone (1,000,000 records by default) from knotd and from nsd.
#
#   benches/axfr.sh [RECORDS]        (default 1000000)
#
# Builds release binaries, generates the zone once (examples/genzone.rs,
# deterministic) under target/axfr-bench/, then runs everything inside a network
# namespace of its own (unshare -n, loopback only) when run as root, so the peers can
# listen on a fixed port without disturbing anything. Each client is measured twice
# (unsigned), then zonesync and kdig once more with TSIG (hmac-sha256). The target:
# zonesync no slower than dig while writing the file, peak memory flat in zone size.
set -eu

records=${1:-1000000}
cd "$(dirname "$0")/.."
work=$(pwd)/target/axfr-bench
zone=$work/zone-$records.txt

if [ "${AXFR_BENCH_INNER:-}" != 1 ]; then
    cargo build --release --quiet --example genzone --bin zonesync
    mkdir -p "$work"
    if [ ! -s "$zone" ]; then
        target/release/examples/genzone "$records" example.com. > "$zone"
    fi
    echo "zone: $zone, $(wc -c < "$zone") bytes, $records records"
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
        exec unshare -n env AXFR_BENCH_INNER=1 sh -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
    fi
    echo "(not root: running without a network namespace; port 5300 must be free)"
    export AXFR_BENCH_INNER=1
fi

port=5300
secret=$(printf 'axfr-bench-secret-axfr-bench-sec' | base64)
key="hmac-sha256:bench-key:$secret"
zonesync=$(pwd)/target/release/zonesync

# measure LABEL COMMAND...: one line "LABEL: seconds s peak KiB (exit status)",
# stdout of the command into $work/out.
measure() {
    label=$1
    shift
    status=0
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/out" 2> "$work/err" || status=$?
    read -r secs kib < "$work/time"
    printf '%-40s %6s s %8s KiB  %5s MiB  (exit %s)\n' "$label" "$secs" "$kib" "$((kib / 1024))" "$status"
    if [ "$status" != 0 ]; then
        head -n 3 "$work/err" | sed 's/^/    /'
    fi
}

# wait_soa: bounded wait (120 s) until the peer answers the zone's SOA.
wait_soa() {
    i=0
    while [ $i -lt 240 ]; do
        if kdig @127.0.0.1 -p $port example.com SOA +short +time=1 +retry=0 2> /dev/null | grep -q .; then
            return 0
        fi
        sleep 0.5
        i=$((i + 1))
    done
    echo "peer did not come up; log:" >&2
    tail -n 20 "$run/log" >&2
    return 1
}

# clients PEER: every client against the peer now listening.
clients() {
    peer=$1
    for round in 1 2; do
        measure "$peer: zonesync axfr -o (round $round)" \
            "$zonesync" -q axfr example.com -s 127.0.0.1:$port -o "$work/zonesync.zone" --timeout 30s
        lines=$(wc -l < "$work/zonesync.zone")
        measure "$peer: dig +noall +answer (round $round)" \
            dig @127.0.0.1 -p $port example.com AXFR +noall +answer
        measure "$peer: kdig +noall +answer (round $round)" \
            kdig @127.0.0.1 -p $port example.com AXFR +noall +answer
    done
    echo "    ($lines records written by zonesync, $(wc -l < "$work/out") lines by kdig incl. the closing SOA)"
    measure "$peer: zonesync axfr -o, TSIG" \
        "$zonesync" -q axfr example.com -s 127.0.0.1:$port -o "$work/zonesync.zone" -y "$key" --timeout 30s
    measure "$peer: kdig +noall +answer, TSIG" \
        kdig @127.0.0.1 -p $port -y "$key" example.com AXFR +noall +answer
}

# knotd
run=$(mktemp -d)
cp "$zone" "$run/example.com.zone"
mkdir -p "$run/db"
cat > "$run/knot.conf" << EOF
server:
  listen: 127.0.0.1@$port
  rundir: $run
database:
  storage: $run/db
key:
  - id: bench-key
    algorithm: hmac-sha256
    secret: $secret
acl:
  - id: any
    address: 127.0.0.0/8
    action: transfer
  - id: signed
    address: 127.0.0.0/8
    key: bench-key
    action: transfer
template:
  - id: default
    storage: $run
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
  - domain: example.com
    file: $run/example.com.zone
    acl: [any, signed]
log:
  - target: stderr
    any: warning
EOF
knotd -c "$run/knot.conf" > "$run/log" 2>&1 &
pid=$!
wait_soa
clients knotd
kill $pid
wait $pid || true
rm -rf "$run"

# nsd
run=$(mktemp -d)
cp "$zone" "$run/example.com.zone"
cat > "$run/nsd.conf" << EOF
server:
  ip-address: 127.0.0.1@$port
  username: ""
  chroot: ""
  zonesdir: "$run"
  database: ""
  pidfile: "$run/nsd.pid"
  xfrdfile: "$run/xfrd.state"
  xfrdir: "$run"
  zonelistfile: "$run/zone.list"
  server-count: 1
  reuseport: no
remote-control:
  control-enable: no
key:
  name: "bench-key"
  algorithm: hmac-sha256
  secret: "$secret"
zone:
  name: "example.com"
  zonefile: "example.com.zone"
  provide-xfr: 127.0.0.0/8 NOKEY
  provide-xfr: 127.0.0.0/8 bench-key
EOF
nsd -d -c "$run/nsd.conf" > "$run/log" 2>&1 &
pid=$!
wait_soa
clients nsd
kill $pid
wait $pid || true
rm -rf "$run"
