/*
 * Photos of a job: POST /api/jobs/{id}/photos?kind=…[&caption=…] with the
 * image as the body, DELETE /api/jobs/{id}/photos/{key}.  The entries
 * live in the job's photosMeta (receiptPhotos for kind=receipt) and are
 * written only here, through this module's own SQL; the files live in
 * MEDIA_DIR and go once no job refers to them.  Linked into the photo
 * program only (with media.c and libvips).  Calls block on the database
 * and the disk.
 */
#ifndef PHOTOS_H
#define PHOTOS_H

#include <stddef.h>

#include "app.h"

#define PHOTOS_MAX		100	/* a job's photos and receipts */
#define PHOTOS_CAPTION_MAX	280	/* bytes of UTF-8 */

/* The route handler: POST and DELETE under /api/jobs/{id}/photos. */
void	 api_photos(struct app *, struct http_req *, struct http_resp *);

/* The upload's query parameters, for the photo program's route. */
enum { PHOTOS_KIND, PHOTOS_CAPTION };
extern const struct http_pdef photos_params[];

/*
 * A caption: valid UTF-8, at most PHOTOS_CAPTION_MAX bytes, no control
 * characters.  1 or 0.  Pure; exposed for tests.
 */
int	 photos_valid_caption(const char *);

#endif
