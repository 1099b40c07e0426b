//! hickory-proto as an independent decoder: every record of the all-types corpus
//! (`tests/data/zones/all-types.zone`) is packed into AXFR messages by our
//! `MessageBuilder` (with its name compression) and decoded by
//! `hickory_proto::op::Message::from_vec`; then hickory packs the same records (with
//! its own compression) and our reader decodes them. Names, types, classes, TTLs and
//! RDATA must come back byte for byte both ways.
//!
//! This is what zonesync uses hickory for: a second opinion on the wire format, in
//! tests only (HICKORY.md: its `Message` is too slow for the hot path and its zone
//! parser too lossy to build on).

use std::path::Path;

use hickory_proto::op::{Message as HMessage, OpCode};
use hickory_proto::rr::Record as HRecord;
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};

use zonesync::wire::read::Message;
use zonesync::wire::{FLAG_AA, FLAG_QR, Header, MessageBuilder, Section};
use zonesync::zone::{Class, Name, ParseOptions, Record, Rtype, parse_file};

/// Why hickory-proto 0.26 cannot stand in for a receiver of `r`, if it cannot:
/// those records are left out of the cross-checks (and listed by a test, so that a
/// new corpus entry hickory cannot read is noticed).
fn hickory_cannot(r: &Record) -> Option<&'static str> {
    match r.rtype {
        // hickory takes SIG for SIG(0) and refuses it outside ADDITIONAL.
        Rtype::SIG => Some("SIG outside the additional section"),
        // "unexpected record with length 0 in non-update message".
        Rtype::NULL if r.rdata.is_empty() => Some("empty RDATA"),
        // hickory has no MD, MF, MB, MG, MR or MINFO type, so keeps their RDATA
        // opaque and does not decompress it, although RFC 3597 §4 says receivers
        // MUST for the RFC 1035 types (which these are: we compress them).
        Rtype::MD | Rtype::MF | Rtype::MB | Rtype::MG | Rtype::MR | Rtype::MINFO => {
            Some("unknown to hickory, so names left compressed")
        }
        _ => None,
    }
}

/// The corpus: every type the zone-file parser reads, in file order.
fn corpus() -> Vec<Record> {
    all_types()
        .into_iter()
        .filter(|r| hickory_cannot(r).is_none())
        .collect()
}

/// Every record of `all-types.zone`.
fn all_types() -> Vec<Record> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zones");
    let origin: Name = "example.com.".parse().expect("origin");
    let parsed = parse_file(
        &dir.join("all-types.zone"),
        &origin,
        &ParseOptions::default(),
    )
    .expect("readable");
    assert!(!parsed.has_errors(), "{:?}", parsed.findings);
    parsed.records
}

/// The corpus packed as AXFR-out packs it: answer sections filled up to `limit`,
/// names compressed where RFC 3597 §4 allows.
fn our_messages(records: &[Record], limit: usize) -> Vec<(Vec<u8>, Vec<Record>)> {
    let zone: Name = "example.com.".parse().expect("zone");
    let start = || {
        let header = Header {
            id: 7,
            flags: FLAG_QR | FLAG_AA,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(header, limit);
        b.question(&zone, Rtype::AXFR, Class::IN).expect("question");
        b
    };
    let mut out = Vec::new();
    let (mut b, mut held) = (start(), Vec::new());
    for r in records {
        if b.push(Section::Answer, r).is_err() {
            out.push((std::mem::replace(&mut b, start()).finish(), held));
            held = Vec::new();
            b.push(Section::Answer, r).expect("fits an empty message");
        }
        held.push(r.clone());
    }
    out.push((b.finish(), held));
    out
}

/// A hickory name or RDATA in uncompressed wire form, case kept.
fn hickory_wire(item: &impl BinEncodable) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut enc = BinEncoder::new(&mut buf);
    enc.set_name_encoding(NameEncoding::Uncompressed);
    item.emit(&mut enc)
        .expect("hickory encodes what it decoded");
    buf
}

