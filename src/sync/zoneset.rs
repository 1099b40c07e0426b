//! The zone-set manager: the one writer of the [`Registry`]. It starts and stops zone
//! tasks as the config, `zones-dir` and the super masters' catalogs say, and drives
//! the bulk refresh.
//!
//! # Data flow
//! - Config and `zones-dir` → primary zone tasks; secondary zones → secondary tasks.
//! - Super master (`super-slaves:`): a catalog producer lists every primary zone
//!   (fed by the primary tasks); the super slaves are added to every primary zone's
//!   `allow-transfer` (with the key, or unsigned when `allow-unsigned`) and NOTIFY
//!   targets.
//! - Super slave (`super-masters:`): each master's catalog is a secondary zone; a
//!   watcher parses every new version and sends it here as a [`ZoneCommand`]; the
//!   reconciliation provisions new members as secondary zones of that master, deletes
//!   the members that left (only those that catalog owns, at most `max-deletions` at
//!   once), and tells members whose serial the catalog lists whether they are current.
//!   A NOTIFY for an unknown zone from a super master provisions the zone at once.
//!   Ownership survives restarts (store table `provisioned`).
//!
//! # Standards
//! - RFC 9432 §5.4: "a consumer … MUST NOT remove a member zone … provisioned by
//!   another catalog"; §5.6: a `coo` property permits the new catalog to take over;
//!   §6: consumers should restrict what they accept — here only members of catalogs
//!   from the configured super masters, transferred from that master with its key.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn};

use crate::acl::{Acl, AclEntry};
use crate::config::{Config, KeyRing, NotifyTarget, SuperMaster, ZoneSource};
use crate::store::{Provision, Store};
use crate::zone::Name;
use crate::zone::serial::Serial;

use super::catalog::{self, Catalog};
use super::notify_out::Target;
use super::primary::{self, PrimarySpec};
use super::producer::{self, CatalogFeed};
use super::secondary::{self, PrimaryServer, SecondarySpec};
use super::{Registry, TransferSlots, ZoneEvent, ZoneHandle, ZoneSettings};
use crate::control::{ControlRequest, ControlResponse, ServerStatus, ZoneView};

/// Commands queued for the zone-set manager (a burst of NOTIFYs for new zones is
/// taken in batches of up to this many).
pub const COMMANDS: usize = 1024;

/// Whether a provisioned zone that the catalog (at `serial`, processed at `now`) no
/// longer lists is to be deleted: a confirmed zone is (it left the catalog); one
/// created by a NOTIFY only when this catalog is newer than the one current at its
/// creation and the zone is older than `grace` seconds (the super master's
/// `unlisted-grace`). A producer lists a new zone a moment after it NOTIFYs for it,
/// and a catalog version built before that moment may reach us after the NOTIFY:
/// without the grace, that version would delete the zone its successor lists again
/// (a second transfer for nothing).
fn leaves_with(p: &Provision, serial: u32, now: u64, grace: u64) -> bool {
    p.confirmed
        || (Serial(serial).is_newer_than(Serial(p.catalog_serial))
            && now >= p.created_at.saturating_add(grace))
}

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
    handle: Arc<ZoneHandle>,
    /// The zone file, for primary zones.
    file: Option<PathBuf>,
    origin: Origin,
}

/// A consumed catalog (super slave side).
struct Consumed {
    /// The catalog's name.
    name: Name,
    /// Its last parsed version.
    last: Option<Catalog>,
    /// A bulk refresh found the catalog newer at the master: the next version
    /// processed also confirms the members that did not change.
    bulk_pending: bool,
}

/// The zone-set manager.
pub struct ZoneSet {
    registry: Arc<Registry>,
    store: Arc<Store>,
    /// The live key table (shared with the listeners; replaced on reload).
    ring: Arc<KeyRing>,
    slots: Arc<TransferSlots>,
    config: Arc<Config>,
    running: HashMap<Name, Running>,
    /// Every zone task and watcher.
    tasks: JoinSet<()>,
    /// Super master: our catalog's feed.
    feed: Option<Arc<CatalogFeed>>,
    /// Super master: ACL entries and NOTIFY targets added to every primary zone.
    slave_acl: Vec<AclEntry>,
    slave_notify: Vec<NotifyTarget>,
    /// Super slave: one per super master, in config order.
    consumed: Vec<Consumed>,
    /// Super slave: who provisioned which zone.
    provisioned: HashMap<Name, Provision>,
    /// Our own inbox's sender (for watchers and handlers).
    commands: mpsc::Sender<ZoneCommand>,
    /// When the server started (status).
    started: std::time::Instant,
    /// Where the server listens (status).
    pub listen: Vec<String>,
}

