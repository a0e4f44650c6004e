/*
 * Square's answers, checked field by field (type and length): bookings
 * and their pages, customers, catalog names, and Square's error lists.
 * The other half of the client, the transport, is lib/square.c; the
 * contract is square.h.  Pure: nothing here touches the network.
 * Nothing here logs the token or a customer detail.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "square.h"
#include "square_json.h"
#include "tz.h"

#define SQUARE_SEGMENT_MAX_MIN	 1500	/* minutes per segment or gap */
#define SQUARE_TEXT_MAX		 255	/* customer name parts, phone, e-mail */
#define SQUARE_ITEM_NAME_MAX	 512	/* Square's maxLength */
#define SQUARE_TIME_MAX		 64	/* an RFC 3339 string */
#define SQUARE_CODE_MAX		 64	/* an error code such as NOT_FOUND */
#define SQUARE_JSON_DEPTH	 32

const struct square_opinfo square_ops[OP__MAX] = {
	{ "ListBookings", "/v2/bookings",
	    offsetof(struct square_stats, list_calls) },	/* OP_LIST */
	{ "BulkRetrieveCustomers", "/v2/customers/bulk-retrieve",
	    offsetof(struct square_stats, customer_calls) },	/* OP_CUSTOMERS */
	{ "BatchRetrieveCatalogObjects", "/v2/catalog/batch-retrieve",
	    offsetof(struct square_stats, catalog_calls) },	/* OP_CATALOG */
};

int
square_valid_id(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return 0;
	return 1;
}

/* Whether s is an error code or status: A-Z, 0-9 and '_', 1..max bytes. */
static int
square_valid_code(const char *s, size_t len, size_t max)
{
	size_t	 i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * Parse a whole answer of len bytes through the product's one strict
 * parser (lib/json.h), with at most max_values values.  Returns the
 * owned value, or NULL.
 */
struct json_object *
square_json_parse(const char *body, size_t len, size_t max_values)
{
	struct json_object	*o;
	char			 err[128];

	if (json_body_parse(body, len, SQUARE_JSON_DEPTH, max_values, &o, err,
	    sizeof(err)) != JSON_BODY_OK)
		return NULL;
	return o;
}

/*
 * Look up key in o: a string of at most max bytes without a NUL inside.
 * Returns 1 and sets *s (borrowed from o) and *len, 0 if absent or null,
 * -1 if of another type or too long.
 */
static int
square_json_string(struct json_object *o, const char *key, size_t max,
    const char **s, size_t *len)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (*len > max || strlen(*s) != *len)
		return -1;
	return 1;
}

/*
 * Look up key in o as an id (see square_valid_id) of at most bufsz - 1
 * bytes and copy it into buf.  Returns 1, 0 if absent, null or "" (buf is
 * ""), -1 if malformed (buf is "").
 */
static int
square_json_id(struct json_object *o, const char *key, char *buf,
    size_t bufsz)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	buf[0] = '\0';
	if ((rc = square_json_string(o, key, bufsz - 1, &s, &len)) != 1)
		return rc;
	if (len == 0)
		return 0;
	if (!square_valid_id(s, len))
		return -1;
	memcpy(buf, s, len + 1);
	return 1;
}

/*
 * Look up key in o as an integer in [min, max].  Returns 1 and sets *v, 0
 * if absent or null, -1 otherwise.  json-c clamps numbers beyond int64 to
 * INT64_MIN/INT64_MAX, so callers keep max below INT64_MAX.
 */
static int
square_json_int(struct json_object *o, const char *key, int64_t min,
    int64_t max, int64_t *v)
{
	struct json_object	*j;

	if (!json_object_object_get_ex(o, key, &j) ||
	    json_object_is_type(j, json_type_null))
		return 0;
	if (!json_object_is_type(j, json_type_int))
		return -1;
	*v = json_object_get_int64(j);
	return *v < min || *v > max ? -1 : 1;
}

/*
 * Look up key in o as free text and copy at most max bytes of it into a
 * new string, cut at a UTF-8 character boundary (the tokener checked the
 * encoding).  Returns 1 with *out owned, 0 if absent, null or "" (*out
 * NULL), -1 if of another type, with a NUL inside, or out of memory.
 */
