//! Token bucket: a bucket holds up to `capacity` tokens, gains one every `interval_us`, and
//! each admitted request takes one.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 4; the same
//! algorithm runs inside Redis as `token_bucket.lua` (stage 6).
//!
//! In: the capacity (the largest burst), the refill interval, and arrival times in
//! microseconds. Out: bursts of up to `capacity`, then one admission per interval; in any
//! span of `t` microseconds, at most `capacity + ⌊t / interval_us⌋` admissions.
//!
//! State is two integers, refilled lazily when a request arrives: no timer, no float drift.

use super::{Decision, Limiter};

// region: bucket
/// A token bucket for one key, starting full.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: u64,
    interval_us: u64, // one token is added every interval: the rate is 1/interval
    tokens: u64,
    last_us: u64, // time up to which refills have been counted
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens that gains one token every `interval_us`.
    pub fn new(capacity: u64, interval_us: u64) -> TokenBucket {
        assert!(
            capacity > 0 && interval_us > 0,
            "a bucket holds and gains tokens"
        );
        TokenBucket {
            capacity,
            interval_us,
            tokens: capacity,
            last_us: 0,
        }
    }

    /// Adds the tokens earned since `last_us`, keeping the fraction of an interval that has
    /// not yet earned one; a full bucket earns nothing, so it keeps no credit.
    fn refill(&mut self, now_us: u64) {
        let earned = now_us.saturating_sub(self.last_us) / self.interval_us;
        self.tokens = (self.tokens + earned).min(self.capacity);
        if self.tokens == self.capacity {
            self.last_us = now_us.max(self.last_us);
        } else {
            self.last_us += earned * self.interval_us;
        }
    }
}

impl Limiter for TokenBucket {
    fn check(&mut self, now_us: u64) -> Decision {
        self.refill(now_us);
        if self.tokens > 0 {
            self.tokens -= 1;
            Decision::Allow {
                remaining: self.tokens,
            }
        } else {
            let next_token_us = self.last_us + self.interval_us;
            Decision::Deny {
                retry_after_us: next_token_us - now_us,
            }
        }
    }
}
// endregion: bucket

impl TokenBucket {
    /// The tokens in the bucket after the last call (for tests and metrics).
    pub fn tokens(&self) -> u64 {
        self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::SECOND_US;
    use crate::url_shortener::test_rng::SplitMix64;

    #[test]
    fn starting_full_admits_exactly_the_capacity_then_one_per_interval() {
        let mut bucket = TokenBucket::new(10, SECOND_US); // 1 per second, bursts of 10
        for i in 0..10 {
            assert_eq!(bucket.check(0), Decision::Allow { remaining: 9 - i });
        }
        assert_eq!(
            bucket.check(0),
            Decision::Deny {
                retry_after_us: SECOND_US
            }
        );
        assert_eq!(
            bucket.check(SECOND_US - 1),
            Decision::Deny { retry_after_us: 1 }
        );
        assert!(bucket.check(SECOND_US).is_allowed());
        assert!(!bucket.check(SECOND_US).is_allowed());
        // Half an interval is kept, not lost: the next token comes at 2 s, not at 2.5 s.
        assert!(!bucket.check(SECOND_US * 3 / 2).is_allowed());
        assert!(bucket.check(2 * SECOND_US).is_allowed());
    }

    #[test]
    fn a_long_idle_period_refills_to_capacity_and_no_further() {
        let mut bucket = TokenBucket::new(3, SECOND_US);
        for _ in 0..3 {
            bucket.check(0);
        }
        bucket.check(3_600 * SECOND_US);
        assert_eq!(bucket.tokens(), 2);
    }

    /// For random traffic, tokens never exceed the capacity, and in every span `[s, s + t]`
    /// the admissions are at most `capacity + ⌊t / interval⌋`. Why: the bucket's credit,
    /// its tokens plus the unspent fraction of an interval, never exceeds the capacity and
    /// grows by at most one per interval, and each admission spends one.
    #[test]
    fn admissions_never_exceed_capacity_plus_rate_times_time() {
        let (capacity, interval) = (20, 50_000);
        for seed in 0..10 {
            let mut rng = SplitMix64::new(seed);
            let mut bucket = TokenBucket::new(capacity, interval);
            let mut now = 0;
            let mut admitted = Vec::new();
            for _ in 0..5_000 {
                now += rng.below(60_000) as u64; // on average 33 a second against 20 a second
                if bucket.check(now).is_allowed() {
                    admitted.push(now);
                }
                assert!(bucket.tokens() <= capacity);
            }
            let mut tight = false;
            for (i, &start) in admitted.iter().enumerate() {
                for (j, &end) in admitted[i..].iter().enumerate() {
                    let count = j as u64 + 1;
                    let bound = capacity + (end - start) / interval;
                    assert!(count <= bound, "seed {seed}: {count} in [{start}, {end}]");
                    tight |= count == bound;
                }
            }
            assert!(
                tight,
                "seed {seed}: the bound is never reached, so it is not tested"
            );
        }
    }
}
