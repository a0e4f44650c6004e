/*
 * Jobs.  fields[] below is the field-ownership rule: every JSON name of a
 * job, its column, its type and its owner.  The staff PATCH checks
 * against it; the Square write's SQL names only Square-owned columns (a
 * unit test holds the two together).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "calendar.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "tz.h"

enum ftype { F_STR, F_INT, F_TIME, F_JSON, F_CUSTOMER };

struct field {
	const char	*json;		/* JSON name */
	size_t		 col;		/* column in SQL_JOB_GET */
	enum ftype	 type;
	enum job_owner	 owner;
	int		 writable;	/* staff may send it in a PATCH */
	int		 (*check)(struct json_object *, char *, size_t);
};

static int	 check_work_status(struct json_object *, char *, size_t);
static int	 check_checklist(struct json_object *, char *, size_t);
static int	 check_media(struct json_object *, char *, size_t);
static int	 check_issue(struct json_object *, char *, size_t);
static int	 check_payment(struct json_object *, char *, size_t);
static int	 check_vehicle(struct json_object *, char *, size_t);
static int	 check_notes(struct json_object *, char *, size_t);

static const struct field fields[] = {
	{ "id",			0, F_STR, OWNER_SYSTEM, 0, NULL },
	{ "bookingId",		1, F_STR, OWNER_SYSTEM, 0, NULL },
	{ "createdBy",		2, F_STR, OWNER_SYSTEM, 0, NULL },
	{ "createdAt",		3, F_TIME, OWNER_SYSTEM, 0, NULL },
	{ "updatedAt",		4, F_TIME, OWNER_SYSTEM, 0, NULL },
	{ "version",		5, F_INT, OWNER_SYSTEM, 0, NULL },
	{ "bookingVersion",	6, F_INT, OWNER_SQUARE, 0, NULL },
	{ "bookingStatus",	7, F_STR, OWNER_SQUARE, 0, NULL },
	{ "appointmentTime",	8, F_TIME, OWNER_SQUARE, 0, NULL },
	{ "durationMinutes",	9, F_INT, OWNER_SQUARE, 0, NULL },
	{ "serviceType",	10, F_STR, OWNER_SQUARE, 0, NULL },
	{ "serviceVariationId",	11, F_STR, OWNER_SQUARE, 0, NULL },
	{ "locationId",		12, F_STR, OWNER_SQUARE, 0, NULL },
	{ "teamMemberId",	13, F_STR, OWNER_SQUARE, 0, NULL },
	{ "customerId",		14, F_STR, OWNER_SQUARE, 0, NULL },
	{ "customerNote",	15, F_STR, OWNER_SQUARE, 0, NULL },
	{ "customerCached",	16, F_CUSTOMER, OWNER_SQUARE, 0, NULL },
	{ "customerCachedAt",	20, F_TIME, OWNER_SQUARE, 0, NULL },
	{ "workStatus",		21, F_STR, OWNER_STAFF, 1, check_work_status },
	{ "statusHistory",	22, F_JSON, OWNER_STAFF, 0, NULL },
	{ "checklist",		23, F_JSON, OWNER_STAFF, 1, check_checklist },
	{ "photosMeta",		24, F_JSON, OWNER_STAFF, 1, check_media },
	{ "receiptPhotos",	25, F_JSON, OWNER_STAFF, 1, check_media },
	{ "postCompletionIssue", 26, F_JSON, OWNER_STAFF, 1, check_issue },
	{ "payment",		27, F_JSON, OWNER_STAFF, 1, check_payment },
	{ "vehicle",		28, F_JSON, OWNER_STAFF, 1, check_vehicle },
	{ "notes",		29, F_STR, OWNER_STAFF, 1, check_notes },
};
#define NFIELDS	 (sizeof(fields) / sizeof(fields[0]))

enum jobs_sql {
	SQL_JOB_GET,
	SQL_CALENDAR,
	SQL_STAFF_UPDATE,
	SQL_TEMPLATES,
	SQL__MAX
};

static const char *const sqls[SQL__MAX] = {
	/* SQL_JOB_GET: columns in the order of fields[].col */
	"SELECT id, booking_id, created_by, created_at, updated_at, version, "
	"booking_version, booking_status, appointment_time, duration_minutes, "
	"service_type, service_variation_id, location_id, team_member_id, "
	"customer_id, customer_note, customer_cached, customer_name, "
	"customer_phone, customer_email, customer_cached_at, work_status, "
	"status_history, checklist, photos_meta, receipt_photos, "
	"post_completion_issue, payment, vehicle, notes "
	"FROM jobs WHERE id = ?",
	/* SQL_CALENDAR: served by the jobs_appointment index */
	"SELECT id, booking_id, appointment_time, duration_minutes, "
	"service_type, customer_name, vehicle, work_status, booking_status, "
	"version FROM jobs WHERE appointment_time >= ? AND "
	"appointment_time < ? ORDER BY appointment_time, id LIMIT 5000",
	/* SQL_STAFF_UPDATE: staff columns only */
	"UPDATE jobs SET work_status = ?, status_history = ?, checklist = ?, "
	"photos_meta = ?, receipt_photos = ?, post_completion_issue = ?, "
	"payment = ?, vehicle = ?, notes = ?, version = version + 1, "
	"updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND version = ?",
	/* SQL_TEMPLATES */
	"SELECT service_type, items FROM checklist_templates",
};

/*
 * The Square write, built per row count: the columns of a new job, and on
 * a known booking the Square-owned columns only, never from an older
 * booking version.  booking_version is assigned last: MariaDB applies the
 * assignments in order and the guards read the stored value.
 */
