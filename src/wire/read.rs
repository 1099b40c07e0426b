//! Reading messages: header and question in place, section offsets found by one
//! bounded walk ([`Outline`], which allocates nothing), and an iterator that turns
//! resource records into [`Record`]s with uncompressed owners and RDATA.
//!
//! Callers: the transfer interpreter (`xfr`) reads answer sections through
//! [`Message::answers`], TSIG (`tsig::sign`) uses [`Message::tsig_offset`] to strip the
//! signature, NOTIFY and the SOA query read the question and answers. The server
//! walks each request once into an [`Outline`] (its query fast path needs nothing
//! more) and turns that into a [`Message`] only when it needs the question decoded.
//!
//! # Standards
//! - RFC 3597 §4: "Receiving servers MUST decompress domain names in RRs of
//!   well-known type, and SHOULD also decompress RRs of type RP, AFSDB, RT, SIG, PX,
//!   NXT, NAPTR, and SRV" — decompressed here, plus KX (RFC 2230), which older
//!   encoders compressed too; the list and each type's fields are the layout table
//!   ([`crate::zone::layout`]). RDATA of every other type is copied as it is: a
//!   pointer inside it could not be told from data.
//! - RFC 1035 §4.1.4: pointers refer to a *prior* occurrence; a pointer to its own
//!   position or later is rejected, so no chain can loop.
//!
//! # Limitations
//! - Label type 0x40 (RFC 2673 binary labels, retired by RFC 6891) is rejected.

use crate::zone::layout::{self, Field};
use crate::zone::name::MAX_NAME_LEN;
use crate::zone::{Class, Name, Rdata, Record, Rtype};

use super::{HEADER_LEN, Header, Rcode, WireError};

//----------- Message ----------------------------------------------------------------

/// A parsed view of one message: the [`Outline`] (header, where each section starts,
/// OPT and TSIG) and the decoded question. Records are decoded on demand by the
/// iterators.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    /// The walk that found the sections.
    outline: Outline<'a>,
    /// The first question, if QDCOUNT > 0.
    question: Option<Question>,
}

/// The question of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// QNAME.
    pub name: Name,
    /// QTYPE.
    pub qtype: Rtype,
    /// QCLASS.
    pub qclass: Class,
}

impl<'a> Message<'a> {
    /// Parses the header and question and walks every record once to find the
    /// sections, OPT and TSIG. Extra questions (QDCOUNT > 1) are skipped; trailing
    /// octets after the last record are an error.
    pub fn parse(buf: &'a [u8]) -> Result<Message<'a>, WireError> {
        Outline::parse(buf)?.to_message()
    }

    /// The walk this message was built from.
    pub fn outline(&self) -> &Outline<'a> {
        &self.outline
    }

    /// The raw message.
    pub fn bytes(&self) -> &'a [u8] {
        self.outline.buf
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.outline.header
    }

    /// The first question, if any.
    pub fn question(&self) -> Option<&Question> {
        self.question.as_ref()
    }

    /// The RCODE, extended with the OPT TTL's upper octet when OPT is present.
    pub fn rcode(&self) -> Rcode {
        self.outline.rcode()
    }

    /// The UDP payload size the sender advertised in OPT, if any.
    pub fn edns_udp_size(&self) -> Option<u16> {
        self.outline.edns_udp_size()
    }

    /// How many OPT records ADDITIONAL holds (more than one is FORMERR).
    pub fn opt_count(&self) -> u16 {
        self.outline.opt_count()
    }

    /// Offset of the TSIG RR when it is the last record of ADDITIONAL.
    pub fn tsig_offset(&self) -> Option<usize> {
        self.outline.tsig_offset()
    }

    /// True when a TSIG RR sits anywhere but last in ADDITIONAL (FORMERR, RFC 8945
    /// §5.1).
    pub fn has_misplaced_tsig(&self) -> bool {
        self.outline.has_misplaced_tsig()
    }

    /// The answer section.
    pub fn answers(&self) -> RecordIter<'a> {
        self.section(0, self.outline.header.ancount)
    }

    /// The authority section.
    pub fn authority(&self) -> RecordIter<'a> {
        self.section(1, self.outline.header.nscount)
    }

    /// The additional section (OPT and TSIG included).
    pub fn additional(&self) -> RecordIter<'a> {
        self.section(2, self.outline.header.arcount)
    }

    /// Offset where the answer section starts (after the question).
    pub fn answer_offset(&self) -> usize {
        self.outline.sections[0]
    }

    fn section(&self, index: usize, count: u16) -> RecordIter<'a> {
        RecordIter::new(self.outline.buf, self.outline.sections[index], count)
    }
}

