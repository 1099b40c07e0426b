//! Times the stages of loading a primary zone as `serve` does (parse, semantic
//! checks, building the served version), for profiling start-up.
//!
//! ```text
//! cargo run --release --example load_stages -- FILE [ORIGIN]
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use zonesync::zone::check::check_records_ordered;
use zonesync::zone::version::canonical_order_of;
use zonesync::zone::{Class, Name, ParseOptions, ZoneVersion, parse_file};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: load_stages FILE [ORIGIN]");
        return ExitCode::from(2);
    };
    let Ok(origin) = args
        .next()
        .unwrap_or_else(|| "example.com.".into())
        .parse::<Name>()
    else {
        eprintln!("bad origin");
        return ExitCode::from(2);
    };
    let t = Instant::now();
    let zone = match parse_file(Path::new(&file), &origin, &ParseOptions::default()) {
        Ok(z) => z,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let parsed = t.elapsed();
    // As `serve` loads a primary zone: one canonical sort for the checks and the
    // version.
    let t = Instant::now();
    let order = canonical_order_of(&origin, &zone.records);
    let sorted = t.elapsed();
    let t = Instant::now();
    let findings = check_records_ordered(&origin, &zone.records, &zone.positions, Some(&order));
    let checked = t.elapsed();
    let t = Instant::now();
    let version = ZoneVersion::from_records_ordered(origin, Class::IN, zone.records, order);
    let built = t.elapsed();
    println!(
        "parse {:.3} s, sort {:.3} s, check {:.3} s ({} findings), build {:.3} s ({} records)",
        parsed.as_secs_f64(),
        sorted.as_secs_f64(),
        checked.as_secs_f64(),
        findings.len(),
        built.as_secs_f64(),
        version.map(|v| v.record_count()).unwrap_or(0)
    );
    ExitCode::SUCCESS
}
