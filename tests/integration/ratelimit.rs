//! Response rate limiting (`rate-limit:`) and DNS cookies (`cookies:`, RFC 7873/9018)
//! of a real `zonesync serve` over loopback UDP: a flood from one source gets at most
//! the rate in full answers plus the slip share (truncated, TC), the rest dropped;
//! an exempt source and a client that sends back a valid server cookie are not
//! limited; cookies are issued, echoed and checked, on the cached path too; TCP is
//! never limited; the metrics count what was dropped and slipped.
//!
//! Each kind of client sends from its own 127.x.y.z address, so that each is a
//! prefix of its own (`ipv4-prefix: 24`).

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use zonesync::wire::edns::{self, Options};
use zonesync::wire::{Header, Message, MessageBuilder, Rcode};
use zonesync::zone::{Class, Rtype};

use crate::common::{Server, exchange_tcp, exchange_udp, free_port, name, wait_serial, write_file};

/// The configured rate.
const RATE: usize = 10;
/// Queries sent before their answers are read (an unpaced burst would overflow the
/// socket buffers, and the kernel, not the server, would decide what is seen).
const WINDOW: usize = 40;
/// How long a window's answers are waited for after the last one came.
const QUIET: Duration = Duration::from_millis(150);

/// A query for `www.example.com. A` with an OPT carrying `cookie` (when given).
fn query_with_cookie(cookie: Option<&[u8]>) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        Header {
            id: zonesync::wire::random_id(),
            ..Header::default()
        },
        512,
    );
    b.question(&name("www.example.com."), Rtype::A, Class::IN)
        .unwrap();
    let mut opts = edns::OptionsBuf::default();
    if let Some(c) = cookie {
        opts.push(edns::COOKIE, c);
    }
    b.push_opt_with(1232, Rcode::NOERROR, false, opts.as_bytes())
        .unwrap();
    b.finish()
}

/// The COOKIE option data of an answer, if any.
fn cookie_of(answer: &[u8]) -> Option<Vec<u8>> {
    let m = Message::parse(answer).expect("an answer");
    Options::new(edns::opt_rdata(&m)?)
        .find(edns::COOKIE)
        .map(<[u8]>::to_vec)
}

/// What a flood got back.
#[derive(Debug, Default)]
struct Tally {
    /// Answers in full (TC clear).
    full: usize,
    /// Truncated answers (TC set, no records).
    slipped: usize,
    /// From the first query sent to the last answer read.
    elapsed: Duration,
    /// The answers in full.
    answers: Vec<Vec<u8>>,
}

/// Sends `count` queries made by `make` from `from` to `server`, in windows of
/// [`WINDOW`], reading the answers of each window before the next.
fn flood(from: &str, server: SocketAddr, count: usize, make: impl Fn() -> Vec<u8>) -> Tally {
    let ip: IpAddr = from.parse().unwrap();
    let sock = UdpSocket::bind((ip, 0)).expect("bind the flood's source");
    sock.set_read_timeout(Some(QUIET)).unwrap();
    let mut tally = Tally::default();
    let start = Instant::now();
    let mut last = start;
    let mut buf = vec![0u8; 65_535];
    for _ in 0..count / WINDOW {
        for _ in 0..WINDOW {
            sock.send_to(&make(), server).expect("send");
        }
        let mut read = 0;
        while read < WINDOW {
            let Ok((len, _)) = sock.recv_from(&mut buf) else {
                break;
            };
            read += 1;
            last = Instant::now();
            let msg = &buf[..len];
            let h = Header::parse(msg).expect("a header");
            if msg[2] & 0x02 != 0 {
                // Slipped: the question only.
                assert_eq!(
                    (h.qdcount, h.ancount, h.nscount, h.arcount),
                    (1, 0, 0, 0),
                    "a slipped answer"
                );
                tally.slipped += 1;
            } else {
                tally.full += 1;
                tally.answers.push(msg.to_vec());
            }
        }
    }
    tally.elapsed = last - start;
    tally
}

