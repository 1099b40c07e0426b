//! Response rate limiting (`rate-limit:`), as Knot's mod-rrl and NSD's and BIND's
//! rrl: answers over UDP to one source prefix, of one response class and for one
//! name, are limited to `responses-per-second`; past it they are dropped, except
//! every `slip`-th, which goes out truncated (TC, empty sections) so that a real
//! resolver asks again over TCP, where it cannot be spoofed.
//!
//! The UDP listener (`server::listen`) asks [`RateLimiter::admit`] after it has the
//! answer (the class comes from the answer: [`classify`]) and before it sends it;
//! TCP is never limited, nor are requests with a valid server cookie
//! (`server::cookies`), nor sources in `exempt`.
//!
//! What is limited together (one bucket) is, as in Knot: the source prefix
//! (`ipv4-prefix`, `ipv6-prefix`), the [`ResponseClass`], and a name: the QNAME for
//! positive, NODATA, referral and large answers; the zone's name for NXDOMAIN (so
//! that a flood of random names under one zone shares one bucket); no name for
//! errors (REFUSED for names that are not ours, FORMERR, SERVFAIL).
//!
//! Each bucket is a token bucket holding at most one second's credit
//! (`responses-per-second` answers), refilled continuously: over any stretch of `t`
//! seconds one bucket lets at most `rate × t + rate` answers through. Buckets live in
//! a table of fixed size ([`TABLE_SIZE`]), allocated once, indexed by a keyed hash
//! (SipHash-1-3 with a per-process random key, as Knot's rrl table is seeded): a
//! spoofed flood from many prefixes cannot grow memory, and cannot aim collisions at
//! a chosen bucket. A bucket taken over by another key starts afresh with a full
//! second of credit.
//!
//! # Limitations
//! - NOTIFY responses are not limited (they go to primaries, who retransmit).
//! - No "log-only" mode, no per-class rates (BIND's `nxdomains-per-second`, …): one
//!   rate for every class.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use ipnet::IpNet;
use siphasher::sip::SipHasher13;

use crate::config::RateLimit;

/// Buckets in the table (a power of two; 40 octets each: 10 MiB), near Knot's
/// default `table-size`.
pub const TABLE_SIZE: usize = 1 << 18;
/// An answer at least this long is `Large` (Knot's `RRL_PSIZE_LARGE`).
pub const LARGE: usize = 1024;
/// Credit is counted in thousandths of an answer, time in milliseconds.
const MILLI: u64 = 1000;

//----------- ResponseClass ----------------------------------------------------------

/// What kind of answer a bucket counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseClass {
    /// NOERROR with records in ANSWER.
    Positive,
    /// NOERROR, nothing in ANSWER, authoritative (NODATA).
    NoData,
    /// NOERROR, nothing in ANSWER, not authoritative, NS in AUTHORITY.
    Referral,
    /// NXDOMAIN.
    NxDomain,
    /// Any other RCODE (REFUSED, SERVFAIL, FORMERR, NOTIMP, …).
    Error,
    /// QTYPE ANY, or an answer of [`LARGE`] octets or more.
    Large,
}

/// The class of `answer` (our encoded answer) to a query of `qtype`.
///
/// In Knot's order: the RCODE first, then ANY and size, then what ANSWER and
/// AUTHORITY hold.
pub fn classify(answer: &[u8], qtype: u16) -> ResponseClass {
    let Some(h) = answer.get(..12) else {
        return ResponseClass::Error;
    };
    match h[3] & 0x0f {
        0 => {}
        3 => return ResponseClass::NxDomain,
        _ => return ResponseClass::Error,
    }
    if qtype == 255 || answer.len() >= LARGE {
        return ResponseClass::Large;
    }
    let ancount = u16::from_be_bytes([h[6], h[7]]);
    let nscount = u16::from_be_bytes([h[8], h[9]]);
    let authoritative = h[2] & 0x04 != 0;
    if ancount > 0 {
        ResponseClass::Positive
    } else if !authoritative && nscount > 0 {
        ResponseClass::Referral
    } else {
        ResponseClass::NoData
    }
}

