/*
 * calendar: GET /api/calendar (the week's jobs), GET /api/health,
 * GET /api/me (who is signed in: the pages' offline copies belong to it)
 * and GET /_login (nginx's auth_request: is this a staff login?).
 */
#include "api.h"
#include "login.h"

static const struct route routes[] = {
	{ HTTP_M(HTTP_GET), "/api/calendar", 0, 0, api_calendar_params,
	    api_calendar },
	{ HTTP_M(HTTP_GET), "/api/health", 0, 0, NULL, api_health },
	{ HTTP_M(HTTP_GET), "/api/me", 0, 0, NULL, api_me },
	{ HTTP_M(HTTP_GET), "/_login", 0, 0, NULL, login_answer },
};

int
main(int argc, char *argv[])
{
	return app_main("calendar", routes, sizeof(routes) / sizeof(routes[0]),
	    argc, argv);
}
