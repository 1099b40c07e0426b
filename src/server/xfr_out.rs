//! Transfers out: AXFR from the snapshot a transfer started with, IXFR from the
//! journal, both TSIG-signed message by message when the request was signed.
//!
//! # Data flow
//! [`request`] (called by `handle`) checks the zone, the ACL and the request, and
//! decides what to send: a lone SOA, an IXFR built from [`Store::journal_since`], an
//! AXFR-style answer, or an AXFR. The TCP listener then calls [`TransferOut::stream`],
//! which packs the records into ~64 KiB messages and hands them to the connection's
//! writer. The snapshot is an `Arc`: the zone may change underneath, the transfer
//! does not (and holds no lock).
//!
//! # Standards
//! - RFC 5936 §2.2: the first record of the first message and the last of the last
//!   message are the zone's SOA; many records per message; §4.2: TCP only.
//! - RFC 1995 §2: the IXFR answer is the new SOA, then per version the old SOA, the
//!   deletions, the new SOA and the additions, then the new SOA again; a client that is
//!   current gets the SOA alone; history that does not reach back gets an AXFR-style
//!   answer; over UDP an answer that does not fit is replaced by the lone SOA.
//! - RFC 8945 §5.3.1: every message of a signed transfer is signed, each MAC chained
//!   to the one before.
//! - RFC 6891 §7: a request with OPT gets an OPT back, here in the first message
//!   (TSIG, when signed, stays last).
//! - RFC 7314 §3: "The EXPIRE option ... MUST be included in the first response
//!   message of a zone transfer" when the request asked for it; likewise ZONEVERSION
//!   and NSID when asked (see `answer::options`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::store::Store;
use crate::sync::propagation::{Evidence, Tracker};
use crate::tsig::sign::{ServerTsig, now};
use crate::wire::read::{Message, Question};
use crate::wire::{FLAG_AA, FLAG_QR, Header, MessageBuilder, Rcode, Section, WireError};
use crate::zone::changeset::Changeset;
use crate::zone::serial::Serial;
use crate::zone::version::ZoneVersion;
use crate::zone::{Name, Record, Rtype};

use super::ServerState;
use super::handle::{Reply, Transport, error_reply, facts_of, ixfr_client_serial, signed};
use crate::answer::options::answer_options;
use crate::tls::TlsPeer;
use crate::wire::edns::OptionsBuf;

/// Room left in each message for the TSIG RR.
const TSIG_ROOM: usize = 512;
/// An OPT record without options.
const OPT_LEN: usize = 11;

//----------- TransferOut ------------------------------------------------------------

/// A transfer ready to stream.
pub struct TransferOut {
    /// The zone.
    zone: Name,
    /// AXFR, IXFR or AXFR-style IXFR, for logs.
    kind: &'static str,
    /// The request's ID and question.
    id: u16,
    qname: Name,
    qtype: Rtype,
    /// What to send between (and including) the framing SOAs.
    body: Body,
    /// Signing state when the request was signed.
    tsig: Option<ServerTsig>,
    /// The client.
    peer: SocketAddr,
    /// `TLS` or `TCP`, for logs.
    via: &'static str,
    /// The client certificate's pin when it arrived over mutual TLS, for logs.
    client_cert: Option<String>,
    /// Serial sent.
    serial: u32,
    /// The options for the first message's OPT, when the request had an OPT.
    opt: Option<OptionsBuf>,
    /// The zone's propagation view, told when the transfer is sent to its end; none
    /// for an IXFR answered with the SOA alone (the request told it already).
    track: Option<Tracker>,
}

/// The records of a transfer.
enum Body {
    /// The whole zone, SOA first and last.
    Zone(Arc<ZoneVersion>),
    /// A prepared record list (IXFR).
    Records(Vec<Record>),
}

