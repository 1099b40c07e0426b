//! `zonesync tsig-keygen` output accepted by each peer's own configuration checker,
//! for every algorithm, with a broken variant of each as a control (proving that the
//! checker does reject bad input, so that acceptance means something).

use std::path::Path;

use crate::peers::{both, run, tool, zonesync};

const ALGORITHMS: [&str; 6] = [
    "hmac-md5",
    "hmac-sha1",
    "hmac-sha224",
    "hmac-sha256",
    "hmac-sha384",
    "hmac-sha512",
];

fn keygen(alg: &str, format: &str) -> String {
    let out = zonesync(&["tsig-keygen", "xfr.example.", "-a", alg, "--format", format]);
    assert!(out.status.success(), "{}", both(&out));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn bind_named_checkconf_accepts_and_zonesync_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let checkconf = tool("named-checkconf");
    for alg in ALGORITHMS {
        let text = keygen(alg, "bind");
        let file = write(dir.path(), "k.conf", &text);
        let out = run(&checkconf, &[&file]);
        assert!(out.status.success(), "{alg}: {}", both(&out));
        let keys = zonesync::tsig::read_key_file(Path::new(&file)).expect("zonesync reads it");
        assert_eq!(keys[0].algorithm().name(), alg);
    }
    let bad = write(
        dir.path(),
        "bad.conf",
        "key \"x\" { algorithm hmac-sha256; secret \"!!\"; };\n",
    );
    assert!(
        !run(&checkconf, &[&bad]).status.success(),
        "named-checkconf must reject a bad secret"
    );
}

#[test]
fn knot_conf_check_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let knotc = tool("knotc");
    for alg in ALGORITHMS {
        let file = write(dir.path(), "knot.conf", &keygen(alg, "knot"));
        let out = run(&knotc, &["-c", &file, "conf-check"]);
        assert!(out.status.success(), "{alg}: {}", both(&out));
    }
    let bad = write(
        dir.path(),
        "bad.conf",
        "key:\n  - id: x\n    algorithm: hmac-foo\n    secret: c2VjcmV0\n",
    );
    assert!(!run(&knotc, &["-c", &bad, "conf-check"]).status.success());
}

#[test]
fn nsd_checkconf_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let checkconf = tool("nsd-checkconf");
    for alg in ALGORITHMS {
        let file = write(dir.path(), "nsd.conf", &keygen(alg, "nsd"));
        let out = run(&checkconf, &[&file]);
        assert!(out.status.success(), "{alg}: {}", both(&out));
    }
    let bad = write(
        dir.path(),
        "bad.conf",
        "key:\n\tname: \"x\"\n\talgorithm: hmac-sha256\n\tsecret: \"!!\"\n",
    );
    assert!(!run(&checkconf, &[&bad]).status.success());
}

#[test]
fn pdnsutil_imports_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("pdns.db");
    let schema = std::fs::read_to_string("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql")
        .expect("pdns-backend-sqlite3 schema (install pdns-backend-sqlite3)");
    let out = std::process::Command::new(tool("sqlite3"))
        .arg(&db)
        .arg(&schema)
        .output()
        .expect("sqlite3 runs");
    assert!(out.status.success(), "{}", both(&out));
    write(
        dir.path(),
        "pdns.conf",
        &format!("launch=gsqlite3\ngsqlite3-database={}\n", db.display()),
    );
    let config_dir = format!("--config-dir={}", dir.path().display());
    let pdnsutil = tool("pdnsutil");
    let mut expected = Vec::new();
    for alg in ALGORITHMS {
        let line = keygen(alg, "pdns");
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&words[..2], ["pdnsutil", "import-tsig-key"], "{line}");
        // Import under a per-algorithm name so all six can be listed together.
        let name = format!("{alg}.{}", words[2]);
        let out = run(
            &pdnsutil,
            &[&config_dir, words[1], &name, words[3], words[4]],
        );
        assert!(out.status.success(), "{alg}: {}", both(&out));
        expected.push(format!("{name}. {alg}. {}", words[4]));
    }
    let out = run(&pdnsutil, &[&config_dir, "list-tsig-keys"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    for want in expected {
        assert!(
            listed.lines().any(|l| l.trim() == want),
            "missing {want} in:\n{listed}"
        );
    }
}

#[test]
fn yaml_entry_is_a_key_list_item() {
    #[derive(serde::Deserialize)]
    struct Entry {
        name: String,
        algorithm: String,
        secret: String,
    }
    for alg in ALGORITHMS {
        let entries: Vec<Entry> = serde_yaml::from_str(&keygen(alg, "yaml")).expect("YAML list");
        let e = &entries[0];
        let key = zonesync::tsig::Key::from_parts(&e.name, &e.algorithm, &e.secret).expect("a key");
        assert_eq!(key.algorithm().name(), alg);
    }
}
