import * as http from 'node:http';
import * as net from 'node:net';
import type { App } from '../../host/core/app';
import { DovecotGateway } from '../../host/adapters/gateways/dovecot/dovecot-gateway';
import { PostfixPolicyGateway } from '../../host/adapters/gateways/postfix/policy-gateway';
import { pluginDirWith } from '../helpers/built-plugins';
import { testApp } from '../helpers/test-app';
import { Prng } from './prng';

export const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:fuzz').toString('base64');
const AUTH = API_HEADER.slice(15);
const LOOPBACK = '127.0.0.1';

/** What a fuzz run saw; any `failures` entry is a defect. */
export interface FuzzStats {
  requests: number;
  answered: number;
  closedByServer: number;
  failures: string[];
}

export async function startGateways() {
  const { app, logs } = await testApp({ pluginDir: pluginDirWith(['password-bruteforce', 'trusted-ips']), config: { dovecot: { apiHeader: API_HEADER, maxBodyBytes: 16384 } } as never });
  await app.loadPlugins();
  const dovecot = new DovecotGateway(app, { host: LOOPBACK, port: 0 });
  const postfix = new PostfixPolicyGateway(app as never, { host: LOOPBACK, port: 0 }, { idleTimeoutMs: 2000 });
  const d = await dovecot.start();
  const p = await postfix.start();
  return {
    app: app as App, logs, dovecotPort: d.port, postfixPort: p.port,
    async stop() {
      await postfix.stop();
      await dovecot.stop();
      await app.close();
    },
  };
}

/** Bytes to a socket; everything that comes back until the server closes or `ms` pass. */
export function rawExchange(port: number, chunks: Array<string | Buffer>, ms = 3000, options: { closeAfterWrite?: boolean; untilReplies?: number } = {}): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: LOOPBACK });
    let text = '';
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text, closedByServer });
    };
    const timer = setTimeout(() => finish(false), ms);
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      text += d;
      if (options.untilReplies !== undefined && text.split('\n\n').length - 1 >= options.untilReplies) finish(false);
    });
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      if (options.closeAfterWrite) finish(false);
    });
  });
}

