import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { type DoctorContext, UsageError } from '../../../../shared';
import type { App } from '../../../core/app';
import { resolveDovecotSecret } from '../../../core/config/api-secret';
import { runDoctorChecks } from '../../../core/plugins/contributed';
import { parseListen } from '../../../tools/listen-address';
import { checkListeners, checkStore } from '../self-checks';
import { DOCTOR_PARAMS, diagnose, type Finding, parseDoveconf, parseMainCfOutput } from '../../../tools/postfix/doctor';
import { CliContext, parse, str } from '../cli-context';
import { type CliCommand, EXIT } from '../command';

/** Runs a program; rejects with its stderr (and `code`: ENOENT when it is not installed). */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(stdout);
    });
  });
}

function readFileOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** What a plugin's doctor check is lent: the same Postfix instance, read once per parameter set. */
function doctorContext(app: App, postconf: string, c: readonly string[], explicit: Readonly<Record<string, string>>): (p: Parameters<App['serviceContext']>[0]) => DoctorContext {
  const asked = new Map<string, Promise<Readonly<Record<string, string>>>>();
  const ask = (names: readonly string[]) => {
    const key = names.join(' ');
    let r = asked.get(key);
    if (!r) asked.set(key, (r = names.length ? run(postconf, [...c, '-x', ...names]).then(parseMainCfOutput) : Promise.resolve({})));
    return r;
  };
  return (p) => ({ postconf: ask, postconfExplicit: async () => explicit, readFile: readFileOrUndefined, configs: app.serviceContext(p).configs });
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
  and \`doveconf -n\`, runs the checks the plugins contribute, and prints each
  finding with the lines to paste. Exit 0 when all is well, 4 when it found a problem.`,
  async run(argv, io) {
    const p = parse(argv, { 'postconf-dir': { type: 'string' }, 'doveconf-file': { type: 'string' }, 'no-dovecot': { type: 'boolean' } }, 'doctor');
    if (p.positionals.length) throw new UsageError(`doctor: unexpected argument "${p.positionals[0]}"`);
    const ctx = new CliContext(io, p);
    try {
      // Postfix is read before the App opens: without it, doctor says so at once.
      const postfix = ctx.config().postfix;
      // Default: the instance mailwarden looks after (host config `postfix.configDir`).
      const dir = str(p, 'postconf-dir') ?? postfix.configDir;
      const c = dir ? ['-c', dir] : [];
      const postconf = postfix.postconfPath;
      let explicit: Record<string, string>;
      let effective: Record<string, string>;
      try {
        [explicit, effective] = (await Promise.all([run(postconf, [...c, '-n']), run(postconf, [...c, '-x', ...DOCTOR_PARAMS])])).map(parseMainCfOutput);
      } catch (e) {
        const err = e as { stderr?: string; message: string; code?: string };
        // Node's own ENOENT text ("spawn postconf ENOENT") tells an admin nothing.
        const why = err.code === 'ENOENT' ? `Postfix is not installed here (no ${postconf}; set postfix.postconfPath in the config file if it is elsewhere)` : (err.stderr || err.message).trim();
        io.stderr.write(`mailwarden: doctor: cannot read the Postfix configuration: ${why}\n`);
        return EXIT.runtime;
      }
      // Only the plugins with a doctor check run any code: doctor stays quick however many are installed.
      const app = await ctx.open({ only: (m) => m.contributes.doctorChecks.length > 0 });
      let doveconf: Record<string, string> | undefined;
      let doveconfError: string | undefined;
      if (p.values['no-dovecot']) doveconfError = '--no-dovecot';
      else {
        const file = str(p, 'doveconf-file');
        try {
          doveconf = parseDoveconf(await run('doveconf', [...(file ? ['-c', file] : []), '-n']));
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
      });
      const [contributed, listeners, store] = await Promise.all([runDoctorChecks(app.registry.active, doctorContext(app, postconf, c, explicit)), checkListeners(app), checkStore(app)]);
      findings.push(...contributed, ...listeners, store);
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
