//! Finding and running the peers' tools.

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

    /// Rewrites a primary zone and makes the daemon load it (knotc zone-reload for
    /// Knot, SIGHUP for BIND and NSD), then waits for `serial`.
    pub fn update_zone(&self, zone: &str, text: &str, serial: u32) {
        std::fs::write(self.zone_file(zone), text).expect("write zone");
        match self.kind {
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

fn spawn(
    kind: &'static str,
    args: &[&str],
    dir: tempfile::TempDir,
    config: PathBuf,
    port: u16,
) -> Daemon {
    let log = std::fs::File::create(dir.path().join("log")).expect("log file");
    let child = Command::new(tool(kind))
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
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let port = free_port();
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
        if let Role::Secondary(p) = z.role {
            cfg.push_str(&format!(
                "  - id: primary-{}\n    address: 127.0.0.1@{p}\n",
                z.name
            ));
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
    cfg.push_str(&format!(
        "template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n    semantic-checks: off\n\
         zone:\n"
    ));
    for z in zones {
        cfg.push_str(&format!(
            "  - domain: {}\n    acl: [{}]\n",
            z.name,
            acls.join(", ")
        ));
        match &z.role {
            Role::Primary(_) => cfg.push_str(&format!("    file: {d}/{}.zone\n", z.name)),
            Role::Secondary(_) => cfg.push_str(&format!(
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

/// Starts named (`named -g -c CFG`, foreground, one worker) serving `zones`; IXFR from
/// differences; `extra` is appended to the config (`server` statements …).
pub fn start_named(zones: &[ZoneDef], keys: &[PeerKey], extra: &str) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let port = free_port();
    write_zone_files(dir.path(), zones);
    let mut cfg = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
         managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  notify no;\n  allow-transfer {{ any; }};\n  \
         allow-notify {{ 127.0.0.1; }};\n  ixfr-from-differences yes;\n}};\ncontrols {{ }};\n{extra}\n"
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
            Role::Secondary(p) => cfg.push_str(&format!(
                "zone \"{0}\" {{ type secondary; primaries {{ 127.0.0.1 port {p}; }}; file \"{d}/{0}.bak\"; }};\n",
                z.name
            )),
        }
    }
    let config = dir.path().join("named.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    let daemon = spawn("named", &["-g", "-n", "1", "-c", &c], dir, config, port);
    wait_ready(&daemon, zones);
    daemon
}

/// Starts nsd (`nsd -d -c CFG`, foreground) as a primary of `zones`, IXFR created from
/// zone-file changes (`create-ixfr`), transfers over UDP and TCP allowed.
pub fn start_nsd(zones: &[ZoneDef], keys: &[PeerKey]) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let port = free_port();
    write_zone_files(dir.path(), zones);
    let mut cfg = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{d}\"\n  \
         database: \"\"\n  pidfile: \"{d}/nsd.pid\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  \
         zonelistfile: \"{d}/zone.list\"\n  server-count: 1\n  verbosity: 1\n  reuseport: no\n\
         remote-control:\n  control-enable: no\n"
    );
    for k in keys {
        cfg.push_str(&format!(
            "key:\n  name: \"{}\"\n  algorithm: {}\n  secret: \"{}\"\n",
            k.name, k.algorithm, k.secret
        ));
    }
    for z in zones {
        let Role::Primary(_) = z.role else {
            panic!("nsd is started as a primary only here");
        };
        cfg.push_str(&format!(
            "zone:\n  name: \"{0}\"\n  zonefile: \"{0}.zone\"\n  provide-xfr: 127.0.0.0/8 NOKEY\n  store-ixfr: yes\n  create-ixfr: yes\n",
            z.name
        ));
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
