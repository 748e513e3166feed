import { api } from '../api';
import { h } from '../dom';
import { when, untilText } from '../format';
import { t } from '../i18n';
import type { View } from '../view';
import { badge, card, section, table } from '../widgets';
import { alertList, type Alert } from './alerts';
import { dashboardExtras } from './dashboard-extras';

interface Dashboard {
  at: number;
  blocks: { count: number; latest: Array<{ key: string; domain: string; login?: string; network?: string; reason: string; source: string; expiresAt: number }> };
  locks: { count: number; latest: Array<{ login: string; reason: string; by: string; at: number; until?: number }> };
  alerts: Alert[];
  plugins: { active: string[]; failed: Array<{ id: string; reason: string }> };
  domains: number;
  suspects: Array<{ kind: 'account' | 'network'; who: string; source: string; subject: string; severity: string; at: number }>;
}

/** The incident screen: what is blocked, who is locked, what was said, and the way to act. */
export const dashboardView: View = {
  id: 'dashboard',
  title: 'navDashboard',
  async render(ctx) {
    const d = await api<Dashboard>('GET', '/api/dashboard');
    const extras = await Promise.all(dashboardExtras.map((x) => x(ctx)));
    return h(
      'div',
      { class: 'view dashboard' },
      h('h1', null, t('navDashboard')),
      h(
        'div',
        { class: 'cards' },
        card('activeBlocks', String(d.blocks.count), h('a', { href: '#/blocks' }, t('manage')), 'card-blocks'),
        card('lockedAccounts', String(d.locks.count), h('a', { href: '#/blocks' }, t('manage')), 'card-locks'),
        card('pluginsActive', String(d.plugins.active.length), d.plugins.failed.length ? badge(t('failedCount', { n: d.plugins.failed.length }), 'critical') : t('noneFailed'), 'card-plugins'),
        card('domainsCount', String(d.domains), h('a', { href: '#/domains' }, t('manage'))),
      ),
      extras.filter((x): x is HTMLElement => x !== null),
      d.plugins.failed.length
        ? section('failedPlugins', table(['plugin', 'reason'], d.plugins.failed.map((f) => [f.id, f.reason]), 'none'))
        : null,
      h(
        'div',
        { class: 'columns' },
        section('recentAlerts', alertList(d.alerts)),
        section(
          'suspects',
          h('h3', { class: 'sub' }, t('overLimits')),
          table(
            ['subject', 'source', 'time'],
            d.suspects.map((x) => [h('span', { class: 'mono' }, x.who), x.source, when(x.at)]),
            'noOverLimits',
            'over-limits',
          ),
          h('h3', { class: 'sub' }, t('lockedAccounts')),
          table(
            ['login', 'reason', 'until'],
            d.locks.latest.map((l) => [h('span', { class: 'mono' }, l.login), l.reason, untilText(l.until)]),
            'noSuspects',
            'suspects',
          ),
          h('h3', { class: 'sub' }, t('latestBlocks')),
          table(
            ['subject', 'reason', 'expires'],
            d.blocks.latest.map((b) => [h('span', { class: 'mono' }, b.login ?? b.network ?? b.key), b.reason, when(b.expiresAt)]),
            'noBlocks',
            'dashboard-blocks',
          ),
        ),
      ),
    );
  },
};
