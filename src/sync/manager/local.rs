//! Local zones: the zones of the config (primary and secondary), the primary zones
//! of `zones-dir`, and `reload`.
//!
//! # Data flow
//! Start-up starts every configured zone and every `<name>.zone` file of
//! `zones-dir`; the server's file timer and SIGHUP call [`ZoneSet::check_files`]
//! (rescan `zones-dir`, ask every primary zone to check its file); `serve reload`
//! re-reads the config, compares it with the running one ([`compare_zones`]), and
//! starts, stops or restarts zones accordingly, after replacing the live key table.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::{info, warn};

use crate::acl::{Acl, AclEntry};
use crate::config::{Config, ZoneConfig, ZoneSource};
use crate::zone::Name;

use super::super::gate::GateSettings;
use super::super::secondary::PrimaryServer;
use super::super::{ZoneEvent, ZoneSettings};
use super::control::ControlResponse;
use super::{Origin, ZoneSet};

//----------- Configured zones -------------------------------------------------------

impl ZoneSet {
    /// Starts every zone of the config.
    pub(super) fn start_configured(&mut self) {
        let config = self.config.clone();
        for z in &config.zones {
            self.start_zone_config(z);
        }
    }

    /// Starts one zone of the config.
    fn start_zone_config(&mut self, z: &ZoneConfig) {
        match &z.source {
            ZoneSource::Primary {
                file,
                serial_policy,
            } => {
                let settings = self.master.primary_settings(
                    &z.allow_transfer,
                    &z.also_notify,
                    z.notify,
                    GateSettings {
                        zonemd: z.zonemd_verify,
                        verify: z.verify.clone(),
                    },
                );
                self.start_primary(
                    z.name.clone(),
                    file.clone(),
                    *serial_policy,
                    settings,
                    Origin::Configured,
                );
            }
            ZoneSource::Secondary { primaries } => {
                let servers = primaries
                    .iter()
                    .map(|p| PrimaryServer {
                        addr: p.addr,
                        key: p.key.clone(),
                        ixfr: p.ixfr,
                        ixfr_udp: p.ixfr_udp,
                        tls: p.tls.clone(),
                    })
                    .collect();
                // NOTIFY is accepted from the primaries only, with their keys.
                let allow_notify = Acl {
                    entries: primaries
                        .iter()
                        .map(|p| AclEntry {
                            prefix: Some(ipnet::IpNet::from(p.addr.ip())),
                            key: p.key.clone(),
                            tls: false,
                        })
                        .collect(),
                };
                let settings = Arc::new(ZoneSettings {
                    allow_transfer: z.allow_transfer.clone(),
                    also_notify: z.also_notify.clone(),
                    notify: z.notify,
                    allow_notify,
                    secondary: true,
                    catalog: false,
                    gate: GateSettings {
                        zonemd: z.zonemd_verify,
                        verify: z.verify.clone(),
                    },
                });
                self.start_secondary(
                    z.name.clone(),
                    servers,
                    settings,
                    z.timers,
                    Origin::Configured,
                    None,
                );
            }
        }
    }

    //--- zones-dir

