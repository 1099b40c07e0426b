//! The fuzz targets: one function per parser of untrusted bytes, each feeding an input
//! through the public entry points and asserting the invariants that hold today.
//!
//! A panic here is a finding: a crash in the parser, or a broken invariant (the
//! assertion message says which). The engine (`engine.rs`) catches it and saves the
//! input; `fuzz/regressions/<target>/` keeps the ones found, replayed by `cargo test`.

use std::mem::discriminant;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use zonesync::config::Config;
use zonesync::server::request::{Request, Transport, cacheable};
use zonesync::tsig::sign::{ClientTsig, RequestTsig, Verified, VerifyPolicy, verify_request};
use zonesync::tsig::{Algorithm, Key};
use zonesync::wire::{FLAG_QR, Header, MAX_TCP_MESSAGE, Message, MessageBuilder, Section};
use zonesync::xfr::{Interpreter, Limits, Transfer, soa_serial};
use zonesync::zone::{
    Class, Name, ParseOptions, Record, WriteOptions, ZoneVersion, check_zone, parse_bytes,
    write_zone,
};

use super::engine::Feedback;

/// "Now" for TSIG: fixed, so signed seeds stay valid.
pub const NOW: u64 = 1_750_000_000;

/// The message ID of the transfer query the `xfr` target's interpreter expects.
pub const XFR_ID: u16 = 0x1234;

/// The zone every `xfr` and `zone` input is about.
pub fn origin() -> Name {
    Name::parse("example.com.", None).expect("a valid name")
}

/// The TSIG keys the `tsig` and `xfr` targets know: (name, algorithm, secret).
pub fn keys() -> &'static [Key] {
    static KEYS: OnceLock<Vec<Key>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            ("xfr-key.", Algorithm::HmacSha256),
            ("legacy.", Algorithm::HmacMd5),
        ]
        .into_iter()
        .map(|(name, alg)| {
            let name = Name::parse(name, None).expect("a valid name");
            Key::new(name, alg, b"0123456789abcdef".to_vec()).expect("a valid key")
        })
        .collect()
    })
}

fn lookup(name: &Name, alg: Algorithm) -> Option<Key> {
    let name = name.to_lowercase();
    keys()
        .iter()
        .find(|k| k.name().to_lowercase() == name && k.algorithm() == alg)
        .cloned()
}

/// The transfer query the `xfr` and `tsig` targets sign (its MAC starts the chain).
pub fn transfer_query(qtype: zonesync::zone::Rtype) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        Header {
            id: XFR_ID,
            ..Default::default()
        },
        512,
    );
    b.question(&origin(), qtype, Class::IN)
        .expect("the question fits");
    b.finish()
}

/// Signs `messages` in place as the server answering the transfer query of type
/// `qtype` that the `xfr` and `tsig` targets sign with the first key.
pub fn sign_responses(qtype: zonesync::zone::Rtype, messages: &mut [Vec<u8>]) {
    let mut query = transfer_query(qtype);
    ClientTsig::sign_request(&keys()[0], &mut query, NOW);
    let RequestTsig::Signed(mut server) =
        verify_request(&query, lookup, NOW, VerifyPolicy::default())
    else {
        panic!("the query we signed does not verify");
    };
    for m in messages {
        server.sign(m, NOW);
    }
}

/// Splits TCP-framed messages (two-octet length, then the message); a cut last frame
/// keeps what is there.
pub fn frames(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while data.len() >= 2 {
        let len = u16::from_be_bytes([data[0], data[1]]) as usize;
        let end = (2 + len).min(data.len());
        out.push(&data[2..end]);
        data = &data[end..];
    }
    out
}

//----------- message ----------------------------------------------------------------

