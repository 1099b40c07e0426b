//! [`ZoneVersion`]: one immutable version of one zone, indexed for answering queries
//! and for canonical-order iteration.
//!
//! A version is built once — from a parsed zone file or an AXFR
//! ([`ZoneVersion::from_records`]), or from the previous version and a
//! [`Changeset`](super::Changeset) ([`ZoneVersion::apply`], IXFR and reloads) — and
//! then only read. The zone's task publishes it as `Arc<ZoneVersion>`; the query path,
//! AXFR-out (which streams [`ZoneVersion::iter`]) and `diff` share it without locks.
//!
//! Layout, sized for zones of millions of records:
//! - `nodes`: every owner name as a [`Node`], sorted in canonical order (RFC 4034
//!   §6.1), the apex first, in shared chunks ([`Nodes`]). A node holds its name and
//!   its RRsets sorted by type, packed into one allocation, RDATA and all (see
//!   [`super::rrset`]'s "Packed layout"), lent out as [`RRsetRef`]s. Iteration,
//!   `diff` and AXFR walk it; `apply` shares every chunk it does not touch.
//! - `index`: an open-addressing hash table of `u64` slots over node positions and the
//!   empty non-terminals (ENTs), for O(1) exact lookups — about 8 octets per slot
//!   against ~50 for a `HashMap<Name, usize>`. Each node caches its name's hash, so
//!   rebuilding the table after a change touches no name bytes. When a change adds or
//!   removes no node (the common IXFR: records changed at existing names), the table
//!   is shared with the previous version as is; when it adds or removes a few, the
//!   table is updated, not rebuilt.
//!
//! # Standards
//! - RFC 1034 §4.3.2 (answering): the server looks for a zone cut ("if a match would
//!   take us out of the authoritative data, we have a referral") before data at the
//!   name: see [`ZoneVersion::find_cut`].
//! - RFC 4592 §3.3.1: "The closest encloser is the node in the zone's tree of existing
//!   domain names that has the most labels matching the query name (consecutively,
//!   counting from the root label downward)." §2.2.2: empty non-terminals "are
//!   domain names that own no resource records but have subdomains that do", and they
//!   exist: see [`ZoneVersion::closest_encloser`] and [`ZoneVersion::exists`].
//! - RFC 2181 §5.2 and RFC 4034 §3: one TTL per RRset, the lowest when the records
//!   disagree; RRSIGs grouped by covered type (see [`super::rrset`]).
//! - RFC 4034 §6.3: duplicate records are removed ("it MUST remove all but one").
//! - RFC 1035 §5.2 / RFC 1034 §4.2.1: exactly one SOA, at the top of the zone; every
//!   record at or below the origin and of the zone's class.
//!
//! # Limitations
//! - [`ZoneVersion::wildcard_at`] returns wildcard *nodes*; a wildcard that exists only
//!   as an empty non-terminal (`a.*.example.` without `*.example.`) is reported by
//!   [`ZoneVersion::exists`] but has no node to synthesise from.
//! - `apply` of a change that adds or removes no name costs O(n / 256 + k · 256)
//!   pointer copies (see [`Nodes`]) and shares the name index. One that adds or
//!   removes names re-chunks the nodes after the first of them and copies the hash
//!   table, renumbering it in one sequential pass (no node read; see
//!   `NameIndex::updated`): O(n), but ~15 ms for a million names against ~350 ms for
//!   a rebuild. The NSEC/NSEC3 index of a signed zone is shared too when no name
//!   came or went and no changed node changed its NSEC/NSEC3 records' presence or
//!   parameters (record changes, re-signing); else it is rebuilt, O(n).

use std::cmp::Ordering;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::mem::size_of;
use std::sync::Arc;

use super::dnssec::{DenialIndex, Nsec3Chain};
use super::name::Name;
use super::nodes::Nodes;
use super::record::{Class, Rdata, Record, Rtype};
use super::rrset::{RRset, RRsetRef, Sets, canonical_rdata_cmp, pack_into, packed_len, set_key};
use super::soa::{SoaError, serial_of};

//----------- Node -------------------------------------------------------------------

/// Octets of the name hash at the start of a node's tail.
const HASH_LEN: usize = 8;

/// One owner name and its RRsets, sorted by type (RRSIGs by covered type), in one
/// allocation: the name's ([`Name::with_tail`]), whose tail holds the name's hash then
/// the packed sets. A node is that allocation and a 16-octet handle, which chunks
/// hold by value; `Clone` is a reference count.
#[derive(Clone, Debug)]
pub struct Node {
    /// The owner, with the case of the first record seen for it. Its tail: the
    /// `hash_wire` of the name under the version's hasher (8 octets, carried from
    /// version to version with the node so that index rebuilds need not rehash
    /// names), then the RRsets, never none, sorted by [`RRset::key`], packed
    /// ([`pack_into`]).
    name: Name,
}

impl Node {
    /// The owner name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The RRsets, in canonical order of their types.
    #[inline]
    pub fn rrsets(&self) -> Sets<'_> {
        Sets::new(&self.name.tail()[HASH_LEN..])
    }

    /// The RRset of `rtype`. For RRSIG this is the set covering the lowest type; use
    /// [`Node::rrsig_covering`] or [`Node::rrsets`] for the others.
    #[inline]
    pub fn rrset(&self, rtype: Rtype) -> Option<RRsetRef<'_>> {
        self.rrsets()
            .find(|s| s.rtype >= rtype)
            .filter(|s| s.rtype == rtype)
    }

    /// The RRSIGs covering `covered`.
    pub fn rrsig_covering(&self, covered: Rtype) -> Option<RRsetRef<'_>> {
        let key = (Rtype::RRSIG, covered.0);
        self.rrsets()
            .skip_while(|s| s.rtype < Rtype::RRSIG)
            .take_while(|s| s.rtype == Rtype::RRSIG)
            .find(|s| s.key() >= key)
            .filter(|s| s.key() == key)
    }

    /// True when the node has an RRset of `rtype`.
    pub fn has(&self, rtype: Rtype) -> bool {
        self.rrset(rtype).is_some()
    }

    /// True when the node holds nothing but NSEC3 records and their signatures: a
    /// hashed owner name, which the query path treats as not existing (RFC 5155
    /// §7.2.8).
    pub fn is_nsec3_only(&self) -> bool {
        self.rrsets().all(|s| {
            s.rtype == Rtype::NSEC3
                || (s.rtype == Rtype::RRSIG && s.covered() == Some(Rtype::NSEC3))
        })
    }

    /// Number of records at this node.
    pub fn record_count(&self) -> usize {
        self.rrsets().map(|s| s.len()).sum()
    }

    /// Builds a node from its sets (in key order, none empty), computing its hash.
    fn new(name: Name, rrsets: &[RRset], hasher: &RandomState) -> Node {
        let hash = hash_wire(hasher, name.as_wire());
        Node {
            name: name.with_tail(HASH_LEN + packed_len(rrsets), |out| {
                out.extend_from_slice(&hash.to_le_bytes());
                pack_into(out, rrsets);
            }),
        }
    }

    /// The name's hash under the version's hasher.
    fn hash(&self) -> u64 {
        let head = self.name.tail().first_chunk::<HASH_LEN>();
        u64::from_le_bytes(*head.expect("a node's tail starts with its hash"))
    }

    /// True when both are clones of one node (`apply` shares the nodes it does not
    /// touch): same name, same records.
    pub fn same(&self, other: &Node) -> bool {
        self.name.shares_bytes(&other.name)
    }

    /// Heap bytes of the node's allocation: counts, length, name, hash and records.
    fn approx_bytes(&self) -> usize {
        2 * size_of::<usize>() + 1 + self.name.wire_len() + self.name.tail().len()
    }
}

//----------- RecordRef --------------------------------------------------------------

/// A record of a [`ZoneVersion`], borrowed (iteration allocates nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRef<'a> {
    /// Owner name.
    pub owner: &'a Name,
    /// Class (the zone's).
    pub class: Class,
    /// Type.
    pub rtype: Rtype,
    /// TTL (the RRset's).
    pub ttl: u32,
    /// RDATA, uncompressed wire form.
    pub rdata: &'a [u8],
}

