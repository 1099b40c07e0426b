//! One request in, one decision out: the dispatch between the listeners and the
//! answering, transfer and NOTIFY code.
//!
//! The listeners read each message once into a [`Request`]. [`answer_cached`] (the
//! UDP fast path) answers from the per-version answer cache what [`cacheable`] allows;
//! everything else goes to [`handle`], which validates the message (header, question
//! count, EDNS, TSIG), finds the zone, and returns a [`Reply`]: a message to send,
//! nothing (a response sent to us), or a transfer for the TCP listener to stream.
//! Both read the same [`Request`] and share the decisions of [`cacheable`] (may the
//! cache answer?) and `published_for` (which zone version answers, or which RCODE),
//! so the fast path cannot drift from the full one. Both put the request's DNS
//! cookie ([`super::cookies`]) into query answers. [`rate_limit`] is the UDP
//! listener's last step before it sends an answer ([`super::rrl`]).
//!
//! # Standards
//! - RFC 1035 §4.1.1 / RFC 9619: a QUERY must carry exactly one question (FORMERR).
//! - RFC 8906 §3.1.4: unknown opcodes get NOTIMP, not silence.
//! - RFC 6891 §6.1.1: more than one OPT is FORMERR; §6.1.3: a version above 0 gets
//!   BADVERS; §6.2.3: payload sizes below 512 are treated as 512; §7: the OPT is echoed.
//! - RFC 8945 §5.2: failed TSIG gets NOTAUTH (BADKEY, BADSIG unsigned) or a signed
//!   BADTIME; a TSIG not last in ADDITIONAL is FORMERR.
//! - RFC 5936 §4.2 / RFC 1035 §4.2.1: AXFR only over TCP.
//! - RFC 7873 §5.2.2: a COOKIE option of a forbidden length is FORMERR.
//!
//! # Limitations
//! - CHAOS-class queries (`version.bind`, `id.server`) are REFUSED like any other
//!   class but IN.

use std::net::SocketAddr;
use std::sync::Arc;

use tracing::{debug, info, warn};

use crate::answer::cache::{append_option, personalize, personalize_into};
use crate::answer::options::{ZoneFacts, answer_options, expire_seconds};
use crate::answer::{Edns, Question, encode, resolve};
use crate::notify::NotifyRequest;
use crate::sync::{Published, ZoneHandle};
use crate::tsig::sign::{RequestTsig, ServerTsig, VerifyPolicy, now, verify_request};
use crate::wire::edns::OptionsBuf;
use crate::wire::{
    FLAG_QR, Header, MessageBuilder, Opcode, Outline, Rcode, WireError, read::Message,
};
use crate::zone::serial::Serial;
use crate::zone::soa::Soa;
use crate::zone::{Class, Name, Rtype};

use super::ServerState;
use super::cookies::{COOKIE, CookieCheck, CookieOption, unix_now};
use super::lograte::{LogRate, per_packet, per_packet_debug};
use super::request::{Request, cacheable};
use super::rrl::{ResponseClass, Verdict, classify, truncate};

pub use super::request::Transport;

//----------- Reply ------------------------------------------------------------------

/// What to do with a request.
pub enum Reply {
    /// Send nothing.
    Drop,
    /// Send this message.
    Message(Vec<u8>),
    /// Stream a zone transfer (TCP only); boxed, as transfers are rare next to
    /// messages.
    Transfer(Box<super::xfr_out::TransferOut>),
}

//----------- Rate-limited log lines ------------------------------------------------

// Events any peer can cause once per packet (over UDP with a forged source): each
// logs a few lines per interval, then how many it left out (issue 13). Events of
// authenticated peers (NOTIFY accepted, transfers out) are logged in full.
static MALFORMED: LogRate = per_packet_debug("malformed request");
static TSIG_FAILED: LogRate = per_packet("TSIG check failed");
static NOTIFY_NOTAUTH: LogRate =
    per_packet("NOTIFY-in refused: not a secondary zone here (NOTAUTH)");
