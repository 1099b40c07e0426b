//! The zone gate: what every new version of a zone must pass before it is persisted,
//! served or notified.
//!
//! Both zone tasks call [`check`] with the candidate version and the serial it
//! replaces: the primary ([`super::primary`]) after a reload built a new version from
//! the zone file, the secondary ([`super::secondary`]) after an AXFR or IXFR was
//! applied, before the store write. The gate runs, in order:
//! 1. ZONEMD verification (RFC 8976, [`crate::zone::zonemd`]) when the zone carries
//!    ZONEMD and `zonemd-verify` is on (the default), off the runtime;
//! 2. the zone's `verify:` command, when configured: a child process with the
//!    candidate zone as a zone file on its stdin and `ZONESYNC_ZONE`,
//!    `ZONESYNC_SERIAL`, `ZONESYNC_OLD_SERIAL` (empty for a first version) in its
//!    environment. Exit status 0 accepts the version; anything else, or running past
//!    `timeout`, rejects it.
//!
//! A rejection is a [`GateError`] (its text does not repeat the serial: callers say
//! "serial N rejected: …"); the caller keeps serving the previous version and
//! reports the error in the zone's status and the log. The secondary tries again at
//! RETRY; the primary waits for the next change of its file.
//!
//! The verify command runs in its own process group: at the timeout the whole group
//! is killed (a shell script's children too) and the child is reaped, so nothing is
//! left behind. Its stdin is written by a separate task, so a verifier that never
//! reads its input cannot stall the zone task; what it writes to stderr is kept up
//! to [`MAX_STDERR`] octets (the rest is read and dropped, so the verifier never
//! blocks on a full pipe), and shortened for the status.
//!
//! # Limitations
//! - The candidate zone's text is built in memory before the command starts (about
//!   the size of the zone file); a verifier of a very large zone costs that much.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

use crate::config::VerifyCommand;
use crate::zone::Name;
use crate::zone::Rtype;
use crate::zone::version::ZoneVersion;
use crate::zone::write::write_record;
use crate::zone::zonemd::{self, ZonemdError};

/// What is kept of a verify command's stderr.
pub const MAX_STDERR: usize = 8 * 1024;

/// How much of the verifier's stderr the rejection message quotes.
const STDERR_IN_MESSAGE: usize = 300;

/// How long to wait for the rest of stderr once the verifier has exited (a
/// background child of it may still hold the pipe open).
const STDERR_GRACE: Duration = Duration::from_millis(500);

//----------- GateSettings -----------------------------------------------------------

/// What the gate checks for one zone (from `verify:` and `zonemd-verify:` of the
/// zone, its template or the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateSettings {
    /// Verify ZONEMD when the zone carries one.
    pub zonemd: bool,
    /// The verify command, if any.
    pub verify: Option<VerifyCommand>,
}

impl Default for GateSettings {
    /// ZONEMD verified, no command.
    fn default() -> Self {
        GateSettings {
            zonemd: true,
            verify: None,
        }
    }
}

//----------- The gate ---------------------------------------------------------------

/// Checks a candidate version of `zone` that would replace `old_serial` (`None` for
/// the first version): ZONEMD, then the verify command. `Ok` lets it through.
///
/// The work runs off the runtime (the digest in `spawn_blocking`, the command as a
/// child process), so the calling task only waits.
pub async fn check(
    zone: &Name,
    candidate: &Arc<ZoneVersion>,
    old_serial: Option<u32>,
    settings: &GateSettings,
) -> Result<(), GateError> {
    if settings.zonemd && candidate.apex().has(Rtype::ZONEMD) {
        let v = candidate.clone();
        tokio::task::spawn_blocking(move || zonemd::verify(&v)).await??;
    }
    if let Some(cmd) = &settings.verify {
        run_verify(cmd, zone, candidate, old_serial).await?;
    }
    Ok(())
}

