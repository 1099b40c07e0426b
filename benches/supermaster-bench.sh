#!/usr/bin/env bash
# Super master/slave benchmark, in one run:
#
#  1. Provisioning: N1 (1,000) small zones appear on a super master at once (their
#     files moved into its zones-dir in one go, then SIGHUP); measured: the time
#     until the super slave answers the SOA of every one of them. The same with
#     Knot: the zones added to a knotd catalog producer at once (config rewritten,
#     `knotc reload`), consumed by a second knotd (`catalog-role: interpret`).
#     Target: zonesync faster than the Knot pair.
#  2. Bulk refresh: a super slave of N2 (10,000) zones whose super master changed
#     CHANGED (10) of them while its NOTIFYs were lost (they go to a port nobody
#     listens on). The slave talks to its master through a small counting proxy
#     (Python, UDP and TCP), which logs every query it forwards; a bulk refresh is
#     then triggered (`zonesync serve -c … bulk-refresh`). Measured: the queries the
#     slave sent, by type, the time until the changed zones are current, and the
#     slave's CPU time. Target: one catalog SOA query, one catalog IXFR and one
#     transfer per changed zone — no per-zone SOA polls.
#  3. Memory: the super slave's resident set (VmRSS) before the N1 zones arrive and
#     after they are all served (and 2 s more), for zonesync and the Knot consumer,
#     printed per zone (the difference over N1) and as a ratio; and zonesync's RSS
#     per zone with N2 zones (bulk refresh slave, after provisioning).
#
# PERF=1 also records `perf record -g` profiles of the zonesync slave during the
# provisioning of N1 zones, the provisioning of N2 and the bulk refresh
# (perf-*.data in the work folder; with KEEP=1 they stay).
#
#   benches/supermaster-bench.sh            N1=1000 N2=10000 CHANGED=10 by default
#   N1=200 N2=2000 benches/supermaster-bench.sh   (a quicker run)
#   ONLY=zonesync N1=100000 benches/supermaster-bench.sh   (part 1 for zonesync alone,
#                                   to look at one side; no ratio is printed)
#
# Builds the release binary first, then runs inside a network namespace of its own
# (unshare -n, loopback only; root needed), so fixed ports (5301-5304, 5401-5402,
# never 53) disturb nothing. Every server is stopped by PID at the end; KEEP=1 keeps
# the work folder (target/supermaster-bench) with the logs. Needs knotd, knotc, kdig
# and python3.
set -euo pipefail

N1=${N1:-1000}
N2=${N2:-10000}
CHANGED=${CHANGED:-10}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
# ZONESYNC_BIN runs another build (no cargo build then), to compare two side by side.
ZS=${ZONESYNC_BIN:-$TARGET/release/zonesync}
WORK=$TARGET/supermaster-bench

if [ "${SM_BENCH_INNER:-}" != 1 ]; then
    [ -n "${ZONESYNC_BIN:-}" ] || cargo build --release --quiet --bin zonesync
    if [ "$(id -u)" != 0 ] || ! command -v unshare > /dev/null; then
        echo "needs root and unshare (it runs in a network namespace of its own)" >&2
        exit 2
    fi
    for t in knotd knotc kdig python3; do
        command -v "$t" > /dev/null || { echo "needs $t" >&2; exit 2; }
    done
    exec unshare -n env SM_BENCH_INNER=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

rm -rf "$WORK"
mkdir -p "$WORK"
SECRET=$(printf 'supermaster-bench-secret-32bytes' | base64)
PIDS=()

cleanup() {
    perf_stop
    for p in "${PIDS[@]}"; do
        kill "$p" 2> /dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2> /dev/null || true
    done
    if [ "${KEEP:-}" != 1 ]; then
        rm -rf "$WORK"
    else
        echo "logs kept in $WORK"
    fi
}
trap cleanup EXIT

# stop PID: SIGTERM, bounded wait (10 s), then SIGKILL.
stop() {
    kill "$1" 2> /dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$1" 2> /dev/null || { wait "$1" 2> /dev/null || true; return 0; }
        sleep 0.1
    done
    kill -9 "$1" 2> /dev/null || true
    wait "$1" 2> /dev/null || true
}

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

