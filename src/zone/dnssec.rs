//! DNSSEC data as a signed zone holds it: the fields of RRSIG, NSEC, NSEC3 and
//! NSEC3PARAM RDATA, type bitmaps, NSEC3 hashing, and [`DenialIndex`], the lookup
//! structure that finds the NSEC or NSEC3 record proving that a name or type does not
//! exist.
//!
//! zonesync serves pre-signed zones; it never signs. Everything here reads what a
//! signer (BIND's `dnssec-signzone`, Knot, OpenDNSSEC, a hidden primary) put in the
//! zone. [`ZoneVersion`](super::ZoneVersion) builds a [`DenialIndex`] when the zone is
//! signed; the query path (`server::answer`) asks it for proofs, and the semantic
//! checks (`zone::check_dnssec`) use the field readers.
//!
//! # Standards
//! - RFC 4034 §3.1: RRSIG RDATA is Type Covered, Algorithm, Labels, Original TTL,
//!   Signature Expiration, Signature Inception, Key Tag, Signer's Name, Signature.
//! - RFC 4034 §4.1: NSEC RDATA is the Next Domain Name (uncompressed) and the Type Bit
//!   Maps; §4.1.2: "Blocks with no types present MUST NOT be included", windows in
//!   increasing order, each of 1 to 32 octets.
//! - RFC 5155 §3.2: NSEC3 RDATA is Hash Algorithm, Flags, Iterations, Salt Length,
//!   Salt, Hash Length, Next Hashed Owner Name, Type Bit Maps; the Opt-Out flag is bit
//!   0 (the least significant) of Flags.
//! - RFC 5155 §4.1.2 (NSEC3PARAM): "NSEC3PARAM RRs with a Flags field value other than
//!   zero MUST be ignored."
//! - RFC 5155 §5: `IH(salt, x, 0) = H(x || salt)`, `IH(salt, x, k) = H(IH(salt, x,
//!   k-1) || salt)`, the hash of an owner name being `IH(salt, owner name,
//!   iterations)` over the name in canonical (lower-case wire) form, and the hashed
//!   owner name the Base32hex encoding (RFC 4648, no padding) of the hash, prepended to
//!   the zone name.
//!
//! # Limitations
//! - Only NSEC3 hash algorithm 1 (SHA-1), the only one defined, is indexed; NSEC3
//!   records of other algorithms are served as data but never chosen as proofs.

use sha1::{Digest, Sha1};

use super::name::{Name, wire_name_len};
use super::nodes::Nodes;
use super::record::Rtype;
use super::version::Node;

/// Length of an NSEC3 SHA-1 hash.
pub const NSEC3_HASH_LEN: usize = 20;

/// An NSEC3 hash (SHA-1, the only algorithm RFC 5155 defines).
pub type Nsec3Hash = [u8; NSEC3_HASH_LEN];

//----------- RDATA readers ----------------------------------------------------------

/// The fields of an RRSIG record (RFC 4034 §3.1), the signature left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrsigFields {
    /// The type of the RRset it signs.
    pub covered: Rtype,
    /// The signing algorithm.
    pub algorithm: u8,
    /// Labels of the original owner name, the root and a leading `*` not counted.
    pub labels: u8,
    /// The TTL of the covered RRset as signed.
    pub original_ttl: u32,
    /// End of validity, seconds since 1970 modulo 2^32 (RFC 1982 arithmetic).
    pub expiration: u32,
    /// Start of validity, same scale.
    pub inception: u32,
    /// The key tag of the DNSKEY that signed.
    pub key_tag: u16,
    /// The zone that signed.
    pub signer: Name,
}

impl RrsigFields {
    /// Reads RRSIG RDATA; `None` when it is malformed.
    pub fn parse(rdata: &[u8]) -> Option<RrsigFields> {
        let fixed = rdata.get(..18)?;
        let u32_at =
            |i: usize| u32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let rest = &rdata[18..];
        let len = wire_name_len(rest).ok()?;
        Some(RrsigFields {
            covered: Rtype(u16::from_be_bytes([fixed[0], fixed[1]])),
            algorithm: fixed[2],
            labels: fixed[3],
            original_ttl: u32_at(4),
            expiration: u32_at(8),
            inception: u32_at(12),
            key_tag: u16::from_be_bytes([fixed[16], fixed[17]]),
            signer: Name::from_wire(&rest[..len]).ok()?,
        })
    }
}

