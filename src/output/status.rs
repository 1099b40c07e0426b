//! Printing the answers of the control commands (`zonesync serve … status`).

use std::io;

use comfy_table::Cell;

use crate::control::ControlResponse;

use super::{line, print_table, table};

/// A control answer for people: `status` as a server line and a zone table, other
/// commands as their message.
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
    print_table(&t)
}

fn human(secs: u64) -> String {
    crate::duration::format(std::time::Duration::from_secs(secs))
}
