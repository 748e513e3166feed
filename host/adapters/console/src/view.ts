import type { Key } from './i18n';

/** What a screen gets from the shell. */
export interface ViewContext {
  /** Hash route segments after the view id: `#/domains/example.org` → ['example.org']. */
  readonly args: readonly string[];
  go(hash: string): void;
  /** Renders the current view again (after a change). */
  refresh(): void;
  notify(message: string, kind?: 'ok' | 'error'): void;
  /** A modal confirmation; resolves true when the admin confirms. */
  confirm(message: string, action: string): Promise<boolean>;
  /** Runs when the console leaves this rendering (another view, a refresh, a language switch). */
  onLeave(fn: () => void): void;
}

/** One console screen: a nav entry and a render function. A new screen is one module added to VIEWS; a plugin's comes from its manifest (plugin-views.ts). */
export interface View {
  /** The route (`#/<id>`); a plugin's is `plugin/<plugin>/<view>`. */
  readonly id: string;
  /** A console word, or the text a plugin gave (already in the current language). */
  readonly title: Key | (() => string);
  render(ctx: ViewContext): Promise<Node>;
}
