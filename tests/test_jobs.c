/*
 * lib/jobs.c without a database: the field-ownership rule (who owns each
 * JSON field, what a staff PATCH may send, which columns the Square write
 * names), the PATCH merge on a job object shaped as jobs_load gives it,
 * the Square-field diff and the database time format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "db.h"
#include "http.h"
#include "jobs.h"
#include "patch.h"
#include "runs.h"
#include "tz.h"

/* In lib/jobs.c for this test: the columns the Square write sets. */

/* A job as jobs_load gives it (see job_json in lib/jobs.c). */
static const char job_text[] =
    "{"
    "\"id\":\"Xk3_9aQ-b2LmN0pRsT4uVw\","
    "\"bookingId\":\"bk-7hq2\","
    "\"createdBy\":\"reconciliation\","
    "\"createdAt\":\"2026-11-20T10:00:00.000Z\","
    "\"updatedAt\":\"2026-11-21T09:30:00.250Z\","
    "\"version\":3,"
    "\"bookingVersion\":2,"
    "\"bookingStatus\":\"ACCEPTED\","
    "\"appointmentTime\":\"2026-11-25T17:00:00Z\","
    "\"durationMinutes\":150,"
    "\"serviceType\":\"Full Detail + Ceramic Coat\","
    "\"serviceVariationId\":\"SVV1\","
    "\"locationId\":\"L72T9RQ\","
    "\"teamMemberId\":\"TM-ana\","
    "\"customerId\":\"CUST-1\","
    "\"customerNote\":\"Gate code 4411\","
    "\"customerCached\":{\"name\":\"Rosa Diaz\",\"phone\":\"+15555550100\","
    "\"email\":\"rosa@example.com\"},"
    "\"customerCachedAt\":\"2026-11-20T10:00:00.000Z\","
    "\"workStatus\":\"scheduled\","
    "\"statusHistory\":[{\"from\":null,\"to\":\"scheduled\","
    "\"at\":\"2026-11-20T10:00:00Z\",\"by\":\"reconciliation\"}],"
    "\"checklist\":{\"tech\":["
    "{\"key\":\"vacuum\",\"label\":\"Vacuum interior\",\"done\":false,"
    "\"doneBy\":null,\"doneAt\":null},"
    "{\"key\":\"wash\",\"label\":\"Hand wash\",\"done\":false,"
    "\"doneBy\":null,\"doneAt\":null}],"
    "\"qc\":[{\"key\":\"inspect\",\"label\":\"Walk-around\",\"done\":false,"
    "\"doneBy\":null,\"doneAt\":null}]},"
    "\"photosMeta\":[],"
    "\"receiptPhotos\":[],"
    "\"postCompletionIssue\":null,"
    "\"payment\":null,"
    "\"vehicle\":{\"make\":null,\"model\":null,\"year\":null,\"color\":null,"
    "\"plate\":null},"
    "\"notes\":\"\""
    "}";

/* 2026-11-25T17:05:00Z and an hour later. */
#define T1	((time_t)1795626300)
#define T2	(T1 + 3600)

static struct json_object *
parse(const char *s)
{
	struct json_object	*o = json_tokener_parse(s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	return o;
}

static struct json_object *
job_new(void)
{
	return parse(job_text);
}

static struct json_object *
member(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *
member_str(struct json_object *o, const char *key)
{
	return json_object_get_string(member(o, key));
}

/* The member as plain JSON text ("null" when null or absent). */
static const char *
text(struct json_object *o, const char *key)
{
	return json_object_to_json_string_ext(member(o, key),
	    JSON_C_TO_STRING_PLAIN);
}

/* The checklist item of list with key. */
static struct json_object *
item(struct json_object *job, const char *list, const char *key)
{
	struct json_object	*l = member(member(job, "checklist"), list), *it;
	size_t			 i;

	for (i = 0; l != NULL && i < json_object_array_length(l); i++) {
		it = json_object_array_get_idx(l, i);
		if (strcmp(member_str(it, "key"), key) == 0)
			return it;
	}
	CU_FAIL_FATAL("no such checklist item");
	return NULL;
}

/* Merge body (JSON text, checked first) into job; the merge's result. */
static int
merge(struct json_object *job, const char *body, const char *user, time_t now)
{
	struct json_object	*b = parse(body);
	char			 err[256] = "";
	int			 r;

	if (jobs_patch_check(b, err, sizeof(err)) == -1) {
		fprintf(stderr, "\n  %s: %s\n", body, err);
		CU_FAIL("the body does not pass jobs_patch_check");
	}
	r = jobs_patch_merge(job, b, user, now, err, sizeof(err));
	if (r == -1)
		CU_ASSERT(err[0] != '\0');
	json_object_put(b);
	return r;
}

/* The Square and system members of a job, as text, to compare later. */
struct snapshot {
	char	*keys[40];
	char	*values[40];
	size_t	 n;
};

static void
snapshot_take(struct json_object *job, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	json_object_object_foreach(job, key, val) {
		if (jobs_field_owner(key) == OWNER_STAFF)
			continue;
		CU_ASSERT_FATAL(s->n < 40);
		s->keys[s->n] = strdup(key);
		s->values[s->n] = strdup(json_object_to_json_string_ext(val,
		    JSON_C_TO_STRING_PLAIN));
		s->n++;
	}
}

/* Every Square and system member is byte-identical; frees s. */
static void
snapshot_check(struct json_object *job, struct snapshot *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(text(job, s->keys[i]), s->values[i]) != 0) {
			fprintf(stderr, "\n  %s changed\n", s->keys[i]);
			CU_FAIL("a Square or system field changed");
		}
		free(s->keys[i]);
		free(s->values[i]);
	}
	s->n = 0;
}

/* ---- ownership ---------------------------------------------------- */

static const char *const system_fields[] = { "id", "bookingId",
    "createdBy", "createdAt", "updatedAt", "version", NULL };
static const char *const square_fields[] = { "bookingVersion",
    "bookingStatus", "appointmentTime", "durationMinutes", "serviceType",
    "serviceVariationId", "locationId", "teamMemberId", "customerId",
    "customerNote", "customerCached", "customerCachedAt", NULL };
static const char *const staff_fields[] = { "workStatus", "statusHistory",
    "checklist", "photosMeta", "receiptPhotos", "postCompletionIssue",
    "payment", "vehicle", "notes", NULL };

static void
test_jobs_field_owner_follows_the_spec_table(void)
{
	size_t	 i;

	for (i = 0; system_fields[i] != NULL; i++)
		CU_ASSERT_EQUAL(jobs_field_owner(system_fields[i]),
		    OWNER_SYSTEM);
	for (i = 0; square_fields[i] != NULL; i++)
		CU_ASSERT_EQUAL(jobs_field_owner(square_fields[i]),
		    OWNER_SQUARE);
	for (i = 0; staff_fields[i] != NULL; i++)
		CU_ASSERT_EQUAL(jobs_field_owner(staff_fields[i]), OWNER_STAFF);
}

