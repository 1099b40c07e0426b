//! Printing what `zonesync sync-zonelist` did: a table with one row per zone (and one
//! per catalog that could not be fetched) on stdout, or one JSON document for
//! machines; a summary line on stderr; a progress bar on stderr while the zones are
//! checked and transferred (only on a terminal).
//!
//! `cli/sync_zonelist.rs` builds the [`Report`]; this module only renders it.
//!
//! Table (stdout):
//! ```text
//! | zone          | action  | serial | transfer | error / note |
//! |---------------+---------+--------+----------+--------------|
//! | a.example.    | added   | - → 3  | AXFR     |              |
//! | b.example.    | updated | 4 → 5  | IXFR     |              |
//! ```
//! JSON (stdout): `{"dir","dry_run","catalogs":[{"master","catalog","serial",
//! "members","serial_property","transfer","error"}],"zones":[{"zone","master",
//! "catalog","action","old_serial","new_serial","transfer","fallback","checked",
//! "file","error","note"}],"summary":{"added","updated","removed","unchanged",
//! "failed"}}`.

use std::io;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::progress::human_bytes;

//----------- Report -----------------------------------------------------------------

/// What one run did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The mirror folder.
    pub dir: String,
    /// True when nothing was changed.
    pub dry_run: bool,
    /// One entry per master.
    pub catalogs: Vec<CatalogRow>,
    /// One entry per zone, in canonical order.
    pub zones: Vec<ZoneRow>,
}

/// What happened to one zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// New in the folder.
    Added,
    /// Brought to a newer serial (or transferred in full again).
    Updated,
    /// Deleted: it left its catalog.
    Removed,
    /// Current already.
    Unchanged,
    /// Could not be mirrored: the previous file (if any) stays.
    Failed,
}

impl Action {
    /// The word in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Updated => "updated",
            Action::Removed => "removed",
            Action::Unchanged => "unchanged",
            Action::Failed => "failed",
        }
    }
}

/// One zone's row.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneRow {
    /// The zone (absolute name).
    pub zone: String,
    /// The master it comes (or came) from.
    pub master: String,
    /// The catalog that lists (or listed) it.
    pub catalog: String,
    /// What happened.
    pub action: Action,
    /// The serial before, if the zone was mirrored already.
    #[serde(rename = "old_serial")]
    pub old: Option<u32>,
    /// The serial after (for failures and dry runs: the one expected, when known).
    #[serde(rename = "new_serial")]
    pub new: Option<u32>,
    /// How it was transferred: `axfr`, `ixfr`, `ixfr-full`, `axfr-fallback`,
    /// `up-to-date`; `None` when nothing was transferred.
    pub transfer: Option<&'static str>,
    /// Why IXFR fell back to AXFR.
    pub fallback: Option<String>,
    /// How an unchanged zone was found current: `catalog-serial` (no query sent) or
    /// `soa-query`.
    pub checked: Option<&'static str>,
    /// Its file in the folder.
    pub file: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Something worth knowing that is no failure.
    pub note: Option<String>,
    /// The table's transfer column (`AXFR`, `IXFR (full)`, …).
    #[serde(skip)]
    pub transfer_label: Option<&'static str>,
}

/// One master's catalog.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogRow {
    /// The master, `HOST:PORT`.
    pub master: String,
    /// The catalog.
    pub catalog: String,
    /// Its serial, when fetched.
    pub serial: Option<u32>,
    /// Its members.
    pub members: usize,
    /// True when every member carries zonesync's serial property.
    pub serial_property: bool,
    /// How it was fetched (as [`ZoneRow::transfer`]).
    pub transfer: Option<&'static str>,
    /// Why it could not be fetched (or its copy not written).
    pub error: Option<String>,
}

/// Counts of actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Zones added.
    pub added: usize,
    /// Zones updated.
    pub updated: usize,
    /// Zones removed.
    pub removed: usize,
    /// Zones unchanged.
    pub unchanged: usize,
    /// Zones failed.
    pub failed: usize,
}

impl Report {
    /// How many zones had each action.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for z in &self.zones {
            match z.action {
                Action::Added => c.added += 1,
                Action::Updated => c.updated += 1,
                Action::Removed => c.removed += 1,
                Action::Unchanged => c.unchanged += 1,
                Action::Failed => c.failed += 1,
            }
        }
        c
    }

    /// True when a zone or a catalog failed (exit 1).
    pub fn failed(&self) -> bool {
        self.zones.iter().any(|z| z.action == Action::Failed)
            || self.catalogs.iter().any(|c| c.error.is_some())
    }
}

//----------- Rendering --------------------------------------------------------------

/// Prints the table: failed catalogs first, then one row per zone.
pub fn print_table(report: &Report) -> io::Result<()> {
    let mut t = super::table(&["zone", "action", "serial", "transfer", "error / note"]);
    for c in report.catalogs.iter().filter(|c| c.error.is_some()) {
        t.add_row(vec![
            format!("{} (catalog of {})", c.catalog, c.master),
            Action::Failed.as_str().to_string(),
            c.serial.map_or_else(|| "-".into(), |s| s.to_string()),
            c.transfer.unwrap_or("").to_string(),
            c.error.clone().unwrap_or_default(),
        ]);
    }
    for z in &report.zones {
        t.add_row(vec![
            z.zone.clone(),
            z.action.as_str().to_string(),
            serial_cell(z),
            z.transfer_label.unwrap_or("").to_string(),
            z.error
                .clone()
                .or_else(|| z.note.clone())
                .unwrap_or_default(),
        ]);
    }
    super::print_table(&t)
}

