import { inject, injectable } from 'inversify';
import { type Cidr, type DoctorCheckContribution, type DoctorContext, type DoctorFinding, formatCidr, HostSettings, mainCfListItems, parseCidr, parseCidrTable } from '../../shared';
import { hostWideConfig } from './config';

/** The doctor check's id (`contributes.doctorChecks` of the manifest). */
export const MYNETWORKS_CHECK = 'mynetworks';

interface Bounds {
  readonly minPrefixV4: number;
  readonly minPrefixV6: number;
}

/** What the check reads of main.cf; `explicit` false when mynetworks is Postfix's default (from mynetworks_style). */
export interface MynetworksInput extends Bounds {
  readonly mynetworks: string | undefined;
  readonly mynetworksStyle: string | undefined;
  readonly explicit: boolean;
  readonly tableFile: string;
  readonly readFile: (path: string) => string | undefined;
}

function tooBroadCidr(c: Cidr, b: Bounds): string | undefined {
  // Loopback (Postfix's own default 127.0.0.0/8) is the machine itself, however wide.
  if (c.version === 4 && c.prefix >= 8 && c.bytes[0] === 127) return undefined;
  if (c.prefix >= (c.version === 4 ? b.minPrefixV4 : b.minPrefixV6)) return undefined;
  return c.prefix === 0 ? `${formatCidr(c)} (the whole Internet)` : formatCidr(c);
}

/** An inline mynetworks item (`10.0.0.0/8`, `[::1]/128`) that is too broad, as the message names it. */
function tooBroad(text: string, b: Bounds): string | undefined {
  const r = parseCidr(text.replace(/^\[/, '').replace(/\](\/|$)/, '$1'));
  return r.ok ? tooBroadCidr(r.cidr, b) : undefined;
}

/** Findings about mynetworks: set, pointing at our table, nothing in it (or beside it) too broad. */
export function mynetworksFindings(i: MynetworksInput): DoctorFinding[] {
  const check = MYNETWORKS_CHECK;
  const ours = `cidr:${i.tableFile}`;
  const paste = [`mynetworks = ${ours}`, '# then: mailwarden trusted-ips apply'];
  if (!i.explicit) {
    const style = i.mynetworksStyle ?? 'host';
    if (style !== 'host') {
      return [{ check, level: 'problem', message: `mynetworks is not set, so Postfix trusts every host on this machine's ${style === 'class' ? 'whole class A/B/C networks' : 'subnets'} (mynetworks_style = ${style})`, paste }];
    }
    return [{ check, level: 'warning', message: 'mynetworks is not set (Postfix trusts only this host); to manage trusted relays with guard rails point it at the trusted-ips table', paste }];
  }
  const items = mainCfListItems(i.mynetworks ?? '');
  const broad: string[] = [];
  const byHand: string[] = [];
  for (const it of items) {
    if (it.startsWith('cidr:')) {
      const text = i.readFile(it.slice(5));
      if (text === undefined) {
        if (it === ours) return [{ check, level: 'problem', message: `mynetworks points to ${it}, which cannot be read: run \`mailwarden trusted-ips apply\`` }];
        continue;
      }
      for (const c of parseCidrTable(text)) {
        const b = tooBroadCidr(c, i);
        if (b) broad.push(`${b} in ${it.slice(5)}`);
      }
      continue;
    }
    if (it.includes(':') && !it.startsWith('[') && !/^[0-9a-fA-F:.]+(\/[0-9]+)?$/.test(it)) continue;
    const b = tooBroad(it, i);
    if (b) broad.push(b);
    const loop = parseCidr(it.replace(/^\[/, '').replace(/\](\/|$)/, '$1'));
    if (loop.ok && !(loop.cidr.version === 4 ? loop.cidr.bytes[0] === 127 : formatCidr(loop.cidr) === '::1/128')) byHand.push(it);
  }
  const out: DoctorFinding[] = [];
  if (broad.length) out.push({ check, level: 'problem', message: `mynetworks trusts networks that are too broad: ${broad.join(', ')} (wider than IPv4 /${i.minPrefixV4} or IPv6 /${i.minPrefixV6})`, paste });
  if (!items.includes(ours)) {
    out.push({ check, level: 'warning', message: `mynetworks is not managed by mailwarden${byHand.length ? `; these relay without guard rails: ${byHand.join(', ')} (add them with \`mailwarden trusted-ips add\`)` : ''}`, paste });
  }
  if (!out.length) out.push({ check, level: 'ok', message: `mynetworks points to the trusted-ips table (${ours}) and nothing in it is too broad` });
  return out;
}

/** `mailwarden doctor`: mynetworks points at this plugin's table, and nothing Postfix trusts is too broad. */
@injectable()
export class MynetworksCheck implements DoctorCheckContribution {
  readonly id = MYNETWORKS_CHECK;

  constructor(@inject(HostSettings) private readonly hostSettings: HostSettings) {}

  async run(ctx: DoctorContext): Promise<readonly DoctorFinding[]> {
    const cfg = hostWideConfig(this.hostSettings);
    let values: Readonly<Record<string, string>>;
    try {
      values = await ctx.postconf(['mynetworks', 'mynetworks_style']);
    } catch (e) {
      return [{ check: this.id, level: 'skipped', message: `the Postfix configuration cannot be read: ${(e as Error).message}` }];
    }
    // Without postconf -n (an older host), a value present counts as set.
    const explicit = ctx.postconfExplicit ? 'mynetworks' in (await ctx.postconfExplicit()) : values.mynetworks !== undefined;
    return mynetworksFindings({
      mynetworks: values.mynetworks, mynetworksStyle: values.mynetworks_style, explicit,
      tableFile: cfg.tableFile, readFile: ctx.readFile, minPrefixV4: cfg.minPrefixV4, minPrefixV6: cfg.minPrefixV6,
    });
  }
}
