//! Live zone state: the registry of zones the server answers for, and one writer per
//! zone: a task of its own, or, for the zones a super master provisioned, a step run
//! by the [`members`] scheduler while the zone has work (never two at once).
//!
//! # Data flow
//! Each zone has a [`ZoneHandle`]: readers (the listeners, transfers out) take the
//! current [`Published`] version from its [`Snapshot`] (an `Arc` cloned under a read
//! lock, dropped at once) and never wait for a writer. Events (a file changed,
//! SIGHUP, a NOTIFY, a timer, a control command) are merged into the zone task's
//! [`inbox`] (one pending value per zone, never full, never losing work); the task
//! parses, diffs, persists ([`crate::store`]), publishes, then notifies — in that
//! order (STYLE.md rule 4).
//!
//! The [`Registry`] maps zone names to handles. It is copy-on-write: adding or
//! removing a zone builds a new table and swaps it in, so a query's lookup takes no
//! lock that a writer could hold for long.

pub mod bound;
pub mod catalog;
pub mod consumer;
pub mod gate;
pub mod inbox;
pub mod manager;
pub mod members;
pub mod mirror;
pub mod notify_out;
pub mod primary;
pub mod producer;
pub mod propagation;
pub mod secondary;
pub mod status;
pub mod timers;
pub mod vouch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};

use tokio::sync::Notify;

use crate::acl::Acl;
use crate::answer::cache::AnswerCache;
use crate::config::NotifyTarget;
use crate::zone::Name;
use crate::zone::version::ZoneVersion;

//----------- Published --------------------------------------------------------------

/// What readers see of a zone: one immutable version and the answers encoded from it.
#[derive(Debug)]
pub struct Published {
    /// The zone's content.
    pub version: Arc<ZoneVersion>,
    /// Encoded answers for this version (filled on demand by the listeners).
    pub cache: AnswerCache,
}

impl Published {
    /// Wraps a version with an empty answer cache (sized for the zone).
    pub fn new(version: Arc<ZoneVersion>) -> Published {
        Published {
            cache: AnswerCache::for_records(version.record_count()),
            version,
        }
    }
}

//----------- Snapshot ---------------------------------------------------------------

/// A zone's current [`Published`] version as readers see it. The zone's one writer
/// sets it through its [`Publisher`]; every reader takes it with [`Snapshot::get`]
/// (a read lock held for an `Arc` clone, never across anything else), and a catalog's
/// consumer waits for the next one with [`Snapshot::changed`]. 88 octets a zone (its
/// `Arc` included): the `watch` channel it replaces took 344, a hundred thousand
/// zones' 34 MB.
#[derive(Debug, Default)]
pub struct Snapshot {
    current: RwLock<Option<Arc<Published>>>,
    /// How many times it was set.
    version: AtomicU64,
    /// Set when the [`Publisher`] is dropped (the zone's writer is gone).
    closed: AtomicBool,
    /// Set when the [`Registry`]'s published table first holds the zone: from then
    /// on the server answers for it (see [`Snapshot::listed`]).
    listed: AtomicBool,
    /// Wakes [`Snapshot::changed`] after a set or the drop, and
    /// [`Snapshot::listed`] when the zone is listed.
    changed: Notify,
}

impl Snapshot {
    /// The current version and its answers, if the zone is served.
    pub fn get(&self) -> Option<Arc<Published>> {
        self.current.read().expect("snapshot lock poisoned").clone()
    }

    /// True when the zone is served.
    pub fn is_some(&self) -> bool {
        self.current
            .read()
            .expect("snapshot lock poisoned")
            .is_some()
    }

    /// How many times it was set so far (for [`Snapshot::changed`]).
    pub fn version(&self) -> u64 {
        self.version.load(AtomicOrdering::Acquire)
    }

    /// Waits until it was set again after [`Snapshot::version`] said `seen`; returns
    /// the new count, or `None` once the writer is gone.
    pub async fn changed(&self, seen: u64) -> Option<u64> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the look, so a set between the look and the wait is
            // not missed.
            notified.as_mut().enable();
            let now = self.version();
            if now != seen {
                return Some(now);
            }
            if self.closed.load(AtomicOrdering::Acquire) {
                return None;
            }
            notified.await;
        }
    }

    /// Waits until the server answers for the zone (its registry lists it). A zone's
    /// writer tells nobody of it (NOTIFY, our catalog) before that: a secondary told
    /// earlier would ask and be told NOTAUTH, and wait for its retry timer.
    pub async fn listed(&self) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_listed() {
                return;
            }
            notified.await;
        }
    }

    /// True once the server answers for the zone.
    pub fn is_listed(&self) -> bool {
        self.listed.load(AtomicOrdering::Acquire)
    }

    /// Marks the zone listed (the registry's published table holds it).
    fn list(&self) {
        if !self.listed.swap(true, AtomicOrdering::AcqRel) {
            self.changed.notify_waiters();
        }
    }
}

