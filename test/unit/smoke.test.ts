import { buildFixturePlugin, hooksPlugin, tempDir } from '../helpers/plugin-fixture';
import { testApp } from '../helpers/test-app';

test('a fixture plugin loads and answers', async () => {
  const dir = tempDir();
  buildFixturePlugin(dir, hooksPlugin('denier', `beforeAuth(a) { return a.login.startsWith('bad') ? { action: 'deny', reason: 'bad' } : undefined; }`));
  const { app } = await testApp({ pluginDir: dir });
  expect(await app.loadPlugins()).toEqual([]);
  const v = await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'Bad@Example.com', remoteIp: '127.0.0.2', protocol: 'imap' }));
  expect(v).toMatchObject({ action: 'deny', plugin: 'denier' });
  await app.close();
});
