/*
 * The HTTP handlers of every program but the photo one: the calendar,
 * one job (GET, PATCH), who is signed in, health, the reconcile runs,
 * the cron endpoint and Square's webhook.  The route tables of the
 * programs in cgi-bin/ point here, with the parameter tables below; the
 * dispatcher (app.h) has answered 404, 405, 503 (misconfigured) and 400
 * (unknown or bad query parameter) before a handler runs, and for staff
 * writes 403, 401 and 415.  A handler checks what is left of its input
 * (400 before any database or Square call), calls the module that does
 * the work and fills resp; a database that cannot be reached is 503,
 * another database error 500 (app_db_error).  All may block on the
 * database; api_cron and api_webhook on Square too.
 */
#ifndef API_H
#define API_H

#include <time.h>

#include "app.h"
#include "tz.h"

/* The query parameters of each endpoint, for its route (see app.h). */
enum { CAL_START, CAL_END };			/* api_calendar_params */
enum { RUNS_LIMIT };				/* api_runs_params */
enum { CRON_TOKEN, CRON_DRY_RUN, CRON_FROM, CRON_TO };	/* api_cron_params */
extern const struct http_pdef api_calendar_params[];
extern const struct http_pdef api_runs_params[];
extern const struct http_pdef api_cron_params[];

/*
 * GET /api/calendar?start&end: the jobs of those local days.  200 with
 * an ETag; 304 when If-None-Match matches it; 400 if the range is not
 * 1-62 days (end before start, a year the range would leave four digits
 * for); 503/500 on a database error.
 */
void	 api_calendar(struct app *, struct http_req *, struct http_resp *);
/*
 * GET /api/jobs/{id}: 200 with the job and its version as ETag, 304 on a
 * matching If-None-Match.  PATCH: 200 with the new job; 428 without
 * If-Match, 400 for a malformed one, a body that is not JSON or a field
 * that is not a staff one or has the wrong shape; 409 with the current
 * job when its version moved.  Both: 400 for a malformed id, 404 for an
 * unknown one, 503/500 on a database error.
 */
void	 api_job(struct app *, struct http_req *, struct http_resp *);
/*
 * GET /api/health (no login): 200 with the database "ok" and the last
 * run; 503 with the database "down" (or "error") when it cannot be read.
 */
void	 api_health(struct app *, struct http_req *, struct http_resp *);
/*
 * GET /api/reconcile/runs?limit (1-200, default 50): 200 with the newest
 * runs and an ETag of the answer, 304 when it matches; 503/500.
 */
void	 api_runs(struct app *, struct http_req *, struct http_resp *);
/* GET /api/me: 200 with the staff login ({"user": null} without one). */
void	 api_me(struct app *, struct http_req *, struct http_resp *);
/*
 * GET|POST /api/cron/reconcile?token&dryRun&from&to: one run.  200 with
 * its summary; 503 when CRON_SECRET is unset or empty or Square is not
 * configured; 401 for a wrong or missing token; 400 for from/to not both
 * or neither, over 366 days, or leaving four digits; 409 when another
 * run holds the lease; 502 with the summary when Square could not be
 * read at all; 503/500 on a database error.
 */
void	 api_cron(struct app *, struct http_req *, struct http_resp *);
/*
 * POST /api/webhooks/square: 200 for a processed, duplicate, older or
 * ignored event; 503 when the signature key or URL is not configured, or
 * the database is down (the event is not marked seen); 401 for a bad
 * signature; 400 for a signed body that is not a valid event.
 */
void	 api_webhook(struct app *, struct http_req *, struct http_resp *);

/*
 * The calendar's days from start/end parameters (either may be NULL):
 * both → those days; one → that day's week of 7; none → the ISO week of
 * today.  Returns 0, or -1 with a message in err.  Pure but for "today";
 * exposed for tests.
 */
int	 api_calendar_range(const char *start, const char *end, time_t now,
	    struct tz_date *from, struct tz_date *to, char *err, size_t errsz);

/* Parse an If-Match value ("3", W/"3" or 3).  0 and *out, or -1. */
int	 api_parse_if_match(const char *, int64_t *out);
/*
 * The request's If-Match as *expected (-1 when absent and not required).
 * Returns 0, or -1 having answered 428 (required and absent) or 400.
 */
int	 api_if_match(const struct http_req *, int required, int64_t *expected,
	    struct http_resp *);

/*
 * The reconcile window from the from/to parameters (both or neither;
 * local days, inclusive, at most 366), else the configured look-back and
 * look-ahead around now.  0, or -1 with err set.  Exposed for tests.
 */
int	 api_reconcile_window(const struct config *, const char *from,
	    const char *to, time_t now, time_t *start, time_t *end, char *err,
	    size_t errsz);

#endif
