import { ClientTable, MAX_NAMES } from '../../../../../host/tools/maillog/client-table';
import { STATUS_BOUNCED, STATUS_DEFERRED, STATUS_SENT } from '../../../../../host/tools/maillog/recognise';

/** The id of the client of a `host[ip]` text, counting a message from it under that name. */
function messageFrom(t: ClientTable, hostIp: string): number {
  const b = Buffer.from(`client=${hostIp}, x`, 'latin1');
  const open = b.indexOf('[');
  const close = b.indexOf(']');
  const id = t.idAt(b, open + 1, close);
  if (id >= 0) {
    t.message(id);
    t.addNameAt(id, b, 7, open);
  }
  return id;
}

test('one client per address, its IPv6 spellings included; counts and names as Postfix logged them', () => {
  const t = new ClientTable(100);
  const a = messageFrom(t, 'unknown[192.0.2.1]');
  expect(messageFrom(t, 'mx.example.net[192.0.2.1]')).toBe(a);
  const v6 = messageFrom(t, 'unknown[2001:DB8::1]');
  expect(messageFrom(t, 'unknown[2001:db8:0::1]')).toBe(v6);
  t.relayedMessage(a);
  t.tally(a, STATUS_DEFERRED, 1);
  t.tally(a, STATUS_DEFERRED, -1);
  t.tally(a, STATUS_SENT, 1);
  t.tally(a, STATUS_BOUNCED, 2);
  expect(t.get('192.0.2.1')).toEqual({ messages: 2, sent: 1, deferred: 0, bounced: 2, relayedMessages: 1, names: ['unknown', 'mx.example.net'] });
  expect(t.get('2001:db8::1')).toEqual({ messages: 2, sent: 0, deferred: 0, bounced: 0, relayedMessages: 0, names: ['unknown'] });
  expect(t.get('198.51.100.9')).toBeUndefined();
  expect([...t.keys()]).toEqual(['192.0.2.1', '2001:db8::1']);
  expect([...t].map(([ip, c]) => [ip, c.messages])).toEqual([['192.0.2.1', 2], ['2001:db8::1', 2]]);
});

test('names are kept once each, at most MAX_NAMES per client', () => {
  const t = new ClientTable(100);
  let id = -1;
  for (let i = 0; i < MAX_NAMES + 3; i++) id = messageFrom(t, `host${i % (MAX_NAMES + 2)}.example[203.0.113.7]`);
  t.addName(id, 'host0.example');
  expect(t.namesOf(id)).toEqual(Array.from({ length: MAX_NAMES }, (_, i) => `host${i}.example`));
});

test('past its cap a new address gets no id (counted as dropped by the scan); known ones still count', () => {
  const t = new ClientTable(3);
  const ids = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => messageFrom(t, `unknown[${ip}]`));
  expect(ids).toEqual([0, 1, 2]);
  expect(messageFrom(t, 'unknown[10.0.0.4]')).toBe(-1);
  expect(t.id('10.0.0.5')).toBe(-1);
  expect(messageFrom(t, 'unknown[10.0.0.2]')).toBe(1);
  expect(t.size).toBe(3);
  expect(t.get('10.0.0.2')?.messages).toBe(2);
});

test('merging a packed table: counts summed and names added by address, past the cap counted as not fitting', () => {
  const t = new ClientTable(1501);
  for (let i = 0; i < 1500; i++) messageFrom(t, `n${i}[10.1.${i >> 8}.${i & 255}]`);
  const other = new ClientTable(10);
  messageFrom(other, 'other.example[10.1.3.4]');
  const o = messageFrom(other, 'other.example[10.1.3.4]');
  other.relayedMessage(o);
  other.tally(o, STATUS_SENT, 3);
  messageFrom(other, 'new.example[192.0.2.200]');
  messageFrom(other, 'late.example[192.0.2.201]');
  expect(t.absorb(structuredClone(other.pack()))).toBe(1);
  expect(t.get('10.1.3.4')).toEqual({ messages: 3, sent: 3, deferred: 0, bounced: 0, relayedMessages: 1, names: ['n772', 'other.example'] });
  expect(t.get('192.0.2.200')).toEqual({ messages: 1, sent: 0, deferred: 0, bounced: 0, relayedMessages: 0, names: ['new.example'] });
  expect(t.has('192.0.2.201')).toBe(-1);
  expect(t.relayed(t.has('10.1.3.4'))).toBe(3);
  expect(t.messages(t.has('10.1.3.4'))).toBe(3);
});
