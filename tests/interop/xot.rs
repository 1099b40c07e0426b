//! XoT (zone transfers over TLS, RFC 9103) against BIND 9.18, on 127.0.0.1 only, with
//! certificates made here (rcgen):
//!
//! - named primary serving over XoT → zonesync secondary (strict: CA and hostname):
//!   AXFR, then a NOTIFY-driven IXFR, both over TLS;
//! - zonesync primary on `listen-tls` → named secondary
//!   (`primaries { … tls NAME; }` with `remote-hostname`), and the edit after it;
//! - `zonesync axfr --tls` against named;
//! - mutual TLS both ways: named as primary (`tls { ca-file … }`) refuses
//!   `zonesync axfr` without a client certificate and accepts it with one; a zonesync
//!   primary with `client-ca-file` refuses a named secondary without one and serves
//!   one whose `tls` block has `cert-file`/`key-file`.
//!
//! Knot DNS gains XoT in 3.4; the Debian package here is older, so only named is a
//! peer (the test module says so rather than skipping silently).
//!
//! Every server runs with its own config in a temp folder, on ports found by binding
//! port 0, is waited on by polling (bounded), and stopped by PID.

use std::path::Path;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType,
    date_time_ymd,
};

use crate::peers::{
    Daemon, both, free_port, poll, soa_serial, start_named_config, start_zonesync_config,
    start_zonesync_files, zonesync,
};

const ZONE: &str = "xot.test";
const WAIT: Duration = Duration::from_secs(20);

/// The zone at `serial`, with `hosts` A records (an IXFR changes one).
fn zone_at(serial: u32) -> String {
    let mut z = format!(
        "$ORIGIN {ZONE}.\n$TTL 300\n@ IN SOA ns1 hostmaster {serial} 3600 600 86400 300\n\
         @ NS ns1.example.net.\nwww A 192.0.2.{serial}\n"
    );
    for i in 0..200 {
        z.push_str(&format!("h{i} A 198.51.100.{}\n", i % 250));
    }
    z
}

//----------- Certificates -----------------------------------------------------------

/// A CA that issues PEM files into a folder.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(dir: &Path, name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), issuer.pem()).unwrap();
        Ca { issuer }
    }

    /// `dir/<file>.pem` and `dir/<file>.key` for `dns` and 127.0.0.1.
    fn issue(&self, dir: &Path, file: &str, dns: &str) {
        let mut params = CertificateParams::new(vec![dns.to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
        params.distinguished_name.push(DnType::CommonName, dns);
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = date_time_ymd(4000, 1, 1);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        std::fs::write(dir.join(format!("{file}.pem")), cert.pem()).unwrap();
        std::fs::write(dir.join(format!("{file}.key")), key.serialize_pem()).unwrap();
    }
}

/// The folder's certificates: `ca.pem`, `server.{pem,key}` for primary.test,
/// `clients.pem` and `client.{pem,key}` for secondary.test.
fn pki() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca");
    ca.issue(dir.path(), "server", "primary.test");
    let clients = Ca::new(dir.path(), "clients");
    clients.issue(dir.path(), "client", "secondary.test");
    dir
}

//----------- named ------------------------------------------------------------------

/// named serving [`ZONE`] as primary on `port` (plain) and `tls_port` (XoT), its
/// transfers allowed over TLS only, NOTIFYing `notify` (plain); with `mutual`, client
/// certificates from `clients.pem` are required.
fn named_primary(
    pki: &Path,
    port: u16,
    tls_port: u16,
    notify: Option<u16>,
    mutual: bool,
) -> Daemon {
    let p = pki.display();
    let ca = if mutual {
        format!(" ca-file \"{p}/clients.pem\";")
    } else {
        String::new()
    };
    let also = notify.map_or(String::new(), |n| {
        format!(" also-notify {{ 127.0.0.1 port {n}; }}; notify explicit;")
    });
    let conf = format!(
        "tls local-tls {{ cert-file \"{p}/server.pem\"; key-file \"{p}/server.key\";{ca} }};\n\
         options {{\n  directory \"{{dir}}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  \
         listen-on port {tls_port} tls local-tls {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         recursion no;\n  pid-file \"{{dir}}/named.pid\";\n  session-keyfile \"{{dir}}/session.key\";\n  \
         managed-keys-directory \"{{dir}}\";\n  dnssec-validation no;\n  notify no;\n  \
         ixfr-from-differences yes;\n}};\ncontrols {{ }};\n\
         logging {{\n  channel out {{ stderr; severity info; print-time yes; }};\n  \
         category default {{ out; }};\n}};\n\
         zone \"{ZONE}\" {{ type primary; file \"{{dir}}/{ZONE}.zone\";\n  \
         allow-transfer transport tls {{ any; }};{also} }};\n"
    );
    start_named_config(port, &conf, &[(ZONE, &zone_at(1))], &[ZONE])
}