static NOTIFY_REFUSED: LogRate =
    per_packet("NOTIFY-in refused: not from a primary of the zone (or without its key)");

//----------- handle -----------------------------------------------------------------

/// Decides how to answer one request from `peer`.
///
/// Nothing here reads the message again: the header, the walk, EDNS and where the
/// TSIG is come from `req`; the question is decoded once (into the [`Message`] that
/// NOTIFY in and transfers out read).
pub async fn handle(state: &ServerState, req: &Request<'_>, peer: SocketAddr) -> Reply {
    let header = req.header();
    if header.qr() {
        // Never answer a response (RFC 1035 §7.3 spirit; avoids reflection loops).
        return Reply::Drop;
    }
    let opcode = header.opcode();
    if opcode != Opcode::QUERY && opcode != Opcode::NOTIFY {
        return Reply::Message(error_answer(req, Rcode::NOTIMP));
    }
    let parsed = match req.message() {
        Ok(m) => m,
        Err(e) => {
            if let Some(more) = MALFORMED.admit() {
                debug!(%peer, error = %e, "malformed request{more}");
            }
            return Reply::Message(error_answer(req, Rcode::FORMERR));
        }
    };
    if header.qdcount != 1 || parsed.opt_count() > 1 || parsed.has_misplaced_tsig() {
        return Reply::Message(error_answer(req, Rcode::FORMERR));
    }
    let Some(q) = parsed.question() else {
        return Reply::Message(error_answer(req, Rcode::FORMERR));
    };
    if req.edns().is_some_and(|e| e.version > 0) {
        return Reply::Message(badvers_reply(header, &q.name, q.qtype, q.qclass));
    }
    let cookie = cookie_check(state, req, peer);
    if cookie == Some(CookieCheck::Malformed) {
        return Reply::Message(error_answer(req, Rcode::FORMERR));
    }
    let cookie = cookie.as_ref().and_then(|c| c.option());

    // TSIG before anything that depends on who is asking. Without a TSIG RR (the walk
    // found none, and none misplaced) the request is unsigned: nothing to verify.
    let tsig = if !req.has_tsig() {
        None
    } else {
        match verify_request(
            req.bytes(),
            |name, alg| state.keys.get(name).filter(|k| k.algorithm() == alg),
            now(),
            VerifyPolicy::default(),
        ) {
            RequestTsig::Unsigned => None,
            RequestTsig::Signed(s) => Some(s),
            RequestTsig::Failed(f) => {
                if let Some(more) = TSIG_FAILED.admit() {
                    info!(%peer, zone = %q.name, rcode = %f.rcode, tsig_error = %f.error, "TSIG check failed{more}");
                }
                return Reply::Message(f.reply(req.bytes(), now()));
            }
        }
    };

    if opcode == Opcode::NOTIFY {
        return notify_in(state, req, &parsed, peer, tsig);
    }
    if q.qclass != Class::IN {
        return Reply::Message(signed(error_answer(req, Rcode::REFUSED), tsig));
    }
    match q.qtype {
        Rtype::AXFR | Rtype::IXFR => {
            let how = super::xfr_out::Arrived {
                transport: req.transport(),
                tls: req.tls(),
            };
            super::xfr_out::request(state, &parsed, header, q, peer, how, tsig).await
        }
        _ => {
            if q.qtype == Rtype::SOA {
                note_soa_query(state, &q.name, peer);
            }
            Reply::Message(query(state, req, &q.name, q.qtype, tsig, cookie))
        }
    }
}

/// What the request's COOKIE option says (RFC 7873 §5.2), when cookies are on and
/// it carries one.
pub fn cookie_check(
    state: &ServerState,
    req: &Request<'_>,
    peer: SocketAddr,
) -> Option<CookieCheck> {
    let cookies = state.cookies.as_ref()?;
    Some(cookies.check(req.cookie()?, peer.ip(), unix_now()))
}

