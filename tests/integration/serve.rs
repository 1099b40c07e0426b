//! `zonesync serve` as a primary: real server processes on loopback (port 0, temp
//! config and state dir), queried with the crate's own wire code and driven with the
//! `zonesync axfr`/`ixfr` binaries. Every wait polls a condition under a deadline: an
//! SOA serial, the server's `status` (serial, state, last error, which zones exist), or
//! a log line where only the log has the fact (transfers out, NOTIFY acknowledgements,
//! findings); no test sleeps. Every server is stopped by PID.
//!
//! Zones never name NS hosts with in-zone addresses (NOTIFY would go to port 53):
//! apex NS targets are under `example.net.`, and NOTIFY is observed through
//! `also-notify` on a loopback socket of the test.

use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zonesync::sync::status::State;
use zonesync::tsig::Key;
use zonesync::wire::{FLAG_AA, FLAG_TC, Header, MessageBuilder, Opcode, Rcode};
use zonesync::xfr::Transfer;
use zonesync::xfr::client::{ClientOptions, query_soa};
use zonesync::xfr::interpret::{Interpreter, Step};
use zonesync::zone::{Class, Rtype};

use crate::common::{
    Answer, Server, WAIT, ask, exchange_tcp, exchange_udp, name, query, read_frame, serial, stderr,
    stdout, tcp_connect, wait_rcode, wait_serial, wait_until, write_frame, zone_status, zonesync,
};

const KEY: &str = "xfr-key";
const SECRET: &str = "em9uZXN5bmMtaW50ZWdyYXRpb24tdGVzdC1rZXktMzI=";
const WRONG_SECRET: &str = "YW5vdGhlci1zZWNyZXQtZW50aXJlbHktd3JvbmctMzI=";

//----------- Test environment -------------------------------------------------------

/// A temp folder holding a config, zone files and the state dir.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Replaces a file atomically (write + rename, so the server never reads half a
    /// file), making sure its modification time moves forward: the server notices
    /// changes by mtime and size, and two writes within one kernel clock tick would
    /// otherwise look alike.
    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let old = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        let f = std::fs::File::options().write(true).open(&tmp).unwrap();
        let now = f.metadata().unwrap().modified().unwrap();
        if let Some(old) = old
            && now <= old
        {
            f.set_modified(old + Duration::from_millis(10)).unwrap();
        }
        drop(f);
        std::fs::rename(&tmp, &path).unwrap();
    }

    /// Writes `config.yaml`: listen on 127.0.0.1 port 0, state in `state/`, the
    /// test key, the file check interval, then `rest`.
    fn config(&self, interval: &str, rest: &str) -> PathBuf {
        let text = format!(
            "listen: [\"127.0.0.1:0\"]\n\
             state-dir: state\n\
             file-check-interval: {interval}\n\
             keys:\n  - {{ name: {KEY}, algorithm: hmac-sha256, secret: \"{SECRET}\" }}\n\
             {rest}"
        );
        self.write("config.yaml", &text);
        self.path("config.yaml")
    }

    fn start(&self) -> Server {
        Server::start(&self.path("config.yaml"))
    }
}

/// A zone `origin` with an SOA (TTL 3600, MINIMUM 300), two NS outside the zone, and
/// `body`.
fn zone_text(origin: &str, serial: u32, body: &str) -> String {
    format!(
        "$ORIGIN {origin}\n$TTL 3600\n\
         @ SOA ns1.example.net. hostmaster.{origin} {serial} 3600 600 86400 300\n\
         @ NS ns1.example.net.\n\
         @ NS ns2.example.net.\n\
         {body}"
    )
}

/// The zone the answering tests ask.
fn answers_zone() -> String {
    let mut body = String::from(
        "www A 192.0.2.80\n\
         www AAAA 2001:db8::80\n\
         alias CNAME www\n\
         chain CNAME alias\n\
         *.wild A 192.0.2.99\n\
         sub NS ns.sub\n\
         ns.sub A 192.0.2.53\n\
         d DNAME target.example.com.\n\
         foo.target A 192.0.2.7\n",
    );
    // About 2.6 KB of TXT at one name: more than fits in 512 (or 1232) octets.
    for i in 0..12 {
        body.push_str(&format!("big TXT \"{i:02}{}\"\n", "x".repeat(198)));
    }
    zone_text("example.com.", 1, &body)
}

/// `address` of a TCP transfer request's client, for ACL tests: a TCP connection
/// from a chosen loopback address.
fn tcp_from(local: &str, server: SocketAddr) -> TcpStream {
    let local: SocketAddr = format!("{local}:0").parse().unwrap();
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&local.into()).unwrap();
    s.connect_timeout(&server.into(), Duration::from_secs(2))
        .unwrap();
    let s: TcpStream = s.into();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

/// `-s ADDR`.
fn server_arg(s: &Server) -> String {
    s.addr.to_string()
}

fn key_arg(secret: &str) -> String {
    format!("{KEY}:{secret}")
}

/// How a query travels.
#[derive(Debug, Clone, Copy)]
enum Via {
    Udp,
    Tcp,
}

fn ask_via(server: SocketAddr, via: Via, qname: &str, qtype: Rtype) -> Answer {
    let q = query(zonesync::wire::random_id(), qname, qtype, Some(1232));
    let bytes = match via {
        Via::Udp => exchange_udp(server, &q),
        Via::Tcp => exchange_tcp(server, &q),
    };
    Answer::parse(bytes)
}

fn names(records: &[zonesync::zone::Record]) -> Vec<String> {
    Answer::names(records)
}

//----------- 1. Answers -------------------------------------------------------------

