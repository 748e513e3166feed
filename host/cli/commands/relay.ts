import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { UsageError } from '../../../shared';
import { RelayAudit } from '../../postfix/relay-audit';
import { parseProbeTarget, probeRelay } from '../../postfix/relay-probe';
import { containsIp, readCidrTable, readFileOrUndefined, removalOf, trustedTableFile } from '../../postfix/trusted-networks';
import { CliContext, parse, str } from '../cli-context';
import { type CliCommand, EXIT } from '../command';
import { table } from '../table';

export const relayCommand: CliCommand = {
  name: 'relay',
  summary: 'check that the server is not an open relay: probe it over SMTP, or audit who relayed in a log',
  usage: `mailwarden relay probe HOST[:PORT] [--source IP] [--from ADDR] [--to ADDR] [--json]
    Tries MAIL FROM an outside address and RCPT TO an outside domain without AUTH
    (then RSET: nothing is sent). Exit 0 CLOSED, 4 OPEN, 1 inconclusive.
mailwarden relay audit LOGFILE… [--table FILE] [--jump-factor N] [--json]
    Every client that relayed without sasl_username, messages and recipients per hour,
    flagged when it is not (or no longer) trusted or when its hourly volume jumps.
    Trusted = loopback + the trusted-ips cidr table (--table, default: its tableFile).
    Exit 0 nothing flagged, 4 something flagged.`,
  async run(argv, io) {
    const p = parse(argv, { source: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, table: { type: 'string' }, 'jump-factor': { type: 'string' } }, 'relay');
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
        for (const f of args) if (!fs.existsSync(f)) throw new UsageError(`relay audit: ${f}: no such file`);
        const jf = str(p, 'jump-factor');
        if (jf !== undefined && !(Number(jf) > 1)) throw new UsageError(`relay audit: --jump-factor must be a number above 1, not "${jf}"`);
        try {
          const app = await ctx.open();
          const tableFile = str(p, 'table') ?? (await trustedTableFile(app));
          const tableText = readFileOrUndefined(tableFile);
          if (str(p, 'table') && tableText === undefined) throw new UsageError(`relay audit: --table ${tableFile}: cannot be read`);
          const nets = readCidrTable(tableText);
          const history = await app.store.listAudit({ subjectPrefix: 'trusted-ips:' });
          const audit = new RelayAudit({ isTrusted: (ip) => containsIp(nets, ip), removedHow: (ip) => removalOf(history, ip), now: app.clock.now(), ...(jf ? { jumpFactor: Number(jf) } : {}) });
          for (const f of args) {
            const rl = readline.createInterface({ input: fs.createReadStream(f, { encoding: 'latin1' }), crlfDelay: Infinity });
            for await (const line of rl) audit.addLine(line);
          }
          const clients = audit.report();
          const flagged = clients.filter((c) => c.flags.length);
          if (ctx.json) ctx.outJson({ table: tableText === undefined ? null : tableFile, linesRead: audit.linesRead, linesParsed: audit.linesParsed, clients });
          else {
            ctx.out(`${clients.length} client(s) relayed without authentication; ${flagged.length} flagged (trusted list: ${tableText === undefined ? 'loopback only, no table at ' + tableFile : tableFile})`);
            if (clients.length) ctx.out(table(['CLIENT', 'NAMES', 'TRUSTED', 'MESSAGES', 'RECIPIENTS', 'BUSIEST HOUR', 'FLAGS'], clients.map((c) => {
              const busiest = [...c.hours].sort((a, b) => b.messages - a.messages)[0];
              return [c.client, c.names.join(','), c.trusted ? 'yes' : 'NO', c.messages, c.recipients, `${busiest.hour} (${busiest.messages})`, c.flags.join('; ')];
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
