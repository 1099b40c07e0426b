//! `zonesync check --verify-signatures` against Knot's `kzonecheck -d on`: on the
//! signed fixtures of `tests/data/signed/` (one per algorithm, signed by BIND's
//! `dnssec-signzone`) and on copies with a changed record, both accept the good files
//! and both reject the bad ones.

use std::path::{Path, PathBuf};

use crate::peers::{both, run, tool, zonesync};

/// Whether `kzonecheck` and zonesync accept `file`; panics when they disagree.
fn agree(file: &Path) -> bool {
    let f = file.to_str().expect("utf-8 path");
    let knot = run(&tool("kzonecheck"), &["-o", "example.", "-d", "on", f]);
    let ours = zonesync(&["check", "--origin", "example.", "--verify-signatures", f]);
    assert_eq!(
        ours.status.success(),
        knot.status.success(),
        "{f}\nkzonecheck:\n{}\nzonesync:\n{}",
        both(&knot),
        both(&ours)
    );
    ours.status.success()
}

#[test]
fn verify_signatures_agrees_with_kzonecheck() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/signed");
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in [
        "alg5",
        "alg8",
        "alg8-1024",
        "alg10",
        "alg13",
        "alg14",
        "alg15",
    ] {
        let file = dir.join(format!("{name}.example.signed"));
        assert!(agree(&file), "{name} passes");
        // One signed record changed after signing.
        let text = std::fs::read_to_string(&file).expect("fixture");
        let changed = text.replace("IN A\t192.0.2.1\n", "IN A\t192.0.2.7\n");
        assert_ne!(changed, text, "{name} has ns1's address");
        let copy = tmp.path().join(format!("{name}-changed.example.signed"));
        std::fs::write(&copy, changed).expect("copy");
        assert!(!agree(&copy), "{name} with a changed record fails");
    }
    assert!(!agree(&dir.join("alg13-bad.example.signed")));
}
