//! Rate-limited log lines for events that unauthenticated (often spoofable) peers can
//! cause once per packet: a failed TSIG check, a refused NOTIFY, a refused transfer, a
//! malformed request.
//!
//! Each such event has one static [`LogRate`]. A site asks it before logging; within
//! each interval the first [`LogRate::burst`] events are logged and the rest only
//! counted, and the next line that is allowed says how many were left out
//! ([`Suppressed`], appended to its message: `… (4995 more suppressed in the last
//! 5s)`). So a flood of 300k fuzz packets costs a few lines per event kind per
//! interval, not one per packet, and the operator still sees that it happened and how
//! big it was. Events from authenticated peers, and once-per-zone events, are logged
//! as before (issue 13).
//!
//! A suppressed event costs one short, uncontended-in-practice std `Mutex` section
//! (never held across `.await`) and no allocation.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

//----------- LogRate ----------------------------------------------------------------

/// At most `burst` lines per `interval` for one kind of event.
#[derive(Debug)]
pub(crate) struct LogRate {
    /// Lines allowed per interval.
    burst: u32,
    /// The interval.
    interval: Duration,
    /// Written by [`admit_at`](Self::admit_at) only, under the lock.
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Start of the current interval; `None` before the first event.
    since: Option<Instant>,
    /// Lines logged in the current interval.
    logged: u32,
    /// Events suppressed since the last logged line.
    suppressed: u64,
    /// When the last line was logged.
    last_line: Option<Instant>,
}

/// What a line that is allowed reports about the events left out before it; its
/// `Display` is empty when there were none, else ` (K more suppressed in the last
/// T)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Suppressed {
    /// Events left out since the previous line.
    pub(crate) count: u64,
    /// Time since the previous line.
    pub(crate) over: Duration,
}

/// The limit of the per-packet sites: 5 lines per 5 seconds per event kind.
pub(crate) const fn per_packet() -> LogRate {
    LogRate::new(5, Duration::from_secs(5))
}

impl LogRate {
    /// A limit of `burst` lines per `interval` (usable in a `static`).
    pub(crate) const fn new(burst: u32, interval: Duration) -> LogRate {
        LogRate {
            burst,
            interval,
            state: Mutex::new(State {
                since: None,
                logged: 0,
                suppressed: 0,
                last_line: None,
            }),
        }
    }

    /// Lines allowed per interval.
    #[cfg(test)]
    pub(crate) fn burst(&self) -> u32 {
        self.burst
    }

    /// One event now: `Some` when it is to be logged (with what was suppressed
    /// before it), `None` when it is only counted.
    pub(crate) fn admit(&self) -> Option<Suppressed> {
        self.admit_at(Instant::now())
    }

    /// [`admit`](Self::admit) at `now` (tests pass their own clock).
    pub(crate) fn admit_at(&self, now: Instant) -> Option<Suppressed> {
        // A poisoned lock only means a panic elsewhere mid-update of three counters:
        // the counts are still usable.
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let since = *s.since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.interval {
            s.since = Some(now);
            s.logged = 0;
        }
        if s.logged >= self.burst {
            s.suppressed = s.suppressed.saturating_add(1);
            return None;
        }
        s.logged += 1;
        let out = Suppressed {
            count: s.suppressed,
            over: s
                .last_line
                .map_or(Duration::ZERO, |l| now.saturating_duration_since(l)),
        };
        s.suppressed = 0;
        s.last_line = Some(now);
        Some(out)
    }
}

impl fmt::Display for Suppressed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 0 {
            return Ok(());
        }
        write!(
            f,
            " ({} more suppressed in the last {})",
            self.count,
            crate::duration::format(Duration::from_secs(self.over.as_secs().max(1)))
        )
    }
}

//----------- Tests ------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_logs_a_burst_then_a_count() {
        let rate = LogRate::new(3, Duration::from_secs(5));
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // 1000 events in the first second: 3 lines, nothing to report yet.
        let lines: Vec<_> = (0..1000).filter_map(|i| rate.admit_at(at(i))).collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines
                .iter()
                .all(|l| l.count == 0 && l.to_string().is_empty())
        );
        // Still in the interval: counted only.
        assert_eq!(rate.admit_at(at(4999)), None);
        // The next interval's first line carries the count.
        let next = rate.admit_at(at(5000)).expect("a new interval");
        assert_eq!(next.count, 998);
        assert_eq!(next.over, Duration::from_millis(4998));
        assert_eq!(next.to_string(), " (998 more suppressed in the last 4s)");
        // And the count starts again.
        assert_eq!(rate.admit_at(at(5001)).map(|s| s.count), Some(0));
    }

    #[test]
    fn quiet_events_are_all_logged() {
        let rate = per_packet();
        let t0 = Instant::now();
        for i in 0..20u64 {
            let s = rate.admit_at(t0 + Duration::from_secs(2 * i));
            assert_eq!(s.map(|s| s.count), Some(0), "event {i}");
        }
        assert_eq!(rate.burst(), 5);
    }

    #[test]
    fn lines_are_bounded_whatever_the_rate() {
        let rate = LogRate::new(5, Duration::from_secs(5));
        let t0 = Instant::now();
        // 100k events over 20 s: 4 intervals, at most 5 lines each.
        let lines = (0..100_000u64)
            .filter_map(|i| rate.admit_at(t0 + Duration::from_micros(i * 200)))
            .count();
        assert_eq!(lines, 20);
    }

    #[test]
    fn a_short_gap_reports_at_least_a_second() {
        let s = Suppressed {
            count: 7,
            over: Duration::from_millis(20),
        };
        assert_eq!(s.to_string(), " (7 more suppressed in the last 1s)");
    }
}