static int
square_json_text(struct json_object *o, const char *key, size_t max,
    char **out)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	*out = NULL;
	if ((rc = square_json_string(o, key, SIZE_MAX - 1, &s, &len)) != 1)
		return rc;
	if (len == 0)
		return 0;
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if ((*out = strndup(s, len)) == NULL)
		return -1;
	return 1;
}

/*
 * Find the first error code in an "errors" value (a borrowed array), or
 * NULL.  *all_not_found is set to whether every error is NOT_FOUND.
 */
const char *
square_errors_code(struct json_object *errors, int *all_not_found)
{
	struct json_object	*e;
	const char		*code, *first = NULL;
	size_t			 i, n, len;

	*all_not_found = 1;
	n = json_object_array_length(errors);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(errors, i);
		if (!json_object_is_type(e, json_type_object) ||
		    square_json_string(e, "code", SQUARE_CODE_MAX,
		    &code, &len) != 1 ||
		    !square_valid_code(code, len, SQUARE_CODE_MAX)) {
			*all_not_found = 0;
			continue;
		}
		if (first == NULL)
			first = code;
		if (strcmp(code, "NOT_FOUND") != 0)
			*all_not_found = 0;
	}
	return first;
}

/*
 * Check the "errors" of an answer object: absent, null or [] is success.
 * With not_found_ok, errors that are all NOT_FOUND are success too.
 * Returns 0, or -1 with err naming op and the first error's code.
 */
int
square_errors_check(struct json_object *root, enum square_op op,
    int not_found_ok, char *err, size_t errsz)
{
	struct json_object	*errors;
	const char		*code;
	int			 all_nf;

	if (!json_object_object_get_ex(root, "errors", &errors) ||
	    json_object_is_type(errors, json_type_null))
		return 0;
	if (!json_object_is_type(errors, json_type_array)) {
		snprintf(err, errsz, "%s: errors is not an array",
		    square_ops[op].name);
		return -1;
	}
	if (json_object_array_length(errors) == 0)
		return 0;
	code = square_errors_code(errors, &all_nf);
	if (not_found_ok && all_nf)
		return 0;
	snprintf(err, errsz, "%s: error %s", square_ops[op].name,
	    code == NULL ? "(no code)" : code);
	return -1;
}

/*
 * Check the appointment_segments of booking o into b (duration, team
 * member, variation ids).  Returns 0, or -1 with err set.
 */
static int
square_booking_segments(struct json_object *o, struct square_booking *b,
    char *err, size_t errsz)
{
	struct json_object	*a, *seg;
	char			 team[SQUARE_SMALL_ID_MAX + 1];
	int64_t			 dur, gap;
	size_t			 i, n;
	int			 total = 0;

	if (!json_object_object_get_ex(o, "appointment_segments", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) == 0) {
		snprintf(err, errsz, "appointment_segments is missing or not "
		    "a list of segments");
		return -1;
	}
	if ((n = json_object_array_length(a)) > SQUARE_MAX_SEGMENTS) {
		snprintf(err, errsz, "more than %d appointment_segments",
		    SQUARE_MAX_SEGMENTS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		seg = json_object_array_get_idx(a, i);
		dur = gap = 0;
		if (!json_object_is_type(seg, json_type_object)) {
			snprintf(err, errsz, "appointment_segments[%zu] is "
			    "not an object", i);
			return -1;
		}
		if (square_json_int(seg, "duration_minutes", 0,
		    SQUARE_SEGMENT_MAX_MIN, &dur) != 1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "duration_minutes is missing or not 0..%d", i,
			    SQUARE_SEGMENT_MAX_MIN);
			return -1;
		}
		if (square_json_int(seg, "intermission_minutes", 0,
		    SQUARE_SEGMENT_MAX_MIN, &gap) == -1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "intermission_minutes is not 0..%d", i,
			    SQUARE_SEGMENT_MAX_MIN);
			return -1;
		}
		if (square_json_id(seg, "service_variation_id",
		    b->variation_ids[i], sizeof(b->variation_ids[i])) == -1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "service_variation_id is malformed", i);
			return -1;
		}
		if (square_json_id(seg, "team_member_id",
		    i == 0 ? b->team_member_id : team,
		    sizeof(team)) != 1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "team_member_id is missing or malformed", i);
			return -1;
		}
		total += (int)dur;
		if (i + 1 < n)
			total += (int)gap;	/* only between segments */
	}
	b->nsegments = n;
	b->duration_minutes = total;
	return 0;
}

