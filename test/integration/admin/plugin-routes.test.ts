import { ADMIN_TOKEN, type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { buildFixturePlugin, manifestFor, tempDir } from '../../helpers/plugin-fixture';

/** A third-party plugin, built outside the repo, that contributes admin API routes. */
const notesPlugin = {
  manifest: manifestFor('notes', {
    contributes: {
      adminRoutes: [
        { method: 'GET', path: '/notes' }, { method: 'POST', path: '/notes' }, { method: 'DELETE', path: '/notes/{id}' }, { method: 'GET', path: '/broken' },
      ],
    },
    configSchema: { type: 'object', additionalProperties: false, properties: { maxNotes: { type: 'integer', minimum: 1, default: 2 } } },
  }),
  source: `
import { ContainerModule } from 'inversify';
import { AdminRouteContribution, AdminApiError } from '@mailwarden/shared';
const notes = [];
const routes = [
  { method: 'GET', path: '/notes', summary: 'List notes', async handle() { return notes; } },
  {
    method: 'POST', path: '/notes', summary: 'Add a note',
    body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 50 }, domain: { type: 'string', default: '*' } } },
    async handle(req) {
      const cfg = (await req.configs()).get(req.body.domain);
      if (!cfg) throw new AdminApiError(404, 'notes is not enabled for ' + req.body.domain);
      if (notes.length >= cfg.maxNotes) throw new AdminApiError(409, 'too many notes', [{ path: '/text', message: 'no room for another note', rule: 'maxNotes' }]);
      const n = { id: String(notes.length + 1), text: req.body.text, by: req.actor, lang: req.lang };
      notes.push(n);
      return n;
    },
  },
  { method: 'DELETE', path: '/notes/{id}', summary: 'Remove a note', async handle(req) {
      const i = notes.findIndex((n) => n.id === req.params.id);
      if (i < 0) throw new AdminApiError(404, 'no note ' + req.params.id);
      return notes.splice(i, 1)[0];
  } },
  { method: 'GET', path: '/broken', summary: 'schema that does not compile', query: { properties: { x: { type: 'nonsense' } } }, async handle() { return 1; } },
];
export default new ContainerModule(({ bind }) => { bind(AdminRouteContribution).toConstantValue({ routes }); });
`,
};

let h: AdminHarness;
beforeAll(async () => {
  const dir = tempDir('mw-plugins-');
  buildFixturePlugin(dir, notesPlugin);
  h = await startAdmin({ pluginDir: dir });
});
afterAll(() => h.close());

test('a plugin\'s routes are mounted under /api/plugins/<id>, validated, authenticated and documented', async () => {
  expect((await h.call('GET', '/api/plugins/notes/notes')).body).toEqual([]);
  const bad = await h.call('POST', '/api/plugins/notes/notes', { body: { text: '' } });
  expect([bad.status, bad.body.problems]).toEqual([400, [{ path: '/text', message: 'must NOT have fewer than 1 characters', rule: 'minLength' }]]);
  const ok = await h.call('POST', '/api/plugins/notes/notes', { body: { text: 'hello' }, headers: { 'accept-language': 'fr-FR,fr;q=0.9' } });
  expect(ok.body).toEqual({ id: '1', text: 'hello', by: 'api:token', lang: 'fr' });
  await h.call('POST', '/api/plugins/notes/notes', { body: { text: 'two' } });
  const full = await h.call('POST', '/api/plugins/notes/notes', { body: { text: 'three' } });
  expect([full.status, full.body]).toEqual([409, { error: 'too many notes', problems: [{ path: '/text', message: 'no room for another note', rule: 'maxNotes' }] }]);
  expect((await h.call('DELETE', '/api/plugins/notes/notes/1')).body.text).toBe('hello');
  expect((await h.call('DELETE', '/api/plugins/notes/notes/1')).status).toBe(404);
  expect((await h.call('GET', '/api/plugins/notes/notes', { token: null })).status).toBe(401);
  // A console session still needs the CSRF header for a plugin's changes.
  const s = await h.call('POST', '/api/session', { token: null, body: { token: ADMIN_TOKEN } });
  const cookie = String(s.headers['set-cookie']).split(';')[0];
  expect((await h.call('POST', '/api/plugins/notes/notes', { token: null, headers: { cookie }, body: { text: 'x' } })).status).toBe(403);
  const doc = (await h.call('GET', '/api/openapi.json')).body;
  expect(doc.paths['/api/plugins/notes/notes'].post.requestBody.content['application/json'].schema.required).toEqual(['text']);
  expect(doc.paths['/api/plugins/notes/notes'].post.tags).toEqual(['plugin:notes']);
});

test('a route whose schema does not compile is left out and logged; the others work', async () => {
  expect((await h.call('GET', '/api/plugins/notes/broken')).status).toBe(404);
  expect((await h.call('GET', '/api/plugins/notes/notes')).status).toBe(200);
});

test('plugin routes follow the plugin set on reload', async () => {
  h.app.registry.swap([], []);
  expect((await h.call('GET', '/api/plugins/notes/notes')).status).toBe(404);
});
