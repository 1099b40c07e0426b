//! `zonesync serve` as a secondary of real primaries, on 127.0.0.1 only:
//!
//! - knotd, named (`ixfr-from-differences yes`) and nsd NOTIFY it with TSIG after an
//!   edit; it takes each change by IXFR (nsd's over UDP) and then serves exactly what
//!   the primary serves (both AXFRs compared as sets);
//! - PowerDNS, which answers IXFR with the whole zone, makes it take a full transfer
//!   (logged as such), and the diff of that transfer is what it serves as IXFR;
//! - an IXFR that does not apply (a primary restored under the same serial) makes it
//!   fall back to AXFR;
//! - a chain knotd → zonesync → named passes an edit end to end;
//! - a key the primary does not know fails the refresh (BADKEY, BADSIG named in the
//!   log): SERVFAIL before the first transfer, the last good version after it;
//! - a TSIG secret rotated on knotd (`knotc reload`) and in zonesync's config
//!   (`serve reload`): the next NOTIFY-driven IXFR is signed with the new secret.
//!
//! Every server is started here with its own config in a temp folder, on ports found
//! by binding port 0, waited on by polling (bounded), and stopped by PID.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zonesync::zone::{Name, ParseOptions, parse_bytes};

use crate::peers::{
    PeerKey, both, free_port, poll, run, short, signed_soa_ok, soa_serial, tool, zonesync_bin,
    zonesync_status,
};

/// How long a change may take to reach a server.
const WAIT: Duration = Duration::from_secs(20);

//----------- Zones ------------------------------------------------------------------

/// Hosts in each test zone (enough that an AXFR and an IXFR differ visibly in size).
const HOSTS: u32 = 500;

/// The test zone at `serial`: a fixed part with many record types, and a part each
/// serial changes (an A and a TXT replaced, an AAAA added; an HINFO removed at 2).
/// The NS hosts are out of zone so that nothing is notified on port 53.
fn zone_at(origin: &str, serial: u32) -> String {
    let mut z = format!(
        "$ORIGIN {origin}.\n$TTL 3600\n\
@ IN SOA ns1 hostmaster {serial} 3600 600 86400 300\n\
@ NS ns1.example.net.\n@ NS ns2.example.net.\nns1 A 192.0.2.53\n\
@ MX 10 mail\nmail A 192.0.2.25\nMixedCase 300 A 192.0.2.7\nalias CNAME www\n\
txt TXT \"hello world\" \"semi;colon\"\n\
_sip._tcp SRV 10 20 5060 sip\nsip A 192.0.2.60\n\
naptr NAPTR 100 10 \"S\" \"SIP+D2T\" \"\" _sip._tcp\n\
caa CAA 0 issue \"letsencrypt.org\"\n\
sshfp SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n\
_443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
sub NS ns.sub\nns.sub A 192.0.2.99\n\
sub DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m\n\
uri URI 10 1 \"https://example.com/\"\n\
unknown TYPE65534 \\# 3 abcdef\n\
www A 192.0.2.{serial}\nversion TXT \"serial {serial}\"\n"
    );
    for k in 1..=serial {
        z.push_str(&format!("added{k} AAAA 2001:db8::{k:x}\n"));
    }
    if serial < 2 {
        z.push_str("hinfo HINFO \"PC\" \"Linux\"\n");
    }
    for i in 0..HOSTS {
        z.push_str(&format!("h{i} A 10.0.{}.{}\n", i >> 8, i & 255));
    }
    z
}

/// The transfer key every primary and zonesync share.
fn xfr_key() -> PeerKey {
    PeerKey {
        name: "xfr-key".into(),
        algorithm: "hmac-sha256".into(),
        secret: "c2Vjb25kYXJ5LXNpZGUgaW50ZXJvcCBrZXkgZm9yIHRlc3Rz".into(),
    }
}

/// The same key name with another secret (BADSIG at the primary).
fn wrong_secret() -> PeerKey {
    PeerKey {
        secret: "bm90IHRoZSBzZWNyZXQgdGhlIHByaW1hcnkga25vd3MhIQ==".into(),
        ..xfr_key()
    }
}

/// The same key name with the secret it is rotated to.
fn rotated_secret() -> PeerKey {
    PeerKey {
        secret: "dGhlIHJvdGF0ZWQgc2VjcmV0IG9mIHhmci1rZXkhISE=".into(),
        ..xfr_key()
    }
}

/// A key the primaries do not know (BADKEY at the primary).
fn unknown_key() -> PeerKey {
    PeerKey {
        name: "unknown-key".into(),
        ..xfr_key()
    }
}

