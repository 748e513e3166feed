import os from 'node:os';
import { inject, injectable } from 'inversify';
import { Clock, Logger, Metrics, Notifier, PeriodicTask, StateStore, type ServiceContext, type ServiceContribution } from '../../shared';
import { listingAlert, recoveryNotice, type Subject } from './alert-text';
import { listSpecs, resolveSettings, type ReputationConfig, type Settings } from './config';
import { type DnsClient, NodeDnsClient } from './dns-client';
import { checkLists, type DnsblResult, keptResults } from './dnsbl-check';
import { OutboundCache } from './outbound-cache';
import { isPublic, type Outbound, outboundAddresses, type RunCommand, runCommand } from './outbound-ips';
import { LISTING_KINDS, RATE_PREFIX, RejectionBook, rejectionRecords, subjectKey } from './rejections';

/** An incident as kept in the store: one per (our address, list or provider). */
export interface Incident {
  readonly ip: string;
  readonly source: string;
  readonly openedAt: number;
  readonly alertedAt?: number;
  readonly rateAlertedAt?: number;
}

export interface TickSummary {
  readonly idle?: boolean;
  readonly queried: number;
  readonly alerts: number;
  readonly recoveries: number;
  readonly open: number;
  readonly held: number;
}

export const INCIDENT_PREFIX = 'incident:';
const HISTORY_PREFIX = 'history:';
export const OUTBOUND_KEY = 'outbound';
/** Postfix's bind addresses change rarely; postconf runs at most this often. */
const DISCOVERY_MS = 10 * 60_000;

/**
 * The periodic side: asks the DNSBLs when they are due, and turns the evidence
 * the onMail hook keeps into incidents: one alert per incident (first
 * occurrence), one more if refusals keep coming at the configured rate, a
 * cooldown between alerts, and one recovery notice. Time comes from the
 * injected Clock and every decision is kept in the store, so tests drive
 * tick() and a restart repeats nothing. The timer only calls tick().
 */
@injectable()
export class ReputationWatcher implements ServiceContribution {
  /** Replaced by tests; production asks node:dns with the configured servers. */
  dnsFactory: (servers: readonly string[], timeoutMs: number) => DnsClient = (servers, timeoutMs) => new NodeDnsClient(servers, timeoutMs);
  run: RunCommand = runCommand;
  private ctx: ServiceContext | undefined;
  private intervalMs = 60_000;
  private readonly loop: PeriodicTask<TickSummary>;
  private dns: { key: string; client: DnsClient } | undefined;
  private discovered: { key: string; at: number; outbound: Outbound } | undefined;
  private readonly complained = new Set<string>();

  constructor(
    @inject(Clock) private readonly clock: Clock,
    @inject(StateStore) private readonly store: StateStore,
    @inject(Notifier) private readonly notifier: Notifier,
    @inject(Logger) private readonly logger: Logger,
    @inject(Metrics) private readonly metrics: Metrics,
    @inject(OutboundCache) private readonly outbound: OutboundCache,
    @inject(RejectionBook) private readonly book: RejectionBook,
  ) {
    this.loop = new PeriodicTask({ clock, run: () => this.round(), intervalMs: () => this.intervalMs, onError: (e) => this.logger.error({ err: (e as Error).message }, 'reputation check failed') });
  }

  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
    const s = resolveSettings(await ctx.configs());
    if (s) {
      this.intervalMs = s.config.intervalSeconds * 1000;
      // Known before the first round, so the first refusals are put on the right address.
      await this.discover(s.config, this.clock.now()).catch((e: unknown) => this.logger.warn({ err: (e as Error).message }, 'reputation-watch: outbound addresses unknown'));
    }
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One round. Overlapping calls share the round in progress. */
  tick(): Promise<TickSummary> {
    return this.loop.tick();
  }

  private async round(): Promise<TickSummary> {
    if (!this.ctx) throw new Error('reputation-watch: tick() before start()');
    const s = resolveSettings(await this.ctx.configs());
    if (!s) return { idle: true, queried: 0, alerts: 0, recoveries: 0, open: 0, held: 0 };
    this.intervalMs = s.config.intervalSeconds * 1000;
    const now = this.clock.now();
    const outbound = await this.discover(s.config, now);
    const { results, queried } = await this.lists(s.config, outbound, now, s.config.checkIntervalSeconds);
    return { queried, ...(await this.evaluate(s, results, now)) };
  }

  /** `reputation check`: ask every list that its floor allows now; the rest answer from the cache. */
  async checkNow(config: ReputationConfig): Promise<{ outbound: Outbound; results: DnsblResult[]; queried: number }> {
    const now = this.clock.now();
    const outbound = await this.discover(config, now);
    return { outbound, ...(await this.lists(config, outbound, now, 0)) };
  }

