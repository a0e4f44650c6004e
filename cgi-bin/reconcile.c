/*
 * reconcile: GET|POST /api/cron/reconcile (token-checked, for the
 * scheduler) and GET /api/reconcile/runs (staff).
 */
#include "api.h"

static const struct route routes[] = {
	{ HTTP_M(HTTP_GET) | HTTP_M(HTTP_POST), "/api/cron/reconcile", 0, 0,
	    api_cron_params, api_cron },
	{ HTTP_M(HTTP_GET), "/api/reconcile/runs", 0, 0, api_runs_params,
	    api_runs },
};

int
main(int argc, char *argv[])
{
	return app_main("reconcile", routes, sizeof(routes) / sizeof(routes[0]),
	    argc, argv);
}
