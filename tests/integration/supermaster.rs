//! Super master / super slave: two real `zonesync serve` processes
//! on loopback. The super master serves `zones-dir` and publishes its catalog; the
//! super slave consumes the catalog and provisions, updates and deletes the member
//! zones. Every wait polls a condition under a deadline: an SOA answer, a catalog's
//! members, the servers' `status` (serials, states, which zones exist), or a log line
//! where only the log has the fact (how a zone was created or transferred, a refusal
//! or warning under test). "Nothing happens" is checked over a window
//! ([`holds_for`]), never by sleeping. Every server is stopped by PID.
//!
//! Outgoing queries, transfers and NOTIFYs leave from 127.0.0.1 whatever address the
//! server listens on (the kernel's source for 127/8), so both servers listen on
//! 127.0.0.1 with their own ports; "another address" is a test socket bound to
//! 127.0.0.5.
//!
//! Zones name no in-zone NS addresses (NOTIFY would go to port 53); the super master
//! notifies its super slaves by `super-slaves.servers`.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use zonesync::sync::status::State;

use zonesync::tsig::key::Key;
use zonesync::tsig::sign::{ClientTsig, now};
use zonesync::wire::{Header, Rcode};
use zonesync::zone::Rtype;

use crate::common::{
    Answer, Server, WAIT, ask, free_port, holds_for, name, serial, stderr, stdout, wait_rcode,
    wait_serial, wait_until, zone_status, zonesync,
};

const KEY: &str = "xfr-key";
const SECRET: &str = "em9uZXN5bmMtaW50ZWdyYXRpb24tdGVzdC1rZXktMzI=";
const WRONG_SECRET: &str = "YW5vdGhlci1zZWNyZXQtZW50aXJlbHktd3JvbmctMzI=";
const CATALOG: &str = "catalog.invalid.";

//----------- Test environment -------------------------------------------------------

/// A temp folder for one server: its config, `zones/` and state.
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

    /// Replaces a file atomically (write + rename), its mtime moved forward so the
    /// server's change check (mtime and size) sees every write.
    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let old = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        // A name zones-dir ignores (not `*.zone`) while it is being written.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        let f = std::fs::File::options().write(true).open(&tmp).unwrap();
        let mtime = f.metadata().unwrap().modified().unwrap();
        if let Some(old) = old
            && mtime <= old
        {
            f.set_modified(old + Duration::from_millis(10)).unwrap();
        }
        drop(f);
        std::fs::rename(&tmp, &path).unwrap();
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).unwrap();
    }

    /// Writes a zone file `zones/<zone>.zone`.
    fn zone(&self, zone: &str, serial: u32, body: &str) {
        self.write(
            &format!("zones/{zone}.zone"),
            &zone_text(zone, serial, body),
        );
    }

    /// Writes `config.yaml`: `listen`, state in `state/`, the test key (with
    /// `secret`), then `rest`.
    fn config(&self, listen: &str, secret: &str, rest: &str) -> PathBuf {
        let text = format!(
            "listen: [\"{listen}\"]\n\
             state-dir: state\n\
             keys:\n  - {{ name: {KEY}, algorithm: hmac-sha256, secret: \"{secret}\" }}\n\
             {rest}"
        );
        self.write("config.yaml", &text);
        self.path("config.yaml")
    }

    fn start(&self) -> Server {
        Server::start(&self.path("config.yaml"))
    }
}

/// A zone `origin` with an SOA (REFRESH 3600), an NS outside the zone, and `body`.
fn zone_text(origin: &str, serial: u32, body: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n$TTL 300\n\
         @ SOA ns1.example.net. hostmaster.example.net. {serial} 3600 600 86400 300\n\
         @ NS ns1.example.net.\n\
         {body}"
    )
}

/// A super master: `zones-dir: zones`, files checked every `interval`, super slaves
/// `slaves` with the key (and `allow-unsigned`), then `rest`.
fn master_config(env: &Env, slaves: &[SocketAddr], interval: &str, unsigned: bool, rest: &str) {
    let servers: Vec<String> = slaves.iter().map(|s| format!("\"{s}\"")).collect();
    std::fs::create_dir_all(env.path("zones")).unwrap();
    env.config(
        "127.0.0.1:0",
        SECRET,
        &format!(
            "file-check-interval: {interval}\n\
             zones-dir: zones\n\
             super-slaves:\n  servers: [{}]\n  key: {KEY}\n  allow-unsigned: {unsigned}\n  catalog: {CATALOG}\n\
             {rest}",
            servers.join(", ")
        ),
    );
}

/// The super slaves' `unlisted-grace` unless a test needs another.
const GRACE: &str = "2s";

