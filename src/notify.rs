//! NOTIFY (RFC 1996): sending it to secondaries, with retransmission and back-off, and
//! reading one on the server side.
//!
//! [`send_notify`] is what `zonesync notify` runs once per server (concurrently) and
//! what the server's primary zones will run after each commit ("persist, then publish,
//! then notify"). [`parse_notify`] and [`notify_response`] are the server's side: read
//! an incoming NOTIFY, answer it. Both build on [`crate::wire`] and sign and verify
//! with [`crate::tsig::sign`].
//!
//! # Standards
//! - RFC 1996 §3.1: "the message's OPCODE field is set to NOTIFY (4)"; §3.3 the QTYPE
//!   is SOA for a zone change; §3.7 "the Primary Master MAY include an SOA RR in the
//!   answer section as a hint" — an unsecured hint that a secondary "MUST NOT" use to
//!   change its data (§3.8), only to skip a refresh it does not need.
//! - RFC 1996 §3.6: "the Master … should periodically retransmit … until a NOTIFY
//!   response is received"; "reasonable defaults are a 60 second interval … and a
//!   maximum of 5 retransmissions (for UDP)"; back-off may be additive or
//!   exponential. zonesync starts at [`NotifyOptions::timeout`] and doubles it after
//!   each retransmission, up to 60 seconds.
//! - RFC 1996 §4.7: the response has the same ID, QR set, the query's question.
//! - RFC 1996 §3.1 / §4: the AA bit is set in a NOTIFY.
//!
//! # Limitations
//! - NOTIFY for types other than SOA (§3.3 allows others) is not sent.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::tsig::Key;
use crate::tsig::sign::{ClientTsig, TsigError, TsigRcode, now, split_parsed};
use crate::wire::{
    FLAG_AA, FLAG_QR, HEADER_LEN, Header, Message, MessageBuilder, Opcode, Rcode, Section,
    random_id,
};
use crate::zone::{Class, Name, Rdata, Record, Rtype};

/// The longest wait between retransmissions.
const MAX_INTERVAL: Duration = Duration::from_secs(60);

//----------- Sending ----------------------------------------------------------------

/// How to send a NOTIFY.
#[derive(Clone, Debug)]
pub struct NotifyOptions {
    /// Sign with this key.
    pub key: Option<Key>,
    /// Retransmissions after the first attempt.
    pub retries: u32,
    /// Wait for the first answer this long; doubled after each retransmission.
    pub timeout: Duration,
    /// Send over TCP instead of UDP.
    pub tcp: bool,
    /// The SOA to put in ANSWER as a hint (RFC 1996 §3.7).
    pub soa_hint: Option<Record>,
}

impl Default for NotifyOptions {
    fn default() -> Self {
        NotifyOptions {
            key: None,
            retries: 5,
            timeout: Duration::from_secs(2),
            tcp: false,
            soa_hint: None,
        }
    }
}

/// What TSIG said about the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TsigStatus {
    /// The NOTIFY was not signed.
    Unsigned,
    /// The answer's signature verified.
    Verified,
    /// The answer failed verification (or the server reported a TSIG error).
    Failed(TsigError),
}

/// A server's answer to a NOTIFY.
#[derive(Clone, Debug)]
pub struct NotifyResult {
    /// The server.
    pub server: SocketAddr,
    /// The answer's RCODE.
    pub rcode: Rcode,
    /// The TSIG error the answer carried, if any (BADKEY with NOTAUTH, …).
    pub tsig_error: Option<TsigRcode>,
    /// What TSIG verification found.
    pub tsig: TsigStatus,
    /// From the attempt that was answered to the answer.
    pub rtt: Duration,
    /// Attempts made (1 = answered the first time).
    pub attempts: u32,
}

impl NotifyResult {
    /// True when the server acknowledged: NOERROR, and a signed NOTIFY's answer
    /// verified.
    pub fn is_success(&self) -> bool {
        self.rcode == Rcode::NOERROR && !matches!(self.tsig, TsigStatus::Failed(_))
    }
}

