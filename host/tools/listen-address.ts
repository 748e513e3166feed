import type * as net from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `127.0.0.1:8440`, `[::1]:8440`, or a bare port (then loopback: listeners
 * are private unless an admin says otherwise). `off` disables the listener.
 * Port 0 picks a free port (tests).
 */
export function parseListen(text: string, what: string): ListenAddress | undefined {
  const s = text.trim();
  if (s === 'off' || s === '') return undefined;
  let host = '127.0.0.1';
  let portText = s;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') throw new Error(`${what}: "${text}" is not [ipv6]:port`);
    host = s.slice(1, end);
    portText = s.slice(end + 2);
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    portText = s.slice(i + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) throw new Error(`${what}: "${portText}" is not a port (0-65535) in "${text}"`);
  if (host.length === 0) throw new Error(`${what}: no host in "${text}"`);
  return { host, port: Number(portText) };
}

/** Binds a server (http or net) to the address; resolves with the address actually bound. */
export async function listenOn(server: net.Server, address: ListenAddress): Promise<ListenAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as net.AddressInfo;
  return { host: a.address, port: a.port };
}
