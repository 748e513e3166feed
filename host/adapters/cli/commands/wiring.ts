import { UsageError } from '../../../../shared';
import { resolveDovecotSecret } from '../../../core/config/api-secret';
import { parseListen } from '../../../tools/listen-address';
import { dovecotWiring, dovecotWiringText, postfixWiring, postfixWiringText, reachableAt } from '../../../tools/postfix/wiring';
import { contributedMainCf } from '../../../core/plugins/contributed';
import { CliContext, parse } from '../cli-context';
import { type CliCommand, EXIT } from '../command';

function listener(text: string, what: string): string {
  let a;
  try {
    a = parseListen(text, what);
  } catch (e) {
    throw new UsageError(`wiring: ${(e as Error).message}`);
  }
  if (!a) throw new UsageError(`wiring: ${what} is "off": there is no listener to wire`);
  return reachableAt(a);
}

export const wiringCommand: CliCommand = {
  name: 'wiring',
  summary: 'print the exact dovecot.conf or main.cf lines that wire this mailwarden into Dovecot or Postfix',
  usage: `mailwarden wiring dovecot [--json]
    The auth policy settings for dovecot.conf, with this instance's listener and
    its API header (the secret in <data-dir>/dovecot.secret, created on first use, or dovecot.apiHeader).
mailwarden wiring postfix [--json]
    The main.cf settings: those the plugins need (e.g. mynetworks), the relay decision left to Postfix (reject_unauth_destination),
    then mailwarden's policy service for each recipient (policy_context=relay) and
    for each message at end of data (policy_context=limits).`,
  async run(argv, io) {
    const p = parse(argv, {}, 'wiring');
    const [what, ...rest] = p.positionals;
    if (rest.length) throw new UsageError(`wiring: unexpected argument "${rest[0]}"`);
    const ctx = new CliContext(io, p);
    if (what === 'dovecot') {
      const config = ctx.config();
      const dovecotAddress = listener(config.listen.dovecot, 'listen.dovecot');
      const secret = resolveDovecotSecret(config)!;
      const o = { dovecotAddress, headerLine: secret.headerLine, ...(secret.file ? { secretFile: secret.file } : {}) };
      if (ctx.json) ctx.outJson({ listener: dovecotAddress, secretSource: secret.source, settings: dovecotWiring(o).lines });
      else io.stdout.write(dovecotWiringText(o));
      return EXIT.ok;
    }
    if (what === 'postfix') {
      try {
        const app = await ctx.open();
        const policyAddress = listener(app.config.listen.postfix, 'listen.postfix');
        const { lines, errors } = await contributedMainCf(app.registry.active);
        for (const e of errors) io.stderr.write(`mailwarden: wiring: ${e.message}\n`);
        const settings = lines.filter((l) => l.trim() && !l.trimStart().startsWith('#'));
        if (ctx.json) ctx.outJson({ listener: policyAddress, settings: [...settings, ...Object.values(postfixWiring({ policyAddress }))] });
        else io.stdout.write(postfixWiringText({ policyAddress, contributed: lines }));
        if (errors.length) return EXIT.runtime;
        return EXIT.ok;
      } finally {
        await ctx.close();
      }
    }
    throw new UsageError(what === undefined ? 'wiring: say what to wire: dovecot or postfix' : `wiring: unknown target "${what}" (dovecot or postfix)`);
  },
};
