//! Super master / super slave with real peers, over RFC 9432 catalog zones, on
//! 127.0.0.1 only:
//!
//! - a zonesync super master (`zones-dir`, `super-slaves`) is consumed by knotd
//!   (`catalog-role: interpret`, members from a `catalog-template` whose master is
//!   zonesync), by named (`catalog-zones { … default-primaries … }`,
//!   `allow-new-zones yes`) and by PowerDNS 4.7 (`pdnsutil set-kind … consumer`): each
//!   creates the member zones, follows an edit, creates a zone added later and drops
//!   a zone removed;
//! - a knotd catalog (`catalog-role: generate`) is consumed by a zonesync super slave,
//!   which creates, updates and deletes the members and, the catalog carrying no
//!   serials, checks the members' SOAs at a bulk refresh;
//! - a PowerDNS autosecondary takes zonesync's NOTIFY for a new zone into its
//!   autoprimary path; PowerDNS 4.7 then asks the notifier's port 53 for the zone's
//!   SOA and NS (hard-coded), so the zone is not created here (see the test).
//!
//! Every server is started here with its own config in a temp folder, on ports found
//! by binding port 0, waited on by polling (bounded), and stopped by PID. The member
//! reset tests (`catalog_reset`) use the same [`Proc`] and zonesync helpers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::peers::{both, free_port, run, soa_serial, tool, zonesync_bin};

/// How long a change may take to reach a server.
pub(super) const WAIT: Duration = Duration::from_secs(20);
/// The transfer key of every catalog test (name and secret).
pub(super) const KEY: &str = "xfr-key";
pub(super) const SECRET: &str = "em9uZXN5bmMtaW50ZXJvcC1jYXRhbG9nLWtleS0zMg==";

//----------- Processes --------------------------------------------------------------

/// A server started by a test, in its own temp folder, logging to `DIR/log`; killed
/// by PID and waited for on drop.
pub(super) struct Proc {
    /// `zonesync`, `knotd`, `named`, `pdns_server`.
    pub(super) kind: &'static str,
    /// Its port, UDP and TCP, on 127.0.0.1.
    pub(super) port: u16,
    /// Config, zone files, state and log.
    pub(super) dir: tempfile::TempDir,
    child: Child,
}

impl Proc {
    pub(super) fn start(
        kind: &'static str,
        mut cmd: Command,
        port: u16,
        dir: tempfile::TempDir,
    ) -> Proc {
        let log = std::fs::File::create(dir.path().join("log")).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{kind} does not start: {e}"));
        Proc {
            kind,
            port,
            dir,
            child,
        }
    }

    pub(super) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(super) fn log(&self) -> String {
        std::fs::read_to_string(self.path("log")).unwrap_or_default()
    }

    /// Waits until `zone` is served with `serial`.
    #[track_caller]
    pub(super) fn wait_serial(&self, zone: &str, serial: u32) {
        self.wait(&format!("{zone} serial {serial}"), || {
            soa_serial(self.port, zone) == Some(serial)
        });
    }

    /// Waits until `zone` is no longer served (REFUSED or NOTAUTH: not a zone here).
    fn wait_gone(&self, zone: &str) {
        self.wait(&format!("{zone} gone"), || {
            matches!(
                status(self.port, zone).as_deref(),
                Some("REFUSED" | "NOTAUTH")
            )
        });
    }

    /// Waits until the log has a line containing every one of `needles`.
    fn wait_log(&self, needles: &[&str]) {
        self.wait(&format!("a log line with {needles:?}"), || {
            self.log()
                .lines()
                .any(|l| needles.iter().all(|n| l.contains(n)))
        });
    }

    /// Waits (bounded, [`WAIT`]) until `done` holds; panics naming `what`, with the log.
    #[track_caller]
    pub(super) fn wait(&self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done() {
            assert!(
                Instant::now() < deadline,
                "{} on port {}: timed out waiting for {what}; log:\n{}",
                self.kind,
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the process (by PID, then waits for it) and starts `cmd` in its place,
    /// logging to the same file (appended).
    pub(super) fn restart(&mut self, mut cmd: Command) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path("log"))
            .expect("log file");
        self.child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start again: {e}", self.kind));
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} log ---\n{}", self.kind, self.log());
        }
    }
}

