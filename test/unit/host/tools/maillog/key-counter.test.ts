import { KeyCounter, NO_DOMAIN } from '../../../../../host/tools/maillog/key-counter';

const bytes = (s: string) => Buffer.from(s, 'utf8');

function addAll(k: KeyCounter, keys: string[]): void {
  for (const key of keys) {
    const b = bytes(`x ${key} y`);
    k.add(b, 2, b.length - 2);
  }
}

/** Each address as a line holds it, `<address>`, counted in `senders` and its domain in `domains`. */
function addAddresses(senders: KeyCounter, domains: KeyCounter, addresses: string[]): void {
  for (const a of addresses) {
    const b = bytes(`<${a}>`);
    senders.addAddress(b, 1, b.length - 1, domains);
  }
}

test('counts keys case-insensitively, in the order first seen, from bytes and from text alike', () => {
  const k = new KeyCounter(100);
  addAll(k, ['Bob@Example.com', 'alice@example.com', 'BOB@EXAMPLE.COM']);
  k.addText('bob@example.COM', 2);
  expect([...k.entries()]).toEqual([['bob@example.com', 4], ['alice@example.com', 1]]);
  expect(k.size).toBe(2);
  expect(k.get('ALICE@example.com')).toBe(1);
  expect(k.get('carol@example.com')).toBeUndefined();
});

test('non-ASCII keys (UTF-8 in the log) are one key whatever their case, by bytes or by text', () => {
  const k = new KeyCounter(100);
  addAll(k, ['JÖRG@Bücher.example', 'jörg@bücher.example']);
  k.addText('JÖRG@BÜCHER.EXAMPLE', 1);
  expect([...k.entries()]).toEqual([['jörg@bücher.example', 3]]);
});

test('an address counts itself and its domain in one pass; no domain is the local bucket', () => {
  const senders = new KeyCounter(100);
  const domains = new KeyCounter(100);
  addAddresses(senders, domains, ['News@Partner.test', 'other@partner.TEST', 'www-data', 'Zoë@Ünï.test']);
  expect([...senders.entries()]).toEqual([['news@partner.test', 1], ['other@partner.test', 1], ['www-data', 1], ['zoë@ünï.test', 1]]);
  expect([...domains.entries()]).toEqual([['partner.test', 2], [NO_DOMAIN, 1], ['ünï.test', 1]]);
});

test('keeps every count through growth, and past its cap counts new keys as dropped', () => {
  const k = new KeyCounter(5000);
  const keys = Array.from({ length: 6000 }, (_, i) => `user${i}@example.com`);
  addAll(k, keys);
  addAll(k, keys.slice(0, 3000));
  expect(k.size).toBe(5000);
  expect(k.dropped).toBe(1000);
  const got = new Map(k.entries());
  expect(got.get('user0@example.com')).toBe(2);
  expect(got.get('user4999@example.com')).toBe(1);
  expect(got.has('user5000@example.com')).toBe(false);
  expect([...got.values()].reduce((a, b) => a + b, 0)).toBe(5000 + 3000);
});

test('a packed table absorbed into another sums its counts', () => {
  const a = new KeyCounter(100);
  const b = new KeyCounter(100);
  addAll(a, ['one@x.test', 'two@x.test']);
  addAll(b, ['TWO@x.test', 'three@x.test']);
  a.absorb(structuredClone(b.pack()));
  expect([...a.entries()]).toEqual([['one@x.test', 1], ['two@x.test', 2], ['three@x.test', 1]]);
});

test('top(n) gives the largest counts first, ties in the order first seen, as text', () => {
  const k = new KeyCounter(100);
  addAll(k, ['a@x.test', 'B@x.test', 'c@x.test', 'b@x.test', 'd@x.test', 'C@X.TEST', 'e@x.test']);
  expect(k.top(3)).toEqual([['b@x.test', 2], ['c@x.test', 2], ['a@x.test', 1]]);
  expect(k.top(10)).toEqual([['b@x.test', 2], ['c@x.test', 2], ['a@x.test', 1], ['d@x.test', 1], ['e@x.test', 1]]);
  expect(k.top(0)).toEqual([]);
  expect(new KeyCounter(10).top(5)).toEqual([]);
});

test('top(n) over a grown table (slots in hash order, not the order seen) ranks as a stable sort of its entries', () => {
  const k = new KeyCounter(10_000);
  // 3,000 keys: the table grows several times; counts from 1 to 7 give many ties.
  for (let i = 0; i < 3000; i++) for (let c = 0; c <= (i * 7919) % 7; c++) addAll(k, [`u${i}@d${i % 13}.test`]);
  const sorted = [...k.entries()].sort((a, b) => b[1] - a[1]);
  for (const n of [1, 20, 450, 3000, 3001]) expect(k.top(n)).toEqual(sorted.slice(0, n));
});

test('an empty key (an address ending in @) is a key like any other, in its place through a merge', () => {
  const senders = new KeyCounter(100);
  const domains = new KeyCounter(100);
  addAddresses(senders, domains, ['a@x.test', 'b@', 'c@y.test', 'd@']);
  expect([...domains.entries()]).toEqual([['x.test', 1], ['', 2], ['y.test', 1]]);
  const merged = new KeyCounter(100);
  merged.addText('y.test', 1);
  merged.absorb(structuredClone(domains.pack()));
  expect([...merged.entries()]).toEqual([['y.test', 2], ['x.test', 1], ['', 2]]);
});