  /** Our addresses, re-read every DISCOVERY_MS (or when the config changes), lent to the hook and kept for status. */
  async discover(c: ReputationConfig, now: number): Promise<Outbound> {
    const key = JSON.stringify([c.outboundIps, c.postconfCommand]);
    if (this.discovered && this.discovered.key === key && now - this.discovered.at < DISCOVERY_MS) return this.discovered.outbound;
    const outbound = await outboundAddresses(c.outboundIps, c.postconfCommand, this.run);
    if (outbound.problem) this.logger.warn({ problem: outbound.problem }, 'reputation-watch: could not read the outbound addresses from Postfix; using the host\'s');
    if (outbound.ips.length === 0) this.logger.warn({}, 'reputation-watch: no public outbound address found; set outboundIps in the config file');
    this.discovered = { key, at: now, outbound };
    this.outbound.current = outbound;
    await this.store.set(OUTBOUND_KEY, { ...outbound, at: now });
    return outbound;
  }

  private client(c: ReputationConfig): DnsClient {
    const key = JSON.stringify([c.resolvers, c.dnsTimeoutMs]);
    if (this.dns?.key !== key) this.dns = { key, client: this.dnsFactory(c.resolvers, c.dnsTimeoutMs) };
    return this.dns.client;
  }

  private async lists(c: ReputationConfig, outbound: Outbound, now: number, intervalSeconds: number): Promise<{ results: DnsblResult[]; queried: number }> {
    let dns: DnsClient;
    try {
      dns = this.client(c);
    } catch (e) {
      this.complainOnce('resolver', { err: (e as Error).message }, 'reputation-watch: the resolvers setting is unusable; DNSBLs are not checked');
      return { results: await keptResults(this.store, now), queried: 0 };
    }
    const ips = outbound.source === 'config' ? outbound.ips : outbound.ips.filter(isPublic);
    const r = await checkLists(dns, this.store, listSpecs(c), ips, now, { intervalSeconds });
    for (const d of r.results) {
      if (d.checkedAt !== now) continue;
      this.metrics.increment('reputation_dnsbl_queries', { list: d.zone, status: d.status });
      if (d.status === 'resolver-refused' || d.status === 'rate-limited' || d.status === 'error') {
        this.complainOnce(`${d.zone}|${d.status}`, { list: d.zone, ip: d.ip, status: d.status, detail: d.detail }, 'reputation-watch: a DNSBL query gave no usable answer');
      } else this.complained.delete(`${d.zone}|resolver-refused`);
    }
    return r;
  }

  /** Once per streak: a misconfigured resolver must not fill the log every round. */
  private complainOnce(key: string, obj: object, msg: string): void {
    if (this.complained.has(key)) return;
    this.complained.add(key);
    this.logger.warn(obj, msg);
  }

  /** The subjects of incidents: remote refusals and DNSBL listings, merged per (address, list). */
  async subjects(results: readonly DnsblResult[], now: number): Promise<Map<string, Subject>> {
    const out = new Map<string, Subject>();
    for (const r of await rejectionRecords(this.store, now)) out.set(subjectKey(r.ip, r.source), { ip: r.ip, source: r.source, rejections: r });
    for (const d of results) {
      const key = subjectKey(d.ip, d.zone);
      const prev = out.get(key);
      if (prev) out.set(key, { ...prev, dnsbl: d });
      else if (d.status === 'listed') out.set(key, { ip: d.ip, source: d.zone, dnsbl: d });
    }
    return out;
  }

