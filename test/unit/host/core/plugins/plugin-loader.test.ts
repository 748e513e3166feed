import * as fs from 'node:fs';
import * as path from 'node:path';
import * as contract from '../../../../../shared';
import { buildFixturePlugin, hooksPlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

const GOOD = hooksPlugin('good-one', `beforeAuth() { return { action: 'delay', reason: 'ok', delaySeconds: 1 }; },`);

function writeManifest(dir: string, folder: string, manifest: unknown, raw?: string): void {
  fs.mkdirSync(path.join(dir, folder), { recursive: true });
  fs.writeFileSync(path.join(dir, folder, 'manifest.json'), raw ?? JSON.stringify(manifest));
  fs.writeFileSync(path.join(dir, folder, 'index.js'), 'module.exports = {};');
}

describe('plugin loader: malformed manifests are refused precisely, good plugins still load', () => {
  const cases: Array<[string, (m: Record<string, any>) => unknown, RegExp, string | null]> = [
    ['invalid JSON', () => undefined, /manifest\.json: \/ is not valid JSON at line 1 column \d+/, '{"id": "x",'],
    ['missing id', (m) => { delete m.id; return m; }, /manifest\.json: \/id is required \(required\)/, null],
    ['id with capitals', (m) => ({ ...m, id: 'Bad_Id' }), /manifest\.json: \/id must match pattern .* \(pattern\)/, null],
    ['version not semver', (m) => ({ ...m, version: 'one' }), /\/version must match pattern .* \(pattern\)/, null],
    ['apiVersion of another major', (m) => ({ ...m, apiVersion: contract.API_VERSION + 1 }), /\/apiVersion is 2 but this mailwarden provides plugin API 1 \(apiVersion\)/, null],
    ['unknown hook', (m) => ({ ...m, hooks: ['beforeAuth', 'onCoffee'] }), /\/hooks\/1 must be one of "beforeAuth"/, null],
    ['priority out of range', (m) => ({ ...m, priority: 5000 }), /\/priority must be <= 1000 \(maximum\)/, null],
    ['enabledByDefault not boolean', (m) => ({ ...m, enabledByDefault: 'yes' }), /\/enabledByDefault must be boolean \(type\)/, null],
    ['unknown property', (m) => ({ ...m, colour: 'red' }), /\/colour is not a known property \(additionalProperties\)/, null],
    ['entry escaping the folder', (m) => ({ ...m, entry: '../evil.js' }), /\/entry must match pattern/, null],
    ['configSchema not an object schema', (m) => ({ ...m, configSchema: { type: 'string' } }), /\/configSchema\/type must be equal to constant \(const\)/, null],
    ['configSchema with a typo keyword', (m) => ({ ...m, configSchema: { type: 'object', properties: { n: { type: 'integer', minimun: 1 } } } }), /\/configSchema is not a valid JSON Schema: strict mode: unknown keyword: "minimun"/, null],
    ['configSchema defaults that fail it', (m) => ({ ...m, configSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 5, default: 1 } } } }), /\/configSchema \(defaults\) \/n must be >= 5 \(minimum\)/, null],
    ['required setting without default', (m) => ({ ...m, configSchema: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } } }), /\/configSchema \(defaults\) \/url is required/, null],
    ['a section\'s readsSender not boolean', (m) => ({ ...m, contributes: { logReportSections: [{ id: 'refusals', title: 'Refusals', readsSender: 'no' }] } }), /\/contributes\/logReportSections\/0\/readsSender must be boolean \(type\)/, null],
    ['depends on itself', (m) => ({ ...m, dependsOn: [m.id] }), /\/dependsOn must not name the plugin itself/, null],
  ];

  test.each(cases)('%s', async (_name, mutate, expected, raw) => {
    const dir = tempDir();
    buildFixturePlugin(dir, GOOD);
    const bad = manifestFor('broken-one', { hooks: ['beforeAuth'] });
    writeManifest(dir, 'broken-one', mutate(structuredClone(bad)), raw ?? undefined);
    const { app } = await testApp({ pluginDir: dir });
    const failures = await app.loadPlugins();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ dir: path.join(dir, 'broken-one'), stage: 'manifest' });
    expect(failures[0].reason).toContain(path.join(dir, 'broken-one', 'manifest.json'));
    expect(failures[0].reason).toMatch(expected);
    expect(app.registry.active.map((p) => p.manifest.id)).toEqual(['good-one']);
    await app.close();
  });
});

