//! RFC 9432 §5.3 member zone reset with real catalog producers, on 127.0.0.1 only: a
//! zonesync super slave consumes a catalog served by named, and in a second test by
//! knotd, and the producer resets member `m.example.` by giving it a new unique-id.
//!
//! Each producer serves the catalog as an ordinary primary zone whose records happen
//! to form a catalog (named does not know it is one; knotd has `catalog-role: none`),
//! written by hand, as BIND's and Knot's own member-reset tests do: a generated
//! catalog picks its unique-ids itself. Both zones NOTIFY zonesync, signed with the
//! transfer key.
//!
//! The reset is visible only as a reset: the member's content changes while its
//! serial stays 1 (the producer reloads the rewritten file: `rndc reload`, `knotc
//! zone-reload` with `zonefile-load: whole`), so a plain SOA check finds it current.
//! Only a consumer that drops the member and transfers it afresh serves the new TXT.
//!
//! # Standards
//!
//! RFC 9432 §5.3 (Zone Associated State Reset): a producer resets the state associated
//! with a member zone by changing the member's unique-id in the catalog; a consumer
//! treats the member under its new unique-id as a new member zone, dropping the state
//! (zone data included) it held for the old one.
//!
//! Servers are started with their own config in temp folders, on ports found by
//! binding port 0, waited on by polling DNS or zonesync's `status` (bounded), and
//! stopped by PID ([`Proc`]).

use std::process::Command;

use crate::catalog::{KEY, Proc, SECRET, WAIT, write, zone_text, zonesync, zonesync_command};
use crate::peers::{both, free_port, poll, run, short, soa_serial, tool, zonesync_status};

/// The catalog the producers serve.
const CATALOG: &str = "catalog.example";
/// The member that is reset.
const MEMBER: &str = "m.example";
/// The record added to the member without a serial change, and its data.
const ADDED: &str = "reset.m.example";
const ADDED_TXT: &str = "\"added without a serial change\"";

//----------- Zones ------------------------------------------------------------------

/// The catalog at `serial`, listing [`MEMBER`] under unique-id `id` (RFC 9432 §4.3).
fn catalog_text(serial: u32, id: &str) -> String {
    format!(
        "$ORIGIN {CATALOG}.\n$TTL 0\n\
         @ SOA invalid. invalid. {serial} 3600 600 86400 0\n\
         @ NS invalid.\n\
         version TXT \"2\"\n\
         {id}.zones PTR {MEMBER}.\n"
    )
}

/// The member, always at serial 1; with the added TXT when `added`.
fn member_text(added: bool) -> String {
    let mut text = zone_text(MEMBER, 1);
    if added {
        text.push_str(&format!("{ADDED}. TXT {ADDED_TXT}\n"));
    }
    text
}

//----------- Producers --------------------------------------------------------------

/// Which catalog producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Producer {
    Named,
    Knot,
}

