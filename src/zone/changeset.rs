//! [`Changeset`]: the difference between two versions of a zone — what IXFR carries,
//! what the journal stores, what [`ZoneVersion::apply`] consumes.
//!
//! A primary that reloads its zone file computes [`diff`] against the version it
//! serves and journals the result; a secondary receives changesets by IXFR and
//! applies them; IXFR-out serves them from the journal. `diff` and `apply` are inverse
//! (`old.apply(&diff(&old, &new)) == new`), which the tests check on random zones.
//!
//! # Standards
//! - RFC 1995 §4: each difference sequence of an IXFR response is the old SOA, the
//!   deleted RRs, the new SOA and the added RRs — [`Changeset::from_soa`],
//!   [`Changeset::removed`], [`Changeset::to_soa`], [`Changeset::added`]; the SOAs
//!   frame the changes and are not among them.
//! - RFC 1995 §4: within one difference sequence the deletions come before the
//!   additions, so a changeset may delete and re-add a record (a TTL change).
//! - RFC 1995 and RFC 1982: a difference sequence applies only to the version whose
//!   serial is its old SOA's serial.
//! - RFC 2181 §5.2: an RRset has one TTL, so [`diff`] expresses a TTL change as
//!   removing every old record of the RRset and adding every new one.
//!
//! # Limitations
//! - `apply` is strict (RFC 1995 semantics as BIND and Knot apply them to journals):
//!   deleting a record that is not there, or adding one that is, fails the whole
//!   changeset. A removal matches owner, class, type and RDATA (canonical form); its
//!   TTL is ignored.
//! - An addition to a non-empty RRset with a different TTL gives the RRset the lower
//!   of the two TTLs (RFC 2181 §5.2), as loading the same records would.

use std::cmp::Ordering;
use std::sync::Arc;

use super::dnssec::DenialIndex;
use super::name::Name;
use super::nodes::{CHUNK, Nodes};
use super::record::{Class, Rdata, Record, Rtype};
use super::rrset::{RRset, RRsetRef, canonical_rdata_cmp, set_key};
use super::soa::serial_of;
use super::version::{Node, Reshape, VersionError, ZoneVersion, cmp_records, validate};

//----------- Changeset --------------------------------------------------------------

/// The changes from one version of a zone to the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changeset {
    /// The SOA of the version the changes apply to.
    pub from_soa: Record,
    /// The SOA of the version they produce.
    pub to_soa: Record,
    /// Records removed (never the SOA), in canonical order when made by [`diff`].
    pub removed: Vec<Record>,
    /// Records added (never the SOA), in canonical order when made by [`diff`].
    pub added: Vec<Record>,
}

impl Changeset {
    /// True when no record other than the SOA changes (the SOA itself may: compare
    /// [`Changeset::from_soa`] and [`Changeset::to_soa`]).
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }

    /// The serial the changeset applies to, when `from_soa` is a valid SOA.
    pub fn from_serial(&self) -> Option<u32> {
        serial_of(&self.from_soa.rdata).ok()
    }

    /// The serial the changeset produces, when `to_soa` is a valid SOA.
    pub fn to_serial(&self) -> Option<u32> {
        serial_of(&self.to_soa.rdata).ok()
    }
}

//----------- diff -------------------------------------------------------------------

/// The changeset that turns `old` into `new`: a merge of the two canonical orders,
/// linear in the size of the zones, skipping the node chunks and the nodes the
/// versions share (so O(change) between a version and one `apply` made of it).
///
/// Both versions must be of the same zone (origin and class); the records are taken
/// with `new`'s class.
pub fn diff(old: &ZoneVersion, new: &ZoneVersion) -> Changeset {
    debug_assert_eq!(old.origin(), new.origin());
    let class = new.class();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let (a, b) = (old.nodes(), new.nodes());
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        // A chunk shared by `apply` (always at the same position in both): skipped whole.
        if i == j && i % CHUNK == 0 {
            let c = i / CHUNK;
            if let (Some(x), Some(y)) = (a.chunks().get(c), b.chunks().get(c))
                && Arc::ptr_eq(x, y)
            {
                i += x.len();
                j += y.len();
                continue;
            }
        }
        let ord = match (a.get(i), b.get(j)) {
            // Shared by `apply`: same name, same content; no name comparison needed.
            (Some(x), Some(y)) if x.same(y) => {
                i += 1;
                j += 1;
                continue;
            }
            (Some(x), Some(y)) => x.name().cmp(y.name()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match ord {
            // Names are detached: a changeset may be kept (the journal), and a node's
            // name holds its records.
            Ordering::Less => {
                push_sets(&mut removed, &a[i].name().detached(), class, a[i].rrsets());
                i += 1;
            }
            Ordering::Greater => {
                push_sets(&mut added, &b[j].name().detached(), class, b[j].rrsets());
                j += 1;
            }
            Ordering::Equal => {
                diff_node(&a[i], &b[j], class, &mut removed, &mut added);
                i += 1;
                j += 1;
            }
        }
    }
    Changeset {
        from_soa: old.soa_record(),
        to_soa: new.soa_record(),
        removed,
        added,
    }
}

/// Appends the records of `sets` (except the SOA) at `owner`.
fn push_sets<'a>(
    out: &mut Vec<Record>,
    owner: &Name,
    class: Class,
    sets: impl IntoIterator<Item = RRsetRef<'a>>,
) {
    for set in sets.into_iter().filter(|s| s.rtype != Rtype::SOA) {
        out.extend(set.to_records(owner, class));
    }
}