/// An SOA record for the hint of a NOTIFY: the serial, the other fields empty.
pub fn soa_hint(zone: &Name, serial: u32) -> Record {
    let mut rd = vec![0u8, 0u8];
    rd.extend_from_slice(&serial.to_be_bytes());
    rd.extend_from_slice(&[0u8; 16]);
    Record::new(zone.clone(), Class::IN, Rtype::SOA, 0, Rdata::from_wire(rd))
}

/// Builds an (unsigned) NOTIFY for `zone`: opcode 4, AA, question `zone SOA IN`, the
/// hint in ANSWER.
pub fn build_notify(id: u16, zone: &Name, hint: Option<&Record>) -> Vec<u8> {
    let mut h = Header {
        id,
        flags: FLAG_AA,
        ..Default::default()
    };
    h.set_opcode(Opcode::NOTIFY);
    let mut b = MessageBuilder::new(h, crate::wire::MAX_UDP_PLAIN);
    // One name and one SOA: always fits.
    let _ = b.question(zone, Rtype::SOA, Class::IN);
    if let Some(r) = hint {
        let _ = b.push(Section::Answer, r);
    }
    b.finish()
}

/// Sends a NOTIFY for `zone` to `server` and waits for its answer, retransmitting
/// with back-off (UDP) or reconnecting (TCP) up to [`NotifyOptions::retries`] times.
pub async fn send_notify(
    server: SocketAddr,
    zone: &Name,
    opts: &NotifyOptions,
) -> Result<NotifyResult, NotifyError> {
    let id = random_id();
    let mut query = build_notify(id, zone, opts.soa_hint.as_ref());
    let tsig = opts
        .key
        .as_ref()
        .map(|k| ClientTsig::sign_request(k, &mut query, now()));
    let (answer, rtt, attempts) = if opts.tcp {
        exchange_tcp(server, &query, opts).await?
    } else {
        exchange_udp(server, &query, id, opts).await?
    };
    interpret_answer(server, zone, &answer, id, tsig, rtt, attempts)
}

/// Checks an answer to our NOTIFY and turns it into a [`NotifyResult`].
fn interpret_answer(
    server: SocketAddr,
    zone: &Name,
    answer: &[u8],
    id: u16,
    tsig: Option<ClientTsig>,
    rtt: Duration,
    attempts: u32,
) -> Result<NotifyResult, NotifyError> {
    let malformed = |reason: String| NotifyError::Malformed {
        peer: server,
        reason,
    };
    let msg = Message::parse(answer).map_err(|e| malformed(e.to_string()))?;
    let h = msg.header();
    if h.id != id || !h.qr() || h.opcode() != Opcode::NOTIFY {
        return Err(malformed("not an answer to our NOTIFY".into()));
    }
    if let Some(q) = msg.question()
        && (q.name != *zone || q.qtype != Rtype::SOA)
    {
        return Err(malformed(format!(
            "answer for {} {}, not {zone} SOA",
            q.name, q.qtype
        )));
    }
    let rcode = msg.rcode();
    let tsig_error = split_parsed(&msg)
        .ok()
        .flatten()
        .map(|s| s.tsig.error)
        .filter(|e| e.0 != 0);
    let status = match tsig {
        None => TsigStatus::Unsigned,
        Some(mut t) => match t.verify_parsed(&msg, now()).and_then(|_| t.finish()) {
            Ok(()) => TsigStatus::Verified,
            Err(e) => TsigStatus::Failed(e),
        },
    };
    Ok(NotifyResult {
        server,
        rcode,
        tsig_error,
        tsig: status,
        rtt,
        attempts,
    })
}

/// The wait before retransmission `attempt` (0-based): `timeout · 2^attempt`, at most
/// 60 s.
fn interval(timeout: Duration, attempt: u32) -> Duration {
    timeout
        .checked_mul(1u32 << attempt.min(16))
        .unwrap_or(MAX_INTERVAL)
        .min(MAX_INTERVAL)
}

