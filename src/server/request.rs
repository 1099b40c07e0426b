//! One incoming message, read once: the [`Request`] every step of answering it
//! shares, and [`cacheable`], the one rule for what the answer cache may answer.
//!
//! The listeners build a [`Request`] from the bytes they received (one header read and
//! one bounded walk over the message, no allocation: a [`wire::Outline`]); the UDP
//! fast path ([`answer_cached`](super::handle::answer_cached)), the full path
//! ([`handle`](super::handle::handle)), TSIG verification, NOTIFY in and transfers
//! out all read that one view. Nothing here decodes a name: the QNAME is borrowed from
//! the message, and turned into a [`Name`](crate::zone::Name) only on the slow path.
//!
//! # Standards
//! - RFC 1035 §4.2.1: without EDNS a UDP answer is at most 512 octets.
//! - RFC 6891 §6.2.3: "Values lower than 512 MUST be treated as equal to 512"; §6.1.3:
//!   the version lives in the OPT TTL's second octet, DO in its flags (RFC 3225 §3).

use crate::answer::cache::CacheKey;
use crate::tls::TlsPeer;
use crate::wire::{self, Header, Opcode, WireError};
use crate::zone::{Class, Rtype};

/// Our largest UDP answer (DNS flag day 2020; Knot and NSD default).
pub(crate) const MAX_UDP: usize = wire::EDNS_UDP_SIZE as usize;

//----------- Request ----------------------------------------------------------------

/// One incoming message, read once, borrowing its bytes.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The message as received.
    bytes: &'a [u8],
    /// How it arrived.
    transport: Transport,
    /// Set when it arrived over TLS (a TCP-like stream): who the client proved to be.
    tls: Option<&'a TlsPeer>,
    /// The header (present even when the rest is malformed, for the error answer).
    header: Header,
    /// The walk over the whole message; an error when it is malformed (FORMERR).
    outline: Result<wire::Outline<'a>, WireError>,
}

/// How a request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Over UDP.
    Udp,
    /// Over TCP.
    Tcp,
}

/// EDNS as a request carries it (its OPT record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestEdns {
    /// The requestor's UDP payload size, at least 512 (RFC 6891 §6.2.3).
    pub udp_size: u16,
    /// The EDNS version (above 0 is BADVERS).
    pub version: u8,
    /// The DO bit (RFC 3225).
    pub dnssec_ok: bool,
}

impl<'a> Request<'a> {
    /// Reads `bytes`, received over `transport`: the header, then one walk over the
    /// rest. `None` when there is not even a header: nothing can be answered (there is
    /// no ID to echo).
    pub fn parse(bytes: &'a [u8], transport: Transport) -> Option<Request<'a>> {
        let header = Header::parse(bytes).ok()?;
        Some(Request {
            bytes,
            transport,
            tls: None,
            header,
            outline: wire::Outline::with_header(bytes, header),
        })
    }

    /// The message as received.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How it arrived.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Marks a request (with [`Transport::Tcp`]) as having arrived over TLS.
    pub fn over_tls(mut self, tls: Option<&'a TlsPeer>) -> Request<'a> {
        self.tls = tls;
        self
    }

    /// The TLS session it arrived on, if it did (XoT; `allow-transfer` entries with
    /// `tls: true` match only these).
    pub fn tls(&self) -> Option<&'a TlsPeer> {
        self.tls
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The walk over the message, or why it is malformed.
    pub fn outline(&self) -> Result<&wire::Outline<'a>, &WireError> {
        self.outline.as_ref()
    }

    /// The message with its question decoded, built from the walk (not parsed again).
    pub fn message(&self) -> Result<wire::Message<'a>, WireError> {
        self.outline.clone()?.to_message()
    }

    /// EDNS, when the message is well-formed and carries an OPT (the last one, when
    /// it carries several: they are FORMERR anyway).
    pub fn edns(&self) -> Option<RequestEdns> {
        let outline = self.outline.as_ref().ok()?;
        let ttl = outline.opt_ttl()?;
        Some(RequestEdns {
            udp_size: outline.edns_udp_size()?.max(512),
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
        })
    }

    /// Which of the EDNS options answered per response (NSID, EXPIRE, ZONEVERSION)
    /// the request asks for; none when it is malformed or has no OPT.
    pub fn asked(&self) -> wire::edns::Asked {
        self.outline
            .as_ref()
            .map_or(wire::edns::Asked::default(), |o| o.asked())
    }

