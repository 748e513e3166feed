import { langFromAcceptLanguage, toLang } from '../../../../../host/core/password/lang';

test.each([
  ['fr', 'fr'], ['FR', 'fr'], ['fr-CA', 'fr'], ['de_DE.UTF-8', 'de'], ['en', 'en'], ['es', undefined], ['', undefined], ['french', undefined],
])('toLang(%j) → %j', (tag, lang) => {
  expect(toLang(tag)).toBe(lang);
});

test.each([
  ['fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5', 'fr'],
  ['es, de;q=0.3, en;q=0.2', 'de'],
  ['en;q=0.1, fr;q=0.7', 'fr'],
  ['es, it', undefined],
  ['de;q=0, en;q=0.5', 'en'],
  ['fr;q=abc, de', 'de'],
  [undefined, undefined],
])('Accept-Language %j → %j', (header, lang) => {
  expect(langFromAcceptLanguage(header)).toBe(lang);
});

test('a huge header is read in bounded time and still answered', () => {
  expect(langFromAcceptLanguage('de,' + 'x;q=0.1,'.repeat(200_000))).toBe('de');
});
