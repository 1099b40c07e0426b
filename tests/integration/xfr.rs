//! `zonesync axfr`, `ixfr` and `notify` against scripted servers in this process
//! (std listeners on 127.0.0.1 port 0, one thread each): exit codes, the one-line
//! errors, `-o` atomicity, JSON that parses.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::thread;
use std::time::Duration;

use zonesync::wire::{FLAG_AA, FLAG_QR, Header, MessageBuilder, Opcode, Rcode, Section};
use zonesync::zone::{Class, Name, Rdata, Record, Rtype};

use crate::common::{stderr, stdout, zonesync};

//----------- Scripted servers --------------------------------------------------------

#[derive(Clone)]
enum Act {
    Send(Vec<u8>),
    Stall(Duration),
}

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn soa(serial: u32) -> Record {
    let mut rd = Vec::new();
    rd.extend_from_slice(n("ns.example.com.").as_wire());
    rd.extend_from_slice(n("hostmaster.example.com.").as_wire());
    for v in [serial, 3600, 600, 86400, 300] {
        rd.extend_from_slice(&v.to_be_bytes());
    }
    Record::new(
        n("example.com."),
        Class::IN,
        Rtype::SOA,
        3600,
        Rdata::from_wire(rd),
    )
}

fn a(owner: &str, last: u8) -> Record {
    Record::new(
        n(owner),
        Class::IN,
        Rtype::A,
        300,
        Rdata::from_wire(vec![192, 0, 2, last]),
    )
}

fn msg(qtype: Rtype, rcode: Rcode, records: &[Record]) -> Vec<u8> {
    let mut h = Header {
        flags: FLAG_QR | FLAG_AA,
        ..Default::default()
    };
    h.set_rcode(rcode);
    let mut b = MessageBuilder::new(h, 65535);
    b.question(&n("example.com."), qtype, Class::IN).unwrap();
    for r in records {
        b.push(Section::Answer, r).unwrap();
    }
    b.finish()
}

/// A TCP server answering connection `i` with `scripts[i]` (IDs patched to the
/// query's), then closing.
fn tcp_server(scripts: Vec<Vec<Act>>) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        for script in scripts {
            let Ok((mut s, _)) = l.accept() else { return };
            let mut len = [0u8; 2];
            if s.read_exact(&mut len).is_err() {
                continue;
            }
            let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
            if s.read_exact(&mut q).is_err() {
                continue;
            }
            for act in script {
                match act {
                    Act::Send(mut m) => {
                        m[0..2].copy_from_slice(&q[0..2]);
                        let mut framed = (m.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&m);
                        if s.write_all(&framed).is_err() {
                            break;
                        }
                    }
                    Act::Stall(d) => thread::sleep(d),
                }
            }
        }
    });
    addr
}

fn axfr_zone() -> Vec<Act> {
    vec![
        Act::Send(msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[soa(7), a("a.example.com.", 1)],
        )),
        Act::Send(msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[a("b.example.com.", 2), soa(7)],
        )),
    ]
}

fn server_arg(addr: SocketAddr) -> String {
    addr.to_string()
}

//----------- axfr -------------------------------------------------------------------

#[test]
fn axfr_prints_zone_and_summary() {
    let addr = tcp_server(vec![axfr_zone()]);
    let out = zonesync(&["axfr", "example.com", "-s", &server_arg(addr)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0]
            .starts_with("example.com.\t3600\tIN\tSOA\tns.example.com. hostmaster.example.com. 7 "),
        "{text}"
    );
    assert_eq!(lines[1], "a.example.com.\t300\tIN\tA\t192.0.2.1");
    let err = stderr(&out);
    assert!(err.contains(";; AXFR example.com. from"), "{err}");
    assert!(err.contains("2 messages, 4 records"), "{err}");
    assert!(err.contains("no TSIG"), "{err}");
}

