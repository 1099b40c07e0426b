//! Hostile input (issue 13): a flood of packets from unauthenticated, spoofable UDP
//! peers does not flood the log. Each per-packet event (a failed TSIG check, a refused
//! NOTIFY) logs a few lines per interval and then one line with the count of what it
//! left out; the log-line count is the behaviour under test here.

use std::net::UdpSocket;
use std::time::Duration;

use zonesync::tsig::Key;
use zonesync::tsig::sign::{ClientTsig, now};
use zonesync::wire::{Rcode, random_id};
use zonesync::zone::Rtype;

use crate::common::{Server, ask, name, query, wait_serial, wait_until, write_file};

/// Packets of each kind in the flood.
const FLOOD: usize = 5000;

/// Packets of each kind sent before their answers are read.
const WINDOW: usize = 50;

/// A query for `example.com. SOA` signed with a key the server does not have
/// (BADKEY).
fn bad_tsig_query() -> Vec<u8> {
    let key = Key::from_parts(
        "no-such-key.",
        "hmac-sha256",
        "em9uZXN5bmMtaW50ZWdyYXRpb24tdGVzdC1rZXktMzI=",
    )
    .expect("key");
    let mut q = query(random_id(), "example.com.", Rtype::SOA, None);
    ClientTsig::sign_request(&key, &mut q, now());
    q
}

/// An unsigned NOTIFY for a zone the server does not have (NOTAUTH).
fn stray_notify() -> Vec<u8> {
    zonesync::notify::build_notify(random_id(), &name("nowhere.test."), None)
}

/// The log lines containing `needle`, and the sum of their "N more suppressed" counts.
fn lines_and_suppressed(log: &str, needle: &str) -> (usize, u64) {
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(needle)).collect();
    let suppressed = lines
        .iter()
        .filter_map(|l| {
            let (before, _) = l.split_once(" more suppressed in the last ")?;
            before.rsplit('(').next()?.trim().parse::<u64>().ok()
        })
        .sum();
    (lines.len(), suppressed)
}

#[test]
fn a_flood_of_bad_tsig_and_stray_notifies_logs_a_bounded_number_of_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        &dir.path().join("example.com.zone"),
        "$ORIGIN example.com.\n$TTL 300\n\
         @ SOA ns1.example.net. hostmaster 1 3600 600 86400 300\n\
         @ NS ns1.example.net.\n",
    );
    let cfg = dir.path().join("cfg.yaml");
    write_file(
        &cfg,
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\n\
         zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let server = Server::start(&cfg);
    wait_serial(server.addr, "example.com.", 1);

    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let (bad, notify) = (bad_tsig_query(), stray_notify());
    // In windows of WINDOW packets of each kind, reading the answers before the next
    // window: an unpaced burst overflows the socket buffer on a busy machine and the
    // kernel, not the server, decides how much of the flood is seen.
    let mut answered = 0usize;
    let mut buf = [0u8; 512];
    for _ in 0..FLOOD / WINDOW {
        for _ in 0..WINDOW {
            sock.send_to(&bad, server.addr).expect("send");
            sock.send_to(&notify, server.addr).expect("send");
        }
        for _ in 0..2 * WINDOW {
            match sock.recv_from(&mut buf) {
                Ok(_) => answered += 1,
                Err(_) => break,
            }
        }
    }
    assert!(
        answered >= FLOOD,
        "only {answered} of {} packets answered",
        2 * FLOOD
    );
    // Once an interval has passed, the next line of each kind says how many it left
    // out: send one of each until both have said so (bounded by the wait).
    let tsig = "TSIG check failed";
    let refused = "NOTIFY-in refused: not a secondary zone here";
    wait_until("the suppressed counts in the log", || {
        let _ = sock.send_to(&bad_tsig_query(), server.addr);
        let _ = sock.send_to(&stray_notify(), server.addr);
        let log = server.log();
        let has = |needle: &str| {
            log.lines()
                .any(|l| l.contains(needle) && l.contains("more suppressed in the last"))
        };
        (has(tsig) && has(refused))
            .then_some(())
            .ok_or_else(|| "no suppressed count yet".to_string())
    });

    let log = server.log();
    for needle in [tsig, refused] {
        let (lines, suppressed) = lines_and_suppressed(&log, needle);
        assert!(
            (2..=20).contains(&lines),
            "{lines} lines of {needle:?} for {FLOOD} packets:\n{log}"
        );
        // Loopback may drop some of a burst; most of it arrives and is counted.
        assert!(
            suppressed >= 1000,
            "{needle:?}: {suppressed} suppressed\n{log}"
        );
    }
    // The server answered throughout and still does.
    assert_eq!(
        ask(server.addr, "example.com.", Rtype::SOA).rcode,
        Rcode::NOERROR
    );
}

/// A flood that ends leaves a count no later event reports: the server logs it
/// itself, at the latest when it shuts down. Every event is accounted for: the lines
/// logged plus the counts reported equal the packets the server answered.
#[test]
fn the_last_count_of_a_flood_is_logged_at_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("cfg.yaml");
    write_file(
        &cfg,
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nzones: []\n",
    );
    let server = Server::start(&cfg);

    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let notify = stray_notify();
    let (mut sent, mut answered) = (0usize, 0usize);
    let mut buf = [0u8; 512];
    for _ in 0..1000 / WINDOW {
        for _ in 0..WINDOW {
            sock.send_to(&notify, server.addr).expect("send");
            sent += 1;
        }
        for _ in 0..WINDOW {
            match sock.recv_from(&mut buf) {
                Ok(_) => answered += 1,
                Err(_) => break,
            }
        }
    }
    assert!(answered >= 500, "only {answered} of {sent} answered");
    let (code, log) = server.stop_and_log();
    assert_eq!(code, Some(0));
    let needle = "NOTIFY-in refused: not a secondary zone here";
    let (lines, suppressed) = lines_and_suppressed(&log, needle);
    // A line for an event names its peer; the ones that only report a count do not.
    let events = log
        .lines()
        .filter(|l| l.contains(needle) && l.contains("peer="))
        .count();
    assert!(events < lines, "no line reported the last count:\n{log}");
    let accounted = events + suppressed as usize;
    // Answered packets were all seen; a packet whose answer was lost may have been
    // seen too; nothing beyond what was sent.
    assert!(
        (answered..=sent).contains(&accounted),
        "{events} logged + {suppressed} suppressed, {answered} answered of {sent}:\n{log}"
    );
    assert!(lines <= 20, "{lines} lines for {sent} packets:\n{log}");
}