//----------- rate_limit -------------------------------------------------------------

/// Response rate limiting of one UDP answer (`out`, to `req` from `source`): true
/// when it is to be sent (as it is, or truncated in place when it slips), false when
/// it is dropped. Answers to a request with a valid server cookie (`cookie_valid`),
/// to exempt sources and to NOTIFY are never limited.
pub fn rate_limit(
    state: &ServerState,
    req: &Request<'_>,
    source: std::net::IpAddr,
    cookie_valid: bool,
    out: &mut Vec<u8>,
) -> bool {
    let Some(rrl) = &state.rrl else {
        return true;
    };
    if cookie_valid || req.header().opcode() == Opcode::NOTIFY || rrl.exempt(source) {
        return true;
    }
    let outline = req.outline().ok();
    let qtype = outline.and_then(|o| o.question()).map_or(0, |q| q.qtype.0);
    let class = classify(out, qtype);
    // The QNAME, lower-cased; for NXDOMAIN the name of its zone (its tail).
    let mut lower = [0u8; 255];
    let mut name: &[u8] = &[];
    if class != ResponseClass::Error
        && let Some(qname) = outline.and_then(|o| o.plain_qname())
        && qname.len() <= lower.len()
    {
        for (d, s) in lower.iter_mut().zip(qname) {
            *d = s.to_ascii_lowercase();
        }
        name = &lower[..qname.len()];
        if !class.by_qname() {
            let zone_len = state
                .registry
                .snapshot()
                .find(name)
                .map_or(name.len(), |z| z.name.as_wire().len());
            name = &name[name.len() - zone_len.min(name.len())..];
        }
    }
    match rrl.admit(source, class, name) {
        Verdict::Send => true,
        Verdict::Slip => {
            truncate(out);
            crate::metrics::get().rate_limited(true);
            true
        }
        Verdict::Drop => {
            crate::metrics::get().rate_limited(false);
            false
        }
    }
}

/// An SOA query for a zone's apex from `peer`: the zone's propagation view notes it
/// (with the serial it is answered), when `peer` is a secondary it tracks already.
pub fn note_soa_query(state: &ServerState, qname: &Name, peer: SocketAddr) {
    let table = state.registry.snapshot();
    if let Some(zone) = table.get(qname)
        && let Some(published) = zone.current()
    {
        zone.propagation
            .on_soa_query(peer.ip(), published.version.serial());
    }
}

/// The QNAME of `req` when it is a plain SOA query (the one question, class IN), for
/// the UDP fast path to call [`note_soa_query`] with.
pub fn soa_query_name(req: &Request<'_>) -> Option<Name> {
    let outline = req.outline().ok()?;
    let q = outline.question()?;
    (q.qtype == Rtype::SOA && q.qclass == Class::IN)
        .then(|| outline.question_name().ok())
        .flatten()
}

//----------- answer_cached ----------------------------------------------------------

/// The query fast path: answers `req` from the answer cache into `out` (cleared
/// first) without allocating. Returns false, leaving `out` empty, when it cannot;
/// [`handle`] then decides (and fills the cache).
///
/// What it may answer is [`cacheable`]'s decision, and which zone version answers is
/// `published_for`'s: the same two functions `handle`'s query path uses, so both
/// answer a request with the same bytes.
pub fn answer_cached(
    state: &ServerState,
    req: &Request<'_>,
    cookie: Option<&CookieOption>,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    let Some(key) = cacheable(req, state.cookies.is_some()) else {
        return false;
    };
    let Ok(published) = published_for(state, key.qname(), Rtype(key.qtype())) else {
        return false;
    };
    let done = published
        .cache
        .with(&key, |hit| {
            personalize_into(hit, req.bytes(), key.qname().len(), out)
        })
        .unwrap_or(false)
        && cookie.is_none_or(|c| append_option(out, &c.0));
    if !done {
        out.clear();
    }
    done
}

