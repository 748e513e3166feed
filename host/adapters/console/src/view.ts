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
}

/** One console screen: a nav entry and a render function. A new screen is one module added to VIEWS. */
export interface View {
  readonly id: string;
  readonly title: Key;
  render(ctx: ViewContext): Promise<Node>;
}
