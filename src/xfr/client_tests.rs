//! Tests of the async client against scripted servers on 127.0.0.1 port 0: each
//! server reads the query, then plays a script (send these messages, stall, close,
//! reset), so every failure mode a real primary shows can be reproduced exactly.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::interpret::tests::{a, msg, n, soa};
use super::*;
use crate::tsig::sign::{RequestTsig, VerifyPolicy, now, verify_request};
use crate::tsig::{Algorithm, Key};
use crate::wire::Rcode;
use crate::zone::Rtype;

/// One step of a scripted connection.
#[derive(Clone)]
pub(crate) enum Act {
    /// Send this message (its ID replaced by the query's; signed when a key is set).
    Send(Vec<u8>),
    /// Wait.
    Stall(Duration),
    /// Close with a reset (SO_LINGER 0).
    Reset,
}

fn key() -> Key {
    Key::new(
        n("xfr-key."),
        Algorithm::HmacSha256,
        b"0123456789abcdef".to_vec(),
    )
    .unwrap()
}

fn opts(timeout_ms: u64) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(timeout_ms),
        udp_attempts: 2,
        ..Default::default()
    }
}

/// Prepares a scripted message for the query: its ID, and a signature.
fn finish(
    mut m: Vec<u8>,
    query: &[u8],
    signer: &mut Option<crate::tsig::sign::ServerTsig>,
) -> Vec<u8> {
    m[0..2].copy_from_slice(&query[0..2]);
    if let Some(s) = signer {
        s.sign(&mut m, now());
    }
    m
}

/// The server's TSIG state for a query: `Err(reply)` when the query fails TSIG.
fn signer_for(
    query: &[u8],
    key: &Option<Key>,
) -> Result<Option<crate::tsig::sign::ServerTsig>, Vec<u8>> {
    let Some(k) = key.clone() else {
        return Ok(None);
    };
    match verify_request(
        query,
        |_, _| Some(k.clone()),
        now(),
        VerifyPolicy::default(),
    ) {
        RequestTsig::Signed(s) => Ok(Some(s)),
        RequestTsig::Failed(f) => Err(f.reply(query, now())),
        RequestTsig::Unsigned => Ok(None),
    }
}

/// A TCP server that answers connection `i` with `scripts[i]`; returns its address.
pub(crate) async fn tcp_server(scripts: Vec<Vec<Act>>, key: Option<Key>) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(serve_tcp(l, scripts, key));
    addr
}

async fn serve_tcp(l: TcpListener, scripts: Vec<Vec<Act>>, key: Option<Key>) {
    for script in scripts {
        let Ok((mut s, _)) = l.accept().await else {
            return;
        };
        let mut len = [0u8; 2];
        if s.read_exact(&mut len).await.is_err() {
            continue;
        }
        let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
        if s.read_exact(&mut q).await.is_err() {
            continue;
        }
        let mut signer = match signer_for(&q, &key) {
            Ok(s) => s,
            Err(reply) => {
                let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&reply);
                let _ = s.write_all(&framed).await;
                continue;
            }
        };
        let mut reset = false;
        for act in script {
            match act {
                Act::Send(m) => {
                    let m = finish(m, &q, &mut signer);
                    let mut framed = (m.len() as u16).to_be_bytes().to_vec();
                    framed.extend_from_slice(&m);
                    if s.write_all(&framed).await.is_err() {
                        break;
                    }
                }
                Act::Stall(d) => tokio::time::sleep(d).await,
                Act::Reset => {
                    let _ = s.set_zero_linger();
                    reset = true;
                    break;
                }
            }
        }
        if !reset {
            let _ = s.shutdown().await;
        }
    }
}

/// A UDP server on `port` answering each query with the next message of `answers`.
async fn udp_server(port: u16, answers: Vec<Vec<u8>>, key: Option<Key>) {
    let sock = UdpSocket::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65535];
        for answer in answers {
            let Ok((len, from)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let q = buf[..len].to_vec();
            let m = match signer_for(&q, &key) {
                Ok(mut signer) => finish(answer, &q, &mut signer),
                Err(reply) => reply,
            };
            let _ = sock.send_to(&m, from).await;
        }
    });
}

