//! `zonesync serve`: the long-running authoritative server, and the commands that
//! steer a running one (`status`, `refresh`, …) through its control endpoint.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::{Config, ControlEndpoint};
use crate::control::{ControlRequest, ControlResponse, request_http, request_socket};

use super::Status;

/// Run the authoritative server, or steer a running one.
///
/// Without a command: run the server. Primary zones come from zone files (`zones:`
/// with a `file`, and every `<name>.zone` in `zones-dir`); secondary zones by AXFR/IXFR
/// from their primaries, driven by NOTIFY and by the SOA refresh/retry/expire timers.
/// It answers queries, serves AXFR/IXFR to the peers the config allows, sends NOTIFY,
/// and keeps what it learned in its state directory across restarts. SIGHUP re-reads
/// the zone files.
///
/// With a command: ask the server running with the same config, through its control
/// endpoint (`control:` in the config; a Unix socket in the state directory by
/// default), as `rndc` and `knotc` do.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync serve --config examples/primary.yaml
  zonesync serve status                # the config: -c, else $ZONESYNC_CONFIG,
                                       #   else /etc/zonesync/zonesync.yaml
  zonesync serve -c /etc/zonesync/zonesync.yaml status example.com --format json
  zonesync serve status --wide         # one line per zone, however narrow the terminal
  zonesync serve -c /etc/zonesync/zonesync.yaml refresh example.net
  zonesync serve -c /etc/zonesync/zonesync.yaml retransfer example.net
  zonesync serve -c /etc/zonesync/zonesync.yaml reload")]
pub struct ServeArgs {
    /// The YAML configuration file. Without -c, $ZONESYNC_CONFIG names it, and without
    /// that it is /etc/zonesync/zonesync.yaml, so the control commands need no -c.
    #[arg(
        short,
        long,
        value_name = "FILE",
        env = "ZONESYNC_CONFIG",
        hide_env_values = true,
        default_value = DEFAULT_CONFIG
    )]
    pub config: PathBuf,

    /// Output format of the control commands.
    #[arg(long, value_enum, default_value_t = ControlFormat::Table, global = true)]
    pub format: ControlFormat,

    /// `status` as one line per zone, however wide. Without it the table fits $COLUMNS
    /// or the terminal (columns that do not fit wrap onto each zone's next lines; no
    /// serial or word is split); output that is not a terminal is not wrapped unless
    /// $COLUMNS is set.
    #[arg(long, global = true)]
    pub wide: bool,

    /// A command for the running server (none: run the server).
    #[command(subcommand)]
    pub command: Option<ControlRequest>,
}

/// The config file `serve` reads when neither `-c` nor `$ZONESYNC_CONFIG` names one.
pub const DEFAULT_CONFIG: &str = "/etc/zonesync/zonesync.yaml";

/// `serve --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ControlFormat {
    /// A table for people.
    Table,
    /// JSON for machines.
    Json,
}

/// Threads for blocking work in `serve` (parsing, store I/O). Enough for the store's
/// group commit to gather many zones' writes into one fsync, few enough that a burst
/// of work queues instead of spawning threads.
const BLOCKING_THREADS: usize = 32;

/// Runs the server until SIGINT/SIGTERM, or sends a command to a running one.
pub fn run(args: ServeArgs) -> anyhow::Result<Status> {
    let config = Config::load(&args.config)?;
    let Some(request) = args.command else {
        // Blocking work (zone-file parsing, store reads and commits) queues for a
        // bounded pool: a thousand zones appearing at once run on a few dozen
        // threads, not on hundreds created for the burst (tokio's default allows
        // 512), which spend their time switching.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("zonesync")
            .max_blocking_threads(BLOCKING_THREADS)
            .build()
            .context("cannot start the async runtime")?;
        runtime.block_on(crate::server::run(config))?;
        return Ok(Status::Success);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let response: ControlResponse = runtime
        .block_on(async {
            match &config.control {
                ControlEndpoint::Socket(path) => request_socket(path, &request).await,
                ControlEndpoint::Http(addr) => request_http(*addr, &request).await,
            }
        })
        .with_context(|| {
            let endpoint = match &config.control {
                ControlEndpoint::Socket(p) => p.display().to_string(),
                ControlEndpoint::Http(a) => format!("http://{a}/control"),
            };
            format!("cannot reach the server's control endpoint {endpoint} (is it running?)")
        })?;
    match args.format {
        ControlFormat::Json => crate::output::json(&response)?,
        ControlFormat::Table => crate::output::status::print(&response, args.wide)?,
    }
    Ok(if response.ok {
        Status::Success
    } else {
        Status::Failure
    })
}
