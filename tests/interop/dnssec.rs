//! DNSSEC-signed zones: zonesync answers DO queries as knotd does, its answers
//! validate, and a signed zone passes knotd → zonesync → named with every signature.
//!
//! The zones are the differential test's zone (every case RFC 1034 §4.3.2
//! distinguishes), signed here by BIND's `dnssec-keygen` and `dnssec-signzone`
//! (ECDSA P-256) three ways: NSEC, NSEC3 (salted, no extra iterations, RFC 9276), and
//! NSEC3 with Opt-Out. zonesync never signs; it must serve the signer's records
//! untouched and choose the right ones as proofs.
//!
//! - Differential: every (name, type) pair and 1500 random queries, all with DO,
//!   against knotd and zonesync serving the same signed file; the answers must agree
//!   as the unsigned differential test requires (RCODE, flags, the three sections as
//!   sets), with the same narrow exceptions.
//! - Validation: `delv`, trusting the zone's KSK, asks zonesync for a positive answer
//!   and for each kind of negative answer (NXDOMAIN, NODATA, NODATA at an empty
//!   non-terminal and at a wildcard, a wildcard expansion, no DS at an unsigned
//!   delegation) and must call each "fully validated" (or, under Opt-Out, where the
//!   RFC makes a wildcard answer insecure, an "unsigned answer").
//! - Chain: knotd serves the signed zone, zonesync is its secondary, named is
//!   zonesync's; named's copy equals knotd's record for record, and `delv` validates
//!   named's answers.

use std::path::Path;

use zonesync::zone::Rtype;

use crate::differential::{ORIGIN, QTYPES, compare_with_knot, generate_queries, names, zone_text};
use crate::peers::{
    Daemon, Role, ServeZone, ZoneDef, axfr_set, both, free_port, run, start_knot, start_named_on,
    start_zonesync_config, start_zonesync_on, tool, zonesync,
};

//----------- Signing ----------------------------------------------------------------

/// How a zone proves non-existence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Denial {
    Nsec,
    Nsec3,
    Nsec3OptOut,
}

/// A signed zone and the trust anchor for it.
struct Signed {
    /// The signed zone file's text.
    text: String,
    /// A `delv -a` file trusting the zone's KSK.
    anchor: std::path::PathBuf,
    /// Keys, zone files and the anchor.
    _dir: tempfile::TempDir,
}

/// Signs `text` (the zone [`ORIGIN`]) with a fresh KSK and ZSK.
fn sign(text: &str, denial: Denial) -> Signed {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let origin = format!("{ORIGIN}.");
    let unsigned = dir.path().join("zone");
    std::fs::write(&unsigned, text).expect("zone file");
    let keygen = tool("dnssec-keygen");
    for extra in [&["-f", "KSK"][..], &[][..]] {
        let mut args = vec!["-q", "-K", &d, "-a", "ECDSAP256SHA256"];
        args.extend_from_slice(extra);
        args.push(&origin);
        let out = run(&keygen, &args);
        assert!(out.status.success(), "dnssec-keygen: {}", both(&out));
    }
    let signed = dir.path().join("zone.signed");
    let (u, s) = (unsigned.display().to_string(), signed.display().to_string());
    // `-d`: the dsset file goes to the temporary folder, not the working directory.
    let mut args = vec!["-q", "-K", &d, "-d", &d, "-S", "-o", &origin, "-f", &s];
    match denial {
        Denial::Nsec => {}
        Denial::Nsec3 => args.extend_from_slice(&["-3", "5ca1ab1e", "-H", "0"]),
        Denial::Nsec3OptOut => args.extend_from_slice(&["-3", "5ca1ab1e", "-H", "0", "-A"]),
    }
    args.push(&u);
    let out = run(&tool("dnssec-signzone"), &args);
    assert!(out.status.success(), "dnssec-signzone: {}", both(&out));
    let text = std::fs::read_to_string(&signed).expect("signed zone");

    // The KSK (flags 257) as a static trust anchor for delv.
    let anchor = dir.path().join("anchor.conf");
    // dnssec-signzone writes DNSKEYs on several lines; the .key file has it on one.
    let key_line = std::fs::read_dir(dir.path())
        .expect("key dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".key"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .find_map(|k| {
            k.lines()
                .find(|l| !l.starts_with(';') && l.contains("DNSKEY") && l.contains(" 257 "))
                .map(str::to_string)
        })
        .expect("a KSK");
    let fields: Vec<&str> = key_line.split_whitespace().collect();
    let at = fields.iter().position(|&t| t == "DNSKEY").expect("DNSKEY");
    let (flags, proto, alg) = (fields[at + 1], fields[at + 2], fields[at + 3]);
    let key: String = fields[at + 4..].concat();
    std::fs::write(
        &anchor,
        format!("trust-anchors {{\n  {origin} static-key {flags} {proto} {alg} \"{key}\";\n}};\n"),
    )
    .expect("anchor");
    Signed {
        text,
        anchor,
        _dir: dir,
    }
}

