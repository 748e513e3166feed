import type { LoggedAuthFailure } from '../../../../../host/tools/maillog/auth-failures';
import { FailureLines } from '../../../../../host/tools/maillog/failure-lines';
import {
  K_CLIENT, K_CONNECT, K_DELIVERY, K_DISCARD, nextHopIsLocal, requeued, K_EXPIRED, K_HOLD, K_REJECT_WARNING, K_MALFORMED, K_NONE, K_PICKUP, K_QUEUED, K_REJECT, K_REMOVED, STATUS_FORWARDED, STATUS_NAMES, STATUS_SENT, newMailEvent, recognise,
} from '../../../../../host/tools/maillog/recognise';
import { newLineParts, scanLine } from '../../../../../host/tools/maillog/tokenizer';

/** The failures a run of lines reports, through the same path as scan and the followers. */
function failures(...lines: string[]): LoggedAuthFailure[] {
  const out: LoggedAuthFailure[] = [];
  const f = new FailureLines((x) => out.push(x));
  for (const l of lines) f.line(l, 0, l.length);
  return out;
}
const failure = (line: string) => failures(line)[0];

/** A delivery line's next hop (this machine or not) and the queue entry its reply names, as its consumers ask. */
function hop(line: string) {
  const b = Buffer.from(line, 'latin1');
  const p = newLineParts();
  const e = newMailEvent();
  if (!scanLine(b, 0, b.length, p) || recognise(b, p, e) !== K_DELIVERY) return undefined;
  return { local: nextHopIsLocal(b, p, e), next: requeued(b, e) ? line.slice(e.nextStart, e.nextEnd) : undefined };
}

/** What a line says, as strings. */
function said(line: string) {
  const p = newLineParts();
  const e = newMailEvent();
  if (!scanLine(line, 0, line.length, p)) return undefined;
  const kind = recognise(line, p, e);
  const part = (a: number, b: number) => (a >= 0 ? line.slice(a, b) : undefined);
  return { kind, ip: part(e.ipStart, e.ipEnd), name: part(e.nameStart, e.nameEnd), login: part(e.loginStart, e.loginEnd), addr: part(e.addrStart, e.addrEnd), n: e.n, size: e.size, flag: e.flag };
}

