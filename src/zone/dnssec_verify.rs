//! Cryptographic verification of a signed zone's RRSIGs against its apex DNSKEY
//! RRset: what `zonesync check --verify-signatures` adds to the structural checks of
//! [`super::check_dnssec`], as `ldns-verify-zone` and Knot's `kzonecheck` do.
//!
//! `cli/check.rs` parses a zone file and, when asked, hands its records and their
//! positions here beside [`check_dnssec`](super::check_dnssec::check_dnssec); the
//! findings join the others at the offending RRSIG's line. For each RRSIG the RRset it
//! covers is rebuilt in canonical form (owner and embedded names lowered as the layout
//! table ([`super::layout`]) says, RDATA in canonical order without duplicates, TTL
//! from the RRSIG), the DNSKEYs of its key tag and algorithm are looked up at the
//! apex, and the signature is checked with `ring`. A zone without RRSIGs gets no
//! findings; an RRSIG whose RRset is missing is left to `check_dnssec`
//! (`rrsig-orphan`), and so are validity periods.
//!
//! | code | severity | what |
//! |---|---|---|
//! | `rrsig-invalid` | error | an RRSIG that does not verify with its DNSKEY |
//! | `rrsig-no-dnskey` | error | RRSIGs whose key tag and algorithm match no zone key at the apex (once per key tag) |
//! | `rrsig-signer` | error | an RRSIG whose Signer's Name is not the zone's apex |
//! | `rrsig-labels` | error | an RRSIG whose Labels field exceeds its owner's labels |
//! | `rrsig-malformed` | error | RRSIG RDATA that cannot be read |
//! | `rrsig-unsupported` | warning | RRSIGs of an algorithm (or key) zonesync cannot verify, not verified (once per key tag) |
//!
//! Verification runs on up to four threads for large zones; the results do not depend
//! on the number of threads.
//!
//! # Standards
//! - RFC 4034 §3.1.8.1: "signature = sign(RRSIG_RDATA | RR(1) | RR(2)... ) … RRSIG_RDATA
//!   is the wire format of the RRSIG RDATA fields with the Signer's Name field in
//!   canonical form and the Signature field excluded; RR(i) = owner | type | class |
//!   TTL | RDATA length | RDATA"; "Each RR MUST be in canonical form" and the RRset
//!   "in canonical order"; the owner is the name itself when the Labels field equals
//!   its label count, "*." followed by its rightmost Labels labels when it is smaller,
//!   and "if rrsig_labels > fqdn_labels the RRSIG RR did not pass the necessary
//!   validation checks and MUST NOT be used"; "the TTL value from the RRSIG Original
//!   TTL field".
//! - RFC 4034 §6.2 and RFC 6840 §5.1: canonical form lowers the owner and the names
//!   inside the RDATA of the listed types ([`NameField::canonical_lower`](super::layout::NameField::canonical_lower));
//!   §6.3: canonical RDATA order, duplicates removed ([`canonical_order_of`]).
//! - RFC 4035 §5.3.1: "The RRSIG RR's Signer's Name field MUST be the name of the zone
//!   that contains the RRset"; "The matching DNSKEY RR MUST be present in the zone's
//!   apex DNSKEY RRset, and MUST have the Zone Flag bit (DNSKEY RDATA Flag bit 7)
//!   set"; its Algorithm and Key Tag match the RRSIG's. RFC 4034 §2.1.2: "The Protocol
//!   Field MUST have value 3".
//! - RFC 4034 Appendix B: the key tag (with the RSA/MD5 exception of B.1).
//! - RFC 3110 §2 (RSA/SHA-1, algorithms 5 and 7 via RFC 5155) and RFC 5702 §2–3
//!   (RSA/SHA-256 and RSA/SHA-512): the public key is "exponent length (1 or 3
//!   octets) | exponent | modulus", the exponent length a single octet, or a zero
//!   octet and two octets when it exceeds 255; signatures are PKCS #1 v1.5.
//! - RFC 6605 §4: ECDSA P-256 and P-384 public keys are the point "Q" as x | y (64 or
//!   96 octets); signatures are "r | s", each of the curve's size.
//! - RFC 8080 §3: Ed25519 public keys are 32 octets, signatures 64 (RFC 8032).
//!
//! # Limitations
//! - Verified: RSASHA1 (5), RSASHA1-NSEC3-SHA1 (7), RSASHA256 (8), RSASHA512 (10),
//!   ECDSAP256SHA256 (13), ECDSAP384SHA384 (14), ED25519 (15). RSAMD5 (1), DSA (3,
//!   6), ECC-GOST (12), ED448 (16) and private algorithms get `rrsig-unsupported`, as
//!   do RSA keys shorter than 1024 or longer than 8192 bits (`ring` refuses them).
//! - The Revoke flag (RFC 5011) is not looked at, nor whether the DNSKEY RRset is
//!   signed by a key with the SEP flag or matches a DS in the parent.
//! - RRSIGs are grouped with their RRset by owner and type; the class is the RRSIG's
//!   (zone files hold one class).

