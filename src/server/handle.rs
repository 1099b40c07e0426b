//! One request in, one decision out: the dispatch between the listeners and the
//! answering, transfer and NOTIFY code.
//!
//! [`handle`] validates the message (header, question count, EDNS, TSIG), finds the
//! zone, and returns a [`Reply`]: a message to send, nothing (a response sent to us,
//! garbage too short to answer), or a transfer for the TCP listener to stream. The
//! query fast path goes through the per-version answer cache.
//!
//! # Standards
//! - RFC 1035 §4.1.1 / RFC 9619: a QUERY must carry exactly one question (FORMERR).
//! - RFC 8906 §3.1.4: unknown opcodes get NOTIMP, not silence.
//! - RFC 6891 §6.1.1: more than one OPT is FORMERR; §6.1.3: a version above 0 gets
//!   BADVERS; §6.2.3: payload sizes below 512 are treated as 512; §7: the OPT is echoed.
//! - RFC 8945 §5.2: failed TSIG gets NOTAUTH (BADKEY, BADSIG unsigned) or a signed
//!   BADTIME; a TSIG not last in ADDITIONAL is FORMERR.
//! - RFC 5936 §4.2 / RFC 1035 §4.2.1: AXFR only over TCP.
//!
//! # Limitations
//! - CHAOS-class queries (`version.bind`, `id.server`) are REFUSED like any other
//!   class but IN.

use std::net::SocketAddr;

use tracing::{debug, info, warn};

use crate::tsig::sign::{RequestTsig, ServerTsig, VerifyPolicy, now, verify_request};
use crate::wire::{FLAG_QR, Header, MessageBuilder, Opcode, Rcode, read::Message};
use crate::zone::name::wire_name_len;
use crate::zone::serial::Serial;
use crate::zone::{Class, Name, Rtype};

use super::ServerState;
use super::answer::{Edns, Question, encode, resolve};
use super::cache::{CacheKey, personalize, personalize_into};

/// Our largest UDP answer (DNS flag day 2020; Knot and NSD default).
const MAX_UDP: usize = crate::wire::EDNS_UDP_SIZE as usize;

//----------- Reply ------------------------------------------------------------------

/// What to do with a request.
pub enum Reply {
    /// Send nothing.
    Drop,
    /// Send this message.
    Message(Vec<u8>),
    /// Stream a zone transfer (TCP only).
    Transfer(super::xfr_out::TransferOut),
}

/// How a request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Over UDP.
    Udp,
    /// Over TCP.
    Tcp,
}

//----------- handle -----------------------------------------------------------------

/// Decides how to answer one request from `peer`.
pub async fn handle(
    state: &ServerState,
    msg: &[u8],
    peer: SocketAddr,
    transport: Transport,
) -> Reply {
    let Ok(header) = Header::parse(msg) else {
        return Reply::Drop;
    };
    if header.qr() {
        // Never answer a response (RFC 1035 §7.3 spirit; avoids reflection loops).
        return Reply::Drop;
    }
    let opcode = header.opcode();
    if opcode != Opcode::QUERY && opcode != Opcode::NOTIFY {
        return Reply::Message(error_reply(msg, &header, Rcode::NOTIMP));
    }
    let parsed = match Message::parse(msg) {
        Ok(m) => m,
        Err(e) => {
            debug!(%peer, error = %e, "malformed request");
            return Reply::Message(error_reply(msg, &header, Rcode::FORMERR));
        }
    };
    if header.qdcount != 1 || parsed.opt_count() > 1 || parsed.has_misplaced_tsig() {
        return Reply::Message(error_reply(msg, &header, Rcode::FORMERR));
    }
    let Some(q) = parsed.question().cloned() else {
        return Reply::Message(error_reply(msg, &header, Rcode::FORMERR));
    };
    let edns = read_edns(&parsed);
    if let Some(e) = edns
        && e.version > 0
    {
        return Reply::Message(badvers_reply(&header, &q.name, q.qtype, q.qclass));
    }

    // TSIG before anything that depends on who is asking.
    let tsig = match verify_request(
        msg,
        |name, alg| state.keys.get(name).filter(|k| k.algorithm() == alg),
        now(),
        VerifyPolicy::default(),
    ) {
        RequestTsig::Unsigned => None,
        RequestTsig::Signed(s) => Some(s),
        RequestTsig::Failed(f) => {
            info!(%peer, zone = %q.name, rcode = %f.rcode, tsig_error = ?f.error, "TSIG check failed");
            return Reply::Message(f.reply(msg, now()));
        }
    };

    if opcode == Opcode::NOTIFY {
        return notify_in(state, msg, peer, tsig);
    }
    if q.qclass != Class::IN {
        return Reply::Message(signed(error_reply(msg, &header, Rcode::REFUSED), tsig));
    }
    match q.qtype {
        Rtype::AXFR | Rtype::IXFR => {
            super::xfr_out::request(state, &parsed, &header, &q, peer, transport, tsig).await
        }
        _ => Reply::Message(query(
            state, msg, &header, &q.name, q.qtype, edns, transport, tsig,
        )),
    }
}