impl RecordRef<'_> {
    /// An owned copy (its owner in an allocation of its own: see [`Name::detached`]).
    pub fn to_record(&self) -> Record {
        Record::new(
            self.owner.detached(),
            self.class,
            self.rtype,
            self.ttl,
            Rdata::from_wire(self.rdata),
        )
    }
}

//----------- ZoneVersion ------------------------------------------------------------

/// One immutable version of one zone. Share it as `Arc<ZoneVersion>`.
///
/// `Clone` is shallow (the table of node chunks is copied, no node).
#[derive(Debug, Clone)]
pub struct ZoneVersion {
    /// The zone's name (the apex).
    origin: Name,
    /// The zone's class.
    class: Class,
    /// Every node, in canonical order; `nodes[0]` is the apex and holds the SOA.
    nodes: Nodes,
    /// Exact lookups of nodes and empty non-terminals.
    index: Arc<NameIndex>,
    /// The hasher of `index` and of every node's `hash`, kept across versions.
    hasher: RandomState,
    /// Number of records (after deduplication).
    record_count: usize,
    /// NSEC and NSEC3 lookups, when the zone is signed (built with the version).
    denial: Option<Arc<DenialIndex>>,
}

impl ZoneVersion {
    /// Builds a version from the records of a zone file or an AXFR, consuming them
    /// (RDATA and names are moved into the version, not copied).
    ///
    /// Records of one RRset that disagree on the TTL get the lowest (RFC 2181 §5.2);
    /// duplicates are dropped (RFC 4034 §6.3). Errors: no SOA or more than one SOA at
    /// the apex, an SOA elsewhere, a record outside the zone, of another class, or of
    /// a meta type (OPT, TSIG, …).
    pub fn from_records(
        origin: Name,
        class: Class,
        records: Vec<Record>,
    ) -> Result<ZoneVersion, VersionError> {
        Self::from_records_with(origin, class, records, RandomState::new())
    }

    /// [`ZoneVersion::from_records`] with the records' canonical order already known:
    /// `order` is [`canonical_order_of`]`(&origin, &records)`, which the semantic
    /// checks compute too (a zone loaded by `serve` is sorted once, not twice).
    pub fn from_records_ordered(
        origin: Name,
        class: Class,
        records: Vec<Record>,
        order: Vec<u32>,
    ) -> Result<ZoneVersion, VersionError> {
        Self::build(origin, class, records, Some(order), RandomState::new())
    }

    /// [`ZoneVersion::from_records`] with a given hasher (tests, and versions that must
    /// share a hasher).
    fn from_records_with(
        origin: Name,
        class: Class,
        records: Vec<Record>,
        hasher: RandomState,
    ) -> Result<ZoneVersion, VersionError> {
        Self::build(origin, class, records, None, hasher)
    }

    fn build(
        origin: Name,
        class: Class,
        mut records: Vec<Record>,
        order: Option<Vec<u32>>,
        hasher: RandomState,
    ) -> Result<ZoneVersion, VersionError> {
        for r in &records {
            validate(&origin, class, r)?;
            if r.rtype == Rtype::SOA && r.owner != origin {
                return Err(VersionError::SoaNotAtApex {
                    owner: r.owner.clone(),
                });
            }
        }
        if records.len() >= MAX_ENTRIES {
            return Err(VersionError::TooLarge);
        }
        let mut order = match order {
            Some(order) if order.len() == records.len() => order,
            _ => canonical_order(&origin, &records, (0..records.len() as u32).collect()),
        };
        permute(&mut records, &mut order);
        drop(order);

        // Build nodes from the back so that the record vector can shrink as it is
        // consumed: its memory goes back while the nodes are allocated.
        // The name index's parts are gathered on the way, while each name is in
        // cache: the node hashes and the ENTs (between each node and the one after
        // it), all from the back.
        let mut nodes: Vec<Node> = Vec::new();
        let mut hashes: Vec<u64> = Vec::new();
        let mut ents: Vec<Name> = Vec::new();
        let mut group: Vec<Record> = Vec::new();
        let mut record_count = 0usize;
        let mut since_shrink = 0usize;
        let mut push = |node: Node, nodes: &mut Vec<Node>| {
            if let Some(next) = nodes.last() {
                ents.extend(ents_between(&node.name, &next.name).rev());
            }
            hashes.push(node.hash());
            nodes.push(node);
        };
        while let Some(last) = records.pop() {
            let same_owner = group.last().is_none_or(|g| g.owner == last.owner);
            if !same_owner {
                let node = build_node(&mut group, &hasher, &mut record_count);
                push(node, &mut nodes);
            }
            group.push(last);
            since_shrink += 1;
            if since_shrink >= SHRINK_EVERY {
                records.shrink_to_fit();
                since_shrink = 0;
            }
        }
        if !group.is_empty() {
            let node = build_node(&mut group, &hasher, &mut record_count);
            push(node, &mut nodes);
        }
        drop(records);
        nodes.reverse();
        hashes.reverse();
        ents.reverse();
        let nodes = Nodes::from_vec(nodes);

        match nodes.first() {
            Some(apex) if apex.name == origin => match apex.rrset(Rtype::SOA) {
                Some(soa) if soa.len() == 1 => {
                    serial_of(soa.first().unwrap_or_default()).map_err(VersionError::BadSoa)?;
                }
                Some(soa) => return Err(VersionError::MultipleSoa { count: soa.len() }),
                None => return Err(VersionError::MissingSoa),
            },
            _ => return Err(VersionError::MissingSoa),
        }
        let index = Arc::new(NameIndex::with_parts(&hashes, ents, &hasher));
        drop(hashes);
        let denial = DenialIndex::build(&nodes).map(Arc::new);
        Ok(ZoneVersion {
            origin,
            class,
            nodes,
            index,
            hasher,
            record_count,
            denial,
        })
    }

    /// Assembles a version from parts built by `apply` (nodes sorted, apex first with
    /// one SOA). `reshape` says how the node names changed: not at all (the index is
    /// shared), or by the listed insertions and removals (the index is updated, or
    /// rebuilt when they are many). `denial_same` says that every replaced node looks
    /// the same to the NSEC/NSEC3 index ([`DenialIndex::same_for`]): with no reshape,
    /// the index is shared then.
    pub(super) fn from_parts(
        prev: &ZoneVersion,
        nodes: Nodes,
        reshape: Option<&Reshape>,
        denial_same: bool,
        record_count: usize,
    ) -> ZoneVersion {
        let index = match reshape {
            None => prev.index.clone(),
            Some(r) => Arc::new(
                prev.index
                    .updated(r, &prev.nodes, &nodes, &prev.hasher)
                    .unwrap_or_else(|| NameIndex::build(&nodes, &prev.hasher)),
            ),
        };
        // Unit tests hold every update to what a rebuild gives.
        #[cfg(test)]
        if reshape.is_some() {
            let fresh = NameIndex::build(&nodes, &prev.hasher);
            assert_eq!(index.ents, fresh.ents);
            assert_eq!(index.len, fresh.len);
            for (i, node) in nodes.iter().enumerate() {
                let found = index.lookup(&prev.hasher, node.name.as_wire(), &nodes);
                assert_eq!(found, Some(Entry::Node(i)), "{}", node.name);
            }
            for (i, ent) in index.ents.iter().enumerate() {
                let found = index.lookup(&prev.hasher, ent.as_wire(), &nodes);
                assert_eq!(found, Some(Entry::Ent(i)), "{ent}");
            }
        }
        // Kept when no node moved and none changed what the index reads (a record
        // changed, a zone re-signed with the same chain); else rebuilt, one pass over
        // the nodes, for signed zones only.
        let denial = if reshape.is_none() && denial_same {
            prev.denial.clone()
        } else {
            DenialIndex::build(&nodes).map(Arc::new)
        };
        #[cfg(test)]
        assert_eq!(
            denial.as_deref(),
            DenialIndex::build(&nodes).as_ref(),
            "a kept NSEC/NSEC3 index differs from a rebuilt one"
        );
        ZoneVersion {
            origin: prev.origin.clone(),
            class: prev.class,
            nodes,
            index,
            hasher: prev.hasher.clone(),
            record_count,
            denial,
        }
    }

