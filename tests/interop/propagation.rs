//! The propagation view of a zonesync primary with three real secondaries — knotd,
//! named and a zonesync secondary — while one of them (named) is held back: it is not
//! a NOTIFY target until later, so it keeps the old serial (its refresh is an hour
//! away). The status JSON, the metrics, the status page and the page in a real
//! browser (headless Chromium, Debian's `chromium`) must all say that named lags and
//! by how much, and all agree once it has caught up.
//!
//! Each secondary talks to the primary from its own loopback address (knotd `via`
//! 127.0.0.2, named's transfer and query source 127.0.0.3, the zonesync secondary from
//! 127.0.0.1), since a primary tells its secondaries apart by address.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::peers::{
    Daemon, both, free_port, poll, run, spawn, start_zonesync_config, tool, zonesync,
};

const ZONE: &str = "prop.example";
const KNOT: &str = "127.0.0.2";
const NAMED: &str = "127.0.0.3";
const ZONESYNC: &str = "127.0.0.1";
const WAIT: Duration = Duration::from_secs(30);

fn zone_text(serial: u32) -> String {
    format!(
        "$TTL 300\n@ SOA ns.elsewhere. hm.prop.example. {serial} 3600 600 86400 60\n\
         @ NS ns.elsewhere.\nwww A 192.0.2.{serial}\n"
    )
}

/// The serial `kdig` gets for the zone from `ip`:`port`.
fn serial_at(ip: &str, port: u16) -> Option<u32> {
    let out = run(
        &tool("kdig"),
        &[
            &format!("@{ip}"),
            "-p",
            &port.to_string(),
            ZONE,
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

fn wait_serial_at(what: &str, ip: &str, port: u16, serial: u32, d: &Daemon) {
    assert!(
        poll(WAIT, || serial_at(ip, port) == Some(serial)),
        "{what} did not serve serial {serial} (has {:?}); log:\n{}",
        serial_at(ip, port),
        d.log()
    );
}

/// knotd on `KNOT`@`port`, a secondary of 127.0.0.1@`primary` reached via `KNOT`.
fn start_knot(port: u16, primary: u16) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let cfg = format!(
        "server:\n  listen: {KNOT}@{port}\n  rundir: {d}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
         database:\n  storage: {d}/db\n\
         log:\n  - target: stderr\n    any: info\n\
         remote:\n  - id: primary\n    address: 127.0.0.1@{primary}\n    via: {KNOT}\n\
         acl:\n  - id: primary\n    address: 127.0.0.0/8\n    action: [notify]\n\
         template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n    journal-content: changes\n    semantic-checks: off\n\
         zone:\n  - domain: {ZONE}\n    master: primary\n    acl: [primary]\n    file: {d}/{ZONE}.zone\n"
    );
    std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
    let config = dir.path().join("knot.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    spawn("knotd", &["-c", &c], dir, config, port)
}

/// Makes `NAMED` an address of `lo`: named listens only on interface addresses
/// (knotd and zonesync bind any loopback address). Done only inside a network
/// namespace of our own (as CI and the README run this target), never on a host's
/// loopback.
fn ensure_named_address() {
    let show = || both(&run(&tool("ip"), &["-o", "addr", "show", "dev", "lo"]));
    if show().contains(&format!("inet {NAMED}/")) {
        return;
    }
    let ns = |p: &str| std::fs::read_link(p).ok();
    assert_ne!(
        ns("/proc/self/ns/net"),
        ns("/proc/1/ns/net"),
        "this test adds {NAMED} to lo: run it in a network namespace \
         (unshare -n sh -c 'ip link set lo up && exec cargo test --test interop propagation')"
    );
    let out = run(
        &tool("ip"),
        &["addr", "add", &format!("{NAMED}/32"), "dev", "lo"],
    );
    assert!(out.status.success(), "ip addr add: {}", both(&out));
}

/// named on `NAMED` port `port`, a secondary of 127.0.0.1 port `primary`, refreshing
/// and transferring from `NAMED`.
fn start_named(port: u16, primary: u16) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let cfg = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ {NAMED}; }};\n  listen-on-v6 {{ none; }};\n  \
         recursion no;\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
         managed-keys-directory \"{d}\";\n  dnssec-validation no;\n  notify no;\n  \
         transfer-source {NAMED};\n  query-source address {NAMED};\n  notify-source {NAMED};\n  \
         allow-notify {{ 127.0.0.0/8; }};\n}};\ncontrols {{ }};\n\
         logging {{\n  channel out {{ stderr; severity info; print-time yes; }};\n  \
         category default {{ out; }};\n}};\n\
         zone \"{ZONE}\" {{ type secondary; primaries {{ 127.0.0.1 port {primary}; }}; file \"{d}/{ZONE}.bak\"; }};\n"
    );
    let config = dir.path().join("named.conf");
    std::fs::write(&config, cfg).expect("config");
    let c = config.display().to_string();
    spawn("named", &["-f", "-n", "1", "-c", &c], dir, config, port)
}

