// Offline tablets (SPEC "Offline tablets"): the service worker keeps the
// pages and the last answers, the pages show them under an "Offline — data
// from …" banner, and edits made offline wait in the outbox (IndexedDB)
// until the connection is back, then go in order with their If-Match; a
// queued edit that meets a newer change opens the conflict view and writes
// nothing until the person chooses. Uses Playwright's offline mode.
//
// "The tablet was switched off and on" is a persistent Chromium profile
// (its service worker, caches and IndexedDB on disk) closed and launched
// again; a change of login is the same profile launched with another
// user's credentials (a second user added to the stack's htpasswd).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  launch, openPage, pickJob, getJob, patchJobAsOther, waitUntil, ensureJobs, calendar,
  STAFF_USER, STAFF_PASSWORD, CANCELLED, BASE_URL, CHROMIUM, CHROMIUM_ARGS, TABLET,
} from './helpers.mjs';

/* A small real JPEG, as the tablet's camera would give (ImageMagick). */
const jpeg = execFileSync('convert', ['-size', '480x360', 'plasma:', 'jpeg:-']);

/*
 * The same profile directory launched again is the same tablet after a
 * restart. noNetwork: every request of the browser (the service worker's
 * too) goes to a proxy that is not there, as on a tablet whose Wi-Fi has
 * no way out. (Playwright's offline mode does not reliably reach the
 * service worker of a relaunched profile, and a relaunched profile whose
 * worker is registered must start offline for its login to work.)
 */
function launchProfile(dir, { user = STAFF_USER, password = STAFF_PASSWORD, offline = false, noNetwork = false } = {}) {
  const args = noNetwork ? [...CHROMIUM_ARGS, '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>'] : CHROMIUM_ARGS;
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args, viewport: TABLET,
    serviceWorkers: 'allow', offline: offline || noNetwork, httpCredentials: { username: user, password },
  });
}

