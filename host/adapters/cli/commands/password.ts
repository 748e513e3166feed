import { UsageError } from '../../../../shared';
import { toLang } from '../../../core/password/lang';
import { PasswordNotConfiguredError, PasswordService, type PasswordVerdict } from '../../../core/password/password-service';
import { PasswordSetError } from '../../../core/password/set-command';
import { CliContext, parse, str } from '../cli-context';
import { EXIT, type CliCommand } from '../command';
import { readSecret } from '../read-secret';

const OPTIONS = {
  domain: { type: 'string' },
  login: { type: 'string' },
  name: { type: 'string' },
  lang: { type: 'string' },
} as const;

function report(ctx: CliContext, v: PasswordVerdict, okText: string): void {
  if (ctx.json) {
    ctx.outJson({
      ok: v.ok,
      login: v.login,
      domain: v.domain,
      lang: v.lang,
      policies: v.policies,
      violations: v.violations.map((x) => ({ rule: x.rule, plugin: x.plugin, params: x.params, message: x.text, messages: x.message })),
    });
    return;
  }
  if (v.ok) {
    ctx.out(okText);
    return;
  }
  ctx.out(`refused for ${v.login}: ${v.violations.length} rule${v.violations.length > 1 ? 's' : ''} not met`);
  for (const x of v.violations) ctx.out(`  - ${x.text} [${x.plugin ?? '?'}:${x.rule}]`);
}

export const passwordCommand: CliCommand = {
  name: 'password',
  summary: "check a password against a domain's policy, or set it (password read from stdin)",
  usage: `mailwarden password check --domain D --login L [--name "Display Name"] [--lang en|fr|de] [--json]
mailwarden password set   --domain D --login L [--name "Display Name"] [--lang en|fr|de] [--json]
  The password is read from standard input (one line; typed without echo on a
  terminal), never from the command line.
  check: exit 0 when the policy accepts it, 3 when it refuses it (each failed rule is printed).
  set:   validates, runs passwords.setCommand from the host config with the password
         on its stdin, then records the change (password history). Exit 0 changed,
         3 refused, 1 when the command failed (nothing recorded).`,
  async run(argv, io) {
    const p = parse(argv, OPTIONS, 'password');
    const [sub, ...rest] = p.positionals;
    if (sub !== 'check' && sub !== 'set') {
      throw new UsageError(sub ? `password: unknown subcommand "${sub}" (check, set)` : 'password: a subcommand is required (check, set)');
    }
    // Not echoed: an unexpected argument here is most likely a password.
    if (rest.length) throw new UsageError(`password ${sub}: unexpected argument (the password is read from standard input, never from the command line)`);
    const login = str(p, 'login');
    if (!login) throw new UsageError(`password ${sub}: --login is required`);
    const lang = str(p, 'lang');
    if (lang !== undefined && !toLang(lang)) throw new UsageError(`password ${sub}: --lang must be en, fr or de, not "${lang}"`);
    const ctx = new CliContext(io, p);
    try {
      const app = await ctx.open();
      const service = new PasswordService(app);
      const req = { login, domain: str(p, 'domain'), displayName: str(p, 'name'), lang };
      const account = service.account(req);
      if (sub === 'set' && !app.config.passwords.setCommand?.length) {
        throw new UsageError('password set: passwords.setCommand is not set in the host config (see docs/password-policy.md)');
      }
      if ((await service.policies(account.domain)).length === 0) {
        io.stderr.write(`mailwarden: warning: no password policy is enabled for ${account.domain}; every password passes\n`);
      }
      const password = await readSecret(io.stdin, io.stderr);
      if (sub === 'check') {
        const v = await service.checkPassword({ ...req, password });
        report(ctx, v, `accepted: the password meets the policy of ${v.domain} for ${v.login}`);
        return v.ok ? EXIT.ok : EXIT.refused;
      }
      try {
        const r = await service.changePassword({ ...req, password, actor: ctx.actor });
        report(ctx, r.verdict, `changed: password of ${r.verdict.login} set and recorded`);
        return r.changed ? EXIT.ok : EXIT.refused;
      } catch (e) {
        if (e instanceof PasswordSetError || e instanceof PasswordNotConfiguredError) {
          io.stderr.write(`mailwarden: password set: the password was NOT changed: ${e.message}\n`);
          return EXIT.runtime;
        }
        throw e;
      }
    } finally {
      await ctx.close();
    }
  },
};
