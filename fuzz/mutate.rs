//! Structure-aware mutations, one per target: they change an input where the parser
//! looks (counts, RDLENGTH, label lengths, compression pointers, TSIG fields, the
//! records of a transfer stream, zone-file tokens and directives, YAML keys), which
//! random bytes seldom reach. Each returns `false` when the input has no structure to
//! work on; the engine then changes bytes instead.

use zonesync::wire::{Header, Message, MessageBuilder, Section, skip_name};
use zonesync::zone::name::wire_name_len;
use zonesync::zone::{Class, Name, Rdata, Record, Rtype};

use super::engine::{Rng, mutate_bytes};
use super::targets::{frames, origin, sign_responses};

//----------- Messages ---------------------------------------------------------------

/// Where one record sits in a message.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    /// After the owner: type, class, TTL, RDLENGTH follow.
    fixed: usize,
    end: usize,
    /// 0 answer, 1 authority, 2 additional.
    section: usize,
}

/// The question's name offset and the records' spans, as far as they can be found.
fn walk(msg: &[u8]) -> Option<(Vec<usize>, Vec<Span>)> {
    let h = Header::parse(msg).ok()?;
    let mut names = Vec::new();
    let mut pos = 12;
    for _ in 0..h.qdcount.min(4) {
        names.push(pos);
        pos = skip_name(msg, pos).ok()? + 4;
    }
    let mut spans = Vec::new();
    let counts = [h.ancount, h.nscount, h.arcount];
    for (section, &count) in counts.iter().enumerate() {
        for _ in 0..count.min(512) {
            let Ok(fixed) = skip_name(msg, pos) else {
                return Some((names, spans));
            };
            let Some(f) = msg.get(fixed..fixed + 10) else {
                return Some((names, spans));
            };
            let end = fixed + 10 + u16::from_be_bytes([f[8], f[9]]) as usize;
            if end > msg.len() {
                return Some((names, spans));
            }
            names.push(pos);
            spans.push(Span {
                start: pos,
                fixed,
                end,
                section,
            });
            pos = end;
        }
    }
    Some((names, spans))
}

fn set_u16(data: &mut [u8], at: usize, v: u16) {
    if let Some(s) = data.get_mut(at..at + 2) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

fn get_u16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |s| u16::from_be_bytes([s[0], s[1]]))
}

fn tweak_u16(rng: &mut Rng, v: u16) -> u16 {
    match rng.below(6) {
        0 => v.wrapping_add(1),
        1 => v.wrapping_sub(1),
        2 => 0,
        3 => 0xffff,
        4 => v.wrapping_add(rng.below(64) as u16),
        _ => rng.next_u64() as u16,
    }
}

const TYPES: &[u16] = &[
    1, 2, 5, 6, 12, 15, 16, 17, 18, 21, 24, 26, 28, 33, 35, 36, 38, 39, 41, 42, 43, 46, 47, 48, 50,
    51, 52, 59, 61, 62, 63, 64, 65, 99, 249, 250, 251, 252, 255, 256, 257, 0, 0xffff,
];

