//! `zonesync ixfr`: fetch the changes to a zone since a serial.

use std::time::Duration;

use crate::addr::ServerAddr;

use super::Status;
use super::args::{KeyArgs, parse_duration, parse_server};

/// Fetch the changes to a zone since a serial by IXFR (RFC 1995).
///
/// Prints each changeset (`; serial A -> B`, then `-record` / `+record` lines), or says
/// that the zone is up to date, or that the server answered with the full zone (and
/// prints it), naming the transport and any fallback used. Over UDP (`--udp`) a lone
/// SOA or a truncated answer is retried over TCP; a server that cannot do IXFR
/// (NOTIMP, FORMERR, SERVFAIL) gets an AXFR unless `--no-fallback`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 2024010101
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 2024010101 --udp -k xfr.key
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 7 --no-fallback --format json")]
pub struct IxfrArgs {
    /// The zone.
    #[arg(value_name = "ZONE")]
    pub zone: String,

    /// The server, HOST[:PORT] or [V6]:PORT (port 53 by default).
    #[arg(short, long, value_name = "ADDR", value_parser = parse_server)]
    pub server: ServerAddr,

    /// The serial the changes start from (the one we have).
    #[arg(long, value_name = "N")]
    pub serial: u32,

    /// Ask over UDP first (falls back to TCP when the answer does not fit).
    #[arg(long)]
    pub udp: bool,

    /// Fail instead of falling back to AXFR when the server cannot serve IXFR.
    #[arg(long)]
    pub no_fallback: bool,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = IxfrFormat::Diff)]
    pub format: IxfrFormat,

    /// How long to wait for each message.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `ixfr --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IxfrFormat {
    /// `; serial A -> B` headers and `-`/`+` record lines.
    Diff,
    /// JSON.
    Json,
}

/// Runs the transfer.
pub fn run(_args: IxfrArgs) -> anyhow::Result<Status> {
    super::not_built("zonesync ixfr", "The transfer engine, client side")
}
