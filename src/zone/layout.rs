//! The RDATA layout table: for every type whose RDATA holds domain names, its fields
//! in wire order, and for each name what the RFCs allow — compression on output,
//! decompression on input, lowering in canonical form — and whether it is the name
//! the record points to.
//!
//! This is the one place that knows these facts. Everything else asks it:
//! - `wire::build` compresses only names with [`Compression::Allowed`];
//! - `wire::read` decompresses the RDATA of the types [`decompresses`] says;
//! - `zone::rrset` lowers the names with [`NameField::canonical_lower`] for canonical
//!   comparison (and so `apply`, `diff`, duplicates and DNSSEC order), and reads
//!   [`NameField::target`] for `rdata_target` (the checks, additional-section
//!   processing, NOTIFY targets, catalog members);
//! - `zone::rdata` encodes and formats the types of [`plain_fields`] field by field.
//!
//! Types not in the table ([`layout`] is empty) have no names, or none that
//! zonesync looks into: their RDATA is opaque octets everywhere.
//!
//! # Standards
//! - RFC 3597 §4: "servers MUST NOT compress domain names embedded in the RDATA of
//!   types that are class-specific or not well-known. This requirement was stated in
//!   [RFC1123] without defining the term "well-known"; it is hereby specified that
//!   only the RR types defined in [RFC1035] are to be considered "well-known"."
//!   Those with names are NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO and MX:
//!   [`Compression::Allowed`].
//! - RFC 3597 §4: "Receiving servers MUST decompress domain names in RRs of
//!   well-known type, and SHOULD also decompress RRs of type RP, AFSDB, RT, SIG, PX,
//!   NXT, NAPTR, and SRV (although the current specification of the SRV RR in
//!   [RFC2782] prohibits compression, [RFC2052] mandated it, and some servers
//!   following that earlier specification are still in use)." Those are
//!   [`Compression::DecompressOnly`], and so is KX (RFC 2230), which older encoders
//!   compressed too.
//! - RFC 4034 §3.1.7 (RRSIG: "A sender MUST NOT use DNS name compression on the
//!   Signer's Name field"), §4.1.1 (NSEC: "A sender MUST NOT use DNS name compression
//!   on the Next Domain field"), RFC 6672 §2.5 (DNAME target: not compressed), RFC
//!   9460 §2.2 (SVCB TargetName: "uncompressed"), RFC 6742 §2.4 (LP): these names
//!   are [`Compression::Never`]; a pointer inside them would be taken as data.
//! - RFC 4034 §6.2 item 3, as amended by RFC 6840 §5.1 (which removes NSEC): "if the
//!   type of the RR is NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, HINFO, MINFO, MX,
//!   HINFO, RP, AFSDB, RT, SIG, PX, NXT, NAPTR, KX, SRV, DNAME, A6, RRSIG, or NSEC,
//!   all uppercase US-ASCII letters in the DNS names contained within the RDATA are
//!   replaced by the corresponding lowercase US-ASCII letters". Those names have
//!   [`NameField::canonical_lower`]; HINFO holds no names (its two
//!   character-strings stay as they are).
//!
//! # Limitations
//! - IPSECKEY (RFC 4025: gateway name present only for gateway type 3), HIP
//!   (rendezvous servers after variable-length fields), AMTRELAY, TALINK and the
//!   meta types TSIG and TKEY are not in the table: none of their names is
//!   compressible or lowered, so treating their RDATA as opaque is exact.

use std::ops::Range;

use super::name::wire_name_len;
use super::record::Rtype;

//----------- Field ------------------------------------------------------------------

