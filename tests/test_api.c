/*
 * lib/api.c and lib/app.c without a database: the calendar's days, the
 * If-Match version, the reconcile window (local days of
 * America/Los_Angeles, DST included), and the dispatcher's front-line
 * checks with a route table whose handler only records that it ran.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testmain.h"
#include "api.h"

static time_t
utc(const char *s)
{
	time_t	 t = 0;

	CU_ASSERT_EQUAL_FATAL(tz_parse_rfc3339(s, &t), 0);
	return t;
}

/* The calendar's days for start/end at now, as "from..to", or "-1". */
static const char *
range(const char *start, const char *end, time_t now)
{
	static char	 out[40];
	struct tz_date	 from, to;
	char		 a[16], b[16], err[128] = "";

	if (api_calendar_range(start, end, now, &from, &to, err,
	    sizeof(err)) == -1) {
		CU_ASSERT(err[0] != '\0');
		return "-1";
	}
	tz_format_date(&from, a, sizeof(a));
	tz_format_date(&to, b, sizeof(b));
	snprintf(out, sizeof(out), "%s..%s", a, b);
	return out;
}

/* ---- the calendar's days ------------------------------------------ */

static void
test_api_calendar_default_is_local_iso_week(void)
{
	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	/* A Wednesday afternoon. */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-25T20:00:00Z")), "2026-11-23..2026-11-29");
	/* Sunday 23:59:59 PST is still last week, though UTC says Monday. */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-09T07:59:59Z")), "2026-11-02..2026-11-08");
	/* Monday 00:00 PST begins the next. */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-09T08:00:00Z")), "2026-11-09..2026-11-15");
	/* Across a new year. */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2027-01-01T12:00:00Z")), "2026-12-28..2027-01-03");
}

/* 2026-11-01 is a Sunday with 25 hours (fall back at 02:00 PDT). */
static void
test_api_calendar_default_across_fall_back(void)
{
	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	/* 01:30 PDT and 01:30 PST on the Sunday: the same week. */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-01T08:30:00Z")), "2026-10-26..2026-11-01");
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-01T09:30:00Z")), "2026-10-26..2026-11-01");
	/* The Sunday's last second is 07:59:59Z (PST, -8). */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-02T07:59:59Z")), "2026-10-26..2026-11-01");
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-11-02T08:00:00Z")), "2026-11-02..2026-11-08");
	/* Sunday midnight that begins the week before was PDT (-7). */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-10-26T06:59:59Z")), "2026-10-19..2026-10-25");
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2026-10-26T07:00:00Z")), "2026-10-26..2026-11-01");
}

/* 2027-03-14 is a Sunday with 23 hours (spring forward at 02:00 PST). */
static void
test_api_calendar_default_across_spring_forward(void)
{
	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2027-03-08T07:59:59Z")), "2027-03-01..2027-03-07");
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2027-03-08T08:00:00Z")), "2027-03-08..2027-03-14");
	/* Sunday 23:59:59 PDT; a fixed -8 offset would say 22:59 Sunday
	 * at 07:00Z and get Monday wrong. */
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2027-03-15T06:59:59Z")), "2027-03-08..2027-03-14");
	CU_ASSERT_STRING_EQUAL(range(NULL, NULL,
	    utc("2027-03-15T07:00:00Z")), "2027-03-15..2027-03-21");
}

static void
test_api_calendar_given_days(void)
{
	time_t	 now = utc("2026-11-25T20:00:00Z");

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	CU_ASSERT_STRING_EQUAL(range("2026-11-02", "2026-11-08", now),
	    "2026-11-02..2026-11-08");
	CU_ASSERT_STRING_EQUAL(range("2026-11-04", "2026-11-04", now),
	    "2026-11-04..2026-11-04");
	/* start only: seven days from it, whatever weekday it is. */
	CU_ASSERT_STRING_EQUAL(range("2026-11-04", NULL, now),
	    "2026-11-04..2026-11-10");
	CU_ASSERT_STRING_EQUAL(range("2026-12-29", NULL, now),
	    "2026-12-29..2027-01-04");
	/* end only: the seven days that end on it. */
	CU_ASSERT_STRING_EQUAL(range(NULL, "2026-11-10", now),
	    "2026-11-04..2026-11-10");
}