use std::ops::Range;

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use super::diag::{Finding, Pos, Severity};
use super::dnssec::RrsigFields;
use super::layout::names;
use super::name::Name;
use super::record::{Record, Rtype};
use super::rrset::{rdata_eq, rrsig_covered};
use super::version::canonical_order_of;

//----------- Entry point ------------------------------------------------------------

/// Verifies every RRSIG of the zone `origin` against the apex DNSKEY RRset (see the
/// module documentation). `positions[i]` is where `records[i]` was read (may be
/// empty). Findings come in the zone's canonical order.
pub fn verify_signatures(origin: &Name, records: &[Record], positions: &[Pos]) -> Vec<Finding> {
    if !records.iter().any(|r| r.rtype == Rtype::RRSIG) {
        return Vec::new();
    }
    let keys: Vec<Dnskey<'_>> = records
        .iter()
        .filter(|r| r.rtype == Rtype::DNSKEY && r.owner == *origin)
        .filter_map(|r| Dnskey::parse(r.rdata.as_wire()))
        .collect();
    let (jobs, members) = jobs(origin, records);
    let ctx = Verifier {
        origin,
        records,
        keys: &keys,
        members: &members,
    };
    let verdicts = ctx.run(&jobs);

    let mut out = Vec::new();
    // Missing keys and unsupported algorithms: one finding per key tag and
    // algorithm, at its first RRSIG, rather than one per signature.
    let mut grouped: Vec<(u16, u8, Verdict, usize, usize)> = Vec::new();
    for (k, (job, verdict)) in jobs.iter().zip(verdicts).enumerate() {
        let r = &records[job.sig as usize];
        let Some(f) = RrsigFields::parse(r.rdata.as_wire()) else {
            let message = format!("the RRSIG at {} has unreadable RDATA", r.owner);
            out.push((k, Severity::Error, "rrsig-malformed", message));
            continue;
        };
        let what = format!("RRSIG {} at {} (key {})", f.covered, r.owner, f.key_tag);
        let (severity, code, message) = match verdict {
            Verdict::Valid | Verdict::Malformed => continue,
            Verdict::NoKey | Verdict::Unsupported(_) => {
                match grouped
                    .iter_mut()
                    .find(|g| g.0 == f.key_tag && g.1 == f.algorithm && g.2 == verdict)
                {
                    Some(g) => g.4 += 1,
                    None => grouped.push((f.key_tag, f.algorithm, verdict, k, 1)),
                }
                continue;
            }
            Verdict::Invalid(why) => (
                Severity::Error,
                "rrsig-invalid",
                format!("{what} does not verify (algorithm {}){why}", f.algorithm),
            ),
            Verdict::Signer => (
                Severity::Error,
                "rrsig-signer",
                format!(
                    "{what} names the signer {}, not the zone {origin}",
                    f.signer
                ),
            ),
            Verdict::Labels => (
                Severity::Error,
                "rrsig-labels",
                format!(
                    "{what} has a Labels field of {}, more than its owner's {}",
                    f.labels,
                    r.owner.label_count()
                ),
            ),
        };
        out.push((k, severity, code, message));
    }
    for (tag, algorithm, verdict, first, count) in grouped {
        let r = &records[jobs[first].sig as usize];
        let covered = rrsig_covered(&r.rdata).unwrap_or(Rtype(0));
        let what = format!("RRSIG {covered} at {} (key {tag})", r.owner);
        let more = match count {
            1 => String::new(),
            2 => " (and 1 more RRSIG of this key)".to_string(),
            n => format!(" (and {} more RRSIGs of this key)", n - 1),
        };
        let (severity, code, message) = match verdict {
            Verdict::NoKey => (
                Severity::Error,
                "rrsig-no-dnskey",
                format!(
                    "{what}: no DNSKEY for key tag {tag}, algorithm {algorithm} at {origin}{more}"
                ),
            ),
            Verdict::Unsupported(why) => (
                Severity::Warning,
                "rrsig-unsupported",
                format!("{what} not verified: {why}{more}"),
            ),
            _ => unreachable!("only missing keys and unsupported algorithms are grouped"),
        };
        out.push((first, severity, code, message));
    }
    // Canonical order of the RRSIGs, as the jobs came.
    out.sort_by_key(|f| f.0);
    out.into_iter()
        .map(|(k, severity, code, message)| Finding {
            severity,
            pos: positions.get(jobs[k].sig as usize).cloned(),
            code,
            message,
        })
        .collect()
}

