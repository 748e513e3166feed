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
 * Announces one change to the local read paths of every node (redis-replica.ts),
 * in the same atomic step as the change itself: a node that sees version v has
 * every change up to v, and a gap tells it that it missed one.
 * The version key is a hash: v (the version) and epoch (set when the hash is
 * created, so a flushed or replaced Redis shows up as another epoch).
 */
const EPOCH = `
local function epoch(vkey)
  local e = redis.call('HGET', vkey, 'epoch')
  if not e then
    local t = redis.call('TIME')
    e = t[1] .. '.' .. t[2]
    redis.call('HSET', vkey, 'epoch', e)
  end
  return e
end
`;

const ANNOUNCE = `${EPOCH}
local function announce(vkey, chan, node, op, name, value)
  epoch(vkey)
  local v = redis.call('HINCRBY', vkey, 'v', 1)
  redis.call('PUBLISH', chan, cjson.encode({v, node, op, name, value}))
  return v
end
`;

/**
 * KEYS: value, name index (lexical), expiry index, replica version.
 * ARGV: name, stored JSON, expiresAt ('' = never), ttl ms ('' = none), channel ('' = a value no node replicates), node id.
 * The lexical index makes list(prefix) a range read, never a SCAN of the keyspace.
 * Returns the replica version of the change (0 when not announced).
 */
const KV_SET = `${ANNOUNCE}
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
if ARGV[5] == '' then return 0 end
return announce(KEYS[4], ARGV[5], ARGV[6], 'K', ARGV[1], ARGV[2])
`;

/** KEYS as KV_SET. ARGV: name, channel, node id. Returns {existed (0|1), replica version}. */
const KV_DELETE = `${ANNOUNCE}
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local n = redis.call('DEL', KEYS[1])
if ARGV[2] == '' or n == 0 then return {n, 0} end
return {n, announce(KEYS[4], ARGV[2], ARGV[3], 'k', ARGV[1], '')}
`;

/** KEYS: blocks hash, expiry index, replica version. ARGV: field, JSON, expiresAt, channel, node id. Returns the replica version. */
const BLOCK_PUT = `${ANNOUNCE}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return announce(KEYS[3], ARGV[4], ARGV[5], 'B', ARGV[1], ARGV[2])
`;

/**
 * KEYS as BLOCK_PUT. ARGV: channel, node id, then field, JSON pairs. Removes
 * each block only if it is still the one that was read: a block another node
 * just renewed survives. Returns, per pair removed: its 1-based index, the replica version of its removal.
 */
const BLOCK_CLEAR = `${ANNOUNCE}
local gone = {}
for i = 3, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
    table.insert(gone, (i - 1) / 2)
    table.insert(gone, announce(KEYS[3], ARGV[1], ARGV[2], 'b', ARGV[i], ''))
  end
end
return gone
`;

/**
 * Everything a local read path holds, read in one atomic step with the
 * version it corresponds to. KEYS: replica version, blocks hash, kv name index.
 * ARGV: kv key prefix, then the replicated name prefixes.
 * Returns {epoch, version, {field, JSON, ...}, {name, stored JSON, ...}}.
 */
const SNAPSHOT = `${EPOCH}
local e = epoch(KEYS[1])
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
local kvs = {}
for i = 2, #ARGV do
  local p = ARGV[i]
  for _, name in ipairs(redis.call('ZRANGEBYLEX', KEYS[3], '[' .. p, '(' .. p .. '\\255')) do
    local raw = redis.call('GET', ARGV[1] .. name)
    if raw then
      table.insert(kvs, name)
      table.insert(kvs, raw)
    end
  end
end
return {e, v, redis.call('HGETALL', KEYS[2]), kvs}
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
  mwKvSet: { numberOfKeys: 4, lua: KV_SET },
  mwKvDelete: { numberOfKeys: 4, lua: KV_DELETE },
  mwBlockPut: { numberOfKeys: 3, lua: BLOCK_PUT },
  mwBlockClear: { numberOfKeys: 3, lua: BLOCK_CLEAR },
  mwSnapshot: { numberOfKeys: 3, lua: SNAPSHOT },
  mwAuditAppend: { numberOfKeys: 1, lua: AUDIT_APPEND },
  mwCollect: { numberOfKeys: 4, lua: COLLECT },
} as const;

type ScriptArg = string | number;
type Script = (...args: ScriptArg[]) => Promise<unknown>;

/** The scripts as ioredis commands (EVALSHA, with EVAL when the server lost its script cache). */
export type ScriptCommands = { [K in keyof typeof SCRIPTS]: Script };