export function dovecotPost(port: number, command: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: LOOPBACK, port, method: 'POST', path: `/?command=${[...Buffer.from(command)].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')}`, agent: false, headers: { authorization: AUTH, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const validAttempt = (login: string, remote: string, pwhash: string) => ({ login, pwhash, remote, device_id: '', protocol: 'imap', session_id: `${login}-${pwhash}`, tls: true });

export async function fuzzDovecot(port: number, rng: Prng, iterations: number): Promise<FuzzStats> {
  const st: FuzzStats = { requests: 0, answered: 0, closedByServer: 0, failures: [] };
  const check = (what: string, status: number) => {
    st.answered++;
    if (status >= 500) st.failures.push(`${what}: HTTP ${status}`);
  };
  for (let i = 0; i < iterations; i++) {
    st.requests++;
    const kind = rng.int(6);
    const command = rng.chance(0.8) ? rng.pick(['allow', 'report']) : rng.text(rng.int(12));
    try {
      if (kind === 0) {
        const body = JSON.stringify(rng.json(4)) ?? 'null';
        check(`random JSON #${i}`, (await dovecotPost(port, command, body)).status);
      } else if (kind === 1) {
        const body = rng.mutate(JSON.stringify({ ...validAttempt(`u${rng.int(50)}@example.com`, `198.51.100.${rng.int(255)}`, rng.text(8)), success: rng.chance(0.5), policy_reject: false }));
        check(`mutated body #${i}`, (await dovecotPost(port, command, body)).status);
      } else if (kind === 2) {
        const o: Record<string, unknown> = validAttempt('a@example.com', '198.51.100.9', 'h');
        o[rng.pick(Object.keys(o).concat(['success', 'policy_reject']))] = rng.json(2);
        check(`wrong type #${i}`, (await dovecotPost(port, command, JSON.stringify(o))).status);
      } else if (kind === 3 && i % 25 === 0) {
        // A body far past maxBodyBytes: refused (413) or cut off, never buffered whole.
        const huge = '{"login":"' + 'a'.repeat(2 * 1024 * 1024) + '"}';
        const r = await dovecotPost(port, command, huge).catch(() => undefined);
        if (r) check(`huge body #${i}`, r.status);
        else st.closedByServer++;
      } else if (kind === 4) {
        const good = `POST /?command=allow HTTP/1.1\r\nhost: x\r\nauthorization: ${AUTH}\r\ncontent-type: application/json\r\ncontent-length: 20\r\n\r\n{"login":"a@b.c"}   `;
        const r = await rawExchange(port, [rng.mutate(good)], 300);
        if (/^HTTP\/1\.1 5/m.test(r.text)) st.failures.push(`raw HTTP #${i}: ${r.text.slice(0, 80)}`);
        if (r.closedByServer) st.closedByServer++;
      } else {
        // Addresses as callers write them (port, zone id, brackets) and as they should not.
        const n = rng.int(255);
        const remote = rng.pick([`203.0.113.${n}`, `203.0.113.${n}:${rng.int(70000)}`, `[2001:db8::${n.toString(16)}]:993`, `fe80::${n.toString(16)}%eth0`, '', rng.text(rng.int(20)), `[${rng.text(6)}]`]);
        const r = await dovecotPost(port, command, JSON.stringify(validAttempt(`u${rng.int(50)}@example.com`, remote, rng.text(4))), rng.chance(0.3) ? { authorization: rng.text(10).replace(/[^\x20-\x7e]/g, 'x') } : rng.chance(0.1) ? { 'content-type': rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/JSON; charset=utf-8']) } : {});
        check(`auth header #${i}`, r.status);
      }
    } catch (e) {
      // A socket error is the server closing on garbage: fine. Anything else is counted.
      if ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE') st.closedByServer++;
      else st.failures.push(`#${i}: ${(e as Error).message}`);
    }
  }
  return st;
}

/** Clients that trickle their headers; a normal client must still be answered meanwhile. */
export async function slowLoris(port: number, clients: number, ms: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < clients; i++) {
    const s = net.connect({ port, host: LOOPBACK });
    s.on('error', () => undefined);
    const text = `POST /?command=allow HTTP/1.1\r\nhost: x\r\nx-slow: ${'a'.repeat(1000)}`;
    let at = 0;
    const t = setInterval(() => {
      if (at >= text.length || s.destroyed) return clearInterval(t);
      s.write(text[at++]);
    }, 50);
    setTimeout(() => clearInterval(t), ms).unref();
    sockets.push(s);
  }
  return sockets;
}

export const policyRequestText = (attrs: Record<string, string>) => Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join('\n') + '\n\n';

const VALID_POLICY = { request: 'smtpd_access_policy', protocol_state: 'RCPT', client_address: '203.0.113.5', sender: 'a@example.com', recipient: 'b@elsewhere.example', sasl_username: 'a@example.com' };

export async function fuzzPostfix(port: number, rng: Prng, iterations: number): Promise<FuzzStats> {
  const st: FuzzStats = { requests: 0, answered: 0, closedByServer: 0, failures: [] };
  const onlyActions = (what: string, text: string) => {
    for (const reply of text.split('\n\n').slice(0, -1)) {
      st.answered++;
      if (!/^action=\S/.test(reply)) st.failures.push(`${what}: answered ${JSON.stringify(reply.slice(0, 80))}`);
    }
  };
  for (let i = 0; i < iterations; i++) {
    st.requests++;
    const kind = rng.int(6);
    if (kind === 0) {
      const attrs: Record<string, string> = rng.chance(0.5) ? { request: 'smtpd_access_policy' } : {};
      for (let n = rng.int(12); n > 0; n--) attrs[rng.chance(0.5) ? rng.pick(Object.keys(VALID_POLICY).concat(['size', 'instance', 'queue_id', 'ccert_subject'])) : rng.text(rng.int(10))] = rng.text(rng.int(60));
      const r = await rawExchange(port, [Buffer.from(policyRequestText(attrs), 'latin1')], 500, { untilReplies: 1 });
      onlyActions(`random attributes #${i}`, r.text);
      if (r.closedByServer) st.closedByServer++;
    } else if (kind === 1) {
      // No terminator, then the client goes away.
      await rawExchange(port, [policyRequestText(VALID_POLICY).slice(0, -1 - rng.int(20))], 50, { closeAfterWrite: rng.chance(0.5) });
    } else if (kind === 2 && i % 20 === 0) {
      const r = await rawExchange(port, ['request=smtpd_access_policy\nsender=' + 'x'.repeat(1024 * 1024) + '\n\n'], 3000, { untilReplies: 1 });
      if (!r.closedByServer) st.failures.push(`1 MB line #${i}: the connection stayed open`);
      onlyActions(`1 MB line #${i}`, r.text);
      st.closedByServer++;
    } else if (kind === 3) {
      const n = 1 + rng.int(60);
      const batch = Array.from({ length: n }, (_, k) => policyRequestText({ ...VALID_POLICY, sender: `s${k}@example.com` })).join('');
      const r = await rawExchange(port, [batch], 5000, { untilReplies: n });
      onlyActions(`pipelined ${n} #${i}`, r.text);
      const got = r.text.split('\n\n').length - 1;
      if (got !== n) st.failures.push(`pipelined #${i}: ${got} of ${n} answers`);
    } else if (kind === 4) {
      const bytes = rng.chance(0.5) ? rng.bytes(rng.int(400)) : Buffer.from(rng.mutate(policyRequestText(VALID_POLICY)), 'latin1');
      const r = await rawExchange(port, [bytes], 300, { untilReplies: 1 });
      onlyActions(`mutated #${i}`, r.text);
      if (r.closedByServer) st.closedByServer++;
    } else {
      // Abrupt close in the middle of a pipelined batch.
      const text = policyRequestText(VALID_POLICY).repeat(5);
      await rawExchange(port, [text.slice(0, rng.int(text.length))], 20, { closeAfterWrite: true });
    }
  }
  return st;
}
