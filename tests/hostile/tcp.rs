//! `zonesync serve` under hostile TCP clients (RFC 7766 §6.2.3): a thousand
//! slowloris connections, idle and churning connection floods, and transfer readers
//! that stop reading (twelve of them, over the `transfers-out` limit), with the
//! bound on the wait for a `transfers-out` slot. Real server processes on loopback;
//! every server is stopped by PID when dropped.
//!
//! (Moved here from the integration target, grown to the sizes issue 13 names.)

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::wire::Rcode;
use zonesync::zone::Rtype;

use crate::common::{
    Answer, Server, bin, query, read_frame, tcp_connect, wait_serial, write_frame,
};
use crate::{Probe, probe, raise_nofile, summary};

const ZONE: &str = "example.com.";

//----------- Environment ------------------------------------------------------------

/// A temp folder with `example.com` (serial 1, `body` added) and a config whose
/// `limits:` are `limits` and whose transfers are open to 127.0.0.1.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(limits: &str, body: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let zone = format!(
            "$ORIGIN example.com.\n$TTL 3600\n\
             @ SOA ns1.example.net. hostmaster.example.com. 1 3600 600 86400 300\n\
             @ NS ns1.example.net.\n\
             www A 192.0.2.80\n{body}"
        );
        std::fs::write(dir.path().join("example.com.zone"), zone).unwrap();
        let config = format!(
            "listen: [\"127.0.0.1:0\"]\n\
             state-dir: state\n\
             limits: {limits}\n\
             zones:\n  - name: example.com\n    file: example.com.zone\n    \
             allow-transfer: [ {{ address: 127.0.0.1/32 }} ]\n"
        );
        std::fs::write(dir.path().join("config.yaml"), config).unwrap();
        Env { dir }
    }

    /// With `n` TXT records of 200 octets each: a zone too big for the socket
    /// buffers, so a transfer to a reader that stops reading blocks.
    fn big(limits: &str, n: usize) -> Env {
        let mut body = String::with_capacity(n * 230);
        let filler = "y".repeat(200);
        for i in 0..n {
            body.push_str(&format!("host-{i} TXT \"{filler}\"\n"));
        }
        Env::new(limits, &body)
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.yaml")
    }

    fn start(&self) -> Server {
        let srv = Server::start(&self.config());
        wait_serial(srv.addr, ZONE, 1);
        srv
    }
}

/// Sets a flag when dropped: attack threads stop when their test ends, passed or not.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Probes `server` every 250 ms for `d` (each probe within the 1 s limit).
fn probes_for(server: SocketAddr, d: Duration) -> Vec<Probe> {
    let end = Instant::now() + d;
    let mut out = Vec::new();
    while Instant::now() < end {
        out.push(probe(server, ZONE));
        thread::sleep(Duration::from_millis(250));
    }
    out
}

/// Whether the server closed `s` (non-blocking read: end of stream or an error).
fn is_closed(mut s: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match s.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    }
}

/// Waits (until `deadline`) for the server to close `s`: a read returns 0 or fails
/// with anything but a timeout. Data the server sent first is skipped.
fn closed_by(mut s: &TcpStream, deadline: Instant) -> Result<(), String> {
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("still open".into());
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err("still open".into());
            }
            Err(_) => return Ok(()),
        }
    }
}

/// An AXFR request on a new connection with a 4 KiB receive window, so that the
/// server's writes block soon once nobody reads.
fn stalled_reader(server: SocketAddr, id: u16) -> TcpStream {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.set_recv_buffer_size(4096).unwrap();
    s.connect_timeout(&server.into(), Duration::from_secs(2))
        .unwrap();
    let mut s: TcpStream = s.into();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write_frame(&mut s, &query(id, ZONE, Rtype::AXFR, None));
    s
}

/// Waits until the transfer on `s` has begun (it holds a `transfers-out` slot): its
/// first octet arrived; `peek` leaves it unread.
fn transfer_began(s: &TcpStream) {
    let mut one = [0u8; 1];
    assert_eq!(s.peek(&mut one).expect("the transfer starts"), 1);
}

/// Runs `zonesync ARGS` to completion (at most `limit`); returns how long it took,
/// panicking with its stderr when it fails or overruns.
fn run_client(args: &[&str], limit: Duration) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(bin())
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zonesync starts");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status =
        status.unwrap_or_else(|| panic!("zonesync {} still running after {limit:?}", args[0]));
    assert!(status.success(), "zonesync {} failed: {err}", args[0]);
    took
}

//----------- Slowloris ----------------------------------------------------------------

