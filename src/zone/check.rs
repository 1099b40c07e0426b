//! Semantic checks of zone data: what `zonesync check` reports beyond syntax, and what
//! `serve` logs when it loads a primary zone.
//!
//! Input is the parser's output shape — the records of one zone and their positions in
//! the files (parallel slices) — so every finding points at the line of the offending
//! record. Output is a list of [`Finding`]s in file order. The checks are the union of
//! the defaults of BIND's `named-checkzone`, the mandatory checks of Knot's
//! `kzonecheck` and `pdnsutil check-zone`; the severities:
//! errors make a zone unservable or wrong, warnings are what peers disagree on or what
//! merely smells.
//!
//! | code | severity | what |
//! |---|---|---|
//! | `out-of-zone` | error | a record not at or below the origin |
//! | `soa-count` | error | no SOA, or more than one, at the apex |
//! | `soa-not-at-apex` | error | an SOA below the apex |
//! | `no-apex-ns` | error | no NS RRset at the apex |
//! | `cname-at-apex` | error | a CNAME at the apex |
//! | `cname-and-other-data` | error | a CNAME beside other types (RRSIG, NSEC, NSEC3 allowed) |
//! | `multiple-cname` | error | more than one CNAME at a name |
//! | `dname-descendants` | error | data below a DNAME |
//! | `multiple-dname` | error | more than one DNAME at a name |
//! | `dname-and-ns` | error | a DNAME beside NS records below the apex |
//! | `missing-glue` | error | an in-zone NS target without A/AAAA records |
//! | `occluded` | warning | data below a delegation that is not glue |
//! | `target-is-cname` | warning | an MX, SRV or NS target that is a CNAME |
//! | `missing-address` | warning | an in-zone MX or SRV target without A/AAAA records |
//! | `ttl-mismatch` | warning | records of one RRset with different TTLs |
//! | `duplicate` | warning | the same record twice |
//! | `soa-timers` | warning | retry ≥ refresh, expire ≤ refresh, expire < refresh + retry |
//! | `ds-at-apex` | warning | a DS record at the apex (it belongs in the parent) |
//! | `non-terminal-wildcard` | warning | a `*` label that is not the leftmost |
//! | `bad-hostname` | warning | an A/AAAA owner or NS/MX/SRV target that is not a host name |
//!
//! Cost: one pass over the records in file order (zone membership, and the target of
//! every NS, MX and SRV record: none, the root, out of zone, or an in-zone name kept
//! once in a small table); one sort of record indices in canonical order (n log n;
//! none when the caller has the order, as `serve` does); then one pass over the
//! records in that order that groups them by owner, flags each owner (types present,
//! apex, wildcard, host name, glue) and places it below its cut and DNAME, and
//! resolves the targets that name it. The later passes read those compact arrays
//! and go back to a record only when a check needs its data (sets of more than one
//! record, findings). The records sit in file order, so each read of one in
//! canonical order is a cache miss: those reads are what the checks cost. An index
//! of every owner by name is built only for the lookups of a target that does not
//! exist (its ancestors, its wildcard). Extra memory is about 10 octets per record
//! and 20 per owner; the records are not copied.
//!
//! # Standards
//! - RFC 1035 §5.2: "Exactly one SOA RR should be present at the top of the zone."
//!   RFC 1034 §4.2.1: the top node of a zone holds its SOA and the NS RRs naming its
//!   servers.
//! - RFC 1034 §3.6.2: "If a CNAME RR is present at a node, no other data should be
//!   present"; RFC 2181 §10.1: for any name "exactly one of the following is true: one
//!   CNAME record exists, optionally accompanied by SIG, NXT, and KEY RRs, one or more
//!   records exist, none being CNAME records, …" — with DNSSEC (RFC 4035 §2.5, RFC
//!   5155) RRSIG, NSEC and NSEC3 take those places.
//! - RFC 6672 §2.4: "Resource records MUST NOT exist at any subdomain of the owner of
//!   a DNAME RR." Knot's mandatory checks also refuse two DNAMEs at one name and a
//!   DNAME beside NS below the apex (a DNAME at a delegation point).
//! - RFC 1034 §4.2.1: data below a zone cut belongs to the child zone; the parent
//!   holds the NS RRs of the cut and, for name servers named below it, their
//!   addresses ("glue"). RFC 9471: in-domain glue must be sent with referrals, so it
//!   must be in the zone.
//! - RFC 2181 §10.3: "The domain name used as the value of a NS resource record, or
//!   part of the value of a MX resource record must not be an alias." RFC 2782, of the
//!   SRV target: "There MUST be one or more address records for this name, the name
//!   MUST NOT be an alias".
//! - RFC 2181 §5.2: "the TTLs of all RRs in an RRSet must be the same"; RFC 4034 §3
//!   exempts RRSIGs covering different types, which are compared per covered type.
//! - RFC 2181 §5: an RRset has no duplicate records.
//! - RFC 1912 §2.2: retry below refresh, expire well above refresh plus retry.
//! - RFC 4592 §2.1.1: a wildcard is a name whose *leftmost* label is `*`.
//! - RFC 952 / RFC 1123 §2.1: host names are letters, digits and hyphens, neither
//!   starting nor ending with a hyphen (BIND's `check-names`).
//!
//! # Limitations
//! - Only the data of this zone is seen: targets outside it are not resolved, and
//!   sibling zones served elsewhere are not consulted.
//! - DNSSEC content (signature validity, NSEC/NSEC3 chains) is not checked.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::diag::{Finding, Pos, Severity};
use super::name::{Name, wire_ends_with};
use super::parse::ParsedZone;
use super::record::{Record, Rtype};
use super::rrset::{canonical_rdata_cmp, rdata_eq, rdata_target_wire, set_key};
use super::soa::Soa;
use super::version::canonical_order;

//----------- Entry points -----------------------------------------------------------

/// Checks a parsed zone file: its records, with findings at their positions.
pub fn check_zone(zone: &ParsedZone) -> Vec<Finding> {
    check_records(&zone.origin, &zone.records, &zone.positions)
}

/// Checks the records of the zone `origin`. `positions[i]` is where `records[i]` was
/// read (missing positions, e.g. for records from a transfer, give findings without
/// one). Findings come in file order, those without a position first.
///
/// At most [`MAX_PER_CODE`] findings of one code are kept (a wrong origin makes every
/// record out of zone); one more finding, without a position, says how many were left
/// out.
pub fn check_records(origin: &Name, records: &[Record], positions: &[Pos]) -> Vec<Finding> {
    check_records_ordered(origin, records, positions, None)
}