/// The published version that answers a query for `lower` (a lower-cased QNAME in
/// wire form) of `qtype`, or the RCODE that answers instead: REFUSED for a name in
/// none of our zones and for anything but SOA in a catalog zone, SERVFAIL for a zone
/// that has not loaded yet.
///
/// # Standards
/// - RFC 9432 §7: a catalog zone is for transfers, not for queries.
fn published_for(state: &ServerState, lower: &[u8], qtype: Rtype) -> Result<Arc<Published>, Rcode> {
    let table = state.registry.snapshot();
    let zone = table.find(lower).ok_or(Rcode::REFUSED)?;
    if zone.settings.catalog && qtype != Rtype::SOA {
        return Err(Rcode::REFUSED);
    }
    // A zone that has not loaded yet is not served from nothing (not NXDOMAIN).
    zone.current().ok_or(Rcode::SERVFAIL)
}

/// A normal query: through the cache when [`cacheable`]; with the request's DNS
/// cookie (`cookie`) when it carried one.
fn query(
    state: &ServerState,
    req: &Request<'_>,
    qname: &Name,
    qtype: Rtype,
    tsig: Option<ServerTsig>,
    cookie: Option<&CookieOption>,
) -> Vec<u8> {
    // A signed request is never cacheable: its answer is signed for it alone.
    let key = cacheable(req, state.cookies.is_some());
    let owned;
    let lower = match &key {
        Some(key) => key.qname(),
        None => {
            owned = qname.to_lowercase();
            owned.as_wire()
        }
    };
    let asked = req.asked();
    let published = match published_for(state, lower, qtype) {
        Ok(p) => p,
        Err(rcode) => {
            // Not from a zone of ours: NSID at most (RFC 7314 §3, RFC 9660 §3).
            let mut options = answer_options(asked, state.nsid.as_deref(), None);
            if let Some(c) = cookie {
                options.push(COOKIE, &c.0[4..]);
            }
            return signed(
                error_message(req.header(), req.outline().ok(), rcode, options.as_bytes()),
                tsig,
            );
        }
    };
    if let Some(key) = &key
        && let Some(Some(mut out)) = published
            .cache
            .with(key, |hit| personalize(hit, req.bytes(), key.qname().len()))
        && cookie.is_none_or(|c| append_option(&mut out, &c.0))
    {
        return out;
    }
    let edns = req.edns();
    let ans = resolve(
        &published.version,
        &Question {
            qname: qname.clone(),
            qtype,
            tcp: req.transport() == Transport::Tcp,
            dnssec_ok: edns.is_some_and(|e| e.dnssec_ok),
        },
    );
    let tsig_room = if tsig.is_some() { 300 } else { 0 };
    // Only queries that asked for NSID, EXPIRE or ZONEVERSION (never cacheable) get
    // options; the zone's facts are read for them alone. A cacheable answer is
    // encoded without its cookie, within the key's limit (which leaves the cookie
    // its room), kept so, and gets the cookie appended.
    let mut options = if asked.any() {
        let facts = (asked.expire || asked.zoneversion)
            .then(|| zone_facts(state, lower, &published))
            .flatten();
        answer_options(asked, state.nsid.as_deref(), facts)
    } else {
        OptionsBuf::default()
    };
    if key.is_none()
        && let Some(c) = cookie
    {
        options.push(COOKIE, &c.0[4..]);
    }
    let limit = match &key {
        Some(k) => k.limit() as usize,
        None => req.size_limit().saturating_sub(tsig_room),
    };
    let mut out = encode(
        req.header(),
        qname,
        qtype,
        Class::IN,
        &ans,
        edns.map(|e| Edns {
            udp_size: e.udp_size,
            dnssec_ok: e.dnssec_ok,
            options: options.as_bytes(),
        }),
        limit,
    );
    if let Some(key) = &key {
        published.cache.insert(key, &out);
        if let Some(c) = cookie {
            append_option(&mut out, &c.0);
        }
    }
    signed(out, tsig)
}

