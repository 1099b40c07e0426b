//! The primary's propagation view and the status page: a real primary and secondary,
//! the secondary held back (no NOTIFY, refresh an hour away) and then caught up; the
//! status JSON, the metrics, `/status.json` and the HTML page `/` all tell it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::{Server, free_port, stderr, wait_serial, wait_until, write_file, zonesync};

fn zone_text(serial: u32) -> String {
    format!(
        "$TTL 300\n@ SOA ns.elsewhere. hm.example.org. {serial} 3600 600 86400 60\n\
         @ NS ns.elsewhere.\nwww A 192.0.2.{serial}\n"
    )
}

/// A GET; the status line's code, the content type, and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
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
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let ctype = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or("")
        .to_string();
    (code, ctype, body.to_string())
}

/// The control status as JSON (`serve status --format json`).
fn status_json(config: &Path) -> Value {
    let out = zonesync(&[
        "serve",
        "-c",
        config.to_str().expect("UTF-8"),
        "status",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The entry of `secondary` in zone `zone`'s propagation view.
fn secondary<'a>(status: &'a Value, zone: &str, secondary: &str) -> Option<&'a Value> {
    status["zones"]
        .as_array()?
        .iter()
        .find(|z| z["zone"] == zone)?["secondaries"]
        .as_array()?
        .iter()
        .find(|s| s["secondary"] == secondary)
}

/// The value of one sample of a Prometheus exposition.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The status with what changes by itself between two reads taken out.
fn stable(mut v: Value) -> Value {
    v["server"]["uptime"] = Value::Null;
    v
}

#[test]
fn the_primary_shows_which_secondary_lags_and_the_page_and_json_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (p, s) = (dir.path().join("p"), dir.path().join("s"));
    std::fs::create_dir_all(&p).expect("mkdir");
    std::fs::create_dir_all(&s).expect("mkdir");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    write_file(&p.join("example.org.zone"), &zone_text(1));
    // No NOTIFY: the secondary is held back until it is told to refresh.
    write_file(
        &p.join("cfg.yaml"),
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nfile-check-interval: 1h\n\
             metrics: \"{metrics}\"\n\
             zones:\n  - name: example.org\n    file: example.org.zone\n    notify: false\n\
             \x20   allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n"
        ),
    );
    let primary = Server::start(&p.join("cfg.yaml"));
    wait_serial(primary.addr, "example.org.", 1);
    write_file(
        &s.join("cfg.yaml"),
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nmin-refresh: 1h\n\
             zones:\n  - name: example.org\n    primaries: [ {{ address: \"{}\" }} ]\n",
            primary.addr
        ),
    );
    let second = Server::start(&s.join("cfg.yaml"));
    wait_serial(second.addr, "example.org.", 1);
    let pcfg = p.join("cfg.yaml");

    // Its first transfer: the primary knows it has serial 1.
    wait_until("the secondary's serial 1 in the primary's view", || {
        let st = status_json(&pcfg);
        match secondary(&st, "example.org.", "127.0.0.1") {
            Some(s) if s["serial"] == 1 && s["state"] == "current" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    let st = status_json(&pcfg);
    let sec = secondary(&st, "example.org.", "127.0.0.1").expect("tracked");
    assert_eq!(sec["listed"], "client", "{sec}");
    assert_eq!(sec["serial_from"], "axfr", "{sec}");
    assert_eq!(
        (sec["behind"].as_u64(), sec["lag_seconds"].as_f64()),
        (Some(0), Some(0.0))
    );

    // Serial 2 on the primary; the secondary is not told.
    write_file(&p.join("example.org.zone"), &zone_text(2));
    let out = zonesync(&[
        "serve",
        "-c",
        pcfg.to_str().expect("UTF-8"),
        "refresh",
        "example.org",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    wait_serial(primary.addr, "example.org.", 2);
    let lagging = wait_until("the secondary behind by one, with a lag", || {
        let st = status_json(&pcfg);
        match secondary(&st, "example.org.", "127.0.0.1") {
            Some(s)
                if s["state"] == "behind"
                    && s["serial"] == 1
                    && s["behind"] == 1
                    && s["lag_seconds"].as_f64().is_some_and(|l| l > 0.0) =>
            {
                Ok(st.clone())
            }
            other => Err(format!("{other:?}")),
        }
    });
    // The metrics say the same.
    let text = get(metrics, "/metrics").2;
    let labels = "{zone=\"example.org.\",secondary=\"127.0.0.1\"}";
    assert_eq!(
        sample(&text, &format!("zonesync_secondary_serial{labels}")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("zonesync_secondary_serials_behind{labels}")),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, &format!("zonesync_secondary_lag_seconds{labels}")).is_some_and(|l| l > 0.0),
        "{text}"
    );
    let lags_before = sample(&text, "zonesync_propagation_lag_seconds_count").unwrap_or(0.0);
    // So does the page.
    let (code, ctype, page) = get(metrics, "/");
    assert_eq!((code, ctype.as_str()), (200, "text/html; charset=utf-8"));
    assert!(page.contains("<td>example.org.</td>"), "{page}");
    assert!(
        page.contains(
            "data-zone=\"example.org.\" data-secondary=\"127.0.0.1\" data-state=\"behind\" \
             data-serial=\"1\" data-behind=\"1\""
        ),
        "{page}"
    );
    // The text table too.
    let out = zonesync(&["serve", "-c", pcfg.to_str().expect("UTF-8"), "status"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("127.0.0.1") && table.contains("behind"),
        "{table}"
    );
    assert_eq!(lagging["zones"][0]["serial"], 2);

    // Caught up: the secondary refreshes (IXFR from 1).
    let out = zonesync(&[
        "serve",
        "-c",
        s.join("cfg.yaml").to_str().expect("UTF-8"),
        "refresh",
        "example.org",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    wait_serial(second.addr, "example.org.", 2);
    wait_until("the secondary current again", || {
        let st = status_json(&pcfg);
        match secondary(&st, "example.org.", "127.0.0.1") {
            Some(s) if s["state"] == "current" && s["serial"] == 2 && s["behind"] == 0 => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    let st = status_json(&pcfg);
    let sec = secondary(&st, "example.org.", "127.0.0.1").expect("tracked");
    assert_eq!(sec["serial_from"], "ixfr", "{sec}");
    let text = get(metrics, "/metrics").2;
    assert_eq!(
        sample(&text, &format!("zonesync_secondary_serial{labels}")),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("zonesync_secondary_serials_behind{labels}")),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "zonesync_propagation_lag_seconds_count"),
        Some(lags_before + 1.0),
        "{text}"
    );
    let page = get(metrics, "/").2;
    assert!(
        page.contains("data-secondary=\"127.0.0.1\" data-state=\"current\" data-serial=\"2\""),
        "{page}"
    );

    // /status.json is the control status's JSON (nothing moves now: read until two
    // reads of the control status agree around it).
    wait_until("/status.json equal to the control status", || {
        let before = stable(status_json(&pcfg));
        let (code, ctype, body) = get(metrics, "/status.json");
        let after = stable(status_json(&pcfg));
        let served: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        if code != 200 || ctype != "application/json" {
            return Err(format!("{code} {ctype}"));
        }
        if before == after && stable(served.clone()) == before {
            Ok(())
        } else {
            Err(format!("{served}\nvs\n{after}"))
        }
    });
    // Anything else is not found.
    assert_eq!(get(metrics, "/nothing").0, 404);
}

#[test]
fn catalog_membership_and_super_slaves_show_in_status_and_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let slave = format!("127.0.0.2:{}", free_port());
    write_file(&dir.path().join("example.org.zone"), &zone_text(1));
    write_file(
        &dir.path().join("cfg.yaml"),
        &format!(
            "listen: [\"127.0.0.1:0\"]\nstate-dir: state\nmetrics: \"{metrics}\"\n\
             super-slaves:\n  servers: [\"{slave}\"]\n  allow-unsigned: true\n  catalog: catalog.invalid.\n\
             zones:\n  - name: example.org\n    file: example.org.zone\n"
        ),
    );
    let server = Server::start(&dir.path().join("cfg.yaml"));
    wait_serial(server.addr, "example.org.", 1);
    let cfg = dir.path().join("cfg.yaml");
    // The member names its catalog; the catalog's NOTIFY target is the super slave.
    let st = wait_until("the catalog and its super slave in the status", || {
        let st = status_json(&cfg);
        let member = st["zones"]
            .as_array()
            .and_then(|zs| zs.iter().find(|z| z["zone"] == "example.org."))
            .map(|z| z["catalog"].clone());
        let super_slave =
            secondary(&st, "catalog.invalid.", "127.0.0.2").map(|s| s["listed"].clone());
        if member == Some("catalog.invalid.".into()) && super_slave == Some("super-slave".into()) {
            Ok(st)
        } else {
            Err(format!("{member:?} {super_slave:?}"))
        }
    });
    let catalog = st["zones"]
        .as_array()
        .and_then(|zs| zs.iter().find(|z| z["zone"] == "catalog.invalid."))
        .expect("the catalog zone");
    assert_eq!(catalog["role"], "catalog");
    assert!(catalog.get("catalog").is_none(), "{catalog}");
    let page = get(metrics, "/").2;
    assert!(
        page.contains("data-zone=\"example.org.\"") && page.contains("<td>catalog.invalid.</td>"),
        "{page}"
    );
    assert!(
        page.contains("data-zone=\"catalog.invalid.\" data-secondary=\"127.0.0.2\""),
        "{page}"
    );
    assert!(page.contains("<td>super slave</td>"), "{page}");
}
