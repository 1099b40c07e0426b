//! DNSSEC consistency checks of a signed zone: what `zonesync check` reports about
//! signatures and NSEC/NSEC3 chains, beside the checks of [`super::check`].
//!
//! zonesync serves pre-signed zones and never signs; these checks catch what would
//! make validating resolvers fail on the data as it is: an RRset without a signature,
//! a signature out of its validity period, a chain of NSEC or NSEC3 records with a
//! gap, a wrong link or a type bitmap that does not match the data. Input and output
//! have the shape of [`super::check::check_records`]: the records of one zone and
//! their positions, findings at the offending record. A zone with no RRSIG and no
//! DNSKEY at its apex is not signed and gets no findings here.
//!
//! | code | severity | what |
//! |---|---|---|
//! | `rrsig-missing` | error | an authoritative RRset that no RRSIG covers |
//! | `rrsig-expired` | error | an RRSIG past its expiration time |
//! | `rrsig-not-yet-valid` | error | an RRSIG before its inception time |
//! | `rrsig-expiring` | warning | an RRSIG that expires within the warning window |
//! | `rrsig-orphan` | warning | an RRSIG covering a type its owner does not have |
//! | `dnskey-missing` | error | signatures, but no DNSKEY RRset at the apex |
//! | `denial-missing` | error | a signed zone with neither NSEC nor NSEC3 records |
//! | `nsec-missing` | error | an authoritative name without an NSEC record |
//! | `nsec-chain` | error | an NSEC whose next name is not the next name of the zone |
//! | `nsec-bitmap` | error | an NSEC whose type bitmap differs from its owner's types |
//! | `nsec3param-missing` | error | NSEC3 records but no usable NSEC3PARAM at the apex |
//! | `nsec3-params` | error | an NSEC3 record of other parameters than the chain's |
//! | `nsec3-missing` | error | a name (or empty non-terminal) without its NSEC3 |
//! | `nsec3-chain` | error | an NSEC3 whose next hashed owner is not the next hash |
//! | `nsec3-bitmap` | error | an NSEC3 whose type bitmap differs from its name's types |
//! | `nsec3-orphan` | warning | an NSEC3 that matches no name of the zone |
//!
//! # Standards
//! - RFC 4035 §2.2: "every authoritative RRset in a signed zone MUST be signed";
//!   "NS RRsets that appear at delegation points … MUST NOT be signed", nor glue.
//! - RFC 4034 §3.1.5: a signature is valid from Inception to Expiration, compared "using
//!   serial number arithmetic" (RFC 1982).
//! - RFC 4035 §2.3: "Each owner name in the zone that has authoritative data or a
//!   delegation point NS RRset MUST have an NSEC resource record"; RFC 4034 §4.1.1: the
//!   Next Domain Name is the next owner name in canonical order, the last NSEC points
//!   to the apex; §4.1.2: the bitmap lists the types at the owner, NSEC and RRSIG
//!   included.
//! - RFC 5155 §7.1: an NSEC3 for each authoritative name and empty non-terminal, in
//!   hash order, each pointing to the next hash; Opt-Out lets unsigned delegations go
//!   without one; the bitmap lists the types at the original owner (none for an empty
//!   non-terminal). §4.1.2: NSEC3PARAM with flags other than zero is ignored.
//!
//! # Limitations
//! - Signatures are checked for presence and validity period, not cryptographically:
//!   that is [`super::dnssec_verify`] (`check --verify-signatures`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::diag::{Finding, Pos, Severity};
use super::dnssec::{
    Nsec3Fields, Nsec3Hash, Nsec3Params, NsecFields, RrsigFields, hash_of_label, nsec3_hash,
};
use super::name::Name;
use super::record::{Record, Rtype};
use super::serial::Serial;
use super::version::canonical_order;

//----------- Options ----------------------------------------------------------------

/// What the DNSSEC checks compare signature times with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnssecCheckOptions {
    /// The time to check validity at, seconds since 1970 (truncated to 32 bits, as
    /// RRSIG times are).
    pub now: u32,
    /// Signatures expiring within this many seconds of `now` get a warning.
    pub expiry_warning: u32,
}

