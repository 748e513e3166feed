import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHostConfig } from '../../../host/core/config/host-config';
import { BadPolicyRequest, parsePolicyBody } from '../../../host/adapters/gateways/dovecot/policy-request';
import { PolicyParser, PolicyProtocolError } from '../../../host/adapters/gateways/postfix/policy-parser';
import { checkManifest } from '../../../host/core/plugins/manifest';
import type { LoggedAuthFailure } from '../../../host/tools/maillog/auth-failures';
import { FailureLines } from '../../../host/tools/maillog/failure-lines';
import { parseLine } from '../../../host/tools/maillog/line-view';
import { LogStats } from '../../../host/tools/maillog/log-stats';
import { ValidationError } from '../../../host/core/validation/ajv';
import { Prng, fuzzSettings } from '../../fuzz/prng';
import { tempDir } from '../../helpers/plugin-fixture';

/*
 * Parsers fed garbage: each either returns or throws its own error class
 * (which names what is wrong); a TypeError or RangeError from inside is a defect.
 */

const { seed, iterations } = fuzzSettings(400);

function expectOnly(errorClass: new (...a: any[]) => Error, fn: () => unknown, input: unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof errorClass)) throw new Error(`seed ${seed}: ${(e as Error).name}: ${(e as Error).message} for input ${JSON.stringify(input)?.slice(0, 200)}`);
    expect((e as Error).message.length).toBeGreaterThan(0);
  }
}

const REAL_LINES = [
  'Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin',
  'Jun 21 08:34:30 mx1 dovecot: imap-login: Disconnected: Aborted login by logging out (auth failed, 3 attempts in 12 secs): user=<alice@example.com>, method=PLAIN, rip=198.51.100.7, lip=192.0.2.1, session=<abc>',
  '2021-03-13T12:04:09+01:00 mx1 postfix/submission/smtpd[2]: warning: host.example[2001:db8::7]: SASL PLAIN authentication failed: , sasl_username=Alice@Example.com',
  'Jun 21 08:34:31 mx1 postfix/qmgr[9]: 4BCD12A0F3: from=<alice@example.com>, size=1234, nrcpt=1 (queue active)',
  'Jun 21 08:34:31 mx1 postfix/smtpd[1]: 4BCD12A0F3: client=unknown[46.48.93.60]:4432, sasl_method=LOGIN, sasl_username=alice@example.com',
  'Jun 21 08:34:32 mx1 postfix/smtp[3]: 4BCD12A0F3: to=<x@elsewhere.example>, relay=mx.elsewhere.example[203.0.113.9]:25, delay=1, status=deferred (timeout)',
  'Aug  5 11:02:01 mx1 dovecot: auth-worker(3270): conn unix:auth-worker (pid=27359,uid=97): auth-worker<128>: sql(ivan,198.51.100.24,<r2d2>): Password mismatch',
  'Aug  5 16:00:00 mx1 postfix/smtpd[900]: NOQUEUE: reject: RCPT from unknown[198.51.100.77]:4444: 554 5.7.1 <v@e.example>: Relay access denied; from=<x@s.example> to=<v@e.example> proto=ESMTP helo=<W>',
];

