/*
 * The staff fields' shapes, pure JSON (no database, no clock): a PATCH's
 * checks and merges, and a new job's checklist from its template.
 * lib/jobs.c's field table names, for each field a PATCH may send, its
 * check (patch_check_*) and its merge (patch_merge_*); jobs.c walks the
 * table, this file knows the shapes (SPEC, "PATCH").
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "patch.h"

/*
 * The bounds of the shapes.  Each appears in its check and in the
 * message that names it (STR makes the message's text of the number).
 */
#define SHORT_MAX		 64	/* vehicle members, checklist keys */
#define DESCRIPTION_MAX		 2000	/* an issue's description, bytes */
#define NOTES_MAX		 8192	/* notes, bytes */
#define CHECKLIST_ITEMS_MAX	 100	/* items of one list in a PATCH */
#define YEAR_MIN		 1900	/* a vehicle's year */
#define YEAR_MAX		 2100
#define AMOUNT_MAX		 100000000	/* cents */
#define ENUM_MAX		 16	/* the bytes of a status or method */
#define STR_(x)			 #x
#define STR(x)			 STR_(x)
#define SHORT_TEXT		 "a string of at most " STR(SHORT_MAX) " bytes"

static const char *const work_statuses[] = {
	"scheduled", "checked_in", "in_progress", "qc", "completed",
	"no_show", NULL
};

/* ---- helpers ------------------------------------------------------ */

int
patch_is_type(struct json_object *o, json_type t)
{
	return json_object_get_type(o) == t;
}

/* A string of at most max bytes (or null when nullable). */
static int
check_string(struct json_object *v, size_t max, int nullable)
{
	if (v == NULL)
		return nullable;
	return patch_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) <= max;
}

/*
 * Check an object's members against names/checks: unknown members are
 * errors.  checks[i] returns 1 for a good value.
 */
struct member {
	const char	*name;
	int		 (*ok)(struct json_object *);
	const char	*expect;	/* for the message */
};

static int
check_members(const char *what, struct json_object *o,
    const struct member *m, char *err, size_t errsz)
{
	char	 name[41];		/* the unknown key, for the message */
	size_t	 i;

	json_object_object_foreach(o, key, val) {
		for (i = 0; m[i].name != NULL; i++)
			if (strcmp(m[i].name, key) == 0)
				break;
		if (m[i].name == NULL) {
			snprintf(err, errsz, "%s: \"%s\" cannot be set",
			    what, json_excerpt(name, sizeof(name), key));
			return -1;
		}
		if (!m[i].ok(val)) {
			snprintf(err, errsz, "%s.%s must be %s", what, key,
			    m[i].expect);
			return -1;
		}
	}
	return 0;
}

static int
ok_short_or_null(struct json_object *v)
{
	return check_string(v, SHORT_MAX, 1);
}

static int
ok_year(struct json_object *v)
{
	int64_t	 y;

	if (v == NULL)
		return 1;
	if (!patch_is_type(v, json_type_int))
		return 0;
	y = json_object_get_int64(v);
	return y >= YEAR_MIN && y <= YEAR_MAX;
}

static int
ok_bool(struct json_object *v)
{
	return patch_is_type(v, json_type_boolean);
}

static int
ok_description(struct json_object *v)
{
	return check_string(v, DESCRIPTION_MAX, 0);
}

static int
ok_pay_status(struct json_object *v)
{
	static const char *const s[] =
	    { "unpaid", "paid", "refunded", "comped", NULL };

	return check_string(v, ENUM_MAX, 0) &&
	    http_in_list(json_object_get_string(v), s) != -1;
}

static int
ok_pay_method(struct json_object *v)
{
	static const char *const s[] =
	    { "cash", "card", "square", "other", NULL };

	if (v == NULL)
		return 1;
	return check_string(v, ENUM_MAX, 0) &&
	    http_in_list(json_object_get_string(v), s) != -1;
}

static int
ok_amount(struct json_object *v)
{
	int64_t	 n;

	if (!patch_is_type(v, json_type_int))
		return 0;
	n = json_object_get_int64(v);
	return n >= 0 && n <= AMOUNT_MAX;
}