static void
test_api_calendar_span_limits(void)
{
	time_t	 now = utc("2026-11-25T20:00:00Z");

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	/* 62 days (Jan 31 + Feb 28 + 3) is the most. */
	CU_ASSERT_STRING_EQUAL(range("2026-01-01", "2026-03-03", now),
	    "2026-01-01..2026-03-03");
	CU_ASSERT_STRING_EQUAL(range("2026-01-01", "2026-03-04", now), "-1");
	CU_ASSERT_STRING_EQUAL(range("2026-11-08", "2026-11-07", now), "-1");
	CU_ASSERT_STRING_EQUAL(range("2027-01-01", "2026-01-01", now), "-1");
}

static void
test_api_calendar_rejects_bad_dates_and_forms(void)
{
	const char	*bad[] = { "2026-02-30", "2026-02-29", "2026-13-01",
	    "2026-11-2", "20261102", "2026/11/02", "", "today",
	    "2026-11-02 ", "2026-11-02T00:00:00Z", "-2026-11-02", NULL };
	time_t		 now = utc("2026-11-25T20:00:00Z");
	size_t		 i;

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	for (i = 0; bad[i] != NULL; i++) {
		if (strcmp(range(bad[i], "2026-11-08", now), "-1") != 0)
			CU_FAIL(bad[i]);
		if (strcmp(range("2026-11-02", bad[i], now), "-1") != 0)
			CU_FAIL(bad[i]);
		if (strcmp(range(bad[i], NULL, now), "-1") != 0)
			CU_FAIL(bad[i]);
	}
}

/*
 * Issue 7 item 20: start=9999-12-31 made a week ending in the year 10000
 * (a five-digit year in the answer).  Every day of a range, and the day
 * after it, must keep four digits.
 */
static void
test_api_calendar_refuses_five_digit_years(void)
{
	time_t	 now = utc("2026-11-25T20:00:00Z");

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	CU_ASSERT_STRING_EQUAL(range("9999-12-31", NULL, now), "-1");
	CU_ASSERT_STRING_EQUAL(range("9999-12-26", NULL, now), "-1");
	CU_ASSERT_STRING_EQUAL(range(NULL, "9999-12-31", now), "-1");
	CU_ASSERT_STRING_EQUAL(range("9999-12-24", NULL, now),
	    "9999-12-24..9999-12-30");
	/* And below: the week before 1970-01-01. */
	CU_ASSERT_STRING_EQUAL(range(NULL, "1970-01-03", now), "-1");
	CU_ASSERT_STRING_EQUAL(range("1970-01-01", NULL, now),
	    "1970-01-01..1970-01-07");
}

/* ---- If-Match ----------------------------------------------------- */

