//! `zonesync tsig-keygen`: output shapes, secret lengths, and reading the key back.

use crate::common::{stderr, stdout, zonesync};

#[test]
fn bind_key_reads_back_with_k() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = zonesync(&["tsig-keygen", "xfr.example.", "-a", "hmac-sha512"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("key \"xfr.example\" {\n\talgorithm hmac-sha512;\n"),
        "{text}"
    );
    let keys = zonesync::tsig::parse_key_file(&text).expect("reads back");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].secret().len(), 64);
    // The CLI reads the same file with -k (axfr is not built yet, so check through
    // the library function the CLI uses).
    let path = dir.path().join("k.conf");
    std::fs::write(&path, &text).expect("write");
    let read = zonesync::tsig::read_key_file(&path).expect("read key file");
    assert_eq!(read, keys);
}

#[test]
fn secret_length_follows_algorithm() {
    for (alg, len) in [
        ("hmac-md5", 16),
        ("hmac-sha1", 20),
        ("hmac-sha224", 28),
        ("hmac-sha256", 32),
        ("hmac-sha384", 48),
        ("hmac-sha512", 64),
    ] {
        let out = zonesync(&["tsig-keygen", "k", "-a", alg, "--format", "pdns"]);
        assert!(out.status.success());
        let line = stdout(&out);
        let secret = line.split_whitespace().last().expect("secret");
        let bytes = data_encoding::BASE64
            .decode(secret.as_bytes())
            .expect("base64");
        assert_eq!(bytes.len(), len, "{alg}");
    }
}

#[test]
fn two_keys_differ_and_default_name() {
    let a = stdout(&zonesync(&["tsig-keygen", "--format", "yaml"]));
    let b = stdout(&zonesync(&["tsig-keygen", "--format", "yaml"]));
    assert_ne!(a, b);
    assert!(
        a.starts_with("- { name: tsig-key, algorithm: hmac-sha256, secret: \""),
        "{a}"
    );
}

#[test]
fn bad_input_is_a_usage_error() {
    let out = zonesync(&["tsig-keygen", "a..b"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "zonesync: error: bad TSIG key name \"a..b\": empty label in name"
    );
    let out = zonesync(&["tsig-keygen", "k", "-a", "hmac-sha999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn broken_pipe_exits_zero() {
    use std::process::{Command, Stdio};
    // The read end is closed before the child starts, so its first write to stdout
    // fails with EPIPE every time: the error must become a silent exit 0.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(crate::common::bin())
        .args(["tsig-keygen", "--format", "knot"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::common::stderr(&out)
    );
    assert!(out.stderr.is_empty(), "{}", crate::common::stderr(&out));
}

#[test]
fn several_formats_carry_one_secret() {
    let out = zonesync(&[
        "tsig-keygen",
        "xfr.example.",
        "--format",
        "bind",
        "--format",
        "knot",
        "--format",
        "dig",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let keys = zonesync::tsig::parse_key_file(text.split("\n\n").next().expect("bind"))
        .expect("bind part reads back");
    let secret = keys[0].secret_base64();
    let knot =
        format!("key:\n  - id: xfr.example\n    algorithm: hmac-sha256\n    secret: {secret}\n");
    assert!(text.contains(&knot), "{text}");
    assert!(
        text.ends_with(&format!("\n-y hmac-sha256:xfr.example:{secret}\n")),
        "{text}"
    );
}

#[test]
fn dig_format_is_a_y_option() {
    let out = zonesync(&["tsig-keygen", "xfr-key", "--format", "dig"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let spec = text
        .trim_end()
        .strip_prefix("-y ")
        .unwrap_or_else(|| panic!("{text}"));
    let parts: Vec<&str> = spec.split(':').collect();
    assert_eq!(parts.len(), 3, "{spec}");
    assert_eq!(&parts[..2], ["hmac-sha256", "xfr-key"]);
    let secret = data_encoding::BASE64
        .decode(parts[2].as_bytes())
        .expect("base64 secret");
    assert_eq!(secret.len(), 32);
    // The same text `zonesync axfr -y` takes.
    zonesync::tsig::Key::from_dig_spec(spec).expect("a valid -y");
}
