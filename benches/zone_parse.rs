//! Criterion benchmarks of zone-file loading and writing: `parse_bytes` (the lexer,
//! parser and RDATA codecs on an in-memory zone), `parse_file` (the same through the
//! chunked file reader), `write_zone`, and the edit path of a reload: `index_text`
//! (what a reload compares with) and `apply_edit` (ten records changed and the serial
//! raised, applied to the served version).
//!
//! The input is `examples/genzone.rs`'s deterministic zone, 200,000 records by default
//! (`ZONE_BENCH_RECORDS` changes it). `benches/zone-bench.sh` runs the 1,000,000-record
//! comparison against NSD, Knot and BIND with peak memory.
//!
//! ```text
//! cargo bench --bench zone_parse
//! ```

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zonesync::zone::edit::{apply_edit, index_text};
use zonesync::zone::{
    Class, Name, ParseOptions, WriteOptions, parse_bytes, parse_file, version::ZoneVersion,
    write_zone,
};

#[path = "../examples/genzone.rs"]
#[allow(dead_code)]
mod genzone;

fn zone_benches(c: &mut Criterion) {
    let records = std::env::var("ZONE_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let mut text = Vec::new();
    let n = genzone::generate(records, "example.com.", &mut text).expect("writing to a Vec");
    let origin: Name = "example.com.".parse().expect("a valid name");
    let opts = ParseOptions::default();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("bench.zone");
    std::fs::write(&file, &text).expect("writing the zone file");

    let mut group = c.benchmark_group("zone");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("parse_bytes/{n}"), |b| {
        b.iter(|| parse_bytes(black_box(&text), Path::new("bench.zone"), &origin, &opts))
    });
    group.bench_function(format!("parse_file/{n}"), |b| {
        b.iter(|| parse_file(black_box(&file), &origin, &opts).expect("readable"))
    });

    let zone = parse_bytes(&text, Path::new("bench.zone"), &origin, &opts);
    assert!(!zone.has_errors(), "{:?}", zone.findings.first());
    group.throughput(Throughput::Elements(n as u64));
    let write_opts = WriteOptions {
        relative_to: Some(origin.clone()),
        origin_directive: true,
        ..WriteOptions::default()
    };
    group.bench_function(format!("write_zone/{n}"), |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(text.len() * 2);
            write_zone(&mut out, black_box(&zone.records), &write_opts).expect("writing to a Vec");
            out
        })
    });

    // The edit path: the serial raised and ten A records readdressed, mid-file.
    let version = ZoneVersion::from_records(origin.clone(), Class::IN, zone.records.clone())
        .expect("a valid zone");
    let index = index_text(&text, &origin).expect("indexable");
    let edited = edit(&text);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("index_text/{n}"), |b| {
        b.iter(|| index_text(black_box(&text), &origin).expect("indexable"))
    });
    group.bench_function(format!("apply_edit/{n}"), |b| {
        b.iter(|| {
            let e = apply_edit(
                &version,
                &index,
                black_box(&edited),
                Path::new("bench.zone"),
                &opts,
            )
            .expect("the edit path");
            assert_eq!(e.touched, 11);
            e
        })
    });
    group.finish();
}

/// `text` with its SOA serial raised and the ten `hostN IN A` lines after the middle
/// given new addresses.
fn edit(text: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(text).expect("the generated zone is ASCII");
    let half = text.len() / 2;
    let mut changed = 0;
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        if line.contains("2024010101") {
            line = line.replace("2024010101", "2024010102");
        } else if at > half && changed < 10 && line.starts_with("host") && line.contains(" IN A ") {
            let (head, _) = line.rsplit_once(' ').expect("an address");
            line = format!("{head} 10.255.255.{changed}\n");
            changed += 1;
        }
        at += line.len();
        out.push_str(&line);
    }
    out.into_bytes()
}

criterion_group!(benches, zone_benches);
criterion_main!(benches);
