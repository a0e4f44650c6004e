/*
 * The calendar's change check and its per-process answer cache.
 *
 * Why per-day stamps and not the range's MAX(updated_at) or a fingerprint
 * of its rows: a write's time is taken when its statement starts, not when
 * it commits, so a slow writer can commit a change older than the newest
 * time already read, and a job that moves out leaves no row behind; a
 * fingerprint of the rows is correct but reads every row of the range on
 * every request (about 1 ms for a 500-job week).  A day's stamp only
 * grows, is moved after every write of a job of that day (and of the day a
 * job left), and a range reads at most 63 of them by primary key.  Rows
 * lock per day, not one row for every writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "db.h"

#define CAL_CACHE	 4		/* answers kept per process */

#define TOUCH_MAX	 256		/* days per statement */

static const char sql_stamp[] =
	"SELECT COUNT(*), COALESCE(SUM(stamp), 0) FROM calendar_days "
	"WHERE day >= ? AND day <= ?";
static const char sql_touch_head[] =
	"INSERT INTO calendar_days (day, stamp) VALUES ";
static const char sql_touch_row[] = "(?, 1)";
static const char sql_touch_tail[] =
	" ON DUPLICATE KEY UPDATE stamp = stamp + 1";

static struct cal_entry {
	char	 etag[96];
	char	*body;			/* owned */
	size_t	 len;
} cache[CAL_CACHE];
static size_t	 cache_next;

/* The UTC date of t as YYYY-MM-DD. */
static void
day_format(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%d", &tm);
}

static int
day_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
calendar_stamp(struct db *db, time_t from, time_t to,
    struct calendar_stamp *out)
{
	char		 a[16], b[16];
	struct db_arg	 args[2];
	struct db_res	*res;

	day_format(from, a, sizeof(a));
	day_format(to > from ? to - 1 : to, b, sizeof(b));
	args[0] = DB_ARG_STR(a);
	args[1] = DB_ARG_STR(b);
	if (db_exec(db, sql_stamp, args, 2, &res, NULL) == -1)
		return -1;
	out->days = db_cell_int(res, 0, 0);
	out->sum = db_cell_int(res, 0, 1);
	db_res_free(res);
	return 0;
}

int
calendar_touch(struct db *db, const time_t *times, size_t n)
{
	char		(*days)[11] = NULL, *sql = NULL;
	struct db_arg	*args = NULL;
	size_t		 i, j, k, nd = 0;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if ((days = calloc(n, sizeof(*days))) == NULL ||
	    (args = calloc(n, sizeof(*args))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		day_format(times[i], days[i], sizeof(days[i]));
	qsort(days, n, sizeof(*days), day_cmp);
	for (i = 0; i < n; i++)
		if (nd == 0 || strcmp(days[nd - 1], days[i]) != 0)
			memmove(days[nd++], days[i], sizeof(days[i]));
	for (i = 0; i < nd; i += TOUCH_MAX) {
		k = nd - i < TOUCH_MAX ? nd - i : TOUCH_MAX;
		free(sql);
		if ((sql = db_sql_repeat(sql_touch_head, sql_touch_row, k,
		    sql_touch_tail)) == NULL)
			goto out;
		for (j = 0; j < k; j++)
			args[j] = DB_ARG_STR(days[i + j]);
		if (db_exec(db, sql, args, k, NULL, NULL) == -1)
			goto out;
	}
	rc = 0;
out:
	free(sql);
	free(args);
	free(days);
	return rc;
}

const char *
calendar_cached(const char *etag, size_t *len)
{
	size_t	 i;

	for (i = 0; i < CAL_CACHE; i++)
		if (cache[i].body != NULL && strcmp(cache[i].etag, etag) == 0) {
			*len = cache[i].len;
			return cache[i].body;
		}
	return NULL;
}

const char *
calendar_store(const char *etag, const char *body, size_t len)
{
	static int		 registered;
	struct cal_entry	*e = &cache[cache_next++ % CAL_CACHE];
	char			*copy;

	/* The cache is this file's alone: it frees itself at exit. */
	if (!registered && atexit(calendar_cache_free) == 0)
		registered = 1;
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;		/* the cache is only a cache */
	memcpy(copy, body, len);
	copy[len] = '\0';
	free(e->body);
	e->body = copy;
	e->len = len;
	snprintf(e->etag, sizeof(e->etag), "%s", etag);
	return e->body;
}

void
calendar_cache_free(void)
{
	size_t	 i;

	for (i = 0; i < CAL_CACHE; i++) {
		free(cache[i].body);
		cache[i].body = NULL;
	}
}