/// A super slave on `port` of `master`, with the key (`secret`), `max-deletions`,
/// `unlisted-grace` `grace`, retries within a second, then `rest`.
fn slave_config(env: &Env, port: u16, master: SocketAddr, secret: &str, grace: &str, rest: &str) {
    env.config(
        &format!("127.0.0.1:{port}"),
        secret,
        &format!(
            "super-masters:\n  - {{ address: \"{master}\", key: {KEY}, catalog: {CATALOG}, max-deletions: 2, unlisted-grace: {grace} }}\n\
             min-retry: 1s\nmax-retry: 1s\n\
             {rest}"
        ),
    );
}

/// A super master with `zones` (serial 1) and its super slave, both running, the
/// slave serving every zone.
struct Pair {
    master_env: Env,
    slave_env: Env,
    master: Server,
    slave: Server,
}

impl Pair {
    /// `slave_rest` goes into the slave's config; the master checks files every
    /// 200 ms.
    fn start(zones: &[&str], slave_rest: &str) -> Pair {
        Pair::start_with_grace(zones, GRACE, slave_rest)
    }

    /// Like [`Pair::start`], the slave's `unlisted-grace` `grace`.
    fn start_with_grace(zones: &[&str], grace: &str, slave_rest: &str) -> Pair {
        let (master_env, slave_env) = (Env::new(), Env::new());
        let port = free_port();
        let slave_addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        master_config(&master_env, &[slave_addr], "200ms", false, "");
        for z in zones {
            master_env.zone(z, 1, "www A 192.0.2.1\n");
        }
        let master = master_env.start();
        slave_config(&slave_env, port, master.addr, SECRET, grace, slave_rest);
        let slave = slave_env.start();
        for z in zones {
            wait_serial(slave.addr, z, 1);
        }
        let want: Vec<String> = zones.iter().map(|z| format!("{z}.")).collect();
        let cat = wait_catalog(master.addr, &want);
        wait_serial(slave.addr, CATALOG, cat);
        Pair {
            master_env,
            slave_env,
            master,
            slave,
        }
    }

    /// Stops the super slave (SIGTERM, exit 0) and starts it again on the same
    /// config and state; returns the master's log mark taken while it was down.
    fn restart_slave(self) -> (Pair, usize) {
        let Pair {
            master_env,
            slave_env,
            master,
            slave,
        } = self;
        assert_eq!(slave.stop(), Some(0));
        let mark = master.mark();
        let slave = slave_env.start();
        let pair = Pair {
            master_env,
            slave_env,
            master,
            slave,
        };
        (pair, mark)
    }
}

/// The member zones the catalog of `server` lists (AXFR with the key).
fn catalog_members(server: SocketAddr) -> Vec<String> {
    try_catalog_members(server).unwrap_or_else(|e| panic!("{e}"))
}

/// Like [`catalog_members`]; `Err` with zonesync's complaint when the AXFR fails.
fn try_catalog_members(server: SocketAddr) -> Result<Vec<String>, String> {
    let out = zonesync(&[
        "axfr",
        CATALOG,
        "-s",
        &server.to_string(),
        "-y",
        &format!("{KEY}:{SECRET}"),
    ]);
    if !out.status.success() {
        return Err(stderr(&out));
    }
    let mut members: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.split_whitespace().nth(3) == Some("PTR"))
        .filter_map(|l| l.split_whitespace().nth(4).map(str::to_string))
        .collect();
    members.sort();
    Ok(members)
}

/// Waits until the catalog of `server` lists exactly `members` (sorted, with the
/// trailing dot); returns its serial.
fn wait_catalog(server: SocketAddr, members: &[String]) -> u32 {
    let mut want = members.to_vec();
    want.sort();
    wait_until(&format!("the catalog at {server} listing {want:?}"), || {
        let m = try_catalog_members(server)?;
        if m != want {
            return Err(format!("{m:?}"));
        }
        serial(server, CATALOG)
    })
}

