//! A URL shortener, one algorithm per file, in the order the chapter introduces them.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`).
//!
//! In: long URLs to shorten, short codes to resolve, click events to count; time is
//! always a parameter in milliseconds, and randomness comes from seeded generators.
//! Out: unique 1–7 character codes (exactly 8 once those run out), redirect responses, and exact click counts.
//!
//! - [`base62`]: integers to short codes and back (stage 2).
//! - [`range_allocator`]: unique IDs from leased blocks of a shared counter (stage 3).
//! - [`scramble`]: a keyed permutation so consecutive IDs give unrelated codes (stage 3).
//! - [`code_space`]: 8-character codes after the 7-character ones run out, and aliases that
//!   no generated code can collide with (stage 6 and "At 10 times the load").
//! - [`redirect`]: the status and headers of a redirect (stage 4).
//! - [`cache`]: cache-aside with TTLs and negative caching (stage 5).
//! - [`shard`]: hash routing and conditional inserts for custom aliases (stage 6).
//! - [`clicks`]: a bounded click buffer and an aggregator that is exact under redelivery
//!   (stage 7).
//!
//! The whole create and redirect path, end to end:
//!
//! ```
//! use snippets::url_shortener::{base62, Link};
//! use snippets::url_shortener::cache::RedirectCache;
//! use snippets::url_shortener::range_allocator::{Counter, RangeAllocator};
//! use snippets::url_shortener::redirect::{respond, RedirectPolicy};
//! use snippets::url_shortener::scramble::Scrambler;
//! use snippets::url_shortener::shard::ShardedStore;
//!
//! let seven_chars = 62u64.pow(7);
//! let mut counter = Counter::new(seven_chars); // one row in a coordination store
//! let mut server = RangeAllocator::new(10_000); // one per application server
//! let scrambler = Scrambler::new(seven_chars, 0x5eed);
//! let mut store = ShardedStore::new(16);
//!
//! // Create: next ID, scramble, encode, conditional insert.
//! let id = server.next_id(&mut counter).unwrap();
//! let code = base62::encode(scrambler.scramble(id));
//! store.insert_if_absent(&code, Link::new("https://example.com/launch")).unwrap();
//!
//! // Redirect: cache-aside lookup, then the response.
//! let mut cache = RedirectCache::new(3_600_000, 60_000);
//! let link = cache.get(&code, 0, &mut store);
//! let response = respond(link.as_ref(), 0, RedirectPolicy::Counted { max_age_s: 0 });
//! assert_eq!(response.status, 302);
//! assert_eq!(response.location.as_deref(), Some("https://example.com/launch"));
//! ```

pub mod base62;
pub mod cache;
pub mod clicks;
pub mod code_space;
pub mod range_allocator;
pub mod redirect;
pub mod scramble;
pub mod shard;

/// One stored mapping: the row behind a short code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where the code redirects to.
    pub long_url: String,
    /// When the link stops redirecting, in milliseconds since the epoch; `None` for never.
    pub expires_at_ms: Option<u64>,
    /// Taken down (abuse, owner's request): the code answers 410 and never redirects.
    pub disabled: bool,
}

impl Link {
    /// A live link to `long_url` that never expires.
    pub fn new(long_url: &str) -> Link {
        Link {
            long_url: long_url.to_string(),
            expires_at_ms: None,
            disabled: false,
        }
    }
}

/// A tiny seeded generator for the tests: SplitMix64 (Steele, Lea and Flood, 2014).
#[cfg(test)]
pub(crate) mod test_rng {
    /// SplitMix64: one 64-bit state, a fixed increment and a mixing function.
    pub struct SplitMix64(u64);

    impl SplitMix64 {
        pub fn new(seed: u64) -> SplitMix64 {
            SplitMix64(seed)
        }

        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// A uniform index below `n` (the tiny modulo bias is irrelevant for tests).
        pub fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
    }
}