    /// The data of its first COOKIE option (RFC 7873), if any.
    pub fn cookie(&self) -> Option<&'a [u8]> {
        self.outline.as_ref().ok()?.cookie()
    }

    /// True when the message carries a TSIG RR as its last record (it must then be
    /// verified before anything that depends on who asks).
    pub fn has_tsig(&self) -> bool {
        self.outline
            .as_ref()
            .is_ok_and(|o| o.tsig_offset().is_some())
    }

    /// The largest answer this request may get: 64 KiB over TCP; over UDP the
    /// advertised payload size up to our own 1232, or 512 without EDNS.
    pub fn size_limit(&self) -> usize {
        match (self.transport, self.edns()) {
            (Transport::Tcp, _) => wire::MAX_TCP_MESSAGE,
            (Transport::Udp, Some(e)) => (e.udp_size as usize).min(MAX_UDP),
            (Transport::Udp, None) => wire::MAX_UDP_PLAIN,
        }
    }
}

//----------- cacheable --------------------------------------------------------------

/// The answer-cache key for `req` when its answer may come from the cache (the
/// encoded answer depends on nothing else), `None` when it must go the whole way.
///
/// The cache may answer a well-formed QUERY (QR clear) with exactly one question of
/// class IN whose QNAME has no compression pointer (the cached answer's QNAME is
/// patched in place) and whose QTYPE is not AXFR or IXFR, with at most one OPT, of
/// version 0, that asks for none of NSID, EXPIRE and ZONEVERSION (their values are
/// per response: the server's identity, a clock that counts down, the serial), and
/// no TSIG (a signed answer is never cached). Other options (padding, …) do
/// not shape the answer and do not stop the cache. With `cookies` on, a COOKIE
/// option of a length RFC 7873 §5.2.2 forbids goes the whole way (FORMERR), and a
/// well-formed one takes its answer's room ([`COOKIE_ROOM`]) off the key's size
/// limit: the cached answer never holds a cookie, and the cookie of each request
/// is appended to it (`answer::cache::append_option`). These are exactly the
/// requests [`handle`](super::handle::handle) sends to the query path unsigned, so the
/// UDP fast path and `handle` answer them with the same bytes. What the zone allows
/// (catalog zones, a version being loaded) is decided after the key, by both alike.
pub fn cacheable(req: &Request<'_>, cookies: bool) -> Option<CacheKey> {
    let h = req.header();
    if h.qr() || h.opcode() != Opcode::QUERY || h.qdcount != 1 {
        return None;
    }
    let outline = req.outline().ok()?;
    if outline.opt_count() > 1 || outline.tsig_offset().is_some() || outline.has_misplaced_tsig() {
        return None;
    }
    let q = outline.question()?;
    if q.qclass != Class::IN || q.qtype == Rtype::AXFR || q.qtype == Rtype::IXFR {
        return None;
    }
    let edns = match req.edns() {
        None => 0,
        Some(e) if e.version > 0 => return None,
        Some(e) => 1 + e.dnssec_ok as u8,
    };
    // An OPT without options (the common case) is not walked.
    if outline.asked().any() {
        return None;
    }
    let mut limit = req.size_limit();
    if cookies && let Some(cookie) = outline.cookie() {
        if !crate::server::cookies::well_formed(cookie) {
            return None;
        }
        limit -= COOKIE_ROOM;
    }
    let qname = outline.plain_qname()?;
    CacheKey::new(
        qname,
        q.qtype.0,
        edns,
        req.transport() == Transport::Tcp,
        limit as u16,
    )
}

