//! Answering queries from one zone version: RFC 1034 §4.3.2's algorithm, sans IO, and
//! the answers encoded from each version.
//!
//! This module owns the answers: [`resolve`] takes a [`ZoneVersion`] and a question
//! and returns the sections of the answer as records ([`Rr`]s, their RDATA borrowed
//! from the version: a miss allocates per section, not per record); [`encode`] turns
//! them into a message for a given size limit (setting TC when they do not fit);
//! [`cache`] keeps the encoded messages per published version, so that the next
//! identical query is a copy. The server's query path calls `resolve` and `encode`
//! only on a cache miss, so this code favours clarity over speed. [`options`] decides
//! the EDNS options (NSID, EXPIRE, ZONEVERSION) an answer carries when its query asked
//! for them; such answers are never cached.
//!
//! # Data flow
//! ```text
//!  server (handle) ──cache miss──▶ resolve(version, question) ──▶ encode ──▶ cache
//!  sync (Published = version + AnswerCache) ◀── one cache per published version
//! ```
//! It depends on [`zone`](crate::zone) and [`wire`](crate::wire) only: `sync` holds a
//! cache in each published version and `server` reads it, without either depending on
//! the other through it.
//!
//! # Standards
//! - RFC 1034 §4.3.2: match down the tree; at a zone cut return a referral; an exact
//!   match answers; a CNAME is followed ("if the data at the node is a CNAME, and
//!   QTYPE doesn't match CNAME, copy the CNAME RR into the answer section … change
//!   QNAME to the canonical name in the CNAME RR, and go back to step 1").
//! - RFC 2308 §3: negative answers (NXDOMAIN, NODATA) carry the SOA in AUTHORITY with
//!   TTL = min(SOA TTL, SOA MINIMUM).
//! - RFC 4592 §3.3.1: a wildcard `*.<closest encloser>` matches only when QNAME does
//!   not exist; empty non-terminals exist and block it; the owner is rewritten to
//!   QNAME.
//! - RFC 6672 §3.2: a DNAME at an ancestor of QNAME is copied into the answer with a
//!   CNAME synthesised from it (TTL of the DNAME); a result longer than 255 octets is
//!   YXDOMAIN.
//! - RFC 9471 §3: "all in-domain glue … MUST" be in a referral or TC is set; other
//!   additional data is dropped silently when it does not fit.
//! - RFC 8482 §4.1: ANY is answered with one RRset over UDP, all RRsets over TCP.
//! - RFC 6604: the RCODE of a CNAME chain is that of its last name.
//! - RFC 2181 §5: no duplicate RRs in a message; a CNAME loop is shown once, and the
//!   chain stops where it would answer a name a second time (as Knot does).
//! - RFC 2181 §9: an RRset goes into a message whole or not at all; an additional
//!   RRset that does not fit is left out (its signatures with it).
//!
//! DNSSEC, when the query has the DO bit and the zone is signed (its SOA has an RRSIG,
//! Knot's rule):
//! - RFC 4035 §3.1.1: "When placing a signed RRset in the Answer section, the name
//!   server MUST also place its RRSIG RRs in the Answer section"; likewise in
//!   Authority, and in Additional where they fit ("MAY retain the RRset while dropping
//!   the RRSIG").
//! - RFC 4035 §3.1.3 (NSEC) and RFC 5155 §7.2 (NSEC3): NXDOMAIN proves the name and
//!   the wildcard at its closest encloser absent (NSEC3: the closest encloser proof,
//!   §7.2.1, and the wildcard); NODATA the type absent at the name (for an empty
//!   non-terminal, the covering NSEC); a wildcard answer that QNAME does not exist
//!   (NSEC3: the next closer name); a wildcard NODATA both. Without an NSEC3 matching
//!   the name (Opt-Out), the closest provable encloser proof (§7.2.4).
//! - RFC 4035 §3.1.4: a referral carries the DS RRset and its RRSIGs, or the NSEC (or
//!   NSEC3, RFC 5155 §7.2.7) proving there is none; DS at a cut is the parent's data
//!   (§3.1.4.1).
//! - RFC 5155 §7.2.8: a hashed owner name is answered as a name that does not exist.
//! - RFC 4035 §2.5: RRSIG and NSEC sit beside a CNAME, so queries for them are not
//!   redirected by it.
//!
//! # Limitations
//! - CNAME and DNAME chains are followed within the zone only (as Knot and NSD do);
//!   a resolver chases the rest.
//! - An NSEC3 owner name that also has descendants in the zone (which no signer
//!   makes) is treated as not existing all the same.

pub mod cache;
mod encode;
pub mod options;

pub use encode::{Edns, encode};

use crate::wire::{Rcode, Section};
use crate::zone::rrset::{RRsetRef, rdata_target};
use crate::zone::version::{Node, ZoneVersion};
use std::borrow::Cow;

use crate::zone::{Class, Name, Rtype};

/// Most CNAME/DNAME links followed in one answer (loops stop at the first name seen
/// twice; this bounds chains that never repeat a name).
const MAX_CHAIN: usize = 16;

//----------- Query and Answer -------------------------------------------------------

/// The part of a query that decides the answer's content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// QNAME, case as asked.
    pub qname: Name,
    /// QTYPE.
    pub qtype: Rtype,
    /// Whether the answer may use TCP sizes (RFC 8482 ANY handling differs).
    pub tcp: bool,
    /// The DO bit of the query's OPT (RFC 3225): signatures and proofs of
    /// non-existence are wanted.
    pub dnssec_ok: bool,
}

/// The content of an answer, before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<'z> {
    /// RCODE (NOERROR, NXDOMAIN, YXDOMAIN).
    pub rcode: Rcode,
    /// AA: false for referrals.
    pub authoritative: bool,
    /// ANSWER.
    pub answer: Vec<Rr<'z>>,
    /// AUTHORITY.
    pub authority: Vec<Rr<'z>>,
    /// ADDITIONAL.
    pub additional: Vec<Rr<'z>>,
    /// How many leading records of `additional` must fit, or TC is set (in-domain
    /// glue of a referral).
    pub required_additional: usize,
}

/// One record of an answer. Its RDATA is borrowed from the zone version (owned only
/// for the CNAME a DNAME synthesises), so resolving allocates nothing per record: the
/// owner is a reference count, the sections' vectors grow a few times per answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rr<'z> {
    /// Owner name (QNAME for a wildcard expansion).
    pub owner: Name,
    /// Class (the zone's).
    pub class: Class,
    /// Type.
    pub rtype: Rtype,
    /// TTL.
    pub ttl: u32,
    /// RDATA, uncompressed wire form.
    pub rdata: Cow<'z, [u8]>,
}

