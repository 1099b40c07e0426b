//! Finding and running the peers' tools.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The `zonesync` binary under test.
pub fn zonesync_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zonesync"))
}

/// Runs `zonesync` and returns its output.
pub fn zonesync(args: &[&str]) -> Output {
    Command::new(zonesync_bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("zonesync runs")
}

/// Finds a peer tool in the usual Debian places; panics with an install hint when it
/// is missing (the interop target is meant to run where `.ci/run` installed them).
pub fn tool(name: &str) -> PathBuf {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = PathBuf::from(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found: run `bash .ci/run` (or install bind9 knot nsd pdns-server) first");
}

/// Runs a peer tool and returns its output.
pub fn run(tool_path: &PathBuf, args: &[&str]) -> Output {
    Command::new(tool_path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", tool_path.display()))
}

/// Text of stdout and stderr together, for assertion messages.
pub fn both(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
