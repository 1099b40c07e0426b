//! The super slave side of the manager (`super-masters:`): each master's catalog is
//! a secondary zone, and the zones it lists are provisioned as secondary zones of
//! that master. What to create, keep, reset or delete is the catalog consumer's
//! decision ([`consumer::plan`]); this file carries the decisions out (zone tasks,
//! provisioning records) and drives the bulk refresh.
//!
//! # Data flow
//! A watcher parses every published version of a consumed catalog and sends it to
//! the manager ([`ZoneCommand::Catalog`]); [`ZoneSet::on_catalog`] plans over every
//! consumed catalog's last version and what the store says we hold, then acts. A
//! NOTIFY for an unknown zone from a super master provisions the zone at once,
//! unconfirmed until its catalog lists it. Ownership, member ids and groups survive
//! restarts (store table `provisioned`).
//!
//! A bulk refresh costs O(change), not O(zones): a catalog version that changed only
//! member serials skips the plan (nothing it decides can change) and looks only at the
//! members whose serial changed; the members that did not change are vouched for by
//! the catalog's word ([`crate::sync::vouch`]), written once and taken up by each
//! member at its own deadline. Members share their settings (one per master and
//! groups).
//!
//! # Standards
//! See [`consumer`] for RFC 9432 §5; §6: consumers should restrict what they
//! accept — here only members of catalogs from the configured super masters,
//! transferred from that master with its key.
//!
//! # Limitations
//! - A reset (RFC 9432 §5.3) stops the zone's task and purges its data; a commit
//!   that the stopped task had in flight at that very moment can land after the
//!   purge, and is then replaced by the fresh transfer's commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tracing::{debug, error, info, warn};

use crate::acl::{Acl, AclEntry};
use crate::config::{KeyRing, SuperMaster};
use crate::store::Provision;
use crate::zone::Name;
use crate::zone::serial::Serial;

use super::super::catalog::{self, Catalog};
use super::super::consumer::{self, Action, ResetReason};
use super::super::gate::GateSettings;
use super::super::secondary::{CatalogMember, PrimaryServer};
use super::super::vouch::CatalogWord;
use super::super::{ZoneEvent, ZoneHandle, ZoneSettings};
use super::{Origin, ZoneCommand, ZoneSet};

//----------- SlaveSide --------------------------------------------------------------

/// A consumed catalog.
struct Consumed {
    /// The catalog's name.
    name: Name,
    /// Its last parsed version (shared with `word`).
    last: Option<Arc<Catalog>>,
    /// A bulk refresh found the catalog newer at the master: the next version
    /// processed also vouches for the members that did not change.
    bulk_pending: bool,
    /// What the catalog vouches for, read by its members' tasks at their deadlines
    /// (written here only: by a bulk refresh that found the catalog current).
    word: CatalogWord,
}

/// What the super slave side keeps.
pub(super) struct SlaveSide {
    /// One per super master, in config order.
    consumed: Vec<Consumed>,
    /// Who provisioned which zone (mirrors the store's `provisioned` table; written
    /// by the manager only, after the store).
    pub(super) provisioned: HashMap<Name, Provision>,
    /// Members' settings by master and groups, shared by the members they fit, for
    /// the config they were built from (`member_settings`; a reload starts afresh).
    settings: MemberSettings,
}

/// The config members' settings were built from, and the settings by master and groups.
type MemberSettings = (
    Option<Arc<crate::config::Config>>,
    HashMap<(usize, Vec<String>), (Arc<ZoneSettings>, crate::config::TimerBounds)>,
);

impl SlaveSide {
    /// The side for `super-masters:`.
    pub(super) fn new(masters: &[SuperMaster]) -> SlaveSide {
        SlaveSide {
            consumed: masters
                .iter()
                .map(|m| Consumed {
                    name: m.catalog.clone(),
                    last: None,
                    bulk_pending: false,
                    word: CatalogWord::default(),
                })
                .collect(),
            provisioned: HashMap::new(),
            settings: (None, HashMap::new()),
        }
    }
}

