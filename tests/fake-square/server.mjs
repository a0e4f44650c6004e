#!/usr/bin/env node
/*
 * Fake Square server for the tests, the benchmarks and the demo.
 *
 * It speaks Square's wire format (release 2025-08-20, see square-api.md) for
 * the four calls the reconciler makes:
 *
 *	GET  /v2/bookings			ListBookings
 *	GET  /v2/bookings/{id}			RetrieveBooking
 *	POST /v2/customers/bulk-retrieve	BulkRetrieveCustomers
 *	POST /v2/catalog/batch-retrieve		BatchRetrieveCatalogObjects
 *
 * and offers a control API under /__control (no auth) to load data, inject
 * faults and read back what clients sent.  README.md beside this file has
 * the details.  Node 20, standard library only.
 *
 * Everything stored through the control API is kept as the exact JSON text
 * it was sent as, and spliced into responses unchanged: tests can serve
 * 64-bit versions beyond 2^53, duplicate keys, wrong types and so on.
 */

import crypto from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const SQUARE_VERSION = '2025-08-20';	/* newest release in the spec */
const MAX_SQUARE_BODY = 1 << 20;	/* Square calls: 1 MiB, else 413 */
const MAX_CONTROL_BODY = 64 << 20;	/* control calls carry test data */
const MAX_LOGGED_BODY = 64 << 10;	/* request log keeps this much */
const MAX_LOG = 10000;			/* request log entries kept */
const MAX_LIMIT = 10000;		/* ListBookings limit, 1..10000 */
const DEFAULT_LIMIT = 100;		/* used (and noted) when absent */
const MAX_CUSTOMER_IDS = 100;		/* BulkRetrieveCustomers */
const MAX_OBJECT_IDS = 1000;		/* BatchRetrieveCatalogObjects */
const MAX_GENERATE = 200000;		/* /__control/generate count */
const MINUTE_MS = 60000;
const DAY_MS = 86400000;
const MAX_SPAN_MS = 31 * DAY_MS;	/* ListBookings start_at window */

/* ---------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------- */

function usage(msg) {
	process.stderr.write(`fake-square: ${msg}\nusage: node server.mjs ` +
	    '--port N [--host 127.0.0.1] [--token-file PATH] ' +
	    '[--seed demo|none] [--tz America/Los_Angeles]\n');
	process.exit(2);
}

function parseCli() {
	let v;
	try {
		v = parseArgs({ options: {
			port: { type: 'string', default: '0' },
			host: { type: 'string', default: '127.0.0.1' },
			'token-file': { type: 'string' },
			seed: { type: 'string', default: 'none' },
			tz: { type: 'string', default: 'America/Los_Angeles' },
		} }).values;
	} catch (e) {
		usage(e.message);
	}
	if (!/^\d{1,5}$/.test(v.port) || Number(v.port) > 65535)
		usage(`bad --port ${v.port}`);
	/* Loopback only: this server has no business on a network. */
	if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v.host) &&
	    v.host !== '::1' && v.host !== 'localhost')
		usage(`--host must be a loopback address, not ${v.host}`);
	if (v.host === 'localhost')
		v.host = '127.0.0.1';
	if (v.seed !== 'demo' && v.seed !== 'none')
		usage(`--seed must be demo or none, not ${v.seed}`);
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: v.tz });
	} catch {
		usage(`unknown time zone ${v.tz}`);
	}
	/* The token never on the command line (ps shows it to every local
	 * user): from FAKE_SQUARE_TOKEN, or the first line of a file. */
	let token = process.env.FAKE_SQUARE_TOKEN ?? null;
	if (v['token-file'] !== undefined) {
		try {
			token = readFileSync(v['token-file'], 'utf8').split('\n')[0];
		} catch (e) {
			usage(`cannot read --token-file: ${e.message}`);
		}
	}
	if (token === '')
		usage('the token must not be empty');
	return { port: Number(v.port), host: v.host, token,
	    seed: v.seed, tz: v.tz };
}

/* ---------------------------------------------------------------------
 * Time: RFC 3339 parsing, formatting in the forms Square uses, zones
 * ------------------------------------------------------------------- */

const RFC3339 = new RegExp('^(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2}):' +
    '(\\d{2})(\\.\\d+)?(?:([Zz])|([+-])(\\d{2}):(\\d{2}))$');

function daysInMonth(y, m) {
	return new Date(Date.UTC(2000, m, 0)).getUTCDate() +
	    (m === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ?
	    -1 : 0);
}

/*
 * Milliseconds since the epoch for an RFC 3339 date-time, or null if the
 * text is not one (impossible dates such as Feb 30 included).  Fractions
 * of any length are accepted and cut to milliseconds.
 */
function parseRfc3339(s) {
	if (typeof s !== 'string')
		return null;
	const m = RFC3339.exec(s);
	if (m === null)
		return null;
	const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
	if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) ||
	    h > 23 || mi > 59 || se > 60)
		return null;
	let off = 0;
	if (m[8] === undefined) {
		const oh = Number(m[10]), om = Number(m[11]);
		if (oh > 23 || om > 59)
			return null;
		off = (oh * 60 + om) * (m[9] === '-' ? -1 : 1);
	}
	const dt = new Date(Date.UTC(2000, mo - 1, d, h, mi, Math.min(se, 59)));
	dt.setUTCFullYear(y);		/* Date.UTC maps 0..99 to 19xx */
	const frac = m[7] ? Math.floor(Number('0' + m[7]) * 1000) : 0;
	return dt.getTime() + frac - off * MINUTE_MS;
}

/* "2026-11-25T17:00:00Z", or with the millisecond fraction trimmed of
 * trailing zeros: ".859Z", ".59Z" (Square sends all of these). */
function fmtUtc(ms, keepFraction = false) {
	const iso = new Date(ms).toISOString();
	const frac = iso.slice(20, 23).replace(/0+$/, '');
	return iso.slice(0, 19) + (keepFraction && frac ? '.' + frac : '') + 'Z';
}

const zoneFormats = new Map();

/* Wall-clock fields of an instant in a time zone. */
function zoneParts(ms, tz) {
	let f = zoneFormats.get(tz);
	if (f === undefined) {
		f = new Intl.DateTimeFormat('en-US', { timeZone: tz,
		    hourCycle: 'h23', year: 'numeric', month: 'numeric',
		    day: 'numeric', hour: 'numeric', minute: 'numeric',
		    second: 'numeric' });
		zoneFormats.set(tz, f);
	}
	const p = {};
	for (const { type, value } of f.formatToParts(ms))
		p[type] = Number(value);
	return p;
}

const zoneOffsets = new Map();	/* "tz day" or "tz quarter" -> offset */

/* The offset at an instant, straight from Intl (slow). */
function zoneOffsetAt(ms, tz) {
	const p = zoneParts(ms, tz);
	return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour,
	    p.minute, p.second) - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
}

function cached(key, compute) {
	let v = zoneOffsets.get(key);
	if (v === undefined) {
		if (zoneOffsets.size > 100000)
			zoneOffsets.clear();
		zoneOffsets.set(key, v = compute());
	}
	return v;
}

/*
 * The zone's offset from UTC at an instant, in minutes (-480 for PST),
 * cached because /__control/generate formats many timestamps.  A UTC day
 * with the same offset at both ends has it throughout (zones change at
 * most once a day); otherwise it is looked up per quarter hour, the
 * granularity of real transitions.
 */
