// Shared helpers of the integration tests: they talk to the stack that
// scripts/test-integration.sh started (through nginx, as a client would),
// to the fake Square's control API, and to the database for checks.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const env = {
  base: process.env.BASE_URL,
  user: process.env.STAFF_USER,
  password: process.env.STAFF_PASSWORD,
  cron: process.env.CRON_SECRET,
  fake: process.env.FAKE_SQUARE_URL,
  squareToken: process.env.SQUARE_ACCESS_TOKEN,
  webhookKey: process.env.SQUARE_WEBHOOK_SIGNATURE_KEY,
  webhookUrl: process.env.SQUARE_WEBHOOK_URL,
  socket: process.env.MYSQL_SOCKET,
  stackDir: process.env.STACK_DIR,
  build: process.env.BUILD_DIR,
  root: path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..'),
};
if (!env.base || !env.fake) {
  throw new Error('run through scripts/test-integration.sh (make test)');
}

const basic = 'Basic ' + Buffer.from(`${env.user}:${env.password}`).toString('base64');

// A request through nginx; returns {status, headers, text, json, bytes}.
export async function api(method, p, { body, headers = {}, auth = true, raw } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = h.authorization ?? basic;
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = h['content-type'] ?? 'application/json';
  }
  const res = await fetch(env.base + p, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: res.status, headers: res.headers, text, json };
}

export const get = (p, o) => api('GET', p, o);

export function patchJob(id, version, body, headers = {}) {
  return api('PATCH', `/api/jobs/${id}`, {
    body, headers: { 'if-match': `"${version}"`, ...headers },
  });
}

