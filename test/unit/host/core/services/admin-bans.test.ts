import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Block, BlockFilter } from '../../../../../shared';
import { AdminBans } from '../../../../../host/core/services/admin-bans';
import { addAdminBlock } from '../../../../../host/core/services/block-admin';
import { ManualClock } from '../../../../../host/core/services/clock';
import type { HostStore } from '../../../../../host/core/state/host-store';
import { MemoryStore } from '../../../../../host/core/state/memory-store';
import { PluginStore } from '../../../../../host/core/state/plugin-store';
import { SqliteStore } from '../../../../../host/core/state/sqlite-store';

const MINUTE = 60_000;

function pluginBlock(i: number, at: number): Block {
  return { key: `pair:198.51.100.${i}/32|u${i}@example.com`, domain: 'example.com', login: `u${i}@example.com`, network: `198.51.100.${i}/32`, reason: 'guesses', source: 'x', createdAt: at, expiresAt: at + 10 * MINUTE, strikes: 1 };
}

/** Counts the full block listings AdminBans makes (each one reads every block). */
function countListings(store: HostStore): { n: number } {
  const seen = { n: 0 };
  const list = store.listBlocks.bind(store);
  store.listBlocks = (filter: BlockFilter, now: number) => {
    seen.n++;
    return list(filter, now);
  };
  return seen;
}

describe.each([
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mw-admin-bans-')), 'state.db'))],
])('AdminBans on the %s store', (_name, open) => {
  let store: HostStore;
  let bans: AdminBans;
  const clock = new ManualClock();

  beforeEach(() => {
    store = open();
    bans = new AdminBans(store, clock);
  });
  afterEach(async () => {
    bans.dispose();
    await store.close();
  });

  it('does not reread the blocks after each block a plugin makes in this process', async () => {
    const listings = countListings(store);
    const plugin = new PluginStore(store, 'password-bruteforce');
    expect(await bans.verdict('example.com', 'a@example.com', '192.0.2.1')).toBeUndefined();
    for (let i = 0; i < 50; i++) {
      await plugin.putBlock(pluginBlock(i, clock.now()));
      expect(await bans.verdict('example.com', `u${i}@example.com`, `198.51.100.${i}`)).toBeUndefined();
    }
    await plugin.clearBlocks({ login: 'u1@example.com' });
    expect(await bans.verdict('example.com', 'u1@example.com', '198.51.100.1')).toBeUndefined();
    expect(listings.n).toBe(1);
  });

  it('applies a ban by hand at once, after plugin blocks were cached', async () => {
    const plugin = new PluginStore(store, 'password-bruteforce');
    await plugin.putBlock(pluginBlock(1, clock.now()));
    expect(await bans.verdict('example.com', 'mallory@example.com', '203.0.113.9')).toBeUndefined();
    await addAdminBlock(store, { domain: 'example.com', network: '203.0.113.0/24', reason: 'abuse', actor: 'test', at: clock.now(), ms: 10 * MINUTE });
    expect(await bans.verdict('example.com', 'mallory@example.com', '203.0.113.9')).toMatchObject({ action: 'deny', plugin: 'host' });
  });

  it('rereads on a change whose source it was not told (another process or node)', async () => {
    const listings = countListings(store);
    await bans.verdict('example.com', 'a@example.com', '192.0.2.1');
    await store.putBlock({ ...pluginBlock(2, clock.now()), key: 'admin:192.0.2.0/24|*', login: undefined, network: '192.0.2.0/24', source: 'admin' });
    await store.publish('blocks');
    expect(await bans.verdict('example.com', 'a@example.com', '192.0.2.1')).toMatchObject({ action: 'deny' });
    expect(listings.n).toBe(2);
  });

  it('rereads when a plugin calling itself admin writes a block', async () => {
    const listings = countListings(store);
    await bans.verdict('example.com', 'a@example.com', '192.0.2.1');
    await new PluginStore(store, 'admin').putBlock({ ...pluginBlock(3, clock.now()), login: undefined, network: '192.0.2.0/24' });
    expect(await bans.verdict('example.com', 'a@example.com', '192.0.2.1')).toMatchObject({ action: 'deny' });
    expect(listings.n).toBe(2);
  });
});
