//! Resource records as zonesync keeps them: owner, class, type, TTL and RDATA in
//! uncompressed wire form.
//!
//! Keeping RDATA as wire bytes (as Knot and NSD do) means a record that came in by
//! transfer goes out by transfer byte for byte, whatever its type, and that a type
//! zonesync cannot interpret is never altered (RFC 3597). The parser
//! ([`super::parse`]) turns presentation format into this form and the writer turns it
//! back; the wire code copies it into messages.
//!
//! # Standards
//! - RFC 3597 §4: unknown types are `TYPEnnn` and unknown classes `CLASSnnn`; their
//!   RDATA is opaque and must be preserved.
//! - RFC 3597 §4: names embedded in RDATA may be compressed only for the well-known
//!   types of RFC 1035 (NS, CNAME, SOA, PTR, MX, and the obsolete MB, MD, MF, MG, MINFO,
//!   MR); which fields are names, and what each allows, is [`super::layout`].

use std::fmt;

use super::name::Name;

//----------- Rtype ------------------------------------------------------------------

/// A record type (QTYPE/TYPE). Any 16-bit value is valid; known ones have mnemonics.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rtype(pub u16);

/// Mnemonics of the types zonesync knows by name, with their codes.
const RTYPES: &[(&str, u16)] = &[
    ("A", 1),
    ("NS", 2),
    ("MD", 3),
    ("MF", 4),
    ("CNAME", 5),
    ("SOA", 6),
    ("MB", 7),
    ("MG", 8),
    ("MR", 9),
    ("NULL", 10),
    ("WKS", 11),
    ("PTR", 12),
    ("HINFO", 13),
    ("MINFO", 14),
    ("MX", 15),
    ("TXT", 16),
    ("RP", 17),
    ("AFSDB", 18),
    ("X25", 19),
    ("ISDN", 20),
    ("RT", 21),
    ("NSAP", 22),
    ("NSAP-PTR", 23),
    ("SIG", 24),
    ("KEY", 25),
    ("PX", 26),
    ("GPOS", 27),
    ("AAAA", 28),
    ("LOC", 29),
    ("NXT", 30),
    ("SRV", 33),
    ("NAPTR", 35),
    ("KX", 36),
    ("CERT", 37),
    ("A6", 38),
    ("DNAME", 39),
    ("OPT", 41),
    ("APL", 42),
    ("DS", 43),
    ("SSHFP", 44),
    ("IPSECKEY", 45),
    ("RRSIG", 46),
    ("NSEC", 47),
    ("DNSKEY", 48),
    ("DHCID", 49),
    ("NSEC3", 50),
    ("NSEC3PARAM", 51),
    ("TLSA", 52),
    ("SMIMEA", 53),
    ("HIP", 55),
    ("CDS", 59),
    ("CDNSKEY", 60),
    ("OPENPGPKEY", 61),
    ("CSYNC", 62),
    ("ZONEMD", 63),
    ("SVCB", 64),
    ("HTTPS", 65),
    ("SPF", 99),
    ("NID", 104),
    ("L32", 105),
    ("L64", 106),
    ("LP", 107),
    ("EUI48", 108),
    ("EUI64", 109),
    ("TKEY", 249),
    ("TSIG", 250),
    ("IXFR", 251),
    ("AXFR", 252),
    ("MAILB", 253),
    ("MAILA", 254),
    ("ANY", 255),
    ("URI", 256),
    ("CAA", 257),
    ("AVC", 258),
    ("DOA", 259),
    ("AMTRELAY", 260),
    ("TA", 32768),
    ("DLV", 32769),
];