/// [`check_records`] with the canonical order of the in-zone records already known
/// (`version::canonical_order_of`), so that a caller that also builds the zone's
/// version sorts once.
pub fn check_records_ordered(
    origin: &Name,
    records: &[Record],
    positions: &[Pos],
    order: Option<&[u32]>,
) -> Vec<Finding> {
    let mut c = Checker {
        origin,
        records,
        positions,
        out: Vec::new(),
        counts: Vec::new(),
    };
    c.run(order);
    let mut out = c.out;
    out.sort_by_key(|(at, _)| *at);
    let mut findings: Vec<Finding> = out.into_iter().map(|(_, f)| f).collect();
    for (code, severity, count) in c.counts {
        if count > MAX_PER_CODE {
            let more = count - MAX_PER_CODE;
            let message = format!("{more} more {code} findings not shown");
            findings.push(Finding {
                severity,
                pos: None,
                code,
                message,
            });
        }
    }
    findings
}

/// Findings of one code kept by [`check_records`]; the rest are counted.
pub const MAX_PER_CODE: usize = 1000;

/// Where a finding sorts: before every record (no position), or at a record index.
type SortKey = Option<usize>;

/// Owner-group flags.
const F_ADDR: u16 = 1;
const F_CNAME: u16 = 1 << 1;
const F_NS: u16 = 1 << 2;
const F_DNAME: u16 = 1 << 3;
const F_MX_SRV: u16 = 1 << 4;
/// The target of an in-zone NS record (its A/AAAA records are glue).
const F_GLUE: u16 = 1 << 5;
/// An SOA record.
const F_SOA: u16 = 1 << 6;
/// The owner is the zone apex.
const F_APEX: u16 = 1 << 7;
/// A `*` label that is not the leftmost.
const F_INNER_WILDCARD: u16 = 1 << 8;
/// Not a host name (RFC 952, RFC 1123 §2.1; a leftmost `*` allowed).
const F_NOT_HOST: u16 = 1 << 9;

/// No owner (in [`Owner::cut`] and [`Owner::dname`]).
const NONE: u32 = u32::MAX;

/// The records of one owner: a range of the sorted index, and where the owner sits.
#[derive(Clone, Copy)]
struct Owner {
    start: u32,
    end: u32,
    /// The highest delegation point at or above this owner (below the apex), as a
    /// position in `Tree::owners`, or [`NONE`].
    cut: u32,
    /// The highest DNAME owner strictly above this owner, or [`NONE`].
    dname: u32,
    flags: u16,
}

/// The names NS, MX and SRV records point to, gathered in one pass over the records
/// in file order (memory order), so that the passes in canonical order need not read
/// a record to know its target.
struct Targets {
    /// Per record: [`T_NONE`], [`T_ROOT`], [`T_OUT`], [`T_OUT_NOT_HOST`], or the id of
    /// an in-zone target, with [`T_NOT_HOST`] set when it is not a host name.
    status: Vec<u32>,
    /// The in-zone targets by id.
    names: Vec<TargetName>,
    /// Target ids by name ([`wire_hash`]).
    by_name: HashTable<u32>,
    /// The targets' names in wire form, one after the other.
    arena: Vec<u8>,
}

/// No target (not NS, MX or SRV, or malformed RDATA).
const T_NONE: u32 = u32::MAX;
/// The root: a null MX (RFC 7505), a "no service" SRV (RFC 2782).
const T_ROOT: u32 = u32::MAX - 1;
/// Outside the zone.
const T_OUT: u32 = u32::MAX - 2;
/// Outside the zone, and not a host name.
const T_OUT_NOT_HOST: u32 = u32::MAX - 3;
/// Flag on an in-zone target id: not a host name.
const T_NOT_HOST: u32 = 1 << 31;

/// One in-zone target.
#[derive(Clone, Copy)]
struct TargetName {
    /// Its bytes in [`Targets::arena`].
    start: u32,
    len: u8,
    /// Some NS record names it (its A/AAAA records are glue).
    ns: bool,
    /// The position of the owner of that name, or [`NONE`].
    owner: u32,
}

impl Targets {
    fn new(records: usize) -> Targets {
        Targets {
            status: Vec::with_capacity(records),
            names: Vec::new(),
            by_name: HashTable::new(),
            arena: Vec::new(),
        }
    }

    fn wire(&self, id: u32) -> &[u8] {
        let t = &self.names[id as usize];
        &self.arena[t.start as usize..t.start as usize + t.len as usize]
    }

    /// The id of the target `wire`, if it is one.
    fn find(&self, hasher: &foldhash::fast::RandomState, wire: &[u8]) -> Option<u32> {
        let hash = wire_hash(hasher, wire);
        self.by_name
            .find(hash, |&id| self.wire(id).eq_ignore_ascii_case(wire))
            .copied()
    }

    /// The status of a record (see [`Targets::status`]), adding its target if new.
    fn add(&mut self, hasher: &foldhash::fast::RandomState, origin: &Name, r: &Record) -> u32 {
        if !matches!(r.rtype, Rtype::NS | Rtype::MX | Rtype::SRV) {
            return T_NONE;
        }
        let Some(wire) = rdata_target_wire(r.rtype, &r.rdata) else {
            return T_NONE;
        };
        if wire == [0] {
            return T_ROOT;
        }
        let host = is_hostname_wire(wire, false);
        if !wire_ends_with(wire, origin.as_wire()) {
            return if host { T_OUT } else { T_OUT_NOT_HOST };
        }
        let id = match self.find(hasher, wire) {
            Some(id) => id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(TargetName {
                    start: self.arena.len() as u32,
                    len: wire.len() as u8,
                    ns: false,
                    owner: NONE,
                });
                self.arena.extend_from_slice(wire);
                let hash = wire_hash(hasher, wire);
                let Targets {
                    by_name,
                    names,
                    arena,
                    ..
                } = self;
                by_name.insert_unique(hash, id, |&j| {
                    let t = &names[j as usize];
                    wire_hash(hasher, &arena[t.start as usize..][..t.len as usize])
                });
                id
            }
        };
        if r.rtype == Rtype::NS {
            self.names[id as usize].ns = true;
        }
        if host { id } else { id | T_NOT_HOST }
    }
}

/// Where the walk in canonical order is: the cut and the DNAME above the current
/// owner. Canonical order lists a name's descendants right after it, so one running
/// "current cut" and "current DNAME" suffice.
struct Place {
    cut: u32,
    dname: u32,
}

impl Place {
    /// Places owner `k` (its flags complete) below the cut and DNAME in force.
    fn close(&mut self, k: usize, owners: &mut [Owner], names: &[&Name]) {
        let owner = names[k];
        if self.cut != NONE && !owner.ends_with(names[self.cut as usize]) {
            self.cut = NONE;
        }
        if self.dname != NONE && !owner.is_below(names[self.dname as usize]) {
            self.dname = NONE;
        }
        let o = &mut owners[k];
        if self.cut == NONE && o.flags & F_NS != 0 && o.flags & F_APEX == 0 {
            self.cut = k as u32;
        }
        o.cut = self.cut;
        o.dname = self.dname;
        if self.dname == NONE && o.flags & F_DNAME != 0 {
            self.dname = k as u32;
        }
    }
}

