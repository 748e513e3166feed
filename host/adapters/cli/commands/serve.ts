import { UsageError } from '../../../../shared';
import type { App } from '../../../core/app';
import { listenerLimits } from '../../../core/config/listener-limits';
import { GATEWAYS } from '../listeners';
import type { Gateway } from '../../../core/gateway';
import { parseListen } from '../../../tools/listen-address';
import { listenerReadiness } from '../../../core/readiness';
import { AuthLogFollower } from '../../logs/auth-log-follower';
import { watchProcessFaults } from '../../../core/services/process-faults';
import { CliContext, parse, str } from '../cli-context';
import type { CliCommand } from '../command';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run mailwarden: load plugins, start the gateways and the admin listener',
  usage: `mailwarden serve [--listen-admin ADDR] [--listen-dovecot ADDR] [--listen-postfix ADDR]
                 [--default-domain D] [--follow-log FILE]… [--config FILE] [--data-dir DIR] [--plugin-dir DIR]
  ADDR is host:port, [ipv6]:port, a bare port (loopback), or "off".
  --follow-log (and logFollow.files in the config) reports failed logins from a mail log.
  SIGHUP reloads plugins and the config file (settings that need a restart are named in the log;
  an invalid file changes nothing); SIGTERM/SIGINT stop cleanly. Check a file first: mailwarden config test.`,
  async run(argv, io) {
    const p = parse(argv, {
      'listen-admin': { type: 'string' },
      'listen-dovecot': { type: 'string' },
      'listen-postfix': { type: 'string' },
      'default-domain': { type: 'string' },
      'follow-log': { type: 'string', multiple: true },
    }, 'serve');
    if (p.positionals.length) throw new UsageError(`serve: unexpected argument "${p.positionals[0]}"`);
    const listen: Record<string, string> = {};
    for (const l of ['admin', 'dovecot', 'postfix']) {
      const v = str(p, `listen-${l}`);
      if (v !== undefined) listen[l] = v;
    }
    const ctx = new CliContext(io, p, { listen, ...(str(p, 'default-domain') ? { defaultDomain: str(p, 'default-domain') } : {}) });
    const config = ctx.config();
    // Refused before anything starts: caps whose sum would exhaust the open-file limit.
    listenerLimits(config);
    const addresses = GATEWAYS.map((g) => {
      try {
        return parseListen(config.listen[g.listener], `listen.${g.listener}`);
      } catch (e) {
        throw new UsageError(`serve: ${(e as Error).message}`);
      }
    });
    const { App } = await import('../../../core/app');
    const { PromMetrics } = await import('../../../core/services/metrics');
    const { registerProcessMetrics, seedPluginCounters } = await import('../../../core/services/host-metrics');
    const metrics = new PromMetrics();
    // Process metrics (heap, RSS, event-loop lag) on /metrics, under their standard names: what an operator watches for leaks.
    registerProcessMetrics(metrics);
    const app: App = await App.open({ config, metrics });
    const seed = () => seedPluginCounters(metrics, app.registry.active.map((pl) => ({ id: pl.manifest.id, hooks: pl.manifest.hooks })));
    const log = app.logger;
    watchProcessFaults(log, app.metrics);
    const gateways: Array<Pick<Gateway, 'name' | 'stop'>> = [];
    let stopping: Promise<void> | undefined;
    const stop = (signal: string) => {
      stopping ??= (async () => {
        log.info({ signal }, 'stopping');
        listenerReadiness.reset();
        listenerReadiness.expect(['stopping']);
        for (const g of [...gateways].reverse()) {
          try {
            await g.stop();
          } catch (e) {
            log.error({ gateway: g.name, err: (e as Error).message }, 'gateway stop failed');
          }
        }
        await app.close();
        log.info({}, 'stopped');
        log.flush?.();
      })();
      return stopping;
    };
    try {
      const failures = await app.loadPlugins();
      seed();
      for (const f of failures) log.error({ plugin: f.id, stage: f.stage, reason: f.reason }, 'plugin failed and is skipped');
      log.info({ plugins: app.registry.active.map((x) => x.manifest.id), pluginDir: config.pluginDir, dataDir: config.dataDir, store: app.store.backend }, 'plugins loaded');
      listenerReadiness.expect(GATEWAYS.filter((_, i) => addresses[i]).map((g) => g.listener));
      for (let i = 0; i < GATEWAYS.length; i++) {
        const addr = addresses[i];
        if (!addr) continue;
        const g = GATEWAYS[i].create(app, addr);
        const bound = await g.start();
        gateways.push(g);
        listenerReadiness.started(GATEWAYS[i].listener);
        log.info({ listener: g.name, host: bound.host, port: bound.port }, 'listening');
      }
      const followed = new Map<string, AuthLogFollower>();
      const follow = async (file: string, o: { pollMs: number; fromStart: boolean }) => {
        const f = new AuthLogFollower(app, file, o);
        await f.start();
        gateways.push(f);
        followed.set(file, f);
        log.info({ file }, 'following log');
      };
      const flagged = (p.values['follow-log'] as string[] | undefined) ?? [];
      for (const file of [...config.logFollow.files, ...flagged]) await follow(file, config.logFollow);
      // Reload: files dropped from logFollow.files are no longer followed, new ones are (from their end, unless fromStart); the others keep their position.
      app.applyOnReload('logFollow', async (next) => {
        const want = new Set([...next.logFollow.files, ...flagged]);
        for (const [file, f] of followed) {
          if (want.has(file)) continue;
          followed.delete(file);
          gateways.splice(gateways.indexOf(f), 1);
          await f.stop();
          log.info({ file }, 'no longer following log');
        }
        for (const file of want) {
          if (followed.has(file)) continue;
          await follow(file, next.logFollow).catch((e: Error) => log.error({ file, err: e.message }, 'cannot follow log'));
        }
      });
    } catch (e) {
      await stop('startup-failure');
      throw e;
    }
    process.on('SIGHUP', () => {
      log.info({}, 'SIGHUP: reloading plugins and settings');
      app.reload().then(
        (r) => {
          seed();
          log.info({ applied: r.applied, reason: r.reason }, 'reload finished');
        },
        (e) => log.error({ err: (e as Error).message }, 'reload failed; the running set is unchanged'),
      );
    });
    await new Promise<void>((resolve) => {
      const onSignal = (sig: string) => void stop(sig).then(resolve, resolve);
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
      log.info({ pid: process.pid }, 'ready');
    });
    return 0;
  },
};