/// The fields of an NSEC record (RFC 4034 §4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NsecFields {
    /// The next owner name in the zone's canonical order (the apex after the last).
    pub next: Name,
    /// The types present at the owner, ascending.
    pub types: Vec<Rtype>,
}

impl NsecFields {
    /// Reads NSEC RDATA; `None` when it is malformed.
    pub fn parse(rdata: &[u8]) -> Option<NsecFields> {
        let len = wire_name_len(rdata).ok()?;
        Some(NsecFields {
            next: Name::from_wire(&rdata[..len]).ok()?,
            types: bitmap_types(&rdata[len..])?,
        })
    }
}

/// The fields of an NSEC3 record (RFC 5155 §3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nsec3Fields {
    /// The parameters of the chain the record belongs to.
    pub params: Nsec3Params,
    /// Flags (bit 0: Opt-Out).
    pub flags: u8,
    /// The next hashed owner name, as a raw hash.
    pub next_hashed: Box<[u8]>,
    /// The types present at the original owner, ascending.
    pub types: Vec<Rtype>,
}

impl Nsec3Fields {
    /// Reads NSEC3 RDATA; `None` when it is malformed.
    pub fn parse(rdata: &[u8]) -> Option<Nsec3Fields> {
        let (params, rest) = Nsec3Params::parse_prefix(rdata)?;
        let flags = rdata[1];
        let hash_len = *rest.first()? as usize;
        let next_hashed = rest.get(1..1 + hash_len)?;
        Some(Nsec3Fields {
            params,
            flags,
            next_hashed: next_hashed.into(),
            types: bitmap_types(&rest[1 + hash_len..])?,
        })
    }

    /// Whether the Opt-Out flag is set: unsigned delegations in the span of this
    /// record may have no NSEC3 of their own (RFC 5155 §6).
    pub fn opt_out(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// The parameters that define an NSEC3 chain: hash algorithm, iterations, salt. An
/// NSEC3PARAM record carries them (with flags that must be zero); so does the start of
/// every NSEC3 record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nsec3Params {
    /// Hash algorithm (1: SHA-1).
    pub algorithm: u8,
    /// Additional hash iterations.
    pub iterations: u16,
    /// The salt.
    pub salt: Box<[u8]>,
}

impl Nsec3Params {
    /// Reads NSEC3PARAM RDATA, `None` when it is malformed or its flags are not zero
    /// (RFC 5155 §4.1.2: such records "MUST be ignored").
    pub fn from_nsec3param(rdata: &[u8]) -> Option<Nsec3Params> {
        let (params, rest) = Nsec3Params::parse_prefix(rdata)?;
        (rdata[1] == 0 && rest.is_empty()).then_some(params)
    }

    /// The hash of `name` under these parameters (RFC 5155 §5); `None` for an
    /// algorithm other than SHA-1.
    pub fn hash(&self, name: &Name) -> Option<Nsec3Hash> {
        (self.algorithm == 1).then(|| nsec3_hash(name, self.iterations, &self.salt))
    }

