import type { JsonSchema, RouteSpec } from './router';

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'What is wrong, for people.' },
    problems: {
      type: 'array',
      description: 'Validation failures, one per field.',
      items: {
        type: 'object',
        required: ['path', 'message', 'rule'],
        properties: {
          path: { type: 'string', description: 'JSON pointer into the request body (`?name` for a query parameter).' },
          message: { type: 'string' },
          rule: { type: 'string', description: 'The JSON Schema keyword (or host rule) that failed.' },
        },
      },
    },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/**
 * The OpenAPI 3.1 document, generated from the same route table and JSON
 * Schemas the server validates with, so it cannot drift from what is enforced.
 */
export function openApiDocument(routes: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const seg of r.path.split('/')) {
      if (seg.startsWith('{')) {
        const name = seg.slice(1, -1);
        parameters.push({ name, in: 'path', required: true, schema: { type: 'string' }, description: r.params?.[name] ?? name });
      }
    }
    const qprops = (r.query?.properties ?? {}) as Record<string, JsonSchema>;
    const qreq = (r.query?.required ?? []) as string[];
    for (const [name, schema] of Object.entries(qprops)) {
      parameters.push({ name, in: 'query', required: qreq.includes(name), schema, ...(schema.description ? { description: schema.description } : {}) });
    }
    const change = r.method !== 'GET';
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[{}]/g, '').split('/').map((s) => (s ? s[0].toUpperCase() + s.slice(1) : '')).join('').replace(/[^A-Za-z0-9]/g, '')}`,
      ...(r.description ? { description: r.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      ...(r.public ? { security: [] } : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: r.response ?? {} } } },
        ...(r.body || r.query ? { '400': errorResponse('Invalid input; `problems` names each field.') } : {}),
        '401': errorResponse('Missing or wrong admin token (or no console session).'),
        ...(change ? { '403': errorResponse('Console session without a valid X-CSRF-Token header.') } : {}),
        '429': errorResponse('Too many bad tokens from this address; see Retry-After.'),
      },
    };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mailwarden admin API',
      version,
      description: 'Everything the mailwarden CLI can do, over JSON. Send the admin token (file <dataDir>/admin.token) as `Authorization: Bearer <token>` on every call.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { token: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        token: { type: 'apiKey', in: 'header', name: 'X-Mailwarden-Token' },
        session: { type: 'apiKey', in: 'cookie', name: 'mw_session', description: 'Console session; changes also need the X-CSRF-Token header.' },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}
