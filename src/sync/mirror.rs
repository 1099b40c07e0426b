//! The mirror behind `zonesync sync-zonelist`: a folder that holds one zone file per
//! member of one or more super masters' catalogs, and the manifest that says where
//! each file came from. This file is the pure part: the manifest, file names, and the
//! plan (which zones to add, update, check, keep or remove); [`fetch`] does the
//! transfers and the file writes.
//!
//! # Data flow
//! `cli/sync_zonelist.rs` loads the [`Manifest`] from the folder, fetches each
//! master's catalog ([`fetch::fetch_catalog`]), asks [`plan`] what to do, runs the
//! steps (SOA queries and transfers through [`fetch`], bounded), removes the files of
//! zones that left, and writes the manifest last. The manifest is only written after
//! the zone files it describes are on disk, so a crash at any point leaves a folder
//! that the next run repairs: a zone whose manifest serial lags its file is brought up
//! to date by an IXFR from the file's own serial.
//!
//! # Standards
//! - RFC 9432 §5.3: "a change of unique-id for the same member zone … the consumer
//!   MUST … reset" the member: here it is transferred in full again ([`Step::Reset`]).
//! - §5.4: "a consumer MUST NOT remove a member zone … provisioned by another
//!   catalog": only zones the manifest says came from a catalog are removed when they
//!   leave it, and a zone listed by two catalogs stays with the one that has it.
//! - §5.6: a `coo` property of the owning catalog that names the other catalog
//!   permits the move ([`ResetReason::Migrated`]).
//! - RFC 1982 for every serial comparison.
//!
//! # Limitations
//! - Members are not filtered (RFC 9432 §7 advises consumers to restrict them): the
//!   masters are trusted, through their address and the TSIG key.
//! - A zone name must make a plain file name (letters, digits, `-`, `_`, dots); other
//!   members (and the root zone) are reported, never written.

pub mod fetch;
pub mod zone_list;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::zone::serial::Serial;
use crate::zone::{Name, VersionError};

use super::catalog::{Catalog, CatalogError};
use super::consumer;

/// The manifest's file name in the mirror folder (hidden, so that `serve`'s
/// `zones-dir` and zone-file globs skip it).
pub const MANIFEST: &str = ".zonesync-manifest.json";

/// The manifest format this code reads and writes.
pub const MANIFEST_VERSION: u32 = 1;

//----------- Manifest ---------------------------------------------------------------

/// What the mirror folder holds and where each file came from.
///
/// Written only by `sync-zonelist`, after the files it describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The format version ([`MANIFEST_VERSION`]).
    pub version: u32,
    /// Every mirrored zone, by lower-case absolute name (`example.com.`).
    pub zones: BTreeMap<String, ZoneEntry>,
    /// The catalogs whose copies the folder holds.
    #[serde(default)]
    pub catalogs: Vec<CatalogEntry>,
}

/// One mirrored zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneEntry {
    /// The master it came from, as `HOST:PORT`.
    pub master: String,
    /// The catalog that lists it (absolute name, lower case).
    pub catalog: String,
    /// The serial of the file.
    pub serial: u32,
    /// The file, relative to the folder.
    pub file: String,
    /// The member's unique-id in the catalog (a change is a reset, RFC 9432 §5.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// One catalog copy kept in the folder (the base for the next run's IXFR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// The master, as `HOST:PORT`.
    pub master: String,
    /// The catalog (absolute name, lower case).
    pub catalog: String,
    /// The serial of the copy.
    pub serial: u32,
    /// The copy's file, relative to the folder.
    pub file: String,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            version: MANIFEST_VERSION,
            zones: BTreeMap::new(),
            catalogs: Vec::new(),
        }
    }
}