fn ok(records: &[crate::zone::Record]) -> Vec<u8> {
    msg(Rtype::AXFR, Rcode::NOERROR, records)
}

fn ixfr_msg(records: &[crate::zone::Record]) -> Vec<u8> {
    msg(Rtype::IXFR, Rcode::NOERROR, records)
}

//----------- AXFR -------------------------------------------------------------------

#[tokio::test]
async fn axfr_complete_with_tsig() {
    let script = vec![
        Act::Send(ok(&[soa(5), a("a.example.com.", 1)])),
        Act::Send(ok(&[a("b.example.com.", 2)])),
        Act::Send(ok(&[soa(5)])),
    ];
    let addr = tcp_server(vec![script], Some(key())).await;
    let mut o = opts(2000);
    o.key = Some(key());
    let out = axfr(addr, &n("example.com."), &o).await.unwrap();
    assert_eq!(
        out.transfer,
        Transfer::Full(vec![soa(5), a("a.example.com.", 1), a("b.example.com.", 2)])
    );
    assert_eq!(out.stats.messages, 3);
    assert_eq!(out.stats.signed_messages, 3);
    assert!(out.tsig_verified);
}

#[tokio::test]
async fn axfr_wrong_key_is_badsig() {
    let script = vec![Act::Send(ok(&[soa(5), soa(5)]))];
    let addr = tcp_server(vec![script], Some(key())).await;
    let mut o = opts(2000);
    // Same name and algorithm, other secret.
    o.key = Some(Key::new(n("xfr-key."), Algorithm::HmacSha256, b"other".to_vec()).unwrap());
    let e = axfr(addr, &n("example.com."), &o).await.unwrap_err();
    // The server cannot verify our request: NOTAUTH with BADSIG, unsigned.
    assert_eq!(e.to_string(), format!("NOTAUTH (BADSIG) from {addr}"));
}

#[tokio::test]
async fn axfr_streams_to_sink() {
    let script = vec![
        Act::Send(ok(&[soa(5), a("a.example.com.", 1)])),
        Act::Send(ok(&[a("b.example.com.", 2), soa(5)])),
    ];
    let addr = tcp_server(vec![script], None).await;
    struct Sink(Vec<crate::zone::Record>, u64);
    impl RecordSink for Sink {
        fn record(&mut self, r: crate::zone::Record) -> std::io::Result<()> {
            self.0.push(r);
            Ok(())
        }
        fn progress(&mut self, stats: &Stats) {
            self.1 = stats.messages;
        }
    }
    let mut sink = Sink(Vec::new(), 0);
    let out = axfr_to(addr, &n("example.com."), &opts(2000), &mut sink)
        .await
        .unwrap();
    assert_eq!(out.soa, soa(5));
    assert_eq!(sink.0.len(), 3);
    assert_eq!(sink.1, 2);
}

#[tokio::test]
async fn axfr_connection_closed_early_is_incomplete() {
    let script = vec![Act::Send(ok(&[soa(5), a("a.example.com.", 1)]))];
    let addr = tcp_server(vec![script], None).await;
    let e = axfr(addr, &n("example.com."), &opts(2000))
        .await
        .unwrap_err();
    assert!(matches!(e, XfrError::Incomplete { .. }), "{e}");
    assert!(e.to_string().contains("1 messages, 2 records"), "{e}");
}

#[tokio::test]
async fn axfr_refused() {
    let script = vec![Act::Send(msg(Rtype::AXFR, Rcode::REFUSED, &[]))];
    let addr = tcp_server(vec![script], None).await;
    let e = axfr(addr, &n("example.com."), &opts(2000))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), format!("REFUSED from {addr}"));
}

