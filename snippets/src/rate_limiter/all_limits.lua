-- Every limit of one caller checked and spent as one, by Redis, atomically (EVAL / EVALSHA).
--
-- Shown in "Design a Rate Limiter" (book/src/designs/rate-limiter.md), stages 2 and 7. Each
-- limit is a token bucket, the algorithm of token_bucket.lua; a daily quota of Q requests is
-- a bucket of capacity Q that regains one token every 86,400 s / Q (no reset at midnight;
-- not a rolling-day count: up to 2Q can pass in 24 hours). redis.rs loads this file; snippets/tests/redis.rs runs it against a
-- real Redis server, standalone and in cluster mode. Needs Redis 5.0 or later (effects
-- replication, so reading TIME before a write is allowed).
--
-- KEYS[i]            bucket i, a hash with the fields tokens and last_us. In Redis Cluster all
--                    keys must share one hash tag, {user:42} in rl:{user:42}:burst and
--                    rl:{user:42}:daily, so that they live in one slot on one server
-- ARGV[1]            cost: the tokens the request takes from every bucket (1 for a plain
--                    request, more for an expensive one)
-- ARGV[2i], ARGV[2i+1]  capacity and interval_us of bucket i
-- Returns  {1, fewest tokens left in any bucket} if admitted, or {0, microseconds to wait}
--          if refused; an error if the cost is not between 1 and every bucket's capacity

-- region: script
local cost = tonumber(ARGV[1])
local time = redis.call('TIME') -- the server's clock, as in token_bucket.lua
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

-- First decide, writing nothing: refill each bucket in a local copy.
local buckets = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local interval = tonumber(ARGV[2 * i + 1])
  if cost < 1 or cost > capacity then
    return redis.error_reply('ERR cost ' .. ARGV[1] .. ' is not between 1 and the capacity of ' .. key)
  end
  local state = redis.call('HMGET', key, 'tokens', 'last_us')
  local tokens = tonumber(state[1]) or capacity -- a new key starts full
  local last = tonumber(state[2]) or now
  local earned = math.floor(math.max(0, now - last) / interval)
  tokens = math.min(capacity, tokens + earned)
  if tokens == capacity then
    last = math.max(now, last)
  else
    last = last + earned * interval
  end
  if tokens < cost then
    -- The bucket holds `cost` tokens again (cost - tokens) intervals after `last`.
    wait = math.max(wait, last + (cost - tokens) * interval - now)
  end
  buckets[i] = {key = key, capacity = capacity, interval = interval, tokens = tokens, last = last}
end

-- One limit refuses: refuse, and spend nothing from any of them.
if wait > 0 then
  return {0, wait}
end

-- Every limit admits: spend `cost` from each.
local fewest = nil
for _, b in ipairs(buckets) do
  local tokens = b.tokens - cost
  redis.call('HSET', b.key, 'tokens', tokens, 'last_us', b.last)
  -- Left alone this long, the bucket is full again and the key says nothing a missing key
  -- does not: let Redis delete it then. Every key this script writes carries this TTL.
  local full_in_us = b.last + (b.capacity - tokens) * b.interval - now
  redis.call('PEXPIRE', b.key, math.ceil(full_in_us / 1000))
  fewest = math.min(fewest or tokens, tokens)
end
return {1, fewest}
-- endregion: script