static void
test_jobs_field_owner_unknown_is_minus_one(void)
{
	const char	*unknown[] = { "", "ID", "customerName", "customer_note",
	    "work_status", "version ", "paidAt", "doneBy", NULL };
	size_t		 i;

	for (i = 0; unknown[i] != NULL; i++)
		CU_ASSERT_EQUAL(jobs_field_owner(unknown[i]), -1);
}

/* The fixture has every field, and every field of it has an owner. */
static void
test_jobs_every_job_field_has_an_owner(void)
{
	struct json_object	*job = job_new();
	size_t			 n = 0;

	json_object_object_foreach(job, key, val) {
		(void)val;
		if (jobs_field_owner(key) == -1)
			CU_FAIL(key);
		n++;
	}
	CU_ASSERT_EQUAL(n, 6 + 12 + 9);
	json_object_put(job);
}

/* The Square write names no staff or system column. */
static void
test_jobs_square_write_names_only_square_columns(void)
{
	static const char *const forbidden[] = { "work_status",
	    "status_history", "checklist", "photos_meta", "receipt_photos",
	    "post_completion_issue", "payment", "vehicle", "notes", "id",
	    "booking_id", "created_by", "created_at", "version", NULL };
	const char *const *cols = jobs_square_columns();
	size_t		 i, j, n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cols);
	for (i = 0; cols[i] != NULL; i++, n++)
		for (j = 0; forbidden[j] != NULL; j++)
			if (strcmp(cols[i], forbidden[j]) == 0) {
				fprintf(stderr, "\n  %s\n", cols[i]);
				CU_FAIL("the Square write names a column it "
				    "does not own");
			}
	/* Sanity: it does name the Square fields. */
	CU_ASSERT(n >= 10);
	for (i = 0; cols[i] != NULL; i++)
		if (strcmp(cols[i], "booking_status") == 0)
			break;
	CU_ASSERT_PTR_NOT_NULL(cols[i]);
}

/*
 * The column list of a statement as "a, b, c": what a SELECT reads, what
 * an INSERT names, what an UPDATE assigns.  Commas inside parentheses
 * (a function's arguments) do not split.
 */
static void
sql_columns(const char *sql, char *out, size_t outsz)
{
	const char	*p, *end, *item;
	size_t		 len = 0, n;
	int		 depth = 0, update;

	out[0] = '\0';
	update = strncmp(sql, "UPDATE ", 7) == 0;
	if (strncmp(sql, "SELECT ", 7) == 0) {
		p = sql + 7;
		end = strstr(p, " FROM ");
	} else if (strncmp(sql, "INSERT ", 7) == 0) {
		p = strchr(sql, '(') + 1;
		end = strchr(p, ')');
	} else if (update) {
		p = strstr(sql, " SET ") + 5;
		end = strstr(p, " WHERE ");
	} else
		return;
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	for (item = p; p <= end; p++) {
		if (p < end && *p == '(')
			depth++;
		else if (p < end && *p == ')')
			depth--;
		if (p < end && (*p != ',' || depth > 0))
			continue;
		while (*item == ' ')
			item++;
		n = (size_t)(p - item);
		if (update)		/* "name = value": the name */
			n = (size_t)(strchr(item, ' ') - item);
		len += (size_t)snprintf(out + len, len < outsz ? outsz - len :
		    0, "%s%.*s", len > 0 ? ", " : "", (int)n, item);
		item = p + 1;
	}
}

/*
 * Hold each statement that next(n, ...) gives to the columns it says the
 * statement must name; returns how many statements there were.
 */
static size_t
columns_follow(const char *(*next)(size_t, char *, size_t))
{
	char		 want[2048], got[2048];
	const char	*sql;
	size_t		 i;

	for (i = 0; (sql = next(i, want, sizeof(want))) != NULL; i++) {
		sql_columns(sql, got, sizeof(got));
		if (strcmp(want, got) != 0) {
			fprintf(stderr, "\n  statement %zu:\n  table: %s\n"
			    "  sql:   %s\n", i, want, got);
			CU_FAIL("a statement's columns differ from the table");
		}
	}
	return i;
}

/* Each statement of jobs.c names exactly the field table's columns. */
static void
test_jobs_sql_column_lists_follow_the_field_table(void)
{
	char		 want[2048];

	CU_ASSERT_EQUAL(columns_follow(jobs_sql_columns), 5);
	/* The job's JSON has every column: its first and last. */
	jobs_sql_columns(0, want, sizeof(want));
	CU_ASSERT_EQUAL(strncmp(want, "id, booking_id, ", 16), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(want, ", vehicle, notes"));
}

/* And those of runs.c its column tables. */
static void
test_runs_sql_column_lists_follow_the_tables(void)
{
	CU_ASSERT_EQUAL(columns_follow(runs_sql_columns), 2);
}

/* The test's own reader of column lists sees a swap. */
static void
test_jobs_sql_columns_reader_sees_order(void)
{
	char	 got[256];

	sql_columns("SELECT a, b, f(c, d) FROM t", got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "a, b, f(c, d)");
	sql_columns("UPDATE t SET x = ?, y = y + 1 WHERE id = ?", got,
	    sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "x, y");
	sql_columns("INSERT INTO t (b, a) VALUES (?, ?)", got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "b, a");
}

/* ---- jobs_patch_check --------------------------------------------- */

/* Check body (JSON text): 0 or -1; a refusal must say why. */
static int
check(const char *body)
{
	struct json_object	*b = parse(body);
	char			 err[256] = "";
	int			 r;

	r = jobs_patch_check(b, err, sizeof(err));
	if (r == -1 && err[0] == '\0')
		CU_FAIL("refused without a message");
	json_object_put(b);
	return r;
}

static void
expect(const char *body, int want)
{
	if (check(body) != want) {
		fprintf(stderr, "\n  %s: expected %s\n", body,
		    want == 0 ? "accepted" : "refused");
		CU_FAIL(body);
	}
}

