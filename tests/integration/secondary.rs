//! `zonesync serve` as a secondary, zonesync ↔ zonesync and against a scripted primary,
//! all real processes on 127.0.0.1:
//!
//! - NOTIFY from a zonesync primary → IXFR, logged as such;
//! - edits while the secondary is down → caught up by IXFR after its restart, which
//!   serves the stored serial at once;
//! - primary gone → retries, SERVFAIL once EXPIRE has passed, recovery when it is back;
//! - kill -9 in the middle of a transfer → the restart serves the previous serial and
//!   completes the next refresh;
//! - a transfer the primary cuts short is never published;
//! - a primary that drips below `min-transfer-rate-in` is abandoned.
//!
//! The other malicious-primary scenarios (absent deletions, an unchained IXFR, a drip
//! against `max-transfer-time-in`, oversize, out-of-zone, wrong TSIG) are in the
//! hostile target (`tests/hostile/primary.rs`).
//!
//! The scripted primary ([`FakePrimary`]) answers SOA queries and streams AXFR (also
//! for IXFR requests: an AXFR-style answer, RFC 1995 §4) in many small messages, and
//! can stop half-way (stall or close) on command.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::sync::status::State;
use zonesync::wire::{FLAG_AA, FLAG_QR, Header, Message, MessageBuilder, Rcode, Section};
use zonesync::zone::{Class, Name, Rdata, Record, Rtype};

use crate::common::{
    Server, ask, free_port, name, serial, wait_rcode, wait_serial, wait_until, write_file, zonesync,
};

const ZONE: &str = "example.net.";

/// The zone at `serial` with SOA timers `refresh retry expire` and `extra` lines.
fn zone_text(serial: u32, timers: &str, extra: &str) -> String {
    format!(
        "$TTL 300\n@ SOA ns1.example.org. hostmaster {serial} {timers} 60\n\
         @ NS ns1.example.org.\nwww A 192.0.2.1\n{extra}"
    )
}

/// A zonesync primary of [`ZONE`] on `port`, its file checked every 100 ms, notifying
/// `notify` (when given), transfers open to 127.0.0.0/8.
fn primary_config(dir: &Path, port: u16, notify: Option<u16>) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let also = notify.map_or(String::new(), |p| {
        format!("    also-notify: [\"127.0.0.1:{p}\"]\n")
    });
    let cfg = dir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nfile-check-interval: 100ms\n\
             zones:\n  - name: {ZONE}\n    file: zone\n    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n{also}"
        ),
    );
    cfg
}

/// A zonesync secondary of [`ZONE`] on `port` with the primary at `primary`; timer
/// bounds low enough for tests.
fn secondary_config(dir: &Path, port: u16, primary: u16) -> PathBuf {
    secondary_config_with(dir, port, primary, "")
}

/// [`secondary_config`] with `extra` top-level lines (`limits: {…}`).
fn secondary_config_with(dir: &Path, port: u16, primary: u16, extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let cfg = dir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\n\
             min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n{extra}\
             zones:\n  - name: {ZONE}\n    primaries: [ {{ address: \"127.0.0.1:{primary}\" }} ]\n"
        ),
    );
    cfg
}

/// `zonesync notify ZONE -s ADDR`.
fn notify(addr: SocketAddr) {
    let out = zonesync(&["notify", ZONE, "-s", &addr.to_string()]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
}

//----------- zonesync ↔ zonesync ----------------------------------------------------

#[test]
fn notify_from_the_primary_brings_an_ixfr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pport, sport) = (free_port(), free_port());
    let pdir = dir.path().join("p");
    let pcfg = primary_config(&pdir, pport, Some(sport));
    write_file(&pdir.join("zone"), &zone_text(1, "3600 600 86400", ""));
    let primary = Server::start(&pcfg);
    wait_serial(primary.addr, ZONE, 1);
    let secondary = Server::start(&secondary_config(&dir.path().join("s"), sport, pport));
    wait_serial(secondary.addr, ZONE, 1);
    secondary.wait_zone(ZONE, |z| z.serial == Some(1) && z.state == State::Ok);
    // How the zone came is in the log only.
    secondary.wait_log(&["AXFR-in, serial none -> 1"]);

    let mark = secondary.mark();
    write_file(
        &pdir.join("zone"),
        &zone_text(2, "3600 600 86400", "new A 192.0.2.2\n"),
    );
    wait_serial(secondary.addr, ZONE, 2);
    secondary.wait_zone(ZONE, |z| z.serial == Some(2) && z.state == State::Ok);
    secondary.wait_log_since(mark, &["NOTIFY-in, accepted"]);
    secondary.wait_log_since(mark, &["IXFR-in, serial 1 -> 2", "records="]);
    let a = ask(secondary.addr, "new.example.net.", Rtype::A);
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert_eq!(a.answer.len(), 1);
}