    /// Builds a node for `apply` with this version's hasher.
    pub(super) fn make_node(&self, name: Name, rrsets: &[RRset]) -> Node {
        Node::new(name, rrsets, &self.hasher)
    }

    //--- Accessors

    /// The zone's name.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The zone's class.
    pub fn class(&self) -> Class {
        self.class
    }

    /// The apex node.
    pub fn apex(&self) -> &Node {
        &self.nodes[0]
    }

    /// The SOA RRset (always exactly one record).
    pub fn soa(&self) -> RRsetRef<'_> {
        self.apex()
            .rrset(Rtype::SOA)
            .expect("a version always has an SOA at its apex")
    }

    /// The SOA as a record.
    pub fn soa_record(&self) -> Record {
        let soa = self.soa();
        Record::new(
            self.origin.clone(),
            self.class,
            Rtype::SOA,
            soa.ttl,
            Rdata::from_wire(self.soa_rdata()),
        )
    }

    /// The zone's serial.
    pub fn serial(&self) -> u32 {
        serial_of(self.soa_rdata()).expect("the SOA was checked when the version was built")
    }

    /// The SOA's RDATA.
    pub fn soa_rdata(&self) -> &[u8] {
        self.soa()
            .first()
            .expect("a version's SOA set holds one record")
    }

    /// Every node, in canonical order, the apex first.
    pub fn nodes(&self) -> &Nodes {
        &self.nodes
    }

    /// Number of records.
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// Approximate heap use in octets (walks every node: for logs and metrics, not for
    /// the query path). Node memory shared with other versions is counted in full.
    pub fn approx_bytes(&self) -> usize {
        size_of::<ZoneVersion>()
            + self.nodes.approx_bytes()
            + self.index.approx_bytes()
            + self.nodes.iter().map(|n| n.approx_bytes()).sum::<usize>()
    }

    //--- Lookups (the query path: no allocation)

    /// The node owning `name`, if any.
    pub fn get(&self, name: &Name) -> Option<&Node> {
        self.get_wire(name.as_wire())
    }

    /// True when `name` exists in the zone: it owns records or is an empty
    /// non-terminal (RFC 4592 §2.2.2).
    pub fn exists(&self, name: &Name) -> bool {
        self.index
            .lookup(&self.hasher, name.as_wire(), &self.nodes)
            .is_some()
    }

    /// The closest encloser of `name` (RFC 4592 §3.3.1): the longest existing name
    /// (node or empty non-terminal) that is `name` or an ancestor of it, and whether
    /// it is `name` itself. `name` must be at or below the origin; for other names the
    /// answer is the origin, not exact.
    pub fn closest_encloser(&self, name: &Name) -> (Name, bool) {
        if !name.ends_with(&self.origin) {
            return (self.origin.clone(), false);
        }
        let wire = name.as_wire();
        let origin_len = self.origin.wire_len();
        let mut at = 0usize;
        loop {
            let suffix = &wire[at..];
            if suffix.len() == origin_len {
                return (self.nodes[0].name.clone(), at == 0);
            }
            if let Some(entry) = self.index.lookup(&self.hasher, suffix, &self.nodes) {
                return (self.index.name(entry, &self.nodes).clone(), at == 0);
            }
            at += 1 + wire[at] as usize;
        }
    }

    /// The wildcard node `*.<encloser>`, if the zone has one.
    pub fn wildcard_at(&self, encloser: &Name) -> Option<&Node> {
        let wire = encloser.as_wire();
        if wire.len() + 2 > super::name::MAX_NAME_LEN {
            return None;
        }
        let mut buf = [0u8; super::name::MAX_NAME_LEN];
        buf[0] = 1;
        buf[1] = b'*';
        buf[2..2 + wire.len()].copy_from_slice(wire);
        self.get_wire(&buf[..2 + wire.len()])
    }

    /// The highest zone cut at or above `name` and strictly below the apex: the
    /// delegation point and its NS RRset (RFC 1034 §4.3.2 step 3b). `None` when
    /// `name` is authoritative data of this zone (or not in the zone).
    pub fn find_cut(&self, name: &Name) -> Option<(&Name, RRsetRef<'_>)> {
        if !name.is_below(&self.origin) {
            return None;
        }
        let wire = name.as_wire();
        let origin_len = self.origin.wire_len();
        // Start offsets of the suffixes strictly longer than the origin, shortest
        // (highest in the tree) last.
        let mut starts = [0u8; 128];
        let mut count = 0usize;
        let mut at = 0usize;
        while wire.len() - at > origin_len {
            starts[count] = at as u8;
            count += 1;
            at += 1 + wire[at] as usize;
        }
        for &start in starts[..count].iter().rev() {
            if let Some(node) = self.get_wire(&wire[start as usize..])
                && let Some(ns) = node.rrset(Rtype::NS)
            {
                return Some((&node.name, ns));
            }
        }
        None
    }

    /// The node owning the wire name `wire`.
    fn get_wire(&self, wire: &[u8]) -> Option<&Node> {
        match self.index.lookup(&self.hasher, wire, &self.nodes)? {
            Entry::Node(i) => Some(&self.nodes[i]),
            Entry::Ent(_) => None,
        }
    }

    //--- DNSSEC denial of existence

    /// The NSEC/NSEC3 index, when the zone is signed (its SOA has an RRSIG).
    pub fn denial(&self) -> Option<&DenialIndex> {
        self.denial.as_deref()
    }

    /// The node whose NSEC matches or covers `name`: the last owner of an NSEC
    /// RRset at or before `name` in canonical order, wrapping to the zone's last one
    /// (RFC 4034 §4.1.1: the last NSEC's next name is the apex).
    pub fn nsec_for(&self, name: &Name) -> Option<&Node> {
        let denial = self.denial.as_deref()?;
        let at = self.nodes.partition_point(|n| n.name <= *name);
        let pos = denial.nsec_at_or_before(at.checked_sub(1)?)?;
        Some(&self.nodes[pos])
    }

    /// The NSEC3 chain, when the zone has one.
    pub fn nsec3_chain(&self) -> Option<&Nsec3Chain> {
        self.denial.as_deref()?.nsec3()
    }

    /// The node owning the NSEC3 that matches `name` (RFC 5155 §7.2.1: its hashed
    /// owner is the hash of `name`).
    pub fn nsec3_matching(&self, name: &Name) -> Option<&Node> {
        let chain = self.nsec3_chain()?;
        let pos = chain.matching(&chain.params.hash(name)?)?;
        Some(&self.nodes[pos])
    }

    /// The node owning the NSEC3 that covers `name`: the greatest hashed owner below
    /// the hash of `name`, wrapping around the chain.
    pub fn nsec3_covering(&self, name: &Name) -> Option<&Node> {
        let chain = self.nsec3_chain()?;
        let pos = chain.covering(&chain.params.hash(name)?)?;
        Some(&self.nodes[pos])
    }

    //--- Iteration

    /// Every record, in canonical order: by owner (RFC 4034 §6.1), then type, then
    /// RDATA (§6.3).
    pub fn iter(&self) -> impl Iterator<Item = RecordRef<'_>> + '_ {
        let class = self.class;
        self.nodes.iter().flat_map(move |node| {
            node.rrsets().flat_map(move |set| {
                set.rdatas().map(move |rdata| RecordRef {
                    owner: &node.name,
                    class,
                    rtype: set.rtype,
                    ttl: set.ttl,
                    rdata,
                })
            })
        })
    }

    /// Every record, owned, in canonical order (copies all RDATA: for tests and
    /// small zones; stream [`ZoneVersion::iter`] otherwise).
    pub fn records(&self) -> Vec<Record> {
        let mut out = Vec::with_capacity(self.record_count);
        out.extend(self.iter().map(|r| r.to_record()));
        out
    }

    /// The empty non-terminals, in canonical order.
    pub fn empty_non_terminals(&self) -> &[Name] {
        &self.index.ents
    }

    /// True when both versions use the same lookup index (tests of `apply`).
    #[cfg(test)]
    pub(super) fn shares_index_with(&self, other: &ZoneVersion) -> bool {
        Arc::ptr_eq(&self.index, &other.index)
    }
}

