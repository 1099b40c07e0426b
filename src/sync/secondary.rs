//! The task that owns one secondary zone: it refreshes the zone from its primaries on
//! NOTIFY and on the SOA timers, by IXFR with AXFR fallback, commits each transfer,
//! publishes it, and notifies its own secondaries.
//!
//! # Data flow
//! event (NOTIFY in, timer, control) → SOA query (UDP; TCP when UDP fails) → if the
//! primary is newer (RFC 1982): IXFR (UDP first when configured), else AXFR → the
//! transfer is validated by `xfr` → applied to the current version off the runtime →
//! the zone's [`gate`](super::gate) (ZONEMD, the `verify:` command; a rejection is
//! [`RefreshError::Rejected`]: nothing is stored, the previous version stays served,
//! the next primary or RETRY tries again) → [`Store::apply_changesets`] /
//! [`Store::replace_zone_with`] (records, journal and timers in one transaction) →
//! publish → NOTIFY downstream. A failed refresh tries the next primary, then waits
//! RETRY; past EXPIRE the zone answers SERVFAIL until a refresh succeeds.
//!
//! Events merge in the zone's [`inbox`](super::inbox) (never full, never losing
//! work); the task takes what is pending when it is free, and events that arrive while
//! a refresh runs make one follow-up refresh (STYLE.md trap 8).
//!
//! A zone runs in one of two ways, over the same steps (`SecondaryZone::plan`, then
//! `SecondaryZone::work` when woken): configured zones and catalogs with a task of
//! their own ([`spawn`]); the zones a super master provisioned held by the
//! [`members`](super::members) scheduler ([`adopt`]), which runs a step only when the
//! zone's deadline passes or its inbox fills, so a hundred thousand idle members cost
//! no task each.
//!
//! Keys are named, not held: each SOA query and transfer resolves its primary's key in
//! the live [`KeyRing`] as it starts, so a secret rotated by `serve reload` signs the
//! next transfer; a key the ring no longer holds fails that primary
//! ([`RefreshError::UnknownKey`]).
//!
//! # Standards
//! - RFC 1996 §3.11: on NOTIFY the secondary "should query the primary for the SOA"
//!   and transfer when the serial is newer; the SOA hint (§3.7) only lets us skip a
//!   query when it is not newer than ours.
//! - RFC 1982: a primary's serial must be newer to be taken; an older one is never
//!   accepted (logged).
//! - RFC 1995 §4: IXFR falls back to AXFR when the primary cannot serve it.

use std::cmp::Ordering;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tracing::{Instrument, debug, error, info, info_span, warn};

use crate::config::{KeyRing, TimerBounds};
use crate::store::{JournalLimits, Store, StoreError, Timers};
use crate::tsig::Key;
use crate::xfr::{ClientOptions, IxfrOptions, Limits, Transfer, XfrError, XfrOutcome};
use crate::zone::changeset::{ApplyError, Changeset, diff};
use crate::zone::rrset::{canonical_rdata_cmp, set_key};
use crate::zone::serial::Serial;
use crate::zone::soa::Soa;
use crate::zone::version::{VersionError, ZoneVersion};
use crate::zone::{Class, Name, Record};

use super::gate::GateError;
use super::inbox::{self, InboxReceiver, Pending, Refresh};
use super::members::{Cause, Member, Members, Step};
use super::propagation::Tracker;
use super::status::{Role, State, StatusCell, ZoneStatus};
use super::timers::{self, Clock, ZoneState};
use super::vouch::{self, CatalogWord};
use super::{Published, Publisher, TransferSlots, ZoneHandle, ZoneSettings, notify_out};

//----------- Spec -------------------------------------------------------------------

/// Zones of at most this many records are built (and diffed) on the runtime: a
/// microsecond's work, less than a hand-off to the blocking pool.
const SMALL_ZONE: usize = 64;

/// A primary of a secondary zone.
#[derive(Debug, Clone)]
pub struct PrimaryServer {
    /// Where it answers.
    pub addr: SocketAddr,
    /// The name of the key for SOA queries and transfers, resolved in the
    /// [`KeyRing`] at each use ([`PrimaryServer::resolve_key`]).
    pub key: Option<Name>,
    /// Ask for IXFR.
    pub ixfr: bool,
    /// Try IXFR over UDP first.
    pub ixfr_udp: bool,
    /// Reach it over TLS (XoT): SOA queries and transfers alike.
    pub tls: Option<Arc<crate::tls::ClientTls>>,
}

impl PrimaryServer {
    /// The key to sign with, as the ring holds it now; `None` when the primary is
    /// asked unsigned.
    ///
    /// # Errors
    /// [`RefreshError::UnknownKey`] when the key is named but the ring no longer
    /// holds it (a reload removed it).
    pub fn resolve_key(&self, ring: &KeyRing) -> Result<Option<Key>, RefreshError> {
        match &self.key {
            None => Ok(None),
            Some(name) => ring
                .get(name)
                .map(Some)
                .ok_or_else(|| RefreshError::UnknownKey {
                    peer: self.addr,
                    key: name.clone(),
                }),
        }
    }
}

/// What a secondary zone needs to start.
pub struct SecondarySpec {
    /// Zone name.
    pub name: Name,
    /// Its primaries, tried in order.
    pub primaries: Vec<PrimaryServer>,
    /// Settings shared with the listeners (including who may NOTIFY).
    pub settings: Arc<ZoneSettings>,
    /// Bounds on the SOA timers.
    pub bounds: TimerBounds,
    /// Size limits on transfers in.
    pub limits: Limits,
    /// The zone's propagation view (a zone restarted by a reload keeps its own).
    pub propagation: Tracker,
    /// For a member of a consumed catalog (a zone a super master provisioned).
    pub member: Option<CatalogMember>,
}

/// What a secondary zone provisioned by a super master knows of its catalog.
#[derive(Debug, Clone)]
pub struct CatalogMember {
    /// The catalog's word, taken up at the zone's own deadlines ([`super::vouch`]).
    pub word: CatalogWord,
    /// The zone was just created: the store holds nothing to restore, so the task
    /// skips reading it and transfers at once.
    pub fresh: bool,
}

/// Starts a secondary zone's task; returns its handle. The task runs until the handle
/// is dropped. Keys are resolved in `ring` at each use.
pub fn spawn(
    spec: SecondarySpec,
    store: Arc<Store>,
    ring: Arc<KeyRing>,
    slots: Arc<TransferSlots>,
    tasks: &mut JoinSet<()>,
) -> Arc<ZoneHandle> {
    let span = info_span!("zone", zone = %spec.name);
    let (handle, zone) = build(spec, store, ring, slots, inbox::inbox());
    // Boxed: an `async fn` keeps a copy of its by-value arguments beside the locals
    // it moves them into, so `run(self)` held the zone's state twice (a 1,080-octet
    // task future per zone, 360 with the state boxed once).
    tasks.spawn(zone.run().instrument(span));
    handle
}

/// Hands a secondary zone (a catalog member) to the member scheduler, which runs it
/// only while it has work; returns its handle. The zone ends when the handle is
/// dropped.
pub fn adopt(
    spec: SecondarySpec,
    store: Arc<Store>,
    ring: Arc<KeyRing>,
    slots: Arc<TransferSlots>,
    members: &mut Members,
) -> Arc<ZoneHandle> {
    let (id, events, inbox) = members.inbox();
    let (handle, zone) = build(spec, store, ring, slots, (events, inbox));
    members.adopt(id, zone);
    handle
}

/// A secondary zone's handle and state, over the two sides of its inbox.
fn build(
    spec: SecondarySpec,
    store: Arc<Store>,
    ring: Arc<KeyRing>,
    slots: Arc<TransferSlots>,
    (events, inbox): (inbox::Inbox, InboxReceiver),
) -> (Arc<ZoneHandle>, Box<SecondaryZone>) {
    let (publish, published) = Publisher::new();
    let role = if spec.settings.catalog {
        Role::Catalog
    } else {
        Role::Secondary
    };
    let sources = spec.primaries.iter().map(|p| p.addr.to_string()).collect();
    let status = StatusCell::new(ZoneStatus::new(role, sources));
    let handle = Arc::new(ZoneHandle {
        name: spec.name.clone(),
        published,
        inbox: events,
        settings: spec.settings.clone(),
        status: status.clone(),
        propagation: spec.propagation.clone(),
    });
    let zone = SecondaryZone {
        spec,
        inbox,
        store,
        ring,
        slots,
        publish,
        version: None,
        timers: Timers::default(),
        notify_round: JoinSet::new(),
        status,
        propagation: handle.propagation.clone(),
        clock: Clock::start(),
        received_expire: None,
        plan: Plan::default(),
    };
    (handle, Box::new(zone))
}

