import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuthAttempt, AuthOutcome, HookContext, Notification, Verdict } from '../../../../shared';
import { newAjv } from '../../../../host/core/validation/ajv';
import { normalizeLogin } from '../../../../host/core/login';
import { ManualClock } from '../../../../host/core/services/clock';
import { MemoryStore } from '../../../../host/core/state/memory-store';
import { PluginStore } from '../../../../host/core/state/plugin-store';
import type { BruteforceConfig } from '../../../../plugins/password-bruteforce/config';
import { BruteforceHooks } from '../../../../plugins/password-bruteforce/hooks';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../plugins/password-bruteforce/manifest.json'), 'utf8'));
const validate = newAjv().compile(manifest.configSchema);

/** A domain config exactly as the host would hand it: validated, defaults filled in, frozen. */
export function configOf(overrides: Partial<BruteforceConfig> = {}): Readonly<BruteforceConfig> {
  const c = { ...overrides };
  if (!validate(c)) throw new Error(`bad test config: ${JSON.stringify(validate.errors)}`);
  return Object.freeze(c as BruteforceConfig);
}

export const MIN = 60_000;

/** The plugin's hooks on a MemoryStore and a manual clock, called as the pipeline calls them. */
export function bruteforce(overrides: Partial<BruteforceConfig> = {}) {
  const clock = new ManualClock();
  const host = new MemoryStore();
  const store = new PluginStore(host, 'password-bruteforce');
  const notes: Notification[] = [];
  const counts: Record<string, number> = {};
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const hooks = new BruteforceHooks(
    store,
    clock,
    { notify: async (n) => void notes.push(n) },
    { increment: (name, labels) => void (counts[`${name}${labels ? JSON.stringify(labels) : ''}`] = (counts[`${name}${labels ? JSON.stringify(labels) : ''}`] ?? 0) + 1), setGauge() {} },
    logger,
  );
  let config = configOf(overrides);
  const ctx = (domain: string): HookContext<BruteforceConfig> => ({ domain, config, plugin: 'password-bruteforce' });
  const attempt = (login: string, ip: string, pwhash?: string, deviceId?: string): AuthAttempt => {
    const n = normalizeLogin(login, 'example.com');
    return { ...n, remoteIp: ip, protocol: 'imap', at: clock.now(), ...(pwhash !== undefined ? { pwhash } : {}), ...(deviceId !== undefined ? { deviceId } : {}) };
  };
  const api = {
    clock,
    host,
    store,
    notes,
    counts,
    hooks,
    setConfig(o: Partial<BruteforceConfig>) {
      config = configOf(o);
    },
    async before(login: string, ip: string, pwhash?: string, deviceId?: string): Promise<Verdict | undefined> {
      const a = attempt(login, ip, pwhash, deviceId);
      return (await hooks.beforeAuth(a, ctx(a.domain))) ?? undefined;
    },
    async report(login: string, ip: string, outcome: Partial<AuthOutcome> & { success: boolean }, pwhash?: string, deviceId?: string): Promise<void> {
      const a = attempt(login, ip, pwhash, deviceId);
      await hooks.afterAuth(a, { policyReject: false, ...outcome }, ctx(a.domain));
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
        const after = await hooks.afterSuccess(attempt(login, ip, pwhash, deviceId), ctx(normalizeLogin(login, 'example.com').domain));
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
