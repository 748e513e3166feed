import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFixturePlugin, type FixturePlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

/** A plugin binding the given contributions; `body` is the ContainerModule's body (it has `bind`). */
function contributing(id: string, contributes: Record<string, unknown>, body: string, extra: Record<string, unknown> = {}): FixturePlugin {
  return {
    manifest: manifestFor(id, { contributes, ...extra }),
    source: `
import { ContainerModule } from 'inversify';
import { AdminRouteContribution, DoctorCheckContribution, LogReportContribution, Notifier, ServiceContribution } from '@mailwarden/shared';
const check = (id) => ({ id, async run() { return [{ check: id, level: 'ok', message: id + ' fine' }]; } });
const section = (id) => ({ id, createSection() { return { add() {}, result() { return { columns: ['A'], rows: [] }; } }; } });
export default new ContainerModule(({ bind }) => {
${body}
});
`,
  };
}

const CHECK = { id: 'table-readable', summary: 'the table can be read' };
const SECTION = { id: 'refusals', title: 'Refusals' };

async function loadOnly(p: FixturePlugin) {
  const dir = tempDir();
  const pluginDir = buildFixturePlugin(dir, p);
  const { app, logs } = await testApp({ pluginDir: dir });
  const failures = await app.loadPlugins({ startServices: false });
  return { app, logs, failures, manifestFile: path.join(pluginDir, 'manifest.json') };
}

describe('plugin loader: doctor checks, log-report sections and admin routes must be declared and bound alike', () => {
  const cases: Array<[string, FixturePlugin, RegExp]> = [
    [
      'a doctor check the manifest does not declare',
      contributing('undeclared-check', {}, `bind(DoctorCheckContribution).toConstantValue(check('table-readable'));`),
      /plugin undeclared-check binds doctor check "table-readable" that its manifest does not declare \(add it to contributes\.doctorChecks\)/,
    ],
    [
      'a declared doctor check nothing binds',
      contributing('unbound-check', { doctorChecks: [CHECK, { id: 'other', summary: 'x' }] }, `bind(DoctorCheckContribution).toConstantValue(check('table-readable'));`),
      /plugin unbound-check declares doctor check "other" in contributes\.doctorChecks but binds no DoctorCheckContribution for it/,
    ],
    [
      'the same doctor check bound twice',
      contributing('twice-check', { doctorChecks: [CHECK] }, `bind(DoctorCheckContribution).toConstantValue(check('table-readable')); bind(DoctorCheckContribution).toConstantValue(check('table-readable'));`),
      /plugin twice-check binds doctor check "table-readable" twice/,
    ],
    [
      'a log-report section the manifest does not declare',
      contributing('undeclared-section', {}, `bind(LogReportContribution).toConstantValue(section('refusals'));`),
      /plugin undeclared-section binds log-report section "refusals" that its manifest does not declare \(add it to contributes\.logReportSections\)/,
    ],
    [
      'a declared log-report section nothing binds',
      contributing('unbound-section', { logReportSections: [SECTION] }, ''),
      /plugin unbound-section declares log-report section "refusals" in contributes\.logReportSections but binds no LogReportContribution for it/,
    ],
    [
      'an admin route the manifest does not declare',
      contributing('undeclared-route', { adminRoutes: [{ method: 'GET', path: '/notes' }] }, `bind(AdminRouteContribution).toConstantValue({ routes: [
        { method: 'GET', path: '/notes', summary: 'list', async handle() { return []; } },
        { method: 'DELETE', path: '/notes/{id}', summary: 'remove', async handle() { return 1; } },
      ] });`),
      /plugin undeclared-route binds admin route "DELETE \/notes\/\{id\}" that its manifest does not declare \(add it to contributes\.adminRoutes\)/,
    ],
    [
      'a declared admin route nothing binds',
      contributing('unbound-route', { adminRoutes: [{ method: 'POST', path: '/notes' }] }, ''),
      /plugin unbound-route declares admin route "POST \/notes" in contributes\.adminRoutes but binds no AdminRouteContribution for it/,
    ],
  ];

  test.each(cases)('%s is refused at load, naming the plugin, the id and the manifest', async (_name, plugin, expected) => {
    const { app, failures, manifestFile } = await loadOnly(plugin);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ id: plugin.manifest.id, stage: 'load' });
    expect(failures[0].reason).toContain(manifestFile);
    expect(failures[0].reason).toMatch(expected);
    expect(app.registry.active).toHaveLength(0);
    await app.close();
  });

  test('declared and bound alike: the plugin loads with its doctor checks, sections and routes', async () => {
    const { app, failures } = await loadOnly(
      contributing(
        'all-declared',
        { doctorChecks: [CHECK], logReportSections: [SECTION], adminRoutes: [{ method: 'GET', path: '/notes' }] },
        `bind(DoctorCheckContribution).toConstantValue(check('table-readable'));
         bind(LogReportContribution).toConstantValue(section('refusals'));
         bind(AdminRouteContribution).toConstantValue({ routes: [{ method: 'GET', path: '/notes', summary: 'list', async handle() { return []; } }] });`,
      ),
    );
    expect(failures).toEqual([]);
    const [p] = app.registry.active;
    expect(p.doctorChecks!.map((c) => c.id)).toEqual(['table-readable']);
    expect(p.logReportSections!.map((c) => c.id)).toEqual(['refusals']);
    expect(p.adminRoutes!.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /notes']);
    await app.close();
  });
});

