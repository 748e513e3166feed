import type { LocalizedText } from '../../shared';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/*
 * zxcvbn-ts, with the common list, the full English package and the French
 * and German common words and names. Built on first use: decompressing and
 * ranking ~300k words takes about half a second, which CLI commands that
 * never check a password should not pay.
 */

type Translations = { warnings: Record<string, string>; suggestions: Record<string, string> };

interface Estimator {
  readonly zxcvbn: ZxcvbnFactory;
  readonly translations: Readonly<Record<'en' | 'fr' | 'de', Translations>>;
}

let estimator: Estimator | undefined;

/** Prefixes a language's list names so that two languages' `commonWords` do not overwrite each other. */
function suffixed(dict: Record<string, unknown>, lang: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dict).map(([k, v]) => [k.endsWith(`-${lang}`) ? k : `${k}-${lang}`, v]));
}

function load(): Estimator {
  if (estimator) return estimator;
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  const fr = {
    commonWords: require('@zxcvbn-ts/language-fr/dist/commonWords.json.cjs'),
    firstnames: require('@zxcvbn-ts/language-fr/dist/firstnames.json.cjs'),
    lastnames: require('@zxcvbn-ts/language-fr/dist/lastnames.json.cjs'),
  };
  const de = {
    commonWords: require('@zxcvbn-ts/language-de/dist/commonWords.json.js'),
    firstnames: require('@zxcvbn-ts/language-de/dist/firstnames.json.js'),
    lastnames: require('@zxcvbn-ts/language-de/dist/lastnames.json.js'),
  };
  const translations = {
    en: en.translations as Translations,
    fr: require('@zxcvbn-ts/language-fr/dist/translations.cjs') as Translations,
    de: require('@zxcvbn-ts/language-de/dist/translations.js') as Translations,
  };
  /* eslint-enable @typescript-eslint/no-var-requires */
  const zxcvbn = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary, ...suffixed(fr, 'fr'), ...suffixed(de, 'de') } as never,
    graphs: common.adjacencyGraphs,
    // No translations: feedback comes back as keys, translated below into all three languages.
  });
  estimator = { zxcvbn, translations };
  return estimator;
}

/** The most common passwords (zxcvbn-ts language-common `passwords`), lower-cased. */
let commonSet: ReadonlySet<string> | undefined;
export function commonPasswords(): ReadonlySet<string> {
  if (!commonSet) {
    const list = (require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common')).dictionary['passwords-common'] as string[];
    commonSet = new Set(list.map((p) => p.toLowerCase()));
  }
  return commonSet;
}

export interface Strength {
  /** 0 (guessable in a few tries) to 4 (very unguessable). */
  readonly score: number;
  readonly warning: string | null;
  readonly suggestions: readonly string[];
  /** Warning and suggestions, translated; empty strings when zxcvbn has nothing to say. */
  readonly feedback: LocalizedText;
}

function translate(t: Translations, fallback: Translations, warning: string | null, suggestions: readonly string[]): string {
  const parts: string[] = [];
  if (warning) parts.push(t.warnings[warning] ?? fallback.warnings[warning] ?? warning);
  for (const s of suggestions) parts.push(t.suggestions[s] ?? fallback.suggestions[s] ?? s);
  return parts.map((p) => (/[.!?]$/.test(p) ? p : p + '.')).join(' ');
}

/**
 * Scores a password. `userInputs` (login, domain, name words) count as a
 * dictionary of their own, as zxcvbn recommends. zxcvbn itself looks at the
 * first 256 characters only, so the cost is bounded whatever the input.
 */
export function estimate(password: string, userInputs: readonly string[]): Strength {
  const e = load();
  const r = e.zxcvbn.check(password, [...userInputs]);
  const warning = r.feedback.warning ?? null;
  const suggestions = r.feedback.suggestions ?? [];
  const t = e.translations;
  return {
    score: r.score,
    warning,
    suggestions,
    feedback: {
      en: translate(t.en, t.en, warning, suggestions),
      fr: translate(t.fr, t.en, warning, suggestions),
      de: translate(t.de, t.en, warning, suggestions),
    },
  };
}