    /// Algorithm, flags, iterations, salt: the common prefix of NSEC3 and NSEC3PARAM.
    fn parse_prefix(rdata: &[u8]) -> Option<(Nsec3Params, &[u8])> {
        let fixed = rdata.get(..5)?;
        let salt_len = fixed[4] as usize;
        let salt = rdata.get(5..5 + salt_len)?;
        let params = Nsec3Params {
            algorithm: fixed[0],
            iterations: u16::from_be_bytes([fixed[2], fixed[3]]),
            salt: salt.into(),
        };
        Some((params, &rdata[5 + salt_len..]))
    }
}

/// The types of an NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2), ascending; `None` when
/// the bitmap is malformed (windows out of order, a length of 0 or above 32, or a
/// window cut short).
pub fn bitmap_types(mut bitmap: &[u8]) -> Option<Vec<Rtype>> {
    let mut types = Vec::new();
    let mut last_window: Option<u8> = None;
    while !bitmap.is_empty() {
        let [window, len, ..] = *bitmap else {
            return None;
        };
        let len = len as usize;
        if last_window.is_some_and(|w| w >= window) || !(1..=32).contains(&len) {
            return None;
        }
        let bits = bitmap.get(2..2 + len)?;
        for (i, &octet) in bits.iter().enumerate() {
            for bit in 0..8 {
                if octet & (0x80 >> bit) != 0 {
                    types.push(Rtype((window as u16) << 8 | (i * 8 + bit) as u16));
                }
            }
        }
        last_window = Some(window);
        bitmap = &bitmap[2 + len..];
    }
    Some(types)
}

/// The type bitmap of `types` (RFC 4034 §4.1.2): for each window that has a type, its
/// number, its length and its bits. `types` need not be sorted.
pub fn bitmap_from_types(types: &[Rtype]) -> Vec<u8> {
    let mut sorted: Vec<u16> = types.iter().map(|t| t.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let window = (sorted[i] >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut len = 0;
        while i < sorted.len() && (sorted[i] >> 8) as u8 == window {
            let low = (sorted[i] & 0xff) as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            len = low / 8 + 1;
            i += 1;
        }
        out.push(window);
        out.push(len as u8);
        out.extend_from_slice(&bits[..len]);
    }
    out
}

//----------- NSEC3 hashing ----------------------------------------------------------

/// `IH(salt, name, iterations)` of RFC 5155 §5, SHA-1, over the lower-cased wire
/// form of `name`.
pub fn nsec3_hash(name: &Name, iterations: u16, salt: &[u8]) -> Nsec3Hash {
    let mut lower = [0u8; super::name::MAX_NAME_LEN];
    let wire = name.as_wire();
    let lower = &mut lower[..wire.len()];
    lower.copy_from_slice(wire);
    lower.make_ascii_lowercase();
    let mut digest: Nsec3Hash = Sha1::new()
        .chain_update(&*lower)
        .chain_update(salt)
        .finalize()
        .into();
    for _ in 0..iterations {
        digest = Sha1::new()
            .chain_update(digest)
            .chain_update(salt)
            .finalize()
            .into();
    }
    digest
}

/// The hash that the first label of an NSEC3 owner name encodes (Base32hex, either
/// case), when it is a SHA-1 hash.
pub fn hash_of_label(label: &[u8]) -> Option<Nsec3Hash> {
    if label.len() != 32 {
        return None;
    }
    let mut upper = [0u8; 32];
    upper.copy_from_slice(label);
    upper.make_ascii_uppercase();
    let bytes = data_encoding::BASE32HEX_NOPAD.decode(&upper).ok()?;
    bytes.try_into().ok()
}

/// The hashed owner name of `hash` in the zone `origin`: Base32hex in lower case (as
/// signers write it), then the zone name.
pub fn hashed_owner(hash: &[u8], origin: &Name) -> Option<Name> {
    let label = data_encoding::BASE32HEX_NOPAD
        .encode(hash)
        .to_ascii_lowercase();
    origin.prepend(label.as_bytes()).ok()
}

//----------- DenialIndex ------------------------------------------------------------

/// What a signed [`ZoneVersion`](super::ZoneVersion) needs to find its proofs of
/// non-existence: the positions of the nodes that own an NSEC RRset, and the NSEC3
/// chain sorted by hash. Built with the version (one pass over its nodes), immutable
/// after; a version made by `apply` shares its predecessor's when no node moved and
/// every changed node looks the same to it ([`DenialIndex::same_for`]).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DenialIndex {
    /// Positions in the version's node vector of the nodes owning an NSEC RRset,
    /// ascending (so in canonical order of their owners).
    nsec: Vec<u32>,
    /// The NSEC3 chain named by the apex's NSEC3PARAM (or, without one, by the first
    /// NSEC3 record), if the zone has one.
    nsec3: Option<Nsec3Chain>,
}

/// One NSEC3 chain: its parameters and its records' owners, by hash.
#[derive(Debug, PartialEq, Eq)]
pub struct Nsec3Chain {
    /// Algorithm, iterations and salt of every record of the chain.
    pub params: Nsec3Params,
    /// (hash of the owner, position of the owner's node), ascending by hash.
    entries: Vec<(Nsec3Hash, u32)>,
}

impl DenialIndex {
    /// Indexes `nodes` (a version's, in canonical order, the apex first), or `None`
    /// when the zone is not signed. A zone counts as signed when its SOA has an RRSIG,
    /// as Knot decides.
    pub(super) fn build(nodes: &Nodes) -> Option<DenialIndex> {
        let apex = nodes.first()?;
        apex.rrsig_covering(Rtype::SOA)?;
        let mut params = apex
            .rrset(Rtype::NSEC3PARAM)
            .and_then(|set| set.rdatas().find_map(Nsec3Params::from_nsec3param));
        let mut index = DenialIndex::default();
        let mut entries = Vec::new();
        for (pos, node) in nodes.iter().enumerate() {
            if node.has(Rtype::NSEC) {
                index.nsec.push(pos as u32);
            }
            let Some(set) = node.rrset(Rtype::NSEC3) else {
                continue;
            };
            let Some(hash) = node.name().first_label().and_then(hash_of_label) else {
                continue;
            };
            for rdata in set.rdatas() {
                let Some((p, _)) = Nsec3Params::parse_prefix(rdata) else {
                    continue;
                };
                let wanted = params.get_or_insert_with(|| p.clone());
                if *wanted == p && p.algorithm == 1 {
                    entries.push((hash, pos as u32));
                    break;
                }
            }
        }
        if let Some(params) = params
            && !entries.is_empty()
        {
            entries.sort_unstable();
            entries.dedup_by_key(|e| e.0);
            entries.shrink_to_fit();
            index.nsec3 = Some(Nsec3Chain { params, entries });
        }
        index.nsec.shrink_to_fit();
        Some(index)
    }