# wait_for WHAT SECONDS COMMAND...: polls COMMAND every 0.1 s, at most SECONDS.
wait_for() {
    local what=$1 secs=$2
    shift 2
    local end=$((SECONDS + secs))
    until "$@" > /dev/null 2>&1; do
        if [ $SECONDS -ge $end ]; then
            echo "timed out waiting for $what" >&2
            exit 1
        fi
        sleep 0.1
    done
}

soa_serial() { kdig @127.0.0.1 -p "$1" "$2" SOA +short +time=1 +retry=0 | awk '{print $3}'; }
serial_is() { [ "$(soa_serial "$1" "$2")" = "$3" ]; }
# catalog_lists PORT N: the catalog on PORT (transferred with the bench key) has N
# member zones.
catalog_lists() {
    [ "$(kdig @127.0.0.1 -p "$1" -y "hmac-sha256:bench-key:$SECRET" catalog.bench AXFR +noall +answer +time=5 \
        | awk '$4 == "PTR"' | wc -l)" = "$2" ]
}

#----------- Helpers in Python ------------------------------------------------------

# gen.py DIR PREFIX N SERIAL: N small zones PREFIX00001.bench … as DIR/NAME.zone.
cat > "$WORK/gen.py" << 'EOF'
import os, sys
d, prefix, n, serial = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(d, exist_ok=True)
for i in range(1, n + 1):
    z = f"{prefix}{i:05d}.bench"
    with open(os.path.join(d, z + ".zone"), "w") as f:
        f.write(f"$ORIGIN {z}.\n$TTL 300\n"
                f"@ SOA ns1.example.net. hostmaster.example.net. {serial} 86400 3600 2419200 300\n"
                f"@ NS ns1.example.net.\n@ NS ns2.example.net.\n@ MX 10 mail\n"
                f"www A 192.0.2.{i % 250 + 1}\nmail A 192.0.2.{i % 250 + 2}\n"
                f"@ TXT \"zone {i} serial {serial}\"\n")
EOF

# poll.py PORT T0 NAMES_FILE [SERIAL]: asks the SOA of the names still missing over
# UDP, again and again, until each answers NOERROR with an SOA (of SERIAL when
# given); prints the seconds since T0 (a Unix time) when the last one did. Each round
# asks at most 1,000 of them (taken in turn) and waits 50 ms for answers: at most
# 20,000 queries a second, so that with 100,000 names the poller does not take a core
# of its own away from the servers it measures (it took a third of the machine's
# CPU when it asked every missing name each round). Gives up after 600 s.
cat > "$WORK/poll.py" << 'EOF'
import collections, random, select, socket, struct, sys, time
port, t0, names = int(sys.argv[1]), float(sys.argv[2]), open(sys.argv[3]).read().split()
want = int(sys.argv[4]) if len(sys.argv) > 4 else None
def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 6, 1)
def answered(msg):
    if len(msg) < 12 or msg[3] & 0xF != 0 or struct.unpack("!H", msg[6:8])[0] == 0:
        return False
    if want is None:
        return True
    pos = 12
    while msg[pos] != 0:
        pos += 1 + msg[pos]
    pos += 5
    # The answer's owner: a compression pointer to the question.
    pos += 2 if msg[pos] & 0xC0 else 0
    rdata = pos + 10
    # MNAME and RNAME: skip names (labels or a pointer), then the serial.
    for _ in range(2):
        while True:
            if msg[rdata] & 0xC0:
                rdata += 2
                break
            if msg[rdata] == 0:
                rdata += 1
                break
            rdata += 1 + msg[rdata]
    return struct.unpack("!I", msg[rdata:rdata + 4])[0] == want
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", 0))
pending = set(names)
turn = collections.deque(names)
last = time.time()
while pending:
    if time.time() - t0 > 600:
        sys.exit(f"{len(pending)} zones still not served after 600 s")
    ids = {}
    asked = []
    while turn and len(asked) < 1000:
        n = turn.popleft()
        if n in pending:
            asked.append(n)
            turn.append(n)
    for n in asked:
        qid = random.randrange(65536)
        ids[qid] = n
        s.sendto(query(qid, n), ("127.0.0.1", port))
    end = time.time() + 0.05
    while True:
        left = end - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        msg = s.recv(4096)
        n = ids.get(struct.unpack("!H", msg[:2])[0])
        if n in pending and answered(msg):
            pending.discard(n)
            last = time.time()
