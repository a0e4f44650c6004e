// Shared hosting, for real: the upload tree of `make dist-cgi` behind
// Apache (scripts/cgi-stack.sh: mod_cgid, the tree's .htaccess, an
// ordinary user, MariaDB with binary logging over TCP, a database user
// without SUPER, the system's libfcgi/json-c/libcurl/MariaDB client
// hidden).  Run by scripts/test-apache.sh, which exports cgi.env.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

const E = process.env;
const base = E.BASE_URL;
if (!base) throw new Error('run through scripts/test-apache.sh');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const basic = 'Basic ' + Buffer.from(`${E.STAFF_USER}:${E.STAFF_PASSWORD}`).toString('base64');

async function req(method, p, { auth = true, headers = {}, body } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = basic;
  const r = await fetch(base + p, { method, headers: h, body, redirect: 'manual' });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, json };
}

function isEnvelope(r, status) {
  assert.equal(r.status, status, r.text.slice(0, 200));
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `${status} is JSON`);
  assert.equal(r.json?.success, false, r.text.slice(0, 200));
  assert.equal(typeof r.json.error.code, 'string');
}

// A raw request line, for what fetch will not send (TRACE).
function raw(line) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const s = net.connect(Number(u.port), u.hostname, () => s.end(`${line}\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d) => { out += d; }).on('end', () => resolve(out)).on('error', reject);
  });
}

describe('the upload tree behind Apache', () => {
  test('the programs run on the libraries the tree carries, the system\'s being hidden', { skip: E.CGI_HIDDEN !== '1' && 'not root: nothing hidden' }, () => {
    const out = execFileSync(path.join(root, 'scripts/cgi-stack.sh'),
      ['hidden', 'ldd', path.join(E.CGI_WWW, 'cgi-bin/reconcile')], { encoding: 'utf8' });
    for (const so of ['libfcgi.so.0', 'libjson-c.so.5', 'libcurl.so.4', 'libmariadb.so.3', 'libsafari.so', 'libsafari-square.so']) {
      assert.match(out, new RegExp(`${so.replace(/\./g, '\\.')} => ${E.CGI_WWW}/cgi-bin/\\.\\./lib/${so.replace(/\./g, '\\.')}`), so);
    }
    // The system's copy really is gone in there.
    const sys = execFileSync(path.join(root, 'scripts/cgi-stack.sh'),
      ['hidden', 'sh', '-c', 'wc -c < "$(readlink -f "$(ldconfig -p | awk \'$1=="libcurl.so.4"{print $NF; exit}\')")"'], { encoding: 'utf8' });
    assert.equal(sys.trim(), '0');
    // The calendar and job programs do not load the Square client's libraries.
    const cal = execFileSync('ldd', [path.join(E.CGI_WWW, 'cgi-bin/calendar')], { encoding: 'utf8' });
    assert.doesNotMatch(cal, /libcurl|libsafari-square/);
  });

  test('health needs no login; the staff API does, and its 401 is the JSON envelope', async () => {
    const h = await req('GET', '/api/health', { auth: false });
    assert.equal(h.status, 200);
    assert.equal(h.json.data.database, 'ok');
    isEnvelope(await req('GET', '/api/calendar', { auth: false }), 401);
    isEnvelope(await req('GET', '/api/reconcile/runs', { auth: false }), 401);
    isEnvelope(await req('GET', '/api/calendar', { auth: false, headers: { authorization: 'Basic ' + Buffer.from('staff:wrong').toString('base64') } }), 401);
    // A rewritten path cannot borrow the login-free line.
    isEnvelope(await req('GET', '/api/health/../calendar', { auth: false }), 401);
  });

  test('reconcile (cron token), calendar, job GET and PATCH, all through CGI', async () => {
    isEnvelope(await req('POST', '/api/cron/reconcile', { auth: false }), 401);
    isEnvelope(await req('POST', '/api/cron/reconcile', { auth: false, headers: { authorization: 'Bearer wrong' } }), 401);
    const r = await req('POST', '/api/cron/reconcile', { auth: false, headers: { authorization: `Bearer ${E.CRON_SECRET}` } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.success, true);
    const monday = new Date(); monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 7);
    const start = monday.toISOString().slice(0, 10);
    const end = new Date(monday.getTime() + 61 * 86400e3).toISOString().slice(0, 10);
    const cal = await req('GET', `/api/calendar?start=${start}&end=${end}`);
    assert.equal(cal.status, 200, cal.text);
    assert.ok(cal.json.data.jobs.length > 0, 'the demo bookings became jobs');
    const etag = cal.headers.get('etag');
    assert.equal((await req('GET', `/api/calendar?start=${start}&end=${end}`, { headers: { 'if-none-match': etag } })).status, 304);
    const id = cal.json.data.jobs[0].id;
    const job = await req('GET', `/api/jobs/${id}`);
    assert.equal(job.status, 200);
    const p = await req('PATCH', `/api/jobs/${id}`, {
      headers: { 'content-type': 'application/json', 'if-match': `"${job.json.data.version}"` },
      body: JSON.stringify({ notes: 'from Apache', workStatus: 'checked_in' }),
    });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.data.notes, 'from Apache');
    assert.equal(p.json.data.statusHistory.at(-1).by, E.STAFF_USER, 'REMOTE_USER reaches the program');
    isEnvelope(await req('PATCH', `/api/jobs/${id}`, {
      headers: { 'content-type': 'application/json', 'if-match': `"${job.json.data.version}"` },
      body: JSON.stringify({ notes: 'stale' }),
    }), 409);
    isEnvelope(await req('GET', '/api/jobs/no-such-job'), 404);
    isEnvelope(await req('GET', '/api/jobs/a.b'), 400);
    const runs = await req('GET', '/api/reconcile/runs');
    assert.equal(runs.status, 200);
    assert.ok(runs.json.data.runs.length >= 1);
  });

  test('the webhook checks its signature and processes a signed event', async () => {
    isEnvelope(await req('POST', '/api/webhooks/square', { auth: false, headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': 'bad' }, body: '{}' }), 401);
    const body = JSON.stringify({ merchant_id: 'M1', type: 'booking.updated', event_id: `ev-cgi-${Date.now()}`, created_at: new Date().toISOString(), data: { type: 'booking', id: 'x', object: {} } });
    const sig = createHmac('sha256', E.SQUARE_WEBHOOK_SIGNATURE_KEY).update(E.SQUARE_WEBHOOK_URL + body).digest('base64');
    const r = await req('POST', '/api/webhooks/square', { auth: false, headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': sig }, body });
    assert.ok(r.status === 200 || r.status === 400, r.text);	// signature accepted: past 401
    assert.match(r.headers.get('content-type'), /^application\/json/);
  });

  test("Apache's own errors under /api/ are the JSON envelope", async () => {
    isEnvelope(await req('GET', '/api/no-such-endpoint'), 404);
    isEnvelope(await req('GET', '/api'), 404);
    isEnvelope(await req('DELETE', '/api/calendar'), 405);
    isEnvelope(await req('PUT', '/api/health', { auth: false }), 405);
    // TRACE is refused by the server itself (TraceEnable Off, Debian's
    // default; answered before any .htaccess is read): no echo at least.
    const trace = await raw('TRACE /api/calendar HTTP/1.1');
    assert.match(trace, /^HTTP\/1\.1 405/);
    assert.doesNotMatch(trace, /message\/http/);
    // A body over the tree's limit: Apache's 413, as JSON.
    const big = await req('POST', '/api/webhooks/square', { auth: false, headers: { 'content-type': 'application/json', 'content-length': String(21 * 1024 * 1024) }, body: Buffer.alloc(21 * 1024 * 1024) }).catch(() => null);
    if (big) isEnvelope(big, 413);
  });

  test('refused: .env anywhere, .htpasswd, .htaccess, the libraries, the tool, the migrations, the programs by name', async () => {
    fs.writeFileSync(path.join(E.CGI_WWW, '.env'), 'MYSQL_PASSWORD=leak\n');
    fs.writeFileSync(path.join(E.CGI_WWW, 'cgi-bin', '.env'), 'MYSQL_PASSWORD=leak\n');
    try {
      for (const p of ['/.env', '/cgi-bin/.env', '/.htaccess', '/.htpasswd', '/.env.example', '/lib/libsafari.so',
        '/lib/libcurl.so.4', '/bin/safari-migrate', '/sql/001-jobs.sql', '/cgi-bin/calendar', '/cgi-bin/job']) {
        const r = await req('GET', p);
        assert.ok(r.status === 403 || r.status === 404, `${p}: ${r.status}`);
        assert.doesNotMatch(r.text, /leak|ELF|CREATE TABLE/, p);
      }
    } finally {
      fs.rmSync(path.join(E.CGI_WWW, '.env'));
      fs.rmSync(path.join(E.CGI_WWW, 'cgi-bin', '.env'));
    }
  });

  test('pages: pretty URLs with the security headers, the locale redirect, no .html names, login', async () => {
    const page = await req('GET', '/en/calendar');
    assert.equal(page.status, 200);
    assert.match(page.text, /<html lang="en"/);
    assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal((await req('GET', '/es/jobs/abc_DEF-1')).status, 200);
    assert.equal((await req('GET', '/en/calendar', { auth: false })).status, 401);
    const redir = await req('GET', '/xx/jobs/abc?x=1');
    assert.equal(redir.status, 302);
    assert.equal(new URL(redir.headers.get('location'), base).pathname, '/en/jobs/abc');
    const home = await req('GET', '/');
    assert.equal(home.status, 302);
    assert.equal(new URL(home.headers.get('location'), base).pathname, '/en/calendar');
    assert.equal((await req('GET', '/calendar.html')).status, 404);
    assert.equal((await req('GET', '/xx/jobs/a%0d%0aSet-Cookie:x')).headers.get('set-cookie'), null);
  });

  test('JSON answers are compressed', async () => {
    const r = await fetch(`${base}/api/calendar`, { headers: { authorization: basic, 'accept-encoding': 'gzip' } });
    await r.arrayBuffer();
    assert.equal(r.headers.get('content-encoding'), 'gzip');
  });

  test('a photo is uploaded through the photo program and served from media/ behind the login', async () => {
    const cal = await req('GET', '/api/calendar?start=2020-01-06&end=2020-01-06');
    assert.equal(cal.status, 200);
    const runs = await req('POST', '/api/cron/reconcile', { auth: false, headers: { authorization: `Bearer ${E.CRON_SECRET}` } });
    assert.equal(runs.status, 200);
    const week = await req('GET', '/api/calendar');
    const any = week.json.data.jobs[0] ?? (await req('GET', `/api/calendar?start=${new Date().toISOString().slice(0, 10)}&end=${new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10)}`)).json.data.jobs[0];
    assert.ok(any, 'a job to attach a photo to');
    const jpeg = execFileSync('convert', ['-size', '640x480', 'plasma:', 'jpg:-']);
    const up = await req('POST', `/api/jobs/${any.id}/photos?kind=before`, { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    assert.equal(up.status, 201, up.text);
    const photo = up.json.data.photosMeta.at(-1);
    assert.match(photo.url, /^\/media\/[0-9a-f]{64}\.jpg$/);
    const img = await fetch(base + photo.url, { headers: { authorization: basic } });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    assert.match(img.headers.get('cache-control'), /immutable/);
    assert.equal((await fetch(base + photo.url)).status, 401);
    assert.equal((await req('GET', '/media/')).status, 404);
  });

  test('the programs log to LOG_FILE in the account, never a secret', () => {
    const log = fs.readFileSync(path.join(E.CGI_HOME, 'safari.log'), 'utf8');
    assert.match(log, /\[RECONCILE\]|reconcile/);
    assert.ok(!log.includes(E.CRON_SECRET) && !log.includes(E.STAFF_PASSWORD));
    assert.equal(fs.statSync(path.join(E.CGI_HOME, 'safari.log')).mode & 0o007, 0);
  });
});