/// The most full answers one bucket may give in `elapsed`: the rate for every
/// second, and one second's credit at the start.
fn most_full(elapsed: Duration) -> usize {
    (RATE as f64 * (elapsed.as_secs_f64() + 1.0)).ceil() as usize
}

/// A plain HTTP/1.1 GET; the body.
fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text.split_once("\r\n\r\n")
        .expect("an HTTP answer")
        .1
        .to_string()
}

/// The value of a counter in a Prometheus exposition.
fn counter(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

/// A server for `example.com` limiting at [`RATE`] with slip 2, exempting
/// 127.0.2.0/24, with metrics on `metrics`.
fn start(dir: &std::path::Path, metrics: SocketAddr) -> Server {
    write_file(
        &dir.join("example.com.zone"),
        "$ORIGIN example.com.\n$TTL 300\n\
         @ SOA ns1.example.net. hostmaster 1 3600 600 86400 300\n\
         @ NS ns1.example.net.\nwww A 192.0.2.1\n",
    );
    let cfg = dir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nmetrics: \"{metrics}\"\n\
             rate-limit: {{ responses-per-second: {RATE}, slip: 2, exempt: [127.0.2.0/24] }}\n\
             zones:\n  - {{ name: example.com, file: example.com.zone }}\n"
        ),
    );
    let server = Server::start(&cfg);
    wait_serial(server.addr, "example.com.", 1);
    server
}

#[test]
fn a_flood_from_one_prefix_gets_the_rate_and_the_slip_share() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let server = start(dir.path(), metrics);

    let sent = 400;
    let t = flood("127.0.1.1", server.addr, sent, || query_with_cookie(None));
    assert!(
        t.full <= most_full(t.elapsed),
        "{} full answers in {:?} at {RATE}/s",
        t.full,
        t.elapsed
    );
    // At least the first second's credit came through, and every 2nd limited
    // answer slipped (of those the server saw: loopback may lose a few).
    assert!(t.full >= RATE, "{t:?}");
    let limited = sent - t.full;
    assert!(
        t.slipped <= limited / 2 && t.slipped >= limited / 2 * 8 / 10,
        "{} slipped of {limited} limited",
        t.slipped
    );
    // Another address of the same /24 shares the bucket.
    let t2 = flood("127.0.1.77", server.addr, WINDOW, || {
        query_with_cookie(None)
    });
    assert!(t2.full < WINDOW / 2, "{t2:?}");

    // An exempt prefix is not limited.
    let ex = flood("127.0.2.1", server.addr, 200, || query_with_cookie(None));
    assert_eq!((ex.full, ex.slipped), (200, 0), "exempt: {ex:?}");

    // TCP is not limited: the flooded prefix gets a TCP answer.
    let msg = query_with_cookie(None);
    let ip: IpAddr = "127.0.1.1".parse().unwrap();
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&SocketAddr::new(ip, 0).into()).unwrap();
    sock.connect_timeout(&server.addr.into(), Duration::from_secs(2))
        .unwrap();
    let mut s: TcpStream = sock.into();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    crate::common::write_frame(&mut s, &msg);
    let a = crate::common::read_frame(&mut s).expect("a TCP answer");
    assert_eq!(Header::parse(&a).unwrap().ancount, 1);

    // The metrics count what was dropped and slipped: at least what this client
    // saw slip, and at least the limited answers it did not get back at all.
    let text = http_get(metrics, "/metrics");
    let slipped = counter(&text, "zonesync_rrl_slipped_total");
    let dropped = counter(&text, "zonesync_rrl_dropped_total");
    assert!(slipped >= (t.slipped + t2.slipped) as f64, "{text}");
    assert!(
        dropped >= (limited - t.slipped) as f64 * 8.0 / 10.0,
        "{dropped} dropped"
    );
}

