//! A spoofed-source UDP flood: packets from 254 source addresses (127.1.0.1 …
//! 127.1.0.254, each bound on loopback: what a spoofer's packets look like to the
//! server, without raw sockets), a mix of valid queries, malformed messages, queries
//! signed with an unknown key and stray NOTIFYs. Probes from 127.0.0.1 are answered
//! over UDP and TCP within 1 s throughout; the log stays a few lines per event kind
//! per interval, and once the flood stops the server reports what it left out
//! without any further packet (the log limiter's flush).
//!
//! The flood is paced (a fixed number of packets per 10 ms tick), so the figure is a
//! rate that the report states. The same flood against a server with `rate-limit:`
//! on: the flood's /24 gets at most the rate (plus one second's credit) in full per
//! name, the slip share truncated, and the probes (another /24) are not limited.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::tsig::Key;
use zonesync::tsig::sign::{ClientTsig, now};
use zonesync::zone::Rtype;

use crate::common::{Server, name, query, wait_serial, write_file};
use crate::{Probe, probe, summary};

const ZONE: &str = "example.com.";
/// Packets per 10 ms tick: 20,000 per second.
const PER_TICK: usize = 200;
/// How long the flood runs.
const FLOOD: Duration = Duration::from_secs(4);

/// The ID of the flood's first packet kind; each kind has the next (answers are told
/// apart by it).
const ID: u16 = 0x5a00;

/// The packets of the flood, in the order they are sent (round robin).
fn packets() -> Vec<Vec<u8>> {
    let key = Key::from_parts(
        "no-such-key.",
        "hmac-sha256",
        "em9uZXN5bmMtaW50ZWdyYXRpb24tdGVzdC1rZXktMzI=",
    )
    .expect("key");
    let mut signed = query(ID + 3, ZONE, Rtype::SOA, None);
    ClientTsig::sign_request(&key, &mut signed, now());
    let mut malformed = query(ID + 2, ZONE, Rtype::A, None);
    // QDCOUNT 1, but the question's name runs off the end.
    malformed.truncate(14);
    vec![
        query(ID, &format!("www.{ZONE}"), Rtype::A, Some(1232)),
        query(ID + 1, &format!("nothing.{ZONE}"), Rtype::A, None),
        malformed,
        signed,
        zonesync::notify::build_notify(ID + 4, &name("nowhere.test."), None),
        query(ID + 5, ZONE, Rtype::ANY, None),
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

    let mark = server.mark();
    let Flooded {
        sent,
        elapsed,
        probes,
        ..
    } = flood_and_probe(server.addr);
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

/// What a flood saw: packets sent, how long it ran, the probes made meanwhile, and
/// per packet kind (the index into [`packets`]) the answers that came back in full
/// and truncated.
struct Flooded {
    sent: u64,
    elapsed: Duration,
    probes: Vec<Probe>,
    full: Vec<u64>,
    truncated: Vec<u64>,
}

/// Floods `addr` from 254 sources for [`FLOOD`] at [`PER_TICK`] packets per 10 ms,
/// reading every answer, while probing it over UDP and TCP from 127.0.0.1 every
/// 200 ms.
fn flood_and_probe(addr: SocketAddr) -> Flooded {
    let sources: Vec<UdpSocket> = (1..=254)
        .map(|i| {
            let s = UdpSocket::bind(format!("127.1.0.{i}:0")).expect("bind a 127.1.0.x source");
            s.set_nonblocking(true).expect("nonblocking");
            s
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let flood = {
        let (stop, sent) = (stop.clone(), sent.clone());
        thread::spawn(move || {
            let packets = packets();
            let mut full = vec![0u64; packets.len()];
            let mut truncated = vec![0u64; packets.len()];
            let mut count = |answer: &[u8]| {
                // Each kind has its own ID; TC is bit 1 of the third octet.
                if let Some(kind) = packets.iter().position(|p| p[..2] == answer[..2]) {
                    if answer[2] & 0x02 != 0 {
                        truncated[kind] += 1;
                    } else {
                        full[kind] += 1;
                    }
                }
            };
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
                    // Answers are read and counted, so the sources' buffers never
                    // decide what is sent.
                    while let Ok((n, _)) = src.recv_from(&mut buf) {
                        if n >= 12 {
                            count(&buf[..n]);
                        }
                    }
                    i += 1;
                }
                tick += 1;
                // The flood's pace.
                let next = started + Duration::from_millis(10) * tick;
                thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            // Answers still on their way.
            let drain = Instant::now() + Duration::from_millis(300);
            while Instant::now() < drain {
                for src in &sources {
                    while let Ok((n, _)) = src.recv_from(&mut buf) {
                        if n >= 12 {
                            count(&buf[..n]);
                        }
                    }
                }
                thread::sleep(Duration::from_millis(10));
            }
            (full, truncated)
        })
    };

    let started = Instant::now();
    let mut probes = Vec::new();
    while !flood.is_finished() {
        probes.push(probe(addr, ZONE));
        thread::sleep(Duration::from_millis(200));
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (full, truncated) = flood.join().unwrap();
    Flooded {
        sent: sent.load(Ordering::Relaxed),
        elapsed,
        probes,
        full,
        truncated,
    }
}

/// Rate per name and response class of the test below, and the slip.
const RATE: u64 = 20;

#[test]
fn a_spoofed_source_udp_flood_is_rate_limited_and_probes_are_not() {
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
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\n\
             rate-limit: {{ responses-per-second: {RATE}, slip: 2 }}\n\
             zones:\n  - {{ name: example.com, file: example.com.zone }}\n"
        ),
    );
    let server = Server::start(&cfg);
    wait_serial(server.addr, ZONE, 1);

    let f = flood_and_probe(server.addr);
    assert!(f.probes.len() >= 5, "only {} probes", f.probes.len());
    // Kinds 0 (www A: positive) and 1 (NXDOMAIN, limited by the zone's name) and 5
    // (ANY): each its own bucket, at most the rate a second plus one second's credit.
    let seconds = f.elapsed.as_secs_f64() + 1.0;
    let most = (RATE as f64 * (seconds + 1.0)) as u64;
    for kind in [0, 1, 5] {
        assert!(
            f.full[kind] <= most,
            "kind {kind}: {} full answers in {:?} (at most {most})",
            f.full[kind],
            f.elapsed
        );
        assert!(
            f.full[kind] >= RATE,
            "kind {kind}: only {} full answers",
            f.full[kind]
        );
        // Every second limited answer slips (what the flood's sockets did not
        // drop, on a busy machine): some did.
        assert!(f.truncated[kind] > 0, "kind {kind}: nothing slipped");
    }
    println!(
        "spoofed-source UDP flood against rate-limit {RATE}/s, slip 2: {} packets from 254 \
         sources of one /24 in {:?} ({:.0}/s); full answers (www A, NXDOMAIN, ANY) {:?}, \
         truncated {:?}; {}",
        f.sent,
        f.elapsed,
        f.sent as f64 / f.elapsed.as_secs_f64(),
        [f.full[0], f.full[1], f.full[5]],
        [f.truncated[0], f.truncated[1], f.truncated[5]],
        summary(&f.probes)
    );
}
