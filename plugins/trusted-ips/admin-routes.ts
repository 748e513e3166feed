import { PassThrough, Readable } from 'node:stream';
import { inject, injectable } from 'inversify';
import { AdminApiError, type AdminRequest, type AdminRoute, type AdminRouteContribution, UsageError } from '../../shared';
import { TrustedIpsCommand } from './command';

/** Which request field a CLI message is about, from the option it names. */
const FIELD_OF_OPTION: ReadonlyArray<[string, string]> = [
  ['--label', '/label'], ['--expires', '/expires'], ['--sender-domains', '/senderDomains'], ['--max-per-hour', '/maxPerHour'],
  ['--force', '/force'], ['--reason', '/reason'], ['--domain', '/domain'], ['--limit', '/limit'],
];

function fieldOf(message: string): string {
  for (const [opt, path] of FIELD_OF_OPTION) if (message.includes(opt)) return path;
  return '/network';
}

const DOMAIN = { type: 'string', minLength: 1, maxLength: 253, description: 'One domain; absent: every domain.' };

/**
 * The admin API of trusted-ips: each call runs the plugin's own CLI command
 * (the same parsing, breadth guard, audit and apply-to-Postfix), so the API
 * and the CLI cannot drift apart. Messages keep the CLI's wording; the field
 * they concern is named in `problems`.
 */
@injectable()
export class TrustedIpsAdminRoutes implements AdminRouteContribution {
  constructor(@inject(TrustedIpsCommand) private readonly command: TrustedIpsCommand) {}

  private async run(argv: string[], req: AdminRequest): Promise<{ stdout: string; stderr: string; code: number }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d: Buffer) => (stdout += d.toString()));
    err.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const code = await this.command.run(argv, { stdout: out, stderr: err, stdin: Readable.from([]), actor: req.actor, configs: req.configs });
      return { stdout, stderr: stderr.replace(/^mailwarden: (trusted-ips \w+: )?/gm, '').trim(), code };
    } catch (e) {
      if (e instanceof UsageError) {
        const message = e.message.replace(/^trusted-ips \w+: /, '');
        throw new AdminApiError(400, message, [{ path: fieldOf(message), message, rule: 'trusted-ips' }]);
      }
      throw e;
    }
  }

  readonly routes: readonly AdminRoute[] = [
    {
      method: 'GET',
      path: '/entries',
      summary: 'Trusted networks and exclusions (for one domain: its own and the global ones)',
      query: { properties: { domain: DOMAIN } },
      handle: async (req) => JSON.parse((await this.run(['list', '--json', ...(req.query.domain ? ['--domain', req.query.domain] : [])], req)).stdout),
    },
    {
      method: 'POST',
      path: '/entries',
      summary: 'Trust a network (or exclude an address with exclude: true). Wider than IPv4 /16 or IPv6 /48 needs force and a reason (422 otherwise)',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['network'],
        properties: {
          network: { type: 'string', minLength: 1, maxLength: 60, description: 'IPv4/IPv6 address or CIDR; host bits must be zero.' },
          exclude: { type: 'boolean', default: false, description: 'An exclusion inside a trusted network (never trusted).' },
          domain: DOMAIN,
          label: { type: 'string', maxLength: 200 },
          expires: { type: 'string', minLength: 2, maxLength: 40, description: 'A duration (30m, 12h, 7d, 2w) or a date (2026-12-31, ISO 8601).' },
          senderDomains: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 253 } },
          maxPerHour: { type: 'integer', minimum: 1, maximum: 9999999 },
          force: { type: 'boolean', default: false },
          reason: { type: 'string', minLength: 1, maxLength: 500 },
        },
      },
      handle: async (req) => {
        const b = req.body;
        const argv = ['add', `${b.exclude ? '!' : ''}${b.network}`, '--json'];
        if (b.domain) argv.push('--domain', b.domain);
        if (b.label) argv.push('--label', b.label);
        if (b.expires) argv.push('--expires', b.expires);
        if (b.senderDomains) argv.push('--sender-domains', b.senderDomains.join(','));
        if (b.maxPerHour !== undefined) argv.push('--max-per-hour', String(b.maxPerHour));
        if (b.force) argv.push('--force');
        if (b.reason) argv.push('--reason', b.reason);
        const r = await this.run(argv, req);
        if (r.code === 3) throw new AdminApiError(422, r.stderr.replace(/^refused: /, ''), [{ path: '/network', message: r.stderr.replace(/^refused: /, ''), rule: 'breadth' }]);
        // The entry is saved; applying it to Postfix may still have failed (exit 1): say so.
        const entry = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1));
        return { entry, applied: r.code === 0, ...(r.code !== 0 ? { applyError: r.stderr } : {}) };
      },
    },
    {
      method: 'POST',
      path: '/entries/remove',
      summary: 'Remove a trusted network or an exclusion',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['network'],
        properties: { network: { type: 'string', minLength: 1, maxLength: 60 }, exclude: { type: 'boolean', default: false }, domain: DOMAIN, reason: { type: 'string', minLength: 1, maxLength: 500 } },
      },
      handle: async (req) => {
        const b = req.body;
        const r = await this.run(['remove', `${b.exclude ? '!' : ''}${b.network}`, ...(b.domain ? ['--domain', b.domain] : []), ...(b.reason ? ['--reason', b.reason] : [])], req);
        return { removed: r.stdout.split('\n')[0].replace(/^removed /, ''), applied: r.code === 0, ...(r.code !== 0 ? { applyError: r.stderr } : {}) };
      },
    },
    {
      method: 'GET',
      path: '/audit',
      summary: 'Every change to the trusted list: who, when, before/after, reason',
      query: { properties: { domain: DOMAIN, limit: { type: 'integer', minimum: 1, maximum: 10000, default: 200 } } },
      handle: async (req) => JSON.parse((await this.run(['audit', '--json', '--limit', String(req.query.limit), ...(req.query.domain ? ['--domain', req.query.domain] : [])], req)).stdout),
    },
  ];
}
