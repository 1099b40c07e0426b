//! Finding and running the peers' tools.
//!
//! Shared by every interop module; each uses a part, hence no dead-code warnings.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The `zonesync` binary under test.
pub fn zonesync_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zonesync"))
}

/// Runs `zonesync` and returns its output.
pub fn zonesync(args: &[&str]) -> Output {
    Command::new(zonesync_bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("zonesync runs")
}

/// Finds a peer tool in the usual Debian places; panics with an install hint when it
/// is missing (the interop target is meant to run where `.ci/run` installed them).
pub fn tool(name: &str) -> PathBuf {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = PathBuf::from(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found: run `bash .ci/run` (or install bind9 knot nsd pdns-server) first");
}

/// Runs a peer tool and returns its output.
pub fn run(tool_path: &PathBuf, args: &[&str]) -> Output {
    Command::new(tool_path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", tool_path.display()))
}

/// Text of stdout and stderr together, for assertion messages.
pub fn both(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

//----------- Running peers as daemons -------------------------------------------------

/// A TSIG key as the peers' configs spell it.
#[derive(Clone, Debug)]
pub struct PeerKey {
    /// Key name, no trailing dot.
    pub name: String,
    /// `hmac-sha256` …
    pub algorithm: String,
    /// Base64 secret.
    pub secret: String,
}

impl PeerKey {
    /// A deterministic key for `algorithm`, named after it.
    pub fn for_algorithm(algorithm: &str) -> PeerKey {
        let bytes: Vec<u8> = algorithm.bytes().cycle().take(32).collect();
        PeerKey {
            name: format!("{algorithm}.key"),
            algorithm: algorithm.to_string(),
            secret: data_encoding::BASE64.encode(&bytes),
        }
    }

    /// dig's and zonesync's `-y` form.
    pub fn dig_spec(&self) -> String {
        format!("{}:{}:{}", self.algorithm, self.name, self.secret)
    }
}

/// Every algorithm the peers and zonesync share.
pub const ALL_ALGORITHMS: [&str; 6] = [
    "hmac-md5",
    "hmac-sha1",
    "hmac-sha224",
    "hmac-sha256",
    "hmac-sha384",
    "hmac-sha512",
];

/// What a peer does for a zone.
#[derive(Clone, Debug)]
pub enum Role {
    /// Primary, loading this zone-file text.
    Primary(String),
    /// Secondary of the primary on this port (127.0.0.1).
    Secondary(u16),
    /// Secondary of the primary on `port` (127.0.0.1), with SOA queries, transfers and
    /// NOTIFY signed with `key` (the name of one of the daemon's keys).
    SecondaryKeyed {
        /// The primary's port.
        port: u16,
        /// The key's name.
        key: String,
    },
}

impl Role {
    /// The primary's port and key of a secondary zone.
    fn primary(&self) -> Option<(u16, Option<&str>)> {
        match self {
            Role::Primary(_) => None,
            Role::Secondary(p) => Some((*p, None)),
            Role::SecondaryKeyed { port, key } => Some((*port, Some(key.as_str()))),
        }
    }
}

/// One zone of a peer.
#[derive(Clone, Debug)]
pub struct ZoneDef {
    /// The zone name, no trailing dot.
    pub name: String,
    /// Primary or secondary.
    pub role: Role,
}

/// A running peer server on 127.0.0.1; stopped (kill, then wait) on drop.
pub struct Daemon {
    /// Which server (`knotd`, `named`, `nsd`).
    pub kind: &'static str,
    /// Its port (UDP and TCP).
    pub port: u16,
    /// Its config, zone files and state.
    pub dir: tempfile::TempDir,
    /// The config file.
    pub config: PathBuf,
    child: std::process::Child,
}

impl Daemon {
    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The zone file of `zone` (primaries).
    pub fn zone_file(&self, zone: &str) -> PathBuf {
        self.dir.path().join(format!("{zone}.zone"))
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, sig: &str) {
        let out = run(
            &PathBuf::from("/bin/kill"),
            &[&format!("-{sig}"), &self.child.id().to_string()],
        );
        assert!(out.status.success(), "{}", both(&out));
    }

    /// What the daemon wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// Runs `nsd-control` against this nsd (its unix control socket).
    pub fn nsd_control(&self, args: &[&str]) -> Output {
        assert_eq!(self.kind, "nsd");
        let c = self.config.display().to_string();
        let mut all = vec!["-c", c.as_str()];
        all.extend_from_slice(args);
        run(&tool("nsd-control"), &all)
    }

    /// Rewrites a primary zone and makes the daemon load it (knotc zone-reload for
    /// Knot, SIGHUP for BIND and NSD, nothing for zonesync: its file watcher notices),
    /// then waits for `serial`.
    pub fn update_zone(&self, zone: &str, text: &str, serial: u32) {
        std::fs::write(self.zone_file(zone), text).expect("write zone");
        match self.kind {
            "zonesync" => {}
            "knotd" => {
                let out = run(
                    &tool("knotc"),
                    &[
                        "-c",
                        self.config.to_str().expect("utf-8"),
                        "zone-reload",
                        zone,
                    ],
                );
                assert!(out.status.success(), "{}", both(&out));
            }
            _ => self.signal("HUP"),
        }
        self.wait_serial(zone, serial);
    }

    /// Waits (bounded, 15 s) until the daemon answers the SOA of `zone` with `serial`.
    pub fn wait_serial(&self, zone: &str, serial: u32) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let mut last = None;
        while std::time::Instant::now() < deadline {
            last = soa_serial(self.port, zone);
            if last == Some(serial) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "{} did not serve {zone} serial {serial} in time (last: {last:?}); log:\n{}",
            self.kind,
            std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The serial `kdig` sees for `zone` on 127.0.0.1:`port`, if it answers.
pub fn soa_serial(port: u16, zone: &str) -> Option<u32> {
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            zone,
            "SOA",
            "+short",
            "+time=1",
            "+retry=0",
        ],
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(2)
        .and_then(|s| s.parse().ok())
}

/// One RRset as `kdig +short` prints it from 127.0.0.1:`port` (empty when there is
/// none or no answer).
pub fn short(port: u16, name: &str, rtype: &str) -> String {
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            name,
            rtype,
            "+short",
            "+time=2",
            "+retry=0",
        ],
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The status of `zone` as the `zonesync serve` running with `config` reports it
/// through its control endpoint (`serve -c CFG status ZONE --format json`): the zone's
/// object (`serial`, `state`, `last_error` …), or `None` when the server does not
/// answer or does not have the zone.
pub fn zonesync_status(config: &std::path::Path, zone: &str) -> Option<serde_json::Value> {
    let c = config.to_str().expect("utf-8 path");
    let out = zonesync(&["serve", "-c", c, "status", zone, "--format", "json"]);
    if !out.status.success() {
        return None;
    }
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(v["zones"].get_mut(0)?.take())
}

/// Polls `done` every 100 ms until it holds or `timeout` has passed; says whether it
/// held. Callers panic with what they waited for (and the state they saw).
pub fn poll(timeout: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Whether 127.0.0.1:`port` answers the SOA of `zone`, asked with TSIG `key`, with
/// NOERROR and a reply `kdig` verifies (a server without that secret answers NOTAUTH
/// with BADSIG or BADKEY).
pub fn signed_soa_ok(port: u16, zone: &str, key: &PeerKey) -> bool {
    let spec = key.dig_spec();
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            "-y",
            &spec,
            zone,
            "SOA",
            "+time=2",
            "+retry=0",
        ],
    );
    let text = both(&out);
    out.status.success()
        && text.contains("status: NOERROR")
        && !text.contains("WARNING")
        && !text.contains("ERROR:")
}

/// A port free for both UDP and TCP on 127.0.0.1 (bound to port 0, then released).
pub fn free_port() -> u16 {
    for _ in 0..100 {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

/// Starts `tool(kind) ARGS…` as a [`Daemon`] logging to DIR/log (for a peer whose
/// config a test writes itself).
pub fn spawn(
    kind: &'static str,
    args: &[&str],
    dir: tempfile::TempDir,
    config: PathBuf,
    port: u16,
) -> Daemon {
    spawn_program(kind, Command::new(tool(kind)), args, dir, config, port)
}

fn spawn_program(
    kind: &'static str,
    mut program: Command,
    args: &[&str],
    dir: tempfile::TempDir,
    config: PathBuf,
    port: u16,
) -> Daemon {
    let log = std::fs::File::create(dir.path().join("log")).expect("log file");
    let child = program
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{kind} does not start: {e}"));
    Daemon {
        kind,
        port,
        dir,
        config,
        child,
    }
}

/// Waits until every zone of the daemon answers its SOA (primaries: the serial in
/// the file; secondaries: any serial).
fn wait_ready(d: &Daemon, zones: &[ZoneDef]) {
    for z in zones {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if soa_serial(d.port, &z.name).is_some() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} did not serve {} in time; log:\n{}",
                d.kind,
                z.name,
                std::fs::read_to_string(d.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

fn write_zone_files(dir: &std::path::Path, zones: &[ZoneDef]) {
    for z in zones {
        if let Role::Primary(text) = &z.role {
            std::fs::write(dir.join(format!("{}.zone", z.name)), text).expect("zone file");
        }
    }
}

/// Starts knotd (`knotd -c CFG`, foreground) serving `zones`, transfers allowed to
/// 127.0.0.0/8 unsigned and with each key, IXFR from zone-file differences.
pub fn start_knot(zones: &[ZoneDef], keys: &[PeerKey]) -> Daemon {
    start_knot_on(free_port(), zones, keys)
}

/// [`start_knot`] on a port picked beforehand (so that a primary can be told to
/// NOTIFY it before it runs).
pub fn start_knot_on(port: u16, zones: &[ZoneDef], keys: &[PeerKey]) -> Daemon {
    start_knot_with_module(port, zones, keys, None)
}

/// [`start_knot_on`] with one query module for every zone: `(kind, settings)`, as
/// `("mod-rrl", "rate-limit: 20")` (the module's `default` instance, with
/// `settings` one per line).
pub fn start_knot_with_module(
    port: u16,
    zones: &[ZoneDef],
    keys: &[PeerKey],
    module: Option<(&str, &str)>,
) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    write_zone_files(dir.path(), zones);
    let mut cfg = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
         database:\n  storage: {d}/db\n\
         log:\n  - target: stderr\n    any: info\n"
    );
    if !keys.is_empty() {
        cfg.push_str("key:\n");
        for k in keys {
            cfg.push_str(&format!(
                "  - id: {}\n    algorithm: {}\n    secret: {}\n",
                k.name, k.algorithm, k.secret
            ));
        }
    }
    cfg.push_str("remote:\n  - id: none\n    address: 127.0.0.1@1\n");
    for z in zones {
        if let Some((p, key)) = z.role.primary() {
            cfg.push_str(&format!(
                "  - id: primary-{}\n    address: 127.0.0.1@{p}\n",
                z.name
            ));
            if let Some(k) = key {
                cfg.push_str(&format!("    key: {k}\n"));
            }
        }
    }
    cfg.push_str("acl:\n  - id: any\n    address: 127.0.0.0/8\n    action: [transfer, notify]\n");
    for k in keys {
        cfg.push_str(&format!(
            "  - id: key-{0}\n    address: 127.0.0.0/8\n    key: {0}\n    action: [transfer, notify]\n",
            k.name
        ));
    }
    let acls: Vec<String> = std::iter::once("any".to_string())
        .chain(keys.iter().map(|k| format!("key-{}", k.name)))
        .collect();
    if let Some((kind, settings)) = module {
        cfg.push_str(&format!("{kind}:\n  - id: default\n"));
        for line in settings.lines() {
            cfg.push_str(&format!("    {line}\n"));
        }
    }
    cfg.push_str(&format!(
        "template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n    semantic-checks: off\n"
    ));
    if let Some((kind, _)) = module {
        cfg.push_str(&format!("    global-module: {kind}/default\n"));
    }
    cfg.push_str("zone:\n");
    for z in zones {
        cfg.push_str(&format!(
            "  - domain: {}\n    acl: [{}]\n",
            z.name,
            acls.join(", ")
        ));
        match &z.role {
            Role::Primary(_) => cfg.push_str(&format!("    file: {d}/{}.zone\n", z.name)),
            Role::Secondary(_) | Role::SecondaryKeyed { .. } => cfg.push_str(&format!(
                "    master: primary-{0}\n    file: {d}/{0}.zone\n",
                z.name
            )),
        }
    }
    std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
    let config = dir.path().join("knot.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    let daemon = spawn("knotd", &["-c", &c], dir, config, port);
    wait_ready(&daemon, zones);
    daemon
}

/// Starts named (`named -f -c CFG`, foreground, one worker, logging to stderr) serving `zones`; IXFR from
/// differences; `extra` is appended to the config (`server` statements …).
pub fn start_named(zones: &[ZoneDef], keys: &[PeerKey], extra: &str) -> Daemon {
    start_named_on(free_port(), zones, keys, extra)
}

/// [`start_named`] on a port picked beforehand.
pub fn start_named_on(port: u16, zones: &[ZoneDef], keys: &[PeerKey], extra: &str) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    write_zone_files(dir.path(), zones);
    let mut cfg = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
         managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  notify no;\n  allow-transfer {{ any; }};\n  \
         allow-notify {{ 127.0.0.1; }};\n  ixfr-from-differences yes;\n}};\ncontrols {{ }};\n\
         logging {{\n  channel out {{ stderr; severity info; print-time yes; }};\n  \
         channel xfer {{ stderr; severity debug 3; print-time yes; }};\n  \
         category default {{ out; }};\n  category xfer-in {{ xfer; }};\n}};\n{extra}\n"
    );
    for k in keys {
        cfg.push_str(&format!(
            "key \"{}\" {{ algorithm {}; secret \"{}\"; }};\n",
            k.name, k.algorithm, k.secret
        ));
    }
    for z in zones {
        match &z.role {
            Role::Primary(_) => cfg.push_str(&format!(
                "zone \"{0}\" {{ type primary; file \"{d}/{0}.zone\"; }};\n",
                z.name
            )),
            Role::Secondary(_) | Role::SecondaryKeyed { .. } => {
                let (p, key) = z.role.primary().expect("a secondary");
                let key = key.map(|k| format!(" key \"{k}\"")).unwrap_or_default();
                cfg.push_str(&format!(
                    "zone \"{0}\" {{ type secondary; primaries {{ 127.0.0.1 port {p}{key}; }}; file \"{d}/{0}.bak\"; }};\n",
                    z.name
                ))
            }
        }
    }
    let config = dir.path().join("named.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    // Foreground with the config's logging (not -g): xfer-in at debug level 3 says
    // whether each transfer in was incremental ("got incremental response").
    let daemon = spawn("named", &["-f", "-n", "1", "-c", &c], dir, config, port);
    wait_ready(&daemon, zones);
    daemon
}

/// Starts named with the config `conf`, in which `{dir}` stands for the daemon's
/// folder, after writing each `(zone, text)` of `files` to `{dir}/ZONE.zone`; it
/// listens (plain DNS) on `port`, and is ready when each of `ready` answers its SOA
/// there. For configs the ZoneDef shapes do not cover (XoT's `tls` blocks).
pub fn start_named_config(port: u16, conf: &str, files: &[(&str, &str)], ready: &[&str]) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    for (zone, text) in files {
        std::fs::write(dir.path().join(format!("{zone}.zone")), text).expect("zone file");
    }
    let config = dir.path().join("named.conf");
    std::fs::write(&config, conf.replace("{dir}", &d)).expect("config");
    let c = config.display().to_string();
    let daemon = spawn("named", &["-f", "-n", "1", "-c", &c], dir, config, port);
    let defs: Vec<ZoneDef> = ready
        .iter()
        .map(|z| ZoneDef {
            name: z.to_string(),
            role: Role::Secondary(0),
        })
        .collect();
    wait_ready(&daemon, &defs);
    daemon
}

/// Starts nsd (`nsd -d -c CFG`, foreground) serving `zones`: primaries with IXFR
/// created from zone-file changes (`create-ixfr`), secondaries requesting IXFR and
/// taking NOTIFY from their primary; transfers over UDP and TCP allowed to
/// 127.0.0.0/8. `nsd-control` works through a unix socket in the daemon's folder
/// ([`Daemon::nsd_control`]).
pub fn start_nsd(zones: &[ZoneDef], keys: &[PeerKey]) -> Daemon {
    start_nsd_on(free_port(), zones, keys)
}

/// [`start_nsd`] on a port picked beforehand.
pub fn start_nsd_on(port: u16, zones: &[ZoneDef], keys: &[PeerKey]) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    write_zone_files(dir.path(), zones);
    // Verbosity 2 names each transfer (and whether it was an IXFR) in the log.
    let mut cfg = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{d}\"\n  \
         database: \"\"\n  pidfile: \"{d}/nsd.pid\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  \
         zonelistfile: \"{d}/zone.list\"\n  server-count: 1\n  verbosity: 2\n  reuseport: no\n\
         remote-control:\n  control-enable: yes\n  control-interface: {d}/nsd.ctl\n"
    );
    for k in keys {
        cfg.push_str(&format!(
            "key:\n  name: \"{}\"\n  algorithm: {}\n  secret: \"{}\"\n",
            k.name, k.algorithm, k.secret
        ));
    }
    for z in zones {
        cfg.push_str(&format!(
            "zone:\n  name: \"{0}\"\n  zonefile: \"{0}.zone\"\n  provide-xfr: 127.0.0.0/8 NOKEY\n",
            z.name
        ));
        match z.role.primary() {
            None => cfg.push_str("  store-ixfr: yes\n  create-ixfr: yes\n"),
            Some((p, key)) => {
                let key = key.unwrap_or("NOKEY");
                // store-ixfr keeps the IXFRs received (and only those: no
                // create-ixfr), so an IXFR query to this nsd proves how it updated.
                cfg.push_str(&format!(
                    "  request-xfr: 127.0.0.1@{p} {key}\n  allow-notify: 127.0.0.1 {key}\n  store-ixfr: yes\n"
                ));
            }
        }
        for k in keys {
            cfg.push_str(&format!("  provide-xfr: 127.0.0.0/8 {}\n", k.name));
        }
    }
    let config = dir.path().join("nsd.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    let daemon = spawn("nsd", &["-d", "-c", &c], dir, config, port);
    wait_ready(&daemon, zones);
    daemon
}

/// Starts PowerDNS (`pdns_server --daemon=no --guardian=no --config-dir=DIR`, foreground,
/// gsqlite3 backend in DIR) as a secondary of `zones` (PowerDNS 4.7 says
/// `secondary=yes`), checking its zones every second and taking NOTIFY from
/// 127.0.0.0/8. Keyed secondaries get the key imported and activated for the zone
/// (`pdnsutil activate-tsig-key ZONE KEY secondary`). Transfers out are allowed to
/// 127.0.0.0/8 (the default `allow-axfr-ips`).
pub fn start_pdns_on(port: u16, zones: &[ZoneDef], keys: &[PeerKey]) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let db = dir.path().join("pdns.db");
    let schema = std::fs::read_to_string("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql")
        .expect("pdns-backend-sqlite3 schema (install pdns-backend-sqlite3)");
    let out = Command::new(tool("sqlite3"))
        .arg(&db)
        .arg(&schema)
        .stdin(Stdio::null())
        .output()
        .expect("sqlite3 runs");
    assert!(out.status.success(), "{}", both(&out));
    let cfg = format!(
        "launch=gsqlite3\ngsqlite3-database={d}/pdns.db\nlocal-address=127.0.0.1\nlocal-port={port}\n\
         socket-dir={d}\nsecondary=yes\nxfr-cycle-interval=1\nsecurity-poll-suffix=\n\
         query-local-address=127.0.0.1\nallow-notify-from=127.0.0.0/8\nallow-axfr-ips=127.0.0.0/8\n\
         disable-syslog=yes\nloglevel=6\ndistributor-threads=1\nreceiver-threads=1\n\
         retrieval-threads=1\nwebserver=no\napi=no\n"
    );
    let config = dir.path().join("pdns.conf");
    std::fs::write(&config, cfg).expect("config");
    let config_dir = format!("--config-dir={d}");
    let pdnsutil = |args: &[&str]| {
        let mut all = vec![config_dir.as_str()];
        all.extend_from_slice(args);
        let out = run(&tool("pdnsutil"), &all);
        assert!(out.status.success(), "pdnsutil {args:?}: {}", both(&out));
    };
    for k in keys {
        pdnsutil(&["import-tsig-key", &k.name, &k.algorithm, &k.secret]);
    }
    for z in zones {
        let Some((p, key)) = z.role.primary() else {
            panic!("PowerDNS is started as a secondary only here");
        };
        pdnsutil(&["create-secondary-zone", &z.name, &format!("127.0.0.1:{p}")]);
        if let Some(k) = key {
            pdnsutil(&["activate-tsig-key", &z.name, k, "secondary"]);
        }
    }
    let daemon = spawn(
        "pdns_server",
        &[&config_dir, "--daemon=no", "--guardian=no"],
        dir,
        config,
        port,
    );
    wait_ready(&daemon, zones);
    daemon
}

//----------- zonesync serve -----------------------------------------------------------

/// One zone of a `zonesync serve` primary.
#[derive(Clone, Debug)]
pub struct ServeZone {
    /// The zone name, no trailing dot.
    pub name: String,
    /// The zone file's text (written to `<name>.zone` in the server's folder).
    pub text: String,
    /// Extra YAML lines for the zone's entry, each indented by four spaces
    /// (`    allow-transfer: [ … ]`).
    pub settings: String,
}

/// Starts `zonesync serve --config DIR/zonesync.yaml` (info logs) on 127.0.0.1:`port`
/// with a state dir in DIR, the zone files checked every 200 ms, and `keys`; waits until
/// every zone answers its SOA. The [`Daemon`] kills it by PID on drop.
pub fn start_zonesync_on(port: u16, zones: &[ServeZone], keys: &[PeerKey]) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg =
        format!("listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nfile-check-interval: 200ms\n");
    if !keys.is_empty() {
        cfg.push_str("keys:\n");
        for k in keys {
            cfg.push_str(&format!(
                "  - {{ name: {}, algorithm: {}, secret: \"{}\" }}\n",
                k.name, k.algorithm, k.secret
            ));
        }
    }
    cfg.push_str("zones:\n");
    for z in zones {
        std::fs::write(dir.path().join(format!("{}.zone", z.name)), &z.text).expect("zone file");
        cfg.push_str(&format!(
            "  - name: {0}\n    file: {0}.zone\n{1}",
            z.name, z.settings
        ));
    }
    let names: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
    spawn_zonesync(dir, port, &cfg, &names)
}

