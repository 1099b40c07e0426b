//! Encoded answers, kept per zone version: the query hot path copies one and patches
//! ID, flags and the question's case, and appends the request's DNS
//! cookie ([`append_option`]).
//!
//! A cache belongs to one published zone version (`sync::Published` holds it; the
//! server's listeners fill and read it), so a new version starts with an empty cache
//! and nothing is ever invalidated. Entries are
//! keyed by everything that shapes the answer's bytes except the message ID, the RD and
//! CD bits and the case of QNAME: lower-cased QNAME, QTYPE, EDNS presence and DO bit,
//! transport (ANY differs), and the size limit. The cache is sharded behind short
//! `std` mutexes (never held across an await) and bounded by memory
//! ([`CACHE_BYTES`] per zone version): once full, answers are still computed, just
//! not kept (a flood of random names cannot grow it).
//!
//! A lookup hashes the key once (foldhash, randomly seeded, so that names chosen by
//! an attacker do not collide on purpose): the hash picks the shard and finds the
//! entry in it.

use std::hash::BuildHasher;
use std::sync::Mutex;

use hashbrown::HashTable;

/// Shards (a power of two, at most 16: the hash's top four bits pick one).
const SHARDS: usize = 16;
/// Shards of a small zone's cache ([`AnswerCache::for_records`]).
const SMALL_SHARDS: usize = 2;
/// Zones of at most this many records are small: their few answers need no more
/// than [`SMALL_SHARDS`] locks, and a super slave's hundred thousand of them would
/// otherwise hold 16 empty shards each (768 bytes a zone).
const SMALL_ZONE_RECORDS: usize = 64;
/// Memory for cached answers per zone version (keys, answers and bookkeeping): the
/// answers to every name and type of a zone of a few hundred thousand records.
pub const CACHE_BYTES: usize = 64 << 20;
/// Bookkeeping per entry, beyond the key and answer octets (table slot, heap block
/// header, length).
const ENTRY_OVERHEAD: usize = 48;

/// What an encoded answer depends on, besides ID, RD/CD and QNAME case: QTYPE, EDNS
/// (absent, present, present with DO), transport, the size limit and the lower-cased
/// QNAME, packed into one string of octets as the cache stores it. It lives on the
/// stack, so that a lookup does not allocate.
#[derive(Clone)]
pub struct CacheKey {
    /// QTYPE (2 octets), EDNS, transport, limit (2 octets), then the QNAME.
    packed: [u8; CacheKey::MAX_PACKED],
    /// Octets of `packed` used.
    len: usize,
}

impl CacheKey {
    /// The longest packed key: 6 octets of QTYPE, EDNS, transport and limit, then a
    /// name of up to 255 octets.
    pub const MAX_PACKED: usize = 6 + 255;
    /// Where the QNAME starts in the packed key.
    const NAME_AT: usize = 6;

    /// The key for an answer to `qname` (uncompressed wire form, any case: it is
    /// lower-cased here) and `qtype`, with `edns` 0 (no OPT), 1 (OPT) or 2 (OPT with
    /// DO), over TCP or not, built for `limit` octets. `None` when `qname` is longer
    /// than a name can be.
    pub fn new(qname: &[u8], qtype: u16, edns: u8, tcp: bool, limit: u16) -> Option<CacheKey> {
        let len = Self::NAME_AT + qname.len();
        if len > Self::MAX_PACKED {
            return None;
        }
        let mut packed = [0u8; Self::MAX_PACKED];
        packed[..2].copy_from_slice(&qtype.to_be_bytes());
        packed[2] = edns;
        packed[3] = tcp as u8;
        packed[4..6].copy_from_slice(&limit.to_be_bytes());
        for (dst, src) in packed[Self::NAME_AT..len].iter_mut().zip(qname) {
            *dst = src.to_ascii_lowercase();
        }
        Some(CacheKey { packed, len })
    }

