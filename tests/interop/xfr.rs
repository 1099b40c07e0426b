//! The transfer client against real primaries and secondaries: knotd, named and nsd on
//! 127.0.0.1 (ports found by binding port 0), compared record for record with what
//! `kdig` fetches; TSIG with every algorithm; IXFR after a zone edit; IXFR over UDP;
//! AXFR-style answers; NOTIFY making secondaries refresh; wrong keys; and our
//! multi-message TSIG signing verified by kdig.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use zonesync::tsig::Key;
use zonesync::xfr::{self, ClientOptions, IxfrOptions, Transfer, Transport, XfrError};
use zonesync::zone::{Name, ParseOptions, Record, parse_bytes};

use crate::peers::{
    ALL_ALGORITHMS, Daemon, PeerKey, Role, ZoneDef, both, run, start_knot, start_named, start_nsd,
    tool, zonesync,
};

//----------- Zones ------------------------------------------------------------------

/// A zone with many record types (and enough hosts to need several messages).
fn rich_zone(origin: &str, serial: u32, hosts: u32) -> String {
    let mut z = format!(
        "$ORIGIN {origin}.\n$TTL 3600\n\
@ IN SOA ns1 hostmaster {serial} 3600 600 86400 300\n\
@ NS ns1\n@ NS ns2.example.net.\nns1 A 192.0.2.53\n\
@ MX 10 mail\n@ MX 20 mail2.example.net.\nmail A 192.0.2.25\n\
www A 192.0.2.1\nwww AAAA 2001:db8::1\nMixedCase 300 A 192.0.2.7\nalias CNAME www\n\
txt TXT \"hello world\" \"semi;colon\" \"quote\\\"d\" \"back\\\\slash\"\n\
spf SPF \"v=spf1 -all\"\n\
_sip._tcp SRV 10 20 5060 sip\nsip A 192.0.2.60\n\
naptr NAPTR 100 10 \"S\" \"SIP+D2T\" \"\" _sip._tcp\n\
ptr PTR www\n\
hinfo HINFO \"PC\" \"Linux\"\n\
caa CAA 0 issue \"letsencrypt.org\"\n\
sshfp SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n\
_443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
sub NS ns.sub\nns.sub A 192.0.2.99\n\
sub DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
dname DNAME example.net.\n\
loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m\n\
rp RP admin.{origin}. txt\n\
afsdb AFSDB 1 afs\nafs A 192.0.2.80\n\
uri URI 10 1 \"https://example.com/\"\n\
unknown TYPE65534 \\# 3 abcdef\n"
    );
    for i in 0..hosts {
        z.push_str(&format!(
            "h{i} A 10.{}.{}.{}\n",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        ));
    }
    z
}

/// The rich zone at `serial` 2: a few records removed, changed and added.
fn rich_zone_v2(origin: &str, hosts: u32) -> String {
    rich_zone(origin, 2, hosts)
        .replace("www A 192.0.2.1\n", "www A 192.0.2.2\n")
        .replace("hinfo HINFO \"PC\" \"Linux\"\n", "")
        + "added TXT \"new in serial 2\"\nadded AAAA 2001:db8::2\n"
}

fn n(s: &str) -> Name {
    s.parse().expect("name")
}

//----------- Helpers ----------------------------------------------------------------

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn addr(d: &Daemon) -> SocketAddr {
    d.addr().parse().expect("addr")
}