/// One change to a DNS message in place.
pub fn message(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) -> bool {
    let Some((names, spans)) = walk(data) else {
        return false;
    };
    match rng.below(11) {
        // Header counts.
        0 => {
            let at = 4 + 2 * rng.below(4);
            let v = tweak_u16(rng, get_u16(data, at));
            set_u16(data, at, v);
        }
        // Flags, opcode, RCODE.
        1 => {
            let bit = 1 << rng.below(16);
            data[2] ^= (bit >> 8) as u8;
            data[3] ^= bit as u8;
        }
        // RDLENGTH.
        2 if !spans.is_empty() => {
            let s = *rng.pick(&spans);
            let v = tweak_u16(rng, get_u16(data, s.fixed + 8));
            set_u16(data, s.fixed + 8, v);
        }
        // A label length octet.
        3 if !names.is_empty() => {
            let mut pos = *rng.pick(&names);
            let mut hops = rng.below(4);
            while hops > 0 && data.get(pos).is_some_and(|&l| l > 0 && l < 64) {
                pos += 1 + data[pos] as usize;
                hops -= 1;
            }
            if pos < data.len() {
                data[pos] = *rng.pick(&[0u8, 1, 62, 63, 64, 0x40, 0x41, 0x80, 0xbf, 0xc0, 0xff]);
            }
        }
        // A compression pointer in place of a name: backwards, to itself, forwards.
        4 if !names.is_empty() => {
            let pos = *rng.pick(&names);
            let Ok(end) = skip_name(data, pos) else {
                return false;
            };
            let target = match rng.below(4) {
                0 => *rng.pick(&names),
                1 => pos,
                2 => rng.below(data.len()),
                _ => 12,
            };
            let ptr = 0xc000 | (target as u16 & 0x3fff);
            data.splice(pos..end, ptr.to_be_bytes());
        }
        // Delete a record.
        5 if !spans.is_empty() => {
            let s = *rng.pick(&spans);
            data.drain(s.start..s.end);
            if rng.one_in(4) {
                return true; // counts left as they were
            }
            let at = 6 + 2 * s.section;
            let v = get_u16(data, at).wrapping_sub(1);
            set_u16(data, at, v);
        }
        // Duplicate a record (pointers in it still point backwards).
        6 if !spans.is_empty() => {
            let s = *rng.pick(&spans);
            let copy = data[s.start..s.end].to_vec();
            data.splice(s.end..s.end, copy);
            let at = 6 + 2 * s.section;
            let v = get_u16(data, at).wrapping_add(1);
            set_u16(data, at, v);
        }
        // Type, class, TTL.
        7 if !spans.is_empty() => {
            let s = *rng.pick(&spans);
            match rng.below(3) {
                0 => set_u16(data, s.fixed, *rng.pick(TYPES)),
                1 => set_u16(
                    data,
                    s.fixed + 2,
                    *rng.pick(&[0u16, 1, 3, 4, 254, 255, 512]),
                ),
                _ => {
                    let ttl = *rng.pick(&[0u32, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX]);
                    data[s.fixed + 4..s.fixed + 8].copy_from_slice(&ttl.to_be_bytes());
                }
            }
        }
        // A record from another message, raw (its pointers now point elsewhere).
        8 => {
            let other = rng.pick(corpus);
            let Some((_, others)) = walk(other) else {
                return false;
            };
            if others.is_empty() {
                return false;
            }
            let o = *rng.pick(&others);
            let at = spans.last().map_or(data.len(), |s| s.end);
            data.splice(at..at, other[o.start..o.end].to_vec());
            let v = get_u16(data, 10).wrapping_add(1);
            set_u16(data, 10, v);
        }
        // Cut in the middle of a record.
        9 if !spans.is_empty() => {
            let s = *rng.pick(&spans);
            data.truncate(s.start + rng.below(s.end - s.start));
        }
        // Bytes inside RDATA.
        _ if !spans.is_empty() => {
            let s = *rng.pick(&spans);
            let mut rdata = data[s.fixed + 10..s.end].to_vec();
            mutate_bytes(rng, &mut rdata, corpus);
            rdata.truncate(0xffff);
            data.splice(s.fixed + 10..s.end, rdata.iter().copied());
            set_u16(data, s.fixed + 8, rdata.len() as u16);
        }
        _ => return false,
    }
    true
}

//----------- TSIG -------------------------------------------------------------------

/// The TSIG RR's RDATA fields: where the MAC size, MAC and the rest sit.
struct TsigSpan {
    rdlength: usize,
    time: usize,
    mac_size: usize,
    mac: usize,
    end: usize,
}

fn tsig_span(msg: &[u8]) -> Option<TsigSpan> {
    let (_, spans) = walk(msg)?;
    let s = spans.iter().rev().find(|s| get_u16(msg, s.fixed) == 250)?;
    let rdata = s.fixed + 10;
    let time = skip_name(&msg[..s.end], rdata).ok()?;
    let mac_size = time + 8;
    let mac = mac_size + 2;
    (mac <= s.end).then_some(TsigSpan {
        rdlength: s.fixed + 8,
        time,
        mac_size,
        mac,
        end: s.end,
    })
}