//----------- Outline ----------------------------------------------------------------

/// What one bounded walk over a message finds, without allocating and without
/// decoding a name: the header, where the first question's QNAME ends and its type and
/// class, where each section starts, the OPT record's fields and how many OPTs there
/// are, and where the TSIG RR is.
///
/// This is all the server needs to decide whether a query can be answered from its
/// answer cache (the hot path), and all [`Message`] needs besides the decoded question:
/// [`Outline::to_message`] builds one without walking the message again.
#[derive(Clone, Copy, Debug)]
pub struct Outline<'a> {
    /// The whole message.
    buf: &'a [u8],
    /// The header.
    header: Header,
    /// The first question, if QDCOUNT > 0.
    question: Option<RawQuestion>,
    /// Offsets of the answer, authority and additional sections, and of the end.
    sections: [usize; 4],
    /// The TTL field of the (last) OPT record in ADDITIONAL: extended RCODE, version,
    /// flags.
    opt_ttl: Option<u32>,
    /// OPT's advertised UDP payload size (the CLASS field).
    opt_udp: Option<u16>,
    /// Where the (last) OPT record's RDATA starts and ends (its options).
    opt_rdata: Option<(usize, usize)>,
    /// Number of OPT records seen (more than one is FORMERR, RFC 6891 §6.1.1).
    opt_count: u16,
    /// Offset of the last ADDITIONAL record when it is a TSIG RR.
    tsig_offset: Option<usize>,
    /// True when a TSIG RR appears anywhere but last in ADDITIONAL.
    misplaced_tsig: bool,
}

/// The first question as it sits in the message: QNAME is not decoded (it starts
/// right after the header and ends at `name_end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawQuestion {
    /// Offset just after QNAME.
    pub name_end: usize,
    /// True when QNAME contains a compression pointer.
    pub compressed: bool,
    /// QTYPE.
    pub qtype: Rtype,
    /// QCLASS.
    pub qclass: Class,
}