describe('auth failures', () => {
  test('Postfix SASL failure with sasl_username, on smtpd and on the submission service', () => {
    expect(failure('Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin')).toEqual({
      login: 'admin', remoteIp: '46.48.93.60', protocol: 'smtp', attempts: 1, source: 'postfix',
    });
    expect(failure('2021-03-13T12:04:09+01:00 mx1 postfix/submission/smtpd[2]: warning: host.example[2001:DB8::7]: SASL PLAIN authentication failed: , sasl_username=Alice@Example.com')).toMatchObject({
      login: 'alice@example.com', remoteIp: '2001:db8::7', protocol: 'submission',
    });
  });

  test('a failure without a username still counts against the client', () => {
    // Postfix 3.9 (and the stable updates of late 2023) marks a username the SASL server did not name.
    expect(failure('Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=(unavailable)')).toMatchObject({ login: undefined, remoteIp: '46.48.93.60' });
    expect(failure('Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6')).toEqual({
      login: undefined, remoteIp: '46.48.93.60', protocol: 'smtp', attempts: 1, source: 'postfix',
    });
    expect(failure('Aug 3 15:30:49 ksusha postfix/smtpd[17041]: warning: mail.example.com[98.191.84.74]: SASL Plain authentication failed:')).toMatchObject({ remoteIp: '98.191.84.74' });
  });

  test('client with port, IPv4-mapped and IPv6: literal addresses, (reason unavailable)', () => {
    expect(failure('Aug  4 16:47:52 mail3 postfix/smtpd[31152]: warning: unknown[192.0.2.237]:55729: SASL LOGIN authentication failed: authentication failure')).toMatchObject({ remoteIp: '192.0.2.237' });
    expect(failure('Aug  4 16:47:52 mx smtpd[1]: warning: unknown[::ffff:192.0.2.1]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=bob')).toMatchObject({ remoteIp: '192.0.2.1', login: 'bob' });
    expect(failure('Aug  4 16:47:52 mx smtpd[1]: warning: unknown[IPv6:2001:db8::2]: SASL LOGIN authentication failed: x, sasl_username=bob')).toMatchObject({ remoteIp: '2001:db8::2' });
  });

  test('reasons that are the server failing are not counted against the client', () => {
    expect(failures(
      'Feb  3 08:29:28 mail postfix/smtpd[21022]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: Connection lost to authentication server',
      'Jan 14 16:18:16 xxx postfix/smtpd[14933]: warning: host[192.0.2.5]: SASL CRAM-MD5 authentication failed: Invalid authentication mechanism',
      'Jan 14 16:18:16 xxx postfix/smtpd[14933]: warning: host[192.0.2.5]: SASL PLAIN authentication failed: Internal authentication server failure, sasl_username=a',
    )).toEqual([]);
  });

  test('Dovecot login processes: imap, pop3, submission, managesieve; through syslog and in its own log file', () => {
    expect(failure('Jun 21 08:34:30 mx1 dovecot: imap-login: Disconnected: Aborted login by logging out (auth failed, 3 attempts in 12 secs): user=<alice@example.com>, method=PLAIN, rip=198.51.100.7, lip=192.0.2.1, session=<abc>')).toEqual({
      login: 'alice@example.com', remoteIp: '198.51.100.7', protocol: 'imap', attempts: 3, source: 'dovecot',
    });
    expect(failure('Nov 28 20:50:12 pop3-login: Info: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=::1, lip=::1, TLS')).toMatchObject({ login: 'bob', remoteIp: '::1', protocol: 'pop3', attempts: 1 });
    expect(failure('Jun 21 08:34:30 mx1 dovecot[9]: submission-login: Disconnected (auth failed, 2 attempts in 5 secs): user=<c>, method=LOGIN, rip=192.0.2.3')).toMatchObject({ protocol: 'submission', attempts: 2 });
    expect(failure('Jun 21 08:34:30 mx1 dovecot: managesieve-login: Disconnected (auth failed, 1 attempts in 4 secs): user=<d>, method=PLAIN, rip=192.0.2.4, lip=192.0.2.1')).toMatchObject({ protocol: 'other', login: 'd' });
    expect(failure('Jun 14 00:48:21 platypus dovecot: imap-login: Disconnected (auth failed, 1 attempts): method=PLAIN, rip=59.167.242.100, lip=113.212.99.194, TLS: Disconnected')).toMatchObject({ login: undefined, remoteIp: '59.167.242.100' });
  });

  test('Dovecot 2.4 (Debian 13) login processes: `Login aborted:` with the event reason after the summary', () => {
    expect(failure('Nov 29 20:05:05 mx1 dovecot[1190]: imap-login: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=<baz@example.com>, method=PLAIN, rip=198.51.100.8, lip=192.0.2.10, TLS, session=<def>')).toEqual({
      login: 'baz@example.com', remoteIp: '198.51.100.8', protocol: 'imap', attempts: 1, source: 'dovecot',
    });
    expect(failure('Nov 29 20:05:06 pop3-login: Info: Login aborted: Logged out (auth failed, 4 attempts in 9 secs) (auth_failed): user=<qux>, method=PLAIN, rip=2001:db8::9, lip=2001:db8::1')).toMatchObject({ login: 'qux', remoteIp: '2001:db8::9', protocol: 'pop3', attempts: 4 });
    // Not password guesses: no attempt, a client set up for cleartext where it is refused.
    expect(failures(
      'Nov 29 20:05:07 mx1 dovecot[1190]: submission-login: Login aborted: Connection closed (no auth attempts in 0 secs) (no_auth_attempts): user=<>, rip=198.51.100.32, lip=192.0.2.10, TLS',
      'Nov 29 20:05:08 mx1 dovecot[1190]: imap-login: Login aborted: Connection closed (tried to use disallowed cleartext auth, 1 attempts in 0 secs) (cleartext_auth_disabled): user=<>, method=PLAIN, rip=198.51.100.33',
      'Nov 29 20:05:09 mx1 dovecot[1190]: imap-login: Login: user=<baz@example.com>, method=PLAIN, rip=198.51.100.8, lip=192.0.2.10, mpid=7, TLS',
    )).toEqual([]);
  });

  test('Dovecot auth process lines, and the login summary after them counts only what they did not', () => {
    expect(failures(
      'Jan 29 05:13:50 mail dovecot: auth: passwd-file(heidi,192.0.2.23,<s1>): Password mismatch',
      'Jan 29 05:13:51 mail dovecot: auth: passwd-file(heidi,192.0.2.23,<s1>): Password mismatch',
      'Jan 29 05:13:52 mail dovecot: imap-login: Disconnected (auth failed, 3 attempts in 3 secs): user=<heidi>, method=PLAIN, rip=192.0.2.23',
    ).map((f) => f.attempts)).toEqual([1, 1, 1]);
    expect(failure('Jan 29 05:32:50 mail dovecot: auth-worker(304): pam(u,1.2.3.4): pam_authenticate() failed: Authentication failure (password mismatch?)')).toMatchObject({ login: 'u', remoteIp: '1.2.3.4' });
    expect(failure('Jun 12 23:06:05 auth-worker(57065): Info: conn unix:auth-worker (uid=143): auth-worker<225622>: sql(user@domain.com,192.0.2.7,<Yx7+W8+Io>): Password mismatch')).toMatchObject({ login: 'user@domain.com', remoteIp: '192.0.2.7' });
    expect(failure('Jun 11 13:57:17 main dovecot: auth: ldap(user@server.org,192.168.178.25,<LZmGp6mZ>): unknown user (SHA1 of given password: f638ff)')).toMatchObject({ login: 'user@server.org' });
    // A login that holds the separators is still read up to the address.
    expect(failure('Jun 11 13:57:17 main dovecot: auth: sql(a,b): c,192.0.2.9): Password mismatch')).toMatchObject({ login: 'a,b): c', remoteIp: '192.0.2.9' });
  });

  test('Dovecot 2.4 auth requests (Debian 13): `auth(user,ip,sasl:MECH)<session>: DRIVER: RESULT`, through syslog and in its own log file', () => {
    expect(failure('Nov 30 10:00:00 mx1 dovecot[9]: auth(bob@example.com,192.0.2.1,sasl:plain)<Cd5NZ2o8ZpysEQAB>: passwd-file: Password mismatch')).toEqual({
      login: 'bob@example.com', remoteIp: '192.0.2.1', protocol: 'other', attempts: 1, source: 'dovecot',
    });
    expect(failure('Nov 30 10:00:00 auth(Bob@Example.com,2001:db8::7,sasl:login)<s>: Info: passwd-file: unknown user')).toMatchObject({ login: 'bob@example.com', remoteIp: '2001:db8::7' });
    // Without `sasl:MECH` (no `:` inside the request): read the same way.
    expect(failure('Nov 30 10:00:00 auth(bob,192.0.2.1)<s>: Info: passwd-file: Password mismatch')).toMatchObject({ login: 'bob', remoteIp: '192.0.2.1' });
    expect(failure('Nov 30 10:00:00 mx1 dovecot: auth(bob,192.0.2.1)<s>: passwd-file: Password mismatch')).toMatchObject({ login: 'bob', remoteIp: '192.0.2.1' });
    // The worker: its pid, then the session and the request's number (sql, pam, ldap run there).
    expect(failure('Nov 30 10:00:00 mx1 dovecot: auth-worker(trent,198.51.100.36,sasl:plain)<2210><gU9w>: request [7]: pam: pam_authenticate() failed: Authentication failure (Password mismatch?)')).toMatchObject({ login: 'trent', remoteIp: '198.51.100.36' });
    expect(failure('Nov 30 10:00:00 auth-worker(trent,198.51.100.36,sasl:plain)<2210><gU9w>: request [7]: Info: sql: Password mismatch')).toMatchObject({ login: 'trent' });
    // SCRAM checks the password in the mechanism: no driver; no user named yet (`?`); a master user login.
    expect(failure('Nov 30 10:00:00 mx1 dovecot: auth(?,192.0.2.9,sasl:scram-sha-256)<s>: Password mismatch')).toMatchObject({ login: undefined, remoteIp: '192.0.2.9' });
    expect(failure('Nov 30 10:00:00 mx1 dovecot: auth(bob,192.0.2.9,sasl:plain,master)<s>: passwd-file: Password mismatch')).toMatchObject({ login: 'bob', remoteIp: '192.0.2.9' });
    // The attacker's login holds separators: read up to the first result that follows Dovecot's prefix, and never an address of its making.
    expect(failures('Nov 30 10:00:00 mx1 dovecot: auth(x,): passwd-file: y): 1.2.3.4): Password mismatch,192.0.2.9,sasl:plain)<s>: passwd-file: Password mismatch')).toEqual([]);
  });

  test.each([
    // No client address: nothing to blame (Dovecot was not told one).
    'Nov 30 10:00:00 mx1 dovecot: auth(victor,sasl:plain): passwd-file: Password mismatch',
    'Nov 30 10:00:00 auth(tom@example.com,172.17.0.1,sasl:plain)<Cd5N>: Debug: passwd-file: Performing passdb lookup',
    'Nov 30 10:00:00 mx1 dovecot: auth(tom@example.com,172.17.0.1,sasl:plain)<Cd5N>: passwd-file: Finished passdb lookup',
    'Nov 30 10:00:00 imap(tom@example.com)<15><Cd5N>: Info: Disconnected: Logged out in=10 out=500',
  ])('Dovecot 2.4, not an auth failure: %s', (line) => {
    expect(failures(line)).toEqual([]);
    expect(said(line)).toMatchObject({ kind: K_NONE });
  });

  test('Postfix SASL through Dovecot: the auth process line and Postfix\'s line are one attempt, on parallel connections too', () => {
    const auth = (u: string) => `Jan 29 05:13:50 mail dovecot: auth: passwd-file(${u},192.0.2.40,<s>): Password mismatch`;
    const sasl = (u: string) => `Jan 29 05:13:52 mail postfix/submission/smtpd[7]: warning: unknown[192.0.2.40]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=${u}`;
    expect(failures(auth('peggy'), sasl('peggy')).map((f) => [f.source, f.attempts])).toEqual([['dovecot', 1]]);
    expect(failures(auth('peggy'), auth('peggy'), sasl('Peggy'), sasl('peggy'), auth('peggy'), sasl('peggy'))).toHaveLength(3);
    // Another login, or no auth line at all (Cyrus SASL, auth_verbose off): Postfix's line counts.
    expect(failures(auth('peggy'), sasl('victor')).map((f) => f.login)).toEqual(['peggy', 'victor']);
    expect(failures(sasl('peggy'), auth('peggy')).map((f) => f.source)).toEqual(['postfix', 'dovecot']);
  });

  test.each([
    'Jun 21 08:34:30 mx1 dovecot: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=198.51.100.7',
    'Jun 21 08:34:30 mx1 dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=198.51.100.7',
    'Jun 21 08:34:30 mx1 postfix/smtpd[1]: connect from unknown[46.48.93.60]',
    'Jun 21 08:34:30 mx1 postfix/qmgr[1]: warning: x[1.2.3.4]: SASL LOGIN authentication failed: x, sasl_username=a',
    'Jun 21 08:34:30 mx1 sshd[1]: Failed password for root from 1.2.3.4',
    'Jun 21 08:34:30 mx1 dovecot: auth: Debug: passwd-file(a,1.2.3.4): lookup',
  ])('not an auth failure: %s', (line) => {
    expect(failures(line)).toEqual([]);
  });

  test('a long attacker-made line is read in one pass', () => {
    const user = 'x'.repeat(15_000);
    expect(failure(`Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: ${'['.repeat(100)}, sasl_username=${user}`)).toMatchObject({ login: user });
    expect(failures(`Jun 21 08:34:30 mx1 dovecot: imap-login: ${'(auth failed, '.repeat(1000)}`)).toEqual([]);
    expect(failures(`Jun 21 08:34:30 mx1 dovecot: auth: sql(${'): '.repeat(4000)}`)).toEqual([]);
    // Dovecot 2.4's request: every `: ` is a candidate end of the prefix, each looked at in constant time.
    expect(failures(`Jun 21 08:34:30 mx1 dovecot: auth(${': Info: request [1'.repeat(700)}`)).toEqual([]);
    expect(failures(`Jun 21 08:34:30 auth(${'x,'.repeat(3000)}: Info: passwd-file: Password mismatch`)).toEqual([]);
    expect(hop(`Jun 21 08:34:30 mx1 postfix/smtp[1]: 4A1B2C3D5E: to=<x@y>, relay=${'['.repeat(8000)}, status=sent (${'queued as '.repeat(500)})`)).toEqual({ local: false, next: undefined });
  });
});