async function firstPage(context, urlPath) {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${BASE_URL}${urlPath}`);
  return page;
}

/* Does the service worker keep an answer for this path (any kept data cache)? */
function kept(page, apiPath) {
  return page.evaluate(async (p) => {
    for (const n of (await caches.keys()).filter((x) => x.endsWith('-data'))) {
      for (const r of await (await caches.open(n)).keys()) if (new URL(r.url).pathname === p) return true;
    }
    return false;
  }, apiPath);
}

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

/* A queued photo's thumbnail on the job page, drawn from the Blob kept in IndexedDB. */
async function queuedThumbShown(page) {
  const img = page.locator('#outbox .outbox-item[data-kind="photo"] img.outbox-thumb');
  await img.first().waitFor();
  await waitUntil(() => img.first().evaluate((el) => (el.complete && el.naturalWidth === 480) || JSON.stringify([el.src, el.complete, el.naturalWidth])), { message: 'the queued photo\'s thumbnail loads' });
  return true;
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

test('a photo taken offline waits with its thumbnail through a browser restart, then uploads after the status change made before it, with If-Match', async () => {
  const job = await pickJob(13);
  const target = job.workStatus === 'in_progress' ? 'qc' : 'in_progress';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-tablet-'));
  let context = await launchProfile(dir);
  try {
    let page = await firstPage(context, `/en/jobs/${job.id}`);
    await primed(page, `/api/jobs/${job.id}`);
    await context.setOffline(true);
    await page.locator(`#status-buttons [data-status="${target}"]`).click();
    await waitUntil(async () => (await outboxCount(page)) === 1, { message: 'the status change queued' });
    await page.selectOption('#photo-kind', 'damage');
    await page.locator('#photo-input').setInputFiles({ name: 'scratch.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await waitUntil(async () => (await outboxCount(page)) === 2, { message: 'the photo queued' });
    assert.match(await page.locator('#outbox .outbox-item[data-kind="photo"]').textContent(), /Photo \(Damage\)Will be sent/);
    await queuedThumbShown(page);
    assert.equal(await page.locator('.photo-upload').count(), 0, 'no failed upload to retry: it is queued');

    /* Switched off, and on again without a connection. */
    await context.close();
    context = await launchProfile(dir, { noNetwork: true });
    page = await firstPage(context, `/en/jobs/${job.id}`);
    await page.locator('.offline-banner').waitFor({ state: 'visible' });
    await page.locator('#hero-service').filter({ hasText: job.serviceType }).waitFor();
    await page.locator('#outbox .outbox-item').nth(1).waitFor();
    assert.equal(await outboxCount(page), 2, 'both edits survived the restart');
    await queuedThumbShown(page);
    assert.equal(await page.locator(`#status-buttons [data-status="${target}"]`).getAttribute('aria-pressed'), 'true');
    assert.equal((await getJob(job.id)).version, job.version, 'nothing reached the server while offline');

    /* Off and on again, and the Wi-Fi is back. */
    await context.close();
    context = await launchProfile(dir, { offline: true });
    page = await firstPage(context, `/en/jobs/${job.id}`);
    const sent = [];     /* the writes the server answered, in order */
    page.on('response', (r) => {
      const m = r.request().method();
      if (m === 'PATCH' || m === 'POST') sent.push({ method: m, status: r.status(), ifMatch: r.request().headers()['if-match'] });
    });
    await page.locator('#outbox .outbox-item').nth(1).waitFor();
    await context.setOffline(false);
    await waitUntil(async () => (await outboxCount(page)) === 0, { timeout: 20000, message: 'the outbox empties once online' });
    assert.deepEqual(sent, [
      { method: 'PATCH', status: 200, ifMatch: `"${job.version}"` },
      { method: 'POST', status: 201, ifMatch: `"${job.version + 1}"` },
    ], 'the status first, then the photo on the version the status change made');
    const now = await getJob(job.id);
    assert.equal(now.version, job.version + 2);
    assert.equal(now.workStatus, target);
    const photo = now.photosMeta.at(-1);
    assert.equal(photo.kind, 'damage');
    assert.equal(photo.by, STAFF_USER);
    const thumb = page.locator(`.photo-group[data-kind=damage] img[src="${photo.thumbUrl}"]`);
    await thumb.waitFor();
    await waitUntil(() => thumb.evaluate((img) => img.complete && img.naturalWidth > 0), { message: 'the uploaded thumbnail shows' });
    await page.locator('#outbox').waitFor({ state: 'hidden' });
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a photo queued offline that meets a newer change opens the conflict view with the photo, and uploads only when applied', async () => {
  const job = await pickJob(14);
  const before = job.photosMeta.length;
  const { context, page } = await openPage(browser, `/en/jobs/${job.id}`, { serviceWorkers: 'allow' });
  try {
    await primed(page, `/api/jobs/${job.id}`);
    await context.setOffline(true);
    await page.selectOption('#photo-kind', 'before');
    await page.locator('#photo-input').setInputFiles({ name: 'walkaround.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await waitUntil(async () => (await outboxCount(page)) === 1, { message: 'the photo queued' });

    const other = await patchJobAsOther(job.id, { notes: `Front desk ${Date.now()}` });
    await context.setOffline(false);
    const conflict = page.locator('#conflict');
    await conflict.waitFor({ state: 'visible', timeout: 20000 });
    const shown = conflict.locator('img.outbox-thumb');
    await waitUntil(() => shown.evaluate((img) => (img.complete && img.naturalWidth === 480) || JSON.stringify([img.src, img.complete, img.naturalWidth])),
      { message: 'the queued photo in the conflict view' });
    assert.match(await conflict.textContent(), /Photo \(Before\)/);
    assert.equal(await page.locator('textarea[name="notes"]').inputValue(), other.notes, 'the newer job is shown');
    const held = await getJob(job.id);
    assert.equal(held.version, other.version, 'nothing written before the person chooses');
    assert.equal(held.photosMeta.length, before);
    assert.equal(await outboxCount(page), 1, 'the photo is still kept');

    await page.locator('#conflict-apply').click();
    await waitUntil(async () => (await getJob(job.id)).photosMeta.length === before + 1, { message: 'the photo uploaded once applied' });
    await waitUntil(async () => (await outboxCount(page)) === 0, { message: 'the outbox empties' });
    await conflict.waitFor({ state: 'hidden' });
    const now = await getJob(job.id);
    assert.equal(now.version, other.version + 1);
    assert.equal(now.notes, other.notes, 'the other change stays');
  } finally {
    await context.close();
  }
});

test('another login on the same tablet empties the kept data, and the first login\'s queued edits are neither shown nor sent as it', async () => {
  const job = await pickJob(15);
  const htpasswd = path.join(process.env.STACK_DIR || '', 'htpasswd');
  const original = fs.readFileSync(htpasswd, 'utf8');
  const second = { user: 'frontdesk', password: `fd-${process.pid}-${Date.now()}` };
  const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: second.password, encoding: 'utf8' }).trim();
  fs.appendFileSync(htpasswd, `${second.user}:${hash}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-tablet-'));
  let context = await launchProfile(dir);
  try {
    let page = await firstPage(context, `/en/jobs/${job.id}`);
    await primed(page, `/api/jobs/${job.id}`);
    await context.setOffline(true);
    const mine = `Queued by staff ${Date.now()}`;
    await page.locator('textarea[name="notes"]').fill(mine);
    await page.locator('#notes-form').getByRole('button', { name: 'Save' }).click();
    await waitUntil(async () => (await outboxCount(page)) === 1, { message: 'the note queued' });
    await context.close();

    /* The tablet is switched on and someone else signs in. */
    context = await launchProfile(dir, { ...second, offline: true });
    page = await firstPage(context, '/en/calendar');
    await context.setOffline(false);
    await page.reload();
    await waitUntil(() => page.evaluate(() => localStorage.getItem('sdo.user')).then((u) => u === 'frontdesk'), { message: 'the page learns the new login' });
    await waitUntil(async () => !(await kept(page, `/api/jobs/${job.id}`)), { message: 'the first login\'s kept job is gone' });
    await page.goto(`${BASE_URL}/en/jobs/${job.id}`);
    await page.locator('#hero-service').filter({ hasText: job.serviceType }).waitFor();
    assert.equal(await outboxCount(page), 1, 'staff\'s edit waits for staff');
    assert.equal(await page.locator('#outbox').isVisible(), false, 'unseen by frontdesk');
    assert.notEqual(await page.locator('textarea[name="notes"]').inputValue(), mine);
    assert.equal((await getJob(job.id)).notes, job.notes, 'and is not sent as frontdesk');
  } finally {
    await context.close();
    fs.writeFileSync(htpasswd, original);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
