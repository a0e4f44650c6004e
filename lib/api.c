/*
 * The handlers of api.h: calendar, job, me, health, runs, the cron
 * endpoint and the webhook; their contracts are in api.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "calendar.h"
#include "db.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "push.h"
#include "reconcile.h"
#include "runs.h"

#define CALENDAR_MAX_DAYS	 62
#define PATCH_DEPTH_MAX		 16	/* a PATCH body nests far less */
#define RUNS_DEFAULT_LIMIT	 50
#define RUNS_MAX_LIMIT		 200
#define CRON_TOKEN_MAX		 1024	/* bytes of a ?token= */

const struct http_pdef api_calendar_params[] = {
	[CAL_START] = { "start", HTTP_P_DATE, 0, 0, NULL },
	[CAL_END] = { "end", HTTP_P_DATE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};
const struct http_pdef api_runs_params[] = {
	[RUNS_LIMIT] = { "limit", HTTP_P_INT, 1, RUNS_MAX_LIMIT, NULL },
	{ NULL, 0, 0, 0, NULL },
};
const struct http_pdef api_cron_params[] = {
	[CRON_TOKEN] = { "token", HTTP_P_STR, 0, CRON_TOKEN_MAX, NULL },
	[CRON_DRY_RUN] = { "dryRun", HTTP_P_BOOL, 0, 0, NULL },
	[CRON_FROM] = { "from", HTTP_P_DATE, 0, 0, NULL },
	[CRON_TO] = { "to", HTTP_P_DATE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/*
 * Whether the days from..to, and the day after them (where the range
 * ends), are years of four digits that the day arithmetic may use: no
 * answer ever carries a five-digit year.  1 or 0 with err set.
 */
static int
days_fit(const struct tz_date *from, const struct tz_date *to, char *err,
    size_t errsz)
{
	struct tz_date	 next;

	tz_date_add(to, 1, &next);
	if (from->year >= TZ_YEAR_MIN && next.year <= TZ_YEAR_MAX)
		return 1;
	snprintf(err, errsz, "the days must lie between %04d-01-01 and "
	    "%04d-12-30", TZ_YEAR_MIN, TZ_YEAR_MAX);
	return 0;
}

int
api_calendar_range(const char *start, const char *end, time_t now,
    struct tz_date *from, struct tz_date *to, char *err, size_t errsz)
{
	struct tz_date	 today;
	long		 span;

	if (start != NULL && tz_parse_date(start, from) == -1) {
		snprintf(err, errsz, "start must be a real date as YYYY-MM-DD");
		return -1;
	}
	if (end != NULL && tz_parse_date(end, to) == -1) {
		snprintf(err, errsz, "end must be a real date as YYYY-MM-DD");
		return -1;
	}
	if (start == NULL && end == NULL) {
		tz_local_date(now, &today);
		tz_date_add(&today, 1 - tz_weekday(&today), from);
		tz_date_add(from, 6, to);
	} else if (end == NULL)
		tz_date_add(from, 6, to);
	else if (start == NULL)
		tz_date_add(to, -6, from);
	span = tz_date_days(to) - tz_date_days(from) + 1;
	if (span < 1) {
		snprintf(err, errsz, "end is before start");
		return -1;
	}
	if (!days_fit(from, to, err, errsz))
		return -1;
	if (span > CALENDAR_MAX_DAYS) {
		snprintf(err, errsz, "at most %d days at once",
		    CALENDAR_MAX_DAYS);
		return -1;
	}
	return 0;
}

/* The settings the pages poll by: the business's zone and the interval. */
static void
with_settings(const struct app *app, struct json_object *data)
{
	json_object_object_add(data, "timezone",
	    json_object_new_string(app->cfg.timezone));
	json_object_object_add(data, "pollIntervalMs",
	    json_object_new_int64(app->cfg.poll_interval_ms));
}

void
api_calendar(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct tz_date	 from, to, next;
	struct calendar_stamp st;
	struct json_object *data, *jobs;
	const char	*body, *dir;
	char		 err[128], a[16], b[16], now[32], name[128];
	size_t		 len;
	int		 cut;

	if (api_calendar_range(req->values[CAL_START].s,
	    req->values[CAL_END].s, time(NULL), &from, &to, err,
	    sizeof(err)) == -1) {
		http_error(resp, 400, "bad_request", err, NULL);
		return;
	}
	/*
	 * One read of the range's day stamps decides whether it changed
	 * (none while the host's change generation stands still).
	 */
	tz_date_add(&to, 1, &next);
	if (calendar_check(app->db, tz_day_start(&from), tz_day_start(&next),
	    &st) == -1) {
		app_db_error(app, resp);
		return;
	}
	tz_format_date(&from, a, sizeof(a));
	tz_format_date(&to, b, sizeof(b));
	snprintf(resp->etag, sizeof(resp->etag), "\"c%lld.%lld-%s-%s-%ld\"",
	    (long long)st.days, (long long)st.sum, a, b,
	    app->cfg.poll_interval_ms);
	if (http_etag_match(req->headers[HDR_IF_NONE_MATCH], resp->etag)) {
		resp->status = 304;
		return;
	}
	resp->status = 200;
	/*
	 * Behind nginx, which names a directory for the answers: nginx
	 * sends the answer's file itself (X-Accel-Redirect), written once
	 * per change.  Elsewhere (CGI) the program sends the bytes.
	 */
	dir = req->io != NULL && req->io->param != NULL ?
	    req->io->param(req->io->ctx, "SAFARI_CALENDAR_FILES") : NULL;
	if (!calendar_dir_ok(dir) ||
	    calendar_file_name(resp->etag, name, sizeof(name)) == -1)
		dir = NULL;
	if (dir != NULL && calendar_file_ready(dir, name) == 1) {
		snprintf(resp->accel, sizeof(resp->accel), "/_calendar/%s",
		    name);
		return;
	}
	/*
	 * Not as a file yet: made now and written as one, or, when it
	 * cannot be (the directory full of other ranges' answers for a
	 * while), kept in this process and sent from there until it can.
	 */
	if ((body = calendar_cached(resp->etag, &len)) == NULL) {
		if (jobs_calendar(app->db, tz_day_start(&from),
		    tz_day_start(&next), &jobs, &cut) == -1) {
			app_db_error(app, resp);
			resp->etag[0] = '\0';
			return;
		}
		data = json_object_new_object();
		json_object_object_add(data, "start", json_object_new_string(a));
		json_object_object_add(data, "end", json_object_new_string(b));
		with_settings(app, data);
		json_object_object_add(data, "pollIntervalPushMs",
		    json_object_new_int64(app->cfg.poll_interval_push_ms));
		tz_format_rfc3339(time(NULL), now, sizeof(now));
		json_object_object_add(data, "generatedAt",
		    json_object_new_string(now));
		json_object_object_add(data, "jobs", jobs);
		/* More jobs than JOBS_CALENDAR_MAX: the list is cut. */
		json_object_object_add(data, "truncated",
		    json_object_new_boolean(cut));
		http_ok(resp, 200, data);
		body = json_object_to_json_string_length(resp->json,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		if (dir != NULL && calendar_file_write(dir, name, body,
		    len) == 0) {
			snprintf(resp->accel, sizeof(resp->accel),
			    "/_calendar/%s", name);
			json_object_put(resp->json);
			resp->json = NULL;
			return;
		}
		if ((body = calendar_store(resp->etag, body, len)) == NULL)
			return;		/* answer from resp->json */
		json_object_put(resp->json);
		resp->json = NULL;
	} else if (dir != NULL && calendar_file_write(dir, name, body,
	    len) == 0) {
		snprintf(resp->accel, sizeof(resp->accel), "/_calendar/%s",
		    name);
		return;
	}
	/* The cached bytes go out as they are: no copy per request. */
	resp->body_ref = body;
	resp->body_reflen = len;
}

int
api_parse_if_match(const char *s, int64_t *out)
{
	char		 buf[32], *end;
	size_t		 len;
	long long	 v;

	if (s == NULL)
		return -1;
	if (strncmp(s, "W/", 2) == 0)
		s += 2;
	len = strlen(s);
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || errno != 0 || v < 0)
		return -1;
	*out = v;
	return 0;
}

int
api_if_match(const struct http_req *req, int required, int64_t *expected,
    struct http_resp *resp)
{
	*expected = -1;
	if (req->headers[HDR_IF_MATCH] == NULL) {
		if (!required)
			return 0;
		http_error(resp, 428, "precondition_required", "Send If-Match "
		    "with the version you saw, e.g. If-Match: \"3\".", NULL);
		return -1;
	}
	if (api_parse_if_match(req->headers[HDR_IF_MATCH], expected) == -1) {
		http_error(resp, 400, "bad_request", "If-Match must be a job "
		    "version such as \"3\".", NULL);
		return -1;
	}
	return 0;
}

/* The job answer gets the business's zone: the job page needs no calendar. */
static struct json_object *
job_with_zone(const struct app *app, struct json_object *job)
{
	json_object_object_add(job, "timezone",
	    json_object_new_string(app->cfg.timezone));
	return job;
}

static void
job_get(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_object	*job;
	int64_t			 version;
	int			 r;

	if ((r = jobs_load(app->db, req->id, &job, &version)) == -1) {
		app_db_error(app, resp);
		return;
	}
	if (r == 0) {
		http_error(resp, 404, "not_found", "No job has this id.",
		    NULL);
		return;
	}
	snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"",
	    (long long)version);
	if (http_etag_match(req->headers[HDR_IF_NONE_MATCH], resp->etag)) {
		json_object_put(job);
		resp->status = 304;
		return;
	}
	http_ok(resp, 200, job_with_zone(app, job));
}

/* Tell the open pages that a staff PATCH changed job id (now as job). */
static void
push_patched(struct app *app, const char *id, struct json_object *job,
    int64_t version)
{
	struct json_object	*v;
	struct push_job		 e;
	time_t			 when;

	if (app->cfg.push_socket == NULL ||
	    !json_object_object_get_ex(job, "appointmentTime", &v) ||
	    tz_parse_rfc3339(json_object_get_string(v), &when) == -1)
		return;
	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "%s", id);
	e.version = version;
	push_set_days(&e, when, 0);
	push_jobs(app->cfg.push_socket, &e, 1);
}

static void
job_patch(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_object	*body = NULL, *job = NULL;
	char			 err[192];
	int64_t			 expected, version = 0;

	if (api_if_match(req, 1, &expected, resp) == -1)
		return;
	switch (json_body_parse(req->body, req->bodylen, PATCH_DEPTH_MAX, 0,
	    &body, err, sizeof(err))) {
	case JSON_BODY_OK:
		break;
	case JSON_BODY_INVALID:
		http_error(resp, 400, "bad_request", err, NULL);
		return;
	case JSON_BODY_NOMEM:
		http_error(resp, 500, "internal_error", err, NULL);
		return;
	}
	if (jobs_patch_check(body, err, sizeof(err)) == -1) {
		http_error(resp, 400, "invalid_field", err, NULL);
		goto out;
	}
	switch (jobs_patch(app->db, req->id, expected, body,
	    req->remote_user[0] ? req->remote_user : NULL, &job, &version,
	    err, sizeof(err))) {
	case PATCH_OK:
		snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"",
		    (long long)version);
		push_patched(app, req->id, job, version);	/* committed */
		http_ok(resp, 200, job_with_zone(app, job));
		break;
	case PATCH_NOT_FOUND:
		http_error(resp, 404, "not_found", "No job has this id.",
		    NULL);
		break;
	case PATCH_CONFLICT:
		snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"",
		    (long long)version);
		http_error(resp, 409, "version_conflict", "Someone else "
		    "changed this job; here it is as it now stands.",
		    job_with_zone(app, job));
		break;
	case PATCH_INVALID:
		http_error(resp, 400, "invalid_field", err, NULL);
		break;
	case PATCH_ERROR:
		app_db_error(app, resp);
		break;
	}
