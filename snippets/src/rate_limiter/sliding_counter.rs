//! Sliding-window counter: estimate the sliding window from two fixed-window counters.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 5.
//!
//! In: a limit, a window length and arrival times in microseconds. Out: a decision from
//! `previous × (part of the previous window still inside the sliding window) + current`,
//! which assumes the previous window's requests were spread evenly. Two counters per key,
//! whatever the limit; an approximation whose error the tests measure.

use super::{Decision, Limiter};

// region: counter
/// Two fixed-window counters per key, weighted into an estimate of the sliding window.
#[derive(Debug, Clone)]
pub struct SlidingCounter {
    limit: u64,
    window_us: u64,
    current: u64,    // index of the current fixed window
    count: u64,      // admitted in the current window
    prev_count: u64, // admitted in the window before it
}

impl SlidingCounter {
    /// A limiter admitting about `limit` requests per sliding window of `window_us`.
    pub fn new(limit: u64, window_us: u64) -> SlidingCounter {
        assert!(limit > 0 && window_us > 0, "a limiter admits something");
        SlidingCounter {
            limit,
            window_us,
            current: 0,
            count: 0,
            prev_count: 0,
        }
    }

    /// The estimate times `window_us`, in integers: `prev × (window − elapsed) + count ×
    /// window`, where `elapsed` is how far `now_us` is into the current window.
    fn scaled_estimate(&mut self, now_us: u64) -> u64 {
        let window = now_us / self.window_us;
        if window != self.current {
            let previous = if window == self.current + 1 {
                self.count
            } else {
                0
            };
            (self.current, self.prev_count, self.count) = (window, previous, 0);
        }
        let elapsed = now_us % self.window_us;
        self.prev_count * (self.window_us - elapsed) + self.count * self.window_us
    }
}

impl Limiter for SlidingCounter {
    fn check(&mut self, now_us: u64) -> Decision {
        let scaled = self.scaled_estimate(now_us);
        if scaled < self.limit * self.window_us {
            self.count += 1;
            let used = scaled.div_ceil(self.window_us) + 1;
            Decision::Allow {
                remaining: self.limit.saturating_sub(used),
            }
        } else {
            Decision::Deny {
                retry_after_us: self.earliest_admission_us() - now_us,
            }
        }
    }
}

impl SlidingCounter {
    /// When the estimate next drops under the limit if nothing else is admitted: the
    /// honest `Retry-After`. A retry then is admitted; a microsecond sooner is not.
    fn earliest_admission_us(&self) -> u64 {
        let (limit, window) = (self.limit, self.window_us);
        let start = self.current * window;
        // Admitted at `elapsed` into a window whose previous count is `prev` and current
        // count is `count` iff prev × (window − elapsed) < (limit − count) × window, that
        // is iff window − elapsed ≤ ⌊((limit − count) × window − 1) / prev⌋.
        let earliest_elapsed =
            |prev: u64, count: u64| window.saturating_sub(((limit - count) * window - 1) / prev);
        if self.count < limit {
            // Refused only because of the previous window (so prev_count > 0): wait for
            // its weight to fade, at the latest until this window ends.
            start + earliest_elapsed(self.prev_count, self.count)
        } else {
            // This window is full. In the next, its count becomes the previous one and
            // must fade below the limit: at the window's start it is exactly the limit.
            start + window + earliest_elapsed(self.count, 0)
        }
    }
}
// endregion: counter

