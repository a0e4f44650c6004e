// Calendar: one week of jobs, days as columns on a tablet, a list on a phone.
import { initPage } from '/js/page.js';
import { usePolling } from '/js/polling.js';
import { useLive } from '/js/live.js';
import { h, byId, replaceChildren } from '/js/dom.js';
import {
  dayKey, isDayKey, addDays, mondayOf, daysBetween, keyToDate, browserTimeZone, validTimeZone,
  formatTime, formatDuration, formatDayRange,
} from '/js/format.js';
import { isCancelled, vehicleText, rememberTimeZone, knownTimeZone, STATUSES } from '/js/jobs.js';

const { locale, loc, t } = initPage('calendar', 'cal.title');

const els = {
  title: byId('week-title'),
  summary: byId('week-summary'),
  week: byId('week'),
  prev: byId('prev-week'),
  next: byId('next-week'),
  today: byId('today'),
  legend: byId('legend'),
  tz: byId('tz-note'),
};

let timeZone = validTimeZone(knownTimeZone()) ? knownTimeZone() : browserTimeZone();
let data = null;               /* last calendar answer shown */

/* The week asked for in the page URL (?start=), as its Monday; null = this week. */
function requestedWeek() {
  const v = new URLSearchParams(location.search).get('start');
  return v && isDayKey(v) ? mondayOf(v) : null;
}

function currentMonday() {
  return mondayOf(dayKey(new Date(), timeZone));
}

function shownMonday() {
  return requestedWeek() || currentMonday();
}

function apiUrl() {
  const start = shownMonday();
  return `/api/calendar?start=${start}&end=${addDays(start, 6)}`;
}

const poll = usePolling({
  url: apiUrl,
  statusEl: byId('poll-status'),
  t,
  onData(d) {
    if (d && validTimeZone(d.timezone) && d.timezone !== timeZone) {
      timeZone = d.timezone;
      rememberTimeZone(timeZone);
      if (!requestedWeek() && apiUrl() !== `/api/calendar?start=${d.start}&end=${d.end}`) {
        poll.reset();            /* the business's week differs from the tablet's */
        return;
      }
    }
    data = d;
    render();
    scrollToTodayOnce();
  },
});

/* On a phone the week is a long list: open it at today (once per page load). */
let scrolledToToday = false;
function scrollToTodayOnce() {
  if (scrolledToToday) return;
  scrolledToToday = true;
  const today = els.week.querySelector('.day.is-today');
  if (today && today.previousElementSibling && window.matchMedia('(max-width: 767.98px)').matches) {
    today.scrollIntoView({ block: 'start' });
  }
}

/* ---- navigation ---- */
function goToWeek(monday) {
  const params = new URLSearchParams(location.search);
  if (monday && monday !== currentMonday()) params.set('start', monday);
  else params.delete('start');
  const q = params.toString();
  history.pushState(null, '', `${location.pathname}${q ? `?${q}` : ''}`);
  weekChanged();
}

function weekChanged() {
  data = null;
  render();
  poll.reset();
}

els.prev.addEventListener('click', () => goToWeek(addDays(shownMonday(), -7)));
els.next.addEventListener('click', () => goToWeek(addDays(shownMonday(), 7)));
els.today.addEventListener('click', () => goToWeek(null));
window.addEventListener('popstate', weekChanged);

