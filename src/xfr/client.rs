//! The async transfer client: SOA query, AXFR, IXFR (TCP, or UDP first), with the
//! IXFR → TCP retry → AXFR fallback ladder. A thin tokio shell around
//! [`Interpreter`]; every protocol decision is made there.
//!
//! Callers: `zonesync axfr` / `zonesync ixfr` (the CLI), and later the secondary-zone
//! task in `sync` (SOA check, then IXFR, then AXFR).
//!
//! Every wait is bounded: connecting, writing and each message read have their own
//! [`ClientOptions::timeout`] — an idle timeout, not a whole-transfer one, so a large
//! zone that keeps arriving never times out and a server that stops sending is noticed
//! within one timeout (HICKORY.md: hickory's whole-transfer timeout ends the stream
//! silently). On top of it, a TCP transfer has BIND's whole-transfer bounds
//! (`max-transfer-time-in`, `min-transfer-rate-in`; [`Limits`]), so a server that
//! drips one message per almost-timeout ends with a typed error, not never. UDP
//! retries are counted; stray datagrams (wrong ID, not a response) are ignored until
//! the attempt's deadline.
//!
//! Over TLS (XoT, RFC 9103; [`ClientOptions::tls`]) every exchange that would use TCP
//! uses TLS instead, the SOA query included (no UDP): the TCP connect and the TLS
//! handshake are each bounded by the timeout, and a session whose last exchange
//! finished cleanly is parked in the [`ClientTls`] and reused by the next SOA query or
//! transfer to the same server within a few seconds (a refresh's SOA query and its
//! IXFR share one session). A parked session that fails before its first answer is
//! replaced by a new one, once.
//!
//! # Standards
//! - RFC 9103 §5.4 (paraphrased): clients SHOULD reuse one XoT connection for
//!   several requests (SOA queries and transfers) to the same primary.
//! - RFC 9103 §9.3: opportunistic TLS (no CA, no pin) is logged once per `tls:`
//!   block as unauthenticated.
//! - RFC 1035 §4.2.2 / RFC 7766 §8: over TCP each message is prefixed with its
//!   two-octet length; the length and the message go out in one write.
//! - RFC 1995 §2: the IXFR query carries our SOA in AUTHORITY. §4: over UDP a reply
//!   that does not fit is a single SOA; the client then retries over TCP.
//! - RFC 5936 §4.1: AXFR only over TCP.
//! - RFC 5452 §9.2: random message IDs; answers with another ID are ignored.
//! - RFC 7314 §4: the SOA query and every transfer request carry an empty EXPIRE
//!   option (BIND's `request-expire`); the EXPIRE the server returns (in the SOA
//!   answer, or in the first message of a transfer) is handed back
//!   ([`SoaAnswer::expire`], [`XfrOutcome::expire`]) for the secondary's expire timer.
//!
//! # Limitations
//! - A host name resolving to several addresses: the caller picks one (the CLI takes
//!   the first).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::timeout;

use crate::tls::{ClientTls, Side, describe, looks_like_tls_alert};
use crate::tsig::Key;
use crate::tsig::sign::{ClientTsig, now, split_parsed};
use crate::wire::edns::expire_in;
use crate::wire::{
    EDNS_UDP_SIZE, FLAG_QR, Header, Message, MessageBuilder, Rcode, Section, random_id,
};
use crate::zone::{Class, Name, Rdata, Record, Rtype};

use super::interpret::{Interpreter, RecordSink, Step};
use super::rate::{TransferGuard, Tripped};
use super::{Limits, Stats, Transfer, XfrError, soa_serial};

//----------- Options and results ----------------------------------------------------

/// How the client talks to a server.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Sign queries with this key and require signed answers.
    pub key: Option<Key>,
    /// Idle timeout: for connecting, writing, and each message (the whole transfer's
    /// bounds are in [`Limits`]); for UDP, each attempt.
    pub timeout: Duration,
    /// UDP attempts (first send included) before a timeout is reported.
    pub udp_attempts: u32,
    /// Transfer size limits.
    pub limits: Limits,
    /// Reach the server over TLS (XoT) instead of UDP and TCP.
    pub tls: Option<Arc<ClientTls>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            key: None,
            timeout: Duration::from_secs(10),
            udp_attempts: 3,
            limits: Limits::default(),
            tls: None,
        }
    }
}