function zoneOffset(ms, tz) {
	const day = Math.floor(ms / DAY_MS);
	const whole = cached(`${tz} d${day}`, () => {
		const a = zoneOffsetAt(day * DAY_MS, tz);
		return a === zoneOffsetAt((day + 1) * DAY_MS - 1000, tz) ? a : null;
	});
	if (whole !== null)
		return whole;
	const q = Math.floor(ms / (15 * MINUTE_MS));
	return cached(`${tz} q${q}`, () => zoneOffsetAt(q * 15 * MINUTE_MS, tz));
}

/* The instant at which the zone's clocks read y-mo-d h:mi (DST aware). */
function zonedToUtc(y, mo, d, h, mi, tz) {
	const guess = Date.UTC(y, mo - 1, d, h, mi);
	let t = guess - zoneOffset(guess, tz) * MINUTE_MS;
	const again = guess - zoneOffset(t, tz) * MINUTE_MS;
	if (again !== t)
		t = again;
	return t;
}

/* "2026-11-25T09:00:00-08:00": local wall time with its offset. */
function fmtZoned(ms, tz) {
	const off = zoneOffset(ms, tz);
	const a = Math.abs(off);
	return new Date(ms + off * MINUTE_MS).toISOString().slice(0, 19) +
	    (off < 0 ? '-' : '+') + String(Math.floor(a / 60)).padStart(2, '0') +
	    ':' + String(a % 60).padStart(2, '0');
}

/* Cycle through Square's timestamp forms: Z, .859Z, .59Z and -08:00. */
function fmtVaried(ms, i, tz) {
	switch (i % 4) {
	case 0: return fmtUtc(ms);
	case 1: return fmtUtc(ms + 859, true);
	case 2: return fmtUtc(ms + 590, true);
	default: return fmtZoned(ms, tz);
	}
}

/* ---------------------------------------------------------------------
 * Raw JSON: find the exact text of array elements inside a valid document
 * ------------------------------------------------------------------- */

function isWs(c) {
	return c === 32 || c === 9 || c === 10 || c === 13;
}

function skipWs(s, i) {
	while (i < s.length && isWs(s.charCodeAt(i)))
		i++;
	return i;
}

/* End (exclusive) of the string whose opening quote is at s[i]. */
function stringEnd(s, i) {
	for (let j = i + 1;; j++) {
		j = s.indexOf('"', j);
		let k = j - 1;
		while (s.charCodeAt(k) === 92)	/* count the backslashes */
			k--;
		if ((j - 1 - k) % 2 === 0)
			return j + 1;
	}
}

/* End (exclusive) of the JSON value starting at s[i]; s is valid JSON. */
function valueEnd(s, i) {
	const c = s.charCodeAt(i);
	if (c === 34)
		return stringEnd(s, i);
	if (c === 123 || c === 91) {
		for (let depth = 0; ; i++) {
			const d = s.charCodeAt(i);
			if (d === 34) {
				i = stringEnd(s, i) - 1;
			} else if (d === 123 || d === 91) {
				depth++;
			} else if ((d === 125 || d === 93) && --depth === 0) {
				return i + 1;
			}
		}
	}
	while (i < s.length && !',:]} \t\n\r'.includes(s[i]))
		i++;
	return i;
}

/*
 * The exact texts of the elements of the array under top-level key `key`
 * of the valid JSON object text s (the last such key wins, as in
 * JSON.parse), or null if there is no such array.
 */
function rawElements(s, key) {
	let i = skipWs(s, 0), span = null;
	if (s[i] !== '{')
		return null;
	for (i = skipWs(s, i + 1); s[i] !== '}'; ) {
		const ke = stringEnd(s, i);
		const k = JSON.parse(s.slice(i, ke));
		const vs = skipWs(s, skipWs(s, ke) + 1);	/* past ':' */
		const ve = valueEnd(s, vs);
		if (k === key)
			span = [vs, ve];
		i = skipWs(s, ve);
		if (s[i] === ',')
			i = skipWs(s, i + 1);
	}
	if (span === null || s[span[0]] !== '[')
		return null;
	const out = [];
	for (i = skipWs(s, span[0] + 1); s[i] !== ']'; ) {
		const e = valueEnd(s, i);
		out.push(s.slice(i, e));
		i = skipWs(s, e);
		if (s[i] === ',')
			i = skipWs(s, i + 1);
	}
	return out;
}

/* ---------------------------------------------------------------------
 * Ids that look like Square's
 * ------------------------------------------------------------------- */

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/* A deterministic id of `len` characters from `alphabet`, made from `seed`
 * (so the demo's ids survive a restart of the fake). */
function hashId(seed, len, alphabet) {
	const h = crypto.createHash('sha512').update(seed).digest();
	let out = '';
	for (let i = 0; i < len; i++)
		out += alphabet[h[i] % alphabet.length];
	return out;
}

const LOCATION_ID = 'L' + hashId('location', 12, UPPER);
const TEAM = ['tech-1', 'tech-2', 'tech-3'].map((s) =>
    'TM' + hashId(s, 14, MIXED));
const CATALOG_VERSION = 1599775456731;	/* > 2^31, as Square's are */

/* ---------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------- */

const cli = parseCli();

const state = {
	bookings: new Map(),	/* key -> { key, raw, obj, at } */
	sorted: null,		/* bookings by (at, key); null = stale */
	customers: new Map(),	/* id -> { raw, obj } */
	catalog: new Map(),	/* id -> { raw, obj } */
	faults: [],		/* queue, first match wins */
	requests: [],		/* the last MAX_LOG Square requests */
	config: { lastCursor: 'alternate', token: cli.token },
	lastPages: 0,		/* last pages served, for 'alternate' */
	anon: 0,		/* keys for bookings without a string id */
};

function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/*
 * A stored booking.  `at` is its start_at in ms, or null when start_at is
 * missing or unparseable: such bookings match every time window and sort
 * after all others, so crafted malformed bookings still reach clients.
 */
function bookingRecord(raw, obj) {
	const key = isObject(obj) && typeof obj.id === 'string' ?
	    obj.id : `\u0000anon${++state.anon}`;
	const at = isObject(obj) ? parseRfc3339(obj.start_at) : null;
	return { key, raw, obj, at };
}

function putBooking(rec) {
	state.bookings.set(rec.key, rec);
	state.sorted = null;
}

/* Customers and catalog objects are addressed by a string id only. */
function putById(map, raw, obj) {
	if (!isObject(obj) || typeof obj.id !== 'string')
		return false;
	map.set(obj.id, { raw, obj });
	return true;
}

function sortedBookings() {
	if (state.sorted === null) {
		state.sorted = [...state.bookings.values()].sort((a, b) => {
			const x = a.at ?? Infinity, y = b.at ?? Infinity;
			if (x !== y)
				return x < y ? -1 : 1;
			return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
		});
	}
	return state.sorted;
}

function reset(seed) {
	state.bookings.clear();
	state.sorted = null;
	state.customers.clear();
	state.catalog.clear();
	state.faults = [];
	state.requests = [];
	state.config = { lastCursor: 'alternate', token: cli.token };
	state.lastPages = 0;
	if (seed === 'demo')
		seedDemo(Date.now(), cli.tz);
}

/* ---------------------------------------------------------------------
 * Object builders shared by the demo seed and /__control/generate
 * ------------------------------------------------------------------- */