/// `old → new`, `- → new` (added), `old → -` (removed), `old` (unchanged).
fn serial_cell(z: &ZoneRow) -> String {
    let s = |v: Option<u32>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    match z.action {
        Action::Added => format!("- → {}", s(z.new)),
        Action::Removed => format!("{} → -", s(z.old)),
        Action::Unchanged => s(z.new.or(z.old)),
        Action::Updated => format!("{} → {}", s(z.old), s(z.new)),
        Action::Failed => match (z.old, z.new) {
            (None, None) => "-".into(),
            (Some(o), None) => o.to_string(),
            (old, new) => format!("{} → {}", old.map_or("-".into(), |o| o.to_string()), s(new)),
        },
    }
}

/// Prints the report as one JSON document.
pub fn print_json(report: &Report) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        #[serde(flatten)]
        report: &'a Report,
        summary: Counts,
    }
    super::json(&Doc {
        report,
        summary: report.counts(),
    })
}

/// The summary line on stderr: catalogs, action counts, transfers, time. Left out
/// with `--quiet` (a cron job that mails any output stays silent unless it fails).
pub fn summary(report: &Report, transfers: usize, bytes: u64, elapsed: Duration) {
    if super::settings().quiet {
        return;
    }
    let c = report.counts();
    let failed_catalogs = report.catalogs.iter().filter(|c| c.error.is_some()).count();
    let catalogs = match (report.catalogs.len(), failed_catalogs) {
        (n, 0) => crate::plural::count_of(n, "catalog"),
        (n, f) => format!("{} ({f} failed)", crate::plural::count_of(n, "catalog")),
    };
    let dry = if report.dry_run {
        " (dry run: nothing was changed)"
    } else {
        ""
    };
    super::note(&format!(
        ";; sync-zonelist {}{dry}: {catalogs}, {}: {} added, {} updated, {} removed, {} unchanged, {} failed; {}, {} in {}",
        report.dir,
        crate::plural::count_of(report.zones.len(), "zone"),
        c.added,
        c.updated,
        c.removed,
        c.unchanged,
        c.failed,
        crate::plural::count_of(transfers, "transfer"),
        human_bytes(bytes),
        crate::duration::format(elapsed),
    ));
}

//----------- Progress ---------------------------------------------------------------

/// A bar over the zones being checked and transferred; a no-op when progress is not
/// allowed (stderr is no terminal, or `--quiet`).
#[derive(Debug)]
pub struct ZonesBar {
    bar: Option<ProgressBar>,
}

impl ZonesBar {
    /// A bar for `total` zones.
    pub fn new(total: usize) -> ZonesBar {
        let bar = (total > 0 && super::progress_allowed()).then(|| {
            let bar = ProgressBar::new(total as u64);
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix("sync-zonelist");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        ZonesBar { bar }
    }

    /// One more zone done.
    pub fn done(&self, zone: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(zone.to_string());
            bar.inc(1);
        }
    }

    /// Removes the bar (the table and the summary replace it).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for ZonesBar {
    fn drop(&mut self) {
        self.finish();
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: Action, old: Option<u32>, new: Option<u32>) -> ZoneRow {
        ZoneRow {
            zone: "a.test.".into(),
            master: "127.0.0.1:5300".into(),
            catalog: "catalog.invalid.".into(),
            action,
            old,
            new,
            transfer: None,
            fallback: None,
            checked: None,
            file: None,
            error: None,
            note: None,
            transfer_label: None,
        }
    }

    #[test]
    fn serial_cells() {
        assert_eq!(serial_cell(&row(Action::Added, None, Some(3))), "- → 3");
        assert_eq!(
            serial_cell(&row(Action::Updated, Some(3), Some(4))),
            "3 → 4"
        );
        assert_eq!(serial_cell(&row(Action::Removed, Some(3), None)), "3 → -");
        assert_eq!(serial_cell(&row(Action::Unchanged, Some(3), Some(3))), "3");
        assert_eq!(serial_cell(&row(Action::Updated, Some(3), None)), "3 → ?");
        assert_eq!(serial_cell(&row(Action::Failed, Some(3), None)), "3");
        assert_eq!(serial_cell(&row(Action::Failed, None, Some(4))), "- → 4");
    }

    #[test]
    fn counts_and_failure() {
        let mut r = Report {
            dir: "d".into(),
            dry_run: false,
            catalogs: Vec::new(),
            zones: vec![
                row(Action::Added, None, Some(1)),
                row(Action::Unchanged, Some(1), Some(1)),
            ],
        };
        assert!(!r.failed());
        assert_eq!(r.counts().added, 1);
        r.zones.push(row(Action::Failed, None, None));
        assert!(r.failed());
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["zones"][0]["action"], "added");
        assert_eq!(json["zones"][0]["new_serial"], 1);
        assert!(json["zones"][0].get("transfer_label").is_none());
    }
}
