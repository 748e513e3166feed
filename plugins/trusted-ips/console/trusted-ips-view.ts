import type { ConsoleApiError, ConsoleChild, ConsoleText, ConsoleViewApi, ConsoleViewMount } from '../../../shared/console-view';
import { S } from './strings';

/*
 * The trusted-ips page of the admin console (manifest: contributes.consoleViews):
 * list, add with the breadth guard's messages next to the fields, remove with
 * a confirmation, and the plugin's audit trail. Talks only to the plugin's own
 * admin routes (admin-routes.ts), plus the host's domain list for the form.
 */

interface Entry {
  network: string;
  exclude: boolean;
  scope: string;
  label: string;
  addedBy: string;
  addedAt: string;
  expiresAt?: string;
  allowedSenderDomains?: string[];
  maxMessagesPerHour?: number;
}

interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  subject: string;
  domain?: string;
  reason?: string;
}

const mount: ConsoleViewMount = async (root, api) => {
  const { h, t } = api;
  const [entries, audit, domains] = await Promise.all([
    api.fetchJson<Entry[]>('GET', '/entries'),
    api.fetchJson<AuditEntry[]>('GET', '/audit?limit=100'),
    api.readHostJson<Array<{ name: string }>>('/api/domains'),
  ]);
  const section = (title: ConsoleText, ...children: ConsoleChild[]) => h('section', { class: 'panel' }, h('h2', null, t(title)), ...children);
  const table = (headers: readonly (ConsoleText | null)[], rows: readonly (readonly ConsoleChild[])[], empty: ConsoleText, testid: string) =>
    rows.length === 0
      ? h('p', { class: 'empty', data: { testid } }, t(empty))
      : h(
          'table',
          { data: { testid } },
          h('thead', null, h('tr', null, headers.map((k) => h('th', k ? null : { aria: { label: t(S.actions) } }, k ? t(k) : '')))),
          h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))),
        );
  const shown = (e: Entry) => `${e.exclude ? '!' : ''}${e.network}`;
  const rows = entries.map((e) => [
    h('span', { class: 'mono', data: { testid: 'trusted-network' } }, shown(e)),
    e.scope === '*' ? t(S.allDomains) : e.scope,
    e.label,
    e.allowedSenderDomains?.join(', ') ?? t(S.any),
    e.maxMessagesPerHour !== undefined ? String(e.maxMessagesPerHour) : '—',
    e.expiresAt ? api.formatTime(Date.parse(e.expiresAt)) : t(S.never),
    `${e.addedBy} · ${api.formatTime(Date.parse(e.addedAt))}`,
    h(
      'button',
      {
        type: 'button',
        class: 'btn danger',
        data: { action: 'remove-trusted', network: e.network },
        on: {
          click: async () => {
            if (!(await api.confirm(t(S.confirmRemove, { network: shown(e) }), t(S.remove)))) return;
            api.fetchJson('POST', '/entries/remove', { network: e.network, exclude: e.exclude, ...(e.scope !== '*' ? { domain: e.scope } : {}) }).then(
              () => (api.notify(t(S.removed, { network: e.network })), api.refresh()),
              (err: Error) => api.notify(err.message, 'error'),
            );
          },
        },
      },
      t(S.remove),
    ),
  ]);
  const auditRows = audit.map((e) => [api.formatTime(e.at), e.actor, h('code', null, e.action), h('span', { class: 'mono' }, e.subject), e.domain ?? '', e.reason ?? '']);
  root.replaceChildren(
    h('h1', null, t(S.title)),
    h('p', { class: 'muted' }, t(S.hint)),
    section(S.list, table([S.network, S.domain, S.label, S.senderDomains, S.maxPerHour, S.expires, S.added, null], rows, S.none, 'trusted')),
    section(S.addTitle, addForm(api, domains)),
    section(S.auditTrail, table([S.time, S.actor, S.action, S.subject, S.domain, S.reason], auditRows, S.noAudit, 'audit')),
  );
};
export default mount;

