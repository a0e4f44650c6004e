// The web server's and the stack's own rules (issue 7): nginx's own
// answers are JSON, redirects copy only safe characters, unknown hosts are
// closed, the login-free locations pass and log no user, rate limits, the
// page headers everywhere, and the stack's least privilege (sockets, users,
// file modes, no secret on a command line).  Requests that curl or fetch
// would normalise are sent as raw bytes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { env, api, get, sendWebhook, reconcile, cgi } from './helpers.mjs';

const { hostname, port } = new URL(env.base);
const host = `${hostname}:${port}`;
const basic = 'Basic ' + Buffer.from(`${env.user}:${env.password}`).toString('base64');
const run = path.join(env.stackDir, 'run');
const logs = path.join(env.stackDir, 'log');

// Send bytes, read until nginx closes; returns {status, headers, body, raw}
// (status 0 when nothing came back).
function raw(bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    const chunks = [];
    sock.setTimeout(10000, () => reject(new Error('no answer in 10 s')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const end = all.indexOf('\r\n\r\n');
      const head = end === -1 ? all : all.slice(0, end);
      const [line = '', ...lines] = head.split('\r\n');
      const headers = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        const k = l.slice(0, i).toLowerCase();
        headers[k] = headers[k] ? `${headers[k]}\n${l.slice(i + 1).trim()}` : l.slice(i + 1).trim();
      }
      resolve({ status: Number(/^HTTP\/1\.\d (\d{3})/.exec(line)?.[1] ?? 0), headers,
        body: end === -1 ? '' : all.slice(end + 4), raw: all });
    });
    sock.end(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1'));
  });
}

const request = (line, headers = [`Host: ${host}`]) =>
  raw(`${line}\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`);

