import { QUEUE_NAMES } from '../../../../shared';
import type { AdminPort } from '../../../core/ports';
import { applyAudited, QUEUE_OPERATION, type QueueCommandName, sendersSummary } from '../../../core/services/queue-admin';
import { domainArg, durationArg, FilterError, type QueueFilter, senderArg } from '../../../tools/postfix/queue/queue-filter';
import { QueueHistory } from '../../../tools/postfix/queue/queue-history';
import { HttpError } from '../http-error';
import type { RouteModule } from '../router';

const SAMPLE_EVERY_MS = 60_000;

interface FilterBody {
  sender: string;
  recipientDomain?: string;
  olderThan?: string;
  queue?: (typeof QUEUE_NAMES)[number];
}

const FILTER_PROPS = {
  sender: { type: 'string', maxLength: 330, description: 'Exact envelope sender (case-insensitive); "<>" for bounces. Never a substring match.' },
  recipientDomain: { type: 'string', minLength: 1, maxLength: 253, description: 'Only messages with a recipient in exactly this domain.' },
  olderThan: { type: 'string', minLength: 2, maxLength: 20, description: 'Only messages older than this: 90s, 30m, 2h, 1d, 1h30m.' },
  queue: { enum: [...QUEUE_NAMES] },
};

/** The request's filter, checked with the CLI's own parsers; errors name the field. */
function filterOf(b: FilterBody): QueueFilter {
  const field = (name: keyof FilterBody, fn: () => unknown) => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      const message = e.message.replace(/^--[a-z-]+ /, '');
      throw new HttpError(400, `${name}: ${message}`, [{ path: `/${name}`, message, rule: 'format' }]);
    }
  };
  return {
    sender: field('sender', () => senderArg(b.sender)) as string,
    ...(b.recipientDomain !== undefined ? { recipientDomain: field('recipientDomain', () => domainArg(b.recipientDomain!)) as string } : {}),
    ...(b.olderThan !== undefined ? { olderThanMs: field('olderThan', () => durationArg(b.olderThan!)) as number } : {}),
    ...(b.queue !== undefined ? { queue: b.queue } : {}),
  };
}

async function readable<T>(what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(503, `the Postfix queue cannot be read: ${(e as Error).message}`);
  }
}

function checkOperation(name: QueueCommandName, f: QueueFilter): void {
  if (name === 'release' && f.queue !== undefined && f.queue !== 'hold') throw new HttpError(400, 'only held mail can be released', [{ path: '/queue', message: 'must be "hold" (or absent) to release', rule: 'enum' }]);
  if (name === 'hold' && f.queue === 'hold') throw new HttpError(400, 'mail in the hold queue is already held', [{ path: '/queue', message: 'must not be "hold" to hold', rule: 'enum' }]);
}

/** The Postfix queue: totals with a short history, mail by sender, and hold/release/purge by exact sender (CLI: `mailwarden queue`). */
export const queueRoutes: RouteModule = (r, { app, onStop }) => {
  const history = new QueueHistory(app.queue, app.clock);
  const logErr = (e: Error) => app.logger.warn({ err: e.message }, 'queue sample failed');
  // The first sample is taken when someone first looks (no queue walk at start-up), then one a minute.
  history.start(SAMPLE_EVERY_MS, logErr);
  onStop(() => history.stop());

  r.add<never, { limit: number }>({
    method: 'GET',
    path: '/api/queue',
    tag: 'queue',
    summary: 'Queue totals per queue, recent totals (one sample a minute), and queued mail by exact sender, biggest first',
    query: { properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } } },
    async handle({ query }) {
      if (history.recent().length === 0) await readable(history.sample());
      const counts = await readable(app.queue.counts());
      const bySender = await readable(sendersSummary(app.queueTools, {}, query.limit));
      return { at: app.clock.now(), counts, total: Object.values(counts).reduce((a, c) => a + c.length, 0), history: history.recent(), ...bySender };
    },
  });

  const opBody = (extra: Record<string, unknown>, required: string[]) => ({ type: 'object', additionalProperties: false, required: ['sender', ...required], properties: { ...FILTER_PROPS, ...extra } });

  r.add<FilterBody & { operation: QueueCommandName }>({
    method: 'POST',
    path: '/api/queue/preview',
    tag: 'queue',
    summary: 'What an operation would touch: the count per queue, bytes and the first messages (changes nothing)',
    body: opBody({ operation: { enum: ['hold', 'release', 'purge'] } }, ['operation']),
    async handle({ body }) {
      const filter = filterOf(body);
      checkOperation(body.operation, filter);
      const sel = await readable(app.queueTools.select(filter, QUEUE_OPERATION[body.operation]));
      return { operation: body.operation, sender: filter.sender, selected: sel.ids.length, bytes: sel.bytes, byQueue: sel.byQueue, sample: sel.sample };
    },
  });

  for (const name of ['hold', 'release', 'purge'] as const) {
    r.add<FilterBody & { expectedCount: number }>({
      method: 'POST',
      path: `/api/queue/${name}`,
      tag: 'queue',
      summary: `${name === 'purge' ? 'Delete' : name === 'hold' ? 'Hold' : 'Release'} the queued mail of one exact sender. expectedCount is the count the admin confirmed (from /api/queue/preview): if the queue changed meanwhile nothing is done (409)`,
      body: opBody({ expectedCount: { type: 'integer', minimum: 0 } }, ['expectedCount']),
      async handle({ body, actor }) {
        const filter = filterOf(body);
        checkOperation(name, filter);
        const sel = await readable(app.queueTools.select(filter, QUEUE_OPERATION[name]));
        if (sel.ids.length !== body.expectedCount) {
          throw new HttpError(409, `the queue changed: ${sel.ids.length} message(s) from ${filter.sender || '<>'} would be touched now, not ${body.expectedCount}; nothing was done — check again and confirm`, [{ path: '/expectedCount', message: `is ${body.expectedCount} but ${sel.ids.length} match now`, rule: 'confirm' }]);
        }
        if (sel.ids.length === 0) return { operation: name, sender: filter.sender, selected: 0, confirmed: 0, byQueue: {} };
        const res = await applyAudited(app as AdminPort, name, sel, filter, actor);
        return { operation: name, sender: filter.sender, selected: sel.ids.length, confirmed: res.confirmed, byQueue: sel.byQueue };
      },
    });
  }
};