    /// The QNAME, lower-cased wire form (what the zone table is searched with).
    pub fn qname(&self) -> &[u8] {
        &self.packed[Self::NAME_AT..self.len]
    }

    /// QTYPE.
    pub fn qtype(&self) -> u16 {
        u16::from_be_bytes([self.packed[0], self.packed[1]])
    }

    /// The size limit the answer is built for.
    pub fn limit(&self) -> u16 {
        u16::from_be_bytes([self.packed[4], self.packed[5]])
    }

    /// The key as the cache stores it.
    fn as_bytes(&self) -> &[u8] {
        &self.packed[..self.len]
    }
}

impl PartialEq for CacheKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for CacheKey {}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheKey")
            .field("qname", &self.qname())
            .field("qtype", &self.qtype())
            .field("edns", &self.packed[2])
            .field("tcp", &(self.packed[3] != 0))
            .field("limit", &self.limit())
            .finish()
    }
}

/// One cached answer: its packed key ([`CacheKey`]) and the message, in one
/// allocation (`[key length: u16][key][answer]`), so that a lookup touches one
/// block of memory, not two.
#[derive(Debug)]
struct Entry {
    data: Box<[u8]>,
}

impl Entry {
    fn new(key: &[u8], answer: &[u8]) -> Entry {
        let mut data = Vec::with_capacity(2 + key.len() + answer.len());
        data.extend_from_slice(&(key.len() as u16).to_le_bytes());
        data.extend_from_slice(key);
        data.extend_from_slice(answer);
        Entry {
            data: data.into_boxed_slice(),
        }
    }

    fn key_len(&self) -> usize {
        u16::from_le_bytes([self.data[0], self.data[1]]) as usize
    }

    fn key(&self) -> &[u8] {
        &self.data[2..2 + self.key_len()]
    }

    fn answer(&self) -> &[u8] {
        &self.data[2 + self.key_len()..]
    }
}

/// One shard: entries by the hash of their packed key, and the memory they take.
#[derive(Debug, Default)]
struct Shard {
    table: HashTable<Entry>,
    bytes: usize,
}

/// The per-version answer cache.
#[derive(Debug)]
pub struct AnswerCache {
    hasher: foldhash::fast::RandomState,
    shards: Box<[Mutex<Shard>]>,
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache::with_shards(SHARDS)
    }
}

impl AnswerCache {
    /// The cache of a zone version of `records` records: fewer shards for a small
    /// zone.
    pub fn for_records(records: usize) -> AnswerCache {
        AnswerCache::with_shards(shards_for(records))
    }

