//! Building messages: header, question, records with name compression, OPT, and a
//! size limit that a record either fits under whole or is not added at all.
//!
//! Callers: the transfer client and NOTIFY build their queries here; the server (later)
//! builds answers and AXFR/IXFR-out messages, which is why compression is a hash of
//! suffixes (linear in the names written, not quadratic as hickory 0.25's was) and why
//! a record that does not fit is rolled back cleanly, so the caller can start the next
//! message with it. TSIG is appended after [`MessageBuilder::finish`] by
//! `tsig::sign`.
//!
//! The compression table ([`Compressor`]) holds no name bytes: it maps a hash of each
//! suffix written to its offset, and a candidate is confirmed by reading the name
//! back out of the message. Nothing is allocated per name, which matters for AXFR-out
//! (a million records) and for answers built on a cache miss. A record's owner is
//! first compared with the last owner written (`OwnerCache`): the labels they share
//! (all of them within an RRset, the zone's own in a transfer's canonical order) are
//! neither hashed nor looked up again.
//!
//! # Standards
//! - RFC 1035 §4.1.4: pointers are 14-bit offsets, so only names starting below 0x4000
//!   can be pointed at.
//! - RFC 3597 §4: "servers MUST NOT compress domain names embedded in the RDATA of
//!   types that are class-specific or not well-known" — only owners and the RDATA
//!   names of NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO and MX are compressed
//!   ([`layout::compresses`], the one RDATA layout table).
//! - RFC 6891 §6.1.2: OPT has the root owner, the UDP payload size in CLASS, and the
//!   extended RCODE, version and DO bit in TTL.

use crate::zone::layout;
use crate::zone::name::wire_name_len;
use crate::zone::{Class, Name, Record, Rtype};

use super::{HEADER_LEN, Header, Rcode, WireError};

/// The sections records go into, in the order they must be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// ANSWER.
    Answer,
    /// AUTHORITY.
    Authority,
    /// ADDITIONAL.
    Additional,
}

//----------- MessageBuilder ---------------------------------------------------------

/// Assembles one message. Sections are filled in order; counts are kept in the header.
#[derive(Debug)]
pub struct MessageBuilder {
    /// The message so far; the header's counts are patched as records are added.
    buf: Vec<u8>,
    /// The size the message must not exceed.
    limit: usize,
    /// Name suffixes already written (exact case), by their offsets.
    names: Compressor,
    /// The owner of the last record added, to compress the next one against.
    last_owner: OwnerCache,
    /// 0 = question, 1.. = the section records last went into.
    stage: u8,
    /// QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
    counts: [u16; 4],
}

impl MessageBuilder {
    /// Starts a message with `header` (its counts are ignored) and a size limit.
    pub fn new(header: Header, limit: usize) -> MessageBuilder {
        let mut buf = Vec::with_capacity(limit.min(4096));
        let mut h = header;
        h.qdcount = 0;
        h.ancount = 0;
        h.nscount = 0;
        h.arcount = 0;
        buf.extend_from_slice(&h.to_bytes());
        MessageBuilder {
            buf,
            limit: limit.max(HEADER_LEN),
            names: Compressor::default(),
            last_owner: OwnerCache::new(),
            stage: 0,
            counts: [0; 4],
        }
    }

    /// Makes room for the message to reach its limit without growing again (a
    /// transfer's messages fill theirs; answers start small).
    pub fn reserve_to_limit(&mut self) {
        self.buf.reserve(self.limit.saturating_sub(self.buf.len()));
    }