print(f"{last - t0:.2f}")
EOF

# proxy.py LISTEN TARGET LOG: forwards UDP and TCP DNS from 127.0.0.1:LISTEN to
# 127.0.0.1:TARGET and logs "udp|tcp TYPE NAME" for every query it forwards.
cat > "$WORK/proxy.py" << 'EOF'
import asyncio, struct, sys
listen, target, log = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "a", buffering=1)
TYPES = {6: "SOA", 251: "IXFR", 252: "AXFR"}
def describe(msg):
    pos, labels = 12, []
    while msg[pos]:
        labels.append(msg[pos + 1:pos + 1 + msg[pos]].decode(errors="replace"))
        pos += 1 + msg[pos]
    qtype = struct.unpack("!H", msg[pos + 1:pos + 3])[0]
    return TYPES.get(qtype, str(qtype)), ".".join(labels) + "."
class Udp(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        log.write("udp %s %s\n" % describe(data))
        asyncio.get_running_loop().create_task(self.forward(data, addr))
    async def forward(self, data, addr):
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        class Reply(asyncio.DatagramProtocol):
            def datagram_received(self, d, a):
                if not answer.done():
                    answer.set_result(d)
        t, _ = await loop.create_datagram_endpoint(Reply, remote_addr=("127.0.0.1", target))
        t.sendto(data)
        try:
            self.transport.sendto(await asyncio.wait_for(answer, 10), addr)
        except asyncio.TimeoutError:
            pass
        finally:
            t.close()
async def tcp(reader, writer):
    up_r, up_w = await asyncio.open_connection("127.0.0.1", target)
    async def queries():
        try:
            while True:
                head = await reader.readexactly(2)
                msg = await reader.readexactly(struct.unpack("!H", head)[0])
                log.write("tcp %s %s\n" % describe(msg))
                up_w.write(head + msg)
                await up_w.drain()
        except Exception:
            pass
        finally:
            up_w.close()
    async def answers():
        try:
            while data := await up_r.read(65536):
                writer.write(data)
                await writer.drain()
        except Exception:
            pass
        finally:
            writer.close()
    await asyncio.gather(queries(), answers())
async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Udp, local_addr=("127.0.0.1", listen))
    server = await asyncio.start_server(tcp, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()
asyncio.run(main())
EOF

# zonesync_start NAME CONFIG: starts `zonesync serve` (info logs) in the background.
zonesync_start() {
    (cd "$WORK/$1" && exec env RUST_LOG=zonesync=info "$ZS" --color never serve --config "$2" > log 2>&1) &
    PIDS+=($!)
    LAST_PID=$!
}

cpu_seconds() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
# rss_kib PID: the process's resident set (VmRSS), KiB.
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
# per_zone BEFORE AFTER N: (AFTER - BEFORE) / N KiB, in KiB with one decimal.
per_zone() { python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[3]):.1f}')" "$1" "$2" "$3"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }

# perf_start NAME PID: with PERF=1, records a profile of PID into perf-NAME.data
# (PERF_PID is its recorder's PID); perf_stop stops it.
PERF_PID=
perf_start() {
    [ "${PERF:-}" = 1 ] || return 0
    perf record -g -F 499 -p "$2" -o "$WORK/perf-$1.data" > "$WORK/perf-$1.log" 2>&1 &
    PERF_PID=$!
    sleep 0.5
}
perf_stop() {
    [ -n "$PERF_PID" ] || return 0
    kill -INT "$PERF_PID" 2> /dev/null || true
    wait "$PERF_PID" 2> /dev/null || true
    PERF_PID=
}

#----------- 1. Provisioning: zonesync ----------------------------------------------

