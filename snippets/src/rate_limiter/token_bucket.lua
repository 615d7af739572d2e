-- Token bucket for one key, run by Redis as one atomic script (EVAL / EVALSHA).
--
-- Shown in "Design a Rate Limiter" (book/src/designs/rate-limiter.md), stage 6. The same
-- algorithm as token_bucket.rs; redis.rs loads this file, and snippets/tests/redis.rs runs
-- it against a real Redis server. Needs Redis 5.0 or later, where scripts are replicated by
-- their effects (the writes they make) by default, so reading TIME before a write is
-- allowed; Redis 3.2 to 4.0 would need redis.replicate_commands() first.
--
-- KEYS[1]  the bucket: a hash with the fields tokens and last_us
-- ARGV[1]  capacity, the largest burst
-- ARGV[2]  interval_us: one token is added every interval
-- Returns  {1, tokens remaining} if admitted, {0, microseconds to wait} if refused

-- region: script
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])

-- The server's clock, never the caller's: every application server sees the same time.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local state = redis.call('HMGET', key, 'tokens', 'last_us')
local tokens = tonumber(state[1]) or capacity -- a new key starts full
local last = tonumber(state[2]) or now

-- Lazy refill, keeping the part of an interval that has not yet earned a token.
local earned = math.floor(math.max(0, now - last) / interval)
tokens = math.min(capacity, tokens + earned)
if tokens == capacity then
  last = math.max(now, last)
else
  last = last + earned * interval
end

local reply
if tokens > 0 then
  tokens = tokens - 1
  reply = {1, tokens}
else
  reply = {0, last + interval - now}
end

redis.call('HSET', key, 'tokens', tokens, 'last_us', last)
-- Left alone this long, the bucket is full again, and a missing key means the same: let
-- Redis delete it then. The key with the shortest TTL is the one closest to full.
redis.call('PEXPIRE', key, math.ceil((last + (capacity - tokens) * interval - now) / 1000))
return reply
-- endregion: script
