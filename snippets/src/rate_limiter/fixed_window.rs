//! Fixed window: one counter per key and per window of time, reset when the window ends.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 3.
//!
//! In: a limit per window, the window length, and arrival times in microseconds.
//! Out: at most `limit` admissions per window, but up to twice the limit in a short span
//! that straddles the boundary between two windows (the flaw the tests document).
//!
//! ```
//! use snippets::rate_limiter::fixed_window::FixedWindow;
//! use snippets::rate_limiter::{Decision, Limiter, SECOND_US};
//!
//! let mut limiter = FixedWindow::new(2, 60 * SECOND_US); // 2 a minute
//! assert!(limiter.check(0).is_allowed());
//! assert!(limiter.check(SECOND_US).is_allowed());
//! // Refused until the next minute starts, 59 s later.
//! assert_eq!(limiter.check(SECOND_US), Decision::Deny { retry_after_us: 59 * SECOND_US });
//! assert!(limiter.check(60 * SECOND_US).is_allowed());
//! ```

use super::{Decision, Limiter};

// region: fixed
/// Admits up to `limit` requests in each window `[k·window_us, (k+1)·window_us)`. In Redis
/// this is `INCR key:k` plus an expiry on the key.
#[derive(Debug, Clone)]
pub struct FixedWindow {
    limit: u64,
    window_us: u64,
    current: u64, // index k of the window being counted
    count: u64,   // requests admitted in it
}

impl FixedWindow {
    /// A limiter admitting `limit` requests per window of `window_us` microseconds.
    pub fn new(limit: u64, window_us: u64) -> FixedWindow {
        assert!(limit > 0 && window_us > 0, "a limiter admits something");
        FixedWindow {
            limit,
            window_us,
            current: 0,
            count: 0,
        }
    }
}

impl Limiter for FixedWindow {
    fn check(&mut self, now_us: u64) -> Decision {
        let window = now_us / self.window_us;
        if window != self.current {
            (self.current, self.count) = (window, 0); // a new window starts from zero
        }
        if self.count < self.limit {
            self.count += 1;
            Decision::Allow {
                remaining: self.limit - self.count,
            }
        } else {
            let next_window_us = (window + 1) * self.window_us;
            Decision::Deny {
                retry_after_us: next_window_us - now_us,
            }
        }
    }
}
// endregion: fixed

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::{SECOND_US, admitted, max_in_any_window};

    const MINUTE: u64 = 60 * SECOND_US;

    #[test]
    fn admits_exactly_the_limit_within_one_window() {
        let mut limiter = FixedWindow::new(100, MINUTE);
        let arrivals: Vec<u64> = (0..250).map(|i| i * 100_000).collect(); // 10 per second
        assert_eq!(admitted(&mut limiter, &arrivals).len(), 100);
        assert_eq!(
            limiter.check(25 * SECOND_US),
            Decision::Deny {
                retry_after_us: 35 * SECOND_US
            }
        );
        assert_eq!(limiter.check(MINUTE), Decision::Allow { remaining: 99 });
    }

    /// The flaw: 100 requests in the last second of one window and 100 in the first second
    /// of the next are all admitted, 200 within two seconds, for a limit of 100 a minute.
    #[test]
    fn admits_twice_the_limit_across_a_boundary() {
        let mut limiter = FixedWindow::new(100, MINUTE);
        let last_second = (0..100).map(|i| MINUTE - SECOND_US + i * 10_000);
        let first_second = (0..100).map(|i| MINUTE + i * 10_000);
        let arrivals: Vec<u64> = last_second.chain(first_second).collect();
        let admitted = admitted(&mut limiter, &arrivals);
        assert_eq!(admitted.len(), 200);
        assert_eq!(max_in_any_window(&admitted, MINUTE), 200);
        assert!(admitted[199] - admitted[0] < 2 * SECOND_US);
    }
}
