// Dates, times and amounts. Calendar days are the business's local days:
// every conversion takes the IANA time zone explicitly.

const dayKeyFormatters = new Map();

/* 'YYYY-MM-DD' of the instant in time zone tz. */
export function dayKey(date, tz) {
  let f = dayKeyFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayKeyFormatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function isDayKey(s) {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = keyToDate(s);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/* Noon UTC of the day: safe to format with timeZone 'UTC'. */
export function keyToDate(key) {
  return new Date(`${key}T12:00:00Z`);
}

export function addDays(key, n) {
  const d = keyToDate(key);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/* Monday of the ISO week holding the day. */
export function mondayOf(key) {
  const dow = (keyToDate(key).getUTCDay() + 6) % 7;   /* Monday = 0 */
  return addDays(key, -dow);
}

export function daysBetween(startKey, endKey) {
  const out = [];
  for (let k = startKey; k <= endKey && out.length < 62; k = addDays(k, 1)) out.push(k);
  return out;
}

export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function validTimeZone(tz) {
  if (typeof tz !== 'string' || !tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatTime(iso, loc, tz) {
  const d = parseTime(iso);
  if (!d) return '—';
  return new Intl.DateTimeFormat(loc, { timeZone: tz, hour: 'numeric', minute: '2-digit' }).format(d);
}

export function formatDateTime(iso, loc, tz) {
  const d = parseTime(iso);
  if (!d) return '—';
  return new Intl.DateTimeFormat(loc, {
    timeZone: tz, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
  }).format(d);
}

export function formatLongDateTime(iso, loc, tz) {
  const d = parseTime(iso);
  if (!d) return '—';
  return new Intl.DateTimeFormat(loc, {
    timeZone: tz, weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit',
  }).format(d);
}

export function formatTimeRange(iso, minutes, loc, tz) {
  const d = parseTime(iso);
  if (!d) return '—';
  const f = new Intl.DateTimeFormat(loc, { timeZone: tz, hour: 'numeric', minute: '2-digit' });
  if (!(minutes > 0)) return f.format(d);
  return f.formatRange(d, new Date(d.getTime() + minutes * 60000));
}

export function formatDuration(minutes, t) {
  const m = Math.max(0, Math.round(Number(minutes) || 0));
  const h = Math.floor(m / 60);
  const r = m % 60;
  if (!h) return t('dur.minutes', { m: r });
  if (!r) return t('dur.hours', { h });
  return t('dur.hoursMinutes', { h, m: r });
}

export function formatMillis(ms, loc) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return '—';
  if (n < 1000) return `${Math.round(n)} ms`;
  return `${new Intl.NumberFormat(loc, { maximumFractionDigits: 1 }).format(n / 1000)} s`;
}

export function formatMoney(cents, currency, loc) {
  const n = Number(cents);
  if (!Number.isFinite(n)) return '—';
  try {
    return new Intl.NumberFormat(loc, { style: 'currency', currency: currency || 'USD' }).format(n / 100);
  } catch {
    return `${(n / 100).toFixed(2)} ${currency || ''}`.trim();
  }
}

/* "Nov 24 – 30, 2025" for a week. */
export function formatDayRange(startKey, endKey, loc) {
  const f = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' });
  return f.formatRange(keyToDate(startKey), keyToDate(endKey));
}

export function formatNumber(n, loc) {
  const v = Number(n);
  return Number.isFinite(v) ? new Intl.NumberFormat(loc).format(v) : '—';
}