out:
	json_object_put(body);
}

void
api_job(struct app *app, struct http_req *req, struct http_resp *resp)
{
	if (!http_valid_id(req->id)) {
		http_error_bad_id(resp, "job id");
		return;
	}
	resp->poll_ms = app->cfg.poll_interval_ms;
	if (req->method == HTTP_PATCH)
		job_patch(app, req, resp);
	else
		job_get(app, req, resp);
}

void
api_health(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_object	*data = json_object_new_object(), *last = NULL;

	(void)req;
	if (runs_last(app->db, &last) == -1) {
		json_object_object_add(data, "database",
		    json_object_new_string(db_down(app->db) ? "down" :
		    "error"));
		json_object_object_add(data, "lastReconcile", NULL);
		http_error(resp, 503, "database_unavailable", "The database "
		    "cannot be reached.", data);
		return;
	}
	json_object_object_add(data, "database", json_object_new_string("ok"));
	json_object_object_add(data, "lastReconcile", last);
	http_ok(resp, 200, data);
}

/* FNV-1a, 64 bits: an ETag of bytes, not a secret. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

void
api_me(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_object	*data;

	(void)app;
	data = json_object_new_object();
	json_object_object_add(data, "user", req->remote_user[0] == '\0' ?
	    NULL : json_object_new_string(req->remote_user));
	http_ok(resp, 200, data);
}

void
api_runs(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_object	*data, *runs;
	long			 limit = RUNS_DEFAULT_LIMIT;

	if (req->values[RUNS_LIMIT].s != NULL)
		limit = (long)req->values[RUNS_LIMIT].i;
	if (runs_list(app->db, limit, &runs) == -1) {
		app_db_error(app, resp);
		return;
	}
	data = json_object_new_object();
	with_settings(app, data);
	json_object_object_add(data, "runs", runs);
	/* The ETag is a hash of the answer: a poll of unchanged runs is a 304. */
	snprintf(resp->etag, sizeof(resp->etag), "\"r%016llx\"",
	    (unsigned long long)fnv1a(json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PLAIN)));
	if (http_etag_match(req->headers[HDR_IF_NONE_MATCH], resp->etag)) {
		json_object_put(data);
		resp->status = 304;
		return;
	}
	http_ok(resp, 200, data);
}