//----------- Processes --------------------------------------------------------------

/// A server started by this file, in its own temp folder, logging to `log` there;
/// killed by PID and waited for on drop (its log printed when a test failed).
struct Proc {
    /// `zonesync`, `knotd`, `named`, `nsd`, `pdns_server`.
    kind: &'static str,
    /// Its port, UDP and TCP, on 127.0.0.1.
    port: u16,
    /// Config, zone files, state and log.
    dir: tempfile::TempDir,
    /// How to start it again (`respawn`).
    program: PathBuf,
    args: Vec<String>,
    child: Child,
}

impl Proc {
    fn start(
        kind: &'static str,
        program: PathBuf,
        args: Vec<String>,
        dir: tempfile::TempDir,
        port: u16,
    ) -> Proc {
        let child = spawn_logged(&program, &args, dir.path());
        Proc {
            kind,
            port,
            dir,
            program,
            args,
            child,
        }
    }

    /// Stops the process (by PID) and starts it again with the same command line (the
    /// config may have been rewritten meanwhile).
    fn respawn(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn_logged(&self.program, &self.args, self.dir.path());
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("log")).unwrap_or_default()
    }

    /// The length of the log now, for [`Proc::wait_log`].
    fn mark(&self) -> usize {
        self.log().len()
    }

    /// Waits (bounded) for a line after `mark` that contains every needle; returns it.
    fn wait_log(&self, mark: usize, needles: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let log = self.log();
            if let Some(line) = log
                .get(mark..)
                .unwrap_or("")
                .lines()
                .find(|l| needles.iter().all(|n| l.contains(n)))
            {
                return line.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "{}: no log line with {needles:?} within {WAIT:?}",
                self.kind
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (bounded) until the server answers the SOA of `zone` with `serial`.
    fn wait_serial(&self, zone: &str, serial: u32) {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        while Instant::now() < deadline {
            last = soa_serial(self.port, zone);
            if last == Some(serial) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{} did not serve {zone} serial {serial} within {WAIT:?} (last: {last:?})",
            self.kind
        );
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!(
                "--- {} (port {}) log, last lines ---\n{}",
                self.kind,
                self.port,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
    }
}

/// Starts `program` with stdout and stderr appended to `dir/log`.
fn spawn_logged(program: &Path, args: &[String], dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("log"))
        .expect("log file");
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", program.display()))
}

/// Runs a tool and asserts that it succeeded.
fn must(tool_path: &PathBuf, args: &[&str]) -> String {
    let out = run(tool_path, args);
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        tool_path.display(),
        both(&out)
    );
    both(&out)
}

//----------- zonesync ---------------------------------------------------------------

/// One secondary zone of zonesync: its primary, and the key (by name) to use with it.
struct Secondary<'a> {
    zone: &'a str,
    primary_port: u16,
    key: &'a PeerKey,
    /// Extra lines of the zone's YAML mapping (`also-notify`, `ixfr-udp` …), indented
    /// by four spaces.
    extra: &'a str,
    /// The primary's entry beyond address and key (`, ixfr-udp: true`).
    primary_extra: &'a str,
}

/// zonesync's config: listening on `port`, every key of `keys`, the zone secondary;
/// transfers allowed to the transfer key.
fn zonesync_config(port: u16, keys: &[&PeerKey], s: &Secondary<'_>) -> String {
    let mut cfg = format!("listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nkeys:\n");
    for k in keys {
        cfg.push_str(&format!(
            "  - {{ name: {}, algorithm: {}, secret: \"{}\" }}\n",
            k.name, k.algorithm, k.secret
        ));
    }
    cfg.push_str(&format!(
        "zones:\n  - name: {}\n    primaries: [ {{ address: \"127.0.0.1:{}\", key: {}{} }} ]\n    \
         allow-transfer: [ {{ key: xfr-key }} ]\n{}",
        s.zone, s.primary_port, s.key.name, s.primary_extra, s.extra
    ));
    cfg
}

/// Starts `zonesync serve` on `port` with `config` and waits until it listens.
fn start_zonesync(port: u16, config: &str) -> Proc {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("zonesync.yaml"), config).expect("config");
    let args = vec![
        "serve".to_string(),
        "--config".to_string(),
        dir.path().join("zonesync.yaml").display().to_string(),
    ];
    let p = Proc::start("zonesync", zonesync_bin(), args, dir, port);
    p.wait_log(0, &["listening on UDP and TCP"]);
    p
}

