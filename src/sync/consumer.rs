//! The catalog consumer's decisions (RFC 9432 §5) as one pure function, [`plan`]:
//! given the catalogs we consume (each one's last known version), what we hold that
//! came from them, and which zones are configured locally, it says for every zone
//! whether to create it, keep it, reset it, remove it or leave it alone.
//!
//! # Data flow
//! Both consumers in the product apply it: `serve`'s super slave
//! (`sync::manager::slave`) turns the decisions into provisioned secondary zones,
//! and `sync-zonelist` (`sync::mirror`) into zone files of a mirror folder. Neither
//! restates a membership rule; they add only what is theirs (serials and files for
//! the mirror, zone tasks for `serve`).
//!
//! # Standards
//! - RFC 9432 §5.1: a new member is created as a secondary zone of the catalog's
//!   primary.
//! - §5.2: "when a member zone is removed from a catalog zone … the consumer … MUST
//!   remove" it, but (§5.4) "a consumer MUST NOT remove a member zone … provisioned by
//!   another catalog": only the catalog that holds a zone removes it.
//! - §5.3: "a change of unique identifier … means the consumer MUST reset the member
//!   zone": its data is purged and it is transferred afresh ([`Action::Reset`] with
//!   [`ResetReason::NewId`]). A member removed and re-added under the same label
//!   keeps its data (the same unique-id is no reset).
//! - §5.4: a zone listed by two catalogs stays with the one that has it; a new zone
//!   listed by two goes to the first in the consumer's order.
//! - §5.6: a `coo` property of the owning catalog naming another catalog that lists
//!   the zone permits the move ([`ResetReason::Migrated`]).
//! - §7: "… consumers … SHOULD … limit the number of member zones that can be
//!   removed at once": a catalog version that would remove more than
//!   `max_deletions` zones removes none ([`Action::RemoveRefused`]).

use std::collections::{BTreeMap, HashMap};

use crate::zone::Name;
use crate::zone::serial::Serial;

use super::catalog::Catalog;

//----------- Input ------------------------------------------------------------------

/// One consumed catalog, in the consumer's order of preference.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Its last known version; `None` when it is not known now (not transferred
    /// yet, or its master did not answer this time): the zones it holds are left
    /// alone.
    pub catalog: Option<&'a Catalog>,
    /// The most zones one version may remove (RFC 9432 §7).
    pub max_deletions: usize,
    /// How long a zone created by a NOTIFY, before this catalog listed it, survives
    /// versions that do not list it (seconds).
    pub unlisted_grace: u64,
}

/// A zone we hold from a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The index of the [`Source`] that holds it; `None` when that catalog is not
    /// among the sources (the zone is left alone).
    pub source: Option<usize>,
    /// The member's unique-id when we took it; `None` for records written before
    /// ids were kept (the first version that lists the zone supplies it, with no
    /// reset).
    pub id: Option<Vec<u8>>,
    /// For a zone created by a NOTIFY before its catalog listed it: the catalog's
    /// serial and the time (Unix seconds) at its creation.
    pub unconfirmed: Option<Unconfirmed>,
}

/// When and under which catalog version a NOTIFY created a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unconfirmed {
    /// The catalog serial current at the zone's creation.
    pub catalog_serial: u32,
    /// When the zone was created (Unix seconds; 0 for "long ago").
    pub created_at: u64,
}

//----------- Output -----------------------------------------------------------------

/// The decision for one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The zone.
    pub zone: Name,
    /// The source the zone is (or will be) held by, or leaves.
    pub source: usize,
    /// What to do.
    pub action: Action,
}

