//! XoT (zone transfers over TLS, RFC 9103) between real `zonesync` processes on
//! 127.0.0.1, with certificates made here (rcgen):
//!
//! - a zonesync primary on `listen-tls` → a zonesync secondary whose primary has
//!   `tls:` (strict: CA and hostname): AXFR, then a NOTIFY-driven IXFR, both over TLS;
//!   the `tls: true` ACL entry refuses the same transfer over plain TCP;
//! - mutual TLS: refused without a client certificate and with one from another CA,
//!   accepted with one from `client-ca-file`;
//! - every bad input named by the issue gets a clear error naming the peer: wrong CA,
//!   expired and not-yet-valid certificates, hostname mismatch, a TLS 1.2-only peer
//!   (both roles, OpenSSL playing the peer), plain TCP on the TLS port, a TLS client
//!   on the plain port, and handshakes that never complete (both roles);
//! - `check --fleet --tls` and `ixfr --tls` reach a server that transfers over TLS;
//! - a super slave whose super master has `tls:` takes the catalog and its member
//!   zones over TLS.

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType,
    date_time_ymd,
};
use zonesync::sync::status::State;
use zonesync::zone::Rtype;

use crate::common::{
    Server, ask, free_port, stderr, wait_serial, wait_until, write_file, zonesync,
};

const ZONE: &str = "example.net.";

//----------- Certificates -----------------------------------------------------------

/// A test CA that signs certificates into a folder as PEM files.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// Validity of a certificate made by [`Ca::issue`].
#[derive(Clone, Copy)]
enum Validity {
    Now,
    Expired,
    NotYet,
}

impl Ca {
    /// A new CA, its certificate written to `dir/<name>.pem`.
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

