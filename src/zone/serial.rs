//! SOA serial numbers: RFC 1982 arithmetic and the serial policies of primary zones.
//!
//! Every place that decides whether a zone changed goes through here: a secondary
//! comparing the primary's SOA with its own (refresh, NOTIFY hint), the IXFR
//! interpreter checking that changesets chain, the journal, and a primary picking the
//! serial of a reloaded zone file ([`next_serial`] with the zone's [`SerialPolicy`]).
//! Serials wrap around, so they are never compared with `<`: [`Serial`] deliberately
//! has no `PartialOrd`, whose contract (transitivity) RFC 1982 ordering breaks.
//!
//! # Standards
//! - RFC 1982 §3.1: "Serial numbers may be incremented by the addition of a positive
//!   integer n, where n is taken from the range of integers [0 .. (2^(SERIAL_BITS - 1)
//!   - 1)]. … s' = (s + n) modulo (2 ^ SERIAL_BITS)". See [`Serial::add`].
//! - RFC 1982 §3.2: "s1 is said to be less than s2 if, and only if, s1 is not equal to
//!   s2, and (i1 < i2 and i2 - i1 < 2^(SERIAL_BITS - 1)) or (i1 > i2 and i1 - i2 >
//!   2^(SERIAL_BITS - 1))". See [`Serial::compare`].
//! - RFC 1982 §3.2: "there are some pairs of values s1 and s2 for which s1 is not
//!   equal to s2, but for which s1 is neither greater than, nor less than, s2. An
//!   attempt to use these ordering operators on such pairs of values produces an
//!   undefined result." [`Serial::compare`] returns `None` for them and
//!   [`Serial::is_newer_than`] says "not newer", so a zone is never moved to a serial
//!   exactly 2^31 away.
//! - RFC 1912 §2.2 (informational): the date convention `YYYYMMDDnn` of
//!   [`SerialPolicy::DateSerial`].

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// Half the serial space: 2^(SERIAL_BITS − 1).
const HALF: u32 = 1 << 31;

/// The largest increment RFC 1982 allows in one step: 2^31 − 1.
pub const MAX_INCREMENT: u32 = HALF - 1;

//----------- Serial -----------------------------------------------------------------

/// A zone serial number (SOA SERIAL) under RFC 1982 arithmetic.
///
/// Equality is plain equality; ordering is only through [`Serial::compare`] and
/// [`Serial::is_newer_than`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Serial(pub u32);

impl Serial {
    /// Compares two serials (RFC 1982 §3.2): `Some(Less)` when `self` is older than
    /// `other`, `Some(Greater)` when newer, `Some(Equal)` when equal, and `None` when
    /// they are exactly 2^31 apart and the order is undefined.
    pub fn compare(self, other: Serial) -> Option<Ordering> {
        compare(self, other)
    }

    /// True when `self` is strictly newer than `other` (RFC 1982 "greater than").
    /// Undefined pairs are not newer: a zone never moves to them.
    pub fn is_newer_than(self, other: Serial) -> bool {
        self.compare(other) == Some(Ordering::Greater)
    }

    /// `self + n` modulo 2^32 (RFC 1982 §3.1), or `None` when `n` is over 2^31 − 1,
    /// the largest increment whose result is still newer.
    // Not `std::ops::Add`: the addition is partial (RFC 1982 defines it only for
    // n < 2^31), so it returns an `Option`.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, n: u32) -> Option<Serial> {
        (n <= MAX_INCREMENT).then(|| Serial(self.0.wrapping_add(n)))
    }

    /// The next serial: `self + 1` modulo 2^32.
    pub fn next(self) -> Serial {
        Serial(self.0.wrapping_add(1))
    }
}

