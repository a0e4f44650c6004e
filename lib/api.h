/*
 * The HTTP handlers of the staff API, health and runs.  Each checks its
 * parsed input first (400 before any database call), then calls the
 * module that does the work, and fills resp.  The route tables of the
 * programs in cgi-bin/ point here.
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

void	 api_calendar(struct app *, struct http_req *, struct http_resp *);
void	 api_job(struct app *, struct http_req *, struct http_resp *);
void	 api_health(struct app *, struct http_req *, struct http_resp *);
void	 api_runs(struct app *, struct http_req *, struct http_resp *);
/* GET /api/me: the staff login of the request ({"user": null} without one). */
void	 api_me(struct app *, struct http_req *, struct http_resp *);
void	 api_cron(struct app *, struct http_req *, struct http_resp *);
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
 * The reconcile window from the from/to parameters (both or neither;
 * local days, inclusive, at most 366), else the configured look-back and
 * look-ahead around now.  0, or -1 with err set.  Exposed for tests.
 */
int	 api_reconcile_window(const struct config *, const char *from,
	    const char *to, time_t now, time_t *start, time_t *end, char *err,
	    size_t errsz);

#endif
