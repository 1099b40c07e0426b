//! [`Nodes`]: the owner nodes of one [`ZoneVersion`](super::ZoneVersion), in canonical
//! order, kept in fixed-size shared chunks so that a version made from another shares
//! every chunk the change did not touch.
//!
//! A version holds its nodes as a table of chunks of [`CHUNK`] [`Node`]s (16-octet
//! handles; the last chunk may be shorter); position `i` is
//! `chunks[i / CHUNK][i % CHUNK]`, two dependent loads from a table small enough to
//! stay in cache. The point is the cost of a new
//! version: `apply` of a change that adds or removes no name — the common IXFR, records
//! changed at existing names — copies the chunk table (one reference count per chunk)
//! and rebuilds only the chunks holding a touched node ([`Nodes::with_replaced`]), so a
//! 10-record change to a zone of a million names writes about 6,500 reference counts
//! instead of a million, and dropping the old version later costs as little. A change
//! that adds or removes names shifts the positions after it: the chunks before the
//! first such name are shared, the rest chunked afresh ([`Nodes::with_tail`]).
//!
//! `diff` compares two versions chunk by chunk and skips the chunks they share
//! ([`Nodes::chunks`]), so the diff of two neighbouring versions costs O(change) too.
//!
//! Sits below [`ZoneVersion`](super::ZoneVersion), which owns one `Nodes` and the
//! indexes over its positions; pure data, no I/O.

use std::ops::Index;
use std::sync::Arc;

use super::version::Node;

/// log2 of [`CHUNK`].
const SHIFT: u32 = 8;

/// Nodes per chunk. With 256, a 10-record change to a million-name zone copies ~3,900
/// chunk pointers and ~11 chunks of 256 node pointers (√(n·k)-ish, the minimum of the
/// sum of the two).
pub const CHUNK: usize = 1 << SHIFT;

/// One chunk: [`CHUNK`] nodes, or fewer for the last chunk.
pub type Chunk = Arc<[Node]>;

/// The nodes of a version, in canonical order, the apex first. `Clone` copies the
/// chunk table only.
#[derive(Clone, Debug, Default)]
pub struct Nodes {
    /// Every chunk holds exactly [`CHUNK`] nodes, but the last, which holds 1 to
    /// [`CHUNK`]. No empty chunk.
    chunks: Vec<Chunk>,
    /// Number of nodes.
    len: usize,
}

impl Nodes {
    /// Chunks `nodes` (already in canonical order).
    pub fn from_vec(nodes: Vec<Node>) -> Nodes {
        let len = nodes.len();
        let chunks = nodes.chunks(CHUNK).map(Chunk::from).collect();
        Nodes { chunks, len }
    }

    /// The first `keep` nodes of `head` (a multiple of [`CHUNK`], their chunks
    /// shared), then `tail`.
    ///
    /// # Panics
    /// When `keep` is not a multiple of [`CHUNK`] or more than `head` holds.
    pub fn with_tail(head: &Nodes, keep: usize, tail: Vec<Node>) -> Nodes {
        assert!(
            keep.is_multiple_of(CHUNK) && keep <= head.len,
            "keep {keep} of {}",
            head.len
        );
        let mut chunks = Vec::with_capacity(keep / CHUNK + tail.len().div_ceil(CHUNK));
        chunks.extend(head.chunks[..keep / CHUNK].iter().cloned());
        chunks.extend(tail.chunks(CHUNK).map(Chunk::from));
        Nodes {
            chunks,
            len: keep + tail.len(),
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there is no node.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The node at position `i`.
    pub fn get(&self, i: usize) -> Option<&Node> {
        self.chunks.get(i >> SHIFT)?.get(i & (CHUNK - 1))
    }

    /// The first node (the apex, in a version).
    pub fn first(&self) -> Option<&Node> {
        self.get(0)
    }

    /// Every node, in order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// The nodes from position `start` on.
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        let start = start.min(self.len);
        let (c, o) = (start >> SHIFT, start & (CHUNK - 1));
        let mut chunks = self.chunks[c.min(self.chunks.len())..].iter();
        let current = chunks.next().map_or(&[][..], |chunk| &chunk[o..]);
        Iter {
            chunks,
            current: current.iter(),
            remaining: self.len - start,
        }
    }

    /// The chunks, in order: all [`CHUNK`] long but the last. Two versions whose
    /// chunks at one position are the same `Arc` hold the same nodes there.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// The position of the first node for which `pred` is false, `pred` being true
    /// for a prefix of the nodes and false for the rest (as
    /// [`slice::partition_point`]).
    pub fn partition_point(&self, mut pred: impl FnMut(&Node) -> bool) -> usize {
        // Chunks are never empty, so every chunk has a last node.
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(&mut pred));
        match self.chunks.get(c) {
            Some(chunk) => (c << SHIFT) + chunk.partition_point(|n| pred(n)),
            None => self.len,
        }
    }

    /// These nodes with the node at each given position replaced (positions in any
    /// order, each less than `len`): the chunk table is copied, and each chunk holding
    /// a replaced position is copied once; every other chunk is shared.
    ///
    /// # Panics
    /// When a position is out of range.
    pub fn with_replaced(&self, replacements: impl IntoIterator<Item = (usize, Node)>) -> Nodes {
        let mut chunks = self.chunks.clone();
        for (pos, node) in replacements {
            assert!(pos < self.len, "node position {pos} out of {}", self.len);
            // The first write to a chunk still shared with `self` copies it.
            Arc::make_mut(&mut chunks[pos >> SHIFT])[pos & (CHUNK - 1)] = node;
        }
        Nodes {
            chunks,
            len: self.len,
        }
    }

