/*
 * Jobs.  fields[] below is the single source of the job's columns: for
 * each column (COL_…, in the order SQL_JOB_GET reads them) its name, its
 * JSON name, its type and owner (the field-ownership rule), and for the
 * staff fields the PATCH's shape check and merge (lib/patch.c).  The staff PATCH, its UPDATE's arguments, the job's JSON and
 * the Square write's columns are all walks of it; a unit test holds every
 * statement's column list to it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "calendar.h"
#include "db.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "patch.h"
#include "tz.h"

enum ftype {
	F_STR, F_INT, F_TIME, F_JSON,
	F_CUSTOMER,		/* customer_cached: 1 when the F_PARTs hold */
	F_PART,			/* a member of the F_CUSTOMER object before */
};

/* What the staff UPDATE writes: the column, and its text for JSON null. */
#define FL_STAFF_UPDATE	 (1u << 0)
/* Written by the photo endpoints alone. */
#define FL_PHOTOS	 (1u << 1)

struct field {
	const char	*column;
	const char	*json;		/* JSON name (member name for F_PART) */
	enum ftype	 type;
	enum job_owner	 owner;
	unsigned	 flags;
	const char	*empty;		/* FL_STAFF_UPDATE: the value for null */
	/* A PATCH may send it: its shape check and its merge.  NULL: never. */
	patch_check_fn	*check;
	patch_merge_fn	*merge;
};

enum col {
	COL_ID, COL_BOOKING_ID, COL_CREATED_BY, COL_CREATED_AT,
	COL_UPDATED_AT, COL_VERSION,
	COL_BOOKING_VERSION, COL_BOOKING_STATUS, COL_APPOINTMENT_TIME,
	COL_DURATION_MINUTES, COL_SERVICE_TYPE, COL_SERVICE_VARIATION_ID,
	COL_LOCATION_ID, COL_TEAM_MEMBER_ID, COL_CUSTOMER_ID,
	COL_CUSTOMER_NOTE, COL_CUSTOMER_CACHED, COL_CUSTOMER_NAME,
	COL_CUSTOMER_PHONE, COL_CUSTOMER_EMAIL, COL_CUSTOMER_CACHED_AT,
	COL_WORK_STATUS, COL_STATUS_HISTORY, COL_CHECKLIST, COL_PHOTOS_META,
	COL_RECEIPT_PHOTOS, COL_POST_COMPLETION_ISSUE, COL_PAYMENT,
	COL_VEHICLE, COL_NOTES,
	COL__MAX
};
/* jobs_stored_load reads the columns up to this one. */
#define COL__STORED	 (COL_CUSTOMER_CACHED_AT + 1)

