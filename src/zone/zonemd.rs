//! ZONEMD (RFC 8976): the message digest of a whole zone, computed and verified.
//!
//! Pure code, no I/O. The zone gate (`sync::gate`) calls [`verify`] on every
//! candidate version of a zone (file reload, AXFR-in, IXFR-in) before it is
//! persisted, and `zonesync check` calls it on the zone files it reads. [`digest`]
//! computes the SIMPLE-scheme digest of a [`ZoneVersion`], which already holds the
//! zone in canonical order (owners by RFC 4034 §6.1, RRsets by type, RDATA by §6.3)
//! with duplicates removed and one TTL per RRset; the names inside RDATA are lowered
//! by the one layout table ([`super::layout`]).
//!
//! # Standards
//! - RFC 8976 §3.3.1 (SIMPLE scheme): "the digest is computed over the zone's
//!   records in canonical order … as defined in RFC 4034 §6"; each RR in canonical
//!   form (§6.2: owner and, for the listed types, the names in RDATA in lower case;
//!   no compression).
//! - RFC 8976 §3.3.1.1: "The apex ZONEMD RRset (either placeholders or a real one)
//!   MUST NOT be included"; "RRSIGs covering the apex ZONEMD RRset MUST NOT be
//!   included"; ZONEMD RRs below the apex, glue and occluded data are included;
//!   out-of-zone data is not part of the zone (a [`ZoneVersion`] cannot hold it).
//! - RFC 8976 §3.3.1.2: "Duplicate RRs … MUST NOT be included more than once"
//!   ([`ZoneVersion`] drops them, RFC 4034 §6.3).
//! - RFC 8976 §3.1 (placeholders): a zone publisher first adds ZONEMD RRs with the
//!   right serial, scheme and algorithm and a digest of zeros, then computes the
//!   digest; since the apex ZONEMD RRset is left out, the placeholder and the final
//!   record give the same digest ([`placeholder`]).
//! - RFC 8976 §4, verification: step 4, "If the ZONEMD RRset contains more than one
//!   RR with the same Scheme and Hash Algorithm, digest verification for those ZONEMD
//!   RRs MUST NOT be considered successful"; step 5, for each ZONEMD RR: (a) "The SOA
//!   Serial field MUST exactly match the ZONEMD Serial field", (b) and (c) an
//!   unsupported scheme or hash algorithm is not successful with that RR, (d) the
//!   digest size must match the hash algorithm; "a match using any one of the
//!   recipient's supported Schemes and Hash Algorithms is sufficient to verify the
//!   zone".
//! - RFC 8976 §5.2/§5.3: scheme 1 = SIMPLE; hash algorithms 1 = SHA-384 (48 octets),
//!   2 = SHA-512 (64 octets).
//!
//! # Limitations
//! - DNSSEC validation of the apex ZONEMD RRset (RFC 8976 §4 steps 1–2) is not done:
//!   zonesync has no trust anchors. Without DNSSEC, ZONEMD is a checksum against
//!   accidental change (RFC 8976 §1), which is what the gate uses it for.
//! - A zone whose ZONEMD RRs all use unsupported schemes or hash algorithms fails
//!   verification ([`ZonemdError::Unsupported`]) rather than being taken as
//!   unverifiable: at least one supported ZONEMD is required.

use std::fmt;

use sha2::{Digest, Sha384, Sha512};

use super::layout::names;
use super::record::{Rdata, Rtype};
use super::version::ZoneVersion;

//----------- Schemes and algorithms ------------------------------------------------

/// The SIMPLE scheme (RFC 8976 §3.3.1), the only one defined.
pub const SCHEME_SIMPLE: u8 = 1;

/// A ZONEMD hash algorithm zonesync computes (RFC 8976 §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-384, algorithm 1.
    Sha384,
    /// SHA-512, algorithm 2.
    Sha512,
}

impl HashAlgorithm {
    /// The algorithm with number `n`, when supported.
    pub fn from_number(n: u8) -> Option<HashAlgorithm> {
        match n {
            1 => Some(HashAlgorithm::Sha384),
            2 => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    /// The algorithm's number in ZONEMD RDATA.
    pub fn number(self) -> u8 {
        match self {
            HashAlgorithm::Sha384 => 1,
            HashAlgorithm::Sha512 => 2,
        }
    }

    /// The length of its digest in octets.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        })
    }
}

//----------- ZONEMD RDATA ----------------------------------------------------------

/// The fields of ZONEMD RDATA (RFC 8976 §2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZonemdFields {
    /// The serial of the zone the digest was computed for.
    pub serial: u32,
    /// The scheme (1 = SIMPLE).
    pub scheme: u8,
    /// The hash algorithm (1 = SHA-384, 2 = SHA-512).
    pub algorithm: u8,
    /// The digest.
    pub digest: Vec<u8>,
}

