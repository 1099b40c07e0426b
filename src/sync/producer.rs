//! The super master's catalog: a zone that zonesync writes itself, listing every
//! primary zone it serves with its current serial, kept up to date as zones come, go
//! and change.
//!
//! # Data flow
//! Primary zone tasks report each published serial, and the zone-set manager each
//! deleted zone, into a [`CatalogFeed`] (a coalescing map, so no update is ever
//! dropped and a burst of a thousand zones costs one catalog version or a few). The
//! producer task wakes, waits a moment for the burst to settle, builds the new catalog
//! ([`catalog::build`]), diffs it against the served one, commits the changeset (the
//! journal lets super slaves fetch it by IXFR), publishes, and NOTIFYs the super
//! slaves. The catalog answers only SOA queries and transfers (`handle`), as RFC
//! 9432 §7 advises.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tracing::{Instrument, debug, error, info, info_span};

use crate::config::KeyRing;
use crate::store::{JournalLimits, Store};
use crate::zone::changeset::diff;
use crate::zone::serial::Serial;
use crate::zone::version::ZoneVersion;
use crate::zone::{Class, Name};

use super::catalog;
use super::inbox::{self, InboxReceiver};
use super::notify_out::{self, Target};
use super::propagation::Tracker;
use super::status::{Role, State, StatusCell, ZoneStatus};
use super::{Published, Publisher, ZoneHandle, ZoneSettings};

/// How long the producer waits after the first change for more (a burst of new
/// zones becomes one catalog version).
const SETTLE: Duration = Duration::from_millis(100);

//----------- CatalogFeed ------------------------------------------------------------

/// Member updates on their way to the producer: the latest word per zone.
#[derive(Debug, Default)]
pub struct CatalogFeed {
    /// Zone → its serial, or `None` when it is gone. Written by zone tasks and the
    /// zone-set manager, drained by the producer.
    pending: Mutex<HashMap<Name, Option<u32>>>,
    /// The complete member list, when the zone-set manager knows it (start-up):
    /// members not in it are dropped.
    full: Mutex<Option<Vec<Name>>>,
    /// Wakes the producer.
    wake: Notify,
}

impl CatalogFeed {
    /// A primary zone now serves `serial` (or is gone, with `None`).
    pub fn member(&self, zone: &Name, serial: Option<u32>) {
        self.pending
            .lock()
            .expect("catalog feed lock poisoned")
            .insert(zone.clone(), serial);
        self.wake.notify_one();
    }

    /// Several updates at once: they land in the same catalog version.
    pub fn members(&self, updates: impl IntoIterator<Item = (Name, Option<u32>)>) {
        self.pending
            .lock()
            .expect("catalog feed lock poisoned")
            .extend(updates);
        self.wake.notify_one();
    }

    /// The full set of member zones (drops stale members after a restart).
    pub fn all_members(&self, zones: Vec<Name>) {
        *self.full.lock().expect("catalog feed lock poisoned") = Some(zones);
        self.wake.notify_one();
    }
}

//----------- Producer ---------------------------------------------------------------

/// Starts the catalog producer for catalog zone `name`; returns its handle (to
/// register as a zone) and its feed. The super slaves' keys (named in `targets`) are
/// resolved in `ring` at each NOTIFY.
pub fn spawn(
    name: Name,
    settings: Arc<ZoneSettings>,
    targets: Vec<Target>,
    store: Arc<Store>,
    ring: Arc<KeyRing>,
    tasks: &mut JoinSet<()>,
) -> (Arc<ZoneHandle>, Arc<CatalogFeed>) {
    let (publish, published) = Publisher::new();
    // Control events (SendNotify) only; member updates come through the feed.
    let (events, inbox) = inbox::inbox();
    let status = StatusCell::new(ZoneStatus::new(Role::Catalog, vec!["(generated)".into()]));
    let handle = Arc::new(ZoneHandle {
        name: name.clone(),
        published,
        inbox: events,
        settings,
        status: status.clone(),
        propagation: Tracker::default(),
    });
    let feed = Arc::new(CatalogFeed::default());
    let producer = Producer {
        name: name.clone(),
        store,
        publish,
        feed: feed.clone(),
        targets,
        ring,
        members: BTreeMap::new(),
        version: None,
        notify_round: JoinSet::new(),
        status,
        propagation: handle.propagation.clone(),
    };
    tasks.spawn(
        producer
            .run(inbox)
            .instrument(info_span!("catalog", zone = %name)),
    );
    (handle, feed)
}

struct Producer {
    name: Name,
    store: Arc<Store>,
    publish: Publisher,
    feed: Arc<CatalogFeed>,
    /// The super slaves.
    targets: Vec<Target>,
    /// The live key table the super slaves' keys are resolved in, at each NOTIFY.
    ring: Arc<KeyRing>,
    /// The members and their serials, as the served catalog lists them.
    members: BTreeMap<Name, u32>,
    /// The served catalog.
    version: Option<Arc<ZoneVersion>>,
    notify_round: JoinSet<()>,
    /// The catalog's status (this task is the only writer).
    status: StatusCell,
    /// The catalog's propagation view: told of each serial published and NOTIFY round.
    propagation: Tracker,
}

