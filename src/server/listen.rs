//! The UDP and TCP listeners: thin shells around [`handle`].
//!
//! UDP: one socket per worker thread on every listen address, bound with
//! `SO_REUSEPORT` so the kernel spreads queries over them. Each socket has a thread of
//! its own (not a tokio task) that receives up to [`BATCH`] requests with one
//! `recvmmsg`, answers them, and sends the answers with one `sendmmsg`: on a loaded
//! server the system calls, not the answering, are the cost, and a blocking thread
//! avoids the readiness round trip through the runtime per datagram. Each datagram is
//! read once into a [`Request`]; answers in the cache are copied without allocating
//! ([`answer_cached`]); everything else goes through [`handle`] with the same
//! `Request`, driven to completion on that thread (only an IXFR over UDP waits, for
//! the journal). Every UDP answer passes the rate limiter ([`rate_limit`]) when
//! `rate-limit:` is on; TCP answers never do. TCP: one accept loop per address;
//! each connection has a reader that hands every request to its own task
//! (pipelining: answers may go out of order) and one writer task that owns the
//! socket's write half, fed through a bounded channel of length-prefixed frames, so
//! a transfer and a query answer never interleave inside a frame. Connections are limited in number (at the limit the
//! idlest is closed for a new one, see [`super::connections`]), and closed after an
//! idle timeout, when a message does not arrive whole in time, or when a write
//! stalls.
//!
//! TLS (XoT, RFC 9103): one accept loop per `listen-tls` address, sharing the TCP
//! connection registry and limits. The handshake runs in the connection's own task,
//! bounded by `tcp-message-timeout` (a handshake is the first "message"), so a slow
//! or silent client holds no one else up; a client that does not negotiate ALPN
//! "dot" is closed. Then the same per-connection loop as TCP runs over the TLS
//! stream, and each request carries the session's [`TlsPeer`] (for `tls: true`
//! ACL entries). A TLS ClientHello on a plain TCP port is recognised and the
//! connection closed at once, with a log line saying so.
//!
//! # Standards
//! - RFC 7766 §6.2.1: servers "MUST … process multiple queries" on one connection
//!   and "SHOULD process pipelined queries concurrently"; responses may be sent out
//!   of order (the ID matches them); §6.2.3: idle timeouts in the order of seconds,
//!   and a server under load may close idle connections (paraphrased); here a
//!   message that trickles in is bounded as a whole, not per read;
//!   §8: length and message in one write.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use super::ServerState;
use super::connections::{Admission, Slot};
use super::handle::{
    Reply, answer_cached, cookie_check, handle, note_soa_query, rate_limit, soa_query_name,
};
use super::request::{Request, Transport};
use super::xfr_out::frame;
use crate::tls::{ALPN_DOT, ServerTls, Side, TlsPeer, describe, looks_like_client_hello};

/// Requests handled at once on one TCP connection.
const PIPELINE: usize = 16;
/// Frames queued for one connection's writer.
const WRITE_QUEUE: usize = 32;

/// Requests received, and answers sent, per system call on a UDP socket.
pub const BATCH: usize = 32;
/// The longest a UDP thread blocks in a receive before it looks whether it must stop.
const UDP_POLL: Duration = Duration::from_millis(250);
/// The largest UDP datagram read (IPv4 payload limit, rounded up).
const UDP_BUFFER: usize = 65_535;

/// Binds a UDP socket with `SO_REUSEPORT` (so that several can share the address), in
/// blocking mode with a receive timeout, for [`serve_udp`]'s thread.
pub fn bind_udp(addr: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.set_read_timeout(Some(UDP_POLL))?;
    Ok(socket.into())
}

/// Binds a TCP listener.
pub fn bind_tcp(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    // Room for a burst of connections while the accept loop catches up (the kernel
    // caps it at net.core.somaxconn, 4096 by default): a full queue drops a new
    // client's SYN, and its retry comes a second later.
    socket.listen(4096)?;
    TcpListener::from_std(socket.into())
}

