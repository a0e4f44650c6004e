// Job page: Square's facts read-only, the staff fields editable.
//
// Every save is a PATCH with If-Match and only the changed fields; saves
// go one at a time, each with the newest version. A 409 shows the newer
// job and keeps the person's change (in its form and in a banner) with a
// button to apply it again. Polling never overwrites a form someone is
// editing.
import { initPage, setTitle } from '/js/page.js';
import { usePolling } from '/js/polling.js';
import { useLive } from '/js/live.js';
import { request, patchJob, jobUrl, errorText } from '/js/api.js';
import { h, byId, replaceChildren } from '/js/dom.js';
import {
  dayKey, mondayOf, browserTimeZone, validTimeZone, formatDateTime, formatLongDateTime,
  formatTimeRange, formatDuration, formatMoney,
} from '/js/format.js';
import { STATUSES, isCancelled, vehicleText, knownTimeZone, rememberTimeZone } from '/js/jobs.js';
import { isOfflineError, knownUser, flushOutbox, outbox } from '/js/offline.js';
import { mountPhotos } from '/js/photos.js';

const { locale, loc, t } = initPage('job', 'job.title');

// A checklist item's label in this page's language, when its template has it.
function itemLabel(item) {
  return (item.labels && typeof item.labels[locale] === 'string' && item.labels[locale]) ||
    item.label || item.key;
}

const PAY_STATUSES = ['unpaid', 'paid', 'refunded', 'comped'];
const PAY_METHODS = ['cash', 'card', 'square', 'other'];

const jobId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
let job = null;
let timeZone = validTimeZone(knownTimeZone()) ? knownTimeZone() : browserTimeZone();

const els = {
  job: byId('job'),
  notFound: byId('not-found'),
  back: byId('back'),
  heroWhen: byId('hero-when'),
  heroService: byId('hero-service'),
  heroCustomer: byId('hero-customer'),
  heroStatus: byId('hero-status'),
  heroBooking: byId('hero-booking'),
  statusButtons: byId('status-buttons'),
  statusMsg: byId('status-msg'),
  checklists: byId('checklists'),
  checklistMsg: byId('checklist-msg'),
  bookingFacts: byId('booking-facts'),
  customerFacts: byId('customer-facts'),
  paymentSummary: byId('payment-summary'),
  issueSummary: byId('issue-summary'),
  issueRemove: byId('issue-remove'),
  mediaCard: byId('media-card'),
  history: byId('history'),
  conflict: byId('conflict'),
  conflictChange: byId('conflict-change'),
  conflictApply: byId('conflict-apply'),
  conflictDiscard: byId('conflict-discard'),
  conflictMsg: byId('conflict-msg'),
};

/* ------------------------------------------------------------------ */
/* Messages under a section                                            */

const msgTimers = new WeakMap();

function showMsg(el, text, kind = '') {
  clearTimeout(msgTimers.get(el));
  el.textContent = text || '';
  el.className = `form-msg${kind ? ` is-${kind}` : ''}`;
  if (kind === 'ok') msgTimers.set(el, setTimeout(() => { el.textContent = ''; el.className = 'form-msg'; }, 3000));
}

/* ------------------------------------------------------------------ */
/* Saving: one PATCH at a time, each with the newest version           */

let queue = Promise.resolve();
let conflict = null;     /* { changes, origin } waiting for "apply again" */

function enqueueSave(changes, origin) {
  const p = queue.then(() => save(changes, origin));
  queue = p.catch(() => {});
  return p;
}

/*
 * origin: { msgEl, busy(on), describe(changes) -> node, onSaved(), onFailed(),
 *           recollect() -> changes|null (forms: the form's current values) }
 */
async function save(changes, origin) {
  if (!job) return false;
  origin.busy?.(true);
  showMsg(origin.msgEl, t('job.saving'), 'busy');
  try {
    const res = await patchJob(jobId, job.version, changes);
    if (res.job && typeof res.job === 'object') {
      job = res.job;
      poll.accept(job, res.etag || `"${job.version}"`);
    }
    origin.onSaved?.();
    if (conflict && conflict.origin === origin) hideConflict();
    render();
    showMsg(origin.msgEl, t('job.saved'), 'ok');
    return true;
  } catch (err) {
    if (isOfflineError(err) && await queueOffline(changes, origin)) return true;
    if (err.status === 409 && err.body && err.body.data && typeof err.body.data === 'object') {
      job = err.body.data;
      poll.accept(job, `"${job.version}"`);
      origin.onConflict?.();
      render();
      showMsg(origin.msgEl, '');
      showConflict(changes, origin);
    } else {
      origin.onFailed?.();
      render();
      showMsg(origin.msgEl, t('job.saveFailed', { message: errorText(err, t) }), 'error');
    }
    return false;
  } finally {
    origin.busy?.(false);
  }
}