/* An ITEM with one ITEM_VARIATION ("Regular"), as Square returns them. */
function makeService(itemId, varId, name, minutes, cents, version, deleted) {
	const updated = fmtUtc(version, true);
	const variation = {
		type: 'ITEM_VARIATION', id: varId, updated_at: updated,
		version, is_deleted: deleted, present_at_all_locations: true,
		item_variation_data: {
			item_id: itemId, name: 'Regular', ordinal: 1,
			pricing_type: 'FIXED_PRICING',
			price_money: { amount: cents, currency: 'USD' },
			service_duration: minutes * MINUTE_MS,
			available_for_booking: true, sellable: true,
			stockable: true, team_member_ids: TEAM,
		},
	};
	const item = {
		type: 'ITEM', id: itemId, updated_at: updated, version,
		is_deleted: deleted, present_at_all_locations: true,
		item_data: {
			name, is_taxable: true, variations: [variation],
			product_type: 'APPOINTMENTS_SERVICE',
			skip_modifier_screen: false, is_archived: false,
		},
	};
	return [item, variation];
}

function putObjects(objects) {
	for (const o of objects)
		putById(state.catalog, JSON.stringify(o), o);
}

function makeCustomer(id, fields, createdMs, i, tz) {
	const c = { id, created_at: fmtVaried(createdMs, i + 1, tz),
	    updated_at: fmtVaried(createdMs + (i % 5) * DAY_MS, i + 2, tz) };
	for (const [k, v] of Object.entries(fields))
		if (v !== undefined)
			c[k] = v;
	c.preferences = { email_unsubscribed: false };
	c.creation_source = i % 3 === 0 ? 'APPOINTMENTS' : 'THIRD_PARTY';
	c.version = i % 4;
	return c;
}

/*
 * A booking.  `segs` is [{ variation, minutes, tm, intermission }], where
 * variation is the ITEM_VARIATION object.
 */
function makeBooking(b, tz) {
	const i = b.index;
	const booking = {
		id: b.id, version: b.version ?? 0, status: b.status ?? 'ACCEPTED',
		created_at: fmtVaried(b.createdMs, i, tz),
		updated_at: fmtVaried(b.createdMs + (b.version ?? 0) * 3600000 +
		    (i % 7) * MINUTE_MS, i + 2, tz),
		start_at: b.startForm === 'zoned' ? fmtZoned(b.startMs, tz) :
		    fmtUtc(b.startMs),
		location_id: LOCATION_ID,
	};
	if (b.customerId)
		booking.customer_id = b.customerId;
	booking.customer_note = b.note ?? '';
	booking.seller_note = b.sellerNote ?? '';
	booking.location_type = b.address ? 'CUSTOMER_LOCATION' :
	    'BUSINESS_LOCATION';
	if (b.address)
		booking.address = b.address;
	/* Online bookings come from the customer, the rest from staff. */
	if (b.customerId && i % 3 !== 2) {
		booking.source = 'FIRST_PARTY_BUYER';
		booking.creator_details = { creator_type: 'CUSTOMER',
		    customer_id: b.customerId };
	} else {
		booking.source = 'FIRST_PARTY_MERCHANT';
		booking.creator_details = { creator_type: 'TEAM_MEMBER',
		    team_member_id: b.segs[0].tm };
	}
	booking.all_day = false;
	booking.transition_time_minutes = b.transition ?? 0;
	booking.appointment_segments = b.segs.map((s) => ({
		duration_minutes: s.minutes,
		service_variation_id: s.variation.id,
		team_member_id: s.tm,
		service_variation_version: s.variation.version,
		intermission_minutes: s.intermission ?? 0,
		any_team_member: false,
	}));
	return booking;
}

/* Stores a booking made here; startMs saves parsing start_at again. */
function putBookingObject(b, startMs) {
	state.bookings.set(b.id, { key: b.id, raw: JSON.stringify(b), obj: b,
	    at: startMs });
	state.sorted = null;
}

/* ---------------------------------------------------------------------
 * The demo seed: a week of a car-detailing shop
 * ------------------------------------------------------------------- */

const DEMO_SERVICES = [
	/* key, name, minutes, price in cents, deleted */
	['wash', 'Exterior Hand Wash', 45, 4500, false],
	['interior', 'Interior Detail', 90, 12000, false],
	['full', 'Full Detail', 180, 25000, false],
	['ceramic', 'Ceramic Coating', 240, 65000, false],
	['headlight', 'Headlight Restoration', 60, 8500, false],
	['engine', 'Engine Bay Cleaning', 45, 6000, false],
	['pethair', 'Pet Hair Removal', 60, 5500, true],
];

const DEMO_CUSTOMERS = [
	{ given_name: 'Maria', family_name: 'Gonzalez', phone_number: '+1-555-0142', email_address: 'maria.gonzalez@example.com' },
	{ given_name: 'James', family_name: 'Whitaker', phone_number: '+1-555-0187', email_address: 'jwhitaker@example.net' },
	{ given_name: 'Priya', family_name: 'Raman', phone_number: '+1-555-0123', email_address: 'priya.raman@example.com' },
	{ given_name: 'Daniel', family_name: 'Kim', phone_number: '+1-555-0164', email_address: 'dkim@example.org' },
	{ given_name: 'Aisha', family_name: 'Thompson', phone_number: '+1-555-0118', email_address: 'aisha.t@example.com' },
	{ given_name: 'Robert', family_name: 'Chen', phone_number: '+1-555-0131', email_address: 'robert.chen@example.com' },
	{ given_name: 'Emily', family_name: 'Novak', phone_number: '+1-555-0176', email_address: 'emily.novak@example.net' },
	{ given_name: 'Marcus', family_name: 'Johnson', phone_number: '+1-555-0109', email_address: 'marcus.j@example.com' },
	{ given_name: 'Sofia', family_name: 'Rossi', phone_number: '+1-555-0158', email_address: 'sofia.rossi@example.org' },
	{ given_name: 'Tom', family_name: 'Becker', phone_number: '+1-555-0195', email_address: 'tbecker@example.com' },
	{ given_name: 'Hannah', family_name: 'Lee', phone_number: '+1-555-0137', email_address: 'hannah.lee@example.com' },
	{ given_name: 'Carlos', family_name: 'Mendoza', phone_number: '+1-555-0172', email_address: 'carlos.mendoza@example.net' },
	{ company_name: 'Sunset Limo Co.', phone_number: '+1-555-0100', email_address: 'fleet@sunsetlimo.example.com' },
	{ nickname: 'Ziggy', phone_number: '+1-555-0199' },
];

/*
 * The week: [day (0 = Monday), local start, services, customer index or
 * null, status, extras].  Business hours 8:00-17:00, nothing on Sunday.
 */