impl ZonemdFields {
    /// Reads ZONEMD RDATA; `None` when it is too short for the fixed fields and the
    /// 12-octet minimum digest (RFC 8976 §2.2.4).
    pub fn parse(rdata: &[u8]) -> Option<ZonemdFields> {
        if rdata.len() < 6 + 12 {
            return None;
        }
        Some(ZonemdFields {
            serial: u32::from_be_bytes([rdata[0], rdata[1], rdata[2], rdata[3]]),
            scheme: rdata[4],
            algorithm: rdata[5],
            digest: rdata[6..].to_vec(),
        })
    }

    /// The RDATA of these fields.
    pub fn to_rdata(&self) -> Rdata {
        let mut out = Vec::with_capacity(6 + self.digest.len());
        out.extend_from_slice(&self.serial.to_be_bytes());
        out.push(self.scheme);
        out.push(self.algorithm);
        out.extend_from_slice(&self.digest);
        Rdata::from_wire(out)
    }
}

/// A placeholder ZONEMD (RFC 8976 §3.1): the right serial, scheme and algorithm, and
/// a digest of zeros of the algorithm's length. It changes no digest, since the apex
/// ZONEMD RRset is left out of the calculation.
pub fn placeholder(serial: u32, algorithm: HashAlgorithm) -> Rdata {
    ZonemdFields {
        serial,
        scheme: SCHEME_SIMPLE,
        algorithm: algorithm.number(),
        digest: vec![0; algorithm.digest_len()],
    }
    .to_rdata()
}

//----------- Digest ----------------------------------------------------------------

/// The SIMPLE-scheme digest of `version` with `algorithm` (RFC 8976 §3.3.1): every
/// record in canonical order and form, the apex ZONEMD RRset and the RRSIGs covering
/// it left out.
pub fn digest(version: &ZoneVersion, algorithm: HashAlgorithm) -> Vec<u8> {
    match algorithm {
        HashAlgorithm::Sha384 => digest_with::<Sha384>(version),
        HashAlgorithm::Sha512 => digest_with::<Sha512>(version),
    }
}

fn digest_with<D: Digest>(version: &ZoneVersion) -> Vec<u8> {
    let mut hasher = D::new();
    let class = version.class().0.to_be_bytes();
    let mut rr = Vec::with_capacity(512);
    for (i, node) in version.nodes().iter().enumerate() {
        // Owners are lowered once per node (RFC 4034 §6.2 item 2).
        let owner = node.name().to_lowercase();
        let apex = i == 0;
        for set in node.rrsets() {
            if apex
                && (set.rtype == Rtype::ZONEMD
                    || (set.rtype == Rtype::RRSIG && set.covered() == Some(Rtype::ZONEMD)))
            {
                continue;
            }
            for rdata in set.rdatas() {
                rr.clear();
                rr.extend_from_slice(owner.as_wire());
                rr.extend_from_slice(&set.rtype.0.to_be_bytes());
                rr.extend_from_slice(&class);
                rr.extend_from_slice(&set.ttl.to_be_bytes());
                rr.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                push_canonical_rdata(&mut rr, set.rtype, rdata);
                hasher.update(&rr);
            }
        }
    }
    hasher.finalize().to_vec()
}

/// Appends RDATA in canonical form (RFC 4034 §6.2 item 3, as amended by RFC 6840
/// §5.1): the names the layout table marks `canonical_lower` in lower case, every
/// other octet as it is. RDATA that does not fit its layout is lowered up to the
/// first name that does not fit (as canonical comparison does).
fn push_canonical_rdata(out: &mut Vec<u8>, rtype: Rtype, rdata: &[u8]) {
    let start = out.len();
    out.extend_from_slice(rdata);
    for name in names(rtype, rdata).map_while(Result::ok) {
        if name.rules.canonical_lower {
            out[start + name.range.start..start + name.range.end].make_ascii_lowercase();
        }
    }
}

//----------- Verification ----------------------------------------------------------

/// What verifying a zone's ZONEMD found when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    /// The zone has no ZONEMD at its apex: nothing to verify.
    Absent,
    /// A ZONEMD with this algorithm matched the zone.
    Match(HashAlgorithm),
}