#[tokio::test]
async fn axfr_idle_timeout_per_message() {
    // Each message arrives within the timeout, the whole transfer takes longer than
    // it: no timeout. Then a stall longer than the timeout: timeout after 2 messages.
    let script = vec![
        Act::Send(ok(&[soa(5)])),
        Act::Stall(Duration::from_millis(250)),
        Act::Send(ok(&[a("a.example.com.", 1)])),
        Act::Stall(Duration::from_millis(250)),
        Act::Send(ok(&[soa(5)])),
    ];
    let addr = tcp_server(vec![script], None).await;
    let out = axfr(addr, &n("example.com."), &opts(400)).await.unwrap();
    assert!(out.stats.duration >= Duration::from_millis(450));

    let script = vec![
        Act::Send(ok(&[soa(5)])),
        Act::Send(ok(&[a("a.example.com.", 1)])),
        Act::Stall(Duration::from_secs(5)),
    ];
    let addr = tcp_server(vec![script], None).await;
    let e = axfr(addr, &n("example.com."), &opts(300))
        .await
        .unwrap_err();
    assert!(matches!(e, XfrError::Timeout { messages: 2, .. }), "{e}");
}

#[tokio::test]
async fn axfr_connection_reset() {
    let script = vec![Act::Send(ok(&[soa(5)])), Act::Reset];
    let addr = tcp_server(vec![script], None).await;
    let e = axfr(addr, &n("example.com."), &opts(2000))
        .await
        .unwrap_err();
    assert!(
        matches!(e, XfrError::Io { .. } | XfrError::Incomplete { .. }),
        "{e}"
    );
}

#[tokio::test]
async fn connection_refused() {
    // Bind and drop to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let e = axfr(addr, &n("example.com."), &opts(2000))
        .await
        .unwrap_err();
    assert!(matches!(e, XfrError::Io { .. }), "{e}");
    assert!(e.to_string().starts_with(&format!("{addr}: ")), "{e}");
}

//----------- IXFR -------------------------------------------------------------------

