// Offline tablets (SPEC "Offline tablets"): the service worker keeps the
// pages and the last answers, the pages show them under an "Offline — data
// from …" banner, and edits made offline wait in the outbox (IndexedDB)
// until the connection is back, then go in order with their If-Match; a
// queued edit that meets a newer change opens the conflict view and writes
// nothing until the person chooses. Uses Playwright's offline mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, pickJob, getJob, patchJobAsOther, waitUntil, ensureJobs, calendar,
  STAFF_USER, CANCELLED,
} from './helpers.mjs';

let browser;
before(async () => {
  await ensureJobs();
  browser = await launch();
});
after(async () => { await browser?.close(); });

/* The page is controlled by the service worker and it has kept `apiPath`'s answer. */
async function primed(page, apiPath) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  /* The first load is not controlled; a reload is. */
  await page.reload();
  await waitUntil(() => page.evaluate(() => !!navigator.serviceWorker.controller), { message: 'the service worker controls the page' });
  await waitUntil(() => page.evaluate(async (p) => {
    const names = await caches.keys();
    for (const n of names.filter((x) => x.endsWith('-data'))) {
      const c = await caches.open(n);
      for (const r of await c.keys()) if (new URL(r.url).pathname === p) return true;
    }
    return false;
  }, apiPath), { message: `the service worker kept ${apiPath}` });
}

async function outboxCount(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('sdo', 1);
    req.onsuccess = () => {
      const t = req.result.transaction('outbox', 'readonly').objectStore('outbox').count();
      t.onsuccess = () => resolve(t.result);
      t.onerror = () => reject(t.error);
    };
    req.onerror = () => reject(req.error);
  }));
}

test('the service worker controls the page after a reload; offline, the calendar shows its kept week under a banner', async () => {
  const { context, page, errors } = await openPage(browser, '/en/calendar', { serviceWorkers: 'allow' });
  try {
    await primed(page, '/api/calendar');
    const week = await calendar();
    const active = week.jobs.find((j) => !CANCELLED.has(j.bookingStatus) && j.customerName);
    assert.ok(active, 'the demo week has a job with a customer');
    await context.setOffline(true);
    await page.reload();
    const banner = page.locator('.offline-banner');
    await banner.waitFor({ state: 'visible' });
    assert.match(await banner.textContent(), /^Offline — data from \d{1,2}:\d{2}/);
    await page.getByText(active.customerName).first().waitFor({ state: 'visible' });
    assert.equal(await page.locator('.poll-error').isVisible(), false, 'no error over kept data');
    await context.setOffline(false);
    await waitUntil(async () => !(await banner.isVisible()), { message: 'the banner goes once online' });
    assert.deepEqual(errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(e)), []);
  } finally {
    await context.close();
  }
});

test('offline, a job page reload shows the kept job, in Spanish too', async () => {
  const job = await pickJob(10);
  const { context, page } = await openPage(browser, `/es/jobs/${job.id}`, { serviceWorkers: 'allow' });
  try {
    await primed(page, `/api/jobs/${job.id}`);
    await context.setOffline(true);
    await page.reload();
    const banner = page.locator('.offline-banner');
    await banner.waitFor({ state: 'visible' });
    assert.match(await banner.textContent(), /^Sin conexión — datos de las \d{1,2}:\d{2}/);
    await page.locator('#hero-service').filter({ hasText: job.serviceType }).waitFor();
  } finally {
    await context.close();
  }
});

test('a status change and a checklist toggle made offline survive an offline reload and reach the server in order', async () => {
  const job = await pickJob(11);
  const item = job.checklist.tech.find((i) => !i.done);
  assert.ok(item, 'the job has an unticked technician item');
  const target = job.workStatus === 'in_progress' ? 'qc' : 'in_progress';
  const { context, page } = await openPage(browser, `/en/jobs/${job.id}`, { serviceWorkers: 'allow' });
  const patches = [];     /* the PATCHes the server answered, in order */
  page.on('response', (r) => { if (r.request().method() === 'PATCH') patches.push(JSON.parse(r.request().postData())); });
  try {
    await primed(page, `/api/jobs/${job.id}`);
    await context.setOffline(true);
    await page.locator(`#status-buttons [data-status="${target}"]`).click();
    await page.locator('#outbox').getByText(/Will be sent/).first().waitFor();
    await page.locator('#checklists').getByRole('checkbox', { name: item.label }).check();
    await waitUntil(async () => (await outboxCount(page)) === 2, { message: 'two edits queued' });

    await page.reload();
    await page.locator('#outbox .outbox-item').nth(1).waitFor();
    assert.equal(await page.locator('#outbox .outbox-item').count(), 2, 'both edits still pending after an offline reload');
    assert.equal(await page.locator(`#status-buttons [data-status="${target}"]`).getAttribute('aria-pressed'), 'true',
      'the queued status is what the page shows');
    assert.equal(await page.locator('#checklists').getByRole('checkbox', { name: item.label }).isChecked(), true);
    assert.equal((await getJob(job.id)).version, job.version, 'nothing reached the server while offline');

    await context.setOffline(false);
    await waitUntil(async () => (await outboxCount(page)) === 0, { timeout: 20000, message: 'the outbox empties once online' });
    assert.deepEqual(patches.map((p) => Object.keys(p)[0]), ['workStatus', 'checklist'], 'sent in the order made');
    const now = await getJob(job.id);
    assert.equal(now.version, job.version + 2);
    assert.equal(now.workStatus, target);
    const last = now.statusHistory[now.statusHistory.length - 1];
    assert.equal(last.to, target);
    assert.equal(last.by, STAFF_USER);
    const ticked = now.checklist.tech.find((i) => i.key === item.key);
    assert.equal(ticked.done, true);
    assert.equal(ticked.doneBy, STAFF_USER);
    await page.locator('#outbox').waitFor({ state: 'hidden' });
  } finally {
    await context.close();
  }
});

test('an offline notes edit that meets a newer change shows the conflict view and writes nothing until the person chooses', async () => {
  const job = await pickJob(12);
  const { context, page } = await openPage(browser, `/en/jobs/${job.id}`, { serviceWorkers: 'allow' });
  try {
    await primed(page, `/api/jobs/${job.id}`);
    await context.setOffline(true);
    const mine = `Offline note ${Date.now()}`;
    await page.locator('textarea[name="notes"]').fill(mine);
    await page.locator('#notes-form').getByRole('button', { name: 'Save' }).click();
    await waitUntil(async () => (await outboxCount(page)) === 1, { message: 'the note queued' });

    const theirs = `Front desk note ${Date.now()}`;
    const other = await patchJobAsOther(job.id, { notes: theirs });

    await context.setOffline(false);
    const conflict = page.locator('#conflict');
    await conflict.waitFor({ state: 'visible', timeout: 20000 });
    assert.match(await conflict.textContent(), new RegExp(mine));
    assert.match(await conflict.textContent(), new RegExp(theirs));
    const held = await getJob(job.id);
    assert.equal(held.version, other.version, 'nothing written before the person chooses');
    assert.equal(held.notes, theirs);
    assert.equal(await outboxCount(page), 1, 'the queued value is kept');

    await page.locator('#conflict-apply').click();
    await waitUntil(async () => (await getJob(job.id)).notes === mine, { message: 'applied again' });
    await waitUntil(async () => (await outboxCount(page)) === 0, { message: 'the outbox empties' });
    await conflict.waitFor({ state: 'hidden' });
  } finally {
    await context.close();
  }
});
