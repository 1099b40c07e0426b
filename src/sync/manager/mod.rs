//! The zone-set manager: the one writer of the [`Registry`] and the one owner of
//! every decision about which zones exist. It starts and stops zone tasks as the
//! config, `zones-dir` and the super masters' catalogs say, and answers the
//! operator.
//!
//! # Data flow
//! Work arrives as [`ZoneCommand`]s (catalog versions, NOTIFYs for unknown zones,
//! bulk-refresh answers, control requests) and as calls from the server's loop (the
//! zone-file timer, SIGHUP, the bulk-refresh timer). Each part decides in its own
//! file and acts through the zone lifecycle below (start, stop, delete):
//! - [`local`]: zones of the config and of `zones-dir`, and `reload`;
//! - [`master`]: the super master side — our catalog and the super slaves added to
//!   every primary zone;
//! - [`slave`]: the super slave side — the effects of the catalog consumer's plan
//!   ([`crate::sync::consumer`]), NOTIFY-created zones, the bulk refresh;
//! - [`control`]: what an operator may ask, and the answers.
//!
//! The registry's changes are staged by the lifecycle and published by the server's
//! loop once per batch of work ([`Registry::publish`]).

pub mod control;
mod local;
mod master;
mod slave;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tracing::info;

use crate::config::{Config, KeyRing, SerialPolicy, TimerBounds};
use crate::store::Store;
use crate::zone::Name;

use super::catalog::Catalog;
use super::members::Members;
use super::primary::{self, PrimarySpec};
use super::secondary::{self, PrimaryServer, SecondarySpec};
use super::{Registry, TransferSlots, ZoneHandle, ZoneSettings};
use control::{ControlRequest, ControlResponse};

/// A batch of work that adds this many zones and changes nothing else publishes them
/// as it goes ([`Registry::publish_new`]): 100,000 files appearing in `zones-dir` are
/// served, and announced, a thousand at a time, not all after the last one started.
const PUBLISH_NEW: usize = 1000;

/// Commands queued for the zone-set manager (a burst of NOTIFYs for new zones is
/// taken in batches of up to this many).
pub const COMMANDS: usize = 1024;

//----------- ZoneCommand ------------------------------------------------------------

/// Work for the zone-set manager from other tasks.
#[derive(Debug)]
pub enum ZoneCommand {
    /// Super master `master` (index into the config's list) published a catalog
    /// version.
    Catalog {
        /// Which super master.
        master: usize,
        /// The parsed catalog.
        catalog: Catalog,
    },
    /// Super master `master` sent NOTIFY for a zone we do not have.
    NotifyUnknown {
        /// Which super master.
        master: usize,
        /// The zone.
        zone: Name,
    },
    /// A bulk refresh asked super master `master` for its catalog's SOA: the serial,
    /// or why the query failed.
    BulkChecked {
        /// Which super master.
        master: usize,
        /// The catalog's serial at the master.
        serial: Result<u32, String>,
    },
    /// An operator's request through the control endpoint.
    Control {
        /// The request.
        request: ControlRequest,
        /// Where the answer goes.
        reply: tokio::sync::oneshot::Sender<ControlResponse>,
    },
}

/// What handles a NOTIFY for an unknown zone needs to know: the super masters and
/// the way to ask the zone-set manager for the zone.
#[derive(Debug, Clone)]
pub struct SuperMasters {
    /// Each master's address and key (in config order).
    pub masters: Vec<(IpAddr, Option<Name>)>,
    /// The zone-set manager's inbox.
    pub commands: mpsc::Sender<ZoneCommand>,
}

impl SuperMasters {
    /// The index of the super master that `peer`, signed with `key`, is.
    pub fn find(&self, peer: IpAddr, key: Option<&Name>) -> Option<usize> {
        self.masters
            .iter()
            .position(|(ip, k)| *ip == peer && (k.is_none() || k.as_ref() == key))
    }
}

//----------- ZoneSet ----------------------------------------------------------------

/// Why a zone runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Listed in the config.
    Configured,
    /// A file in `zones-dir`.
    ZonesDir,
    /// Our own catalog (super master) or a consumed one (super slave).
    Catalog,
    /// Created by a super master's catalog or NOTIFY.
    Provisioned,
}

/// A running zone.
struct Running {
    /// The zone's handle (the registry holds the same one).
    handle: Arc<ZoneHandle>,
    /// The zone file, for primary zones.
    file: Option<PathBuf>,
    /// Why it runs.
    origin: Origin,
}

