import fs from 'node:fs';
import { type Cidr, cidrContains, LOOPBACK_NETWORKS, parseCidr, parseCidrTable, parseIp, UsageError } from '../../../../shared';
import { trustedNetworks } from '../../../core/plugins/contributed';
import { parseProbeTarget, probeRelay } from '../../../tools/postfix/relay-probe';
import { relayClients } from '../../../tools/maillog/relay-report';
import { InputError, inputSize } from '../../../tools/maillog/byte-source';
import { logOrder } from '../../../tools/maillog/log-order';
import { scanFiles } from '../../../tools/maillog/scan';
import { CliContext, parse, str } from '../cli-context';
import { type CliCommand, EXIT } from '../command';
import { table } from '../../../tools/text-table';
import { LOCAL_DOMAIN_OPTION, LOCAL_DOMAIN_USAGE, localDomainsOf } from './local-domains';
import { timeWindowOf, WINDOW_OPTION, WINDOW_USAGE } from './time-window';

export const relayCommand: CliCommand = {
  name: 'relay',
  summary: 'check that the server is not an open relay: probe it over SMTP, or audit who relayed in a log',
  usage: `mailwarden relay probe HOST[:PORT] [--source IP] [--from ADDR] [--to ADDR] [--json]
    Tries MAIL FROM an outside address and RCPT TO an outside domain without AUTH
    (then RSET: nothing is sent). Exit 0 CLOSED, 4 OPEN, 1 inconclusive.
mailwarden relay audit LOGFILE… [--table FILE] [--jump-factor N] [--since T] [--until T] [--local-domain D] [--postfix-domains] [--json]
    Every client that relayed without sasl_username, messages and recipients per hour
    (recipients sent, deferred and bounced alike: a blocklisted relay's spam is deferred),
    flagged when it is not (or no longer) trusted or when its hourly volume jumps.
    LOGFILE may be plain or gzip; "-" reads stdin. Same reading and rules as logs scan.
    Trusted = loopback + the networks the plugins trust (or the cidr: table FILE given with --table).
${WINDOW_USAGE.replace(/^ {2}/gm, '    ')}
${LOCAL_DOMAIN_USAGE.replace(/^ {2}/gm, '    ')}
    Exit 0 nothing flagged, 4 something flagged.`,
  async run(argv, io) {
    const p = parse(argv, { source: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, table: { type: 'string' }, 'jump-factor': { type: 'string' }, ...WINDOW_OPTION, ...LOCAL_DOMAIN_OPTION }, 'relay');
    const [sub, ...args] = p.positionals;
    const ctx = new CliContext(io, p);
    switch (sub) {
      case 'probe': {
        if (args.length !== 1) throw new UsageError('relay probe: exactly one HOST[:PORT] is required');
        let target;
        try {
          target = parseProbeTarget(args[0]);
        } catch (e) {
          throw new UsageError(`relay probe: ${(e as Error).message}`);
        }
        const r = await probeRelay({ ...target, ...(str(p, 'source') ? { source: str(p, 'source') } : {}), ...(str(p, 'from') ? { from: str(p, 'from') } : {}), ...(str(p, 'to') ? { to: str(p, 'to') } : {}) });
        if (ctx.json) ctx.outJson({ target: `${target.host}:${target.port}`, verdict: r.verdict, summary: r.summary, reply: r.reply ?? null, transcript: r.transcript });
        else {
          ctx.out(`${r.verdict}: ${target.host}:${target.port} — ${r.summary}`);
          for (const l of r.transcript) ctx.out(`  ${l}`);
        }
        return r.verdict === 'CLOSED' ? EXIT.ok : r.verdict === 'OPEN' ? EXIT.problem : EXIT.runtime;
      }
      case 'audit': {
        if (args.length === 0) throw new UsageError('relay audit: at least one LOGFILE is required');
        if (args.filter((f) => f === '-').length > 1) throw new UsageError('relay audit: "-" (stdin) can be given once');
        const jf = str(p, 'jump-factor');
        if (jf !== undefined && !(Number(jf) > 1)) throw new UsageError(`relay audit: --jump-factor must be a number above 1, not "${jf}"`);
        const now = Date.now();
        const window = timeWindowOf(p, 'relay audit', now);
        const localDomains = await localDomainsOf(p, 'relay audit', io);
        try {
          for (const f of args) if (f !== '-') inputSize(f);
        } catch (e) {
          if (e instanceof InputError) throw new UsageError(`relay audit: ${e.message}`);
          throw e;
        }
        try {
          const app = await ctx.open();
          const trusted = await trustedNetworks(app.registry.active);
          for (const e of trusted.errors) io.stderr.write(`mailwarden: relay audit: ${e.message}\n`);
          const given = str(p, 'table');
          let nets: readonly Cidr[];
          let found: string[];
          let missing: string[];
          if (given !== undefined) {
            let text: string;
            try {
              text = fs.readFileSync(given, 'utf8');
            } catch {
              throw new UsageError(`relay audit: --table ${given}: cannot be read`);
            }
            nets = parseCidrTable(text);
            [found, missing] = [[given], []];
          } else {
            nets = trusted.networks;
            [found, missing] = [trusted.sources.filter((s) => s.found).map((s) => s.name), trusted.sources.filter((s) => !s.found).map((s) => s.name)];
          }
          // Loopback is the machine itself: trusted whatever a table says.
          const all = [...LOOPBACK_NETWORKS.map((n) => parseCidr(n)).flatMap((r) => (r.ok ? [r.cidr] : [])), ...nets];
          const isTrusted = (ip: string) => {
            const a = parseIp(ip);
            return !!a && all.some((n) => cidrContains(n, a));
          };
          const files = logOrder(args, (f) => io.stderr.write(`relay audit: reading each log's rotations oldest first: ${f.join(', ')}\n`));
          const stats = await scanFiles(files, { now, ...window, localDomains }, () => io.stdin);
          // Asked before the report is made: a plugin answers from its store, the report reads synchronously.
          const removals = new Map<string, string | undefined>();
          for (const ip of stats.unauth.keys()) if (!isTrusted(ip)) removals.set(ip, await trusted.removalOf(ip));
          const clients = relayClients(stats, { isTrusted, removedHow: (ip) => removals.get(ip), ...(jf ? { jumpFactor: Number(jf) } : {}) });
          const flagged = clients.filter((c) => c.flags.length);
          const where = found.length ? found.join(', ') : missing.length ? `loopback only, no table at ${missing.join(', ')}` : 'loopback only (no plugin keeps trusted networks)';
          if (ctx.json) ctx.outJson({ table: found.length ? found.join(', ') : null, linesRead: stats.lines, linesParsed: stats.parsed, linesOutsideWindow: stats.outside, clients });
          else {
            ctx.out(`${clients.length} client(s) relayed without authentication; ${flagged.length} flagged (trusted list: ${where})${stats.outside ? `; ${stats.outside} lines outside --since/--until` : ''}`);
            if (clients.length) ctx.out(table(['CLIENT', 'NAMES', 'TRUSTED', 'MESSAGES', 'RECIPIENTS', 'SENT', 'DEFERRED', 'BOUNCED', 'BUSIEST HOUR', 'FLAGS'], clients.map((c) => {
              const busiest = [...c.hours].sort((a, b) => b.messages - a.messages)[0];
              return [c.client, c.names.join(','), c.trusted ? 'yes' : 'NO', c.messages, c.recipients, c.sent, c.deferred, c.bounced, `${busiest.hour} (${busiest.messages})`, c.flags.join('; ')];
            })));
          }
          return flagged.length ? EXIT.problem : EXIT.ok;
        } finally {
          await ctx.close();
        }
      }
      default:
        throw new UsageError(sub ? `relay: unknown subcommand "${sub}" (probe, audit)` : 'relay: a subcommand is required (probe, audit)');
    }
  },
};