//----------- SecondaryZone ----------------------------------------------------------

/// The state of a secondary zone: owned by its task, or by the member scheduler
/// between the steps it runs.
struct SecondaryZone {
    spec: SecondarySpec,
    /// What the zone has been asked to do.
    inbox: InboxReceiver,
    store: Arc<Store>,
    /// The live key table; primaries' and NOTIFY targets' keys are resolved in it at
    /// each use (written by the zone-set manager on reload).
    ring: Arc<KeyRing>,
    slots: Arc<TransferSlots>,
    /// Where versions are published (this task is the only sender); `None` while
    /// loading or expired.
    publish: Publisher,
    /// The last committed version, kept while expired (IXFR can start from it).
    version: Option<Arc<ZoneVersion>>,
    /// Refresh, retry and expire, persisted with the zone.
    timers: Timers,
    /// The NOTIFY round in flight downstream.
    notify_round: JoinSet<()>,
    /// What this task reports about the zone (it is the only writer).
    status: StatusCell,
    /// The zone's propagation view (our own secondaries, for a zone we also serve
    /// on): told of each serial published and NOTIFY round.
    propagation: Tracker,
    /// The time the timers are planned by.
    clock: Clock,
    /// The EXPIRE option (RFC 7314) the primary sent back during the refresh under
    /// way (SOA answer, then the transfer's first message); the next success timers
    /// use it. Written by this task only, cleared when a refresh starts.
    received_expire: Option<timers::ReceivedExpire>,
    /// When to wake next, as [`SecondaryZone::plan`] last said.
    plan: Plan,
}

/// When a zone wakes next, and what its deadline then means.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// On the runtime's clock, as the zone's [`Clock`] is (paused in tests).
    wake: tokio::time::Instant,
    /// The zone's EXPIRE (Unix seconds) while it is served, else `u64::MAX`: reached
    /// at the wake-up, the zone stops serving instead of refreshing.
    expire: u64,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            wake: tokio::time::Instant::now(),
            expire: u64::MAX,
        }
    }
}

/// What wakes a zone.
#[derive(Debug)]
enum Wake {
    /// Its inbox: this was pending.
    Inbox(Pending),
    /// The deadline of its plan.
    Deadline,
}

impl SecondaryZone {
    /// Drives the zone, with a task of its own, until its handle is dropped.
    async fn run(mut self: Box<Self>) {
        self.start().await;
        loop {
            self.plan().await;
            let wake = tokio::select! {
                pending = self.inbox.recv() => match pending {
                    Some(p) => Wake::Inbox(p),
                    None => break,
                },
                _ = tokio::time::sleep_until(self.plan.wake) => Wake::Deadline,
            };
            self.work(wake).await;
        }
        self.notify_round.abort_all();
        debug!("zone task stopped");
    }

    /// Restores the zone from the store (unless it was just created) and reports it.
    async fn start(&mut self) {
        if !self.spec.member.as_ref().is_some_and(|m| m.fresh) {
            Box::pin(self.restore()).await;
        }
        self.sync_status();
    }

    /// Takes up the catalog's word and expires the zone as the clock says, then plans
    /// the next wake-up ([`SecondaryZone::plan`]'s field).
    async fn plan(&mut self) {
        let mut now = self.clock.now();
        // A deadline passed (while a refresh ran, or just now): the catalog's word may
        // make it a success without a query.
        if now >= self.timers.next_refresh.min(self.timers.expire_at) && self.take_word().await {
            now = self.clock.now();
        }
        // EXPIRE may have passed while a refresh ran (and failed): stop serving now,
        // not at the next retry.
        if self.state(now) == ZoneState::Expired {
            self.expire();
        }
        let due = if self.version.is_none() && self.timers.next_refresh == 0 {
            now
        } else {
            self.timers.next_refresh
        };
        let expire = match self.state(now) {
            ZoneState::Ok => self.timers.expire_at,
            _ => u64::MAX,
        };
        self.plan = Plan {
            wake: tokio::time::Instant::now()
                + Duration::from_secs(due.min(expire).saturating_sub(now)),
            expire,
        };
    }

    /// Does what woke the zone, then what arrived meanwhile (one follow-up refresh).
    async fn work(&mut self, wake: Wake) {
        let first = match wake {
            Wake::Inbox(p) => self.on_pending(p),
            Wake::Deadline => {
                if self.take_word().await {
                    None
                } else if self.clock.now() >= self.plan.expire {
                    self.expire();
                    None
                } else {
                    self.on_pending(Pending::check())
                }
            }
        };
        let mut next = first;
        while let Some(kind) = next {
            // Boxed: the refresh (SOA query, transfer, commit) is a large future, and
            // inline it would make every idle zone task that large.
            Box::pin(self.refresh(kind)).await;
            let p = self.inbox.take();
            next = self.on_pending(p);
        }
    }

    /// Takes what is pending: sends NOTIFY when asked, and returns the refresh to run
    /// against the zone as it is now (noting when the first NOTIFY behind it arrived,
    /// for the NOTIFY-to-served metric).
    fn on_pending(&mut self, p: Pending) -> Option<Refresh> {
        if p.notify_out {
            self.notify();
        }
        let ours = self.version.as_ref().map(|v| v.serial());
        let serving = self.state(self.clock.now()) == ZoneState::Ok;
        let refresh = p.refresh(ours, serving);
        match (refresh, p.notified_at) {
            (Some(_), Some(at)) => self.status.update(|s| {
                s.notified_at.get_or_insert(at);
            }),
            (None, _) if p.check.is_some() || p.newer.is_some() => {
                debug!(serial = ours, pending = %p, "serial not newer; no refresh");
            }
            _ => {}
        }
        refresh
    }

    fn state(&self, now: u64) -> ZoneState {
        timers::state(&self.timers, now, self.version.is_some())
    }

