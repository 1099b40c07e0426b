//! Criterion benchmarks of zone-file loading and writing: `parse_bytes` (the lexer,
//! parser and RDATA codecs on an in-memory zone), `parse_file` (the same through the
//! chunked file reader) and `write_zone`.
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
use zonesync::zone::{Name, ParseOptions, WriteOptions, parse_bytes, parse_file, write_zone};

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
    group.finish();
}

criterion_group!(benches, zone_benches);
criterion_main!(benches);
