//! DNS cookies (RFC 7873, RFC 9018 server cookies) against independent clients and a
//! peer server: `dig +cookie` (BIND's dig) and `kdig +cookie` learn a server cookie
//! from `zonesync serve` and have it accepted when they send it back, which the rate
//! limiter makes visible (a valid cookie is exempt; without one the second answer
//! within a second is dropped); and a server cookie knotd makes (mod-cookies, with a
//! known secret) verifies with zonesync's code and that secret: the two servers
//! compute RFC 9018's cookie alike.

use std::net::IpAddr;

use zonesync::server::cookies::ServerCookies;

use crate::peers::{
    Role, ZoneDef, both, free_port, run, start_knot_with_module, start_zonesync_config, tool,
};

const ZONE: &str = "cookie.test";

fn zone_text() -> String {
    format!(
        "$ORIGIN {ZONE}.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 3600 60\n\
         @ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.2\n"
    )
}

/// `TOOL @127.0.0.1 -p PORT www.cookie.test A +time=1 +tries=1 ARGS`: its output.
fn ask(tool_name: &str, port: u16, args: &[&str]) -> String {
    let p = port.to_string();
    let qname = format!("www.{ZONE}");
    let mut all = vec!["@127.0.0.1", "-p", &p, &qname, "A", "+time=1"];
    all.push(if tool_name == "kdig" {
        "+retry=0"
    } else {
        "+tries=1"
    });
    all.extend_from_slice(args);
    both(&run(&tool(tool_name), &all))
}

/// The COOKIE an answer shows (`; COOKIE: 2464…80 (good)` from dig, `;; COOKIE:
/// 2464…80` from kdig), lower-cased hex.
fn shown_cookie(text: &str) -> Option<String> {
    let at = text.find("COOKIE: ")? + "COOKIE: ".len();
    let hex: String = text[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (!hex.is_empty()).then(|| hex.to_ascii_lowercase())
}

fn answered(text: &str) -> bool {
    text.contains("NOERROR") && text.contains("192.0.2.2")
}

#[test]
fn dig_and_kdig_get_a_cookie_and_a_valid_one_is_accepted_and_not_limited() {
    let port = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cookie.test.zone");
    std::fs::write(&file, zone_text()).expect("zone file");
    // One answer a second per prefix and name, nothing slips: a dropped answer is a
    // client's timeout.
    let yaml = format!(
        "listen: [\"127.0.0.1:{port}\"]\nstate-dir: state\n\
         rate-limit: {{ responses-per-second: 1, slip: 0 }}\n\
         zones:\n  - name: {ZONE}\n    file: {}\n",
        file.display()
    );
    let _z = start_zonesync_config(port, &yaml, &[ZONE]);

    for client in ["dig", "kdig"] {
        // A client cookie alone: a server cookie back (version 1, reserved 0). The
        // bucket may be empty from the client before: a retry after a second has
        // credit again.
        let retry = if client == "kdig" {
            "+retry=3"
        } else {
            "+tries=4"
        };
        let first = ask(client, port, &["+cookie", retry]);
        let cookie = shown_cookie(&first).unwrap_or_else(|| panic!("{client}: {first}"));
        assert_eq!(cookie.len(), 48, "{client}: {first}");
        assert_eq!(&cookie[16..24], "01000000", "{client}: {first}");
        if client == "dig" {
            assert!(first.contains("(good)"), "{first}");
        }
        // Sent back: accepted (echoed, valid: never limited) every time.
        let with = format!("+cookie={cookie}");
        for i in 0..6 {
            let text = ask(client, port, &[&with]);
            assert!(
                answered(&text),
                "{client}, query {i} with the cookie: {text}"
            );
            assert_eq!(shown_cookie(&text).as_deref(), Some(&cookie[..]), "{text}");
            if client == "dig" {
                assert!(text.contains("(good)"), "{text}");
            }
        }
        // Over TCP too.
        let text = ask(client, port, &[&with, "+tcp"]);
        assert!(answered(&text), "{client} over TCP: {text}");
        assert_eq!(shown_cookie(&text).as_deref(), Some(&cookie[..]), "{text}");
    }
    // Without a valid cookie the same questions are limited: of four asked back to
    // back, one at least is dropped (one credit a second).
    let results: Vec<bool> = (0..4)
        .map(|_| answered(&ask("dig", port, &["+cookie"])))
        .collect();
    assert!(results.contains(&false), "{results:?}");
}

#[test]
fn a_knot_server_cookie_verifies_with_zonesync_and_the_same_secret() {
    let secret = "e5e973e5a6b2a43f48e7dc849e37bfcf";
    let knot = start_knot_with_module(
        free_port(),
        &[ZoneDef {
            name: ZONE.into(),
            role: Role::Primary(zone_text()),
        }],
        &[],
        Some(("mod-cookies", &format!("secret: 0x{secret}"))),
    );
    let text = ask("kdig", knot.port, &["+cookie"]);
    let cookie = shown_cookie(&text).unwrap_or_else(|| panic!("no cookie from knotd: {text}"));
    let bytes = data_encoding::HEXLOWER.decode(cookie.as_bytes()).unwrap();
    assert_eq!(bytes.len(), 24, "{text}");
    let ours = ServerCookies::with_secret(
        data_encoding::HEXLOWER
            .decode(secret.as_bytes())
            .unwrap()
            .try_into()
            .unwrap(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32;
    let client: IpAddr = "127.0.0.1".parse().unwrap();
    let check = ours.check(&bytes, client, now);
    assert!(
        check.is_valid(),
        "knotd's cookie {cookie} does not verify: {check:?}"
    );
    // And another secret does not verify it.
    let other = ServerCookies::with_secret([9; 16]);
    assert!(!other.check(&bytes, client, now).is_valid());
}