#[test]
fn answers_over_udp_and_tcp() {
    let env = Env::new();
    env.write("example.com.zone", &answers_zone());
    // A second zone whose SOA TTL is below its MINIMUM: the negative TTL is the TTL.
    env.write(
        "low.test.zone",
        "$ORIGIN low.test.\n@ 60 SOA ns1.example.net. h.low.test. 1 3600 600 86400 300\n\
         @ 3600 NS ns1.example.net.\n",
    );
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n  - { name: low.test, file: low.test.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    wait_serial(srv.addr, "low.test.", 1);

    for via in [Via::Udp, Via::Tcp] {
        let ctx = format!("{via:?}");
        let ask = |q: &str, t: Rtype| ask_via(srv.addr, via, q, t);

        // Exact match, authoritative, the question's case kept (twice: the second
        // answer comes from the answer cache).
        for _ in 0..2 {
            let a = ask("WwW.ExAmPlE.cOm.", Rtype::A);
            assert_eq!(a.rcode, Rcode::NOERROR, "{ctx}");
            assert!(a.header.flags & FLAG_AA != 0, "{ctx}: AA");
            assert_eq!(
                a.question.as_ref().unwrap().0.to_string(),
                "WwW.ExAmPlE.cOm.",
                "{ctx}"
            );
            assert_eq!(names(&a.answer), ["www.example.com. A"], "{ctx}");
            assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 80], "{ctx}");
            assert_eq!(a.edns, Some(1232), "{ctx}: OPT echoed");
        }

        // NXDOMAIN and NODATA: SOA in AUTHORITY, TTL min(SOA TTL, MINIMUM).
        let a = ask("nope.example.com.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NXDOMAIN, "{ctx}");
        assert!(a.header.flags & FLAG_AA != 0, "{ctx}");
        assert!(a.answer.is_empty(), "{ctx}");
        assert_eq!(names(&a.authority), ["example.com. SOA"], "{ctx}");
        assert_eq!(a.authority[0].ttl, 300, "{ctx}: MINIMUM < SOA TTL");
        let a = ask("www.example.com.", Rtype::MX);
        assert_eq!(a.rcode, Rcode::NOERROR, "{ctx}");
        assert!(a.answer.is_empty(), "{ctx}");
        assert_eq!(names(&a.authority), ["example.com. SOA"], "{ctx}");
        assert_eq!(a.authority[0].ttl, 300, "{ctx}");
        let a = ask("nope.low.test.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NXDOMAIN, "{ctx}");
        assert_eq!(a.authority[0].ttl, 60, "{ctx}: SOA TTL < MINIMUM");

        // A CNAME chain inside the zone.
        let a = ask("chain.example.com.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NOERROR, "{ctx}");
        assert_eq!(
            names(&a.answer),
            [
                "chain.example.com. CNAME",
                "alias.example.com. CNAME",
                "www.example.com. A"
            ],
            "{ctx}"
        );

        // A wildcard: the owner is rewritten to QNAME.
        let a = ask("anything.wild.example.com.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NOERROR, "{ctx}");
        assert!(a.header.flags & FLAG_AA != 0, "{ctx}");
        assert_eq!(names(&a.answer), ["anything.wild.example.com. A"], "{ctx}");
        assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 99], "{ctx}");

        // A referral: AA clear, NS in AUTHORITY, glue in ADDITIONAL.
        let a = ask("host.sub.example.com.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NOERROR, "{ctx}");
        assert_eq!(a.header.flags & FLAG_AA, 0, "{ctx}: a referral is not AA");
        assert!(a.answer.is_empty(), "{ctx}");
        assert_eq!(names(&a.authority), ["sub.example.com. NS"], "{ctx}");
        let glue: Vec<String> = names(&a.additional)
            .into_iter()
            .filter(|n| !n.ends_with(" OPT"))
            .collect();
        assert_eq!(glue, ["ns.sub.example.com. A"], "{ctx}");

        // DNAME: the DNAME, the synthesised CNAME, and the target's data.
        let a = ask("foo.d.example.com.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NOERROR, "{ctx}");
        assert_eq!(
            names(&a.answer),
            [
                "d.example.com. DNAME",
                "foo.d.example.com. CNAME",
                "foo.target.example.com. A"
            ],
            "{ctx}"
        );

        // Not our zone.
        let a = ask("www.example.org.", Rtype::A);
        assert_eq!(a.rcode, Rcode::REFUSED, "{ctx}");
        assert_eq!(a.header.flags & FLAG_AA, 0, "{ctx}");
        assert!(a.answer.is_empty() && a.authority.is_empty(), "{ctx}");
    }
}

#[test]
fn error_rcodes() {
    let env = Env::new();
    env.write("example.com.zone", &answers_zone());
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);

    for via in [Via::Udp, Via::Tcp] {
        let send = |msg: &[u8]| {
            Answer::parse(match via {
                Via::Udp => exchange_udp(srv.addr, msg),
                Via::Tcp => exchange_tcp(srv.addr, msg),
            })
        };

        // Opcode 2 (STATUS): NOTIMP, the opcode echoed (RFC 8906).
        let mut h = Header {
            id: 0x1001,
            ..Header::default()
        };
        h.set_opcode(Opcode(2));
        let mut b = MessageBuilder::new(h, 512);
        b.question(&name("example.com."), Rtype::SOA, Class::IN)
            .unwrap();
        let a = send(&b.finish());
        assert_eq!(a.rcode, Rcode::NOTIMP, "{via:?}");
        assert_eq!(a.header.id, 0x1001);
        assert_eq!(a.header.opcode(), Opcode(2), "{via:?}");
        assert!(a.header.qr());

        // Two questions: FORMERR (RFC 9619).
        let mut b = MessageBuilder::new(
            Header {
                id: 0x1002,
                ..Header::default()
            },
            512,
        );
        b.question(&name("www.example.com."), Rtype::A, Class::IN)
            .unwrap();
        b.question(&name("www.example.com."), Rtype::AAAA, Class::IN)
            .unwrap();
        let a = send(&b.finish());
        assert_eq!(a.rcode, Rcode::FORMERR, "{via:?}");
        assert_eq!(a.header.id, 0x1002);

        // EDNS version 1: BADVERS (extended RCODE 16) in an OPT of version 0.
        let mut q = query(0x1003, "www.example.com.", Rtype::A, None);
        q[11] = 1; // ARCOUNT
        q.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 1, 0, 0, 0, 0]);
        let a = send(&q);
        assert_eq!(a.rcode, Rcode::BADVERS, "{via:?}");
        assert_eq!(a.header.id, 0x1003);
        assert!(a.answer.is_empty());
        let opt = a.additional.iter().find(|r| r.rtype == Rtype::OPT);
        let opt = opt.unwrap_or_else(|| panic!("{via:?}: BADVERS comes in an OPT"));
        assert_eq!((opt.ttl >> 16) & 0xff, 0, "{via:?}: the OPT is version 0");

        // A CHAOS query is refused, not answered from an IN zone.
        let mut b = MessageBuilder::new(
            Header {
                id: 0x1004,
                ..Header::default()
            },
            512,
        );
        b.question(&name("version.bind."), Rtype::TXT, Class(3))
            .unwrap();
        assert_eq!(send(&b.finish()).rcode, Rcode::REFUSED, "{via:?}");
    }

    // AXFR over UDP: RFC 5936 §4.2, TCP only.
    let a = Answer::parse(exchange_udp(
        srv.addr,
        &query(0x1005, "example.com.", Rtype::AXFR, None),
    ));
    assert_eq!(a.rcode, Rcode::FORMERR);
}

#[test]
fn truncation_and_tcp() {
    let env = Env::new();
    env.write("example.com.zone", &answers_zone());
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);

    // Without EDNS (512 octets), and with EDNS 1232: TC, the question only.
    for edns in [None, Some(1232)] {
        let q = query(0x2001, "big.example.com.", Rtype::TXT, edns);
        let a = Answer::parse(exchange_udp(srv.addr, &q));
        assert_eq!(a.rcode, Rcode::NOERROR, "{edns:?}");
        assert!(a.header.flags & FLAG_TC != 0, "{edns:?}: TC");
        assert!(a.answer.is_empty(), "{edns:?}");
        assert!(a.bytes.len() <= edns.map_or(512, usize::from));
        assert_eq!(a.edns.is_some(), edns.is_some(), "OPT only when asked");
    }
    // Over TCP: all twelve records, no TC.
    let a = Answer::parse(exchange_tcp(
        srv.addr,
        &query(0x2002, "big.example.com.", Rtype::TXT, None),
    ));
    assert_eq!(a.header.flags & FLAG_TC, 0);
    assert_eq!(a.answer.len(), 12);
    assert!(a.bytes.len() > 1232);
    // A small answer over UDP without EDNS is not truncated.
    let a = Answer::parse(exchange_udp(
        srv.addr,
        &query(0x2003, "www.example.com.", Rtype::A, None),
    ));
    assert_eq!(a.header.flags & FLAG_TC, 0);
    assert_eq!(a.answer.len(), 1);
    assert_eq!(a.edns, None);
}