/// Takes one length-prefixed message off the front of `buf`, if complete.
fn take_frame(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    if buf.len() < 2 {
        return None;
    }
    let len = u16::from_be_bytes([buf[0], buf[1]]) as usize;
    if buf.len() < 2 + len {
        return None;
    }
    let msg = buf[2..2 + len].to_vec();
    buf.drain(..2 + len);
    Some(msg)
}

/// Serves one UDP socket until the task is aborted: starts the socket's thread and
/// waits for it. Aborting the task tells the thread to stop (within `UDP_POLL`); the
/// thread holds the server state only while it answers a batch, so it never keeps the
/// state (and the store) alive past the server's end.
pub async fn serve_udp(socket: Arc<std::net::UdpSocket>, state: Arc<ServerState>) {
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(stop.clone());
    let runtime = tokio::runtime::Handle::current();
    let weak = Arc::downgrade(&state);
    drop(state);
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("zonesync-udp".into())
        .spawn(move || {
            udp_thread(&socket, &weak, &runtime, &stop);
            drop(done);
        });
    match spawned {
        Ok(_) => {
            let _ = finished.await;
        }
        Err(e) => error!(error = %e, "cannot start a UDP thread"),
    }
}

/// Sets the flag when dropped (the task of [`serve_udp`] aborted).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Answers one UDP request into `out`; false when nothing is to be sent.
///
/// The source address (`peer`) is read only when something depends on it: a DNS
/// cookie, the rate limiter, or the full path.
fn answer_udp(
    state: &ServerState,
    msg: &[u8],
    peer: impl Fn() -> Option<SocketAddr>,
    runtime: &tokio::runtime::Handle,
    out: &mut Vec<u8>,
) -> bool {
    let Some(req) = Request::parse(msg, Transport::Udp) else {
        // Shorter than a header: nothing to answer.
        return false;
    };
    let cookie = match (&state.cookies, req.cookie()) {
        (Some(_), Some(_)) => peer().and_then(|p| cookie_check(state, &req, p)),
        _ => None,
    };
    if answer_cached(state, &req, cookie.as_ref().and_then(|c| c.option()), out) {
        // SOA queries (rare next to the rest) tell the propagation view who asked.
        if let Some(qname) = soa_query_name(&req)
            && let Some(peer) = peer()
        {
            note_soa_query(state, &qname, peer);
        }
    } else {
        let Some(peer) = peer() else {
            return false;
        };
        match runtime.block_on(handle(state, &req, peer)) {
            Reply::Message(m) => *out = m,
            // Transfers are TCP only: `handle` never returns one for UDP.
            Reply::Drop | Reply::Transfer(_) => return false,
        }
    }
    if state.rrl.is_some() {
        let Some(source) = peer() else {
            return false;
        };
        let valid = cookie.is_some_and(|c| c.is_valid());
        if !rate_limit(state, &req, source.ip(), valid, out) {
            return false;
        }
    }
    crate::metrics::get().answered(out);
    true
}

