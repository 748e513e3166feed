import type { Lang, PasswordChange, Violation } from '../../../shared';
import type { PasswordPort } from '../ports';
import { LoginError, normalizeDomain, normalizeLogin } from '../../../shared/address';
import { ValidationError } from '../validation/ajv';
import { toLang } from './lang';
import { PasswordSetError, runSetCommand } from './set-command';

/** What an in-process caller (webmail form, CLI, admin API) asks about. */
export interface PasswordRequest {
  /** Defaults to the login's domain, else the default domain. */
  readonly domain?: string;
  /** As typed: trimmed, lower-cased and IDN-converted here. */
  readonly login: string;
  readonly password: string;
  readonly displayName?: string;
  /** en | fr | de (or a tag like `fr-CA`); defaults to the domain's locale, else English. */
  readonly lang?: string;
}

export interface LocalizedViolation extends Violation {
  /** The message in the chosen language. */
  readonly text: string;
}

export interface PasswordVerdict {
  readonly ok: boolean;
  readonly login: string;
  readonly domain: string;
  readonly lang: Lang;
  /** Ids of the plugins whose policy applied (empty: nothing checks passwords for this domain). */
  readonly policies: readonly string[];
  readonly violations: readonly LocalizedViolation[];
}

export interface PasswordChangeResult {
  readonly changed: boolean;
  readonly verdict: PasswordVerdict;
}

/** A display name is a few words; more is not a name (and every word is matched against the password). */
const MAX_DISPLAY_NAME = 256;

export class PasswordNotConfiguredError extends Error {
  override readonly name = 'PasswordNotConfiguredError';
}

type Deps = PasswordPort;

/**
 * The library API for password checks and changes. Validation runs every
 * enabled `validatePassword` hook; a change is applied by the configured
 * command and then reported to every `passwordChanged` hook (history).
 * The password is never logged, audited or put in argv.
 */
export class PasswordService {
  constructor(private readonly app: Deps) {}

  /** Normalises login and domain; a login naming another domain than `domain` is an error. */
  account(req: Pick<PasswordRequest, 'login' | 'domain'>): { login: string; domain: string } {
    const domain = req.domain !== undefined ? normalizeDomain(req.domain) : undefined;
    const n = normalizeLogin(req.login, domain ?? this.app.settings.defaultDomain);
    if (domain !== undefined && n.domain !== domain) {
      throw new LoginError(`login "${req.login.trim()}" belongs to ${n.domain}, not to ${domain}`);
    }
    return n;
  }

  private async langFor(domain: string, asked: string | undefined): Promise<Lang> {
    if (asked !== undefined) {
      const l = toLang(asked);
      if (!l) throw new ValidationError('password request', [{ path: '/lang', message: `"${asked}" is not a language we offer (en, fr, de)`, rule: 'enum' }]);
      return l;
    }
    const rec = (await this.app.settings.listDomains()).find((d) => d.name === domain);
    return toLang(rec?.locale) ?? 'en';
  }

  /** Plugins with a password policy enabled for the domain, in the order they run. */
  async policies(domain: string): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.app.registry.active) {
      if (!p.manifest.hooks.includes('validatePassword')) continue;
      if ((await this.app.settings.effective(domain, p)).enabled) out.push(p.manifest.id);
    }
    return out;
  }

  private change(req: PasswordRequest, account: { login: string; domain: string }): PasswordChange {
    if (typeof req.password !== 'string') throw new TypeError('password must be a string');
    const name = req.displayName?.trim();
    if (name !== undefined && name.length > MAX_DISPLAY_NAME) {
      throw new ValidationError('password request', [{ path: '/displayName', message: `is longer than ${MAX_DISPLAY_NAME} characters`, rule: 'maxLength' }]);
    }
    return { domain: account.domain, login: account.login, newPassword: req.password, ...(name ? { displayName: name } : {}) };
  }

  async checkPassword(req: PasswordRequest): Promise<PasswordVerdict> {
    const account = this.account(req);
    const lang = await this.langFor(account.domain, req.lang);
    const violations = await this.app.pipeline.validatePassword(this.change(req, account));
    return {
      ok: violations.length === 0,
      ...account,
      lang,
      policies: await this.policies(account.domain),
      violations: violations.map((v) => ({ ...v, text: v.message[lang] ?? v.message.en })),
    };
  }

  /**
   * Validates, sets the password with `passwords.setCommand`, then records the
   * change (history). Refused: nothing runs and `changed` is false. The
   * command failing throws PasswordSetError and nothing is recorded.
   */
  async changePassword(req: PasswordRequest & { actor: string }): Promise<PasswordChangeResult> {
    const setCommand = this.app.config.passwords?.setCommand;
    if (!setCommand?.length) {
      throw new PasswordNotConfiguredError('passwords.setCommand is not set in the host config, so mailwarden cannot write passwords to the directory (see docs/password-policy.md)');
    }
    const verdict = await this.checkPassword(req);
    if (!verdict.ok) return { changed: false, verdict };
    const at = verdict.login.lastIndexOf('@');
    const vars = { login: verdict.login, local: verdict.login.slice(0, at), domain: verdict.domain };
    try {
      await runSetCommand(setCommand, vars, req.password, this.app.config.passwords.setTimeoutMs);
    } catch (e) {
      this.app.logger.error({ login: verdict.login, by: req.actor, err: (e as Error).message }, 'password set command failed');
      throw e instanceof PasswordSetError ? e : new PasswordSetError((e as Error).message);
    }
    await this.recordPasswordChange(req, verdict);
    return { changed: true, verdict };
  }

  /**
   * For callers that wrote the new password themselves (after checkPassword
   * said ok): tells every `passwordChanged` hook and audits the change.
   */
  async recordPasswordChange(req: PasswordRequest & { actor: string }, verdict?: Pick<PasswordVerdict, 'login' | 'domain'>): Promise<void> {
    const account = verdict ?? this.account(req);
    await this.app.pipeline.passwordChanged(this.change(req, account));
    await this.app.store.appendAudit({ at: this.app.clock.now(), actor: req.actor, action: 'password.change', subject: `account:${account.login}`, domain: account.domain });
    this.app.logger.info({ login: account.login, by: req.actor }, 'password changed');
  }
}
