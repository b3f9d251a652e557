/**
 * The limiter's decision as one Redis script: the arithmetic of gcra.ts over the owner's
 * configuration hash and two TAT strings, all under one hash tag ({owner}) so it also runs on
 * Redis Cluster. The clock is Redis TIME, so instances need no synchronised clocks. A refusal
 * writes nothing, except a carried debt (below).
 *
 * The configuration hash expires (PUBLISH_SCRIPT sets its TTL): a publication that failed, or a
 * change made where Redis was not configured, is overwritten by a reload from the database at
 * the latest one TTL later, since a missing hash makes the caller reload.
 *
 * KEYS: 1 configuration hash (limit, reserved, k:<keyId> = reservation), 2 the key's TAT,
 *       3 the shared pool's TAT
 * ARGV: 1 key id, 2 cost, 3 'consume' or 'peek', 4 and 5 (optional) debts in µs for the key's
 *       and the shared pool's bucket: the cluster's admissions while Redis was unreachable, as one
 *       instance estimates them, so the shared buckets do not start full again when it returns.
 *       A bucket's TAT becomes at least now + debt (capped at a spent bucket, now + 1 s): the
 *       largest estimate wins, so instances returning one after another do not add up.
 * Returns {status, pool, remaining, resetUs, retryUs, keyQuota, sharedQuota} with status
 * 1 allowed, 0 refused, -1 no configuration (the caller loads it and retries); pool 1 key, 2 shared.
 * In 'peek' mode: {1, 0, keyUsage, sharedUsage, 0, keyQuota, sharedQuota} and nothing is written.
 */
export const DECIDE_SCRIPT = `
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit'))
if not limit then return {-1, 0, 0, 0, 0, 0, 0} end
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved')) or 0
local keyQuota = tonumber(redis.call('HGET', KEYS[1], 'k:' .. ARGV[1])) or 0
local sharedQuota = math.max(limit - reserved, 0)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local TAU = 1000000
local cost = tonumber(ARGV[2])

if ARGV[3] == 'peek' then
  local function used(key, rate)
    local tat = tonumber(redis.call('GET', key))
    if rate <= 0 or not tat or tat <= now then return 0 end
    return math.min(rate, math.ceil((tat - now) / math.max(1, math.floor(TAU / rate))))
  end
  return {1, 0, used(KEYS[2], keyQuota), used(KEYS[3], sharedQuota), 0, keyQuota, sharedQuota}
end

local wait = nil
local buckets = {{KEYS[2], keyQuota, 1, tonumber(ARGV[4]) or 0}, {KEYS[3], sharedQuota, 2, tonumber(ARGV[5]) or 0}}
for _, bucket in ipairs(buckets) do
  local rate = bucket[2]
  if rate > 0 then
    local interval = math.max(1, math.floor(TAU / rate))
    local tat = tonumber(redis.call('GET', bucket[1])) or now
    if tat < now then tat = now end
    if bucket[4] > 0 and now + bucket[4] > tat then
      tat = math.min(now + bucket[4], now + TAU)
      redis.call('SET', bucket[1], tat, 'PX', math.ceil((tat - now) / 1000) + 1000)
    end
    local nextTat = tat + cost * interval
    local waitUs = nextTat - TAU - now
    if waitUs <= 0 then
      redis.call('SET', bucket[1], nextTat, 'PX', math.ceil((nextTat - now) / 1000) + 1000)
      return {1, bucket[3], math.floor((TAU - (nextTat - now)) / interval), nextTat - now, 0, keyQuota, sharedQuota}
    end
    if not wait or waitUs < wait then wait = waitUs end
  end
end
if not wait then wait = TAU end
local pool = 2
if keyQuota > 0 then pool = 1 end
return {0, pool, 0, wait, wait, keyQuota, sharedQuota}
`;

/**
 * Writes an owner's configuration hash in one step, with a time to live.
 * ARGV: 1 TTL in ms, 2 'replace' (a change: overwrite) or 'fill' (a reload after a miss: write
 * only if the hash is still missing, so a reload that read the database before a change cannot
 * overwrite that change's publication), 3 limit, 4 reserved, then key id / reservation pairs.
 * Returns 1 when written, 0 when 'fill' found a hash already there.
 */
export const PUBLISH_SCRIPT = `
if ARGV[2] == 'fill' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'limit', ARGV[3], 'reserved', ARGV[4])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'k:' .. ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/** Redis keys of one owner, sharing the hash tag `{owner}`. */
export function redisKeys(owner: string, keyId: string) {
  const tag = `appkeys:rl:{${owner}}`;
  return { config: `${tag}:cfg`, key: `${tag}:k:${keyId}`, shared: `${tag}:shared` };
}
