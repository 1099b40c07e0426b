//! Printing what `zonesync check` found: compiler-style finding lines, a summary table
//! per file, or one JSON document for machines.
//!
//! The CLI (`cli/check.rs`) builds one [`FileReport`] per checked file from the
//! parser's and the checks' [`Finding`]s; this module only renders them.
//!
//! Text (stdout), findings sorted by position, then the table:
//! ```text
//! zones/example.com.zone:17:1: error: CNAME and other data at www.example.com.
//! ```
//! JSON (stdout): `{"files":[{"file","origin","origin_from","records","serial","errors","warnings",
//! "findings":[{"file","line","column","severity","code","message"}]}]}`, where
//! `line` and `column` are `null` for findings about the whole file.

use std::io;
use std::path::PathBuf;

use serde::Serialize;

use crate::zone::{Finding, Name, Severity};

use super::{line, settings};

//----------- FileReport -------------------------------------------------------------

/// What checking one zone file found.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file, as named on the command line.
    pub file: PathBuf,
    /// The origin the file was checked with, when one could be determined.
    pub origin: Option<Name>,
    /// Where that origin came from: `--origin`, `config`, `SOA owner`, `file name`.
    pub origin_from: Option<&'static str>,
    /// Records read.
    pub records: usize,
    /// The serial of the SOA at the apex, when there is one.
    pub serial: Option<u32>,
    /// Syntax and semantic findings, in any order.
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The findings in file order: those about the whole file first, then by file,
    /// line and column.
    fn sorted(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.findings.iter().collect();
        v.sort_by(|a, b| match (&a.pos, &b.pos) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(p), Some(q)) => {
                (p.file.as_path(), p.line, p.column).cmp(&(q.file.as_path(), q.line, q.column))
            }
        });
        v
    }
}

//----------- Text -------------------------------------------------------------------

/// Prints every finding compiler-style (`file:line:col: severity: message`; findings
/// about the whole file as `file: severity: message`), then a summary table with one
/// row per file.
pub fn print_text(reports: &[FileReport]) -> io::Result<()> {
    let color = settings().color_stdout;
    for report in reports {
        for f in report.sorted() {
            line(&finding_line(report, f, color))?;
        }
    }
    let mut t = super::table(&[
        "file",
        "origin",
        "origin from",
        "records",
        "errors",
        "warnings",
        "serial",
    ]);
    for r in reports {
        t.add_row(vec![
            r.file.display().to_string(),
            r.origin
                .as_ref()
                .map_or_else(|| "-".into(), |o| o.to_string()),
            r.origin_from.unwrap_or("-").to_string(),
            r.records.to_string(),
            r.errors().to_string(),
            r.warnings().to_string(),
            r.serial.map_or_else(|| "-".into(), |s| s.to_string()),
        ]);
    }
    super::print_table(&t)
}

/// One finding as a line of text.
fn finding_line(report: &FileReport, f: &Finding, color: bool) -> String {
    let severity = match (color, f.severity) {
        (false, s) => s.to_string(),
        (true, Severity::Error) => "\x1b[1;31merror\x1b[0m".to_string(),
        (true, Severity::Warning) => "\x1b[1;33mwarning\x1b[0m".to_string(),
    };
    match &f.pos {
        Some(pos) => format!("{pos}: {severity}: {}", f.message),
        None => format!("{}: {severity}: {}", report.file.display(), f.message),
    }
}

//----------- JSON -------------------------------------------------------------------

/// The JSON document of `check --format json`.
#[derive(Serialize)]
struct JsonDoc<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: String,
    origin: Option<String>,
    origin_from: Option<&'static str>,
    records: usize,
    serial: Option<u32>,
    errors: usize,
    warnings: usize,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: String,
    line: Option<u32>,
    column: Option<u32>,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
}

/// Prints all reports as one JSON document.
pub fn print_json(reports: &[FileReport]) -> io::Result<()> {
    let doc = JsonDoc {
        files: reports
            .iter()
            .map(|r| JsonFile {
                file: r.file.display().to_string(),
                origin: r.origin.as_ref().map(Name::to_string),
                origin_from: r.origin_from,
                records: r.records,
                serial: r.serial,
                errors: r.errors(),
                warnings: r.warnings(),
                findings: r
                    .sorted()
                    .into_iter()
                    .map(|f| JsonFinding {
                        file: f.pos.as_ref().map_or_else(
                            || r.file.display().to_string(),
                            |p| p.file.display().to_string(),
                        ),
                        line: f.pos.as_ref().map(|p| p.line),
                        column: f.pos.as_ref().map(|p| p.column),
                        severity: match f.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        },
                        code: f.code,
                        message: &f.message,
                    })
                    .collect(),
            })
            .collect(),
    };
    super::json(&doc)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Pos;
    use std::sync::Arc;

    fn report() -> FileReport {
        let file = Arc::new(PathBuf::from("zones/example.com.zone"));
        let at = |line| {
            Some(Pos {
                file: file.clone(),
                line,
                column: 1,
            })
        };
        FileReport {
            file: PathBuf::from("zones/example.com.zone"),
            origin: Some("example.com.".parse().expect("valid")),
            origin_from: Some("--origin"),
            records: 3,
            serial: Some(7),
            findings: vec![
                Finding::warning(at(9), "duplicate", "duplicate A record at www.example.com."),
                Finding::error(
                    at(4),
                    "cname-and-other-data",
                    "CNAME and other data at www.example.com.",
                ),
                Finding::error(
                    None,
                    "soa-count",
                    "no SOA record at the zone apex example.com.",
                ),
            ],
        }
    }

    #[test]
    fn lines_in_file_order() {
        let r = report();
        let lines: Vec<String> = r
            .sorted()
            .iter()
            .map(|f| finding_line(&r, f, false))
            .collect();
        assert_eq!(
            lines,
            [
                "zones/example.com.zone: error: no SOA record at the zone apex example.com.",
                "zones/example.com.zone:4:1: error: CNAME and other data at www.example.com.",
                "zones/example.com.zone:9:1: warning: duplicate A record at www.example.com.",
            ]
        );
        assert_eq!(r.errors(), 2);
        assert_eq!(r.warnings(), 1);
    }
}