#define SYS(c, j, t)	{ c, j, t, OWNER_SYSTEM, 0, NULL, NULL, NULL }
#define SQ(c, j, t)	{ c, j, t, OWNER_SQUARE, 0, NULL, NULL, NULL }
static const struct field fields[COL__MAX] = {
	[COL_ID] = SYS("id", "id", F_STR),
	[COL_BOOKING_ID] = SYS("booking_id", "bookingId", F_STR),
	[COL_CREATED_BY] = SYS("created_by", "createdBy", F_STR),
	[COL_CREATED_AT] = SYS("created_at", "createdAt", F_TIME),
	[COL_UPDATED_AT] = SYS("updated_at", "updatedAt", F_TIME),
	[COL_VERSION] = SYS("version", "version", F_INT),
	[COL_BOOKING_VERSION] = SQ("booking_version", "bookingVersion", F_INT),
	[COL_BOOKING_STATUS] = SQ("booking_status", "bookingStatus", F_STR),
	[COL_APPOINTMENT_TIME] = SQ("appointment_time", "appointmentTime",
	    F_TIME),
	[COL_DURATION_MINUTES] = SQ("duration_minutes", "durationMinutes",
	    F_INT),
	[COL_SERVICE_TYPE] = SQ("service_type", "serviceType", F_STR),
	[COL_SERVICE_VARIATION_ID] = SQ("service_variation_id",
	    "serviceVariationId", F_STR),
	[COL_LOCATION_ID] = SQ("location_id", "locationId", F_STR),
	[COL_TEAM_MEMBER_ID] = SQ("team_member_id", "teamMemberId", F_STR),
	[COL_CUSTOMER_ID] = SQ("customer_id", "customerId", F_STR),
	[COL_CUSTOMER_NOTE] = SQ("customer_note", "customerNote", F_STR),
	[COL_CUSTOMER_CACHED] = SQ("customer_cached", "customerCached",
	    F_CUSTOMER),
	[COL_CUSTOMER_NAME] = SQ("customer_name", "name", F_PART),
	[COL_CUSTOMER_PHONE] = SQ("customer_phone", "phone", F_PART),
	[COL_CUSTOMER_EMAIL] = SQ("customer_email", "email", F_PART),
	[COL_CUSTOMER_CACHED_AT] = SQ("customer_cached_at", "customerCachedAt",
	    F_TIME),
	[COL_WORK_STATUS] = { "work_status", "workStatus", F_STR, OWNER_STAFF,
	    FL_STAFF_UPDATE, "scheduled", patch_check_work_status,
	    patch_merge_work_status },
	[COL_STATUS_HISTORY] = { "status_history", "statusHistory", F_JSON,
	    OWNER_STAFF, FL_STAFF_UPDATE, "[]", NULL, NULL },
	[COL_CHECKLIST] = { "checklist", "checklist", F_JSON, OWNER_STAFF,
	    FL_STAFF_UPDATE, "{\"tech\":[],\"qc\":[]}", patch_check_checklist,
	    patch_merge_checklist },
	/* Written by the photo endpoints only (lib/photos.c), never a PATCH. */
	[COL_PHOTOS_META] = { "photos_meta", "photosMeta", F_JSON,
	    OWNER_STAFF, FL_PHOTOS, NULL, NULL, NULL },
	[COL_RECEIPT_PHOTOS] = { "receipt_photos", "receiptPhotos", F_JSON,
	    OWNER_STAFF, FL_PHOTOS, NULL, NULL, NULL },
	[COL_POST_COMPLETION_ISSUE] = { "post_completion_issue",
	    "postCompletionIssue", F_JSON, OWNER_STAFF, FL_STAFF_UPDATE, NULL,
	    patch_check_issue, patch_merge_issue },
	[COL_PAYMENT] = { "payment", "payment", F_JSON, OWNER_STAFF,
	    FL_STAFF_UPDATE, NULL, patch_check_payment, patch_merge_payment },
	[COL_VEHICLE] = { "vehicle", "vehicle", F_JSON, OWNER_STAFF,
	    FL_STAFF_UPDATE, "{}", patch_check_vehicle, patch_merge_vehicle },
	[COL_NOTES] = { "notes", "notes", F_STR, OWNER_STAFF,
	    FL_STAFF_UPDATE, "", patch_check_notes, patch_merge_replace },
};
#undef SYS
#undef SQ

/* The calendar's summary of a job: columns of fields[], JSON names. */
static const struct {
	enum col	 col;
	const char	*json;
} cal_cols[] = {
	{ COL_ID, "id" },
	{ COL_BOOKING_ID, "bookingId" },
	{ COL_APPOINTMENT_TIME, "appointmentTime" },
	{ COL_DURATION_MINUTES, "durationMinutes" },
	{ COL_SERVICE_TYPE, "serviceType" },
	{ COL_CUSTOMER_NAME, "customerName" },
	{ COL_VEHICLE, "vehicle" },
	{ COL_WORK_STATUS, "workStatus" },
	{ COL_BOOKING_STATUS, "bookingStatus" },
	{ COL_VERSION, "version" },
};
#define NCAL_COLS	 (sizeof(cal_cols) / sizeof(cal_cols[0]))

enum jobs_sql {
	SQL_JOB_GET,
	SQL_STORED,
	SQL_CALENDAR,
	SQL_STAFF_UPDATE,
	SQL_TEMPLATES,
	SQL__MAX
};