/// What IXFR may do beyond a plain TCP IXFR.
#[derive(Clone, Copy, Debug, Default)]
pub struct IxfrOptions {
    /// Ask over UDP first (TCP when the answer is a lone SOA or truncated).
    pub udp: bool,
    /// Fall back to AXFR when the server cannot serve IXFR.
    pub fallback: bool,
}

/// The transport an answer came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS (XoT, RFC 9103).
    Tls,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        })
    }
}

impl ClientOptions {
    /// The stream transport: TLS when configured, else TCP.
    fn stream_transport(&self) -> Transport {
        if self.tls.is_some() {
            Transport::Tls
        } else {
            Transport::Tcp
        }
    }
}

/// The result of a transfer, with how it was obtained.
#[derive(Clone, Debug)]
pub struct XfrOutcome {
    /// What the server sent.
    pub transfer: Transfer,
    /// Counters of the transfer that produced it.
    pub stats: Stats,
    /// The transport of that transfer.
    pub transport: Transport,
    /// True when the query was signed and every check of the answer's TSIG passed.
    pub tsig_verified: bool,
    /// Why a UDP IXFR was retried over TCP, if it was.
    pub tcp_retry: Option<String>,
    /// Why AXFR was used instead of IXFR, if it was (the IXFR's error).
    pub fallback: Option<String>,
    /// The EXPIRE option (RFC 7314) of the transfer's first message: the seconds the
    /// server's copy has left (a primary's is its SOA EXPIRE).
    pub expire: Option<u32>,
}

/// The result of an AXFR streamed to a sink.
#[derive(Clone, Debug)]
pub struct StreamedAxfr {
    /// The zone's SOA.
    pub soa: Record,
    /// Counters.
    pub stats: Stats,
    /// True when the query was signed and every check of the answer's TSIG passed.
    pub tsig_verified: bool,
}

/// An answer to an SOA query.
#[derive(Clone, Debug)]
pub struct SoaAnswer {
    /// The SOA record.
    pub soa: Record,
    /// Its serial.
    pub serial: u32,
    /// UDP, or TCP after a truncated UDP answer.
    pub transport: Transport,
    /// True when the query was signed and the answer verified.
    pub tsig_verified: bool,
    /// Round trip of the exchange that answered.
    pub rtt: Duration,
    /// The EXPIRE option (RFC 7314) of the answer, when the server sent one.
    pub expire: Option<u32>,
    /// The answer's EDNS options as they came (its OPT RDATA; empty without OPT):
    /// NSID and ZONEVERSION for [`query_soa_with`]'s callers.
    pub options: Vec<u8>,
}

//----------- SOA query --------------------------------------------------------------

/// Asks `peer` for the SOA of `zone` over UDP, and over TCP when the answer is
/// truncated.
pub async fn query_soa(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
) -> Result<SoaAnswer, XfrError> {
    query_soa_with(peer, zone, opts, false, &ASK_EXPIRE).await
}

/// [`query_soa`] over TCP only: what a refresh tries when the UDP query failed
/// (some primaries answer UDP SOA queries for catalogs with an unsigned REFUSED).
pub async fn query_soa_tcp(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
) -> Result<SoaAnswer, XfrError> {
    query_soa_with(peer, zone, opts, true, &ASK_EXPIRE).await
}