impl ResponseClass {
    /// Whether the bucket is keyed by the QNAME (else by the zone, or nothing).
    pub fn by_qname(self) -> bool {
        !matches!(self, ResponseClass::NxDomain | ResponseClass::Error)
    }
}

//----------- Verdict ----------------------------------------------------------------

/// What to do with one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send it.
    Send,
    /// Send it truncated ([`truncate`]).
    Slip,
    /// Send nothing.
    Drop,
}

//----------- RateLimiter ------------------------------------------------------------

/// The limiter: settings and the bucket table. Shared by every UDP thread.
pub struct RateLimiter {
    /// Answers per second per bucket (at least 1).
    rate: u64,
    /// Every `slip`-th limited answer slips; 0: none.
    slip: u32,
    /// Prefix lengths the source is cut to.
    ipv4_prefix: u8,
    ipv6_prefix: u8,
    /// Sources never limited.
    exempt: Vec<IpNet>,
    /// The hash key (per process, random).
    key: [u8; 16],
    /// Time zero of the buckets' clocks.
    epoch: Instant,
    /// The buckets; each behind its own lock (held for a few arithmetic steps), so
    /// that the UDP threads never wait for each other but on the same bucket.
    table: Box<[Mutex<Bucket>]>,
}

/// One bucket.
#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    /// The hash of the key it counts for (0: unused).
    key: u64,
    /// Credit, in thousandths of an answer.
    credit: u64,
    /// When the credit was last brought up to date (milliseconds since `epoch`).
    stamp: u64,
    /// Answers limited so far (for the slip).
    limited: u32,
}

impl RateLimiter {
    /// A limiter for `config` (whose rate is above 0), with a random hash key.
    pub fn new(config: &RateLimit) -> RateLimiter {
        let mut key = [0u8; 16];
        // Without randomness from the OS the key is the clock's: still unknown to a
        // remote sender.
        if getrandom::fill(&mut key).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            key = t.to_le_bytes();
        }
        RateLimiter {
            rate: u64::from(config.responses_per_second.max(1)),
            slip: config.slip,
            ipv4_prefix: config.ipv4_prefix,
            ipv6_prefix: config.ipv6_prefix,
            exempt: config.exempt.clone(),
            key,
            epoch: Instant::now(),
            table: (0..TABLE_SIZE)
                .map(|_| Mutex::new(Bucket::default()))
                .collect(),
        }
    }

    /// True when `source` is never limited.
    pub fn exempt(&self, source: IpAddr) -> bool {
        let source = source.to_canonical();
        self.exempt.iter().any(|n| n.contains(&source))
    }

    /// Decides one answer of `class` to `source` for `name` (lower-cased wire form:
    /// the QNAME or the zone's name, as [`ResponseClass::by_qname`] says; ignored for
    /// errors), now.
    pub fn admit(&self, source: IpAddr, class: ResponseClass, name: &[u8]) -> Verdict {
        let now = self.epoch.elapsed().as_millis() as u64;
        self.admit_at(source, class, name, now)
    }

    /// [`RateLimiter::admit`] at `now` (milliseconds since the limiter started).
    fn admit_at(&self, source: IpAddr, class: ResponseClass, name: &[u8], now: u64) -> Verdict {
        let hash = self.bucket_key(source, class, name);
        let slot = &self.table[(hash as usize) & (TABLE_SIZE - 1)];
        let mut b = slot.lock().unwrap_or_else(|e| e.into_inner());
        take(&mut b, hash, self.rate, self.slip, now)
    }

    /// The hash that names a bucket: class, source prefix, name.
    fn bucket_key(&self, source: IpAddr, class: ResponseClass, name: &[u8]) -> u64 {
        // class, family, 16 octets of prefix, the name (up to 255 octets).
        let mut input = [0u8; 2 + 16 + 255];
        input[0] = class as u8;
        match source.to_canonical() {
            IpAddr::V4(a) => {
                input[1] = 4;
                let bits = u32::from(a) & prefix_mask32(self.ipv4_prefix);
                input[2..6].copy_from_slice(&bits.to_be_bytes());
            }
            IpAddr::V6(a) => {
                input[1] = 6;
                let bits = u128::from(a) & prefix_mask128(self.ipv6_prefix);
                input[2..18].copy_from_slice(&bits.to_be_bytes());
            }
        }
        let name = if class == ResponseClass::Error {
            &[][..]
        } else {
            &name[..name.len().min(255)]
        };
        input[18..18 + name.len()].copy_from_slice(name);
        let hash = SipHasher13::new_with_key(&self.key).hash(&input[..18 + name.len()]);
        // 0 marks an unused bucket.
        hash.max(1)
    }
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("rate", &self.rate)
            .field("slip", &self.slip)
            .finish_non_exhaustive()
    }
}

