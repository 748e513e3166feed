import net from 'node:net';
import type { QueueOperation } from '../postfix/queue/postsuper';
import type { PrivRequest, PrivResponse } from './protocol';

const TIMEOUT_MS = 90_000;

export class PrivilegedError extends Error {
  override readonly name = 'PrivilegedError';
}

/** The service's side of mailwarden-privd: one request per connection. */
export class PrivilegedClient {
  constructor(readonly socket: string) {}

  request(req: PrivRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = net.connect(this.socket);
      let buf = '';
      c.setEncoding('utf8');
      c.setTimeout(TIMEOUT_MS, () => c.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      c.on('data', (d: string) => (buf += d));
      c.on('error', (e) => reject(new PrivilegedError(`privileged helper at ${this.socket}: ${e.message} (is mailwarden-privd running?)`)));
      c.on('end', () => {
        let r: PrivResponse;
        try {
          r = JSON.parse(buf) as PrivResponse;
        } catch {
          return reject(new PrivilegedError(`privileged helper at ${this.socket}: unreadable answer`));
        }
        if (r.ok) resolve(r.output ?? '');
        else reject(new PrivilegedError(`privileged helper refused or failed: ${r.error}`));
      });
      c.end(JSON.stringify(req) + '\n');
    });
  }

  postsuper(mode: QueueOperation, ids: readonly string[]): Promise<string> {
    return this.request({ op: 'postsuper', mode, ids });
  }
  /** id → SASL login of queued messages, read by the helper from its own queue directory; ids without one are absent. */
  async queueSasl(ids: readonly string[]): Promise<Map<string, string>> {
    const out = await this.request({ op: 'queue-sasl', ids });
    let parsed: unknown;
    try {
      parsed = JSON.parse(out);
    } catch {
      throw new PrivilegedError(`privileged helper at ${this.socket}: queue-sasl answer is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PrivilegedError(`privileged helper at ${this.socket}: queue-sasl answer is not an object`);
    const asked = new Set(ids);
    const map = new Map<string, string>();
    for (const [id, login] of Object.entries(parsed)) {
      if (!asked.has(id) || typeof login !== 'string') throw new PrivilegedError(`privileged helper at ${this.socket}: queue-sasl answer names ${JSON.stringify(id.slice(0, 40))}, which was not asked or has no string login`);
      map.set(id, login);
    }
    return map;
  }
  kick(login: string): Promise<string> {
    return this.request({ op: 'kick', login });
  }
  setPassword(login: string, password: string): Promise<string> {
    return this.request({ op: 'password-set', login, password });
  }
}
