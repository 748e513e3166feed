import { PasswordHistory, hashPassword, historyKey, matches } from '../../../../plugins/password-sizestrength/history';
import { MESSAGES } from '../../../../plugins/password-sizestrength/messages';
import { MemoryStateStore } from '../../../../shared/testing';

const NOW = Date.UTC(2026, 0, 1);

/** A cheap cost for the tests of history bookkeeping; the default cost has tests of its own. */
const TEST_COST = { N: 1 << 10, r: 8, p: 1 };

test("a history entry is a salted scrypt hash at OWASP's cost (N=2^17, r=8, p=1): no password in it, a fresh salt each time", async () => {
  const a = await hashPassword('Été2024!x', NOW);
  const b = await hashPassword('Été2024!x', NOW);
  expect(a).toMatchObject({ alg: 'scrypt', N: 131072, r: 8, p: 1, at: NOW });
  expect(Buffer.from(a.salt, 'base64')).toHaveLength(16);
  expect(a.salt).not.toBe(b.salt);
  expect(a.hash).not.toBe(b.hash);
  expect(JSON.stringify(a)).not.toContain('2024');
  expect(await matches('Été2024!x', a)).toBe(true);
  // The same password in decomposed form is the same password.
  expect(await matches('E\u0301te\u03012024!x', a)).toBe(true);
  expect(await matches('Été2024!X', a)).toBe(false);
});

test('an entry made with the earlier cost (N=2^14) is still verified, and kept beside new ones', async () => {
  const store = new MemoryStateStore();
  // As the previous version stored it: its parameters are in the entry.
  const old = await hashPassword('Old-pass-1', NOW, { N: 1 << 14, r: 8, p: 1 });
  expect(old).toMatchObject({ N: 16384, r: 8, p: 1 });
  await store.set(historyKey('carol@example.com'), [old]);
  const history = new PasswordHistory(store);
  expect(await history.wasUsed('carol@example.com', 'Old-pass-1', 5, NOW)).toBe(true);
  await history.record('carol@example.com', 'New-pass-2', 6, NOW + 1);
  const entries = await history.entries('carol@example.com', NOW);
  expect(entries.map((e) => e.N)).toEqual([131072, 16384]);
  expect(await history.wasUsed('carol@example.com', 'Old-pass-1', 5, NOW)).toBe(true);
  expect(await history.wasUsed('carol@example.com', 'New-pass-2', 0, NOW)).toBe(true);
});

test('stored parameters outside sane bounds are ignored, not run (a tampered store cannot make scrypt take gigabytes)', async () => {
  const store = new MemoryStateStore();
  const good = await hashPassword('Pw-good-1', NOW, TEST_COST);
  await store.set(historyKey('dan@example.com'), [{ ...good, N: 1 << 24 }, { ...good, N: 1000 }, { ...good, r: 1024 }, good]);
  const history = new PasswordHistory(store, TEST_COST);
  expect((await history.entries('dan@example.com', NOW)).map((e) => e.N)).toEqual([1024]);
  expect(await history.wasUsed('dan@example.com', 'Pw-good-1', 5, NOW)).toBe(true);
});

describe('PasswordHistory', () => {
  const passwords = ['Pw-0-aaaa', 'Pw-1-bbbb', 'Pw-2-cccc', 'Pw-3-dddd', 'Pw-4-eeee', 'Pw-5-ffff', 'Pw-6-gggg'];
  let store: MemoryStateStore;
  let history: PasswordHistory;

  beforeAll(async () => {
    store = new MemoryStateStore();
    history = new PasswordHistory(store, TEST_COST);
    // historySize 5: the current password and the 5 before it are kept (6 entries).
    for (const [i, pw] of passwords.entries()) await history.record('alice@example.com', pw, 6, NOW + i);
  });

  test('keeps the current password and historySize before it, newest first', async () => {
    const e = await history.entries('alice@example.com', NOW);
    expect(e.map((x) => x.at)).toEqual([6, 5, 4, 3, 2, 1].map((i) => NOW + i));
  });

  test.each([
    // [password, historySize, refused]
    ['Pw-6-gggg', 0, true], // the current one, even with no history
    ['Pw-5-ffff', 0, false],
    ['Pw-5-ffff', 1, true],
    ['Pw-1-bbbb', 4, false],
    ['Pw-1-bbbb', 5, true],
    ['Pw-0-aaaa', 5, false], // dropped: 7th change with 6 kept
    ['never-used', 5, false],
  ] as const)('%j with historySize %d → used %s', async (pw, size, used) => {
    expect(await history.wasUsed('alice@example.com', pw, size, NOW)).toBe(used);
  });

  test('another account has its own history', async () => {
    expect(await history.wasUsed('bob@example.com', 'Pw-6-gggg', 5, NOW)).toBe(false);
  });

  test('nothing in the store holds a password in clear', async () => {
    const rows = await store.list('', NOW);
    const dump = JSON.stringify(rows);
    expect(rows.map((r) => r.key)).toContain(historyKey('alice@example.com'));
    for (const pw of passwords) expect(dump).not.toContain(pw);
  });

  test('a damaged stored value is ignored, not trusted', async () => {
    const s = new MemoryStateStore();
    await s.set(historyKey('x@example.com'), [{ alg: 'md5', hash: 'zz' }, 'junk', null]);
    const h = new PasswordHistory(s);
    expect(await h.entries('x@example.com', NOW)).toEqual([]);
    expect(await h.wasUsed('x@example.com', 'anything', 5, NOW)).toBe(false);
  });
});

test('the history message speaks three languages and names the size', () => {
  for (const size of [0, 5]) {
    const m = MESSAGES.history({ size });
    expect(new Set([m.en, m.fr, m.de]).size).toBe(3);
    if (size) for (const t of [m.en, m.fr, m.de]) expect(t).toContain('5');
  }
});
