// The calendar is current on the very next request after any committed
// change (a staff PATCH, a reconcile, a webhook, a job moving out of the
// range), with a new ETag, through nginx; values from Square are cut to
// their columns; the job and runs answers carry the business time zone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, test } from 'node:test';
import {
  api, booking, customers, env, fake, generation, get, jobOf, patchJob, putBookings, reconcile,
  resetWorld, sendWebhook, sql, webhookEvent,
} from './helpers.mjs';

beforeEach(resetWorld);

let n = 0;
const eid = () => `evt-fresh-${process.pid}-${Date.now()}-${n++}`;

// A day N days from now (UTC), as YYYY-MM-DD.
const day = (offset) => new Date(Date.now() + offset * 86400e3).toISOString().slice(0, 10);
// Days around tomorrow, wide enough for any business time zone.
const range = `/api/calendar?start=${day(-1)}&end=${day(3)}`;

async function calendar(p = range, headers = {}) {
  const r = await get(p, { headers });
  assert.equal(r.status, 200, r.text);
  return { etag: r.headers.get('etag'), jobs: r.json.data.jobs };
}

// The range read READS times in a row, every answer alike.  Before a
// write, so that every calendar worker has just read the range's stamp
// (and may reuse it while the change generation stands still); after it,
// so that no worker answers from before the write.
const READS = 8;
async function calendarEvery(headers = {}) {
  const first = await calendar(range, headers);
  for (let i = 1; i < READS; i++) {
    const c = await calendar(range, headers);
    assert.equal(c.etag, first.etag, `read ${i + 1} of ${READS}: another answer`);
    assert.deepEqual(c.jobs, first.jobs);
  }
  return first;
}

test('a staff PATCH shows in the calendar on the very next request, with a new ETag', async () => {
  await putBookings([booking('freshpatch0001')]);
  assert.equal((await reconcile()).status, 200);
  const before = await calendarEvery();
  const job = before.jobs.find((j) => j.bookingId === 'freshpatch0001');
  assert.equal(job.workStatus, 'scheduled');
  const g = generation();
  const p = await patchJob(job.id, job.version, { workStatus: 'checked_in' });
  assert.equal(p.status, 200, p.text);
  assert.ok(generation() > g, 'the PATCH moved the change generation');
  // The old ETag no longer matches: the next poll gets the new answer.
  const after = await calendarEvery({ 'if-none-match': before.etag });
  assert.notEqual(after.etag, before.etag);
  const now = after.jobs.find((j) => j.id === job.id);
  assert.equal(now.workStatus, 'checked_in');
  assert.equal(now.version, p.json.data.version);
});

test('a reconcile shows in the calendar on the very next request, with a new ETag', async () => {
  const before = await calendarEvery();
  assert.equal(before.jobs.length, 0);
  await putBookings([booking('freshrecon0001'), booking('freshrecon0002', { start: booking('x').start_at })]);
  const g = generation();
  const r = await reconcile();
  assert.equal(r.json.data.created, 2);
  assert.ok(generation() > g, 'the reconcile moved the change generation');
  const after = await calendarEvery({ 'if-none-match': before.etag });
  assert.notEqual(after.etag, before.etag);
  assert.deepEqual(after.jobs.map((j) => j.bookingId).sort(), ['freshrecon0001', 'freshrecon0002']);
});

test('a webhook shows in the calendar on the very next request, with a new ETag', async () => {
  const b = booking('freshhook00001');
  await putBookings([b]);
  await reconcile();
  const before = await calendarEvery();
  const moved = { ...b, version: 1, appointment_segments: [{ ...b.appointment_segments[0], duration_minutes: 90 }] };
  const g = generation();
  const w = await sendWebhook(webhookEvent('booking.updated', moved, eid()));
  assert.equal(w.status, 200, w.text);
  // Moved inside its transaction and again after its commit.
  assert.ok(generation() >= g + 2n, 'the webhook moved the change generation after its commit');
  const after = await calendarEvery({ 'if-none-match': before.etag });
  assert.notEqual(after.etag, before.etag);
  assert.equal(after.jobs.find((j) => j.bookingId === 'freshhook00001').durationMinutes, 90);
});

test('a job that moves out of the range changes the range\'s ETag and leaves it', async () => {
  const b = booking('freshmove00001');
  await putBookings([b, booking('freshstay00001')]);
  await reconcile();
  const before = await calendarEvery();
  assert.equal(before.jobs.length, 2);
  const far = new Date(Date.now() + 20 * 86400e3).toISOString().slice(0, 13) + ':00:00Z';
  const w = await sendWebhook(webhookEvent('booking.updated', { ...b, version: 1, start_at: far }, eid()));
  assert.equal(w.status, 200, w.text);
  const after = await calendarEvery({ 'if-none-match': before.etag });
  assert.notEqual(after.etag, before.etag);
  assert.deepEqual(after.jobs.map((j) => j.bookingId), ['freshstay00001']);
});

