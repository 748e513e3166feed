import type { LocalizedText } from '../../shared';
import type { PartSource } from './login-parts';

/*
 * Every message a user may read, in the three languages the console and CLI
 * offer. One function per rule; the rule ids are the keys, so a test can
 * check that every rule speaks every language.
 */

type Counted = { min: number; count: number };

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

const classText = (n: number, en: [string, string], fr: [string, string], de: [string, string], found: number): LocalizedText => ({
  en: `The password needs at least ${n} ${plural(n, ...en)} (${found} found).`,
  fr: `Le mot de passe doit contenir au moins ${n} ${plural(n, ...fr)} (${found} trouvé${found > 1 ? 's' : ''}).`,
  de: `Das Passwort muss mindestens ${n} ${plural(n, ...de)} enthalten (${found} gefunden).`,
});

const PART_WHAT: Readonly<Record<PartSource, LocalizedText>> = {
  login: { en: 'your login name', fr: 'votre identifiant', de: 'Ihren Benutzernamen' },
  domain: { en: 'the domain name', fr: 'le nom du domaine', de: 'den Domainnamen' },
  name: { en: 'your name', fr: 'votre nom', de: 'Ihren Namen' },
};

export const MESSAGES = {
  empty: (): LocalizedText => ({
    en: 'The password is empty.',
    fr: 'Le mot de passe est vide.',
    de: 'Das Passwort ist leer.',
  }),
  controlCharacters: (p: { count: number }): LocalizedText => ({
    en: `The password contains ${p.count} control or invalid ${plural(p.count, 'character', 'characters')}; use printable characters only.`,
    fr: `Le mot de passe contient ${p.count} ${plural(p.count, 'caractère de contrôle ou invalide', 'caractères de contrôle ou invalides')} ; utilisez uniquement des caractères imprimables.`,
    de: `Das Passwort enthält ${p.count} ${plural(p.count, 'Steuer- oder ungültiges Zeichen', 'Steuer- oder ungültige Zeichen')}; verwenden Sie nur druckbare Zeichen.`,
  }),
  maxLength: (p: { max: number; length: number }): LocalizedText => ({
    en: `The password is too long: ${p.length} characters, at most ${p.max} allowed.`,
    fr: `Le mot de passe est trop long : ${p.length} caractères, ${p.max} au maximum.`,
    de: `Das Passwort ist zu lang: ${p.length} Zeichen, höchstens ${p.max} erlaubt.`,
  }),
  minLength: (p: { min: number; length: number }): LocalizedText => ({
    en: `The password is too short: ${p.length} ${plural(p.length, 'character', 'characters')}, at least ${p.min} required.`,
    fr: `Le mot de passe est trop court : ${p.length} ${plural(p.length, 'caractère', 'caractères')}, au moins ${p.min} requis.`,
    de: `Das Passwort ist zu kurz: ${p.length} Zeichen, mindestens ${p.min} erforderlich.`,
  }),
  minDigits: (p: Counted) => classText(p.min, ['digit', 'digits'], ['chiffre', 'chiffres'], ['Ziffer', 'Ziffern'], p.count),
  minUpper: (p: Counted) =>
    classText(p.min, ['upper-case letter', 'upper-case letters'], ['lettre majuscule', 'lettres majuscules'], ['Großbuchstaben', 'Großbuchstaben'], p.count),
  minLower: (p: Counted) =>
    classText(p.min, ['lower-case letter', 'lower-case letters'], ['lettre minuscule', 'lettres minuscules'], ['Kleinbuchstaben', 'Kleinbuchstaben'], p.count),
  minSpecial: (p: Counted) =>
    classText(
      p.min,
      ['special character (punctuation or symbol)', 'special characters (punctuation or symbols)'],
      ['caractère spécial (ponctuation ou symbole)', 'caractères spéciaux (ponctuation ou symboles)'],
      ['Sonderzeichen (Satz- oder Symbolzeichen)', 'Sonderzeichen (Satz- oder Symbolzeichen)'],
      p.count,
    ),
  loginParts: (p: { source: PartSource; part: string; reversed: boolean }): LocalizedText => {
    const w = PART_WHAT[p.source];
    return {
      en: `The password must not contain ${w.en} ("${p.part}"), not even reversed or with digits in place of letters.`,
      fr: `Le mot de passe ne doit pas contenir ${w.fr} (« ${p.part} »), même à l'envers ou avec des chiffres à la place des lettres.`,
      de: `Das Passwort darf ${w.de} („${p.part}“) nicht enthalten, auch nicht rückwärts oder mit Ziffern statt Buchstaben.`,
    };
  },
  common: (): LocalizedText => ({
    en: 'This password is on the list of the most common passwords; attackers try those first.',
    fr: "Ce mot de passe figure dans la liste des mots de passe les plus courants ; les attaquants les essaient en premier.",
    de: 'Dieses Passwort steht auf der Liste der häufigsten Passwörter; Angreifer probieren diese zuerst.',
  }),
  minStrength: (p: { min: number; score: number }, feedback: LocalizedText): LocalizedText => ({
    en: `The password is too easy to guess (strength ${p.score} of 4, at least ${p.min} required).${feedback.en ? ' ' + feedback.en : ''}`,
    fr: `Le mot de passe est trop facile à deviner (robustesse ${p.score} sur 4, au moins ${p.min} requis).${feedback.fr ? ' ' + feedback.fr : ''}`,
    de: `Das Passwort ist zu leicht zu erraten (Stärke ${p.score} von 4, mindestens ${p.min} erforderlich).${feedback.de ? ' ' + feedback.de : ''}`,
  }),
  history: (p: { size: number }): LocalizedText =>
    p.size === 0
      ? {
          en: 'This is the current password; choose a new one.',
          fr: "C'est le mot de passe actuel ; choisissez-en un nouveau.",
          de: 'Das ist das aktuelle Passwort; wählen Sie ein neues.',
        }
      : {
          en: `This password was used recently; choose one different from the current password and the ${p.size} before it.`,
          fr: `Ce mot de passe a été utilisé récemment ; choisissez-en un différent du mot de passe actuel et des ${p.size} précédents.`,
          de: `Dieses Passwort wurde kürzlich verwendet; wählen Sie eines, das sich vom aktuellen und den ${p.size} vorherigen unterscheidet.`,
        },
} as const;

export type RuleId = keyof typeof MESSAGES;
export const RULES = Object.keys(MESSAGES) as RuleId[];
