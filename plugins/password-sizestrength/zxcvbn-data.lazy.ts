/*
 * zxcvbn-ts and its word lists, bundled on their own (build.mjs: *.lazy.ts)
 * and required on first use: ~2 MB of compressed lists that a plugin load,
 * and every CLI command that never checks a password, should not parse.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import frCommonWords from '@zxcvbn-ts/language-fr/dist/commonWords.json.cjs';
import frFirstnames from '@zxcvbn-ts/language-fr/dist/firstnames.json.cjs';
import frLastnames from '@zxcvbn-ts/language-fr/dist/lastnames.json.cjs';
import frTranslations from '@zxcvbn-ts/language-fr/dist/translations.cjs';
import deCommonWords from '@zxcvbn-ts/language-de/dist/commonWords.json.js';
import deFirstnames from '@zxcvbn-ts/language-de/dist/firstnames.json.js';
import deLastnames from '@zxcvbn-ts/language-de/dist/lastnames.json.js';
import deTranslations from '@zxcvbn-ts/language-de/dist/translations.js';

export type WordList = readonly string[];
export type Translations = { warnings: Record<string, string>; suggestions: Record<string, string> };

const enDict = en.dictionary as unknown as Record<string, WordList>;

export { ZxcvbnFactory };
export const adjacencyGraphs = common.adjacencyGraphs;
/** The 49,233 most common passwords (`passwords-common`) and the diceware words. */
export const commonDictionary = common.dictionary as unknown as Record<string, WordList>;
export const lists = {
  en: { commonWords: enDict['commonWords-en'], wikipedia: enDict['wikipedia-en'], firstnames: enDict['firstnames-en'], lastnames: enDict['lastnames-en'] },
  fr: { commonWords: frCommonWords as WordList, firstnames: frFirstnames as WordList, lastnames: frLastnames as WordList },
  de: { commonWords: deCommonWords as WordList, firstnames: deFirstnames as WordList, lastnames: deLastnames as WordList },
};
export const translations: Readonly<Record<'en' | 'fr' | 'de', Translations>> = {
  en: en.translations as Translations,
  fr: frTranslations as Translations,
  de: deTranslations as Translations,
};
