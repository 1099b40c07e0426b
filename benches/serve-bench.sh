#!/bin/sh
# Serve benchmark: zonesync against NSD, Knot and BIND, side by side, on the same data.
#
#   benches/serve-bench.sh [PART...]      PART: qps axfr start edit reloads
#                                         (default: the first four)
#
# Environment: SERVERS (default "zonesync nsd knotd named"), QPS_RECORDS (100000),
# BIG_RECORDS (1000000), QPS_SECONDS (10), ROUNDS (2), RELOADS (15), CHANGES (2000),
# ALLOCATORS (default "glibc jemalloc mimalloc"), JEMALLOC_SO, MIMALLOC_SO; ZONESYNC_BIN
# (another zonesync binary, to compare builds), ZONESYNC_EXTRA (lines added to
# zonesync's config, e.g. "rate-limit: { responses-per-second: 1000000 }").
#
# What is measured (one server at a time, pinned to core 0; clients on core 1):
#   qps    dnsperf -c 10 -q 200 for QPS_SECONDS against a QPS_RECORDS-record zone, with a
#          query file mixing existing names and types (referrals included), NODATA and
#          NXDOMAIN (generated from the zone with awk; ~2/3 existing, 1/6 each other).
#          ROUNDS rounds; the first also warms caches.
#   start  (BIG_RECORDS zone) time from process start to the first SOA answer, then the
#          time until the process tree is idle (zonesync persists the zone to its store
#          after it serves it), and the peak RSS (VmHWM, largest process of the tree).
#          zonesync is started twice: with an empty state dir, then again with the store
#          it left (a restart with the zone file unchanged).
#   axfr   (BIG_RECORDS zone, server from `start` still running) server CPU time
#          (user+sys of the whole process tree, from /proc/PID/stat) during one AXFR by
#          kdig; ROUNDS rounds.
#   edit   (same server) a 10-record edit with a serial increase, written by rename(2);
#          time from the rename to the new serial answered. zonesync notices it by its
#          file-check-interval (100ms here), NSD and BIND get SIGHUP, Knot
#          `knotc zone-reload`. ROUNDS rounds (serial +1 each).
#   reloads (BIG_RECORDS zone) memory across reloads (issue 13): RELOADS reloads, each
#          changing CHANGES A records (other ones each time) with the serial +1; after
#          each, once the new serial is answered and the tree is idle, the RSS (VmRSS,
#          largest process of the tree). zonesync runs once per allocator in
#          ALLOCATORS: glibc (the build's own: the system's malloc), glibc-arena2
#          (MALLOC_ARENA_MAX=2), jemalloc, jemalloc-decay0 (freed pages returned at
#          once: MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0), jemalloc-bg1s
#          (background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0) and mimalloc
#          (shared libraries put in with
#          LD_PRELOAD: JEMALLOC_SO, default Debian's libjemalloc2; MIMALLOC_SO, e.g.
#          built from the mimalloc crate's C sources with
#          `gcc -O2 -DNDEBUG -shared -fPIC -Iinclude src/static.c -o libmimalloc.so`).
#          Only zonesync and knotd take part.
#
# Builds release binaries and generates the zones once under target/serve-bench/
# (examples/genzone.rs, deterministic), then runs everything inside a network namespace
# of its own (unshare -n, loopback only) when run as root, so the servers listen on a
# fixed port (5300) without disturbing anything. Debian's NSD rate-limits by default:
# its config here sets rrl-ratelimit: 0. Every process started is stopped by its PID;
# every wait is bounded.
set -eu

