import Database from 'better-sqlite3';
import net from 'node:net';
import type { App } from '../../core/app';
import type { ListenerName } from '../../core/gateway';
import { parseListen } from '../../tools/listen-address';
import type { Finding } from '../../tools/postfix/doctor';

const CONNECT_TIMEOUT_MS = 2000;

function connects(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (err?: string) => {
      clearTimeout(t);
      s.destroy();
      resolve(err);
    };
    const t = setTimeout(() => done(`no answer within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS);
    s.once('connect', () => done());
    s.once('error', (e) => done((e as NodeJS.ErrnoException).code ?? e.message));
  });
}

/**
 * Every listener, in serve's start order, by name: the gateways' code (the
 * admin server compiles its request schemas as it loads) is serve's, not doctor's.
 * `satisfies` makes a listener added to ListenerName fail to compile until it is named here.
 */
const LISTENERS = Object.keys({ admin: 0, dovecot: 0, postfix: 0 } satisfies Record<ListenerName, 0>) as ListenerName[];

/** mailwarden's own listeners: each configured address must accept a connection (serve running). */
export async function checkListeners(app: Pick<App, 'config'>): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const listener of LISTENERS) {
    const text = app.config.listen[listener];
    const a = parseListen(text, `listen.${listener}`);
    if (!a) {
      out.push({ check: 'listener', level: 'skipped', message: `${listener}: off in the configuration` });
      continue;
    }
    const err = await connects(a.host, a.port);
    out.push(err
      // A warning, not a problem: doctor is also run before the first start. While
      // serve is down, Postfix and Dovecot get errors from their policy checks.
      ? { check: 'listener', level: 'warning', message: `${listener}: nothing answers on ${text} (${err}): is \`mailwarden serve\` running with this configuration?`, paste: ['systemctl status mailwarden', 'journalctl -u mailwarden -o cat -n 50'] }
      : { check: 'listener', level: 'ok', message: `${listener}: listening on ${text}` });
  }
  return out;
}

/** The store: SQLite passes integrity_check and takes writes; Redis answers PING. */
export async function checkStore(app: Pick<App, 'store' | 'config'>): Promise<Finding> {
  const store = app.store as { backend: string; file?: string; degraded?: string; ping?: () => Promise<string> };
  try {
    if (store.backend === 'sqlite' && store.file) {
      if (store.degraded) return { check: 'store', level: 'problem', message: `SQLite ${store.file} failed: ${store.degraded}` };
      const db = new Database(store.file, { readonly: true, fileMustExist: true });
      try {
        const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
        const result = rows.map((r) => r.integrity_check).join('; ');
        return result === 'ok'
          ? { check: 'store', level: 'ok', message: `SQLite ${store.file}: integrity_check ok` }
          : { check: 'store', level: 'problem', message: `SQLite ${store.file}: integrity_check says ${result.slice(0, 500)}`, paste: ['restore the file from a backup, or move it aside and restart (blocks and settings start empty)'] };
      } finally {
        db.close();
      }
    }
    if (store.backend === 'redis' && store.ping) {
      const pong = await store.ping();
      return { check: 'store', level: pong === 'PONG' ? 'ok' : 'problem', message: `Redis answered ${pong} to PING` };
    }
    if (store.backend === 'memory') return { check: 'store', level: 'warning', message: 'state.backend is "memory", or the SQLite file could not be opened for writing: blocks and settings are lost at exit (see the log)' };
    return { check: 'store', level: 'skipped', message: `no check for the ${store.backend} store` };
  } catch (e) {
    return { check: 'store', level: 'problem', message: `the ${store.backend} store fails: ${(e as Error).message}` };
  }
}