int
square_booking_parse(struct json_object *o, struct square_booking *b,
    char *err, size_t errsz)
{
	const char	*s;
	size_t		 len;

	memset(b, 0, sizeof(*b));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errsz, "booking is not an object");
		goto fail;
	}
	if (square_json_id(o, "id", b->id, sizeof(b->id)) != 1) {
		snprintf(err, errsz, "id is missing or malformed");
		goto fail;
	}
	if (square_json_int(o, "version", 0, INT64_MAX - 1,
	    &b->version) != 1) {
		snprintf(err, errsz, "version is missing or not a 64-bit "
		    "integer >= 0");
		goto fail;
	}
	if (square_json_string(o, "status", sizeof(b->status) - 1,
	    &s, &len) != 1 ||
	    !square_valid_code(s, len, sizeof(b->status) - 1)) {
		snprintf(err, errsz, "status is missing or malformed");
		goto fail;
	}
	memcpy(b->status, s, len + 1);
	if (square_json_string(o, "start_at", SQUARE_TIME_MAX,
	    &s, &len) != 1 || tz_parse_rfc3339(s, &b->start_at) == -1) {
		snprintf(err, errsz, "start_at is missing or not RFC 3339");
		goto fail;
	}
	if (square_json_id(o, "location_id", b->location_id,
	    sizeof(b->location_id)) == -1) {
		snprintf(err, errsz, "location_id is malformed");
		goto fail;
	}
	if (square_json_id(o, "customer_id", b->customer_id,
	    sizeof(b->customer_id)) == -1) {
		snprintf(err, errsz, "customer_id is malformed");
		goto fail;
	}
	if (square_booking_segments(o, b, err, errsz) == -1)
		goto fail;
	switch (square_json_string(o, "customer_note", SQUARE_NOTE_MAX,
	    &s, &len)) {
	case -1:
		snprintf(err, errsz, "customer_note is not a string of at "
		    "most %d bytes", SQUARE_NOTE_MAX);
		goto fail;
	case 1:
		if (len > 0 && (b->customer_note = strdup(s)) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		break;
	default:
		break;
	}
	return 0;
fail:
	square_booking_clear(b);
	return -1;
}

void
square_booking_clear(struct square_booking *b)
{
	if (b == NULL)
		return;
	free(b->customer_note);
	b->customer_note = NULL;
}

void
square_page_free(struct square_page *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nbookings; i++)
		square_booking_clear(&p->bookings[i]);
	free(p->bookings);
	free(p->errors);
	free(p->cursor);
	free(p);
}

/*
 * Read a ListBookings answer object, asked for at most limit bookings,
 * into a new page.  Returns 0 with *out, or -1 with err set.
 */
int
square_page_from_json(struct json_object *root, int limit,
    struct square_page **out, char *err, size_t errsz)
{
	struct square_page	*p = NULL;
	struct square_item_error *e;
	struct json_object	*list = NULL, *o;
	const char		*s;
	size_t			 i, n = 0, len;

	*out = NULL;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "ListBookings: answer is not a JSON "
		    "object");
		return -1;
	}
	if (square_errors_check(root, OP_LIST, 0, err, errsz) == -1)
		return -1;
	if (json_object_object_get_ex(root, "bookings", &list) &&
	    !json_object_is_type(list, json_type_null)) {
		if (!json_object_is_type(list, json_type_array)) {
			snprintf(err, errsz, "ListBookings: bookings is not "
			    "an array");
			return -1;
		}
		n = json_object_array_length(list);
	}
	if (n > (size_t)limit) {	/* not the page we asked for */
		snprintf(err, errsz, "ListBookings: %zu bookings on a page "
		    "of at most %d", n, limit);
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (n > 0 && ((p->bookings = calloc(n, sizeof(*p->bookings))) ==
	    NULL || (p->errors = calloc(n, sizeof(*p->errors))) == NULL))) {
		snprintf(err, errsz, "ListBookings: out of memory");
		goto fail;
	}

	switch (square_json_string(root, "cursor", SQUARE_CURSOR_MAX,
	    &s, &len)) {
	case -1:
		snprintf(err, errsz, "ListBookings: cursor is not a string "
		    "of at most %d bytes", SQUARE_CURSOR_MAX);
		goto fail;
	case 1:
		if (len > 0 && (p->cursor = strdup(s)) == NULL) {
			snprintf(err, errsz, "ListBookings: out of memory");
			goto fail;
		}
		break;
	default:
		break;		/* absent or null: the last page */
	}

	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(list, i);
		e = &p->errors[p->nerrors];
		if (square_booking_parse(o, &p->bookings[p->nbookings],
		    e->message, sizeof(e->message)) == 0) {
			p->nbookings++;
			continue;
		}
		/* The id, if the booking had a good one. */
		if (json_object_is_type(o, json_type_object))
			square_json_id(o, "id", e->booking_id,
			    sizeof(e->booking_id));
		p->nerrors++;
	}
	*out = p;
	return 0;