//----------- answer_cached ----------------------------------------------------------

/// The query fast path: answers `msg` from the answer cache into `out` (cleared
/// first) without allocating. Returns false, leaving `out` empty, when it cannot;
/// [`handle`] then decides (and fills the cache).
///
/// It answers only what `handle` would answer from the cache with the same bytes, and
/// leaves everything else to it: a QUERY (QR clear) with exactly one question of class
/// IN whose QNAME is a plain name (no compression), a QTYPE other than AXFR and IXFR,
/// no answer or authority records, and at most one additional record, an OPT of
/// version 0 owned by the root, the message ending right after it; then the checks of
/// `query` that come before the cache (the zone, catalog zones, a loaded version).
/// Whatever `handle` learns to check before the cache must be checked here too.
pub fn answer_cached(
    state: &ServerState,
    msg: &[u8],
    transport: Transport,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    let Some(q) = PlainQuery::parse(msg) else {
        return false;
    };
    let table = state.registry.snapshot();
    let Some(zone) = table.find(q.lower()) else {
        return false;
    };
    if zone.settings.catalog && q.qtype != Rtype::SOA.0 {
        return false;
    }
    let Some(published) = zone.current() else {
        return false;
    };
    let tcp = transport == Transport::Tcp;
    // As `query` computes them.
    let (limit, edns) = match (transport, q.edns) {
        (Transport::Tcp, None) => (crate::wire::MAX_TCP_MESSAGE, 0),
        (Transport::Tcp, Some((_, dnssec_ok))) => {
            (crate::wire::MAX_TCP_MESSAGE, 1 + dnssec_ok as u8)
        }
        (Transport::Udp, Some((udp_size, dnssec_ok))) => {
            ((udp_size as usize).min(MAX_UDP), 1 + dnssec_ok as u8)
        }
        (Transport::Udp, None) => (crate::wire::MAX_UDP_PLAIN, 0),
    };
    let mut key = [0u8; CacheKey::MAX_PACKED];
    let len = CacheKey::pack(q.lower(), q.qtype, edns, tcp, limit as u16, &mut key);
    published
        .cache
        .with_packed(&key[..len], |hit| {
            personalize_into(hit, msg, q.qname_len, out)
        })
        .unwrap_or(false)
}

/// A query simple enough for [`answer_cached`], read in place.
struct PlainQuery {
    /// QNAME lower-cased (wire form, `qname_len` octets used).
    lower: [u8; 255],
    qname_len: usize,
    qtype: u16,
    /// The OPT's UDP payload size (at least 512) and DO bit, when there is an OPT.
    edns: Option<(u16, bool)>,
}