// The cron endpoint with the right token (query is a string like "dryRun=true").
export function reconcile(query = '', { method = 'POST', token = env.cron } = {}) {
  return api(method, `/api/cron/reconcile${query ? '?' + query : ''}`, {
    auth: false, headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export async function fake(method, p, body) {
  const res = await fetch(env.fake + p, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fake ${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// SQL against the test database, as its administrator (checks only).
export function sql(statement) {
  const out = execFileSync('mariadb', ['--no-defaults', `--socket=${env.socket}`,
    '-u', os.userInfo().username, '-N', '-B', 'safari', '-e', statement],
  { encoding: 'utf8' });
  return out.trim() === '' ? [] : out.trim().split('\n').map((l) => l.split('\t'));
}

// A clean world: empty database tables, an empty fake Square with a
// small catalog and customers.
export const services = [
  { item: 'ITEMWASH', variation: 'VARWASH', name: 'Exterior Hand Wash', minutes: 45 },
  { item: 'ITEMFULL', variation: 'VARFULL', name: 'Full Detail', minutes: 180 },
  { item: 'ITEMINT', variation: 'VARINT', name: 'Interior Detail', minutes: 90 },
  { item: 'ITEMOLD', variation: 'VAROLD', name: 'Clay Bar Treatment', minutes: 60, deleted: true },
];
export const customers = [
  { id: 'CUSTANNA000000000000000001', given_name: 'Anna', family_name: 'Lee', phone_number: '+1-555-0101', email_address: 'anna@example.com' },
  { id: 'CUSTBEN0000000000000000002', given_name: 'Ben', family_name: 'Ortiz', phone_number: '+1-555-0102', email_address: 'ben@example.com' },
  { id: 'CUSTCO00000000000000000003', company_name: 'Fleet Co', phone_number: '+1-555-0103' },
];

// The host's change generation (lib/calendar.h): the 64-bit counter every
// program that writes a job moves, in the calendar's answer directory.
export const generationFile = () => path.join(env.stackDir, 'calendar', '.generation');
export function generation() {
  try {
    return fs.readFileSync(generationFile()).readBigUInt64LE(0);
  } catch (e) {
    if (e.code === 'ENOENT') return 0n;
    throw e;
  }
}
// Move it as a program would after a write (no program writes meanwhile:
// the tests run one at a time).
export function moveGeneration() {
  if (!fs.existsSync(generationFile())) return;
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(generation() + 1n);
  const fd = fs.openSync(generationFile(), 'r+');
  try { fs.writeSync(fd, b, 0, 8, 0); } finally { fs.closeSync(fd); }
}

export async function resetWorld() {
  // Jobs deleted behind the product's back move every day's stamp and the
  // change generation, as the product's own writes do: the calendar's
  // answers kept for the old stamps (files nginx sends) are not those of
  // the emptied table, and no worker may trust a stamp read before.
  sql('DELETE FROM jobs; UPDATE calendar_days SET stamp = stamp + 1; ' +
      'DELETE FROM reconcile_runs; DELETE FROM webhook_events; ' +
      "DELETE FROM service_names; UPDATE leases SET holder = NULL, expires_at = '1970-01-01 00:00:01'");
  moveGeneration();
  await fake('POST', '/__control/reset', { seed: 'none' });
  const objects = [];
  for (const s of services) {
    objects.push({ type: 'ITEM', id: s.item, version: 1700000000001, is_deleted: !!s.deleted,
      item_data: { name: s.name, product_type: 'APPOINTMENTS_SERVICE' } });
    objects.push({ type: 'ITEM_VARIATION', id: s.variation, version: 1700000000002, is_deleted: !!s.deleted,
      item_variation_data: { item_id: s.item, name: 'Regular', service_duration: s.minutes * 60000 } });
  }
  await fake('POST', '/__control/catalog', { objects });
  await fake('POST', '/__control/customers', { customers });
}

// A Square booking as the wire carries it.
export function booking(id, { start, version = 0, status = 'ACCEPTED', customer = customers[0].id,
  variation = 'VARWASH', minutes = 45, note = '', segments } = {}) {
  return {
    id, version, status,
    created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T10:00:00Z',
    start_at: start ?? hoursFromNow(24),
    location_id: 'LTESTLOCATION1', customer_id: customer, customer_note: note,
    location_type: 'BUSINESS_LOCATION', source: 'FIRST_PARTY_BUYER',
    appointment_segments: segments ?? [{ duration_minutes: minutes, service_variation_id: variation,
      team_member_id: 'TMTEST1', service_variation_version: 1700000000002 }],
  };
}

export function hoursFromNow(h) {
  const d = new Date(Date.now() + h * 3600e3);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

export const putBookings = (list) => fake('POST', '/__control/bookings', { bookings: list });

// The stored job of a booking id, through the API.
export async function jobOf(bookingId) {
  const rows = sql(`SELECT id FROM jobs WHERE booking_id = '${bookingId.replace(/'/g, '')}'`);
  if (rows.length === 0) return null;
  const r = await get(`/api/jobs/${rows[0][0]}`);
  return r.json.data;
}

export const jobCount = () => Number(sql('SELECT COUNT(*) FROM jobs')[0][0]);

// A signed webhook delivery, as Square sends it.
export function webhookEvent(type, b, eventId) {
  return {
    merchant_id: 'MTEST', location_id: 'LTESTLOCATION1', type,
    event_id: eventId, created_at: new Date().toISOString(),
    data: { type: 'booking', id: `${b.id}:${b.version}`, object: { booking: b } },
  };
}

export function sign(rawBody, key = env.webhookKey, url = env.webhookUrl) {
  return createHmac('sha256', key).update(url + rawBody).digest('base64');
}

export function sendWebhook(event, { signature, raw } = {}) {
  const body = raw ?? JSON.stringify(event);
  const headers = { 'content-type': 'application/json' };
  const sig = signature === undefined ? sign(body) : signature;
  if (sig !== null) headers['x-square-hmacsha256-signature'] = sig;
  return api('POST', '/api/webhooks/square', { raw: body, headers, auth: false });
}

// The stack's own control (database down and up again).
export function stack(cmd) {
  const r = spawnSync(path.join(env.root, 'scripts/stack.sh'), [cmd], {
    env: process.env, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`stack ${cmd}: ${r.stderr}`);
}

// Run a built program as plain CGI (shared hosting), with extra env.
export function cgi(program, vars, body = '') {
  const r = spawnSync(path.join(env.build, 'cgi-bin', program), [], {
    env: { PATH: process.env.PATH, SAFARI_ENV_FILE: '/dev/null',
      MYSQL_SOCKET: env.socket, MYSQL_USER: 'safari',
      MYSQL_PASSWORD: readSecret('db_password'), MYSQL_DATABASE: 'safari', ...vars },
    input: body, encoding: 'utf8',
  });
  const [head, ...rest] = r.stdout.split('\r\n\r\n');
  const status = Number(/^Status: (\d+)/m.exec(head)?.[1]);
  return { status, head, body: rest.join('\r\n\r\n'), json: JSON.parse(rest.join('')) };
}

export function readSecret(name) {
  return execFileSync('cat', [path.join(env.stackDir, name)], { encoding: 'utf8' }).trim();
}

export const staffFields = ['workStatus', 'statusHistory', 'checklist', 'photosMeta',
  'receiptPhotos', 'postCompletionIssue', 'payment', 'vehicle', 'notes'];

export function pick(o, keys) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