#[test]
fn edits_while_the_secondary_is_down_are_caught_up_after_its_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pport, sport) = (free_port(), free_port());
    let pdir = dir.path().join("p");
    let pcfg = primary_config(&pdir, pport, Some(sport));
    // REFRESH 2 s: a restarted secondary checks its primary soon.
    write_file(&pdir.join("zone"), &zone_text(1, "2 1 3600", ""));
    let primary = Server::start(&pcfg);
    let scfg = secondary_config(&dir.path().join("s"), sport, pport);
    let secondary = Server::start(&scfg);
    wait_serial(secondary.addr, ZONE, 1);
    assert_eq!(secondary.stop(), Some(0));

    for (s, extra) in [
        (2, "a A 192.0.2.2\n"),
        (3, "a A 192.0.2.2\nb A 192.0.2.3\n"),
    ] {
        write_file(&pdir.join("zone"), &zone_text(s, "2 1 3600", extra));
        wait_serial(primary.addr, ZONE, s);
    }

    // The restart serves what it stored, then catches up by IXFR.
    let secondary = Server::start(&scfg);
    secondary.wait_log(&["restored from the store", "serial=1"]);
    wait_serial(secondary.addr, ZONE, 3);
    secondary.wait_zone(ZONE, |z| z.serial == Some(3) && z.state == State::Ok);
    secondary.wait_log(&["IXFR-in, serial 1 -> 3"]);
    assert!(!secondary.log().contains("AXFR-in"), "{}", secondary.log());
    assert_eq!(
        ask(secondary.addr, "b.example.net.", Rtype::A).rcode,
        Rcode::NOERROR
    );
}

#[test]
fn a_dead_primary_means_retries_then_servfail_after_expire_then_recovery() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pport, sport) = (free_port(), free_port());
    let pdir = dir.path().join("p");
    let pcfg = primary_config(&pdir, pport, None);
    // REFRESH 1 s, RETRY 1 s, EXPIRE 4 s.
    write_file(&pdir.join("zone"), &zone_text(5, "1 1 4", ""));
    let primary = Server::start(&pcfg);
    let secondary = Server::start(&secondary_config(&dir.path().join("s"), sport, pport));
    wait_serial(secondary.addr, ZONE, 5);

    assert_eq!(primary.stop(), Some(0));
    // A refresh fails (and says why) …
    secondary.wait_zone(ZONE, |z| z.last_error.is_some());
    // … the zone is served until EXPIRE, then SERVFAIL (not NXDOMAIN), and its status
    // says expired.
    wait_rcode(secondary.addr, ZONE, Rcode::SERVFAIL);
    secondary.wait_zone(ZONE, |z| z.state == State::Expired);

    // The primary comes back on the same address: the next retry succeeds.
    let primary = Server::start(&pcfg);
    wait_serial(primary.addr, ZONE, 5);
    wait_serial(secondary.addr, ZONE, 5);
    // A refresh that finds the zone current clears the failure it recovered from.
    secondary.wait_zone(ZONE, |z| {
        z.state == State::Ok && z.serial == Some(5) && z.last_error.is_none()
    });
    assert_eq!(
        ask(secondary.addr, "www.example.net.", Rtype::A).rcode,
        Rcode::NOERROR
    );
}

//----------- A scripted primary ------------------------------------------------------

/// What the scripted primary does with the next zone transfer.
const NORMAL: u8 = 0;
/// Send a few messages, then wait (bounded) until the connection is closed.
const STALL: u8 = 1;
/// Send all but the last message, then close the connection.
const CUT: u8 = 2;
/// Send one message every 300 ms (each well inside any per-message timeout): a
/// transfer that never ends in reasonable time.
const DRIP: u8 = 4;