/// RFC 1982 §3.2 comparison of `a` with `b`; `None` when exactly 2^31 apart.
pub fn compare(a: Serial, b: Serial) -> Option<Ordering> {
    let (i1, i2) = (a.0, b.0);
    if i1 == i2 {
        return Some(Ordering::Equal);
    }
    // i2 - i1 modulo 2^32: below 2^31 means a < b, above means a > b.
    match i2.wrapping_sub(i1) {
        HALF => None,
        d if d < HALF => Some(Ordering::Less),
        _ => Some(Ordering::Greater),
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u32> for Serial {
    fn from(v: u32) -> Serial {
        Serial(v)
    }
}

//----------- SerialPolicy -----------------------------------------------------------

/// How a primary picks the serial of a new version of a zone it loads from a file
/// (config key `serial-policy`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SerialPolicy {
    /// The current serial plus one.
    #[default]
    Increment,
    /// Seconds since the Unix epoch (modulo 2^32).
    Unixtime,
    /// `YYYYMMDDnn` of the current UTC date, `nn` counting changes within the day.
    #[serde(rename = "dateserial")]
    DateSerial,
    /// The serial as written in the zone file, unchanged.
    Keep,
}

impl SerialPolicy {
    /// The config spelling (`increment`, `unixtime`, `dateserial`, `keep`).
    pub fn as_str(self) -> &'static str {
        match self {
            SerialPolicy::Increment => "increment",
            SerialPolicy::Unixtime => "unixtime",
            SerialPolicy::DateSerial => "dateserial",
            SerialPolicy::Keep => "keep",
        }
    }
}

impl fmt::Display for SerialPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SerialPolicy {
    type Err = UnknownSerialPolicy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            SerialPolicy::Increment,
            SerialPolicy::Unixtime,
            SerialPolicy::DateSerial,
            SerialPolicy::Keep,
        ]
        .into_iter()
        .find(|p| p.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| UnknownSerialPolicy(s.to_string()))
    }
}

/// A serial policy name that is not one of `increment`, `unixtime`, `dateserial`,
/// `keep`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown serial policy {0:?} (expected increment, unixtime, dateserial or keep)")]
pub struct UnknownSerialPolicy(pub String);

/// The serial for the next version of a zone whose current serial is `current`, under
/// `policy`, at time `now`.
///
/// - `Increment`: `current + 1`.
/// - `Unixtime`: the Unix time, when that is newer than `current`; else `current + 1`.
/// - `DateSerial`: `YYYYMMDD00` of `now`'s UTC date when that is newer than `current`;
///   else `current + 1` (so the tenth change of a day is `YYYYMMDD09`, and a zone
///   whose serial already runs ahead of the calendar keeps counting up from it).
/// - `Keep`: `current`, unchanged (the caller passes the file's serial).
///
/// The result of every policy but `Keep` is newer than `current` (RFC 1982), so
/// secondaries always pick the change up.
pub fn next_serial(current: Serial, policy: SerialPolicy, now: SystemTime) -> Serial {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let candidate = match policy {
        SerialPolicy::Keep => return current,
        SerialPolicy::Increment => return current.next(),
        // Unix time modulo 2^32 (the serial space wraps in 2106, like the serial).
        SerialPolicy::Unixtime => Serial(secs as u32),
        SerialPolicy::DateSerial => date_serial(secs),
    };
    if candidate.is_newer_than(current) {
        candidate
    } else {
        current.next()
    }
}

/// `YYYYMMDD00` of the UTC date of `secs` after the epoch, saturated at the largest
/// `u32` for years past 4294.
fn date_serial(secs: u64) -> Serial {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let v = (y as u64) * 1_000_000 + (m as u64) * 10_000 + (d as u64) * 100;
    Serial(u32::try_from(v).unwrap_or(u32::MAX))
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

//============ Tests =================================================================

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)] // serials grouped as YYYY_MM_DD_nn
mod tests {
    use super::*;
    use std::time::Duration;