    /// A certificate for `dns` (and 127.0.0.1), written to `dir/<file>.pem` and
    /// `dir/<file>.key`; returns the two paths.
    fn issue(&self, dir: &Path, file: &str, dns: &str, validity: Validity) -> (PathBuf, PathBuf) {
        let mut params = CertificateParams::new(vec![dns.to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
        params.distinguished_name.push(DnType::CommonName, dns);
        match validity {
            Validity::Now => {
                params.not_before = date_time_ymd(2000, 1, 1);
                params.not_after = date_time_ymd(4000, 1, 1);
            }
            Validity::Expired => {
                params.not_before = date_time_ymd(2000, 1, 1);
                params.not_after = date_time_ymd(2001, 1, 1);
            }
            Validity::NotYet => {
                params.not_before = date_time_ymd(3900, 1, 1);
                params.not_after = date_time_ymd(4000, 1, 1);
            }
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let (pem, keyfile) = (
            dir.join(format!("{file}.pem")),
            dir.join(format!("{file}.key")),
        );
        std::fs::write(&pem, cert.pem()).unwrap();
        std::fs::write(&keyfile, key.serialize_pem()).unwrap();
        (pem, keyfile)
    }
}

//----------- Servers ----------------------------------------------------------------

/// The zone at `serial`.
fn zone_text(serial: u32, extra: &str) -> String {
    format!(
        "$TTL 300\n@ SOA ns1.example.org. hostmaster {serial} 3600 600 86400 60\n\
         @ NS ns1.example.org.\nwww A 192.0.2.1\n{extra}"
    )
}

/// A zonesync primary of [`ZONE`] in `dir` with its certificate `cert` (`cert.pem`,
/// `cert.key` in `dir`), TLS on `tls_port`, transfers only over TLS, and `extra`
/// lines in its `tls:` block, at the top level and in the zone.
fn tls_primary(
    dir: &Path,
    cert: &str,
    tls_port: u16,
    [tls_extra, extra, zone_extra]: [&str; 3],
) -> Server {
    write_file(&dir.join("zone"), &zone_text(1, ""));
    let cfg = dir.join("primary.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:0\"]\nlisten-tls: [\"127.0.0.1:{tls_port}\"]\n\
             tls: {{ cert-file: {cert}.pem, key-file: {cert}.key{tls_extra} }}\n\
             state-dir: pstate\nfile-check-interval: 100ms\n{extra}\
             zones:\n  - name: {ZONE}\n    file: zone\n\
             \x20   allow-transfer: [ {{ address: 127.0.0.0/8, tls: true }} ]\n{zone_extra}"
        ),
    );
    let server = Server::start(&cfg);
    server.wait_log(&["listening on TLS (XoT)"]);
    server
}

/// `zonesync axfr ZONE -s addr` with `args`; (success, stdout, stderr).
fn axfr(addr: SocketAddr, args: &[&str]) -> (bool, String, String) {
    let a = addr.to_string();
    let mut all = vec!["axfr", ZONE, "-s", a.as_str(), "--timeout", "3s"];
    all.extend_from_slice(args);
    let out = zonesync(&all);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

fn tls_addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

//----------- zonesync → zonesync ----------------------------------------------------

#[test]
fn a_secondary_transfers_over_tls_and_notify_brings_an_ixfr_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new(d, "ca");
    ca.issue(d, "server", "primary.test", Validity::Now);
    let (tls_port, sport) = (free_port(), free_port());
    // The primary notifies the secondary (NOTIFY stays UDP).
    let notify = format!("    also-notify: [\"127.0.0.1:{sport}\"]\n");
    let primary = tls_primary(d, "server", tls_port, ["", "", &notify]);
    wait_serial(primary.addr, ZONE, 1);

    let sdir = d.join("s");
    std::fs::create_dir_all(&sdir).unwrap();
    let scfg = sdir.join("cfg.yaml");
    write_file(
        &scfg,
        &format!(
            "listen: [\"127.0.0.1:{sport}\"]\nstate-dir: state\n\
             min-refresh: 1s\nmin-retry: 1s\nmin-expire: 1s\n\
             zones:\n  - name: {ZONE}\n    primaries:\n\
             \x20     - {{ address: \"127.0.0.1:{tls_port}\",\n\
             \x20         tls: {{ ca-file: ../ca.pem, hostname: primary.test }} }}\n"
        ),
    );
    let secondary = Server::start(&scfg);
    wait_serial(secondary.addr, ZONE, 1);
    secondary.wait_zone(ZONE, |z| z.serial == Some(1) && z.state == State::Ok);
    secondary.wait_log(&["AXFR-in, serial none -> 1", "transport=TLS"]);
    primary.wait_log(&["AXFR-out, finished", "via=\"TLS\""]);

    // The same transfer over plain TCP is refused: the ACL entry demands TLS.
    let (ok, _, err) = axfr(primary.addr, &[]);
    assert!(!ok && err.contains("REFUSED"), "{err}");

    let mark = secondary.mark();
    let primary_mark = primary.mark();
    write_file(&d.join("zone"), &zone_text(2, "new A 192.0.2.2\n"));
    wait_serial(secondary.addr, ZONE, 2);
    secondary.wait_log_since(mark, &["NOTIFY-in, accepted"]);
    secondary.wait_log_since(mark, &["IXFR-in, serial 1 -> 2", "transport=TLS"]);
    let pmark = primary_mark;
    primary.wait_log_since(pmark, &["IXFR-out, finished", "via=\"TLS\""]);
    // RFC 9103 §5.4: the refresh's SOA query and its IXFR shared one TLS session (a
    // new one, or the AXFR's if it was still parked).
    let log = primary.log();
    let sessions = log[pmark..]
        .lines()
        .take_while(|l| !l.contains("IXFR-out, finished"))
        .filter(|l| l.contains("TLS session established"))
        .count();
    assert!(
        sessions <= 1,
        "one session for the SOA query and the IXFR:\n{log}"
    );
    let a = ask(secondary.addr, "new.example.net.", Rtype::A);
    assert_eq!(a.answer.len(), 1);

    // `zonesync ixfr --tls` asks the primary over TLS too.
    let ca = d.join("ca.pem");
    let tls = tls_addr(tls_port).to_string();
    let out = zonesync(&[
        "ixfr",
        ZONE,
        "-s",
        &tls,
        "--serial",
        "1",
        "--tls-ca",
        path(&ca),
        "--tls-hostname",
        "primary.test",
    ]);
    let (text, err) = (crate::common::stdout(&out), stderr(&out));
    assert!(out.status.success(), "{err}");
    assert!(
        text.contains("; serial 1 -> 2") && text.contains("+new.example.net."),
        "{text}"
    );
    assert!(err.contains("over TLS"), "{err}");
}

//----------- Mutual TLS -------------------------------------------------------------

#[test]
fn mutual_tls_needs_a_client_certificate_from_the_client_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new(d, "ca");
    ca.issue(d, "server", "primary.test", Validity::Now);
    let clients = Ca::new(d, "clients");
    let (cert, key) = clients.issue(d, "client", "secondary.test", Validity::Now);
    let other = Ca::new(d, "other");
    let (ocert, okey) = other.issue(d, "stranger", "secondary.test", Validity::Now);
    let tls_port = free_port();
    let primary = tls_primary(
        d,
        "server",
        tls_port,
        [", client-ca-file: clients.pem", "", ""],
    );
    let addr = tls_addr(tls_port);
    let ca_pem = d.join("ca.pem");
    let strict = ["--tls-ca", path(&ca_pem), "--tls-hostname", "primary.test"];

    let (ok, _, err) = axfr(addr, &strict);
    assert!(!ok, "no client certificate: refused");
    assert!(
        err.contains("TLS with 127.0.0.1") && err.contains("requires a client certificate"),
        "{err}"
    );
    primary.wait_log(&["TLS handshake failed", "presented no certificate"]);

    let mut with_other = strict.to_vec();
    with_other.extend(["--tls-cert", path(&ocert), "--tls-key", path(&okey)]);
    let (ok, _, err) = axfr(addr, &with_other);
    assert!(
        !ok && err.contains("does not trust our certificate"),
        "{err}"
    );
    primary.wait_log(&["TLS handshake failed", "client's certificate is not signed"]);

    let mut with_cert = strict.to_vec();
    with_cert.extend(["--tls-cert", path(&cert), "--tls-key", path(&key)]);
    let (ok, out, err) = axfr(addr, &with_cert);
    assert!(ok, "{err}");
    assert!(out.contains("www.example.net."), "{out}");
    let pin = zonesync::tls::spki_pin_of_file(&cert).unwrap();
    primary.wait_log(&["AXFR-out, finished", "via=\"TLS\"", &pin]);
}

//----------- Bad input --------------------------------------------------------------

#[test]
fn certificate_problems_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new(d, "ca");
    let wrong = Ca::new(d, "wrong");
    drop(wrong);
    ca.issue(d, "good", "primary.test", Validity::Now);
    ca.issue(d, "expired", "primary.test", Validity::Expired);
    ca.issue(d, "notyet", "primary.test", Validity::NotYet);
    let ports = [free_port(), free_port(), free_port()];
    let mut servers = Vec::new();
    for (name, port) in ["good", "expired", "notyet"].into_iter().zip(ports) {
        let sub = d.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        for ext in ["pem", "key"] {
            std::fs::copy(
                d.join(format!("{name}.{ext}")),
                sub.join(format!("cert.{ext}")),
            )
            .unwrap();
        }
        servers.push(tls_primary(&sub, "cert", port, ["", "", ""]));
    }
    let ca_pem = d.join("ca.pem");
    let wrong_pem = d.join("wrong.pem");
    let cases: [(u16, &[&str], &str); 5] = [
        (
            ports[0],
            &["--tls-ca", path(&ca_pem), "--tls-hostname", "primary.test"],
            "",
        ),
        (
            ports[0],
            &[
                "--tls-ca",
                path(&wrong_pem),
                "--tls-hostname",
                "primary.test",
            ],
            "the server's certificate is not signed by a configured CA",
        ),
        (
            ports[0],
            &["--tls-ca", path(&ca_pem), "--tls-hostname", "other.test"],
            "hostname mismatch",
        ),
        (
            ports[1],
            &["--tls-ca", path(&ca_pem)],
            "the server's certificate expired",
        ),
        (
            ports[2],
            &["--tls-ca", path(&ca_pem)],
            "the server's certificate is not valid yet",
        ),
    ];
    // `check --fleet` reaches a server that transfers over TLS only.
    let good = tls_addr(ports[0]).to_string();
    let out = zonesync(&[
        "check",
        "--fleet",
        ZONE,
        "-s",
        &good,
        "--content",
        "--tls-ca",
        path(&ca_pem),
        "--tls-hostname",
        "primary.test",
        "--format",
        "json",
    ]);
    let report = crate::common::stdout(&out);
    assert!(out.status.success(), "{report}{}", stderr(&out));
    assert!(
        report.contains("\"consistent\": true") && report.contains("\"records\": 3"),
        "{report}"
    );
    for (port, args, want) in cases {
        let (ok, _, err) = axfr(tls_addr(port), args);
        if want.is_empty() {
            assert!(ok, "{args:?}: {err}");
        } else {
            assert!(!ok, "{args:?} must fail");
            assert!(
                err.contains(&format!("TLS with 127.0.0.1:{port}: ")) && err.contains(want),
                "{args:?}: {err}"
            );
        }
    }
}

