import { api, ApiError } from '../api';
import { h } from '../dom';
import { when } from '../format';
import { t } from '../i18n';
import type { View, ViewContext } from '../view';
import { button, section, table } from '../widgets';
import { auditTable } from './alerts';

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
  forceReason?: string;
}

const BASE = '/api/plugins/trusted-ips';

/** Trusted relay hosts (the trusted-ips plugin): list, add with the breadth guard's messages, remove, audit trail. */
export const trustedIpsView: View = {
  id: 'trusted',
  title: 'navTrusted',
  async render(ctx) {
    let entries: Entry[];
    let audit: Parameters<typeof auditTable>[0];
    try {
      [entries, audit] = await Promise.all([api<Entry[]>('GET', `${BASE}/entries`), api('GET', `${BASE}/audit?limit=100`)]);
    } catch (e) {
      const missing = e instanceof ApiError && e.status === 404;
      return h('div', { class: 'view' }, h('h1', null, t('navTrusted')), h('p', { class: missing ? 'muted' : 'form-error' }, missing ? t('trustedMissing') : (e as Error).message));
    }
    const rows = entries.map((e) => [
      h('span', { class: 'mono', data: { testid: 'trusted-network' } }, `${e.exclude ? '!' : ''}${e.network}`),
      e.scope === '*' ? t('allDomainsShort') : e.scope,
      e.label,
      e.allowedSenderDomains?.join(', ') ?? t('any'),
      e.maxMessagesPerHour !== undefined ? String(e.maxMessagesPerHour) : '—',
      e.expiresAt ? when(Date.parse(e.expiresAt)) : t('never'),
      `${e.addedBy} · ${when(Date.parse(e.addedAt))}`,
      button(
        t('remove'),
        async () => {
          if (!(await ctx.confirm(t('confirmRemoveTrusted', { network: `${e.exclude ? '!' : ''}${e.network}` }), t('remove')))) return;
          api('POST', `${BASE}/entries/remove`, { network: e.network, exclude: e.exclude, ...(e.scope !== '*' ? { domain: e.scope } : {}) }).then(
            () => (ctx.notify(t('trustedRemoved', { network: e.network })), ctx.refresh()),
            (err: Error) => ctx.notify(err.message, 'error'),
          );
        },
        'danger',
        { action: 'remove-trusted', network: e.network },
      ),
    ]);
    return h(
      'div',
      { class: 'view' },
      h('h1', null, t('navTrusted')),
      h('p', { class: 'muted' }, t('trustedHint')),
      section('trustedList', table(['network', 'domain', 'label', 'senderDomains', 'maxPerHour', 'expires', 'added', ''], rows, 'noTrusted', 'trusted')),
      section('addTrusted', await addForm(ctx)),
      section('auditTrail', auditTable(audit)),
    );
  },
};

async function addForm(ctx: ViewContext): Promise<HTMLElement> {
  const domains = await api<Array<{ name: string }>>('GET', '/api/domains');
  const field = (id: string, label: string, input: HTMLElement) => {
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
    return { row: h('div', { class: 'field', data: { key: id } }, h('label', { for: id }, label), input, error), error, input };
  };
  const network = field('ti-network', t('network'), h('input', { id: 'ti-network', type: 'text', placeholder: '192.0.2.0/24 · 2001:db8::/56 · !192.0.2.9', autocomplete: 'off' }));
  const domain = field('ti-domain', t('domain'), h('select', { id: 'ti-domain' }, h('option', { value: '' }, t('allDomainsShort')), domains.map((d) => h('option', { value: d.name }, d.name))));
  const label = field('ti-label', t('label'), h('input', { id: 'ti-label', type: 'text' }));
  const expires = field('ti-expires', t('expires'), h('input', { id: 'ti-expires', type: 'text', placeholder: '7d · 2026-12-31' }));
  const senders = field('ti-senderDomains', t('senderDomains'), h('input', { id: 'ti-senderDomains', type: 'text', placeholder: 'example.org, example.net' }));
  const cap = field('ti-maxPerHour', t('maxPerHour'), h('input', { id: 'ti-maxPerHour', type: 'number', min: '1', step: '1' }));
  const force = h('input', { id: 'ti-force', type: 'checkbox' });
  const reason = field('ti-reason', t('reason'), h('input', { id: 'ti-reason', type: 'text', placeholder: t('forceReasonPlaceholder') }));
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true, data: { testid: 'trusted-error' } });
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
    api<{ applied: boolean; applyError?: string }>('POST', `${BASE}/entries`, body).then(
      (r) => {
        ctx.notify(r.applied ? t('trustedAdded', { network: body.network }) : t('trustedNotApplied', { error: r.applyError ?? '' }), r.applied ? 'ok' : 'error');
        ctx.refresh();
      },
      (e: ApiError) => {
        let placed = false;
        for (const p of e.problems) {
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
    h('div', { class: 'field inline' }, h('label', { for: 'ti-force' }, t('forceWide')), force),
    reason.row,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'ti-add' }, t('add'))),
  );
}