/// Runs the verify command on `candidate`.
async fn run_verify(
    cmd: &VerifyCommand,
    zone: &Name,
    candidate: &Arc<ZoneVersion>,
    old_serial: Option<u32>,
) -> Result<(), GateError> {
    let serial = candidate.serial();
    let v = candidate.clone();
    let text = tokio::task::spawn_blocking(move || zone_text(&v)).await?;

    let mut command = tokio::process::Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .env("ZONESYNC_ZONE", zone.to_string())
        .env("ZONESYNC_SERIAL", serial.to_string())
        .env(
            "ZONESYNC_OLD_SERIAL",
            old_serial.map(|s| s.to_string()).unwrap_or_default(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // Dropped (the zone task stopped mid-check): the child is killed too.
        .kill_on_drop(true)
        // Its own group, so that the timeout kills what it started as well.
        .process_group(0);
    let mut child = command.spawn().map_err(|source| GateError::Spawn {
        program: cmd.program.display().to_string(),
        source,
    })?;
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    // A verifier that exits without reading (or reads only part) makes this write
    // fail with EPIPE: that is its business, not an error of ours.
    let _writer = AbortOnDrop(tokio::spawn(async move {
        let _ = stdin.write_all(&text).await;
    }));
    let mut reader = AbortOnDrop(tokio::spawn(read_bounded(stderr)));

    let status = match tokio::time::timeout(cmd.timeout, child.wait()).await {
        Ok(status) => status.map_err(|source| GateError::Spawn {
            program: cmd.program.display().to_string(),
            source,
        })?,
        Err(_) => {
            if let Some(pid) = pid {
                kill_group(pid);
            }
            // SIGKILL and wait: the child is reaped, no zombie stays.
            let _ = child.kill().await;
            return Err(GateError::Timeout {
                timeout: cmd.timeout,
            });
        }
    };
    if status.success() {
        return Ok(());
    }
    let stderr = match tokio::time::timeout(STDERR_GRACE, &mut reader.0).await {
        Ok(Ok(bytes)) => bytes,
        _ => Vec::new(),
    };
    Err(GateError::Rejected {
        status: match status.code() {
            Some(code) => format!("exit status {code}"),
            None => {
                use std::os::unix::process::ExitStatusExt;
                format!("killed by signal {}", status.signal().unwrap_or(0))
            }
        },
        stderr: shorten(&stderr, STDERR_IN_MESSAGE),
    })
}

/// The candidate as a zone file: absolute names, one record per line, the SOA first
/// (some tools want it there), then the rest in canonical order.
///
/// Blocking (a pass over the whole zone): call from `spawn_blocking`.
fn zone_text(v: &ZoneVersion) -> Vec<u8> {
    let mut out = String::with_capacity(v.record_count() * 64);
    write_record(&mut out, &v.soa_record(), None);
    out.push('\n');
    for r in v.iter() {
        if r.rtype == Rtype::SOA && r.owner == v.origin() {
            continue;
        }
        write_record(&mut out, &r.to_record(), None);
        out.push('\n');
    }
    out.into_bytes()
}

/// Reads a pipe to its end, keeping the first [`MAX_STDERR`] octets.
async fn read_bounded(mut pipe: tokio::process::ChildStderr) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = MAX_STDERR - kept.len();
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    kept
}

/// Stderr for a one-line message: lossy UTF-8, lines joined with " | ", at most
/// `max` characters (then "…").
fn shorten(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut s: String = joined.chars().take(max).collect();
    s.push('…');
    s
}

/// SIGKILL to the process group `pid` leads (the verifier and whatever it started).
fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is
        // touched. The group is the child's own (process_group(0) above), which is
        // not reaped yet, so its id cannot have been reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Aborts a task when dropped: the writer and reader of a verify command never
/// outlive the check.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//----------- Config check -----------------------------------------------------------

/// Finds the verify command's program as it would be run: a path must name an
/// executable file; a bare name must be found (executable) in `PATH`. For `check
/// --config`: the verifier's own failures are config errors, not rejections.
pub fn find_program(cmd: &VerifyCommand) -> Result<PathBuf, String> {
    let program = &cmd.program;
    let is_path = program.components().count() > 1 || program.is_absolute();
    if is_path {
        return executable(program).map(|()| program.clone());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if candidate.is_file() {
            return executable(&candidate).map(|()| candidate);
        }
    }
    Err(format!("{} not found in PATH", program.display()))
}

/// `Ok` when `path` is a regular file with an execute bit.
fn executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(format!("{} is not a file", path.display())),
        Ok(m) if m.permissions().mode() & 0o111 == 0 => {
            Err(format!("{} is not executable", path.display()))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(format!("{} not found", path.display()))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

//============ Errors ================================================================

/// Why the gate rejected a version. Every variant means the same to the caller (keep
/// the previous version, report the text); the variants say which check failed.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The zone carries ZONEMD and it does not match (RFC 8976 §4).
    #[error(transparent)]
    Zonemd(#[from] ZonemdError),
    /// The verify command exited with a failure.
    #[error("verify command failed ({status}){}", colon(stderr))]
    Rejected {
        /// How it ended ("exit status 1").
        status: String,
        /// Its stderr, shortened.
        stderr: String,
    },
    /// The verify command ran past its timeout and was killed.
    #[error("verify command did not finish within {timeout:?}; killed")]
    Timeout {
        /// The configured timeout.
        timeout: Duration,
    },
    /// The verify command could not be started (not found, not executable).
    #[error("cannot run verify command {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// What the OS said.
        source: io::Error,
    },
    /// Work off the runtime panicked or was cancelled (shutdown).
    #[error("verification task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// ": text" when there is text.
fn colon(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(": {s}")
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Class;
    use crate::zone::version::tests::rr::*;
    use std::time::Instant;

    fn version(serial: u32) -> Arc<ZoneVersion> {
        let z = "example.com.";
        Arc::new(
            ZoneVersion::from_records(
                n(z),
                Class::IN,
                vec![
                    soa(z, serial),
                    ns(z, "ns.example.com."),
                    a("ns.example.com.", [192, 0, 2, 1]),
                ],
            )
            .unwrap(),
        )
    }

    fn sh(script: &str, timeout: Duration) -> GateSettings {
        GateSettings {
            zonemd: true,
            verify: Some(VerifyCommand {
                program: PathBuf::from("/bin/sh"),
                args: vec!["-c".into(), script.into()],
                timeout,
            }),
        }
    }

    #[tokio::test]
    async fn an_accepting_command_lets_the_version_through() {
        // The zone arrives on stdin, the serials in the environment.
        let s = sh(
            r#"grep -q "ns.example.com.	3600	IN	A	192.0.2.1" && head -1 | grep -q SOA
               test "$ZONESYNC_ZONE/$ZONESYNC_SERIAL/$ZONESYNC_OLD_SERIAL" = example.com./7/6"#,
            Duration::from_secs(10),
        );
        let r = check(&n("example.com."), &version(7), Some(6), &s).await;
        assert!(r.is_ok(), "{r:?}");
        // No old serial: the variable is empty.
        let s = sh(
            r#"cat >/dev/null; test -z "$ZONESYNC_OLD_SERIAL""#,
            Duration::from_secs(10),
        );
        assert!(
            check(&n("example.com."), &version(7), None, &s)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_rejecting_command_says_why_in_short() {
        let s = sh(
            r#"echo "bad glue at ns" >&2; echo second line >&2; head -c 200000 /dev/zero | tr '\0' x >&2; exit 3"#,
            Duration::from_secs(10),
        );
        let e = check(&n("example.com."), &version(7), Some(6), &s)
            .await
            .unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, GateError::Rejected { .. }), "{e:?}");
        assert!(
            msg.starts_with(
                "verify command failed (exit status 3): bad glue at ns | second line | xxx"
            ),
            "{msg}"
        );
        assert!(msg.ends_with('…'), "{msg}");
        assert!(msg.chars().count() < 400, "{msg}");
    }

    #[tokio::test]
    async fn a_verifier_that_does_not_read_stdin_does_not_block() {
        // A zone far larger than a pipe's buffer, and a verifier that never reads it.
        let z = "example.com.";
        let mut records = vec![soa(z, 9), ns(z, "ns.example.com.")];
        for i in 0..20_000u32 {
            records.push(a(&format!("h{i}.example.com."), i.to_be_bytes()));
        }
        let big = Arc::new(ZoneVersion::from_records(n(z), Class::IN, records).unwrap());
        let s = sh("exit 0", Duration::from_secs(10));
        assert!(check(&n(z), &big, Some(8), &s).await.is_ok());
        let s = sh("exit 1", Duration::from_secs(10));
        assert!(matches!(
            check(&n(z), &big, Some(8), &s).await,
            Err(GateError::Rejected { .. })
        ));
    }

    #[tokio::test]
    async fn a_hanging_command_is_killed_at_its_timeout() {
        let started = Instant::now();
        // The shell and its child both hang; both are killed with the group.
        let s = sh("sleep 30; exit 0", Duration::from_millis(300));
        let e = check(&n("example.com."), &version(7), Some(6), &s)
            .await
            .unwrap_err();
        assert!(matches!(e, GateError::Timeout { .. }), "{e:?}");
        assert!(e.to_string().contains("300ms"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // A verifier that is `sleep` itself.
        let s = GateSettings {
            zonemd: true,
            verify: Some(VerifyCommand {
                program: PathBuf::from("sleep"),
                args: vec!["30".into()],
                timeout: Duration::from_millis(300),
            }),
        };
        let e = check(&n("example.com."), &version(7), Some(6), &s)
            .await
            .unwrap_err();
        assert!(matches!(e, GateError::Timeout { .. }), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_missing_command_rejects_and_is_a_config_error() {
        let cmd = VerifyCommand {
            program: PathBuf::from("/nonexistent/verify.sh"),
            args: vec![],
            timeout: Duration::from_secs(1),
        };
        let s = GateSettings {
            zonemd: true,
            verify: Some(cmd.clone()),
        };
        let e = check(&n("example.com."), &version(7), Some(6), &s)
            .await
            .unwrap_err();
        assert!(matches!(e, GateError::Spawn { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("cannot run verify command /nonexistent/verify.sh:"),
            "{e}"
        );
        assert_eq!(
            find_program(&cmd),
            Err("/nonexistent/verify.sh not found".into())
        );
        // Not executable.
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("verify.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        let cmd = VerifyCommand {
            program: script.clone(),
            ..cmd
        };
        assert_eq!(
            find_program(&cmd),
            Err(format!("{} is not executable", script.display()))
        );
        // Bare names are looked up in PATH.
        let sh = VerifyCommand {
            program: PathBuf::from("sh"),
            ..cmd.clone()
        };
        assert!(find_program(&sh).is_ok());
        let nope = VerifyCommand {
            program: PathBuf::from("zonesync-no-such-verifier"),
            ..cmd
        };
        assert_eq!(
            find_program(&nope),
            Err("zonesync-no-such-verifier not found in PATH".into())
        );
    }

    #[tokio::test]
    async fn zonemd_is_checked_unless_turned_off() {
        let z = "example.com.";
        let bad = crate::zone::zonemd::placeholder(7, crate::zone::zonemd::HashAlgorithm::Sha384);
        let v = Arc::new(
            ZoneVersion::from_records(
                n(z),
                Class::IN,
                vec![
                    soa(z, 7),
                    ns(z, "ns.example.com."),
                    rec(z, Rtype::ZONEMD, 3600, bad.as_wire().to_vec()),
                ],
            )
            .unwrap(),
        );
        let e = check(&n(z), &v, None, &GateSettings::default())
            .await
            .unwrap_err();
        assert!(matches!(e, GateError::Zonemd(_)), "{e:?}");
        assert!(e.to_string().contains("digest mismatch"), "{e}");
        let off = GateSettings {
            zonemd: false,
            verify: None,
        };
        assert!(check(&n(z), &v, None, &off).await.is_ok());
    }

    #[test]
    fn shorten_joins_lines_and_cuts() {
        assert_eq!(shorten(b"a\n\n  b  \n", 10), "a | b");
        assert_eq!(shorten("ééééé".as_bytes(), 3), "ééé…");
        assert_eq!(shorten(b"", 3), "");
    }
}
