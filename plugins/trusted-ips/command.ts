import { parseArgs } from 'node:util';
import { inject, injectable, optional } from 'inversify';
import { Clock, type CommandContribution, type CommandIO, HostSettings, oneLine, StateStore, SystemActions, UsageError } from '../../shared';
import { applyToPostfix } from './apply';
import { GLOBAL_SCOPE, hostWideConfig, type TrustedIpsConfig } from './config';
import {
  BreadthError, checkBreadth, duplicateMessage, EntryError, normalizeScope, parseCap, parseExpiry, parseNetworkArg, parseSenderDomains,
  type TrustedEntry,
} from './entry';
import { renderCidrTable } from './table';
import { AUDIT_SUBJECT, TrustedIpsRepository } from './repository';
import manifest from './manifest.json';

/**
 * The command as the manifest declares it (contributes.commands): the host
 * prints this usage for `--help` without loading the plugin, so it is written once, there.
 */
const DECLARED = manifest.contributes.commands.find((c) => c.name === 'trusted-ips')!;
export const USAGE = DECLARED.usage;

const EXIT = { ok: 0, runtime: 1, usage: 2, refused: 3 } as const;

type Values = Record<string, string | boolean | undefined>;

/** `mailwarden trusted-ips …`: manage the list, see its history, apply it to Postfix. */
@injectable()
export class TrustedIpsCommand implements CommandContribution {
  readonly name = 'trusted-ips';
  readonly summary = DECLARED.summary;

  constructor(
    @inject(TrustedIpsRepository) private readonly repo: TrustedIpsRepository,
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
    @inject(HostSettings) private readonly hostSettings: HostSettings,
    @inject(SystemActions) @optional() private readonly system?: SystemActions,
  ) {}

  async run(argv: readonly string[], io: CommandIO): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        strict: true,
        options: {
          domain: { type: 'string' }, label: { type: 'string' }, expires: { type: 'string' }, 'sender-domains': { type: 'string' },
          'max-per-hour': { type: 'string' }, force: { type: 'boolean' }, reason: { type: 'string' }, json: { type: 'boolean' },
          limit: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (e) {
      throw new UsageError(`trusted-ips: ${(e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '')}`);
    }
    const v = parsed.values as Values;
    const [sub, target, ...rest] = parsed.positionals;
    if (v.help) {
      io.stdout.write(USAGE + '\n');
      return EXIT.ok;
    }
    if (rest.length) throw new UsageError(`trusted-ips ${sub}: unexpected argument "${rest[0]}"`);
    try {
      switch (sub) {
        case 'list':
          return await this.list(v, io, target);
        case 'add':
          return await this.add(v, io, target);
        case 'remove':
          return await this.remove(v, io, target);
        case 'audit':
          return await this.audit(v, io, target);
        case 'render':
          return await this.render(v, io, target);
        case 'apply':
          return await this.apply(io, this.config(), target);
        default:
          throw new UsageError(sub ? `trusted-ips: unknown subcommand "${sub}" (list, add, remove, audit, render, apply)` : 'trusted-ips: a subcommand is required (list, add, remove, audit, render, apply)');
      }
    } catch (e) {
      if (e instanceof EntryError) throw new UsageError(`trusted-ips ${sub}: ${e.message}`);
      if (e instanceof BreadthError) {
        io.stderr.write(`mailwarden: trusted-ips ${sub}: refused: ${e.message}\n`);
        return EXIT.refused;
      }
      throw e;
    }
  }

  /** Host-level values only: the table, the reload command and the breadth guard are the config file's. */
  private config(): TrustedIpsConfig {
    return hostWideConfig(this.hostSettings);
  }

  private noTarget(sub: string, target: string | undefined): void {
    if (target !== undefined) throw new UsageError(`trusted-ips ${sub}: unexpected argument "${target}"`);
  }

