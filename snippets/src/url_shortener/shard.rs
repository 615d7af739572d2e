//! Sharding the mappings by a hash of the code, and custom aliases as conditional inserts.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 6.
//!
//! In: a short code and the number of shards.
//! Out: the shard that owns the code: FNV-1a 64 of the code's bytes, mixed by a finaliser,
//! modulo the number of shards. A
//! [`ShardedStore`] keeps one map per shard and inserts a code only if it is absent, so two
//! users racing for the same custom alias get one success and one [`AliasTaken`] error.

use super::Link;
use super::cache::Backend;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;

// region: route
/// FNV-1a, 64-bit: a simple hash whose output is the same on every machine and every Rust
/// release (unlike `std`'s `DefaultHasher`), which routing needs.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325; // offset basis
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3); // FNV prime
    }
    hash
}

/// A finaliser (SplitMix64's) so every output bit depends on every input bit. FNV-1a alone
/// barely changes its high bits when only the last character changes, which skews
/// sequential codes (a test below measures it).
const fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The shard, in `0..shards`, that owns `code`.
///
/// ```
/// use snippets::url_shortener::shard::shard_for;
///
/// let shard = shard_for("aZ3kQ9x", 16);
/// assert!(shard < 16);
/// assert_eq!(shard, shard_for("aZ3kQ9x", 16)); // same answer on every server
/// ```
pub fn shard_for(code: &str, shards: usize) -> usize {
    (finalize(fnv1a64(code.as_bytes())) % shards as u64) as usize
}
// endregion: route

/// A custom alias that someone else already owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasTaken {
    /// The code that was asked for.
    pub code: String,
}

impl fmt::Display for AliasTaken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the short code {:?} is already taken", self.code)
    }
}

impl std::error::Error for AliasTaken {}

/// The URL store split into shards; each shard is a map from code to link.
#[derive(Debug, Clone)]
pub struct ShardedStore {
    shards: Vec<BTreeMap<String, Link>>,
}

impl ShardedStore {
    /// A store with `shards` empty shards.
    pub fn new(shards: usize) -> ShardedStore {
        assert!(shards > 0, "a store needs at least one shard");
        ShardedStore {
            shards: vec![BTreeMap::new(); shards],
        }
    }

    // region: insert
    /// Stores `link` under `code` only if the code is free: the `IF NOT EXISTS` of a
    /// conditional put, decided on the one shard that owns the code.
    ///
    /// ```
    /// use snippets::url_shortener::Link;
    /// use snippets::url_shortener::shard::{AliasTaken, ShardedStore};
    ///
    /// let mut store = ShardedStore::new(8);
    /// assert!(store.insert_if_absent("launch", Link::new("https://a.example")).is_ok());
    /// let second = store.insert_if_absent("launch", Link::new("https://b.example"));
    /// assert_eq!(second, Err(AliasTaken { code: "launch".into() }));
    /// assert_eq!(store.get("launch").unwrap().long_url, "https://a.example");
    /// ```
    pub fn insert_if_absent(&mut self, code: &str, link: Link) -> Result<(), AliasTaken> {
        let shard = shard_for(code, self.shards.len());
        match self.shards[shard].entry(code.to_string()) {
            Entry::Vacant(slot) => {
                slot.insert(link);
                Ok(())
            }
            Entry::Occupied(_) => Err(AliasTaken {
                code: code.to_string(),
            }),
        }
    }
    // endregion: insert

    /// The link stored under `code`, read from its shard only.
    pub fn get(&self, code: &str) -> Option<&Link> {
        self.shards[shard_for(code, self.shards.len())].get(code)
    }

    /// Marks `code` as taken down. Returns whether the code existed.
    pub fn disable(&mut self, code: &str) -> bool {
        let shard = shard_for(code, self.shards.len());
        self.shards[shard]
            .get_mut(code)
            .map(|link| link.disabled = true)
            .is_some()
    }

    /// How many codes each shard holds.
    pub fn shard_sizes(&self) -> Vec<usize> {
        self.shards.iter().map(BTreeMap::len).collect()
    }
}

