//! A set of node ids as a bitmask: the processor sets that joins carry and
//! gathering compares (totemsrp's `memb_list`s).
//!
//! Node ids are small integers (a cluster has at most 64 nodes, numbered
//! from 1), so a set is one `u128`: copying, comparing and merging sets,
//! which gathering does on every join, allocate nothing. It iterates and
//! serialises in ascending id order, exactly as the `BTreeSet<NodeId>` it
//! replaces did, so traces are unchanged.

use std::fmt;

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use sim::NodeId;

/// A set of node ids below [`NodeSet::CAPACITY`].
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct NodeSet(u128);

impl NodeSet {
    /// Node ids must be below this to fit a set.
    pub const CAPACITY: u32 = u128::BITS;

    /// The empty set.
    pub const EMPTY: NodeSet = NodeSet(0);

    #[inline]
    fn bit(n: NodeId) -> u128 {
        assert!(
            n.0 < Self::CAPACITY,
            "node id {n} does not fit a NodeSet (at most {} nodes)",
            Self::CAPACITY - 1
        );
        1 << n.0
    }

    /// The set of `n` alone.
    #[inline]
    pub fn one(n: NodeId) -> NodeSet {
        NodeSet(Self::bit(n))
    }

    /// Whether `n` is in the set.
    #[inline]
    pub fn contains(self, n: NodeId) -> bool {
        // One 64-bit half, then one bit of it: cheaper than a 128-bit
        // shift, and knet asks for every packet.
        let half = match n.0 {
            0..64 => self.0 as u64,
            64..128 => (self.0 >> 64) as u64,
            _ => return false,
        };
        (half >> (n.0 % 64)) & 1 != 0
    }

    /// Adds `n`.
    #[inline]
    pub fn insert(&mut self, n: NodeId) {
        self.0 |= Self::bit(n);
    }

    /// The nodes in either set.
    #[inline]
    pub fn union(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 | other.0)
    }

    /// The nodes of this set that are not in `other`.
    #[inline]
    pub fn minus(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & !other.0)
    }

    /// This set without `n`.
    #[inline]
    pub fn without(self, n: NodeId) -> NodeSet {
        if n.0 < Self::CAPACITY {
            NodeSet(self.0 & !(1 << n.0))
        } else {
            self
        }
    }

    /// How many nodes.
    #[inline]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lowest id, if any.
    #[inline]
    pub fn first(self) -> Option<NodeId> {
        (self.0 != 0).then(|| NodeId(self.0.trailing_zeros()))
    }

    /// The ids in ascending order.
    #[inline]
    pub fn iter(self) -> Iter {
        Iter(self.0)
    }
}

/// The ids of a [`NodeSet`], lowest first.
#[derive(Clone, Debug)]
pub struct Iter(u128);

impl Iterator for Iter {
    type Item = NodeId;

    #[inline]
    fn next(&mut self) -> Option<NodeId> {
        if self.0 == 0 {
            return None;
        }
        let n = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(NodeId(n))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter {}

impl IntoIterator for NodeSet {
    type Item = NodeId;
    type IntoIter = Iter;

    fn into_iter(self) -> Iter {
        self.iter()
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(iter: I) -> NodeSet {
        let mut set = NodeSet::EMPTY;
        for n in iter {
            set.insert(n);
        }
        set
    }
}

impl<const N: usize> From<[NodeId; N]> for NodeSet {
    fn from(ids: [NodeId; N]) -> NodeSet {
        ids.into_iter().collect()
    }
}

/// As a `BTreeSet` prints: `{1, 2}`.
impl fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// As a `BTreeSet` serialises: a sequence of ids, ascending.
impl Serialize for NodeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for n in self.iter() {
            seq.serialize_element(&n)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_set_iterates_prints_and_serialises_as_a_btreeset() {
        let ids = [NodeId(5), NodeId(1), NodeId(64), NodeId(3)];
        let set: NodeSet = ids.into();
        let tree: BTreeSet<NodeId> = ids.into();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            tree.iter().copied().collect::<Vec<_>>()
        );
        assert_eq!(format!("{set:?}"), format!("{tree:?}"));
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            serde_json::to_string(&tree).unwrap()
        );
        assert_eq!(set.len(), 4);
        assert_eq!(set.first(), Some(NodeId(1)));
        assert_eq!(NodeSet::EMPTY.first(), None);
    }

    #[test]
    fn set_operations() {
        let a: NodeSet = [NodeId(1), NodeId(2), NodeId(3)].into();
        let b: NodeSet = [NodeId(3), NodeId(4)].into();
        assert_eq!(
            a.union(b),
            [NodeId(1), NodeId(2), NodeId(3), NodeId(4)].into()
        );
        assert_eq!(a.minus(b), [NodeId(1), NodeId(2)].into());
        assert_eq!(a.without(NodeId(2)), [NodeId(1), NodeId(3)].into());
        assert!(a.contains(NodeId(2)) && !a.contains(NodeId(4)));
        assert!(!a.contains(NodeId(500)));
    }
}
