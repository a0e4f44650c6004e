// The staff login through nginx (auth_request to the calendar program's
// /_login): a header that passed crypt is remembered for at most 60 s,
// and every change to the htpasswd file forgets it at once, so a wrong,
// changed or removed password is refused on the very next request.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { env, get } from './helpers.mjs';

const file = path.join(env.stackDir, 'htpasswd');
const basic = (user, password) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const as = (user, password, p = '/api/calendar') =>
  get(p, { headers: { authorization: basic(user, password) } });
// SHA-512 crypt, the password through standard input (never argv).
const crypt = (password) =>
  execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: password }).toString().trim();

// Rewrite the file in place (same inode, as an admin's editor or
// `make run` does), and put it back after.
async function withFile(content, fn) {
  const saved = fs.readFileSync(file);
  fs.writeFileSync(file, content);
  try {
    await fn();
  } finally {
    fs.writeFileSync(file, saved);
  }
}

test('a wrong password is refused, also while the right one is remembered', async () => {
  assert.equal((await as(env.user, env.password)).status, 200);
  const r = await as(env.user, `${env.password}x`);
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate'), /^Basic realm=/);
  assert.equal(r.json.success, false);
  assert.equal(r.json.error.code, 'login_required');
  // Another user name with the right password is not the staff login.
  assert.equal((await as(`${env.user}x`, env.password)).status, 401);
  assert.equal((await get('/api/calendar', { auth: false })).status, 401);
  assert.equal((await as(env.user, env.password)).status, 200);
});

test('a changed password takes effect on the very next request', async () => {
  // Remembered in every worker first.
  for (let i = 0; i < 4; i++) assert.equal((await as(env.user, env.password)).status, 200);
  const fresh = 'a-new-staff-password';
  await withFile(`${env.user}:${crypt(fresh)}\n`, async () => {
    for (let i = 0; i < 4; i++) {
      assert.equal((await as(env.user, env.password)).status, 401, 'the old password');
      assert.equal((await as(env.user, fresh)).status, 200, 'the new password');
    }
    assert.equal((await as(env.user, fresh, '/en/calendar')).status, 200, 'a page too');
  });
  assert.equal((await as(env.user, fresh)).status, 401, 'the new one, once put back');
  assert.equal((await as(env.user, env.password)).status, 200);
});

test('a removed login is refused on the very next request', async () => {
  for (let i = 0; i < 4; i++) assert.equal((await as(env.user, env.password)).status, 200);
  await withFile(`someone-else:${crypt('whatever')}\n`, async () => {
    assert.equal((await as(env.user, env.password)).status, 401);
    assert.equal((await as(env.user, env.password, '/en/calendar')).status, 401);
  });
  assert.equal((await as(env.user, env.password)).status, 200);
});

test('the login check itself is not reachable from outside', async () => {
  for (const p of ['/_login', '/_login?x=1']) {
    const r = await as(env.user, env.password, p);
    assert.equal(r.status, 404, p);
    assert.equal(r.json.success, false);
  }
  // The login-free locations still need none.
  assert.equal((await get('/api/health', { auth: false })).status, 200);
});
