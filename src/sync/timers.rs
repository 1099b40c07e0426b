//! Refresh, retry and expire for secondary zones: pure arithmetic on [`Timers`], the
//! small persisted struct from which a zone's next wake-up and its state are derived
//! (STYLE.md rule 5: timers are data, not tasks).
//!
//! The secondary zone task (`sync::secondary`) calls [`after_success`] and
//! [`after_failure`] after each refresh and persists the result with the zone (so a
//! restart neither retransfers everything nor resets the expire clock), and asks
//! [`state`] whether the zone may be served.
//!
//! # Standards
//! - RFC 1035 §3.3.13 and RFC 1034 §4.3.5: REFRESH is the interval before the zone
//!   should be refreshed, RETRY the interval before a failed refresh is retried,
//!   EXPIRE the upper limit on how long the zone stays authoritative without a
//!   successful refresh. Expire counts from the last successful refresh.
//! - The SOA values are bounded by the operator's `min-*`/`max-*` (BIND's
//!   `min-refresh-time` …), and jittered downwards by up to a tenth so that
//!   thousands of zones loaded together do not refresh together.
//! - RFC 7314 §4: a secondary that receives an EXPIRE option in answer to its SOA
//!   query or transfer request uses that value, rather than the SOA EXPIRE, when it
//!   restarts its expire timer; so a secondary of a secondary expires no later than
//!   the copy it transferred from. Here the received value can only shorten the
//!   bounded SOA EXPIRE, never lengthen it (as BIND's `request-expire` does).

use std::time::Duration;

use crate::config::TimerBounds;
use crate::store::Timers;
use crate::zone::soa::Soa;

/// How a zone may be served, derived from its timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneState {
    /// Never transferred: SERVFAIL (not NXDOMAIN).
    Loading,
    /// Within its expire time: served.
    Ok,
    /// No successful refresh within EXPIRE: SERVFAIL until one succeeds.
    Expired,
}

/// Clamps an SOA interval (seconds) to `[min, max]`.
pub fn bounded(secs: u32, min: Duration, max: Duration) -> Duration {
    Duration::from_secs(secs as u64).clamp(min, max.max(min))
}

/// Shortens `d` by a random part of up to a tenth; `random` is any random value.
pub fn jitter(d: Duration, random: u64) -> Duration {
    let tenth = d.as_millis() as u64 / 10;
    if tenth == 0 {
        return d;
    }
    d - Duration::from_millis(random % (tenth + 1))
}

/// An EXPIRE option (RFC 7314) a server sent back, and when it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedExpire {
    /// When it arrived (Unix seconds, by the zone task's [`Clock`]).
    pub at: u64,
    /// The seconds the server's copy had left.
    pub seconds: u32,
}

/// The timers after a refresh that found the zone current or made it so, at `now`
/// (Unix seconds), with the zone's SOA and the EXPIRE option the server sent back
/// (`received`), if any.
pub fn after_success(
    now: u64,
    soa: &Soa,
    bounds: &TimerBounds,
    random: u64,
    received: Option<ReceivedExpire>,
) -> Timers {
    let refresh = jitter(
        bounded(soa.refresh, bounds.min_refresh, bounds.max_refresh),
        random,
    );
    let own = now + bounded(soa.expire, bounds.min_expire, bounds.max_expire).as_secs();
    Timers {
        last_ok: now,
        next_refresh: now + refresh.as_secs().max(1),
        expire_at: expire_at(own, received),
    }
}

/// When a zone refreshed successfully expires: at `own` (now plus the SOA EXPIRE
/// within the operator's bounds), or earlier when the server's copy expires earlier
/// (`received`: counted from when it arrived, not from when the transfer was
/// committed). Ours must not outlive the copy it came from; a received value never
/// lengthens the SOA's.
pub fn expire_at(own: u64, received: Option<ReceivedExpire>) -> u64 {
    match received {
        Some(r) => own.min(r.at + r.seconds as u64),
        None => own,
    }
}

/// The timers after a failed refresh: retry after RETRY (the lower bound when the
/// zone has no SOA yet); the expire time does not move.
pub fn after_failure(
    now: u64,
    prev: Timers,
    soa: Option<&Soa>,
    bounds: &TimerBounds,
    random: u64,
) -> Timers {
    let retry = match soa {
        Some(soa) => bounded(soa.retry, bounds.min_retry, bounds.max_retry),
        None => bounds.min_retry,
    };
    Timers {
        next_refresh: now + jitter(retry, random).as_secs().max(1),
        ..prev
    }
}

/// The zone's state at `now`.
pub fn state(timers: &Timers, now: u64, loaded: bool) -> ZoneState {
    if !loaded || timers.last_ok == 0 {
        ZoneState::Loading
    } else if now >= timers.expire_at {
        ZoneState::Expired
    } else {
        ZoneState::Ok
    }
}

/// A random value for [`jitter`], from the OS (0 if it fails: no jitter).
pub fn random() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

//----------- Clock ------------------------------------------------------------------