//----------- Jobs -------------------------------------------------------------------

/// One RRSIG to verify and the RRset it covers.
struct Job {
    /// Index of the RRSIG in `records`.
    sig: u32,
    /// The covered RRset: a range of the member list, record indices in canonical
    /// order, duplicates removed.
    set: Range<u32>,
}

/// The RRSIGs of the zone in canonical order, each with the RRset it covers (RRSIGs
/// without one are left out), and the member list the jobs' ranges point into.
fn jobs(origin: &Name, records: &[Record]) -> (Vec<Job>, Vec<u32>) {
    let order = canonical_order_of(origin, records);
    let mut jobs = Vec::new();
    let mut members: Vec<u32> = Vec::with_capacity(order.len());
    // The RRsets and RRSIGs of the current owner: (type, member range), RRSIG indices.
    let mut sets: Vec<(Rtype, Range<u32>)> = Vec::new();
    let mut sigs: Vec<u32> = Vec::new();
    let flush = |sets: &mut Vec<(Rtype, Range<u32>)>, sigs: &mut Vec<u32>, jobs: &mut Vec<Job>| {
        for sig in sigs.drain(..) {
            match RrsigFields::parse(records[sig as usize].rdata.as_wire()) {
                // Unreadable RDATA: reported, never verified.
                None => jobs.push(Job { sig, set: 0..0 }),
                Some(f) => {
                    if let Some((_, range)) = sets.iter().find(|s| s.0 == f.covered) {
                        jobs.push(Job {
                            sig,
                            set: range.clone(),
                        });
                    }
                }
            }
        }
        sets.clear();
    };
    for (k, &i) in order.iter().enumerate() {
        let r = &records[i as usize];
        let new_owner = k == 0 || records[order[k - 1] as usize].owner != r.owner;
        if new_owner {
            flush(&mut sets, &mut sigs, &mut jobs);
        }
        if r.rtype == Rtype::RRSIG {
            sigs.push(i);
            continue;
        }
        let at = members.len() as u32;
        match sets.last_mut() {
            Some((t, range)) if *t == r.rtype && !new_owner => {
                // Canonical order puts equal RDATA side by side: keep the first.
                let last = &records[members[range.end as usize - 1] as usize];
                if !rdata_eq(r.rtype, last.rdata.as_wire(), r.rdata.as_wire()) {
                    members.push(i);
                    range.end = at + 1;
                }
            }
            _ => {
                members.push(i);
                sets.push((r.rtype, at..at + 1));
            }
        }
    }
    flush(&mut sets, &mut sigs, &mut jobs);
    (jobs, members)
}

