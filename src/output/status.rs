//! Printing the answers of the control commands (`zonesync serve … status`): the
//! server line, the zone table and, when any zone has secondaries, the propagation
//! table (which secondary has which serial).
//!
//! The zone table is one line per zone when it fits the width it is given, else laid
//! out by [`super::layout`] (columns that do not fit wrap onto each zone's next lines;
//! no serial or word is split). The width is `$COLUMNS`, else the terminal's; output
//! that is not a terminal (a pipe, a file) is not wrapped unless `$COLUMNS` is set,
//! and `--wide` never wraps: one line per zone, for `grep` and `awk`. The propagation
//! table is one line per secondary.

use std::io;

use comfy_table::{Cell, ContentArrangement};

use crate::control::ControlResponse;

use super::layout::{Column, layout};
use super::{line, print_table, table, write_stdout};

/// The zone table's columns; the list of sources and the last error may wrap.
const COLUMNS: [Column; 9] = [
    Column {
        header: "zone",
        wrap: false,
    },
    Column {
        header: "role",
        wrap: false,
    },
    Column {
        header: "state",
        wrap: false,
    },
    Column {
        header: "serial",
        wrap: false,
    },
    Column {
        header: "last refresh",
        wrap: false,
    },
    Column {
        header: "next refresh",
        wrap: false,
    },
    Column {
        header: "expires",
        wrap: false,
    },
    Column {
        header: "source",
        wrap: true,
    },
    Column {
        header: "last error",
        wrap: true,
    },
];

/// A control answer for people: `status` as a server line, a zone table and the
/// propagation table, other commands as their message. `wide`: one line per zone,
/// whatever the width.
pub fn print(response: &ControlResponse, wide: bool) -> io::Result<()> {
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
    let rows: Vec<Vec<String>> = response
        .zones
        .iter()
        .map(|z| {
            let s = &z.status;
            vec![
                z.zone.clone(),
                format!("{:?}", s.role).to_lowercase(),
                format!("{:?}", s.state).to_lowercase(),
                s.serial.map_or("-".into(), |v| v.to_string()),
                ago(s.last_refresh),
                until(s.next_refresh),
                until(s.expire_at),
                s.source.join(", "),
                // One line per zone even for a multi-line error.
                s.last_error.clone().unwrap_or_default().replace('\n', " "),
            ]
        })
        .collect();
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
    let mut t = table(&headers);
    t.set_content_arrangement(ContentArrangement::Disabled);
    for row in &rows {
        t.add_row(row.iter().map(Cell::new));
    }
    let terminal = if wide {
        None
    } else {
        comfy_table::Table::new().width()
    };
    let columns = std::env::var("COLUMNS").ok();
    match fit_width(wide, columns.as_deref(), terminal) {
        Some(width) if widest_line(&t.to_string()) > width => {
            write_stdout(&layout(&COLUMNS, &rows, width))?
        }
        _ => print_table(&t)?,
    }
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

/// The width the zone table must fit: none with `--wide`, else `$COLUMNS` (a positive
/// number), else the terminal's width (`terminal`: none when stdout is not one).
fn fit_width(wide: bool, columns: Option<&str>, terminal: Option<u16>) -> Option<usize> {
    if wide {
        return None;
    }
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or(terminal.map(usize::from).filter(|&t| t > 0))
}

/// The length of the longest line of `text`, in characters.
fn widest_line(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
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

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_width_comes_from_wide_then_columns_then_the_terminal() {
        let cases = [
            (true, Some("80"), Some(100), None),
            (false, Some("80"), Some(100), Some(80)),
            (false, Some(" 120 "), None, Some(120)),
            (false, None, Some(100), Some(100)),
            (false, None, None, None),
            (false, Some("wide"), Some(90), Some(90)),
            (false, Some("0"), None, None),
            (false, Some(""), None, None),
        ];
        for (wide, columns, terminal, want) in cases {
            assert_eq!(
                fit_width(wide, columns, terminal),
                want,
                "{wide} {columns:?} {terminal:?}"
            );
        }
    }

    #[test]
    fn widest_line_counts_characters() {
        assert_eq!(widest_line(""), 0);
        assert_eq!(widest_line("ab\nabcd\n"), 4);
        assert_eq!(widest_line("│ é │"), 5);
    }
}
