//! The authoritative server: it opens the store, starts one task per zone, binds the
//! listeners, watches the zone files, and runs until SIGINT or SIGTERM.
//!
//! # Data flow
//! ```text
//!  UDP/TCP/TLS ─▶ listen ─▶ Request (read once) ─▶ handle ─┬─▶ cache hit: copy, patch ID/flags/case
//!                                                         ├─▶ answer::resolve on the zone's Published snapshot
//!                                                         ├─▶ xfr_out (AXFR/IXFR, TSIG per message)
//!                                                         └─▶ NOTIFY in
//!  file watcher / SIGHUP ─▶ zone task (sync::primary) ─▶ store ─▶ publish ─▶ NOTIFY out
//! ```
//! [`request`] reads each message once and decides what the answer cache may answer;
//! [`cookies`] checks and makes DNS cookies; [`rrl`] limits UDP answers per source;
//! [`handle`] validates and dispatches; [`listen`] owns the sockets; [`xfr_out`]
//! streams transfers. The answers themselves, and their cache per published version,
//! are [`crate::answer`]'s.

pub mod connections;
pub mod cookies;
pub mod handle;
pub mod http;
pub mod listen;
pub(crate) mod lograte;
pub mod page;
pub mod request;
pub mod rrl;
pub mod xfr_out;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{error, info};

use crate::config::{Config, ControlEndpoint, KeyRing};
use crate::control;
use crate::store::{Store, StoreError};
use crate::sync::Registry;
use crate::sync::manager::{ServerFacts, SuperMasters, ZoneSet};

//----------- ServerState ------------------------------------------------------------

/// What every request handler shares.
pub struct ServerState {
    /// The zones (copy-on-write; written by the zone-set manager only).
    pub registry: Arc<Registry>,
    /// TSIG keys from the config (live: replaced on reload).
    pub keys: Arc<KeyRing>,
    /// The database (journal for IXFR-out).
    pub store: Arc<Store>,
    /// Permits for concurrent transfers out.
    pub xfr_out: Semaphore,
    /// The open TCP connections (at the limit the idlest is closed for a new one).
    pub tcp_connections: Arc<connections::Connections>,
    /// Time without a message after which a TCP connection is closed.
    pub tcp_idle_timeout: Duration,
    /// Time for a whole TCP message once its first byte arrived (RFC 7766 §6.2.3).
    pub tcp_message_timeout: Duration,
    /// Time for one TCP write; past it the connection is closed.
    pub write_timeout: Duration,
    /// Time for a whole transfer out.
    pub max_transfer_time_out: Duration,
    /// The super masters, for NOTIFYs of zones we do not have yet.
    pub super_masters: SuperMasters,
    /// The NSID (RFC 5001) answered to queries that ask for it; from the config at
    /// start-up (a change needs a restart).
    pub nsid: Option<Vec<u8>>,
    /// The DNS cookie secret (`cookies: true`, the default); `None`: cookies off.
    /// From the config at start-up (a change needs a restart).
    pub cookies: Option<cookies::ServerCookies>,
    /// Response rate limiting over UDP (`rate-limit:`); `None`: off. From the config
    /// at start-up (a change needs a restart); its buckets are written by the UDP
    /// threads, each under its own lock.
    pub rrl: Option<rrl::RateLimiter>,
}

//----------- run --------------------------------------------------------------------