/// The zonesync primary's config: the zone file `file`, NOTIFY to `targets` (the
/// zone's NS host is out of zone: no other target), metrics on `metrics`.
fn primary_config(port: u16, metrics: u16, file: &Path, targets: &[String]) -> String {
    format!(
        "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\nfile-check-interval: 200ms\n\
         metrics: \"127.0.0.1:{metrics}\"\n\
         zones:\n  - name: {ZONE}\n    file: {}\n\
         \x20   also-notify: [{}]\n    allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n",
        file.display(),
        targets
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A GET on 127.0.0.1:`port`; the body (panics on anything but 200).
fn http_get(port: u16, path: &str) -> String {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
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

/// What one view says of one secondary: (state, serial, serials behind).
type Standing = (String, Option<u64>, Option<u64>);

/// The status JSON's view of the zone: by secondary address.
fn from_json(status: &Value) -> BTreeMap<String, Standing> {
    let zone = status["zones"]
        .as_array()
        .and_then(|zs| zs.iter().find(|z| z["zone"] == format!("{ZONE}.")))
        .cloned()
        .unwrap_or(Value::Null);
    zone["secondaries"]
        .as_array()
        .map(|ss| {
            ss.iter()
                .map(|s| {
                    (
                        s["secondary"].as_str().unwrap_or("").to_string(),
                        (
                            s["state"].as_str().unwrap_or("").to_string(),
                            s["serial"].as_u64(),
                            s["behind"].as_u64(),
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A `data-NAME="…"` attribute of an HTML tag's text.
fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" data-{name}=\""))? + name.len() + 8;
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_string())
}

/// The page's propagation rows for the zone: by secondary address. The state comes
/// from the row's attributes; serial and distance too (empty = unknown).
fn from_page(html: &str) -> BTreeMap<String, Standing> {
    html.split("<tr ")
        .skip(1)
        .filter_map(|row| {
            let tag = &row[..row.find('>')?];
            if attr(tag, "zone")? != format!("{ZONE}.") {
                return None;
            }
            let secondary = attr(tag, "secondary")?;
            let num = |n: &str| attr(tag, n).and_then(|v| v.parse().ok());
            Some((
                secondary,
                (attr(tag, "state")?, num("serial"), num("behind")),
            ))
        })
        .collect()
}

/// The metrics' view: serial and distance gauges by secondary (the state follows
/// from the distance: 0 current, more behind).
fn from_metrics(text: &str) -> BTreeMap<String, (Option<u64>, Option<u64>)> {
    let mut out: BTreeMap<String, (Option<u64>, Option<u64>)> = BTreeMap::new();
    for line in text.lines() {
        for (metric, serial) in [
            ("zonesync_secondary_serial{", true),
            ("zonesync_secondary_serials_behind{", false),
        ] {
            let Some(rest) = line.strip_prefix(metric) else {
                continue;
            };
            let Some((labels, value)) = rest.split_once("} ") else {
                continue;
            };
            if !labels.contains(&format!("zone=\"{ZONE}.\"")) {
                continue;
            }
            let Some(addr) = labels
                .split("secondary=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
            else {
                continue;
            };
            let v = value.parse::<f64>().ok().map(|v| v as u64);
            let e = out.entry(addr.to_string()).or_default();
            if serial {
                e.0 = v;
            } else {
                e.1 = v;
            }
        }
    }
    out
}

/// The page as headless Chromium shows it after its script ran (`--dump-dom` once
/// the virtual time budget is spent), and how many times the script refreshed it.
fn browser_dom(port: u16) -> (String, u32) {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium not found: install Debian's `chromium` (.ci/run does)");
    let profile = tempfile::tempdir().expect("tempdir");
    let out = Command::new("timeout")
        .args(["60", chromium])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("http://127.0.0.1:{port}/"))
        .stdin(Stdio::null())
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", both(&out));
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let updates = dom
        .split("<main ")
        .nth(1)
        .and_then(|m| attr(&m[..m.find('>')?], "updates"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (dom, updates)
}

/// The status JSON (`serve status --format json`).
fn status(config: &Path) -> Value {
    let out = zonesync(&[
        "serve",
        "-c",
        config.to_str().expect("UTF-8"),
        "status",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Waits until the status JSON, the metrics and the page all show `want` (address →
/// (state, serial, behind)) for the zone's secondaries; returns the JSON.
fn wait_all_agree(config: &Path, metrics: u16, want: &BTreeMap<String, Standing>) -> Value {
    let mut last = String::new();
    let agreed = poll(WAIT, || {
        let json = status(config);
        let j = from_json(&json);
        let page = from_page(&http_get(metrics, "/"));
        let m = from_metrics(&http_get(metrics, "/metrics"));
        let m_want: BTreeMap<String, (Option<u64>, Option<u64>)> = want
            .iter()
            .map(|(a, (_, serial, behind))| (a.clone(), (*serial, *behind)))
            .collect();
        last = format!("json {j:?}\npage {page:?}\nmetrics {m:?}");
        &j == want && &page == want && m == m_want
    });
    assert!(
        agreed,
        "status, page and metrics never showed {want:?}; last:\n{last}"
    );
    status(config)
}

fn standing(state: &str, serial: u64, behind: u64) -> Standing {
    (state.to_string(), Some(serial), Some(behind))
}

#[test]
fn the_primary_shows_the_held_back_secondary_in_json_metrics_page_and_browser() {
    let (pport, mport, kport, nport, zport) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let knot_target = format!("{KNOT}:{kport}");
    let zonesync_target = format!("{ZONESYNC}:{zport}");
    let named_target = format!("{NAMED}:{nport}");

    // The primary: NOTIFY to knotd and the zonesync secondary; named is held back.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(format!("{ZONE}.zone"));
    std::fs::write(&file, zone_text(1)).expect("zone");
    let yaml = primary_config(
        pport,
        mport,
        &file,
        &[knot_target.clone(), zonesync_target.clone()],
    );
    let primary = start_zonesync_config(pport, &yaml, &[ZONE]);
    let pcfg = primary.config.clone();

    let knot = start_knot(kport, pport);
    ensure_named_address();
    let named = start_named(nport, pport);
    let secondary = start_zonesync_config(
        zport,
        &format!(
            "listen: [\"{zonesync_target}\"]\nstate-dir: state\n\
             zones:\n  - name: {ZONE}\n    primaries: [ {{ address: \"127.0.0.1:{pport}\" }} ]\n"
        ),
        &[ZONE],
    );
    wait_serial_at("knotd", KNOT, kport, 1, &knot);
    wait_serial_at("named", NAMED, nport, 1, &named);
    wait_serial_at("the zonesync secondary", ZONESYNC, zport, 1, &secondary);
    let all_at_1: BTreeMap<String, Standing> = [KNOT, NAMED, ZONESYNC]
        .into_iter()
        .map(|a| (a.to_string(), standing("current", 1, 0)))
        .collect();
    wait_all_agree(&pcfg, mport, &all_at_1);

    // Serial 2: knotd and the zonesync secondary are told and follow; named lags.
    std::fs::write(&file, zone_text(2)).expect("zone");
    wait_serial_at("the primary", "127.0.0.1", pport, 2, &primary);
    wait_serial_at("knotd", KNOT, kport, 2, &knot);
    wait_serial_at("the zonesync secondary", ZONESYNC, zport, 2, &secondary);
    let mut lagging = all_at_1.clone();
    lagging.insert(KNOT.into(), standing("current", 2, 0));
    lagging.insert(ZONESYNC.into(), standing("current", 2, 0));
    lagging.insert(NAMED.into(), standing("behind", 1, 1));
    let json = wait_all_agree(&pcfg, mport, &lagging);
    let z = &json["zones"][0]["secondaries"];
    let listed = |a: &str| {
        z.as_array()
            .and_then(|ss| ss.iter().find(|s| s["secondary"] == a))
            .map(|s| s["listed"].clone())
    };
    assert_eq!(listed(KNOT), Some("also-notify".into()), "{z}");
    assert_eq!(listed(ZONESYNC), Some("also-notify".into()), "{z}");
    assert_eq!(listed(NAMED), Some("client".into()), "{z}");
    let named_view = z
        .as_array()
        .and_then(|ss| ss.iter().find(|s| s["secondary"] == NAMED))
        .cloned()
        .expect("named tracked");
    assert!(
        named_view["lag_seconds"].as_f64().is_some_and(|l| l > 0.0),
        "{named_view}"
    );
    assert_eq!(serial_at(NAMED, nport), Some(1), "named was not to be told");
    let metrics = http_get(mport, "/metrics");
    let lag_line =
        format!("zonesync_secondary_lag_seconds{{zone=\"{ZONE}.\",secondary=\"{NAMED}\"}} ");
    assert!(
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&lag_line))
            .and_then(|v| v.parse::<f64>().ok())
            .is_some_and(|v| v > 0.0),
        "{metrics}"
    );
    // The browser shows the lagging secondary, after the page's script refreshed it.
    let (dom, updates) = browser_dom(mport);
    assert!(updates >= 1, "the page's script did not refresh it:\n{dom}");
    assert_eq!(from_page(&dom), lagging, "{dom}");

    // Catch-up: named becomes a NOTIFY target (reload), a NOTIFY round tells it.
    std::fs::write(
        &pcfg,
        primary_config(
            pport,
            mport,
            &file,
            &[knot_target, zonesync_target, named_target],
        ),
    )
    .expect("config");
    let c = pcfg.to_str().expect("UTF-8");
    let out = zonesync(&["serve", "-c", c, "reload"]);
    assert!(out.status.success(), "{}", both(&out));
    let out = zonesync(&["serve", "-c", c, "notify", ZONE]);
    assert!(out.status.success(), "{}", both(&out));
    wait_serial_at("named", NAMED, nport, 2, &named);
    let all_at_2: BTreeMap<String, Standing> = [KNOT, NAMED, ZONESYNC]
        .into_iter()
        .map(|a| (a.to_string(), standing("current", 2, 0)))
        .collect();
    let json = wait_all_agree(&pcfg, mport, &all_at_2);
    let z = &json["zones"][0]["secondaries"];
    let named_view = z
        .as_array()
        .and_then(|ss| ss.iter().find(|s| s["secondary"] == NAMED))
        .expect("named tracked");
    assert_eq!(named_view["listed"], "also-notify", "{z}");
    assert_eq!(named_view["lag_seconds"].as_f64(), Some(0.0), "{z}");
    let (dom, updates) = browser_dom(mport);
    assert!(updates >= 1, "the page's script did not refresh it:\n{dom}");
    assert_eq!(from_page(&dom), all_at_2, "{dom}");
    // Every secondary's transfer of serial 2 went into the lag histogram.
    let metrics = http_get(mport, "/metrics");
    let count = metrics
        .lines()
        .find_map(|l| l.strip_prefix("zonesync_propagation_lag_seconds_count "))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(count >= 6.0, "3 secondaries x 2 serials: {metrics}");
    drop(dir);
}