/// The differences between two nodes of the same name.
fn diff_node(x: &Node, y: &Node, class: Class, removed: &mut Vec<Record>, added: &mut Vec<Record>) {
    let (old_owner, new_owner) = (x.name().detached(), y.name().detached());
    let (mut a, mut b) = (x.rrsets().peekable(), y.rrsets().peekable());
    loop {
        let ord = match (a.peek(), b.peek()) {
            (Some(s), Some(t)) => s.key().cmp(&t.key()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match ord {
            Ordering::Less => push_sets(removed, &old_owner, class, a.next()),
            Ordering::Greater => push_sets(added, &new_owner, class, b.next()),
            Ordering::Equal => {
                let (Some(s), Some(t)) = (a.next(), b.next()) else {
                    unreachable!("both peeked");
                };
                if s.rtype == Rtype::SOA {
                    // Framing, not content.
                } else if s.ttl != t.ttl {
                    push_sets(removed, &old_owner, class, [s]);
                    push_sets(added, &new_owner, class, [t]);
                } else {
                    diff_rdatas(&old_owner, &new_owner, class, s, t, removed, added);
                }
            }
        }
    }
}

/// The differences between two RRsets of the same key and TTL.
fn diff_rdatas(
    old_owner: &Name,
    new_owner: &Name,
    class: Class,
    s: RRsetRef<'_>,
    t: RRsetRef<'_>,
    removed: &mut Vec<Record>,
    added: &mut Vec<Record>,
) {
    let rtype = s.rtype;
    let (mut a, mut b) = (s.rdatas().peekable(), t.rdatas().peekable());
    loop {
        let ord = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => canonical_rdata_cmp(rtype, x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match ord {
            Ordering::Less => {
                let rdata = a.next().expect("peeked");
                removed.push(Record::new(
                    old_owner.clone(),
                    class,
                    rtype,
                    s.ttl,
                    Rdata::from_wire(rdata),
                ));
            }
            Ordering::Greater => {
                let rdata = b.next().expect("peeked");
                added.push(Record::new(
                    new_owner.clone(),
                    class,
                    rtype,
                    t.ttl,
                    Rdata::from_wire(rdata),
                ));
            }
            Ordering::Equal => {
                a.next();
                b.next();
            }
        }
    }
}

//----------- apply ------------------------------------------------------------------

impl ZoneVersion {
    /// The version that `changeset` makes of this one (RFC 1995 semantics: removals
    /// first, then additions, then the new SOA).
    ///
    /// Strict: fails when `from_soa`'s serial is not this version's, when a removed
    /// record is not there or an added one already is, when the SOAs are not SOAs at
    /// the apex, or when a record is out of the zone, of another class, a meta type or
    /// an SOA. Nodes the changeset does not touch are shared with this version (the
    /// new node vector holds the same `Arc`s); only touched nodes are rebuilt.
    pub fn apply(&self, changeset: &Changeset) -> Result<ZoneVersion, ApplyError> {
        let origin = self.origin();
        for soa in [&changeset.from_soa, &changeset.to_soa] {
            if soa.rtype != Rtype::SOA || soa.owner != *origin || soa.class != self.class() {
                return Err(ApplyError::BadSoa {
                    owner: soa.owner.clone(),
                    rtype: soa.rtype,
                });
            }
        }
        let from = serial_of(&changeset.from_soa.rdata).map_err(|_| ApplyError::BadSoa {
            owner: changeset.from_soa.owner.clone(),
            rtype: Rtype::SOA,
        })?;
        serial_of(&changeset.to_soa.rdata).map_err(|_| ApplyError::BadSoa {
            owner: changeset.to_soa.owner.clone(),
            rtype: Rtype::SOA,
        })?;
        if from != self.serial() {
            return Err(ApplyError::SerialMismatch {
                current: self.serial(),
                from,
            });
        }
        for r in changeset.removed.iter().chain(&changeset.added) {
            validate(origin, self.class(), r).map_err(ApplyError::Invalid)?;
            if r.rtype == Rtype::SOA {
                return Err(ApplyError::SoaInChanges {
                    owner: r.owner.clone(),
                });
            }
        }

        let mut removed: Vec<&Record> = changeset.removed.iter().collect();
        let mut added: Vec<&Record> = changeset.added.iter().collect();
        removed.sort_by(|a, b| cmp_records(a, b));
        added.sort_by(|a, b| cmp_records(a, b));
        // Every owner touched, in canonical order; the apex always (new SOA).
        let mut owners: Vec<&Name> = Vec::with_capacity(removed.len() + added.len() + 1);
        owners.push(origin);
        owners.extend(removed.iter().map(|r| &r.owner));
        owners.extend(added.iter().map(|r| &r.owner));
        owners.sort();
        owners.dedup();

        let old = self.nodes();
        // Each touched owner: its position in `old`, whether a node is there, and its
        // node in the new version (None when it loses its last record).
        let mut touched: Vec<(usize, bool, Option<Node>)> = Vec::with_capacity(owners.len());
        let mut count = self.record_count();
        let mut reshaped = false;
        let mut denial_same = true;
        let (mut ri, mut ai) = (0usize, 0usize);
        for owner in owners {
            let at = old.partition_point(|n| n.name() < owner);
            let existing = old.get(at).filter(|node| node.name() == owner);
            let mut sets: Vec<RRset> = existing
                .map(|n| n.rrsets().map(|s| s.to_owned()).collect())
                .unwrap_or_default();
            let before: usize = sets.iter().map(RRset::len).sum();
            while ri < removed.len() && removed[ri].owner == *owner {
                remove_record(&mut sets, removed[ri])?;
                ri += 1;
            }
            while ai < added.len() && added[ai].owner == *owner {
                add_record(&mut sets, added[ai])?;
                ai += 1;
            }
            if owner == origin {
                let to = &changeset.to_soa;
                let k = set_key(Rtype::SOA, &to.rdata);
                let soa = RRset {
                    rtype: Rtype::SOA,
                    ttl: to.ttl,
                    rdatas: vec![to.rdata.clone()],
                };
                match sets.binary_search_by(|s| s.key().cmp(&k)) {
                    Ok(at) => sets[at] = soa,
                    Err(at) => sets.insert(at, soa),
                }
            }
            let after: usize = sets.iter().map(RRset::len).sum();
            count = count - before + after;
            if sets.is_empty() {
                reshaped |= existing.is_some();
                touched.push((at, existing.is_some(), None));
                continue;
            }
            reshaped |= existing.is_none();
            let name = existing.map_or_else(|| owner.clone(), |n| n.name().clone());
            for set in &mut sets {
                set.rdatas.shrink_to_fit();
            }
            let node = self.make_node(name, &sets);
            denial_same &= existing.is_some_and(|old| DenialIndex::same_for(old, &node));
            touched.push((at, existing.is_some(), Some(node)));
        }
        let mut reshape = Reshape::default();
        let nodes = if reshaped {
            // Positions shift from the first name that came or went: the chunks
            // before it are shared (nodes changed in place there replaced), the rest
            // is merged into a flat list and chunked afresh, noting where names came
            // and went for the name index.
            let first = touched
                .iter()
                .find(|(_, existed, node)| *existed != node.is_some())
                .map_or(0, |(at, _, _)| *at);
            let keep = first / CHUNK * CHUNK;
            let mut early: Vec<(usize, Node)> = Vec::new();
            let mut flat: Vec<Node> = Vec::with_capacity(old.len() - keep + added.len());
            let mut next = keep;
            for (at, existed, node) in touched {
                if at < keep {
                    early.extend(node.map(|n| (at, n)));
                    continue;
                }
                flat.extend(old.iter_from(next).take(at - next).cloned());
                next = at + usize::from(existed);
                match (existed, node) {
                    (false, Some(node)) => {
                        reshape.inserted.push((at, keep + flat.len()));
                        flat.push(node);
                    }
                    (true, None) => reshape.removed.push((at, keep + flat.len())),
                    (_, node) => flat.extend(node),
                }
            }
            flat.extend(old.iter_from(next).cloned());
            Nodes::with_tail(&old.with_replaced(early), keep, flat)
        } else {
            // Same names at the same positions: share every untouched chunk.
            old.with_replaced(
                touched
                    .into_iter()
                    .filter_map(|(at, _, node)| Some((at, node?))),
            )
        };
        Ok(ZoneVersion::from_parts(
            self,
            nodes,
            reshaped.then_some(&reshape),
            denial_same,
            count,
        ))
    }
}

/// Removes `r` from the sets of its node, or fails when it is not there. A set left
/// empty is dropped, so that a later addition starts it afresh with its own TTL.
fn remove_record(sets: &mut Vec<RRset>, r: &Record) -> Result<(), ApplyError> {
    let key = set_key(r.rtype, &r.rdata);
    let not_present = || ApplyError::NotPresent {
        owner: r.owner.clone(),
        rtype: r.rtype,
    };
    let at = sets
        .binary_search_by(|s| s.key().cmp(&key))
        .map_err(|_| not_present())?;
    let pos = sets[at].position(&r.rdata).map_err(|_| not_present())?;
    sets[at].rdatas.remove(pos);
    if sets[at].is_empty() {
        sets.remove(at);
    }
    Ok(())
}

/// Adds `r` to the sets of its node, or fails when it is already there.
fn add_record(sets: &mut Vec<RRset>, r: &Record) -> Result<(), ApplyError> {
    let key = set_key(r.rtype, &r.rdata);
    match sets.binary_search_by(|s| s.key().cmp(&key)) {
        Ok(at) => {
            let set = &mut sets[at];
            match set.position(&r.rdata) {
                Ok(_) => Err(ApplyError::AlreadyPresent {
                    owner: r.owner.clone(),
                    rtype: r.rtype,
                }),
                Err(pos) => {
                    set.ttl = set.ttl.min(r.ttl);
                    set.rdatas.insert(pos, r.rdata.clone());
                    Ok(())
                }
            }
        }
        Err(at) => {
            let set = RRset {
                rtype: r.rtype,
                ttl: r.ttl,
                rdatas: vec![r.rdata.clone()],
            };
            sets.insert(at, set);
            Ok(())
        }
    }
}

//============ Errors ================================================================

/// Why a changeset does not apply to a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The changeset starts from another serial than the version's (RFC 1995: the
    /// versions do not chain; fall back to AXFR).
    #[error("changeset starts at serial {from}, the zone is at serial {current}")]
    SerialMismatch {
        /// The version's serial.
        current: u32,
        /// The changeset's `from` serial.
        from: u32,
    },
    /// `from_soa` or `to_soa` is not a valid SOA record at the apex.
    #[error("bad framing SOA: {rtype} record at {owner}")]
    BadSoa {
        /// Its owner.
        owner: Name,
        /// Its type.
        rtype: Rtype,
    },
    /// An SOA record among the removed or added records.
    #[error("SOA record at {owner} among the changes")]
    SoaInChanges {
        /// Its owner.
        owner: Name,
    },
    /// A removed record is not in the version.
    #[error("cannot remove a {rtype} record at {owner}: not in the zone")]
    NotPresent {
        /// Its owner.
        owner: Name,
        /// Its type.
        rtype: Rtype,
    },
    /// An added record is already in the version.
    #[error("cannot add a {rtype} record at {owner}: already in the zone")]
    AlreadyPresent {
        /// Its owner.
        owner: Name,
        /// Its type.
        rtype: Rtype,
    },
    /// A record that cannot be zone data (outside the zone, wrong class, meta type).
    #[error(transparent)]
    Invalid(VersionError),
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::version::tests::rr::*;

    /// A tiny deterministic PRNG (xorshift64*), so that failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    const OWNERS: &[&str] = &[
        "example.com.",
        "a.example.com.",
        "b.example.com.",
        "x.a.example.com.",
        "y.x.a.example.com.",
        "*.b.example.com.",
        "c.d.example.com.",
        "e.c.d.example.com.",
        "sub.example.com.",
        "ns.sub.example.com.",
        "Mixed.Example.com.",
    ];

    fn random_record(rng: &mut Rng) -> Record {
        let mut owner = rng.pick(OWNERS).to_string();
        if rng.below(4) == 0 {
            owner = owner.to_uppercase();
        }
        let v = rng.below(3) as u8;
        // NSEC3 records at hashed owners, with one of two salts (two chains).
        let nsec3 = |rng: &mut Rng, v: u8| {
            let owner = *rng.pick(&[
                "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.com.",
                "35mthgpgcu1qg68fab165klnsnk3dpvl.example.com.",
                "b4um86eghhds6nea196smvmlo4ors995.example.com.",
            ]);
            let mut w = vec![1, 0, 0, 0, 1, v % 2, 20];
            w.extend([v; 20]);
            w.extend([0, 1, 0x40]);
            rec(owner, Rtype::NSEC3, 300, w)
        };
        let mut r = match rng.below(12) {
            // What the NSEC/NSEC3 index reads: the apex's SOA signature, NSECs,
            // NSEC3s and the NSEC3PARAM (shared or rebuilt by `apply`, and held to a
            // rebuild under test).
            8 => rrsig("example.com.", Rtype::SOA, 3600, v),
            9 => {
                let next: &&str = rng.pick(OWNERS);
                let mut w = n(next).as_wire().to_vec();
                w.extend([0, 1, 0x40 | v]);
                rec(&owner, Rtype::NSEC, 300, w)
            }
            10 => nsec3(rng, v),
            11 => rec(
                "example.com.",
                Rtype::NSEC3PARAM,
                0,
                vec![1, 0, 0, 0, 1, v % 2],
            ),
            0 | 1 => a(&owner, [192, 0, 2, v]),
            2 => aaaa(&owner, v),
            3 => txt(&owner, ["one", "two", "three"][v as usize]),
            4 => mx(
                &owner,
                10,
                ["mail.example.com.", "MAIL.example.com.", "mx.example.net."][v as usize],
            ),
            5 => ns(
                &owner,
                ["ns1.example.net.", "ns2.example.net.", "Ns1.Example.Net."][v as usize],
            ),
            6 => rrsig(&owner, Rtype::A, 300, v),
            _ => rrsig(&owner, Rtype::MX, 600, v),
        };
        if r.rtype != Rtype::RRSIG {
            r.ttl = *rng.pick(&[60, 300]);
        }
        r
    }

    fn random_records(rng: &mut Rng, serial: u32) -> Vec<Record> {
        let mut recs = vec![soa("example.com.", serial)];
        for _ in 0..rng.below(30) {
            recs.push(random_record(rng));
        }
        recs
    }

    /// `base` with a few records dropped, added or re-timed: mostly shared content.
    fn mutate(rng: &mut Rng, base: &[Record], serial: u32) -> Vec<Record> {
        let mut recs: Vec<Record> = base
            .iter()
            .filter(|r| r.rtype != Rtype::SOA && rng.below(6) != 0)
            .cloned()
            .collect();
        for r in recs.iter_mut() {
            if r.rtype != Rtype::RRSIG && rng.below(10) == 0 {
                r.ttl = 3600;
            }
        }
        for _ in 0..rng.below(4) {
            recs.push(random_record(rng));
        }
        let mut soa_ttl = soa("example.com.", serial);
        soa_ttl.ttl = *rng.pick(&[3600, 7200]);
        recs.push(soa_ttl);
        recs
    }

    fn zone(records: Vec<Record>) -> ZoneVersion {
        ZoneVersion::from_records(n("example.com."), Class::IN, records).unwrap()
    }

    fn check_round_trip(old: &ZoneVersion, new: &ZoneVersion) {
        let cs = diff(old, new);
        let applied = old.apply(&cs).unwrap_or_else(|e| panic!("{e}: {cs:#?}"));
        assert_eq!(&applied, new, "{cs:#?}");
        assert_eq!(applied.record_count(), new.record_count());
        assert_eq!(applied.empty_non_terminals(), new.empty_non_terminals());
        for node in new.nodes() {
            assert!(applied.get(node.name()).is_some(), "{}", node.name());
        }
        for ent in new.empty_non_terminals() {
            assert!(applied.exists(ent));
        }
        // What went is gone: names of `old` that are no longer nodes or ENTs.
        for name in old
            .nodes()
            .iter()
            .map(|n| n.name())
            .chain(old.empty_non_terminals())
        {
            let present = new.get(name).is_some() || new.empty_non_terminals().contains(name);
            assert_eq!(applied.exists(name), present, "{name}");
            assert_eq!(
                applied.get(name).is_some(),
                new.get(name).is_some(),
                "{name}"
            );
        }
        let again = diff(&applied, new);
        assert!(again.is_empty(), "{again:#?}");
        assert_eq!(again.from_soa, again.to_soa);
    }

    #[test]
    fn apply_diff_round_trips_on_random_zones() {
        let mut rng = Rng(0x5eed_f00d_2011_c0de);
        for round in 0..600u32 {
            let old_records = random_records(&mut rng, round);
            let new_records = if round % 2 == 0 {
                random_records(&mut rng, round + 1)
            } else {
                mutate(&mut rng, &old_records, round + 1)
            };
            let old = zone(old_records);
            let new = zone(new_records);
            check_round_trip(&old, &new);
            check_round_trip(&new, &old);
        }
    }

    #[test]
    fn chained_changesets() {
        let mut rng = Rng(42);
        let mut records = random_records(&mut rng, 1);
        let mut current = zone(records.clone());
        for serial in 2..200u32 {
            records = mutate(&mut rng, &records, serial);
            let next = zone(records.clone());
            let cs = diff(&current, &next);
            assert_eq!(cs.from_serial(), Some(serial - 1));
            assert_eq!(cs.to_serial(), Some(serial));
            current = current.apply(&cs).unwrap();
            assert_eq!(current, next);
        }
    }

    /// A version from zone-file text (the parser is tested on its own).
    fn parsed(text: &str) -> ZoneVersion {
        use crate::zone::parse::{ParseOptions, parse_bytes};
        let origin = n("example.com.");
        let z = parse_bytes(
            text.as_bytes(),
            std::path::Path::new("t.zone"),
            &origin,
            &ParseOptions::default(),
        );
        assert_eq!(z.findings, []);
        ZoneVersion::from_records(origin, Class::IN, z.records).unwrap()
    }

    #[test]
    fn diff_of_parsed_zone_files() {
        use crate::zone::write::format_record;
        let old = parsed(
            "$TTL 300\n@ SOA ns1 host 1 3600 600 1209600 300\n NS ns1\n\
             ns1 A 192.0.2.1\nwww A 192.0.2.2\n A 192.0.2.3\nold TXT \"gone\"\n",
        );
        let new = parsed(
            "$TTL 300\n@ SOA ns1 host 2 3600 600 1209600 300\n NS ns1\n\
             ns1 A 192.0.2.1\nwww 60 A 192.0.2.2\n 60 A 192.0.2.3\nnew TXT \"here\"\n",
        );
        let cs = diff(&old, &new);
        let show = |recs: &[Record]| -> Vec<String> {
            recs.iter().map(|r| format_record(r, None)).collect()
        };
        let expected_removed: Vec<String> = [
            "old.example.com. 300 IN TXT \"gone\"",
            "www.example.com. 300 IN A 192.0.2.2",
            "www.example.com. 300 IN A 192.0.2.3",
        ]
        .iter()
        .map(|s| normalize(s))
        .collect();
        let expected_added: Vec<String> = [
            "new.example.com. 300 IN TXT \"here\"",
            "www.example.com. 60 IN A 192.0.2.2",
            "www.example.com. 60 IN A 192.0.2.3",
        ]
        .iter()
        .map(|s| normalize(s))
        .collect();
        let removed: Vec<String> = show(&cs.removed).iter().map(|s| normalize(s)).collect();
        let added: Vec<String> = show(&cs.added).iter().map(|s| normalize(s)).collect();
        assert_eq!(removed, expected_removed);
        assert_eq!(added, expected_added);
        assert_eq!((cs.from_serial(), cs.to_serial()), (Some(1), Some(2)));
        assert_eq!(old.apply(&cs).unwrap(), new);
    }

    /// Collapses runs of blanks (the writer aligns columns).
    fn normalize(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn diff_of_identical_versions_is_empty() {
        let z = zone(vec![
            soa("example.com.", 5),
            a("www.example.com.", [1, 2, 3, 4]),
        ]);
        let cs = diff(&z, &z);
        assert!(cs.is_empty());
        assert_eq!(cs.from_soa, cs.to_soa);
    }

    #[test]
    fn ttl_change_replaces_the_whole_rrset() {
        let old = zone(vec![
            soa("example.com.", 1),
            a("www.example.com.", [192, 0, 2, 1]),
            a("www.example.com.", [192, 0, 2, 2]),
        ]);
        let new = zone(vec![
            soa("example.com.", 2),
            with_ttl(a("www.example.com.", [192, 0, 2, 1]), 60),
            with_ttl(a("www.example.com.", [192, 0, 2, 2]), 60),
        ]);
        let cs = diff(&old, &new);
        assert_eq!(cs.removed.len(), 2);
        assert_eq!(cs.added.len(), 2);
        assert!(cs.removed.iter().all(|r| r.ttl == 300));
        assert!(cs.added.iter().all(|r| r.ttl == 60));
        assert_eq!(old.apply(&cs).unwrap(), new);
    }

    #[test]
    fn apply_is_strict() {
        let z = zone(vec![
            soa("example.com.", 10),
            ns("example.com.", "ns1.example.net."),
            a("www.example.com.", [192, 0, 2, 1]),
        ]);
        let base = Changeset {
            from_soa: soa("example.com.", 10),
            to_soa: soa("example.com.", 11),
            removed: vec![],
            added: vec![],
        };
        // The SOA alone changes.
        let only_soa = z.apply(&base).unwrap();
        assert_eq!(only_soa.serial(), 11);
        assert_eq!(only_soa.record_count(), 3);

        let cs = Changeset {
            from_soa: soa("example.com.", 9),
            ..base.clone()
        };
        assert_eq!(
            z.apply(&cs),
            Err(ApplyError::SerialMismatch {
                current: 10,
                from: 9
            })
        );
        let cs = Changeset {
            removed: vec![a("www.example.com.", [192, 0, 2, 2])],
            ..base.clone()
        };
        assert!(matches!(z.apply(&cs), Err(ApplyError::NotPresent { .. })));
        let cs = Changeset {
            removed: vec![a("nope.example.com.", [192, 0, 2, 1])],
            ..base.clone()
        };
        assert!(matches!(z.apply(&cs), Err(ApplyError::NotPresent { .. })));
        // TTL is ignored when matching a removal; the case of names too.
        let cs = Changeset {
            removed: vec![
                with_ttl(a("WWW.example.com.", [192, 0, 2, 1]), 5),
                ns("example.com.", "NS1.example.net."),
            ],
            ..base.clone()
        };
        let emptied = z.apply(&cs).unwrap();
        assert_eq!(emptied.record_count(), 1);
        assert!(emptied.get(&n("www.example.com.")).is_none());
        let cs = Changeset {
            added: vec![a("www.example.com.", [192, 0, 2, 1])],
            ..base.clone()
        };
        assert!(matches!(
            z.apply(&cs),
            Err(ApplyError::AlreadyPresent { .. })
        ));
        let cs = Changeset {
            added: vec![
                a("new.example.com.", [1, 1, 1, 1]),
                a("new.example.com.", [1, 1, 1, 1]),
            ],
            ..base.clone()
        };
        assert!(matches!(
            z.apply(&cs),
            Err(ApplyError::AlreadyPresent { .. })
        ));
        let cs = Changeset {
            added: vec![soa("example.com.", 12)],
            ..base.clone()
        };
        assert!(matches!(z.apply(&cs), Err(ApplyError::SoaInChanges { .. })));
        let cs = Changeset {
            added: vec![a("www.example.org.", [1, 1, 1, 1])],
            ..base.clone()
        };
        assert!(matches!(
            z.apply(&cs),
            Err(ApplyError::Invalid(VersionError::OutOfZone { .. }))
        ));
        let cs = Changeset {
            to_soa: soa("sub.example.com.", 11),
            ..base.clone()
        };
        assert!(matches!(z.apply(&cs), Err(ApplyError::BadSoa { .. })));
        let cs = Changeset {
            to_soa: rec("example.com.", Rtype::SOA, 0, vec![0]),
            ..base.clone()
        };
        assert!(matches!(z.apply(&cs), Err(ApplyError::BadSoa { .. })));
        // Remove then re-add within one changeset (RFC 1995 order), with a new TTL.
        let cs = Changeset {
            removed: vec![a("www.example.com.", [192, 0, 2, 1])],
            added: vec![with_ttl(a("www.example.com.", [192, 0, 2, 1]), 60)],
            ..base
        };
        let retimed = z.apply(&cs).unwrap();
        let www = retimed.get(&n("www.example.com.")).unwrap();
        assert_eq!(www.rrset(Rtype::A).unwrap().ttl, 60);
        // An addition with another TTL to a set that stays: the lowest wins.
        let cs = Changeset {
            from_soa: retimed.soa_record(),
            to_soa: soa("example.com.", 12),
            removed: vec![],
            added: vec![with_ttl(a("www.example.com.", [192, 0, 2, 9]), 30)],
        };
        let lowered = retimed.apply(&cs).unwrap();
        let www = lowered.get(&n("www.example.com.")).unwrap();
        assert_eq!(www.rrset(Rtype::A).unwrap().ttl, 30);
        assert_eq!(www.rrset(Rtype::A).unwrap().len(), 2);
    }

    #[test]
    fn apply_shares_untouched_nodes() {
        let mut recs = vec![soa("example.com.", 1)];
        for i in 0..1000u32 {
            recs.push(a(&format!("h{i}.example.com."), i.to_be_bytes()));
        }
        let old = zone(recs);
        let cs = Changeset {
            from_soa: old.soa_record(),
            to_soa: soa("example.com.", 2),
            removed: vec![a("h500.example.com.", 500u32.to_be_bytes())],
            added: vec![a("h500.example.com.", [9, 9, 9, 9])],
        };
        let new = old.apply(&cs).unwrap();
        let shared = old
            .nodes()
            .iter()
            .zip(new.nodes())
            .filter(|(x, y)| x.same(y))
            .count();
        assert_eq!(shared, 999); // all but the apex and h500
        assert!(new.shares_index_with(&old));
        assert_eq!(diff(&old, &new).added, cs.added);
        assert_eq!(diff(&old, &new).removed, cs.removed);

        // Adding a node rebuilds the index.
        let cs = Changeset {
            from_soa: new.soa_record(),
            to_soa: soa("example.com.", 3),
            removed: vec![],
            added: vec![a("x.y.example.com.", [1, 2, 3, 4])],
        };
        let newer = new.apply(&cs).unwrap();
        assert!(!newer.shares_index_with(&new));
        assert!(newer.exists(&n("y.example.com.")));
        assert!(newer.get(&n("x.y.example.com.")).is_some());
        assert_eq!(newer.record_count(), 1002);
    }

    #[test]
    fn a_signed_zone_keeps_its_denial_index_through_record_changes() {
        let nsec = |owner: &str, next: &str| {
            let mut w = n(next).as_wire().to_vec();
            w.extend([0, 1, 0x40]);
            rec(owner, Rtype::NSEC, 300, w)
        };
        let old = zone(vec![
            soa("example.com.", 1),
            rrsig("example.com.", Rtype::SOA, 3600, 1),
            nsec("example.com.", "a.example.com."),
            a("a.example.com.", [192, 0, 2, 1]),
            rrsig("a.example.com.", Rtype::A, 300, 1),
            nsec("a.example.com.", "example.com."),
        ]);
        let step = |from: &ZoneVersion, removed: Vec<Record>, added: Vec<Record>| {
            let serial = from.serial() + 1;
            from.apply(&Changeset {
                from_soa: from.soa_record(),
                to_soa: soa("example.com.", serial),
                removed,
                added,
            })
            .unwrap()
        };
        let shared = |x: &ZoneVersion, y: &ZoneVersion| {
            std::ptr::eq(x.denial().unwrap(), y.denial().unwrap())
        };
        // A changed address and its new signature: the index is kept.
        let new = step(
            &old,
            vec![
                a("a.example.com.", [192, 0, 2, 1]),
                rrsig("a.example.com.", Rtype::A, 300, 1),
            ],
            vec![
                a("a.example.com.", [192, 0, 2, 2]),
                rrsig("a.example.com.", Rtype::A, 300, 2),
            ],
        );
        assert!(shared(&old, &new));
        // An NSEC3PARAM at the apex names a chain: rebuilt.
        let param = rec("example.com.", Rtype::NSEC3PARAM, 0, vec![1, 0, 0, 0, 0]);
        let newer = step(&new, vec![], vec![param]);
        assert!(!shared(&new, &newer));
        // A node losing its NSEC: rebuilt.
        let newest = step(&newer, vec![nsec("a.example.com.", "example.com.")], vec![]);
        assert!(!shared(&newer, &newest));
        assert_eq!(newest.denial().unwrap().nsec_at_or_before(1), Some(0));
    }

    /// Every name of `before` and `target` is found in `applied` (made from `before`)
    /// exactly when it is in `target`, as a node or as an ENT.
    fn check_lookups(before: &ZoneVersion, applied: &ZoneVersion, target: &ZoneVersion) {
        assert_eq!(applied.empty_non_terminals(), target.empty_non_terminals());
        let names = |v: &ZoneVersion| -> Vec<Name> {
            let mut all: Vec<Name> = v.nodes().iter().map(|n| n.name().clone()).collect();
            all.extend(v.empty_non_terminals().iter().cloned());
            all
        };
        for name in names(before).iter().chain(&names(target)) {
            let node = target.get(name).map(|n| n.name());
            assert_eq!(applied.get(name).map(|n| n.name()), node, "{name}");
            assert_eq!(applied.exists(name), target.exists(name), "{name}");
        }
    }

    /// Removed and added records, sorted, for comparing changesets made differently.
    fn sorted(cs: &Changeset) -> (Vec<Record>, Vec<Record>) {
        let (mut removed, mut added) = (cs.removed.clone(), cs.added.clone());
        removed.sort_by(cmp_records);
        added.sort_by(cmp_records);
        (removed, added)
    }

    #[test]
    fn apply_and_diff_over_many_chunks() {
        // 3,000 names: a dozen node chunks. Each round changes a few records, at
        // existing names only (even rounds: chunks shared) or with names added and
        // removed (odd rounds: positions shift).
        let mut rng = Rng(0x00c0_ffee_5eed_0017);
        let mut recs = vec![soa("example.com.", 1)];
        recs.extend((0..3000u32).map(|i| a(&format!("h{i}.example.com."), i.to_be_bytes())));
        let mut current = zone(recs.clone());
        for round in 0..30u32 {
            let serial = 2 + round;
            recs[0] = soa("example.com.", serial);
            for _ in 0..1 + rng.below(6) {
                let i = 1 + rng.below(recs.len() - 1);
                let owner = recs[i].owner.to_string();
                if round % 2 == 0 {
                    recs[i] = a(&owner, (rng.next() as u32).to_be_bytes());
                } else if rng.below(2) == 0 {
                    recs.swap_remove(i);
                } else {
                    // Deep names: ENTs come and go with them.
                    let owner = match rng.below(3) {
                        0 => format!("n{}.example.com.", rng.below(50)),
                        1 => format!("x.y{}.z.example.com.", rng.below(50)),
                        _ => format!("h{}.example.com.", rng.below(3000)),
                    };
                    recs.push(a(&owner, [1, 2, 3, rng.below(250) as u8]));
                }
            }
            let target = zone(recs.clone());
            let cs = diff(&current, &target);
            let applied = current.apply(&cs).unwrap();
            assert_eq!(applied, target, "round {round}");
            assert_eq!(applied.record_count(), target.record_count());
            // The diff of neighbouring versions skips shared chunks: same changes.
            assert_eq!(
                sorted(&diff(&current, &applied)),
                sorted(&cs),
                "round {round}"
            );
            assert!(diff(&applied, &target).is_empty());
            let chunks = current.nodes().chunks().len();
            let shared = current
                .nodes()
                .chunks()
                .iter()
                .zip(applied.nodes().chunks())
                .filter(|(x, y)| Arc::ptr_eq(x, y))
                .count();
            if round % 2 == 0 {
                // At most one chunk per change plus the apex's is copied.
                assert!(chunks >= 10 && shared >= chunks - 7, "{shared} of {chunks}");
                assert!(applied.shares_index_with(&current));
            }
            check_lookups(&current, &applied, &target);
            current = applied;
        }
    }
}
