// The schedule `make run` starts: it calls the reconcile endpoint through
// nginx with curl, the token in a header file, on its interval (10 minutes
// in production; 1 second here).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { env, get, resetWorld } from './helpers.mjs';

test('the schedule runs a reconcile through nginx on its interval', async () => {
  await resetWorld();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sdo-schedule-'));
  const header = path.join(dir, 'header');
  writeFileSync(header, `Authorization: Bearer ${env.cron}\n`, { mode: 0o600 });
  const child = spawn(path.join(env.root, 'scripts/schedule.sh'),
    [`${env.base}/api/cron/reconcile`, header],
    { env: { ...process.env, INTERVAL: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  try {
    const deadline = Date.now() + 20e3;
    let runs = [];
    while (runs.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      runs = (await get('/api/reconcile/runs')).json.data.runs;
    }
    assert.ok(runs.length >= 2, `runs seen: ${runs.length}`);
    assert.equal(runs[0].trigger, 'cron');
    assert.match(out, /reconcile: HTTP 200/);
    assert.ok(!out.includes(env.cron), 'the token is not printed');
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, 'the schedule stops cleanly on TERM');
});