const DEMO_WEEK = [
	[0, '08:00', ['full'], 0, 'ACCEPTED', {}],
	[0, '09:00', ['wash'], 1, 'NO_SHOW', { version: 1 }],
	[0, '11:00', ['interior'], 2, 'ACCEPTED', { note: 'Dog hair in back seat' }],
	[0, '13:00', ['pethair'], 3, 'ACCEPTED', {}],	/* deleted service */
	[0, '14:30', ['headlight'], 4, 'ACCEPTED', {}],
	[1, '08:00', ['ceramic'], 5, 'ACCEPTED', { transition: 15, sellerNote: 'Wants the 5-year coating package' }],
	[1, '08:30', ['wash'], 6, 'ACCEPTED', {}],
	[1, '10:00', ['interior'], 7, 'CANCELLED_BY_CUSTOMER', { version: 2, note: 'Coffee spill on the passenger seat' }],
	[1, '13:00', ['engine'], 8, 'ACCEPTED', {}],
	[1, '14:00', ['full'], 9, 'ACCEPTED', { version: 1 }],
	[2, '08:00', ['interior', 'wash'], 10, 'ACCEPTED', { intermission: 15, note: 'Please do the inside first' }],
	[2, '09:00', ['headlight'], 12, 'ACCEPTED', { note: 'Black sedan, fleet car #4' }],
	[2, '11:00', ['full'], 11, 'ACCEPTED', { startForm: 'zoned' }],
	[2, '14:00', ['wash'], null, 'ACCEPTED', { sellerNote: 'Walk-in, pays cash' }],
	[3, '08:00', ['ceramic'], 13, 'ACCEPTED', { transition: 15, note: 'Please call when you arrive' }],
	[3, '09:30', ['interior'], 1, 'ACCEPTED', {}],
	[3, '12:00', ['wash'], 2, 'CANCELLED_BY_SELLER', { version: 1, sellerNote: 'Rain forecast, offered another day' }],
	[3, '13:30', ['engine'], 4, 'ACCEPTED', {}],
	[4, '08:00', ['full'], 6, 'ACCEPTED', { note: 'Tree sap on the hood', address: true }],
	[4, '09:00', ['interior'], 8, 'ACCEPTED', { note: 'Dog hair in back seat' }],
	[4, '11:00', ['headlight'], 9, 'PENDING', {}],
	[4, '13:00', ['wash'], 3, 'ACCEPTED', { version: 1 }],
	[5, '09:00', ['full'], 5, 'ACCEPTED', {}],
	[5, '10:00', ['interior'], 7, 'ACCEPTED', { note: 'Rebooked from Tuesday' }],
];

const DEMO_ADDRESS = {
	address_line_1: '1455 Market St', locality: 'San Francisco',
	administrative_district_level_1: 'CA', postal_code: '94103',
	country: 'US',
};

/* Load the demo week containing `nowMs` (in zone tz) into the state. */
function seedDemo(nowMs, tz) {
	const services = {};
	DEMO_SERVICES.forEach(([key, name, minutes, cents, deleted], i) => {
		const objs = makeService('DEMO' + hashId('item-' + key, 20, UPPER),
		    'DEMO' + hashId('variation-' + key, 20, UPPER), name,
		    minutes, cents, CATALOG_VERSION + i * 86400013, deleted);
		putObjects(objs);
		services[key] = { variation: objs[1], minutes };
	});

	/* Monday of this week, in the business's time zone. */
	const p = zoneParts(nowMs, tz);
	const today = Date.UTC(p.year, p.month - 1, p.day);
	const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS;
	const mondayText = new Date(monday).toISOString().slice(0, 10);

	const customers = DEMO_CUSTOMERS.map((fields, i) => {
		const id = hashId('customer-' + JSON.stringify(fields), 26, UPPER);
		const c = makeCustomer(id, fields, monday - (400 - i * 23) * DAY_MS,
		    i, tz);
		putById(state.customers, JSON.stringify(c), c);
		return c;
	});

	const busy = new Map();		/* day -> each tech's end time */
	DEMO_WEEK.forEach(([day, hhmm, keys, ci, status, x], i) => {
		const d = new Date(monday + day * DAY_MS);
		const [hh, mm] = hhmm.split(':').map(Number);
		const startMs = zonedToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1,
		    d.getUTCDate(), hh, mm, tz);
		/* The first technician free at the start (the table is in
		 * time order within a day). */
		const ends = busy.get(day) ?? TEAM.map(() => 0);
		busy.set(day, ends);
		let t = ends.findIndex((e) => e <= startMs);
		if (t === -1)
			t = ends.indexOf(Math.min(...ends));
		ends[t] = startMs + (keys.reduce((n, k) => n + services[k].minutes,
		    0) + (x.intermission ?? 0) + (x.transition ?? 0)) * MINUTE_MS;
		const tm = TEAM[t];
		putBookingObject(makeBooking({
			index: i, id: hashId(`booking-${mondayText}-${i}`, 14, LOWER),
			startMs, createdMs: startMs - (3 + i % 9) * DAY_MS - i * 7919000,
			status, version: x.version, note: x.note,
			sellerNote: x.sellerNote, transition: x.transition,
			startForm: x.startForm,
			address: x.address ? DEMO_ADDRESS : undefined,
			customerId: ci === null ? null : customers[ci].id,
			segs: keys.map((k, j) => ({ ...services[k], tm,
			    intermission: j === 0 && keys.length > 1 ?
			    x.intermission : 0 })),
		}, tz), startMs);
	});
}

/* ---------------------------------------------------------------------
 * /__control/generate: many bookings for tests and benchmarks
 * ------------------------------------------------------------------- */

const GIVEN = ['Ana', 'Ben', 'Chloe', 'David', 'Elena', 'Frank', 'Grace',
    'Hugo', 'Irene', 'Jack', 'Keiko', 'Liam', 'Mona', 'Noah', 'Olivia',
    'Pedro', 'Quinn', 'Rosa', 'Sam', 'Tara'];
const FAMILY = ['Adams', 'Brown', 'Castro', 'Diaz', 'Evans', 'Fischer',
    'Garcia', 'Hughes', 'Ito', 'Jones', 'Khan', 'Lopez', 'Miller', 'Nguyen',
    'Ortiz', 'Patel', 'Reyes', 'Smith', 'Tran', 'Walker'];
const STATUS_CYCLE = ['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED',
    'ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'PENDING', 'ACCEPTED', 'ACCEPTED',
    'CANCELLED_BY_CUSTOMER', 'ACCEPTED', 'ACCEPTED', 'CANCELLED_BY_SELLER',
    'ACCEPTED', 'ACCEPTED', 'NO_SHOW'];

/* Validate the generate request; returns an error string or the options. */
function generateOptions(body) {
	const o = { count: 100, start: null, days: 30, prefix: 'gen',
	    customers: 500, services: 8, ...body };
	const int = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;
	if (!int(o.count, 0, MAX_GENERATE))
		return `count must be an integer 0..${MAX_GENERATE}`;
	if (!(typeof o.days === 'number' && o.days > 0 && o.days <= 3660))
		return 'days must be a number in (0, 3660]';
	if (typeof o.prefix !== 'string' || !/^[A-Za-z0-9]{1,10}$/.test(o.prefix))
		return 'prefix must be 1-10 letters or digits';
	if (!int(o.customers, 0, MAX_GENERATE))
		return `customers must be an integer 0..${MAX_GENERATE}`;
	if (!int(o.services, 1, 1000))
		return 'services must be an integer 1..1000';
	o.startMs = o.start === null ? Math.floor(Date.now() / 3600000) *
	    3600000 : parseRfc3339(o.start);
	if (o.startMs === null)
		return 'start must be an RFC 3339 date-time';
	return o;
}

function pad(prefix, n, len) {
	return prefix + String(n).padStart(Math.max(1, len - prefix.length), '0');
}