#[test]
fn axfr_to_file_streams_and_renames() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("example.com.zone");
    let addr = tcp_server(vec![axfr_zone()]);
    let out = zonesync(&[
        "axfr",
        "example.com.",
        "-s",
        &server_arg(addr),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    // Only the zone file is left in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn axfr_incomplete_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("example.com.zone");
    let addr = tcp_server(vec![vec![Act::Send(msg(
        Rtype::AXFR,
        Rcode::NOERROR,
        &[soa(7), a("a.example.com.", 1)],
    ))]]);
    let out = zonesync(&[
        "axfr",
        "example.com.",
        "-s",
        &server_arg(addr),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("incomplete transfer from"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(!file.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "temporary file left"
    );
    // To stdout: nothing printed, not a short zone.
    let addr = tcp_server(vec![vec![Act::Send(msg(
        Rtype::AXFR,
        Rcode::NOERROR,
        &[soa(7), a("a.example.com.", 1)],
    ))]]);
    let out = zonesync(&["axfr", "example.com.", "-s", &server_arg(addr)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
}

#[test]
fn axfr_refused_is_one_line_exit_1() {
    let addr = tcp_server(vec![vec![Act::Send(msg(Rtype::AXFR, Rcode::REFUSED, &[]))]]);
    let out = zonesync(&["axfr", "example.com", "-s", &server_arg(addr)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!("zonesync: error: AXFR of example.com.: REFUSED from {addr}")
    );
}

#[test]
fn axfr_notauth_names_the_tsig_error() {
    // An unsigned NOTAUTH with a BADKEY TSIG RR, as servers answer an unknown key.
    let mut m = msg(Rtype::AXFR, Rcode::NOTAUTH, &[]);
    m.extend_from_slice(b"\x01k\x00\x00\xfa\x00\xff\x00\x00\x00\x00\x00\x1d");
    m.extend_from_slice(b"\x0bhmac-sha256\x00");
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 44, 0, 0, 0, 0, 0, 17, 0, 0]);
    m[11] = 1;
    let addr = tcp_server(vec![vec![Act::Send(m)]]);
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "-y",
        "k:c2VjcmV0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("NOTAUTH (BADKEY) from {addr}")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn axfr_idle_timeout() {
    // The server stalls a minute, then closes: the timeout message can only come from
    // the client's idle timeout (a close would be another error), so no clock needs
    // reading.
    let addr = tcp_server(vec![vec![
        Act::Send(msg(Rtype::AXFR, Rcode::NOERROR, &[soa(7)])),
        Act::Stall(Duration::from_secs(60)),
    ]]);
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--timeout",
        "300ms",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "timeout: no answer from {addr} within 300ms (after 1 message)"
        )),
        "{err}"
    );
}

#[test]
fn axfr_json_parses() {
    let addr = tcp_server(vec![axfr_zone()]);
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["zone"], "example.com.");
    assert_eq!(v["serial"], 7);
    assert_eq!(v["records"].as_array().unwrap().len(), 3);
    assert_eq!(v["records"][1]["type"], "A");
    assert_eq!(v["records"][1]["rdata"], "192.0.2.1");
}

#[test]
fn bad_key_is_usage_error() {
    let out = zonesync(&[
        "axfr",
        "example.com",
        "-s",
        "127.0.0.1:1",
        "-y",
        "hmac-sha999:k:c2VjcmV0",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

//----------- ixfr -------------------------------------------------------------------

#[test]
fn ixfr_diff_and_json() {
    let answer = msg(
        Rtype::IXFR,
        Rcode::NOERROR,
        &[
            soa(8),
            soa(7),
            a("a.example.com.", 1),
            soa(8),
            a("c.example.com.", 3),
            soa(8),
        ],
    );
    let addr = tcp_server(vec![
        vec![Act::Send(answer.clone())],
        vec![Act::Send(answer)],
    ]);
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--serial",
        "7",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "; serial 7 -> 8");
    assert!(
        lines[1].starts_with("-example.com.\t3600\tIN\tSOA"),
        "{text}"
    );
    assert_eq!(lines[2], "-a.example.com.\t300\tIN\tA\t192.0.2.1");
    assert!(
        lines[3].starts_with("+example.com.\t3600\tIN\tSOA"),
        "{text}"
    );
    assert_eq!(lines[4], "+c.example.com.\t300\tIN\tA\t192.0.2.3");
    assert!(
        stderr(&out).contains("over TCP; 1 changeset"),
        "{}",
        stderr(&out)
    );

    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--serial",
        "7",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["result"], "incremental");
    assert_eq!(v["transport"], "tcp");
    assert_eq!(v["changesets"][0]["from"], 7);
    assert_eq!(v["changesets"][0]["added"][0]["owner"], "c.example.com.");
}

#[test]
fn ixfr_falls_back_and_says_so() {
    let addr = tcp_server(vec![
        vec![Act::Send(msg(Rtype::IXFR, Rcode::NOTIMP, &[]))],
        axfr_zone(),
    ]);
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--serial",
        "5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("; full zone, serial 7 (AXFR fallback)\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(&format!("fell back to AXFR: NOTIMP from {addr}")),
        "{}",
        stderr(&out)
    );
    let addr = tcp_server(vec![vec![Act::Send(msg(Rtype::IXFR, Rcode::NOTIMP, &[]))]]);
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--serial",
        "5",
        "--no-fallback",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("NOTIMP from"), "{}", stderr(&out));
}

