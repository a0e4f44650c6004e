import { execFileSync } from 'node:child_process';
// Live updates through nginx's nchan: /api/events needs the staff login,
// nothing outside the machine can publish, a message carries ids,
// versions and days only, a reconnect with Last-Event-ID gets what it
// missed, and a program that cannot reach the publisher still answers in
// its normal time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, test } from 'node:test';
import {
  api, booking, env, get, jobOf, patchJob, putBookings, readSecret, reconcile, resetWorld, sendWebhook, webhookEvent,
} from './helpers.mjs';

beforeEach(resetWorld);

const basic = 'Basic ' + Buffer.from(`${env.user}:${env.password}`).toString('base64');
const publisher = path.join(env.stackDir, 'run', 'push', 'publish.sock');

/*
 * An open EventSource-style stream: events[] fills as messages come
 * ({id, data}); close() ends it.
 */
async function subscribe(headers = {}) {
  const ctrl = new AbortController();
  const res = await fetch(`${env.base}/api/events`, {
    headers: { authorization: basic, accept: 'text/event-stream', ...headers }, signal: ctrl.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const s = { events: [], raw: '', close: () => ctrl.abort() };
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        s.raw += dec.decode(value, { stream: true });
        let i;
        while ((i = s.raw.indexOf('\n\n')) >= 0) {
          const block = s.raw.slice(0, i);
          s.raw = s.raw.slice(i + 2);
          const id = /^id: ?(.*)$/m.exec(block)?.[1];
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, '')).join('\n');
          if (data) s.events.push({ id, data });
        }
      }
    } catch { /* aborted */ }
  })();
  return s;
}

async function until(fn, what, timeout = 5000) {
  const end = Date.now() + timeout;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function oneJob(id = 'pushjob0000001') {
  await putBookings([booking(id)]);
  assert.equal((await reconcile()).status, 200);
  return jobOf(id);
}

test('/api/events without a login is 401 in JSON', async () => {
  const r = await api('GET', '/api/events', { auth: false, headers: { accept: 'text/event-stream' } });
  assert.equal(r.status, 401);
  assert.equal(r.json.success, false);
  assert.equal(r.json.error.code, 'login_required');
});

test('the publisher is a socket only the programs\' user can reach', () => {
  const dir = fs.statSync(path.dirname(publisher));
  assert.equal(dir.mode & 0o777, 0o700);
  /* Started as root, the stack runs as its own user (STACK_USER, default safari). */
  const owner = process.getuid() === 0
    ? Number(execFileSync('id', ['-u', process.env.STACK_USER || 'safari']).toString().trim())
    : process.getuid();
  assert.equal(dir.uid, owner);
  assert.ok(fs.statSync(publisher).isSocket());
});

test('nothing outside can publish: every method on every path of the public server', async () => {
  const conf = ['nginx.conf', 'nginx/safari-server.conf'].map((f) => path.join(env.stackDir, f))
    .filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const paths = new Set(['/publish', '/pub', '/api/events', '/api/events/', '/api/events?id=jobs', '/', '/api/publish',
    '/api/events/jobs', '/publish?id=jobs']);
  for (const m of conf.matchAll(/location\s+(?:=|\^~)?\s*(\/[^\s{]*)/g)) paths.add(m[1]);
  const s = await subscribe();
  try {
    const marker = `outside-${process.pid}`;
    for (const p of paths) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        for (const auth of [true, false]) {
          const body = method === 'GET' || method === 'OPTIONS' ? undefined : JSON.stringify({ jobs: [{ id: marker }] });
          await fetch(`${env.base}${p}`, {
            method, body, headers: { ...(auth ? { authorization: basic } : {}), 'content-type': 'application/json', accept: 'text/json' },
          }).then((r) => r.arrayBuffer()).catch(() => {});
        }
      }
    }
    // A real change, published by a program, arrives; none of the above did.
    const job = await oneJob();
    await until(() => s.events.some((e) => e.data.includes(job.id)), 'the real change');
    assert.ok(!s.events.some((e) => e.data.includes(marker)), 'an outside request was published');
  } finally {
    s.close();
  }
});

