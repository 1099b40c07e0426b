//! `zonesync sync-zonelist`: the one-shot, cron-driven bulk refresh.

use std::path::PathBuf;

use crate::addr::ServerAddr;

use super::Status;
use super::args::{KeyArgs, parse_server};

/// Mirror super masters' zone lists and zones into a directory.
///
/// Reads each master's catalog zone (RFC 9432), writes one zone file per member plus a
/// manifest of serials into DIR, transfers only the zones whose serial changed (IXFR
/// from the local copy where possible), and deletes the ones that left. DIR is directly
/// usable as NSD's or Knot's zone directory. Exits 1 if any zone failed; a failed zone
/// keeps its previous file.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync sync-zonelist -s 127.0.0.1:5300 --dir /var/lib/zones -k xfr.key
  zonesync sync-zonelist -s 192.0.2.1 -s 192.0.2.2 --catalog catalog.invalid. --dir zones --dry-run")]
pub struct SyncZonelistArgs {
    /// A super master, HOST[:PORT] or [V6]:PORT; repeat for several.
    #[arg(short, long = "server", value_name = "MASTER", required = true, value_parser = parse_server)]
    pub servers: Vec<ServerAddr>,

    /// The catalog zone that lists the zones.
    #[arg(long, value_name = "NAME", default_value = "catalog.invalid.")]
    pub catalog: String,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// The directory to mirror into.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,

    /// Say what would change, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `--format table|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// A table for people.
    Table,
    /// JSON for machines.
    Json,
}

/// Runs one synchronisation.
pub fn run(_args: SyncZonelistArgs) -> anyhow::Result<Status> {
    super::not_built("zonesync sync-zonelist", "Super master/slave")
}
