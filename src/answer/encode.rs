//! Encoding an [`Answer`] into a message for a given size limit: TC when ANSWER or
//! AUTHORITY (or required glue) does not fit, additional RRsets whole or not at all.
//!
//! Called on a cache miss only (the encoded message is what the answer cache keeps),
//! by the server's query path after [`resolve`](super::resolve).
//!
//! # Standards
//! - RFC 1035 §4.1.1 / RFC 6840 §5.9: RD and CD are copied from the query.
//! - RFC 2181 §9: an RRset goes into a message whole or not at all; an additional
//!   RRset that does not fit is left out (its signatures with it).
//! - RFC 4035 §3.1.1: signatures that do not fit in ADDITIONAL may be dropped while
//!   the RRset is kept.
//! - RFC 6891 §7: a query with OPT gets an OPT back.

use crate::wire::{FLAG_AA, FLAG_QR, FLAG_TC, Header, MessageBuilder, Section, WireError};
use crate::zone::rrset::rrsig_covered;
use crate::zone::{Class, Name, Rtype};

use super::{Answer, Rr};

//----------- encode -----------------------------------------------------------------

/// EDNS as the query carried it, and the options the answer's OPT carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns<'a> {
    /// The requestor's UDP payload size (at least 512).
    pub udp_size: u16,
    /// The DO bit.
    pub dnssec_ok: bool,
    /// Encoded options for the answer's OPT (NSID, EXPIRE, ZONEVERSION: see
    /// [`super::options`]); empty for every answer the cache keeps.
    pub options: &'a [u8],
}

/// Encodes an answer for the query header `query` (ID, RD and CD are copied) and the
/// question, within `limit` octets. When ANSWER or AUTHORITY (or required glue) does
/// not fit, the message carries only the question (and OPT) with TC set, so the client
/// retries over TCP.
pub fn encode(
    query: &Header,
    qname: &Name,
    qtype: Rtype,
    qclass: Class,
    ans: &Answer,
    edns: Option<Edns<'_>>,
    limit: usize,
) -> Vec<u8> {
    match try_encode(query, qname, qtype, qclass, ans, edns, limit, false) {
        Ok(msg) => msg,
        Err(_) => try_encode(query, qname, qtype, qclass, ans, edns, limit, true)
            .or_else(|_| {
                // Options too large for even the truncated answer go (the config
                // bounds NSID so that this does not happen).
                let bare = edns.map(|e| Edns { options: &[], ..e });
                try_encode(query, qname, qtype, qclass, ans, bare, limit, true)
            })
            .expect("a header, a question and OPT always fit in 512 octets"),
    }
}