cd "$(dirname "$0")/.."
work=$(pwd)/target/serve-bench
qps_records=${QPS_RECORDS:-100000}
big_records=${BIG_RECORDS:-1000000}
qps_seconds=${QPS_SECONDS:-10}
rounds=${ROUNDS:-2}
servers=${SERVERS:-zonesync nsd knotd named}
parts=${*:-qps start axfr edit}
reloads=${RELOADS:-15}
changes=${CHANGES:-2000}
allocators=${ALLOCATORS:-glibc jemalloc mimalloc}
jemalloc_so=${JEMALLOC_SO:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
mimalloc_so=${MIMALLOC_SO:-}
small=$work/zone-$qps_records.txt
big=$work/zone-$big_records.txt
queries=$work/queries-$qps_records.txt

if [ "${SERVE_BENCH_INNER:-}" != 1 ]; then
    cargo build --release --quiet --example genzone --bin zonesync
    mkdir -p "$work"
    for n in "$qps_records" "$big_records"; do
        if [ ! -s "$work/zone-$n.txt" ]; then
            target/release/examples/genzone "$n" example.com. > "$work/zone-$n.txt" 2> /dev/null
        fi
    done
    if [ ! -s "$queries" ]; then
        # Every record's owner and type, in file order; after every third a NODATA
        # question (TXT at a host: hosts own A/AAAA only; MX at an alias or a
        # delegation is answered with the CNAME or a referral) and an NXDOMAIN one.
        awk -v origin=example.com. '
            /^\$/ { next }
            {
                if ($0 ~ /^[ \t]/) o = owner; else { o = $1; owner = o }
                t = ""
                for (i = 1; i < NF; i++) if ($i == "IN") { t = $(i + 1); break }
                if (t == "") next
                name = (o == "@") ? origin : o "." origin
                if (name " " t == last) next
                last = name " " t
                print name, t
                k++
                if (k % 3 == 0) {
                    print name, (o ~ /^host/ ? "TXT" : "MX")
                    print "nx" k "." origin, (k % 2 ? "A" : "AAAA")
                }
            }' "$small" > "$queries"
    fi
    echo "zones: $qps_records records ($(wc -c < "$small") bytes), $big_records records ($(wc -c < "$big") bytes)"
    echo "queries: $(wc -l < "$queries") lines ($queries)"
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
        exec unshare -n env SERVE_BENCH_INNER=1 sh -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
    fi
    echo "(not root: running without a network namespace; port 5300 must be free)"
    export SERVE_BENCH_INNER=1
fi

port=5300
zonesync=${ZONESYNC_BIN:-$(pwd)/target/release/zonesync}
pid=
run=

#----------- helpers -----------------------------------------------------------------

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# tree PID: PID and its descendants.
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

# cpu PID: user+sys seconds of the process tree (exited threads included).
cpu() {
    ticks=$(getconf CLK_TCK)
    for p in $(tree "$1"); do
        cat "/proc/$p/stat" 2> /dev/null || true
    done | awk -v hz="$ticks" '{ n = split($0, f, ") "); split(f[n], g, " "); t += g[12] + g[13] } END { printf "%.2f", t / hz }'
}

# hwm PID: the largest VmHWM (MiB) in the process tree.
hwm() {
    for p in $(tree "$1"); do
        awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2> /dev/null || true
    done | awk '{ if ($1 > m) m = $1 } END { printf "%d", m / 1024 }'
}

# rss PID: the largest VmRSS (MiB) in the process tree.
rss() {
    for p in $(tree "$1"); do
        awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2> /dev/null || true
    done | awk '{ if ($1 > m) m = $1 } END { printf "%d", m / 1024 }'
}

# soa: the serial served now (empty when none).
soa() {
    kdig @127.0.0.1 -p $port example.com SOA +short +time=1 +retry=0 2> /dev/null | awk '{ print $3 }'
}

# wait_serving: bounded wait (180 s) for an SOA answer; prints the seconds since $1.
wait_serving() {
    i=0
    while [ $i -lt 9000 ]; do
        if [ -n "$(soa)" ]; then
            elapsed "$1" "$(now)"
            return 0
        fi
        if ! kill -0 "$pid" 2> /dev/null; then
            break
        fi
        sleep 0.02
        i=$((i + 1))
    done
    echo "server did not come up; log:" >&2
    tail -n 20 "$run/log" >&2
    return 1
}

# wait_idle: bounded wait (300 s) until the tree used no CPU for 1 s; prints the
# seconds since $1 at the start of that idle second.
wait_idle() {
    i=0
    last=$(cpu "$pid")
    t=$(now)
    while [ $i -lt 300 ]; do
        sleep 1
        c=$(cpu "$pid")
        if [ "$c" = "$last" ]; then
            elapsed "$1" "$t"
            return 0
        fi
        last=$c
        t=$(now)
        i=$((i + 1))
    done
    echo "never idle"
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

# start SERVER ZONEFILE [keep]: a fresh run dir with the zone as example.com.zone and a
# config; starts the server pinned to core 0 and sets $pid. With "keep", the run dir
# (and a zonesync store in it) is reused.
start() {
    server=$1
    if [ "${3:-}" != keep ]; then
        if [ -n "$run" ]; then rm -rf "$run"; fi
        run=$(mktemp -d)
        cp "$2" "$run/example.com.zone"
        config_$server
    fi
    t0=$(now)
    case $server in
    zonesync) taskset -c 0 env ${ZONESYNC_ENV:-} "$zonesync" -q serve --config "$run/zonesync.yaml" > "$run/log" 2>&1 & ;;
    nsd) taskset -c 0 nsd -d -c "$run/nsd.conf" > "$run/log" 2>&1 & ;;
    knotd) taskset -c 0 knotd -c "$run/knot.conf" > "$run/log" 2>&1 & ;;
    named) taskset -c 0 named -g -n 1 -c "$run/named.conf" > "$run/log" 2>&1 & ;;
    esac
    pid=$!
}

