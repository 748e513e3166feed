import { ManualClock } from '../../../../../host/core/services/clock';
import { HostNotifier, MAX_KEYED_NOTIFICATIONS_PER_WINDOW, type StoredAlert } from '../../../../../host/core/services/notifier';
import { MemoryStore } from '../../../../../host/core/state/memory-store';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const metrics = { increment() {}, setGauge() {} };
const WINDOW = 60 * 60_000;

function notifier() {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const n = new HostNotifier(store, clock, logger as never, metrics, WINDOW);
  const sent: StoredAlert[] = [];
  n.addTransport({ name: 'record', send: async (a) => void sent.push(a) });
  return { n, clock, store, sent };
}

test('a botnet blocking 10 000 logins in one window does not send 10 000 alert mails (issue 14)', async () => {
  const { n, sent } = notifier();
  for (let i = 0; i < 10_000; i++) {
    await n.notify({ subject: `Brute force: u${i}@example.com blocked`, text: 't', severity: 'warning', source: 'password-bruteforce', dedupeKey: `password-bruteforce:example.com:pair:u${i}@example.com` });
  }
  // The cap's worth, plus one notice saying the rest are only counted.
  expect(sent.length).toBe(MAX_KEYED_NOTIFICATIONS_PER_WINDOW + 1);
  expect(sent[sent.length - 1].subject).toMatch(/too many notifications from password-bruteforce/i);
  expect((await n.recent(100_000)).length).toBe(MAX_KEYED_NOTIFICATIONS_PER_WINDOW + 1);
});

test('the cap is per source and per window: another plugin\'s alert still goes out, and the next window starts afresh', async () => {
  const { n, clock, sent } = notifier();
  for (let i = 0; i < 2 * MAX_KEYED_NOTIFICATIONS_PER_WINDOW; i++) {
    await n.notify({ subject: `s${i}`, text: 't', severity: 'warning', source: 'password-bruteforce', dedupeKey: `k${i}` });
  }
  await n.notify({ subject: 'queue', text: 't', severity: 'critical', source: 'queue-monitor', dedupeKey: 'queue' });
  await n.notify({ subject: 'no key', text: 't', severity: 'critical', source: 'password-bruteforce' });
  expect(sent.map((a) => a.subject).slice(-2)).toEqual(['queue', 'no key']);
  clock.advance(WINDOW);
  await n.notify({ subject: 'later', text: 't', severity: 'warning', source: 'password-bruteforce', dedupeKey: 'k-later' });
  expect(sent[sent.length - 1].subject).toBe('later');
});
