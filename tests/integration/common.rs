//! Helpers shared by the integration tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use zonesync::control::ControlResponse;
use zonesync::sync::status::ZoneStatus;
use zonesync::wire::{Header, Message, MessageBuilder, Rcode};
use zonesync::zone::{Class, Name, Record, Rtype};

/// The `zonesync` binary cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zonesync"))
}

/// Runs `zonesync` with `args` and returns its output (no stdin; no `$COLUMNS`, so
/// tables are one line per row whatever the terminal the tests run in).
pub fn zonesync(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("COLUMNS")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("zonesync runs")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

//----------- Waiting ----------------------------------------------------------------

/// A port free for UDP and TCP on 127.0.0.1 right now (bound, then released): for a
/// server whose address another's config must name before it starts.
pub fn free_port() -> u16 {
    for _ in 0..100 {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

/// Writes a file as an editor should: to a temporary name, then renamed over the old
/// one, so that a server never reads half of it.
pub fn write_file(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// How long any single condition may take before a test fails: generous, since it is
/// only ever reached when a test fails (every wait returns as soon as its condition
/// holds), and a loaded machine must not fail a test that would pass.
pub const WAIT: Duration = Duration::from_secs(30);

/// Polls `probe` until it yields a value, at most [`WAIT`]; panics naming `what`
/// (and the last probe's description) when it never does.
pub fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        match probe() {
            Ok(v) => return v,
            Err(last) if Instant::now() >= deadline => {
                panic!("timed out after {WAIT:?} waiting for {what}; last: {last}")
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Checks `probe` again and again for `d`, and panics naming `what` (with the failed
/// probe's description) the first time it fails. For facts that must *stay* true
/// (nothing is deleted, no transfer starts) where no event marks the end of the
/// window: a slow machine can only make such a check pass by luck, never fail it.
pub fn holds_for(what: &str, d: Duration, mut probe: impl FnMut() -> Result<(), String>) {
    let end = Instant::now() + d;
    loop {
        if let Err(e) = probe() {
            panic!("{what} stopped holding: {e}");
        }
        if Instant::now() >= end {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

//----------- Server -----------------------------------------------------------------

/// A running `zonesync serve`. Tests observe it through DNS queries and its control
/// endpoint ([`Server::wait_zone`], [`Server::wait_status`]); its stderr is collected
/// line by line too, for the few facts only the log has (see [`Server::wait_log`]).
/// It is stopped by PID (SIGKILL) when dropped, and waited for.
pub struct Server {
    child: Child,
    /// The first listen address, as logged (port 0 resolved to the chosen port).
    pub addr: SocketAddr,
    /// Its config file: the control commands find the endpoint through it.
    config: PathBuf,
    log: Arc<Log>,
}

/// Why a server did not come up.
#[derive(Debug)]
pub struct Exited {
    /// Its exit code (`None`: killed by a signal, or still running at the deadline).
    pub code: Option<i32>,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

/// Stderr of a server: the text so far, and whether the pipe closed (it exited).
#[derive(Default)]
struct Log {
    state: Mutex<(String, bool)>,
    changed: Condvar,
}

impl Log {
    fn push(&self, line: &str) {
        self.state.lock().unwrap().0.push_str(line);
        self.changed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }

    fn text(&self) -> String {
        self.state.lock().unwrap().0.clone()
    }

    /// Waits (at most `timeout`) until the pipe closes: the process exited.
    fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        while !state.1 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
        true
    }

    /// Waits until `done` holds for the text, or the pipe closed, or `timeout`
    /// passed; returns whether `done` held.
    fn wait(&self, timeout: Duration, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        loop {
            if done(&state.0) {
                return true;
            }
            let now = Instant::now();
            if state.1 || now >= deadline {
                return false;
            }
            state = self.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }
}

/// The address in `listening on UDP and TCP addr=…`, once logged.
fn listen_addr(log: &str) -> Option<SocketAddr> {
    let line = log
        .lines()
        .find(|l| l.contains("listening on UDP and TCP"))?;
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("addr="))?
        .parse()
        .ok()
}

impl Server {
    /// Starts `zonesync serve --config config` and waits until it listens. A config
    /// on port 0 can lose a race for the UDP side of the port TCP picked: then it is
    /// started again (a few times).
    pub fn start(config: &Path) -> Server {
        let mut last = None;
        for _ in 0..5 {
            match Server::try_start(config) {
                Ok(s) => return s,
                Err(e) if e.stderr.contains("cannot listen on") => last = Some(e),
                Err(e) => panic!("zonesync serve did not start: {e:?}"),
            }
        }
        panic!("zonesync serve could not bind: {last:?}");
    }

    /// Starts the server; `Err` with its exit code and stderr when it exits (or does
    /// not listen within [`WAIT`]).
    pub fn try_start(config: &Path) -> Result<Server, Exited> {
        let mut child = Command::new(bin())
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("zonesync serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Log::default());
        let writer = log.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                writer.push(&String::from_utf8_lossy(&line));
                line.clear();
            }
            writer.close();
        });
        log.wait(WAIT, |t| listen_addr(t).is_some());
        match listen_addr(&log.text()) {
            Some(addr) => Ok(Server {
                child,
                addr,
                config: config.to_path_buf(),
                log,
            }),
            None => {
                let code = if log.wait_closed(WAIT) {
                    child.wait().ok().and_then(|s| s.code())
                } else {
                    let _ = child.kill();
                    let _ = child.wait();
                    None
                };
                Err(Exited {
                    code,
                    stderr: log.text(),
                })
            }
        }
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything logged so far.
    pub fn log(&self) -> String {
        self.log.text()
    }

    /// A mark for [`Server::wait_log_since`]: the length of the log now.
    pub fn mark(&self) -> usize {
        self.log.text().len()
    }

    /// `zonesync serve -c CONFIG status --format json`, parsed; `Err` with what went
    /// wrong (the endpoint not up yet, a failed request).
    pub fn status(&self) -> Result<ControlResponse, String> {
        status(&self.config)
    }

    /// Polls the server's status (at most [`WAIT`]) until `done` holds for it, and
    /// returns that status. On timeout it panics naming `what`, with the last status
    /// and the server's log.
    pub fn wait_status(
        &self,
        what: &str,
        done: impl Fn(&ControlResponse) -> bool,
    ) -> ControlResponse {
        let deadline = Instant::now() + WAIT;
        loop {
            let last = match self.status() {
                Ok(r) if done(&r) => return r,
                Ok(r) => serde_json::to_string_pretty(&r).unwrap_or_else(|e| e.to_string()),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {WAIT:?} waiting for {what} (server pid {}, {})\n\
                     --- last status ---\n{last}\n--- log ---\n{}",
                    self.pid(),
                    self.config.display(),
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the status lists `zone` (with or without the final dot) and `done`
    /// holds for it; returns its status. Panics as [`Server::wait_status`] does.
    ///
    /// ```ignore
    /// srv.wait_zone("example.com", |z| z.serial == Some(5) && z.state == State::Ok);
    /// ```
    pub fn wait_zone(&self, zone: &str, done: impl Fn(&ZoneStatus) -> bool) -> ZoneStatus {
        let r = self.wait_status(&format!("a condition on zone {zone}"), |r| {
            zone_status(r, zone).is_some_and(&done)
        });
        zone_status(&r, zone).expect("just found").clone()
    }

    /// Waits until the status no longer lists `zone`.
    pub fn wait_zone_gone(&self, zone: &str) {
        self.wait_status(&format!("zone {zone} to be gone"), |r| {
            zone_status(r, zone).is_none()
        });
    }

    /// Waits until a log line contains every one of `needles`; returns that line.
    ///
    /// For facts only the log has (how a zone was transferred, a warning that is
    /// itself the behaviour under test). Anything the status has (serial, state, last
    /// error, which zones exist) is waited for with [`Server::wait_zone`] or
    /// [`Server::wait_status`] instead.
    pub fn wait_log(&self, needles: &[&str]) -> String {
        self.wait_log_since(0, needles)
    }

    /// Like [`Server::wait_log`], for lines logged after `mark`.
    pub fn wait_log_since(&self, mark: usize, needles: &[&str]) -> String {
        let find = |t: &str| {
            t.get(mark..)
                .unwrap_or("")
                .lines()
                .find(|l| needles.iter().all(|n| l.contains(n)))
                .map(str::to_string)
        };
        if !self.log.wait(WAIT, |t| find(t).is_some()) {
            panic!(
                "no log line with {needles:?} within {WAIT:?}; log:\n{}",
                self.log()
            );
        }
        find(&self.log.text()).expect("just found")
    }

    /// Sends a signal (`HUP`, `TERM`, …) to the server, by PID.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -s {name} {}", self.pid());
    }

    /// SIGTERM, then waits (bounded) for the exit; returns the exit code.
    pub fn stop(mut self) -> Option<i32> {
        self.signal("TERM");
        if !self.log.wait_closed(WAIT) {
            panic!("server did not stop on SIGTERM; log:\n{}", self.log());
        }
        self.child.wait().expect("wait for the server").code()
    }

    /// [`Server::stop`], and everything it logged until it exited.
    pub fn stop_and_log(self) -> (Option<i32>, String) {
        let log = self.log.clone();
        let code = self.stop();
        (code, log.text())
    }

    /// SIGKILL (no chance to clean up), and waits for it.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if thread::panicking() {
            eprintln!(
                "--- zonesync serve log (pid {}) ---\n{}",
                self.pid(),
                self.log()
            );
        }
    }
}

//----------- Status ----------------------------------------------------------------

/// `zonesync serve -c CONFIG status --format json` for the server running with
/// `config`, parsed; `Err` with what went wrong.
pub fn status(config: &Path) -> Result<ControlResponse, String> {
    let config = config.to_str().expect("a UTF-8 path");
    let out = zonesync(&["serve", "-c", config, "status", "--format", "json"]);
    if !out.status.success() {
        return Err(format!(
            "status exited {:?}: {}{}",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("status is not JSON ({e}): {}", stdout(&out)))
}

/// The status of `zone` (with or without the final dot, any case) in `r`.
pub fn zone_status<'a>(r: &'a ControlResponse, zone: &str) -> Option<&'a ZoneStatus> {
    let want = zone.trim_end_matches('.').to_ascii_lowercase();
    r.zones
        .iter()
        .find(|z| z.zone.trim_end_matches('.').to_ascii_lowercase() == want)
        .map(|z| &z.status)
}

//----------- DNS exchanges ----------------------------------------------------------

/// A name from text.
pub fn name(s: &str) -> Name {
    s.parse().expect("a valid name")
}

/// An answer, parsed: header, extended RCODE, question and sections (OPT and TSIG
/// stay in `additional`).
#[derive(Debug)]
pub struct Answer {
    /// The raw message.
    pub bytes: Vec<u8>,
    /// Its header.
    pub header: Header,
    /// RCODE, extended by OPT.
    pub rcode: Rcode,
    /// The question echoed.
    pub question: Option<(Name, Rtype)>,
    /// ANSWER.
    pub answer: Vec<Record>,
    /// AUTHORITY.
    pub authority: Vec<Record>,
    /// ADDITIONAL.
    pub additional: Vec<Record>,
    /// The OPT's UDP payload size, when there is an OPT.
    pub edns: Option<u16>,
}

impl Answer {
    /// Parses a message; panics when it is not one.
    pub fn parse(bytes: Vec<u8>) -> Answer {
        let m = Message::parse(&bytes).unwrap_or_else(|e| panic!("unparsable answer: {e}"));
        let all = |it: zonesync::wire::RecordIter<'_>| -> Vec<Record> {
            it.map(|r| r.expect("a readable record")).collect()
        };
        Answer {
            header: *m.header(),
            rcode: m.rcode(),
            question: m.question().map(|q| (q.name.clone(), q.qtype)),
            answer: all(m.answers()),
            authority: all(m.authority()),
            additional: all(m.additional()),
            edns: m.edns_udp_size(),
            bytes: bytes.clone(),
        }
    }

    /// `owner TYPE` of each record of `section`, owners lower-cased.
    pub fn names(section: &[Record]) -> Vec<String> {
        section
            .iter()
            .map(|r| format!("{} {}", r.owner.to_lowercase(), r.rtype))
            .collect()
    }
}

/// A query message: one question, RD clear, and an OPT (version 0) advertising
/// `edns` octets when given.
pub fn query(id: u16, qname: &str, qtype: Rtype, edns: Option<u16>) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        Header {
            id,
            ..Header::default()
        },
        512,
    );
    b.question(&name(qname), qtype, Class::IN).unwrap();
    if let Some(size) = edns {
        b.push_opt(size, Rcode::NOERROR, false).unwrap();
    }
    b.finish()
}

/// Sends `msg` over UDP and returns the answer with the same ID (3 attempts of one
/// second each), or `None`.
pub fn try_udp(server: SocketAddr, msg: &[u8]) -> Option<Vec<u8>> {
    let sock = UdpSocket::bind((server.ip(), 0)).expect("bind a UDP socket");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = vec![0u8; 65_535];
    for _ in 0..3 {
        sock.send_to(msg, server).ok()?;
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if let Ok((len, from)) = sock.recv_from(&mut buf)
                && from == server
                && len >= 2
                && buf[..2] == msg[..2]
            {
                return Some(buf[..len].to_vec());
            }
        }
    }
    None
}

/// Like [`try_udp`], panicking when nothing comes back.
pub fn exchange_udp(server: SocketAddr, msg: &[u8]) -> Vec<u8> {
    try_udp(server, msg).unwrap_or_else(|| panic!("no UDP answer from {server}"))
}

/// A TCP connection to `server` with bounded waits.
pub fn tcp_connect(server: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&server, Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("connect to {server}: {e}"));
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    s
}

/// Writes one length-prefixed message.
pub fn write_frame(s: &mut TcpStream, msg: &[u8]) {
    let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(msg);
    s.write_all(&framed).expect("TCP write");
}

/// Reads one length-prefixed message.
pub fn read_frame(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len)?;
    let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut msg)?;
    Ok(msg)
}

/// One query over a new TCP connection; its one answer.
pub fn exchange_tcp(server: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let mut s = tcp_connect(server);
    write_frame(&mut s, msg);
    read_frame(&mut s).unwrap_or_else(|e| panic!("no TCP answer from {server}: {e}"))
}

/// Asks `qname qtype` over UDP with EDNS.
pub fn ask(server: SocketAddr, qname: &str, qtype: Rtype) -> Answer {
    let id = zonesync::wire::random_id();
    Answer::parse(exchange_udp(server, &query(id, qname, qtype, Some(1232))))
}

/// The SOA serial `server` answers for `zone`, or what it said instead.
pub fn serial(server: SocketAddr, zone: &str) -> Result<u32, String> {
    let id = zonesync::wire::random_id();
    let Some(bytes) = try_udp(server, &query(id, zone, Rtype::SOA, Some(1232))) else {
        return Err("no answer".into());
    };
    let a = Answer::parse(bytes);
    if a.rcode != Rcode::NOERROR {
        return Err(a.rcode.to_string());
    }
    a.answer
        .iter()
        .find(|r| r.rtype == Rtype::SOA)
        .and_then(|r| zonesync::zone::soa::serial_of(&r.rdata).ok())
        .ok_or_else(|| "no SOA in the answer".to_string())
}

/// Waits until `server` serves `zone` with serial `want`.
pub fn wait_serial(server: SocketAddr, zone: &str, want: u32) {
    wait_until(
        &format!("{zone} serial {want} at {server}"),
        || match serial(server, zone) {
            Ok(s) if s == want => Ok(()),
            other => Err(format!("{other:?}")),
        },
    )
}

/// Waits until `server` answers an SOA query for `zone` with `rcode`.
pub fn wait_rcode(server: SocketAddr, zone: &str, rcode: Rcode) {
    wait_until(
        &format!("{zone} SOA answered {rcode} at {server}"),
        || match serial(server, zone) {
            Err(e) if e == rcode.to_string() => Ok(()),
            other => Err(format!("{other:?}")),
        },
    )
}