impl PartialEq for ZoneVersion {
    /// Same origin, class and records (RDATA compared in canonical form, TTLs equal).
    fn eq(&self, other: &Self) -> bool {
        self.origin == other.origin
            && self.class == other.class
            && self.record_count == other.record_count
            && self.iter().zip(other.iter()).all(|(a, b)| {
                a.owner == b.owner
                    && a.rtype == b.rtype
                    && a.ttl == b.ttl
                    && canonical_rdata_cmp(a.rtype, a.rdata, b.rdata) == Ordering::Equal
            })
    }
}

impl Eq for ZoneVersion {}

//----------- Building helpers -------------------------------------------------------

/// Records are consumed this many at a time before the vector is shrunk.
const SHRINK_EVERY: usize = 1 << 16;

/// Upper bound on nodes plus ENTs (index entries carry 31-bit positions).
const MAX_ENTRIES: usize = 1 << 30;

/// Checks what every record of a version must satisfy: class, zone membership, no
/// meta type.
pub(super) fn validate(origin: &Name, class: Class, r: &Record) -> Result<(), VersionError> {
    if r.class != class {
        return Err(VersionError::WrongClass {
            owner: r.owner.clone(),
            class: r.class,
        });
    }
    if !r.owner.ends_with(origin) {
        return Err(VersionError::OutOfZone {
            owner: r.owner.clone(),
        });
    }
    if r.rtype.is_meta() {
        return Err(VersionError::MetaType {
            owner: r.owner.clone(),
            rtype: r.rtype,
        });
    }
    if r.rdata.len() > usize::from(u16::MAX) {
        return Err(VersionError::RdataTooLong {
            owner: r.owner.clone(),
            rtype: r.rtype,
        });
    }
    Ok(())
}

/// Canonical order of records (owner, set key, RDATA), then raw octets and TTL so that
/// the order is total and the result does not depend on the input order.
pub(super) fn cmp_records(a: &Record, b: &Record) -> Ordering {
    a.owner.cmp(&b.owner).then_with(|| cmp_same_owner(a, b))
}

/// [`cmp_records`] for records whose owners are canonically equal.
fn cmp_same_owner(a: &Record, b: &Record) -> Ordering {
    set_key(a.rtype, &a.rdata)
        .cmp(&set_key(b.rtype, &b.rdata))
        .then_with(|| canonical_rdata_cmp(a.rtype, a.rdata.as_wire(), b.rdata.as_wire()))
        .then_with(|| a.owner.as_wire().cmp(b.owner.as_wire()))
        .then_with(|| a.rdata.cmp(&b.rdata))
        .then_with(|| a.ttl.cmp(&b.ttl))
}

/// Sorts `idx` (indices of records at or below `origin`, in input order) into the
/// order of [`cmp_records`], then input position.
///
/// Comparing [`Name`]s in canonical order means finding label boundaries and lowering
/// letters on every comparison, through two pointers per record: a million-record sort
/// spends seconds in cache misses. Instead each run of records with the same owner gets
/// a key — its labels below the origin, right to left, lowered and escaped so that
/// octet order is canonical order — whose first eight octets sit inline with the run.
/// Runs are sorted by key (most comparisons end on the inline prefix), runs of the same
/// owner meet, and each owner's few records are then sorted by [`cmp_records`].
/// The indices of the records at or below `origin`, in the order of [`cmp_records`]
/// (then input position): what [`ZoneVersion::from_records_ordered`] and the semantic
/// checks (`check::check_records_ordered`) both start from.
pub fn canonical_order_of(origin: &Name, records: &[Record]) -> Vec<u32> {
    let idx = (0..records.len() as u32)
        .filter(|&i| records[i as usize].owner.ends_with(origin))
        .collect();
    canonical_order(origin, records, idx)
}

pub(super) fn canonical_order(origin: &Name, records: &[Record], idx: Vec<u32>) -> Vec<u32> {
    /// Consecutive entries of `idx` with one owner.
    struct Run {
        prefix: u64,
        key_start: u32,
        key_len: u32,
        first: u32,
        len: u32,
    }
    let skip = origin.label_count();
    let mut arena: Vec<u8> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut k = 0usize;
    while k < idx.len() {
        let owner = &records[idx[k] as usize].owner;
        let mut end = k + 1;
        while end < idx.len() && records[idx[end] as usize].owner == *owner {
            end += 1;
        }
        let start = arena.len();
        encode_key(owner, skip, &mut arena);
        let key = &arena[start..];
        let mut prefix = [0u8; 8];
        let n = key.len().min(8);
        prefix[..n].copy_from_slice(&key[..n]);
        runs.push(Run {
            prefix: u64::from_be_bytes(prefix),
            key_start: start as u32,
            key_len: key.len() as u32,
            first: k as u32,
            len: (end - k) as u32,
        });
        k = end;
    }
    let key = |r: &Run| &arena[r.key_start as usize..(r.key_start + r.key_len) as usize];
    runs.sort_unstable_by(|a, b| {
        a.prefix
            .cmp(&b.prefix)
            .then_with(|| key(a).cmp(key(b)))
            .then(a.first.cmp(&b.first))
    });
    let mut out = Vec::with_capacity(idx.len());
    let mut r = 0usize;
    while r < runs.len() {
        let mut end = r + 1;
        while end < runs.len()
            && runs[end].prefix == runs[r].prefix
            && key(&runs[end]) == key(&runs[r])
        {
            end += 1;
        }
        let from = out.len();
        for run in &runs[r..end] {
            out.extend_from_slice(&idx[run.first as usize..(run.first + run.len) as usize]);
        }
        out[from..].sort_unstable_by(|&a, &b| {
            cmp_same_owner(&records[a as usize], &records[b as usize]).then(a.cmp(&b))
        });
        r = end;
    }
    out
}

/// Appends the sort key of `name` without its last `skip` labels (the origin): the
/// remaining labels right to left, letters lowered, each octet 0 written as `0 1` and
/// each label ended by `0 0`, so that comparing keys as octet strings is canonical
/// order (RFC 4034 §6.1) — a shorter label, or fewer labels, first.
fn encode_key(name: &Name, skip: usize, out: &mut Vec<u8>) {
    let labels: Vec<&[u8]> = name.labels().collect();
    let keep = labels.len().saturating_sub(skip);
    for label in labels[..keep].iter().rev() {
        for &b in label.iter() {
            match b.to_ascii_lowercase() {
                0 => out.extend_from_slice(&[0, 1]),
                c => out.push(c),
            }
        }
        out.extend_from_slice(&[0, 0]);
    }
}

/// Reorders `records` so that position `k` holds what was at `order[k]`, in place
/// (cycle by cycle; `order` is used up as the visited marks).
fn permute(records: &mut [Record], order: &mut [u32]) {
    const DONE: u32 = u32::MAX;
    for start in 0..order.len() {
        if order[start] == DONE {
            continue;
        }
        let mut cur = start;
        loop {
            let src = order[cur] as usize;
            order[cur] = DONE;
            if src == start {
                break;
            }
            records.swap(cur, src);
            cur = src;
        }
    }
}

/// Turns a group of records of one owner, in *reverse* canonical order, into a node.
/// Empties `group`.
fn build_node(group: &mut Vec<Record>, hasher: &RandomState, count: &mut usize) -> Node {
    group.reverse();
    let mut rrsets: Vec<RRset> = Vec::new();
    let mut records = group.drain(..);
    let first = records.next().expect("groups are never empty");
    let name = first.owner;
    let mut key = set_key(first.rtype, &first.rdata);
    let mut current = RRset {
        rtype: first.rtype,
        ttl: first.ttl,
        rdatas: vec![first.rdata],
    };
    for r in records {
        let k = set_key(r.rtype, &r.rdata);
        if k != key {
            rrsets.push(finish_set(current, count));
            key = k;
            current = RRset {
                rtype: r.rtype,
                ttl: r.ttl,
                rdatas: vec![r.rdata],
            };
            continue;
        }
        current.ttl = current.ttl.min(r.ttl);
        let last = current.rdatas.last().expect("sets are never empty");
        if canonical_rdata_cmp(r.rtype, last.as_wire(), r.rdata.as_wire()) != Ordering::Equal {
            current.rdatas.push(r.rdata);
        }
    }
    rrsets.push(finish_set(current, count));
    Node::new(name, &rrsets, hasher)
}

