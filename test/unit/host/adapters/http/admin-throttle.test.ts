import type * as http from 'node:http';
import { AdminAuth, SESSION_COOKIE } from '../../../../../host/adapters/http/admin-auth';
import { BadCredentialThrottle, DEFAULT_THROTTLE } from '../../../../../host/adapters/http/bad-credential-throttle';
import { HttpError } from '../../../../../host/adapters/http/http-error';
import { SessionStore } from '../../../../../host/adapters/http/sessions';
import { ManualClock } from '../../../../../host/core/services/clock';

const TOKEN = 'the-real-admin-token-0123456789abcdef';

/** What AdminAuth reads of a request: the socket's address and the headers. */
function req(headers: Record<string, string>, address = '127.0.0.1'): http.IncomingMessage {
  return { socket: { remoteAddress: address }, headers: { host: 'localhost:8442', ...headers } } as unknown as http.IncomingMessage;
}

const status = (f: () => unknown) => {
  try {
    f();
    return 200;
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
};

describe('admin lockout through the bad-token throttle (issue 14)', () => {
  test('an attacker sharing 127.0.0.1 (SSH tunnel) sending a bad token every 200 ms does not keep the admin out', () => {
    const clock = new ManualClock();
    const auth = new AdminAuth(TOKEN, clock);
    const cookie = `${SESSION_COOKIE}=${auth.signIn(req({}), TOKEN).cookie.split(';')[0].split('=')[1]}`;
    for (let i = 0; i < 600; i++) {
      expect([401, 429]).toContain(status(() => auth.check(req({ authorization: `Bearer guess-${i}` }), false)));
      clock.advance(200);
      // Between two of the attacker's guesses, the admin's token and console session both get through.
      expect(status(() => auth.check(req({ authorization: `Bearer ${TOKEN}` }), false))).toBe(200);
      expect(status(() => auth.check(req({ cookie }), false))).toBe(200);
      expect(status(() => auth.signIn(req({}), TOKEN))).toBe(200);
    }
    // The attacker is still refused: the admin's successes do not lift the throttle.
    expect(status(() => auth.check(req({ authorization: 'Bearer another-guess' }), false))).toBe(429);
  });

  test('a wrong token is refused with 429 while the address is throttled, counted all the same', () => {
    const clock = new ManualClock();
    const auth = new AdminAuth(TOKEN, clock);
    for (let i = 0; i < DEFAULT_THROTTLE.freeFailures; i++) expect(status(() => auth.check(req({ authorization: 'Bearer wrong' }), false))).toBe(401);
    expect(status(() => auth.check(req({ authorization: 'Bearer wrong' }), false))).toBe(429);
    expect(status(() => auth.check(req({ cookie: `${SESSION_COOKIE}=made-up` }), false))).toBe(429);
    expect(auth.throttle.retryAfterMs('127.0.0.1')).toBeGreaterThan(DEFAULT_THROTTLE.baseDelayMs);
  });
});

describe('bad-token throttle: bounded, keeps blocked addresses in preference (issue 14)', () => {
  test('a million distinct addresses keep at most maxEntries entries', () => {
    const t = new BadCredentialThrottle(new ManualClock());
    for (let i = 0; i < 1_000_000; i++) t.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}|${i >> 24}`);
    expect(t.size).toBeLessThanOrEqual(DEFAULT_THROTTLE.maxEntries);
  });

  test('a flood of one-failure addresses does not push out a throttled address (its refusal would be reset)', () => {
    const clock = new ManualClock();
    const t = new BadCredentialThrottle(clock);
    for (let i = 0; i < DEFAULT_THROTTLE.freeFailures + 3; i++) t.failed('192.0.2.66');
    const before = t.retryAfterMs('192.0.2.66');
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 1_000_000; i++) t.failed(`flood-${i}`);
    expect(t.retryAfterMs('192.0.2.66')).toBe(before);
  });

  test('an IPv6 client is one address per /64: rotating through its own /64 buys no fresh attempts', () => {
    const t = new BadCredentialThrottle(new ManualClock());
    for (let i = 0; i < DEFAULT_THROTTLE.freeFailures; i++) t.failed(`2001:db8:1:2::${(i + 1).toString(16)}`);
    expect(t.retryAfterMs('2001:db8:1:2::ffff')).toBeGreaterThan(0);
    expect(t.retryAfterMs('2001:db8:1:3::1')).toBe(0);
  });
});

test('console sessions: a million made-up cookies add nothing; sessions made with the token stay bounded', () => {
  const s = new SessionStore(new ManualClock());
  for (let i = 0; i < 1_000_000; i++) s.get(`made-up-${i}`);
  expect(s.size).toBe(0);
  for (let i = 0; i < 5000; i++) s.create();
  expect(s.size).toBe(s.limits.maxSessions);
});
