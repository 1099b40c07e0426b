//! EDNS options answered per response, zonesync ↔ zonesync, real processes on
//! 127.0.0.1: NSID (RFC 5001) as configured, EXPIRE (RFC 7314) from a primary (its
//! SOA EXPIRE) and from secondaries (counting down), ZONEVERSION (RFC 9660) with the
//! serial; a primary → secondary → secondary chain where the tail's expire time is
//! not later than the middle's; and the answer cache never mixing answers with and
//! without options.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use zonesync::sync::status::State;
use zonesync::wire::edns::{self, Options, OptionsBuf};
use zonesync::wire::{Header, Message, MessageBuilder, Rcode};
use zonesync::zone::{Class, Rtype};

use crate::common::{
    Server, exchange_tcp, exchange_udp, free_port, name, wait_serial, wait_until, write_file,
};

const ZONE: &str = "example.net.";

/// A query for `qname`/`qtype` whose OPT carries the empty options `codes`.
fn query_asking(qname: &str, qtype: Rtype, codes: &[u16]) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        Header {
            id: zonesync::wire::random_id(),
            ..Header::default()
        },
        512,
    );
    b.question(&name(qname), qtype, Class::IN).unwrap();
    let mut ask = OptionsBuf::default();
    for &c in codes {
        ask.push(c, &[]);
    }
    b.push_opt_with(1232, Rcode::NOERROR, false, ask.as_bytes())
        .unwrap();
    b.finish()
}

/// The answer's RCODE and its options: `(code, data)`.
fn options_of(answer: &[u8]) -> (Rcode, Vec<(u16, Vec<u8>)>) {
    let m = Message::parse(answer).expect("an answer");
    let opts = edns::opt_rdata(&m)
        .map(|rd| Options::new(rd).map(|(c, d)| (c, d.to_vec())).collect())
        .unwrap_or_default();
    (m.rcode(), opts)
}

fn find(opts: &[(u16, Vec<u8>)], code: u16) -> Option<&[u8]> {
    opts.iter().find(|(c, _)| *c == code).map(|(_, d)| &d[..])
}

/// The EXPIRE `server` answers for `zone` (UDP).
fn expire_of(server: SocketAddr, zone: &str) -> u32 {
    let (rcode, opts) = options_of(&exchange_udp(
        server,
        &query_asking(zone, Rtype::SOA, &[edns::EXPIRE]),
    ));
    assert_eq!(rcode, Rcode::NOERROR);
    edns::read_expire(find(&opts, edns::EXPIRE).expect("an EXPIRE option")).expect("4 octets")
}

/// A zonesync server of [`ZONE`] on `port` in `dir`: a primary (SOA EXPIRE 3600)
/// when `primary` is `None`, else a secondary of it; `top` goes at the top level.
fn config(dir: &Path, port: u16, primary: Option<u16>, top: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let source = match primary {
        None => {
            write_file(
                &dir.join("zone"),
                "$TTL 300\n@ SOA ns1.example.org. hostmaster 7 3600 600 3600 60\n\
                 @ NS ns1.example.org.\nwww A 192.0.2.1\n",
            );
            "    file: zone\n".to_string()
        }
        Some(p) => format!("    primaries: [ {{ address: \"127.0.0.1:{p}\" }} ]\n"),
    };
    let cfg = dir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\n\
             min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n{top}\
             zones:\n  - name: {ZONE}\n{source}    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n"
        ),
    );
    cfg
}

