//! The super master side of the manager (`super-slaves:`): our catalog zone, which
//! lists every primary zone we serve, and the super slaves added to every primary
//! zone's `allow-transfer` (with the key, or unsigned when `allow-unsigned`) and
//! NOTIFY targets.
//!
//! # Data flow
//! The producer task ([`crate::sync::producer`]) owns the catalog; primary zone
//! tasks feed it their serials, and the manager tells it which zones exist
//! ([`MasterSide::list_all`], [`MasterSide::unlist`]).

use std::sync::Arc;

use tracing::info;

use crate::acl::{Acl, AclEntry};
use crate::config::{NotifyTarget, SuperSlaves};
use crate::zone::Name;

use super::super::ZoneSettings;
use super::super::notify_out::Target;
use super::super::producer::{self, CatalogFeed};
use super::{Origin, ZoneSet};

//----------- MasterSide -------------------------------------------------------------

/// What the super master side adds to the zone set.
#[derive(Default)]
pub(super) struct MasterSide {
    /// Our catalog's feed, once the producer runs.
    feed: Option<Arc<CatalogFeed>>,
    /// ACL entries added to every primary zone's `allow-transfer`.
    acl: Vec<AclEntry>,
    /// NOTIFY targets added to every primary zone.
    notify: Vec<NotifyTarget>,
}

impl MasterSide {
    /// The side for `super-slaves:` (empty without it).
    pub(super) fn new(config: Option<&SuperSlaves>) -> MasterSide {
        let (acl, notify) = config.map(super_slave_access).unwrap_or_default();
        MasterSide {
            feed: None,
            acl,
            notify,
        }
    }

    /// The catalog feed primary zones report to, if we are a super master.
    pub(super) fn feed(&self) -> Option<Arc<CatalogFeed>> {
        self.feed.clone()
    }

    /// Lists exactly `zones` in our catalog.
    pub(super) fn list_all(&self, zones: Vec<Name>) {
        if let Some(feed) = &self.feed {
            feed.all_members(zones);
        }
    }

    /// Takes `zone` out of our catalog.
    pub(super) fn unlist(&self, zone: &Name) {
        if let Some(feed) = &self.feed {
            feed.member(zone, None);
        }
    }

    /// Takes every zone of `zones` out of our catalog in one version (a super
    /// slave's `max-deletions` guard judges the whole change, not slices of it).
    pub(super) fn unlist_all(&self, zones: &[Name]) {
        if let Some(feed) = &self.feed {
            feed.members(zones.iter().map(|n| (n.clone(), None)));
        }
    }

    /// A primary zone's settings: its own, with the super slaves added.
    pub(super) fn primary_settings(
        &self,
        acl: &Acl,
        also_notify: &[NotifyTarget],
        notify: crate::config::NotifyMode,
        gate: crate::sync::gate::GateSettings,
    ) -> Arc<ZoneSettings> {
        let mut allow_transfer = acl.clone();
        allow_transfer.entries.extend(self.acl.iter().cloned());
        let mut also = also_notify.to_vec();
        also.extend(self.notify.iter().cloned());
        Arc::new(ZoneSettings {
            allow_transfer,
            also_notify: also,
            notify,
            allow_notify: Acl::default(),
            secondary: false,
            catalog: false,
            gate,
        })
    }
}

/// The transfer ACL entries and NOTIFY targets that `super-slaves:` gives every
/// primary zone: each server with the key, and unsigned too when `allow-unsigned`.
fn super_slave_access(s: &SuperSlaves) -> (Vec<AclEntry>, Vec<NotifyTarget>) {
    let mut acl = Vec::new();
    let mut notify = Vec::new();
    for addr in &s.servers {
        let prefix = Some(ipnet::IpNet::from(addr.ip()));
        if let Some(key) = &s.key {
            acl.push(AclEntry {
                prefix,
                key: Some(key.clone()),
                tls: false,
            });
        }
        if s.allow_unsigned {
            acl.push(AclEntry {
                prefix,
                key: None,
                tls: false,
            });
        }
        notify.push(NotifyTarget {
            addr: *addr,
            key: s.key.clone(),
        });
    }
    (acl, notify)
}

//----------- The producer -----------------------------------------------------------

impl ZoneSet {
    /// Starts the producer of our catalog (super master).
    pub(super) fn start_producer(&mut self) {
        let Some(s) = self.config.super_slaves.clone() else {
            return;
        };
        let targets = self
            .master
            .notify
            .iter()
            .map(|t| Target {
                addr: t.addr,
                key: t.key.clone(),
                listed: crate::sync::propagation::Listed::SuperSlave,
            })
            .collect();
        let settings = Arc::new(ZoneSettings {
            allow_transfer: Acl {
                entries: self.master.acl.clone(),
            },
            also_notify: Vec::new(),
            notify: crate::config::NotifyMode::Yes,
            allow_notify: Acl::default(),
            secondary: false,
            catalog: true,
            gate: crate::sync::gate::GateSettings::default(),
        });
        let (handle, feed) = producer::spawn(
            s.catalog.clone(),
            settings,
            targets,
            self.store.clone(),
            self.ring.clone(),
            &mut self.tasks,
        );
        info!(catalog = %s.catalog, super_slaves = s.servers.len(), "super master: publishing catalog");
        self.run(s.catalog, handle, None, Origin::Catalog);
        self.master.feed = Some(feed);
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn slaves(key: Option<&str>, allow_unsigned: bool) -> SuperSlaves {
        SuperSlaves {
            servers: vec!["127.0.0.2:5300".parse().unwrap()],
            key: key.map(|k| k.parse().unwrap()),
            allow_unsigned,
            catalog: "catalog.invalid.".parse().unwrap(),
        }
    }

    #[test]
    fn super_slaves_transfer_with_their_key_or_unsigned_when_allowed() {
        let (acl, notify) = super_slave_access(&slaves(Some("k."), false));
        assert_eq!(acl.len(), 1);
        assert_eq!(acl[0].key, Some("k.".parse().unwrap()));
        assert_eq!(notify[0].key, Some("k.".parse().unwrap()));
        let (acl, _) = super_slave_access(&slaves(Some("k."), true));
        assert_eq!(acl.len(), 2);
        assert_eq!(acl[1].key, None);
        // No key and no unsigned access: NOTIFY only.
        let (acl, notify) = super_slave_access(&slaves(None, false));
        assert!(acl.is_empty());
        assert_eq!(notify.len(), 1);
    }

    #[test]
    fn primary_settings_add_the_super_slaves() {
        let side = MasterSide::new(Some(&slaves(Some("k."), false)));
        let own = Acl {
            entries: vec![AclEntry {
                prefix: None,
                key: Some("own.".parse().unwrap()),
                tls: false,
            }],
        };
        let s = side.primary_settings(&own, &[], Default::default(), Default::default());
        assert_eq!(s.allow_transfer.entries.len(), 2);
        assert_eq!(s.also_notify.len(), 1);
        assert!(!s.secondary && !s.catalog);
    }
}
