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
	return req->values[CRON_TOKEN].s;
}

void
api_cron(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct reconcile_result	 res;
	const char		*token;
	char			 err[160];
	time_t			 start, end;
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
	if (api_reconcile_window(&app->cfg, req->values[CRON_FROM].s,
	    req->values[CRON_TO].s, time(NULL), &start, &end, err,
	    sizeof(err)) == -1) {
		http_error(resp, 400, "bad_request", err, NULL);
		return;
	}
	st = reconcile_run(app->db, &app->cfg, start, end,
	    (int)req->values[CRON_DRY_RUN].i, req->values[CRON_FROM].s != NULL ?
	    "backfill" : "cron", &res);
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
