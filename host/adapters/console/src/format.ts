import { lang, t } from './i18n';

export function when(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return t('never');
  return new Date(ms).toLocaleString(lang(), { dateStyle: 'short', timeStyle: 'medium' });
}

export function untilText(ms: number | undefined | null): string {
  return ms === undefined || ms === null ? t('untilUnlocked') : when(ms);
}