//----------- Entry point ------------------------------------------------------------

/// Checks the DNSSEC data of the zone `origin` (see the module documentation).
/// `positions[i]` is where `records[i]` was read (may be empty). Findings come in the
/// zone's canonical order.
pub fn check_dnssec(
    origin: &Name,
    records: &[Record],
    positions: &[Pos],
    opts: &DnssecCheckOptions,
) -> Vec<Finding> {
    let signed = records
        .iter()
        .any(|r| r.rtype == Rtype::RRSIG || (r.rtype == Rtype::DNSKEY && r.owner == *origin));
    if !signed {
        return Vec::new();
    }
    let idx: Vec<u32> = (0..records.len() as u32)
        .filter(|&i| records[i as usize].owner.ends_with(origin))
        .collect();
    let order = canonical_order(origin, records, idx);
    let mut c = DnssecChecker {
        origin,
        records,
        positions,
        opts,
        owners: group(origin, records, &order),
        out: Vec::new(),
    };
    c.signatures();
    let has_nsec = records.iter().any(|r| r.rtype == Rtype::NSEC);
    let has_nsec3 = records.iter().any(|r| r.rtype == Rtype::NSEC3);
    if has_nsec {
        c.nsec_chain();
    }
    if has_nsec3 {
        c.nsec3_chain();
    }
    if !has_nsec && !has_nsec3 {
        let at = c.owners.first().map(|o| o.first);
        c.push(
            at,
            Severity::Error,
            "denial-missing",
            format!("{origin} is signed but has neither NSEC nor NSEC3 records"),
        );
    }
    c.out
}

//----------- Owners -----------------------------------------------------------------

/// One owner name of the zone with what the checks need to know about it.
struct OwnerInfo<'a> {
    name: &'a Name,
    /// Index (into `records`) of the owner's first record, for positions.
    first: u32,
    /// The types of the owner's records, RRSIG left out.
    types: BTreeSet<Rtype>,
    /// The types RRSIGs at this owner cover, with the first such RRSIG.
    signed: BTreeMap<Rtype, u32>,
    /// The first record of each type, for positions.
    first_of: BTreeMap<Rtype, u32>,
    /// A delegation point (NS below the apex).
    cut: bool,
    /// Below a delegation point: glue or occluded data, not authoritative.
    below_cut: bool,
}

impl OwnerInfo<'_> {
    /// Holds nothing but NSEC3 records (and their signatures): a hashed owner name.
    fn nsec3_only(&self) -> bool {
        self.types.iter().all(|&t| t == Rtype::NSEC3)
    }

    /// Authoritative: neither below a cut nor a hashed owner (an NSEC3 owner is
    /// authoritative data, but not a name of the zone's tree).
    fn in_tree(&self) -> bool {
        !self.below_cut && !self.nsec3_only()
    }

    /// The types that a denial record's bitmap must list for this owner: at a cut,
    /// only NS and DS (the rest is occluded).
    fn bitmap_types(&self) -> BTreeSet<Rtype> {
        let mut types: BTreeSet<Rtype> = if self.cut {
            self.types
                .iter()
                .copied()
                .filter(|t| matches!(*t, Rtype::NS | Rtype::DS | Rtype::NSEC))
                .collect()
        } else {
            self.types.clone()
        };
        if !self.signed.is_empty() {
            types.insert(Rtype::RRSIG);
        }
        types
    }
}