/// The loop of one UDP socket's thread (Linux: `recvmmsg`/`sendmmsg`).
#[cfg(target_os = "linux")]
fn udp_thread(
    socket: &std::net::UdpSocket,
    state: &Weak<ServerState>,
    runtime: &tokio::runtime::Handle,
    stop: &AtomicBool,
) {
    use std::mem::{size_of, zeroed};
    use std::os::fd::AsRawFd;

    let fd = socket.as_raw_fd();
    // Untouched pages of these buffers are never made resident: a request uses what it
    // needs.
    let mut requests: Vec<Box<[u8]>> = (0..BATCH)
        .map(|_| vec![0u8; UDP_BUFFER].into_boxed_slice())
        .collect();
    let mut answers: Vec<Vec<u8>> = (0..BATCH)
        .map(|_| Vec::with_capacity(crate::wire::EDNS_UDP_SIZE as usize))
        .collect();
    // SAFETY (all `zeroed` below): plain C structs for which all zeroes are valid.
    let mut peers: Vec<libc::sockaddr_storage> = (0..BATCH).map(|_| unsafe { zeroed() }).collect();
    let mut recv_iov: Vec<libc::iovec> = (0..BATCH).map(|_| unsafe { zeroed() }).collect();
    let mut recv_hdr: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { zeroed() }).collect();
    let mut send_iov: Vec<libc::iovec> = (0..BATCH).map(|_| unsafe { zeroed() }).collect();
    let mut send_hdr: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { zeroed() }).collect();

    while !stop.load(Ordering::Relaxed) {
        for i in 0..BATCH {
            recv_iov[i] = libc::iovec {
                iov_base: requests[i].as_mut_ptr().cast(),
                iov_len: requests[i].len(),
            };
            let h = &mut recv_hdr[i].msg_hdr;
            h.msg_name = (&mut peers[i] as *mut libc::sockaddr_storage).cast();
            h.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            h.msg_iov = &mut recv_iov[i];
            h.msg_iovlen = 1;
            h.msg_control = std::ptr::null_mut();
            h.msg_controllen = 0;
            h.msg_flags = 0;
            recv_hdr[i].msg_len = 0;
        }
        // SAFETY: every header points at live buffers of the lengths given; the kernel
        // writes at most that much. MSG_WAITFORONE: block (up to the socket's receive
        // timeout) for the first datagram only, then take what is queued.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                recv_hdr.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::Interrupted
            ) {
                // ICMP errors surface here on some systems; keep serving.
                debug!(error = %e, "UDP receive failed");
            }
            continue;
        }
        let Some(state) = state.upgrade() else {
            return;
        };
        let mut count = 0usize;
        for i in 0..n as usize {
            let len = recv_hdr[i].msg_len as usize;
            let namelen = recv_hdr[i].msg_hdr.msg_namelen;
            let peer = || socket_addr(&peers[i], namelen);
            if !answer_udp(&state, &requests[i][..len], peer, runtime, &mut answers[i]) {
                continue;
            }
            send_iov[count] = libc::iovec {
                iov_base: answers[i].as_mut_ptr().cast(),
                iov_len: answers[i].len(),
            };
            let h = &mut send_hdr[count].msg_hdr;
            h.msg_name = (&mut peers[i] as *mut libc::sockaddr_storage).cast();
            h.msg_namelen = namelen;
            h.msg_iov = &mut send_iov[count];
            h.msg_iovlen = 1;
            h.msg_control = std::ptr::null_mut();
            h.msg_controllen = 0;
            h.msg_flags = 0;
            count += 1;
        }
        drop(state);
        let mut sent = 0usize;
        while sent < count {
            // SAFETY: headers `sent..count` point at live answers and addresses.
            let r = unsafe {
                libc::sendmmsg(
                    fd,
                    send_hdr[sent..].as_mut_ptr(),
                    (count - sent) as libc::c_uint,
                    0,
                )
            };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                // The first unsent answer failed (its peer is unreachable, …): skip it.
                debug!(error = %e, "UDP send failed");
                sent += 1;
            } else {
                sent += r as usize;
            }
        }
    }
}