/// The time a zone task plans by, in Unix seconds: the wall clock read once when the
/// task starts, then advanced by the runtime's monotonic clock.
///
/// Timers persist in Unix seconds (they must mean something after a restart), but
/// within a process they follow the monotonic clock: a stepped wall clock neither
/// fires every refresh at once nor postpones expiry. And because the monotonic clock
/// is tokio's, tests can run a zone task under paused time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// The wall clock when the task started (seconds since the Unix epoch).
    base_unix: u64,
    /// The runtime's clock then.
    base: tokio::time::Instant,
}

impl Clock {
    /// Starts a clock at the wall clock's time.
    pub fn start() -> Clock {
        Clock {
            base_unix: unix_now(),
            base: tokio::time::Instant::now(),
        }
    }

    /// Seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.base_unix + self.base.elapsed().as_secs()
    }
}

/// Seconds since the Unix epoch, from the wall clock (for display and metrics; zone
/// tasks plan by their [`Clock`]).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn soa(refresh: u32, retry: u32, expire: u32) -> Soa {
        Soa {
            mname: "ns.".parse().unwrap(),
            rname: "hm.".parse().unwrap(),
            serial: 1,
            refresh,
            retry,
            expire,
            minimum: 300,
        }
    }

    fn bounds() -> TimerBounds {
        TimerBounds {
            min_refresh: Duration::from_secs(60),
            max_refresh: Duration::from_secs(3600),
            min_retry: Duration::from_secs(10),
            max_retry: Duration::from_secs(600),
            min_expire: Duration::from_secs(3600),
            max_expire: Duration::from_secs(86_400 * 14),
        }
    }

    #[test]
    fn bounds_clamp_soa_values() {
        assert_eq!(
            bounded(5, Duration::from_secs(60), Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            bounded(7200, Duration::from_secs(60), Duration::from_secs(3600)),
            Duration::from_secs(3600)
        );
        assert_eq!(
            bounded(600, Duration::from_secs(60), Duration::from_secs(3600)),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn jitter_stays_within_a_tenth() {
        let d = Duration::from_secs(1000);
        for r in [0, 1, 99_999, u64::MAX] {
            let j = jitter(d, r);
            assert!(j <= d && j >= Duration::from_secs(900), "{j:?}");
        }
        assert_eq!(
            jitter(Duration::from_millis(5), 3),
            Duration::from_millis(5)
        );
    }

    #[test]
    fn success_then_failures_keep_the_expire_clock() {
        let b = bounds();
        let t = after_success(1000, &soa(600, 60, 7200), &b, 0, None);
        assert_eq!(
            t,
            Timers {
                last_ok: 1000,
                next_refresh: 1600,
                expire_at: 8200
            }
        );
        let f = after_failure(1600, t, Some(&soa(600, 60, 7200)), &b, 0);
        assert_eq!(
            f,
            Timers {
                last_ok: 1000,
                next_refresh: 1660,
                expire_at: 8200
            }
        );
        assert_eq!(state(&f, 8199, true), ZoneState::Ok);
        assert_eq!(state(&f, 8200, true), ZoneState::Expired);
        // A success after expiry revives the zone.
        let t = after_success(9000, &soa(600, 60, 7200), &b, 0, None);
        assert_eq!(state(&t, 9001, true), ZoneState::Ok);
    }

    #[test]
    fn never_loaded_is_loading_and_retries_at_the_lower_bound() {
        let b = bounds();
        let t = after_failure(50, Timers::default(), None, &b, 0);
        assert_eq!(t.next_refresh, 60);
        assert_eq!(state(&t, 50, false), ZoneState::Loading);
    }

    #[test]
    fn soa_values_are_bounded_in_timers() {
        let b = bounds();
        // refresh 1 s → 60 s (min); expire 60 s → 3600 s (min).
        let t = after_success(0, &soa(1, 1, 60), &b, 0, None);
        assert_eq!((t.next_refresh, t.expire_at), (60, 3600));
    }

    #[test]
    fn a_received_expire_shortens_and_never_lengthens() {
        let b = bounds();
        let s = soa(600, 60, 7200);
        let got = |at, seconds| Some(ReceivedExpire { at, seconds });
        // Absent: the bounded SOA EXPIRE.
        assert_eq!(after_success(1000, &s, &b, 0, None).expire_at, 8200);
        // The upstream copy had 100 s left when its answer arrived at 998 (the
        // transfer committed at 1000): ours expires with it, below even min-expire.
        assert_eq!(
            after_success(1000, &s, &b, 0, got(998, 100)).expire_at,
            1098
        );
        // More than our own bound: ours.
        assert_eq!(
            after_success(1000, &s, &b, 0, got(1000, 99_999)).expire_at,
            8200
        );
        // SOA EXPIRE above max-expire: bounded first, then the received value.
        let big = soa(600, 60, u32::MAX);
        assert_eq!(
            after_success(0, &big, &b, 0, got(0, u32::MAX)).expire_at,
            86_400 * 14
        );
        // Zero: expired upstream, expires here now.
        assert_eq!(after_success(1000, &s, &b, 0, got(1000, 0)).expire_at, 1000);
        assert_eq!(expire_at(500, got(100, 300)), 400);
        assert_eq!(expire_at(500, None), 500);
    }
}