describe('plugin loader: broken bundles', () => {
  test('a folder without manifest, a missing entry, a throwing import, no ContainerModule, a missing hook, a duplicate id', async () => {
    const dir = tempDir();
    buildFixturePlugin(dir, GOOD);
    fs.mkdirSync(path.join(dir, 'no-manifest'));
    writeManifest(dir, 'missing-entry', manifestFor('missing-entry', { entry: 'nothere.js' }));
    buildFixturePlugin(dir, { manifest: manifestFor('throws-on-import'), source: `throw new Error('cannot initialise');` });
    buildFixturePlugin(dir, { manifest: manifestFor('no-module'), source: `export const x = 1;` });
    buildFixturePlugin(dir, hooksPlugin('lies-about-hooks', `beforeAuth() { return undefined; },`, { hooks: ['beforeAuth', 'checkRelay'] }));
    buildFixturePlugin(dir, hooksPlugin('twin', `beforeAuth() { return undefined; },`), 'twin-a');
    buildFixturePlugin(dir, hooksPlugin('twin', `beforeAuth() { return undefined; },`), 'twin-b');
    buildFixturePlugin(dir, hooksPlugin('needs-friend', `beforeAuth() { return undefined; },`, { dependsOn: ['absent-friend'] }));
    const { app } = await testApp({ pluginDir: dir });
    const failures = await app.loadPlugins();
    const byId = Object.fromEntries(failures.map((f) => [f.dir.split(path.sep).pop(), f]));
    expect(byId['no-manifest'].reason).toMatch(/manifest\.json: missing/);
    expect(byId['missing-entry']).toMatchObject({ stage: 'import' });
    expect(byId['missing-entry'].reason).toMatch(/\/entry "nothere.js" does not exist/);
    expect(byId['throws-on-import'].reason).toMatch(/threw while loading: cannot initialise/);
    expect(byId['no-module'].reason).toMatch(/must export an inversify ContainerModule/);
    expect(byId['lies-about-hooks'].reason).toMatch(/declares hook "checkRelay" but the plugin does not implement it/);
    expect(byId['twin-a'].reason).toMatch(/duplicate plugin id "twin"/);
    expect(byId['twin-b'].reason).toMatch(/duplicate plugin id "twin"/);
    expect(byId['needs-friend']).toMatchObject({ stage: 'dependency' });
    expect(byId['needs-friend'].reason).toMatch(/depends on absent-friend, which is not loaded/);
    expect(app.registry.active.map((p) => p.manifest.id)).toEqual(['good-one']);
    const v = await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'a@b.org', remoteIp: '127.0.0.2', protocol: 'imap' }));
    expect(v).toMatchObject({ action: 'delay', plugin: 'good-one' });
    await app.close();
  });

  test('a plugin bundling its own inversify copy is refused with a hint', async () => {
    const dir = tempDir();
    buildFixturePlugin(dir, { manifest: manifestFor('own-copy'), source: `export default { load() {} };` });
    const { app } = await testApp({ pluginDir: dir });
    const [f] = await app.loadPlugins();
    expect(f.reason).toMatch(/ContainerModule from another inversify copy; mark "inversify" and "@mailwarden\/shared" external/);
    await app.close();
  });

  test('a service that throws on start, and one that never finishes starting, are reported and skipped', async () => {
    const dir = tempDir();
    buildFixturePlugin(dir, GOOD);
    const service = (id: string, start: string) => ({
      manifest: manifestFor(id, { services: true }),
      source: `
import { ContainerModule } from 'inversify';
import { ServiceContribution } from '@mailwarden/shared';
export default new ContainerModule(({ bind }) => {
  bind(ServiceContribution).toConstantValue({ start: ${start}, stop: async () => {} });
});`,
    });
    buildFixturePlugin(dir, service('bad-start', `async () => { throw new Error('port in use'); }`));
    buildFixturePlugin(dir, service('slow-start', `() => new Promise(() => {})`));
    const { app } = await testApp({ pluginDir: dir, config: { startTimeoutMs: 50 } });
    const failures = await app.loadPlugins();
    expect(failures.map((f) => [f.id, f.stage])).toEqual([['bad-start', 'start'], ['slow-start', 'start']]);
    expect(failures[0].reason).toMatch(/port in use/);
    expect(failures[1].reason).toMatch(/starting plugin slow-start did not finish within 50 ms/);
    expect(app.registry.active.map((p) => p.manifest.id)).toEqual(['good-one']);
    await app.close();
  });

  test('bootPolicy abort makes a failure stop the host', async () => {
    const dir = tempDir();
    buildFixturePlugin(dir, { manifest: manifestFor('critical', { bootPolicy: 'abort' }), source: `throw new Error('no licence');` });
    const { app } = await testApp({ pluginDir: dir });
    await expect(app.loadPlugins()).rejects.toThrow(/plugin critical failed .*no licence.* bootPolicy is "abort"/);
    await app.close();
  });
});