    /// Loads the last committed version and its timers from the store.
    async fn restore(&mut self) {
        let store = self.store.clone();
        let name = self.spec.name.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let Some((meta, records)) = store.load_zone(&name)? else {
                return Ok(None);
            };
            let version = ZoneVersion::from_records(name, Class::IN, records)
                .map_err(|e| crate::store::StoreError::NoSoa(e.to_string()))?;
            Ok::<_, crate::store::StoreError>(Some((meta, version)))
        })
        .await;
        match loaded {
            Ok(Ok(Some((meta, version)))) => {
                self.timers = meta.timers.unwrap_or_default();
                self.version = Some(Arc::new(version));
                let now = self.clock.now();
                match self.state(now) {
                    ZoneState::Ok => {
                        info!(
                            serial = meta.serial,
                            "restored from the store; next refresh in {}s",
                            self.timers.next_refresh.saturating_sub(now)
                        );
                        self.publish_current();
                    }
                    _ => warn!(
                        serial = meta.serial,
                        "restored from the store, but expired: SERVFAIL until a refresh succeeds"
                    ),
                }
            }
            Ok(Ok(None)) => info!("not transferred yet: SERVFAIL until the first transfer"),
            Ok(Err(e)) => error!(error = %e, "cannot restore from the store; transferring anew"),
            Err(e) => error!(error = %e, "restore task failed"),
        }
    }

    /// Past EXPIRE: stop serving (SERVFAIL) until a refresh succeeds.
    fn expire(&mut self) {
        self.status.update(|s| s.state = State::Expired);
        if self.publish.is_some() {
            error!(
                last_ok = self.timers.last_ok,
                "zone expired: no successful refresh within EXPIRE; answering SERVFAIL"
            );
            self.publish.set(None);
        }
    }

    /// Refreshes from the first primary that answers.
    async fn refresh(&mut self, kind: Refresh) {
        self.status.update(|s| {
            if s.state == State::Ok {
                s.state = State::Refreshing;
            }
        });
        self.refresh_inner(kind).await;
        self.sync_status();
    }

    /// Copies serial, timers and state into the zone's status.
    fn sync_status(&self) {
        let now = self.clock.now();
        let state = match self.state(now) {
            ZoneState::Loading => State::Loading,
            ZoneState::Ok => State::Ok,
            ZoneState::Expired => State::Expired,
        };
        let serial = self.version.as_ref().map(|v| v.serial());
        let t = self.timers;
        self.status.update(|s| {
            s.state = state;
            s.serial = serial;
            s.last_refresh = (t.last_ok > 0).then_some(t.last_ok);
            s.next_refresh = (t.next_refresh > 0).then_some(t.next_refresh);
            s.expire_at = (t.expire_at > 0).then_some(t.expire_at);
        });
    }

    /// [`SecondaryZone::refresh`] without the status bookkeeping.
    async fn refresh_inner(&mut self, kind: Refresh) {
        if let Refresh::Confirm(serial) = kind
            && self.version.as_ref().is_some_and(|v| v.serial() == serial)
        {
            debug!(serial, "catalog confirms the serial; zone current");
            // No EXPIRE came with the catalog's word: the SOA EXPIRE counts.
            self.received_expire = None;
            self.succeeded(None).await;
            return;
        }
        let mut last: Option<RefreshError> = None;
        for primary in self.spec.primaries.clone() {
            match self.refresh_from(&primary, kind).await {
                Ok(()) => return,
                Err(e) if e.tries_next_primary() => {
                    warn!(peer = %primary.addr, error = %e, "refresh from this primary failed");
                    last = Some(e);
                }
                Err(e) => {
                    // The store (or the runtime) failed: another primary's copy would
                    // fail the same way.
                    error!(peer = %primary.addr, error = %e, "refresh failed; not trying other primaries");
                    last = Some(e);
                    break;
                }
            }
        }
        let now = self.clock.now();
        let soa = self.current_soa();
        self.timers = timers::after_failure(
            now,
            self.timers,
            soa.as_ref(),
            &self.spec.bounds,
            timers::random(),
        );
        let retry = self.timers.next_refresh.saturating_sub(now);
        let last = last
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no primaries".into());
        warn!(error = %last, "refresh, failed, next retry in {retry}s");
        let error = last.clone();
        self.status.update(|s| s.last_error = Some(error));
        self.persist_timers().await;
        if self.state(now) == ZoneState::Expired {
            self.expire();
        }
    }

    /// One primary: SOA check, then the transfer if needed. The primary's key is
    /// resolved now, so the ring's current secret signs this attempt.
    async fn refresh_from(&mut self, p: &PrimaryServer, kind: Refresh) -> Result<(), RefreshError> {
        // Only what this primary says counts for this attempt.
        self.received_expire = None;
        let opts = ClientOptions {
            key: p.resolve_key(&self.ring)?,
            timeout: Duration::from_secs(10),
            udp_attempts: 2,
            limits: self.spec.limits,
            tls: p.tls.clone(),
        };
        let zone = self.spec.name.clone();
        let have = self.version.clone();
        // With nothing yet there is nothing to compare: straight to AXFR, whose first
        // record is the SOA (as Knot bootstraps a zone), saving a round trip per new
        // zone when a super master creates a thousand.
        if kind == Refresh::Check && have.is_some() {
            // A failed UDP SOA query is retried over TCP before it counts.
            let soa = match crate::xfr::query_soa(p.addr, &zone, &opts).await {
                Ok(s) => s,
                // Over TLS the query already went over a stream.
                Err(e) if p.tls.is_some() => return Err(e.into()),
                Err(udp) => {
                    debug!(peer = %p.addr, error = %udp, "SOA query over UDP failed; trying TCP");
                    crate::xfr::query_soa_tcp(p.addr, &zone, &opts).await?
                }
            };
            self.received_expire = self.received(soa.expire, soa.rtt);
            if let Some(v) = &have {
                let ours = Serial(v.serial());
                let theirs = Serial(soa.serial);
                if !theirs.is_newer_than(ours) {
                    if theirs != ours {
                        warn!(peer = %p.addr, ours = ours.0, theirs = theirs.0,
                            "primary's serial is older than ours; keeping ours (RFC 1982)");
                    } else {
                        info!(serial = ours.0, peer = %p.addr, "refresh, up to date");
                    }
                    self.succeeded(None).await;
                    return Ok(());
                }
            }
        }

        let permits = self.slots.acquire(p.addr).await;
        let started = Instant::now();
        let use_ixfr = kind != Refresh::Axfr && p.ixfr && have.is_some();
        let outcome: XfrOutcome = match &have {
            Some(v) if use_ixfr => {
                crate::xfr::ixfr(
                    p.addr,
                    &zone,
                    v.serial(),
                    &opts,
                    IxfrOptions {
                        udp: p.ixfr_udp,
                        fallback: true,
                    },
                )
                .await
            }
            _ => crate::xfr::axfr(p.addr, &zone, &opts).await,
        }
        .inspect_err(|_: &XfrError| {
            let kind = if use_ixfr { "IXFR" } else { "AXFR" };
            crate::metrics::get().transfer("in", kind, false, 0);
        })?;
        // From the last message in to the new version served (applied, persisted,
        // published): the log line's `applied_ms`.
        let received = Instant::now();
        // Metrics kinds: IXFR, AXFR, and AXFR-fallback (an IXFR answered or retried
        // with the whole zone).
        let metric_kind = match (&outcome.transfer, use_ixfr) {
            (Transfer::Incremental(_) | Transfer::UpToDate(_), _) => "IXFR",
            (Transfer::Full(_), true) => "AXFR-fallback",
            (Transfer::Full(_), false) => "AXFR",
        };
        let what = match (&outcome.transfer, use_ixfr, &outcome.fallback) {
            (Transfer::Incremental(_), _, _) => "IXFR",
            (Transfer::Full(_), true, Some(_)) => "AXFR (fallback from IXFR)",
            (Transfer::Full(_), true, None) => "AXFR-style IXFR",
            (Transfer::Full(_), false, _) => "AXFR",
            (Transfer::UpToDate(_), _, _) => "IXFR (up to date)",
        };
        let from = have.as_ref().map(|v| v.serial());
        let (messages, records, bytes) = (
            outcome.stats.messages,
            outcome.stats.records,
            outcome.stats.bytes,
        );
        // Left out of the log line when the transfer is unsigned.
        let key = opts.key.as_ref().map(|k| k.name().to_string());
        let transport = outcome.transport;
        let fallback = outcome.fallback.clone();
        // The transfer's answer is newer than the SOA query's.
        if outcome.expire.is_some() {
            self.received_expire = self.received(outcome.expire, outcome.stats.duration);
        }
        let committed = match outcome.transfer {
            Transfer::UpToDate(_) => {
                self.succeeded(None).await;
                return Ok(());
            }
            Transfer::Full(records) if records.len() <= SMALL_ZONE => {
                let _waiting = self.slots.to_commit(permits).await;
                self.commit_full(records).await?
            }
            Transfer::Full(records) => self.commit_full(records).await?,
            Transfer::Incremental(changesets) => match self.commit_incremental(changesets).await {
                Ok(committed) => committed,
                Err(RefreshError::DoesNotApply(e)) => {
                    // Knot and NSD do the same: retrying the same IXFR would fail the
                    // same way until the zone expires; a full transfer converges.
                    warn!(peer = %p.addr, error = %e,
                        "IXFR-in does not apply to our version; falling back to AXFR");
                    let out = crate::xfr::axfr(p.addr, &zone, &opts).await?;
                    if out.expire.is_some() {
                        self.received_expire = self.received(out.expire, out.stats.duration);
                    }
                    let Transfer::Full(zone_records) = out.transfer else {
                        return Err(RefreshError::Unexpected(
                            "the AXFR answer was not a whole zone",
                        ));
                    };
                    let Committed { serial, .. } = self.commit_full(zone_records).await?;
                    crate::metrics::get().transfer("in", "AXFR-fallback", true, out.stats.bytes);
                    info!(
                        peer = %p.addr, transport = %out.transport, key,
                        messages = out.stats.messages, records = out.stats.records,
                        bytes = out.stats.bytes, ms = started.elapsed().as_millis() as u64,
                        fallback = %e,
                        "AXFR (fallback from IXFR)-in, serial {} -> {serial}",
                        from.map_or("none".to_string(), |s| s.to_string())
                    );
                    return Ok(());
                }
                Err(e) => return Err(e),
            },
        };
        crate::metrics::get().transfer("in", metric_kind, true, bytes);
        let applied_ms = millis(received.elapsed());
        let persist_ms = millis(committed.persist);
        info!(
            peer = %p.addr, %transport, key, messages, records, bytes,
            ms = started.elapsed().as_millis() as u64, applied_ms, persist_ms,
            fallback = fallback.as_deref(),
            "{what}-in, serial {} -> {}",
            from.map_or("none".to_string(), |s| s.to_string()),
            committed.serial
        );
        Ok(())
    }

    /// A full zone: diffed against ours when we have one (so the journal keeps the
    /// change for IXFR-out), committed, published.
    async fn commit_full(
        &mut self,
        records: Vec<crate::zone::Record>,
    ) -> Result<Committed, RefreshError> {
        let small = records.len() <= SMALL_ZONE
            && self
                .version
                .as_ref()
                .is_none_or(|v| v.record_count() <= SMALL_ZONE);
        let zone = self.spec.name.clone();
        let old = self.version.clone();
        let build = move || {
            let new = ZoneVersion::from_records(zone, Class::IN, records)?;
            let cs = old.as_ref().map(|o| diff(o, &new));
            Ok::<_, RefreshError>((new, cs))
        };
        // A small zone (a super master's thousands of members) builds in
        // microseconds: here, rather than through a hand-off to the blocking pool and
        // back, which cost more than the build.
        let built = if small {
            build()?
        } else {
            tokio::task::spawn_blocking(build).await??
        };
        let (new, cs) = built;
        let new = Arc::new(new);
        // An AXFR of what we already hold changes nothing: no gate to pass.
        if cs
            .as_ref()
            .is_none_or(|cs| cs.from_serial() != cs.to_serial() || !cs.is_empty())
        {
            self.pass_gate(&new).await?;
        }
        let timers = self.success_timers(&new);
        let store = self.store.clone();
        let zone = self.spec.name.clone();
        let for_store = new.clone();
        let persisting = Instant::now();
        tokio::task::spawn_blocking(move || match cs {
            Some(cs) if cs.from_serial() != cs.to_serial() || !cs.is_empty() => {
                store.apply_changesets(&zone, &[cs], JournalLimits::default(), None, Some(timers))
            }
            Some(_) => store.set_timers(&zone, timers).map(|_| Default::default()),
            None => store.replace_zone_version(&zone, for_store, None, Some(timers), true),
        })
        .await??;
        let committed = Committed {
            serial: new.serial(),
            persist: persisting.elapsed(),
        };
        self.install(new, timers);
        Ok(committed)
    }

    /// Changesets: applied to our version in order, then committed in one
    /// transaction.
    ///
    /// Records added that the zone already holds are left out with a warning (see
    /// [`effective_changeset`]); a record removed that it lacks fails the IXFR (AXFR
    /// follows). The journal keeps what remains.
    async fn commit_incremental(
        &mut self,
        changesets: Vec<Changeset>,
    ) -> Result<Committed, RefreshError> {
        let Some(old) = self.version.clone() else {
            return Err(RefreshError::Unexpected(
                "IXFR answer without a version to apply it to",
            ));
        };
        let (new, changesets, dropped) = tokio::task::spawn_blocking(move || {
            // Each changeset applies to the version before it; the first to the
            // served one, by reference (a copy would cost a pass over every node).
            let mut v: Option<ZoneVersion> = None;
            let mut applied = Vec::with_capacity(changesets.len());
            let mut dropped = 0;
            for cs in changesets {
                let base = v.as_ref().unwrap_or(&old);
                let (next, cs) = match base.apply(&cs) {
                    Ok(next) => (next, cs),
                    Err(ApplyError::NotPresent { .. } | ApplyError::AlreadyPresent { .. }) => {
                        let (effective, n) = effective_changeset(base, &cs);
                        dropped += n;
                        (base.apply(&effective)?, effective)
                    }
                    Err(e) => return Err(e),
                };
                v = Some(next);
                applied.push(cs);
            }
            let v = v.unwrap_or_else(|| (*old).clone());
            Ok((v, applied, dropped))
        })
        .await?
        .map_err(RefreshError::DoesNotApply)?;
        if dropped > 0 {
            warn!(
                dropped,
                "IXFR-in, records without effect left out (added but already in the zone)"
            );
        }
        let new = Arc::new(new);
        self.pass_gate(&new).await?;
        let timers = self.success_timers(&new);
        let store = self.store.clone();
        let zone = self.spec.name.clone();
        let persisting = Instant::now();
        tokio::task::spawn_blocking(move || {
            store.apply_changesets(
                &zone,
                &changesets,
                JournalLimits::default(),
                None,
                Some(timers),
            )
        })
        .await??;
        let committed = Committed {
            serial: new.serial(),
            persist: persisting.elapsed(),
        };
        self.install(new, timers);
        Ok(committed)
    }

    /// Validate before persist: the candidate through the zone's gate, against the
    /// serial it replaces.
    async fn pass_gate(&self, candidate: &Arc<ZoneVersion>) -> Result<(), RefreshError> {
        let old = self.version.as_ref().map(|v| v.serial());
        super::gate::check(&self.spec.name, candidate, old, &self.spec.settings.gate)
            .await
            .map_err(|error| RefreshError::Rejected {
                serial: candidate.serial(),
                error,
            })
    }

    /// After a commit: the new version is served and its secondaries notified.
    fn install(&mut self, version: Arc<ZoneVersion>, timers: Timers) {
        let serial = version.serial();
        self.status.update(|s| {
            s.last_error = None;
            if let Some(at) = s.notified_at.take() {
                crate::metrics::get().notify_to_served(at.elapsed());
            }
            s.serial = Some(serial);
        });
        self.version = Some(version);
        self.timers = timers;
        self.publish_current();
        self.notify();
    }

    /// Takes up the catalog's word (see [`vouch`]): when it confirms our serial since
    /// the last success, that is a success at the word's time (no query sent); true
    /// then.
    async fn take_word(&mut self) -> bool {
        let (Some(word), Some(v)) = (
            self.spec.member.as_ref().and_then(|m| m.word.get()),
            self.version.clone(),
        ) else {
            return false;
        };
        let Some(at) = vouch::confirmed_at(&word, &self.spec.name, v.serial(), self.timers.last_ok)
        else {
            return false;
        };
        debug!(
            serial = v.serial(),
            at, "the catalog vouches for the serial; zone current"
        );
        // No EXPIRE came with the catalog's word: the SOA EXPIRE counts.
        self.received_expire = None;
        self.succeeded_at(&v, at).await;
        self.sync_status();
        true
    }

    /// A refresh that found the zone current.
    async fn succeeded(&mut self, _serial: Option<u32>) {
        let Some(v) = self.version.clone() else {
            return;
        };
        self.succeeded_at(&v, self.clock.now()).await;
    }

    /// The zone, at version `v`, was found current at `now`.
    async fn succeeded_at(&mut self, v: &Arc<ZoneVersion>, now: u64) {
        self.timers = self.success_timers_at(v, now);
        self.persist_timers().await;
        // A refresh that reached a primary and found the zone current is a success:
        // the last failure no longer describes the zone.
        self.status.update(|s| s.last_error = None);
        // (A word taken up late may confirm a time already past EXPIRE: not served.)
        if !self.publish.is_some() && self.state(self.clock.now()) == ZoneState::Ok {
            info!(serial = v.serial(), "zone current again: serving");
            self.publish_current();
        }
    }

    fn success_timers(&self, v: &ZoneVersion) -> Timers {
        self.success_timers_at(v, self.clock.now())
    }

    fn success_timers_at(&self, v: &ZoneVersion, now: u64) -> Timers {
        let soa = soa_of(v);
        match soa {
            Some(soa) => timers::after_success(
                now,
                &soa,
                &self.spec.bounds,
                timers::random(),
                self.received_expire,
            ),
            None => self.timers,
        }
    }

    /// An EXPIRE option from an exchange that took `took` and ended just now: it
    /// counts from when the exchange started (a transfer's first message may have
    /// come long before its last), rounded so that ours never outlasts theirs.
    fn received(&self, seconds: Option<u32>, took: Duration) -> Option<timers::ReceivedExpire> {
        let took = took.as_secs() + u64::from(took.subsec_nanos() > 0);
        seconds.map(|seconds| timers::ReceivedExpire {
            at: self.clock.now().saturating_sub(took),
            seconds,
        })
    }

    fn current_soa(&self) -> Option<Soa> {
        self.version.as_deref().and_then(soa_of)
    }

    async fn persist_timers(&self) {
        let store = self.store.clone();
        let zone = self.spec.name.clone();
        let t = self.timers;
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || store.set_timers(&zone, t)).await {
            warn!(error = %e, "cannot persist timers");
        }
    }

    fn publish_current(&self) {
        if let Some(v) = &self.version {
            self.publish.set(Some(Arc::new(Published::new(v.clone()))));
            self.propagation.on_published(v.serial());
        }
    }

    /// NOTIFY our own secondaries (a secondary in the middle of a chain).
    fn notify(&mut self) {
        if self.spec.settings.notify == crate::config::NotifyMode::No {
            return;
        }
        let Some(v) = self.version.clone() else {
            return;
        };
        self.notify_round.abort_all();
        let targets = notify_out::targets(
            self.spec.settings.notify,
            &v,
            &self.spec.settings.also_notify,
        )
        .into_iter()
        // Never notify our own primaries about their own zone.
        .filter(|t| !self.spec.primaries.iter().any(|p| p.addr == t.addr))
        .collect();
        notify_out::spawn_round(
            &mut self.notify_round,
            self.publish.snapshot(),
            &v,
            targets,
            &self.ring,
            &self.propagation,
        );
    }
}