/// Verifies the apex ZONEMD RRset of `version` (RFC 8976 §4, without the DNSSEC
/// steps): one ZONEMD of a supported scheme and algorithm whose serial is the SOA's
/// and whose digest matches is enough. Costs one digest per supported algorithm
/// present (a pass over the whole zone each).
pub fn verify(version: &ZoneVersion) -> Result<Verified, ZonemdError> {
    let Some(set) = version.apex().rrset(Rtype::ZONEMD) else {
        return Ok(Verified::Absent);
    };
    let soa_serial = version.serial();
    let fields: Vec<Option<ZonemdFields>> = set.rdatas().map(ZonemdFields::parse).collect();
    let mut failures = Vec::new();
    let mut unsupported = Vec::new();
    let mut computed: Vec<(HashAlgorithm, Vec<u8>)> = Vec::new();
    for f in &fields {
        let Some(f) = f else {
            failures.push(RrFailure::Malformed);
            continue;
        };
        // Step 4: a repeated (scheme, algorithm) disqualifies all its RRs.
        let same = fields
            .iter()
            .flatten()
            .filter(|o| o.scheme == f.scheme && o.algorithm == f.algorithm)
            .count();
        if same > 1 {
            failures.push(RrFailure::Duplicate {
                scheme: f.scheme,
                algorithm: f.algorithm,
            });
            continue;
        }
        // Steps 5b and 5c: unsupported RRs are skipped.
        let algorithm = match (f.scheme, HashAlgorithm::from_number(f.algorithm)) {
            (SCHEME_SIMPLE, Some(a)) => a,
            _ => {
                unsupported.push((f.scheme, f.algorithm));
                continue;
            }
        };
        // Step 5a.
        if f.serial != soa_serial {
            failures.push(RrFailure::Serial {
                algorithm,
                zonemd: f.serial,
                soa: soa_serial,
            });
            continue;
        }
        // Step 5d.
        if f.digest.len() != algorithm.digest_len() {
            failures.push(RrFailure::DigestLength {
                algorithm,
                len: f.digest.len(),
            });
            continue;
        }
        let ours = match computed.iter().find(|(a, _)| *a == algorithm) {
            Some((_, d)) => d,
            None => {
                computed.push((algorithm, digest(version, algorithm)));
                &computed[computed.len() - 1].1
            }
        };
        if *ours == f.digest {
            return Ok(Verified::Match(algorithm));
        }
        failures.push(RrFailure::Mismatch {
            algorithm,
            zonemd: hex_prefix(&f.digest),
            computed: hex_prefix(ours),
        });
    }
    if failures.is_empty() {
        Err(ZonemdError::Unsupported { found: unsupported })
    } else {
        Err(ZonemdError::Failed { failures })
    }
}

/// The first octets of a digest in hex, for messages.
fn hex_prefix(d: &[u8]) -> String {
    let mut s = data_encoding::HEXLOWER.encode(&d[..d.len().min(8)]);
    if d.len() > 8 {
        s.push('…');
    }
    s
}

//============ Errors ================================================================

/// Why a zone's ZONEMD does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZonemdError {
    /// Every apex ZONEMD uses a scheme or hash algorithm zonesync does not support
    /// (listed as (scheme, algorithm)).
    #[error(
        "ZONEMD not verified: no supported scheme and hash algorithm among {}",
        list_pairs(found)
    )]
    Unsupported {
        /// The (scheme, algorithm) pairs found.
        found: Vec<(u8, u8)>,
    },
    /// No supported ZONEMD matched; why each one failed.
    #[error("ZONEMD does not verify: {}", list_failures(failures))]
    Failed {
        /// One entry per ZONEMD RR that could have verified the zone.
        failures: Vec<RrFailure>,
    },
}

/// Why one ZONEMD RR did not verify the zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RrFailure {
    /// The RDATA is too short.
    Malformed,
    /// Another ZONEMD has the same scheme and algorithm (RFC 8976 §4 step 4).
    Duplicate {
        /// The scheme.
        scheme: u8,
        /// The hash algorithm.
        algorithm: u8,
    },
    /// Its serial is not the SOA's (step 5a).
    Serial {
        /// The hash algorithm.
        algorithm: HashAlgorithm,
        /// The ZONEMD's serial.
        zonemd: u32,
        /// The SOA's serial.
        soa: u32,
    },
    /// The digest has the wrong length for its algorithm (step 5d).
    DigestLength {
        /// The hash algorithm.
        algorithm: HashAlgorithm,
        /// The digest's length.
        len: usize,
    },
    /// The digest does not match the zone (step 5f).
    Mismatch {
        /// The hash algorithm.
        algorithm: HashAlgorithm,
        /// The start of the digest the zone carries, in hex.
        zonemd: String,
        /// The start of the digest computed, in hex.
        computed: String,
    },
}