/// The SOA query with `ask` (encoded EDNS options, e.g. empty NSID, EXPIRE and
/// ZONEVERSION) in its OPT, over UDP (TCP when truncated) or, with `tcp_only`, TCP.
/// The answer's options come back in [`SoaAnswer::options`].
pub async fn query_soa_with(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
    tcp_only: bool,
    ask: &[u8],
) -> Result<SoaAnswer, XfrError> {
    let id = random_id();
    let mut query = build_query_with(id, zone, Rtype::SOA, None, Some(ask));
    let tsig = opts
        .key
        .as_ref()
        .map(|k| ClientTsig::sign_request(k, &mut query, now()));
    let started = Instant::now();
    let stream = opts.stream_transport();
    let (answer, transport) = if tcp_only || opts.tls.is_some() {
        (tcp_exchange(peer, &query, opts).await?, stream)
    } else {
        let answer = udp_exchange(peer, &query, id, opts).await?;
        if Message::parse(&answer).is_ok_and(|m| m.header().tc()) {
            (tcp_exchange(peer, &query, opts).await?, stream)
        } else {
            (answer, Transport::Udp)
        }
    };
    let rtt = started.elapsed();
    let msg = check_single(peer, &answer, id, tsig)?;
    if msg.header().tc() {
        return Err(XfrError::Truncated { peer });
    }
    if !msg.header().aa() {
        return Err(XfrError::Malformed {
            peer,
            reason: format!("the answer for {zone} SOA is not authoritative (AA not set)"),
        });
    }
    for r in msg.answers() {
        let r = r.map_err(|e| XfrError::Malformed {
            peer,
            reason: e.to_string(),
        })?;
        if r.rtype == Rtype::SOA && r.owner == *zone {
            let serial = soa_serial(&r.rdata).ok_or_else(|| XfrError::Malformed {
                peer,
                reason: "SOA RDATA too short".into(),
            })?;
            return Ok(SoaAnswer {
                soa: r,
                serial,
                transport,
                tsig_verified: opts.key.is_some(),
                rtt,
                expire: expire_in(&msg),
                options: crate::wire::edns::opt_rdata(&msg)
                    .unwrap_or_default()
                    .to_vec(),
            });
        }
    }
    Err(XfrError::Malformed {
        peer,
        reason: format!("no SOA for {zone} in the answer"),
    })
}

//----------- AXFR -------------------------------------------------------------------

/// Transfers the whole of `zone` from `peer` over TCP, collecting the records.
pub async fn axfr(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
) -> Result<XfrOutcome, XfrError> {
    let started = Instant::now();
    let id = random_id();
    let mut interp = Interpreter::axfr(zone.clone(), id, peer, opts.limits);
    let query = signed_query(&mut interp, id, zone, Rtype::AXFR, None, true, opts);
    let expire = tcp_transfer(peer, &query, &mut interp, opts, None).await?;
    let (transfer, mut stats) = interp.finish()?;
    stats.duration = started.elapsed();
    Ok(XfrOutcome {
        transfer,
        stats,
        transport: opts.stream_transport(),
        tsig_verified: opts.key.is_some(),
        tcp_retry: None,
        fallback: None,
        expire,
    })
}

/// Transfers the whole of `zone` from `peer` over TCP, handing each record to `sink`
/// as it arrives (memory stays flat in the zone's size). The sink has seen a complete
/// zone only when this returns `Ok`; on error the caller discards what it wrote.
pub async fn axfr_to(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
    sink: &mut (dyn RecordSink + Send),
) -> Result<StreamedAxfr, XfrError> {
    let started = Instant::now();
    let id = random_id();
    let mut interp = Interpreter::axfr(zone.clone(), id, peer, opts.limits);
    let query = signed_query(&mut interp, id, zone, Rtype::AXFR, None, true, opts);
    tcp_transfer(peer, &query, &mut interp, opts, Some(sink)).await?;
    let soa = interp.soa().cloned();
    let (_, mut stats) = interp.finish()?;
    stats.duration = started.elapsed();
    Ok(StreamedAxfr {
        soa: soa.ok_or_else(|| XfrError::Incomplete {
            peer,
            reason: "no SOA".into(),
        })?,
        stats,
        tsig_verified: opts.key.is_some(),
    })
}

//----------- IXFR -------------------------------------------------------------------