#[test]
fn wrong_transports_and_stalled_handshakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new(d, "ca");
    ca.issue(d, "server", "primary.test", Validity::Now);
    let tls_port = free_port();
    let primary = tls_primary(
        d,
        "server",
        tls_port,
        ["", "limits: { tcp-message-timeout: 1s }\n", ""],
    );
    let tls = tls_addr(tls_port);

    // Plain TCP on the TLS port.
    let (ok, _, err) = axfr(tls, &[]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "TLS with {tls}: the server answered with a TLS alert"
        )),
        "{err}"
    );
    primary.wait_log(&["TLS handshake failed", "plain DNS over TCP on the TLS port"]);

    // A TLS client on the plain port.
    let (ok, _, err) = axfr(primary.addr, &["--tls"]);
    assert!(!ok);
    assert!(
        err.contains(&format!("TLS with {}", primary.addr)) && err.contains("plain DNS port"),
        "{err}"
    );
    primary.wait_log(&["a TLS client on the plain DNS port"]);

    // A client that never starts its handshake is closed after tcp-message-timeout.
    let mut idle = std::net::TcpStream::connect(tls).unwrap();
    idle.set_read_timeout(Some(crate::common::WAIT)).unwrap();
    let started = Instant::now();
    let n = idle.read(&mut [0u8; 16]).unwrap_or(0);
    assert_eq!(n, 0, "closed without a byte");
    assert!(started.elapsed() < Duration::from_secs(20));
    primary.wait_log(&["TLS handshake did not complete within 1s"]);

    // A server that accepts and never answers the ClientHello.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let (ok, _, err) = axfr(silent_addr, &["--tls"]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "TLS with {silent_addr}: the TLS handshake did not complete within 3s"
        )),
        "{err}"
    );
    drop(silent);
}