/// One field of RDATA in wire order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// One octet.
    U8,
    /// A 16-bit integer, what it means in an error message ("a preference").
    U16(&'static str),
    /// A 32-bit integer, what it means ("a serial number").
    U32(&'static str),
    /// A 32-bit count of seconds, written like a TTL in zone files (`1h`), what it
    /// means ("a refresh time").
    Seconds(&'static str),
    /// A `<character-string>`: a length octet, then that many octets (RFC 1035
    /// §3.3).
    CharString,
    /// A domain name, uncompressed in stored RDATA.
    Name(NameField),
    /// A6 (RFC 2874 §3.1): a prefix length octet, `(128 - prefix) / 8` octets
    /// (rounded up) of address suffix, and a prefix name only when the prefix length
    /// is not 0.
    A6(NameField),
    /// Opaque octets to the end of the RDATA (signatures, type bitmaps, SvcParams).
    Rest,
}

impl Field {
    /// True for the fields that [`plain_fields`] types are made of.
    fn is_plain(&self) -> bool {
        matches!(
            self,
            Field::U16(_) | Field::U32(_) | Field::Seconds(_) | Field::CharString | Field::Name(_)
        )
    }
}

/// What the RFCs allow for one name field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameField {
    /// How the name travels in messages (RFC 3597 §4).
    pub compression: Compression,
    /// Lowered in canonical form (RFC 4034 §6.2, RFC 6840 §5.1).
    pub canonical_lower: bool,
    /// The name the record points to (an NS's host, an MX's exchange, a CNAME's
    /// canonical name), which `rdata_target` returns.
    pub target: bool,
}

/// How a name inside RDATA travels in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// RFC 1035 well-known types: compressed on output, decompressed on input.
    Allowed,
    /// Never compressed on output, but decompressed on input (RFC 3597 §4's
    /// "SHOULD also decompress" list, and KX).
    DecompressOnly,
    /// Never compressed, never decompressed.
    Never,
}

//----------- The table --------------------------------------------------------------

/// An RFC 1035 name: compressible, lowered.
const fn rfc1035(target: bool) -> Field {
    Field::Name(NameField {
        compression: Compression::Allowed,
        canonical_lower: true,
        target,
    })
}

/// A name of a later type that receivers decompress (RFC 3597 §4), lowered.
const fn decompressed(target: bool) -> Field {
    Field::Name(NameField {
        compression: Compression::DecompressOnly,
        canonical_lower: true,
        target,
    })
}

/// A name that is never compressed; `lower` when RFC 4034 §6.2 lists its type.
const fn uncompressed(lower: bool, target: bool) -> NameField {
    NameField {
        compression: Compression::Never,
        canonical_lower: lower,
        target,
    }
}

/// SIG (RFC 2535 §4.1) and RRSIG (RFC 4034 §3.1): type covered, algorithm, labels,
/// original TTL, expiration, inception, key tag, signer's name, signature.
const fn signature(signer: Field) -> [Field; 9] {
    [
        Field::U16("a type covered"),
        Field::U8,
        Field::U8,
        Field::U32("an original TTL"),
        Field::U32("an expiration time"),
        Field::U32("an inception time"),
        Field::U16("a key tag"),
        signer,
        Field::Rest,
    ]
}