#[test]
fn nsid_expire_and_zoneversion_are_answered_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let p = Server::start(&config(
        &dir.path().join("p"),
        port,
        None,
        "nsid: ns1.example.test\n",
    ));
    wait_serial(p.addr, ZONE, 7);

    // Not asked: the cache answers, with an OPT without options (RFC 7314 §3: MUST
    // NOT include EXPIRE unasked). Asked in between, and again after: the cached
    // answer never carries them, the asked one always does.
    for round in 0..2 {
        let (rcode, opts) = options_of(&exchange_udp(p.addr, &query_asking(ZONE, Rtype::SOA, &[])));
        assert_eq!((rcode, opts.len()), (Rcode::NOERROR, 0), "round {round}");
        let asked = query_asking(
            "www.example.net.",
            Rtype::A,
            &[edns::NSID, edns::EXPIRE, edns::ZONEVERSION],
        );
        for answer in [exchange_udp(p.addr, &asked), exchange_tcp(p.addr, &asked)] {
            let (rcode, opts) = options_of(&answer);
            assert_eq!(rcode, Rcode::NOERROR);
            assert_eq!(find(&opts, edns::NSID), Some(&b"ns1.example.test"[..]));
            // A primary answers its SOA EXPIRE.
            assert_eq!(find(&opts, edns::EXPIRE), Some(&3600u32.to_be_bytes()[..]));
            let zv = edns::read_zoneversion(find(&opts, edns::ZONEVERSION).unwrap()).unwrap();
            assert_eq!((zv.labels, zv.kind, zv.serial), (2, 0, Some(7)));
        }
    }
    // Not our zone: REFUSED, with NSID but without zone facts.
    let (rcode, opts) = options_of(&exchange_udp(
        p.addr,
        &query_asking(
            "example.org.",
            Rtype::SOA,
            &[edns::NSID, edns::EXPIRE, edns::ZONEVERSION],
        ),
    ));
    assert_eq!(rcode, Rcode::REFUSED);
    assert_eq!(
        opts.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [edns::NSID]
    );

    // `check --fleet` shows them.
    let out = crate::common::zonesync(&[
        "check",
        "--fleet",
        ZONE,
        "-s",
        &p.addr.to_string(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &report["servers"][0];
    assert_eq!(s["nsid"], "ns1.example.test");
    assert_eq!(s["expire"], 3600);
    assert_eq!(s["zone_version"], 7);
    let out = crate::common::zonesync(&["check", "--fleet", ZONE, "-s", &p.addr.to_string()]);
    let text = crate::common::stdout(&out);
    for needle in [
        "zone version",
        "expire",
        "NSID",
        "3600s",
        "ns1.example.test",
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
}

#[test]
fn a_chain_of_secondaries_expires_no_later_than_its_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pport, aport, bport) = (free_port(), free_port(), free_port());
    let p = Server::start(&config(&dir.path().join("p"), pport, None, ""));
    wait_serial(p.addr, ZONE, 7);
    // The middle bounds its copy to 600 s: the SOA says 3600, which the tail would
    // keep if it did not learn better from the middle's EXPIRE.
    let a = Server::start(&config(
        &dir.path().join("a"),
        aport,
        Some(pport),
        "max-expire: 600s\n",
    ));
    wait_serial(a.addr, ZONE, 7);
    let middle = a.wait_zone(ZONE, |z| z.state == State::Ok && z.expire_at.is_some());
    let b = Server::start(&config(&dir.path().join("b"), bport, Some(aport), ""));
    wait_serial(b.addr, ZONE, 7);
    let tail = b.wait_zone(ZONE, |z| z.state == State::Ok && z.expire_at.is_some());
    let (m, t) = (middle.expire_at.unwrap(), tail.expire_at.unwrap());
    assert!(t <= m, "tail expires at {t}, after the middle at {m}");
    // Far below what its own SOA EXPIRE (3600 s) would give.
    assert!(t < tail.last_refresh.unwrap() + 601, "{tail:?}");

    // Each secondary answers the seconds it has left, counting down; the primary its
    // SOA EXPIRE.
    assert_eq!(expire_of(p.addr, ZONE), 3600);
    let first = expire_of(a.addr, ZONE);
    assert!(first <= 600 && first > 0, "{first}");
    assert!(expire_of(b.addr, ZONE) <= first);
    wait_until("the middle's EXPIRE to count down", || {
        let now = expire_of(a.addr, ZONE);
        if now < first {
            Ok(())
        } else {
            Err(format!("{now}"))
        }
    });

    // A refresh of the tail (its SOA query carries EXPIRE too) keeps it bounded by
    // the middle.
    let mark = b.mark();
    let out = crate::common::zonesync(&[
        "serve",
        "-c",
        &dir.path().join("b/cfg.yaml").display().to_string(),
        "refresh",
        ZONE,
    ]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    b.wait_log_since(mark, &["refresh, up to date"]);
    let middle = a.wait_zone(ZONE, |z| z.state == State::Ok);
    let tail = b.wait_zone(ZONE, |z| z.state == State::Ok);
    assert!(
        tail.expire_at.unwrap() <= middle.expire_at.unwrap(),
        "{tail:?} vs {middle:?}"
    );
}