impl ZoneSet {
    /// A zone-set manager and its inbox.
    pub fn new(
        registry: Arc<Registry>,
        store: Arc<Store>,
        ring: Arc<KeyRing>,
        config: Arc<Config>,
    ) -> (ZoneSet, mpsc::Receiver<ZoneCommand>) {
        let (commands, inbox) = mpsc::channel(COMMANDS);
        let mut slave_acl = Vec::new();
        let mut slave_notify = Vec::new();
        if let Some(s) = &config.super_slaves {
            for addr in &s.servers {
                let prefix = Some(ipnet::IpNet::from(addr.ip()));
                if let Some(key) = &s.key {
                    slave_acl.push(AclEntry {
                        prefix,
                        key: Some(key.clone()),
                    });
                }
                if s.allow_unsigned {
                    slave_acl.push(AclEntry { prefix, key: None });
                }
                slave_notify.push(NotifyTarget {
                    addr: *addr,
                    key: s.key.clone(),
                });
            }
        }
        let slots = Arc::new(TransferSlots::new(
            config.limits.transfers_in,
            config.limits.transfers_in_per_primary,
        ));
        let set = ZoneSet {
            registry,
            store,
            ring,
            slots,
            consumed: config
                .super_masters
                .iter()
                .map(|m| Consumed {
                    name: m.catalog.clone(),
                    last: None,
                    bulk_pending: false,
                })
                .collect(),
            config,
            running: HashMap::new(),
            tasks: JoinSet::new(),
            feed: None,
            slave_acl,
            slave_notify,
            provisioned: HashMap::new(),
            commands,
            started: std::time::Instant::now(),
            listen: Vec::new(),
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
        if let Some(feed) = &self.feed {
            feed.all_members(self.primary_names());
        }
        self.forget_unconfigured().await;
    }

    fn primary_names(&self) -> Vec<Name> {
        self.running
            .iter()
            .filter(|(_, r)| r.file.is_some())
            .map(|(n, _)| n.clone())
            .collect()
    }

    //--- Super master

    fn start_producer(&mut self) {
        let Some(s) = self.config.super_slaves.clone() else {
            return;
        };
        let targets = self
            .slave_notify
            .iter()
            .map(|t| Target {
                addr: t.addr,
                key: t.key.clone(),
            })
            .collect();
        let settings = Arc::new(ZoneSettings {
            allow_transfer: Acl {
                entries: self.slave_acl.clone(),
            },
            also_notify: Vec::new(),
            notify: true,
            allow_notify: Acl::default(),
            secondary: false,
            catalog: true,
        });
        let (handle, feed) = producer::spawn(
            s.catalog.clone(),
            settings,
            targets,
            self.store.clone(),
            self.ring.clone(),
            &mut self.tasks,
        );
        info!(catalog = %s.catalog, super_slaves = s.servers.len(), "super master: publishing catalog");
        self.registry.insert(handle.clone());
        self.running.insert(
            s.catalog,
            Running {
                handle,
                file: None,
                origin: Origin::Catalog,
            },
        );
        self.feed = Some(feed);
    }

    //--- Configured and zones-dir zones

    fn start_configured(&mut self) {
        let config = self.config.clone();
        for z in &config.zones {
            self.start_zone_config(z);
        }
    }

    /// Starts one zone of the config.
    fn start_zone_config(&mut self, z: &crate::config::ZoneConfig) {
        match &z.source {
            ZoneSource::Primary {
                file,
                serial_policy,
            } => {
                let settings = self.primary_settings(&z.allow_transfer, &z.also_notify, z.notify);
                self.start_primary(
                    z.name.clone(),
                    file.clone(),
                    *serial_policy,
                    settings,
                    Origin::Configured,
                );
            }
            ZoneSource::Secondary { primaries } => {
                let servers = primaries
                    .iter()
                    .map(|p| PrimaryServer {
                        addr: p.addr,
                        key: p.key.clone(),
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
                    catalog: false,
                });
                self.start_secondary(
                    z.name.clone(),
                    servers,
                    settings,
                    z.timers,
                    Origin::Configured,
                );
            }
        }
    }

    /// A primary zone's settings, with the super slaves added (super master).
    fn primary_settings(
        &self,
        acl: &Acl,
        also_notify: &[NotifyTarget],
        notify: bool,
    ) -> Arc<ZoneSettings> {
        let mut allow_transfer = acl.clone();
        allow_transfer
            .entries
            .extend(self.slave_acl.iter().cloned());
        let mut also = also_notify.to_vec();
        also.extend(self.slave_notify.iter().cloned());
        Arc::new(ZoneSettings {
            allow_transfer,
            also_notify: also,
            notify,
            allow_notify: Acl::default(),
            secondary: false,
            catalog: false,
        })
    }

    fn start_primary(
        &mut self,
        name: Name,
        file: PathBuf,
        policy: crate::config::SerialPolicy,
        settings: Arc<ZoneSettings>,
        origin: Origin,
    ) {
        let spec = PrimarySpec {
            name: name.clone(),
            file: file.clone(),
            policy,
            settings,
            catalog: self.feed.clone(),
        };
        let handle = primary::spawn(spec, self.store.clone(), self.ring.clone(), &mut self.tasks);
        self.registry.insert(handle.clone());
        self.running.insert(
            name,
            Running {
                handle,
                file: Some(file),
                origin,
            },
        );
    }

    fn start_secondary(
        &mut self,
        name: Name,
        primaries: Vec<PrimaryServer>,
        settings: Arc<ZoneSettings>,
        bounds: crate::config::TimerBounds,
        origin: Origin,
    ) -> Arc<ZoneHandle> {
        let spec = SecondarySpec {
            name: name.clone(),
            primaries,
            settings,
            bounds,
            limits: crate::xfr::Limits {
                max_records: self.config.limits.max_zone_records,
                max_bytes: self.config.limits.max_zone_bytes,
            },
        };
        let handle = secondary::spawn(
            spec,
            self.store.clone(),
            self.ring.clone(),
            self.slots.clone(),
            &mut self.tasks,
        );
        self.registry.insert(handle.clone());
        self.running.insert(
            name,
            Running {
                handle: handle.clone(),
                file: None,
                origin,
            },
        );
        handle
    }

    /// Starts zones whose files appeared in `zones-dir` and deletes those whose files
    /// went away.
    pub async fn scan_zones_dir(&mut self) {
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
        for (name, file) in &found {
            if self.running.contains_key(name) {
                continue;
            }
            info!(zone = %name, file = %file.display(), "zone file appeared in zones-dir: new zone");
            let d = self.config.defaults.clone();
            let settings = self.primary_settings(&d.allow_transfer, &d.also_notify, true);
            self.start_primary(
                name.clone(),
                file.clone(),
                d.serial_policy,
                settings,
                Origin::ZonesDir,
            );
        }
        let present: std::collections::HashSet<&Name> = found.iter().map(|(n, _)| n).collect();
        let gone: Vec<Name> = self
            .running
            .iter()
            .filter(|(n, r)| r.origin == Origin::ZonesDir && !present.contains(n))
            .map(|(n, _)| n.clone())
            .collect();
        // Every member that left goes into one catalog version: a super slave's
        // max-deletions guard judges the whole change, not slices of it.
        if let Some(feed) = &self.feed {
            feed.members(gone.iter().map(|n| (n.clone(), None)));
        }
        for name in gone {
            info!(zone = %name, "zone file left zones-dir: zone deleted");
            self.delete(&name).await;
        }
    }

    //--- Super slave

    async fn start_consumers(&mut self) {
        let masters = self.config.super_masters.clone();
        for (i, m) in masters.iter().enumerate() {
            let settings = Arc::new(ZoneSettings {
                allow_transfer: Acl::default(),
                also_notify: Vec::new(),
                notify: false,
                allow_notify: master_acl(m),
                secondary: true,
                catalog: true,
            });
            let handle = self.start_secondary(
                m.catalog.clone(),
                vec![self.master_server(m)],
                settings,
                self.config.timers,
                Origin::Catalog,
            );
            info!(catalog = %m.catalog, master = %m.addr, "super slave: consuming catalog");
            // Watch the catalog: every published version goes to the manager.
            let mut rx = handle.published.clone();
            rx.mark_changed();
            let commands = self.commands.clone();
            let catalog_name = m.catalog.clone();
            self.tasks.spawn(async move {
                while rx.changed().await.is_ok() {
                    let Some(published) = rx.borrow_and_update().clone() else {
                        continue;
                    };
                    match catalog::parse(&published.version) {
                        Ok(catalog) => {
                            if commands
                                .send(ZoneCommand::Catalog { master: i, catalog })
                                .await
                                .is_err()
                            {
                                break;
                            }
                        }
                        Err(e) => {
                            error!(catalog = %catalog_name, error = %e, "catalog not processed")
                        }
                    }
                }
            });
        }
        // The zones provisioned before a restart, with their owners.
        let store = self.store.clone();
        let stored = match tokio::task::spawn_blocking(move || store.provisioned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                error!(error = %e, "cannot read provisioned zones");
                Vec::new()
            }
            Err(_) => Vec::new(),
        };
        for (zone, p) in stored {
            if self.running.contains_key(&zone) {
                // Configured locally since: the local zone wins; forget the ownership.
                let store = self.store.clone();
                let z = zone.clone();
                let _ = tokio::task::spawn_blocking(move || store.unprovision(&z)).await;
                continue;
            }
            let Some(i) = masters
                .iter()
                .position(|m| m.catalog.to_string() == p.catalog)
            else {
                warn!(zone = %zone, catalog = %p.catalog, "provisioned by a catalog no longer configured; deleting");
                let store = self.store.clone();
                let _ = tokio::task::spawn_blocking(move || store.delete_provisioned(&zone)).await;
                continue;
            };
            self.start_provisioned(zone.clone(), i);
            self.provisioned.insert(zone, p);
        }
    }

