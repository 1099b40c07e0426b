#!/bin/sh
# XoT benchmark (issue 15): the same AXFR, zonesync primary → `zonesync axfr -o FILE`,
# over TLS (RFC 9103: TLS 1.3, ALPN "dot", strict: CA and hostname checked) and over
# plain TCP, on a generated zone of 1,000,000 records by default. Goal: TLS at most
# 1.5x the TCP time (NSD was measured at 11x).
#
#   benches/xot-bench.sh [RECORDS] [ROUNDS]     (defaults 1000000 and 5)
#
# Builds release binaries, generates the zone once (examples/genzone.rs,
# deterministic) under target/xot-bench/, makes a CA and a server certificate with
# the openssl CLI, then runs inside a network namespace of its own (unshare -n,
# loopback only) when run as root. Rounds alternate TCP and TLS; the medians and
# their ratio are printed last, and beside them the same for named 9.18 serving the
# zone (plain and XoT) to kdig, when both are installed.
set -eu

records=${1:-1000000}
rounds=${2:-5}
cd "$(dirname "$0")/.."
work=$(pwd)/target/xot-bench
zone=$work/zone-$records.txt

if [ "${XOT_BENCH_INNER:-}" != 1 ]; then
    cargo build --release --quiet --example genzone --bin zonesync
    mkdir -p "$work"
    if [ ! -s "$zone" ]; then
        target/release/examples/genzone "$records" example.com. > "$zone"
    fi
    echo "zone: $zone, $(wc -c < "$zone") bytes, $records records"
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
        exec unshare -n env XOT_BENCH_INNER=1 sh -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
    fi
    echo "(not root: running without a network namespace; ports 5300 and 8530 must be free)"
    export XOT_BENCH_INNER=1
fi

port=5300
tls_port=8530
zonesync=$(pwd)/target/release/zonesync
run=$(mktemp -d)

# Certificates: a CA, and a server certificate for primary.test signed by it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=xot-bench CA" -keyout "$run/ca.key" -out "$run/ca.pem" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=primary.test" -keyout "$run/server.key" -out "$run/server.csr" 2> /dev/null
printf 'subjectAltName=DNS:primary.test\n' > "$run/ext"
openssl x509 -req -in "$run/server.csr" -CA "$run/ca.pem" -CAkey "$run/ca.key" \
    -CAcreateserial -days 2 -extfile "$run/ext" -out "$run/server.pem" 2> /dev/null

cp "$zone" "$run/example.com.zone"
cat > "$run/zonesync.yaml" << EOF
listen: ["127.0.0.1:$port"]
listen-tls: ["127.0.0.1:$tls_port"]
tls: { cert-file: server.pem, key-file: server.key }
state-dir: state
zones:
  - name: example.com
    file: example.com.zone
    allow-transfer: [ { address: 127.0.0.0/8 } ]
EOF
"$zonesync" serve -c "$run/zonesync.yaml" > "$run/log" 2>&1 &
pid=$!

# Bounded wait (120 s) until the zone is loaded (its SOA answers).
i=0
until kdig @127.0.0.1 -p $port example.com SOA +short +time=1 +retry=0 2> /dev/null | grep -q .; do
    i=$((i + 1))
    if [ $i -ge 240 ]; then
        echo "zonesync did not load the zone; log:" >&2
        tail -n 20 "$run/log" >&2
        kill $pid
        exit 1
    fi
    sleep 0.5
done

# measure LABEL COMMAND...: prints "LABEL: S s", appends S to $work/LABEL.times.
measure() {
    label=$1
    shift
    status=0
    /usr/bin/time -f '%e' -o "$work/time" "$@" > /dev/null 2> "$work/err" || status=$?
    secs=$(cat "$work/time")
    printf '%-28s %6s s  (exit %s)\n' "$label" "$secs" "$status"
    if [ "$status" != 0 ]; then
        head -n 3 "$work/err" | sed 's/^/    /'
        kill $pid
        exit 1
    fi
    echo "$secs" >> "$work/$label.times"
}

median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rm -f "$work"/*.times
i=1
while [ $i -le "$rounds" ]; do
    measure tcp "$zonesync" -q axfr example.com -s 127.0.0.1:$port \
        -o "$work/tcp.zone" --timeout 30s
    measure tls "$zonesync" -q axfr example.com -s 127.0.0.1:$tls_port \
        --tls-ca "$run/ca.pem" --tls-hostname primary.test -o "$work/tls.zone" --timeout 30s
    i=$((i + 1))
done
kill $pid
wait $pid 2> /dev/null || true

cmp -s "$work/tcp.zone" "$work/tls.zone" || { echo "TCP and TLS zones differ" >&2; exit 1; }
echo "records: $(wc -l < "$work/tls.zone") written, identical over TCP and TLS"

# The peer's figure: named 9.18 serving the same zone over TCP and over XoT, fetched
# by kdig (+tls-ca, +tls-hostname: strict) writing to a file.
if command -v named > /dev/null && command -v kdig > /dev/null; then
    cat > "$run/named.conf" << EOF
tls local-tls { cert-file "$run/server.pem"; key-file "$run/server.key"; };
options {
  directory "$run";
  listen-on port $port { 127.0.0.1; };
  listen-on port $tls_port tls local-tls { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no; notify no; dnssec-validation no;
  pid-file "$run/named.pid"; session-keyfile "$run/session.key";
  managed-keys-directory "$run";
  allow-transfer { 127.0.0.0/8; };
};
controls { };
zone "example.com" { type primary; file "$run/example.com.zone"; };
EOF
    named -f -n 1 -c "$run/named.conf" > "$run/named.log" 2>&1 &
    pid=$!
    i=0
    until kdig @127.0.0.1 -p $port example.com SOA +short +time=1 +retry=0 2> /dev/null | grep -q .; do
        i=$((i + 1))
        if [ $i -ge 240 ]; then
            echo "named did not load the zone; log:" >&2
            tail -n 20 "$run/named.log" >&2
            kill $pid
            exit 1
        fi
        sleep 0.5
    done
    i=1
    while [ $i -le "$rounds" ]; do
        measure named-tcp sh -c "kdig @127.0.0.1 -p $port example.com AXFR +noall +answer > '$work/named-tcp.zone'"
        measure named-tls sh -c "kdig @127.0.0.1 -p $tls_port +tls-ca='$run/ca.pem' +tls-hostname=primary.test example.com AXFR +noall +answer > '$work/named-tls.zone'"
        i=$((i + 1))
    done
    kill $pid
    wait $pid 2> /dev/null || true
fi

ratio() {
    awk "BEGIN { printf \"%.2f\", $2 / $1 }"
}
tcp=$(median "$work/tcp.times")
tls=$(median "$work/tls.times")
echo "zonesync, median of $rounds: TCP ${tcp} s, TLS ${tls} s, TLS/TCP $(ratio "$tcp" "$tls")x (goal <= 1.5x)"
if [ -s "$work/named-tls.times" ]; then
    ntcp=$(median "$work/named-tcp.times")
    ntls=$(median "$work/named-tls.times")
    echo "named + kdig, median of $rounds: TCP ${ntcp} s, TLS ${ntls} s, TLS/TCP $(ratio "$ntcp" "$ntls")x"
fi
rm -rf "$run"
