/*
 * Self-test of the fake Square server: starts it as a child process on a
 * free port and checks its wire format, paging, validation, faults and
 * control API.  Run with: node --test tests/fake-square/
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const TOKEN = 'selftest-token';
const DAY = 86400000;

/* Starts the server; resolves to { child, base } once it prints its line.
 * The child is killed if this process exits first (a failed test). */
async function start(args = [], token) {
	const env = { ...process.env };
	delete env.FAKE_SQUARE_TOKEN;
	if (token !== undefined)
		env.FAKE_SQUARE_TOKEN = token;
	const child = spawn(process.execPath, [SERVER, '--port', '0', ...args],
	    { stdio: ['ignore', 'pipe', 'pipe'], env });
	const orphan = () => child.kill('SIGKILL');
	process.once('exit', orphan);
	child.once('exit', () => process.off('exit', orphan));
	let out = '';
	let err = '';
	child.stderr.on('data', (c) => { err += c; });
	for await (const chunk of child.stdout) {
		out += chunk;
		const m = /^fake-square listening on (http:\/\/127\.0\.0\.1:(\d+))\n/
		    .exec(out);
		if (m)
			return { child, base: m[1], stderr: () => err };
	}
	throw new Error(`server did not start: ${err}`);
}

let srv;
const auth = { Authorization: `Bearer ${TOKEN}` };

