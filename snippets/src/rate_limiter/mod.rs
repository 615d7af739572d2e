//! A rate limiter: five algorithms behind one trait, the race a shared counter loses, the
//! policy for when the limiter is down, and a Redis-backed limiter that runs a Lua script.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`).
//!
//! In: the arrival time of each request, in microseconds, always passed in by the caller;
//! for [`redis`], a Redis server and its clock.
//! Out: a [`Decision`] per request: admitted, with how many more would be, or refused, with
//! how long to wait (the `Retry-After` of a 429 response).
//!
//! - [`rules`]: the most specific rule for a request; several limits checked as one (stage 2).
//! - [`fixed_window`]: a counter per window; admits twice the limit across a boundary (stage 3).
//! - [`token_bucket`] and [`gcra`]: bursts up to a capacity, then a steady rate (stage 4).
//! - [`sliding_log`] and [`sliding_counter`]: the exact window and its cheap estimate (stage 5).
//! - [`race`]: two servers doing read-then-write over-admit; an atomic increment does not
//!   (stage 6).
//! - [`redis`]: the token bucket as a Lua script run atomically inside Redis (stage 6).
//! - [`redis`] also checks every limit of a rule at once, all or nothing (stages 2 and 7).
//! - [`policy`]: fail open, fail closed or shadow when the limiter errs (stage 8), behind a
//!   [`breaker`] that stops calling a failing store for a while.
//!
//! Every algorithm answers the same question for one key:
//!
//! ```
//! use snippets::rate_limiter::{Decision, Limiter, SECOND_US};
//! use snippets::rate_limiter::token_bucket::TokenBucket;
//!
//! // 10 requests a second, bursts of up to 5.
//! let mut bucket = TokenBucket::new(5, SECOND_US / 10);
//! let burst: Vec<Decision> = (0..6).map(|_| bucket.check(0)).collect();
//! assert!(burst[..5].iter().all(|d| d.is_allowed()));
//! assert_eq!(burst[5], Decision::Deny { retry_after_us: 100_000 });
//! ```

pub mod breaker;
pub mod fixed_window;
pub mod gcra;
pub mod policy;
pub mod race;
pub mod redis;
pub mod rules;
pub mod sliding_counter;
pub mod sliding_log;
pub mod token_bucket;

/// One second in microseconds, the unit of every time in this module.
pub const SECOND_US: u64 = 1_000_000;

// region: trait
/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admit it.
    Allow {
        /// How many more would be admitted right now (for a `RateLimit` header).
        remaining: u64,
    },
    /// Refuse it with 429.
    Deny {
        /// The exact wait: a retry this much later is admitted (if nothing else is
        /// admitted first), a retry any sooner is refused. Rounded up to whole seconds, it
        /// is the `Retry-After` header.
        retry_after_us: u64,
    },
}

/// A rate limiter for one key. Time is a parameter: `now_us` is the request's arrival
/// time in microseconds and never decreases from one call to the next.
pub trait Limiter {
    /// Decides one request, and records it if admitted.
    fn check(&mut self, now_us: u64) -> Decision;
}
// endregion: trait

impl Decision {
    /// Whether the request is admitted.
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The `Retry-After` header of a refusal, in whole seconds, rounded up: a client that
    /// waits exactly this long is admitted, since every limiter here admits a retry at
    /// `retry_after_us` and at any later time. Rounding down would send it back too early.
    /// `None` for an admission.
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            Decision::Allow { .. } => None,
            Decision::Deny { retry_after_us } => Some(retry_after_us.div_ceil(SECOND_US)),
        }
    }
}

/// Feeds `arrivals` (non-decreasing times in microseconds) to `limiter` and returns the
/// times it admitted.
pub fn admitted<L: Limiter + ?Sized>(limiter: &mut L, arrivals: &[u64]) -> Vec<u64> {
    arrivals
        .iter()
        .copied()
        .filter(|&t| limiter.check(t).is_allowed())
        .collect()
}

