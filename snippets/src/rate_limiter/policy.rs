//! What to do when the limiter itself fails: fail open, fail closed, or shadow.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 8.
//!
//! In: the limiter's answer, which may be an error (Redis down, or slower than the
//! timeout), and the policy chosen for the endpoint. Out: admit or refuse, and why, so the
//! caller can count each case in its metrics. [`guarded`] puts a [`Breaker`] in front of
//! the call: while it is open, the store is not called and the policy decides at once.
//!
//! ```
//! use snippets::rate_limiter::policy::{decide, LimiterError, Policy, Verdict};
//!
//! let redis_down = || Err(LimiterError::Timeout);
//! assert_eq!(decide(redis_down(), Policy::FailOpen), Verdict::AdmitUnchecked);
//! assert_eq!(decide(redis_down(), Policy::FailClosed), Verdict::RefuseUnchecked);
//! ```

use super::Decision;
use super::breaker::Breaker;

/// Why the limiter could not decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimiterError {
    /// No answer within the timeout; the caller stopped waiting.
    Timeout,
    /// The store refused the connection or the command.
    Unavailable(String),
    /// Not asked: the circuit breaker is open after a run of failures.
    CircuitOpen,
}

/// What an endpoint does when its limiter errs, chosen per endpoint class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Admit: the limiter's outage must not become an API outage.
    FailOpen,
    /// Refuse: the action is costly or security-critical (login, one-time codes, payouts).
    FailClosed,
    /// Never refuse; record what would have been refused (dark launch of a new limit).
    Shadow,
}

/// The final answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Admitted by the limiter.
    Admit,
    /// Refused by the limiter: answer 429.
    Limited {
        /// When a retry may succeed, for the `Retry-After` header.
        retry_after_us: u64,
    },
    /// Admitted because the limiter failed and the policy is fail-open or shadow.
    AdmitUnchecked,
    /// Refused because the limiter failed and the policy is fail-closed: answer 503.
    RefuseUnchecked,
    /// Admitted in shadow mode although the limiter said no.
    WouldLimit,
}

// region: decide
/// Applies the endpoint's policy to the limiter's answer. A timeout is an error like any
/// other: the caller must not wait longer than its budget for a limiter.
pub fn decide(answer: Result<Decision, LimiterError>, policy: Policy) -> Verdict {
    match (answer, policy) {
        (Ok(Decision::Allow { .. }), _) => Verdict::Admit,
        (Ok(Decision::Deny { .. }), Policy::Shadow) => Verdict::WouldLimit,
        (Ok(Decision::Deny { retry_after_us }), _) => Verdict::Limited { retry_after_us },
        (Err(_), Policy::FailOpen | Policy::Shadow) => Verdict::AdmitUnchecked,
        (Err(_), Policy::FailClosed) => Verdict::RefuseUnchecked,
    }
}
// endregion: decide

// region: guarded
/// Asks the limiter through the breaker, then applies the policy. While the breaker is
/// open, `call` is not made and the answer is [`LimiterError::CircuitOpen`], decided like
/// any other failure but without waiting for a timeout. `now_us` is when the call starts.
pub fn guarded(
    breaker: &mut Breaker,
    now_us: u64,
    policy: Policy,
    call: impl FnOnce() -> Result<Decision, LimiterError>,
) -> Verdict {
    let answer = if breaker.allow(now_us) {
        let answer = call();
        breaker.record(answer.is_ok(), now_us); // a refusal by the limiter is a success
        answer
    } else {
        Err(LimiterError::CircuitOpen)
    };
    decide(answer, policy)
}
// endregion: guarded

impl Verdict {
    /// Whether the request goes on to the service.
    pub fn admits(self) -> bool {
        matches!(
            self,
            Verdict::Admit | Verdict::AdmitUnchecked | Verdict::WouldLimit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW: Decision = Decision::Allow { remaining: 3 };
    const DENY: Decision = Decision::Deny {
        retry_after_us: 500,
    };

    #[test]
    fn every_answer_under_every_policy() {
        let down = || Err(LimiterError::Unavailable("connection refused".into()));
        for policy in [Policy::FailOpen, Policy::FailClosed, Policy::Shadow] {
            assert_eq!(decide(Ok(ALLOW), policy), Verdict::Admit);
        }
        assert_eq!(
            decide(Ok(DENY), Policy::FailOpen),
            Verdict::Limited {
                retry_after_us: 500
            }
        );
        assert_eq!(
            decide(Ok(DENY), Policy::FailClosed),
            Verdict::Limited {
                retry_after_us: 500
            }
        );
        assert_eq!(decide(Ok(DENY), Policy::Shadow), Verdict::WouldLimit);
        assert_eq!(decide(down(), Policy::FailOpen), Verdict::AdmitUnchecked);
        assert_eq!(decide(down(), Policy::FailClosed), Verdict::RefuseUnchecked);
        assert_eq!(decide(down(), Policy::Shadow), Verdict::AdmitUnchecked);
    }

    #[test]
    fn a_timeout_counts_as_an_error() {
        assert!(decide(Err(LimiterError::Timeout), Policy::FailOpen).admits());
        assert!(!decide(Err(LimiterError::Timeout), Policy::FailClosed).admits());
    }

    /// Three timeouts open the breaker; while open, no call is made and the policies decide
    /// at once; after the open period one trial call goes through and, answered, closes it.
    #[test]
    fn an_open_breaker_skips_the_call_and_the_policy_decides() {
        use crate::rate_limiter::breaker::State;
        let mut breaker = Breaker::new(3, 2_000_000);
        let mut calls = 0;
        let mut timing_out = || {
            calls += 1;
            Err(LimiterError::Timeout)
        };
        for t in 0..3 {
            assert_eq!(
                guarded(&mut breaker, t, Policy::FailClosed, &mut timing_out),
                Verdict::RefuseUnchecked
            );
        }
        assert_eq!(
            breaker.state(),
            State::Open {
                until_us: 2_000_002
            }
        );
        for (t, policy, verdict) in [
            (10, Policy::FailOpen, Verdict::AdmitUnchecked),
            (20, Policy::FailClosed, Verdict::RefuseUnchecked),
            (2_000_001, Policy::Shadow, Verdict::AdmitUnchecked),
        ] {
            assert_eq!(guarded(&mut breaker, t, policy, &mut timing_out), verdict);
        }
        assert_eq!(calls, 3, "no call while the breaker is open");
        let verdict = guarded(&mut breaker, 2_000_002, Policy::FailClosed, || Ok(DENY));
        assert_eq!(
            verdict,
            Verdict::Limited {
                retry_after_us: 500
            }
        );
        assert_eq!(breaker.state(), State::Closed { failures: 0 });
    }

    #[test]
    fn shadow_mode_never_refuses() {
        for answer in [Ok(ALLOW), Ok(DENY), Err(LimiterError::Timeout)] {
            assert!(decide(answer, Policy::Shadow).admits());
        }
    }
}