describe('mail recognisers', () => {
  test('connect and client= (with a port, with SASL)', () => {
    expect(said('Aug  5 12:00:00 mx1 postfix/submission/smtpd[600]: connect from laptop.example.net[2001:db8::30]')).toMatchObject({ kind: K_CONNECT, ip: '2001:db8::30', name: 'laptop.example.net' });
    expect(said('Aug  5 14:00:00 mx1 postfix-in/smtpd[704]: 6C1D2E3F4A: client=gateway[192.168.122.111]:41234')).toMatchObject({ kind: K_CLIENT, ip: '192.168.122.111', name: 'gateway', login: undefined });
    expect(said('Aug  5 14:00:00 mx1 postfix/smtpd[704]: 6C1D2E3F4A: client=unknown[46.48.93.60], sasl_method=LOGIN, sasl_username=admin, sasl_sender=x')).toMatchObject({ kind: K_CLIENT, login: 'admin' });
    expect(said('Aug  5 14:00:00 mx1 postfix/smtpd[704]: 6C1D2E3F4A: client=no-brackets')).toMatchObject({ kind: K_MALFORMED });
  });

  test('qmgr, deliveries by status, removed', () => {
    expect(said('Aug  5 12:00:02 mx1 postfix/qmgr[602]: 4A1B2C3D5E: from=<kate@example.com>, size=1200, nrcpt=2 (queue active)')).toMatchObject({ kind: K_QUEUED, addr: 'kate@example.com', size: 1200, n: 2 });
    expect(said('Aug  5 12:00:02 mx1 postfix/qmgr[602]: 4A1B2C3D5E: from=<>, size=1200, nrcpt=1 (queue active)')).toMatchObject({ kind: K_QUEUED, addr: '', n: 1 });
    for (const status of STATUS_NAMES) {
      const d = said(`Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, orig_to=<y@example.com>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=${status} (text)`);
      expect(d).toMatchObject({ kind: K_DELIVERY, addr: 'x@remote.example' });
      expect(STATUS_NAMES[d!.n]).toBe(status);
    }
    expect(said('Aug  5 12:00:03 mx1 postfix/lmtp[603]: 4A1B2C3D5E: to=<x@example.com>, relay=x[private/dovecot-lmtp], status=sent (250 ok)')).toMatchObject({ kind: K_DELIVERY });
    expect(said('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@example.com>, relay=x, status=weird')).toMatchObject({ kind: K_MALFORMED });
    // The smtp agent relays to other machines; to one on this machine (a content filter: amavis) it does not.
    expect(hop('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=mx[192.0.2.9]:25, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)')).toEqual({ local: false, next: '9F8E7D6C5B' });
    expect(hop('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, orig_to=<y@example.com>, relay=none, delay=30, dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.50]:25: Connection timed out)')).toEqual({ local: false, next: undefined });
    expect(hop('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 1C2D3E4F5A)')).toEqual({ local: true, next: '1C2D3E4F5A' });
    expect(hop('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=localhost[::1]:10024, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok, id=1, from MTA([::1]:10025): 250 2.0.0 Ok: queued as 4Xyz7QpLmN9bz1a)')).toEqual({ local: true, next: '4Xyz7QpLmN9bz1a' });
    expect(hop('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=none, delay=0.1, dsn=4.4.2, status=deferred (connect to 127.0.0.1[127.0.0.1]:10024: Connection refused)')).toEqual({ local: true, next: undefined });
    expect(hop('Aug  5 12:00:03 mx1 postfix/lmtp[603]: 4A1B2C3D5E: to=<x@example.com>, relay=mx1.example.com[private/dovecot-lmtp], delay=1, dsn=2.0.0, status=sent (250 2.0.0 <x@example.com> Saved)')).toEqual({ local: true, next: undefined });
    // local(8) passing the recipient on as a new message: forwarded, not delivered (only local writes it).
    expect(said('Aug  5 12:00:03 mx1 postfix/local[603]: 4A1B2C3D5E: to=<info@mx1.example.com>, orig_to=<info@example.com>, relay=local, delay=0.1, dsn=2.0.0, status=sent (forwarded as 8D1E2F3A4B)')).toMatchObject({ kind: K_DELIVERY, n: STATUS_FORWARDED });
    expect(said('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=mx[192.0.2.9]:25, delay=1, dsn=2.0.0, status=sent (forwarded as 8D1E2F3A4B)')).toMatchObject({ kind: K_DELIVERY, n: STATUS_SENT });
    // soft_bounce = yes: the bounce Postfix kept queued is a deferral.
    const soft = said('Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=SOFTBOUNCE (host mx[192.0.2.9] said: 554 5.7.1 blocked)');
    expect(soft).toMatchObject({ kind: K_DELIVERY, addr: 'x@remote.example' });
    expect(STATUS_NAMES[soft!.n]).toBe('deferred');
    // Address verification and sendmail -bv test an address: known lines, no mail moved.
    for (const probe of ['deliverable (250 2.1.5 Ok)', 'undeliverable (host mx said: 550 5.1.1 no such user)', 'undeliverable-but-not-cached (550 x)', 'delivered (250 ok)', 'expanded (alias)'])
      expect(said(`Aug  5 12:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=mx[192.0.2.9]:25, delay=1, dsn=2.1.5, status=${probe}`)).toMatchObject({ kind: K_NONE });
    // qmgr gives up on a message (qmgr_active.c): one line for the message, naming its sender.
    expect(said('Aug  9 12:00:04 mx1 postfix/qmgr[602]: 4A1B2C3D5E: from=<promo@example.com>, status=expired, returned to sender')).toMatchObject({ kind: K_EXPIRED, addr: 'promo@example.com' });
    expect(said('Aug  9 12:00:04 mx1 postfix/qmgr[602]: 4A1B2C3D5E: from=<>, status=force-expired, returned to sender')).toMatchObject({ kind: K_EXPIRED, addr: '' });
    expect(said('Aug  9 12:00:04 mx1 postfix/qmgr[602]: 4A1B2C3D5E: from=<promo@example.com>, status=weird')).toMatchObject({ kind: K_MALFORMED });
    // Postfix never writes a recipient's status as expired.
    expect(said('Aug  9 12:00:04 mx1 postfix/qmgr[602]: 4A1B2C3D5E: to=<x@remote.example>, relay=none, delay=1, dsn=4.4.1, status=expired, returned to sender')).toMatchObject({ kind: K_MALFORMED });
    expect(said('Aug  5 12:00:04 mx1 postfix/qmgr[602]: 4A1B2C3D5E: removed')).toMatchObject({ kind: K_REMOVED });
    expect(said('Aug  5 12:00:04 mx1 postfix/postsuper[602]: 4A1B2C3D5E: removed')).toMatchObject({ kind: K_REMOVED });
  });

  test('rejects (relay access denied or not), holds, pickup', () => {
    expect(said('Aug  5 16:00:00 mx1 postfix/smtpd[900]: NOQUEUE: reject: RCPT from unknown[198.51.100.77]:4444: 554 5.7.1 <v@e.example>: Relay access denied; from=<x@spam.example> to=<v@e.example> proto=ESMTP helo=<W>')).toMatchObject({
      kind: K_REJECT, ip: '198.51.100.77', n: 554, flag: true, addr: 'x@spam.example',
    });
    expect(said('Aug  5 16:00:01 mx1 postfix/smtpd[901]: NOQUEUE: reject: RCPT from unknown[198.51.100.78]: 450 4.7.1 Client host rejected: cannot find your hostname, [198.51.100.78]; from=<a@b.example> to=<k@example.com> proto=ESMTP helo=<x>')).toMatchObject({ kind: K_REJECT, flag: false, n: 450 });
    expect(said('Aug  5 16:10:00 mx1 postfix/cleanup[902]: 8E1F2A3B4C: hold: header Subject: x from unknown[198.51.100.79]; from=<s@spam.example>')).toMatchObject({ kind: K_HOLD });
    expect(said('Aug  5 16:11:00 mx1 postfix/postsuper[903]: 8E1F2A3B4C: placed on hold')).toMatchObject({ kind: K_HOLD });
    expect(said('Aug  5 17:00:00 mx1 postfix/pickup[1000]: 9F1A2B3C4D: uid=33 from=<www-data>')).toMatchObject({ kind: K_PICKUP, n: 33, addr: 'www-data' });
    expect(said('Aug  5 17:00:00 mx1 postfix/cleanup[1000]: 9F1A2B3C4D: message-id=<a@b>')).toMatchObject({ kind: K_NONE });
  });

  test('reject warnings and discards, as pflogsumm counts them', () => {
    // warn_if_reject: what would have been refused; not a reject, not a relay denial.
    expect(said('Aug  5 16:00:01 mx1 postfix/smtpd[901]: NOQUEUE: reject_warning: RCPT from unknown[198.51.100.78]: 554 5.7.1 <v@e.example>: Relay access denied; from=<a@b.example> to=<v@e.example> proto=ESMTP helo=<x>')).toMatchObject({ kind: K_REJECT_WARNING });
    expect(said('Aug  5 16:20:04 mx1 postfix/cleanup[906]: 9E1F2A3B4C: warning: header Subject: cheap pills from unknown[198.51.100.84]; from=<x@spam.example> to=<k@example.com> proto=ESMTP helo=<bot>: suspicious')).toMatchObject({ kind: K_REJECT_WARNING });
    expect(said('Aug  5 16:20:04 mx1 postfix/cleanup[906]: 9E1F2A3B4C: warning: body cheap pills from unknown[198.51.100.84]; from=<x@spam.example>')).toMatchObject({ kind: K_REJECT_WARNING });
    // cleanup's warnings about itself are not a WARN action.
    expect(said('Aug  5 16:20:07 mx1 postfix/cleanup[906]: warning: hash:/etc/postfix/header_checks is unavailable')).toMatchObject({ kind: K_NONE });
    expect(said('Aug  5 16:20:07 mx1 postfix/cleanup[906]: 9E1F2A3B4C: warning: milter inet:127.0.0.1:11332: can\'t read SMFIC_BODYEOB reply packet header')).toMatchObject({ kind: K_NONE });
    expect(said('Aug  5 16:20:05 mx1 postfix/smtpd[909]: 9F2A3B4C5D: discard: RCPT from unknown[198.51.100.85]: <x@d.example>: Sender address triggers DISCARD action; from=<x@d.example> to=<k@example.com>')).toMatchObject({ kind: K_DISCARD });
    expect(said('Aug  5 16:20:06 mx1 postfix/cleanup[906]: 9A3B4C5D6E: discard: header Subject: lottery from unknown[198.51.100.86]; from=<x@spam.example>: lottery')).toMatchObject({ kind: K_DISCARD });
    expect(said('Aug  5 16:20:06 mx1 postfix/cleanup[906]: 9A3B4C5D6E: milter-discard: END-OF-MESSAGE from unknown[198.51.100.86]: milter triggers DISCARD action; from=<x@spam.example>')).toMatchObject({ kind: K_DISCARD });
  });
});
