//! A circuit breaker in front of the limiter's store: closed, open, half-open.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 8; wired into
//! the failure policy by [`super::policy::guarded`].
//!
//! In: the time of each call in microseconds (always a parameter, so tests replay any
//! history), and whether each call the breaker let through succeeded. Out: whether to call
//! the store at all. After `threshold` failures in a row the breaker opens and answers "do not
//! call" at once for `open_for_us`, so a sick Redis is not hammered by every request and no
//! request waits out a timeout; then it lets one trial call through (half-open), whose
//! success closes it and whose failure opens it again.
//!
//! ```
//! use snippets::rate_limiter::breaker::{Breaker, State};
//!
//! let mut breaker = Breaker::new(2, 1_000_000); // open after 2 failures, for 1 s
//! assert!(breaker.allow(0));
//! breaker.record(false, 0);
//! breaker.record(false, 10);
//! assert_eq!(breaker.state(), State::Open { until_us: 1_000_010 });
//! assert!(!breaker.allow(500_000)); // no call while open
//! assert!(breaker.allow(1_000_010)); // the trial call
//! assert!(!breaker.allow(1_000_011)); // only one at a time
//! breaker.record(true, 1_000_020);
//! assert_eq!(breaker.state(), State::Closed { failures: 0 });
//! ```

// region: breaker
/// Where the breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls go through; `failures` is the current run of failed calls.
    Closed {
        /// Failed calls in a row so far.
        failures: u32,
    },
    /// No calls until `until_us`.
    Open {
        /// When a trial call may go through.
        until_us: u64,
    },
    /// One trial call is out; no other call until its result is recorded.
    HalfOpen,
}

/// A circuit breaker for one store, as seen by one caller.
#[derive(Debug, Clone)]
pub struct Breaker {
    threshold: u32,   // failures in a row that open the breaker
    open_for_us: u64, // how long it stays open before a trial
    state: State,
}

impl Breaker {
    /// A closed breaker that opens after `threshold` failures in a row, for `open_for_us`.
    pub fn new(threshold: u32, open_for_us: u64) -> Breaker {
        assert!(threshold > 0, "it takes at least one failure to open");
        Breaker {
            threshold,
            open_for_us,
            state: State::Closed { failures: 0 },
        }
    }

    /// Whether to call the store at `now_us`. Once the open period is over, the first
    /// caller gets the trial call and the breaker is half-open until its result is in.
    pub fn allow(&mut self, now_us: u64) -> bool {
        match self.state {
            State::Closed { .. } => true,
            State::Open { until_us } if now_us >= until_us => {
                self.state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    /// Records the result of a call that [`Breaker::allow`] let through at `now_us`. A
    /// success closes the breaker from any state; a failure counts towards the threshold
    /// when closed, and reopens it when it was the trial.
    pub fn record(&mut self, succeeded: bool, now_us: u64) {
        let open = State::Open {
            until_us: now_us + self.open_for_us,
        };
        self.state = match (self.state, succeeded) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            (State::Closed { .. } | State::HalfOpen, false) => open,
            // A call let through before the breaker opened, failing late: stay open as is.
            (State::Open { until_us }, false) => State::Open { until_us },
        };
    }
}
// endregion: breaker

impl Breaker {
    /// The current state (for tests and metrics).
    pub fn state(&self) -> State {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000;

    #[test]
    fn failures_below_the_threshold_or_interrupted_by_a_success_keep_it_closed() {
        let mut breaker = Breaker::new(3, 5 * SECOND);
        breaker.record(false, 0);
        breaker.record(false, 1);
        breaker.record(true, 2); // the run is broken
        breaker.record(false, 3);
        breaker.record(false, 4);
        assert_eq!(breaker.state(), State::Closed { failures: 2 });
        assert!(breaker.allow(5));
        breaker.record(false, 5);
        assert_eq!(
            breaker.state(),
            State::Open {
                until_us: 5 * SECOND + 5
            }
        );
    }

    #[test]
    fn open_refuses_every_call_until_the_period_ends_then_lets_one_trial_through() {
        let mut breaker = Breaker::new(1, 5 * SECOND);
        breaker.record(false, 100);
        for t in [100, SECOND, 5 * SECOND + 99] {
            assert!(!breaker.allow(t), "open at {t}");
        }
        assert!(breaker.allow(5 * SECOND + 100));
        assert_eq!(breaker.state(), State::HalfOpen);
        assert!(
            !breaker.allow(5 * SECOND + 100),
            "a second caller waits for the trial"
        );
        assert!(!breaker.allow(60 * SECOND), "however long the trial takes");
    }

    #[test]
    fn a_failed_trial_reopens_for_a_full_period_and_a_successful_one_closes() {
        let mut breaker = Breaker::new(2, SECOND);
        breaker.record(false, 0);
        breaker.record(false, 0);
        assert!(breaker.allow(SECOND));
        breaker.record(false, SECOND + 7);
        assert_eq!(
            breaker.state(),
            State::Open {
                until_us: 2 * SECOND + 7
            }
        );
        assert!(!breaker.allow(2 * SECOND));
        assert!(breaker.allow(2 * SECOND + 7));
        breaker.record(true, 2 * SECOND + 8);
        assert_eq!(breaker.state(), State::Closed { failures: 0 });
        // Closed again, it needs the full threshold of new failures to open.
        breaker.record(false, 3 * SECOND);
        assert!(breaker.allow(3 * SECOND));
    }

    #[test]
    fn a_late_failure_does_not_extend_the_open_period() {
        let mut breaker = Breaker::new(1, SECOND);
        breaker.record(false, 0);
        breaker.record(false, 500_000); // a call made before it opened, timing out now
        assert_eq!(breaker.state(), State::Open { until_us: SECOND });
    }
}