static void
test_api_parse_if_match_forms(void)
{
	int64_t	 v = 0;

	CU_ASSERT_EQUAL(api_parse_if_match("\"3\"", &v), 0);
	CU_ASSERT_EQUAL(v, 3);
	CU_ASSERT_EQUAL(api_parse_if_match("W/\"17\"", &v), 0);
	CU_ASSERT_EQUAL(v, 17);
	CU_ASSERT_EQUAL(api_parse_if_match("42", &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	/* 0 is no job's version, but well-formed: a stale edit, so 409 */
	CU_ASSERT_EQUAL(api_parse_if_match("\"0\"", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(api_parse_if_match("\"9223372036854775807\"", &v), 0);
	CU_ASSERT_EQUAL(v, INT64_MAX);
}

static void
test_api_parse_if_match_rejects_others(void)
{
	const char	*bad[] = { "", "\"\"", "abc", "\"abc\"", "-1", "\"-1\"",
	    "+3", " 3", "3 ", "\"3", "3\"", "W/", "W/3x", "*",
	    "\"3\", \"4\"", "3.0", "0x10",
	    "99999999999999999999", "\"9223372036854775808\"",
	    "123456789012345678901234567890123456789", NULL };
	int64_t		 v = 77;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		if (api_parse_if_match(bad[i], &v) != -1)
			CU_FAIL(bad[i]);
	CU_ASSERT_EQUAL(api_parse_if_match(NULL, &v), -1);
	CU_ASSERT_EQUAL(v, 77);			/* untouched on refusal */
}

/* ---- the reconcile window ----------------------------------------- */

static int
window(const char *from, const char *to, time_t now, time_t *a, time_t *b)
{
	struct config	 cfg;
	char		 err[128] = "";
	int		 r;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lookback_days = 1;
	cfg.lookahead_days = 30;
	r = api_reconcile_window(&cfg, from, to, now, a, b, err, sizeof(err));
	if (r == -1)
		CU_ASSERT(err[0] != '\0');
	return r;
}

static void
test_api_reconcile_window_default_around_now(void)
{
	struct config	 cfg;
	time_t		 now = utc("2026-11-25T20:00:00Z"), a = 0, b = 0;
	char		 err[128];

	CU_ASSERT_EQUAL(window(NULL, NULL, now, &a, &b), 0);
	CU_ASSERT_EQUAL(a, now - 86400);
	CU_ASSERT_EQUAL(b, now + 30 * 86400L);

	memset(&cfg, 0, sizeof(cfg));
	cfg.lookback_days = 0;
	cfg.lookahead_days = 366;
	CU_ASSERT_EQUAL(api_reconcile_window(&cfg, NULL, NULL, now, &a, &b,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a, now);
	CU_ASSERT_EQUAL(b, now + 366 * 86400L);
}

static void
test_api_reconcile_window_needs_both_or_neither(void)
{
	time_t	 now = utc("2026-11-25T20:00:00Z"), a, b;

	CU_ASSERT_EQUAL(window("2026-11-01", NULL, now, &a, &b), -1);
	CU_ASSERT_EQUAL(window(NULL, "2026-11-01", now, &a, &b), -1);
}

static void
test_api_reconcile_window_local_day_boundaries(void)
{
	time_t	 now = utc("2026-11-25T20:00:00Z"), a, b;

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	/* The 25-hour day: PDT midnight to PST midnight. */
	CU_ASSERT_EQUAL(window("2026-11-01", "2026-11-01", now, &a, &b), 0);
	CU_ASSERT_EQUAL(a, utc("2026-11-01T07:00:00Z"));
	CU_ASSERT_EQUAL(b, utc("2026-11-02T08:00:00Z"));
	/* The 23-hour day. */
	CU_ASSERT_EQUAL(window("2027-03-14", "2027-03-14", now, &a, &b), 0);
	CU_ASSERT_EQUAL(a, utc("2027-03-14T08:00:00Z"));
	CU_ASSERT_EQUAL(b, utc("2027-03-15T07:00:00Z"));
	/* Both ends inclusive. */
	CU_ASSERT_EQUAL(window("2026-11-02", "2026-11-08", now, &a, &b), 0);
	CU_ASSERT_EQUAL(a, utc("2026-11-02T08:00:00Z"));
	CU_ASSERT_EQUAL(b, utc("2026-11-09T08:00:00Z"));
}

static void
test_api_reconcile_window_span_limits(void)
{
	time_t	 now = utc("2026-11-25T20:00:00Z"), a, b;

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	/* 366 days: 2026 has 365, plus 2027-01-01. */
	CU_ASSERT_EQUAL(window("2026-01-01", "2027-01-01", now, &a, &b), 0);
	CU_ASSERT_EQUAL(a, utc("2026-01-01T08:00:00Z"));
	CU_ASSERT_EQUAL(b, utc("2027-01-02T08:00:00Z"));
	CU_ASSERT_EQUAL(window("2026-01-01", "2027-01-02", now, &a, &b), -1);
	CU_ASSERT_EQUAL(window("2026-11-08", "2026-11-07", now, &a, &b), -1);
	CU_ASSERT_EQUAL(window("2026-02-30", "2026-03-01", now, &a, &b), -1);
	CU_ASSERT_EQUAL(window("2026-02-01", "2026-02-30", now, &a, &b), -1);
	CU_ASSERT_EQUAL(window("", "", now, &a, &b), -1);
	CU_ASSERT_EQUAL(window("2026-1-01", "2026-01-02", now, &a, &b), -1);
	/* Issue 7 item 20: the window's end would be in the year 10000. */
	CU_ASSERT_EQUAL(window("9999-12-01", "9999-12-31", now, &a, &b), -1);
	CU_ASSERT_EQUAL(window("9999-12-01", "9999-12-30", now, &a, &b), 0);
}

/* ---- the dispatcher ----------------------------------------------- */

static int		 calls;
static const char	*seen_id;

static void
record(struct app *app, struct http_req *req, struct http_resp *resp)
{
	(void)app;
	calls++;
	seen_id = req->id;
	http_ok(resp, 200, NULL);
}

static const struct route routes[] = {
	{ HTTP_M(HTTP_GET), "/api/calendar", 0, 0, api_calendar_params,
	    record },
	{ HTTP_M(HTTP_GET) | HTTP_M(HTTP_PATCH), "/api/jobs/", 1,
	    R_BODY | R_STAFF_WRITE, NULL, record },
	{ HTTP_M(HTTP_GET) | HTTP_M(HTTP_POST), "/api/cron/reconcile", 0, 0,
	    api_cron_params, record },
	{ HTTP_M(HTTP_GET), "/api/reconcile/runs", 0, 0, api_runs_params,
	    record },
	{ HTTP_M(HTTP_POST), "/api/webhooks/square", 0, R_ANY_QUERY, NULL,
	    record },
};
#define NROUTES	 (sizeof(routes) / sizeof(routes[0]))

static struct app	 app;

static void
app_reset(void)
{
	memset(&app, 0, sizeof(app));
	app.progname = "test_api";
	app.config_ok = 1;
	app.cfg.anonymous_writes = 0;
	app.db = NULL;			/* no handler here touches it */
	calls = 0;
	seen_id = NULL;
}

static void
req_init(struct http_req *req, enum http_method m, const char *path)
{
	memset(req, 0, sizeof(*req));
	req->method = m;
	snprintf(req->path, sizeof(req->path), "%s", path);
	snprintf(req->scheme, sizeof(req->scheme), "https");
}

static void
header(struct http_req *req, enum http_header h, const char *v)
{
	free(req->headers[h]);
	req->headers[h] = v != NULL ? strdup(v) : NULL;
}

/* A PATCH as the job page sends it: signed in, JSON, same origin. */
static void
good_patch(struct http_req *req)
{
	req_init(req, HTTP_PATCH, "/api/jobs/Ab_9");
	snprintf(req->remote_user, sizeof(req->remote_user), "alice");
	header(req, HDR_CONTENT_TYPE, "application/json");
	header(req, HDR_HOST, "ops.example");
	header(req, HDR_ORIGIN, "https://ops.example");
	header(req, HDR_IF_MATCH, "\"3\"");
}

/* Dispatch; the answer's status.  allow gets the Allow header. */
static char	 allow_buf[64];
static char	 message[256];

static int
dispatch(struct http_req *req, const char **allow)
{
	struct http_resp	 resp;
	struct json_object	*e, *m;
	int			 status;

	memset(&resp, 0, sizeof(resp));
	app_dispatch(&app, routes, NROUTES, req, &resp);
	status = resp.status;
	snprintf(allow_buf, sizeof(allow_buf), "%s", resp.allow);
	if (allow != NULL)
		*allow = allow_buf;
	message[0] = '\0';
	if (json_object_object_get_ex(resp.json, "error", &e) &&
	    json_object_object_get_ex(e, "message", &m))
		snprintf(message, sizeof(message), "%s",
		    json_object_get_string(m));
	if (status != 200)
		CU_ASSERT_PTR_NOT_NULL(resp.json);	/* a JSON error */
	http_resp_clear(&resp);
	http_req_clear(req);
	return status;
}

static void
test_app_dispatch_routes_to_the_handler(void)
{
	struct http_req	 req;

	app_reset();
	req_init(&req, HTTP_GET, "/api/calendar");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 1);
	req_init(&req, HTTP_HEAD, "/api/calendar");	/* HEAD rides GET */
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 2);
	req_init(&req, HTTP_GET, "/api/jobs/Ab_9");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(seen_id);
	CU_ASSERT_STRING_EQUAL(seen_id, "Ab_9");
	/* Reading a staff route needs no login at this layer. */
	req_init(&req, HTTP_GET, "/api/jobs/x");
	header(&req, HDR_ORIGIN, "https://evil.example");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	/* A route without R_STAFF_WRITE has its own secret. */
	req_init(&req, HTTP_POST, "/api/cron/reconcile");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 5);
}

static void
test_app_dispatch_unknown_path_is_404(void)
{
	const char	*paths[] = { "/api/nope", "/api/calendarx",
	    "/api/calendar/", "/api/calendar/2026", "/api/jobs/", "/api/jobs",
	    "/", "", NULL };
	struct http_req	 req;
	size_t		 i;

	app_reset();
	for (i = 0; paths[i] != NULL; i++) {
		req_init(&req, HTTP_GET, paths[i]);
		if (dispatch(&req, NULL) != 404)
			CU_FAIL(paths[i]);
	}
	CU_ASSERT_EQUAL(calls, 0);
}

static void
test_app_dispatch_wrong_method_is_405_with_allow(void)
{
	struct http_req	 req;
	const char	*allow = NULL;

	app_reset();
	req_init(&req, HTTP_POST, "/api/calendar");
	CU_ASSERT_EQUAL(dispatch(&req, &allow), 405);
	CU_ASSERT_PTR_NOT_NULL_FATAL(allow);
	CU_ASSERT_STRING_EQUAL(allow, "GET, HEAD");
	good_patch(&req);
	req.method = HTTP_DELETE;
	CU_ASSERT_EQUAL(dispatch(&req, &allow), 405);
	CU_ASSERT_STRING_EQUAL(allow, "GET, HEAD, PATCH");
	req_init(&req, HTTP_OTHER, "/api/cron/reconcile");
	CU_ASSERT_EQUAL(dispatch(&req, &allow), 405);
	CU_ASSERT_STRING_EQUAL(allow, "GET, HEAD, POST");
	req_init(&req, HTTP_OPTIONS, "/api/jobs/x");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 405);
	CU_ASSERT_EQUAL(calls, 0);
}

static void
test_app_dispatch_patch_needs_a_user(void)
{
	struct http_req	 req;

	app_reset();
	good_patch(&req);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 1);
	good_patch(&req);
	req.remote_user[0] = '\0';
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 401);
	CU_ASSERT_EQUAL(calls, 1);
	/* Unless anonymous writes are configured (demos). */
	app.cfg.anonymous_writes = 1;
	good_patch(&req);
	req.remote_user[0] = '\0';
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 2);
}