#[test]
fn tcp_pipelining() {
    let env = Env::new();
    env.write("example.com.zone", &answers_zone());
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);

    let asks = [
        (0x3001u16, "www.example.com.", Rtype::A, Rcode::NOERROR),
        (0x3002, "nope.example.com.", Rtype::A, Rcode::NXDOMAIN),
        (0x3003, "big.example.com.", Rtype::TXT, Rcode::NOERROR),
        (0x3004, "chain.example.com.", Rtype::A, Rcode::NOERROR),
        (0x3005, "www.example.org.", Rtype::A, Rcode::REFUSED),
        (0x3006, "example.com.", Rtype::SOA, Rcode::NOERROR),
    ];
    let mut s = tcp_connect(srv.addr);
    // All queries in one write: the server must read them all off one connection.
    let mut all = Vec::new();
    for (id, q, t, _) in asks {
        let m = query(id, q, t, None);
        all.extend_from_slice(&(m.len() as u16).to_be_bytes());
        all.extend_from_slice(&m);
    }
    std::io::Write::write_all(&mut s, &all).unwrap();
    let mut seen = std::collections::HashMap::new();
    for _ in asks {
        let a = Answer::parse(read_frame(&mut s).expect("an answer per query"));
        seen.insert(a.header.id, a);
    }
    for (id, q, t, rcode) in asks {
        let a = seen
            .get(&id)
            .unwrap_or_else(|| panic!("no answer with ID {id:#x}"));
        assert_eq!(
            a.question.as_ref().map(|(n, t)| (n.to_string(), *t)),
            Some((q.to_string(), t)),
            "answer {id:#x} is for its own question"
        );
        assert_eq!(a.rcode, rcode, "{q}");
    }
    // The connection stays usable after the batch.
    write_frame(
        &mut s,
        &query(0x3007, "www.example.com.", Rtype::AAAA, None),
    );
    let a = Answer::parse(read_frame(&mut s).unwrap());
    assert_eq!((a.header.id, a.answer.len()), (0x3007, 1));
}

#[test]
fn malformed_packets_do_not_kill_the_server() {
    let env = Env::new();
    env.write("example.com.zone", &answers_zone());
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);

    let good = query(0x4001, "www.example.com.", Rtype::A, Some(1232));
    let mut bad: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x12],
        vec![0; 11],
        // Header only, claiming a question.
        vec![0x40, 0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
        // A compression pointer to itself.
        [
            &[0x40, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0][..],
            &[0xc0, 12, 0, 1, 0, 1],
        ]
        .concat(),
        // A label running past the end.
        [
            &[0x40, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0][..],
            &[63, b'a', b'b'],
        ]
        .concat(),
        // Counts far beyond the data.
        [&good[..12], &[0xff; 4][..]].concat(),
        // A response: never answered.
        {
            let mut r = good.clone();
            r[2] |= 0x80;
            r
        },
        // Trailing garbage after a valid query.
        [&good[..], &[1, 2, 3]].concat(),
    ];
    // Random mutations of a valid query (a fixed xorshift sequence).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..300 {
        let mut m = good.clone();
        for _ in 0..1 + next() % 4 {
            let i = (next() as usize) % m.len();
            m[i] = next() as u8;
        }
        m.truncate(1 + (next() as usize) % m.len().max(1));
        bad.push(m);
    }

    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    for m in &bad {
        sock.send_to(m, srv.addr).unwrap();
    }
    // Over TCP too, each on its own connection, then many on one. Closing our side
    // lets the server finish (answer or drop) and close: read to the end.
    let drain = |mut s: TcpStream| {
        s.shutdown(std::net::Shutdown::Write).unwrap();
        while read_frame(&mut s).is_ok() {}
    };
    for m in bad.iter().take(12) {
        let mut s = tcp_connect(srv.addr);
        write_frame(&mut s, m);
        drain(s);
    }
    let mut s = tcp_connect(srv.addr);
    for m in bad.iter().skip(12).take(50) {
        write_frame(&mut s, m);
    }
    drain(s);

    // Still answering, over both transports.
    let a = Answer::parse(exchange_udp(srv.addr, &good));
    assert_eq!(
        (a.header.id, a.rcode, a.answer.len()),
        (0x4001, Rcode::NOERROR, 1)
    );
    let a = Answer::parse(exchange_tcp(srv.addr, &good));
    assert_eq!(
        (a.header.id, a.rcode, a.answer.len()),
        (0x4001, Rcode::NOERROR, 1)
    );
    // The malformed question got FORMERR where it could be answered at all.
    let mut trailing = bad[8].clone();
    trailing[1] = 0x09;
    let a = Answer::parse(exchange_udp(srv.addr, &trailing));
    assert_eq!(a.rcode, Rcode::FORMERR);
    assert!(!srv.log().contains("panicked"), "{}", srv.log());
}

//----------- 2. Transfers out -------------------------------------------------------

/// A zone that only 127.0.0.2 and holders of the key may transfer.
fn transfer_env(zone: &str) -> Env {
    let env = Env::new();
    env.write("example.com.zone", zone);
    env.config(
        "200ms",
        &format!(
            "zones:\n  - name: example.com\n    file: example.com.zone\n    \
             allow-transfer: [ {{ address: 127.0.0.2/32 }}, {{ key: {KEY} }} ]\n"
        ),
    );
    env
}