config_zonesync() {
    cat > "$run/zonesync.yaml" << EOF
listen: ["127.0.0.1:$port"]
state-dir: state
zones:
  - name: example.com
    file: example.com.zone
    allow-transfer: [ { address: 127.0.0.0/8 } ]
    serial-policy: keep
    notify: false
file-check-interval: 100ms
${ZONESYNC_EXTRA:-}
EOF
}

config_nsd() {
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
  rrl-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: "example.com"
  zonefile: "example.com.zone"
  provide-xfr: 127.0.0.0/8 NOKEY
EOF
}

config_knotd() {
    mkdir -p "$run/db"
    cat > "$run/knot.conf" << EOF
server:
  listen: 127.0.0.1@$port
  rundir: $run
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
control:
  listen: $run/knot.sock
database:
  storage: $run/db
acl:
  - id: any
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: $run
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: example.com
    file: $run/example.com.zone
    acl: [any]
log:
  - target: stderr
    any: warning
EOF
}

config_named() {
    cat > "$run/named.conf" << EOF
options {
  directory "$run";
  pid-file "$run/named.pid";
  session-keyfile "$run/session.key";
  managed-keys-directory "$run";
  listen-on port $port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  allow-transfer { 127.0.0.0/8; };
};
controls { };
zone "example.com" { type primary; file "$run/example.com.zone"; };
EOF
}

# reload SERVER: what an operator does after editing the zone file.
reload() {
    case $1 in
    zonesync) ;; # file-check-interval
    nsd | named) kill -HUP "$pid" ;;
    knotd) knotc -c "$run/knot.conf" zone-reload example.com > /dev/null ;;
    esac
}

#----------- parts -------------------------------------------------------------------

row() { printf '%-10s %s\n' "$1" "$2"; }