  private async evaluate(s: Settings, results: readonly DnsblResult[], now: number): Promise<Omit<TickSummary, 'queried'>> {
    const cfg = s.config;
    const quietMs = cfg.quietMinutes * 60_000;
    const subjects = await this.subjects(results, now);
    const incidents = new Map((await this.store.list<Incident>(INCIDENT_PREFIX, now)).map((e) => [e.key.slice(INCIDENT_PREFIX.length), e.value]));
    const isActive = (sub: Subject | undefined) => !!sub && ((sub.rejections !== undefined && now - sub.rejections.lastSeen < quietMs) || sub.dnsbl?.status === 'listed');
    const listingGauge = (sub: Subject) => sub.dnsbl !== undefined || (sub.rejections !== undefined && LISTING_KINDS.has(sub.rejections.kind));
    for (const d of results) {
      const sub = subjects.get(subjectKey(d.ip, d.zone));
      this.metrics.setGauge('blocklist_listed', isActive(sub) ? 1 : 0, { list: this.book.label(d.zone), ip: d.ip });
    }
    let alerts = 0;
    let recoveries = 0;
    let open = 0;
    let held = 0;
    for (const key of new Set([...subjects.keys(), ...incidents.keys()])) {
      const sub = subjects.get(key);
      let inc = incidents.get(key);
      if (isActive(sub)) {
        const subject = sub!;
        open++;
        if (!inc) {
          inc = { ip: subject.ip, source: subject.source, openedAt: now };
          this.logger.warn({ ip: subject.ip, source: subject.source }, 'reputation incident opened');
        }
        const rateCount = subject.rejections ? await this.store.count(RATE_PREFIX + key, cfg.rejectionRate.minutes * 60_000, now) : 0;
        const atRate = rateCount >= cfg.rejectionRate.count;
        if (inc.alertedAt === undefined) {
          const sent = await this.alert(s, key, subject, 'first', now, atRate);
          if (sent === 'sent') inc = { ...inc, alertedAt: now, ...(atRate ? { rateAlertedAt: now } : {}) };
          if (sent === 'sent') alerts++;
          if (sent === 'cooldown') held++;
        } else if (inc.rateAlertedAt === undefined && atRate) {
          if ((await this.alert(s, key, subject, 'rate', now, true)) === 'sent') {
            inc = { ...inc, rateAlertedAt: now };
            alerts++;
          }
        }
        await this.store.set(INCIDENT_PREFIX + key, inc);
        if (listingGauge(subject)) this.metrics.setGauge('blocklist_listed', 1, { list: this.book.label(subject.source), ip: subject.ip });
      } else if (inc) {
        const subject: Subject = sub ?? { ip: inc.ip, source: inc.source };
        if (inc.alertedAt !== undefined) {
          try {
            await this.notifier.notify({ ...recoveryNotice(os.hostname(), subject, inc.openedAt, now, cfg.quietMinutes), severity: 'info', kind: 'recovery', ...this.recipients(s), data: { ip: inc.ip, source: inc.source } });
          } catch (e) {
            this.logger.error({ err: (e as Error).message }, 'reputation recovery notice could not be sent; retrying at the next round');
            open++;
            continue;
          }
          this.metrics.increment('reputation_notices', { kind: 'recovery' });
        }
        await this.store.delete(INCIDENT_PREFIX + key);
        this.logger.info({ ip: inc.ip, source: inc.source, alerted: inc.alertedAt !== undefined }, 'reputation incident closed');
        this.metrics.setGauge('blocklist_listed', 0, { list: this.book.label(inc.source), ip: inc.ip });
        recoveries++;
      }
    }
    this.metrics.setGauge('reputation_incidents_open', open);
    return { alerts, recoveries, open, held };
  }

  private async alert(s: Settings, key: string, sub: Subject, reason: 'first' | 'rate', now: number, atRate: boolean): Promise<'sent' | 'cooldown' | 'failed'> {
    const cooldownMs = s.config.cooldownMinutes * 60_000;
    const history = await this.store.get<{ lastAlertAt: number }>(HISTORY_PREFIX + key, now);
    if (reason === 'first' && history && now - history.lastAlertAt < cooldownMs) return 'cooldown';
    const rate = atRate ? s.config.rejectionRate : undefined;
    const mail = listingAlert(os.hostname(), sub, reason === 'first' && atRate ? 'first' : reason, rate);
    const listing = sub.dnsbl?.status === 'listed' || (sub.rejections !== undefined && LISTING_KINDS.has(sub.rejections.kind));
    try {
      await this.notifier.notify({
        ...mail,
        severity: listing ? 'critical' : 'warning',
        kind: 'listing',
        ...this.recipients(s),
        data: {
          ip: sub.ip,
          source: sub.source,
          reason,
          ...(sub.rejections ? { kind: sub.rejections.kind, refusals: sub.rejections.count, evidence: sub.rejections.evidence, receivingDomains: sub.rejections.receivingDomains } : {}),
          ...(sub.dnsbl ? { dnsbl: { status: sub.dnsbl.status, codes: sub.dnsbl.codes, subLists: sub.dnsbl.subLists, reason: sub.dnsbl.reason } } : {}),
          ...((sub.dnsbl?.delistUrl ?? sub.rejections?.delistUrl) ? { delistUrl: sub.dnsbl?.delistUrl ?? sub.rejections?.delistUrl } : {}),
        },
      });
    } catch (e) {
      this.metrics.increment('reputation_send_failures', { kind: 'alert' });
      this.logger.error({ err: (e as Error).message }, 'reputation alert could not be sent; retrying at the next round');
      return 'failed';
    }
    await this.store.set(HISTORY_PREFIX + key, { lastAlertAt: now }, now + Math.max(cooldownMs, 86_400_000));
    this.metrics.increment('reputation_notices', { kind: reason });
    return 'sent';
  }

  private recipients(s: Settings): { recipients?: string[]; copyAdmin?: boolean } {
    return s.recipients.length ? { recipients: [...s.recipients], copyAdmin: s.copyAdmin } : {};
  }
}