#[test]
fn axfr_acl_and_tsig() {
    let env = transfer_env(&answers_zone());
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    let s = server_arg(&srv);

    // Unsigned, from 127.0.0.1: not in the ACL.
    let out = zonesync(&["axfr", "example.com", "-s", &s]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("REFUSED from {}", srv.addr)),
        "{}",
        stderr(&out)
    );
    srv.wait_log(&["AXFR-out refused by allow-transfer", "zone=example.com."]);

    // Unsigned, from 127.0.0.2: allowed by address.
    let mut conn = tcp_from("127.0.0.2", srv.addr);
    write_frame(&mut conn, &query(0x5001, "example.com.", Rtype::AXFR, None));
    let mut interp = Interpreter::axfr(
        name("example.com."),
        0x5001,
        srv.addr,
        zonesync::xfr::Limits::default(),
    );
    loop {
        let msg = read_frame(&mut conn).expect("AXFR message");
        if interp.push(&msg, zonesync::tsig::sign::now()).unwrap() == Step::Done {
            break;
        }
    }
    let (transfer, _) = interp.finish().unwrap();
    let Transfer::Full(records) = transfer else {
        panic!("not a full zone: {transfer:?}")
    };
    // SOA, 2 NS, and the 21 records of the body (the closing SOA left out).
    assert_eq!(records.len(), 3 + 9 + 12, "{records:?}");

    // Signed with the key: allowed, every message verified.
    let out = zonesync(&["axfr", "example.com", "-s", &s, "-y", &key_arg(SECRET)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 24);
    assert!(
        stderr(&out).contains("TSIG verified (xfr-key"),
        "{}",
        stderr(&out)
    );

    // The right key name with the wrong secret: BADSIG.
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        &s,
        "-y",
        &key_arg(WRONG_SECRET),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("NOTAUTH (BADSIG) from {}", srv.addr)),
        "{}",
        stderr(&out)
    );
    // A key the server does not know: BADKEY.
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        &s,
        "-y",
        &format!("other-key:{SECRET}"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("NOTAUTH (BADKEY) from {}", srv.addr)),
        "{}",
        stderr(&out)
    );
    srv.wait_log(&["TSIG check failed", "BADSIG"]);
    srv.wait_log(&["TSIG check failed", "BADKEY"]);

    // An ordinary signed query gets a signed answer (and bypasses the answer cache).
    let opts = ClientOptions {
        key: Some(Key::from_parts(KEY, "hmac-sha256", SECRET).unwrap()),
        timeout: Duration::from_secs(2),
        ..ClientOptions::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for _ in 0..2 {
        let soa = rt
            .block_on(query_soa(srv.addr, &name("example.com."), &opts))
            .unwrap();
        assert_eq!((soa.serial, soa.tsig_verified), (1, true));
    }
}

#[test]
fn axfr_of_a_large_zone_is_complete_and_signed() {
    const N: usize = 20_000;
    let mut body = String::with_capacity(N * 32);
    for i in 0..N {
        body.push_str(&format!(
            "host-{i} A 10.{}.{}.{}\n",
            i >> 16,
            (i >> 8) & 0xff,
            i & 0xff
        ));
    }
    let env = transfer_env(&zone_text("example.com.", 7, &body));
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 7);

    let file = env.path("out.zone");
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        &server_arg(&srv),
        "-y",
        &key_arg(SECRET),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), N + 3, "SOA, 2 NS and {N} A records");
    assert!(text.contains("host-19999.example.com.\t3600\tIN\tA\t10.0.78.31\n"));
    // "…: M messages, R records, … TSIG verified (…, M/M messages signed)"
    let err = stderr(&out);
    let messages: u64 = err
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no message count in {err}"));
    assert!(messages > 1, "several messages: {err}");
    assert!(
        err.contains(&format!("{} records", N + 4)),
        "both SOAs counted: {err}"
    );
    assert!(
        err.contains(&format!("{messages}/{messages} messages signed")),
        "{err}"
    );
    srv.wait_log(&["AXFR-out, finished", "key=xfr-key."]);
}

#[test]
fn ixfr_changes_up_to_date_and_udp() {
    let env = transfer_env(&zone_text("example.com.", 1, "www A 192.0.2.80\n"));
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 2, "www A 192.0.2.81\nnew A 192.0.2.1\n"),
    );
    wait_serial(srv.addr, "example.com.", 2);
    let s = server_arg(&srv);
    let key = key_arg(SECRET);

    let out = zonesync(&["ixfr", "example.com", "-s", &s, "-y", &key, "--serial", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "; serial 1 -> 2", "{text}");
    assert!(
        lines[1].starts_with("-example.com.\t3600\tIN\tSOA\t"),
        "{text}"
    );
    assert!(lines[1].contains(" 1 3600 600 86400 300"), "{text}");
    assert_eq!(lines[2], "-www.example.com.\t3600\tIN\tA\t192.0.2.80");
    assert!(
        lines[3].starts_with("+example.com.\t3600\tIN\tSOA\t"),
        "{text}"
    );
    assert!(lines[3].contains(" 2 3600 600 86400 300"), "{text}");
    let mut added = lines[4..].to_vec();
    added.sort();
    assert_eq!(
        added,
        [
            "+new.example.com.\t3600\tIN\tA\t192.0.2.1",
            "+www.example.com.\t3600\tIN\tA\t192.0.2.81"
        ]
    );
    // One changeset, counted in the singular.
    assert!(stderr(&out).contains("; 1 changeset"), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 message,"), "{}", stderr(&out));

    // -o FILE: the same text in the file, nothing on stdout.
    let file = env.dir.path().join("changes.diff");
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &s,
        "-y",
        &key,
        "--serial",
        "1",
        "-o",
        file.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(std::fs::read_to_string(&file).expect("written"), text);

    // The same over UDP: it fits, so no TCP retry.
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &s,
        "-y",
        &key,
        "--serial",
        "1",
        "--udp",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), text);
    assert!(stderr(&out).contains("over UDP"), "{}", stderr(&out));

    // Current: the lone SOA.
    let out = zonesync(&["ixfr", "example.com", "-s", &s, "-y", &key, "--serial", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "; up to date (serial 2)\n");

    // Unsigned from 127.0.0.1: refused like AXFR.
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &s,
        "--serial",
        "1",
        "--no-fallback",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("REFUSED"), "{}", stderr(&out));
}

