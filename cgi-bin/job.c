/*
 * job: GET and PATCH /api/jobs/{id}, one job as staff see and edit it.
 */
#include "api.h"

static const struct route routes[] = {
	{ HTTP_M(HTTP_GET) | HTTP_M(HTTP_PATCH), "/api/jobs/", 1,
	    R_BODY | R_STAFF_WRITE, NULL, api_job },
};

int
main(int argc, char *argv[])
{
	return app_main("job", routes, sizeof(routes) / sizeof(routes[0]),
	    argc, argv);
}