impl fmt::Display for RrFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RrFailure::Malformed => f.write_str("malformed ZONEMD RDATA"),
            RrFailure::Duplicate { scheme, algorithm } => write!(
                f,
                "more than one ZONEMD with scheme {scheme} and hash algorithm {algorithm}"
            ),
            RrFailure::Serial {
                algorithm,
                zonemd,
                soa,
            } => write!(
                f,
                "{algorithm}: ZONEMD serial {zonemd} is not the SOA serial {soa}"
            ),
            RrFailure::DigestLength { algorithm, len } => write!(
                f,
                "{algorithm}: digest of {len} octets, expected {}",
                algorithm.digest_len()
            ),
            RrFailure::Mismatch {
                algorithm,
                zonemd,
                computed,
            } => write!(
                f,
                "{algorithm}: digest mismatch (ZONEMD {zonemd}, computed {computed})"
            ),
        }
    }
}

fn list_pairs(found: &[(u8, u8)]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|(s, a)| format!("scheme {s}/algorithm {a}"))
        .collect();
    parts.join(", ")
}

fn list_failures(failures: &[RrFailure]) -> String {
    let parts: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    parts.join("; ")
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::name::Name;
    use crate::zone::parse::{ParseOptions, parse_bytes};
    use crate::zone::record::{Class, Record};

    /// The zone in `text` (origin `origin`), its out-of-zone records left out as a
    /// loader leaves them out.
    fn zone(origin: &str, text: &str) -> ZoneVersion {
        let origin: Name = origin.parse().expect("origin");
        let parsed = parse_bytes(
            text.as_bytes(),
            std::path::Path::new("test.zone"),
            &origin,
            &ParseOptions::default(),
        );
        let errors: Vec<_> = parsed
            .findings
            .iter()
            .filter(|f| f.severity == crate::zone::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let records: Vec<Record> = parsed
            .records
            .into_iter()
            .filter(|r| r.owner.ends_with(&origin))
            .collect();
        ZoneVersion::from_records(origin, Class::IN, records).expect("version")
    }

    fn hex(d: &[u8]) -> String {
        data_encoding::HEXLOWER.encode(d)
    }

    /// RFC 8976 Appendix A.1: the simple example zone.
    const A1: &str = "\
example.      86400  IN  SOA     ns1 admin 2018031900 (
                                 1800 900 604800 86400 )
              86400  IN  NS      ns1
              86400  IN  NS      ns2
              86400  IN  ZONEMD  2018031900 1 1 (
                                 c68090d90a7aed716bc459f9340e3d7c
                                 1370d4d24b7e2fc3a1ddc0b9a87153b9
                                 a9713b3c9ae5cc27777f98b8e730044c )
ns1           3600   IN  A       203.0.113.63
ns2           3600   IN  AAAA    2001:db8::63
";
    const A1_SHA384: &str = "c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c";

    /// RFC 8976 Appendix A.2: the complex example zone (out-of-zone data, a non-apex
    /// ZONEMD, duplicates, upper-case owners and RDATA names, a wildcard, occluded
    /// data, RDATA to sort).
    const A2: &str = "\
example.      86400  IN  SOA     ns1 admin 2018031900 (
                                 1800 900 604800 86400 )
              86400  IN  NS      ns1
              86400  IN  NS      ns2
              86400  IN  ZONEMD  2018031900 1 1 (
                                 a3b69bad980a3504e1cffcb0fd6397f9
                                 3848071c93151f552ae2f6b1711d4bd2
                                 d8b39808226d7b9db71e34b72077f8fe )
ns1           3600   IN  A       203.0.113.63
NS2           3600   IN  AAAA    2001:db8::63
occluded.sub  7200   IN  TXT     \"I'm occluded but must be digested\"
sub           7200   IN  NS      ns1
duplicate     300    IN  TXT     \"I must be digested just once\"
duplicate     300    IN  TXT     \"I must be digested just once\"
foo.test.     555    IN  TXT     \"out-of-zone data must be excluded\"
UPPERCASE     3600   IN  TXT     \"canonicalize uppercase owner names\"
*             777    IN  PTR     dont-forget-about-wildcards
mail          3600   IN  MX      20 MAIL1
mail          3600   IN  MX      10 Mail2.Example.
sortme        3600   IN  AAAA    2001:db8::5:61
sortme        3600   IN  AAAA    2001:db8::3:62
sortme        3600   IN  AAAA    2001:db8::4:63
sortme        3600   IN  AAAA    2001:db8::1:65
sortme        3600   IN  AAAA    2001:db8::2:64
non-apex      900    IN  ZONEMD  2018031900 1 1 (
                                 616c6c6f776564206275742069676e6f
                                 7265642e20616c6c6f77656420627574
                                 2069676e6f7265642e20616c6c6f7765 )
