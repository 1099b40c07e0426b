//! The zone-file writer: [`Record`]s to master-file text that reads back to the same
//! records, byte for byte.
//!
//! `zonesync axfr` writes what it fetched with it, `serve` with it dumps secondary zones
//! for operators, and the tests use it to check the parser against itself. It is the
//! reverse of the parser: records → this module (owner, TTL, class, type; one record
//! per line, tab separated) → [`super::rdata::write_rdata`] (RDATA text, or RFC 3597
//! `\#` when the type has no codec or the bytes do not decode).
//!
//! Every field is written in full (owner, TTL and class on every line), so a line can
//! be read, grepped or moved on its own; `$TTL` and `$ORIGIN`, when asked for, are
//! headers for other tools and for readers, and change no record.
//!
//! # Standards
//! - RFC 1035 §5.1: entries of the form `<domain-name> [<TTL>] [<class>] <type>
//!   <RDATA>`, written here with every field present, and `\X`/`\DDD` escapes for
//!   special octets in names and character strings.
//! - Canonical order, as an option: owners in the canonical name order of RFC 4034 §6.1
//!   ([`Name`]'s `Ord`), then types by number, then RDATA as RFC 4034 §6.3 orders the
//!   RRs of an RRset: "by treating the RDATA portion of the canonical form of each RR
//!   as a left-justified unsigned octet sequence in which the absence of an octet sorts
//!   before a zero octet".
//!
//! # Limitations
//! - In canonical order RDATA is compared as stored (case preserved), not in the
//!   lower-cased canonical form RFC 4034 §6.2 gives for names in some types.
//! - Canonical order puts the apex NS RRset (type 2) before the SOA (type 6), as RFC
//!   4034 says; all zonesync's peers load such files.

use std::fmt::Write as _;
use std::io;

use super::name::Name;
use super::rdata::{push_name_text, push_u32, write_rdata};
use super::record::{Record, Rtype};

/// Buffered output is flushed to the writer in pieces of about this size.
const CHUNK: usize = 64 * 1024;

//----------- WriteOptions -----------------------------------------------------------

/// How to write a zone.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Write names at or below this name relative to it (`@`, `www`). Reading the file
    /// back needs the same origin (see `origin_directive`).
    pub relative_to: Option<Name>,
    /// Sort records in RFC 4034 §6.3 canonical order (owner, type, RDATA); else keep
    /// the order given.
    pub canonical_order: bool,
    /// Write `$ORIGIN <relative_to>` first (when `relative_to` is set).
    pub origin_directive: bool,
    /// Write `$TTL <n>` first. Records still carry their own TTL.
    pub ttl_directive: Option<u32>,
}

//----------- Entry points -----------------------------------------------------------

/// Writes records as a zone file.
///
/// Blocking when `out` is (a file): call it from `spawn_blocking` in async code. The
/// output is buffered here in 64 KiB pieces, so `out` need not be.
pub fn write_zone<W: io::Write>(
    out: &mut W,
    records: &[Record],
    opts: &WriteOptions,
) -> io::Result<()> {
    let rel = opts.relative_to.as_ref();
    let mut buf = String::with_capacity(CHUNK + 1024);
    if let Some(ttl) = opts.ttl_directive {
        buf.push_str("$TTL ");
        push_u32(&mut buf, ttl);
        buf.push('\n');
    }
    if opts.origin_directive
        && let Some(origin) = rel
    {
        let _ = writeln!(buf, "$ORIGIN {origin}");
    }
    if opts.canonical_order {
        let mut sorted: Vec<&Record> = records.iter().collect();
        sorted.sort_by(|a, b| {
            a.owner
                .cmp(&b.owner)
                .then(a.rtype.cmp(&b.rtype))
                .then_with(|| a.rdata.as_wire().cmp(b.rdata.as_wire()))
        });
        for rec in sorted {
            emit(out, &mut buf, rec, rel)?;
        }
    } else {
        for rec in records {
            emit(out, &mut buf, rec, rel)?;
        }
    }
    out.write_all(buf.as_bytes())
}

