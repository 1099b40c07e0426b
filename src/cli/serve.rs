//! `zonesync serve`: the long-running authoritative server.

use std::path::PathBuf;

use super::Status;

/// Run the authoritative server.
///
/// Primary zones come from zone files (`zones:` with a `file`, and every `<name>.zone`
/// in `zones-dir`); secondary zones by AXFR/IXFR from their primaries, driven by NOTIFY
/// and by the SOA refresh/retry/expire timers. It answers queries, serves AXFR/IXFR to
/// the peers the config allows, sends NOTIFY, and keeps what it learned in its state
/// directory across restarts. SIGHUP reloads the zone files.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync serve --config examples/primary.yaml
  zonesync -v serve -c /etc/zonesync/zonesync.yaml")]
pub struct ServeArgs {
    /// The YAML configuration file.
    #[arg(short, long, value_name = "FILE")]
    pub config: PathBuf,
}

/// Runs the server until SIGINT/SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<Status> {
    use anyhow::Context;
    let config = crate::config::Config::load(&args.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("zonesync")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(crate::server::run(config))?;
    Ok(Status::Success)
}