/// Starts `zonesync serve` with the config `yaml` (written to DIR/zonesync.yaml, so
/// that relative paths land in DIR) on 127.0.0.1:`port`; waits until each of `zones`
/// answers its SOA.
pub fn start_zonesync_config(port: u16, yaml: &str, zones: &[&str]) -> Daemon {
    spawn_zonesync(tempfile::tempdir().expect("tempdir"), port, yaml, zones)
}

/// [`start_zonesync_config`] after writing each `(zone, text)` of `files` to
/// DIR/ZONE.zone (where [`Daemon::update_zone`] rewrites it).
pub fn start_zonesync_files(
    port: u16,
    yaml: &str,
    files: &[(&str, &str)],
    zones: &[&str],
) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    for (zone, text) in files {
        std::fs::write(dir.path().join(format!("{zone}.zone")), text).expect("zone file");
    }
    spawn_zonesync(dir, port, yaml, zones)
}

/// Writes `yaml` to DIR/zonesync.yaml, starts `zonesync serve` (info logs) with it and
/// waits until each of `zones` answers its SOA.
fn spawn_zonesync(dir: tempfile::TempDir, port: u16, yaml: &str, zones: &[&str]) -> Daemon {
    let config = dir.path().join("zonesync.yaml");
    std::fs::write(&config, yaml).expect("config");
    let c = config.display().to_string();
    let mut program = Command::new(zonesync_bin());
    program.env("RUST_LOG", "zonesync=info");
    let daemon = spawn_program(
        "zonesync",
        program,
        &["--color", "never", "serve", "--config", &c],
        dir,
        config,
        port,
    );
    let defs: Vec<ZoneDef> = zones
        .iter()
        .map(|z| ZoneDef {
            name: z.to_string(),
            role: Role::Secondary(0),
        })
        .collect();
    wait_ready(&daemon, &defs);
    daemon
}

