//! The fuzz targets under AFL++ (coverage-guided), for long local runs; CI runs the
//! stable engine instead (`fuzz/main.rs`), since building for AFL++ takes longer
//! than its fuzz budget. Needs `cargo install cargo-afl` (see README "Fuzzing"):
//!
//! ```text
//! cargo afl build --release --features afl --example fuzz_afl
//! cargo afl fuzz -i fuzz/corpus/zone -o target/afl/zone target/release/examples/fuzz_afl zone
//! ```
//!
//! The argument names the target (`message`, `tsig`, `xfr`, `zone`, `config`); a
//! crash AFL++ saves (`target/afl/<target>/default/crashes/`) becomes a regression
//! test when copied to `fuzz/regressions/<target>/`.

#![allow(clippy::print_stderr, clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../fuzz/engine.rs"]
mod engine;
#[allow(dead_code)]
#[path = "../fuzz/targets.rs"]
mod targets;

use engine::Feedback;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let run: fn(&[u8], &mut Feedback) = match name.as_str() {
        "message" => targets::message,
        "tsig" => targets::tsig,
        "xfr" => targets::xfr,
        "zone" => targets::zone,
        "config" => targets::config,
        _ => {
            eprintln!("usage: fuzz_afl message|tsig|xfr|zone|config");
            std::process::exit(2);
        }
    };
    afl::fuzz!(|data: &[u8]| {
        run(data, &mut Feedback::default());
    });
}