impl PlainQuery {
    fn parse(msg: &[u8]) -> Option<PlainQuery> {
        let w = |i: usize| u16::from_be_bytes([msg[i], msg[i + 1]]);
        if msg.len() < crate::wire::HEADER_LEN + 5 {
            return None;
        }
        // QR clear, OPCODE QUERY; one question; no answers or authority; at most one
        // additional record.
        if msg[2] & 0xf8 != 0 || w(4) != 1 || w(6) != 0 || w(8) != 0 || w(10) > 1 {
            return None;
        }
        let mut q = PlainQuery {
            lower: [0u8; 255],
            qname_len: 0,
            qtype: 0,
            edns: None,
        };
        let mut pos = crate::wire::HEADER_LEN;
        loop {
            let len = *msg.get(pos)? as usize;
            if len > 63 {
                // A pointer or an extended label type: the slow path reads those.
                return None;
            }
            let end = q.qname_len + 1 + len;
            if end > q.lower.len() {
                return None;
            }
            let label = msg.get(pos..pos + 1 + len)?;
            for (dst, src) in q.lower[q.qname_len..end].iter_mut().zip(label) {
                *dst = src.to_ascii_lowercase();
            }
            q.qname_len = end;
            pos += 1 + len;
            if len == 0 {
                break;
            }
        }
        let fixed = msg.get(pos..pos + 4)?;
        q.qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let qclass = u16::from_be_bytes([fixed[2], fixed[3]]);
        if qclass != Class::IN.0 || q.qtype == Rtype::AXFR.0 || q.qtype == Rtype::IXFR.0 {
            return None;
        }
        pos += 4;
        if w(10) == 1 {
            // Root owner, TYPE OPT, CLASS = payload size, TTL = extended RCODE, version,
            // flags; RDLENGTH; the options, ending the message.
            let opt = msg.get(pos..pos + 11)?;
            if opt[0] != 0 || u16::from_be_bytes([opt[1], opt[2]]) != Rtype::OPT.0 {
                return None;
            }
            let ttl = u32::from_be_bytes([opt[5], opt[6], opt[7], opt[8]]);
            if (ttl >> 16) as u8 != 0 {
                return None;
            }
            let rdlen = u16::from_be_bytes([opt[9], opt[10]]) as usize;
            pos += 11 + rdlen;
            let udp_size = u16::from_be_bytes([opt[3], opt[4]]).max(512);
            q.edns = Some((udp_size, ttl & 0x8000 != 0));
        }
        (pos == msg.len()).then_some(q)
    }

    fn lower(&self) -> &[u8] {
        &self.lower[..self.qname_len]
    }
}

/// EDNS as a request carries it.
#[derive(Debug, Clone, Copy)]
struct RequestEdns {
    udp_size: u16,
    version: u8,
    dnssec_ok: bool,
}

fn read_edns(m: &Message<'_>) -> Option<RequestEdns> {
    for r in m.additional().flatten() {
        if r.rtype == Rtype::OPT {
            return Some(RequestEdns {
                udp_size: r.class.0.max(512),
                version: (r.ttl >> 16) as u8,
                dnssec_ok: r.ttl & 0x8000 != 0,
            });
        }
    }
    None
}

