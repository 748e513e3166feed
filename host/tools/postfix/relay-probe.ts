import { SmtpClient, type SmtpReply } from './smtp-client';

export type ProbeVerdict = 'OPEN' | 'CLOSED' | 'INCONCLUSIVE';

export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  /** Source address to probe from (a machine outside mynetworks tells the truth). */
  readonly source?: string;
  /** An outside sender and an outside recipient: neither may be the server's own domain. */
  readonly from?: string;
  readonly to?: string;
  readonly helo?: string;
  readonly timeoutMs?: number;
}

export interface ProbeResult {
  readonly verdict: ProbeVerdict;
  /** One line for people: why this verdict, with the server's own words. */
  readonly summary: string;
  /** The RCPT reply (or the reply that ended the probe). */
  readonly reply?: SmtpReply;
  readonly transcript: readonly string[];
}

export const PROBE_FROM = 'relay-probe@mailwarden-probe.example.org';
export const PROBE_TO = 'relay-probe@mailwarden-probe.example.net';

/**
 * Tries to relay without AUTH: MAIL FROM an outside address, RCPT TO an
 * outside domain, then RSET — no message is ever sent. 2xx to the RCPT is an
 * open relay; 5xx is closed; anything else (4xx, greylisting, a refused
 * greeting) proves nothing either way.
 */
export async function probeRelay(o: ProbeOptions): Promise<ProbeResult> {
  let client: SmtpClient | undefined;
  const transcript = (): readonly string[] => client?.transcript ?? [];
  try {
    const c = await SmtpClient.connect({ host: o.host, port: o.port, timeoutMs: o.timeoutMs ?? 15_000, ...(o.source ? { localAddress: o.source } : {}) });
    client = c.client;
    if (c.greeting.code !== 220) return { verdict: 'INCONCLUSIVE', summary: `the server refused the connection: ${c.greeting.text}`, reply: c.greeting, transcript: transcript() };
    let hello = await client.command(`EHLO ${o.helo ?? 'relay-probe.mailwarden.invalid'}`);
    if (hello.code !== 250) hello = await client.command(`HELO ${o.helo ?? 'relay-probe.mailwarden.invalid'}`);
    if (hello.code !== 250) return { verdict: 'INCONCLUSIVE', summary: `EHLO/HELO refused: ${hello.text}`, reply: hello, transcript: transcript() };
    const mail = await client.command(`MAIL FROM:<${o.from ?? PROBE_FROM}>`);
    if (mail.code >= 500) return { verdict: 'CLOSED', summary: `the outside sender was refused: ${mail.text}`, reply: mail, transcript: transcript() };
    if (mail.code !== 250) return { verdict: 'INCONCLUSIVE', summary: `MAIL FROM got ${mail.text}`, reply: mail, transcript: transcript() };
    const rcpt = await client.command(`RCPT TO:<${o.to ?? PROBE_TO}>`);
    await client.command('RSET').catch(() => undefined);
    if (rcpt.code >= 200 && rcpt.code < 300) return { verdict: 'OPEN', summary: `the server accepted a recipient in an outside domain without authentication: ${rcpt.text}`, reply: rcpt, transcript: transcript() };
    if (rcpt.code >= 500) return { verdict: 'CLOSED', summary: `relaying refused: ${rcpt.text}`, reply: rcpt, transcript: transcript() };
    return { verdict: 'INCONCLUSIVE', summary: `temporary answer (greylisting or defer_unauth_destination?): ${rcpt.text}`, reply: rcpt, transcript: transcript() };
  } catch (e) {
    return { verdict: 'INCONCLUSIVE', summary: (e as Error).message, transcript: transcript() };
  } finally {
    await client?.close();
  }
}

/** `host`, `host:port`, `[v6]:port` → host and port (default 25). */
export function parseProbeTarget(text: string): { host: string; port: number } {
  const s = text.trim();
  let host = s;
  let port = '25';
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new Error(`"${text}" is not [ipv6] or [ipv6]:port`);
    host = s.slice(1, end);
    if (s.length > end + 1) {
      if (s[end + 1] !== ':') throw new Error(`"${text}" is not [ipv6]:port`);
      port = s.slice(end + 2);
    }
  } else if (s.indexOf(':') >= 0 && s.indexOf(':') === s.lastIndexOf(':')) {
    host = s.slice(0, s.indexOf(':'));
    port = s.slice(s.indexOf(':') + 1);
  }
  if (!host) throw new Error(`"${text}": no host`);
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new Error(`"${port}" is not a port (1-65535) in "${text}"`);
  return { host, port: Number(port) };
}