impl TransferOut {
    /// Streams the transfer as length-prefixed TCP frames into `frames`, holding one
    /// of the `transfers-out` permits while it runs.
    ///
    /// The whole transfer is bounded by `max-transfer-time-out`. A reader that stops
    /// reading ends it too: the connection's writer gives up after `write-timeout`
    /// and drops its queue, `frames.send` fails, and the permit is given back.
    ///
    /// The wait for a permit is bounded too, by `write-timeout`: long enough for the
    /// slots of readers that stopped reading to come free (each loses its slot within
    /// `write-timeout`), short enough that requests do not pile up behind transfers
    /// that are all making progress. A request that gets no permit in time is
    /// answered SERVFAIL (signed when the request was), as BIND answers a transfer
    /// over its `transfers-out` quota ("AXFR request denied: quota reached"), and the
    /// secondary retries later.
    pub async fn stream(
        mut self,
        frames: &mpsc::Sender<Vec<u8>>,
        state: &ServerState,
    ) -> Result<(), XfrOutError> {
        let _permit = match tokio::time::timeout(state.write_timeout, state.xfr_out.acquire()).await
        {
            Ok(Ok(permit)) => permit,
            // Timed out (the semaphore is never closed).
            Ok(Err(_)) | Err(_) => return self.busy(frames, state).await,
        };
        let started = Instant::now();
        let mut packer = Packer::new(self.id, &self.qname, self.qtype, self.tsig.take());
        packer.opt = self.opt.take();
        let send = async {
            match &self.body {
                Body::Zone(version) => {
                    let soa = version.soa_record();
                    packer.push(&soa, frames).await?;
                    // Straight from the version's RRsets: nothing is copied but into
                    // the message, and a record that fits is added without an await
                    // (only a full message waits, to be sent).
                    let class = version.class();
                    for (i, node) in version.nodes().iter().enumerate() {
                        // The apex is the first node; its SOA opens and closes.
                        let apex = i == 0;
                        for set in node.rrsets() {
                            if apex && set.rtype == Rtype::SOA {
                                continue;
                            }
                            for rdata in set.rdatas() {
                                let rr = (node.name(), class, set.rtype, set.ttl, rdata);
                                if !packer.add(rr)? {
                                    packer.flush(frames).await?;
                                    packer.add(rr)?;
                                }
                            }
                        }
                    }
                    packer.push(&soa, frames).await?;
                }
                Body::Records(records) => {
                    for r in records {
                        packer.push(r, frames).await?;
                    }
                }
            }
            packer.flush(frames).await
        };
        let limit = state.max_transfer_time_out;
        let result = match tokio::time::timeout(limit, send).await {
            Ok(r) => r,
            Err(_) => Err(XfrOutError::TooLong(limit)),
        };
        let kind = self.metric_kind();
        crate::metrics::get().transfer("out", kind, result.is_ok(), packer.bytes as u64);
        if result.is_ok() {
            self.served();
        }
        match &result {
            Ok(()) => info!(
                zone = %self.zone, peer = %self.peer, serial = self.serial, messages = packer.messages,
                records = packer.records, bytes = packer.bytes, ms = started.elapsed().as_millis() as u64,
                key = %packer.key_name(), via = self.via, client_cert = ?self.client_cert,
                "{}-out, finished", self.kind
            ),
            // A client that goes away (or stops reading) is not the server's fault.
            Err(e @ XfrOutError::Closed) => {
                info!(zone = %self.zone, peer = %self.peer, error = %e, "{}-out, failed", self.kind)
            }
            Err(e) => {
                warn!(zone = %self.zone, peer = %self.peer, error = %e, "{}-out, failed", self.kind)
            }
        }
        result
    }
}

impl TransferOut {
    /// Answers SERVFAIL: no `transfers-out` permit came free within the bound.
    async fn busy(
        mut self,
        frames: &mpsc::Sender<Vec<u8>>,
        state: &ServerState,
    ) -> Result<(), XfrOutError> {
        if let Some(more) = BUSY.admit() {
            warn!(zone = %self.zone, peer = %self.peer,
                "{}-out denied: no transfers-out slot came free within {:?} (SERVFAIL){more}",
                self.kind, state.write_timeout);
        }
        crate::metrics::get().transfer("out", self.metric_kind(), false, 0);
        let mut h = Header {
            id: self.id,
            flags: FLAG_QR,
            ..Header::default()
        };
        h.set_rcode(Rcode::SERVFAIL);
        let mut b = MessageBuilder::new(h, crate::wire::MAX_TCP_MESSAGE - TSIG_ROOM);
        b.question(&self.qname, self.qtype, crate::zone::Class::IN)?;
        b.set_rcode(Rcode::SERVFAIL);
        if self.opt.is_some() {
            b.push_opt(crate::wire::EDNS_UDP_SIZE, Rcode::SERVFAIL, false)?;
        }
        let msg = signed(b.finish(), self.tsig.take());
        crate::metrics::get().answered(&msg);
        frames
            .send(frame(msg))
            .await
            .map_err(|_| XfrOutError::Closed)
    }

