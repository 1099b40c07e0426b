//! Operating a running server: every control verb of `zonesync serve … COMMAND`
//! (over the Unix socket and over HTTP), and the Prometheus endpoint scraped over HTTP
//! with counters that move as transfers happen.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use zonesync::sync::status::State;

use crate::common::{
    Server, free_port, stderr, stdout, wait_serial, wait_until, write_file, zonesync,
};

fn zone_text(serial: u32, extra: &str) -> String {
    format!(
        "$TTL 300\n@ SOA ns.elsewhere. hm.example.org. {serial} 3600 600 86400 60\n\
         @ NS ns.elsewhere.\nwww A 192.0.2.1\n{extra}"
    )
}

/// `zonesync serve -c CONFIG ARGS…`.
fn ctl(config: &Path, args: &[&str]) -> std::process::Output {
    let config = config.display().to_string();
    let mut all = vec!["serve", "-c", config.as_str()];
    all.extend_from_slice(args);
    zonesync(&all)
}

/// A plain HTTP/1.1 GET; the body.
fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_string()
}

/// The value of one sample line of a Prometheus exposition, if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The counter of successful transfers in of `kind` (`AXFR`, `IXFR`).
fn transfers_in(kind: &str) -> String {
    format!("zonesync_transfers_total{{direction=\"in\",kind=\"{kind}\",outcome=\"success\"}}")
}

/// The counter of NOTIFYs accepted.
const NOTIFY_IN: &str = "zonesync_notify_total{direction=\"in\",outcome=\"accepted\"}";

struct Pair {
    dir: tempfile::TempDir,
    primary: Server,
    secondary: Server,
    metrics: SocketAddr,
}

impl Pair {
    fn p(&self, f: &str) -> std::path::PathBuf {
        self.dir.path().join("p").join(f)
    }
    fn s(&self, f: &str) -> std::path::PathBuf {
        self.dir.path().join("s").join(f)
    }

    /// The secondary's sample `name` (0 while it has not been counted).
    fn metric(&self, name: &str) -> f64 {
        sample(&http_get(self.metrics, "/metrics"), name).unwrap_or(0.0)
    }

    /// Waits until the secondary's sample `name` reaches `want`.
    fn wait_metric(&self, name: &str, want: f64) {
        wait_until(&format!("{name} = {want}"), || {
            let text = http_get(self.metrics, "/metrics");
            match sample(&text, name) {
                Some(v) if v == want => Ok(()),
                other => Err(format!("{other:?}")),
            }
        });
    }
}

/// A primary (control over the default Unix socket) and a secondary of it (control
/// over HTTP, metrics on HTTP), the secondary refreshing on its own only after an hour.
fn start_pair() -> Pair {
    let dir = tempfile::tempdir().expect("tempdir");
    let (p, s) = (dir.path().join("p"), dir.path().join("s"));
    std::fs::create_dir_all(&p).expect("mkdir");
    std::fs::create_dir_all(&s).expect("mkdir");
    write_file(&p.join("example.org.zone"), &zone_text(1, ""));
    write_file(
        &p.join("cfg.yaml"),
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nfile-check-interval: 1h\n\
         zones:\n  - name: example.org\n    file: example.org.zone\n    notify: false\n\
         \x20   allow-transfer: [ { address: 127.0.0.0/8 } ]\n",
    );
    let primary = Server::start(&p.join("cfg.yaml"));
    wait_serial(primary.addr, "example.org.", 1);
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let control: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    write_file(
        &s.join("cfg.yaml"),
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nmin-refresh: 1h\n\
             metrics: \"{metrics}\"\ncontrol: {{ http: \"{control}\" }}\n\
             zones:\n  - name: example.org\n    primaries: [ {{ address: \"{}\" }} ]\n",
            primary.addr
        ),
    );
    let secondary = Server::start(&s.join("cfg.yaml"));
    wait_serial(secondary.addr, "example.org.", 1);
    Pair {
        dir,
        primary,
        secondary,
        metrics,
    }
}