/// The writing side of a zone's [`Snapshot`], held by the zone's one writer. Dropping
/// it ends the waits in [`Snapshot::changed`].
#[derive(Debug)]
pub struct Publisher(Arc<Snapshot>);

impl Publisher {
    /// A publisher and the snapshot it writes, empty (the zone not served).
    pub fn new() -> (Publisher, Arc<Snapshot>) {
        let snapshot = Arc::new(Snapshot::default());
        (Publisher(snapshot.clone()), snapshot)
    }

    /// Replaces what readers see (`None`: the zone is not served, SERVFAIL).
    pub fn set(&self, published: Option<Arc<Published>>) {
        let old = std::mem::replace(
            &mut *self.0.current.write().expect("snapshot lock poisoned"),
            published,
        );
        // The old version is freed (when this held its last reference) outside the
        // lock.
        drop(old);
        self.0.version.fetch_add(1, AtomicOrdering::AcqRel);
        self.0.changed.notify_waiters();
    }

    /// What readers see now.
    pub fn get(&self) -> Option<Arc<Published>> {
        self.0.get()
    }

    /// True when the zone is served.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The snapshot it writes.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.0
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.0.closed.store(true, AtomicOrdering::Release);
        self.0.changed.notify_waiters();
    }
}

//----------- ZoneHandle -------------------------------------------------------------

/// Events a zone task acts on: the input vocabulary of its inbox, where repeated
/// events merge into one [`inbox::Pending`] (see the merge table there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneEvent {
    /// Primary zones: re-read the zone file (it changed, or SIGHUP).
    Reload,
    /// Secondary zones: a primary sent NOTIFY (with its SOA hint, if any).
    NotifyIn {
        /// The serial of the NOTIFY's SOA hint.
        serial: Option<u32>,
    },
    /// Secondary zones: check the primary now.
    Refresh,
    /// Secondary zones: the super master's catalog says the primary serves `serial`;
    /// when that is newer than ours, transfer without asking for the SOA first.
    Newer {
        /// The primary's serial.
        serial: u32,
    },
    /// Secondary zones: the catalog confirms the primary serves `serial`; when that is
    /// ours, the zone is current (timers restart, no query is sent).
    Current {
        /// The primary's serial.
        serial: u32,
    },
    /// Secondary zones: transfer the whole zone now.
    Retransfer,
    /// Send NOTIFY for the current serial again.
    SendNotify,
}

/// Settings of a zone that the listeners need (who may transfer it), and the gate
/// its task puts new versions through.
#[derive(Debug, Clone)]
pub struct ZoneSettings {
    /// Who may transfer the zone out.
    pub allow_transfer: Acl,
    /// Extra NOTIFY targets besides the NS hosts.
    pub also_notify: Vec<NotifyTarget>,
    /// Whom NOTIFY goes to (nobody, `also-notify` only, or the NS hosts too).
    pub notify: crate::config::NotifyMode,
    /// For secondary zones: who may NOTIFY us (the primaries, with their keys); empty
    /// for primary zones.
    pub allow_notify: Acl,
    /// True for secondary zones.
    pub secondary: bool,
    /// True for catalog zones: only SOA queries and transfers are answered (RFC 9432
    /// §7), other queries are REFUSED.
    pub catalog: bool,
    /// What every new version must pass before it is persisted, served or notified
    /// (read by the zone's task, not by the listeners).
    pub gate: gate::GateSettings,
}

//----------- TransferSlots ----------------------------------------------------------

/// Concurrency limits for transfers in: in total, and per primary (STYLE.md rule 8);
/// and the small zones received that wait for the store's commit.
#[derive(Debug)]
pub struct TransferSlots {
    /// Transfers in, per primary and in all.
    transfers: bound::PeerBound,
    /// Small zones received and waiting for the store's commit (see
    /// [`TransferSlots::to_commit`]).
    committing: Arc<tokio::sync::Semaphore>,
}

/// Small zones that may wait for the store's commit at once, for each transfer slot.
const COMMITTING_PER_SLOT: usize = 8;

