#!/usr/bin/env node
// Save docs/calendar-tablet.png: the calendar at 1024x768, as a tablet shows it.
//
//   BASE_URL=http://127.0.0.1:8080 STAFF_USER=staff STAFF_PASSWORD=... \
//     node tests/browser/screenshot.mjs [--all]
//
// --all also saves docs/calendar-phone.png, docs/job-tablet.png and
// docs/reconcile-tablet.png. Uses Debian's /usr/bin/chromium (CHROMIUM to
// change it). With CRON_SECRET set it first runs the reconcile endpoint
// once (idempotent), so the demo bookings are jobs.

import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE_URL, CRON_SECRET, TABLET, PHONE, launch, openPage, calendar, ensureJobs } from './helpers.mjs';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');
const all = process.argv.includes('--all');

async function shoot(browser, urlPath, viewport, file, ready, fullPage = false) {
  const { context, page, errors } = await openPage(browser, urlPath, { viewport });
  try {
    await page.waitForSelector(ready, { timeout: 15000 });
    await page.evaluate(() => document.fonts.ready);
    const out = path.join(docs, file);
    await page.screenshot({ path: out, fullPage });
    console.log(`saved ${path.relative(process.cwd(), out)}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
  } finally {
    await context.close();
  }
}

fs.mkdirSync(docs, { recursive: true });
const browser = await launch();
try {
  if (CRON_SECRET) await ensureJobs();
  await shoot(browser, '/en/calendar', TABLET, 'calendar-tablet.png', '#week[aria-busy="false"]');
  if (all) {
    await shoot(browser, '/en/calendar', PHONE, 'calendar-phone.png', '#week[aria-busy="false"]');
    const week = await calendar();
    const job = week.jobs.find((j) => j.workStatus === 'in_progress') || week.jobs[0];
    if (job) await shoot(browser, `/en/jobs/${encodeURIComponent(job.id)}`, TABLET, 'job-tablet.png', '#job:not([hidden])', true);
    await shoot(browser, '/en/admin/reconcile', TABLET, 'reconcile-tablet.png', 'table tbody tr.run, #no-runs:not([hidden])');
  }
} catch (e) {
  console.error(`screenshot: ${e.message} (BASE_URL=${BASE_URL})`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