/// One change to a `tsig` input: the mode, a TSIG field, or the message.
pub fn tsig(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) -> bool {
    if data.is_empty() {
        return false;
    }
    if rng.one_in(10) {
        data[0] = rng.next_u64() as u8;
        return true;
    }
    let mut rest = data.split_off(1);
    let ok = if data[0] % 3 == 2 {
        frames_mutation(rng, &mut rest, corpus)
    } else {
        tsig_fields(rng, &mut rest) || message(rng, &mut rest, corpus)
    };
    data.extend_from_slice(&rest);
    ok
}

fn tsig_fields(rng: &mut Rng, msg: &mut Vec<u8>) -> bool {
    let Some(t) = tsig_span(msg) else {
        return false;
    };
    let mac_len = get_u16(msg, t.mac_size) as usize;
    match rng.below(7) {
        // One MAC bit.
        0 if mac_len > 0 && t.mac + mac_len <= t.end => {
            let i = t.mac + rng.below(mac_len);
            msg[i] ^= 1 << rng.below(8);
        }
        // Truncate the MAC, keeping the lengths right.
        1 if mac_len > 0 && t.mac + mac_len <= t.end => {
            let keep = *rng.pick(&[0, 1, 9, 10, 15, 16, mac_len / 2, mac_len - 1]);
            let keep = keep.min(mac_len);
            msg.drain(t.mac + keep..t.mac + mac_len);
            set_u16(msg, t.mac_size, keep as u16);
            let rd = get_u16(msg, t.rdlength) as usize - (mac_len - keep);
            set_u16(msg, t.rdlength, rd as u16);
        }
        // MAC size alone.
        2 => {
            let v = tweak_u16(rng, mac_len as u16);
            set_u16(msg, t.mac_size, v);
        }
        // Time signed around the fudge.
        3 => {
            let now = super::targets::NOW as i64;
            let off = *rng.pick(&[-301i64, -300, 0, 300, 301, 1 << 40, -(1 << 40)]);
            let v = (now + off).clamp(0, (1 << 48) - 1) as u64;
            msg[t.time..t.time + 6].copy_from_slice(&v.to_be_bytes()[2..]);
        }
        // Fudge.
        4 => {
            let v = *rng.pick(&[0u16, 1, 300, 0xffff]);
            set_u16(msg, t.time + 6, v);
        }
        // Original ID, error, other length (after the MAC).
        5 if t.mac + mac_len + 6 <= t.end => {
            let at = t.mac + mac_len + 2 * rng.below(3);
            let v = tweak_u16(rng, get_u16(msg, at));
            set_u16(msg, at, v);
        }
        // The algorithm name: another one (the key then does not match) or garbage.
        _ => {
            let rdata = t.rdlength + 2;
            let names: [&[u8]; 4] = [
                b"\x0bhmac-sha256\x00",
                b"\x08hmac-md5\x07sig-alg\x03reg\x03int\x00",
                b"\x09hmac-sha1\x00",
                b"\x03foo\x00",
            ];
            let new = rng.pick(&names);
            let old = t.time - rdata;
            msg.splice(rdata..t.time, new.iter().copied());
            let rd = get_u16(msg, t.rdlength) as usize + new.len() - old;
            set_u16(msg, t.rdlength, rd as u16);
        }
    }
    true
}

//----------- Transfer streams -------------------------------------------------------