/* ---- rendering ---- */
function render() {
  const start = data && isDayKey(data.start) ? data.start : shownMonday();
  const end = data && isDayKey(data.end) ? data.end : addDays(start, 6);
  const today = dayKey(new Date(), timeZone);
  const days = daysBetween(start, end);

  els.title.textContent = formatDayRange(start, end, loc);
  els.today.classList.toggle('is-current', today >= start && today <= end);
  els.week.setAttribute('aria-busy', String(!data));

  const byDay = new Map(days.map((k) => [k, []]));
  const jobs = data && Array.isArray(data.jobs) ? data.jobs : [];
  for (const job of jobs) {
    const when = new Date(job.appointmentTime);
    if (Number.isNaN(when.getTime())) continue;
    const list = byDay.get(dayKey(when, timeZone));
    if (list) list.push(job);
  }
  for (const list of byDay.values()) list.sort((a, b) => String(a.appointmentTime).localeCompare(String(b.appointmentTime)));

  const active = jobs.filter((j) => !isCancelled(j.bookingStatus)).length;
  els.summary.textContent = data ? t('cal.weekSummary', { n: jobs.length, active }) : '';
  els.tz.textContent = t('cal.timezone', { tz: timeZone.replace(/_/g, ' ') });

  const weekday = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', weekday: 'short' });
  const dayNum = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', day: 'numeric' });
  const month = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', month: 'short' });
  const longDay = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric' });

  replaceChildren(els.week, days.map((key) => {
    const list = byDay.get(key);
    const d = keyToDate(key);
    const isToday = key === today;
    const count = list.filter((j) => !isCancelled(j.bookingStatus)).length;
    return h('section', {
      class: `day${isToday ? ' is-today' : ''}${key < today ? ' is-past' : ''}`,
      dataset: { date: key },
      'aria-label': longDay.format(d),
      'aria-current': isToday ? 'date' : null,
    },
    h('h2', { class: 'day-head' },
      h('span', { class: 'day-name' }, weekday.format(d)),
      h('span', { class: 'day-num' }, dayNum.format(d)),
      h('span', { class: 'day-month' }, month.format(d)),
      isToday ? h('span', { class: 'today-badge' }, t('cal.todayBadge')) : null,
      h('span', { class: `day-count${data && !count ? ' is-zero' : ''}` }, data ? t(count === 1 ? 'cal.jobs.one' : 'cal.jobs.other', { n: count }) : '')),
    list.length
      ? h('ol', { class: 'day-jobs' }, list.map((job) => h('li', null, jobCard(job))))
      : h('p', { class: 'day-empty' }, data ? t('cal.noJobs') : t('poll.loading')));
  }));
}

function jobCard(job) {
  const cancelled = isCancelled(job.bookingStatus);
  const status = STATUSES.includes(job.workStatus) ? job.workStatus : 'scheduled';
  const vehicle = vehicleText(job.vehicle);
  return h('a', {
    class: `job-card st-${status}${cancelled ? ' is-cancelled' : ''}`,
    href: `/${locale}/jobs/${encodeURIComponent(job.id)}`,
    dataset: { jobId: job.id, status },
  },
  h('span', { class: 'job-top' },
    h('span', { class: 'job-time' }, formatTime(job.appointmentTime, loc, timeZone)),
    h('span', { class: 'job-dur' }, formatDuration(job.durationMinutes, t))),
  h('span', { class: 'job-service' }, job.serviceType || '—'),
  job.customerName ? h('span', { class: 'job-customer' }, job.customerName) : null,
  vehicle ? h('span', { class: 'job-vehicle' }, vehicle) : null,
  h('span', { class: 'job-tags' },
    cancelled
      ? h('span', { class: 'tag tag-cancelled', title: t(`booking.${job.bookingStatus}`) }, t('cancelled'))
      : h('span', { class: `tag st-${status}` }, t(`status.${status}`))));
}

function renderLegend() {
  replaceChildren(els.legend, STATUSES.map((st) =>
    h('li', { class: `legend-item st-${st}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), t(`status.${st}`))),
  h('li', { class: 'legend-item legend-cancelled' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), t('cancelled')));
}

renderLegend();
render();
poll.start();
/* A change to a shown day (or to a job moved away from one) fetches at once. */
useLive({
  poll,
  t,
  statusEl: byId('poll-status'),
  pushIntervalMs: () => (data && data.pollIntervalPushMs) || undefined,
  wants(job) {
    const start = data && isDayKey(data.start) ? data.start : shownMonday();
    const end = data && isDayKey(data.end) ? data.end : addDays(start, 6);
    const inWeek = (d) => isDayKey(d) && d >= start && d <= end;
    return inWeek(job.day) || inWeek(job.previousDay);
  },
});
