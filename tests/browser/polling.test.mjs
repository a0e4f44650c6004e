// The shared polling module, driven through the calendar and job pages:
// hidden/visible, conditional requests, the "Updated" text, errors,
// Retry, back-off and one request at a time. ?pollMs= makes it quick.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, SKIP_LINE, ensureJobs, launch, openPage, isCalendarApi, isJobApi, waitUntil, setHidden, pickJob,
} from './helpers.mjs';

let browser;

before(async () => {
  await ensureJobs();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/* Open a page and wait for its first poll answer (and the rendering of it). */
async function openPolled(urlPath, isApi = (u) => isCalendarApi(u), opts = {}) {
  const o = await openPage(browser, urlPath, { ...opts, goto: false });
  const first = o.page.waitForResponse((r) => isApi(r.url()));
  if (opts.beforeGoto) await opts.beforeGoto(o.page);
  await o.page.goto(`${BASE_URL}${urlPath}`);
  const res = await first;
  await o.page.waitForSelector('.poll-updated');
  await waitUntil(async () => /ago|hace/.test(await o.page.textContent('.poll-updated')), { message: 'first "Updated" text' });
  return { ...o, first: res };
}

const skips = (logs) => logs.filter((l) => l.type === 'log' && l.text === SKIP_LINE).length;

test('while the document is hidden it logs the skip line and sends no request', async () => {
  const { context, page, logs } = await openPolled('/en/calendar?pollMs=300');
  try {
    await setHidden(page, true);
    await waitUntil(() => skips(logs) >= 1, { message: 'the first skip line' });
    const requests = [];
    page.on('request', (r) => { if (isCalendarApi(r.url())) requests.push(r.url()); });
    const before = skips(logs);
    await waitUntil(() => skips(logs) >= before + 3, { message: 'three more skip lines' });
    assert.deepEqual(requests, [], 'no calendar request while hidden');
    const line = logs.find((l) => l.text.includes('Skipping fetch'));
    assert.equal(line.text, '[usePolling] Skipping fetch - document hidden');
    assert.equal(line.type, 'log');
  } finally {
    await context.close();
  }
});

test('becoming visible fetches at once and polling resumes', async () => {
  const { context, page, logs } = await openPolled('/en/calendar?pollMs=3000');
  try {
    await setHidden(page, true);
    await waitUntil(() => skips(logs) >= 1, { timeout: 8000, message: 'a skip line' });
    /* the next regular poll is ~3 s away: a request within 1.5 s is the visibility one */
    const t0 = Date.now();
    const atOnce = page.waitForRequest((r) => isCalendarApi(r.url()), { timeout: 1500 });
    await setHidden(page, false);
    await atOnce;
    assert.ok(Date.now() - t0 < 1500);
    /* and it goes on polling */
    await page.waitForRequest((r) => isCalendarApi(r.url()), { timeout: 8000 });
  } finally {
    await context.close();
  }
});

test('it sends If-None-Match with the last ETag and treats 304 as fresh', async () => {
  const { context, page, first } = await openPolled('/en/calendar?pollMs=2500');
  try {
    let etag = first.headers().etag;
    assert.ok(etag, 'the calendar answer has an ETag');
    const ids = async () => page.$$eval('.job-card', (cs) => cs.map((c) => c.dataset.jobId).join(','));
    let saw304 = false;
    /* other tests may change jobs meanwhile: a few polls to see one 304 */
    for (let i = 0; i < 5 && !saw304; i += 1) {
      const shown = await ids();
      await waitUntil(async () => /Updated [2-9]s ago/.test(await page.textContent('.poll-updated')), { message: '"Updated 2s ago"' });
      const res = await page.waitForResponse((r) => isCalendarApi(r.url()), { timeout: 8000 });
      const sent = await res.request().allHeaders();
      assert.equal(sent['if-none-match'], etag, 'If-None-Match carries the last ETag');
      if (res.status() === 304) {
        saw304 = true;
        await waitUntil(async () => (await page.textContent('.poll-updated')) === 'Updated 0s ago', { message: '"Updated" reset by the 304' });
        assert.equal(await ids(), shown, 'the jobs shown stay after a 304');
        assert.equal(await page.isHidden('.poll-error'), true);
      } else {
        assert.equal(res.status(), 200);
        etag = res.headers().etag;
      }
    }
    assert.ok(saw304, 'an unchanged poll was answered 304');
  } finally {
    await context.close();
  }
});

test('the job page polls with the job\'s ETag too', async () => {
  const job = await pickJob(5);
  const { context, page, first } = await openPolled(`/en/jobs/${job.id}?pollMs=500`, (u) => isJobApi(u, job.id));
  try {
    const etag = first.headers().etag;
    assert.ok(etag, 'GET /api/jobs/{id} has an ETag');
    const res = await page.waitForResponse((r) => isJobApi(r.url(), job.id));
    assert.equal((await res.request().allHeaders())['if-none-match'], etag);
    assert.ok([200, 304].includes(res.status()));
  } finally {
    await context.close();
  }
});

test('"Updated Xs ago" ticks every second', async () => {
  const { context, page } = await openPolled('/en/calendar?pollMs=600000');
  try {
    const seconds = async () => {
      const m = /^Updated (\d+)s ago$/.exec(await page.textContent('.poll-updated'));
      return m ? Number(m[1]) : null;
    };
    const a = await seconds();
    assert.ok(a !== null && a <= 1, `starts near 0s (${a})`);
    await waitUntil(async () => (await seconds()) === a + 1, { timeout: 3000, message: `Updated ${a + 1}s ago` });
    await waitUntil(async () => (await seconds()) === a + 2, { timeout: 3000, message: `Updated ${a + 2}s ago` });
  } finally {
    await context.close();
  }
});

test('after a minute "Updated" counts minutes', async () => {
  const { context, page } = await openPolled('/en/calendar?pollMs=600000', undefined, {
    beforeGoto: (p) => p.clock.install(),
  });
  try {
    await page.clock.fastForward('02:05');
    await waitUntil(async () => (await page.textContent('.poll-updated')) === 'Updated 2m ago', { message: '"Updated 2m ago"' });
  } finally {
    await context.close();
  }
});

test('an API failure keeps the data, shows the error and Retry, and Retry fetches at once', async () => {
  const { context, page } = await openPolled('/en/calendar?pollMs=1500');
  try {
    await page.waitForSelector('#week[aria-busy="false"]');
    const shown = await page.$$eval('.job-card', (cs) => cs.length);
    let failing = true;
    await page.route((u) => isCalendarApi(u.toString()), (route) => (failing
      ? route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ success: false, error: { code: 'internal', message: 'Database unavailable' } }),
      })
      : route.continue()));
    await page.waitForSelector('.poll-error', { state: 'visible', timeout: 6000 });
    const text = await page.textContent('.poll-error');
    assert.ok(text.includes('Database unavailable'), `the error's message is shown: ${text}`);
    assert.equal(await page.$$eval('.job-card', (cs) => cs.length), shown, 'the last data stays');
    const retry = page.getByRole('button', { name: 'Retry' });
    assert.ok(await retry.isVisible());

    /* the next automatic try is >= 3 s away (backed off): Retry's request comes well before */
    failing = false;
    const t0 = Date.now();
    const req = page.waitForRequest((r) => isCalendarApi(r.url()), { timeout: 1500 });
    await retry.click();
    await req;
    assert.ok(Date.now() - t0 < 1500, 'Retry fetched at once');
    await page.waitForSelector('.poll-error', { state: 'hidden' });
    assert.match(await page.textContent('.poll-updated'), /^Updated [01]s ago$/);
  } finally {
    await context.close();
  }
});