    fn master_server(&self, m: &SuperMaster) -> PrimaryServer {
        PrimaryServer {
            addr: m.addr,
            key: m.key.clone(),
            ixfr: true,
            ixfr_udp: false,
        }
    }

    fn start_provisioned(&mut self, zone: Name, master: usize) {
        let m = self.config.super_masters[master].clone();
        let d = &self.config.defaults;
        let settings = Arc::new(ZoneSettings {
            allow_transfer: d.allow_transfer.clone(),
            also_notify: d.also_notify.clone(),
            notify: true,
            allow_notify: master_acl(&m),
            secondary: true,
            catalog: false,
        });
        let server = self.master_server(&m);
        self.start_secondary(
            zone,
            vec![server],
            settings,
            self.config.timers,
            Origin::Provisioned,
        );
    }

    /// Provisions `zones` as secondary zones of super master `master`, owned by its
    /// catalog: recorded in the store in one transaction (a burst of a thousand new
    /// zones is one write, not a thousand), then started.
    async fn provision(
        &mut self,
        zones: Vec<Name>,
        master: usize,
        confirmed: bool,
        catalog_serial: u32,
    ) {
        if zones.is_empty() {
            return;
        }
        let m = &self.config.super_masters[master];
        let p = Provision {
            catalog: m.catalog.to_string(),
            master: m.addr.to_string(),
            confirmed,
            catalog_serial,
            created_at: super::timers::unix_now(),
        };
        let records: Vec<(Name, Provision)> =
            zones.iter().map(|z| (z.clone(), p.clone())).collect();
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.set_provisioned_many(&records)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                error!(zones = zones.len(), error = %e,
                    "cannot record the provisioned zones; not creating them");
                return;
            }
            Err(_) => return,
        }
        for zone in zones {
            self.start_provisioned(zone.clone(), master);
            self.provisioned.insert(zone, p.clone());
            crate::metrics::get().provisioned();
        }
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

    /// Creates the zones that super master `master` sent NOTIFY for, unconfirmed
    /// until its catalog lists them.
    async fn create_notified(&mut self, pending: Option<(usize, Vec<Name>)>) {
        if let Some((master, zones)) = pending {
            let serial = self.consumed[master].last.as_ref().map_or(0, |c| c.serial);
            self.provision(zones, master, false, serial).await;
        }
    }

    /// Handles one command.
    pub async fn command(&mut self, cmd: ZoneCommand) {
        match cmd {
            ZoneCommand::Catalog { master, catalog } => self.reconcile(master, catalog).await,
            ZoneCommand::BulkChecked { master, serial } => self.on_bulk_checked(master, serial),
            ZoneCommand::Control { request, reply } => {
                let answer = self.control(request).await;
                let _ = reply.send(answer);
            }
            cmd @ ZoneCommand::NotifyUnknown { .. } => Box::pin(self.handle_batch(vec![cmd])).await,
        }
    }

    /// Brings the zones of super master `master` in line with its catalog.
    async fn reconcile(&mut self, master: usize, catalog: Catalog) {
        let m = self.config.super_masters[master].clone();
        let owner = m.catalog.to_string();
        let (mut added, mut migrated) = (0usize, 0usize);
        let mut new_members = Vec::new();
        // Zones created by a NOTIFY that the catalog now lists.
        let mut confirmed = Vec::new();
        for zone in catalog.members.keys() {
            match self.running.get(zone).map(|r| r.origin) {
                None => {
                    new_members.push(zone.clone());
                    added += 1;
                }
                Some(Origin::Provisioned) => {
                    let Some(p) = self.provisioned.get(zone).cloned() else {
                        continue;
                    };
                    if p.catalog == owner {
                        if !p.confirmed {
                            confirmed.push((
                                zone.clone(),
                                Provision {
                                    confirmed: true,
                                    ..p
                                },
                            ));
                        }
                    } else if self.coo_permits(zone, &p.catalog, &m.catalog) {
                        info!(zone = %zone, from = %p.catalog, to = %owner, "member migrated (coo)");
                        self.delete(zone).await;
                        new_members.push(zone.clone());
                        migrated += 1;
                    } else {
                        debug!(zone = %zone, owner = %p.catalog, "member of two catalogs; the first keeps it (RFC 9432 §5.4)");
                    }
                }
                Some(_) => {
                    debug!(zone = %zone, "member is configured locally; the local zone wins")
                }
            }
        }
        self.provision(new_members, master, true, catalog.serial)
            .await;
        self.provision_records(confirmed).await;
        let now = super::timers::unix_now();
        let doomed: Vec<Name> = self
            .provisioned
            .iter()
            .filter(|(z, p)| {
                p.catalog == owner
                    && !catalog.members.contains_key(*z)
                    && leaves_with(p, catalog.serial, now, m.unlisted_grace.as_secs())
            })
            .map(|(z, _)| z.clone())
            .collect();
        let mut removed = 0;
        if doomed.len() > m.max_deletions {
            error!(catalog = %owner, would_delete = doomed.len(), max_deletions = m.max_deletions,
                "catalog update would delete more zones than max-deletions allows; refusing (no zone deleted)");
        } else {
            for zone in &doomed {
                info!(zone = %zone, catalog = %owner, "member left the catalog: zone deleted");
                self.delete(zone).await;
                removed += 1;
                crate::metrics::get().deprovisioned();
            }
        }
        info!(catalog = %owner, serial = catalog.serial, members = catalog.members.len(), added, removed, migrated,
            "catalog processed");
        // Members the catalog says changed are transferred; the others are confirmed
        // only when a bulk refresh asked for this version (confirming costs each zone
        // a timer write, too much for every catalog change).
        let confirm = std::mem::take(&mut self.consumed[master].bulk_pending);
        self.consumed[master].last = Some(catalog);
        self.check_members(master, confirm);
    }

    /// True when the catalog that owns `zone` lists it with `coo` pointing at
    /// `new_catalog` (RFC 9432 §5.6).
    fn coo_permits(&self, zone: &Name, owner: &str, new_catalog: &Name) -> bool {
        self.consumed.iter().any(|c| {
            c.name.to_string() == owner
                && c.last
                    .as_ref()
                    .and_then(|cat| cat.members.get(zone))
                    .and_then(|m| m.coo.as_ref())
                    == Some(new_catalog)
        })
    }

    /// Rewrites the records of provisioned zones, in one transaction.
    async fn provision_records(&mut self, records: Vec<(Name, Provision)>) {
        if records.is_empty() {
            return;
        }
        let store = self.store.clone();
        let written = records.clone();
        match tokio::task::spawn_blocking(move || store.set_provisioned_many(&written)).await {
            Ok(Ok(())) => self.provisioned.extend(records),
            Ok(Err(e)) => error!(error = %e, "cannot record the provisioned zones"),
            Err(e) => error!(error = %e, "store task failed"),
        }
    }

    /// Bulk refresh: asks every super master for its catalog's serial (one SOA
    /// query each, off this task); [`ZoneSet::on_bulk_checked`] goes on from there.
    pub fn bulk_refresh(&mut self) {
        let masters = self.config.super_masters.clone();
        for (i, m) in masters.iter().enumerate() {
            if !self.running.contains_key(&m.catalog) {
                continue;
            }
            let server = self.master_server(m);
            let catalog = m.catalog.clone();
            let commands = self.commands.clone();
            let ring = self.ring.clone();
            self.tasks.spawn(async move {
                let serial = catalog_serial(&server, &catalog, &ring).await;
                let _ = commands
                    .send(ZoneCommand::BulkChecked { master: i, serial })
                    .await;
            });
        }
    }

    /// A bulk refresh's answer from super master `master`. Members are confirmed
    /// only on the word of a catalog known to be current: when the master's serial
    /// is ours, at once; when it is newer, after that version is transferred and
    /// processed. When the master does not answer, nothing is confirmed and the
    /// members keep their own refresh, retry and expire timers (a stale catalog must
    /// not keep zones alive past EXPIRE).
    fn on_bulk_checked(&mut self, master: usize, serial: Result<u32, String>) {
        let c = &self.consumed[master];
        let Some(r) = self.running.get(&c.name) else {
            return;
        };
        let ours = r.handle.current().map(|p| p.version.serial());
        match (serial, ours) {
            (Err(e), _) => {
                warn!(catalog = %c.name, error = %e,
                    "bulk refresh: the catalog's SOA query failed; members keep their own timers");
            }
            (Ok(theirs), Some(ours)) if theirs == ours => {
                r.handle.send(ZoneEvent::Current { serial: ours });
                if c.last.as_ref().is_some_and(|l| l.serial == ours) {
                    debug!(catalog = %c.name, serial = ours, "bulk refresh: catalog current; checking members");
                    self.check_members(master, true);
                } else {
                    // This version is on its way to `reconcile`.
                    self.consumed[master].bulk_pending = true;
                }
            }
            (Ok(theirs), Some(ours)) if !Serial(theirs).is_newer_than(Serial(ours)) => {
                warn!(catalog = %c.name, ours, theirs,
                    "bulk refresh: the master's catalog is older than ours (RFC 1982); members keep their own timers");
            }
            (Ok(theirs), ours) => {
                info!(catalog = %c.name, serial = theirs, ours = ?ours, "bulk refresh: catalog changed; transferring it");
                // Newer transfers without another SOA query; a zone that is not
                // served (expired) takes a full refresh.
                r.handle.send(match ours {
                    Some(_) => ZoneEvent::Newer { serial: theirs },
                    None => ZoneEvent::Refresh,
                });
                self.consumed[master].bulk_pending = true;
            }
        }
    }

    /// Drives the members of super master `master`'s last catalog that it
    /// provisioned. With member serials (a zonesync catalog): a member the catalog
    /// says is newer transfers at once, without an SOA query; with `confirm`, a
    /// member at the catalog's serial is confirmed current without any query. A
    /// foreign catalog has no serials: with `confirm`, every member checks its SOA,
    /// paced and jittered.
    fn check_members(&mut self, master: usize, confirm: bool) {
        let c = &self.consumed[master];
        let Some(cat) = &c.last else {
            return;
        };
        let owner = c.name.to_string();
        let owned = |zone: &Name| {
            self.provisioned
                .get(zone)
                .is_some_and(|p| p.catalog == owner)
        };
        if cat.has_serials {
            for (zone, member) in &cat.members {
                let (Some(serial), Some(r)) = (member.serial, self.running.get(zone)) else {
                    continue;
                };
                if r.origin != Origin::Provisioned || !owned(zone) {
                    continue;
                }
                match r.handle.current().map(|p| p.version.serial()) {
                    Some(s) if s == serial => {
                        if confirm {
                            r.handle.send(ZoneEvent::Current { serial });
                        }
                    }
                    Some(s) if !Serial(serial).is_newer_than(Serial(s)) => {}
                    _ => {
                        r.handle.send(ZoneEvent::Newer { serial });
                    }
                }
            }
        } else if confirm {
            let handles: Vec<Arc<ZoneHandle>> = cat
                .members
                .keys()
                .filter(|z| owned(z))
                .filter_map(|z| self.running.get(z))
                .filter(|r| r.origin == Origin::Provisioned)
                .map(|r| r.handle.clone())
                .collect();
            self.tasks.spawn(async move {
                for h in handles {
                    h.send(ZoneEvent::Refresh);
                    let pause = 20 + super::timers::random() % 30;
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
            });
        }
    }

    //--- Control

    /// Carries out an operator's request.
    async fn control(&mut self, request: ControlRequest) -> ControlResponse {
        let zone_of = |text: &str| {
            Name::parse(text, Some(&Name::root()))
                .map_err(|e| format!("bad zone name \"{text}\": {e}"))
        };
        match request {
            ControlRequest::Status { zone } => {
                let only = match zone.as_deref().map(zone_of).transpose() {
                    Ok(z) => z,
                    Err(e) => return ControlResponse::error(e),
                };
                let mut zones: Vec<ZoneView> = self
                    .registry
                    .snapshot()
                    .iter()
                    .filter(|h| only.as_ref().is_none_or(|z| &h.name == z))
                    .map(|h| ZoneView {
                        zone: h.name.to_string(),
                        status: h.status.get(),
                    })
                    .collect();
                zones.sort_by(|a, b| a.zone.cmp(&b.zone));
                if let Some(z) = &only
                    && zones.is_empty()
                {
                    return ControlResponse::error(format!("no zone {z} here"));
                }
                ControlResponse {
                    ok: true,
                    message: format!("{} zones", zones.len()),
                    server: Some(ServerStatus {
                        version: env!("CARGO_PKG_VERSION").to_string(),
                        uptime: self.started.elapsed().as_secs(),
                        zones: self.running.len(),
                        listen: self.listen.clone(),
                    }),
                    zones,
                }
            }
            ControlRequest::Refresh { zone }
            | ControlRequest::Retransfer { zone }
            | ControlRequest::Notify { zone }
                if zone_of(&zone).is_err() =>
            {
                ControlResponse::error(zone_of(&zone).err().unwrap_or_default())
            }
            ControlRequest::Refresh { zone } => {
                let name = zone_of(&zone).unwrap_or_else(|_| Name::root());
                match self.running.get(&name) {
                    Some(r) if r.file.is_some() => {
                        r.handle.send(ZoneEvent::Reload);
                        ControlResponse::ok(format!("{name}: zone file check queued"))
                    }
                    Some(r) if r.handle.settings.secondary => {
                        r.handle.send(ZoneEvent::Refresh);
                        ControlResponse::ok(format!("{name}: refresh queued"))
                    }
                    Some(_) => ControlResponse::error(format!("{name}: nothing to refresh from")),
                    None => ControlResponse::error(format!("no zone {name} here")),
                }
            }
            ControlRequest::Retransfer { zone } => {
                let name = zone_of(&zone).unwrap_or_else(|_| Name::root());
                match self.running.get(&name) {
                    Some(r) if r.handle.settings.secondary => {
                        r.handle.send(ZoneEvent::Retransfer);
                        ControlResponse::ok(format!("{name}: retransfer (AXFR) queued"))
                    }
                    Some(_) => ControlResponse::error(format!("{name} is not a secondary zone")),
                    None => ControlResponse::error(format!("no zone {name} here")),
                }
            }
            ControlRequest::Notify { zone } => {
                let name = zone_of(&zone).unwrap_or_else(|_| Name::root());
                match self.running.get(&name) {
                    Some(r) => {
                        r.handle.send(ZoneEvent::SendNotify);
                        ControlResponse::ok(format!("{name}: NOTIFY queued"))
                    }
                    None => ControlResponse::error(format!("no zone {name} here")),
                }
            }
            ControlRequest::Reload => self.reload().await,
            ControlRequest::BulkRefresh => {
                if self.consumed.is_empty() {
                    return ControlResponse::error(
                        "no super-masters configured: nothing to bulk-refresh",
                    );
                }
                self.bulk_refresh();
                ControlResponse::ok(format!(
                    "bulk refresh of {} catalogs started",
                    self.consumed.len()
                ))
            }
        }
    }

    /// Re-reads the config: zones added, removed and changed follow it, keys are
    /// replaced, every zone file is checked. Listen addresses and super master/slave
    /// settings need a restart (said in the answer).
    async fn reload(&mut self) -> ControlResponse {
        let path = self.config.path.clone();
        let loaded = tokio::task::spawn_blocking(move || Config::load(&path)).await;
        let new = match loaded {
            Ok(Ok(c)) => Arc::new(c),
            Ok(Err(e)) => return ControlResponse::error(format!("config not reloaded: {e}")),
            Err(e) => return ControlResponse::error(format!("config not reloaded: {e}")),
        };
        let old = std::mem::replace(&mut self.config, new.clone());
        self.ring.replace(new.keys.clone());
        let mut notes = Vec::new();
        if old.listen != new.listen || old.control != new.control || old.metrics != new.metrics {
            notes.push("listen, control and metrics addresses change on restart only");
        }
        if old.super_slaves != new.super_slaves || old.super_masters != new.super_masters {
            notes.push("super-slaves and super-masters change on restart only");
        }
        let (mut added, mut removed, mut changed) = (0, 0, 0);
        let old_zones: HashMap<&Name, &crate::config::ZoneConfig> =
            old.zones.iter().map(|z| (&z.name, z)).collect();
        let new_names: Vec<Name> = new.zones.iter().map(|z| z.name.clone()).collect();
        // Zones gone from the config, or changed: stopped (changed ones start again).
        let configured: Vec<Name> = self
            .running
            .iter()
            .filter(|(_, r)| r.origin == Origin::Configured)
            .map(|(n, _)| n.clone())
            .collect();
        for name in configured {
            let now = new.zones.iter().find(|z| z.name == name);
            match now {
                None => {
                    info!(zone = %name, "zone removed from the config: deleted");
                    self.delete(&name).await;
                    removed += 1;
                }
                Some(z) if old_zones.get(&name).is_none_or(|o| *o != z) => {
                    info!(zone = %name, "zone changed in the config: restarting it");
                    self.stop_zone(&name);
                    changed += 1;
                }
                Some(_) => {}
            }
        }
        // zones-dir zones take the defaults: restart them when those changed.
        if old.defaults != new.defaults || old.zones_dir != new.zones_dir {
            let dir_zones: Vec<Name> = self
                .running
                .iter()
                .filter(|(_, r)| r.origin == Origin::ZonesDir)
                .map(|(n, _)| n.clone())
                .collect();
            for name in dir_zones {
                self.stop_zone(&name);
            }
        }
        let before = self.running.len();
        self.start_configured_missing(&new_names);
        added += self
            .running
            .len()
            .saturating_sub(before)
            .saturating_sub(changed);
        self.check_files().await;
        let mut message =
            format!("config reloaded: {added} zones added, {removed} removed, {changed} changed");
        for n in notes {
            message.push_str("; ");
            message.push_str(n);
        }
        ControlResponse::ok(message)
    }

    /// Stops a zone's task without deleting its data (it starts again at once).
    fn stop_zone(&mut self, name: &Name) {
        self.registry.remove(name);
        self.running.remove(name);
    }

    /// Starts the configured zones in `names` that are not running.
    fn start_configured_missing(&mut self, names: &[Name]) {
        let config = self.config.clone();
        let missing: Vec<_> = config
            .zones
            .iter()
            .filter(|z| names.contains(&z.name) && !self.running.contains_key(&z.name))
            .cloned()
            .collect();
        for z in missing {
            self.start_zone_config(&z);
        }
    }

    //--- Common

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

    /// Stops a zone and deletes its data (and its provisioning record).
    async fn delete(&mut self, name: &Name) {
        self.registry.remove(name);
        // Dropping the last sender closes the zone task's inbox: it stops.
        if let Some(r) = self.running.remove(name)
            && r.file.is_some()
            && let Some(feed) = &self.feed
        {
            feed.member(name, None);
        }
        let was_provisioned = self.provisioned.remove(name).is_some();
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

    /// Rescans `zones-dir`, and asks every primary zone to check its file.
    pub async fn check_files(&mut self) {
        // Rescan first, so that a zone whose file left zones-dir is deleted rather
        // than asked to reload a file that is gone.
        self.scan_zones_dir().await;
        for r in self.running.values() {
            if r.file.is_some() {
                r.handle.send(ZoneEvent::Reload);
            }
        }
        while self.tasks.try_join_next().is_some() {}
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
        let wait = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .is_err()
        {
            self.tasks.abort_all();
        }
    }
}

/// The serial of `catalog` at its super master: an SOA query over UDP, then over TCP
/// when UDP fails (DESIGN.md §4).
async fn catalog_serial(
    server: &PrimaryServer,
    catalog: &Name,
    ring: &KeyRing,
) -> Result<u32, String> {
    let opts = crate::xfr::ClientOptions {
        key: server.resolve_key(ring).map_err(|e| e.to_string())?,
        timeout: Duration::from_secs(5),
        udp_attempts: 2,
        ..Default::default()
    };
    match crate::xfr::query_soa(server.addr, catalog, &opts).await {
        Ok(answer) => Ok(answer.serial),
        Err(_) => crate::xfr::query_soa_tcp(server.addr, catalog, &opts)
            .await
            .map(|answer| answer.serial)
            .map_err(|e| e.to_string()),
    }
}

/// NOTIFY for a provisioned zone or a catalog is accepted from its master (with its
/// key).
fn master_acl(m: &SuperMaster) -> Acl {
    Acl {
        entries: vec![AclEntry {
            prefix: Some(ipnet::IpNet::from(m.addr.ip())),
            key: m.key.clone(),
        }],
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

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn provision(confirmed: bool, catalog_serial: u32, created_at: u64) -> Provision {
        Provision {
            catalog: "catalog.example.".into(),
            master: "127.0.0.1:53".into(),
            confirmed,
            catalog_serial,
            created_at,
        }
    }

    #[test]
    fn zones_leave_with_their_catalog_after_the_grace() {
        let (now, grace) = (1_000_000, 60);
        // A member that left the catalog goes at once.
        assert!(leaves_with(&provision(true, 5, now), 6, now, grace));
        // A zone created by a NOTIFY: not by the catalog current at its creation,
        // nor by a newer one within the grace (it may have been built before the
        // producer listed the zone) …
        assert!(!leaves_with(
            &provision(false, 5, now),
            5,
            now + 1000,
            grace
        ));
        assert!(!leaves_with(&provision(false, 5, now), 6, now + 1, grace));
        // … but by a newer one after it.
        assert!(leaves_with(
            &provision(false, 5, now),
            6,
            now + grace,
            grace
        ));
        assert!(leaves_with(&provision(false, 5, now), 6, now, 0));
        // Records written before creation times were kept: old enough.
        assert!(leaves_with(&provision(false, 5, 0), 6, now, grace));
    }
}