/// Rewrites zonesync's config and restarts it (same state directory).
fn restart_zonesync(p: &mut Proc, config: &str) {
    std::fs::write(p.path("zonesync.yaml"), config).expect("config");
    let mark = p.mark();
    p.respawn();
    p.wait_log(mark, &["listening on UDP and TCP"]);
}

//----------- Primaries --------------------------------------------------------------

/// Which primary server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Knot,
    Named,
    Nsd,
}

/// Starts `kind` on `port` as the primary of `zone` (serial 1), allowing transfers
/// with `key` only and sending NOTIFY signed with it to 127.0.0.1:`notify_port`.
fn start_primary(kind: Kind, zone: &str, port: u16, key: &PeerKey, notify_port: u16) -> Proc {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    std::fs::write(dir.path().join(format!("{zone}.zone")), zone_at(zone, 1)).expect("zone");
    let (k, alg, secret) = (&key.name, &key.algorithm, &key.secret);
    let p = match kind {
        Kind::Knot => {
            let cfg = format!(
                "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
                 database:\n  storage: {d}/db\n\
                 log:\n  - target: stderr\n    any: info\n\
                 key:\n  - id: {k}\n    algorithm: {alg}\n    secret: {secret}\n\
                 remote:\n  - id: zonesync\n    address: 127.0.0.1@{notify_port}\n    key: {k}\n\
                 acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    key: {k}\n    action: transfer\n\
                 template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    \
                 journal-content: changes\n    semantic-checks: off\n\
                 zone:\n  - domain: {zone}\n    file: {d}/{zone}.zone\n    notify: zonesync\n    acl: xfr\n"
            );
            std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
            std::fs::write(dir.path().join("knot.conf"), cfg).expect("config");
            let args = vec!["-c".into(), format!("{d}/knot.conf")];
            Proc::start("knotd", tool("knotd"), args, dir, port)
        }
        Kind::Named => {
            let rndc_port = free_port();
            let rndc_key = "cm5kYy1rZXktZm9yLXRoZS1zZWNvbmRhcnktdGVzdHM=";
            let cfg = format!(
                "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
                 recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
                 managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  \
                 notify explicit;\n  notify-delay 0;\n  also-notify {{ 127.0.0.1 port {notify_port} key \"{k}\"; }};\n  \
                 allow-transfer {{ key \"{k}\"; }};\n  ixfr-from-differences yes;\n}};\n\
                 key \"{k}\" {{ algorithm {alg}; secret \"{secret}\"; }};\n\
                 key \"rndc-key\" {{ algorithm hmac-sha256; secret \"{rndc_key}\"; }};\n\
                 controls {{ inet 127.0.0.1 port {rndc_port} allow {{ 127.0.0.1; }} keys {{ \"rndc-key\"; }}; }};\n\
                 zone \"{zone}\" {{ type primary; file \"{d}/{zone}.zone\"; }};\n"
            );
            let rndc = format!(
                "key \"rndc-key\" {{ algorithm hmac-sha256; secret \"{rndc_key}\"; }};\n\
                 options {{ default-key \"rndc-key\"; default-server 127.0.0.1; default-port {rndc_port}; }};\n"
            );
            std::fs::write(dir.path().join("named.conf"), cfg).expect("config");
            std::fs::write(dir.path().join("rndc.conf"), rndc).expect("rndc config");
            let args = vec![
                "-g".into(),
                "-n".into(),
                "1".into(),
                "-c".into(),
                format!("{d}/named.conf"),
            ];
            Proc::start("named", tool("named"), args, dir, port)
        }
        Kind::Nsd => {
            let cfg = format!(
                "server:\n  ip-address: 127.0.0.1@{port}\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{d}\"\n  \
                 database: \"\"\n  pidfile: \"{d}/nsd.pid\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  \
                 zonelistfile: \"{d}/zone.list\"\n  server-count: 1\n  verbosity: 2\n  reuseport: no\n\
                 remote-control:\n  control-enable: no\n\
                 key:\n  name: \"{k}\"\n  algorithm: {alg}\n  secret: \"{secret}\"\n\
                 zone:\n  name: \"{zone}\"\n  zonefile: \"{zone}.zone\"\n  provide-xfr: 127.0.0.0/8 {k}\n  \
                 notify: 127.0.0.1@{notify_port} {k}\n  store-ixfr: yes\n  create-ixfr: yes\n"
            );
            std::fs::write(dir.path().join("nsd.conf"), cfg).expect("config");
            let args = vec!["-d".into(), "-c".into(), format!("{d}/nsd.conf")];
            Proc::start("nsd", tool("nsd"), args, dir, port)
        }
    };
    p.wait_serial(zone, 1);
    p
}

/// Rewrites the primary's zone at `serial` and makes it load the file: `knotc
/// zone-reload`, `rndc reload ZONE`, SIGHUP for nsd. Waits until it serves the serial.
fn edit_primary(p: &Proc, kind: Kind, zone: &str, serial: u32) {
    std::fs::write(p.path(&format!("{zone}.zone")), zone_at(zone, serial)).expect("zone");
    let conf = |f: &str| p.path(f).display().to_string();
    match kind {
        Kind::Knot => {
            must(
                &tool("knotc"),
                &["-c", &conf("knot.conf"), "zone-reload", zone],
            );
        }
        Kind::Named => {
            must(&tool("rndc"), &["-c", &conf("rndc.conf"), "reload", zone]);
        }
        Kind::Nsd => {
            must(
                &PathBuf::from("/bin/kill"),
                &["-HUP", &p.child.id().to_string()],
            );
        }
    }
    p.wait_serial(zone, serial);
}

//----------- PowerDNS ---------------------------------------------------------------

/// `pdnsutil` with the folder's config.
fn pdnsutil(dir: &Path, args: &[&str]) -> String {
    let cfg = format!("--config-dir={}", dir.display());
    let mut all = vec![cfg.as_str()];
    all.extend_from_slice(args);
    must(&tool("pdnsutil"), &all)
}

/// Starts pdns_server (gsqlite3 backend, caches off) on `port` as the primary of `zone`
/// (serial 1), transfers allowed with `key`, NOTIFY (signed with it: `send-signed-notify`
/// takes the zone's TSIG-ALLOW-AXFR key) to 127.0.0.1:`notify_port`.
fn start_pdns(zone: &str, port: u16, key: &PeerKey, notify_port: u16) -> Proc {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let cfg = format!(
        "launch=gsqlite3\ngsqlite3-database={d}/pdns.sqlite3\nlocal-address=127.0.0.1:{port}\n\
         socket-dir={d}\ndaemon=no\nguardian=no\ndisable-syslog=yes\nwrite-pid=no\nprimary=yes\n\
         cache-ttl=0\nquery-cache-ttl=0\nnegquery-cache-ttl=0\ndistributor-threads=1\n\
         receiver-threads=1\nallow-axfr-ips=127.0.0.0/8\nloglevel=6\n"
    );
    std::fs::write(dir.path().join("pdns.conf"), cfg).expect("config");
    let schema =
        std::fs::read_to_string("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")
            .expect("pdns-backend-sqlite3's schema (apt install pdns-backend-sqlite3)");
    let db = format!("{d}/pdns.sqlite3");
    let out = Command::new(tool("sqlite3"))
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(schema.as_bytes())?;
            c.wait_with_output()
        })
        .expect("sqlite3 runs");
    assert!(out.status.success(), "sqlite3: {}", both(&out));
    let file = dir.path().join(format!("{zone}.zone"));
    std::fs::write(&file, zone_at(zone, 1)).expect("zone");
    let p = dir.path();
    pdnsutil(p, &["load-zone", zone, &file.display().to_string()]);
    pdnsutil(p, &["set-kind", zone, "primary"]);
    pdnsutil(
        p,
        &["import-tsig-key", &key.name, &key.algorithm, &key.secret],
    );
    pdnsutil(p, &["activate-tsig-key", zone, &key.name, "primary"]);
    pdnsutil(
        p,
        &[
            "set-meta",
            zone,
            "ALSO-NOTIFY",
            &format!("127.0.0.1:{notify_port}"),
        ],
    );
    let args = vec![format!("--config-dir={d}")];
    let p = Proc::start("pdns_server", tool("pdns_server"), args, dir, port);
    p.wait_serial(zone, 1);
    p
}

