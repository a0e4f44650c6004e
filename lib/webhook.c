/*
 * The Square webhook: the signature check, the strict parse of the event
 * (webhook_parse), and its processing: a retry answered at once; every
 * read (Square's names and customer included) before the transaction;
 * the transaction only marks the event and writes the job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "calendar.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "reconcile.h"
#include "square.h"
#include "webhook.h"

#define WEBHOOK_SQUARE_SECONDS	 6	/* Square waits 10 s for us */
#define WEBHOOK_JSON_DEPTH		 16	/* booking.appointment_segments
						   is at depth 6 */
#define WEBHOOK_JSON_VALUES		 4096	/* an event has about 50 */

enum webhook_sql { SQL_EVENT_SEEN, SQL_EVENT_MARK, SQL__MAX };

static const char *const sqls[SQL__MAX] = {
	/* SQL_EVENT_SEEN: a retry is answered before any other work */
	"SELECT 1 FROM webhook_events WHERE event_id = ?",
	/* SQL_EVENT_MARK: 0 rows affected means seen before */
	"INSERT IGNORE INTO webhook_events (event_id, event_type, booking_id, "
	"received_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))",
};

int
webhook_signature_valid(const char *key, const char *url, const char *body,
    size_t len, const char *header)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE], b64[4 * EVP_MAX_MD_SIZE / 3 + 4];
	unsigned int	 maclen = 0;
	size_t		 ulen, hlen;
	unsigned char	*msg;
	int		 n, ok;

	if (key == NULL || *key == '\0' || url == NULL || *url == '\0' ||
	    body == NULL || len == 0 || header == NULL)
		return 0;
	ulen = strlen(url);
	if ((msg = malloc(ulen + len)) == NULL)
		return 0;
	memcpy(msg, url, ulen);
	memcpy(msg + ulen, body, len);
	ok = HMAC(EVP_sha256(), key, (int)strlen(key), msg, ulen + len, mac,
	    &maclen) != NULL;
	free(msg);
	if (!ok)
		return 0;
	n = EVP_EncodeBlock(b64, mac, (int)maclen);
	hlen = strlen(header);
	/* The length is no secret (always 44); the bytes are compared
	 * in constant time. */
	return n > 0 && hlen == (size_t)n &&
	    CRYPTO_memcmp(b64, header, hlen) == 0;
}

/*
 * Look up key in o: a string of 1..max bytes, printable ASCII without
 * spaces (it is stored and logged).  Borrowed from o, or NULL.
 */
static const char *
str_member(struct json_object *o, const char *key, size_t max)
{
	struct json_object	*v;
	const char		*s;
	size_t			 i;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) > max)
		return NULL;
	/* Printable and without spaces: it is stored and logged.  (Not
	 * square_valid_id: a type has dots, an event id may have colons.) */
	s = json_object_get_string(v);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return NULL;
	return i > 0 ? s : NULL;
}

static struct json_object *
member(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	if (o != NULL)
		json_object_object_get_ex(o, key, &v);
	return v;
}

enum webhook_status
webhook_parse(const char *body, size_t len, struct webhook_event *ev,
    char *err, size_t errsz)
{
	struct json_object	*root = NULL, *bk;
	const char		*event_id, *type;
	char			 perr[160];
	enum webhook_status	 st = WEBHOOK_INVALID;

	memset(ev, 0, sizeof(*ev));
	if (errsz > 0)
		err[0] = '\0';
	switch (json_body_parse(body, len, WEBHOOK_JSON_DEPTH,
	    WEBHOOK_JSON_VALUES, &root, perr, sizeof(perr))) {
	case JSON_BODY_OK:
		break;
	case JSON_BODY_INVALID:
		snprintf(err, errsz, "the body is not one strict JSON object: "
		    "%s", perr);
		return WEBHOOK_INVALID;
	case JSON_BODY_NOMEM:
		snprintf(err, errsz, "out of memory");
		return WEBHOOK_UNAVAILABLE;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "the body is not a JSON object");
		goto out;
	}
	if ((event_id = str_member(root, "event_id",
	    WEBHOOK_EVENT_ID_MAX)) == NULL ||
	    (type = str_member(root, "type", WEBHOOK_TYPE_MAX)) == NULL) {
		snprintf(err, errsz, "event_id and type are required (printable, "
		    "without spaces)");
		goto out;
	}
	memcpy(ev->event_id, event_id, strlen(event_id) + 1);
	memcpy(ev->type, type, strlen(type) + 1);
	ev->is_booking = strcmp(type, "booking.created") == 0 ||
	    strcmp(type, "booking.updated") == 0;
	if (ev->is_booking) {
		/* The booking id is data.object.booking.id, not data.id;
		 * the booking is checked as a ListBookings page's are. */
		bk = member(member(member(root, "data"), "object"), "booking");
		if (bk == NULL || square_booking_parse(bk, &ev->booking, perr,
		    sizeof(perr)) == -1) {
			snprintf(err, errsz, "data.object.booking: %s",
			    bk == NULL ? "missing" : perr);
			ev->is_booking = 0;
			goto out;
		}
	}
	st = WEBHOOK_PROCESSED;
