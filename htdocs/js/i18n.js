// Locale of the page (first path segment) and its dictionary.
import en from '/i18n/en.js';
import es from '/i18n/es.js';

const dictionaries = { en, es };
export const LOCALES = Object.keys(dictionaries);

/* The locale is the first path segment: /es/calendar -> "es". nginx sends
 * unknown locales to /en/..., so anything else here falls back to English. */
export function pageLocale(pathname = location.pathname) {
  const first = pathname.split('/')[1] || '';
  return LOCALES.includes(first) ? first : 'en';
}

/* BCP 47 tag for Intl formatting (a US business; Spanish as spoken there). */
export function intlLocale(locale) {
  return locale === 'es' ? 'es-US' : 'en-US';
}

/* Returns t(key, params): the string for key with {name} replaced by
 * params.name. Missing keys fall back to English, then to the key. */
export function translator(locale) {
  const dict = dictionaries[locale] || en;
  return function t(key, params) {
    let s = dict[key] ?? en[key] ?? key;
    if (params) {
      s = s.replace(/\{(\w+)\}/g, (m, name) =>
        (params[name] === undefined || params[name] === null) ? m : String(params[name]));
    }
    return s;
  };
}

/* Fills every [data-i18n] element's text from the dictionary. */
export function translateDocument(t, root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}
