// make bench, live updates: prints "ROW|measure|figure|bar" lines for
// scripts/bench.sh.
//   - from the 200 of another tablet's PATCH to the change on an open
//     calendar page (Chromium), p50/p95 over 20 trials (bar p95 < 1 s)
//   - nginx workers' memory (Pss and Rss) before and with 200 idle
//     subscribers (bar < 20 MiB more)
//   - the bytes an idle stream costs, over BENCH_PUSH_IDLE_SECONDS
//     (default 120) scaled to an hour (bar < 60 KB): HTTP bytes both ways,
//     plus 52 bytes of TCP/IP headers for each segment and its ACK
// Environment: stack.env of the bench stack (BASE_URL, STAFF_*, STACK_DIR).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const auth = 'Basic ' + Buffer.from(`${process.env.STAFF_USER}:${process.env.STAFF_PASSWORD}`).toString('base64');
const idleSeconds = Number(process.env.BENCH_PUSH_IDLE_SECONDS || 120);
const row = (m, f, b) => console.log(`ROW|${m}|${f}|${b}`);

async function api(method, p, body, headers = {}) {
  const res = await fetch(base + p, {
    method, body: body && JSON.stringify(body),
    headers: { authorization: auth, 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, json: await res.json() };
}

function nginxMemory() {	// KiB summed over the workers: { pss, rss }
  const master = fs.readFileSync(path.join(process.env.STACK_DIR, 'run/nginx.pid'), 'utf8').trim();
  let pss = 0; let rss = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
      if (ppid !== master) continue;
      const r = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+)/m.exec(r)[1]);
      rss += Number(/^Rss:\s+(\d+)/m.exec(r)[1]);
    } catch { /* gone */ }
  }
  return { pss, rss };
}

/* A raw subscriber: counts bytes and segments; resolves once the headers are in. */
function rawSubscriber() {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    const st = { sock: s, sent: 0, recv: 0, segments: 0 };
    s.on('connect', () => {
      const req = `GET /api/events HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: ${auth}\r\n` +
        'Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n';
      st.sent += req.length; st.segments += 1;
      s.write(req);
    });
    s.on('data', (d) => {
      st.recv += d.length; st.segments += 1;
      if (st.recv === d.length) resolve(st);
    });
    s.on('error', reject);
  });
}

const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)];

const cal = (await api('GET', '/api/calendar')).json.data;
const job = cal.jobs.find((j) => !/CANCELLED|DECLINED/.test(j.bookingStatus));

// --- latency ----------------------------------------------------------------
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
try {
  const ctx = await browser.newContext({ httpCredentials: { username: process.env.STAFF_USER, password: process.env.STAFF_PASSWORD } });
  const page = await ctx.newPage();
  await page.goto(`${base}/en/calendar?pollMs=60000`);
  await page.waitForSelector('.live-marker:not([hidden])', { timeout: 15000 });
  const statuses = ['checked_in', 'in_progress', 'qc', 'completed', 'scheduled'];
  const took = [];
  for (let i = 0; i < 20; i++) {
    const want = statuses[i % statuses.length];
    const seen = page.evaluate(({ id, want: w }) => new Promise((res) => {
      const sel = `.job-card[data-job-id="${id}"]`;
      const check = () => document.querySelector(sel)?.dataset.status === w;
      const o = new MutationObserver(() => { if (check()) { o.disconnect(); res(Date.now()); } });
      o.observe(document.getElementById('week'), { subtree: true, childList: true, attributes: true });
    }), { id: job.id, want });
    await page.waitForTimeout(50);
    const cur = (await api('GET', `/api/jobs/${job.id}`)).json.data;
    const r = await api('PATCH', `/api/jobs/${job.id}`, { workStatus: want }, { 'if-match': `"${cur.version}"` });
    const t200 = Date.now();
    if (r.status !== 200) throw new Error(`PATCH ${r.status}`);
    took.push((await seen) - t200);
  }
  const p95 = pct(took, 0.95);
  row('push: PATCH 200 -> calendar shows it, 20 trials', `p50 ${pct(took, 0.5)} / p95 ${p95} ms`,
    `p95 < 1000 ms: ${p95 < 1000 ? 'pass' : 'FAIL'}`);
} finally {
  await browser.close();
}

// --- memory with 200 idle subscribers ------------------------------------------
const before = nginxMemory();
const subs = [];
for (let i = 0; i < 200; i++) subs.push(await rawSubscriber());
await new Promise((r) => setTimeout(r, 1000));
const withSubs = nginxMemory();
const dPss = (withSubs.pss - before.pss) / 1024;
row('nginx workers Pss / Rss, no subscribers', `${(before.pss / 1024).toFixed(1)} / ${(before.rss / 1024).toFixed(1)} MiB`, '');
row('  with 200 idle subscribers', `${(withSubs.pss / 1024).toFixed(1)} / ${(withSubs.rss / 1024).toFixed(1)} MiB`,
  `< 20 MiB more: ${dPss < 20 ? 'pass' : 'FAIL'} (+${dPss.toFixed(1)})`);

// --- an idle tablet's bytes ------------------------------------------------------
const one = subs[0];
const r0 = one.recv; const s0 = one.sent; const g0 = one.segments;
await new Promise((r) => setTimeout(r, idleSeconds * 1000));
const bytes = (one.recv - r0) + (one.sent - s0) + (one.segments - g0) * 2 * 52;
const perHour = Math.round(bytes * 3600 / idleSeconds);
row(`idle stream, ${idleSeconds} s scaled to an hour`, `${(perHour / 1024).toFixed(1)} KB`,
  `< 60 KB: ${perHour < 60 * 1024 ? 'pass' : 'FAIL'}`);
for (const s of subs) s.sock.destroy();
