//! The member scheduler: one task that holds every idle zone a super master
//! provisioned (a super slave's tens of thousands of catalog members), wakes each at
//! its own deadline or when its inbox fills, and runs it as a short-lived task until
//! it is idle again. A zone with a task of its own costs that task while it sleeps (a
//! future, a task header, a timer entry, a span: about 600 octets); an idle member
//! here is its state, one map entry and one entry in a set of deadlines.
//!
//! # Data flow
//! The zone-set manager builds a member's inbox with [`Members::inbox`] (its wake-ups
//! come here, [`super::inbox::scheduled`]) and hands the zone over with
//! [`Members::adopt`] → its first step runs (restore from the store) → the step gives
//! the zone back with its next deadline → parked → the deadline passes, or the zone's
//! id arrives (its inbox went from empty to not empty, or was dropped) → a step runs
//! on the runtime → parked again, or gone once its inbox is closed.
//!
//! The bookkeeping is [`Schedule`], a pure value (table-tested below): a member is
//! never run twice at once, and an id that arrives while it runs makes it run again
//! as soon as its step returns, so no wake-up is lost between a step's last look at
//! its inbox and its parking.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::error;

use super::inbox::{self, Inbox, InboxReceiver};

//----------- Member -----------------------------------------------------------------

/// Why a member's step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// It was just adopted: restore it.
    Start,
    /// The deadline it was parked with has passed.
    Deadline,
    /// Its inbox has something, or was dropped.
    Woken,
}

/// What a step ends with: the member and its next deadline, or `None` when the zone
/// is gone (its inbox was dropped and everything in it taken).
pub type StepOutput = Option<(Box<dyn Member>, Instant)>;

/// A step of a member's work, run as a task of its own.
pub type Step = Pin<Box<dyn Future<Output = StepOutput> + Send>>;

/// A zone the scheduler can hold: its state, owned by the scheduler while idle and
/// by its step while it runs.
pub trait Member: Send + 'static {
    /// Does the work `cause` calls for and all that its inbox holds, then gives the
    /// member back with its next deadline.
    fn step(self: Box<Self>, cause: Cause) -> Step;
}

//----------- Schedule ---------------------------------------------------------------

/// Where a member is.
#[derive(Debug)]
enum Slot<M> {
    /// Idle until `at`.
    Parked { member: M, at: Instant },
    /// Its step runs; `woken` when its id arrived meanwhile.
    Running { woken: bool },
}

/// The scheduler's bookkeeping: which member is parked until when, which runs.
/// Generic over the member so that the rules are tested on plain values.
#[derive(Debug)]
pub struct Schedule<M> {
    slots: HashMap<u64, Slot<M>>,
    /// Deadlines of the parked members, earliest first.
    due: BTreeSet<(Instant, u64)>,
}

impl<M> Default for Schedule<M> {
    fn default() -> Self {
        Schedule {
            slots: HashMap::new(),
            due: BTreeSet::new(),
        }
    }
}

impl<M> Schedule<M> {
    /// A member adopted: the caller runs its first step now.
    pub fn adopt(&mut self, id: u64) {
        self.slots.insert(id, Slot::Running { woken: false });
    }

    /// Member `id`'s inbox woke it: the member to run now, when it was parked; when
    /// it runs, it runs again after (see [`Schedule::returned`]).
    pub fn woken(&mut self, id: u64) -> Option<M> {
        match self.slots.get_mut(&id)? {
            Slot::Running { woken } => {
                *woken = true;
                None
            }
            Slot::Parked { at, .. } => {
                self.due.remove(&(*at, id));
                match self.slots.insert(id, Slot::Running { woken: false }) {
                    Some(Slot::Parked { member, .. }) => Some(member),
                    _ => unreachable!("the slot was parked"),
                }
            }
        }
    }

    /// Member `id`'s step ended with `back`: parked until its deadline, or gone; or,
    /// when it was woken meanwhile, returned to be run again at once.
    pub fn returned(&mut self, id: u64, back: Option<(M, Instant)>) -> Option<M> {
        let Some((member, at)) = back else {
            self.slots.remove(&id);
            return None;
        };
        if let Some(Slot::Running { woken: true }) = self.slots.get(&id) {
            self.slots.insert(id, Slot::Running { woken: false });
            return Some(member);
        }
        self.slots.insert(id, Slot::Parked { member, at });
        self.due.insert((at, id));
        None
    }

    /// Member `id`'s step failed (it panicked): it is forgotten, as a zone task that
    /// panicked is gone.
    pub fn failed(&mut self, id: u64) {
        self.slots.remove(&id);
    }

