//! RRsets and the canonical comparison of RDATA.
//!
//! An RRset is what a [`ZoneVersion`](super::ZoneVersion) node holds per type: one
//! TTL and the RDATA of every record, deduplicated and in canonical order. [`RRset`]
//! is the owned form that building and `apply` edit; a node keeps its sets packed
//! into one allocation ([`pack_into`]) and lends them out as [`RRsetRef`]s. The
//! comparison functions here ([`canonical_rdata_cmp`], [`rdata_eq`]) decide when two
//! records are "the same record" everywhere in `zone`: building a version, `diff`,
//! `apply` and the `duplicate` check. [`rdata_target`] reads the name an NS, MX, SRV,
//! CNAME … record points to, for the checks. Which RDATA fields are names, which of
//! them canonical form lowers and which is the target, is the layout table
//! ([`super::layout`]).
//!
//! # Standards
//! - RFC 2181 §5.2: "the TTLs of all RRs in an RRSet must be the same … Should an
//!   authoritative source send such a malformed RRSet, the client should treat the RRs
//!   for all purposes as if all TTLs in the RRSet had been set to the value of the
//!   lowest TTL in the RRSet." zonesync keeps one TTL per RRset, the lowest.
//! - RFC 4034 §3: "The TTL value of an RRSIG RR MUST match the TTL value of the RRset
//!   it covers. This is an exception to the \[RFC2181\] rules for TTL values of
//!   individual RRs within a RRset". RRSIGs are therefore grouped by the type they
//!   cover: one [`RRset`] per covered type, each with its own TTL ([`set_key`]).
//! - RFC 4034 §6.2 (canonical form, item 3, as amended by RFC 6840 §5.1 which drops
//!   NSEC): for NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX, RP, AFSDB, RT, SIG,
//!   PX, NXT, NAPTR, KX, SRV, DNAME, A6 and RRSIG, "all uppercase US-ASCII letters in
//!   the DNS names contained within the RDATA are replaced by the corresponding
//!   lowercase US-ASCII letters".
//! - RFC 4034 §6.3: "RRs with the same owner name, class, and type are sorted by
//!   treating the RDATA portion of the canonical form of each RR as a left-justified
//!   unsigned octet sequence in which the absence of an octet sorts before a zero
//!   octet." And: "if an implementation detects duplicate RRs when putting the RRset
//!   in canonical form … it MUST remove all but one of the duplicate RR(s)".
//!
//! # Packed layout
//! A node's sets, in key order, each as a 10-octet header (type, TTL, and the size of
//! its entries: u16, u32, u32, little-endian) followed by its entries, each RDATA
//! after its 16-bit length. One A record takes 16 octets in one allocation, where an
//! owned `RRset` takes a set, a vector and a box per RDATA. RDATA is at most 65535
//! octets (RDLENGTH), which every path into a version checks.
//!
//! # Limitations
//! - RDATA that is malformed for its type is compared as raw octets from the first
//!   malformed name on (it cannot be put in canonical form).

use std::cmp::Ordering;

use super::layout::names;
use super::name::{Name, wire_name_len};
use super::record::{Class, Rdata, Record, Rtype};

//----------- RRset ------------------------------------------------------------------

/// The records of one owner and type (for RRSIG: one owner and covered type): one
/// TTL, RDATA deduplicated and in canonical order (RFC 4034 §6.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RRset {
    /// The type of every record in the set.
    pub rtype: Rtype,
    /// The TTL of every record in the set.
    pub ttl: u32,
    /// The RDATA, in canonical order, no two canonically equal.
    pub rdatas: Vec<Rdata>,
}

impl RRset {
    /// Builds an RRset, putting `rdatas` in canonical order and dropping duplicates
    /// (the first of equal RDATA in `rdatas` is kept).
    pub fn new(rtype: Rtype, ttl: u32, mut rdatas: Vec<Rdata>) -> RRset {
        // Stable sort: among canonically equal RDATA the first given stays first.
        rdatas.sort_by(|a, b| canonical_rdata_cmp(rtype, a.as_wire(), b.as_wire()));
        rdatas.dedup_by(|b, a| rdata_eq(rtype, a.as_wire(), b.as_wire()));
        rdatas.shrink_to_fit();
        RRset { rtype, ttl, rdatas }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.rdatas.len()
    }

