/*
 * Square's webhook: the signature check, and booking.created /
 * booking.updated events taken through reconciliation's upsert (with
 * createdBy "webhook"), de-duplicated by event_id.
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>

#include <json-c/json.h>

struct config;
struct db;

/*
 * Is header the base64 HMAC-SHA256, keyed with key's bytes, of url
 * followed by the raw body?  Compared in constant time.  Returns 1 or 0
 * (0 too for an empty body, key or url).  Pure.
 */
int	 webhook_signature_valid(const char *key, const char *url,
	    const char *body, size_t len, const char *header);

#include "square.h"

#define WEBHOOK_EVENT_ID_MAX	 192
#define WEBHOOK_TYPE_MAX	 64

enum webhook_status {
	WEBHOOK_PROCESSED,	/* written (or an older version: skipped) */
	WEBHOOK_DUPLICATE,	/* this event_id was processed before */
	WEBHOOK_IGNORED,	/* a type we do not handle: acknowledged */
	WEBHOOK_INVALID,	/* not an event we can read: 400 */
	WEBHOOK_UNAVAILABLE	/* the database failed (or memory): 503,
				   not marked, so Square's retry counts */
};

/* A verified event, checked. */
struct webhook_event {
	char			 event_id[WEBHOOK_EVENT_ID_MAX + 1];
	char			 type[WEBHOOK_TYPE_MAX + 1];
	int			 is_booking;	/* booking.created/.updated */
	struct square_booking	 booking;	/* when is_booking */
};

/*
 * Check a body: one strict JSON object (lib/json.h: no trailing bytes,
 * no duplicate keys such as a second event_id), event_id and type
 * printable without spaces, and for booking events data.object.booking
 * as strictly as a ListBookings page's (square_booking_parse).  Returns
 * WEBHOOK_PROCESSED with *ev filled (release with webhook_event_clear),
 * WEBHOOK_INVALID with err set, or WEBHOOK_UNAVAILABLE (out of memory,
 * err set).  Pure: for tests and fuzzing.
 */
enum webhook_status webhook_parse(const char *body, size_t len,
	    struct webhook_event *ev, char *err, size_t errsz);
void	 webhook_event_clear(struct webhook_event *);	/* NULL is fine */

/*
 * Process one verified event body.  Sets *out to a small owned summary
 * ({"eventId","type","result",…}) for the first three results, and err
 * for the other two (always written).  May block on the database and,
 * briefly and outside any transaction, on Square for names and the
 * customer.
 */
enum webhook_status webhook_process(struct db *, const struct config *,
	    const char *body, size_t len, struct json_object **out,
	    char *err, size_t errsz);

#endif
