/*
 * calendar: GET /api/calendar (the week's jobs), GET /api/health,
 * GET /api/me (who is signed in: the pages' offline copies belong to it)
 * and GET /_login (nginx's auth_request: is this a staff login?).
 */
#include "api.h"
#include "login.h"

static const struct route routes[] = {
	{ HTTP_M(HTTP_GET), "GET, HEAD", "/api/calendar", 0, 0, api_calendar },
	{ HTTP_M(HTTP_GET), "GET, HEAD", "/api/health", 0, 0, api_health },
	{ HTTP_M(HTTP_GET), "GET, HEAD", "/api/me", 0, 0, api_me },
	{ HTTP_M(HTTP_GET), "GET, HEAD", "/_login", 0, 0, login_answer },
};

int
main(int argc, char *argv[])
{
	return app_main("calendar", routes, sizeof(routes) / sizeof(routes[0]),
	    argc, argv);
}