describe('a third-party plugin built outside this repo', () => {
  test('shares the host inversify and contract instance and gets host services injected', async () => {
    const dir = tempDir('mw-thirdparty-');
    buildFixturePlugin(dir, {
      manifest: manifestFor('acme-geo', { hooks: ['beforeAuth'], configSchema: { type: 'object', additionalProperties: false, properties: { deny: { type: 'string', default: '127.0.0.66' } } } }),
      source: `
import { ContainerModule, injectable, inject } from 'inversify';
import * as shared from '@mailwarden/shared';
const { Clock, PluginHooks, StateStore } = shared;
(globalThis as any).acmeShared = shared;

@injectable()
class Hooks {
  constructor(@inject(Clock) private clock: shared.Clock, @inject(StateStore) private store: shared.StateStore) {}
  async beforeAuth(a: shared.AuthAttempt, ctx: shared.HookContext<{ deny: string }>) {
    const n = await this.store.hit('seen:' + a.login, 60_000, this.clock.now());
    if (a.remoteIp === ctx.config.deny) return { action: 'deny' as const, reason: 'geo' };
    return n > 2 ? { action: 'delay' as const, reason: 'seen ' + n + ' times at ' + this.clock.now(), delaySeconds: n } : undefined;
  }
}
export default new ContainerModule(({ bind }) => { bind(PluginHooks).to(Hooks); });
`,
    });
    const { app, clock } = await testApp({ pluginDir: dir });
    expect(await app.loadPlugins()).toEqual([]);
    // Symbols are unique per contract instance: equal symbols prove one shared contract.
    expect((globalThis as any).acmeShared.StateStore).toBe(contract.StateStore);
    expect((globalThis as any).acmeShared.Clock).toBe(contract.Clock);
    const a = () => app.pipeline.attempt({ login: 'x@y.org', remoteIp: '127.0.0.7', protocol: 'imap' });
    await app.pipeline.beforeAuth(a());
    await app.pipeline.beforeAuth(a());
    expect(await app.pipeline.beforeAuth(a())).toMatchObject({ action: 'delay', delaySeconds: 3, reason: `seen 3 times at ${clock.now()}`, plugin: 'acme-geo' });
    expect(await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'z@y.org', remoteIp: '127.0.0.66', protocol: 'imap' }))).toMatchObject({ action: 'deny' });
    // Its store is namespaced: the host store holds the key under the plugin's prefix.
    expect(await app.store.count('p:acme-geo:seen:x@y.org', 60_000, clock.now())).toBe(3);
    await app.close();
  });
});