/// Where the server runs, for the manager's answers (given at construction).
#[derive(Debug, Clone, Default)]
pub struct ServerFacts {
    /// The addresses the listeners are bound to.
    pub listen: Vec<String>,
}

/// The zone-set manager.
pub struct ZoneSet {
    /// The zones the listeners see; written by this manager only.
    registry: Arc<Registry>,
    store: Arc<Store>,
    /// The live key table (shared with the listeners; replaced on reload).
    ring: Arc<KeyRing>,
    /// Limits on transfers in, shared by every secondary zone.
    slots: Arc<TransferSlots>,
    /// The config as of the last start or reload.
    config: Arc<Config>,
    /// Every running zone, catalogs included.
    running: HashMap<Name, Running>,
    /// Every zone task and catalog watcher.
    tasks: JoinSet<()>,
    /// The scheduler that holds the zones the super masters provisioned (started
    /// with the first of them).
    members: Option<Members>,
    /// The super master side (`super-slaves:`).
    master: master::MasterSide,
    /// The super slave side (`super-masters:`).
    slave: slave::SlaveSide,
    /// Our own inbox's sender (for watchers and handlers).
    commands: mpsc::Sender<ZoneCommand>,
    /// When the server started (status).
    started: std::time::Instant,
    /// Where the server listens (status).
    listen: Vec<String>,
    /// The propagation views of zones stopped to be started again (a reload changed
    /// them): what their secondaries have is not forgotten by a restart.
    restarting: HashMap<Name, super::propagation::Tracker>,
}

impl ZoneSet {
    /// A zone-set manager and its inbox.
    pub fn new(
        registry: Arc<Registry>,
        store: Arc<Store>,
        ring: Arc<KeyRing>,
        config: Arc<Config>,
        facts: ServerFacts,
    ) -> (ZoneSet, mpsc::Receiver<ZoneCommand>) {
        let (commands, inbox) = mpsc::channel(COMMANDS);
        let slots = Arc::new(TransferSlots::new(
            config.limits.transfers_in,
            config.limits.transfers_in_per_primary,
        ));
        let set = ZoneSet {
            registry,
            store,
            ring,
            slots,
            master: master::MasterSide::new(config.super_slaves.as_ref()),
            slave: slave::SlaveSide::new(&config.super_masters),
            config,
            running: HashMap::new(),
            tasks: JoinSet::new(),
            members: None,
            commands,
            started: std::time::Instant::now(),
            listen: facts.listen,
            restarting: HashMap::new(),
        };
        (set, inbox)
    }

    /// The manager's inbox, for the control endpoint.
    pub fn commands(&self) -> mpsc::Sender<ZoneCommand> {
        self.commands.clone()
    }

    /// What NOTIFY handling needs to provision zones for super masters.
    pub fn super_masters(&self) -> SuperMasters {
        SuperMasters {
            masters: self
                .config
                .super_masters
                .iter()
                .map(|m| (m.addr.ip(), m.key.clone()))
                .collect(),
            commands: self.commands.clone(),
        }
    }

    /// Number of zones running (catalogs included).
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// True when no zone runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts everything: the producer, configured zones, `zones-dir`, consumed
    /// catalogs and the zones they provisioned; then forgets stored zones that are none
    /// of these.
    pub async fn start(&mut self) {
        self.start_producer();
        self.start_configured();
        self.scan_zones_dir().await;
        self.start_consumers().await;
        self.master.list_all(self.primary_names());
        self.forget_unconfigured().await;
    }

    /// Handles a batch of commands in order; NOTIFYs for new zones from one super
    /// master that follow each other are provisioned together.
    pub async fn handle_batch(&mut self, batch: Vec<ZoneCommand>) {
        let mut pending: Option<(usize, Vec<Name>)> = None;
        for cmd in batch {
            match cmd {
                ZoneCommand::NotifyUnknown { master, zone } => {
                    if pending.as_ref().is_some_and(|(m, _)| *m != master) {
                        self.create_notified(pending.take()).await;
                    }
                    let (_, zones) = pending.get_or_insert_with(|| (master, Vec::new()));
                    if !self.running.contains_key(&zone) && !zones.contains(&zone) {
                        info!(zone = %zone, master = %self.config.super_masters[master].addr,
                            "NOTIFY for a new zone from a super master: zone created");
                        zones.push(zone);
                    }
                }
                other => {
                    self.create_notified(pending.take()).await;
                    self.command(other).await;
                }
            }
        }
        self.create_notified(pending).await;
    }

