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
//! Tested against a real `redis-server` in `snippets/tests/redis.rs`.
//!
//! ```no_run
//! use std::time::Duration;
//! use snippets::rate_limiter::policy::{decide, Policy};
//! use snippets::rate_limiter::redis::RedisLimiter;
//!
//! // 10 a second with bursts of 20, shared by every server that uses this Redis.
//! let url = "redis://127.0.0.1:6379/";
//! let mut limiter = RedisLimiter::new(url, 20, 100_000, Duration::from_millis(50))?;
//! let verdict = decide(limiter.check("rl:{key_8f3a}:burst"), Policy::FailOpen);
//! println!("{verdict:?}");
//! # Ok::<(), snippets::rate_limiter::policy::LimiterError>(())
//! ```

use std::time::Duration;

use super::Decision;
use super::policy::LimiterError;

/// The Lua script, exactly the file the chapter prints.
pub const TOKEN_BUCKET_LUA: &str = include_str!("token_bucket.lua");

// region: client
/// One application server's handle on the shared buckets.
pub struct RedisLimiter {
    client: redis::Client,
    connection: Option<redis::Connection>, // dropped after an error, reopened on next use
    script: redis::Script,                 // sent once, then run by its SHA1 (EVALSHA)
    capacity: u64,
    interval_us: u64,
    timeout: Duration, // for connecting, sending and waiting for the reply
}

impl RedisLimiter {
    /// A limiter on the Redis server at `url` (`redis://127.0.0.1:6379/`) for buckets of
    /// `capacity` tokens refilled one per `interval_us`. Connects lazily.
    pub fn new(
        url: &str,
        capacity: u64,
        interval_us: u64,
        timeout: Duration,
    ) -> Result<RedisLimiter, LimiterError> {
        let client = redis::Client::open(url).map_err(classify)?;
        let script = redis::Script::new(TOKEN_BUCKET_LUA);
        let connection = None;
        Ok(RedisLimiter {
            client,
            connection,
            script,
            capacity,
            interval_us,
            timeout,
        })
    }

    /// Takes a token from `key`'s bucket, or says how long to wait for one.
    pub fn check(&mut self, key: &str) -> Result<Decision, LimiterError> {
        let mut connection = match self.connection.take() {
            Some(connection) => connection,
            None => self.connect()?,
        };
        let mut call = self.script.key(key);
        call.arg(self.capacity).arg(self.interval_us);
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
    fn a_bad_url_is_an_error_not_a_panic() {
        let limiter = RedisLimiter::new("not a url", 1, 1, Duration::from_millis(10));
        assert!(matches!(limiter, Err(LimiterError::Unavailable(_))));
    }
}