static int
ok_currency(struct json_object *v)
{
	const char	*s;

	if (!check_string(v, 3, 0) || json_object_get_string_len(v) != 3)
		return 0;
	s = json_object_get_string(v);
	return isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	    isupper((unsigned char)s[2]);
}

static int
ok_checklist_key(struct json_object *v)
{
	return check_string(v, SHORT_MAX, 0) &&
	    json_object_get_string_len(v) > 0;
}

int
patch_check_work_status(struct json_object *v, char *err, size_t errsz)
{
	if (!check_string(v, ENUM_MAX, 0) ||
	    http_in_list(json_object_get_string(v), work_statuses) == -1) {
		snprintf(err, errsz, "workStatus must be one of scheduled, "
		    "checked_in, in_progress, qc, completed, no_show");
		return -1;
	}
	return 0;
}

int
patch_check_checklist(struct json_object *v, char *err, size_t errsz)
{
	static const struct member item[] = {
		{ "key", ok_checklist_key, "a string of 1-" STR(SHORT_MAX)
		    " characters" },
		{ "done", ok_bool, "true or false" },
		{ NULL, NULL, NULL },
	};
	struct json_object *list, *it, *key;
	size_t		 i, n;

	if (!patch_is_type(v, json_type_object)) {
		snprintf(err, errsz, "checklist must be an object with tech "
		    "and/or qc lists");
		return -1;
	}
	json_object_object_foreach(v, name, val) {
		if (strcmp(name, "tech") != 0 && strcmp(name, "qc") != 0) {
			snprintf(err, errsz, "checklist has only tech and qc");
			return -1;
		}
		list = val;
		if (!patch_is_type(list, json_type_array) ||
		    (n = json_object_array_length(list)) >
		    CHECKLIST_ITEMS_MAX) {
			snprintf(err, errsz, "checklist.%s must be a list of "
			    "at most %d items", name, CHECKLIST_ITEMS_MAX);
			return -1;
		}
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(list, i);
			if (!patch_is_type(it, json_type_object) ||
			    !json_object_object_get_ex(it, "key", &key)) {
				snprintf(err, errsz, "checklist.%s items are "
				    "{\"key\":…,\"done\":…}", name);
				return -1;
			}
			if (check_members("checklist item", it, item, err,
			    errsz) == -1)
				return -1;
		}
	}
	return 0;
}

int
patch_check_issue(struct json_object *v, char *err, size_t errsz)
{
	static const struct member m[] = {
		{ "description", ok_description, "a string of at most "
		    STR(DESCRIPTION_MAX) " bytes" },
		{ "resolved", ok_bool, "true or false" },
		{ NULL, NULL, NULL },
	};

	if (v == NULL)
		return 0;
	if (!patch_is_type(v, json_type_object)) {
		snprintf(err, errsz, "postCompletionIssue must be an object "
		    "or null");
		return -1;
	}
	return check_members("postCompletionIssue", v, m, err, errsz);
}

int
patch_check_payment(struct json_object *v, char *err, size_t errsz)
{
	static const struct member m[] = {
		{ "status", ok_pay_status, "unpaid, paid, refunded or comped" },
		{ "method", ok_pay_method, "cash, card, square, other or null" },
		{ "amountCents", ok_amount, "a whole number of cents" },
		{ "currency", ok_currency, "a three-letter code such as USD" },
		{ NULL, NULL, NULL },
	};

	if (v == NULL)
		return 0;
	if (!patch_is_type(v, json_type_object)) {
		snprintf(err, errsz, "payment must be an object or null");
		return -1;
	}
	return check_members("payment", v, m, err, errsz);
}

int
patch_check_vehicle(struct json_object *v, char *err, size_t errsz)
{
	static const struct member m[] = {
		{ "make", ok_short_or_null, SHORT_TEXT },
		{ "model", ok_short_or_null, SHORT_TEXT },
		{ "year", ok_year, "a year from " STR(YEAR_MIN) " to "
		    STR(YEAR_MAX) ", or null" },
		{ "color", ok_short_or_null, SHORT_TEXT },
		{ "plate", ok_short_or_null, SHORT_TEXT },
		{ NULL, NULL, NULL },
	};

	if (!patch_is_type(v, json_type_object)) {
		snprintf(err, errsz, "vehicle must be an object");
		return -1;
	}
	return check_members("vehicle", v, m, err, errsz);
}