/// The message reader and the server's request view: parse, read every record,
/// compare the two views, re-encode what was read and read it back.
pub fn message(data: &[u8], fb: &mut Feedback) {
    let parsed = Message::parse(data);
    for transport in [Transport::Udp, Transport::Tcp] {
        match Request::parse(data, transport) {
            Some(req) => {
                let key = cacheable(&req, true);
                fb.note(("cacheable", key.is_some()));
                // A COOKIE of any length is checked without panicking; a cacheable
                // request's cookie is well-formed and gets an option back.
                if let Some(c) = req.cookie() {
                    let check = zonesync::server::cookies::ServerCookies::with_secret([7; 16])
                        .check(c, std::net::Ipv4Addr::LOCALHOST.into(), 0);
                    fb.note(("cookie", check.option().is_some()));
                    if key.is_some() {
                        assert!(
                            check.option().is_some(),
                            "a cacheable request's cookie is malformed"
                        );
                    }
                }
                let _ = (req.edns(), req.size_limit(), req.has_tsig());
                let via = req.message();
                assert_eq!(
                    via.as_ref().map(|m| m.question().cloned()).ok(),
                    parsed.as_ref().map(|m| m.question().cloned()).ok(),
                    "Request::message and Message::parse disagree"
                );
                if key.is_some() {
                    assert!(parsed.is_ok(), "a cacheable request does not parse");
                }
            }
            None => assert!(
                parsed.is_err(),
                "Message::parse read a message without header"
            ),
        }
    }
    let msg = match parsed {
        Ok(m) => m,
        Err(e) => {
            fb.note(("parse error", discriminant(&e)));
            return;
        }
    };
    fb.note("parsed");
    let _ = (
        msg.rcode(),
        msg.edns_udp_size(),
        msg.opt_count(),
        msg.tsig_offset(),
        msg.has_misplaced_tsig(),
        msg.answer_offset(),
    );
    let mut sections: [Vec<Record>; 3] = Default::default();
    for (i, iter) in [msg.answers(), msg.authority(), msg.additional()]
        .into_iter()
        .enumerate()
    {
        for r in iter {
            match r {
                Ok(rec) => {
                    fb.note(("rtype", i, rec.rtype.0));
                    sections[i].push(rec);
                }
                Err(e) => {
                    fb.note(("record error", i, discriminant(&e)));
                    return;
                }
            }
        }
    }
    fb.note("all records read");

    // What was read encodes again and reads back the same.
    let mut b = MessageBuilder::new(*msg.header(), MAX_TCP_MESSAGE);
    if let Some(q) = msg.question()
        && b.question(&q.name, q.qtype, q.qclass).is_err()
    {
        return;
    }
    let order = [Section::Answer, Section::Authority, Section::Additional];
    for (section, records) in order.into_iter().zip(&sections) {
        for r in records {
            if b.push(section, r).is_err() {
                fb.note("does not fit again");
                return;
            }
        }
    }
    let bytes = b.finish();
    let again = Message::parse(&bytes).expect("a re-encoded message parses");
    assert_eq!(
        again.question(),
        msg.question(),
        "question changed by re-encoding"
    );
    for (i, iter) in [again.answers(), again.authority(), again.additional()]
        .into_iter()
        .enumerate()
    {
        let read: Vec<Record> = iter
            .collect::<Result<_, _>>()
            .expect("re-encoded records read back");
        assert_eq!(read, sections[i], "section {i} changed by re-encoding");
    }
    fb.note("round trip");
}

//----------- tsig -------------------------------------------------------------------