/// The records of `set` at `owner`, RDATA borrowed.
fn rrs<'z>(set: RRsetRef<'z>, owner: &Name, class: Class) -> impl Iterator<Item = Rr<'z>> {
    let owner = owner.clone();
    set.rdatas().map(move |rdata| Rr {
        owner: owner.clone(),
        class,
        rtype: set.rtype,
        ttl: set.ttl,
        rdata: Cow::Borrowed(rdata),
    })
}

//----------- resolve ----------------------------------------------------------------

/// Answers `q` from `zone`. QNAME must be at or below the zone's origin (the caller
/// picked the zone by longest match).
pub fn resolve<'z>(zone: &'z ZoneVersion, q: &Question) -> Answer<'z> {
    let mut r = Resolver {
        zone,
        q,
        dnssec: q.dnssec_ok && zone.denial().is_some(),
        ans: Answer {
            rcode: Rcode::NOERROR,
            authoritative: true,
            answer: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            required_additional: 0,
        },
    };
    let mut name = q.qname.clone();
    // The names the chain has answered for (lower case), to stop at a loop.
    let mut seen = vec![name.to_lowercase()];
    for _ in 0..MAX_CHAIN {
        match r.step(&name) {
            Step::Done => break,
            Step::Follow(next) => {
                // Out of the zone: the resolver takes it from here. Back to a name
                // already answered: a loop, which the CNAMEs in ANSWER already show
                // once each (RFC 1034 §3.6.2 leaves loops to the resolver; repeating
                // them would put duplicate RRs in the message, RFC 2181 §5).
                let lower = next.to_lowercase();
                if !next.ends_with(zone.origin()) || seen.contains(&lower) {
                    break;
                }
                seen.push(lower);
                name = next;
            }
        }
    }
    if seen.len() > 1 {
        // A chain can pass the same DNAME twice (a CNAME below its target pointing
        // back under it): keep the first copy of each record (RFC 2181 §5).
        dedup(&mut r.ans.answer);
    }
    if r.dnssec {
        // One NSEC can prove two things (the name and the wildcard absent), and a
        // chain can need the same proof twice.
        dedup(&mut r.ans.authority);
    }
    r.add_additional();
    r.ans
}

/// Keeps the first copy of each record.
fn dedup(records: &mut Vec<Rr<'_>>) {
    let mut unique: Vec<Rr<'_>> = Vec::with_capacity(records.len());
    for r in records.drain(..) {
        if !unique.contains(&r) {
            unique.push(r);
        }
    }
    *records = unique;
}

/// What one step of the chain did.
enum Step {
    /// The answer is complete.
    Done,
    /// A CNAME (or synthesised one) points at this name: answer it too.
    Follow(Name),
}

/// What the zone has at a name, as the query path sees it.
enum Lookup<'a> {
    /// A node with data.
    Node(&'a Node),
    /// An empty non-terminal: the name exists, with no data (RFC 4592 §2.2.2).
    EmptyNonTerminal,
    /// Nothing.
    Missing,
}

/// One answer being built.
struct Resolver<'z, 'q> {
    zone: &'z ZoneVersion,
    q: &'q Question,
    /// DO was set and the zone is signed: signatures and denial proofs go in.
    dnssec: bool,
    ans: Answer<'z>,
}

