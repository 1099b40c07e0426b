//! `zonesync axfr`: fetch a whole zone by AXFR and write it as a zone file.

use std::path::PathBuf;
use std::time::Duration;

use crate::addr::ServerAddr;

use super::Status;
use super::args::{KeyArgs, parse_duration, parse_server};

/// Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file.
///
/// The transfer is checked as it arrives (first and last SOA equal, TSIG on every
/// signed message, sizes) and streamed to a temporary file that is renamed into place
/// only when the closing SOA has arrived: an incomplete transfer never leaves a short
/// zone behind. A summary (messages, records, bytes, duration, TSIG) goes to stderr.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync axfr example.com -s 127.0.0.1:5300
  zonesync axfr example.com -s [::1]:5300 -k xfr.key -o example.com.zone
  zonesync axfr example.com -s ns1.example.net -y hmac-sha256:xfr-key:c2VjcmV0 --format json")]
pub struct AxfrArgs {
    /// The zone to transfer.
    #[arg(value_name = "ZONE")]
    pub zone: String,

    /// The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default).
    #[arg(short, long, value_name = "ADDR", value_parser = parse_server)]
    pub server: ServerAddr,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// Write the zone here instead of stdout (atomically, when complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AxfrFormat::Zone)]
    pub format: AxfrFormat,

    /// How long to wait for each message (not for the whole transfer).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `axfr --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AxfrFormat {
    /// A zone file (RFC 1035 presentation format).
    Zone,
    /// JSON: the records with their fields.
    Json,
}

/// Runs the transfer.
pub fn run(_args: AxfrArgs) -> anyhow::Result<Status> {
    super::not_built("zonesync axfr", "The transfer engine, client side")
}
