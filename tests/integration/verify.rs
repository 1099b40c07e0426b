//! The zone gate in real `zonesync serve` processes on 127.0.0.1: the `verify:`
//! command and ZONEMD (RFC 8976) decide whether a new version is persisted, served
//! and notified.
//!
//! - a primary whose verifier rejects a file edit keeps serving the old version, with
//!   the reason in `serve status`; the next edit that passes is served;
//! - a verifier that hangs is killed at its timeout, and the version rejected;
//! - a secondary whose verifier rejects an IXFR keeps the old version, reason in its
//!   status, and takes the next version that passes;
//! - a zone with a correct ZONEMD (RFC 8976 Appendix A.1) loads and transfers; with
//!   one record changed, `check` fails and `serve` keeps the old version or loads
//!   nothing.

use std::path::{Path, PathBuf};

use zonesync::sync::status::State;

use crate::common::{Server, free_port, serial, stdout, wait_serial, write_file, zonesync};

const ZONE: &str = "example.net.";

/// The zone at `serial` with `extra` lines.
fn zone_text(serial: u32, extra: &str) -> String {
    format!(
        "$TTL 300\n@ SOA ns1.example.org. hostmaster {serial} 3600 1 86400 60\n\
         @ NS ns1.example.org.\nwww A 192.0.2.1\n{extra}"
    )
}

/// A verifier in `dir`: rejects a zone that names `bad` (saying so on stderr), hangs
/// on one that names `hang`, checks its environment, accepts the rest.
fn write_verifier(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let script = dir.join("verify.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         zone=$(cat)\n\
         test \"$ZONESYNC_ZONE\" = example.net. || { echo \"bad env $ZONESYNC_ZONE\" >&2; exit 2; }\n\
         test -n \"$ZONESYNC_SERIAL\" || { echo 'no serial' >&2; exit 2; }\n\
         case \"$zone\" in *hang.example.net.*) sleep 30 ;; esac\n\
         case \"$zone\" in *bad.example.net.*) echo \"bad name in serial $ZONESYNC_SERIAL (was $ZONESYNC_OLD_SERIAL)\" >&2; exit 1 ;; esac\n\
         exit 0\n",
    )
    .expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A zonesync primary of [`ZONE`] on `port` with `gate` lines in its zone entry.
fn primary_config(dir: &Path, port: u16, notify: Option<u16>, gate: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let also = notify.map_or(String::new(), |p| {
        format!("    also-notify: [\"127.0.0.1:{p}\"]\n")
    });
    let cfg = dir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nfile-check-interval: 100ms\n\
             zones:\n  - name: {ZONE}\n    file: zone\n    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n{also}{gate}"
        ),
    );
    cfg
}

#[test]
fn a_primary_keeps_the_old_version_when_its_verifier_rejects_an_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let pdir = dir.path().join("p");
    write_verifier(&pdir);
    // A relative command: relative to the config file's folder.
    let cfg = primary_config(
        &pdir,
        port,
        None,
        "    verify: { command: [\"./verify.sh\", \"--strict\"], timeout: 10s }\n",
    );
    write_file(&pdir.join("zone"), &zone_text(1, ""));
    let primary = Server::start(&cfg);
    wait_serial(primary.addr, ZONE, 1);

    write_file(&pdir.join("zone"), &zone_text(2, "bad A 192.0.2.66\n"));
    let z = primary.wait_zone(ZONE, |z| z.last_error.is_some());
    assert_eq!(
        z.last_error.as_deref(),
        Some(
            "serial 2 rejected: verify command failed (exit status 1): \
             bad name in serial 2 (was 1)"
        )
    );
    assert_eq!(z.serial, Some(1));
    assert_eq!(serial(primary.addr, ZONE), Ok(1));

    // The next edit that passes is served, and clears the error.
    write_file(&pdir.join("zone"), &zone_text(3, "good A 192.0.2.67\n"));
    primary.wait_zone(ZONE, |z| z.serial == Some(3) && z.last_error.is_none());
    wait_serial(primary.addr, ZONE, 3);
}

