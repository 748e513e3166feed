import { api, enc } from '../api';
import { h } from '../dom';
import { when } from '../format';
import { t } from '../i18n';
import type { View } from '../view';
import { badge, section, table } from '../widgets';

export interface Alert {
  id: string;
  at: number;
  subject: string;
  text: string;
  severity: 'info' | 'warning' | 'critical';
  source?: string;
  domain?: string;
  suppressed?: number;
}

interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  subject: string;
  domain?: string;
  reason?: string;
}

export function alertList(alerts: readonly Alert[]): HTMLElement {
  if (alerts.length === 0) return h('p', { class: 'empty' }, t('noAlerts'));
  return h(
    'ul',
    { class: 'alerts', data: { testid: 'alerts' } },
    alerts.map((a) =>
      h(
        'li',
        { class: `alert ${a.severity}` },
        h('div', { class: 'alert-head' }, badge(t(a.severity), a.severity), h('strong', null, a.subject), h('span', { class: 'muted' }, when(a.at), a.source ? ` · ${a.source}` : '', a.domain ? ` · ${a.domain}` : '')),
        h('pre', { class: 'alert-text' }, a.text),
      ),
    ),
  );
}

export function auditTable(entries: readonly AuditEntry[]): HTMLElement {
  return table(
    ['time', 'actor', 'action', 'subject', 'domain', 'reason'],
    entries.map((e) => [when(e.at), e.actor, h('code', null, e.action), h('span', { class: 'mono' }, e.subject), e.domain ?? '', e.reason ?? '']),
    'noAudit',
    'audit',
  );
}

/** The alert feed and the audit trail. */
export const alertsView: View = {
  id: 'alerts',
  title: 'navAlerts',
  async render() {
    const [alerts, audit] = await Promise.all([api<Alert[]>('GET', '/api/alerts?limit=100'), api<AuditEntry[]>('GET', `/api/audit?limit=${enc(200)}`)]);
    return h('div', { class: 'view' }, h('h1', null, t('navAlerts')), section('recentAlerts', alertList(alerts)), section('auditTrail', auditTable(audit)));
  },
};
