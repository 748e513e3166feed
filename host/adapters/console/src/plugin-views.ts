import type { ConsoleHttpMethod, ConsoleText, ConsoleViewApi, ConsoleViewEntry, ConsoleViewMount } from '../../../../shared/console-view';
import { api } from './api';
import { h } from './dom';
import { when } from './format';
import { lang, t } from './i18n';
import type { View, ViewContext } from './view';

/*
 * Pages that plugins ship (contributes.consoleViews): the console knows none
 * by name. It asks the admin server which views the loaded plugins offer,
 * routes `#/plugin/<plugin>/<view>` to one, imports its script and hands it
 * the ConsoleViewApi (shared/console-view.ts). A script that fails to load,
 * throws or rejects shows its error in its own panel; the rest keeps working.
 */

/** `/status`, `/entries?limit=10`: segments that cannot climb (`.`/`..`, `%2e`) nor reach another origin (`//`). */
const SCOPED = /^(\/[A-Za-z0-9_~{}-][A-Za-z0-9._~{}-]*)*\/?(\?[^#]*)?$/;

export function pickText(text: ConsoleText): string {
  return text[lang()] ?? text.en;
}

function fill(s: string, params: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** The API one view gets; the plugin id comes from the list, not from the script. */
function viewApi(entry: ConsoleViewEntry, ctx: ViewContext): ConsoleViewApi {
  return {
    pluginId: entry.pluginId,
    viewId: entry.id,
    lang: lang(),
    fetchJson<T>(method: ConsoleHttpMethod, path: string, body?: unknown): Promise<T> {
      if (!SCOPED.test(path) || path === '') return Promise.reject(new Error(`${entry.pluginId}: "${path}" is not a path below /api/plugins/${entry.pluginId} (it must start with / and have no "..", "%" or "//")`));
      return api<T>(method, `/api/plugins/${entry.pluginId}${path}`, body);
    },
    readHostJson<T>(path: string): Promise<T> {
      if (!path.startsWith('/api/') || !SCOPED.test(path)) return Promise.reject(new Error(`${entry.pluginId}: "${path}" is not an admin API path (it must start with /api/ and have no "..", "%" or "//")`));
      return api<T>('GET', path);
    },
    t: (text, params = {}) => fill(pickText(text), params),
    h,
    formatTime: (ms) => when(ms),
    notify: ctx.notify,
    confirm: ctx.confirm,
    refresh: ctx.refresh,
  };
}

/** Imports the script and mounts it; throws what went wrong, worded for the admin. */
async function mountScript(entry: ConsoleViewEntry, root: HTMLElement, ctx: ViewContext): Promise<void> {
  let mod: { default?: unknown };
  try {
    mod = (await import(entry.script)) as { default?: unknown };
  } catch (e) {
    throw new Error(t('pluginViewLoadFailed', { plugin: entry.pluginId, error: (e as Error).message }));
  }
  if (typeof mod.default !== 'function') throw new Error(t('pluginViewNoMount', { plugin: entry.pluginId, script: entry.script }));
  try {
    const cleanup = await (mod.default as ConsoleViewMount)(root, viewApi(entry, ctx));
    if (typeof cleanup === 'function') ctx.onLeave(cleanup);
  } catch (e) {
    throw new Error(t('pluginViewFailed', { plugin: entry.pluginId, error: (e as Error)?.message ?? String(e) }));
  }
}

/** A console screen backed by a plugin's script. */
export function pluginView(entry: ConsoleViewEntry): View {
  return {
    id: `plugin/${entry.pluginId}/${entry.id}`,
    title: () => pickText(entry.titles),
    async render(ctx) {
      const root = h('div', { class: 'plugin-view', data: { plugin: entry.pluginId, view: entry.id } });
      const panel = h('div', { class: 'view' }, root);
      try {
        await mountScript(entry, root, ctx);
      } catch (e) {
        root.replaceChildren(h('h1', null, pickText(entry.titles)), h('p', { class: 'form-error', role: 'alert', data: { testid: 'plugin-view-error' } }, (e as Error).message));
      }
      return panel;
    },
  };
}

/** The plugins' views as the server lists them now; none when the list cannot be read (the built-in screens still work). */
export async function loadPluginViews(): Promise<View[]> {
  try {
    return (await api<ConsoleViewEntry[]>('GET', '/api/console/views')).map(pluginView);
  } catch {
    return [];
  }
}
