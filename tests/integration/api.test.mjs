// The staff API through nginx: calendar, job, PATCH and every error of
// SPEC's HTTP API; health; the database going away and coming back.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  api, booking, cgi, get, hoursFromNow, jobOf, patchJob, putBookings,
  reconcile, resetWorld, sql, stack, env,
} from './helpers.mjs';

let job;	// a job made by reconciliation, fresh for this file

before(async () => {
  await resetWorld();
  await putBookings([
    booking('apibooking0001', { start: hoursFromNow(2), variation: 'VARFULL', minutes: 180 }),
    booking('apibooking0002', { start: hoursFromNow(5) }),
  ]);
  const r = await reconcile();
  assert.equal(r.status, 200, r.text);
  job = await jobOf('apibooking0001');
  assert.ok(job, 'the reconcile made the job');
});

// Call fn until ok(result) or ms pass; the last result either way.
async function until(fn, ok, ms) {
  const end = Date.now() + ms;
  let r = await fn();
  while (!ok(r) && Date.now() < end) {
    await new Promise((res) => setTimeout(res, 100));
    r = await fn();
  }
  return r;
}

function localDate(d) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(d);
}

describe('calendar', () => {
  test('the default is this ISO week in the business time zone', async () => {
    const r = await get('/api/calendar');
    assert.equal(r.status, 200);
    const d = r.json.data;
    assert.equal(d.timezone, 'America/Los_Angeles');
    assert.equal(d.pollIntervalMs, 20000);
    assert.equal(new Date(d.start + 'T12:00:00Z').getUTCDay(), 1, 'starts on a Monday');
    assert.equal((Date.parse(d.end) - Date.parse(d.start)) / 86400e3, 6);
    const today = localDate(new Date());
    assert.ok(d.start <= today && today <= d.end);
  });

  test('jobs of the range come as summaries, in time order', async () => {
    const day = localDate(new Date(Date.now() + 2 * 3600e3));
    const r = await get(`/api/calendar?start=${day}&end=${localDate(new Date(Date.now() + 6 * 86400e3))}`);
    assert.equal(r.status, 200);
    const j = r.json.data.jobs.find((x) => x.bookingId === 'apibooking0001');
    assert.ok(j);
    assert.deepEqual(Object.keys(j).sort(), ['appointmentTime', 'bookingId', 'bookingStatus',
      'customerName', 'durationMinutes', 'id', 'serviceType', 'vehicle', 'version', 'workStatus']);
    assert.equal(j.serviceType, 'Full Detail');
    assert.equal(j.customerName, 'Anna Lee');
    assert.equal(j.durationMinutes, 180);
    const times = r.json.data.jobs.map((x) => x.appointmentTime);
    assert.deepEqual(times, [...times].sort());
    // The answer says whether the list was cut at its bound (5,000 jobs); a week is not.
    assert.equal(r.json.data.truncated, false);
  });

  test('a day outside the range has no jobs', async () => {
    const r = await get('/api/calendar?start=2020-01-06&end=2020-01-12');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.data.jobs, []);
  });

  test('bad ranges are 400 JSON', async () => {
    for (const q of ['start=2026-02-30', 'start=2026-11-23&end=2026-11-22', 'start=26-11-23',
      'start=2026-01-01&end=2026-03-04', 'start=2026-11-23&start=2026-11-24', 'week=1',
      'start=2026-11-23%00', 'start=9999-12-31', 'end=9999-12-31']) {
      const r = await get(`/api/calendar?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.success, false, q);
      assert.ok(r.json.error.code && r.json.error.message, q);
    }
    assert.equal((await get('/api/calendar?start=2026-01-01&end=2026-03-03')).status, 200, '62 days');
  });

  test('ETag and If-None-Match: 304 with a tiny answer; a change makes it 200', async () => {
    const a = await get('/api/calendar');
    const etag = a.headers.get('etag');
    assert.ok(etag);
    const b = await get('/api/calendar', { headers: { 'if-none-match': etag } });
    assert.equal(b.status, 304);
    assert.equal(b.text, '');
    // A staff change anywhere moves the calendar's ETag (nginx keeps an
    // answer for a second, so the change shows within about that).
    const fresh = (await get(`/api/jobs/${job.id}`)).json.data;
    assert.equal((await patchJob(job.id, fresh.version, { notes: 'etag check' })).status, 200);
    const c = await until(() => get('/api/calendar', { headers: { 'if-none-match': etag } }),
      (r) => r.status === 200, 3000);
    assert.equal(c.status, 200);
    assert.notEqual(c.headers.get('etag'), etag);
  });

  test('an unchanged poll costs under 300 bytes on the wire', async () => {
    const { etag, bytes } = await rawPoll();
    assert.ok(etag);
    const second = await rawPoll(etag);
    assert.match(second.head, /^HTTP\/1\.1 304/);
    assert.ok(second.bytes < 300, `304 was ${second.bytes} bytes`);
    assert.ok(bytes > second.bytes);
  });

  // The calendar reads at most 5,000 jobs; it used to cut silently (issue 8, item 5).
  test('a day of more than 5,000 jobs answers 5,000 and says it was cut', async () => {
    const day = '2031-03-05';
    sql('INSERT INTO jobs (id, booking_id, created_by, created_at, updated_at, booking_status, ' +
      'appointment_time, status_history, checklist, photos_meta, receipt_photos, vehicle, notes) ' +
      "SELECT CONCAT('cut', seq), CONCAT('cutbooking', seq), 'staff', UTC_TIMESTAMP(3), " +
      "UTC_TIMESTAMP(3), 'ACCEPTED', '2031-03-05 18:00:00', '[]', '{\"tech\":[],\"qc\":[]}', '[]', " +
      "'[]', '{}', '' FROM seq_1_to_5001");
    try {
      const r = await get(`/api/calendar?start=${day}&end=${day}`);
      assert.equal(r.status, 200);
      assert.equal(r.json.data.jobs.length, 5000);
      assert.equal(r.json.data.truncated, true);
    } finally {
      sql("DELETE FROM jobs WHERE id LIKE 'cut%'");
    }
  });
});

// One HTTP/1.1 exchange over a raw socket, to count the bytes on the wire.
async function rawPoll(etag) {
  const net = await import('node:net');
  const url = new URL(env.base);
  const auth = Buffer.from(`${env.user}:${env.password}`).toString('base64');
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(url.port), url.hostname, () => {
      s.write(`GET /api/calendar HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Basic ${auth}\r\n` +
        (etag ? `If-None-Match: ${etag}\r\n` : '') + 'Connection: close\r\n\r\n');
    });
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      const head = all.toString('latin1').split('\r\n\r\n')[0];
      resolve({ bytes: all.length, head, etag: /\r\nETag: ([^\r]+)/i.exec(head)?.[1] });
    });
  });
}

describe('job', () => {
  test('GET returns the whole job with its version as ETag', async () => {
    const r = await get(`/api/jobs/${job.id}`);
    assert.equal(r.status, 200);
    const j = r.json.data;
    for (const k of ['id', 'bookingId', 'createdBy', 'createdAt', 'updatedAt', 'version',
      'bookingVersion', 'bookingStatus', 'appointmentTime', 'durationMinutes', 'serviceType',
      'serviceVariationId', 'locationId', 'teamMemberId', 'customerId', 'customerNote',
      'customerCached', 'customerCachedAt', 'workStatus', 'statusHistory', 'checklist',
      'photosMeta', 'receiptPhotos', 'postCompletionIssue', 'payment', 'vehicle', 'notes']) {
      assert.ok(k in j, `job has ${k}`);
    }
    // nginx marks the ETag weak when it compresses the answer
    assert.match(r.headers.get('etag'), new RegExp(`^(W/)?"${j.version}"$`));
    assert.equal(j.createdBy, 'reconciliation');
    assert.equal(j.workStatus, 'scheduled');
    assert.deepEqual(j.customerCached, { name: 'Anna Lee', phone: '+1-555-0101', email: 'anna@example.com' });
    assert.ok(j.checklist.tech.length > 0, 'checklist from the Full Detail template');
    assert.ok(j.checklist.tech.some((i) => i.key === 'clay'));
    assert.match(j.appointmentTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await get(`/api/jobs/${job.id}`, { headers: { 'if-none-match': `"${j.version}"` } });
    assert.equal(again.status, 304);
  });

  test('unknown id 404, malformed id 400, both JSON', async () => {
    let r = await get('/api/jobs/no_such_job_here');
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'not_found');
    for (const bad of ['a'.repeat(65), 'bad.id', 'bad%20id', 'x%2Fy']) {
      r = await get(`/api/jobs/${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.json.success, false);
    }
  });

  test('PATCH of a staff field: version +1, history with the staff user', async () => {
    const cur = (await get(`/api/jobs/${job.id}`)).json.data;
    const r = await patchJob(job.id, cur.version, { workStatus: 'in_progress' });
    assert.equal(r.status, 200, r.text);
    const j = r.json.data;
    assert.equal(j.version, cur.version + 1);
    assert.equal(j.workStatus, 'in_progress');
    const last = j.statusHistory.at(-1);
    assert.equal(last.from, 'scheduled');
    assert.equal(last.to, 'in_progress');
    assert.equal(last.by, env.user);
    assert.match(r.headers.get('etag'), new RegExp(`^(W/)?"${j.version}"$`));
  });

  test('a checklist toggle records who and when', async () => {
    const cur = (await get(`/api/jobs/${job.id}`)).json.data;
    const key = cur.checklist.tech[0].key;
    const r = await patchJob(job.id, cur.version, { checklist: { tech: [{ key, done: true }] } });
    assert.equal(r.status, 200, r.text);
    const item = r.json.data.checklist.tech[0];
    assert.equal(item.done, true);
    assert.equal(item.doneBy, env.user);
    assert.ok(Date.parse(item.doneAt) > Date.now() - 60e3);
  });

  test('payment, vehicle and issue shapes; server-set times', async () => {
    let cur = (await get(`/api/jobs/${job.id}`)).json.data;
    let r = await patchJob(job.id, cur.version, {
      vehicle: { make: 'Toyota', model: 'Camry', year: 2020, color: 'Blue', plate: '8ABC123' },
      payment: { status: 'paid', method: 'card', amountCents: 12900, currency: 'USD' },
      postCompletionIssue: { description: 'Scratch on the left door', resolved: false },
    });
    assert.equal(r.status, 200, r.text);
    cur = r.json.data;
    assert.equal(cur.vehicle.year, 2020);
    assert.ok(cur.payment.paidAt);
    assert.equal(cur.postCompletionIssue.reportedBy, env.user);
    r = await patchJob(job.id, cur.version, { vehicle: { year: 1899 } });
    assert.equal(r.status, 400);
  });

  test('a Square-owned field answers 400 and changes nothing', async () => {
    const cur = (await get(`/api/jobs/${job.id}`)).json.data;
    for (const body of [{ appointmentTime: '2030-01-01T00:00:00Z' }, { serviceType: 'x' },
      { bookingStatus: 'CANCELLED_BY_SELLER' }, { customerCached: null }, { notes: 'ok', durationMinutes: 1 },
      { version: 99 }, { id: 'x' }, { statusHistory: [] }, { nonsense: 1 }, {},
      // The photo lists are written by the photo endpoints only (issue 7, item 27).
      { photosMeta: [{ key: 'a.jpg', url: 'javascript:alert(1)' }] }, { receiptPhotos: [] },
      { notes: 'ok', photosMeta: [] }]) {
      const r = await patchJob(job.id, cur.version, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.success, false);
    }
    const after = (await get(`/api/jobs/${job.id}`)).json.data;
    assert.deepEqual(after, cur);
  });

  test('a stale If-Match answers 409 with the current job', async () => {
    const cur = (await get(`/api/jobs/${job.id}`)).json.data;
    const r = await patchJob(job.id, cur.version - 1, { notes: 'stale edit' });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'version_conflict');
    assert.deepEqual(r.json.data, cur);
    assert.notEqual((await get(`/api/jobs/${job.id}`)).json.data.notes, 'stale edit');
  });

  test('428 without If-Match, 415 wrong type, 403 foreign Origin, 413 big body', async () => {
    const cur = (await get(`/api/jobs/${job.id}`)).json.data;
    let r = await api('PATCH', `/api/jobs/${job.id}`, { body: { notes: 'x' } });
    assert.equal(r.status, 428);
    r = await api('PATCH', `/api/jobs/${job.id}`, { raw: '{"notes":"x"}',
      headers: { 'if-match': `"${cur.version}"`, 'content-type': 'text/plain' } });
    assert.equal(r.status, 415);
    r = await patchJob(job.id, cur.version, { notes: 'x' }, { origin: 'https://evil.example' });
    assert.equal(r.status, 403);
    r = await patchJob(job.id, cur.version, { notes: 'same origin' }, { origin: env.base });
    assert.equal(r.status, 200, 'same-origin writes pass');
    const now = r.json.data.version;
    r = await patchJob(job.id, now, { notes: 'x'.repeat(70 * 1024) });
    assert.equal(r.status, 413);
    assert.equal(r.json.success, false);
    r = await api('PATCH', `/api/jobs/${job.id}`, { raw: '{"notes":',
      headers: { 'if-match': `"${now}"`, 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal((await get(`/api/jobs/${job.id}`)).json.data.version, now, 'nothing changed');
  });

  test('401 without a login, as JSON', async () => {
    let r = await api('PATCH', `/api/jobs/${job.id}`, { body: { notes: 'x' }, auth: false });
    assert.equal(r.status, 401);
    assert.equal(r.json.success, false);
    r = await get('/api/calendar', { auth: false });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate'), /Basic/);
  });

  test('the program itself refuses a write without a staff user (CGI mode)', () => {
    const r = cgi('job', { REQUEST_METHOD: 'PATCH', REQUEST_URI: `/api/jobs/${job.id}`,
      CONTENT_TYPE: 'application/json', CONTENT_LENGTH: '13', HTTP_IF_MATCH: '"1"' }, '{"notes":"x"}');
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'login_required');
  });

  test('405 with Allow; unknown API paths 404 JSON', async () => {
    let r = await api('DELETE', `/api/jobs/${job.id}`);
    assert.equal(r.status, 405);
    assert.match(r.headers.get('allow'), /PATCH/);
    r = await get('/api/nothing-here');
    assert.equal(r.status, 404);
    assert.equal(r.json.success, false);
  });

  // Issue 7 item 16: a status flipped in a loop once grew the row until the job answered 500.
  test('statusHistory keeps the last 200 entries and a marker; the job still answers', async () => {
    let cur = (await get(`/api/jobs/${job.id}`)).json.data;
    const flips = 206 - cur.statusHistory.length;
    // Two statuses other than the current one: every PATCH is a change.
    const pair = ['in_progress', 'qc'].includes(cur.workStatus) ? ['checked_in', 'no_show'] : ['in_progress', 'qc'];
    for (let i = 0; i < flips; i++) {
      const r = await patchJob(job.id, cur.version, { workStatus: pair[i % 2] });
      assert.equal(r.status, 200, r.text);
      cur = r.json.data;
    }
    const r = await get(`/api/jobs/${job.id}`);
    assert.equal(r.status, 200);
    const hist = r.json.data.statusHistory;
    assert.equal(hist.length, 200 + 1);
    assert.equal(hist[0].dropped, 6);
    assert.equal(hist.filter((e) => 'dropped' in e).length, 1);
    assert.equal(hist.at(-1).to, r.json.data.workStatus);
  });
});

describe('health and the database going away', () => {
  test('health needs no login and says the database is ok', async () => {
    const r = await get('/api/health', { auth: false });
    assert.equal(r.status, 200);
    assert.equal(r.json.data.database, 'ok');
    assert.ok(r.json.data.lastReconcile);
    assert.ok(r.json.data.lastReconcile.ageSeconds >= 0);
    assert.equal(typeof r.json.data.lastReconcile.errors, 'number');
  });

  test('database down: 503 JSON everywhere; back: 200 with no restart', async () => {
    stack('db-stop');
    try {
      for (const p of ['/api/calendar', `/api/jobs/${job.id}`, '/api/health', '/api/reconcile/runs']) {
        // (the calendar may come from nginx's one-second cache at first)
        const r = await until(() => get(p), (x) => x.status === 503, 3000);
        assert.equal(r.status, 503, p);
        assert.equal(r.json.success, false, p);
      }
      const w = await reconcile();
      assert.equal(w.status, 503);
    } finally {
      stack('db-start');
    }
    for (const p of ['/api/calendar', `/api/jobs/${job.id}`, '/api/health']) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
    }
  });
});

test('the job count matches the bookings (no duplicates)', () => {
  assert.equal(Number(sql("SELECT COUNT(*) FROM jobs WHERE booking_id LIKE 'apibooking%'")[0][0]), 2);
});