/// NS, MD, MF, CNAME, MB, MG, MR, PTR (RFC 1035 §3.3).
static ONE_TARGET_1035: [Field; 1] = [rfc1035(true)];
/// SOA (RFC 1035 §3.3.13): MNAME, RNAME, SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM.
static SOA: [Field; 7] = [
    rfc1035(false),
    rfc1035(false),
    Field::U32("a serial number"),
    Field::Seconds("a refresh time"),
    Field::Seconds("a retry time"),
    Field::Seconds("an expire time"),
    Field::Seconds("a minimum TTL"),
];
/// MINFO (RFC 1035 §3.3.7): RMAILBX, EMAILBX.
static MINFO: [Field; 2] = [rfc1035(false), rfc1035(false)];
/// MX (RFC 1035 §3.3.9): PREFERENCE, EXCHANGE.
static MX: [Field; 2] = [Field::U16("a preference"), rfc1035(true)];
/// RP (RFC 1183 §2.2): mbox-dname, txt-dname.
static RP: [Field; 2] = [decompressed(false), decompressed(false)];
/// AFSDB (RFC 1183 §1: subtype, hostname), RT (§3.1: preference, intermediate-host),
/// KX (RFC 2230 §3.1: preference, exchanger).
static PREF_TARGET: [Field; 2] = [Field::U16("a preference"), decompressed(true)];
/// PX (RFC 2163 §4): PREFERENCE, MAP822, MAPX400.
static PX: [Field; 3] = [
    Field::U16("a preference"),
    decompressed(false),
    decompressed(false),
];
/// SRV (RFC 2782): priority, weight, port, target.
static SRV: [Field; 4] = [
    Field::U16("a priority"),
    Field::U16("a weight"),
    Field::U16("a port"),
    decompressed(true),
];
/// NAPTR (RFC 3403 §4.1): ORDER, PREFERENCE, FLAGS, SERVICES, REGEXP, REPLACEMENT.
static NAPTR: [Field; 6] = [
    Field::U16("an order"),
    Field::U16("a preference"),
    Field::CharString,
    Field::CharString,
    Field::CharString,
    decompressed(false),
];
/// SIG (RFC 2535 §4.1).
static SIG: [Field; 9] = signature(decompressed(false));
/// RRSIG (RFC 4034 §3.1).
static RRSIG: [Field; 9] = signature(Field::Name(uncompressed(true, false)));
/// NXT (RFC 2535 §5.2): next domain name, type bitmap.
static NXT: [Field; 2] = [decompressed(false), Field::Rest];
/// DNAME (RFC 6672 §2.1): target.
static DNAME: [Field; 1] = [Field::Name(uncompressed(true, true))];
/// A6 (RFC 2874 §3.1).
static A6: [Field; 1] = [Field::A6(uncompressed(true, false))];
/// NSEC (RFC 4034 §4.1): next domain name (not lowered since RFC 6840 §5.1), type
/// bitmap.
static NSEC: [Field; 2] = [Field::Name(uncompressed(false, false)), Field::Rest];
/// LP (RFC 6742 §2.4): preference, FQDN.
static LP: [Field; 2] = [
    Field::U16("a preference"),
    Field::Name(uncompressed(false, false)),
];
/// SVCB and HTTPS (RFC 9460 §2.2): SvcPriority, TargetName, SvcParams.
static SVCB: [Field; 3] = [
    Field::U16("a priority"),
    Field::Name(uncompressed(false, false)),
    Field::Rest,
];

/// A6 has no constant on [`Rtype`].
const A6_TYPE: Rtype = Rtype(38);
/// LP (RFC 6742) has no constant on [`Rtype`].
const LP_TYPE: Rtype = Rtype(107);

/// The RDATA fields of `rtype` in wire order; empty for the types with no names
/// (or none zonesync looks into): their RDATA is opaque.
pub fn layout(rtype: Rtype) -> &'static [Field] {
    match rtype {
        Rtype::NS
        | Rtype::MD
        | Rtype::MF
        | Rtype::CNAME
        | Rtype::MB
        | Rtype::MG
        | Rtype::MR
        | Rtype::PTR => &ONE_TARGET_1035,
        Rtype::SOA => &SOA,
        Rtype::MINFO => &MINFO,
        Rtype::MX => &MX,
        Rtype::RP => &RP,
        Rtype::AFSDB | Rtype::RT | Rtype::KX => &PREF_TARGET,
        Rtype::PX => &PX,
        Rtype::SRV => &SRV,
        Rtype::NAPTR => &NAPTR,
        Rtype::SIG => &SIG,
        Rtype::RRSIG => &RRSIG,
        Rtype::NXT => &NXT,
        Rtype::DNAME => &DNAME,
        A6_TYPE => &A6,
        Rtype::NSEC => &NSEC,
        LP_TYPE => &LP,
        Rtype::SVCB | Rtype::HTTPS => &SVCB,
        _ => &[],
    }
}

//----------- Questions ---------------------------------------------------------------

/// How the names of `rtype` travel in messages: every name field of a type is
/// treated alike (a table test checks it); [`Compression::Never`] for types without
/// names.
pub fn compression(rtype: Rtype) -> Compression {
    layout(rtype)
        .iter()
        .find_map(|f| match f {
            Field::Name(n) | Field::A6(n) => Some(n.compression),
            _ => None,
        })
        .unwrap_or(Compression::Never)
}

/// True when a message builder may compress the names in RDATA of `rtype`.
pub fn compresses(rtype: Rtype) -> bool {
    compression(rtype) == Compression::Allowed
}

/// Where the one name of `rtype`'s RDATA starts, when its layout is fixed-size
/// integers, then one name that may be compressed, which ends the RDATA (NS, CNAME,
/// PTR, MX, …): a message builder then finds the name without walking the fields.
pub fn trailing_compressible_name(rtype: Rtype) -> Option<usize> {
    let (last, before) = layout(rtype).split_last()?;
    if !matches!(last, Field::Name(n) if n.compression == Compression::Allowed) {
        return None;
    }
    before.iter().try_fold(0usize, |at, field| match field {
        Field::U8 => Some(at + 1),
        Field::U16(_) => Some(at + 2),
        Field::U32(_) | Field::Seconds(_) => Some(at + 4),
        _ => None,
    })
}

