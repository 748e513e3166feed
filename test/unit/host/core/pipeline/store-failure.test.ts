import { MemoryStore } from '../../../../../host/core/state/memory-store';
import { StateUnavailableError } from '../../../../../host/core/state/state-errors';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

/** A store whose reads can be made to fail, as a networked store failing closed does. */
class FlakyStore extends MemoryStore {
  failing = false;
  down = false;
  override async get<T>(key: string, now: number): Promise<T | undefined> {
    if (this.failing) throw new StateUnavailableError('the state store (test) is unavailable');
    return super.get<T>(key, now);
  }
  override async list<T>(prefix: string, now: number) {
    if (this.failing) throw new StateUnavailableError('the state store (test) is unavailable');
    return super.list<T>(prefix, now);
  }
  unavailable(): boolean {
    return this.down;
  }
}

async function setup() {
  const dir = tempDir();
  buildFixturePlugin(dir, hooksPlugin('allower', `beforeAuth() { return undefined; },\n checkRelay() { return undefined; },\n afterAuth() {},`));
  const store = new FlakyStore();
  const t = await testApp({ pluginDir: dir, store });
  expect(await t.app.loadPlugins()).toEqual([]);
  return { ...t, store };
}

test('a store that throws while locks or settings are read gives tempfail, never an exception', async () => {
  const { app, store, logs } = await setup();
  const a = app.pipeline.attempt({ login: 'x@example.com', remoteIp: '192.0.2.1', protocol: 'imap' });
  store.failing = true;
  expect(await app.pipeline.beforeAuth(a)).toEqual({ action: 'tempfail', reason: 'state store unavailable', plugin: 'host' });
  expect(await app.pipeline.afterSuccess(a)).toMatchObject({ action: 'tempfail' });
  await expect(app.pipeline.afterAuth(a, { success: false, policyReject: false })).resolves.toBeUndefined();
  expect(await app.pipeline.validatePassword({ domain: 'example.com', login: 'x@example.com', newPassword: 'pw' })).toEqual([expect.objectContaining({ rule: 'unavailable', plugin: 'host' })]);
  expect(logs.find('cannot decide: the state store failed; answering tempfail').length).toBeGreaterThan(0);
  store.failing = false;
  expect(await app.pipeline.beforeAuth(a)).toMatchObject({ action: 'allow' });
  await app.close();
});

test('while the store says it is unavailable (failing closed), decisions tempfail without asking plugins', async () => {
  const { app, store } = await setup();
  const a = app.pipeline.attempt({ login: 'y@example.com', remoteIp: '192.0.2.2', protocol: 'imap' });
  expect(await app.pipeline.beforeAuth(a)).toMatchObject({ action: 'allow' });
  store.down = true;
  expect(await app.pipeline.beforeAuth(a)).toMatchObject({ action: 'tempfail', plugin: 'host' });
  expect(await app.pipeline.checkRelay({ protocolState: 'RCPT', clientAddress: '192.0.2.2', clientName: 'h', sender: 's@example.com', recipient: 'r@example.org', recipientCount: 0, size: 0, instance: 'i', domain: 'example.com' } as never)).toMatchObject({ action: 'tempfail' });
  store.down = false;
  expect(await app.pipeline.beforeAuth(a)).toMatchObject({ action: 'allow' });
  await app.close();
});