/// A socket address as the kernel wrote it.
#[cfg(target_os = "linux")]
fn socket_addr(addr: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    use std::mem::size_of;
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    match addr.ss_family as libc::c_int {
        libc::AF_INET if len as usize >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family and length say it is a sockaddr_in.
            let a =
                unsafe { &*(addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 if len as usize >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the family and length say it is a sockaddr_in6.
            let a =
                unsafe { &*(addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// The loop of one UDP socket's thread (other systems: one datagram per call).
#[cfg(not(target_os = "linux"))]
fn udp_thread(
    socket: &std::net::UdpSocket,
    state: &Weak<ServerState>,
    runtime: &tokio::runtime::Handle,
    stop: &AtomicBool,
) {
    let mut buf = vec![0u8; UDP_BUFFER];
    let mut out = Vec::with_capacity(crate::wire::EDNS_UDP_SIZE as usize);
    while !stop.load(Ordering::Relaxed) {
        let (len, peer) = match socket.recv_from(&mut buf) {
            Ok(v) => v,
            Err(e) => {
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) {
                    debug!(error = %e, "UDP receive failed");
                }
                continue;
            }
        };
        let Some(state) = state.upgrade() else {
            return;
        };
        if answer_udp(&state, &buf[..len], || Some(peer), runtime, &mut out)
            && let Err(e) = socket.send_to(&out, peer)
        {
            debug!(%peer, error = %e, "UDP send failed");
        }
    }
}

/// Accepts TCP connections until the task is aborted. At the `tcp-connections` limit
/// the idlest connection is closed to let the new one in (RFC 7766 §6.2.3), so a flood
/// of idle or trickling connections cannot lock new clients out.
pub async fn serve_tcp(listener: TcpListener, state: Arc<ServerState>) {
    accept_loop(listener, state, None).await
}

/// Accepts TLS connections (XoT) until the task is aborted: as [`serve_tcp`], with a
/// TLS handshake (bounded by `tcp-message-timeout`) before the message loop.
pub async fn serve_tls(listener: TcpListener, tls: Arc<ServerTls>, state: Arc<ServerState>) {
    accept_loop(listener, state, Some(tls)).await
}

// Handshake failures are per connection and the peer unauthenticated: rate-limited
// lines (issue 13).
static TLS_FAILED: super::lograte::LogRate = super::lograte::per_packet("TLS handshake failed");
static TLS_ON_PLAIN: super::lograte::LogRate =
    super::lograte::per_packet("a TLS client on the plain DNS port");
// Sessions are few (transfers, not queries), but anyone may open one: rate-limited too.
static TLS_SESSIONS: super::lograte::LogRate =
    super::lograte::per_packet("TLS session established");

/// The handshake of one TLS connection, then its message loop.
async fn tls_connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Arc<ServerTls>,
    state: Arc<ServerState>,
    slot: Slot,
) {
    let limit = state.tcp_message_timeout;
    let accepted = tokio::select! {
        r = tokio::time::timeout(limit, tls.acceptor().accept(stream)) => r,
        // Chosen to make room while still shaking hands.
        _ = slot.closing() => return,
    };
    let stream = match accepted {
        Err(_) => {
            if let Some(more) = TLS_FAILED.admit() {
                info!(%peer, "TLS handshake did not complete within {} (tcp-message-timeout); closing{more}",
                    crate::duration::format(limit));
            }
            return;
        }
        Ok(Err(e)) => {
            if let Some(more) = TLS_FAILED.admit() {
                info!(%peer, error = %describe(&e, Side::Server), "TLS handshake failed{more}");
            }
            return;
        }
        Ok(Ok(s)) => s,
    };
    let (_, session) = stream.get_ref();
    // RFC 9103 §7.1: XoT uses ALPN "dot"; a client that did not ask for it is not an
    // XoT client (BIND refuses it too).
    if session.alpn_protocol() != Some(ALPN_DOT) {
        if let Some(more) = TLS_FAILED.admit() {
            info!(%peer, "TLS client did not negotiate the ALPN \"dot\" (RFC 9103 §7.1); closing{more}");
        }
        return;
    }
    let who = TlsPeer::of(session);
    if let Some(more) = TLS_SESSIONS.admit() {
        info!(%peer, client_cert = ?who.client, "TLS session established{more}");
    }
    connection(stream, peer, state, slot, Some(Arc::new(who))).await
}

/// The accept loop of [`serve_tcp`] and [`serve_tls`].
async fn accept_loop(listener: TcpListener, state: Arc<ServerState>, tls: Option<Arc<ServerTls>>) {
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = match state.tcp_connections.admit() {
            Admission::Admitted(slot) => slot,
            Admission::Evicted(slot, victim) => {
                debug!(%peer, victim, "TCP connection limit reached; closing the idlest");
                slot
            }
            Admission::Full => {
                debug!(%peer, "TCP connection limit reached, all answering; closing");
                drop(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        match &tls {
            None => connections.spawn(connection(stream, peer, state, slot, None)),
            Some(tls) => connections.spawn(tls_connection(stream, peer, tls.clone(), state, slot)),
        };
    }
}

/// The byte stream of a connection: TCP, or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {
    /// The TCP socket underneath (for `SO_LINGER` when a write stalls).
    fn socket_fd(&self) -> RawFd;
    /// Read and write halves for the reader loop and the writer task.
    fn halves(self) -> (Reader, Writer);
}

/// A connection's read half.
type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// A connection's write half.
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

impl Stream for TcpStream {
    fn socket_fd(&self) -> RawFd {
        self.as_raw_fd()
    }
    fn halves(self) -> (Reader, Writer) {
        let (r, w) = self.into_split();
        (Box::new(r), Box::new(w))
    }
}

impl Stream for tokio_rustls::server::TlsStream<TcpStream> {
    fn socket_fd(&self) -> RawFd {
        self.get_ref().0.as_raw_fd()
    }
    fn halves(self) -> (Reader, Writer) {
        // One rustls session behind both halves: tokio's split locks it per poll.
        let (r, w) = tokio::io::split(self);
        (Box::new(r), Box::new(w))
    }
}

/// Makes the connection's close a reset, so an answer the peer never read does not
/// linger in the kernel.
///
/// # Safety
/// `fd` must be open: the caller holds the write half of the stream that owns it.
unsafe fn reset_on_close(fd: RawFd) {
    // SAFETY: the caller guarantees the descriptor is open for this call.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let _ = socket2::SockRef::from(&fd).set_linger(Some(Duration::ZERO));
}

/// Why a connection's reader stopped.
#[derive(Debug, Clone, Copy)]
enum Closed {
    /// The peer closed, or the socket failed.
    Peer,
    /// No message for `tcp-idle-timeout`.
    Idle,
    /// A message did not arrive whole within `tcp-message-timeout`.
    SlowMessage,
    /// The writer stopped (a write ran past `write-timeout`, or failed).
    Writer,
    /// Told to close: chosen to make room, or a transfer on it failed midway.
    Told,
    /// A TLS ClientHello arrived on a plain TCP port.
    TlsHello,
}

impl Closed {
    /// The reason as a log field value.
    fn reason(self) -> &'static str {
        match self {
            Closed::Peer => "peer",
            Closed::Idle => "idle",
            Closed::SlowMessage => "slow-message",
            Closed::Writer => "writer",
            Closed::Told => "told",
            Closed::TlsHello => "tls-hello",
        }
    }
}

/// One TCP or TLS connection: read requests until EOF, error, a timeout or being told
/// to close; answer each in its own task; one writer. `tls` is set for TLS sessions
/// and handed to every request.
///
/// Timers (RFC 7766 §6.2.3): between messages, `tcp-idle-timeout` (it does not run
/// while something is being answered: a long AXFR keeps its connection); once the
/// first octet of a message arrived, the whole message must arrive by a deadline
/// `tcp-message-timeout` later, which later reads do not move; every write must
/// finish within `write-timeout`.
async fn connection<S: Stream>(
    stream: S,
    peer: SocketAddr,
    state: Arc<ServerState>,
    slot: Slot,
    tls: Option<Arc<TlsPeer>>,
) {
    let slot = Arc::new(slot);
    let fd = stream.socket_fd();
    let (mut reader, mut writer) = stream.halves();
    let (frames, mut queue) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    let write_timeout = state.write_timeout;
    let write_task = tokio::spawn(async move {
        while let Some(f) = queue.recv().await {
            match tokio::time::timeout(write_timeout, writer.write_all(&f)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return,
                Err(_) => {
                    debug!(%peer, "TCP write timed out; closing");
                    // Reset rather than leave the unread answer in the kernel.
                    // SAFETY: `writer` is alive here, and with it the socket.
                    unsafe { reset_on_close(fd) };
                    return;
                }
            }
        }
        let _ = writer.shutdown().await;
    });
    let idle = state.tcp_idle_timeout;
    let in_flight = Arc::new(Semaphore::new(PIPELINE));
    let mut requests = JoinSet::new();
    // Bytes read but not yet framed. `read` is cancel-safe (bytes are consumed only
    // when it returns), so racing it against timers and finished requests loses
    // nothing.
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 16 * 1024];
    // When the last message arrived or the last answer was finished.
    let mut last_active = Instant::now();
    // The deadline of the message begun in `buf`, if any.
    let mut message_due: Option<Instant> = None;
    // Until the first message: a TLS ClientHello on a plain port is told apart.
    let mut first = tls.is_none();
    let closed = 'conn: loop {
        if first && buf.len() >= 6 {
            first = false;
            if looks_like_client_hello(&buf) {
                break Closed::TlsHello;
            }
        }
        while let Some(msg) = take_frame(&mut buf) {
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                break 'conn Closed::Peer;
            };
            last_active = Instant::now();
            slot.touch();
            slot.set_busy(true);
            let state = state.clone();
            let frames = frames.clone();
            let slot = slot.clone();
            let tls = tls.clone();
            requests.spawn(async move {
                let reply = match Request::parse(&msg, Transport::Tcp) {
                    Some(req) => handle(&state, &req.over_tls(tls.as_deref()), peer).await,
                    // Shorter than a header: nothing to answer.
                    None => Reply::Drop,
                };
                match reply {
                    Reply::Drop => {}
                    Reply::Message(out) => {
                        crate::metrics::get().answered(&out);
                        let _ = frames.send(frame(out)).await;
                    }
                    Reply::Transfer(t) => {
                        // A transfer cut off midway leaves the client waiting for its
                        // last SOA: close the connection.
                        if t.stream(&frames, &state).await.is_err() {
                            slot.close();
                        }
                    }
                }
                drop(permit);
            });
        }
        message_due = match (buf.is_empty(), message_due) {
            (true, _) => None,
            (false, Some(due)) => Some(due),
            (false, None) => Some(Instant::now() + state.tcp_message_timeout),
        };
        let mut finished = false;
        while requests.try_join_next().is_some() {
            finished = true;
        }
        let busy = !requests.is_empty();
        if finished {
            last_active = Instant::now();
            slot.touch();
        }
        slot.set_busy(busy);
        let (deadline, why) = match message_due {
            Some(due) => (Some(due), Closed::SlowMessage),
            None if !busy => (Some(last_active + idle), Closed::Idle),
            None => (None, Closed::Idle),
        };
        tokio::select! {
            r = reader.read(&mut chunk) => match r {
                Ok(0) | Err(_) => break Closed::Peer,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            _ = requests.join_next(), if busy => {
                last_active = Instant::now();
                slot.touch();
            }
            _ = sleep_until(deadline) => break why,
            _ = slot.closing() => break Closed::Told,
            _ = frames.closed() => break Closed::Writer,
        }
    };
    match closed {
        Closed::Peer => {}
        Closed::TlsHello => {
            if let Some(more) = TLS_ON_PLAIN.admit() {
                info!(%peer, "a TLS client on the plain DNS port (TLS is served on listen-tls); closing{more}");
            }
        }
        _ => debug!(%peer, conn = slot.id(), reason = closed.reason(), "closing TCP connection"),
    }
    // Never close with answers outstanding (RFC 7766 §6.2.4): finish them first. They
    // are bounded: by `write-timeout` per write and `max-transfer-time-out`.
    while requests.join_next().await.is_some() {}
    drop(frames);
    let _ = write_task.await;
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