#[test]
fn ixfr_from_before_the_journal_is_axfr_style() {
    // About 40 KB of TXT, replaced whole by every edit: each changeset is larger than
    // the journal's 64 KiB floor allows twice, so the oldest is purged.
    let txt = |v: u32| -> String {
        (0..300)
            .map(|i| format!("t{i} TXT \"v{v}-{}\"\n", "y".repeat(100)))
            .collect()
    };
    let env = transfer_env(&zone_text("example.com.", 1, &txt(1)));
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    env.write("example.com.zone", &zone_text("example.com.", 2, &txt(2)));
    wait_serial(srv.addr, "example.com.", 2);
    env.write("example.com.zone", &zone_text("example.com.", 3, &txt(3)));
    wait_serial(srv.addr, "example.com.", 3);
    let s = server_arg(&srv);
    let key = key_arg(SECRET);

    let out = zonesync(&["ixfr", "example.com", "-s", &s, "-y", &key, "--serial", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("; full zone, serial 3 (the server sent the whole zone)\n"),
        "{}",
        &text[..text.len().min(300)]
    );
    assert_eq!(text.lines().count(), 1 + 3 + 300);
    srv.wait_log(&["AXFR-style IXFR-out, finished", "serial=3"]);

    // Serial 2 is still in the journal.
    let out = zonesync(&["ixfr", "example.com", "-s", &s, "-y", &key, "--serial", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("; serial 2 -> 3\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stdout(&out).lines().count(), 1 + 2 * 301);

    // Over UDP it does not fit: the lone SOA, and the client retries over TCP.
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &s,
        "-y",
        &key,
        "--serial",
        "2",
        "--udp",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("; serial 2 -> 3\n"));
    assert!(
        stderr(&out).contains("retried over TCP"),
        "{}",
        stderr(&out)
    );
}

//----------- 3. Reload --------------------------------------------------------------

/// Today's `YYYYMMDD00` (UTC).
fn date_serial(t: SystemTime) -> u32 {
    let days = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 / 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y * 1_000_000 + m * 10_000 + d * 100) as u32
}

#[test]
fn reload_advances_the_serial_by_policy() {
    let env = Env::new();
    let mut zones = String::from("zones:\n");
    for (zone, policy) in [
        ("inc.test", "increment"),
        ("unix.test", "unixtime"),
        ("date.test", "dateserial"),
        ("keep.test", "keep"),
    ] {
        env.write(
            &format!("{zone}.zone"),
            &zone_text(&format!("{zone}."), 5, "www A 192.0.2.1\n"),
        );
        zones.push_str(&format!(
            "  - {{ name: {zone}, file: {zone}.zone, serial-policy: {policy} }}\n"
        ));
    }
    env.config("200ms", &zones);
    let srv = env.start();
    for zone in ["inc.test.", "unix.test.", "date.test.", "keep.test."] {
        wait_serial(srv.addr, zone, 5);
    }

    // Content changes, the serial in the files stays 5.
    let before = SystemTime::now();
    let mark = srv.mark();
    for zone in ["inc.test", "unix.test", "date.test", "keep.test"] {
        env.write(
            &format!("{zone}.zone"),
            &zone_text(&format!("{zone}."), 5, "www A 192.0.2.2\n"),
        );
    }
    wait_serial(srv.addr, "inc.test.", 6);
    let unix = wait_until("unix.test. serial moves to unix time", || {
        match serial(srv.addr, "unix.test.") {
            Ok(s) if s != 5 => Ok(s),
            other => Err(format!("{other:?}")),
        }
    });
    let date = wait_until("date.test. serial moves to the date", || {
        match serial(srv.addr, "date.test.") {
            Ok(s) if s != 5 => Ok(s),
            other => Err(format!("{other:?}")),
        }
    });
    let after = SystemTime::now();
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs() as u32;
    assert!(
        (secs(before)..=secs(after)).contains(&unix),
        "unixtime serial {unix} not in [{}, {}]",
        secs(before),
        secs(after)
    );
    assert!(
        [date_serial(before), date_serial(after)].contains(&date),
        "dateserial serial {date}"
    );
    srv.wait_log_since(
        mark,
        &[
            "zone=inc.test.",
            "content changed without a serial increase; serial advanced",
            "file_serial=5 serial=6 policy=increment",
        ],
    );
    for (zone, want) in [("inc.test", 6), ("unix.test", unix), ("date.test", date)] {
        srv.wait_zone(zone, |z| {
            z.serial == Some(want) && z.state == State::Ok && z.last_error.is_none()
        });
    }
    // keep: refused, the old version stays.
    srv.wait_zone("keep.test", |z| {
        z.serial == Some(5)
            && z.last_error.as_deref()
                == Some("zone file refused: content changed but the serial did not advance")
    });
    assert_eq!(serial(srv.addr, "keep.test."), Ok(5));
    let a = ask(srv.addr, "www.keep.test.", Rtype::A);
    assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 1]);
    let a = ask(srv.addr, "www.inc.test.", Rtype::A);
    assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 2]);

    // A second edit moves on from the advanced serial, not from the file's.
    env.write(
        "inc.test.zone",
        &zone_text("inc.test.", 5, "www A 192.0.2.3\n"),
    );
    wait_serial(srv.addr, "inc.test.", 7);
}

#[test]
fn reload_takes_a_higher_serial_and_refuses_a_lower_one() {
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 10, "www A 192.0.2.1\n"),
    );
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 10);

    // A higher serial in the file is taken as it is.
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 20, "www A 192.0.2.2\n"),
    );
    wait_serial(srv.addr, "example.com.", 20);
    srv.wait_zone("example.com", |z| {
        z.serial == Some(20) && z.state == State::Ok && z.last_error.is_none()
    });

    // Edited backwards (with new content): refused, 20 stays.
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 15, "www A 192.0.2.3\n"),
    );
    srv.wait_zone("example.com", |z| {
        z.serial == Some(20)
            && z.last_error.as_deref()
                == Some("zone file refused: serial 15 is behind the served 20")
    });
    assert_eq!(serial(srv.addr, "example.com."), Ok(20));
    let a = ask(srv.addr, "www.example.com.", Rtype::A);
    assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 2]);

    // Fixed forward again: served.
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 21, "www A 192.0.2.4\n"),
    );
    wait_serial(srv.addr, "example.com.", 21);
}

/// A large zone's file edited a little, over and over (the edit path of
/// `zone::edit`): each version served is exactly what the file says, whether the
/// serial moved or not, and an edit that breaks the zone is refused by line. Its
/// index (over 4,096 entries) is kept in a file between the edits.
#[test]
fn small_edits_to_a_large_zone_serve_exactly_the_file() {
    let env = Env::new();
    let hosts = |changed: &[(usize, &str)], gone: &[usize], extra: &str| {
        let mut body = String::new();
        for i in 0..4200 {
            if gone.contains(&i) {
                continue;
            }
            match changed.iter().find(|(h, _)| *h == i) {
                Some((_, addr)) => body.push_str(&format!("host{i} A {addr}\n")),
                None => body.push_str(&format!("host{i} A 10.0.{}.{}\n", i / 250, i % 250)),
            }
            if i % 100 == 0 {
                body.push_str(&format!("  TXT \"host {i}\" ; a comment\n"));
            }
        }
        body.push_str(extra);
        body
    };
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, &hosts(&[], &[], "")),
    );
    env.config(
        "100ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    let a = |name: &str| ask(srv.addr, name, Rtype::A);

    // Two addresses change, one host goes, one comes, a TXT joins a host; serial 2.
    env.write(
        "example.com.zone",
        &zone_text(
            "example.com.",
            2,
            &hosts(
                &[(7, "192.0.2.7"), (2500, "192.0.2.250")],
                &[1234],
                "new A 192.0.2.1\nhost9 TXT \"nine\"\n",
            ),
        ),
    );
    wait_serial(srv.addr, "example.com.", 2);
    assert_eq!(
        a("host7.example.com.").answer[0].rdata.as_wire(),
        [192, 0, 2, 7]
    );
    assert_eq!(
        a("host2500.example.com.").answer[0].rdata.as_wire(),
        [192, 0, 2, 250]
    );
    assert_eq!(a("host1234.example.com.").rcode, Rcode::NXDOMAIN);
    assert_eq!(
        a("new.example.com.").answer[0].rdata.as_wire(),
        [192, 0, 2, 1]
    );
    assert_eq!(
        a("host8.example.com.").answer[0].rdata.as_wire(),
        [10, 0, 0, 8]
    );
    let txt = ask(srv.addr, "host9.example.com.", Rtype::TXT);
    assert_eq!(txt.answer.len(), 1);

    // The same file with only comments and blanks changed: no new serial.
    let same = zone_text(
        "example.com.",
        2,
        &hosts(
            &[(7, "192.0.2.7"), (2500, "192.0.2.250")],
            &[1234],
            "new   A 192.0.2.1 ; moved\nhost9 TXT \"nine\"\n",
        ),
    );
    env.write("example.com.zone", &same);
    // A change without a serial increase: the serial policy advances it.
    env.write(
        "example.com.zone",
        &same.replace("new   A 192.0.2.1", "new A 192.0.2.2"),
    );
    wait_until("the edit served with an advanced serial", || {
        let s = serial(srv.addr, "example.com.")?;
        let got = a("new.example.com.");
        (s > 2
            && got
                .answer
                .first()
                .is_some_and(|r| r.rdata.as_wire() == [192, 0, 2, 2]))
        .then_some(())
        .ok_or(format!("serial {s}"))
    });
    let advanced = serial(srv.addr, "example.com.").unwrap();

    // CNAME beside other data, on a known line: refused with that line, still served.
    let broken = same.replace("new   A 192.0.2.1", "new A 192.0.2.2\nhost5 CNAME new");
    let line = broken
        .lines()
        .position(|l| l.starts_with("host5 CNAME new"))
        .unwrap()
        + 1;
    env.write("example.com.zone", &broken);
    let file = env.path("example.com.zone");
    let at = format!("{}:{line}:", file.display());
    srv.wait_zone("example.com", |z| {
        z.last_error.as_deref().is_some_and(|e| e.contains(&at))
    });
    assert_eq!(serial(srv.addr, "example.com."), Ok(advanced));
    assert_eq!(
        a("host5.example.com.").answer[0].rdata.as_wire(),
        [10, 0, 0, 5]
    );
}

