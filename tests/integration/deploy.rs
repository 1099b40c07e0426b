//! The deployment as shipped: the example production config (`examples/etc/`, what the
//! Debian package installs as /etc/zonesync) checks clean and serves once the package's
//! install step (a TSIG key from `tsig-keygen`) has run, and `serve reload` — the
//! systemd unit's `ExecReload=` — works against it. And `serve status` in a narrow
//! terminal: the table fits 80 columns without splitting a serial or a word, and
//! `--wide` keeps one line per zone.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{Server, bin, free_port, stderr, stdout, wait_serial, write_file, zonesync};

/// `zonesync serve -c CONFIG ARGS…` with `$COLUMNS` set or removed.
fn status_with_columns(config: &Path, columns: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("serve")
        .arg("-c")
        .arg(config)
        .arg("status")
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("COLUMNS")
        .stdin(Stdio::null());
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    cmd.output().expect("zonesync runs")
}

/// `text` with `from` replaced by `to`; panics when `from` is not in it (the example
/// changed: this test must follow).
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the example config has {from:?}");
    text.replace(from, to)
}

#[test]
fn the_example_production_config_checks_serves_and_reloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let etc = dir.path().join("etc");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/etc");
    std::fs::create_dir_all(etc.join("zones")).expect("mkdir");
    let config = std::fs::read_to_string(examples.join("zonesync.yaml")).expect("read");
    std::fs::copy(
        examples.join("zones/example.com.zone"),
        etc.join("zones/example.com.zone"),
    )
    .expect("copy the zone");
    write_file(&etc.join("zonesync.yaml"), &config);

    // Without the key the package's postinst makes, the config names a missing file.
    let out = zonesync(&[
        "check",
        "--config",
        &etc.join("zonesync.yaml").display().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        format!("{}{}", stdout(&out), stderr(&out)).contains("xfr.key"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // The postinst's step: `zonesync tsig-keygen xfr-key > /etc/zonesync/xfr.key`.
    let key = zonesync(&["tsig-keygen", "xfr-key"]);
    assert!(key.status.success(), "{}", stderr(&key));
    write_file(&etc.join("xfr.key"), &stdout(&key));
    let out = zonesync(&[
        "check",
        "--config",
        &etc.join("zonesync.yaml").display().to_string(),
    ]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // Served as shipped, but on loopback: the listen addresses, the state directory,
    // the metrics port and the secondary's primary moved to this test's.
    let state = dir.path().join("state");
    let metrics = free_port();
    let primary = free_port();
    let local = replace(
        &config,
        "[\"0.0.0.0:53\", \"[::]:53\"]",
        "[\"127.0.0.1:0\"]",
    );
    let local = replace(
        &local,
        "state-dir: /var/lib/zonesync",
        &format!("state-dir: {}", state.display()),
    );
    let local = replace(&local, "127.0.0.1:9153", &format!("127.0.0.1:{metrics}"));
    let local = replace(&local, "192.0.2.1:53", &format!("127.0.0.1:{primary}"));
    // The zone's NS hosts are documentation addresses: no NOTIFY may leave loopback.
    let local = replace(
        &local,
        "    serial-policy: increment\n",
        "    serial-policy: increment\n    notify: false\n",
    );
    write_file(&etc.join("local.yaml"), &local);
    let server = Server::start(&etc.join("local.yaml"));
    wait_serial(server.addr, "example.com.", 2024010101);
    assert!(
        state.join("control.sock").exists(),
        "the control socket is in state-dir"
    );

    // systemd's ExecReload=: `zonesync serve --config FILE reload`.
    let cfg = etc.join("local.yaml").display().to_string();
    let out = zonesync(&["serve", "--config", &cfg, "reload"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = zonesync(&["serve", "--config", &cfg, "status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for zone in ["example.com.", "example.net."] {
        assert!(stdout(&out).contains(zone), "{zone} in {}", stdout(&out));
    }
}

#[test]
fn status_fits_80_columns_and_wide_keeps_one_line_per_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zones = [
        "a-rather-long-zone-name-for-a-narrow-terminal.example.org",
        "example.com",
    ];
    let mut config = String::from(
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nfile-check-interval: 1h\nzones:\n",
    );
    for (i, zone) in zones.iter().enumerate() {
        write_file(
            &dir.path().join(format!("{zone}.zone")),
            &format!(
                "$TTL 300\n@ SOA ns.elsewhere. hm.example.org. {} 3600 600 86400 60\n\
                 @ NS ns.elsewhere.\n",
                2024010100 + i
            ),
        );
        config.push_str(&format!(
            "  - {{ name: {zone}, file: {zone}.zone, notify: false }}\n"
        ));
    }
    // A secondary of two primaries that do not answer: a long list of sources.
    config.push_str(&format!(
        "  - name: secondary.example.net\n    primaries: [ {{ address: \"127.0.0.1:{}\" }}, \
         {{ address: \"127.0.0.1:{}\" }} ]\n",
        free_port(),
        free_port()
    ));
    let cfg = dir.path().join("cfg.yaml");
    write_file(&cfg, &config);
    let server = Server::start(&cfg);
    for (i, zone) in zones.iter().enumerate() {
        wait_serial(server.addr, &format!("{zone}."), 2024010100 + i as u32);
    }

    let narrow = status_with_columns(&cfg, Some("80"), &[]);
    assert!(narrow.status.success(), "{}", stderr(&narrow));
    let text = stdout(&narrow);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line:?} in\n{text}");
    }
    for zone in zones {
        assert!(text.contains(zone), "{zone} whole in\n{text}");
    }
    for serial in ["2024010100", "2024010101"] {
        assert!(text.contains(serial), "{serial} whole in\n{text}");
    }
    // Columns that did not fit went onto each zone's next lines.
    let table_lines = text.lines().skip(1).filter(|l| !l.is_empty()).count();
    assert!(table_lines > 2 + 3, "more than one line per zone:\n{text}");

    // --wide, and output that is not a terminal without $COLUMNS: one line per zone
    // (the server line, the header, the rule, three zones).
    for (columns, args) in [(Some("80"), &["--wide"][..]), (None, &[][..])] {
        let out = status_with_columns(&cfg, columns, args);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert_eq!(
            text.lines().count(),
            1 + 2 + 3,
            "{columns:?} {args:?}:\n{text}"
        );
        assert!(
            text.lines().any(|l| l.chars().count() > 80),
            "wider than 80:\n{text}"
        );
        for zone in zones.iter().chain(&["secondary.example.net"]) {
            assert_eq!(
                text.lines().filter(|l| l.contains(zone)).count(),
                1,
                "{zone} on one line:\n{text}"
            );
        }
    }
}