/// OpenSSL as a TLS 1.2-only peer, in both roles.
#[test]
fn a_tls12_only_peer_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new(d, "ca");
    let (cert, key) = ca.issue(d, "server", "primary.test", Validity::Now);
    let tls_port = free_port();
    let primary = tls_primary(d, "server", tls_port, ["", "", ""]);

    // A TLS 1.2-only client against our server.
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-tls1_2",
            "-connect",
            &tls_addr(tls_port).to_string(),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    assert!(!out.status.success(), "a TLS 1.2 handshake must fail");
    primary.wait_log(&["TLS handshake failed", "does not speak TLS 1.3"]);

    // A TLS 1.2-only server against our client.
    let port = free_port();
    let server = OpenSsl(
        Command::new("openssl")
            .args(["s_server", "-tls1_2", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts"),
    );
    wait_until("openssl s_server to listen", || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    let addr = tls_addr(port);
    let (ok, _, err) = axfr(addr, &["--tls-ca", path(&d.join("ca.pem"))]);
    assert!(!ok);
    assert!(
        err.contains(&format!("TLS with {addr}")) && err.contains("TLS 1.2-only server"),
        "{err}"
    );
    drop(server);
}

/// A child process killed (by its PID) and reaped when dropped.
struct OpenSsl(Child);

impl Drop for OpenSsl {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

//----------- Config -----------------------------------------------------------------

#[test]
fn check_config_reads_the_tls_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(&d.join("zone"), &zone_text(1, ""));
    let cfg = d.join("cfg.yaml");
    write_file(
        &cfg,
        &format!(
            "listen: [\"127.0.0.1:0\"]\nlisten-tls: [\"127.0.0.1:0\"]\n\
             tls: {{ cert-file: missing.pem, key-file: missing.key }}\n\
             zones:\n  - name: {ZONE}\n    file: zone\n\
             \x20   allow-transfer: [ {{ tls: true }} ]\n\
             \x20 - name: example.org\n    primaries: [ {{ address: \"127.0.0.1:853\", tls: {{ pin-sha256: nope }} }} ]\n"
        ),
    );
    let out = zonesync(&["check", "--config", path(&cfg)]);
    assert!(!out.status.success());
    let err = stderr(&out) + &crate::common::stdout(&out);
    assert!(
        err.contains("tls: ") && err.contains("missing.pem"),
        "{err}"
    );
    assert!(
        err.contains("zones[1].primaries[0].tls") && err.contains("pin-sha256"),
        "{err}"
    );
}

//----------- Super master over TLS --------------------------------------------------

/// A super slave whose super master has `tls:` takes the catalog and the member
/// zones over TLS.
#[test]
fn a_super_slave_takes_catalog_and_zones_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new(d, "ca");
    ca.issue(d, "server", "primary.test", Validity::Now);
    let (tls_port, sport) = (free_port(), free_port());
    let mdir = d.join("m");
    std::fs::create_dir_all(mdir.join("zones")).unwrap();
    write_file(
        &mdir.join("zones/one.test.zone"),
        "$ORIGIN one.test.\n$TTL 300\n@ SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n\
         @ NS ns1.example.net.\nwww A 192.0.2.1\n",
    );
    let mcfg = mdir.join("cfg.yaml");
    write_file(
        &mcfg,
        &format!(
            "listen: [\"127.0.0.1:0\"]\nlisten-tls: [\"127.0.0.1:{tls_port}\"]\n\
             tls: {{ cert-file: ../server.pem, key-file: ../server.key }}\n\
             state-dir: state\nfile-check-interval: 200ms\nzones-dir: zones\n\
             super-slaves:\n  servers: [\"127.0.0.1:{sport}\"]\n  allow-unsigned: true\n\
             \x20 catalog: catalog.invalid.\n"
        ),
    );
    let master = Server::start(&mcfg);
    master.wait_log(&["listening on TLS (XoT)"]);
    let sdir = d.join("s");
    std::fs::create_dir_all(&sdir).unwrap();
    let scfg = sdir.join("cfg.yaml");
    write_file(
        &scfg,
        &format!(
            "listen: [\"127.0.0.1:{sport}\"]\nstate-dir: state\nmin-retry: 1s\nmax-retry: 1s\n\
             super-masters:\n  - {{ address: \"127.0.0.1:{tls_port}\", catalog: catalog.invalid.,\n\
             \x20     tls: {{ ca-file: ../ca.pem, hostname: primary.test }} }}\n"
        ),
    );
    let slave = Server::start(&scfg);
    wait_serial(slave.addr, "one.test", 1);
    for zone in ["catalog.invalid.", "one.test."] {
        master.wait_log(&["AXFR-out, finished", &format!("zone={zone}"), "via=\"TLS\""]);
    }
    assert!(
        !master.log().contains("via=\"TCP\""),
        "nothing went over plain TCP:\n{}",
        master.log()
    );
}