    /// Octets of the chunk table and the chunks (not the nodes).
    pub fn approx_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<Chunk>()
            + self.chunks.len() * 2 * size_of::<usize>()
            + self.len * size_of::<Node>()
    }
}

impl Index<usize> for Nodes {
    type Output = Node;

    fn index(&self, i: usize) -> &Node {
        &self.chunks[i >> SHIFT][i & (CHUNK - 1)]
    }
}

impl<'a> IntoIterator for &'a Nodes {
    type Item = &'a Node;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over [`Nodes`], in order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    chunks: std::slice::Iter<'a, Chunk>,
    current: std::slice::Iter<'a, Node>,
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Node;

    fn next(&mut self) -> Option<&'a Node> {
        loop {
            if let Some(node) = self.current.next() {
                self.remaining -= 1;
                return Some(node);
            }
            self.current = self.chunks.next()?.iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::version::tests::rr::{a, n, soa};
    use crate::zone::{Class, ZoneVersion};

    /// `count` distinct nodes in canonical order (taken from a version).
    fn sample(count: usize) -> Vec<Node> {
        let mut records = vec![soa("example.", 1)];
        records.extend((1..count).map(|i| a(&format!("h{i:07}.example."), [192, 0, 2, 1])));
        let version = ZoneVersion::from_records(n("example."), Class::IN, records).unwrap();
        version.nodes().iter().cloned().collect()
    }

    #[test]
    fn positions_iteration_and_partition_point_match_a_flat_vector() {
        for count in [1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let flat = sample(count);
            let nodes = Nodes::from_vec(flat.clone());
            assert_eq!(nodes.len(), count);
            assert_eq!(nodes.chunks().len(), count.div_ceil(CHUNK));
            assert!(nodes.chunks().iter().all(|c| !c.is_empty()));
            for (i, node) in flat.iter().enumerate() {
                assert!(nodes[i].same(node), "{count}: {i}");
                assert!(nodes.get(i).unwrap().same(node));
            }
            assert!(nodes.get(count).is_none());
            assert_eq!(nodes.iter().len(), count);
            assert!(nodes.iter().zip(&flat).all(|(x, y)| x.same(y)));
            for start in [0, 1, CHUNK - 1, CHUNK, count - 1, count, count + 5] {
                let from: Vec<_> = nodes.iter_from(start).collect();
                let want = flat.get(start..).unwrap_or(&[]);
                assert_eq!(from.len(), want.len(), "{count} from {start}");
                assert!(from.iter().zip(want).all(|(x, y)| x.same(y)));
            }
            // Every boundary a partition can have, including none and all.
            for cut in 0..=count {
                let pivot = flat.get(cut).map(|n| n.name().clone());
                let got = nodes.partition_point(|n| pivot.as_ref().is_none_or(|p| n.name() < p));
                assert_eq!(got, cut, "{count} at {cut}");
            }
        }
    }

    #[test]
    fn replacing_copies_only_the_touched_chunks() {
        let flat = sample(3 * CHUNK + 17);
        let other = sample(3);
        let nodes = Nodes::from_vec(flat.clone());
        let new =
            nodes.with_replaced([(CHUNK + 5, other[1].clone()), (CHUNK + 6, other[2].clone())]);
        let shared: Vec<bool> = (0..4)
            .map(|c| Arc::ptr_eq(&nodes.chunks()[c], &new.chunks()[c]))
            .collect();
        assert_eq!(shared, [true, false, true, true]);
        assert!(new[CHUNK + 5].same(&other[1]));
        assert!(new[CHUNK + 6].same(&other[2]));
        assert!(new[CHUNK + 7].same(&flat[CHUNK + 7]));
        // The original is untouched.
        assert!(nodes.iter().zip(&flat).all(|(x, y)| x.same(y)));
        let unchanged = nodes.with_replaced([]);
        assert!(
            nodes
                .chunks()
                .iter()
                .zip(unchanged.chunks())
                .all(|(x, y)| Arc::ptr_eq(x, y))
        );
    }

    #[test]
    fn a_tail_after_shared_chunks() {
        let flat = sample(3 * CHUNK + 17);
        let nodes = Nodes::from_vec(flat.clone());
        for keep in [0, CHUNK, 3 * CHUNK] {
            let tail: Vec<_> = flat[keep + 1..].to_vec();
            let new = Nodes::with_tail(&nodes, keep, tail);
            assert_eq!(new.len(), flat.len() - 1);
            assert!(
                new.chunks()
                    .iter()
                    .all(|c| !c.is_empty() && c.len() <= CHUNK)
            );
            assert!(
                new.chunks()[..new.chunks().len() - 1]
                    .iter()
                    .all(|c| c.len() == CHUNK)
            );
            for c in 0..keep / CHUNK {
                assert!(Arc::ptr_eq(&new.chunks()[c], &nodes.chunks()[c]));
            }
            let want = flat[..keep].iter().chain(&flat[keep + 1..]);
            assert!(new.iter().zip(want).all(|(x, y)| x.same(y)));
        }
    }

    #[test]
    #[should_panic(expected = "out of")]
    fn replacing_past_the_end_panics() {
        let nodes = Nodes::from_vec(sample(2));
        let extra = sample(1);
        let _ = nodes.with_replaced([(2, extra[0].clone())]);
    }
}
