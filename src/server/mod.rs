//! The authoritative server: it opens the store, starts one task per zone, binds the
//! listeners, watches the zone files, and runs until SIGINT or SIGTERM.
//!
//! # Data flow
//! ```text
//!  UDP/TCP ─▶ listen ─▶ handle ─┬─▶ cache hit: copy, patch ID/flags/case
//!                               ├─▶ answer::resolve on the zone's Published snapshot
//!                               ├─▶ xfr_out (AXFR/IXFR, TSIG per message)
//!                               └─▶ NOTIFY in
//!  file watcher / SIGHUP ─▶ zone task (sync::primary) ─▶ store ─▶ publish ─▶ NOTIFY out
//! ```
//! [`answer`] is pure; [`cache`] keeps encoded answers per published version;
//! [`handle`] validates and dispatches; [`listen`] owns the sockets; [`xfr_out`]
//! streams transfers.

pub mod answer;
pub mod cache;
pub mod handle;
pub mod listen;
pub mod xfr_out;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{error, info};

use crate::config::{Config, Keys};
use crate::store::{Store, StoreError};
use crate::sync::Registry;
use crate::sync::zoneset::{SuperMasters, ZoneSet};

//----------- ServerState ------------------------------------------------------------

/// What every request handler shares.
pub struct ServerState {
    /// The zones (copy-on-write; written by the zone-set manager only).
    pub registry: Arc<Registry>,
    /// TSIG keys from the config.
    pub keys: Arc<Keys>,
    /// The database (journal for IXFR-out).
    pub store: Arc<Store>,
    /// Permits for concurrent transfers out.
    pub xfr_out: Semaphore,
    /// Permits for open TCP connections.
    pub tcp_connections: Arc<Semaphore>,
    /// Idle time after which a TCP connection is closed.
    pub tcp_idle_timeout: Duration,
    /// The super masters, for NOTIFYs of zones we do not have yet (set once at
    /// start-up).
    pub super_masters: std::sync::OnceLock<SuperMasters>,
}

//----------- run --------------------------------------------------------------------

/// Runs the server for `config` until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), ServerError> {
    let config = Arc::new(config);
    let state_dir = config.state_dir.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&state_dir))
        .await
        .map_err(|e| ServerError::Task(e.to_string()))??;
    let store = Arc::new(store);
    let keys = Arc::new(config.keys.clone());
    let registry = Arc::new(Registry::default());
    let state = Arc::new(ServerState {
        registry: registry.clone(),
        keys: keys.clone(),
        store: store.clone(),
        xfr_out: Semaphore::new(config.limits.transfers_out),
        tcp_connections: Arc::new(Semaphore::new(config.limits.tcp_connections)),
        tcp_idle_timeout: config.limits.tcp_idle_timeout,
        super_masters: std::sync::OnceLock::new(),
    });

    // Bind everything before starting anything, so a busy port fails the start.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut listeners = JoinSet::new();
    for &addr in &config.listen {
        let bind = |e: std::io::Error| ServerError::Bind {
            addr,
            reason: e.to_string(),
        };
        let tcp = listen::bind_tcp(addr).map_err(bind)?;
        // With port 0 the TCP listener picks the port; UDP takes the same one.
        let addr = tcp.local_addr().map_err(bind)?;
        for _ in 0..workers {
            let udp = Arc::new(listen::bind_udp(addr).map_err(bind)?);
            listeners.spawn(listen::serve_udp(udp, state.clone()));
        }
        listeners.spawn(listen::serve_tcp(tcp, state.clone()));
        info!(%addr, "listening on UDP and TCP");
    }

    let (mut zones, mut commands) = ZoneSet::new(registry, store, keys, config.clone());
    let _ = state.super_masters.set(zones.super_masters());
    zones.start().await;
    info!(zones = zones.len(), "serving");

    let mut hup = signal(SignalKind::hangup()).map_err(|e| ServerError::Task(e.to_string()))?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| ServerError::Task(e.to_string()))?;
    let mut files =
        tokio::time::interval(config.file_check_interval.max(Duration::from_millis(100)));
    files.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Without `bulk-refresh` the timer never fires.
    let bulk_every = config
        .bulk_refresh
        .unwrap_or(Duration::from_secs(100 * 365 * 86_400));
    let mut bulk = tokio::time::interval_at(tokio::time::Instant::now() + bulk_every, bulk_every);
    bulk.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = files.tick() => zones.check_files().await,
            _ = bulk.tick() => {
                info!("bulk refresh");
                zones.bulk_refresh();
            }
            Some(cmd) = commands.recv() => zones.command(cmd).await,
            _ = hup.recv() => {
                info!("SIGHUP: checking zone files");
                zones.check_files().await;
            }
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
            Some(r) = listeners.join_next() => {
                if let Err(e) = r {
                    error!(error = %e, "a listener stopped");
                }
            }
        }
    }
    info!("shutting down");
    listeners.abort_all();
    zones.stop().await;
    Ok(())
}

//============ Errors ================================================================

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A listen address could not be bound.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A runtime failure (signal handlers, tasks).
    #[error("{0}")]
    Task(String),
}
