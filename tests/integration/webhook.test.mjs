// The signed webhook through nginx: signatures, de-duplication, the
// shared upsert with reconciliation, order, cancellations, the database
// going away.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  booking, fake, jobCount, jobOf, patchJob, pick, putBookings, reconcile, resetWorld,
  sendWebhook, sign, sql, stack, staffFields, webhookEvent,
} from './helpers.mjs';

beforeEach(resetWorld);

let n = 0;
const eid = () => `evt-${process.pid}-${Date.now()}-${n++}`;

test('a booking by webhook appears at once; the next reconcile skips it', async () => {
  const b = booking('hookfirst00001', { variation: 'VARFULL', minutes: 180 });
  await putBookings([b]);	// Square has it too, as it would
  const t0 = Date.now();
  const r = await sendWebhook(webhookEvent('booking.created', b, eid()));
  assert.equal(r.status, 200, r.text);
  assert.ok(Date.now() - t0 < 10e3, 'well inside Square\'s 10 s');
  assert.equal(r.json.data.result, 'created');
  const j = await jobOf('hookfirst00001');
  assert.equal(j.createdBy, 'webhook');
  assert.equal(j.serviceType, 'Full Detail');
  assert.equal(j.customerCached.name, 'Anna Lee');
  const s = await reconcile();
  assert.equal(s.json.data.scanned, 1);
  assert.equal(s.json.data.skipped, 1);
  assert.equal(s.json.data.created + s.json.data.updated, 0);
  assert.equal(jobCount(), 1);
});

test('bad, missing or wrongly keyed signatures: 401 and nothing written', async () => {
  const b = booking('hooksigned0001');
  const ev = webhookEvent('booking.created', b, eid());
  const raw = JSON.stringify(ev);
  for (const signature of [null, '', 'AAAA', sign(raw + ' '), sign(raw, 'wrong-key'),
    sign(raw, undefined, 'https://other.example/hook'), sign(raw).slice(0, -2)]) {
    const r = await sendWebhook(ev, { signature, raw });
    assert.equal(r.status, 401, `signature ${signature}`);
    assert.equal(r.json.success, false);
  }
  // re-serialised JSON (spaces) no longer matches the signature
  const r = await sendWebhook(ev, { signature: sign(raw), raw: JSON.stringify(ev, null, 1) });
  assert.equal(r.status, 401);
  assert.equal(jobCount(), 0);
  assert.equal(Number(sql('SELECT COUNT(*) FROM webhook_events')[0][0]), 0);
});

test('a duplicate event is acknowledged and not processed again', async () => {
  const b = booking('hookdupe000001');
  const ev = webhookEvent('booking.created', b, eid());
  assert.equal((await sendWebhook(ev)).json.data.result, 'created');
  const j = await jobOf('hookdupe000001');
  const again = await sendWebhook(ev);
  assert.equal(again.status, 200);
  assert.equal(again.json.data.result, 'duplicate');
  assert.equal((await jobOf('hookdupe000001')).version, j.version);
});

test('cancellation arrives as booking.updated; an older version is ignored', async () => {
  const b = booking('hookcancel0001', { version: 1 });
  await sendWebhook(webhookEvent('booking.created', b, eid()));
  const c = { ...b, version: 2, status: 'CANCELLED_BY_SELLER' };
  let r = await sendWebhook(webhookEvent('booking.updated', c, eid()));
  assert.equal(r.json.data.result, 'updated');
  assert.equal((await jobOf('hookcancel0001')).bookingStatus, 'CANCELLED_BY_SELLER');
  r = await sendWebhook(webhookEvent('booking.updated', { ...b, version: 1, status: 'ACCEPTED' }, eid()));
  assert.equal(r.status, 200);
  assert.equal(r.json.data.result, 'skipped');
  const j = await jobOf('hookcancel0001');
  assert.equal(j.bookingStatus, 'CANCELLED_BY_SELLER');
  assert.equal(j.bookingVersion, 2);
});

test('staff fields are byte-identical after a webhook update', async () => {
  const b = booking('hookstaff00001');
  await sendWebhook(webhookEvent('booking.created', b, eid()));
  let j = await jobOf('hookstaff00001');
  const r = await patchJob(j.id, j.version, { workStatus: 'checked_in', notes: 'Keys in box 4',
    vehicle: { make: 'Ford', model: 'F-150', year: 2022, color: 'White', plate: 'TRK001' } });
  assert.equal(r.status, 200, r.text);
  const before = JSON.stringify(pick(r.json.data, staffFields));
  await sendWebhook(webhookEvent('booking.updated', { ...b, version: 1, customer_note: 'Running late' }, eid()));
  j = await jobOf('hookstaff00001');
  assert.equal(j.customerNote, 'Running late');
  assert.equal(JSON.stringify(pick(j, staffFields)), before);
});

test('other event types are acknowledged and ignored; unreadable events are 400', async () => {
  const ev = { merchant_id: 'M', type: 'customer.updated', event_id: eid(), data: { type: 'customer', id: 'C1' } };
  let r = await sendWebhook(ev);
  assert.equal(r.status, 200);
  assert.equal(r.json.data.result, 'ignored');
  r = await sendWebhook(null, { raw: '{"type":"booking.created"' });
  assert.equal(r.status, 400);
  r = await sendWebhook(webhookEvent('booking.created', { id: 'x' }, eid()));
  assert.equal(r.status, 400);
  assert.equal(jobCount(), 0);
});