/// The edit from serial 1 to 2 of [`zone_at`], through pdnsutil, then NOTIFY through
/// pdns_control.
fn edit_pdns(p: &Proc, zone: &str) {
    let d = p.dir.path();
    pdnsutil(d, &["replace-rrset", zone, "www", "A", "3600", "192.0.2.2"]);
    pdnsutil(
        d,
        &[
            "replace-rrset",
            zone,
            "version",
            "TXT",
            "3600",
            "\"serial 2\"",
        ],
    );
    pdnsutil(
        d,
        &["add-record", zone, "added2", "AAAA", "3600", "2001:db8::2"],
    );
    pdnsutil(d, &["delete-rrset", zone, "hinfo", "HINFO"]);
    pdnsutil(d, &["increase-serial", zone]);
    p.wait_serial(zone, 2);
    let socket = format!("--socket-dir={}", d.display());
    must(&tool("pdns_control"), &[&socket, "notify", zone]);
}

//----------- Comparing --------------------------------------------------------------

/// A record as a comparable tuple: owner (lower case), type, class, TTL, RDATA.
type RecordKey = (Vec<u8>, u16, u16, u32, Vec<u8>);

/// The zone as a server transfers it (kdig, signed with `key`), as a sorted set.
fn axfr_set(port: u16, zone: &str, key: &PeerKey) -> Vec<RecordKey> {
    let port = port.to_string();
    let spec = key.dig_spec();
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &port,
            "-y",
            &spec,
            zone,
            "AXFR",
            "+noall",
            "+answer",
            "+time=5",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !text.contains(";; ERROR"),
        "kdig AXFR {zone} from port {port}: {}",
        both(&out)
    );
    let origin: Name = format!("{zone}.").parse().expect("name");
    let parsed = parse_bytes(
        text.as_bytes(),
        Path::new("kdig"),
        &origin,
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
    let mut set: Vec<RecordKey> = parsed
        .records
        .iter()
        .map(|r| {
            (
                r.owner.to_lowercase().as_wire().to_vec(),
                r.rtype.0,
                r.class.0,
                r.ttl,
                r.rdata.as_wire().to_vec(),
            )
        })
        .collect();
    set.sort();
    set.dedup(); // the closing SOA
    set
}