/// The RCODE `kdig` reports for `zone SOA` at 127.0.0.1:`port`.
fn status(port: u16, zone: &str) -> Option<String> {
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            zone,
            "SOA",
            "+time=1",
            "+retry=0",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let at = text.find("status: ")? + "status: ".len();
    Some(
        text[at..]
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()?
            .to_string(),
    )
}

/// A small zone: SOA, an NS outside the zone (nothing is notified on port 53), and
/// `www` at 192.0.2.`serial`.
pub(super) fn zone_text(origin: &str, serial: u32) -> String {
    format!(
        "$ORIGIN {origin}.\n$TTL 300\n\
         @ SOA ns1.example.net. hostmaster.example.net. {serial} 3600 600 86400 300\n\
         @ NS ns1.example.net.\n\
         www A 192.0.2.{serial}\n"
    )
}

/// Writes a file atomically (write, then rename), so a watcher never reads half of it.
pub(super) fn write(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

//----------- zonesync ---------------------------------------------------------------

/// `zonesync serve --config CONFIG` with info logs.
pub(super) fn zonesync_command(config: &Path) -> Command {
    let mut cmd = Command::new(zonesync_bin());
    cmd.env("RUST_LOG", "zonesync=info")
        .args(["--color", "never", "serve", "--config"])
        .arg(config);
    cmd
}

/// `zonesync serve` on `port` with the test key and `rest` of the config
/// (`DIR/zonesync.yaml`), in `dir`.
pub(super) fn zonesync(port: u16, dir: tempfile::TempDir, rest: &str) -> Proc {
    let config = dir.path().join("zonesync.yaml");
    std::fs::write(
        &config,
        format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nfile-check-interval: 200ms\n\
             keys:\n  - {{ name: {KEY}, algorithm: hmac-sha256, secret: \"{SECRET}\" }}\n{rest}"
        ),
    )
    .expect("config");
    let p = Proc::start("zonesync", zonesync_command(&config), port, dir);
    p.wait_log(&["serving"]);
    p
}

/// A zonesync super master on `port` serving `zones` (serial 1) from `zones-dir`, its
/// super slaves on `slaves` (NOTIFY and transfers with the key; unsigned transfers
/// too with `unsigned`).
fn super_master(port: u16, slaves: &[u16], unsigned: bool, zones: &[&str]) -> Proc {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("zones")).expect("zones dir");
    for z in zones {
        write(
            &dir.path().join(format!("zones/{z}.zone")),
            &zone_text(z, 1),
        );
    }
    let servers: Vec<String> = slaves
        .iter()
        .map(|p| format!("\"127.0.0.1:{p}\""))
        .collect();
    zonesync(
        port,
        dir,
        &format!(
            "zones-dir: zones\nsuper-slaves:\n  servers: [{}]\n  key: {KEY}\n  allow-unsigned: {unsigned}\n  catalog: catalog.invalid.\n",
            servers.join(", ")
        ),
    )
}

impl Proc {
    /// Super master: writes `zones/<zone>.zone` at `serial`.
    fn put_zone(&self, zone: &str, serial: u32) {
        write(
            &self.path(&format!("zones/{zone}.zone")),
            &zone_text(zone, serial),
        );
    }

    /// Super master: removes `zones/<zone>.zone`.
    fn remove_zone(&self, zone: &str) {
        std::fs::remove_file(self.path(&format!("zones/{zone}.zone"))).expect("remove");
    }
}

/// What every consumer of the zonesync catalog must do: serve the members, follow an
/// edit, take a new zone, drop a removed one.
fn consumer_follows_the_catalog(master: &Proc, consumer: &Proc) {
    for z in ["one.test", "two.test"] {
        consumer.wait_serial(z, 1);
    }
    master.put_zone("two.test", 2);
    consumer.wait_serial("two.test", 2);
    master.put_zone("three.test", 1);
    consumer.wait_serial("three.test", 1);
    master.remove_zone("one.test");
    consumer.wait_gone("one.test");
    assert_eq!(soa_serial(consumer.port, "two.test"), Some(2));
    assert_eq!(soa_serial(consumer.port, "three.test"), Some(1));
}

//----------- Consumers of the zonesync catalog --------------------------------------

#[test]
fn knot_consumes_the_zonesync_catalog() {
    let (mp, kp) = (free_port(), free_port());
    let master = super_master(mp, &[kp], false, &["one.test", "two.test"]);

    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    // Knot 3.2.6 crashes on the first catalog transfer when the catalog database
    // folder (`database.storage`) is missing: it is created here.
    std::fs::create_dir(dir.path().join("db")).expect("db dir");
    let cfg = format!(
        "server:\n  listen: 127.0.0.1@{kp}\n  rundir: {d}\n\
log:\n  - target: stderr\n    any: info\n\
database:\n  storage: {d}/db\n\
key:\n  - id: {KEY}\n    algorithm: hmac-sha256\n    secret: {SECRET}\n\
remote:\n  - id: zonesync\n    address: 127.0.0.1@{mp}\n    key: {KEY}\n\
acl:\n  - id: from-zonesync\n    address: 127.0.0.1\n    key: {KEY}\n    action: notify\n\
template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: none\n    journal-content: all\n  \
- id: member\n    storage: {d}\n    master: zonesync\n    acl: from-zonesync\n    zonefile-sync: -1\n    zonefile-load: none\n    journal-content: all\n\
zone:\n  - domain: catalog.invalid\n    master: zonesync\n    acl: from-zonesync\n    catalog-role: interpret\n    catalog-template: member\n"
    );
    let config = dir.path().join("knot.conf");
    std::fs::write(&config, cfg).expect("config");
    let mut cmd = Command::new(tool("knotd"));
    cmd.arg("-c").arg(&config);
    let knot = Proc::start("knotd", cmd, kp, dir);

    consumer_follows_the_catalog(&master, &knot);
    knot.wait_log(&["[three.test.] zone added from catalog"]);
    knot.wait_log(&["[one.test.] zone purged"]);
    // The edit came by IXFR, with the key.
    knot.wait_log(&["[two.test.] IXFR, incoming", "finished"]);
    master.wait_log(&["IXFR-out, finished", "zone=two.test.", "key=xfr-key."]);
}

#[test]
fn named_consumes_the_zonesync_catalog() {
    let (mp, np) = (free_port(), free_port());
    let master = super_master(mp, &[np], false, &["one.test", "two.test"]);

    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let cfg = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {np} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
         managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  notify no;\n  allow-new-zones yes;\n  \
         catalog-zones {{\n    zone \"catalog.invalid\" default-primaries {{ 127.0.0.1 port {mp} key \"{KEY}\"; }}\n      \
         zone-directory \"{d}\" min-update-interval 1;\n  }};\n}};\ncontrols {{ }};\n\
         key \"{KEY}\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};\n\
         zone \"catalog.invalid\" {{ type secondary; primaries {{ 127.0.0.1 port {mp} key \"{KEY}\"; }};\n  \
         file \"{d}/catalog.db\"; allow-notify {{ 127.0.0.1; }}; }};\n"
    );
    let config = dir.path().join("named.conf");
    std::fs::write(&config, cfg).expect("config");
    let mut cmd = Command::new(tool("named"));
    cmd.args(["-g", "-n", "1", "-c"]).arg(&config);
    let named = Proc::start("named", cmd, np, dir);

    consumer_follows_the_catalog(&master, &named);
    named.wait_log(&["catz: adding zone 'three.test' from catalog 'catalog.invalid'"]);
    named.wait_log(&["catz: deleting zone 'one.test' from catalog 'catalog.invalid'"]);
    // BIND 9.18 knows no `ext` custom properties: it logs zonesync's serial property
    // as an invalid record and ignores it (the members are unaffected).
    named.wait_log(&["catz: invalid record in catalog zone - serial.ext."]);
}

#[test]
fn powerdns_consumes_the_zonesync_catalog() {
    // PowerDNS (4.7) transfers the members unsigned (a consumer zone's members get no
    // TSIG key): allow-unsigned. It verifies the signed NOTIFYs with the imported key.
    let (mp, pp) = (free_port(), free_port());
    let master = super_master(mp, &[pp], true, &["one.test", "two.test"]);
    let pdns = pdns(
        pp,
        &[],
        &[
            vec!["import-tsig-key", KEY, "hmac-sha256", SECRET],
            vec![
                "create-secondary-zone",
                "catalog.invalid",
                &format!("127.0.0.1:{mp}"),
            ],
            vec!["set-kind", "catalog.invalid", "consumer"],
        ],
    );
    consumer_follows_the_catalog(&master, &pdns);
    pdns.wait_log(&["Catalog-Zone create zone 'three.test'"]);
    pdns.wait_log(&["Catalog-Zone delete zone 'one.test'"]);
}

/// PowerDNS with the gsqlite3 backend on `port`; `settings` are extra config lines;
/// `setup` are `pdnsutil` commands run before it starts.
fn pdns(port: u16, settings: &[&str], setup: &[Vec<&str>]) -> Proc {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let schema = std::fs::read_to_string("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql")
        .expect("pdns-backend-sqlite3 schema (install pdns-backend-sqlite3)");
    let out = Command::new(tool("sqlite3"))
        .arg(dir.path().join("pdns.db"))
        .arg(&schema)
        .stdin(Stdio::null())
        .output()
        .expect("sqlite3 runs");
    assert!(out.status.success(), "{}", both(&out));
    let mut cfg = format!(
        "launch=gsqlite3\ngsqlite3-database={d}/pdns.db\nlocal-address=127.0.0.1\nlocal-port={port}\n\
         socket-dir={d}\nsecondary=yes\nxfr-cycle-interval=1\nsecurity-poll-suffix=\n\
         query-local-address=127.0.0.1\nallow-notify-from=127.0.0.0/8\nallow-axfr-ips=127.0.0.0/8\n\
         disable-syslog=yes\nloglevel=6\nwebserver=no\napi=no\n"
    );
    for s in settings {
        cfg.push_str(s);
        cfg.push('\n');
    }
    std::fs::write(dir.path().join("pdns.conf"), cfg).expect("config");
    let config_dir = format!("--config-dir={d}");
    for args in setup {
        let mut all = vec![config_dir.as_str()];
        all.extend_from_slice(args);
        let out = run(&tool("pdnsutil"), &all);
        assert!(out.status.success(), "pdnsutil {args:?}: {}", both(&out));
    }
    let mut cmd = Command::new(tool("pdns_server"));
    cmd.args([config_dir.as_str(), "--daemon=no", "--guardian=no"]);
    let p = Proc::start("pdns_server", cmd, port, dir);
    p.wait_log(&["ready to distribute questions"]);
    p
}

//----------- zonesync consumes a Knot catalog ---------------------------------------

/// knotd on `port` as a catalog producer: `catalog.knot` (`catalog-role: generate`)
/// lists `members` (each `catalog-role: member`); NOTIFY to and transfers (with the
/// key) for the zonesync super slave on `slave`.
fn knot_producer_config(dir: &Path, port: u16, slave: u16, members: &[&str]) -> String {
    let d = dir.display().to_string();
    let mut cfg = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n\
log:\n  - target: stderr\n    any: info\n\
database:\n  storage: {d}/db\n\
key:\n  - id: {KEY}\n    algorithm: hmac-sha256\n    secret: {SECRET}\n\
remote:\n  - id: zonesync\n    address: 127.0.0.1@{slave}\n    key: {KEY}\n\
acl:\n  - id: to-zonesync\n    address: 127.0.0.1\n    key: {KEY}\n    action: transfer\n\
template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    \
journal-content: changes\n    semantic-checks: off\n    notify: zonesync\n    acl: to-zonesync\n\
zone:\n  - domain: catalog.knot\n    catalog-role: generate\n"
    );
    for m in members {
        cfg.push_str(&format!(
            "  - domain: {m}\n    file: {d}/{m}.zone\n    catalog-role: member\n    catalog-zone: catalog.knot\n"
        ));
    }
    cfg
}

#[test]
fn zonesync_consumes_a_knot_catalog() {
    let (kp, sp) = (free_port(), free_port());
    let kdir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(kdir.path().join("db")).expect("db dir");
    for m in ["m1.test", "m2.test", "m3.test"] {
        write(&kdir.path().join(format!("{m}.zone")), &zone_text(m, 1));
    }
    let config = kdir.path().join("knot.conf");
    std::fs::write(
        &config,
        knot_producer_config(kdir.path(), kp, sp, &["m1.test", "m2.test"]),
    )
    .expect("config");
    let mut cmd = Command::new(tool("knotd"));
    cmd.arg("-c").arg(&config);
    let knot = Proc::start("knotd", cmd, kp, kdir);
    knot.wait_serial("m1.test", 1);

    // Member refresh timers of an hour: only NOTIFY and the bulk refresh drive them.
    let slave = zonesync(
        sp,
        tempfile::tempdir().expect("tempdir"),
        &format!(
            "super-masters:\n  - {{ address: \"127.0.0.1:{kp}\", key: {KEY}, catalog: catalog.knot. }}\n\
             bulk-refresh: 2s\nmin-refresh: 1h\nmin-retry: 1s\nmax-retry: 2s\n"
        ),
    );
    slave.wait_serial("m1.test", 1);
    slave.wait_serial("m2.test", 1);
    slave.wait_log(&["catalog processed", "catalog=catalog.knot.", "members=2"]);

    // An edit: NOTIFY, then IXFR.
    write(&knot.path("m2.test.zone"), &zone_text("m2.test", 2));
    let knotc = |args: &[&str]| {
        let c = config.display().to_string();
        let mut all = vec!["-c", c.as_str()];
        all.extend_from_slice(args);
        let out = run(&tool("knotc"), &all);
        assert!(out.status.success(), "knotc {args:?}: {}", both(&out));
    };
    knotc(&["zone-reload", "m2.test"]);
    slave.wait_serial("m2.test", 2);
    slave.wait_log(&["zone=m2.test.", "IXFR-in, serial 1 -> 2"]);

    // A member added and one removed: Knot's catalog follows its config.
    std::fs::write(
        &config,
        knot_producer_config(knot.dir.path(), kp, sp, &["m2.test", "m3.test"]),
    )
    .expect("config");
    knotc(&["reload"]);
    slave.wait_serial("m3.test", 1);
    slave.wait_gone("m1.test");
    slave.wait_log(&["member left the catalog: zone deleted", "zone=m1.test."]);

    // Knot's catalog has no serial property: a bulk refresh checks each member's SOA.
    slave.wait_log(&["zone=m3.test.", "refresh, up to date"]);
}

//----------- PowerDNS autosecondary -------------------------------------------------

#[test]
fn powerdns_autosecondary_takes_zonesync_notify_for_a_new_zone() {
    // PowerDNS 4.7 as an autosecondary (`autosecondary=yes`, `pdnsutil add-autoprimary
    // 127.0.0.1 ns1.example.net`, the key imported to verify zonesync's signed
    // NOTIFYs): zonesync's NOTIFY for a zone it does not have is
    // acknowledged and goes down the autoprimary path. PowerDNS then asks the notifier
    // for the zone's SOA and NS on port 53, whatever port the NOTIFY came from
    // (`remote.setPort(53)` in `PacketHandler::tryAutoPrimarySynchronous`), and makes
    // that address the new zone's primary; zonesync does not listen on port 53 here
    // (no test does), so the zone cannot be created and that step is not asserted.
    // With zonesync on port 53 the zone's NS (ns1.example.net.) matches the
    // autoprimary entry and PowerDNS creates it as a secondary of zonesync.
    let (mp, pp) = (free_port(), free_port());
    let pdns = pdns(
        pp,
        &["autosecondary=yes"],
        &[
            vec!["import-tsig-key", KEY, "hmac-sha256", SECRET],
            vec!["add-autoprimary", "127.0.0.1", "ns1.example.net"],
        ],
    );
    let master = super_master(mp, &[pp], true, &[]);
    master.put_zone("auto.test", 1);
    master.wait_log(&["NOTIFY-out, acknowledged", "zone=auto.test."]);
    pdns.wait_log(&[
        "Received NOTIFY for auto.test from 127.0.0.1",
        "not authoritative, trying supermaster",
    ]);
}