  private async list(v: Values, io: CommandIO, target: string | undefined): Promise<number> {
    this.noTarget('list', target);
    const scope = v.domain === undefined ? undefined : normalizeScope(v.domain as string);
    const now = this.clock.now();
    const entries = (await this.repo.list()).filter((e) => scope === undefined || e.scope === scope || (scope !== GLOBAL_SCOPE && e.scope === GLOBAL_SCOPE));
    entries.sort((a, b) => (a.scope === b.scope ? (a.network < b.network ? -1 : 1) : a.scope === GLOBAL_SCOPE ? -1 : b.scope === GLOBAL_SCOPE ? 1 : a.scope < b.scope ? -1 : 1));
    if (v.json) {
      io.stdout.write(JSON.stringify(entries.map((e) => ({ ...e, addedAt: isoFull(e.addedAt), ...(e.expiresAt ? { expiresAt: isoFull(e.expiresAt) } : {}) })), null, 2) + '\n');
      return EXIT.ok;
    }
    if (entries.length === 0) {
      io.stdout.write(`no trusted entries${scope && scope !== GLOBAL_SCOPE ? ` for ${scope}` : ''} (only loopback relays without authentication)\n`);
      return EXIT.ok;
    }
    const rows = entries.map((e) => [
      `${e.exclude ? '!' : ''}${e.network}`, e.scope === GLOBAL_SCOPE ? '(all)' : e.scope, e.label || '-', e.allowedSenderDomains?.join(',') ?? '(any)',
      e.maxMessagesPerHour !== undefined ? String(e.maxMessagesPerHour) : '-', e.expiresAt ? `${iso(e.expiresAt)}${e.expiresAt - now < 86_400_000 ? ' (soon)' : ''}` : 'never', `${e.addedBy} ${iso(e.addedAt)}`,
    ]);
    io.stdout.write(table(['NETWORK', 'DOMAIN', 'LABEL', 'SENDER DOMAINS', 'MAX/HOUR', 'EXPIRES', 'ADDED'], rows) + '\n');
    return EXIT.ok;
  }

  private async add(v: Values, io: CommandIO, target: string | undefined): Promise<number> {
    if (!target) throw new UsageError('trusted-ips add: NETWORK is required (an address or CIDR, or !ADDRESS for an exclusion)');
    const config = this.config();
    const { cidr, network, exclude } = parseNetworkArg(target);
    const scope = normalizeScope(v.domain as string | undefined);
    const now = this.clock.now();
    if (exclude && (v['sender-domains'] !== undefined || v['max-per-hour'] !== undefined)) {
      throw new EntryError('an exclusion is never trusted: --sender-domains and --max-per-hour do not apply to it');
    }
    // Stored on one line: labels and reasons end up in the cidr table, logs, alert texts and the console.
    const label = oneLine((v.label as string | undefined) ?? '');
    if (label.length > 200) throw new EntryError('--label: at most 200 characters');
    const expiresAt = v.expires !== undefined ? parseExpiry(v.expires as string, now) : undefined;
    const allowedSenderDomains = v['sender-domains'] !== undefined ? parseSenderDomains(v['sender-domains'] as string) : undefined;
    const maxMessagesPerHour = v['max-per-hour'] !== undefined ? parseCap(v['max-per-hour'] as string) : undefined;
    const reason = v.reason === undefined ? undefined : oneLine(v.reason as string);
    if (!exclude) checkBreadth(cidr, config, { force: v.force === true, ...(reason !== undefined ? { reason } : {}) });
    else if (v.force) throw new EntryError('--force is for wide trusted networks; an exclusion needs none');
    const same = await this.repo.get(scope, network, exclude);
    if (same) throw new EntryError(duplicateMessage(same));
    const opposite = await this.repo.get(scope, network, !exclude);
    if (opposite) throw new EntryError(`${network} is ${opposite.exclude ? 'excluded' : 'trusted'} for ${scope === GLOBAL_SCOPE ? 'all domains' : scope} already; remove that entry first`);
    const entry: TrustedEntry = {
      network, exclude, scope, label, addedBy: io.actor, addedAt: now,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(allowedSenderDomains ? { allowedSenderDomains } : {}),
      ...(maxMessagesPerHour !== undefined ? { maxMessagesPerHour } : {}),
      ...(v.force && reason ? { forceReason: reason } : {}),
    };
    await this.repo.add(entry, { actor: io.actor, ...(reason ? { reason } : {}) });
    if (v.json) io.stdout.write(JSON.stringify(entry, null, 2) + '\n');
    else io.stdout.write(`${exclude ? 'excluded' : 'trusted'} ${exclude ? '!' : ''}${network} for ${scope === GLOBAL_SCOPE ? 'all domains' : scope}\n`);
    return this.applyIfConfigured(io, config, scope);
  }