    /// Starts zones whose files appeared in `zones-dir` and deletes those whose files
    /// went away.
    pub(super) async fn scan_zones_dir(&mut self) {
        let Some(dir) = self.config.zones_dir.clone() else {
            return;
        };
        let found = match tokio::task::spawn_blocking(move || list_zone_files(&dir)).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                warn!(error = %e, "cannot read zones-dir");
                return;
            }
            Err(_) => return,
        };
        for (name, file) in &found {
            if self.running.contains_key(name) {
                continue;
            }
            info!(zone = %name, file = %file.display(), "zone file appeared in zones-dir: new zone");
            let d = self.config.defaults.clone();
            // zones-dir zones take the defaults, the gate's settings too.
            let settings = self.master.primary_settings(
                &d.allow_transfer,
                &d.also_notify,
                d.notify,
                GateSettings {
                    zonemd: d.zonemd_verify,
                    verify: d.verify.clone(),
                },
            );
            self.start_primary(
                name.clone(),
                file.clone(),
                d.serial_policy,
                settings,
                Origin::ZonesDir,
            );
        }
        let present: std::collections::HashSet<&Name> = found.iter().map(|(n, _)| n).collect();
        let gone: Vec<Name> = self
            .running
            .iter()
            .filter(|(n, r)| r.origin == Origin::ZonesDir && !present.contains(n))
            .map(|(n, _)| n.clone())
            .collect();
        self.master.unlist_all(&gone);
        for name in gone {
            info!(zone = %name, "zone file left zones-dir: zone deleted");
            self.delete(&name).await;
        }
    }

    /// Rescans `zones-dir`, and asks every primary zone to check its file.
    pub async fn check_files(&mut self) {
        // Rescan first, so that a zone whose file left zones-dir is deleted rather
        // than asked to reload a file that is gone.
        self.scan_zones_dir().await;
        for r in self.running.values() {
            if r.file.is_some() {
                r.handle.send(ZoneEvent::Reload);
            }
        }
        while self.tasks.try_join_next().is_some() {}
    }

    //--- reload

    /// Re-reads the config: zones added, removed and changed follow it, the live key
    /// table is replaced (a rotated secret takes effect at the next transfer, no zone
    /// restarts for it), every zone file is checked. Listen addresses and super
    /// master/slave settings need a restart (said in the answer).
    pub(super) async fn reload(&mut self) -> ControlResponse {
        let path = self.config.path.clone();
        let loaded = tokio::task::spawn_blocking(move || Config::load(&path)).await;
        let new = match loaded {
            Ok(Ok(c)) => Arc::new(c),
            Ok(Err(e)) => return ControlResponse::error(format!("config not reloaded: {e}")),
            Err(e) => return ControlResponse::error(format!("config not reloaded: {e}")),
        };
        let old = std::mem::replace(&mut self.config, new.clone());
        let rotated = self.ring.replace(new.keys.clone());
        if !rotated.is_empty() {
            let names: Vec<String> = rotated.iter().map(|n| n.to_string()).collect();
            info!(keys = %names.join(", "), "keys changed: used from the next transfer on");
        }
        let mut notes = Vec::new();
        if old.listen != new.listen || old.control != new.control || old.metrics != new.metrics {
            notes.push("listen, control and metrics addresses change on restart only");
        }
        if old.super_slaves != new.super_slaves || old.super_masters != new.super_masters {
            notes.push("super-slaves and super-masters change on restart only");
        }
        let configured: Vec<Name> = self
            .running
            .iter()
            .filter(|(_, r)| r.origin == Origin::Configured)
            .map(|(n, _)| n.clone())
            .collect();
        let diff = compare_zones(&old.zones, &new.zones, &configured);
        for name in &diff.removed {
            info!(zone = %name, "zone removed from the config: deleted");
            self.delete(name).await;
        }
        for name in &diff.changed {
            info!(zone = %name, "zone changed in the config: restarting it");
            self.stop_zone(name);
        }
        // zones-dir zones take the defaults: restart them when those changed.
        if old.defaults != new.defaults || old.zones_dir != new.zones_dir {
            let dir_zones: Vec<Name> = self
                .running
                .iter()
                .filter(|(_, r)| r.origin == Origin::ZonesDir)
                .map(|(n, _)| n.clone())
                .collect();
            for name in dir_zones {
                self.stop_zone(&name);
            }
        }
        // Provisioned zones take the defaults or their template: restart them when
        // those changed (their data stays).
        if old.defaults != new.defaults || old.templates != new.templates {
            self.restart_provisioned();
        }
        let config = self.config.clone();
        for z in &config.zones {
            if !self.running.contains_key(&z.name) {
                self.start_zone_config(z);
            }
        }
        self.check_files().await;
        // Every zone stopped to restart has started again by now: the views of any
        // that did not (a zones-dir file removed meanwhile) go.
        self.restarting.clear();
        let mut message = format!(
            "config reloaded: {} added, {} removed, {} changed",
            crate::plural::count_of(diff.added.len(), "zone"),
            diff.removed.len(),
            diff.changed.len()
        );
        if !rotated.is_empty() {
            message.push_str(&format!(
                "; {} changed",
                crate::plural::count_of(rotated.len(), "key")
            ));
        }
        for n in notes {
            message.push_str("; ");
            message.push_str(n);
        }
        ControlResponse::ok(message)
    }
}