#[test]
fn a_hanging_verifier_is_killed_at_its_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let pdir = dir.path().join("p");
    write_verifier(&pdir);
    let cfg = primary_config(
        &pdir,
        port,
        None,
        "    verify: { command: [\"./verify.sh\"], timeout: 300ms }\n",
    );
    write_file(&pdir.join("zone"), &zone_text(1, ""));
    let primary = Server::start(&cfg);
    wait_serial(primary.addr, ZONE, 1);

    let started = std::time::Instant::now();
    write_file(&pdir.join("zone"), &zone_text(2, "hang A 192.0.2.66\n"));
    let z = primary.wait_zone(ZONE, |z| z.last_error.is_some());
    assert_eq!(
        z.last_error.as_deref(),
        Some("serial 2 rejected: verify command did not finish within 300ms; killed")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(serial(primary.addr, ZONE), Ok(1));
    // The zone task is free again: the next edit goes through.
    write_file(&pdir.join("zone"), &zone_text(3, ""));
    wait_serial(primary.addr, ZONE, 3);
}

#[test]
fn a_secondary_keeps_the_old_version_when_its_verifier_rejects_a_transfer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pport, sport) = (free_port(), free_port());
    let pdir = dir.path().join("p");
    let pcfg = primary_config(&pdir, pport, Some(sport), "");
    write_file(&pdir.join("zone"), &zone_text(1, ""));
    let primary = Server::start(&pcfg);
    wait_serial(primary.addr, ZONE, 1);

    let sdir = dir.path().join("s");
    write_verifier(&sdir);
    let scfg = sdir.join("cfg.yaml");
    write_file(
        &scfg,
        &format!(
            "listen: [\"127.0.0.1:{sport}\"]\nstate-dir: state\n\
             min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n\
             zones:\n  - name: {ZONE}\n    primaries: [ {{ address: \"127.0.0.1:{pport}\" }} ]\n\
             \x20   verify: {{ command: [./verify.sh] }}\n"
        ),
    );
    let secondary = Server::start(&scfg);
    wait_serial(secondary.addr, ZONE, 1);

    // NOTIFY → IXFR of serial 2, which the verifier rejects.
    write_file(&pdir.join("zone"), &zone_text(2, "bad A 192.0.2.66\n"));
    wait_serial(primary.addr, ZONE, 2);
    // Between a failed attempt and the RETRY (1 s) the state is `ok`; during the retry
    // it is `refreshing`, with the last attempt's error still shown.
    let z = secondary.wait_zone(ZONE, |z| {
        z.last_error.is_some() && z.state != State::Refreshing
    });
    assert_eq!(
        z.last_error.as_deref(),
        Some(
            "serial 2 rejected: verify command failed (exit status 1): \
             bad name in serial 2 (was 1)"
        )
    );
    assert_eq!(z.serial, Some(1));
    assert_eq!(z.state, State::Ok);
    assert_eq!(serial(secondary.addr, ZONE), Ok(1));

    // A version that passes is taken (at the next NOTIFY or retry).
    write_file(&pdir.join("zone"), &zone_text(3, "good A 192.0.2.67\n"));
    secondary.wait_zone(ZONE, |z| z.serial == Some(3) && z.last_error.is_none());
    wait_serial(secondary.addr, ZONE, 3);
}

//----------- ZONEMD -----------------------------------------------------------------

/// RFC 8976 Appendix A.1, with the SOA's retry lowered for the secondary.
const A1: &str = "\
example.      86400  IN  SOA     ns1 admin 2018031900 (
                                 1800 900 604800 86400 )
              86400  IN  NS      ns1
              86400  IN  NS      ns2
              86400  IN  ZONEMD  2018031900 1 1 (
                                 c68090d90a7aed716bc459f9340e3d7c
                                 1370d4d24b7e2fc3a1ddc0b9a87153b9
                                 a9713b3c9ae5cc27777f98b8e730044c )
ns1           3600   IN  A       203.0.113.63
ns2           3600   IN  AAAA    2001:db8::63
";

/// A.1 with one record changed and both serials advanced, digest left as it was.
fn a1_changed() -> String {
    A1.replace("203.0.113.63", "203.0.113.64")
        .replace("2018031900", "2018031901")
}