/// TSIG. The first octet picks the mode:
/// - 0: `verify_request` on the rest with the known keys (the failure reply is built
///   too, and must parse);
/// - 1: sign-then-verify: the rest, when it is a message without TSIG, is signed with
///   each key and must verify; a response signed by the server must verify at the
///   client;
/// - 2: the rest is TCP-framed responses to a signed transfer query, verified in turn
///   by the client's multi-message verifier.
pub fn tsig(data: &[u8], fb: &mut Feedback) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let policy = VerifyPolicy {
        min_mac_len: (mode & 0x80 != 0).then_some(10),
    };
    match mode % 3 {
        0 => match verify_request(rest, lookup, NOW, policy) {
            RequestTsig::Unsigned => fb.note("unsigned"),
            RequestTsig::Signed(mut server) => {
                fb.note("signed");
                let mut response = rest.to_vec();
                if response.len() >= 12 {
                    response[2] |= 0x80;
                    server.sign(&mut response, NOW);
                }
            }
            RequestTsig::Failed(failure) => {
                fb.note(("failed", failure.rcode.0, failure.error.0));
                let reply = failure.reply(rest, NOW);
                // Fixed finding (fuzz/regressions/tsig/reply-echoes-*.hex): the reply
                // once copied a compressed QNAME as it was, pointer and all.
                if rest.len() >= 12 {
                    Message::parse(&reply).expect("a TSIG failure reply parses");
                }
            }
        },
        1 => {
            let Ok(msg) = Message::parse(rest) else {
                return;
            };
            if msg.tsig_offset().is_some() || msg.has_misplaced_tsig() {
                return;
            }
            fb.note("sign");
            for key in keys() {
                let mut request = rest.to_vec();
                let mut client = ClientTsig::sign_request(key, &mut request, NOW);
                let RequestTsig::Signed(mut server) = verify_request(&request, lookup, NOW, policy)
                else {
                    panic!("a request we signed does not verify");
                };
                let mut response = rest.to_vec();
                response[2] |= (FLAG_QR >> 8) as u8;
                server.sign(&mut response, NOW);
                let verified = client
                    .verify(&response, NOW)
                    .expect("a response the server signed verifies");
                assert_eq!(verified, Verified::Signed);
            }
        }
        _ => {
            let key = &keys()[0];
            let mut query = transfer_query(zonesync::zone::Rtype::AXFR);
            let mut client = ClientTsig::sign_request(key, &mut query, NOW);
            for frame in frames(rest) {
                match client.verify(frame, NOW) {
                    Ok(v) => fb.note(("verified", v == Verified::Signed)),
                    Err(e) => {
                        fb.note(("verify error", discriminant(&e)));
                        return;
                    }
                }
            }
            fb.note(("finish", client.finish().is_ok()));
        }
    }
}

//----------- xfr --------------------------------------------------------------------