/// One answer against bucket `b`, which now counts for `key`: brings its credit up to
/// `now` (at most one second's, `rate` answers), then takes one answer's worth, or
/// counts the answer as limited and slips every `slip`-th.
fn take(b: &mut Bucket, key: u64, rate: u64, slip: u32, now: u64) -> Verdict {
    let full = rate * MILLI;
    if b.key != key {
        // A new key (or one that took the bucket over): a full second's credit.
        *b = Bucket {
            key,
            credit: full,
            stamp: now,
            limited: 0,
        };
    } else {
        // `rate` answers per second are `rate` thousandths per millisecond.
        let elapsed = now.saturating_sub(b.stamp);
        b.credit = b
            .credit
            .saturating_add(elapsed.saturating_mul(rate))
            .min(full);
        b.stamp = now.max(b.stamp);
    }
    if b.credit >= MILLI {
        b.credit -= MILLI;
        return Verdict::Send;
    }
    b.limited = b.limited.wrapping_add(1);
    if slip > 0 && b.limited.is_multiple_of(slip) {
        Verdict::Slip
    } else {
        Verdict::Drop
    }
}

fn prefix_mask32(len: u8) -> u32 {
    match len {
        0 => 0,
        l if l >= 32 => u32::MAX,
        l => u32::MAX << (32 - l),
    }
}

fn prefix_mask128(len: u8) -> u128 {
    match len {
        0 => 0,
        l if l >= 128 => u128::MAX,
        l => u128::MAX << (128 - l),
    }
}

//----------- truncate ---------------------------------------------------------------

/// Turns `answer` into its slipped form: the header (TC set, only QDCOUNT left) and
/// the question, nothing else. The question is ours (uncompressed): its end is found
/// by walking its labels; an answer whose question cannot be walked loses it too.
pub fn truncate(answer: &mut Vec<u8>) {
    if answer.len() < 12 {
        return;
    }
    let qdcount = u16::from_be_bytes([answer[4], answer[5]]);
    let end = if qdcount == 1 {
        question_end(answer).unwrap_or(12)
    } else {
        12
    };
    answer.truncate(end);
    answer[2] |= 0x02;
    let qd: u16 = if end > 12 { 1 } else { 0 };
    answer[4..6].copy_from_slice(&qd.to_be_bytes());
    answer[6..12].fill(0);
}

