//! A zone task's inbox: what the task has been asked to do and has not done yet, kept
//! as one merged value ([`Pending`]) instead of a queue of events.
//!
//! Every sender (NOTIFY-in in the listeners, the zone-set manager's catalog and bulk
//! refresh, control commands) merges its [`ZoneEvent`] into the zone's [`Pending`]
//! through [`Inbox::send`]. The zone's task takes the whole value when it is free
//! ([`InboxReceiver::recv`], [`InboxReceiver::take`]) and does the strongest work asked
//! for, once. Such an inbox is never full and never loses work: a thousand NOTIFYs are
//! one refresh, and a retransfer sent behind them is still a retransfer. It is bounded
//! by construction (one [`Pending`] per zone), which is what STYLE.md rule 8 asks of a
//! channel, and is the coalescing slot of STYLE.md trap 8 (Knot's one pending event per
//! kind, Cascade's `enqueue` merge).
//!
//! # Data flow
//! `ZoneHandle::send` → [`Inbox::send`] (merge under a short `std` mutex, never held
//! across an await; then a wake-up through a [`Notify`], whose stored permit means a
//! wake-up is never lost) → the zone task's `select!` →
//! [`InboxReceiver::recv`] → [`Pending::refresh`] picks the refresh to run against the
//! zone's serial at that moment.
//!
//! # Merge table
//! A secondary's refresh requests merge kind by kind, and [`Pending::refresh`] runs the
//! strongest one that still applies (strongest first):
//!
//! | asked for                  | event                    | merged with the same kind    |
//! |----------------------------|--------------------------|------------------------------|
//! | retransfer (AXFR)          | `Retransfer`             | one retransfer               |
//! | transfer of a newer serial | `Newer { serial }`       | the higher serial (RFC 1982) |
//! | refresh (SOA check)        | `Refresh`, `NotifyIn`    | a NOTIFY's SOA hint is kept only while every check merged carried one (the highest); an explicit `Refresh`, or a NOTIFY without a hint, checks regardless |
//! | confirmation of a serial   | `Current { serial }`     | the same serial stays a confirmation; two different serials become a refresh |
//!
//! A weaker kind is kept beside a stronger one, not dropped: a "newer" serial the zone
//! has meanwhile transferred no longer applies, and then a refresh asked for beside it
//! still runs. Beside those, independent flags: send NOTIFY out (`SendNotify`),
//! re-read the zone file (`Reload`, primary zones), and the time the first NOTIFY
//! arrived (for the NOTIFY-to-served metric).
//!
//! # Standards
//! - RFC 1996 §3.7: a NOTIFY's SOA hint that is not newer than the secondary's serial
//!   is a "no further work needs to be done" indication; "if ANCOUNT=0 … then the
//!   slave should query its known masters" — hence a hint survives a merge only when
//!   every NOTIFY merged carried one.
//! - RFC 1996 §3.11: on NOTIFY the secondary behaves as if REFRESH had been reached:
//!   "it should query its masters for the SOA … and check the answer to see if the
//!   SOA SERIAL has been incremented" — one check answers any number of NOTIFYs.
//! - RFC 1982: serials are compared in sequence space ([`Serial`]), so the highest of
//!   two "newer" serials is the one that is newer, not the larger number.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{Notify, mpsc};

use crate::zone::serial::Serial;

use super::ZoneEvent;

//----------- Pending ----------------------------------------------------------------

/// What a zone's task has been asked to do and has not done yet: every event sent
/// since the task last took its inbox, merged (see the module's merge table).
///
/// A pure value: [`Pending::merge`] folds one event in, [`Pending::refresh`] says what
/// refresh to run against the zone's current serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pending {
    /// Secondaries: transfer the whole zone (control `retransfer`).
    pub retransfer: bool,
    /// Secondaries: the primary is known (from a catalog) to serve this serial; the
    /// highest by RFC 1982 of those sent.
    pub newer: Option<u32>,
    /// Secondaries: query the primary's SOA and transfer when it is newer.
    pub check: Option<Check>,
    /// Secondaries: a catalog confirms the primary serves this serial.
    pub confirm: Option<u32>,
    /// Send NOTIFY for the current serial.
    pub notify_out: bool,
    /// Primary zones: re-read the zone file.
    pub reload: bool,
    /// When the first NOTIFY merged here arrived (NOTIFY-to-served latency).
    pub notified_at: Option<Instant>,
}