async fn exchange_udp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    opts: &NotifyOptions,
) -> Result<(Vec<u8>, Duration, u32), NotifyError> {
    let io = |source| NotifyError::Io {
        peer: server,
        source,
    };
    let local: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket = UdpSocket::bind(local).await.map_err(io)?;
    socket.connect(server).await.map_err(io)?;
    let mut buf = vec![0u8; 65_535];
    let attempts = opts.retries.saturating_add(1);
    let mut waited = Duration::ZERO;
    // One socket for every attempt: a late answer to an earlier attempt (same ID)
    // still counts.
    for attempt in 0..attempts {
        let sent = Instant::now();
        socket.send(query).await.map_err(io)?;
        let wait = interval(opts.timeout, attempt);
        waited += wait;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => break,
                // ICMP port unreachable: nothing listens there; retrying will not help.
                Ok(Err(e)) => return Err(io(e)),
                Ok(Ok(n)) => {
                    let Ok(h) = Header::parse(&buf[..n]) else {
                        continue;
                    };
                    if h.id == id && h.qr() {
                        return Ok((buf[..n].to_vec(), sent.elapsed(), attempt + 1));
                    }
                }
            }
        }
        tracing::debug!(%server, attempt = attempt + 1, "NOTIFY not answered, retransmitting");
    }
    Err(NotifyError::Timeout {
        peer: server,
        attempts,
        waited,
    })
}

async fn exchange_tcp(
    server: SocketAddr,
    query: &[u8],
    opts: &NotifyOptions,
) -> Result<(Vec<u8>, Duration, u32), NotifyError> {
    let attempts = opts.retries.saturating_add(1);
    let mut waited = Duration::ZERO;
    let mut last_error = None;
    for attempt in 0..attempts {
        let wait = interval(opts.timeout, attempt);
        let sent = Instant::now();
        match tokio::time::timeout(wait, tcp_once(server, query)).await {
            Err(_) => last_error = None,
            Ok(Ok(answer)) => return Ok((answer, sent.elapsed(), attempt + 1)),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(NotifyError::Io {
                    peer: server,
                    source: e,
                });
            }
            Ok(Err(e)) => {
                last_error = Some(e);
                // A failed connection returns at once: pause as a UDP retransmission
                // would, so retries are spread over the same schedule.
                if attempt + 1 < attempts {
                    tokio::time::sleep(wait.saturating_sub(sent.elapsed())).await;
                }
            }
        }
        waited += wait;
    }
    Err(match last_error {
        Some(source) => NotifyError::Io {
            peer: server,
            source,
        },
        None => NotifyError::Timeout {
            peer: server,
            attempts,
            waited,
        },
    })
}

/// One NOTIFY over a fresh TCP connection: connect, send framed, read one framed
/// answer. The caller bounds it with a timeout.
async fn tcp_once(server: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(server).await?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf).await?;
    Ok(buf)
}

//----------- Server side ------------------------------------------------------------

/// An incoming NOTIFY, as the server reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyRequest {
    /// The message ID (the answer echoes it).
    pub id: u16,
    /// The zone (QNAME).
    pub zone: Name,
    /// QTYPE (SOA for zone changes).
    pub qtype: Rtype,
    /// QCLASS.
    pub class: Class,
    /// The serial of the SOA hint in ANSWER, if any (RFC 1996 §3.7: unsecured, only
    /// a reason to check sooner).
    pub serial_hint: Option<u32>,
}