function showConflict(changes, origin) {
  conflict = { changes, origin };
  replaceChildren(els.conflictChange, origin.describe(changes));
  showMsg(els.conflictMsg, '');
  els.conflict.hidden = false;
  els.conflict.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

function hideConflict() {
  conflict = null;
  els.conflict.hidden = true;
  replaceChildren(els.conflictChange);
}

els.conflictApply.addEventListener('click', async () => {
  if (!conflict) return;
  const { origin } = conflict;
  if (origin.apply) {                 /* a queued photo: back into the outbox, on the shown version */
    els.conflictApply.disabled = true;
    try {
      await origin.apply();
    } finally {
      els.conflictApply.disabled = false;
    }
    return;
  }
  const changes = (origin.recollect && origin.recollect()) || conflict.changes;
  els.conflictApply.disabled = true;
  const ok = await enqueueSave(changes, origin);
  els.conflictApply.disabled = false;
  if (ok) hideConflict();
  else if (!els.conflict.hidden && conflict && conflict.origin === origin) {
    showMsg(els.conflictMsg, origin.msgEl.textContent, 'error');
  }
});

els.conflictDiscard.addEventListener('click', () => {
  if (!conflict) return;
  conflict.origin.discard?.();
  hideConflict();
  render();
});

/* Title/value pairs shown in the conflict banner. */
function changeBlock(title, yours, theirs) {
  return h('div', { class: 'change' },
    h('p', { class: 'change-title' }, title),
    h('div', { class: 'change-cols' },
      h('div', { class: 'change-yours' },
        h('span', { class: 'change-label' }, t('job.conflict.yours')),
        h('p', { class: 'change-text' }, yours || t('job.empty'))),
      theirs === undefined ? null : h('div', { class: 'change-theirs' },
        h('span', { class: 'change-label' }, t('job.conflict.theirs')),
        h('p', { class: 'change-text' }, theirs || t('job.empty')))));
}

/* ------------------------------------------------------------------ */
/* Work status                                                         */

const statusButtons = new Map();
let statusBusy = false;

for (const st of STATUSES) {
  const b = h('button', {
    type: 'button', class: `status-btn st-${st}`, dataset: { status: st }, 'aria-pressed': 'false',
    onclick: () => setStatus(st),
  }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }), h('span', null, t(`status.${st}`)));
  statusButtons.set(st, b);
  els.statusButtons.append(b);
}

const statusOrigin = {
  msgEl: els.statusMsg,
  busy(on) {
    statusBusy = on;
    els.statusButtons.classList.toggle('is-busy', on);
    for (const b of statusButtons.values()) b.disabled = on;
  },
  describe: (c) => changeBlock(t('job.workStatus'), t(`status.${c.workStatus}`),
    job ? t(`status.${job.workStatus}`) : undefined),
};

function setStatus(st) {
  if (!job || statusBusy || withQueued(job).workStatus === st) return;
  const b = statusButtons.get(st);
  b.classList.add('is-pending');
  enqueueSave({ workStatus: st }, statusOrigin).finally(() => b.classList.remove('is-pending'));
}

function renderStatus() {
  for (const [st, b] of statusButtons) {
    const on = job.workStatus === st;
    b.setAttribute('aria-pressed', String(on));
    b.classList.toggle('is-current', on);
  }
}

/* ------------------------------------------------------------------ */
/* Checklists                                                          */

const pendingChecks = new Map();   /* "tech:key" -> wanted done */

function checkOrigin(list, item) {
  const id = `${list}:${item.key}`;
  return {
    msgEl: els.checklistMsg,
    describe: (c) => {
      const done = c.checklist[list][0].done;
      return changeBlock(t('job.checklist'),
        t(done ? 'job.change.checkDone' : 'job.change.checkUndone', { label: itemLabel(item) }));
    },
    onSaved: () => pendingChecks.delete(id),
    onFailed: () => pendingChecks.delete(id),
    onConflict: () => pendingChecks.delete(id),
  };
}

