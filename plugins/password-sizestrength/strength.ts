import path from 'node:path';
import type { LocalizedText } from '../../shared';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import type * as Data from './zxcvbn-data.lazy';

/*
 * zxcvbn-ts with the common list, English common words and Wikipedia words,
 * French and German common words, and en/fr/de first and last names. Built
 * on first use: decompressing and ranking ~300k words takes about half a
 * second, which a plugin load should not pay.
 */

/** The lists live in a bundle of their own, next to this one (or the .ts source under test). */
function data(): typeof Data {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(path.join(__dirname, 'zxcvbn-data.lazy'));
}

interface Estimator {
  readonly zxcvbn: ZxcvbnFactory;
  readonly translations: typeof Data.translations;
}

let estimator: Estimator | undefined;

/**
 * One list from several, taking each list's next word in turn (duplicates
 * once): a word keeps roughly its rank in its own language. zxcvbn's cost
 * grows with the number of dictionaries, not their size.
 */
function interleave(...lists: ReadonlyArray<readonly string[]>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const longest = Math.max(...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const l of lists) {
      const w = l[i];
      if (w !== undefined && !seen.has(w)) {
        seen.add(w);
        out.push(w);
      }
    }
  }
  return out;
}

function load(): Estimator {
  if (estimator) return estimator;
  const d = data();
  const { en, fr, de } = d.lists;
  const zxcvbn = new d.ZxcvbnFactory({
    // Seven dictionaries: the 28 of the packages as shipped cost 3x the time
    // for the same scores on our samples (bench/password-policy.bench.js).
    dictionary: {
      ...d.commonDictionary,
      'commonWords-en': en.commonWords,
      'commonWords-fr': fr.commonWords,
      'commonWords-de': de.commonWords,
      'wikipedia-en': en.wikipedia,
      names: interleave(en.firstnames, fr.firstnames, de.firstnames, en.lastnames, fr.lastnames, de.lastnames),
    } as never,
    graphs: d.adjacencyGraphs,
    // The default (100 l33t variants per password) costs 30-100 ms a check on
    // symbol-rich passwords; 10 gave the same scores on our l33t samples at
    // a tenth of the time (bench/password-policy.bench.js).
    l33tMaxSubstitutions: 10,
    // No translations: feedback comes back as keys, translated below into all three languages.
  });
  estimator = { zxcvbn, translations: d.translations };
  return estimator;
}

/** The most common passwords (zxcvbn-ts language-common `passwords`), lower-cased. */
let commonSet: ReadonlySet<string> | undefined;
export function commonPasswords(): ReadonlySet<string> {
  commonSet ??= new Set(data().commonDictionary['passwords-common'].map((p) => p.toLowerCase()));
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

function translate(t: Data.Translations, fallback: Data.Translations, warning: string | null, suggestions: readonly string[]): string {
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
