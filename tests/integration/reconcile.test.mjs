// Reconciliation through nginx against the fake Square: the seed's
// scenarios, idempotency, field protection, version order, cancellation,
// paging, backfill, every fault, dry runs, the lease, the tokens.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  api, booking, cgi, customers, env, fake, get, hoursFromNow, jobCount, jobOf, patchJob,
  pick, putBookings, reconcile, resetWorld, sql, staffFields,
} from './helpers.mjs';

beforeEach(resetWorld);

async function squareRequests(p) {
  return (await fake('GET', `/__control/requests?path=${encodeURIComponent(p)}`)).requests;
}

describe('the seed scenarios', () => {
  test('a missed webhook is created by reconcile with createdBy "reconciliation"', async () => {
    await putBookings([booking('missedhook0001', { variation: 'VARINT', minutes: 90, note: 'Dog hair in back seat' })]);
    const r = await reconcile();
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.success, true);
    assert.equal(r.json.data.created, 1);
    const j = await jobOf('missedhook0001');
    assert.equal(j.createdBy, 'reconciliation');
    assert.equal(j.serviceType, 'Interior Detail');
    assert.equal(j.customerNote, 'Dog hair in back seat');
    assert.equal(j.workStatus, 'scheduled');
    assert.equal(j.statusHistory.length, 1);
    // and the calendar shows it
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' })
      .format(new Date(j.appointmentTime));
    const cal = await get(`/api/calendar?start=${day}&end=${day}`);
    assert.ok(cal.json.data.jobs.some((x) => x.bookingId === 'missedhook0001'));
  });

  test('a stale customer cache is refreshed; a fresh one is not fetched', async () => {
    await putBookings([booking('staleclient001', { customer: customers[1].id })]);
    assert.equal((await reconcile()).status, 200);
    await fake('DELETE', '/__control/requests');
    // within the TTL: no customer call at all
    let r = await reconcile();
    assert.equal(r.json.data.updated, 0);
    assert.equal((await squareRequests('/v2/customers')).length, 0);
    // the customer changes in Square, and the cache grows old
    await fake('POST', '/__control/customers', { customers: [{ ...customers[1], family_name: 'Ortiz-Vega' }] });
    sql("UPDATE jobs SET customer_cached_at = UTC_TIMESTAMP() - INTERVAL 25 HOUR WHERE booking_id = 'staleclient001'");
    r = await reconcile();
    assert.equal(r.json.data.updated, 1);
    assert.equal((await squareRequests('/v2/customers')).length, 1);
    const j = await jobOf('staleclient001');
    assert.equal(j.customerCached.name, 'Ben Ortiz-Vega');
    assert.ok(Date.now() - Date.parse(j.customerCachedAt) < 120e3);
    // old again but unchanged: only customerCachedAt moves, not the version
    sql("UPDATE jobs SET customer_cached_at = UTC_TIMESTAMP() - INTERVAL 25 HOUR WHERE booking_id = 'staleclient001'");
    r = await reconcile();
    assert.equal(r.json.data.updated, 0);
    assert.equal(r.json.data.customersRefreshed, 1);
    const k = await jobOf('staleclient001');
    assert.equal(k.version, j.version);
    assert.ok(Date.parse(k.customerCachedAt) > Date.now() - 120e3);
  });
});