#[tokio::test]
async fn ixfr_tcp_incremental() {
    let script = vec![Act::Send(ixfr_msg(&[
        soa(5),
        soa(4),
        a("old.example.com.", 1),
        soa(5),
        a("new.example.com.", 2),
        soa(5),
    ]))];
    let addr = tcp_server(vec![script], None).await;
    let out = ixfr(
        addr,
        &n("example.com."),
        4,
        &opts(2000),
        IxfrOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(out.transport, Transport::Tcp);
    let Transfer::Incremental(cs) = out.transfer else {
        panic!()
    };
    assert_eq!(cs[0].added, vec![a("new.example.com.", 2)]);
}

#[tokio::test]
async fn ixfr_udp_lone_soa_retries_over_tcp() {
    let script = vec![Act::Send(ixfr_msg(&[soa(5), soa(4), soa(5), soa(5)]))];
    let addr = tcp_server(vec![script], Some(key())).await;
    udp_server(addr.port(), vec![ixfr_msg(&[soa(5)])], Some(key())).await;
    let mut o = opts(2000);
    o.key = Some(key());
    let ixo = IxfrOptions {
        udp: true,
        fallback: true,
    };
    let out = ixfr(addr, &n("example.com."), 4, &o, ixo).await.unwrap();
    assert_eq!(out.transport, Transport::Tcp);
    assert!(
        out.tcp_retry.as_deref().unwrap_or("").contains("lone SOA"),
        "{out:?}"
    );
    assert!(matches!(out.transfer, Transfer::Incremental(ref c) if c.len() == 1));
}

#[tokio::test]
async fn ixfr_udp_up_to_date_and_complete() {
    let addr = tcp_server(vec![], None).await;
    udp_server(
        addr.port(),
        vec![
            ixfr_msg(&[soa(5)]),
            ixfr_msg(&[soa(6), soa(5), soa(6), a("x.example.com.", 9), soa(6)]),
        ],
        None,
    )
    .await;
    let ixo = IxfrOptions {
        udp: true,
        fallback: false,
    };
    let out = ixfr(addr, &n("example.com."), 5, &opts(2000), ixo)
        .await
        .unwrap();
    assert_eq!(out.transport, Transport::Udp);
    assert_eq!(out.transfer, Transfer::UpToDate(soa(5)));
    let out = ixfr(addr, &n("example.com."), 5, &opts(2000), ixo)
        .await
        .unwrap();
    assert_eq!(out.transport, Transport::Udp);
    assert!(matches!(out.transfer, Transfer::Incremental(_)));
}

#[tokio::test]
async fn ixfr_udp_truncated_retries_over_tcp() {
    let mut tc = ixfr_msg(&[soa(6)]);
    tc[2] |= 0x02;
    let script = vec![Act::Send(ixfr_msg(&[
        soa(6),
        a("a.example.com.", 1),
        soa(6),
    ]))];
    let addr = tcp_server(vec![script], None).await;
    udp_server(addr.port(), vec![tc], None).await;
    let ixo = IxfrOptions {
        udp: true,
        fallback: true,
    };
    let out = ixfr(addr, &n("example.com."), 5, &opts(2000), ixo)
        .await
        .unwrap();
    assert!(out.tcp_retry.as_deref().unwrap_or("").contains("truncated"));
    // AXFR-style answer.
    assert!(matches!(out.transfer, Transfer::Full(ref r) if r.len() == 2));
}

#[tokio::test]
async fn ixfr_notimp_falls_back_to_axfr() {
    let scripts = vec![
        vec![Act::Send(msg(Rtype::IXFR, Rcode::NOTIMP, &[]))],
        vec![Act::Send(ok(&[soa(6), a("a.example.com.", 1), soa(6)]))],
    ];
    let addr = tcp_server(scripts.clone(), None).await;
    let ixo = IxfrOptions {
        udp: false,
        fallback: true,
    };
    let out = ixfr(addr, &n("example.com."), 5, &opts(2000), ixo)
        .await
        .unwrap();
    assert_eq!(
        out.fallback.as_deref(),
        Some(&*format!("NOTIMP from {addr}"))
    );
    assert!(matches!(out.transfer, Transfer::Full(ref r) if r.len() == 2));
    // Without fallback: the NOTIMP is the error.
    let addr = tcp_server(scripts, None).await;
    let e = ixfr(
        addr,
        &n("example.com."),
        5,
        &opts(2000),
        IxfrOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, XfrError::NotImplemented { .. }));
}

#[tokio::test]
async fn ixfr_refused_does_not_fall_back() {
    let scripts = vec![vec![Act::Send(msg(Rtype::IXFR, Rcode::REFUSED, &[]))]];
    let addr = tcp_server(scripts, None).await;
    let ixo = IxfrOptions {
        udp: false,
        fallback: true,
    };
    let e = ixfr(addr, &n("example.com."), 5, &opts(2000), ixo)
        .await
        .unwrap_err();
    assert!(matches!(e, XfrError::Refused { .. }));
}

//----------- SOA query --------------------------------------------------------------

#[tokio::test]
async fn soa_query_udp_then_tcp_on_tc() {
    let mut answer = msg(Rtype::SOA, Rcode::NOERROR, &[soa(9)]);
    answer[2] |= 0x04; // AA
    let mut tc = msg(Rtype::SOA, Rcode::NOERROR, &[]);
    tc[2] |= 0x06;
    let addr = tcp_server(vec![vec![Act::Send(answer.clone())]], None).await;
    udp_server(addr.port(), vec![answer, tc], None).await;
    let got = query_soa(addr, &n("example.com."), &opts(2000))
        .await
        .unwrap();
    assert_eq!((got.serial, got.transport), (9, Transport::Udp));
    let got = query_soa(addr, &n("example.com."), &opts(2000))
        .await
        .unwrap();
    assert_eq!((got.serial, got.transport), (9, Transport::Tcp));
}

#[tokio::test]
async fn soa_query_timeout_counts_attempts() {
    // A UDP socket that never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let started = std::time::Instant::now();
    let e = query_soa(addr, &n("example.com."), &opts(150))
        .await
        .unwrap_err();
    assert!(matches!(e, XfrError::Timeout { .. }), "{e}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    drop(silent);
}