fn opts(key: Option<&PeerKey>) -> ClientOptions {
    ClientOptions {
        key: key.map(|k| Key::from_dig_spec(&k.dig_spec()).expect("key")),
        timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// Runs kdig and parses its answer records with zonesync's zone parser.
fn kdig_records(port: u16, args: &[&str], origin: &str) -> Vec<Record> {
    let port = port.to_string();
    let mut all = vec!["@127.0.0.1", "-p", &port, "+noall", "+answer", "+time=5"];
    all.extend_from_slice(args);
    let out = run(&tool("kdig"), &all);
    assert!(out.status.success(), "{}", both(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(";; ERROR"), "{text}");
    let parsed = parse_bytes(
        text.as_bytes(),
        Path::new("kdig"),
        &n(&format!("{origin}.")),
        &ParseOptions::default(),
    );
    assert!(
        parsed
            .findings
            .iter()
            .all(|f| f.severity != zonesync::zone::Severity::Error),
        "kdig output does not parse: {:?}",
        parsed.findings
    );
    parsed.records
}

/// A sortable key of a record (for comparing as multisets).
fn key_of(r: &Record) -> Compared {
    (
        r.owner.to_lowercase().as_wire().to_vec(),
        r.rtype.0,
        r.class.0,
        r.ttl,
        r.rdata.as_wire().to_vec(),
    )
}

/// A record as compared: lower-cased owner, type, class, TTL, RDATA (all wire form).
type Compared = (Vec<u8>, u16, u16, u32, Vec<u8>);

fn sorted(records: &[Record]) -> Vec<Compared> {
    let mut v: Vec<_> = records.iter().map(key_of).collect();
    v.sort();
    v
}

/// AXFR through zonesync's client; the records, closing SOA left out.
fn our_axfr(d: &Daemon, zone: &str, key: Option<&PeerKey>) -> Result<Vec<Record>, XfrError> {
    let out = rt().block_on(xfr::axfr(addr(d), &n(&format!("{zone}.")), &opts(key)))?;
    if key.is_some() {
        assert!(out.tsig_verified);
        assert_eq!(out.stats.signed_messages, out.stats.messages);
    }
    match out.transfer {
        Transfer::Full(r) => Ok(r),
        other => panic!("AXFR gave {other:?}"),
    }
}

/// Checks our AXFR against kdig's, unsigned and with every algorithm.
fn axfr_matches_kdig_with_every_key(d: &Daemon, zone: &str, keys: &[PeerKey]) {
    let mut theirs = kdig_records(d.port, &[zone, "AXFR"], zone);
    assert!(theirs.len() > 2000, "{} records", theirs.len());
    theirs.pop(); // the closing SOA
    let ours = our_axfr(d, zone, None).expect("AXFR");
    assert_eq!(
        sorted(&ours),
        sorted(&theirs),
        "{}: AXFR differs from kdig's",
        d.kind
    );
    for k in keys {
        let ours = our_axfr(d, zone, Some(k))
            .unwrap_or_else(|e| panic!("{} {}: {e}", d.kind, k.algorithm));
        assert_eq!(ours.len(), theirs.len(), "{} {}", d.kind, k.algorithm);
    }
}

/// A wrong secret is NOTAUTH (BADSIG), an unknown key NOTAUTH (BADKEY).
fn wrong_keys_are_named(d: &Daemon, zone: &str, key: &PeerKey) {
    let wrong = PeerKey {
        secret: "d3Jvbmcgc2VjcmV0IGZvciB0aGUga2V5IQ==".into(),
        ..key.clone()
    };
    let e = our_axfr(d, zone, Some(&wrong)).expect_err("wrong secret");
    assert!(
        e.to_string().starts_with("NOTAUTH (BADSIG) from"),
        "{}: {e}",
        d.kind
    );
    let unknown = PeerKey {
        name: "unknown.key".into(),
        ..key.clone()
    };
    let e = our_axfr(d, zone, Some(&unknown)).expect_err("unknown key");
    assert!(
        e.to_string().starts_with("NOTAUTH (BADKEY) from"),
        "{}: {e}",
        d.kind
    );
    // Through the binary: one line, exit 1.
    let out = zonesync(&["axfr", zone, "-s", &d.addr(), "-y", &wrong.dig_spec()]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NOTAUTH (BADSIG)"), "{err}");
}

/// Flattens an incremental transfer into the record sequence of an IXFR answer.
fn flatten(soa: &Record, t: &Transfer) -> Vec<Record> {
    let Transfer::Incremental(cs) = t else {
        panic!("not incremental: {t:?}");
    };
    let mut out = vec![soa.clone()];
    for c in cs {
        out.push(c.from_soa.clone());
        out.extend(c.removed.iter().cloned());
        out.push(c.to_soa.clone());
        out.extend(c.added.iter().cloned());
    }
    out.push(soa.clone());
    out
}

/// IXFR from serial 1 after the primary moved to serial 2: our changesets equal
/// kdig's answer (as a sequence of SOA-framed sections, each compared as a set).
fn ixfr_matches_kdig(d: &Daemon, zone: &str) {
    let theirs = kdig_records(d.port, &[zone, "IXFR=1"], zone);
    let out = rt()
        .block_on(xfr::ixfr(
            addr(d),
            &n(&format!("{zone}.")),
            1,
            &opts(None),
            IxfrOptions::default(),
        ))
        .expect("IXFR");
    assert_eq!(out.transport, Transport::Tcp);
    assert!(out.fallback.is_none());
    let soa = theirs.first().expect("SOA").clone();
    let ours = flatten(&soa, &out.transfer);
    assert_eq!(
        sections(&ours),
        sections(&theirs),
        "{}: IXFR differs from kdig's",
        d.kind
    );
    // Up to date from serial 2.
    let out = rt()
        .block_on(xfr::ixfr(
            addr(d),
            &n(&format!("{zone}.")),
            2,
            &opts(None),
            IxfrOptions::default(),
        ))
        .expect("IXFR");
    assert!(
        matches!(out.transfer, Transfer::UpToDate(_)),
        "{:?}",
        out.transfer
    );
}

/// Splits an IXFR record sequence at each SOA; each section sorted.
fn sections(records: &[Record]) -> Vec<Vec<Compared>> {
    let mut out: Vec<Vec<Record>> = Vec::new();
    for r in records {
        if r.rtype == zonesync::zone::Rtype::SOA {
            out.push(vec![r.clone()]);
        } else if let Some(last) = out.last_mut() {
            last.push(r.clone());
        }
    }
    out.iter().map(|s| sorted(s)).collect()
}

fn keys() -> Vec<PeerKey> {
    ALL_ALGORITHMS
        .iter()
        .map(|a| PeerKey::for_algorithm(a))
        .collect()
}

fn primary(zone: &str, text: String) -> Vec<ZoneDef> {
    vec![ZoneDef {
        name: zone.into(),
        role: Role::Primary(text),
    }]
}

//----------- Tests ------------------------------------------------------------------

#[test]
fn knot_axfr_tsig_and_ixfr() {
    let zone = "knot.example";
    let keys = keys();
    let d = start_knot(&primary(zone, rich_zone(zone, 1, 3000)), &keys);
    axfr_matches_kdig_with_every_key(&d, zone, &keys);
    wrong_keys_are_named(&d, zone, &keys[3]);

    d.update_zone(zone, &rich_zone_v2(zone, 3000), 2);
    ixfr_matches_kdig(&d, zone);
    // Over UDP Knot answers with the SOA alone: retried over TCP, and said so.
    let out = zonesync(&[
        "ixfr",
        zone,
        "-s",
        &d.addr(),
        "--serial",
        "1",
        "--udp",
        "-y",
        &keys[5].dig_spec(),
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("retried over TCP: the UDP answer was a lone SOA"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("; serial 1 -> 2\n"));
}

#[test]
fn named_axfr_tsig_ixfr_and_axfr_style() {
    let zone = "bind.example";
    let keys = keys();
    let d = start_named(&primary(zone, rich_zone(zone, 1, 3000)), &keys, "");
    axfr_matches_kdig_with_every_key(&d, zone, &keys);
    wrong_keys_are_named(&d, zone, &keys[3]);
    d.update_zone(zone, &rich_zone_v2(zone, 3000), 2);
    ixfr_matches_kdig(&d, zone);
    drop(d);

    // A primary that will not serve IXFR to us answers AXFR-style: the whole zone.
    let d = start_named(
        &primary(zone, rich_zone(zone, 1, 100)),
        &[],
        "server 127.0.0.1 { provide-ixfr no; };",
    );
    d.update_zone(zone, &rich_zone_v2(zone, 100), 2);
    let out = zonesync(&[
        "ixfr",
        zone,
        "-s",
        &d.addr(),
        "--serial",
        "1",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["result"], "full", "{v}");
    assert_eq!(v["serial"], 2);
    let mut theirs = kdig_records(d.port, &[zone, "AXFR"], zone);
    theirs.pop();
    assert_eq!(v["records"].as_array().map(|a| a.len()), Some(theirs.len()));
}

#[test]
fn nsd_axfr_tsig_and_ixfr_over_udp() {
    let zone = "nsd.example";
    let keys = keys();
    let d = start_nsd(&primary(zone, rich_zone(zone, 1, 3000)), &keys);
    axfr_matches_kdig_with_every_key(&d, zone, &keys);
    wrong_keys_are_named(&d, zone, &keys[3]);
    // A small change, so that the IXFR fits in one UDP answer.
    let v2 = rich_zone(zone, 2, 3000).replace("www A 192.0.2.1\n", "www A 192.0.2.2\n");
    d.update_zone(zone, &v2, 2);
    let ixo = IxfrOptions {
        udp: true,
        fallback: false,
    };
    let out = rt()
        .block_on(xfr::ixfr(
            addr(&d),
            &n(&format!("{zone}.")),
            1,
            &opts(Some(&keys[3])),
            ixo,
        ))
        .expect("IXFR over UDP");
    assert_eq!(out.transport, Transport::Udp, "{:?}", out.tcp_retry);
    let theirs = kdig_records(d.port, &[zone, "IXFR=1", "+notcp"], zone);
    let soa = theirs.first().expect("SOA").clone();
    assert_eq!(sections(&flatten(&soa, &out.transfer)), sections(&theirs));
}

#[test]
fn notify_makes_knot_and_named_secondaries_refresh() {
    let zone = "notify.example";
    let p = start_knot(&primary(zone, rich_zone(zone, 1, 10)), &[]);
    let secondary = vec![ZoneDef {
        name: zone.into(),
        role: Role::Secondary(p.port),
    }];
    let s1 = start_knot(&secondary, &[]);
    let s2 = start_named(&secondary, &[], "");
    s1.wait_serial(zone, 1);
    s2.wait_serial(zone, 1);
    // The primary moves on without notifying anyone (no `notify:` configured).
    p.update_zone(zone, &rich_zone_v2(zone, 10), 2);
    let out = zonesync(&[
        "notify",
        zone,
        "-s",
        &s1.addr(),
        "-s",
        &s2.addr(),
        "--serial",
        "2",
        "--timeout",
        "1s",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(table.matches("NOERROR").count(), 2, "{table}");
    // Both refresh (their SOA refresh timer is an hour away: only NOTIFY explains it).
    s1.wait_serial(zone, 2);
    s2.wait_serial(zone, 2);
}

/// Serves one signed AXFR of three messages (the middle one unsigned) with
/// zonesync's multi-message signer; kdig and dig must verify it.
fn serve_signed_axfr(key: Key, tamper: bool) -> SocketAddr {
    use std::io::{Read, Write};
    use zonesync::tsig::sign::{RequestTsig, VerifyPolicy, now, verify_request};
    use zonesync::wire::{FLAG_AA, FLAG_QR, Header, MessageBuilder, Section};
    use zonesync::zone::{Class, Rdata, Rtype};
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let zone = n("signed.example.");
    let mut soa_rd = Vec::new();
    soa_rd.extend_from_slice(n("ns.signed.example.").as_wire());
    soa_rd.extend_from_slice(n("hostmaster.signed.example.").as_wire());
    for v in [7u32, 3600, 600, 86400, 300] {
        soa_rd.extend_from_slice(&v.to_be_bytes());
    }
    let soa = Record::new(
        zone.clone(),
        Class::IN,
        Rtype::SOA,
        3600,
        Rdata::from_wire(soa_rd),
    );
    std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok((mut s, _)) = l.accept() else { return };
            let mut len = [0u8; 2];
            if s.read_exact(&mut len).is_err() {
                continue;
            }
            let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
            if s.read_exact(&mut q).is_err() {
                continue;
            }
            let RequestTsig::Signed(mut signer) =
                verify_request(&q, |_, _| Some(key.clone()), now(), VerifyPolicy::default())
            else {
                continue;
            };
            let id = u16::from_be_bytes([q[0], q[1]]);
            for part in 0..3u32 {
                let mut b = MessageBuilder::new(
                    Header {
                        id,
                        flags: FLAG_QR | FLAG_AA,
                        ..Default::default()
                    },
                    65535,
                );
                b.question(&zone, Rtype::AXFR, Class::IN).expect("question");
                if part == 0 {
                    b.push(Section::Answer, &soa).expect("soa");
                }
                for i in 0..200u32 {
                    let owner = n(&format!("h{part}-{i}.signed.example."));
                    let rd = Rdata::from_wire(vec![10, part as u8, (i >> 8) as u8, i as u8]);
                    b.push(
                        Section::Answer,
                        &Record::new(owner, Class::IN, Rtype::A, 60, rd),
                    )
                    .expect("record");
                }
                if part == 2 {
                    b.push(Section::Answer, &soa).expect("soa");
                }
                let mut m = b.finish();
                if part == 1 {
                    signer.pass_unsigned(&m);
                } else {
                    signer.sign(&mut m, now());
                }
                if tamper && part == 2 {
                    // Change an A record after signing: the MAC no longer covers it.
                    let at = m.len() / 2;
                    m[at] ^= 0x01;
                }
                let mut framed = (m.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&m);
                if s.write_all(&framed).is_err() {
                    break;
                }
            }
        }
    });
    addr
}

#[test]
fn kdig_and_dig_verify_our_multi_message_signatures() {
    for alg in ["hmac-sha256", "hmac-md5", "hmac-sha512"] {
        let k = PeerKey::for_algorithm(alg);
        let key = Key::from_dig_spec(&k.dig_spec()).expect("key");
        let server = serve_signed_axfr(key.clone(), false);
        let port = server.port().to_string();
        let spec = k.dig_spec();
        let out = run(
            &tool("kdig"),
            &[
                "@127.0.0.1",
                "-p",
                &port,
                "-y",
                &spec,
                "signed.example",
                "AXFR",
                "+noall",
                "+answer",
            ],
        );
        let text = both(&out);
        assert!(out.status.success(), "kdig {alg}: {text}");
        assert!(
            !text.contains("WARNING") && !text.contains("ERROR"),
            "kdig {alg}: {text}"
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).lines().count(),
            602,
            "kdig {alg}: {text}"
        );
        let out = run(
            &tool("dig"),
            &[
                "@127.0.0.1",
                "-p",
                &port,
                "-y",
                &spec,
                "signed.example",
                "AXFR",
                "+noall",
                "+answer",
            ],
        );
        let text = both(&out);
        assert!(out.status.success(), "dig {alg}: {text}");
        assert!(!text.to_lowercase().contains("failed"), "dig {alg}: {text}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).lines().count(),
            602,
            "dig {alg}: {text}"
        );
    }
}