/// A zone the member scheduler holds: each step does what woke it and all its inbox
/// holds, as the loop of [`SecondaryZone::run`] would, then parks it until its plan's
/// wake-up.
impl Member for SecondaryZone {
    fn step(mut self: Box<Self>, cause: Cause) -> Step {
        let span = info_span!("zone", zone = %self.spec.name);
        Box::pin(
            async move {
                let mut wake = match cause {
                    Cause::Start => {
                        self.start().await;
                        None
                    }
                    Cause::Deadline => Some(Wake::Deadline),
                    Cause::Woken => None,
                };
                loop {
                    if let Some(w) = wake.take() {
                        self.work(w).await;
                    }
                    self.plan().await;
                    let p = self.inbox.take();
                    if !p.is_empty() {
                        wake = Some(Wake::Inbox(p));
                        continue;
                    }
                    if self.inbox.is_closed() {
                        self.notify_round.abort_all();
                        debug!("zone stopped");
                        return None;
                    }
                    let at = self.plan.wake;
                    return Some((self as Box<dyn Member>, at));
                }
            }
            .instrument(span),
        )
    }
}

/// A new version persisted and served.
struct Committed {
    /// Its serial.
    serial: u32,
    /// How long the store's commit took (the log line's `persist_ms`: a slow disk
    /// shows there, not in the transfer).
    persist: Duration,
}