//----------- Verifying --------------------------------------------------------------

/// What verifying one RRSIG found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// A DNSKEY of its tag and algorithm verifies it.
    Valid,
    /// No DNSKEY of its tag and algorithm verifies it; why, when a reason is known
    /// beyond a wrong signature (a malformed key).
    Invalid(&'static str),
    /// No zone key at the apex has its key tag and algorithm.
    NoKey,
    /// The algorithm or the key cannot be verified here; why.
    Unsupported(&'static str),
    /// The signer is not the zone's apex.
    Signer,
    /// More labels than the owner has.
    Labels,
    /// Unreadable RRSIG RDATA.
    Malformed,
}

/// What the worker threads share.
struct Verifier<'a> {
    origin: &'a Name,
    records: &'a [Record],
    keys: &'a [Dnskey<'a>],
    members: &'a [u32],
}

/// Below this many signatures verification stays on the calling thread.
const PARALLEL_FROM: usize = 512;
/// At most this many threads verify.
const MAX_THREADS: usize = 4;

impl Verifier<'_> {
    /// The verdict of every job, in order. Blocks the calling thread (and up to
    /// [`MAX_THREADS`] scoped threads) until all are done.
    fn run(&self, jobs: &[Job]) -> Vec<Verdict> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS);
        if threads < 2 || jobs.len() < PARALLEL_FROM {
            return jobs.iter().map(|j| self.verify(j)).collect();
        }
        let chunk = jobs.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || part.iter().map(|j| self.verify(j)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("verification does not panic"))
                .collect()
        })
    }

    /// Verifies one RRSIG over its RRset.
    fn verify(&self, job: &Job) -> Verdict {
        let sig = &self.records[job.sig as usize];
        let rdata = sig.rdata.as_wire();
        let Some(f) = RrsigFields::parse(rdata) else {
            return Verdict::Malformed;
        };
        if f.signer != *self.origin {
            return Verdict::Signer;
        }
        let candidates: Vec<&Dnskey<'_>> = self
            .keys
            .iter()
            .filter(|k| k.tag == f.key_tag && k.algorithm == f.algorithm && k.usable())
            .collect();
        if candidates.is_empty() {
            return Verdict::NoKey;
        }
        let fixed = 18 + f.signer.wire_len();
        let set: Vec<&Record> = self.members[job.set.start as usize..job.set.end as usize]
            .iter()
            .map(|&i| &self.records[i as usize])
            .collect();
        let Some(data) = signed_data(&rdata[..fixed], &f, &sig.owner, sig.class.0, &set) else {
            return Verdict::Labels;
        };
        let signature = &rdata[fixed..];
        let mut verdict = Verdict::Invalid("");
        for key in candidates {
            match verify_raw(f.algorithm, key.public_key, &data, signature) {
                Ok(()) => return Verdict::Valid,
                // Another key of the same tag may still verify it.
                Err(Failure::Bad) => {}
                Err(Failure::MalformedKey) => {
                    verdict = Verdict::Invalid(": the DNSKEY's public key is malformed")
                }
                Err(Failure::Unsupported(why)) => verdict = Verdict::Unsupported(why),
            }
        }
        verdict
    }
}

