// Job page: edits made in the UI reach the server (checked through the
// API), a 409 keeps the person's edit, polling leaves typing alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, STAFF_USER, ensureJobs, launch, openPage, isJobApi, waitUntil, pickJob, getJob, patchJobAsOther,
} from './helpers.mjs';

let browser;

before(async () => {
  await ensureJobs();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function openJob(id, query = '?pollMs=600000', opts = {}) {
  const o = await openPage(browser, `/en/jobs/${encodeURIComponent(id)}${query}`, opts);
  await o.page.waitForSelector('#job:not([hidden])');
  return o;
}

function nextPatch(page, id) {
  return page.waitForResponse((r) => isJobApi(r.url(), id) && r.request().method() === 'PATCH');
}

async function patchRequest(res) {
  const req = res.request();
  return { headers: await req.allHeaders(), body: JSON.parse(req.postData()) };
}

function otherStatus(current, avoid = []) {
  return ['in_progress', 'qc', 'checked_in', 'completed'].find((s) => s !== current && !avoid.includes(s));
}

test('a status change made in the UI is stored', async () => {
  const job = await pickJob(0);
  const target = otherStatus(job.workStatus);
  const { context, page, errors } = await openJob(job.id);
  try {
    assert.equal(await page.getAttribute(`button[data-status="${job.workStatus}"]`, 'aria-pressed'), 'true');
    const patched = nextPatch(page, job.id);
    await page.click(`button[data-status="${target}"]`);
    const res = await patched;
    assert.equal(res.status(), 200);
    const { headers, body } = await patchRequest(res);
    assert.deepEqual(body, { workStatus: target }, 'only the changed field is sent');
    assert.match(headers['content-type'], /^application\/json/);
    assert.equal(headers['if-match'], `"${job.version}"`);
    await page.waitForSelector(`button[data-status="${target}"][aria-pressed="true"]`);
    assert.equal(await page.getAttribute(`button[data-status="${job.workStatus}"]`, 'aria-pressed'), 'false');

    const stored = await getJob(job.id);
    assert.equal(stored.workStatus, target);
    const last = stored.statusHistory[stored.statusHistory.length - 1];
    assert.equal(last.from, job.workStatus);
    assert.equal(last.to, target);
    assert.equal(last.by, STAFF_USER);
    /* the timeline shows it */
    assert.ok((await page.textContent('#history')).includes('→'));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a checklist toggle made in the UI is stored', async () => {
  const job = await pickJob(1);
  const item = job.checklist.tech[0];
  assert.ok(item, 'the job has a technician checklist');
  const { context, page, errors } = await openJob(job.id);
  try {
    const box = page.locator('#checklists').getByRole('checkbox', { name: item.label });
    assert.equal(await box.isChecked(), !!item.done);
    const patched = nextPatch(page, job.id);
    await box.click();
    const res = await patched;
    assert.equal(res.status(), 200);
    const { body } = await patchRequest(res);
    assert.deepEqual(body, { checklist: { tech: [{ key: item.key, done: !item.done }] } });

    const stored = (await getJob(job.id)).checklist.tech.find((x) => x.key === item.key);
    assert.equal(stored.done, !item.done);
    if (stored.done) {
      assert.equal(stored.doneBy, STAFF_USER);
      assert.ok(stored.doneAt);
      await waitUntil(async () => (await page.locator(`li[data-key="${item.key}"] .check-meta`).first().textContent()).includes(`Done by ${STAFF_USER}`),
        { message: '"Done by" shown' });
    }
    assert.equal(await box.isChecked(), stored.done);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a 409 shows the newer job and keeps the unsaved notes, which can be applied again', async () => {
  const job = await pickJob(2);
  /*
   * Without live updates (as on a server with no nchan): with them the page
   * would fetch the other tablet's change at once and no conflict arise.
   */
  const { context, page } = await openPage(browser, `/en/jobs/${encodeURIComponent(job.id)}?pollMs=600000`, { goto: false });
  await page.route('**/api/events', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{}' }));
  await page.goto(`${BASE_URL}/en/jobs/${encodeURIComponent(job.id)}?pollMs=600000`);
  await page.waitForSelector('#job:not([hidden])');
  try {
    const typed = `Customer wants the dog hair gone — ${Date.now()}`;
    await page.fill('textarea[name="notes"]', typed);

    /* meanwhile another tablet changes the job */
    const theirStatus = otherStatus(job.workStatus);
    const theirs = await patchJobAsOther(job.id, { workStatus: theirStatus });
    assert.ok(theirs.version > job.version);

    const conflicted = nextPatch(page, job.id);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const res = await conflicted;
    assert.equal(res.status(), 409);
    assert.equal((await patchRequest(res)).headers['if-match'], `"${job.version}"`);

    /* the newer job is shown ... */
    await page.waitForSelector(`button[data-status="${theirStatus}"][aria-pressed="true"]`);
    /* ... and the edit is not lost */
    const banner = page.locator('#conflict');
    await banner.waitFor({ state: 'visible' });
    assert.ok((await banner.textContent()).includes('Someone else changed this job'));
    assert.ok((await banner.textContent()).includes(typed), 'the banner shows the pending edit');
    assert.equal(await page.inputValue('textarea[name="notes"]'), typed, 'the typed text stays in the box');

    const again = nextPatch(page, job.id);
    await page.getByRole('button', { name: 'Apply my change again' }).click();
    const res2 = await again;
    assert.equal(res2.status(), 200);
    const req2 = await patchRequest(res2);
    assert.equal(req2.headers['if-match'], `"${theirs.version}"`, 're-sent with the new version');
    assert.deepEqual(req2.body, { notes: typed });
    await banner.waitFor({ state: 'hidden' });

    const stored = await getJob(job.id);
    assert.equal(stored.notes, typed);
    assert.equal(stored.workStatus, theirStatus, 'the other person\'s change is kept');
    assert.equal(await page.inputValue('textarea[name="notes"]'), typed);
  } finally {
    await context.close();
  }
});

test('polling does not overwrite what someone is typing', async () => {
  const job = await pickJob(3);
  const { context, page } = await openJob(job.id, '?pollMs=300');
  try {
    const typed = `Half-typed note ${Date.now()}`;
    await page.fill('textarea[name="notes"]', typed);
    await page.fill('#vehicle-form input[name="make"]', 'Subaru');

    const theirStatus = otherStatus(job.workStatus);
    await patchJobAsOther(job.id, { workStatus: theirStatus });
    await patchJobAsOther(job.id, { notes: 'Written on another tablet' });
    /* a poll has brought the newer job ... */
    await page.waitForSelector(`button[data-status="${theirStatus}"][aria-pressed="true"]`, { timeout: 10000 });
    await page.waitForResponse((r) => isJobApi(r.url(), job.id) && r.request().method() === 'GET');
    /* ... and left the typing alone */
    assert.equal(await page.inputValue('textarea[name="notes"]'), typed);
    assert.equal(await page.inputValue('#vehicle-form input[name="make"]'), 'Subaru');
    assert.ok((await page.textContent('#notes-msg')).includes('Unsaved changes'));
  } finally {
    await context.close();
  }
});

test('notes, vehicle, payment and issue saves send only their fields and are stored', async () => {
  const job = await pickJob(4);
  const { context, page, errors } = await openJob(job.id);
  try {
    /* notes */
    let patched = nextPatch(page, job.id);
    await page.fill('textarea[name="notes"]', 'Ceramic spray on request.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    let res = await patched;
    assert.equal(res.status(), 200);
    assert.deepEqual((await patchRequest(res)).body, { notes: 'Ceramic spray on request.' });
    await waitUntil(async () => (await page.textContent('#notes-msg')) === 'Saved', { message: '"Saved"' });

    /* vehicle */
    patched = nextPatch(page, job.id);
    await page.fill('#vehicle-form input[name="make"]', 'Toyota');
    await page.fill('#vehicle-form input[name="model"]', 'Camry');
    await page.fill('#vehicle-form input[name="year"]', '2020');
    await page.fill('#vehicle-form input[name="color"]', 'Blue');
    await page.fill('#vehicle-form input[name="plate"]', 'abc123');
    await page.getByRole('button', { name: 'Update vehicle' }).click();
    res = await patched;
    assert.equal(res.status(), 200);
    assert.deepEqual((await patchRequest(res)).body,
      { vehicle: { make: 'Toyota', model: 'Camry', year: 2020, color: 'Blue', plate: 'ABC123' } });

    /* payment */
    patched = nextPatch(page, job.id);
    await page.selectOption('#payment-form select[name="status"]', 'paid');
    await page.selectOption('#payment-form select[name="method"]', 'card');
    await page.fill('#payment-form input[name="amount"]', '129.00');
    await page.fill('#payment-form input[name="currency"]', 'USD');
    await page.getByRole('button', { name: 'Record payment' }).click();
    res = await patched;
    assert.equal(res.status(), 200);
    assert.deepEqual((await patchRequest(res)).body,
      { payment: { status: 'paid', method: 'card', amountCents: 12900, currency: 'USD' } });

    /* post-completion issue */
    patched = nextPatch(page, job.id);
    await page.fill('#issue-form textarea[name="description"]', 'Swirl marks on the hood');
    await page.getByRole('button', { name: 'Record issue' }).click();
    res = await patched;
    assert.equal(res.status(), 200);
    assert.deepEqual((await patchRequest(res)).body,
      { postCompletionIssue: { description: 'Swirl marks on the hood', resolved: false } });

    let stored = await getJob(job.id);
    assert.equal(stored.notes, 'Ceramic spray on request.');
    assert.deepEqual(stored.vehicle, { make: 'Toyota', model: 'Camry', year: 2020, color: 'Blue', plate: 'ABC123' });
    assert.equal(stored.payment.status, 'paid');
    assert.equal(stored.payment.method, 'card');
    assert.equal(stored.payment.amountCents, 12900);
    assert.equal(stored.payment.currency, 'USD');
    assert.ok(stored.payment.paidAt, 'the server sets paidAt');
    assert.equal(stored.postCompletionIssue.description, 'Swirl marks on the hood');
    assert.equal(stored.postCompletionIssue.resolved, false);
    assert.equal(stored.postCompletionIssue.reportedBy, STAFF_USER);

    /* removing the issue sends null */
    patched = nextPatch(page, job.id);
    await page.getByRole('button', { name: 'Remove issue' }).click();
    res = await patched;
    assert.equal(res.status(), 200);
    assert.deepEqual((await patchRequest(res)).body, { postCompletionIssue: null });
    stored = await getJob(job.id);
    assert.equal(stored.postCompletionIssue, null);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an API error on save is shown readably and the edit stays', async () => {
  const job = await pickJob(4);
  const { context, page } = await openJob(job.id);
  try {
    await page.route((u) => isJobApi(u.toString(), job.id), (route) => (route.request().method() === 'PATCH'
      ? route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ success: false, error: { code: 'invalid_field', message: 'Vehicle year must be between 1900 and 2100.' } }),
      })
      : route.continue()));
    await page.fill('#vehicle-form input[name="color"]', 'Midnight purple');
    const patched = nextPatch(page, job.id);
    await page.getByRole('button', { name: 'Update vehicle' }).click();
    assert.equal((await patched).status(), 400);
    await waitUntil(async () => (await page.textContent('#vehicle-msg')).includes('Vehicle year must be between 1900 and 2100.'),
      { message: 'the error message under the form' });
    assert.equal(await page.inputValue('#vehicle-form input[name="color"]'), 'Midnight purple');
  } finally {
    await context.close();
  }
});

test('an unknown job id says so', async () => {
  const { context, page } = await openPage(browser, '/en/jobs/no-such-job-0000');
  try {
    await page.waitForSelector('#not-found', { state: 'visible' });
    assert.ok((await page.textContent('#not-found')).includes('doesn’t exist'));
    assert.equal(await page.isHidden('#job'), true);
  } finally {
    await context.close();
  }
});

test('the job page shows Square\'s facts read-only', async () => {
  const job = await pickJob(0);
  const { context, page } = await openJob(job.id);
  try {
    const facts = await page.textContent('#booking-facts');
    if (job.serviceType) assert.ok(facts.includes(job.serviceType));
    if (job.customerCached && job.customerCached.name) {
      assert.ok((await page.textContent('#customer-facts')).includes(job.customerCached.name));
    }
    /* nothing Square owns is an input */
    assert.equal(await page.locator('#booking-facts input, #customer-facts input, #booking-facts textarea').count(), 0);
  } finally {
    await context.close();
  }
});