    /// Current length of the message.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing but the header has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == HEADER_LEN
    }

    /// Changes the size limit (for example to leave room for a TSIG RR).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(HEADER_LEN);
    }

    /// The number of records in `section`.
    pub fn count(&self, section: Section) -> u16 {
        self.counts[section as usize + 1]
    }

    /// Sets the header's RCODE (the low 4 bits; see [`MessageBuilder::push_opt`] for
    /// the upper ones).
    pub fn set_rcode(&mut self, rcode: Rcode) {
        self.buf[3] = (self.buf[3] & 0xf0) | (rcode.0 & 0xf) as u8;
    }

    /// Adds a question. Questions come before any record.
    pub fn question(&mut self, name: &Name, qtype: Rtype, qclass: Class) -> Result<(), WireError> {
        if self.stage != 0 || self.counts[0] == u16::MAX {
            return Err(WireError::SectionOrder);
        }
        let mark = self.buf.len();
        self.write_name(name.as_wire(), true);
        self.buf.extend_from_slice(&qtype.0.to_be_bytes());
        self.buf.extend_from_slice(&qclass.0.to_be_bytes());
        self.commit_or_rollback(mark, 0)
    }

    /// Adds a record to `section`, compressing its owner and, for the RFC 1035
    /// well-known types, the names in its RDATA. When it does not fit, nothing is added
    /// and [`WireError::Full`] is returned.
    pub fn push(&mut self, section: Section, record: &Record) -> Result<(), WireError> {
        self.push_parts(
            section,
            &record.owner,
            record.rtype,
            record.class,
            record.ttl,
            record.rdata.as_wire(),
        )
    }

    /// [`MessageBuilder::push`] from borrowed parts (uncompressed wire RDATA), for
    /// callers that hold records in another shape (a zone version's RRsets).
    pub fn push_parts(
        &mut self,
        section: Section,
        owner: &Name,
        rtype: Rtype,
        class: Class,
        ttl: u32,
        rdata: &[u8],
    ) -> Result<(), WireError> {
        self.enter(section)?;
        let mark = self.buf.len();
        self.write_owner(owner.as_wire());
        let mut fixed = [0u8; 10];
        fixed[..2].copy_from_slice(&rtype.0.to_be_bytes());
        fixed[2..4].copy_from_slice(&class.0.to_be_bytes());
        fixed[4..8].copy_from_slice(&ttl.to_be_bytes());
        self.buf.extend_from_slice(&fixed);
        let len_at = self.buf.len() - 2;
        self.write_rdata(rtype, rdata);
        let rdlen = self.buf.len() - len_at - 2;
        if rdlen > u16::MAX as usize {
            self.rollback(mark);
            return Err(WireError::Full);
        }
        self.buf[len_at..len_at + 2].copy_from_slice(&(rdlen as u16).to_be_bytes());
        self.commit_or_rollback(mark, section as usize + 1)
    }

    /// Adds an OPT record to ADDITIONAL: UDP payload size, the upper 8 bits of the
    /// extended RCODE, EDNS version 0, the DO bit, no options.
    pub fn push_opt(
        &mut self,
        udp_size: u16,
        rcode: Rcode,
        dnssec_ok: bool,
    ) -> Result<(), WireError> {
        self.push_opt_with(udp_size, rcode, dnssec_ok, &[])
    }

    /// [`MessageBuilder::push_opt`] with `options` as the OPT's RDATA (encoded
    /// options, as [`OptionsBuf`](super::edns::OptionsBuf) writes them).
    pub fn push_opt_with(
        &mut self,
        udp_size: u16,
        rcode: Rcode,
        dnssec_ok: bool,
        options: &[u8],
    ) -> Result<(), WireError> {
        if options.len() > u16::MAX as usize {
            return Err(WireError::Full);
        }
        self.enter(Section::Additional)?;
        let mark = self.buf.len();
        self.buf.push(0);
        self.buf.extend_from_slice(&Rtype::OPT.0.to_be_bytes());
        self.buf.extend_from_slice(&udp_size.to_be_bytes());
        let ttl = ((rcode.0 >> 4) as u32 & 0xff) << 24 | if dnssec_ok { 0x8000 } else { 0 };
        self.buf.extend_from_slice(&ttl.to_be_bytes());
        self.buf
            .extend_from_slice(&(options.len() as u16).to_be_bytes());
        self.buf.extend_from_slice(options);
        self.set_rcode(rcode);
        self.commit_or_rollback(mark, 3)
    }

    /// A point to come back to with [`MessageBuilder::rewind`].
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            len: self.buf.len(),
            counts: self.counts,
            stage: self.stage,
        }
    }

    /// Removes everything added since `cp`: for records that go in together or not
    /// at all (an RRset and its signatures, RFC 2181 §9).
    pub fn rewind(&mut self, cp: Checkpoint) {
        self.rollback(cp.len);
        self.counts = cp.counts;
        self.stage = cp.stage;
        for (i, count) in self.counts.iter().enumerate() {
            self.buf[4 + 2 * i..6 + 2 * i].copy_from_slice(&count.to_be_bytes());
        }
    }

    /// The finished message.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    //--- Helpers

    fn enter(&mut self, section: Section) -> Result<(), WireError> {
        let stage = section as u8 + 1;
        if stage < self.stage {
            return Err(WireError::SectionOrder);
        }
        self.stage = stage;
        Ok(())
    }

    fn commit_or_rollback(&mut self, mark: usize, count: usize) -> Result<(), WireError> {
        if self.buf.len() > self.limit || self.counts[count] == u16::MAX {
            self.rollback(mark);
            return Err(WireError::Full);
        }
        self.counts[count] += 1;
        let at = 4 + 2 * count;
        self.buf[at..at + 2].copy_from_slice(&self.counts[count].to_be_bytes());
        Ok(())
    }

    fn rollback(&mut self, mark: usize) {
        self.buf.truncate(mark);
        self.names.forget_from(mark);
        // It may point at what was just removed.
        self.last_owner.clear();
    }

    /// Writes a record's owner, compressed against the last record's owner first
    /// (see [`OwnerCache`]): only the labels it does not share with that owner are
    /// hashed and looked up.
    fn write_owner(&mut self, wire: &[u8]) {
        // The last record's owner again (every record of an RRset after the first,
        // every RRset of a node): a pointer to where it is, nothing hashed.
        let last = &self.last_owner;
        if last.count > 0 && last.at[0] != 0 && last.wire() == wire {
            let at = last.at[0];
            self.buf.extend_from_slice(&(0xc000 | at).to_be_bytes());
            return;
        }
        let mut starts = [0u8; 128];
        let count = label_starts(wire, &mut starts);
        if count == 0 || count > OwnerCache::LABELS || wire.len() > OwnerCache::OCTETS {
            self.last_owner.clear();
            self.write_name(wire, true);
            return;
        }
        let cache = &self.last_owner;
        // Labels shared with the last owner, counted from the root.
        let mut common = 0;
        let cached = cache.count as usize;
        while common < count.min(cached)
            && label_at(wire, starts[count - 1 - common])
                == label_at(cache.wire(), cache.starts[cached - 1 - common])
        {
            common += 1;
        }
        let unique = count - common;
        let mut states = [0u64; OwnerCache::LABELS];
        let mut at = [0u16; OwnerCache::LABELS];
        for j in 0..common {
            states[count - 1 - j] = cache.states[cached - 1 - j];
            at[count - 1 - j] = cache.at[cached - 1 - j];
        }
        let mut h = if common > 0 {
            states[unique]
        } else {
            FNV_OFFSET
        };
        for i in (0..unique).rev() {
            h = fnv_label(h, label_at(wire, starts[i]));
            states[i] = h;
        }
        // The longest suffix already in the message: one of those not shared with
        // the last owner (from the table), else the shared one where that owner has
        // it, else (out of pointer reach there) whatever the table knows.
        let suffix = |i: usize| &wire[starts[i] as usize..];
        let mut found = (0..unique).find_map(|i| {
            let off = self.names.find(finish(states[i]), suffix(i), &self.buf)?;
            Some((i, off))
        });
        if found.is_none() && common > 0 {
            found = if at[unique] != 0 {
                Some((unique, at[unique]))
            } else {
                (unique..count).find_map(|i| {
                    let off = self.names.find(finish(states[i]), suffix(i), &self.buf)?;
                    Some((i, off))
                })
            };
        }
        let first_uncompressed = found.map_or(count, |(i, _)| i);
        for i in 0..first_uncompressed {
            let here = self.buf.len();
            at[i] = 0;
            if here < 0x4000 {
                self.names.insert(finish(states[i]), here as u16);
                at[i] = here as u16;
            }
            self.buf.extend_from_slice(label_at(wire, starts[i]));
        }
        match found {
            Some((i, off)) => {
                at[i] = off;
                self.buf.extend_from_slice(&(0xc000 | off).to_be_bytes());
            }
            None => self.buf.push(0),
        }
        self.last_owner
            .set(wire, &starts[..count], &states[..count], &at[..count]);
    }

    /// Writes an uncompressed wire name, compressed against the names already written
    /// when `compress`, and remembers its suffixes.
    fn write_name(&mut self, wire: &[u8], compress: bool) {
        let mut starts = [0u8; 128];
        let count = label_starts(wire, &mut starts);
        // Most names have few labels: a small table of suffix hashes to fill.
        if count <= 8 {
            self.write_labels::<8>(wire, &starts[..count], compress);
        } else {
            self.write_labels::<128>(wire, &starts[..count], compress);
        }
    }

    /// [`MessageBuilder::write_name`] once the labels start at `starts` (at most `N`).
    fn write_labels<const N: usize>(&mut self, wire: &[u8], starts: &[u8], compress: bool) {
        // Matching is case-sensitive so that every name decodes to the octets it was
        // written with: RDATA stays byte-exact through a transfer.
        let count = starts.len();
        let mut hashes = [0u64; N];
        let mut hit = None;
        let mut first_uncompressed = count;
        if compress {
            suffix_hashes(wire, starts, &mut hashes);
            // The longest suffix already written wins.
            for (i, &s) in starts.iter().enumerate() {
                if let Some(off) = self.names.find(hashes[i], &wire[s as usize..], &self.buf) {
                    hit = Some(off);
                    first_uncompressed = i;
                    break;
                }
            }
        }
        for (i, &s) in starts[..first_uncompressed].iter().enumerate() {
            let here = self.buf.len();
            if compress && here < 0x4000 {
                self.names.insert(hashes[i], here as u16);
            }
            self.buf.extend_from_slice(label_at(wire, s));
        }
        match hit {
            Some(off) => self.buf.extend_from_slice(&(0xc000 | off).to_be_bytes()),
            None => self.buf.push(0),
        }
    }

    /// Writes RDATA, compressing the names the layout table allows to be (those of
    /// the RFC 1035 well-known types).
    fn write_rdata(&mut self, rtype: Rtype, rdata: &[u8]) {
        // The common shape (NS, CNAME, PTR, MX): integers, then the name to the end.
        if let Some(at) = layout::trailing_compressible_name(rtype)
            && at < rdata.len()
            && wire_name_len(&rdata[at..]) == Ok(rdata.len() - at)
        {
            self.buf.extend_from_slice(&rdata[..at]);
            self.write_name(&rdata[at..], true);
            return;
        }
        if !layout::compresses(rtype) {
            self.buf.extend_from_slice(rdata);
            return;
        }
        // At most two names (SOA, MINFO). Stored RDATA was checked when it was made;
        // if it is not what the type says, copy it untouched rather than guess.
        let mut spans = [(0usize, 0usize); 2];
        let mut count = 0;
        for name in layout::names(rtype, rdata) {
            match name {
                Ok(n) if count < spans.len() => {
                    spans[count] = (n.range.start, n.range.end);
                    count += 1;
                }
                _ => {
                    self.buf.extend_from_slice(rdata);
                    return;
                }
            }
        }
        let mut start = 0;
        for &(from, to) in &spans[..count] {
            self.buf.extend_from_slice(&rdata[start..from]);
            self.write_name(&rdata[from..to], true);
            start = to;
        }
        self.buf.extend_from_slice(&rdata[start..]);
    }
}

