//! The zone model: pure data, no sockets and no tokio.
//!
//! Everything that reads or writes a zone goes through here: [`Name`] and [`Record`]
//! (RDATA kept in wire form so nothing is lost in transit), the zone-file parser and
//! writer, [`ZoneVersion`] (an immutable version of one zone, indexed for answering and
//! for canonical-order iteration), [`Changeset`] (what IXFR carries and the journal
//! keeps), `diff`/`apply`, RFC 1982 serial arithmetic, and the semantic checks behind
//! `zonesync check`.
//!
//! Data flow: zone file → `parse` → records → `ZoneVersion` → (`diff` against the stored
//! version → `Changeset` → journal) → server snapshots; transfers in arrive as records or
//! changesets and take the same path from `ZoneVersion` on.

pub mod changeset;
pub mod check;
pub mod check_dnssec;
pub mod diag;
pub mod dnssec;
pub mod dnssec_verify;
pub mod edit;
pub mod layout;
pub mod lexer;
pub mod name;
pub mod nodes;
pub mod parse;
pub mod rdata;
pub mod record;
pub mod rrset;
pub mod serial;
pub mod soa;
pub mod split;
pub mod version;
pub mod write;
pub mod zonemd;

pub use changeset::{ApplyError, Changeset, diff};
pub use check::{check_records, check_zone};
pub use diag::{Finding, Pos, Severity};
pub use name::{Name, NameError};
pub use parse::{ParseError, ParseOptions, ParsedZone, parse_bytes, parse_file};
pub use rdata::{format_rdata, parse_rdata};
pub use record::{Class, Rdata, Record, Rtype};
pub use rrset::RRset;
pub use serial::{Serial, SerialPolicy};
pub use soa::Soa;
pub use version::{Node, RecordRef, VersionError, ZoneVersion};
pub use write::{WriteOptions, format_record, write_zone};
