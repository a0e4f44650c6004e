// The job page's photos in Chromium: a picture chosen through the camera
// input (setInputFiles) is uploaded with its kind and shown as a
// thumbnail in its group; a failed upload is retried from the kept
// picture; a tap opens it large; delete asks first.  The image is made
// here with ImageMagick.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, openPage, pickJob, getJob, waitUntil } from './helpers.mjs';

let browser;
const jpeg = execFileSync('convert', ['-size', '640x480', 'plasma:', 'jpeg:-']);

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a photo taken on the page is uploaded, shown, opened large and deleted', async () => {
  const job = await pickJob(0);
  const { page, errors, context } = await openPage(browser, `/en/jobs/${encodeURIComponent(job.id)}?pollMs=600000`);
  await page.waitForSelector('#job:not([hidden])');
  const input = page.locator('input[type=file][capture=environment][accept="image/*"]');
  assert.equal(await input.count(), 1);
  await page.selectOption('#photo-kind', 'damage');

  // The first try fails at the server; Retry sends the same picture again.
  // (A try that finds no connection at all is queued instead: offline.test.mjs.)
  let tries = 0;
  await page.route('**/api/jobs/*/photos?*', (route) => {
    tries += 1;
    return tries === 1
      ? route.fulfill({ status: 500, contentType: 'application/json',
        body: JSON.stringify({ success: false, error: { code: 'internal_error', message: 'The photo could not be stored.' } }) })
      : route.continue();
  });
  await input.setInputFiles({ name: 'car.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await page.locator('.photo-upload').getByText('The photo could not be stored.').waitFor();
  await page.getByRole('button', { name: 'Retry' }).click();
  const thumb = page.locator('.photo-group[data-kind=damage] img');
  await thumb.first().waitFor();
  await waitUntil(() => thumb.first().evaluate((img) => img.complete && img.naturalWidth > 0),
    { message: 'the thumbnail loads' });
  assert.equal(tries, 2);
  const stored = await getJob(job.id);
  const e = stored.photosMeta.at(-1);
  assert.equal(e.kind, 'damage');
  assert.equal(await thumb.last().getAttribute('src'), e.thumbUrl);

  await page.locator('.photo-group[data-kind=damage] .photo-thumb').last().click();
  const big = page.locator('dialog.photo-viewer[open] img.photo-large');
  await big.waitFor();
  assert.equal(await big.getAttribute('src'), e.url);
  await waitUntil(() => big.evaluate((img) => img.complete && img.naturalWidth === 640));

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete photo' }).click();
  await waitUntil(async () => !(await getJob(job.id)).photosMeta.some((p) => p.key === e.key),
    { message: 'the photo is deleted' });
  await waitUntil(async () => (await page.locator(`.photo-thumb img[src="${e.thumbUrl}"]`).count()) === 0);
  assert.deepEqual(errors.filter((x) => !/Failed to load resource/.test(x)), []);
  await context.close();
});

test('the Spanish page offers the camera in Spanish', async () => {
  const job = await pickJob(0);
  const { page, context } = await openPage(browser, `/es/jobs/${encodeURIComponent(job.id)}?pollMs=600000`);
  await page.waitForSelector('#job:not([hidden])');
  await page.getByRole('button', { name: 'Añadir foto' }).waitFor();
  assert.equal(await page.locator('#photo-kind option[value=damage]').textContent(), 'Daños');
  await context.close();
});
