//! The token bucket kept in Redis and updated by one Lua script, so that every application
//! server shares one bucket per key and no two can interleave a read and a write.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 6; the
//! policy applied to its errors is in [`super::policy`] (stage 8).
//!
//! In: a Redis URL, the bucket's capacity and refill interval, a timeout, and one key per
//! request. Out: the script's [`Decision`], or a [`LimiterError`] when Redis refuses, drops
//! the connection or does not answer within the timeout. Time comes from the Redis server's
//! clock (`TIME` inside the script), not from the caller.
//!
//! [`RedisRule`] does the same for every limit of a rule at once (a burst limit and a daily
//! quota, say) with `all_limits.lua`: in, a caller and a request's cost in tokens; out, one
//! decision, with tokens taken from every limit or from none.
//!
//! Tested against a real `redis-server` in `snippets/tests/redis.rs`.
//!
//! ```no_run
//! use std::time::Duration;
//! use snippets::rate_limiter::policy::{decide, Policy};
//! use snippets::rate_limiter::redis::{Limit, RedisLimiter, RedisRule};
//! use snippets::rate_limiter::SECOND_US;
//!
//! // 10 a second with bursts of 20, shared by every server that uses this Redis.
//! let url = "redis://127.0.0.1:6379/";
//! let timeout = Duration::from_millis(5); // a few times the 1 ms budget
//! let mut limiter = RedisLimiter::new(url, 20, 100_000, timeout)?;
//! let verdict = decide(limiter.check("rl:{key_8f3a}:burst"), Policy::FailOpen);
//! println!("{verdict:?}");
//!
//! // 10 a second and 10,000 a day, together; a search costs 5 tokens of each.
//! let limits = vec![
//!     Limit::per("burst", 10, SECOND_US),
//!     Limit::per("daily", 10_000, 86_400 * SECOND_US),
//! ];
//! let mut rule = RedisRule::new(url, limits, timeout)?;
//! let verdict = decide(rule.check("key_8f3a", 5), Policy::FailOpen);
//! println!("{verdict:?}");
//! # Ok::<(), snippets::rate_limiter::policy::LimiterError>(())
//! ```

use std::time::Duration;

use super::Decision;
use super::policy::LimiterError;

/// The token bucket script, exactly the file the chapter prints.
pub const TOKEN_BUCKET_LUA: &str = include_str!("token_bucket.lua");
/// The script that checks and spends every limit of a caller as one.
pub const ALL_LIMITS_LUA: &str = include_str!("all_limits.lua");

// region: client
/// One application server's handle on the shared buckets.
pub struct RedisLimiter {
    link: Link,
    script: redis::Script, // sent once, then run by its SHA1 (EVALSHA)
    capacity: u64,
    interval_us: u64,
}

impl RedisLimiter {
    /// A limiter on the Redis server at `url` (`redis://127.0.0.1:6379/`) for buckets of
    /// `capacity` tokens refilled one per `interval_us`. Connects lazily; `timeout` bounds
    /// connecting, sending and waiting for each reply.
    pub fn new(
        url: &str,
        capacity: u64,
        interval_us: u64,
        timeout: Duration,
    ) -> Result<RedisLimiter, LimiterError> {
        Ok(RedisLimiter {
            link: Link::new(url, timeout)?,
            script: redis::Script::new(TOKEN_BUCKET_LUA),
            capacity,
            interval_us,
        })
    }

    /// Takes a token from `key`'s bucket, or says how long to wait for one.
    pub fn check(&mut self, key: &str) -> Result<Decision, LimiterError> {
        let mut call = self.script.key(key);
        call.arg(self.capacity).arg(self.interval_us);
        self.link.run(&call)
    }
}

/// A connection that is opened on first use, dropped after any error and reopened on the
/// next call, with every step bounded by the timeout.
struct Link {
    client: redis::Client,
    connection: Option<redis::Connection>,
    timeout: Duration,
}

impl Link {
    fn new(url: &str, timeout: Duration) -> Result<Link, LimiterError> {
        let client = redis::Client::open(url).map_err(classify)?;
        Ok(Link {
            client,
            connection: None,
            timeout,
        })
    }

    /// Runs a script that answers `{1, remaining}` or `{0, microseconds to wait}`.
    fn run(&mut self, call: &redis::ScriptInvocation) -> Result<Decision, LimiterError> {
        let mut connection = match self.connection.take() {
            Some(connection) => connection,
            None => self.connect()?,
        };
        let (admitted, value): (u8, u64) = call.invoke(&mut connection).map_err(classify)?;
        self.connection = Some(connection); // keep it only if it worked
        Ok(match admitted {
            1 => Decision::Allow { remaining: value },
            _ => Decision::Deny {
                retry_after_us: value,
            },
        })
    }

