//! `zonesync serve` as the primary of real secondaries: knotd, named and nsd follow
//! each zone-file edit by IXFR (TSIG-signed, driven by our NOTIFY), PowerDNS by AXFR;
//! unauthorized and wrongly signed transfers are refused.
//!
//! How each secondary shows that it took an IXFR:
//! - knotd logs "IXFR, incoming, remote …, finished";
//! - named (its `xfer-in` category at debug level 3) logs "got incremental response"
//!   (and "got nonincremental response" for the first, AXFR, transfer);
//! - nsd does not name the transfer type in its log, but with `store-ixfr` and no
//!   `create-ixfr` it keeps exactly the IXFRs it received, so its own IXFR answer from
//!   the previous serial must equal ours; `nsd-control zonestatus` shows the serial;
//! - PowerDNS logs "AXFR-in … zone committed with serial N" (it asks for IXFR only
//!   when told to).
//!
//! And zonesync logs one "IXFR-out, finished" per IXFR client and serial, never an
//! AXFR-style answer.

use std::path::Path;
use std::time::{Duration, Instant};

use zonesync::zone::{Name, ParseOptions, Rtype, parse_bytes};

use crate::peers::{
    PeerKey, RecordKey, Role, ServeZone, ZoneDef, axfr_set, both, free_port, record_key, run,
    start_knot_on, start_named_on, start_nsd_on, start_pdns_on, start_zonesync_on, tool,
};

const ZONE: &str = "serve.example";

/// The zone after `edit` edits (0 to 3). The file's serial stays 1: zonesync must
/// advance it (serial-policy increment) to 1 + `edit`.
fn zone_text(edit: usize) -> String {
    let mut z = String::from(
        "$ORIGIN serve.example.\n$TTL 300\n\
         @ SOA ns1 hostmaster 1 3600 600 86400 300\n\
         @ NS ns1\n@ NS ns2.example.net.\nns1 A 192.0.2.53\n\
         mail A 192.0.2.25\n_sip._tcp SRV 10 20 5060 www\n\
         www AAAA 2001:db8::1\nsub NS ns.sub\nns.sub A 192.0.2.99\n",
    );
    // Edit 3 changes: an address, an RRset's TTL, a TXT, an SOA timer.
    if edit >= 3 {
        z = z.replace(" 1 3600 600 ", " 1 7200 600 ");
        z.push_str("www A 192.0.2.2\n@ 600 MX 10 mail\nnew TXT \"changed in edit 3\"\n");
    } else {
        z.push_str("www A 192.0.2.1\n@ MX 10 mail\n");
    }
    // Edit 1 adds names and records.
    if edit >= 1 {
        z.push_str("new A 192.0.2.101\nh50 A 10.0.0.50\n");
        if edit < 3 {
            z.push_str("new TXT \"added in edit 1\"\n");
        }
    }
    // Edit 2 removes some.
    if edit < 2 {
        z.push_str("txt TXT \"version zero\"\nalias CNAME www\n");
    }
    for i in 0..50 {
        if edit >= 2 && i == 7 {
            continue;
        }
        z.push_str(&format!("h{i} A 10.0.0.{i}\n"));
    }
    z
}

//----------- Helpers ----------------------------------------------------------------

/// Waits (bounded, 15 s) until `cond` holds; panics with `what` and `log` otherwise.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool, log: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out: {what}; log:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Lines of `log` that contain every one of `words`.
fn count(log: &str, words: &[&str]) -> usize {
    log.lines()
        .filter(|l| words.iter().all(|w| l.contains(w)))
        .count()
}

/// kdig's answer to an IXFR from `serial` (signed with `key` when given), split at
/// each SOA into sections, each section sorted: the changesets as comparable sets.
fn ixfr_sections(port: u16, serial: u32, key: Option<&PeerKey>) -> Vec<Vec<RecordKey>> {
    let port = port.to_string();
    let ixfr = format!("IXFR={serial}");
    let spec = key.map(PeerKey::dig_spec);
    let mut args = vec!["@127.0.0.1", "-p", &port, "+noall", "+answer", "+time=5"];
    if let Some(s) = &spec {
        args.extend_from_slice(&["-y", s]);
    }
    args.extend_from_slice(&[ZONE, &ixfr]);
    let out = run(&tool("kdig"), &args);
    let text = both(&out);
    assert!(
        out.status.success() && !text.contains(";; ERROR"),
        "IXFR from port {port}: {text}"
    );
    let origin: Name = format!("{ZONE}.").parse().expect("name");
    let parsed = parse_bytes(
        &out.stdout,
        Path::new("kdig"),
        &origin,
        &ParseOptions::default(),
    );
    let mut sections: Vec<Vec<RecordKey>> = Vec::new();
    for r in &parsed.records {
        if r.rtype == Rtype::SOA {
            sections.push(vec![record_key(r)]);
        } else if let Some(last) = sections.last_mut() {
            last.push(record_key(r));
        }
    }
    for s in &mut sections {
        s.sort();
    }
    sections
}

