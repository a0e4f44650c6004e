/*
 * The API handlers that need the Square client: the cron endpoint
 * (reconcile) and the webhook.  They live apart from api.c so that the
 * calendar, job and photo programs link libsafari alone, without
 * libsafari-square and libcurl (a CGI start maps no library it does not
 * use); only the reconcile and webhook programs link this file's library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "reconcile.h"
#include "webhook.h"

/* The token: "Authorization: Bearer <t>", else ?token=.  NULL if none. */
static const char *
cron_token(const struct http_req *req)
{
	const char	*h = req->headers[HDR_AUTHORIZATION];

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		return h + 7;
	return http_param(req, "token");
}

static int
parse_bool(const char *s, int *out)
{
	if (s == NULL) {
		*out = 0;
		return 0;
	}
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

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
	if (span < 1 || span > RECONCILE_MAX_WINDOW_DAYS) {
		snprintf(err, errsz, span < 1 ? "to is before from" :
		    "at most 366 days at once");
		return -1;
	}
	tz_date_add(&b, 1, &next);
	*start = tz_day_start(&a);
	*end = tz_day_start(&next);
	return 0;
}

void
api_cron(struct app *app, struct http_req *req, struct http_resp *resp)
{
	static const char *const names[] =
	    { "token", "dryRun", "from", "to", NULL };
	struct reconcile_result	 res;
	const char		*bad, *token;
	char			 err[160];
	time_t			 start, end;
	int			 dry;
	enum reconcile_status	 st;

	if (app->cfg.cron_secret == NULL) {
		http_error(resp, 503, "cron_disabled", "CRON_SECRET is not "
		    "set, so reconciliation is off.", NULL);
		return;
	}
	token = cron_token(req);
	if (token == NULL || !http_secret_equal(token, app->cfg.cron_secret)) {
		http_error(resp, 401, "unauthorized", "A valid cron token is "
		    "required.", NULL);
		return;
	}
	if (!http_params_only(req, names, &bad)) {
		http_error(resp, 400, "bad_request", "unknown query parameter; "
		    "use dryRun, from and to", NULL);
		return;
	}
	if (parse_bool(http_param(req, "dryRun"), &dry) == -1) {
		http_error(resp, 400, "bad_request", "dryRun must be true or "
		    "false", NULL);
		return;
	}
	if (api_reconcile_window(&app->cfg, http_param(req, "from"),
	    http_param(req, "to"), time(NULL), &start, &end, err,
	    sizeof(err)) == -1) {
		http_error(resp, 400, "bad_request", err, NULL);
		return;
	}
	st = reconcile_run(app->db, &app->cfg, start, end, dry,
	    http_param(req, "from") != NULL ? "backfill" : "cron", &res);
	switch (st) {
	case RECONCILE_OK:
		http_ok(resp, 200, reconcile_summary(&res));
		break;
	case RECONCILE_BUSY:
		http_error(resp, 409, "reconcile_running", res.message, NULL);
		break;
	case RECONCILE_SQUARE_DOWN:
		http_error(resp, 502, "square_unavailable", res.message,
		    reconcile_summary(&res));
		break;
	case RECONCILE_NOT_CONFIGURED:
		http_error(resp, 503, "square_not_configured", res.message,
		    NULL);
		break;
	case RECONCILE_DB_ERROR:
		app_db_error(app, resp);
		break;
	}
	reconcile_result_clear(&res);
}

void
api_webhook(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct json_object	*out = NULL;
	char			 err[192];

	if (app->cfg.webhook_signature_key == NULL ||
	    app->cfg.webhook_url == NULL) {
		http_error(resp, 503, "webhook_not_configured",
		    "SQUARE_WEBHOOK_SIGNATURE_KEY and SQUARE_WEBHOOK_URL must "
		    "be set.", NULL);
		return;
	}
	if (!webhook_signature_valid(app->cfg.webhook_signature_key,
	    app->cfg.webhook_url, req->body, req->bodylen,
	    req->headers[HDR_SQUARE_SIGNATURE])) {
		http_error(resp, 401, "bad_signature", "The signature does "
		    "not match.", NULL);
		return;
	}
	switch (webhook_process(app->db, &app->cfg, req->body, req->bodylen,
	    &out, err, sizeof(err))) {
	case WEBHOOK_PROCESSED:
	case WEBHOOK_DUPLICATE:
	case WEBHOOK_IGNORED:
		http_ok(resp, 200, out);
		break;
	case WEBHOOK_INVALID:
		http_error(resp, 400, "bad_request", err, NULL);
		break;
	case WEBHOOK_UNAVAILABLE:
		http_error(resp, 503, "database_unavailable", err, NULL);
		break;
	}
}
