// Facts about jobs shared by the pages.

export const STATUSES = ['scheduled', 'checked_in', 'in_progress', 'qc', 'completed', 'no_show'];

const CANCELLED = new Set(['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER', 'DECLINED']);

export function isCancelled(bookingStatus) {
  return CANCELLED.has(bookingStatus);
}

/* "Toyota Camry · ABC123", or '' when nothing is known. */
export function vehicleText(v) {
  if (!v || typeof v !== 'object') return '';
  const name = [v.make, v.model].filter((x) => typeof x === 'string' && x.trim()).join(' ');
  const plate = typeof v.plate === 'string' && v.plate.trim() ? v.plate.trim() : '';
  return [name, plate].filter(Boolean).join(' · ');
}

/* The business time zone, learnt from /api/calendar and kept for the job page. */
const TZ_KEY = 'sdo.timezone';

export function rememberTimeZone(tz) {
  try { localStorage.setItem(TZ_KEY, tz); } catch { /* private mode */ }
}

export function knownTimeZone() {
  try { return localStorage.getItem(TZ_KEY); } catch { return null; }
}