function onCheck(e) {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.key || !job) return;
  const list = input.dataset.list;
  const items = (job.checklist && job.checklist[list]) || [];
  const item = items.find((x) => x.key === input.dataset.key) || { key: input.dataset.key };
  pendingChecks.set(`${list}:${item.key}`, input.checked);
  input.closest('li')?.classList.add('is-pending');
  enqueueSave({ checklist: { [list]: [{ key: item.key, done: input.checked }] } }, checkOrigin(list, item));
}

els.checklists.addEventListener('change', onCheck);

function renderChecklists() {
  const groups = [['tech', 'job.checklist.tech'], ['qc', 'job.checklist.qc']];
  const signature = groups.map(([l]) => ((job.checklist && job.checklist[l]) || []).map((i) => i.key).join('\u0000')).join('\u0001');
  if (els.checklists.dataset.signature !== signature) {
    els.checklists.dataset.signature = signature;
    replaceChildren(els.checklists, groups.map(([list, titleKey]) => {
      const items = (job.checklist && Array.isArray(job.checklist[list])) ? job.checklist[list] : [];
      return h('fieldset', { class: 'checkgroup', dataset: { list } },
        h('legend', null, h('span', null, t(titleKey)), h('span', { class: 'check-progress' })),
        items.length
          ? h('ul', { class: 'checklist' }, items.map((item) => h('li', { dataset: { key: item.key } },
            h('label', { class: 'check' },
              h('input', { type: 'checkbox', dataset: { list, key: item.key } }),
              h('span', { class: 'check-text' },
                h('span', { class: 'check-label' }, itemLabel(item)),
                h('span', { class: 'check-meta' }))))))
          : h('p', { class: 'muted' }, t('job.checklist.empty')));
    }));
  }
  for (const [list] of groups) {
    const items = (job.checklist && Array.isArray(job.checklist[list])) ? job.checklist[list] : [];
    const group = els.checklists.querySelector(`fieldset[data-list="${list}"]`);
    if (!group) continue;
    let done = 0;
    for (const item of items) {
      const li = [...group.querySelectorAll('li')].find((x) => x.dataset.key === item.key);
      if (!li) continue;
      const id = `${list}:${item.key}`;
      const pending = pendingChecks.has(id);
      const checked = pending ? pendingChecks.get(id) : !!item.done;
      if (checked) done += 1;
      li.querySelector('input').checked = checked;
      li.classList.toggle('is-done', checked);
      li.classList.toggle('is-pending', pending);
      li.querySelector('.check-meta').textContent = item.done && !pending && (item.doneBy || item.doneAt)
        ? t('job.doneBy', { by: item.doneBy || '—', at: formatDateTime(item.doneAt, loc, timeZone) })
        : '';
    }
    group.querySelector('.check-progress').textContent = items.length
      ? t('job.checklist.progress', { done, total: items.length }) : '';
  }
}

/* ------------------------------------------------------------------ */
/* Forms: notes, vehicle, issue, payment                               */

/*
 * A form of staff fields. While dirty (typed into and not saved) polling
 * leaves its inputs alone. fill(job) puts the job's values in;
 * collect() returns { changes } or { error }.
 */
function formSection({ form, msgEl, fill, collect, describe }) {
  const submit = form.querySelector('button[type="submit"]');
  const submitText = submit.textContent;
  let dirty = false;
  let edits = 0;          /* bumps on each edit, so a save doesn't clear newer typing */
  let editsAtSave = 0;

  const section = {
    msgEl,
    get dirty() { return dirty; },
    describe,
    busy(on) {
      submit.disabled = on;
      submit.textContent = on ? t('job.saving') : submitText;
      if (on) editsAtSave = edits;
    },
    onSaved() {
      if (edits === editsAtSave) setDirty(false);
    },
    recollect() {
      const r = collect();
      return r.error ? null : r.changes;
    },
    discard() {
      setDirty(false);
      showMsg(msgEl, '');
    },
    update() {
      if (!dirty) fill(job);
    },
  };

  function setDirty(on) {
    dirty = on;
    form.classList.toggle('is-dirty', on);
  }

  function onEdit() {
    edits += 1;
    if (!dirty) setDirty(true);
    showMsg(msgEl, t('job.unsaved'), 'dirty');
  }

  form.addEventListener('input', onEdit);
  form.addEventListener('change', onEdit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!job) return;
    const r = collect();
    if (r.error) {
      showMsg(msgEl, r.error, 'error');
      return;
    }
    enqueueSave(r.changes, section);
  });
  return section;
}

