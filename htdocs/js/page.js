// Shared set-up of every staff page: <html lang>, translated static text,
// the top bar's links in the page's locale, and the document title.
import { pageLocale, intlLocale, translator, translateDocument, LOCALES } from '/js/i18n.js';
import { initOffline } from '/js/offline.js';

/*
 * page: 'calendar' | 'job' | 'reconcile'. titleKey: dictionary key of the
 * page title. Returns { locale, loc, t }.
 */
export function initPage(page, titleKey) {
  const locale = pageLocale();
  const t = translator(locale);
  document.documentElement.lang = locale;
  translateDocument(t);

  for (const a of document.querySelectorAll('[data-href]')) a.href = `/${locale}${a.dataset.href}`;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  /* Language switch: the same page and query under the other locale. */
  const rest = location.pathname.split('/').slice(2).join('/');
  for (const a of document.querySelectorAll('[data-lang]')) {
    const l = a.dataset.lang;
    if (!LOCALES.includes(l)) continue;
    a.href = `/${l}/${rest}${location.search}`;
    if (l === locale) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
  setTitle(t(titleKey), t);
  initOffline(t);      /* the service worker, the offline banner, the outbox */
  return { locale, loc: intlLocale(locale), t };
}

export function setTitle(text, t) {
  document.title = text ? `${text} · ${t('appName')}` : t('appName');
}
