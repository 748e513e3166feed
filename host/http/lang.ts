export type UiLang = 'en' | 'fr' | 'de';
const LANGS: readonly UiLang[] = ['en', 'fr', 'de'];

/** The caller's first supported language from Accept-Language (order of listing; q-values are rarely out of order). */
export function preferredLang(header: string | undefined): UiLang {
  for (const part of (header ?? '').split(',')) {
    const tag = part.split(';')[0].trim().slice(0, 2).toLowerCase();
    if ((LANGS as readonly string[]).includes(tag)) return tag as UiLang;
  }
  return 'en';
}
