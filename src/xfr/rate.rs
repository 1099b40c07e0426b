//! Whole-transfer bounds for transfers in: BIND's `max-transfer-time-in` and
//! `min-transfer-rate-in`, as a pure clock-free guard.
//!
//! [`TransferGuard`] is told, in offsets from the transfer's start, when each message
//! arrived and how large it was; it says when the transfer must be abandoned. The TCP
//! loop in [`client`](super::client) asks it for the next instant worth waking at
//! ([`TransferGuard::next_check`]) and races that against the read of the next
//! message, so a primary that drips one small message just inside the per-message
//! timeout still ends within the bounds.
//!
//! The rate is checked in consecutive, non-overlapping windows of
//! [`MinRate::per`] from the transfer's start (as BIND's `xfrin` timer does): a
//! window that ends with fewer than [`MinRate::bytes`] octets received fails the
//! transfer. Octets count when their whole message has arrived.

use std::time::Duration;

use super::MinRate;

//----------- TransferGuard ----------------------------------------------------------

/// The state of the two bounds for one transfer. Written only by the transfer's own
/// read loop.
#[derive(Clone, Debug)]
pub(crate) struct TransferGuard {
    /// `max-transfer-time-in`: the whole transfer, from the connection attempt.
    max_time: Duration,
    /// `min-transfer-rate-in`, when set.
    min_rate: Option<MinRate>,
    /// Start of the current rate window (offset from the transfer's start).
    window_start: Duration,
    /// Octets received in the current rate window.
    window_bytes: u64,
}

/// Why a [`TransferGuard`] ended a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tripped {
    /// The whole-transfer time ran out.
    TimeLimit,
    /// A window ended with too few octets: how many there were.
    TooSlow {
        /// Octets received in that window.
        bytes: u64,
    },
}

impl TransferGuard {
    /// A guard for a transfer starting at offset zero. A rate of zero octets or over
    /// a zero window is no rate bound.
    pub(crate) fn new(max_time: Duration, min_rate: Option<MinRate>) -> Self {
        TransferGuard {
            max_time,
            min_rate: min_rate.filter(|r| r.bytes > 0 && !r.per.is_zero()),
            window_start: Duration::ZERO,
            window_bytes: 0,
        }
    }

    /// The next offset at which [`check`](Self::check) may trip: the end of the
    /// current rate window or the whole-transfer deadline, whichever is first.
    pub(crate) fn next_check(&self) -> Duration {
        match self.min_rate {
            Some(r) => self.window_start.saturating_add(r.per).min(self.max_time),
            None => self.max_time,
        }
    }

    /// Closes every rate window that ended by `at`, then checks the deadline.
    pub(crate) fn check(&mut self, at: Duration) -> Result<(), Tripped> {
        if let Some(r) = self.min_rate {
            // Bounded: each turn advances the window, and a second turn means a whole
            // window passed with nothing, which trips (the minimum is at least 1).
            while at >= self.window_start.saturating_add(r.per) {
                if self.window_bytes < r.bytes {
                    return Err(Tripped::TooSlow {
                        bytes: self.window_bytes,
                    });
                }
                self.window_start = self.window_start.saturating_add(r.per);
                self.window_bytes = 0;
            }
        }
        if at >= self.max_time {
            return Err(Tripped::TimeLimit);
        }
        Ok(())
    }

    /// A message of `bytes` octets arrived at `at`. Windows that ended before it are
    /// judged without it.
    pub(crate) fn record(&mut self, at: Duration, bytes: u64) -> Result<(), Tripped> {
        self.check(at)?;
        self.window_bytes = self.window_bytes.saturating_add(bytes);
        Ok(())
    }
}

//----------- Tests ------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn rate(bytes: u64, per_ms: u64) -> Option<MinRate> {
        Some(MinRate {
            bytes,
            per: ms(per_ms),
        })
    }

    /// Feeds `(arrival ms, bytes)` and returns the index of the message at which the
    /// guard tripped, or `None`.
    fn run(g: &mut TransferGuard, arrivals: &[(u64, u64)]) -> Option<(usize, Tripped)> {
        arrivals
            .iter()
            .enumerate()
            .find_map(|(i, &(at, b))| g.record(ms(at), b).err().map(|t| (i, t)))
    }

    #[test]
    fn fast_transfer_never_trips() {
        let mut g = TransferGuard::new(ms(10_000), rate(1000, 1000));
        let arrivals: Vec<_> = (0..50).map(|i| (i * 100, 200)).collect();
        assert_eq!(run(&mut g, &arrivals), None);
        assert_eq!(g.check(ms(5000)), Ok(()));
    }

    #[test]
    fn drip_below_the_rate_trips_at_the_first_window_end() {
        // 100 bytes every 300 ms: 400 bytes per second, below 1000.
        let mut g = TransferGuard::new(ms(60_000), rate(1000, 1000));
        assert_eq!(g.next_check(), ms(1000));
        let arrivals: Vec<_> = (0..10).map(|i| (i * 300, 100)).collect();
        // Messages at 0, 300, 600, 900 fill the first window; the one at 1200 is
        // judged after it closed with 400 bytes.
        assert_eq!(
            run(&mut g, &arrivals),
            Some((4, Tripped::TooSlow { bytes: 400 }))
        );
    }

    #[test]
    fn silence_trips_at_the_window_end_without_a_message() {
        let mut g = TransferGuard::new(ms(60_000), rate(10, 1000));
        g.record(ms(10), 5).unwrap();
        assert_eq!(g.check(ms(999)), Ok(()));
        assert_eq!(g.check(ms(1000)), Err(Tripped::TooSlow { bytes: 5 }));
    }

    #[test]
    fn each_window_is_judged_on_its_own() {
        let mut g = TransferGuard::new(ms(60_000), rate(100, 1000));
        // A burst in the first window does not carry the second.
        assert_eq!(run(&mut g, &[(0, 10_000), (1500, 50)]), None);
        assert_eq!(g.next_check(), ms(2000));
        assert_eq!(g.check(ms(2000)), Err(Tripped::TooSlow { bytes: 50 }));
    }

    #[test]
    fn a_late_message_after_an_empty_window_trips() {
        let mut g = TransferGuard::new(ms(60_000), rate(100, 1000));
        g.record(ms(0), 500).unwrap();
        // Window [1000, 2000) was empty: the message at 2500 does not save it.
        assert_eq!(g.record(ms(2500), 500), Err(Tripped::TooSlow { bytes: 0 }));
    }

    #[test]
    fn the_whole_transfer_deadline_trips_however_fast() {
        let mut g = TransferGuard::new(ms(2000), None);
        assert_eq!(g.next_check(), ms(2000));
        let arrivals: Vec<_> = (0..100).map(|i| (i * 50, 60_000)).collect();
        assert_eq!(run(&mut g, &arrivals), Some((40, Tripped::TimeLimit)));
    }

    #[test]
    fn next_check_is_the_earlier_bound() {
        let g = TransferGuard::new(ms(1500), rate(1, 5000));
        assert_eq!(g.next_check(), ms(1500));
        let g = TransferGuard::new(ms(1500), rate(1, 1000));
        assert_eq!(g.next_check(), ms(1000));
    }

    #[test]
    fn a_zero_minimum_or_window_is_off() {
        let mut g = TransferGuard::new(ms(60_000), rate(0, 1000));
        assert_eq!(g.record(ms(30_000), 0), Ok(()));
        assert!(g.next_check() > ms(30_000));
        let mut g = TransferGuard::new(ms(60_000), rate(10, 0));
        assert_eq!(g.check(ms(59_000)), Ok(()));
    }
}