function generate(o, tz) {
	const P = o.prefix.toUpperCase();
	const variations = [];
	for (let s = 0; s < o.services; s++) {
		const base = DEMO_SERVICES[s % 6];
		const name = s < 6 ? base[1] : `${base[1]} ${Math.floor(s / 6) + 1}`;
		const objs = makeService(pad(P + 'I', s + 1, 24),
		    pad(P + 'V', s + 1, 24), name, base[2], base[3],
		    CATALOG_VERSION + s, false);
		putObjects(objs);
		variations.push({ variation: objs[1], minutes: base[2] });
	}
	const customerIds = [];
	for (let c = 0; c < o.customers; c++) {
		const id = pad(P + 'C', c + 1, 26);
		const given = GIVEN[c % GIVEN.length];
		const family = FAMILY[Math.floor(c / GIVEN.length) % FAMILY.length];
		const cust = makeCustomer(id, { given_name: given,
		    family_name: family, email_address:
		    `${given}.${family}.${c + 1}@example.com`.toLowerCase(),
		    phone_number: `+1-555-${String(200 + c % 800)}-` +
		    String(c % 10000).padStart(4, '0') }, o.startMs - 90 * DAY_MS,
		    c, tz);
		putById(state.customers, JSON.stringify(cust), cust);
		customerIds.push(id);
	}
	const step = o.days * DAY_MS / Math.max(1, o.count);
	let first = null, last = null;
	for (let i = 0; i < o.count; i++) {
		const startMs = o.startMs + Math.floor(i * step / 1000) * 1000;
		const status = STATUS_CYCLE[i % STATUS_CYCLE.length];
		putBookingObject(makeBooking({
			index: i, id: pad(o.prefix, i + 1, 14), startMs,
			createdMs: startMs - (2 + i % 20) * DAY_MS, status,
			version: status === 'ACCEPTED' ? i % 3 : 1,
			customerId: customerIds.length ?
			    customerIds[i % customerIds.length] : null,
			segs: [{ ...variations[i % variations.length],
			    tm: TEAM[i % TEAM.length] }],
		}, tz), startMs);
		first ??= startMs;
		last = startMs;
	}
	return { bookings: o.count, customers: o.customers,
	    services: o.services, first: first === null ? null : fmtUtc(first),
	    last: last === null ? null : fmtUtc(last) };
}

/* ---------------------------------------------------------------------
 * Responses
 * ------------------------------------------------------------------- */

/* A reply: status, JSON text (or Buffer) and extra headers. */
function reply(status, body, headers = {}) {
	return { status, body, headers };
}

/* Square's error body: {"errors":[{"category","code","detail"[,"field"]}]}. */
function squareError(status, code, detail, field, category =
    'INVALID_REQUEST_ERROR') {
	const e = { category, code, detail };
	if (field !== undefined)
		e.field = field;
	return reply(status, JSON.stringify({ errors: [e] }));
}

function send(res, r) {
	if (res.destroyed || res.headersSent)
		return;
	const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
	res.writeHead(r.status, { 'Content-Type': 'application/json',
	    'Content-Length': body.length, ...r.headers });
	res.end(body);
}

/* ---------------------------------------------------------------------
 * Square: ListBookings
 * ------------------------------------------------------------------- */

/* The filters a cursor is bound to, as sent (absent = null). */
function filterHash(q) {
	const f = ['location_id', 'customer_id', 'team_member_id',
	    'start_at_min', 'start_at_max'].map((k) => q.get(k));
	return crypto.createHash('sha256').update(JSON.stringify(f))
	    .digest('base64url').slice(0, 16);
}

function encodeCursor(c) {
	return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s) {
	try {
		const c = JSON.parse(Buffer.from(s, 'base64url').toString());
		if (isObject(c) && Number.isInteger(c.o) && c.o >= 0 &&
		    typeof c.h === 'string' && Number.isFinite(c.min) &&
		    Number.isFinite(c.max))
			return c;
	} catch { /* not ours */ }
	return null;
}

/* Index of the first sorted booking starting at or after t (Infinity:
 * the first one without a usable start_at). */