static const char *const sqls[SQL__MAX] = {
	/* SQL_JOB_GET: every column of fields[], in its order */
	"SELECT id, booking_id, created_by, created_at, updated_at, version, "
	"booking_version, booking_status, appointment_time, duration_minutes, "
	"service_type, service_variation_id, location_id, team_member_id, "
	"customer_id, customer_note, customer_cached, customer_name, "
	"customer_phone, customer_email, customer_cached_at, work_status, "
	"status_history, checklist, photos_meta, receipt_photos, "
	"post_completion_issue, payment, vehicle, notes "
	"FROM jobs WHERE id = ?",
	/* SQL_STORED: the columns before COL__STORED; "?"s added per call */
	"SELECT id, booking_id, created_by, created_at, updated_at, version, "
	"booking_version, booking_status, appointment_time, duration_minutes, "
	"service_type, service_variation_id, location_id, team_member_id, "
	"customer_id, customer_note, customer_cached, customer_name, "
	"customer_phone, customer_email, customer_cached_at "
	"FROM jobs WHERE booking_id IN (",
	/* SQL_CALENDAR: cal_cols[]; served by the jobs_appointment index */
	"SELECT id, booking_id, appointment_time, duration_minutes, "
	"service_type, customer_name, vehicle, work_status, booking_status, "
	"version FROM jobs WHERE appointment_time >= ? AND "
	"appointment_time < ? ORDER BY appointment_time, id LIMIT ?",
	/* SQL_STAFF_UPDATE: the FL_STAFF_UPDATE columns, in fields[] order */
	"UPDATE jobs SET work_status = ?, status_history = ?, checklist = ?, "
	"post_completion_issue = ?, payment = ?, vehicle = ?, notes = ?, "
	"version = version + 1, updated_at = UTC_TIMESTAMP(3) "
	"WHERE id = ? AND version = ?",
	/* SQL_TEMPLATES */
	"SELECT service_type, items FROM checklist_templates",
};

/*
 * The Square write, built per row count: the columns of a new job (every
 * column of fields[], in its order), and on a known booking the
 * Square-owned columns only, never from an older booking version.
 * booking_version is assigned last: MariaDB applies the assignments in
 * order and the guards read the stored value.
 */
#define SQ_GUARD	"VALUES(booking_version) >= booking_version"
static const char sql_square_head[] =
	"INSERT INTO jobs (id, booking_id, created_by, created_at, updated_at, "
	"version, booking_version, booking_status, appointment_time, "
	"duration_minutes, service_type, service_variation_id, location_id, "
	"team_member_id, customer_id, customer_note, customer_cached, "
	"customer_name, customer_phone, customer_email, customer_cached_at, "
	"work_status, status_history, checklist, photos_meta, receipt_photos, "
	"post_completion_issue, payment, vehicle, notes) VALUES ";
static const char sql_square_row[] =
	"(?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 1, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, '[]', '[]', NULL, NULL, "
	"?, '')";
#define SQ_ROW_ARGS	 21

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

/* The field of a JSON name, or NULL. */
static const struct field *
field_of(const char *json)
{
	size_t	 i;

	for (i = 0; i < COL__MAX; i++)
		if (fields[i].type != F_PART &&
		    strcmp(fields[i].json, json) == 0)
			return &fields[i];
	return NULL;
}

int
jobs_field_owner(const char *name)
{
	const struct field	*f = field_of(name);

	return f == NULL ? -1 : (int)f->owner;
}

const char *const *
jobs_square_columns(void)
{
	static const char	*cols[COL__MAX + 1];
	size_t			 i, n = 0;

	/* booking_version is not one: the write guards and moves it. */
	if (cols[0] == NULL)
		for (i = 0; i < COL__MAX; i++)
			if (fields[i].owner == OWNER_SQUARE &&
			    i != COL_BOOKING_VERSION)
				cols[n++] = fields[i].column;
	return cols;
}

/*
 * The columns of fields[] before ncols (those with flag, when not 0) into
 * buf as "a, b", and more after them.
 */
static void
columns_join(char *buf, size_t bufsz, size_t ncols, unsigned flag,
    const char *more)
{
	size_t	 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ncols; i++)
		if (flag == 0 || (fields[i].flags & flag))
			len += (size_t)snprintf(buf + len, len < bufsz ?
			    bufsz - len : 0, "%s%s", len > 0 ? ", " : "",
			    fields[i].column);
	if (more != NULL && len < bufsz)
		snprintf(buf + len, bufsz - len, ", %s", more);
}