fn finish_set(mut set: RRset, count: &mut usize) -> RRset {
    set.rdatas.shrink_to_fit();
    *count += set.rdatas.len();
    set
}

/// Hash of a wire name, case-insensitive (ASCII letters lowered), under `hasher`.
fn hash_wire(hasher: &RandomState, wire: &[u8]) -> u64 {
    let mut h = hasher.build_hasher();
    let mut buf = [0u8; 64];
    for chunk in wire.chunks(64) {
        let lower = &mut buf[..chunk.len()];
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        h.write(lower);
    }
    h.finish()
}

/// Number of labels two names have in common, counted from the root.
fn common_labels(a: &Name, b: &Name) -> usize {
    let (wa, wb) = (a.as_wire(), b.as_wire());
    let (sa, na) = label_starts(wa);
    let (sb, nb) = label_starts(wb);
    (1..=na.min(nb))
        .take_while(|&k| label(wa, sa[na - k]).eq_ignore_ascii_case(label(wb, sb[nb - k])))
        .count()
}

/// The label of wire name `w` that starts at offset `s`.
fn label(w: &[u8], s: u8) -> &[u8] {
    let s = s as usize;
    &w[s + 1..s + 1 + w[s] as usize]
}

/// Start offsets of the labels of a wire name (at most 127 labels), on the stack.
fn label_starts(wire: &[u8]) -> ([u8; 128], usize) {
    let mut starts = [0u8; 128];
    let (mut n, mut pos) = (0usize, 0usize);
    while pos < wire.len() && wire[pos] != 0 && n < starts.len() {
        starts[n] = pos as u8;
        n += 1;
        pos += 1 + wire[pos] as usize;
    }
    (starts, n)
}

//----------- NameIndex --------------------------------------------------------------

/// What an index slot points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// Position in `nodes`.
    Node(usize),
    /// Position in `ents`.
    Ent(usize),
}

/// Open-addressing (linear probing) hash table over the node names and the empty
/// non-terminals of one version: built at most three quarters full ([`slots_for`]),
/// updated up to [`MAX_LOAD_SIXTEENTHS`] sixteenths. A probe compares 8-octet slots, eight to
/// a cache line, and the tag rejects nearly every other name, so a fuller table costs
/// a few more slot reads, not name comparisons: at 0.75, a miss reads ~8 slots on
/// average, about two cache lines. A million names take 8 MiB, not 16.
///
/// A slot is 0 when empty, else `tag << 32 | kind << 31 | (position + 1)`, where `tag`
/// is the high half of the name's hash (so most mismatches are rejected without
/// touching the name) and `kind` is 1 for ENTs. A slot's home (where its probe starts)
/// is taken from its tag, so the table can be updated from the slots alone: a
/// version that adds or removes a few names copies the table, renumbers the
/// positions behind the change in one sequential pass and deletes or inserts only the
/// names that changed ([`NameIndex::updated`]), without reading any node.
#[derive(Debug)]
struct NameIndex {
    slots: Box<[u64]>,
    /// In canonical order.
    ents: Box<[Name]>,
    /// Filled slots.
    len: usize,
}

const ENT_BIT: u64 = 1 << 31;

/// An update may fill the table up to this many sixteenths (a miss then reads ~14
/// slots on average); beyond, it is rebuilt.
const MAX_LOAD_SIXTEENTHS: usize = 13;

/// Slots of a table built for `entries` names: the smallest power of two at most
/// three quarters full (4 at least: a small zone of a super slave's, apex, NS host
/// and a few names, takes 8 slots, 64 octets).
fn slots_for(entries: usize) -> usize {
    (entries * 4).div_ceil(3).next_power_of_two().max(4)
}
/// The low half of a slot being deleted by [`NameIndex::updated`] (no position is
/// this large: see `MAX_ENTRIES`).
const DEAD: u64 = 0x7fff_ffff;

/// How the node names of a version changed in `apply`: where names were inserted and
/// removed. Positions are in the old version's node order; an insertion at `p` goes
/// before the old node at `p`.
#[derive(Debug, Default)]
pub(super) struct Reshape {
    /// (old position, new position) of each inserted node, ascending.
    pub inserted: Vec<(usize, usize)>,
    /// (old position, new position of the node that follows it) of each removed
    /// node, ascending.
    pub removed: Vec<(usize, usize)>,
}

impl Reshape {
    /// The new position of the surviving old node at `old`.
    fn node_position(&self, old: usize) -> usize {
        let ins = self.inserted.partition_point(|&(p, _)| p <= old);
        let rem = self.removed.partition_point(|&(p, _)| p < old);
        old + ins - rem
    }

    fn len(&self) -> usize {
        self.inserted.len() + self.removed.len()
    }
}

/// The empty non-terminals between two neighbours in canonical order, in that order: the
/// ancestors of `cur` that are not ancestors of `prev`, but `cur` itself. None owns
/// records (an ancestor that owns records sorts before `prev` and so is an ancestor
/// of it too); every ENT of a zone is found between exactly one pair of neighbours.
fn ents_between<'a>(prev: &Name, cur: &'a Name) -> impl DoubleEndedIterator<Item = Name> + 'a {
    let common = common_labels(prev, cur);
    let labels = cur.label_count();
    ((common + 1)..labels).map(move |depth| cur.trim_labels(labels - depth))
}

impl NameIndex {
    fn build(nodes: &Nodes, hasher: &RandomState) -> NameIndex {
        let mut ents = Vec::new();
        for (prev, cur) in nodes.iter().zip(nodes.iter_from(1)) {
            ents.extend(ents_between(&prev.name, &cur.name));
        }
        let hashes: Vec<u64> = nodes.iter().map(Node::hash).collect();
        Self::with_parts(&hashes, ents, hasher)
    }

    /// The index of nodes whose name hashes are `hashes` (in node order) and of the
    /// ENTs `ents` (in canonical order).
    fn with_parts(hashes: &[u64], ents: Vec<Name>, hasher: &RandomState) -> NameIndex {
        let entries = hashes.len() + ents.len();
        let size = slots_for(entries);
        let mut index = NameIndex {
            slots: vec![0u64; size].into_boxed_slice(),
            ents: ents.into_boxed_slice(),
            len: 0,
        };
        for (i, &hash) in hashes.iter().enumerate() {
            index.insert(hash, i as u64 + 1);
        }
        for i in 0..index.ents.len() {
            let hash = hash_wire(hasher, index.ents[i].as_wire());
            index.insert(hash, ENT_BIT | (i as u64 + 1));
        }
        index
    }