/// A normal query: through the cache when unsigned.
#[allow(clippy::too_many_arguments)]
fn query(
    state: &ServerState,
    msg: &[u8],
    header: &Header,
    qname: &Name,
    qtype: Rtype,
    edns: Option<RequestEdns>,
    transport: Transport,
    tsig: Option<ServerTsig>,
) -> Vec<u8> {
    let lower = qname.to_lowercase();
    let table = state.registry.snapshot();
    let Some(zone) = table.find(lower.as_wire()) else {
        return signed(error_reply(msg, header, Rcode::REFUSED), tsig);
    };
    if zone.settings.catalog && qtype != Rtype::SOA {
        // RFC 9432 §7: a catalog is for transfers, not for queries.
        return signed(error_reply(msg, header, Rcode::REFUSED), tsig);
    }
    let Some(published) = zone.current() else {
        // A zone that has not loaded yet is not served from nothing (not NXDOMAIN).
        return signed(error_reply(msg, header, Rcode::SERVFAIL), tsig);
    };
    let tcp = transport == Transport::Tcp;
    let limit = match (transport, edns) {
        (Transport::Tcp, _) => crate::wire::MAX_TCP_MESSAGE,
        (Transport::Udp, Some(e)) => (e.udp_size as usize).min(MAX_UDP),
        (Transport::Udp, None) => crate::wire::MAX_UDP_PLAIN,
    };
    let answer_edns = edns.map(|e| Edns {
        udp_size: e.udp_size,
        dnssec_ok: e.dnssec_ok,
    });
    // The cache serves unsigned queries whose QNAME is a plain name at offset 12.
    let cacheable = tsig.is_none() && wire_name_len(&msg[12..]).ok() == Some(qname.wire_len());
    let key = CacheKey {
        qname: lower.as_wire().into(),
        qtype: qtype.0,
        edns: match edns {
            None => 0,
            Some(e) if e.dnssec_ok => 2,
            Some(_) => 1,
        },
        tcp,
        limit: limit as u16,
    };
    if cacheable
        && let Some(Some(out)) = published
            .cache
            .with(&key, |hit| personalize(hit, msg, qname.wire_len()))
    {
        return out;
    }
    let ans = resolve(
        &published.version,
        &Question {
            qname: qname.clone(),
            qtype,
            tcp,
            dnssec_ok: edns.is_some_and(|e| e.dnssec_ok),
        },
    );
    let tsig_room = if tsig.is_some() { 300 } else { 0 };
    let out = encode(
        header,
        qname,
        qtype,
        Class::IN,
        &ans,
        answer_edns,
        limit.saturating_sub(tsig_room),
    );
    if cacheable {
        published.cache.insert(key, &out);
    }
    signed(out, tsig)
}