struct Checker<'a> {
    origin: &'a Name,
    records: &'a [Record],
    positions: &'a [Pos],
    out: Vec<(SortKey, Finding)>,
    /// Findings made per code (kept or not), in order of first appearance.
    counts: Vec<(&'static str, Severity, usize)>,
}

/// The in-zone records in canonical order, grouped by owner.
struct Tree<'o> {
    /// Record indices, sorted by owner, type, RDATA, then input position (the
    /// caller's order when it has one, else our own).
    order: Cow<'o, [u32]>,
    /// The type of each record of `order`, at the same position.
    types: Vec<Rtype>,
    /// Owner groups over `order`, in canonical order of their names.
    owners: Vec<Owner>,
    /// What the targets pass needs of every record, by record index (file order).
    targets: Targets,
    /// Every owner's position, by name: built on the first lookup of a name that is
    /// not a target (the ancestors and wildcard of a target that does not exist).
    index: OnceCell<HashTable<u32>>,
    /// The hasher of `targets` and `index` ([`wire_hash`]).
    hasher: foldhash::fast::RandomState,
}

impl<'a> Checker<'a> {
    fn pos(&self, i: usize) -> Option<Pos> {
        self.positions.get(i).cloned()
    }

    fn error(&mut self, at: Option<usize>, code: &'static str, message: String) {
        self.push(at, Severity::Error, code, message);
    }

    fn warning(&mut self, at: Option<usize>, code: &'static str, message: String) {
        self.push(at, Severity::Warning, code, message);
    }

    fn push(&mut self, at: Option<usize>, severity: Severity, code: &'static str, message: String) {
        let count = match self.counts.iter_mut().find(|(c, _, _)| *c == code) {
            Some((_, _, n)) => n,
            None => {
                self.counts.push((code, severity, 0));
                &mut self.counts.last_mut().expect("pushed above").2
            }
        };
        *count += 1;
        if *count > MAX_PER_CODE {
            return;
        }
        let pos = at.and_then(|i| self.pos(i));
        self.out.push((
            at,
            Finding {
                severity,
                pos,
                code,
                message,
            },
        ));
    }