int
patch_check_notes(struct json_object *v, char *err, size_t errsz)
{
	if (!check_string(v, NOTES_MAX, 0)) {
		snprintf(err, errsz, "notes must be a string of at most %d "
		    "bytes", NOTES_MAX);
		return -1;
	}
	return 0;
}

/* ---- merges ------------------------------------------------------- */

struct json_object *
patch_member(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	if (o != NULL)
		json_object_object_get_ex(o, key, &v);
	return v;
}

static struct json_object *
json_user(const char *user)
{
	return user != NULL && *user != '\0' ?
	    json_object_new_string(user) : NULL;
}

void
patch_set_copy(struct json_object *o, const char *key, struct json_object *v)
{
	struct json_object	*c = NULL;

	if (v != NULL)
		json_object_deep_copy(v, &c, NULL);
	json_object_object_add(o, key, c);
}

/*
 * Keep the last PATCH_HISTORY_MAX entries of the history hist (member
 * key of cur) and, before them, one marker that counts the entries
 * dropped so far: {"from":null,"to":null,"at":<the newest dropped
 * entry's>,"by":null,"dropped":n}.  A job's row stays bounded however
 * often its status flips.
 */
static void
history_bound(struct json_object *cur, const char *key,
    struct json_object *hist)
{
	struct json_object	*first, *v, *out, *m;
	size_t			 len = json_object_array_length(hist), i;
	size_t			 nmark = 0, start;
	int64_t			 dropped = 0;

	first = json_object_array_get_idx(hist, 0);
	if (first != NULL && (v = patch_member(first, "dropped")) != NULL) {
		nmark = 1;
		dropped = json_object_get_int64(v);
	}
	if (len - nmark <= PATCH_HISTORY_MAX)
		return;
	start = len - PATCH_HISTORY_MAX;	/* the first entry kept */
	dropped += (int64_t)(start - nmark);
	m = json_object_new_object();
	json_object_object_add(m, "from", NULL);
	json_object_object_add(m, "to", NULL);
	patch_set_copy(m, "at", patch_member(json_object_array_get_idx(hist,
	    start - 1), "at"));
	json_object_object_add(m, "by", NULL);
	json_object_object_add(m, "dropped", json_object_new_int64(dropped));
	out = json_object_new_array_ext(PATCH_HISTORY_MAX + 1);
	json_object_array_add(out, m);
	for (i = start; i < len; i++)
		json_object_array_add(out,
		    json_object_get(json_object_array_get_idx(hist, i)));
	json_object_object_add(cur, key, out);	/* puts hist */
}

int
patch_merge_work_status(struct json_object *cur, const char *key,
    struct json_object *v, const struct patch_ctx *ctx, char *err,
    size_t errsz)
{
	struct json_object	*hist, *e, *old = patch_member(cur, key);

	if (old != NULL && strcmp(json_object_get_string(old),
	    json_object_get_string(v)) == 0)
		return 0;
	if ((hist = patch_member(cur, "statusHistory")) == NULL ||
	    !patch_is_type(hist, json_type_array)) {
		hist = json_object_new_array();
		json_object_object_add(cur, "statusHistory", hist);
	}
	e = json_object_new_object();
	patch_set_copy(e, "from", old);
	patch_set_copy(e, "to", v);
	json_object_object_add(e, "at", json_object_new_string(ctx->now));
	json_object_object_add(e, "by", json_user(ctx->user));
	json_object_array_add(hist, e);
	history_bound(cur, "statusHistory", hist);
	patch_set_copy(cur, key, v);
	(void)err;
	(void)errsz;
	return 1;
}

