#!/bin/sh
# NOTIFY-to-served benchmark (issue "serve, secondary side"): one knotd primary, two
# secondaries of it side by side — `zonesync serve` and knotd — and a 10-record change
# on the primary. Measured: the time from the primary's reload until each secondary
# answers the new serial (the primary sends NOTIFY to both; both refresh by IXFR).
# And zonesync's own figure from its log (`applied_ms`): the time from the IXFR's last
# message to the new version served (applied, persisted, published), with the store's
# commit alone (`persist_ms`) beside it.
#
#   benches/notify-bench.sh [SIZES]      default: "1000 100000 1000000" records
#
# Environment: ROUNDS (3 per size).
#
# Each size: the zone is generated once (examples/genzone.rs, deterministic) under
# target/notify-bench/, the three servers start fresh and both secondaries take the
# zone by AXFR; then ROUNDS edits (ten A records change, the serial goes up by one),
# each made by rewriting the primary's file and `knotc zone-reload`. The primary's
# own reload time is in both figures alike. A small poller asks both secondaries for
# the SOA every 2 ms (one UDP socket, no process per query).
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

# wait.py SERIAL READY: creates the file READY once it listens for SIGUSR1; on SIGUSR1
# notes the time, then asks 127.0.0.1:5402 (zonesync) and
# :5403 (knotd) for the SOA over UDP every 2 ms until each serves SERIAL; prints the
# seconds each took ("never" after 120 s).
mkdir -p "$work"
cat > "$work/wait.py" << 'EOF'
import select, signal, socket, struct, sys, time
serial = int(sys.argv[1])
start = []
signal.signal(signal.SIGUSR1, lambda *_: start.append(time.monotonic()))
open(sys.argv[2], "w").close()
while not start:
    signal.pause()
q = struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\x07example\x03com\x00" + struct.pack("!HH", 6, 1)
def serves(msg):
    # The SOA in ANSWER: owner (a pointer), type, class, TTL, length, then MNAME and
    # RNAME (labels or pointers), then the serial.
    if len(msg) < len(q) + 12 or msg[3] & 0xF or struct.unpack("!H", msg[6:8])[0] == 0:
        return False
    p = len(q) + 12
    for _ in range(2):
        while msg[p] and msg[p] & 0xC0 == 0:
            p += 1 + msg[p]
        p += 2 if msg[p] & 0xC0 else 1
    return struct.unpack("!I", msg[p:p + 4])[0] == serial
got = {}
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while len(got) < 2 and time.monotonic() - start[0] < 120:
    for port in (5402, 5403):
        if port not in got:
            sock.sendto(q, ("127.0.0.1", port))
    end = time.monotonic() + 0.002
    while (left := end - time.monotonic()) > 0 and select.select([sock], [], [], left)[0]:
        msg, (_, port) = sock.recvfrom(4096)
        if port not in got and serves(msg):
            got[port] = time.monotonic() - start[0]
print(" ".join(f"{got[p]:.3f}" if p in got else "never" for p in (5402, 5403)))
EOF

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
    RUST_LOG=zonesync=info "$zonesync" serve --config "$run/zonesync/zonesync.yaml" 2> "$run/zonesync/log" &
    pids="$pids $!"
    wait_serial 5402 "$serial"
    wait_serial 5403 "$serial"

    zs=""
    kn=""
    applied=""
    r=1
    while [ "$r" -le "$rounds" ]; do
        next=$((serial + 1))
        # Ten A records get new addresses; the serial goes up by one.
        awk -v old="$serial" -v new="$next" -v r="$r" '
            /IN\tSOA/ { sub(old, new) }
            /^host[0-9]+ IN A / && n < 10 && NR > 10 * r { $NF = "10.254." r "." (n + 1); n++ }
            { print }' "$run/primary/example.com.zone" > "$run/primary/edit.zone"
        mv "$run/primary/edit.zone" "$run/primary/example.com.zone"
        # The poller starts first and takes the time of the reload itself.
        rm -f "$run/ready"
        python3 "$work/wait.py" "$next" "$run/ready" > "$run/times" &
        waiter=$!
        # Python's start-up is slow on a loaded machine: the signal must not come
        # before its handler (bounded: 30 s).
        i=0
        while [ ! -e "$run/ready" ] && [ $i -lt 300 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -USR1 "$waiter"
        knotc -c "$run/primary/knot.conf" zone-reload example.com > /dev/null
        wait "$waiter" || true
        read -r got_zs got_kn < "$run/times" || true
        zs="$zs ${got_zs:-never} s |"
        kn="$kn ${got_kn:-never} s |"
        # zonesync's own figure: from the IXFR's last message to the version served.
        line=$(grep "IXFR-in, serial $serial -> $next" "$run/zonesync/log" | tail -n 1)
        got=$(printf '%s' "$line" | sed -n 's/.*applied_ms=\([0-9.]*\).*/\1/p')
        disk=$(printf '%s' "$line" | sed -n 's/.*persist_ms=\([0-9.]*\).*/\1/p')
        applied="$applied ${got:-?} ms (store ${disk:-?}) |"
        serial=$next
        r=$((r + 1))
    done
    printf '%-9s zone %8s records: zonesync %s\n' "" "$size" "$zs"
    printf '%-9s zone %8s records: knotd    %s\n' "" "$size" "$kn"
    printf '%-9s zonesync, last IXFR message to served: %s\n' "" "$applied"
    stop_all
}

echo "NOTIFY-to-served latency, knotd primary -> zonesync and knotd secondaries ($rounds rounds)"
for size in $sizes; do
    bench "$size"
done