#[test]
fn reload_refuses_a_broken_file() {
    let env = Env::new();
    let good = zone_text("example.com.", 1, "www A 192.0.2.1\n");
    env.write("example.com.zone", &good);
    env.config(
        "200ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);

    // Line 7: a bad IPv4 address; line 8: CNAME beside other data (a check error).
    let mark = srv.mark();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 2, "www A 192.0.2.2\nbad A 192.0.2.999\n"),
    );
    let file = env.path("example.com.zone");
    let at_line_7 = format!("{}:7:", file.display());
    srv.wait_zone("example.com", |z| {
        z.serial == Some(1)
            && z.last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("zone file refused (") && e.contains(&at_line_7))
    });
    // The finding is logged, as an error, with its file and line.
    let finding = srv.wait_log_since(mark, &[&at_line_7, "error"]);
    assert!(finding.contains("ERROR"), "{finding}");
    assert_eq!(serial(srv.addr, "example.com."), Ok(1));
    let a = ask(srv.addr, "www.example.com.", Rtype::A);
    assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 1]);

    // A semantic error (CNAME and other data) is refused the same way.
    let mark = srv.mark();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 3, "www A 192.0.2.3\nwww CNAME other\n"),
    );
    srv.wait_zone("example.com", |z| {
        z.serial == Some(1)
            && z.last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("zone file refused (") && e.contains("CNAME"))
    });
    srv.wait_log_since(mark, &[&file.display().to_string(), "CNAME"]);
    assert_eq!(serial(srv.addr, "example.com."), Ok(1));

    // Repaired: served.
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 4, "www A 192.0.2.4\n"),
    );
    wait_serial(srv.addr, "example.com.", 4);
}

#[test]
fn a_refused_file_is_reported_once() {
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.1\n"),
    );
    env.write(
        "other.test.zone",
        &zone_text("other.test.", 1, "www A 192.0.2.1\n"),
    );
    env.config(
        "100ms",
        "zones:\n  - { name: example.com, file: example.com.zone }\n  \
         - { name: other.test, file: other.test.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    wait_serial(srv.addr, "other.test.", 1);

    let mark = srv.mark();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 2, "bad A 192.0.2.999\n"),
    );
    srv.wait_zone("example.com", |z| {
        z.serial == Some(1)
            && z.last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("zone file refused ("))
    });
    // Reported once is a fact of the log: its first report, before counting.
    srv.wait_log_since(mark, &["zone file refused; keeping the served version"]);
    // Two more edits of another zone, each seen: at least two more file checks
    // passed over the unchanged broken file.
    for s in [2, 3] {
        env.write(
            "other.test.zone",
            &zone_text("other.test.", s, "www A 192.0.2.1\n"),
        );
        wait_serial(srv.addr, "other.test.", s);
    }
    let log = srv.log();
    let refusals = log[mark..]
        .lines()
        .filter(|l| l.contains("zone file refused"))
        .count();
    assert_eq!(refusals, 1, "{}", &log[mark..]);
}

#[test]
fn sighup_reloads() {
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.1\n"),
    );
    env.config(
        "1h",
        "zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    // SIGHUP as soon as the zone answers: the handler must be in place by then.
    srv.signal("HUP");
    srv.wait_log(&["SIGHUP: checking zone files"]);

    env.write(
        "example.com.zone",
        &zone_text("example.com.", 2, "www A 192.0.2.2\n"),
    );
    // The next periodic check is an hour away: nothing changes without a signal.
    assert_eq!(serial(srv.addr, "example.com."), Ok(1));
    srv.signal("HUP");
    wait_serial(srv.addr, "example.com.", 2);
    srv.wait_zone("example.com", |z| {
        z.serial == Some(2) && z.state == State::Ok
    });
}

#[test]
fn zones_dir_adds_and_removes_zones() {
    let env = Env::new();
    env.write(
        "zones.d/a.test.zone",
        &zone_text("a.test.", 1, "www A 192.0.2.1\n"),
    );
    env.config(
        "200ms",
        &format!("zones-dir: zones.d\ndefaults:\n  allow-transfer: [ {{ key: {KEY} }} ]\n"),
    );
    let srv = env.start();
    wait_serial(srv.addr, "a.test.", 1);
    wait_rcode(srv.addr, "b.test.", Rcode::REFUSED);

    env.write(
        "zones.d/b.test.zone",
        &zone_text("b.test.", 3, "www A 192.0.2.3\n"),
    );
    wait_serial(srv.addr, "b.test.", 3);
    srv.wait_zone("b.test", |z| z.serial == Some(3) && z.state == State::Ok);
    // It takes the defaults: the key may transfer it.
    let out = zonesync(&[
        "axfr",
        "b.test",
        "-s",
        &server_arg(&srv),
        "-y",
        &key_arg(SECRET),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 4);

    std::fs::remove_file(env.path("zones.d/a.test.zone")).unwrap();
    wait_rcode(srv.addr, "a.test.", Rcode::REFUSED);
    srv.wait_status("a.test. deleted, b.test. alone", |r| {
        zone_status(r, "a.test").is_none()
            && zone_status(r, "b.test").is_some()
            && r.server.as_ref().is_some_and(|s| s.zones == 1)
    });
    assert_eq!(ask(srv.addr, "www.a.test.", Rtype::A).rcode, Rcode::REFUSED);
    assert_eq!(serial(srv.addr, "b.test."), Ok(3));

    // Back again: a new zone, from its file.
    env.write(
        "zones.d/a.test.zone",
        &zone_text("a.test.", 9, "www A 192.0.2.9\n"),
    );
    wait_serial(srv.addr, "a.test.", 9);
}

//----------- 4. Persistence ---------------------------------------------------------

/// A zone changed without a serial increase, served at the advanced serial 2.
fn advanced_zone(env: &Env) -> Server {
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.1\n"),
    );
    env.config(
        "200ms",
        &format!(
            "zones:\n  - name: example.com\n    file: example.com.zone\n    \
             allow-transfer: [ {{ key: {KEY} }} ]\n"
        ),
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.2\n"),
    );
    wait_serial(srv.addr, "example.com.", 2);
    srv
}