#[allow(clippy::too_many_arguments)]
fn try_encode(
    query: &Header,
    qname: &Name,
    qtype: Rtype,
    qclass: Class,
    ans: &Answer,
    edns: Option<Edns<'_>>,
    limit: usize,
    truncated: bool,
) -> Result<Vec<u8>, WireError> {
    // Copy RD (0x0100) and CD (0x0010) from the query (RFC 1035 §4.1.1, RFC 6840 §5.9).
    let mut flags = FLAG_QR | (query.flags & 0x0110);
    if ans.authoritative {
        flags |= FLAG_AA;
    }
    if truncated {
        flags |= FLAG_TC;
    }
    let header = Header {
        id: query.id,
        flags,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(header, limit);
    b.question(qname, qtype, qclass)?;
    b.set_rcode(ans.rcode);
    // Reserve room for OPT (11 octets and its options) so it always fits.
    let opt_len = edns.map_or(0, |e| 11 + e.options.len());
    b.set_limit(limit.saturating_sub(opt_len));
    if !truncated {
        for r in &ans.answer {
            push(&mut b, Section::Answer, r)?;
        }
        for r in &ans.authority {
            push(&mut b, Section::Authority, r)?;
        }
        // RRset by RRset: one that does not fit is left out whole (never half an
        // RRset), with its signatures; signatures that do not fit are left out alone
        // (RFC 4035 §3.1.1 "MAY retain the RRset while dropping the RRSIG"). Later,
        // smaller RRsets may still fit (as Knot fills it).
        let mut start = 0;
        let mut dropped: Option<(&Name, Rtype)> = None;
        while start < ans.additional.len() {
            let first = &ans.additional[start];
            let key = rrset_key(first);
            let end = start
                + ans.additional[start..]
                    .iter()
                    .take_while(|r| r.owner == first.owner && rrset_key(r) == key)
                    .count();
            let signs_dropped = first.rtype == Rtype::RRSIG
                && dropped.is_some_and(|(owner, t)| {
                    *owner == first.owner && Some(t) == rrsig_covered(&first.rdata)
                });
            if !signs_dropped {
                let cp = b.checkpoint();
                let mut fits = true;
                for r in &ans.additional[start..end] {
                    if let Err(e) = push(&mut b, Section::Additional, r) {
                        if start < ans.required_additional {
                            return Err(e);
                        }
                        b.rewind(cp);
                        fits = false;
                        break;
                    }
                }
                if !fits && first.rtype != Rtype::RRSIG {
                    dropped = Some((&first.owner, first.rtype));
                }
            }
            start = end;
        }
    }
    b.set_limit(limit);
    if let Some(e) = edns {
        b.push_opt_with(
            crate::wire::EDNS_UDP_SIZE,
            ans.rcode,
            e.dnssec_ok,
            e.options,
        )?;
    }
    Ok(b.finish())
}

/// Appends one record of the answer.
fn push(b: &mut MessageBuilder, section: Section, r: &Rr<'_>) -> Result<(), WireError> {
    b.push_parts(section, &r.owner, r.rtype, r.class, r.ttl, &r.rdata)
}

/// What groups records of one owner into an RRset: the type, and for RRSIG the
/// covered type (RFC 4034 §3).
fn rrset_key(r: &Rr<'_>) -> (Rtype, Option<Rtype>) {
    (
        r.rtype,
        (r.rtype == Rtype::RRSIG)
            .then(|| rrsig_covered(&r.rdata))
            .flatten(),
    )
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Rcode;

    #[test]
    fn additional_rrsets_go_in_whole_or_not_at_all() {
        let rec = |name: &str, rtype: Rtype, rdata: Vec<u8>| Rr {
            owner: name.parse().unwrap(),
            class: Class::IN,
            rtype,
            ttl: 300,
            rdata: rdata.into(),
        };
        let mut sig = Rtype::A.0.to_be_bytes().to_vec();
        sig.extend_from_slice(&[13, 2, 0, 0, 1, 44, 0, 0, 0, 9, 0, 0, 0, 1, 0, 1, 0]);
        sig.extend_from_slice(&[0u8; 64]);
        let ans = Answer {
            rcode: Rcode::NOERROR,
            authoritative: true,
            answer: vec![rec("a.example.", Rtype::A, vec![192, 0, 2, 1])],
            authority: Vec::new(),
            additional: vec![
                // An RRset of two, its (large) signature, then a small RRset.
                rec("b.example.", Rtype::A, vec![192, 0, 2, 2]),
                rec("b.example.", Rtype::A, vec![192, 0, 2, 3]),
                rec("b.example.", Rtype::RRSIG, sig),
                rec("c.example.", Rtype::A, vec![192, 0, 2, 4]),
            ],
            required_additional: 0,
        };
        let q = Header {
            id: 1,
            qdcount: 1,
            ..Header::default()
        };
        let qname: Name = "a.example.".parse().unwrap();
        let count = |limit: usize| {
            let msg = encode(&q, &qname, Rtype::A, Class::IN, &ans, None, limit);
            let h = Header::parse(&msg).unwrap();
            assert_eq!(h.flags & FLAG_TC, 0);
            h.arcount
        };
        // Room for everything.
        assert_eq!(count(512), 4);
        // Not for the signature: left out alone, the next RRset still goes in.
        assert_eq!(count(120), 3);
        // Room for one record of b's RRset only: none of it (and not its
        // signature), but c's.
        assert_eq!(count(70), 1);
    }

    #[test]
    fn options_go_into_the_opt_and_have_their_room() {
        let rec = |i: u8| Rr {
            owner: "a.example.".parse().unwrap(),
            class: Class::IN,
            rtype: Rtype::A,
            ttl: 300,
            rdata: vec![192, 0, 2, i].into(),
        };
        let ans = Answer {
            rcode: Rcode::NOERROR,
            authoritative: true,
            answer: (0..20).map(rec).collect(),
            authority: Vec::new(),
            additional: Vec::new(),
            required_additional: 0,
        };
        let q = Header {
            id: 1,
            qdcount: 1,
            ..Header::default()
        };
        let qname: Name = "a.example.".parse().unwrap();
        let mut opts = crate::wire::edns::OptionsBuf::default();
        opts.nsid(b"ns1.example.net");
        opts.expire(3600);
        let edns = Edns {
            udp_size: 1232,
            dnssec_ok: false,
            options: opts.as_bytes(),
        };
        let read = |limit: usize| {
            let msg = encode(&q, &qname, Rtype::A, Class::IN, &ans, Some(edns), limit);
            assert!(msg.len() <= limit, "{} > {limit}", msg.len());
            let m = crate::wire::Message::parse(&msg).unwrap();
            let rdata = crate::wire::edns::opt_rdata(&m).unwrap().to_vec();
            (m.header().tc(), m.answers().count(), rdata, msg.len())
        };
        // Everything fits: 20 records and the options.
        let (tc, n, rdata, full) = read(1232);
        assert_eq!((tc, n, rdata), (false, 20, opts.as_bytes().to_vec()));
        // One octet less: the records would fit without the options' room, but the
        // room is kept: TC, and the options still go in.
        let (tc, n, rdata, _) = read(full - 1);
        assert_eq!((tc, n, rdata), (true, 0, opts.as_bytes().to_vec()));
    }

    //--- DNSSEC
}