/// Octets the COOKIE option of an answer takes (RFC 9018: an 8-octet client cookie
/// and a 16-octet server cookie, after the option's code and length).
pub const COOKIE_ROOM: usize = crate::server::cookies::OPTION_LEN;

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// A query for `www.Example.` A with `flags`, one question, and `additional`.
    fn query(flags: u16, additional: &[&[u8]]) -> Vec<u8> {
        let mut m = vec![0x12, 0x34];
        m.extend_from_slice(&flags.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, additional.len() as u8]);
        m.extend_from_slice(b"\x03www\x07Example\x00\x00\x01\x00\x01");
        for r in additional {
            m.extend_from_slice(r);
        }
        m
    }

    /// An OPT record: payload size, version, DO.
    fn opt(udp: u16, version: u8, dnssec_ok: bool) -> Vec<u8> {
        let mut r = vec![0, 0, 41];
        r.extend_from_slice(&udp.to_be_bytes());
        r.extend_from_slice(&[0, version, if dnssec_ok { 0x80 } else { 0 }, 0, 0, 0]);
        r
    }

    /// An OPT record carrying `options` (encoded).
    fn opt_with(options: &[u8]) -> Vec<u8> {
        let mut r = opt(1232, 0, false);
        let n = r.len();
        r[n - 2..].copy_from_slice(&(options.len() as u16).to_be_bytes());
        r.extend_from_slice(options);
        r
    }

    /// A TSIG RR (its RDATA is not read here).
    fn tsig() -> Vec<u8> {
        let mut r = b"\x03key\x00\x00\xfa\x00\xff\x00\x00\x00\x00\x00\x04".to_vec();
        r.extend_from_slice(&[1, 2, 3, 4]);
        r
    }

    fn key(m: &[u8], transport: Transport) -> Option<CacheKey> {
        cacheable(&Request::parse(m, transport)?, false)
    }

    fn key_with_cookies(m: &[u8], transport: Transport) -> Option<CacheKey> {
        cacheable(&Request::parse(m, transport)?, true)
    }

    fn with(m: &[u8], at: usize, value: u8) -> Vec<u8> {
        let mut m = m.to_vec();
        m[at] = value;
        m
    }

    #[test]
    fn what_the_fast_path_may_answer() {
        let plain = query(0x0100, &[]);
        let edns = query(0, &[&opt(4096, 0, false)]);
        let qtype_at = 12 + 13;
        let qclass_at = qtype_at + 2;
        let mut compressed = plain[..12].to_vec();
        compressed.extend_from_slice(b"\x03www\xc0\x04\x00\x01\x00\x01");
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            ("plain query", plain.clone(), true),
            ("with OPT", edns.clone(), true),
            ("with OPT and DO", query(0, &[&opt(1232, 0, true)]), true),
            // Options that do not shape the answer (COOKIE, padding) keep it cacheable.
            (
                "with a cookie",
                query(0, &[&opt_with(&[0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])]),
                true,
            ),
            (
                "with padding",
                query(0, &[&opt_with(&[0, 12, 0, 2, 0, 0])]),
                true,
            ),
            // Options answered per response go the whole way.
            (
                "asks for NSID",
                query(0, &[&opt_with(&[0, 3, 0, 0])]),
                false,
            ),
            (
                "asks for EXPIRE",
                query(0, &[&opt_with(&[0, 9, 0, 0])]),
                false,
            ),
            (
                "asks for ZONEVERSION",
                query(0, &[&opt_with(&[0, 19, 0, 0])]),
                false,
            ),
            (
                "a cookie and EXPIRE",
                query(
                    0,
                    &[&opt_with(&[
                        0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 0, 0,
                    ])],
                ),
                false,
            ),
            ("QR set", query(0x8000, &[]), false),
            ("opcode NOTIFY", query(0x2000, &[]), false),
            ("opcode UPDATE", query(0x2800, &[]), false),
            ("opcode IQUERY", query(0x0800, &[]), false),
            ("QDCOUNT 0", with(&plain[..12], 5, 0), false),
            ("QDCOUNT 2", with(&plain, 5, 2), false),
            ("EDNS version 1", query(0, &[&opt(1232, 1, false)]), false),
            ("TSIG", query(0, &[&tsig()]), false),
            (
                "OPT and TSIG",
                query(0, &[&opt(1232, 0, false), &tsig()]),
                false,
            ),
            (
                "TSIG not last",
                query(0, &[&tsig(), &opt(1232, 0, false)]),
                false,
            ),
            (
                "two OPTs",
                query(0, &[&opt(1232, 0, false), &opt(1232, 0, false)]),
                false,
            ),
            ("class CH", with(&plain, qclass_at + 1, 3), false),
            ("class ANY", with(&plain, qclass_at + 1, 255), false),
            ("AXFR", with(&plain, qtype_at + 1, 252), false),
            ("IXFR", with(&plain, qtype_at + 1, 251), false),
            ("compressed QNAME", compressed, false),
            ("truncated in the question", plain[..20].to_vec(), false),
            (
                "truncated in the OPT",
                edns[..edns.len() - 3].to_vec(),
                false,
            ),
            ("ARCOUNT past the end", with(&plain, 11, 1), false),
            ("trailing octets", [&plain[..], &[0]].concat(), false),
        ];
        for (what, msg, expected) in cases {
            for transport in [Transport::Udp, Transport::Tcp] {
                assert_eq!(
                    key(&msg, transport).is_some(),
                    expected,
                    "{what} over {transport:?}"
                );
            }
        }
        // Shorter than a header: no request at all.
        assert!(Request::parse(&plain[..11], Transport::Udp).is_none());
    }

    #[test]
    fn the_key_holds_what_shapes_the_answer() {
        let k = |m: &[u8], t| key(m, t).unwrap();
        let plain = query(0x0100, &[]);
        let a = k(&plain, Transport::Udp);
        // Lower-cased QNAME, for the zone lookup and the key alike.
        assert_eq!(a.qname(), b"\x03www\x07example\x00");
        assert_eq!((a.qtype(), a.limit()), (1, 512));
        // RD and the ID do not matter; the transport, EDNS and DO do.
        let mut other_id = with(&plain, 0, 0x99);
        other_id[2] = 0;
        assert_eq!(k(&other_id, Transport::Udp), a);
        assert_eq!(k(&plain, Transport::Tcp).limit(), 65_535);
        assert_ne!(k(&plain, Transport::Tcp), a);
        let e = |udp, dnssec_ok| query(0, &[&opt(udp, 0, dnssec_ok)]);
        assert_eq!(k(&e(4096, false), Transport::Udp).limit(), 1232);
        assert_eq!(k(&e(100, false), Transport::Udp).limit(), 512);
        assert_eq!(k(&e(1000, false), Transport::Udp).limit(), 1000);
        assert_ne!(
            k(&e(1232, false), Transport::Udp),
            k(&e(1232, true), Transport::Udp)
        );
        assert_ne!(k(&e(512, false), Transport::Udp), a);
    }

    #[test]
    fn cookies_take_their_room_and_malformed_ones_go_the_whole_way() {
        let cookie = |len: usize| {
            let mut o = vec![0, 10, 0, len as u8];
            o.extend(std::iter::repeat_n(7u8, len));
            query(0, &[&opt_with(&o)])
        };
        let plain = query(0, &[&opt(1232, 0, false)]);
        let base = key_with_cookies(&plain, Transport::Udp).unwrap();
        assert_eq!(base.limit(), 1232);
        for len in [8, 16, 24, 40] {
            let k = key_with_cookies(&cookie(len), Transport::Udp).unwrap();
            assert_eq!(k.limit() as usize, 1232 - COOKIE_ROOM, "{len} octets");
            assert_eq!(k.qname(), base.qname());
            // TCP too: 64 KiB less the option.
            let k = key_with_cookies(&cookie(len), Transport::Tcp).unwrap();
            assert_eq!(k.limit() as usize, 65_535 - COOKIE_ROOM);
            // Cookies off: the option is one like any other.
            assert_eq!(key(&cookie(len), Transport::Udp).unwrap().limit(), 1232);
        }
        for len in [0, 7, 9, 15, 41] {
            assert!(
                key_with_cookies(&cookie(len), Transport::Udp).is_none(),
                "{len} octets"
            );
            assert!(key(&cookie(len), Transport::Udp).is_some(), "{len} octets");
        }
        let eight = cookie(8);
        let r = Request::parse(&eight, Transport::Udp).unwrap();
        assert_eq!(r.cookie(), Some(&[7u8; 8][..]));
        assert_eq!(
            Request::parse(&plain, Transport::Udp).unwrap().cookie(),
            None
        );
    }

    #[test]
    fn the_view_reads_edns_and_tsig() {
        let m = query(0, &[&opt(100, 2, true), &tsig()]);
        let r = Request::parse(&m, Transport::Udp).unwrap();
        assert_eq!(
            r.edns(),
            Some(RequestEdns {
                udp_size: 512,
                version: 2,
                dnssec_ok: true
            })
        );
        assert!(r.has_tsig());
        let msg = r.message().unwrap();
        assert_eq!(msg.question().unwrap().name.to_string(), "www.Example.");
        // Malformed: the header is still there for the error answer.
        let r = Request::parse(&m[..m.len() - 1], Transport::Tcp).unwrap();
        assert!(r.outline().is_err() && r.edns().is_none() && !r.has_tsig());
        assert_eq!(r.header().id, 0x1234);
    }
}
