//! Findings about zone data: where in which file, how bad, and what is wrong.
//!
//! The parser reports syntax problems as [`Finding`]s and the semantic checks
//! (`check`) report theirs in the same shape, so that `zonesync check`, `serve`'s reload
//! log and the tests all print one compiler-style format:
//! `zones/example.com.zone:17:1: error: CNAME and other data at www.example.com.`

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

//----------- Pos --------------------------------------------------------------------

/// A place in a zone file: which file (shared, since one file holds many records),
/// 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    /// The file, as the user named it (or as `$INCLUDE` resolved it).
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in bytes).
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

//----------- Severity ---------------------------------------------------------------

/// How bad a finding is.
///
/// Errors make a zone unservable or wrong; warnings are what peers disagree on or what
/// merely smells. `check --strict` treats warnings as failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Suspicious but servable.
    Warning,
    /// The zone must not be served as it is.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

//----------- Finding ----------------------------------------------------------------

/// One problem found in zone data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Where, when the problem has a place in a file.
    pub pos: Option<Pos>,
    /// A short kebab-case identifier of the check (`cname-and-other-data`), stable for
    /// machines (JSON output, tests).
    pub code: &'static str,
    /// What is wrong, in one line, lower case, naming the owner where there is one.
    pub message: String,
}

impl Finding {
    /// An error at `pos`.
    pub fn error(pos: Option<Pos>, code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Error,
            pos,
            code,
            message: message.into(),
        }
    }

    /// A warning at `pos`.
    pub fn warning(pos: Option<Pos>, code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            pos,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    /// Compiler style: `file:line:col: severity: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pos {
            Some(pos) => write!(f, "{pos}: {}: {}", self.severity, self.message),
            None => write!(f, "{}: {}", self.severity, self.message),
        }
    }
}