const char *
jobs_sql_columns(size_t n, char *cols, size_t colsz)
{
	size_t	 i, len = 0;

	switch (n) {
	case 0:
		columns_join(cols, colsz, COL__MAX, 0, NULL);
		return sqls[SQL_JOB_GET];
	case 1:
		columns_join(cols, colsz, COL__STORED, 0, NULL);
		return sqls[SQL_STORED];
	case 2:
		columns_join(cols, colsz, COL__MAX, FL_STAFF_UPDATE,
		    "version, updated_at");
		return sqls[SQL_STAFF_UPDATE];
	case 3:
		columns_join(cols, colsz, COL__MAX, 0, NULL);
		return sql_square_head;
	case 4:
		cols[0] = '\0';
		for (i = 0; i < NCAL_COLS; i++)
			len += (size_t)snprintf(cols + len, len < colsz ?
			    colsz - len : 0, "%s%s", i > 0 ? ", " : "",
			    fields[cal_cols[i].col].column);
		return sqls[SQL_CALENDAR];
	default:
		return NULL;
	}
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

	if (db_time_rfc3339(dbtime, buf, sizeof(buf)) == -1)
		return NULL;
	return json_object_new_string(buf);
}

/* A JSON text column as an object; NULL column or bad text: null. */
static struct json_object *
json_text(const char *s)
{
	return s == NULL ? NULL : json_tokener_parse(s);
}

/*
 * Cell cell of row r, a value of column c of fields[], as JSON; an
 * F_CUSTOMER reads the F_PART cells after it.
 */
static struct json_object *
cell_json(const struct db_res *res, size_t r, size_t cell, size_t c)
{
	struct json_object	*o;
	size_t			 p;

	switch (fields[c].type) {
	case F_STR:
	case F_PART:
		return json_str_or_null(db_cell(res, r, cell));
	case F_INT:
		return json_object_new_int64(db_cell_int(res, r, cell));
	case F_TIME:
		return json_time_or_null(db_cell(res, r, cell));
	case F_JSON:
		return json_text(db_cell(res, r, cell));
	case F_CUSTOMER:
		if (db_cell_int(res, r, cell) != 1)
			return NULL;
		o = json_object_new_object();
		for (p = 1; c + p < COL__MAX && fields[c + p].type == F_PART;
		    p++)
			json_object_object_add(o, fields[c + p].json,
			    json_str_or_null(db_cell(res, r, cell + p)));
		return o;
	}
	return NULL;
}

/* Row r of a SQL_JOB_GET result as the job's JSON. */
static struct json_object *
job_json(const struct db_res *res, size_t r)
{
	struct json_object	*o = json_object_new_object();
	size_t			 c;

	for (c = 0; c < COL__MAX; c++)
		if (fields[c].type != F_PART)
			json_object_object_add(o, fields[c].json,
			    cell_json(res, r, c, c));
	return o;
}

int
jobs_load(struct db *db, const char *id, struct json_object **out,
    int64_t *version)
{
	struct db_arg	 args[] = { db_arg_str(id) };
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
		*version = db_cell_int(res, 0, COL_VERSION);
	db_res_free(res);
	return 1;
}

int
jobs_calendar(struct db *db, time_t from, time_t to, struct json_object **out,
    int *cut)
{
	char		 a[24], b[24];
	struct db_arg	 args[3];
	struct db_res	*res;
	struct json_object *arr, *j;
	size_t		 r, i, n;

	db_time_format(from, a, sizeof(a));
	db_time_format(to, b, sizeof(b));
	args[0] = db_arg_str(a);
	args[1] = db_arg_str(b);
	args[2] = db_arg_int(JOBS_CALENDAR_MAX + 1);	/* one more: cut? */
	if (db_exec(db, sqls[SQL_CALENDAR], args, 3, &res, NULL) == -1)
		return -1;
	n = res == NULL ? 0 : res->nrows;
	*cut = n > JOBS_CALENDAR_MAX;
	if (*cut)
		n = JOBS_CALENDAR_MAX;
	arr = json_object_new_array_ext((int)n);
	for (r = 0; r < n; r++) {
		j = json_object_new_object();
		for (i = 0; i < NCAL_COLS; i++)
			json_object_object_add(j, cal_cols[i].json,
			    cell_json(res, r, i, cal_cols[i].col));
		json_object_array_add(arr, j);
	}
	db_res_free(res);
	*out = arr;
	return 0;
}