/// The index of the super master whose catalog holds `p`: the one with the same
/// address and catalog, else the only one with that catalog (an address changed in
/// the config).
fn owner_index(masters: &[SuperMaster], p: &Provision) -> Option<usize> {
    let same_catalog = |m: &SuperMaster| m.catalog.to_string() == p.catalog;
    masters
        .iter()
        .position(|m| same_catalog(m) && m.addr.to_string() == p.master)
        .or_else(|| {
            let mut candidates = masters.iter().enumerate().filter(|(_, m)| same_catalog(m));
            match (candidates.next(), candidates.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
}

/// NOTIFY for a provisioned zone or a catalog is accepted from its master (with its
/// key).
fn master_acl(m: &SuperMaster) -> Acl {
    Acl {
        entries: vec![AclEntry {
            prefix: Some(ipnet::IpNet::from(m.addr.ip())),
            key: m.key.clone(),
            tls: false,
        }],
    }
}

//----------- Consumers --------------------------------------------------------------

impl ZoneSet {
    /// Starts each super master's catalog as a secondary zone with a watcher that
    /// sends every version here, then the zones provisioned before a restart.
    pub(super) async fn start_consumers(&mut self) {
        let masters = self.config.super_masters.clone();
        for (i, m) in masters.iter().enumerate() {
            let settings = Arc::new(ZoneSettings {
                allow_transfer: Acl::default(),
                also_notify: Vec::new(),
                notify: crate::config::NotifyMode::No,
                allow_notify: master_acl(m),
                secondary: true,
                catalog: true,
                gate: crate::sync::gate::GateSettings::default(),
            });
            let handle = self.start_secondary(
                m.catalog.clone(),
                vec![self.master_server(m)],
                settings,
                self.config.timers,
                Origin::Catalog,
                None,
            );
            info!(catalog = %m.catalog, master = %m.addr, "super slave: consuming catalog");
            let snapshot = handle.published.clone();
            let commands = self.commands.clone();
            let catalog_name = m.catalog.clone();
            self.tasks.spawn(async move {
                // The version served now (a catalog restored from the store), then
                // each one after it, until the catalog's task is gone.
                let mut seen = snapshot.version();
                loop {
                    let published = snapshot.get();
                    if let Some(published) = published {
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
                    match snapshot.changed(seen).await {
                        Some(now) => seen = now,
                        None => break,
                    }
                }
            });
        }
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
            let Some(i) = owner_index(&masters, &p) else {
                warn!(zone = %zone, catalog = %p.catalog, "provisioned by a catalog no longer configured; deleting");
                let store = self.store.clone();
                let _ = tokio::task::spawn_blocking(move || store.delete_provisioned(&zone)).await;
                continue;
            };
            self.start_provisioned(zone.clone(), i, &p.groups, false);
            self.slave.provisioned.insert(zone, p);
        }
    }

    /// How super master `m` is reached for its catalog and member zones.
    fn master_server(&self, m: &SuperMaster) -> PrimaryServer {
        PrimaryServer {
            addr: m.addr,
            key: m.key.clone(),
            ixfr: true,
            ixfr_udp: false,
            tls: m.tls.clone(),
        }
    }

    /// Starts a provisioned zone of super master `master`, with the template its
    /// `groups` pick (or the defaults); `fresh` when it was just created.
    fn start_provisioned(&mut self, zone: Name, master: usize, groups: &[String], fresh: bool) {
        let m = self.config.super_masters[master].clone();
        let (settings, timers) = self.member_settings(&zone, master, groups);
        let server = self.master_server(&m);
        let member = CatalogMember {
            word: self.slave.consumed[master].word.clone(),
            fresh,
        };
        self.start_secondary(
            zone,
            vec![server],
            settings,
            timers,
            Origin::Provisioned,
            Some(member),
        );
    }

    /// The settings and timer bounds of a member of super master `master`'s catalog
    /// in `groups`: built once per master and groups under one config, and shared by
    /// every such member (a hundred thousand members hold one copy, not one each).
    fn member_settings(
        &mut self,
        zone: &Name,
        master: usize,
        groups: &[String],
    ) -> (Arc<ZoneSettings>, crate::config::TimerBounds) {
        let cache = &mut self.slave.settings;
        if !cache
            .0
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, &self.config))
        {
            *cache = (Some(self.config.clone()), HashMap::new());
        }
        if let Some(found) = cache.1.get(&(master, groups.to_vec())) {
            return found.clone();
        }
        let m = self.config.super_masters[master].clone();
        let config = self.config.clone();
        let d = &config.defaults;
        let (allow_transfer, also_notify, notify, timers, gate) = match config.template_for(groups)
        {
            Some(t) => (
                t.allow_transfer.clone(),
                t.also_notify.clone(),
                t.notify,
                t.timers,
                GateSettings {
                    zonemd: t.zonemd_verify,
                    verify: t.verify.clone(),
                },
            ),
            None => {
                if !groups.is_empty() && !config.templates.is_empty() {
                    debug!(zone = %zone, groups = %groups.join(","), "no template for the member's groups; defaults used");
                }
                (
                    d.allow_transfer.clone(),
                    d.also_notify.clone(),
                    d.notify,
                    config.timers,
                    GateSettings {
                        zonemd: d.zonemd_verify,
                        verify: d.verify.clone(),
                    },
                )
            }
        };
        let settings = Arc::new(ZoneSettings {
            allow_transfer,
            also_notify,
            notify,
            allow_notify: master_acl(&m),
            secondary: true,
            catalog: false,
            gate,
        });
        self.slave
            .settings
            .1
            .insert((master, groups.to_vec()), (settings.clone(), timers));
        (settings, timers)
    }

    /// Restarts every provisioned zone with the settings the config now gives it
    /// (reload changed the defaults or the templates); their data stays.
    pub(super) fn restart_provisioned(&mut self) {
        let zones: Vec<(Name, usize, Vec<String>)> = self
            .slave
            .provisioned
            .iter()
            .filter_map(|(z, p)| {
                owner_index(&self.config.super_masters, p).map(|i| (z.clone(), i, p.groups.clone()))
            })
            .collect();
        for (zone, master, groups) in zones {
            self.stop_zone(&zone);
            self.start_provisioned(zone, master, &groups, false);
        }
    }

    /// Writes provisioning records in one transaction (a burst of a thousand new
    /// zones is one write, not a thousand), then, when `start`, starts the zones.
    /// Nothing starts when the store refuses the records.
    async fn record(&mut self, records: Vec<(Name, Provision)>, start: Option<usize>) {
        if records.is_empty() {
            return;
        }
        let store = self.store.clone();
        let written = records.clone();
        match tokio::task::spawn_blocking(move || store.set_provisioned_many(&written)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                error!(zones = records.len(), error = %e,
                    "cannot record the provisioned zones; not creating them");
                return;
            }
            Err(e) => {
                error!(error = %e, "store task failed");
                return;
            }
        }
        for (zone, p) in records {
            if let Some(master) = start {
                self.start_provisioned(zone.clone(), master, &p.groups, true);
                crate::metrics::get().provisioned();
            }
            self.slave.provisioned.insert(zone, p);
        }
    }

    /// A provisioning record for a zone of super master `master`.
    fn provision_record(
        &self,
        master: usize,
        id: Option<Vec<u8>>,
        groups: Vec<String>,
    ) -> Provision {
        let m = &self.config.super_masters[master];
        let catalog_serial = self.slave.consumed[master]
            .last
            .as_ref()
            .map_or(0, |c| c.serial);
        Provision {
            catalog: m.catalog.to_string(),
            master: m.addr.to_string(),
            confirmed: id.is_some(),
            catalog_serial,
            created_at: crate::sync::timers::unix_now(),
            id,
            groups,
        }
    }

    /// Creates the zones that super master `master` sent NOTIFY for, unconfirmed
    /// until its catalog lists them.
    pub(super) async fn create_notified(&mut self, pending: Option<(usize, Vec<Name>)>) {
        if let Some((master, zones)) = pending {
            let p = self.provision_record(master, None, Vec::new());
            let records = zones.into_iter().map(|z| (z, p.clone())).collect();
            self.record(records, Some(master)).await;
        }
    }

    //--- Catalog versions

    /// A new version of super master `master`'s catalog: the consumer's plan over
    /// every consumed catalog, carried out.
    pub(super) async fn on_catalog(&mut self, master: usize, catalog: Catalog) {
        let owner = self.config.super_masters[master].catalog.to_string();
        let serial = catalog.serial;
        let members = catalog.members.len();
        let catalog = Arc::new(catalog);
        // What the word said of members unchanged in this version still holds.
        self.slave.consumed[master].word.repoint(catalog.clone());
        let previous = self.slave.consumed[master].last.replace(catalog);
        // Only member serials changed (a bulk refresh's usual catalog IXFR) and every
        // member is held, confirmed, by this catalog alone: the plan would keep every
        // zone as it is, so it is not made (it costs a pass over every held zone and
        // every catalog); only the members whose serial changed are looked at.
        let unchanged = previous
            .as_ref()
            .filter(|p| self.settled(master, p) && catalog::same_members(p, self.last(master)));
        if let Some(previous) = unchanged {
            info!(catalog = %owner, serial, members, added = 0, removed = 0, migrated = 0,
                reset = 0, "catalog processed (member serials only)");
            let confirm = std::mem::take(&mut self.slave.consumed[master].bulk_pending);
            let previous = previous.clone();
            self.check_members(master, confirm, Some(&previous));
            return;
        }
        let decisions = self.plan();

        let mut counts = Counts::default();
        // New zones and resets, per source, recorded in one write each.
        let mut create: BTreeMap<usize, Vec<(Name, Provision)>> = BTreeMap::new();
        let mut rewrite = Vec::new();
        let mut refused: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for d in decisions {
            let groups = self.member_groups(d.source, &d.zone);
            match d.action {
                Action::Add { id } => {
                    counts.added += 1;
                    let p = self.provision_record(d.source, Some(id), groups);
                    create.entry(d.source).or_default().push((d.zone, p));
                }
                Action::Reset { id, reason } => {
                    match reason {
                        ResetReason::NewId => {
                            counts.reset += 1;
                            info!(zone = %d.zone, "member's unique-id changed: zone reset, transferring it afresh (RFC 9432 §5.3)");
                        }
                        ResetReason::Migrated { from } => {
                            counts.migrated += 1;
                            info!(zone = %d.zone, from = %self.slave.consumed[from].name,
                                to = %self.slave.consumed[d.source].name, "member migrated");
                        }
                    }
                    self.delete(&d.zone).await;
                    let p = self.provision_record(d.source, Some(id), groups);
                    create.entry(d.source).or_default().push((d.zone, p));
                }
                Action::Keep { id, update } => {
                    let Some(p) = self.slave.provisioned.get(&d.zone) else {
                        continue;
                    };
                    let regroup = id.is_some() && p.groups != groups;
                    if update || regroup {
                        let mut p = p.clone();
                        p.confirmed = p.confirmed || id.is_some();
                        p.id = id.or(p.id);
                        if regroup {
                            info!(zone = %d.zone, groups = %groups.join(","), "member's group changed: restarting it with its template");
                            p.groups = groups;
                            self.stop_zone(&d.zone);
                            self.start_provisioned(d.zone.clone(), d.source, &p.groups, false);
                        }
                        rewrite.push((d.zone, p));
                    }
                }
                Action::Remove => {
                    counts.removed += 1;
                    info!(zone = %d.zone, catalog = %self.slave.consumed[d.source].name, "member left the catalog: zone deleted");
                    self.delete(&d.zone).await;
                    crate::metrics::get().deprovisioned();
                }
                Action::RemoveRefused { count, max } => {
                    refused.insert(d.source, (count, max));
                }
                Action::Local => {
                    debug!(zone = %d.zone, "member is configured locally; the local zone wins");
                }
            }
        }
        for (source, (count, max)) in refused {
            error!(catalog = %self.slave.consumed[source].name, would_delete = count, max_deletions = max,
                "catalog update would delete more zones than max-deletions allows; refusing (no zone deleted)");
        }
        for (source, records) in create {
            self.record(records, Some(source)).await;
        }
        self.record(rewrite, None).await;
        info!(catalog = %owner, serial, members, added = counts.added, removed = counts.removed,
            migrated = counts.migrated, reset = counts.reset, "catalog processed");
        // Members the catalog says changed are transferred; the others are vouched
        // for only when a bulk refresh asked for this version (only then is the
        // catalog known current at the master).
        let confirm = std::mem::take(&mut self.slave.consumed[master].bulk_pending);
        self.check_members(master, confirm, None);
    }

    /// The last version of super master `master`'s catalog (set by `on_catalog`).
    fn last(&self, master: usize) -> &Catalog {
        self.slave.consumed[master]
            .last
            .as_deref()
            .expect("set before it is read")
    }

    /// True when the zones super master `master`'s catalog `listed` lists are exactly
    /// the zones this catalog holds, each confirmed under the unique-id listed (no zone
    /// a NOTIFY created waits for its listing, no member is configured locally or held
    /// by another catalog, no record lags behind its listing): a new version with the
    /// same members then changes nothing the plan decides.
    fn settled(&self, master: usize, listed: &Catalog) -> bool {
        let owner = self.config.super_masters[master].catalog.to_string();
        let held = self
            .slave
            .provisioned
            .values()
            .filter(|p| p.catalog == owner)
            .count();
        held == listed.members.len()
            && listed.members.iter().all(|(zone, member)| {
                self.slave.provisioned.get(zone).is_some_and(|p| {
                    p.confirmed && p.catalog == owner && p.id.as_ref() == Some(&member.id)
                })
            })
    }

    /// The consumer's plan over every consumed catalog's last version.
    fn plan(&self) -> Vec<consumer::Decision> {
        let masters = &self.config.super_masters;
        let sources: Vec<consumer::Source<'_>> = self
            .slave
            .consumed
            .iter()
            .zip(masters)
            .map(|(c, m)| consumer::Source {
                catalog: c.last.as_deref(),
                max_deletions: m.max_deletions,
                unlisted_grace: m.unlisted_grace.as_secs(),
            })
            .collect();
        let held: BTreeMap<Name, consumer::Held> = self
            .slave
            .provisioned
            .iter()
            .map(|(zone, p)| {
                let held = consumer::Held {
                    source: owner_index(masters, p),
                    id: p.id.clone(),
                    unconfirmed: (!p.confirmed).then_some(consumer::Unconfirmed {
                        catalog_serial: p.catalog_serial,
                        created_at: p.created_at,
                    }),
                };
                (zone.clone(), held)
            })
            .collect();
        let local = |zone: &Name| {
            self.running
                .get(zone)
                .is_some_and(|r| r.origin != Origin::Provisioned)
        };
        consumer::plan(&sources, &held, &local, crate::sync::timers::unix_now())
    }

    /// The `group` property values of `zone` in source `source`'s last catalog.
    fn member_groups(&self, source: usize, zone: &Name) -> Vec<String> {
        self.slave.consumed[source]
            .last
            .as_ref()
            .and_then(|c| c.members.get(zone))
            .map(|m| m.groups.clone())
            .unwrap_or_default()
    }

    //--- Bulk refresh

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
    /// not keep zones alive past EXPIRE). Confirming writes the catalog's word once
    /// ([`crate::sync::vouch`]); the members take it up at their own deadlines.
    pub(super) fn on_bulk_checked(&mut self, master: usize, serial: Result<u32, String>) {
        let c = &self.slave.consumed[master];
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
                    self.check_members(master, true, None);
                } else {
                    // This version is on its way to `on_catalog`.
                    self.slave.consumed[master].bulk_pending = true;
                }
            }
            (Ok(theirs), Some(ours)) if !Serial(theirs).is_newer_than(Serial(ours)) => {
                warn!(catalog = %c.name, ours, theirs,
                    "bulk refresh: the master's catalog is older than ours (RFC 1982); members keep their own timers");
            }
            (Ok(theirs), ours) => {
                info!(catalog = %c.name, serial = theirs, ours, "bulk refresh: catalog changed; transferring it");
                // Newer transfers without another SOA query; a zone that is not
                // served (expired) takes a full refresh.
                r.handle.send(match ours {
                    Some(_) => ZoneEvent::Newer { serial: theirs },
                    None => ZoneEvent::Refresh,
                });
                self.slave.consumed[master].bulk_pending = true;
            }
        }
    }

    /// Drives the members of super master `master`'s last catalog that it
    /// provisioned. With member serials (a zonesync catalog): a member the catalog
    /// says is newer transfers at once, without an SOA query; with `confirm`, the
    /// catalog's word vouches for every member at the catalog's serial, now (one
    /// write, no event to any member: each takes the word up at its own deadline). A
    /// foreign catalog has no serials: with `confirm`, every member checks its SOA,
    /// paced and jittered. With `previous`, a version with the same members as this
    /// one, only the members whose serial changed since are looked at (the others
    /// were when `previous` was processed).
    fn check_members(&mut self, master: usize, confirm: bool, previous: Option<&Catalog>) {
        let c = &self.slave.consumed[master];
        let Some(cat) = &c.last else {
            return;
        };
        if confirm && cat.has_serials {
            debug!(catalog = %c.name, serial = cat.serial, "catalog current: its word vouches for its members");
            c.word.set(crate::sync::timers::unix_now(), cat.clone());
        }
        let owner = c.name.to_string();
        let owned = |zone: &Name| {
            self.slave
                .provisioned
                .get(zone)
                .is_some_and(|p| p.catalog == owner)
        };
        if cat.has_serials {
            let changed: Box<dyn Iterator<Item = (&Name, &catalog::Member)>> = match previous {
                Some(p) => Box::new(
                    cat.members
                        .iter()
                        .zip(p.members.values())
                        .filter(|((_, now), before)| now.serial != before.serial)
                        .map(|(m, _)| m),
                ),
                None => Box::new(cat.members.iter()),
            };
            for (zone, member) in changed {
                let (Some(serial), Some(r)) = (member.serial, self.running.get(zone)) else {
                    continue;
                };
                if r.origin != Origin::Provisioned || !owned(zone) {
                    continue;
                }
                match r.handle.current().map(|p| p.version.serial()) {
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
                    let pause = 20 + crate::sync::timers::random() % 30;
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
            });
        }
    }
}

