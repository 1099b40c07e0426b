//! A scripted malicious primary ([`FakePrimary`]) against a zonesync secondary: cut
//! streams, an RR longer than its message, out-of-zone records, a zone over
//! `max-zone-records`, answers whose TSIG does not verify, an unchained IXFR, an IXFR
//! that deletes a record the secondary never had, and a primary that drips one
//! message every two seconds. Throughout, the secondary serves its last good version
//! and answers probes within 1 s; where the right end is a fallback to AXFR, the
//! secondary ends with the primary's exact content, compared record by record over
//! AXFR.
//!
//! (Moved here from the integration target: the absent-deletion and drip scenarios.)

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::sync::status::State;
use zonesync::tsig::Key;
use zonesync::tsig::sign::{RequestTsig, ServerTsig, VerifyPolicy, now, verify_request};
use zonesync::wire::{FLAG_AA, FLAG_QR, Header, Message, MessageBuilder, Rcode, Section};
use zonesync::zone::{Class, Rdata, Record, Rtype};

use crate::common::{
    Answer, Server, ask, free_port, name, query, read_frame, serial, stderr, tcp_connect,
    wait_serial, write_file, write_frame, zonesync,
};
use crate::{Probe, probe, summary};

const ZONE: &str = "example.net.";
const KEY_NAME: &str = "xfr-key.";
const SECRET: &str = "aG9zdGlsZS10ZXN0LWtleS0zMi1vY3RldHMtbG9uZyE=";

//----------- The scripted primary ----------------------------------------------------

/// What the primary does with the next transfer (and, for [`Attack::WrongTsig`],
/// with every answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attack {
    /// Answers as a primary should (IXFR: AXFR-style, RFC 1995 §4).
    None,
    /// Closes the connection before the transfer's last message.
    Cut,
    /// The first message carries an RR whose RDLENGTH runs past the message's end.
    OversizeRr,
    /// The zone carries a record of another zone.
    OutOfZone,
    /// The zone has [`HUGE`] records (more than the secondary's `max-zone-records`).
    Huge,
    /// Every answer's TSIG fails to verify (the signed data altered after signing).
    WrongTsig,
    /// IXFR: one changeset from a serial the secondary never had.
    Unchained,
    /// IXFR: a changeset from the secondary's serial that deletes an absent record.
    Ghost,
    /// One message, then one more every [`DRIP`].
    Drip,
}

/// The pace of [`Attack::Drip`].
const DRIP: Duration = Duration::from_secs(2);
/// Records in the zone of [`Attack::Huge`].
const HUGE: u32 = 6000;

/// A primary for [`ZONE`] on its own threads: SOA over UDP and TCP, transfers over
/// TCP, every answer signed when the request is (with [`SECRET`]).
struct FakePrimary {
    addr: SocketAddr,
    serial: Arc<AtomicU32>,
    attack: Arc<Mutex<Attack>>,
    /// The transfer requests received, in order (AXFR or IXFR).
    transfers: Arc<Mutex<Vec<Rtype>>>,
    stop: Arc<AtomicBool>,
}

/// What a connection thread shares with the test.
#[derive(Clone)]
struct Shared {
    serial: Arc<AtomicU32>,
    attack: Arc<Mutex<Attack>>,
    transfers: Arc<Mutex<Vec<Rtype>>>,
    stop: Arc<AtomicBool>,
}

fn key() -> Key {
    Key::from_parts(KEY_NAME, "hmac-sha256", SECRET).expect("key")
}

/// Names in the zone at serial `s`: `h0` … (more each serial, so versions differ).
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

fn a_record(owner: &str, addr: [u8; 4]) -> Record {
    Record::new(
        name(owner),
        Class::IN,
        Rtype::A,
        300,
        Rdata::from_wire(addr),
    )
}