    /// True when the set has no records (never the case inside a
    /// [`ZoneVersion`](super::ZoneVersion)).
    pub fn is_empty(&self) -> bool {
        self.rdatas.is_empty()
    }

    /// For an RRSIG set, the type its signatures cover; `None` for other types.
    pub fn covered(&self) -> Option<Rtype> {
        if self.rtype != Rtype::RRSIG {
            return None;
        }
        self.rdatas.first().and_then(|r| rrsig_covered(r))
    }

    /// The grouping key of this set inside a node (see [`set_key`]).
    pub fn key(&self) -> (Rtype, u16) {
        match self.rdatas.first() {
            Some(rdata) => set_key(self.rtype, rdata),
            None => (self.rtype, 0),
        }
    }

    /// True when the set holds RDATA canonically equal to `rdata`.
    pub fn contains(&self, rdata: &Rdata) -> bool {
        self.position(rdata).is_ok()
    }

    /// Binary search for `rdata` in canonical order: `Ok(index)` when present, else
    /// `Err(insertion point)`.
    pub fn position(&self, rdata: &Rdata) -> Result<usize, usize> {
        self.rdatas.binary_search_by(|probe| {
            canonical_rdata_cmp(self.rtype, probe.as_wire(), rdata.as_wire())
        })
    }

    /// The set as records at `owner` in class `class`, in canonical order.
    pub fn to_records<'a>(
        &'a self,
        owner: &'a Name,
        class: Class,
    ) -> impl Iterator<Item = Record> + 'a {
        self.rdatas.iter().map(move |rdata| {
            Record::new(owner.clone(), class, self.rtype, self.ttl, rdata.clone())
        })
    }
}

//----------- Packed sets ------------------------------------------------------------

/// Octets of a packed set's header: type (2), TTL (4), size of its entries (4).
const SET_HEADER: usize = 10;

/// The octets [`pack_into`] appends for `sets`.
pub fn packed_len(sets: &[RRset]) -> usize {
    sets.iter().map(|s| SET_HEADER + entries_len(s)).sum()
}

/// Octets of a packed set's entries: each RDATA after its 16-bit length.
fn entries_len(set: &RRset) -> usize {
    set.rdatas.iter().map(|r| 2 + r.len()).sum()
}

/// Appends `sets` (in key order, none empty, every RDATA at most 65535 octets) to
/// `out` in the layout a node keeps (see the module's "Packed layout").
pub fn pack_into(out: &mut Vec<u8>, sets: &[RRset]) {
    out.reserve(packed_len(sets));
    for set in sets {
        out.extend_from_slice(&set.rtype.0.to_le_bytes());
        out.extend_from_slice(&set.ttl.to_le_bytes());
        out.extend_from_slice(&(entries_len(set) as u32).to_le_bytes());
        for rdata in &set.rdatas {
            let len = u16::try_from(rdata.len()).expect("RDATA is checked to fit RDLENGTH");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(rdata.as_wire());
        }
    }
}

/// The sets of a packed node, in key order (see [`pack_into`]).
#[derive(Clone, Debug)]
pub struct Sets<'a> {
    rest: &'a [u8],
}

impl<'a> Sets<'a> {
    /// Reads the sets that [`pack_into`] wrote.
    pub fn new(packed: &'a [u8]) -> Sets<'a> {
        Sets { rest: packed }
    }
}

impl<'a> Iterator for Sets<'a> {
    type Item = RRsetRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<RRsetRef<'a>> {
        let (head, rest) = self.rest.split_first_chunk::<SET_HEADER>()?;
        let rtype = Rtype(u16::from_le_bytes([head[0], head[1]]));
        let ttl = u32::from_le_bytes([head[2], head[3], head[4], head[5]]);
        let size = u32::from_le_bytes([head[6], head[7], head[8], head[9]]) as usize;
        let (entries, rest) = rest.split_at(size);
        self.rest = rest;
        Some(RRsetRef {
            rtype,
            ttl,
            entries,
        })
    }
}

