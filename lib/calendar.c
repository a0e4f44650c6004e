/*
 * The calendar's change check and its per-process answer cache.
 *
 * Why a fingerprint of the range and not MAX(updated_at): a write's time
 * is taken when its statement starts, not when it commits, so a slow
 * writer can commit a change older than the newest stamp already read;
 * and a job that moves out leaves no row behind in the range.  Every
 * change a calendar shows moves the job's version, so the set of
 * (id, version) pairs of the range changes with any committed change,
 * arrival or departure, and COUNT, SUM and a CRC32 XOR of those pairs
 * tell it, read from the index alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "db.h"

#define CAL_CACHE	 4		/* answers kept per process */

static const char sql_stamp[] =
	"SELECT COUNT(*), COALESCE(SUM(version), 0), "
	"COALESCE(BIT_XOR(CRC32(CONCAT(id, '/', version))), 0) "
	"FROM jobs FORCE INDEX (jobs_calendar) "
	"WHERE appointment_time >= ? AND appointment_time < ?";

static struct cal_entry {
	char	 etag[96];
	char	*body;			/* owned */
	size_t	 len;
} cache[CAL_CACHE];
static size_t	 cache_next;

static void
time_format(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm);
}

int
calendar_stamp(struct db *db, time_t from, time_t to,
    struct calendar_stamp *out)
{
	char		 a[24], b[24];
	struct db_arg	 args[2];
	struct db_res	*res;

	time_format(from, a, sizeof(a));
	time_format(to, b, sizeof(b));
	args[0] = DB_ARG_STR(a);
	args[1] = DB_ARG_STR(b);
	if (db_exec(db, sql_stamp, args, 2, &res, NULL) == -1)
		return -1;
	out->count = db_cell_int(res, 0, 0);
	out->vsum = db_cell_int(res, 0, 1);
	out->vxor = db_cell_int(res, 0, 2);
	db_res_free(res);
	return 0;
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
	struct cal_entry	*e = &cache[cache_next++ % CAL_CACHE];
	char			*copy;

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