#[allow(missing_docs)]
impl Rtype {
    pub const A: Rtype = Rtype(1);
    pub const NS: Rtype = Rtype(2);
    pub const MD: Rtype = Rtype(3);
    pub const MF: Rtype = Rtype(4);
    pub const CNAME: Rtype = Rtype(5);
    pub const SOA: Rtype = Rtype(6);
    pub const MB: Rtype = Rtype(7);
    pub const MG: Rtype = Rtype(8);
    pub const MR: Rtype = Rtype(9);
    pub const NULL: Rtype = Rtype(10);
    pub const WKS: Rtype = Rtype(11);
    pub const PTR: Rtype = Rtype(12);
    pub const HINFO: Rtype = Rtype(13);
    pub const MINFO: Rtype = Rtype(14);
    pub const MX: Rtype = Rtype(15);
    pub const TXT: Rtype = Rtype(16);
    pub const RP: Rtype = Rtype(17);
    pub const AFSDB: Rtype = Rtype(18);
    pub const RT: Rtype = Rtype(21);
    pub const SIG: Rtype = Rtype(24);
    pub const KEY: Rtype = Rtype(25);
    pub const PX: Rtype = Rtype(26);
    pub const AAAA: Rtype = Rtype(28);
    pub const LOC: Rtype = Rtype(29);
    pub const NXT: Rtype = Rtype(30);
    pub const SRV: Rtype = Rtype(33);
    pub const NAPTR: Rtype = Rtype(35);
    pub const KX: Rtype = Rtype(36);
    pub const CERT: Rtype = Rtype(37);
    pub const DNAME: Rtype = Rtype(39);
    pub const OPT: Rtype = Rtype(41);
    pub const DS: Rtype = Rtype(43);
    pub const SSHFP: Rtype = Rtype(44);
    pub const IPSECKEY: Rtype = Rtype(45);
    pub const RRSIG: Rtype = Rtype(46);
    pub const NSEC: Rtype = Rtype(47);
    pub const DNSKEY: Rtype = Rtype(48);
    pub const DHCID: Rtype = Rtype(49);
    pub const NSEC3: Rtype = Rtype(50);
    pub const NSEC3PARAM: Rtype = Rtype(51);
    pub const TLSA: Rtype = Rtype(52);
    pub const SMIMEA: Rtype = Rtype(53);
    pub const CDS: Rtype = Rtype(59);
    pub const CDNSKEY: Rtype = Rtype(60);
    pub const OPENPGPKEY: Rtype = Rtype(61);
    pub const CSYNC: Rtype = Rtype(62);
    pub const ZONEMD: Rtype = Rtype(63);
    pub const SVCB: Rtype = Rtype(64);
    pub const HTTPS: Rtype = Rtype(65);
    pub const SPF: Rtype = Rtype(99);
    pub const TKEY: Rtype = Rtype(249);
    pub const TSIG: Rtype = Rtype(250);
    pub const IXFR: Rtype = Rtype(251);
    pub const AXFR: Rtype = Rtype(252);
    pub const MAILB: Rtype = Rtype(253);
    pub const MAILA: Rtype = Rtype(254);
    pub const ANY: Rtype = Rtype(255);
    pub const URI: Rtype = Rtype(256);
    pub const CAA: Rtype = Rtype(257);
}

impl Rtype {
    /// The mnemonic, when the type has one.
    pub fn mnemonic(self) -> Option<&'static str> {
        RTYPES.iter().find(|(_, v)| *v == self.0).map(|(m, _)| *m)
    }

    /// Parses a mnemonic (case-insensitive) or `TYPEnnn` (RFC 3597).
    pub fn from_mnemonic(text: &str) -> Option<Rtype> {
        if let Some(&(_, v)) = RTYPES.iter().find(|(m, _)| m.eq_ignore_ascii_case(text)) {
            return Some(Rtype(v));
        }
        let digits = text
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("TYPE"))
            .map(|_| &text[4..])?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u16>().ok().map(Rtype)
    }

    /// Meta-types and QTYPEs that never appear as zone data (RFC 6895 §3.1):
    /// OPT, TKEY, TSIG, IXFR, AXFR, MAILB, MAILA, ANY, and the 128–255 range.
    pub fn is_meta(self) -> bool {
        self == Rtype::OPT || (128..=255).contains(&self.0)
    }

    /// True for the RRSIG-carrying DNSSEC types that live beside the data they cover
    /// (RRSIG, NSEC, NSEC3), which may coexist with a CNAME (RFC 4035 §2.5).
    pub fn is_dnssec_meta(self) -> bool {
        matches!(self, Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3)
    }
}

impl fmt::Display for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(m) => f.write_str(m),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

