import { api, ApiError } from '../api';
import { lineChart } from '../chart';
import { h } from '../dom';
import { t } from '../i18n';
import type { View, ViewContext } from '../view';
import { button, section, table } from '../widgets';

interface QueueCount {
  length: number;
  bytes: number;
  oldestAgeSeconds: number;
}

export interface QueueState {
  total: number;
  counts: Record<string, QueueCount>;
  history: Array<{ at: number; total: number }>;
  senders: Array<{ sender: string; count: number; bytes: number; byQueue: Record<string, number>; oldest: number }>;
  others: number;
}

type Op = 'hold' | 'release' | 'purge';

function age(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** The queue's size now and over the last hours, as a dashboard panel. */
export function queuePanel(q: QueueState): HTMLElement {
  return h(
    'section',
    { class: 'panel queue-panel', data: { testid: 'queue-panel' } },
    h('h2', null, t('queueSize'), ' ', h('span', { class: 'queue-total' }, String(q.total))),
    lineChart(q.history, t('queueHistory')),
    h('p', { class: 'muted' }, Object.entries(q.counts).map(([name, c]) => `${name}: ${c.length}`).join(' · ')),
  );
}

/**
 * Asks the server what an operation would touch, has the admin confirm that
 * exact count, then acts only if the count is still the same.
 */
async function operate(ctx: ViewContext, op: Op, sender: string): Promise<void> {
  try {
    const p = await api<{ selected: number; byQueue: Record<string, number> }>('POST', '/api/queue/preview', { operation: op, sender });
    if (p.selected === 0) return ctx.notify(t('queueNothing', { sender: sender || '<>' }));
    const msg = t(op === 'purge' ? 'confirmPurge' : op === 'hold' ? 'confirmHold' : 'confirmRelease', { n: p.selected, sender: sender || '<>' });
    if (!(await ctx.confirm(msg, t(op)))) return;
    const r = await api<{ confirmed: number }>('POST', `/api/queue/${op}`, { sender, expectedCount: p.selected });
    ctx.notify(t('queueDone', { n: r.confirmed, op: t(op) }));
    ctx.refresh();
  } catch (e) {
    ctx.notify(e instanceof ApiError ? e.message : String(e), 'error');
  }
}

export const queueView: View = {
  id: 'queue',
  title: 'navQueue',
  async render(ctx) {
    let q: QueueState;
    try {
      q = await api<QueueState>('GET', '/api/queue?limit=100');
    } catch (e) {
      return h('div', { class: 'view' }, h('h1', null, t('navQueue')), h('p', { class: 'form-error' }, (e as Error).message));
    }
    const rows = q.senders.map((s) => [
      h('span', { class: 'mono' }, s.sender || '<>'),
      String(s.count),
      Object.entries(s.byQueue).map(([k, v]) => `${k}: ${v}`).join(', '),
      age(Math.max(0, Math.floor(Date.now() / 1000 - s.oldest))),
      h(
        'span',
        { class: 'row-actions' },
        button(t('hold'), () => void operate(ctx, 'hold', s.sender), 'plain', { action: 'hold', sender: s.sender }),
        button(t('release'), () => void operate(ctx, 'release', s.sender), 'plain', { action: 'release', sender: s.sender }),
        button(t('purge'), () => void operate(ctx, 'purge', s.sender), 'danger', { action: 'purge', sender: s.sender }),
      ),
    ]);
    return h(
      'div',
      { class: 'view' },
      h('h1', null, t('navQueue')),
      h(
        'div',
        { class: 'cards' },
        Object.entries(q.counts).map(([name, c]) =>
          h('div', { class: 'card', data: { testid: `queue-${name}` } }, h('div', { class: 'card-label' }, name), h('div', { class: 'card-value' }, String(c.length)), h('div', { class: 'card-hint' }, c.length ? t('oldest', { age: age(c.oldestAgeSeconds) }) : '')),
        ),
      ),
      queuePanel(q),
      section('bySender', h('p', { class: 'muted' }, t('holdFirst')), table(['sender', 'messages', 'queues', 'oldestCol', ''], rows, 'queueEmpty', 'senders'), q.others ? h('p', { class: 'muted' }, t('otherSenders', { n: q.others })) : null),
    );
  },
};