/// The hashed owner names of a signed zone's NSEC3 records (a few of them).
fn nsec3_owners(signed: &str) -> Vec<String> {
    let mut owners: Vec<String> = signed
        .lines()
        .filter(|l| l.split_whitespace().any(|f| f == "NSEC3"))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|o| o.len() > 32)
        .map(str::to_string)
        .collect();
    owners.sort();
    owners.dedup();
    owners.truncate(3);
    owners
}

//----------- Differential -----------------------------------------------------------

/// The differential test's queries, all with DO, for the DNSSEC types too and for
/// some hashed owner names (which must not exist as names: RFC 5155 §7.2.8).
fn dnssec_queries(signed: &str) -> Vec<crate::differential::Query> {
    let mut names = names();
    names.extend(nsec3_owners(signed));
    let mut qtypes = QTYPES.to_vec();
    qtypes.extend_from_slice(&[
        Rtype::RRSIG,
        Rtype::NSEC,
        Rtype::NSEC3,
        Rtype::NSEC3PARAM,
        Rtype::DNSKEY,
    ]);
    generate_queries(&names, &qtypes, true)
}

#[test]
fn nsec_signed_answers_equal_knots() {
    let signed = sign(&zone_text(), Denial::Nsec);
    compare_with_knot(signed.text.clone(), &dnssec_queries(&signed.text));
}

#[test]
fn nsec3_signed_answers_equal_knots() {
    let signed = sign(&zone_text(), Denial::Nsec3);
    compare_with_knot(signed.text.clone(), &dnssec_queries(&signed.text));
}

#[test]
fn nsec3_opt_out_signed_answers_equal_knots() {
    let signed = sign(&zone_text(), Denial::Nsec3OptOut);
    compare_with_knot(signed.text.clone(), &dnssec_queries(&signed.text));
}

//----------- Validation -------------------------------------------------------------

/// What `delv` must conclude about an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// "; fully validated" (a positive answer).
    Secure,
    /// "; negative response, fully validated".
    SecureNegative,
    /// "; unsigned answer": insecure, as RFC 5155 §6 makes answers under Opt-Out.
    Insecure,
}

/// Asks `port` for `name type` through `delv`, trusting `anchor`; panics unless the
/// verdict is `want`.
fn delv(port: u16, anchor: &Path, name: &str, rtype: &str, want: Verdict) {
    let port_s = port.to_string();
    let a = anchor.display().to_string();
    let root = format!("+root={ORIGIN}");
    let qname = if name == "@" {
        format!("{ORIGIN}.")
    } else {
        format!("{name}.{ORIGIN}.")
    };
    let out = run(
        &tool("delv"),
        &[
            "@127.0.0.1",
            "-p",
            &port_s,
            "-a",
            &a,
            &root,
            "+tcp",
            &qname,
            rtype,
        ],
    );
    let text = both(&out);
    let verdict = if text.contains("; negative response, fully validated") {
        Some(Verdict::SecureNegative)
    } else if text.contains("; fully validated") {
        Some(Verdict::Secure)
    } else if text.contains("; unsigned answer") {
        Some(Verdict::Insecure)
    } else {
        None
    };
    assert_eq!(
        verdict,
        Some(want),
        "delv {qname} {rtype} from port {port}:\n{text}"
    );
}

/// Each kind of answer, and what a validator must make of it.
fn validation_cases(denial: Denial) -> Vec<(&'static str, &'static str, Verdict)> {
    let wildcard_answer = if denial == Denial::Nsec3OptOut {
        // The NSEC3 covering the next closer name has Opt-Out set: the expansion
        // cannot be proven (RFC 5155 §9.2).
        Verdict::Insecure
    } else {
        Verdict::Secure
    };
    vec![
        ("www", "A", Verdict::Secure),
        ("alias", "A", Verdict::Secure),
        ("@", "MX", Verdict::Secure),
        ("nx", "A", Verdict::SecureNegative),
        ("a.nx", "TXT", Verdict::SecureNegative),
        ("www", "MX", Verdict::SecureNegative),
        ("b.ent", "A", Verdict::SecureNegative),
        ("other.ent", "A", Verdict::SecureNegative),
        ("foo.wild", "A", wildcard_answer),
        ("foo.wild", "AAAA", Verdict::SecureNegative),
        ("deleg", "DS", Verdict::Secure),
        ("sibling", "DS", Verdict::SecureNegative),
        ("noglue", "DS", Verdict::SecureNegative),
        ("foo.dname", "A", Verdict::Secure),
    ]
}

