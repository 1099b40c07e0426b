//! EDNS options against independent clients and a real primary: `dig +expire` and
//! `dig +nsid` (BIND's dig), a dnspython query for ZONEVERSION (RFC 9660) and EXPIRE
//! (RFC 7314), and a knotd primary → zonesync → zonesync chain whose tail expires no
//! later than the zonesync secondary that faces knotd.
//!
//! dnspython before 2.7 has no ZONEVERSION type: the snippet asks with a generic
//! option of code 19 and reads the reply's option octets itself, which works with
//! every version.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::peers::{
    Daemon, Role, ZoneDef, both, free_port, poll, run, start_knot, start_zonesync_config, tool,
    zonesync_status,
};

const ZONE: &str = "edns.test";

/// The zone with SOA EXPIRE 3600, at `serial`.
fn zone_text(serial: u32) -> String {
    format!(
        "$ORIGIN {ZONE}.\n$TTL 300\n@ SOA ns1 hostmaster {serial} 3600 600 3600 60\n\
         @ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.2\n"
    )
}

/// A zonesync secondary of [`ZONE`] on `port` whose primary is 127.0.0.1:`primary`,
/// transfers open to loopback; `top` goes at the top level.
fn secondary_yaml(port: u16, primary: u16, top: &str) -> String {
    format!(
        "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\n\
         min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n{top}\
         zones:\n  - name: {ZONE}\n    primaries: [ {{ address: \"127.0.0.1:{primary}\" }} ]\n\
         \x20   allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n"
    )
}

/// A zonesync primary of [`ZONE`] (zone file in `files`) with `nsid`.
fn primary(files: &Path, nsid: &str) -> Daemon {
    let file = files.join("edns.test.zone");
    std::fs::write(&file, zone_text(42)).expect("zone file");
    let port = free_port();
    let yaml = format!(
        "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nnsid: {nsid}\n\
         zones:\n  - name: {ZONE}\n    file: {}\n    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n",
        file.display()
    );
    start_zonesync_config(port, &yaml, &[ZONE])
}

/// `dig @127.0.0.1 -p PORT ZONE SOA` with `flags`; its output.
fn dig(port: u16, flags: &[&str]) -> String {
    let p = port.to_string();
    let mut args = vec!["@127.0.0.1", "-p", &p, ZONE, "SOA", "+time=2", "+tries=1"];
    args.extend_from_slice(flags);
    let out = run(&tool("dig"), &args);
    both(&out)
}

