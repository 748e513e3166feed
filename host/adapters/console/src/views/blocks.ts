import { api } from '../api';
import { h } from '../dom';
import { untilText, when } from '../format';
import { t } from '../i18n';
import type { View, ViewContext } from '../view';
import { button, section, table } from '../widgets';

interface Block {
  key: string;
  domain: string;
  login?: string;
  network?: string;
  reason: string;
  source: string;
  createdAt: number;
  expiresAt: number;
  strikes: number;
}

interface Lock {
  login: string;
  reason: string;
  by: string;
  at: number;
  until?: number;
}

/** Blocks and accounts: unblock, lock/unlock, log out. */
export const blocksView: View = {
  id: 'blocks',
  title: 'navBlocks',
  async render(ctx) {
    const [blocks, locks] = await Promise.all([api<Block[]>('GET', '/api/blocks'), api<Lock[]>('GET', '/api/accounts/locks')]);
    const act = (p: Promise<unknown>, ok: string) => p.then(() => (ctx.notify(ok), ctx.refresh()), (e: Error) => ctx.notify(e.message, 'error'));
    const blockRows = blocks.map((b) => [
      b.domain,
      h('span', { class: 'mono' }, b.login ?? ''),
      h('span', { class: 'mono' }, b.network ?? ''),
      b.reason,
      b.source,
      when(b.createdAt),
      when(b.expiresAt),
      button(t('unblock'), () => act(api('POST', '/api/blocks/clear', { key: b.key, domain: b.domain }), t('unblocked', { subject: b.login ?? b.network ?? b.key })), 'plain', { action: 'unblock', key: b.key }),
    ]);
    const clearAll = blocks.length
      ? button(t('clearAll'), async () => {
          if (await ctx.confirm(t('confirmClearAll', { n: blocks.length }), t('clearAll'))) act(api('POST', '/api/blocks/clear', { all: true }), t('clearedN', { n: blocks.length }));
        }, 'danger')
      : null;
    const lockRows = locks.map((l) => [
      h('span', { class: 'mono', data: { testid: 'locked-login' } }, l.login),
      l.reason,
      l.by,
      when(l.at),
      untilText(l.until),
      h(
        'span',
        { class: 'row-actions' },
        button(t('unlock'), () => act(api('POST', '/api/accounts/unlock', { login: l.login }), t('unlockedMsg', { login: l.login })), 'plain', { action: 'unlock' }),
        button(t('logout'), () => act(api('POST', '/api/accounts/logout', { login: l.login }), t('loggedOutMsg', { login: l.login })), 'plain', { action: 'logout' }),
      ),
    ]);
    return h(
      'div',
      { class: 'view' },
      h('h1', null, t('navBlocks')),
      section('activeBlocks', h('div', { class: 'toolbar' }, clearAll), table(['domain', 'login', 'network', 'reason', 'source', 'since', 'expires', ''], blockRows, 'noBlocks', 'blocks')),
      section('lockedAccounts', table(['login', 'reason', 'by', 'since', 'until', ''], lockRows, 'noLocks', 'locks')),
      section('accountActions', accountForm(ctx)),
    );
  },
};

function accountForm(ctx: ViewContext): HTMLElement {
  const login = h('input', { id: 'acct-login', name: 'login', type: 'text', placeholder: 'user@example.org', autocomplete: 'off' });
  const reason = h('input', { id: 'acct-reason', name: 'reason', type: 'text', placeholder: t('reasonPlaceholder') });
  const minutes = h('input', { id: 'acct-minutes', name: 'minutes', type: 'number', min: '1', step: '1', placeholder: t('minutesPlaceholder') });
  const error = h('p', { class: 'field-error', id: 'acct-error', role: 'alert', hidden: true });
  const run = (path: string, body: Record<string, unknown>, ok: string) => {
    error.hidden = true;
    api('POST', path, body).then(
      () => (ctx.notify(ok), ctx.refresh()),
      (e: Error & { problems?: Array<{ message: string; path: string }> }) => {
        error.hidden = false;
        error.textContent = e.problems?.length ? e.problems.map((p) => `${p.path.slice(1)}: ${p.message}`).join('; ') : e.message;
      },
    );
  };
  const lock = () => run('/api/accounts/lock', { login: login.value, ...(reason.value ? { reason: reason.value } : {}), ...(minutes.value ? { minutes: Number(minutes.value) } : {}) }, t('lockedMsg', { login: login.value }));
  return h(
    'form',
    { class: 'grid-form', on: { submit: (e) => (e.preventDefault(), lock()) } },
    h('label', { for: 'acct-login' }, t('login')),
    login,
    h('label', { for: 'acct-reason' }, t('reason')),
    reason,
    h('label', { for: 'acct-minutes' }, t('minutes')),
    minutes,
    error,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn danger' }, t('lock')),
      button(t('unlock'), () => run('/api/accounts/unlock', { login: login.value }, t('unlockedMsg', { login: login.value }))),
      button(t('logout'), () => run('/api/accounts/logout', { login: login.value }, t('loggedOutMsg', { login: login.value }))),
    ),
  );
}