#[test]
fn status_refresh_retransfer_notify_reload_and_bulk_refresh() {
    let pair = start_pair();
    let (pcfg, scfg) = (pair.p("cfg.yaml"), pair.s("cfg.yaml"));

    // status: a table for people, JSON for machines.
    let out = ctl(&pcfg, &["status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("example.org.") && text.contains("primary") && text.contains("| ok"),
        "{text}"
    );
    let out = ctl(&scfg, &["status", "example.org", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["ok"], true);
    let zone = &json["zones"][0];
    assert_eq!(zone["zone"], "example.org.");
    assert_eq!(zone["role"], "secondary");
    assert_eq!(zone["state"], "ok");
    assert_eq!(zone["serial"], 1);
    assert!(zone["next_refresh"].as_u64().is_some() && zone["expire_at"].as_u64().is_some());
    assert_eq!(zone["source"][0], pair.primary.addr.to_string());
    let out = ctl(&scfg, &["status", "nope.example"]);
    assert_eq!(out.status.code(), Some(1));

    // refresh: the primary re-reads its file; the secondary asks its primary.
    write_file(
        &pair.p("example.org.zone"),
        &zone_text(2, "new A 192.0.2.2\n"),
    );
    let out = ctl(&pcfg, &["refresh", "example.org"]);
    assert!(out.status.success(), "{}", stdout(&out));
    pair.primary.wait_zone("example.org", |z| {
        z.serial == Some(2) && z.state == State::Ok
    });
    wait_serial(pair.primary.addr, "example.org.", 2);
    assert_eq!(pair.metric(&transfers_in("AXFR")), 1.0, "the first load");
    assert_eq!(pair.metric(&transfers_in("IXFR")), 0.0);
    let out = ctl(&scfg, &["refresh", "example.org"]);
    assert!(out.status.success(), "{}", stdout(&out));
    pair.secondary.wait_zone("example.org", |z| {
        z.serial == Some(2) && z.state == State::Ok
    });
    wait_serial(pair.secondary.addr, "example.org.", 2);
    // By IXFR.
    pair.wait_metric(&transfers_in("IXFR"), 1.0);
    assert_eq!(pair.metric(&transfers_in("AXFR")), 1.0);

    // retransfer: a forced AXFR even though nothing changed.
    let out = ctl(&scfg, &["retransfer", "example.org"]);
    assert!(out.status.success(), "{}", stdout(&out));
    pair.wait_metric(&transfers_in("AXFR"), 2.0);
    pair.secondary.wait_zone("example.org", |z| {
        z.serial == Some(2) && z.state == State::Ok
    });
    let out = ctl(&pcfg, &["retransfer", "example.org"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a primary zone cannot be retransferred"
    );

    // notify: the primary sends NOTIFY on request (to the secondary, once listed).
    write_file(
        &pcfg,
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nfile-check-interval: 1h\n\
             zones:\n  - name: example.org\n    file: example.org.zone\n\
             \x20   also-notify: [\"{}\"]\n    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n\
             \x20 - name: example.net\n    file: example.net.zone\n",
            pair.secondary.addr
        ),
    );
    std::fs::write(
        pair.p("example.net.zone"),
        "$TTL 300\n@ SOA ns.elsewhere. hm.example.net. 7 3600 600 86400 60\n@ NS ns.elsewhere.\n",
    )
    .expect("write");
    // reload: the config's new zone is served, the changed one restarted.
    let out = ctl(&pcfg, &["reload"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 zone added"), "{}", stdout(&out));
    pair.primary.wait_zone("example.net", |z| {
        z.serial == Some(7) && z.state == State::Ok
    });
    wait_serial(pair.primary.addr, "example.net.", 7);
    let notified = pair.metric(NOTIFY_IN);
    let out = ctl(&pcfg, &["notify", "example.org"]);
    assert!(out.status.success(), "{}", stdout(&out));
    pair.wait_metric(NOTIFY_IN, notified + 1.0);

    // bulk-refresh needs super masters.
    let out = ctl(&scfg, &["bulk-refresh"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("no super-masters"),
        "{}",
        stdout(&out)
    );

    // No server behind the endpoint: a clear error.
    let gone = pair.dir.path().join("gone.yaml");
    std::fs::write(&gone, "listen: [\"127.0.0.1:1\"]\nstate-dir: nowhere\n").expect("write");
    let out = ctl(&gone, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot reach the server's control endpoint"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn metrics_are_scraped_and_move_with_transfers() {
    let pair = start_pair();
    let scrape = || http_get(pair.metrics, "/metrics");
    let text = scrape();
    let axfr_in = "zonesync_transfers_total{direction=\"in\",kind=\"AXFR\",outcome=\"success\"}";
    assert_eq!(sample(&text, axfr_in), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "zonesync_zone_serial{zone=\"example.org.\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&text, "zonesync_zones{state=\"ok\"}"), Some(1.0));
    assert!(
        sample(
            &text,
            "zonesync_zone_seconds_since_refresh{zone=\"example.org.\"}"
        )
        .is_some()
    );
    assert!(
        text.contains("# TYPE zonesync_notify_to_served_seconds histogram"),
        "{text}"
    );

    // An edit and a NOTIFY: an IXFR in, counted, and the latency observed.
    write_file(
        &pair.p("example.org.zone"),
        &zone_text(2, "new A 192.0.2.2\n"),
    );
    assert!(
        ctl(&pair.p("cfg.yaml"), &["refresh", "example.org"])
            .status
            .success()
    );
    wait_serial(pair.primary.addr, "example.org.", 2);
    let sa = pair.secondary.addr.to_string();
    assert!(
        zonesync(&["notify", "example.org", "-s", &sa])
            .status
            .success()
    );
    wait_serial(pair.secondary.addr, "example.org.", 2);
    let ixfr_in = "zonesync_transfers_total{direction=\"in\",kind=\"IXFR\",outcome=\"success\"}";
    let text = wait_until("the IXFR to be counted", || {
        let t = scrape();
        match sample(&t, ixfr_in) {
            Some(v) if v >= 1.0 => Ok(t),
            _ => Err(t),
        }
    });
    assert_eq!(
        sample(&text, "zonesync_zone_serial{zone=\"example.org.\"}"),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            "zonesync_notify_total{direction=\"in\",outcome=\"accepted\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "zonesync_notify_to_served_seconds_count"),
        Some(1.0)
    );
    let queries = sample(&text, "zonesync_queries_total{rcode=\"NOERROR\"}").unwrap_or(0.0);
    assert!(
        queries >= 1.0,
        "the SOA polls of the test were answered: {text}"
    );
}

#[test]
fn control_commands_find_the_config_through_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("cfg.yaml");
    write_file(&dir.path().join("example.org.zone"), &zone_text(7, ""));
    write_file(
        &config,
        "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nfile-check-interval: 1h\n\
         zones:\n  - { name: example.org, file: example.org.zone }\n",
    );
    let server = Server::start(&config);
    server.wait_zone("example.org", |z| z.serial == Some(7));

    // No -c: $ZONESYNC_CONFIG names the config.
    let out = std::process::Command::new(crate::common::bin())
        .args(["serve", "status", "--format", "json"])
        .env("ZONESYNC_CONFIG", &config)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("zonesync runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let response: zonesync::control::ControlResponse =
        serde_json::from_slice(&out.stdout).expect("JSON");
    let zone = crate::common::zone_status(&response, "example.org").expect("the zone");
    assert_eq!(zone.serial, Some(7), "{}", stdout(&out));

    // -c wins over the environment.
    let out = std::process::Command::new(crate::common::bin())
        .args(["serve", "-c"])
        .arg(&config)
        .arg("status")
        .env("ZONESYNC_CONFIG", dir.path().join("missing.yaml"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("zonesync runs");
    assert!(out.status.success(), "{}", stderr(&out));

    // Neither: the default path, named in the error when it is not there.
    let out = std::process::Command::new(crate::common::bin())
        .args(["serve", "status"])
        .env_remove("ZONESYNC_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("zonesync runs");
    if !std::path::Path::new("/etc/zonesync/zonesync.yaml").exists() {
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("/etc/zonesync/zonesync.yaml"),
            "{}",
            stderr(&out)
        );
    }
}