impl<'a> Outline<'a> {
    /// Reads the header and walks the message (see [`Outline::with_header`]).
    pub fn parse(buf: &'a [u8]) -> Result<Outline<'a>, WireError> {
        Outline::with_header(buf, Header::parse(buf)?)
    }

    /// Walks the message whose header (already read from `buf`) is `header`: every
    /// question name is checked as [`read_name`] would read it (pointers backwards
    /// only, at most 255 octets), every record is framed, and the message must end
    /// right after the last one.
    pub fn with_header(buf: &'a [u8], header: Header) -> Result<Outline<'a>, WireError> {
        if buf.len() < HEADER_LEN {
            return Err(WireError::Truncated("header"));
        }
        let mut pos = HEADER_LEN;
        let mut question = None;
        for i in 0..header.qdcount {
            let (next, compressed) = walk_name(buf, pos, |_| {})?;
            let fixed = buf
                .get(next..next + 4)
                .ok_or(WireError::Truncated("question"))?;
            if i == 0 {
                question = Some(RawQuestion {
                    name_end: next,
                    compressed,
                    qtype: Rtype(u16::from_be_bytes([fixed[0], fixed[1]])),
                    qclass: Class(u16::from_be_bytes([fixed[2], fixed[3]])),
                });
            }
            pos = next + 4;
        }
        let mut sections = [pos, 0, 0, 0];
        let mut opt_ttl = None;
        let mut opt_udp = None;
        let mut opt_rdata = None;
        let mut opt_count = 0u16;
        let mut tsig_offset = None;
        let mut misplaced_tsig = false;
        let counts = [header.ancount, header.nscount, header.arcount];
        for (s, &count) in counts.iter().enumerate() {
            for i in 0..count {
                let start = pos;
                let raw = raw_record(buf, pos)?;
                pos = raw.end;
                if raw.rtype == Rtype::TSIG {
                    if s == 2 && i + 1 == count {
                        tsig_offset = Some(start);
                    } else {
                        misplaced_tsig = true;
                    }
                }
                if s == 2 && raw.rtype == Rtype::OPT {
                    opt_count += 1;
                    opt_ttl = Some(raw.ttl);
                    opt_udp = Some(raw.class.0);
                    opt_rdata = Some((raw.rdata, raw.end));
                }
            }
            sections[s + 1] = pos;
        }
        if pos != buf.len() {
            return Err(WireError::TrailingData(buf.len() - pos));
        }
        Ok(Outline {
            buf,
            header,
            question,
            sections,
            opt_ttl,
            opt_udp,
            opt_rdata,
            opt_count,
            tsig_offset,
            misplaced_tsig,
        })
    }

    /// The message with its question decoded (one allocation: QNAME), without
    /// walking it again.
    pub fn to_message(&self) -> Result<Message<'a>, WireError> {
        let question = match self.question {
            None => None,
            Some(q) => Some(Question {
                name: self.question_name()?,
                qtype: q.qtype,
                qclass: q.qclass,
            }),
        };
        Ok(Message {
            outline: *self,
            question,
        })
    }

    /// The raw message.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The first question, if any, with QNAME undecoded.
    pub fn question(&self) -> Option<&RawQuestion> {
        self.question.as_ref()
    }

    /// The first question's QNAME as it sits in the message, when it has no
    /// compression pointer (then these octets are its uncompressed wire form, case as
    /// sent).
    pub fn plain_qname(&self) -> Option<&'a [u8]> {
        match self.question {
            Some(q) if !q.compressed => self.buf.get(HEADER_LEN..q.name_end),
            _ => None,
        }
    }

    /// The first question's QNAME, decoded (pointers followed); an error when there
    /// is no question.
    pub fn question_name(&self) -> Result<Name, WireError> {
        if self.question.is_none() {
            return Err(WireError::Truncated("question"));
        }
        match self.plain_qname() {
            Some(wire) => name_from(wire),
            None => {
                let mut name = Vec::with_capacity(64);
                read_name(self.buf, HEADER_LEN, &mut name)?;
                name_from(&name)
            }
        }
    }

    /// The RCODE, extended with the OPT TTL's upper octet when OPT is present.
    pub fn rcode(&self) -> Rcode {
        let low = self.header.rcode().0;
        match self.opt_ttl {
            Some(ttl) => Rcode(((ttl >> 24) as u16) << 4 | low),
            None => Rcode(low),
        }
    }

    /// The TTL field of the OPT record (extended RCODE, EDNS version, DO and the other
    /// flags), if there is one; with several, the last one's.
    pub fn opt_ttl(&self) -> Option<u32> {
        self.opt_ttl
    }

    /// The UDP payload size the sender advertised in OPT, if any.
    pub fn edns_udp_size(&self) -> Option<u16> {
        self.opt_udp
    }

    /// How many OPT records ADDITIONAL holds (more than one is FORMERR).
    pub fn opt_count(&self) -> u16 {
        self.opt_count
    }

    /// Where the (last) OPT record's RDATA (its options) starts and ends in the
    /// message.
    pub fn opt_rdata(&self) -> Option<(usize, usize)> {
        self.opt_rdata
    }