out:
	json_object_put(root);
	return st;
}

void
webhook_event_clear(struct webhook_event *ev)
{
	if (ev == NULL)
		return;
	if (ev->is_booking)
		square_booking_clear(&ev->booking);
	memset(ev, 0, sizeof(*ev));
}

/* Whether the event was processed before: 1, 0, or -1 (database). */
static int
event_seen(struct db *db, const char *event_id)
{
	struct db_arg	 args[1];
	struct db_res	*res = NULL;
	int		 seen;

	args[0] = db_arg_str(event_id);
	if (db_exec(db, sqls[SQL_EVENT_SEEN], args, 1, &res, NULL) == -1)
		return -1;
	seen = res != NULL && res->nrows > 0;
	db_res_free(res);
	return seen;
}

enum webhook_status
webhook_process(struct db *db, const struct config *cfg, const char *body,
    size_t len, struct json_object **out, char *err, size_t errsz)
{
	struct webhook_event	 ev;
	struct reconcile_ctx	 ctx;
	struct reconcile_page	 pg;
	struct square		*sq = NULL;
	struct db_arg		 args[3];
	const char		*result = "processed";
	uint64_t		 affected = 0;
	int			 have_ctx = 0, in_tx = 0, seen;
	enum webhook_status	 st;

	*out = NULL;
	memset(&pg, 0, sizeof(pg));
	if ((st = webhook_parse(body, len, &ev, err, errsz)) !=
	    WEBHOOK_PROCESSED)
		return st;
	st = WEBHOOK_UNAVAILABLE;
	if ((seen = event_seen(db, ev.event_id)) == -1)
		goto out;
	if (seen) {
		st = WEBHOOK_DUPLICATE;
		result = "duplicate";
		goto answer;
	}
	if (ev.is_booking) {
		/* Every read first, Square's included, with no transaction
		 * open: the stored job, the service name, the customer. */
		sq = reconcile_square_new(cfg, 1, time(NULL) +
		    WEBHOOK_SQUARE_SECONDS);
		if (reconcile_ctx_init(&ctx, db, cfg, sq, "webhook", 0) == -1)
			goto out;
		have_ctx = 1;
		if (reconcile_prepare(&ctx, &ev.booking, 1, &pg) == -1)
			goto out;
	}
	/* Then one short transaction: mark the event, write the job. */
	if (db_begin(db) == -1)
		goto out;
	in_tx = 1;
	args[0] = db_arg_str(ev.event_id);
	args[1] = db_arg_str(ev.type);
	args[2] = ev.is_booking ? db_arg_str(ev.booking.id) : DB_ARG_NULL;
	if (db_exec(db, sqls[SQL_EVENT_MARK], args, 3, NULL, &affected) == -1)
		goto out;
	if (affected == 0) {		/* marked meanwhile by a retry */
		st = WEBHOOK_DUPLICATE;
		result = "duplicate";
	} else if (!ev.is_booking) {
		st = WEBHOOK_IGNORED;
		result = "ignored";
	} else {
		if (reconcile_write(&ctx, &pg) == -1)
			goto out;
		st = WEBHOOK_PROCESSED;
		result = ctx.counts.created ? "created" : ctx.counts.updated ?
		    "updated" : "skipped";
	}
	in_tx = 0;
	if (db_commit(db) == -1) {
		st = WEBHOOK_UNAVAILABLE;
		goto out;
	}
	calendar_changed();	/* the touch inside moved it before the commit */
	if (have_ctx && st == WEBHOOK_PROCESSED)
		push_flush(&ctx.push, cfg->push_socket);	/* committed */
answer:
	*out = json_object_new_object();
	json_object_object_add(*out, "eventId",
	    json_object_new_string(ev.event_id));
	json_object_object_add(*out, "type", json_object_new_string(ev.type));
	json_object_object_add(*out, "result", json_object_new_string(result));
	if (ev.is_booking)
		json_object_object_add(*out, "bookingId",
		    json_object_new_string(ev.booking.id));
	if (have_ctx) {
		struct json_object	*e = NULL;

		json_object_deep_copy(ctx.errors, &e, NULL);
		json_object_object_add(*out, "errors", e);
	}
	log_info("[WEBHOOK] %s %s: %s%s%s", ev.type, ev.event_id, result,
	    ev.is_booking ? " booking " : "",
	    ev.is_booking ? ev.booking.id : "");
out:
	if (in_tx)
		db_rollback(db);
	if (st == WEBHOOK_UNAVAILABLE)
		snprintf(err, errsz, "the database cannot be reached");
	reconcile_page_clear(&pg);
	if (have_ctx)
		reconcile_ctx_free(&ctx);
	square_free(sq);
	webhook_event_clear(&ev);
	return st;
}
