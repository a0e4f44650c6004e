// Calendar page: the week's jobs as the API has them, layout, navigation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, TABLET, PHONE, CANCELLED, ensureJobs, calendar, launch, openPage, isCalendarApi,
  waitUntil, dayKey, addDays,
} from './helpers.mjs';

let browser;

before(async () => {
  await ensureJobs();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/* Open the calendar and return the calendar answer the page itself got. */
async function openCalendar(urlPath, opts) {
  const o = await openPage(browser, urlPath, { ...opts, goto: false });
  const first = o.page.waitForResponse((r) => isCalendarApi(r.url()) && r.status() === 200);
  await o.page.goto(`${BASE_URL}${urlPath}`);
  const res = await first;
  const data = (await res.json()).data;
  await o.page.waitForSelector('#week[aria-busy="false"]');
  return { ...o, data, url: new URL(res.url()) };
}

test('the calendar shows the week\'s jobs exactly as GET /api/calendar lists them', async () => {
  const { context, page, data, url } = await openCalendar('/en/calendar');
  try {
    assert.equal(url.searchParams.get('start'), data.start);
    assert.equal(url.searchParams.get('end'), data.end);
    const apiData = await calendar(`?start=${data.start}&end=${data.end}`);
    assert.ok(apiData.jobs.length > 0, 'the demo week has jobs');
    const ids = await page.$$eval('.job-card', (cards) => cards.map((c) => c.dataset.jobId));
    assert.deepEqual([...ids].sort(), apiData.jobs.map((j) => j.id).sort());

    const tz = data.timezone;
    for (const job of apiData.jobs) {
      const card = page.locator(`.job-card[data-job-id="${job.id}"]`);
      const text = (await card.innerText()).replace(/\s+/g, ' ');
      if (job.serviceType) assert.ok(text.includes(job.serviceType), `card shows service ${job.serviceType}`);
      if (job.customerName) assert.ok(text.includes(job.customerName), `card shows customer ${job.customerName}`);
      if (job.vehicle && job.vehicle.make) assert.ok(text.includes(job.vehicle.make), 'card shows the vehicle');
      const time = new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', minute: '2-digit' }).format(new Date(job.appointmentTime)).replace(/\s+/g, ' ');
      assert.ok(text.includes(time), `card shows local time ${time}: ${text}`);
      const day = await card.evaluate((el) => el.closest('.day').dataset.date);
      assert.equal(day, dayKey(job.appointmentTime, tz), `job ${job.id} is under its local day`);
      assert.equal(await card.getAttribute('href'), `/en/jobs/${encodeURIComponent(job.id)}`);
      const cls = await card.getAttribute('class');
      if (CANCELLED.has(job.bookingStatus)) {
        assert.match(cls, /is-cancelled/);
        assert.ok(text.includes('Cancelled'), 'cancelled job is labelled');
        const deco = await card.locator('.job-service').evaluate((el) => getComputedStyle(el).textDecorationLine);
        assert.equal(deco, 'line-through');
      } else {
        assert.doesNotMatch(cls, /is-cancelled/);
        assert.match(cls, new RegExp(`st-${job.workStatus}`), 'status colour class');
      }
    }

    const days = await page.$$eval('.day', (els) => els.map((d) => d.dataset.date));
    assert.equal(days.length, 7);
    assert.equal(days[0], data.start);
    assert.equal(days[6], data.end);
    const today = dayKey(new Date().toISOString(), tz);
    if (today >= data.start && today <= data.end) {
      assert.equal(await page.getAttribute('.day.is-today', 'data-date'), today);
      assert.equal(await page.getAttribute('.day.is-today', 'aria-current'), 'date');
    }
  } finally {
    await context.close();
  }
});

test('tapping a job opens its job page', async () => {
  const { context, page, data } = await openCalendar('/en/calendar');
  try {
    const job = data.jobs[0];
    await page.click(`.job-card[data-job-id="${job.id}"]`);
    await page.waitForURL(`${BASE_URL}/en/jobs/${encodeURIComponent(job.id)}`);
    await page.waitForSelector('#job:not([hidden])');
    if (job.serviceType) assert.equal((await page.textContent('#hero-service')).trim(), job.serviceType);
  } finally {
    await context.close();
  }
});

test('previous week, next week and Today move the week and the API request', async () => {
  const { context, page, data } = await openCalendar('/en/calendar');
  try {
    const monday = data.start;
    const next = page.waitForRequest((r) => isCalendarApi(r.url()) && new URL(r.url()).searchParams.get('start') === addDays(monday, 7));
    await page.getByRole('button', { name: 'Next week' }).click();
    const nextReq = new URL((await next).url());
    assert.equal(nextReq.searchParams.get('end'), addDays(monday, 13));
    assert.equal(new URL(page.url()).searchParams.get('start'), addDays(monday, 7));
    await waitUntil(async () => (await page.getAttribute('.day', 'data-date')) === addDays(monday, 7), { message: 'next week shown' });

    const prev = page.waitForRequest((r) => isCalendarApi(r.url()) && new URL(r.url()).searchParams.get('start') === monday);
    await page.getByRole('button', { name: 'Previous week' }).click();
    await prev;
    const prev2 = page.waitForRequest((r) => isCalendarApi(r.url()) && new URL(r.url()).searchParams.get('start') === addDays(monday, -7));
    await page.getByRole('button', { name: 'Previous week' }).click();
    await prev2;
    await waitUntil(async () => (await page.getAttribute('.day', 'data-date')) === addDays(monday, -7), { message: 'previous week shown' });

    const back = page.waitForRequest((r) => isCalendarApi(r.url()) && new URL(r.url()).searchParams.get('start') === monday);
    await page.getByRole('button', { name: 'Today', exact: true }).click();
    await back;
    assert.equal(new URL(page.url()).searchParams.get('start'), null);
    await waitUntil(async () => (await page.getAttribute('.day', 'data-date')) === monday, { message: 'this week shown again' });
  } finally {
    await context.close();
  }
});

test('?start= in the page URL shows the week holding that day', async () => {
  const data = await calendar();
  const wednesday = addDays(data.start, 9);          /* Wednesday of next week */
  const { context, page, url } = await openCalendar(`/en/calendar?start=${wednesday}`);
  try {
    assert.equal(url.searchParams.get('start'), addDays(data.start, 7));
    assert.equal(url.searchParams.get('end'), addDays(data.start, 13));
    assert.equal(await page.getAttribute('.day', 'data-date'), addDays(data.start, 7));
  } finally {
    await context.close();
  }
});

test('at 1024x768 the days are columns, at 390x844 a list', async () => {
  for (const [viewport, layout] of [[TABLET, 'columns'], [PHONE, 'list']]) {
    const { context, page } = await openCalendar('/en/calendar', { viewport });
    try {
      const boxes = await page.$$eval('.day', (els) => els.map((d) => {
        const r = d.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width };
      }));
      assert.equal(boxes.length, 7);
      if (layout === 'columns') {
        for (let i = 1; i < 7; i += 1) {
          assert.ok(boxes[i].x > boxes[i - 1].x + boxes[i - 1].w - 1, `day ${i} is right of day ${i - 1}`);
          assert.ok(Math.abs(boxes[i].y - boxes[0].y) < 1, 'all days start on one row');
        }
      } else {
        for (let i = 1; i < 7; i += 1) {
          assert.ok(boxes[i].y > boxes[i - 1].y, `day ${i} is below day ${i - 1}`);
          assert.ok(Math.abs(boxes[i].x - boxes[0].x) < 1, 'days share the left edge');
        }
        assert.ok(boxes[0].w > viewport.width * 0.85, 'a day takes the width of the phone');
      }
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= viewport.width, `no sideways scrolling (${scrollWidth}px)`);
    } finally {
      await context.close();
    }
  }
});

test('touch targets on the calendar are at least 44px high', async () => {
  for (const viewport of [TABLET, PHONE]) {
    const { context, page } = await openCalendar('/en/calendar', { viewport });
    try {
      const small = await page.$$eval('button, a.job-card, .mainnav a, .langswitch a', (els) => els
        .filter((e) => e.offsetParent !== null)
        .map((e) => ({ text: e.textContent.trim().slice(0, 30), h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width }))
        .filter((b) => b.h < 44 || b.w < 40));
      assert.deepEqual(small, [], `targets under 44px at ${viewport.width}px`);
    } finally {
      await context.close();
    }
  }
});
