import { PassThrough } from 'node:stream';
import type { Block } from '../../../../../shared';
import { main } from '../../../../../host/adapters/cli/main';
import { SqliteStore } from '../../../../../host/core/state/sqlite-store';
import * as path from 'node:path';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { jsonLines } from '../../../../helpers/json-lines';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env: { USER: 'tester', ...env } });
  return { code, out, err };
}

const NOW = Date.now();
const block = (o: Partial<Block> & { key: string }): Block => ({
  domain: 'example.com', reason: 'test', source: 'password-bruteforce', createdAt: NOW, expiresAt: NOW + 3_600_000, strikes: 1, ...o,
});

let dataDir: string;
let server: SqliteStore;

beforeEach(async () => {
  dataDir = tempDir('mw-cli-blocks-');
  // Stands in for a running `serve`: its own connection with a block cache.
  server = new SqliteStore(path.join(dataDir, 'mailwarden.db'), { flushIntervalMs: 3_600_000 });
  await server.putBlock(block({ key: 'pair:198.51.100.7/32|alice@example.com', login: 'alice@example.com', network: '198.51.100.7/32' }));
  await server.putBlock(block({ key: 'login:alice@example.com', login: 'alice@example.com' }));
  await server.putBlock(block({ key: 'net:2001:db8:1:2::/64', network: '2001:db8:1:2::/64' }));
  await server.putBlock(block({ key: 'pair:198.51.100.7/32|carol@other.org', domain: 'other.org', login: 'carol@other.org', network: '198.51.100.7/32' }));
  await server.putBlock(block({ key: 'pair:198.51.100.8/32|old@example.com', login: 'old@example.com', network: '198.51.100.8/32', expiresAt: NOW - 1 }));
});

afterEach(async () => {
  await server.close();
});

const args = (...a: string[]) => [...a, '--data-dir', dataDir, '--plugin-dir', dataDir];

test('list shows active blocks, filtered by domain, as a table or JSON', async () => {
  const all = await cli(args('blocks', 'list', '--json'));
  expect(all.code).toBe(0);
  const keys = jsonLines<Block>(all.out).map((b) => b.key).sort();
  expect(keys).toEqual(['login:alice@example.com', 'net:2001:db8:1:2::/64', 'pair:198.51.100.7/32|alice@example.com', 'pair:198.51.100.7/32|carol@other.org']);
  const other = await cli(args('blocks', 'list', '--domain', 'Other.ORG'));
  expect(other.out).toMatch(/^DOMAIN +LOGIN +NETWORK +UNTIL/);
  expect(other.out).toContain('carol@other.org');
  expect(other.out).not.toContain('alice@example.com');
});

test('clear --login lifts every block of that login (normalised), audits, and a running server sees it', async () => {
  expect(await server.getBlock('login:alice@example.com', 'example.com', Date.now())).toBeDefined();
  const r = await cli(args('blocks', 'clear', '--login', 'Alice@Example.COM'));
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/cleared 2 block\(s\)/);
  server.poll();
  expect(await server.getBlock('login:alice@example.com', 'example.com', Date.now())).toBeUndefined();
  expect(await server.getBlock('pair:198.51.100.7/32|alice@example.com', 'example.com', Date.now())).toBeUndefined();
  const audit = await server.listAudit({ subjectPrefix: 'blocks:' });
  expect(audit[0]).toMatchObject({ actor: 'cli:tester', action: 'blocks.clear', subject: 'blocks:login alice@example.com' });
});

test('clear --ip lifts blocks whose network contains the address, within --domain', async () => {
  const r = await cli(args('blocks', 'clear', '--ip', '198.51.100.7', '--domain', 'example.com', '--json'));
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out).cleared.map((b: Block) => b.key)).toEqual(['pair:198.51.100.7/32|alice@example.com']);
  const v6 = await cli(args('blocks', 'clear', '--ip', '2001:db8:1:2::abcd'));
  expect(v6.out).toContain('cleared 1 block(s)');
  expect((await server.listBlocks({}, Date.now())).map((b) => b.key).sort()).toEqual(['login:alice@example.com', 'pair:198.51.100.7/32|carol@other.org']);
});

test('clear --all', async () => {
  expect((await cli(args('blocks', 'clear', '--all'))).code).toBe(0);
  expect(await server.listBlocks({}, Date.now())).toEqual([]);
});

test.each([
  [['blocks', 'clear'], /exactly one of --login L, --ip IP or --all/],
  [['blocks', 'clear', '--login', 'a@example.com', '--all'], /exactly one .*\(got --login, --all\)/],
  [['blocks', 'clear', '--ip', '198.51.100.300'], /--ip "198.51.100.300" is not an IPv4 or IPv6 address/],
  [['blocks', 'clear', '--login', 'bad\u0001@example.com'], /control characters/],
  [['blocks', 'clear', '--all', '--domain', 'exa..mple'], /not a valid domain/],
  [['blocks', 'list', '--login', 'a@example.com'], /--login is for "blocks add" or "blocks clear"/],
  [['blocks', 'purge'], /unknown subcommand "purge"/],
  [['blocks'], /a subcommand is required/],
])('bad usage %j is refused with exit 2 and changes nothing', async (argv, message) => {
  const r = await cli(args(...argv));
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
  expect(await server.listBlocks({}, Date.now())).toHaveLength(4);
});