";
    const A2_SHA384: &str = "a3b69bad980a3504e1cffcb0fd6397f93848071c93151f552ae2f6b1711d4bd2d8b39808226d7b9db71e34b72077f8fe";

    /// RFC 8976 Appendix A.3: several digests, two of them unsupported.
    const A3: &str = "\
example.      86400  IN  SOA     ns1 admin 2018031900 (
                                 1800 900 604800 86400 )
example.      86400  IN  NS      ns1.example.
example.      86400  IN  NS      ns2.example.
example.      86400  IN  ZONEMD  2018031900 1 1 (
                                 62e6cf51b02e54b9b5f967d547ce4313
                                 6792901f9f88e637493daaf401c92c27
                                 9dd10f0edb1c56f8080211f8480ee306 )
example.      86400  IN  ZONEMD  2018031900 1 2 (
                                 08cfa1115c7b948c4163a901270395ea
                                 226a930cd2cbcf2fa9a5e6eb85f37c8a
                                 4e114d884e66f176eab121cb02db7d65
                                 2e0cc4827e7a3204f166b47e5613fd27 )
example.      86400  IN  ZONEMD  2018031900 1 240 (
                                 e2d523f654b9422a96c5a8f44607bbee )
example.      86400  IN  ZONEMD  2018031900 241 1 (
                                 e1846540e33a9e4189792d18d5d131f6
                                 05fc283e )
