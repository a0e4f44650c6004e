// Photos: upload, the stored bytes (upright, no metadata, named by their
// SHA-256), the refusals (type, corrupt, bombs, size, count), delete and
// the files going, /media/ served by nginx behind the login, and the
// ownership rule (reconcile and webhooks never touch photos), and the
// races around shared files and the photo limit, made to happen by holding
// a job's row lock in a transaction of the test's own.  The images are
// made here with ImageMagick and exiftool.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  env, get, api, resetWorld, putBookings, booking, reconcile, jobOf, sql,
  sendWebhook, webhookEvent, generation,
} from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-photos-'));
const basic = 'Basic ' + Buffer.from(`${env.user}:${env.password}`).toString('base64');
const media = process.env.MEDIA_DIR;

function make(name, args) {
  const f = path.join(dir, name);
  execFileSync('convert', [...args, f]);
  return f;
}

// A 600x400 JPEG with GPS, an orientation of 6 (turn 90° clockwise) and XMP.
function phoneJpeg() {
  const f = make('phone.jpg', ['-size', '600x400', 'gradient:red-blue']);
  execFileSync('exiftool', ['-q', '-overwrite_original', '-Orientation#=6',
    '-GPSLatitude=34.0522', '-GPSLatitudeRef=N', '-GPSLongitude=118.2437',
    '-GPSLongitudeRef=W', '-XMP-dc:Description=driveway', '-Make=Phone', f]);
  return fs.readFileSync(f);
}

async function upload(id, bytes, { type = 'image/jpeg', kind = 'before', caption, ifMatch, auth = true } = {}) {
  const q = new URLSearchParams({ kind });
  if (caption !== undefined) q.set('caption', caption);
  const headers = { 'content-type': type };
  if (auth) headers.authorization = basic;
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  const res = await fetch(`${env.base}/api/jobs/${id}/photos?${q}`, { method: 'POST', headers, body: bytes });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* checked by the caller */ }
  return { status: res.status, json, text, headers: res.headers };
}

function del(id, key, version) {
  const headers = version === undefined ? {} : { 'if-match': `"${version}"` };
  return api('DELETE', `/api/jobs/${id}/photos/${key}`, { headers });
}