/// Where a [`MessageBuilder`] was: its length, counts and section.
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    len: usize,
    counts: [u16; 4],
    stage: u8,
}

//----------- Compressor -------------------------------------------------------------

/// The compression table of one message: open addressing over `u64` slots, each the
/// upper 48 bits of a suffix's hash and the 16-bit offset where the suffix was written
/// (0: empty; no name starts at offset 0). Slots are removed only newest first (a
/// record rolled back), which keeps every probe chain intact.
#[derive(Debug)]
struct Compressor {
    /// A power of two long, at most half full.
    slots: Vec<u64>,
    /// Indices of the filled slots, oldest first (offsets ascending).
    filled: Vec<u32>,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor {
            slots: vec![0; 32],
            filled: Vec::new(),
        }
    }
}

impl Compressor {
    const TAG: u64 = !0xffff;

    /// The first slot to probe for a hash (its tag bits only, so that a slot's
    /// content gives its position back when the table grows).
    fn index(&self, hash: u64) -> usize {
        ((hash & Self::TAG).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize
            & (self.slots.len() - 1)
    }

    /// Where the suffix `name` (uncompressed wire form, hash `hash`) was written in
    /// `buf`, if it was.
    fn find(&self, hash: u64, name: &[u8], buf: &[u8]) -> Option<u16> {
        let mask = self.slots.len() - 1;
        let mut i = self.index(hash);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if slot & Self::TAG == hash & Self::TAG && name_at(buf, slot as u16 as usize, name) {
                return Some(slot as u16);
            }
            i = (i + 1) & mask;
        }
    }