/// kdig's complaint about a transfer that failed (its stderr), asserting it failed.
fn failed_axfr(args: &[&str]) -> String {
    let out = run(&tool("kdig"), args);
    let text = both(&out);
    assert!(!out.status.success(), "kdig {args:?} should fail: {text}");
    text
}

//----------- The test -----------------------------------------------------------------

/// zonesync on 127.0.0.1 serves a zone to knotd, named, nsd and PowerDNS, all keyed
/// with one TSIG key and NOTIFYed by zonesync (`also-notify`; their SOA refresh is an
/// hour away, so only NOTIFY explains a prompt refresh). Three edits of the zone file
/// (adds; removals; changes of an address, a TTL, a TXT and an SOA timer), each
/// keeping the file's serial at 1, must each reach every secondary at the serial
/// zonesync advanced to, with the same records as ours; knotd, named and nsd by
/// IXFR, PowerDNS by AXFR (it asks for nothing else unless told to).
#[test]
fn secondaries_follow_edits_by_ixfr_and_powerdns_by_axfr() {
    let key = PeerKey::for_algorithm("hmac-sha256");
    let keys = [key.clone()];
    let (zp, kp, bp, np, pp) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let also_notify: Vec<String> = [kp, bp, np, pp]
        .iter()
        .map(|p| format!("{{ address: \"127.0.0.1:{p}\", key: {} }}", key.name))
        .collect();
    // Transfers: with the key from anywhere, unsigned only from 127.0.0.9.
    let settings = format!(
        "    allow-transfer: [ {{ key: {} }}, {{ address: 127.0.0.9/32 }} ]\n    also-notify: [ {} ]\n",
        key.name,
        also_notify.join(", ")
    );
    let zs = start_zonesync_on(
        zp,
        &[ServeZone {
            name: ZONE.into(),
            text: zone_text(0),
            settings,
        }],
        &keys,
    );
    let secondary = vec![ZoneDef {
        name: ZONE.into(),
        role: Role::SecondaryKeyed {
            port: zp,
            key: key.name.clone(),
        },
    }];
    let knot = start_knot_on(kp, &secondary, &keys);
    let named = start_named_on(bp, &secondary, &keys, "");
    let nsd = start_nsd_on(np, &secondary, &keys);
    let pdns = start_pdns_on(pp, &secondary, &keys);
    let secondaries = [&knot, &named, &nsd, &pdns];

    for edit in 0..=3usize {
        let serial = 1 + edit as u32;
        if edit > 0 {
            // Same serial in the file: zonesync notices the change and advances it.
            std::fs::write(zs.zone_file(ZONE), zone_text(edit)).expect("write zone");
            zs.wait_serial(ZONE, serial);
        }
        let ours = axfr_set(zs.port, ZONE, Some(&key));
        assert!(ours.len() > 60, "{} records", ours.len());
        for s in secondaries {
            s.wait_serial(ZONE, serial);
            assert_eq!(
                axfr_set(s.port, ZONE, None),
                ours,
                "{} serves other records than zonesync at serial {serial}",
                s.kind
            );
        }
        if edit == 0 {
            continue;
        }
        // knotd: "[serve.example.] IXFR, incoming, remote 127.0.0.1@P TSIG …, finished, …"
        wait_until(
            &format!("knotd logs IXFR-in number {edit}"),
            || count(&knot.log(), &["IXFR, incoming", "finished"]) == edit,
            || knot.log(),
        );
        // named (xfer-in at debug 3): "transfer of 'serve.example/IN' from …: got
        // incremental response", once per edit; the first transfer was the only AXFR.
        let log = named.log();
        assert_eq!(
            count(&log, &["'serve.example/IN'", "got incremental response"]),
            edit,
            "named:\n{log}"
        );
        assert_eq!(
            count(&log, &["'serve.example/IN'", "got nonincremental response"]),
            1,
            "named:\n{log}"
        );
        // nsd names no transfer type in its log; but with store-ixfr (and no
        // create-ixfr) it keeps exactly the IXFRs it received, so its IXFR answer from
        // the previous serial must be ours.
        assert_eq!(
            ixfr_sections(nsd.port, serial - 1, None),
            ixfr_sections(zs.port, serial - 1, Some(&key)),
            "nsd did not keep the IXFR {} -> {serial}; log:\n{}",
            serial - 1,
            nsd.log()
        );
        let status = both(&nsd.nsd_control(&["zonestatus", ZONE]));
        assert!(
            status.contains("state: ok") && status.contains(&format!("served-serial: \"{serial} ")),
            "{status}"
        );
        // PowerDNS: "AXFR-in zone: 'serve.example', primary: '127.0.0.1', zone
        // committed with serial N".
        let log = pdns.log();
        assert_eq!(
            count(
                &log,
                &[
                    "AXFR-in zone: 'serve.example'",
                    &format!("zone committed with serial {serial}")
                ]
            ),
            1,
            "PowerDNS:\n{log}"
        );
        assert_eq!(count(&log, &["IXFR"]), 0, "PowerDNS:\n{log}");
        // And our side: an IXFR out to each IXFR secondary, and one to the nsd
        // comparison above.
        let ixfrs_out = format!("serial={serial} ");
        wait_until(
            &format!("zonesync logs 4 IXFRs out at serial {serial}"),
            || count(&zs.log(), &["IXFR-out, finished", &ixfrs_out]) == 4,
            || zs.log(),
        );
    }
    assert_eq!(count(&zs.log(), &["AXFR-style"]), 0, "{}", zs.log());

    // Unauthorized: unsigned from 127.0.0.1 (not in allow-transfer) is REFUSED …
    let port = zp.to_string();
    let base = ["@127.0.0.1", "-p", &port, "+tcp", "+time=5"];
    let text = failed_axfr(&[&base[..], &[ZONE, "AXFR"]].concat());
    assert!(text.contains("replied with error 'REFUSED'"), "{text}");
    let out = run(&tool("dig"), &[&base[..], &[ZONE, "AXFR"]].concat());
    assert!(both(&out).contains("Transfer failed."), "{}", both(&out));
    assert_eq!(
        count(&zs.log(), &["AXFR-out refused by allow-transfer (REFUSED)"]),
        2,
        "{}",
        zs.log()
    );
    // … while unsigned from 127.0.0.9 (in it) gets the zone.
    let out = run(
        &tool("kdig"),
        &[
            &base[..],
            &["-b", "127.0.0.9", "+noall", "+answer", ZONE, "AXFR"],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        axfr_set(zs.port, ZONE, Some(&key)).len() + 1,
        "{}",
        both(&out)
    );

    // Wrongly signed: NOTAUTH with TSIG error BADSIG (unsigned, RFC 8945 §5.2.2); an
    // unknown key: BADKEY.
    let wrong = PeerKey {
        secret: "d3Jvbmcgc2VjcmV0IGZvciB0aGUga2V5IQ==".into(),
        ..key.clone()
    };
    let spec = wrong.dig_spec();
    let text = failed_axfr(&[&base[..], &["-y", &spec, ZONE, "AXFR"]].concat());
    assert!(text.contains("replied with error 'BADSIG'"), "{text}");
    let out = run(
        &tool("dig"),
        &[&base[..], &["-y", &spec, ZONE, "AXFR"]].concat(),
    );
    let text = both(&out);
    assert!(
        text.contains("tsig indicates error")
            && text.contains("BADSIG")
            && text.contains("Transfer failed."),
        "{text}"
    );
    let out = run(
        &tool("dig"),
        &[&base[..], &["-y", &spec, ZONE, "SOA"]].concat(),
    );
    let text = both(&out);
    assert!(
        text.contains("status: NOTAUTH") && text.contains("BADSIG"),
        "{text}"
    );
    let unknown = PeerKey {
        name: "unknown.key".into(),
        ..key.clone()
    };
    let spec = unknown.dig_spec();
    let text = failed_axfr(&[&base[..], &["-y", &spec, ZONE, "AXFR"]].concat());
    assert!(text.contains("replied with error 'BADKEY'"), "{text}");
}