/// The octets an RRSIG signs (RFC 4034 §3.1.8.1): `rrsig_rdata` (the RRSIG RDATA up to
/// the signature), its signer lowered, then each record of `set` (canonical order,
/// no duplicates) in canonical form with the RRSIG's Original TTL. `None` when the
/// Labels field exceeds the owner's label count.
fn signed_data(
    rrsig_rdata: &[u8],
    f: &RrsigFields,
    owner: &Name,
    class: u16,
    set: &[&Record],
) -> Option<Vec<u8>> {
    let count = owner.label_count();
    let labels = f.labels as usize;
    if labels > count {
        return None;
    }
    // The owner as signed: "*." and the rightmost Labels labels for a wildcard
    // expansion, which in a zone file is the wildcard owner itself.
    let mut name = Vec::with_capacity(owner.wire_len() + 2);
    if labels < count {
        name.extend_from_slice(&[1, b'*']);
    }
    name.extend_from_slice(owner.trim_labels(count - labels).as_wire());
    // Length octets are below 64, never letters: lowering the wire form is safe.
    name.make_ascii_lowercase();

    let mut data = Vec::with_capacity(rrsig_rdata.len() + set.len() * (name.len() + 64));
    data.extend_from_slice(rrsig_rdata);
    data[18..].make_ascii_lowercase();
    for r in set {
        data.extend_from_slice(&name);
        data.extend_from_slice(&r.rtype.0.to_be_bytes());
        data.extend_from_slice(&class.to_be_bytes());
        data.extend_from_slice(&f.original_ttl.to_be_bytes());
        let rdata = r.rdata.as_wire();
        data.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        let start = data.len();
        data.extend_from_slice(rdata);
        // RFC 4034 §6.2: the names the layout table marks are lowered.
        for n in names(r.rtype, rdata).map_while(Result::ok) {
            if n.rules.canonical_lower {
                data[start + n.range.start..start + n.range.end].make_ascii_lowercase();
            }
        }
    }
    Some(data)
}

//----------- DNSKEY -----------------------------------------------------------------

/// The fields of a DNSKEY record (RFC 4034 §2.1) and its key tag.
#[derive(Clone, Debug)]
struct Dnskey<'a> {
    flags: u16,
    protocol: u8,
    algorithm: u8,
    public_key: &'a [u8],
    tag: u16,
}