/// A permit held by a small zone received and waiting for its commit.
pub struct CommitPermit {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl TransferSlots {
    /// Limits of `total` transfers at once, `per_primary` from one primary.
    pub fn new(total: usize, per_primary: usize) -> TransferSlots {
        TransferSlots {
            transfers: bound::PeerBound::new(total, per_primary),
            committing: Arc::new(tokio::sync::Semaphore::new(
                total.max(1) * COMMITTING_PER_SLOT,
            )),
        }
    }

    /// Waits for a slot from `primary`, then for one in total; held for the length
    /// of one transfer.
    pub async fn acquire(&self, primary: std::net::SocketAddr) -> bound::Room {
        self.transfers.acquire(primary).await
    }

    /// Trades a transfer's slots for a place among the zones waiting for the store's
    /// commit: for a small zone, whose records are received and cost little to hold,
    /// so that the next transfer from its primary starts while the store writes. The
    /// store writes what waits in one group commit (one fsync), so the more wait, the
    /// fewer commits; the bound (eight for each transfer slot) keeps both that batch
    /// and the memory held bounded.
    pub async fn to_commit(&self, slots: bound::Room) -> CommitPermit {
        let permit = self
            .committing
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        drop(slots);
        CommitPermit { _permit: permit }
    }
}

/// A zone as the rest of the server sees it: its name, its current content, its
/// settings, and the way to send its task events.
#[derive(Debug)]
pub struct ZoneHandle {
    /// The zone's name.
    pub name: Name,
    /// The current content; `None` until the first load succeeded. Written only by
    /// the zone's task (its [`Publisher`]).
    pub published: Arc<Snapshot>,
    /// The zone's task's inbox: events merge into what is pending, so it is never
    /// full and loses no work. Dropping the handle (the inbox's only sender) stops
    /// the task.
    pub inbox: inbox::Inbox,
    /// Settings from the config.
    pub settings: Arc<ZoneSettings>,
    /// What the zone's task reports about itself (written by that task only).
    pub status: status::StatusCell,
    /// Which secondary has which serial: fed by the zone's task (serials published,
    /// NOTIFY rounds) and the listeners (SOA queries, IXFR requests, transfers out).
    pub propagation: propagation::Tracker,
}

impl ZoneHandle {
    /// The current content, if loaded.
    pub fn current(&self) -> Option<Arc<Published>> {
        self.published.get()
    }

    /// Merges an event into the zone task's inbox and wakes the task; returns what is
    /// pending now, this event included (the control endpoint says it).
    pub fn send(&self, event: ZoneEvent) -> inbox::Pending {
        self.inbox.send(event)
    }

    /// What the zone's task has been asked to do and has not started yet.
    pub fn pending(&self) -> inbox::Pending {
        self.inbox.pending()
    }
}

//----------- Registry ---------------------------------------------------------------

/// The zones the server answers for, by lower-cased wire name.
#[derive(Debug, Default)]
pub struct ZoneTable {
    /// Handles by the zone name's lower-cased wire form. Every query looks its zone
    /// up here (once per label of QNAME at worst): foldhash, randomly seeded, is
    /// several times cheaper than SipHash on short keys. Keys are shared, so that a
    /// publication's copy of the table allocates nothing per zone.
    by_wire: HashMap<Arc<[u8]>, Arc<ZoneHandle>, foldhash::fast::RandomState>,
}

impl ZoneTable {
    /// The zone that holds `qname`: the longest zone name `qname` ends with.
    /// `lower` is `qname` in lower-cased wire form.
    pub fn find(&self, lower: &[u8]) -> Option<&Arc<ZoneHandle>> {
        let mut at = 0usize;
        loop {
            if let Some(h) = self.by_wire.get(&lower[at..]) {
                return Some(h);
            }
            let len = *lower.get(at)? as usize;
            if len == 0 {
                return None;
            }
            at += 1 + len;
        }
    }

    /// The zone named exactly `name`.
    pub fn get(&self, name: &Name) -> Option<&Arc<ZoneHandle>> {
        self.by_wire.get(name.to_lowercase().as_wire())
    }

    /// Every zone.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<ZoneHandle>> {
        self.by_wire.values()
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.by_wire.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.by_wire.is_empty()
    }
}

/// The copy-on-write registry of zones.
///
/// Changes are staged and published in batches ([`Registry::publish`]): each
/// publication copies the table once, so starting 10,000 zones (a zones-dir, a
/// catalog) costs one copy, not 10,000 copies of a growing table. A zone is marked
/// listed ([`Snapshot::listed`]) once a published table holds it.
#[derive(Debug, Default)]
pub struct Registry {
    /// The current table. Readers clone the `Arc` and drop the lock at once; the one
    /// writer (the server's zone-set manager) swaps in a new table.
    table: RwLock<Arc<ZoneTable>>,
    /// Changes staged by the zone-set manager since the last publication.
    staged: Mutex<Staged>,
}