/* A Square call with the right token; returns { status, headers, text, json }. */
async function sq(path, { method = 'GET', body, headers = auth, signal } = {}) {
	const res = await fetch(srv.base + path, {
		method, signal, headers: { 'Square-Version': '2025-08-20',
		    ...(body !== undefined ? { 'Content-Type': 'application/json' } :
		    {}), ...headers },
		body: body === undefined ? undefined :
		    typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch { /* left undefined */ }
	return { status: res.status, headers: res.headers, text, json };
}

async function control(method, path, body) {
	const res = await fetch(`${srv.base}/__control/${path}`, { method,
	    body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: res.status, json: await res.json() };
}

function list(params) {
	return sq('/v2/bookings?' + new URLSearchParams(params));
}

/* The single error of a Square error response. */
function theError(r, status, code) {
	assert.equal(r.status, status, r.text);
	assert.equal(r.json.errors.length, 1);
	assert.equal(r.json.errors[0].code, code);
	assert.equal(typeof r.json.errors[0].category, 'string');
	assert.equal(typeof r.json.errors[0].detail, 'string');
	return r.json.errors[0];
}

/* Pages through a window; returns { ids, cursors (as seen), pages }. */
async function pageAll(params) {
	const ids = [], cursors = [];
	let cursor;
	for (let pages = 1; pages < 1000; pages++) {
		const r = await list({ ...params, ...(cursor ? { cursor } : {}) });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json.errors, []);
		ids.push(...r.json.bookings.map((b) => b.id));
		cursors.push('cursor' in r.json ? r.json.cursor : 'ABSENT');
		cursor = r.json.cursor;
		if (cursor === null || cursor === undefined)
			return { ids, cursors, pages };
	}
	throw new Error('paging did not end');
}

before(async () => {
	srv = await start([], TOKEN);
});

after(() => {
	srv.child.kill('SIGTERM');
});

beforeEach(async () => {
	await control('POST', 'reset');
});

describe('auth and headers', () => {
	test('no Authorization header is 401 AUTHENTICATION_ERROR', async () => {
		const r = await sq('/v2/bookings', { headers: {} });
		const e = theError(r, 401, 'UNAUTHORIZED');
		assert.equal(e.category, 'AUTHENTICATION_ERROR');
	});

	test('a wrong token or scheme is 401', async () => {
		theError(await sq('/v2/bookings', { headers:
		    { Authorization: 'Bearer nope' } }), 401, 'UNAUTHORIZED');
		theError(await sq('/v2/bookings', { headers:
		    { Authorization: `Basic ${TOKEN}` } }), 401, 'UNAUTHORIZED');
	});

	test('the right token is 200 and Square-Version is echoed', async () => {
		const r = await sq('/v2/bookings');
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('square-version'), '2025-08-20');
		assert.match(r.headers.get('content-type'), /application\/json/);
	});

	test('a malformed Square-Version is 400, and it is recorded', async () => {
		const r = await sq('/v2/bookings', { headers: { ...auth,
		    'Square-Version': '2025-8-20' } });
		theError(r, 400, 'INVALID_SQUARE_VERSION_FORMAT');
		theError(await sq('/v2/bookings', { headers: { ...auth,
		    'Square-Version': '2025-02-30' } }), 400,
		    'INVALID_SQUARE_VERSION_FORMAT');
		const log = (await control('GET', 'requests')).json.requests;
		assert.equal(log[0].headers['square-version'], '2025-8-20');
		assert.equal(log[0].headers.authorization, `Bearer ${TOKEN}`);
		assert.equal(log[0].status, 400);
	});

	test('the token can be changed or dropped at run time', async () => {
		await control('POST', 'config', { token: null });
		assert.equal((await sq('/v2/bookings', { headers: {} })).status, 200);
		await control('POST', 'config', { token: 'other' });
		assert.equal((await sq('/v2/bookings')).status, 401);
	});

	test('unknown paths are 404 and wrong methods 405, Square-shaped', async () => {
		theError(await sq('/v2/locations'), 404, 'NOT_FOUND');
		theError(await sq('/nope'), 404, 'NOT_FOUND');
		theError(await sq('/v2/bookings', { method: 'DELETE' }), 405,
		    'METHOD_NOT_ALLOWED');
	});

	test('a Square body over 1 MiB is 413', async () => {
		const r = await sq('/v2/customers/bulk-retrieve', { method: 'POST',
		    body: JSON.stringify({ customer_ids: ['x'],
		    pad: 'x'.repeat(1 << 20) }) });
		theError(r, 413, 'REQUEST_ENTITY_TOO_LARGE');
	});
});

describe('ListBookings', () => {
	const start = '2026-03-01T00:00:00Z';

	test('pages through 250 bookings sorted by start_at then id', async () => {
		await control('POST', 'generate', { count: 250, start, days: 25 });
		const { ids, pages } = await pageAll({ start_at_min: start,
		    start_at_max: '2026-03-31T00:00:00Z', limit: 100 });
		assert.equal(pages, 3);
		assert.equal(new Set(ids).size, 250);
		const all = await list({ start_at_min: start,
		    start_at_max: '2026-03-31T00:00:00Z', limit: 10000 });
		const times = all.json.bookings.map((b) => Date.parse(b.start_at));
		assert.deepEqual(times, [...times].sort((a, b) => a - b));
		assert.deepEqual(all.json.bookings.map((b) => b.id), ids);
	});

	test('the last page ends with cursor null, then absent (alternating)',
	    async () => {
		await control('POST', 'generate', { count: 5, start, days: 1 });
		const p = { start_at_min: start, limit: 3 };
		assert.deepEqual((await pageAll(p)).cursors.slice(1), [null]);
		assert.deepEqual((await pageAll(p)).cursors.slice(1), ['ABSENT']);
		assert.deepEqual((await pageAll(p)).cursors.slice(1), [null]);
		await control('POST', 'config', { lastCursor: 'absent' });
		assert.deepEqual((await pageAll(p)).cursors.slice(1), ['ABSENT']);
		assert.deepEqual((await pageAll(p)).cursors.slice(1), ['ABSENT']);
		await control('POST', 'config', { lastCursor: 'null' });
		assert.deepEqual((await pageAll(p)).cursors.slice(1), [null]);
		assert.deepEqual((await pageAll(p)).cursors.slice(1), [null]);
	});

	test('the window is start_at_min <= start_at < start_at_max', async () => {
		await control('POST', 'generate', { count: 3, start, days: 3 });
		const r = await list({ start_at_min: start,
		    start_at_max: '2026-03-03T00:00:00Z' });
		assert.deepEqual(r.json.bookings.map((b) => b.start_at),
		    ['2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z']);
		/* Any RFC 3339 form works, offsets included. */
		const r2 = await list({ start_at_min: '2026-03-01T16:00:00-08:00',
		    start_at_max: '2026-03-04T00:00:00.000Z' });
		assert.deepEqual(r2.json.bookings.map((b) => b.start_at),
		    ['2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z']);
	});

	test('31 days is allowed, a second more is INVALID_TIME_RANGE', async () => {
		const min = Date.parse(start);
		const iso = (ms) => new Date(ms).toISOString();
		assert.equal((await list({ start_at_min: start,
		    start_at_max: iso(min + 31 * DAY) })).status, 200);
		theError(await list({ start_at_min: start,
		    start_at_max: iso(min + 31 * DAY + 1000) }), 400,
		    'INVALID_TIME_RANGE');
		theError(await list({ start_at_min: start,
		    start_at_max: iso(min - 1000) }), 400, 'INVALID_TIME_RANGE');
		/* Only a max, far from now: the min defaults to now. */
		theError(await list({ start_at_max: iso(Date.now() + 40 * DAY) }),
		    400, 'INVALID_TIME_RANGE');
	});

	test('unparseable times are INVALID_TIME', async () => {
		for (const bad of ['2026-03-01', '2026-02-30T00:00:00Z',
		    'yesterday', '2026-03-01T00:00:00', ''])
			theError(await list({ start_at_min: bad }), 400,
			    'INVALID_TIME');
		/* An unencoded "+" arrives as a space: the client must encode. */
		const r = await sq('/v2/bookings?start_at_min=2026-03-01T00:00:00+01:00');
		theError(r, 400, 'INVALID_TIME');
	});

	test('absent min and max default to now and now + 31 days', async () => {
		await control('POST', 'generate', { count: 40,
		    start: new Date(Date.now() - 5 * DAY).toISOString(), days: 40 });
		const r = await sq('/v2/bookings');
		assert.equal(r.status, 200);
		const now = Date.now();
		for (const b of r.json.bookings) {
			const t = Date.parse(b.start_at);
			assert.ok(t >= now - 5000 && t < now + 31 * DAY, b.start_at);
		}
		assert.ok(r.json.bookings.length >= 29 && r.json.bookings.length <= 32);
		const log = (await control('GET', 'requests')).json.requests;
		assert.deepEqual(log.at(-1).defaults,
		    ['limit', 'start_at_min', 'start_at_max']);
		assert.deepEqual(log.at(-1).query, {});
	});

	test('limit must be 1..10000; absent means 100 and is recorded', async () => {
		theError(await list({ limit: 0 }), 400, 'VALUE_TOO_LOW');
		theError(await list({ limit: 10001 }), 400, 'VALUE_TOO_HIGH');
		theError(await list({ limit: 'ten' }), 400, 'INVALID_VALUE');
		await control('POST', 'generate', { count: 150, start, days: 1 });
		const r = await list({ start_at_min: start });
		assert.equal(r.json.bookings.length, 100);
		assert.equal(typeof r.json.cursor, 'string');
		const log = (await control('GET', 'requests')).json.requests;
		assert.deepEqual(log.at(-1).defaults, ['limit', 'start_at_max']);
		assert.equal(log.at(-1).query.start_at_min, start);
	});

	test('a cursor must match the filters; garbage is INVALID_CURSOR', async () => {
		await control('POST', 'generate', { count: 20, start, days: 1 });
		const p = { start_at_min: start, limit: 5 };
		const { cursor } = (await list(p)).json;
		assert.equal((await list({ ...p, cursor })).status, 200);
		assert.equal((await list({ ...p, limit: 7, cursor })).status, 200);
		theError(await list({ ...p, start_at_min: '2026-03-01T00:00:01Z',
		    cursor }), 400, 'INVALID_CURSOR');
		theError(await list({ ...p, location_id: 'LX', cursor }), 400,
		    'INVALID_CURSOR');
		theError(await list({ ...p, cursor: 'not-a-cursor' }), 400,
		    'INVALID_CURSOR');
	});

	test('a defaulted window stays fixed across pages', async () => {
		await control('POST', 'generate', { count: 30,
		    start: new Date(Date.now() + DAY).toISOString(), days: 10 });
		const { ids } = await pageAll({ limit: 7 });
		assert.equal(new Set(ids).size, 30);
	});

	test('location, customer and team member filters', async () => {
		await control('POST', 'generate', { count: 30, start, days: 1,
		    customers: 3 });
		const all = (await list({ start_at_min: start })).json.bookings;
		const b = all[4];
		const byCustomer = (await list({ start_at_min: start,
		    customer_id: b.customer_id })).json.bookings;
		assert.equal(byCustomer.length, 10);
		assert.ok(byCustomer.every((x) => x.customer_id === b.customer_id));
		const tm = b.appointment_segments[0].team_member_id;
		const byTeam = (await list({ start_at_min: start,
		    team_member_id: tm })).json.bookings;
		assert.ok(byTeam.length > 0 && byTeam.length < 30);
		assert.equal((await list({ start_at_min: start,
		    location_id: b.location_id })).json.bookings.length, 30);
		assert.equal((await list({ start_at_min: start,
		    location_id: 'LNOWHERE' })).json.bookings.length, 0);
	});
});

describe('stored data is served verbatim', () => {
	const odd = '{"id":"oddbooking0001", "version": 9223372036854775807,' +
	    '"status":42,"start_at":"2026-03-01T10:00:00.123456Z",' +
	    '"customer_note":"' + 'é'.repeat(5000) + '"}';

	test('odd bookings keep their exact text', async () => {
		const res = await fetch(`${srv.base}/__control/bookings`, {
		    method: 'POST', body: `{"bookings":[${odd},{"no_id":true}]}` });
		assert.equal(res.status, 200);
		const r = await list({ start_at_min: '2026-03-01T00:00:00Z' });
		assert.equal(r.status, 200);
		/* The one without start_at matches every window, sorted last. */
		assert.equal(r.text, `{"bookings":[${odd},{"no_id":true}],` +
		    '"errors":[],"cursor":null}');
		const one = await sq('/v2/bookings/oddbooking0001');
		assert.equal(one.text, `{"booking":${odd},"errors":[]}`);
	});

	test('RetrieveBooking is 404 for an unknown id; DELETE removes', async () => {
		await control('POST', 'bookings', { bookings: [{ id: 'gone01',
		    start_at: '2026-03-01T10:00:00Z' }] });
		assert.equal((await sq('/v2/bookings/gone01')).status, 200);
		assert.equal((await control('DELETE', 'bookings/gone01')).status, 200);
		const e = theError(await sq('/v2/bookings/gone01'), 404, 'NOT_FOUND');
		assert.equal(e.category, 'INVALID_REQUEST_ERROR');
		assert.equal((await control('DELETE', 'bookings/gone01')).status, 404);
	});

	test('customers and catalog objects are stored by id, verbatim',
	    async () => {
		const cust = '{"id":"CUST01","given_name":"Zoë","version":' +
		    '9007199254740993}';
		let res = await fetch(`${srv.base}/__control/customers`, {
		    method: 'POST', body: `{"customers":[${cust}]}` });
		assert.equal(res.status, 200);
		const r = await sq('/v2/customers/bulk-retrieve', { method: 'POST',
		    body: { customer_ids: ['CUST01'] } });
		assert.equal(r.text, `{"responses":{"CUST01":{"customer":${cust}}}}`);
		const obj = '{"type":"ITEM_VARIATION","id":"VAR01",' +
		    '"item_variation_data":{"item_id":"ITEM01"}}';
		res = await fetch(`${srv.base}/__control/catalog`, {
		    method: 'POST', body: `{"objects":[${obj}]}` });
		assert.equal(res.status, 200);
		const c = await sq('/v2/catalog/batch-retrieve', { method: 'POST',
		    body: { object_ids: ['VAR01'], include_related_objects: true } });
		assert.equal(c.text, `{"objects":[${obj}]}`);
		/* Without a string id nothing of the batch is stored. */
		assert.equal((await control('POST', 'customers', { customers: [
		    { id: 'CUST02' }, { name: 'no id' }] })).status, 400);
		assert.equal((await control('GET', 'state')).json.customers, 1);
	});

	test('upserts replace by id', async () => {
		const b = { id: 'upsert01', version: 0,
		    start_at: '2026-03-01T10:00:00Z' };
		await control('POST', 'bookings', { bookings: [b] });
		await control('POST', 'bookings', { bookings: [{ ...b, version: 1 }] });
		const r = await list({ start_at_min: '2026-03-01T00:00:00Z' });
		assert.deepEqual(r.json.bookings, [{ ...b, version: 1 }]);
	});
});

describe('BulkRetrieveCustomers', () => {
	test('found and missing ids, in an order not the request\'s', async () => {
		await control('POST', 'generate', { count: 1,
		    start: '2026-03-01T00:00:00Z', customers: 12 });
		const ids = Array.from({ length: 12 }, (_, i) =>
		    'GENC' + String(i + 1).padStart(22, '0'));
		const r = await sq('/v2/customers/bulk-retrieve', { method: 'POST',
		    body: { customer_ids: [...ids, 'MISSING1'] } });
		assert.equal(r.status, 200);
		const keys = Object.keys(r.json.responses);
		assert.deepEqual([...keys].sort(), [...ids, 'MISSING1'].sort());
		assert.notDeepEqual(keys, [...ids, 'MISSING1']);
		assert.equal(r.json.responses[ids[0]].customer.id, ids[0]);
		assert.equal(typeof r.json.responses[ids[0]].customer.given_name,
		    'string');
		assert.deepEqual(r.json.responses.MISSING1, { errors: [{
		    category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND',
		    detail: 'Customer with ID `MISSING1` not found.' }] });
	});

	test('1..100 ids, else 400', async () => {
		const post = (body) => sq('/v2/customers/bulk-retrieve',
		    { method: 'POST', body });
		theError(await post({ customer_ids: [] }), 400,
		    'ARRAY_LENGTH_TOO_SHORT');
		theError(await post({ customer_ids: Array(101).fill('A') }), 400,
		    'ARRAY_LENGTH_TOO_LONG');
		theError(await post({}), 400, 'MISSING_REQUIRED_PARAMETER');
		theError(await post('{"customer_ids":'), 400, 'BAD_REQUEST');
		assert.equal((await post({ customer_ids: Array(100).fill('A') }))
		    .status, 200);
	});
});

describe('BatchRetrieveCatalogObjects', () => {
	test('variations, related items, deleted objects, unknown ids', async () => {
		await control('POST', 'reset', { seed: 'demo' });
		const bookings = (await list({ start_at_min: new Date(Date.now() -
		    8 * DAY).toISOString(), limit: 1000 })).json.bookings;
		const vids = [...new Set(bookings.flatMap((b) =>
		    b.appointment_segments.map((s) => s.service_variation_id)))];
		assert.equal(vids.length, 7);
		const post = (body) => sq('/v2/catalog/batch-retrieve',
		    { method: 'POST', body });

		let r = await post({ object_ids: [...vids, 'UNKNOWN'] });
		assert.equal(r.status, 200);
		assert.equal(r.json.objects.length, 6);	/* one is deleted */
		assert.equal(r.json.related_objects, undefined);

		r = await post({ object_ids: vids, include_related_objects: true,
		    include_deleted_objects: true });
		assert.equal(r.json.objects.length, 7);
		const v = r.json.objects[0];
		assert.equal(v.type, 'ITEM_VARIATION');
		assert.ok(Number.isInteger(v.version) && v.version > 2 ** 31);
		assert.equal(typeof v.item_variation_data.service_duration, 'number');
		const names = r.json.related_objects.map((o) => o.item_data.name);
		assert.deepEqual([...names].sort(), ['Ceramic Coating',
		    'Engine Bay Cleaning', 'Exterior Hand Wash', 'Full Detail',
		    'Headlight Restoration', 'Interior Detail', 'Pet Hair Removal']);
		const deleted = r.json.related_objects.find((o) => o.is_deleted);
		assert.equal(deleted.item_data.product_type, 'APPOINTMENTS_SERVICE');

		r = await post({ object_ids: ['UNKNOWN'] });
		assert.deepEqual(r.json, { objects: [] });
		theError(await post({ object_ids: vids,
		    include_related_objects: 'yes' }), 400, 'EXPECTED_BOOLEAN');
		theError(await post({ object_ids: Array(1001).fill('X') }), 400,
		    'ARRAY_LENGTH_TOO_LONG');
	});
});

describe('faults', () => {
	const fault = (f) => control('POST', 'faults', { faults: [f] });

	test('429 with and without Retry-After, then normal', async () => {
		await fault({ path: '/v2/bookings', kind: '429', retryAfter: 1 });
		await fault({ path: '/v2/bookings', kind: '429' });
		let r = await sq('/v2/bookings');
		assert.equal(theError(r, 429, 'RATE_LIMITED').category,
		    'RATE_LIMIT_ERROR');
		assert.equal(r.headers.get('retry-after'), '1');
		r = await sq('/v2/bookings');
		theError(r, 429, 'RATE_LIMITED');
		assert.equal(r.headers.get('retry-after'), null);
		assert.equal((await sq('/v2/bookings')).status, 200);
	});

	test('500, 503 and 401', async () => {
		await control('POST', 'faults', { faults: [
		    { path: '/v2/', kind: '500' }, { path: '/v2/', kind: '503' },
		    { path: '/v2/', kind: '401' }] });
		assert.equal(theError(await sq('/v2/bookings'), 500,
		    'INTERNAL_SERVER_ERROR').category, 'API_ERROR');
		theError(await sq('/v2/bookings'), 503, 'SERVICE_UNAVAILABLE');
		assert.equal(theError(await sq('/v2/bookings'), 401,
		    'UNAUTHORIZED').category, 'AUTHENTICATION_ERROR');
		assert.equal((await sq('/v2/bookings')).status, 200);
	});

	test('the path is a prefix; after lets N through; times -1 repeats',
	    async () => {
		await fault({ path: '/v2/customers', kind: '500', after: 2,
		    times: -1 });
		assert.equal((await sq('/v2/bookings')).status, 200);
		const post = () => sq('/v2/customers/bulk-retrieve',
		    { method: 'POST', body: { customer_ids: ['A'] } });
		assert.equal((await post()).status, 200);
		assert.equal((await post()).status, 200);
		for (let i = 0; i < 3; i++)
			assert.equal((await post()).status, 500);
		assert.equal((await control('GET', 'state')).json.faults, 1);
		await control('DELETE', 'faults');
		assert.equal((await post()).status, 200);
	});

	test('delay answers normally after ms', async () => {
		await fault({ path: '/v2/bookings', kind: 'delay', ms: 300 });
		const t0 = Date.now();
		const r = await sq('/v2/bookings');
		assert.equal(r.status, 200);
		assert.ok(Date.now() - t0 >= 290);
	});

	test('hang never answers; the next request is served', async () => {
		await fault({ path: '/v2/bookings', kind: 'hang' });
		await assert.rejects(sq('/v2/bookings',
		    { signal: AbortSignal.timeout(300) }), /TimeoutError|abort/i);
		assert.equal((await sq('/v2/bookings')).status, 200);
	});

	test('malformed is a 200 that is not JSON', async () => {
		await fault({ path: '/v2/bookings', kind: 'malformed' });
		const r = await sq('/v2/bookings');
		assert.equal(r.status, 200);
		assert.equal(r.json, undefined);
		assert.ok(r.text.length > 0);
	});

	test('truncated is half a valid answer with a matching length', async () => {
		await control('POST', 'generate', { count: 10,
		    start: '2026-03-01T00:00:00Z', days: 1 });
		await control('POST', 'config', { lastCursor: 'null' });
		const p = '/v2/bookings?start_at_min=2026-03-01T00:00:00Z';
		const full = (await sq(p)).text;
		await fault({ path: '/v2/bookings', kind: 'truncated' });
		const r = await sq(p);
		assert.equal(r.status, 200);
		assert.equal(Number(r.headers.get('content-length')),
		    Buffer.byteLength(r.text));
		assert.equal(r.text, full.slice(0, Math.floor(full.length / 2)));
		assert.equal(r.json, undefined);
	});

	test('repeat_cursor loops back to the same page', async () => {
		await control('POST', 'generate', { count: 10,
		    start: '2026-03-01T00:00:00Z', days: 1 });
		const p = { start_at_min: '2026-03-01T00:00:00Z', limit: 4 };
		await fault({ path: '/v2/bookings', kind: 'repeat_cursor', times: 2 });
		/* First page: a cursor that leads back to page one. */
		const first = await list(p);
		assert.equal(first.json.bookings.length, 4);
		const again = await list({ ...p, cursor: first.json.cursor });
		assert.deepEqual(again.json.bookings, first.json.bookings);
		/* Later pages: the request's own cursor comes back. */
		assert.equal(again.json.cursor, first.json.cursor);
		/* The fault is used up: paging moves on again. */
		const next = await list({ ...p, cursor: first.json.cursor });
		assert.deepEqual(next.json.bookings, first.json.bookings);
		assert.notEqual(next.json.cursor, first.json.cursor);
		const page2 = await list({ ...p, cursor: next.json.cursor });
		assert.equal(page2.json.bookings[0].id, 'gen00000000005');
		await fault({ path: '/v2/bookings', kind: 'repeat_cursor' });
		const stuck = await list({ ...p, cursor: next.json.cursor });
		assert.deepEqual(stuck.json.bookings, page2.json.bookings);
		assert.equal(stuck.json.cursor, next.json.cursor);
	});

	test('huge is a 200 of exactly size bytes of JSON (default 20 MiB)',
	    async () => {
		await fault({ path: '/v2/bookings', kind: 'huge', size: 100000 });
		let r = await sq('/v2/bookings');
		assert.equal(r.status, 200);
		assert.equal(r.text.length, 100000);
		assert.ok(Array.isArray(r.json.bookings));
		await fault({ path: '/v2/bookings', kind: 'huge' });
		r = await sq('/v2/bookings');
		assert.equal(Number(r.headers.get('content-length')), 20 << 20);
		assert.ok(r.json.bookings.length > 1000);
	});

	test('bad fault specs are refused', async () => {
		assert.equal((await fault({ kind: 'explode' })).status, 400);
		assert.equal((await fault({ kind: '429', times: 0 })).status, 400);
		assert.equal((await control('GET', 'state')).json.faults, 0);
	});
});

describe('control API', () => {
	test('the demo seed is a realistic week', async () => {
		const s = (await control('POST', 'reset', { seed: 'demo' })).json;
		assert.ok(s.bookings >= 20 && s.bookings <= 24, String(s.bookings));
		assert.ok(s.customers >= 12);
		const r = await list({ start_at_min: new Date(Date.now() - 8 * DAY)
		    .toISOString(), limit: 1000 });
		const bs = r.json.bookings;
		assert.equal(bs.length, s.bookings);
		const day = new Intl.DateTimeFormat('en-US', { weekday: 'short',
		    hour: 'numeric', hourCycle: 'h23',
		    timeZone: 'America/Los_Angeles' });
		for (const b of bs) {
			assert.match(b.id, /^[a-z0-9]{14}$/);
			const parts = Object.fromEntries(day.formatToParts(
			    new Date(b.start_at)).map((p) => [p.type, p.value]));
			assert.notEqual(parts.weekday, 'Sun');
			assert.ok(+parts.hour >= 8 && +parts.hour < 17, b.start_at);
		}
		const statuses = bs.map((b) => b.status);
		for (const st of ['PENDING', 'CANCELLED_BY_CUSTOMER',
		    'CANCELLED_BY_SELLER', 'NO_SHOW'])
			assert.equal(statuses.filter((x) => x === st).length, 1, st);
		assert.equal(bs.filter((b) => !('customer_id' in b)).length, 1);
		const two = bs.filter((b) => b.appointment_segments.length === 2);
		assert.equal(two.length, 1);
		assert.ok(two[0].appointment_segments[0].intermission_minutes > 0);
		assert.ok(bs.some((b) => b.customer_note === 'Dog hair in back seat'));
		assert.ok(bs.some((b) => /[+-]\d\d:\d\d$/.test(b.start_at)));
		assert.ok(bs.some((b) => /\.\d{3}Z$/.test(b.created_at)));
		assert.ok(bs.some((b) => /\.\d{2}Z$/.test(b.created_at)));

		const cids = [...new Set(bs.map((b) => b.customer_id)
		    .filter(Boolean))];
		const cs = Object.values((await sq('/v2/customers/bulk-retrieve',
		    { method: 'POST', body: { customer_ids: cids } })).json.responses)
		    .map((x) => x.customer);
		assert.ok(cs.every((c) => c && /^[A-Z0-9]{26}$/.test(c.id)));
		assert.ok(cs.some((c) => c.company_name && !c.given_name));
		assert.ok(cs.some((c) => c.nickname && !c.given_name));
		assert.ok(cs.some((c) => /^\+1-555-/.test(c.phone_number)));
	});

	test('the demo ids are stable across resets', async () => {
		const ids = async () => {
			await control('POST', 'reset', { seed: 'demo' });
			return (await list({ start_at_min: new Date(Date.now() - 8 *
			    DAY).toISOString() })).json.bookings.map((b) => b.id);
		};
		assert.deepEqual(await ids(), await ids());
	});

	test('generate makes 10,000 bookings, 500 customers and the catalog, paged whole', async () => {
		const r = await control('POST', 'generate', { count: 10000,
		    start: '2026-03-01T00:00:00Z', days: 30, prefix: 'gen',
		    customers: 500, services: 8 });
		assert.equal(r.status, 200);
		const s = (await control('GET', 'state')).json;
		assert.equal(s.bookings, 10000);
		assert.equal(s.customers, 500);
		assert.equal(s.catalog, 16);
		const { ids, pages } = await pageAll({
		    start_at_min: '2026-03-01T00:00:00Z',
		    start_at_max: '2026-03-31T00:00:00Z', limit: 100 });
		assert.equal(pages, 100);
		assert.equal(new Set(ids).size, 10000);
	});

	test('the request log records method, path, query, headers, body', async () => {
		await sq('/v2/customers/bulk-retrieve', { method: 'POST',
		    body: { customer_ids: ['A', 'B'] } });
		await list({ limit: 5, cursor: 'x' });
		const log = (await control('GET', 'requests')).json.requests;
		assert.equal(log.length, 2);
		assert.equal(log[0].method, 'POST');
		assert.equal(log[0].path, '/v2/customers/bulk-retrieve');
		assert.deepEqual(log[0].body, { customer_ids: ['A', 'B'] });
		assert.equal(log[0].headers['content-type'], 'application/json');
		assert.ok(!Number.isNaN(Date.parse(log[0].at)));
		assert.deepEqual(log[1].query, { limit: '5', cursor: 'x' });
		assert.equal((await control('GET',
		    'requests?path=/v2/bookings')).json.requests.length, 1);
		await control('DELETE', 'requests');
		assert.equal((await control('GET', 'requests')).json.requests.length,
		    0);
	});

	test('reset clears everything; bad control calls are refused', async () => {
		await control('POST', 'generate', { count: 10 });
		await control('POST', 'faults', { faults: [{ kind: '500' }] });
		const s = (await control('POST', 'reset')).json;
		assert.deepEqual([s.bookings, s.customers, s.catalog, s.faults,
		    s.requests], [0, 0, 0, 0, 0]);
		assert.equal((await control('POST', 'reset', { seed: 'x' })).status,
		    400);
		assert.equal((await control('POST', 'bookings', { nope: 1 }))
		    .status, 400);
		assert.equal((await control('GET', 'nowhere')).status, 404);
		assert.equal((await control('GET', 'reset')).status, 405);
	});
});

test('SIGTERM stops the server cleanly', async () => {
	const s = await start(['--seed', 'demo']);
	await fetch(`${s.base}/__control/faults`, { method: 'POST',
	    body: JSON.stringify({ faults: [{ kind: 'hang' }] }) });
	const hung = fetch(`${s.base}/v2/bookings`).catch(() => 'closed');
	await new Promise((r) => setTimeout(r, 100));
	s.child.kill('SIGTERM');
	const [code] = await once(s.child, 'exit');
	assert.equal(code, 0);
	assert.equal(await hung, 'closed');
	assert.equal(s.stderr(), '');
});
