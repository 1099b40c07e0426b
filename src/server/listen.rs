//! The UDP and TCP listeners: thin shells around [`handle`](super::handle::handle).
//!
//! UDP: one socket per worker thread on every listen address, bound with
//! `SO_REUSEPORT` so the kernel spreads queries over them; each socket's loop receives,
//! handles and answers. TCP: one accept loop per address; each connection has a reader
//! that hands every request to its own task (pipelining: answers may go out of order)
//! and one writer task that owns the socket's write half, fed through a bounded
//! channel of length-prefixed frames, so a transfer and a query answer never
//! interleave inside a frame. Connections are limited by a semaphore and closed after
//! an idle timeout.
//!
//! # Standards
//! - RFC 7766 §6.2.1: servers "MUST … process multiple queries" on one connection
//!   and "SHOULD process pipelined queries concurrently"; responses may be sent out
//!   of order (the ID matches them); §6.2.3: idle timeouts in the order of seconds;
//!   §8: length and message in one write.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::{debug, warn};

use super::ServerState;
use super::handle::{Reply, Transport, handle};
use super::xfr_out::frame;

/// Requests handled at once on one TCP connection.
const PIPELINE: usize = 16;
/// Frames queued for one connection's writer.
const WRITE_QUEUE: usize = 32;

/// Binds a UDP socket with `SO_REUSEPORT` (so that several can share the address).
pub fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
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
    socket.listen(1024)?;
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

/// Serves one UDP socket until the task is aborted.
pub async fn serve_udp(socket: Arc<UdpSocket>, state: Arc<ServerState>) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let (len, peer) = match socket.recv_from(&mut buf).await {
            Ok(v) => v,
            Err(e) => {
                // ICMP errors surface here on some systems; keep serving.
                debug!(error = %e, "UDP receive failed");
                continue;
            }
        };
        let reply = handle(&state, &buf[..len], peer, Transport::Udp).await;
        if let Reply::Message(out) = reply
            && let Err(e) = socket.send_to(&out, peer).await
        {
            debug!(%peer, error = %e, "UDP send failed");
        }
    }
}

/// Accepts TCP connections until the task is aborted.
pub async fn serve_tcp(listener: TcpListener, state: Arc<ServerState>) {
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
        let Ok(permit) = state.tcp_connections.clone().try_acquire_owned() else {
            debug!(%peer, "TCP connection limit reached; closing");
            drop(stream);
            continue;
        };
        let state = state.clone();
        connections.spawn(async move {
            connection(stream, peer, state).await;
            drop(permit);
        });
    }
}

/// One TCP connection: read requests until EOF, error or idle timeout; answer each in
/// its own task; one writer.
async fn connection(stream: TcpStream, peer: SocketAddr, state: Arc<ServerState>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (frames, mut queue) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    let write_task = tokio::spawn(async move {
        while let Some(f) = queue.recv().await {
            if writer.write_all(&f).await.is_err() {
                break;
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
    'conn: loop {
        while let Some(msg) = take_frame(&mut buf) {
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                break 'conn;
            };
            let state = state.clone();
            let frames = frames.clone();
            requests.spawn(async move {
                match handle(&state, &msg, peer, Transport::Tcp).await {
                    Reply::Drop => {}
                    Reply::Message(out) => {
                        let _ = frames.send(frame(out)).await;
                    }
                    Reply::Transfer(t) => {
                        let _ = t.stream(&frames, &state).await;
                    }
                }
                drop(permit);
            });
        }
        while requests.try_join_next().is_some() {}
        // The idle timeout runs only while nothing is being answered: a long AXFR
        // keeps its connection (RFC 7766 §6.2.3).
        let busy = !requests.is_empty();
        tokio::select! {
            r = reader.read(&mut chunk) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            _ = requests.join_next(), if busy => {}
            _ = tokio::time::sleep(idle), if !busy => break,
        }
    }
    // Never close with answers outstanding (RFC 7766 §6.2.4): finish them first.
    while requests.join_next().await.is_some() {}
    drop(frames);
    let _ = write_task.await;
}