/// The EXPIRE `dig +expire` shows (`; EXPIRE: 3600 (1 hour)`).
fn dig_expire(port: u16) -> Option<u32> {
    let text = dig(port, &["+expire"]);
    let at = text.find("EXPIRE: ")? + "EXPIRE: ".len();
    text[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Debian's python3 (where `python3-dnspython` lives), else whatever `python3` is.
fn python() -> PathBuf {
    let debian = PathBuf::from("/usr/bin/python3");
    if debian.exists() {
        debian
    } else {
        PathBuf::from("python3")
    }
}

/// What dnspython reads from an SOA query with ZONEVERSION, EXPIRE and NSID:
/// `labels type serial expire nsid` on one line.
const DNSPYTHON: &str = r#"
import sys, struct
import dns.edns, dns.message, dns.query
port, zone = int(sys.argv[1]), sys.argv[2]
ask = [dns.edns.GenericOption(19, b""), dns.edns.GenericOption(9, b""),
       dns.edns.GenericOption(3, b"")]
q = dns.message.make_query(zone, "SOA", use_edns=0, options=ask)
r = dns.query.udp(q, "127.0.0.1", port=port, timeout=3)
got = {int(o.otype): o.to_wire() for o in r.options}
zv = got[19]
labels, kind = zv[0], zv[1]
serial = struct.unpack("!I", zv[2:6])[0]
expire = struct.unpack("!I", got[9])[0]
print(labels, kind, serial, expire, got[3].decode())
"#;

fn dnspython(port: u16) -> String {
    let out = std::process::Command::new(python())
        .args(["-c", DNSPYTHON, &port.to_string(), ZONE])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "dnspython: {}", both(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn dig_and_dnspython_read_expire_nsid_and_zoneversion() {
    let files = tempfile::tempdir().expect("tempdir");
    let p = primary(files.path(), "ns1.edns.test");

    // dig +nsid: the identifier as configured.
    let text = dig(p.port, &["+nsid"]);
    assert!(text.contains("(\"ns1.edns.test\")"), "{text}");
    // dig +expire from the primary: its SOA EXPIRE.
    assert_eq!(
        dig_expire(p.port),
        Some(3600),
        "{}",
        dig(p.port, &["+expire"])
    );
    // Neither asked: neither answered.
    let text = dig(p.port, &[]);
    assert!(!text.contains("EXPIRE") && !text.contains("NSID"), "{text}");

    // dnspython: ZONEVERSION (2 labels, type 0, the serial), EXPIRE and NSID.
    assert_eq!(dnspython(p.port), "2 0 42 3600 ns1.edns.test");

    // A zonesync secondary: EXPIRE counts down from what it has left.
    let sport = free_port();
    let s = start_zonesync_config(
        sport,
        &secondary_yaml(sport, p.port, "nsid: 0x6e7332\n"),
        &[ZONE],
    );
    let first = dig_expire(s.port).expect("an EXPIRE from the secondary");
    assert!(first < 3600 && first > 3500, "{first}");
    assert!(
        poll(Duration::from_secs(5), || dig_expire(s.port)
            .is_some_and(|e| e < first)),
        "the secondary's EXPIRE did not count down from {first}"
    );
    let line = dnspython(s.port);
    assert!(
        line.starts_with("2 0 42 ") && line.ends_with(" ns2"),
        "{line}"
    );
}

#[test]
fn a_chain_from_knotd_expires_no_later_than_its_head() {
    let knot = start_knot(
        &[ZoneDef {
            name: ZONE.into(),
            role: Role::Primary(zone_text(7)),
        }],
        &[],
    );
    // Knot (3.2 and later) answers EXPIRE as a primary: its SOA EXPIRE.
    assert_eq!(
        dig_expire(knot.port),
        Some(3600),
        "{}",
        dig(knot.port, &["+expire"])
    );

    // The knotd-facing secondary bounds its copy to 600 s; the tail would keep the
    // SOA's 3600 s if it did not learn better from the middle's EXPIRE.
    let (aport, bport) = (free_port(), free_port());
    let a = start_zonesync_config(
        aport,
        &secondary_yaml(aport, knot.port, "max-expire: 600s\n"),
        &[ZONE],
    );
    let b = start_zonesync_config(bport, &secondary_yaml(bport, aport, ""), &[ZONE]);
    let expire_at = |d: &Daemon| {
        zonesync_status(&d.config, ZONE)
            .filter(|z| z["state"] == "ok")
            .and_then(|z| Some((z["expire_at"].as_u64()?, z["last_refresh"].as_u64()?)))
    };
    let mut seen = (None, None);
    assert!(
        poll(Duration::from_secs(10), || {
            seen = (expire_at(&a), expire_at(&b));
            seen.0.is_some() && seen.1.is_some()
        }),
        "both secondaries loaded: {seen:?}"
    );
    let ((middle, _), (tail, tail_refreshed)) = (seen.0.unwrap(), seen.1.unwrap());
    assert!(
        tail <= middle,
        "tail expires at {tail}, after the middle at {middle}"
    );
    assert!(
        tail <= tail_refreshed + 600,
        "tail {tail}, refreshed {tail_refreshed}"
    );
    // The middle answers what it has left, at most its bound; the tail no more.
    let m = dig_expire(aport).expect("EXPIRE from the middle");
    assert!(m <= 600, "{m}");
    assert!(dig_expire(bport).expect("EXPIRE from the tail") <= m);
}