echo "== 1. $N1 new zones at once: super master -> super slave"
python3 "$WORK/gen.py" "$WORK/staging1" p "$N1" 1
ls "$WORK/staging1" | sed 's/\.zone$/./' > "$WORK/names1"

mkdir -p "$WORK/zs-master/zones" "$WORK/zs-slave"
cat > "$WORK/zs-master/config.yaml" << EOF
listen: ["127.0.0.1:5301"]
state-dir: state
file-check-interval: 1h
keys:
  - { name: bench-key, algorithm: hmac-sha256, secret: "$SECRET" }
zones-dir: zones
super-slaves:
  servers: ["127.0.0.1:5302"]
  key: bench-key
  catalog: catalog.bench.
EOF
cat > "$WORK/zs-slave/config.yaml" << EOF
listen: ["127.0.0.1:5302"]
state-dir: state
keys:
  - { name: bench-key, algorithm: hmac-sha256, secret: "$SECRET" }
super-masters:
  - { address: "127.0.0.1:5301", key: bench-key, catalog: catalog.bench., max-deletions: 100000 }
EOF
zonesync_start zs-master config.yaml
ZS_MASTER=$LAST_PID
zonesync_start zs-slave config.yaml
ZS_SLAVE=$LAST_PID
wait_for "the zonesync catalog" 30 serial_is 5301 catalog.bench 1
wait_for "the zonesync slave's catalog" 90 serial_is 5302 catalog.bench 1

sleep 1
zs_rss0=$(rss_kib "$ZS_SLAVE")
perf_start provision "$ZS_SLAVE"
t0=$(now)
find "$WORK/staging1" -name "*.zone" -print0 | xargs -0 mv -t "$WORK/zs-master/zones/"
kill -HUP "$ZS_MASTER"
zs_time=$(python3 "$WORK/poll.py" 5302 "$t0" "$WORK/names1")
perf_stop
sleep 2
zs_rss1=$(rss_kib "$ZS_SLAVE")
[ "${PERF:-}" != 1 ] || cp "/proc/$ZS_SLAVE/smaps" "$WORK/zs-slave/smaps"
zs_master_time=$(python3 "$WORK/poll.py" 5301 "$t0" "$WORK/names1")
echo "zonesync: all $N1 served by the super slave after ${zs_time} s (by the master: ${zs_master_time} s, measured after)"
echo "  slave RSS: ${zs_rss0} KiB -> ${zs_rss1} KiB, $(per_zone "$zs_rss0" "$zs_rss1" "$N1") KiB per zone"
echo "  slave log: $(grep -c 'NOTIFY for a new zone from a super master: zone created' "$WORK/zs-slave/log") created by NOTIFY, $(grep -c 'AXFR-in' "$WORK/zs-slave/log") AXFR-in, $(grep -c 'busy, not answered' "$WORK/zs-slave/log") NOTIFYs deferred (busy)"
stop "$ZS_SLAVE"
stop "$ZS_MASTER"

[ "${ONLY:-}" != zonesync ] || exit 0

#----------- 1. Provisioning: Knot --------------------------------------------------

echo "== 1. $N1 new zones at once: knotd catalog producer -> knotd consumer"
python3 "$WORK/gen.py" "$WORK/knot-producer" k "$N1" 1
ls "$WORK/knot-producer" | grep '\.zone$' | sed 's/\.zone$/./' > "$WORK/names1k"
mkdir -p "$WORK/knot-producer/db" "$WORK/knot-consumer/db"

