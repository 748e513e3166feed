import { api } from '../api';
import { seriesChart } from '../chart';
import { h } from '../dom';
import { t, type Key } from '../i18n';

interface SeriesPoint {
  at: number;
  failedLogins: number;
  blocks: number;
  locks: number;
  held: number | null;
  queued: number | null;
}

export interface SeriesAnswer {
  intervalMs: number;
  hours: number;
  points: SeriesPoint[];
  /** The live point, not stored yet: the charts end now. */
  now: SeriesPoint;
}

type Field = 'failedLogins' | 'blocks' | 'held' | 'queued';

/** The four series of the Grafana dashboard's "Now" row, in its order. */
const SERIES: ReadonlyArray<{ field: Field; title: Key }> = [
  { field: 'failedLogins', title: 'seriesFailedLogins' },
  { field: 'blocks', title: 'seriesBlocks' },
  { field: 'held', title: 'seriesHeld' },
  { field: 'queued', title: 'seriesQueued' },
];

/** One small chart, its title and its last value as text (what a screen reader and a glance both need). */
function seriesFigure(s: SeriesAnswer, field: Field, title: Key): HTMLElement {
  const points = [...s.points, s.now].map((p) => ({ at: p.at, value: p[field] }));
  const last = s.now[field];
  const lastText = last === null ? t('seriesUnreadable') : String(last);
  const name = t(title, { minutes: Math.round(s.intervalMs / 60_000) });
  const label = t('seriesChartLabel', { name, hours: s.hours, last: lastText });
  return h(
    'figure',
    { class: 'series', data: { testid: `series-${field}`, series: field } },
    h('figcaption', null, h('span', { class: 'series-name' }, name), ' ', h('strong', { class: 'series-last', data: { testid: `series-${field}-last` } }, lastText)),
    // The whole window, not just the samples there are: a day-old server's 3 hours fill the last eighth.
    seriesChart(points, { label, width: 300, height: 110, from: s.now.at - s.hours * 3_600_000, to: s.now.at, ends: [t('seriesAgo', { hours: s.hours }), t('seriesNow')] }),
  );
}

/** The dashboard's history panel: one small chart per series over the last 24 hours. */
export function seriesPanel(s: SeriesAnswer): HTMLElement {
  return h(
    'section',
    { class: 'panel series-panel', data: { testid: 'series-panel' } },
    h('h2', null, t('seriesTitle', { hours: s.hours })),
    h('div', { class: 'series-grid' }, SERIES.map((x) => seriesFigure(s, x.field, x.title))),
  );
}

export const loadSeriesPanel = async (): Promise<HTMLElement | null> =>
  // An older server without the route: no panel rather than a broken dashboard.
  api<SeriesAnswer>('GET', '/api/dashboard/series?hours=24').then(seriesPanel, () => null);