impl Manifest {
    /// Reads the manifest of `dir`; an empty one when there is none yet.
    ///
    /// A manifest that is there but unreadable is an error, never an empty manifest:
    /// forgetting what the folder holds would orphan its files.
    ///
    /// Blocks on file I/O.
    pub fn load(dir: &Path) -> Result<Manifest, MirrorError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(source) => return Err(MirrorError::Io { path, source }),
        };
        let manifest: Manifest =
            serde_json::from_slice(&text).map_err(|e| MirrorError::Manifest {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if manifest.version != MANIFEST_VERSION {
            return Err(MirrorError::Manifest {
                path,
                reason: format!(
                    "format version {} is not understood (expected {MANIFEST_VERSION})",
                    manifest.version
                ),
            });
        }
        Ok(manifest)
    }

    /// Writes the manifest into `dir` atomically (temporary file, fsync, rename, fsync
    /// of the folder).
    ///
    /// Blocks on file I/O.
    pub fn save(&self, dir: &Path) -> Result<(), MirrorError> {
        let path = dir.join(MANIFEST);
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| MirrorError::Manifest {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        text.push(b'\n');
        fetch::write_atomically(&path, &text).map_err(|source| MirrorError::Io { path, source })
    }

    /// The catalog copy entry of `master`'s `catalog`, if any.
    pub fn catalog(&self, master: &str, catalog: &Name) -> Option<&CatalogEntry> {
        let catalog = zone_key(catalog);
        self.catalogs
            .iter()
            .find(|c| c.master == master && c.catalog == catalog)
    }

    /// Records the copy of `master`'s `catalog` at `serial`.
    pub fn set_catalog(&mut self, master: &str, catalog: &Name, serial: u32) {
        let entry = CatalogEntry {
            master: master.to_string(),
            catalog: zone_key(catalog),
            serial,
            file: catalog_file_name(master, catalog),
        };
        match self
            .catalogs
            .iter_mut()
            .find(|c| c.master == entry.master && c.catalog == entry.catalog)
        {
            Some(c) => *c = entry,
            None => self.catalogs.push(entry),
        }
    }
}

//----------- File names -------------------------------------------------------------

/// The manifest key of a zone: its lower-case absolute name.
pub fn zone_key(zone: &Name) -> String {
    zone.to_lowercase().to_string()
}

/// The file of a member zone: `<zone>.zone`, the lower-case name without its final
/// dot, as Knot's default `%s.zone` and the usual NSD layouts name them.
///
/// Member names come off the network, so only names made of letters, digits, `-`
/// and `_` labels are accepted: nothing else can reach outside the folder, hide a
/// file, or need escaping in a server's config.
pub fn zone_file_name(zone: &Name) -> Result<String, String> {
    if zone.is_root() {
        return Err("the root zone has no file name here".into());
    }
    let text = zone_key(zone);
    let stem = text.strip_suffix('.').unwrap_or(&text);
    let safe = stem.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !safe {
        return Err(format!(
            "the zone name {zone} cannot be a file name (only letters, digits, '-' and '_' are accepted)"
        ));
    }
    Ok(format!("{stem}.zone"))
}

/// The hidden file that holds `master`'s copy of `catalog`: one per master, since
/// masters usually all call their catalog `catalog.invalid.`.
pub fn catalog_file_name(master: &str, catalog: &Name) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        ".zonesync-catalog_{}_{}zone",
        clean(master),
        clean(&zone_key(catalog))
    )
}

//----------- Plan -------------------------------------------------------------------

/// A catalog fetched in this run, and the master it came from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The master, as `HOST:PORT` (the manifest's spelling).
    pub master: &'a str,
    /// Its catalog.
    pub catalog: &'a Catalog,
}

impl Source<'_> {
    fn owns(&self, entry: &ZoneEntry) -> bool {
        entry.master == self.master && entry.catalog == zone_key(&self.catalog.name)
    }
}

/// What to do with one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The zone.
    pub zone: Name,
    /// Index of the [`Source`] the zone is (or was) mirrored from.
    pub source: usize,
    /// Its file in the folder (empty for [`Step::Unusable`]).
    pub file: String,
    /// The serial the manifest has, if the zone is mirrored already.
    pub old: Option<u32>,
    /// The member's unique-id in the source's catalog (`None` for removals).
    pub id: Option<String>,
    /// The step.
    pub step: Step,
}

/// The step for one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// New here (or its file is gone): AXFR. `serial` is the catalog's word, if any.
    Add {
        /// The serial the catalog lists.
        serial: Option<u32>,
    },
    /// Mirrored already, but its history no longer applies: AXFR over the file.
    Reset {
        /// The serial the catalog lists.
        serial: Option<u32>,
        /// Why.
        reason: ResetReason,
    },
    /// The catalog lists a newer serial: IXFR from the file, AXFR when that fails.
    Update {
        /// The serial the catalog lists.
        serial: u32,
    },
    /// The catalog lists no serial (a foreign producer): ask the master for the SOA,
    /// then [`decide`].
    Check,
    /// The catalog lists our serial (or an older one, which `note` says): nothing to do,
    /// and nothing is asked.
    Keep {
        /// Why an older serial was not taken.
        note: Option<String>,
    },
    /// The zone left its catalog: delete the file and the manifest entry.
    Remove,
    /// The zone left its catalog, but the catalog lost more zones at once than
    /// `--max-deletions` allows: the file stays, the run fails.
    RemoveRefused {
        /// How many zones the catalog lost.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The member cannot be mirrored (its name is no file name).
    Unusable {
        /// Why.
        reason: String,
    },
}

