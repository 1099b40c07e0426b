//! A spoofed-source UDP flood: packets from 254 source addresses (127.1.0.1 …
//! 127.1.0.254, each bound on loopback: what a spoofer's packets look like to the
//! server, without raw sockets), a mix of valid queries, malformed messages, queries
//! signed with an unknown key and stray NOTIFYs. Probes from 127.0.0.1 are answered
//! over UDP and TCP within 1 s throughout; the log stays a few lines per event kind
//! per interval, and once the flood stops the server reports what it left out
//! without any further packet (the log limiter's flush).
//!
//! The flood is paced (a fixed number of packets per 10 ms tick), so the figure is a
//! rate that the report states; response-rate limiting assertions come with RRL.

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::tsig::Key;
use zonesync::tsig::sign::{ClientTsig, now};
use zonesync::wire::random_id;
use zonesync::zone::Rtype;

use crate::common::{Server, name, query, wait_serial, write_file};
use crate::{probe, summary};

const ZONE: &str = "example.com.";
/// Packets per 10 ms tick: 20,000 per second.
const PER_TICK: usize = 200;
/// How long the flood runs.
const FLOOD: Duration = Duration::from_secs(4);

/// The packets of the flood, in the order they are sent (round robin).
fn packets() -> Vec<Vec<u8>> {
    let key = Key::from_parts(
        "no-such-key.",
        "hmac-sha256",
        "em9uZXN5bmMtaW50ZWdyYXRpb24tdGVzdC1rZXktMzI=",
    )
    .expect("key");
    let mut signed = query(random_id(), ZONE, Rtype::SOA, None);
    ClientTsig::sign_request(&key, &mut signed, now());
    let mut malformed = query(random_id(), ZONE, Rtype::A, None);
    // QDCOUNT 1, but the question's name runs off the end.
    malformed.truncate(14);
    vec![
        query(random_id(), &format!("www.{ZONE}"), Rtype::A, Some(1232)),
        query(random_id(), &format!("nothing.{ZONE}"), Rtype::A, None),
        malformed,
        signed,
        zonesync::notify::build_notify(random_id(), &name("nowhere.test."), None),
        query(random_id(), ZONE, Rtype::ANY, None),
    ]
}

#[test]
fn a_spoofed_source_udp_flood_leaves_probes_answered_and_the_log_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        &dir.path().join("example.com.zone"),
        "$ORIGIN example.com.\n$TTL 300\n\
         @ SOA ns1.example.net. hostmaster 1 3600 600 86400 300\n\
         @ NS ns1.example.net.\nwww A 192.0.2.80\n",
    );
    let cfg = dir.path().join("cfg.yaml");
    write_file(
        &cfg,
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\n\
         zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let server = Server::start(&cfg);
    wait_serial(server.addr, ZONE, 1);

    let sources: Vec<UdpSocket> = (1..=254)
        .map(|i| {
            let s = UdpSocket::bind(format!("127.1.0.{i}:0")).expect("bind a 127.1.0.x source");
            s.set_nonblocking(true).expect("nonblocking");
            s
        })
        .collect();
    let mark = server.mark();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let flood = {
        let (stop, sent, addr) = (stop.clone(), sent.clone(), server.addr);
        thread::spawn(move || {
            let packets = packets();
            let started = Instant::now();
            let mut buf = [0u8; 1500];
            let mut i = 0usize;
            let mut tick = 0u32;
            while !stop.load(Ordering::Relaxed) && started.elapsed() < FLOOD {
                for _ in 0..PER_TICK {
                    let src = &sources[i % sources.len()];
                    if src.send_to(&packets[i % packets.len()], addr).is_ok() {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                    // Answers are read and dropped, so the sources' buffers never
                    // decide what is sent.
                    while src.recv_from(&mut buf).is_ok() {}
                    i += 1;
                }
                tick += 1;
                // The flood's pace.
                let next = started + Duration::from_millis(10) * tick;
                thread::sleep(next.saturating_duration_since(Instant::now()));
            }
        })
    };

    let started = Instant::now();
    let mut probes = Vec::new();
    while !flood.is_finished() {
        probes.push(probe(server.addr, ZONE));
        thread::sleep(Duration::from_millis(200));
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    flood.join().unwrap();
    let sent = sent.load(Ordering::Relaxed);
    assert!(probes.len() >= 5, "only {} probes", probes.len());

    // With no packet after the flood, the counts still come: the stray NOTIFYs'
    // (an INFO line) once their interval ends (5 s), at the latest a second later.
    let flushed = server.wait_log_since(
        mark,
        &[
            "NOTIFY-in refused: not a secondary zone here",
            "more suppressed in the last",
        ],
    );
    assert!(
        !flushed.contains("peer="),
        "the count came with an event, not on its own: {flushed}"
    );
    let log = server.log();
    let since = &log[mark..];
    for needle in ["NOTIFY-in refused", "TSIG check failed"] {
        let lines = since.lines().filter(|l| l.contains(needle)).count();
        assert!(
            lines <= 30,
            "{lines} lines of {needle:?} for {sent} packets"
        );
    }
    let total = since.lines().count();
    println!(
        "spoofed-source UDP flood: {sent} packets from 254 sources in {elapsed:?} \
         ({:.0}/s), {total} log lines; {}; last count: {}",
        sent as f64 / elapsed.as_secs_f64(),
        summary(&probes),
        flushed.trim()
    );
    // And still answering.
    probe(server.addr, ZONE);
}
