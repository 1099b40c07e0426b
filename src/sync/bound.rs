//! Bounds on work in flight towards peers: a share for each peer and a total. Transfers
//! in are bounded per primary ([`super::TransferSlots`]), NOTIFYs out per target
//! ([`super::notify_out`]). A waiter takes its peer's share first, then room in the
//! total, so that the waiters for a slow or dead peer hold none of the total while they
//! wait: that peer fills its own share only (STYLE.md rule 8).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most `total` pieces of work at once, and at most `per_peer` towards one peer.
#[derive(Debug)]
pub struct PeerBound {
    total: Arc<Semaphore>,
    /// Each peer's share, made on first use.
    per_peer: Mutex<HashMap<SocketAddr, Arc<Semaphore>>>,
    per_peer_limit: usize,
}

/// Room for one piece of work: its place in its peer's share and in the total, given
/// back when dropped.
#[derive(Debug)]
pub struct Room {
    _peer: OwnedSemaphorePermit,
    _total: OwnedSemaphorePermit,
}

impl PeerBound {
    /// At most `total` at once, `per_peer` towards one peer (each at least one).
    pub fn new(total: usize, per_peer: usize) -> PeerBound {
        PeerBound {
            total: Arc::new(Semaphore::new(total.max(1))),
            per_peer: Mutex::new(HashMap::new()),
            per_peer_limit: per_peer.max(1),
        }
    }

    /// Waits for room for one more piece of work towards `peer`: in its share, then
    /// in the total.
    pub async fn acquire(&self, peer: SocketAddr) -> Room {
        let share = self
            .per_peer
            .lock()
            .expect("peer bound lock poisoned")
            .entry(peer)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_peer_limit)))
            .clone();
        let peer = share.acquire_owned().await.expect("never closed");
        let total = self
            .total
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        Room {
            _peer: peer,
            _total: total,
        }
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer's share bounds its work alone; the total bounds all of it; room comes
    /// back when a piece of work ends.
    #[tokio::test(start_paused = true)]
    async fn a_peer_fills_its_own_share_only() {
        let bound = PeerBound::new(3, 2);
        let a: SocketAddr = "127.0.0.1:5301".parse().expect("addr");
        let b: SocketAddr = "127.0.0.1:5302".parse().expect("addr");
        let waits =
            |peer| tokio::time::timeout(std::time::Duration::from_secs(1), bound.acquire(peer));
        let _a1 = bound.acquire(a).await;
        let a2 = bound.acquire(a).await;
        assert!(waits(a).await.is_err(), "a's share is full");
        let b1 = bound.acquire(b).await;
        assert!(waits(b).await.is_err(), "b has room, the total has none");
        drop(a2);
        let _b2 = waits(b).await.expect("room again in all");
        assert!(waits(a).await.is_err(), "a has room, the total has none");
        drop(b1);
        let _a3 = waits(a).await.expect("room again in all");
    }
}