/// The changes staged since the last publication, in order.
#[derive(Debug, Default)]
struct Staged {
    changes: Vec<RegistryChange>,
    /// Something other than a zone the published table does not hold was staged: a
    /// removal or a replacement, which waits for the end of its batch.
    not_only_new: bool,
}

/// A staged change of the registry.
#[derive(Debug)]
enum RegistryChange {
    Insert(Arc<ZoneHandle>),
    Remove(Name),
}

impl Registry {
    /// The current table.
    pub fn snapshot(&self) -> Arc<ZoneTable> {
        self.table.read().expect("registry lock poisoned").clone()
    }

    /// Stages adding (or replacing) a zone; readers see it after
    /// [`Registry::publish`].
    pub fn insert(&self, handle: Arc<ZoneHandle>) {
        let new = self.snapshot().get(&handle.name).is_none();
        let mut staged = self.staged.lock().expect("registry lock poisoned");
        staged.not_only_new |= !new;
        staged.changes.push(RegistryChange::Insert(handle));
    }

    /// Stages removing a zone; readers stop seeing it after [`Registry::publish`].
    pub fn remove(&self, name: &Name) {
        let mut staged = self.staged.lock().expect("registry lock poisoned");
        staged.not_only_new = true;
        staged.changes.push(RegistryChange::Remove(name.clone()));
    }

    /// Publishes the staged changes as a new table (nothing when none are staged),
    /// then marks the zones it added listed. The zone-set manager's loop calls it
    /// after each piece of work.
    pub fn publish(&self) {
        let Staged { changes, .. } =
            std::mem::take(&mut *self.staged.lock().expect("registry lock poisoned"));
        if changes.is_empty() {
            return;
        }
        let mut added = Vec::new();
        {
            let mut guard = self.table.write().expect("registry lock poisoned");
            let mut by_wire = guard.by_wire.clone();
            for change in changes {
                match change {
                    RegistryChange::Insert(h) => {
                        by_wire.insert(h.name.to_lowercase().as_wire().into(), h.clone());
                        added.push(h);
                    }
                    RegistryChange::Remove(name) => {
                        by_wire.remove(name.to_lowercase().as_wire());
                    }
                }
            }
            // Only what the new table holds (a zone added, then removed in the same
            // batch, is not).
            added.retain(|h| {
                by_wire
                    .get(h.name.to_lowercase().as_wire())
                    .is_some_and(|held| Arc::ptr_eq(held, h))
            });
            *guard = Arc::new(ZoneTable { by_wire });
        }
        for h in added {
            h.published.list();
        }
    }

