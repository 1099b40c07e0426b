//! `zonesync check --fleet`: a secondary held back is drift (exit 1), and once it
//! catches up the fleet is consistent again (exit 0); a server that does not answer
//! or REFUSES is "could not be checked" (exit 3), not drift.

use std::path::Path;

use crate::common::{Server, stdout, wait_serial, zonesync};

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

fn zone_text(serial: u32, extra: &str) -> String {
    format!(
        "$TTL 300\n@ SOA ns.elsewhere. hm.example.org. {serial} 3600 600 86400 60\n\
         @ NS ns.elsewhere.\nwww A 192.0.2.1\n{extra}"
    )
}

#[test]
fn drift_is_found_and_clears_when_the_secondary_catches_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("p");
    let s = dir.path().join("s");
    std::fs::create_dir_all(&p).expect("mkdir");
    std::fs::create_dir_all(&s).expect("mkdir");
    write(&p.join("example.org.zone"), &zone_text(1, ""));
    write(
        &p.join("cfg.yaml"),
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nfile-check-interval: 200ms\n\
         zones:\n  - name: example.org\n    file: example.org.zone\n    notify: false\n\
         \x20   allow-transfer: [ { address: 127.0.0.0/8 } ]\n",
    );
    let primary = Server::start(&p.join("cfg.yaml"));
    wait_serial(primary.addr, "example.org.", 1);

    // The secondary refreshes on its own only after an hour: it stays behind.
    write(
        &s.join("cfg.yaml"),
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nmin-refresh: 1h\n\
             zones:\n  - name: example.org\n    primaries: [ {{ address: \"{}\" }} ]\n\
             \x20   allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n",
            primary.addr
        ),
    );
    let secondary = Server::start(&s.join("cfg.yaml"));
    wait_serial(secondary.addr, "example.org.", 1);

    let (pa, sa) = (primary.addr.to_string(), secondary.addr.to_string());
    let fleet = |extra: &[&str]| {
        let mut args = vec!["check", "--fleet", "example.org", "-s", &pa, "-s", &sa];
        args.extend_from_slice(extra);
        zonesync(&args)
    };
    let out = fleet(&["--content"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("consistent"), "{}", stdout(&out));

    // The primary moves on; the secondary does not hear of it.
    write(
        &p.join("example.org.zone"),
        &zone_text(2, "new A 192.0.2.2\n"),
    );
    wait_serial(primary.addr, "example.org.", 2);
    let out = fleet(&["--content"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("DRIFT"), "{text}");
    assert!(
        text.contains(&format!("{sa}: missing: new.example.org.")),
        "{text}"
    );
    let json = fleet(&["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["consistent"], false);
    assert_eq!(report["servers"][1]["behind"], 1);

    // A NOTIFY (from 127.0.0.1, the primary's address) makes it catch up.
    let out = zonesync(&["notify", "example.org", "-s", &sa]);
    assert!(out.status.success(), "{}", stdout(&out));
    wait_serial(secondary.addr, "example.org.", 2);
    let out = fleet(&["--content"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // A server that does not answer is not drift: it could not be checked (exit 3),
    // and the summary line says so.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let silent_addr = silent.local_addr().expect("addr").to_string();
    let out = zonesync(&[
        "check",
        "--fleet",
        "example.org",
        "-s",
        &pa,
        "-s",
        &sa,
        "-s",
        &silent_addr,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("UNCHECKED: 1 of 3 servers could not be checked"),
        "{text}"
    );
    assert!(!text.contains("DRIFT"), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains(&silent_addr))
        .expect("a row for the silent server");
    assert!(row.contains("unchecked"), "{row}");

    // A server that REFUSES the query: unchecked too (a secondary that refuses
    // unsigned SOA queries from us).
    let refusing = refusing_server();
    let out = zonesync(&[
        "check",
        "--fleet",
        "example.org",
        "-s",
        &pa,
        "-s",
        &refusing.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["servers"][1]["verdict"], "unchecked", "{report:#}");
    assert_eq!(
        (report["drift"].as_u64(), report["unchecked"].as_u64()),
        (Some(0), Some(1))
    );

    // Drift and an unchecked server at once: drift decides (exit 1), the line says both.
    write(
        &p.join("example.org.zone"),
        &zone_text(3, "new A 192.0.2.3\n"),
    );
    wait_serial(primary.addr, "example.org.", 3);
    let out = zonesync(&[
        "check",
        "--fleet",
        "example.org",
        "-s",
        &pa,
        "-s",
        &sa,
        "-s",
        &silent_addr,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "DRIFT: 1 of 3 servers differs from the primary; 1 server could not be checked"
        ),
        "{text}"
    );
    drop(silent);
}

/// A UDP and TCP "server" on loopback that answers every query REFUSED (TCP: one
/// answer per connection), until the test process ends.
fn refusing_server() -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = udp.local_addr().expect("addr");
    let tcp = std::net::TcpListener::bind(addr).expect("bind tcp");
    let refuse = |q: &[u8]| -> Vec<u8> {
        let mut a = q.to_vec();
        // QR set, opcode and RD kept; RCODE 5 (REFUSED); no answers.
        a[2] |= 0x80;
        a[3] = (a[3] & 0xf0) | 5;
        a
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok((n, from)) = udp.recv_from(&mut buf) {
            if n >= 12 {
                let _ = udp.send_to(&refuse(&buf[..n]), from);
            }
        }
    });
    std::thread::spawn(move || {
        for stream in tcp.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut len = [0u8; 2];
            if s.read_exact(&mut len).is_err() {
                continue;
            }
            let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
            if s.read_exact(&mut q).is_err() || q.len() < 12 {
                continue;
            }
            let a = refuse(&q);
            let _ = s.write_all(&(a.len() as u16).to_be_bytes());
            let _ = s.write_all(&a);
        }
    });
    addr
}