/// Why a secondary should query its primary's SOA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Only NOTIFYs asked, and each carried an SOA hint: this is the highest. A hint
    /// not newer than the zone's serial means nothing to do (RFC 1996 §3.7).
    Hint(u32),
    /// Check regardless (a timer, a control `refresh`, a NOTIFY without a hint).
    Always,
}

/// The refresh a secondary's task runs for what is pending, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refresh {
    /// The catalog says the primary serves our serial: the zone is current (timers
    /// restart, no query is sent).
    Confirm(u32),
    /// Query the SOA, transfer when newer.
    Check,
    /// The primary is known to be newer: transfer without the SOA query.
    Known,
    /// Transfer the whole zone regardless.
    Axfr,
}

impl Pending {
    /// A pending SOA check (a timer fired).
    pub fn check() -> Pending {
        Pending {
            check: Some(Check::Always),
            ..Pending::default()
        }
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        Pending {
            notified_at: None,
            ..*self
        } == Pending::default()
    }

    /// Folds `event`, which arrived at `now`, into what is pending.
    pub fn merge(&mut self, event: ZoneEvent, now: Instant) {
        match event {
            ZoneEvent::Retransfer => self.retransfer = true,
            ZoneEvent::Newer { serial } => {
                self.newer = Some(match self.newer {
                    Some(had) => higher(had, serial),
                    None => serial,
                });
            }
            ZoneEvent::NotifyIn { serial } => {
                self.notified_at.get_or_insert(now);
                self.merge_check(serial.map_or(Check::Always, Check::Hint));
            }
            ZoneEvent::Refresh => self.merge_check(Check::Always),
            ZoneEvent::Current { serial } => match self.confirm {
                None => self.confirm = Some(serial),
                Some(had) if had == serial => {}
                // Two confirmations disagree: only the primary can say which holds.
                Some(_) => self.merge_check(Check::Always),
            },
            ZoneEvent::SendNotify => self.notify_out = true,
            ZoneEvent::Reload => self.reload = true,
        }
    }