    fn rec(&self, i: u32) -> &'a Record {
        &self.records[i as usize]
    }

    fn run(&mut self, sorted: Option<&[u32]>) {
        let origin = self.origin;
        let mut order = Vec::with_capacity(self.records.len());
        // Records of one owner come in runs sharing the name's bytes: one suffix test
        // a run.
        let mut last: Option<(&Name, bool)> = None;
        let hasher = foldhash::fast::RandomState::default();
        let mut targets = Targets::new(self.records.len());
        for (i, r) in self.records.iter().enumerate() {
            let inside = match last {
                Some((owner, inside)) if owner.shares_bytes(&r.owner) => inside,
                _ => r.owner.ends_with(origin),
            };
            last = Some((&r.owner, inside));
            // File order reads the records in memory order: the targets are
            // gathered here, not in the walks in canonical order.
            let status = if inside {
                targets.add(&hasher, origin, r)
            } else {
                T_NONE
            };
            targets.status.push(status);
            if inside {
                order.push(i as u32);
            } else {
                self.error(
                    Some(i),
                    "out-of-zone",
                    format!("out-of-zone data at {} (the zone is {origin})", r.owner),
                );
            }
        }
        let order = match sorted {
            Some(sorted) if sorted.len() == order.len() => Cow::Borrowed(sorted),
            _ => Cow::Owned(canonical_order(origin, self.records, order)),
        };
        let tree = self.group(order, targets, hasher);
        self.per_owner(&tree);
        self.apex(&tree);
        self.tree_walk(&tree);
        self.targets(&tree);
    }

    /// Groups the sorted index by owner and computes each owner's flags, place
    /// (cut, DNAME) and index entry: one pass over the records in canonical order,
    /// which is the only pass that reads every record (the records sit in file order,
    /// so each read in canonical order is a cache miss; the later passes read the
    /// compact `types` and `owners` and go to the records only where a check needs
    /// their data).
    fn group<'o>(
        &self,
        order: Cow<'o, [u32]>,
        mut targets: Targets,
        hasher: foldhash::fast::RandomState,
    ) -> Tree<'o> {
        let mut owners: Vec<Owner> = Vec::new();
        let mut names: Vec<&'a Name> = Vec::new();
        let mut types: Vec<Rtype> = Vec::with_capacity(order.len());
        let mut place = Place {
            cut: NONE,
            dname: NONE,
        };
        for (k, &i) in order.iter().enumerate() {
            let r = self.rec(i);
            types.push(r.rtype);
            if names.last().is_none_or(|&n| *n != r.owner) {
                if let Some(last) = owners.len().checked_sub(1) {
                    place.close(last, &mut owners, &names);
                }
                let owner = &r.owner;
                let mut flags = 0;
                if owner == self.origin {
                    flags |= F_APEX;
                }
                let inner_wildcard = owner.labels().skip(1).any(|l| l == b"*");
                if inner_wildcard {
                    flags |= F_INNER_WILDCARD;
                } else if !is_hostname(owner, true) {
                    flags |= F_NOT_HOST;
                }
                if !targets.names.is_empty()
                    && let Some(id) = targets.find(&hasher, owner.as_wire())
                {
                    let t = &mut targets.names[id as usize];
                    t.owner = owners.len() as u32;
                    if t.ns {
                        flags |= F_GLUE;
                    }
                }
                owners.push(Owner {
                    start: k as u32,
                    end: k as u32,
                    cut: NONE,
                    dname: NONE,
                    flags,
                });
                names.push(owner);
            }
            let o = owners.last_mut().expect("pushed above");
            o.end = k as u32 + 1;
            o.flags |= match r.rtype {
                Rtype::A | Rtype::AAAA => F_ADDR,
                Rtype::CNAME => F_CNAME,
                Rtype::NS => F_NS,
                Rtype::DNAME => F_DNAME,
                Rtype::MX | Rtype::SRV => F_MX_SRV,
                Rtype::SOA => F_SOA,
                _ => 0,
            };
        }
        if let Some(last) = owners.len().checked_sub(1) {
            place.close(last, &mut owners, &names);
        }
        Tree {
            order,
            types,
            owners,
            targets,
            index: OnceCell::new(),
            hasher,
        }
    }

    fn owner_name(&self, tree: &Tree, o: &Owner) -> &'a Name {
        &self.rec(tree.order[o.start as usize]).owner
    }

    /// The indices (into `records`) of one owner's records, in canonical order.
    fn members<'t>(&self, tree: &'t Tree, o: &Owner) -> &'t [u32] {
        &tree.order[o.start as usize..o.end as usize]
    }

    //--- Checks within one owner

    fn per_owner(&mut self, tree: &Tree) {
        for o in &tree.owners {
            let members = self.members(tree, o);
            let types = &tree.types[o.start as usize..o.end as usize];
            self.sets(members, types);
            if o.flags & F_CNAME != 0 {
                self.cname(members);
            }
            if o.flags & F_DNAME != 0 {
                self.dname(members);
            }
            let inner_wildcard = o.flags & F_INNER_WILDCARD != 0;
            if inner_wildcard {
                let first = members.iter().copied().min().unwrap_or(0);
                let owner = &self.rec(first).owner;
                self.warning(
                    Some(first as usize),
                    "non-terminal-wildcard",
                    format!("non-terminal wildcard in {owner}"),
                );
            }
            if o.flags & F_ADDR != 0 && o.flags & F_NOT_HOST != 0 {
                let first = members
                    .iter()
                    .copied()
                    .filter(|&i| matches!(self.rec(i).rtype, Rtype::A | Rtype::AAAA))
                    .min()
                    .unwrap_or(0);
                let (rtype, owner) = (self.rec(first).rtype, &self.rec(first).owner);
                self.warning(
                    Some(first as usize),
                    "bad-hostname",
                    format!("{rtype} record owner {owner} is not a valid host name"),
                );
            }
        }
    }

    /// Duplicates and TTL mismatches, set by set. `types` are the members' types.
    fn sets(&mut self, members: &[u32], types: &[Rtype]) {
        // A set of one record has neither; only RRSIG sets need the RDATA to be told
        // apart (by covered type).
        let records = self.records;
        let key = |k: usize| match types[k] {
            Rtype::RRSIG => set_key(Rtype::RRSIG, &records[members[k] as usize].rdata),
            t => (t, 0),
        };
        let mut start = 0usize;
        while start < members.len() {
            let first = key(start);
            let mut end = start + 1;
            while end < members.len() && types[end] == first.0 && key(end) == first {
                end += 1;
            }
            if end - start > 1 {
                self.one_set(&members[start..end]);
            }
            start = end;
        }
    }

    fn one_set(&mut self, set: &[u32]) {
        let first = self.rec(set[0]);
        let rtype = first.rtype;
        // Duplicates: runs of canonically equal RDATA; the earliest record stays.
        let mut run = 0usize;
        while run < set.len() {
            let r = self.rec(set[run]);
            let mut end = run + 1;
            while end < set.len()
                && rdata_eq(rtype, r.rdata.as_wire(), self.rec(set[end]).rdata.as_wire())
            {
                end += 1;
            }
            let keep = set[run..end].iter().copied().min().unwrap_or(set[run]);
            for &i in &set[run..end] {
                if i != keep {
                    let owner = &self.rec(i).owner;
                    self.warning(
                        Some(i as usize),
                        "duplicate",
                        format!("duplicate {rtype} record at {owner}"),
                    );
                }
            }
            run = end;
        }
        // TTLs: the first record in file order sets the expectation.
        if rtype == Rtype::SOA {
            return;
        }
        let earliest = set.iter().copied().min().unwrap_or(set[0]);
        let ttl0 = self.rec(earliest).ttl;
        let lowest = set.iter().map(|&i| self.rec(i).ttl).min().unwrap_or(ttl0);
        if let Some(&odd) = set.iter().filter(|&&i| self.rec(i).ttl != ttl0).min() {
            let what = match (rtype, first.rdata.as_wire()) {
                (Rtype::RRSIG, [a, b, ..]) => {
                    format!(
                        "RRSIG RRset covering {}",
                        Rtype(u16::from_be_bytes([*a, *b]))
                    )
                }
                _ => format!("{rtype} RRset"),
            };
            let owner = &self.rec(odd).owner;
            self.warning(
                Some(odd as usize),
                "ttl-mismatch",
                format!(
                    "TTLs differ in the {what} at {owner} ({ttl0} and {}); the lowest, {lowest}, is used",
                    self.rec(odd).ttl
                ),
            );
        }
    }

    /// The records of `rtype` among `members`, one per distinct RDATA (duplicates are
    /// reported as such): the earliest of each, in file order.
    ///
    /// Sorted by RDATA (canonical form, as [`rdata_eq`] compares), then grouped: n log n
    /// however many records sit at one owner (65,536 CNAMEs from one `$GENERATE` line
    /// once took minutes pairwise; found by the fuzz engine).
    fn distinct(&self, members: &[u32], rtype: Rtype) -> Vec<u32> {
        let mut of_type: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&i| self.rec(i).rtype == rtype)
            .collect();
        let wire = |i: u32| self.records[i as usize].rdata.as_wire();
        of_type.sort_unstable_by(|&a, &b| {
            canonical_rdata_cmp(rtype, wire(a), wire(b))
                .then_with(|| wire(a).len().cmp(&wire(b).len()))
                .then(a.cmp(&b))
        });
        let mut out: Vec<u32> = Vec::new();
        let mut last: Option<u32> = None;
        for i in of_type {
            // Sorted, so equal RDATA are neighbours and the earliest of a run comes
            // first.
            if last.is_some_and(|l| rdata_eq(rtype, wire(l), wire(i))) {
                continue;
            }
            last = Some(i);
            out.push(i);
        }
        out.sort_unstable();
        out
    }

    /// CNAME rules at one owner.
    fn cname(&mut self, members: &[u32]) {
        let cnames = self.distinct(members, Rtype::CNAME);
        if cnames.is_empty() {
            return;
        }
        let other = members
            .iter()
            .copied()
            .filter(|&i| {
                let t = self.rec(i).rtype;
                t != Rtype::CNAME && !t.is_dnssec_meta()
            })
            .min();
        if self.rec(cnames[0]).owner == *self.origin {
            let owner = self.origin;
            self.error(
                Some(cnames[0] as usize),
                "cname-at-apex",
                format!("CNAME at the zone apex {owner}"),
            );
        } else if let Some(o) = other {
            let at = o.max(cnames[0]);
            let owner = &self.rec(at).owner;
            self.error(
                Some(at as usize),
                "cname-and-other-data",
                format!("CNAME and other data at {owner}"),
            );
        }
        if cnames.len() > 1 {
            let owner = &self.rec(cnames[1]).owner;
            self.error(
                Some(cnames[1] as usize),
                "multiple-cname",
                format!("more than one CNAME record at {owner}"),
            );
        }
    }

    /// DNAME rules at one owner (RFC 6672 §2.4, Knot's mandatory checks).
    fn dname(&mut self, members: &[u32]) {
        let dnames = self.distinct(members, Rtype::DNAME);
        let Some(&first) = dnames.first() else {
            return;
        };
        if let Some(&second) = dnames.get(1) {
            let owner = &self.rec(second).owner;
            self.error(
                Some(second as usize),
                "multiple-dname",
                format!("more than one DNAME record at {owner}"),
            );
        }
        if self.rec(first).owner == *self.origin {
            return; // a DNAME at the apex sits beside the apex NS (RFC 6672 §2.3)
        }
        let ns = members
            .iter()
            .copied()
            .filter(|&i| self.rec(i).rtype == Rtype::NS)
            .min();
        if let Some(ns) = ns {
            let at = ns.max(first);
            let owner = &self.rec(at).owner;
            self.error(
                Some(at as usize),
                "dname-and-ns",
                format!("DNAME and NS at {owner}"),
            );
        }
    }

    //--- The apex

    fn apex(&mut self, tree: &Tree) {
        let origin = self.origin;
        let apex = tree
            .owners
            .first()
            .filter(|o| self.owner_name(tree, o) == origin);
        let members: &[u32] = match apex {
            Some(o) => self.members(tree, o),
            None => &[],
        };
        let soas = self.distinct(members, Rtype::SOA);
        match soas.as_slice() {
            [] => self.error(
                None,
                "soa-count",
                format!("no SOA record at the zone apex {origin}"),
            ),
            [first, rest @ ..] => {
                if let Some(&second) = rest.first() {
                    self.error(
                        Some(second as usize),
                        "soa-count",
                        format!("more than one SOA record at {origin}"),
                    );
                }
                self.soa_timers(*first);
            }
        }
        let soa_at = soas.first().map(|&i| i as usize);
        if apex.is_none_or(|o| o.flags & F_NS == 0) {
            self.error(
                soa_at,
                "no-apex-ns",
                format!("no NS records at the zone apex {origin}"),
            );
        }
        if let Some(&ds) = members
            .iter()
            .filter(|&&i| self.rec(i).rtype == Rtype::DS)
            .min()
        {
            self.warning(
                Some(ds as usize),
                "ds-at-apex",
                format!(
                    "DS record at the zone apex {origin} (DS records belong in the parent zone)"
                ),
            );
        }
    }

    fn soa_timers(&mut self, i: u32) {
        let origin = self.origin;
        let Ok(soa) = Soa::from_rdata(&self.rec(i).rdata) else {
            return;
        };
        let at = Some(i as usize);
        if soa.retry >= soa.refresh {
            self.warning(
                at,
                "soa-timers",
                format!(
                    "SOA retry ({}) is not less than refresh ({}) at {origin}",
                    soa.retry, soa.refresh
                ),
            );
        }
        if soa.expire <= soa.refresh {
            self.warning(
                at,
                "soa-timers",
                format!(
                    "SOA expire ({}) is not greater than refresh ({}) at {origin}",
                    soa.expire, soa.refresh
                ),
            );
        } else if u64::from(soa.expire) < u64::from(soa.refresh) + u64::from(soa.retry) {
            self.warning(
                at,
                "soa-timers",
                format!(
                    "SOA expire ({}) is less than refresh + retry ({}) at {origin}",
                    soa.expire,
                    u64::from(soa.refresh) + u64::from(soa.retry)
                ),
            );
        }
    }

    //--- Cuts, DNAMEs and SOAs off the apex: one walk in canonical order

    fn tree_walk(&mut self, tree: &Tree) {
        for o in &tree.owners {
            let members = self.members(tree, o);
            let records = self.records;
            let owner = || &records[members[0] as usize].owner;
            if o.flags & (F_SOA | F_APEX) == F_SOA {
                let owner = owner();
                for (&i, &t) in members.iter().zip(&tree.types[o.start as usize..]) {
                    if t == Rtype::SOA {
                        self.error(
                            Some(i as usize),
                            "soa-not-at-apex",
                            format!("SOA record at {owner}, which is not the zone apex"),
                        );
                    }
                }
            }
            if o.dname != NONE {
                let owner = owner();
                let d = self.owner_name(tree, &tree.owners[o.dname as usize]);
                let first = members.iter().copied().min().unwrap_or(0);
                self.error(
                    Some(first as usize),
                    "dname-descendants",
                    format!("data at {owner} below the DNAME at {d}"),
                );
                continue;
            }
            if o.cut == NONE {
                continue;
            }
            let at_cut = tree.owners[o.cut as usize].start == o.start;
            let glue = o.flags & F_GLUE != 0;
            let occluded = members
                .iter()
                .zip(&tree.types[o.start as usize..])
                .filter(|&(_, &t)| {
                    // At the cut: the delegation itself, and a DNAME (`dname-and-ns`).
                    let delegation = at_cut
                        && matches!(
                            t,
                            Rtype::NS | Rtype::DS | Rtype::RRSIG | Rtype::NSEC | Rtype::DNAME
                        );
                    let is_glue = glue && matches!(t, Rtype::A | Rtype::AAAA);
                    !delegation && !is_glue
                })
                .map(|(&i, _)| i)
                .min();
            if let Some(i) = occluded {
                let (owner, rtype) = (owner(), self.rec(i).rtype);
                let c = self.owner_name(tree, &tree.owners[o.cut as usize]);
                self.warning(
                    Some(i as usize),
                    "occluded",
                    format!("{rtype} at {owner} is occluded by the delegation at {c}"),
                );
            }
        }
    }

    //--- NS, MX and SRV targets

    fn targets(&mut self, tree: &Tree) {
        // Only authoritative records: NS at or above the highest cut, MX/SRV above it.
        for o in &tree.owners {
            if o.flags & (F_NS | F_MX_SRV) == 0 {
                continue;
            }
            let owner = self.owner_name(tree, o);
            let at_cut = o.cut != NONE && tree.owners[o.cut as usize].start == o.start;
            for k in o.start as usize..o.end as usize {
                let kind = match tree.types[k] {
                    t @ (Rtype::NS | Rtype::MX | Rtype::SRV) => t,
                    _ => continue,
                };
                let i = tree.order[k];
                // NS at a cut are authoritative for the delegation; below it, nothing is.
                let authoritative = o.cut == NONE || (kind == Rtype::NS && at_cut);
                if !authoritative || o.dname != NONE {
                    continue;
                }
                // The record itself is read only for a message (a `Name` of the target).
                let records = self.records;
                let target = || {
                    rdata_target_wire(kind, &records[i as usize].rdata)
                        .and_then(|w| Name::from_wire(w).ok())
                        .expect("a target was found in this RDATA")
                };
                let (id, host) = match tree.targets.status[i as usize] {
                    T_NONE | T_ROOT => continue,
                    T_OUT => (None, true),
                    T_OUT_NOT_HOST => (None, false),
                    s => (Some(s & !T_NOT_HOST), s & T_NOT_HOST == 0),
                };
                if !host {
                    let target = target();
                    self.warning(
                        Some(i as usize),
                        "bad-hostname",
                        format!("{kind} target {target} of {owner} is not a valid host name"),
                    );
                }
                let Some(id) = id else {
                    continue;
                };
                let found = tree.targets.names[id as usize].owner;
                let found = (found != NONE).then(|| &tree.owners[found as usize]);
                let redirected = match found {
                    Some(t) => t.dname != NONE,
                    None => self.under_dname(tree, &target()),
                };
                if redirected {
                    continue;
                }
                if found.is_some_and(|t| t.flags & F_CNAME != 0) {
                    let target = target();
                    self.warning(
                        Some(i as usize),
                        "target-is-cname",
                        format!("{kind} target {target} of {owner} is a CNAME"),
                    );
                    continue;
                }
                if found.is_some_and(|t| t.flags & F_ADDR != 0) {
                    continue;
                }
                // A name that does not exist, outside any delegation, may be answered
                // from a wildcard; glue below a cut may not.
                if found.is_none() {
                    let target = target();
                    if !self.below_cut(tree, &target) && self.wildcard_has_addr(tree, &target) {
                        continue;
                    }
                }
                let target = target();
                let message = format!("{kind} target {target} of {owner} has no A or AAAA records");
                if kind == Rtype::NS {
                    self.error(Some(i as usize), "missing-glue", message);
                } else {
                    self.warning(Some(i as usize), "missing-address", message);
                }
            }
        }
    }

    //--- Lookups over the sorted owners

    /// Position of the first owner at or after `name` in canonical order.
    fn lower_bound(&self, tree: &Tree, name: &Name) -> usize {
        tree.owners
            .partition_point(|o| self.owner_name(tree, o).cmp(name) == Ordering::Less)
    }

    fn find<'t>(&self, tree: &'t Tree, name: &Name) -> Option<&'t Owner> {
        self.position(tree, name.as_wire())
            .map(|k| &tree.owners[k as usize])
    }

    /// Position in `tree.owners` of the owner with the wire name `wire`.
    fn position(&self, tree: &Tree, wire: &[u8]) -> Option<u32> {
        if let Some(id) = tree.targets.find(&tree.hasher, wire) {
            let owner = tree.targets.names[id as usize].owner;
            return (owner != NONE).then_some(owner);
        }
        let hash = wire_hash(&tree.hasher, wire);
        let name = |k: u32| self.owner_name(tree, &tree.owners[k as usize]).as_wire();
        let index = tree.index.get_or_init(|| {
            let mut index = HashTable::with_capacity(tree.owners.len());
            for k in 0..tree.owners.len() as u32 {
                // Owners are distinct names: no entry is replaced.
                index.insert_unique(wire_hash(&tree.hasher, name(k)), k, |&j| {
                    wire_hash(&tree.hasher, name(j))
                });
            }
            index
        });
        index
            .find(hash, |&k| {
                self.owner_name(tree, &tree.owners[k as usize])
                    .as_wire()
                    .eq_ignore_ascii_case(wire)
            })
            .copied()
    }

    /// True when `name` owns records or is an empty non-terminal.
    fn exists(&self, tree: &Tree, name: &Name) -> bool {
        let k = self.lower_bound(tree, name);
        tree.owners
            .get(k)
            .is_some_and(|o| self.owner_name(tree, o).ends_with(name))
    }

    /// True when a delegation point is at or above `name` (strictly below the apex).
    fn below_cut(&self, tree: &Tree, name: &Name) -> bool {
        let depth = name.label_count();
        let apex_depth = self.origin.label_count();
        (apex_depth + 1..=depth).any(|d| {
            self.find(tree, &name.trim_labels(depth - d))
                .is_some_and(|o| o.flags & F_NS != 0)
        })
    }

    /// True when a DNAME at a strict ancestor of `name` redirects it.
    fn under_dname(&self, tree: &Tree, name: &Name) -> bool {
        let depth = name.label_count();
        let apex_depth = self.origin.label_count();
        (apex_depth..depth).any(|d| {
            let ancestor = name.trim_labels(depth - d);
            self.find(tree, &ancestor)
                .is_some_and(|o| o.flags & F_DNAME != 0)
        })
    }

    /// True when `name` (which does not exist) is answered from a wildcard with
    /// address records (RFC 4592: the wildcard child of the closest encloser).
    fn wildcard_has_addr(&self, tree: &Tree, name: &Name) -> bool {
        if self.exists(tree, name) {
            return false; // an empty non-terminal: no data, no wildcard
        }
        let mut encloser = name.clone();
        while let Some(parent) = encloser.parent() {
            encloser = parent;
            if self.exists(tree, &encloser) || encloser == *self.origin {
                break;
            }
        }
        match encloser.prepend(b"*") {
            Ok(wild) => self
                .find(tree, &wild)
                .is_some_and(|o| o.flags & F_ADDR != 0),
            Err(_) => false,
        }
    }
}

