//! The EDNS options an answer carries because its query asked for them: NSID, EXPIRE
//! and ZONEVERSION. Pure: the server's query path, error answers and transfers out
//! gather the facts ([`ZoneFacts`]) and call [`answer_options`]; the result goes into
//! the answer's OPT ([`super::Edns::options`]).
//!
//! Such answers never come from or go into the answer cache (their values are per
//! response: `server::request::cacheable` sends them the whole way).
//!
//! # Standards
//! - RFC 5001 §2.2: a name server that understands NSID and is configured with an
//!   identifier includes it in its response to a query that carried the (empty)
//!   option, and only then.
//! - RFC 7314 §3: "The EXPIRE option MUST NOT be included in responses to queries
//!   that do not include an EXPIRE option"; a primary answers its SOA EXPIRE, a
//!   secondary the seconds left until its copy expires; a server not authoritative
//!   for the zone adds nothing.
//! - RFC 9660 §3: an authoritative answer from a zone carries that zone's label
//!   count, type 0 and its SOA serial; a server not authoritative for the QNAME's
//!   zone (REFUSED) adds nothing.

use crate::wire::edns::{Asked, OptionsBuf};

/// What the options say about the zone an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneFacts {
    /// Labels of the zone's name (the root not counted).
    pub labels: u8,
    /// The served SOA serial.
    pub serial: u32,
    /// What EXPIRE says: see [`expire_seconds`].
    pub expire: u32,
}

/// The options for an answer to a query that asked for `asked`: NSID when the server
/// has one, EXPIRE and ZONEVERSION when the answer comes from one of our zones
/// (`zone`).
pub fn answer_options(asked: Asked, nsid: Option<&[u8]>, zone: Option<ZoneFacts>) -> OptionsBuf {
    let mut out = OptionsBuf::default();
    if asked.nsid
        && let Some(id) = nsid
    {
        out.nsid(id);
    }
    if let Some(z) = zone {
        if asked.expire {
            out.expire(z.expire);
        }
        if asked.zoneversion {
            out.zoneversion(z.labels, z.serial);
        }
    }
    out
}

/// The EXPIRE a zone answers at `now` (Unix seconds): a primary its SOA EXPIRE; a
/// secondary the seconds until `expire_at` (0 once passed, though an expired zone
/// answers SERVFAIL and never gets here), or its SOA EXPIRE while it has no timers.
pub fn expire_seconds(soa_expire: u32, secondary: bool, expire_at: Option<u64>, now: u64) -> u32 {
    match (secondary, expire_at) {
        (true, Some(at)) => at.saturating_sub(now).min(u32::MAX as u64) as u32,
        _ => soa_expire,
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::edns::{EXPIRE, NSID, Options, ZONEVERSION};

    fn codes(b: &OptionsBuf) -> Vec<u16> {
        Options::new(b.as_bytes()).map(|(c, _)| c).collect()
    }

    #[test]
    fn only_what_was_asked_and_only_from_our_zones() {
        let all = Asked {
            nsid: true,
            expire: true,
            zoneversion: true,
        };
        let zone = ZoneFacts {
            labels: 2,
            serial: 7,
            expire: 600,
        };
        let b = answer_options(all, Some(b"ns1"), Some(zone));
        assert_eq!(codes(&b), [NSID, EXPIRE, ZONEVERSION]);
        assert_eq!(
            Options::new(b.as_bytes()).find(NSID),
            Some(&b"ns1"[..]),
            "NSID echoes the configured identifier"
        );
        // Not our zone (REFUSED) or not loaded: NSID only.
        assert_eq!(codes(&answer_options(all, Some(b"ns1"), None)), [NSID]);
        // No NSID configured: none.
        assert_eq!(
            codes(&answer_options(all, None, Some(zone))),
            [EXPIRE, ZONEVERSION]
        );
        // Nothing asked: nothing (RFC 7314 §3 MUST NOT).
        assert!(answer_options(Asked::default(), Some(b"ns1"), Some(zone)).is_empty());
        let expire_only = Asked {
            expire: true,
            ..Asked::default()
        };
        assert_eq!(
            codes(&answer_options(expire_only, Some(b"ns1"), Some(zone))),
            [EXPIRE]
        );
    }

    #[test]
    fn a_secondary_counts_down_a_primary_does_not() {
        assert_eq!(expire_seconds(1_209_600, false, None, 1000), 1_209_600);
        assert_eq!(
            expire_seconds(1_209_600, false, Some(1500), 1000),
            1_209_600
        );
        assert_eq!(expire_seconds(1_209_600, true, Some(1500), 1000), 500);
        assert_eq!(expire_seconds(1_209_600, true, Some(900), 1000), 0);
        assert_eq!(expire_seconds(1_209_600, true, None, 1000), 1_209_600);
    }
}
