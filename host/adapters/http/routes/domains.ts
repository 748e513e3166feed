import { Reply, type RouteModule } from '../router';
import { HttpError } from '../http-error';
import { domainField } from './params';

const DOMAIN = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    default: { type: 'boolean' },
    locale: { type: 'string' },
    addedAt: { type: 'integer' },
    addedBy: { type: 'string' },
  },
};

/** The mail domains mailwarden manages (CLI: `mailwarden domains`). */
export const domainRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/api/domains',
    tag: 'domains',
    summary: 'List domains',
    response: { type: 'array', items: DOMAIN },
    async handle({ app }) {
      return (await app.settings.listDomains()).map((d) => ({ ...d, default: d.name === app.settings.defaultDomain }));
    },
  });
  r.add<{ name: string; locale?: 'en' | 'fr' | 'de' }>({
    method: 'POST',
    path: '/api/domains',
    tag: 'domains',
    summary: 'Add a domain (its plugins then follow its own settings, starting from the global ones)',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 253, description: 'Domain name; IDN is stored as punycode.' },
        locale: { enum: ['en', 'fr', 'de'], description: "Language of messages shown to the domain's users." },
      },
    },
    response: DOMAIN,
    async handle({ app, body, actor }) {
      const name = domainField(body.name, '/name');
      return new Reply(201, await app.settings.addDomain(name, actor, body.locale));
    },
  });
  r.add({
    method: 'DELETE',
    path: '/api/domains/{domain}',
    tag: 'domains',
    summary: 'Remove a domain and its own plugin settings',
    params: { domain: 'Domain name' },
    async handle({ app, params, actor }) {
      const name = domainField(params.domain);
      if (!(await app.settings.removeDomain(name, actor))) throw new HttpError(404, `"${name}" is not a known domain`);
      return { removed: name };
    },
  });
};