/// What EXPIRE and ZONEVERSION say about the zone that answers `lower` with
/// `published`: its label count, serial, and its SOA EXPIRE (a primary) or the
/// seconds left before it expires (a secondary, from its status).
pub(crate) fn zone_facts(
    state: &ServerState,
    lower: &[u8],
    published: &Published,
) -> Option<ZoneFacts> {
    let table = state.registry.snapshot();
    let zone = table.find(lower)?;
    Some(facts_of(zone, published))
}

/// [`zone_facts`] for a zone already found.
pub(crate) fn facts_of(zone: &ZoneHandle, published: &Published) -> ZoneFacts {
    let version = &published.version;
    let soa_expire = Soa::from_rdata(&version.soa_record().rdata).map_or(0, |s| s.expire);
    let expire_at = zone
        .settings
        .secondary
        .then(|| zone.status.expire_at())
        .flatten();
    ZoneFacts {
        labels: version.origin().label_count().min(u8::MAX as usize) as u8,
        serial: version.serial(),
        expire: expire_seconds(
            soa_expire,
            zone.settings.secondary,
            expire_at,
            unix_now_rounded_up(),
        ),
    }
}

/// The wall clock in Unix seconds, rounded up: an EXPIRE counted down from it is
/// never more than what is left, so a secondary of ours (which counts from its own
/// clock, rounded down) cannot expire after us.
fn unix_now_rounded_up() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

