//! Hit counters of the in-process throttles: fixed windows in sharded maps, pruned of
//! ended windows as they grow.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

const SHARDS: usize = 16;
/// A shard holding more keys than this drops those whose window has ended.
const PRUNE_AT: usize = 4096;

pub struct Windows {
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<String, (i64, u32)>>>,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl Windows {
    /// One more hit of `key` in the window ending at `reset_at`; the hits so far.
    pub fn hit(&self, key: String, reset_at: i64, now: i64) -> u32 {
        let shard = (self.hasher.hash_one(&key) as usize) % SHARDS;
        let mut map = match self.shards[shard].lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= PRUNE_AT && !map.contains_key(&key) {
            map.retain(|_, (end, _)| *end > now);
        }
        let entry = map.entry(key).or_insert((reset_at, 0));
        if entry.0 != reset_at {
            *entry = (reset_at, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_window() {
        let w = Windows::default();
        assert_eq!(w.hit("a".into(), 300, 10), 1);
        assert_eq!(w.hit("a".into(), 300, 11), 2);
        assert_eq!(w.hit("b".into(), 300, 11), 1);
        // A new window starts again at one.
        assert_eq!(w.hit("a".into(), 600, 301), 1);
    }

    #[test]
    fn ended_windows_are_pruned() {
        let w = Windows::default();
        for i in 0..(PRUNE_AT * SHARDS * 2) {
            w.hit(format!("k{i}"), 100, 50);
        }
        // Everything so far ended at 100; new keys after it make room.
        for i in 0..SHARDS * 4 {
            w.hit(format!("n{i}"), 200, 150);
        }
        let total: usize = w.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(total < PRUNE_AT * SHARDS * 2, "{total} keys kept");
    }
}