    /// Remembers that a suffix with hash `hash` starts at `offset`.
    fn insert(&mut self, hash: u64, offset: u16) {
        if 2 * (self.filled.len() + 1) > self.slots.len() {
            let grown = vec![0; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, grown);
            // Re-placed oldest first, so newer entries still probe past older ones.
            for f in 0..self.filled.len() {
                self.filled[f] = self.place(old[self.filled[f] as usize]) as u32;
            }
        }
        let i = self.place(hash & Self::TAG | offset as u64);
        self.filled.push(i as u32);
    }

    /// Puts a slot value into the first free slot of its probe chain.
    fn place(&mut self, slot: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.index(slot);
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        i
    }

    /// Forgets every suffix written at `mark` or later.
    fn forget_from(&mut self, mark: usize) {
        while let Some(&i) = self.filled.last() {
            if (self.slots[i as usize] as u16 as usize) < mark {
                break;
            }
            self.slots[i as usize] = 0;
            self.filled.pop();
        }
    }
}

/// Hashes of every suffix of `wire` that starts at one of `starts` (the labels of the
/// name, in order): FNV-1a over the labels from the root up, so each suffix's hash
/// extends the next shorter one's.
fn suffix_hashes(wire: &[u8], starts: &[u8], out: &mut [u64]) {
    let mut h = FNV_OFFSET;
    for (i, &s) in starts.iter().enumerate().rev() {
        h = fnv_label(h, label_at(wire, s));
        out[i] = finish(h);
    }
}

