//! Printing the answers of the control commands (`zonesync serve … status`): the
//! server line, the zone table and, when any zone has secondaries, the propagation
//! table (which secondary has which serial).

use std::io;

use comfy_table::Cell;

use crate::control::ControlResponse;

use super::{line, print_table, table};

/// A control answer for people: `status` as a server line, a zone table and the
/// propagation table, other commands as their message.
pub fn print(response: &ControlResponse) -> io::Result<()> {
    let Some(server) = &response.server else {
        return line(&response.message);
    };
    line(&format!(
        "zonesync {}, up {}, {} zones, listening on {}",
        server.version,
        crate::duration::format(std::time::Duration::from_secs(server.uptime)),
        server.zones,
        server.listen.join(", ")
    ))?;
    let now = crate::sync::timers::unix_now();
    let ago = |t: Option<u64>| {
        t.map_or("-".to_string(), |t| {
            format!("{} ago", human(now.saturating_sub(t)))
        })
    };
    let until = |t: Option<u64>| {
        t.map_or("-".to_string(), |t| {
            if t >= now {
                format!("in {}", human(t - now))
            } else {
                format!("{} ago", human(now - t))
            }
        })
    };
    let mut t = table(&[
        "zone",
        "role",
        "state",
        "serial",
        "last refresh",
        "next refresh",
        "expires",
        "source",
        "last error",
    ]);
    for z in &response.zones {
        let s = &z.status;
        t.add_row(vec![
            Cell::new(&z.zone),
            Cell::new(format!("{:?}", s.role).to_lowercase()),
            Cell::new(format!("{:?}", s.state).to_lowercase()),
            Cell::new(s.serial.map_or("-".into(), |v| v.to_string())),
            Cell::new(ago(s.last_refresh)),
            Cell::new(until(s.next_refresh)),
            Cell::new(until(s.expire_at)),
            Cell::new(s.source.join(", ")),
            Cell::new(s.last_error.clone().unwrap_or_default()),
        ]);
    }
    print_table(&t)?;
    if response.zones.iter().all(|z| z.secondaries.is_empty()) {
        return Ok(());
    }
    let mut t = table(&[
        "zone",
        "secondary",
        "listed",
        "state",
        "serial",
        "behind",
        "lag",
        "serial from",
        "last NOTIFY",
    ]);
    for z in &response.zones {
        for s in &z.secondaries {
            let who = match &s.notify_target {
                Some(t) if *t != s.secondary => format!("{} ({t})", s.secondary),
                _ => s.secondary.clone(),
            };
            t.add_row(vec![
                Cell::new(&z.zone),
                Cell::new(who),
                Cell::new(show(&s.listed)),
                Cell::new(show(&s.state)),
                Cell::new(s.serial.map_or("-".into(), |v| v.to_string())),
                Cell::new(s.behind.map_or("-".into(), |v| v.to_string())),
                Cell::new(s.lag_seconds.map_or("-".into(), |v| {
                    human_ms(std::time::Duration::from_secs_f64(v))
                })),
                Cell::new(match (s.serial_from, s.serial_at) {
                    (Some(e), Some(at)) => format!("{}, {}", show(&e), ago(Some(at))),
                    _ => "-".into(),
                }),
                Cell::new(s.notified.as_ref().map_or("-".into(), |n| {
                    let outcome = n.outcome.map_or("sent".into(), |o| show(&o));
                    format!("{} {outcome}, {}", n.serial, ago(Some(n.sent_at)))
                })),
            ]);
        }
    }
    line("")?;
    print_table(&t)
}

/// A unit enum as its JSON says it (`also-notify`, `behind`, `ixfr-request`).
fn show<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn human_ms(d: std::time::Duration) -> String {
    if d.is_zero() {
        return "0s".into();
    }
    crate::duration::format(d)
}

fn human(secs: u64) -> String {
    crate::duration::format(std::time::Duration::from_secs(secs))
}