impl fmt::Debug for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

//----------- Class ------------------------------------------------------------------

/// A record class. Zones are `IN` in practice; others are carried as numbers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Class(pub u16);

#[allow(missing_docs)]
impl Class {
    pub const IN: Class = Class(1);
    pub const CH: Class = Class(3);
    pub const HS: Class = Class(4);
    pub const NONE: Class = Class(254);
    pub const ANY: Class = Class(255);

    /// Parses `IN`, `CH`, `CS`, `HS`, `NONE`, `ANY` or `CLASSnnn` (case-insensitive).
    pub fn from_mnemonic(text: &str) -> Option<Class> {
        let known = [
            ("IN", 1),
            ("CS", 2),
            ("CH", 3),
            ("HS", 4),
            ("NONE", 254),
            ("ANY", 255),
        ];
        if let Some(&(_, v)) = known.iter().find(|(m, _)| m.eq_ignore_ascii_case(text)) {
            return Some(Class(v));
        }
        let digits = text
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("CLASS"))
            .map(|_| &text[5..])?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u16>().ok().map(Class)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("IN"),
            2 => f.write_str("CS"),
            3 => f.write_str("CH"),
            4 => f.write_str("HS"),
            254 => f.write_str("NONE"),
            255 => f.write_str("ANY"),
            n => write!(f, "CLASS{n}"),
        }
    }
}

impl fmt::Debug for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

//----------- Rdata ------------------------------------------------------------------

/// Record data in uncompressed wire form. Names inside are absolute and uncompressed.
///
/// Up to [`Rdata::INLINE`] octets are held in place: an A or AAAA record, and most MX
/// and CNAME records of a zone (a short name), cost no allocation for their data
/// when a zone file is parsed or a transfer decoded; longer RDATA is one boxed
/// slice. Equality, order and hash are those of the octets, whichever the form.
#[derive(Clone)]
pub struct Rdata(Repr);

#[derive(Clone)]
enum Repr {
    /// `bytes[..len]`.
    Inline {
        len: u8,
        bytes: [u8; Rdata::INLINE],
    },
    Heap(Box<[u8]>),
}

impl Rdata {
    /// RDATA of up to this many octets is held in place: the most that keeps an
    /// `Rdata` as large as a boxed slice and its tag (24 octets).
    pub const INLINE: usize = 22;

    /// Wraps wire bytes. The caller has checked them against the type (the parser and
    /// the wire decoder do). Short RDATA is copied in place (`bytes` is not boxed).
    pub fn from_wire(bytes: impl AsRef<[u8]> + Into<Box<[u8]>>) -> Rdata {
        let wire = bytes.as_ref();
        if wire.len() <= Self::INLINE {
            let mut inline = [0u8; Self::INLINE];
            inline[..wire.len()].copy_from_slice(wire);
            return Rdata(Repr::Inline {
                len: wire.len() as u8,
                bytes: inline,
            });
        }
        Rdata(Repr::Heap(bytes.into()))
    }

    /// The wire bytes.
    pub fn as_wire(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..*len as usize],
            Repr::Heap(b) => b,
        }
    }

    /// Length in octets (RDLENGTH).
    pub fn len(&self) -> usize {
        self.as_wire().len()
    }

    /// True for empty RDATA (legal for some types, e.g. an empty APL or NULL).
    pub fn is_empty(&self) -> bool {
        self.as_wire().is_empty()
    }
}

impl PartialEq for Rdata {
    fn eq(&self, other: &Rdata) -> bool {
        self.as_wire() == other.as_wire()
    }
}

impl Eq for Rdata {}

impl std::hash::Hash for Rdata {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_wire().hash(state);
    }
}

impl PartialOrd for Rdata {
    fn partial_cmp(&self, other: &Rdata) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rdata {
    fn cmp(&self, other: &Rdata) -> std::cmp::Ordering {
        self.as_wire().cmp(other.as_wire())
    }
}

/// RDATA reads as its wire octets, so the functions over RDATA take `&[u8]` and serve
/// both an owned `Rdata` and RDATA borrowed from a packed node.
impl std::ops::Deref for Rdata {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_wire()
    }
}