async function fetchMedia(url, auth = true) {
  const res = await fetch(env.base + url, { headers: auth ? { authorization: basic } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// The signature and IHDR chunk of a PNG of w x h (8-bit RGB), then IEND.
function pngHeader(w, h) {
  const crc = (buf) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const mediaFiles = () => fs.readdirSync(media).filter((n) => /^[0-9a-f]{64}\.jpg$/.test(n));

/* Poll fn until it is truthy (a condition, never a fixed sleep). */
async function until(fn, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/*
 * A transaction of the test's own, in a mariadb client kept open: it runs
 * `statements` (which lock rows) and holds those locks until commit() or
 * rollback().
 */
async function holdLocks(statements) {
  const p = spawn('mariadb', ['--no-defaults', `--socket=${env.socket}`, '-u', os.userInfo().username,
    '-N', '-B', '-n', 'safari'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => p.on('exit', resolve));
  p.stdin.write(`BEGIN; ${statements} SELECT 'locks-held';\n`);
  await until(() => out.includes('locks-held'), 'the test transaction to hold its locks');
  const end = async (how) => { p.stdin.end(`${how};\n`); assert.equal(await exited, 0); };
  return { commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
}

/* The photo program's writes of a job's photos that are waiting (on the row lock the test holds). */
const rowWaits = () => Number(sql("SELECT COUNT(*) FROM information_schema.processlist " +
  "WHERE state = 'Updating' AND info LIKE 'UPDATE jobs SET photos\\_meta%'")[0][0]);

/* Processes waiting for the media lock (MEDIA_DIR/.lock), from /proc/locks. */
function mediaLockWaits() {
  let ino;
  try { ino = fs.statSync(path.join(media, '.lock')).ino; } catch { return 0; }
  return fs.readFileSync('/proc/locks', 'utf8').split('\n')
    .filter((l) => /->\s+FLOCK/.test(l) && l.split(/\s+/).some((f) => f.endsWith(`:${ino}`))).length;
}

/* A request and whether it has answered yet. */
function pending(promise) {
  const p = { done: false };
  p.result = promise.then((r) => { p.done = true; return r; });
  return p;
}

let job;
before(async () => {
  await resetWorld();
  /* Empty it, keeping the directory (it belongs to the stack's user). */
  for (const n of fs.readdirSync(media)) fs.rmSync(path.join(media, n), { recursive: true, force: true });
  await putBookings([booking('BKPHOTO1'), booking('BKPHOTO2')]);
  assert.equal((await reconcile()).status, 200);
  job = await jobOf('BKPHOTO1');
});

test('a phone JPEG comes back upright, stripped, named by its SHA-256', async () => {
  // Every calendar worker reads the range first (test fresh.test.mjs).
  const day = (o) => new Date(Date.now() + o * 86400e3).toISOString().slice(0, 10);
  const range = `/api/calendar?start=${day(-1)}&end=${day(3)}`;
  let etag;
  for (let i = 0; i < 8; i++) etag = (await get(range)).headers.get('etag');
  const g = generation();
  const r = await upload(job.id, phoneJpeg(), { caption: 'Scratch, door ñ', ifMatch: job.version });
  assert.equal(r.status, 201, r.text);
  assert.ok(generation() > g, 'the upload moved the change generation');
  // The new version is in the calendar on the very next request, from every worker.
  for (let i = 0; i < 8; i++) {
    const c = await get(range, { headers: { 'if-none-match': etag } });
    assert.equal(c.status, 200);
    assert.equal(c.json.data.jobs.find((x) => x.id === job.id).version, r.json.data.version);
  }
  const j = r.json.data;
  assert.equal(j.version, job.version + 1);
  assert.equal(r.headers.get('etag'), `"${j.version}"`);
  assert.equal(j.photosMeta.length, 1);
  const e = j.photosMeta[0];
  assert.deepEqual(Object.keys(e).sort(), ['by', 'bytes', 'caption', 'height', 'key', 'kind',
    'takenAt', 'thumbUrl', 'url', 'width'].sort());
  assert.equal(e.kind, 'before');
  assert.equal(e.caption, 'Scratch, door ñ');
  assert.equal(e.by, env.user);
  assert.deepEqual([e.width, e.height], [400, 600]);	// turned upright
  const m = await fetchMedia(e.url);
  assert.equal(m.status, 200);
  assert.equal(m.bytes.length, e.bytes);
  assert.equal(`/media/${sha(m.bytes)}.jpg`, e.url);
  assert.equal(m.headers.get('content-type'), 'image/jpeg');
  assert.equal(m.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.equal(m.headers.get('x-content-type-options'), 'nosniff');
  // No metadata block at all: no Exif APP1, no XMP, no GPS, no ICC.
  assert.equal(m.bytes.indexOf('Exif'), -1);
  assert.equal(m.bytes.indexOf('http://ns.adobe.com/xap'), -1);
  assert.equal(m.bytes.indexOf('ICC_PROFILE'), -1);
  assert.equal(m.bytes.indexOf('driveway'), -1);
  const tags = JSON.parse(execFileSync('exiftool', ['-j', '-G', '-'], { input: m.bytes }))[0];
  assert.equal(Object.keys(tags).some((k) => /^(EXIF|GPS|XMP|ICC)/.test(k)), false, JSON.stringify(tags));
  assert.equal(tags['File:ImageWidth'], 400);
  assert.equal(tags['File:ImageHeight'], 600);
  const t = await fetchMedia(e.thumbUrl);
  assert.equal(t.status, 200);
  assert.equal(`/media/${sha(t.bytes)}.jpg`, e.thumbUrl);
  const tt = JSON.parse(execFileSync('exiftool', ['-j', '-'], { input: t.bytes }))[0];
  assert.ok(Math.max(tt.ImageWidth, tt.ImageHeight) <= 320);
  assert.ok(tt.ImageHeight > tt.ImageWidth);
  // No temporary file left behind (.lock is the media lock, kept).
  assert.deepEqual(fs.readdirSync(media).filter((n) => n.startsWith('.') && n !== '.lock'), []);
});

test('a large PNG becomes a JPEG of at most 2048 px, a receipt goes to receiptPhotos', async () => {
  const png = fs.readFileSync(make('big.png', ['-size', '3000x1000', 'plasma:', '-alpha', 'set']));
  const r = await upload(job.id, png, { type: 'image/png', kind: 'receipt' });
  assert.equal(r.status, 201, r.text);
  const e = r.json.data.receiptPhotos.at(-1);
  assert.equal(e.kind, 'receipt');
  assert.equal(e.caption, null);
  assert.deepEqual([e.width, e.height], [2048, 683]);
  const m = await fetchMedia(e.url);
  assert.equal(m.bytes.subarray(0, 2).toString('hex'), 'ffd8');
});

test('refusals: wrong type 415, corrupt 400, a bomb 400 fast, bad kind and caption 400', async () => {
  const before = (await get(`/api/jobs/${job.id}`)).json.data.version;
  const text = await upload(job.id, Buffer.from('hello, this is not a picture at all'));
  assert.equal(text.status, 415);
  assert.equal(text.json.error.code, 'unsupported_media_type');
  const png = fs.readFileSync(make('small.png', ['-size', '50x50', 'xc:green']));
  assert.equal((await upload(job.id, png, { type: 'image/jpeg' })).status, 415);
  assert.equal((await upload(job.id, png, { type: 'text/plain' })).status, 415);
  const jpg = fs.readFileSync(make('whole.jpg', ['-size', '800x600', 'plasma:']));
  const cut = await upload(job.id, jpg.subarray(0, Math.floor(jpg.length / 2)));
  assert.equal(cut.status, 400, cut.text);
  assert.equal(cut.json.error.code, 'invalid_image');
  // A PNG header claiming 20000 x 20000 pixels, a few dozen bytes long.
  const b = await upload(job.id, pngHeader(20000, 20000), { type: 'image/png' });
  assert.equal(b.status, 400, b.text);
  assert.equal(b.json.error.code, 'image_too_large');
  assert.equal((await upload(job.id, png, { type: 'image/png', kind: 'selfie' })).status, 400);
  assert.equal((await upload(job.id, png, { type: 'image/png', caption: 'a\u0001b' })).status, 400);
  assert.equal((await upload(job.id, png, { type: 'image/png', caption: 'x'.repeat(281) })).status, 400);
  assert.equal((await upload(job.id, png, { type: 'image/png', ifMatch: 1 })).status, 409);
  assert.equal((await upload('NOSUCHJOB', png, { type: 'image/png' })).status, 404);
  assert.equal((await upload(job.id, png, { type: 'image/png', auth: false })).status, 401);
  assert.equal((await get(`/api/jobs/${job.id}`)).json.data.version, before);
});

test('a 25 MiB body is refused with a JSON 413', async () => {
  const r = await upload(job.id, Buffer.alloc(25 * 1024 * 1024, 0xff));
  assert.equal(r.status, 413);
  assert.equal(r.json.success, false);
  assert.equal(r.json.error.code, 'payload_too_large');
});

test('delete: If-Match needed, unknown key 404, files go once no job names them', async () => {
  const cur = (await get(`/api/jobs/${job.id}`)).json.data;
  const e = cur.photosMeta[0];
  // The same bytes on a second job share the files.
  const other = await jobOf('BKPHOTO2');
  const again = await upload(other.id, phoneJpeg());
  assert.equal(again.status, 201);
  assert.equal(again.json.data.photosMeta[0].url, e.url);
  assert.equal((await del(job.id, e.key)).status, 428);
  assert.equal((await del(job.id, e.key, cur.version - 1)).status, 409);
  assert.equal((await del(job.id, 'nosuchkey', cur.version)).status, 404);
  const r = await del(job.id, e.key, cur.version);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.photosMeta.length, 0);
  assert.equal(r.json.data.version, cur.version + 1);
  assert.ok(fs.existsSync(path.join(media, e.url.slice(7))), 'still named by the other job');
  const o = again.json.data;
  assert.equal((await del(other.id, o.photosMeta[0].key, o.version)).status, 200);
  assert.equal(fs.existsSync(path.join(media, e.url.slice(7))), false);
  assert.equal(fs.existsSync(path.join(media, e.thumbUrl.slice(7))), false);
  assert.equal((await fetchMedia(e.url)).status, 404);
});

test('at most 100 photos a job: 409 too_many_photos', async () => {
  const other = await jobOf('BKPHOTO2');
  const filler = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, kind: 'after', url: '/media/x' }));
  sql(`UPDATE jobs SET photos_meta = '${JSON.stringify(filler)}' WHERE id = '${other.id}'`);
  const png = fs.readFileSync(path.join(dir, 'small.png'));
  const r = await upload(other.id, png, { type: 'image/png' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'too_many_photos');
  sql(`UPDATE jobs SET photos_meta = '[]' WHERE id = '${other.id}'`);
});

test('a delete never removes the files of an upload of the same bytes that has not committed yet', async () => {
  const a = await jobOf('BKPHOTO1');
  const b = await jobOf('BKPHOTO2');
  const bytes = fs.readFileSync(make('race1.jpg', ['-size', '300x200', 'plasma:']));
  const first = await upload(a.id, bytes, { kind: 'after' });
  assert.equal(first.status, 201, first.text);
  const e = first.json.data.photosMeta.at(-1);
  // B's upload writes the same two files, then waits for B's row.
  const held = await holdLocks(`SELECT id FROM jobs WHERE id = '${b.id}' FOR UPDATE;`);
  const second = pending(upload(b.id, bytes, { kind: 'after' }));
  await until(() => rowWaits() === 1, "B's upload waiting for its row");
  // A's delete commits; its clean-up must not take the files B is about to name.
  const gone = pending(del(a.id, e.key, first.json.data.version));
  await until(() => gone.done || mediaLockWaits() > 0, 'the delete to answer or wait for the media lock');
  await held.rollback();
  const [d, s] = [await gone.result, await second.result];
  assert.equal(d.status, 200, d.text);
  assert.equal(s.status, 201, s.text);
  const mine = s.json.data.photosMeta.at(-1);
  assert.equal(mine.url, e.url, 'the same bytes, the same files');
  for (const u of [mine.url, mine.thumbUrl]) assert.equal((await fetchMedia(u)).status, 200, `${u} is still there`);
  assert.equal((await del(b.id, mine.key, s.json.data.version)).status, 200);
  assert.equal(fs.existsSync(path.join(media, mine.url.slice(7))), false, 'and goes with its last entry');
});

test('an upload refused at commit never removes the files of another upload of the same bytes', async () => {
  const a = await jobOf('BKPHOTO1');
  const b = await jobOf('BKPHOTO2');
  const bytes = fs.readFileSync(make('race2.jpg', ['-size', '320x240', 'plasma:']));
  // Another client changes A while A's upload is on its way; B's row is held.
  const heldA = await holdLocks(`UPDATE jobs SET version = version + 1 WHERE id = '${a.id}';`);
  const heldB = await holdLocks(`SELECT id FROM jobs WHERE id = '${b.id}' FOR UPDATE;`);
  const toA = pending(upload(a.id, bytes, { kind: 'damage', ifMatch: a.version }));
  const toB = pending(upload(b.id, bytes, { kind: 'damage' }));
  await until(() => rowWaits() === 2, 'both uploads waiting for their rows');
  await heldA.commit();
  await until(() => toA.done || mediaLockWaits() > 0, "A's upload to answer or wait for the media lock");
  await heldB.rollback();
  const [ra, rb] = [await toA.result, await toB.result];
  assert.equal(ra.status, 409, ra.text);
  assert.equal(ra.json.error.code, 'version_conflict');
  assert.equal(rb.status, 201, rb.text);
  const mine = rb.json.data.photosMeta.at(-1);
  for (const u of [mine.url, mine.thumbUrl]) assert.equal((await fetchMedia(u)).status, 200, `${u} is still there`);
  assert.equal((await del(b.id, mine.key, rb.json.data.version)).status, 200);
});

test('two uploads without If-Match to a job with 99 photos: one is stored, the other is refused (the limit is checked on retry)', async () => {
  const b = await jobOf('BKPHOTO2');
  const filler = Array.from({ length: 99 }, (_, i) => ({ key: `k${i}`, kind: 'after', url: '/media/x' }));
  sql(`UPDATE jobs SET photos_meta = '${JSON.stringify(filler)}' WHERE id = '${b.id}'`);
  const png = fs.readFileSync(path.join(dir, 'small.png'));
  const held = await holdLocks(`SELECT id FROM jobs WHERE id = '${b.id}' FOR UPDATE;`);
  const both = [pending(upload(b.id, png, { type: 'image/png' })), pending(upload(b.id, png, { type: 'image/png' }))];
  await until(() => rowWaits() === 2, 'both uploads waiting for the row');
  await held.rollback();
  const answers = await Promise.all(both.map((p) => p.result));
  assert.deepEqual(answers.map((r) => r.status).sort(), [201, 409],
    `answers: ${answers.map((r) => `${r.status} ${r.json?.error?.code ?? ''}`).join(', ')}`);
  assert.equal(answers.find((r) => r.status === 409).json.error.code, 'too_many_photos');
  const now = (await get(`/api/jobs/${b.id}`)).json.data;
  assert.equal(now.photosMeta.length + now.receiptPhotos.length, 100);
  sql(`UPDATE jobs SET photos_meta = '[]' WHERE id = '${b.id}'`);
});

test('/media/: login needed, only product names, no listing', async () => {
  const png = fs.readFileSync(path.join(dir, 'small.png'));
  const r = await upload(job.id, png, { type: 'image/png', kind: 'after' });
  const e = r.json.data.photosMeta.at(-1);
  assert.equal((await fetchMedia(e.url, false)).status, 401);
  assert.equal((await fetchMedia(e.url)).status, 200);
  assert.equal((await fetchMedia('/media/')).status, 404);
  assert.equal((await fetchMedia('/media/' + e.url.slice(7).toUpperCase())).status, 404);
  assert.equal((await fetchMedia('/media/../stack.env')).status, 404);
  fs.writeFileSync(path.join(media, 'notes.txt'), 'private');
  assert.equal((await fetchMedia('/media/notes.txt')).status, 404);
  fs.rmSync(path.join(media, 'notes.txt'));
});

test('reconcile and webhooks never touch photos', async () => {
  const cur = (await get(`/api/jobs/${job.id}`)).json.data;
  assert.ok(cur.photosMeta.length > 0 && cur.receiptPhotos.length > 0);
  await putBookings([booking('BKPHOTO1', { version: 5, note: 'changed by Square' }), booking('BKPHOTO2')]);
  assert.equal((await reconcile()).status, 200);
  const mid = (await get(`/api/jobs/${job.id}`)).json.data;
  assert.equal(mid.customerNote, 'changed by Square');
  assert.deepEqual(mid.photosMeta, cur.photosMeta);
  const b = booking('BKPHOTO1', { version: 6, status: 'CANCELLED_BY_CUSTOMER' });
  assert.equal((await sendWebhook(webhookEvent('booking.updated', b, 'EVPHOTO1'))).status, 200);
  const after = (await get(`/api/jobs/${job.id}`)).json.data;
  assert.equal(after.bookingStatus, 'CANCELLED_BY_CUSTOMER');
  assert.deepEqual(after.photosMeta, cur.photosMeta);
  assert.deepEqual(after.receiptPhotos, cur.receiptPhotos);
});