/// One RRset of a node, borrowed from its packed form: what the query path, AXFR,
/// `diff` and the checks read.
#[derive(Clone, Copy, Debug)]
pub struct RRsetRef<'a> {
    /// The type of every record in the set.
    pub rtype: Rtype,
    /// The TTL of every record in the set.
    pub ttl: u32,
    /// The entries: each RDATA after its 16-bit length.
    entries: &'a [u8],
}

impl<'a> RRsetRef<'a> {
    /// The RDATA, in canonical order.
    #[inline]
    pub fn rdatas(&self) -> Rdatas<'a> {
        Rdatas { rest: self.entries }
    }

    /// The first RDATA (a set is never empty inside a version).
    pub fn first(&self) -> Option<&'a [u8]> {
        self.rdatas().next()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.rdatas().count()
    }

    /// True when the set has no records (never the case inside a version).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// For an RRSIG set, the type its signatures cover; `None` for other types.
    pub fn covered(&self) -> Option<Rtype> {
        if self.rtype != Rtype::RRSIG {
            return None;
        }
        self.first().and_then(rrsig_covered)
    }

    /// The grouping key of this set inside a node (see [`set_key`]).
    pub fn key(&self) -> (Rtype, u16) {
        match self.first() {
            Some(rdata) => set_key(self.rtype, rdata),
            None => (self.rtype, 0),
        }
    }

    /// True when the set holds RDATA canonically equal to `rdata`.
    pub fn contains(&self, rdata: &[u8]) -> bool {
        self.rdatas().any(|r| rdata_eq(self.rtype, r, rdata))
    }

    /// The set as records at `owner` in class `class`, in canonical order.
    pub fn to_records(self, owner: &'a Name, class: Class) -> impl Iterator<Item = Record> + 'a {
        self.rdatas().map(move |rdata| {
            Record::new(
                owner.clone(),
                class,
                self.rtype,
                self.ttl,
                Rdata::from_wire(rdata),
            )
        })
    }

    /// An owned copy, for editing.
    pub fn to_owned(&self) -> RRset {
        RRset {
            rtype: self.rtype,
            ttl: self.ttl,
            rdatas: self.rdatas().map(Rdata::from_wire).collect(),
        }
    }
}

/// The RDATA of an [`RRsetRef`], in canonical order.
#[derive(Clone, Debug)]
pub struct Rdatas<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Rdatas<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.rest.split_first_chunk::<2>()?;
        let (rdata, rest) = rest.split_at(u16::from_le_bytes(*len) as usize);
        self.rest = rest;
        Some(rdata)
    }
}

//----------- Grouping and canonical comparison --------------------------------------

/// The key that groups records into [`RRset`]s at one owner: the type, and for RRSIG
/// the covered type (RFC 4034 §3: RRSIGs covering different types carry different
/// TTLs). Sorting by this key, then by RDATA, is canonical order (an RRSIG's RDATA
/// begins with the covered type).
pub fn set_key(rtype: Rtype, rdata: &[u8]) -> (Rtype, u16) {
    if rtype == Rtype::RRSIG {
        (rtype, rrsig_covered(rdata).map_or(0, |t| t.0))
    } else {
        (rtype, 0)
    }
}

/// The Type Covered field of RRSIG RDATA (RFC 4034 §3.1), when the RDATA is long
/// enough to have one.
pub fn rrsig_covered(rdata: &[u8]) -> Option<Rtype> {
    match rdata {
        [a, b, ..] => Some(Rtype(u16::from_be_bytes([*a, *b]))),
        _ => None,
    }
}

/// Compares two RDATA of type `rtype` in canonical order (RFC 4034 §6.3): as octet
/// strings, with the names that §6.2 lowers compared case-insensitively.
pub fn canonical_rdata_cmp(rtype: Rtype, a: &[u8], b: &[u8]) -> Ordering {
    let (sa, sb) = (NameSpans::of(rtype, a), NameSpans::of(rtype, b));
    if sa.is_empty() && sb.is_empty() {
        return a.cmp(b);
    }
    lowered(sa, a).cmp(lowered(sb, b))
}

/// The octets of `data` with those inside `spans` lowered.
fn lowered(spans: NameSpans, data: &[u8]) -> impl Iterator<Item = u8> + '_ {
    data.iter().enumerate().map(move |(i, &c)| {
        if spans.contains(i) {
            c.to_ascii_lowercase()
        } else {
            c
        }
    })
}