impl fmt::Debug for Rdata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rdata(")?;
        for b in self.as_wire() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

//----------- Record -----------------------------------------------------------------

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// Owner name (absolute).
    pub owner: Name,
    /// Class (IN for zone data).
    pub class: Class,
    /// Type.
    pub rtype: Rtype,
    /// Time to live in seconds.
    pub ttl: u32,
    /// Data in uncompressed wire form.
    pub rdata: Rdata,
}

impl Record {
    /// Builds a record.
    pub fn new(owner: Name, class: Class, rtype: Rtype, ttl: u32, rdata: Rdata) -> Record {
        Record {
            owner,
            class,
            rtype,
            ttl,
            rdata,
        }
    }

    /// Appends the record in uncompressed wire form (owner, type, class, TTL,
    /// RDLENGTH, RDATA): the form used by TSIG, ZONEMD and digests.
    pub fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.owner.as_wire());
        out.extend_from_slice(&self.rtype.0.to_be_bytes());
        out.extend_from_slice(&self.class.0.to_be_bytes());
        out.extend_from_slice(&self.ttl.to_be_bytes());
        out.extend_from_slice(&(self.rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(self.rdata.as_wire());
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtype_mnemonics() {
        assert_eq!(Rtype::from_mnemonic("aaaa"), Some(Rtype::AAAA));
        assert_eq!(Rtype::from_mnemonic("TYPE65534"), Some(Rtype(65534)));
        assert_eq!(Rtype::from_mnemonic("type1"), Some(Rtype::A));
        assert_eq!(Rtype::from_mnemonic("TYPE"), None);
        assert_eq!(Rtype::from_mnemonic("TYPE65536"), None);
        assert_eq!(Rtype::from_mnemonic("BOGUS"), None);
        assert_eq!(Rtype(65534).to_string(), "TYPE65534");
        assert_eq!(Rtype::NSEC3PARAM.to_string(), "NSEC3PARAM");
    }

    #[test]
    fn class_mnemonics() {
        assert_eq!(Class::from_mnemonic("in"), Some(Class::IN));
        assert_eq!(Class::from_mnemonic("CLASS1"), Some(Class::IN));
        assert_eq!(Class::from_mnemonic("CLASS32"), Some(Class(32)));
        assert_eq!(Class(32).to_string(), "CLASS32");
        assert_eq!(Class::from_mnemonic("IX"), None);
    }

    /// RDATA short enough is held in place, longer is boxed; either way it reads,
    /// compares, orders and hashes as its octets, at every length around the bound.
    #[test]
    fn rdata_in_place_or_boxed_is_its_octets() {
        use std::hash::BuildHasher;
        assert_eq!(std::mem::size_of::<Rdata>(), 24);
        let hasher = std::collections::hash_map::RandomState::new();
        let lens = [
            0,
            1,
            4,
            16,
            Rdata::INLINE - 1,
            Rdata::INLINE,
            Rdata::INLINE + 1,
            300,
        ];
        for len in lens {
            let wire: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            let from_vec = Rdata::from_wire(wire.clone());
            let from_slice = Rdata::from_wire(&wire[..]);
            let boxed = Rdata(Repr::Heap(wire.clone().into()));
            assert!(
                matches!(from_vec.0, Repr::Inline { .. }) == (len <= Rdata::INLINE),
                "{len} octets"
            );
            for r in [&from_vec, &from_slice, &boxed] {
                assert_eq!(r.as_wire(), &wire[..]);
                assert_eq!(&**r, &wire[..]);
                assert_eq!((r.len(), r.is_empty()), (len, len == 0));
                assert_eq!(*r, from_vec);
                assert_eq!(hasher.hash_one(r), hasher.hash_one(&boxed));
            }
        }
        // Ordered as octets, across the two forms.
        let short = Rdata::from_wire(vec![1, 2]);
        let long = Rdata::from_wire(vec![1; 40]);
        let longer_prefix = Rdata::from_wire(vec![1, 2, 0]);
        assert!(long < short && short < longer_prefix);
        assert_eq!(long.cmp(&long.clone()), std::cmp::Ordering::Equal);
    }
}