int
patch_merge_checklist(struct json_object *cur, const char *field,
    struct json_object *v, const struct patch_ctx *ctx, char *err,
    size_t errsz)
{
	struct json_object	*cl = patch_member(cur, field), *list, *it, *mine;
	const char		*key;
	size_t			 i, j, n, m;
	int			 done, changed = 0;

	json_object_object_foreach(v, name, items) {
		list = patch_member(cl, name);
		n = json_object_array_length(items);
		m = list != NULL && patch_is_type(list, json_type_array) ?
		    json_object_array_length(list) : 0;
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(items, i);
			key = json_object_get_string(patch_member(it, "key"));
			for (j = 0, mine = NULL; j < m && mine == NULL; j++) {
				const char *k;

				mine = json_object_array_get_idx(list, j);
				k = json_object_get_string(patch_member(mine, "key"));
				if (k == NULL || strcmp(k, key) != 0)
					mine = NULL;
			}
			if (mine == NULL) {
				char	 shown[65];	/* the key (at most 64) */

				snprintf(err, errsz, "this job's %s checklist "
				    "has no item \"%s\"", name,
				    json_excerpt(shown, sizeof(shown), key));
				return -1;
			}
			if (patch_member(it, "done") == NULL)
				continue;
			done = json_object_get_boolean(patch_member(it, "done"));
			if (json_object_get_boolean(patch_member(mine, "done")) == done)
				continue;
			json_object_object_add(mine, "done",
			    json_object_new_boolean(done));
			json_object_object_add(mine, "doneBy",
			    done ? json_user(ctx->user) : NULL);
			json_object_object_add(mine, "doneAt", done ?
			    json_object_new_string(ctx->now) : NULL);
			changed = 1;
		}
	}
	return changed;
}

int
patch_merge_payment(struct json_object *cur, const char *field,
    struct json_object *v, const struct patch_ctx *ctx, char *err,
    size_t errsz)
{
	struct json_object	*p = patch_member(cur, field), *before = NULL;
	const char		*is;
	char			 was[32];
	int			 changed;

	(void)err;
	(void)errsz;
	if (v == NULL) {
		changed = p != NULL;
		json_object_object_add(cur, field, NULL);
		return changed;
	}
	if (p == NULL || !patch_is_type(p, json_type_object)) {
		p = json_object_new_object();
		json_object_object_add(p, "status",
		    json_object_new_string("unpaid"));
		json_object_object_add(p, "method", NULL);
		json_object_object_add(p, "amountCents",
		    json_object_new_int64(0));
		json_object_object_add(p, "currency",
		    json_object_new_string("USD"));
		json_object_object_add(p, "paidAt", NULL);
		json_object_object_add(cur, field, p);
	} else
		json_object_deep_copy(p, &before, NULL);
	/* Copy the old status: set_copy below frees the member. */
	snprintf(was, sizeof(was), "%s", patch_member(p, "status") != NULL ?
	    json_object_get_string(patch_member(p, "status")) : "unpaid");
	json_object_object_foreach(v, key, val) {
		patch_set_copy(p, key, val);
	}
	is = json_object_get_string(patch_member(p, "status"));
	if (strcmp(is, "paid") == 0 && strcmp(was, "paid") != 0)
		json_object_object_add(p, "paidAt",
		    json_object_new_string(ctx->now));
	else if (strcmp(is, "unpaid") == 0)
		json_object_object_add(p, "paidAt", NULL);
	changed = before == NULL || !json_object_equal(before, p);
	json_object_put(before);
	return changed;
}