test('a network failure backs off, doubling the interval', async () => {
  const { context, page } = await openPolled('/en/calendar?pollMs=400');
  try {
    const times = [];
    await page.route((u) => isCalendarApi(u.toString()), (route) => {
      times.push(Date.now());
      return route.abort('failed');
    });
    await waitUntil(() => times.length >= 4, { timeout: 15000, message: 'four failed polls' });
    const text = await page.textContent('.poll-error');
    assert.ok(text.includes('no connection to the server'), text);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps[0] >= 700, `first back-off ~800 ms: ${gaps}`);
    assert.ok(gaps[1] >= gaps[0] * 1.5 && gaps[2] >= gaps[1] * 1.5, `gaps double: ${gaps}`);
  } finally {
    await context.close();
  }
});

test('never two requests in flight', async () => {
  const { context, page } = await openPolled('/en/calendar?pollMs=200');
  try {
    const inFlight = new Set();      /* requests seen starting and not yet ended */
    let maxInFlight = 0;
    let done = 0;
    const isCal = (r) => isCalendarApi(r.url());
    page.on('request', (r) => {
      if (!isCal(r)) return;
      inFlight.add(r);
      maxInFlight = Math.max(maxInFlight, inFlight.size);
    });
    const end = (r) => { if (inFlight.delete(r)) done += 1; };
    page.on('requestfinished', end);
    page.on('requestfailed', end);
    await page.route((u) => isCalendarApi(u.toString()), async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    });
    /* hammer it: visibility changes and online events ask for fetches at once */
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await setHidden(page, false);
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitUntil(() => done >= 3, { message: 'three requests done' });
    assert.equal(maxInFlight, 1, 'at most one request at a time');
  } finally {
    await context.close();
  }
});
