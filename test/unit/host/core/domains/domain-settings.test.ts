import { GLOBAL } from '../../../../../host/core/domains/domain-settings';
import { ValidationError } from '../../../../../host/core/validation/ajv';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxFailures: { type: 'integer', minimum: 1, maximum: 100, default: 3 },
    mode: { enum: ['block', 'tarpit'], default: 'block' },
    networks: { type: 'array', items: { type: 'string' }, default: ['127.0.0.0/8'] },
  },
};

async function setup() {
  const dir = tempDir();
  buildFixturePlugin(dir, hooksPlugin('limits', `beforeAuth(a, ctx) { return { action: 'delay', reason: JSON.stringify(ctx.config), delaySeconds: ctx.config.maxFailures }; },`, { configSchema: schema }));
  const t = await testApp({ pluginDir: dir });
  await t.app.loadPlugins();
  await t.app.settings.addDomain('example.com', 'test');
  return { ...t, plugin: t.app.registry.get('limits')! };
}

describe('per-domain config', () => {
  test('defaults come from the configSchema; global overrides apply to all; a domain overrides key by key', async () => {
    const { app, plugin } = await setup();
    expect((await app.settings.effective('example.com', plugin)).config).toEqual({ maxFailures: 3, mode: 'block', networks: ['127.0.0.0/8'] });
    await app.settings.setConfig(GLOBAL, plugin, { maxFailures: 5, mode: 'tarpit' }, 'test');
    await app.settings.setConfig('example.com', plugin, { maxFailures: 7 }, 'test');
    expect((await app.settings.effective('example.com', plugin)).config).toEqual({ maxFailures: 7, mode: 'tarpit', networks: ['127.0.0.0/8'] });
    expect((await app.settings.effective('elsewhere.org', plugin)).config).toEqual({ maxFailures: 5, mode: 'tarpit', networks: ['127.0.0.0/8'] });
    // …and the pipeline sees the new values on the very next request.
    const v = await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'a@example.com', remoteIp: '127.0.0.2', protocol: 'imap' }));
    expect(v.delaySeconds).toBe(7);
    await app.close();
  });

  test('an invalid value is refused with the JSON path and the rule, and nothing changes', async () => {
    const { app, plugin } = await setup();
    await app.settings.setConfig('example.com', plugin, { maxFailures: 4 }, 'test');
    const audits = (await app.store.listAudit({})).length;
    const err = await app.settings.setConfig('example.com', plugin, { maxFailures: 0, mode: 'explode' }, 'test').catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.problems).toEqual([
      { path: '/maxFailures', message: 'must be >= 1', rule: 'minimum' },
      { path: '/mode', message: 'must be one of "block", "tarpit"', rule: 'enum' },
    ]);
    expect(err.message).toMatch(/limits config \(example\.com\): \/maxFailures must be >= 1 \(minimum\)/);
    await expect(app.settings.setConfig('example.com', plugin, { colour: 'red' }, 'test')).rejects.toThrow(/\/colour is not a known property \(additionalProperties\)/);
    expect((await app.settings.effective('example.com', plugin)).config.maxFailures).toBe(4);
    expect((await app.store.listAudit({})).length).toBe(audits);
    await app.close();
  });

  test('a global change is checked against every domain it reaches', async () => {
    const { app, plugin } = await setup();
    await app.settings.setConfig('example.com', plugin, { mode: 'tarpit' }, 'test');
    await expect(app.settings.setConfig(GLOBAL, plugin, { maxFailures: 1000 }, 'test')).rejects.toThrow(/limits config \(global\): \/maxFailures must be <= 100/);
    await app.close();
  });

  test('unknown domains cannot be configured; removing a domain drops its settings', async () => {
    const { app, plugin } = await setup();
    await expect(app.settings.setConfig('nowhere.org', plugin, { maxFailures: 2 }, 'test')).rejects.toThrow(/"nowhere.org" is not a known domain/);
    await app.settings.setConfig('example.com', plugin, { maxFailures: 9 }, 'test');
    await app.settings.removeDomain('example.com', 'test');
    await app.settings.addDomain('example.com', 'test');
    expect((await app.settings.effective('example.com', plugin)).config.maxFailures).toBe(3);
    await app.close();
  });

  test('every change is audited with who, before and after', async () => {
    const { app, plugin } = await setup();
    await app.settings.setEnabled('example.com', plugin, false, 'cli:alice');
    await app.settings.setConfig('example.com', plugin, { maxFailures: 6 }, 'api:bob');
    const [configured, disabled] = await app.store.listAudit({ domain: 'example.com' });
    expect(configured).toMatchObject({ actor: 'api:bob', action: 'plugin.configure', subject: 'plugin:limits', before: { enabled: false }, after: { enabled: false, config: { maxFailures: 6 } } });
    expect(disabled).toMatchObject({ actor: 'cli:alice', action: 'plugin.disable' });
    await app.close();
  });
});
