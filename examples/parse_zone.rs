//! Parses a zone file once and reports the record count, findings and time: the
//! binary `benches/zone-bench.sh` measures with `/usr/bin/time` (peak memory).
//!
//! ```text
//! cargo run --release --example parse_zone -- FILE [ORIGIN]
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use zonesync::zone::{Name, ParseOptions, parse_file};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: parse_zone FILE [ORIGIN]");
        return ExitCode::from(2);
    };
    let origin = args.next().unwrap_or_else(|| "example.com.".to_string());
    let Ok(origin) = origin.parse::<Name>() else {
        eprintln!("bad origin {origin}");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let zone = match parse_file(Path::new(&file), &origin, &ParseOptions::default()) {
        Ok(zone) => zone,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = start.elapsed();
    for f in zone.findings.iter().take(10) {
        eprintln!("{f}");
    }
    println!(
        "{} records, {} findings, parsed in {:.3} s",
        zone.records.len(),
        zone.findings.len(),
        elapsed.as_secs_f64()
    );
    if zone.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