/// What one catalog version did, for the log.
#[derive(Default)]
struct Counts {
    added: usize,
    removed: usize,
    migrated: usize,
    reset: usize,
}

/// The serial of `catalog` at its super master: an SOA query over UDP, then over TCP
/// when UDP fails.
async fn catalog_serial(
    server: &PrimaryServer,
    catalog: &Name,
    ring: &KeyRing,
) -> Result<u32, String> {
    let opts = crate::xfr::ClientOptions {
        key: server.resolve_key(ring).map_err(|e| e.to_string())?,
        timeout: Duration::from_secs(5),
        udp_attempts: 2,
        tls: server.tls.clone(),
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

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn master(addr: &str, catalog: &str) -> SuperMaster {
        SuperMaster {
            addr: addr.parse().unwrap(),
            key: None,
            catalog: catalog.parse().unwrap(),
            tls: None,
            max_deletions: 100,
            unlisted_grace: Duration::from_secs(60),
        }
    }

    #[test]
    fn records_written_before_ids_were_kept_still_read() {
        let p: Provision = serde_json::from_str(
            r#"{"catalog":"catalog.invalid.","master":"127.0.0.1:53","confirmed":true,"catalog_serial":5}"#,
        )
        .unwrap();
        assert_eq!((p.id, p.groups.len(), p.created_at), (None, 0, 0));
    }

    #[test]
    fn owners_are_found_by_master_and_catalog() {
        let masters = [
            master("127.0.0.1:53", "catalog.invalid."),
            master("127.0.0.2:53", "catalog.invalid."),
            master("127.0.0.3:53", "other.invalid."),
        ];
        let p = |m: &str, c: &str| Provision {
            catalog: c.into(),
            master: m.into(),
            confirmed: true,
            catalog_serial: 1,
            created_at: 0,
            id: None,
            groups: Vec::new(),
        };
        assert_eq!(
            owner_index(&masters, &p("127.0.0.2:53", "catalog.invalid.")),
            Some(1)
        );
        // An address changed in the config: the only master with that catalog.
        assert_eq!(
            owner_index(&masters, &p("127.0.0.9:53", "other.invalid.")),
            Some(2)
        );
        // … but never a guess between two.
        assert_eq!(
            owner_index(&masters, &p("127.0.0.9:53", "catalog.invalid.")),
            None
        );
        assert_eq!(
            owner_index(&masters, &p("127.0.0.1:53", "gone.invalid.")),
            None
        );
    }
}