/// Why a mirrored zone is transferred in full again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetReason {
    /// The member's unique-id changed (RFC 9432 §5.3).
    NewId,
    /// The zone moved to this catalog from the one that had it (a `coo` property, or
    /// the old catalog dropped it as this one listed it).
    Migrated {
        /// The master it came from.
        master: String,
        /// The catalog it came from.
        catalog: String,
    },
}

impl std::fmt::Display for ResetReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResetReason::NewId => f.write_str("member unique-id changed (RFC 9432 reset)"),
            ResetReason::Migrated { master, catalog } => {
                write!(f, "moved from catalog {catalog} of {master}")
            }
        }
    }
}

/// How a serial the master has compares with ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Theirs is newer: transfer.
    Newer,
    /// The same: nothing to do.
    Same,
    /// Theirs is older, or 2^31 away (RFC 1982 leaves the order undefined): keep ours,
    /// as a secondary would.
    Older,
}

/// Compares the master's serial with ours (RFC 1982).
pub fn decide(ours: u32, theirs: u32) -> Freshness {
    if ours == theirs {
        Freshness::Same
    } else if Serial(theirs).is_newer_than(Serial(ours)) {
        Freshness::Newer
    } else {
        Freshness::Older
    }
}

/// The note for a master serial that is not newer than ours.
pub fn older_note(ours: u32, theirs: u32) -> String {
    format!("master has serial {theirs}, not newer than ours ({ours}); kept ours")
}