    fn s(v: u32) -> Serial {
        Serial(v)
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn compare_basic() {
        assert_eq!(s(1).compare(s(2)), Some(Ordering::Less));
        assert_eq!(s(2).compare(s(1)), Some(Ordering::Greater));
        assert_eq!(s(7).compare(s(7)), Some(Ordering::Equal));
        assert!(s(2).is_newer_than(s(1)));
        assert!(!s(1).is_newer_than(s(1)));
    }

    #[test]
    fn compare_at_wrap_around() {
        // 0 is newer than 2^32 - 1: the serial wrapped.
        assert!(s(0).is_newer_than(s(u32::MAX)));
        assert!(!s(u32::MAX).is_newer_than(s(0)));
        assert_eq!(s(u32::MAX).compare(s(5)), Some(Ordering::Less));
        // The farthest still-defined distances.
        assert_eq!(s(0).compare(s(HALF - 1)), Some(Ordering::Less));
        assert_eq!(s(0).compare(s(HALF + 1)), Some(Ordering::Greater));
        assert_eq!(
            s(100).compare(s(100u32.wrapping_add(HALF + 1))),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn compare_undefined_at_half() {
        for base in [0u32, 1, 12345, HALF - 1, HALF, u32::MAX] {
            let other = s(base.wrapping_add(HALF));
            assert_eq!(s(base).compare(other), None, "{base}");
            assert_eq!(other.compare(s(base)), None, "{base}");
            assert!(!s(base).is_newer_than(other));
            assert!(!other.is_newer_than(s(base)));
        }
    }

    #[test]
    fn compare_is_antisymmetric() {
        let mut x = 0x1234_5678u32;
        for _ in 0..10_000 {
            // xorshift32
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let y = x.rotate_left(7) ^ 0x9e37_79b9;
            let ab = s(x).compare(s(y));
            let ba = s(y).compare(s(x));
            assert_eq!(ab, ba.map(Ordering::reverse));
        }
    }

    #[test]
    fn add_limits() {
        assert_eq!(s(u32::MAX).add(1), Some(s(0)));
        assert_eq!(
            s(5).add(MAX_INCREMENT),
            Some(s(5u32.wrapping_add(MAX_INCREMENT)))
        );
        assert!(s(5).add(MAX_INCREMENT).unwrap().is_newer_than(s(5)));
        assert_eq!(s(5).add(HALF), None);
        assert_eq!(s(u32::MAX).next(), s(0));
        assert!(s(u32::MAX).next().is_newer_than(s(u32::MAX)));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        // 2000-02-29 (leap year divisible by 400).
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        // 2024-12-31.
        assert_eq!(civil_from_days(20_088), (2024, 12, 31));
        assert_eq!(date_serial(1_735_689_599), s(2024_12_31_00)); // 2024-12-31T23:59:59Z
        assert_eq!(date_serial(1_735_689_600), s(2025_01_01_00)); // 2025-01-01T00:00:00Z
    }

    #[test]
    fn policy_increment_and_keep() {
        let now = at(1_700_000_000);
        assert_eq!(next_serial(s(41), SerialPolicy::Increment, now), s(42));
        assert_eq!(next_serial(s(u32::MAX), SerialPolicy::Increment, now), s(0));
        assert_eq!(next_serial(s(41), SerialPolicy::Keep, now), s(41));
    }

    #[test]
    fn policy_unixtime() {
        let now = at(1_700_000_000);
        assert_eq!(
            next_serial(s(1), SerialPolicy::Unixtime, now),
            s(1_700_000_000)
        );
        // Already ahead of the clock (two changes in one second, or a clock step back).
        assert_eq!(
            next_serial(s(1_700_000_000), SerialPolicy::Unixtime, now),
            s(1_700_000_001)
        );
        assert_eq!(
            next_serial(s(1_800_000_000), SerialPolicy::Unixtime, now),
            s(1_800_000_001)
        );
        // Exactly 2^31 behind: undefined, so increment instead.
        let cur = s(1_700_000_000u32.wrapping_add(HALF));
        assert_eq!(next_serial(cur, SerialPolicy::Unixtime, now), cur.next());
    }

    #[test]
    fn policy_dateserial() {
        let day = at(1_735_689_600 + 3600); // 2025-01-01T01:00:00Z
        let p = SerialPolicy::DateSerial;
        assert_eq!(next_serial(s(2024_12_31_05), p, day), s(2025_01_01_00));
        assert_eq!(next_serial(s(2025_01_01_00), p, day), s(2025_01_01_01));
        assert_eq!(next_serial(s(2025_01_01_99), p, day), s(2025_01_02_00));
        // A small counter-style serial jumps to the date.
        assert_eq!(next_serial(s(7), p, day), s(2025_01_01_00));
        // A serial far ahead of the date (the date would be older): keep counting.
        assert_eq!(next_serial(s(3_000_000_000), p, day), s(3_000_000_001));
        // The top of the space: the date is a forward step of less than 2^31, so it
        // is newer (RFC 1982) and wins.
        assert_eq!(next_serial(s(u32::MAX), p, day), s(2025_01_01_00));
    }

    #[test]
    fn policy_names() {
        for p in [
            SerialPolicy::Increment,
            SerialPolicy::Unixtime,
            SerialPolicy::DateSerial,
            SerialPolicy::Keep,
        ] {
            assert_eq!(p.to_string().parse::<SerialPolicy>(), Ok(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{p}\""));
            assert_eq!(serde_json::from_str::<SerialPolicy>(&json).unwrap(), p);
        }
        assert!("daily".parse::<SerialPolicy>().is_err());
    }
}