  private async remove(v: Values, io: CommandIO, target: string | undefined): Promise<number> {
    if (!target) throw new UsageError('trusted-ips remove: NETWORK is required');
    const config = this.config();
    const { network, exclude } = parseNetworkArg(target);
    const scope = normalizeScope(v.domain as string | undefined);
    const entry = await this.repo.get(scope, network, exclude);
    if (!entry) {
      const elsewhere = (await this.repo.list()).filter((e) => e.network === network && e.exclude === exclude).map((e) => (e.scope === GLOBAL_SCOPE ? 'all domains (no --domain)' : `--domain ${e.scope}`));
      throw new EntryError(`${exclude ? '!' : ''}${network} is not an entry for ${scope === GLOBAL_SCOPE ? 'all domains' : scope}${elsewhere.length ? `; it is one for ${elsewhere.join(', ')}` : ''}`);
    }
    const reason = v.reason === undefined ? undefined : oneLine(v.reason as string);
    await this.repo.remove(entry, { actor: io.actor, ...(reason ? { reason } : {}) });
    io.stdout.write(`removed ${exclude ? '!' : ''}${network} from ${scope === GLOBAL_SCOPE ? 'all domains' : scope}\n`);
    return this.applyIfConfigured(io, config, scope);
  }

  private async applyIfConfigured(io: CommandIO, config: TrustedIpsConfig, scope: string): Promise<number> {
    if (!config.applyOnChange || scope !== GLOBAL_SCOPE) return EXIT.ok;
    return this.apply(io, config, undefined);
  }

  private async apply(io: CommandIO, config: TrustedIpsConfig, target: string | undefined): Promise<number> {
    this.noTarget('apply', target);
    try {
      const r = await applyToPostfix(await this.repo.list(), config, this.clock.now(), this.system);
      io.stdout.write(`wrote ${r.file}${r.reloaded ? `; ran ${config.reloadCommand.join(' ')}` : ''}\n`);
      return EXIT.ok;
    } catch (e) {
      io.stderr.write(`mailwarden: trusted-ips: the list is saved, but applying it to Postfix failed: ${(e as Error).message}\n`);
      return EXIT.runtime;
    }
  }

  private async audit(v: Values, io: CommandIO, target: string | undefined): Promise<number> {
    this.noTarget('audit', target);
    const scope = v.domain === undefined ? undefined : normalizeScope(v.domain as string);
    const limitText = v.limit as string | undefined;
    if (limitText !== undefined && !/^[0-9]{1,6}$/.test(limitText)) throw new EntryError(`--limit: "${limitText}" is not a number`);
    const prefix = scope === undefined ? AUDIT_SUBJECT : `${AUDIT_SUBJECT}${scope}|`;
    const entries = await this.store.listAudit({ subjectPrefix: prefix, ...(limitText ? { limit: Number(limitText) } : {}) });
    if (v.json) {
      io.stdout.write(JSON.stringify(entries.map((e) => ({ ...e, at: isoFull(e.at) })), null, 2) + '\n');
      return EXIT.ok;
    }
    if (entries.length === 0) {
      io.stdout.write('no changes recorded\n');
      return EXIT.ok;
    }
    const rows = entries.map((e) => [iso(e.at), e.actor, e.action.replace('trusted-ips.', ''), e.subject.slice(AUDIT_SUBJECT.length).replace(/^\*\|/, '(all) '), e.reason ?? '', summary(e.before), summary(e.after)]);
    io.stdout.write(table(['WHEN', 'WHO', 'WHAT', 'ENTRY', 'REASON', 'BEFORE', 'AFTER'], rows) + '\n');
    return EXIT.ok;
  }

  private async render(v: Values, io: CommandIO, target: string | undefined): Promise<number> {
    this.noTarget('render', target);
    const config = this.config();
    const scope = v.domain === undefined ? GLOBAL_SCOPE : normalizeScope(v.domain as string);
    const scopes = scope === GLOBAL_SCOPE ? [GLOBAL_SCOPE] : [GLOBAL_SCOPE, scope];
    io.stdout.write(renderCidrTable(await this.repo.list(), scopes, this.clock.now(), `mynetworks = cidr:${config.tableFile}${scope === GLOBAL_SCOPE ? '' : ` (with the entries of ${scope})`}`));
    return EXIT.ok;
  }
}

function isoFull(t: number): string {
  return new Date(t).toISOString();
}

/** Whole seconds, for tables people read. */
function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

function summary(x: unknown): string {
  if (!x || typeof x !== 'object') return '-';
  const e = x as TrustedEntry;
  const parts = [e.label && `label=${e.label}`, e.allowedSenderDomains && `senders=${e.allowedSenderDomains.join(',')}`, e.maxMessagesPerHour !== undefined && `max/h=${e.maxMessagesPerHour}`, e.expiresAt && `until=${iso(e.expiresAt)}`].filter(Boolean);
  return parts.join(' ') || 'entry';
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n');
}