static void
test_jobs_patch_check_accepts_staff_fields(void)
{
	static const char *const ok[] = {
		"{\"workStatus\":\"scheduled\"}",
		"{\"workStatus\":\"checked_in\"}",
		"{\"workStatus\":\"in_progress\"}",
		"{\"workStatus\":\"qc\"}",
		"{\"workStatus\":\"completed\"}",
		"{\"workStatus\":\"no_show\"}",
		"{\"checklist\":{\"tech\":[{\"key\":\"wash\",\"done\":true}]}}",
		"{\"checklist\":{\"tech\":[{\"key\":\"wash\",\"done\":false}],"
		    "\"qc\":[{\"key\":\"inspect\",\"done\":true}]}}",
		"{\"checklist\":{\"qc\":[]}}",
		"{\"postCompletionIssue\":{\"description\":\"Swirl marks on "
		    "hood\",\"resolved\":false}}",
		"{\"postCompletionIssue\":{\"resolved\":true}}",
		"{\"postCompletionIssue\":null}",
		"{\"payment\":{\"status\":\"paid\",\"method\":\"card\","
		    "\"amountCents\":18900,\"currency\":\"USD\"}}",
		"{\"payment\":{\"status\":\"comped\",\"method\":null}}",
		"{\"payment\":{\"amountCents\":0}}",
		"{\"payment\":null}",
		"{\"vehicle\":{\"make\":\"Toyota\",\"model\":\"Tacoma\","
		    "\"year\":2019,\"color\":\"Silver\",\"plate\":\"8ABC123\"}}",
		"{\"vehicle\":{\"year\":1900}}",
		"{\"vehicle\":{\"year\":2100}}",
		"{\"vehicle\":{\"year\":null,\"plate\":null}}",
		"{\"notes\":\"Customer asked for extra attention to pet hair.\"}",
		"{\"notes\":\"\"}",
		"{\"workStatus\":\"qc\",\"notes\":\"ready\",\"vehicle\":"
		    "{\"color\":\"Red\"}}",
		NULL
	};
	size_t	 i;

	for (i = 0; ok[i] != NULL; i++)
		expect(ok[i], 0);
}

static void
test_jobs_patch_check_rejects_square_and_system_fields(void)
{
	char	 body[128];
	size_t	 i;

	for (i = 0; square_fields[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"%s\":\"x\"}", square_fields[i]);
		expect(body, -1);
		/* Also beside a good staff field. */
		snprintf(body, sizeof(body), "{\"notes\":\"n\",\"%s\":null}",
		    square_fields[i]);
		expect(body, -1);
	}
	for (i = 0; system_fields[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"%s\":7}", system_fields[i]);
		expect(body, -1);
	}
	expect("{\"statusHistory\":[]}", -1);
	expect("{\"workStatus\":\"qc\",\"statusHistory\":[{\"from\":\"qc\","
	    "\"to\":\"completed\",\"at\":\"2026-11-25T17:00:00Z\","
	    "\"by\":\"mallory\"}]}", -1);
}

/*
 * Issue 7 item 27: a PATCH could store any object in photosMeta (a
 * "url":"javascript:…" too).  The photo endpoints alone write the photo
 * lists; a PATCH naming them is refused, and says where photos go.
 */
static void
test_jobs_patch_check_refuses_photo_lists(void)
{
	static const char *const bodies[] = {
		"{\"photosMeta\":[]}",
		"{\"receiptPhotos\":[]}",
		"{\"photosMeta\":[{\"key\":\"a.jpg\",\"url\":"
		    "\"javascript:alert(1)\"}]}",
		"{\"notes\":\"ok\",\"receiptPhotos\":null}",
		NULL
	};
	struct json_object	*b;
	char			 err[256];
	size_t			 i;

	for (i = 0; bodies[i] != NULL; i++) {
		b = parse(bodies[i]);
		err[0] = '\0';
		CU_ASSERT_EQUAL(jobs_patch_check(b, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "photo endpoints"));
		json_object_put(b);
	}
	/* The lists still belong to staff (Square never writes them). */
	CU_ASSERT_EQUAL(jobs_field_owner("photosMeta"), OWNER_STAFF);
	CU_ASSERT_EQUAL(jobs_field_owner("receiptPhotos"), OWNER_STAFF);
}