impl Producer {
    async fn run(mut self, mut inbox: InboxReceiver) {
        self.restore().await;
        loop {
            tokio::select! {
                pending = inbox.recv() => match pending {
                    // Nothing else applies to a catalog this server writes itself.
                    Some(p) if p.notify_out => self.notify(),
                    Some(_) => {}
                    None => break,
                },
                _ = self.feed.wake.notified() => {
                    tokio::time::sleep(SETTLE).await;
                    self.update().await;
                }
            }
        }
        self.notify_round.abort_all();
    }

    /// Serves the stored catalog, if any.
    async fn restore(&mut self) {
        let store = self.store.clone();
        let name = self.name.clone();
        let loaded = tokio::task::spawn_blocking(move || store.load_zone(&name)).await;
        if let Ok(Ok(Some((_, records)))) = loaded
            && let Ok(v) = ZoneVersion::from_records(self.name.clone(), Class::IN, records)
        {
            if let Ok(c) = catalog::parse(&v) {
                self.members = c
                    .members
                    .into_values()
                    .filter_map(|m| Some((m.zone, m.serial?)))
                    .collect();
            }
            info!(
                serial = v.serial(),
                members = self.members.len(),
                "catalog restored from the store"
            );
            self.install(Arc::new(v));
        }
    }

    /// Applies the pending member updates; commits a new catalog version if anything
    /// changed.
    async fn update(&mut self) {
        let pending: HashMap<Name, Option<u32>> = std::mem::take(
            &mut *self
                .feed
                .pending
                .lock()
                .expect("catalog feed lock poisoned"),
        );
        let full = self
            .feed
            .full
            .lock()
            .expect("catalog feed lock poisoned")
            .take();
        let mut members = self.members.clone();
        if let Some(all) = full {
            // A set: a hundred thousand members looked up in a list were 10^10
            // comparisons, half a minute of a start-up.
            let all: std::collections::HashSet<Name> = all.into_iter().collect();
            members.retain(|zone, _| all.contains(zone));
        }
        for (zone, serial) in pending {
            match serial {
                Some(s) => {
                    members.insert(zone, s);
                }
                None => {
                    members.remove(&zone);
                }
            }
        }
        if members == self.members && self.version.is_some() {
            return;
        }
        let serial = match &self.version {
            Some(v) => Serial(v.serial()).next().0,
            None => 1,
        };
        let records = catalog::build(&self.name, serial, &members);
        let new = match ZoneVersion::from_records(self.name.clone(), Class::IN, records) {
            Ok(v) => v,
            Err(e) => {
                error!(error = %e, "cannot build the catalog");
                return;
            }
        };
        let store = self.store.clone();
        let name = self.name.clone();
        let old = self.version.clone();
        let new = Arc::new(new);
        let for_store = new.clone();
        let committed = tokio::task::spawn_blocking(move || match old {
            Some(old) => store.apply_changeset(
                &name,
                &diff(&old, &for_store),
                JournalLimits::default(),
                None,
            ),
            None => store.replace_zone_version(&name, for_store, None, None, true),
        })
        .await;
        match committed {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                error!(error = %e, "cannot store the catalog; keeping the served version");
                return;
            }
            Err(e) => {
                error!(error = %e, "catalog store task failed");
                return;
            }
        }
        let (added, removed) = (
            members
                .keys()
                .filter(|z| !self.members.contains_key(*z))
                .count(),
            self.members
                .keys()
                .filter(|z| !members.contains_key(*z))
                .count(),
        );
        info!(
            serial,
            members = members.len(),
            added,
            removed,
            "catalog updated"
        );
        self.members = members;
        self.install(new);
        self.notify();
    }

    fn install(&mut self, v: Arc<ZoneVersion>) {
        self.publish.set(Some(Arc::new(Published::new(v.clone()))));
        let serial = v.serial();
        self.propagation.on_published(serial);
        self.status.update(|s| {
            s.state = State::Ok;
            s.serial = Some(serial);
            s.last_refresh = Some(super::timers::unix_now());
        });
        self.version = Some(v);
    }

    fn notify(&mut self) {
        let Some(v) = self.version.clone() else {
            return;
        };
        self.notify_round.abort_all();
        debug!(
            serial = v.serial(),
            targets = self.targets.len(),
            "catalog NOTIFY"
        );
        notify_out::spawn_round(
            &mut self.notify_round,
            self.publish.snapshot(),
            &v,
            self.targets.clone(),
            &self.ring,
            &self.propagation,
        );
    }
}