/// The first serial a restarted server answers with (it may answer SERVFAIL while
/// the zone loads; it must never answer an older serial first).
fn first_served_serial(srv: &Server, zone: &str) -> u32 {
    wait_until(&format!("{zone} served"), || match serial(srv.addr, zone) {
        Ok(s) => Ok(s),
        Err(e) if e == "SERVFAIL" => Err(e),
        Err(e) => panic!("{zone}: {e} while loading"),
    })
}

#[test]
fn restart_keeps_the_advanced_serial_and_the_history() {
    let env = Env::new();
    let srv = advanced_zone(&env);
    assert_eq!(srv.stop(), Some(0), "SIGTERM is a clean exit");

    let srv = env.start();
    assert_eq!(first_served_serial(&srv, "example.com."), 2);
    // The file still says 1: serial 2 can only come from the store.
    srv.wait_zone("example.com", |z| {
        z.serial == Some(2) && z.state == State::Ok
    });

    // IXFR history from before the restart.
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &server_arg(&srv),
        "-y",
        &key_arg(SECRET),
        "--serial",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("; serial 1 -> 2\n"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("-www.example.com.\t3600\tIN\tA\t192.0.2.1\n"));
    assert!(stdout(&out).contains("+www.example.com.\t3600\tIN\tA\t192.0.2.2\n"));

    // The next edit continues from 2 (the file still says 1).
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.3\n"),
    );
    wait_serial(srv.addr, "example.com.", 3);
}

#[test]
fn kill9_then_restart_serves_the_last_commit() {
    let env = Env::new();
    let srv = advanced_zone(&env);
    srv.kill9();

    // The file changed while the server was down (content only): the restart
    // restores the committed 2, then moves forward from it (never back to the
    // file's 1).
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.5\n"),
    );
    let srv = env.start();
    let first = first_served_serial(&srv, "example.com.");
    assert!(first == 2 || first == 3, "first served serial {first}");
    wait_serial(srv.addr, "example.com.", 3);
    // The file says 1: serial 3 can only follow the restored 2.
    srv.wait_zone("example.com", |z| {
        z.serial == Some(3) && z.state == State::Ok && z.last_error.is_none()
    });
    let a = ask(srv.addr, "www.example.com.", Rtype::A);
    assert_eq!(a.answer[0].rdata.as_wire(), [192, 0, 2, 5]);
    srv.kill9();

    let srv = env.start();
    assert_eq!(first_served_serial(&srv, "example.com."), 3);
}

#[test]
fn zone_removed_from_the_config_is_dropped_from_the_store() {
    let env = Env::new();
    for zone in ["a.test", "b.test"] {
        env.write(
            &format!("{zone}.zone"),
            &zone_text(&format!("{zone}."), 1, "www A 192.0.2.1\n"),
        );
    }
    let both = "zones:\n  - { name: a.test, file: a.test.zone }\n  - { name: b.test, file: b.test.zone }\n";
    env.config("200ms", both);
    let srv = env.start();
    wait_serial(srv.addr, "a.test.", 1);
    wait_serial(srv.addr, "b.test.", 1);
    // b.test's served serial moves past its file's.
    env.write("b.test.zone", &zone_text("b.test.", 1, "www A 192.0.2.2\n"));
    wait_serial(srv.addr, "b.test.", 2);
    assert_eq!(srv.stop(), Some(0));

    env.config("200ms", "zones:\n  - { name: a.test, file: a.test.zone }\n");
    let srv = env.start();
    wait_serial(srv.addr, "a.test.", 1);
    srv.wait_log(&[
        "zone no longer configured: removing its stored data",
        "zone=b.test.",
    ]);
    assert_eq!(serial(srv.addr, "b.test."), Err("REFUSED".into()));
    assert_eq!(srv.stop(), Some(0));

    let store = zonesync::store::Store::open(&env.path("state")).unwrap();
    let stored: Vec<String> = store
        .zones()
        .unwrap()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(stored, ["a.test."]);
    drop(store);

    // Listed again, it starts over from its file (nothing restored).
    env.config("200ms", both);
    let srv = env.start();
    assert_eq!(first_served_serial(&srv, "b.test."), 1);
}

//----------- 5. NOTIFY out ----------------------------------------------------------

#[test]
fn notify_goes_to_also_notify() {
    let secondary = UdpSocket::bind("127.0.0.2:0").unwrap();
    secondary
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let target = secondary.local_addr().unwrap();
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.1\n"),
    );
    env.config(
        "200ms",
        &format!(
            "zones:\n  - name: example.com\n    file: example.com.zone\n    \
             also-notify: [\"{target}\"]\n"
        ),
    );
    let srv = env.start();

    // Answers NOTIFYs until one for `want` arrives; returns it (raw).
    let receive = |want: u32| -> Vec<u8> {
        let mut buf = [0u8; 1024];
        wait_until(&format!("NOTIFY for serial {want} at {target}"), || {
            let (len, from) = secondary.recv_from(&mut buf).map_err(|e| e.to_string())?;
            let msg = buf[..len].to_vec();
            let req = zonesync::notify::parse_notify(&msg).map_err(|e| e.to_string())?;
            let resp = zonesync::notify::notify_response(&req, Rcode::NOERROR);
            secondary.send_to(&resp, from).unwrap();
            match req.serial_hint {
                Some(s) if s == want => Ok(msg),
                other => Err(format!("NOTIFY with hint {other:?}")),
            }
        })
    };

    // The first load notifies too.
    receive(1);
    srv.wait_log(&["NOTIFY-out, acknowledged", "serial=1"]);

    env.write(
        "example.com.zone",
        &zone_text("example.com.", 2, "www A 192.0.2.2\n"),
    );
    let msg = receive(2);
    let n = Answer::parse(msg);
    assert_eq!(n.header.opcode(), Opcode::NOTIFY);
    assert!(!n.header.qr());
    assert!(n.header.flags & FLAG_AA != 0, "AA set in NOTIFY");
    assert_eq!(
        n.question.as_ref().map(|(q, t)| (q.to_string(), *t)),
        Some(("example.com.".to_string(), Rtype::SOA))
    );
    assert_eq!(names(&n.answer), ["example.com. SOA"]);
    assert_eq!(zonesync::zone::soa::serial_of(&n.answer[0].rdata), Ok(2));
    // By the time NOTIFY goes out, the new version is served (persist, publish,
    // notify).
    assert_eq!(serial(srv.addr, "example.com."), Ok(2));
    srv.wait_log(&[
        "NOTIFY-out, acknowledged",
        &format!("peer={target}"),
        "serial=2",
    ]);
}