/// The transfer interpreter. The first octet picks AXFR or IXFR and TSIG; for IXFR the
/// next four are our serial. The rest is TCP-framed response messages; each frame's ID
/// is set to the query's (a wrong ID is one check, not worth most of the inputs).
pub fn xfr(data: &[u8], fb: &mut Feedback) {
    let Some((&mode, mut rest)) = data.split_first() else {
        return;
    };
    let peer: SocketAddr = "192.0.2.1:53".parse().expect("a valid address");
    let limits = Limits {
        max_records: 100_000,
        max_bytes: 16 << 20,
        ..Limits::default()
    };
    let mut ours = None;
    let mut interp = if mode & 1 == 0 {
        Interpreter::axfr(origin(), XFR_ID, peer, limits)
    } else {
        let Some((serial, r)) = rest.split_first_chunk::<4>() else {
            return;
        };
        rest = r;
        let serial = u32::from_be_bytes(*serial);
        ours = Some(serial);
        Interpreter::ixfr(origin(), serial, XFR_ID, peer, limits)
    };
    if mode & 2 != 0 {
        let qtype = if ours.is_some() {
            zonesync::zone::Rtype::IXFR
        } else {
            zonesync::zone::Rtype::AXFR
        };
        let mut query = transfer_query(qtype);
        interp.set_tsig(ClientTsig::sign_request(&keys()[0], &mut query, NOW));
    }
    let mut done = false;
    for frame in frames(rest) {
        let mut msg = frame.to_vec();
        if msg.len() >= 2 && mode & 4 == 0 {
            msg[..2].copy_from_slice(&XFR_ID.to_be_bytes());
        }
        match interp.push(&msg, NOW) {
            Ok(step) => {
                fb.note(("step", interp.stats().messages.min(4), format!("{step:?}")));
                if step == zonesync::xfr::Step::Done {
                    done = true;
                    break;
                }
            }
            Err(e) => {
                fb.note(("push error", discriminant(&e)));
                return;
            }
        }
    }
    let lone = interp.is_lone_newer_soa();
    let result = interp.finish();
    fb.note(("finish", done, lone, result.is_ok()));
    if !done {
        assert!(result.is_err(), "an unfinished transfer finished");
        return;
    }
    let (transfer, _stats) = match result {
        Ok(t) => t,
        Err(e) => {
            fb.note(("finish error", discriminant(&e)));
            return;
        }
    };
    match transfer {
        Transfer::Full(records) => {
            fb.note(("full", records.len().min(8)));
            let built = ZoneVersion::from_records(origin(), Class::IN, records);
            fb.note(("version", built.is_ok()));
        }
        Transfer::Incremental(changesets) => {
            fb.note(("incremental", changesets.len().min(8)));
            // The interpreter's promise (module doc): changesets start at our serial
            // and chain.
            let mut at = ours.expect("IXFR answers only an IXFR query");
            assert!(
                !changesets.is_empty(),
                "an incremental transfer without changes"
            );
            for cs in &changesets {
                assert_eq!(
                    soa_serial(&cs.from_soa.rdata),
                    Some(at),
                    "changesets do not chain"
                );
                at = soa_serial(&cs.to_soa.rdata).expect("a to-SOA with a serial");
            }
        }
        Transfer::UpToDate(soa) => {
            fb.note("up to date");
            assert!(
                soa_serial(&soa.rdata).is_some(),
                "an up-to-date SOA without a serial"
            );
        }
    }
}

//----------- zone -------------------------------------------------------------------

/// The folder zone inputs are "in": a temporary folder (`$TMPDIR/zonesync-fuzz`) with
/// one file a fuzzed `$INCLUDE` may name (`inc.zone`), so includes never reach
/// outside it.
fn zone_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Not `tempfile`: the AFL++ binary (examples/fuzz_afl.rs) has no dev-dependencies, and
        // AFL++ starts many processes; they share one folder, whose file is written
        // whole (rename) so none reads it half-written.
        let dir = std::env::temp_dir().join("zonesync-fuzz");
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let tmp = dir.join(format!(".inc.zone.{}", std::process::id()));
        std::fs::write(
            &tmp,
            "inc 300 IN A 192.0.2.9\n$ORIGIN sub\n@ 300 IN TXT \"included\"\n",
        )
        .expect("the include file is written");
        std::fs::rename(&tmp, dir.join("inc.zone")).expect("the include file is in place");
        dir
    })
}

/// True when the input may `$INCLUDE` something outside [`zone_dir`]: then it is not
/// run. An include path without `/` or `\` (which could escape one) names a file in
/// that folder, or the folder itself, which the parser refuses: it opens regular
/// files only, so `$INCLUDE /dev/zero` and the like would be refused anyway. The
/// directive's arguments run to the end of the line, or further inside parentheses.
pub fn escapes_zone_dir(data: &[u8]) -> bool {
    let lower = data.to_ascii_lowercase();
    (0..lower.len())
        .filter(|&i| lower[i..].starts_with(b"$include"))
        .any(|i| {
            let mut depth = 0usize;
            for &b in &data[i..] {
                match b {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    b'\n' if depth == 0 => return false,
                    b'/' | b'\\' => return true,
                    _ => {}
                }
            }
            false
        })
}

