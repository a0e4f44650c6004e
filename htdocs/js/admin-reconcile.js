// Reconcile admin: recent runs as a table beside a small SVG chart.
import { initPage } from '/js/page.js';
import { usePolling } from '/js/polling.js';
import { h, s, byId, replaceChildren } from '/js/dom.js';
import { formatDateTime, formatTime, formatMillis, formatNumber, browserTimeZone, validTimeZone } from '/js/format.js';
import { knownTimeZone } from '/js/jobs.js';

const { loc, t } = initPage('reconcile', 'admin.title');
const timeZone = validTimeZone(knownTimeZone()) ? knownTimeZone() : browserTimeZone();

const els = {
  body: byId('runs-body'),
  table: byId('runs'),
  empty: byId('no-runs'),
  chart: byId('chart'),
  chartTitle: byId('chart-title'),
  legend: byId('chart-legend'),
  stats: byId('stats'),
};

const expanded = new Set();     /* runIds whose errors are open; kept across polls */
let runs = [];
let loaded = false;

const num = (v) => (Number.isFinite(Number(v)) ? Number(v) : 0);
const errorsOf = (run) => (Array.isArray(run.errors) ? run.errors : []);

function triggerLabel(trigger) {
  const key = `trigger.${trigger}`;
  const text = t(key);
  return text === key ? String(trigger || '—') : text;
}

function relative(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const rtf = new Intl.RelativeTimeFormat(loc, { numeric: 'auto', style: 'short' });
  const sec = Math.round((d.getTime() - Date.now()) / 1000);
  if (Math.abs(sec) < 60) return rtf.format(sec, 'second');
  if (Math.abs(sec) < 3600) return rtf.format(Math.round(sec / 60), 'minute');
  if (Math.abs(sec) < 86400) return rtf.format(Math.round(sec / 3600), 'hour');
  return rtf.format(Math.round(sec / 86400), 'day');
}

function formatShortDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(loc, { timeZone, weekday: 'short', month: 'short', day: 'numeric' }).format(d);
}