/// Asks `peer` for the changes to `zone` since `serial`: over UDP first when asked
/// (TCP when the answer is a lone newer SOA, truncated, incomplete or lost), then TCP,
/// then AXFR when the server cannot serve IXFR and fallback is allowed.
pub async fn ixfr(
    peer: SocketAddr,
    zone: &Name,
    serial: u32,
    opts: &ClientOptions,
    ixfr_opts: IxfrOptions,
) -> Result<XfrOutcome, XfrError> {
    let mut tcp_retry = None;
    // Over TLS nothing goes over UDP.
    if ixfr_opts.udp && opts.tls.is_none() {
        match ixfr_udp(peer, zone, serial, opts).await {
            Ok(Ok(outcome)) => return Ok(outcome),
            Ok(Err(reason)) => tcp_retry = Some(reason),
            Err(e @ XfrError::Timeout { .. }) => tcp_retry = Some(e.to_string()),
            Err(e) if ixfr_opts.fallback && e.allows_axfr_fallback() => {
                return fall_back(peer, zone, opts, e, None).await;
            }
            Err(e) => return Err(e),
        }
        tracing::debug!(%peer, reason = tcp_retry.as_deref().unwrap_or(""), "IXFR over UDP, retrying over TCP");
    }
    let started = Instant::now();
    let id = random_id();
    let mut interp = Interpreter::ixfr(zone.clone(), serial, id, peer, opts.limits);
    let soa = query_soa_record(zone, serial);
    let query = signed_query(&mut interp, id, zone, Rtype::IXFR, Some(&soa), true, opts);
    let result = match tcp_transfer(peer, &query, &mut interp, opts, None).await {
        Ok(expire) => interp.finish().map(|done| (done, expire)),
        Err(e) => Err(e),
    };
    match result {
        Ok(((transfer, mut stats), expire)) => {
            stats.duration = started.elapsed();
            Ok(XfrOutcome {
                transfer,
                stats,
                transport: opts.stream_transport(),
                tsig_verified: opts.key.is_some(),
                tcp_retry,
                fallback: None,
                expire,
            })
        }
        Err(e) if ixfr_opts.fallback && e.allows_axfr_fallback() => {
            fall_back(peer, zone, opts, e, tcp_retry).await
        }
        Err(e) => Err(e),
    }
}

async fn fall_back(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
    error: XfrError,
    tcp_retry: Option<String>,
) -> Result<XfrOutcome, XfrError> {
    tracing::info!(%peer, %error, "IXFR failed, falling back to AXFR");
    let mut outcome = axfr(peer, zone, opts).await?;
    outcome.fallback = Some(error.to_string());
    outcome.tcp_retry = tcp_retry;
    Ok(outcome)
}

/// One IXFR over UDP: the outcome, or why TCP is needed.
async fn ixfr_udp(
    peer: SocketAddr,
    zone: &Name,
    serial: u32,
    opts: &ClientOptions,
) -> Result<Result<XfrOutcome, String>, XfrError> {
    let started = Instant::now();
    let id = random_id();
    let mut interp = Interpreter::ixfr(zone.clone(), serial, id, peer, opts.limits);
    let soa = query_soa_record(zone, serial);
    let query = signed_query(&mut interp, id, zone, Rtype::IXFR, Some(&soa), true, opts);
    let answer = udp_exchange(peer, &query, id, opts).await?;
    match interp.push(&answer, now()) {
        Err(XfrError::Truncated { .. }) => Ok(Err("the UDP answer was truncated (TC)".into())),
        Err(e) => Err(e),
        Ok(Step::Done) => {
            let (transfer, mut stats) = interp.finish()?;
            stats.duration = started.elapsed();
            Ok(Ok(XfrOutcome {
                transfer,
                stats,
                transport: Transport::Udp,
                tsig_verified: opts.key.is_some(),
                tcp_retry: None,
                fallback: None,
                expire: Message::parse(&answer).ok().and_then(|m| expire_in(&m)),
            }))
        }
        Ok(Step::More) if interp.is_lone_newer_soa() => Ok(Err(format!(
            "the UDP answer was a lone SOA (serial {}): the changes do not fit",
            interp.soa().and_then(|s| soa_serial(&s.rdata)).unwrap_or(0)
        ))),
        Ok(Step::More) => Ok(Err("the UDP answer was incomplete".into())),
    }
}

