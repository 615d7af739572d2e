//! Merkle-tree anti-entropy: two replicas find which keys differ by comparing hashes from the
//! root down, instead of sending every key.
//!
//! Shown in the Replication handbook (`book/src/handbooks/replication.md`).
//!
//! In: a replica's keys with their versioned values, and a tree depth `d`. Keys fall into
//! 2^d buckets by the ring's `hash32` (the top `d` bits), each leaf hashes its bucket, and each
//! inner node hashes its two children. Out: the buckets where two trees differ, the number of
//! hash comparisons that took (1 when the replicas agree; 2d + 1 when one key differs), and a
//! repair that copies the newer version of every key in those buckets both ways.
//!
//! The hash is 64-bit FNV-1a: enough to detect accidental differences in a teaching example.
//! A store that must resist deliberate collisions uses a cryptographic hash.

use std::collections::BTreeMap;

use super::leaderless::Versioned;
use crate::ring::hash32;

/// 64-bit FNV-1a over `bytes`, continuing from `h`.
fn fnv64(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The leaf bucket of `key` in a tree of depth `depth`: the top `depth` bits of its hash.
pub fn bucket_of(key: &str, depth: u32) -> usize {
    if depth == 0 {
        return 0;
    }
    (hash32(key) >> (32 - depth)) as usize
}

// region: tree
/// A complete binary hash tree over 2^depth buckets of keys, stored as an array: node 1 is the
/// root, node `i` has children `2i` and `2i + 1`, and the leaves are nodes 2^depth and up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    depth: u32,
    nodes: Vec<u64>,
}

impl MerkleTree {
    /// Hashes `data` into a tree of depth `depth` (at most 20).
    pub fn build(data: &BTreeMap<String, Versioned>, depth: u32) -> MerkleTree {
        assert!(depth <= 20, "a depth of {depth} means too many buckets");
        let leaves = 1usize << depth;
        let mut nodes = vec![FNV64_OFFSET; 2 * leaves];
        // BTreeMap iterates in key order, so a bucket's hash does not depend on insert order.
        for (key, v) in data {
            let leaf = &mut nodes[leaves + bucket_of(key, depth)];
            *leaf = fnv64(*leaf, key.as_bytes());
            *leaf = fnv64(*leaf, &v.version.to_le_bytes());
            *leaf = fnv64(*leaf, v.value.as_bytes());
            *leaf = fnv64(*leaf, &[0xff]); // separates one entry from the next
        }
        for i in (1..leaves).rev() {
            let children = [nodes[2 * i].to_le_bytes(), nodes[2 * i + 1].to_le_bytes()];
            nodes[i] = fnv64(FNV64_OFFSET, &children.concat());
        }
        MerkleTree { depth, nodes }
    }

    /// The root hash: equal roots mean (up to hash collisions) equal data.
    pub fn root(&self) -> u64 {
        self.nodes[1]
    }

    /// The buckets in which `self` and `other` differ, found by descending only into
    /// subtrees whose hashes differ, and how many pairs of hashes that compared.
    pub fn diff(&self, other: &MerkleTree) -> Diff {
        assert_eq!(self.depth, other.depth, "trees of different shapes");
        let leaves = 1usize << self.depth;
        let mut diff = Diff::default();
        let mut stack = vec![1usize];
        while let Some(i) = stack.pop() {
            diff.comparisons += 1;
            if self.nodes[i] == other.nodes[i] {
                continue; // identical subtree: skip every key under it
            }
            if i >= leaves {
                diff.buckets.push(i - leaves);
            } else {
                stack.extend([2 * i + 1, 2 * i]);
            }
        }
        diff
    }
}

/// What a comparison of two trees found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// The leaf buckets whose hashes differ, in ascending order.
    pub buckets: Vec<usize>,
    /// How many pairs of hashes were compared.
    pub comparisons: usize,
}
// endregion: tree

