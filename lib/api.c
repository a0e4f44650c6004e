/*
 * Staff API handlers: calendar, job, runs; and the health check.
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
#include "log.h"
#include "push.h"
#include "runs.h"

#define CALENDAR_MAX_DAYS	 62

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
	if (span > CALENDAR_MAX_DAYS) {
		snprintf(err, errsz, "at most %d days at once",
		    CALENDAR_MAX_DAYS);
		return -1;
	}
	return 0;
}

void
api_calendar(struct app *app, struct http_req *req, struct http_resp *resp)
{
	static const char *const names[] = { "start", "end", NULL };
	struct tz_date	 from, to, next;
	struct calendar_stamp st;
	struct json_object *data, *jobs;
	const char	*bad, *body;
	char		 err[128], a[16], b[16], now[32];
	size_t		 len;

	if (!http_params_only(req, names, &bad)) {
		http_error(resp, 400, "bad_request",
		    "unknown query parameter; use start and end", NULL);
		return;
	}
	if (api_calendar_range(http_param(req, "start"), http_param(req,
	    "end"), time(NULL), &from, &to, err, sizeof(err)) == -1) {
		http_error(resp, 400, "bad_request", err, NULL);
		return;
	}
	/* One read of the range's day stamps decides whether it changed. */
	tz_date_add(&to, 1, &next);
	if (calendar_stamp(app->db, tz_day_start(&from), tz_day_start(&next),
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
	if ((body = calendar_cached(resp->etag, &len)) == NULL) {
		if (jobs_calendar(app->db, tz_day_start(&from),
		    tz_day_start(&next), &jobs) == -1) {
			app_db_error(app, resp);
			resp->etag[0] = '\0';
			return;
		}
		tz_format_rfc3339(time(NULL), now, sizeof(now));
		data = json_object_new_object();
		json_object_object_add(data, "start", json_object_new_string(a));
		json_object_object_add(data, "end", json_object_new_string(b));
		json_object_object_add(data, "timezone",
		    json_object_new_string(app->cfg.timezone));
		json_object_object_add(data, "pollIntervalMs",
		    json_object_new_int64(app->cfg.poll_interval_ms));
		json_object_object_add(data, "pollIntervalPushMs",
		    json_object_new_int64(app->cfg.poll_interval_push_ms));
		json_object_object_add(data, "generatedAt",
		    json_object_new_string(now));
		json_object_object_add(data, "jobs", jobs);
		http_ok(resp, 200, data);
		body = json_object_to_json_string_length(resp->json,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		if ((body = calendar_store(resp->etag, body, len)) == NULL)
			return;		/* answer from resp->json */
		json_object_put(resp->json);
		resp->json = NULL;
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
push_patched(struct app *app, const char *id, struct json_object *job)
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
	if (json_object_object_get_ex(job, "version", &v))
		e.version = json_object_get_int64(v);
	push_set_days(&e, when, 0);
	push_jobs(app->cfg.push_socket, &e, 1);
}

static void
job_patch(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_tokener	*tok;
	struct json_object	*body = NULL, *job = NULL, *v;
	char			 err[192];
	int64_t			 expected;

	if (req->headers[HDR_IF_MATCH] == NULL) {
		http_error(resp, 428, "precondition_required", "Send If-Match "
		    "with the version you edited, e.g. If-Match: \"3\".", NULL);
		return;
	}
	if (api_parse_if_match(req->headers[HDR_IF_MATCH], &expected) == -1) {
		http_error(resp, 400, "bad_request", "If-Match must be a job "
		    "version such as \"3\".", NULL);
		return;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL) {
		http_error(resp, 500, "internal_error", "out of memory", NULL);
		return;
	}
	body = json_tokener_parse_ex(tok, req->body, (int)req->bodylen);
	if (body == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != req->bodylen) {
		json_tokener_free(tok);
		json_object_put(body);
		http_error(resp, 400, "bad_request", "The body is not valid "
		    "JSON.", NULL);
		return;
	}
	json_tokener_free(tok);
	if (jobs_patch_check(body, err, sizeof(err)) == -1) {
		http_error(resp, 400, "invalid_field", err, NULL);
		goto out;
	}
	switch (jobs_patch(app->db, req->id, expected, body,
	    req->remote_user[0] ? req->remote_user : NULL, &job, err,
	    sizeof(err))) {
	case PATCH_OK:
		if (json_object_object_get_ex(job, "version", &v))
			snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"",
			    (long long)json_object_get_int64(v));
		push_patched(app, req->id, job);	/* committed */
		http_ok(resp, 200, job_with_zone(app, job));
		break;
	case PATCH_NOT_FOUND:
		http_error(resp, 404, "not_found", "No job has this id.",
		    NULL);
		break;
	case PATCH_CONFLICT:
		if (json_object_object_get_ex(job, "version", &v))
			snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"",
			    (long long)json_object_get_int64(v));
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
		http_error(resp, 400, "bad_request", "A job id is 1-64 "
		    "letters, digits, '-' or '_'.", NULL);
		return;
	}
	if (req->nparams > 0) {
		http_error(resp, 400, "bad_request", "This endpoint takes no "
		    "query parameters.", NULL);
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
	if (req->nparams > 0) {
		http_error(resp, 400, "bad_request", "This endpoint takes no "
		    "query parameters.", NULL);
		return;
	}
	data = json_object_new_object();
	json_object_object_add(data, "user", req->remote_user[0] == '\0' ?
	    NULL : json_object_new_string(req->remote_user));
	http_ok(resp, 200, data);
}

void
api_runs(struct app *app, struct http_req *req, struct http_resp *resp)
{
	static const char *const names[] = { "limit", NULL };
	struct json_object	*data, *runs;
	const char		*bad, *s;
	char			*end;
	long			 limit = 50;

	if (!http_params_only(req, names, &bad)) {
		http_error(resp, 400, "bad_request", "unknown query "
		    "parameter; use limit", NULL);
		return;
	}
	if ((s = http_param(req, "limit")) != NULL) {
		errno = 0;
		limit = strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno != 0 || limit < 1 ||
		    limit > 200) {
			http_error(resp, 400, "bad_request", "limit must be "
			    "1 to 200", NULL);
			return;
		}
	}
	if (runs_list(app->db, limit, &runs) == -1) {
		app_db_error(app, resp);
		return;
	}
	data = json_object_new_object();
	json_object_object_add(data, "pollIntervalMs",
	    json_object_new_int64(app->cfg.poll_interval_ms));
	json_object_object_add(data, "timezone",
	    json_object_new_string(app->cfg.timezone));
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
