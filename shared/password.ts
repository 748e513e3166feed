/** Messages a user may read, in each language the console and CLI offer. */
export interface LocalizedText {
  readonly en: string;
  readonly fr: string;
  readonly de: string;
}

export type Lang = keyof LocalizedText;

export interface PasswordChange {
  readonly domain: string;
  readonly login: string;
  /** The candidate password. Plugins must never log or store it in clear. */
  readonly newPassword: string;
  readonly displayName?: string;
}

export interface Violation {
  /** Stable rule id, e.g. `minLength`. */
  readonly rule: string;
  readonly message: LocalizedText;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** Filled in by the host. */
  readonly plugin?: string;
}