knot_common() { # DIR PORT
    cat << EOF
server:
  listen: 127.0.0.1@$2
  rundir: $1
log:
  - target: stderr
    any: notice
database:
  storage: $1/db
key:
  - id: bench-key
    algorithm: hmac-sha256
    secret: $SECRET
EOF
}
knot_producer_conf() { # MEMBERS...
    local d=$WORK/knot-producer
    knot_common "$d" 5401
    cat << EOF
remote:
  - id: consumer
    address: 127.0.0.1@5402
    key: bench-key
acl:
  - id: to-consumer
    address: 127.0.0.1
    key: bench-key
    action: transfer
template:
  - id: default
    storage: $d
    zonefile-sync: -1
    journal-content: changes
    notify: consumer
    acl: to-consumer
zone:
  - domain: catalog.bench
    catalog-role: generate
EOF
    for z in "$@"; do
        printf '  - domain: %s\n    file: %s/%s.zone\n    catalog-role: member\n    catalog-zone: catalog.bench\n' "$z" "$d" "${z%.}"
    done
}
d=$WORK/knot-consumer
{
    knot_common "$d" 5402
    cat << EOF
remote:
  - id: producer
    address: 127.0.0.1@5401
    key: bench-key
acl:
  - id: from-producer
    address: 127.0.0.1
    key: bench-key
    action: notify
template:
  - id: default
    storage: $d
    zonefile-sync: -1
    zonefile-load: none
    journal-content: all
  - id: member
    storage: $d
    master: producer
    acl: from-producer
    zonefile-sync: -1
    zonefile-load: none
    journal-content: all
zone:
  - domain: catalog.bench
    master: producer
    acl: from-producer
    catalog-role: interpret
    catalog-template: member
EOF
} > "$d/knot.conf"
knot_producer_conf > "$WORK/knot-producer/knot.conf"
knotd -c "$WORK/knot-producer/knot.conf" > "$WORK/knot-producer/log" 2>&1 &
PIDS+=($!)
KNOT_PRODUCER=$!
knotd -c "$WORK/knot-consumer/knot.conf" > "$WORK/knot-consumer/log" 2>&1 &
PIDS+=($!)
KNOT_CONSUMER=$!
wait_for "the knot catalog" 30 kdig @127.0.0.1 -p 5401 catalog.bench SOA +short +time=1 +retry=0
cat_serial=$(soa_serial 5401 catalog.bench)
wait_for "the knot consumer's catalog" 60 serial_is 5402 catalog.bench "$cat_serial"

mapfile -t knames < "$WORK/names1k"
knot_producer_conf "${knames[@]}" > "$WORK/knot-producer/knot.conf.new"
sleep 1
knot_rss0=$(rss_kib "$KNOT_CONSUMER")
t0=$(now)
mv "$WORK/knot-producer/knot.conf.new" "$WORK/knot-producer/knot.conf"
knotc -c "$WORK/knot-producer/knot.conf" reload > /dev/null
knot_time=$(python3 "$WORK/poll.py" 5402 "$t0" "$WORK/names1k")
sleep 2
knot_rss1=$(rss_kib "$KNOT_CONSUMER")
knot_producer_time=$(python3 "$WORK/poll.py" 5401 "$t0" "$WORK/names1k")
echo "knot:     all $N1 served by the consumer after ${knot_time} s (by the producer: ${knot_producer_time} s, measured after)"
echo "  consumer RSS: ${knot_rss0} KiB -> ${knot_rss1} KiB, $(per_zone "$knot_rss0" "$knot_rss1" "$N1") KiB per zone"
echo "== 1. zonesync / knot: time $(ratio "$zs_time" "$knot_time"), RSS per zone $(ratio "$(per_zone "$zs_rss0" "$zs_rss1" "$N1")" "$(per_zone "$knot_rss0" "$knot_rss1" "$N1")")"
stop "$KNOT_CONSUMER"
stop "$KNOT_PRODUCER"

#----------- 2. Bulk refresh --------------------------------------------------------

echo "== 2. bulk refresh of $N2 zones, $CHANGED changed, their NOTIFYs lost"
mkdir -p "$WORK/bulk-master" "$WORK/bulk-slave"
python3 "$WORK/gen.py" "$WORK/bulk-master/zones" b "$N2" 1
ls "$WORK/bulk-master/zones" | sed 's/\.zone$/./' > "$WORK/names2"
# NOTIFY goes to 5399, where nobody listens; transfers are allowed from 127.0.0.1.
cat > "$WORK/bulk-master/config.yaml" << EOF
listen: ["127.0.0.1:5303"]
state-dir: state
file-check-interval: 1h
keys:
  - { name: bench-key, algorithm: hmac-sha256, secret: "$SECRET" }
zones-dir: zones
super-slaves:
  servers: ["127.0.0.1:5399"]
  key: bench-key
  catalog: catalog.bench.