    /// True when [`DenialIndex::build`] reads the same from `a` and `b`, two versions
    /// of one node at one position: whether the zone is signed (the apex's SOA
    /// signatures), the apex's NSEC3PARAM, whether the node owns an NSEC RRset, and
    /// the parameters of its NSEC3 records. A change whose nodes all pass keeps the
    /// index as it is (re-signing and ordinary record changes to a signed zone), so
    /// that `apply` stays O(change) there.
    pub(super) fn same_for(a: &Node, b: &Node) -> bool {
        let nsec3 = |n: &Node| -> Vec<Option<Nsec3Params>> {
            n.rrset(Rtype::NSEC3)
                .into_iter()
                .flat_map(|s| s.rdatas())
                .map(|r| Nsec3Params::parse_prefix(r).map(|(p, _)| p))
                .collect()
        };
        fn nsec3param(n: &Node) -> Vec<&[u8]> {
            n.rrset(Rtype::NSEC3PARAM)
                .into_iter()
                .flat_map(|s| s.rdatas())
                .collect()
        }
        a.has(Rtype::NSEC) == b.has(Rtype::NSEC)
            && a.rrsig_covering(Rtype::SOA).is_some() == b.rrsig_covering(Rtype::SOA).is_some()
            && nsec3param(a) == nsec3param(b)
            && nsec3(a) == nsec3(b)
    }

    /// The NSEC3 chain, if the zone has one.
    pub fn nsec3(&self) -> Option<&Nsec3Chain> {
        self.nsec3.as_ref()
    }

    /// The position of the last NSEC owner at or before node position `pos` (the
    /// NSEC that matches or covers a name sorting there), wrapping to the last NSEC
    /// owner of the zone.
    pub(super) fn nsec_at_or_before(&self, pos: usize) -> Option<usize> {
        let i = self.nsec.partition_point(|&p| p as usize <= pos);
        let at = if i == 0 {
            self.nsec.last()?
        } else {
            &self.nsec[i - 1]
        };
        Some(*at as usize)
    }
}

impl Nsec3Chain {
    /// The position of the node whose NSEC3 owner hash is `hash`.
    pub(super) fn matching(&self, hash: &Nsec3Hash) -> Option<usize> {
        self.entries
            .binary_search_by(|e| e.0.cmp(hash))
            .ok()
            .map(|i| self.entries[i].1 as usize)
    }

    /// The position of the node whose NSEC3 covers `hash`: the greatest owner hash
    /// below it, wrapping to the greatest of all (the last record's next hashed owner
    /// is the first).
    pub(super) fn covering(&self, hash: &Nsec3Hash) -> Option<usize> {
        let i = self.entries.partition_point(|e| e.0 < *hash);
        let at = if i == 0 {
            self.entries.last()?
        } else {
            &self.entries[i - 1]
        };
        Some(at.1 as usize)
    }
}

//----------- Test signer ------------------------------------------------------------

/// A signer for tests: the records of a zone with RRSIGs and an NSEC or NSEC3 chain
/// added as a real signer would (RFC 4035 §2), the signatures being placeholders.
/// Used by the answer and check tests, which look at which records are chosen, not at
/// the cryptography.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::zone::{Class, Rdata, Record};