impl<'a> Dnskey<'a> {
    /// Reads DNSKEY RDATA; `None` when it is shorter than its fixed fields.
    fn parse(rdata: &'a [u8]) -> Option<Dnskey<'a>> {
        let [f0, f1, protocol, algorithm, ..] = *rdata else {
            return None;
        };
        Some(Dnskey {
            flags: u16::from_be_bytes([f0, f1]),
            protocol,
            algorithm,
            public_key: &rdata[4..],
            tag: key_tag(rdata),
        })
    }

    /// May verify RRSIGs: the Zone Key flag set and protocol 3 (RFC 4034 §2.1.1–2).
    fn usable(&self) -> bool {
        self.flags & 0x0100 != 0 && self.protocol == 3
    }
}

/// The key tag of DNSKEY RDATA (RFC 4034 Appendix B): the one's-complement-style sum
/// of its 16-bit words, or for RSA/MD5 (algorithm 1, Appendix B.1) "the most
/// significant 16 bits of the least significant 24 bits" of the modulus.
pub fn key_tag(rdata: &[u8]) -> u16 {
    if rdata.get(3) == Some(&1) && rdata.len() >= 7 {
        let n = rdata.len();
        return u16::from_be_bytes([rdata[n - 3], rdata[n - 2]]);
    }
    let mut ac: u32 = 0;
    for (i, &b) in rdata.iter().enumerate() {
        ac += if i & 1 == 0 {
            u32::from(b) << 8
        } else {
            u32::from(b)
        };
    }
    ac += (ac >> 16) & 0xffff;
    (ac & 0xffff) as u16
}

//----------- Algorithms -------------------------------------------------------------

/// Why a signature did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// The signature is wrong for this key and data.
    Bad,
    /// The public key does not have its algorithm's format.
    MalformedKey,
    /// The algorithm, or this key's size, is not supported; why.
    Unsupported(&'static str),
}

/// Verifies `signature` over `data` with the DNSKEY public key `key` of DNSSEC
/// algorithm `algorithm`.
fn verify_raw(algorithm: u8, key: &[u8], data: &[u8], signature: &[u8]) -> Result<(), Failure> {
    let bad = |_| Failure::Bad;
    match algorithm {
        5 | 7 | 8 | 10 => {
            let (e, n) = rsa_key(key).ok_or(Failure::MalformedKey)?;
            let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
            if !(1024..=8192).contains(&bits) {
                return Err(Failure::Unsupported(
                    "RSA keys of fewer than 1024 or more than 8192 bits are not supported",
                ));
            }
            // The 1024-bit minimum ("legacy") variants accept every size from 1024
            // to 8192 bits; which bits a key should have is not this check's concern.
            let params = match algorithm {
                5 | 7 => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                8 => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                _ => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            };
            RsaPublicKeyComponents { n, e }
                .verify(params, data, signature)
                .map_err(bad)
        }
        13 | 14 => {
            let (params, len): (&'static signature::EcdsaVerificationAlgorithm, usize) =
                if algorithm == 13 {
                    (&signature::ECDSA_P256_SHA256_FIXED, 64)
                } else {
                    (&signature::ECDSA_P384_SHA384_FIXED, 96)
                };
            if key.len() != len {
                return Err(Failure::MalformedKey);
            }
            // ring takes the uncompressed SEC1 point: 0x04, then x | y.
            let mut point = Vec::with_capacity(1 + len);
            point.push(4);
            point.extend_from_slice(key);
            UnparsedPublicKey::new(params, &point)
                .verify(data, signature)
                .map_err(bad)
        }
        15 => {
            if key.len() != 32 {
                return Err(Failure::MalformedKey);
            }
            UnparsedPublicKey::new(&signature::ED25519, key)
                .verify(data, signature)
                .map_err(bad)
        }
        1 => Err(Failure::Unsupported(
            "algorithm 1 (RSAMD5) is not supported",
        )),
        3 | 6 => Err(Failure::Unsupported(
            "DSA (algorithms 3 and 6) is not supported",
        )),
        12 => Err(Failure::Unsupported(
            "algorithm 12 (ECC-GOST) is not supported",
        )),
        16 => Err(Failure::Unsupported(
            "algorithm 16 (ED448) is not supported",
        )),
        _ => Err(Failure::Unsupported("the algorithm is not supported")),
    }
}

/// The exponent and modulus of an RSA public key in DNSKEY form (RFC 3110 §2), each
/// without leading zero octets (as `ring` wants them).
fn rsa_key(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (len, rest) = if first == 0 {
        let (len, rest) = rest.split_at_checked(2)?;
        (usize::from(u16::from_be_bytes([len[0], len[1]])), rest)
    } else {
        (usize::from(first), rest)
    };
    let (e, n) = rest.split_at_checked(len)?;
    let trim = |x: &[u8]| -> usize { x.iter().take_while(|&&b| b == 0).count() };
    let (e, n) = (&e[trim(e)..], &n[trim(n)..]);
    (!e.is_empty() && !n.is_empty()).then_some((e, n))
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse::{ParseOptions, parse_bytes};
    use crate::zone::record::Rdata;
    use std::path::Path;

    /// The fixtures every supported algorithm signed (`tests/data/signed/README.md`).
    const GOOD: [&str; 7] = [
        "alg5",
        "alg8",
        "alg8-1024",
        "alg10",
        "alg13",
        "alg14",
        "alg15",
    ];

    fn origin() -> Name {
        "example.".parse().unwrap()
    }

    /// The records of `tests/data/signed/NAME.example.signed`.
    fn load(name: &str) -> Vec<Record> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/signed")
            .join(format!("{name}.example.signed"));
        let text = std::fs::read(&path).unwrap();
        let p = parse_bytes(&text, &path, &origin(), &ParseOptions::default());
        assert!(!p.has_errors(), "{name}: {:?}", p.findings);
        p.records
    }

    /// The findings as `severity code message`.
    fn run(records: &[Record]) -> Vec<String> {
        verify_signatures(&origin(), records, &[])
            .iter()
            .map(|f| format!("{} {} {}", f.severity, f.code, f.message))
            .collect()
    }

    /// The index of the RRSIG covering `covered` at `owner`, and its key tag.
    fn rrsig_of(records: &[Record], owner: &str, covered: Rtype) -> (usize, u16) {
        let owner: Name = owner.parse().unwrap();
        records
            .iter()
            .enumerate()
            .find_map(|(i, r)| {
                let f = RrsigFields::parse(r.rdata.as_wire())?;
                (r.rtype == Rtype::RRSIG && r.owner == owner && f.covered == covered)
                    .then_some((i, f.key_tag))
            })
            .expect("the fixture has that RRSIG")
    }

    fn with_rdata(r: &Record, wire: Vec<u8>) -> Record {
        Record::new(
            r.owner.clone(),
            r.class,
            r.rtype,
            r.ttl,
            Rdata::from_wire(wire),
        )
    }

    #[test]
    fn every_supported_algorithm_verifies() {
        for name in GOOD {
            let records = load(name);
            assert!(records.iter().filter(|r| r.rtype == Rtype::RRSIG).count() > 20);
            assert_eq!(run(&records), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn a_changed_signature_octet_is_an_error() {
        for name in GOOD {
            let mut records = load(name);
            let (i, tag) = rrsig_of(&records, "ns1.example.", Rtype::A);
            let mut wire = records[i].rdata.as_wire().to_vec();
            *wire.last_mut().unwrap() ^= 0x01;
            records[i] = with_rdata(&records[i], wire);
            let alg = records[i].rdata.as_wire()[2];
            assert_eq!(
                run(&records),
                [format!(
                    "error rrsig-invalid RRSIG A at ns1.example. (key {tag}) does not verify (algorithm {alg})"
                )],
                "{name}"
            );
        }
    }

    #[test]
    fn changed_data_is_an_error() {
        for name in ["alg8", "alg13", "alg15"] {
            let mut records = load(name);
            let (_, tag) = rrsig_of(&records, "Mail.example.", Rtype::A);
            let mail: Name = "mail.example.".parse().unwrap();
            let k = records
                .iter()
                .position(|r| r.owner == mail && r.rtype == Rtype::A)
                .unwrap();
            records[k] = with_rdata(&records[k], vec![192, 0, 2, 26]);
            let found = run(&records);
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert!(
                found[0].starts_with(&format!(
                    "error rrsig-invalid RRSIG A at Mail.example. (key {tag}) does not verify"
                )),
                "{name}: {found:?}"
            );
        }
    }

    #[test]
    fn canonical_form_and_order_are_rebuilt() {
        let records = load("alg13");
        // Owners in upper case, the file's order reversed, a duplicate (of another
        // TTL and case) added: the same RRsets in canonical form.
        let mut changed: Vec<Record> = records
            .iter()
            .rev()
            .map(|r| {
                let mut r = r.clone();
                r.owner = r.owner.to_string().to_uppercase().parse().unwrap();
                r
            })
            .collect();
        let ns = records
            .iter()
            .find(|r| r.rtype == Rtype::NS && r.owner == origin())
            .unwrap();
        let mut dup = ns.clone();
        dup.ttl = 60;
        dup.rdata = Rdata::from_wire(dup.rdata.as_wire().to_ascii_uppercase());
        changed.push(dup);
        assert_eq!(run(&changed), Vec::<String>::new());
        // The wildcard's RRSIG has fewer labels than its owner: signed as `*.wild`.
        let (i, _) = rrsig_of(&records, "*.wild.example.", Rtype::A);
        assert_eq!(records[i].rdata.as_wire()[3], 2);
    }

    #[test]
    fn more_labels_than_the_owner_is_an_error() {
        let mut records = load("alg15");
        let (i, tag) = rrsig_of(&records, "ns1.example.", Rtype::A);
        let mut wire = records[i].rdata.as_wire().to_vec();
        wire[3] = 3;
        records[i] = with_rdata(&records[i], wire);
        assert_eq!(
            run(&records),
            [format!(
                "error rrsig-labels RRSIG A at ns1.example. (key {tag}) has a Labels field of 3, more than its owner's 2"
            )]
        );
    }

    #[test]
    fn signatures_without_their_dnskey_are_an_error_per_key() {
        let records = load("alg15");
        let (_, tag) = rrsig_of(&records, "example.", Rtype::NS);
        let without: Vec<Record> = records
            .iter()
            .filter(|r| r.rtype != Rtype::DNSKEY)
            .cloned()
            .collect();
        let sigs = without.iter().filter(|r| r.rtype == Rtype::RRSIG).count();
        // The DNSKEY RRset's own RRSIG covers nothing now: `check_dnssec`'s orphan.
        assert_eq!(
            run(&without),
            [format!(
                "error rrsig-no-dnskey RRSIG NS at example. (key {tag}): no DNSKEY for key tag {tag}, algorithm 15 at example. (and {} more RRSIGs of this key)",
                sigs - 2
            )]
        );
        // A key without the Zone Key flag (bit 7) does not count (RFC 4034 §2.1.1).
        let unflagged: Vec<Record> = records
            .iter()
            .map(|r| {
                if r.rtype != Rtype::DNSKEY {
                    return r.clone();
                }
                let mut wire = r.rdata.as_wire().to_vec();
                wire[0] &= !0x01;
                with_rdata(r, wire)
            })
            .collect();
        let found = run(&unflagged);
        assert!(
            found.iter().all(|f| f.contains("rrsig-no-dnskey")),
            "{found:?}"
        );
    }

    #[test]
    fn key_tags_match_the_signers() {
        for name in GOOD {
            let records = load(name);
            let mut keys: Vec<u16> = records
                .iter()
                .filter(|r| r.rtype == Rtype::DNSKEY)
                .map(|r| key_tag(r.rdata.as_wire()))
                .collect();
            let mut signers: Vec<u16> = records
                .iter()
                .filter(|r| r.rtype == Rtype::RRSIG)
                .filter_map(|r| RrsigFields::parse(r.rdata.as_wire()).map(|f| f.key_tag))
                .collect();
            keys.sort();
            signers.sort();
            signers.dedup();
            assert_eq!(keys, signers, "{name}");
        }
        // RSA/MD5 (Appendix B.1): from the modulus' low octets.
        assert_eq!(
            key_tag(&[1, 0, 3, 1, 3, 1, 0, 1, 0xaa, 0x12, 0x34, 0x56]),
            0x1234
        );
    }

    #[test]
    fn unsupported_algorithms_are_one_warning_per_key() {
        let records = load("alg16");
        let (_, tag) = rrsig_of(&records, "example.", Rtype::NS);
        let sigs = records.iter().filter(|r| r.rtype == Rtype::RRSIG).count();
        assert_eq!(
            run(&records),
            [format!(
                "warning rrsig-unsupported RRSIG NS at example. (key {tag}) not verified: algorithm 16 (ED448) is not supported (and {} more RRSIGs of this key)",
                sigs - 1
            )]
        );
    }

    #[test]
    fn many_signatures_verify_in_parallel_with_the_same_result() {
        let mut records = load("alg13");
        let (i, tag) = rrsig_of(&records, "ns1.example.", Rtype::A);
        let good = records[i].clone();
        let mut wire = good.rdata.as_wire().to_vec();
        wire[40] ^= 0x80;
        let bad = with_rdata(&good, wire);
        records.extend(std::iter::repeat_n(good, PARALLEL_FROM));
        records.push(bad);
        let found = run(&records);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!(
                "error rrsig-invalid RRSIG A at ns1.example. (key {tag})"
            )),
            "{found:?}"
        );
    }

    #[test]
    fn malformed_keys_and_short_rsa_keys() {
        assert_eq!(
            verify_raw(13, &[4; 63], b"data", &[0; 64]),
            Err(Failure::MalformedKey)
        );
        assert_eq!(
            verify_raw(8, &[5, 1], b"data", &[0; 64]),
            Err(Failure::MalformedKey)
        );
        // A 512-bit modulus: below what ring verifies.
        let mut key = vec![3, 1, 0, 1];
        key.extend([0xc5; 64]);
        assert!(matches!(
            verify_raw(8, &key, b"data", &[0; 64]),
            Err(Failure::Unsupported(_))
        ));
        // A three-octet exponent length.
        let mut key = vec![0, 0, 3, 1, 0, 1];
        key.extend([0xc5; 128]);
        let (e, n) = rsa_key(&key).unwrap();
        assert_eq!((e, n.len()), (&[1, 0, 1][..], 128));
    }
}
