//! `zonesync sync-zonelist` against knotd as the catalog producer (`catalog-role:
//! generate`, members with `catalog-zone:`): a foreign catalog without zonesync's
//! serial property, so unchanged members are found current by SOA queries and only
//! the changed one is transferred (Knot's `outgoing` log lines prove it); a member
//! that leaves the catalog is deleted. Then the folder is shown to be a zone
//! directory: `nsd-checkzone` and `kzonecheck` accept every file, and a knotd and an
//! nsd whose configs only `include:` the zone list that `--zone-list FILE
//! --zone-list-format knot|nsd` wrote serve every zone at the manifest's serial;
//! `named-checkconf -z` loads every zone through the `bind` zone list.
//!
//! Loopback only, ports found by binding port 0, bounded waits, daemons stopped by PID.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use zonesync::sync::catalog;
use zonesync::xfr::{self, ClientOptions, Transfer};
use zonesync::zone::{Class, Name, ParseOptions, ZoneVersion, parse_file};

use crate::peers::{both, free_port, run, soa_serial, tool, zonesync};

const CATALOG: &str = "catalog.invalid.";

//----------- A knotd that generates a catalog ----------------------------------------

/// A knotd on 127.0.0.1 (its own temp folder for config, zone files and database),
/// stopped (SIGKILL, then waited for) on drop.
struct Knot {
    dir: tempfile::TempDir,
    port: u16,
    config: PathBuf,
    child: Child,
}

impl Knot {
    /// Starts knotd as the primary of `zones` (`name`, serial), all members of the
    /// generated catalog [`CATALOG`], transfers allowed to 127.0.0.0/8, IXFR from
    /// zone-file differences.
    fn start(zones: &[(&str, u32)]) -> Knot {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
        for (z, serial) in zones {
            std::fs::write(
                dir.path().join(format!("{z}.zone")),
                zone_text(z, *serial, 1),
            )
            .expect("zone file");
        }
        let port = free_port();
        let config = dir.path().join("knot.conf");
        let names: Vec<&str> = zones.iter().map(|(z, _)| *z).collect();
        std::fs::write(&config, knot_config(dir.path(), port, &names)).expect("config");
        let log = std::fs::File::create(dir.path().join("log")).expect("log");
        let child = Command::new(tool("knotd"))
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("knotd starts");
        let knot = Knot {
            dir,
            port,
            config,
            child,
        };
        for (z, serial) in zones {
            knot.wait_serial(z, *serial);
        }
        knot
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn knotc(&self, args: &[&str]) {
        let c = self.config.display().to_string();
        let mut all = vec!["-c", c.as_str()];
        all.extend_from_slice(args);
        let out = run(&tool("knotc"), &all);
        assert!(out.status.success(), "knotc {args:?}: {}", both(&out));
    }

    /// Rewrites a member zone at `serial` (with a different record) and reloads it.
    fn update(&self, zone: &str, serial: u32) {
        std::fs::write(
            self.dir.path().join(format!("{zone}.zone")),
            zone_text(zone, serial, 2),
        )
        .expect("zone file");
        self.knotc(&["zone-reload", zone]);
        self.wait_serial(zone, serial);
    }

    /// Serves only `zones` from now on (the others leave the catalog).
    fn keep_only(&self, zones: &[&str]) {
        std::fs::write(&self.config, knot_config(self.dir.path(), self.port, zones))
            .expect("config");
        self.knotc(&["reload"]);
    }

    fn wait_serial(&self, zone: &str, serial: u32) {
        wait(&format!("knotd to serve {zone} serial {serial}"), || {
            (soa_serial(self.port, zone) == Some(serial)).then_some(())
        });
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- knotd log ---\n{}", self.log());
        }
    }
}

fn knot_config(dir: &Path, port: u16, zones: &[&str]) -> String {
    let d = dir.display();
    let mut cfg = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
         database:\n  storage: {d}/db\n\
         log:\n  - target: stderr\n    any: info\n\
         acl:\n  - id: local\n    address: 127.0.0.0/8\n    action: transfer\n\
         template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n    semantic-checks: off\n    acl: local\n\
         zone:\n  - domain: {CATALOG}\n    catalog-role: generate\n"
    );
    for z in zones {
        cfg.push_str(&format!(
            "  - domain: {z}\n    file: {d}/{z}.zone\n    catalog-role: member\n    catalog-zone: {CATALOG}\n"
        ));
    }
    cfg
}

