//! The zone gate against a real primary, knotd, on 127.0.0.1 only:
//!
//! - knotd NOTIFYs a zonesync secondary whose `verify:` command rejects the new
//!   version: zonesync keeps serving the old one, the reason in `serve status`;
//! - knotd generates ZONEMD (`zonemd-generate: zonemd-sha384`, RFC 8976): a zonesync
//!   secondary verifies and loads the zone, `zonesync check` accepts knotd's AXFR
//!   output and rejects it with one record changed — an independent implementation's
//!   digest agrees with ours.
//!
//! knotd is started here with its own config in a temp folder, on a port found by
//! binding port 0, and stopped by PID.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::peers::{
    both, free_port, poll, run, soa_serial, start_zonesync_config, tool, zonesync, zonesync_status,
};

/// How long a change may take to reach a server.
const WAIT: Duration = Duration::from_secs(20);

/// knotd serving one primary zone from `DIR/<zone>.zone`, NOTIFYing 127.0.0.1:`notify`,
/// with `extra` lines in the zone's entry; killed on drop.
struct Knot {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Knot {
    fn start(zone: &str, text: &str, notify: u16, extra: &str) -> Knot {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().display().to_string();
        let port = free_port();
        std::fs::write(dir.path().join(format!("{zone}.zone")), text).expect("zone file");
        std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
        let cfg = format!(
            "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
             database:\n  storage: {d}/db\n\
             log:\n  - target: stderr\n    any: info\n\
             remote:\n  - id: zonesync\n    address: 127.0.0.1@{notify}\n\
             acl:\n  - id: any\n    address: 127.0.0.0/8\n    action: [transfer]\n\
             template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n    semantic-checks: off\n\
             zone:\n  - domain: {zone}\n    file: {d}/{zone}.zone\n    acl: [any]\n    notify: [zonesync]\n{extra}"
        );
        let config = dir.path().join("knot.conf");
        std::fs::write(&config, cfg).expect("config");
        let log = std::fs::File::create(dir.path().join("log")).expect("log");
        let child = Command::new(tool("knotd"))
            .args(["-c", config.to_str().expect("utf-8")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("knotd starts");
        let knot = Knot { dir, port, child };
        knot.wait_serial(zone, None);
        knot
    }

    /// Waits until knotd serves `zone` (at `serial`, when given).
    fn wait_serial(&self, zone: &str, serial: Option<u32>) {
        let ok = poll(WAIT, || match soa_serial(self.port, zone) {
            Some(s) => serial.is_none_or(|want| want == s),
            None => false,
        });
        assert!(
            ok,
            "knotd does not serve {zone} {serial:?}; log:\n{}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// Rewrites the zone file and makes knotd load it (it NOTIFYs then).
    fn update(&self, zone: &str, text: &str, serial: u32) {
        std::fs::write(self.dir.path().join(format!("{zone}.zone")), text).expect("zone file");
        let conf = self.dir.path().join("knot.conf");
        let out = run(
            &tool("knotc"),
            &["-c", conf.to_str().expect("utf-8"), "zone-reload", zone],
        );
        assert!(out.status.success(), "{}", both(&out));
        self.wait_serial(zone, Some(serial));
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A zonesync secondary of `zone` from knotd on `kport`, listening on `port`, with
/// `extra` lines in the zone's entry.
fn secondary_yaml(port: u16, zone: &str, kport: u16, extra: &str) -> String {
    format!(
        "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\n\
         min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n\
         zones:\n  - name: {zone}\n    primaries: [ {{ address: \"127.0.0.1:{kport}\" }} ]\n{extra}"
    )
}

fn zone_text(zone: &str, serial: u32, extra: &str) -> String {
    format!(
        "$ORIGIN {zone}.\n$TTL 300\n@ SOA ns1 hostmaster {serial} 3600 1 86400 60\n\
         @ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.1\n{extra}"
    )
}

/// The zone's status field `key` as text ("" when absent).
fn status_field(config: &Path, zone: &str, key: &str) -> String {
    zonesync_status(config, zone)
        .map(|z| match &z[key] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            v => v.to_string(),
        })
        .unwrap_or_default()
}

#[test]
fn knot_notify_of_a_version_the_verifier_rejects_keeps_the_old_one() {
    let zone = "verify-knot.example";
    let zport = free_port();
    let knot = Knot::start(zone, &zone_text(zone, 1, ""), zport, "");

    let scripts = tempfile::tempdir().expect("tempdir");
    let script = scripts.path().join("verify.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         if grep -q '^bad\\.'; then echo \"no bad names in $ZONESYNC_ZONE serial $ZONESYNC_SERIAL\" >&2; exit 1; fi\n",
    )
    .expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let zs = start_zonesync_config(
        zport,
        &secondary_yaml(
            zport,
            zone,
            knot.port,
            &format!(
                "    verify: {{ command: [\"{}\"], timeout: 10s }}\n",
                script.display()
            ),
        ),
        &[zone],
    );
    assert!(poll(WAIT, || soa_serial(zport, zone) == Some(1)));

    knot.update(zone, &zone_text(zone, 2, "bad A 192.0.2.66\n"), 2);
    let rejected = poll(WAIT, || {
        !status_field(&zs.config, zone, "last_error").is_empty()
    });
    let error = status_field(&zs.config, zone, "last_error");
    assert!(rejected, "no error in the status; log:\n{}", zs.log());
    assert_eq!(
        error,
        format!(
            "serial 2 rejected: verify command failed (exit status 1): \
             no bad names in {zone}. serial 2"
        )
    );
    assert_eq!(soa_serial(zport, zone), Some(1));
    assert_eq!(status_field(&zs.config, zone, "serial"), "1");

    // The next version that passes is taken.
    knot.update(zone, &zone_text(zone, 3, "good A 192.0.2.67\n"), 3);
    assert!(
        poll(WAIT, || soa_serial(zport, zone) == Some(3)),
        "log:\n{}",
        zs.log()
    );
    assert!(poll(WAIT, || status_field(&zs.config, zone, "last_error")
        .is_empty()));
}

#[test]
fn zonemd_generated_by_knot_verifies_in_zonesync() {
    let zone = "zonemd-knot.example";
    let zport = free_port();
    let knot = Knot::start(
        zone,
        &zone_text(
            zone,
            1,
            "mail MX 10 Mail.Example.ORG.\nsrv._tcp SRV 0 1 80 WWW\n",
        ),
        zport,
        "    zonemd-generate: zonemd-sha384\n",
    );
    // knotd serves its ZONEMD.
    let out = run(
        &tool("kdig"),
        &[
            "@127.0.0.1",
            "-p",
            &knot.port.to_string(),
            "+short",
            zone,
            "ZONEMD",
        ],
    );
    let zonemd = String::from_utf8_lossy(&out.stdout).to_string();
    // knotd may advance the serial when it adds the ZONEMD: the ZONEMD carries the
    // serial it serves.
    let served = soa_serial(knot.port, zone).expect("knotd serves the zone");
    assert!(
        zonemd.starts_with(&format!("{served} 1 1 ")),
        "{zonemd}; knot log:\n{}",
        knot.log()
    );

    // A zonesync secondary verifies and loads it.
    let zs = start_zonesync_config(zport, &secondary_yaml(zport, zone, knot.port, ""), &[zone]);
    assert!(poll(WAIT, || soa_serial(zport, zone) == Some(served)));
    assert!(status_field(&zs.config, zone, "last_error").is_empty());

    // `zonesync check` accepts knotd's AXFR output, and rejects it with a record
    // changed.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(format!("{zone}.zone"));
    let out = zonesync(&[
        "axfr",
        zone,
        "-s",
        &format!("127.0.0.1:{}", knot.port),
        "-o",
        file.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let out = zonesync(&["check", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", both(&out));
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("192.0.2.1"), "{text}");
    std::fs::write(&file, text.replace("192.0.2.1", "192.0.2.2")).expect("write");
    let out = zonesync(&["check", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        both(&out).contains("ZONEMD does not verify: SHA-384: digest mismatch"),
        "{}",
        both(&out)
    );

    // An edit on knotd (ZONEMD regenerated) reaches zonesync through the gate.
    let next = served + 10;
    std::fs::write(
        knot.dir.path().join(format!("{zone}.zone")),
        zone_text(zone, next, "new A 192.0.2.9\n"),
    )
    .expect("zone file");
    let conf = knot.dir.path().join("knot.conf");
    let out = run(
        &tool("knotc"),
        &["-c", conf.to_str().expect("utf-8"), "zone-reload", zone],
    );
    assert!(out.status.success(), "{}", both(&out));
    let mut now = 0;
    assert!(poll(WAIT, || {
        now = soa_serial(knot.port, zone).unwrap_or(0);
        now >= next
    }));
    assert!(
        poll(WAIT, || soa_serial(zport, zone) == Some(now)),
        "log:\n{}",
        zs.log()
    );
    assert!(status_field(&zs.config, zone, "last_error").is_empty());
}
