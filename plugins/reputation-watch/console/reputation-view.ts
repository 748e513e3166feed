import type { ConsoleChild, ConsoleText, ConsoleViewMount } from '../../../shared/console-view';
import { KIND, S, STATUS } from './strings';

/*
 * The reputation-watch page of the admin console: the outbound addresses, each
 * listing per list with when it was first seen, the evidence and the removal
 * link, the last DNSBL answers, and the latest remote refusals. It reads what
 * `mailwarden reputation status --json` prints (GET /api/plugins/reputation-watch/status);
 * asking the lists stays with the service and `reputation check`.
 */

/** status.ts's StatusReport, as JSON. */
interface Listing {
  ip: string;
  source: string;
  kind: string;
  via: Array<'refusals' | 'dnsbl'>;
  firstSeen: number;
  lastSeen: number;
  refusals: number;
  code?: string;
  subLists?: string[];
  listReason?: string;
  delistUrl?: string;
  receivingDomains: string[];
  evidence: string[];
  incident?: { openedAt: number; alertedAt?: number };
}
interface Check {
  zone: string;
  ip: string;
  status: string;
  subLists: string[];
  reason?: string;
  detail?: string;
  checkedAt: number;
}
interface Status {
  outbound?: { ips: string[]; source: string; problem?: string; at?: number };
  listings: Listing[];
  checks: Check[];
}

/** How many refusal lines the page shows: the latest, across every address and list. */
const RECENT = 20;
/** Only web links: a removal URL may come from a list's own text. */
const WEB = /^https?:\/\//i;

const mount: ConsoleViewMount = async (root, api) => {
  const { h, t } = api;
  const status = await api.fetchJson<Status>('GET', '/status');
  const section = (title: ConsoleText, testid: string, ...children: ConsoleChild[]) => h('section', { class: 'panel', data: { testid } }, h('h2', null, t(title)), ...children);
  const table = (headers: readonly ConsoleText[], rows: readonly HTMLElement[], empty: ConsoleText, testid: string) =>
    rows.length === 0
      ? h('p', { class: 'empty', data: { testid } }, t(empty))
      : h('table', { data: { testid } }, h('thead', null, h('tr', null, headers.map((k) => h('th', null, t(k))))), h('tbody', null, rows));
  const word = (dict: Record<string, ConsoleText>, key: string) => (dict[key] ? t(dict[key]) : key);

  const o = status.outbound;
  const outbound = o
    ? h('p', { data: { testid: 'rw-outbound' } }, h('span', { class: 'mono' }, o.ips.join(', ') || t(S.outboundNone)), ' ', h('span', { class: 'muted' }, t(S.source, { source: o.source }), o.at !== undefined ? ` · ${api.formatTime(o.at)}` : ''), o.problem ? h('p', { class: 'form-error' }, o.problem) : null)
    : h('p', { class: 'muted', data: { testid: 'rw-outbound' } }, t(S.outboundUnknown));

  // Listings grouped by our address, one row per list, its evidence folded below it.
  const listingRows = [...status.listings]
    .sort((a, b) => (a.ip === b.ip ? b.lastSeen - a.lastSeen : a.ip < b.ip ? -1 : 1))
    .flatMap((l) => {
      const removal = l.delistUrl && WEB.test(l.delistUrl) ? h('a', { href: l.delistUrl, data: { testid: 'rw-removal' } }, t(S.removalLink)) : '—';
      const row = h(
        'tr',
        { data: { testid: 'rw-listing', ip: l.ip, list: l.source } },
        h('td', { class: 'mono' }, l.ip),
        h('td', null, h('strong', null, l.source), l.code ? ` ${l.code}` : '', l.subLists?.length ? h('div', { class: 'muted' }, l.subLists.join(', ')) : null),
        h('td', null, word(KIND, l.kind), l.incident ? h('div', null, h('span', { class: 'badge critical', data: { testid: 'rw-incident' } }, t(S.incidentOpen))) : null),
        h('td', null, l.via.map((v) => t(v === 'dnsbl' ? S.viaDnsbl : S.viaRefusals)).join(' + ')),
        h('td', { data: { testid: 'rw-first-seen' } }, api.formatTime(l.firstSeen)),
        h('td', null, api.formatTime(l.lastSeen)),
        h('td', null, String(l.refusals)),
        h('td', null, removal),
      );
      const facts: ConsoleChild[] = [
        l.listReason ? h('p', null, t(S.listSays, { reason: l.listReason })) : null,
        l.receivingDomains.length ? h('p', null, t(S.refusedBy, { domains: l.receivingDomains.join(', ') })) : null,
        l.evidence.length ? h('details', null, h('summary', null, `${t(S.evidence)} (${l.evidence.length})`), h('pre', { class: 'alert-text', data: { testid: 'rw-evidence' } }, l.evidence.join('\n'))) : null,
      ];
      if (!facts.some(Boolean)) return [row];
      const wide = h('td', null, facts);
      wide.colSpan = 7;
      return [row, h('tr', { class: 'detail', data: { testid: 'rw-listing-detail', ip: l.ip, list: l.source } }, h('td', null), wide)];
    });

  const checkRows = status.checks.map((c) =>
    h(
      'tr',
      { data: { testid: 'rw-check', ip: c.ip, list: c.zone, status: c.status } },
      h('td', { class: 'mono' }, c.ip),
      h('td', null, c.zone),
      h('td', null, c.status === 'listed' ? h('strong', null, word(STATUS, c.status)) : word(STATUS, c.status)),
      h('td', null, api.formatTime(c.checkedAt)),
      h('td', null, c.status === 'listed' ? [c.subLists.join(', '), c.reason ?? ''].filter(Boolean).join(' ') : (c.detail ?? '')),
    ),
  );

  // Evidence lines begin with their ISO time: sorting the text sorts them by time.
  const recentRows = status.listings
    .flatMap((l) => l.evidence.map((line) => ({ l, line })))
    .sort((a, b) => (a.line < b.line ? 1 : a.line > b.line ? -1 : 0))
    .slice(0, RECENT)
    .map(({ l, line }) => h('tr', { data: { testid: 'rw-refusal' } }, h('td', { class: 'mono' }, l.ip), h('td', null, l.source), h('td', { class: 'mono' }, line)));

  root.replaceChildren(
    h('h1', null, t(S.title)),
    h('p', { class: 'muted' }, t(S.hint)),
    section(S.outbound, 'rw-outbound-panel', outbound),
    section(S.listings, 'rw-listings-panel', table([S.address, S.list, S.kind, S.seenBy, S.firstSeen, S.lastSeen, S.refusalsCount, S.removal], listingRows, S.noListings, 'rw-listings')),
    section(S.recent, 'rw-recent-panel', table([S.address, S.list, S.line], recentRows, S.noRecent, 'rw-recent')),
    section(S.checks, 'rw-checks-panel', table([S.address, S.list, S.answer, S.checked, S.detail], checkRows, S.noChecks, 'rw-checks')),
  );
};
export default mount;
