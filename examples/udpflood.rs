//! A paced UDP query flood from several addresses of one /24, counting what comes
//! back: answers in full, and truncated ones (TC: a rate limiter's slip). The client
//! side of `benches/rrl-bench.sh`.
//!
//! ```text
//! cargo run --release --example udpflood -- SERVER QPS SECONDS [SOURCES] [QNAME]
//! ```
//!
//! SOURCES (default 4) sockets bound to 127.0.1.1, 127.0.1.2, … send `QNAME A` (default
//! `www.example.com.`) with EDNS, in steps of one millisecond, at QPS queries a second
//! in total for SECONDS; a second thread reads every answer. Prints one line: queries
//! sent and answers received per second (full, truncated), over the whole run.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: udpflood SERVER QPS SECONDS [SOURCES] [QNAME]");
        std::process::exit(2);
    }
    let server: SocketAddr = args[1].parse().expect("SERVER: ADDR:PORT");
    let qps: u64 = args[2].parse().expect("QPS");
    let seconds: u64 = args[3].parse().expect("SECONDS");
    let sources: usize = args.get(4).map_or(4, |s| s.parse().expect("SOURCES"));
    let qname = args.get(5).map_or("www.example.com.", String::as_str);

    let query = build_query(qname);
    let sockets: Vec<Arc<UdpSocket>> = (0..sources)
        .map(|i| {
            let s = UdpSocket::bind(format!("127.0.1.{}:0", i + 1)).expect("bind a source");
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .expect("timeout");
            Arc::new(s)
        })
        .collect();
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
    for s in &sockets {
        s.connect(server).expect("connect");
    }

    let start = Instant::now();
    let mut sent = 0u64;
    let mut msg = query.clone();
    while start.elapsed() < Duration::from_secs(seconds) {
        // What should have been sent by now, sent now: the pace holds on average
        // even when a step oversleeps.
        let due = (start.elapsed().as_micros() as u64 * qps) / 1_000_000;
        while sent < due {
            msg[..2].copy_from_slice(&(sent as u16).to_be_bytes());
            let s = &sockets[sent as usize % sources];
            let _ = s.send(&msg);
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

/// `QNAME A IN` with an OPT of 1232 octets, ID 0 (set per query).
fn build_query(qname: &str) -> Vec<u8> {
    let mut m = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    for label in qname.trim_end_matches('.').split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    // OPT: root, type 41, payload 1232, TTL 0, no options.
    m.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
    m
}
