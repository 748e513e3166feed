/// <reference lib="dom" />
/*
 * A plugin's page in the admin console: the contract between the console and
 * the browser code a plugin ships. Types only, and no Node import, so a view
 * script (`import type … from '<contract>/console-view'`) bundles for the
 * browser with nothing of the host in it. The Node programs do not compile
 * this file (tsconfig.json excludes it: it needs the DOM lib); the console's
 * and the views' own tsconfigs check it.
 *
 * Declaring a view, in the plugin's manifest.json:
 *
 *     "contributes": { "consoleViews": [
 *       { "id": "status", "title": { "en": "Status", "fr": "État", "de": "Status" }, "script": "console-status.js" }
 *     ] }
 *
 * `script` is a file at the top of the plugin's folder (no sub-folder): an ES
 * module whose default export is a {@link ConsoleViewMount}. The bundled
 * plugins write it in `plugins/<id>/console/<name>.ts`, and build.mjs bundles
 * it to `<name>.js` beside the plugin's index.js; a third-party plugin ships
 * the built file however it likes. The admin server serves exactly the
 * declared file, at `/console/plugins/<id>/<script>`, and only while the
 * plugin is loaded and enabled for the global scope or at least one domain.
 *
 * A view script runs in the console's page with the admin's session: it is as
 * trusted as the plugin's server code. The console's Content-Security-Policy
 * allows scripts from its own origin only: no inline script, no CDN, no eval.
 * Build the page with {@link ConsoleViewApi.h} (never innerHTML), so a login
 * or a log line is always shown as text. The console's stylesheet applies to
 * the view: `panel` (a section with an h2), `empty`, `muted`, `mono`,
 * `btn primary|danger|plain`, `badge critical|warning|ok`, `form-error`,
 * `schema-form` with `field`/`field-error`/`actions`, plain tables.
 *
 * Examples: plugins/trusted-ips/console (a list, a form with the API's field
 * errors, a confirmation) and plugins/reputation-watch/console (read-only).
 */

/** The console's languages. */
export type ConsoleLang = 'en' | 'fr' | 'de';

/** A text per console language; `en` is the fallback for a missing one. */
export interface ConsoleText {
  readonly en: string;
  readonly fr?: string;
  readonly de?: string;
}

/** What {@link ConsoleViewApi.h} accepts as children: nodes, text, and nothing (skipped). */
export type ConsoleChild = Node | string | number | null | undefined | false | readonly ConsoleChild[];

/** Attributes {@link ConsoleViewApi.h} sets: values are always set as text (attributes or properties), never parsed as markup. */
export interface ConsoleElementProps {
  class?: string;
  id?: string;
  title?: string;
  type?: string;
  name?: string;
  value?: string;
  for?: string;
  role?: string;
  disabled?: boolean;
  checked?: boolean;
  required?: boolean;
  placeholder?: string;
  step?: string;
  min?: string;
  max?: string;
  href?: string;
  src?: string;
  alt?: string;
  rows?: number;
  autocomplete?: string;
  hidden?: boolean;
  open?: boolean;
  selected?: boolean;
  /** data-* attributes (`{ testid: 'x' }` → `data-testid="x"`). */
  data?: Record<string, string>;
  /** aria-* attributes. */
  aria?: Record<string, string>;
  /** Event listeners. */
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[K]) => void }>;
}

/** A field-level problem as the admin API reports it (JSON pointer, message, rule). */
export interface ConsoleProblem {
  readonly path: string;
  readonly message: string;
  readonly rule: string;
}

/** How {@link ConsoleViewApi.fetchJson} fails: the HTTP status, the API's message, its field problems. */
export interface ConsoleApiError extends Error {
  readonly status: number;
  readonly problems: readonly ConsoleProblem[];
}

export type ConsoleHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the console hands a view's mount function. */
export interface ConsoleViewApi {
  /** The plugin that ships the view (its manifest id). */
  readonly pluginId: string;
  /** The view's id in the manifest (the console's route is `#/plugin/<pluginId>/<viewId>`). */
  readonly viewId: string;
  /** The language the admin chose; the console mounts the view again when it changes. */
  readonly lang: ConsoleLang;
  /**
   * Calls one of the plugin's own admin routes (its manifest's
   * `contributes.adminRoutes`), with the console's session and, on a change,
   * its CSRF token. `path` is below `/api/plugins/<pluginId>`: `'/status'`,
   * `'/entries?limit=10'`. A path outside it (`..`, `%`, `//`, a full URL)
   * is refused before any request. Resolves with the parsed JSON answer;
   * rejects with a {@link ConsoleApiError} on a non-2xx answer. A 401 signs
   * the console out, as it does for the console's own calls.
   */
  fetchJson<T = unknown>(method: ConsoleHttpMethod, path: string, body?: unknown): Promise<T>;
  /**
   * Calls a host route the console itself reads, below `/api/` (e.g.
   * `'/api/domains'` for the domain list of a form). GET only: a view changes
   * only its own plugin's state, through {@link fetchJson}.
   */
  readHostJson<T = unknown>(path: string): Promise<T>;
  /** The text in {@link lang} (English when missing); `{name}` placeholders take `params`, as text. */
  t(text: ConsoleText, params?: Record<string, string | number>): string;
  /** The console's element builder: `h('p', { class: 'muted' }, 'text', child)`. No markup is ever parsed. */
  h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: ConsoleElementProps | null, ...children: ConsoleChild[]): HTMLElementTagNameMap[K];
  /** A date and time (epoch ms) the way the console shows them, in {@link lang}; `undefined` is "never". */
  formatTime(ms: number | undefined): string;
  /** The console's toast: a short message for the admin (`error` in red). */
  notify(message: string, kind?: 'ok' | 'error'): void;
  /** The console's modal confirmation; resolves true when the admin confirms. */
  confirm(message: string, action: string): Promise<boolean>;
  /** Unmounts the view and mounts it again (after a change, to show fresh data). */
  refresh(): void;
}

/**
 * The default export of a view script. Draw into `root` (an empty element the
 * console owns; the view may replace its children at any time, e.g. after an
 * asynchronous load). Return a cleanup function to stop timers or listeners:
 * the console calls it before it leaves the view or mounts it again. A
 * returned promise is awaited; if it rejects, or the function throws, or the
 * script cannot load, the console shows the error in the view's panel and the
 * rest of the console keeps working.
 */
export type ConsoleViewMount = (root: HTMLElement, api: ConsoleViewApi) => void | (() => void) | Promise<void | (() => void)>;

/** One entry of `GET /api/console/views`: a view of a loaded plugin enabled somewhere. */
export interface ConsoleViewEntry {
  readonly pluginId: string;
  readonly id: string;
  /** The manifest's title in the caller's language (Accept-Language), English when missing. */
  readonly title: string;
  /** Every language's title, so the console switches language without asking again. */
  readonly titles: ConsoleText;
  /** Where the console imports the script from: `/console/plugins/<pluginId>/<script>`. */
  readonly script: string;
}