/// The largest number of `times` (sorted) that fall in any half-open window
/// `(t - window_us, t]`: what "at most N per window" promises, checked by brute force.
pub fn max_in_any_window(times: &[u64], window_us: u64) -> usize {
    let mut best = 0;
    let mut first = 0;
    for (last, &t) in times.iter().enumerate() {
        while times[first] + window_us <= t {
            first += 1;
        }
        best = best.max(last + 1 - first);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::{
        fixed_window::FixedWindow, gcra::Gcra, sliding_counter::SlidingCounter,
        sliding_log::SlidingLog, token_bucket::TokenBucket,
    };
    use crate::url_shortener::test_rng::SplitMix64;

    /// The same boundary script against all five, each set to 100 a minute: only the fixed
    /// window lets through twice the limit; each of the others stays within its own bound.
    #[test]
    fn only_the_fixed_window_admits_twice_the_limit_across_a_boundary() {
        const MINUTE: u64 = 60 * SECOND_US;
        let last_second = (0..100).map(|i| MINUTE - SECOND_US + i * 10_000);
        let first_second = (0..100).map(|i| MINUTE + i * 10_000);
        let arrivals: Vec<u64> = last_second.chain(first_second).collect();
        let span = arrivals[199] - arrivals[0];
        let interval = MINUTE / 100;
        let run = |limiter: &mut dyn Limiter| admitted(limiter, &arrivals).len();

        assert_eq!(run(&mut FixedWindow::new(100, MINUTE)), 200);
        // Exact: never more than the limit in any sliding minute.
        assert_eq!(run(&mut SlidingLog::new(100, MINUTE)), 100);
        // The estimate lets the previous minute fade by 1/60 a second: 102.
        assert_eq!(run(&mut SlidingCounter::new(100, MINUTE)), 102);
        // A full bucket of 100, plus what refills during the script: 100 + ⌊1.99 s / 0.6 s⌋.
        let bucket_bound = (100 + span / interval) as usize;
        assert_eq!(bucket_bound, 103);
        let bucket = run(&mut TokenBucket::new(100, interval));
        let gcra = run(&mut Gcra::new(100, interval));
        assert!(bucket <= bucket_bound, "{bucket} > {bucket_bound}");
        assert_eq!(bucket, 103, "the bound is reached");
        assert_eq!(gcra, bucket);
    }

    /// Checks, at every refusal of a random workload, that the `Retry-After` is honest and
    /// tight: a retry at exactly `retry_after_us` is admitted, one a microsecond sooner is
    /// not, and one after the header's whole seconds is admitted too.
    fn retry_after_is_exact<L: Limiter + Clone>(name: &str, make: impl Fn(u64, u64) -> L) {
        let mut refusals = 0;
        for seed in 0..30 {
            let mut rng = SplitMix64::new(seed);
            let limit = 1 + rng.below(20) as u64;
            let window_us = SECOND_US / 2 + rng.below(5 * SECOND_US as usize) as u64;
            let mut limiter = make(limit, window_us);
            let mut now = 0;
            for _ in 0..2_000 {
                // Bursts (same instant), short gaps, and pauses of up to two windows.
                now += match rng.below(10) {
                    0..=3 => 0,
                    4..=8 => rng.below((window_us / limit) as usize) as u64,
                    _ => rng.below(2 * window_us as usize) as u64,
                };
                let decision = limiter.check(now);
                let Decision::Deny { retry_after_us } = decision else {
                    continue;
                };
                refusals += 1;
                let at = now + retry_after_us;
                let context =
                    format!("{name}, seed {seed}: refused at {now}, told {retry_after_us}");
                assert!(retry_after_us > 0, "{context}");
                assert!(
                    limiter.clone().check(at).is_allowed(),
                    "{context}: refused again"
                );
                assert!(
                    !limiter.clone().check(at - 1).is_allowed(),
                    "{context}: not tight"
                );
                let header = decision.retry_after_secs().unwrap();
                let after_header = now + header * SECOND_US;
                assert!(
                    limiter.clone().check(after_header).is_allowed(),
                    "{context}"
                );
            }
        }
        assert!(refusals > 10_000, "{name}: only {refusals} refusals tested");
    }

    #[test]
    fn a_retry_at_exactly_retry_after_is_admitted_by_all_five() {
        retry_after_is_exact("fixed window", FixedWindow::new);
        retry_after_is_exact("token bucket", |limit, window| {
            TokenBucket::new(limit, window / limit)
        });
        retry_after_is_exact("GCRA", |limit, window| Gcra::new(limit, window / limit));
        retry_after_is_exact("sliding log", |limit, window| {
            SlidingLog::new(limit as usize, window)
        });
        retry_after_is_exact("sliding counter", SlidingCounter::new);
    }

    /// The case that used to fail: a sliding counter whose window is full told the client
    /// to come back when the window ended, when the estimate is still exactly the limit.
    #[test]
    fn a_full_sliding_counter_window_is_retried_one_microsecond_after_it_ends() {
        let mut counter = SlidingCounter::new(2, 60 * SECOND_US);
        assert!(counter.check(0).is_allowed());
        assert!(counter.check(0).is_allowed());
        let refusal = counter.check(SECOND_US);
        assert_eq!(
            refusal,
            Decision::Deny {
                retry_after_us: 59 * SECOND_US + 1
            }
        );
        assert_eq!(refusal.retry_after_secs(), Some(60));
        assert!(!counter.clone().check(60 * SECOND_US).is_allowed());
        assert!(counter.check(60 * SECOND_US + 1).is_allowed());
    }

    #[test]
    fn the_header_rounds_up_to_whole_seconds() {
        let deny = |us| Decision::Deny { retry_after_us: us };
        assert_eq!(deny(1).retry_after_secs(), Some(1));
        assert_eq!(deny(SECOND_US).retry_after_secs(), Some(1));
        assert_eq!(deny(SECOND_US + 1).retry_after_secs(), Some(2));
        assert_eq!(Decision::Allow { remaining: 0 }.retry_after_secs(), None);
    }

    #[test]
    fn max_in_any_window_counts_half_open_windows() {
        assert_eq!(max_in_any_window(&[], 10), 0);
        assert_eq!(max_in_any_window(&[0, 5, 9, 10, 19, 20], 10), 3);
        assert_eq!(max_in_any_window(&[0, 10, 20], 10), 1);
        assert_eq!(max_in_any_window(&[3, 3, 3], 1), 3);
    }
}