/// What to do with one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A new member: create it.
    Add {
        /// Its unique-id.
        id: Vec<u8>,
    },
    /// Held, and still ours: nothing to purge.
    Keep {
        /// Its unique-id, when the catalog lists it (`None`: a NOTIFY-created zone
        /// that its catalog does not list yet, inside its grace).
        id: Option<Vec<u8>>,
        /// The held record must be rewritten: the catalog now lists a zone a NOTIFY
        /// created (confirmed), or supplies an id the record lacked.
        update: bool,
    },
    /// Held, but its state must be purged and the zone transferred afresh.
    Reset {
        /// Its unique-id in the source it now belongs to.
        id: Vec<u8>,
        /// Why.
        reason: ResetReason,
    },
    /// It left the catalog that holds it: remove it.
    Remove,
    /// It left the catalog, but that version would remove more zones than allowed:
    /// it stays.
    RemoveRefused {
        /// How many zones the version would remove.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Listed, but a locally configured zone of that name wins.
    Local,
}

/// Why a held zone is reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetReason {
    /// Its unique-id changed (RFC 9432 §5.3).
    NewId,
    /// It moved here from source `from` (a `coo` property there, or that catalog
    /// dropped it while this one lists it).
    Migrated {
        /// The source it came from.
        from: usize,
    },
}

//----------- plan -------------------------------------------------------------------