static void
test_jobs_patch_check_message_names_the_field(void)
{
	struct json_object	*b = parse("{\"bookingStatus\":"
	    "\"CANCELLED_BY_SELLER\"}");
	char			 err[256] = "";

	CU_ASSERT_EQUAL(jobs_patch_check(b, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bookingStatus"));
	json_object_put(b);
	b = parse("{\"colour\":\"red\"}");
	CU_ASSERT_EQUAL(jobs_patch_check(b, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "colour"));
	json_object_put(b);
}

static void
test_jobs_patch_check_rejects_unknown_empty_and_non_objects(void)
{
	char	 err[256];

	expect("{\"customerName\":\"Rosa\"}", -1);
	expect("{\"foo\":1}", -1);
	expect("{\"Notes\":\"x\"}", -1);
	expect("{}", -1);
	expect("[]", -1);
	expect("[{\"notes\":\"x\"}]", -1);
	expect("\"notes\"", -1);
	expect("42", -1);
	err[0] = '\0';
	CU_ASSERT_EQUAL(jobs_patch_check(NULL, err, sizeof(err)), -1);
	CU_ASSERT(err[0] != '\0');
}

static void
test_jobs_patch_check_rejects_bad_shapes(void)
{
	static const char *const bad[] = {
		/* workStatus outside the enum */
		"{\"workStatus\":\"done\"}",
		"{\"workStatus\":\"SCHEDULED\"}",
		"{\"workStatus\":\"\"}",
		"{\"workStatus\":3}",
		"{\"workStatus\":null}",
		/* vehicle */
		"{\"vehicle\":{\"year\":1899}}",
		"{\"vehicle\":{\"year\":2101}}",
		"{\"vehicle\":{\"year\":\"2019\"}}",
		"{\"vehicle\":{\"year\":2019.5}}",
		"{\"vehicle\":{\"vin\":\"1HGCM82633A004352\"}}",
		"{\"vehicle\":{\"make\":7}}",
		"{\"vehicle\":null}",
		"{\"vehicle\":\"Toyota\"}",
		/* payment */
		"{\"payment\":{\"status\":\"paid\",\"paidAt\":"
		    "\"2026-11-25T17:00:00Z\"}}",
		"{\"payment\":{\"status\":\"pending\"}}",
		"{\"payment\":{\"status\":null}}",
		"{\"payment\":{\"method\":\"cheque\"}}",
		"{\"payment\":{\"currency\":\"usd\"}}",
		"{\"payment\":{\"currency\":\"US\"}}",
		"{\"payment\":{\"currency\":\"USDT\"}}",
		"{\"payment\":{\"amountCents\":-1}}",
		"{\"payment\":{\"amountCents\":\"100\"}}",
		"{\"payment\":{\"amountCents\":12.5}}",
		"{\"payment\":\"paid\"}",
		/* checklist */
		"{\"checklist\":{\"tech\":[{\"key\":\"wash\",\"done\":true,"
		    "\"doneBy\":\"mallory\"}]}}",
		"{\"checklist\":{\"tech\":[{\"key\":\"wash\",\"done\":true,"
		    "\"doneAt\":\"2026-11-25T17:00:00Z\"}]}}",
		"{\"checklist\":{\"tech\":[{\"key\":\"wash\",\"label\":"
		    "\"Renamed\"}]}}",
		"{\"checklist\":{\"tech\":[{\"done\":true}]}}",
		"{\"checklist\":{\"tech\":[{\"key\":\"\",\"done\":true}]}}",
		"{\"checklist\":{\"tech\":[{\"key\":\"wash\",\"done\":\"yes\"}]}}",
		"{\"checklist\":{\"tech\":[\"wash\"]}}",
		"{\"checklist\":{\"tech\":{\"key\":\"wash\"}}}",
		"{\"checklist\":{\"detail\":[]}}",
		"{\"checklist\":[]}",
		"{\"checklist\":null}",
		/* postCompletionIssue */
		"{\"postCompletionIssue\":{\"description\":\"x\",\"reportedAt\":"
		    "\"2026-11-25T17:00:00Z\"}}",
		"{\"postCompletionIssue\":{\"reportedBy\":\"mallory\"}}",
		"{\"postCompletionIssue\":{\"resolved\":true,\"resolvedAt\":"
		    "\"2026-11-25T17:00:00Z\"}}",
		"{\"postCompletionIssue\":{\"resolved\":\"yes\"}}",
		"{\"postCompletionIssue\":\"scratch\"}",
		/* notes */
		"{\"notes\":null}",
		"{\"notes\":5}",
		NULL
	};
	size_t	 i;

	for (i = 0; bad[i] != NULL; i++)
		expect(bad[i], -1);
}

static void
test_jobs_patch_check_bounds_lengths(void)
{
	char	*body, *p;
	size_t	 n;

	/* notes: 8192 bytes fine, 8193 not. */
	CU_ASSERT_FATAL((body = malloc(8300)) != NULL);
	n = (size_t)sprintf(body, "{\"notes\":\"");
	memset(body + n, 'n', 8192);
	strcpy(body + n + 8192, "\"}");
	expect(body, 0);
	memset(body + n, 'n', 8193);
	strcpy(body + n + 8193, "\"}");
	expect(body, -1);

	/* an issue's description: 2000 fine, 2001 not. */
	p = body + sprintf(body, "{\"postCompletionIssue\":{\"description\":\"");
	memset(p, 'd', 2000);
	strcpy(p + 2000, "\"}}");
	expect(body, 0);
	memset(p, 'd', 2001);
	strcpy(p + 2001, "\"}}");
	expect(body, -1);
	free(body);
}

/* ---- jobs_patch_merge --------------------------------------------- */

static void
test_jobs_merge_work_status_appends_one_history_entry(void)
{
	struct json_object	*job = job_new(), *hist, *e;
	struct snapshot		 s;
	char			 at[32];

	snapshot_take(job, &s);
	CU_ASSERT_EQUAL(merge(job, "{\"workStatus\":\"in_progress\"}", "alice",
	    T1), 1);
	CU_ASSERT_STRING_EQUAL(member_str(job, "workStatus"), "in_progress");
	hist = member(job, "statusHistory");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(hist), 2);
	e = json_object_array_get_idx(hist, 1);
	tz_format_rfc3339(T1, at, sizeof(at));
	CU_ASSERT_STRING_EQUAL(member_str(e, "from"), "scheduled");
	CU_ASSERT_STRING_EQUAL(member_str(e, "to"), "in_progress");
	CU_ASSERT_STRING_EQUAL(member_str(e, "at"), at);
	CU_ASSERT_STRING_EQUAL(member_str(e, "by"), "alice");
	CU_ASSERT_EQUAL(json_object_object_length(e), 4);
	/* The earlier entry is untouched. */
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(
	    json_object_array_get_idx(hist, 0), JSON_C_TO_STRING_PLAIN),
	    "{\"from\":null,\"to\":\"scheduled\",\"at\":\"2026-11-20T10:00:00Z\","
	    "\"by\":\"reconciliation\"}");

	/* Any status may follow any other: back to scheduled is one more. */
	CU_ASSERT_EQUAL(merge(job, "{\"workStatus\":\"scheduled\"}", "bob", T2),
	    1);
	CU_ASSERT_EQUAL(json_object_array_length(hist), 3);
	e = json_object_array_get_idx(hist, 2);
	CU_ASSERT_STRING_EQUAL(member_str(e, "from"), "in_progress");
	CU_ASSERT_STRING_EQUAL(member_str(e, "by"), "bob");
	snapshot_check(job, &s);
	json_object_put(job);
}

/*
 * Issue 7 item 16: statusHistory grew without bound (a status flipped in
 * a loop made the row too large, and the job answered 500 for good).  It
 * keeps the last PATCH_HISTORY_MAX entries after one marker counting
 * those dropped.
 */
static void
test_jobs_merge_status_history_is_bounded(void)
{
	struct json_object	*job = job_new(), *hist, *m, *e;
	const char		*body[2] = { "{\"workStatus\":\"in_progress\"}",
	    "{\"workStatus\":\"scheduled\"}" };
	char			 at[32];
	int			 i;

	/* The fixture has 1 entry: 199 flips fill the history exactly. */
	for (i = 0; i < PATCH_HISTORY_MAX - 1; i++)
		CU_ASSERT_EQUAL_FATAL(merge(job, body[i % 2], "alice",
		    T1 + i), 1);
	hist = member(job, "statusHistory");
	CU_ASSERT_EQUAL(json_object_array_length(hist), PATCH_HISTORY_MAX);
	CU_ASSERT_PTR_NULL(member(json_object_array_get_idx(hist, 0),
	    "dropped"));
	/* 51 more: the 51 oldest go, one marker counts them. */
	for (; i < PATCH_HISTORY_MAX + 50; i++)
		CU_ASSERT_EQUAL_FATAL(merge(job, body[i % 2], "alice",
		    T1 + i), 1);
	hist = member(job, "statusHistory");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(hist),
	    PATCH_HISTORY_MAX + 1);
	m = json_object_array_get_idx(hist, 0);
	CU_ASSERT_EQUAL(json_object_get_int64(member(m, "dropped")), 51);
	CU_ASSERT_PTR_NULL(member(m, "to"));
	/* The marker's time is the newest dropped entry's: flip 49. */
	tz_format_rfc3339(T1 + 49, at, sizeof(at));
	CU_ASSERT_STRING_EQUAL(member_str(m, "at"), at);
	/* The entries kept are the newest, in order. */
	e = json_object_array_get_idx(hist, PATCH_HISTORY_MAX);
	tz_format_rfc3339(T1 + i - 1, at, sizeof(at));
	CU_ASSERT_STRING_EQUAL(member_str(e, "at"), at);
	CU_ASSERT_STRING_EQUAL(member_str(e, "to"),
	    member_str(job, "workStatus"));
	e = json_object_array_get_idx(hist, 1);
	tz_format_rfc3339(T1 + 50, at, sizeof(at));
	CU_ASSERT_STRING_EQUAL(member_str(e, "at"), at);
	json_object_put(job);
}

static void
test_jobs_merge_same_work_status_changes_nothing(void)
{
	struct json_object	*job = job_new();
	char			*before = strdup(json_object_to_json_string(job));

	CU_ASSERT_EQUAL(merge(job, "{\"workStatus\":\"scheduled\"}", "alice",
	    T1), 0);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string(job), before);
	free(before);
	json_object_put(job);
}

