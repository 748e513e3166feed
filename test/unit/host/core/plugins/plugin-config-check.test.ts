import { ValidationError } from '../../../../../host/core/validation/ajv';
import { buildFixturePlugin, hooksPlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { low: { type: 'integer', default: 1 }, high: { type: 'integer', default: 10 } },
};

/** A plugin whose config needs low <= high: a relation JSON Schema cannot state. */
function rangePlugin(dir: string, id: string, check: string): void {
  buildFixturePlugin(dir, hooksPlugin(id, `
  beforeAuth() { return undefined; },
  validateConfig(c) { ${check} },`, { configSchema: SCHEMA }));
}

describe('PluginHooks.validateConfig', () => {
  test('a config the plugin refuses is not saved, and the message names the path', async () => {
    const dir = tempDir();
    rangePlugin(dir, 'ranged', `return c.low <= c.high ? [] : [{ path: '/low', message: 'is ' + c.low + ', above high ' + c.high, rule: 'lowAtMostHigh' }];`);
    const { app } = await testApp({ pluginDir: dir });
    expect(await app.loadPlugins()).toEqual([]);
    const p = app.registry.get('ranged')!;
    await app.settings.addDomain('example.com', 'test');
    await app.settings.setConfig('example.com', p, { low: 5 }, 'test');
    const err = await app.settings.setConfig('example.com', p, { low: 50 }, 'test').catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('ranged config (example.com): /low is 50, above high 10 (lowAtMostHigh)');
    expect((await app.settings.getSetting('example.com', 'ranged')).config).toEqual({ low: 5 });
    expect((await app.settings.effective('example.com', p)).config).toEqual({ low: 5, high: 10 });
    await app.close();
  });

  test('a global change is checked as each domain would see it', async () => {
    const dir = tempDir();
    rangePlugin(dir, 'ranged', `return c.low <= c.high ? [] : [{ path: '/high', message: 'below low' }];`);
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const p = app.registry.get('ranged')!;
    await app.settings.addDomain('example.com', 'test');
    await app.settings.setConfig('example.com', p, { low: 8 }, 'test');
    const err = await app.settings.setConfig('*', p, { high: 6 }, 'test').catch((e) => e);
    expect(err.message).toBe('ranged config (global change, as domain example.com would see it): /high below low (plugin)');
    expect((await app.settings.getSetting('*', 'ranged')).config).toBeUndefined();
    await app.close();
  });

  test('the schema is checked first: the plugin never sees a config of the wrong shape', async () => {
    const dir = tempDir();
    rangePlugin(dir, 'ranged', `if (typeof c.low !== 'number') throw new Error('saw a bad shape'); return [];`);
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const err = await app.settings.setConfig('*', app.registry.get('ranged')!, { low: 'x' }, 'test').catch((e) => e);
    expect(err.message).toBe('ranged config (global): /low must be integer (type)');
    await app.close();
  });

  test('a check that throws refuses the config instead of letting it through', async () => {
    const dir = tempDir();
    rangePlugin(dir, 'ranged', `if (c.low === 3) throw new Error('boom'); return [];`);
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const err = await app.settings.setConfig('*', app.registry.get('ranged')!, { low: 3 }, 'test').catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain('ranged could not check this config: boom');
    await app.close();
  });

  test('a stored config that the check now refuses falls back to the defaults, with the problem shown', async () => {
    const dir = tempDir();
    rangePlugin(dir, 'ranged', `return c.low <= c.high ? [] : [{ path: '/low', message: 'above high' }];`);
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    // As if written by an older version of the plugin that allowed it.
    await app.store.set('h:settings:*:ranged', { config: { low: 99 } });
    app.settings.invalidate();
    const eff = await app.settings.effective('any.example', app.registry.get('ranged')!);
    expect(eff.config).toEqual({ low: 1, high: 10 });
    expect(eff.problem).toBe('/low above high');
    await app.close();
  });

  test('a plugin whose check refuses its own manifest defaults fails to load, and the others load', async () => {
    const dir = tempDir();
    rangePlugin(dir, 'selfrefusing', `return [{ path: '/high', message: 'never happy' }];`);
    buildFixturePlugin(dir, hooksPlugin('fine', `beforeAuth() { return undefined; }`));
    const { app } = await testApp({ pluginDir: dir });
    const failures = await app.loadPlugins();
    expect(failures).toEqual([expect.objectContaining({ id: 'selfrefusing', stage: 'load', reason: expect.stringContaining('refuses the manifest defaults: /high never happy') })]);
    expect(app.registry.get('fine')).toBeDefined();
    await app.close();
  });

  test('a plugin without validateConfig is unaffected', async () => {
    const dir = tempDir();
    buildFixturePlugin(dir, { ...hooksPlugin('plain', `beforeAuth() { return undefined; }`), manifest: manifestFor('plain', { hooks: ['beforeAuth'], configSchema: SCHEMA }) });
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    expect(await app.settings.setConfig('*', app.registry.get('plain')!, { low: 50 }, 'test')).toEqual({ low: 50 });
    await app.close();
  });
});