    fn with_shards(n: usize) -> AnswerCache {
        debug_assert!(n.is_power_of_two() && n <= SHARDS);
        AnswerCache {
            hasher: foldhash::fast::RandomState::default(),
            shards: (0..n).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    /// The hash of a packed key and the shard it lives in (the top bits pick the
    /// shard, the table uses them all).
    fn locate(&self, packed: &[u8]) -> (u64, &Mutex<Shard>) {
        let hash = self.hasher.hash_one(packed);
        (
            hash,
            &self.shards[(hash >> 60) as usize & (self.shards.len() - 1)],
        )
    }

    /// Calls `f` with the encoded answer for `key`, if cached, under the shard's
    /// lock (keep `f` short: a copy).
    pub fn with<R>(&self, key: &CacheKey, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let packed = key.as_bytes();
        let (hash, shard) = self.locate(packed);
        let shard = shard.lock().expect("cache lock poisoned");
        shard
            .table
            .find(hash, |e| e.key() == packed)
            .map(|e| f(e.answer()))
    }

    /// Keeps an encoded answer, unless its shard's share of [`CACHE_BYTES`] is used.
    pub fn insert(&self, key: &CacheKey, answer: &[u8]) {
        let packed = key.as_bytes();
        let (hash, shard) = self.locate(packed);
        let cost = packed.len() + answer.len() + ENTRY_OVERHEAD;
        let mut shard = shard.lock().expect("cache lock poisoned");
        if shard.bytes + cost > CACHE_BYTES / self.shards.len() {
            return;
        }
        if shard.table.find(hash, |e| e.key() == packed).is_some() {
            return;
        }
        shard.bytes += cost;
        let hasher = &self.hasher;
        shard
            .table
            .insert_unique(hash, Entry::new(packed, answer), |e| {
                hasher.hash_one(e.key())
            });
    }

    /// Entries held (tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap().table.len())
            .sum()
    }
}

/// The shards of the cache of a zone version of `records` records.
fn shards_for(records: usize) -> usize {
    if records <= SMALL_ZONE_RECORDS {
        SMALL_SHARDS
    } else {
        SHARDS
    }
}

/// Turns a cached answer into the answer to `query`: the query's ID, RD and CD bits,
/// and its QNAME bytes (same length, so compression pointers stay valid).
/// Returns `None` when the query's QNAME does not sit where the cached one does.
pub fn personalize(cached: &[u8], query: &[u8], qname_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(cached.len());
    personalize_into(cached, query, qname_len, &mut out).then_some(out)
}

/// [`personalize`] into `out` (cleared first), without allocating when `out` has the
/// room. Returns false (and leaves `out` empty) when `personalize` would return `None`.
pub fn personalize_into(cached: &[u8], query: &[u8], qname_len: usize, out: &mut Vec<u8>) -> bool {
    out.clear();
    let end = 12 + qname_len;
    if cached.len() < end || query.len() < end {
        return false;
    }
    out.extend_from_slice(cached);
    out[0] = query[0];
    out[1] = query[1];
    // RD is bit 0 of byte 2; CD is bit 4 of byte 3.
    out[2] = (out[2] & !0x01) | (query[2] & 0x01);
    out[3] = (out[3] & !0x10) | (query[3] & 0x10);
    out[12..end].copy_from_slice(&query[12..end]);
    true
}

/// Appends `option` (encoded: code, length, data) to the OPT that ends `msg`, as
/// the answer to one request carries it (its DNS cookie): the cached answer's OPT
/// is the last record and has no options (answers that carry options per response
/// are never cached), so the option goes at the end and the OPT's RDLENGTH grows.
/// The cached answer was built for a size limit that leaves the option its room
/// (`server::request::cacheable`). Returns false, `msg` untouched, when `msg` does
/// not end in such an OPT.
pub fn append_option(msg: &mut Vec<u8>, option: &[u8]) -> bool {
    let n = msg.len();
    // An OPT without RDATA: root owner, TYPE 41, CLASS, TTL, RDLENGTH 0.
    if n < 12 + 11 || msg[10..12] == [0, 0] || option.len() > u16::MAX as usize {
        return false;
    }
    let opt = &msg[n - 11..];
    if opt[..3] != [0, 0, 41] || opt[9..] != [0, 0] {
        return false;
    }
    msg[n - 2..].copy_from_slice(&(option.len() as u16).to_be_bytes());
    msg.extend_from_slice(option);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &[u8]) -> CacheKey {
        CacheKey::new(q, 1, 1, false, 1232).unwrap()
    }

    #[test]
    fn small_zones_have_fewer_shards() {
        for (records, shards) in [(0, 2), (7, 2), (64, 2), (65, 16), (1_000_000, 16)] {
            assert_eq!(shards_for(records), shards, "{records}");
            assert_eq!(AnswerCache::for_records(records).shards.len(), shards);
        }
    }

    #[test]
    fn bounded_and_keyed() {
        for c in [AnswerCache::default(), AnswerCache::for_records(7)] {
            bounded_and_keyed_with(c);
        }
    }

