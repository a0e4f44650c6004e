// Deploying: one configuration lookup for every program (--check-config
// names the file it read, --get answers scripts), LOG_FILE, and SIGHUP
// (what logrotate sends) reopening the log without killing anything.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env, api } from './helpers.mjs';

const prog = (name) => path.join(env.build, 'cgi-bin', name);
const base = { PATH: process.env.PATH };

// Wait until cond() is true (checked every 20 ms, at most 10 s).
async function until(what, cond) {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function children(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}

const fd2 = (pid) => { try { return fs.readlinkSync(`/proc/${pid}/fd/2`); } catch { return null; } };

describe('configuration lookup', () => {
  test('--check-config names the file it read, masks secrets and fails on a missing required setting', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-cfg.'));
    const file = path.join(dir, 'safari.env');
    fs.writeFileSync(file, 'MYSQL_PASSWORD=db-s3cret-value\nCRON_SECRET=cron-s3cret-value\n');
    try {
      let r = spawnSync(prog('calendar'), ['--check-config'], { env: { ...base, SAFARI_ENV_FILE: file }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, new RegExp(`settings file: ${file}`));
      assert.match(r.stdout, /MYSQL_PASSWORD=\*+ \(set/);
      assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
      // The reconcile program needs the Square token too: named, exit 1.
      r = spawnSync(prog('reconcile'), ['--check-config'], { env: { ...base, SAFARI_ENV_FILE: file }, encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /SQUARE_ACCESS_TOKEN is required/);
      // Under systemd (working directory /, no HOME): no file is an error.
      r = spawnSync(prog('calendar'), ['--check-config'], {
        env: { ...base, HOME: path.join(dir, 'nohome') }, cwd: '/', encoding: 'utf8',
      });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /no settings file/);
      // A named file that does not exist is an error too.
      r = spawnSync(prog('calendar'), ['--check-config'], { env: { ...base, SAFARI_ENV_FILE: path.join(dir, 'none.env') }, encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /none\.env/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the user\'s ~/.config/safari/safari.env is found with no environment at all (suEXEC)', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-home.'));
    fs.mkdirSync(path.join(home, '.config/safari'), { recursive: true });
    fs.writeFileSync(path.join(home, '.config/safari/safari.env'), 'MYSQL_USER=from-home\n');
    try {
      const r = spawnSync(prog('calendar'), ['--get', 'MYSQL_USER'], { env: { HOME: home }, cwd: '/', encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'from-home\n');
      const c = spawnSync(prog('job'), ['--check-config'], { env: { HOME: home }, cwd: '/', encoding: 'utf8' });
      assert.match(c.stdout, /settings file: .*\.config\/safari\/safari\.env/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('--get answers as the programs read: the environment wins, absent is exit 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-get.'));
    const file = path.join(dir, 'safari.env');
    fs.writeFileSync(file, 'export STAFF_USER="front desk" # a comment\nCRON_SECRET=\n');
    try {
      const get = (name, extra = {}) => spawnSync(prog('calendar'), ['--get', name],
        { env: { ...base, SAFARI_ENV_FILE: file, ...extra }, encoding: 'utf8' });
      assert.equal(get('STAFF_USER').stdout, 'front desk\n');
      assert.equal(get('STAFF_USER', { STAFF_USER: 'env' }).stdout, 'env\n');
      assert.equal(get('CRON_SECRET').status, 0);	// set, empty
      assert.equal(get('STAFF_PASSWORD').status, 1);	// absent
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a server with a bad configuration does not start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-bad.'));
    try {
      const r = spawnSync(prog('calendar'), ['--socket', path.join(dir, 'c.sock')], {
        env: { ...base, SAFARI_ENV_FILE: path.join(dir, 'missing.env') }, encoding: 'utf8', timeout: 10000,
      });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /missing\.env/);
      assert.ok(!fs.existsSync(path.join(dir, 'c.sock')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LOG_FILE and SIGHUP', () => {
  test('SIGHUP reopens LOG_FILE in the supervisor and every worker, and kills nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-log.'));
    const log = path.join(dir, 'calendar.log');
    const sock = path.join(dir, 'calendar.sock');
    const child = spawn(prog('calendar'), ['--socket', sock, '--workers', '2'], {
      env: { ...base, SAFARI_ENV_FILE: '/dev/null', LOG_FILE: log }, stdio: 'ignore',
    });
    try {
      await until('the socket', () => fs.existsSync(sock));
      await until('two workers', () => children(child.pid).length === 2);
      const workers = children(child.pid);
      for (const p of [child.pid, ...workers]) assert.equal(fd2(p), log);
      assert.equal(fs.statSync(log).mode & 0o007, 0, 'the log is not world-readable');
      // logrotate: move the file away, then SIGHUP.
      fs.renameSync(log, `${log}.1`);
      process.kill(child.pid, 'SIGHUP');
      await until('every process writing to the new file', () =>
        [child.pid, ...workers].every((p) => fd2(p) === log));
      assert.deepEqual(children(child.pid).sort(), workers.sort(), 'the same workers, none restarted');
      assert.equal(child.exitCode, null, 'the supervisor lives');
      // A line written after the rotation lands in the new file: a
      // worker killed is replaced, and the supervisor says so.
      process.kill(workers[0], 'SIGKILL');
      await until('the replacement logged', () => fs.existsSync(log) && /starting another/.test(fs.readFileSync(log, 'utf8')));
      assert.doesNotMatch(fs.readFileSync(`${log}.1`, 'utf8'), /starting another/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      assert.ok(!fs.existsSync(sock), 'SIGTERM removed the socket');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the shipped nginx files', () => {
  test('refuse every dot file, .env above all, wherever it is', async () => {
    const leak = path.join(env.root, 'htdocs', '.env');
    fs.writeFileSync(leak, 'MYSQL_PASSWORD=leak\n');
    try {
      for (const p of ['/.env', '/js/.env', '/.htpasswd', '/.git/config', '/css/.hidden']) {
        const r = await api('GET', p);
        assert.equal(r.status, 404, p);
        assert.doesNotMatch(r.text, /leak/, p);
      }
    } finally {
      fs.rmSync(leak);
    }
  });
});