fn validate_zonesync(denial: Denial) {
    let signed = sign(&zone_text(), denial);
    let zs = start_zonesync_on(
        free_port(),
        &[ServeZone {
            name: ORIGIN.into(),
            text: signed.text.clone(),
            settings: String::new(),
        }],
        &[],
    );
    for (name, rtype, want) in validation_cases(denial) {
        delv(zs.port, &signed.anchor, name, rtype, want);
    }
}

#[test]
fn delv_validates_nsec_answers() {
    validate_zonesync(Denial::Nsec);
}

#[test]
fn delv_validates_nsec3_answers() {
    validate_zonesync(Denial::Nsec3);
}

#[test]
fn delv_validates_nsec3_opt_out_answers() {
    validate_zonesync(Denial::Nsec3OptOut);
}

//----------- Chain ------------------------------------------------------------------

/// knotd (primary, the signed file) → zonesync → named: named's copy is knotd's, and
/// its answers validate.
#[test]
fn signed_zone_passes_knot_zonesync_named() {
    let signed = sign(&zone_text(), Denial::Nsec3);
    let knot = start_knot(
        &[ZoneDef {
            name: ORIGIN.into(),
            role: Role::Primary(signed.text.clone()),
        }],
        &[],
    );
    let (zs_port, named_port) = (free_port(), free_port());
    let zs = start_zonesync_config(
        zs_port,
        &format!(
            "listen: [\"127.0.0.1:{zs_port}\"]\nstate-dir: state\nzones:\n  - name: {ORIGIN}\n    \
             primaries: [ {{ address: \"127.0.0.1:{}\" }} ]\n    \
             allow-transfer: [ {{ address: 127.0.0.0/8 }} ]\n    also-notify: [\"127.0.0.1:{named_port}\"]\n",
            knot.port
        ),
        &[ORIGIN],
    );
    let named: Daemon = start_named_on(
        named_port,
        &[ZoneDef {
            name: ORIGIN.into(),
            role: Role::Secondary(zs.port),
        }],
        &[],
        "",
    );
    let from_knot = axfr_set(knot.port, ORIGIN, None);
    assert!(
        from_knot.iter().filter(|r| r.1 == Rtype::RRSIG.0).count() > 50,
        "the zone is signed"
    );
    assert_eq!(
        axfr_set(zs.port, ORIGIN, None),
        from_knot,
        "zonesync's copy"
    );
    assert_eq!(
        axfr_set(named.port, ORIGIN, None),
        from_knot,
        "named's copy"
    );
    for (name, rtype, want) in validation_cases(Denial::Nsec3) {
        delv(named.port, &signed.anchor, name, rtype, want);
    }

    // Re-signed with fresh keys, a new name and a new serial (every signature and the
    // NSEC3 chain change): knotd's difference goes down the chain by IXFR, through
    // zonesync's journal.
    let mut text2 = zone_text().replace("2024010101", "2024010102");
    text2.push_str("added A 192.0.2.99\n");
    let signed2 = sign(&text2, Denial::Nsec3);
    knot.update_zone(ORIGIN, &signed2.text, 2024010102);
    // This knotd notifies nobody: tell zonesync (it notifies named itself).
    let out = zonesync(&["notify", ORIGIN, "-s", &zs.addr()]);
    assert!(out.status.success(), "{}", both(&out));
    named.wait_serial(ORIGIN, 2024010102);
    let from_knot = axfr_set(knot.port, ORIGIN, None);
    assert_eq!(
        axfr_set(zs.port, ORIGIN, None),
        from_knot,
        "zonesync's copy, serial 2"
    );
    assert_eq!(
        axfr_set(named.port, ORIGIN, None),
        from_knot,
        "named's copy, serial 2"
    );
    assert!(
        zs.log()
            .contains("IXFR-in, serial 2024010101 -> 2024010102"),
        "{}",
        zs.log()
    );
    for (name, rtype, want) in validation_cases(Denial::Nsec3) {
        delv(named.port, &signed2.anchor, name, rtype, want);
    }
    delv(zs.port, &signed2.anchor, "added", "A", Verdict::Secure);

    // zonesync's own check agrees that what it passed on is consistent.
    let file = zs.dir.path().join("transferred.zone");
    let out = zonesync(&[
        "axfr",
        ORIGIN,
        "-s",
        &zs.addr(),
        "-o",
        file.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let out = zonesync(&["check", "--origin", ORIGIN, file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", both(&out));
}