function addForm(api: ConsoleViewApi, domains: ReadonlyArray<{ name: string }>): HTMLElement {
  const { h, t } = api;
  const field = (id: string, label: string, input: HTMLElement) => {
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
    return { row: h('div', { class: 'field', data: { key: id } }, h('label', { for: id }, label), input, error), error, input };
  };
  const network = field('ti-network', t(S.network), h('input', { id: 'ti-network', type: 'text', placeholder: '192.0.2.0/24 · 2001:db8::/56 · !192.0.2.9', autocomplete: 'off' }));
  const domain = field('ti-domain', t(S.domain), h('select', { id: 'ti-domain' }, h('option', { value: '' }, t(S.allDomains)), domains.map((d) => h('option', { value: d.name }, d.name))));
  const label = field('ti-label', t(S.label), h('input', { id: 'ti-label', type: 'text' }));
  const expires = field('ti-expires', t(S.expires), h('input', { id: 'ti-expires', type: 'text', placeholder: '7d · 2026-12-31' }));
  const senders = field('ti-senderDomains', t(S.senderDomains), h('input', { id: 'ti-senderDomains', type: 'text', placeholder: 'example.org, example.net' }));
  const cap = field('ti-maxPerHour', t(S.maxPerHour), h('input', { id: 'ti-maxPerHour', type: 'number', min: '1', step: '1' }));
  const force = h('input', { id: 'ti-force', type: 'checkbox' });
  const reason = field('ti-reason', t(S.reason), h('input', { id: 'ti-reason', type: 'text', placeholder: t(S.forceReasonPlaceholder) }));
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true, data: { testid: 'trusted-error' } });
  // Keyed by the API's field names, so a problem's JSON pointer finds its field.
  const all = { network, domain, label, expires, senderDomains: senders, maxPerHour: cap, reason };
  const val = (f: { input: HTMLElement }) => (f.input as HTMLInputElement).value.trim();
  const submit = () => {
    formError.hidden = true;
    for (const f of Object.values(all)) f.error.hidden = true;
    const raw = val(network);
    const body = {
      network: raw.startsWith('!') ? raw.slice(1) : raw,
      ...(raw.startsWith('!') ? { exclude: true } : {}),
      ...(val(domain) ? { domain: val(domain) } : {}),
      ...(val(label) ? { label: val(label) } : {}),
      ...(val(expires) ? { expires: val(expires) } : {}),
      ...(val(senders) ? { senderDomains: val(senders).split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      ...(val(cap) ? { maxPerHour: Number(val(cap)) } : {}),
      ...(force.checked ? { force: true } : {}),
      ...(val(reason) ? { reason: val(reason) } : {}),
    };
    api.fetchJson<{ applied: boolean; applyError?: string }>('POST', '/entries', body).then(
      (r) => {
        api.notify(r.applied ? t(S.addedApplied, { network: body.network }) : t(S.notApplied, { error: r.applyError ?? '' }), r.applied ? 'ok' : 'error');
        api.refresh();
      },
      (e: ConsoleApiError) => {
        let placed = false;
        for (const p of e.problems ?? []) {
          const f = all[p.path.slice(1) as keyof typeof all];
          if (f) {
            f.error.hidden = false;
            f.error.textContent = p.message;
            placed = true;
          }
        }
        if (!placed) {
          formError.hidden = false;
          formError.textContent = e.message;
        }
      },
    );
  };
  return h(
    'form',
    { class: 'schema-form', id: 'trusted-form', on: { submit: (e) => (e.preventDefault(), submit()) } },
    formError,
    network.row,
    domain.row,
    label.row,
    expires.row,
    senders.row,
    cap.row,
    h('div', { class: 'field inline' }, h('label', { for: 'ti-force' }, t(S.forceWide)), force),
    reason.row,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'ti-add' }, t(S.add))),
  );
}
