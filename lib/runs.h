/*
 * The record of reconcile runs (table reconcile_runs): started, finished,
 * listed for the admin page and the health check.  All calls may block
 * on the database.
 */
#ifndef RUNS_H
#define RUNS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

struct db;

struct run_counts {
	long	 scanned;
	long	 created;
	long	 updated;
	long	 skipped;
	long	 customers_refreshed;
	long	 square_calls;
};

/* Record a run's start.  Returns 0 and sets *id, or -1. */
int	 runs_start(struct db *, const char *trigger, int dry_run,
	    time_t window_start, time_t window_end, int64_t *id);
/* Record its end: counts, errors (a JSON array, borrowed), status. */
int	 runs_finish(struct db *, int64_t id, const struct run_counts *,
	    struct json_object *errors, long duration_ms, const char *status);
/*
 * Runs before run id that never finished (their program ended mid-run):
 * marked failed.  Returns 1 and the span [from, to) of the windows of
 * those that wrote (0, 0 if only dry runs), 0 if there were none, -1.
 * Call holding the lease: no run before id is still going.
 */
int	 runs_abandoned(struct db *, int64_t id, time_t *from, time_t *to);
/* The newest limit runs as a JSON array (owned).  0 or -1. */
int	 runs_list(struct db *, long limit, struct json_object **out);
/*
 * The last finished run as {runId, finishedAt, ageSeconds, errors} or
 * NULL when there is none.  0 or -1.
 */
int	 runs_last(struct db *, struct json_object **out);

/*
 * Delete reconcile runs and seen webhook events older than days
 * (RETENTION_DAYS).  Every reconcile run calls it.  0 or -1 (logged).
 */
int	 runs_purge(struct db *, long days);

/*
 * For tests: statement n of those whose column lists follow this
 * module's column tables (NULL past the last), and in cols the columns it
 * must name, in order, as "a, b, c".  Pure.
 */
const char *runs_sql_columns(size_t n, char *cols, size_t colsz);

#endif