    /// The earliest deadline of a parked member.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.due.first().map(|(at, _)| *at)
    }

    /// A parked member whose deadline is at or before `now`, taken to run.
    pub fn pop_due(&mut self, now: Instant) -> Option<(u64, M)> {
        let &(at, id) = self.due.first().filter(|(at, _)| *at <= now)?;
        self.due.remove(&(at, id));
        match self.slots.insert(id, Slot::Running { woken: false }) {
            Some(Slot::Parked { member, .. }) => Some((id, member)),
            _ => unreachable!("a deadline belongs to a parked member"),
        }
    }

    /// Members held, parked or running.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no member is held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

//----------- Members ----------------------------------------------------------------

/// The manager's side of the member scheduler. Dropping it lets the scheduler's task
/// end once every member it holds is gone.
#[derive(Debug)]
pub struct Members {
    adopt: mpsc::UnboundedSender<(u64, Box<dyn Member>)>,
    wake: mpsc::UnboundedSender<u64>,
    next: u64,
}

impl Members {
    /// Starts the scheduler's task in `tasks`.
    pub fn start(tasks: &mut JoinSet<()>) -> Members {
        let (adopt, adopted) = mpsc::unbounded_channel();
        let (wake, woken) = mpsc::unbounded_channel();
        tasks.spawn(schedule(adopted, woken));
        Members {
            adopt,
            wake,
            next: 0,
        }
    }

    /// An inbox for a member to be adopted, and the member's id.
    pub fn inbox(&mut self) -> (u64, Inbox, InboxReceiver) {
        self.next += 1;
        let (tx, rx) = inbox::scheduled(self.next, self.wake.clone());
        (self.next, tx, rx)
    }

    /// Hands member `id` (whose inbox came from [`Members::inbox`]) to the scheduler,
    /// which runs its first step at once.
    pub fn adopt(&self, id: u64, member: Box<dyn Member>) {
        // The scheduler gone means the server is stopping: the member goes with it.
        let _ = self.adopt.send((id, member));
    }
}

/// The scheduler's task: runs members' steps as their deadlines pass and their
/// inboxes wake them, until the manager's side is dropped and no member is left.
async fn schedule(
    mut adopted: mpsc::UnboundedReceiver<(u64, Box<dyn Member>)>,
    mut woken: mpsc::UnboundedReceiver<u64>,
) {
    let mut book: Schedule<Box<dyn Member>> = Schedule::default();
    let mut steps = Steps::default();
    let mut open = true;
    loop {
        if !open && book.is_empty() {
            break;
        }
        let deadline = book.next_deadline();
        tokio::select! {
            biased;
            Some(ended) = steps.set.join_next_with_id() => match ended {
                Ok((task, (id, back))) => {
                    steps.of.remove(&task);
                    if let Some(member) = book.returned(id, back) {
                        steps.run(id, member, Cause::Woken);
                    }
                }
                Err(e) => {
                    if let Some(id) = steps.of.remove(&e.id()) {
                        error!(error = %e, "a catalog member's task failed; the zone is no longer refreshed");
                        book.failed(id);
                    }
                }
            },
            Some(id) = woken.recv() => {
                if let Some(member) = book.woken(id) {
                    steps.run(id, member, Cause::Woken);
                }
            }
            got = adopted.recv(), if open => match got {
                Some((id, member)) => {
                    book.adopt(id);
                    steps.run(id, member, Cause::Start);
                }
                None => open = false,
            },
            () = sleep_until(deadline), if deadline.is_some() => {
                let now = Instant::now();
                while let Some((id, member)) = book.pop_due(now) {
                    steps.run(id, member, Cause::Deadline);
                }
            }
            // Nothing runs, nothing is due, nothing can arrive (every member held is
            // parked with a deadline or has a step running, so this is unreachable
            // while the book holds one): nothing left to do.
            else => break,
        }
    }
}

/// The steps under way.
#[derive(Default)]
struct Steps {
    set: JoinSet<(u64, StepOutput)>,
    /// Which member each step belongs to, to forget a member whose step panicked.
    of: HashMap<tokio::task::Id, u64>,
}