/// A member zone: SOA, NS outside the zone, a few records; `variant` changes one.
fn zone_text(zone: &str, serial: u32, variant: u8) -> String {
    format!(
        "$ORIGIN {zone}.\n$TTL 3600\n\
         @ SOA ns1.example.net. hostmaster.{zone}. {serial} 3600 600 86400 300\n\
         @ NS ns1.example.net.\n@ NS ns2.example.net.\n@ MX 10 mail\nmail A 192.0.2.25\n\
         www A 192.0.2.{variant}\nwww AAAA 2001:db8::{variant}\ntxt TXT \"{zone}\" \"v{variant}\"\n\
         _sip._tcp SRV 10 20 5060 sip\nsip A 192.0.2.60\nsub NS ns.sub\nns.sub A 192.0.2.99\n"
    )
}

//----------- Helpers ----------------------------------------------------------------

/// Polls `probe` every 100 ms for at most 20 s.
fn wait<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn n(s: &str) -> Name {
    s.parse().expect("name")
}

fn axfr(peer: SocketAddr, zone: &str) -> Option<ZoneVersion> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let opts = ClientOptions {
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let outcome = rt.block_on(xfr::axfr(peer, &n(zone), &opts)).ok()?;
    let Transfer::Full(records) = outcome.transfer else {
        return None;
    };
    ZoneVersion::from_records(n(zone), Class::IN, records).ok()
}

/// Waits until the catalog lists exactly `zones` (and no serial property).
fn wait_members(knot: &Knot, zones: &[&str]) {
    let want: Vec<String> = zones.iter().map(|z| format!("{z}.")).collect();
    wait(&format!("the catalog to list {want:?}"), || {
        let c = catalog::parse(&axfr(knot.addr(), CATALOG)?).ok()?;
        let got: Vec<String> = c.members.keys().map(Name::to_string).collect();
        assert!(!c.has_serials);
        (got == want).then_some(())
    });
}

fn sync(knot: &Knot, dir: &Path) -> serde_json::Value {
    let out = zonesync(&[
        "sync-zonelist",
        "-s",
        &knot.addr().to_string(),
        "--dir",
        &dir.display().to_string(),
        "--format",
        "json",
    ]);
    report(&out)
}

fn report(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", both(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", both(out)))
}

/// zone → (action, transfer, checked).
fn actions(r: &serde_json::Value) -> BTreeMap<String, (String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
    r["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .map(|z| {
            (
                s(&z["zone"]),
                (s(&z["action"]), s(&z["transfer"]), s(&z["checked"])),
            )
        })
        .collect()
}

fn expect(list: &[(&str, &str, &str, &str)]) -> BTreeMap<String, (String, String, String)> {
    list.iter()
        .map(|(z, a, t, c)| (z.to_string(), (a.to_string(), t.to_string(), c.to_string())))
        .collect()
}

/// Waits until every outgoing transfer knotd logged as started is logged as finished
/// too (its lines come a moment after the client is done), and returns the log's
/// length then: a mark after which only later transfers show.
fn mark_when_idle(knot: &Knot) -> usize {
    wait("knotd to log the end of every outgoing transfer", || {
        let log = knot.log();
        let count = |what: &str| {
            log.lines()
                .filter(|l| l.contains("outgoing") && l.contains(what))
                .count()
        };
        (count(", started") == count(", finished")).then_some(log.len())
    })
}

/// Knot's outgoing transfers of member zones logged after `mark` (`AXFR k1.test.`).
fn knot_member_transfers(knot: &Knot, mark: usize) -> Vec<String> {
    let log = knot.log();
    let mut out: Vec<String> = log[mark.min(log.len())..]
        .lines()
        .filter(|l| l.contains("outgoing") && l.contains("finished") && !l.contains(CATALOG))
        .filter_map(|l| {
            let zone = l.split('[').nth(1)?.split(']').next()?;
            let kind = if l.contains("IXFR") { "IXFR" } else { "AXFR" };
            Some(format!("{kind} {zone}"))
        })
        .collect();
    out.sort();
    out
}

