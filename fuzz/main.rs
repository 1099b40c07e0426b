//! Fuzzing on stable Rust: every parser of untrusted bytes (message reader and request
//! view, TSIG, the transfer interpreter, the zone-file lexer and parser, the config)
//! run under a structure-aware mutation engine (`engine.rs`, `mutate.rs`).
//!
//! - `cargo test` replays `fuzz/regressions/<target>/` and the seed corpora
//!   `fuzz/corpus/<target>/`, and fuzzes each target briefly (`FUZZ_SMOKE_ITERS`
//!   executions, 300 by default).
//! - `FUZZ_SECONDS=60 cargo test --test fuzz -- --ignored` fuzzes each
//!   target for that long (CI's bounded run); `FUZZ_SEED` picks the PRNG seed (else
//!   it is random and printed). Crashes are saved as hex under
//!   `target/tmp/fuzz-crashes/<target>/` and the test fails naming them.
//! - `UPDATE_FUZZ_CORPUS=1 cargo test --test fuzz write_corpus` writes the seed
//!   corpora again from `seeds.rs`.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

mod engine;
mod mutate;
mod seeds;
mod targets;

use std::path::{Path, PathBuf};
use std::time::Duration;

use engine::{Budget, Feedback, Target, run_one, unhex};

//----------- Targets ----------------------------------------------------------------

/// Every target: name, code, mutator, size cap.
fn all() -> [Target; 5] {
    [
        Target {
            name: "message",
            run: targets::message,
            mutate: mutate::message,
            max_len: 65_535,
        },
        Target {
            name: "tsig",
            run: targets::tsig,
            mutate: mutate::tsig,
            max_len: 65_535,
        },
        Target {
            name: "xfr",
            run: targets::xfr,
            mutate: mutate::xfr,
            max_len: 1 << 18,
        },
        Target {
            name: "zone",
            run: targets::zone,
            mutate: mutate::zone,
            max_len: 1 << 16,
        },
        Target {
            name: "config",
            run: targets::config,
            mutate: mutate::config,
            max_len: 1 << 14,
        },
    ]
}

fn target(name: &str) -> Target {
    all().into_iter().find(|t| t.name == name).unwrap()
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, read (`.hex` files as hex), sorted by name.
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let data = if p.extension().is_some_and(|e| e == "hex") {
                unhex(&String::from_utf8_lossy(&bytes))
            } else {
                bytes
            };
            (p, data)
        })
        .collect()
}

