import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AuditEntry, type AuditFilter, type DoctorContext, formatCidr, type StateStore } from '../../../../shared';
import { MYNETWORKS_CHECK, MynetworksCheck, type MynetworksInput, mynetworksFindings } from '../../../../plugins/trusted-ips/mynetworks-check';
import { TrustedIpsNetworks, TrustedIpsPostfixWiring } from '../../../../plugins/trusted-ips/postfix-contributions';

const TABLE = '/etc/postfix/mailwarden-trusted.cidr';

function input(o: Partial<MynetworksInput>): MynetworksInput {
  return {
    mynetworks: `cidr:${TABLE}`, mynetworksStyle: 'subnet', explicit: true, tableFile: TABLE, minPrefixV4: 16, minPrefixV6: 48,
    readFile: (f) => (f === TABLE ? '127.0.0.1/32 permit\n10.1.2.0/24 permit\n' : undefined), ...o,
  };
}
const levels = (fs: ReturnType<typeof mynetworksFindings>) => fs.map((f) => f.level);

describe('trusted-ips doctor check: mynetworks', () => {
  it('passes mynetworks pointing at its table with nothing too broad', () => {
    expect(mynetworksFindings(input({}))).toEqual([{ check: MYNETWORKS_CHECK, level: 'ok', message: `mynetworks points to the trusted-ips table (cidr:${TABLE}) and nothing in it is too broad` }]);
  });

  it('flags too broad mynetworks, inline or in the table', () => {
    const inline = mynetworksFindings(input({ mynetworks: '127.0.0.0/8 [::1]/128 10.0.0.0/8' }));
    expect(inline.find((x) => x.level === 'problem')!.message).toContain('10.0.0.0/8');
    const table = mynetworksFindings(input({ readFile: () => '0.0.0.0/0 permit\n' }));
    expect(table.find((x) => x.level === 'problem')!.message).toContain('0.0.0.0/0 (the whole Internet)');
  });

  it('says when mynetworks is not its table, naming hand-made entries', () => {
    const f = mynetworksFindings(input({ mynetworks: '127.0.0.0/8, 192.168.122.0/24' }));
    expect(f).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining('192.168.122.0/24'), paste: [`mynetworks = cidr:${TABLE}`, '# then: mailwarden trusted-ips apply'] })]);
  });

  it('treats an unset mynetworks by its style', () => {
    expect(levels(mynetworksFindings(input({ explicit: false, mynetworksStyle: 'subnet' })))).toEqual(['problem']);
    expect(levels(mynetworksFindings(input({ explicit: false, mynetworksStyle: 'host' })))).toEqual(['warning']);
  });

  it('says its table cannot be read', () => {
    expect(mynetworksFindings(input({ readFile: () => undefined }))).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringContaining('cannot be read: run `mailwarden trusted-ips apply`') })]);
  });

  it('runs on what the host lends: its host-level table and bounds, main.cf as Postfix reads it', async () => {
    const asked: string[][] = [];
    const ctx: DoctorContext = {
      async postconf(names) {
        asked.push([...names]);
        return { mynetworks: 'cidr:/srv/t.cidr, 10.0.0.0/12', mynetworks_style: 'host' };
      },
      async postconfExplicit() {
        return { mynetworks: 'cidr:/srv/t.cidr, 10.0.0.0/12' };
      },
      readFile: (f) => (f === '/srv/t.cidr' ? '192.0.2.0/24 permit\n' : undefined),
      configs: async () => new Map(),
    };
    const check = new MynetworksCheck({ tableFile: '/srv/t.cidr', minPrefixV4: 12 });
    expect(check.id).toBe('mynetworks');
    const f = await check.run(ctx);
    // /12 is allowed by minPrefixV4 12; the table is ours, so all is well.
    expect(f).toEqual([{ check: 'mynetworks', level: 'ok', message: 'mynetworks points to the trusted-ips table (cidr:/srv/t.cidr) and nothing in it is too broad' }]);
    expect(asked[0]).toEqual(['mynetworks', 'mynetworks_style']);
    const strict = await new MynetworksCheck({ tableFile: '/srv/t.cidr' }).run(ctx);
    expect(strict).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringContaining('too broad: 10.0.0.0/12 (wider than IPv4 /16') })]);
  });

  it('is skipped when Postfix cannot be asked', async () => {
    const ctx: DoctorContext = { postconf: () => Promise.reject(new Error('postconf: fatal: open /x/main.cf: No such file')), readFile: () => undefined, configs: async () => new Map() };
    expect(await new MynetworksCheck({}).run(ctx)).toEqual([{ check: 'mynetworks', level: 'skipped', message: 'the Postfix configuration cannot be read: postconf: fatal: open /x/main.cf: No such file' }]);
  });
});

describe('trusted-ips Postfix wiring', () => {
  it('gives mynetworks = its table, the default from its manifest', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../plugins/trusted-ips/manifest.json'), 'utf8'));
    const def = manifest.configSchema.properties.tableFile.default;
    expect(await new TrustedIpsPostfixWiring({}).mainCf()).toEqual(['# Trusted relays: the table `mailwarden trusted-ips apply` writes (loopback always in).', `mynetworks = cidr:${def}`]);
    expect(await new TrustedIpsPostfixWiring({ tableFile: '/srv/t.cidr' }).mainCf()).toContain('mynetworks = cidr:/srv/t.cidr');
  });
});

describe('trusted-ips trusted networks (relay audit)', () => {
  const removal = (network: string, exclude = false): AuditEntry => ({ at: Date.UTC(2026, 5, 22), actor: 'cli:root', action: 'trusted-ips.remove', subject: `trusted-ips:*|${network}`, before: { network, exclude }, after: null });
  const storeWith = (audit: AuditEntry[]) => {
    const filters: AuditFilter[] = [];
    const store = { async listAudit(f: AuditFilter) { filters.push(f); return audit; } } as unknown as StateStore;
    return { store, filters };
  };

  it('the networks are loopback and the table as written; the source names the table and whether it exists', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-tips-'));
    const file = path.join(dir, 't.cidr');
    const t = new TrustedIpsNetworks({ tableFile: file }, storeWith([]).store);
    expect((await t.networks()).map(formatCidr)).toEqual(['127.0.0.1/32', '::1/128']);
    expect(await t.source()).toEqual({ name: file, found: false });
    fs.writeFileSync(file, '# x\n127.0.0.1/32 permit\n192.168.122.0/24 permit\n');
    expect((await t.networks()).map(formatCidr)).toEqual(['127.0.0.1/32', '::1/128', '127.0.0.1/32', '192.168.122.0/24']);
    expect(await t.source()).toEqual({ name: file, found: true });
  });

  it('says how a removed entry covering an address went, from its own audit trail (exclusions are not trust)', async () => {
    const { store, filters } = storeWith([removal('10.8.0.0/16', true), removal('10.9.0.0/16')]);
    const t = new TrustedIpsNetworks({}, store);
    expect(await t.removalOf('10.9.1.1')).toBe('10.9.0.0/16 removed by cli:root at 2026-06-22T00:00:00.000Z');
    expect(await t.removalOf('10.8.1.1')).toBeUndefined();
    expect(await t.removalOf('198.51.100.7')).toBeUndefined();
    expect(filters).toEqual([{ subjectPrefix: 'trusted-ips:' }]);
  });
});