/// NOTIFY in (RFC 1996 §3.10–3.11): for a secondary zone, from one of its primaries
/// (with its key when one is configured), answered at once and handed to the zone's
/// task; from anyone else REFUSED and logged; for a zone we do not have, or are
/// primary for, NOTAUTH.
fn notify_in(
    state: &ServerState,
    req: &Request<'_>,
    parsed: &Message<'_>,
    peer: SocketAddr,
    tsig: Option<ServerTsig>,
) -> Reply {
    let notify = match notify_request(parsed) {
        Ok(r) => r,
        Err(_) => return Reply::Message(error_answer(req, Rcode::FORMERR)),
    };
    let table = state.registry.snapshot();
    let zone = table.get(&notify.zone).filter(|z| z.settings.secondary);
    let key = tsig.as_ref().map(|t| t.key().name().clone());
    let Some(zone) = zone else {
        // A zone we do not have, from a super master: created at once (the catalog
        // will list it soon).
        if table.get(&notify.zone).is_none()
            && let Some(master) = state.super_masters.find(peer.ip(), key.as_ref())
        {
            info!(%peer, zone = %notify.zone, "NOTIFY-in for a new zone from a super master");
            crate::metrics::get().notify("in", "provisioning");
            let cmd = crate::sync::manager::ZoneCommand::NotifyUnknown {
                master,
                zone: notify.zone.clone(),
            };
            match state.super_masters.commands.try_send(cmd) {
                Ok(()) => {
                    return Reply::Message(signed(
                        crate::notify::notify_response(&notify, Rcode::NOERROR),
                        tsig,
                    ));
                }
                Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                    // A burst of new zones fills the zone-set manager's inbox: no
                    // answer, so that the super master retransmits (RFC 1996 §3.6)
                    // once the manager has caught up.
                    info!(%peer, zone = %notify.zone,
                        "NOTIFY-in for a new zone: busy, not answered (the super master retransmits)");
                    return Reply::Drop;
                }
                // Shutting down.
                Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        if let Some(more) = NOTIFY_NOTAUTH.admit() {
            info!(%peer, zone = %notify.zone, serial = notify.serial_hint,
                "NOTIFY-in refused: not a secondary zone here (NOTAUTH){more}");
        }
        crate::metrics::get().notify("in", "notauth");
        return Reply::Message(signed(
            crate::notify::notify_response(&notify, Rcode::NOTAUTH),
            tsig,
        ));
    };
    if !zone.settings.allow_notify.allows(peer.ip(), key.as_ref()) {
        if let Some(more) = NOTIFY_REFUSED.admit() {
            warn!(%peer, zone = %notify.zone, key = key.as_ref().map(tracing::field::display),
                "NOTIFY-in refused: not from a primary of the zone (or without its key){more}");
        }
        crate::metrics::get().notify("in", "refused");
        return Reply::Message(signed(
            crate::notify::notify_response(&notify, Rcode::REFUSED),
            tsig,
        ));
    }
    info!(%peer, zone = %notify.zone, serial = notify.serial_hint, "NOTIFY-in, accepted");
    crate::metrics::get().notify("in", "accepted");
    zone.send(crate::sync::ZoneEvent::NotifyIn {
        serial: notify.serial_hint,
    });
    Reply::Message(signed(
        crate::notify::notify_response(&notify, Rcode::NOERROR),
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

/// The NOTIFY `handle` has checked (opcode, QR clear, one question) read from its
/// message: the zone, and the serial of the SOA hint in ANSWER, if any, as
/// [`crate::notify::parse_notify`] reads it from bytes.
fn notify_request(m: &Message<'_>) -> Result<NotifyRequest, WireError> {
    let q = m.question().ok_or(WireError::Truncated("question"))?;
    let mut serial_hint = None;
    for r in m.answers() {
        let r = r?;
        if r.rtype == Rtype::SOA && r.owner == q.name {
            serial_hint = crate::zone::soa::serial_of(&r.rdata).ok();
        }
    }
    Ok(NotifyRequest {
        id: m.header().id,
        zone: q.name.clone(),
        qtype: q.qtype,
        class: q.qclass,
        serial_hint,
    })
}

/// The error answer to `req` (see [`error_message`]).
fn error_answer(req: &Request<'_>, rcode: Rcode) -> Vec<u8> {
    error_message(req.header(), req.outline().ok(), rcode, &[])
}

/// An answer with only the header (ID, opcode, RD copied) and, when it can be read,
/// the question: for callers that hold the bytes but no [`Request`] (transfers out).
/// It walks the message again; [`handle`] answers from the walk it has.
pub fn error_reply(msg: &[u8], header: &Header, rcode: Rcode) -> Vec<u8> {
    error_message(
        header,
        Outline::with_header(msg, *header).ok().as_ref(),
        rcode,
        &[],
    )
}

/// An answer with only the header (ID, opcode, RD copied) and, when the message is
/// well-formed (`outline`), its question and an OPT when it has one, carrying
/// `options` (encoded).
///
/// # Standards
/// - RFC 6891 §7: a request with OPT gets an OPT back, errors included (one OPT only:
///   more is FORMERR, answered without OPT).
fn error_message(
    header: &Header,
    outline: Option<&Outline<'_>>,
    rcode: Rcode,
    options: &[u8],
) -> Vec<u8> {
    let mut h = Header {
        id: header.id,
        flags: FLAG_QR | (header.flags & 0x7900),
        ..Header::default()
    };
    h.set_rcode(rcode);
    let mut b = MessageBuilder::new(h, crate::wire::MAX_UDP_PLAIN);
    if header.qdcount == 1
        && let Some(o) = outline
        && let Some(q) = o.question()
        && let Ok(name) = o.question_name()
    {
        let _ = b.question(&name, q.qtype, q.qclass);
    }
    b.set_rcode(rcode);
    if let Some(o) = outline
        && o.opt_count() == 1
    {
        let dnssec_ok = o.opt_ttl().is_some_and(|ttl| ttl & 0x8000 != 0);
        if b.push_opt_with(crate::wire::EDNS_UDP_SIZE, rcode, dnssec_ok, options)
            .is_err()
        {
            let _ = b.push_opt(crate::wire::EDNS_UDP_SIZE, rcode, dnssec_ok);
        }
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