/// Groups `order` (canonical order) by owner and marks cuts and what lies below them.
fn group<'a>(origin: &Name, records: &'a [Record], order: &[u32]) -> Vec<OwnerInfo<'a>> {
    let mut owners: Vec<OwnerInfo<'a>> = Vec::new();
    for &i in order {
        let r = &records[i as usize];
        if owners.last().is_none_or(|o| *o.name != r.owner) {
            owners.push(OwnerInfo {
                name: &r.owner,
                first: i,
                types: BTreeSet::new(),
                signed: BTreeMap::new(),
                first_of: BTreeMap::new(),
                cut: false,
                below_cut: false,
            });
        }
        let o = owners.last_mut().expect("pushed above");
        if r.rtype == Rtype::RRSIG {
            if let Some(f) = RrsigFields::parse(r.rdata.as_wire()) {
                o.signed.entry(f.covered).or_insert(i);
            }
        } else {
            o.types.insert(r.rtype);
            o.first_of.entry(r.rtype).or_insert(i);
        }
    }
    // Canonical order lists a name's descendants right after it: one running cut.
    let mut cut: Option<&Name> = None;
    for o in &mut owners {
        if cut.is_some_and(|c| !o.name.is_below(c)) {
            cut = None;
        }
        if cut.is_some() {
            o.below_cut = true;
        } else if o.types.contains(&Rtype::NS) && o.name != origin {
            o.cut = true;
            cut = Some(o.name);
        }
    }
    owners
}

//----------- The checks -------------------------------------------------------------

struct DnssecChecker<'a> {
    origin: &'a Name,
    records: &'a [Record],
    positions: &'a [Pos],
    opts: &'a DnssecCheckOptions,
    owners: Vec<OwnerInfo<'a>>,
    out: Vec<Finding>,
}