test('the database down: 503 and the event is not marked seen; the retry is processed', async () => {
  const b = booking('hookdbdown0001');
  const ev = webhookEvent('booking.created', b, eid());
  stack('db-stop');
  let r;
  try {
    r = await sendWebhook(ev);
  } finally {
    stack('db-start');
  }
  assert.equal(r.status, 503);
  assert.equal(r.json.success, false);
  r = await sendWebhook(ev);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.result, 'created');
  assert.ok(await jobOf('hookdbdown0001'));
});

test('a webhook and a reconcile racing never make two jobs', async () => {
  const list = Array.from({ length: 20 }, (_, i) => booking(`race${String(i).padStart(10, '0')}`));
  await putBookings(list);
  await Promise.all([reconcile(), ...list.map((b) => sendWebhook(webhookEvent('booking.created', b, eid())))]);
  assert.equal(jobCount(), 20);
  await fake('DELETE', '/__control/requests');
});

// Issue 7 items 19, 24, 26: the signed body is parsed strictly and its
// booking checked as a ListBookings page's, signature or not.
test('signed but malformed: trailing bytes, a second event_id, odd bookings are 400', async () => {
  const good = booking('hookstrict0001');
  const raw = JSON.stringify(webhookEvent('booking.created', good, eid()));
  const bad = {
    'trailing bytes': raw + 'x',
    'a second object': raw + '{}',
    'a second event_id': raw.replace(/^\{/, `{"event_id":"${eid()}",`),
    'a comment': raw.replace(/^\{/, '{/* c */'),
    'booking id ../../x': JSON.stringify(webhookEvent('booking.created',
      { ...good, id: '../../x' }, eid())),
    'version null': JSON.stringify(webhookEvent('booking.created',
      { ...good, version: null }, eid())),
    'appointment_segments null': JSON.stringify(webhookEvent('booking.created',
      { ...good, appointment_segments: null }, eid())),
    'duration missing': JSON.stringify(webhookEvent('booking.created',
      { ...good, appointment_segments: [{ team_member_id: 'TMTEST1' }] }, eid())),
    'customer id with a slash': JSON.stringify(webhookEvent('booking.created',
      { ...good, customer_id: 'CUST/1' }, eid())),
  };
  for (const [why, body] of Object.entries(bad)) {
    const r = await sendWebhook(null, { raw: body });
    assert.equal(r.status, 400, `${why}: ${r.text}`);
    assert.equal(r.json.success, false, why);
    assert.ok(r.json.error.message.length > 0, why);
  }
  assert.equal(jobCount(), 0);
  assert.equal(Number(sql('SELECT COUNT(*) FROM webhook_events')[0][0]), 0);
  // White space after the object is still the object.
  const r = await sendWebhook(null, { raw: raw + '\r\n' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.result, 'created');
});

// Issue 7 item 23: Square is read before the transaction opens, so a slow
// Square never holds a transaction (and its locks) open.
test('no transaction is open while the webhook waits for Square', async () => {
  const b = booking('hooknotx000001', { customer: 'CUSTBEN0000000000000000002' });
  await fake('POST', '/__control/faults', { faults: [
    { path: '/v2/customers/bulk-retrieve', kind: 'delay', ms: 1500, times: 1 }] });
  try {
    const t0 = Date.now();
    const pending = sendWebhook(webhookEvent('booking.created', b, eid()));
    // Look while the customer call is still waiting.
    let seen = 0, samples = 0;
    while (Date.now() - t0 < 1200) {
      await new Promise((resolve) => setImmediate(resolve));
      if (Date.now() - t0 < 300) continue;
      seen = Math.max(seen, Number(sql('SELECT COUNT(*) FROM information_schema.innodb_trx')[0][0]));
      samples++;
    }
    const r = await pending;
    assert.equal(r.status, 200, r.text);
    assert.ok(Date.now() - t0 >= 1500, 'the customer call was delayed');
    assert.ok(samples > 0);
    assert.equal(seen, 0, 'a transaction was open during the Square call');
    assert.equal(r.json.data.result, 'created');
    assert.equal((await jobOf('hooknotx000001')).customerCached.name, 'Ben Ortiz');
  } finally {
    await fake('DELETE', '/__control/faults');
  }
});

// Issue 7 item 16: seen events and runs older than RETENTION_DAYS go.
test('webhook events and reconcile runs older than RETENTION_DAYS are purged by a run', async () => {
  sql("INSERT INTO webhook_events (event_id, event_type, received_at) VALUES " +
      "('old-event-1', 'booking.created', UTC_TIMESTAMP() - INTERVAL 91 DAY), " +
      "('new-event-1', 'booking.created', UTC_TIMESTAMP() - INTERVAL 89 DAY)");
  sql("INSERT INTO reconcile_runs (started_at, finished_at, run_trigger, dry_run, " +
      "window_start, window_end, errors) VALUES " +
      "(UTC_TIMESTAMP() - INTERVAL 91 DAY, UTC_TIMESTAMP() - INTERVAL 91 DAY, 'cron', 0, " +
      "UTC_TIMESTAMP(), UTC_TIMESTAMP(), '[]')");
  const r = await reconcile();
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(sql('SELECT event_id FROM webhook_events ORDER BY event_id'), [['new-event-1']]);
  assert.equal(Number(sql('SELECT COUNT(*) FROM reconcile_runs WHERE started_at < ' +
    'UTC_TIMESTAMP() - INTERVAL 90 DAY')[0][0]), 0);
  assert.equal(Number(sql('SELECT COUNT(*) FROM reconcile_runs')[0][0]), 1);
});
