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

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{error, info, warn};

use crate::acl::{Acl, AclEntry};
use crate::config::{Config, Keys, ZoneSource};
use crate::store::{Store, StoreError};
use crate::sync::primary::{self, PrimarySpec};
use crate::sync::secondary::{self, PrimaryServer, SecondarySpec};
use crate::sync::{Registry, TransferSlots, ZoneEvent, ZoneHandle, ZoneSettings};
use crate::zone::Name;

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
}

//----------- run --------------------------------------------------------------------

/// Runs the server for `config` until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), ServerError> {
    if config.super_slaves.is_some() || !config.super_masters.is_empty() {
        return Err(ServerError::NotBuilt(
            "super-slaves / super-masters arrive with the issue \"Super master/slave\"".into(),
        ));
    }

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

    let mut zones = ZoneSet {
        registry,
        store,
        keys,
        slots: Arc::new(TransferSlots::new(
            config.limits.transfers_in,
            config.limits.transfers_in_per_primary,
        )),
        config: &config,
        running: HashMap::new(),
        tasks: JoinSet::new(),
    };
    zones.start_configured();
    zones.scan_zones_dir().await;
    zones.forget_unconfigured().await;
    info!(zones = zones.running.len(), "serving");

    let mut hup = signal(SignalKind::hangup()).map_err(|e| ServerError::Task(e.to_string()))?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| ServerError::Task(e.to_string()))?;
    let mut interval =
        tokio::time::interval(config.file_check_interval.max(Duration::from_millis(100)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => zones.check_files().await,
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

//----------- ZoneSet ----------------------------------------------------------------

/// The zone-set manager: the one writer of the registry. It starts and stops zone
/// tasks as the config and `zones-dir` say.
struct ZoneSet<'a> {
    registry: Arc<Registry>,
    store: Arc<Store>,
    keys: Arc<Keys>,
    /// Limits on transfers in, shared by every secondary zone.
    slots: Arc<TransferSlots>,
    config: &'a Config,
    /// Running zones: handle, and zone file for primary zones.
    running: HashMap<Name, (Arc<ZoneHandle>, Option<PathBuf>)>,
    /// Every zone task.
    tasks: JoinSet<()>,
}

impl ZoneSet<'_> {
    fn start_configured(&mut self) {
        for z in &self.config.zones {
            match &z.source {
                ZoneSource::Primary {
                    file,
                    serial_policy,
                } => {
                    let settings = Arc::new(ZoneSettings {
                        allow_transfer: z.allow_transfer.clone(),
                        also_notify: z.also_notify.clone(),
                        notify: z.notify,
                        allow_notify: Acl::default(),
                        secondary: false,
                    });
                    self.start(z.name.clone(), file.clone(), *serial_policy, settings);
                }
                ZoneSource::Secondary { primaries } => {
                    let servers: Vec<PrimaryServer> = primaries
                        .iter()
                        .map(|p| PrimaryServer {
                            addr: p.addr,
                            key: p.key.as_ref().and_then(|k| self.keys.get(k)).cloned(),
                            ixfr: p.ixfr,
                            ixfr_udp: p.ixfr_udp,
                        })
                        .collect();
                    // NOTIFY is accepted from the primaries only, with their keys.
                    let allow_notify = Acl {
                        entries: primaries
                            .iter()
                            .map(|p| AclEntry {
                                prefix: Some(ipnet::IpNet::from(p.addr.ip())),
                                key: p.key.clone(),
                            })
                            .collect(),
                    };
                    let settings = Arc::new(ZoneSettings {
                        allow_transfer: z.allow_transfer.clone(),
                        also_notify: z.also_notify.clone(),
                        notify: z.notify,
                        allow_notify,
                        secondary: true,
                    });
                    let spec = SecondarySpec {
                        name: z.name.clone(),
                        primaries: servers,
                        settings,
                        bounds: z.timers,
                        limits: crate::xfr::Limits {
                            max_records: self.config.limits.max_zone_records,
                            max_bytes: self.config.limits.max_zone_bytes,
                        },
                    };
                    let handle = secondary::spawn(
                        spec,
                        self.store.clone(),
                        self.keys.clone(),
                        self.slots.clone(),
                        &mut self.tasks,
                    );
                    self.registry.insert(handle.clone());
                    self.running.insert(z.name.clone(), (handle, None));
                }
            }
        }
    }

    fn start(
        &mut self,
        name: Name,
        file: PathBuf,
        policy: crate::config::SerialPolicy,
        settings: Arc<ZoneSettings>,
    ) {
        let spec = PrimarySpec {
            name: name.clone(),
            file: file.clone(),
            policy,
            settings,
        };
        let handle = primary::spawn(spec, self.store.clone(), self.keys.clone(), &mut self.tasks);
        self.registry.insert(handle.clone());
        self.running.insert(name, (handle, Some(file)));
    }

    /// Starts zones whose files appeared in `zones-dir` and stops those whose files
    /// went away (a removed file is a deleted zone).
    async fn scan_zones_dir(&mut self) {
        let Some(dir) = self.config.zones_dir.clone() else {
            return;
        };
        let found = match tokio::task::spawn_blocking(move || list_zone_files(&dir)).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                warn!(error = %e, "cannot read zones-dir");
                return;
            }
            Err(_) => return,
        };
        let configured: Vec<Name> = self.config.zones.iter().map(|z| z.name.clone()).collect();
        for (name, file) in &found {
            if configured.contains(name) || self.running.contains_key(name) {
                continue;
            }
            info!(zone = %name, file = %file.display(), "zone file appeared in zones-dir: new zone");
            let d = &self.config.defaults;
            let settings = Arc::new(ZoneSettings {
                allow_transfer: d.allow_transfer.clone(),
                also_notify: d.also_notify.clone(),
                notify: true,
                allow_notify: Acl::default(),
                secondary: false,
            });
            self.start(name.clone(), file.clone(), d.serial_policy, settings);
        }
        let gone: Vec<Name> = self
            .running
            .keys()
            .filter(|n| !configured.contains(n) && !found.iter().any(|(f, _)| f == *n))
            .cloned()
            .collect();
        for name in gone {
            info!(zone = %name, "zone file left zones-dir: zone deleted");
            self.delete(&name).await;
        }
    }

    /// Deletes from the store the zones that are neither configured nor in
    /// `zones-dir` any more.
    async fn forget_unconfigured(&mut self) {
        let store = self.store.clone();
        let Ok(Ok(stored)) = tokio::task::spawn_blocking(move || store.zones()).await else {
            return;
        };
        for (name, _) in stored {
            if !self.running.contains_key(&name) {
                info!(zone = %name, "zone no longer configured: removing its stored data");
                let store = self.store.clone();
                let _ = tokio::task::spawn_blocking(move || store.delete_zone(&name)).await;
            }
        }
    }

    async fn delete(&mut self, name: &Name) {
        self.registry.remove(name);
        // Dropping the last sender closes the zone task's inbox: it stops.
        self.running.remove(name);
        let store = self.store.clone();
        let name = name.clone();
        let _ = tokio::task::spawn_blocking(move || store.delete_zone(&name)).await;
    }

    /// Asks every zone to check its file, and rescans `zones-dir`.
    async fn check_files(&mut self) {
        for (handle, file) in self.running.values() {
            if file.is_some() {
                handle.send(ZoneEvent::Reload);
            }
        }
        self.scan_zones_dir().await;
        while self.tasks.try_join_next().is_some() {}
    }

    async fn stop(mut self) {
        self.running.clear();
        for name in self
            .registry
            .snapshot()
            .iter()
            .map(|h| h.name.clone())
            .collect::<Vec<_>>()
        {
            self.registry.remove(&name);
        }
        let wait = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .is_err()
        {
            self.tasks.abort_all();
        }
    }
}

/// The `<name>.zone` files of a folder, with their zone names. Blocking.
fn list_zone_files(dir: &Path) -> std::io::Result<Vec<(Name, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(stem) = file_name.strip_suffix(".zone") else {
            continue;
        };
        if stem.starts_with('.') || stem.is_empty() || !entry.file_type()?.is_file() {
            continue;
        }
        match Name::parse(stem, Some(&Name::root())) {
            Ok(name) => out.push((name, path)),
            Err(e) => {
                warn!(file = %path.display(), error = %e, "zones-dir: file name is not a zone name; ignored")
            }
        }
    }
    Ok(out)
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
    /// A part of the config that a later issue builds.
    #[error("{0}")]
    NotBuilt(String),
    /// A runtime failure (signal handlers, tasks).
    #[error("{0}")]
    Task(String),
}