/// Seed corpus files plus the generated seeds.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = inputs("corpus", target)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    if out.is_empty() {
        out = seeds::generate(target)
            .into_iter()
            .map(|(_, d)| d)
            .collect();
    }
    out
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Fuzzes one target within `budget` and fails listing every crash.
fn fuzz(name: &str, budget: Budget) {
    let t = target(name);
    let seed = env_u64("FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let crash_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
    let report = engine::fuzz(&t, corpus(name), budget, seed, &crash_dir);
    println!(
        "fuzz {name}: seed {seed}, {} execs in {:.1?} ({:.0}/s), corpus {}, {} features, slowest {:.1?}",
        report.execs,
        report.elapsed,
        report.execs_per_sec(),
        report.corpus,
        report.features,
        report.slowest,
    );
    if !report.crashes.is_empty() {
        let mut text = format!("fuzz {name}: {} crash(es)\n", report.crashes.len());
        for c in &report.crashes {
            text.push_str(&format!(
                "- {}\n  saved to {}\n{}\n",
                c.message,
                c.saved.display(),
                c.hex
            ));
        }
        panic!("{text}");
    }
}

/// The bounded run: `FUZZ_SECONDS` (default 10) per target.
fn long(name: &str) {
    let secs = env_u64("FUZZ_SECONDS").unwrap_or(10);
    fuzz(
        name,
        Budget {
            iterations: u64::MAX,
            time: Duration::from_secs(secs),
        },
    );
}

/// The smoke run in `cargo test`: a few hundred executions.
fn smoke(name: &str) {
    let iterations = env_u64("FUZZ_SMOKE_ITERS").unwrap_or(300);
    fuzz(
        name,
        Budget {
            iterations,
            time: Duration::from_secs(30),
        },
    );
}

//----------- Regressions and seeds --------------------------------------------------

/// Every saved crash and every seed runs clean.
#[test]
fn regressions_and_seeds() {
    let mut failures = Vec::new();
    for t in all() {
        for kind in ["regressions", "corpus"] {
            for (path, data) in inputs(kind, t.name) {
                if let Err(message) = run_one(&t, &data, &mut Feedback::default()) {
                    failures.push(format!("{}: {message}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The seeds reach the deep end of each target: a corpus that stopped parsing (after
/// a library change) would leave the fuzzer knocking at the front door.
#[test]
fn seeds_go_deep() {
    type Check<'a> = (&'a str, &'a str, &'a dyn Fn(&Feedback) -> bool);
    let expect: [Check; 10] = [
        ("message", "all-types-00", &|f| f.saw("round trip")),
        ("message", "query-tsig", &|f| f.saw("round trip")),
        ("tsig", "verify-0", &|f| f.saw("signed")),
        ("tsig", "verify-1", &|f| f.saw("signed")),
        ("tsig", "responses", &|f| f.saw(("finish", true))),
        ("xfr", "axfr-tsig", &|f| f.saw(("full", 8usize))),
        ("xfr", "ixfr-tsig", &|f| f.saw(("incremental", 2usize))),
        ("xfr", "ixfr-up-to-date", &|f| f.saw("up to date")),
        ("zone", "directives.zone", &|f| f.saw("round trip")),
        ("config", "secondary.yaml", &|f| f.saw("valid")),
    ];
    for (name, seed, check) in expect {
        let t = target(name);
        let data = seeds::generate(name)
            .into_iter()
            .find(|(n, _)| n == seed)
            .unwrap()
            .1;
        let mut feedback = Feedback::default();
        run_one(&t, &data, &mut feedback).unwrap();
        assert!(
            check(&feedback),
            "{name}/{seed} does not get far: {feedback:?}"
        );
    }
}

/// The findings the fuzz engine made (see `fuzz/regressions/`) stay fixed: a pointer
/// into the header is refused; a TSIG failure reply to a request with a compressed
/// QNAME is a valid message; 65,536 CNAMEs at one owner are checked in well under a
/// second (once minutes: the CNAME rules compared every pair).
#[test]
fn fixed_findings_stay_fixed() {
    use zonesync::tsig::sign::{RequestTsig, VerifyPolicy, verify_request};
    use zonesync::wire::Message;

    let input = |file: &str| {
        let path = fuzz_dir().join("regressions").join(file);
        unhex(&std::fs::read_to_string(path).unwrap())[1..].to_vec()
    };
    for file in [
        "tsig/pointer-into-header-arcount.hex",
        "tsig/pointer-into-header-flags.hex",
    ] {
        assert!(Message::parse(&input(file)).is_err(), "{file}");
    }
    for file in [
        "tsig/reply-echoes-compressed-qname.hex",
        "tsig/reply-echoes-dangling-pointer.hex",
    ] {
        let msg = input(file);
        if let RequestTsig::Failed(failure) =
            verify_request(&msg, |_, _| None, targets::NOW, VerifyPolicy::default())
        {
            let reply = failure.reply(&msg, targets::NOW);
            assert!(
                Message::parse(&reply).is_ok(),
                "{file}: the reply does not parse"
            );
        }
    }
    let text = "$ORIGIN example.com.\n$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n\
                ns A 192.0.2.1\n$GENERATE 0-65535 x CNAME t$\n";
    let zone = zonesync::zone::parse::parse_bytes(
        text.as_bytes(),
        std::path::Path::new("many.zone"),
        &"example.com.".parse().unwrap(),
        &zonesync::zone::parse::ParseOptions::default(),
    );
    assert_eq!(zone.records.len(), 65_536 + 3);
    let findings = zonesync::zone::check_zone(&zone);
    assert!(findings.iter().any(|f| f.code == "multiple-cname"));
}

/// With `UPDATE_FUZZ_CORPUS=1`, writes the seeds `seeds.rs` generates to
/// `fuzz/corpus/` (for AFL++, and to keep the corpus reviewable); else does nothing.
#[test]
fn write_corpus() {
    if std::env::var_os("UPDATE_FUZZ_CORPUS").is_none() {
        return;
    }
    for t in all() {
        let dir = fuzz_dir().join("corpus").join(t.name);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, data) in seeds::generate(t.name) {
            std::fs::write(dir.join(name), data).unwrap();
        }
    }
}

//----------- Smoke runs (cargo test) ------------------------------------------------

#[test]
fn smoke_message() {
    smoke("message");
}

#[test]
fn smoke_tsig() {
    smoke("tsig");
}

#[test]
fn smoke_xfr() {
    smoke("xfr");
}

#[test]
fn smoke_zone() {
    smoke("zone");
}

#[test]
fn smoke_config() {
    smoke("config");
}

//----------- Bounded runs (CI) ------------------------------------------------------

#[test]
#[ignore = "the bounded fuzz run: FUZZ_SECONDS per target"]
fn fuzz_message() {
    long("message");
}

#[test]
#[ignore = "the bounded fuzz run: FUZZ_SECONDS per target"]
fn fuzz_tsig() {
    long("tsig");
}

#[test]
#[ignore = "the bounded fuzz run: FUZZ_SECONDS per target"]
fn fuzz_xfr() {
    long("xfr");
}

#[test]
#[ignore = "the bounded fuzz run: FUZZ_SECONDS per target"]
fn fuzz_zone() {
    long("zone");
}

#[test]
#[ignore = "the bounded fuzz run: FUZZ_SECONDS per target"]
fn fuzz_config() {
    long("config");
}