#[test]
fn ixfr_up_to_date() {
    let addr = tcp_server(vec![vec![Act::Send(msg(
        Rtype::IXFR,
        Rcode::NOERROR,
        &[soa(7)],
    ))]]);
    let out = zonesync(&[
        "ixfr",
        "example.com",
        "-s",
        &server_arg(addr),
        "--serial",
        "7",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "; up to date (serial 7)\n");
}

//----------- notify -----------------------------------------------------------------

/// A UDP secondary answering every NOTIFY with `rcode`.
fn secondary(rcode: Rcode) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((len, from)) = sock.recv_from(&mut buf) {
            let Ok(req) = zonesync::notify::parse_notify(&buf[..len]) else {
                continue;
            };
            let resp = zonesync::notify::notify_response(&req, rcode);
            let _ = sock.send_to(&resp, from);
        }
    });
    addr
}

#[test]
fn notify_table_and_exit_status() {
    let ok1 = secondary(Rcode::NOERROR);
    let ok2 = secondary(Rcode::NOERROR);
    let out = zonesync(&[
        "notify",
        "example.com",
        "-s",
        &ok1.to_string(),
        "-s",
        &ok2.to_string(),
        "--serial",
        "9",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&ok1.to_string()) && text.contains(&ok2.to_string()),
        "{text}"
    );
    assert_eq!(text.matches("NOERROR").count(), 2, "{text}");

    let refused = secondary(Rcode::REFUSED);
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let out = zonesync(&[
        "notify",
        "example.com",
        "-s",
        &ok1.to_string(),
        "-s",
        &refused.to_string(),
        "-s",
        &silent_addr.to_string(),
        "--retries",
        "1",
        "--timeout",
        "100ms",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("REFUSED"), "{text}");
    assert!(text.contains("timeout: no answer"), "{text}");
    // The silent server's row: no rcode (a dash), the timeout in the error column.
    let row = text
        .lines()
        .find(|l| l.contains(&silent_addr.to_string()))
        .expect("a row for the silent server");
    let cells: Vec<&str> = row
        .split(['|', '│'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(cells.get(1), Some(&"-"), "{row}");
    assert!(
        cells.last().is_some_and(|c| c.starts_with("timeout")),
        "{row}"
    );
    drop(silent);
    let _ = Opcode::NOTIFY;
}