    /// Folds everything pending in `other` into `self`.
    pub fn absorb(&mut self, other: Pending) {
        self.retransfer |= other.retransfer;
        if let Some(s) = other.newer {
            self.merge(ZoneEvent::Newer { serial: s }, Instant::now());
        }
        if let Some(c) = other.check {
            self.merge_check(c);
        }
        if let Some(s) = other.confirm {
            self.merge(ZoneEvent::Current { serial: s }, Instant::now());
        }
        self.notify_out |= other.notify_out;
        self.reload |= other.reload;
        self.notified_at = match (self.notified_at, other.notified_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    fn merge_check(&mut self, c: Check) {
        self.check = Some(match (self.check, c) {
            (None, c) => c,
            (Some(Check::Hint(a)), Check::Hint(b)) => Check::Hint(higher(a, b)),
            _ => Check::Always,
        });
    }

    /// The refresh to run now, for a secondary whose served serial is `ours` (`None`
    /// before the first transfer) and which is `serving` (loaded and not expired):
    /// the strongest request that still applies, or `None` when none does.
    ///
    /// A "newer" serial that is not newer than ours applies no longer (a transfer got
    /// there first); a NOTIFY hint not newer than ours asks for nothing while the zone
    /// is served (RFC 1996 §3.7); a confirmation of another serial than ours is a
    /// check.
    pub fn refresh(&self, ours: Option<u32>, serving: bool) -> Option<Refresh> {
        if self.retransfer {
            return Some(Refresh::Axfr);
        }
        let is_newer = |s: u32| ours.is_none_or(|o| Serial(s).is_newer_than(Serial(o)));
        if self.newer.is_some_and(is_newer) {
            return Some(Refresh::Known);
        }
        match self.check {
            Some(Check::Always) => return Some(Refresh::Check),
            Some(Check::Hint(h)) if !serving || is_newer(h) => return Some(Refresh::Check),
            _ => {}
        }
        match self.confirm {
            Some(s) if ours == Some(s) => Some(Refresh::Confirm(s)),
            Some(_) => Some(Refresh::Check),
            None => None,
        }
    }
}

/// The newer of two serials by RFC 1982; the larger number when they are not
/// comparable (2^31 apart), so that the merge does not depend on the order.
fn higher(a: u32, b: u32) -> u32 {
    match (
        Serial(a).is_newer_than(Serial(b)),
        Serial(b).is_newer_than(Serial(a)),
    ) {
        (true, _) => a,
        (_, true) => b,
        _ => a.max(b),
    }
}

//--- Display

/// What is pending, strongest first, as the control endpoint says it:
/// `retransfer (AXFR)`, `transfer of serial 2024010105`, `refresh`, `NOTIFY out`, …
/// joined by `, `; `nothing` when empty.
impl fmt::Display for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.retransfer {
            parts.push("retransfer (AXFR)".into());
        }
        if let Some(s) = self.newer {
            parts.push(format!("transfer of serial {s}"));
        }
        match self.check {
            Some(Check::Always) => parts.push("refresh".into()),
            Some(Check::Hint(s)) => parts.push(format!("refresh (NOTIFY of serial {s})")),
            None => {}
        }
        if let Some(s) = self.confirm {
            parts.push(format!("confirmation of serial {s}"));
        }
        if self.reload {
            parts.push("zone file check".into());
        }
        if self.notify_out {
            parts.push("NOTIFY out".into());
        }
        if parts.is_empty() {
            f.write_str("nothing")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

//----------- Inbox ------------------------------------------------------------------

/// What the two sides of an inbox share: one allocation per zone (about 100 octets; a
/// `watch` channel for the wake-up alone took 336, a hundred thousand zones' 33 MB).
#[derive(Debug)]
struct Shared {
    /// What is pending. Written by senders (merge) and the zone task (take); the lock
    /// is held for a merge or a `mem::take`, never across an await.
    pending: Mutex<Pending>,
    /// Set when the [`Inbox`] is dropped: the task stops once it has taken the rest.
    closed: AtomicBool,
    /// Wakes whoever takes from the inbox, after a merge or the drop.
    wake: Wake,
}

/// How an inbox wakes whoever takes from it.
#[derive(Debug)]
enum Wake {
    /// A task of the zone's own, waiting in [`InboxReceiver::recv`]. `notify_one`
    /// stores a permit when the task is not waiting, so a wake-up sent between its
    /// look and its wait is kept.
    Task(Notify),
    /// The member scheduler ([`super::members`]), which holds the zone while it is
    /// idle: the zone's `id` is sent when the inbox goes from empty to not empty and
    /// when the inbox is dropped, so the channel holds at most two ids per zone, and
    /// work merged while the zone runs is taken by the run under way or by the one
    /// the id starts (the scheduler runs a zone again when its id came in mid-run).
    Scheduler {
        id: u64,
        to: mpsc::UnboundedSender<u64>,
    },
}

impl Wake {
    /// Wakes the taker; `woke_up` says the inbox went from empty to not empty (or
    /// closed), when a scheduler must hear of it.
    fn wake(&self, woke_up: bool) {
        match self {
            Wake::Task(notify) => notify.notify_one(),
            Wake::Scheduler { id, to } => {
                if woke_up {
                    // The scheduler gone means the server is stopping: nothing to wake.
                    let _ = to.send(*id);
                }
            }
        }
    }
}

/// The sending side of a zone task's inbox, held by the zone's [`super::ZoneHandle`].
/// Dropping it stops the task (once it has taken what is pending).
#[derive(Debug)]
pub struct Inbox {
    shared: Arc<Shared>,
}

/// The zone task's side of its inbox.
#[derive(Debug)]
pub struct InboxReceiver {
    shared: Arc<Shared>,
}

/// A new, empty inbox, taken from by a task of the zone's own.
pub fn inbox() -> (Inbox, InboxReceiver) {
    with(Wake::Task(Notify::new()))
}

/// A new, empty inbox of a zone the member scheduler holds: a merge into the empty
/// inbox, and its drop, send `id` through `to`. Only [`InboxReceiver::take`] and
/// [`InboxReceiver::is_closed`] are for its taker ([`InboxReceiver::recv`] would wait
/// for a wake-up that goes to the scheduler instead).
pub fn scheduled(id: u64, to: mpsc::UnboundedSender<u64>) -> (Inbox, InboxReceiver) {
    with(Wake::Scheduler { id, to })
}

fn with(wake: Wake) -> (Inbox, InboxReceiver) {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Pending::default()),
        closed: AtomicBool::new(false),
        wake,
    });
    (
        Inbox {
            shared: shared.clone(),
        },
        InboxReceiver { shared },
    )
}

