import { type Child, h } from './dom';
import { t, type Key } from './i18n';

export function section(title: Key, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', null, t(title)), ...children);
}

/** A table whose cells are text or nodes; never markup. */
export function table(headers: readonly (Key | '')[], rows: readonly (readonly Child[])[], empty: Key, testId?: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty', data: testId ? { testid: testId } : undefined }, t(empty));
  return h(
    'table',
    { data: testId ? { testid: testId } : undefined },
    h('thead', null, h('tr', null, headers.map((k) => h('th', { ...(k ? {} : { aria: { label: t('actions') } }) }, k ? t(k) : '')))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))),
  );
}

export function button(label: string, onClick: () => void, kind: 'primary' | 'danger' | 'plain' = 'plain', extra: Record<string, string> = {}): HTMLButtonElement {
  return h('button', { type: 'button', class: `btn ${kind}`, data: extra, on: { click: () => onClick() } }, label);
}

export function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge ${kind}` }, text);
}

export function card(label: Key, value: Child, hint?: Child, testId?: string): HTMLElement {
  return h('div', { class: 'card', data: testId ? { testid: testId } : undefined }, h('div', { class: 'card-label' }, t(label)), h('div', { class: 'card-value' }, value), hint ? h('div', { class: 'card-hint' }, hint) : null);
}