/// True when a message reader must decompress the names in RDATA of `rtype`.
pub fn decompresses(rtype: Rtype) -> bool {
    compression(rtype) != Compression::Never
}

/// The layout of `rtype` when it is made only of integers, character-strings and
/// names, which the zone-file codec then reads and writes field by field.
pub fn plain_fields(rtype: Rtype) -> Option<&'static [Field]> {
    let fields = layout(rtype);
    (!fields.is_empty() && fields.iter().all(Field::is_plain)).then_some(fields)
}

/// The names inside `rdata` (uncompressed wire form) of type `rtype`, in order, with
/// their rules. The walk is lazy: it checks the fields up to each name it yields and
/// ends with one `Err` at the first one that does not fit; fields after the last
/// name are not checked.
pub fn names(rtype: Rtype, rdata: &[u8]) -> Names<'_> {
    Names {
        fields: layout(rtype),
        data: rdata,
        pos: 0,
    }
}

/// A name found in RDATA by [`names`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAt {
    /// Where it is in the RDATA.
    pub range: Range<usize>,
    /// What the RFCs allow for it.
    pub rules: NameField,
}

/// RDATA that does not fit its type's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("RDATA does not fit its type's layout")]
pub struct Malformed;

/// The iterator of [`names`].
#[derive(Clone, Debug)]
pub struct Names<'a> {
    /// The fields not walked yet.
    fields: &'static [Field],
    /// The RDATA.
    data: &'a [u8],
    /// Where the next field starts.
    pos: usize,
}

impl Names<'_> {
    /// Steps over `n` octets.
    fn skip(&mut self, n: usize) -> Result<(), Malformed> {
        self.pos += n;
        if self.pos > self.data.len() {
            return Err(Malformed);
        }
        Ok(())
    }

    /// The name at the current position.
    fn name(&mut self, rules: NameField) -> Result<NameAt, Malformed> {
        let start = self.pos;
        let len = wire_name_len(self.data.get(start..).ok_or(Malformed)?).map_err(|_| Malformed)?;
        self.pos += len;
        Ok(NameAt {
            range: start..self.pos,
            rules,
        })
    }

    /// Walks to the next name.
    fn step(&mut self) -> Result<Option<NameAt>, Malformed> {
        if !self
            .fields
            .iter()
            .any(|f| matches!(f, Field::Name(_) | Field::A6(_)))
        {
            // No name left: the rest is not this walk's business.
            self.fields = &[];
            return Ok(None);
        }
        while let Some((field, rest)) = self.fields.split_first() {
            self.fields = rest;
            match *field {
                Field::U8 => self.skip(1)?,
                Field::U16(_) => self.skip(2)?,
                Field::U32(_) | Field::Seconds(_) => self.skip(4)?,
                Field::CharString => {
                    let len = *self.data.get(self.pos).ok_or(Malformed)? as usize;
                    self.skip(1 + len)?;
                }
                Field::Name(rules) => return self.name(rules).map(Some),
                Field::A6(rules) => {
                    let prefix = *self.data.get(self.pos).ok_or(Malformed)? as usize;
                    if prefix > 128 {
                        return Err(Malformed);
                    }
                    self.skip(1 + (128 - prefix).div_ceil(8))?;
                    if prefix > 0 {
                        return self.name(rules).map(Some);
                    }
                }
                Field::Rest => self.fields = &[],
            }
        }
        Ok(None)
    }
}

