/*
 * The Square webhook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "reconcile.h"
#include "square.h"
#include "webhook.h"

#define WEBHOOK_SQUARE_SECONDS	 6	/* Square waits 10 s for us */

enum webhook_sql { SQL_EVENT_MARK, SQL__MAX };

static const char *const sqls[SQL__MAX] = {
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

static const char *
str_member(struct json_object *o, const char *key, size_t max)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) > max)
		return NULL;
	/* Printable and without spaces: it is stored and logged. */
	if (!square_valid_id(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v)))
		return NULL;
	return json_object_get_string(v);
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
webhook_process(struct db *db, const struct config *cfg, const char *body,
    size_t len, struct json_object **out, char *err, size_t errsz)
{
	struct json_tokener	*tok;
	struct json_object	*root = NULL, *bk;
	struct reconcile_ctx	 ctx;
	struct square_booking	 b;
	struct square		*sq = NULL;
	struct db_arg		 args[3];
	const char		*event_id, *type, *result = "processed";
	char			 perr[160];
	uint64_t		 affected = 0;
	int			 is_booking, have_ctx = 0, have_b = 0, in_tx = 0;
	enum webhook_status	 st = WEBHOOK_INVALID;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if ((tok = json_tokener_new_ex(32)) == NULL)
		return WEBHOOK_UNAVAILABLE;
	root = json_tokener_parse_ex(tok, body, (int)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "the body is not a JSON object");
		goto out;
	}
	if ((event_id = str_member(root, "event_id", 192)) == NULL ||
	    (type = str_member(root, "type", 64)) == NULL) {
		snprintf(err, errsz, "event_id and type are required (printable, "
		    "without spaces)");
		goto out;
	}
	is_booking = strcmp(type, "booking.created") == 0 ||
	    strcmp(type, "booking.updated") == 0;
	if (is_booking) {
		/* The booking id is data.object.booking.id, not data.id. */
		bk = member(member(member(root, "data"), "object"), "booking");
		if (bk == NULL || square_booking_parse(bk, &b, perr,
		    sizeof(perr)) == -1) {
			snprintf(err, errsz, "data.object.booking: %s",
			    bk == NULL ? "missing" : perr);
			goto out;
		}
		have_b = 1;
		sq = reconcile_square_new(cfg, 1, time(NULL) +
		    WEBHOOK_SQUARE_SECONDS);
		if (reconcile_ctx_init(&ctx, db, cfg, sq, "webhook", 0) == -1) {
			st = WEBHOOK_UNAVAILABLE;
			goto out;
		}
		have_ctx = 1;
	}
	if (db_begin(db) == -1) {
		st = WEBHOOK_UNAVAILABLE;
		goto out;
	}
	in_tx = 1;
	args[0] = DB_ARG_STR(event_id);
	args[1] = DB_ARG_STR(type);
	args[2] = have_b ? DB_ARG_STR(b.id) : DB_ARG_NULL;
	if (db_exec(db, sqls[SQL_EVENT_MARK], args, 3, NULL, &affected) == -1) {
		st = WEBHOOK_UNAVAILABLE;
		goto out;
	}
	if (affected == 0) {
		st = WEBHOOK_DUPLICATE;
		result = "duplicate";
	} else if (!is_booking) {
		st = WEBHOOK_IGNORED;
		result = "ignored";
	} else {
		if (reconcile_upsert(&ctx, &b, 1) == -1) {
			st = WEBHOOK_UNAVAILABLE;
			goto out;
		}
		st = WEBHOOK_PROCESSED;
		result = ctx.counts.created ? "created" : ctx.counts.updated ?
		    "updated" : "skipped";
	}
	if (db_commit(db) == -1) {
		st = WEBHOOK_UNAVAILABLE;
		in_tx = 0;
		goto out;
	}
	in_tx = 0;
	if (have_ctx)		/* committed: now tell the open pages */
		push_flush(&ctx.push, cfg->push_socket);
	*out = json_object_new_object();
	json_object_object_add(*out, "eventId",
	    json_object_new_string(event_id));
	json_object_object_add(*out, "type", json_object_new_string(type));
	json_object_object_add(*out, "result", json_object_new_string(result));
	if (have_b)
		json_object_object_add(*out, "bookingId",
		    json_object_new_string(b.id));
	if (have_ctx) {
		struct json_object	*e = NULL;

		json_object_deep_copy(ctx.errors, &e, NULL);
		json_object_object_add(*out, "errors", e);
	}
	log_info("[WEBHOOK] %s %s: %s%s%s", type, event_id, result,
	    have_b ? " booking " : "", have_b ? b.id : "");
out:
	if (in_tx)
		db_rollback(db);
	if (st == WEBHOOK_UNAVAILABLE)
		snprintf(err, errsz, "the database cannot be reached");
	if (have_ctx)
		reconcile_ctx_free(&ctx);
	if (have_b)
		square_booking_clear(&b);
	square_free(sq);
	json_object_put(root);
	json_tokener_free(tok);
	return st;
}
