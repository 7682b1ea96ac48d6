//! A map for the kernel's few, small-keyed collections: the nodes of a run
//! (a handful) and the process groups of a node (two or three).
//!
//! Every step looks up a node and then a process on it. A `BTreeMap` does
//! that with a tree walk and, for `Group` keys, a string comparison against
//! every smaller group on the way; a sorted vector scanned from the front
//! finds a group by its pointer (see `Group`'s `PartialEq`) and a node id in
//! a few integer compares. Iteration is in key order, as the `BTreeMap`'s was.

use std::ops::Index;

/// A map kept as a vector sorted by key; meant for a few entries.
pub(crate) struct Table<K, V> {
    entries: Vec<(K, V)>,
}

impl<K: Ord + Copy, V> Table<K, V> {
    pub(crate) fn new() -> Self {
        Table {
            entries: Vec::new(),
        }
    }

    fn position(&self, key: &K) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    /// Inserts or replaces; returns the value replaced.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.entries.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.position(key)?;
        Some(self.entries.remove(i).1)
    }

    /// The value of `key`, inserted as `default()` if absent.
    pub(crate) fn get_or_insert_with(&mut self, key: K, default: impl FnOnce() -> V) -> &mut V {
        let i = match self.entries.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, default()));
                i
            }
        };
        &mut self.entries[i].1
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The first key after `key` (the first key if `None`) other than
    /// `skip`: a walk over the keys that leaves the table free to borrow.
    pub(crate) fn key_after(&self, key: Option<K>, skip: K) -> Option<K> {
        let start = key.map_or(0, |k| self.entries.partition_point(|(e, _)| *e <= k));
        self.entries[start..]
            .iter()
            .map(|(k, _)| *k)
            .find(|&k| k != skip)
    }
}

impl<K: Ord + Copy, V> Default for Table<K, V> {
    fn default() -> Self {
        Table::new()
    }
}

impl<K: Ord + Copy, V> Index<&K> for Table<K, V> {
    type Output = V;
    fn index(&self, key: &K) -> &V {
        self.get(key).expect("key in table")
    }
}

impl<K, V> IntoIterator for Table<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a Table<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn keeps_key_order_whatever_the_insertion_order() {
        let mut t = Table::new();
        for k in [5, 1, 9, 3] {
            assert_eq!(t.insert(k, k * 10), None);
        }
        assert_eq!(t.insert(3, 31), Some(30));
        assert_eq!(t.keys().copied().collect::<Vec<_>>(), [1, 3, 5, 9]);
        assert_eq!(t.remove(&5), Some(50));
        assert_eq!(t.get(&5), None);
        *t.get_or_insert_with(4, || 0) += 2;
        assert_eq!(t[&4], 2);
        assert_eq!(
            t.into_iter().collect::<Vec<_>>(),
            [(1, 10), (3, 31), (4, 2), (9, 90)]
        );
    }

    #[test]
    fn key_after_walks_the_keys_but_one() {
        let mut t = Table::new();
        for k in [2, 4, 7] {
            t.insert(k, ());
        }
        let walk = |skip| {
            let mut seen = Vec::new();
            let mut next = t.key_after(None, skip);
            while let Some(k) = next {
                seen.push(k);
                next = t.key_after(Some(k), skip);
            }
            seen
        };
        assert_eq!(walk(4), [2, 7]);
        assert_eq!(walk(2), [4, 7]);
        assert_eq!(walk(7), [2, 4]);
        assert_eq!(walk(5), [2, 4, 7]);
    }
}