fn zonemd_primary_config(dir: &Path, port: u16, notify: Option<u16>) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let also = notify.map_or(String::new(), |p| {
        format!("    also-notify: [\"127.0.0.1:{p}\"]\n")
    });
    let cfg = dir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nfile-check-interval: 100ms\n\
             zones:\n  - name: example.\n    file: zone\n    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n{also}"
        ),
    );
    cfg
}

#[test]
fn a_zone_with_a_correct_zonemd_loads_and_transfers_and_a_changed_one_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pport, sport) = (free_port(), free_port());
    let pdir = dir.path().join("p");
    let pcfg = zonemd_primary_config(&pdir, pport, Some(sport));
    write_file(&pdir.join("zone"), A1);

    // `check` accepts the RFC's zone and rejects it with one record changed.
    let good = zonesync(&[
        "check",
        "--origin",
        "example.",
        &pdir.join("zone").display().to_string(),
    ]);
    assert!(good.status.success(), "{}", stdout(&good));
    let bad_file = dir.path().join("changed.zone");
    std::fs::write(&bad_file, a1_changed()).expect("write");
    let bad = zonesync(&[
        "check",
        "--origin",
        "example.",
        &bad_file.display().to_string(),
    ]);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    let out = stdout(&bad);
    assert!(
        out.contains("changed.zone:5:15: error: ZONEMD does not verify: SHA-384: digest mismatch"),
        "{out}"
    );

    let primary = Server::start(&pcfg);
    wait_serial(primary.addr, "example.", 2018031900);
    let scfg = dir.path().join("s.yaml");
    write_file(
        &scfg,
        &format!(
            "listen: [\"127.0.0.1:{sport}\"]\nstate-dir: s-state\n\
             min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n\
             zones:\n  - name: example.\n    primaries: [ {{ address: \"127.0.0.1:{pport}\" }} ]\n"
        ),
    );
    let secondary = Server::start(&scfg);
    let z = secondary.wait_zone("example.", |z| z.serial == Some(2018031900));
    assert_eq!(z.last_error, None);

    // One record changed, digest not: the primary keeps the old version.
    write_file(&pdir.join("zone"), &a1_changed());
    let z = primary.wait_zone("example.", |z| z.last_error.is_some());
    let error = z.last_error.expect("error");
    assert!(
        error.starts_with(
            "serial 2018031901 rejected: ZONEMD does not verify: SHA-384: digest mismatch"
        ),
        "{error}"
    );
    assert_eq!(serial(primary.addr, "example."), Ok(2018031900));

    // A server that starts with the changed file loads nothing.
    let qdir = dir.path().join("q");
    let qcfg = zonemd_primary_config(&qdir, free_port(), None);
    write_file(&qdir.join("zone"), &a1_changed());
    let fresh = Server::start(&qcfg);
    let z = fresh.wait_zone("example.", |z| z.last_error.is_some());
    assert_eq!(z.serial, None);
    assert!(z.last_error.expect("error").contains("digest mismatch"));
}

#[test]
fn zonemd_verify_false_turns_the_check_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let pdir = dir.path().join("p");
    std::fs::create_dir_all(&pdir).expect("mkdir");
    let cfg = pdir.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\n\
             zones:\n  - name: example.\n    file: zone\n    zonemd-verify: false\n"
        ),
    );
    write_file(&pdir.join("zone"), &a1_changed());
    let primary = Server::start(&cfg);
    wait_serial(primary.addr, "example.", 2018031901);
}

#[test]
fn check_config_reports_a_verify_command_that_cannot_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("cfg.yaml");
    write_file(&dir.path().join("zone"), &zone_text(1, ""));
    std::fs::write(dir.path().join("not-executable.sh"), "#!/bin/sh\n").expect("write");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:5300\"]\n\
             zones:\n  - name: {ZONE}\n    file: zone\n    verify: {{ command: [./missing.sh] }}\n\
             \x20 - name: example.org.\n    file: zone\n    verify: {{ command: [./not-executable.sh] }}\n"
        ),
    );
    let out = zonesync(&["check", "--config", &cfg.display().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("zone example.net.: verify command cannot run:")
            && text.contains("missing.sh not found"),
        "{text}"
    );
    assert!(
        text.contains("not-executable.sh is not executable"),
        "{text}"
    );
}
