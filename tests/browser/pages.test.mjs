// Every page: Spanish, the reconcile admin page, no console errors, API
// text never turned into markup, locale redirects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, TABLET, PHONE, ensureJobs, launch, openPage, isCalendarApi, api, waitUntil, pickJob,
} from './helpers.mjs';

let browser;
let job;

before(async () => {
  await ensureJobs();
  job = await pickJob(0);
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function waitForUpdated(page, pattern = /^Updated \d+s ago$/) {
  await waitUntil(async () => pattern.test((await page.textContent('.poll-updated')) || ''), { message: `"Updated" text ${pattern}` });
}

test('the Spanish calendar is in Spanish, down to "Actualizado hace" and "Reintentar"', async () => {
  const { context, page, errors } = await openPage(browser, '/es/calendar?pollMs=1000');
  try {
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    await waitForUpdated(page, /^Actualizado hace \d+s$/);
    assert.equal((await page.textContent('.mainnav a[aria-current="page"]')).trim(), 'Calendario');
    assert.ok(await page.getByRole('button', { name: 'Hoy', exact: true }).isVisible());
    assert.ok(await page.getByRole('button', { name: 'Semana siguiente' }).isVisible());
    const cards = await page.$$eval('.job-card .tag', (ts) => ts.map((t) => t.textContent));
    for (const label of cards) {
      assert.ok(['Programado', 'Recibido', 'En proceso', 'Control de calidad', 'Terminado', 'No se presentó', 'Cancelada'].includes(label), label);
    }
    assert.deepEqual(errors, []);

    await page.route((u) => isCalendarApi(u.toString()), (route) => route.abort('failed'));
    const retry = page.getByRole('button', { name: 'Reintentar' });
    await retry.waitFor({ state: 'visible', timeout: 6000 });
    assert.ok((await page.textContent('.poll-error')).includes('No se pudo actualizar'));
  } finally {
    await context.close();
  }
});

test('the Spanish job page labels its statuses and buttons in Spanish', async () => {
  const { context, page, errors } = await openPage(browser, `/es/jobs/${encodeURIComponent(job.id)}`);
  try {
    await page.waitForSelector('#job:not([hidden])');
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal((await page.textContent('button[data-status="in_progress"]')).trim(), 'En proceso');
    assert.equal((await page.textContent('button[data-status="completed"]')).trim(), 'Terminado');
    assert.ok(await page.getByRole('button', { name: 'Guardar', exact: true }).isVisible());
    assert.ok((await page.textContent('#back')).includes('Calendario'));
    // checklist items in Spanish, from the template's Spanish labels
    const full = (await api('GET', `/api/jobs/${encodeURIComponent(job.id)}`)).body.data;
    const first = full.checklist.tech[0];
    assert.ok(first.labels && first.labels.es, 'the job carries Spanish labels');
    assert.ok((await page.textContent('#job')).includes(first.labels.es));
    assert.ok(!(await page.textContent('#job')).includes(first.label));
    await waitForUpdated(page, /^Actualizado hace \d+s$/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the reconcile page shows the runs as a table beside an SVG chart', async () => {
  const runs = (await api('GET', '/api/reconcile/runs?limit=50')).body.data.runs;
  assert.ok(runs.length > 0, 'at least the run made by ensureJobs');
  const { context, page, errors } = await openPage(browser, '/en/admin/reconcile', { goto: false });
  try {
    const got = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/reconcile/runs');
    await page.goto(`${BASE_URL}/en/admin/reconcile`);
    const res = await got;
    assert.equal(new URL(res.url()).searchParams.get('limit'), '50');
    const shown = (await res.json()).data.runs;
    await waitUntil(async () => (await page.locator('table tbody tr.run').count()) === shown.length, { message: 'one row per run' });
    const headers = await page.$$eval('table thead th', (ths) => ths.map((th) => th.textContent.trim()));
    assert.deepEqual(headers, ['When', 'Trigger', 'Scanned', 'Created', 'Updated', 'Skipped', 'Errors', 'Duration']);
    const firstRow = await page.$$eval('table tbody tr.run:first-child td', (tds) => tds.map((td) => td.textContent.trim()));
    assert.equal(firstRow[2], String(shown[0].scanned));
    assert.equal(firstRow[3], String(shown[0].created));
    assert.equal(firstRow[4], String(shown[0].updated));
    assert.equal(firstRow[5], String(shown[0].skipped));
    assert.equal(firstRow[6].replace(/\D/g, ''), String(shown[0].errors.length));
    assert.equal(await page.locator('#chart svg').count(), 1);
    assert.equal(await page.locator('#chart svg rect.bar-created').count(), shown.length);
    assert.equal(await page.locator('#chart svg rect.bar-updated').count(), shown.length);
    await waitForUpdated(page);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('reconcile errors are readable: each run\'s list opens, as text', async () => {
  const { context, page } = await openPage(browser, '/en/admin/reconcile', { goto: false });
  try {
    const message = 'Square answered 500 <b>twice</b>';
    await page.route((u) => new URL(u.toString()).pathname === '/api/reconcile/runs', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.data.runs[0].errors = [
        { bookingId: 'bk_err_1', stage: 'customers', message },
        { stage: 'list', message: 'cursor repeated' },
      ];
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${BASE_URL}/en/admin/reconcile`);
    const toggle = page.locator('tr.run').first().locator('button.btn-errors');
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('tr.run-errors').first().isHidden(), true);
    await toggle.click();
    await page.waitForSelector('tr.run-errors:not([hidden])');
    assert.equal(await page.locator('tr.run').first().locator('button.btn-errors').getAttribute('aria-expanded'), 'true');
    const text = await page.textContent('tr.run-errors:not([hidden])');
    assert.ok(text.includes(message), 'the message is shown literally');
    assert.ok(text.includes('customers') && text.includes('bk_err_1') && text.includes('cursor repeated'));
    assert.equal(await page.locator('tr.run-errors b').count(), 0, 'no markup from the API');
  } finally {
    await context.close();
  }
});

test('API text is never turned into markup on the calendar', async () => {
  const { context, page, errors } = await openPage(browser, '/en/calendar', { goto: false });
  try {
    const evil = '<img src=x onerror="window.__pwned=1">Eve';
    await page.route((u) => isCalendarApi(u.toString()), async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      if (body.data.jobs[0]) {
        body.data.jobs[0].customerName = evil;
        body.data.jobs[0].serviceType = '<script>window.__pwned=2</script>Wash';
      }
      await route.fulfill({ response: res, json: body, headers: { ...res.headers(), etag: '"tampered"' } });
    });
    await page.goto(`${BASE_URL}/en/calendar`);
    await page.waitForSelector('.job-card');
    assert.ok((await page.textContent('.job-card')).includes(evil));
    assert.equal(await page.locator('.job-card img, .job-card script').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('no console errors on any page, tablet or phone', async () => {
  const pages = ['/en/calendar', '/es/calendar', `/en/jobs/${encodeURIComponent(job.id)}`, `/es/jobs/${encodeURIComponent(job.id)}`,
    '/en/admin/reconcile', '/es/admin/reconcile'];
  for (const viewport of [TABLET, PHONE]) {
    for (const p of pages) {
      const { context, page, errors } = await openPage(browser, p, { viewport, goto: false });
      try {
        const polled = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/'), { timeout: 15000 })
          .catch((e) => { throw new Error(`${p} at ${viewport.width}px: no API answer (${e.message})`); });
        await page.goto(`${BASE_URL}${p}`);
        assert.equal((await polled).status(), 200, `${p} got its data`);
        await waitForUpdated(page, /^(Updated \d+s ago|Actualizado hace \d+s)$/);
        assert.deepEqual(errors, [], `${p} at ${viewport.width}px`);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= viewport.width, `${p} at ${viewport.width}px scrolls sideways (${scrollWidth}px)`);
      } finally {
        await context.close();
      }
    }
  }
});

test('the job page\'s back link and the language switch keep the place', async () => {
  const { context, page } = await openPage(browser, `/en/jobs/${encodeURIComponent(job.id)}`);
  try {
    await page.waitForSelector('#job:not([hidden])');
    assert.equal(await page.getAttribute('.langswitch a[data-lang="es"]', 'href'), `/es/jobs/${encodeURIComponent(job.id)}`);
    await page.click('#back');
    await page.waitForURL(/\/en\/calendar/);
    await page.waitForSelector(`.job-card[data-job-id="${job.id}"]`);
  } finally {
    await context.close();
  }
});

test('an unknown locale and the root go to the English calendar', async () => {
  const { context, page } = await openPage(browser, '/', { goto: false });
  try {
    await page.goto(`${BASE_URL}/`);
    assert.equal(new URL(page.url()).pathname, '/en/calendar');
    await page.goto(`${BASE_URL}/fr/jobs/${encodeURIComponent(job.id)}`);
    assert.equal(new URL(page.url()).pathname, `/en/jobs/${encodeURIComponent(job.id)}`);
    await page.waitForSelector('#job:not([hidden])');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
  } finally {
    await context.close();
  }
});
