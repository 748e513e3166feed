/*
 * The Postfix policy listener under a connection flood, idle and trickling
 * clients and oversized requests (issue 14). Real sockets on loopback; the
 * limits are injected small so that each case takes well under a second.
 */
import type { MailEvent, RelayRequest } from '../../../../../../shared';
import { PostfixPolicyGateway, type PolicyGatewayHost } from '../../../../../../host/adapters/gateways/postfix/policy-gateway';
import { ManualClock } from '../../../../../../host/core/services/clock';
import { PolicyTestClient, policyRequest } from '../../../../../helpers/policy-client';

class FakeHost implements PolicyGatewayHost {
  readonly clock = new ManualClock();
  readonly warnings: Array<Record<string, unknown>> = [];
  readonly counters: Array<[string, unknown]> = [];
  readonly logger = { debug: () => undefined, info: () => undefined, warn: (o: object) => void this.warnings.push(o as Record<string, unknown>), error: () => undefined };
  readonly metrics = { increment: (n: string, l?: unknown) => void this.counters.push([n, l]), setGauge: () => undefined };
  hold: Promise<void> | undefined;
  readonly pipeline = {
    defaultDomain: 'example.com',
    checkRelay: async (_r: RelayRequest) => {
      if (this.hold) await this.hold;
      return undefined;
    },
    onMail: async (_e: MailEvent) => undefined,
  };
}

const RCPT = policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.1', sender: 'a@example.com', recipient: 'b@example.net' });

let host: FakeHost;
let gw: PostfixPolicyGateway;
let port: number;
const clients: PolicyTestClient[] = [];

async function start(limits: ConstructorParameters<typeof PostfixPolicyGateway>[2]): Promise<void> {
  host = new FakeHost();
  gw = new PostfixPolicyGateway(host, { host: '127.0.0.1', port: 0 }, limits);
  port = (await gw.start()).port;
}

async function connect(): Promise<PolicyTestClient> {
  const c = await PolicyTestClient.connect(port);
  clients.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await gw?.stop();
});

test('a full listener closes the longest-idle connection for a new one: squatters cannot lock Postfix out', async () => {
  await start({ maxConnections: 5 });
  const squatters: PolicyTestClient[] = [];
  for (let i = 0; i < 5; i++) squatters.push(await connect());
  await sleep(50);
  // smtpd connects: it is served, and the oldest squatter is gone.
  const smtpd = await connect();
  smtpd.send(RCPT);
  expect(await smtpd.waitReplies(1, 2000)).toEqual(['action=DUNNO']);
  expect(await squatters[0].waitClosed(1000)).toBe(true);
  expect(squatters.slice(1).some((c) => c.closed)).toBe(false);
  // A flood of 40 more: the listener never holds more than its cap, and smtpd, once answered, is the youngest idle.
  const flood: PolicyTestClient[] = [];
  for (let i = 0; i < 40; i++) flood.push(await connect());
  const all = [...squatters, smtpd, ...flood];
  const end = Date.now() + 3000;
  while (all.filter((c) => !c.closed).length > 5 && Date.now() < end) await sleep(10);
  expect(all.filter((c) => !c.closed).length).toBeLessThanOrEqual(5);
  expect(host.counters.filter(([n]) => n === 'listener_connections_dropped').length).toBeGreaterThanOrEqual(41);
});

test('a connection waiting for its answer is not evicted; when all are, the newcomer is refused', async () => {
  await start({ maxConnections: 2 });
  let release!: () => void;
  host.hold = new Promise<void>((r) => (release = r));
  const a = await connect();
  const b = await connect();
  a.send(RCPT);
  b.send(RCPT);
  await sleep(50);
  const c = await connect();
  expect(await c.waitClosed(1000)).toBe(true);
  release();
  expect(await a.waitReplies(1)).toEqual(['action=DUNNO']);
  expect(await b.waitReplies(1)).toEqual(['action=DUNNO']);
});

test('an idle connection is closed after idleTimeoutMs', async () => {
  await start({ idleTimeoutMs: 150 });
  const c = await connect();
  c.send(RCPT);
  await c.waitReplies(1);
  expect(await c.waitClosed(2000)).toBe(true);
});

test('a request trickled byte by byte is dropped after requestTimeoutMs, without an answer, though bytes keep coming', async () => {
  await start({ requestTimeoutMs: 200, idleTimeoutMs: 60_000 });
  const c = await connect();
  const t0 = Date.now();
  let i = 0;
  const text = 'x'.repeat(4000);
  const drip = setInterval(() => !c.closed && c.send(text[i++ % text.length]), 20);
  try {
    expect(await c.waitClosed(5000)).toBe(true);
  } finally {
    clearInterval(drip);
  }
  // Well before the idle timeout (60 s), though a byte came every 20 ms.
  expect(Date.now() - t0).toBeLessThan(4000);
  expect(c.replies).toEqual([]);
  expect(host.warnings.some((w) => String(w.reason).includes('not complete within 200 ms'))).toBe(true);
});

test('a request of many long lines is dropped at maxRequestBytes: log, no reply, close', async () => {
  await start({ maxRequestBytes: 16_384 });
  const c = await connect();
  // Each line is under the 8 KB line limit; together they pass the request limit, with no end in sight.
  for (let i = 0; i < 5; i++) c.send(`x${i}=${'v'.repeat(8000)}\n`);
  expect(await c.waitClosed(2000)).toBe(true);
  expect(c.replies).toEqual([]);
  expect(host.warnings.some((w) => String(w.reason).includes('request longer than 16384 bytes'))).toBe(true);
});

test('50 connections each sending an endless request of 8 KB lines are all dropped at maxRequestBytes (what each buffers stays below it)', async () => {
  await start({ maxConnections: 50, maxRequestBytes: 16_384, requestTimeoutMs: 60_000 });
  const cs: PolicyTestClient[] = [];
  for (let i = 0; i < 50; i++) cs.push(await connect());
  // Before issue 14 each such connection kept up to 100 lines (800 KB).
  for (const c of cs) for (let k = 0; k < 12; k++) c.send(`k${k}=${'w'.repeat(8000)}\n`);
  for (const c of cs) expect(await c.waitClosed(5000)).toBe(true);
  expect(cs.every((c) => c.replies.length === 0)).toBe(true);
});

test('normal traffic is unaffected: pipelined requests on one connection', async () => {
  await start({ maxConnections: 2, requestTimeoutMs: 200, idleTimeoutMs: 1000, maxRequestBytes: 4096 });
  const c = await connect();
  c.send(RCPT + RCPT + RCPT);
  expect(await c.waitReplies(3)).toEqual(['action=DUNNO', 'action=DUNNO', 'action=DUNNO']);
  await sleep(300);
  c.send(RCPT);
  expect(await c.waitReplies(4)).toHaveLength(4);
  expect(c.closed).toBe(false);
});