    /// Which of the EDNS options zonesync answers (NSID, EXPIRE, ZONEVERSION) the
    /// OPT asks for; nothing without OPT or with an OPT without options (no walk).
    pub fn asked(&self) -> super::edns::Asked {
        match self.opt_rdata {
            Some((start, end)) if end > start => {
                super::edns::Asked::from_rdata(&self.buf[start..end])
            }
            _ => super::edns::Asked::default(),
        }
    }

    /// The data of the OPT's first COOKIE option (RFC 7873 §5.2: only the first is
    /// read); none without OPT or with an OPT without options (no walk).
    pub fn cookie(&self) -> Option<&'a [u8]> {
        match self.opt_rdata {
            Some((start, end)) if end > start => {
                super::edns::Options::new(&self.buf[start..end]).find(super::edns::COOKIE)
            }
            _ => None,
        }
    }

    /// Offset of the TSIG RR when it is the last record of ADDITIONAL.
    pub fn tsig_offset(&self) -> Option<usize> {
        self.tsig_offset
    }

    /// True when a TSIG RR sits anywhere but last in ADDITIONAL (FORMERR, RFC 8945
    /// §5.1).
    pub fn has_misplaced_tsig(&self) -> bool {
        self.misplaced_tsig
    }
}

//----------- RecordIter -------------------------------------------------------------

/// Iterates the records of one section, decompressing names. Stops after the first
/// error.
#[derive(Clone, Debug)]
pub struct RecordIter<'a> {
    buf: &'a [u8],
    pos: usize,
    remaining: u16,
    /// Reused buffer for owner names.
    scratch: Vec<u8>,
}