impl<'z> Resolver<'z, '_> {
    /// One name of the chain.
    fn step(&mut self, name: &Name) -> Step {
        let first = self.ans.answer.is_empty();

        // Zone cuts and DNAMEs above the name, from the top down: the highest wins.
        if let Some(step) = self.above(name, first) {
            return step;
        }

        match self.lookup(name) {
            Lookup::Node(node) => {
                // A delegation at the name itself: a referral, except for DS, which
                // the parent side answers (RFC 4035 §3.1.4.1).
                if name != self.zone.origin()
                    && self.q.qtype != Rtype::DS
                    && let Some(ns) = node.rrset(Rtype::NS)
                {
                    self.referral(node, ns, first);
                    return Step::Done;
                }
                self.answer_node(node, name, None)
            }
            Lookup::EmptyNonTerminal => {
                self.negative_soa();
                self.deny_type(name);
                Step::Done
            }
            Lookup::Missing => {
                let encloser = self.closest_encloser(name);
                match self.zone.wildcard_at(&encloser) {
                    Some(wild) => self.answer_node(wild, name, Some(&encloser)),
                    None => {
                        self.ans.rcode = Rcode::NXDOMAIN;
                        self.negative_soa();
                        self.deny_name(name, &encloser);
                        Step::Done
                    }
                }
            }
        }
    }

    /// What the zone has at `name`. The owner of NSEC3 records only is a hashed
    /// name, not a name of the zone's tree (RFC 5155 §7.2.8).
    fn lookup(&self, name: &Name) -> Lookup<'z> {
        match self.zone.get(name) {
            Some(node) if !node.is_nsec3_only() => Lookup::Node(node),
            Some(_) => Lookup::Missing,
            None if self.zone.exists(name) => Lookup::EmptyNonTerminal,
            None => Lookup::Missing,
        }
    }

    /// The closest encloser of a name that does not exist (RFC 4592 §3.3.1), hashed
    /// owner names left out (they have no descendants; their parent is the apex).
    fn closest_encloser(&self, name: &Name) -> Name {
        let origin = self.zone.origin();
        let (mut encloser, _) = self.zone.closest_encloser(name);
        while &encloser != origin && self.zone.get(&encloser).is_some_and(Node::is_nsec3_only) {
            encloser = encloser.parent().unwrap_or_else(|| origin.clone());
        }
        encloser
    }

    /// Checks the ancestors of `name` strictly between the apex and `name` (and the
    /// apex itself for DNAME) for a zone cut or a DNAME.
    fn above(&mut self, name: &Name, first: bool) -> Option<Step> {
        let zone = self.zone;
        let depth = name.label_count() - zone.origin().label_count();
        // Ancestors from the apex (depth labels trimmed) down to the parent (1 trimmed).
        for trim in (1..=depth).rev() {
            let ancestor = name.trim_labels(trim);
            let Some(node) = zone.get(&ancestor) else {
                continue;
            };
            if &ancestor != zone.origin()
                && let Some(ns) = node.rrset(Rtype::NS)
            {
                self.referral(node, ns, first);
                return Some(Step::Done);
            }
            if let Some(dname) = node.rrset(Rtype::DNAME) {
                return Some(self.synthesize(node, dname, name));
            }
        }
        None
    }

    /// Answers from a node that owns `qname`, or from a wildcard standing for it
    /// (`wildcard` is then the closest encloser, the wildcard's parent).
    fn answer_node(&mut self, node: &'z Node, qname: &Name, wildcard: Option<&Name>) -> Step {
        if self.q.qtype == Rtype::ANY {
            let sets: Vec<RRsetRef<'_>> =
                node.rrsets().filter(|s| s.rtype != Rtype::RRSIG).collect();
            if sets.is_empty() {
                self.nodata(node, qname, wildcard);
                return Step::Done;
            }
            // RFC 8482 §4.1: over UDP one RRset is enough.
            let take = if self.q.tcp { sets.len() } else { 1 };
            for set in sets.into_iter().take(take) {
                self.put(Section::Answer, node, set, qname);
            }
            self.prove_expansion(qname, wildcard);
            return Step::Done;
        }
        if let Some(set) = node.rrset(self.q.qtype) {
            self.put(Section::Answer, node, set, qname);
            self.prove_expansion(qname, wildcard);
            return Step::Done;
        }
        // RRSIG and NSEC sit beside a CNAME (RFC 4035 §2.5): a query for them asks
        // about this node, not about the alias's target (as Knot answers).
        if let Some(cname) = node.rrset(Rtype::CNAME)
            && !matches!(self.q.qtype, Rtype::RRSIG | Rtype::NSEC)
        {
            self.put(Section::Answer, node, cname, qname);
            self.prove_expansion(qname, wildcard);
            return match cname.first().and_then(|r| rdata_target(Rtype::CNAME, r)) {
                Some(target) => Step::Follow(target),
                None => Step::Done,
            };
        }
        self.nodata(node, qname, wildcard);
        Step::Done
    }

    /// A DNAME at `node` covers `qname`: copy it and synthesise the CNAME (RFC 6672).
    fn synthesize(&mut self, node: &'z Node, dname: RRsetRef<'z>, qname: &Name) -> Step {
        self.put(Section::Answer, node, dname, node.name());
        let Some(target) = dname.first().and_then(|r| rdata_target(Rtype::DNAME, r)) else {
            return Step::Done;
        };
        match qname.replace_suffix(node.name(), &target) {
            Some(Ok(new)) => {
                // The synthesised CNAME is not signed (RFC 6672 §5.3.1: a validator
                // checks it against the signed DNAME).
                self.ans.answer.push(Rr {
                    owner: qname.clone(),
                    class: self.zone.class(),
                    rtype: Rtype::CNAME,
                    ttl: dname.ttl,
                    rdata: Cow::Owned(new.as_wire().to_vec()),
                });
                if self.q.qtype == Rtype::CNAME {
                    Step::Done
                } else {
                    Step::Follow(new)
                }
            }
            Some(Err(_)) => {
                // RFC 6672 §2.2: the substitution overflows 255 octets.
                self.ans.rcode = Rcode::YXDOMAIN;
                Step::Done
            }
            None => Step::Done,
        }
    }

    /// A referral to the child zone at `cut` (AA=0 unless an earlier CNAME was ours),
    /// with the DS RRset or the proof that there is none when DNSSEC is wanted.
    fn referral(&mut self, cut: &'z Node, ns: RRsetRef<'z>, first: bool) {
        if first {
            self.ans.authoritative = false;
        }
        let zone = self.zone;
        let class = zone.class();
        let cut_name = cut.name();
        self.ans.authority.extend(rrs(ns, cut_name, class));
        if self.dnssec {
            match cut.rrset(Rtype::DS) {
                Some(ds) => self.put(Section::Authority, cut, ds, cut_name),
                None => self.deny_type(cut_name),
            }
        }
        // In-domain glue (targets at or below the cut) is required; other in-zone
        // addresses are a courtesy (RFC 9471 §2–3).
        let mut required = Vec::new();
        let mut optional = Vec::new();
        for rdata in ns.rdatas() {
            let Some(target) = rdata_target(Rtype::NS, rdata) else {
                continue;
            };
            if !target.ends_with(zone.origin()) {
                continue;
            }
            let bucket = if target.ends_with(cut_name) {
                &mut required
            } else {
                &mut optional
            };
            self.push_addresses(&target, bucket, true);
        }
        self.ans.required_additional = required.len();
        self.ans.additional.extend(required);
        self.ans.additional.extend(optional);
    }

    /// NOERROR with no data at `node`: the SOA in AUTHORITY, and with DNSSEC the
    /// proof that the type is absent (at the wildcard too, for a wildcard's node).
    fn nodata(&mut self, node: &'z Node, qname: &Name, wildcard: Option<&Name>) {
        self.negative_soa();
        match wildcard {
            None => self.deny_type(node.name()),
            Some(encloser) => self.deny_wildcard_type(qname, encloser, node),
        }
    }

    /// The SOA for a negative answer, TTL = min(SOA TTL, MINIMUM) (RFC 2308 §3), and
    /// with DNSSEC its signatures at the same TTL (as Knot and BIND serve them).
    fn negative_soa(&mut self) {
        let zone = self.zone;
        let set = zone.soa();
        let mut ttl = set.ttl;
        if let Ok(parsed) = crate::zone::soa::Soa::from_rdata(zone.soa_rdata()) {
            ttl = ttl.min(parsed.minimum);
        }
        self.ans
            .authority
            .extend(rrs(set, zone.origin(), zone.class()).map(|r| Rr { ttl, ..r }));
        if self.dnssec
            && let Some(sigs) = zone.apex().rrsig_covering(Rtype::SOA)
        {
            self.ans
                .authority
                .extend(rrs(sigs, zone.origin(), zone.class()).map(|r| Rr { ttl, ..r }));
        }
    }

    //--- DNSSEC: signatures and proofs (no-ops without DO or in an unsigned zone)

    /// Puts `set` (owned by `node`, written with owner `owner`: QNAME for a wildcard
    /// expansion) into a section, followed by its RRSIGs when DNSSEC is wanted (RFC
    /// 4035 §3.1.1; a signature over a wildcard keeps its Labels field, which is how
    /// a validator sees the expansion).
    fn put(&mut self, section: Section, node: &'z Node, set: RRsetRef<'z>, owner: &Name) {
        let class = self.zone.class();
        let out = match section {
            Section::Answer => &mut self.ans.answer,
            Section::Authority => &mut self.ans.authority,
            Section::Additional => &mut self.ans.additional,
        };
        out.extend(rrs(set, owner, class));
        if self.dnssec
            && set.rtype != Rtype::RRSIG
            && let Some(sigs) = node.rrsig_covering(set.rtype)
        {
            out.extend(rrs(sigs, owner, class));
        }
    }

    /// Puts the NSEC or NSEC3 RRset of `node` (with its RRSIGs) into AUTHORITY.
    fn put_denial(&mut self, node: &'z Node, rtype: Rtype) {
        if let Some(set) = node.rrset(rtype) {
            self.put(Section::Authority, node, set, node.name());
        }
    }

    /// Proves that `name`, which exists (a node or an empty non-terminal), has no
    /// RRset of QTYPE: the NSEC at `name` (for an empty non-terminal, the one
    /// covering it), or the NSEC3 matching it (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3);
    /// without a matching NSEC3 (an Opt-Out delegation asked for DS), the closest
    /// provable encloser proof (RFC 5155 §7.2.4).
    fn deny_type(&mut self, name: &Name) {
        if !self.dnssec {
            return;
        }
        let zone = self.zone;
        if zone.nsec3_chain().is_some() {
            match zone.nsec3_matching(name) {
                Some(n3) => self.put_denial(n3, Rtype::NSEC3),
                None => {
                    self.closest_provable_encloser(name, name);
                }
            }
        } else if let Some(nsec) = zone.nsec_for(name) {
            self.put_denial(nsec, Rtype::NSEC);
        }
    }

    /// Proves NXDOMAIN for `name`, whose closest encloser is `encloser`: the NSEC
    /// covering `name` and the one covering the wildcard that could have matched
    /// (RFC 4035 §3.1.3.2), or the closest encloser proof and the NSEC3 covering the
    /// wildcard at the closest encloser (RFC 5155 §7.2.2).
    fn deny_name(&mut self, name: &Name, encloser: &Name) {
        if !self.dnssec {
            return;
        }
        let zone = self.zone;
        if zone.nsec3_chain().is_some() {
            let provable = self.closest_provable_encloser(name, encloser);
            if let Ok(wild) = provable.prepend(b"*")
                && let Some(n3) = zone.nsec3_covering(&wild)
            {
                self.put_denial(n3, Rtype::NSEC3);
            }
        } else {
            if let Some(nsec) = zone.nsec_for(name) {
                self.put_denial(nsec, Rtype::NSEC);
            }
            if let Ok(wild) = encloser.prepend(b"*")
                && let Some(nsec) = zone.nsec_for(&wild)
            {
                self.put_denial(nsec, Rtype::NSEC);
            }
        }
    }

    /// An answer synthesised from a wildcard proves that QNAME itself does not
    /// exist: the NSEC covering it (RFC 4035 §3.1.3.3), or the NSEC3 covering the
    /// next closer name (RFC 5155 §7.2.6).
    fn prove_expansion(&mut self, qname: &Name, wildcard: Option<&Name>) {
        let Some(encloser) = wildcard else {
            return;
        };
        if !self.dnssec {
            return;
        }
        let zone = self.zone;
        if zone.nsec3_chain().is_some() {
            if let Some(n3) = zone.nsec3_covering(&next_closer(qname, encloser)) {
                self.put_denial(n3, Rtype::NSEC3);
            }
        } else if let Some(nsec) = zone.nsec_for(qname) {
            self.put_denial(nsec, Rtype::NSEC);
        }
    }

    /// NODATA from a wildcard: QNAME does not exist and the wildcard has no RRset of
    /// QTYPE. The NSEC covering QNAME and the wildcard's NSEC (RFC 4035 §3.1.3.4), or
    /// the closest encloser proof and the NSEC3 matching the wildcard (RFC 5155
    /// §7.2.5).
    fn deny_wildcard_type(&mut self, qname: &Name, encloser: &Name, wild: &'z Node) {
        if !self.dnssec {
            return;
        }
        let zone = self.zone;
        if zone.nsec3_chain().is_some() {
            self.closest_provable_encloser(qname, encloser);
            if let Some(n3) = zone.nsec3_matching(wild.name()) {
                self.put_denial(n3, Rtype::NSEC3);
            }
        } else {
            if let Some(nsec) = zone.nsec_for(qname) {
                self.put_denial(nsec, Rtype::NSEC);
            }
            self.put_denial(wild, Rtype::NSEC);
        }
    }

    /// The closest (provable) encloser proof for `name` (RFC 5155 §7.2.1): the NSEC3
    /// matching the closest ancestor of `name`, from `start` up, that has one, and the
    /// NSEC3 covering the next closer name below it. Returns that ancestor.
    fn closest_provable_encloser(&mut self, name: &Name, start: &Name) -> Name {
        let zone = self.zone;
        let origin = zone.origin();
        let mut encloser = start.clone();
        loop {
            if let Some(n3) = zone.nsec3_matching(&encloser) {
                self.put_denial(n3, Rtype::NSEC3);
                break;
            }
            match encloser.parent() {
                Some(parent) if encloser != *origin => encloser = parent,
                // A chain without the apex is broken; give what there is.
                _ => break,
            }
        }
        if name.is_below(&encloser)
            && let Some(n3) = zone.nsec3_covering(&next_closer(name, &encloser))
        {
            self.put_denial(n3, Rtype::NSEC3);
        }
        encloser
    }

    //--- ADDITIONAL

    /// Addresses for NS, MX and SRV targets in ANSWER that the zone holds
    /// authoritatively (RFC 1034 §3.6.2 additional section processing), signed when
    /// DNSSEC is wanted (RFC 4035 §3.1.1).
    fn add_additional(&mut self) {
        let zone = self.zone;
        let mut targets: Vec<Name> = Vec::new();
        for r in self.ans.answer.iter() {
            if matches!(r.rtype, Rtype::NS | Rtype::MX | Rtype::SRV)
                && let Some(t) = rdata_target(r.rtype, &r.rdata)
                && t.ends_with(zone.origin())
                && !targets.contains(&t)
            {
                targets.push(t);
            }
        }
        let mut extra = Vec::new();
        for t in &targets {
            // Glue below a cut is not authoritative: only a referral hands it out.
            if zone.find_cut(t).is_some() {
                continue;
            }
            self.push_addresses(t, &mut extra, false);
        }
        for r in extra {
            if !self.ans.additional.contains(&r) {
                self.ans.additional.push(r);
            }
        }
    }

    /// The A and AAAA records of `name` (and their RRSIGs, which glue has none of);
    /// `glue` allows data below a cut.
    fn push_addresses(&self, name: &Name, out: &mut Vec<Rr<'z>>, glue: bool) {
        let zone = self.zone;
        if !glue && zone.find_cut(name).is_some() {
            return;
        }
        if let Some(node) = zone.get(name) {
            for t in [Rtype::A, Rtype::AAAA] {
                if let Some(set) = node.rrset(t) {
                    out.extend(rrs(set, node.name(), zone.class()));
                    if self.dnssec
                        && let Some(sigs) = node.rrsig_covering(t)
                    {
                        out.extend(rrs(sigs, node.name(), zone.class()));
                    }
                }
            }
        }
    }
}

