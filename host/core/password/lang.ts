import type { Lang } from '../../../shared';

export const LANGS: readonly Lang[] = ['en', 'fr', 'de'];

/** `fr`, `FR`, `fr-CA`, `de_DE.UTF-8` → the language we speak, or undefined. */
export function toLang(tag: string | undefined): Lang | undefined {
  if (!tag) return undefined;
  const primary = tag.trim().toLowerCase().slice(0, 3).split(/[-_.]/)[0];
  return (LANGS as readonly string[]).includes(primary) ? (primary as Lang) : undefined;
}

/**
 * The best of our languages for an HTTP Accept-Language header
 * (`fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5`), or undefined when none fits.
 * Split by hand on `,` and `;`: the header comes from clients.
 */
export function langFromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  let best: Lang | undefined;
  let bestQ = 0;
  for (const item of header.slice(0, 1000).split(',').slice(0, 50)) {
    const [tag, ...params] = item.split(';');
    let q = 1;
    for (const p of params) {
      const t = p.trim();
      if (t.startsWith('q=')) {
        const n = Number(t.slice(2));
        q = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      }
    }
    const lang = toLang(tag);
    if (lang && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}