function lowerBound(sorted, t) {
	let lo = 0, hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if ((sorted[mid].at ?? Infinity) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

function bookingMatches(rec, f) {
	const b = rec.obj;
	if (f.location && !(isObject(b) && b.location_id === f.location))
		return false;
	if (f.customer && !(isObject(b) && b.customer_id === f.customer))
		return false;
	if (f.team && !(isObject(b) && Array.isArray(b.appointment_segments) &&
	    b.appointment_segments.some((s) => isObject(s) &&
	    s.team_member_id === f.team)))
		return false;
	return true;
}

/*
 * GET /v2/bookings.  The window is min <= start_at < max (half-open, so
 * adjacent 31-day slices never return a booking twice).  Pages are offsets
 * into the bookings sorted by (start_at, id); the cursor also carries the
 * resolved window, so a defaulted start_at_min ("now") stays put across
 * pages, and a hash of the filters, which must match on every page.
 */
function listBookings(ctx) {
	const q = ctx.url.searchParams;
	let limit = DEFAULT_LIMIT;
	if (q.has('limit')) {
		const s = q.get('limit');
		if (!/^[+-]?\d{1,15}$/.test(s))
			return squareError(400, 'INVALID_VALUE',
			    `Expected an integer value for limit, got \`${s}\`.`,
			    'limit');
		limit = Number(s);
		if (limit < 1)
			return squareError(400, 'VALUE_TOO_LOW',
			    'The value of `limit` must be at least 1.', 'limit');
		if (limit > MAX_LIMIT)
			return squareError(400, 'VALUE_TOO_HIGH',
			    `The value of \`limit\` must be at most ${MAX_LIMIT}.`,
			    'limit');
	} else {
		ctx.entry.defaults.push('limit');
	}
	for (const [k, max] of [['location_id', 32], ['customer_id', 192],
	    ['team_member_id', 32]])
		if (q.has(k) && q.get(k).length > max)
			return squareError(400, 'VALUE_TOO_LONG',
			    `The value of \`${k}\` must be at most ${max} ` +
			    'characters long.', k);

	const times = {};
	for (const k of ['start_at_min', 'start_at_max']) {
		if (!q.has(k)) {
			ctx.entry.defaults.push(k);
			continue;
		}
		times[k] = parseRfc3339(q.get(k));
		if (times[k] === null)
			return squareError(400, 'INVALID_TIME', `Invalid \`${k}\` ` +
			    `\`${q.get(k)}\`: expected an RFC 3339 timestamp.`, k);
	}
	/* Later pages keep the first page's window, checked back then. */
	const hash = filterHash(q);
	const reqCursor = q.get('cursor');
	let offset = 0, min, max;
	if (reqCursor !== null) {
		const c = reqCursor.length <= 65536 ? decodeCursor(reqCursor) :
		    null;
		if (c === null || c.h !== hash)
			return squareError(400, 'INVALID_CURSOR', c === null ?
			    'The cursor is invalid.' : 'The cursor does not ' +
			    'match the filters of this request.', 'cursor');
		({ o: offset, min, max } = c);
	} else {
		min = times.start_at_min ?? Date.now();
		max = times.start_at_max ?? min + MAX_SPAN_MS;
		if (max < min)
			return squareError(400, 'INVALID_TIME_RANGE',
			    '`start_at_max` must not be before `start_at_min`.',
			    'start_at_max');
		if (max - min > MAX_SPAN_MS)
			return squareError(400, 'INVALID_TIME_RANGE', 'The time ' +
			    'range between `start_at_min` and `start_at_max` must ' +
			    'be at most 31 days.', 'start_at_max');
	}

	const f = { location: q.get('location_id'),
	    customer: q.get('customer_id'), team: q.get('team_member_id') };
	const all = sortedBookings();
	const matched = all.slice(lowerBound(all, min), lowerBound(all, max))
	    .concat(all.slice(lowerBound(all, Infinity)))
	    .filter((r) => bookingMatches(r, f));
	const page = matched.slice(offset, offset + limit);

	let cursor;			/* string, null or undefined (absent) */
	const at = (o) => encodeCursor({ o, h: hash, min, max });
	if (ctx.fault?.kind === 'repeat_cursor')
		cursor = reqCursor ?? at(0);	/* a loop back to this page */
	else if (offset + limit < matched.length)
		cursor = at(offset + limit);
	else if (state.config.lastCursor === 'null')
		cursor = null;
	else if (state.config.lastCursor === 'alternate')
		cursor = state.lastPages++ % 2 === 0 ? null : undefined;

	return reply(200, '{"bookings":[' + page.map((r) => r.raw).join(',') +
	    '],"errors":[]' + (cursor === undefined ? '' :
	    ',"cursor":' + JSON.stringify(cursor)) + '}');
}

/* A percent-decoded path segment; '' when the encoding is broken. */
function pathId(segment) {
	try {
		return decodeURIComponent(segment);
	} catch {
		return '';
	}
}

/* GET /v2/bookings/{id} */
function retrieveBooking(ctx, id) {
	const rec = state.bookings.get(id);
	if (rec === undefined)
		return squareError(404, 'NOT_FOUND',
		    'Specified booking was not found.', 'booking_id');
	return reply(200, '{"booking":' + rec.raw + ',"errors":[]}');
}

/* ---------------------------------------------------------------------
 * Square: customers and catalog
 * ------------------------------------------------------------------- */

/* Checks a required array of strings in a JSON body; null when fine. */
function checkIdArray(body, field, max) {
	if (!isObject(body))
		return squareError(400, 'EXPECTED_OBJECT',
		    'The request body must be a JSON object.');
	const v = body[field];
	if (v === undefined)
		return squareError(400, 'MISSING_REQUIRED_PARAMETER',
		    `Field must be set`, field);
	if (!Array.isArray(v))
		return squareError(400, 'EXPECTED_ARRAY',
		    `Expected \`${field}\` to be an array.`, field);
	if (v.length < 1)
		return squareError(400, 'ARRAY_LENGTH_TOO_SHORT',
		    `\`${field}\` must contain at least 1 element.`, field);
	if (v.length > max)
		return squareError(400, 'ARRAY_LENGTH_TOO_LONG',
		    `\`${field}\` must contain at most ${max} elements.`, field);
	const bad = v.findIndex((x) => typeof x !== 'string');
	if (bad !== -1)
		return squareError(400, 'EXPECTED_STRING',
		    `Expected \`${field}[${bad}]\` to be a string.`,
		    `${field}[${bad}]`);
	return null;
}

/* A stable order that is not the request's (Square: "might not be
 * returned in the same order"). */
function shuffled(ids) {
	const h = (s) => crypto.createHash('md5').update(s).digest('hex');
	return [...new Set(ids)].map((id) => [h(id), id])
	    .sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((x) => x[1]);
}

/* POST /v2/customers/bulk-retrieve */
function bulkRetrieveCustomers(ctx) {
	const bad = checkIdArray(ctx.body, 'customer_ids', MAX_CUSTOMER_IDS);
	if (bad)
		return bad;
	const parts = shuffled(ctx.body.customer_ids).map((id) => {
		const rec = state.customers.get(id);
		const v = rec !== undefined ? '{"customer":' + rec.raw + '}' :
		    JSON.stringify({ errors: [{ category: 'INVALID_REQUEST_ERROR',
		    code: 'NOT_FOUND',
		    detail: `Customer with ID \`${id}\` not found.` }] });
		return JSON.stringify(id) + ':' + v;
	});
	return reply(200, '{"responses":{' + parts.join(',') + '}}');
}

/*
 * POST /v2/catalog/batch-retrieve.  Unknown ids are left out silently;
 * deleted objects only with include_deleted_objects; related_objects (the
 * parent ITEMs of ITEM_VARIATIONs) only with include_related_objects, and
 * left out when empty, as Square leaves out empty lists.
 */
function batchRetrieveCatalog(ctx) {
	const bad = checkIdArray(ctx.body, 'object_ids', MAX_OBJECT_IDS);
	if (bad)
		return bad;
	for (const k of ['include_related_objects', 'include_deleted_objects',
	    'include_category_path_to_root'])
		if (ctx.body[k] !== undefined && typeof ctx.body[k] !== 'boolean')
			return squareError(400, 'EXPECTED_BOOLEAN',
			    `Expected \`${k}\` to be a boolean.`, k);
	const deleted = ctx.body.include_deleted_objects === true;
	const visible = (id) => {
		const rec = state.catalog.get(id);
		return rec !== undefined && (deleted ||
		    rec.obj.is_deleted !== true) ? rec : null;
	};
	const objects = [...new Set(ctx.body.object_ids)].map(visible)
	    .filter(Boolean);
	let out = '{"objects":[' + objects.map((r) => r.raw).join(',') + ']';
	if (ctx.body.include_related_objects === true) {
		const parents = new Set();
		for (const r of objects) {
			const d = r.obj.item_variation_data;
			if (r.obj.type === 'ITEM_VARIATION' && isObject(d) &&
			    typeof d.item_id === 'string')
				parents.add(d.item_id);
		}
		const related = [...parents].map(visible).filter(Boolean);
		if (related.length)
			out += ',"related_objects":[' +
			    related.map((r) => r.raw).join(',') + ']';
	}
	return reply(200, out + '}');
}

/* ---------------------------------------------------------------------
 * Square: routing, auth, version header, faults
 * ------------------------------------------------------------------- */

function routeSquare(ctx) {
	const { method } = ctx.req;
	const path = ctx.url.pathname;
	let handler = null;
	if (path === '/v2/bookings')
		handler = method === 'GET' && listBookings;
	else if (/^\/v2\/bookings\/[^/]+$/.test(path))
		handler = method === 'GET' && ((c) => retrieveBooking(c,
		    pathId(path.slice('/v2/bookings/'.length))));
	else if (path === '/v2/customers/bulk-retrieve')
		handler = method === 'POST' && bulkRetrieveCustomers;
	else if (path === '/v2/catalog/batch-retrieve')
		handler = method === 'POST' && batchRetrieveCatalog;
	if (handler === null)
		return squareError(404, 'NOT_FOUND',
		    `API endpoint for URL path \`${path}\` and HTTP method ` +
		    `\`${method}\` is not found.`);
	if (handler === false)
		return squareError(405, 'METHOD_NOT_ALLOWED',
		    `Method \`${method}\` is not allowed on \`${path}\`.`);

	const token = state.config.token;
	if (token !== null) {
		const auth = ctx.req.headers.authorization;
		if (auth === undefined)
			return squareError(401, 'UNAUTHORIZED', 'Your request ' +
			    'did not include an `Authorization` http header with ' +
			    'an access token.', undefined, 'AUTHENTICATION_ERROR');
		const m = /^Bearer (.+)$/.exec(auth);
		const got = Buffer.from(m ? m[1] : '');
		const want = Buffer.from(token);
		if (got.length !== want.length ||
		    !crypto.timingSafeEqual(got, want))
			return squareError(401, 'UNAUTHORIZED',
			    'This request could not be authorized.', undefined,
			    'AUTHENTICATION_ERROR');
	}
	const version = ctx.req.headers['square-version'];
	if (version !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(version) ||
	    parseRfc3339(version + 'T00:00:00Z') === null))
		return squareError(400, 'INVALID_SQUARE_VERSION_FORMAT',
		    `Invalid Square-Version format "${version}". Please use ` +
		    'the format "YYYY-MM-DD".');

	if (method === 'POST') {
		if (ctx.bodyText === '')
			return squareError(400, 'EXPECTED_JSON_BODY',
			    'The request body must be JSON.');
		if (ctx.body === undefined)
			return squareError(400, 'BAD_REQUEST',
			    'The request body is not valid JSON.');
	}
	const r = handler(ctx);
	r.headers['Square-Version'] = version ?? SQUARE_VERSION;
	return r;
}

const FAULT_KINDS = ['429', '500', '503', '401', 'delay', 'hang',
    'malformed', 'truncated', 'repeat_cursor', 'huge'];

/*
 * The fault for a request to `path`: the first queued fault whose path is a
 * prefix of it.  A fault still letting `after` requests through passes
 * this one untouched.  Returns the fault or null.
 */
function takeFault(path) {
	const i = state.faults.findIndex((f) => path.startsWith(f.path));
	if (i === -1)
		return null;
	const f = state.faults[i];
	if (f.after > 0) {
		f.after--;
		return null;
	}
	if (f.times > 0 && --f.times === 0)
		state.faults.splice(i, 1);
	return f;
}

/* Validates one fault from POST /__control/faults; error string or fault. */
function parseFault(f) {
	if (!isObject(f))
		return 'each fault must be an object';
	const { path = '/v2/', kind, times = 1, after = 0 } = f;
	if (typeof path !== 'string' || !path.startsWith('/'))
		return 'path must be a string starting with /';
	if (!FAULT_KINDS.includes(String(kind)))
		return `kind must be one of ${FAULT_KINDS.join(', ')}`;
	if (!(Number.isInteger(times) && (times >= 1 || times === -1)))
		return 'times must be a positive integer or -1';
	if (!(Number.isInteger(after) && after >= 0))
		return 'after must be a non-negative integer';
	if (f.ms !== undefined && !(Number.isInteger(f.ms) && f.ms >= 0 &&
	    f.ms <= 600000))
		return 'ms must be an integer 0..600000';
	if (f.size !== undefined && !(Number.isInteger(f.size) &&
	    f.size >= 64 && f.size <= 512 << 20))
		return 'size must be an integer 64..536870912';
	if (f.retryAfter !== undefined && typeof f.retryAfter !== 'number' &&
	    typeof f.retryAfter !== 'string')
		return 'retryAfter must be a number or a string';
	for (const k of ['body', 'code', 'detail'])
		if (f[k] !== undefined && typeof f[k] !== 'string')
			return `${k} must be a string`;
	return { ...f, path, kind: String(kind), times, after };
}

/* 200 with `size` bytes of valid JSON: a list page of filler bookings. */
let hugeCache = null;
function hugeBody(size) {
	if (hugeCache?.size === size)
		return hugeCache.body;
	const head = '{"bookings":[', tail = '],"errors":[]}';
	const parts = [head];
	let n = head.length + tail.length;
	for (let i = 0; ; i++) {
		const b = (i ? ',' : '') + JSON.stringify({
		    id: 'huge' + String(i).padStart(10, '0'), version: 0,
		    status: 'ACCEPTED', start_at: '2026-01-05T17:00:00Z',
		    location_id: LOCATION_ID, customer_note: 'x'.repeat(300) });
		if (n + b.length > size)
			break;
		parts.push(b);
		n += b.length;
	}
	parts.push(' '.repeat(Math.max(0, size - n)), tail);
	const body = Buffer.from(parts.join(''));
	hugeCache = { size, body };
	return body;
}

/* The reply a fault makes instead of the real one, or null for the kinds
 * that work on the real reply (delay, truncated, repeat_cursor). */
function faultReply(f) {
	const ra = f.retryAfter !== undefined ?
	    { 'Retry-After': String(f.retryAfter) } : {};
	const err = (status, category, code, detail) => {
		const r = squareError(status, f.code ?? code, f.detail ?? detail,
		    undefined, category);
		Object.assign(r.headers, ra);
		return r;
	};
	switch (f.kind) {
	case '429': return err(429, 'RATE_LIMIT_ERROR', 'RATE_LIMITED',
	    'Rate limit exceeded. Retry with exponential backoff.');
	case '500': return err(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR',
	    'An internal error has occurred, and the API was unable to ' +
	    'service your request.');
	case '503': return err(503, 'API_ERROR', 'SERVICE_UNAVAILABLE',
	    'The service is temporarily unavailable. Please try again later.');
	case '401': return err(401, 'AUTHENTICATION_ERROR', 'UNAUTHORIZED',
	    'This request could not be authorized.');
	case 'malformed': return reply(200, f.body ??
	    '{"bookings":[{"id":"malformed01",]}, "errors": <html>');
	case 'huge': return reply(200, hugeBody(f.size ?? 20 << 20));
	default: return null;
	}
}

function sleep(ms, res) {
	return new Promise((resolve) => {
		const t = setTimeout(resolve, ms);
		res.once('close', () => {
			clearTimeout(t);
			resolve();
		});
	});
}

/* One request to a Square path: log it, apply any fault, answer. */
async function handleSquare(req, res, url, bodyText, tooLarge) {
	const entry = logRequest(req, url, bodyText);
	const fault = tooLarge ? null : takeFault(url.pathname);
	entry.fault = fault?.kind ?? null;
	if (fault?.kind === 'hang')
		return;			/* the client gives up; nothing to do */
	let r = fault && faultReply(fault);
	if (!r && tooLarge)
		r = squareError(413, 'REQUEST_ENTITY_TOO_LARGE',
		    `The request body exceeds ${MAX_SQUARE_BODY} bytes.`);
	if (!r) {
		let body;
		try {
			body = bodyText === '' ? undefined : JSON.parse(bodyText);
		} catch { /* routeSquare answers 400 */ }
		r = routeSquare({ req, url, bodyText, body, entry, fault });
	}
	if (fault?.kind === 'delay')
		await sleep(fault.ms ?? 1000, res);
	if (fault?.kind === 'truncated') {
		const full = Buffer.from(r.body);
		r.body = full.subarray(0, Math.floor(full.length / 2));
	}
	entry.status = r.status;
	send(res, r);
}

/* ---------------------------------------------------------------------
 * Request log
 * ------------------------------------------------------------------- */

function logRequest(req, url, bodyText) {
	let body = null;
	if (bodyText.length > MAX_LOGGED_BODY) {
		body = bodyText.slice(0, MAX_LOGGED_BODY);
	} else if (bodyText !== '') {
		try {
			body = JSON.parse(bodyText);
		} catch {
			body = bodyText;
		}
	}
	const query = {};
	for (const [k, v] of url.searchParams) {
		if (!Object.hasOwn(query, k))
			query[k] = v;
		else
			query[k] = [].concat(query[k], v);
	}
	const h = (k) => req.headers[k] ?? null;
	const entry = {
		method: req.method, path: url.pathname, query,
		headers: { authorization: h('authorization'),
		    'square-version': h('square-version'),
		    'content-type': h('content-type'),
		    'user-agent': h('user-agent') },
		body, at: new Date().toISOString(),
		defaults: [],	/* ListBookings parameters the server filled in */
		fault: null, status: null,
	};
	state.requests.push(entry);
	if (state.requests.length > MAX_LOG)
		state.requests.splice(0, state.requests.length - MAX_LOG);
	return entry;
}

/* ---------------------------------------------------------------------
 * Control API
 * ------------------------------------------------------------------- */

function ok(fields = {}, status = 200) {
	return reply(status, JSON.stringify({ ok: true, ...fields }));
}

function fail(status, error) {
	return reply(status, JSON.stringify({ ok: false, error }));
}

function counts() {
	return { bookings: state.bookings.size, customers: state.customers.size,
	    catalog: state.catalog.size, faults: state.faults.length,
	    requests: state.requests.length,
	    lastCursor: state.config.lastCursor,
	    auth: state.config.token !== null };
}

/*
 * Upsert the elements of body[field], each kept as its exact text.  With
 * needId, all of them must have a string "id" or none is stored.
 */
function upsert(bodyText, body, field, needId, put) {
	if (!isObject(body) || !Array.isArray(body[field]))
		return fail(400, `body must be {"${field}":[...]}`);
	const items = body[field];
	const bad = items.findIndex((o) => !isObject(o) ||
	    typeof o.id !== 'string');
	if (needId && bad !== -1)
		return fail(400, `${field}[${bad}] has no string "id"`);
	const raws = rawElements(bodyText, field);
	items.forEach((obj, i) => put(raws[i], obj));
	return ok({ upserted: items.length, ...counts() });
}

const CONTROL = {
	'POST /__control/reset': (b) => {
		const seed = isObject(b) ? b.seed ?? 'none' : 'none';
		if (seed !== 'demo' && seed !== 'none')
			return fail(400, 'seed must be "demo" or "none"');
		reset(seed);
		return ok(counts());
	},
	'GET /__control/state': () => ok(counts()),
	'POST /__control/config': (b) => {
		if (!isObject(b))
			return fail(400, 'body must be a JSON object');
		if (b.lastCursor !== undefined) {
			if (!['null', 'absent', 'alternate'].includes(b.lastCursor))
				return fail(400,
				    'lastCursor must be "null", "absent" or "alternate"');
			state.config.lastCursor = b.lastCursor;
			state.lastPages = 0;
		}
		if (b.token !== undefined) {
			if (b.token !== null && (typeof b.token !== 'string' ||
			    b.token === ''))
				return fail(400, 'token must be a non-empty string or null');
			state.config.token = b.token;
		}
		return ok(counts());
	},
	'POST /__control/bookings': (b, text) => upsert(text, b, 'bookings', false,
	    (raw, obj) => putBooking(bookingRecord(raw, obj))),
	'DELETE /__control/bookings': () => {
		state.bookings.clear();
		state.sorted = null;
		return ok(counts());
	},
	'POST /__control/customers': (b, text) => upsert(text, b, 'customers', true,
	    (raw, obj) => putById(state.customers, raw, obj)),
	'POST /__control/catalog': (b, text) => upsert(text, b, 'objects', true,
	    (raw, obj) => putById(state.catalog, raw, obj)),
	'POST /__control/generate': (b) => {
		const t0 = performance.now();
		const o = generateOptions(isObject(b) ? b : {});
		if (typeof o === 'string')
			return fail(400, o);
		const made = generate(o, cli.tz);
		return ok({ ...made, ms: Math.round(performance.now() - t0) });
	},
	'POST /__control/faults': (b) => {
		if (!isObject(b) || !Array.isArray(b.faults))
			return fail(400, 'body must be {"faults":[...]}');
		const parsed = b.faults.map(parseFault);
		const bad = parsed.find((f) => typeof f === 'string');
		if (bad)
			return fail(400, bad);
		state.faults.push(...parsed);
		return ok(counts());
	},
	'GET /__control/faults': () => ok({ faults: state.faults }),
	'DELETE /__control/faults': () => {
		state.faults = [];
		return ok(counts());
	},
	'GET /__control/requests': (b, text, url) => {
		const p = url.searchParams.get('path');
		return ok({ requests: p === null ? state.requests :
		    state.requests.filter((r) => r.path.startsWith(p)) });
	},
	'DELETE /__control/requests': () => {
		state.requests = [];
		return ok(counts());
	},
};

function handleControl(req, url, bodyText, tooLarge) {
	if (tooLarge)
		return fail(413, `body exceeds ${MAX_CONTROL_BODY} bytes`);
	let body;
	try {
		body = bodyText === '' ? undefined : JSON.parse(bodyText);
	} catch {
		return fail(400, 'body is not valid JSON');
	}
	const path = url.pathname;
	const m = /^\/__control\/bookings\/([^/]+)$/.exec(path);
	if (m && req.method === 'DELETE') {
		const id = pathId(m[1]);
		if (!state.bookings.delete(id))
			return fail(404, `no booking ${id}`);
		state.sorted = null;
		return ok(counts());
	}
	const handler = CONTROL[`${req.method} ${path}`];
	if (handler === undefined)
		return fail(Object.keys(CONTROL).some((k) =>
		    k.endsWith(' ' + path)) ? 405 : 404,
		    `no control route ${req.method} ${path}`);
	return handler(body, bodyText, url);
}

/* ---------------------------------------------------------------------
 * HTTP
 * ------------------------------------------------------------------- */

/*
 * Reads the body up to `limit` bytes.  Past the limit the rest is read and
 * dropped (up to 16 times the limit, then the connection is cut), so the
 * client reliably sees the 413.  Resolves to { text, tooLarge }.
 */
function readBody(req, limit) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		req.on('data', (c) => {
			n += c.length;
			if (n <= limit)
				chunks.push(c);
			else if (n > 16 * limit)
				req.destroy();
		});
		req.on('end', () => resolve(n > limit ?
		    { text: '', tooLarge: true } :
		    { text: Buffer.concat(chunks).toString('utf8'),
		    tooLarge: false }));
		req.on('error', reject);
	});
}