/// Decides what to do with every zone of the fetched `sources` (in command-line
/// order; earlier ones win a zone that two list) given the `manifest`.
///
/// Zones whose owner (per the manifest) is not among `sources` (its master was not
/// asked this time, or its catalog could not be fetched) are left alone. `exists`
/// says whether a file is in the folder. More than `max_deletions` removals from one
/// catalog are all refused.
pub fn plan(
    manifest: &Manifest,
    sources: &[Source<'_>],
    exists: &dyn Fn(&str) -> bool,
    max_deletions: usize,
) -> Vec<Item> {
    // The membership decisions are the consumer's (one rule set for `serve` and this
    // mirror); what is added here is the mirror's own: files and serials.
    let consumed: Vec<consumer::Source<'_>> = sources
        .iter()
        .map(|s| consumer::Source {
            catalog: Some(s.catalog),
            max_deletions,
            unlisted_grace: 0,
        })
        .collect();
    let held: BTreeMap<Name, consumer::Held> = manifest
        .zones
        .iter()
        .filter_map(|(key, e)| {
            let zone = Name::parse(key, Some(&Name::root())).ok()?;
            let held = consumer::Held {
                source: sources.iter().position(|s| s.owns(e)),
                id: e.id.as_ref().map(|id| id.as_bytes().to_vec()),
                unconfirmed: None,
            };
            Some((zone, held))
        })
        .collect();
    let decisions = consumer::plan(&consumed, &held, &|_| false, 0);

    let mut items = Vec::with_capacity(decisions.len());
    for d in decisions {
        let entry = manifest.zones.get(&zone_key(&d.zone));
        let member = sources[d.source].catalog.members.get(&d.zone);
        let id = member.map(|m| String::from_utf8_lossy(&m.id).into_owned());
        let old = entry.map(|e| e.serial);
        let file = zone_file_name(&d.zone);
        let step = match (&d.action, &file) {
            (consumer::Action::Remove, Ok(_)) => Step::Remove,
            (consumer::Action::RemoveRefused { count, max }, Ok(_)) => Step::RemoveRefused {
                count: *count,
                max: *max,
            },
            // A name that makes no file was never written: nothing to remove.
            (consumer::Action::Remove | consumer::Action::RemoveRefused { .. }, Err(_)) => {
                continue;
            }
            (consumer::Action::Local, _) => continue,
            (_, Err(reason)) => Step::Unusable {
                reason: reason.clone(),
            },
            (_, Ok(f)) if entry.is_none() || !exists(f) => Step::Add {
                serial: member.and_then(|m| m.serial),
            },
            (consumer::Action::Add { .. }, Ok(_)) => Step::Add {
                serial: member.and_then(|m| m.serial),
            },
            (consumer::Action::Reset { reason, .. }, Ok(_)) => Step::Reset {
                serial: member.and_then(|m| m.serial),
                reason: match *reason {
                    consumer::ResetReason::NewId => ResetReason::NewId,
                    consumer::ResetReason::Migrated { from } => ResetReason::Migrated {
                        master: sources[from].master.to_string(),
                        catalog: zone_key(&sources[from].catalog.name),
                    },
                },
            },
            (consumer::Action::Keep { .. }, Ok(_)) => {
                let ours = old.unwrap_or_default();
                match member.and_then(|m| m.serial) {
                    None => Step::Check,
                    Some(theirs) => match decide(ours, theirs) {
                        Freshness::Newer => Step::Update { serial: theirs },
                        Freshness::Same => Step::Keep { note: None },
                        Freshness::Older => Step::Keep {
                            note: Some(older_note(ours, theirs)),
                        },
                    },
                }
            }
        };
        let removal = matches!(step, Step::Remove | Step::RemoveRefused { .. });
        items.push(Item {
            zone: d.zone,
            source: d.source,
            file: file.unwrap_or_default(),
            old,
            id: if removal { None } else { id },
            step,
        });
    }
    items
}

//============ Errors ================================================================

/// Why a catalog or a zone could not be mirrored.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The transfer or SOA query failed.
    #[error(transparent)]
    Xfr(#[from] crate::xfr::XfrError),
    /// A file in the folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The manifest is not one this code can read.
    #[error("{}: {reason}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// What the master sent is no valid zone.
    #[error("{zone}: {source}")]
    Version {
        /// The zone.
        zone: Name,
        /// What is wrong.
        source: VersionError,
    },
    /// The catalog is no catalog zonesync understands.
    #[error("{catalog}: {source}")]
    Catalog {
        /// The catalog zone.
        catalog: Name,
        /// What is wrong.
        source: CatalogError,
    },
    /// A blocking task died.
    #[error("internal error: {0}")]
    Task(String),
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::catalog::Member;

    fn n(s: &str) -> Name {
        s.parse().expect("name")
    }

    fn catalog(name: &str, members: &[(&str, &str, Option<u32>)]) -> Catalog {
        Catalog {
            name: n(name),
            serial: 1,
            members: members
                .iter()
                .map(|(zone, id, serial)| {
                    (
                        n(zone),
                        Member {
                            id: id.as_bytes().to_vec(),
                            zone: n(zone),
                            serial: *serial,
                            coo: None,
                            groups: Vec::new(),
                        },
                    )
                })
                .collect(),
            has_serials: members.iter().all(|m| m.2.is_some()),
        }
    }

    fn entry(master: &str, catalog: &str, serial: u32, id: &str) -> ZoneEntry {
        ZoneEntry {
            master: master.into(),
            catalog: catalog.into(),
            serial,
            file: String::new(),
            id: Some(id.into()),
        }
    }

    fn manifest(entries: &[(&str, ZoneEntry)]) -> Manifest {
        Manifest {
            zones: entries
                .iter()
                .map(|(k, e)| (k.to_string(), e.clone()))
                .collect(),
            ..Manifest::default()
        }
    }

    const M1: &str = "127.0.0.1:5300";
    const M2: &str = "127.0.0.2:5300";
    const CAT: &str = "catalog.invalid.";

    fn steps(items: &[Item]) -> Vec<(String, usize, Step)> {
        items
            .iter()
            .map(|i| (i.zone.to_string(), i.source, i.step.clone()))
            .collect()
    }

    fn all_exist(_: &str) -> bool {
        true
    }

    #[test]
    fn serial_property_decides_without_queries() {
        let cat = catalog(
            CAT,
            &[
                ("new.test.", "a", Some(1)),
                ("same.test.", "b", Some(5)),
                ("newer.test.", "c", Some(7)),
                ("older.test.", "d", Some(3)),
                ("wrapped.test.", "e", Some(1)),
            ],
        );
        let m = manifest(&[
            ("same.test.", entry(M1, CAT, 5, "b")),
            ("newer.test.", entry(M1, CAT, 6, "c")),
            ("older.test.", entry(M1, CAT, 4, "d")),
            ("wrapped.test.", entry(M1, CAT, u32::MAX, "e")),
        ]);
        let items = plan(
            &m,
            &[Source {
                master: M1,
                catalog: &cat,
            }],
            &all_exist,
            100,
        );
        let got = steps(&items);
        assert_eq!(
            got,
            vec![
                ("new.test.".into(), 0, Step::Add { serial: Some(1) }),
                ("newer.test.".into(), 0, Step::Update { serial: 7 }),
                (
                    "older.test.".into(),
                    0,
                    Step::Keep {
                        note: Some(older_note(4, 3))
                    }
                ),
                ("same.test.".into(), 0, Step::Keep { note: None }),
                // RFC 1982: 1 is newer than 2^32 - 1.
                ("wrapped.test.".into(), 0, Step::Update { serial: 1 }),
            ]
        );
        assert_eq!(items[0].file, "new.test.zone");
        assert_eq!(items[0].id.as_deref(), Some("a"));
        assert_eq!(items[1].old, Some(6));
    }

    #[test]
    fn foreign_catalogs_need_soa_checks_and_lost_files_are_added() {
        let cat = catalog(CAT, &[("a.test.", "x", None), ("b.test.", "y", None)]);
        let m = manifest(&[
            ("a.test.", entry(M1, CAT, 1, "x")),
            ("b.test.", entry(M1, CAT, 1, "y")),
        ]);
        let exists = |f: &str| f != "b.test.zone";
        let items = plan(
            &m,
            &[Source {
                master: M1,
                catalog: &cat,
            }],
            &exists,
            100,
        );
        assert_eq!(
            steps(&items),
            vec![
                ("a.test.".into(), 0, Step::Check),
                ("b.test.".into(), 0, Step::Add { serial: None }),
            ]
        );
    }

    #[test]
    fn removals_only_of_owned_zones_and_guarded() {
        let cat = catalog(CAT, &[("stay.test.", "s", Some(1))]);
        let m = manifest(&[
            ("stay.test.", entry(M1, CAT, 1, "s")),
            ("gone.test.", entry(M1, CAT, 1, "g")),
            // Another master's zone, and another catalog of this master: not ours.
            ("other.test.", entry(M2, CAT, 1, "o")),
            ("elsewhere.test.", entry(M1, "other.invalid.", 1, "e")),
        ]);
        let src = [Source {
            master: M1,
            catalog: &cat,
        }];
        let items = plan(&m, &src, &all_exist, 100);
        assert_eq!(
            steps(&items),
            vec![
                ("gone.test.".into(), 0, Step::Remove),
                ("stay.test.".into(), 0, Step::Keep { note: None }),
            ]
        );
        assert_eq!(items[0].file, "gone.test.zone");
        assert_eq!(items[0].old, Some(1));

        // An empty catalog (a master that lost its list) with a low guard.
        let empty = catalog(CAT, &[]);
        let items = plan(
            &m,
            &[Source {
                master: M1,
                catalog: &empty,
            }],
            &all_exist,
            1,
        );
        assert_eq!(
            steps(&items),
            vec![
                (
                    "gone.test.".into(),
                    0,
                    Step::RemoveRefused { count: 2, max: 1 }
                ),
                (
                    "stay.test.".into(),
                    0,
                    Step::RemoveRefused { count: 2, max: 1 }
                ),
            ]
        );
    }

    #[test]
    fn unfetched_owner_keeps_its_zones() {
        // M1's catalog failed this run: its zones are neither removed nor taken by M2.
        let cat2 = catalog(CAT, &[("shared.test.", "z", Some(9))]);
        let m = manifest(&[
            ("shared.test.", entry(M1, CAT, 1, "z")),
            ("only1.test.", entry(M1, CAT, 1, "q")),
        ]);
        let items = plan(
            &m,
            &[Source {
                master: M2,
                catalog: &cat2,
            }],
            &all_exist,
            100,
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn duplicates_coo_and_resets() {
        let mut cat1 = catalog(
            CAT,
            &[
                ("both.test.", "1", Some(1)),
                ("moving.test.", "2", Some(1)),
                ("renumbered.test.", "new", Some(1)),
            ],
        );
        let cat2 = catalog(
            "other.invalid.",
            &[
                ("both.test.", "1", Some(1)),
                ("moving.test.", "2", Some(1)),
                ("fresh.test.", "3", Some(1)),
                ("dropped.test.", "4", Some(2)),
            ],
        );
        cat1.members
            .get_mut(&n("moving.test."))
            .expect("member")
            .coo = Some(n("other.invalid."));
        let m = manifest(&[
            ("both.test.", entry(M1, CAT, 1, "1")),
            ("moving.test.", entry(M1, CAT, 1, "2")),
            ("renumbered.test.", entry(M1, CAT, 1, "old")),
            ("dropped.test.", entry(M1, CAT, 1, "4")),
        ]);
        let items = plan(
            &m,
            &[
                Source {
                    master: M1,
                    catalog: &cat1,
                },
                Source {
                    master: M2,
                    catalog: &cat2,
                },
            ],
            &all_exist,
            100,
        );
        let from_m1 = ResetReason::Migrated {
            master: M1.into(),
            catalog: CAT.into(),
        };
        assert_eq!(
            steps(&items),
            vec![
                // Listed by both: the owner keeps it.
                ("both.test.".into(), 0, Step::Keep { note: None }),
                // M1 dropped it as M2 lists it: M2 takes it, in full.
                (
                    "dropped.test.".into(),
                    1,
                    Step::Reset {
                        serial: Some(2),
                        reason: from_m1.clone()
                    }
                ),
                // New in M2 only.
                ("fresh.test.".into(), 1, Step::Add { serial: Some(1) }),
                // M1's coo names M2's catalog: it moves.
                (
                    "moving.test.".into(),
                    1,
                    Step::Reset {
                        serial: Some(1),
                        reason: from_m1
                    }
                ),
                (
                    "renumbered.test.".into(),
                    0,
                    Step::Reset {
                        serial: Some(1),
                        reason: ResetReason::NewId
                    }
                ),
            ]
        );
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            zone_file_name(&n("Example.COM.")).as_deref(),
            Ok("example.com.zone")
        );
        assert_eq!(
            zone_file_name(&n("_tcp.my-zone.test.")).as_deref(),
            Ok("_tcp.my-zone.test.zone")
        );
        for bad in [".", "a/b.test.", "a\\.b.test.", "*.test.", "a b.test."] {
            let name = Name::parse(bad, Some(&Name::root())).expect("name");
            assert!(zone_file_name(&name).is_err(), "{bad}");
        }
        let unusable = catalog(CAT, &[("a/b.test.", "x", Some(1))]);
        let items = plan(
            &Manifest::default(),
            &[Source {
                master: M1,
                catalog: &unusable,
            }],
            &all_exist,
            100,
        );
        assert!(matches!(items[0].step, Step::Unusable { .. }), "{items:?}");
        assert_eq!(
            catalog_file_name("[::1]:5300", &n("Catalog.Invalid.")),
            ".zonesync-catalog____1__5300_catalog.invalid.zone"
        );
        assert!(catalog_file_name(M1, &n(CAT)).starts_with('.'));
    }

    #[test]
    fn manifest_round_trips_and_rejects_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            Manifest::load(dir.path()).expect("empty"),
            Manifest::default()
        );
        let mut m = manifest(&[("a.test.", entry(M1, CAT, 3, "x"))]);
        m.set_catalog(M1, &n(CAT), 7);
        m.set_catalog(M1, &n(CAT), 8);
        assert_eq!(m.catalogs.len(), 1);
        assert_eq!(
            m.catalog(M1, &n("CATALOG.invalid.")).map(|c| c.serial),
            Some(8)
        );
        m.save(dir.path()).expect("save");
        assert_eq!(Manifest::load(dir.path()).expect("load"), m);

        std::fs::write(dir.path().join(MANIFEST), "{not json").expect("write");
        assert!(matches!(
            Manifest::load(dir.path()),
            Err(MirrorError::Manifest { .. })
        ));
        std::fs::write(dir.path().join(MANIFEST), r#"{"version": 99, "zones": {}}"#)
            .expect("write");
        let err = Manifest::load(dir.path()).expect_err("version");
        assert!(err.to_string().contains("version 99"), "{err}");
    }
}
