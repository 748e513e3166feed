import * as path from 'node:path';
import { type AuthAttempt, type AuthOutcome, Metrics, type Verdict } from '../../../../shared';
import { configSchemaProblems, loadPlugin } from '../../../../shared/testing';
import type { BruteforceConfig } from '../../../../plugins/password-bruteforce/config';
import type { BruteforceHooks } from '../../../../plugins/password-bruteforce/hooks';

const DIR = path.join(__dirname, '../../../../plugins/password-bruteforce');

export const MIN = 60_000;

/** As the host reads a login: lower case, the default domain when it names none. */
function normalize(login: string): { login: string; domain: string } {
  const l = login.trim().toLowerCase();
  const at = l.lastIndexOf('@');
  return at < 0 ? { login: `${l}@example.com`, domain: 'example.com' } : { login: l, domain: l.slice(at + 1) };
}

/** The plugin loaded by the SDK harness (fake clock, in-memory store), its hooks run as the pipeline runs them. */
export async function bruteforce(overrides: Partial<BruteforceConfig> = {}) {
  const counts: Record<string, number> = {};
  const metrics = { increment: (name: string, labels?: object) => void (counts[`${name}${labels ? JSON.stringify(labels) : ''}`] = (counts[`${name}${labels ? JSON.stringify(labels) : ''}`] ?? 0) + 1), setGauge() {} };
  const h = await loadPlugin({ dir: DIR, config: overrides, services: [[Metrics, metrics]] });
  const { clock, store } = h;
  const hooks = h.hooks as unknown as BruteforceHooks;
  const notes = h.notifier.sent;
  const attempt = (login: string, ip: string, pwhash?: string, deviceId?: string): AuthAttempt => {
    const n = normalize(login);
    return { ...n, remoteIp: ip, protocol: 'imap', at: clock.now(), ...(pwhash !== undefined ? { pwhash } : {}), ...(deviceId !== undefined ? { deviceId } : {}) };
  };
  const api = {
    clock,
    /** The plugin's store (blocks it wrote carry its id, as in the host). */
    host: store,
    store,
    notes,
    counts,
    hooks,
    setConfig(o: Partial<BruteforceConfig>) {
      h.setConfig(o);
    },
    async before(login: string, ip: string, pwhash?: string, deviceId?: string): Promise<Verdict | undefined> {
      return h.run('beforeAuth', attempt(login, ip, pwhash, deviceId));
    },
    async report(login: string, ip: string, outcome: Partial<AuthOutcome> & { success: boolean }, pwhash?: string, deviceId?: string): Promise<void> {
      await h.run('afterAuth', attempt(login, ip, pwhash, deviceId), { policyReject: false, ...outcome });
    },
    /**
     * One login as Dovecot drives it: allow? → (password checked) → report.
     * Returns 'refused' when the policy said no (the password was never checked).
     * `deviceId` is what Dovecot sends as device_id, when the client has one.
     */
    async login(login: string, ip: string, password: string, correct: string, deviceId?: string): Promise<'ok' | 'wrong' | 'refused' | 'delayed'> {
      const pwhash = hashOf(login, password);
      const v = await api.before(login, ip, pwhash, deviceId);
      if (v?.action === 'deny' || v?.action === 'tempfail') {
        await api.report(login, ip, { success: false, policyReject: true }, pwhash, deviceId);
        return 'refused';
      }
      const ok = password === correct;
      if (ok) {
        // Dovecot asks again after a good password (auth_policy_check_after_auth).
        const after = await h.run('afterSuccess', attempt(login, ip, pwhash, deviceId));
        if (after?.action === 'deny') return 'refused';
      }
      await api.report(login, ip, { success: ok }, pwhash, deviceId);
      return ok ? 'ok' : v?.action === 'delay' ? 'delayed' : 'wrong';
    },
  };
  return api;
}

/** Stands in for Dovecot's truncated password hash: same login and password, same hash. */
export function hashOf(login: string, password: string): string {
  let h = 0;
  for (const c of `${login.toLowerCase()}\u0000${password}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h & 0xffffff).toString(16);
}

/** A domain config as the host would hand it: validated, defaults filled in. */
export function configOf(overrides: Partial<BruteforceConfig> = {}): Readonly<BruteforceConfig> {
  const c: Record<string, unknown> = { ...overrides };
  const problems = configSchemaProblems(require(path.join(DIR, 'manifest.json')), c);
  if (problems.length) throw new Error(`bad test config: ${problems.join('; ')}`);
  return Object.freeze(c as unknown as BruteforceConfig);
}
