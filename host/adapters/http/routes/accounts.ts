import { LoginError } from '../../../../shared/address';
import { HttpError } from '../http-error';
import { Reply, type RouteModule } from '../router';
import { loginField } from './params';

const LOGIN = { type: 'string', minLength: 1, maxLength: 320, description: 'Login (user@domain; a bare login belongs to the default domain).' };

/** Account remediation: lock, unlock, close sessions (CLI: `mailwarden account`). */
export const accountRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/api/accounts/locks',
    tag: 'accounts',
    summary: 'Locked accounts',
    async handle({ app }) {
      return app.accounts.listLocks();
    },
  });
  r.add<{ login: string; reason: string; minutes?: number }>({
    method: 'POST',
    path: '/api/accounts/lock',
    tag: 'accounts',
    summary: 'Lock an account: every login is refused before any plugin runs',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['login'],
      properties: {
        login: LOGIN,
        reason: { type: 'string', minLength: 1, maxLength: 500, default: 'locked by an admin' },
        minutes: { type: 'integer', minimum: 1, maximum: 525600, description: 'Lock duration; absent: until unlocked.' },
      },
    },
    async handle({ app, body, actor }) {
      const login = loginField(app, body.login);
      return new Reply(201, await app.accounts.lock(login, { reason: body.reason, by: actor, ...(body.minutes ? { minutes: body.minutes } : {}) }));
    },
  });
  r.add<{ login: string }>({
    method: 'POST',
    path: '/api/accounts/unlock',
    tag: 'accounts',
    summary: 'Unlock an account',
    body: { type: 'object', additionalProperties: false, required: ['login'], properties: { login: LOGIN } },
    async handle({ app, body, actor }) {
      const login = loginField(app, body.login);
      if (!(await app.accounts.unlock(login, actor))) throw new HttpError(404, `${login} is not locked`);
      return { unlocked: login };
    },
  });
  r.add<{ login: string }>({
    method: 'POST',
    path: '/api/accounts/logout',
    tag: 'accounts',
    summary: "Close the account's open sessions (the configured kick command, e.g. doveadm kick)",
    body: { type: 'object', additionalProperties: false, required: ['login'], properties: { login: LOGIN } },
    async handle({ app, body, actor }) {
      const login = loginField(app, body.login);
      try {
        const r = await app.accounts.closeSessions(login, actor);
        return { loggedOut: login, sessions: r.sessions };
      } catch (e) {
        if (e instanceof LoginError) throw e;
        throw new HttpError(502, `sessions of ${login} could not be closed: ${(e as Error).message}`);
      }
    },
  });
};