async function handle(req, res) {
	const url = new URL(req.url, 'http://fake-square.invalid');
	const control = url.pathname === '/__control' ||
	    url.pathname.startsWith('/__control/');
	const { text, tooLarge } = await readBody(req,
	    control ? MAX_CONTROL_BODY : MAX_SQUARE_BODY);
	if (tooLarge)
		res.setHeader('Connection', 'close');
	if (control)
		send(res, handleControl(req, url, text, tooLarge));
	else
		await handleSquare(req, res, url, text, tooLarge);
}

function main() {
	reset(cli.seed);
	/* Large headers: a ListBookings cursor may be 65536 characters. */
	const server = http.createServer({ maxHeaderSize: 256 << 10 },
	    (req, res) => {
		handle(req, res).catch((e) => {
			if (req.destroyed)
				return;		/* client went away mid-body */
			process.stderr.write(`fake-square: ${e.stack ?? e}\n`);
			send(res, squareError(500, 'INTERNAL_SERVER_ERROR',
			    'The fake Square server failed.', undefined,
			    'API_ERROR'));
		});
	});
	server.on('clientError', (e, socket) => socket.destroy());
	server.on('error', (e) => {
		process.stderr.write(`fake-square: ${e.message}\n`);
		process.exit(1);
	});
	server.listen(cli.port, cli.host, () => {
		const { port } = server.address();
		const host = cli.host.includes(':') ? `[${cli.host}]` : cli.host;
		process.stdout.write(`fake-square listening on http://${host}:${port}\n`);
	});
	const stop = () => {
		server.close();
		server.closeAllConnections();	/* hung requests too */
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main();
