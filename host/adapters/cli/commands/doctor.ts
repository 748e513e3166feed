import { execFileSync } from 'node:child_process';
import { UsageError } from '../../../../shared';
import { resolveDovecotSecret } from '../../../core/config/api-secret';
import { parseListen } from '../../../tools/listen-address';
import { checkListeners, checkStore } from '../self-checks';
import { DOCTOR_PARAMS, diagnose, type Finding, parseDoveconf, parseMainCfOutput } from '../../../tools/postfix/doctor';
import { readFileOrUndefined, trustedTableFile } from '../../../core/services/trusted-networks';
import { CliContext, parse, str } from '../cli-context';
import { type CliCommand, EXIT } from '../command';

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

function address(text: string, what: string): string {
  const a = parseListen(text, what);
  if (!a) return '(off)';
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const MARK: Record<Finding['level'], string> = { ok: 'ok     ', warning: 'WARNING', problem: 'PROBLEM', skipped: 'skipped' };

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check the Postfix and Dovecot wiring (no open relay, mynetworks, policy services) and mailwarden itself (listeners, store)',
  usage: `mailwarden doctor [--postconf-dir DIR] [--doveconf-file FILE | --no-dovecot] [--json]
  Connects to mailwarden's own listeners and checks its store (SQLite integrity_check, Redis PING).
  Reads \`postconf -n\` (of DIR with --postconf-dir, else the configured postfix.configDir)
  and \`doveconf -n\`, and prints each
  finding with the lines to paste. Exit 0 when all is well, 4 when it found a problem.`,
  async run(argv, io) {
    const p = parse(argv, { 'postconf-dir': { type: 'string' }, 'doveconf-file': { type: 'string' }, 'no-dovecot': { type: 'boolean' } }, 'doctor');
    if (p.positionals.length) throw new UsageError(`doctor: unexpected argument "${p.positionals[0]}"`);
    const ctx = new CliContext(io, p);
    try {
      const app = await ctx.open();
      // Default: the instance mailwarden looks after (host config `postfix.configDir`).
      const dir = str(p, 'postconf-dir') ?? app.config.postfix.configDir;
      const c = dir ? ['-c', dir] : [];
      const postconf = app.config.postfix.postconfPath;
      let explicit: Record<string, string>;
      let effective: Record<string, string>;
      try {
        explicit = parseMainCfOutput(run(postconf, [...c, '-n']));
        effective = parseMainCfOutput(run(postconf, [...c, '-x', ...DOCTOR_PARAMS]));
      } catch (e) {
        const err = e as { stderr?: string; message: string; code?: string };
        // execFileSync's own ENOENT text ("spawnSync postconf ENOENT") tells an admin nothing.
        const why = err.code === 'ENOENT' ? `Postfix is not installed here (no ${postconf}; set postfix.postconfPath in the config file if it is elsewhere)` : (err.stderr || err.message).trim();
        io.stderr.write(`mailwarden: doctor: cannot read the Postfix configuration: ${why}\n`);
        return EXIT.runtime;
      }
      let doveconf: Record<string, string> | undefined;
      let doveconfError: string | undefined;
      if (p.values['no-dovecot']) doveconfError = '--no-dovecot';
      else {
        const file = str(p, 'doveconf-file');
        try {
          doveconf = parseDoveconf(run('doveconf', [...(file ? ['-c', file] : []), '-n']));
        } catch (e) {
          const err = e as { stderr?: string; message: string; code?: string };
          doveconfError = err.code === 'ENOENT' ? 'doveconf is not installed' : (err.stderr || err.message).trim().split('\n')[0];
        }
      }
      const config = app.config;
      // Read only: doctor does not create the secret (serve and `wiring dovecot` do).
      const dovecotSecret = resolveDovecotSecret(config, false);
      const findings = diagnose({
        postconf: effective, explicit: new Set(Object.keys(explicit)), ...(doveconf ? { doveconf } : {}), ...(doveconfError ? { doveconfError } : {}),
        policyAddress: address(config.listen.postfix, 'listen.postfix'), dovecotAddress: address(config.listen.dovecot, 'listen.dovecot'),
        ...(dovecotSecret ? { dovecotApiHeader: dovecotSecret.headerLine } : {}),
        tableFile: await trustedTableFile(app), readFile: readFileOrUndefined,
      });
      findings.push(...(await checkListeners(app)), await checkStore(app));
      const problems = findings.filter((f) => f.level === 'problem').length;
      if (ctx.json) ctx.outJson({ postconfDir: dir ?? null, problems, findings });
      else {
        for (const f of findings) {
          ctx.out(`${MARK[f.level]}  ${f.check}: ${f.message}`);
          if (f.paste && f.level !== 'ok') for (const l of f.paste) ctx.out(`           ${l}`);
        }
        ctx.out(problems ? `${problems} problem(s) found` : 'no problems found');
      }
      return problems ? EXIT.problem : EXIT.ok;
    } finally {
      await ctx.close();
    }
  },
};