part_qps() {
    echo
    echo "== qps: $qps_records-record zone, dnsperf -c 10 -q 200 -l $qps_seconds, $(wc -l < "$queries") queries in the file"
    echo "   (servers alternate round by round; each run follows a 2 s warm-up; best of $rounds;"
    echo "   server CPU µs/query: user+sys of the server's processes per answered query)"
    for s in $servers; do
        : > "$work/qps-$s"
    done
    r=1
    while [ $r -le "$rounds" ]; do
        for s in $servers; do
            start "$s" "$small"
            wait_serving "$t0" > /dev/null
            taskset -c 1 dnsperf -s 127.0.0.1 -p $port -d "$queries" -c 10 -q 200 -l 2 > /dev/null 2>&1 || true
            before=$(cpu "$pid")
            taskset -c 1 dnsperf -s 127.0.0.1 -p $port -d "$queries" -c 10 -q 200 -l "$qps_seconds" > "$run/dnsperf" 2>&1 || true
            used=$(awk -v a="$before" -v b="$(cpu "$pid")" 'BEGIN { print b - a }')
            awk -v used="$used" '/Queries per second/ { qps = $4 } /Queries lost/ { lost = $3 }
                /Queries completed/ { done = $3 } /Response codes/ { $1 = $2 = ""; codes = $0 }
                END { printf "%d %.2f %s%s\n", qps, done ? used * 1e6 / done : 0, lost, codes }' "$run/dnsperf" >> "$work/qps-$s"
            stop
        done
        r=$((r + 1))
    done
    for s in $servers; do
        best=$(sort -n "$work/qps-$s" | tail -n 1)
        all=$(awk '{ printf "%s%d", (NR > 1 ? ", " : ""), $1 }' "$work/qps-$s")
        cpus=$(awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $2 }' "$work/qps-$s")
        row "$s" "best $(echo "$best" | awk '{ print $1 }') qps  (rounds: $all; server CPU µs/query: $cpus; lost $(echo "$best" | awk '{ print $3 }');$(echo "$best" | cut -d' ' -f4-))"
    done
}

# The big-zone server for axfr and edit, started by part_start (or here).
big_server=

part_start() {
    echo
    echo "== start: $big_records-record zone, start to first SOA answer, to idle, peak RSS"
    for s in $servers; do
        start "$s" "$big"
        ready=$(wait_serving "$t0")
        idle=$(wait_idle "$t0")
        row "$s" "serving after $ready s, idle after $idle s, VmHWM $(hwm "$pid") MiB, CPU $(cpu "$pid") s"
        if [ "$s" = zonesync ]; then
            stop
            start zonesync "$big" keep
            ready=$(wait_serving "$t0")
            idle=$(wait_idle "$t0")
            row "" "restart with its store: serving after $ready s, idle after $idle s, VmHWM $(hwm "$pid") MiB"
        fi
        after_start "$s"
        stop
    done
}

after_start() {
    case " $parts " in
    *" axfr "*) axfr_rounds "$1" ;;
    esac
    case " $parts " in
    *" edit "*) edit_rounds "$1" ;;
    esac
}

axfr_rounds() {
    r=1
    out=""
    while [ $r -le "$rounds" ]; do
        before=$(cpu "$pid")
        t=$(now)
        taskset -c 1 kdig @127.0.0.1 -p $port example.com AXFR +noall > /dev/null 2>&1 || true
        wall=$(elapsed "$t" "$(now)")
        used=$(awk -v a="$before" -v b="$(cpu "$pid")" 'BEGIN { printf "%.2f", b - a }')
        out="$out $used s CPU ($wall s wall) |"
        r=$((r + 1))
    done
    row "  axfr" "$out"
}

edit_rounds() {
    r=1
    out=""
    serial=2024010101
    while [ $r -le "$rounds" ]; do
        next=$((serial + 1))
        # Ten A records get new addresses; the serial goes up by one.
        awk -v old="$serial" -v new="$next" -v r="$r" '
            /IN\tSOA/ { sub(old, new) }
            /^host[0-9]+ IN A / && n < 10 && NR > 1000 * r { $NF = "10.255." r "." (n + 1); n++ }
            { print }' "$run/example.com.zone" > "$run/edit.zone"
        t=$(now)
        mv "$run/edit.zone" "$run/example.com.zone"
        reload "$1"
        i=0
        while [ "$(soa)" != "$next" ] && [ $i -lt 3000 ]; do
            sleep 0.01
            i=$((i + 1))
        done
        if [ "$(soa)" = "$next" ]; then
            out="$out $(elapsed "$t" "$(now)") s |"
        else
            out="$out never (30 s; serving $(soa)) |"
            tail -n 5 "$run/log" >&2
        fi
        serial=$next
        r=$((r + 1))
    done
    row "  edit" "$out"
}

