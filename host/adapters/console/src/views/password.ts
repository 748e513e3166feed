import { api, ApiError } from '../api';
import { clear, h } from '../dom';
import { lang, t } from '../i18n';
import type { View } from '../view';
import { badge, section } from '../widgets';

interface Verdict {
  ok: boolean;
  login: string;
  domain: string;
  policies: string[];
  violations: Array<{ rule: string; text: string; plugin?: string }>;
}

/** Tries a password against a domain's policy; the password goes to the server only, never into the page or storage. */
export const passwordView: View = {
  id: 'password',
  title: 'navPassword',
  async render() {
    const domains = await api<Array<{ name: string; default: boolean }>>('GET', '/api/domains');
    const domain = h('select', { id: 'pw-domain', name: 'domain' }, domains.map((d) => h('option', { value: d.name, selected: d.default }, d.name)));
    const login = h('input', { id: 'pw-login', name: 'login', type: 'text', autocomplete: 'off', placeholder: 'user' });
    const name = h('input', { id: 'pw-name', name: 'displayName', type: 'text', autocomplete: 'off', placeholder: t('displayNamePlaceholder') });
    const password = h('input', { id: 'pw-password', name: 'password', type: 'password', autocomplete: 'new-password' });
    const result = h('div', { id: 'pw-result', class: 'pw-result', aria: { live: 'polite' } });
    const check = () => {
      clear(result);
      api<Verdict>('POST', '/api/password/check', {
        domain: domain.value,
        login: login.value || 'user',
        password: password.value,
        ...(name.value ? { displayName: name.value } : {}),
        lang: lang(),
      }).then(
        (v) => {
          if (v.policies.length === 0) result.append(h('p', { class: 'muted', data: { testid: 'pw-nopolicy' } }, t('noPolicy', { domain: v.domain })));
          result.append(
            v.ok
              ? h('p', { class: 'pw-ok', data: { testid: 'pw-ok' } }, badge(t('accepted'), 'ok'), ' ', t('passwordOk'))
              : h('ul', { class: 'violations', data: { testid: 'pw-violations' } }, v.violations.map((x) => h('li', { data: { rule: x.rule } }, x.text))),
          );
        },
        (e: ApiError) => result.append(h('p', { class: 'form-error' }, e.problems.length ? e.problems.map((p) => `${p.path.slice(1)}: ${p.message}`).join('; ') : e.message)),
      );
    };
    const form = h(
      'form',
      { class: 'grid-form', on: { submit: (e) => (e.preventDefault(), check()) } },
      h('label', { for: 'pw-domain' }, t('domain')),
      domain,
      h('label', { for: 'pw-login' }, t('login')),
      login,
      h('label', { for: 'pw-name' }, t('displayName')),
      name,
      h('label', { for: 'pw-password' }, t('candidatePassword')),
      password,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'pw-check' }, t('check'))),
    );
    return h('div', { class: 'view' }, h('h1', null, t('navPassword')), section('passwordTester', h('p', { class: 'muted' }, t('passwordHint')), form, result));
  },
};
