import type { DoctorCheckContribution, DoctorContext, PostfixWiringContribution, TrustedNetworksContribution } from '../../../../../shared';
import { parseCidr } from '../../../../../shared';
import { contributedMainCf, runDoctorChecks, trustedNetworks } from '../../../../../host/core/plugins/contributed';
import type { LoadedPlugin } from '../../../../../host/core/plugins/loaded-plugin';

/** Just what the runners read of a loaded plugin. */
function plugin(id: string, c: Partial<Pick<LoadedPlugin, 'doctorChecks' | 'postfixWiring' | 'trustedNetworks'>>): LoadedPlugin {
  return { manifest: { id }, ...c } as unknown as LoadedPlugin;
}

const ctx: DoctorContext = { postconf: async () => ({}), readFile: () => undefined, configs: async () => new Map() };
const check = (id: string, run: DoctorCheckContribution['run']): DoctorCheckContribution => ({ id, run });

describe('runDoctorChecks', () => {
  it('a check that throws, rejects or hangs is one problem naming its plugin; the others still run', async () => {
    const found = await runDoctorChecks(
      [
        plugin('first', { doctorChecks: [check('throws', () => { throw new Error('boom'); }), check('fine', async () => [{ check: 'fine', level: 'ok', message: 'all good' }])] }),
        plugin('second', { doctorChecks: [check('rejects', () => Promise.reject(new TypeError('no table'))), check('hangs', () => new Promise(() => undefined))] }),
        plugin('third', { doctorChecks: [check('warns', async (c) => [{ check: 'warns', level: 'warning', message: `asked ${Object.keys(await c.postconf(['x'])).length}` }])] }),
      ],
      () => ctx,
      50,
    );
    expect(found).toEqual([
      { plugin: 'first', check: 'throws', level: 'problem', message: 'the check "throws" of plugin first failed: boom' },
      { plugin: 'first', check: 'fine', level: 'ok', message: 'all good' },
      { plugin: 'second', check: 'rejects', level: 'problem', message: 'the check "rejects" of plugin second failed: no table' },
      { plugin: 'second', check: 'hangs', level: 'problem', message: 'the check "hangs" of plugin second failed: doctor check "hangs" of plugin second did not finish within 50 ms' },
      { plugin: 'third', check: 'warns', level: 'warning', message: 'asked 0' },
    ]);
  });

  it('gives each plugin its own context', async () => {
    const seen: string[] = [];
    await runDoctorChecks([plugin('a', { doctorChecks: [check('c', async () => [])] }), plugin('b', { doctorChecks: [check('c', async () => [])] })], (p) => {
      seen.push(p.manifest.id);
      return ctx;
    });
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('contributedMainCf', () => {
  it('joins the plugins\' lines in plugin order; a failing one is reported, the rest kept', async () => {
    const w = (lines: string[]): PostfixWiringContribution => ({ mainCf: async () => lines });
    const r = await contributedMainCf([
      plugin('a', { postfixWiring: [w(['# a', 'a = 1'])] }),
      plugin('b', { postfixWiring: [{ mainCf: () => Promise.reject(new Error('no config')) }] }),
      plugin('c', { postfixWiring: [w(['c = 3'])] }),
    ]);
    expect(r).toEqual({ lines: ['# a', 'a = 1', 'c = 3'], errors: [{ plugin: 'b', message: 'plugin b could not give its main.cf lines: no config' }] });
  });
});

describe('trustedNetworks', () => {
  const cidr = (t: string) => {
    const r = parseCidr(t);
    if (!r.ok) throw new Error(t);
    return r.cidr;
  };
  it('merges the plugins\' networks and sources; the first plugin that knows a removal answers', async () => {
    const a: TrustedNetworksContribution = { networks: async () => [cidr('10.0.0.0/24')], source: async () => ({ name: '/a.cidr', found: true }), removalOf: async () => { throw new Error('store down'); } };
    const b: TrustedNetworksContribution = { networks: async () => [cidr('10.1.0.0/24')], removalOf: async (ip) => (ip === '10.9.0.1' ? '10.9.0.0/24 removed by x' : undefined) };
    const broken: TrustedNetworksContribution = { networks: () => Promise.reject(new Error('unreadable')) };
    const t = await trustedNetworks([plugin('a', { trustedNetworks: [a] }), plugin('b', { trustedNetworks: [b] }), plugin('c', { trustedNetworks: [broken] })]);
    expect(t.networks).toEqual([cidr('10.0.0.0/24'), cidr('10.1.0.0/24')]);
    expect(t.sources).toEqual([{ name: '/a.cidr', found: true }]);
    expect(t.errors).toEqual([{ plugin: 'c', message: 'plugin c could not give its trusted networks: unreadable' }]);
    expect(await t.removalOf('10.9.0.1')).toBe('10.9.0.0/24 removed by x');
    expect(await t.removalOf('10.8.0.1')).toBeUndefined();
  });
});
