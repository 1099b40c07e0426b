//! `zonesync check`: validate zone files and serve configs, or compare a zone across
//! a fleet of servers.

use std::path::PathBuf;

use crate::addr::ServerAddr;

use super::Status;
use super::args::{KeyArgs, parse_server};

/// Validate zone files and serve configs, or check a fleet for consistency.
///
/// With FILEs: parse each zone file and check it (syntax with line numbers, exactly one
/// SOA at the apex, NS at the apex, out-of-zone data, CNAME and other data, DNAME with
/// descendants, missing glue, occluded data, …), printing compiler-style findings and a
/// summary. The origin comes from --origin, else the file name (`example.com.zone`,
/// `db.example.com`, `example.com`), else the SOA owner.
///
/// With --config: validate a `serve` config and every zone file it names.
///
/// With --fleet ZONE: ask the primary and every secondary for the zone's SOA (and with
/// --content, the whole zone) and report any drift.
///
/// Exit status: 0 no errors (warnings allowed unless --strict), 1 errors or drift,
/// 2 usage error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync check zones/example.com.zone
  zonesync check db.example.org --origin example.org. --strict --format json
  zonesync check --config examples/primary.yaml
  zonesync check --fleet example.com -s 127.0.0.1:5300 -s 127.0.0.2:5300 --content")]
pub struct CheckArgs {
    /// Zone files to check.
    #[arg(value_name = "FILE", required_unless_present_any = ["config", "fleet"])]
    pub files: Vec<PathBuf>,

    /// The zone's origin (else taken from the file name or the SOA owner).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Output format (`table` is the same as `text`).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,

    /// Validate a serve config and every zone file it names.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "fleet"])]
    pub config: Option<PathBuf>,

    /// Compare ZONE across servers (the first -s is the primary).
    #[arg(long, value_name = "ZONE", conflicts_with = "files")]
    pub fleet: Option<String>,

    /// A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary).
    #[arg(short, long = "server", value_name = "ADDR", requires = "fleet", value_parser = parse_server)]
    pub servers: Vec<ServerAddr>,

    /// Also check the hosts named by the zone's NS records.
    #[arg(long, requires = "fleet")]
    pub ns: bool,

    /// Also transfer the zone from each server and compare the records.
    #[arg(long, requires = "fleet")]
    pub content: bool,

    /// TSIG key for --content transfers.
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Compiler-style findings and a summary table.
    #[value(alias = "table")]
    Text,
    /// JSON for machines.
    Json,
}

/// Runs the check.
pub fn run(args: CheckArgs) -> anyhow::Result<Status> {
    if args.fleet.is_some() {
        return super::not_built("zonesync check --fleet", "Operating it");
    }
    if args.config.is_some() {
        return super::not_built("zonesync check --config", "serve, primary side");
    }
    super::not_built("zonesync check FILE", "Zone files")
}
