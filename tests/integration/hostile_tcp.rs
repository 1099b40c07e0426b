//! `zonesync serve` under hostile TCP clients (issue 13, RFC 7766 §6.2.3): a
//! slowloris flood, an idle flood at the connection limit, and transfer clients that
//! stop reading. Real server processes on loopback; every wait is bounded, none is a
//! sleep standing in for a condition (the slowloris thread's 300 ms pace is the
//! attack itself). Every server is stopped by PID when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::wire::Rcode;
use zonesync::zone::Rtype;

use crate::common::{
    Answer, Server, bin, query, read_frame, tcp_connect, wait_serial, write_frame,
};

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

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.yaml")
    }

    fn start(&self) -> Server {
        let srv = Server::start(&self.config());
        wait_serial(srv.addr, "example.com.", 1);
        srv
    }
}

/// One SOA query over a new TCP connection, whose answer must come within `within`.
fn answered_within(server: SocketAddr, within: Duration) -> Duration {
    let started = Instant::now();
    let mut s = tcp_connect(server);
    s.set_read_timeout(Some(within)).unwrap();
    write_frame(&mut s, &query(4242, "example.com.", Rtype::SOA, None));
    let bytes = read_frame(&mut s).unwrap_or_else(|e| {
        panic!(
            "no TCP answer within {within:?} (after {:?}): {e}",
            started.elapsed()
        )
    });
    let a = Answer::parse(bytes);
    assert_eq!(a.header.id, 4242);
    assert_eq!(a.rcode, Rcode::NOERROR);
    started.elapsed()
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

//----------- Tests ------------------------------------------------------------------

/// 50 clients at the limit of 50 trickle a message one octet every 300 ms: a new
/// client is answered at once, and the trickling ones are closed once
/// `tcp-message-timeout` (1 s) after their first octet, however often they write.
#[test]
fn slowloris_is_cut_off_and_a_new_client_served() {
    let env = Env::new("{ tcp-connections: 50, tcp-message-timeout: 1s }", "");
    let srv = env.start();

    let started = Instant::now();
    let slow: Arc<Vec<TcpStream>> = Arc::new(
        (0..50)
            .map(|_| {
                let mut s = tcp_connect(srv.addr);
                // A length prefix of 0x7fff: the message never completes.
                s.write_all(&[0x7f]).unwrap();
                s
            })
            .collect(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let trickle = {
        let (slow, stop) = (slow.clone(), stop.clone());
        thread::spawn(move || {
            let mut byte = 0xffu8;
            // At most 20 rounds (6 s), whatever happens to the test.
            for _ in 0..20 {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                thread::sleep(Duration::from_millis(300));
                for mut s in slow.iter() {
                    // Fails once the server closed it: that is expected.
                    let _ = s.write_all(&[byte]);
                }
                byte = b'x';
            }
        })
    };

    let took = answered_within(srv.addr, Duration::from_secs(1));
    assert!(took < Duration::from_secs(1), "answered after {took:?}");

    // Closed once the 1 s message deadline passes, not kept alive by the trickle
    // (before: the 10 s idle timer restarted on every octet).
    let deadline = started + Duration::from_secs(4);
    let still_open: Vec<usize> = slow
        .iter()
        .enumerate()
        .filter(|(_, s)| closed_by(s, deadline).is_err())
        .map(|(i, _)| i)
        .collect();
    stop.store(true, Ordering::Relaxed);
    trickle.join().unwrap();
    assert!(
        still_open.is_empty(),
        "slow connections still open: {still_open:?}"
    );
    // And the server still answers.
    answered_within(srv.addr, Duration::from_secs(1));
}

/// 50 idle connections at the limit of 50: a new client is answered at once, and the
/// idlest (the first) is the one closed for it.
#[test]
fn idle_flood_at_the_limit_admits_a_new_client() {
    let env = Env::new("{ tcp-connections: 50, tcp-idle-timeout: 30s }", "");
    let srv = env.start();

    let idle: Vec<TcpStream> = (0..50).map(|_| tcp_connect(srv.addr)).collect();
    // The server accepts in order: all 50 hold a place before the next one comes.
    let took = answered_within(srv.addr, Duration::from_secs(1));
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
    closed_by(&idle[0], Instant::now() + Duration::from_secs(2))
        .expect("the idlest connection closed to make room");
    // The others keep their places (the idle timeout is 30 s).
    assert!(closed_by(&idle[49], Instant::now() + Duration::from_millis(200)).is_err());
}

/// Two AXFR clients of a zone too big for the socket buffers stop reading and hold
/// both `transfers-out` places; after `write-timeout` (1 s) they lose them, and a
/// third `zonesync axfr` completes.
#[test]
fn stalled_transfer_readers_give_their_slots_back() {
    stalled_readers(
        "{ transfers-out: 2, write-timeout: 1s }",
        "write-timeout",
        true,
    );
}

/// As above, with a long `write-timeout`: `max-transfer-time-out` (2 s) ends the
/// stalled transfers instead. The third client asks an IXFR from the current serial
/// (the lone SOA, through a `transfers-out` place too), so that its own transfer is
/// far within the 2 s on a loaded machine.
#[test]
fn max_transfer_time_out_ends_a_stalled_transfer() {
    stalled_readers(
        "{ transfers-out: 2, write-timeout: 1m, max-transfer-time-out: 2s }",
        "max-transfer-time-out",
        false,
    );
}

/// Two stalled AXFR readers, then a third client that must complete: `zonesync axfr`
/// of the whole zone (`axfr`), or `zonesync ixfr --serial 1` (up to date); the log
/// names `why` the stalled transfers ended.
fn stalled_readers(limits: &str, why: &str, axfr: bool) {
    const N: usize = 50_000;
    let mut body = String::with_capacity(N * 230);
    let filler = "y".repeat(200);
    for i in 0..N {
        body.push_str(&format!("host-{i} TXT \"{filler}\"\n"));
    }
    let env = Env::new(limits, &body);
    let srv = env.start();

    let stalled: Vec<TcpStream> = (0..2)
        .map(|i| {
            let s =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            // A small receive window: the server's writes block soon.
            s.set_recv_buffer_size(4096).unwrap();
            s.connect_timeout(&srv.addr.into(), Duration::from_secs(2))
                .unwrap();
            let mut s: TcpStream = s.into();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            write_frame(&mut s, &query(100 + i, "example.com.", Rtype::AXFR, None));
            // The transfer runs (holds its place) once its first octets arrive; peek
            // leaves them unread.
            let mut one = [0u8; 1];
            assert_eq!(s.peek(&mut one).expect("the transfer starts"), 1);
            s
        })
        .collect();

    let started = Instant::now();
    let out_file = env.dir.path().join("out.zone");
    let server = srv.addr.to_string();
    let args: Vec<&str> = if axfr {
        vec![
            "axfr",
            "example.com",
            "-s",
            &server,
            "-o",
            out_file.to_str().unwrap(),
        ]
    } else {
        vec!["ixfr", "example.com", "-s", &server, "--serial", "1"]
    };
    let mut child = Command::new(bin())
        .args(&args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zonesync axfr starts");
    let limit = Duration::from_secs(8);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status =
        status.unwrap_or_else(|| panic!("zonesync {} still waiting after {limit:?}", args[0]));
    assert!(status.success(), "zonesync {} failed: {err}", args[0]);
    if axfr {
        let text = std::fs::read_to_string(&out_file).unwrap();
        assert_eq!(
            text.lines().count(),
            N + 3,
            "SOA, NS, www and {N} TXT records"
        );
    }
    srv.wait_log(&["AXFR-out, failed", why]);
    drop(stalled);
}
