// Offline tablets, the page side: registers the service worker (sw.js),
// tells it who is signed in, shows the "Offline — data from 10:42" banner
// when an answer came from the tablet's copy, and sends the outbox (edits
// made offline, see outbox.js) once the connection is back.
//
//   initOffline(t)            once per page (page.js does it)
//   offlineFrom(res)          the time an answer was kept, or null if live
//   showOffline(iso|null)     the banner on or off
//   isOfflineError(err)       a failure that means "no connection"
//   flushOutbox()             send what is queued now (also on 'online')

import * as outbox from '/js/outbox.js';
import { h } from '/js/dom.js';

const USER_KEY = 'sdo.user';
const RETRY_MS = 15000;

let tr = (k) => k;
let banner = null;
let flushing = null;
let retryTimer = null;
/* The login the server named in this page's life: queued edits go only as
 * it (the browser sends its own credentials, whoever queued them). */
let confirmedUser = null;

/* The login last seen online on this tablet ('' when the server has no login). */
export function knownUser() {
  try {
    return localStorage.getItem(USER_KEY);
  } catch {
    return null;
  }
}

export function offlineFrom(res) {
  const v = res && res.headers ? res.headers.get('X-Offline-From') : null;
  return v === null ? null : v;
}

export function isOfflineError(err) {
  if (!err) return false;
  if (err.kind === 'network' || err.kind === 'timeout') return true;
  return err.status === 503 && err.code === 'offline';
}

function clock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString(document.documentElement.lang || undefined, { hour: '2-digit', minute: '2-digit' });
}

export function showOffline(iso) {
  if (!banner) {
    banner = h('div', { class: 'offline-banner', role: 'status', hidden: true });
    const main = document.querySelector('main') || document.body;
    main.prepend(banner);
  }
  if (iso === null || iso === undefined) {
    banner.hidden = true;
    document.documentElement.classList.remove('is-offline');
    return;
  }
  banner.textContent = iso ? tr('offline.banner', { time: clock(iso) }) : tr('offline.bannerNoTime');
  banner.hidden = false;
  document.documentElement.classList.add('is-offline');
}

/* Who is signed in, from the server; tells the service worker (which empties another login's data). */
async function learnUser() {
  let user;
  try {
    const res = await fetch('/api/me', { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.headers.get('X-Offline-From') !== null) return knownUser();
    if (res.status === 404) user = '';           /* a server without /api/me (no login to tell apart) */
    else if (!res.ok) return knownUser();
    else {
      const body = await res.json();
      user = body && body.data && typeof body.data.user === 'string' ? body.data.user : '';
    }
  } catch {
    return knownUser();                           /* offline: the last login seen */
  }
  const before = knownUser();
  confirmedUser = user;
  try {
    localStorage.setItem(USER_KEY, user);
  } catch { /* private mode: nothing kept */ }
  if (navigator.serviceWorker) {
    const reg = await navigator.serviceWorker.ready;
    if (reg.active) reg.active.postMessage({ type: 'user', user });
  }
  if (before !== null && before !== user) window.dispatchEvent(new CustomEvent('sdo-user-changed'));
  return user;
}

/* One queued edit as a request; resolves { status, body } or rejects on a network failure. */
async function send(entry) {
  let res;
  if (entry.kind === 'photo') {
    const headers = { 'Content-Type': entry.type, Accept: 'application/json' };
    if (entry.version !== undefined && entry.version !== null) headers['If-Match'] = `"${entry.version}"`;
    res = await fetch(`/api/jobs/${encodeURIComponent(entry.jobId)}/photos?${entry.query}`, {
      method: 'POST', headers, body: entry.blob, credentials: 'same-origin', cache: 'no-store',
    });
  } else {
    res = await fetch(`/api/jobs/${encodeURIComponent(entry.jobId)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'If-Match': `"${entry.version}"` },
      body: JSON.stringify(entry.changes),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  }
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  return { status: res.status, body };
}

/* Send what is queued for the signed-in login, once the server has named it. Resolves the number sent. */
export function flushOutbox() {
  if (flushing) return flushing;
  flushing = (async () => {
    if (confirmedUser === null) await learnUser();
    const user = confirmedUser;
    if (user === null) {             /* the server has not said who is signed in: later */
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flushOutbox, RETRY_MS);
      return 0;
    }
    const n = await outbox.replay(user, send);
    const left = (await outbox.all()).some((e) => e.user === user && e.state === 'pending');
    clearTimeout(retryTimer);
    if (left) retryTimer = setTimeout(flushOutbox, RETRY_MS);
    if (n) window.dispatchEvent(new CustomEvent('sdo-outbox-sent', { detail: { count: n } }));
    return n;
  })().finally(() => { flushing = null; });
  return flushing;
}

export async function initOffline(t) {
  tr = t;
  window.addEventListener('online', () => { learnUser().then(flushOutbox); });
  if ('serviceWorker' in navigator && window.isSecureContext) {
    try {
      await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    } catch (e) {
      console.warn('[offline] service worker not registered:', e && e.message);
    }
  }
  await learnUser();
  flushOutbox();
}

export { outbox };
