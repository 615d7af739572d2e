//! Cache-aside for the redirect path, with a TTL on every entry and negative caching.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 5.
//!
//! In: a code to resolve, the current time in milliseconds, and the [`Backend`] (the sharded
//! store) to read on a miss.
//! Out: the [`Link`] or `None`. A found link is cached for the positive TTL; a code the store
//! does not know is cached as absent for the (shorter) negative TTL, so a scanner probing
//! unknown codes reaches the store at most once per code per negative TTL.
//!
//! Eviction under memory pressure (LRU) is left out to keep the TTL logic in view; the
//! Distributed Cache chapter covers it.

use super::Link;
use std::collections::HashMap;

/// Where the cache reads on a miss: the database, or a test double that counts reads.
pub trait Backend {
    /// The link stored under `code`, if there is one.
    fn load(&mut self, code: &str) -> Option<Link>;
}

/// A cached answer: the link, or the fact that there is none. Both expire.
#[derive(Debug, Clone)]
struct Entry {
    link: Option<Link>,
    expires_at_ms: u64,
}

/// The redirect cache, in front of the store.
#[derive(Debug, Clone)]
pub struct RedirectCache {
    entries: HashMap<String, Entry>,
    positive_ttl_ms: u64,
    negative_ttl_ms: u64,
}

impl RedirectCache {
    /// A cache that keeps found links for `positive_ttl_ms` and absences for
    /// `negative_ttl_ms`.
    pub fn new(positive_ttl_ms: u64, negative_ttl_ms: u64) -> RedirectCache {
        RedirectCache {
            entries: HashMap::new(),
            positive_ttl_ms,
            negative_ttl_ms,
        }
    }

    // region: get
    /// Cache-aside read: answer from the cache while the entry is fresh, otherwise load
    /// from `backend` and remember the answer, including "no such code".
    ///
    /// ```
    /// use snippets::url_shortener::Link;
    /// use snippets::url_shortener::cache::{Backend, RedirectCache};
    ///
    /// struct Db(u32); // counts reads
    /// impl Backend for Db {
    ///     fn load(&mut self, code: &str) -> Option<Link> {
    ///         self.0 += 1;
    ///         (code == "abc").then(|| Link::new("https://example.com"))
    ///     }
    /// }
    ///
    /// let (mut cache, mut db) = (RedirectCache::new(60_000, 5_000), Db(0));
    /// assert!(cache.get("abc", 0, &mut db).is_some()); // miss: read the store
    /// assert!(cache.get("abc", 1, &mut db).is_some()); // hit
    /// assert!(cache.get("zzz", 2, &mut db).is_none()); // miss, and remember the absence
    /// assert!(cache.get("zzz", 3, &mut db).is_none()); // negative hit
    /// assert_eq!(db.0, 2);
    /// ```
    pub fn get(&mut self, code: &str, now_ms: u64, backend: &mut impl Backend) -> Option<Link> {
        if let Some(entry) = self.entries.get(code)
            && now_ms < entry.expires_at_ms
        {
            return entry.link.clone(); // fresh: a hit, positive or negative
        }
        let link = backend.load(code);
        let ttl = if link.is_some() {
            self.positive_ttl_ms
        } else {
            self.negative_ttl_ms
        };
        let expires_at_ms = now_ms.saturating_add(ttl);
        self.entries.insert(
            code.to_string(),
            Entry {
                link: link.clone(),
                expires_at_ms,
            },
        );
        link
    }
    // endregion: get

    /// Forgets `code`. Call it when a code is created (it may be cached as absent),
    /// disabled or deleted, so the next read goes to the store.
    pub fn invalidate(&mut self, code: &str) {
        self.entries.remove(code);
    }

    /// Drops every expired entry. A real cache does this lazily and by sampling; here it
    /// lets tests check that memory does not grow with codes nobody asks for again.
    pub fn purge_expired(&mut self, now_ms: u64) {
        self.entries.retain(|_, entry| now_ms < entry.expires_at_ms);
    }

    /// The number of entries held, fresh or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;
    use std::collections::BTreeMap;

    /// A store that records every read with its time.
    #[derive(Default)]
    struct CountingStore {
        links: BTreeMap<String, Link>,
        reads: Vec<(String, u64)>,
        now_ms: u64,
    }