static void
test_jobs_merge_work_status_without_user_has_null_by(void)
{
	struct json_object	*job = job_new(), *e;

	CU_ASSERT_EQUAL(merge(job, "{\"workStatus\":\"checked_in\"}", NULL, T1),
	    1);
	e = json_object_array_get_idx(member(job, "statusHistory"), 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_TRUE(json_object_object_get_ex(e, "by", NULL));
	CU_ASSERT_PTR_NULL(member(e, "by"));
	json_object_put(job);
}

static void
test_jobs_merge_checklist_toggle_stamps_and_clears(void)
{
	struct json_object	*job = job_new(), *wash, *vac;
	struct snapshot		 s;
	char			 at[32];

	snapshot_take(job, &s);
	CU_ASSERT_EQUAL(merge(job, "{\"checklist\":{\"tech\":[{\"key\":\"wash\","
	    "\"done\":true}]}}", "alice", T1), 1);
	wash = item(job, "tech", "wash");
	tz_format_rfc3339(T1, at, sizeof(at));
	CU_ASSERT_TRUE(json_object_get_boolean(member(wash, "done")));
	CU_ASSERT_STRING_EQUAL(member_str(wash, "doneBy"), "alice");
	CU_ASSERT_STRING_EQUAL(member_str(wash, "doneAt"), at);
	CU_ASSERT_STRING_EQUAL(member_str(wash, "label"), "Hand wash");
	/* The other items are untouched. */
	vac = item(job, "tech", "vacuum");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(vac,
	    JSON_C_TO_STRING_PLAIN), "{\"key\":\"vacuum\",\"label\":"
	    "\"Vacuum interior\",\"done\":false,\"doneBy\":null,\"doneAt\":null}");
	CU_ASSERT_FALSE(json_object_get_boolean(member(item(job, "qc",
	    "inspect"), "done")));

	/* Ticking it again changes nothing, not even who or when. */
	CU_ASSERT_EQUAL(merge(job, "{\"checklist\":{\"tech\":[{\"key\":\"wash\","
	    "\"done\":true}]}}", "bob", T2), 0);
	CU_ASSERT_STRING_EQUAL(member_str(wash, "doneBy"), "alice");

	/* Un-ticking clears who and when. */
	CU_ASSERT_EQUAL(merge(job, "{\"checklist\":{\"tech\":[{\"key\":\"wash\","
	    "\"done\":false}]}}", "bob", T2), 1);
	wash = item(job, "tech", "wash");
	CU_ASSERT_FALSE(json_object_get_boolean(member(wash, "done")));
	CU_ASSERT_PTR_NULL(member(wash, "doneBy"));
	CU_ASSERT_PTR_NULL(member(wash, "doneAt"));
	CU_ASSERT_TRUE(json_object_object_get_ex(wash, "doneBy", NULL));
	snapshot_check(job, &s);
	json_object_put(job);
}

static void
test_jobs_merge_checklist_unknown_key_fails(void)
{
	struct json_object	*job = job_new(), *b;
	char			 err[256] = "";

	b = parse("{\"checklist\":{\"tech\":[{\"key\":\"polish\",\"done\":true}]}}");
	CU_ASSERT_EQUAL(jobs_patch_merge(job, b, "alice", T1, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "polish"));
	json_object_put(b);
	/* A key of the other list is not a key of this one. */
	b = parse("{\"checklist\":{\"qc\":[{\"key\":\"wash\",\"done\":true}]}}");
	err[0] = '\0';
	CU_ASSERT_EQUAL(jobs_patch_merge(job, b, "alice", T1, err, sizeof(err)),
	    -1);
	CU_ASSERT(err[0] != '\0');
	json_object_put(b);
	json_object_put(job);
}

/* A job already paid at T0 (payment as a PATCH left it). */
#define PAID_AT	"2026-11-24T16:00:00Z"
static struct json_object *
paid_job_new(void)
{
	struct json_object	*job = job_new();

	json_object_object_add(job, "payment", parse("{\"status\":\"paid\","
	    "\"method\":\"card\",\"amountCents\":18900,\"currency\":\"USD\","
	    "\"paidAt\":\"" PAID_AT "\"}"));
	return job;
}

/*
 * Once a bug (lib/jobs.c, merge_checklist): a stored checklist item whose "key"
 * is not a string (a checklist_templates row without "key" gives such
 * items: checklist_for copies a missing key as null) makes any checklist
 * PATCH of that job call strcmp(NULL, key) and crash the worker
 * (SIGSEGV).  Expected: -1 with "no item" in err.  Fixed; a regression
 * test now.
 */
static void
test_jobs_merge_checklist_item_without_key_is_no_match(void)
{
	struct json_object	*job = parse("{\"checklist\":{\"tech\":[{"
	    "\"key\":null,\"label\":\"Wax\",\"done\":false}]}}");
	struct json_object	*b = parse("{\"checklist\":{\"tech\":[{"
	    "\"key\":\"wax\",\"done\":true}]}}");
	char			 err[256] = "";

	CU_ASSERT_EQUAL(jobs_patch_merge(job, b, "alice", T1, err,
	    sizeof(err)), -1);
	json_object_put(b);
	json_object_put(job);
}

static void
test_jobs_merge_payment_unpaid_clears_paid_at(void)
{
	struct json_object	*job = paid_job_new(), *p;
	struct snapshot		 s;

	snapshot_take(job, &s);
	p = member(job, "payment");
	/* Another detail of a paid payment: paidAt stays. */
	CU_ASSERT_EQUAL(merge(job, "{\"payment\":{\"method\":\"cash\"}}",
	    "bob", T2), 1);
	CU_ASSERT_STRING_EQUAL(member_str(p, "paidAt"), PAID_AT);
	CU_ASSERT_STRING_EQUAL(member_str(p, "method"), "cash");
	CU_ASSERT_EQUAL(json_object_get_int64(member(p, "amountCents")), 18900);

	/* Back to unpaid clears it. */
	CU_ASSERT_EQUAL(merge(job, "{\"payment\":{\"status\":\"unpaid\"}}",
	    "bob", T2), 1);
	CU_ASSERT_STRING_EQUAL(member_str(p, "status"), "unpaid");
	CU_ASSERT_TRUE(json_object_object_get_ex(p, "paidAt", NULL));
	CU_ASSERT_PTR_NULL(member(p, "paidAt"));

	/* The same again changes nothing; null removes the payment. */
	CU_ASSERT_EQUAL(merge(job, "{\"payment\":{\"status\":\"unpaid\"}}",
	    "bob", T2), 0);
	CU_ASSERT_EQUAL(merge(job, "{\"payment\":null}", "bob", T2), 1);
	CU_ASSERT_PTR_NULL(member(job, "payment"));
	CU_ASSERT_EQUAL(merge(job, "{\"payment\":null}", "bob", T2), 0);
	snapshot_check(job, &s);
	json_object_put(job);
}