    /// This index updated for `new`, made from `old` (this index's nodes) by the
    /// insertions and removals of `reshape`; `None` when they are too many for an
    /// update to beat a rebuild or the table would get fuller than [`MAX_LOAD_SIXTEENTHS`].
    ///
    /// The ENTs can only change between the untouched neighbours around each
    /// insertion or removal (see [`ents_between`]): those ranges are recomputed from
    /// the new neighbours, the rest of the sorted list is kept.
    fn updated(
        &self,
        reshape: &Reshape,
        old: &Nodes,
        new: &Nodes,
        hasher: &RandomState,
    ) -> Option<NameIndex> {
        if reshape.len() > 64 + old.len() / 64 {
            return None;
        }
        // Regions of the new order whose neighbour pairs differ from the old ones:
        // [s, e] (new positions, e may be one past the end) around each change,
        // merged when they touch.
        let mut regions: Vec<(usize, usize)> = Vec::new();
        let around = reshape
            .inserted
            .iter()
            .map(|&(_, at)| (at.saturating_sub(1), at + 1))
            .chain(
                reshape
                    .removed
                    .iter()
                    .map(|&(_, at)| (at.saturating_sub(1), at)),
            );
        let mut spans: Vec<(usize, usize)> = around.collect();
        spans.sort_unstable();
        for (s, e) in spans {
            match regions.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => regions.push((s, e)),
            }
        }
        // The new ENT list, and for each region the old ENT indices it replaces and
        // how many it puts there.
        let mut ents: Vec<Name> = Vec::with_capacity(self.ents.len() + 16);
        let mut replaced: Vec<(usize, usize, usize)> = Vec::with_capacity(regions.len());
        let mut kept_to = 0usize;
        for &(s, e) in &regions {
            let left = &new[s].name;
            let right = new.get(e).map(|n| &n.name);
            let lo = kept_to.max(self.ents.partition_point(|x| x <= left));
            let hi = right.map_or(self.ents.len(), |r| self.ents.partition_point(|x| x < r));
            let hi = hi.max(lo);
            ents.extend(self.ents[kept_to..lo].iter().cloned());
            let before = ents.len();
            for i in s + 1..=e.min(new.len() - 1) {
                ents.extend(ents_between(&new[i - 1].name, &new[i].name));
            }
            replaced.push((lo, hi, ents.len() - before));
            kept_to = hi;
        }
        ents.extend(self.ents[kept_to..].iter().cloned());