/// FNV-1a's initial state.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The FNV-1a state after `label` (its length octet included).
fn fnv_label(mut h: u64, label: &[u8]) -> u64 {
    for &b in label {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A suffix's hash from its FNV state (the high bits mixed into the low ones, which
/// pick the table slot).
fn finish(h: u64) -> u64 {
    h ^ (h >> 29)
}

/// Fills `starts` with where the labels of `wire` (an uncompressed name) start, and
/// returns how many there are (the root label not counted).
fn label_starts(wire: &[u8], starts: &mut [u8; 128]) -> usize {
    let mut count = 0usize;
    let mut p = 0usize;
    while p < wire.len() && wire[p] != 0 && count < starts.len() {
        starts[count] = p as u8;
        count += 1;
        p += 1 + wire[p] as usize;
    }
    count
}

/// The label of `wire` starting at `start`, its length octet included (cut short at
/// the end of a malformed name rather than panic).
fn label_at(wire: &[u8], start: u8) -> &[u8] {
    let s = start as usize;
    let end = (s + 1 + wire[s] as usize).min(wire.len());
    &wire[s..end]
}

/// The last owner a [`MessageBuilder`] wrote, for compressing the next one against.
///
/// Records come grouped by owner (an RRset, a node's RRsets) and transfers in
/// canonical order, where the owner just written shares the longest suffix with the
/// next one of all the names before it (in a sorted sequence, the longest common
/// prefix of an element with those before it is with its neighbour; canonical order
/// sorts names by their labels from the root). So the shared labels need no hashing
/// and no lookup: their hash states and their place in the message are kept here.
/// Owners of more than [`OwnerCache::LABELS`] labels or [`OwnerCache::OCTETS`] octets
/// take the general path.
#[derive(Debug)]
struct OwnerCache {
    /// The owner's wire form (`len` octets; 0: nothing cached).
    wire: [u8; OwnerCache::OCTETS],
    len: u8,
    /// Its labels: where each starts in `wire`.
    starts: [u8; OwnerCache::LABELS],
    count: u8,
    /// FNV state of the suffix starting at each label.
    states: [u64; OwnerCache::LABELS],
    /// Where in the message each suffix can be pointed at (0: out of reach).
    at: [u16; OwnerCache::LABELS],
}

impl OwnerCache {
    const LABELS: usize = 8;
    const OCTETS: usize = 64;

    fn new() -> OwnerCache {
        OwnerCache {
            wire: [0; Self::OCTETS],
            len: 0,
            starts: [0; Self::LABELS],
            count: 0,
            states: [0; Self::LABELS],
            at: [0; Self::LABELS],
        }
    }

    fn wire(&self) -> &[u8] {
        &self.wire[..self.len as usize]
    }

    fn clear(&mut self) {
        self.len = 0;
        self.count = 0;
    }

    fn set(&mut self, wire: &[u8], starts: &[u8], states: &[u64], at: &[u16]) {
        let n = starts.len();
        self.wire[..wire.len()].copy_from_slice(wire);
        self.len = wire.len() as u8;
        self.starts[..n].copy_from_slice(starts);
        self.count = n as u8;
        self.states[..n].copy_from_slice(states);
        self.at[..n].copy_from_slice(at);
    }
}

/// True when the name written at `pos` in `buf` (compression pointers followed) is
/// exactly `name` (uncompressed wire form, case included).
fn name_at(buf: &[u8], mut pos: usize, name: &[u8]) -> bool {
    let mut at = 0usize;
    // Pointers written here always point backwards; the bound only guards bugs.
    for _ in 0..256 {
        let Some(&len) = buf.get(pos) else {
            return false;
        };
        if len & 0xc0 == 0xc0 {
            let Some(&low) = buf.get(pos + 1) else {
                return false;
            };
            pos = ((len as usize & 0x3f) << 8) | low as usize;
            continue;
        }
        let len = len as usize;
        if buf.get(pos..pos + 1 + len) != name.get(at..at + 1 + len) {
            return false;
        }
        if len == 0 {
            return true;
        }
        pos += 1 + len;
        at += 1 + len;
    }
    false
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{FLAG_AA, FLAG_QR, Message};
    use crate::zone::Rdata;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn rec(owner: &str, rtype: Rtype, rdata: &[u8]) -> Record {
        Record::new(n(owner), Class::IN, rtype, 300, Rdata::from_wire(rdata))
    }

    fn mx(target: &str) -> Vec<u8> {
        let mut v = vec![0, 10];
        v.extend_from_slice(n(target).as_wire());
        v
    }

    #[test]
    fn round_trip_with_compression() {
        let header = Header {
            id: 7,
            flags: FLAG_QR | FLAG_AA,
            ..Default::default()
        };
        let mut b = MessageBuilder::new(header, 65_535);
        b.question(&n("Example.com."), Rtype::AXFR, Class::IN)
            .unwrap();
        let records = vec![
            rec("example.com.", Rtype::MX, &mx("mail.EXAMPLE.com.")),
            rec(
                "www.example.com.",
                Rtype::CNAME,
                n("example.com.").as_wire(),
            ),
            // SRV is not compressible: its target stays whole.
            rec(
                "_s._tcp.example.com.",
                Rtype::SRV,
                &[&[0, 1, 0, 2, 0, 3][..], n("www.example.com.").as_wire()].concat(),
            ),
        ];
        for r in &records {
            b.push(Section::Answer, r).unwrap();
        }
        b.push_opt(1232, Rcode::NOERROR, false).unwrap();
        let buf = b.finish();
        let msg = Message::parse(&buf).unwrap();
        assert_eq!(msg.header().ancount, 3);
        assert_eq!(msg.header().arcount, 1);
        let back: Vec<Record> = msg.answers().map(|r| r.unwrap()).collect();
        assert_eq!(back, records);
        // Case is kept as written: the MX target keeps "EXAMPLE".
        assert_eq!(back[0].rdata.as_wire(), &mx("mail.EXAMPLE.com.")[..]);
        assert_eq!(back[1].owner.as_wire(), n("www.example.com.").as_wire());
        // Compression happened: shorter than the uncompressed sum.
        let plain: usize = records
            .iter()
            .map(|r| {
                let mut v = Vec::new();
                r.write_wire(&mut v);
                v.len()
            })
            .sum();
        assert!(buf.len() < 12 + 17 + plain, "{} vs {}", buf.len(), plain);
        // The SRV target is written out in full.
        let srv_target = n("www.example.com.");
        assert!(
            buf.windows(srv_target.wire_len())
                .any(|w| w == srv_target.as_wire())
        );
    }

    /// The records of one owner after the first point at its name (2 octets each),
    /// and a rollback forgets where that name was.
    #[test]
    fn an_owner_repeated_is_a_pointer() {
        let mut b = MessageBuilder::new(Header::default(), 65_535);
        let first = rec("host-1.example.com.", Rtype::A, &[192, 0, 2, 1]);
        b.push(Section::Answer, &first).unwrap();
        let one = b.len();
        let second = rec("host-1.example.com.", Rtype::A, &[192, 0, 2, 2]);
        b.push(Section::Answer, &second).unwrap();
        assert_eq!(b.len() - one, 2 + 10 + 4, "owner as a pointer");
        // Same name in another case: written by the general path, still decodes.
        let upper = rec("HOST-1.example.com.", Rtype::A, &[192, 0, 2, 3]);
        b.push(Section::Answer, &upper).unwrap();
        let buf = b.finish();
        let back: Vec<Record> = Message::parse(&buf)
            .unwrap()
            .answers()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(back, [first.clone(), second, upper]);

        // After a rollback, the owner cached may be gone: written anew.
        let mut b = MessageBuilder::new(Header::default(), 64);
        b.push(Section::Answer, &first).unwrap();
        let big = rec("host-1.example.com.", Rtype::TXT, &[5; 40]);
        assert_eq!(b.push(Section::Answer, &big), Err(WireError::Full));
        b.push(Section::Answer, &first).unwrap();
        let buf = b.finish();
        let msg = Message::parse(&buf).unwrap();
        assert!(msg.answers().all(|r| r.is_ok_and(|r| r == first)));
    }

    #[test]
    fn full_rolls_back() {
        let mut b = MessageBuilder::new(Header::default(), 100);
        b.question(&n("example.com."), Rtype::SOA, Class::IN)
            .unwrap();
        let r = rec("a.example.com.", Rtype::TXT, &[10; 40]);
        b.push(Section::Answer, &r).unwrap();
        let len = b.len();
        let r2 = rec("b.example.com.", Rtype::TXT, &[10; 40]);
        assert_eq!(b.push(Section::Answer, &r2), Err(WireError::Full));
        assert_eq!(b.len(), len);
        assert_eq!(b.count(Section::Answer), 1);
        // A small record with a compressed owner still fits, and decodes.
        b.push(
            Section::Answer,
            &rec("a.example.com.", Rtype::A, &[1, 2, 3, 4]),
        )
        .unwrap();
        let buf = b.finish();
        let msg = Message::parse(&buf).unwrap();
        assert_eq!(msg.answers().count(), 2);
        assert!(msg.answers().all(|r| r.is_ok()));
    }

    /// Records as a transfer packs them: into as many messages as it takes, each
    /// record whole in one of them.
    fn pack(records: &[Record], limit: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut b = MessageBuilder::new(Header::default(), limit);
        for r in records {
            if let Err(WireError::Full) = b.push(Section::Answer, r) {
                out.push(
                    std::mem::replace(&mut b, MessageBuilder::new(Header::default(), limit))
                        .finish(),
                );
                b.push(Section::Answer, r).unwrap();
            }
        }
        out.push(b.finish());
        out
    }

    #[test]
    fn owners_in_any_order_round_trip() {
        // Owners sharing suffixes in every way (mixed case, deep names, names longer
        // than the owner cache keeps, the root), in canonical order and shuffled,
        // packed into small messages (records rolled back) and into one big one.
        let labels = ["a", "B", "www", "mail", "x-1", "sub", "A", "deep"];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut names: Vec<Name> = vec![n("."), n("example.com."), n("Example.COM.")];
        for _ in 0..400 {
            let depth = 1 + (next() % 12) as usize;
            let mut text = String::new();
            for _ in 0..depth {
                text.push_str(labels[(next() % labels.len() as u64) as usize]);
                text.push('.');
            }
            if next() % 4 != 0 {
                text.push_str("example.com.");
            }
            names.push(n(&text));
        }
        let mut records = Vec::new();
        for (i, owner) in names.iter().enumerate() {
            let owner = owner.to_string();
            let target = names[(i * 7 + 3) % names.len()].clone();
            records.push(rec(&owner, Rtype::A, &[10, 0, 0, i as u8]));
            match i % 3 {
                0 => records.push(rec(&owner, Rtype::NS, target.as_wire())),
                1 => records.push(rec(&owner, Rtype::MX, &mx(&target.to_string()))),
                _ => {}
            }
        }
        let mut sorted = records.clone();
        sorted.sort_by(|a, b| a.owner.cmp(&b.owner));
        for set in [&records, &sorted] {
            for limit in [200, 700, 65_535] {
                let messages = pack(set, limit);
                let back: Vec<Record> = messages
                    .iter()
                    .flat_map(|m| {
                        let msg = Message::parse(m).unwrap();
                        msg.answers().map(|r| r.unwrap()).collect::<Vec<_>>()
                    })
                    .collect();
                assert_eq!(&back, set, "limit {limit}");
                // Owners are exact: case kept octet for octet.
                assert!(
                    back.iter()
                        .zip(set.iter())
                        .all(|(x, y)| x.owner.as_wire() == y.owner.as_wire())
                );
                assert!(messages.iter().all(|m| m.len() <= limit.max(HEADER_LEN)));
            }
        }
        // Compression against the neighbour loses nothing on sorted owners: the big
        // message is at most what compressing each owner against every name gives.
        let one = pack(&sorted, 65_535).concat();
        let mut general = MessageBuilder::new(Header::default(), 65_535);
        for r in &sorted {
            general.enter(Section::Answer).unwrap();
            let mark = general.buf.len();
            general.write_name(r.owner.as_wire(), true);
            general.buf.extend_from_slice(&[0; 8]);
            let len_at = general.buf.len();
            general.buf.extend_from_slice(&[0; 2]);
            general.write_rdata(r.rtype, r.rdata.as_wire());
            let rdlen = general.buf.len() - len_at - 2;
            general.buf[len_at..len_at + 2].copy_from_slice(&(rdlen as u16).to_be_bytes());
            general.commit_or_rollback(mark, 2).unwrap();
        }
        assert!(one.len() <= general.finish().len());
    }

    #[test]
    fn section_order_enforced() {
        let mut b = MessageBuilder::new(Header::default(), 512);
        b.push(Section::Additional, &rec("a.", Rtype::A, &[1, 2, 3, 4]))
            .unwrap();
        assert_eq!(
            b.push(Section::Answer, &rec("a.", Rtype::A, &[1, 2, 3, 4])),
            Err(WireError::SectionOrder)
        );
        assert_eq!(
            b.question(&n("a."), Rtype::A, Class::IN),
            Err(WireError::SectionOrder)
        );
    }
}