describe('idempotency and protection', () => {
  test('a second run creates and updates nothing; never two jobs for one booking', async () => {
    await putBookings(Array.from({ length: 12 }, (_, i) => booking(`idem${String(i).padStart(10, '0')}`,
      { start: hoursFromNow(3 + i) })));
    const a = await reconcile();
    assert.equal(a.json.data.created, 12);
    const b = await reconcile();
    assert.equal(b.json.data.created, 0);
    assert.equal(b.json.data.updated, 0);
    assert.equal(b.json.data.skipped, 12);
    assert.equal(b.json.data.scanned, 12);
    assert.equal(jobCount(), 12);
  });

  test('every staff-owned field is byte-identical after a Square change', async () => {
    await putBookings([booking('protect0000001')]);
    await reconcile();
    let j = await jobOf('protect0000001');
    const key = j.checklist.tech[0].key;
    const r = await patchJob(j.id, j.version, {
      workStatus: 'qc', notes: 'Ceramic on hood — careful', checklist: { tech: [{ key, done: true }] },
      vehicle: { make: 'Subaru', model: 'Outback', year: 2019, color: 'Green', plate: '7XYZ890' },
      payment: { status: 'paid', method: 'cash', amountCents: 4500, currency: 'USD' },
      postCompletionIssue: { description: 'Wheel well missed', resolved: false },
    });
    assert.equal(r.status, 200, r.text);
    const staffBefore = JSON.stringify(pick(r.json.data, staffFields));
    // Square moves the booking and changes its service
    await putBookings([booking('protect0000001', { version: 1, start: hoursFromNow(30), variation: 'VARFULL', minutes: 180 })]);
    const s = await reconcile();
    assert.equal(s.json.data.updated, 1);
    j = await jobOf('protect0000001');
    assert.equal(j.serviceType, 'Full Detail');
    assert.equal(j.bookingVersion, 1);
    assert.equal(JSON.stringify(pick(j, staffFields)), staffBefore);
  });

  test('never back to an older booking version', async () => {
    await putBookings([booking('versions000001', { version: 5, start: hoursFromNow(10) })]);
    await reconcile();
    await putBookings([booking('versions000001', { version: 3, start: hoursFromNow(40) })]);
    const r = await reconcile();
    assert.equal(r.json.data.updated, 0);
    assert.equal(r.json.data.skipped, 1);
    const j = await jobOf('versions000001');
    assert.equal(j.bookingVersion, 5);
    assert.equal(j.appointmentTime, hoursFromNow(10));
  });

  test('a cancelled booking stays, marked by bookingStatus', async () => {
    await putBookings([booking('cancelme000001')]);
    await reconcile();
    await putBookings([booking('cancelme000001', { version: 1, status: 'CANCELLED_BY_CUSTOMER' })]);
    const r = await reconcile();
    assert.equal(r.json.data.updated, 1);
    const j = await jobOf('cancelme000001');
    assert.equal(j.bookingStatus, 'CANCELLED_BY_CUSTOMER');
    assert.equal(jobCount(), 1);
  });

  test('several segments: durations and intermissions add up; names joined', async () => {
    await putBookings([booking('segments000001', { segments: [
      { duration_minutes: 45, intermission_minutes: 15, service_variation_id: 'VARWASH', team_member_id: 'TMA' },
      { duration_minutes: 90, intermission_minutes: 30, service_variation_id: 'VARINT', team_member_id: 'TMB' },
    ] })]);
    await reconcile();
    const j = await jobOf('segments000001');
    assert.equal(j.durationMinutes, 45 + 15 + 90);
    assert.equal(j.serviceType, 'Exterior Hand Wash + Interior Detail');
    assert.equal(j.teamMemberId, 'TMA');
  });

  test('a deleted service is still named; no customer means customerCached null', async () => {
    await putBookings([booking('deletedsvc0001', { variation: 'VAROLD', customer: undefined })]);
    await putBookings([{ ...booking('nocustomer0001'), customer_id: undefined }]);
    await reconcile();
    assert.equal((await jobOf('deletedsvc0001')).serviceType, 'Clay Bar Treatment');
    assert.equal((await jobOf('nocustomer0001')).customerCached, null);
  });
});

