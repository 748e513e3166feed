import { svg } from './dom';
import { when } from './format';

export interface ChartPoint {
  readonly at: number;
  /** null where the value could not be read: a gap in the line, not a zero. */
  readonly value: number | null;
}

export interface ChartOptions {
  /** The accessible name (aria-label, and the SVG's title for a tooltip). */
  readonly label: string;
  readonly width?: number;
  readonly height?: number;
  /** The time span drawn; by default from the first point to the last. */
  readonly from?: number;
  readonly to?: number;
  /** The labels under both ends of the time axis; by default the date and time there. */
  readonly ends?: readonly [string, string];
}

/** A small line chart of one series over time, drawn as SVG elements (no library, no markup strings). */
export function seriesChart(points: readonly ChartPoint[], o: ChartOptions): SVGElement {
  const W = o.width ?? 600;
  const H = o.height ?? 120;
  const pad = { l: 36, r: 8, t: 8, b: 18 };
  const known = points.filter((p): p is ChartPoint & { value: number } => p.value !== null);
  const max = Math.max(1, ...known.map((p) => p.value));
  const t0 = o.from ?? (points.length ? points[0].at : 0);
  const t1 = o.to ?? (points.length ? points[points.length - 1].at : 1);
  const x = (t: number) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  // A null point ends a run; the next known point starts a new one.
  const runs: Array<Array<ChartPoint & { value: number }>> = [];
  let run: Array<ChartPoint & { value: number }> = [];
  for (const p of points) {
    if (p.value === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(p as ChartPoint & { value: number });
  }
  if (run.length) runs.push(run);
  const lineOf = (r: ReadonlyArray<{ at: number; value: number }>) => r.map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const shapes = runs.flatMap((r) =>
    r.length === 1
      ? [svg('circle', { class: 'dot', cx: x(r[0].at), cy: y(r[0].value), r: 3 })]
      : [
          svg('path', { class: 'area', d: `${lineOf(r)} L${x(r[r.length - 1].at).toFixed(1)},${y(0)} L${x(r[0].at).toFixed(1)},${y(0)} Z` }),
          svg('path', { class: 'line', d: lineOf(r) }),
        ],
  );
  const text = (tx: number, ty: number, s: string, anchor = 'start') => {
    const el = svg('text', { x: tx, y: ty, 'text-anchor': anchor });
    el.textContent = s;
    return el;
  };
  const title = svg('title', {});
  title.textContent = o.label;
  const chart = svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' },
    title,
    svg('line', { class: 'axis', x1: pad.l, y1: y(0), x2: W - pad.r, y2: y(0) }),
    svg('line', { class: 'axis', x1: pad.l, y1: y(max), x2: W - pad.r, y2: y(max) }),
    text(pad.l - 4, y(max) + 4, String(max), 'end'),
    text(pad.l - 4, y(0) + 4, '0', 'end'),
    ...shapes,
    ...(o.ends ? [text(pad.l, H - 2, o.ends[0]), text(W - pad.r, H - 2, o.ends[1], 'end')] : points.length ? [text(pad.l, H - 2, when(t0)), text(W - pad.r, H - 2, when(t1), 'end')] : []),
  );
  chart.setAttribute('aria-label', o.label);
  return chart;
}

/** Queue totals over time (the queue panel's chart). */
export function lineChart(points: ReadonlyArray<{ at: number; total: number }>, label: string): SVGElement {
  return seriesChart(points.map((p) => ({ at: p.at, value: p.total })), { label });
}