static void
test_jobs_merge_payment_defaults_on_first_write(void)
{
	struct json_object	*job = job_new(), *p;

	CU_ASSERT_EQUAL(merge(job, "{\"payment\":{\"status\":\"comped\"}}",
	    "alice", T1), 1);
	p = member(job, "payment");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(p,
	    JSON_C_TO_STRING_PLAIN), "{\"status\":\"comped\",\"method\":null,"
	    "\"amountCents\":0,\"currency\":\"USD\",\"paidAt\":null}");
	json_object_put(job);
}

/*
 * Once a bug (lib/jobs.c, merge_payment): `was` is taken with
 * json_object_get_string(get(p, "status")), a pointer into the "status"
 * member, and set_copy(p, "status", …) then frees that member, so
 * strcmp(was, "paid") reads freed memory (valgrind: invalid read in
 * merge_payment).  Seen: paid → paid with another method re-stamps
 * paidAt with the new time (expected: the first time stays), and every
 * → paid merge reads freed memory.  Fixed; a regression test now.
 */
static void
test_jobs_merge_payment_paid_sets_paid_at_once(void)
{
	struct json_object	*job = job_new(), *p;
	char			 at[32];

	CU_ASSERT_EQUAL(merge(job, "{\"payment\":{\"status\":\"paid\","
	    "\"method\":\"card\",\"amountCents\":18900}}", "alice", T1), 1);
	p = member(job, "payment");
	tz_format_rfc3339(T1, at, sizeof(at));
	CU_ASSERT_STRING_EQUAL(member_str(p, "status"), "paid");
	CU_ASSERT_STRING_EQUAL(member_str(p, "currency"), "USD");
	CU_ASSERT_STRING_EQUAL(member_str(p, "paidAt"), at);
	/* Still paid, another method: paidAt keeps the first time. */
	CU_ASSERT_EQUAL(merge(job, "{\"payment\":{\"status\":\"paid\","
	    "\"method\":\"cash\"}}", "bob", T2), 1);
	CU_ASSERT_STRING_EQUAL(member_str(p, "paidAt"), at);
	json_object_put(job);
}

static void
test_jobs_merge_issue_reported_and_resolved_stamps(void)
{
	struct json_object	*job = job_new(), *is;
	struct snapshot		 s;
	char			 at1[32], at2[32];

	tz_format_rfc3339(T1, at1, sizeof(at1));
	tz_format_rfc3339(T2, at2, sizeof(at2));
	snapshot_take(job, &s);
	CU_ASSERT_EQUAL(merge(job, "{\"postCompletionIssue\":{\"description\":"
	    "\"Swirl marks on hood\"}}", "alice", T1), 1);
	is = member(job, "postCompletionIssue");
	CU_ASSERT_PTR_NOT_NULL_FATAL(is);
	CU_ASSERT_STRING_EQUAL(member_str(is, "description"),
	    "Swirl marks on hood");
	CU_ASSERT_FALSE(json_object_get_boolean(member(is, "resolved")));
	CU_ASSERT_STRING_EQUAL(member_str(is, "reportedAt"), at1);
	CU_ASSERT_STRING_EQUAL(member_str(is, "reportedBy"), "alice");
	CU_ASSERT_PTR_NULL(member(is, "resolvedAt"));
	CU_ASSERT_PTR_NULL(member(is, "resolvedBy"));

	CU_ASSERT_EQUAL(merge(job, "{\"postCompletionIssue\":{\"resolved\":"
	    "true}}", "bob", T2), 1);
	CU_ASSERT_TRUE(json_object_get_boolean(member(is, "resolved")));
	CU_ASSERT_STRING_EQUAL(member_str(is, "resolvedAt"), at2);
	CU_ASSERT_STRING_EQUAL(member_str(is, "resolvedBy"), "bob");
	CU_ASSERT_STRING_EQUAL(member_str(is, "reportedAt"), at1);
	CU_ASSERT_STRING_EQUAL(member_str(is, "reportedBy"), "alice");
	CU_ASSERT_STRING_EQUAL(member_str(is, "description"),
	    "Swirl marks on hood");

	/* Resolved again: the first resolution stands. */
	CU_ASSERT_EQUAL(merge(job, "{\"postCompletionIssue\":{\"resolved\":"
	    "true}}", "carol", T2 + 60), 0);
	CU_ASSERT_STRING_EQUAL(member_str(is, "resolvedBy"), "bob");

	/* Reopened: the resolution is cleared. */
	CU_ASSERT_EQUAL(merge(job, "{\"postCompletionIssue\":{\"resolved\":"
	    "false}}", "carol", T2), 1);
	CU_ASSERT_PTR_NULL(member(is, "resolvedAt"));
	CU_ASSERT_PTR_NULL(member(is, "resolvedBy"));

	CU_ASSERT_EQUAL(merge(job, "{\"postCompletionIssue\":null}", "carol",
	    T2), 1);
	CU_ASSERT_PTR_NULL(member(job, "postCompletionIssue"));
	snapshot_check(job, &s);
	json_object_put(job);
}

static void
test_jobs_merge_vehicle_keeps_unspecified_members(void)
{
	struct json_object	*job = job_new(), *v;
	struct snapshot		 s;

	snapshot_take(job, &s);
	CU_ASSERT_EQUAL(merge(job, "{\"vehicle\":{\"make\":\"Toyota\","
	    "\"year\":2019}}", "alice", T1), 1);
	CU_ASSERT_EQUAL(merge(job, "{\"vehicle\":{\"color\":\"Silver\"}}",
	    "alice", T1), 1);
	v = member(job, "vehicle");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN), "{\"make\":\"Toyota\",\"model\":null,"
	    "\"year\":2019,\"color\":\"Silver\",\"plate\":null}");
	CU_ASSERT_EQUAL(merge(job, "{\"vehicle\":{\"color\":\"Silver\"}}",
	    "alice", T1), 0);
	/* null clears one member. */
	CU_ASSERT_EQUAL(merge(job, "{\"vehicle\":{\"year\":null}}", "alice",
	    T1), 1);
	CU_ASSERT_PTR_NULL(member(v, "year"));
	CU_ASSERT_STRING_EQUAL(member_str(v, "make"), "Toyota");
	snapshot_check(job, &s);
	json_object_put(job);
}

static void
test_jobs_merge_notes_replace(void)
{
	struct json_object	*job = job_new();
	struct snapshot		 s;

	snapshot_take(job, &s);
	CU_ASSERT_EQUAL(merge(job, "{\"notes\":\"Dog hair in the back.\"}",
	    "alice", T1), 1);
	CU_ASSERT_STRING_EQUAL(member_str(job, "notes"), "Dog hair in the back.");
	CU_ASSERT_EQUAL(merge(job, "{\"notes\":\"Done.\"}", "alice", T1), 1);
	CU_ASSERT_STRING_EQUAL(member_str(job, "notes"), "Done.");
	CU_ASSERT_EQUAL(merge(job, "{\"notes\":\"Done.\"}", "alice", T1), 0);
	snapshot_check(job, &s);
	json_object_put(job);
}