/// Milliseconds with two decimals, for log fields.
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

fn soa_of(v: &ZoneVersion) -> Option<Soa> {
    Soa::from_rdata(v.soa_rdata()).ok()
}

/// The part of `cs` that changes `v`, and how many records it left out: additions of
/// records `v` holds (with the same TTL) and `cs` does not remove are dropped, and
/// each record is kept once.
///
/// NSD 4.6's `create-ixfr` needs this: its changesets re-add unchanged apex RRsets (an
/// MX), which leaves both copies holding the record, so nothing drifts. A removal of
/// a record `v` lacks is kept, so the strict apply fails and the refresh falls back to
/// AXFR: the primary believed it held a record we never had, our copies differ, and
/// only a whole transfer brings them together again (Knot and BIND's `ixfr` checks do
/// the same; taking the rest of such an IXFR would let the secondary drift silently).
/// The result applies strictly, so the journal, and IXFR-out to strict secondaries,
/// carry only real changes. An addition of a held record with another TTL is kept: it
/// still fails, and the refresh falls back to AXFR.
fn effective_changeset(v: &ZoneVersion, cs: &Changeset) -> (Changeset, usize) {
    let held_ttl = |r: &Record| {
        let key = set_key(r.rtype, &r.rdata);
        v.get(&r.owner)
            .and_then(|n| n.rrsets().find(|s| s.key() == key))
            .filter(|s| s.contains(&r.rdata))
            .map(|s| s.ttl)
    };
    let mut removed: Vec<Record> = cs.removed.to_vec();
    removed.sort_by(same_record);
    removed.dedup_by(|a, b| same_record(a, b).is_eq());
    let mut added: Vec<Record> = cs
        .added
        .iter()
        .filter(|r| {
            held_ttl(r) != Some(r.ttl) || removed.binary_search_by(|x| same_record(x, r)).is_ok()
        })
        .cloned()
        .collect();
    added.sort_by(same_record);
    added.dedup_by(|a, b| same_record(a, b).is_eq());
    let dropped = cs.removed.len() + cs.added.len() - removed.len() - added.len();
    let effective = Changeset {
        from_soa: cs.from_soa.clone(),
        to_soa: cs.to_soa.clone(),
        removed,
        added,
    };
    (effective, dropped)
}

/// The order in which a zone tells records apart: owner, type (and covered type),
/// RDATA in canonical form; TTL and case do not count.
fn same_record(a: &Record, b: &Record) -> Ordering {
    a.owner
        .cmp(&b.owner)
        .then_with(|| set_key(a.rtype, &a.rdata).cmp(&set_key(b.rtype, &b.rdata)))
        .then_with(|| canonical_rdata_cmp(a.rtype, a.rdata.as_wire(), b.rdata.as_wire()))
}

//============ Errors ================================================================