fail:
	square_page_free(p);
	return -1;
}

/* The values a page of limit bookings may hold. */
size_t
square_page_values(int limit)
{
	return (size_t)limit * SQUARE_VALUES_PER_ITEM + SQUARE_VALUES_SLACK;
}

int
square_page_parse(const char *body, size_t len, int limit,
    struct square_page **out, char *err, size_t errsz)
{
	struct json_object	*root;
	int			 rc;

	*out = NULL;
	if (limit < 1 || limit > SQUARE_LIMIT_MAX) {
		snprintf(err, errsz, "ListBookings: limit %d not in 1..%d",
		    limit, SQUARE_LIMIT_MAX);
		return -1;
	}
	if ((root = square_json_parse(body, len,
	    square_page_values(limit))) == NULL) {
		snprintf(err, errsz, "ListBookings: malformed JSON");
		return -1;
	}
	rc = square_page_from_json(root, limit, out, err, errsz);
	json_object_put(root);
	return rc;
}

/*
 * Fill c from a Customer object.  Returns 0, or -1 with err set (c's heap
 * fields may be set; the caller frees them).
 */
static int
square_customer_fill(struct json_object *o, struct square_customer *c,
    char *err, size_t errsz)
{
	enum { T_GIVEN, T_FAMILY, T_NICK, T_COMPANY, T__MAX };
	static const char *const keys[T__MAX] = {
		"given_name",		/* T_GIVEN */
		"family_name",		/* T_FAMILY */
		"nickname",		/* T_NICK */
		"company_name",		/* T_COMPANY */
	};
	char		*t[T__MAX] = { NULL };
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < T__MAX; i++)
		if (square_json_text(o, keys[i], SQUARE_TEXT_MAX,
		    &t[i]) == -1) {
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "customer %s is not a string", keys[i]);
			goto out;
		}
	if (square_json_text(o, "phone_number", SQUARE_TEXT_MAX,
	    &c->phone) == -1 ||
	    square_json_text(o, "email_address", SQUARE_TEXT_MAX,
	    &c->email) == -1) {
		snprintf(err, errsz, "BulkRetrieveCustomers: customer "
		    "phone_number or email_address is not a string");
		goto out;
	}

	if (t[T_GIVEN] != NULL && t[T_FAMILY] != NULL) {
		if (asprintf(&c->name, "%s %s", t[T_GIVEN],
		    t[T_FAMILY]) == -1) {
			c->name = NULL;
			snprintf(err, errsz, "BulkRetrieveCustomers: out of "
			    "memory");
			goto out;
		}
	} else
		for (i = 0; i < T__MAX && c->name == NULL; i++) {
			c->name = t[i];		/* given, family, nick, co. */
			t[i] = NULL;
		}
	rc = 0;
out:
	for (i = 0; i < T__MAX; i++)
		free(t[i]);
	return rc;
}

/*
 * Read a BulkRetrieveCustomers answer object for ids into a new array of
 * n entries.  Returns 0 with *out, or -1 with err set.
 */
