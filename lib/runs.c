/*
 * Reconcile run records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "runs.h"
#include "tz.h"

enum runs_sql {
	SQL_START, SQL_FINISH, SQL_LIST, SQL_LAST, SQL_PURGE_RUNS,
	SQL_PURGE_EVENTS, SQL_ABANDONED, SQL_ABANDON, SQL__MAX
};

/* The columns of SQL_LIST, in its order, and how each becomes JSON. */
enum run_type { RT_STR, RT_INT, RT_BOOL, RT_TIME, RT_ARRAY, RT_WINDOW };
enum run_col {
	RUN_ID, RUN_STARTED_AT, RUN_FINISHED_AT, RUN_TRIGGER, RUN_DRY_RUN,
	RUN_SCANNED, RUN_CREATED, RUN_UPDATED, RUN_SKIPPED,
	RUN_CUSTOMERS_REFRESHED, RUN_ERRORS, RUN_DURATION_MS, RUN_STATUS,
	RUN_WINDOW_START, RUN_WINDOW_END, RUN__MAX
};
static const struct {
	const char	*column;
	const char	*json;		/* RT_WINDOW: the member of "window" */
	enum run_type	 type;
} run_cols[RUN__MAX] = {
	[RUN_ID] = { "id", "runId", RT_STR },
	[RUN_STARTED_AT] = { "started_at", "startedAt", RT_TIME },
	[RUN_FINISHED_AT] = { "finished_at", "finishedAt", RT_TIME },
	[RUN_TRIGGER] = { "run_trigger", "trigger", RT_STR },
	[RUN_DRY_RUN] = { "dry_run", "dryRun", RT_BOOL },
	[RUN_SCANNED] = { "scanned", "scanned", RT_INT },
	[RUN_CREATED] = { "created", "created", RT_INT },
	[RUN_UPDATED] = { "updated", "updated", RT_INT },
	[RUN_SKIPPED] = { "skipped", "skipped", RT_INT },
	[RUN_CUSTOMERS_REFRESHED] = { "customers_refreshed",
	    "customersRefreshed", RT_INT },
	[RUN_ERRORS] = { "errors", "errors", RT_ARRAY },
	[RUN_DURATION_MS] = { "duration_ms", "durationMs", RT_INT },
	[RUN_STATUS] = { "status", "status", RT_STR },
	[RUN_WINDOW_START] = { "window_start", "start", RT_WINDOW },
	[RUN_WINDOW_END] = { "window_end", "end", RT_WINDOW },
};

/* The columns of SQL_LAST, in its order. */
enum last_col { LAST_ID, LAST_FINISHED_AT, LAST_ERRORS, LAST_AGE, LAST__MAX };
static const char *const last_cols[LAST__MAX] = {
	"id", "finished_at", "errors",
	"TIMESTAMPDIFF(SECOND, finished_at, UTC_TIMESTAMP())",
};

static const char *const sqls[SQL__MAX] = {
	/* SQL_START */
	"INSERT INTO reconcile_runs (started_at, run_trigger, dry_run, "
	"window_start, window_end, errors) VALUES (UTC_TIMESTAMP(3), ?, ?, "
	"?, ?, '[]')",
	/* SQL_FINISH: the arguments in this order, then the id */
	"UPDATE reconcile_runs SET finished_at = UTC_TIMESTAMP(3), "
	"scanned = ?, created = ?, updated = ?, skipped = ?, "
	"customers_refreshed = ?, square_calls = ?, errors = ?, "
	"duration_ms = ?, status = ? WHERE id = ?",
	/* SQL_LIST: run_cols[] */
	"SELECT id, started_at, finished_at, run_trigger, dry_run, scanned, "
	"created, updated, skipped, customers_refreshed, errors, duration_ms, "
	"status, window_start, window_end "
	"FROM reconcile_runs ORDER BY id DESC LIMIT ?",
	/* SQL_LAST: last_cols[] */
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
	/* SQL_ABANDONED: runs before this one that never finished, and the
	 * span of the windows of those that could write */
	"SELECT COUNT(*), MIN(IF(dry_run = 0, window_start, NULL)), "
	"MAX(IF(dry_run = 0, window_end, NULL)) FROM reconcile_runs "
	"WHERE status = 'running' AND id < ?",
	/* SQL_ABANDON */
	"UPDATE reconcile_runs SET status = 'failed', "
	"finished_at = UTC_TIMESTAMP(3), errors = ? "
	"WHERE status = 'running' AND id < ?",
};

/* What an abandoned run's record says. */
static const char abandoned_errors[] =
	"[{\"stage\":\"run\",\"message\":\"the run stopped before it "
	"finished (its program ended); the next run marked the calendar days "
	"of its window changed\"}]";