const str = (v) => (v === null || v === undefined ? '' : String(v));
const orNull = (v) => {
  const s = v.trim();
  return s ? s : null;
};

/* Notes */
const notesForm = byId('notes-form');
const notes = formSection({
  form: notesForm,
  msgEl: byId('notes-msg'),
  fill(j) { notesForm.elements.notes.value = str(j.notes); },
  collect() { return { changes: { notes: notesForm.elements.notes.value } }; },
  describe: (c) => changeBlock(t('job.change.notes'), c.notes, job ? str(job.notes) : undefined),
});

/* Vehicle */
const vehicleForm = byId('vehicle-form');
const VEHICLE_FIELDS = ['make', 'model', 'year', 'color', 'plate'];
const vehicle = formSection({
  form: vehicleForm,
  msgEl: byId('vehicle-msg'),
  fill(j) {
    const v = j.vehicle || {};
    for (const f of VEHICLE_FIELDS) vehicleForm.elements[f].value = str(v[f]);
  },
  collect() {
    const el = vehicleForm.elements;
    const yearText = el.year.value.trim();
    let year = null;
    if (yearText) {
      if (!/^\d{4}$/.test(yearText) || Number(yearText) < 1900 || Number(yearText) > 2100) return { error: t('job.vehicle.badYear') };
      year = Number(yearText);
    }
    return {
      changes: {
        vehicle: {
          make: orNull(el.make.value),
          model: orNull(el.model.value),
          year,
          color: orNull(el.color.value),
          plate: el.plate.value.trim() ? el.plate.value.trim().toUpperCase() : null,
        },
      },
    };
  },
  describe: (c) => changeBlock(t('job.change.vehicle'), vehicleLine(c.vehicle), job ? vehicleLine(job.vehicle) : undefined),
});

function vehicleLine(v) {
  if (!v) return '';
  return [[v.year, v.make, v.model].filter((x) => x !== null && x !== undefined && x !== '').join(' '), v.color, v.plate]
    .filter(Boolean).join(' · ');
}

/* Post-completion issue */
const issueForm = byId('issue-form');
const issue = formSection({
  form: issueForm,
  msgEl: byId('issue-msg'),
  fill(j) {
    const i = j.postCompletionIssue;
    issueForm.elements.description.value = i ? str(i.description) : '';
    issueForm.elements.resolved.checked = !!(i && i.resolved);
  },
  collect() {
    const description = issueForm.elements.description.value.trim();
    if (!description) return { error: t('job.issue.needDescription') };
    return { changes: { postCompletionIssue: { description, resolved: issueForm.elements.resolved.checked } } };
  },
  describe: (c) => changeBlock(t('job.change.issue'), issueLine(c.postCompletionIssue), job ? issueLine(job.postCompletionIssue) : undefined),
});

function issueLine(i) {
  if (!i) return t('job.change.issueRemoved');
  return `${str(i.description)}${i.resolved ? ` (${t('job.issue.resolved')})` : ''}`;
}

const issueRemoveOrigin = {
  msgEl: byId('issue-msg'),
  busy(on) { els.issueRemove.disabled = on; },
  describe: () => changeBlock(t('job.change.issue'), t('job.change.issueRemoved'), job ? issueLine(job.postCompletionIssue) : undefined),
  onSaved() { issue.discard(); },
};

els.issueRemove.addEventListener('click', () => {
  if (job && job.postCompletionIssue) enqueueSave({ postCompletionIssue: null }, issueRemoveOrigin);
});

/* Payment */
const paymentForm = byId('payment-form');
replaceChildren(paymentForm.elements.status, PAY_STATUSES.map((v) => h('option', { value: v }, t(`pay.${v}`))));
replaceChildren(paymentForm.elements.method, h('option', { value: '' }, '—'), PAY_METHODS.map((v) => h('option', { value: v }, t(`method.${v}`))));