impl Steps {
    fn run(&mut self, id: u64, member: Box<dyn Member>, cause: Cause) {
        let step = member.step(cause);
        let task = self.set.spawn(async move { (id, step.await) });
        self.of.insert(task.id(), id);
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    fn at(secs: u64) -> Instant {
        // A fixed base: `Instant`s are only compared.
        static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *BASE.get_or_init(Instant::now) + Duration::from_secs(secs)
    }

    /// The schedule's rules, step by step: deadlines in order, a wake-up of a parked
    /// member runs it and drops its deadline, a wake-up of a running one runs it again
    /// after, a member gone or failed is forgotten.
    #[test]
    fn the_schedule_runs_each_member_once_at_a_time() {
        let mut s: Schedule<&str> = Schedule::default();
        s.adopt(1);
        s.adopt(2);
        s.adopt(3);
        assert_eq!(s.next_deadline(), None);
        // First steps return: parked with their deadlines.
        assert_eq!(s.returned(1, Some(("a", at(30)))), None);
        assert_eq!(s.returned(2, Some(("b", at(10)))), None);
        // 3 is woken while its first step runs: it runs again when that returns.
        assert_eq!(s.woken(3), None);
        assert_eq!(s.returned(3, Some(("c", at(20)))), Some("c"));
        assert_eq!(s.next_deadline(), Some(at(10)));
        assert_eq!(s.pop_due(at(5)), None);
        assert_eq!(s.pop_due(at(10)), Some((2, "b")));
        assert_eq!(s.pop_due(at(10)), None);
        assert_eq!(s.next_deadline(), Some(at(30)));
        // A wake-up of a parked member takes it out of the deadlines.
        assert_eq!(s.woken(1), Some("a"));
        assert_eq!(s.next_deadline(), None);
        assert_eq!(s.woken(1), None, "running: marked, not run twice");
        assert_eq!(s.returned(1, Some(("a", at(40)))), Some("a"));
        assert_eq!(s.returned(1, Some(("a", at(40)))), None);
        assert_eq!(s.next_deadline(), Some(at(40)));
        // Gone, failed, unknown.
        assert_eq!(s.returned(2, None), None);
        s.failed(3);
        assert_eq!(s.woken(2), None);
        assert_eq!(s.woken(99), None);
        assert_eq!(s.len(), 1);
        assert_eq!(s.pop_due(at(100)), Some((1, "a")));
        assert_eq!(s.returned(1, None), None);
        assert!(s.is_empty());
    }

    /// Two members parked at the same deadline both run.
    #[test]
    fn members_due_at_the_same_time_all_run() {
        let mut s: Schedule<u64> = Schedule::default();
        for id in 0..3 {
            s.adopt(id);
            s.returned(id, Some((id, at(5))));
        }
        let mut ran = Vec::new();
        while let Some((id, _)) = s.pop_due(at(5)) {
            ran.push(id);
        }
        assert_eq!(ran, [0, 1, 2]);
    }

    /// A counter of its steps that parks `every` seconds away; its inbox is the
    /// scheduler's.
    struct Counting {
        inbox: InboxReceiver,
        every: Duration,
        log: Arc<Mutex<Vec<(u64, Cause)>>>,
        id: u64,
    }

    impl Member for Counting {
        fn step(mut self: Box<Self>, cause: Cause) -> Step {
            Box::pin(async move {
                let _ = self.inbox.take();
                self.log.lock().unwrap().push((self.id, cause));
                if self.inbox.is_closed() {
                    return None;
                }
                let at = Instant::now() + self.every;
                Some((self as Box<dyn Member>, at))
            })
        }
    }

    /// Over the real task and inboxes, on paused time: members run at their first
    /// step, at each deadline and when sent an event; a dropped inbox ends the member
    /// and the scheduler ends when the manager's side is dropped too.
    #[tokio::test(start_paused = true)]
    async fn members_run_at_deadlines_and_wake_ups_and_end_with_their_inboxes() {
        let mut tasks = JoinSet::new();
        let mut members = Members::start(&mut tasks);
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut inboxes = Vec::new();
        for every in [10, 25] {
            let (id, tx, rx) = members.inbox();
            members.adopt(
                id,
                Box::new(Counting {
                    inbox: rx,
                    every: Duration::from_secs(every),
                    log: log.clone(),
                    id,
                }),
            );
            inboxes.push(tx);
        }
        let settle = || async {
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        };
        settle().await;
        // A step parks ten seconds from when it ran: at 11, then at 21 (member 2
        // is due at 25).
        for secs in [11, 10] {
            tokio::time::advance(Duration::from_secs(secs)).await;
            settle().await;
        }
        inboxes[1].send(crate::sync::ZoneEvent::Refresh);
        settle().await;
        let got = std::mem::take(&mut *log.lock().unwrap());
        assert_eq!(
            got,
            [
                (1, Cause::Start),
                (2, Cause::Start),
                (1, Cause::Deadline),
                (1, Cause::Deadline),
                (2, Cause::Woken),
            ]
        );
        drop(inboxes);
        drop(members);
        settle().await;
        let got = std::mem::take(&mut *log.lock().unwrap());
        assert_eq!(got.len(), 2, "each member's last step: {got:?}");
        assert!(got.iter().all(|(_, c)| *c == Cause::Woken));
        let ended = tokio::time::timeout(Duration::from_secs(1), tasks.join_next()).await;
        assert!(matches!(ended, Ok(Some(Ok(())))), "the scheduler ended");
    }
}