/// Checks that hickory's `got` is our `want`, field by field.
fn same(want: &Record, got: &HRecord) {
    let what = format!("{} {}", want.owner, want.rtype);
    assert_eq!(
        hickory_wire(&got.name),
        want.owner.as_wire(),
        "{what}: owner"
    );
    assert_eq!(u16::from(got.record_type()), want.rtype.0, "{what}: type");
    assert_eq!(u16::from(got.dns_class), want.class.0, "{what}: class");
    assert_eq!(got.ttl, want.ttl, "{what}: TTL");
    assert_eq!(
        hickory_wire(&got.data),
        want.rdata.as_wire(),
        "{what}: RDATA"
    );
}

#[test]
fn hickory_decodes_our_axfr_messages() {
    let records = corpus();
    // Small messages too, so that compression targets span several messages' worth
    // of offsets and records split across message boundaries.
    for limit in [65_535, 4_096, 1_232] {
        let messages = our_messages(&records, limit);
        let mut seen = 0;
        for (wire, held) in &messages {
            let decoded = HMessage::from_vec(wire)
                .unwrap_or_else(|e| panic!("hickory cannot read our message: {e}"));
            assert_eq!(decoded.metadata.id, 7);
            assert_eq!(decoded.queries.len(), 1);
            assert_eq!(decoded.answers.len(), held.len());
            for (want, got) in held.iter().zip(&decoded.answers) {
                same(want, got);
            }
            // And our own reader agrees.
            let ours: Vec<Record> = Message::parse(wire)
                .expect("ours")
                .answers()
                .collect::<Result<_, _>>()
                .expect("our records");
            assert_eq!(&ours, held);
            seen += held.len();
        }
        assert_eq!(seen, records.len(), "limit {limit}");
        assert!(limit == 65_535 || messages.len() > 1, "limit {limit}");
    }
}

#[test]
fn we_decode_hickory_messages() {
    let records = corpus();
    // hickory's records, decoded from our messages, re-packed by hickory (which
    // compresses owners and the RDATA names of the RFC 1035 types itself).
    for (wire, held) in our_messages(&records, 16_384) {
        let theirs = HMessage::from_vec(&wire).expect("hickory reads ours");
        let mut msg = HMessage::response(9, OpCode::Query);
        msg.add_answers(theirs.answers);
        let packed = msg.to_vec().expect("hickory packs");
        let parsed = Message::parse(&packed).expect("we read hickory's message");
        assert_eq!(parsed.header().id, 9);
        let ours: Vec<Record> = parsed
            .answers()
            .collect::<Result<_, _>>()
            .expect("we read hickory's records");
        assert_eq!(ours, held);
    }
}

#[test]
fn compression_is_used_and_only_where_allowed() {
    let records = corpus();
    let (wire, _) = our_messages(&records, 65_535).remove(0);
    let uncompressed: usize = records
        .iter()
        .map(|r| r.owner.as_wire().len() + 10 + r.rdata.len())
        .sum();
    assert!(wire.len() < uncompressed, "owners are compressed");
    // hickory would reject or misread a pointer in RDATA it does not decompress (SRV,
    // NAPTR, RRSIG, NSEC, SVCB …): the byte-for-byte checks above cover that; here,
    // the types whose RDATA we compress are the RFC 1035 ones.
    for r in &records {
        let ours = zonesync::zone::layout::compresses(r.rtype);
        let rfc1035 = matches!(
            r.rtype,
            Rtype::NS | Rtype::CNAME | Rtype::SOA | Rtype::PTR | Rtype::MX | Rtype::MINFO
        ) || (3..=9).contains(&r.rtype.0);
        assert_eq!(ours, rfc1035, "{}", r.rtype);
    }
}

#[test]
fn what_hickory_cannot_check_is_known() {
    let all = all_types();
    let mut left_out: Vec<String> = all
        .iter()
        .filter(|r| hickory_cannot(r).is_some())
        .map(|r| r.rtype.to_string())
        .collect();
    left_out.sort();
    left_out.dedup();
    assert_eq!(
        left_out,
        ["MB", "MD", "MF", "MG", "MINFO", "MR", "NULL", "SIG"]
    );
    assert!(
        corpus().len() + 10 >= all.len(),
        "only a few records are left out"
    );
}