impl SlidingCounter {
    /// The current estimate of requests in the sliding window ending at `now_us`.
    pub fn estimate(&mut self, now_us: u64) -> f64 {
        self.scaled_estimate(now_us) as f64 / self.window_us as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::sliding_log::SlidingLog;
    use crate::rate_limiter::{SECOND_US, admitted, max_in_any_window};
    use crate::url_shortener::test_rng::SplitMix64;

    const MINUTE: u64 = 60 * SECOND_US;

    /// Cloudflare's example: 42 requests in the previous minute, 18 so far in this one,
    /// 15 s in: 42 × 45/60 + 18 = 49.5, under a limit of 50, so the request is admitted.
    #[test]
    fn cloudflare_example_estimates_49_5() {
        let mut counter = SlidingCounter::new(50, MINUTE);
        for i in 0..42 {
            assert!(counter.check(i * SECOND_US).is_allowed());
        }
        for i in 0..18 {
            assert!(counter.check(MINUTE + i * 800_000).is_allowed()); // 18 in the first 14 s
        }
        let now = MINUTE + 15 * SECOND_US;
        assert_eq!(counter.estimate(now), 49.5);
        assert!(counter.check(now).is_allowed());
        assert_eq!(counter.estimate(now), 50.5);
        assert!(!counter.check(now).is_allowed());
    }

    /// The fixed window's boundary burst: the counter admits 102 of the 200, not 200. The
    /// previous window's weight falls by 1/60 each second, freeing 1.65 slots in the first
    /// second of the new window.
    #[test]
    fn the_boundary_burst_is_refused() {
        let mut counter = SlidingCounter::new(100, MINUTE);
        let last_second = (0..100).map(|i| MINUTE - SECOND_US + i * 10_000);
        let first_second = (0..100).map(|i| MINUTE + i * 10_000);
        let arrivals: Vec<u64> = last_second.chain(first_second).collect();
        let admitted = admitted(&mut counter, &arrivals);
        assert_eq!(admitted.len(), 102);
        assert_eq!(max_in_any_window(&admitted, MINUTE), 102);
    }

    /// The estimate assumes an even previous window. Put all of it at the window's last
    /// instant and spread requests over the next window: the counter admits twice the limit
    /// within one sliding window (over a minute, not in a burst). It is an approximation.
    #[test]
    fn adversarial_traffic_approaches_twice_the_limit() {
        let mut counter = SlidingCounter::new(100, MINUTE);
        let mut arrivals: Vec<u64> = vec![MINUTE - 1; 100];
        arrivals.extend((0..6_000).map(|i| MINUTE + i * 10_000)); // 100 a second
        let admitted = admitted(&mut counter, &arrivals);
        let worst = max_in_any_window(&admitted, MINUTE);
        assert_eq!(worst, 200);
    }

    /// What the counter does on one kind of random traffic, measured against the exact log.
    #[derive(Debug)]
    struct Measured {
        decisions: u64,
        /// Mean and largest |estimate − exact count|, as a share of the limit.
        mean_error: f64,
        max_error: f64,
        /// The most admitted in any sliding window, as a multiple of the limit.
        worst_window: f64,
    }

    /// Poisson arrivals whose rate changes at random: each segment lasts `segment_s` seconds
    /// (drawn uniformly) at a rate of `per_mille` thousandths of the limit's rate. At every
    /// arrival the counter's estimate is compared with the exact number of its own admitted
    /// requests in the window ending there.
    fn measure(seeds: u64, segment_s: (u64, u64), per_mille: (u64, u64)) -> Measured {
        let (limit, window) = (100_u64, MINUTE);
        let mut decisions = 0_u64;
        let (mut sum_error, mut max_error, mut worst_window) = (0.0_f64, 0.0_f64, 0_usize);
        for seed in 0..seeds {
            let mut rng = SplitMix64::new(seed);
            let mut counter = SlidingCounter::new(limit, window);
            let mut exact = SlidingLog::new(usize::MAX, window); // records, never refuses
            let mut all = Vec::new();
            let mut now = 0;
            while now < 120 * MINUTE {
                let span = segment_s.1 - segment_s.0 + 1;
                let segment_end = now + (segment_s.0 + rng.below(span as usize) as u64) * SECOND_US;
                let rate = per_mille.0 + rng.below((per_mille.1 - per_mille.0) as usize) as u64;
                let mean_gap = window / limit * 1_000 / rate;
                while now < segment_end {
                    now += exponential(&mut rng, mean_gap);
                    let estimate = counter.estimate(now);
                    let count = exact.count(now);
                    let error = (estimate - count as f64).abs() / limit as f64;
                    (sum_error, max_error) = (sum_error + error, max_error.max(error));
                    let allowed = counter.check(now).is_allowed();
                    decisions += 1;
                    if allowed {
                        exact.check(now);
                        all.push(now);
                    }
                }
            }
            worst_window = worst_window.max(max_in_any_window(&all, window));
        }
        Measured {
            decisions,
            mean_error: sum_error / decisions as f64,
            max_error,
            worst_window: worst_window as f64 / limit as f64,
        }
    }

    /// Rates that hold for minutes, between half and twice the limit's rate.
    #[test]
    fn estimate_error_on_slowly_changing_traffic() {
        let m = measure(20, (60, 300), (500, 2_000));
        println!("slowly changing: {m:?}");
        assert!(m.decisions > 200_000, "{m:?}");
        // Measured: mean 2.1%, largest 49.9%, busiest window 1.30 times the limit.
        assert!(m.mean_error <= 0.025, "{m:?}");
        assert!(m.max_error <= 0.55, "{m:?}");
        assert!(m.worst_window <= 1.35, "{m:?}");
    }

    /// Rates that change every 1 to 20 seconds, between a fifth and three times the
    /// limit's rate: the previous window is far from even.
    #[test]
    fn estimate_error_on_bursty_traffic() {
        let m = measure(20, (1, 20), (200, 3_000));
        println!("bursty: {m:?}");
        // Measured: mean 4.2%, largest 66.0%, busiest window 1.49 times the limit.
        assert!(m.mean_error <= 0.045, "{m:?}");
        assert!(m.max_error <= 0.70, "{m:?}");
        assert!(m.worst_window <= 1.55, "{m:?}");
    }

    /// An exponentially distributed gap with the given mean (Poisson arrivals).
    fn exponential(rng: &mut SplitMix64, mean: u64) -> u64 {
        let uniform = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
        (-(1.0 - uniform).ln() * mean as f64) as u64
    }
}