        let len = new.len() + ents.len();
        if len * 16 > self.slots.len() * MAX_LOAD_SIXTEENTHS {
            return None;
        }
        // The new index of the kept old ENT at `i`.
        let ent_position = |i: usize| -> Option<usize> {
            let r = replaced.partition_point(|&(lo, _, _)| lo <= i);
            let mut at = i as isize;
            for &(lo, hi, put) in &replaced[..r] {
                if i < hi {
                    return None;
                }
                at += put as isize - (hi - lo) as isize;
            }
            Some(at as usize)
        };
        let removed_nodes: Vec<usize> = reshape.removed.iter().map(|&(p, _)| p).collect();
        let mut slots = self.slots.clone();
        for slot in slots.iter_mut().filter(|s| **s != 0) {
            let tag = *slot & 0xffff_ffff_0000_0000;
            *slot = match Self::decode(*slot) {
                Entry::Node(p) if removed_nodes.binary_search(&p).is_ok() => tag | DEAD,
                Entry::Node(p) => tag | (reshape.node_position(p) as u64 + 1),
                Entry::Ent(i) => match ent_position(i) {
                    Some(at) => tag | ENT_BIT | (at as u64 + 1),
                    None => tag | DEAD,
                },
            };
        }
        let mut index = NameIndex {
            slots,
            ents: ents.into_boxed_slice(),
            len: self.len,
        };
        // Out: the removed nodes and the replaced ENTs. In: the inserted nodes and
        // the ENTs of the regions.
        for &p in &removed_nodes {
            index.delete_dead(old[p].hash());
        }
        for &(lo, hi, _) in &replaced {
            for ent in &self.ents[lo..hi] {
                index.delete_dead(hash_wire(hasher, ent.as_wire()));
            }
        }
        for &(_, at) in &reshape.inserted {
            index.insert(new[at].hash(), at as u64 + 1);
        }
        // Where each region's ENTs start in the new list: its old start, moved by
        // what the regions before it grew or shrank.
        let mut moved = 0isize;
        for &(lo, hi, put) in &replaced {
            let start = (lo as isize + moved) as usize;
            for i in start..start + put {
                let hash = hash_wire(hasher, index.ents[i].as_wire());
                index.insert(hash, ENT_BIT | (i as u64 + 1));
            }
            moved += put as isize - (hi - lo) as isize;
        }
        debug_assert_eq!(index.len, len);
        Some(index)
    }

    /// The first slot to probe for `hash`: from its tag (see the type's doc).
    fn home(&self, hash: u64) -> usize {
        (hash >> 32) as usize & (self.slots.len() - 1)
    }

    fn insert(&mut self, hash: u64, value: u64) {
        let mask = self.slots.len() - 1;
        let mut pos = self.home(hash);
        while self.slots[pos] != 0 {
            pos = (pos + 1) & mask;
        }
        self.slots[pos] = (hash & 0xffff_ffff_0000_0000) | value;
        self.len += 1;
    }

    /// Deletes one slot of `hash`'s tag marked [`DEAD`], closing the gap by moving
    /// later slots of the probe run back (no tombstones).
    fn delete_dead(&mut self, hash: u64) {
        let mask = self.slots.len() - 1;
        let want = (hash & 0xffff_ffff_0000_0000) | DEAD;
        let mut i = self.home(hash);
        while self.slots[i] != want {
            if self.slots[i] == 0 {
                debug_assert!(false, "no dead slot for a removed name");
                return;
            }
            i = (i + 1) & mask;
        }
        self.len -= 1;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let slot = self.slots[j];
            if slot == 0 {
                break;
            }
            // `slot` may move back to `i` when its home is not cyclically in (i, j].
            let home = self.home(slot);
            let in_between = if i <= j {
                i < home && home <= j
            } else {
                i < home || home <= j
            };
            if !in_between {
                self.slots[i] = slot;
                i = j;
            }
        }
        self.slots[i] = 0;
    }

    fn lookup(&self, hasher: &RandomState, wire: &[u8], nodes: &Nodes) -> Option<Entry> {
        let hash = hash_wire(hasher, wire);
        let tag = hash >> 32;
        let mask = self.slots.len() - 1;
        let mut pos = self.home(hash);
        loop {
            let slot = self.slots[pos];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let entry = Self::decode(slot);
                if self.name(entry, nodes).as_wire().eq_ignore_ascii_case(wire) {
                    return Some(entry);
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    fn decode(slot: u64) -> Entry {
        let low = slot & 0xffff_ffff;
        let pos = (low & !ENT_BIT) as usize - 1;
        if low & ENT_BIT != 0 {
            Entry::Ent(pos)
        } else {
            Entry::Node(pos)
        }
    }

    fn name<'a>(&'a self, entry: Entry, nodes: &'a Nodes) -> &'a Name {
        match entry {
            Entry::Node(i) => &nodes[i].name,
            Entry::Ent(i) => &self.ents[i],
        }
    }

    fn approx_bytes(&self) -> usize {
        self.slots.len() * size_of::<u64>()
            + self
                .ents
                .iter()
                .map(|n| size_of::<Name>() + 2 * size_of::<usize>() + n.wire_len())
                .sum::<usize>()
    }
}

//============ Errors ================================================================

/// Why records do not make a valid version of a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// No SOA record at the apex.
    #[error("no SOA record at the zone apex")]
    MissingSoa,
    /// More than one (distinct) SOA record at the apex.
    #[error("{count} SOA records at the zone apex (exactly one is allowed)")]
    MultipleSoa {
        /// How many.
        count: usize,
    },
    /// An SOA record below the apex.
    #[error("SOA record at {owner}, which is not the zone apex")]
    SoaNotAtApex {
        /// Its owner.
        owner: Name,
    },
    /// The SOA RDATA is malformed.
    #[error("bad SOA record: {0}")]
    BadSoa(SoaError),
    /// A record outside the zone.
    #[error("record at {owner} is outside the zone")]
    OutOfZone {
        /// Its owner.
        owner: Name,
    },
    /// A record of another class than the zone's.
    #[error("record at {owner} has class {class}, not the zone's")]
    WrongClass {
        /// Its owner.
        owner: Name,
        /// Its class.
        class: Class,
    },
    /// RDATA longer than RDLENGTH can say (65535 octets).
    #[error("{rtype} record at {owner}: RDATA longer than 65535 octets")]
    RdataTooLong {
        /// Its owner.
        owner: Name,
        /// Its type.
        rtype: Rtype,
    },
    /// A meta type (OPT, TSIG, AXFR, …) as zone data.
    #[error("{rtype} record at {owner}: meta types cannot be zone data")]
    MetaType {
        /// Its owner.
        owner: Name,
        /// Its type.
        rtype: Rtype,
    },
    /// More records than the index can address.
    #[error("zone too large")]
    TooLarge,
}

//============ Tests =================================================================

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Hand-built records for tests (the parser is tested elsewhere).
    pub(crate) mod rr {
        use super::*;
        use crate::zone::soa::Soa;

        pub fn n(s: &str) -> Name {
            s.parse().unwrap()
        }

        pub fn rec(owner: &str, rtype: Rtype, ttl: u32, rdata: Vec<u8>) -> Record {
            Record::new(n(owner), Class::IN, rtype, ttl, Rdata::from_wire(rdata))
        }

        pub fn a(owner: &str, addr: [u8; 4]) -> Record {
            rec(owner, Rtype::A, 300, addr.to_vec())
        }

        pub fn aaaa(owner: &str, last: u8) -> Record {
            let mut v = vec![0x20, 0x01, 0x0d, 0xb8];
            v.extend([0; 11]);
            v.push(last);
            rec(owner, Rtype::AAAA, 300, v)
        }

        pub fn name_rdata(rtype: Rtype, owner: &str, target: &str) -> Record {
            rec(owner, rtype, 300, n(target).as_wire().to_vec())
        }

        pub fn ns(owner: &str, target: &str) -> Record {
            name_rdata(Rtype::NS, owner, target)
        }

        pub fn cname(owner: &str, target: &str) -> Record {
            name_rdata(Rtype::CNAME, owner, target)
        }

        pub fn dname(owner: &str, target: &str) -> Record {
            name_rdata(Rtype::DNAME, owner, target)
        }

        pub fn mx(owner: &str, pref: u16, target: &str) -> Record {
            let mut v = pref.to_be_bytes().to_vec();
            v.extend_from_slice(n(target).as_wire());
            rec(owner, Rtype::MX, 300, v)
        }

        pub fn srv(owner: &str, port: u16, target: &str) -> Record {
            let mut v = vec![0, 10, 0, 5];
            v.extend(port.to_be_bytes());
            v.extend_from_slice(n(target).as_wire());
            rec(owner, Rtype::SRV, 300, v)
        }

        pub fn txt(owner: &str, text: &str) -> Record {
            let mut v = vec![text.len() as u8];
            v.extend(text.as_bytes());
            rec(owner, Rtype::TXT, 300, v)
        }

        pub fn rrsig(owner: &str, covered: Rtype, ttl: u32, tag: u8) -> Record {
            let mut v = covered.0.to_be_bytes().to_vec();
            v.extend([8, 2, 0, 0, 1, 44, 0, 0, 0, 1, 0, 0, 0, 0, 0, tag]);
            v.extend_from_slice(n(owner).as_wire());
            v.extend([1, 2, 3, 4]);
            rec(owner, Rtype::RRSIG, ttl, v)
        }

        pub fn soa_timers(
            owner: &str,
            serial: u32,
            refresh: u32,
            retry: u32,
            expire: u32,
        ) -> Record {
            let soa = Soa {
                mname: n("ns1.example.com."),
                rname: n("hostmaster.example.com."),
                serial,
                refresh,
                retry,
                expire,
                minimum: 300,
            };
            rec(owner, Rtype::SOA, 3600, soa.to_rdata().as_wire().to_vec())
        }

        pub fn soa(owner: &str, serial: u32) -> Record {
            soa_timers(owner, serial, 3600, 600, 1_209_600)
        }

        pub fn with_ttl(mut r: Record, ttl: u32) -> Record {
            r.ttl = ttl;
            r
        }
    }

    use rr::*;

    fn sample() -> Vec<Record> {
        vec![
            soa("example.com.", 1),
            ns("example.com.", "ns1.example.com."),
            ns("example.com.", "ns2.example.net."),
            a("ns1.example.com.", [192, 0, 2, 1]),
            a("www.example.com.", [192, 0, 2, 10]),
            a("www.example.com.", [192, 0, 2, 11]),
            aaaa("www.example.com.", 10),
            mx("example.com.", 10, "mail.example.com."),
            a("mail.example.com.", [192, 0, 2, 25]),
            ns("sub.example.com.", "ns.sub.example.com."),
            a("ns.sub.example.com.", [192, 0, 2, 53]),
            a("host.deep.ent.example.com.", [192, 0, 2, 99]),
            txt("*.wild.example.com.", "wild"),
        ]
    }

    fn zone(records: Vec<Record>) -> ZoneVersion {
        ZoneVersion::from_records(n("example.com."), Class::IN, records).unwrap()
    }

    #[test]
    fn a_node_is_a_16_octet_handle() {
        // Chunks hold nodes by value; records hold names: the layout's point.
        assert_eq!((size_of::<Node>(), size_of::<Name>()), (16, 16));
        let z = zone(sample());
        let apex = z.apex();
        assert_eq!(apex.hash(), hash_wire(&z.hasher, z.origin().as_wire()));
        assert_eq!(apex.name(), z.origin());
        assert!(apex.rrset(Rtype::SOA).is_some());
    }

    #[test]
    fn index_sizes() {
        // (entries, slots): at most three quarters full, a power of two, 4 at least.
        for (entries, slots) in [
            (0, 4),
            (3, 4),
            (4, 8),
            (12, 16),
            (13, 32),
            (740_000, 1 << 20),
            (786_432, 1 << 20),
            (786_433, 1 << 21),
        ] {
            assert_eq!(slots_for(entries), slots, "{entries}");
        }
    }

    #[test]
    fn builds_and_counts() {
        let z = zone(sample());
        assert_eq!(z.record_count(), 13);
        assert_eq!(z.serial(), 1);
        assert_eq!(z.soa().len(), 1);
        assert_eq!(z.apex().name(), &n("example.com."));
        assert_eq!(
            z.get(&n("WWW.example.com."))
                .unwrap()
                .rrset(Rtype::A)
                .unwrap()
                .len(),
            2
        );
        assert!(z.get(&n("nope.example.com.")).is_none());
        assert!(z.approx_bytes() > 0);
    }

    #[test]
    fn canonical_iteration() {
        let z = zone(sample());
        let records: Vec<Record> = z.iter().map(|r| r.to_record()).collect();
        let mut sorted = records.clone();
        sorted.sort_by(cmp_records);
        assert_eq!(records, sorted);
        assert_eq!(records[0].owner, n("example.com."));
        assert_eq!(records.len(), z.record_count());
        assert_eq!(z.records(), records);
    }

    #[test]
    fn duplicates_dropped_and_lowest_ttl_kept() {
        let mut recs = sample();
        recs.push(with_ttl(a("www.example.com.", [192, 0, 2, 10]), 60));
        recs.push(with_ttl(a("WWW.example.com.", [192, 0, 2, 12]), 900));
        recs.push(name_rdata(Rtype::NS, "example.com.", "NS1.example.com."));
        let z = zone(recs);
        let www = z
            .get(&n("www.example.com."))
            .unwrap()
            .rrset(Rtype::A)
            .unwrap();
        assert_eq!(www.len(), 3);
        assert_eq!(www.ttl, 60);
        assert_eq!(z.apex().rrset(Rtype::NS).unwrap().len(), 2);
        assert_eq!(z.record_count(), 14);
    }

    #[test]
    fn input_order_does_not_matter() {
        let a1 = zone(sample());
        let mut rev = sample();
        rev.reverse();
        let a2 = zone(rev);
        assert_eq!(a1, a2);
        assert_eq!(a1.records(), a2.records());
    }

    #[test]
    fn rrsigs_grouped_by_covered_type() {
        let mut recs = sample();
        recs.push(rrsig("www.example.com.", Rtype::A, 300, 1));
        recs.push(rrsig("www.example.com.", Rtype::AAAA, 3600, 2));
        recs.push(rrsig("www.example.com.", Rtype::A, 300, 3));
        let z = zone(recs);
        let www = z.get(&n("www.example.com.")).unwrap();
        assert_eq!(www.rrsig_covering(Rtype::A).unwrap().len(), 2);
        assert_eq!(www.rrsig_covering(Rtype::A).unwrap().ttl, 300);
        assert_eq!(www.rrsig_covering(Rtype::AAAA).unwrap().ttl, 3600);
        assert_eq!(www.rrset(Rtype::RRSIG).unwrap().covered(), Some(Rtype::A));
        assert!(www.rrsig_covering(Rtype::MX).is_none());
    }

    #[test]
    fn empty_non_terminals_exist() {
        let z = zone(sample());
        assert_eq!(
            z.empty_non_terminals(),
            &[
                n("ent.example.com."),
                n("deep.ent.example.com."),
                n("wild.example.com.")
            ]
        );
        assert!(z.exists(&n("ent.example.com.")));
        assert!(z.exists(&n("DEEP.ent.example.com.")));
        assert!(z.exists(&n("www.example.com.")));
        assert!(!z.exists(&n("x.ent.example.com.")));
        assert!(z.get(&n("ent.example.com.")).is_none());
    }

    #[test]
    fn closest_encloser_and_wildcards() {
        let z = zone(sample());
        assert_eq!(
            z.closest_encloser(&n("www.example.com.")),
            (n("www.example.com."), true)
        );
        assert_eq!(
            z.closest_encloser(&n("a.b.www.example.com.")),
            (n("www.example.com."), false)
        );
        assert_eq!(
            z.closest_encloser(&n("x.deep.ent.example.com.")),
            (n("deep.ent.example.com."), false)
        );
        assert_eq!(
            z.closest_encloser(&n("ent.example.com.")),
            (n("ent.example.com."), true)
        );
        assert_eq!(
            z.closest_encloser(&n("nope.example.com.")),
            (n("example.com."), false)
        );
        assert_eq!(
            z.closest_encloser(&n("example.com.")),
            (n("example.com."), true)
        );
        assert_eq!(
            z.closest_encloser(&n("example.org.")),
            (n("example.com."), false)
        );
        let (enc, exact) = z.closest_encloser(&n("foo.wild.example.com."));
        assert!(!exact);
        let wild = z.wildcard_at(&enc).unwrap();
        assert_eq!(wild.name(), &n("*.wild.example.com."));
        assert!(z.wildcard_at(&n("example.com.")).is_none());
    }

    #[test]
    fn cuts() {
        let z = zone(sample());
        let (cut, ns) = z.find_cut(&n("ns.sub.example.com.")).unwrap();
        assert_eq!(cut, &n("sub.example.com."));
        assert_eq!(ns.len(), 1);
        assert_eq!(
            z.find_cut(&n("sub.example.com.")).unwrap().0,
            &n("sub.example.com.")
        );
        assert_eq!(
            z.find_cut(&n("a.b.c.sub.example.com.")).unwrap().0,
            &n("sub.example.com.")
        );
        assert!(z.find_cut(&n("www.example.com.")).is_none());
        // The apex NS is not a cut.
        assert!(z.find_cut(&n("example.com.")).is_none());
        assert!(z.find_cut(&n("x.example.org.")).is_none());
    }

    #[test]
    fn highest_cut_wins() {
        let mut recs = sample();
        recs.push(ns("deeper.sub.example.com.", "ns.example.net."));
        let z = zone(recs);
        assert_eq!(
            z.find_cut(&n("x.deeper.sub.example.com.")).unwrap().0,
            &n("sub.example.com.")
        );
    }

    #[test]
    fn errors() {
        let origin = n("example.com.");
        let build = |recs| ZoneVersion::from_records(origin.clone(), Class::IN, recs);
        assert_eq!(
            build(vec![a("www.example.com.", [1, 2, 3, 4])]),
            Err(VersionError::MissingSoa)
        );
        assert_eq!(build(vec![]), Err(VersionError::MissingSoa));
        assert_eq!(
            build(vec![soa("example.com.", 1), soa("example.com.", 2)]),
            Err(VersionError::MultipleSoa { count: 2 })
        );
        // The same SOA twice is a duplicate, not two SOAs.
        assert!(build(vec![soa("example.com.", 1), soa("example.com.", 1)]).is_ok());
        assert_eq!(
            build(vec![soa("example.com.", 1), soa("sub.example.com.", 1)]),
            Err(VersionError::SoaNotAtApex {
                owner: n("sub.example.com.")
            })
        );
        assert_eq!(
            build(vec![
                soa("example.com.", 1),
                a("www.example.org.", [1, 2, 3, 4])
            ]),
            Err(VersionError::OutOfZone {
                owner: n("www.example.org.")
            })
        );
        let mut ch = a("www.example.com.", [1, 2, 3, 4]);
        ch.class = Class::CH;
        assert!(matches!(
            build(vec![soa("example.com.", 1), ch]),
            Err(VersionError::WrongClass { .. })
        ));
        let opt = rec("example.com.", Rtype::OPT, 0, vec![]);
        assert!(matches!(
            build(vec![soa("example.com.", 1), opt]),
            Err(VersionError::MetaType { .. })
        ));
        // RDLENGTH is 16 bits: 65535 octets fit, one more does not.
        let most = rec("example.com.", Rtype::NULL, 0, vec![7; 65535]);
        let z = build(vec![soa("example.com.", 1), most]).unwrap();
        let null = z.apex().rrset(Rtype::NULL).unwrap();
        assert_eq!(null.first().map(<[u8]>::len), Some(65535));
        let over = rec("example.com.", Rtype::NULL, 0, vec![7; 65536]);
        assert!(matches!(
            build(vec![soa("example.com.", 1), over]),
            Err(VersionError::RdataTooLong { .. })
        ));
        let bad = rec("example.com.", Rtype::SOA, 0, vec![0, 0, 1]);
        assert!(matches!(build(vec![bad]), Err(VersionError::BadSoa(_))));
    }

    #[test]
    fn fast_canonical_order_matches_the_comparator() {
        let labels = [
            "a",
            "A",
            "b",
            "\\000",
            "\\000\\000",
            "a\\000",
            "z",
            "zz",
            "*",
            "\\255",
            "-",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        let mut recs = Vec::new();
        for _ in 0..2000 {
            let depth = next(4);
            let mut owner = String::new();
            for _ in 0..depth {
                owner.push_str(labels[next(labels.len())]);
                owner.push('.');
            }
            owner.push_str(if next(5) == 0 {
                "EXAMPLE.com."
            } else {
                "example.com."
            });
            let r = match next(3) {
                0 => a(&owner, [0, 0, 0, next(3) as u8]),
                1 => with_ttl(mx(&owner, 10, ["m.x.", "M.x.", "n.x."][next(3)]), 60),
                _ => rrsig(&owner, [Rtype::A, Rtype::MX][next(2)], 300, next(2) as u8),
            };
            recs.push(r);
        }
        let origin = n("example.com.");
        let fast = canonical_order(&origin, &recs, (0..recs.len() as u32).collect());
        let mut slow: Vec<u32> = (0..recs.len() as u32).collect();
        slow.sort_by(|&a, &b| cmp_records(&recs[a as usize], &recs[b as usize]).then(a.cmp(&b)));
        assert_eq!(fast, slow);
        let mut permuted = recs.clone();
        let mut order = fast.clone();
        permute(&mut permuted, &mut order);
        for (k, &i) in fast.iter().enumerate() {
            assert_eq!(permuted[k], recs[i as usize]);
        }
    }

    #[test]
    fn many_nodes_index() {
        let mut recs = vec![soa("example.com.", 1)];
        for i in 0..5000u32 {
            let b = i.to_be_bytes();
            recs.push(a(&format!("h{i}.g{}.example.com.", i % 37), b));
        }
        let z = zone(recs);
        assert_eq!(z.record_count(), 5001);
        for i in (0..5000u32).step_by(7) {
            let name = n(&format!("H{i}.g{}.example.com.", i % 37));
            assert!(z.get(&name).is_some(), "{name}");
            assert!(!z.exists(&n(&format!("x{i}.g{}.example.com.", i % 37))));
        }
        assert_eq!(z.empty_non_terminals().len(), 37);
    }
}