static void
test_app_dispatch_foreign_origin_is_403(void)
{
	const char	*foreign[] = { "https://evil.example",
	    "http://ops.example", "https://ops.example.evil.example",
	    "https://ops.example:8443", "https://ops.exampl", "null",
	    "ops.example", "https:/ops.example", NULL };
	struct http_req	 req;
	size_t		 i;

	app_reset();
	for (i = 0; foreign[i] != NULL; i++) {
		good_patch(&req);
		header(&req, HDR_ORIGIN, foreign[i]);
		if (dispatch(&req, NULL) != 403)
			CU_FAIL(foreign[i]);
	}
	/* An Origin and no Host to compare it with. */
	good_patch(&req);
	header(&req, HDR_HOST, NULL);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 403);
	CU_ASSERT_EQUAL(calls, 0);
}

static void
test_app_dispatch_same_origin_passes(void)
{
	struct http_req	 req;

	app_reset();
	good_patch(&req);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	/* Over plain http, with a port. */
	good_patch(&req);
	snprintf(req.scheme, sizeof(req.scheme), "http");
	header(&req, HDR_HOST, "127.0.0.1:8080");
	header(&req, HDR_ORIGIN, "http://127.0.0.1:8080");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	/* No Origin sent (curl, older browsers). */
	good_patch(&req);
	header(&req, HDR_ORIGIN, NULL);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 3);
}

