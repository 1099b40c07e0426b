//! `zonesync check FILE…`: one zone file per check under `tests/data/check/`, each
//! asserting the exact finding lines (file, line, column, severity, message), the exit
//! status (0 clean or warnings only, 1 errors or `--strict` warnings, 2 usage errors),
//! and the JSON document of `--format json`.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{bin, stderr, stdout};

const DIR: &str = "tests/data/check";

/// Runs `zonesync check ARGS` from the package root, so that paths print as given.
fn check(args: &[&str]) -> Output {
    Command::new(bin())
        .arg("check")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("zonesync runs")
}

fn path(file: &str) -> String {
    format!("{DIR}/{file}")
}

/// The finding lines of the output (the summary table follows them).
fn findings(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter(|l| l.starts_with(DIR))
        .map(str::to_string)
        .collect()
}

/// Checks `file` with origin example.com. and expects exactly `lines` (written without
/// the directory) and exit status `code`.
fn expect(file: &str, lines: &[&str], code: i32) {
    let o = check(&["--origin", "example.com", &path(file)]);
    let want: Vec<String> = lines.iter().map(|l| format!("{DIR}/{l}")).collect();
    assert_eq!(
        findings(&o),
        want,
        "stdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(code), "{file}: {}", stderr(&o));
}

/// A file with only warnings passes, and fails with `--strict`.
fn expect_warning(file: &str, line: &str) {
    expect(file, &[line], 0);
    let o = check(&["--strict", "--origin", "example.com.", &path(file)]);
    assert_eq!(o.status.code(), Some(1), "{file} --strict");
}

//----------- A clean zone -----------------------------------------------------------

#[test]
fn clean_zone_passes_with_a_summary() {
    let o = check(&[&path("example.com.zone")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(findings(&o), Vec::<String>::new());
    let out = stdout(&o);
    let row = out
        .lines()
        .find(|l| l.contains("example.com.zone"))
        .expect("a summary row");
    for cell in ["example.com.", "16", "0", "2024010101"] {
        assert!(row.contains(cell), "{row}");
    }
    assert!(out.contains("records") && out.contains("serial"), "{out}");
    let o = check(&["--strict", &path("example.com.zone")]);
    assert_eq!(o.status.code(), Some(0));
}

//----------- Errors -----------------------------------------------------------------

#[test]
fn soa_count() {
    expect(
        "soa-count.zone",
        &["soa-count.zone:6:1: error: more than one SOA record at example.com."],
        1,
    );
    expect(
        "no-soa.zone",
        &["no-soa.zone: error: no SOA record at the zone apex example.com."],
        1,
    );
}

#[test]
fn soa_not_at_apex() {
    expect(
        "soa-not-at-apex.zone",
        &[
            "soa-not-at-apex.zone:6:1: error: SOA record at sub.example.com., which is not the zone apex",
        ],
        1,
    );
}

#[test]
fn no_apex_ns() {
    expect(
        "no-apex-ns.zone",
        &["no-apex-ns.zone:2:1: error: no NS records at the zone apex example.com."],
        1,
    );
}

#[test]
fn out_of_zone() {
    expect(
        "out-of-zone.zone",
        &[
            "out-of-zone.zone:6:1: error: out-of-zone data at www.example.org. (the zone is example.com.)",
        ],
        1,
    );
}

#[test]
fn cname_and_other_data() {
    expect(
        "cname-and-other-data.zone",
        &["cname-and-other-data.zone:7:1: error: CNAME and other data at www.example.com."],
        1,
    );
}

#[test]
fn multiple_cname() {
    expect(
        "multiple-cname.zone",
        &["multiple-cname.zone:7:1: error: more than one CNAME record at www.example.com."],
        1,
    );
}

#[test]
fn cname_at_apex() {
    expect(
        "cname-at-apex.zone",
        &["cname-at-apex.zone:6:1: error: CNAME at the zone apex example.com."],
        1,
    );
}

#[test]
fn dname_descendants() {
    expect(
        "dname-descendants.zone",
        &[
            "dname-descendants.zone:7:1: error: data at www.old.example.com. below the DNAME at old.example.com.",
        ],
        1,
    );
}

#[test]
fn multiple_dname() {
    expect(
        "multiple-dname.zone",
        &["multiple-dname.zone:7:1: error: more than one DNAME record at old.example.com."],
        1,
    );
}

#[test]
fn dname_and_ns() {
    expect(
        "dname-and-ns.zone",
        &["dname-and-ns.zone:7:1: error: DNAME and NS at old.example.com."],
        1,
    );
}

#[test]
fn missing_glue() {
    expect(
        "missing-glue.zone",
        &[
            "missing-glue.zone:6:1: error: NS target ns.sub.example.com. of sub.example.com. has no A or AAAA records",
        ],
        1,
    );
}

#[test]
fn syntax_errors_come_from_the_parser() {
    let o = check(&["--origin", "example.com", &path("syntax-error.zone")]);
    let lines = findings(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{DIR}/syntax-error.zone:6:"))
            && lines[0].contains(": error: "),
        "{lines:?}"
    );
    assert_eq!(o.status.code(), Some(1));
}

//----------- Warnings ---------------------------------------------------------------

#[test]
fn occluded() {
    expect_warning(
        "occluded.zone",
        "occluded.zone:7:1: warning: A at www.sub.example.com. is occluded by the delegation at sub.example.com.",
    );
}

#[test]
fn target_is_cname() {
    expect_warning(
        "target-is-cname.zone",
        "target-is-cname.zone:6:1: warning: MX target mail.example.com. of example.com. is a CNAME",
    );
}

#[test]
fn missing_address() {
    expect_warning(
        "missing-address.zone",
        "missing-address.zone:6:1: warning: MX target mail.example.com. of example.com. has no A or AAAA records",
    );
}

#[test]
fn ttl_mismatch() {
    expect_warning(
        "ttl-mismatch.zone",
        "ttl-mismatch.zone:7:1: warning: TTLs differ in the A RRset at www.example.com. (300 and 600); the lowest, 300, is used",
    );
}

#[test]
fn duplicate() {
    expect_warning(
        "duplicate.zone",
        "duplicate.zone:7:1: warning: duplicate A record at www.example.com.",
    );
}

#[test]
fn soa_timers() {
    expect_warning(
        "soa-timers.zone",
        "soa-timers.zone:2:1: warning: SOA retry (7200) is not less than refresh (3600) at example.com.",
    );
}

#[test]
fn ds_at_apex() {
    expect_warning(
        "ds-at-apex.zone",
        "ds-at-apex.zone:6:1: warning: DS record at the zone apex example.com. (DS records belong in the parent zone)",
    );
}

#[test]
fn non_terminal_wildcard() {
    expect_warning(
        "non-terminal-wildcard.zone",
        "non-terminal-wildcard.zone:6:1: warning: non-terminal wildcard in a.*.example.com.",
    );
}

#[test]
fn bad_hostname() {
    expect_warning(
        "bad-hostname.zone",
        "bad-hostname.zone:6:1: warning: A record owner bad_host.example.com. is not a valid host name",
    );
}

//----------- Origins ----------------------------------------------------------------

/// The origin column of the summary row of `file`.
fn summary_origin(file: &str) -> String {
    let o = check(&[&path(file)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{file}: {}{}",
        stdout(&o),
        stderr(&o)
    );
    let out = stdout(&o);
    let row = out
        .lines()
        .find(|l| l.contains(file))
        .expect("a summary row")
        .to_string();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    format!("{} ({})", cells[2], cells[3])
}

#[test]
fn origin_from_the_soa_or_the_file_name() {
    // `@ SOA` without $ORIGIN: the file name says it.
    assert_eq!(
        summary_origin("example.com.zone"),
        "example.com. (file name)"
    );
    assert_eq!(summary_origin("db.example.net"), "example.net. (file name)");
    assert_eq!(summary_origin("example.org"), "example.org. (file name)");
    // An absolute SOA owner.
    assert_eq!(summary_origin("soa-owner.txt"), "example.info. (SOA owner)");
}

#[test]
fn the_files_own_origin_wins_over_its_name_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("example.com.zone");
    std::fs::write(
        &file,
        "$ORIGIN example.net.\n$TTL 300\n@ SOA ns hm 1 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\n",
    )
    .expect("write");
    let f = file.display().to_string();
    let o = check(&["--format", "json", &f]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let r = &doc["files"][0];
    assert_eq!(r["origin"], "example.net.");
    assert_eq!(r["origin_from"], "SOA owner");
    assert_eq!(r["findings"][0]["code"], "origin");
    assert_eq!(
        r["findings"][0]["message"],
        "the file name names example.com., its SOA owner example.net.: checked as example.net. \
         (give --origin to choose)"
    );
    // --origin decides, and says so.
    let o = check(&["--format", "json", "--origin", "example.net", &f]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["files"][0]["origin_from"], "--origin");
    assert_eq!(doc["files"][0]["warnings"], 0);
}

//----------- Several files, JSON, usage ---------------------------------------------

#[test]
fn several_files_in_argument_order() {
    let o = check(&[
        "--origin",
        "example.com",
        &path("duplicate.zone"),
        &path("cname-and-other-data.zone"),
    ]);
    assert_eq!(
        findings(&o),
        [
            format!("{DIR}/duplicate.zone:7:1: warning: duplicate A record at www.example.com."),
            format!(
                "{DIR}/cname-and-other-data.zone:7:1: error: CNAME and other data at www.example.com."
            ),
        ]
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn json_for_machines() {
    let o = check(&[
        "--format",
        "json",
        "--origin",
        "example.com.",
        &path("cname-and-other-data.zone"),
        &path("duplicate.zone"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON on stdout");
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    let f = &files[0];
    assert_eq!(f["file"], path("cname-and-other-data.zone"));
    assert_eq!(f["origin"], "example.com.");
    assert_eq!(f["records"], 6);
    assert_eq!(f["serial"], 2024010101u64);
    assert_eq!(f["errors"], 1);
    assert_eq!(f["warnings"], 0);
    assert_eq!(
        f["findings"],
        serde_json::json!([{
            "file": path("cname-and-other-data.zone"),
            "line": 7,
            "column": 1,
            "severity": "error",
            "code": "cname-and-other-data",
            "message": "CNAME and other data at www.example.com.",
        }])
    );
    assert_eq!(files[1]["warnings"], 1);
    assert_eq!(files[1]["findings"][0]["code"], "duplicate");

    // Findings about the whole file have no line or column.
    let o = check(&[
        "--format",
        "json",
        "--origin",
        "example.com",
        &path("no-soa.zone"),
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let finding = &doc["files"][0]["findings"][0];
    assert_eq!(finding["code"], "soa-count");
    assert!(finding["line"].is_null() && finding["column"].is_null());
    assert_eq!(doc["files"][0]["serial"], serde_json::Value::Null);
}

#[test]
fn usage_errors_exit_2() {
    // A malformed --origin.
    let o = check(&["--origin", "a..b", &path("example.com.zone")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--origin"), "{}", stderr(&o));
    // No origin to be found anywhere.
    let o = check(&[&path("no-origin.txt")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--origin"), "{}", stderr(&o));
    // No file at all.
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unreadable_file_is_an_error() {
    let missing = path("does-not-exist.zone");
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(&missing)
            .exists()
    );
    let o = check(&["--origin", "example.com", &missing]);
    assert_eq!(o.status.code(), Some(1));
    let lines = findings(&o);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(&format!("{missing}: error: cannot read the file")),
        "{lines:?}"
    );
}

//----------- --config ---------------------------------------------------------------

#[test]
fn config_example_and_its_zone_files_pass() {
    let o = check(&["--config", "examples/primary.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    // The config, its listed zone and the zones-dir zone are all in the summary.
    for want in [
        "examples/primary.yaml",
        "examples/zones/example.com.zone",
        "examples/zones.d/example.org.zone",
    ] {
        assert!(out.contains(want), "{want} missing from:\n{out}");
    }
}

#[test]
fn config_problems_are_named_by_path_and_zone_files_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("zonesync.yaml");
    std::fs::write(
        &config,
        "listen: [\"127.0.0.1:5300\"]\nzones:\n  - name: example.com\n    file: example.com.zone\n    allow-transfer: [ { key: xfr } ]\n",
    )
    .expect("write");
    let o = check(&["--config", &config.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("error: zones[0].allow-transfer[0].key: no key named \"xfr\""),
        "{}",
        stdout(&o)
    );
    // A valid config whose zone file has an error: the zone file's finding, exit 1.
    std::fs::write(
        &config,
        "listen: [\"127.0.0.1:5300\"]\nzones:\n  - name: example.com\n    file: example.com.zone\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("example.com.zone"),
        "$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww CNAME ns\nwww A 192.0.2.2\n",
    )
    .expect("write");
    let o = check(&["--config", &config.display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o)
            .contains("example.com.zone:6:1: error: CNAME and other data at www.example.com."),
        "{}",
        stdout(&o)
    );
}

#[test]
fn config_problems_all_at_once_with_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("zonesync.yaml");
    // A port another server holds.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    std::fs::write(
        &config,
        format!(
            "listen: [\"127.0.0.1:{port}\", \"127.0.0.1:0\", \"127.0.0.1:{port}\"]\n\
             state-dri: state\n\
             keys:\n  - {{ name: k, algorithm: hmac-sha256, secret: \"not base64!\" }}\n\
             zones:\n  - name: a.example\n    fille: a.zone\n    allow-transfer: [ {{ key: k }} ]\n\
             \x20 - name: b.example\n    file: missing.zone\n    allow-transfer: [ {{ key: nope }} ]\n\
             \x20   serial-policy: increment\n    min-refresh: soon\n"
        ),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("a.zone"),
        "$TTL 300\n@ SOA ns hm 1 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\n",
    )
    .expect("write");
    let c = config.display().to_string();
    let o = check(&["--config", &c]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(": error: ") || l.contains(": warning: "))
        .collect();
    let want = [
        format!(
            "{c}: warning: listen[0]: 127.0.0.1:{port} (TCP) cannot be bound now: in use \
             (another server, or zonesync already running?)"
        ),
        format!("{c}:1:1: error: listen[2]: 127.0.0.1:{port} is listed twice"),
        format!("{c}:2:1: error: state-dri: unknown key `state-dri` (did you mean `state-dir`?)"),
        format!(
            "{c}:4:1: error: keys[0]: bad secret for TSIG key \"k.\": not base64 (invalid \
             length at 8)"
        ),
        format!("{c}:7:1: error: zones[0].fille: unknown key `fille` (did you mean `file`?)"),
        format!("{c}:11:1: error: zones[1].allow-transfer[0].key: no key named \"nope\""),
        format!(
            "{c}:13:1: error: zones[1].min-refresh: bad duration \"soon\": expected a number \
             before each unit"
        ),
    ];
    let missing = format!(
        "{}: error: cannot read the file",
        dir.path().join("missing.zone").display()
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&missing)),
        "{missing} not in:\n{out}"
    );
    let config_lines: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with(&c))
        .collect();
    assert_eq!(config_lines, want, "{out}");
    // The zone file of the zone whose `fille` was read as `file` is checked too.
    assert!(out.contains("a.zone"), "{out}");
    drop(taken);
}

//----------- DNSSEC -----------------------------------------------------------------

#[test]
fn signed_zone_passes() {
    expect("signed.zone", &[], 0);
}

#[test]
fn signed_zone_problems() {
    expect(
        "signed-broken.zone",
        &[
            "signed-broken.zone:13:2: error: RRSIG A at ns1.example.com. (key 4321) expired at 2024-01-01 00:00:00 UTC",
            "signed-broken.zone:14:2: error: no RRSIG covers the NSEC RRset at ns1.example.com.",
            "signed-broken.zone:16:2: error: the NSEC at sub.example.com. points to example.com., but the next name of the zone is www.example.com.",
            "signed-broken.zone:20:2: error: RRSIG A at www.example.com. (key 4321) expired at 2024-01-01 00:00:00 UTC",
        ],
        1,
    );
}

#[test]
fn signatures_expiring_within_the_window_warn() {
    // The signatures run to 2060: a window of 100 years reaches them.
    let o = check(&[
        "--origin",
        "example.com",
        "--expiry-warning",
        "36500d",
        &path("signed.zone"),
    ]);
    let lines = findings(&o);
    assert_eq!(lines.len(), 9, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "{DIR}/signed.zone:5:2: warning: RRSIG SOA at example.com. (key 4321) expires at 2060-01-01 00:00:00 UTC, in "
        )),
        "{lines:?}"
    );
    assert_eq!(o.status.code(), Some(0));
    let o = check(&[
        "--strict",
        "--origin",
        "example.com",
        "--expiry-warning",
        "36500d",
        &path("signed.zone"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = check(&["--expiry-warning", "soon", &path("signed.zone")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

//----------- Signatures -------------------------------------------------------------

/// Fixtures signed by `dnssec-signzone` (see its README).
const SIGNED: &str = "tests/data/signed";

/// The finding lines about files under [`SIGNED`].
fn signed_findings(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter(|l| l.starts_with(SIGNED))
        .map(str::to_string)
        .collect()
}

#[test]
fn verify_signatures_passes_every_supported_algorithm() {
    for name in [
        "alg5",
        "alg8",
        "alg8-1024",
        "alg10",
        "alg13",
        "alg14",
        "alg15",
    ] {
        let file = format!("{SIGNED}/{name}.example.signed");
        let o = check(&["--verify-signatures", "--strict", &file]);
        assert_eq!(signed_findings(&o), Vec::<String>::new(), "{name}");
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
    }
    // Ed448 is not verified: a warning, once for the key.
    let file = format!("{SIGNED}/alg16.example.signed");
    let o = check(&["--verify-signatures", &file]);
    let lines = signed_findings(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(": warning: RRSIG NS at example. (key ")
            && lines[0].contains("not verified: algorithm 16 (ED448) is not supported"),
        "{lines:?}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn verify_signatures_finds_a_changed_signature() {
    let file = format!("{SIGNED}/alg13-bad.example.signed");
    let o = check(&["--verify-signatures", &file]);
    assert_eq!(
        signed_findings(&o),
        [format!(
            "{file}:81:4: error: RRSIG A at ns1.example. (key 59793) does not verify (algorithm 13)"
        )],
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    // The structural checks alone do not look at the signature's octets.
    let o = check(&[&file]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // JSON carries the same finding under its code.
    let o = check(&["--verify-signatures", "--format", "json", &file]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(
        doc["files"][0]["findings"][0]["code"],
        serde_json::json!("rrsig-invalid")
    );
}