fn wait_serial_at(port: u16, serial: u32, what: &str, log: impl Fn() -> String) {
    if !poll(WAIT, || soa_serial(port, ZONE) == Some(serial)) {
        panic!(
            "{what} did not reach serial {serial} (last {:?}); log:\n{}",
            soa_serial(port, ZONE),
            log()
        );
    }
}

//----------- Tests ------------------------------------------------------------------

#[test]
fn named_primary_over_xot_to_zonesync_secondary_axfr_then_notify_ixfr() {
    let pki = pki();
    let p = pki.path().display();
    let (nport, ntls, zport) = (free_port(), free_port(), free_port());
    let named = named_primary(pki.path(), nport, ntls, Some(zport), false);
    let yaml = format!(
        "listen: [\"127.0.0.1:{zport}\"]\nstate-dir: state\nmin-refresh: 1s\nmin-retry: 1s\n\
         zones:\n  - name: {ZONE}\n    primaries:\n      - {{ address: \"127.0.0.1:{ntls}\",\n\
         \x20         tls: {{ ca-file: {p}/ca.pem, hostname: primary.test }} }}\n"
    );
    let zs = start_zonesync_config(zport, &yaml, &[ZONE]);
    wait_serial_at(zport, 1, "zonesync", || zs.log());
    let log = zs.log();
    assert!(
        log.lines()
            .any(|l| l.contains("AXFR-in, serial none -> 1") && l.contains("transport=TLS")),
        "{log}"
    );

    named.update_zone(ZONE, &zone_at(2), 2);
    wait_serial_at(zport, 2, "zonesync", || zs.log());
    let ok = poll(WAIT, || {
        zs.log()
            .lines()
            .any(|l| l.contains("IXFR-in, serial 1 -> 2") && l.contains("transport=TLS"))
    });
    assert!(
        ok,
        "no IXFR over TLS:\n{}\n--- named ---\n{}",
        zs.log(),
        named.log()
    );
    let www = crate::peers::short(zport, &format!("www.{ZONE}"), "A");
    assert_eq!(www, "192.0.2.2");
}

#[test]
fn zonesync_primary_over_xot_to_named_secondary() {
    zonesync_primary_to_named(false);
}

/// The same with mutual TLS: named presents `client.pem` from `clients.pem`.
#[test]
fn zonesync_primary_over_mutual_tls_to_named_secondary() {
    zonesync_primary_to_named(true);
}

/// A named secondary that presents no client certificate gets nothing from a
/// zonesync primary that requires one.
#[test]
fn zonesync_primary_refuses_named_without_a_client_certificate() {
    let pki = pki();
    let p = pki.path().display();
    let (zport, ztls, nport) = (free_port(), free_port(), free_port());
    let yaml = format!(
        "listen: [\"127.0.0.1:{zport}\"]\nlisten-tls: [\"127.0.0.1:{ztls}\"]\n\
         tls: {{ cert-file: {p}/server.pem, key-file: {p}/server.key, client-ca-file: {p}/clients.pem }}\n\
         state-dir: state\n\
         zones:\n  - name: {ZONE}\n    file: {ZONE}.zone\n\
         \x20   allow-transfer: [ {{ address: 127.0.0.0/8, tls: true }} ]\n"
    );
    let zs = start_zonesync_files(zport, &yaml, &[(ZONE, &zone_at(1))], &[ZONE]);
    let conf = named_secondary_conf(pki.path(), nport, ztls, false);
    let named = start_named_config(nport, &conf, &[], &[]);
    let refused = poll(WAIT, || {
        zs.log()
            .lines()
            .any(|l| l.contains("TLS handshake failed") && l.contains("presented no certificate"))
    });
    assert!(refused, "{}\n--- named ---\n{}", zs.log(), named.log());
    assert!(!zs.log().contains("AXFR-out, finished"), "{}", zs.log());
    assert_eq!(soa_serial(nport, ZONE), None, "named has no copy");
}

/// named's config as a secondary of [`ZONE`] on `port`, its primary zonesync's TLS
/// port `tls_port`, presenting the client certificate when `client_cert`.
fn named_secondary_conf(pki: &Path, port: u16, tls_port: u16, client_cert: bool) -> String {
    let p = pki.display();
    let cert = if client_cert {
        format!(" cert-file \"{p}/client.pem\"; key-file \"{p}/client.key\";")
    } else {
        String::new()
    };
    format!(
        "tls to-primary {{ ca-file \"{p}/ca.pem\"; remote-hostname \"primary.test\";{cert} }};\n\
         options {{\n  directory \"{{dir}}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  \
         listen-on-v6 {{ none; }};\n  recursion no;\n  pid-file \"{{dir}}/named.pid\";\n  \
         session-keyfile \"{{dir}}/session.key\";\n  managed-keys-directory \"{{dir}}\";\n  \
         dnssec-validation no;\n  notify no;\n  allow-notify {{ 127.0.0.1; }};\n}};\ncontrols {{ }};\n\
         logging {{\n  channel out {{ stderr; severity info; print-time yes; }};\n  \
         category default {{ out; }};\n}};\n\
         zone \"{ZONE}\" {{ type secondary; primaries {{ 127.0.0.1 port {tls_port} tls to-primary; }};\n  \
         file \"{{dir}}/{ZONE}.bak\"; }};\n"
    )
}