//----------- Queries ----------------------------------------------------------------

/// The SOA an IXFR query carries in AUTHORITY: our serial, the other fields empty (as
/// dig and kdig send it).
fn query_soa_record(zone: &Name, serial: u32) -> Record {
    let mut rd = vec![0u8, 0u8];
    rd.extend_from_slice(&serial.to_be_bytes());
    rd.extend_from_slice(&[0u8; 16]);
    Record::new(zone.clone(), Class::IN, Rtype::SOA, 0, Rdata::from_wire(rd))
}

/// The EXPIRE option as a query asks for it: empty (RFC 7314 §2).
pub const ASK_EXPIRE: [u8; 4] = [0, 9, 0, 0];

/// A query for `zone`/`qtype`, with `authority` in AUTHORITY and, when `edns`, an
/// OPT that asks for EXPIRE (RFC 7314 §4: on SOA queries and transfer requests).
pub(crate) fn build_query(
    id: u16,
    zone: &Name,
    qtype: Rtype,
    authority: Option<&Record>,
    edns: bool,
) -> Vec<u8> {
    build_query_with(id, zone, qtype, authority, edns.then_some(&ASK_EXPIRE[..]))
}

/// [`build_query`] with an OPT carrying `options` (encoded) when they are given.
fn build_query_with(
    id: u16,
    zone: &Name,
    qtype: Rtype,
    authority: Option<&Record>,
    options: Option<&[u8]>,
) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        Header {
            id,
            ..Default::default()
        },
        crate::wire::MAX_TCP_MESSAGE,
    );
    // A query holds one name and at most one SOA: far below any limit.
    let _ = b.question(zone, qtype, Class::IN);
    if let Some(r) = authority {
        let _ = b.push(Section::Authority, r);
    }
    if let Some(options) = options {
        let _ = b.push_opt_with(EDNS_UDP_SIZE, Rcode::NOERROR, false, options);
    }
    b.finish()
}

/// Builds the query, signs it when a key is configured, and arms the interpreter's
/// TSIG check.
fn signed_query(
    interp: &mut Interpreter,
    id: u16,
    zone: &Name,
    qtype: Rtype,
    authority: Option<&Record>,
    edns: bool,
    opts: &ClientOptions,
) -> Vec<u8> {
    let mut query = build_query(id, zone, qtype, authority, edns);
    if let Some(key) = &opts.key {
        interp.set_tsig(ClientTsig::sign_request(key, &mut query, now()));
    }
    query
}

/// Checks a single-message answer: parses, RCODE (with the TSIG error a NOTAUTH
/// carries), then TSIG when the query was signed.
pub(crate) fn check_single<'a>(
    peer: SocketAddr,
    answer: &'a [u8],
    id: u16,
    tsig: Option<ClientTsig>,
) -> Result<Message<'a>, XfrError> {
    let msg = Message::parse(answer).map_err(|e| XfrError::Malformed {
        peer,
        reason: e.to_string(),
    })?;
    if msg.header().id != id || !msg.header().qr() {
        return Err(XfrError::Malformed {
            peer,
            reason: "not a response to our query".into(),
        });
    }
    let rcode = msg.rcode();
    if rcode != Rcode::NOERROR {
        let tsig_error = split_parsed(&msg)
            .ok()
            .flatten()
            .map(|s| s.tsig.error)
            .filter(|e| e.0 != 0);
        return Err(XfrError::from_rcode(peer, rcode, tsig_error));
    }
    if let Some(mut tsig) = tsig {
        tsig.verify_parsed(&msg, now())
            .and_then(|_| tsig.finish())
            .map_err(|source| XfrError::Tsig { peer, source })?;
    }
    Ok(msg)
}

//----------- Transports -------------------------------------------------------------

fn io_error(peer: SocketAddr) -> impl Fn(std::io::Error) -> XfrError {
    move |source| XfrError::Io { peer, source }
}

