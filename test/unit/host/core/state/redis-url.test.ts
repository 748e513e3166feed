import { parseRedisUrl } from '../../../../../host/core/state/redis-url';

test('plain and TLS server URLs go to ioredis as they are', () => {
  expect(parseRedisUrl('redis://:pw@10.0.0.5:6379/2')).toEqual({ kind: 'server', url: 'redis://:pw@10.0.0.5:6379/2' });
  expect(parseRedisUrl('rediss://cache.example')).toEqual({ kind: 'server', url: 'rediss://cache.example' });
});

test('a Sentinel URL names the sentinels, the master, the database and the credentials', () => {
  expect(parseRedisUrl('redis-sentinel://app:p%40ss@10.0.0.1:26380,10.0.0.2,[2001:db8::1]:26381/mymaster/3')).toEqual({
    kind: 'sentinel',
    options: {
      sentinels: [{ host: '10.0.0.1', port: 26380 }, { host: '10.0.0.2', port: 26379 }, { host: '2001:db8::1', port: 26381 }],
      name: 'mymaster', db: 3, username: 'app', password: 'p@ss', sentinelPassword: 'p@ss',
    },
  });
  expect(parseRedisUrl('rediss-sentinel://s1/m')).toMatchObject({ kind: 'sentinel', options: { tls: {}, enableTLSForSentinelMode: true, db: 0 } });
});

test('a Cluster URL lists seed nodes', () => {
  expect(parseRedisUrl('redis-cluster://:pw@n1:7000,n2:7001')).toEqual({
    kind: 'cluster',
    nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }],
    options: { redisOptions: { password: 'pw' } },
  });
});

test.each([
  ['127.0.0.1:6379', /expected a URL/],
  ['http://x', /unknown scheme "http"/],
  ['redis-sentinel://s1:26379', /master name is missing/],
  ['redis-sentinel://s1/m/x', /database "x" is not a number/],
  ['redis-cluster://n1:99999', /port "99999" of n1/],
  ['redis-cluster://n1/0', /takes no path/],
  ['redis-cluster://', /no host/],
  ['redis-sentinel://[::1/m', /unclosed \[/],
])('%s is refused with a clear message', (url, msg) => {
  expect(() => parseRedisUrl(url)).toThrow(msg);
});

test('a password never appears in the error', () => {
  expect(() => parseRedisUrl('redis-cluster://:hunter2@n1:0')).toThrow(/^state.url "redis-cluster:\/\/\*\*\*@n1:0": /);
  try {
    parseRedisUrl('redis-cluster://:hunter2@n1:0');
  } catch (e) {
    expect((e as Error).message).not.toContain('hunter2');
  }
});