// region: sync
/// One anti-entropy exchange between replicas `a` and `b`: compare trees, then, in each
/// bucket that differs, give both replicas the newer version of every key there.
/// Returns the comparison and the number of entries copied.
pub fn anti_entropy(
    a: &mut BTreeMap<String, Versioned>,
    b: &mut BTreeMap<String, Versioned>,
    depth: u32,
) -> (Diff, usize) {
    let diff = MerkleTree::build(a, depth).diff(&MerkleTree::build(b, depth));
    let in_diff = |k: &String| diff.buckets.binary_search(&bucket_of(k, depth)).is_ok();
    let keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| in_diff(k))
        .cloned()
        .collect();
    let mut copied = 0;
    for key in keys {
        let newest = match (a.get(&key), b.get(&key)) {
            (Some(x), Some(y)) if x.version >= y.version => x.clone(),
            (Some(x), None) => x.clone(),
            (_, Some(y)) => y.clone(),
            (None, None) => unreachable!("the key came from one of the replicas"),
        };
        for side in [&mut *a, &mut *b] {
            if side.get(&key) != Some(&newest) {
                side.insert(key.clone(), newest.clone());
                copied += 1;
            }
        }
    }
    (diff, copied)
}
// endregion: sync

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(keys: usize) -> BTreeMap<String, Versioned> {
        (0..keys)
            .map(|i| {
                let v = Versioned {
                    value: format!("value-{i}"),
                    version: 1,
                };
                (format!("key-{i}"), v)
            })
            .collect()
    }

    #[test]
    fn equal_data_agrees_at_the_root_after_one_comparison() {
        let (a, b) = (replica(1_000), replica(1_000));
        let (ta, tb) = (MerkleTree::build(&a, 8), MerkleTree::build(&b, 8));
        assert_eq!(ta.root(), tb.root());
        assert_eq!(
            ta.diff(&tb),
            Diff {
                buckets: vec![],
                comparisons: 1
            }
        );
    }

    #[test]
    fn one_changed_key_is_found_in_two_comparisons_per_level() {
        for depth in [4, 8, 10] {
            let a = replica(1_000);
            let mut b = a.clone();
            b.insert(
                "key-517".into(),
                Versioned {
                    value: "new".into(),
                    version: 2,
                },
            );
            let diff = MerkleTree::build(&a, depth).diff(&MerkleTree::build(&b, depth));
            assert_eq!(diff.buckets, vec![bucket_of("key-517", depth)]);
            // The root, then both children at each of `depth` levels: 17 for depth 8,
            // against 1,000 key comparisons without a tree.
            assert_eq!(diff.comparisons, 2 * depth as usize + 1, "depth {depth}");
        }
    }

    #[test]
    fn anti_entropy_finds_exactly_the_differing_buckets_and_repairs_them() {
        let mut a = replica(1_000);
        let mut b = a.clone();
        let changed = ["key-3", "key-400", "key-999"];
        b.insert(
            changed[0].into(),
            Versioned {
                value: "newer".into(),
                version: 2,
            },
        );
        a.insert(
            changed[1].into(),
            Versioned {
                value: "newer".into(),
                version: 2,
            },
        );
        b.remove(changed[2]); // b never received this key
        let depth = 6;
        let mut expected: Vec<usize> = changed.iter().map(|k| bucket_of(k, depth)).collect();
        expected.sort();
        expected.dedup();

        let (diff, copied) = anti_entropy(&mut a, &mut b, depth);
        assert_eq!(diff.buckets, expected);
        assert_eq!(copied, 3);
        assert_eq!(a, b);
        assert_eq!(a["key-3"].version, 2);
        assert_eq!(b["key-400"].version, 2);
        // A second pass finds nothing to do.
        assert_eq!(
            anti_entropy(&mut a, &mut b, depth),
            (
                Diff {
                    buckets: vec![],
                    comparisons: 1
                },
                0
            )
        );
    }

    #[test]
    fn a_different_value_under_the_same_version_is_detected() {
        // The tree compares contents, not just versions: corruption shows up too.
        let a = replica(100);
        let mut b = a.clone();
        b.get_mut("key-5").unwrap().value = "corrupt".into();
        let diff = MerkleTree::build(&a, 5).diff(&MerkleTree::build(&b, 5));
        assert_eq!(diff.buckets, vec![bucket_of("key-5", 5)]);
    }
}
