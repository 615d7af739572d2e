//! Sliding-window log: remember the time of every admitted request in the last window.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 5.
//!
//! In: a limit, a window length and arrival times in microseconds. Out: the exact rule,
//! at most `limit` admissions in every window `(t − window, t]`, at the cost of memory
//! proportional to the limit. In Redis the log is a sorted set (`ZADD`, `ZREMRANGEBYSCORE`,
//! `ZCARD`).
//!
//! ```
//! use snippets::rate_limiter::sliding_log::SlidingLog;
//! use snippets::rate_limiter::{Decision, Limiter, SECOND_US};
//!
//! let mut log = SlidingLog::new(2, 10 * SECOND_US); // 2 in any 10 s
//! assert!(log.check(0).is_allowed());
//! assert!(log.check(4 * SECOND_US).is_allowed());
//! // Full until the request at 0 leaves the window, at 10 s.
//! assert_eq!(log.check(9 * SECOND_US), Decision::Deny { retry_after_us: SECOND_US });
//! assert!(log.check(10 * SECOND_US).is_allowed());
//! ```

use std::collections::VecDeque;

use super::{Decision, Limiter};

// region: log
/// An exact sliding window over the admitted requests of one key.
#[derive(Debug, Clone)]
pub struct SlidingLog {
    limit: usize,
    window_us: u64,
    admitted: VecDeque<u64>, // times of admitted requests, oldest first
}

impl SlidingLog {
    /// A limiter admitting at most `limit` requests in any window of `window_us`.
    pub fn new(limit: usize, window_us: u64) -> SlidingLog {
        SlidingLog {
            limit,
            window_us,
            admitted: VecDeque::new(),
        }
    }
}

impl Limiter for SlidingLog {
    fn check(&mut self, now_us: u64) -> Decision {
        // Forget requests that have left the window (t − window, t].
        while self
            .admitted
            .front()
            .is_some_and(|&t| t + self.window_us <= now_us)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < self.limit {
            self.admitted.push_back(now_us);
            let remaining = (self.limit - self.admitted.len()) as u64;
            Decision::Allow { remaining }
        } else {
            // A slot frees when the oldest request leaves the window.
            let oldest = self.admitted[0];
            Decision::Deny {
                retry_after_us: oldest + self.window_us - now_us,
            }
        }
    }
}
// endregion: log

impl SlidingLog {
    /// How many admitted requests fall in `(now_us − window, now_us]`, without admitting
    /// anything: the exact count the sliding-window counter estimates.
    pub fn count(&self, now_us: u64) -> usize {
        self.admitted
            .iter()
            .filter(|&&t| t + self.window_us > now_us && t <= now_us)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::{SECOND_US, admitted, max_in_any_window};
    use crate::url_shortener::test_rng::SplitMix64;

    const MINUTE: u64 = 60 * SECOND_US;

    #[test]
    fn the_boundary_burst_is_refused() {
        let mut log = SlidingLog::new(100, MINUTE);
        let last_second = (0..100).map(|i| MINUTE - SECOND_US + i * 10_000);
        let first_second = (0..100).map(|i| MINUTE + i * 10_000);
        let arrivals: Vec<u64> = last_second.chain(first_second).collect();
        assert_eq!(admitted(&mut log, &arrivals).len(), 100);
        // The first slot frees one window after the first admission.
        assert_eq!(
            log.check(MINUTE + SECOND_US),
            Decision::Deny {
                retry_after_us: MINUTE - 2 * SECOND_US
            }
        );
    }

    /// For every instant, the admitted requests in the window ending there are at most the
    /// limit, and a request is refused only when the window is full.
    #[test]
    fn never_more_than_the_limit_in_any_window() {
        for seed in 0..20 {
            let mut rng = SplitMix64::new(seed);
            let limit = 1 + rng.below(30);
            let window = 1_000 + rng.below(100_000) as u64;
            let mut log = SlidingLog::new(limit, window);
            let mut now = 0;
            let mut all = Vec::new();
            for _ in 0..3_000 {
                now += rng.below(window as usize / limit * 2) as u64;
                let full = log.count(now) == limit;
                let decision = log.check(now);
                assert_eq!(decision.is_allowed(), !full);
                if decision.is_allowed() {
                    all.push(now);
                }
            }
            assert!(max_in_any_window(&all, window) <= limit);
        }
    }
}
