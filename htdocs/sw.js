// The service worker: the pages keep working when the shop's Wi-Fi drops.
//
// Online it always goes to the network first and keeps a copy of what came
// back: the pages and their assets, and the last answer of each calendar
// week and job the tablet opened. Offline it answers from those copies;
// an API answer from a copy carries `X-Offline-From: <when it was kept>`,
// which the pages show as "Offline — data from 10:42". Nothing is kept for
// requests other than GET, and the push stream and photos pass untouched.
//
// Kept data belongs to the login that fetched it: the pages tell the
// worker who is signed in ({type: 'user', user}, from /api/me) and a
// different login first empties every kept answer.
//
// No build step: this file is served as it is, at the root so that its
// scope is the whole site.

const VERSION = 'sdo-v1';
const SHELL = `${VERSION}-shell`;      /* pages and assets */
const DATA = `${VERSION}-data`;        /* API answers of the signed-in login */
const META = `${VERSION}-meta`;        /* who that login is */

/* The pages' files, kept at install so that a first offline load works. */
const ASSETS = [
  '/css/app.css', '/favicon.svg', '/img/logo.svg', '/img/chevron.svg',
  '/i18n/en.js', '/i18n/es.js',
  '/js/admin-reconcile.js', '/js/api.js', '/js/calendar.js', '/js/dom.js', '/js/format.js',
  '/js/i18n.js', '/js/job.js', '/js/jobs.js', '/js/offline.js', '/js/outbox.js', '/js/page.js',
  '/js/polling.js',
];
const OPTIONAL_ASSETS = ['/js/live.js', '/js/photos.js'];

/* A page URL -> the one HTML file behind it (every job shares job.html). */
const PAGES = [
  [/^\/(en|es)\/calendar\/?$/, 'calendar'],
  [/^\/(en|es)\/jobs\/[A-Za-z0-9_-]{1,64}\/?$/, 'job'],
  [/^\/(en|es)\/admin\/reconcile\/?$/, 'reconcile'],
];
const PAGE_URLS = { calendar: '/en/calendar', job: '/en/jobs/_', reconcile: '/en/admin/reconcile' };

/* API answers worth keeping: a calendar week, a job. */
const KEPT_API = [/^\/api\/calendar$/, /^\/api\/jobs\/[A-Za-z0-9_-]{1,64}$/];

function pageOf(pathname) {
  for (const [re, name] of PAGES) if (re.test(pathname)) return name;
  return null;
}

function pageKey(name) {
  return new Request(`/__page/${name}`);
}

async function keepShell(url, key) {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  const cache = await caches.open(SHELL);
  await cache.put(key || url, res);
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await Promise.all(ASSETS.map((u) => keepShell(u)));
    await Promise.all(OPTIONAL_ASSETS.map((u) => keepShell(u).catch(() => {})));
    await Promise.all(Object.entries(PAGE_URLS).map(([name, u]) => keepShell(u, pageKey(name))));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (!name.startsWith(`${VERSION}-`)) await caches.delete(name);
    await self.clients.claim();
  })());
});

/* ---- who is signed in ---- */

async function currentUser() {
  const res = await (await caches.open(META)).match('/__meta/user');
  return res ? res.text() : null;
}

async function setUser(user) {
  if (typeof user !== 'string') return;
  const before = await currentUser();
  if (before !== user) {
    await caches.delete(DATA);          /* another login's data is never shown */
    await (await caches.open(META)).put('/__meta/user', new Response(user));
  }
}

self.addEventListener('message', (event) => {
  const m = event.data;
  if (m && m.type === 'user') event.waitUntil(setUser(m.user));
});

/* ---- answers ---- */

function offlineJson(status, code, message) {
  return new Response(JSON.stringify({ success: false, error: { code, message } }), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Offline-From': '' },
  });
}

/* A copy of a kept answer, marked with when it was kept. */
async function fromKept(res) {
  const headers = new Headers(res.headers);
  headers.set('X-Offline-From', headers.get('X-Kept-At') || '');
  headers.delete('X-Kept-At');
  return new Response(await res.blob(), { status: 200, headers });
}

async function keep(cacheName, key, res) {
  const headers = new Headers(res.headers);
  headers.set('X-Kept-At', new Date().toISOString());
  const copy = new Response(await res.clone().blob(), { status: res.status, headers });
  await (await caches.open(cacheName)).put(key, copy);
}

async function apiFirst(event, url) {
  const user = await currentUser();
  try {
    const res = await fetch(event.request);
    /* Keep 200s only, and only once the login is known, for that login. */
    if (res.status === 200 && user !== null) event.waitUntil(keep(DATA, url.pathname + url.search, res));
    return res;
  } catch (err) {
    if (user !== null) {
      const kept = await (await caches.open(DATA)).match(url.pathname + url.search);
      if (kept) return fromKept(kept);
    }
    return offlineJson(503, 'offline', 'No connection, and nothing kept for this on this tablet.');
  }
}

async function pageFirst(event, name) {
  try {
    const res = await fetch(event.request);
    if (res.status === 200) event.waitUntil(keep(SHELL, pageKey(name), res));
    return res;
  } catch (err) {
    const kept = await (await caches.open(SHELL)).match(pageKey(name));
    if (kept) return kept;
    throw err;
  }
}

async function assetFirst(event, url) {
  try {
    const res = await fetch(event.request);
    if (res.status === 200) event.waitUntil(keep(SHELL, url.pathname, res));
    return res;
  } catch (err) {
    const kept = await (await caches.open(SHELL)).match(url.pathname);
    if (kept) return kept;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (KEPT_API.some((re) => re.test(path))) {
    event.respondWith(apiFirst(event, url));
    return;
  }
  if (path.startsWith('/api/') || path.startsWith('/media/')) return;
  /* Pages: online, the browser loads them itself (so its login prompt works
   * as ever); offline, from the copy. */
  const page = req.mode === 'navigate' ? pageOf(path) : null;
  if (page && !self.navigator.onLine) {
    event.respondWith(pageFirst(event, page));
    return;
  }
  if (/^\/(js|css|i18n|img)\//.test(path) || path === '/favicon.svg') event.respondWith(assetFirst(event, url));
});
