//! Rendering what the one-shot transfer commands (`axfr`, `ixfr`) fetched: records
//! as zone-file text or JSON objects on stdout, and the one-line transfer summary on
//! stderr.
//!
//! The commands in `cli/` run the transfer through [`crate::xfr`] and hand the
//! records and [`Stats`] here; nothing in this file does I/O but [`summary`]'s
//! [`super::note`].

use std::net::SocketAddr;

use serde::Serialize;

use crate::tsig::Key;
use crate::xfr::Stats;
use crate::zone::write::write_record;
use crate::zone::{Name, Record, format_rdata};

use super::progress::human_bytes;

//----------- Text -------------------------------------------------------------------

/// Zone-file text of records: absolute names, one record per line.
pub fn zone_text(records: &[Record]) -> String {
    let mut out = String::with_capacity(records.len() * 64);
    for r in records {
        write_record(&mut out, r, None);
        out.push('\n');
    }
    out
}

/// `xfr-key (hmac-sha256)`, or `None` without a key (the `tsig` field of JSON output).
pub fn tsig_label(key: Option<&Key>) -> Option<String> {
    key.map(|k| k.to_string())
}

/// The one-line summary on stderr: `;; AXFR example.com. from 192.0.2.1:53: …`, with
/// `extra` appended after a `;` when given.
pub fn summary(
    what: &str,
    zone: &Name,
    peer: SocketAddr,
    stats: &Stats,
    key: Option<&Key>,
    extra: Option<&str>,
) {
    let tsig = match key {
        Some(k) => format!(
            "TSIG verified ({k}, {}/{} signed)",
            stats.signed_messages,
            crate::plural::count(stats.messages, "message")
        ),
        None => "no TSIG".to_string(),
    };
    super::note(&format!(
        ";; {what} {zone} from {peer}: {}, {}, {} in {}, {tsig}{}",
        crate::plural::count(stats.messages, "message"),
        crate::plural::count(stats.records, "record"),
        human_bytes(stats.bytes),
        crate::duration::format(stats.duration),
        extra.map(|e| format!("; {e}")).unwrap_or_default()
    ));
}

//----------- JsonRecord -------------------------------------------------------------

/// One record in JSON output: fields, and the RDATA in presentation format.
#[derive(Debug, Serialize)]
pub struct JsonRecord {
    /// The owner name, absolute.
    owner: String,
    /// The TTL in seconds.
    ttl: u32,
    /// The class mnemonic (`IN`).
    class: String,
    /// The type mnemonic (`SOA`, `TYPE65534`).
    #[serde(rename = "type")]
    rtype: String,
    /// The RDATA in presentation format, names absolute.
    rdata: String,
}

impl From<&Record> for JsonRecord {
    fn from(r: &Record) -> Self {
        JsonRecord {
            owner: r.owner.to_string(),
            ttl: r.ttl,
            class: r.class.to_string(),
            rtype: r.rtype.to_string(),
            rdata: format_rdata(r.rtype, &r.rdata, None),
        }
    }
}
