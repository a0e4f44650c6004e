// The one polling module used by every page (calendar, job, reconcile admin).
//
//   const poll = usePolling({ url: () => '/api/calendar', onData, statusEl, t });
//   poll.start(); poll.refresh(); poll.stop();
//
// Fetches every pollIntervalMs (data.pollIntervalMs, else the
// X-Poll-Interval-Ms header, else 20 s; ?pollMs=NNN in the page URL
// overrides it for tests, at least 200). While document.hidden it skips
// the fetch and logs so; on becoming visible it fetches at once. Sends
// If-None-Match with the last ETag and treats 304 as fresh. Never has two
// requests in flight; each has a timeout. On error it keeps the data
// shown, shows the error with a Retry button and backs off (doubling up to
// a cap); Retry fetches at once. Shows "Updated Xs ago", ticking each second.

import { request, errorText, ApiError, DEFAULT_TIMEOUT_MS } from '/js/api.js';
import { h, replaceChildren } from '/js/dom.js';
import { showOffline, isOfflineError } from '/js/offline.js';

export const DEFAULT_INTERVAL_MS = 20000;
export const MIN_INTERVAL_MS = 200;
export const MAX_BACKOFF_MS = 5 * 60 * 1000;
export const SKIP_MESSAGE = '[usePolling] Skipping fetch - document hidden';

/* ?pollMs=NNN override (tests), or null. */
export function intervalOverride(search = location.search) {
  const v = new URLSearchParams(search).get('pollMs');
  if (!v || !/^\d{1,9}$/.test(v)) return null;
  return Math.max(MIN_INTERVAL_MS, Number(v));
}

function validInterval(v) {
  const n = Number(v);
  return Number.isFinite(n) && n >= MIN_INTERVAL_MS && n <= 24 * 3600 * 1000 ? n : null;
}

/* "Updated 5s ago" / "Updated 2m ago" / "Updated 1h ago". */
export function updatedAgoText(ms, t) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('poll.updatedSeconds', { n: s });
  if (s < 3600) return t('poll.updatedMinutes', { n: Math.floor(s / 60) });
  return t('poll.updatedHours', { n: Math.floor(s / 3600) });
}

/*
 * options:
 *   url()          -> the URL to poll (called for every request)
 *   onData(data, { etag })  a 200 answer's `data`
 *   onError(err)   an ApiError (after the status line shows it)
 *   onFresh()      any successful answer, 200 or 304
 *   statusEl       element that gets the "Updated" text and error line
 *   t              translator
 *   timeoutMs      per request (default 10 s)
 */