test('a message carries only ids, versions and days; a webhook, reconcile and PATCH each publish', async () => {
  const s = await subscribe();
  try {
    const job = await oneJob('pushjob0000002');	// reconcile: created
    const note = `private note ${process.pid}`;
    const r = await patchJob(job.id, job.version, { notes: note, vehicle: { plate: 'SECRET1' } });
    assert.equal(r.status, 200, r.text);
    const b = booking('pushjob0000002', { version: 5, start: job.appointmentTime.replace(/T.*/, 'T23:30:00Z') });
    b.start_at = new Date(Date.parse(job.appointmentTime) + 2 * 86400e3).toISOString().replace('.000Z', 'Z');
    assert.equal((await sendWebhook(webhookEvent('booking.updated', b, `push-${Date.now()}`))).status, 200);
    await until(() => s.events.length >= 3, 'three messages');
    const msgs = s.events.map((e) => JSON.parse(e.data));
    for (const m of msgs) {
      assert.deepEqual(Object.keys(m), ['jobs']);
      for (const j of m.jobs) {
        for (const k of Object.keys(j)) assert.ok(['id', 'version', 'day', 'previousDay'].includes(k), k);
        assert.match(j.day, /^\d{4}-\d{2}-\d{2}$/);
        assert.equal(typeof j.version, 'number');
      }
    }
    const raw = s.events.map((e) => e.data).join('\n');
    for (const secret of [note, 'SECRET1', 'Anna', 'Lee', '@', 'VARWASH']) assert.ok(!raw.includes(secret), secret);
    const final = await get(`/api/jobs/${job.id}`);
    const [created, patched, moved] = msgs.map((m) => m.jobs.find((j) => j.id === job.id));
    assert.equal(created.version, 1);
    assert.equal(patched.version, job.version + 1);
    assert.equal(moved.version, final.json.data.version);
    assert.ok(moved.previousDay && moved.previousDay !== moved.day, 'the day it moved from');
  } finally {
    s.close();
  }
});

test('a reconnect with Last-Event-ID gets the messages it missed', async () => {
  const job = await oneJob('pushjob0000003');
  const s = await subscribe();
  let r = await patchJob(job.id, job.version, { notes: 'one' });
  await until(() => s.events.length >= 1, 'the first message');
  s.close();
  const last = s.events[0].id;
  assert.ok(last);
  r = await patchJob(job.id, r.json.data.version, { notes: 'two' });
  r = await patchJob(job.id, r.json.data.version, { notes: 'three' });
  const again = await subscribe({ 'last-event-id': last });
  try {
    await until(() => again.events.length >= 2, 'the two missed messages');
    const versions = again.events.map((e) => JSON.parse(e.data).jobs[0].version);
    assert.deepEqual(versions.slice(0, 2), [job.version + 2, job.version + 3]);
  } finally {
    again.close();
  }
});

test('a program that cannot reach the publisher still answers in its normal time, logging once', async () => {
  const job = await oneJob('pushjob0000004');
  // A publisher that takes the connection and never answers.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-push-'));
  const stall = path.join(dir, 'stall.sock');
  const server = net.createServer(() => {}).listen(stall);
  await new Promise((r) => server.once('listening', r));
  const run = (version, vars) => {
    const body = JSON.stringify({ notes: `n${version}` });
    const t0 = process.hrtime.bigint();
    const out = spawnSync(path.join(env.build, 'cgi-bin', 'job'), [], {
      env: { PATH: process.env.PATH, SAFARI_ENV_FILE: '/dev/null', MYSQL_SOCKET: env.socket, MYSQL_USER: 'safari',
        MYSQL_PASSWORD: readSecret('db_password'), MYSQL_DATABASE: 'safari', REQUEST_METHOD: 'PATCH',
        REQUEST_URI: `/api/jobs/${job.id}`, CONTENT_TYPE: 'application/json', CONTENT_LENGTH: String(body.length),
        HTTP_IF_MATCH: `"${version}"`, REMOTE_USER: 'staff', ...vars },
      input: body, encoding: 'utf8',
    });
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
  };
  try {
    const normal = run(job.version, {});
    assert.match(normal.out.stdout, /^Status: 200/m, normal.out.stdout.slice(0, 300));
    for (const [i, sock] of [stall, path.join(dir, 'absent.sock')].entries()) {
      const r = run(job.version + 1 + i, { PUSH_SOCKET: sock });
      assert.match(r.out.stdout, /^Status: 200/m, r.out.stdout.slice(0, 300));
      assert.ok(r.ms < normal.ms + 400, `${r.ms} ms against ${normal.ms} ms without push`);
      assert.equal(r.out.stderr.split('\n').filter((l) => l.includes('not published')).length, 1, r.out.stderr);
    }
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