/// Starts `producer` on `port` as the primary of [`CATALOG`] (serial 1, unique-id
/// `old`) and [`MEMBER`], transfers allowed with the key, NOTIFY signed with it to
/// 127.0.0.1:`slave` for both zones.
fn start_producer(producer: Producer, port: u16, slave: u16) -> Proc {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    write(
        &dir.path().join(format!("{CATALOG}.zone")),
        &catalog_text(1, "old"),
    );
    write(
        &dir.path().join(format!("{MEMBER}.zone")),
        &member_text(false),
    );
    let p = match producer {
        Producer::Named => {
            let rndc_port = free_port();
            let rndc_key = "cm5kYy1rZXktZm9yLXRoZS1jYXRhbG9nLXJlc2V0LXRlc3Q=";
            // `ixfr-from-differences` for the catalog only: the member's same-serial
            // rewrite would make no sense as a difference.
            let cfg = format!(
                "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
                 recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
                 managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  \
                 notify explicit;\n  notify-delay 0;\n  also-notify {{ 127.0.0.1 port {slave} key \"{KEY}\"; }};\n  \
                 allow-transfer {{ key \"{KEY}\"; }};\n}};\n\
                 key \"{KEY}\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};\n\
                 key \"rndc-key\" {{ algorithm hmac-sha256; secret \"{rndc_key}\"; }};\n\
                 controls {{ inet 127.0.0.1 port {rndc_port} allow {{ 127.0.0.1; }} keys {{ \"rndc-key\"; }}; }};\n\
                 zone \"{CATALOG}\" {{ type primary; file \"{d}/{CATALOG}.zone\"; ixfr-from-differences yes; }};\n\
                 zone \"{MEMBER}\" {{ type primary; file \"{d}/{MEMBER}.zone\"; }};\n"
            );
            let rndc = format!(
                "key \"rndc-key\" {{ algorithm hmac-sha256; secret \"{rndc_key}\"; }};\n\
                 options {{ default-key \"rndc-key\"; default-server 127.0.0.1; default-port {rndc_port}; }};\n"
            );
            std::fs::write(dir.path().join("named.conf"), cfg).expect("config");
            std::fs::write(dir.path().join("rndc.conf"), rndc).expect("rndc config");
            let mut cmd = Command::new(tool("named"));
            cmd.args(["-g", "-n", "1", "-c"])
                .arg(dir.path().join("named.conf"));
            Proc::start("named", cmd, port, dir)
        }
        Producer::Knot => {
            // The member is loaded whole, without a journal: knotd then serves a
            // rewritten file under the same serial (with `difference` it would not).
            let cfg = format!(
                "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
                 database:\n  storage: {d}/db\n\
                 log:\n  - target: stderr\n    any: info\n\
                 key:\n  - id: {KEY}\n    algorithm: hmac-sha256\n    secret: {SECRET}\n\
                 remote:\n  - id: zonesync\n    address: 127.0.0.1@{slave}\n    key: {KEY}\n\
                 acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    key: {KEY}\n    action: transfer\n\
                 template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    \
                 journal-content: changes\n    semantic-checks: off\n    notify: zonesync\n    acl: xfr\n\
                 zone:\n  - domain: {CATALOG}\n    file: {d}/{CATALOG}.zone\n    catalog-role: none\n\
                 \x20 - domain: {MEMBER}\n    file: {d}/{MEMBER}.zone\n    zonefile-load: whole\n    journal-content: none\n"
            );
            std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
            std::fs::write(dir.path().join("knot.conf"), cfg).expect("config");
            let mut cmd = Command::new(tool("knotd"));
            cmd.arg("-c").arg(dir.path().join("knot.conf"));
            Proc::start("knotd", cmd, port, dir)
        }
    };
    p.wait_serial(CATALOG, 1);
    p.wait_serial(MEMBER, 1);
    p
}

/// Makes the producer load the rewritten file of `zone`: `rndc reload ZONE` (named),
/// `knotc zone-reload ZONE` (knotd).
fn reload(p: &Proc, zone: &str) {
    let out = match p.kind {
        "named" => {
            let conf = p.path("rndc.conf").display().to_string();
            run(&tool("rndc"), &["-c", &conf, "reload", zone])
        }
        "knotd" => {
            let conf = p.path("knot.conf").display().to_string();
            run(&tool("knotc"), &["-c", &conf, "zone-reload", zone])
        }
        other => panic!("no reload for {other}"),
    };
    assert!(
        out.status.success(),
        "{} reload {zone}: {}",
        p.kind,
        both(&out)
    );
}

/// Rewrites the member with the added TXT, serial unchanged, and waits (bounded) until
/// the producer serves it. The reload is asked again on each poll: named skips a file
/// whose modification time has not moved past its last load, which a rewrite in the
/// same clock tick would not.
fn add_txt_without_serial_change(p: &Proc) {
    write(&p.path(&format!("{MEMBER}.zone")), &member_text(true));
    let served = poll(WAIT, || {
        reload(p, MEMBER);
        short(p.port, ADDED, "TXT") == ADDED_TXT
    });
    assert!(
        served,
        "{} does not serve the TXT added to {MEMBER} under the same serial; log:\n{}",
        p.kind,
        p.log()
    );
    assert_eq!(
        soa_serial(p.port, MEMBER),
        Some(1),
        "the member's serial must not change"
    );
}

//----------- zonesync ---------------------------------------------------------------

/// A zonesync super slave on `port` of the catalog at 127.0.0.1:`master`; member
/// refresh timers of an hour, so that only NOTIFY (and the reset) moves them.
fn super_slave(port: u16, master: u16) -> Proc {
    zonesync(
        port,
        tempfile::tempdir().expect("tempdir"),
        &format!(
            "super-masters:\n  - {{ address: \"127.0.0.1:{master}\", key: {KEY}, catalog: {CATALOG}. }}\n\
             min-refresh: 1h\nmin-retry: 1s\nmax-retry: 2s\n"
        ),
    )
}

/// The serial zonesync's `status` reports for `zone`.
fn status_serial(slave: &Proc, zone: &str) -> Option<u64> {
    zonesync_status(&slave.path("zonesync.yaml"), zone)?["serial"].as_u64()
}

//----------- Tests ------------------------------------------------------------------

/// The member reset against `producer`: the member's content changes under the same
/// serial, its unique-id changes in the next catalog version; zonesync must serve the
/// new content, and still after a restart.
fn member_reset(producer: Producer) {
    let (pp, sp) = (free_port(), free_port());
    let peer = start_producer(producer, pp, sp);
    let mut slave = super_slave(sp, pp);

    // The catalog is consumed: the member is served, without the TXT.
    slave.wait_serial(MEMBER, 1);
    slave.wait(&format!("{CATALOG} at serial 1 in status"), || {
        status_serial(&slave, CATALOG) == Some(1)
    });
    assert_eq!(short(sp, ADDED, "TXT"), "");

    // The producer: new content under serial 1 first (its NOTIFY finds zonesync
    // current), then the catalog lists the member under a new unique-id.
    add_txt_without_serial_change(&peer);
    write(
        &peer.path(&format!("{CATALOG}.zone")),
        &catalog_text(2, "new"),
    );
    reload(&peer, CATALOG);
    peer.wait_serial(CATALOG, 2);

    // zonesync takes the new catalog (NOTIFY, then a transfer) …
    slave.wait(&format!("{CATALOG} at serial 2 in status"), || {
        status_serial(&slave, CATALOG) == Some(2)
    });
    // … and resets the member: the TXT is only on a fresh transfer.
    slave.wait(
        &format!(
            "{ADDED} TXT after the reset of {MEMBER} (unique-id old -> new, member serial \
             still 1: RFC 9432 §5.3 says purge and transfer afresh)"
        ),
        || short(sp, ADDED, "TXT") == ADDED_TXT,
    );
    assert_eq!(status_serial(&slave, MEMBER), Some(1));

    // The reset survives a restart: the fresh copy is what the store holds.
    slave.restart(zonesync_command(&slave.path("zonesync.yaml")));
    slave.wait_serial(MEMBER, 1);
    slave.wait(&format!("{ADDED} TXT after a restart"), || {
        short(sp, ADDED, "TXT") == ADDED_TXT
    });
    slave.wait(&format!("{CATALOG} at serial 2 after a restart"), || {
        status_serial(&slave, CATALOG) == Some(2)
    });
}

#[test]
fn named_catalog_member_reset_retransfers_the_member() {
    member_reset(Producer::Named);
}

#[test]
fn knot_catalog_member_reset_retransfers_the_member() {
    member_reset(Producer::Knot);
}
