// The job page's photos: "Add photo" opens the tablet's camera with a kind
// chosen first, the upload shows its progress (XMLHttpRequest upload
// events), a failed upload keeps its picture (the Blob) for Retry, the
// thumbnails are grouped by kind, a tap opens one large, and a photo is
// deleted after a confirmation. No innerHTML: API data goes in as text
// and as attribute values only.
//
// A photo taken without a connection (the browser is offline, or the
// upload cannot reach the server) goes into the outbox (outbox.js) with
// the job's version, within the tablet's photo budget; the job page shows
// it as pending with its thumbnail, and offline.js sends it in its place
// in the order, with If-Match, once the connection is back.
import { h, replaceChildren } from '/js/dom.js';
import { request, errorText } from '/js/api.js';
import { knownUser, flushOutbox, outbox } from '/js/offline.js';

const KINDS = ['before', 'damage', 'after', 'receipt'];
const MEDIA_URL = /^\/media\/[0-9a-f]{64}\.jpg$/;

/*
 * opts: { t, jobId, getJob() -> job|null, onJob(job) (a newer job from
 *         an answer), when(iso) -> text }
 * Returns { render() }: call it whenever the job changes.
 */
export function mountPhotos(root, { t, jobId, getJob, onJob, when }) {
  const uploads = [];			/* { blob, kind, progress, error, busy } */
  const kindSelect = h('select', { id: 'photo-kind', name: 'photoKind', class: 'photo-kind' },
    KINDS.map((k) => h('option', { value: k }, t(`photo.kind.${k}`))));
  const input = h('input', {
    type: 'file', id: 'photo-input', accept: 'image/*', capture: 'environment',
    hidden: true, onchange: () => {
      const file = input.files && input.files[0];
      input.value = '';
      if (file) start({ blob: file, kind: kindSelect.value });
    },
  });
  const pending = h('ul', { class: 'photo-uploads', 'aria-live': 'polite' });
  const groups = h('div', { class: 'photo-groups' });
  const big = h('img', { class: 'photo-large', alt: '' });
  const bigCaption = h('p', { class: 'photo-large-caption' });
  const delBtn = h('button', { type: 'button', class: 'btn btn-danger' }, t('photo.delete'));
  const closeBtn = h('button', { type: 'button', class: 'btn' }, t('photo.close'));
  const viewer = h('dialog', { class: 'photo-viewer', 'aria-label': t('photo.viewer') },
    big, bigCaption, h('p', { class: 'photo-viewer-msg', 'aria-live': 'polite' }),
    h('div', { class: 'form-foot' }, delBtn, closeBtn));
  let shown = null;

  closeBtn.addEventListener('click', () => viewer.close());
  delBtn.addEventListener('click', () => shown && remove(shown));

  replaceChildren(root,
    h('div', { class: 'photo-add' },
      h('label', { for: 'photo-kind', class: 'photo-kind-label' }, t('photo.kind')), kindSelect,
      h('button', { type: 'button', class: 'btn btn-primary photo-add-btn', onclick: () => input.click() },
        t('photo.add')),
      input),
    pending, groups, viewer);

  function start(u) {
    if (!uploads.includes(u)) uploads.push(u);
    u.busy = true;
    u.error = '';
    u.progress = 0;
    renderUploads();
    if (navigator.onLine === false) {
      queue(u);
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/jobs/${encodeURIComponent(jobId)}/photos?kind=${encodeURIComponent(u.kind)}`);
    xhr.setRequestHeader('Content-Type', u.blob.type || 'image/jpeg');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) { u.progress = e.loaded / e.total; renderUploads(); }
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status === 201 && body && body.data) {
        uploads.splice(uploads.indexOf(u), 1);
        onJob(body.data);
        renderUploads();
        return;
      }
      fail(u, body && body.error && typeof body.error.message === 'string'
        ? body.error.message : t('photo.failed'));
    };
    /* No answer at all: the connection is gone; keep it for later. */
    xhr.onerror = () => queue(u);
    xhr.ontimeout = () => queue(u);
    xhr.timeout = 120000;
    xhr.send(u.blob);
  }

  /* Into the outbox, made on the version shown; sent when the connection is back. */
  async function queue(u) {
    const job = getJob();
    try {
      await outbox.add({
        user: knownUser() ?? '', jobId, kind: 'photo', version: job ? job.version : null,
        blob: u.blob, type: u.blob.type || 'image/jpeg', query: `kind=${encodeURIComponent(u.kind)}`,
        photoKind: u.kind,
      });
    } catch (err) {
      fail(u, err && err.code === 'outbox_full' ? t('offline.full') : t('photo.failed'));
      return;
    }
    uploads.splice(uploads.indexOf(u), 1);
    renderUploads();
    if (navigator.onLine !== false) flushOutbox();
  }

  function fail(u, msg) {
    u.busy = false;
    u.error = msg;
    renderUploads();
  }

  function renderUploads() {
    replaceChildren(pending, uploads.map((u) => h('li', { class: 'photo-upload' + (u.error ? ' is-error' : '') },
      h('span', null, t(`photo.kind.${u.kind}`)),
      u.busy
        ? h('progress', { max: '1', value: String(u.progress || 0), 'aria-label': t('photo.uploading') })
        : h('span', { class: 'form-msg is-error' }, u.error),
      u.busy ? null : h('button', { type: 'button', class: 'btn', onclick: () => start(u) }, t('retry')),
      u.busy ? null : h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => {
        uploads.splice(uploads.indexOf(u), 1); renderUploads();
      } }, t('photo.discard')))));
  }

  async function remove(p) {
    const job = getJob();
    const msg = viewer.querySelector('.photo-viewer-msg');
    if (!job || !window.confirm(t('photo.confirmDelete'))) return;
    try {
      const res = await request(`/api/jobs/${encodeURIComponent(jobId)}/photos/${encodeURIComponent(p.key)}`, {
        method: 'DELETE', headers: { 'If-Match': `"${job.version}"` },
      });
      viewer.close();
      onJob(res.body.data);
    } catch (err) {
      if (err.status === 409 && err.body && err.body.data) onJob(err.body.data);
      msg.textContent = errorText(err, t);
    }
  }

  function open(p) {
    shown = p;
    big.src = p.url;
    big.alt = p.caption || t(`photo.kind.${p.kind}`);
    bigCaption.textContent = [p.caption, when(p.takenAt), p.by].filter(Boolean).join(' · ');
    viewer.querySelector('.photo-viewer-msg').textContent = '';
    if (typeof viewer.showModal === 'function') viewer.showModal();
    else viewer.setAttribute('open', '');
  }

  function render() {
    const job = getJob();
    if (!job) return;
    const all = [...(Array.isArray(job.photosMeta) ? job.photosMeta : []),
      ...(Array.isArray(job.receiptPhotos) ? job.receiptPhotos : [])]
      .filter((p) => p && typeof p === 'object' && MEDIA_URL.test(p.url) && MEDIA_URL.test(p.thumbUrl));
    replaceChildren(groups, KINDS.map((k) => {
      const list = all.filter((p) => p.kind === k);
      if (!list.length) return null;
      return h('section', { class: 'photo-group', dataset: { kind: k } },
        h('h3', { class: 'photo-group-title' }, `${t(`photo.kind.${k}`)} (${list.length})`),
        h('ul', { class: 'photo-thumbs' }, list.map((p) => h('li', null,
          h('button', { type: 'button', class: 'photo-thumb', onclick: () => open(p),
            'aria-label': t('photo.open', { what: p.caption || t(`photo.kind.${k}`) }) },
          h('img', { src: p.thumbUrl, alt: p.caption || '', loading: 'lazy', width: '160', height: '160' }))))));
    }));
  }

  return { render };
}
