// The outbox: staff edits made while the tablet is offline, kept in
// IndexedDB in the order they were made, and sent in that order once the
// connection is back.
//
// Each entry is { seq, user, jobId, kind: 'patch'|'photo', version (the
// job's version the edit was made on), changes | { blob, type, query },
// state: 'pending'|'conflict'|'failed', current (the server's job after a
// 409), error, createdAt }. An entry leaves the outbox only when the
// server took it (2xx) or when the person drops it: nothing is lost
// silently. A 409 stops that job's entries (state 'conflict', the newer
// job kept) until the person applies it again or drops it, so nothing
// queued overwrites a newer change. When an entry is taken, the later
// entries of the same job that were made on the same version move to the
// version it produced: that change was this tablet's own.
//
// Every change to the outbox fires 'sdo-outbox' on window.

const DB_NAME = 'sdo';
const STORE = 'outbox';
export const PHOTO_BYTES_MAX = 200 * 1024 * 1024;   /* photos queued at most, in all */

let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
        store.createIndex('jobId', 'jobId');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function tx(mode, fn) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const store = t.objectStore(STORE);
    let result;
    Promise.resolve(fn(store, (v) => { result = v; })).catch(reject);
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('aborted'));
  }));
}

function reqValue(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function changed() {
  window.dispatchEvent(new CustomEvent('sdo-outbox'));
}

/* Every entry, oldest first. */
export function all() {
  return tx('readonly', async (store, set) => set(await reqValue(store.getAll())));
}

export async function forJob(jobId) {
  return (await all()).filter((e) => e.jobId === jobId);
}

export async function photoBytes() {
  return (await all()).reduce((n, e) => n + (e.kind === 'photo' && e.blob ? e.blob.size : 0), 0);
}

/* Queue an edit; resolves its seq. Rejects with code 'outbox_full' past the photo budget. */
export async function add(entry) {
  if (entry.kind === 'photo' && entry.blob && (await photoBytes()) + entry.blob.size > PHOTO_BYTES_MAX) {
    const e = new Error('outbox full');
    e.code = 'outbox_full';
    throw e;
  }
  const seq = await tx('readwrite', async (store, set) => set(await reqValue(store.add({
    state: 'pending', createdAt: new Date().toISOString(), ...entry,
  }))));
  changed();
  return seq;
}

export async function remove(seq) {
  await tx('readwrite', (store) => store.delete(seq));
  changed();
}

async function put(entry) {
  await tx('readwrite', (store) => store.put(entry));
}

/*
 * Send an entry in conflict again, now made on `version` (the newer job the
 * person has seen): it is pending again, in its place in the order.
 */
export async function retry(seq, version) {
  await tx('readwrite', async (store) => {
    const e = await reqValue(store.get(seq));
    if (!e) return;
    e.state = 'pending';
    e.version = version;
    delete e.current;
    delete e.error;
    store.put(e);
  });
  changed();
}

/* Drop everything queued (used by tests and on request). */
export async function clear() {
  await tx('readwrite', (store) => store.clear());
  changed();
}

/*
 * Send what is pending, in order, as `user` (only that login's entries:
 * the browser sends its own credentials). send(entry) does the request and
 * resolves { status, body } or rejects on a network failure. Resolves the
 * number of entries taken; stops at the first network failure.
 */
export async function replay(user, send) {
  const run = async () => {
    let taken = 0;
    const blocked = new Set();          /* jobs with an entry in conflict or failed */
    const list = await all();
    for (const e of list) {
      if (e.user !== user) continue;
      if (e.state !== 'pending') {
        blocked.add(e.jobId);
        continue;
      }
      if (blocked.has(e.jobId)) continue;
      let res;
      try {
        res = await send(e);
      } catch {
        break;                           /* still offline: try again later */
      }
      if (res.status >= 200 && res.status < 300) {
        const newVersion = res.body && res.body.data ? Number(res.body.data.version) : NaN;
        if (Number.isFinite(newVersion)) {
          for (const later of list) {
            if (later.jobId === e.jobId && later.seq > e.seq && later.state === 'pending' && later.version === e.version) {
              later.version = newVersion;
              await put(later);
            }
          }
        }
        await tx('readwrite', (store) => store.delete(e.seq));
        taken += 1;
      } else if (res.status === 409 && res.body && res.body.data && typeof res.body.data === 'object') {
        /* A newer job (version_conflict): the person chooses. A 409 without
         * one (too_many_photos) is a refusal like any other, below. */
        e.state = 'conflict';
        e.current = res.body.data;
        await put(e);
        blocked.add(e.jobId);
      } else if (res.status === 503 || res.status === 502 || res.status === 504 || res.status === 0) {
        break;                           /* the server is not there yet */
      } else {
        e.state = 'failed';
        e.error = res.body && res.body.error && typeof res.body.error.message === 'string'
          ? res.body.error.message : `HTTP ${res.status}`;
        await put(e);
        blocked.add(e.jobId);
      }
      changed();
    }
    return taken;
  };
  /* One replay at a time across the tablet's tabs. */
  if (navigator.locks && navigator.locks.request) return navigator.locks.request('sdo-outbox', run);
  return run();
}