/// The zone with `count` A records at serial `s`, the SOA first.
fn zone_of(s: u32, count: u32) -> Vec<Record> {
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
    for i in 0..count {
        let owner = format!("h{i}.{ZONE}");
        v.push(a_record(
            &owner,
            [10, (i >> 16) as u8, (i >> 8) as u8, i as u8],
        ));
    }
    v
}

/// The zone at serial `s`, as the primary serves it normally.
fn fake_zone(s: u32) -> Vec<Record> {
    zone_of(s, records_for(s))
}

/// Messages answering `query` with `records` in ANSWER, `limit` octets each.
fn messages(query: &Message<'_>, records: &[Record], limit: usize) -> Vec<Vec<u8>> {
    let q = query.question().expect("a question");
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let h = Header {
            id: query.header().id,
            flags: FLAG_QR | FLAG_AA,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(h, limit);
        b.question(&q.name, q.qtype, q.qclass)
            .expect("question fits");
        while at < records.len() && b.push(Section::Answer, &records[at]).is_ok() {
            at += 1;
        }
        out.push(b.finish());
        if at >= records.len() {
            return out;
        }
    }
}

/// Appends to `msg` an A record whose RDLENGTH claims 65,000 octets (four follow).
fn append_oversize_rr(msg: &mut Vec<u8>) {
    msg.extend_from_slice(name(&format!("big.{ZONE}")).as_wire());
    msg.extend_from_slice(&1u16.to_be_bytes()); // A
    msg.extend_from_slice(&1u16.to_be_bytes()); // IN
    msg.extend_from_slice(&300u32.to_be_bytes());
    msg.extend_from_slice(&65_000u16.to_be_bytes());
    msg.extend_from_slice(&[192, 0, 2, 1]);
    let ancount = u16::from_be_bytes([msg[6], msg[7]]) + 1;
    msg[6..8].copy_from_slice(&ancount.to_be_bytes());
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
            attack: Arc::new(Mutex::new(Attack::None)),
            transfers: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let shared = Shared {
            serial: fake.serial.clone(),
            attack: fake.attack.clone(),
            transfers: fake.transfers.clone(),
            stop: fake.stop.clone(),
        };
        let s = shared.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !s.stop.load(SeqCst) {
                let Ok((n, from)) = udp.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(answer) = s.answers(&buf[..n]).into_iter().next() {
                    let _ = udp.send_to(&answer, from);
                }
            }
        });
        thread::spawn(move || {
            while !shared.stop.load(SeqCst) {
                match tcp.accept() {
                    Ok((stream, _)) => {
                        let s = shared.clone();
                        thread::spawn(move || s.serve_tcp(stream));
                    }
                    // Nothing to accept: look again soon (the listener is polled so
                    // that the thread sees `stop`).
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        fake
    }

    fn set(&self, attack: Attack, serial: u32) {
        *self.attack.lock().unwrap() = attack;
        self.serial.store(serial, SeqCst);
    }

    fn transfers(&self) -> Vec<Rtype> {
        self.transfers.lock().unwrap().clone()
    }
}

impl Drop for FakePrimary {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
    }
}

impl Shared {
    /// The answer messages to `request`, signed as the attack says.
    fn answers(&self, request: &[u8]) -> Vec<Vec<u8>> {
        let Ok(m) = Message::parse(request) else {
            return Vec::new();
        };
        let Some(q) = m.question() else {
            return Vec::new();
        };
        let current = self.serial.load(SeqCst);
        let attack = *self.attack.lock().unwrap();
        let mut tsig: Option<ServerTsig> = match verify_request(
            request,
            |n, _| (n == &name(KEY_NAME)).then(key),
            now(),
            VerifyPolicy::default(),
        ) {
            RequestTsig::Signed(t) => Some(t),
            _ => None,
        };
        let is_xfr = matches!(q.qtype, Rtype::AXFR | Rtype::IXFR);
        if is_xfr {
            self.transfers.lock().unwrap().push(q.qtype);
        }
        let mut out = if q.qtype == Rtype::IXFR && attack == Attack::Unchained {
            // From a serial the secondary never had (current + 7, "older" in no
            // sense): the changeset does not chain to anything.
            let records = [
                soa_record(current),
                soa_record(current.wrapping_add(7)),
                soa_record(current),
                a_record(&format!("unchained.{ZONE}"), [192, 0, 2, 7]),
                soa_record(current),
            ];
            messages(&m, &records, 4096)
        } else if q.qtype == Rtype::IXFR && attack == Attack::Ghost {
            let records = [
                soa_record(current),
                soa_record(current - 1),
                a_record(&format!("ghost.{ZONE}"), [192, 0, 2, 66]),
                soa_record(current),
                a_record(&format!("ixfr-only.{ZONE}"), [192, 0, 2, 77]),
                soa_record(current),
            ];
            messages(&m, &records, 4096)
        } else if is_xfr {
            let mut records = match attack {
                Attack::Huge => zone_of(current, HUGE),
                _ => fake_zone(current),
            };
            if attack == Attack::OutOfZone {
                records.insert(5, a_record("www.example.org.", [192, 0, 2, 99]));
            }
            records.push(soa_record(current));
            let mut msgs = messages(&m, &records, 4096);
            if attack == Attack::OversizeRr {
                append_oversize_rr(&mut msgs[0]);
            }
            msgs
        } else {
            messages(&m, &[soa_record(current)], 512)
        };
        for msg in &mut out {
            if let Some(t) = tsig.as_mut() {
                let body = msg.len();
                t.sign(msg, now());
                if attack == Attack::WrongTsig {
                    // The last octet the MAC covers (of the last record's RDATA):
                    // as if signed with another secret.
                    msg[body - 1] ^= 0x55;
                }
            }
        }
        out
    }

    /// One TCP connection: framed requests, each answered by its messages.
    fn serve_tcp(&self, mut s: TcpStream) {
        let _ = s.set_nonblocking(false);
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        loop {
            let mut len = [0u8; 2];
            if s.read_exact(&mut len).is_err() {
                return;
            }
            let mut request = vec![0u8; u16::from_be_bytes(len) as usize];
            if s.read_exact(&mut request).is_err() {
                return;
            }
            let attack = *self.attack.lock().unwrap();
            let answers = self.answers(&request);
            let total = answers.len();
            for (i, msg) in answers.iter().enumerate() {
                if total > 1 && attack == Attack::Cut && i + 1 == total {
                    return;
                }
                if total > 1 && attack == Attack::Drip && i > 0 {
                    // The drip's pace, ended early when the test is over.
                    let until = Instant::now() + DRIP;
                    while Instant::now() < until {
                        if self.stop.load(SeqCst) {
                            return;
                        }
                        thread::sleep(Duration::from_millis(50));
                    }
                }
                let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(msg);
                if s.write_all(&framed).is_err() {
                    return;
                }
            }
        }
    }
}

//----------- The secondary -----------------------------------------------------------

/// A zonesync secondary of [`ZONE`] with `primaries` (in order), all with the TSIG
/// key; timer bounds low enough for tests; transfers out open to 127.0.0.1 (for the
/// content check); `limits`.
fn secondary_config(dir: &Path, primaries: &[SocketAddr], limits: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let cfg = dir.join("cfg.yaml");
    let primaries: Vec<String> = primaries
        .iter()
        .map(|a| format!("{{ address: \"{a}\", key: {KEY_NAME} }}"))
        .collect();
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\n\
             min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1h\n\
             limits: {{ {limits} }}\n\
             keys: [ {{ name: {KEY_NAME}, algorithm: hmac-sha256, secret: \"{SECRET}\" }} ]\n\
             zones:\n  - name: {ZONE}\n    primaries: [ {} ]\n    \
             allow-transfer: [ {{ address: 127.0.0.1/32 }} ]\n",
            primaries.join(", ")
        ),
    );
    cfg
}

/// `zonesync notify ZONE -s ADDR`, signed (the secondary accepts NOTIFY from its
/// primaries with their key).
fn notify(addr: SocketAddr) {
    let out = zonesync(&[
        "notify",
        ZONE,
        "-s",
        &addr.to_string(),
        "-y",
        &format!("hmac-sha256:{KEY_NAME}:{SECRET}"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The records `server` transfers for [`ZONE`] (AXFR over TCP), as comparable
/// lines, the closing SOA left out.
fn axfr_content(server: SocketAddr) -> BTreeSet<String> {
    let mut s = tcp_connect(server);
    write_frame(&mut s, &query(7, ZONE, Rtype::AXFR, None));
    let mut out = BTreeSet::new();
    let mut soas = 0;
    while soas < 2 {
        let a = Answer::parse(read_frame(&mut s).expect("an AXFR message"));
        assert_eq!(a.rcode, Rcode::NOERROR, "AXFR from the secondary");
        for r in &a.answer {
            if r.rtype == Rtype::SOA {
                soas += 1;
                if soas == 2 {
                    break;
                }
            }
            out.insert(line(r));
        }
    }
    out
}

fn line(r: &Record) -> String {
    format!(
        "{} {} {} {:?}",
        r.owner.to_lowercase(),
        r.ttl,
        r.rtype,
        r.rdata.as_wire()
    )
}

/// The primary's zone at `s`, as [`axfr_content`] gives it.
fn expected_content(s: u32) -> BTreeSet<String> {
    fake_zone(s).iter().map(line).collect()
}

/// Asserts the secondary serves serial `s` of the fake zone (its last record there,
/// the first beyond absent), and answers a probe within the limit; returns the probe.
fn serves_version(secondary: &Server, s: u32) -> Probe {
    assert_eq!(serial(secondary.addr, ZONE), Ok(s));
    let last = format!("h{}.{ZONE}", records_for(s) - 1);
    assert_eq!(ask(secondary.addr, &last, Rtype::A).rcode, Rcode::NOERROR);
    let beyond = format!("h{}.{ZONE}", records_for(s));
    assert_eq!(
        ask(secondary.addr, &beyond, Rtype::A).rcode,
        Rcode::NXDOMAIN
    );
    probe(secondary.addr, ZONE)
}

//----------- Scenarios ---------------------------------------------------------------

/// Each attack in turn, against one secondary: the refresh fails with the reason
/// (waited for in the status), serial 1 stays served whole, probes are answered
/// within 1 s; then a good transfer still goes through.
#[test]
fn a_malicious_primary_never_displaces_the_last_good_version() {
    crate::raise_nofile();
    let fake = FakePrimary::start(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = secondary_config(dir.path(), &[fake.addr], "max-zone-records: 5000");
    let secondary = Server::start(&cfg);
    wait_serial(secondary.addr, ZONE, 1);

    let mut probes = Vec::new();
    let attacks = [
        (Attack::Cut, "incomplete transfer"),
        (Attack::OversizeRr, "malformed answer"),
        (Attack::OutOfZone, "outside the zone"),
        (Attack::Huge, "exceeds the limit"),
        (Attack::WrongTsig, "BADSIG"),
    ];
    for (n, (attack, why)) in attacks.into_iter().enumerate() {
        fake.set(attack, 2 + n as u32);
        notify(secondary.addr);
        let z = secondary.wait_zone(ZONE, |z| {
            z.last_error.as_deref().is_some_and(|e| e.contains(why))
        });
        assert_eq!(z.serial, Some(1), "{attack:?}");
        probes.push(serves_version(&secondary, 1));
        println!(
            "{attack:?}: refused ({}), serial 1 served",
            z.last_error.unwrap_or_default()
        );
    }
    println!("malicious primary: {}", summary(&probes));

    // A primary that behaves again is transferred from.
    fake.set(Attack::None, 10);
    notify(secondary.addr);
    wait_serial(secondary.addr, ZONE, 10);
    assert_eq!(axfr_content(secondary.addr), expected_content(10));
}

/// IXFRs that do not apply to the secondary's copy (one from a serial it never had,
/// one deleting a record it does not have) are not applied in part: the refresh
/// falls back to AXFR and ends with the primary's exact content.
#[test]
fn ixfrs_that_do_not_apply_fall_back_to_the_primarys_exact_content() {
    let fake = FakePrimary::start(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = secondary_config(dir.path(), &[fake.addr], "");
    let secondary = Server::start(&cfg);
    wait_serial(secondary.addr, ZONE, 1);

    for (attack, s) in [(Attack::Unchained, 2), (Attack::Ghost, 3)] {
        let asked = fake.transfers().len();
        fake.set(attack, s);
        let started = Instant::now();
        notify(secondary.addr);
        secondary.wait_zone(ZONE, |z| z.serial == Some(s) && z.state == State::Ok);
        let took = started.elapsed();
        let transfers = fake.transfers()[asked..].to_vec();
        assert_eq!(
            transfers.first(),
            Some(&Rtype::IXFR),
            "{attack:?}: {transfers:?}"
        );
        assert!(
            transfers.contains(&Rtype::AXFR),
            "{attack:?}: no AXFR after the IXFR: {transfers:?}"
        );
        let content = axfr_content(secondary.addr);
        assert_eq!(
            content,
            expected_content(s),
            "{attack:?}: the secondary's copy differs from the primary's"
        );
        for bad in ["unchained", "ghost", "ixfr-only"] {
            assert!(
                !content.iter().any(|l| l.starts_with(bad)),
                "{attack:?}: {bad} served"
            );
        }
        let p = serves_version(&secondary, s);
        println!(
            "{attack:?} IXFR: fell back to AXFR ({transfers:?}); serial {s} = the primary's \
             {} records exactly, after {took:?}; probe {p:?}",
            content.len()
        );
    }
}

/// A primary that drips one message every 2 s: `max-transfer-time-in` (3 s) abandons
/// its transfer, the next primary (a good one) is asked, and the zone refreshes from
/// it; meanwhile serial 1 stays served and probes are answered.
#[test]
fn a_dripping_primary_is_abandoned_and_a_good_one_takes_over() {
    let drip = FakePrimary::start(1);
    let good = FakePrimary::start(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = secondary_config(
        dir.path(),
        &[drip.addr, good.addr],
        "max-transfer-time-in: 3s",
    );
    let secondary = Server::start(&cfg);
    wait_serial(secondary.addr, ZONE, 1);

    drip.set(Attack::Drip, 2);
    good.set(Attack::None, 2);
    let mark = secondary.mark();
    let asked = drip.transfers().len();
    let started = Instant::now();
    notify(secondary.addr);
    // While the drip runs: serial 1, answered.
    let mut probes = Vec::new();
    while drip.transfers().len() == asked && started.elapsed() < Duration::from_secs(2) {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        drip.transfers().len() > asked,
        "the dripping primary was not asked"
    );
    while started.elapsed() < Duration::from_millis(2500) {
        probes.push(serves_version(&secondary, 1));
        // The probes' pace.
        thread::sleep(Duration::from_millis(100));
    }
    let line = secondary.wait_log_since(mark, &["max-transfer-time-in 3s exceeded"]);
    let abandoned = started.elapsed();
    wait_serial(secondary.addr, ZONE, 2);
    let refreshed = started.elapsed();
    assert!(
        abandoned >= Duration::from_millis(2900) && abandoned < Duration::from_secs(6),
        "abandoned after {abandoned:?}: {line}"
    );
    assert_eq!(axfr_content(secondary.addr), expected_content(2));
    probes.push(serves_version(&secondary, 2));
    println!(
        "drip (one message per {DRIP:?}, max-transfer-time-in 3s): abandoned after \
         {abandoned:?}, serial 2 from the good primary after {refreshed:?}; {}",
        summary(&probes)
    );
}
