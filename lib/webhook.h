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

enum webhook_status {
	WEBHOOK_PROCESSED,	/* written (or an older version: skipped) */
	WEBHOOK_DUPLICATE,	/* this event_id was processed before */
	WEBHOOK_IGNORED,	/* a type we do not handle: acknowledged */
	WEBHOOK_INVALID,	/* not an event we can read: 400 */
	WEBHOOK_UNAVAILABLE	/* the database failed: 503, not marked */
};

/*
 * Process one verified event body.  Sets *out to a small owned summary
 * ({"eventId","type","result",…}) and err for WEBHOOK_INVALID.  May block
 * on the database and, briefly, on Square for names and the customer.
 */
enum webhook_status webhook_process(struct db *, const struct config *,
	    const char *body, size_t len, struct json_object **out,
	    char *err, size_t errsz);

#endif