/// True when two RDATA of type `rtype` are the same in canonical form (the records
/// are duplicates, whatever their TTLs and the case of the names inside).
pub fn rdata_eq(rtype: Rtype, a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (a == b || canonical_rdata_cmp(rtype, a, b) == Ordering::Equal)
}

/// The name a record points to, for the types whose RDATA names a target (the name
/// fields with [`NameField::target`](super::layout::NameField::target)): NS, CNAME,
/// DNAME, PTR, MD, MF, MB, MG, MR (the whole RDATA), MX, AFSDB, RT, KX (after a
/// 16-bit preference) and SRV (after priority, weight and port). `None` for other
/// types and for malformed RDATA.
pub fn rdata_target(rtype: Rtype, rdata: &[u8]) -> Option<Name> {
    rdata_target_wire(rtype, rdata).and_then(|w| Name::from_wire(w).ok())
}

/// [`rdata_target`] without the copy: the target's bytes inside the RDATA, a valid
/// uncompressed wire-form name (what [`Name::from_wire`] takes).
pub fn rdata_target_wire(rtype: Rtype, wire: &[u8]) -> Option<&[u8]> {
    let at = names(rtype, wire)
        .map_while(Result::ok)
        .find(|n| n.rules.target)?;
    let target = &wire[at.range];
    (wire_name_len(target).ok()? == target.len()).then_some(target)
}

/// Byte ranges of RDATA holding names that canonical form lowers (RFC 4034 §6.2):
/// those of the layout table with `canonical_lower`, up to the first malformed one.
/// At most three (PX and NAPTR have the most); empty for other types.
#[derive(Clone, Copy, Default)]
struct NameSpans {
    spans: [(usize, usize); 3],
    len: usize,
}

impl NameSpans {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn contains(&self, i: usize) -> bool {
        self.spans[..self.len].iter().any(|&(s, e)| s <= i && i < e)
    }

