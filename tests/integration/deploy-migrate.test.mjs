// Deploying: the product's own migration tool (build/bin/safari-migrate),
// with the programs' settings, as the application's database user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env, readSecret, sql as rows } from './helpers.mjs';

// One value, or the first column, as text.
const sql = (q) => rows(q).map((r) => r[0]).join('\n');

const tool = path.join(env.build, 'bin', 'safari-migrate');
// The application's login, from a settings file as an admin would write it.
function settings(dir) {
  const file = path.join(dir, 'safari.env');
  fs.writeFileSync(file, `MYSQL_SOCKET=${env.socket}\nMYSQL_USER=safari\n`
    + `MYSQL_PASSWORD=${readSecret('db_password')}\nMYSQL_DATABASE=safari\n`, { mode: 0o600 });
  return file;
}
const migrate = (file, args) => spawnSync(tool, args, {
  env: { PATH: process.env.PATH, SAFARI_ENV_FILE: file }, encoding: 'utf8',
});

test('every shipped migration is recorded once, and a second run applies nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-mig.'));
  try {
    const shipped = fs.readdirSync(path.join(env.root, 'sql')).filter((f) => /^\d{3}-.*\.sql$/.test(f)).sort();
    const recorded = sql('SELECT name FROM schema_migrations ORDER BY name').trim().split('\n');
    assert.deepEqual(recorded, shipped);
    const r = migrate(settings(dir), ['--dir', path.join(env.root, 'sql')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /0 applied now/);
    const s = migrate(settings(dir), ['--dir', path.join(env.root, 'sql'), '--status']);
    assert.equal(s.stdout.trim().split('\n').filter((l) => l.startsWith('applied')).length, shipped.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a new migration is applied once and recorded; one that needs SUPER is refused before it runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdo-mig.'));
  const mig = path.join(dir, 'sql');
  fs.mkdirSync(mig);
  try {
    fs.writeFileSync(path.join(mig, '900-deploy-test.sql'),
      'CREATE TABLE deploy_test_a (id INT PRIMARY KEY);\nINSERT INTO deploy_test_a VALUES (1), (2);\n');
    let r = migrate(settings(dir), ['--dir', mig]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /applied {2}900-deploy-test\.sql/);
    assert.equal(sql('SELECT COUNT(*) FROM deploy_test_a').trim(), '2');
    r = migrate(settings(dir), ['--dir', mig]);
    assert.equal(r.status, 0);
    assert.equal(sql('SELECT COUNT(*) FROM deploy_test_a').trim(), '2', 'not run twice');
    fs.writeFileSync(path.join(mig, '901-trigger.sql'),
      'CREATE TABLE deploy_test_b (id INT);\nCREATE DEFINER=CURRENT_USER TRIGGER deploy_t BEFORE INSERT ON deploy_test_b FOR EACH ROW SET NEW.id = 1;\n');
    r = migrate(settings(dir), ['--dir', mig]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /901-trigger\.sql .*refused/);
    assert.equal(sql("SELECT COUNT(*) FROM schema_migrations WHERE name = '901-trigger.sql'").trim(), '0');
    assert.equal(sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'deploy_test_b'").trim(), '0');
    // A failing statement stops the run and records nothing.
    fs.writeFileSync(path.join(mig, '901-trigger.sql'), 'CREATE TABLE deploy_test_a (id INT);\n');
    r = migrate(settings(dir), ['--dir', mig]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /901-trigger\.sql failed/);
    assert.equal(sql("SELECT COUNT(*) FROM schema_migrations WHERE name = '901-trigger.sql'").trim(), '0');
  } finally {
    sql("DROP TABLE IF EXISTS deploy_test_a, deploy_test_b; DELETE FROM schema_migrations WHERE name LIKE '90%'");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('no shipped migration makes a trigger, routine or event', () => {
  for (const f of fs.readdirSync(path.join(env.root, 'sql')).filter((n) => n.endsWith('.sql'))) {
    const text = fs.readFileSync(path.join(env.root, 'sql', f), 'utf8');
    assert.doesNotMatch(text, /CREATE\s+(OR\s+REPLACE\s+)?(DEFINER|AGGREGATE|TRIGGER|PROCEDURE|FUNCTION|EVENT)\b/i, f);
  }
});
