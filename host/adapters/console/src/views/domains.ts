import { api, ApiError, enc } from '../api';
import { h } from '../dom';
import { t } from '../i18n';
import { schemaForm, type PropSchema } from '../schema-form';
import type { View, ViewContext } from '../view';
import { badge, button, section } from '../widgets';

interface DomainRow {
  name: string;
  default: boolean;
  locale?: string;
}

interface PluginRow {
  id: string;
  name: string;
  version: string;
  description: string;
  enabled: boolean;
  enabledFrom: 'domain' | 'global' | 'manifest';
  ownEnabled: boolean | null;
  configSchema: { properties?: Record<string, PropSchema> };
  config: Record<string, unknown>;
  overrides: Record<string, unknown>;
  problem?: string;
}

const GLOBAL = '*';

/** Domains, and per domain each plugin with its switch and its generated config form. */
export const domainsView: View = {
  id: 'domains',
  title: 'navDomains',
  async render(ctx) {
    const domains = await api<DomainRow[]>('GET', '/api/domains');
    const selected = ctx.args[0] ?? GLOBAL;
    const list = h(
      'ul',
      { class: 'domain-list', data: { testid: 'domains' } },
      [{ name: GLOBAL, default: false } as DomainRow, ...domains].map((d) =>
        h(
          'li',
          { class: d.name === selected ? 'active' : '' },
          h('a', { href: `#/domains/${enc(d.name)}`, data: { domain: d.name } }, d.name === GLOBAL ? t('allDomains') : d.name),
          d.default ? badge(t('default'), 'info') : null,
        ),
      ),
    );
    const name = h('input', { id: 'new-domain', name: 'domain', type: 'text', placeholder: 'example.org', autocomplete: 'off' });
    const nameError = h('p', { class: 'field-error', id: 'new-domain-error', role: 'alert', hidden: true });
    const add = h(
      'form',
      {
        class: 'inline-form',
        on: {
          submit: (e) => {
            e.preventDefault();
            api('POST', '/api/domains', { name: name.value }).then(
              (d: DomainRow) => ctx.go(`#/domains/${enc(d.name)}`),
              (err: ApiError) => {
                nameError.hidden = false;
                nameError.textContent = err.problems[0]?.message ?? err.message;
              },
            );
          },
        },
      },
      h('label', { for: 'new-domain' }, t('addDomain')),
      name,
      h('button', { type: 'submit', class: 'btn primary' }, t('add')),
      nameError,
    );
    const side = h('aside', { class: 'side' }, section('domainsCount', list, add));
    const main = h('div', { class: 'main-col' }, await domainPlugins(ctx, selected));
    return h('div', { class: 'view domains' }, h('h1', null, t('navDomains')), h('div', { class: 'split' }, side, main));
  },
};

async function domainPlugins(ctx: ViewContext, domain: string): Promise<HTMLElement> {
  let data: { plugins: PluginRow[]; failed: Array<{ id: string; stage: string; reason: string }> };
  try {
    data = await api('GET', `/api/domains/${enc(domain)}/plugins`);
  } catch (e) {
    return h('p', { class: 'form-error' }, (e as Error).message);
  }
  const head = h(
    'div',
    { class: 'domain-head' },
    h('h2', null, domain === GLOBAL ? t('globalDefaults') : t('pluginsFor', { domain })),
    domain === GLOBAL
      ? h('p', { class: 'muted' }, t('globalHint'))
      : button(t('removeDomain'), async () => {
          if (!(await ctx.confirm(t('confirmRemoveDomain', { domain }), t('remove')))) return;
          await api('DELETE', `/api/domains/${enc(domain)}`).then(() => ctx.go('#/domains'), (e: Error) => ctx.notify(e.message, 'error'));
        }, 'danger'),
  );
  const cards = data.plugins.map((p) => pluginCard(ctx, domain, p));
  const failed = data.failed.map((f) => h('div', { class: 'plugin failed' }, h('h3', null, f.id, ' ', badge(t('failed'), 'critical')), h('p', null, `[${f.stage}] ${f.reason}`)));
  return h('div', { data: { testid: 'plugins' } }, head, cards.length ? cards : h('p', { class: 'empty' }, t('noPlugins')), failed);
}