describe(`parser fuzzing (seed ${seed}, ${iterations} inputs each)`, () => {
  test('mail log lines (logs scan, relay audit, followers): random bytes, mutated real lines, 100k-character lines, mixed encodings', () => {
    const rng = new Prng(seed);
    const now = Date.UTC(2026, 10, 28, 21, 30);
    const stats = new LogStats({ now, keepUnparsed: 5 });
    let failures = 0;
    const follower = new FailureLines(() => failures++);
    let parsed = 0;
    for (let i = 0; i < iterations; i++) {
      const k = rng.int(5);
      const line = k === 0 ? rng.bytes(rng.int(300)).toString(rng.pick(['latin1', 'utf8'] as const))
        : k === 1 ? rng.mutate(rng.pick(REAL_LINES))
          : k === 2 ? rng.pick(REAL_LINES).slice(0, 40 + rng.int(60)) + rng.text(1000).repeat(100)
            : k === 3 ? Buffer.concat([Buffer.from(rng.pick(REAL_LINES).slice(0, 60)), rng.bytes(50), Buffer.from('ü€', 'latin1')]).toString('utf8')
              // the separators the recognisers look for, repeated: a quadratic scan would show here
              : rng.pick(REAL_LINES).slice(0, 60) + rng.pick(['[', ']: ', '): ', '(auth failed, ', ', sasl_username=', '<', 'rip=']).repeat(2000);
      if (parseLine(line, now)) parsed++;
      stats.line(line, 0, line.length);
      follower.line(line, 0, line.length);
    }
    // The real lines still parse and count after all that.
    const seen: LoggedAuthFailure[] = [];
    const after = new FailureLines((f) => seen.push(f));
    for (const l of REAL_LINES) after.line(l, 0, l.length);
    expect(seen).toHaveLength(REAL_LINES.filter((l) => /auth(entication)? failed|Password mismatch/.test(l)).length);
    expect(parsed).toBeGreaterThan(0);
    // Some mutated real lines are still failures (a mutation may hit only the tail).
    expect(failures).toBeGreaterThan(0);
    expect(stats.lines).toBe(iterations);
    expect(parseLine(REAL_LINES[3], now)).toMatchObject({ queueId: '4BCD12A0F3' });
  });

  test('Postfix policy parser: random chunks, split anywhere', () => {
    const rng = new Prng(seed + 1);
    for (let i = 0; i < iterations; i++) {
      const parser = new PolicyParser();
      const text = rng.chance(0.5) ? rng.bytes(rng.int(2000)).toString('latin1') : rng.mutate('request=smtpd_access_policy\nsender=a@b.c\n\n'.repeat(3));
      for (let at = 0; at < text.length;) {
        const n = 1 + rng.int(64);
        const chunk = text.slice(at, at + n);
        at += n;
        let broken = false;
        expectOnly(PolicyProtocolError, () => {
          try {
            parser.feed(chunk);
          } catch (e) {
            broken = true;
            throw e;
          }
        }, chunk);
        if (broken) break;
      }
    }
    expect(new PolicyParser().feed('request=smtpd_access_policy\nsender=a@b.c\n\n')).toHaveLength(1);
  });

  test('Dovecot policy bodies: random JSON, wrong types, mutated text', () => {
    const rng = new Prng(seed + 2);
    const valid = JSON.stringify({ login: 'a@example.com', remote: '198.51.100.1', pwhash: 'x', protocol: 'imap', success: false });
    for (let i = 0; i < iterations; i++) {
      const text = rng.chance(0.5) ? JSON.stringify(rng.json(4)) ?? '' : rng.mutate(valid);
      expectOnly(BadPolicyRequest, () => parsePolicyBody(rng.pick(['allow', 'report'] as const), text), text);
    }
    expect(parsePolicyBody('allow', valid)).toBeDefined();
  });

  test('plugin manifests: random documents and mutated real ones', () => {
    const rng = new Prng(seed + 3);
    const real = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../plugins/password-bruteforce/manifest.json'), 'utf8'));
    for (let i = 0; i < iterations; i++) {
      let doc: unknown;
      if (rng.chance(0.3)) doc = rng.json(4);
      else {
        doc = structuredClone(real);
        const keys = Object.keys(doc as object);
        (doc as Record<string, unknown>)[rng.pick(keys)] = rng.json(3);
      }
      expectOnly(ValidationError, () => checkManifest(doc, `fuzz-${i}.json`), doc);
    }
    expect(checkManifest(real, 'real.json').manifest.id).toBe('password-bruteforce');
  });

  test('host config files: random and mutated JSON text', () => {
    const rng = new Prng(seed + 4);
    const dir = tempDir('mw-fuzz-config-');
    const file = path.join(dir, 'config.json');
    const valid = JSON.stringify({ defaultDomain: 'example.com', hookTimeoutMs: 250, listen: { admin: '127.0.0.1:8025' }, state: { backend: 'sqlite' } });
    for (let i = 0; i < Math.ceil(iterations / 4); i++) {
      const text = rng.chance(0.3) ? JSON.stringify(rng.json(4)) ?? '' : rng.mutate(valid);
      fs.writeFileSync(file, text);
      expectOnly(ValidationError, () => loadHostConfig({ configFile: file, dataDir: dir, pluginDir: dir, env: {} }), text);
    }
    fs.writeFileSync(file, valid);
    expect(loadHostConfig({ configFile: file, dataDir: dir, pluginDir: dir, env: {} }).defaultDomain).toBe('example.com');
  });
});
