//! Criterion benchmarks of versions: `from_records` (a version built from a parsed
//! zone or an AXFR), and a new version made from the served one, as a secondary
//! makes it from an IXFR and a primary from an edit: `apply` of ten changed A records
//! at existing names (the node chunks are shared: O(change)), `apply` of ten new
//! names (positions shift: the chunks and the name index are rebuilt, O(n)), the
//! drop of a replaced version, and `diff` between neighbouring versions (shared
//! chunks skipped).
//!
//! The zone is `examples/genzone.rs`'s, 1,000,000 records by default
//! (`ZONE_BENCH_RECORDS` changes it). `benches/notify-bench.sh` measures the whole
//! IXFR path (last message → served, the store's commit included) beside Knot.
//!
//! ```text
//! cargo bench --bench version_apply
//! ```

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use zonesync::zone::version::ZoneVersion;
use zonesync::zone::{
    Changeset, Class, Name, ParseOptions, Rdata, Record, Rtype, diff, parse_bytes,
};

#[path = "../examples/genzone.rs"]
#[allow(dead_code)]
mod genzone;

/// The SOA of `version` with the serial raised by one.
fn next_soa(version: &ZoneVersion) -> Record {
    let mut soa = version.soa_record();
    let mut wire = soa.rdata.as_wire().to_vec();
    let at = wire.len() - 20;
    let serial = u32::from_be_bytes(wire[at..at + 4].try_into().expect("4 octets"));
    wire[at..at + 4].copy_from_slice(&serial.wrapping_add(1).to_be_bytes());
    soa.rdata = Rdata::from_wire(wire);
    soa
}

/// Ten A records of `version` (spread over the nodes that own one) given new
/// addresses.
fn changed_addresses(version: &ZoneVersion) -> Changeset {
    let owners: Vec<_> = version
        .nodes()
        .iter()
        .filter(|node| node.rrset(Rtype::A).is_some_and(|s| s.len() == 1))
        .collect();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for i in 0..10u8 {
        let node = owners[owners.len() * usize::from(i) / 10];
        let set = node.rrset(Rtype::A).expect("filtered");
        let old = Record::new(
            node.name().clone(),
            Class::IN,
            Rtype::A,
            set.ttl,
            Rdata::from_wire(set.first().expect("sets are never empty")),
        );
        let mut new = old.clone();
        new.rdata = Rdata::from_wire(vec![10, 254, 0, i]);
        removed.push(old);
        added.push(new);
    }
    Changeset {
        from_soa: version.soa_record(),
        to_soa: next_soa(version),
        removed,
        added,
    }
}

/// Ten new names, one A record each.
fn new_names(version: &ZoneVersion) -> Changeset {
    let added = (0..10)
        .map(|i| {
            let owner: Name = format!("new-{i}.example.com.")
                .parse()
                .expect("a valid name");
            Record::new(
                owner,
                Class::IN,
                Rtype::A,
                3600,
                Rdata::from_wire(vec![10, 253, 0, i]),
            )
        })
        .collect();
    Changeset {
        from_soa: version.soa_record(),
        to_soa: next_soa(version),
        removed: Vec::new(),
        added,
    }
}

fn apply_benches(c: &mut Criterion) {
    let records = std::env::var("ZONE_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mut text = Vec::new();
    let n = genzone::generate(records, "example.com.", &mut text).expect("writing to a Vec");
    let origin: Name = "example.com.".parse().expect("a valid name");
    let zone = parse_bytes(
        &text,
        Path::new("bench.zone"),
        &origin,
        &ParseOptions::default(),
    );
    assert!(!zone.has_errors(), "{:?}", zone.findings.first());
    let mut group = c.benchmark_group("version_build");
    group.sample_size(10);
    group.bench_function(format!("from_records/{n}"), |b| {
        b.iter_batched(
            || zone.records.clone(),
            |records| ZoneVersion::from_records(origin.clone(), Class::IN, records),
            BatchSize::PerIteration,
        )
    });
    group.finish();
    let served = ZoneVersion::from_records(origin, Class::IN, zone.records).expect("a valid zone");
    let changed = changed_addresses(&served);
    assert_eq!(changed.added.len(), 10);
    let grown = new_names(&served);

    let mut group = c.benchmark_group("version");
    group.sample_size(20);
    group.bench_function(format!("apply_changed_records/{n}"), |b| {
        b.iter(|| served.apply(black_box(&changed)).expect("applies"))
    });
    group.bench_function(format!("apply_new_names/{n}"), |b| {
        b.iter(|| served.apply(black_box(&grown)).expect("applies"))
    });
    group.bench_function(format!("drop_replaced/{n}"), |b| {
        b.iter_batched(
            || served.apply(&changed).expect("applies"),
            drop,
            BatchSize::PerIteration,
        )
    });
    let next = served.apply(&changed).expect("applies");
    group.bench_function(format!("diff_neighbours/{n}"), |b| {
        b.iter(|| diff(black_box(&served), black_box(&next)))
    });
    group.finish();
}

criterion_group!(benches, apply_benches);
criterion_main!(benches);