/* "129", "129.5", "1,299.00" or "129,50" -> cents, or null. */
function parseAmount(text) {
  let s = text.trim().replace(/[\s$€£]/g, '');
  if (!s) return null;
  if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^\d+,\d{1,2}$/.test(s)) s = s.replace(',', '.');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return NaN;
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2));
}

const payment = formSection({
  form: paymentForm,
  msgEl: byId('payment-msg'),
  fill(j) {
    const p = j.payment;
    const el = paymentForm.elements;
    el.status.value = p && PAY_STATUSES.includes(p.status) ? p.status : 'unpaid';
    el.method.value = p && PAY_METHODS.includes(p.method) ? p.method : '';
    el.amount.value = p && Number.isFinite(Number(p.amountCents)) && p.amountCents !== null ? (Number(p.amountCents) / 100).toFixed(2) : '';
    el.currency.value = p && p.currency ? p.currency : 'USD';
  },
  collect() {
    const el = paymentForm.elements;
    const cents = parseAmount(el.amount.value);
    if (Number.isNaN(cents)) return { error: t('job.payment.badAmount') };
    const currency = (el.currency.value.trim() || 'USD').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) return { error: t('job.payment.badCurrency') };
    return {
      changes: {
        payment: { status: el.status.value, method: el.method.value || null, amountCents: cents, currency },
      },
    };
  },
  describe: (c) => changeBlock(t('job.change.payment'), paymentLine(c.payment), job ? paymentLine(job.payment) : undefined),
});

function paymentLine(p) {
  if (!p) return t('job.payment.none');
  return [
    PAY_STATUSES.includes(p.status) ? t(`pay.${p.status}`) : str(p.status),
    PAY_METHODS.includes(p.method) ? t(`method.${p.method}`) : str(p.method),
    p.amountCents !== null && p.amountCents !== undefined ? formatMoney(p.amountCents, p.currency, loc) : '',
  ].filter(Boolean).join(' · ');
}

const forms = [notes, vehicle, issue, payment];

/* ------------------------------------------------------------------ */
/* Read-only parts                                                     */

function fact(label, ...value) {
  return [h('dt', null, label), h('dd', null, ...value)];
}

function renderFacts() {
  const cancelled = isCancelled(job.bookingStatus);
  const bookingLabel = job.bookingStatus ? t(`booking.${job.bookingStatus}`) : '—';
  replaceChildren(els.bookingFacts,
    fact(t('job.when'), formatLongDateTime(job.appointmentTime, loc, timeZone)),
    fact(t('job.duration'), `${formatDuration(job.durationMinutes, t)} · ${formatTimeRange(job.appointmentTime, job.durationMinutes, loc, timeZone)}`),
    fact(t('job.service'), job.serviceType || '—'),
    fact(t('job.bookingStatus'), h('span', { class: `tag${cancelled ? ' tag-cancelled' : ' tag-booking'}` }, bookingLabel)),
    job.bookingId ? fact(t('job.squareId'), h('code', { class: 'mono' }, job.bookingId)) : null);

  const c = job.customerCached;
  const note = job.customerNote ? h('span', { class: 'prewrap' }, job.customerNote) : h('span', { class: 'muted' }, t('job.noNote'));
  if (!c) {
    replaceChildren(els.customerFacts,
      fact(t('job.name'), h('span', { class: 'muted' }, t('job.noCustomer'))),
      fact(t('job.customerNote'), note));
  } else {
    const phoneHref = c.phone ? `tel:${String(c.phone).replace(/[^\d+]/g, '')}` : null;
    replaceChildren(els.customerFacts,
      fact(t('job.name'), c.name || '—'),
      fact(t('job.phone'), c.phone ? h('a', { href: phoneHref }, c.phone) : '—'),
      fact(t('job.email'), c.email ? h('a', { href: `mailto:${encodeURIComponent(c.email).replace('%40', '@')}` }, c.email) : '—'),
      fact(t('job.customerNote'), note));
  }

  const cust = c && c.name ? c.name : '';
  const veh = vehicleText(job.vehicle);
  els.heroService.textContent = job.serviceType || t('job.title');
  els.heroWhen.textContent = `${formatLongDateTime(job.appointmentTime, loc, timeZone)} · ${formatDuration(job.durationMinutes, t)}`;
  els.heroCustomer.textContent = [cust, veh].filter(Boolean).join(' · ');
  els.heroStatus.textContent = t(`status.${job.workStatus}`);
  els.heroStatus.className = `tag st-${STATUSES.includes(job.workStatus) ? job.workStatus : 'scheduled'}`;
  els.heroBooking.textContent = bookingLabel;
  els.heroBooking.className = `tag ${cancelled ? 'tag-cancelled' : 'tag-booking'}`;
  els.job.classList.toggle('is-cancelled', cancelled);
  setTitle([job.serviceType, cust].filter(Boolean).join(' · ') || t('job.title'), t);

  /* Back to the week of this job. */
  const when = new Date(job.appointmentTime);
  if (!Number.isNaN(when.getTime())) {
    const monday = mondayOf(dayKey(when, timeZone));
    const thisMonday = mondayOf(dayKey(new Date(), timeZone));
    els.back.href = `/${locale}/calendar${monday === thisMonday ? '' : `?start=${monday}`}`;
  }

  const p = job.payment;
  els.paymentSummary.textContent = p
    ? [paymentLine(p), p.paidAt ? t('job.payment.paidAt', { at: formatDateTime(p.paidAt, loc, timeZone) }) : ''].filter(Boolean).join(' · ')
    : t('job.payment.none');

  const i = job.postCompletionIssue;
  els.issueSummary.textContent = i
    ? [i.reportedBy || i.reportedAt ? t('job.issue.reported', { by: i.reportedBy || '—', at: formatDateTime(i.reportedAt, loc, timeZone) }) : '',
      i.resolved && (i.resolvedBy || i.resolvedAt) ? t('job.issue.resolvedBy', { by: i.resolvedBy || '—', at: formatDateTime(i.resolvedAt, loc, timeZone) }) : '']
      .filter(Boolean).join(' · ')
    : t('job.issue.none');
  els.issueRemove.hidden = !i;

  renderMedia();
  renderHistory();
}

