//! Rules: which limits apply to a request, and checking several limits as one.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 2.
//!
//! In: the rule table (limits per tier and route, with `None` matching anything) and a
//! request's tier and route; then the limiters of the chosen rule and the arrival time.
//! Out: the most specific matching rule; and one decision for all its limits, admitted only
//! if every limit admits, with nothing taken from any limit when one refuses.
//!
//! ```
//! use snippets::rate_limiter::rules::{check_all, select, Rule};
//! use snippets::rate_limiter::token_bucket::TokenBucket;
//! use snippets::rate_limiter::SECOND_US;
//!
//! let rule = |tier: Option<&str>, route: Option<&str>, limit: u64| Rule {
//!     tier: tier.map(String::from),
//!     route: route.map(String::from),
//!     limits: vec![("burst".into(), limit, SECOND_US)],
//! };
//! let rules = [rule(Some("free"), None, 10), rule(None, Some("POST /v1/login"), 1)];
//! let chosen = select(&rules, "free", "POST /v1/login").unwrap();
//! assert_eq!(chosen.limits[0].1, 1); // the route's rule beats the tier's
//!
//! let mut limits: Vec<TokenBucket> = chosen
//!     .limits
//!     .iter()
//!     .map(|&(_, capacity, interval)| TokenBucket::new(capacity, interval))
//!     .collect();
//! assert!(check_all(&mut limits, 0).is_allowed());
//! assert!(!check_all(&mut limits, 0).is_allowed());
//! ```

use super::{Decision, Limiter};

/// One row of the rule table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The customer tier it applies to (`"free"`); `None` for every tier.
    pub tier: Option<String>,
    /// The route it applies to (`"POST /v1/login"`); `None` for every route.
    pub route: Option<String>,
    /// Its limits, by name: (`"burst"`, capacity, interval in microseconds).
    pub limits: Vec<(String, u64, u64)>,
}

// region: select
/// The rule for a request: among the rules whose tier and route match (`None` matches
/// anything), the most specific. A route is more specific than a tier, and both together
/// beat either, so a login rule overrides its tier's general limits. Ties go to the first.
pub fn select<'a>(rules: &'a [Rule], tier: &str, route: &str) -> Option<&'a Rule> {
    let matches = |field: &Option<String>, value: &str| field.as_deref().is_none_or(|f| f == value);
    let specificity =
        |rule: &Rule| 2 * u8::from(rule.route.is_some()) + u8::from(rule.tier.is_some());
    rules
        .iter()
        .filter(|rule| matches(&rule.tier, tier) && matches(&rule.route, route))
        .rev() // `max_by_key` keeps the last of equals; reversed, that is the first
        .max_by_key(|rule| specificity(rule))
}
// endregion: select

// region: all
/// Checks every limit of a rule as one: the request is admitted only if all admit, and a
/// refusal takes nothing from any limit. The `Retry-After` is the longest of the refusals.
pub fn check_all<L: Limiter + Clone>(limiters: &mut [L], now_us: u64) -> Decision {
    let mut trial = limiters.to_vec(); // decide on copies, commit only if all admit
    let mut remaining = u64::MAX;
    let mut retry_after_us = None;
    for limiter in &mut trial {
        match limiter.check(now_us) {
            Decision::Allow { remaining: left } => remaining = remaining.min(left),
            Decision::Deny {
                retry_after_us: wait,
            } => {
                retry_after_us = retry_after_us.max(Some(wait));
            }
        }
    }
    match retry_after_us {
        Some(retry_after_us) => Decision::Deny { retry_after_us },
        None => {
            limiters.clone_from_slice(&trial);
            Decision::Allow { remaining }
        }
    }
}
// endregion: all

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limiter::SECOND_US;
    use crate::rate_limiter::token_bucket::TokenBucket;

    fn rule(tier: Option<&str>, route: Option<&str>, name: &str) -> Rule {
        Rule {
            tier: tier.map(String::from),
            route: route.map(String::from),
            limits: vec![(name.to_string(), 1, 1)],
        }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let rules = [
            rule(None, None, "global"),
            rule(Some("free"), None, "free"),
            rule(None, Some("POST /v1/login"), "login"),
            rule(Some("free"), Some("POST /v1/login"), "free login"),
            rule(Some("pro"), None, "pro"),
        ];
        let name = |tier, route| select(&rules, tier, route).map(|r| r.limits[0].0.as_str());
        assert_eq!(name("free", "GET /v1/items"), Some("free"));
        assert_eq!(name("free", "POST /v1/login"), Some("free login"));
        assert_eq!(name("pro", "POST /v1/login"), Some("login"));
        assert_eq!(name("enterprise", "GET /v1/items"), Some("global"));
        assert_eq!(select(&rules[1..2], "pro", "GET /"), None);
    }

    #[test]
    fn ties_go_to_the_first_rule() {
        let rules = [
            rule(Some("free"), None, "first"),
            rule(Some("free"), None, "second"),
        ];
        assert_eq!(
            select(&rules, "free", "GET /").unwrap().limits[0].0,
            "first"
        );
    }

    /// A burst limit of 2 (one more a second) and a quota of 3 that regains one token a
    /// day: the fourth request passes the burst limit but not the quota, and its refusal
    /// leaves the burst bucket as it was.
    #[test]
    fn every_limit_must_admit_and_a_refusal_takes_nothing() {
        let day = 86_400 * SECOND_US;
        let mut limits = [TokenBucket::new(2, SECOND_US), TokenBucket::new(3, day)];
        assert_eq!(check_all(&mut limits, 0), Decision::Allow { remaining: 1 });
        assert_eq!(check_all(&mut limits, 0), Decision::Allow { remaining: 0 });
        assert_eq!(
            check_all(&mut limits, 0),
            Decision::Deny {
                retry_after_us: SECOND_US
            }
        );
        assert_eq!(
            limits[1].tokens(),
            1,
            "the burst refusal took nothing from the quota"
        );
        assert_eq!(
            check_all(&mut limits, SECOND_US),
            Decision::Allow { remaining: 0 }
        );
        let before = limits[0].tokens();
        assert_eq!(
            check_all(&mut limits, 5 * SECOND_US),
            Decision::Deny {
                retry_after_us: day - 5 * SECOND_US
            }
        );
        assert_eq!(
            limits[0].tokens(),
            before,
            "the quota refusal took nothing from the burst"
        );
    }
}