/// Runs the server for `config` until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), ServerError> {
    // Signal handlers before anything else: a SIGHUP or SIGTERM that arrives while
    // the zones load must reach the loop below, not end the process with the
    // default action (an operator's `systemctl reload` right after a start).
    let signal_err = |e: std::io::Error| ServerError::Task(e.to_string());
    let mut hup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut term = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut int = signal(SignalKind::interrupt()).map_err(signal_err)?;

    let config = Arc::new(config);
    let state_dir = config.state_dir.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&state_dir))
        .await
        .map_err(|e| ServerError::Task(e.to_string()))??;
    let store = Arc::new(store);
    let keys = Arc::new(KeyRing::new(config.keys.clone()));
    let registry = Arc::new(Registry::default());

    // Bind everything before starting anything, so a busy port fails the start.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut sockets = Vec::new();
    for &addr in &config.listen {
        let bind = |e: std::io::Error| ServerError::Bind {
            addr,
            reason: e.to_string(),
        };
        let tcp = listen::bind_tcp(addr).map_err(bind)?;
        // With port 0 the TCP listener picks the port; UDP takes the same one.
        let addr = tcp.local_addr().map_err(bind)?;
        let udp = (0..workers)
            .map(|_| listen::bind_udp(addr).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bind)?;
        sockets.push((tcp, udp));
        info!(%addr, "listening on UDP and TCP");
    }
    // XoT (RFC 9103): TCP listeners whose connections start with a TLS handshake. The
    // certificate is the one loaded with the config at start-up.
    let mut tls_sockets = Vec::new();
    if let Some(tls) = &config.tls {
        for &addr in &config.listen_tls {
            let bind = |e: std::io::Error| ServerError::Bind {
                addr,
                reason: e.to_string(),
            };
            let tcp = listen::bind_tcp(addr).map_err(bind)?;
            let addr = tcp.local_addr().map_err(bind)?;
            tls_sockets.push((tcp, tls.clone()));
            info!(%addr, mutual = tls.mutual(), "listening on TLS (XoT)");
        }
    }

    // The control endpoint and the metrics, bound before the zones start too.
    let control_socket = match &config.control {
        ControlEndpoint::Socket(path) => {
            Some(control::bind(path).map_err(|e| ServerError::Control {
                endpoint: path.display().to_string(),
                reason: e.to_string(),
            })?)
        }
        ControlEndpoint::Http(_) => None,
    };
    let mut http_addrs: Vec<(SocketAddr, bool, bool)> = Vec::new();
    if let Some(m) = config.metrics {
        http_addrs.push((m, true, false));
    }
    if let ControlEndpoint::Http(a) = config.control {
        match http_addrs.iter_mut().find(|(addr, _, _)| *addr == a) {
            Some(entry) => entry.2 = true,
            None => http_addrs.push((a, false, true)),
        }
    }
    let mut http_listeners = Vec::new();
    for (addr, metrics, control) in http_addrs {
        let l = http::bind(addr).await.map_err(|e| ServerError::Bind {
            addr,
            reason: e.to_string(),
        })?;
        info!(%addr, metrics, control, "HTTP endpoint");
        http_listeners.push((l, metrics, control));
    }

    let facts = ServerFacts {
        listen: sockets
            .iter()
            .filter_map(|(tcp, _)| tcp.local_addr().ok())
            .map(|a| a.to_string())
            .collect(),
    };
    let (mut zones, mut commands) = ZoneSet::new(
        registry.clone(),
        store.clone(),
        keys.clone(),
        config.clone(),
        facts,
    );
    let state = Arc::new(ServerState {
        registry: registry.clone(),
        keys: keys.clone(),
        store: store.clone(),
        xfr_out: Semaphore::new(config.limits.transfers_out),
        tcp_connections: Arc::new(connections::Connections::new(config.limits.tcp_connections)),
        tcp_idle_timeout: config.limits.tcp_idle_timeout,
        tcp_message_timeout: config.limits.tcp_message_timeout,
        write_timeout: config.limits.write_timeout,
        max_transfer_time_out: config.limits.max_transfer_time_out,
        super_masters: zones.super_masters(),
        nsid: config.nsid.clone(),
        cookies: if config.cookies {
            Some(cookies::ServerCookies::random().ok_or_else(|| {
                ServerError::Task("no randomness for the DNS cookie secret".into())
            })?)
        } else {
            None
        },
        rrl: config.rate_limit.as_ref().map(rrl::RateLimiter::new),
    });
    let mut endpoints = JoinSet::new();
    if let Some(l) = control_socket {
        endpoints.spawn(control::serve(l, zones.commands()));
    }
    for (l, metrics, control) in http_listeners {
        let hs = http::HttpState {
            registry: registry.clone(),
            metrics,
            status: metrics.then(|| zones.commands()),
            control: control.then(|| zones.commands()),
        };
        endpoints.spawn(http::serve(l, hs));
    }
    // Counts of rate-limited log lines that no later event would report.
    endpoints.spawn(lograte::run_flush());
    zones.start().await;
    registry.publish();
    // Answer only once every configured zone is registered: until then a query for
    // one would be REFUSED ("not ours") instead of waiting in the socket buffers.
    // A zone still loading answers SERVFAIL.
    let mut listeners = JoinSet::new();
    for (tcp, udp) in sockets {
        for socket in udp {
            listeners.spawn(listen::serve_udp(socket, state.clone()));
        }
        listeners.spawn(listen::serve_tcp(tcp, state.clone()));
    }
    for (tcp, tls) in tls_sockets {
        listeners.spawn(listen::serve_tls(tcp, tls, state.clone()));
    }
    info!(zones = zones.len(), "serving");

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
            Some(cmd) = commands.recv() => {
                // What queued up meanwhile goes in one batch (a burst of NOTIFYs for
                // new zones is provisioned with one store write).
                let mut batch = vec![cmd];
                while batch.len() < crate::sync::manager::COMMANDS
                    && let Ok(more) = commands.try_recv()
                {
                    batch.push(more);
                }
                zones.handle_batch(batch).await
            }
            _ = hup.recv() => {
                info!("SIGHUP: checking zone files");
                zones.check_files().await;
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
            Some(r) = listeners.join_next() => {
                if let Err(e) = r {
                    error!(error = %e, "a listener stopped");
                }
            }
        }
        // What that work changed in the zone list, at once (one table copy).
        registry.publish();
    }
    info!("shutting down");
    listeners.abort_all();
    endpoints.abort_all();
    lograte::flush_all();
    if let ControlEndpoint::Socket(path) = &config.control {
        let _ = std::fs::remove_file(path);
    }
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
    /// The control endpoint could not be set up.
    #[error("cannot open the control endpoint {endpoint}: {reason}")]
    Control {
        /// The socket path or address.
        endpoint: String,
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