test('a change made outside the product (no generation moved) is in the calendar within a second or two', async () => {
  await putBookings([booking('freshoutside01')]);
  await reconcile();
  const before = await calendarEvery();
  const job = before.jobs.find((j) => j.bookingId === 'freshoutside01');
  // A second host on the same database moves the stamps, not this host's generation.
  const g = generation();
  sql(`UPDATE jobs SET notes = 'from elsewhere', version = version + 1 WHERE id = '${job.id}'; ` +
      'UPDATE calendar_days SET stamp = stamp + 1');
  assert.equal(generation(), g);
  // Polled as a tablet would, until every worker has seen it (at most
  // the second a stamp is trusted, plus the reads).
  const deadline = Date.now() + 5000;
  let fresh = 0;
  while (fresh < READS && Date.now() < deadline) {
    const c = await calendar();
    fresh = c.etag !== before.etag ? fresh + 1 : 0;
    if (fresh === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(fresh, READS, 'the calendar never saw the change made elsewhere');
  const after = await calendar();
  assert.equal(after.jobs.find((j) => j.id === job.id).version, job.version + 1);
});

test('a run that ended between writing its jobs and their days: the next run shows them and records it failed', async () => {
  await putBookings([booking('freshcrash0001')]);
  await reconcile();
  const before = await calendarEvery();
  const job = before.jobs.find((j) => j.bookingId === 'freshcrash0001');
  // What such a run leaves: its jobs written, the days' stamps not, its record running.
  sql(`UPDATE jobs SET notes = 'written', version = version + 1 WHERE id = '${job.id}'; ` +
      'INSERT INTO reconcile_runs (started_at, run_trigger, dry_run, window_start, window_end, errors) ' +
      `VALUES (UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE, 'cron', 0, '${day(-1)} 00:00:00', '${day(4)} 00:00:00', '[]')`);
  const dead = Number(sql("SELECT MAX(id) FROM reconcile_runs WHERE status = 'running'")[0][0]);
  const r = await reconcile();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.updated, 0, 'nothing of Square changed');
  const after = await calendarEvery({ 'if-none-match': before.etag });
  assert.equal(after.jobs.find((j) => j.id === job.id).version, job.version + 1);
  const [status, errors] = sql(`SELECT status, errors FROM reconcile_runs WHERE id = ${dead}`)[0];
  assert.equal(status, 'failed');
  assert.match(JSON.parse(errors)[0].message, /stopped before it finished/);
  // Once: the run after that changes nothing.
  await reconcile();
  const again = await get(range, { headers: { 'if-none-match': after.etag } });
  assert.equal(again.status, 304, 'a third run still moved the stamps');
});

test('an unchanged range answers 304 to its ETag', async () => {
  await putBookings([booking('fresh304000001')]);
  await reconcile();
  const a = await calendar();
  const r = await get(range, { headers: { 'if-none-match': a.etag } });
  assert.equal(r.status, 304);
});

test('HEAD on a week no one asked for, then GET: the GET has the whole body', async () => {
  await putBookings([booking('freshhead00001')]);
  await reconcile();
  const p = `/api/calendar?start=${day(-2)}&end=${day(4)}`;
  const h = await api('HEAD', p);
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  const g = await get(p);
  assert.equal(g.status, 200);
  assert.equal(Number(g.headers.get('content-length') ?? g.text.length), Buffer.byteLength(g.text));
  assert.equal(g.json.data.jobs.length, 1);
});

test('a page with a 400-character customer name: all 100 bookings created, the name cut to its column', async () => {
  const long = { id: 'CUSTLONGNAME00000000000001', given_name: 'É'.repeat(200), family_name: 'x'.repeat(199),
    phone_number: '+1-555-0199', email_address: 'long@example.com' };
  await fake('POST', '/__control/customers', { customers: [...customers, long] });
  const list = [];
  for (let i = 0; i < 100; i++) {
    list.push(booking(`freshlong${String(i).padStart(5, '0')}`,
      { customer: i === 37 ? long.id : customers[i % 3].id }));
  }
  await putBookings(list);
  const r = await reconcile();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.created, 100, r.text);
  assert.deepEqual(r.json.data.errors ?? [], []);
  assert.equal(Number(sql("SELECT COUNT(*) FROM jobs WHERE booking_id LIKE 'freshlong%'")[0][0]), 100);
  const j = await jobOf('freshlong00037');
  assert.equal([...j.customerCached.name].length, 255);
  assert.ok(j.customerCached.name.startsWith('ÉÉÉ'));
  // The cut value is what is stored: a second run finds nothing to change.
  const again = await reconcile();
  assert.equal(again.json.data.updated, 0, again.text);
  assert.equal(again.json.data.skipped, 100);
});