# reload_rounds SERVER: RELOADS reloads of CHANGES changed A records each; prints the
# RSS after the start and after each reload.
reload_rounds() {
    serial=2024010101
    series="$(rss "$pid")"
    r=1
    while [ $r -le "$reloads" ]; do
        next=$((serial + 1))
        # The A records numbered (r-1)*CHANGES … r*CHANGES-1 in file order get new
        # addresses: other records every round.
        awk -v old="$serial" -v new="$next" -v r="$r" -v n="$changes" '
            /IN\tSOA/ { sub(old, new) }
            /^host[0-9]+ IN A / { k++; if (k > (r - 1) * n && k <= r * n) $NF = "10.254." int(k / 250) % 256 "." k % 250 + 1 }
            { print }' "$run/example.com.zone" > "$run/edit.zone"
        mv "$run/edit.zone" "$run/example.com.zone"
        reload "$1"
        i=0
        while [ "$(soa)" != "$next" ] && [ $i -lt 6000 ]; do
            sleep 0.01
            i=$((i + 1))
        done
        if [ "$(soa)" != "$next" ]; then
            echo "  reload $r: never served (60 s; serving $(soa))" >&2
            tail -n 5 "$run/log" >&2
            return 1
        fi
        wait_idle "$(now)" > /dev/null
        series="$series $(rss "$pid")"
        serial=$next
        r=$((r + 1))
    done
    echo "$series"
}

part_reloads() {
    echo
    echo "== reloads: $big_records-record zone, $reloads reloads of $changes changed records;"
    echo "   RSS (MiB) after the start, then after each reload (served and idle)"
    for s in $servers; do
        case $s in
        zonesync) variants=$allocators ;;
        knotd) variants=- ;;
        *) continue ;;
        esac
        for a in $variants; do
            case $a in
            glibc | -) ZONESYNC_ENV= ;;
            glibc-arena2) ZONESYNC_ENV=MALLOC_ARENA_MAX=2 ;;
            jemalloc) ZONESYNC_ENV=LD_PRELOAD=$jemalloc_so ;;
            jemalloc-decay0) ZONESYNC_ENV="LD_PRELOAD=$jemalloc_so MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0" ;;
            jemalloc-bg1s) ZONESYNC_ENV="LD_PRELOAD=$jemalloc_so MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0" ;;
            builtin) ZONESYNC_ENV= ;;
            mimalloc)
                if [ -z "$mimalloc_so" ]; then
                    row "$s" "mimalloc: set MIMALLOC_SO"
                    continue
                fi
                ZONESYNC_ENV=LD_PRELOAD=$mimalloc_so
                ;;
            *) row "$s" "unknown allocator $a"; continue ;;
            esac
            start "$s" "$big"
            wait_serving "$t0" > /dev/null
            wait_idle "$t0" > /dev/null
            series=$(reload_rounds "$s") || series="failed"
            if [ "$a" = - ]; then row "$s" "$series"; else row "$s $a" "$series"; fi
            stop
            ZONESYNC_ENV=
        done
    done
}

for part in $parts; do
    case $part in
    qps) part_qps ;;
    reloads) part_reloads ;;
    start) part_start ;;
    axfr | edit)
        case " $parts " in
        *" start "*) ;; # run after each start
        *)
            echo
            echo "== $part: $big_records-record zone"
            for s in $servers; do
                start "$s" "$big"
                wait_serving "$t0" > /dev/null
                wait_idle "$t0" > /dev/null
                row "$s" ""
                if [ "$part" = axfr ]; then axfr_rounds "$s"; else edit_rounds "$s"; fi
                stop
            done
            ;;
        esac
        ;;
    *) echo "unknown part: $part (qps, start, axfr, edit, reloads)" >&2 ;;
    esac
done