/// A primary for [`ZONE`] answering SOA over UDP and TCP and transfers over TCP, from
/// its own threads; the zone at serial `s` has `records_for(s)` A records.
struct FakePrimary {
    addr: SocketAddr,
    serial: Arc<AtomicU32>,
    mode: Arc<AtomicU8>,
    /// Set once a stalled transfer has sent its first messages.
    stalled: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

/// Names in the zone at serial `s`: `h0` … (more each serial, so serials differ).
fn records_for(s: u32) -> u32 {
    2000 + 100 * s
}

fn soa_record(s: u32) -> Record {
    let mut rdata = name("ns1.example.org.").as_wire().to_vec();
    rdata.extend_from_slice(name("hostmaster.example.net.").as_wire());
    for v in [s, 3600, 600, 86400, 60] {
        rdata.extend_from_slice(&v.to_be_bytes());
    }
    Record::new(
        name(ZONE),
        Class::IN,
        Rtype::SOA,
        300,
        Rdata::from_wire(rdata),
    )
}

/// The zone's records at serial `s`, the SOA first.
fn fake_zone(s: u32) -> Vec<Record> {
    let mut v = vec![
        soa_record(s),
        Record::new(
            name(ZONE),
            Class::IN,
            Rtype::NS,
            300,
            Rdata::from_wire(name("ns1.example.org.").as_wire().to_vec()),
        ),
    ];
    for i in 0..records_for(s) {
        let owner: Name = format!("h{i}.{ZONE}").parse().expect("name");
        v.push(Record::new(
            owner,
            Class::IN,
            Rtype::A,
            300,
            Rdata::from_wire(vec![10, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
        ));
    }
    v
}

/// A response to `query` with `records` in ANSWER (as many as fit `limit`); returns
/// the message and how many went in.
fn response(query: &Message<'_>, records: &[Record], limit: usize) -> (Vec<u8>, usize) {
    let q = query.question().expect("a question");
    let h = Header {
        id: query.header().id,
        flags: FLAG_QR | FLAG_AA,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(h, limit);
    b.question(&q.name, q.qtype, q.qclass)
        .expect("question fits");
    let mut n = 0;
    for r in records {
        if b.push(Section::Answer, r).is_err() {
            break;
        }
        n += 1;
    }
    (b.finish(), n)
}

impl FakePrimary {
    fn start(serial: u32) -> FakePrimary {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let udp = UdpSocket::bind(addr).expect("udp");
        let tcp = TcpListener::bind(addr).expect("tcp");
        udp.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        tcp.set_nonblocking(true).expect("nonblocking");
        let fake = FakePrimary {
            addr,
            serial: Arc::new(AtomicU32::new(serial)),
            mode: Arc::new(AtomicU8::new(NORMAL)),
            stalled: Arc::new(AtomicBool::new(false)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (serial_u, stop_u) = (fake.serial.clone(), fake.stop.clone());
        thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !stop_u.load(SeqCst) {
                let Ok((n, from)) = udp.recv_from(&mut buf) else {
                    continue;
                };
                let Ok(m) = Message::parse(&buf[..n]) else {
                    continue;
                };
                let soa = [soa_record(serial_u.load(SeqCst))];
                let (msg, _) = response(&m, &soa, 512);
                let _ = udp.send_to(&msg, from);
            }
        });
        let (serial_t, mode, stalled, stop_t) = (
            fake.serial.clone(),
            fake.mode.clone(),
            fake.stalled.clone(),
            fake.stop.clone(),
        );
        thread::spawn(move || {
            while !stop_t.load(SeqCst) {
                match tcp.accept() {
                    Ok((s, _)) => {
                        let (serial, mode, stalled, stop) = (
                            serial_t.clone(),
                            mode.clone(),
                            stalled.clone(),
                            stop_t.clone(),
                        );
                        thread::spawn(move || serve_tcp(s, &serial, &mode, &stalled, &stop));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        fake
    }
}

impl Drop for FakePrimary {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
    }
}

/// One TCP connection of the scripted primary.
fn serve_tcp(
    mut s: TcpStream,
    serial: &AtomicU32,
    mode: &AtomicU8,
    stalled: &AtomicBool,
    stop: &AtomicBool,
) {
    s.set_nonblocking(false).expect("blocking");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    loop {
        let mut len = [0u8; 2];
        if s.read_exact(&mut len).is_err() {
            return;
        }
        let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
        if s.read_exact(&mut q).is_err() {
            return;
        }
        let Ok(m) = Message::parse(&q) else {
            return;
        };
        let qtype = m.question().map(|q| q.qtype);
        let current = serial.load(SeqCst);
        let mut messages = Vec::new();
        if matches!(qtype, Some(Rtype::AXFR) | Some(Rtype::IXFR)) {
            // The whole zone, closing SOA included, in 4 KiB messages.
            let mut records = fake_zone(current);
            records.push(soa_record(current));
            let mut at = 0;
            while at < records.len() {
                let (msg, n) = response(&m, &records[at..], 4096);
                messages.push(msg);
                at += n;
            }
        } else {
            messages.push(response(&m, &[soa_record(current)], 512).0);
        }
        let total = messages.len();
        let how = if total > 1 { mode.load(SeqCst) } else { NORMAL };
        for (i, msg) in messages.iter().enumerate() {
            if how == CUT && i + 1 == total {
                return;
            }
            if how == STALL && i == 3 {
                stalled.store(true, SeqCst);
                // Hold the connection open until the peer goes away (or 20 s).
                let mut byte = [0u8; 1];
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                while !stop.load(SeqCst) && matches!(s.read(&mut byte), Ok(n) if n > 0) {}
                return;
            }
            if how == DRIP && i > 0 {
                if stop.load(SeqCst) {
                    return;
                }
                thread::sleep(Duration::from_millis(300));
            }
            let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(msg);
            if s.write_all(&framed).is_err() {
                return;
            }
        }
    }
}

//----------- Against the scripted primary ---------------------------------------------

/// A scripted primary at serial 1 and a zonesync secondary that has transferred it:
/// the primary, the secondary's folder (kept alive) and config, and the secondary.
fn scripted_pair() -> (FakePrimary, tempfile::TempDir, PathBuf, Server) {
    scripted_pair_with("")
}

/// [`scripted_pair`] with `extra` top-level lines in the secondary's config.
fn scripted_pair_with(extra: &str) -> (FakePrimary, tempfile::TempDir, PathBuf, Server) {
    let fake = FakePrimary::start(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = secondary_config_with(&dir.path().join("s"), free_port(), fake.addr.port(), extra);
    let secondary = Server::start(&cfg);
    wait_serial(secondary.addr, ZONE, 1);
    (fake, dir, cfg, secondary)
}

#[test]
fn kill9_in_the_middle_of_a_transfer_keeps_the_previous_serial() {
    let (fake, _dir, cfg, secondary) = scripted_pair();

    // Serial 2 appears; its transfer stops half-way and the secondary is killed.
    fake.mode.store(STALL, SeqCst);
    fake.serial.store(2, SeqCst);
    notify(secondary.addr);
    wait_until("the transfer to stall half-way", || {
        fake.stalled
            .load(SeqCst)
            .then_some(())
            .ok_or_else(String::new)
    });
    secondary.kill9();

    // The restart serves serial 1, whole (as soon as it has read it back from its
    // store: the primary offers only serial 2, and stalls its transfer) …
    let secondary = Server::start(&cfg);
    wait_serial(secondary.addr, ZONE, 1);
    secondary.wait_zone(ZONE, |z| z.serial == Some(1));
    let last = format!("h{}.{ZONE}", records_for(1) - 1);
    assert_eq!(ask(secondary.addr, &last, Rtype::A).rcode, Rcode::NOERROR);
    let beyond = format!("h{}.{ZONE}", records_for(1));
    assert_eq!(
        ask(secondary.addr, &beyond, Rtype::A).rcode,
        Rcode::NXDOMAIN
    );
    // … and completes the next refresh.
    fake.mode.store(NORMAL, SeqCst);
    notify(secondary.addr);
    wait_serial(secondary.addr, ZONE, 2);
    assert_eq!(ask(secondary.addr, &beyond, Rtype::A).rcode, Rcode::NOERROR);
}

#[test]
fn a_transfer_cut_short_is_never_published() {
    let (fake, _dir, _cfg, secondary) = scripted_pair();
    secondary.wait_zone(ZONE, |z| z.serial == Some(1) && z.last_error.is_none());

    fake.mode.store(CUT, SeqCst);
    fake.serial.store(2, SeqCst);
    notify(secondary.addr);
    // The refresh failed (a success would have cleared the error).
    secondary.wait_zone(ZONE, |z| z.last_error.is_some());
    // Nothing of serial 2 is served, not even the records that did arrive.
    assert_eq!(serial(secondary.addr, ZONE), Ok(1));
    let beyond = format!("h{}.{ZONE}", records_for(1));
    assert_eq!(
        ask(secondary.addr, &beyond, Rtype::A).rcode,
        Rcode::NXDOMAIN
    );

    fake.mode.store(NORMAL, SeqCst);
    notify(secondary.addr);
    wait_serial(secondary.addr, ZONE, 2);
    assert_eq!(ask(secondary.addr, &beyond, Rtype::A).rcode, Rcode::NOERROR);
}

/// `min-transfer-rate-in`: a window with too little data abandons the transfer.
#[test]
fn a_dripping_transfer_is_abandoned_below_min_transfer_rate_in() {
    let (fake, _dir, _cfg, secondary) =
        scripted_pair_with("limits: { min-transfer-rate-in: 1MiB/1s }\n");
    secondary.wait_zone(ZONE, |z| z.serial == Some(1) && z.last_error.is_none());
    fake.mode.store(DRIP, SeqCst);
    fake.serial.store(2, SeqCst);
    let started = Instant::now();
    notify(secondary.addr);
    let z = secondary.wait_zone(ZONE, |z| z.last_error.is_some());
    let took = started.elapsed();
    let error = z.last_error.unwrap_or_default();
    assert!(
        error.contains("below min-transfer-rate-in 1048576 bytes/1s"),
        "{error}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert_eq!(serial(secondary.addr, ZONE), Ok(1));
}