EOF
# The slave reaches its master through the counting proxy on 5304; member refresh
# timers of a day: only the bulk refresh can find the change.
cat > "$WORK/bulk-slave/config.yaml" << EOF
listen: ["127.0.0.1:5302"]
state-dir: state
keys:
  - { name: bench-key, algorithm: hmac-sha256, secret: "$SECRET" }
super-masters:
  - { address: "127.0.0.1:5304", key: bench-key, catalog: catalog.bench., max-deletions: 100000 }
min-refresh: 1d
max-refresh: 1d
min-retry: 1s
max-retry: 5s
EOF
python3 "$WORK/proxy.py" 5304 5303 "$WORK/proxy.log" &
PIDS+=($!)
t0=$(now)
zonesync_start bulk-master config.yaml
BULK_MASTER=$LAST_PID
wait_for "the master's $N2 zones" 600 python3 "$WORK/poll.py" 5303 "$t0" "$WORK/names2"
# Its catalog follows its zones: the slave must find all of them in the first one it
# takes (the master's NOTIFYs are lost on purpose).
wait_for "the master's catalog of $N2 zones" 120 catalog_lists 5303 "$N2"
t1=$(now)
echo "master: $N2 zones loaded in $(elapsed "$t0" "$t1") s"
zonesync_start bulk-slave config.yaml
BULK_SLAVE=$LAST_PID
perf_start provision-n2 "$BULK_SLAVE"
initial=$(python3 "$WORK/poll.py" 5302 "$t1" "$WORK/names2")
perf_stop
echo "slave: $N2 zones provisioned from the catalog (through the proxy) in ${initial} s; CPU $(cpu_seconds "$BULK_SLAVE") s"
cat_serial=$(soa_serial 5303 catalog.bench)
wait_for "the slave's catalog" 120 serial_is 5302 catalog.bench "$cat_serial"
sleep 2
echo "  slave RSS with $N2 zones: $(rss_kib "$BULK_SLAVE") KiB, $(per_zone 0 "$(rss_kib "$BULK_SLAVE")" "$N2") KiB per zone (whole process)"

# The change: CHANGED zones get serial 2; the master's catalog lists the new serials.
python3 "$WORK/gen.py" "$WORK/changed" b "$CHANGED" 2
ls "$WORK/changed" | sed 's/\.zone$/./' > "$WORK/names-changed"
mv "$WORK"/changed/*.zone "$WORK/bulk-master/zones/"
kill -HUP "$BULK_MASTER"
wait_for "the master's new serials" 60 python3 "$WORK/poll.py" 5303 "$(now)" "$WORK/names-changed" 2
wait_for "the master's new catalog" 60 bash -c "[ \"\$(kdig @127.0.0.1 -p 5303 catalog.bench SOA +short | awk '{print \$3}')\" != $cat_serial ]"
sleep 1
before=$(wc -l < "$WORK/proxy.log")
perf_start bulk "$BULK_SLAVE"
cpu0=$(cpu_seconds "$BULK_SLAVE")
t0=$(now)
"$ZS" serve --config "$WORK/bulk-slave/config.yaml" bulk-refresh > /dev/null
changed_time=$(python3 "$WORK/poll.py" 5302 "$t0" "$WORK/names-changed" 2)
sleep 3
cpu1=$(cpu_seconds "$BULK_SLAVE")
perf_stop
tail -n +"$((before + 1))" "$WORK/proxy.log" > "$WORK/bulk-queries"
echo "bulk refresh: the $CHANGED changed zones current after ${changed_time} s; slave CPU $(elapsed "$cpu0" "$cpu1") s"
echo "queries the slave sent during the bulk refresh ($(wc -l < "$WORK/bulk-queries") in all):"
awk '{ k = $1 " " $2 (($3 == "catalog.bench.") ? " (catalog)" : " (member)"); n[k]++ } END { for (k in n) printf "  %-24s %d\n", k, n[k] }' "$WORK/bulk-queries" | sort
echo "  (per-zone polling would have sent $N2 SOA queries, then the $CHANGED transfers)"
stop "$BULK_SLAVE"
stop "$BULK_MASTER"