static void
test_app_dispatch_patch_needs_json(void)
{
	const char	*bad[] = { "text/plain", "application/x-www-form-urlencoded",
	    "application/jsonx", "application/json-patch+json",
	    "multipart/form-data; boundary=x", "", "json", NULL };
	const char	*ok[] = { "application/json",
	    "application/json; charset=utf-8", "application/json;charset=UTF-8",
	    "Application/JSON", NULL };
	struct http_req	 req;
	size_t		 i;

	app_reset();
	for (i = 0; bad[i] != NULL; i++) {
		good_patch(&req);
		header(&req, HDR_CONTENT_TYPE, bad[i]);
		if (dispatch(&req, NULL) != 415)
			CU_FAIL(bad[i]);
	}
	good_patch(&req);
	header(&req, HDR_CONTENT_TYPE, NULL);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 415);
	CU_ASSERT_EQUAL(calls, 0);
	for (i = 0; ok[i] != NULL; i++) {
		good_patch(&req);
		header(&req, HDR_CONTENT_TYPE, ok[i]);
		if (dispatch(&req, NULL) != 200)
			CU_FAIL(ok[i]);
	}
	CU_ASSERT_EQUAL(calls, 4);
}

static void
test_app_dispatch_misconfigured_is_503(void)
{
	struct http_req	 req;
	const char	*allow = NULL;

	app_reset();
	app.config_ok = 0;
	req_init(&req, HTTP_GET, "/api/calendar");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 503);
	good_patch(&req);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 503);
	req_init(&req, HTTP_POST, "/api/cron/reconcile");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 503);
	CU_ASSERT_EQUAL(calls, 0);
	/* Routing still answers first. */
	req_init(&req, HTTP_GET, "/api/nope");
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 404);
	req_init(&req, HTTP_POST, "/api/calendar");
	CU_ASSERT_EQUAL(dispatch(&req, &allow), 405);
	CU_ASSERT_EQUAL(calls, 0);
}