/// Both servers transfer the same records.
fn assert_same_zone(a: &Proc, b: &Proc, zone: &str, key: &PeerKey) {
    let ours = axfr_set(a.port, zone, key);
    let theirs = axfr_set(b.port, zone, key);
    assert!(ours.len() > HOSTS as usize, "{} records", ours.len());
    assert!(
        ours == theirs,
        "{zone}: {} serves {} records, {} serves {}; only in the first: {:?}; only in the second: {:?}",
        a.kind,
        ours.len(),
        b.kind,
        theirs.len(),
        ours.iter()
            .filter(|r| !theirs.contains(r))
            .take(5)
            .collect::<Vec<_>>(),
        theirs
            .iter()
            .filter(|r| !ours.contains(r))
            .take(5)
            .collect::<Vec<_>>()
    );
}

/// The RCODE `kdig` reports for the SOA of `zone`.
fn soa_status(port: u16, zone: &str) -> String {
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            zone,
            "SOA",
            "+time=2",
            "+retry=0",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("status: ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .unwrap_or("no answer")
        .to_string()
}

//----------- Tests ------------------------------------------------------------------

/// zonesync secondary of `kind`: the first transfer, then two edits on the primary,
/// each NOTIFYed (TSIG) and taken by IXFR; both servers then transfer the same zone.
fn secondary_of(kind: Kind, zone: &str, primary_extra: &str) -> (Proc, Proc) {
    let key = xfr_key();
    let (pport, zport) = (free_port(), free_port());
    let primary = start_primary(kind, zone, pport, &key, zport);
    let s = Secondary {
        zone,
        primary_port: pport,
        key: &key,
        extra: "",
        primary_extra,
    };
    let zs = start_zonesync(zport, &zonesync_config(zport, &[&key], &s));
    zs.wait_serial(zone, 1);
    zs.wait_log(0, &["AXFR-in, serial none -> 1"]);
    assert_same_zone(&zs, &primary, zone, &key);

    for serial in [2, 3] {
        let mark = zs.mark();
        edit_primary(&primary, kind, zone, serial);
        zs.wait_serial(zone, serial);
        zs.wait_log(mark, &["NOTIFY-in, accepted", &format!("serial={serial}")]);
        let line = zs.wait_log(mark, &[&format!("-in, serial {} -> {serial}", serial - 1)]);
        assert!(line.contains("IXFR-in"), "{kind:?}: not by IXFR: {line}");
        eprintln!("{kind:?} -> zonesync: {line}");
        assert_same_zone(&zs, &primary, zone, &key);
    }
    (primary, zs)
}

#[test]
fn secondary_of_knot_by_notify_and_ixfr() {
    let (_knot, zs) = secondary_of(Kind::Knot, "knot-primary.example", "");
    assert!(zs.log().contains("transport=TCP"), "{}", zs.log());
}

#[test]
fn secondary_of_named_by_notify_and_ixfr() {
    secondary_of(Kind::Named, "named-primary.example", "");
}

#[test]
fn secondary_of_nsd_by_notify_and_ixfr_over_udp() {
    let (_nsd, zs) = secondary_of(Kind::Nsd, "nsd-primary.example", ", ixfr-udp: true");
    // NSD answers IXFR over UDP when the changes fit.
    let line = zs.wait_log(0, &["IXFR-in, serial 2 -> 3"]);
    assert!(line.contains("transport=UDP"), "{line}");
    // NSD 4.6's `create-ixfr` adds the unchanged apex MX again in each changeset;
    // zonesync leaves such additions out (as BIND does) and says so.
    for line in zs.log().lines().filter(|l| l.contains("without effect")) {
        eprintln!("Nsd -> zonesync: {line}");
    }
}

/// A primary restored with other content under the same serial sends an IXFR that
/// does not apply (it adds a record zonesync holds with another TTL): zonesync falls
/// back to AXFR instead of retrying the same IXFR until the zone expires.
#[test]
fn ixfr_that_does_not_apply_falls_back_to_axfr() {
    let zone = "diverged.example";
    let key = xfr_key();
    let (kport, zport) = (free_port(), free_port());
    let mut knot = start_primary(Kind::Knot, zone, kport, &key, zport);
    let s = Secondary {
        zone,
        primary_port: kport,
        key: &key,
        extra: "",
        primary_extra: "",
    };
    let zs = start_zonesync(zport, &zonesync_config(zport, &[&key], &s));
    zs.wait_serial(zone, 1);

    // knotd restarted from a file without `mail` at serial 1, its journal gone; then
    // serial 2 adds `mail` back with another TTL.
    let file = knot.path(&format!("{zone}.zone"));
    std::fs::write(&file, zone_at(zone, 1).replace("mail A 192.0.2.25\n", "")).expect("zone");
    std::fs::remove_dir_all(knot.path("db")).expect("knot's db");
    std::fs::create_dir_all(knot.path("db")).expect("knot's db");
    knot.respawn();
    knot.wait_serial(zone, 1);
    let mark = zs.mark();
    std::fs::write(
        &file,
        zone_at(zone, 2).replace("mail A 192.0.2.25\n", "mail 600 A 192.0.2.25\n"),
    )
    .expect("zone");
    let conf = knot.path("knot.conf").display().to_string();
    must(&tool("knotc"), &["-c", &conf, "zone-reload", zone]);
    knot.wait_serial(zone, 2);

    zs.wait_serial(zone, 2);
    let line = zs.wait_log(mark, &["IXFR-in does not apply"]);
    assert!(line.contains("already in the zone"), "{line}");
    let line = zs.wait_log(mark, &["AXFR (fallback from IXFR)-in, serial 1 -> 2"]);
    eprintln!("diverged Knot -> zonesync: {line}");
    assert_same_zone(&zs, &knot, zone, &key);
}

/// PowerDNS answers IXFR with the whole zone: zonesync takes it as a full transfer,
/// diffs it against what it had, and serves that difference as IXFR.
#[test]
fn secondary_of_powerdns_falls_back_to_a_full_transfer() {
    let zone = "pdns-primary.example";
    let key = xfr_key();
    let (pport, zport) = (free_port(), free_port());
    let pdns = start_pdns(zone, pport, &key, zport);
    let s = Secondary {
        zone,
        primary_port: pport,
        key: &key,
        extra: "",
        primary_extra: "",
    };
    let zs = start_zonesync(zport, &zonesync_config(zport, &[&key], &s));
    zs.wait_serial(zone, 1);
    zs.wait_log(0, &["AXFR-in, serial none -> 1"]);
    assert_same_zone(&zs, &pdns, zone, &key);

    let mark = zs.mark();
    edit_pdns(&pdns, zone);
    zs.wait_serial(zone, 2);
    zs.wait_log(mark, &["NOTIFY-in, accepted"]);
    let line = zs.wait_log(mark, &["-in, serial 1 -> 2"]);
    eprintln!("PowerDNS -> zonesync: {line}");
    assert!(
        line.contains("AXFR-style IXFR-in") || line.contains("AXFR (fallback from IXFR)-in"),
        "{line}"
    );
    assert_same_zone(&zs, &pdns, zone, &key);
    assert_eq!(short(zport, &format!("www.{zone}"), "A"), "192.0.2.2");

    // The full transfer was diffed: zonesync serves the change as an IXFR.
    let spec = key.dig_spec();
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &zport.to_string(),
            "-y",
            &spec,
            zone,
            "IXFR=1",
            "+noall",
            "+answer",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.len() < 20 && lines.iter().filter(|l| l.contains("\tSOA\t")).count() == 4,
        "not an incremental answer: {text}"
    );
    assert!(
        text.contains("192.0.2.2") && text.contains("HINFO"),
        "{text}"
    );
}