/// Reads a NOTIFY request. Anything that is not one (wrong opcode, a response, no
/// question) is [`NotifyError::Invalid`], which the server answers with FORMERR.
pub fn parse_notify(msg: &[u8]) -> Result<NotifyRequest, NotifyError> {
    let invalid = |reason: &str| NotifyError::Invalid(reason.to_string());
    let m = Message::parse(msg).map_err(|e| NotifyError::Invalid(e.to_string()))?;
    let h = m.header();
    if h.opcode() != Opcode::NOTIFY {
        return Err(invalid("opcode is not NOTIFY"));
    }
    if h.qr() {
        return Err(invalid("a response, not a request"));
    }
    if h.qdcount != 1 {
        return Err(invalid("QDCOUNT is not 1"));
    }
    let q = m.question().ok_or_else(|| invalid("no question"))?;
    let mut serial_hint = None;
    for r in m.answers() {
        let r = r.map_err(|e| NotifyError::Invalid(e.to_string()))?;
        if r.rtype == Rtype::SOA && r.owner == q.name {
            serial_hint = crate::zone::soa::serial_of(&r.rdata).ok();
        }
    }
    Ok(NotifyRequest {
        id: h.id,
        zone: q.name.clone(),
        qtype: q.qtype,
        class: q.qclass,
        serial_hint,
    })
}

/// The answer to a NOTIFY: same ID, opcode NOTIFY, QR and AA set, the question
/// echoed, `rcode`. Sign it afterwards when the request was signed.
pub fn notify_response(request: &NotifyRequest, rcode: Rcode) -> Vec<u8> {
    let mut h = Header {
        id: request.id,
        flags: FLAG_QR | FLAG_AA,
        ..Default::default()
    };
    h.set_opcode(Opcode::NOTIFY);
    h.set_rcode(rcode);
    let mut b = MessageBuilder::new(h, crate::wire::MAX_UDP_PLAIN);
    let _ = b.question(&request.zone, request.qtype, request.class);
    let out = b.finish();
    debug_assert!(out.len() > HEADER_LEN);
    out
}

//============ Errors ================================================================

