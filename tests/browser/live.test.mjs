// Live updates: the calendar open with polling at a minute shows a change
// made elsewhere (another tablet's PATCH, a signed webhook) within 2 s,
// shows "Live" while its stream is open, and falls back to polling at its
// usual interval when /api/events is not there (plain CGI, Apache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  BASE_URL, api, ensureJobs, launch, openPage, isCalendarApi, waitUntil, pickJob, patchJobAsOther, getJob, setHidden,
} from './helpers.mjs';

const TRIALS = 10;
const SHOWN_WITHIN_MS = 2000;
let browser;

before(async () => {
  await ensureJobs();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function openLive(urlPath) {
  const o = await openPage(browser, urlPath, { goto: false });
  const first = o.page.waitForResponse((r) => isCalendarApi(r.url()));
  await o.page.goto(`${BASE_URL}${urlPath}`);
  await first;
  await o.page.waitForSelector('.live-marker:not([hidden])', { timeout: 10000 });
  return o;
}

const card = (page, id) => page.locator(`.job-card[data-job-id="${id}"]`);

test('another tablet\'s PATCH shows on an open calendar within 2 s, 10 times', async () => {
  const job = await pickJob(6);
  const { context, page, errors } = await openLive('/en/calendar?pollMs=60000');
  try {
    const statuses = ['checked_in', 'in_progress', 'qc', 'scheduled'];
    const took = [];
    for (let i = 0; i < TRIALS; i++) {
      const want = statuses[i % statuses.length];
      await patchJobAsOther(job.id, { workStatus: want });
      const t0 = Date.now();
      await waitUntil(async () => (await card(page, job.id).getAttribute('data-status')) === want,
        { timeout: SHOWN_WITHIN_MS, interval: 20, message: `trial ${i}: status ${want} on screen` });
      took.push(Date.now() - t0);
    }
    assert.equal(took.length, TRIALS);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/* The booking as Square has it (the stack's fake), to send back changed. */
async function squareBooking(bookingId) {
  const res = await fetch(`${process.env.FAKE_SQUARE_URL}/v2/bookings/${encodeURIComponent(bookingId)}`,
    { headers: { Authorization: `Bearer ${process.env.SQUARE_ACCESS_TOKEN}`, 'Square-Version': '2025-08-20' } });
  assert.equal(res.status, 200, `the fake's booking ${bookingId}`);
  return (await res.json()).booking;
}

async function sendWebhook(b, n) {
  const raw = JSON.stringify({
    merchant_id: 'MTEST', location_id: b.location_id, type: 'booking.updated',
    event_id: `live-${process.pid}-${Date.now()}-${n}`, created_at: new Date().toISOString(),
    data: { type: 'booking', id: `${b.id}:${b.version}`, object: { booking: b } },
  });
  const sig = createHmac('sha256', process.env.SQUARE_WEBHOOK_SIGNATURE_KEY)
    .update(process.env.SQUARE_WEBHOOK_URL + raw).digest('base64');
  const res = await fetch(`${BASE_URL}/api/webhooks/square`, {
    method: 'POST', body: raw,
    headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': sig },
  });
  assert.equal(res.status, 200, await res.text());
}

test('a signed webhook\'s change shows on an open calendar within 2 s, 10 times', async () => {
  const job = await pickJob(7);
  const b = await squareBooking(job.bookingId);
  const { context, page, errors } = await openLive('/en/calendar?pollMs=60000');
  try {
    const base = b.appointment_segments[0].duration_minutes;
    const total0 = job.durationMinutes;
    const text = (m) => (Math.floor(m / 60) ? (m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`) : `${m} min`);
    b.version = Math.max(Number(b.version) || 0, Number(job.bookingVersion) || 0);
    for (let i = 0; i < TRIALS; i++) {
      b.version += 1;
      b.appointment_segments[0].duration_minutes = base + 5 * (i + 1);
      const want = text(total0 + 5 * (i + 1));
      await sendWebhook(b, i);
      await waitUntil(async () => (await card(page, job.id).locator('.job-dur').textContent()).trim() === want,
        { timeout: SHOWN_WITHIN_MS, interval: 20, message: `trial ${i}: "${want}" on screen` });
    }
    assert.equal((await getJob(job.id)).durationMinutes, total0 + 5 * TRIALS);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the Live marker shows while connected, in Spanish too, and goes with a hidden page', async () => {
  const { context, page } = await openLive('/es/calendar?pollMs=60000');
  try {
    assert.equal((await page.textContent('.live-marker')).trim(), 'En vivo');
    await setHidden(page, true);
    await waitUntil(async () => page.locator('.live-marker').isHidden(), { message: 'marker gone while hidden' });
    await setHidden(page, false);
    await page.waitForSelector('.live-marker:not([hidden])', { timeout: 10000 });
  } finally {
    await context.close();
  }
  const { context: c2, page: p2 } = await openLive('/en/calendar?pollMs=60000');
  try {
    assert.equal((await p2.textContent('.live-marker')).trim(), 'Live');
  } finally {
    await c2.close();
  }
});

test('without /api/events (a server with no nchan) the page polls at its interval, no Live marker', async () => {
  const job = await pickJob(6);
  const o = await openPage(browser, '/en/calendar?pollMs=600', { goto: false });
  await o.page.route('**/api/events', (route) => route.fulfill({
    status: 404, contentType: 'application/json',
    body: '{"success":false,"error":{"code":"not_found","message":"No such endpoint."}}',
  }));
  const polls = [];
  o.page.on('request', (r) => { if (isCalendarApi(r.url())) polls.push(Date.now()); });
  try {
    await o.page.goto(`${BASE_URL}/en/calendar?pollMs=600`);
    await waitUntil(() => polls.length >= 4, { timeout: 8000, message: 'four polls at 600 ms' });
    assert.equal(await o.page.locator('.live-marker').isHidden(), true);
    await patchJobAsOther(job.id, { workStatus: 'completed' });
    await waitUntil(async () => (await card(o.page, job.id).getAttribute('data-status')) === 'completed',
      { timeout: 3000, message: 'the change by polling' });
  } finally {
    await o.context.close();
  }
  const r = await api('GET', '/api/events');
  assert.notEqual(r.status, 404, 'this stack has nchan');
});

test('an open job page shows another tablet\'s change to it within 2 s', async () => {
  const job = await pickJob(8);
  const o = await openPage(browser, `/en/jobs/${encodeURIComponent(job.id)}?pollMs=600000`);
  try {
    await o.page.waitForSelector('#job:not([hidden])');
    await o.page.waitForSelector('.live-marker:not([hidden])', { timeout: 10000 });
    const want = job.workStatus === 'in_progress' ? 'checked_in' : 'in_progress';
    await patchJobAsOther(job.id, { workStatus: want });
    await o.page.waitForSelector(`button[data-status="${want}"][aria-pressed="true"]`, { timeout: SHOWN_WITHIN_MS });
  } finally {
    await o.context.close();
  }
});
