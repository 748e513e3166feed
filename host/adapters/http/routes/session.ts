import { Reply, type RouteModule } from '../router';

/** Console sign-in and sign-out. */
export const sessionRoutes: RouteModule = (r, { auth }) => {
  r.add<{ token: string }>({
    method: 'POST',
    path: '/api/session',
    tag: 'session',
    summary: 'Sign in to the console with the admin token; sets the session cookie and returns the CSRF token',
    public: true,
    body: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } } },
    response: { type: 'object', properties: { csrfToken: { type: 'string' }, expiresAt: { type: 'integer' } } },
    async handle({ req, body }) {
      const { cookie, session } = auth.signIn(req, body.token);
      return new Reply(200, { csrfToken: session.csrf, expiresAt: session.createdAt + auth.sessions.limits.maxAgeMs }, { 'set-cookie': cookie });
    },
  });
  r.add({
    method: 'GET',
    path: '/api/session',
    tag: 'session',
    summary: "The current console session's CSRF token (after a page reload)",
    response: { type: 'object', properties: { csrfToken: { type: 'string' }, expiresAt: { type: 'integer' }, defaultDomain: { type: 'string' } } },
    async handle({ app, req }) {
      const caller = auth.check(req, false);
      return {
        csrfToken: caller.session?.csrf ?? null,
        expiresAt: caller.session ? caller.session.createdAt + auth.sessions.limits.maxAgeMs : null,
        defaultDomain: app.settings.defaultDomain,
      };
    },
  });
  r.add({
    method: 'DELETE',
    path: '/api/session',
    tag: 'session',
    summary: 'Sign out of the console',
    async handle({ req }) {
      return new Reply(200, { signedOut: true }, { 'set-cookie': auth.signOut(req) });
    },
  });
};