    fn bounded_and_keyed_with(c: AnswerCache) {
        let get = |k: &[u8]| c.with(&key(k), |a| a.to_vec());
        c.insert(&key(b"\x01a\x00"), b"x");
        assert_eq!(get(b"\x01a\x00").as_deref(), Some(&b"x"[..]));
        assert!(get(b"\x01b\x00").is_none());
        // Answers of 1 KiB: the memory bound stops the cache near CACHE_BYTES.
        let answer = vec![7u8; 1024];
        // Packed keys here are 10 to 16 octets.
        let (most, least) = (
            CACHE_BYTES / (1024 + 10 + ENTRY_OVERHEAD),
            CACHE_BYTES / (1024 + 16 + ENTRY_OVERHEAD),
        );
        for i in 0..most + 5000 {
            let name = format!("n{i}");
            let mut w = vec![name.len() as u8];
            w.extend_from_slice(name.as_bytes());
            w.push(0);
            c.insert(&key(&w), &answer);
        }
        assert!(c.len() <= most + 1, "{} entries", c.len());
        assert!(c.len() > least * 9 / 10, "{} entries", c.len());
        // What was kept is still found.
        assert_eq!(get(b"\x01a\x00").as_deref(), Some(&b"x"[..]));
    }

    #[test]
    fn keys_are_lower_case_and_on_the_stack() {
        let k = CacheKey::new(b"\x03WwW\x07Example\x00", 28, 2, true, 65_535).unwrap();
        assert_eq!(k.qname(), b"\x03www\x07example\x00");
        assert_eq!((k.qtype(), k.limit()), (28, 65_535));
        assert_eq!(
            k,
            CacheKey::new(b"\x03www\x07example\x00", 28, 2, true, 65_535).unwrap()
        );
        // Each part of the key tells answers apart.
        for other in [
            CacheKey::new(b"\x03www\x07example\x00", 1, 2, true, 65_535),
            CacheKey::new(b"\x03www\x07example\x00", 28, 1, true, 65_535),
            CacheKey::new(b"\x03www\x07example\x00", 28, 2, false, 65_535),
            CacheKey::new(b"\x03www\x07example\x00", 28, 2, true, 1232),
            CacheKey::new(b"\x03ww\x07example\x00", 28, 2, true, 65_535),
        ] {
            assert_ne!(other.unwrap(), k);
        }
        // Longer than a name can be.
        assert!(CacheKey::new(&[1u8; 256], 1, 0, false, 512).is_none());
        assert!(CacheKey::new(&[1u8; 255], 1, 0, false, 512).is_some());
    }

    #[test]
    fn an_option_goes_into_the_closing_opt() {
        let mut m = vec![0u8, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 1];
        m.extend_from_slice(b"\x01a\x00\x00\x01\x00\x01");
        let without = m.clone();
        m.extend_from_slice(&[0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 0]);
        let mut with = m.clone();
        assert!(append_option(&mut with, &[0, 10, 0, 2, 7, 7]));
        assert_eq!(&with[..m.len() - 2], &m[..m.len() - 2]);
        assert_eq!(&with[m.len() - 2..], &[0, 6, 0, 10, 0, 2, 7, 7]);
        // Already with options, without OPT, or without ADDITIONAL: left alone.
        let mut again = with.clone();
        assert!(!append_option(&mut again, &[0, 10, 0, 0]));
        assert_eq!(again, with);
        let mut bare = without.clone();
        bare[11] = 0;
        assert!(!append_option(&mut bare, &[0, 10, 0, 0]));
        let mut no_ar = m.clone();
        no_ar[11] = 0;
        assert!(!append_option(&mut no_ar, &[0, 10, 0, 0]));
    }

    #[test]
    fn personalize_patches_id_flags_and_case() {
        let mut cached = vec![0u8, 0, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        cached.extend_from_slice(b"\x03www\x00\x00\x01\x00\x01");
        let mut query = vec![0xab, 0xcd, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0];
        query.extend_from_slice(b"\x03WwW\x00\x00\x01\x00\x01");
        let out = personalize(&cached, &query, 5).unwrap();
        assert_eq!(&out[..4], &[0xab, 0xcd, 0x85, 0x10]);
        assert_eq!(&out[12..17], b"\x03WwW\x00");
    }
}
