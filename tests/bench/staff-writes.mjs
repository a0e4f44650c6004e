// make bench: a staff client beside the load.  Every 0.1 s it PATCHes a
// job of the week; after each 200 it reads the calendar once and checks
// the job's new version is there.  Prints "writes stale" at the end.
// Usage: node staff-writes.mjs BASE_URL AUTH_HEADER JOB_ID SECONDS
const [base, auth, id, seconds] = process.argv.slice(2);
const end = Date.now() + Number(seconds) * 1000;
const h = { authorization: auth };
let writes = 0, stale = 0, failed = 0;

async function current() {
  const r = await fetch(`${base}/api/jobs/${id}`, { headers: h });
  return (await r.json()).data.version;
}

let version = await current();
while (Date.now() < end) {
  const t0 = Date.now();
  const r = await fetch(`${base}/api/jobs/${id}`, {
    method: 'PATCH',
    headers: { ...h, 'content-type': 'application/json', 'if-match': `"${version}"` },
    body: JSON.stringify({ notes: `bench ${writes}` }),
  });
  const body = await r.json();
  if (r.status === 200) {
    writes++;
    version = body.data.version;
    const c = await fetch(`${base}/api/calendar`, { headers: h });
    const job = (await c.json()).data.jobs.find((j) => j.id === id);
    if (!job || job.version !== version) stale++;
  } else {
    failed++;
    version = await current();
  }
  await new Promise((ok) => setTimeout(ok, Math.max(0, 100 - (Date.now() - t0))));
}
console.log(`${writes} ${stale} ${failed}`);
