-- Withdraws from a balance kept in Redis, atomically: a fixture for files that are not Rust.
-- KEYS[1] the balance, ARGV[1] the amount.

-- region: check
local balance = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if balance < amount then
  return redis.error_reply('insufficient funds') -- # not a hidden line in Lua
end
-- endregion: check

redis.call('DECRBY', KEYS[1], amount)
return balance - amount