/// Sends `query` over UDP and returns the first datagram that answers it (same ID,
/// QR set), retrying [`ClientOptions::udp_attempts`] times.
pub(crate) async fn udp_exchange(
    peer: SocketAddr,
    query: &[u8],
    id: u16,
    opts: &ClientOptions,
) -> Result<Vec<u8>, XfrError> {
    let local: SocketAddr = if peer.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket = UdpSocket::bind(local).await.map_err(io_error(peer))?;
    socket.connect(peer).await.map_err(io_error(peer))?;
    let mut buf = vec![0u8; 65_535];
    for _ in 0..opts.udp_attempts.max(1) {
        socket.send(query).await.map_err(io_error(peer))?;
        let deadline = tokio::time::Instant::now() + opts.timeout;
        loop {
            match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => break,
                Ok(Err(e)) => return Err(XfrError::Io { peer, source: e }),
                Ok(Ok(n)) => {
                    let Ok(h) = Header::parse(&buf[..n]) else {
                        continue;
                    };
                    if h.id == id && h.flags & FLAG_QR != 0 {
                        return Ok(buf[..n].to_vec());
                    }
                }
            }
        }
    }
    Err(XfrError::Timeout {
        peer,
        after: opts.timeout,
        messages: 0,
    })
}

/// A stream to a server: TCP, or TLS over TCP.
enum Conn {
    /// Plain TCP.
    Tcp(TcpStream),
    /// TLS (XoT).
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Connects over TCP, and over TLS when configured, each step under the timeout.
async fn connect(peer: SocketAddr, opts: &ClientOptions) -> Result<Conn, XfrError> {
    let stream = timeout(opts.timeout, TcpStream::connect(peer))
        .await
        .map_err(|_| XfrError::Timeout {
            peer,
            after: opts.timeout,
            messages: 0,
        })?
        .map_err(io_error(peer))?;
    let _ = stream.set_nodelay(true);
    let Some(tls) = &opts.tls else {
        return Ok(Conn::Tcp(stream));
    };
    if tls.first_unauthenticated() {
        tracing::warn!(%peer, "XoT without ca-file or pin-sha256: encrypted but the server is not authenticated (RFC 9103 §9.3, opportunistic)");
    }
    let (connector, name) = tls.connector(peer);
    match timeout(opts.timeout, connector.connect(name, stream)).await {
        Err(_) => Err(XfrError::Tls {
            peer,
            reason: format!(
                "the TLS handshake did not complete within {}",
                crate::duration::format(opts.timeout)
            ),
        }),
        Ok(Err(e)) => Err(XfrError::Tls {
            peer,
            reason: describe(&e, Side::Client),
        }),
        Ok(Ok(s)) => Ok(Conn::Tls(Box::new(s))),
    }
}

/// Writes one framed message (length and message in one write), under the timeout.
async fn send_framed(
    conn: &mut Conn,
    query: &[u8],
    peer: SocketAddr,
    opts: &ClientOptions,
) -> Result<(), XfrError> {
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
    framed.extend_from_slice(query);
    let write = async {
        conn.write_all(&framed).await?;
        conn.flush().await
    };
    timeout(opts.timeout, write)
        .await
        .map_err(|_| XfrError::Timeout {
            peer,
            after: opts.timeout,
            messages: 0,
        })?
        .map_err(|e| {
            if opts.tls.is_some() && closed_by_peer(&e) {
                tls_session_refused(peer)
            } else {
                stream_error(peer, e)
            }
        })
}

/// The peer closed or reset the connection (rather than it failing otherwise).
fn closed_by_peer(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    matches!(e.kind(), UnexpectedEof | ConnectionReset | BrokenPipe)
}

/// TLS 1.3 finishes the client's side of the handshake before the server has checked
/// our certificate: a server that requires one (and got none it trusts) closes or
/// resets the session before its first answer, often without an alert.
fn tls_session_refused(peer: SocketAddr) -> XfrError {
    XfrError::Tls {
        peer,
        reason: "the server closed the TLS session without answering: it may require \
            a client certificate it trusts (mutual TLS: cert-file and key-file, \
            --tls-cert and --tls-key)"
            .into(),
    }
}

/// Sends `query` and reads the first message of the answer into `buf`: on a parked
/// TLS session when there is one (RFC 9103 §5.4), else, or when that session fails
/// before answering, on a new connection. `Ok((_, false))`: closed without an answer.
async fn send_and_read_first(
    peer: SocketAddr,
    query: &[u8],
    opts: &ClientOptions,
    buf: &mut Vec<u8>,
) -> Result<(BufReader<Conn>, bool), XfrError> {
    if let Some(parked) = opts.tls.as_ref().and_then(|t| t.take_idle(peer)) {
        let mut reader = BufReader::with_capacity(READ_BUFFER, Conn::Tls(Box::new(parked)));
        let reused = match send_framed(reader.get_mut(), query, peer, opts).await {
            Ok(()) => read_framed(&mut reader, buf, peer, opts, 0).await,
            Err(e) => Err(e),
        };
        match reused {
            Ok(true) => return Ok((reader, true)),
            Ok(false) => tracing::debug!(%peer, "reused TLS session closed; reconnecting"),
            Err(e) => tracing::debug!(%peer, error = %e, "reused TLS session failed; reconnecting"),
        }
    }
    let mut conn = connect(peer, opts).await?;
    send_framed(&mut conn, query, peer, opts).await?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, conn);
    let more = read_framed(&mut reader, buf, peer, opts, 0).await?;
    Ok((reader, more))
}

