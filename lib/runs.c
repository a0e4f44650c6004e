/*
 * Reconcile run records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jobs.h"
#include "log.h"
#include "runs.h"
#include "tz.h"

enum runs_sql {
	SQL_START, SQL_FINISH, SQL_LIST, SQL_LAST, SQL_PURGE_RUNS,
	SQL_PURGE_EVENTS, SQL__MAX
};

static const char *const sqls[SQL__MAX] = {
	/* SQL_START */
	"INSERT INTO reconcile_runs (started_at, run_trigger, dry_run, "
	"window_start, window_end, errors) VALUES (UTC_TIMESTAMP(3), ?, ?, "
	"?, ?, '[]')",
	/* SQL_FINISH */
	"UPDATE reconcile_runs SET finished_at = UTC_TIMESTAMP(3), "
	"scanned = ?, created = ?, updated = ?, skipped = ?, "
	"customers_refreshed = ?, square_calls = ?, errors = ?, "
	"duration_ms = ?, status = ? WHERE id = ?",
	/* SQL_LIST */
	"SELECT id, started_at, finished_at, run_trigger, dry_run, scanned, "
	"created, updated, skipped, customers_refreshed, errors, duration_ms, "
	"status, window_start, window_end "
	"FROM reconcile_runs ORDER BY id DESC LIMIT ?",
	/* SQL_LAST */
	"SELECT id, finished_at, errors, "
	"TIMESTAMPDIFF(SECOND, finished_at, UTC_TIMESTAMP()) "
	"FROM reconcile_runs WHERE finished_at IS NOT NULL "
	"ORDER BY id DESC LIMIT 1",
	/* SQL_PURGE_RUNS: by the started_at index (no LIMIT: safe for
	 * statement-based binary logs; each run purges ten minutes' worth) */
	"DELETE FROM reconcile_runs "
	"WHERE started_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY",
	/* SQL_PURGE_EVENTS: by the received_at index */
	"DELETE FROM webhook_events "
	"WHERE received_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY",
};

static void
fmt_db_time(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm);
}

int
runs_start(struct db *db, const char *trigger, int dry_run, time_t ws,
    time_t we, int64_t *id)
{
	char		 a[24], b[24];
	struct db_arg	 args[4];

	fmt_db_time(ws, a, sizeof(a));
	fmt_db_time(we, b, sizeof(b));
	args[0] = DB_ARG_STR(trigger);
	args[1] = DB_ARG_INT(dry_run ? 1 : 0);
	args[2] = DB_ARG_STR(a);
	args[3] = DB_ARG_STR(b);
	if (db_exec(db, sqls[SQL_START], args, 4, NULL, NULL) == -1)
		return -1;
	*id = (int64_t)db_insert_id(db);
	return 0;
}

int
runs_finish(struct db *db, int64_t id, const struct run_counts *c,
    struct json_object *errors, long duration_ms, const char *status)
{
	struct db_arg	 args[10];

	args[0] = DB_ARG_INT(c->scanned);
	args[1] = DB_ARG_INT(c->created);
	args[2] = DB_ARG_INT(c->updated);
	args[3] = DB_ARG_INT(c->skipped);
	args[4] = DB_ARG_INT(c->customers_refreshed);
	args[5] = DB_ARG_INT(c->square_calls);
	args[6] = DB_ARG_STR(json_object_to_json_string_ext(errors,
	    JSON_C_TO_STRING_PLAIN));
	args[7] = DB_ARG_INT(duration_ms);
	args[8] = DB_ARG_STR(status);
	args[9] = DB_ARG_INT(id);
	return db_exec(db, sqls[SQL_FINISH], args, 10, NULL, NULL);
}

static struct json_object *
time_or_null(const char *dbtime)
{
	char	 buf[40];

	return jobs_db_time_rfc3339(dbtime, buf, sizeof(buf)) == -1 ? NULL :
	    json_object_new_string(buf);
}