impl Backend for ShardedStore {
    fn load(&mut self, code: &str) -> Option<Link> {
        self.get(code).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::base62::encode;
    use crate::url_shortener::scramble::Scrambler;
    use crate::url_shortener::test_rng::SplitMix64;

    /// Largest shard size divided by the mean.
    fn max_over_mean(codes: impl Iterator<Item = String>, shards: usize) -> f64 {
        let mut counts = vec![0u64; shards];
        let mut total = 0u64;
        for code in codes {
            counts[shard_for(&code, shards)] += 1;
            total += 1;
        }
        *counts.iter().max().unwrap() as f64 / (total as f64 / shards as f64)
    }

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    // 1M keys over 16 shards is 62,500 per shard on average; a uniform hash gives a
    // standard deviation of sqrt(62,500 × 15/16) ≈ 242 keys (0.39%), so the fullest of 16
    // shards is typically about 2 sigma high. The bound max/mean ≤ 1.02 is over 5 sigma.
    const BOUND: f64 = 1.02;

    #[test]
    fn random_codes_spread_evenly_over_16_shards() {
        let mut rng = SplitMix64::new(1);
        let codes = (0..1_000_000).map(|_| encode(rng.next_u64() % 62u64.pow(7)));
        let ratio = max_over_mean(codes, 16);
        assert!(ratio <= BOUND, "max/mean = {ratio}");
    }

    #[test]
    fn sequential_and_scrambled_codes_spread_evenly_too() {
        // Codes straight from a counter share long prefixes; the hash must not care.
        let ratio = max_over_mean((0..1_000_000).map(encode), 16);
        assert!(ratio <= BOUND, "sequential: max/mean = {ratio}");
        let s = Scrambler::new(62u64.pow(7), 7);
        let ratio = max_over_mean((0..1_000_000).map(|id| encode(s.scramble(id))), 16);
        assert!(ratio <= BOUND, "scrambled: max/mean = {ratio}");
    }

    #[test]
    fn without_the_finaliser_fnv_high_bits_skew_sequential_codes() {
        // The check above can fail: route by FNV-1a's top bits alone and the fullest of 16
        // shards gets about 1.3 times its share of a million sequential codes.
        let mut counts = [0u64; 16];
        for id in 0..1_000_000 {
            counts[(fnv1a64(encode(id).as_bytes()) >> 60) as usize] += 1;
        }
        let ratio = *counts.iter().max().unwrap() as f64 / 62_500.0;
        assert!(ratio > 1.2, "max/mean = {ratio}");
    }

    #[test]
    fn range_partitioning_by_id_would_send_every_new_write_to_one_shard() {
        // The mistake stage 6 warns about, measured: split 0..62^7 into 16 equal ranges and
        // the next million IDs from a counter all land in range 0.
        let width = 62u64.pow(7).div_ceil(16);
        let ranges: std::collections::BTreeSet<u64> =
            (0..1_000_000u64).map(|id| id / width).collect();
        assert_eq!(ranges.len(), 1);
    }

    #[test]
    fn a_custom_alias_has_exactly_one_owner_whoever_asks_first() {
        for first in [0, 1] {
            let mut store = ShardedStore::new(4);
            let wants = ["https://alice.example", "https://bob.example"];
            let order = [first, 1 - first];
            let results: Vec<_> = order
                .iter()
                .map(|&who| store.insert_if_absent("sale", Link::new(wants[who])))
                .collect();
            assert!(results[0].is_ok());
            assert_eq!(
                results[1],
                Err(AliasTaken {
                    code: "sale".into()
                })
            );
            assert_eq!(store.get("sale").unwrap().long_url, wants[first]);
            assert_eq!(store.shard_sizes().iter().sum::<usize>(), 1);
        }
    }

    #[test]
    fn every_code_lives_on_exactly_the_shard_it_routes_to() {
        let mut store = ShardedStore::new(8);
        for id in 0..5_000 {
            store
                .insert_if_absent(&encode(id), Link::new("https://example.com"))
                .unwrap();
        }
        for id in 0..5_000 {
            let code = encode(id);
            let owner = shard_for(&code, 8);
            for (i, shard) in store.shards.iter().enumerate() {
                assert_eq!(shard.contains_key(&code), i == owner);
            }
        }
        assert!(store.disable("0"));
        assert!(!store.disable("not-a-code"));
        assert_eq!(
            AliasTaken { code: "x".into() }.to_string(),
            "the short code \"x\" is already taken"
        );
    }
}