/// knotd → zonesync → named: an edit on knotd reaches named through zonesync's
/// NOTIFY and transfer out.
#[test]
fn chain_knot_zonesync_named() {
    let zone = "chain.example";
    let key = xfr_key();
    let (kport, zport, nport) = (free_port(), free_port(), free_port());
    let knot = start_primary(Kind::Knot, zone, kport, &key, zport);
    let also = format!("    also-notify: [ {{ address: \"127.0.0.1:{nport}\", key: xfr-key }} ]\n");
    let s = Secondary {
        zone,
        primary_port: kport,
        key: &key,
        extra: &also,
        primary_extra: "",
    };
    let zs = start_zonesync(zport, &zonesync_config(zport, &[&key], &s));
    zs.wait_serial(zone, 1);

    // named, secondary of zonesync (with the key), notifying nobody.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let cfg = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {nport} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
         managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  notify no;\n  allow-transfer {{ key \"{k}\"; }};\n}};\n\
         key \"{k}\" {{ algorithm {alg}; secret \"{secret}\"; }};\n\
         zone \"{zone}\" {{ type secondary; primaries {{ 127.0.0.1 port {zport} key \"{k}\"; }}; file \"{d}/{zone}.bak\"; }};\n",
        k = key.name,
        alg = key.algorithm,
        secret = key.secret,
    );
    std::fs::write(dir.path().join("named.conf"), cfg).expect("config");
    let args = vec![
        "-g".into(),
        "-n".into(),
        "1".into(),
        "-c".into(),
        format!("{d}/named.conf"),
    ];
    let named = Proc::start("named", tool("named"), args, dir, nport);
    named.wait_serial(zone, 1);

    let (zmark, nmark) = (zs.mark(), named.mark());
    edit_primary(&knot, Kind::Knot, zone, 2);
    zs.wait_serial(zone, 2);
    zs.wait_log(zmark, &["IXFR-in, serial 1 -> 2"]);
    zs.wait_log(
        zmark,
        &["NOTIFY-out, acknowledged", &format!("127.0.0.1:{nport}")],
    );
    named.wait_serial(zone, 2);
    assert_eq!(short(nport, &format!("www.{zone}"), "A"), "192.0.2.2");
    assert_eq!(short(nport, &format!("hinfo.{zone}"), "HINFO"), "");
    // named has serial 1, so it asks for IXFR: the answer is the change alone (its log
    // does not name the transfer type; the record count tells).
    let line = named.wait_log(nmark, &["Transfer completed"]);
    eprintln!("zonesync -> named: {line}");
    let records: usize = line
        .split(" records")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no record count in {line}"));
    assert!(
        records < 20,
        "named took {records} records, not an IXFR: {line}"
    );
    zs.wait_log(zmark, &["IXFR-out, finished", "serial=2"]);
    assert_same_zone(&named, &knot, zone, &key);
}

/// A key the primary does not know: never loaded → the refresh fails naming BADKEY
/// and the zone is SERVFAIL; loaded, then a wrong secret → the refresh fails naming
/// BADSIG and the last good version is still served.
#[test]
fn wrong_key_fails_the_refresh_and_keeps_the_zone() {
    let zone = "wrong-key.example";
    let key = xfr_key();
    let (kport, zport) = (free_port(), free_port());
    let knot = start_primary(Kind::Knot, zone, kport, &key, zport);

    // 1. An unknown key name, never loaded.
    let unknown = unknown_key();
    fn with<'a>(zone: &'a str, kport: u16, k: &'a PeerKey) -> Secondary<'a> {
        Secondary {
            zone,
            primary_port: kport,
            key: k,
            extra: "",
            primary_extra: "",
        }
    }
    let mut zs = start_zonesync(
        zport,
        &zonesync_config(zport, &[&key, &unknown], &with(zone, kport, &unknown)),
    );
    let line = zs.wait_log(0, &["refresh, failed"]);
    eprintln!("unknown key: {line}");
    assert!(line.contains("NOTAUTH (BADKEY)"), "{line}");
    assert_eq!(soa_status(zport, zone), "SERVFAIL");

    // 2. The right key: loaded.
    restart_zonesync(
        &mut zs,
        &zonesync_config(zport, &[&key], &with(zone, kport, &key)),
    );
    zs.wait_serial(zone, 1);

    // 3. The right name with a wrong secret; the primary moves on.
    let wrong = wrong_secret();
    let mark = zs.mark();
    restart_zonesync(
        &mut zs,
        &zonesync_config(zport, &[&wrong], &with(zone, kport, &wrong)),
    );
    zs.wait_log(mark, &["restored from the store"]);
    edit_primary(&knot, Kind::Knot, zone, 2);
    // knotd's NOTIFY carries the real key: zonesync cannot verify it.
    zs.wait_log(mark, &["TSIG check failed", "BADSIG"]);
    // A NOTIFY zonesync can verify starts a refresh, which the primary refuses.
    let out = crate::peers::zonesync(&[
        "notify",
        zone,
        "-s",
        &zs.addr(),
        "-y",
        &wrong.dig_spec(),
        "--serial",
        "2",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let line = zs.wait_log(mark, &["refresh, failed"]);
    eprintln!("wrong secret: {line}");
    assert!(line.contains("NOTAUTH (BADSIG)"), "{line}");
    assert_eq!(soa_serial(zport, zone), Some(1));
    assert_eq!(short(zport, &format!("www.{zone}"), "A"), "192.0.2.1");
    assert_eq!(soa_status(zport, zone), "NOERROR");
}

/// A TSIG secret rotated on both sides: knotd's config rewritten and `knotc reload`,
/// zonesync's config rewritten and `zonesync serve -c CFG reload`. knotd's next NOTIFY
/// (signed with the new secret) must start a refresh that zonesync signs with the new
/// secret too: the IXFR succeeds, `status` shows the new serial and no error. A
/// refresh still signed with the old secret fails at knotd with BADSIG.
#[test]
fn rotated_tsig_secret_signs_the_next_refresh() {
    let zone = "rotation.example";
    let (old, new) = (xfr_key(), rotated_secret());
    let (kport, zport) = (free_port(), free_port());
    let knot = start_primary(Kind::Knot, zone, kport, &old, zport);
    let config = |k: &PeerKey| {
        let s = Secondary {
            zone,
            primary_port: kport,
            key: k,
            extra: "",
            primary_extra: "",
        };
        zonesync_config(zport, &[k], &s)
    };
    let zs = start_zonesync(zport, &config(&old));
    zs.wait_serial(zone, 1);
    let zs_config = zs.path("zonesync.yaml");

    // knotd: the new secret in its config, reloaded.
    let knot_conf = knot.path("knot.conf");
    let text = std::fs::read_to_string(&knot_conf).expect("knot.conf");
    assert!(text.contains(&old.secret), "{text}");
    std::fs::write(&knot_conf, text.replace(&old.secret, &new.secret)).expect("knot.conf");
    must(
        &tool("knotc"),
        &["-c", &knot_conf.display().to_string(), "reload"],
    );
    assert!(
        poll(WAIT, || signed_soa_ok(kport, zone, &new)),
        "knotd does not take the rotated secret after `knotc reload`"
    );
    assert!(
        !signed_soa_ok(kport, zone, &old),
        "knotd still takes the old secret after `knotc reload`"
    );

    // zonesync: the new secret in its config, reloaded through the control endpoint.
    std::fs::write(&zs_config, config(&new)).expect("config");
    let out = crate::peers::zonesync(&["serve", "-c", &zs_config.display().to_string(), "reload"]);
    assert!(
        out.status.success() && both(&out).contains("config reloaded"),
        "{}",
        both(&out)
    );
    assert!(
        poll(WAIT, || signed_soa_ok(zport, zone, &new)),
        "zonesync does not verify the rotated secret after `serve reload`"
    );
    assert_eq!(
        zonesync_status(&zs_config, zone).map(|s| s["serial"].clone()),
        Some(1.into())
    );

    // An edit on knotd: NOTIFY (signed with the new secret), then IXFR.
    edit_primary(&knot, Kind::Knot, zone, 2);
    let mut last = None;
    let done = poll(WAIT, || {
        last = zonesync_status(&zs_config, zone);
        last.as_ref()
            .is_some_and(|s| s["serial"] == 2 && s["last_error"].is_null())
    });
    assert!(
        done,
        "zonesync did not take serial 2 from knotd with the rotated secret within {WAIT:?}; \
         its status: {}",
        last.map_or("no answer".to_string(), |s| s.to_string())
    );
    assert_eq!(short(zport, &format!("www.{zone}"), "A"), "192.0.2.2");
    assert_same_zone(&zs, &knot, zone, &new);
}