const char *
runs_sql_columns(size_t n, char *cols, size_t colsz)
{
	size_t	 i, len = 0;

	cols[0] = '\0';
	if (n == 0) {
		for (i = 0; i < RUN__MAX; i++)
			len += (size_t)snprintf(cols + len, len < colsz ?
			    colsz - len : 0, "%s%s", i > 0 ? ", " : "",
			    run_cols[i].column);
		return sqls[SQL_LIST];
	}
	if (n == 1) {
		for (i = 0; i < LAST__MAX; i++)
			len += (size_t)snprintf(cols + len, len < colsz ?
			    colsz - len : 0, "%s%s", i > 0 ? ", " : "",
			    last_cols[i]);
		return sqls[SQL_LAST];
	}
	return NULL;
}

int
runs_start(struct db *db, const char *trigger, int dry_run, time_t ws,
    time_t we, int64_t *id)
{
	char		 a[24], b[24];
	struct db_arg	 args[4];

	db_time_format(ws, a, sizeof(a));
	db_time_format(we, b, sizeof(b));
	args[0] = db_arg_str(trigger);
	args[1] = db_arg_int(dry_run ? 1 : 0);
	args[2] = db_arg_str(a);
	args[3] = db_arg_str(b);
	if (db_exec(db, sqls[SQL_START], args, 4, NULL, NULL) == -1)
		return -1;
	*id = (int64_t)db_insert_id(db);
	return 0;
}

int
runs_finish(struct db *db, int64_t id, const struct run_counts *c,
    struct json_object *errors, long duration_ms, const char *status)
{
	struct db_arg	 args[] = {	/* in the order of SQL_FINISH */
		db_arg_int(c->scanned),
		db_arg_int(c->created),
		db_arg_int(c->updated),
		db_arg_int(c->skipped),
		db_arg_int(c->customers_refreshed),
		db_arg_int(c->square_calls),
		db_arg_str(json_object_to_json_string_ext(errors,
		    JSON_C_TO_STRING_PLAIN)),
		db_arg_int(duration_ms),
		db_arg_str(status),
		db_arg_int(id),
	};

	return db_exec(db, sqls[SQL_FINISH], args,
	    sizeof(args) / sizeof(args[0]), NULL, NULL);
}

int
runs_abandoned(struct db *db, int64_t id, time_t *from, time_t *to)
{
	struct db_arg	 args[2];
	struct db_res	*res;
	int64_t		 n;

	*from = *to = 0;
	args[0] = db_arg_int(id);
	if (db_exec(db, sqls[SQL_ABANDONED], args, 1, &res, NULL) == -1)
		return -1;
	if ((n = db_cell_int(res, 0, 0)) > 0 && db_cell(res, 0, 1) != NULL &&
	    db_cell(res, 0, 2) != NULL) {
		*from = db_time_parse(db_cell(res, 0, 1));
		*to = db_time_parse(db_cell(res, 0, 2));
	}
	db_res_free(res);
	if (n == 0)
		return 0;
	args[0] = db_arg_str(abandoned_errors);
	args[1] = db_arg_int(id);
	if (db_exec(db, sqls[SQL_ABANDON], args, 2, NULL, NULL) == -1)
		return -1;
	return 1;
}

static struct json_object *
time_or_null(const char *dbtime)
{
	char	 buf[40];

	return db_time_rfc3339(dbtime, buf, sizeof(buf)) == -1 ? NULL :
	    json_object_new_string(buf);
}

int
runs_list(struct db *db, long limit, struct json_object **out)
{
	struct db_arg	 args[] = { db_arg_int(limit) };
	struct db_res	*res;
	struct json_object *arr, *o, *w, *v = NULL;
	const char	*cell;
	size_t		 r, i;

	if (db_exec(db, sqls[SQL_LIST], args, 1, &res, NULL) == -1)
		return -1;
	arr = json_object_new_array();
	for (r = 0; r < res->nrows; r++) {
		o = json_object_new_object();
		w = json_object_new_object();
		for (i = 0; i < RUN__MAX; i++) {
			cell = db_cell(res, r, i);
			switch (run_cols[i].type) {
			case RT_STR:
				v = cell == NULL ? NULL :
				    json_object_new_string(cell);
				break;
			case RT_INT:
				v = json_object_new_int64(db_cell_int(res, r,
				    i));
				break;
			case RT_BOOL:
				v = json_object_new_boolean(db_cell_int(res,
				    r, i) == 1);
				break;
			case RT_ARRAY:
				if ((v = cell == NULL ? NULL :
				    json_tokener_parse(cell)) == NULL)
					v = json_object_new_array();
				break;
			case RT_TIME:
			case RT_WINDOW:
				v = time_or_null(cell);
				break;
			}
			json_object_object_add(run_cols[i].type == RT_WINDOW ?
			    w : o, run_cols[i].json, v);
		}
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
		    db_cell(res, 0, LAST_ID)));
		json_object_object_add(o, "finishedAt",
		    time_or_null(db_cell(res, 0, LAST_FINISHED_AT)));
		json_object_object_add(o, "ageSeconds",
		    json_object_new_int64(db_cell_int(res, 0, LAST_AGE)));
		e = json_tokener_parse(db_cell(res, 0, LAST_ERRORS));
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
	struct db_arg	 args[] = { db_arg_int(days) };
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
