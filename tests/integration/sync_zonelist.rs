//! `zonesync sync-zonelist` against a real `zonesync serve` super master (temp config
//! with `zones-dir` and `super-slaves`, port 0, stopped by PID): the first run adds
//! every member, later runs transfer only what the catalog's serials say changed (the
//! master's `IXFR-out`/`AXFR-out` log lines prove it), zones that leave are deleted,
//! `--dry-run` and failures leave the folder as it was, `--max-deletions` guards,
//! TSIG.

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use zonesync::sync::catalog;
use zonesync::xfr::{self, ClientOptions, Transfer};
use zonesync::zone::{Class, ParseOptions, ZoneVersion, parse_file};

use crate::common::{Server, name, stderr, stdout, wait_until, zonesync};

const KEY: &str = "xfr-key";
const SECRET: &str = "em9uZXN5bmMtaW50ZWdyYXRpb24tdGVzdC1rZXktMzI=";

//----------- Environment ------------------------------------------------------------

/// A super master's folder (config, `zones/`, state) and the mirror folder.
struct Env {
    dir: tempfile::TempDir,
    /// Where the master's NOTIFYs go (nobody answers; the socket keeps the port ours).
    _notify_sink: UdpSocket,
    sink: SocketAddr,
}

impl Env {
    fn new() -> Env {
        let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
            sink: sink.local_addr().expect("addr"),
            _notify_sink: sink,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn mirror(&self) -> PathBuf {
        self.path("mirror")
    }

    /// Writes a master zone file atomically, its mtime moving forward (the server
    /// notices changes by mtime and size).
    fn write_zone(&self, zone: &str, serial: u32, body: &str) {
        let path = self.path(&format!("zones/{zone}.zone"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let old = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let tmp = self.path(&format!("{zone}.tmp"));
        std::fs::write(
            &tmp,
            format!(
                "$ORIGIN {zone}.\n$TTL 3600\n\
                 @ SOA ns1.example.net. hostmaster.{zone}. {serial} 3600 600 86400 300\n\
                 @ NS ns1.example.net.\n{body}"
            ),
        )
        .expect("write");
        let f = std::fs::File::options()
            .write(true)
            .open(&tmp)
            .expect("open");
        let now = f.metadata().expect("meta").modified().expect("mtime");
        if let Some(old) = old
            && now <= old
        {
            f.set_modified(old + Duration::from_millis(10))
                .expect("mtime");
        }
        drop(f);
        std::fs::rename(&tmp, &path).expect("rename");
    }

    fn remove_zone(&self, zone: &str) {
        std::fs::remove_file(self.path(&format!("zones/{zone}.zone"))).expect("remove");
    }

    /// Starts the super master: `zones-dir`, the catalog for the super slave
    /// 127.0.0.1 (NOTIFYs to the sink), unsigned transfers allowed, or only with the
    /// key when `keyed`.
    fn start(&self, keyed: bool) -> Server {
        let slaves = if keyed {
            format!("{{ servers: [\"{}\"], key: {KEY} }}", self.sink)
        } else {
            format!("{{ servers: [\"{}\"], allow-unsigned: true }}", self.sink)
        };
        let config = format!(
            "listen: [\"127.0.0.1:0\"]\n\
             state-dir: state\n\
             file-check-interval: 100ms\n\
             keys:\n  - {{ name: {KEY}, algorithm: hmac-sha256, secret: \"{SECRET}\" }}\n\
             zones-dir: zones\n\
             super-slaves: {slaves}\n"
        );
        std::fs::write(self.path("config.yaml"), config).expect("config");
        Server::start(&self.path("config.yaml"))
    }

    /// Runs `sync-zonelist` against `master` into the mirror, JSON output, plus `extra`.
    fn sync(&self, master: SocketAddr, extra: &[&str]) -> Output {
        let (m, dir) = (master.to_string(), self.mirror().display().to_string());
        let mut args = vec!["sync-zonelist", "-s", &m, "--dir", &dir, "--format", "json"];
        args.extend_from_slice(extra);
        zonesync(&args)
    }
}

//----------- Helpers ----------------------------------------------------------------

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn key_opts(keyed: bool) -> ClientOptions {
    ClientOptions {
        key: keyed
            .then(|| zonesync::tsig::Key::from_dig_spec(&format!("{KEY}:{SECRET}")).expect("key")),
        timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// The master's zone, by AXFR.
fn master_zone(master: SocketAddr, zone: &str, keyed: bool) -> Result<ZoneVersion, String> {
    let origin = name(zone);
    let outcome = rt()
        .block_on(xfr::axfr(master, &origin, &key_opts(keyed)))
        .map_err(|e| e.to_string())?;
    let Transfer::Full(records) = outcome.transfer else {
        return Err("no zone".into());
    };
    ZoneVersion::from_records(origin, Class::IN, records).map_err(|e| e.to_string())
}

/// The catalog's members and their serial properties, as the master serves it now.
fn members(master: SocketAddr, keyed: bool) -> Result<BTreeMap<String, Option<u32>>, String> {
    let v = master_zone(master, "catalog.invalid.", keyed)?;
    let c = catalog::parse(&v).map_err(|e| e.to_string())?;
    Ok(c.members
        .values()
        .map(|m| (m.zone.to_string(), m.serial))
        .collect())
}

/// Waits until the catalog lists exactly `want` (zone, serial).
fn wait_catalog(master: SocketAddr, keyed: bool, want: &[(&str, u32)]) {
    let want: BTreeMap<String, Option<u32>> = want
        .iter()
        .map(|(z, s)| (z.to_string(), Some(*s)))
        .collect();
    wait_until(&format!("the catalog to list {want:?}"), || {
        match members(master, keyed) {
            Ok(m) if m == want => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
}

/// The mirror's file of `zone`, read as a zone.
fn mirrored(dir: &Path, zone: &str) -> ZoneVersion {
    let origin = name(zone);
    let path = dir.join(format!("{}zone", zone));
    let parsed = parse_file(&path, &origin, &ParseOptions::default()).expect("readable");
    assert!(
        parsed.findings.is_empty(),
        "{}: {:?}",
        path.display(),
        parsed.findings
    );
    ZoneVersion::from_records(origin, Class::IN, parsed.records).expect("a zone")
}

/// Asserts the mirror's file of `zone` holds what the master serves (fetched by
/// AXFR, whose log line is waited for: no line of it turns up in a later run's).
fn assert_same_as_master(dir: &Path, srv: &Server, zone: &str, keyed: bool) {
    let ours = mirrored(dir, zone);
    let mark = srv.mark();
    let theirs = master_zone(srv.addr, zone, keyed).expect("master AXFR");
    srv.wait_log_since(mark, &["AXFR-out, finished", &format!("zone={zone} ")]);
    assert_eq!(ours, theirs, "{zone}: the mirror differs from the master");
}

/// The JSON report of a run; asserts the exit code.
fn report(out: &Output, code: i32) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(out)))
}

/// zone → (action, transfer) of a report.
fn actions(r: &serde_json::Value) -> BTreeMap<String, (String, String)> {
    r["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .map(|z| {
            (
                z["zone"].as_str().expect("zone").to_string(),
                (
                    z["action"].as_str().expect("action").to_string(),
                    z["transfer"].as_str().unwrap_or("-").to_string(),
                ),
            )
        })
        .collect()
}

fn row<'a>(r: &'a serde_json::Value, zone: &str) -> &'a serde_json::Value {
    r["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .find(|z| z["zone"] == zone)
        .unwrap_or_else(|| panic!("no row for {zone} in {r:#}"))
}

fn expect(list: &[(&str, &str, &str)]) -> BTreeMap<String, (String, String)> {
    list.iter()
        .map(|(z, a, t)| (z.to_string(), (a.to_string(), t.to_string())))
        .collect()
}

/// Every file of a folder (hidden ones included) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("entry");
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// The zone files of a folder (not the hidden ones) with their bytes.
fn zone_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.retain(|name, _| !name.starts_with('.'));
    files
}

/// The manifest's zones: name → serial.
fn manifest(dir: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(dir.join(".zonesync-manifest.json")).expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["zones"]
        .as_object()
        .expect("zones")
        .iter()
        .map(|(k, e)| (k.clone(), e["serial"].as_u64().expect("serial")))
        .collect()
}

/// Log lines of transfers out of member zones (`AXFR-out`/`IXFR-out … zone=X`, the
/// catalog left out) logged after `mark`.
fn member_transfers(srv: &Server, mark: usize) -> Vec<String> {
    srv.log()[mark..]
        .lines()
        .filter(|l| l.contains("XFR-out, finished") && !l.contains("zone=catalog.invalid."))
        .map(|l| {
            let kind = if l.contains("IXFR-out") {
                "IXFR"
            } else {
                "AXFR"
            };
            let zone = l
                .split_whitespace()
                .find_map(|w| w.strip_prefix("zone="))
                .unwrap_or("?");
            format!("{kind} {zone}")
        })
        .collect()
}

/// The member transfers of the run that started at `mark`, sorted, once the master
/// has logged the catalog's transfer and each of `expected` (`IXFR b.test.`): log
/// lines come a moment after the client is done, and none may spill into the next
/// run's.
fn transfers_of_run(srv: &Server, mark: usize, expected: &[&str]) -> Vec<String> {
    srv.wait_log_since(mark, &["XFR-out, finished", "zone=catalog.invalid."]);
    for e in expected {
        let (kind, zone) = e.split_once(' ').expect("KIND zone");
        srv.wait_log_since(
            mark,
            &[&format!("{kind}-out, finished"), &format!("zone={zone} ")],
        );
    }
    let mut t = member_transfers(srv, mark);
    t.sort();
    t
}

//----------- Tests ------------------------------------------------------------------

#[test]
fn mirrors_a_super_master_transferring_only_what_changed() {
    let env = Env::new();
    for z in ["a.test", "b.test", "c.test"] {
        env.write_zone(z, 1, &format!("www A 192.0.2.1\ntxt TXT \"{z}\"\n"));
    }
    let srv = env.start(false);
    let m = srv.addr;
    wait_catalog(m, false, &[("a.test.", 1), ("b.test.", 1), ("c.test.", 1)]);
    let dir = env.mirror();

    // 1. First run: every member added by AXFR, files equal to the master's zones.
    let mark = srv.mark();
    let r = report(&env.sync(m, &[]), 0);
    assert_eq!(
        actions(&r),
        expect(&[
            ("a.test.", "added", "axfr"),
            ("b.test.", "added", "axfr"),
            ("c.test.", "added", "axfr"),
        ])
    );
    assert_eq!(r["catalogs"][0]["serial_property"], true);
    assert_eq!(r["summary"]["added"], 3);
    let expected = ["AXFR a.test.", "AXFR b.test.", "AXFR c.test."];
    assert_eq!(transfers_of_run(&srv, mark, &expected), expected);
    for z in ["a.test.", "b.test.", "c.test."] {
        assert_same_as_master(&dir, &srv, z, false);
    }
    let files = snapshot(&dir);
    assert!(files.contains_key(".zonesync-manifest.json"), "{files:?}");
    assert!(
        files.keys().any(|f| f.starts_with(".zonesync-catalog_")),
        "{files:?}"
    );
    assert!(
        !files.keys().any(|f| f.ends_with(".tmp")),
        "a temporary file was left: {files:?}"
    );
    let text = String::from_utf8_lossy(&files["a.test.zone"]).into_owned();
    assert!(text.contains("$ORIGIN a.test.\n"), "{text}");

    // 2. Nothing changed: no zone is asked about, the table says unchanged.
    let mark = srv.mark();
    let out = zonesync(&[
        "sync-zonelist",
        "-s",
        &m.to_string(),
        "--dir",
        &dir.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Cron-clean: nothing changed, so no table and no summary.
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
    assert_eq!(transfers_of_run(&srv, mark, &[]), Vec::<String>::new());
    // A dry run always shows its table and summary.
    let out = zonesync(&[
        "sync-zonelist",
        "-s",
        &m.to_string(),
        "--dir",
        &dir.display().to_string(),
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert_eq!(table.matches("unchanged").count(), 3, "{table}");
    assert!(
        stderr(&out).contains("3 zones: 0 added, 0 updated, 0 removed, 3 unchanged, 0 failed"),
        "{}",
        stderr(&out)
    );
    // -q, as cron runs it: silent on stderr unless something fails.
    let out = zonesync(&[
        "sync-zonelist",
        "-q",
        "-s",
        &m.to_string(),
        "--dir",
        &dir.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");

    // 3. One zone changes: only it is transferred, by IXFR.
    env.write_zone("b.test", 2, "www A 192.0.2.2\ntxt TXT \"b.test\"\n");
    wait_catalog(m, false, &[("a.test.", 1), ("b.test.", 2), ("c.test.", 1)]);
    let mark = srv.mark();
    let r = report(&env.sync(m, &[]), 0);
    assert_eq!(
        actions(&r),
        expect(&[
            ("a.test.", "unchanged", "-"),
            ("b.test.", "updated", "ixfr"),
            ("c.test.", "unchanged", "-"),
        ])
    );
    assert_eq!(row(&r, "b.test.")["old_serial"], 1);
    assert_eq!(row(&r, "b.test.")["new_serial"], 2);
    assert_eq!(row(&r, "a.test.")["checked"], "catalog-serial");
    assert_eq!(r["catalogs"][0]["transfer"], "ixfr", "{r:#}");
    assert_eq!(
        transfers_of_run(&srv, mark, &["IXFR b.test."]),
        ["IXFR b.test."]
    );
    assert_same_as_master(&dir, &srv, "b.test.", false);
    assert_eq!(manifest(&dir)["b.test."], 2);

    // 4. A zone file removed on the master: the zone leaves the catalog and its file
    //    the mirror; a new one arrives.
    env.remove_zone("c.test");
    env.write_zone("d.test", 5, "www A 192.0.2.5\n");
    wait_catalog(m, false, &[("a.test.", 1), ("b.test.", 2), ("d.test.", 5)]);
    let mark = srv.mark();
    let r = report(&env.sync(m, &[]), 0);
    assert_eq!(
        actions(&r),
        expect(&[
            ("a.test.", "unchanged", "-"),
            ("b.test.", "unchanged", "-"),
            ("c.test.", "removed", "-"),
            ("d.test.", "added", "axfr"),
        ])
    );
    assert!(!dir.join("c.test.zone").exists());
    assert_eq!(
        transfers_of_run(&srv, mark, &["AXFR d.test."]),
        ["AXFR d.test."]
    );
    assert_same_as_master(&dir, &srv, "d.test.", false);
    assert_eq!(
        manifest(&dir).keys().collect::<Vec<_>>(),
        ["a.test.", "b.test.", "d.test."]
    );

    // 5. --dry-run says what would happen and changes nothing.
    env.write_zone("a.test", 2, "www A 192.0.2.3\n");
    env.remove_zone("d.test");
    wait_catalog(m, false, &[("a.test.", 2), ("b.test.", 2)]);
    let before = snapshot(&dir);
    let mark = srv.mark();
    let r = report(&env.sync(m, &["--dry-run"]), 0);
    assert_eq!(r["dry_run"], true);
    assert_eq!(
        actions(&r),
        expect(&[
            ("a.test.", "updated", "ixfr"),
            ("b.test.", "unchanged", "-"),
            ("d.test.", "removed", "-"),
        ])
    );
    assert_eq!(snapshot(&dir), before, "--dry-run changed the folder");
    assert_eq!(transfers_of_run(&srv, mark, &[]), Vec::<String>::new());

    // 6. A master that does not answer: exit 1, the folder as it was.
    let dead = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let dead_addr = dead.local_addr().expect("addr");
    let out = env.sync(dead_addr, &["--timeout", "1s"]);
    let r = report(&out, 1);
    assert!(r["catalogs"][0]["error"].is_string(), "{r:#}");
    assert_eq!(r["zones"].as_array().map(Vec::len), Some(0), "{r:#}");
    assert_eq!(snapshot(&dir), before, "a failed master changed the folder");
    drop(dead);

    // The real run after the dry run does what the dry run said.
    let r = report(&env.sync(m, &[]), 0);
    assert_eq!(
        actions(&r),
        expect(&[
            ("a.test.", "updated", "ixfr"),
            ("b.test.", "unchanged", "-"),
            ("d.test.", "removed", "-"),
        ])
    );
    assert_same_as_master(&dir, &srv, "a.test.", false);
    srv.stop();
}

#[test]
fn a_failed_zone_keeps_its_entry_and_the_others_go_on() {
    let env = Env::new();
    env.write_zone("a.test", 1, "www A 192.0.2.1\n");
    env.write_zone("b.test", 1, "www A 192.0.2.1\n");
    let srv = env.start(false);
    let m = srv.addr;
    wait_catalog(m, false, &[("a.test.", 1), ("b.test.", 1)]);
    let dir = env.mirror();
    report(&env.sync(m, &[]), 0);

    // b.test.zone cannot be replaced (a folder took its name); a.test moves on.
    std::fs::remove_file(dir.join("b.test.zone")).expect("remove");
    std::fs::create_dir(dir.join("b.test.zone")).expect("mkdir");
    env.write_zone("a.test", 2, "www A 192.0.2.2\n");
    env.write_zone("b.test", 2, "www A 192.0.2.2\n");
    wait_catalog(m, false, &[("a.test.", 2), ("b.test.", 2)]);
    let r = report(&env.sync(m, &[]), 1);
    assert_eq!(row(&r, "a.test.")["action"], "updated");
    assert_eq!(row(&r, "b.test.")["action"], "failed");
    assert!(row(&r, "b.test.")["error"].is_string(), "{r:#}");
    assert_eq!(r["summary"]["failed"], 1);
    let m2 = manifest(&dir);
    assert_eq!((m2["a.test."], m2["b.test."]), (2, 1));

    // Once the obstacle is gone, the next run repairs it.
    std::fs::remove_dir(dir.join("b.test.zone")).expect("rmdir");
    let r = report(&env.sync(m, &[]), 0);
    assert_eq!(row(&r, "b.test.")["action"], "added");
    assert_same_as_master(&dir, &srv, "b.test.", false);
    assert_eq!(manifest(&dir)["b.test."], 2);
    srv.stop();
}

#[test]
fn max_deletions_refuses_a_mass_removal() {
    let env = Env::new();
    for z in ["a.test", "b.test", "c.test"] {
        env.write_zone(z, 1, "www A 192.0.2.1\n");
    }
    let srv = env.start(false);
    let m = srv.addr;
    wait_catalog(m, false, &[("a.test.", 1), ("b.test.", 1), ("c.test.", 1)]);
    let dir = env.mirror();
    report(&env.sync(m, &[]), 0);

    env.remove_zone("a.test");
    env.remove_zone("b.test");
    wait_catalog(m, false, &[("c.test.", 1)]);
    let before = zone_files(&dir);
    let r = report(&env.sync(m, &["--max-deletions", "1"]), 1);
    assert_eq!(
        actions(&r),
        expect(&[
            ("a.test.", "failed", "-"),
            ("b.test.", "failed", "-"),
            ("c.test.", "unchanged", "-"),
        ])
    );
    let error = row(&r, "a.test.")["error"].as_str().expect("error");
    assert!(error.contains("--max-deletions 1"), "{error}");
    assert_eq!(zone_files(&dir), before);
    assert_eq!(manifest(&dir).len(), 3);

    let r = report(&env.sync(m, &[]), 0);
    assert_eq!(r["summary"]["removed"], 2);
    assert!(!dir.join("a.test.zone").exists() && !dir.join("b.test.zone").exists());
    srv.stop();
}

#[test]
fn tsig_keyed_super_master() {
    let env = Env::new();
    env.write_zone("a.test", 7, "www A 192.0.2.1\n");
    let srv = env.start(true);
    let m = srv.addr;
    wait_catalog(m, true, &[("a.test.", 7)]);
    let dir = env.mirror();

    // Unsigned: the catalog is refused, nothing is written.
    let r = report(&env.sync(m, &[]), 1);
    let error = r["catalogs"][0]["error"].as_str().expect("error");
    assert!(
        error.contains("REFUSED") || error.contains("NOTAUTH"),
        "{error}"
    );
    assert!(!dir.join("a.test.zone").exists());

    let key = format!("hmac-sha256:{KEY}:{SECRET}");
    let r = report(&env.sync(m, &["-y", &key]), 0);
    assert_eq!(actions(&r), expect(&[("a.test.", "added", "axfr")]));
    assert_same_as_master(&dir, &srv, "a.test.", true);
    srv.stop();
}

/// The `--exec` command's environment, as it wrote it (`ZONESYNC_*` lines), or `None`
/// when it did not run.
fn exec_env(file: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(file).ok()?;
    std::fs::remove_file(file).expect("remove");
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| k.starts_with("ZONESYNC_"))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn exec_and_zone_list_follow_the_changes() {
    let env = Env::new();
    env.write_zone("a.test", 1, "www A 192.0.2.1\n");
    env.write_zone("b.test", 1, "www A 192.0.2.1\n");
    let srv = env.start(false);
    let m = srv.addr;
    wait_catalog(m, false, &[("a.test.", 1), ("b.test.", 1)]);
    let dir = env.mirror();
    let list = env.path("mirror.conf");
    let env_file = env.path("exec.env");
    let exec = format!("env > '{}'", env_file.display());
    let run = |extra: &[&str]| {
        let (ms, ds, ls) = (
            m.to_string(),
            dir.display().to_string(),
            list.display().to_string(),
        );
        let mut args = vec![
            "sync-zonelist",
            "-s",
            &ms,
            "--dir",
            &ds,
            "--zone-list",
            &ls,
            "--zone-list-format",
            "nsd",
        ];
        args.extend_from_slice(extra);
        zonesync(&args)
    };
    let var = |e: &BTreeMap<String, String>, k: &str| e.get(k).cloned().unwrap_or_default();

    // Added: the command runs once, told which zones; the list names both files.
    let out = run(&["--exec", &exec]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("added"), "{}", stdout(&out));
    let e = exec_env(&env_file).expect("--exec ran");
    assert_eq!(var(&e, "ZONESYNC_ADDED"), "a.test. b.test.");
    assert_eq!(var(&e, "ZONESYNC_UPDATED"), "");
    assert_eq!(var(&e, "ZONESYNC_ZONE_LIST"), list.display().to_string());
    let text = std::fs::read_to_string(&list).expect("zone list");
    let abs = std::path::absolute(&dir).expect("absolute");
    for z in ["a.test", "b.test"] {
        assert!(text.contains(&format!("name: \"{z}.\"")), "{text}");
        assert!(
            text.contains(&format!("zonefile: \"{}/{z}.zone\"", abs.display())),
            "{text}"
        );
    }

    // Nothing changed: silent, no command, the list untouched.
    let before = std::fs::metadata(&list)
        .and_then(|m| m.modified())
        .expect("mtime");
    let out = run(&["--exec", &exec]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
    assert_eq!(exec_env(&env_file), None);
    let after = std::fs::metadata(&list)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after);

    // One updated, one removed.
    env.write_zone("b.test", 2, "www A 192.0.2.2\n");
    env.remove_zone("a.test");
    wait_catalog(m, false, &[("b.test.", 2)]);
    let out = run(&["--exec", &exec]);
    assert!(out.status.success(), "{}", stderr(&out));
    let e = exec_env(&env_file).expect("--exec ran");
    assert_eq!(var(&e, "ZONESYNC_UPDATED"), "b.test.");
    assert_eq!(var(&e, "ZONESYNC_REMOVED"), "a.test.");
    assert_eq!(var(&e, "ZONESYNC_ADDED"), "");
    let text = std::fs::read_to_string(&list).expect("zone list");
    assert!(!text.contains("a.test"), "{text}");
    assert!(text.contains("b.test"), "{text}");

    // A dry run runs nothing; a failing command fails the run (exit 1), after the
    // files are written.
    env.write_zone("b.test", 3, "www A 192.0.2.3\n");
    wait_catalog(m, false, &[("b.test.", 3)]);
    let out = run(&["--exec", &exec, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(exec_env(&env_file), None);
    let out = run(&["--exec", "exit 3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--exec \"exit 3\" exited with status 3"),
        "{}",
        stderr(&out)
    );
    assert_eq!(manifest(&dir)["b.test."], 3);
    srv.stop();
}

#[test]
fn usage_errors_exit_2() {
    let out = zonesync(&["sync-zonelist", "--dir", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = zonesync(&[
        "sync-zonelist",
        "-s",
        "127.0.0.1:1",
        "--dir",
        "x",
        "-y",
        "hmac-sha999:k:c2VjcmV0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