/// Why a NOTIFY got no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// No answer after every attempt.
    #[error("timeout: no answer from {peer} after {} ({})", crate::plural::count(*attempts, "attempt"), crate::duration::format(*waited))]
    Timeout {
        /// The server.
        peer: SocketAddr,
        /// Attempts made.
        attempts: u32,
        /// Total time waited.
        waited: Duration,
    },
    /// A socket error (connection refused, ICMP port unreachable, …).
    #[error("{peer}: {source}")]
    Io {
        /// The server.
        peer: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// An answer that does not belong to our NOTIFY or cannot be read.
    #[error("malformed answer from {peer}: {reason}")]
    Malformed {
        /// The server.
        peer: SocketAddr,
        /// What is wrong.
        reason: String,
    },
    /// An incoming message that is not a valid NOTIFY (server side).
    #[error("not a valid NOTIFY: {0}")]
    Invalid(String),
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsig::Algorithm;
    use crate::tsig::sign::{RequestTsig, VerifyPolicy, verify_request};

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn key() -> Key {
        Key::new(n("k."), Algorithm::HmacSha256, b"secret".to_vec()).unwrap()
    }

    #[test]
    fn build_and_parse_round_trip() {
        let hint = soa_hint(&n("example.com."), 42);
        let m = build_notify(77, &n("example.com."), Some(&hint));
        let h = Header::parse(&m).unwrap();
        assert_eq!(h.opcode(), Opcode::NOTIFY);
        assert!(h.aa() && !h.qr());
        let req = parse_notify(&m).unwrap();
        assert_eq!(req.id, 77);
        assert_eq!(req.zone, n("example.com."));
        assert_eq!(req.qtype, Rtype::SOA);
        assert_eq!(req.serial_hint, Some(42));
        let resp = notify_response(&req, Rcode::NOERROR);
        let r = Message::parse(&resp).unwrap();
        assert!(r.header().qr() && r.header().aa());
        assert_eq!(r.header().opcode(), Opcode::NOTIFY);
        assert_eq!(r.question().unwrap().name, n("example.com."));
        // Not a NOTIFY.
        let q = crate::xfr::client::build_query(1, &n("example.com."), Rtype::SOA, None, false);
        assert!(matches!(parse_notify(&q), Err(NotifyError::Invalid(_))));
        assert!(parse_notify(&resp).is_err());
        assert!(parse_notify(&[0; 5]).is_err());
    }

    #[test]
    fn back_off_doubles_up_to_a_minute() {
        let t = Duration::from_secs(2);
        assert_eq!(interval(t, 0), Duration::from_secs(2));
        assert_eq!(interval(t, 3), Duration::from_secs(16));
        assert_eq!(interval(t, 10), MAX_INTERVAL);
        assert_eq!(interval(t, 40), MAX_INTERVAL);
    }

    /// A UDP secondary that ignores the first `drop` NOTIFYs, then answers `rcode`
    /// (signed when it has the key).
    async fn secondary(drop: usize, rcode: Rcode, key: Option<Key>) -> SocketAddr {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut seen = 0;
            while let Ok((len, from)) = sock.recv_from(&mut buf).await {
                seen += 1;
                if seen <= drop {
                    continue;
                }
                let q = buf[..len].to_vec();
                let req = parse_notify(&q).unwrap();
                let mut resp = notify_response(&req, rcode);
                if let Some(k) = &key {
                    match verify_request(&q, |_, _| Some(k.clone()), now(), VerifyPolicy::default())
                    {
                        RequestTsig::Signed(mut s) => s.sign(&mut resp, now()),
                        RequestTsig::Failed(f) => resp = f.reply(&q, now()),
                        RequestTsig::Unsigned => {}
                    }
                }
                let _ = sock.send_to(&resp, from).await;
            }
        });
        addr
    }

    fn opts(retries: u32) -> NotifyOptions {
        NotifyOptions {
            retries,
            timeout: Duration::from_millis(100),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn retransmits_until_answered() {
        let addr = secondary(2, Rcode::NOERROR, None).await;
        let r = send_notify(addr, &n("example.com."), &opts(5))
            .await
            .unwrap();
        assert_eq!(r.attempts, 3);
        assert!(r.is_success());
        assert_eq!(r.tsig, TsigStatus::Unsigned);
    }

    #[tokio::test]
    async fn gives_up_after_retries() {
        let addr = secondary(100, Rcode::NOERROR, None).await;
        let e = send_notify(addr, &n("example.com."), &opts(1))
            .await
            .unwrap_err();
        assert!(matches!(e, NotifyError::Timeout { attempts: 2, .. }), "{e}");
    }

    #[tokio::test]
    async fn signed_notify_verified_and_refused_reported() {
        let addr = secondary(0, Rcode::NOERROR, Some(key())).await;
        let mut o = opts(2);
        o.key = Some(key());
        let r = send_notify(addr, &n("example.com."), &o).await.unwrap();
        assert_eq!(r.tsig, TsigStatus::Verified);
        assert!(r.is_success());

        let addr = secondary(0, Rcode::REFUSED, None).await;
        let r = send_notify(addr, &n("example.com."), &opts(2))
            .await
            .unwrap();
        assert_eq!(r.rcode, Rcode::REFUSED);
        assert!(!r.is_success());

        // Wrong secret: NOTAUTH with BADSIG.
        let addr = secondary(0, Rcode::NOERROR, Some(key())).await;
        let mut o = opts(2);
        o.key = Some(Key::new(n("k."), Algorithm::HmacSha256, b"other".to_vec()).unwrap());
        let r = send_notify(addr, &n("example.com."), &o).await.unwrap();
        assert_eq!(r.rcode, Rcode::NOTAUTH);
        assert_eq!(r.tsig_error, Some(TsigRcode::BADSIG));
        assert!(!r.is_success());
    }

    #[tokio::test]
    async fn over_tcp() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut len = [0u8; 2];
            s.read_exact(&mut len).await.unwrap();
            let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
            s.read_exact(&mut q).await.unwrap();
            let resp = notify_response(&parse_notify(&q).unwrap(), Rcode::NOERROR);
            let mut framed = (resp.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&resp);
            s.write_all(&framed).await.unwrap();
        });
        let mut o = opts(1);
        o.tcp = true;
        let r = send_notify(addr, &n("example.com."), &o).await.unwrap();
        assert!(r.is_success());
        assert_eq!(r.attempts, 1);
    }
}
