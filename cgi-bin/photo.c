/*
 * photo: POST and DELETE /api/jobs/{id}/photos[/{key}], in a program of
 * its own (its own workers and socket) so a slow or heavy upload never
 * holds a worker the calendar or the job page needs.  The only program
 * that links libvips (lib/media.c).
 */
#include "photos.h"

static const struct route routes[] = {
	{ HTTP_M(HTTP_POST) | HTTP_M(HTTP_DELETE), "/api/jobs/", 1,
	    R_STAFF_WRITE | R_RAW_BODY, photos_params, api_photos },
};

int
main(int argc, char *argv[])
{
	return app_main("photo", routes, sizeof(routes) / sizeof(routes[0]),
	    argc, argv);
}
