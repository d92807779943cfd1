//! The engine's in-flight entries (requests on the wire, timers, deadlines), keyed by id.
//!
//! A vector, not a `BTreeMap`: a run has at most a few entries in flight, and each B-tree key
//! type added its own copy of the tree's code to the page's wasm. Only look-up by key is
//! needed; nothing iterates in key order.

#[derive(Debug)]
pub(super) struct Table<K, V>(Vec<(K, V)>);

impl<K: PartialEq, V> Table<K, V> {
    pub(super) fn new() -> Self {
        Table(Vec::new())
    }

    /// Sets the entry of `key` (replacing an earlier one).
    pub(super) fn insert(&mut self, key: K, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    /// Takes the entry of `key` out, if there is one.
    pub(super) fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.swap_remove(i).1)
    }

    /// Keeps only the entries for which `keep` holds.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn insert_replaces_remove_takes_retain_filters() {
        let mut t = Table::new();
        t.insert(1, "a");
        t.insert(2, "b");
        t.insert(1, "c");
        t.insert(3, "d");
        assert_eq!(t.remove(&1), Some("c"));
        assert_eq!(t.remove(&1), None);
        t.retain(|_, v| *v != "b");
        assert_eq!(t.remove(&2), None);
        assert_eq!(t.remove(&3), Some("d"));
    }
}
