//! GCRA, the generic cell rate algorithm: a token bucket stored as one timestamp.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 4.
//!
//! In: the emission interval `T` (one request per `T` on average), the burst `B`, and
//! arrival times in microseconds. Out: the same decisions as a [`TokenBucket`] with
//! capacity `B` refilling one token per `T`, from a single integer of state: the theoretical
//! arrival time (TAT), the time at which the key would be back to an empty schedule.
//!
//! GCRA comes from ATM networks (ITU-T Recommendation I.371 and the ATM Forum's Traffic
//! Management Specification); the redis-cell module uses it.
//!
//! ```
//! use snippets::rate_limiter::gcra::Gcra;
//! use snippets::rate_limiter::{Decision, Limiter, SECOND_US};
//!
//! // One request a second on average, bursts of 2.
//! let mut gcra = Gcra::new(2, SECOND_US);
//! assert!(gcra.check(0).is_allowed());
//! assert!(gcra.check(0).is_allowed());
//! assert_eq!(gcra.check(0), Decision::Deny { retry_after_us: SECOND_US });
//! assert_eq!(gcra.tat_us(), 2 * SECOND_US); // the schedule runs two seconds ahead
//! ```
//!
//! [`TokenBucket`]: super::token_bucket::TokenBucket

use super::{Decision, Limiter};

// region: gcra
/// GCRA for one key: admit if the request is no more than `tolerance_us` early.
#[derive(Debug, Clone)]
pub struct Gcra {
    interval_us: u64,  // T: the spacing of requests at the sustained rate
    tolerance_us: u64, // τ = (B − 1)·T: how far ahead of schedule a burst may run
    tat_us: u64,       // theoretical arrival time of the next request
}

impl Gcra {
    /// A limiter with the sustained rate of one request per `interval_us` and bursts of
    /// up to `burst` requests.
    pub fn new(burst: u64, interval_us: u64) -> Gcra {
        assert!(burst > 0 && interval_us > 0, "a limiter admits something");
        Gcra {
            interval_us,
            tolerance_us: (burst - 1) * interval_us,
            tat_us: 0,
        }
    }
}

impl Limiter for Gcra {
    fn check(&mut self, now_us: u64) -> Decision {
        let tat = self.tat_us.max(now_us); // an idle key is not owed credit
        let earliest_us = tat.saturating_sub(self.tolerance_us);
        if now_us < earliest_us {
            return Decision::Deny {
                retry_after_us: earliest_us - now_us,
            };
        }
        self.tat_us = tat + self.interval_us;
        let ahead = self.tat_us - now_us; // how much of the tolerance is used
        let remaining = (self.tolerance_us + self.interval_us - ahead) / self.interval_us;
        Decision::Allow { remaining }
    }
}
// endregion: gcra

impl Gcra {
    /// The current theoretical arrival time (for tests).
    pub fn tat_us(&self) -> u64 {
        self.tat_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::SECOND_US;
    use crate::rate_limiter::token_bucket::TokenBucket;
    use crate::url_shortener::test_rng::SplitMix64;

    #[test]
    fn a_burst_of_b_then_one_per_interval() {
        let mut gcra = Gcra::new(3, SECOND_US);
        let burst: Vec<Decision> = (0..4).map(|_| gcra.check(0)).collect();
        assert_eq!(
            burst,
            [
                Decision::Allow { remaining: 2 },
                Decision::Allow { remaining: 1 },
                Decision::Allow { remaining: 0 },
                Decision::Deny {
                    retry_after_us: SECOND_US
                },
            ]
        );
        assert!(gcra.check(SECOND_US).is_allowed());
    }

    /// With `T` and `τ = (B − 1)·T`, GCRA decides exactly as a token bucket of capacity `B`
    /// refilling one token per `T`, including the `Retry-After` and the remaining count.
    #[test]
    fn decides_exactly_like_the_token_bucket() {
        for seed in 0..50 {
            let mut rng = SplitMix64::new(seed);
            let burst = 1 + rng.below(20) as u64;
            let interval = 1 + rng.below(100_000) as u64;
            let mut gcra = Gcra::new(burst, interval);
            let mut bucket = TokenBucket::new(burst, interval);
            let mut now = 0;
            let mut last_tat = 0;
            for _ in 0..2_000 {
                // Bursts and pauses: mostly simultaneous or close arrivals, sometimes gaps.
                now += match rng.below(10) {
                    0..=3 => 0,
                    4..=8 => rng.below(2 * interval as usize) as u64,
                    _ => rng.below(50 * interval as usize) as u64,
                };
                assert_eq!(gcra.check(now), bucket.check(now), "seed {seed} at {now}");
                assert!(gcra.tat_us() >= last_tat, "the TAT never decreases");
                last_tat = gcra.tat_us();
            }
        }
    }
}