describe('paging and windows', () => {
  test('250+ bookings over several pages, one list call per page, names cached', async () => {
    await fake('POST', '/__control/generate', { count: 260, start: hoursFromNow(1), days: 20, prefix: 'page' });
    await fake('DELETE', '/__control/requests');
    const r = await reconcile();
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.scanned, 260);
    assert.equal(r.json.data.created, 260);
    assert.equal(r.json.data.pages, 3);
    const lists = await squareRequests('/v2/bookings');
    assert.equal(lists.length, 3);
    for (const q of lists) {
      assert.equal(q.query.limit, '100');
      assert.ok(q.query.start_at_min && q.query.start_at_max);
      assert.equal(q.headers['square-version'], '2025-08-20');
      assert.equal(q.headers.authorization, `Bearer ${env.squareToken}`);
    }
    assert.ok((await squareRequests('/v2/customers')).length <= 3);
    assert.ok((await squareRequests('/v2/catalog')).length <= 3);
    assert.equal(jobCount(), 260);
    await fake('DELETE', '/__control/requests');
    const again = await reconcile();
    assert.equal(again.json.data.created + again.json.data.updated, 0);
    assert.equal((await squareRequests('/v2/catalog')).length, 0, 'service names come from the cache');
  });

  test('service names are cached a day; a renamed service shows after that', async () => {
    await putBookings([booking('renamed0000001')]);
    await reconcile();
    assert.equal((await jobOf('renamed0000001')).serviceType, 'Exterior Hand Wash');
    await fake('POST', '/__control/catalog', { objects: [{ type: 'ITEM', id: 'ITEMWASH',
      version: 1700000000009, item_data: { name: 'Signature Hand Wash', product_type: 'APPOINTMENTS_SERVICE' } }] });
    await fake('DELETE', '/__control/requests');
    let r = await reconcile();
    assert.equal(r.json.data.updated, 0);
    assert.equal((await squareRequests('/v2/catalog')).length, 0, 'within the day: no catalog call');
    sql('UPDATE service_names SET fetched_at = UTC_TIMESTAMP(3) - INTERVAL 25 HOUR');
    r = await reconcile();
    assert.equal(r.json.data.updated, 1);
    const j = await jobOf('renamed0000001');
    assert.equal(j.serviceType, 'Signature Hand Wash');
    assert.equal(j.bookingVersion, 0, 'the booking itself did not change');
  });

  test('a 75-day backfill is split into windows of at most 31 days', async () => {
    const from = '2026-01-01';
    const to = '2026-03-16';	// 75 days
    await putBookings([
      booking('backfill000001', { start: '2026-01-02T18:00:00Z' }),
      booking('backfill000002', { start: '2026-02-10T18:00:00Z' }),
      booking('backfill000003', { start: '2026-03-16T18:00:00Z' }),
      booking('backfill000004', { start: '2026-03-20T18:00:00Z' }),	// outside
    ]);
    await fake('DELETE', '/__control/requests');
    const r = await reconcile(`from=${from}&to=${to}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.created, 3);
    const lists = await squareRequests('/v2/bookings');
    assert.equal(lists.length, 3);
    for (const q of lists) {
      const span = Date.parse(q.query.start_at_max) - Date.parse(q.query.start_at_min);
      assert.ok(span <= 31 * 86400e3, `span ${span / 86400e3} days`);
    }
    assert.equal(lists[0].query.start_at_min, '2026-01-01T08:00:00Z', 'local midnight, LA');
    assert.equal(lists.at(-1).query.start_at_max, '2026-03-17T07:00:00Z', 'after DST began');
    const runs = (await get('/api/reconcile/runs')).json.data.runs;
    assert.equal(runs[0].trigger, 'backfill');
  });

  test('from/to: both or neither, real dates, at most 366 days', async () => {
    for (const q of ['from=2026-01-01', 'to=2026-01-01', 'from=2026-02-30&to=2026-03-01',
      'from=2026-03-01&to=2026-02-01', 'from=2025-01-01&to=2026-01-02', 'dryRun=maybe', 'other=1',
      'from=9999-12-01&to=9999-12-31']) {
      const r = await reconcile(q);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.success, false);
    }
  });
});

describe('Square misbehaving', () => {
  async function withFault(fault, expectStatus) {
    await putBookings([booking('faulty00000001')]);
    await fake('POST', '/__control/faults', { faults: [fault] });
    const t0 = Date.now();
    const r = await reconcile();
    const took = Date.now() - t0;
    await fake('DELETE', '/__control/faults');
    assert.equal(r.status, expectStatus, `${fault.kind}: ${r.text}`);
    assert.ok(took < 30e3, `${fault.kind} took ${took} ms`);
    return r;
  }

  test('429 with Retry-After is honoured and the run succeeds', async () => {
    const t0 = Date.now();
    const r = await withFault({ path: '/v2/bookings', kind: '429', retryAfter: 1, times: 1 }, 200);
    assert.ok(Date.now() - t0 >= 1000);
    assert.equal(r.json.data.created, 1);
    assert.deepEqual(r.json.data.errors, []);
  });

  test('429 without Retry-After, 500 and 503 are retried', async () => {
    for (const kind of ['429', '500', '503']) {
      await resetWorld();
      const r = await withFault({ path: '/v2/bookings', kind, times: 2 }, 200);
      assert.equal(r.json.data.created, 1, kind);
    }
  });

  test('Square down on every try: 502 with the summary, nothing written', async () => {
    const r = await withFault({ path: '/v2/bookings', kind: '503', times: -1 }, 502);
    assert.equal(r.json.success, false);
    assert.equal(r.json.error.code, 'square_unavailable');
    assert.equal(r.json.data.created, 0);
    assert.ok(r.json.data.errors.length >= 1);
    assert.equal(r.json.data.errors[0].stage, 'list');
    assert.equal(jobCount(), 0);
    const runs = (await get('/api/reconcile/runs')).json.data.runs;
    assert.ok(runs[0].errors.length >= 1, 'the failed run is recorded');
  });

  test('401 from Square: 502, not retried', async () => {
    const r = await withFault({ path: '/v2/bookings', kind: '401', times: -1 }, 502);
    assert.match(r.json.data.errors[0].message, /401/);
    assert.equal((await squareRequests('/v2/bookings')).filter((q) => q.status === 401).length, 1);
  });

  for (const kind of ['malformed', 'truncated', 'huge']) {
    test(`${kind} JSON on the only page: 502, nothing half-written`, async () => {
      const r = await withFault({ path: '/v2/bookings', kind, times: -1 }, 502);
      assert.ok(r.json.data.errors.length >= 1);
      assert.equal(jobCount(), 0);
    });
  }

  test('a slow Square within the timeout still works; a hanging one ends in bounded time', async () => {
    let r = await withFault({ path: '/v2/bookings', kind: 'delay', ms: 300, times: 1 }, 200);
    assert.equal(r.json.data.created, 1);
    await resetWorld();
    r = await withFault({ path: '/v2/bookings', kind: 'hang', times: -1 }, 502);
    assert.match(r.json.data.errors[0].message, /time/i);
  });

  test('a repeated cursor stops with an error; the pages read are kept', async () => {
    await fake('POST', '/__control/generate', { count: 150, start: hoursFromNow(1), days: 10, prefix: 'loop' });
    await fake('POST', '/__control/faults', { faults: [{ path: '/v2/bookings', kind: 'repeat_cursor', after: 1, times: -1 }] });
    const r = await reconcile();
    await fake('DELETE', '/__control/faults');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.data.errors.some((e) => /cursor/i.test(e.message)));
    assert.ok(r.json.data.pages <= 3);
    assert.equal(jobCount(), r.json.data.created);
  });

  test('a failed customer call still writes the page, names null; the next run fills them', async () => {
    await putBookings([booking('custfail000001', { customer: customers[2].id })]);
    await fake('POST', '/__control/faults', { faults: [{ path: '/v2/customers', kind: '500', times: -1 }] });
    let r = await reconcile();
    await fake('DELETE', '/__control/faults');
    assert.equal(r.status, 200);
    assert.equal(r.json.data.created, 1);
    assert.ok(r.json.data.errors.some((e) => e.stage === 'customers'));
    assert.equal((await jobOf('custfail000001')).customerCached, null);
    r = await reconcile();
    assert.equal(r.json.data.updated, 1);
    assert.equal((await jobOf('custfail000001')).customerCached.name, 'Fleet Co');
  });

  test('a booking Square sends malformed is an error of its own; the rest are written', async () => {
    await putBookings([booking('goodone0000001'),
      { id: 'badone00000001', version: 'x', status: 7, start_at: 'tomorrow' }]);
    const r = await reconcile();
    assert.equal(r.status, 200);
    assert.equal(r.json.data.created, 1);
    assert.ok(r.json.data.errors.some((e) => e.stage === 'parse'));
  });
});

describe('dry runs, the lease, the runs list', () => {
  test('dryRun lists the changes and writes nothing', async () => {
    await putBookings([booking('dryrun00000001'), booking('dryrun00000002')]);
    const r = await reconcile('dryRun=true');
    assert.equal(r.status, 200);
    assert.equal(r.json.data.dryRun, true);
    assert.equal(r.json.data.created, 2);
    assert.deepEqual(r.json.data.changes.map((c) => c.action), ['create', 'create']);
    assert.ok(r.json.data.changes[0].fields.includes('appointmentTime'));
    assert.equal(jobCount(), 0);
    assert.equal(Number(sql('SELECT COUNT(*) FROM service_names')[0][0]), 0);
    const runs = (await get('/api/reconcile/runs')).json.data.runs;
    assert.equal(runs[0].dryRun, true);
  });

  test('two runs at once: one runs, the other gets 409', async () => {
    await putBookings([booking('together000001')]);
    await fake('POST', '/__control/faults', { faults: [{ path: '/v2/bookings', kind: 'delay', ms: 1500, times: 1 }] });
    const [a, b] = await Promise.all([reconcile(), new Promise((res) => setTimeout(res, 300)).then(() => reconcile())]);
    await fake('DELETE', '/__control/faults');
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    assert.equal(jobCount(), 1);
    assert.equal((await reconcile()).status, 200, 'the lease is released');
  });

  test('an expired lease of a crashed run blocks nothing', async () => {
    sql("UPDATE leases SET holder = 'crashed', expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND");
    assert.equal((await reconcile()).status, 200);
    sql("UPDATE leases SET holder = 'running', expires_at = UTC_TIMESTAMP(3) + INTERVAL 60 SECOND");
    assert.equal((await reconcile()).status, 409);
  });

  test('runs are listed newest first with counts; limit is bounded', async () => {
    await reconcile();
    await reconcile('dryRun=true');
    const r = await get('/api/reconcile/runs?limit=2');
    assert.equal(r.status, 200);
    const runs = r.json.data.runs;
    assert.equal(runs.length, 2);
    assert.ok(Number(runs[0].runId) > Number(runs[1].runId));
    for (const k of ['runId', 'startedAt', 'finishedAt', 'trigger', 'dryRun', 'scanned', 'created',
      'updated', 'skipped', 'errors', 'durationMs']) assert.ok(k in runs[0], k);
    // Numbers are digits only: no space, sign or leading '+' (issue 7, item 28).
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'x=1', 'limit=%205', 'limit=%2B5', 'limit=+5']) {
      const bad = await get(`/api/reconcile/runs?${q}`);
      assert.equal(bad.status, 400, q);
      assert.match(bad.json.error.message, q === 'x=1' ? /"x"/ : /limit/, q);
    }
    assert.equal((await get('/api/reconcile/runs', { auth: false })).status, 401);
  });
});

describe('tokens', () => {
  test('wrong and missing tokens: 401; ?token= and Bearer both work; GET and POST', async () => {
    assert.equal((await reconcile('', { token: null })).status, 401);
    assert.equal((await reconcile('', { token: 'wrong' })).status, 401);
    assert.equal((await reconcile('', { token: env.cron + 'x' })).status, 401);
    assert.equal((await reconcile('', { token: env.cron.slice(0, -1) })).status, 401);
    let r = await api('GET', `/api/cron/reconcile?token=${encodeURIComponent(env.cron)}`, { auth: false });
    assert.equal(r.status, 200);
    r = await reconcile('', { method: 'GET' });
    assert.equal(r.status, 200);
  });

  test('the token never reaches nginx\'s log', async () => {
    const { readFileSync } = await import('node:fs');
    await api('GET', `/api/cron/reconcile?token=${encodeURIComponent(env.cron)}`, { auth: false });
    const logs = ['nginx-access.log', 'nginx-error.log', 'reconcile.log']
      .map((f) => readFileSync(`${env.stackDir}/log/${f}`, 'utf8')).join('\n');
    assert.ok(logs.includes('/api/cron/reconcile'));
    assert.ok(!logs.includes(env.cron));
    assert.ok(!logs.includes(env.squareToken));
    assert.ok(!logs.includes('anna@example.com') && !logs.includes('+1-555-0101'));
  });

  test('CRON_SECRET unset fails closed with 503 (CGI mode)', () => {
    const r = cgi('reconcile', { REQUEST_METHOD: 'GET', REQUEST_URI: '/api/cron/reconcile',
      HTTP_AUTHORIZATION: 'Bearer anything' });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'cron_disabled');
    const e = cgi('reconcile', { REQUEST_METHOD: 'GET', REQUEST_URI: '/api/cron/reconcile',
      CRON_SECRET: '', HTTP_AUTHORIZATION: 'Bearer ' });
    assert.equal(e.status, 503);
  });
});