fn zonesync_primary_to_named(mutual: bool) {
    let pki = pki();
    let p = pki.path().display();
    let (zport, ztls, nport) = (free_port(), free_port(), free_port());
    let client_ca = if mutual {
        format!(", client-ca-file: {p}/clients.pem")
    } else {
        String::new()
    };
    let yaml = format!(
        "listen: [\"127.0.0.1:{zport}\"]\nlisten-tls: [\"127.0.0.1:{ztls}\"]\n\
         tls: {{ cert-file: {p}/server.pem, key-file: {p}/server.key{client_ca} }}\n\
         state-dir: state\nfile-check-interval: 200ms\n\
         zones:\n  - name: {ZONE}\n    file: {ZONE}.zone\n\
         \x20   allow-transfer: [ {{ address: 127.0.0.0/8, tls: true }} ]\n\
         \x20   also-notify: [\"127.0.0.1:{nport}\"]\n"
    );
    let zs = start_zonesync_files(zport, &yaml, &[(ZONE, &zone_at(1))], &[ZONE]);
    let conf = named_secondary_conf(pki.path(), nport, ztls, mutual);
    let named = start_named_config(nport, &conf, &[], &[ZONE]);
    wait_serial_at(nport, 1, "named", || named.log());
    let out_over_tls = |kind: &str| {
        zs.log()
            .lines()
            .any(|l| l.contains(&format!("{kind}-out, finished")) && l.contains("via=\"TLS\""))
    };
    assert!(poll(WAIT, || out_over_tls("AXFR")), "{}", zs.log());
    if mutual {
        // The transfer's log line names named's certificate by its pin.
        let pin = zonesync::tls::spki_pin_of_file(&pki.path().join("client.pem")).unwrap();
        assert!(zs.log().contains(&pin), "{}", zs.log());
    }

    zs.update_zone(ZONE, &zone_at(2), 2);
    wait_serial_at(nport, 2, "named", || named.log());
    assert!(
        poll(WAIT, || out_over_tls("IXFR")),
        "named's refresh did not come over TLS:\n{}",
        zs.log()
    );
    assert_eq!(
        crate::peers::short(nport, &format!("www.{ZONE}"), "A"),
        "192.0.2.2"
    );
}

#[test]
fn zonesync_axfr_tls_against_named_and_mutual_tls() {
    let pki = pki();
    let dir = pki.path();
    let s = |f: &str| dir.join(f).display().to_string();
    let (nport, ntls) = (free_port(), free_port());
    let named = named_primary(dir, nport, ntls, None, false);
    let addr = format!("127.0.0.1:{ntls}");
    let (ca, server_name) = (s("ca.pem"), "primary.test");
    let out = zonesync(&[
        "axfr",
        ZONE,
        "-s",
        &addr,
        "--tls-ca",
        &ca,
        "--tls-hostname",
        server_name,
    ]);
    assert!(out.status.success(), "{}\n{}", both(&out), named.log());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("h199.{ZONE}.")), "{text}");
    // Plain TCP is not served on the TLS port, and the zone is not transferred over
    // plain TCP on the plain port (allow-transfer transport tls).
    let out = zonesync(&["axfr", ZONE, "-s", &format!("127.0.0.1:{nport}")]);
    assert!(
        !out.status.success() && both(&out).contains("REFUSED"),
        "{}",
        both(&out)
    );
    drop(named);

    // Mutual TLS: named requires a certificate from clients.pem.
    let (nport, ntls) = (free_port(), free_port());
    let named = named_primary(dir, nport, ntls, None, true);
    let addr = format!("127.0.0.1:{ntls}");
    let base = [
        "axfr",
        ZONE,
        "-s",
        &addr,
        "--tls-ca",
        &ca,
        "--tls-hostname",
        server_name,
    ];
    let out = zonesync(&base);
    assert!(
        !out.status.success(),
        "no client certificate must be refused"
    );
    let err = both(&out);
    assert!(
        err.contains(&format!("TLS with {addr}")) && err.contains("client certificate"),
        "{err}\n{}",
        named.log()
    );
    let (cert, key) = (s("client.pem"), s("client.key"));
    let mut with = base.to_vec();
    with.extend(["--tls-cert", &cert, "--tls-key", &key]);
    let out = zonesync(&with);
    assert!(out.status.success(), "{}\n{}", both(&out), named.log());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("www.{ZONE}.")));
}