int
patch_merge_issue(struct json_object *cur, const char *field,
    struct json_object *v, const struct patch_ctx *ctx, char *err,
    size_t errsz)
{
	struct json_object	*is = patch_member(cur, field), *d, *r;
	struct json_object	*before = NULL;
	int			 changed, was, res;

	(void)err;
	(void)errsz;
	if (v == NULL) {
		changed = is != NULL;
		json_object_object_add(cur, field, NULL);
		return changed;
	}
	if (is == NULL || !patch_is_type(is, json_type_object)) {
		is = json_object_new_object();
		json_object_object_add(is, "description",
		    json_object_new_string(""));
		json_object_object_add(is, "resolved",
		    json_object_new_boolean(0));
		json_object_object_add(is, "reportedAt",
		    json_object_new_string(ctx->now));
		json_object_object_add(is, "reportedBy", json_user(ctx->user));
		json_object_object_add(is, "resolvedAt", NULL);
		json_object_object_add(is, "resolvedBy", NULL);
		json_object_object_add(cur, field, is);
	} else
		json_object_deep_copy(is, &before, NULL);
	was = json_object_get_boolean(patch_member(is, "resolved"));
	if ((d = patch_member(v, "description")) != NULL)
		patch_set_copy(is, "description", d);
	if ((r = patch_member(v, "resolved")) != NULL) {
		res = json_object_get_boolean(r);
		json_object_object_add(is, "resolved",
		    json_object_new_boolean(res));
		if (res && !was) {
			json_object_object_add(is, "resolvedAt",
			    json_object_new_string(ctx->now));
			json_object_object_add(is, "resolvedBy",
			    json_user(ctx->user));
		} else if (!res) {
			json_object_object_add(is, "resolvedAt", NULL);
			json_object_object_add(is, "resolvedBy", NULL);
		}
	}
	changed = before == NULL || !json_object_equal(before, is);
	json_object_put(before);
	return changed;
}

/* Replace member key of cur by v (a copy); 1 if it changed. */
int
patch_merge_replace(struct json_object *cur, const char *key,
    struct json_object *v, const struct patch_ctx *ctx, char *err,
    size_t errsz)
{
	struct json_object	*old = patch_member(cur, key);

	(void)ctx;
	(void)err;
	(void)errsz;
	if (old != NULL && v != NULL && json_object_equal(old, v))
		return 0;
	if (old == NULL && v == NULL)
		return 0;
	patch_set_copy(cur, key, v);
	return 1;
}

int
patch_merge_vehicle(struct json_object *cur, const char *field,
    struct json_object *v, const struct patch_ctx *ctx, char *err,
    size_t errsz)
{
	struct json_object	*veh = patch_member(cur, field), *before = NULL;
	static const char *const keys[] =
	    { "make", "model", "year", "color", "plate", NULL };
	size_t			 i;
	int			 changed;

	(void)ctx;
	(void)err;
	(void)errsz;
	if (veh == NULL || !patch_is_type(veh, json_type_object)) {
		veh = json_object_new_object();
		for (i = 0; keys[i] != NULL; i++)
			json_object_object_add(veh, keys[i], NULL);
		json_object_object_add(cur, field, veh);
	}
	json_object_deep_copy(veh, &before, NULL);
	json_object_object_foreach(v, key, val) {
		patch_set_copy(veh, key, val);
	}
	changed = !json_object_equal(before, veh);
	json_object_put(before);
	return changed;
}

/* ---- a new job's checklist --------------------------------------- */

char *
patch_checklist_new(struct json_object *templates, const char *service)
{
	struct json_object	*t = NULL, *out, *list, *src, *it, *o;
	static const char *const lists[] = { "tech", "qc" };
	size_t			 i, j, n;
	char			*s;

	if (service != NULL)
		t = patch_member(templates, service);
	if (t == NULL)
		t = patch_member(templates, "*");
	out = json_object_new_object();
	for (i = 0; i < 2; i++) {
		list = json_object_new_array();
		src = patch_member(t, lists[i]);
		n = src != NULL && patch_is_type(src, json_type_array) ?
		    json_object_array_length(src) : 0;
		for (j = 0; j < n; j++) {
			it = json_object_array_get_idx(src, j);
			o = json_object_new_object();
			patch_set_copy(o, "key", patch_member(it, "key"));
			patch_set_copy(o, "label", patch_member(it, "label"));
			if (patch_member(it, "labels") != NULL)	/* other languages */
				patch_set_copy(o, "labels", patch_member(it, "labels"));
			json_object_object_add(o, "done",
			    json_object_new_boolean(0));
			json_object_object_add(o, "doneBy", NULL);
			json_object_object_add(o, "doneAt", NULL);
			json_object_array_add(list, o);
		}
		json_object_object_add(out, lists[i], list);
	}
	s = strdup(json_object_to_json_string_ext(out,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return s;
}