#define SQ_GUARD	"VALUES(booking_version) >= booking_version"
static const char sql_square_head[] =
	"INSERT INTO jobs (id, booking_id, created_by, created_at, updated_at, "
	"version, booking_version, booking_status, appointment_time, "
	"duration_minutes, service_type, service_variation_id, location_id, "
	"team_member_id, customer_id, customer_note, customer_name, "
	"customer_phone, customer_email, customer_cached, customer_cached_at, "
	"work_status, status_history, checklist, photos_meta, receipt_photos, "
	"vehicle, notes) VALUES ";
static const char sql_square_row[] =
	"(?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 1, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, '[]', '[]', ?, '')";
#define SQ_ROW_ARGS	 21
static const char *const square_columns[] = {
	"booking_status", "appointment_time", "duration_minutes",
	"service_type", "service_variation_id", "location_id",
	"team_member_id", "customer_id", "customer_note", "customer_name",
	"customer_phone", "customer_email", "customer_cached",
	"customer_cached_at", NULL
};

/*
 * The sizes of the Square-owned string columns (sql/001-jobs.sql): a
 * VARCHAR(n) of utf8mb4 holds n characters, a TEXT 65,535 bytes.  Values
 * from Square are cut to these before they are compared or written.
 */
#define TEXT_BYTES	 65535
static const struct square_col {
	size_t		 off;		/* a char[] member, or a char * */
	int		 heap;		/* 1: off is a char * */
	size_t		 chars;
	size_t		 bytes;
} square_cols[] = {
#define COL_ARR(m, n)	{ offsetof(struct job_square, m), 0, (n), (size_t)-1 }
#define COL_PTR(m, n, b) { offsetof(struct job_square, m), 1, (n), (b) }
	COL_ARR(booking_id, 64),
	COL_ARR(booking_status, 32),
	COL_PTR(service_type, 1024, (size_t)-1),
	COL_ARR(service_variation_id, 64),
	COL_ARR(location_id, 64),
	COL_ARR(team_member_id, 64),
	COL_ARR(customer_id, 192),
	COL_PTR(customer_note, (size_t)-1, TEXT_BYTES),
	COL_PTR(customer_name, 255, (size_t)-1),
	COL_PTR(customer_phone, 255, (size_t)-1),
	COL_PTR(customer_email, 255, (size_t)-1),
#undef COL_ARR
#undef COL_PTR
};

static const char *const work_statuses[] = {
	"scheduled", "checked_in", "in_progress", "qc", "completed",
	"no_show", NULL
};

int
jobs_field_owner(const char *name)
{
	size_t	 i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].json, name) == 0)
			return (int)fields[i].owner;
	return -1;
}

int
jobs_db_time_rfc3339(const char *s, char *buf, size_t bufsz)
{
	size_t	 len;

	/* "2026-11-25 17:00:00" or "2026-11-25 17:00:00.123" */
	if (s == NULL || ((len = strlen(s)) != 19 && len != 23) ||
	    s[10] != ' ')
		return -1;
	if (len == 23)
		snprintf(buf, bufsz, "%.10sT%.12sZ", s, s + 11);
	else
		snprintf(buf, bufsz, "%.10sT%.8sZ", s, s + 11);
	return 0;
}

/* A database DATETIME (UTC) as time_t; 0 if NULL or malformed. */
static time_t
db_time(const char *s)
{
	char	 buf[32];
	time_t	 t;

	if (s == NULL || strlen(s) < 19)
		return 0;
	snprintf(buf, sizeof(buf), "%.10sT%.8sZ", s, s + 11);
	return tz_parse_rfc3339(buf, &t) == 0 ? t : 0;
}

static void
db_time_format(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm);
}

static struct json_object *
json_str_or_null(const char *s)
{
	return s == NULL ? NULL : json_object_new_string(s);
}

static struct json_object *
json_time_or_null(const char *dbtime)
{
	char	 buf[40];

	if (jobs_db_time_rfc3339(dbtime, buf, sizeof(buf)) == -1)
		return NULL;
	return json_object_new_string(buf);
}

/* A JSON text column as an object; NULL column or bad text: null. */
static struct json_object *
json_text(const char *s)
{
	return s == NULL ? NULL : json_tokener_parse(s);
}

/* Row r of a SQL_JOB_GET result as the job's JSON. */
static struct json_object *
job_json(const struct db_res *res, size_t r)
{
	struct json_object	*o = json_object_new_object(), *c, *v = NULL;
	const struct field	*f;
	size_t			 i;

	for (i = 0; i < NFIELDS; i++) {
		f = &fields[i];
		switch (f->type) {
		case F_STR:
			v = json_str_or_null(db_cell(res, r, f->col));
			break;
		case F_INT:
			v = json_object_new_int64(db_cell_int(res, r, f->col));
			break;
		case F_TIME:
			v = json_time_or_null(db_cell(res, r, f->col));
			break;
		case F_JSON:
			v = json_text(db_cell(res, r, f->col));
			break;
		case F_CUSTOMER:
			v = NULL;
			if (db_cell_int(res, r, f->col) != 1)
				break;
			v = c = json_object_new_object();
			json_object_object_add(c, "name",
			    json_str_or_null(db_cell(res, r, f->col + 1)));
			json_object_object_add(c, "phone",
			    json_str_or_null(db_cell(res, r, f->col + 2)));
			json_object_object_add(c, "email",
			    json_str_or_null(db_cell(res, r, f->col + 3)));
			break;
		}
		json_object_object_add(o, f->json, v);
	}
	return o;
}

int
jobs_load(struct db *db, const char *id, struct json_object **out,
    int64_t *version)
{
	struct db_arg	 args[] = { DB_ARG_STR(id) };
	struct db_res	*res;

	*out = NULL;
	if (db_exec(db, sqls[SQL_JOB_GET], args, 1, &res, NULL) == -1)
		return -1;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return 0;
	}
	*out = job_json(res, 0);
	if (version != NULL)
		*version = db_cell_int(res, 0, 5);
	db_res_free(res);
	return 1;
}