/// Decides, for every zone listed by a known source or held from one, what to do;
/// sorted by zone name. Zones held by an unknown source (or none) get no decision.
///
/// `now` is Unix seconds (for the grace of NOTIFY-created zones); `local` says
/// whether a zone is configured locally.
pub fn plan(
    sources: &[Source<'_>],
    held: &BTreeMap<Name, Held>,
    local: &dyn Fn(&Name) -> bool,
    now: u64,
) -> Vec<Decision> {
    // Who lists each zone, in source order.
    let mut listed: BTreeMap<&Name, Vec<usize>> = BTreeMap::new();
    for (i, s) in sources.iter().enumerate() {
        for zone in s.catalog.iter().flat_map(|c| c.members.keys()) {
            listed.entry(zone).or_default().push(i);
        }
    }
    let id_in = |source: usize, zone: &Name| -> Vec<u8> {
        sources[source]
            .catalog
            .and_then(|c| c.members.get(zone))
            .map(|m| m.id.clone())
            .unwrap_or_default()
    };

    let mut out = Vec::new();
    // Removals are judged per source, all together (the deletion guard).
    let mut removals: HashMap<usize, Vec<Name>> = HashMap::new();
    for (zone, by) in &listed {
        let zone = (*zone).clone();
        let Some(h) = held.get(&zone) else {
            let action = if local(&zone) {
                Action::Local
            } else {
                Action::Add {
                    id: id_in(by[0], &zone),
                }
            };
            out.push(Decision {
                zone,
                source: by[0],
                action,
            });
            continue;
        };
        let Some(owner) = h.source else {
            continue;
        };
        let Some(owner_catalog) = sources[owner].catalog else {
            continue;
        };
        match owner_catalog.members.get(&zone) {
            Some(member) => {
                // §5.6: the owner permits a move to a catalog that lists the zone.
                let moved_to = member.coo.as_ref().and_then(|coo| {
                    by.iter()
                        .copied()
                        .find(|&i| i != owner && sources[i].catalog.is_some_and(|c| &c.name == coo))
                });
                let (source, action) = match moved_to {
                    Some(to) => (
                        to,
                        Action::Reset {
                            id: id_in(to, &zone),
                            reason: ResetReason::Migrated { from: owner },
                        },
                    ),
                    None => match &h.id {
                        Some(old) if *old != member.id => (
                            owner,
                            Action::Reset {
                                id: member.id.clone(),
                                reason: ResetReason::NewId,
                            },
                        ),
                        _ => (
                            owner,
                            Action::Keep {
                                id: Some(member.id.clone()),
                                update: h.id.is_none() || h.unconfirmed.is_some(),
                            },
                        ),
                    },
                };
                out.push(Decision {
                    zone,
                    source,
                    action,
                });
            }
            None if h.unconfirmed.is_some_and(|u| {
                !leaves(u, owner_catalog.serial, now, sources[owner].unlisted_grace)
            }) =>
            {
                out.push(Decision {
                    zone,
                    source: owner,
                    action: Action::Keep {
                        id: None,
                        update: false,
                    },
                });
            }
            // The owner dropped it while another catalog lists it: it moves there.
            None => out.push(Decision {
                zone: zone.clone(),
                source: by[0],
                action: Action::Reset {
                    id: id_in(by[0], &zone),
                    reason: ResetReason::Migrated { from: owner },
                },
            }),
        }
    }
    for (zone, h) in held {
        if listed.contains_key(zone) {
            continue;
        }
        let Some(owner) = h.source else {
            continue;
        };
        let Some(catalog) = sources[owner].catalog else {
            continue;
        };
        let stays = h
            .unconfirmed
            .is_some_and(|u| !leaves(u, catalog.serial, now, sources[owner].unlisted_grace));
        if stays {
            out.push(Decision {
                zone: zone.clone(),
                source: owner,
                action: Action::Keep {
                    id: None,
                    update: false,
                },
            });
        } else {
            removals.entry(owner).or_default().push(zone.clone());
        }
    }
    for (source, zones) in removals {
        let (count, max) = (zones.len(), sources[source].max_deletions);
        for zone in zones {
            out.push(Decision {
                zone,
                source,
                action: if count > max {
                    Action::RemoveRefused { count, max }
                } else {
                    Action::Remove
                },
            });
        }
    }
    out.sort_by(|a, b| a.zone.cmp(&b.zone));
    out
}

/// Whether a zone created by a NOTIFY (`u`) that a catalog at `serial` does not list
/// leaves now: only when this catalog version is newer than the one current at its
/// creation and the zone is older than `grace` seconds. A producer lists a new zone
/// a moment after it sends NOTIFY for it, and a catalog version built before that
/// moment may reach us after the NOTIFY: without the grace, that version would
/// delete the zone its successor lists again (a second transfer for nothing).
fn leaves(u: Unconfirmed, serial: u32, now: u64, grace: u64) -> bool {
    Serial(serial).is_newer_than(Serial(u.catalog_serial))
        && now >= u.created_at.saturating_add(grace)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::catalog::Member;

    fn n(s: &str) -> Name {
        s.parse().expect("name")
    }

    /// A catalog `name` at `serial` with members (zone, id, coo).
    fn catalog(name: &str, serial: u32, members: &[(&str, &str, Option<&str>)]) -> Catalog {
        Catalog {
            name: n(name),
            serial,
            members: members
                .iter()
                .map(|(zone, id, coo)| {
                    (
                        n(zone),
                        Member {
                            id: id.as_bytes().to_vec(),
                            zone: n(zone),
                            serial: None,
                            coo: coo.map(n),
                            groups: Vec::new(),
                        },
                    )
                })
                .collect(),
            has_serials: false,
        }
    }

    fn src(c: &Catalog) -> Source<'_> {
        Source {
            catalog: Some(c),
            max_deletions: 100,
            unlisted_grace: 60,
        }
    }

    fn held(source: usize, id: Option<&str>) -> Held {
        Held {
            source: Some(source),
            id: id.map(|s| s.as_bytes().to_vec()),
            unconfirmed: None,
        }
    }

    fn notified(source: usize, catalog_serial: u32, created_at: u64) -> Held {
        Held {
            unconfirmed: Some(Unconfirmed {
                catalog_serial,
                created_at,
            }),
            ..held(source, None)
        }
    }

    fn run(
        sources: &[Source<'_>],
        held: &[(&str, Held)],
        now: u64,
    ) -> Vec<(String, usize, Action)> {
        let held: BTreeMap<Name, Held> = held.iter().map(|(z, h)| (n(z), h.clone())).collect();
        plan(sources, &held, &|z: &Name| z == &n("local.test."), now)
            .into_iter()
            .map(|d| (d.zone.to_string(), d.source, d.action))
            .collect()
    }

    fn keep(id: &str) -> Action {
        Action::Keep {
            id: Some(id.as_bytes().to_vec()),
            update: false,
        }
    }

    const NOW: u64 = 1_000_000;

    #[test]
    fn new_members_are_added_and_local_zones_win() {
        let c = catalog(
            "cat.",
            1,
            &[("a.test.", "1", None), ("local.test.", "2", None)],
        );
        assert_eq!(
            run(&[src(&c)], &[], NOW),
            vec![
                ("a.test.".into(), 0, Action::Add { id: b"1".to_vec() }),
                ("local.test.".into(), 0, Action::Local),
            ]
        );
    }

    #[test]
    fn a_changed_unique_id_resets_the_member() {
        // RFC 9432 §5.3; Knot tests-extra catalog/basic, BIND catz.
        let c = catalog(
            "cat.",
            2,
            &[("a.test.", "new", None), ("b.test.", "same", None)],
        );
        let got = run(
            &[src(&c)],
            &[
                ("a.test.", held(0, Some("old"))),
                ("b.test.", held(0, Some("same"))),
            ],
            NOW,
        );
        assert_eq!(
            got,
            vec![
                (
                    "a.test.".into(),
                    0,
                    Action::Reset {
                        id: b"new".to_vec(),
                        reason: ResetReason::NewId
                    }
                ),
                ("b.test.".into(), 0, keep("same")),
            ]
        );
    }

    #[test]
    fn a_record_without_id_learns_it_without_a_reset() {
        // Stores written before ids were kept.
        let c = catalog("cat.", 2, &[("a.test.", "x", None)]);
        assert_eq!(
            run(&[src(&c)], &[("a.test.", held(0, None))], NOW),
            vec![(
                "a.test.".into(),
                0,
                Action::Keep {
                    id: Some(b"x".to_vec()),
                    update: true
                }
            )]
        );
    }

    #[test]
    fn delete_and_re_add_under_the_same_label_is_no_reset() {
        // Version 2 drops the member (removed), version 3 lists it again under the
        // same label: a new zone, as it was removed; had both changes arrived in one
        // step the zone would simply be kept.
        let v2 = catalog("cat.", 2, &[]);
        assert_eq!(
            run(&[src(&v2)], &[("a.test.", held(0, Some("x")))], NOW),
            vec![("a.test.".into(), 0, Action::Remove)]
        );
        let v3 = catalog("cat.", 3, &[("a.test.", "x", None)]);
        assert_eq!(
            run(&[src(&v3)], &[("a.test.", held(0, Some("x")))], NOW),
            vec![("a.test.".into(), 0, keep("x"))]
        );
    }

    #[test]
    fn two_catalogs_the_first_owner_keeps_the_zone_unless_coo() {
        let a = catalog(
            "a.cat.",
            1,
            &[("z.test.", "1", None), ("n.test.", "3", None)],
        );
        let b = catalog(
            "b.cat.",
            1,
            &[("z.test.", "2", None), ("n.test.", "4", None)],
        );
        // Held by the second: it stays there (§5.4); a new one goes to the first.
        assert_eq!(
            run(&[src(&a), src(&b)], &[("z.test.", held(1, Some("2")))], NOW),
            vec![
                ("n.test.".into(), 0, Action::Add { id: b"3".to_vec() }),
                ("z.test.".into(), 1, keep("2")),
            ]
        );
        // coo in the owner naming the other catalog: the zone moves (§5.6).
        let b_coo = catalog("b.cat.", 2, &[("z.test.", "2", Some("a.cat."))]);
        assert_eq!(
            run(
                &[src(&a), src(&b_coo)],
                &[("z.test.", held(1, Some("2")))],
                NOW
            )[1],
            (
                "z.test.".into(),
                0,
                Action::Reset {
                    id: b"1".to_vec(),
                    reason: ResetReason::Migrated { from: 1 }
                }
            )
        );
        // coo naming a catalog that does not list the zone: no move.
        let b_coo_x = catalog("b.cat.", 2, &[("z.test.", "2", Some("x.cat."))]);
        assert_eq!(
            run(
                &[src(&a), src(&b_coo_x)],
                &[("z.test.", held(1, Some("2")))],
                NOW
            )[1],
            ("z.test.".into(), 1, keep("2"))
        );
        // The owner drops it while the other lists it: it moves.
        let b_without = catalog("b.cat.", 3, &[]);
        assert_eq!(
            run(
                &[src(&a), src(&b_without)],
                &[("z.test.", held(1, Some("2")))],
                NOW
            )[1],
            (
                "z.test.".into(),
                0,
                Action::Reset {
                    id: b"1".to_vec(),
                    reason: ResetReason::Migrated { from: 1 }
                }
            )
        );
    }

    #[test]
    fn only_the_owner_removes_and_the_guard_refuses_mass_removal() {
        let a = catalog("a.cat.", 2, &[]);
        let b = catalog("b.cat.", 2, &[]);
        let zones = [
            ("1.test.", held(0, Some("1"))),
            ("2.test.", held(0, Some("2"))),
            ("3.test.", held(1, Some("3"))),
        ];
        let mut guarded = src(&a);
        guarded.max_deletions = 1;
        assert_eq!(
            run(&[guarded, src(&b)], &zones, NOW),
            vec![
                (
                    "1.test.".into(),
                    0,
                    Action::RemoveRefused { count: 2, max: 1 }
                ),
                (
                    "2.test.".into(),
                    0,
                    Action::RemoveRefused { count: 2, max: 1 }
                ),
                ("3.test.".into(), 1, Action::Remove),
            ]
        );
    }

    #[test]
    fn unknown_sources_leave_their_zones_alone() {
        let a = catalog("a.cat.", 2, &[("z.test.", "9", None)]);
        let unknown = Source {
            catalog: None,
            max_deletions: 0,
            unlisted_grace: 0,
        };
        // Held by a source that is not known now, or by none: no decision, even
        // when another catalog lists the zone.
        let mut orphan = held(0, None);
        orphan.source = None;
        assert_eq!(
            run(
                &[src(&a), unknown],
                &[("z.test.", held(1, Some("1"))), ("o.test.", orphan)],
                NOW
            ),
            vec![]
        );
    }

    #[test]
    fn notify_created_zones_wait_for_a_newer_catalog_and_the_grace() {
        let cases = [
            // (catalog serial, created under serial, created at, leaves)
            (5, 5, NOW - 1000, false), // the catalog current at its creation
            (6, 5, NOW - 1, false),    // newer, but within the grace
            (6, 5, NOW - 60, true),    // newer and past the grace
            (6, 5, 0, true),           // records without a creation time
            (4, 5, 0, false),          // older (RFC 1982)
        ];
        for (serial, under, at, gone) in cases {
            let c = catalog("cat.", serial, &[]);
            let got = run(&[src(&c)], &[("n.test.", notified(0, under, at))], NOW);
            let want = if gone {
                Action::Remove
            } else {
                Action::Keep {
                    id: None,
                    update: false,
                }
            };
            assert_eq!(
                got,
                vec![("n.test.".into(), 0, want)],
                "{serial} {under} {at}"
            );
        }
        // Listed at last: confirmed (the record is rewritten).
        let c = catalog("cat.", 6, &[("n.test.", "7", None)]);
        assert_eq!(
            run(&[src(&c)], &[("n.test.", notified(0, 5, NOW))], NOW),
            vec![(
                "n.test.".into(),
                0,
                Action::Keep {
                    id: Some(b"7".to_vec()),
                    update: true
                }
            )]
        );
    }
}