/* Parameters are checked before the handler runs; it reads them parsed. */
static int		 seen_limit;

static void
record_limit(struct app *a, struct http_req *req, struct http_resp *resp)
{
	(void)a;
	calls++;
	seen_limit = req->values[RUNS_LIMIT].s != NULL ?
	    (int)req->values[RUNS_LIMIT].i : -1;
	http_ok(resp, 200, NULL);
}

static void
test_app_dispatch_bad_parameter_is_400_before_the_handler(void)
{
	static const char *const bad[] = {	/* path, query, name */
		"/api/calendar", "week=1", "week",
		"/api/calendar", "start=2026-02-30", "start",
		"/api/reconcile/runs", "limit=%205", "limit",
		"/api/reconcile/runs", "limit=%2B5", "limit",
		"/api/reconcile/runs", "limit=201", "limit",
		"/api/cron/reconcile", "dryRun=maybe", "dryRun",
		"/api/jobs/Ab_9", "x=1", "\"x\"",
		NULL,
	};
	struct http_req	 req;
	char		 err[128];
	size_t		 i;

	app_reset();
	for (i = 0; bad[i] != NULL; i += 3) {
		req_init(&req, HTTP_GET, bad[i]);
		CU_ASSERT_EQUAL_FATAL(http_query_parse(&req, bad[i + 1], err,
		    sizeof(err)), 0);
		if (dispatch(&req, NULL) != 400 ||
		    strstr(message, bad[i + 2]) == NULL) {
			fprintf(stderr, "\n  %s?%s: %s\n", bad[i], bad[i + 1],
			    message);
			CU_FAIL("not a 400 naming the parameter");
		}
	}
	CU_ASSERT_EQUAL(calls, 0);
	/* The webhook's registered URL may carry a query of its own. */
	req_init(&req, HTTP_POST, "/api/webhooks/square");
	CU_ASSERT_EQUAL_FATAL(http_query_parse(&req, "x=1", err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(dispatch(&req, NULL), 200);
	CU_ASSERT_EQUAL(calls, 1);
}

static void
test_app_dispatch_handler_reads_parsed_values(void)
{
	static const struct route r[] = {
		{ HTTP_M(HTTP_GET), "/api/reconcile/runs", 0, 0,
		    api_runs_params, record_limit },
	};
	struct http_req		 req;
	struct http_resp	 resp;
	char			 err[128];

	app_reset();
	req_init(&req, HTTP_GET, "/api/reconcile/runs");
	CU_ASSERT_EQUAL_FATAL(http_query_parse(&req, "limit=007", err,
	    sizeof(err)), 0);
	memset(&resp, 0, sizeof(resp));
	app_dispatch(&app, r, 1, &req, &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_EQUAL(seen_limit, 7);
	http_resp_clear(&resp);
	http_req_clear(&req);
	req_init(&req, HTTP_GET, "/api/reconcile/runs");
	memset(&resp, 0, sizeof(resp));
	app_dispatch(&app, r, 1, &req, &resp);
	CU_ASSERT_EQUAL(seen_limit, -1);
	CU_ASSERT_EQUAL(calls, 2);
	http_resp_clear(&resp);
	http_req_clear(&req);
}

static CU_TestInfo tests[] = {
	{ "calendar: default is the local ISO week",
	    test_api_calendar_default_is_local_iso_week },
	{ "calendar: default week across fall back",
	    test_api_calendar_default_across_fall_back },
	{ "calendar: default week across spring forward",
	    test_api_calendar_default_across_spring_forward },
	{ "calendar: given days; start only is 7 days",
	    test_api_calendar_given_days },
	{ "calendar: 62 days ok, 63 not; end before start",
	    test_api_calendar_span_limits },
	{ "calendar: bad dates and other forms",
	    test_api_calendar_rejects_bad_dates_and_forms },
	{ "calendar: five-digit years refused",
	    test_api_calendar_refuses_five_digit_years },
	{ "If-Match: \"3\", W/\"3\", 3", test_api_parse_if_match_forms },
	{ "If-Match: others refused", test_api_parse_if_match_rejects_others },
	{ "reconcile window: default around now",
	    test_api_reconcile_window_default_around_now },
	{ "reconcile window: both or neither",
	    test_api_reconcile_window_needs_both_or_neither },
	{ "reconcile window: local day boundaries",
	    test_api_reconcile_window_local_day_boundaries },
	{ "reconcile window: 366 ok, 367 not",
	    test_api_reconcile_window_span_limits },
	{ "dispatch: routes to the handler",
	    test_app_dispatch_routes_to_the_handler },
	{ "dispatch: unknown path 404", test_app_dispatch_unknown_path_is_404 },
	{ "dispatch: wrong method 405 with Allow",
	    test_app_dispatch_wrong_method_is_405_with_allow },
	{ "dispatch: PATCH without a user 401",
	    test_app_dispatch_patch_needs_a_user },
	{ "dispatch: foreign Origin 403", test_app_dispatch_foreign_origin_is_403 },
	{ "dispatch: same Origin passes", test_app_dispatch_same_origin_passes },
	{ "dispatch: PATCH needs JSON (415)", test_app_dispatch_patch_needs_json },
	{ "dispatch: misconfigured 503", test_app_dispatch_misconfigured_is_503 },
	{ "dispatch: a bad parameter is a 400 before the handler",
	    test_app_dispatch_bad_parameter_is_400_before_the_handler },
	{ "dispatch: the handler reads parsed values",
	    test_app_dispatch_handler_reads_parsed_values },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "api", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
