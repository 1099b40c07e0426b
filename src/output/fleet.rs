//! Printing a fleet consistency report (`zonesync check --fleet`).

use std::io;

use comfy_table::Cell;

use crate::fleet::FleetReport;

use super::{line, print_table, table};

/// The report as a table (server, serial, behind by, answer time, the zone version,
/// expire and NSID the server answered, error; records and differences with
/// `--content`), the listed differences below it, and a verdict.
pub fn print_text(report: &FleetReport) -> io::Result<()> {
    let content = report.servers.iter().any(|s| s.records.is_some());
    let mut header = vec![
        "server",
        "state",
        "serial",
        "behind by",
        "answer time",
        "zone version",
        "expire",
        "NSID",
        "error",
    ];
    if content {
        header.extend(["records", "differences"]);
    }
    let mut t = table(&header);
    for (i, s) in report.servers.iter().enumerate() {
        let name = match (&s.ns, i) {
            (Some(ns), _) => format!("{} ({ns})", s.server),
            (None, 0) => format!("{} (primary)", s.server),
            (None, _) => s.server.clone(),
        };
        let mut row = vec![
            Cell::new(name),
            Cell::new(s.verdict.as_str()),
            Cell::new(s.serial.map_or("-".into(), |v| v.to_string())),
            Cell::new(s.behind.map_or("-".into(), |v| v.to_string())),
            Cell::new(s.rtt_ms.map_or("-".into(), |v| {
                crate::duration::format(std::time::Duration::from_secs_f64(v / 1000.0))
            })),
            Cell::new(s.zone_version.map_or("-".into(), |v| v.to_string())),
            Cell::new(s.expire.map_or("-".into(), |v| format!("{v}s"))),
            Cell::new(s.nsid.clone().unwrap_or_else(|| "-".into())),
            Cell::new(s.error.clone().unwrap_or_default()),
        ];
        if content {
            row.push(Cell::new(s.records.map_or("-".into(), |v| v.to_string())));
            row.push(Cell::new(s.differences.to_string()));
        }
        t.add_row(row);
    }
    print_table(&t)?;
    for s in &report.servers {
        for r in &s.missing {
            line(&format!("{}: missing: {r}", s.server))?;
        }
        for r in &s.extra {
            line(&format!("{}: extra:   {r}", s.server))?;
        }
        let listed = s.missing.len() + s.extra.len();
        if s.differences > listed {
            line(&format!(
                "{}: … and {} more differences",
                s.server,
                s.differences - listed
            ))?;
        }
    }
    line(&verdict_line(report))
}

/// The last line: `consistent: …`, `DRIFT: …` (with how many could not be checked) or
/// `UNCHECKED: …`, so a reader of the mail tells drift from a server that did not
/// answer.
fn verdict_line(report: &FleetReport) -> String {
    let servers = crate::plural::count_of(report.servers.len(), "server");
    let unchecked = match report.unchecked {
        0 => String::new(),
        n => format!(
            "; {} could not be checked",
            crate::plural::count_of(n, "server")
        ),
    };
    if report.consistent {
        format!("consistent: all {servers} serve the same zone")
    } else if report.drift > 0 {
        format!(
            "DRIFT: {} of {servers} {} from the primary{unchecked}",
            report.drift,
            if report.drift == 1 {
                "differs"
            } else {
                "differ"
            }
        )
    } else {
        format!(
            "UNCHECKED: {} of {servers} could not be checked; no drift among the rest",
            report.unchecked
        )
    }
}