int
runs_list(struct db *db, long limit, struct json_object **out)
{
	struct db_arg	 args[] = { DB_ARG_INT(limit) };
	struct db_res	*res;
	struct json_object *arr, *o, *e, *w;
	size_t		 r;

	if (db_exec(db, sqls[SQL_LIST], args, 1, &res, NULL) == -1)
		return -1;
	arr = json_object_new_array();
	for (r = 0; r < res->nrows; r++) {
		o = json_object_new_object();
		json_object_object_add(o, "runId", json_object_new_string(
		    db_cell(res, r, 0)));
		json_object_object_add(o, "startedAt",
		    time_or_null(db_cell(res, r, 1)));
		json_object_object_add(o, "finishedAt",
		    time_or_null(db_cell(res, r, 2)));
		json_object_object_add(o, "trigger", json_object_new_string(
		    db_cell(res, r, 3)));
		json_object_object_add(o, "dryRun", json_object_new_boolean(
		    db_cell_int(res, r, 4) == 1));
		json_object_object_add(o, "scanned",
		    json_object_new_int64(db_cell_int(res, r, 5)));
		json_object_object_add(o, "created",
		    json_object_new_int64(db_cell_int(res, r, 6)));
		json_object_object_add(o, "updated",
		    json_object_new_int64(db_cell_int(res, r, 7)));
		json_object_object_add(o, "skipped",
		    json_object_new_int64(db_cell_int(res, r, 8)));
		json_object_object_add(o, "customersRefreshed",
		    json_object_new_int64(db_cell_int(res, r, 9)));
		if ((e = json_tokener_parse(db_cell(res, r, 10))) == NULL)
			e = json_object_new_array();
		json_object_object_add(o, "errors", e);
		json_object_object_add(o, "durationMs",
		    json_object_new_int64(db_cell_int(res, r, 11)));
		json_object_object_add(o, "status", json_object_new_string(
		    db_cell(res, r, 12)));
		w = json_object_new_object();
		json_object_object_add(w, "start",
		    time_or_null(db_cell(res, r, 13)));
		json_object_object_add(w, "end",
		    time_or_null(db_cell(res, r, 14)));
		json_object_object_add(o, "window", w);
		json_object_array_add(arr, o);
	}
	db_res_free(res);
	*out = arr;
	return 0;
}

int
runs_last(struct db *db, struct json_object **out)
{
	struct db_res	*res;
	struct json_object *o, *e;

	*out = NULL;
	if (db_exec(db, sqls[SQL_LAST], NULL, 0, &res, NULL) == -1)
		return -1;
	if (res->nrows == 1) {
		o = json_object_new_object();
		json_object_object_add(o, "runId", json_object_new_string(
		    db_cell(res, 0, 0)));
		json_object_object_add(o, "finishedAt",
		    time_or_null(db_cell(res, 0, 1)));
		json_object_object_add(o, "ageSeconds",
		    json_object_new_int64(db_cell_int(res, 0, 3)));
		e = json_tokener_parse(db_cell(res, 0, 2));
		json_object_object_add(o, "errors", json_object_new_int64(
		    e != NULL && json_object_is_type(e, json_type_array) ?
		    (int64_t)json_object_array_length(e) : 0));
		json_object_put(e);
		*out = o;
	}
	db_res_free(res);
	return 0;
}

int
runs_purge(struct db *db, long days)
{
	struct db_arg	 args[] = { DB_ARG_INT(days) };
	uint64_t	 runs = 0, events = 0;

	if (days < 1)
		return 0;
	if (db_exec(db, sqls[SQL_PURGE_RUNS], args, 1, NULL, &runs) == -1 ||
	    db_exec(db, sqls[SQL_PURGE_EVENTS], args, 1, NULL,
	    &events) == -1)
		return -1;
	if (runs > 0 || events > 0)
		log_info("[RECONCILE] purged %llu runs and %llu webhook events "
		    "older than %ld days", (unsigned long long)runs,
		    (unsigned long long)events, days);
	return 0;
}