impl Iterator for Names<'_> {
    type Item = Result<NameAt, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.step().transpose();
        if matches!(item, Some(Err(_))) {
            self.fields = &[];
        }
        item
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::name::Name;

    const LOWER: bool = true;
    const TARGET: bool = true;

    /// The names of `rtype` as (compression, lowered, target), in order.
    fn names_of(rtype: Rtype) -> Vec<(Compression, bool, bool)> {
        layout(rtype)
            .iter()
            .filter_map(|f| match f {
                Field::Name(n) | Field::A6(n) => Some((n.compression, n.canonical_lower, n.target)),
                _ => None,
            })
            .collect()
    }

    fn wire(s: &str) -> Vec<u8> {
        s.parse::<Name>().expect("name").as_wire().to_vec()
    }

    #[test]
    fn rfc1035_types_compress_and_lower() {
        use Compression::Allowed;
        for t in [
            Rtype::NS,
            Rtype::MD,
            Rtype::MF,
            Rtype::CNAME,
            Rtype::MB,
            Rtype::MG,
            Rtype::MR,
            Rtype::PTR,
        ] {
            assert_eq!(names_of(t), [(Allowed, LOWER, TARGET)], "{t}");
        }
        assert_eq!(names_of(Rtype::SOA), [(Allowed, LOWER, false); 2]);
        assert_eq!(names_of(Rtype::MINFO), [(Allowed, LOWER, false); 2]);
        assert_eq!(names_of(Rtype::MX), [(Allowed, LOWER, TARGET)]);
        assert_eq!(
            layout(Rtype::SOA)[2..],
            [
                Field::U32("a serial number"),
                Field::Seconds("a refresh time"),
                Field::Seconds("a retry time"),
                Field::Seconds("an expire time"),
                Field::Seconds("a minimum TTL"),
            ]
        );
        // Exactly the RFC 1035 types are compressible (RFC 3597 §4).
        let compressible: Vec<u16> = (0..=u16::MAX).filter(|&t| compresses(Rtype(t))).collect();
        assert_eq!(compressible, [2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15]);
    }

    #[test]
    fn rfc3597_decompress_list_and_kx() {
        use Compression::DecompressOnly;
        assert_eq!(names_of(Rtype::RP), [(DecompressOnly, LOWER, false); 2]);
        for t in [Rtype::AFSDB, Rtype::RT, Rtype::KX] {
            assert_eq!(layout(t)[0], Field::U16("a preference"), "{t}");
            assert_eq!(names_of(t), [(DecompressOnly, LOWER, TARGET)], "{t}");
        }
        assert_eq!(names_of(Rtype::PX), [(DecompressOnly, LOWER, false); 2]);
        assert_eq!(names_of(Rtype::SRV), [(DecompressOnly, LOWER, TARGET)]);
        assert_eq!(layout(Rtype::SRV).len(), 4);
        assert_eq!(names_of(Rtype::NAPTR), [(DecompressOnly, LOWER, false)]);
        assert_eq!(names_of(Rtype::SIG), [(DecompressOnly, LOWER, false)]);
        assert_eq!(names_of(Rtype::NXT), [(DecompressOnly, LOWER, false)]);
        // Decompressed on input: the RFC 1035 types, RFC 3597's list, and KX.
        let decompressed: Vec<u16> = (0..=u16::MAX).filter(|&t| decompresses(Rtype(t))).collect();
        assert_eq!(
            decompressed,
            [
                2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 18, 21, 24, 26, 30, 33, 35, 36
            ]
        );
    }

    #[test]
    fn names_never_compressed() {
        use Compression::Never;
        // RRSIG signer (RFC 4034 §3.1.7) and DNAME target (RFC 6672 §2.5): lowered.
        assert_eq!(names_of(Rtype::RRSIG), [(Never, LOWER, false)]);
        assert_eq!(names_of(Rtype::DNAME), [(Never, LOWER, TARGET)]);
        assert_eq!(names_of(A6_TYPE), [(Never, LOWER, false)]);
        // NSEC (RFC 6840 §5.1), LP, SVCB/HTTPS: not lowered either.
        for t in [Rtype::NSEC, LP_TYPE, Rtype::SVCB, Rtype::HTTPS] {
            assert_eq!(names_of(t), [(Never, false, false)], "{t}");
        }
        for t in [Rtype::A, Rtype::TXT, Rtype::HINFO, Rtype::DS, Rtype(65534)] {
            assert!(layout(t).is_empty(), "{t}");
            assert_eq!(compression(t), Never);
        }
    }

    #[test]
    fn canonical_lowering_is_rfc4034_list_less_nsec() {
        // RFC 4034 §6.2 item 3 minus NSEC (RFC 6840 §5.1) and HINFO (no names).
        let lowered: Vec<u16> = (0..=u16::MAX)
            .filter(|&t| {
                layout(Rtype(t))
                    .iter()
                    .any(|f| matches!(f, Field::Name(n) | Field::A6(n) if n.canonical_lower))
            })
            .collect();
        assert_eq!(
            lowered,
            [
                2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 18, 21, 24, 26, 30, 33, 35, 36, 38, 39, 46
            ]
        );
    }

    #[test]
    fn one_rule_per_type() {
        for t in 0..=u16::MAX {
            let rules: Vec<_> = names_of(Rtype(t)).iter().map(|n| (n.0, n.1)).collect();
            assert!(rules.windows(2).all(|w| w[0] == w[1]), "{}", Rtype(t));
        }
    }

    #[test]
    fn plain_types_are_the_name_and_number_ones() {
        let plain: Vec<u16> = (0..=u16::MAX)
            .filter(|&t| plain_fields(Rtype(t)).is_some())
            .collect();
        assert_eq!(
            plain,
            [
                2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 18, 21, 26, 33, 35, 36, 39, 107
            ]
        );
    }

    #[test]
    fn names_walk_the_fields() {
        let mut naptr = vec![0, 1, 0, 2, 1, b'U', 0, 3, b'a', b'b', b'c'];
        let at = naptr.len();
        naptr.extend(wire("Sip.Example."));
        let found: Vec<_> = names(Rtype::NAPTR, &naptr).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].as_ref().expect("fits").range, at..naptr.len());

        let mut soa = wire("ns.example.");
        let rname = soa.len();
        soa.extend(wire("h.example."));
        let end = soa.len();
        soa.extend([0; 20]);
        let ranges: Vec<_> = names(Rtype::SOA, &soa)
            .map(|n| n.expect("fits").range)
            .collect();
        assert_eq!(ranges, [0..rname, rname..end]);

        // A6: no name when the prefix length is 0; after the suffix otherwise.
        assert_eq!(names(A6_TYPE, &[0; 17]).count(), 0);
        let mut a6 = vec![64];
        a6.extend([0; 8]);
        a6.extend(wire("p.example."));
        let found: Vec<_> = names(A6_TYPE, &a6).collect();
        assert_eq!(found[0].as_ref().expect("fits").range, 9..a6.len());
        assert_eq!(names(A6_TYPE, &[129]).collect::<Vec<_>>(), [Err(Malformed)]);

        // RRSIG: the signer after 18 fixed octets; the signature is not looked at.
        let mut sig = vec![0; 18];
        sig.extend(wire("example."));
        sig.extend([0xc0, 0x0c]);
        let found: Vec<_> = names(Rtype::RRSIG, &sig).collect();
        assert_eq!(found[0].as_ref().expect("fits").range, 18..27);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn malformed_rdata_ends_the_walk_with_one_error() {
        assert_eq!(names(Rtype::MX, &[0]).collect::<Vec<_>>(), [Err(Malformed)]);
        assert_eq!(
            names(Rtype::MX, &[0, 1]).collect::<Vec<_>>(),
            [Err(Malformed)]
        );
        // The first name is yielded before the second fails.
        let mut minfo = wire("a.example.");
        minfo.push(63);
        let found: Vec<_> = names(Rtype::MINFO, &minfo).collect();
        assert!(found[0].is_ok());
        assert_eq!(found[1..], [Err(Malformed)]);
        // Fields after the last name are not checked.
        let mut soa = wire("ns.example.");
        soa.extend(wire("h.example."));
        soa.extend([0; 3]);
        let found: Vec<_> = names(Rtype::SOA, &soa).collect();
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(Result::is_ok));
    }

    #[test]
    fn trailing_compressible_names() {
        let table = [
            (Rtype::NS, Some(0)),
            (Rtype::CNAME, Some(0)),
            (Rtype::PTR, Some(0)),
            (Rtype::MX, Some(2)),
            // Two names, or a name that is never compressed, or none.
            (Rtype::SOA, None),
            (Rtype::MINFO, None),
            (Rtype::SRV, None),
            (Rtype::DNAME, None),
            (Rtype::AFSDB, None),
            (Rtype::A, None),
            (Rtype::TXT, None),
        ];
        for (rtype, want) in table {
            assert_eq!(trailing_compressible_name(rtype), want, "{rtype}");
        }
    }
}
