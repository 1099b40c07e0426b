//! `zonesync check --fleet`: a secondary held back is drift (exit 1), and once it
//! catches up the fleet is consistent again (exit 0).

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

    // An unreachable server is drift too.
    let out = zonesync(&[
        "check",
        "--fleet",
        "example.org",
        "-s",
        &pa,
        "-s",
        "127.0.0.1:1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}