int
square_customers_from_json(struct json_object *root,
    const char *const *ids, size_t n, struct square_customer **out,
    char *err, size_t errsz)
{
	struct square_customer	*cs;
	struct json_object	*map = NULL, *r, *errors, *o;
	size_t			 i;
	int			 all_nf;
	const char		*code;

	*out = NULL;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "BulkRetrieveCustomers: answer is not "
		    "a JSON object");
		return -1;
	}
	if (square_errors_check(root, OP_CUSTOMERS, 0, err, errsz) == -1)
		return -1;
	if (json_object_object_get_ex(root, "responses", &map) &&
	    !json_object_is_type(map, json_type_null) &&
	    !json_object_is_type(map, json_type_object)) {
		snprintf(err, errsz, "BulkRetrieveCustomers: responses is "
		    "not an object");
		return -1;
	}
	if ((cs = calloc(n, sizeof(*cs))) == NULL) {
		snprintf(err, errsz, "BulkRetrieveCustomers: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(cs[i].id, sizeof(cs[i].id), "%s", ids[i]);
		/* Missing from the map: as NOT_FOUND. */
		if (map == NULL || !json_object_is_type(map, json_type_object) ||
		    !json_object_object_get_ex(map, ids[i], &r) ||
		    json_object_is_type(r, json_type_null))
			continue;
		if (!json_object_is_type(r, json_type_object)) {
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "response %zu is not an object", i);
			goto fail;
		}
		if (json_object_object_get_ex(r, "errors", &errors) &&
		    json_object_is_type(errors, json_type_array) &&
		    json_object_array_length(errors) > 0) {
			code = square_errors_code(errors, &all_nf);
			if (all_nf)
				continue;
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "customer %zu: error %s", i,
			    code == NULL ? "(no code)" : code);
			goto fail;
		}
		if (!json_object_object_get_ex(r, "customer", &o) ||
		    !json_object_is_type(o, json_type_object)) {
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "response %zu has no customer", i);
			goto fail;
		}
		cs[i].found = 1;
		if (square_customer_fill(o, &cs[i], err, errsz) == -1)
			goto fail;
	}
	*out = cs;
	return 0;
fail:
	square_customers_free(cs, n);
	return -1;
}

/*
 * Check ids for a batch call: 1..max of them, each an id of at most
 * idmax bytes.  Returns 0, or -1 with err set.
 */
int
square_ids_check(enum square_op op, const char *const *ids, size_t n,
    size_t max, size_t idmax, char *err, size_t errsz)
{
	size_t	 i;

	if (ids == NULL || n == 0 || n > max) {
		snprintf(err, errsz, "%s: %zu ids (1..%zu allowed)",
		    square_ops[op].name, n, max);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (ids[i] == NULL || strlen(ids[i]) > idmax ||
		    !square_valid_id(ids[i], strlen(ids[i]))) {
			snprintf(err, errsz, "%s: id %zu is malformed",
			    square_ops[op].name, i);
			return -1;
		}
	return 0;
}

int
square_customers_parse(const char *body, size_t len, const char *const *ids,
    size_t n, struct square_customer **out, char *err, size_t errsz)
{
	struct json_object	*root;
	int			 rc;

	*out = NULL;
	if (square_ids_check(OP_CUSTOMERS, ids, n, SQUARE_CUSTOMERS_PER_CALL,
	    SQUARE_ID_MAX, err, errsz) == -1)
		return -1;
	if ((root = square_json_parse(body, len, n * SQUARE_VALUES_PER_ITEM +
	    SQUARE_VALUES_SLACK)) == NULL) {
		snprintf(err, errsz, "BulkRetrieveCustomers: malformed JSON");
		return -1;
	}
	rc = square_customers_from_json(root, ids, n, out, err, errsz);
	json_object_put(root);
	return rc;
}

void
square_customers_free(struct square_customer *cs, size_t n)
{
	size_t	 i;

	if (cs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(cs[i].name);
		free(cs[i].phone);
		free(cs[i].email);
	}
	free(cs);
}

/*
 * The catalog object of this type and id in array list (borrowed), or
 * NULL.  list may be NULL or of any type.
 */
static struct json_object *
square_catalog_find(struct json_object *list, const char *type,
    const char *id)
{
	struct json_object	*o;
	const char		*s;
	size_t			 i, n, len;

	if (!json_object_is_type(list, json_type_array))
		return NULL;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(list, i);
		if (!json_object_is_type(o, json_type_object))
			continue;
		if (square_json_string(o, "type", SQUARE_CODE_MAX,
		    &s, &len) != 1 || strcmp(s, type) != 0)
			continue;
		if (square_json_string(o, "id", SQUARE_SMALL_ID_MAX,
		    &s, &len) == 1 && strcmp(s, id) == 0)
			return o;
	}
	return NULL;
}