fn framed(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        let m = &m[..m.len().min(0xffff)];
        out.extend_from_slice(&(m.len() as u16).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

/// Frame-level changes: one frame's bytes, or drop/duplicate/swap frames.
fn frames_mutation(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) -> bool {
    let mut msgs: Vec<Vec<u8>> = frames(data).into_iter().map(|f| f.to_vec()).collect();
    if msgs.is_empty() {
        return false;
    }
    let i = rng.below(msgs.len());
    match rng.below(5) {
        0 => {
            msgs.remove(i);
        }
        1 => {
            let m = msgs[i].clone();
            msgs.insert(i, m);
        }
        2 => {
            let j = rng.below(msgs.len());
            msgs.swap(i, j);
        }
        _ => {
            let mut m = std::mem::take(&mut msgs[i]);
            if !tsig_fields(rng, &mut m) && !message(rng, &mut m, corpus) {
                mutate_bytes(rng, &mut m, corpus);
            }
            msgs[i] = m;
        }
    }
    *data = framed(&msgs);
    true
}

/// An SOA of `example.com` with `serial`.
fn soa(serial: u32) -> Record {
    let mut rdata = Vec::new();
    rdata.extend_from_slice(b"\x03ns1\x07example\x03com\x00\x0ahostmaster\x07example\x03com\x00");
    for v in [serial, 3600, 600, 86400, 300] {
        rdata.extend_from_slice(&v.to_be_bytes());
    }
    Record::new(
        origin(),
        Class::IN,
        Rtype::SOA,
        3600,
        Rdata::from_wire(rdata),
    )
}

/// The serial field's offset in SOA RDATA.
fn serial_at(rdata: &[u8]) -> Option<usize> {
    let m = wire_name_len(rdata).ok()?;
    let r = wire_name_len(rdata.get(m..)?).ok()?;
    (m + r + 4 <= rdata.len()).then_some(m + r)
}

/// One change to an `xfr` input: its header (mode, our serial), the records of the
/// stream (delete, duplicate, swap, move between messages, SOA serials, owners), the
/// messages (split, merge), or one message's bytes. Record-level changes re-encode
/// the messages, and re-sign them when the mode says TSIG.
pub fn xfr(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) -> bool {
    let Some(&mode) = data.first() else {
        return false;
    };
    let head = if mode & 1 == 1 { 5 } else { 1 };
    if data.len() < head {
        return false;
    }
    if rng.one_in(12) {
        let i = rng.below(head);
        data[i] = if i == 0 {
            rng.next_u64() as u8
        } else {
            data[i].wrapping_add(rng.below(3) as u8).wrapping_sub(1)
        };
        return true;
    }
    let mut rest = data.split_off(head);
    if rng.one_in(4) {
        let ok = frames_mutation(rng, &mut rest, corpus);
        data.extend_from_slice(&rest);
        return ok;
    }
    let mut stream: Vec<Vec<Record>> = Vec::new();
    for f in frames(&rest) {
        let Ok(m) = Message::parse(f) else {
            data.extend_from_slice(&rest);
            return false;
        };
        let Ok(records) = m.answers().collect::<Result<Vec<_>, _>>() else {
            data.extend_from_slice(&rest);
            return false;
        };
        stream.push(records);
    }
    if stream.is_empty() {
        stream.push(Vec::new());
    }
    let ours = (mode & 1 == 1).then(|| u32::from_be_bytes([data[1], data[2], data[3], data[4]]));
    let m = rng.below(stream.len());
    let n = stream[m].len();
    match rng.below(9) {
        0 if n > 0 => {
            stream[m].remove(rng.below(n));
        }
        1 if n > 0 => {
            let r = stream[m][rng.below(n)].clone();
            stream[m].insert(rng.below(n + 1), r);
        }
        2 if n > 1 => {
            stream[m].swap(rng.below(n), rng.below(n));
        }
        3 if n > 0 => {
            let r = stream[m].remove(rng.below(n));
            let to = rng.below(stream.len());
            let at = rng.below(stream[to].len() + 1);
            stream[to].insert(at, r);
        }
        // An SOA's serial: ours, one more, one less, the wrap point, random.
        4 => {
            let soas: Vec<usize> = (0..n)
                .filter(|&i| stream[m][i].rtype == Rtype::SOA)
                .collect();
            let Some(&i) = soas.get(rng.below(soas.len().max(1))) else {
                return restore(data, rest);
            };
            let rec = &mut stream[m][i];
            let mut rdata = rec.rdata.as_wire().to_vec();
            let Some(at) = serial_at(&rdata) else {
                return restore(data, rest);
            };
            let old = u32::from_be_bytes([rdata[at], rdata[at + 1], rdata[at + 2], rdata[at + 3]]);
            let base = ours.unwrap_or(old);
            let random = rng.next_u64() as u32;
            let new = *rng.pick(&[
                base,
                base.wrapping_add(1),
                base.wrapping_sub(1),
                old.wrapping_add(1),
                base.wrapping_add(1 << 31),
                random,
            ]);
            rdata[at..at + 4].copy_from_slice(&new.to_be_bytes());
            rec.rdata = Rdata::from_wire(rdata);
        }
        // A new SOA somewhere.
        5 => {
            let base = ours.unwrap_or(1);
            let serial = *rng.pick(&[base, base.wrapping_add(1), base.wrapping_add(2)]);
            let at = rng.below(n + 1);
            stream[m].insert(at, soa(serial));
        }
        // An owner outside the zone, at the apex, or a class or TTL change.
        6 if n > 0 => {
            let r = &mut stream[m][rng.below(n)];
            match rng.below(4) {
                0 => r.owner = Name::parse("evil.example.net.", None).expect("a valid name"),
                1 => r.owner = origin(),
                2 => r.class = Class(*rng.pick(&[3u16, 254, 255])),
                _ => r.rtype = Rtype(*rng.pick(TYPES)),
            }
        }
        // Split a message, or merge two.
        7 if n > 1 => {
            let tail = stream[m].split_off(rng.below(n));
            stream.insert(m + 1, tail);
        }
        8 if stream.len() > 1 && m + 1 < stream.len() => {
            let next = stream.remove(m + 1);
            stream[m].extend(next);
        }
        _ => return restore(data, rest),
    }
    let qtype = if mode & 1 == 1 {
        Rtype::IXFR
    } else {
        Rtype::AXFR
    };
    let mut msgs = Vec::new();
    for records in &stream {
        let mut b = MessageBuilder::new(
            Header {
                id: super::targets::XFR_ID,
                flags: 0x8400,
                ..Default::default()
            },
            65_000,
        );
        b.question(&origin(), qtype, Class::IN)
            .expect("the question fits");
        for r in records {
            if b.push(Section::Answer, r).is_err() {
                break;
            }
        }
        msgs.push(b.finish());
    }
    if mode & 2 != 0 {
        sign_responses(qtype, &mut msgs);
    }
    data.extend_from_slice(&framed(&msgs));
    true
}

fn restore(data: &mut Vec<u8>, rest: Vec<u8>) -> bool {
    data.extend_from_slice(&rest);
    false
}

//----------- Text: zone files and YAML ----------------------------------------------

/// Lines a zone file may hold that test the lexer and the directives.
const ZONE_LINES: &[&str] = &[
    "$INCLUDE inc.zone",
    "$INCLUDE inc.zone sub",
    "$INCLUDE missing.zone",
    "$INCLUDE .",
    "$INCLUDE",
    "$ORIGIN .",
    "$ORIGIN sub",
    "$ORIGIN a\\.b.example.com.",
    "$TTL 4294967295",
    "$TTL 1w2d3h4m5s",
    "$TTL 99999999999999999999",
    "$GENERATE 1-100 h$ A 192.0.2.$",
    "$GENERATE 0-4294967295 x$ A 192.0.2.1",
    "$GENERATE 1-10/0 x$ A 192.0.2.1",
    "$GENERATE 10-1 x$ A 192.0.2.1",
    "$GENERATE 1-3 ${0,3,x} CNAME $.example.com.",
    "$GENERATE 1-3 ${-5,99,n} TXT \"${1000000000000,1,N}\"",
    "$GENERATE 1-3 $$$ PTR \\$.example.com.",
    "$BOGUS 1",
    "@ IN SOA ns1 hostmaster ( 1 2 3 4 5 )",
    "@ IN SOA ns1 hostmaster ( 1 2 3 4",
    "@ NS ns1",
    "ns1 A 192.0.2.1",
    "* TXT \"wild\"",
    "a.*.b A 192.0.2.1",
    "x CNAME y",
    "x DNAME example.net.",
    "x TYPE65534 \\# 4 0a0b0c0d",
    "x TYPE1 \\# 4 c0000201",
    "x A \\# 5 0102030405",
    "x TXT \"unterminated",
    "x TXT \\",
    "x TXT \\999 \\256 \\0",
    "x MX 65536 mail",
    "x SRV 1 2 3 .",
    "x AAAA ::ffff:192.0.2.1",
    "x CAA 0 issue \"ca.example\"",
    "x SVCB 1 . alpn=h2,h3 port=65535 ipv4hint=192.0.2.1 mandatory=alpn",
    "x HTTPS 0 svc.example.",
    "x NSEC3 1 0 10 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
    "x RRSIG A 13 2 300 20300101000000 20200101000000 12345 example.com. AAAA",
    "x DS 12345 13 2 abcd",
    "x APL 1:192.0.2.0/24 !2:2001:db8::/32",
    "x LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
    ")",
    "(",
    "( ; open",
    "x 1 IN CH A 192.0.2.1",
    "x 300 300 A 192.0.2.1",
    "x IN IN A 192.0.2.1",
    "\tA 192.0.2.2",
    " ",
    "; comment",
];

/// Tokens for replacing one of a zone file's.
const ZONE_TOKENS: &[&str] = &[
    "@",
    "*",
    ".",
    "..",
    "\\.",
    "\\",
    "\\0",
    "\\00",
    "\\255",
    "\\256",
    "\"\"",
    "\"",
    "(",
    ")",
    ";",
    "IN",
    "CH",
    "CLASS65535",
    "TYPE0",
    "TYPE65535",
    "A",
    "NS",
    "SOA",
    "TXT",
    "RRSIG",
    "NSEC3PARAM",
    "OPT",
    "TSIG",
    "ANY",
    "AXFR",
    "$",
    "${0,0,d}",
    "0",
    "-1",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "1w",
    "9999999w",
    "0x10",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// Boundary numbers for replacing a digit run.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
];

/// Characters that change how text is tokenised.
const SPECIAL: &[u8] = b"()\"\\;\n \t$@*.:-[]{}&!|>#'\r";

/// One change to text: a line or token from `lines`/`tokens`, a number at a
/// boundary, a line dropped, doubled, swapped or spliced, or a special character.
fn text(
    rng: &mut Rng,
    data: &mut Vec<u8>,
    corpus: &[Vec<u8>],
    lines_dict: &[&str],
    tokens: &[&str],
) -> bool {
    let mut lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
    let i = rng.below(lines.len());
    match rng.below(9) {
        0 => lines.insert(i, rng.pick(lines_dict).as_bytes().to_vec()),
        1 => {
            let line = &mut lines[i];
            let words: Vec<(usize, usize)> = word_spans(line);
            if words.is_empty() {
                line.extend_from_slice(rng.pick(tokens).as_bytes());
            } else {
                let (a, b) = *rng.pick(&words);
                line.splice(a..b, rng.pick(tokens).bytes());
            }
        }
        2 => {
            let line = &mut lines[i];
            let runs: Vec<(usize, usize)> = digit_runs(line);
            if runs.is_empty() {
                return false;
            }
            let (a, b) = *rng.pick(&runs);
            line.splice(a..b, rng.pick(NUMBERS).bytes());
        }
        3 if lines.len() > 1 => {
            lines.remove(i);
        }
        4 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        5 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
        6 => {
            let other = rng.pick(corpus);
            let others: Vec<&[u8]> = other.split(|&b| b == b'\n').collect();
            let take = rng.below(4) + 1;
            let from = rng.below(others.len());
            for (k, l) in others[from..(from + take).min(others.len())]
                .iter()
                .enumerate()
            {
                lines.insert(i + k, l.to_vec());
            }
        }
        7 => {
            let line = &mut lines[i];
            let at = rng.below(line.len() + 1);
            line.insert(at, *rng.pick(SPECIAL));
        }
        _ => {
            // Leading blank or not: the owner of the previous record.
            let line = &mut lines[i];
            if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
                line.remove(0);
            } else {
                line.insert(0, b'\t');
            }
        }
    }
    *data = lines.join(&b'\n');
    true
}

fn word_spans(line: &[u8]) -> Vec<(usize, usize)> {
    spans_where(line, |b| !b.is_ascii_whitespace())
}

fn digit_runs(line: &[u8]) -> Vec<(usize, usize)> {
    spans_where(line, |b| b.is_ascii_digit())
}

fn spans_where(line: &[u8], keep: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        match (keep(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.len()));
    }
    out
}

