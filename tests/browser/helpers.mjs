// Shared set-up for the browser tests: environment, the staff API, Debian's
// Chromium through playwright-core, and small wait helpers.
//
// Environment (set by the test harness, see scripts/stack.sh):
//   BASE_URL        e.g. http://127.0.0.1:18123
//   STAFF_USER, STAFF_PASSWORD   basic auth of the pages and staff API
//   CRON_SECRET     bearer token of /api/cron/reconcile
//   CHROMIUM        optional, default /usr/bin/chromium
//   BROWSER_TESTS_NO_RECONCILE=1  optional: don't call the reconcile
//                   endpoint first (a stack whose jobs were made otherwise)

import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const STAFF_USER = process.env.STAFF_USER || 'staff';
export const STAFF_PASSWORD = process.env.STAFF_PASSWORD || '';
export const CRON_SECRET = process.env.CRON_SECRET || '';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const SKIP_LINE = '[usePolling] Skipping fetch - document hidden';
export const TABLET = { width: 1024, height: 768 };
export const PHONE = { width: 390, height: 844 };
export const CANCELLED = new Set(['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER', 'DECLINED']);

export function authHeader() {
  return `Basic ${Buffer.from(`${STAFF_USER}:${STAFF_PASSWORD}`).toString('base64')}`;
}

/*
 * Staff API call with basic auth. Resolves { status, body (parsed JSON or
 * null), headers }.
 */
export async function api(method, urlPath, { json, headers = {} } = {}) {
  const init = { method, headers: { Authorization: authHeader(), Accept: 'application/json', ...headers } };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const res = await fetch(`${BASE_URL}${urlPath}`, init);
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  return { status: res.status, body, headers: res.headers, text };
}

export async function getJob(id) {
  const r = await api('GET', `/api/jobs/${encodeURIComponent(id)}`);
  if (r.status !== 200) throw new Error(`GET job ${id}: ${r.status} ${r.text.slice(0, 200)}`);
  return r.body.data;
}

/* PATCH a job from outside the browser (another tablet), with its current version. */
export async function patchJobAsOther(id, changes) {
  const job = await getJob(id);
  const r = await api('PATCH', `/api/jobs/${encodeURIComponent(id)}`, {
    json: changes,
    headers: { 'If-Match': `"${job.version}"` },
  });
  if (r.status !== 200) throw new Error(`PATCH job ${id}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.data;
}

let reconciled = null;

/*
 * Make sure the demo bookings have become jobs: run the reconcile endpoint
 * (POST, Bearer CRON_SECRET) once per process; it is idempotent. A run
 * already in progress (409) is waited out.
 */
export function ensureJobs() {
  /* Only for running against a stack that has no reconcile program yet. */
  if (process.env.BROWSER_TESTS_NO_RECONCILE === '1') return Promise.resolve(null);
  if (!reconciled) reconciled = reconcileOnce();
  return reconciled;
}

/*
 * From this week's Monday (the business's, as the calendar says), so the
 * whole demo week is there whatever the day and RECONCILE_LOOKBACK_DAYS.
 */
async function reconcileOnce() {
  const week = await calendar();
  const range = `from=${week.start}&to=${addDays(week.start, 35)}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    const res = await fetch(`${BASE_URL}/api/cron/reconcile?${range}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${CRON_SECRET}` },
    });
    const text = await res.text();
    if (res.status === 200) return JSON.parse(text).data;
    if (res.status === 409 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    throw new Error(`POST /api/cron/reconcile answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

/* This week's calendar as the API sends it (the server's default week). */
export async function calendar(query = '') {
  const r = await api('GET', `/api/calendar${query}`);
  if (r.status !== 200) throw new Error(`GET /api/calendar${query}: ${r.status} ${r.text.slice(0, 200)}`);
  return r.body.data;
}

/*
 * A job of the demo data for a test to change: the n-th (from 0) job that is
 * not cancelled, counted from the end of the week (tests that change jobs
 * each take their own n, so they don't step on each other).
 */
export async function pickJob(n = 0) {
  await ensureJobs();
  const data = await calendar();
  const usable = data.jobs.filter((j) => !CANCELLED.has(j.bookingStatus)).reverse();
  if (usable.length <= n) throw new Error(`the demo week has only ${usable.length} active jobs, a test needs ${n + 1}`);
  return getJob(usable[n].id);
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/*
 * A fresh context (own storage) and page at BASE_URL + urlPath. Collects
 * console errors and uncaught page errors in `errors`, and every console
 * line in `logs`. Does not navigate when opts.goto is false.
 */
export async function openPage(browser, urlPath, opts = {}) {
  const { viewport = TABLET, goto = true, locale = 'en-US', timezoneId, serviceWorkers = 'block' } = opts;
  /* Playwright's page.route does not see what a service worker fetches, so
   * tests that route requests run without one; the offline tests allow it. */
  const context = await browser.newContext({
    serviceWorkers,
    viewport,
    locale,
    timezoneId,
    httpCredentials: { username: STAFF_USER, password: STAFF_PASSWORD },
  });
  const page = await context.newPage();
  const errors = [];
  const logs = [];
  page.on('console', (m) => {
    logs.push({ type: m.type(), text: m.text(), at: Date.now() });
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  if (goto) await page.goto(`${BASE_URL}${urlPath}`);
  return { context, page, errors, logs };
}

export function isCalendarApi(url) {
  return new URL(url).pathname === '/api/calendar';
}

export function isJobApi(url, id) {
  return new URL(url).pathname === `/api/jobs/${encodeURIComponent(id)}`;
}

/* Poll fn until it returns a truthy value; throws with message after timeout. */
export async function waitUntil(fn, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/*
 * Make the page's document hidden or visible as the polling module sees it
 * (document.hidden / visibilityState) and fire visibilitychange.
 */
export async function setHidden(page, hidden) {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/* 'YYYY-MM-DD' of an instant in an IANA zone. */
export function dayKey(iso, tz) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function addDays(key, n) {
  const d = new Date(`${key}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