/// True when `name` is a host name (RFC 952, RFC 1123 §2.1): labels of letters,
/// digits and hyphens, starting and ending with a letter or digit. With `wildcard`, a
/// leftmost `*` label is allowed (an owner name).
fn is_hostname(name: &Name, wildcard: bool) -> bool {
    is_hostname_wire(name.as_wire(), wildcard)
}

/// [`is_hostname`] of a valid wire-form name.
fn is_hostname_wire(wire: &[u8], wildcard: bool) -> bool {
    let mut pos = 0usize;
    let mut first = true;
    while let Some(&len) = wire.get(pos)
        && len != 0
    {
        let label = &wire[pos + 1..(pos + 1 + len as usize).min(wire.len())];
        pos += 1 + len as usize;
        if first && wildcard && label == b"*" {
            first = false;
            continue;
        }
        first = false;
        let border = |c: &u8| c.is_ascii_alphanumeric();
        let ok = label.first().is_some_and(border)
            && label.last().is_some_and(border)
            && label
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// The hash of a wire-form name lower-cased (names compare case-insensitively), for
/// the owner index.
fn wire_hash(hasher: &foldhash::fast::RandomState, wire: &[u8]) -> u64 {
    let mut lower = [0u8; 255];
    let n = wire.len().min(lower.len());
    lower[..n].copy_from_slice(&wire[..n]);
    lower[..n].make_ascii_lowercase();
    hasher.hash_one(&lower[..n])
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::diag::Severity;
    use crate::zone::version::tests::rr::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// Records at lines 1, 2, 3 … of `zone.db`.
    fn run(records: Vec<Record>) -> Vec<Finding> {
        let file = Arc::new(PathBuf::from("zone.db"));
        let positions: Vec<Pos> = (0..records.len())
            .map(|i| Pos {
                file: file.clone(),
                line: i as u32 + 1,
                column: 1,
            })
            .collect();
        check_records(&n("example.com."), &records, &positions)
    }

    /// `code@line: message` for compact assertions.
    fn summary(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                let line = f.pos.as_ref().map_or(0, |p| p.line);
                format!("{} {}@{}: {}", f.severity, f.code, line, f.message)
            })
            .collect()
    }

    fn base() -> Vec<Record> {
        vec![
            soa("example.com.", 1),
            ns("example.com.", "ns1.example.com."),
            ns("example.com.", "ns.example.net."),
            a("ns1.example.com.", [192, 0, 2, 1]),
        ]
    }

    fn with(extra: Vec<Record>) -> Vec<String> {
        let mut recs = base();
        recs.extend(extra);
        summary(&run(recs))
    }

    #[test]
    fn clean_zone_has_no_findings() {
        assert_eq!(with(vec![]), Vec::<String>::new());
        assert_eq!(
            with(vec![
                a("www.example.com.", [192, 0, 2, 2]),
                aaaa("www.example.com.", 2),
                mx("example.com.", 10, "mail.example.com."),
                a("mail.example.com.", [192, 0, 2, 3]),
                mx("example.com.", 20, "mx.example.net."),
                srv("_sip._tcp.example.com.", 5060, "www.example.com."),
                cname("alias.example.com.", "www.example.com."),
                rrsig("alias.example.com.", Rtype::CNAME, 300, 1),
                ns("sub.example.com.", "ns.sub.example.com."),
                a("ns.sub.example.com.", [192, 0, 2, 53]),
                rec("sub.example.com.", Rtype::DS, 300, vec![0, 1, 8, 2, 0xaa]),
                dname("old.example.com.", "new.example.net."),
                txt("*.wild.example.com.", "x"),
                mx("example.com.", 0, "."),
            ]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn out_of_zone() {
        assert_eq!(
            with(vec![a("www.example.org.", [1, 2, 3, 4])]),
            [
                "error out-of-zone@5: out-of-zone data at www.example.org. (the zone is example.com.)"
            ]
        );
    }

    #[test]
    fn soa_count_and_position() {
        let recs = vec![ns("example.com.", "ns.example.net.")];
        assert_eq!(
            summary(&run(recs)),
            ["error soa-count@0: no SOA record at the zone apex example.com."]
        );
        assert_eq!(
            with(vec![soa("example.com.", 2), soa("example.com.", 1)]),
            [
                "error soa-count@5: more than one SOA record at example.com.",
                "warning duplicate@6: duplicate SOA record at example.com.",
            ]
        );
        assert_eq!(
            with(vec![soa("sub.example.com.", 1)]),
            ["error soa-not-at-apex@5: SOA record at sub.example.com., which is not the zone apex"]
        );
    }

    #[test]
    fn apex_ns() {
        let recs = vec![soa("example.com.", 1), a("www.example.com.", [1, 2, 3, 4])];
        assert_eq!(
            summary(&run(recs)),
            ["error no-apex-ns@1: no NS records at the zone apex example.com."]
        );
    }

    #[test]
    fn cname_rules() {
        assert_eq!(
            with(vec![
                a("www.example.com.", [1, 2, 3, 4]),
                cname("www.example.com.", "other.example.net."),
            ]),
            ["error cname-and-other-data@6: CNAME and other data at www.example.com."]
        );
        assert_eq!(
            with(vec![
                cname("www.example.com.", "a.example.net."),
                txt("www.example.com.", "x"),
                cname("www.example.com.", "b.example.net."),
            ]),
            [
                "error cname-and-other-data@6: CNAME and other data at www.example.com.",
                "error multiple-cname@7: more than one CNAME record at www.example.com.",
            ]
        );
        assert_eq!(
            with(vec![cname("example.com.", "example.net.")]),
            ["error cname-at-apex@5: CNAME at the zone apex example.com."]
        );
        // DNSSEC types beside a CNAME are fine.
        assert_eq!(
            with(vec![
                cname("www.example.com.", "a.example.net."),
                rrsig("www.example.com.", Rtype::CNAME, 300, 1),
                rec("www.example.com.", Rtype::NSEC, 300, vec![0, 0, 6, 0x04]),
            ]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn dname_descendants() {
        assert_eq!(
            with(vec![
                dname("d.example.com.", "example.net."),
                a("x.d.example.com.", [1, 2, 3, 4]),
                a("y.x.d.example.com.", [1, 2, 3, 4]),
                a("e.example.com.", [1, 2, 3, 4]),
            ]),
            [
                "error dname-descendants@6: data at x.d.example.com. below the DNAME at d.example.com.",
                "error dname-descendants@7: data at y.x.d.example.com. below the DNAME at d.example.com.",
            ]
        );
    }

    #[test]
    fn dname_rules() {
        assert_eq!(
            with(vec![
                dname("d.example.com.", "example.net."),
                dname("d.example.com.", "example.org."),
                ns("d.example.com.", "ns.example.net."),
            ]),
            [
                "error multiple-dname@6: more than one DNAME record at d.example.com.",
                "error dname-and-ns@7: DNAME and NS at d.example.com.",
            ]
        );
        // At the apex, beside the apex NS, a DNAME is fine; nothing may be below it.
        let recs = vec![
            soa("example.com.", 1),
            ns("example.com.", "ns.example.net."),
            dname("example.com.", "example.net."),
        ];
        assert_eq!(summary(&run(recs.clone())), Vec::<String>::new());
        let mut below = recs;
        below.push(a("www.example.com.", [192, 0, 2, 1]));
        assert_eq!(
            summary(&run(below)),
            ["error dname-descendants@4: data at www.example.com. below the DNAME at example.com."]
        );
    }

    #[test]
    fn glue() {
        assert_eq!(
            with(vec![ns("sub.example.com.", "ns.sub.example.com.")]),
            [
                "error missing-glue@5: NS target ns.sub.example.com. of sub.example.com. has no A or AAAA records"
            ]
        );
        // Apex NS target inside the zone, authoritative, no address.
        let recs = vec![
            soa("example.com.", 1),
            ns("example.com.", "ns1.example.com."),
        ];
        assert_eq!(
            summary(&run(recs)),
            [
                "error missing-glue@2: NS target ns1.example.com. of example.com. has no A or AAAA records"
            ]
        );
        // A wildcard answers for an authoritative target, not for glue below a cut.
        assert_eq!(
            with(vec![
                ns("a.example.com.", "ns.w.example.com."),
                a("*.w.example.com.", [1, 2, 3, 4]),
            ]),
            Vec::<String>::new()
        );
        // Sibling glue: a target below another delegation.
        assert_eq!(
            with(vec![
                ns("a.example.com.", "ns.b.example.com."),
                ns("b.example.com.", "ns.example.net."),
                a("ns.b.example.com.", [1, 2, 3, 4]),
            ]),
            Vec::<String>::new()
        );
        // AAAA only is fine.
        assert_eq!(
            with(vec![
                ns("sub.example.com.", "ns.sub.example.com."),
                aaaa("ns.sub.example.com.", 1)
            ]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn occluded_data() {
        assert_eq!(
            with(vec![
                ns("sub.example.com.", "ns.example.net."),
                a("www.sub.example.com.", [1, 2, 3, 4]),
                txt("sub.example.com.", "hidden"),
                ns("deeper.sub.example.com.", "ns.example.net."),
            ]),
            [
                "warning occluded@6: A at www.sub.example.com. is occluded by the delegation at sub.example.com.",
                "warning occluded@7: TXT at sub.example.com. is occluded by the delegation at sub.example.com.",
                "warning occluded@8: NS at deeper.sub.example.com. is occluded by the delegation at sub.example.com.",
            ]
        );
    }

    #[test]
    fn targets_that_are_cnames() {
        assert_eq!(
            with(vec![
                cname("alias.example.com.", "www.example.net."),
                mx("example.com.", 10, "alias.example.com."),
                srv("_sip._tcp.example.com.", 5060, "alias.example.com."),
                ns("sub.example.com.", "alias.example.com."),
            ]),
            [
                "warning target-is-cname@6: MX target alias.example.com. of example.com. is a CNAME",
                "warning target-is-cname@7: SRV target alias.example.com. of _sip._tcp.example.com. is a CNAME",
                "warning target-is-cname@8: NS target alias.example.com. of sub.example.com. is a CNAME",
            ]
        );
        assert_eq!(
            with(vec![mx("example.com.", 10, "mail.example.com.")]),
            [
                "warning missing-address@5: MX target mail.example.com. of example.com. has no A or AAAA records"
            ]
        );
    }

    #[test]
    fn ttl_mismatch_and_duplicates() {
        assert_eq!(
            with(vec![
                a("www.example.com.", [1, 2, 3, 4]),
                with_ttl(a("www.example.com.", [1, 2, 3, 5]), 60),
                with_ttl(a("WWW.example.com.", [1, 2, 3, 4]), 900),
                rrsig("www.example.com.", Rtype::A, 300, 1),
                rrsig("www.example.com.", Rtype::MX, 3600, 2),
            ]),
            [
                "warning ttl-mismatch@6: TTLs differ in the A RRset at www.example.com. (300 and 60); the lowest, 60, is used",
                "warning duplicate@7: duplicate A record at WWW.example.com.",
            ]
        );
        assert_eq!(
            with(vec![
                rrsig("www.example.com.", Rtype::A, 300, 1),
                rrsig("www.example.com.", Rtype::A, 600, 2),
                a("www.example.com.", [1, 2, 3, 4]),
            ]),
            [
                "warning ttl-mismatch@6: TTLs differ in the RRSIG RRset covering A at www.example.com. (300 and 600); the lowest, 300, is used"
            ]
        );
    }

    #[test]
    fn soa_timer_sanity() {
        let mut recs = base();
        recs[0] = soa_timers("example.com.", 1, 3600, 7200, 1_209_600);
        assert_eq!(
            summary(&run(recs.clone())),
            [
                "warning soa-timers@1: SOA retry (7200) is not less than refresh (3600) at example.com."
            ]
        );
        recs[0] = soa_timers("example.com.", 1, 3600, 600, 3600);
        assert_eq!(
            summary(&run(recs.clone())),
            [
                "warning soa-timers@1: SOA expire (3600) is not greater than refresh (3600) at example.com."
            ]
        );
        recs[0] = soa_timers("example.com.", 1, 3600, 600, 4000);
        assert_eq!(
            summary(&run(recs)),
            [
                "warning soa-timers@1: SOA expire (4000) is less than refresh + retry (4200) at example.com."
            ]
        );
    }

    #[test]
    fn extras() {
        assert_eq!(
            with(vec![
                rec("example.com.", Rtype::DS, 300, vec![0, 1, 8, 2, 0xaa]),
                a("a.*.example.com.", [1, 2, 3, 4]),
                a("bad_host.example.com.", [1, 2, 3, 4]),
                a("*.example.com.", [1, 2, 3, 4]),
                mx("example.com.", 10, "mail_x.example.net."),
            ]),
            [
                "warning ds-at-apex@5: DS record at the zone apex example.com. (DS records belong in the parent zone)",
                "warning non-terminal-wildcard@6: non-terminal wildcard in a.*.example.com.",
                "warning bad-hostname@7: A record owner bad_host.example.com. is not a valid host name",
                "warning bad-hostname@9: MX target mail_x.example.net. of example.com. is not a valid host name",
            ]
        );
    }

    #[test]
    fn findings_per_code_are_capped() {
        let mut recs = base();
        for i in 0..(MAX_PER_CODE + 5) {
            recs.push(a(&format!("h{i}.example.org."), [192, 0, 2, 1]));
        }
        let found = run(recs);
        assert_eq!(found.len(), MAX_PER_CODE + 1);
        let last = found.last().unwrap();
        assert_eq!(last.message, "5 more out-of-zone findings not shown");
        assert_eq!((last.severity, last.pos.is_none()), (Severity::Error, true));
    }

    #[test]
    fn severities() {
        let f = run(vec![soa("example.com.", 1)]);
        assert!(f.iter().all(|f| f.severity == Severity::Error));
    }

    #[test]
    fn missing_positions_are_fine() {
        let f = check_records(
            &n("example.com."),
            &[a("www.example.com.", [1, 2, 3, 4])],
            &[],
        );
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.pos.is_none()));
    }

    #[test]
    fn parsed_zone_positions() {
        use crate::zone::parse::{ParseOptions, parse_bytes};
        let text = "$TTL 300\n\
                    @ IN SOA ns1 host 1 3600 600 1209600 300\n\
                    \x20 IN NS ns1\n\
                    ns1 IN A 192.0.2.1\n\
                    www IN A 192.0.2.2\n\
                    \x20   IN CNAME other.example.net.\n\
                    mail.example.org. IN A 192.0.2.3\n";
        let zone = parse_bytes(
            text.as_bytes(),
            std::path::Path::new("z.zone"),
            &n("example.com."),
            &ParseOptions::default(),
        );
        assert_eq!(zone.findings, []);
        let found: Vec<String> = check_zone(&zone).iter().map(|f| f.to_string()).collect();
        assert_eq!(
            found,
            [
                // A blank owner: the record starts at its first token.
                "z.zone:6:5: error: CNAME and other data at www.example.com.",
                "z.zone:7:1: error: out-of-zone data at mail.example.org. (the zone is example.com.)",
            ]
        );
    }

    #[test]
    fn hostnames() {
        assert!(is_hostname(&n("a-b.c1.example."), false));
        assert!(is_hostname(&n("*.example."), true));
        assert!(!is_hostname(&n("*.example."), false));
        assert!(!is_hostname(&n("-a.example."), false));
        assert!(!is_hostname(&n("a-.example."), false));
        assert!(!is_hostname(&n("_dmarc.example."), false));
    }
}