    fn connect(&self) -> Result<redis::Connection, LimiterError> {
        let connection = self.client.get_connection_with_timeout(self.timeout);
        let connection = connection.map_err(classify)?;
        connection
            .set_read_timeout(Some(self.timeout))
            .map_err(classify)?;
        connection
            .set_write_timeout(Some(self.timeout))
            .map_err(classify)?;
        Ok(connection)
    }
}

/// A timeout is reported as such; anything else means Redis is unavailable.
fn classify(error: redis::RedisError) -> LimiterError {
    if error.is_timeout() {
        LimiterError::Timeout
    } else {
        LimiterError::Unavailable(error.to_string())
    }
}
// endregion: client

// region: all
/// One limit of a rule, kept in Redis as a token bucket: `rl:{caller}:name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The key's suffix, such as `burst` or `daily`.
    pub name: String,
    /// The largest burst, in tokens.
    pub capacity: u64,
    /// One token returns every `interval_us`.
    pub interval_us: u64,
}

impl Limit {
    /// `requests` per `period_us`, all of which may come at once: a daily quota of 10,000
    /// is a bucket of 10,000 that regains one token every 8.64 s. The interval is rounded
    /// down to whole microseconds, so the rate is never below the one asked for.
    pub fn per(name: &str, requests: u64, period_us: u64) -> Limit {
        assert!(
            requests > 0 && period_us >= requests,
            "one token per microsecond at most"
        );
        Limit {
            name: name.to_string(),
            capacity: requests,
            interval_us: period_us / requests,
        }
    }
}

/// Every limit of one rule, checked and spent together by one script in one round trip.
pub struct RedisRule {
    link: Link,
    script: redis::Script,
    limits: Vec<Limit>,
}

impl RedisRule {
    /// The limits of a rule, on the Redis server at `url`.
    pub fn new(
        url: &str,
        limits: Vec<Limit>,
        timeout: Duration,
    ) -> Result<RedisRule, LimiterError> {
        assert!(!limits.is_empty(), "a rule has a limit");
        Ok(RedisRule {
            link: Link::new(url, timeout)?,
            script: redis::Script::new(ALL_LIMITS_LUA),
            limits,
        })
    }

    /// The Redis key of one limit of `caller`: the caller inside braces is the Redis
    /// Cluster hash tag, so all of a caller's limits land in one slot.
    pub fn key(caller: &str, limit: &Limit) -> String {
        format!("rl:{{{caller}}}:{}", limit.name)
    }

    /// Admits a request of `cost` tokens only if every limit of `caller` holds that many,
    /// and then takes them from each; a refusal takes nothing from any. `remaining` is the
    /// fewest tokens left in any limit; `retry_after_us` the longest wait among refusals.
    ///
    /// # Panics
    /// If `cost` is 0 or above a limit's capacity: such a request could never be
    /// admitted, a mistake in the rule, not a decision for one request.
    pub fn check(&mut self, caller: &str, cost: u64) -> Result<Decision, LimiterError> {
        let admissible = |limit: &Limit| (1..=limit.capacity).contains(&cost);
        assert!(
            self.limits.iter().all(admissible),
            "cost {cost} exceeds a limit"
        );
        let mut call = self.script.prepare_invoke();
        call.arg(cost);
        for limit in &self.limits {
            call.key(RedisRule::key(caller, limit));
            call.arg(limit.capacity).arg(limit.interval_us);
        }
        self.link.run(&call)
    }
}
// endregion: all

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_reads_the_server_clock_and_sets_an_expiry() {
        assert!(TOKEN_BUCKET_LUA.contains("redis.call('TIME')"));
        assert!(TOKEN_BUCKET_LUA.contains("PEXPIRE"));
        assert!(
            !TOKEN_BUCKET_LUA.contains("ARGV[3]"),
            "the caller passes no time"
        );
    }

    #[test]
    fn the_all_limits_script_spends_only_after_deciding() {
        let decide = ALL_LIMITS_LUA.find("if wait > 0").unwrap();
        let first_write = ALL_LIMITS_LUA.find("redis.call('HSET'").unwrap();
        assert!(
            decide < first_write,
            "nothing is written before every limit has decided"
        );
        assert!(ALL_LIMITS_LUA.contains("PEXPIRE"));
    }

    #[test]
    fn keys_share_the_caller_as_hash_tag() {
        let burst = Limit::per("burst", 10, 1_000_000);
        let daily = Limit::per("daily", 10_000, 86_400_000_000);
        assert_eq!(RedisRule::key("user:42", &burst), "rl:{user:42}:burst");
        assert_eq!(RedisRule::key("user:42", &daily), "rl:{user:42}:daily");
        assert_eq!(daily.interval_us, 8_640_000); // one token every 8.64 s
    }

    #[test]
    fn a_bad_url_is_an_error_not_a_panic() {
        let limiter = RedisLimiter::new("not a url", 1, 1, Duration::from_millis(10));
        assert!(matches!(limiter, Err(LimiterError::Unavailable(_))));
    }
}