/// True when the `$GENERATE` lines of `data` would make more than 5,000 records
/// together. One may make a million (documented; more is refused): that costs seconds
/// in the debug build, and the fuzzer would spend its time there, not finding bugs.
/// Ranges are read as `START-STOP` after the directive; other shapes are the
/// parser's to refuse.
pub fn generates_too_much(data: &[u8]) -> bool {
    let lower = data.to_ascii_lowercase();
    let mut total = 0u64;
    for i in (0..lower.len()).filter(|&i| lower[i..].starts_with(b"$generate")) {
        let rest = &data[i + 9..];
        let rest = &rest[rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count()..];
        let number = |t: &[u8]| -> (u64, usize) {
            let n = t.iter().take_while(|b| b.is_ascii_digit()).count();
            let v = t[..n].iter().fold(0u64, |v, d| {
                v.saturating_mul(10).saturating_add((d - b'0') as u64)
            });
            (v, n)
        };
        let (start, n) = number(rest);
        if n == 0 || rest.get(n) != Some(&b'-') {
            continue;
        }
        let (stop, _) = number(&rest[n + 1..]);
        total = total.saturating_add(stop.saturating_sub(start).saturating_add(1));
    }
    total > 5000
}

/// The zone-file lexer and parser, then the checks and the version build on what was
/// read; a zone without errors writes out and reads back to the same records.
pub fn zone(data: &[u8], fb: &mut Feedback) {
    if escapes_zone_dir(data) {
        return;
    }
    if generates_too_much(data) {
        return;
    }
    let file = zone_dir().join("fuzz.zone");
    let opts = ParseOptions {
        max_errors: 20,
        ..ParseOptions::default()
    };
    let parsed = parse_bytes(data, &file, &origin(), &opts);
    for f in &parsed.findings {
        fb.note(("finding", f.code));
    }
    for r in &parsed.records {
        fb.note(("rtype", r.rtype.0));
    }
    // Fixed finding (fuzz/regressions/zone/many-cnames-at-one-name.hex): the CNAME,
    // DNAME and SOA rules once compared every pair of those records at a name.
    for f in &check_zone(&parsed) {
        fb.note(("check", f.code));
    }
    let built = ZoneVersion::from_records(origin(), Class::IN, parsed.records.clone());
    fb.note(("version", built.is_ok()));
    if parsed.has_errors() {
        return;
    }
    fb.note("no errors");

    // What parsed writes as a zone file that reads back to the same records.
    let mut text = Vec::new();
    let wopts = WriteOptions {
        relative_to: Some(origin()),
        canonical_order: false,
        origin_directive: true,
        ttl_directive: None,
    };
    write_zone(&mut text, &parsed.records, &wopts).expect("writing to memory");
    let again = parse_bytes(&text, &file, &origin(), &ParseOptions::default());
    let errors: Vec<_> = again
        .findings
        .iter()
        .filter(|f| f.severity == zonesync::zone::Severity::Error)
        .collect();
    assert!(
        errors.is_empty(),
        "a written zone does not parse: {errors:?}\n{}",
        String::from_utf8_lossy(&text)
    );
    assert_eq!(
        again.records, parsed.records,
        "records changed by write and parse"
    );
    fb.note("round trip");
}

//----------- config -----------------------------------------------------------------

/// The config reader: YAML, then validation (no file is read).
pub fn config(data: &[u8], fb: &mut Feedback) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_yaml(text, Path::new("/nonexistent/zonesync.yaml")) {
        Ok(_) => fb.note("valid"),
        Err(zonesync::config::ConfigError::Invalid { problems, .. }) => {
            for p in &problems {
                // Where (indexes dropped) and what, up to the first quoted value: a
                // rough kind of problem, not one per name or number.
                let path: String = p.path.chars().filter(|c| !c.is_ascii_digit()).collect();
                let kind: String = p
                    .message
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '`' | '\'' | ':'))
                    .filter(|c| c.is_ascii_alphabetic() || *c == ' ')
                    .take(40)
                    .collect();
                fb.note(("problem", path, kind));
            }
        }
        Err(e) => fb.note(("error", discriminant(&e))),
    }
}