    /// How the test zone proves non-existence.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Denial {
        /// NSEC.
        Nsec,
        /// NSEC3, no iterations, salt `ab`; Opt-Out when true.
        Nsec3 { opt_out: bool },
    }

    /// The NSEC3 salt of test zones.
    pub(crate) const SALT: &[u8] = &[0xab];

    /// RDATA of a placeholder RRSIG over `covered` at `owner` (valid 2020–2060).
    pub(crate) fn rrsig(covered: Rtype, owner: &Name, ttl: u32, origin: &Name) -> Rdata {
        let labels = owner.label_count() as u8 - u8::from(owner.is_wildcard());
        let mut r = covered.0.to_be_bytes().to_vec();
        r.extend_from_slice(&[13, labels]);
        r.extend_from_slice(&ttl.to_be_bytes());
        r.extend_from_slice(&2_840_140_800u32.to_be_bytes()); // 2060-01-01
        r.extend_from_slice(&1_577_836_800u32.to_be_bytes()); // 2020-01-01
        r.extend_from_slice(&1u16.to_be_bytes());
        r.extend_from_slice(origin.as_wire());
        r.extend_from_slice(&[0x5a; 8]);
        Rdata::from_wire(r)
    }

    /// `records` (one zone, SOA included) signed with `denial`.
    pub(crate) fn sign(origin: &Name, mut records: Vec<Record>, denial: Denial) -> Vec<Record> {
        let class = Class::IN;
        let minimum = 300;
        if let Denial::Nsec3 { .. } = denial {
            let mut p = vec![1, 0, 0, 0, SALT.len() as u8];
            p.extend_from_slice(SALT);
            records.push(Record::new(
                origin.clone(),
                class,
                Rtype::NSEC3PARAM,
                0,
                Rdata::from_wire(p),
            ));
        }
        // Owner → type → TTL, and the delegation points.
        let mut owners: BTreeMap<Name, BTreeMap<Rtype, u32>> = BTreeMap::new();
        for r in &records {
            owners
                .entry(r.owner.clone())
                .or_default()
                .insert(r.rtype, r.ttl);
        }
        let cuts: BTreeSet<Name> = owners
            .iter()
            .filter(|(n, t)| *n != origin && t.contains_key(&Rtype::NS))
            .map(|(n, _)| n.clone())
            .collect();
        let below_cut = |n: &Name| cuts.iter().any(|c| n.is_below(c));
        let authoritative: Vec<Name> = owners.keys().filter(|n| !below_cut(n)).cloned().collect();
        let signed_types = |n: &Name, types: &BTreeMap<Rtype, u32>| -> Vec<(Rtype, u32)> {
            types
                .iter()
                .filter(|(t, _)| !cuts.contains(n) || **t == Rtype::DS)
                .map(|(t, ttl)| (*t, *ttl))
                .collect()
        };
        let bitmap_of = |n: &Name, extra: &[Rtype]| -> Vec<u8> {
            let types = &owners[n];
            let mut list: Vec<Rtype> = types
                .keys()
                .copied()
                .filter(|t| !cuts.contains(n) || matches!(*t, Rtype::NS | Rtype::DS))
                .collect();
            if !signed_types(n, types).is_empty() {
                list.push(Rtype::RRSIG);
            }
            list.extend_from_slice(extra);
            bitmap_from_types(&list)
        };
        let mut added = Vec::new();
        for n in &authoritative {
            for (t, ttl) in signed_types(n, &owners[n]) {
                added.push(Record::new(
                    n.clone(),
                    class,
                    Rtype::RRSIG,
                    ttl,
                    rrsig(t, n, ttl, origin),
                ));
            }
        }
        match denial {
            Denial::Nsec => {
                for (i, n) in authoritative.iter().enumerate() {
                    let next = &authoritative[(i + 1) % authoritative.len()];
                    let mut rdata = next.as_wire().to_vec();
                    // The NSEC's own signature puts RRSIG in every bitmap.
                    rdata.extend_from_slice(&bitmap_of(n, &[Rtype::RRSIG, Rtype::NSEC]));
                    added.push(Record::new(
                        n.clone(),
                        class,
                        Rtype::NSEC,
                        minimum,
                        Rdata::from_wire(rdata),
                    ));
                    added.push(Record::new(
                        n.clone(),
                        class,
                        Rtype::RRSIG,
                        minimum,
                        rrsig(Rtype::NSEC, n, minimum, origin),
                    ));
                }
            }
            Denial::Nsec3 { opt_out } => {
                // Names with an NSEC3: authoritative names (unsigned delegations left
                // out under Opt-Out) and the empty non-terminals above them.
                let mut names: BTreeMap<Nsec3Hash, Option<Name>> = BTreeMap::new();
                for n in &authoritative {
                    let insecure = cuts.contains(n) && !owners[n].contains_key(&Rtype::DS);
                    if opt_out && insecure {
                        continue;
                    }
                    names.insert(nsec3_hash(n, 0, SALT), Some(n.clone()));
                    let mut up = n.parent();
                    while let Some(p) = up.filter(|p| p.is_below(origin) && !owners.contains_key(p))
                    {
                        names.entry(nsec3_hash(&p, 0, SALT)).or_insert(None);
                        up = p.parent();
                    }
                }
                let hashes: Vec<Nsec3Hash> = names.keys().copied().collect();
                for (i, (hash, name)) in names.iter().enumerate() {
                    let owner = hashed_owner(hash, origin).expect("short enough");
                    let mut rdata = vec![1, u8::from(opt_out), 0, 0, SALT.len() as u8];
                    rdata.extend_from_slice(SALT);
                    rdata.push(NSEC3_HASH_LEN as u8);
                    rdata.extend_from_slice(&hashes[(i + 1) % hashes.len()]);
                    if let Some(n) = name {
                        rdata.extend_from_slice(&bitmap_of(n, &[]));
                    }
                    added.push(Record::new(
                        owner.clone(),
                        class,
                        Rtype::NSEC3,
                        minimum,
                        Rdata::from_wire(rdata),
                    ));
                    added.push(Record::new(
                        owner.clone(),
                        class,
                        Rtype::RRSIG,
                        minimum,
                        rrsig(Rtype::NSEC3, &owner, minimum, origin),
                    ));
                }
            }
        }
        records.extend(added);
        records
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(s.as_bytes())
            .unwrap()
    }

    /// RFC 5155 Appendix A: the example zone's hashes (SHA-1, 12 iterations, salt
    /// aabbccdd).
    /// The test signer's output is what the DNSSEC checks call consistent.
    #[test]
    fn the_test_signer_signs_consistently() {
        use crate::zone::check_dnssec::{DnssecCheckOptions, check_dnssec};
        use crate::zone::parse::{ParseOptions, parse_bytes};
        let origin = n("example.");
        let text = "$TTL 3600\n@ SOA ns1 h 1 7200 900 1209600 300\n@ NS ns1\n@ DNSKEY 257 3 13 AAAA\nns1 A 192.0.2.1\n\
                    a.b A 192.0.2.2\n*.w TXT \"w\"\nsec NS ns.sec\nsec DS 1 13 2 00\nns.sec A 192.0.2.3\n\
                    ins NS ns.ins\nns.ins A 192.0.2.4\n";
        let p = parse_bytes(
            text.as_bytes(),
            std::path::Path::new("t"),
            &origin,
            &ParseOptions::default(),
        );
        assert!(!p.has_errors(), "{:?}", p.findings);
        let opts = DnssecCheckOptions {
            now: 1_700_000_000,
            expiry_warning: 86400,
        };
        for denial in [
            testing::Denial::Nsec,
            testing::Denial::Nsec3 { opt_out: false },
            testing::Denial::Nsec3 { opt_out: true },
        ] {
            let signed = testing::sign(&origin, p.records.clone(), denial);
            let findings = check_dnssec(&origin, &signed, &[], &opts);
            assert!(findings.is_empty(), "{denial:?}: {findings:?}");
        }
    }

    #[test]
    fn rfc5155_appendix_a_hashes() {
        let salt = hex("aabbccdd");
        let cases = [
            ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
            ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
            ("ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"),
            ("ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"),
            ("ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r"),
            ("w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"),
            ("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"),
            ("x.w.example.", "b4um86eghhds6nea196smvmlo4ors995"),
            ("y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"),
            ("x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"),
            ("xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"),
            (
                "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.",
                "kohar7mbb8dc2ce8a9qvl8hon4k53uhi",
            ),
        ];
        for (name, expected) in cases {
            let hash = nsec3_hash(&n(name), 12, &salt);
            let owner = hashed_owner(&hash, &n("example.")).unwrap();
            assert_eq!(owner.to_string(), format!("{expected}.example."), "{name}");
            assert_eq!(hash_of_label(expected.as_bytes()), Some(hash));
            assert_eq!(
                hash_of_label(expected.to_uppercase().as_bytes()),
                Some(hash)
            );
        }
        // Case does not change the hash.
        assert_eq!(
            nsec3_hash(&n("A.Example."), 12, &salt),
            nsec3_hash(&n("a.example."), 12, &salt)
        );
        assert_eq!(hash_of_label(b"not-a-hash"), None);
        assert_eq!(hash_of_label(b"0p9mhaveqvm6t7vbl5lop2u3t2rp3toz"), None);
    }

    #[test]
    fn bitmaps_round_trip() {
        let types = [
            Rtype(1234),
            Rtype::A,
            Rtype::NSEC,
            Rtype::MX,
            Rtype::RRSIG,
            Rtype::A,
        ];
        let bm = bitmap_from_types(&types);
        assert_eq!(
            bm,
            hex(&format!("0006400100000003041b{}20", "00".repeat(26)))
        );
        assert_eq!(
            bitmap_types(&bm).unwrap(),
            vec![Rtype::A, Rtype::MX, Rtype::RRSIG, Rtype::NSEC, Rtype(1234)]
        );
        assert_eq!(bitmap_from_types(&[]), Vec::<u8>::new());
    }

    #[test]
    fn bitmaps() {
        // RFC 4034 §4.3: A MX RRSIG NSEC TYPE1234.
        let bm = hex(&format!("0006400100000003041b{}20", "00".repeat(26)));
        assert_eq!(
            bitmap_types(&bm).unwrap(),
            vec![Rtype::A, Rtype::MX, Rtype::RRSIG, Rtype::NSEC, Rtype(1234)]
        );
        assert_eq!(bitmap_types(&[]).unwrap(), vec![]);
        // Windows out of order, a zero length, a window cut short.
        assert_eq!(bitmap_types(&hex("040140000140")), None);
        assert_eq!(bitmap_types(&hex("0000")), None);
        assert_eq!(bitmap_types(&hex("000340")), None);
    }

    #[test]
    fn rdata_readers() {
        let mut rrsig = vec![0, 1, 13, 2, 0, 0, 14, 16];
        rrsig.extend_from_slice(&100u32.to_be_bytes());
        rrsig.extend_from_slice(&50u32.to_be_bytes());
        rrsig.extend_from_slice(&4321u16.to_be_bytes());
        rrsig.extend_from_slice(n("example.").as_wire());
        rrsig.extend_from_slice(&[1, 2, 3]);
        let f = RrsigFields::parse(&rrsig).unwrap();
        assert_eq!(
            (
                f.covered,
                f.algorithm,
                f.labels,
                f.original_ttl,
                f.expiration,
                f.inception,
                f.key_tag
            ),
            (Rtype::A, 13, 2, 3600, 100, 50, 4321)
        );
        assert_eq!(f.signer, n("example."));
        assert_eq!(RrsigFields::parse(&rrsig[..17]), None);

        let mut nsec = n("b.example.").as_wire().to_vec();
        nsec.extend_from_slice(&[0, 1, 0x40]);
        let f = NsecFields::parse(&nsec).unwrap();
        assert_eq!((f.next, f.types), (n("b.example."), vec![Rtype::A]));

        // 1 1 12 aabbccdd (hash of 20) A RRSIG.
        let mut nsec3 = vec![1, 1, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd, 20];
        nsec3.extend_from_slice(&[7u8; 20]);
        nsec3.extend_from_slice(&[0, 6, 0x40, 0, 0, 0, 0, 2]);
        let f = Nsec3Fields::parse(&nsec3).unwrap();
        assert!(f.opt_out());
        assert_eq!(f.params.iterations, 12);
        assert_eq!(&*f.params.salt, &[0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(&*f.next_hashed, &[7u8; 20]);
        assert_eq!(f.types, vec![Rtype::A, Rtype::RRSIG]);
        assert_eq!(Nsec3Fields::parse(&nsec3[..12]), None);

        let param = [1, 0, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd];
        assert_eq!(Nsec3Params::from_nsec3param(&param).unwrap().iterations, 12);
        // Flags other than zero: ignored (RFC 5155 §4.1.2).
        assert_eq!(Nsec3Params::from_nsec3param(&[1, 1, 0, 12, 0]), None);
    }
}