function assertJsonError(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.raw.slice(0, 200)}`);
  assert.match(r.headers['content-type'] ?? '', /^application\/json/, what);
  const j = JSON.parse(r.body);
  assert.equal(j.success, false, what);
  assert.equal(typeof j.error.code, 'string', what);
  assert.equal(typeof j.error.message, 'string', what);
}

describe("nginx's own answers are the JSON envelope (items 18, 29)", () => {
  const cases = [
    ['TRACE', 'TRACE /api/health HTTP/1.1', undefined, 405],
    ['a method in lower case', 'get /api/health HTTP/1.1', undefined, 400],
    ['no Host', 'GET /api/health HTTP/1.1', [], 400],
    ['a NUL in the URL', 'GET /api/jobs/a\0b HTTP/1.1', undefined, 400],
    ['a broken request line', 'GET/api/health', undefined, 400],
    ['HTTP/9.9', 'GET /api/health HTTP/9.9', undefined, 505],
    ['Transfer-Encoding: gzip', 'POST /api/webhooks/square HTTP/1.1',
      [`Host: ${host}`, 'Transfer-Encoding: gzip'], 501],
    ['a URI of 9000 bytes', `GET /api/jobs/${'a'.repeat(9000)} HTTP/1.1`, undefined, 414],
    ['a header of 9000 bytes', 'GET /api/health HTTP/1.1',
      [`Host: ${host}`, `X-Big: ${'a'.repeat(9000)}`], 431],
    ['a body over nginx\'s limit', 'PATCH /api/jobs/abc HTTP/1.1',
      [`Host: ${host}`, `Authorization: ${basic}`, 'Content-Length: 5000000'], 413],
    ['/api', 'GET /api HTTP/1.1', [`Host: ${host}`, `Authorization: ${basic}`], 404],
    ['/api/jobs (no HTML 301)', 'GET /api/jobs HTTP/1.1',
      [`Host: ${host}`, `Authorization: ${basic}`], 404],
    ['an unknown path', 'GET /api/nope/nope HTTP/1.1',
      [`Host: ${host}`, `Authorization: ${basic}`], 404],
    ['no login', 'GET /api/calendar HTTP/1.1', undefined, 401],
  ];
  for (const [what, line, headers, status] of cases) {
    test(`${what}: ${status}, JSON`, async () => {
      assertJsonError(await request(line, headers), status, what);
    });
  }

  test('a program that is down: 502, JSON', async () => {
    const sock = path.join(run, 'webhook.sock');
    fs.renameSync(sock, `${sock}.away`);
    try {
      const r = await sendWebhook({}, { signature: 'x' });
      assert.equal(r.status, 502);
      assert.equal(r.json.success, false);
    } finally {
      fs.renameSync(`${sock}.away`, sock);
    }
  });

  test("nginx's own 500 (a login file it cannot read): JSON", async () => {
    const file = path.join(env.stackDir, 'htpasswd');
    const mode = fs.statSync(file).mode & 0o777;
    fs.chmodSync(file, 0);
    try {
      // Root reads any file: as root the workers are the stack's user.
      assertJsonError(await request('GET /api/calendar HTTP/1.1',
        [`Host: ${host}`, `Authorization: ${basic}`]), 500, 'unreadable htpasswd');
    } finally {
      fs.chmodSync(file, mode);
    }
  });
});

describe('hosts and origins (item 22)', () => {
  test('an unknown Host is closed without an answer; under /api/ a JSON 421', async () => {
    const page = await request('GET /en/calendar HTTP/1.1', ['Host: evil.example', `Authorization: ${basic}`]);
    assert.equal(page.raw, '');
    assertJsonError(await request('GET /api/health HTTP/1.1', ['Host: evil.example']), 421, 'unknown host');
    // A bare IP that is not the server's name is unknown as well.
    assertJsonError(await request('GET /api/health HTTP/1.1', [`Host: 10.9.9.9:${port}`]), 421, 'bare IP');
  });

  test('a foreign Origin on a write is 403 through nginx', async () => {
    const r = await api('PATCH', '/api/jobs/anyjob', {
      body: { notes: 'x' }, headers: { 'if-match': '"1"', origin: 'http://evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden_origin');
    // The same write from the page's own origin gets past the check.
    const own = await api('PATCH', '/api/jobs/anyjob', {
      body: { notes: 'x' }, headers: { 'if-match': '"1"', origin: env.base } });
    assert.notEqual(own.status, 403);
  });
});

describe('redirects and page URLs (items 2, 8, 13)', () => {
  const auth = [`Host: ${host}`, `Authorization: ${basic}`];

  test('no response splitting in the unknown-locale redirect', async () => {
    const r = await request('GET /xx/jobs/a%0d%0aSet-Cookie:%20evil=1 HTTP/1.1', auth);
    assert.equal(r.headers['set-cookie'], undefined);
    assert.ok(!/evil/i.test(Object.keys(r.headers).join(' ')));
    assert.ok(r.headers.location === undefined || /^[\x21-\x7e]+$/.test(r.headers.location));
    assertJsonError(r, 404, 'CRLF in the id');
    const q = await request('GET /xx/calendar?a=%0d%0aSet-Cookie:%20evil=1 HTTP/1.1', auth);
    assert.equal(q.headers['set-cookie'], undefined);
  });

  test('an unknown locale still goes to the same page in English', async () => {
    const r = await request('GET /xx/jobs/abc_D-1?day=2026-12-01 HTTP/1.1', auth);
    assert.equal(r.status, 302);
    assert.equal(new URL(r.headers.location).pathname, '/en/jobs/abc_D-1');
    assert.equal(new URL(r.headers.location).search, '?day=2026-12-01');
    const c = await request('GET /fr/calendar HTTP/1.1', auth);
    assert.equal(new URL(c.headers.location).pathname, '/en/calendar');
  });

  test('an invalid id on a page URL is 404, never a redirect', async () => {
    for (const p of ['/en/jobs/a.b', `/en/jobs/${'a'.repeat(65)}`, '/xx/jobs/a.b', '/es/jobs/%00']) {
      const r = await request(`GET ${p} HTTP/1.1`, auth);
      assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
      assert.equal(r.headers.location, undefined, p);
    }
  });

  test('the page files are served only at their pretty URLs', async () => {
    for (const p of ['/calendar.html', '/job.html', '/admin-reconcile.html']) {
      const r = await get(p);
      assert.equal(r.status, 404, p);
      assert.ok(!/<html/i.test(r.text), p);
    }
  });

  test('pages and every static file carry the security headers', async () => {
    for (const p of ['/en/calendar', '/es/jobs/abc', '/en/admin/reconcile', '/favicon.svg',
      '/css/app.css', '/js/page.js', '/img/logo.svg']) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, p);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    }
  });
});

// The access log's lines written while fn runs.
async function logLinesOf(fn, count) {
  const file = path.join(logs, 'nginx-access.log');
  const start = fs.statSync(file).size;
  await fn();
  // nginx writes the line just after the answer: wait for it.
  for (let i = 0; i < 200; i++) {
    const lines = fs.readFileSync(file, 'latin1').slice(start).split('\n').filter(Boolean);
    if (lines.length >= count) return lines;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no access log lines');
}

describe('the login-free locations pass and log no user (item 12)', () => {
  const bogus = { authorization: 'Basic ' + Buffer.from('mallory:guess').toString('base64') };

  test('health, cron and webhook with a bogus Basic header: the log shows -', async () => {
    const lines = await logLinesOf(async () => {
      assert.equal((await get('/api/health', { auth: false, headers: bogus })).status, 200);
      assert.equal((await api('POST', '/api/cron/reconcile?dryRun=true', { auth: false, headers: bogus })).status, 401);
      assert.equal((await api('POST', '/api/webhooks/square', { auth: false, headers: bogus, raw: '{}' })).status, 401);
    }, 3);
    assert.equal(lines.length, 3, lines.join('\n'));
    for (const l of lines) {
      assert.match(l, /^\S+ - - \[/, l);
      assert.ok(!l.includes('mallory'), l);
    }
  });

  test('the staff locations still log the verified user', async () => {
    const [l] = await logLinesOf(() => get('/api/calendar'), 1);
    assert.match(l, new RegExp(`^\\S+ - ${env.user} \\[`));
  });

  test('the programs get an empty REMOTE_USER there, and the user in staff locations', async () => {
    const hook = await paramsSent('webhook', () =>
      api('POST', '/api/webhooks/square', { auth: false, headers: bogus, raw: '{}' }));
    assert.equal(hook.REMOTE_USER, '');
    assert.equal(hook.HTTP_AUTHORIZATION, bogus.authorization);	// the header, unverified
    const health = await paramsSent('calendar', () => get('/api/health', { auth: false, headers: bogus }));
    assert.equal(health.REMOTE_USER, '');
    const staff = await paramsSent('job', () => get('/api/jobs/abc'));
    assert.equal(staff.REMOTE_USER, env.user);
  });
});

// The FastCGI parameters nginx sends to a program for the request fn
// makes: the program's socket is set aside for a listener of our own,
// which reads the parameters and hangs up (nginx then answers 502).
async function paramsSent(program, fn) {
  const sock = path.join(run, `${program}.sock`);
  const st = fs.statSync(sock);
  fs.renameSync(sock, `${sock}.away`);
  let got;
  const seen = new Promise((resolve) => { got = resolve; });
  const server = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    const params = {};
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const type = buf[1];
        const len = buf.readUInt16BE(4);
        const total = 8 + len + buf[6];
        if (buf.length < total) break;
        const body = buf.subarray(8, 8 + len);
        buf = buf.subarray(total);
        if (type !== 4) continue;			// FCGI_PARAMS
        if (len === 0) { got(params); c.destroy(); return; }
        for (let o = 0; o < body.length;) {
          const n = [];
          for (let k = 0; k < 2; k++) {
            if (body[o] & 0x80) { n.push(body.readUInt32BE(o) & 0x7fffffff); o += 4; } else n.push(body[o++]);
          }
          const name = body.subarray(o, o + n[0]).toString('latin1');
          params[name] = body.subarray(o + n[0], o + n[0] + n[1]).toString('latin1');
          o += n[0] + n[1];
        }
      }
    });
    c.on('error', () => {});
  });
  try {
    await new Promise((resolve) => server.listen(sock, resolve));
    fs.chownSync(sock, st.uid, st.gid);
    fs.chmodSync(sock, 0o660);
    const [r, params] = await Promise.all([fn(), seen]);
    assert.equal(r.status, 502);
    return params;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(sock, { force: true });
    fs.renameSync(`${sock}.away`, sock);
  }
}

describe('rate limits (item 21)', () => {
  test('a room of tablets polling at once from one address all pass', async () => {
    const polls = await Promise.all(Array.from({ length: 30 }, () => get('/api/calendar')));
    assert.deepEqual([...new Set(polls.map((r) => r.status))], [200]);
    const health = await Promise.all(Array.from({ length: 30 }, () => get('/api/health', { auth: false })));
    assert.deepEqual([...new Set(health.map((r) => r.status))], [200]);
  });

  test('a flood of wrong logins gets 429 JSON; the right login still passes', async () => {
    const wrong = { authorization: 'Basic ' + Buffer.from(`${env.user}:wrong`).toString('base64') };
    const flood = await Promise.all(Array.from({ length: 40 }, () => get('/api/calendar', { headers: wrong })));
    const limited = flood.filter((r) => r.status === 429);
    assert.ok(limited.length > 0, 'no 429 in 40 wrong logins');
    assert.equal(limited[0].json.error.code, 'too_many_requests');
    assert.ok(flood.every((r) => r.status === 401 || r.status === 429));
    assert.equal((await get('/api/calendar')).status, 200);
    // Wait for the zone to let a wrong login through again (1 a second),
    // so that later tests see their 401s.
    for (let i = 0; i < 100; i++) {
      if ((await get('/api/calendar', { headers: wrong })).status === 401) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail('wrong logins still limited after 20 s');
  });
});

describe('least privilege of the stack (items 1, 3, 9, 10, 11)', () => {
  const isRoot = process.getuid() === 0;
  const pidOf = (name) => Number(fs.readFileSync(path.join(run, `${name}.pid`), 'utf8').split('\n')[0]);
  const status = (pid) => fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const uidOf = (pid) => Number(/^Uid:\s+(\d+)/m.exec(status(pid))[1]);

  // Every process of the stack: those of the pid files and their descendants.
  function stackProcesses() {
    const parent = new Map();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try { parent.set(Number(d), Number(/^PPid:\s+(\d+)/m.exec(status(d))[1])); } catch { /* gone */ }
    }
    const roots = new Set(fs.readdirSync(run).filter((f) => f.endsWith('.pid'))
      .map((f) => pidOf(f.slice(0, -4))));
    const inStack = (pid) => {
      for (let p = pid, i = 0; p > 1 && i < 64; p = parent.get(p), i++)
        if (roots.has(p)) return true;
      return false;
    };
    return [...parent.keys()].filter(inStack);
  }

  test('program sockets are 0660 in a 0750 directory', () => {
    assert.equal(fs.statSync(run).mode & 0o777, 0o750);
    for (const name of ['calendar', 'job', 'reconcile', 'webhook']) {
      const st = fs.statSync(path.join(run, `${name}.sock`));
      assert.ok(st.isSocket(), name);
      assert.equal(st.mode & 0o777, 0o660, name);
    }
  });

  test('--socket-mode and --socket-group set the socket; a mode open to others is refused', async () => {
    const dir = fs.mkdtempSync('/tmp/sdo-sock.');
    const sock = path.join(dir, 'calendar.sock');
    const group = isRoot ? 'nogroup' : spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
    const gid = Number(spawnSync('getent', ['group', group], { encoding: 'utf8' }).stdout.split(':')[2]);
    const prog = path.join(env.build, 'cgi-bin', 'calendar');
    const penv = { PATH: process.env.PATH, SAFARI_ENV_FILE: '/dev/null' };
    const child = spawn(prog, ['--socket', sock, '--socket-mode', '0640', '--socket-group', group],
      { env: penv, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      const st = fs.statSync(sock);
      assert.equal(st.mode & 0o777, 0o640);
      assert.equal(st.gid, gid);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const mode of ['0666', '0606', 'rw', '']) {
      const r = spawnSync(prog, ['--socket', sock, '--socket-mode', mode], { env: penv, encoding: 'utf8' });
      assert.equal(r.status, 1, mode);
      assert.match(r.stderr, /--socket-mode/, mode);
    }
    const r = spawnSync(prog, ['--socket', sock, '--socket-group', 'no-such-group-x'], { env: penv, encoding: 'utf8' });
    assert.equal(r.status, 1);
  });

  test('another local user cannot connect to a program socket', { skip: !isRoot && 'needs root to become another user' }, () => {
    const sock = path.join(run, 'job.sock');
    const script = `require('net').connect(${JSON.stringify(sock)})
      .on('connect', () => { console.log('connected'); process.exit(0); })
      .on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--',
      process.execPath, '-e', script], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'EACCES', r.stderr);
    // The socket alone (were its directory open) refuses that user too.
    const st = fs.statSync(sock);
    assert.ok(st.uid !== 65534 && st.gid !== 65534 && (st.mode & 0o007) === 0);
  });

  test('started as root, no stack process but nginx\'s master runs as root', { skip: !isRoot && 'the stack was not started as root' }, () => {
    const procs = stackProcesses();
    const master = pidOf('nginx');
    // MariaDB, the programs and their workers, nginx's workers, the fake Square.
    assert.ok(procs.length >= 1 + 4 * 3 + 2 + 1, `only ${procs.length} processes`);
    const asRoot = procs.filter((p) => p !== master && uidOf(p) === 0)
      .map((p) => `${p} ${fs.readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ')}`);
    assert.deepEqual(asRoot, []);
    const user = uidOf(pidOf('mariadb'));
    assert.notEqual(user, 0);
    for (const dir of [run, logs, path.join(env.stackDir, 'mysql')])
      assert.equal(fs.statSync(dir).uid, user, dir);
    for (const f of fs.readdirSync(logs))
      assert.equal(fs.statSync(path.join(logs, f)).uid, user, f);
  });

  test('htpasswd is SHA-512 crypt and not readable by others; logs are 0640 or tighter', () => {
    const file = path.join(env.stackDir, 'htpasswd');
    assert.equal(fs.statSync(file).mode & 0o077, 0);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^${env.user}:\\$6\\$[^\\s:]+\\$[A-Za-z0-9./]{86}\\n$`));
    const files = fs.readdirSync(logs);
    for (const f of ['nginx-access.log', 'nginx-error.log', 'mariadb.log', 'calendar.log', 'job.log',
      'reconcile.log', 'webhook.log', 'fake-square.log'])
      assert.ok(files.includes(f), `${f} missing`);
    for (const f of files)
      assert.equal(fs.statSync(path.join(logs, f)).mode & 0o037, 0, `${f} is too open`);
    assert.equal(fs.statSync(path.join(env.stackDir, 'stack.env')).mode & 0o077, 0);
  });

  test('no secret of the stack on any command line', () => {
    const secrets = [env.password, env.cron, env.squareToken, env.webhookKey,
      fs.readFileSync(path.join(env.stackDir, 'db_password'), 'utf8').trim()].filter((s) => s && s.length >= 8);
    assert.ok(secrets.length >= 4);
    const procs = stackProcesses();
    assert.ok(procs.length > 0);
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let cmd;
      try { cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'latin1'); } catch { continue; }
      for (const s of secrets)
        assert.ok(!cmd.includes(s), `process ${d} shows a secret: ${cmd.replace(/\0/g, ' ').slice(0, 80)}…`);
    }
  });

  test('CRON_SECRET: made and printed only when absent; an empty one stays empty and fails closed', () => {
    const tmp = fs.mkdtempSync('/tmp/sdo-cron.');
    try {
      const stack = (vars, envFile = '/dev/null') => {
        const e = { PATH: process.env.PATH, STACK_DIR: tmp, SAFARI_ENV_FILE: envFile, ...vars };
        const r = spawnSync(path.join(env.root, 'scripts/stack.sh'), ['cron-secret'], { env: e, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      const made = stack({});
      const secret = fs.readFileSync(path.join(tmp, 'cron_secret'), 'utf8').trim();
      assert.match(secret, /^[0-9a-f]{32}$/);
      assert.ok(made.includes(secret));
      assert.ok(!stack({ CRON_SECRET: 'configured-secret-1234' }).includes('configured-secret-1234'));
      assert.match(stack({ CRON_SECRET: '' }), /empty/);
      assert.ok(!stack({ CRON_SECRET: '' }).includes(secret));
      fs.writeFileSync(path.join(tmp, 'env'), 'CRON_SECRET=\n');
      assert.ok(!stack({}, path.join(tmp, 'env')).includes(secret));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    // The programs take an empty CRON_SECRET as unset: 503.
    const r = cgi('reconcile', { CRON_SECRET: '', REQUEST_METHOD: 'POST',
      REQUEST_URI: '/api/cron/reconcile', HTTP_AUTHORIZATION: 'Bearer ' });
    assert.equal(r.status, 503);
    assert.equal(r.json.success, false);
  });

  test('the reconcile schedule header file is not readable by others', async () => {
    assert.equal(fs.statSync(path.join(env.stackDir, 'cron-header')).mode & 0o077, 0);
    assert.equal((await reconcile('dryRun=true')).status, 200);
  });
});