/* ---- table ---- */
function renderTable() {
  els.empty.hidden = !loaded || runs.length > 0;
  els.table.hidden = loaded && runs.length === 0;
  const rows = [];
  for (const run of runs) {
    const errs = errorsOf(run);
    const id = String(run.runId);
    const open = expanded.has(id);
    const detailsId = `run-errors-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    rows.push(h('tr', { class: `run${errs.length ? ' has-errors' : ''}${run.dryRun ? ' is-dry' : ''}`, dataset: { runId: id } },
      h('td', { title: formatDateTime(run.startedAt, loc, timeZone) },
        h('span', { class: 'run-when' }, formatTime(run.startedAt, loc, timeZone)),
        h('span', { class: 'run-ago muted' }, [formatShortDate(run.startedAt), run.finishedAt ? relative(run.startedAt) : t('admin.running')].join(' · '))),
      h('td', null, triggerLabel(run.trigger), run.dryRun ? h('span', { class: 'tag tag-dry' }, t('admin.dryRun')) : null),
      h('td', { class: 'num' }, formatNumber(run.scanned, loc)),
      h('td', { class: 'num' }, formatNumber(run.created, loc)),
      h('td', { class: 'num' }, formatNumber(run.updated, loc)),
      h('td', { class: 'num' }, formatNumber(run.skipped, loc)),
      h('td', { class: 'num' }, errs.length
        ? h('button', {
          type: 'button',
          class: 'btn btn-small btn-errors',
          'aria-expanded': String(open),
          'aria-controls': detailsId,
          'aria-label': `${formatNumber(errs.length, loc)} ${t('admin.errors')}: ${t(open ? 'admin.hideErrors' : 'admin.showErrors')}`,
          onclick: () => {
            if (expanded.has(id)) expanded.delete(id);
            else expanded.add(id);
            renderTable();
          },
        }, formatNumber(errs.length, loc), h('span', { class: 'chev', 'aria-hidden': 'true' }, open ? '▴' : '▾'))
        : h('span', { class: 'muted' }, '0')),
      h('td', { class: 'num' }, run.durationMs === null || run.durationMs === undefined ? '—' : formatMillis(run.durationMs, loc))));
    if (errs.length) {
      rows.push(h('tr', { class: 'run-errors', id: detailsId, hidden: !open },
        h('td', { colspan: '8' },
          h('ul', { class: 'error-list' }, errs.map((e) => h('li', null,
            h('span', { class: 'tag tag-stage' }, e && e.stage ? String(e.stage) : '—'),
            e && e.bookingId ? h('code', { class: 'mono' }, String(e.bookingId)) : null,
            h('span', { class: 'error-message' }, e && e.message ? String(e.message) : '—')))))));
    }
  }
  replaceChildren(els.body, rows);
}

/* ---- stats ---- */
function renderStats() {
  const last = runs[0];
  const withErrors = runs.filter((r) => errorsOf(r).length).length;
  const durations = runs.map((r) => Number(r.durationMs)).filter(Number.isFinite);
  const avg = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const stat = (label, value, extra, cls = '') => h('div', { class: `stat ${cls}` },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, value),
    extra ? h('span', { class: 'stat-extra muted' }, extra) : null);
  replaceChildren(els.stats,
    stat(t('admin.lastRun'), last ? relative(last.startedAt) : t('admin.lastRunNone'),
      last ? formatDateTime(last.startedAt, loc, timeZone) : '', last && errorsOf(last).length ? 'is-warn' : ''),
    stat(t('admin.runsShown'), formatNumber(runs.length, loc)),
    stat(t('admin.runsWithErrors'), formatNumber(withErrors, loc), '', withErrors ? 'is-warn' : ''),
    stat(t('admin.avgDuration'), avg === null ? '—' : formatMillis(avg, loc)));
}

/* ---- chart: bars of created/updated per run (oldest left), duration line ---- */
/* Drawn at the size it is shown (text stays 11px): re-drawn when that changes. */
const H = 200;
const PAD = { l: 34, r: 50, t: 12, b: 22 };

function chartWidth() {
  return Math.round(Math.min(1000, Math.max(260, els.chart.clientWidth || 600)));
}

/* A round axis maximum with four equal round steps. */
function niceMax(v, integer) {
  const raw = Math.max(v, integer ? 4 : 1e-9) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const step = m * p;
    if (step >= raw && (!integer || Number.isInteger(step))) return step * 4;
  }
  return 40 * p;
}

function renderChart() {
  const W = chartWidth();
  els.chart.dataset.width = String(W);
  const list = [...runs].reverse();
  els.chartTitle.textContent = t('admin.chartTitle', { n: list.length });
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': t('admin.chart'), preserveAspectRatio: 'xMidYMid meet',
  }, s('title', null, t('admin.chart')));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const countMax = niceMax(Math.max(1, ...list.map((r) => Math.max(num(r.created), num(r.updated)))), true);
  const durMax = niceMax(Math.max(100, ...list.map((r) => num(r.durationMs))), false);
  const y = (v) => PAD.t + ih - (v / countMax) * ih;
  const yd = (v) => PAD.t + ih - (v / durMax) * ih;

  /* grid and axes */
  for (let i = 0; i <= 4; i += 1) {
    const gy = PAD.t + (ih * i) / 4;
    svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: gy, y2: gy, class: i === 4 ? 'axis' : 'grid' }));
    svg.append(s('text', { x: PAD.l - 6, y: gy + 4, class: 'tick tick-left' }, formatNumber(countMax * (1 - i / 4), loc)));
    svg.append(s('text', { x: W - PAD.r + 6, y: gy + 4, class: 'tick tick-right' }, formatMillis(durMax * (1 - i / 4), loc)));
  }

  if (list.length) {
    const slot = iw / list.length;
    const bw = Math.max(1.5, Math.min(14, slot * 0.36));
    const points = [];
    list.forEach((run, i) => {
      const cx = PAD.l + slot * (i + 0.5);
      const g = s('g', { class: `run-bars${errorsOf(run).length ? ' has-errors' : ''}` },
        s('title', null, `${formatDateTime(run.startedAt, loc, timeZone)} — ${t('admin.created')}: ${num(run.created)}, ${t('admin.updated')}: ${num(run.updated)}, ${t('admin.duration')}: ${formatMillis(run.durationMs, loc)}${errorsOf(run).length ? `, ${t('admin.errors')}: ${errorsOf(run).length}` : ''}`));
      g.append(s('rect', { x: cx - bw, y: y(num(run.created)), width: bw, height: Math.max(0, PAD.t + ih - y(num(run.created))), class: 'bar-created' }));
      g.append(s('rect', { x: cx, y: y(num(run.updated)), width: bw, height: Math.max(0, PAD.t + ih - y(num(run.updated))), class: 'bar-updated' }));
      if (errorsOf(run).length) g.append(s('circle', { cx, cy: PAD.t + ih + 10, r: 4, class: 'err-dot' }));
      svg.append(g);
      if (Number.isFinite(Number(run.durationMs))) points.push(`${cx.toFixed(1)},${yd(num(run.durationMs)).toFixed(1)}`);
    });
    if (points.length > 1) svg.append(s('polyline', { points: points.join(' '), class: 'dur-line' }));
    for (const p of points) {
      const [px, py] = p.split(',');
      svg.append(s('circle', { cx: px, cy: py, r: 2.5, class: 'dur-dot' }));
    }
  }
  replaceChildren(els.chart, svg);
}

function renderLegend() {
  const item = (cls, key) => h('li', { class: `legend-item ${cls}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), t(key));
  replaceChildren(els.legend,
    item('lg-created', 'admin.legend.created'),
    item('lg-updated', 'admin.legend.updated'),
    item('lg-duration', 'admin.legend.duration'),
    item('lg-errors', 'admin.legend.errors'));
}

function render() {
  renderStats();
  renderChart();
  renderTable();
}

const poll = usePolling({
  url: () => '/api/reconcile/runs?limit=50',
  statusEl: byId('poll-status'),
  t,
  onData(data) {
    runs = data && Array.isArray(data.runs) ? data.runs : [];
    loaded = true;
    render();
  },
});

renderLegend();
render();
new ResizeObserver(() => {
  if (String(chartWidth()) !== els.chart.dataset.width) renderChart();
}).observe(els.chart);
/* relative times ("3 min ago") move on between polls */
setInterval(() => { if (runs.length) { renderStats(); } }, 30000);
poll.start();
