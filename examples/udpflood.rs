//! A paced UDP query flood from several addresses of one /24, counting what comes
//! back: answers in full, and truncated ones (TC: a rate limiter's slip). The client
//! side of `benches/rrl-bench.sh`.
//!
//! ```text
//! cargo run --release --example udpflood -- SERVER QPS SECONDS [SOURCES] [QNAME] [cookie]
//! ```
//!
//! SOURCES (default 4) sockets bound to 127.0.1.1, 127.0.1.2, … send `QNAME A` (default
//! `www.example.com.`) with EDNS, in steps of one millisecond, at QPS queries a second
//! in total for SECONDS; a thread per socket reads every answer. With `cookie`, each
//! socket first asks once with a client cookie (RFC 7873) and then floods with the
//! client and server cookie the answer carried, as a resolver that has learned the
//! server's cookie does. Prints one line: queries sent and answers received per
//! second (full, truncated), over the whole run.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: udpflood SERVER QPS SECONDS [SOURCES] [QNAME] [cookie]");
        std::process::exit(2);
    }
    let server: SocketAddr = args[1].parse().expect("SERVER: ADDR:PORT");
    let qps: u64 = args[2].parse().expect("QPS");
    let seconds: u64 = args[3].parse().expect("SECONDS");
    let sources: usize = args.get(4).map_or(4, |s| s.parse().expect("SOURCES"));
    let qname = args.get(5).map_or("www.example.com.", String::as_str);
    let with_cookie = args.get(6).is_some_and(|a| a == "cookie");

    let sockets: Vec<Arc<UdpSocket>> = (0..sources)
        .map(|i| {
            let s = UdpSocket::bind(format!("127.0.1.{}:0", i + 1)).expect("bind a source");
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .expect("timeout");
            Arc::new(s)
        })
        .collect();
    let mut queries = Vec::new();
    for (i, s) in sockets.iter().enumerate() {
        s.connect(server).expect("connect");
        let cookie = if with_cookie {
            let client = [0x5a, 0xfe, 0x00, 0x11, 0x22, 0x33, 0x44, i as u8];
            Some(learn_cookie(s, &build_query(qname, Some(&client)), &client))
        } else {
            None
        };
        queries.push(build_query(qname, cookie.as_deref()));
    }

    // The sockets are read by their threads only once the cookies are learned.
    let full = Arc::new(AtomicU64::new(0));
    let truncated = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = sockets
        .iter()
        .map(|s| {
            let (s, full, truncated, done) =
                (s.clone(), full.clone(), truncated.clone(), done.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while !done.load(Ordering::Relaxed) {
                    if let Ok(n) = s.recv(&mut buf)
                        && n >= 12
                    {
                        if buf[2] & 0x02 != 0 {
                            truncated.fetch_add(1, Ordering::Relaxed);
                        } else {
                            full.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        // What should have been sent by now, sent now: the pace holds on average
        // even when a step oversleeps.
        let due = (start.elapsed().as_micros() as u64 * qps) / 1_000_000;
        while sent < due {
            let at = sent as usize % sources;
            queries[at][..2].copy_from_slice(&(sent as u16).to_be_bytes());
            let _ = sockets[at].send(&queries[at]);
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let sending = start.elapsed();
    // Answers still on their way: a bounded wait for the last of them.
    std::thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::Relaxed);
    for r in readers {
        let _ = r.join();
    }
    let secs = sending.as_secs_f64();
    let (f, t) = (
        full.load(Ordering::Relaxed) as f64,
        truncated.load(Ordering::Relaxed) as f64,
    );
    println!(
        "sent {:.0} q/s for {secs:.1} s from {sources} addresses of 127.0.1.0/24; \
         answers {:.1}/s in full, {:.1}/s truncated (TC), {:.1}/s in all",
        sent as f64 / secs,
        f / secs,
        t / secs,
        (f + t) / secs
    );
}

/// Sends `query` (carrying the client cookie `client`) until an answer carries a
/// COOKIE for it (bounded: 50 tries); the option's data (client and server cookie).
fn learn_cookie(s: &UdpSocket, query: &[u8], client: &[u8; 8]) -> Vec<u8> {
    let mut buf = [0u8; 4096];
    for _ in 0..50 {
        let _ = s.send(query);
        if let Ok(n) = s.recv(&mut buf) {
            let answer = &buf[..n];
            // The option: code 10, length 24, the client cookie first.
            if let Some(at) = answer
                .windows(12)
                .position(|w| w[..4] == [0, 10, 0, 24] && w[4..] == client[..])
                && answer.len() >= at + 28
            {
                return answer[at + 4..at + 28].to_vec();
            }
        }
    }
    eprintln!("no cookie learned from the server");
    std::process::exit(1);
}

/// `QNAME A IN` with an OPT of 1232 octets (carrying `cookie` as its COOKIE option
/// when given), ID 0 (set per query).
fn build_query(qname: &str, cookie: Option<&[u8]>) -> Vec<u8> {
    let mut m = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    for label in qname.trim_end_matches('.').split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    // OPT: root, type 41, payload 1232, TTL 0, then its options.
    m.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0]);
    match cookie {
        Some(c) => {
            m.extend_from_slice(&(4 + c.len() as u16).to_be_bytes());
            m.extend_from_slice(&[0, 10]);
            m.extend_from_slice(&(c.len() as u16).to_be_bytes());
            m.extend_from_slice(c);
        }
        None => m.extend_from_slice(&[0, 0]),
    }
    m
}