    /// Handles one command.
    pub async fn command(&mut self, cmd: ZoneCommand) {
        match cmd {
            ZoneCommand::Catalog { master, catalog } => self.on_catalog(master, catalog).await,
            ZoneCommand::BulkChecked { master, serial } => self.on_bulk_checked(master, serial),
            ZoneCommand::Control { request, reply } => {
                let answer = self.control(request).await;
                let _ = reply.send(answer);
            }
            cmd @ ZoneCommand::NotifyUnknown { .. } => Box::pin(self.handle_batch(vec![cmd])).await,
        }
    }

    /// Stops every zone task (waits up to 5 s, then aborts).
    pub async fn stop(mut self) {
        for name in self.running.keys() {
            self.registry.remove(name);
        }
        // The table holds the handles (and their inboxes' senders): the tasks stop
        // once the last sender is gone.
        self.registry.publish();
        self.running.clear();
        // The member scheduler ends once its members are gone and this is dropped.
        self.members = None;
        let wait = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .is_err()
        {
            self.tasks.abort_all();
        }
    }

    //--- Zone lifecycle

    /// The names of the running primary zones.
    fn primary_names(&self) -> Vec<Name> {
        self.running
            .iter()
            .filter(|(_, r)| r.file.is_some())
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Starts a primary zone's task and stages it in the registry.
    fn start_primary(
        &mut self,
        name: Name,
        file: PathBuf,
        policy: SerialPolicy,
        settings: Arc<ZoneSettings>,
        origin: Origin,
    ) {
        let spec = PrimarySpec {
            name: name.clone(),
            file: file.clone(),
            policy,
            settings,
            catalog: self.master.feed(),
            max_file_bytes: self.config.limits.max_zone_file_bytes,
            propagation: self.restarting.remove(&name).unwrap_or_default(),
        };
        let handle = primary::spawn(spec, self.store.clone(), self.ring.clone(), &mut self.tasks);
        self.run(name, handle, Some(file), origin);
    }

    /// Starts a secondary zone and stages it in the registry: with a task of its own,
    /// or, for a zone a super master provisioned (`member`), held by the member
    /// scheduler.
    fn start_secondary(
        &mut self,
        name: Name,
        primaries: Vec<PrimaryServer>,
        settings: Arc<ZoneSettings>,
        bounds: TimerBounds,
        origin: Origin,
        member: Option<secondary::CatalogMember>,
    ) -> Arc<ZoneHandle> {
        let spec = SecondarySpec {
            name: name.clone(),
            primaries,
            settings,
            bounds,
            limits: crate::xfr::Limits {
                max_records: self.config.limits.max_zone_records,
                max_bytes: self.config.limits.max_zone_bytes,
                max_time: self.config.limits.max_transfer_time_in,
                min_rate: Some(self.config.limits.min_transfer_rate_in),
            },
            propagation: self.restarting.remove(&name).unwrap_or_default(),
            member,
        };
        let (store, ring, slots) = (self.store.clone(), self.ring.clone(), self.slots.clone());
        let handle = if spec.member.is_some() {
            let members = self
                .members
                .get_or_insert_with(|| Members::start(&mut self.tasks));
            secondary::adopt(spec, store, ring, slots, members)
        } else {
            secondary::spawn(spec, store, ring, slots, &mut self.tasks)
        };
        self.run(name, handle.clone(), None, origin);
        handle
    }

    /// Records a started zone and stages it in the registry.
    fn run(&mut self, name: Name, handle: Arc<ZoneHandle>, file: Option<PathBuf>, origin: Origin) {
        self.registry.insert(handle.clone());
        self.registry.publish_new(PUBLISH_NEW);
        self.running.insert(
            name,
            Running {
                handle,
                file,
                origin,
            },
        );
    }

    /// Stops a zone's task without deleting its data (it starts again at once, with
    /// the propagation view it had).
    fn stop_zone(&mut self, name: &Name) {
        self.registry.remove(name);
        if let Some(r) = self.running.remove(name) {
            self.restarting
                .insert(name.clone(), r.handle.propagation.clone());
        }
    }

    /// Stops a zone and deletes its data (and its provisioning record).
    async fn delete(&mut self, name: &Name) {
        self.registry.remove(name);
        // Dropping the last sender closes the zone task's inbox: it stops.
        if let Some(r) = self.running.remove(name)
            && r.file.is_some()
        {
            self.master.unlist(name);
        }
        let was_provisioned = self.slave.provisioned.remove(name).is_some();
        let store = self.store.clone();
        let name = name.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if was_provisioned {
                store.delete_provisioned(&name)
            } else {
                store.delete_zone(&name).map(|_| ())
            }
        })
        .await;
    }

    /// Deletes from the store the zones that are neither running nor provisioned.
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
}