/* Photos: their own module; a newer job from an upload or delete comes back here. */
let photosUi = null;
function renderMedia() {
  photosUi ??= mountPhotos(els.mediaCard.querySelector('.photos-root'), {
    t, jobId, getJob: () => job, when: (at) => (at ? formatDateTime(at, loc, timeZone) : ''),
    onJob: (data) => {
      if (!data || typeof data !== 'object') return;
      job = data;
      poll.accept(job, `"${job.version}"`);
      render();
    },
  });
  photosUi.render();
}

function renderHistory() {
  const entries = Array.isArray(job.statusHistory) ? [...job.statusHistory] : [];
  entries.sort((a, b) => String(b.at).localeCompare(String(a.at)));
  const items = entries.map((e) => (Number.isInteger(e.dropped) ? h('li', { class: 'tl-item tl-dropped' },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'tl-body' }, h('p', { class: 'tl-meta' }, t('job.history.dropped', { n: e.dropped }))))
    : h('li', { class: `tl-item st-${STATUSES.includes(e.to) ? e.to : 'scheduled'}` },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'tl-body' },
      h('p', { class: 'tl-title' }, e.from
        ? t('job.history.change', { from: t(`status.${e.from}`), to: t(`status.${e.to}`) })
        : t('job.history.first', { to: t(`status.${e.to}`) })),
      h('p', { class: 'tl-meta' }, [formatDateTime(e.at, loc, timeZone), e.by ? t('job.history.by', { by: e.by }) : ''].filter(Boolean).join(' · '))))));
  items.push(h('li', { class: 'tl-item tl-created' },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'tl-body' },
      h('p', { class: 'tl-title' }, t('job.history.created')),
      h('p', { class: 'tl-meta' }, [formatDateTime(job.createdAt, loc, timeZone),
        job.createdBy ? t('job.history.createdBy', { by: t(`createdBy.${job.createdBy}`) }) : ''].filter(Boolean).join(' · ')))));
  replaceChildren(els.history, items);
}

/* ------------------------------------------------------------------ */

function render() {
  if (!job) return;
  if (validTimeZone(job.timezone)) timeZone = job.timezone;
  els.job.hidden = false;
  els.notFound.hidden = true;
  const server = job;
  job = withQueued(server);     /* staff fields as this tablet will send them */
  try {
    renderFacts();
    renderStatus();
    renderChecklists();
    for (const f of forms) f.update();
  } finally {
    job = server;
  }
  renderQueued();
}