    /// The kind as the transfer metrics name it.
    fn metric_kind(&self) -> &'static str {
        match self.kind {
            "AXFR" => "AXFR",
            "IXFR" => "IXFR",
            _ => "AXFR-fallback",
        }
    }

    /// The transfer reached its client: the propagation view learns the serial it now
    /// has, and a first transfer of a serial adds its lag to the histogram.
    fn served(&self) {
        let Some(track) = &self.track else {
            return;
        };
        let how = match self.body {
            Body::Records(_) => Evidence::Ixfr,
            Body::Zone(_) => Evidence::Axfr,
        };
        if let Some(lag) = track.on_transfer_served(self.peer.ip(), how, self.serial) {
            crate::metrics::get().propagation_lag(lag);
        }
    }
}

/// A record from borrowed parts: owner, class, type, TTL, RDATA.
type PackedRr<'a> = (&'a Name, crate::zone::Class, Rtype, u32, &'a [u8]);

/// Packs records into messages and sends them.
struct Packer {
    id: u16,
    qname: Name,
    qtype: Rtype,
    tsig: Option<ServerTsig>,
    builder: Option<MessageBuilder>,
    /// The first message's OPT options (taken when it is sent).
    opt: Option<OptionsBuf>,
    messages: usize,
    records: usize,
    bytes: usize,
}

impl Packer {
    fn new(id: u16, qname: &Name, qtype: Rtype, tsig: Option<ServerTsig>) -> Packer {
        Packer {
            id,
            qname: qname.clone(),
            qtype,
            tsig,
            builder: None,
            opt: None,
            messages: 0,
            records: 0,
            bytes: 0,
        }
    }

    fn key_name(&self) -> String {
        self.tsig
            .as_ref()
            .map_or("none".to_string(), |t| t.key().name().to_string())
    }