export function usePolling(options) {
  const { url, onData = () => {}, onError = () => {}, onFresh = () => {}, statusEl = null, t, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const override = intervalOverride();

  let running = false;
  let timer = null;
  let inflight = null;          /* promise of the request in flight */
  let inflightCtrl = null;      /* its AbortController (for stop/supersede) */
  let generation = 0;           /* bumped by accept()/reset(): older answers are dropped */
  let etag = null;
  let etagUrl = null;           /* the URL the ETag belongs to */
  let serverInterval = DEFAULT_INTERVAL_MS;
  let failures = 0;
  let lastOkAt = 0;
  let lastError = null;
  let data;

  /* ---- status line ---- */
  const ui = statusEl ? buildStatus(statusEl) : null;
  let ticker = null;

  function buildStatus(el) {
    const updated = h('span', { class: 'poll-updated', 'aria-live': 'off' }, t('poll.loading'));
    const msg = h('span', { class: 'poll-error-text' });
    const retry = h('button', { type: 'button', class: 'btn btn-small poll-retry', onclick: () => refresh() }, t('retry'));
    const error = h('div', { class: 'poll-error', role: 'alert', hidden: true },
      h('span', { class: 'poll-error-icon', 'aria-hidden': 'true' }, '!'), msg, retry);
    el.classList.add('poll-status');
    replaceChildren(el, h('span', { class: 'poll-dot', 'aria-hidden': 'true' }), updated, error);
    return { el, updated, error, msg, retry };
  }

  function renderStatus() {
    if (!ui) return;
    if (lastOkAt) {
      ui.updated.textContent = updatedAgoText(Date.now() - lastOkAt, t);
      ui.updated.title = new Date(lastOkAt).toLocaleTimeString(document.documentElement.lang || undefined);
    }
    ui.el.classList.toggle('is-error', !!lastError);
    ui.el.classList.toggle('is-loading', !!inflight);
    if (lastError) {
      ui.msg.textContent = `${t('poll.error', { message: errorText(lastError, t) })}${data !== undefined ? ` ${t('poll.keptData')}` : ''}`;
      ui.error.hidden = false;
    } else {
      ui.error.hidden = true;
    }
  }

  /* ---- scheduling ---- */
  let liveInterval = null;       /* set by live.js while its stream is open */

  function baseInterval() {
    return override ?? liveInterval ?? serverInterval;
  }

  /* The interval while a live stream is open (null: the usual one again). */
  function setLiveInterval(ms) {
    const next = ms == null ? null : validInterval(ms);
    if (next === liveInterval) return;
    liveInterval = next;
    if (running && !inflight) schedule();
  }

  function delay() {
    const base = baseInterval();
    if (!failures) return base;
    return Math.min(base * 2 ** Math.min(failures, 16), Math.max(base, MAX_BACKOFF_MS));
  }

  function schedule() {
    clearTimeout(timer);
    timer = running ? setTimeout(tick, delay()) : null;
  }

  function tick() {
    timer = null;
    if (!running) return;
    if (document.hidden) {
      console.log(SKIP_MESSAGE);
      schedule();
      return;
    }
    fetchNow();
  }

  /* ---- the request ---- */
  function fetchNow() {
    if (inflight) return inflight;          /* never two in flight */
    clearTimeout(timer);
    timer = null;
    const gen = generation;
    const target = url();
    const ctrl = new AbortController();
    inflightCtrl = ctrl;
    const headers = {};
    if (etag && etagUrl === target) headers['If-None-Match'] = etag;
    inflight = request(target, { headers, timeoutMs, signal: ctrl.signal })
      .then((res) => {
        if (gen !== generation) return;     /* superseded while in flight */
        showOffline(res.offlineFrom);       /* an answer the tablet kept: the banner says from when */
        if (res.status === 304) {
          fresh();
          return;
        }
        const body = res.body;
        serverInterval = validInterval(body.data && body.data.pollIntervalMs)
          ?? validInterval(res.headers.get('X-Poll-Interval-Ms'))
          ?? DEFAULT_INTERVAL_MS;
        etag = res.etag;
        etagUrl = target;
        data = body.data;
        fresh();
        if (res.offlineFrom && !Number.isNaN(Date.parse(res.offlineFrom))) lastOkAt = Date.parse(res.offlineFrom);
        onData(data, { etag });
      })
      .catch((err) => {
        if (err && err.name === 'AbortError') return;   /* stopped or superseded */
        if (gen !== generation) return;
        failures += 1;
        if (isOfflineError(err)) showOffline('');
        lastError = err instanceof ApiError ? err : new ApiError('network', { message: String(err) });
        renderStatus();
        onError(lastError);
      })
      .finally(() => {
        if (inflightCtrl === ctrl) inflightCtrl = null;
        inflight = null;
        renderStatus();
        schedule();
      });
    renderStatus();
    return inflight;
  }

  function fresh() {
    lastOkAt = Date.now();
    failures = 0;
    lastError = null;
    renderStatus();
    onFresh();
  }

  /* ---- events ---- */
  function onVisibility() {
    if (running && !document.hidden) fetchNow();
  }

  function onOnline() {
    if (running && !document.hidden) fetchNow();
  }

  /* ---- public API ---- */
  function start() {
    if (running) return api;
    running = true;
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('online', onOnline);
    if (ui && !ticker) ticker = setInterval(renderStatus, 1000);
    tick();
    return api;
  }

  function stop() {
    running = false;
    clearTimeout(timer);
    timer = null;
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('online', onOnline);
    if (inflightCtrl) inflightCtrl.abort();
    clearInterval(ticker);
    ticker = null;
    return api;
  }

  /* Fetch now (Retry, or after navigation); returns when it's answered. */
  function refresh() {
    return fetchNow();
  }

  /* The URL changed (another week): drop any answer for the old one and fetch. */
  async function reset() {
    generation += 1;
    failures = 0;
    lastError = null;
    if (inflightCtrl) inflightCtrl.abort();
    if (inflight) await inflight;
    return fetchNow();
  }

  /*
   * The page got newer data by itself (the answer to a PATCH): take it as
   * the current state, so a poll already in flight can't bring back older
   * data, and the next poll sends the new ETag.
   */
  function accept(newData, newEtag) {
    generation += 1;
    data = newData;
    if (newEtag) {
      etag = newEtag;
      etagUrl = url();
    }
    fresh();
  }

  const api = {
    start, stop, refresh, reset, accept, setLiveInterval,
    get data() { return data; },
    get busy() { return !!inflight; },
    get lastUpdated() { return lastOkAt; },
    get error() { return lastError; },
    get interval() { return delay(); },
  };
  return api;
}