function receive(data) {
  if (!data || typeof data !== 'object') return;
  if (job && Number(data.version) < Number(job.version)) return;   /* older than what we show */
  job = data;
  render();
  lookUpTimeZone();
}

/* The job's answer carries the business's time zone: remember it for the next page. */
function lookUpTimeZone() {
  if (job && validTimeZone(job.timezone) && knownTimeZone() !== job.timezone) rememberTimeZone(job.timezone);
}

const poll = usePolling({
  url: () => jobUrl(jobId),
  statusEl: byId('poll-status'),
  t,
  onData: receive,
  onError(err) {
    if (err.status === 404 || err.status === 400) {
      poll.stop();
      els.job.hidden = true;
      els.notFound.hidden = false;
      els.notFound.textContent = err.status === 404 ? t('job.notFound') : `${t('job.notFound')} (${errorText(err, t)})`;
      byId('poll-status').hidden = true;
    }
  },
});

poll.start();
/* A newer version of this job, pushed: fetch it at once. */
useLive({
  poll,
  t,
  statusEl: byId('poll-status'),
  wants: (j) => j.id === jobId && !(job && Number(j.version) <= Number(job.version)),
});

loadQueued();

/* ------------------------------------------------------------------ */
/* Edits made offline (the outbox)                                     */
/*
 * A save that finds no connection is queued in the outbox with the
 * version it was made on, shown as pending (and in the fields), and sent
 * in order when the connection is back (offline.js). A queued edit that
 * meets a newer change (409) opens the same conflict view as online, the
 * queued value still there to apply again or drop; nothing is sent for
 * this job until the person chooses.
 */

let queued = [];                  /* this job's outbox entries, oldest first */
let queuedConflictSeq = null;     /* the entry the conflict view shows */
const outboxCard = h('section', { class: 'card outbox-card', id: 'outbox', hidden: true, 'aria-labelledby': 'outbox-title' },
  h('h2', { class: 'card-title', id: 'outbox-title' }, t('offline.pendingTitle')),
  h('ul', { class: 'outbox-list' }));
(els.job.querySelector('.hero') || els.job.firstChild).after(outboxCard);

/* The job as it will be once the queued edits are sent. */
function withQueued(j) {
  const pending = queued.filter((e) => e.kind === 'patch' && e.state === 'pending');
  if (!j || !pending.length) return j;
  const v = structuredClone(j);
  for (const { changes: c } of pending) {
    for (const k of ['workStatus', 'notes', 'vehicle', 'payment', 'postCompletionIssue']) if (k in c) v[k] = c[k];
    for (const list of Object.keys(c.checklist || {})) {
      for (const change of c.checklist[list]) {
        const item = ((v.checklist && v.checklist[list]) || []).find((x) => x.key === change.key);
        if (item) Object.assign(item, { done: change.done, doneBy: null, doneAt: null });
      }
    }
  }
  return v;
}

/* The section a change belongs to (its messages, its description, its form). */
function originFor(changes) {
  if ('workStatus' in changes) return statusOrigin;
  if ('notes' in changes) return notes;
  if ('vehicle' in changes) return vehicle;
  if ('payment' in changes) return payment;
  if ('postCompletionIssue' in changes) return changes.postCompletionIssue === null ? issueRemoveOrigin : issue;
  const list = Object.keys(changes.checklist || {})[0];
  const key = list && changes.checklist[list][0] ? changes.checklist[list][0].key : '';
  const items = (job && job.checklist && job.checklist[list]) || [];
  return checkOrigin(list, items.find((x) => x.key === key) || { key });
}

/* The thumbnail of a queued photo: one object URL per entry, let go when the entry goes. */
const photoUrls = new Map();      /* seq -> blob: URL */
function queuedThumb(e) {
  if (!e.blob) return null;
  if (!photoUrls.has(e.seq)) photoUrls.set(e.seq, URL.createObjectURL(e.blob));
  return h('img', { class: 'outbox-thumb', src: photoUrls.get(e.seq), alt: describeEntry(e), width: '96', height: '96' });
}
function releaseThumbs() {
  const keep = new Set(queued.map((e) => e.seq));
  for (const [seq, url] of photoUrls) {
    if (!keep.has(seq)) {
      URL.revokeObjectURL(url);
      photoUrls.delete(seq);
    }
  }
}

