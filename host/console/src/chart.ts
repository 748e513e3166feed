import { svg } from './dom';
import { when } from './format';

/** A small line chart of queue totals over time, drawn as SVG elements (no library, no markup strings). */
export function lineChart(points: ReadonlyArray<{ at: number; total: number }>, label: string): SVGElement {
  const W = 600;
  const H = 120;
  const pad = { l: 36, r: 8, t: 8, b: 18 };
  const max = Math.max(1, ...points.map((p) => p.total));
  const t0 = points.length ? points[0].at : 0;
  const t1 = points.length ? points[points.length - 1].at : 1;
  const x = (t: number) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.total).toFixed(1)}`).join(' ');
  const area = points.length ? `${line} L${x(t1).toFixed(1)},${y(0)} L${x(t0).toFixed(1)},${y(0)} Z` : '';
  const text = (tx: number, ty: number, s: string, anchor = 'start') => {
    const el = svg('text', { x: tx, y: ty, 'text-anchor': anchor });
    el.textContent = s;
    return el;
  };
  const chart = svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' },
    svg('line', { class: 'axis', x1: pad.l, y1: y(0), x2: W - pad.r, y2: y(0) }),
    svg('line', { class: 'axis', x1: pad.l, y1: y(max), x2: W - pad.r, y2: y(max) }),
    text(pad.l - 4, y(max) + 4, String(max), 'end'),
    text(pad.l - 4, y(0) + 4, '0', 'end'),
    ...(points.length > 1 ? [svg('path', { class: 'area', d: area }), svg('path', { class: 'line', d: line })] : []),
    ...(points.length === 1 ? [svg('circle', { class: 'dot', cx: x(t0), cy: y(points[0].total), r: 3 })] : []),
    ...(points.length ? [text(pad.l, H - 2, when(t0)), text(W - pad.r, H - 2, when(t1), 'end')] : []),
  );
  chart.setAttribute('aria-label', label);
  return chart;
}