test('the job and the runs carry the business time zone; the runs answer 304 to their ETag', async () => {
  await putBookings([booking('freshzone00001')]);
  await reconcile();
  const j = await jobOf('freshzone00001');
  const cal = await get(range);
  assert.equal(j.timezone, cal.json.data.timezone);
  const runs = await get('/api/reconcile/runs');
  assert.equal(runs.status, 200);
  assert.equal(runs.json.data.timezone, cal.json.data.timezone);
  const etag = runs.headers.get('etag');
  assert.ok(etag);
  const again = await get('/api/reconcile/runs', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  await reconcile();
  const changed = await get('/api/reconcile/runs', { headers: { 'if-none-match': etag } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
});

test('a webhook of a booking with a 400-character customer name: created, not 503', async () => {
  const long = { id: 'CUSTLONGNAME00000000000002', given_name: 'ñ'.repeat(200), family_name: 'y'.repeat(199) };
  await fake('POST', '/__control/customers', { customers: [...customers, long] });
  const b = booking('freshlonghook1', { customer: long.id });
  const w = await sendWebhook(webhookEvent('booking.created', b, eid()));
  assert.equal(w.status, 200, w.text);
  assert.equal(w.json.data.result, 'created');
  const j = await jobOf('freshlonghook1');
  assert.equal([...j.customerCached.name].length, 255);
});

test('nginx sends the calendar answer from a file named by its ETag; a PATCH makes a new one', async () => {
  await putBookings([booking('freshfile00001')]);
  await reconcile();
  const dir = path.join(env.stackDir, 'calendar');
  const name = (etag) => `${etag.replace(/^W\//, '').replaceAll('"', '')}.json`;
  const a = await get(range);
  assert.equal(a.status, 200);
  const etag = a.headers.get('etag');
  assert.equal(a.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(a.headers.get('cache-control'), 'no-cache');
  assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(fs.readFileSync(path.join(dir, name(etag)), 'utf8'), a.text, 'the bytes sent are the file');
  // No date-based 304 from the file: a later If-Modified-Since still gets the answer.
  const ims = await get(range, { headers: { 'if-modified-since': new Date(Date.now() + 3600e3).toUTCString() } });
  assert.equal(ims.status, 200);
  const job = a.json.data.jobs.find((j) => j.bookingId === 'freshfile00001');
  const p = await patchJob(job.id, job.version, { workStatus: 'in_progress' });
  assert.equal(p.status, 200, p.text);
  const b = await get(range, { headers: { 'if-none-match': etag } });
  assert.equal(b.status, 200);
  assert.notEqual(b.headers.get('etag'), etag);
  assert.equal(b.json.data.jobs.find((j) => j.id === job.id).version, p.json.data.version);
  assert.equal(fs.readFileSync(path.join(dir, name(b.headers.get('etag'))), 'utf8'), b.text);
  // The files are reached only through the program's redirect.
  const direct = await get(`/_calendar/${name(etag)}`);
  assert.equal(direct.status, 404);
  assert.equal(direct.json.success, false);
});

test('answers a write replaced are dated for removal within seconds; the current one is kept', async () => {
  await putBookings([booking('freshsuper0001')]);
  await reconcile();
  const dir = path.join(env.stackDir, 'calendar');
  const file = (etag) => path.join(dir, `${etag.replaceAll('"', '')}.json`);
  let c = await calendar();
  const job = c.jobs.find((j) => j.bookingId === 'freshsuper0001');
  let version = job.version;
  const old = [c.etag];
  for (let i = 0; i < 5; i++) {
    const p = await patchJob(job.id, version, { notes: `replaced ${i}` });
    assert.equal(p.status, 200, p.text);
    version = p.json.data.version;
    c = await calendar();
    old.push(c.etag);
  }
  const current = old.pop();
  const now = Date.now();
  assert.ok(now - fs.statSync(file(current)).mtimeMs < 60e3, 'the current answer is kept');
  // Dated FILE_STALE - FILE_GRACE (115 s) back: the next sweep after 5 s removes them.
  for (const e of old) {
    if (!fs.existsSync(file(e))) continue;
    const age = (now - fs.statSync(file(e)).mtimeMs) / 1000;
    assert.ok(age > 100, `${e}: ${age} s old, not dated for removal`);
  }
  // Still the right answer afterwards.
  assert.equal((await calendar()).jobs.find((j) => j.id === job.id).version, version);
});

test('hundreds of ranges: the answer files stay a few hundred, every answer still right', async () => {
  await putBookings([booking('freshmany00001')]);
  await reconcile();
  const dir = path.join(env.stackDir, 'calendar');
  const first = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 400; i++) {
    const d = new Date(first + i * 86400e3).toISOString().slice(0, 10);
    const r = await get(`/api/calendar?start=${d}&end=${d}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.start, d);
    assert.deepEqual(r.json.data.jobs, []);
  }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length <= 256 + 64, `${files.length} files`);
  // Past the limit the answers are bytes from the program: still fresh.
  const a = await get(range);
  const job = a.json.data.jobs.find((j) => j.bookingId === 'freshmany00001');
  const p = await patchJob(job.id, job.version, { notes: 'many' });
  assert.equal(p.status, 200, p.text);
  const b = await get(range);
  assert.equal(b.json.data.jobs.find((j) => j.id === job.id).version, p.json.data.version);
});
