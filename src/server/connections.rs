//! The registry of open TCP connections: it admits a new connection, and at the
//! `tcp-connections` limit closes the idlest one to make room.
//!
//! # Data flow
//! [`listen::serve_tcp`](super::listen::serve_tcp) calls [`Connections::admit`] for
//! every accepted socket; the connection task keeps the returned [`Slot`] and marks on
//! it when it was last useful ([`Slot::touch`]) and whether it is answering something
//! ([`Slot::set_busy`]). Dropping the `Slot` frees the place. The registry's lock is
//! taken only to admit and to drop a connection; the per-query marks are atomics.
//!
//! "Useful" means a whole message arrived or an answer was finished: a peer that
//! trickles the bytes of a message never becomes less idle, so a slowloris flood holds
//! the oldest marks and is closed first.
//!
//! # Standards
//! - RFC 7766 §6.2.3 (paraphrased): servers limit their TCP connections and idle
//!   time, and may close connections, idle ones first, to protect their resources.
//! - RFC 7766 §6.2.4: a connection with queries outstanding is never chosen (closing
//!   one that is answering is left to `tcp-message-timeout`, `write-timeout` and
//!   `max-transfer-time-out`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Notify;

//----------- Connections ------------------------------------------------------------

/// The open TCP connections of a server (all listen addresses together).
pub struct Connections {
    /// Most connections open at once.
    limit: usize,
    /// The zero of every [`Mark::last_active`].
    epoch: Instant,
    /// The open connections by id. Written by [`Connections::admit`] and by
    /// [`Slot`]'s drop only; a std mutex, never held across an `.await`.
    open: Mutex<Open>,
}

/// The registry's table.
#[derive(Default)]
struct Open {
    /// The id the next connection gets.
    next: u64,
    /// Each open connection's marks.
    marks: HashMap<u64, Arc<Mark>>,
}

/// What the registry knows of one connection; written by its connection task.
struct Mark {
    /// Milliseconds from the registry's epoch to the last whole message or answer.
    last_active: AtomicU64,
    /// Whether a request is being answered (a query or a transfer).
    busy: AtomicBool,
    /// Notified when the connection is to close (chosen to make room, or its own
    /// transfer failed midway).
    close: Notify,
}

/// How a new connection was let in.
pub enum Admission {
    /// There was room.
    Admitted(Slot),
    /// The idlest connection (its id) was told to close to make room.
    Evicted(Slot, u64),
    /// At the limit and every connection is answering something: refused.
    Full,
}

impl Connections {
    /// A registry for at most `limit` connections.
    pub fn new(limit: usize) -> Connections {
        Connections {
            limit: limit.max(1),
            epoch: Instant::now(),
            open: Mutex::new(Open::default()),
        }
    }

    /// Lets a new connection in: when the limit is reached, the connection that has
    /// been idle longest (and is not answering) is told to close and loses its place
    /// at once.
    pub fn admit(self: &Arc<Self>) -> Admission {
        let now = self.now();
        let mark = Arc::new(Mark {
            last_active: AtomicU64::new(now),
            busy: AtomicBool::new(false),
            close: Notify::new(),
        });
        let mut open = self.open.lock().expect("connection registry poisoned");
        let mut evicted = None;
        if open.marks.len() >= self.limit {
            let candidates = open.marks.iter().map(|(id, m)| {
                (
                    *id,
                    m.last_active.load(Ordering::Relaxed),
                    m.busy.load(Ordering::Relaxed),
                )
            });
            let Some(victim) = idlest(candidates) else {
                return Admission::Full;
            };
            if let Some(m) = open.marks.remove(&victim) {
                // `notify_one` keeps the wake-up if the task is not waiting right now.
                m.close.notify_one();
            }
            evicted = Some(victim);
        }
        let id = open.next;
        open.next += 1;
        open.marks.insert(id, mark.clone());
        drop(open);
        let slot = Slot {
            id,
            mark,
            registry: self.clone(),
        };
        match evicted {
            Some(victim) => Admission::Evicted(slot, victim),
            None => Admission::Admitted(slot),
        }
    }

    /// Milliseconds since the epoch.
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}

//----------- Slot -------------------------------------------------------------------

/// One connection's place in the registry; dropping it frees the place.
pub struct Slot {
    /// The connection's id (in logs, and to find it in the registry).
    id: u64,
    /// Its marks, shared with the registry.
    mark: Arc<Mark>,
    /// The registry, to leave it on drop.
    registry: Arc<Connections>,
}

impl Slot {
    /// The connection's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Marks the connection useful now: a whole message arrived or an answer was
    /// finished.
    pub fn touch(&self) {
        self.mark
            .last_active
            .store(self.registry.now(), Ordering::Relaxed);
    }

    /// Marks whether a request is being answered.
    pub fn set_busy(&self, busy: bool) {
        self.mark.busy.store(busy, Ordering::Relaxed);
    }

    /// Asks the connection to close (its own transfer failed midway).
    pub fn close(&self) {
        self.mark.close.notify_one();
    }

    /// Resolves when the connection is to close.
    pub async fn closing(&self) {
        self.mark.close.notified().await
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .registry
            .open
            .lock()
            .expect("connection registry poisoned");
        // An evicted connection was removed already (and its id is never reused).
        open.marks.remove(&self.id);
    }
}

//----------- idlest -----------------------------------------------------------------

/// The connection to close to make room: of those not answering anything, the one
/// whose last useful moment is oldest (ties: the oldest id). `None` when every
/// connection is busy.
fn idlest(connections: impl Iterator<Item = (u64, u64, bool)>) -> Option<u64> {
    connections
        .filter(|&(_, _, busy)| !busy)
        .min_by_key(|&(id, last_active, _)| (last_active, id))
        .map(|(id, _, _)| id)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idlest_skips_busy_and_takes_oldest() {
        let c = [
            (1, 500, false),
            (2, 100, true),
            (3, 300, false),
            (4, 300, false),
        ];
        assert_eq!(idlest(c.into_iter()), Some(3));
        assert_eq!(idlest([(7, 0, true)].into_iter()), None);
        assert_eq!(idlest(std::iter::empty()), None);
    }

    #[tokio::test]
    async fn admit_evicts_the_idlest_at_the_limit() {
        let reg = Arc::new(Connections::new(2));
        let Admission::Admitted(a) = reg.admit() else {
            panic!("room for a")
        };
        let Admission::Admitted(b) = reg.admit() else {
            panic!("room for b")
        };
        // `a` is answering: `b` goes, though `a` is older.
        a.set_busy(true);
        let Admission::Evicted(c, victim) = reg.admit() else {
            panic!("c evicts")
        };
        assert_eq!(victim, b.id());
        // The wake-up waits for `b`'s task.
        tokio::time::timeout(std::time::Duration::from_secs(1), b.closing())
            .await
            .expect("b told to close");
        drop(b);
        c.set_busy(true);
        assert!(matches!(reg.admit(), Admission::Full));
        drop(a);
        assert!(matches!(reg.admit(), Admission::Admitted(_)));
    }
}