/// Appends one record line to `buf`, handing full chunks to `out`.
fn emit<W: io::Write>(
    out: &mut W,
    buf: &mut String,
    rec: &Record,
    rel: Option<&Name>,
) -> io::Result<()> {
    write_record(buf, rec, rel);
    buf.push('\n');
    if buf.len() >= CHUNK {
        out.write_all(buf.as_bytes())?;
        buf.clear();
    }
    Ok(())
}

/// One record on one line, tab separated: `owner TTL class type rdata` (no newline).
/// With `relative_to`, names at or below it are written relative to it.
pub fn format_record(rec: &Record, relative_to: Option<&Name>) -> String {
    let mut out = String::with_capacity(64 + rec.rdata.len() * 2);
    write_record(&mut out, rec, relative_to);
    out
}

/// [`format_record`] appending to `out`.
pub fn write_record(out: &mut String, rec: &Record, relative_to: Option<&Name>) {
    push_name_text(out, rec.owner.as_wire(), relative_to);
    out.push('\t');
    push_u32(out, rec.ttl);
    out.push('\t');
    let _ = write!(out, "{}", rec.class);
    out.push('\t');
    if rec.rtype == Rtype::ANY {
        // "ANY" in the type column would be read as the class ANY.
        out.push_str("TYPE255");
    } else {
        let _ = write!(out, "{}", rec.rtype);
    }
    out.push('\t');
    write_rdata(out, rec.rtype, rec.rdata.as_wire(), relative_to);
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse::{ParseOptions, ParsedZone, parse_bytes, parse_file};
    use crate::zone::rdata::has_presentation;
    use crate::zone::record::{Class, Rdata};
    use std::path::Path;

    fn origin() -> Name {
        "example.com.".parse().unwrap()
    }

    fn parse(text: &[u8], origin: &Name) -> ParsedZone {
        parse_bytes(text, Path::new("t.zone"), origin, &ParseOptions::default())
    }

    /// Records equal byte for byte (owner case included).
    fn assert_same(a: &[Record], b: &[Record]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.owner.as_wire(), y.owner.as_wire());
            assert_eq!(
                (x.class, x.rtype, x.ttl),
                (y.class, y.rtype, y.ttl),
                "{x:?}"
            );
            assert_eq!(x.rdata.as_wire(), y.rdata.as_wire(), "{x:?}");
        }
    }

    /// Writes in every mode and reads back; all must give the same records.
    fn round_trip(records: &[Record]) {
        let o = origin();
        for (rel, directive) in [(None, false), (Some(o.clone()), true)] {
            let opts = WriteOptions {
                relative_to: rel.clone(),
                canonical_order: false,
                origin_directive: directive,
                ttl_directive: Some(3600),
            };
            let mut out = Vec::new();
            write_zone(&mut out, records, &opts).unwrap();
            let z = parse(&out, &Name::root());
            assert!(
                z.findings.is_empty(),
                "{:?}\n{}",
                z.findings,
                String::from_utf8_lossy(&out)
            );
            assert_same(&z.records, records);
        }
    }

    fn rec(owner: &str, rtype: Rtype, ttl: u32, wire: &[u8]) -> Record {
        Record::new(
            owner.parse().unwrap(),
            Class::IN,
            rtype,
            ttl,
            Rdata::from_wire(wire),
        )
    }

    #[test]
    fn format_record_line() {
        let o = origin();
        let r = rec("www.example.com.", Rtype::A, 300, &[192, 0, 2, 1]);
        assert_eq!(
            format_record(&r, None),
            "www.example.com.\t300\tIN\tA\t192.0.2.1"
        );
        assert_eq!(format_record(&r, Some(&o)), "www\t300\tIN\tA\t192.0.2.1");
        let r = rec(
            "example.com.",
            Rtype::NS,
            300,
            b"\x02ns\x07example\x03com\x00",
        );
        assert_eq!(format_record(&r, Some(&o)), "@\t300\tIN\tNS\tns");
        let r = rec("other.org.", Rtype(65534), 1, &[1, 2]);
        assert_eq!(
            format_record(&r, Some(&o)),
            "other.org.\t1\tIN\tTYPE65534\t\\# 2 0102"
        );
    }

    #[test]
    fn directives_and_canonical_order() {
        let records = vec![
            rec("b.example.com.", Rtype::A, 60, &[1, 1, 1, 1]),
            rec("example.com.", Rtype::SOA, 60, &{
                let mut w = b"\x01a\x00\x01b\x00".to_vec();
                w.extend([0u8; 20]);
                w
            }),
            rec("A.example.com.", Rtype::TXT, 60, b"\x01x"),
            rec("a.example.com.", Rtype::A, 60, &[2, 2, 2, 2]),
            rec("a.example.com.", Rtype::A, 60, &[1, 1, 1, 1]),
            rec("example.com.", Rtype::NS, 60, b"\x01a\x00"),
        ];
        let opts = WriteOptions {
            relative_to: Some(origin()),
            canonical_order: true,
            origin_directive: true,
            ttl_directive: Some(60),
        };
        let mut out = Vec::new();
        write_zone(&mut out, &records, &opts).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "$TTL 60\n$ORIGIN example.com.\n\
             @\t60\tIN\tNS\ta.\n\
             @\t60\tIN\tSOA\ta. b. 0 0 0 0 0\n\
             a\t60\tIN\tA\t1.1.1.1\n\
             a\t60\tIN\tA\t2.2.2.2\n\
             A\t60\tIN\tTXT\t\"x\"\n\
             b\t60\tIN\tA\t1.1.1.1\n"
        );
        round_trip(&records);
    }

    #[test]
    fn round_trip_hard_cases() {
        let mut records = Vec::new();
        // TXT with every octet, empty strings, and a long value split into 255s.
        let mut all = vec![128u8];
        all.extend(0..128u8);
        all.push(128);
        all.extend(128..=255u8);
        records.push(rec("txt.example.com.", Rtype::TXT, 1, &all));
        records.push(rec("txt.example.com.", Rtype::TXT, 1, b"\x00\x00"));
        let mut long = Vec::new();
        for _ in 0..4 {
            long.push(255);
            long.extend([b'k'; 255]);
        }
        records.push(rec("txt.example.com.", Rtype::TXT, 1, &long));
        // Names with escapes, as owners and in RDATA, case preserved.
        let weird = Name::from_labels([
            &b"a.b"[..],
            b"\"q\" (x);$@\\",
            b"\x00\xff ",
            b"Example",
            b"COM",
        ])
        .unwrap();
        records.push(Record::new(
            weird.clone(),
            Class::IN,
            Rtype::CNAME,
            5,
            Rdata::from_wire(weird.as_wire()),
        ));
        records.push(Record::new(weird.clone(), Class::IN, Rtype::MX, 5, {
            let mut w = vec![0, 10];
            w.extend_from_slice(weird.as_wire());
            Rdata::from_wire(w)
        }));
        // Owner names that look like numbers, types, classes, directives or `@`.
        for label in ["10", "A", "IN", "$TTL", "@", "\\#", "TYPE1", ";", "(", "*"] {
            let owner = Name::from_labels([label.as_bytes(), b"example", b"com"]).unwrap();
            records.push(Record::new(
                owner,
                Class::IN,
                Rtype::A,
                7,
                Rdata::from_wire(&[1, 2, 3, 4][..]),
            ));
        }
        // The root, unknown types and classes-as-types, meta types, bad RDATA.
        records.push(rec(".", Rtype::NS, 1, b"\x01a\x00"));
        records.push(rec("u.example.com.", Rtype(65534), 1, &[]));
        records.push(rec("u.example.com.", Rtype::ANY, 1, &[1]));
        records.push(rec("u.example.com.", Rtype::A, 1, &[1, 2, 3]));
        records.push(rec("u.example.com.", Rtype::NULL, 1, &[0, 1, 2]));
        records.push(rec("u.example.com.", Rtype::TXT, u32::MAX, &[]));
        round_trip(&records);
    }

    /// The corpus: every type, directive and escape form. It parses cleanly, every
    /// type with a codec is in it, it round-trips, and the writer's output matches the
    /// checked-in golden file (`UPDATE_GENERATED=1` rewrites it).
    #[test]
    fn corpus_round_trip() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zones");
        let z = parse_file(
            &dir.join("all-types.zone"),
            &origin(),
            &ParseOptions::default(),
        )
        .unwrap();
        assert!(z.findings.is_empty(), "{:#?}", z.findings);
        for t in (0..=65535u16).map(Rtype).filter(|&t| has_presentation(t)) {
            assert!(
                z.records.iter().any(|r| r.rtype == t),
                "no {t} in the corpus"
            );
        }
        round_trip(&z.records);

        let mut out = Vec::new();
        write_zone(&mut out, &z.records, &WriteOptions::default()).unwrap();
        let golden = dir.join("all-types.expected");
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&golden, &out).unwrap();
        }
        let want = std::fs::read(&golden).unwrap();
        assert!(
            out == want,
            "writer output differs from {}; rerun with UPDATE_GENERATED=1 if intended",
            golden.display()
        );

        // Spot checks of what the corpus means.
        let find = |owner: &str, t: Rtype| {
            let owner: Name = owner.parse().unwrap();
            z.records
                .iter()
                .filter(move |r| r.owner == owner && r.rtype == t)
        };
        let inc = find("host.inc.example.com.", Rtype::A).next().unwrap();
        assert_eq!(inc.ttl, 3600);
        let after = find("*.wild.example.com.", Rtype::A).next().unwrap();
        assert_eq!(
            (after.ttl, after.rdata.as_wire()),
            (7200, &[192, 0, 2, 99][..])
        );
        let bytes = find("bytes.example.com.", Rtype::TXT).next().unwrap();
        let mut all = vec![128u8];
        all.extend(0..128u8);
        all.push(128);
        all.extend(128..=255u8);
        assert_eq!(bytes.rdata.as_wire(), &all[..]);
        assert_eq!(
            find("gen4.example.com.", Rtype::A)
                .next()
                .unwrap()
                .rdata
                .as_wire(),
            &[10, 0, 0, 14]
        );
        assert_eq!(find("unknown.example.com.", Rtype::A).count(), 2);
    }

    /// Mangled corpus text never panics the parser, and whatever records it yields
    /// round-trip through the writer exactly.
    #[test]
    fn mangled_input_never_panics_and_round_trips() {
        let base = include_bytes!("../../tests/data/zones/all-types.zone");
        let mut seed: u64 = 0x853c_49e6_748f_ea9b;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let specials = b"()\";\\\n$@. \t0x#=,";
        for _ in 0..300 {
            let mut text = base.to_vec();
            for _ in 0..1 + rnd() % 20 {
                let at = rnd() as usize % text.len();
                match rnd() % 4 {
                    0 => text[at] = rnd() as u8,
                    1 => text[at] = specials[rnd() as usize % specials.len()],
                    2 => text.insert(at, specials[rnd() as usize % specials.len()]),
                    _ => {
                        text.remove(at);
                    }
                }
            }
            // No $INCLUDE: the file label has no folder with the include in it.
            let z = parse(&text, &origin());
            assert_eq!(z.records.len(), z.positions.len());
            let mut out = Vec::new();
            write_zone(&mut out, &z.records, &WriteOptions::default()).unwrap();
            let back = parse(&out, &Name::root());
            assert!(back.findings.is_empty(), "{:?}", back.findings);
            assert_same(&back.records, &z.records);
        }
    }

    #[test]
    fn unbuffered_writer_gets_chunks() {
        struct Counting(usize, Vec<u8>);
        impl io::Write for Counting {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0 += 1;
                self.1.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let records: Vec<Record> = (0..10_000u32)
            .map(|i| {
                rec(
                    &format!("h{i}.example.com."),
                    Rtype::A,
                    60,
                    &i.to_be_bytes(),
                )
            })
            .collect();
        let mut w = Counting(0, Vec::new());
        write_zone(&mut w, &records, &WriteOptions::default()).unwrap();
        assert!(w.0 < 10, "{} writes", w.0);
        assert_eq!(parse(&w.1, &Name::root()).records.len(), 10_000);
    }
}