    impl Backend for CountingStore {
        fn load(&mut self, code: &str) -> Option<Link> {
            self.reads.push((code.to_string(), self.now_ms));
            self.links.get(code).cloned()
        }
    }

    fn store_with(codes: &[&str]) -> CountingStore {
        let mut store = CountingStore::default();
        for code in codes {
            store.links.insert(
                code.to_string(),
                Link::new(&format!("https://example.com/{code}")),
            );
        }
        store
    }

    #[test]
    fn hit_miss_and_expiry() {
        let mut store = store_with(&["a"]);
        let mut cache = RedirectCache::new(1_000, 100);
        assert!(cache.get("a", 0, &mut store).is_some()); // miss
        assert!(cache.get("a", 999, &mut store).is_some()); // hit, just before expiry
        assert_eq!(store.reads.len(), 1);
        assert!(cache.get("a", 1_000, &mut store).is_some()); // expired: read again
        assert_eq!(store.reads.len(), 2);
    }

    #[test]
    fn a_hit_returns_the_cached_link_even_if_the_store_changed() {
        // The cache is only as fresh as its TTL: this is why takedowns must invalidate.
        let mut store = store_with(&["a"]);
        let mut cache = RedirectCache::new(1_000, 100);
        cache.get("a", 0, &mut store);
        store.links.get_mut("a").unwrap().disabled = true;
        assert!(!cache.get("a", 10, &mut store).unwrap().disabled); // stale
        cache.invalidate("a");
        assert!(cache.get("a", 11, &mut store).unwrap().disabled); // fresh after purge
    }

    #[test]
    fn a_code_created_after_a_negative_hit_appears_once_invalidated() {
        let mut store = store_with(&[]);
        let mut cache = RedirectCache::new(1_000, 100);
        assert!(cache.get("launch", 0, &mut store).is_none()); // cached as absent
        store
            .links
            .insert("launch".into(), Link::new("https://example.com/launch"));
        assert!(cache.get("launch", 1, &mut store).is_none()); // still absent: stale miss
        cache.invalidate("launch"); // what the create path does
        assert!(cache.get("launch", 2, &mut store).is_some());
    }

    #[test]
    fn a_scanner_reaches_the_store_at_most_once_per_code_per_negative_ttl() {
        let negative_ttl = 5_000;
        let mut store = store_with(&["real1", "real2"]);
        let mut cache = RedirectCache::new(3_600_000, negative_ttl);
        let mut rng = SplitMix64::new(9);
        // 200 unknown codes, probed 100,000 times over 60 seconds in a random order.
        let probes: Vec<String> = (0..200).map(|i| format!("nope{i}")).collect();
        let mut now = 0;
        for _ in 0..100_000 {
            now += rng.next_u64() % 2; // 0 or 1 ms between probes: ~50 s in all
            store.now_ms = now;
            let code = &probes[rng.below(probes.len())];
            assert!(cache.get(code, now, &mut store).is_none());
        }
        let mut reads_by_code: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (code, at) in &store.reads {
            reads_by_code.entry(code).or_default().push(*at);
        }
        for (code, times) in &reads_by_code {
            // Consecutive store reads of one code are at least one negative TTL apart ...
            assert!(
                times.windows(2).all(|w| w[1] - w[0] >= negative_ttl),
                "{code}: {times:?}"
            );
            // ... so over `now` ms a code costs at most now / TTL + 1 reads.
            assert!(times.len() as u64 <= now / negative_ttl + 1);
        }
        // 100,000 probes cost the store at most 200 × 11 reads instead of 100,000.
        assert!(store.reads.len() <= 200 * (now / negative_ttl + 1) as usize);
        assert!(
            store.reads.len() < 2_500,
            "{} store reads",
            store.reads.len()
        );
    }

    #[test]
    fn expired_entries_can_be_purged() {
        let mut store = store_with(&["a"]);
        let mut cache = RedirectCache::new(1_000, 100);
        cache.get("a", 0, &mut store);
        cache.get("b", 0, &mut store);
        assert_eq!(cache.len(), 2);
        cache.purge_expired(100); // the negative entry is gone, the link stays
        assert_eq!(cache.len(), 1);
        cache.purge_expired(1_000);
        assert!(cache.is_empty());
    }
}