/// Sends NOTIFY for `zone` to `server` from `local` (an address of 127/8), signed
/// with `key` when given; the answer's RCODE.
fn notify_from(local: &str, server: SocketAddr, zone: &str, key: Option<&Key>) -> Rcode {
    let sock = UdpSocket::bind((local, 0)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let id = zonesync::wire::random_id();
    let mut msg = zonesync::notify::build_notify(id, &name(zone), None);
    if let Some(k) = key {
        ClientTsig::sign_request(k, &mut msg, now());
    }
    let mut buf = vec![0u8; 4096];
    for _ in 0..3 {
        sock.send_to(&msg, server).unwrap();
        if let Ok((len, from)) = sock.recv_from(&mut buf)
            && from == server
            && len >= 12
            && buf[..2] == id.to_be_bytes()
        {
            return Header::parse(&buf[..len]).unwrap().rcode();
        }
    }
    panic!("no answer to NOTIFY from {server}");
}

fn key(secret: &str) -> Key {
    Key::from_parts(KEY, "hmac-sha256", secret).unwrap()
}

/// The lines of `log` after `mark` that contain every one of `needles`.
fn lines_with(log: &str, mark: usize, needles: &[&str]) -> Vec<String> {
    log.get(mark..)
        .unwrap_or("")
        .lines()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .map(str::to_string)
        .collect()
}

/// The A addresses answered for `qname`.
fn a_records(server: SocketAddr, qname: &str) -> Vec<[u8; 4]> {
    let a = ask(server, qname, Rtype::A);
    assert_eq!(a.rcode, Rcode::NOERROR, "{qname}: {a:?}");
    a.answer
        .iter()
        .filter(|r| r.rtype == Rtype::A)
        .filter_map(|r| r.rdata.as_wire().try_into().ok())
        .collect()
}

/// A TCP connection from a chosen loopback address (for address ACLs).
fn tcp_from(local: &str, server: SocketAddr) -> std::net::TcpStream {
    let local: SocketAddr = format!("{local}:0").parse().unwrap();
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&local.into()).unwrap();
    s.connect_timeout(&server.into(), Duration::from_secs(2))
        .unwrap();
    let s: std::net::TcpStream = s.into();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

/// The RCODE of the first answer to an unsigned AXFR of `zone` sent from `local`.
fn axfr_rcode_from(local: &str, server: SocketAddr, zone: &str) -> Rcode {
    let mut s = tcp_from(local, server);
    let q = crate::common::query(zonesync::wire::random_id(), zone, Rtype::AXFR, None);
    crate::common::write_frame(&mut s, &q);
    let answer = crate::common::read_frame(&mut s).expect("an AXFR answer");
    Answer::parse(answer).rcode
}

/// `zonesync axfr ZONE -s SERVER [-y KEY:SECRET]`: its exit code and stderr.
fn axfr(server: SocketAddr, zone: &str, secret: Option<&str>) -> (Option<i32>, String) {
    let s = server.to_string();
    let y = secret.map(|s| format!("{KEY}:{s}"));
    let mut args = vec!["axfr", zone, "-s", &s];
    if let Some(y) = &y {
        args.extend(["-y", y]);
    }
    let out = zonesync(&args);
    (out.status.code(), stderr(&out))
}

//----------- 1. Provisioning, updates, deletion -------------------------------------

#[test]
fn zones_dir_changes_reach_the_super_slave() {
    let p = Pair::start(&["one.test"], "");

    // A new file: NOTIFY creates the zone on the slave at once; the catalog lists it.
    let mark = p.slave.mark();
    p.master_env.zone("two.test", 1, "www A 192.0.2.2\n");
    wait_serial(p.slave.addr, "two.test", 1);
    // By the NOTIFY (not the catalog, which may come later): only the log tells.
    p.slave.wait_log_since(
        mark,
        &[
            "NOTIFY for a new zone from a super master: zone created",
            "zone=two.test.",
        ],
    );
    assert_eq!(a_records(p.slave.addr, "www.two.test."), [[192, 0, 2, 2]]);
    let cat = wait_catalog(p.master.addr, &["one.test.".into(), "two.test.".into()]);
    p.slave.wait_zone(CATALOG, |z| z.serial == Some(cat));
    p.slave
        .wait_log_since(mark, &["catalog processed", "members=2"]);

    // An edit travels by IXFR.
    let mark = p.slave.mark();
    p.master_env.zone("two.test", 2, "www A 192.0.2.22\n");
    wait_serial(p.slave.addr, "two.test", 2);
    p.slave
        .wait_log_since(mark, &["zone=two.test.", "IXFR-in, serial 1 -> 2"]);
    assert_eq!(a_records(p.slave.addr, "www.two.test."), [[192, 0, 2, 22]]);

    // Removing the file deletes the zone on the slave; the other one stays.
    p.master_env.remove("zones/two.test.zone");
    wait_rcode(p.slave.addr, "two.test", Rcode::REFUSED);
    p.slave
        .wait_status("two.test. deleted, one.test. kept", |r| {
            zone_status(r, "two.test").is_none() && zone_status(r, "one.test").is_some()
        });
    assert_eq!(serial(p.slave.addr, "one.test"), Ok(1));
    assert_eq!(catalog_members(p.master.addr), ["one.test."]);

    // The slave's copy of the catalog is for transfers only too (RFC 9432 §7).
    assert!(serial(p.slave.addr, CATALOG).is_ok());
    assert_eq!(
        ask(p.slave.addr, &format!("version.{CATALOG}"), Rtype::TXT).rcode,
        Rcode::REFUSED
    );
}

#[test]
fn super_slave_restart_keeps_its_zones_without_transfers() {
    let p = Pair::start(&["one.test", "two.test"], "");
    let before = serial(p.master.addr, CATALOG).unwrap();
    p.master_env.zone("two.test", 2, "www A 192.0.2.22\n");
    wait_serial(p.slave.addr, "two.test", 2);
    // The slave's catalog has caught up with the master's, which lists serial 2.
    let cat = p
        .master
        .wait_zone(CATALOG, |z| z.serial.is_some_and(|s| s != before))
        .serial
        .expect("a serial");
    wait_serial(p.slave.addr, CATALOG, cat);
    p.slave.wait_zone(CATALOG, |z| z.serial == Some(cat));

    let (p, master_mark) = p.restart_slave();
    wait_serial(p.slave.addr, "one.test", 1);
    wait_serial(p.slave.addr, "two.test", 2);
    assert_eq!(a_records(p.slave.addr, "www.two.test."), [[192, 0, 2, 22]]);
    p.slave.wait_status("the restored zones and catalog", |r| {
        [("one.test", 1), ("two.test", 2), (CATALOG, cat)]
            .iter()
            .all(|&(z, s)| zone_status(r, z).is_some_and(|z| z.serial == Some(s)))
    });
    // The restored catalog was reconciled: nothing to add, nothing to delete.
    p.slave
        .wait_log(&["catalog processed", "added=0", "removed=0"]);
    // No retransfer storm: no transfer in on the slave, none out on the master.
    holds_for(
        "no transfers after the restart",
        Duration::from_millis(1500),
        || {
            let log = p.slave.log();
            let mlog = p.master.log();
            if !lines_with(&log, 0, &["XFR-in"]).is_empty() {
                return Err(format!("a transfer in:\n{log}"));
            }
            if !lines_with(&mlog, master_mark, &["XFR-out"]).is_empty() {
                return Err(format!("a transfer out:\n{mlog}"));
            }
            Ok(())
        },
    );

    // Ownership survived: removing the file on the master still deletes the zone.
    p.master_env.remove("zones/one.test.zone");
    wait_rcode(p.slave.addr, "one.test", Rcode::REFUSED);
    assert_eq!(serial(p.slave.addr, "two.test"), Ok(2));
}

//----------- 2. Who may create zones ------------------------------------------------

#[test]
fn notify_for_a_new_zone_needs_the_super_master_and_its_key() {
    // A grace long enough for the first catalog version after the NOTIFY to come
    // within it on any machine.
    let grace = Duration::from_secs(10);
    let p = Pair::start_with_grace(&["one.test"], &format!("{}s", grace.as_secs()), "");
    let slave = p.slave.addr;
    let good = key(SECRET);

    // From another address, even with the key: NOTAUTH, logged, nothing created.
    assert_eq!(
        notify_from("127.0.0.5", slave, "ghost.test", Some(&good)),
        Rcode::NOTAUTH
    );
    p.slave.wait_log(&[
        "NOTIFY-in refused: not a secondary zone here (NOTAUTH)",
        "peer=127.0.0.5:",
        "zone=ghost.test.",
    ]);
    // From the master's address but unsigned (the master has a key): NOTAUTH.
    assert_eq!(
        notify_from("127.0.0.1", slave, "ghost.test", None),
        Rcode::NOTAUTH
    );
    // Signed with the wrong secret: NOTAUTH (BADSIG), logged.
    assert_eq!(
        notify_from("127.0.0.1", slave, "ghost.test", Some(&key(WRONG_SECRET))),
        Rcode::NOTAUTH
    );
    p.slave.wait_log(&["TSIG check failed", "zone=ghost.test."]);
    assert_eq!(serial(slave, "ghost.test"), Err("REFUSED".into()));
    let st = p.slave.status().expect("status");
    assert!(zone_status(&st, "ghost.test").is_none(), "{st:?}");

    // From the master's address with its key: the zone is created at once …
    let created = Instant::now();
    assert_eq!(
        notify_from("127.0.0.1", slave, "ghost.test", Some(&good)),
        Rcode::NOERROR
    );
    p.slave.wait_zone("ghost.test", |_| true);
    // … but the master has no such zone: nothing to serve (SERVFAIL) …
    wait_rcode(slave, "ghost.test", Rcode::SERVFAIL);
    p.slave
        .wait_zone("ghost.test", |z| z.state == State::Loading);
    // … a catalog version that comes within the grace leaves it (it may have been
    // built before the master listed the zone) …
    let mark = p.slave.mark();
    p.master_env.zone("two.test", 1, "www A 192.0.2.2\n");
    wait_serial(slave, "two.test", 1);
    let cat = wait_catalog(p.master.addr, &["one.test.".into(), "two.test.".into()]);
    p.slave.wait_zone(CATALOG, |z| z.serial == Some(cat));
    p.slave
        .wait_log_since(mark, &["catalog processed", "members=2", "removed=0"]);
    assert_eq!(
        serial(slave, "ghost.test"),
        Err("SERVFAIL".into()),
        "{:?} after its creation (grace {grace:?})",
        created.elapsed()
    );
    p.slave
        .wait_zone("ghost.test", |z| z.state == State::Loading);
    // … and one after the grace, which does not list it either, deletes it: new
    // catalog versions (a member's serial moving on) until one comes after it.
    let deadline = Instant::now() + grace + WAIT;
    let mut s = 0;
    while serial(slave, "ghost.test") != Err("REFUSED".into()) {
        assert!(
            Instant::now() < deadline,
            "ghost.test. still there {:?} after its creation; log:\n{}",
            created.elapsed(),
            p.slave.log()
        );
        s += 1;
        p.master_env.zone("three.test", s, "www A 192.0.2.3\n");
        wait_serial(slave, "three.test", s);
        std::thread::sleep(Duration::from_millis(200));
    }
    p.slave.wait_zone_gone("ghost.test");
}

#[test]
fn wrong_keys_are_refused_both_ways() {
    let master_env = Env::new();
    let (port_a, port_b) = (free_port(), free_port());
    let slave_a: SocketAddr = format!("127.0.0.1:{port_a}").parse().unwrap();
    let slave_b: SocketAddr = format!("127.0.0.1:{port_b}").parse().unwrap();
    // The master knows a second key, which is not the super slaves' key.
    master_config(&master_env, &[slave_a, slave_b], "200ms", false, "");
    let text = std::fs::read_to_string(master_env.path("config.yaml")).unwrap();
    master_env.write(
        "config.yaml",
        &text.replace(
            "keys:\n",
            &format!("keys:\n  - {{ name: other-key, algorithm: hmac-sha256, secret: \"{WRONG_SECRET}\" }}\n"),
        ),
    );
    master_env.zone("one.test", 1, "www A 192.0.2.1\n");
    let master = master_env.start();
    wait_serial(master.addr, "one.test", 1);

    // Slave A: the right key name, the wrong secret.
    let env_a = Env::new();
    slave_config(&env_a, port_a, master.addr, WRONG_SECRET, GRACE, "");
    let a = env_a.start();
    // Slave B: a key the master knows, but not the one super-slaves names.
    let env_b = Env::new();
    env_b.write(
        "config.yaml",
        &format!(
            "listen: [\"{slave_b}\"]\nstate-dir: state\n\
             keys:\n  - {{ name: other-key, algorithm: hmac-sha256, secret: \"{WRONG_SECRET}\" }}\n  \
             - {{ name: {KEY}, algorithm: hmac-sha256, secret: \"{SECRET}\" }}\n\
             super-masters:\n  - {{ address: \"{}\", key: other-key, catalog: {CATALOG} }}\n\
             min-retry: 1s\nmax-retry: 1s\n",
            master.addr
        ),
    );
    let b = env_b.start();

    // A new zone: NOTIFY to both.
    master_env.zone("two.test", 1, "www A 192.0.2.2\n");
    // A cannot verify the master's NOTIFY; B does not take it with that key.
    a.wait_log(&["TSIG check failed", "zone=two.test."]);
    b.wait_log(&[
        "NOTIFY-in refused: not a secondary zone here (NOTAUTH)",
        "zone=two.test.",
    ]);
    // The master refuses A's requests (BADSIG) and B's transfers (allow-transfer).
    master.wait_log(&["TSIG check failed", "zone=catalog.invalid."]);
    master.wait_log(&[
        "AXFR-out refused by allow-transfer (REFUSED)",
        "zone=catalog.invalid.",
        "other-key",
    ]);
    for s in [&a, &b] {
        for z in ["one.test", "two.test"] {
            assert_eq!(
                serial(s.addr, z),
                Err("REFUSED".into()),
                "{z} at {}",
                s.addr
            );
        }
    }
    master.wait_log(&["NOTIFY-out, not acknowledged", "zone=two.test.", "NOTAUTH"]);
}

//----------- 3. The deletion guard --------------------------------------------------

#[test]
fn mass_deletion_beyond_max_deletions_is_refused() {
    let (master_env, slave_env) = (Env::new(), Env::new());
    let port = free_port();
    let slave_addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // Files are checked on SIGHUP only: the three removals land in one scan.
    master_config(&master_env, &[slave_addr], "1h", false, "");
    let zones = ["a.test", "b.test", "c.test", "d.test"];
    for z in zones {
        master_env.zone(z, 1, "www A 192.0.2.1\n");
    }
    let master = master_env.start();
    slave_config(&slave_env, port, master.addr, SECRET, GRACE, "");
    let slave = slave_env.start();
    for z in zones {
        wait_serial(slave.addr, z, 1);
    }
    let want: Vec<String> = zones.iter().map(|z| format!("{z}.")).collect();
    let cat = wait_catalog(master.addr, &want);
    wait_serial(slave.addr, CATALOG, cat);

    let mark = slave.mark();
    for z in &zones[..3] {
        master_env.remove(&format!("zones/{z}.zone"));
    }
    master.signal("HUP");
    let cat = wait_catalog(master.addr, &["d.test.".into()]);
    slave.wait_zone(CATALOG, |z| z.serial == Some(cat));
    slave.wait_log_since(
        mark,
        &[
            "would delete more zones than max-deletions allows; refusing",
            "would_delete=3",
            "max_deletions=2",
        ],
    );
    holds_for("every zone kept", Duration::from_millis(500), || {
        for z in zones {
            match serial(slave.addr, z) {
                Ok(1) => {}
                other => return Err(format!("{z}: {other:?}")),
            }
        }
        let st = slave.status()?;
        if let Some(z) = zones.iter().find(|z| zone_status(&st, z).is_none()) {
            return Err(format!("{z} left the status: {st:?}"));
        }
        Ok(())
    });
    assert!(lines_with(&slave.log(), mark, &["member left the catalog"]).is_empty());

    // The operator raises the limit and restarts: the deletion goes through.
    assert_eq!(slave.stop(), Some(0));
    let text = std::fs::read_to_string(slave_env.path("config.yaml")).unwrap();
    slave_env.write(
        "config.yaml",
        &text.replace("max-deletions: 2", "max-deletions: 5"),
    );
    let slave = slave_env.start();
    for z in &zones[..3] {
        wait_rcode(slave.addr, z, Rcode::REFUSED);
    }
    assert_eq!(serial(slave.addr, "d.test"), Ok(1));
    slave.wait_status("a, b and c deleted, d kept", |r| {
        zones[..3].iter().all(|z| zone_status(r, z).is_none())
            && zone_status(r, "d.test").is_some_and(|z| z.serial == Some(1))
    });
}

//----------- 4. Bulk refresh --------------------------------------------------------

#[test]
fn bulk_refresh_picks_up_a_change_whose_notify_was_lost() {
    let (master_env, slave_env) = (Env::new(), Env::new());
    let port = free_port();
    // The master notifies a port nobody listens on; the slave's transfers come from
    // the listed address (127.0.0.1), so they are allowed.
    let nowhere: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    master_config(&master_env, &[nowhere], "200ms", false, "");
    let zones = ["one.test", "two.test", "three.test"];
    for z in zones {
        master_env.zone(z, 1, "www A 192.0.2.1\n");
    }
    let master = master_env.start();
    // Zone refresh timers of an hour: only the bulk refresh can find the change.
    slave_config(
        &slave_env,
        port,
        master.addr,
        SECRET,
        GRACE,
        "bulk-refresh: 2s\nmin-refresh: 1h\n",
    );
    let slave = slave_env.start();
    for z in zones {
        wait_serial(slave.addr, z, 1);
    }
    let want: Vec<String> = zones.iter().map(|z| format!("{z}.")).collect();
    let cat = wait_catalog(master.addr, &want);
    wait_serial(slave.addr, CATALOG, cat);

    let mark = slave.mark();
    master_env.zone("two.test", 2, "www A 192.0.2.22\n");
    master.wait_zone("two.test", |z| z.serial == Some(2) && z.state == State::Ok);
    wait_serial(slave.addr, "two.test", 2);
    slave.wait_zone("two.test", |z| z.serial == Some(2) && z.state == State::Ok);
    // The order of the transfers is in the log only: wait for the member's line (the
    // catalog's comes before it, if the order is right).
    slave.wait_log_since(mark, &["zone=two.test.", "IXFR-in, serial 1 -> 2"]);
    let log = slave.log();
    let catalog_in = lines_with(&log, mark, &["zone=catalog.invalid.", "IXFR-in"]);
    let member_in = lines_with(&log, mark, &["zone=two.test.", "IXFR-in, serial 1 -> 2"]);
    assert_eq!(catalog_in.len(), 1, "{log}");
    assert_eq!(member_in.len(), 1, "{log}");
    let at = |line: &str| log[mark..].find(line).unwrap();
    assert!(
        at(&catalog_in[0]) < at(&member_in[0]),
        "catalog IXFR first: {log}"
    );
    // No NOTIFY reached the slave, and no member was polled for its SOA: the zones
    // that did not change were confirmed by the catalog's serials.
    assert!(lines_with(&log, mark, &["NOTIFY-in"]).is_empty(), "{log}");
    for z in zones {
        assert!(
            lines_with(&log, mark, &[&format!("zone={z}."), "up to date"]).is_empty(),
            "{log}"
        );
    }
}

#[test]
fn bulk_refresh_confirms_zones_only_while_the_master_answers() {
    // Expire after 3 s: only the bulk refresh (every second) keeps the zones served,
    // by the catalog's serials, without a query per zone.
    let p = Pair::start(
        &["one.test", "two.test"],
        "bulk-refresh: 1s\nmin-refresh: 1h\nmax-refresh: 1h\nmin-expire: 3s\nmax-expire: 3s\n",
    );
    holds_for(
        "both zones served past EXPIRE",
        Duration::from_secs(5),
        || {
            for z in ["one.test", "two.test"] {
                match serial(p.slave.addr, z) {
                    Ok(1) => {}
                    other => return Err(format!("{z}: {other:?}")),
                }
            }
            Ok(())
        },
    );
    let log = p.slave.log();
    assert!(
        lines_with(&log, 0, &["zone=one.test.", "up to date"]).is_empty(),
        "{log}"
    );
    // The master goes away: the catalog can no longer vouch for the members, which
    // expire like any secondary zone.
    let Pair { slave, master, .. } = p;
    master.kill9();
    for z in ["one.test", "two.test"] {
        wait_rcode(slave.addr, z, Rcode::SERVFAIL);
        slave.wait_zone(z, |z| z.state == State::Expired);
    }
}

//----------- 5. The catalog and the transfer ACL ------------------------------------

#[test]
fn catalog_answers_soa_only_and_transfers_need_the_key() {
    let env = Env::new();
    let nowhere: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    master_config(&env, &[nowhere], "200ms", false, "");
    env.zone("one.test", 1, "www A 192.0.2.1\n");
    let master = env.start();
    wait_serial(master.addr, "one.test", 1);
    wait_catalog(master.addr, &["one.test.".into()]);

    // SOA: answered, and signed when the query is.
    assert!(serial(master.addr, CATALOG).is_ok());
    let mut q = crate::common::query(zonesync::wire::random_id(), CATALOG, Rtype::SOA, None);
    ClientTsig::sign_request(&key(SECRET), &mut q, now());
    let a = Answer::parse(crate::common::exchange_udp(master.addr, &q));
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert!(a.additional.iter().any(|r| r.rtype == Rtype::TSIG), "{a:?}");
    // Anything else: REFUSED.
    for (qname, qtype) in [
        (format!("version.{CATALOG}"), Rtype::TXT),
        (CATALOG.to_string(), Rtype::NS),
        (format!("zones.{CATALOG}"), Rtype::PTR),
        (CATALOG.to_string(), Rtype::ANY),
    ] {
        assert_eq!(
            ask(master.addr, &qname, qtype).rcode,
            Rcode::REFUSED,
            "{qname} {qtype}"
        );
    }

    // allow-unsigned: false — unsigned transfers from the super slave's address are
    // refused, of the catalog and of the members; signed ones pass.
    for zone in [CATALOG, "one.test"] {
        let (code, err) = axfr(master.addr, zone, None);
        assert_eq!(code, Some(1), "{zone}: {err}");
        assert!(err.contains("REFUSED"), "{zone}: {err}");
        let (code, err) = axfr(master.addr, zone, Some(SECRET));
        assert_eq!(code, Some(0), "{zone}: {err}");
        let (code, err) = axfr(master.addr, zone, Some(WRONG_SECRET));
        assert_eq!(code, Some(1), "{zone}: {err}");
    }
    master.wait_log(&[
        "AXFR-out refused by allow-transfer (REFUSED)",
        "zone=one.test.",
    ]);
    drop(master);

    // allow-unsigned: true — unsigned transfers from the listed address pass, from
    // any other address they do not.
    let env = Env::new();
    master_config(&env, &[nowhere], "200ms", true, "");
    env.zone("one.test", 1, "www A 192.0.2.1\n");
    let master = env.start();
    wait_serial(master.addr, "one.test", 1);
    wait_until("the catalog", || serial(master.addr, CATALOG));
    for zone in [CATALOG, "one.test"] {
        assert_eq!(
            axfr_rcode_from("127.0.0.1", master.addr, zone),
            Rcode::NOERROR
        );
        assert_eq!(
            axfr_rcode_from("127.0.0.9", master.addr, zone),
            Rcode::REFUSED
        );
    }
}

//----------- 5. Catalog groups pick templates ----------------------------------------

/// A catalog zone written by hand (as BIND's and Knot's tests do): `members` are
/// (unique-id, zone, group).
fn catalog_text(serial: u32, members: &[(&str, &str, Option<&str>)]) -> String {
    let mut text = format!(
        "$ORIGIN catalog.example.\n$TTL 0\n\
         @ SOA invalid. invalid. {serial} 3600 600 2419200 0\n\
         @ NS invalid.\n\
         version TXT \"2\"\n"
    );
    for (id, zone, group) in members {
        text.push_str(&format!("{id}.zones PTR {zone}\n"));
        if let Some(g) = group {
            text.push_str(&format!("group.{id}.zones TXT \"{g}\"\n"));
        }
    }
    text
}

#[test]
fn a_members_group_picks_its_template_and_a_new_group_restarts_it() {
    // A plain zonesync primary serves a hand-written catalog and two members; the
    // super slave's template `open` lets 127/8 transfer; the defaults let nobody.
    let (primary_env, slave_env) = (Env::new(), Env::new());
    let slave_port = free_port();
    let zones = |members: &[(&str, &str, Option<&str>)], serial: u32| {
        primary_env.write("zones/catalog.example.zone", &catalog_text(serial, members));
    };
    zones(
        &[("m1", "a.test.", Some("open")), ("m2", "b.test.", None)],
        1,
    );
    primary_env.zone("a.test", 1, "www A 192.0.2.1\n");
    primary_env.zone("b.test", 1, "www A 192.0.2.2\n");
    let zone = |name: &str| {
        format!(
            "  - {{ name: {name}, file: zones/{name}.zone, \
             allow-transfer: [ {{ address: 127.0.0.0/8 }} ], \
             also-notify: [\"127.0.0.1:{slave_port}\"] }}\n"
        )
    };
    primary_env.config(
        "127.0.0.1:0",
        SECRET,
        &format!(
            "file-check-interval: 200ms\nzones:\n{}{}{}",
            zone("catalog.example"),
            zone("a.test"),
            zone("b.test")
        ),
    );
    let primary = primary_env.start();
    slave_env.config(
        &format!("127.0.0.1:{slave_port}"),
        SECRET,
        &format!(
            "super-masters:\n  - {{ address: \"{}\", catalog: catalog.example. }}\n\
             templates:\n  - {{ name: open, allow-transfer: [ {{ address: 127.0.0.0/8 }} ] }}\n\
             min-retry: 1s\nmax-retry: 1s\n",
            primary.addr
        ),
    );
    let slave = slave_env.start();
    slave.wait_zone("a.test.", |z| z.serial == Some(1));
    slave.wait_zone("b.test.", |z| z.serial == Some(1));
    assert_eq!(
        axfr_rcode_from("127.0.0.1", slave.addr, "a.test."),
        Rcode::NOERROR
    );
    assert_eq!(
        axfr_rcode_from("127.0.0.1", slave.addr, "b.test."),
        Rcode::REFUSED
    );

    // b.test joins the group: the slave restarts it with the template, keeping its
    // data (it stays at serial 1 and is served throughout).
    zones(
        &[
            ("m1", "a.test.", Some("open")),
            ("m2", "b.test.", Some("open")),
        ],
        2,
    );
    slave.wait_zone("catalog.example.", |z| z.serial == Some(2));
    wait_until(
        "b.test. transferable from the super slave",
        || match axfr_rcode_from("127.0.0.1", slave.addr, "b.test.") {
            Rcode::NOERROR => Ok(()),
            other => Err(format!("AXFR answered {other}")),
        },
    );
    let b = slave.wait_zone("b.test.", |z| z.serial == Some(1));
    assert_eq!(b.state, State::Ok);

    // The group survives a restart of the super slave (kept with the zone).
    assert_eq!(slave.stop(), Some(0));
    let slave = slave_env.start();
    slave.wait_zone("b.test.", |z| z.serial == Some(1) && z.state == State::Ok);
    assert_eq!(
        axfr_rcode_from("127.0.0.1", slave.addr, "b.test."),
        Rcode::NOERROR
    );
}
