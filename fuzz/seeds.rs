//! The seed corpora: valid inputs for every target, built with the library itself (so
//! they stay valid as it changes) from the repository's example and test data. They
//! are written to `fuzz/corpus/<target>/` by the `write_corpus` test, so that other
//! engines (AFL++) can start from the same files.

use std::path::Path;

use zonesync::tsig::sign::ClientTsig;
use zonesync::wire::{FLAG_AA, FLAG_QR, FLAG_RD, Header, MessageBuilder, Opcode, Rcode, Section};
use zonesync::zone::{Class, Name, ParseOptions, Rdata, Record, Rtype, parse_bytes};

use super::targets::{NOW, XFR_ID, keys, origin, sign_responses, transfer_query};

/// `(file name, bytes)` for every seed of `target`.
pub fn generate(target: &str) -> Vec<(String, Vec<u8>)> {
    match target {
        "message" => message(),
        "tsig" => tsig(),
        "xfr" => xfr(),
        "zone" => zone(),
        "config" => config(),
        _ => Vec::new(),
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

/// The records of a zone file of `example.com`.
fn zone_records(file: &str) -> Vec<Record> {
    let path = root().join(file);
    let text = std::fs::read(&path).unwrap();
    let zone = parse_bytes(&text, &path, &origin(), &ParseOptions::default());
    zone.records
}

fn header(id: u16, flags: u16) -> Header {
    Header {
        id,
        flags,
        ..Default::default()
    }
}

fn soa(serial: u32) -> Record {
    let mut rdata = Vec::new();
    rdata.extend_from_slice(name("ns1.example.com.").as_wire());
    rdata.extend_from_slice(name("hostmaster.example.com.").as_wire());
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

fn a(owner: &str, last: u8) -> Record {
    Record::new(
        name(owner),
        Class::IN,
        Rtype::A,
        300,
        Rdata::from_wire(vec![192, 0, 2, last]),
    )
}

/// One transfer response message holding `records` in its answer section.
fn response(qtype: Rtype, records: &[Record]) -> Vec<u8> {
    let mut b = MessageBuilder::new(header(XFR_ID, FLAG_QR | FLAG_AA), 65_535);
    b.question(&origin(), qtype, Class::IN).unwrap();
    for r in records {
        b.push(Section::Answer, r).unwrap();
    }
    b.finish()
}

/// TCP framing.
fn framed(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(&(m.len() as u16).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

//----------- Per target -------------------------------------------------------------

fn message() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut q = MessageBuilder::new(header(0x0101, FLAG_RD), 512);
    q.question(&name("www.example.com."), Rtype::A, Class::IN)
        .unwrap();
    q.push_opt(1232, Rcode::NOERROR, true).unwrap();
    out.push(("query-edns".to_string(), q.finish()));
    let mut q = MessageBuilder::new(header(0x0202, 0), 512);
    q.question(&name("Example.COM."), Rtype::SOA, Class::IN)
        .unwrap();
    let mut signed = q.finish();
    ClientTsig::sign_request(&keys()[0], &mut signed, NOW);
    out.push(("query-tsig".to_string(), signed));
    let mut h = header(0x0303, FLAG_AA);
    h.set_opcode(Opcode::NOTIFY);
    let mut n = MessageBuilder::new(h, 512);
    n.question(&origin(), Rtype::SOA, Class::IN).unwrap();
    n.push(Section::Answer, &soa(7)).unwrap();
    out.push(("notify".to_string(), n.finish()));
    // Every record type the zone-file parser knows, in answers with compression.
    let records = zone_records("tests/data/zones/all-types.zone");
    for (i, chunk) in records.chunks(12).enumerate() {
        let mut b = MessageBuilder::new(header(i as u16, FLAG_QR | FLAG_AA), 65_535);
        b.question(&origin(), Rtype::ANY, Class::IN).unwrap();
        for (j, r) in chunk.iter().enumerate() {
            let section = [Section::Answer, Section::Authority, Section::Additional][j % 3];
            // Sections are filled in order: what does not fit its place goes last.
            if b.push(section, r).is_err() {
                b.push(Section::Additional, r).unwrap();
            }
        }
        out.push((format!("all-types-{i:02}"), b.finish()));
    }
    out
}

fn tsig() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let query = transfer_query(Rtype::AXFR);
    for (i, key) in keys().iter().enumerate() {
        let mut signed = query.clone();
        ClientTsig::sign_request(key, &mut signed, NOW);
        out.push((format!("verify-{i}"), [&[0u8][..], &signed].concat()));
        out.push((
            format!("verify-trunc-{i}"),
            [&[0x81u8][..], &signed].concat(),
        ));
    }
    out.push(("verify-unsigned".to_string(), [&[0u8][..], &query].concat()));
    out.push((
        "sign-then-verify".to_string(),
        [&[1u8][..], &query].concat(),
    ));
    let mut responses = vec![
        response(Rtype::AXFR, &[soa(1), a("a.example.com.", 1)]),
        response(Rtype::AXFR, &[a("b.example.com.", 2), soa(1)]),
    ];
    sign_responses(Rtype::AXFR, &mut responses);
    out.push((
        "responses".to_string(),
        [&[2u8][..], &framed(&responses)].concat(),
    ));
    out
}

fn xfr() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let records = zone_records("examples/zones/example.com.zone");
    let serial = 2024010101u32;
    let (first, rest) = records.split_at(records.len() / 2);
    let soa_rec = records[0].clone();
    let mut axfr = vec![
        response(Rtype::AXFR, first),
        response(Rtype::AXFR, &[rest, &[soa_rec]].concat()),
    ];
    out.push(("axfr".to_string(), [&[0u8][..], &framed(&axfr)].concat()));
    sign_responses(Rtype::AXFR, &mut axfr);
    out.push((
        "axfr-tsig".to_string(),
        [&[2u8][..], &framed(&axfr)].concat(),
    ));

    let ixfr_mode = |mode: u8, ours: u32| {
        let mut v = vec![mode];
        v.extend_from_slice(&ours.to_be_bytes());
        v
    };
    let ixfr = vec![
        response(
            Rtype::IXFR,
            &[soa(3), soa(1), a("old.example.com.", 1), soa(2)],
        ),
        response(
            Rtype::IXFR,
            &[
                a("new.example.com.", 2),
                soa(2),
                a("new.example.com.", 2),
                soa(3),
                a("newer.example.com.", 3),
                soa(3),
            ],
        ),
    ];
    out.push((
        "ixfr".to_string(),
        [ixfr_mode(1, 1), framed(&ixfr)].concat(),
    ));
    let mut signed = ixfr.clone();
    sign_responses(Rtype::IXFR, &mut signed);
    out.push((
        "ixfr-tsig".to_string(),
        [ixfr_mode(3, 1), framed(&signed)].concat(),
    ));
    let up_to_date = vec![response(Rtype::IXFR, &[soa(serial)])];
    out.push((
        "ixfr-up-to-date".to_string(),
        [ixfr_mode(1, serial), framed(&up_to_date)].concat(),
    ));
    let axfr_style: Vec<Vec<u8>> = vec![response(
        Rtype::IXFR,
        &[&records[..], &[records[0].clone()]].concat(),
    )];
    out.push((
        "ixfr-axfr-style".to_string(),
        [ixfr_mode(1, 1), framed(&axfr_style)].concat(),
    ));
    out
}

fn zone() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for file in [
        "examples/zones/example.com.zone",
        "tests/data/zones/all-types.zone",
        "tests/data/check/example.com.zone",
        "tests/data/check/signed.zone",
        "tests/data/check/occluded.zone",
        "tests/data/check/syntax-error.zone",
    ] {
        let text = std::fs::read(root().join(file)).unwrap();
        let base = Path::new(file).file_name().unwrap().to_string_lossy();
        let dir = Path::new(file).parent().unwrap().file_name().unwrap();
        out.push((format!("{}-{base}", dir.to_string_lossy()), text));
    }
    out.push((
        "directives.zone".to_string(),
        b"$TTL 1h\n$ORIGIN example.com.\n\
          @ IN SOA ns1 hostmaster ( 1 2h 30m 2w 5m )\n  IN NS ns1\n\
          ns1 IN A 192.0.2.1\n\
          $INCLUDE inc.zone\n\
          $INCLUDE inc.zone sub2\n\
          $GENERATE 1-20/3 host-$ A 192.0.2.$\n\
          $GENERATE 0-3 ${10,4,x} CNAME \"h$.example.com.\"\n\
          *.w 60 TXT \"a\\\"b\" \\065 ( c\n d )\n\
          x TYPE65280 \\# 3 abcdef\n"
            .to_vec(),
    ));
    out
}

fn config() -> Vec<(String, Vec<u8>)> {
    let primary = std::fs::read(root().join("examples/primary.yaml")).unwrap();
    let secondary = br#"listen: ["127.0.0.1:5300"]
state-dir: /var/lib/zonesync
keys:
  - { name: xfr-key, algorithm: hmac-sha256, secret: "MDEyMzQ1Njc4OWFiY2RlZg==" }
zones:
  - name: example.org
    primaries: [ { address: "192.0.2.1:53", key: xfr-key, ixfr: true, ixfr-udp: false } ]
    also-notify: [ "192.0.2.7", { address: "192.0.2.8:5300", key: xfr-key } ]
    notify: true
    min-refresh: 1m
    max-expire: 4w
templates:
  - name: fast
    min-refresh: 10s
    allow-transfer: [ { address: 10.0.0.0/8 } ]
super-slaves:
  servers: ["192.0.2.9:53"]
  key: xfr-key
  allow-unsigned: false
  catalog: catalog.example.
super-masters:
  - { address: "192.0.2.1", key: xfr-key, catalog: catalog.example, max-deletions: 10, unlisted-grace: 1h }
bulk-refresh: 1h
limits:
  max-zone-records: 1000000
  max-zone-bytes: 100000000
  transfers-in: 8
  transfers-in-per-primary: 2
  transfers-out: 16
  tcp-connections: 100
  tcp-idle-timeout: 30s
  max-zone-file-bytes: 1GiB
control: { http: "127.0.0.1:8053" }
metrics: "127.0.0.1:9153"
"#;
    vec![
        ("primary.yaml".to_string(), primary),
        ("secondary.yaml".to_string(), secondary.to_vec()),
    ]
}