ns1.example.  3600   IN  A       203.0.113.63
ns2.example.  86400  IN  TXT     \"This example has multiple digests\"
NS2.EXAMPLE.  3600   IN  AAAA    2001:db8::63
";
    const A3_SHA384: &str = "62e6cf51b02e54b9b5f967d547ce43136792901f9f88e637493daaf401c92c279dd10f0edb1c56f8080211f8480ee306";
    const A3_SHA512: &str = "08cfa1115c7b948c4163a901270395ea226a930cd2cbcf2fa9a5e6eb85f37c8a4e114d884e66f176eab121cb02db7d652e0cc4827e7a3204f166b47e5613fd27";

    #[test]
    fn rfc8976_a1_simple_zone() {
        let v = zone("example.", A1);
        assert_eq!(hex(&digest(&v, HashAlgorithm::Sha384)), A1_SHA384);
        assert_eq!(verify(&v), Ok(Verified::Match(HashAlgorithm::Sha384)));
    }

    #[test]
    fn rfc8976_a2_complex_zone() {
        let v = zone("example.", A2);
        assert_eq!(hex(&digest(&v, HashAlgorithm::Sha384)), A2_SHA384);
        assert_eq!(verify(&v), Ok(Verified::Match(HashAlgorithm::Sha384)));
    }

    #[test]
    fn rfc8976_a3_multiple_digests() {
        let v = zone("example.", A3);
        assert_eq!(hex(&digest(&v, HashAlgorithm::Sha384)), A3_SHA384);
        assert_eq!(hex(&digest(&v, HashAlgorithm::Sha512)), A3_SHA512);
        // The unsupported scheme 241 and algorithm 240 are skipped.
        assert!(matches!(verify(&v), Ok(Verified::Match(_))));
    }

    #[test]
    fn a_flipped_record_fails() {
        let text = A2.replace("2001:db8::4:63", "2001:db8::4:64");
        let v = zone("example.", &text);
        match verify(&v) {
            Err(ZonemdError::Failed { failures }) => {
                assert!(
                    matches!(
                        failures[..],
                        [RrFailure::Mismatch {
                            algorithm: HashAlgorithm::Sha384,
                            ..
                        }]
                    ),
                    "{failures:?}"
                );
                let msg = ZonemdError::Failed { failures }.to_string();
                assert!(
                    msg.contains("digest mismatch (ZONEMD a3b69bad980a3504…"),
                    "{msg}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Case in owners and RDATA names changes nothing (canonical form).
        let v = zone(
            "example.",
            &A2.replace("MAIL1", "mail1").replace("NS2", "ns2"),
        );
        assert!(verify(&v).is_ok());
        // A changed TTL is a change.
        let v = zone("example.", &A1.replace("3600   IN  A", "3601   IN  A"));
        assert!(verify(&v).is_err());
    }

    #[test]
    fn the_apex_zonemd_set_and_its_signatures_are_left_out() {
        let v = zone("example.", A1);
        // A placeholder (RFC 8976 §3.1) in place of the real record: same digest.
        let mut records: Vec<Record> = v
            .records()
            .into_iter()
            .filter(|r| r.rtype != Rtype::ZONEMD)
            .collect();
        let apex = v.origin().clone();
        records.push(Record::new(
            apex.clone(),
            Class::IN,
            Rtype::ZONEMD,
            86400,
            placeholder(2018031900, HashAlgorithm::Sha384),
        ));
        // An RRSIG covering the apex ZONEMD is left out too.
        let mut sig = Rtype::ZONEMD.0.to_be_bytes().to_vec();
        sig.extend([13, 1, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        sig.extend(apex.as_wire());
        sig.extend([1, 2, 3]);
        records.push(Record::new(
            apex.clone(),
            Class::IN,
            Rtype::RRSIG,
            86400,
            Rdata::from_wire(sig),
        ));
        let p = ZoneVersion::from_records(apex, Class::IN, records).expect("version");
        assert_eq!(hex(&digest(&p, HashAlgorithm::Sha384)), A1_SHA384);
        // But the placeholder does not verify.
        assert!(matches!(
            verify(&p),
            Err(ZonemdError::Failed { failures }) if matches!(failures[..], [RrFailure::Mismatch { .. }])
        ));
    }

    #[test]
    fn verification_rules() {
        // No ZONEMD: nothing to verify.
        let plain: String = A1
            .lines()
            .filter(|l| !l.contains("ZONEMD") && !l.starts_with("     "))
            .map(|l| format!("{l}\n"))
            .collect();
        let plain = plain.replace("2018031900 (", "2018031900 1800 900 604800 86400");
        assert_eq!(verify(&zone("example.", &plain)), Ok(Verified::Absent));
        // The serial must be the SOA's.
        let v = zone(
            "example.",
            &A1.replace("ZONEMD  2018031900", "ZONEMD  2018031901"),
        );
        let e = verify(&v).unwrap_err();
        assert!(
            e.to_string()
                .contains("ZONEMD serial 2018031901 is not the SOA serial 2018031900"),
            "{e}"
        );
        // Two RRs with one scheme and algorithm: neither counts.
        let dup = A1.replace(
            "ns1           3600",
            &format!(
                "@ 86400 IN ZONEMD 2018031900 1 1 {}\nns1 3600",
                "00".repeat(48)
            ),
        );
        let e = verify(&zone("example.", &dup)).unwrap_err();
        assert!(matches!(&e, ZonemdError::Failed { failures }
            if failures.iter().all(|f| matches!(f, RrFailure::Duplicate { scheme: 1, algorithm: 1 }))));
        // Only unsupported ones: not verified.
        let v = zone(
            "example.",
            &A1.replace("ZONEMD  2018031900 1 1", "ZONEMD  2018031900 1 240"),
        );
        assert_eq!(
            verify(&v),
            Err(ZonemdError::Unsupported {
                found: vec![(1, 240)]
            })
        );
        // A digest of the wrong length.
        let v = zone(
            "example.",
            &A1.replace("a9713b3c9ae5cc27777f98b8e730044c", ""),
        );
        assert!(
            verify(&v)
                .unwrap_err()
                .to_string()
                .contains("digest of 32 octets")
        );
        // A supported mismatch beside a matching one of the other algorithm verifies.
        let v = zone(
            "example.",
            &A3.replace(
                "62e6cf51b02e54b9b5f967d547ce4313",
                "62e6cf51b02e54b9b5f967d547ce4314",
            ),
        );
        assert_eq!(verify(&v), Ok(Verified::Match(HashAlgorithm::Sha512)));
    }

    #[test]
    fn rdata_round_trip() {
        let f = ZonemdFields::parse(placeholder(7, HashAlgorithm::Sha512).as_wire()).unwrap();
        assert_eq!((f.serial, f.scheme, f.algorithm), (7, 1, 2));
        assert_eq!(f.digest, vec![0; 64]);
        assert_eq!(ZonemdFields::parse(&[0; 17]), None);
    }
}