fn assert_same_as_master(knot: &Knot, dir: &Path, zone: &str) {
    let origin = n(zone);
    let parsed = parse_file(
        &dir.join(format!("{zone}zone")),
        &origin,
        &ParseOptions::default(),
    )
    .expect("readable");
    assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
    let ours = ZoneVersion::from_records(origin, Class::IN, parsed.records).expect("zone");
    assert_eq!(Some(ours), axfr(knot.addr(), zone), "{zone}");
}

/// The manifest's zones and serials.
fn manifest(dir: &Path) -> BTreeMap<String, u32> {
    let text = std::fs::read_to_string(dir.join(".zonesync-manifest.json")).expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["zones"]
        .as_object()
        .expect("zones")
        .iter()
        .map(|(k, e)| {
            let serial = e["serial"].as_u64().expect("serial");
            (k.clone(), u32::try_from(serial).expect("u32"))
        })
        .collect()
}

//----------- Tests ------------------------------------------------------------------

#[test]
fn mirrors_a_knot_catalog_into_a_zone_directory() {
    let knot = Knot::start(&[("k1.test", 1), ("k2.test", 1), ("k3.test", 1)]);
    wait_members(&knot, &["k1.test", "k2.test", "k3.test"]);
    let mirror = tempfile::tempdir().expect("tempdir");
    let dir = mirror.path().join("zones");

    // First run: every member by AXFR.
    let r = sync(&knot, &dir);
    assert_eq!(r["catalogs"][0]["serial_property"], false);
    assert_eq!(
        actions(&r),
        expect(&[
            ("k1.test.", "added", "axfr", "-"),
            ("k2.test.", "added", "axfr", "-"),
            ("k3.test.", "added", "axfr", "-"),
        ])
    );
    for z in ["k1.test.", "k2.test.", "k3.test."] {
        assert_same_as_master(&knot, &dir, z);
    }

    // Nothing changed: SOA queries only, no transfer of a member.
    let mark = mark_when_idle(&knot);
    let r = sync(&knot, &dir);
    assert_eq!(
        actions(&r),
        expect(&[
            ("k1.test.", "unchanged", "-", "soa-query"),
            ("k2.test.", "unchanged", "-", "soa-query"),
            ("k3.test.", "unchanged", "-", "soa-query"),
        ])
    );
    assert_eq!(knot_member_transfers(&knot, mark), Vec::<String>::new());

    // One member changes: found by its SOA, fetched by IXFR, alone.
    knot.update("k2.test", 2);
    let mark = mark_when_idle(&knot);
    let r = sync(&knot, &dir);
    assert_eq!(
        actions(&r),
        expect(&[
            ("k1.test.", "unchanged", "-", "soa-query"),
            ("k2.test.", "updated", "ixfr", "-"),
            ("k3.test.", "unchanged", "-", "soa-query"),
        ])
    );
    wait("knotd to log the IXFR of k2.test.", || {
        (!knot_member_transfers(&knot, mark).is_empty()).then_some(())
    });
    assert_eq!(knot_member_transfers(&knot, mark), ["IXFR k2.test."]);
    assert_same_as_master(&knot, &dir, "k2.test.");

    // A member leaves the catalog: its file goes.
    knot.keep_only(&["k1.test", "k2.test"]);
    wait_members(&knot, &["k1.test", "k2.test"]);
    let r = sync(&knot, &dir);
    assert_eq!(
        actions(&r),
        expect(&[
            ("k1.test.", "unchanged", "-", "soa-query"),
            ("k2.test.", "unchanged", "-", "soa-query"),
            ("k3.test.", "removed", "-", "-"),
        ])
    );
    assert!(!dir.join("k3.test.zone").exists());

    // The folder is a zone directory.
    let zones = manifest(&dir);
    assert_eq!(
        zones,
        BTreeMap::from([("k1.test.".to_string(), 1), ("k2.test.".to_string(), 2)])
    );
    check_zone_files(&dir, &zones);
    let lists = mirror.path();
    for format in ["knot", "nsd", "bind"] {
        write_zone_list(&knot, &dir, &lists.join(format!("{format}.conf")), format);
    }
    serve_with_knot(&lists.join("knot.conf"), &zones);
    serve_with_nsd(&lists.join("nsd.conf"), &zones);
    check_with_named(&lists.join("bind.conf"), &zones);
}

