// Fetch helpers for the staff API. Same-origin: the browser adds the basic
// auth credentials itself. Everything here returns plain data; pages put
// it into the DOM with textContent only.

export const DEFAULT_TIMEOUT_MS = 10000;

/*
 * An API or transport failure. kind is 'http' (status set, code/message
 * from the error envelope when the server sent one), 'network', 'timeout'
 * or 'parse'. body is the parsed JSON body if there was one (a 409 carries
 * the current job in body.data).
 */
export class ApiError extends Error {
  constructor(kind, { status = 0, code = '', message = '', body = null } = {}) {
    super(message || kind);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.serverMessage = message;
    this.body = body;
  }
}

/* Readable one-line text for an error, in the page's language. */
export function errorText(err, t) {
  if (err instanceof ApiError) {
    if (err.kind === 'network') return t('error.network');
    if (err.kind === 'timeout') return t('error.timeout');
    if (err.kind === 'parse') return t('error.badResponse');
    if (err.serverMessage) return err.serverMessage;
    return t('error.http', { status: err.status });
  }
  return String(err && err.message ? err.message : err);
}

/*
 * One request with a timeout. Resolves { status, ok, body, etag, headers }
 * for any HTTP answer (304 has body null); rejects with ApiError for
 * network failures and timeouts, and (unless opts.allowError) for non-2xx.
 * opts.signal aborts it from outside (rejects with an AbortError).
 */
export async function request(url, opts = {}) {
  const { method = 'GET', json, headers = {}, timeoutMs = DEFAULT_TIMEOUT_MS, signal, allowError = false } = opts;
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, timeoutMs);
  const onOuterAbort = () => ctrl.abort();
  if (signal) {
    if (signal.aborted) ctrl.abort();
    else signal.addEventListener('abort', onOuterAbort, { once: true });
  }
  const init = {
    method,
    headers: { Accept: 'application/json', ...headers },
    cache: 'no-store',
    credentials: 'same-origin',
    signal: ctrl.signal,
  };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  let res;
  let text;
  try {
    res = await fetch(url, init);
    text = await res.text();        /* also for a 304: the request then completes normally */
  } catch (e) {
    if (timedOut) throw new ApiError('timeout');
    if (signal && signal.aborted) throw new DOMException('Aborted', 'AbortError');
    throw new ApiError('network', { message: e && e.message });
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onOuterAbort);
  }
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (res.ok || allowError) throw new ApiError('parse', { status: res.status });
    }
  }
  /* offlineFrom: when the service worker kept this answer (it came from the tablet, not the server), else null. */
  const out = { status: res.status, ok: res.ok || res.status === 304, body, etag: res.headers.get('ETag'), headers: res.headers, offlineFrom: res.headers.get('X-Offline-From') };
  if (!out.ok && !allowError) throw httpError(res.status, body);
  if (res.ok && (!body || typeof body !== 'object' || body.success === false)) {
    throw body && body.success === false ? httpError(res.status, body) : new ApiError('parse', { status: res.status });
  }
  return out;
}

export function httpError(status, body) {
  const e = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
  return new ApiError('http', {
    status,
    code: typeof e.code === 'string' ? e.code : '',
    message: typeof e.message === 'string' ? e.message : '',
    body,
  });
}

export function jobUrl(id) {
  return `/api/jobs/${encodeURIComponent(id)}`;
}

/*
 * PATCH the job's staff fields. Resolves the new job on 200. Rejects with
 * ApiError; on a version conflict err.status is 409 and err.body.data is
 * the current job.
 */
export async function patchJob(id, version, changes) {
  const res = await request(jobUrl(id), {
    method: 'PATCH',
    json: changes,
    headers: { 'If-Match': `"${version}"` },
  });
  return { job: res.body.data, etag: res.etag };
}
