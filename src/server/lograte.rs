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
//! A flood that stops leaves a count no later event would report: the server's
//! [`run_flush`] task logs it once its interval has ended (within [`FLUSH_EVERY`]),
//! and [`flush_all`] at shutdown logs whatever is left, so the last burst of a flood
//! is never lost from the log. Each limit registers itself for that at its first
//! event.
//!
//! A suppressed event costs one short, uncontended-in-practice std `Mutex` section
//! (never held across `.await`) and no allocation.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing::{debug, info};

//----------- LogRate ----------------------------------------------------------------

/// At most `burst` lines per `interval` for one kind of event.
#[derive(Debug)]
pub(crate) struct LogRate {
    /// The site's message without its fields ("malformed request"), for the line
    /// that reports a count on its own.
    what: &'static str,
    /// Whether the site logs at DEBUG (its counts are flushed at DEBUG too; the
    /// others at INFO).
    debug: bool,
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
    /// Whether this limit is in [`REGISTERED`] (set at its first event).
    registered: bool,
}

/// The limits that have seen an event, for [`flush_due`] and [`flush_all`]; each
/// adds itself once, at its first event ([`LogRate::admit`]).
static REGISTERED: Mutex<Vec<&'static LogRate>> = Mutex::new(Vec::new());

/// How often [`run_flush`] looks for counts whose interval has ended.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_secs(1);

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

/// The limit of the per-packet sites: 5 lines per 5 seconds per event kind; `what`
/// names the event in the line that reports a count on its own.
pub(crate) const fn per_packet(what: &'static str) -> LogRate {
    LogRate::new(what, 5, Duration::from_secs(5))
}

/// [`per_packet`] for a site that logs at DEBUG: its flushed counts are DEBUG too.
pub(crate) const fn per_packet_debug(what: &'static str) -> LogRate {
    let mut rate = per_packet(what);
    rate.debug = true;
    rate
}

impl LogRate {
    /// A limit of `burst` lines per `interval` for the event `what` (usable in a
    /// `static`).
    pub(crate) const fn new(what: &'static str, burst: u32, interval: Duration) -> LogRate {
        LogRate {
            what,
            debug: false,
            burst,
            interval,
            state: Mutex::new(State {
                since: None,
                logged: 0,
                suppressed: 0,
                last_line: None,
                registered: false,
            }),
        }
    }

    /// Lines allowed per interval.
    #[cfg(test)]
    pub(crate) fn burst(&self) -> u32 {
        self.burst
    }

    /// One event now: `Some` when it is to be logged (with what was suppressed
    /// before it), `None` when it is only counted. The first event registers the
    /// limit for [`flush_due`] and [`flush_all`].
    pub(crate) fn admit(&'static self) -> Option<Suppressed> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !s.registered {
            s.registered = true;
            drop(s);
            REGISTERED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self);
        } else {
            drop(s);
        }
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

impl LogRate {
    /// The count of events suppressed in an interval that has ended by `now` (or in
    /// any interval, when `force`) and that no line has reported yet: `Some` once,
    /// then the count starts again. Called by [`flush_due`] and [`flush_all`].
    pub(crate) fn flush_at(&self, now: Instant, force: bool) -> Option<Suppressed> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ended = s
            .since
            .is_some_and(|since| now.saturating_duration_since(since) >= self.interval);
        if s.suppressed == 0 || !(ended || force) {
            return None;
        }
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

//----------- Flushing ---------------------------------------------------------------

/// Logs the counts of every registered limit whose interval ended with events
/// suppressed and no line since to report them (`force`: every count left, at
/// shutdown).
fn flush(force: bool) {
    let now = Instant::now();
    // Copied out, so no event site waits on this lock while lines are written.
    let all: Vec<&'static LogRate> = REGISTERED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for rate in all {
        if let Some(more) = rate.flush_at(now, force) {
            // The site's own message, so that one search finds its lines and counts.
            if rate.debug {
                debug!("{}{more}", rate.what);
            } else {
                info!("{}{more}", rate.what);
            }
        }
    }
}

