#!/bin/sh
# Response rate limiting benchmark: zonesync `rate-limit:` against Knot's mod-rrl and
# NSD's rrl, side by side, under the same UDP flood from one /24.
#
#   benches/rrl-bench.sh
#
# Environment: SERVERS (default "zonesync knotd nsd"), QPS (60000), FLOOD_SECONDS (10),
# RATE (20), SLIP (2), ROUNDS (2).
#
# Each server (pinned to core 0) serves a small zone with every limiter set alike:
# RATE responses per second per /24 (IPv4) and response class, every SLIP-th limited
# answer truncated (TC). The client (examples/udpflood.rs, pinned to core 1) sends
# `www.example.com. A` from four addresses of 127.0.1.0/24 at QPS queries a second for
# SECONDS and counts the answers in full and the truncated ones. The expectation:
# answers in full about RATE a second (plus one burst at the start: zonesync's bucket
# holds one second of credit, Knot's and NSD's more), truncated ones about
# (QPS - RATE) / SLIP a second. Then the same flood from a client that has learned
# the server's DNS cookie (RFC 7873/9018) and sends it back: zonesync and Knot
# (mod-cookies loaded beside mod-rrl) exempt valid cookies from limiting, so every
# query is answered in full (NSD 4.6 has no cookies: not run). Also shown: the
# server's CPU per query sent (user+sys of its processes during the flood).
#
# Builds release binaries under target/, then runs inside a network namespace of its
# own (unshare -n, loopback only) when run as root, so the servers listen on a fixed
# port (5300). Every process started is stopped by its PID; every wait is bounded.
set -eu

cd "$(dirname "$0")/.."
servers=${SERVERS:-zonesync knotd nsd}
qps=${QPS:-60000}
seconds=${FLOOD_SECONDS:-10}
rate=${RATE:-20}
slip=${SLIP:-2}
rounds=${ROUNDS:-2}

if [ "${RRL_BENCH_INNER:-}" != 1 ]; then
    cargo build --release --quiet --example udpflood --bin zonesync
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
        exec unshare -n env RRL_BENCH_INNER=1 sh -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
    fi
    echo "(not root: running without a network namespace; port 5300 must be free)"
    export RRL_BENCH_INNER=1
fi

port=5300
zonesync=$(pwd)/target/release/zonesync
flood=$(pwd)/target/release/examples/udpflood
pid=
run=

#----------- helpers -----------------------------------------------------------------

# tree PID: PID and its descendants (NSD serves from a child process).
tree() {
    for f in /proc/[0-9]*/stat; do
        cat "$f" 2> /dev/null || true
    done | awk -v root="$1" '
        { n = split($0, f, ") "); split(f[n], g, " "); parent[$1] = g[2] }
        END {
            keep[root] = 1; changed = 1
            while (changed) { changed = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
            for (p in keep) print p
        }'
}

# cpu PID: user+sys seconds of the process tree.
cpu() {
    ticks=$(getconf CLK_TCK)
    for p in $(tree "$1"); do
        cat "/proc/$p/stat" 2> /dev/null || true
    done | awk -v hz="$ticks" '{ n = split($0, f, ") "); split(f[n], g, " "); t += g[12] + g[13] } END { printf "%.2f", t / hz }'
}

# wait_serving: bounded wait (20 s) for an SOA answer (over TCP: never limited).
wait_serving() {
    i=0
    while [ $i -lt 1000 ]; do
        if [ -n "$(kdig @127.0.0.1 -p $port example.com SOA +tcp +short +time=1 +retry=0 2> /dev/null)" ]; then
            return 0
        fi
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.02
        i=$((i + 1))
    done
    echo "server did not come up; log:" >&2
    tail -n 20 "$run/log" >&2
    return 1
}

# stop: stops the server started last, by its PID (bounded wait, then KILL).
stop() {
    [ -n "$pid" ] || return 0
    kill "$pid" 2> /dev/null || true
    i=0
    while kill -0 "$pid" 2> /dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    pid=
}

cleanup() {
    stop
    if [ -n "$run" ]; then rm -rf "$run"; fi
}
trap cleanup EXIT INT TERM

#----------- servers -----------------------------------------------------------------

start() {
    if [ -n "$run" ]; then rm -rf "$run"; fi
    run=$(mktemp -d)
    cat > "$run/example.com.zone" << EOF
\$ORIGIN example.com.
\$TTL 300
@ SOA ns1.example.net. hostmaster 1 3600 600 86400 300
@ NS ns1.example.net.
www A 192.0.2.1
EOF
    case $1 in
    zonesync)
        cat > "$run/zonesync.yaml" << EOF
listen: ["127.0.0.1:$port"]
state-dir: state
rate-limit: { responses-per-second: $rate, slip: $slip, ipv4-prefix: 24 }
zones:
  - { name: example.com, file: example.com.zone }
EOF
        taskset -c 0 "$zonesync" -q serve --config "$run/zonesync.yaml" > "$run/log" 2>&1 &
        ;;
    knotd)
        mkdir -p "$run/db"
        cat > "$run/knot.conf" << EOF
server:
  listen: 127.0.0.1@$port
  rundir: $run
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
database:
  storage: $run/db
mod-cookies:
  - id: default
mod-rrl:
  - id: default
    rate-limit: $rate
    slip: $slip
template:
  - id: default
    storage: $run
    global-module: [mod-cookies/default, mod-rrl/default]
zone:
  - domain: example.com
    file: $run/example.com.zone
log:
  - target: stderr
    any: warning
EOF
        taskset -c 0 knotd -c "$run/knot.conf" > "$run/log" 2>&1 &
        ;;
    nsd)
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
  rrl-ratelimit: $rate
  rrl-slip: $slip
  rrl-ipv4-prefix-length: 24
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: "example.com"
  zonefile: "example.com.zone"
EOF
        taskset -c 0 nsd -d -c "$run/nsd.conf" > "$run/log" 2>&1 &
        ;;
    esac
    pid=$!
}

#----------- run ---------------------------------------------------------------------

echo "== rrl: $qps q/s of www.example.com A from 127.0.1.0/24 for $seconds s;"
echo "   limit $rate/s per /24 and class, slip $slip: expected about $rate/s in full and"
echo "   $(( (qps - rate) / slip ))/s truncated (the first second's burst aside); $rounds rounds"
for mode in plain cookie; do
    if [ $mode = cookie ]; then
        echo "== the same flood, every query with the valid server cookie it learned"
    fi
    for s in $servers; do
        if [ $mode = cookie ] && [ "$s" = nsd ]; then continue; fi
        r=1
        while [ $r -le "$rounds" ]; do
            start "$s"
            wait_serving
            before=$(cpu "$pid")
            line=$(taskset -c 1 "$flood" "127.0.0.1:$port" "$qps" "$seconds" 4 www.example.com. $mode)
            used=$(awk -v a="$before" -v b="$(cpu "$pid")" -v q="$qps" -v t="$seconds" 'BEGIN { printf "%.2f", (b - a) * 1e6 / (q * t) }')
            printf '%-10s %s; server CPU %s µs/query\n' "$s" "$line" "$used"
            stop
            r=$((r + 1))
        done
    done
done