//----------- 6. Start-up failures ---------------------------------------------------

#[test]
fn bad_config_exits_1_naming_the_problems() {
    let env = Env::new();
    env.write(
        "config.yaml",
        "listen: [\"127.0.0.1:notaport\"]\n\
         zones:\n  - name: example.com\n    file: example.com.zone\n    \
         allow-transfer: [ { key: nokey } ]\n  - name: bad..name\n    file: x.zone\n",
    );
    let err = Server::try_start(&env.path("config.yaml"))
        .err()
        .expect("a bad config does not start");
    assert_eq!(err.code, Some(1), "{}", err.stderr);
    for needle in [
        "config.yaml: 3 problems",
        "listen[0]: ",
        "zones[0].allow-transfer[0].key: no key named \"nokey\"",
        "zones[1].name: bad zone name \"bad..name\"",
    ] {
        assert!(
            err.stderr.contains(needle),
            "{needle:?} in:\n{}",
            err.stderr
        );
    }
    assert!(!err.stderr.contains("listening"));

    // A YAML key zonesync does not know: the line is named.
    env.write("config.yaml", "listen: [\"127.0.0.1:0\"]\nzonez: []\n");
    let err = Server::try_start(&env.path("config.yaml"))
        .err()
        .expect("an unknown key does not start");
    assert_eq!(err.code, Some(1), "{}", err.stderr);
    assert!(err.stderr.contains("config.yaml:"), "{}", err.stderr);
    assert!(
        err.stderr
            .contains("line 2: zonez: unknown key `zonez` (did you mean `zones`?)"),
        "{}",
        err.stderr
    );
}

#[test]
fn busy_port_exits_1_naming_the_address() {
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.1\n"),
    );
    // Held for TCP and UDP by the test while the server tries it.
    let (tcp, udp) = loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        if let Ok(udp) = UdpSocket::bind(tcp.local_addr().unwrap()) {
            break (tcp, udp);
        }
    };
    let busy = tcp.local_addr().unwrap();
    env.write(
        "config.yaml",
        &format!(
            "listen: [\"{busy}\"]\nstate-dir: state\n\
             zones:\n  - {{ name: example.com, file: example.com.zone }}\n"
        ),
    );
    let err = Server::try_start(&env.path("config.yaml"))
        .err()
        .expect("a busy port does not start");
    assert_eq!(err.code, Some(1), "{}", err.stderr);
    assert!(
        err.stderr.contains(&format!("cannot listen on {busy}")),
        "{}",
        err.stderr
    );
    drop((tcp, udp));
}

/// Hostile zone files (issue 13): an `$INCLUDE` of a device, and more data than
/// `max-zone-file-bytes`, are refused with the file named; the served version stays.
#[test]
fn a_device_include_or_an_oversized_file_is_refused() {
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 1, "www A 192.0.2.1\n"),
    );
    env.config(
        "200ms",
        "limits: { max-zone-file-bytes: 2KiB }\n\
         zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let srv = env.start();
    wait_serial(srv.addr, "example.com.", 1);

    env.write(
        "example.com.zone",
        &zone_text("example.com.", 2, "$INCLUDE /dev/zero\n"),
    );
    srv.wait_zone("example.com", |z| {
        z.serial == Some(1)
            && z.last_error.as_deref().is_some_and(|e| {
                e.contains("cannot read included file /dev/zero: not a regular file")
            })
    });

    let big = "h A 192.0.2.9\n".repeat(200);
    env.write("example.com.zone", &zone_text("example.com.", 3, &big));
    let file = env.path("example.com.zone").display().to_string();
    srv.wait_zone("example.com", |z| {
        z.serial == Some(1)
            && z.last_error.as_deref().is_some_and(|e| {
                e.contains(&format!("{file}: more than 2048 bytes of zone file data"))
            })
    });
    assert_eq!(serial(srv.addr, "example.com."), Ok(1));
}

//----------- Logs -------------------------------------------------------------------

/// `--log-format json`: one JSON object per line, fields at the top level with their
/// values (a serial is a number, an absent key is left out, never `None` or
/// `Some(..)`), and `notify: explicit` notifies the `also-notify` target.
#[test]
fn json_logs_and_notify_explicit() {
    let secondary = UdpSocket::bind("127.0.0.1:0").unwrap();
    secondary
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let target = secondary.local_addr().unwrap();
    let env = Env::new();
    env.write(
        "example.com.zone",
        &zone_text("example.com.", 7, "www A 192.0.2.1\n"),
    );
    let config = env.config(
        "200ms",
        &format!(
            "zones:\n  - name: example.com\n    file: example.com.zone\n    \
             notify: explicit\n    also-notify: [\"{target}\"]\n"
        ),
    );
    let log_path = env.path("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = std::process::Command::new(crate::common::bin())
        .args(["--log-format", "json", "serve", "--config"])
        .arg(&config)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("zonesync serve starts");

    // Answer NOTIFYs until the server has logged the acknowledgement.
    let mut buf = [0u8; 1024];
    let lines = wait_until("the JSON log line of the acknowledged NOTIFY", || {
        if let Ok((len, from)) = secondary.recv_from(&mut buf)
            && let Ok(req) = zonesync::notify::parse_notify(&buf[..len])
        {
            let resp = zonesync::notify::notify_response(&req, Rcode::NOERROR);
            secondary.send_to(&resp, from).unwrap();
        }
        let text = std::fs::read_to_string(&log_path).map_err(|e| e.to_string())?;
        if text.contains("NOTIFY-out, acknowledged") {
            Ok(text)
        } else {
            Err(text)
        }
    });
    let _ = child.kill();
    let _ = child.wait();

    let events: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let ack = events
        .iter()
        .find(|e| e["message"] == "NOTIFY-out, acknowledged")
        .expect("the acknowledgement");
    assert_eq!(ack["level"], "INFO", "{ack}");
    assert_eq!(ack["peer"], target.to_string(), "{ack}");
    assert_eq!(ack["serial"], 7, "{ack}");
    assert_eq!(ack["zone"], "example.com.", "{ack}");
    let listening = events
        .iter()
        .find(|e| e["message"] == "listening on UDP and TCP")
        .expect("the listening line");
    assert!(listening["addr"].is_string(), "{listening}");
    assert!(
        !lines.contains("Some(") && !lines.contains("None"),
        "Rust debug text in the log:\n{lines}"
    );
}