/*
 * The name of the ITEM that variation id vid belongs to, looked up in
 * objects and related (borrowed), or NULL.
 */
static const char *
square_catalog_name(struct json_object *objects, struct json_object *related,
    const char *vid)
{
	struct json_object	*var, *data, *item;
	char			 item_id[SQUARE_SMALL_ID_MAX + 1];
	const char		*name;
	size_t			 len;

	if ((var = square_catalog_find(objects, "ITEM_VARIATION",
	    vid)) == NULL ||
	    !json_object_object_get_ex(var, "item_variation_data", &data) ||
	    !json_object_is_type(data, json_type_object) ||
	    square_json_id(data, "item_id", item_id, sizeof(item_id)) != 1)
		return NULL;
	if ((item = square_catalog_find(related, "ITEM", item_id)) == NULL &&
	    (item = square_catalog_find(objects, "ITEM", item_id)) == NULL)
		return NULL;
	if (!json_object_object_get_ex(item, "item_data", &data) ||
	    !json_object_is_type(data, json_type_object) ||
	    square_json_string(data, "name", SQUARE_ITEM_NAME_MAX,
	    &name, &len) != 1 || len == 0)
		return NULL;
	return name;
}

/*
 * Read a BatchRetrieveCatalogObjects answer object for ids into a new
 * array (each id once, in the order of ids).  Returns 0 with *out and
 * *nout, or -1 with err set.
 */
int
square_names_from_json(struct json_object *root, const char *const *ids,
    size_t n, struct square_name **out, size_t *nout, char *err,
    size_t errsz)
{
	struct square_name	*ns;
	struct json_object	*objects = NULL, *related = NULL;
	const char		*name;
	size_t			 i, j, k = 0;

	*out = NULL;
	*nout = 0;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: answer is "
		    "not a JSON object");
		return -1;
	}
	if (square_errors_check(root, OP_CATALOG, 1, err, errsz) == -1)
		return -1;
	json_object_object_get_ex(root, "objects", &objects);
	json_object_object_get_ex(root, "related_objects", &related);
	if ((objects != NULL && !json_object_is_type(objects,
	    json_type_null) && !json_object_is_type(objects,
	    json_type_array)) || (related != NULL &&
	    !json_object_is_type(related, json_type_null) &&
	    !json_object_is_type(related, json_type_array))) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: objects "
		    "or related_objects is not an array");
		return -1;
	}
	if ((ns = calloc(n, sizeof(*ns))) == NULL) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: out of "
		    "memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				break;
		if (j < i)
			continue;	/* asked twice: answered once */
		if ((name = square_catalog_name(objects, related,
		    ids[i])) == NULL)
			continue;	/* unknown: omitted */
		if ((ns[k].name = strdup(name)) == NULL) {
			snprintf(err, errsz, "BatchRetrieveCatalogObjects: "
			    "out of memory");
			square_names_free(ns, k);
			return -1;
		}
		snprintf(ns[k].variation_id, sizeof(ns[k].variation_id),
		    "%s", ids[i]);
		k++;
	}
	*out = ns;
	*nout = k;
	return 0;
}

int
square_names_parse(const char *body, size_t len,
    const char *const *variation_ids, size_t n, struct square_name **out,
    size_t *nout, char *err, size_t errsz)
{
	struct json_object	*root;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if (square_ids_check(OP_CATALOG, variation_ids, n,
	    SQUARE_CATALOG_PER_CALL, SQUARE_SMALL_ID_MAX, err, errsz) == -1)
		return -1;
	if ((root = square_json_parse(body, len,
	    n * SQUARE_VALUES_PER_OBJECT + SQUARE_VALUES_SLACK)) == NULL) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: malformed "
		    "JSON");
		return -1;
	}
	rc = square_names_from_json(root, variation_ids, n, out, nout,
	    err, errsz);
	json_object_put(root);
	return rc;
}

void
square_names_free(struct square_name *ns, size_t n)
{
	size_t	 i;

	if (ns == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ns[i].name);
	free(ns);
}