/// NOTIFY in (RFC 1996 §3.10–3.11): for a secondary zone, from one of its primaries
/// (with its key when one is configured), answered at once and handed to the zone's
/// task; from anyone else REFUSED and logged; for a zone we do not have, or are
/// primary for, NOTAUTH.
fn notify_in(state: &ServerState, msg: &[u8], peer: SocketAddr, tsig: Option<ServerTsig>) -> Reply {
    let req = match crate::notify::parse_notify(msg) {
        Ok(r) => r,
        Err(_) => {
            let Ok(h) = Header::parse(msg) else {
                return Reply::Drop;
            };
            return Reply::Message(error_reply(msg, &h, Rcode::FORMERR));
        }
    };
    let table = state.registry.snapshot();
    let zone = table.get(&req.zone).filter(|z| z.settings.secondary);
    let key = tsig.as_ref().map(|t| t.key().name().clone());
    let Some(zone) = zone else {
        // A zone we do not have, from a super master: created at once (the catalog
        // will list it soon).
        if table.get(&req.zone).is_none()
            && let Some(masters) = state.super_masters.get()
            && let Some(master) = masters.find(peer.ip(), key.as_ref())
        {
            info!(%peer, zone = %req.zone, "NOTIFY-in for a new zone from a super master");
            crate::metrics::get().notify("in", "provisioning");
            let cmd = crate::sync::manager::ZoneCommand::NotifyUnknown {
                master,
                zone: req.zone.clone(),
            };
            match masters.commands.try_send(cmd) {
                Ok(()) => {
                    return Reply::Message(signed(
                        crate::notify::notify_response(&req, Rcode::NOERROR),
                        tsig,
                    ));
                }
                Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                    // A burst of new zones fills the zone-set manager's inbox: no
                    // answer, so that the super master retransmits (RFC 1996 §3.6)
                    // once the manager has caught up.
                    info!(%peer, zone = %req.zone,
                        "NOTIFY-in for a new zone: busy, not answered (the super master retransmits)");
                    return Reply::Drop;
                }
                // Shutting down.
                Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        info!(%peer, zone = %req.zone, serial = ?req.serial_hint,
            "NOTIFY-in refused: not a secondary zone here (NOTAUTH)");
        crate::metrics::get().notify("in", "notauth");
        return Reply::Message(signed(
            crate::notify::notify_response(&req, Rcode::NOTAUTH),
            tsig,
        ));
    };
    if !zone.settings.allow_notify.allows(peer.ip(), key.as_ref()) {
        warn!(%peer, zone = %req.zone, key = ?key.as_ref().map(|k| k.to_string()),
            "NOTIFY-in refused: not from a primary of the zone (or without its key)");
        crate::metrics::get().notify("in", "refused");
        return Reply::Message(signed(
            crate::notify::notify_response(&req, Rcode::REFUSED),
            tsig,
        ));
    }
    info!(%peer, zone = %req.zone, serial = ?req.serial_hint, "NOTIFY-in, accepted");
    crate::metrics::get().notify("in", "accepted");
    zone.send(crate::sync::ZoneEvent::NotifyIn {
        serial: req.serial_hint,
    });
    Reply::Message(signed(
        crate::notify::notify_response(&req, Rcode::NOERROR),
        tsig,
    ))
}

/// Signs `msg` when the request was signed.
pub fn signed(mut msg: Vec<u8>, tsig: Option<ServerTsig>) -> Vec<u8> {
    if let Some(mut t) = tsig {
        t.sign(&mut msg, now());
    }
    msg
}

/// An answer with only the header (ID, opcode, RD copied) and, when it can be read,
/// the question.
pub fn error_reply(msg: &[u8], header: &Header, rcode: Rcode) -> Vec<u8> {
    let mut h = Header {
        id: header.id,
        flags: FLAG_QR | (header.flags & 0x7900),
        ..Header::default()
    };
    h.set_rcode(rcode);
    let mut b = MessageBuilder::new(h, crate::wire::MAX_UDP_PLAIN);
    let parsed = Message::parse(msg).ok();
    if header.qdcount == 1
        && let Some(q) = parsed.as_ref().and_then(|m| m.question())
    {
        let _ = b.question(&q.name, q.qtype, q.qclass);
    }
    b.set_rcode(rcode);
    // RFC 6891 §7: a request with OPT gets an OPT back, errors included (one OPT
    // only: more is FORMERR, answered without OPT).
    if let Some(m) = &parsed
        && m.opt_count() == 1
    {
        let dnssec_ok = read_edns(m).is_some_and(|e| e.dnssec_ok);
        let _ = b.push_opt(crate::wire::EDNS_UDP_SIZE, rcode, dnssec_ok);
    }
    b.finish()
}

/// BADVERS: extended RCODE 16 in an OPT of version 0 (RFC 6891 §6.1.3).
fn badvers_reply(header: &Header, qname: &Name, qtype: Rtype, qclass: Class) -> Vec<u8> {
    let h = Header {
        id: header.id,
        flags: FLAG_QR | (header.flags & 0x7900),
        ..Header::default()
    };
    let mut b = MessageBuilder::new(h, crate::wire::MAX_UDP_PLAIN);
    let _ = b.question(qname, qtype, qclass);
    let _ = b.push_opt(crate::wire::EDNS_UDP_SIZE, Rcode::BADVERS, false);
    b.finish()
}

/// The serial an IXFR request says the client has (its AUTHORITY SOA).
pub fn ixfr_client_serial(m: &Message<'_>, zone: &Name) -> Option<Serial> {
    m.authority()
        .flatten()
        .find(|r| r.rtype == Rtype::SOA && &r.owner == zone)
        .and_then(|r| crate::zone::soa::serial_of(&r.rdata).ok())
        .map(Serial)
}