int
jobs_calendar(struct db *db, time_t from, time_t to, struct json_object **out)
{
	char		 a[24], b[24];
	struct db_arg	 args[2];
	struct db_res	*res;
	struct json_object *arr, *j;
	size_t		 r;

	db_time_format(from, a, sizeof(a));
	db_time_format(to, b, sizeof(b));
	args[0] = DB_ARG_STR(a);
	args[1] = DB_ARG_STR(b);
	if (db_exec(db, sqls[SQL_CALENDAR], args, 2, &res, NULL) == -1)
		return -1;
	arr = json_object_new_array_ext(res == NULL ? 0 : (int)res->nrows);
	for (r = 0; res != NULL && r < res->nrows; r++) {
		j = json_object_new_object();
		json_object_object_add(j, "id",
		    json_str_or_null(db_cell(res, r, 0)));
		json_object_object_add(j, "bookingId",
		    json_str_or_null(db_cell(res, r, 1)));
		json_object_object_add(j, "appointmentTime",
		    json_time_or_null(db_cell(res, r, 2)));
		json_object_object_add(j, "durationMinutes",
		    json_object_new_int64(db_cell_int(res, r, 3)));
		json_object_object_add(j, "serviceType",
		    json_str_or_null(db_cell(res, r, 4)));
		json_object_object_add(j, "customerName",
		    json_str_or_null(db_cell(res, r, 5)));
		json_object_object_add(j, "vehicle",
		    json_text(db_cell(res, r, 6)));
		json_object_object_add(j, "workStatus",
		    json_str_or_null(db_cell(res, r, 7)));
		json_object_object_add(j, "bookingStatus",
		    json_str_or_null(db_cell(res, r, 8)));
		json_object_object_add(j, "version",
		    json_object_new_int64(db_cell_int(res, r, 9)));
		json_object_array_add(arr, j);
	}
	db_res_free(res);
	*out = arr;
	return 0;
}

/* ---- the staff PATCH: shapes -------------------------------------- */