impl Inbox {
    /// Merges `event` into what is pending and wakes the task; returns what is
    /// pending now (this event included), for the control endpoint to say.
    pub fn send(&self, event: ZoneEvent) -> Pending {
        let (was_empty, now) = {
            let mut p = self.shared.pending.lock().expect("inbox lock poisoned");
            let was_empty = p.is_empty();
            p.merge(event, Instant::now());
            (was_empty, *p)
        };
        // After the merge: a taker that finds nothing, then waits, is woken.
        self.shared.wake.wake(was_empty && !now.is_empty());
        now
    }

    /// What is pending (not taken by the task yet).
    pub fn pending(&self) -> Pending {
        *self.shared.pending.lock().expect("inbox lock poisoned")
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.wake(true);
    }
}

impl InboxReceiver {
    /// Takes everything pending, leaving nothing.
    pub fn take(&mut self) -> Pending {
        std::mem::take(&mut *self.shared.pending.lock().expect("inbox lock poisoned"))
    }

    /// True once the [`Inbox`] is dropped (the zone is gone); what was merged before
    /// is still there to take.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Waits until the [`Inbox`] is dropped (the zone is gone), taking nothing.
    /// Cancel-safe as [`InboxReceiver::recv`] is.
    ///
    /// # Panics
    /// On the inbox of a zone the member scheduler holds, as `recv`.
    pub async fn closed(&self) {
        while !self.is_closed() {
            match &self.shared.wake {
                Wake::Task(notify) => notify.notified().await,
                Wake::Scheduler { .. } => unreachable!("a scheduled zone's inbox is not waited on"),
            }
        }
    }

