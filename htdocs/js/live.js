// Live updates beside the polling module: one EventSource on /api/events
// (nginx's nchan, channel "jobs").
//
//   useLive({ poll, wants: (job) => bool, statusEl, t, pushIntervalMs: () => ms });
//
// A message {"jobs":[{id,version,day,previousDay?}]} naming something the
// page shows (wants(job) is true) makes the page do its usual conditional
// fetch at once, coalesced: never two requests in flight, at most one per
// 250 ms, and one more after a request that was already in flight (it may
// predate the change). While the stream is open, polling goes on as a
// safety net at pushIntervalMs() (POLL_INTERVAL_PUSH_MS, default 60 s);
// when it fails, or the server has no nchan (plain CGI, Apache: /api/events
// answers 404 or anything but a stream), polling is back at its usual
// interval. A "Live" marker joins the status line while connected. A hidden
// page closes its stream; polling.js fetches at once when it is shown, and
// the stream opens again.

import { h } from '/js/dom.js';

export const MIN_GAP_MS = 250;
export const DEFAULT_PUSH_INTERVAL_MS = 60000;
export const EVENTS_URL = '/api/events';
const RETRY_MS = [1000, 2000, 5000, 15000, 30000, 60000];

export function useLive({ poll, wants, statusEl = null, t, pushIntervalMs = () => DEFAULT_PUSH_INTERVAL_MS }) {
  if (typeof EventSource !== 'function') return null;
  let source = null;
  let connected = false;
  let failures = 0;
  let retryTimer = null;
  let fetchTimer = null;
  let lastFetchAt = 0;

  const marker = h('span', { class: 'live-marker', hidden: true, title: t('live.title') }, t('live.marker'));
  if (statusEl) statusEl.append(marker);

  function setConnected(on) {
    connected = on;
    marker.hidden = !on;
    if (statusEl) statusEl.classList.toggle('is-live', on);
    poll.setLiveInterval(on ? pushIntervalMs() : null);
  }

  /* Coalesced fetch: at most one per MIN_GAP_MS, never two in flight. */
  function trigger() {
    if (fetchTimer || document.hidden) return;   /* hidden: caught up when shown */
    const wait = Math.max(0, lastFetchAt + MIN_GAP_MS - Date.now());
    fetchTimer = setTimeout(async () => {
      const wasBusy = poll.busy;
      lastFetchAt = Date.now();
      try {
        await poll.refresh();
        if (wasBusy) await poll.refresh();     /* the earlier one may predate it */
      } finally {
        fetchTimer = null;
      }
    }, wait);
  }

  function onMessage(ev) {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    const jobs = msg && Array.isArray(msg.jobs) ? msg.jobs : [];
    if (jobs.some((j) => j && typeof j === 'object' && wants(j))) trigger();
  }

  function open() {
    if (source || document.hidden) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    source = new EventSource(EVENTS_URL);
    source.addEventListener('open', () => {
      failures = 0;
      setConnected(true);
    });
    source.addEventListener('message', onMessage);
    source.addEventListener('error', () => {
      /* A 404 or another answer than a stream closes it for good. */
      const closed = source && source.readyState === EventSource.CLOSED;
      if (connected) setConnected(false);
      if (!closed) return;                       /* the browser reconnects itself */
      close();
      failures += 1;
      retryTimer = setTimeout(open, RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)]);
    });
  }

  function close() {
    if (source) {
      source.close();
      source = null;
    }
    if (connected) setConnected(false);
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) close();
    else open();
  });
  open();
  return {
    get connected() { return connected; },
    close,
  };
}
