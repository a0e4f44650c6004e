// The demo week's staff activity: `make run` calls this once, with the
// demo Square, right after the first reconcile, so the calendar shows a
// working week (finished jobs, one in progress, vehicles, payments) and
// not only "scheduled".  It goes through the API as the staff login, as a
// person on a tablet would, and does nothing if anyone worked a job yet.
// Usage: STAFF_PASSWORD=… node scripts/demo-activity.mjs BASE_URL USER
// (the password comes from the environment: a command line is visible to
// every local user in ps).
const [base, user] = process.argv.slice(2);
const password = process.env.STAFF_PASSWORD;
if (!base || !user || !password) {
  console.error('usage: STAFF_PASSWORD=... node scripts/demo-activity.mjs BASE_URL USER');
  process.exit(2);
}
const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

async function call(method, path, body, version) {
  const headers = { authorization: auth };
  if (body) {
    headers['content-type'] = 'application/json';
    headers['if-match'] = `"${version}"`;
  }
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  const json = await res.json();
  if (!json.success) throw new Error(`${method} ${path}: ${json.error.message}`);
  return json.data;
}

const vehicles = [
  { make: 'Toyota', model: 'RAV4', year: 2021, color: 'Silver', plate: '8KJD214' },
  { make: 'Tesla', model: 'Model 3', year: 2023, color: 'White', plate: '9TES003' },
  { make: 'Ford', model: 'F-150', year: 2019, color: 'Blue', plate: '7FRD150' },
  { make: 'Honda', model: 'Civic', year: 2018, color: 'Black', plate: '6HND881' },
  { make: 'BMW', model: 'X5', year: 2022, color: 'Grey', plate: '8BMW550' },
];

const cal = await call('GET', '/api/calendar');
if (cal.jobs.some((j) => j.workStatus !== 'scheduled')) process.exit(0);
const now = Date.now();
let i = 0;
let today = 0;
for (const summary of cal.jobs) {
  if (/CANCELLED|DECLINED/.test(summary.bookingStatus)) continue;
  let job = await call('GET', `/api/jobs/${summary.id}`);
  const patch = (body) => call('PATCH', `/api/jobs/${job.id}`, body, job.version)
    .then((j) => { job = j; });
  await patch({ vehicle: vehicles[i++ % vehicles.length] });
  const start = Date.parse(job.appointmentTime);
  const end = start + job.durationMinutes * 60e3;
  if (job.bookingStatus === 'NO_SHOW') {
    await patch({ workStatus: 'no_show' });
  } else if (end < now) {
    for (const s of ['checked_in', 'in_progress', 'qc', 'completed']) await patch({ workStatus: s });
    await patch({ checklist: {
      tech: job.checklist.tech.map((t) => ({ key: t.key, done: true })),
      qc: job.checklist.qc.map((t) => ({ key: t.key, done: true })),
    } });
    await patch({ payment: { status: 'paid', method: i % 2 ? 'card' : 'square',
      amountCents: 4500 + 1500 * (i % 7), currency: 'USD' } });
  } else if (start < now + 4 * 3600e3 && today < 3) {
    const steps = [['checked_in'], ['checked_in', 'in_progress'], ['checked_in', 'in_progress', 'qc']][today++];
    for (const s of steps) await patch({ workStatus: s });
    if (steps.includes('in_progress')) {
      await patch({ checklist: { tech: job.checklist.tech.slice(0, 2).map((t) => ({ key: t.key, done: true })) } });
    }
  }
}
if (cal.jobs.length > 0) {
  const first = await call('GET', `/api/jobs/${cal.jobs[0].id}`);
  await call('PATCH', `/api/jobs/${first.id}`, { notes: 'Customer asked for extra attention on the wheels.' }, first.version);
}