/// Logs the counts whose interval has ended (see [`LogRate::flush_at`]).
pub(crate) fn flush_due() {
    flush(false);
}

/// Logs every count not reported yet: at shutdown.
pub(crate) fn flush_all() {
    flush(true);
}

/// Calls [`flush_due`] every [`FLUSH_EVERY`], until the task is aborted: a flood
/// that stops is reported within an interval and a second of its end.
pub(crate) async fn run_flush() {
    let mut every = tokio::time::interval(FLUSH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        flush_due();
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
        let rate = LogRate::new("test event", 3, Duration::from_secs(5));
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
        let rate = per_packet("test event");
        let t0 = Instant::now();
        for i in 0..20u64 {
            let s = rate.admit_at(t0 + Duration::from_secs(2 * i));
            assert_eq!(s.map(|s| s.count), Some(0), "event {i}");
        }
        assert_eq!(rate.burst(), 5);
    }

    #[test]
    fn lines_are_bounded_whatever_the_rate() {
        let rate = LogRate::new("test event", 5, Duration::from_secs(5));
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

    #[test]
    fn a_count_left_at_the_end_of_a_flood_is_flushed_once() {
        let rate = LogRate::new("test event", 2, Duration::from_secs(5));
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // 10 events at once, then silence: 2 lines, 8 counted.
        let lines = (0..10).filter_map(|i| rate.admit_at(at(i))).count();
        assert_eq!(lines, 2);
        // Within the interval nothing is flushed (a later line may still report it).
        assert_eq!(rate.flush_at(at(4999), false), None);
        // Once it ended, the count is reported, measured from the last line …
        let flushed = rate.flush_at(at(5000), false).expect("a count to report");
        assert_eq!(flushed.count, 8);
        assert_eq!(flushed.over, Duration::from_millis(4999));
        assert_eq!(flushed.to_string(), " (8 more suppressed in the last 4s)");
        // … once.
        assert_eq!(rate.flush_at(at(6000), false), None);
        // The next line has nothing left to report, and is measured from the flush.
        let next = rate.admit_at(at(7000)).expect("a new interval");
        assert_eq!(next.count, 0);
    }

    #[test]
    fn nothing_suppressed_nothing_flushed() {
        let rate = LogRate::new("test event", 2, Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(rate.flush_at(t0, true), None);
        rate.admit_at(t0).expect("logged");
        assert_eq!(rate.flush_at(t0 + Duration::from_secs(60), false), None);
        assert_eq!(rate.flush_at(t0 + Duration::from_secs(60), true), None);
    }

    #[test]
    fn shutdown_flushes_a_count_inside_its_interval() {
        let rate = LogRate::new("test event", 1, Duration::from_secs(5));
        let t0 = Instant::now();
        assert!(rate.admit_at(t0).is_some());
        assert_eq!(rate.admit_at(t0 + Duration::from_millis(10)), None);
        assert_eq!(rate.flush_at(t0 + Duration::from_secs(1), false), None);
        let forced = rate
            .flush_at(t0 + Duration::from_secs(1), true)
            .expect("forced");
        assert_eq!(forced.count, 1);
    }

    #[test]
    fn a_limit_registers_itself_at_its_first_event() {
        static RATE: LogRate = per_packet("registration test");
        let registered = || {
            REGISTERED
                .lock()
                .unwrap()
                .iter()
                .filter(|r| std::ptr::eq(**r, &RATE))
                .count()
        };
        assert_eq!(registered(), 0);
        for _ in 0..20 {
            RATE.admit();
        }
        assert_eq!(registered(), 1);
        // The shutdown flush reports the 15 left out and leaves nothing behind.
        flush_all();
        assert_eq!(RATE.flush_at(Instant::now(), true), None);
    }
}