//----------- compare_zones ----------------------------------------------------------

/// What a reload does to the configured zones.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ZoneDiff {
    /// In the new config only: started.
    pub added: Vec<Name>,
    /// Running from the old config and gone from the new one: deleted with their data.
    pub removed: Vec<Name>,
    /// In both, with different settings: restarted (their data stays).
    pub changed: Vec<Name>,
}

/// Compares the zones of two configs, given the configured zones now `running`.
/// Settings name keys, never hold them: a changed secret is no zone change.
pub(super) fn compare_zones(old: &[ZoneConfig], new: &[ZoneConfig], running: &[Name]) -> ZoneDiff {
    let old: HashMap<&Name, &ZoneConfig> = old.iter().map(|z| (&z.name, z)).collect();
    let new_by: HashMap<&Name, &ZoneConfig> = new.iter().map(|z| (&z.name, z)).collect();
    let mut diff = ZoneDiff::default();
    for name in running {
        match new_by.get(name) {
            None => diff.removed.push(name.clone()),
            Some(z) if old.get(name) != Some(z) => diff.changed.push(name.clone()),
            Some(_) => {}
        }
    }
    diff.added = new
        .iter()
        .filter(|z| !running.contains(&z.name))
        .map(|z| z.name.clone())
        .collect();
    diff.removed.sort();
    diff.changed.sort();
    diff
}

/// The `<name>.zone` files of a folder, with their zone names. Blocking.
fn list_zone_files(dir: &Path) -> std::io::Result<Vec<(Name, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(stem) = file_name.strip_suffix(".zone") else {
            continue;
        };
        if stem.starts_with('.') || stem.is_empty() || !entry.file_type()?.is_file() {
            continue;
        }
        match Name::parse(stem, Some(&Name::root())) {
            Ok(name) => out.push((name, path)),
            Err(e) => {
                warn!(file = %path.display(), error = %e, "zones-dir: file name is not a zone name; ignored")
            }
        }
    }
    Ok(out)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Primary, TimerBounds};

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn secondary(name: &str, key: Option<&str>) -> ZoneConfig {
        ZoneConfig {
            name: n(name),
            source: ZoneSource::Secondary {
                primaries: vec![Primary {
                    addr: "127.0.0.1:5300".parse().unwrap(),
                    key: key.map(n),
                    ixfr: true,
                    ixfr_udp: false,
                    tls: None,
                }],
            },
            allow_transfer: Acl::default(),
            also_notify: Vec::new(),
            notify: crate::config::NotifyMode::Yes,
            timers: TimerBounds::default(),
            verify: None,
            zonemd_verify: true,
        }
    }

    #[test]
    fn reload_adds_removes_and_restarts_what_changed() {
        let old = [
            secondary("keep.test.", Some("k.")),
            secondary("gone.test.", None),
            secondary("changed.test.", None),
        ];
        let new = [
            secondary("keep.test.", Some("k.")),
            secondary("changed.test.", Some("k.")),
            secondary("new.test.", None),
        ];
        let running = [n("keep.test."), n("gone.test."), n("changed.test.")];
        assert_eq!(
            compare_zones(&old, &new, &running),
            ZoneDiff {
                added: vec![n("new.test.")],
                removed: vec![n("gone.test.")],
                changed: vec![n("changed.test.")],
            }
        );
        // The same config: nothing to do (a rotated secret lives in the key table).
        assert_eq!(compare_zones(&old, &old, &running), ZoneDiff::default());
    }

    #[test]
    fn zones_dir_lists_zone_files_only() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.test.zone", ".hidden.zone", "notes.txt", ".zone"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.zone")).unwrap();
        let mut found = list_zone_files(dir.path()).unwrap();
        found.sort();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, n("a.test."));
    }
}