/* Everything at once: staff fields change, nothing else does. */
static void
test_jobs_merge_never_touches_square_or_system_fields(void)
{
	struct json_object	*job = job_new();
	struct snapshot		 s;
	size_t			 n = 0;

	snapshot_take(job, &s);
	CU_ASSERT_EQUAL(merge(job, "{\"workStatus\":\"completed\","
	    "\"checklist\":{\"tech\":[{\"key\":\"vacuum\",\"done\":true},"
	    "{\"key\":\"wash\",\"done\":true}],\"qc\":[{\"key\":\"inspect\","
	    "\"done\":true}]},\"payment\":{\"status\":\"refunded\","
	    "\"amountCents\":100,\"currency\":\"EUR\"},"
	    "\"postCompletionIssue\":{\"description\":\"x\",\"resolved\":true},"
	    "\"vehicle\":{\"make\":\"VW\",\"model\":\"Golf\",\"year\":2004,"
	    "\"color\":\"Blue\",\"plate\":\"X1\"},\"notes\":\"all done\""
	    "}", "alice", T1), 1);
	snapshot_check(job, &s);
	/* No member added or removed at the top. */
	json_object_object_foreach(job, key, val) {
		(void)key;
		(void)val;
		n++;
	}
	CU_ASSERT_EQUAL(n, 27);
	CU_ASSERT_EQUAL(json_object_get_int64(member(job, "version")), 3);
	json_object_put(job);
}

/* ---- the Square side ---------------------------------------------- */

static void
square_row(struct job_square *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->booking_id, sizeof(s->booking_id), "bk-7hq2");
	s->booking_version = 2;
	snprintf(s->booking_status, sizeof(s->booking_status), "ACCEPTED");
	s->appointment_time = T1;
	s->duration_minutes = 150;
	s->service_type = "Full Detail";
	snprintf(s->service_variation_id, sizeof(s->service_variation_id),
	    "SVV1");
	snprintf(s->location_id, sizeof(s->location_id), "L72T9RQ");
	snprintf(s->team_member_id, sizeof(s->team_member_id), "TM-ana");
	snprintf(s->customer_id, sizeof(s->customer_id), "CUST-1");
	s->customer_note = "Gate code 4411";
	s->customer_cached = 1;
	s->customer_name = "Rosa Diaz";
	s->customer_phone = "+15555550100";
	s->customer_email = "rosa@example.com";
	s->customer_cached_at = T1 - 86400;
}

/* The one field name that differs, or "" for none, "many" for more. */
static const char *
diff1(const struct job_square *a, const struct job_square *b)
{
	const char	*names[16];
	size_t		 n;

	n = jobs_square_diff(a, b, names, 16);
	return n == 0 ? "" : n == 1 ? names[0] : "many";
}

static void
test_jobs_square_diff_names_each_change(void)
{
	struct job_square	 a, b;

	square_row(&a);
	square_row(&b);
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "");
	b.booking_version = 3;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "bookingVersion");
	square_row(&b);
	snprintf(b.booking_status, sizeof(b.booking_status),
	    "CANCELLED_BY_CUSTOMER");
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "bookingStatus");
	square_row(&b);
	b.appointment_time += 1800;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "appointmentTime");
	square_row(&b);
	b.duration_minutes = 90;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "durationMinutes");
	square_row(&b);
	b.service_type = "Express Wash";
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "serviceType");
	square_row(&b);
	snprintf(b.service_variation_id, sizeof(b.service_variation_id), "SVV2");
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "serviceVariationId");
	square_row(&b);
	snprintf(b.location_id, sizeof(b.location_id), "L2");
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "locationId");
	square_row(&b);
	snprintf(b.team_member_id, sizeof(b.team_member_id), "TM-bo");
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "teamMemberId");
	square_row(&b);
	snprintf(b.customer_id, sizeof(b.customer_id), "CUST-2");
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerId");
	square_row(&b);
	b.customer_note = "Gate code 9999";
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerNote");
	square_row(&b);
	b.customer_phone = "+15555550199";
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerCached");
	square_row(&b);
	b.customer_email = NULL;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerCached");
	square_row(&b);
	b.customer_cached = 0;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerCached");
}

static void
test_jobs_square_diff_cache_time_alone_is_no_change(void)
{
	struct job_square	 a, b;

	square_row(&a);
	square_row(&b);
	b.customer_cached_at = T2;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "");
}

/*
 * NULL and "" are different values (the Square side stores an empty
 * note as NULL, so a stored "" is one to correct); NULL and NULL are
 * the same.
 */
static void
test_jobs_square_diff_null_and_empty_strings(void)
{
	struct job_square	 a, b;

	square_row(&a);
	square_row(&b);
	a.customer_note = b.customer_note = NULL;
	a.service_type = b.service_type = NULL;
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "");
	b.customer_note = "";
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerNote");
	CU_ASSERT_STRING_EQUAL(diff1(&b, &a), "customerNote");
	b.customer_note = NULL;
	b.service_type = "";
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "serviceType");
	b.service_type = NULL;
	a.customer_name = NULL;
	b.customer_name = "";
	CU_ASSERT_STRING_EQUAL(diff1(&a, &b), "customerCached");
}

static void
test_jobs_square_diff_respects_max(void)
{
	struct job_square	 a, b;
	const char		*names[3] = { NULL, NULL, NULL };

	square_row(&a);
	memset(&b, 0, sizeof(b));
	b.booking_version = 9;
	CU_ASSERT(jobs_square_diff(&a, &b, names, 2) == 2);
	CU_ASSERT_STRING_EQUAL(names[0], "bookingVersion");
	CU_ASSERT_STRING_EQUAL(names[1], "bookingStatus");
	CU_ASSERT_PTR_NULL(names[2]);
}