/* ---- the reconcile window (the cron endpoint's, in api_square.c) -- */

/*
 * The reconcile window: from/to (both or neither; business-local days,
 * inclusive, at most 366), else now - lookback to now + lookahead.
 */
int
api_reconcile_window(const struct config *cfg, const char *from,
    const char *to, time_t now, time_t *start, time_t *end, char *err,
    size_t errsz)
{
	struct tz_date	 a, b, next;
	long		 span;

	if ((from == NULL) != (to == NULL)) {
		snprintf(err, errsz, "give both from and to, or neither");
		return -1;
	}
	if (from == NULL) {
		*start = now - cfg->lookback_days * 86400L;
		*end = now + cfg->lookahead_days * 86400L;
		return 0;
	}
	if (tz_parse_date(from, &a) == -1 || tz_parse_date(to, &b) == -1) {
		snprintf(err, errsz, "from and to must be real dates as "
		    "YYYY-MM-DD");
		return -1;
	}
	span = tz_date_days(&b) - tz_date_days(&a) + 1;
	if (span < 1) {
		snprintf(err, errsz, "to is before from");
		return -1;
	}
	if (span > RECONCILE_MAX_WINDOW_DAYS) {
		snprintf(err, errsz, "at most %d days at once",
		    RECONCILE_MAX_WINDOW_DAYS);
		return -1;
	}
	if (!days_fit(&a, &b, err, errsz))
		return -1;
	tz_date_add(&b, 1, &next);
	*start = tz_day_start(&a);
	*end = tz_day_start(&next);
	return 0;
}