    fn start(&self) -> Result<MessageBuilder, WireError> {
        let header = Header {
            id: self.id,
            flags: FLAG_QR | FLAG_AA,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(header, crate::wire::MAX_TCP_MESSAGE - TSIG_ROOM);
        b.reserve_to_limit();
        // The question goes in the first message only (RFC 5936 §2.2.1 allows either).
        if self.messages == 0 {
            b.question(&self.qname, self.qtype, crate::zone::Class::IN)?;
            // Room for OPT and its options, added when the message is sent.
            if let Some(opt) = &self.opt {
                b.set_limit(
                    crate::wire::MAX_TCP_MESSAGE - TSIG_ROOM - OPT_LEN - opt.as_bytes().len(),
                );
            }
        }
        Ok(b)
    }

    async fn push(
        &mut self,
        rec: &Record,
        frames: &mpsc::Sender<Vec<u8>>,
    ) -> Result<(), XfrOutError> {
        let (owner, class, rdata) = (&rec.owner, rec.class, rec.rdata.as_wire());
        self.push_parts(owner, class, rec.rtype, rec.ttl, rdata, frames)
            .await
    }

    /// Adds a record from borrowed parts, sending the message first when the record
    /// does not fit any more.
    #[allow(clippy::too_many_arguments)]
    async fn push_parts(
        &mut self,
        owner: &Name,
        class: crate::zone::Class,
        rtype: Rtype,
        ttl: u32,
        rdata: &[u8],
        frames: &mpsc::Sender<Vec<u8>>,
    ) -> Result<(), XfrOutError> {
        let rr = (owner, class, rtype, ttl, rdata);
        if !self.add(rr)? {
            self.flush(frames).await?;
            self.add(rr)?;
        }
        Ok(())
    }

    /// Adds a record (owner, class, type, TTL, RDATA) to the message being built;
    /// false when it is full (the caller sends it with [`Packer::flush`] and adds the
    /// record again, to a new message, where only a record too large for any message
    /// fails).
    fn add(&mut self, rr: PackedRr<'_>) -> Result<bool, XfrOutError> {
        let (owner, class, rtype, ttl, rdata) = rr;
        let b = match &mut self.builder {
            Some(b) => b,
            None => self.builder.insert(self.start()?),
        };
        match b.push_parts(Section::Answer, owner, rtype, class, ttl, rdata) {
            Ok(()) => {
                self.records += 1;
                Ok(true)
            }
            Err(WireError::Full) if b.count(Section::Answer) > 0 => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn flush(&mut self, frames: &mpsc::Sender<Vec<u8>>) -> Result<(), XfrOutError> {
        let Some(mut b) = self.builder.take() else {
            return Ok(());
        };
        if let Some(opt) = self.opt.take() {
            b.set_limit(crate::wire::MAX_TCP_MESSAGE - TSIG_ROOM);
            b.push_opt_with(
                crate::wire::EDNS_UDP_SIZE,
                Rcode::NOERROR,
                false,
                opt.as_bytes(),
            )?;
        }
        let mut msg = b.finish();
        if let Some(t) = self.tsig.as_mut() {
            t.sign(&mut msg, now());
        }
        self.messages += 1;
        self.bytes += msg.len();
        // Fails once the writer gave up (a write ran past `write-timeout`).
        frames
            .send(frame(msg))
            .await
            .map_err(|_| XfrOutError::Closed)
    }
}

/// Prefixes a message with its 2-octet length (RFC 1035 §4.2.2), in one buffer so it
/// goes out in one write (RFC 7766 §8).
pub fn frame(msg: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 2);
    out.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    out.extend_from_slice(&msg);
    out
}

//----------- request ----------------------------------------------------------------

// Refusals are per request and the peer unauthenticated: rate-limited lines (issue 13).
static REFUSED_NOTAUTH: super::lograte::LogRate =
    super::lograte::per_packet("transfer out refused: not authoritative (NOTAUTH)");
// A flood of allowed transfer requests over the `transfers-out` limit: rate-limited.
static BUSY: super::lograte::LogRate =
    super::lograte::per_packet("transfer out denied: no transfers-out slot came free (SERVFAIL)");
static REFUSED_ACL: super::lograte::LogRate =
    super::lograte::per_packet("transfer out refused by allow-transfer (REFUSED)");

/// How a transfer request arrived.
#[derive(Debug, Clone, Copy)]
pub struct Arrived<'a> {
    /// UDP or a stream (TCP, and TLS over TCP).
    pub transport: Transport,
    /// Set when the stream is TLS: the client's verified identity, if any.
    pub tls: Option<&'a TlsPeer>,
}

/// Decides the answer to an AXFR or IXFR request.
pub async fn request(
    state: &ServerState,
    parsed: &Message<'_>,
    header: &Header,
    q: &Question,
    peer: SocketAddr,
    how: Arrived<'_>,
    tsig: Option<ServerTsig>,
) -> Reply {
    let transport = how.transport;
    let msg = parsed.bytes();
    let kind = if q.qtype == Rtype::AXFR {
        "AXFR"
    } else {
        "IXFR"
    };
    if q.qtype == Rtype::AXFR && transport == Transport::Udp {
        return Reply::Message(signed(error_reply(msg, header, Rcode::FORMERR), tsig));
    }
    let table = state.registry.snapshot();
    let Some(zone) = table.get(&q.name) else {
        if let Some(more) = REFUSED_NOTAUTH.admit() {
            info!(%peer, zone = %q.name, "{kind}-out refused: not authoritative (NOTAUTH){more}");
        }
        return Reply::Message(signed(error_reply(msg, header, Rcode::NOTAUTH), tsig));
    };
    let key = tsig.as_ref().map(|t| t.key().name().clone());
    let over_tls = how.tls.is_some();
    if !zone
        .settings
        .allow_transfer
        .allows_over(peer.ip(), key.as_ref(), over_tls)
    {
        if let Some(more) = REFUSED_ACL.admit() {
            info!(%peer, zone = %q.name, key = key.as_ref().map(tracing::field::display), tls = over_tls,
                "{kind}-out refused by allow-transfer (REFUSED){more}");
        }
        return Reply::Message(signed(error_reply(msg, header, Rcode::REFUSED), tsig));
    }
    let Some(published) = zone.current() else {
        return Reply::Message(signed(error_reply(msg, header, Rcode::SERVFAIL), tsig));
    };
    let version = published.version.clone();
    let serial = version.serial();
    let opt = (parsed.opt_count() == 1).then(|| {
        let asked = parsed.outline().asked();
        let facts = (asked.expire || asked.zoneversion).then(|| facts_of(zone, &published));
        answer_options(asked, state.nsid.as_deref(), facts)
    });
    let out = |kind, body| TransferOut {
        zone: zone.name.clone(),
        kind,
        id: header.id,
        qname: q.name.clone(),
        qtype: q.qtype,
        body,
        tsig,
        peer,
        via: if over_tls { "TLS" } else { "TCP" },
        client_cert: how.tls.and_then(|t| t.client.clone()),
        serial,
        opt,
        track: Some(zone.propagation.clone()),
    };
    if q.qtype == Rtype::AXFR {
        return Reply::Transfer(Box::new(out("AXFR", Body::Zone(version))));
    }

    let Some(client) = ixfr_client_serial(parsed, &q.name) else {
        return Reply::Message(signed(
            error_reply(msg, header, Rcode::FORMERR),
            out("IXFR", Body::Records(vec![])).tsig,
        ));
    };
    // The client's serial is what it has (RFC 1995 §3).
    zone.propagation.on_ixfr_request(peer.ip(), client.0);
    let soa = version.soa_record();
    if !Serial(serial).is_newer_than(client) {
        // Current (or ahead of us): the SOA alone (RFC 1995 §2).
        let mut t = out("IXFR", Body::Records(vec![soa]));
        t.track = None;
        return finish_ixfr(t, transport, header);
    }
    let chain = journal_chain(&state.store, &zone.name, client.0, serial).await;
    let t = match chain {
        Some(chain) => {
            let mut records = vec![soa.clone()];
            for cs in chain {
                records.push(cs.from_soa);
                records.extend(cs.removed);
                records.push(cs.to_soa);
                records.extend(cs.added);
            }
            records.push(soa);
            out("IXFR", Body::Records(records))
        }
        // History does not reach back: answer AXFR-style (RFC 1995 §4).
        None => out("AXFR-style IXFR", Body::Zone(version)),
    };
    finish_ixfr(t, transport, header)
}

/// Over TCP the transfer is streamed; over UDP it is one message if it fits, else
/// the lone SOA (RFC 1995 §2).
fn finish_ixfr(mut t: TransferOut, transport: Transport, header: &Header) -> Reply {
    if transport == Transport::Tcp {
        return Reply::Transfer(Box::new(t));
    }
    let records: Vec<Record> = match &t.body {
        Body::Records(r) => r.clone(),
        Body::Zone(v) => vec![v.soa_record()],
    };
    let tsig_room = if t.tsig.is_some() { TSIG_ROOM } else { 0 };
    let build = |recs: &[Record]| -> Result<Vec<u8>, WireError> {
        let h = Header {
            id: header.id,
            flags: FLAG_QR | FLAG_AA,
            ..Header::default()
        };
        let b_limit = crate::wire::MAX_UDP_PLAIN.max(1232) - tsig_room;
        let mut b = MessageBuilder::new(h, b_limit);
        b.question(&t.qname, t.qtype, crate::zone::Class::IN)?;
        if let Some(opt) = &t.opt {
            b.set_limit(b_limit - OPT_LEN - opt.as_bytes().len());
        }
        for r in recs {
            b.push(Section::Answer, r)?;
        }
        if let Some(opt) = &t.opt {
            b.set_limit(b_limit);
            b.push_opt_with(
                crate::wire::EDNS_UDP_SIZE,
                Rcode::NOERROR,
                false,
                opt.as_bytes(),
            )?;
        }
        Ok(b.finish())
    };
    let msg = match build(&records) {
        Ok(m) => {
            if matches!(t.body, Body::Records(_)) {
                t.served();
            }
            m
        }
        // Only the SOA: the client tries again over TCP.
        Err(_) => match build(&records[..1]) {
            Ok(m) => m,
            Err(_) => return Reply::Drop,
        },
    };
    info!(zone = %t.zone, peer = %t.peer, serial = t.serial, records = records.len(), "IXFR-out over UDP");
    Reply::Message(signed(msg, t.tsig.take()))
}

/// The journal's changesets from `from` to exactly `to`, or `None` when the history
/// does not reach (or the store fails: then AXFR-style is the safe answer).
async fn journal_chain(
    store: &Arc<Store>,
    zone: &Name,
    from: u32,
    to: u32,
) -> Option<Vec<Changeset>> {
    let store = store.clone();
    let zone = zone.clone();
    let chain = tokio::task::spawn_blocking(move || store.journal_since(&zone, from))
        .await
        .ok()?
        .ok()??;
    let mut out = Vec::new();
    for cs in chain {
        let end = cs.to_serial();
        out.push(cs);
        if end == Some(to) {
            return Some(out);
        }
    }
    None
}

//============ Errors ================================================================

/// Why a transfer out ended before its last message.
#[derive(Debug, thiserror::Error)]
pub enum XfrOutError {
    /// A message could not be built.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The connection closed, or its writer gave up on a reader that stopped reading.
    #[error("connection closed (or a write ran past write-timeout)")]
    Closed,
    /// The transfer ran past `max-transfer-time-out`.
    #[error("took longer than max-transfer-time-out ({0:?})")]
    TooLong(std::time::Duration),
}
