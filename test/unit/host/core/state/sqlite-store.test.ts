import * as path from 'node:path';
import { SqliteStore } from '../../../../../host/core/state/sqlite-store';
import { tempDir } from '../../../../helpers/plugin-fixture';

const block = (key: string, expiresAt: number) => ({ key, domain: 'example.com', login: 'a@example.com', network: '192.0.2.0/24', reason: 'test', source: 'p', createdAt: 0, expiresAt, strikes: 1 });

describe('SQLite store', () => {
  test('state survives a restart: blocks, key/values, audit, and counters written behind', async () => {
    const file = path.join(tempDir(), 'state.db');
    const a = new SqliteStore(file, { now: () => 5_000 });
    await a.putBlock(block('pair:x', 100_000));
    await a.set('cfg', { n: 1 });
    await a.set('gone', 1, 4_000);
    await a.appendAudit({ at: 1, actor: 'cli:root', action: 'x', subject: 'plugin:p', domain: 'example.com' });
    await a.hit('fails', 60_000, 5_000, 3);
    await a.addDistinct('nets', '192.0.2.0/24', 60_000, 5_000);
    await a.close();
    const b = new SqliteStore(file, { now: () => 6_000 });
    expect(await b.getBlock('pair:x', 'example.com', 6_000)).toMatchObject({ login: 'a@example.com', strikes: 1 });
    expect(await b.getBlock('pair:x', 'example.com', 100_000)).toBeUndefined();
    expect(await b.get('cfg', 6_000)).toEqual({ n: 1 });
    expect(await b.get('gone', 6_000)).toBeUndefined();
    expect(await b.listAudit({ subjectPrefix: 'plugin:' })).toHaveLength(1);
    expect(await b.count('fails', 60_000, 6_000)).toBe(3);
    expect(await b.distinctMembers('nets', 60_000, 6_000)).toEqual(['192.0.2.0/24']);
    expect(await b.listBlocks({ ip: '192.0.2.77' }, 6_000)).toHaveLength(1);
    expect(await b.listBlocks({ ip: '198.51.100.1' }, 6_000)).toHaveLength(0);
    await b.close();
  });

  test('another process sees a change: caches drop and subscribers hear it', async () => {
    const file = path.join(tempDir(), 'state.db');
    const server = new SqliteStore(file, { flushIntervalMs: 60_000 });
    const cli = new SqliteStore(file, { flushIntervalMs: 60_000 });
    await server.putBlock(block('ip:y', Date.now() + 60_000));
    expect(await server.getBlock('ip:y', 'example.com', Date.now())).toBeDefined();
    const heard: string[] = [];
    server.subscribe((c) => heard.push(c));
    await cli.clearBlocks({ key: 'ip:y' });
    await cli.publish('blocks');
    await cli.publish('settings');
    server.poll();
    expect(heard.sort()).toEqual(['blocks', 'settings']);
    expect(await server.getBlock('ip:y', 'example.com', Date.now())).toBeUndefined();
    server.poll();
    expect(heard).toHaveLength(2);
    await server.close();
    await cli.close();
  });
});
