/*
 * webhook: POST /api/webhooks/square, Square's signed booking events.
 */
#include "api.h"

static const struct route routes[] = {
	{ HTTP_M(HTTP_POST), "/api/webhooks/square", 0,
	    R_BODY | R_ANY_QUERY, NULL, api_webhook },
};

int
main(int argc, char *argv[])
{
	return app_main("webhook", routes, sizeof(routes) / sizeof(routes[0]),
	    argc, argv);
}
