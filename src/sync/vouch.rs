//! What a super master's catalog vouches for: the serial of each of its members at a
//! moment the catalog was known to be current at the master. A bulk refresh that
//! finds the catalog current writes it here once ([`CatalogWord::set`], by the
//! zone-set manager, the only writer); each member zone's task reads it only when one
//! of its own deadlines (refresh or expire) comes, and counts the catalog's word as a
//! successful refresh at the word's time ([`confirmed_at`]).
//!
//! So a bulk refresh of 100,000 members, of which 100 changed, costs one write here
//! and the 100 transfers: no event, wake-up or store write per unchanged member. Each
//! member takes the word up lazily, at its own refresh (or expire) time, where a
//! member without a catalog would send its SOA query; its timers and status catch up
//! then, and are persisted then.
//!
//! # Standards
//! - RFC 1034 §4.3.5 and RFC 1996 §3.11: a secondary refreshes after REFRESH by
//!   comparing its serial with the primary's, and stops answering after EXPIRE without
//!   a successful refresh. The catalog's SOA, answered at the word's time, shows the
//!   master's catalog at a version that lists the member at serial S; a member at S
//!   was then current, as if its own SOA query had returned S. Its refresh and expire
//!   clocks restart from the word's time, not from when the member takes the word up,
//!   so taking it up late never stretches EXPIRE.
//!
//! # Limitations
//! - The word lives in memory only: after a restart, a member whose refresh came due
//!   before it took the word up checks its own SOA (one query, as without a catalog);
//!   the next bulk refresh writes the word again.

use std::sync::{Arc, RwLock};

use crate::zone::Name;

use super::catalog::Catalog;

//----------- Word -------------------------------------------------------------------

/// The catalog's word: at `at`, the master's catalog was `catalog` (or one that lists
/// every member at the same serial).
#[derive(Debug)]
pub struct Word {
    /// When the catalog was known current at the master (Unix seconds).
    pub at: u64,
    /// That catalog version (shared with the manager's last parsed version).
    pub catalog: Arc<Catalog>,
}

/// The time at which `word` confirms that `zone`, at `serial`, was current, when that
/// is later than the zone's last successful refresh (`last_ok`); `None` when the
/// word says nothing new about it (not listed, listed at another serial, or no
/// serials in the catalog).
pub fn confirmed_at(word: &Word, zone: &Name, serial: u32, last_ok: u64) -> Option<u64> {
    let member = word.catalog.members.get(zone)?;
    (member.serial == Some(serial) && word.at > last_ok).then_some(word.at)
}

//----------- CatalogWord ------------------------------------------------------------

/// One consumed catalog's word, shared by the zone-set manager (the only writer) and
/// the member zones' tasks (readers, at their deadlines). A short `std` lock, never
/// held across an await.
#[derive(Debug, Clone, Default)]
pub struct CatalogWord(Arc<RwLock<Option<Arc<Word>>>>);

impl CatalogWord {
    /// The catalog `catalog` was current at the master at `at`.
    pub fn set(&self, at: u64, catalog: Arc<Catalog>) {
        *self.0.write().expect("catalog word lock poisoned") = Some(Arc::new(Word { at, catalog }));
    }

    /// A newer version of the catalog replaced the one the word holds: the word keeps
    /// its time and points at the new version, so that only one version stays in
    /// memory. Members whose serial changed between the versions are transferred
    /// (their serial is then newer than the word's time); the others' serials are the
    /// same in both, so what the word says of them holds.
    pub fn repoint(&self, catalog: Arc<Catalog>) {
        let mut w = self.0.write().expect("catalog word lock poisoned");
        if let Some(at) = w.as_ref().map(|w| w.at) {
            *w = Some(Arc::new(Word { at, catalog }));
        }
    }

    /// The word, if any (an `Arc` bump under the lock).
    pub fn get(&self) -> Option<Arc<Word>> {
        self.0.read().expect("catalog word lock poisoned").clone()
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sync::catalog::Member;

    fn n(s: &str) -> Name {
        s.parse().expect("name")
    }

    fn word(at: u64, members: &[(&str, Option<u32>)]) -> Word {
        let members: BTreeMap<Name, Member> = members
            .iter()
            .map(|(z, serial)| {
                (
                    n(z),
                    Member {
                        id: z.as_bytes().to_vec(),
                        zone: n(z),
                        serial: *serial,
                        coo: None,
                        groups: Vec::new(),
                    },
                )
            })
            .collect();
        Word {
            at,
            catalog: Arc::new(Catalog {
                name: n("cat."),
                serial: 9,
                has_serials: members.values().all(|m| m.serial.is_some()),
                members,
            }),
        }
    }

    #[test]
    fn the_word_confirms_a_member_at_its_serial_after_its_last_success() {
        let w = word(1000, &[("a.test.", Some(5)), ("b.test.", None)]);
        let cases = [
            // (zone, our serial, last_ok, confirmed at)
            ("a.test.", 5, 900, Some(1000)),
            ("a.test.", 5, 1000, None), // nothing newer than our own success
            ("a.test.", 5, 1100, None),
            ("a.test.", 4, 900, None), // the master serves another serial
            ("a.test.", 6, 900, None),
            ("b.test.", 5, 900, None), // no serial property: no word
            ("c.test.", 5, 900, None), // not listed
            ("A.TEST.", 5, 0, Some(1000)),
        ];
        for (zone, serial, last_ok, want) in cases {
            assert_eq!(
                confirmed_at(&w, &n(zone), serial, last_ok),
                want,
                "{zone} {serial} {last_ok}"
            );
        }
    }

    #[test]
    fn repointing_keeps_the_time_and_needs_a_word() {
        let cell = CatalogWord::default();
        cell.repoint(word(0, &[]).catalog);
        assert!(cell.get().is_none());
        cell.set(1000, word(0, &[("a.test.", Some(5))]).catalog);
        cell.repoint(word(0, &[("a.test.", Some(6))]).catalog);
        let w = cell.get().unwrap();
        assert_eq!(w.at, 1000);
        assert_eq!(confirmed_at(&w, &n("a.test."), 6, 0), Some(1000));
    }
}