function pluginCard(ctx: ViewContext, domain: string, p: PluginRow): HTMLElement {
  const prefix = `cfg-${p.id}`;
  const form = schemaForm(prefix, p.configSchema, p.config, p.overrides);
  const sw = h('input', { type: 'checkbox', id: `enable-${p.id}`, class: 'switch', checked: p.enabled, role: 'switch', aria: { label: t('enableFor', { plugin: p.name }) } });
  sw.addEventListener('change', () => {
    api('PUT', `/api/domains/${enc(domain)}/plugins/${enc(p.id)}/enabled`, { enabled: sw.checked }).then(
      () => {
        ctx.notify(t(sw.checked ? 'enabledMsg' : 'disabledMsg', { plugin: p.name }));
        ctx.refresh();
      },
      (e: Error) => {
        sw.checked = !sw.checked;
        ctx.notify(e.message, 'error');
      },
    );
  });
  const from = p.enabledFrom === 'domain' ? t('fromDomain') : p.enabledFrom === 'global' ? t('fromGlobal') : t('fromManifest');
  const inherit = domain !== GLOBAL && p.ownEnabled !== null
    ? button(t('useGlobal'), () => {
        api('PUT', `/api/domains/${enc(domain)}/plugins/${enc(p.id)}/enabled`, { enabled: null }).then(() => ctx.refresh(), (e: Error) => ctx.notify(e.message, 'error'));
      })
    : null;
  const save = h('button', { type: 'button', class: 'btn primary', id: `${prefix}-save` }, t('save'));
  save.addEventListener('click', () => {
    const c = form.changes();
    if ('problems' in c) return form.showProblems(c.problems);
    if (Object.keys(c.values).length === 0) return ctx.notify(t('nothingChanged'));
    form.clearProblems();
    api('PATCH', `/api/domains/${enc(domain)}/plugins/${enc(p.id)}/config`, c.values).then(
      () => {
        ctx.notify(t('savedMsg', { plugin: p.name }));
        ctx.refresh();
      },
      (e: ApiError) => {
        form.showProblems(e.problems ?? [], e.message);
        ctx.notify(t('notSaved'), 'error');
      },
    );
  });
  const reset = Object.keys(p.overrides).length
    ? button(domain === GLOBAL ? t('resetDefaults') : t('resetGlobal'), async () => {
        if (!(await ctx.confirm(t('confirmReset', { plugin: p.name }), t('reset')))) return;
        api('PUT', `/api/domains/${enc(domain)}/plugins/${enc(p.id)}/config`, {}).then(() => ctx.refresh(), (e: Error) => ctx.notify(e.message, 'error'));
      })
    : null;
  const hasFields = Object.keys(p.configSchema.properties ?? {}).length > 0;
  return h(
    'article',
    { class: `plugin ${p.enabled ? 'on' : 'off'}`, id: `plugin-${p.id}`, data: { plugin: p.id } },
    h(
      'header',
      null,
      h('div', null, h('h3', null, p.name, ' ', h('span', { class: 'muted' }, `${p.id} ${p.version}`)), h('p', { class: 'muted' }, p.description)),
      h('label', { class: 'switch-label', for: `enable-${p.id}` }, sw, h('span', null, p.enabled ? t('on') : t('off')), h('small', { class: 'muted' }, from)),
      inherit,
    ),
    p.problem ? h('p', { class: 'form-error' }, t('storedInvalid', { problem: p.problem })) : null,
    hasFields ? h('details', { open: true }, h('summary', null, t('settings')), form.element, h('div', { class: 'actions' }, save, reset)) : h('p', { class: 'muted' }, t('noSettings')),
  );
}