describe('plugin loader: only', () => {
  test('loads the plugins it accepts and what they depend on, and reads, loads and reports nothing of the others', async () => {
    const dir = tempDir();
    buildFixturePlugin(dir, contributing('base', {}, ''));
    buildFixturePlugin(dir, contributing('checker', { doctorChecks: [CHECK] }, `bind(DoctorCheckContribution).toConstantValue(check('table-readable'));`, { dependsOn: ['base'] }));
    buildFixturePlugin(dir, contributing('bystander', {}, ''));
    buildFixturePlugin(dir, contributing('broken-bystander', { doctorChecks: [] }, `throw new Error('would fail');`));
    fs.mkdirSync(path.join(dir, 'garbled'));
    fs.writeFileSync(path.join(dir, 'garbled', 'manifest.json'), '{"id": "garbled", ');
    const { app, logs } = await testApp({ pluginDir: dir, config: { plugins: { bystander: {} } } });
    const failures = await app.loadPlugins({ startServices: false, only: (m) => m.contributes.doctorChecks.length > 0 });
    expect(failures).toEqual([]);
    expect(app.registry.active.map((p) => p.manifest.id).sort()).toEqual(['base', 'checker']);
    // The config file's section of a plugin this load did not read is not taken for a typo.
    expect(logs.lines.filter((l) => String(l.msg).includes('names no plugin'))).toEqual([]);
    await app.close();
  });
});

describe('plugin notifier: notification kinds', () => {
  const sender = (kinds: unknown[]) =>
    contributing(
      'noisy',
      { notificationKinds: kinds },
      `bind(ServiceContribution).toDynamicValue((ctx) => {
         const n = ctx.get(Notifier);
         return { async start() {
           await n.notify({ subject: 'declared', text: '', severity: 'info', kind: 'known' });
           await n.notify({ subject: 'undeclared 1', text: '', severity: 'info', kind: 'stranger' });
           await n.notify({ subject: 'undeclared 2', text: '', severity: 'info', kind: 'stranger' });
           await n.notify({ subject: 'no kind', text: '', severity: 'info' });
         }, async stop() {} };
       });`,
      { services: true },
    );

  test('an undeclared kind is sent anyway and logged once, naming the plugin, the kind and the manifest', async () => {
    const dir = tempDir();
    const pluginDir = buildFixturePlugin(dir, sender([{ id: 'known', severity: 'info', summary: 'a declared notice' }]));
    const { app, logs } = await testApp({ pluginDir: dir });
    expect(await app.loadPlugins()).toEqual([]);
    const feed = await app.notifier.recent();
    expect(feed.map((a) => a.subject).sort()).toEqual(['declared', 'no kind', 'undeclared 1', 'undeclared 2']);
    expect(feed.every((a) => a.source === 'noisy')).toBe(true);
    const warnings = logs.lines.filter((l) => l.plugin === 'noisy' && typeof l.msg === 'string' && (l.msg as string).includes('notificationKinds'));
    expect(warnings).toHaveLength(2);
    const manifestFile = path.join(pluginDir, 'manifest.json');
    expect(warnings[0].msg).toBe(`plugin noisy sent a notification of kind "stranger" that ${manifestFile} does not declare in contributes.notificationKinds (sent anyway)`);
    expect(warnings[1].msg).toMatch(/plugin noisy sent a notification without a kind/);
    await app.close();
  });
});