/// A run that changes nothing but writes the zone list in `format` (it is missing):
/// silent on stdout, the include written.
fn write_zone_list(knot: &Knot, dir: &Path, list: &Path, format: &str) {
    let out = zonesync(&[
        "sync-zonelist",
        "-s",
        &knot.addr().to_string(),
        "--dir",
        &dir.display().to_string(),
        "--zone-list",
        &list.display().to_string(),
        "--zone-list-format",
        format,
    ]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(list.is_file(), "no {format} zone list: {}", both(&out));
}

/// `nsd-checkzone` and `kzonecheck` accept every zone file of the folder, and the
/// folder holds nothing else but hidden files.
fn check_zone_files(dir: &Path, zones: &BTreeMap<String, u32>) {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|f| !f.starts_with('.'))
        .collect();
    files.sort();
    let want: Vec<String> = zones.keys().map(|z| format!("{z}zone")).collect();
    assert_eq!(files, want);
    for zone in zones.keys() {
        let file = dir.join(format!("{zone}zone")).display().to_string();
        let out = run(&tool("nsd-checkzone"), &[zone, &file]);
        assert!(out.status.success(), "nsd-checkzone {file}: {}", both(&out));
        let out = run(&tool("kzonecheck"), &["-o", zone, &file]);
        assert!(out.status.success(), "kzonecheck {file}: {}", both(&out));
    }
}

/// A daemon serving the folder, killed (and waited for) on drop.
struct Served(Child, tempfile::TempDir);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(program: &str, args: &[&str], state: tempfile::TempDir) -> Served {
    let log = std::fs::File::create(state.path().join("log")).expect("log");
    let child = Command::new(tool(program))
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{program} does not start: {e}"));
    Served(child, state)
}

fn wait_served(what: &str, served: &Served, port: u16, zones: &BTreeMap<String, u32>) {
    for (zone, serial) in zones {
        let deadline = Instant::now() + Duration::from_secs(20);
        while soa_serial(port, zone) != Some(*serial) {
            assert!(
                Instant::now() < deadline,
                "{what} does not serve {zone} serial {serial} from the folder; log:\n{}",
                std::fs::read_to_string(served.1.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// knotd whose config names no zone: they all come from the zone list (`include:`).
fn serve_with_knot(list: &Path, zones: &BTreeMap<String, u32>) {
    let state = tempfile::tempdir().expect("tempdir");
    let s = state.path().display();
    let port = free_port();
    let cfg = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {s}\n\
         database:\n  storage: {s}/db\n\
         log:\n  - target: stderr\n    any: info\n\
         include: {}\n",
        list.display()
    );
    let config = state.path().join("knot.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    let served = spawn("knotd", &["-c", &c], state);
    wait_served("knotd", &served, port, zones);
}

/// nsd whose config names no zone: they all come from the zone list (`include:`).
fn serve_with_nsd(list: &Path, zones: &BTreeMap<String, u32>) {
    let state = tempfile::tempdir().expect("tempdir");
    let s = state.path().display();
    let port = free_port();
    let cfg = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  username: \"\"\n  chroot: \"\"\n  \
         database: \"\"\n  pidfile: \"{s}/nsd.pid\"\n  xfrdfile: \"{s}/xfrd.state\"\n  xfrdir: \"{s}\"\n  \
         zonelistfile: \"{s}/zone.list\"\n  server-count: 1\n  verbosity: 1\n  reuseport: no\n\
         remote-control:\n  control-enable: no\n\
         include: \"{}\"\n",
        list.display()
    );
    let config = state.path().join("nsd.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    let served = spawn("nsd", &["-d", "-c", &c], state);
    wait_served("nsd", &served, port, zones);
}

/// `named-checkconf -z` on a named.conf that only includes the bind zone list: every
/// zone loads, at the manifest's serial.
fn check_with_named(list: &Path, zones: &BTreeMap<String, u32>) {
    let state = tempfile::tempdir().expect("tempdir");
    let config = state.path().join("named.conf");
    std::fs::write(
        &config,
        format!(
            "options {{ directory \"{}\"; }};\ninclude \"{}\";\n",
            state.path().display(),
            list.display()
        ),
    )
    .expect("config");
    let out = run(
        &tool("named-checkconf"),
        &["-z", &config.display().to_string()],
    );
    assert!(out.status.success(), "named-checkconf: {}", both(&out));
    let text = both(&out);
    for (zone, serial) in zones {
        let stem = zone.trim_end_matches('.');
        assert!(
            text.contains(&format!("zone {stem}/IN: loaded serial {serial}")),
            "{text}"
        );
    }
}