    /// Publishes now when at least `at_least` zones are staged and all of them are
    /// new: a long batch of zones appearing (a zones-dir, a catalog, a burst of
    /// NOTIFYs) is served, and announced, as it goes, while a batch that removes or
    /// replaces zones is still published whole at its end.
    pub fn publish_new(&self, at_least: usize) {
        let ready = {
            let staged = self.staged.lock().expect("registry lock poisoned");
            !staged.not_only_new && staged.changes.len() >= at_least
        };
        if ready {
            self.publish();
        }
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot's waiter sees every set made after the count it read (even one made
    /// before it waits), and ends when the writer is dropped; readers see the last set.
    #[tokio::test]
    async fn a_snapshot_wakes_its_watcher_and_ends_with_its_writer() {
        let (publisher, snapshot) = Publisher::new();
        assert!(snapshot.get().is_none() && !publisher.is_some());
        let seen = snapshot.version();
        let version = Arc::new(
            crate::zone::version::ZoneVersion::from_records(
                "example.com.".parse().unwrap(),
                crate::zone::Class::IN,
                vec![crate::zone::version::tests::rr::soa("example.com.", 7)],
            )
            .unwrap(),
        );
        // Set before the wait: not missed.
        publisher.set(Some(Arc::new(Published::new(version))));
        let now = snapshot.changed(seen).await.expect("set once");
        assert_eq!(snapshot.get().map(|p| p.version.serial()), Some(7));
        // A set while it waits wakes it.
        let waiter = {
            let snapshot = snapshot.clone();
            tokio::spawn(async move { snapshot.changed(now).await })
        };
        tokio::task::yield_now().await;
        publisher.set(None);
        let after = waiter.await.unwrap().expect("set twice");
        assert!(after != now && snapshot.get().is_none());
        // The writer gone: the wait ends.
        let waiter = {
            let snapshot = snapshot.clone();
            tokio::spawn(async move { snapshot.changed(after).await })
        };
        tokio::task::yield_now().await;
        drop(publisher);
        assert_eq!(waiter.await.unwrap(), None);
        // 72 octets, 88 with its `Arc`'s counts (the module doc's figure).
        assert!(
            std::mem::size_of::<Snapshot>() <= 72,
            "{}",
            std::mem::size_of::<Snapshot>()
        );
    }

    fn handle(name: &str) -> Arc<ZoneHandle> {
        let (_tx, rx) = Publisher::new();
        let (inbox, _rx) = inbox::inbox();
        Arc::new(ZoneHandle {
            name: name.parse().unwrap(),
            published: rx,
            inbox,
            settings: Arc::new(ZoneSettings {
                allow_transfer: Acl::default(),
                also_notify: Vec::new(),
                notify: crate::config::NotifyMode::Yes,
                allow_notify: Acl::default(),
                secondary: false,
                catalog: false,
                gate: gate::GateSettings::default(),
            }),
            status: status::StatusCell::new(status::ZoneStatus::new(status::Role::Primary, vec![])),
            propagation: propagation::Tracker::default(),
        })
    }

    /// New zones alone are published early, once enough are staged; a removal or a
    /// replacement holds the whole batch back. A zone is listed once a published
    /// table holds it, and only then.
    #[tokio::test]
    async fn new_zones_are_published_early_and_listed_when_published() {
        let reg = Registry::default();
        let (a, b) = (handle("a.example."), handle("b.example."));
        reg.insert(a.clone());
        reg.publish_new(2);
        assert!(reg.snapshot().is_empty() && !a.published.is_listed());
        // A waiter for the listing is woken by the publication.
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move { a.published.listed().await })
        };
        reg.insert(b.clone());
        reg.publish_new(2);
        assert_eq!(reg.snapshot().len(), 2);
        assert!(a.published.is_listed() && b.published.is_listed());
        waiter.await.expect("woken");

        // A replacement of a listed zone, then a removal, each with a new zone: the
        // batch waits for its end.
        let (a2, c) = (handle("a.example."), handle("c.example."));
        reg.insert(a2.clone());
        reg.insert(c.clone());
        reg.publish_new(1);
        assert!(!a2.published.is_listed() && !c.published.is_listed());
        reg.publish();
        assert_eq!(reg.snapshot().len(), 3);
        assert!(a2.published.is_listed() && c.published.is_listed());
        let d = handle("d.example.");
        reg.remove(&b.name);
        reg.insert(d.clone());
        reg.publish_new(1);
        assert!(reg.snapshot().get(&b.name).is_some() && !d.published.is_listed());
        reg.publish();
        assert!(reg.snapshot().get(&b.name).is_none() && d.published.is_listed());

        // A zone added and removed in one batch is never listed.
        let e = handle("e.example.");
        reg.insert(e.clone());
        reg.remove(&e.name);
        reg.publish();
        assert!(!e.published.is_listed() && reg.snapshot().get(&e.name).is_none());
    }

    #[test]
    fn longest_match() {
        let reg = Registry::default();
        reg.insert(handle("example.com."));
        reg.insert(handle("sub.example.com."));
        // Staged, not yet seen.
        assert!(reg.snapshot().is_empty());
        reg.publish();
        let t = reg.snapshot();
        let find = |q: &str| {
            let n: Name = q.parse().unwrap();
            t.find(n.to_lowercase().as_wire())
                .map(|h| h.name.to_string())
        };
        assert_eq!(find("www.example.com.").as_deref(), Some("example.com."));
        assert_eq!(
            find("a.sub.example.com.").as_deref(),
            Some("sub.example.com.")
        );
        assert_eq!(find("EXAMPLE.com.").as_deref(), Some("example.com."));
        assert_eq!(find("example.org."), None);
        assert_eq!(find("com."), None);
        reg.remove(&"sub.example.com.".parse().unwrap());
        reg.publish();
        // The old snapshot is unchanged; a new one sees the removal.
        assert_eq!(
            find("a.sub.example.com.").as_deref(),
            Some("sub.example.com.")
        );
        let t2 = reg.snapshot();
        let n: Name = "a.sub.example.com.".parse().unwrap();
        assert_eq!(
            t2.find(n.to_lowercase().as_wire())
                .unwrap()
                .name
                .to_string(),
            "example.com."
        );
    }
}