/// Why a refresh from one primary failed. The variant decides what the task does
/// next ([`RefreshError::tries_next_primary`]); the text is what the log and the
/// zone's status say.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The primary's key is named in the config but the key ring no longer holds it
    /// (a reload removed it): this primary cannot be asked; the next one may.
    #[error("key {key} for {peer} is not configured")]
    UnknownKey {
        /// The primary.
        peer: SocketAddr,
        /// The key's name.
        key: Name,
    },
    /// The SOA query or the transfer failed (timeout, REFUSED, NOTAUTH, a TSIG
    /// failure, a network error, a broken stream): the next primary may do better.
    #[error(transparent)]
    Xfr(#[from] XfrError),
    /// The IXFR's changesets do not apply to our version: fall back to AXFR from the
    /// same primary (as Knot and NSD do; retrying the IXFR would fail the same way).
    #[error("{0}")]
    DoesNotApply(ApplyError),
    /// What the primary sent does not make a valid zone: the next primary.
    #[error(transparent)]
    Invalid(#[from] VersionError),
    /// The answer was not the kind of transfer asked for: the next primary.
    #[error("{0}")]
    Unexpected(&'static str),
    /// The new version did not pass the zone's gate (ZONEMD, the verify command):
    /// nothing was stored and the previous version stays served; the next primary
    /// may serve another version, else RETRY applies.
    #[error("serial {serial} rejected: {error}")]
    Rejected {
        /// The rejected version's serial.
        serial: u32,
        /// Why.
        #[source]
        error: GateError,
    },
    /// The store failed: the refresh fails at once, since another primary's copy
    /// would fail the same way.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Work off the runtime panicked or was cancelled (shutdown): the refresh fails.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
}

impl RefreshError {
    /// True when the next primary is worth asking; false when the refresh fails
    /// whoever is asked (the store, the runtime).
    pub fn tries_next_primary(&self) -> bool {
        match self {
            RefreshError::UnknownKey { .. }
            | RefreshError::Xfr(_)
            | RefreshError::DoesNotApply(_)
            | RefreshError::Invalid(_)
            | RefreshError::Unexpected(_)
            | RefreshError::Rejected { .. } => true,
            RefreshError::Store(_) | RefreshError::Task(_) => false,
        }
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TimerBounds;
    use crate::sync::ZoneSettings;
    use crate::xfr::Limits;
    use crate::zone::Rtype;
    use crate::zone::version::tests::rr::*;

    fn zone() -> ZoneVersion {
        let z = "example.com.";
        ZoneVersion::from_records(
            n(z),
            Class::IN,
            vec![
                soa(z, 1),
                ns(z, "ns1.example.net."),
                mx(z, 10, "mail.example.com."),
                a("www.example.com.", [192, 0, 2, 1]),
            ],
        )
        .unwrap()
    }

    fn changeset(removed: Vec<Record>, added: Vec<Record>) -> Changeset {
        Changeset {
            from_soa: soa("example.com.", 1),
            to_soa: soa("example.com.", 2),
            removed,
            added,
        }
    }

    #[test]
    fn changes_without_effect_are_left_out() {
        let v = zone();
        let www1 = a("www.example.com.", [192, 0, 2, 1]);
        let www2 = a("www.example.com.", [192, 0, 2, 2]);
        let cs = changeset(
            vec![
                www1.clone(),
                a("ghost.example.com.", [192, 0, 2, 9]),
                www1.clone(),
            ],
            vec![
                // NSD 4.6 `create-ixfr`: an unchanged apex RRset added again.
                mx("example.com.", 10, "MAIL.example.com."),
                www2.clone(),
                www2.clone(),
                txt("new.example.com.", "new"),
            ],
        );
        assert!(v.apply(&cs).is_err());
        // The removal of a record we lack stays: our copies differ, the strict apply
        // fails, and the refresh falls back to AXFR (issue 13: no silent drift).
        let (effective, dropped) = effective_changeset(&v, &cs);
        assert_eq!(dropped, 3);
        assert!(matches!(
            v.apply(&effective),
            Err(ApplyError::NotPresent { .. })
        ));
        // Without it, the re-added MX and the repeats are left out and the rest
        // applies.
        let cs = changeset(vec![www1.clone(), www1.clone()], cs.added.clone());
        let (effective, dropped) = effective_changeset(&v, &cs);
        assert_eq!(dropped, 3);
        assert_eq!(effective.removed, vec![www1]);
        assert_eq!(effective.added.len(), 2);
        let new = v.apply(&effective).unwrap();
        assert_eq!(new.serial(), 2);
        assert_eq!(new.record_count(), 5);
    }

    #[test]
    fn a_ttl_change_is_kept_and_a_conflicting_ttl_still_fails() {
        let v = zone();
        let www1 = a("www.example.com.", [192, 0, 2, 1]);
        // Removed and added again with a new TTL: a real change.
        let cs = changeset(vec![www1.clone()], vec![with_ttl(www1.clone(), 600)]);
        let (effective, dropped) = effective_changeset(&v, &cs);
        assert_eq!((dropped, &effective), (0, &cs));
        // Added with another TTL without the removal: not without effect; still fails.
        let cs = changeset(vec![], vec![with_ttl(www1, 600)]);
        let (effective, dropped) = effective_changeset(&v, &cs);
        assert_eq!(dropped, 0);
        assert!(matches!(
            v.apply(&effective),
            Err(ApplyError::AlreadyPresent {
                rtype: Rtype::A,
                ..
            })
        ));
    }

    /// Which failures move on to the next primary, and which fail the refresh at
    /// once; the texts stay those of the underlying errors.
    #[test]
    fn refresh_errors_decide_whether_the_next_primary_is_asked() {
        let peer: SocketAddr = "192.0.2.1:53".parse().unwrap();
        let unknown = RefreshError::UnknownKey {
            peer,
            key: n("xfr-key."),
        };
        assert!(unknown.tries_next_primary());
        assert_eq!(
            unknown.to_string(),
            "key xfr-key. for 192.0.2.1:53 is not configured"
        );
        let refused = RefreshError::from(XfrError::Refused { peer });
        assert!(refused.tries_next_primary());
        assert_eq!(refused.to_string(), "REFUSED from 192.0.2.1:53");
        let timeout = RefreshError::from(XfrError::Timeout {
            peer,
            after: Duration::from_secs(10),
            messages: 0,
        });
        assert!(timeout.tries_next_primary());
        assert!(
            RefreshError::Unexpected("the AXFR answer was not a whole zone").tries_next_primary()
        );
        let store = RefreshError::from(StoreError::NoSoa("example.com.".into()));
        assert!(!store.tries_next_primary());
        assert_eq!(
            store.to_string(),
            StoreError::NoSoa("example.com.".into()).to_string()
        );
    }

    //--- The task's timers, under paused time

    /// A store under `dir` holding [`timed_records`] with `timers`, as a restart
    /// finds it.
    fn seeded(dir: &std::path::Path, timers: Timers) -> Arc<Store> {
        let store = Arc::new(Store::open(dir).expect("store"));
        store
            .replace_zone_with(&n("example.com."), timed_records(), None, Some(timers))
            .expect("seed");
        store
    }

    /// Refresh 60 s, retry 20 s, expire 300 s; the bounds let the SOA decide.
    fn timed_records() -> Vec<Record> {
        let z = "example.com.";
        vec![
            soa_timers(z, 7, 60, 20, 300),
            ns(z, "ns1.example.net."),
            a("www.example.com.", [192, 0, 2, 1]),
        ]
    }

    fn bounds() -> TimerBounds {
        TimerBounds {
            min_refresh: Duration::from_secs(1),
            max_refresh: Duration::from_secs(86_400),
            min_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(86_400),
            min_expire: Duration::from_secs(1),
            max_expire: Duration::from_secs(86_400 * 30),
        }
    }

    /// Starts the task of example.com. over `store`, with no primaries: every
    /// refresh fails at once, without I/O, so virtual time is all there is.
    fn start(store: &Arc<Store>, tasks: &mut JoinSet<()>) -> Arc<ZoneHandle> {
        start_member(store, tasks, None)
    }

    /// [`start`] for a member of a catalog whose word is `word`: held by a member
    /// scheduler (started in `tasks`), as a super slave holds its members.
    fn start_member(
        store: &Arc<Store>,
        tasks: &mut JoinSet<()>,
        word: Option<CatalogWord>,
    ) -> Arc<ZoneHandle> {
        let spec = SecondarySpec {
            name: n("example.com."),
            primaries: Vec::new(),
            settings: Arc::new(ZoneSettings {
                allow_transfer: crate::acl::Acl::deny_all(),
                also_notify: Vec::new(),
                notify: crate::config::NotifyMode::No,
                allow_notify: crate::acl::Acl::deny_all(),
                secondary: true,
                catalog: false,
                gate: crate::sync::gate::GateSettings::default(),
            }),
            bounds: bounds(),
            limits: Limits::default(),
            propagation: Tracker::default(),
            member: word.map(|word| CatalogMember { word, fresh: false }),
        };
        let (store, ring, slots) = (
            store.clone(),
            Arc::new(KeyRing::default()),
            Arc::new(TransferSlots::new(4, 2)),
        );
        if spec.member.is_some() {
            adopt(spec, store, ring, slots, &mut Members::start(tasks))
        } else {
            spawn(spec, store, ring, slots, tasks)
        }
    }

    /// Lets the task run: a few scheduler turns without moving the clock.
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        // The restore runs on the blocking pool.
        for _ in 0..50 {
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Advances the paused clock by `secs`, one second at a time so that the task
    /// wakes at each of its deadlines, letting its store writes (on the blocking pool)
    /// finish between steps.
    async fn advance(secs: u64) {
        for _ in 0..secs {
            tokio::time::advance(Duration::from_secs(1)).await;
            for _ in 0..3 {
                tokio::task::yield_now().await;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    /// Waits (bounded, 2 s of real time, the clock standing still) until `cond`.
    async fn eventually(what: &str, cond: impl Fn() -> bool) {
        for _ in 0..2000 {
            if cond() {
                return;
            }
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("never: {what}");
    }

    /// A zone restored from the store, its primary dead: no refresh before REFRESH,
    /// then retries every RETRY while it is still served, SERVFAIL from EXPIRE after
    /// its last good refresh on; the failures never move the expire clock, and a
    /// restart past EXPIRE restores the zone expired rather than resetting the clock.
    #[tokio::test(start_paused = true)]
    async fn retries_then_expires_by_the_soa_timers_across_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = timers::unix_now();
        let timers = Timers {
            last_ok: now,
            next_refresh: now + 60,
            expire_at: now + 300,
        };
        let store = seeded(dir.path(), timers);

        let mut tasks = JoinSet::new();
        let zone = start(&store, &mut tasks);
        settle().await;
        assert_eq!(
            zone.current().map(|p| p.version.serial()),
            Some(7),
            "restored"
        );
        let st = zone.status.get();
        assert_eq!((st.state, st.last_error.clone()), (State::Ok, None));

        // No refresh before REFRESH: the restored timers hold.
        advance(58).await;
        assert_eq!(zone.status.get().last_error, None);

        // At REFRESH the refresh fails; the next try is RETRY away (jittered down by
        // at most a tenth), and the zone is still served.
        advance(4).await;
        eventually("the retry is planned", || {
            zone.status.get().next_refresh.is_some_and(|t| t > now + 60)
        })
        .await;
        let st = zone.status.get();
        assert_eq!(st.last_error.as_deref(), Some("no primaries"));
        let retry_in = st.next_refresh.expect("planned").saturating_sub(now + 62);
        assert!((16..=20).contains(&retry_in), "retry in {retry_in}s");
        assert!(zone.current().is_some());

        // Served through the retries until EXPIRE after the last good refresh …
        advance(230).await;
        assert!(zone.current().is_some(), "served before EXPIRE");
        // A retry may still be writing its timers (off the runtime): Refreshing until
        // it is done, then Ok; the clock stands still meanwhile.
        eventually("ok", || zone.status.get().state == State::Ok).await;
        // … and not after.
        advance(10).await;
        eventually("expired", || zone.current().is_none()).await;
        assert_eq!(zone.status.get().state, State::Expired);

        // A NOTIFY makes it try again; the primary is still dead, so it stays expired.
        zone.send(crate::sync::ZoneEvent::NotifyIn { serial: None });
        settle().await;
        assert!(zone.current().is_none());

        // The failures moved the next refresh, never the expire clock.
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        let persisted = store.meta(&n("example.com.")).expect("meta").expect("zone");
        assert_eq!(persisted.timers.map(|t| t.expire_at), Some(now + 300));
        assert_eq!(persisted.timers.map(|t| t.last_ok), Some(now));

        // A restart after EXPIRE (on the wall clock, which paused time does not move:
        // hence a store whose expire time has passed) restores the zone expired, not
        // served and not reset.
        let dir = tempfile::tempdir().expect("tempdir");
        let past = Timers {
            last_ok: now - 400,
            next_refresh: now - 340,
            expire_at: now - 100,
        };
        let store = seeded(dir.path(), past);
        let mut tasks = JoinSet::new();
        let zone = start(&store, &mut tasks);
        settle().await;
        assert!(
            zone.current().is_none(),
            "expired before the restart: SERVFAIL"
        );
        assert_eq!(zone.status.get().state, State::Expired);
        tasks.abort_all();
    }

    /// A catalog member, its primary dead: the catalog's word, written once, is taken
    /// up at the member's own deadline as a success at the word's time (no query, so
    /// no error); a word for another serial is not; past EXPIRE of the last word the
    /// zone expires, and a newer word taken up at the next retry serves it again.
    #[tokio::test(start_paused = true)]
    async fn the_catalogs_word_is_taken_up_at_the_members_deadlines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = timers::unix_now();
        let timers = Timers {
            last_ok: now,
            next_refresh: now + 60,
            expire_at: now + 300,
        };
        let store = seeded(dir.path(), timers);
        let catalog = |serial| {
            let zone = n("example.com.");
            let member = crate::sync::catalog::Member {
                id: b"m".to_vec(),
                zone: zone.clone(),
                serial: Some(serial),
                coo: None,
                groups: Vec::new(),
            };
            Arc::new(crate::sync::catalog::Catalog {
                name: n("catalog.invalid."),
                serial: 1,
                members: [(zone, member)].into_iter().collect(),
                has_serials: true,
            })
        };
        let word = CatalogWord::default();
        let mut tasks = JoinSet::new();
        let zone = start_member(&store, &mut tasks, Some(word.clone()));
        settle().await;
        assert!(zone.current().is_some(), "restored");

        // The word (at +30) is not taken up before the zone's refresh is due …
        advance(30).await;
        word.set(now + 30, catalog(7));
        advance(20).await;
        assert_eq!(zone.status.get().last_refresh, Some(now));
        // … and then counts from its own time: no query, no error.
        advance(12).await;
        eventually("the word is taken up", || {
            zone.status.get().last_refresh == Some(now + 30)
        })
        .await;
        let st = zone.status.get();
        assert_eq!(st.last_error, None);
        assert_eq!(st.expire_at, Some(now + 330));
        let next = st.next_refresh.expect("planned");
        assert!((now + 84..=now + 90).contains(&next), "next refresh {next}");
        let persisted = store.meta(&n("example.com.")).expect("meta").expect("zone");
        assert_eq!(persisted.timers.map(|t| t.last_ok), Some(now + 30));

        // A word for another serial says nothing of ours: the refresh is tried (and
        // fails), and the zone expires 300 s after the last word.
        word.set(now + 62, catalog(8));
        advance(30).await;
        eventually("the refresh failed", || {
            zone.status.get().last_error.is_some()
        })
        .await;
        advance(240).await;
        eventually("expired", || zone.current().is_none()).await;

        // A newer word for our serial serves it again at the next retry.
        word.set(now + 335, catalog(7));
        advance(25).await;
        eventually("served again", || zone.current().is_some()).await;
        let st = zone.status.get();
        assert_eq!((st.state, st.last_refresh), (State::Ok, Some(now + 335)));
        tasks.abort_all();
    }

    /// A zone never transferred is Loading (SERVFAIL, not NXDOMAIN) and retries at the
    /// lower retry bound.
    #[tokio::test(start_paused = true)]
    async fn a_zone_never_transferred_is_loading_and_retries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open(dir.path()).expect("store"));
        let mut tasks = JoinSet::new();
        let zone = start(&store, &mut tasks);
        eventually("the first refresh failed", || {
            zone.status.get().next_refresh.is_some()
        })
        .await;
        let st = zone.status.get();
        assert_eq!(st.state, State::Loading);
        assert!(zone.current().is_none());
        assert_eq!(st.last_error.as_deref(), Some("no primaries"));
        let first = st.next_refresh.expect("planned");
        advance(2).await;
        eventually("retried", || {
            zone.status.get().next_refresh.is_some_and(|t| t > first)
        })
        .await;
        tasks.abort_all();
    }

    //--- Against a scripted primary, under paused time

    /// A primary for example.com. on the test's own runtime (127.0.0.1, port 0): SOA
    /// over UDP and TCP, and AXFR and IXFR over TCP, both answered with the whole zone
    /// (an AXFR-style IXFR). With a key it answers only queries signed with that key
    /// (NOTAUTH otherwise) and signs its answers, as a primary whose secret was
    /// rotated does.
    struct Scripted {
        addr: SocketAddr,
        /// The serial it serves; its zone is [`zone_at`] that serial.
        serial: Arc<std::sync::atomic::AtomicU32>,
        /// The key queries must be signed with.
        key: Arc<std::sync::Mutex<Option<Key>>>,
        /// Each query's type, and whether it was signed with `key`.
        log: Arc<std::sync::Mutex<Vec<(Rtype, bool)>>>,
    }

    /// Example.com. at `serial`: refresh an hour, so no timer fires in a test.
    fn zone_at(serial: u32) -> Vec<Record> {
        let z = "example.com.";
        vec![
            soa_timers(z, serial, 3600, 600, 86_400),
            ns(z, "ns1.example.net."),
            a("www.example.com.", [192, 0, 2, serial as u8]),
        ]
    }

    impl Scripted {
        async fn start(serial: u32, key: Option<Key>) -> Scripted {
            // The same port for UDP and TCP.
            let (tcp, udp) = loop {
                let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("tcp");
                let addr = tcp.local_addr().expect("addr");
                if let Ok(udp) = tokio::net::UdpSocket::bind(addr).await {
                    break (tcp, udp);
                }
            };
            let fake = Scripted {
                addr: tcp.local_addr().expect("addr"),
                serial: Arc::new(serial.into()),
                key: Arc::new(std::sync::Mutex::new(key)),
                log: Arc::default(),
            };
            let answerer = fake.answerer();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65_535];
                while let Ok((len, from)) = udp.recv_from(&mut buf).await {
                    let out = answerer.answer(&buf[..len]);
                    let _ = udp.send_to(&out, from).await;
                }
            });
            let answerer = fake.answerer();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                while let Ok((mut s, _)) = tcp.accept().await {
                    let answerer = answerer.clone();
                    tokio::spawn(async move {
                        loop {
                            let mut len = [0u8; 2];
                            if s.read_exact(&mut len).await.is_err() {
                                return;
                            }
                            let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                            if s.read_exact(&mut q).await.is_err() {
                                return;
                            }
                            let out = answerer.answer(&q);
                            let mut framed = (out.len() as u16).to_be_bytes().to_vec();
                            framed.extend_from_slice(&out);
                            if s.write_all(&framed).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            });
            fake
        }

        fn answerer(&self) -> Answerer {
            Answerer {
                serial: self.serial.clone(),
                key: self.key.clone(),
                log: self.log.clone(),
            }
        }

        fn log(&self) -> Vec<(Rtype, bool)> {
            self.log.lock().expect("log").clone()
        }
    }

    /// The part of [`Scripted`] its socket tasks share.
    #[derive(Clone)]
    struct Answerer {
        serial: Arc<std::sync::atomic::AtomicU32>,
        key: Arc<std::sync::Mutex<Option<Key>>>,
        log: Arc<std::sync::Mutex<Vec<(Rtype, bool)>>>,
    }

    impl Answerer {
        fn answer(&self, q: &[u8]) -> Vec<u8> {
            use crate::tsig::sign::{RequestTsig, VerifyPolicy, now, verify_request};
            use crate::wire::Rcode;
            use crate::xfr::interpret::tests::msg;
            let qtype = crate::wire::Message::parse(q)
                .ok()
                .and_then(|m| m.question().map(|q| q.qtype))
                .unwrap_or(Rtype::SOA);
            let key = self.key.lock().expect("key").clone();
            let mut signer = None;
            if let Some(k) = key {
                let lookup = |name: &Name, _| (name == k.name()).then(|| k.clone());
                match verify_request(q, lookup, now(), VerifyPolicy::default()) {
                    RequestTsig::Signed(s) => signer = Some(s),
                    RequestTsig::Failed(f) => {
                        self.log.lock().expect("log").push((qtype, false));
                        return f.reply(q, now());
                    }
                    RequestTsig::Unsigned => {
                        self.log.lock().expect("log").push((qtype, false));
                        let mut out = msg(qtype, Rcode::NOTAUTH, &[]);
                        out[..2].copy_from_slice(&q[..2]);
                        return out;
                    }
                }
            }
            self.log
                .lock()
                .expect("log")
                .push((qtype, signer.is_some()));
            let serial = self.serial.load(std::sync::atomic::Ordering::SeqCst);
            let mut records = zone_at(serial);
            if matches!(qtype, Rtype::AXFR | Rtype::IXFR) {
                records.push(records[0].clone());
            } else {
                records.truncate(1);
            }
            let mut out = msg(qtype, Rcode::NOERROR, &records);
            out[..2].copy_from_slice(&q[..2]);
            // AA: the SOA answer must be authoritative.
            out[2] |= 0x04;
            if let Some(s) = &mut signer {
                s.sign(&mut out, now());
            }
            out
        }
    }

    /// Starts example.com.'s task against `primary` (IXFR asked for), keys from `ring`.
    fn start_with(
        store: &Arc<Store>,
        primary: &Scripted,
        key: Option<&str>,
        ring: &Arc<KeyRing>,
        tasks: &mut JoinSet<()>,
    ) -> Arc<ZoneHandle> {
        let spec = SecondarySpec {
            name: n("example.com."),
            primaries: vec![PrimaryServer {
                addr: primary.addr,
                key: key.map(n),
                ixfr: true,
                ixfr_udp: false,
                tls: None,
            }],
            settings: Arc::new(ZoneSettings {
                allow_transfer: crate::acl::Acl::deny_all(),
                also_notify: Vec::new(),
                notify: crate::config::NotifyMode::No,
                allow_notify: crate::acl::Acl::deny_all(),
                secondary: true,
                catalog: false,
                gate: crate::sync::gate::GateSettings::default(),
            }),
            bounds: bounds(),
            limits: Limits::default(),
            propagation: Tracker::default(),
            member: None,
        };
        spawn(
            spec,
            store.clone(),
            ring.clone(),
            Arc::new(TransferSlots::new(4, 2)),
            tasks,
        )
    }

    fn serial_of(zone: &ZoneHandle) -> Option<u32> {
        zone.current().map(|p| p.version.serial())
    }

    /// The test: a zone's inbox flooded with a thousand weak events before a
    /// `Retransfer` and a thousand after still runs the retransfer, as one AXFR (no SOA
    /// query, no IXFR), and nothing else: the weak events merged into it. (The old
    /// inbox of 4 dropped the `Retransfer` and ran a plain refresh: SOA, then IXFR.)
    #[tokio::test(start_paused = true)]
    async fn a_flooded_inbox_still_runs_the_retransfer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open(dir.path()).expect("store"));
        let now = timers::unix_now();
        let fresh = Timers {
            last_ok: now,
            next_refresh: now + 3600,
            expire_at: now + 86_400,
        };
        store
            .replace_zone_with(&n("example.com."), zone_at(1), None, Some(fresh))
            .expect("seed");
        let primary = Scripted::start(2, None).await;
        let mut tasks = JoinSet::new();
        let ring = Arc::new(KeyRing::default());
        let zone = start_with(&store, &primary, None, &ring, &mut tasks);
        settle().await;
        assert_eq!(serial_of(&zone), Some(1), "restored");
        assert!(primary.log().is_empty(), "no refresh before REFRESH");

        use crate::sync::ZoneEvent;
        let weak = [
            ZoneEvent::Refresh,
            ZoneEvent::NotifyIn { serial: Some(1) },
            ZoneEvent::Current { serial: 1 },
            ZoneEvent::NotifyIn { serial: None },
        ];
        for i in 0..1000 {
            zone.send(weak[i % weak.len()]);
        }
        let said = zone.send(ZoneEvent::Retransfer);
        assert_eq!(
            said.to_string(),
            "retransfer (AXFR), refresh, confirmation of serial 1"
        );
        for i in 0..1000 {
            zone.send(weak[i % weak.len()]);
        }

        eventually("the retransfer ran", || serial_of(&zone) == Some(2)).await;
        settle().await;
        assert_eq!(primary.log(), vec![(Rtype::AXFR, false)]);
        assert!(zone.pending().is_empty());
        assert_eq!(zone.status.get().last_error, None);
        tasks.abort_all();
    }

    /// Keys config with one key, `xfr-key.`, of this secret.
    fn keys_with(secret: &str) -> crate::config::Keys {
        let text = format!(
            "listen: [\"127.0.0.1:5300\"]\nkeys:\n  - {{ name: xfr-key, algorithm: hmac-sha256, secret: \"{secret}\" }}\n"
        );
        crate::config::Config::from_yaml(&text, std::path::Path::new("/tmp/zonesync.yaml"))
            .expect("config")
            .keys
    }

    /// A secret replaced in the key ring signs the zone's next SOA query and transfer,
    /// with no restart of the task; a key removed from the ring fails that primary
    /// with a clear error, before anything is sent.
    #[tokio::test(start_paused = true)]
    async fn the_next_transfer_is_signed_with_the_replaced_secret() {
        let (old, new) = (
            "b2xkLXNlY3JldC1vbGQtc2VjcmV0",
            "bmV3LXNlY3JldC1uZXctc2VjcmV0",
        );
        let ring = Arc::new(KeyRing::new(keys_with(old)));
        let key = |k: &crate::config::Keys| k.get(&n("xfr-key.")).cloned();
        let primary = Scripted::start(1, key(&keys_with(old))).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open(dir.path()).expect("store"));
        let mut tasks = JoinSet::new();
        let zone = start_with(&store, &primary, Some("xfr-key."), &ring, &mut tasks);
        eventually("the first transfer", || serial_of(&zone) == Some(1)).await;
        assert_eq!(primary.log(), vec![(Rtype::AXFR, true)]);

        // The secret is rotated at the primary and by `serve reload`.
        *primary.key.lock().expect("key") = key(&keys_with(new));
        primary.serial.store(2, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(ring.replace(keys_with(new)), vec![n("xfr-key.")]);
        zone.send(crate::sync::ZoneEvent::Refresh);
        eventually("the transfer signed with the new secret", || {
            serial_of(&zone) == Some(2)
        })
        .await;
        assert_eq!(
            primary.log()[1..],
            [(Rtype::SOA, true), (Rtype::IXFR, true)],
            "SOA query and IXFR, both verified with the new secret"
        );
        assert_eq!(zone.status.get().last_error, None);

        // The key removed: this primary fails, clearly, and is not asked unsigned.
        ring.replace(crate::config::Keys::default());
        zone.send(crate::sync::ZoneEvent::Retransfer);
        let want = format!("key xfr-key. for {} is not configured", primary.addr);
        eventually("the refresh failed", || {
            zone.status.get().last_error.as_deref() == Some(want.as_str())
        })
        .await;
        assert_eq!(primary.log().len(), 3, "nothing sent without the key");
        assert_eq!(serial_of(&zone), Some(2), "still served");
        tasks.abort_all();
    }
}