static int
is_type(struct json_object *o, json_type t)
{
	return json_object_get_type(o) == t;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* A string of at most max bytes (or null when nullable). */
static int
check_string(struct json_object *v, size_t max, int nullable)
{
	if (v == NULL)
		return nullable;
	return is_type(v, json_type_string) &&
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
	size_t	 i;

	json_object_object_foreach(o, key, val) {
		for (i = 0; m[i].name != NULL; i++)
			if (strcmp(m[i].name, key) == 0)
				break;
		if (m[i].name == NULL) {
			snprintf(err, errsz, "%s: \"%.40s\" cannot be set",
			    what, key);
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
	return check_string(v, 64, 1);
}

static int
ok_long_or_null(struct json_object *v)
{
	return check_string(v, 1024, 1);
}

static int
ok_year(struct json_object *v)
{
	int64_t	 y;

	if (v == NULL)
		return 1;
	if (!is_type(v, json_type_int))
		return 0;
	y = json_object_get_int64(v);
	return y >= 1900 && y <= 2100;
}

static int
ok_bool(struct json_object *v)
{
	return is_type(v, json_type_boolean);
}

static int
ok_description(struct json_object *v)
{
	return check_string(v, 2000, 0);
}

static int
ok_pay_status(struct json_object *v)
{
	static const char *const s[] =
	    { "unpaid", "paid", "refunded", "comped", NULL };

	return check_string(v, 16, 0) && in_list(json_object_get_string(v), s);
}

static int
ok_pay_method(struct json_object *v)
{
	static const char *const s[] =
	    { "cash", "card", "square", "other", NULL };

	if (v == NULL)
		return 1;
	return check_string(v, 16, 0) && in_list(json_object_get_string(v), s);
}

static int
ok_amount(struct json_object *v)
{
	int64_t	 n;

	if (!is_type(v, json_type_int))
		return 0;
	n = json_object_get_int64(v);
	return n >= 0 && n <= 100000000;
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
	return check_string(v, 64, 0) && json_object_get_string_len(v) > 0;
}

static int
check_work_status(struct json_object *v, char *err, size_t errsz)
{
	if (!check_string(v, 16, 0) ||
	    !in_list(json_object_get_string(v), work_statuses)) {
		snprintf(err, errsz, "workStatus must be one of scheduled, "
		    "checked_in, in_progress, qc, completed, no_show");
		return -1;
	}
	return 0;
}

static int
check_checklist(struct json_object *v, char *err, size_t errsz)
{
	static const struct member item[] = {
		{ "key", ok_checklist_key, "a string of 1-64 characters" },
		{ "done", ok_bool, "true or false" },
		{ NULL, NULL, NULL },
	};
	struct json_object *list, *it, *key;
	size_t		 i, n;

	if (!is_type(v, json_type_object)) {
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
		if (!is_type(list, json_type_array) ||
		    (n = json_object_array_length(list)) > 100) {
			snprintf(err, errsz, "checklist.%s must be a list of "
			    "at most 100 items", name);
			return -1;
		}
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(list, i);
			if (!is_type(it, json_type_object) ||
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

static int
check_media(struct json_object *v, char *err, size_t errsz)
{
	static const struct member item[] = {
		{ "key", ok_long_or_null, "a string" },
		{ "url", ok_long_or_null, "a string" },
		{ "caption", ok_long_or_null, "a string" },
		{ "kind", ok_short_or_null, "a short string" },
		{ "takenAt", ok_short_or_null, "a time" },
		{ "by", ok_short_or_null, "a short string" },
		{ NULL, NULL, NULL },
	};
	size_t	 i, n;

	if (!is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > 100) {
		snprintf(err, errsz, "photo lists hold at most 100 items");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!is_type(json_object_array_get_idx(v, i),
		    json_type_object)) {
			snprintf(err, errsz, "photo items are objects");
			return -1;
		}
		if (check_members("photo", json_object_array_get_idx(v, i),
		    item, err, errsz) == -1)
			return -1;
	}
	return 0;
}

static int
check_issue(struct json_object *v, char *err, size_t errsz)
{
	static const struct member m[] = {
		{ "description", ok_description, "a string of at most 2000 "
		    "bytes" },
		{ "resolved", ok_bool, "true or false" },
		{ NULL, NULL, NULL },
	};

	if (v == NULL)
		return 0;
	if (!is_type(v, json_type_object)) {
		snprintf(err, errsz, "postCompletionIssue must be an object "
		    "or null");
		return -1;
	}
	return check_members("postCompletionIssue", v, m, err, errsz);
}

static int
check_payment(struct json_object *v, char *err, size_t errsz)
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
	if (!is_type(v, json_type_object)) {
		snprintf(err, errsz, "payment must be an object or null");
		return -1;
	}
	return check_members("payment", v, m, err, errsz);
}

static int
check_vehicle(struct json_object *v, char *err, size_t errsz)
{
	static const struct member m[] = {
		{ "make", ok_short_or_null, "a string of at most 64 bytes" },
		{ "model", ok_short_or_null, "a string of at most 64 bytes" },
		{ "year", ok_year, "a year from 1900 to 2100, or null" },
		{ "color", ok_short_or_null, "a string of at most 64 bytes" },
		{ "plate", ok_short_or_null, "a string of at most 64 bytes" },
		{ NULL, NULL, NULL },
	};

	if (!is_type(v, json_type_object)) {
		snprintf(err, errsz, "vehicle must be an object");
		return -1;
	}
	return check_members("vehicle", v, m, err, errsz);
}

static int
check_notes(struct json_object *v, char *err, size_t errsz)
{
	if (!check_string(v, 8192, 0)) {
		snprintf(err, errsz, "notes must be a string of at most 8192 "
		    "bytes");
		return -1;
	}
	return 0;
}

int
jobs_patch_check(struct json_object *body, char *err, size_t errsz)
{
	static const char *const owners[] = { "the system", "Square",
	    "staff" };
	const struct field *f;
	size_t		 i, n = 0;

	if (!is_type(body, json_type_object)) {
		snprintf(err, errsz, "the body must be a JSON object");
		return -1;
	}
	json_object_object_foreach(body, key, val) {
		for (i = 0, f = NULL; i < NFIELDS; i++)
			if (strcmp(fields[i].json, key) == 0)
				f = &fields[i];
		if (f == NULL) {
			snprintf(err, errsz, "unknown field \"%.40s\"", key);
			return -1;
		}
		if (f->owner != OWNER_STAFF) {
			snprintf(err, errsz, "%s is kept by %s and cannot be "
			    "changed here", f->json, owners[f->owner]);
			return -1;
		}
		if (!f->writable) {
			snprintf(err, errsz, "%s is kept by the server",
			    f->json);
			return -1;
		}
		if (f->check(val, err, errsz) == -1)
			return -1;
		n++;
	}
	if (n == 0) {
		snprintf(err, errsz, "nothing to change");
		return -1;
	}
	return 0;
}

/* ---- the staff PATCH: merge and write ----------------------------- */

static struct json_object *
get(struct json_object *o, const char *key)
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

/* Set member key of o to a copy of v. */
static void
set_copy(struct json_object *o, const char *key, struct json_object *v)
{
	struct json_object	*c = NULL;

	if (v != NULL)
		json_object_deep_copy(v, &c, NULL);
	json_object_object_add(o, key, c);
}

static int
merge_work_status(struct json_object *cur, struct json_object *v,
    const char *user, const char *now)
{
	struct json_object	*hist, *e, *old = get(cur, "workStatus");

	if (old != NULL && strcmp(json_object_get_string(old),
	    json_object_get_string(v)) == 0)
		return 0;
	if ((hist = get(cur, "statusHistory")) == NULL ||
	    !is_type(hist, json_type_array)) {
		hist = json_object_new_array();
		json_object_object_add(cur, "statusHistory", hist);
	}
	e = json_object_new_object();
	set_copy(e, "from", old);
	set_copy(e, "to", v);
	json_object_object_add(e, "at", json_object_new_string(now));
	json_object_object_add(e, "by", json_user(user));
	json_object_array_add(hist, e);
	set_copy(cur, "workStatus", v);
	return 1;
}

static int
merge_checklist(struct json_object *cur, struct json_object *v,
    const char *user, const char *now, char *err, size_t errsz)
{
	struct json_object	*cl = get(cur, "checklist"), *list, *it, *mine;
	const char		*key;
	size_t			 i, j, n, m;
	int			 done, changed = 0;

	json_object_object_foreach(v, name, items) {
		list = get(cl, name);
		n = json_object_array_length(items);
		m = list != NULL && is_type(list, json_type_array) ?
		    json_object_array_length(list) : 0;
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(items, i);
			key = json_object_get_string(get(it, "key"));
			for (j = 0, mine = NULL; j < m && mine == NULL; j++) {
				const char *k;

				mine = json_object_array_get_idx(list, j);
				k = json_object_get_string(get(mine, "key"));
				if (k == NULL || strcmp(k, key) != 0)
					mine = NULL;
			}
			if (mine == NULL) {
				snprintf(err, errsz, "this job's %s checklist "
				    "has no item \"%.64s\"", name, key);
				return -1;
			}
			if (get(it, "done") == NULL)
				continue;
			done = json_object_get_boolean(get(it, "done"));
			if (json_object_get_boolean(get(mine, "done")) == done)
				continue;
			json_object_object_add(mine, "done",
			    json_object_new_boolean(done));
			json_object_object_add(mine, "doneBy",
			    done ? json_user(user) : NULL);
			json_object_object_add(mine, "doneAt", done ?
			    json_object_new_string(now) : NULL);
			changed = 1;
		}
	}
	return changed;
}

static int
merge_payment(struct json_object *cur, struct json_object *v,
    const char *now)
{
	struct json_object	*p = get(cur, "payment"), *before = NULL;
	const char		*is;
	char			 was[32];
	int			 changed;

	if (v == NULL) {
		changed = p != NULL;
		json_object_object_add(cur, "payment", NULL);
		return changed;
	}
	if (p == NULL || !is_type(p, json_type_object)) {
		p = json_object_new_object();
		json_object_object_add(p, "status",
		    json_object_new_string("unpaid"));
		json_object_object_add(p, "method", NULL);
		json_object_object_add(p, "amountCents",
		    json_object_new_int64(0));
		json_object_object_add(p, "currency",
		    json_object_new_string("USD"));
		json_object_object_add(p, "paidAt", NULL);
		json_object_object_add(cur, "payment", p);
	} else
		json_object_deep_copy(p, &before, NULL);
	/* Copy the old status: set_copy below frees the member. */
	snprintf(was, sizeof(was), "%s", get(p, "status") != NULL ?
	    json_object_get_string(get(p, "status")) : "unpaid");
	json_object_object_foreach(v, key, val) {
		set_copy(p, key, val);
	}
	is = json_object_get_string(get(p, "status"));
	if (strcmp(is, "paid") == 0 && strcmp(was, "paid") != 0)
		json_object_object_add(p, "paidAt",
		    json_object_new_string(now));
	else if (strcmp(is, "unpaid") == 0)
		json_object_object_add(p, "paidAt", NULL);
	changed = before == NULL || !json_object_equal(before, p);
	json_object_put(before);
	return changed;
}

static int
merge_issue(struct json_object *cur, struct json_object *v,
    const char *user, const char *now)
{
	struct json_object	*is = get(cur, "postCompletionIssue"), *d, *r;
	struct json_object	*before = NULL;
	int			 changed, was, res;

	if (v == NULL) {
		changed = is != NULL;
		json_object_object_add(cur, "postCompletionIssue", NULL);
		return changed;
	}
	if (is == NULL || !is_type(is, json_type_object)) {
		is = json_object_new_object();
		json_object_object_add(is, "description",
		    json_object_new_string(""));
		json_object_object_add(is, "resolved",
		    json_object_new_boolean(0));
		json_object_object_add(is, "reportedAt",
		    json_object_new_string(now));
		json_object_object_add(is, "reportedBy", json_user(user));
		json_object_object_add(is, "resolvedAt", NULL);
		json_object_object_add(is, "resolvedBy", NULL);
		json_object_object_add(cur, "postCompletionIssue", is);
	} else
		json_object_deep_copy(is, &before, NULL);
	was = json_object_get_boolean(get(is, "resolved"));
	if ((d = get(v, "description")) != NULL)
		set_copy(is, "description", d);
	if ((r = get(v, "resolved")) != NULL) {
		res = json_object_get_boolean(r);
		json_object_object_add(is, "resolved",
		    json_object_new_boolean(res));
		if (res && !was) {
			json_object_object_add(is, "resolvedAt",
			    json_object_new_string(now));
			json_object_object_add(is, "resolvedBy",
			    json_user(user));
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
static int
merge_replace(struct json_object *cur, const char *key, struct json_object *v)
{
	struct json_object	*old = get(cur, key);

	if (old != NULL && v != NULL && json_object_equal(old, v))
		return 0;
	if (old == NULL && v == NULL)
		return 0;
	set_copy(cur, key, v);
	return 1;
}

static int
merge_vehicle(struct json_object *cur, struct json_object *v)
{
	struct json_object	*veh = get(cur, "vehicle"), *before = NULL;
	static const char *const keys[] =
	    { "make", "model", "year", "color", "plate", NULL };
	size_t			 i;
	int			 changed;

	if (veh == NULL || !is_type(veh, json_type_object)) {
		veh = json_object_new_object();
		for (i = 0; keys[i] != NULL; i++)
			json_object_object_add(veh, keys[i], NULL);
		json_object_object_add(cur, "vehicle", veh);
	}
	json_object_deep_copy(veh, &before, NULL);
	json_object_object_foreach(v, key, val) {
		set_copy(veh, key, val);
	}
	changed = !json_object_equal(before, veh);
	json_object_put(before);
	return changed;
}

int
jobs_patch_merge(struct json_object *cur, struct json_object *body,
    const char *user, time_t t, char *err, size_t errsz)
{
	char	 now[32];
	int	 changed = 0, r = 0;

	tz_format_rfc3339(t, now, sizeof(now));
	json_object_object_foreach(body, key, val) {
		if (strcmp(key, "workStatus") == 0)
			r = merge_work_status(cur, val, user, now);
		else if (strcmp(key, "checklist") == 0)
			r = merge_checklist(cur, val, user, now, err, errsz);
		else if (strcmp(key, "payment") == 0)
			r = merge_payment(cur, val, now);
		else if (strcmp(key, "postCompletionIssue") == 0)
			r = merge_issue(cur, val, user, now);
		else if (strcmp(key, "vehicle") == 0)
			r = merge_vehicle(cur, val);
		else
			r = merge_replace(cur, key, val); /* notes, photos */
		if (r == -1)
			return -1;
		changed |= r;
	}
	return changed;
}

/* A staff JSON column's text ("null" becomes SQL NULL). */
static const char *
col_text(struct json_object *job, const char *key)
{
	struct json_object	*v = get(job, key);

	return v == NULL ? NULL :
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

enum jobs_patch_result
jobs_patch(struct db *db, const char *id, int64_t expected,
    struct json_object *body, const char *user, struct json_object **out,
    char *err, size_t errsz)
{
	struct json_object	*cur = NULL, *at;
	struct db_arg		 args[11];
	time_t			 when;
	const char		*hist, *cl, *ph, *rc, *is, *pay, *veh;
	int64_t			 version;
	uint64_t		 affected = 0;
	int			 r;

	*out = NULL;
	if ((r = jobs_load(db, id, &cur, &version)) != 1)
		return r == 0 ? PATCH_NOT_FOUND : PATCH_ERROR;
	if (version != expected) {
		*out = cur;
		return PATCH_CONFLICT;
	}
	if ((r = jobs_patch_merge(cur, body, user, time(NULL), err,
	    errsz)) == -1) {
		json_object_put(cur);
		return PATCH_INVALID;
	}
	if (r == 0) {			/* nothing changed: no new version */
		*out = cur;
		return PATCH_OK;
	}
	/* The strings are owned by cur and live until it is put. */
	hist = col_text(cur, "statusHistory");
	cl = col_text(cur, "checklist");
	ph = col_text(cur, "photosMeta");
	rc = col_text(cur, "receiptPhotos");
	is = col_text(cur, "postCompletionIssue");
	pay = col_text(cur, "payment");
	veh = col_text(cur, "vehicle");
	args[0] = DB_ARG_STR(json_object_get_string(get(cur, "workStatus")));
	args[1] = DB_ARG_STR(hist != NULL ? hist : "[]");
	args[2] = DB_ARG_STR(cl != NULL ? cl : "{\"tech\":[],\"qc\":[]}");
	args[3] = DB_ARG_STR(ph != NULL ? ph : "[]");
	args[4] = DB_ARG_STR(rc != NULL ? rc : "[]");
	args[5] = DB_ARG_STR(is);
	args[6] = DB_ARG_STR(pay);
	args[7] = DB_ARG_STR(veh != NULL ? veh : "{}");
	args[8] = DB_ARG_STR(get(cur, "notes") != NULL ?
	    json_object_get_string(get(cur, "notes")) : "");
	args[9] = DB_ARG_STR(id);
	args[10] = DB_ARG_INT(expected);
	r = db_exec(db, sqls[SQL_STAFF_UPDATE], args, 11, NULL, &affected);
	/* A staff write moves no job in time: its day's stamp moves. */
	if (r == 0 && affected == 1 && (at = get(cur, "appointmentTime")) !=
	    NULL && tz_parse_rfc3339(json_object_get_string(at), &when) == 0)
		r = calendar_touch(db, &when, 1);
	json_object_put(cur);
	if (r == -1)
		return PATCH_ERROR;
	/* Whatever happened, answer with the job as it now is. */
	if ((r = jobs_load(db, id, out, &version)) != 1)
		return r == 0 ? PATCH_NOT_FOUND : PATCH_ERROR;
	return affected == 1 ? PATCH_OK : PATCH_CONFLICT;
}

/* ---- the Square side ---------------------------------------------- */

void
jobs_square_clear(struct job_square *s)
{
	if (s == NULL)
		return;
	free(s->service_type);
	free(s->customer_note);
	free(s->customer_name);
	free(s->customer_phone);
	free(s->customer_email);
	memset(s, 0, sizeof(*s));
}

size_t
jobs_utf8_cut(const char *str, size_t max_chars, size_t max_bytes)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, chars = 0, n, k;

	while (s[i] != '\0' && chars < max_chars) {
		if (s[i] < 0x80)
			n = 1;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		else
			break;			/* not a lead byte */
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;	/* cut off or invalid */
		if (i + n > max_bytes)
			break;
		i += n;
		chars++;
	}
	return i;
}

void
jobs_square_fit(struct job_square *sq)
{
	const struct square_col	*c;
	char			*v;
	size_t			 i;

	for (i = 0; i < sizeof(square_cols) / sizeof(square_cols[0]); i++) {
		c = &square_cols[i];
		v = c->heap ? *(char **)((char *)sq + c->off) :
		    (char *)sq + c->off;
		if (v != NULL)
			v[jobs_utf8_cut(v, c->chars, c->bytes)] = '\0';
	}
}

void
jobs_stored_free(struct job_stored *js, size_t n)
{
	size_t	 i;

	if (js == NULL)
		return;
	for (i = 0; i < n; i++)
		jobs_square_clear(&js[i].sq);
	free(js);
}

static char *
dup_or_null(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

static void
copy_cell(char *dst, size_t dstsz, const char *s)
{
	size_t	 n = s == NULL ? 0 : strnlen(s, dstsz - 1);

	memcpy(dst, s == NULL ? "" : s, n);	/* cut to dst, as snprintf */
	dst[n] = '\0';
}

int
jobs_stored_load(struct db *db, const char *const *ids, size_t n,
    struct job_stored **out, size_t *nout)
{
	struct db_arg	*args = NULL;
	struct db_res	*res = NULL;
	struct job_stored *js = NULL;
	struct job_square *s;
	char		*sql = NULL;
	size_t		 i, r;
	int		 rc = -1;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	sql = db_sql_repeat("SELECT id, version, booking_id, booking_version, "
	    "booking_status, appointment_time, duration_minutes, "
	    "service_type, service_variation_id, location_id, "
	    "team_member_id, customer_id, customer_note, customer_cached, "
	    "customer_name, customer_phone, customer_email, "
	    "customer_cached_at FROM jobs WHERE booking_id IN (", "?", n, ")");
	if (sql == NULL || (args = calloc(n, sizeof(*args))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		args[i] = DB_ARG_STR(ids[i]);
	if (db_exec(db, sql, args, n, &res, NULL) == -1)
		goto out;
	if (res->nrows > 0 &&
	    (js = calloc(res->nrows, sizeof(*js))) == NULL)
		goto out;
	for (r = 0; r < res->nrows; r++) {
		s = &js[r].sq;
		copy_cell(js[r].id, sizeof(js[r].id), db_cell(res, r, 0));
		js[r].version = db_cell_int(res, r, 1);
		copy_cell(s->booking_id, sizeof(s->booking_id),
		    db_cell(res, r, 2));
		s->booking_version = db_cell_int(res, r, 3);
		copy_cell(s->booking_status, sizeof(s->booking_status),
		    db_cell(res, r, 4));
		s->appointment_time = db_time(db_cell(res, r, 5));
		s->duration_minutes = (int)db_cell_int(res, r, 6);
		s->service_type = dup_or_null(db_cell(res, r, 7));
		copy_cell(s->service_variation_id,
		    sizeof(s->service_variation_id), db_cell(res, r, 8));
		copy_cell(s->location_id, sizeof(s->location_id),
		    db_cell(res, r, 9));
		copy_cell(s->team_member_id, sizeof(s->team_member_id),
		    db_cell(res, r, 10));
		copy_cell(s->customer_id, sizeof(s->customer_id),
		    db_cell(res, r, 11));
		s->customer_note = dup_or_null(db_cell(res, r, 12));
		s->customer_cached = db_cell_int(res, r, 13) == 1;
		s->customer_name = dup_or_null(db_cell(res, r, 14));
		s->customer_phone = dup_or_null(db_cell(res, r, 15));
		s->customer_email = dup_or_null(db_cell(res, r, 16));
		s->customer_cached_at = db_time(db_cell(res, r, 17));
	}
	*out = js;
	*nout = res->nrows;
	js = NULL;
	rc = 0;
out:
	jobs_stored_free(js, res == NULL ? 0 : res->nrows);
	db_res_free(res);
	free(args);
	free(sql);
	return rc;
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

size_t
jobs_square_diff(const struct job_square *a, const struct job_square *b,
    const char **names, size_t max)
{
	size_t	 n = 0;

#define DIFF(cond, name)	do {			\
	if ((cond) && n < max)				\
		names[n++] = (name);			\
} while (0)
	DIFF(a->booking_version != b->booking_version, "bookingVersion");
	DIFF(strcmp(a->booking_status, b->booking_status) != 0,
	    "bookingStatus");
	DIFF(a->appointment_time != b->appointment_time, "appointmentTime");
	DIFF(a->duration_minutes != b->duration_minutes, "durationMinutes");
	DIFF(str_differs(a->service_type, b->service_type), "serviceType");
	DIFF(strcmp(a->service_variation_id, b->service_variation_id) != 0,
	    "serviceVariationId");
	DIFF(strcmp(a->location_id, b->location_id) != 0, "locationId");
	DIFF(strcmp(a->team_member_id, b->team_member_id) != 0,
	    "teamMemberId");
	DIFF(strcmp(a->customer_id, b->customer_id) != 0, "customerId");
	DIFF(str_differs(a->customer_note, b->customer_note), "customerNote");
	DIFF(a->customer_cached != b->customer_cached ||
	    str_differs(a->customer_name, b->customer_name) ||
	    str_differs(a->customer_phone, b->customer_phone) ||
	    str_differs(a->customer_email, b->customer_email),
	    "customerCached");
#undef DIFF
	return n;
}

/* The checklist of a new job from the template for its service. */
static char *
checklist_for(struct json_object *templates, const char *service)
{
	struct json_object	*t = NULL, *out, *list, *src, *it, *o;
	static const char *const lists[] = { "tech", "qc" };
	size_t			 i, j, n;
	char			*s;

	if (service != NULL)
		t = get(templates, service);
	if (t == NULL)
		t = get(templates, "*");
	out = json_object_new_object();
	for (i = 0; i < 2; i++) {
		list = json_object_new_array();
		src = get(t, lists[i]);
		n = src != NULL && is_type(src, json_type_array) ?
		    json_object_array_length(src) : 0;
		for (j = 0; j < n; j++) {
			it = json_object_array_get_idx(src, j);
			o = json_object_new_object();
			set_copy(o, "key", get(it, "key"));
			set_copy(o, "label", get(it, "label"));
			if (get(it, "labels") != NULL)	/* other languages */
				set_copy(o, "labels", get(it, "labels"));
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

int
jobs_new_id(char *buf, size_t bufsz)
{
	unsigned char	 raw[16];
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		 i;

	if (bufsz < 23 || RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	/* 22 characters of 6 bits: 132 bits, of which 128 random. */
	for (i = 0; i < 22; i++) {
		size_t	 bit = i * 6, byte = bit / 8, shift = bit % 8;
		unsigned v = raw[byte] << 8 |
		    (byte + 1 < sizeof(raw) ? raw[byte + 1] : 0);

		buf[i] = alphabet[(v >> (10 - shift)) & 63];
	}
	buf[22] = '\0';
	return 0;
}

static struct db_arg
arg_id(const char *s)
{
	return *s == '\0' ? DB_ARG_NULL : DB_ARG_STR(s);
}

int
jobs_square_write(struct db *db, const struct job_square *rows, size_t n,
    const char *created_by, struct json_object *templates)
{
	struct db_arg	*args = NULL;
	char		*sql = NULL, *tail = NULL, *cond = NULL, *p;
	char		(*ids)[23] = NULL, (*times)[24] = NULL,
			(*cached)[24] = NULL;
	char		**checklists = NULL, hist[160], now[32];
	const struct job_square *s;
	size_t		 i, j, a = 0, len;
	int		 rc = -1;

	if (n == 0)
		return 0;
	/*
	 * The ON DUPLICATE KEY UPDATE clause, Square columns only.  The job's
	 * version moves when a Square field changes, not when only the
	 * customer cache's time does; version and updated_at come first,
	 * while the columns still hold the stored values.
	 */
	len = 512;
	for (i = 0; square_columns[i] != NULL; i++)
		len += 7 * strlen(square_columns[i]) + sizeof(SQ_GUARD) + 64;
	if ((cond = p = malloc(len)) == NULL ||
	    (tail = malloc(2 * len)) == NULL)
		goto out;
	p = stpcpy(p, SQ_GUARD " AND NOT (booking_version <=> "
	    "VALUES(booking_version)");
	for (i = 0; square_columns[i] != NULL; i++)
		if (strcmp(square_columns[i], "customer_cached_at") != 0)
			p += sprintf(p, " AND %s <=> VALUES(%s)",
			    square_columns[i], square_columns[i]);
	stpcpy(p, ")");
	p = tail + sprintf(tail, " ON DUPLICATE KEY UPDATE version = IF(%s, "
	    "version + 1, version), updated_at = IF(%s, UTC_TIMESTAMP(3), "
	    "updated_at), ", cond, cond);
	for (i = 0; square_columns[i] != NULL; i++)
		p += sprintf(p, "%s = IF(" SQ_GUARD ", VALUES(%s), %s), ",
		    square_columns[i], square_columns[i], square_columns[i]);
	stpcpy(p, "booking_version = GREATEST(booking_version, "
	    "VALUES(booking_version))");
	if ((sql = db_sql_repeat(sql_square_head, sql_square_row, n,
	    tail)) == NULL)
		goto out;

	tz_format_rfc3339(time(NULL), now, sizeof(now));
	snprintf(hist, sizeof(hist), "[{\"from\":null,\"to\":\"scheduled\","
	    "\"at\":\"%s\",\"by\":\"%s\"}]", now, created_by);
	if ((args = calloc(n * SQ_ROW_ARGS, sizeof(*args))) == NULL ||
	    (ids = calloc(n, sizeof(*ids))) == NULL ||
	    (times = calloc(n, sizeof(*times))) == NULL ||
	    (cached = calloc(n, sizeof(*cached))) == NULL ||
	    (checklists = calloc(n, sizeof(*checklists))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		s = &rows[i];
		if (s->new_id[0] != '\0')
			memcpy(ids[i], s->new_id, sizeof(ids[i]));
		else if (jobs_new_id(ids[i], sizeof(ids[i])) == -1)
			goto out;
		/* A page has few services: one checklist each. */
		for (j = 0; j < i && checklists[i] == NULL; j++)
			if (!str_differs(rows[j].service_type,
			    s->service_type))
				checklists[i] = strdup(checklists[j]);
		if (checklists[i] == NULL && (checklists[i] =
		    checklist_for(templates, s->service_type)) == NULL)
			goto out;
		db_time_format(s->appointment_time, times[i],
		    sizeof(times[i]));
		if (s->customer_cached_at != 0)
			db_time_format(s->customer_cached_at, cached[i],
			    sizeof(cached[i]));
		args[a++] = DB_ARG_STR(ids[i]);
		args[a++] = DB_ARG_STR(s->booking_id);
		args[a++] = DB_ARG_STR(created_by);
		args[a++] = DB_ARG_INT(s->booking_version);
		args[a++] = DB_ARG_STR(s->booking_status);
		args[a++] = DB_ARG_STR(times[i]);
		args[a++] = DB_ARG_INT(s->duration_minutes);
		args[a++] = DB_ARG_STR(s->service_type);
		args[a++] = arg_id(s->service_variation_id);
		args[a++] = arg_id(s->location_id);
		args[a++] = arg_id(s->team_member_id);
		args[a++] = arg_id(s->customer_id);
		args[a++] = DB_ARG_STR(s->customer_note);
		args[a++] = DB_ARG_STR(s->customer_name);
		args[a++] = DB_ARG_STR(s->customer_phone);
		args[a++] = DB_ARG_STR(s->customer_email);
		args[a++] = DB_ARG_INT(s->customer_cached ? 1 : 0);
		args[a++] = s->customer_cached_at != 0 ?
		    DB_ARG_STR(cached[i]) : DB_ARG_NULL;
		args[a++] = DB_ARG_STR(hist);
		args[a++] = DB_ARG_STR(checklists[i]);
		args[a++] = DB_ARG_STR("{\"make\":null,\"model\":null,"
		    "\"year\":null,\"color\":null,\"plate\":null}");
	}
	rc = db_exec(db, sql, args, a, NULL, NULL);
out:
	if (rc == -1 && args == NULL)
		log_warnx("%s: out of memory", __func__);
	for (i = 0; checklists != NULL && i < n; i++)
		free(checklists[i]);
	free(checklists);
	free(cached);
	free(times);
	free(ids);
	free(args);
	free(sql);
	free(tail);
	free(cond);
	return rc;
}

int
jobs_templates_load(struct db *db, struct json_object **out)
{
	struct db_res	*res;
	struct json_object *o, *v;
	size_t		 r;

	if (db_exec(db, sqls[SQL_TEMPLATES], NULL, 0, &res, NULL) == -1)
		return -1;
	o = json_object_new_object();
	for (r = 0; r < res->nrows; r++)
		if (db_cell(res, r, 0) != NULL &&
		    (v = json_text(db_cell(res, r, 1))) != NULL)
			json_object_object_add(o, db_cell(res, r, 0), v);
	db_res_free(res);
	*out = o;
	return 0;
}

const char *const *
jobs_square_columns(void)
{
	return square_columns;
}
