/*
 * Server-side steps of the Redis store. Each runs atomically in Redis, so
 * two nodes reporting at the same moment are both counted, exactly once.
 * Every script touches only keys that share one hash tag (see redis-keys.ts),
 * which Redis Cluster requires.
 *
 * Windowing matches windowed-counters.ts: an event at time t counts while
 * now - t < window (score range "(now-window +inf"); a key remembers the
 * longest window it was used with and forgets what is older than that.
 * Times are the caller's clock, never Redis' own: nodes and tests agree on
 * `now`, and Redis' TTLs only collect garbage.
 */

/** Sum of weighted hits in a score range; members are "<unique id>:<amount>". */
const SUM_WEIGHTED = `
local function weighted(key, from)
  local total = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, from, '+inf')) do
    total = total + tonumber(string.match(m, ':(.+)$'))
  end
  return total
end
`;

/**
 * KEYS: unit hits, weighted hits, longest window. ARGV: now, window, amount, unique id, ttl slack.
 * Hits of 1 (nearly all) live in their own set, so the total is ZCOUNT (log n), not a walk.
 */
const HIT = `${SUM_WEIGHTED}
local now, win, by = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxw = tonumber(redis.call('GET', KEYS[3]) or '0')
if win > maxw then maxw = win end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - maxw)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - maxw)
if by == 1 then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
elseif by ~= 0 then
  redis.call('ZADD', KEYS[2], now, ARGV[4] .. ':' .. ARGV[3])
end
local ttl = math.ceil(maxw + tonumber(ARGV[5]))
redis.call('SET', KEYS[3], maxw, 'PX', ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
local from = string.format('(%.17g', now - win)
return tostring(redis.call('ZCOUNT', KEYS[1], from, '+inf') + weighted(KEYS[2], from))
`;

/** KEYS as HIT. ARGV: now, window. */
const COUNT = `${SUM_WEIGHTED}
local maxw = tonumber(redis.call('GET', KEYS[3]) or '-1')
if maxw < 0 then return '0' end
local win = math.min(tonumber(ARGV[2]), maxw)
local from = string.format('(%.17g', tonumber(ARGV[1]) - win)
return tostring(redis.call('ZCOUNT', KEYS[1], from, '+inf') + weighted(KEYS[2], from))
`;

/** KEYS: member set (score = last seen), longest window. ARGV: now, window, member, ttl slack, cap. */
const DISTINCT_ADD = `
local now, win, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
local maxw = tonumber(redis.call('GET', KEYS[2]) or '0')
if win > maxw then maxw = win end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - maxw)
redis.call('ZADD', KEYS[1], now, ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
if n > cap then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - cap - 1) end
local ttl = math.ceil(maxw + tonumber(ARGV[4]))
redis.call('SET', KEYS[2], maxw, 'PX', ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return redis.call('ZCOUNT', KEYS[1], string.format('(%.17g', now - win), '+inf')
`;

/** KEYS as DISTINCT_ADD. ARGV: now, window. Newest first. */
const DISTINCT_MEMBERS = `
local maxw = tonumber(redis.call('GET', KEYS[2]) or '-1')
if maxw < 0 then return {} end
local win = math.min(tonumber(ARGV[2]), maxw)
return redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', string.format('(%.17g', tonumber(ARGV[1]) - win))
`;

/**
 * KEYS: value, name index (lexical), expiry index. ARGV: name, stored JSON, expiresAt ('' = never), ttl ms ('' = none).
 * The lexical index makes list(prefix) a range read, never a SCAN of the keyspace.
 */
const KV_SET = `
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
end
`;

/** KEYS as KV_SET. ARGV: name. Returns 1 if the value existed. */
const KV_DELETE = `
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('DEL', KEYS[1])
`;

/** KEYS: blocks hash, expiry index. ARGV: field, JSON, expiresAt. */
const BLOCK_PUT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
`;

/**
 * KEYS as BLOCK_PUT. ARGV: field, JSON pairs. Removes each block only if it is
 * still the one that was read: a block another node just renewed survives.
 * Returns the indexes (1-based pairs) removed.
 */
const BLOCK_CLEAR = `
local gone = {}
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
    table.insert(gone, (i + 1) / 2)
  end
end
return gone
`;

/** KEYS: audit list (newest first). ARGV: JSON, most entries kept. */
const AUDIT_APPEND = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
`;

/**
 * KEYS: kv name index, kv expiry index, blocks hash, blocks expiry index.
 * ARGV: cutoff, most entries per call. Drops index entries of values that
 * expired (the values themselves go by their own TTL) and expired blocks.
 */
const COLLECT = `
local n = 0
for _, name in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  redis.call('ZREM', KEYS[1], name)
  redis.call('ZREM', KEYS[2], name)
  n = n + 1
end
for _, f in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  redis.call('HDEL', KEYS[3], f)
  redis.call('ZREM', KEYS[4], f)
  n = n + 1
end
return n
`;

export const SCRIPTS = {
  mwHit: { numberOfKeys: 3, lua: HIT },
  mwCount: { numberOfKeys: 3, lua: COUNT },
  mwDistinctAdd: { numberOfKeys: 2, lua: DISTINCT_ADD },
  mwDistinctMembers: { numberOfKeys: 2, lua: DISTINCT_MEMBERS },
  mwKvSet: { numberOfKeys: 3, lua: KV_SET },
  mwKvDelete: { numberOfKeys: 3, lua: KV_DELETE },
  mwBlockPut: { numberOfKeys: 2, lua: BLOCK_PUT },
  mwBlockClear: { numberOfKeys: 2, lua: BLOCK_CLEAR },
  mwAuditAppend: { numberOfKeys: 1, lua: AUDIT_APPEND },
  mwCollect: { numberOfKeys: 4, lua: COLLECT },
} as const;

type ScriptArg = string | number;
type Script = (...args: ScriptArg[]) => Promise<unknown>;

/** The scripts as ioredis commands (EVALSHA, with EVAL when the server lost its script cache). */
export type ScriptCommands = { [K in keyof typeof SCRIPTS]: Script };
