import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkManifest } from '../../../../../host/core/plugins/manifest';
import { ValidationError } from '../../../../../host/core/validation/ajv';
import { buildFixturePlugin, hooksPlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

/** A third-party plugin with one host-level setting (a program) and one per-domain setting. */
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    notifyCommand: { type: 'array', items: { type: 'string' }, default: ['logger'], hostLevel: true },
    threshold: { type: 'integer', minimum: 1, default: 5 },
  },
};

function manifestError(configSchema: unknown): string {
  try {
    checkManifest(manifestFor('x-plugin', { configSchema }), 'x/manifest.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('the manifest was accepted');
}

test('hostLevel is a boolean on a top-level property only; the manifest names where it is wrong', () => {
  expect(manifestError({ type: 'object', properties: { a: { type: 'string', default: '', hostLevel: 'yes' } } })).toMatch(/\/configSchema\/properties\/a\/hostLevel must be boolean/);
  expect(manifestError({ type: 'object', properties: { o: { type: 'object', default: {}, properties: { cmd: { type: 'string', hostLevel: true } } } } }))
    .toMatch(/\/configSchema\/properties\/o\/properties\/cmd\/hostLevel is only allowed on a top-level property/);
  expect(checkManifest(manifestFor('x-plugin', { configSchema: SCHEMA }), 'x').hostKeys).toEqual(['notifyCommand']);
});

test("a third-party plugin's host-level setting: the file's value reaches its hooks, per-domain writes are refused", async () => {
  const pluginDir = tempDir('mw-plugins-');
  buildFixturePlugin(pluginDir, hooksPlugin('x-plugin', `beforeAuth(a, ctx) { return { action: 'delay', delaySeconds: 1, reason: JSON.stringify(ctx.config) }; },`, { configSchema: SCHEMA }));
  const { app } = await testApp({ pluginDir, config: { plugins: { 'x-plugin': { notifyCommand: ['/usr/local/bin/page-admin'] } } } });
  try {
    expect(await app.loadPlugins()).toEqual([]);
    const p = app.registry.get('x-plugin')!;
    expect(p.hostConfig).toEqual({ notifyCommand: ['/usr/local/bin/page-admin'] });
    await expect(app.settings.setConfig('*', p, { notifyCommand: ['/bin/sh'] }, 'test')).rejects.toThrow(/\/notifyCommand is a host-level setting of x-plugin/);
    await expect(app.settings.setConfig('*', p, { notifyCommand: null }, 'test')).rejects.toThrow(/host-level/);
    await app.settings.setConfig('*', p, { threshold: 9 }, 'test');
    const v = await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'a@localhost', remoteIp: '192.0.2.1', protocol: 'imap' } as never));
    expect(JSON.parse(v.reason)).toEqual({ notifyCommand: ['/usr/local/bin/page-admin'], threshold: 9 });
  } finally {
    await app.close();
  }
});

test('a config file section that names no plugin (a typo) is logged, not silently ignored', async () => {
  const pluginDir = tempDir('mw-plugins-');
  buildFixturePlugin(pluginDir, hooksPlugin('x-plugin', `beforeAuth() { return undefined; },`, { configSchema: SCHEMA }));
  const { app, logs } = await testApp({ pluginDir, config: { plugins: { 'x-plugn': { notifyCommand: ['/usr/local/bin/page-admin'] } } } });
  try {
    expect(await app.loadPlugins()).toEqual([]);
    const warned = logs.lines.filter((l) => String(l.msg).includes('names no plugin'));
    expect(warned).toEqual([expect.objectContaining({ level: 40, section: 'plugins.x-plugn' })]);
    expect(app.registry.get('x-plugin')!.hostConfig).toEqual({ notifyCommand: ['logger'] });
  } finally {
    await app.close();
  }
});

test('SIGHUP (App.reload) reads the config file\'s plugins section again; a bad one is refused and the running values stay', async () => {
  const pluginDir = tempDir('mw-plugins-');
  buildFixturePlugin(pluginDir, hooksPlugin('x-plugin', `beforeAuth() { return undefined; },`, { configSchema: SCHEMA }));
  const file = path.join(tempDir('mw-conf-'), 'mailwarden.json');
  const write = (section: unknown) => fs.writeFileSync(file, JSON.stringify({ plugins: { 'x-plugin': section } }));
  write({ notifyCommand: ['/usr/local/bin/one'] });
  const { app } = await testApp({ pluginDir, config: { source: file, plugins: { 'x-plugin': { notifyCommand: ['/usr/local/bin/one'] } } } });
  try {
    expect(await app.loadPlugins()).toEqual([]);
    write({ notifyCommand: ['/usr/local/bin/two'] });
    expect(await app.reload()).toMatchObject({ applied: true });
    expect(app.registry.get('x-plugin')!.hostConfig).toEqual({ notifyCommand: ['/usr/local/bin/two'] });
    write({ notifyCommand: 'not an argv' });
    const refused = await app.reload();
    expect(refused.applied).toBe(false);
    expect(refused.reason).toMatch(/\/plugins\/x-plugin\/notifyCommand must be array/);
    expect(app.registry.get('x-plugin')!.hostConfig).toEqual({ notifyCommand: ['/usr/local/bin/two'] });
  } finally {
    await app.close();
  }
});