/// After an exchange that ended cleanly: a TLS session with nothing unread is parked
/// for the next request to the same server; anything else is closed.
fn done_with(reader: BufReader<Conn>, peer: SocketAddr, opts: &ClientOptions) {
    if !reader.buffer().is_empty() {
        return;
    }
    if let (Conn::Tls(s), Some(tls)) = (reader.into_inner(), &opts.tls) {
        tls.park(peer, *s);
    }
}

/// The read buffer of a stream: several 64 KiB messages per system call.
const READ_BUFFER: usize = 128 * 1024;

/// An I/O error on a stream: a TLS failure in words, else as it is.
fn stream_error(peer: SocketAddr, e: std::io::Error) -> XfrError {
    if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) {
        XfrError::Tls {
            peer,
            reason: describe(&e, Side::Client),
        }
    } else {
        XfrError::Io { peer, source: e }
    }
}

/// Reads one framed message into `buf`. `Ok(false)` on a clean end of stream before
/// a new message.
async fn read_framed<R: AsyncReadExt + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    peer: SocketAddr,
    opts: &ClientOptions,
    messages: u64,
) -> Result<bool, XfrError> {
    let timed_out = || XfrError::Timeout {
        peer,
        after: opts.timeout,
        messages,
    };
    let mut len = [0u8; 2];
    let read = async {
        // A clean close before the length is the end of the stream; anything cut
        // shorter is a broken message.
        let first = reader.read(&mut len[..1]).await?;
        if first == 0 {
            return Ok(false);
        }
        reader.read_exact(&mut len[1..]).await?;
        let n = u16::from_be_bytes(len) as usize;
        buf.resize(n, 0);
        reader.read_exact(buf).await?;
        Ok::<bool, std::io::Error>(true)
    };
    match timeout(opts.timeout, read).await {
        Err(_) => Err(timed_out()),
        Ok(Ok(more)) => Ok(more),
        // A TLS server answering a plain query: its alert where a length should be.
        Ok(Err(e))
            if e.kind() == std::io::ErrorKind::UnexpectedEof
                && messages == 0
                && opts.tls.is_none()
                && looks_like_tls_alert(&len) =>
        {
            Err(XfrError::Tls {
                peer,
                reason: "the server answered with a TLS alert: this is a TLS (XoT) port, \
                    reach it with TLS (`--tls`, or `tls:` in the config)"
                    .into(),
            })
        }
        Ok(Err(e)) if closed_by_peer(&e) && messages == 0 && opts.tls.is_some() => {
            Err(tls_session_refused(peer))
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(XfrError::Incomplete {
            peer,
            reason: format!(
                "connection closed inside a message after {}",
                crate::plural::count(messages, "message")
            ),
        }),
        Ok(Err(e)) => Err(stream_error(peer, e)),
    }
}

/// `started + d`, or a time too far away to matter when that overflows (a
/// configured bound of centuries).
fn offset(started: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    started
        .checked_add(d)
        .unwrap_or_else(|| started + Duration::from_secs(100 * 365 * 86400))
}

/// The error for a tripped [`TransferGuard`].
fn tripped(peer: SocketAddr, opts: &ClientOptions, interp: &Interpreter, t: Tripped) -> XfrError {
    let stats = interp.stats();
    match t {
        Tripped::TimeLimit => XfrError::TransferTimeLimit {
            peer,
            limit: opts.limits.max_time,
            messages: stats.messages,
            bytes: stats.bytes,
        },
        Tripped::TooSlow { bytes } => XfrError::TransferTooSlow {
            peer,
            rate: opts.limits.min_rate.unwrap_or_default(),
            bytes,
            messages: stats.messages,
        },
    }
}

/// A single request/answer over TCP.
async fn tcp_exchange(
    peer: SocketAddr,
    query: &[u8],
    opts: &ClientOptions,
) -> Result<Vec<u8>, XfrError> {
    let mut buf = Vec::new();
    let (reader, more) = send_and_read_first(peer, query, opts, &mut buf).await?;
    if !more {
        return Err(XfrError::Incomplete {
            peer,
            reason: "connection closed without an answer".into(),
        });
    }
    done_with(reader, peer, opts);
    Ok(buf)
}

/// Runs one transfer over TCP: sends `query`, then feeds every message to `interp`
/// until it says [`Step::Done`], within [`Limits::max_time`] and
/// [`Limits::min_rate`]. Returns the EXPIRE option of the first message.
async fn tcp_transfer(
    peer: SocketAddr,
    query: &[u8],
    interp: &mut Interpreter,
    opts: &ClientOptions,
    mut sink: Option<&mut (dyn RecordSink + Send)>,
) -> Result<Option<u32>, XfrError> {
    let started = tokio::time::Instant::now();
    let mut guard = TransferGuard::new(opts.limits.max_time, opts.limits.min_rate);
    let mut buf = Vec::with_capacity(65_535);
    // Connecting, the handshake, writing the query and the first message are each
    // bounded by the per-message timeout.
    let (mut reader, mut more) = send_and_read_first(peer, query, opts, &mut buf).await?;
    let mut expire = None;
    // Bounded: every message adds to the interpreter's byte count (limit), an empty or
    // malformed message ends the loop with an error, and the guard ends it at
    // `max-transfer-time-in` or when a window falls below `min-transfer-rate-in`.
    loop {
        if !more {
            return Err(XfrError::Incomplete {
                peer,
                reason: format!(
                    "connection closed before the closing SOA ({} messages, {} records)",
                    interp.stats().messages,
                    interp.stats().records
                ),
            });
        }
        guard
            .record(started.elapsed(), buf.len() as u64 + 2)
            .map_err(|t| tripped(peer, opts, interp, t))?;
        if interp.stats().messages == 0 {
            expire = Message::parse(&buf).ok().and_then(|m| expire_in(&m));
        }
        let step = match sink.as_deref_mut() {
            Some(s) => {
                let step = interp.push_to(&buf, now(), s)?;
                s.progress(interp.stats());
                step
            }
            None => interp.push(&buf, now())?,
        };
        if step == Step::Done {
            done_with(reader, peer, opts);
            return Ok(expire);
        }
        let messages = interp.stats().messages;
        more = {
            let read = read_framed(&mut reader, &mut buf, peer, opts, messages);
            tokio::pin!(read);
            // The read is not cancel-safe (a partial message would be lost), so a rate
            // window that ends in good standing keeps polling the same read.
            loop {
                tokio::select! {
                    more = &mut read => break more?,
                    _ = tokio::time::sleep_until(offset(started, guard.next_check())) => {
                        guard.check(started.elapsed()).map_err(|t| tripped(peer, opts, interp, t))?;
                    }
                }
            }
        };
    }
}
