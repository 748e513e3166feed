import fs from 'node:fs';
import type * as http from 'node:http';
import path from 'node:path';
import type { Lang } from '../../../shared';
import type { AdminPort } from '../../core/ports';
import { GLOBAL } from '../../core/domains/domain-settings';
import type { LoadedPlugin } from '../../core/plugins/loaded-plugin';
import type { LocalizedText } from '../../core/plugins/manifest';
import { HttpError } from './http-error';
import { SECURITY_HEADERS } from './static-files';

/*
 * Plugins' pages in the console (contributes.consoleViews, see
 * shared/console-view.ts): the list the console builds its navigation from,
 * and the one file per view it imports. The host knows no plugin by name:
 * everything here comes from the loaded plugins' manifests.
 */

export const SCRIPT_PREFIX = '/console/plugins/';
/** The manifest schema's patterns: a plugin id, and a script name at the top of its folder. */
const ID = /^[a-z][a-z0-9-]{1,62}[a-z0-9]$/;
const SCRIPT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\.m?js$/;
/** A view script is a bundle of one page: anything larger is not one. */
const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;

/** One entry of GET /api/console/views (ConsoleViewEntry in the contract). */
export interface ConsoleViewEntry {
  readonly pluginId: string;
  readonly id: string;
  readonly title: string;
  readonly titles: { en: string; fr?: string; de?: string };
  readonly script: string;
}

function titlesOf(title: LocalizedText): { en: string; fr?: string; de?: string } {
  return typeof title === 'string' ? { en: title } : title;
}

/** Whether the plugin runs for the global scope or for at least one added domain: a view of a plugin enabled nowhere has nothing to show. */
export async function enabledAnywhere(app: AdminPort, p: LoadedPlugin): Promise<boolean> {
  if ((await app.settings.effective(GLOBAL, p)).enabled) return true;
  for (const d of await app.settings.listDomains()) if ((await app.settings.effective(d.name, p)).enabled) return true;
  return false;
}

/** The views of the loaded plugins enabled somewhere, in the registry's order, titled in `lang` (English when missing). */
export async function consoleViews(app: AdminPort, lang: Lang): Promise<ConsoleViewEntry[]> {
  const out: ConsoleViewEntry[] = [];
  for (const p of app.registry.active) {
    const views = p.manifest.contributes?.consoleViews ?? [];
    if (views.length === 0 || !(await enabledAnywhere(app, p))) continue;
    for (const v of views) {
      const titles = titlesOf(v.title);
      out.push({ pluginId: p.manifest.id, id: v.id, title: titles[lang] ?? titles.en, titles, script: `${SCRIPT_PREFIX}${p.manifest.id}/${v.script}` });
    }
  }
  return out;
}

/**
 * Answers `GET /console/plugins/<id>/<script>` with exactly a script the
 * plugin declares, read from the top of its folder; anything else is a 404
 * that says why. The URL parser has already folded `.`/`..` segments, and
 * the name patterns refuse separators and escapes; the file is opened without
 * following a symbolic link, so a link in the folder cannot point elsewhere.
 */
export async function servePluginScript(app: AdminPort, pathname: string, res: http.ServerResponse, head: boolean): Promise<void> {
  const [id, script, ...rest] = pathname.slice(SCRIPT_PREFIX.length).split('/');
  if (rest.length || !ID.test(id ?? '') || !SCRIPT.test(script ?? '')) throw new HttpError(404, `${pathname}: not a console view script (expected ${SCRIPT_PREFIX}<plugin id>/<script>.js)`);
  const p = app.registry.active.find((x) => x.manifest.id === id);
  if (!p) throw new HttpError(404, `${pathname}: no plugin "${id}" is loaded`);
  if (!(p.manifest.contributes?.consoleViews ?? []).some((v) => v.script === script)) throw new HttpError(404, `${pathname}: plugin "${id}" declares no console view script "${script}"`);
  // The plugin's own server code is never a page, even if its manifest names it so.
  if (script === p.manifest.entry) throw new HttpError(404, `${pathname}: ${script} is plugin "${id}"'s server code (its manifest's entry), not a console view script`);
  if (!(await enabledAnywhere(app, p))) throw new HttpError(404, `${pathname}: plugin "${id}" is enabled for no domain`);
  const body = await readOwnFile(p.dir, script, pathname);
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(head ? undefined : body);
}

async function readOwnFile(dir: string, name: string, pathname: string): Promise<Buffer> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path.join(dir, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ELOOP: the last component is a symbolic link, which a plugin's own file never needs to be.
    throw new HttpError(404, code === 'ELOOP' ? `${pathname}: the plugin's ${name} is a symbolic link; only a regular file in the plugin folder is served` : `${pathname}: the plugin declares ${name} but its folder has no such file`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new HttpError(404, `${pathname}: the plugin's ${name} is not a regular file`);
    if (st.size > MAX_SCRIPT_BYTES) throw new HttpError(404, `${pathname}: the plugin's ${name} is larger than ${MAX_SCRIPT_BYTES} bytes`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