/// The next closer name of `name` below its closest encloser `encloser` (RFC 5155
/// §1.3): the ancestor of `name` with one label more than `encloser`.
fn next_closer(name: &Name, encloser: &Name) -> Name {
    name.trim_labels(name.label_count() - encloser.label_count() - 1)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{FLAG_AA, FLAG_QR, FLAG_TC, Header};
    use crate::zone::Class;
    use crate::zone::parse::{ParseOptions, parse_bytes};
    use std::path::Path;

    const ZONE: &str = r#"
$ORIGIN example.
$TTL 3600
@        SOA   ns1 hostmaster 1 3600 600 86400 300
@        NS    ns1
@        NS    ns2.other.
@        MX    10 mail
ns1      A     192.0.2.1
mail     A     192.0.2.25
mail     AAAA  2001:db8::25
www      A     192.0.2.80
alias    CNAME www
chain    CNAME alias
loop1    CNAME loop2
loop2    CNAME loop1
self     CNAME self
out      CNAME www.elsewhere.
*.wild   A     192.0.2.99
*.wild   TXT   "wild"
x.y.wild A     192.0.2.98
*.cw     CNAME www
sub      NS    ns.sub
sub      NS    ns1
sub      DS    12345 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.sub   A     192.0.2.53
d        DNAME target.example.
target   TXT   "t"
foo.target A   192.0.2.7
back.target CNAME x.d.example.
_sip._tcp SRV  0 5 5060 mail
"#;

    fn zone() -> ZoneVersion {
        let origin: Name = "example.".parse().unwrap();
        let parsed = parse_bytes(
            ZONE.as_bytes(),
            Path::new("t.zone"),
            &origin,
            &ParseOptions::default(),
        );
        assert!(!parsed.has_errors(), "{:?}", parsed.findings);
        ZoneVersion::from_records(origin, Class::IN, parsed.records).unwrap()
    }

    fn ask<'z>(z: &'z ZoneVersion, qname: &str, qtype: Rtype) -> Answer<'z> {
        resolve(
            z,
            &Question {
                qname: qname.parse().unwrap(),
                qtype,
                tcp: false,
                dnssec_ok: false,
            },
        )
    }

    fn names(recs: &[Rr<'_>]) -> Vec<String> {
        recs.iter()
            .map(|r| format!("{} {}", r.owner.to_string().to_lowercase(), r.rtype))
            .collect()
    }

    #[test]
    fn exact_match_with_additional() {
        let z = zone();
        let a = ask(&z, "example.", Rtype::MX);
        assert_eq!((a.rcode, a.authoritative), (Rcode::NOERROR, true));
        assert_eq!(names(&a.answer), ["example. MX"]);
        assert_eq!(
            names(&a.additional),
            ["mail.example. A", "mail.example. AAAA"]
        );
        let a = ask(&z, "_sip._tcp.example.", Rtype::SRV);
        assert_eq!(
            names(&a.additional),
            ["mail.example. A", "mail.example. AAAA"]
        );
        let a = ask(&z, "example.", Rtype::NS);
        assert_eq!(names(&a.additional), ["ns1.example. A"]);
    }

    #[test]
    fn nodata_and_nxdomain_carry_soa_with_negative_ttl() {
        let z = zone();
        let a = ask(&z, "www.example.", Rtype::AAAA);
        assert_eq!(a.rcode, Rcode::NOERROR);
        assert!(a.answer.is_empty());
        assert_eq!(names(&a.authority), ["example. SOA"]);
        assert_eq!(a.authority[0].ttl, 300);
        let a = ask(&z, "nope.example.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NXDOMAIN);
        assert_eq!(names(&a.authority), ["example. SOA"]);
        // An empty non-terminal exists.
        let a = ask(&z, "_tcp.example.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NOERROR);
        assert!(a.answer.is_empty());
    }

    #[test]
    fn cname_chains_and_loops() {
        let z = zone();
        let a = ask(&z, "chain.example.", Rtype::A);
        assert_eq!(
            names(&a.answer),
            [
                "chain.example. CNAME",
                "alias.example. CNAME",
                "www.example. A"
            ]
        );
        let a = ask(&z, "chain.example.", Rtype::CNAME);
        assert_eq!(names(&a.answer), ["chain.example. CNAME"]);
        // A loop is shown once, not repeated up to the chain limit.
        let a = ask(&z, "loop1.example.", Rtype::A);
        assert_eq!(
            names(&a.answer),
            ["loop1.example. CNAME", "loop2.example. CNAME"]
        );
        assert_eq!(a.rcode, Rcode::NOERROR);
        let a = ask(&z, "SELF.example.", Rtype::A);
        assert_eq!(names(&a.answer), ["self.example. CNAME"]);
        let a = ask(&z, "out.example.", Rtype::A);
        assert_eq!(names(&a.answer), ["out.example. CNAME"]);
        assert!(a.authority.is_empty());
        // RFC 6604: the chain ends in NXDOMAIN.
        let mut z2 = ZONE.to_string();
        z2.push_str("dangling CNAME missing\n");
        let origin: Name = "example.".parse().unwrap();
        let p = parse_bytes(
            z2.as_bytes(),
            Path::new("t"),
            &origin,
            &ParseOptions::default(),
        );
        let z2 = ZoneVersion::from_records(origin, Class::IN, p.records).unwrap();
        let a = ask(&z2, "dangling.example.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NXDOMAIN);
        assert_eq!(names(&a.answer), ["dangling.example. CNAME"]);
    }

    #[test]
    fn wildcards() {
        let z = zone();
        let a = ask(&z, "anything.wild.example.", Rtype::A);
        assert_eq!(names(&a.answer), ["anything.wild.example. A"]);
        let a = ask(&z, "a.b.wild.example.", Rtype::TXT);
        assert_eq!(names(&a.answer), ["a.b.wild.example. TXT"]);
        // y.wild exists as an empty non-terminal: it blocks the wildcard.
        let a = ask(&z, "y.wild.example.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NOERROR);
        assert!(a.answer.is_empty());
        // Below y.wild the closest encloser is y.wild, which has no wildcard.
        let a = ask(&z, "z.y.wild.example.", Rtype::A);
        assert_eq!(a.rcode, Rcode::NXDOMAIN);
        let a = ask(&z, "anything.wild.example.", Rtype::MX);
        assert!(a.answer.is_empty());
        assert_eq!(a.rcode, Rcode::NOERROR);
        let a = ask(&z, "q.cw.example.", Rtype::A);
        assert_eq!(names(&a.answer), ["q.cw.example. CNAME", "www.example. A"]);
    }

    #[test]
    fn referrals() {
        let z = zone();
        for q in ["sub.example.", "deep.sub.example.", "ns.sub.example."] {
            let a = ask(&z, q, Rtype::A);
            assert!(!a.authoritative, "{q}");
            assert!(a.answer.is_empty(), "{q}");
            assert_eq!(
                names(&a.authority),
                ["sub.example. NS", "sub.example. NS"],
                "{q}"
            );
            assert_eq!(
                names(&a.additional),
                ["ns.sub.example. A", "ns1.example. A"],
                "{q}"
            );
            assert_eq!(a.required_additional, 1);
        }
        // DS at the cut is the parent's: authoritative.
        let a = ask(&z, "sub.example.", Rtype::DS);
        assert!(a.authoritative);
        assert_eq!(names(&a.answer), ["sub.example. DS"]);
    }

    #[test]
    fn dname_synthesis() {
        let z = zone();
        let a = ask(&z, "foo.d.example.", Rtype::A);
        assert_eq!(
            names(&a.answer),
            [
                "d.example. DNAME",
                "foo.d.example. CNAME",
                "foo.target.example. A"
            ]
        );
        assert_eq!(
            rdata_target(Rtype::CNAME, &a.answer[1].rdata)
                .unwrap()
                .to_string(),
            "foo.target.example."
        );
        // Through the same DNAME twice: its record appears once.
        let a = ask(&z, "back.d.example.", Rtype::A);
        assert_eq!(
            names(&a.answer),
            [
                "d.example. DNAME",
                "back.d.example. CNAME",
                "back.target.example. CNAME",
                "x.d.example. CNAME"
            ]
        );
        assert_eq!(a.rcode, Rcode::NXDOMAIN);
        // The DNAME owner itself is not redirected.
        let a = ask(&z, "d.example.", Rtype::DNAME);
        assert_eq!(names(&a.answer), ["d.example. DNAME"]);
        let long = format!(
            "{}.{}.{}.d.example.",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63)
        );
        let origin: Name = "example.".parse().unwrap();
        let mut text = ZONE.to_string();
        text.push_str(&format!(
            "e DNAME {}.{}.example.\n",
            "x".repeat(60),
            "y".repeat(60)
        ));
        let p = parse_bytes(
            text.as_bytes(),
            Path::new("t"),
            &origin,
            &ParseOptions::default(),
        );
        let z2 = ZoneVersion::from_records(origin, Class::IN, p.records).unwrap();
        let _ = long;
        let q = format!("{}.{}.e.example.", "a".repeat(63), "b".repeat(63));
        let a = ask(&z2, &q, Rtype::A);
        assert_eq!(a.rcode, Rcode::YXDOMAIN);
    }

    #[test]
    fn any_is_minimal_over_udp() {
        let z = zone();
        let a = ask(&z, "mail.example.", Rtype::ANY);
        assert_eq!(a.answer.len(), 1);
        let a = resolve(
            &z,
            &Question {
                qname: "mail.example.".parse().unwrap(),
                qtype: Rtype::ANY,
                tcp: true,
                dnssec_ok: false,
            },
        );
        assert_eq!(a.answer.len(), 2);
    }

    #[test]
    fn encode_sets_flags_and_truncates() {
        let z = zone();
        let q = Header {
            id: 0x1234,
            flags: 0x0100,
            qdcount: 1,
            ..Header::default()
        };
        let qname: Name = "www.EXAMPLE.".parse().unwrap();
        let a = resolve(
            &z,
            &Question {
                qname: qname.clone(),
                qtype: Rtype::A,
                tcp: false,
                dnssec_ok: false,
            },
        );
        let msg = encode(
            &q,
            &qname,
            Rtype::A,
            Class::IN,
            &a,
            Some(Edns {
                udp_size: 1232,
                dnssec_ok: false,
                options: &[],
            }),
            1232,
        );
        let h = Header::parse(&msg).unwrap();
        assert_eq!(h.id, 0x1234);
        assert_eq!(h.flags, FLAG_QR | FLAG_AA | 0x0100);
        assert_eq!((h.qdcount, h.ancount, h.nscount, h.arcount), (1, 1, 0, 1));
        // The question keeps the asker's case.
        assert!(msg.windows(7).any(|w| w == b"EXAMPLE"));
        // Too small for the answer: TC, question and OPT only.
        let msg = encode(
            &q,
            &qname,
            Rtype::A,
            Class::IN,
            &a,
            Some(Edns {
                udp_size: 512,
                dnssec_ok: false,
                options: &[],
            }),
            40,
        );
        let h = Header::parse(&msg).unwrap();
        assert_eq!(h.flags & FLAG_TC, FLAG_TC);
        assert_eq!((h.ancount, h.arcount), (0, 1));
    }

    mod dnssec {
        use super::*;
        use crate::zone::dnssec::testing::{Denial, SALT, sign};
        use crate::zone::dnssec::{
            Nsec3Fields, NsecFields, RrsigFields, hash_of_label, hashed_owner, nsec3_hash,
        };
        use crate::zone::name::canonical_cmp;
        use std::cmp::Ordering;

        /// The unsigned test zone, a DNSKEY and an unsigned delegation added, signed.
        fn signed(denial: Denial) -> ZoneVersion {
            let origin: Name = "example.".parse().unwrap();
            let text =
                format!("{ZONE}@ DNSKEY 257 3 13 AAAA\nins NS ns.ins\nns.ins A 192.0.2.54\n");
            let p = parse_bytes(
                text.as_bytes(),
                Path::new("t"),
                &origin,
                &ParseOptions::default(),
            );
            assert!(!p.has_errors(), "{:?}", p.findings);
            let records = sign(&origin, p.records, denial);
            ZoneVersion::from_records(origin, Class::IN, records).unwrap()
        }

        fn ask_do<'z>(z: &'z ZoneVersion, qname: &str, qtype: Rtype) -> Answer<'z> {
            resolve(
                z,
                &Question {
                    qname: qname.parse().unwrap(),
                    qtype,
                    tcp: false,
                    dnssec_ok: true,
                },
            )
        }

        /// `owner TYPE`, RRSIGs as `owner RRSIG(COVERED)`.
        fn shown(recs: &[Rr<'_>]) -> Vec<String> {
            recs.iter()
                .map(|r| {
                    let t = if r.rtype == Rtype::RRSIG {
                        let f = RrsigFields::parse(&r.rdata).unwrap();
                        format!("RRSIG({})", f.covered)
                    } else {
                        r.rtype.to_string()
                    };
                    format!("{} {t}", r.owner.to_string().to_lowercase())
                })
                .collect()
        }

        fn lt(a: &Name, b: &Name) -> bool {
            canonical_cmp(a.as_wire(), b.as_wire()) == Ordering::Less
        }

        /// The NSEC records of a section that cover `name` (owner < name < next, or
        /// the last NSEC, wrapping).
        fn nsec_covering<'a>(recs: &'a [Rr<'a>], name: &str) -> Vec<&'a Rr<'a>> {
            let name: Name = name.parse().unwrap();
            recs.iter()
                .filter(|r| r.rtype == Rtype::NSEC)
                .filter(|r| {
                    let next = NsecFields::parse(&r.rdata).unwrap().next;
                    let wraps = !lt(&r.owner, &next);
                    lt(&r.owner, &name) && (lt(&name, &next) || wraps)
                })
                .collect()
        }

        /// The hash of `name` in the test zones' NSEC3 chain.
        fn h(name: &str) -> [u8; 20] {
            nsec3_hash(&name.parse().unwrap(), 0, SALT)
        }

        /// The NSEC3 records of a section that match `name`.
        fn nsec3_matching<'a>(recs: &'a [Rr<'a>], name: &str) -> Vec<&'a Rr<'a>> {
            let want = hashed_owner(&h(name), &"example.".parse().unwrap()).unwrap();
            recs.iter()
                .filter(|r| r.rtype == Rtype::NSEC3 && r.owner == want)
                .collect()
        }

        /// The NSEC3 records of a section that cover `name` (hash strictly between
        /// the owner's and the next, or wrapping).
        fn nsec3_covering<'a>(recs: &'a [Rr<'a>], name: &str) -> Vec<&'a Rr<'a>> {
            let hash = h(name);
            recs.iter()
                .filter(|r| r.rtype == Rtype::NSEC3)
                .filter(|r| {
                    let own = hash_of_label(r.owner.first_label().unwrap()).unwrap();
                    let next: [u8; 20] = (*Nsec3Fields::parse(&r.rdata).unwrap().next_hashed)
                        .try_into()
                        .unwrap();
                    if own < next {
                        own < hash && hash < next
                    } else {
                        hash > own || hash < next
                    }
                })
                .collect()
        }

        #[test]
        fn positive_answers_carry_their_signatures() {
            let z = signed(Denial::Nsec);
            let a = ask_do(&z, "www.example.", Rtype::A);
            assert_eq!(
                shown(&a.answer),
                ["www.example. A", "www.example. RRSIG(A)"]
            );
            assert!(a.authority.is_empty());
            // Without DO, none of it.
            assert_eq!(
                names(&ask(&z, "www.example.", Rtype::A).answer),
                ["www.example. A"]
            );
            let a = ask_do(&z, "example.", Rtype::MX);
            assert_eq!(
                shown(&a.additional),
                [
                    "mail.example. A",
                    "mail.example. RRSIG(A)",
                    "mail.example. AAAA",
                    "mail.example. RRSIG(AAAA)"
                ]
            );
            // A CNAME chain: each link signed.
            let a = ask_do(&z, "chain.example.", Rtype::A);
            assert_eq!(
                shown(&a.answer),
                [
                    "chain.example. CNAME",
                    "chain.example. RRSIG(CNAME)",
                    "alias.example. CNAME",
                    "alias.example. RRSIG(CNAME)",
                    "www.example. A",
                    "www.example. RRSIG(A)"
                ]
            );
            // DNAME: signed; the synthesised CNAME is not.
            let a = ask_do(&z, "foo.d.example.", Rtype::A);
            assert_eq!(
                shown(&a.answer),
                [
                    "d.example. DNAME",
                    "d.example. RRSIG(DNAME)",
                    "foo.d.example. CNAME",
                    "foo.target.example. A",
                    "foo.target.example. RRSIG(A)"
                ]
            );
        }

        #[test]
        fn nsec_nxdomain_proves_the_name_and_the_wildcard_absent() {
            let z = signed(Denial::Nsec);
            let a = ask_do(&z, "nope.example.", Rtype::A);
            assert_eq!(a.rcode, Rcode::NXDOMAIN);
            assert_eq!(
                shown(&a.authority[..2]),
                ["example. SOA", "example. RRSIG(SOA)"]
            );
            // The SOA's signature takes the negative TTL too.
            assert_eq!((a.authority[0].ttl, a.authority[1].ttl), (300, 300));
            assert_eq!(nsec_covering(&a.authority, "nope.example.").len(), 1);
            assert_eq!(nsec_covering(&a.authority, "*.example.").len(), 1);
            let nsecs = a
                .authority
                .iter()
                .filter(|r| r.rtype == Rtype::NSEC)
                .count();
            let sigs = a
                .authority
                .iter()
                .filter(|r| r.rtype == Rtype::RRSIG)
                .count();
            assert!(nsecs <= 2 && sigs == nsecs + 1, "{:?}", shown(&a.authority));
        }

        #[test]
        fn nsec_nodata_at_a_name_an_empty_non_terminal_and_a_wildcard() {
            let z = signed(Denial::Nsec);
            let a = ask_do(&z, "www.example.", Rtype::MX);
            assert_eq!(a.rcode, Rcode::NOERROR);
            assert_eq!(
                shown(&a.authority),
                [
                    "example. SOA",
                    "example. RRSIG(SOA)",
                    "www.example. NSEC",
                    "www.example. RRSIG(NSEC)"
                ]
            );
            let a = ask_do(&z, "_tcp.example.", Rtype::A);
            assert_eq!(nsec_covering(&a.authority, "_tcp.example.").len(), 1);
            // Wildcard NODATA: QNAME absent, and the wildcard's NSEC.
            let a = ask_do(&z, "any.wild.example.", Rtype::MX);
            assert_eq!(a.rcode, Rcode::NOERROR);
            assert_eq!(nsec_covering(&a.authority, "any.wild.example.").len(), 1);
            assert!(shown(&a.authority).contains(&"*.wild.example. NSEC".to_string()));
        }

        #[test]
        fn wildcard_expansions_prove_qname_absent() {
            let z = signed(Denial::Nsec);
            let a = ask_do(&z, "any.wild.example.", Rtype::A);
            assert_eq!(
                shown(&a.answer),
                ["any.wild.example. A", "any.wild.example. RRSIG(A)"]
            );
            // The signature keeps the wildcard's label count: a validator sees the
            // expansion.
            assert_eq!(RrsigFields::parse(&a.answer[1].rdata).unwrap().labels, 2);
            assert_eq!(nsec_covering(&a.authority, "any.wild.example.").len(), 1);
            assert_eq!(a.authority.len(), 2, "{:?}", shown(&a.authority));
        }

        #[test]
        fn referrals_carry_the_ds_or_its_absence() {
            let z = signed(Denial::Nsec);
            let a = ask_do(&z, "host.sub.example.", Rtype::A);
            assert!(!a.authoritative);
            assert_eq!(
                shown(&a.authority),
                [
                    "sub.example. NS",
                    "sub.example. NS",
                    "sub.example. DS",
                    "sub.example. RRSIG(DS)"
                ]
            );
            let a = ask_do(&z, "host.ins.example.", Rtype::A);
            assert_eq!(
                shown(&a.authority),
                [
                    "ins.example. NS",
                    "ins.example. NSEC",
                    "ins.example. RRSIG(NSEC)"
                ]
            );
            // DS at the cut is answered by the parent: NODATA with the cut's NSEC.
            let a = ask_do(&z, "ins.example.", Rtype::DS);
            assert!(a.authoritative);
            assert_eq!(
                shown(&a.authority),
                [
                    "example. SOA",
                    "example. RRSIG(SOA)",
                    "ins.example. NSEC",
                    "ins.example. RRSIG(NSEC)"
                ]
            );
            let a = ask_do(&z, "sub.example.", Rtype::DS);
            assert_eq!(
                shown(&a.answer),
                ["sub.example. DS", "sub.example. RRSIG(DS)"]
            );
        }

        #[test]
        fn rrsig_and_nsec_queries_do_not_follow_a_cname() {
            for denial in [Denial::Nsec, Denial::Nsec3 { opt_out: false }] {
                let z = signed(denial);
                let a = ask_do(&z, "alias.example.", Rtype::RRSIG);
                assert_eq!(
                    shown(&a.answer),
                    ["alias.example. RRSIG(CNAME)"],
                    "{denial:?}"
                );
                let a = ask_do(&z, "alias.example.", Rtype::NSEC);
                let answered = shown(&a.answer);
                match denial {
                    Denial::Nsec => assert_eq!(
                        answered,
                        ["alias.example. NSEC", "alias.example. RRSIG(NSEC)"]
                    ),
                    Denial::Nsec3 { .. } => {
                        assert!(answered.is_empty());
                        assert_eq!(nsec3_matching(&a.authority, "alias.example.").len(), 1);
                    }
                }
            }
        }

        #[test]
        fn nsec3_nxdomain_is_the_closest_encloser_proof() {
            let z = signed(Denial::Nsec3 { opt_out: false });
            let a = ask_do(&z, "a.nope.example.", Rtype::A);
            assert_eq!(a.rcode, Rcode::NXDOMAIN);
            // Closest encloser example., next closer nope.example., wildcard
            // *.example.
            assert_eq!(nsec3_matching(&a.authority, "example.").len(), 1);
            assert_eq!(nsec3_covering(&a.authority, "nope.example.").len(), 1);
            assert_eq!(nsec3_covering(&a.authority, "*.example.").len(), 1);
            let n3 = a
                .authority
                .iter()
                .filter(|r| r.rtype == Rtype::NSEC3)
                .count();
            assert!((2..=3).contains(&n3), "{:?}", shown(&a.authority));
            // No NSEC anywhere, and each NSEC3 signed.
            assert!(a.authority.iter().all(|r| r.rtype != Rtype::NSEC));
            let sigs = a
                .authority
                .iter()
                .filter(|r| r.rtype == Rtype::RRSIG)
                .count();
            assert_eq!(sigs, n3 + 1);
        }

        #[test]
        fn nsec3_nodata_and_wildcards() {
            let z = signed(Denial::Nsec3 { opt_out: false });
            let a = ask_do(&z, "www.example.", Rtype::MX);
            assert_eq!(nsec3_matching(&a.authority, "www.example.").len(), 1);
            let a = ask_do(&z, "_tcp.example.", Rtype::A);
            assert_eq!(nsec3_matching(&a.authority, "_tcp.example.").len(), 1);
            // A wildcard answer: the next closer name is covered.
            let a = ask_do(&z, "x.any.wild.example.", Rtype::A);
            assert_eq!(shown(&a.answer)[0], "x.any.wild.example. A");
            assert_eq!(nsec3_covering(&a.authority, "any.wild.example.").len(), 1);
            // Wildcard NODATA: closest encloser, next closer, and the wildcard.
            let a = ask_do(&z, "any.wild.example.", Rtype::MX);
            assert_eq!(nsec3_matching(&a.authority, "wild.example.").len(), 1);
            assert_eq!(nsec3_covering(&a.authority, "any.wild.example.").len(), 1);
            assert_eq!(nsec3_matching(&a.authority, "*.wild.example.").len(), 1);
        }

        #[test]
        fn nsec3_owner_names_do_not_exist() {
            let z = signed(Denial::Nsec3 { opt_out: false });
            let owner = hashed_owner(&h("www.example."), &"example.".parse().unwrap()).unwrap();
            for dnssec_ok in [false, true] {
                let a = resolve(
                    &z,
                    &Question {
                        qname: owner.clone(),
                        qtype: Rtype::NSEC3,
                        tcp: false,
                        dnssec_ok,
                    },
                );
                assert_eq!(a.rcode, Rcode::NXDOMAIN, "DO {dnssec_ok}");
                assert!(a.answer.is_empty());
            }
        }

        #[test]
        fn nsec3_opt_out_delegations() {
            let z = signed(Denial::Nsec3 { opt_out: true });
            // No NSEC3 for the unsigned delegation: the closest provable encloser
            // (the apex) and the Opt-Out NSEC3 covering the delegation.
            for (qname, qtype) in [("ins.example.", Rtype::DS), ("host.ins.example.", Rtype::A)] {
                let a = ask_do(&z, qname, qtype);
                assert!(nsec3_matching(&a.authority, "ins.example.").is_empty());
                assert_eq!(nsec3_matching(&a.authority, "example.").len(), 1, "{qname}");
                let cover = nsec3_covering(&a.authority, "ins.example.");
                assert_eq!(cover.len(), 1, "{qname}");
                assert!(Nsec3Fields::parse(&cover[0].rdata).unwrap().opt_out());
            }
            // The signed delegation has its own.
            let a = ask_do(&z, "host.sub.example.", Rtype::A);
            assert!(shown(&a.authority).contains(&"sub.example. DS".to_string()));
        }
    }
}