//----------- Comparing zones --------------------------------------------------------

/// A record as a comparable value: owner (lower case), type, class, TTL, RDATA.
pub type RecordKey = (Vec<u8>, u16, u16, u32, Vec<u8>);

/// The comparable form of a record.
pub fn record_key(r: &zonesync::zone::Record) -> RecordKey {
    (
        r.owner.to_lowercase().as_wire().to_vec(),
        r.rtype.0,
        r.class.0,
        r.ttl,
        r.rdata.as_wire().to_vec(),
    )
}

/// The zone `zone` as `kdig` transfers it (AXFR over TCP, signed with `key` when
/// given) from 127.0.0.1:`port`: the records parsed with zonesync's zone parser, the
/// closing SOA left out, sorted.
pub fn axfr_set(port: u16, zone: &str, key: Option<&PeerKey>) -> Vec<RecordKey> {
    let port = port.to_string();
    let spec = key.map(PeerKey::dig_spec);
    let mut args = vec!["@127.0.0.1", "-p", &port, "+noall", "+answer", "+time=5"];
    if let Some(s) = &spec {
        args.extend_from_slice(&["-y", s]);
    }
    args.extend_from_slice(&[zone, "AXFR"]);
    let out = run(&tool("kdig"), &args);
    let text = both(&out);
    assert!(
        out.status.success() && !text.contains(";; ERROR") && !text.contains("WARNING"),
        "AXFR of {zone} from port {port}: {text}"
    );
    let origin: zonesync::zone::Name = format!("{zone}.").parse().expect("name");
    let parsed = zonesync::zone::parse_bytes(
        &out.stdout,
        std::path::Path::new("kdig"),
        &origin,
        &zonesync::zone::ParseOptions::default(),
    );
    assert!(
        parsed
            .findings
            .iter()
            .all(|f| f.severity != zonesync::zone::Severity::Error),
        "kdig output does not parse: {:?}",
        parsed.findings
    );
    let mut records = parsed.records;
    assert!(
        records.len() >= 2,
        "AXFR of {zone} from port {port}: {text}"
    );
    records.pop();
    let mut keys: Vec<RecordKey> = records.iter().map(record_key).collect();
    keys.sort();
    keys
}
