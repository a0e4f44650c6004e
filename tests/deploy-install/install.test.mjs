// What `make install` puts on a server with nginx and systemd, read from
// the staging root scripts/test-install.sh made (INSTALL_ROOT), and the
// sysusers/tmpfiles entries applied to an empty root (EMPTY_ROOT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const R = process.env.INSTALL_ROOT;
const E = process.env.EMPTY_ROOT;
if (!R) throw new Error('run through scripts/test-install.sh');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const read = (p) => fs.readFileSync(path.join(R, p), 'utf8');
const unit = (name) => read(`etc/systemd/system/${name}`);
const directives = (text, key) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

test('a template unit per program, as user safari, hardened, its socket reachable by nginx\'s group only', () => {
  const u = unit('safari@.service');
  assert.deepEqual(directives(u, 'User'), ['safari']);
  assert.match(directives(u, 'ExecStart')[0], /^\/opt\/safari\/cgi-bin\/%i --socket \/run\/safari\/%i\.sock .*--socket-group www-data --socket-mode 0660/);
  assert.match(directives(u, 'ExecStartPre')[0], /--check-config$/);
  assert.deepEqual(directives(u, 'Environment'), ['SAFARI_ENV_FILE=/etc/safari/safari.env']);
  for (const [k, v] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'], ['PrivateDevices', 'yes'], ['CapabilityBoundingSet', ''], ['RestrictSUIDSGID', 'yes']]) {
    assert.deepEqual(directives(u, k), [v], k);
  }
  assert.match(directives(u, 'ExecReload')[0], /kill -HUP \$MAINPID/, 'reload is SIGHUP: the log reopens');
  const target = unit('safari.target');
  for (const p of ['calendar', 'job', 'reconcile', 'webhook', 'photo']) assert.match(target, new RegExp(`safari@${p}\\.service`));
});

test('the reconcile timer: every 10 minutes, the token from a root-only file as a credential, never on a command line', () => {
  assert.deepEqual(directives(unit('safari-reconcile.timer'), 'OnCalendar'), ['*:0/10']);
  const s = unit('safari-reconcile.service');
  assert.deepEqual(directives(s, 'LoadCredential'), ['cron-header:/etc/safari/cron-header']);
  const exec = directives(s, 'ExecStart')[0];
  assert.match(exec, /-H @%d\/cron-header/);
  assert.doesNotMatch(exec, /Bearer|token=/i);
  for (const f of fs.readdirSync(path.join(R, 'etc/systemd/system'))) {
    assert.doesNotMatch(unit(f), /Bearer [A-Za-z0-9]/, f);
  }
});

test('/etc/safari/safari.env is 0640 in a 0750 directory, with the server\'s paths', () => {
  const st = fs.statSync(path.join(R, 'etc/safari/safari.env'));
  assert.equal(st.mode & 0o777, 0o640);
  assert.equal(fs.statSync(path.join(R, 'etc/safari')).mode & 0o777, 0o750);
  const env = read('etc/safari/safari.env');
  assert.match(env, /^MEDIA_DIR=\/var\/lib\/safari\/media$/m);
  assert.match(env, /^PUSH_SOCKET=\/run\/safari\/push\/publish\.sock$/m);
});

test('nginx: an http-level file of its own and a server file with TLS, the login and query-free logs', () => {
  const http = read('etc/nginx/conf.d/safari-http.conf');
  assert.doesNotMatch(http, /^\s*server\s*\{/m, 'no server at http level');
  // Debian's nginx.conf sets these at http level: repeating them would fail nginx -t.
  for (const d of ['gzip', 'sendfile', 'access_log', 'ssl_protocols', 'include']) {
    assert.doesNotMatch(http, new RegExp(`^\\s*${d}\\s`, 'm'), d);
  }
  const srv = read('etc/nginx/sites-available/safari.conf');
  assert.match(srv, /listen\s+443 ssl default_server;/);
  assert.match(srv, /include \/etc\/nginx\/safari-tls\.conf;/);
  assert.match(srv, /auth_request\s+\/_login;/);
  assert.match(srv, /fastcgi_param\s+SAFARI_HTPASSWD\s+\/etc\/nginx\/safari\.htpasswd;/);
  // Every program learns the answer directory (the calendar writes there,
  // every writer moves the change generation there).
  assert.match(http, /map \$host \$safari_calendar_files \{\s*default\s+\/run\/safari\/calendar;/);
  assert.match(srv, /return\s+301 https:\/\/\$host\$request_uri;/);
  // Every server on a port logs without query strings (the http-level
  // access_log of Debian's nginx.conf writes ?token=).
  for (const block of srv.split(/^server \{/m).slice(1)) {
    if (/listen\s+unix:/.test(block)) continue;
    assert.match(block, /access_log\s+\S+ safari_noquery;/);
  }
  assert.match(srv, /^\s*include\s+\/etc\/nginx\/safari\.d\/\*\.conf;/m, 'a place for local locations');
  // The same locations as the template make run renders.
  const locs = (t) => [...t.matchAll(/^\s*location\s+([^{]+)\{/gm)].map((m) => m[1].trim()).sort();
  assert.deepEqual(locs(srv).filter((l) => l !== '/'), locs(fs.readFileSync(path.join(root, 'nginx/safari-server.conf.in'), 'utf8')
    + fs.readFileSync(path.join(root, 'nginx/redirect.conf.in'), 'utf8')).filter((l) => l !== '/'));
});

test('the programs find their libraries beside them, and only reconcile and webhook load libcurl', () => {
  for (const p of ['calendar', 'job', 'reconcile', 'webhook', 'photo']) {
    const out = execFileSync('ldd', [path.join(R, 'opt/safari/cgi-bin', p)], { encoding: 'utf8' });
    assert.match(out, new RegExp(`libsafari\\.so => ${R}/opt/safari/cgi-bin/\\.\\./lib/libsafari\\.so`), p);
    if (p === 'calendar' || p === 'job') assert.doesNotMatch(out, /libcurl|libsafari-square/, p);
  }
  const m = execFileSync('ldd', [path.join(R, 'opt/safari/bin/safari-migrate')], { encoding: 'utf8' });
  assert.doesNotMatch(m, /not found/);
  assert.ok(fs.existsSync(path.join(R, 'opt/safari/share/safari/sql/001-jobs.sql')));
});

test('sysusers makes the user; tmpfiles the directories nginx and the programs share', () => {
  assert.match(fs.readFileSync(path.join(E, 'etc/passwd'), 'utf8'), /^safari:x:\d+:\d+:Safari Detail Ops:\/nonexistent:\/usr\/sbin\/nologin$/m);
  const mode = (p) => fs.statSync(path.join(E, p)).mode & 0o777;
  assert.equal(mode('run/safari'), 0o750);
  assert.equal(mode('run/safari/push'), 0o750);
  assert.equal(mode('var/lib/safari/media'), 0o750);
});