/// One change to a zone file.
pub fn zone(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) -> bool {
    text(rng, data, corpus, ZONE_LINES, ZONE_TOKENS)
}

/// Lines a config may hold: every key, some with odd values.
const CONFIG_LINES: &[&str] = &[
    "listen: [\"127.0.0.1:0\", \"[::1]:53\", \"0.0.0.0:65536\", \"host:53\"]",
    "state-dir: \"\"",
    "keys: [ { name: k, algorithm: hmac-sha512, secret: \"!!\" } ]",
    "keys: [ { name: k, algorithm: hmac-md5, secret: \"\" }, { name: k, algorithm: hmac-md5, secret: \"\" } ]",
    "zones: [ { name: example.com, file: /dev/zero } ]",
    "zones: [ { name: \".\", primaries: [ { address: \"192.0.2.1:0\", key: nokey } ] } ]",
    "zones: [ { name: a..b } ]",
    "zones-dir: \"\"",
    "defaults: { allow-transfer: [ { address: 0.0.0.0/0 }, { key: k, address: ::/129 } ] }",
    "templates: [ { name: t, min-refresh: 1h, max-refresh: 1s } ]",
    "super-slaves: { servers: [], catalog: \"\" }",
    "super-masters: [ { address: \"192.0.2.1\", max-deletions: -1, unlisted-grace: 1y } ]",
    "bulk-refresh: 0s",
    "file-check-interval: 18446744073709551615s",
    "min-refresh: 1x",
    "max-expire: 99999999999999w",
    "min-retry: \"\"",
    "limits: { max-zone-file-bytes: 18446744073709551615GiB }",
    "limits: { max-zone-file-bytes: -1 }",
    "limits: { tcp-idle-timeout: 0ms, transfers-in: 0 }",
    "control: { socket: \"\", http: \"127.0.0.1:99999\" }",
    "metrics: \"[::1]\"",
    "a: &a [*a, *a]",
    "b: &b [1, 2]\nc: [*b, *b, *b]",
    "<<: {listen: []}",
    "? complex",
    "!!binary aGk=",
    "---",
    "...",
    "%YAML 1.2",
    "unknown-key: 1",
];

const CONFIG_TOKENS: &[&str] = &[
    "~",
    "null",
    "true",
    "no",
    "0",
    "-1",
    "0x10",
    "1e400",
    ".inf",
    ".nan",
    "\"\"",
    "''",
    "[]",
    "{}",
    "&x",
    "*x",
    "!!str",
    "|",
    ">",
    "-",
    ":",
    "1s",
    "1ms",
    "1w",
    "1y",
    "99999999999d",
    "1KiB",
    "1GB",
    "18446744073709551616",
    "hmac-sha256",
    "127.0.0.1",
    "::",
    "0.0.0.0/0",
    "192.0.2.1:53",
    "example.com.",
    ".",
];

/// One change to a YAML config.
pub fn config(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) -> bool {
    text(rng, data, corpus, CONFIG_LINES, CONFIG_TOKENS)
}