    /// Waits until something is pending and takes it; `None` once the [`Inbox`] is
    /// dropped (the zone is gone) and nothing is left. Cancel-safe: nothing is taken
    /// until it returns, and a wake-up consumed by a dropped wait only means the next
    /// call looks first.
    ///
    /// # Panics
    /// On the inbox of a zone the member scheduler holds ([`scheduled`]): its
    /// wake-ups go to the scheduler, and a wait here would never end.
    pub async fn recv(&mut self) -> Option<Pending> {
        loop {
            let p = self.take();
            if !p.is_empty() {
                return Some(p);
            }
            if self.shared.closed.load(Ordering::Acquire) {
                // A merge before the drop was taken above (the flag is set after).
                let p = self.take();
                return (!p.is_empty()).then_some(p);
            }
            match &self.shared.wake {
                Wake::Task(notify) => notify.notified().await,
                Wake::Scheduler { .. } => unreachable!("a scheduled zone's inbox is not waited on"),
            }
        }
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(events: &[ZoneEvent]) -> Pending {
        let mut p = Pending::default();
        for e in events {
            p.merge(*e, Instant::now());
        }
        p
    }

    const NOTIFY: ZoneEvent = ZoneEvent::NotifyIn { serial: None };

    fn hint(s: u32) -> ZoneEvent {
        ZoneEvent::NotifyIn { serial: Some(s) }
    }

    fn newer(s: u32) -> ZoneEvent {
        ZoneEvent::Newer { serial: s }
    }

    fn current(s: u32) -> ZoneEvent {
        ZoneEvent::Current { serial: s }
    }

    /// The merge table, row by row, in every order: the strongest request that
    /// applies runs.
    #[test]
    fn the_strongest_refresh_wins_in_any_order() {
        use ZoneEvent::{Refresh as Ref, Retransfer};
        let cases: Vec<(Vec<ZoneEvent>, Option<Refresh>)> = vec![
            (vec![], None),
            (vec![current(5)], Some(Refresh::Confirm(5))),
            (vec![current(5), current(5)], Some(Refresh::Confirm(5))),
            // Confirmations that disagree, or of another serial: ask the primary.
            (vec![current(5), current(6)], Some(Refresh::Check)),
            (vec![current(4)], Some(Refresh::Check)),
            (vec![current(5), Ref], Some(Refresh::Check)),
            (vec![current(5), NOTIFY], Some(Refresh::Check)),
            (vec![hint(6), current(5)], Some(Refresh::Check)),
            (
                vec![newer(6), Ref, current(5), NOTIFY],
                Some(Refresh::Known),
            ),
            (vec![newer(6), newer(7)], Some(Refresh::Known)),
            (
                vec![Retransfer, newer(6), Ref, current(5)],
                Some(Refresh::Axfr),
            ),
            (vec![Retransfer, Retransfer], Some(Refresh::Axfr)),
            // A "newer" serial we hold already applies no longer …
            (vec![newer(5)], None),
            (vec![newer(4)], None),
            // … but a check asked for beside it still runs.
            (vec![newer(5), Ref], Some(Refresh::Check)),
            (vec![newer(5), current(5)], Some(Refresh::Confirm(5))),
            // NOTIFY hints: not newer than ours, nothing to do (RFC 1996 §3.7) …
            (vec![hint(5)], None),
            (vec![hint(3), hint(5)], None),
            (vec![hint(5), current(5)], Some(Refresh::Confirm(5))),
            // … one newer hint is enough …
            (vec![hint(3), hint(6), hint(5)], Some(Refresh::Check)),
            // … and one check without a hint checks regardless.
            (vec![hint(5), NOTIFY], Some(Refresh::Check)),
            (vec![hint(5), Ref, hint(4)], Some(Refresh::Check)),
            // SendNotify and Reload ask for no refresh.
            (vec![ZoneEvent::SendNotify, ZoneEvent::Reload], None),
        ];
        for (events, want) in cases {
            let mut reversed = events.clone();
            reversed.reverse();
            for order in [&events, &reversed] {
                let p = merged(order);
                assert_eq!(p.refresh(Some(5), true), want, "{order:?} -> {p}");
            }
        }
    }

    #[test]
    fn before_the_first_transfer_and_while_expired() {
        // Nothing to compare with: any "newer" serial, any hint is worth a transfer.
        assert_eq!(
            merged(&[newer(1)]).refresh(None, false),
            Some(Refresh::Known)
        );
        assert_eq!(
            merged(&[hint(1)]).refresh(None, false),
            Some(Refresh::Check)
        );
        assert_eq!(
            merged(&[current(1)]).refresh(None, false),
            Some(Refresh::Check)
        );
        // Expired: a hint equal to ours still checks (the zone is not served).
        assert_eq!(
            merged(&[hint(5)]).refresh(Some(5), false),
            Some(Refresh::Check)
        );
    }

    #[test]
    fn serials_merge_by_rfc_1982() {
        // 1 is newer than 4294967295: the wrap, not the larger number, wins.
        assert_eq!(merged(&[newer(u32::MAX), newer(1)]).newer, Some(1));
        assert_eq!(merged(&[newer(1), newer(u32::MAX)]).newer, Some(1));
        assert_eq!(
            merged(&[hint(u32::MAX), hint(2)]).check,
            Some(Check::Hint(2))
        );
        // Not comparable (2^31 apart): the same answer in either order.
        let (a, b) = (7, 7 + (1u32 << 31));
        assert_eq!(
            merged(&[newer(a), newer(b)]).newer,
            merged(&[newer(b), newer(a)]).newer
        );
    }

    #[test]
    fn flags_and_the_first_notify_time_are_kept() {
        let t0 = Instant::now();
        let mut p = Pending::default();
        assert!(p.is_empty());
        p.merge(hint(3), t0);
        p.merge(
            ZoneEvent::SendNotify,
            t0 + std::time::Duration::from_secs(1),
        );
        p.merge(NOTIFY, t0 + std::time::Duration::from_secs(2));
        assert_eq!(p.notified_at, Some(t0));
        assert!(p.notify_out && !p.reload);
        p.merge(ZoneEvent::Reload, t0);
        assert!(p.reload);
        assert_eq!(p.to_string(), "refresh, zone file check, NOTIFY out");

        let mut q = merged(&[newer(9)]);
        q.absorb(p);
        assert_eq!(q.notified_at, Some(t0));
        assert_eq!(
            q.to_string(),
            "transfer of serial 9, refresh, zone file check, NOTIFY out"
        );
    }

    #[test]
    fn display_says_what_runs() {
        assert_eq!(Pending::default().to_string(), "nothing");
        assert_eq!(
            merged(&[ZoneEvent::Retransfer]).to_string(),
            "retransfer (AXFR)"
        );
        assert_eq!(
            merged(&[newer(2024010105)]).to_string(),
            "transfer of serial 2024010105"
        );
        assert_eq!(
            merged(&[hint(7)]).to_string(),
            "refresh (NOTIFY of serial 7)"
        );
        assert_eq!(
            merged(&[current(7)]).to_string(),
            "confirmation of serial 7"
        );
        assert_eq!(merged(&[ZoneEvent::SendNotify]).to_string(), "NOTIFY out");
    }

    /// The flood: a thousand weak events before and after a retransfer in an
    /// inbox that never fills; what the task takes is still a retransfer.
    #[test]
    fn a_flood_of_weak_events_keeps_the_retransfer() {
        let (inbox, mut rx) = inbox();
        let weak = [ZoneEvent::Refresh, hint(5), current(5), NOTIFY];
        for i in 0..1000 {
            inbox.send(weak[i % weak.len()]);
        }
        let said = inbox.send(ZoneEvent::Retransfer);
        assert_eq!(said.refresh(Some(5), true), Some(Refresh::Axfr));
        assert!(said.to_string().starts_with("retransfer (AXFR)"), "{said}");
        for i in 0..1000 {
            inbox.send(weak[i % weak.len()]);
        }
        let taken = rx.take();
        assert_eq!(taken.refresh(Some(5), true), Some(Refresh::Axfr));
        assert!(rx.take().is_empty(), "taken once");
    }

    #[tokio::test(start_paused = true)]
    async fn recv_wakes_on_send_and_ends_when_the_inbox_is_dropped() {
        let (inbox, mut rx) = inbox();
        let waiter = tokio::spawn(async move {
            let first = rx.recv().await;
            let second = rx.recv().await;
            (first, second)
        });
        tokio::task::yield_now().await;
        inbox.send(ZoneEvent::Refresh);
        tokio::task::yield_now().await;
        inbox.send(ZoneEvent::SendNotify);
        drop(inbox);
        let (first, second) = waiter.await.expect("joined");
        let first = first.expect("woken");
        assert_eq!(first.check, Some(Check::Always));
        // The second may have merged with the first; either way nothing is lost and
        // the receiver ends after the drop.
        let all = match second {
            Some(s) => {
                let mut f = first;
                f.absorb(s);
                f
            }
            None => first,
        };
        assert!(all.notify_out);
    }
}