/* A queued photo in conflict: send it again on the version now shown, or drop it. */
function queuedPhotoOrigin(entry) {
  return {
    msgEl: els.conflictMsg,
    outboxSeq: entry.seq,
    describe: () => h('div', { class: 'change' },
      h('p', { class: 'change-title' }, describeEntry(entry)),
      h('div', { class: 'change-cols' },
        h('div', { class: 'change-yours' },
          h('span', { class: 'change-label' }, t('job.conflict.yours')),
          queuedThumb(entry),
          h('p', { class: 'change-text' }, t('offline.photoConflict'))))),
    async apply() {
      if (!job) return;
      await outbox.retry(entry.seq, job.version);
      await flushOutbox();
    },
    discard() { outbox.remove(entry.seq); },
  };
}

/* A queued entry's origin: taking or dropping it removes it from the outbox. */
function queuedOrigin(entry) {
  if (entry.kind === 'photo') return queuedPhotoOrigin(entry);
  const base = originFor(entry.changes);
  return {
    msgEl: base.msgEl,
    busy: base.busy ? (on) => base.busy(on) : undefined,
    describe: base.describe,
    outboxSeq: entry.seq,
    onSaved() { base.onSaved?.(); outbox.remove(entry.seq); },
    onFailed() { base.onFailed?.(); },
    discard() { base.discard?.(); outbox.remove(entry.seq); },
  };
}

async function queueOffline(changes, origin) {
  try {
    if (origin.outboxSeq !== undefined) await outbox.remove(origin.outboxSeq);
    await outbox.add({ user: knownUser() ?? '', jobId, kind: 'patch', version: job.version, changes });
  } catch {
    return false;                 /* no storage: the save fails as before */
  }
  await loadQueued();
  origin.onSaved?.();
  render();
  showMsg(origin.msgEl, t('offline.queued'), 'ok');
  return true;
}

function describeEntry(e) {
  if (e.kind === 'photo') {
    return t('offline.photo', { kind: ['before', 'after', 'damage', 'receipt'].includes(e.photoKind) ? t(`photo.kind.${e.photoKind}`) : '' });
  }
  return originFor(e.changes).describe(e.changes).querySelector('.change-title').textContent + ': ' +
    (originFor(e.changes).describe(e.changes).querySelector('.change-yours .change-text')?.textContent || '');
}

function renderQueued() {
  const list = outboxCard.querySelector('ul');
  outboxCard.hidden = !queued.length;
  releaseThumbs();
  replaceChildren(list, queued.map((e) => h('li', { class: `outbox-item is-${e.state}`, dataset: { seq: String(e.seq), kind: e.kind } },
    e.kind === 'photo' ? queuedThumb(e) : null,
    h('span', { class: 'outbox-what' }, describeEntry(e)),
    h('span', { class: 'outbox-state' }, e.state === 'failed' ? t('offline.failed', { message: e.error || '' })
      : e.state === 'conflict' ? t('offline.conflict') : t('offline.pending')),
    e.state === 'failed' ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => outbox.remove(e.seq) }, t('offline.drop')) : null)));
}

async function loadQueued() {
  try {
    /* This login's entries only: another login's wait for it, unseen. */
    const user = knownUser() ?? '';
    queued = (await outbox.forJob(jobId)).filter((e) => e.user === user);
  } catch {
    queued = [];
  }
  const c = queued.find((e) => e.state === 'conflict');
  if (c && queuedConflictSeq !== c.seq) {
    queuedConflictSeq = c.seq;
    if (c.current && typeof c.current === 'object' && (!job || Number(c.current.version) >= Number(job.version))) {
      job = c.current;
      poll.accept(job, `"${job.version}"`);
    }
    render();
    showConflict(c.changes, queuedOrigin(c));
    return;
  }
  if (!c) {
    queuedConflictSeq = null;
    /* The queued entry it showed was sent or dropped. */
    if (conflict && conflict.origin.outboxSeq !== undefined && !queued.some((e) => e.seq === conflict.origin.outboxSeq)) hideConflict();
  }
  render();
}

window.addEventListener('sdo-outbox', loadQueued);
window.addEventListener('sdo-user-changed', loadQueued);
window.addEventListener('sdo-outbox-sent', () => poll.refresh());