impl<'a> RecordIter<'a> {
    /// Iterates `count` records starting at `pos` of `buf` (for callers that found a
    /// section themselves).
    pub fn new(buf: &'a [u8], pos: usize, count: u16) -> RecordIter<'a> {
        RecordIter {
            buf,
            pos,
            remaining: count,
            scratch: Vec::with_capacity(64),
        }
    }

    /// Offset of the next record.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl Iterator for RecordIter<'_> {
    type Item = Result<Record, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        match decode_record(self.buf, self.pos, &mut self.scratch) {
            Ok((record, end)) => {
                self.pos = end;
                Some(Ok(record))
            }
            Err(e) => {
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }
}

//----------- Records ----------------------------------------------------------------

/// The fixed fields of a record, found without decoding its names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawRecord {
    pub(crate) rtype: Rtype,
    pub(crate) class: Class,
    pub(crate) ttl: u32,
    /// Offset of the RDATA.
    pub(crate) rdata: usize,
    /// Offset just after the record.
    pub(crate) end: usize,
}

/// Reads the fixed part of the record at `pos`, skipping the owner.
pub(crate) fn raw_record(buf: &[u8], pos: usize) -> Result<RawRecord, WireError> {
    let p = skip_name(buf, pos)?;
    let f = buf.get(p..p + 10).ok_or(WireError::Truncated("record"))?;
    let rdlen = u16::from_be_bytes([f[8], f[9]]) as usize;
    let rdata = p + 10;
    let end = rdata + rdlen;
    if end > buf.len() {
        return Err(WireError::Truncated("RDATA"));
    }
    Ok(RawRecord {
        rtype: Rtype(u16::from_be_bytes([f[0], f[1]])),
        class: Class(u16::from_be_bytes([f[2], f[3]])),
        ttl: u32::from_be_bytes([f[4], f[5], f[6], f[7]]),
        rdata,
        end,
    })
}

/// Decodes the record at `pos`: owner and RDATA names decompressed. Returns the record
/// and the offset after it.
pub(crate) fn decode_record(
    buf: &[u8],
    pos: usize,
    scratch: &mut Vec<u8>,
) -> Result<(Record, usize), WireError> {
    scratch.clear();
    let p = read_name(buf, pos, scratch)?;
    let owner = name_from(scratch)?;
    let f = buf.get(p..p + 10).ok_or(WireError::Truncated("record"))?;
    let rtype = Rtype(u16::from_be_bytes([f[0], f[1]]));
    let class = Class(u16::from_be_bytes([f[2], f[3]]));
    let ttl = u32::from_be_bytes([f[4], f[5], f[6], f[7]]);
    let rdlen = u16::from_be_bytes([f[8], f[9]]) as usize;
    let start = p + 10;
    let end = start + rdlen;
    if end > buf.len() {
        return Err(WireError::Truncated("RDATA"));
    }
    let rdata = decompress_rdata(buf, start, end, rtype)?;
    Ok((Record::new(owner, class, rtype, ttl, rdata), end))
}

/// Copies RDATA from `buf[start..end]`, decompressing the names of the types the
/// layout table says a receiver decompresses (RFC 3597 §4), field by field; other
/// RDATA is copied as it is.
fn decompress_rdata(
    buf: &[u8],
    start: usize,
    end: usize,
    rtype: Rtype,
) -> Result<Rdata, WireError> {
    if !layout::decompresses(rtype) {
        return Ok(Rdata::from_wire(&buf[start..end]));
    }
    let bad = |reason| WireError::BadRdata { rtype, reason };
    // Names inside RDATA must not reach past RDLENGTH; reading from a view that ends
    // there keeps every pointer target inside the message and every label inside the
    // RDATA.
    let view = &buf[..end];
    let mut out = Vec::with_capacity(end - start + 32);
    let mut pos = start;
    for field in layout::layout(rtype) {
        let (len, short) = match *field {
            Field::Name(_) => {
                pos = read_name(view, pos, &mut out).map_err(|_| bad("bad name"))?;
                continue;
            }
            Field::U8 => (1, "too short"),
            Field::U16(_) => (2, "too short"),
            Field::U32(_) | Field::Seconds(_) => (4, "too short"),
            Field::CharString => {
                let len = *view.get(pos).ok_or_else(|| bad("truncated string"))?;
                (1 + len as usize, "truncated string")
            }
            // A6 names are never decompressed (the table test checks it), so this
            // arm is not reached; copying is the safe reading anyway.
            Field::Rest | Field::A6(_) => (end - pos, "too short"),
        };
        if pos + len > end {
            return Err(bad(short));
        }
        out.extend_from_slice(&buf[pos..pos + len]);
        pos += len;
    }
    if pos != end {
        return Err(bad("RDLENGTH does not match"));
    }
    Ok(Rdata::from_wire(out))
}

//----------- Names ------------------------------------------------------------------

/// Reads the possibly compressed name at `pos`, appending its uncompressed wire form
/// to `out`. Returns the offset just after the name as it sits at `pos` (after the
/// first pointer, if any).
pub fn read_name(buf: &[u8], pos: usize, out: &mut Vec<u8>) -> Result<usize, WireError> {
    walk_name(buf, pos, |part| out.extend_from_slice(part)).map(|(end, _)| end)
}

/// Walks the possibly compressed name at `pos`, handing its uncompressed wire form to
/// `emit` piece by piece (each label with its length octet, then the root octet).
/// Returns the offset just after the name as it sits at `pos` (after the first
/// pointer, if any) and whether it used a pointer. [`read_name`] with `emit` pushing
/// onto a `Vec`; [`Outline`] checks names with an `emit` that does nothing.
#[inline]
fn walk_name(
    buf: &[u8],
    pos: usize,
    mut emit: impl FnMut(&[u8]),
) -> Result<(usize, bool), WireError> {
    // Octets of the uncompressed name so far.
    let mut written = 0usize;
    let mut p = pos;
    // Where the name at `pos` ends in the buffer; set at the first pointer.
    let mut after: Option<usize> = None;
    // Pointers must go strictly backwards: `limit` is the lowest offset reached so far.
    let mut limit = pos;
    loop {
        let len = *buf.get(p).ok_or(WireError::Truncated("name"))?;
        match len & 0xc0 {
            0x00 => {
                let len = len as usize;
                if len == 0 {
                    if written + 1 > MAX_NAME_LEN {
                        return Err(WireError::NameTooLong);
                    }
                    emit(&[0]);
                    return Ok((after.unwrap_or(p + 1), after.is_some()));
                }
                // The length octet and the label.
                let label = buf
                    .get(p..p + 1 + len)
                    .ok_or(WireError::Truncated("name"))?;
                if written + 1 + len + 1 > MAX_NAME_LEN {
                    return Err(WireError::NameTooLong);
                }
                emit(label);
                written += 1 + len;
                p += 1 + len;
            }
            0xc0 => {
                let low = *buf.get(p + 1).ok_or(WireError::Truncated("name"))?;
                let target = (((len & 0x3f) as usize) << 8) | low as usize;
                // Backwards only, and never into the 12-octet header: a name there
                // would change its meaning with the header's counts and flags (and a
                // signed message would no longer verify once re-encoded).
                if target >= limit || target < HEADER_LEN {
                    return Err(WireError::BadPointer(p));
                }
                if after.is_none() {
                    after = Some(p + 2);
                }
                limit = target;
                p = target;
            }
            _ => return Err(WireError::BadLabel(p)),
        }
    }
}

/// Skips the name at `pos` without decoding it; returns the offset after it. Pointers
/// are not followed (their targets are checked when the name is read).
pub fn skip_name(buf: &[u8], pos: usize) -> Result<usize, WireError> {
    let mut p = pos;
    loop {
        let len = *buf.get(p).ok_or(WireError::Truncated("name"))?;
        match len & 0xc0 {
            0x00 if len == 0 => return Ok(p + 1),
            0x00 => {
                p += 1 + len as usize;
                if p - pos > MAX_NAME_LEN {
                    return Err(WireError::NameTooLong);
                }
            }
            0xc0 => {
                if p + 2 > buf.len() {
                    return Err(WireError::Truncated("name"));
                }
                return Ok(p + 2);
            }
            _ => return Err(WireError::BadLabel(p)),
        }
    }
}

fn name_from(wire: &[u8]) -> Result<Name, WireError> {
    Name::from_wire(wire).map_err(|_| WireError::NameTooLong)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// A response with a compressed owner, a compressed MX target and an opaque TXT.
    fn sample() -> Vec<u8> {
        let mut m = vec![
            0x12, 0x34, 0x84, 0x00, 0, 1, 0, 3, 0, 0, 0, 0, // header
        ];
        m.extend_from_slice(b"\x07example\x03com\x00\x00\x0f\x00\x01"); // q: example.com MX
        // example.com MX 10 mail.example.com (owner ptr to 12, target compressed)
        m.extend_from_slice(&[0xc0, 12, 0, 15, 0, 1, 0, 0, 0x0e, 0x10, 0, 9, 0, 10]);
        m.extend_from_slice(b"\x04mail\xc0\x0c");
        // www.example.com TXT "hi"
        m.extend_from_slice(b"\x03www\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x3c\x00\x03\x02hi");
        // SOA with both names compressed
        m.extend_from_slice(&[0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 60, 0, 32]);
        m.extend_from_slice(b"\x02ns\xc0\x0c\x04host\xc0\x0c");
        m.extend_from_slice(&[0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
        m
    }

    #[test]
    fn parses_and_decompresses() {
        let buf = sample();
        let msg = Message::parse(&buf).unwrap();
        assert_eq!(msg.header().id, 0x1234);
        assert!(msg.header().qr() && msg.header().aa());
        let q = msg.question().unwrap();
        assert_eq!(q.name.to_string(), "example.com.");
        assert_eq!(q.qtype, Rtype::MX);
        let recs: Vec<Record> = msg.answers().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].owner.to_string(), "example.com.");
        assert_eq!(
            recs[0].rdata.as_wire(),
            b"\x00\x0a\x04mail\x07example\x03com\x00"
        );
        assert_eq!(recs[1].owner.to_string(), "www.example.com.");
        assert_eq!(recs[1].rdata.as_wire(), b"\x02hi");
        assert_eq!(recs[2].rtype, Rtype::SOA);
        assert_eq!(recs[2].rdata.len(), 16 + 18 + 20);
        assert_eq!(msg.rcode(), Rcode::NOERROR);
    }

    #[test]
    fn pointer_loops_and_forward_pointers_rejected() {
        // A pointer to itself.
        let buf = [0xc0u8, 0x00];
        assert!(matches!(
            read_name(&buf, 0, &mut Vec::new()),
            Err(WireError::BadPointer(0))
        ));
        // Two pointers pointing at each other.
        let buf = [0xc0u8, 0x02, 0xc0, 0x00];
        assert!(read_name(&buf, 2, &mut Vec::new()).is_err());
        // Forward pointer.
        let buf = [0xc0u8, 0x02, 0x00];
        assert!(read_name(&buf, 0, &mut Vec::new()).is_err());
        // Label type 0x40.
        assert!(matches!(
            read_name(&[0x41, 0], 0, &mut Vec::new()),
            Err(WireError::BadLabel(0))
        ));
    }

    #[test]
    fn long_names_rejected() {
        // 130 labels of one octet = 261 octets.
        let mut buf = Vec::new();
        for _ in 0..130 {
            buf.extend_from_slice(b"\x01a");
        }
        buf.push(0);
        assert_eq!(
            read_name(&buf, 0, &mut Vec::new()),
            Err(WireError::NameTooLong)
        );
        // Pointer chains that build a long name: each step prepends a 63-octet label.
        let mut buf = vec![0u8];
        let mut prev = 0usize;
        for _ in 0..6 {
            let here = buf.len();
            buf.push(63);
            buf.extend(std::iter::repeat_n(b'x', 63));
            buf.push(0xc0 | (prev >> 8) as u8);
            buf.push(prev as u8);
            prev = here;
        }
        assert_eq!(
            read_name(&buf, prev, &mut Vec::new()),
            Err(WireError::NameTooLong)
        );
    }

    #[test]
    fn rdata_bounds_checked() {
        let mut buf = sample();
        // Shrink the MX RDLENGTH so the target runs past it.
        let mx_rdlen = 12 + 17 + 10;
        assert_eq!(buf[mx_rdlen + 1], 9);
        buf[mx_rdlen + 1] = 4;
        let msg = Message::parse(&buf);
        // Framing now breaks (the next record starts inside the name).
        if let Ok(msg) = msg {
            assert!(msg.answers().any(|r| r.is_err()));
        }
    }

    #[test]
    fn truncated_and_garbage_never_panic() {
        let buf = sample();
        for cut in 0..buf.len() {
            let part = &buf[..cut];
            if let Ok(m) = Message::parse(part) {
                for r in m.answers().chain(m.authority()).chain(m.additional()) {
                    let _ = r;
                }
            }
        }
        // Deterministic pseudo-random garbage, and bit flips of a valid message.
        let mut x: u32 = 0x1234_5678;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..20_000 {
            let len = (next() % 120) as usize;
            let mut g: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if len > 12 {
                // Small counts so the record walk is exercised.
                for b in &mut g[4..12] {
                    *b &= 0x03;
                }
            }
            // The walk accepts exactly what the full parse accepts.
            assert_eq!(Outline::parse(&g).is_ok(), Message::parse(&g).is_ok());
            if let Ok(m) = Message::parse(&g) {
                let _ = m.answers().chain(m.additional()).count();
            }
            let mut flipped = buf.clone();
            let i = (next() as usize) % flipped.len();
            flipped[i] ^= 1 << (next() % 8);
            if let Ok(m) = Message::parse(&flipped) {
                let _ = m.answers().count();
            }
        }
    }

    #[test]
    fn naptr_srv_and_sig_decompressed() {
        let mut m = vec![0, 1, 0x80, 0, 0, 0, 0, 3, 0, 0, 0, 0];
        m.extend_from_slice(b"\x07example\x00"); // at 12
        // SRV 1 2 3 <ptr 12>
        m.extend_from_slice(&[
            0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 1, 0, 8, 0, 1, 0, 2, 0, 3, 0xc0, 12,
        ]);
        // NAPTR 1 2 "u" "" "" <ptr 12>
        m.extend_from_slice(&[
            0xc0, 12, 0, 35, 0, 1, 0, 0, 0, 1, 0, 10, 0, 1, 0, 2, 1, b'u', 0, 0, 0xc0, 12,
        ]);
        // SIG: 18 fixed, signer ptr, signature "ab"
        m.extend_from_slice(&[0xc0, 12, 0, 24, 0, 1, 0, 0, 0, 1, 0, 22]);
        m.extend_from_slice(&[0u8; 18]);
        m.extend_from_slice(&[0xc0, 12, b'a', b'b']);
        // Put the name at 12 into a question so the pointers have a target.
        let mut q = vec![0, 1, 0x80, 0, 0, 1, 0, 3, 0, 0, 0, 0];
        q.extend_from_slice(b"\x07example\x00\x00\x01\x00\x01");
        q.extend_from_slice(&m[21..]);
        let msg = Message::parse(&q).unwrap();
        let recs: Vec<Record> = msg.answers().map(|r| r.unwrap()).collect();
        assert_eq!(
            recs[0].rdata.as_wire(),
            b"\x00\x01\x00\x02\x00\x03\x07example\x00"
        );
        assert_eq!(
            recs[1].rdata.as_wire(),
            b"\x00\x01\x00\x02\x01u\x00\x00\x07example\x00"
        );
        assert_eq!(&recs[2].rdata.as_wire()[18..], b"\x07example\x00ab");
    }

    #[test]
    fn the_outline_finds_what_the_message_reads() {
        let buf = sample();
        let o = Outline::parse(&buf).unwrap();
        let q = o.question().unwrap();
        assert_eq!((q.name_end, q.compressed, q.qtype), (25, false, Rtype::MX));
        assert_eq!(o.plain_qname(), Some(&b"\x07example\x03com\x00"[..]));
        assert_eq!(o.question_name().unwrap().to_string(), "example.com.");
        let m = o.to_message().unwrap();
        assert_eq!(m.answer_offset(), 29);
        assert_eq!(m.answers().count(), 3);
        assert_eq!(
            (o.opt_count(), o.opt_ttl(), o.tsig_offset()),
            (0, None, None)
        );

        // A QNAME with a pointer into the header is refused: the name would change
        // with the header's counts and flags (found by the fuzz engine).
        let mut c = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        c.extend_from_slice(b"\x03www\xc0\x04\x00\x01\x00\x01");
        assert!(matches!(Outline::parse(&c), Err(WireError::BadPointer(16))));
        assert!(matches!(Message::parse(&c), Err(WireError::BadPointer(16))));

        // No question: nothing to decode.
        let empty = [0u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let o = Outline::parse(&empty).unwrap();
        assert!(o.question().is_none() && o.plain_qname().is_none());
        assert!(o.question_name().is_err());
        // A header that claims more than the buffer holds.
        assert!(Outline::with_header(&empty[..4], Header::default()).is_err());
    }

    #[test]
    fn extended_rcode_from_opt() {
        // Header rcode 0, OPT with extended rcode 1 → 16 (BADVERS).
        let mut m = vec![0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        m.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0]);
        let msg = Message::parse(&m).unwrap();
        assert_eq!(msg.rcode(), Rcode::BADVERS);
        assert_eq!(msg.edns_udp_size(), Some(1232));
        assert_eq!(msg.opt_count(), 1);
        assert_eq!(msg.outline().opt_ttl(), Some(0x0100_0000));
    }
}
