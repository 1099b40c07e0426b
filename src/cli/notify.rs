//! `zonesync notify`: send NOTIFY for a zone to servers and report their answers.

use std::time::Duration;

use crate::addr::ServerAddr;

use super::Status;
use super::args::{KeyArgs, parse_duration, parse_server};

/// Send NOTIFY (RFC 1996) for a zone to one or more servers.
///
/// All servers are notified concurrently over UDP, with retransmission and back-off
/// until each answers; a table shows each server's rcode, round trip, TSIG and attempts.
/// Exits 1 if any server did not acknowledge with NOERROR.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync notify example.com -s 127.0.0.2:5300 -s 127.0.0.3:5300
  zonesync notify example.com -s [::1]:5300 --serial 2024010102 -k xfr.key")]
pub struct NotifyArgs {
    /// The zone.
    #[arg(value_name = "ZONE")]
    pub zone: String,

    /// A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several.
    #[arg(short, long = "server", value_name = "ADDR", required = true, value_parser = parse_server)]
    pub servers: Vec<ServerAddr>,

    /// Put this serial in the NOTIFY as an SOA hint (RFC 1996 §3.7).
    #[arg(long, value_name = "N")]
    pub serial: Option<u32>,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// Retransmissions after the first attempt (RFC 1996 §3.6).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,

    /// Wait for an answer this long before the first retransmission (doubling after).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Send over TCP instead of UDP.
    #[arg(long)]
    pub tcp: bool,
}

/// Sends the NOTIFYs.
pub fn run(_args: NotifyArgs) -> anyhow::Result<Status> {
    super::not_built("zonesync notify", "The transfer engine, client side")
}