#[test]
fn cookies_are_issued_echoed_and_exempt_a_client_from_limiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let server = start(dir.path(), metrics);
    let client_cookie = [0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57];
    let from: IpAddr = "127.0.3.1".parse().unwrap();
    let ask = |msg: &[u8]| {
        let sock = UdpSocket::bind((from, 0)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        sock.send_to(msg, server.addr).unwrap();
        let mut buf = vec![0u8; 65_535];
        let (len, _) = sock.recv_from(&mut buf).expect("an answer");
        buf[..len].to_vec()
    };

    // A client cookie alone: a server cookie back (RFC 9018: version 1, reserved 0,
    // our clock, a hash), with the client cookie in front.
    let first = ask(&query_with_cookie(Some(&client_cookie)));
    let cookie = cookie_of(&first).expect("a COOKIE in the answer");
    assert_eq!(cookie.len(), 24);
    assert_eq!(&cookie[..8], &client_cookie);
    assert_eq!(&cookie[8..12], &[1, 0, 0, 0]);
    let stamp = u32::from_be_bytes(cookie[12..16].try_into().unwrap());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32;
    assert!(now.abs_diff(stamp) <= 5, "timestamp {stamp}, now {now}");
    assert_eq!(Header::parse(&first).unwrap().ancount, 1);

    // Sent back: echoed as it is (under half an hour old), and the client is not
    // limited, on the cached path (every answer after the first is a cache hit).
    let ok = flood("127.0.3.1", server.addr, 200, || {
        query_with_cookie(Some(&cookie))
    });
    assert_eq!(
        (ok.full, ok.slipped),
        (200, 0),
        "with a valid cookie: {ok:?}"
    );
    for a in &ok.answers {
        assert_eq!(cookie_of(a).as_deref(), Some(&cookie[..]));
    }
    // A cookie of another address is no cookie of that client's: issued afresh,
    // and limited like no cookie.
    let other = flood("127.0.4.1", server.addr, 200, || {
        query_with_cookie(Some(&cookie))
    });
    assert!(other.full <= most_full(other.elapsed), "{other:?}");
    for a in &other.answers {
        let c = cookie_of(a).expect("a COOKIE");
        assert_eq!(&c[..8], &client_cookie);
        assert_ne!(c[16..], cookie[16..], "the other address's hash");
    }
    // A client cookie alone does not exempt either.
    let fresh = flood("127.0.5.1", server.addr, 200, || {
        query_with_cookie(Some(&client_cookie))
    });
    assert!(fresh.full <= most_full(fresh.elapsed), "{fresh:?}");
    assert!(fresh.slipped > 0, "{fresh:?}");

    // Without a cookie, no COOKIE: the cache holds answers without one.
    let plain = exchange_udp(server.addr, &query_with_cookie(None));
    assert_eq!(cookie_of(&plain), None);
    assert_eq!(Header::parse(&plain).unwrap().ancount, 1);
    // Over TCP too, a cookie comes back and is checked.
    let tcp = exchange_tcp(server.addr, &query_with_cookie(Some(&client_cookie)));
    let c = cookie_of(&tcp).expect("a COOKIE over TCP");
    assert_eq!(&c[..8], &client_cookie);
    // A COOKIE of a length RFC 7873 §5.2.2 forbids: FORMERR.
    for len in [7usize, 12, 41] {
        let bad = exchange_udp(server.addr, &query_with_cookie(Some(&vec![1u8; len])));
        let m = Message::parse(&bad).unwrap();
        assert_eq!(m.rcode(), Rcode::FORMERR, "{len} octets");
    }
}

#[test]
fn cookies_false_answers_without_and_ignores_the_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        &dir.path().join("example.com.zone"),
        "$ORIGIN example.com.\n$TTL 300\n\
         @ SOA ns1.example.net. hostmaster 1 3600 600 86400 300\n\
         @ NS ns1.example.net.\nwww A 192.0.2.1\n",
    );
    let cfg = dir.path().join("cfg.yaml");
    write_file(
        &cfg,
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\ncookies: false\n\
         zones:\n  - { name: example.com, file: example.com.zone }\n",
    );
    let server = Server::start(&cfg);
    wait_serial(server.addr, "example.com.", 1);
    for cookie in [&[1u8; 8][..], &[1u8; 7][..]] {
        let a = exchange_udp(server.addr, &query_with_cookie(Some(cookie)));
        assert_eq!(cookie_of(&a), None);
        assert_eq!(Message::parse(&a).unwrap().rcode(), Rcode::NOERROR);
    }
}