static void
test_db_time_rfc3339(void)
{
	char		 buf[40];
	const char	*bad[] = { "", "2026-11-25T17:00:00", "2026-11-25 17:00",
	    "2026-11-25 17:00:00.1", "2026-11-25 17:00:00.123456",
	    "2026-11-25", NULL };
	size_t		 i;

	CU_ASSERT_EQUAL(db_time_rfc3339("2026-11-25 17:00:00", buf,
	    sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "2026-11-25T17:00:00Z");
	CU_ASSERT_EQUAL(db_time_rfc3339("2026-11-25 17:00:00.250", buf,
	    sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "2026-11-25T17:00:00.250Z");
	CU_ASSERT_EQUAL(db_time_rfc3339(NULL, buf, sizeof(buf)), -1);
	for (i = 0; bad[i] != NULL; i++)
		if (db_time_rfc3339(bad[i], buf, sizeof(buf)) != -1)
			CU_FAIL(bad[i]);
}

static void
test_jobs_new_id_is_a_valid_random_id(void)
{
	char	 a[23], b[23], small[22];

	CU_ASSERT_EQUAL_FATAL(jobs_new_id(a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(jobs_new_id(b, sizeof(b)), 0);
	CU_ASSERT_EQUAL(strlen(a), 22);
	CU_ASSERT_EQUAL(http_valid_id(a), 1);
	CU_ASSERT_EQUAL(http_valid_id(b), 1);
	CU_ASSERT(strcmp(a, b) != 0);
	CU_ASSERT_EQUAL(jobs_new_id(small, sizeof(small)), -1);
}

/* The UTF-8 cut: characters counted, bytes bounded, never half a character. */
static void
test_jobs_utf8_cut_on_character_boundaries(void)
{
	/* "ñ" is 2 bytes, "€" 3, "😀" 4. */
	CU_ASSERT_EQUAL(jobs_utf8_cut("abcdef", 4, (size_t)-1), 4);
	CU_ASSERT_EQUAL(jobs_utf8_cut("abc", 10, (size_t)-1), 3);
	CU_ASSERT_EQUAL(jobs_utf8_cut("\xc3\xb1\xc3\xb1\xc3\xb1", 2,
	    (size_t)-1), 4);
	CU_ASSERT_EQUAL(jobs_utf8_cut("a\xe2\x82\xac", 2, (size_t)-1), 4);
	/* A byte bound inside a character cuts before that character. */
	CU_ASSERT_EQUAL(jobs_utf8_cut("a\xe2\x82\xac", 10, 3), 1);
	CU_ASSERT_EQUAL(jobs_utf8_cut("\xf0\x9f\x98\x80" "x", 10, 4), 4);
	CU_ASSERT_EQUAL(jobs_utf8_cut("\xf0\x9f\x98\x80" "x", 10, 3), 0);
	/* A sequence cut off at the end, or invalid, ends the value. */
	CU_ASSERT_EQUAL(jobs_utf8_cut("ab\xe2\x82", 10, (size_t)-1), 2);
	CU_ASSERT_EQUAL(jobs_utf8_cut("ab\xff" "cd", 10, (size_t)-1), 2);
	CU_ASSERT_EQUAL(jobs_utf8_cut("", 10, 10), 0);
}

/* Each Square string is cut to its column: 255 characters of a name. */
static void
test_jobs_square_fit_cuts_to_columns(void)
{
	struct job_square	 s;
	char			 name[401 * 2 + 1];
	size_t			 i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < 400; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);	/* é */
	name[800] = '\0';
	s.customer_name = strdup(name);
	s.customer_email = strdup("short@example.com");
	snprintf(s.booking_status, sizeof(s.booking_status), "ACCEPTED");
	jobs_square_fit(&s);
	CU_ASSERT_EQUAL(strlen(s.customer_name), 255 * 2);
	CU_ASSERT_STRING_EQUAL(s.customer_email, "short@example.com");
	CU_ASSERT_STRING_EQUAL(s.booking_status, "ACCEPTED");
	CU_ASSERT_PTR_NULL(s.customer_note);
	jobs_square_clear(&s);
}

static CU_TestInfo tests[] = {
	{ "field_owner follows SPEC's table",
	    test_jobs_field_owner_follows_the_spec_table },
	{ "field_owner: unknown is -1", test_jobs_field_owner_unknown_is_minus_one },
	{ "every job field has an owner", test_jobs_every_job_field_has_an_owner },
	{ "the Square write names only Square columns",
	    test_jobs_square_write_names_only_square_columns },
	{ "each statement's columns follow the field table",
	    test_jobs_sql_column_lists_follow_the_field_table },
	{ "runs: each statement's columns follow its table",
	    test_runs_sql_column_lists_follow_the_tables },
	{ "the test's column reader sees order",
	    test_jobs_sql_columns_reader_sees_order },
	{ "patch_check accepts staff fields",
	    test_jobs_patch_check_accepts_staff_fields },
	{ "patch_check rejects Square and system fields",
	    test_jobs_patch_check_rejects_square_and_system_fields },
	{ "patch_check refuses the photo lists",
	    test_jobs_patch_check_refuses_photo_lists },
	{ "patch_check's message names the field",
	    test_jobs_patch_check_message_names_the_field },
	{ "patch_check rejects unknown, empty, non-objects",
	    test_jobs_patch_check_rejects_unknown_empty_and_non_objects },
	{ "patch_check rejects bad shapes", test_jobs_patch_check_rejects_bad_shapes },
	{ "patch_check bounds notes and descriptions",
	    test_jobs_patch_check_bounds_lengths },
	{ "merge: workStatus appends one history entry",
	    test_jobs_merge_work_status_appends_one_history_entry },
	{ "merge: statusHistory keeps the last 200 and a marker",
	    test_jobs_merge_status_history_is_bounded },
	{ "merge: same workStatus changes nothing",
	    test_jobs_merge_same_work_status_changes_nothing },
	{ "merge: no user, by is null",
	    test_jobs_merge_work_status_without_user_has_null_by },
	{ "merge: checklist toggle stamps, un-toggle clears",
	    test_jobs_merge_checklist_toggle_stamps_and_clears },
	{ "merge: unknown checklist key fails",
	    test_jobs_merge_checklist_unknown_key_fails },
	{ "merge: payment to unpaid clears paidAt",
	    test_jobs_merge_payment_unpaid_clears_paid_at },
	{ "merge: payment defaults on first write",
	    test_jobs_merge_payment_defaults_on_first_write },
	{ "merge: issue reported/resolved stamps",
	    test_jobs_merge_issue_reported_and_resolved_stamps },
	{ "merge: vehicle keeps unspecified members",
	    test_jobs_merge_vehicle_keeps_unspecified_members },
	{ "merge: notes replace", test_jobs_merge_notes_replace },
	{ "merge: Square and system fields untouched",
	    test_jobs_merge_never_touches_square_or_system_fields },
	{ "square_diff names each change", test_jobs_square_diff_names_each_change },
	{ "square_diff: cache time alone is no change",
	    test_jobs_square_diff_cache_time_alone_is_no_change },
	{ "square_diff: NULL vs \"\"", test_jobs_square_diff_null_and_empty_strings },
	{ "square_diff respects max", test_jobs_square_diff_respects_max },
	{ "db_time_rfc3339", test_db_time_rfc3339 },
	{ "new_id: 22 URL-safe random characters",
	    test_jobs_new_id_is_a_valid_random_id },
	{ "merge: payment to paid sets paidAt once",
	    test_jobs_merge_payment_paid_sets_paid_at_once },
	{ "merge: a stored item without a key matches nothing",
	    test_jobs_merge_checklist_item_without_key_is_no_match },
	{ "utf8_cut: on character boundaries",
	    test_jobs_utf8_cut_on_character_boundaries },
	{ "square_fit: each value cut to its column",
	    test_jobs_square_fit_cuts_to_columns },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "jobs", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	/* Referenced so the known-bug tests stay compiled (-Werror). */
	(void)test_jobs_merge_payment_paid_sets_paid_at_once;
	(void)test_jobs_merge_checklist_item_without_key_is_no_match;
	return testmain_run(suites);
}
