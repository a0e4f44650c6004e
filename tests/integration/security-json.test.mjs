// Issue 7, the JSON a client or Square sends (items 6, 7, 14, 24, 25):
// one strict parser for PATCH bodies, webhooks and Square's answers, so a
// bad body is a 400 in the JSON envelope, never a 500, never stored cut
// short, and no message echoes bytes that are not UTF-8.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  booking, env, fake, get, jobOf, reconcile, resetWorld, sendWebhook, webhookEvent,
} from './helpers.mjs';

const basic = 'Basic ' + Buffer.from(`${env.user}:${env.password}`).toString('base64');
let job;

before(async () => {
  await resetWorld();
  const r = await sendWebhook(webhookEvent('booking.created', booking('securityjson01'),
    `evt-sec-${process.pid}`));
  assert.equal(r.status, 200, r.text);
  job = await jobOf('securityjson01');
});

// A PATCH of raw bytes; the answer's bytes are kept to check their UTF-8.
async function patchRaw(bytes) {
  const res = await fetch(`${env.base}/api/jobs/${job.id}`, {
    method: 'PATCH',
    headers: { authorization: basic, 'content-type': 'application/json',
      'if-match': `"${job.version}"` },
    body: Buffer.from(bytes, 'latin1'),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  // fatal: throws on any byte sequence that is not UTF-8
  const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  return { status: res.status, text, json: JSON.parse(text) };
}

async function assertRefused(bytes, why) {
  const r = await patchRaw(bytes);
  assert.equal(r.status, 400, `${why}: ${r.text}`);
  assert.equal(r.json.success, false, why);
  assert.equal(typeof r.json.error.message, 'string', why);
  return r;
}

test('invalid UTF-8 in a PATCH string is a 400 envelope, not a 500', async () => {
  for (const bytes of ['{"notes":"\xff"}', '{"notes":"\xc3"}', '{"notes":"\xc0\xaf"}',
    '{"notes":"\xed\xa0\x80"}', '{"notes":"\\ud800"}']) {
    const r = await assertRefused(bytes, JSON.stringify(bytes));
    assert.equal(r.json.error.code, 'bad_request');
  }
});

test('a NUL inside a JSON string is refused, never stored cut short', async () => {
  const r = await assertRefused('{"notes":"abc\\u0000def"}', 'NUL escape');
  assert.match(r.json.error.message, /NUL/);
  await assertRefused('{"notes":"abc\x00def"}', 'raw NUL');
  await assertRefused('{"n\\u0000otes":"x"}', 'NUL in a key');
  const j = (await get(`/api/jobs/${job.id}`)).json.data;
  assert.equal(j.notes, job.notes);
  assert.equal(j.version, job.version);
});

test('what a lenient parser takes is refused: comments, quotes, commas, zeros, duplicates', async () => {
  const cases = {
    comment: '{/* hi */"notes":"x"}',
    'line comment': '{"notes":"x"} // hi',
    'single quotes': "{'notes':'x'}",
    'trailing comma': '{"notes":"x",}',
    'leading zero': '{"vehicle":{"year":01999}}',
    'raw tab': '{"notes":"a\tb"}',
    'raw newline': '{"notes":"a\nb"}',
    'duplicate key': '{"notes":"a","notes":"b"}',
    'nested duplicate': '{"vehicle":{"make":"a","make":"b"}}',
    NaN: '{"vehicle":{"year":NaN}}',
    'trailing bytes': '{"notes":"x"} {}',
    'bare word': '{"notes":x}',
  };
  for (const [why, bytes] of Object.entries(cases)) await assertRefused(bytes, why);
  const j = (await get(`/api/jobs/${job.id}`)).json.data;
  assert.equal(j.version, job.version, 'nothing was written');
});

test('an unknown key is named without bytes that are not UTF-8', async () => {
  // 30 two-byte characters: cutting the name at byte 40 used to split one.
  const key = '\xc3\xa9'.repeat(30);
  let r = await assertRefused(`{"${key}":1}`, 'long multibyte key');
  assert.match(r.json.error.message, /unknown field/);
  assert.ok(!r.json.error.message.includes('\ufffd'));
  r = await assertRefused('{"a\\u0001b":1}', 'control character in a key');
  assert.match(r.json.error.message, /unknown field "a\?b"/);
  r = await assertRefused('{"\xff\xfe":1}', 'a key of bad bytes');
  assert.match(r.json.error.message, /UTF-8/);
  // A checklist item this job does not have, named as sent.
  r = await assertRefused(`{"checklist":{"tech":[{"key":"${'\xc3\xa9'.repeat(32)}",` +
    '"done":true}]}}', 'unknown checklist key');
  assert.match(r.json.error.message, /has no item "é+"/);
  r = await assertRefused('{"checklist":{"tech":[{"key":"w\\u007fsh","done":true}]}}',
    'control character in a checklist key');
  assert.match(r.json.error.message, /has no item "w\?sh"/);
});

test('a Square page with more bookings than asked for is refused whole', async () => {
  // About 500 bookings in 200 KB, where the client asks for 100.
  await fake('POST', '/__control/faults', { faults: [
    { path: '/v2/bookings', kind: 'huge', size: 200000, times: -1 }] });
  let r;
  try {
    r = await reconcile();
  } finally {
    await fake('DELETE', '/__control/faults');
  }
  assert.equal(r.status, 502, r.text);
  assert.ok(r.json.data.errors.some((e) => /bookings on a page of at most 100/.test(e.message)),
    r.text);
  assert.equal(r.json.data.created, 0);
});
