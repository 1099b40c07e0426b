//! Encoded answers, kept per zone version: the query hot path copies one and patches
//! ID, flags and the question's case (DESIGN.md §5).
//!
//! A cache belongs to one [`Published`](crate::sync::Published) version, so a new
//! version starts with an empty cache and nothing is ever invalidated. Entries are
//! keyed by everything that shapes the answer's bytes except the message ID, the RD and
//! CD bits and the case of QNAME: lower-cased QNAME, QTYPE, EDNS presence and DO bit,
//! transport (ANY differs), and the size limit. The cache is sharded behind short
//! `std` mutexes (never held across an await) and bounded: once full, answers are
//! still computed, just not kept (a flood of random names cannot grow it).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};

/// Shards (a power of two).
const SHARDS: usize = 16;
/// Most entries per shard.
const MAX_PER_SHARD: usize = 4096;

/// What an encoded answer depends on, besides ID, RD/CD and QNAME case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// QNAME, lower-cased wire form.
    pub qname: Box<[u8]>,
    /// QTYPE.
    pub qtype: u16,
    /// 0 no EDNS, 1 EDNS, 2 EDNS with DO.
    pub edns: u8,
    /// Over TCP.
    pub tcp: bool,
    /// The size limit the answer was built for.
    pub limit: u16,
}

impl CacheKey {
    /// The longest packed key: 6 octets of QTYPE, EDNS, transport and limit, then a
    /// name of up to 255 octets.
    pub const MAX_PACKED: usize = 6 + 255;

    /// Writes the key as the cache stores it (QTYPE, EDNS, transport, limit, QNAME)
    /// into `out`; returns its length. `out` must hold [`CacheKey::MAX_PACKED`] octets.
    pub fn pack(
        qname: &[u8],
        qtype: u16,
        edns: u8,
        tcp: bool,
        limit: u16,
        out: &mut [u8],
    ) -> usize {
        out[..2].copy_from_slice(&qtype.to_be_bytes());
        out[2] = edns;
        out[3] = tcp as u8;
        out[4..6].copy_from_slice(&limit.to_be_bytes());
        out[6..6 + qname.len()].copy_from_slice(qname);
        6 + qname.len()
    }

    fn packed(&self, out: &mut [u8; Self::MAX_PACKED]) -> usize {
        Self::pack(
            &self.qname,
            self.qtype,
            self.edns,
            self.tcp,
            self.limit,
            out,
        )
    }
}

/// One shard: encoded answers by packed key ([`CacheKey::pack`]), so that a lookup
/// needs no allocation.
type Shard = Mutex<HashMap<Box<[u8]>, Arc<[u8]>>>;

/// The per-version answer cache.
#[derive(Debug)]
pub struct AnswerCache {
    hasher: RandomState,
    shards: Box<[Shard]>,
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl AnswerCache {
    fn shard(&self, packed: &[u8]) -> &Shard {
        &self.shards[self.hasher.hash_one(packed) as usize & (SHARDS - 1)]
    }

    /// The encoded answer for `key`, if cached.
    pub fn get(&self, key: &CacheKey) -> Option<Arc<[u8]>> {
        let mut buf = [0u8; CacheKey::MAX_PACKED];
        let len = key.packed(&mut buf);
        let packed = &buf[..len];
        self.shard(packed)
            .lock()
            .expect("cache lock poisoned")
            .get(packed)
            .cloned()
    }

    /// Calls `f` with the encoded answer for the packed key `packed`
    /// ([`CacheKey::pack`]), if cached, under the shard's lock (keep `f` short: a copy).
    pub fn with_packed<R>(&self, packed: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        self.shard(packed)
            .lock()
            .expect("cache lock poisoned")
            .get(packed)
            .map(|answer| f(answer))
    }

    /// Keeps an encoded answer, unless the shard is full.
    pub fn insert(&self, key: CacheKey, answer: Arc<[u8]>) {
        let mut buf = [0u8; CacheKey::MAX_PACKED];
        let len = key.packed(&mut buf);
        let packed = &buf[..len];
        let mut shard = self.shard(packed).lock().expect("cache lock poisoned");
        if shard.len() < MAX_PER_SHARD {
            shard.insert(packed.into(), answer);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &[u8]) -> CacheKey {
        CacheKey {
            qname: q.into(),
            qtype: 1,
            edns: 1,
            tcp: false,
            limit: 1232,
        }
    }

    #[test]
    fn bounded_and_keyed() {
        let c = AnswerCache::default();
        c.insert(key(b"\x01a\x00"), Arc::from(&b"x"[..]));
        assert_eq!(c.get(&key(b"\x01a\x00")).as_deref(), Some(&b"x"[..]));
        assert!(c.get(&key(b"\x01b\x00")).is_none());
        for i in 0..(SHARDS * MAX_PER_SHARD + 100) {
            let name = format!("n{i}");
            let mut w = vec![name.len() as u8];
            w.extend_from_slice(name.as_bytes());
            w.push(0);
            c.insert(key(&w), Arc::from(&b"y"[..]));
        }
        let total: usize = c.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(total <= SHARDS * MAX_PER_SHARD);
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