/// Where the (one, uncompressed) question of `msg` ends.
fn question_end(msg: &[u8]) -> Option<usize> {
    let mut at = 12usize;
    loop {
        let len = *msg.get(at)? as usize;
        if len == 0 {
            at += 1;
            break;
        }
        if len & 0xc0 != 0 {
            return None;
        }
        at += 1 + len;
    }
    let end = at + 4;
    (end <= msg.len()).then_some(end)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with `flags` (second and third octets), RCODE, and counts.
    fn answer(aa: bool, rcode: u8, an: u16, ns: u16, len: usize) -> Vec<u8> {
        let mut m = vec![0u8; len.max(12)];
        m[2] = 0x80 | if aa { 0x04 } else { 0 };
        m[3] = rcode;
        m[4..6].copy_from_slice(&1u16.to_be_bytes());
        m[6..8].copy_from_slice(&an.to_be_bytes());
        m[8..10].copy_from_slice(&ns.to_be_bytes());
        m
    }

    #[test]
    fn classes() {
        use ResponseClass::*;
        let cases = [
            ("an answer", answer(true, 0, 1, 0, 100), 1, Positive),
            ("NODATA", answer(true, 0, 0, 1, 100), 1, NoData),
            ("a referral", answer(false, 0, 0, 2, 100), 1, Referral),
            (
                "empty, not AA, no NS",
                answer(false, 0, 0, 0, 100),
                1,
                NoData,
            ),
            ("NXDOMAIN", answer(true, 3, 0, 1, 100), 1, NxDomain),
            ("NXDOMAIN, large", answer(true, 3, 0, 1, 2000), 1, NxDomain),
            ("REFUSED", answer(false, 5, 0, 0, 40), 1, Error),
            ("SERVFAIL", answer(false, 2, 0, 0, 40), 1, Error),
            ("FORMERR", answer(false, 1, 0, 0, 12), 1, Error),
            ("ANY", answer(true, 0, 1, 0, 100), 255, Large),
            ("1024 octets", answer(true, 0, 3, 0, 1024), 1, Large),
            ("1023 octets", answer(true, 0, 3, 0, 1023), 1, Positive),
            ("a large referral", answer(false, 0, 0, 9, 1100), 1, Large),
            ("shorter than a header", vec![0u8; 5], 1, Error),
        ];
        for (what, msg, qtype, class) in cases {
            assert_eq!(classify(&msg, qtype), class, "{what}");
        }
        assert!(Positive.by_qname() && Referral.by_qname() && Large.by_qname());
        assert!(!NxDomain.by_qname() && !Error.by_qname());
    }

    #[test]
    fn a_bucket_gives_its_rate_then_slips_every_nth() {
        let mut b = Bucket::default();
        let rate = 20;
        // A burst at t=0: 20 answers, then every 2nd limited one slips.
        let verdicts: Vec<Verdict> = (0..30).map(|_| take(&mut b, 7, rate, 2, 0)).collect();
        assert!(verdicts[..20].iter().all(|v| *v == Verdict::Send));
        assert_eq!(
            &verdicts[20..24],
            &[Verdict::Drop, Verdict::Slip, Verdict::Drop, Verdict::Slip]
        );
        // 50 ms later: one answer's credit (20/s).
        assert_eq!(take(&mut b, 7, rate, 2, 50), Verdict::Send);
        assert_ne!(take(&mut b, 7, rate, 2, 50), Verdict::Send);
        // 49 ms more: not yet the next one.
        assert_ne!(take(&mut b, 7, rate, 2, 99), Verdict::Send);
        assert_eq!(take(&mut b, 7, rate, 2, 100), Verdict::Send);
        // A long pause refills at most one second's worth.
        let sent = (0..100)
            .filter(|_| take(&mut b, 7, rate, 2, 60_000) == Verdict::Send)
            .count();
        assert_eq!(sent, 20);
        // A clock that goes back does not add credit.
        assert_ne!(take(&mut b, 7, rate, 2, 10), Verdict::Send);
    }

    #[test]
    fn slip_zero_never_one_always() {
        for (slip, want) in [(0, Verdict::Drop), (1, Verdict::Slip)] {
            let mut b = Bucket::default();
            for _ in 0..5 {
                take(&mut b, 1, 5, slip, 0);
            }
            assert!((0..10).all(|_| take(&mut b, 1, 5, slip, 0) == want));
        }
    }

    #[test]
    fn over_time_at_most_the_rate_plus_one_second() {
        // 10,000 answers a second for 10 s, at rate 20: 20 × 10 + 20 at most.
        let mut b = Bucket::default();
        let mut sent = 0;
        for i in 0..100_000u64 {
            if take(&mut b, 3, 20, 0, i / 10) == Verdict::Send {
                sent += 1;
            }
        }
        assert!((200..=220).contains(&sent), "{sent}");
    }

    #[test]
    fn another_key_takes_a_bucket_over_afresh() {
        let mut b = Bucket::default();
        for _ in 0..3 {
            take(&mut b, 1, 3, 0, 0);
        }
        assert_eq!(take(&mut b, 1, 3, 0, 0), Verdict::Drop);
        assert_eq!(take(&mut b, 2, 3, 0, 0), Verdict::Send);
    }

    fn limiter(rate: u32, slip: u32, exempt: &[&str]) -> RateLimiter {
        RateLimiter::new(&RateLimit {
            responses_per_second: rate,
            slip,
            ipv4_prefix: 24,
            ipv6_prefix: 56,
            exempt: exempt.iter().map(|e| e.parse().unwrap()).collect(),
        })
    }

    #[test]
    fn buckets_by_prefix_class_and_name() {
        let l = limiter(2, 0, &["192.0.2.0/25"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let www = b"\x03www\x07example\x00";
        let mail = b"\x04mail\x07example\x00";
        let send =
            |src: &str, class, name: &[u8]| l.admit_at(ip(src), class, name, 0) == Verdict::Send;
        assert!(send("198.51.100.1", ResponseClass::Positive, www));
        assert!(send("198.51.100.200", ResponseClass::Positive, www));
        // The same /24: its two answers are used.
        assert!(!send("198.51.100.7", ResponseClass::Positive, www));
        // Another name, another class, another /24: other buckets.
        assert!(send("198.51.100.7", ResponseClass::Positive, mail));
        assert!(send("198.51.100.7", ResponseClass::NoData, www));
        assert!(send("198.51.101.7", ResponseClass::Positive, www));
        // Errors share one bucket whatever the name.
        assert!(send("203.0.113.1", ResponseClass::Error, www));
        assert!(send("203.0.113.1", ResponseClass::Error, mail));
        assert!(!send("203.0.113.1", ResponseClass::Error, b"\x00"));
        // IPv6 by /56.
        assert!(send("2001:db8:0:100::1", ResponseClass::Positive, www));
        assert!(send("2001:db8:0:1ff::2", ResponseClass::Positive, www));
        assert!(!send("2001:db8:0:1ab::3", ResponseClass::Positive, www));
        assert!(send("2001:db8:0:200::1", ResponseClass::Positive, www));
        // IPv4-mapped is IPv4.
        assert!(!send("::ffff:198.51.100.9", ResponseClass::Positive, www));
        assert!(l.exempt(ip("192.0.2.100")) && l.exempt(ip("::ffff:192.0.2.1")));
        assert!(!l.exempt(ip("192.0.2.128")));
        assert_eq!(prefix_mask32(0), 0);
        assert_eq!(prefix_mask32(24), 0xffff_ff00);
        assert_eq!(prefix_mask32(32), u32::MAX);
        assert_eq!(prefix_mask128(128), u128::MAX);
    }

    #[test]
    fn truncated_keeps_header_and_question() {
        let mut m = vec![0xab, 0xcd, 0x84, 0x00, 0, 1, 0, 2, 0, 1, 0, 1];
        m.extend_from_slice(b"\x03www\x07example\x00\x00\x01\x00\x01");
        let question_end = m.len();
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        let mut t = m.clone();
        truncate(&mut t);
        assert_eq!(t.len(), question_end);
        assert_eq!(&t[..12], &[0xab, 0xcd, 0x86, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&t[12..], &m[12..question_end]);
        // No question (a FORMERR to QDCOUNT 0), or one that cannot be walked.
        let mut e = vec![0, 1, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
        truncate(&mut e);
        assert_eq!(e, [0, 1, 0x82, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut bad = vec![0, 1, 0x80, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 9, b'x'];
        truncate(&mut bad);
        assert_eq!(bad, [0, 1, 0x82, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
}