int
jobs_patch_check(struct json_object *body, char *err, size_t errsz)
{
	static const char *const owners[] = { "the system", "Square",
	    "staff" };
	const struct field *f;
	char		 name[41];	/* the unknown key, for the message */
	size_t		 n = 0;

	if (!patch_is_type(body, json_type_object)) {
		snprintf(err, errsz, "the body must be a JSON object");
		return -1;
	}
	json_object_object_foreach(body, key, val) {
		if ((f = field_of(key)) == NULL) {
			snprintf(err, errsz, "unknown field \"%s\"",
			    json_excerpt(name, sizeof(name), key));
			return -1;
		}
		if (f->owner != OWNER_STAFF) {
			snprintf(err, errsz, "%s is kept by %s and cannot be "
			    "changed here", f->json, owners[f->owner]);
			return -1;
		}
		if (f->check == NULL) {
			snprintf(err, errsz, "%s is kept by %s", f->json,
			    (f->flags & FL_PHOTOS) ? "the photo endpoints "
			    "(POST /api/jobs/{id}/photos)" : "the server");
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

int
jobs_patch_merge(struct json_object *cur, struct json_object *body,
    const char *user, time_t t, char *err, size_t errsz)
{
	struct patch_ctx	 ctx = { user, "" };
	const struct field	*f;
	int			 changed = 0, r;

	tz_format_rfc3339(t, ctx.now, sizeof(ctx.now));
	json_object_object_foreach(body, key, val) {
		/* jobs_patch_check let only fields with a merge through. */
		if ((f = field_of(key)) == NULL || f->merge == NULL) {
			snprintf(err, errsz, "%.40s cannot be changed here",
			    key);
			return -1;
		}
		if ((r = f->merge(cur, key, val, &ctx, err, errsz)) == -1)
			return -1;
		changed |= r;
	}
	return changed;
}

/* A staff JSON column's text ("null" becomes SQL NULL). */
static const char *
col_text(struct json_object *job, const char *key)
{
	struct json_object	*v = patch_member(job, key);

	return v == NULL ? NULL :
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

enum jobs_patch_result
jobs_patch(struct db *db, const char *id, int64_t expected,
    struct json_object *body, const char *user, struct json_object **out,
    int64_t *version, char *err, size_t errsz)
{
	struct json_object	*cur = NULL, *at;
	struct db_arg		 args[COL__MAX + 2];
	const struct field	*f;
	const char		*v;
	time_t			 when;
	uint64_t		 affected = 0;
	size_t			 c, a = 0;
	int			 r;

	*out = NULL;
	if ((r = jobs_load(db, id, &cur, version)) != 1)
		return r == 0 ? PATCH_NOT_FOUND : PATCH_ERROR;
	if (*version != expected) {
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
	/* The staff columns; the strings are cur's and live until it is put. */
	for (c = 0; c < COL__MAX; c++) {
		f = &fields[c];
		if (!(f->flags & FL_STAFF_UPDATE))
			continue;
		v = f->type == F_JSON ? col_text(cur, f->json) :
		    json_object_get_string(patch_member(cur, f->json));
		args[a++] = db_arg_str(v != NULL ? v : f->empty);
	}
	args[a++] = db_arg_str(id);
	args[a++] = db_arg_int(expected);
	/*
	 * A staff write moves no job in time: its day's stamp moves, in the
	 * same transaction (no crash between the two leaves the calendar
	 * answering the old job under the old stamp).
	 */
	if ((r = db_begin(db)) == 0)
		r = db_exec(db, sqls[SQL_STAFF_UPDATE], args, a, NULL,
		    &affected);
	if (r == 0 && affected == 1 && (at = patch_member(cur,
	    "appointmentTime")) != NULL &&
	    tz_parse_rfc3339(json_object_get_string(at), &when) == 0)
		r = calendar_touch(db, &when, 1);
	if (r == 0)
		r = db_commit(db);
	else
		db_rollback(db);
	json_object_put(cur);
	if (r == -1)
		return PATCH_ERROR;
	calendar_changed();		/* after the commit, again */
	/* Whatever happened, answer with the job as it now is. */
	if ((r = jobs_load(db, id, out, version)) != 1)
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

char *
jobs_strdup(const char *s)
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
	sql = db_sql_repeat(sqls[SQL_STORED], "?", n, ")");
	if (sql == NULL || (args = calloc(n, sizeof(*args))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		args[i] = db_arg_str(ids[i]);
	if (db_exec(db, sql, args, n, &res, NULL) == -1)
		goto out;
	if (res->nrows > 0 &&
	    (js = calloc(res->nrows, sizeof(*js))) == NULL)
		goto out;
	/* The cells are the columns of fields[] up to COL__STORED. */
	for (r = 0; r < res->nrows; r++) {
		s = &js[r].sq;
		copy_cell(js[r].id, sizeof(js[r].id), db_cell(res, r, COL_ID));
		js[r].version = db_cell_int(res, r, COL_VERSION);
		copy_cell(s->booking_id, sizeof(s->booking_id),
		    db_cell(res, r, COL_BOOKING_ID));
		s->booking_version = db_cell_int(res, r, COL_BOOKING_VERSION);
		copy_cell(s->booking_status, sizeof(s->booking_status),
		    db_cell(res, r, COL_BOOKING_STATUS));
		s->appointment_time = db_time_parse(db_cell(res, r,
		    COL_APPOINTMENT_TIME));
		s->duration_minutes = (int)db_cell_int(res, r,
		    COL_DURATION_MINUTES);
		s->service_type = jobs_strdup(db_cell(res, r,
		    COL_SERVICE_TYPE));
		copy_cell(s->service_variation_id,
		    sizeof(s->service_variation_id), db_cell(res, r,
		    COL_SERVICE_VARIATION_ID));
		copy_cell(s->location_id, sizeof(s->location_id),
		    db_cell(res, r, COL_LOCATION_ID));
		copy_cell(s->team_member_id, sizeof(s->team_member_id),
		    db_cell(res, r, COL_TEAM_MEMBER_ID));
		copy_cell(s->customer_id, sizeof(s->customer_id),
		    db_cell(res, r, COL_CUSTOMER_ID));
		s->customer_note = jobs_strdup(db_cell(res, r,
		    COL_CUSTOMER_NOTE));
		s->customer_cached = db_cell_int(res, r,
		    COL_CUSTOMER_CACHED) == 1;
		s->customer_name = jobs_strdup(db_cell(res, r,
		    COL_CUSTOMER_NAME));
		s->customer_phone = jobs_strdup(db_cell(res, r,
		    COL_CUSTOMER_PHONE));
		s->customer_email = jobs_strdup(db_cell(res, r,
		    COL_CUSTOMER_EMAIL));
		s->customer_cached_at = db_time_parse(db_cell(res, r,
		    COL_CUSTOMER_CACHED_AT));
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
	return *s == '\0' ? DB_ARG_NULL : db_arg_str(s);
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
	const char *const *square_columns = jobs_square_columns();
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
		    patch_checklist_new(templates,
		    s->service_type)) == NULL)
			goto out;
		db_time_format(s->appointment_time, times[i],
		    sizeof(times[i]));
		if (s->customer_cached_at != 0)
			db_time_format(s->customer_cached_at, cached[i],
			    sizeof(cached[i]));
		args[a++] = db_arg_str(ids[i]);
		args[a++] = db_arg_str(s->booking_id);
		args[a++] = db_arg_str(created_by);
		args[a++] = db_arg_int(s->booking_version);
		args[a++] = db_arg_str(s->booking_status);
		args[a++] = db_arg_str(times[i]);
		args[a++] = db_arg_int(s->duration_minutes);
		args[a++] = db_arg_str(s->service_type);
		args[a++] = arg_id(s->service_variation_id);
		args[a++] = arg_id(s->location_id);
		args[a++] = arg_id(s->team_member_id);
		args[a++] = arg_id(s->customer_id);
		args[a++] = db_arg_str(s->customer_note);
		args[a++] = db_arg_int(s->customer_cached ? 1 : 0);
		args[a++] = db_arg_str(s->customer_name);
		args[a++] = db_arg_str(s->customer_phone);
		args[a++] = db_arg_str(s->customer_email);
		args[a++] = s->customer_cached_at != 0 ?
		    db_arg_str(cached[i]) : DB_ARG_NULL;
		args[a++] = db_arg_str(hist);
		args[a++] = db_arg_str(checklists[i]);
		args[a++] = db_arg_str("{\"make\":null,\"model\":null,"
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