/// 1,000 connections (the default `tcp-connections`) send a message one octet at a
/// time, one octet per connection per second, and reconnect whenever the server
/// closes one: with the default limits a new TCP client is answered within 1 s all
/// along, and UDP too.
#[test]
fn a_thousand_slowloris_connections_do_not_lock_out_a_new_client() {
    raise_nofile();
    let env = Env::new("{}", "");
    let srv = env.start();
    const N: usize = 1000;

    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    let held = Arc::new(AtomicUsize::new(0));
    let reconnects = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(AtomicBool::new(false));
    let attack = {
        let (stop, held, reconnects, ready) = (
            stop.clone(),
            held.clone(),
            reconnects.clone(),
            ready.clone(),
        );
        let addr = srv.addr;
        thread::spawn(move || {
            // A length prefix of 0x7fff, then octets: the message never completes.
            let open = |addr| -> Option<TcpStream> {
                let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
                s.write_all(&[0x7f]).ok()?;
                s.set_nonblocking(true).ok()?;
                Some(s)
            };
            let mut conns: Vec<Option<TcpStream>> = (0..N).map(|_| open(addr)).collect();
            ready.store(true, Ordering::Relaxed);
            // At most 60 rounds, whatever happens to the test.
            for _ in 0..60 {
                let round = Instant::now();
                for c in conns.iter_mut() {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let alive = match c {
                        Some(s) => !is_closed(s) && s.write_all(b"x").is_ok(),
                        None => false,
                    };
                    if !alive {
                        *c = open(addr);
                        reconnects.fetch_add(1, Ordering::Relaxed);
                    }
                }
                held.store(
                    conns.iter().filter(|c| c.is_some()).count(),
                    Ordering::Relaxed,
                );
                // The attack's pace: one octet per connection per second.
                thread::sleep(Duration::from_secs(1).saturating_sub(round.elapsed()));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready.load(Ordering::Relaxed) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        ready.load(Ordering::Relaxed),
        "the slowloris connections did not open"
    );

    // Past the default tcp-message-timeout (5 s): the server closes them, the attack
    // opens them again.
    let probes = probes_for(srv.addr, Duration::from_secs(7));
    let held_now = held.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    attack.join().unwrap();
    assert!(
        held_now >= N * 9 / 10,
        "the attack held only {held_now} connections"
    );
    println!(
        "slowloris: {held_now} of {N} connections held, {} reconnects; new TCP clients \
         and UDP: {}",
        reconnects.load(Ordering::Relaxed),
        summary(&probes)
    );
}

/// 50 idle connections at the limit of 50: a new client is answered at once, and the
/// idlest (the first) is the one closed for it.
#[test]
fn an_idle_flood_at_the_limit_admits_a_new_client() {
    let env = Env::new("{ tcp-connections: 50, tcp-idle-timeout: 30s }", "");
    let srv = env.start();

    let idle: Vec<TcpStream> = (0..50).map(|_| tcp_connect(srv.addr)).collect();
    // The server accepts in order: all 50 hold a place before the next one comes.
    let p = probe(srv.addr, ZONE);
    closed_by(&idle[0], Instant::now() + Duration::from_secs(2))
        .expect("the idlest connection closed to make room");
    // The others keep their places (the idle timeout is 30 s).
    assert!(closed_by(&idle[49], Instant::now() + Duration::from_millis(200)).is_err());
    println!("idle flood at the limit (50): {p:?}");
}

/// Four threads open connections at [`CHURN_RATE`] in all and close them at once
/// (half after a garbage message, half with a reset): probes are answered within
/// 1 s. (Unpaced, the rate is whatever the machine gives the attack; paced, the
/// figure means the same on every run.)
/// Connections per second of the churn flood, all threads together.
const CHURN_RATE: u32 = 2000;

#[test]
fn a_connection_churn_flood_leaves_probes_answered() {
    let env = Env::new("{}", "");
    let srv = env.start();
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    let opened = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (stop, opened, addr) = (stop.clone(), opened.clone(), srv.addr);
            thread::spawn(move || {
                let started = Instant::now();
                let end = started + Duration::from_secs(30);
                let every = Duration::from_secs(4) / CHURN_RATE;
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                    i += 1;
                    // The flood's pace.
                    let next = started + every * i as u32;
                    thread::sleep(next.saturating_duration_since(Instant::now()));
                    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(500))
                    else {
                        continue;
                    };
                    opened.fetch_add(1, Ordering::Relaxed);
                    if (i + t).is_multiple_of(2) {
                        // A frame of garbage (not even a header).
                        let _ = s.write_all(&[0, 3, 0xde, 0xad, 0xbe]);
                    } else {
                        let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    let probes = probes_for(srv.addr, Duration::from_secs(4));
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let n = opened.load(Ordering::Relaxed);
    println!(
        "connection churn: {n} connections in {elapsed:?} ({:.0}/s); {}",
        n as f64 / elapsed.as_secs_f64(),
        summary(&probes)
    );
}

//----------- Readers that stop reading -------------------------------------------------

/// Twelve AXFR clients of a zone too big for the socket buffers stop reading: ten
/// hold the `transfers-out` slots (the default), two wait. Each loses its slot once a
/// write runs past `write-timeout` (3 s), so a thirteenth `zonesync axfr`, asked
/// while all ten are held, completes within `write-timeout` + 2 s; probes are
/// answered meanwhile.
#[test]
fn twelve_stalled_readers_do_not_block_a_thirteenth_transfer() {
    const N: usize = 50_000;
    let env = Env::big("{ write-timeout: 3s }", N);
    let srv = env.start();

    let stalled: Vec<TcpStream> = (0..12).map(|i| stalled_reader(srv.addr, 100 + i)).collect();
    // Which ten get the slots is the server's choice (the requests race for them):
    // wait until ten transfers have begun, and check the other two wait.
    let began = || -> usize {
        stalled
            .iter()
            .filter(|s| {
                s.set_nonblocking(true).unwrap();
                let mut one = [0u8; 1];
                let r = s.peek(&mut one);
                s.set_nonblocking(false).unwrap();
                matches!(r, Ok(1))
            })
            .count()
    };
    crate::common::wait_until("ten transfers to begin", || match began() {
        10 => Ok(()),
        n => Err(format!("{n} began")),
    });
    let p = probe(srv.addr, ZONE);
    assert_eq!(began(), 10, "a slot came free before the thirteenth asked");

    let out_file = env.dir.path().join("out.zone");
    let server = srv.addr.to_string();
    let limit = Duration::from_secs(5);
    let took = run_client(
        &[
            "axfr",
            "example.com",
            "-s",
            &server,
            "-o",
            out_file.to_str().unwrap(),
        ],
        Duration::from_secs(30),
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(
        text.lines().count(),
        N + 3,
        "SOA, NS, www and {N} TXT records"
    );
    srv.wait_log(&["AXFR-out, failed", "write-timeout"]);
    let after = probe(srv.addr, ZONE);
    println!(
        "12 stalled AXFR readers (transfers-out 10, write-timeout 3s): the 13th AXFR \
         ({N} records, {} bytes as text) completed in {took:?}; probes {p:?}, {after:?}",
        text.len()
    );
    assert!(
        took <= limit,
        "the 13th transfer took {took:?} (limit {limit:?})"
    );
    drop(stalled);
}

/// As above with a long `write-timeout`: `max-transfer-time-out` (2 s) ends the
/// stalled transfers instead. The third client asks an IXFR from the current serial
/// (the lone SOA, through a `transfers-out` slot too), so that its own transfer is
/// far within the 2 s on a loaded machine.
#[test]
fn max_transfer_time_out_ends_a_stalled_transfer() {
    let env = Env::big(
        "{ transfers-out: 2, write-timeout: 1m, max-transfer-time-out: 2s }",
        50_000,
    );
    let srv = env.start();
    let stalled: Vec<TcpStream> = (0..2).map(|i| stalled_reader(srv.addr, 100 + i)).collect();
    for s in &stalled {
        transfer_began(s);
    }
    let server = srv.addr.to_string();
    let took = run_client(
        &["ixfr", "example.com", "-s", &server, "--serial", "1"],
        Duration::from_secs(8),
    );
    srv.wait_log(&["AXFR-out, failed", "max-transfer-time-out"]);
    println!("max-transfer-time-out 2s: the third transfer completed after {took:?}");
    drop(stalled);
}

/// The wait for a `transfers-out` slot is bounded: with the one slot held by a
/// reader that reads slowly but steadily (no write runs past `write-timeout`), a
/// second AXFR request is answered SERVFAIL once `write-timeout` (2 s) has passed, as
/// BIND answers a transfer over its quota; queries are answered meanwhile.
#[test]
fn a_transfer_waits_for_a_slot_at_most_write_timeout_then_servfail() {
    let env = Env::big("{ transfers-out: 1, write-timeout: 2s }", 50_000);
    let srv = env.start();

    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    let mut slow = tcp_connect(srv.addr);
    write_frame(&mut slow, &query(100, ZONE, Rtype::AXFR, None));
    transfer_began(&slow);
    let reader = {
        let stop = stop.clone();
        thread::spawn(move || {
            // 64 KiB every 100 ms: far slower than the server writes (the zone takes
            // 20 s), never stalled for a whole write-timeout. At most 30 s, whatever
            // happens to the test.
            let mut buf = vec![0u8; 64 * 1024];
            for _ in 0..300 {
                if stop.load(Ordering::Relaxed) || matches!(slow.read(&mut buf), Ok(0) | Err(_)) {
                    return;
                }
                thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let started = Instant::now();
    let mut s = tcp_connect(srv.addr);
    write_frame(&mut s, &query(4242, ZONE, Rtype::AXFR, Some(1232)));
    let p = probe(srv.addr, ZONE);
    let a = Answer::parse(read_frame(&mut s).expect("an answer"));
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert_eq!(a.header.id, 4242);
    assert_eq!(a.question, Some((crate::common::name(ZONE), Rtype::AXFR)));
    assert!(a.answer.is_empty());
    assert_eq!(
        a.edns,
        Some(zonesync::wire::EDNS_UDP_SIZE),
        "an OPT answers the OPT"
    );
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "SERVFAIL after {took:?}"
    );
    srv.wait_log(&["AXFR-out denied", "transfers-out"]);
    println!("transfers-out busy: SERVFAIL after {took:?} (write-timeout 2s); probe {p:?}");
}
