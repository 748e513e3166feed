import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AdminHarness, startAdmin } from '../../../../helpers/admin-client';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../../../../helpers/plugin-fixture';

/*
 * Plugins' console pages through the admin listener: the list the console
 * builds its navigation from, and the one declared file per view, nothing else.
 */

const VIEW_JS = 'export default function mount(root) { root.textContent = "hello"; }\n';

function viewPlugin(id: string, views: unknown[], enabledByDefault = true) {
  return hooksPlugin(id, `beforeAuth() { return undefined; }`, { enabledByDefault, contributes: { consoleViews: views } });
}

describe('console views contributed by plugins', () => {
  let admin: AdminHarness;
  let outside: string;

  beforeAll(async () => {
    const pluginDir = tempDir('mw-plugins-');
    outside = tempDir('mw-outside-');
    fs.writeFileSync(path.join(outside, 'secret.js'), 'export const secret = "not the plugin\'s";\n');
    const shown = buildFixturePlugin(pluginDir, viewPlugin('view-maker', [
      { id: 'main', title: { en: 'Main page', fr: 'Page principale' }, script: 'view.js' },
      { id: 'plain', title: 'Plain title', script: 'plain.mjs' },
      { id: 'linked', title: 'Linked', script: 'linked.js' },
      { id: 'missing', title: 'Missing', script: 'missing.js' },
      { id: 'server', title: 'Server code', script: 'index.js' },
    ]));
    fs.writeFileSync(path.join(shown, 'view.js'), VIEW_JS);
    fs.writeFileSync(path.join(shown, 'plain.mjs'), VIEW_JS);
    fs.writeFileSync(path.join(shown, 'undeclared.js'), VIEW_JS);
    fs.symlinkSync(path.join(outside, 'secret.js'), path.join(shown, 'linked.js'));
    const off = buildFixturePlugin(pluginDir, viewPlugin('view-off', [{ id: 'page', title: 'Off page', script: 'off.js' }], false));
    fs.writeFileSync(path.join(off, 'off.js'), VIEW_JS);
    admin = await startAdmin({ pluginDir });
  });

  afterAll(async () => {
    await admin?.close();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('the list needs a credential, like the rest of the console API', async () => {
    expect((await admin.call('GET', '/api/console/views', { token: null })).status).toBe(401);
  });

  test('the list names the views of plugins enabled somewhere, titled in the caller\'s language, with every title and the script URL', async () => {
    const en = await admin.call('GET', '/api/console/views');
    expect(en.status).toBe(200);
    expect(en.body).toEqual([
      { pluginId: 'view-maker', id: 'main', title: 'Main page', titles: { en: 'Main page', fr: 'Page principale' }, script: '/console/plugins/view-maker/view.js' },
      { pluginId: 'view-maker', id: 'plain', title: 'Plain title', titles: { en: 'Plain title' }, script: '/console/plugins/view-maker/plain.mjs' },
      { pluginId: 'view-maker', id: 'linked', title: 'Linked', titles: { en: 'Linked' }, script: '/console/plugins/view-maker/linked.js' },
      { pluginId: 'view-maker', id: 'missing', title: 'Missing', titles: { en: 'Missing' }, script: '/console/plugins/view-maker/missing.js' },
      { pluginId: 'view-maker', id: 'server', title: 'Server code', titles: { en: 'Server code' }, script: '/console/plugins/view-maker/index.js' },
    ]);
    const fr = await admin.call('GET', '/api/console/views', { headers: { 'accept-language': 'fr-FR,fr;q=0.9' } });
    expect(fr.body.map((v: { title: string }) => v.title)).toEqual(['Page principale', 'Plain title', 'Linked', 'Missing', 'Server code']);
    // German asked, none given: English.
    const de = await admin.call('GET', '/api/console/views', { headers: { 'accept-language': 'de' } });
    expect(de.body[0].title).toBe('Main page');
  });

  test('a declared script is served as JavaScript under the console\'s CSP, to a signed-in caller only', async () => {
    const r = await admin.call('GET', '/console/plugins/view-maker/view.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.body).toBe(VIEW_JS);
    expect((await admin.call('GET', '/console/plugins/view-maker/plain.mjs')).body).toBe(VIEW_JS);
    expect((await admin.call('GET', '/console/plugins/view-maker/view.js', { token: null })).status).toBe(401);
  });

  test.each([
    ['an undeclared file of the plugin', '/console/plugins/view-maker/undeclared.js', /declares no console view script "undeclared.js"/],
    ['its manifest', '/console/plugins/view-maker/manifest.json', /not a console view script/],
    ['a declared name that is a symbolic link out of the folder', '/console/plugins/view-maker/linked.js', /symbolic link/],
    ['a declared file that is not there', '/console/plugins/view-maker/missing.js', /no such file/],
    ['the plugin\'s server code, even when declared', '/console/plugins/view-maker/index.js', /server code \(its manifest's entry\)/],
    ['an encoded climb', '/console/plugins/view-maker/..%2f..%2fsecret.js', /not a console view script/],
    ['a deeper path', '/console/plugins/view-maker/sub/view.js', /not a console view script/],
    ['a plugin that is not loaded', '/console/plugins/no-such-plugin/view.js', /no plugin "no-such-plugin" is loaded/],
  ])('%s is refused with a 404 that says why', async (_what, url, why) => {
    const r = await admin.call('GET', url);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(why);
    expect(JSON.stringify(r.body)).not.toContain('not the plugin');
  });

  test('a climb with dot segments never reaches the plugin folder (the URL is folded first)', async () => {
    const r = await admin.call('GET', `/console/plugins/view-maker/../../../${path.relative('/', path.join(outside, 'secret.js'))}`);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toContain('not the plugin');
  });

  test('a plugin enabled nowhere has no view and no script; enabled for one domain, it has both', async () => {
    expect((await admin.call('GET', '/api/console/views')).body.map((v: { pluginId: string }) => v.pluginId)).not.toContain('view-off');
    const refused = await admin.call('GET', '/console/plugins/view-off/off.js');
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatch(/enabled for no domain/);
    expect((await admin.call('POST', '/api/domains', { body: { name: 'example.org' } })).status).toBe(201);
    expect((await admin.call('PUT', '/api/domains/example.org/plugins/view-off/enabled', { body: { enabled: true } })).status).toBe(200);
    const listed = (await admin.call('GET', '/api/console/views')).body as Array<{ pluginId: string; title: string }>;
    expect(listed.find((v) => v.pluginId === 'view-off')).toMatchObject({ title: 'Off page' });
    expect((await admin.call('GET', '/console/plugins/view-off/off.js')).body).toBe(VIEW_JS);
  });
});