    fn of(rtype: Rtype, data: &[u8]) -> NameSpans {
        let mut s = NameSpans::default();
        for n in names(rtype, data).map_while(Result::ok) {
            if n.rules.canonical_lower && s.len < s.spans.len() {
                s.spans[s.len] = (n.range.start, n.range.end);
                s.len += 1;
            }
        }
        s
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn name_wire(s: &str) -> Vec<u8> {
        s.parse::<Name>().unwrap().as_wire().to_vec()
    }

    fn mx(pref: u16, target: &str) -> Rdata {
        let mut w = pref.to_be_bytes().to_vec();
        w.extend(name_wire(target));
        Rdata::from_wire(w)
    }

    #[test]
    fn names_compare_case_insensitively() {
        let a = mx(10, "Mail.Example.com.");
        let b = mx(10, "mail.example.COM.");
        assert!(rdata_eq(Rtype::MX, a.as_wire(), b.as_wire()));
        // The preference octets are not lowered: 0x41 ('A') vs 0x61 ('a').
        let c = mx(0x41, "mail.example.com.");
        let d = mx(0x61, "mail.example.com.");
        assert!(!rdata_eq(Rtype::MX, c.as_wire(), d.as_wire()));
        assert_eq!(
            canonical_rdata_cmp(Rtype::MX, c.as_wire(), d.as_wire()),
            Ordering::Less
        );
        // TXT is not lowered.
        assert!(!rdata_eq(Rtype::TXT, b"\x01A", b"\x01a"));
    }

    #[test]
    fn absence_sorts_before_zero() {
        assert_eq!(
            canonical_rdata_cmp(Rtype::TXT, b"\x01a", b"\x01a\x00"),
            Ordering::Less
        );
    }

    #[test]
    fn rrset_new_sorts_and_dedups() {
        let set = RRset::new(
            Rtype::MX,
            300,
            vec![
                mx(20, "b.example."),
                mx(10, "A.example."),
                mx(10, "a.example."),
            ],
        );
        assert_eq!(set.len(), 2);
        // The first of the duplicates is kept, with its case.
        assert_eq!(set.rdatas[0], mx(10, "A.example."));
        assert!(set.contains(&mx(10, "a.EXAMPLE.")));
        assert!(!set.contains(&mx(30, "a.example.")));
    }

    #[test]
    fn targets() {
        assert_eq!(
            rdata_target(Rtype::MX, &mx(10, "mail.example.")),
            Some("mail.example.".parse().unwrap())
        );
        let mut srv = vec![0, 1, 0, 2, 0, 80];
        srv.extend(name_wire("www.example."));
        assert_eq!(
            rdata_target(Rtype::SRV, &Rdata::from_wire(srv)),
            Some("www.example.".parse().unwrap())
        );
        assert_eq!(
            rdata_target(Rtype::A, &Rdata::from_wire(vec![1, 2, 3, 4])),
            None
        );
        assert_eq!(rdata_target(Rtype::MX, &Rdata::from_wire(vec![0])), None);
    }

    #[test]
    fn naptr_and_soa_spans() {
        let mut naptr = vec![0, 10, 0, 20, 1, b'U', 3, b'E', b'2', b'U', 0];
        naptr.extend(name_wire("A.example."));
        let spans = NameSpans::of(Rtype::NAPTR, &naptr);
        assert_eq!(spans.len, 1);
        assert_eq!(spans.spans[0].0, 11);
        let mut soa = name_wire("NS.example.");
        soa.extend(name_wire("Host.example."));
        soa.extend([0x41; 20]);
        let spans = NameSpans::of(Rtype::SOA, &soa);
        assert_eq!(spans.len, 2);
        assert!(!spans.contains(soa.len() - 1));
    }

    #[test]
    fn packed_sets_read_back() {
        let rd = |w: &[u8]| Rdata::from_wire(w.to_vec());
        let sets = vec![
            RRset::new(
                Rtype::A,
                300,
                vec![rd(&[192, 0, 2, 2]), rd(&[192, 0, 2, 1])],
            ),
            RRset::new(Rtype::NULL, 60, vec![rd(&[])]),
            RRset::new(Rtype::TXT, 7, vec![rd(&[0xff; 65535])]),
            RRset::new(Rtype::RRSIG, 9, vec![rd(&[0, 1, 8, 2])]),
            RRset::new(Rtype::RRSIG, 8, vec![rd(&[0, 16, 8, 2])]),
        ];
        let mut packed = Vec::new();
        pack_into(&mut packed, &sets);
        assert_eq!(packed.len(), packed_len(&sets));
        // Headers, then each RDATA after its length.
        assert_eq!(packed.len(), 5 * 10 + 2 * 6 + 2 + (2 + 65535) + 6 + 6);
        let back: Vec<RRset> = Sets::new(&packed).map(|s| s.to_owned()).collect();
        assert_eq!(back, sets);
        let refs: Vec<RRsetRef<'_>> = Sets::new(&packed).collect();
        assert_eq!(
            refs.iter().map(RRsetRef::len).collect::<Vec<_>>(),
            [2, 1, 1, 1, 1]
        );
        assert_eq!(refs[0].first(), Some(&[192, 0, 2, 1][..]));
        assert!(refs[0].contains(&[192, 0, 2, 2]) && !refs[0].contains(&[192, 0, 2, 3]));
        // Empty RDATA is a record, not an empty set.
        assert_eq!(
            (refs[1].first(), refs[1].is_empty()),
            (Some(&[][..]), false)
        );
        assert_eq!(refs[2].ttl, 7);
        assert_eq!(
            (refs[3].key(), refs[4].key()),
            ((Rtype::RRSIG, 1), (Rtype::RRSIG, 16))
        );
        assert_eq!(
            (refs[0].covered(), refs[4].covered()),
            (None, Some(Rtype::TXT))
        );
        let records: Vec<Record> = refs[0]
            .to_records(&"a.example.".parse().unwrap(), Class::IN)
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(
            (records[1].ttl, records[1].rdata.as_wire()),
            (300, &[192, 0, 2, 2][..])
        );
        assert_eq!(Sets::new(&[]).count(), 0);
    }

    #[test]
    fn rrsig_key() {
        let rrsig = Rdata::from_wire(vec![0, 15, 8, 2]);
        assert_eq!(set_key(Rtype::RRSIG, &rrsig), (Rtype::RRSIG, 15));
        assert_eq!(set_key(Rtype::TXT, &rrsig), (Rtype::TXT, 0));
    }
}