impl DnssecChecker<'_> {
    fn push(&mut self, at: Option<u32>, severity: Severity, code: &'static str, message: String) {
        let pos = at.and_then(|i| self.positions.get(i as usize).cloned());
        self.out.push(Finding {
            severity,
            pos,
            code,
            message,
        });
    }

    /// Every authoritative RRset signed, every signature in its validity period, no
    /// signature without its RRset, a DNSKEY RRset at the apex.
    fn signatures(&mut self) {
        let now = Serial(self.opts.now);
        let mut found = Vec::new();
        for o in &self.owners {
            if o.below_cut {
                continue;
            }
            for (&t, &first) in &o.first_of {
                // RFC 4035 §2.2: NS at a delegation point is not signed, nor what the
                // cut occludes.
                let needs = !o.cut || matches!(t, Rtype::DS | Rtype::NSEC | Rtype::NSEC3);
                if needs && !o.signed.contains_key(&t) {
                    found.push((
                        first,
                        Severity::Error,
                        "rrsig-missing",
                        format!("no RRSIG covers the {t} RRset at {}", o.name),
                    ));
                }
            }
            for (&t, &sig) in &o.signed {
                if !o.types.contains(&t) {
                    found.push((
                        sig,
                        Severity::Warning,
                        "rrsig-orphan",
                        format!(
                            "RRSIG at {} covers {t}, which {} does not have",
                            o.name, o.name
                        ),
                    ));
                }
            }
        }
        for (i, r) in self.records.iter().enumerate() {
            if r.rtype != Rtype::RRSIG || !r.owner.ends_with(self.origin) {
                continue;
            }
            let Some(f) = RrsigFields::parse(r.rdata.as_wire()) else {
                continue;
            };
            let what = format!("RRSIG {} at {} (key {})", f.covered, r.owner, f.key_tag);
            if Serial(f.expiration).compare(now) != Some(std::cmp::Ordering::Greater) {
                found.push((
                    i as u32,
                    Severity::Error,
                    "rrsig-expired",
                    format!("{what} expired at {}", timestamp(f.expiration)),
                ));
            } else if now.compare(Serial(f.inception)) == Some(std::cmp::Ordering::Less) {
                found.push((
                    i as u32,
                    Severity::Error,
                    "rrsig-not-yet-valid",
                    format!("{what} is not valid before {}", timestamp(f.inception)),
                ));
            } else if f.expiration.wrapping_sub(self.opts.now) <= self.opts.expiry_warning {
                let left = f.expiration.wrapping_sub(self.opts.now);
                found.push((
                    i as u32,
                    Severity::Warning,
                    "rrsig-expiring",
                    format!(
                        "{what} expires at {}, in {}",
                        timestamp(f.expiration),
                        roughly(left)
                    ),
                ));
            }
        }
        let apex = self.owners.first().filter(|o| o.name == self.origin);
        if !apex.is_some_and(|o| o.types.contains(&Rtype::DNSKEY)) {
            found.push((
                apex.map_or(0, |o| o.first),
                Severity::Error,
                "dnskey-missing",
                format!(
                    "{} has signatures but no DNSKEY RRset at its apex",
                    self.origin
                ),
            ));
        }
        for (at, severity, code, message) in found {
            self.push(Some(at), severity, code, message);
        }
    }

    /// RFC 4035 §2.3: one NSEC per authoritative name, each pointing to the next,
    /// the last to the apex, each listing its owner's types.
    fn nsec_chain(&mut self) {
        let names: Vec<usize> = (0..self.owners.len())
            .filter(|&k| self.owners[k].in_tree())
            .collect();
        let mut found = Vec::new();
        for (n, &k) in names.iter().enumerate() {
            let o = &self.owners[k];
            let expected_next = self.owners[names[(n + 1) % names.len()]].name;
            let Some(&at) = o.first_of.get(&Rtype::NSEC) else {
                found.push((
                    o.first,
                    "nsec-missing",
                    format!("{} has no NSEC record", o.name),
                ));
                continue;
            };
            let Some(nsec) = NsecFields::parse(self.records[at as usize].rdata.as_wire()) else {
                continue;
            };
            if nsec.next != *expected_next {
                found.push((
                    at,
                    "nsec-chain",
                    format!(
                        "the NSEC at {} points to {}, but the next name of the zone is {expected_next}",
                        o.name, nsec.next
                    ),
                ));
            }
            let listed: BTreeSet<Rtype> = nsec.types.iter().copied().collect();
            let present = o.bitmap_types();
            if listed != present {
                found.push((
                    at,
                    "nsec-bitmap",
                    format!(
                        "the NSEC at {} lists {}, but the name has {}",
                        o.name,
                        type_list(&listed),
                        type_list(&present)
                    ),
                ));
            }
        }
        for (at, code, message) in found {
            self.push(Some(at), Severity::Error, code, message);
        }
    }

    /// RFC 5155 §7.1: the NSEC3PARAM, then one NSEC3 per authoritative name and empty
    /// non-terminal (unsigned delegations may go without under Opt-Out), in a closed
    /// chain of hashes, each listing its name's types.
    fn nsec3_chain(&mut self) {
        let origin = self.origin;
        let apex = self.owners.first().filter(|o| o.name == origin);
        let apex_first = apex.map(|o| o.first);
        let param = self
            .records
            .iter()
            .filter(|r| r.rtype == Rtype::NSEC3PARAM && r.owner == *origin)
            .find_map(|r| Nsec3Params::from_nsec3param(r.rdata.as_wire()));

        // Every NSEC3 record by the hash its owner names.
        let mut chain: BTreeMap<Nsec3Hash, (u32, Nsec3Fields)> = BTreeMap::new();
        let mut found: Vec<(Option<u32>, Severity, &'static str, String)> = Vec::new();
        let mut params = param.clone();
        for (i, r) in self.records.iter().enumerate() {
            if r.rtype != Rtype::NSEC3 || !r.owner.is_below(origin) {
                continue;
            }
            let Some(f) = Nsec3Fields::parse(r.rdata.as_wire()) else {
                continue;
            };
            let chain_params = params.get_or_insert_with(|| f.params.clone());
            if f.params != *chain_params {
                found.push((
                    Some(i as u32),
                    Severity::Error,
                    "nsec3-params",
                    format!(
                        "the NSEC3 at {} has parameters {}, the chain's are {}",
                        r.owner,
                        show_params(&f.params),
                        show_params(chain_params)
                    ),
                ));
                continue;
            }
            match r.owner.first_label().and_then(hash_of_label) {
                Some(hash) if r.owner.label_count() == origin.label_count() + 1 => {
                    chain.insert(hash, (i as u32, f));
                }
                _ => found.push((
                    Some(i as u32),
                    Severity::Error,
                    "nsec3-chain",
                    format!("{} is not a hashed owner name of {origin}", r.owner),
                )),
            }
        }
        if param.is_none() {
            found.push((
                apex_first,
                Severity::Error,
                "nsec3param-missing",
                format!(
                    "{origin} has NSEC3 records but no NSEC3PARAM record with flags 0 at its apex"
                ),
            ));
        }
        let Some(params) = params else {
            self.flush(found);
            return;
        };

        // The names that need an NSEC3: the tree's names, and the empty non-terminals
        // above them. Unsigned delegations may go without under an Opt-Out NSEC3.
        let hashes: Vec<Nsec3Hash> = chain.keys().copied().collect();
        let covering = |h: &Nsec3Hash| -> Option<&Nsec3Fields> {
            let i = hashes.partition_point(|x| x < h);
            let key = if i == 0 {
                hashes.last()?
            } else {
                &hashes[i - 1]
            };
            chain.get(key).map(|(_, f)| f)
        };
        let mut needed: Vec<(Name, Option<usize>)> = Vec::new();
        let mut seen: HashSet<Name> = HashSet::new();
        let tree: HashMap<&Name, usize> = self
            .owners
            .iter()
            .enumerate()
            .filter(|(_, o)| o.in_tree())
            .map(|(k, o)| (o.name, k))
            .collect();
        for (k, o) in self.owners.iter().enumerate() {
            if !o.in_tree() {
                continue;
            }
            let hash = nsec3_hash(o.name, params.iterations, &params.salt);
            let insecure = o.cut && !o.types.contains(&Rtype::DS);
            if insecure
                && !chain.contains_key(&hash)
                && covering(&hash).is_some_and(|f| f.opt_out())
            {
                continue;
            }
            if seen.insert(o.name.clone()) {
                needed.push((o.name.clone(), Some(k)));
            }
            // Empty non-terminals between this name and the apex.
            let mut up = o.name.parent();
            while let Some(p) = up {
                if !p.is_below(origin) || tree.contains_key(&p) || !seen.insert(p.clone()) {
                    break;
                }
                up = p.parent();
                needed.push((p, None));
            }
        }

        let mut matched: HashSet<Nsec3Hash> = HashSet::new();
        for (name, owner) in &needed {
            let hash = nsec3_hash(name, params.iterations, &params.salt);
            let at = owner.map(|k| self.owners[k].first);
            let Some((nsec3_at, f)) = chain.get(&hash) else {
                let what = if owner.is_some() {
                    ""
                } else {
                    " (an empty non-terminal)"
                };
                found.push((
                    at,
                    Severity::Error,
                    "nsec3-missing",
                    format!(
                        "{name}{what} has no NSEC3 record (its hashed owner would be {})",
                        super::dnssec::hashed_owner(&hash, origin)
                            .map_or_else(String::new, |n| n.to_string())
                    ),
                ));
                continue;
            };
            matched.insert(hash);
            let listed: BTreeSet<Rtype> = f.types.iter().copied().collect();
            let present = owner.map_or_else(BTreeSet::new, |k| self.owners[k].bitmap_types());
            if listed != present {
                found.push((
                    Some(*nsec3_at),
                    Severity::Error,
                    "nsec3-bitmap",
                    format!(
                        "the NSEC3 of {name} lists {}, but the name has {}",
                        type_list(&listed),
                        type_list(&present)
                    ),
                ));
            }
        }

        // The links: each record points to the next hash, the last to the first.
        for (n, (hash, (at, f))) in chain.iter().enumerate() {
            let next = &hashes[(n + 1) % hashes.len()];
            if *f.next_hashed != next[..] {
                found.push((
                    Some(*at),
                    Severity::Error,
                    "nsec3-chain",
                    format!(
                        "the NSEC3 at {} points to {}, but the next hash of the chain is {}",
                        self.records[*at as usize].owner,
                        base32hex(&f.next_hashed),
                        base32hex(next)
                    ),
                ));
            }
            if !matched.contains(hash) {
                found.push((
                    Some(*at),
                    Severity::Warning,
                    "nsec3-orphan",
                    format!(
                        "the NSEC3 at {} matches no name of the zone",
                        self.records[*at as usize].owner
                    ),
                ));
            }
        }
        self.flush(found);
    }

    fn flush(&mut self, found: Vec<(Option<u32>, Severity, &'static str, String)>) {
        for (at, severity, code, message) in found {
            self.push(at, severity, code, message);
        }
    }
}

//----------- Formatting -------------------------------------------------------------

/// An RRSIG time as `2024-01-31 23:59:59 UTC`.
fn timestamp(t: u32) -> String {
    let mut digits = String::new();
    super::rdata::push_time(&mut digits, t);
    format!(
        "{}-{}-{} {}:{}:{} UTC",
        &digits[0..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14]
    )
}

/// A time left, as an operator reads it: `12 days`, `5 hours`, `40 minutes`.
fn roughly(secs: u32) -> String {
    match secs {
        s if s >= 2 * 86400 => format!("{} days", s / 86400),
        s if s >= 2 * 3600 => format!("{} hours", s / 3600),
        s => crate::plural::count(s / 60, "minute"),
    }
}

fn type_list(types: &BTreeSet<Rtype>) -> String {
    if types.is_empty() {
        return "no types".to_string();
    }
    types
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn show_params(p: &Nsec3Params) -> String {
    let salt = if p.salt.is_empty() {
        "-".to_string()
    } else {
        data_encoding::HEXUPPER.encode(&p.salt)
    };
    format!("{} {} {salt}", p.algorithm, p.iterations)
}

fn base32hex(hash: &[u8]) -> String {
    data_encoding::BASE32HEX_NOPAD
        .encode(hash)
        .to_ascii_lowercase()
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse::{ParseOptions, parse_bytes};
    use std::path::Path;

    /// 2024-01-15 00:00:00 UTC.
    const NOW: u32 = 1_705_276_800;

    fn opts() -> DnssecCheckOptions {
        DnssecCheckOptions {
            now: NOW,
            expiry_warning: 7 * 86400,
        }
    }

    /// An RRSIG valid through January 2024 (the signature bytes are not checked).
    fn sig(covered: &str, labels: u8) -> String {
        format!("RRSIG {covered} 13 {labels} 3600 20240131000000 20240101000000 1234 example. AAAA")
    }

    /// A small NSEC-signed zone: apex, www, a delegation with glue, an ENT.
    fn nsec_zone() -> String {
        [
            "$ORIGIN example.",
            "$TTL 3600",
            "@ SOA ns1 hostmaster 1 7200 900 1209600 300",
            &format!("@ {}", sig("SOA", 1)),
            "@ NS ns1",
            &format!("@ {}", sig("NS", 1)),
            "@ DNSKEY 257 3 13 AAAA",
            &format!("@ {}", sig("DNSKEY", 1)),
            "@ NSEC a.b.example. NS SOA RRSIG NSEC DNSKEY",
            &format!("@ {}", sig("NSEC", 1)),
            "a.b A 192.0.2.9",
            &format!("a.b {}", sig("A", 3)),
            "a.b NSEC deleg.example. A RRSIG NSEC",
            &format!("a.b {}", sig("NSEC", 3)),
            "deleg NS ns.deleg",
            "deleg NSEC ns1.example. NS RRSIG NSEC",
            &format!("deleg {}", sig("NSEC", 2)),
            "ns.deleg A 192.0.2.53",
            "ns1 A 192.0.2.1",
            &format!("ns1 {}", sig("A", 2)),
            "ns1 NSEC example. A RRSIG NSEC",
            &format!("ns1 {}", sig("NSEC", 2)),
        ]
        .join("\n")
    }

    fn run(text: &str, opts: &DnssecCheckOptions) -> Vec<String> {
        let origin: Name = "example.".parse().unwrap();
        let p = parse_bytes(
            text.as_bytes(),
            Path::new("z"),
            &origin,
            &ParseOptions::default(),
        );
        assert!(!p.has_errors(), "{:?}", p.findings);
        check_dnssec(&origin, &p.records, &p.positions, opts)
            .iter()
            .map(|f| {
                format!(
                    "{}:{} {}",
                    f.pos.as_ref().map_or(0, |p| p.line),
                    f.code,
                    f.message
                )
            })
            .collect()
    }

    #[test]
    fn a_consistent_nsec_zone_has_no_findings() {
        assert_eq!(run(&nsec_zone(), &opts()), Vec::<String>::new());
    }

    #[test]
    fn unsigned_zones_are_not_checked() {
        let text =
            "$ORIGIN example.\n@ 3600 SOA ns1 h 1 2 3 4 5\n@ 3600 NS ns1\nns1 3600 A 192.0.2.1\n";
        assert_eq!(run(text, &opts()), Vec::<String>::new());
    }

    #[test]
    fn missing_and_orphan_signatures() {
        let text = nsec_zone().replace(
            &format!("ns1 {}", sig("A", 2)),
            &format!("ns1 {}", sig("AAAA", 2)),
        );
        assert_eq!(
            run(&text, &opts()),
            [
                "19:rrsig-missing no RRSIG covers the A RRset at ns1.example.",
                "20:rrsig-orphan RRSIG at ns1.example. covers AAAA, which ns1.example. does not have",
            ]
        );
    }

    #[test]
    fn signature_times() {
        let late = DnssecCheckOptions {
            now: NOW + 20 * 86400,
            ..opts()
        };
        let findings = run(&nsec_zone(), &late);
        assert!(
            findings.iter().all(|f| f.contains("rrsig-expired")),
            "{findings:?}"
        );
        assert_eq!(findings.len(), 9);
        assert_eq!(
            findings[0],
            "4:rrsig-expired RRSIG SOA at example. (key 1234) expired at 2024-01-31 00:00:00 UTC"
        );
        let early = DnssecCheckOptions {
            now: NOW - 20 * 86400,
            ..opts()
        };
        assert!(run(&nsec_zone(), &early)[0].starts_with("4:rrsig-not-yet-valid"));
        let soon = DnssecCheckOptions {
            now: NOW + 14 * 86400,
            ..opts()
        };
        assert_eq!(
            run(&nsec_zone(), &soon)[0],
            "4:rrsig-expiring RRSIG SOA at example. (key 1234) expires at 2024-01-31 00:00:00 UTC, in 2 days"
        );
    }

    #[test]
    fn nsec_chain_gaps_links_and_bitmaps() {
        // ns1's NSEC removed: a gap; a.b's NSEC points past deleg; the apex's
        // bitmap forgets DNSKEY.
        let text = nsec_zone()
            .replace("ns1 NSEC example. A RRSIG NSEC\n", "")
            .replace(&format!("ns1 {}", sig("NSEC", 2)), "")
            .replace("a.b NSEC deleg.example.", "a.b NSEC ns1.example.")
            .replace("NS SOA RRSIG NSEC DNSKEY", "NS SOA RRSIG NSEC");
        assert_eq!(
            run(&text, &opts()),
            [
                "9:nsec-bitmap the NSEC at example. lists NS SOA RRSIG NSEC, but the name has NS SOA RRSIG NSEC DNSKEY",
                "13:nsec-chain the NSEC at a.b.example. points to ns1.example., but the next name of the zone is deleg.example.",
                "19:nsec-missing ns1.example. has no NSEC record",
            ]
        );
    }

    /// The zone of [`nsec_zone`] with an NSEC3 chain (1 0 0 -) built here, `opt_out`
    /// leaving the unsigned delegation without an NSEC3.
    fn nsec3_zone(opt_out: bool) -> String {
        let origin: Name = "example.".parse().unwrap();
        let mut lines: Vec<String> = nsec_zone()
            .lines()
            .filter(|l| !l.contains("NSEC"))
            .map(str::to_string)
            .collect();
        lines.push("@ NSEC3PARAM 1 0 0 -".into());
        lines.push(format!("@ {}", sig("NSEC3PARAM", 1)));
        let mut names: Vec<(&str, &str)> = vec![
            ("example.", "NS SOA RRSIG DNSKEY NSEC3PARAM"),
            ("a.b.example.", "A RRSIG"),
            ("b.example.", ""),
            ("ns1.example.", "A RRSIG"),
        ];
        if !opt_out {
            names.push(("deleg.example.", "NS"));
        }
        let mut hashed: Vec<(Nsec3Hash, &str)> = names
            .iter()
            .map(|(n, types)| (nsec3_hash(&n.parse().unwrap(), 0, &[]), *types))
            .collect();
        hashed.sort();
        for (i, (h, types)) in hashed.iter().enumerate() {
            let owner = super::super::dnssec::hashed_owner(h, &origin).unwrap();
            let next = base32hex(&hashed[(i + 1) % hashed.len()].0);
            let flags = u8::from(opt_out);
            lines.push(format!("{owner} NSEC3 1 {flags} 0 - {next} {types}"));
            lines.push(format!("{owner} {}", sig("NSEC3", 2)));
        }
        lines.join("\n")
    }

    #[test]
    fn a_consistent_nsec3_zone_has_no_findings() {
        assert_eq!(run(&nsec3_zone(false), &opts()), Vec::<String>::new());
        // Opt-Out: the unsigned delegation needs no NSEC3.
        assert_eq!(run(&nsec3_zone(true), &opts()), Vec::<String>::new());
    }

    #[test]
    fn nsec3_problems() {
        // Without Opt-Out, leaving the delegation's NSEC3 out is a gap and a broken
        // link.
        let zone = nsec3_zone(false);
        let deleg_hash = base32hex(&nsec3_hash(&"deleg.example.".parse().unwrap(), 0, &[]));
        let text: String = zone
            .lines()
            .filter(|l| !l.starts_with(&deleg_hash))
            .collect::<Vec<_>>()
            .join("\n");
        let findings = run(&text, &opts());
        assert!(
            findings
                .iter()
                .any(|f| f.starts_with("11:nsec3-missing deleg.example. has no NSEC3 record")),
            "{findings:?}"
        );
        assert!(
            findings.iter().any(|f| f.contains("nsec3-chain")),
            "{findings:?}"
        );

        // A wrong bitmap, an orphan, other parameters, no NSEC3PARAM.
        let ns1_hash = base32hex(&nsec3_hash(&"ns1.example.".parse().unwrap(), 0, &[]));
        let text = zone
            .lines()
            .map(|l| {
                if l.starts_with(&ns1_hash) && l.contains(" NSEC3 ") {
                    l.replace("A RRSIG", "A AAAA RRSIG")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let findings = run(&text, &opts());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].contains(
            "nsec3-bitmap the NSEC3 of ns1.example. lists A AAAA RRSIG, but the name has A RRSIG"
        ));

        let mut text = zone.replace("@ NSEC3PARAM 1 0 0 -", "@ NSEC3PARAM 1 0 5 ABCD");
        text.push_str("\n0123456789abcdefghijklmnopqrstuv.example. NSEC3 1 0 0 - 0123456789abcdefghijklmnopqrstuv A");
        let findings = run(&text, &opts());
        assert!(
            findings.iter().any(|f| f.contains("nsec3-params")),
            "{findings:?}"
        );
        let text = zone.replace("@ NSEC3PARAM 1 0 0 -\n", "");
        let findings = run(&text, &opts());
        assert!(
            findings.iter().any(|f| f.contains("nsec3param-missing")),
            "{findings:?}"
        );
        let mut text = zone.clone();
        text.push_str("\n0123456789abcdefghijklmnopqrstuv.example. NSEC3 1 0 0 - 0123456789abcdefghijklmnopqrstuv A");
        let findings = run(&text, &opts());
        assert!(
            findings.iter().any(|f| f.contains("nsec3-orphan")),
            "{findings:?}"
        );
    }
}
