/*
 * The calendar's answer, fresh on every request: one indexed check of
 * whether the range changed (a fingerprint of its jobs' ids and versions:
 * no counter row, no trigger), and the answer's bytes kept per process by
 * that fingerprint, sent without copying when nothing changed.  The cache
 * lives here, not in struct app.  Calls may block on the database.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct db;

/* A range's fingerprint: any committed change in [from, to) moves it. */
struct calendar_stamp {
	int64_t		 count;		/* jobs in the range */
	int64_t		 vsum;		/* SUM(version) */
	int64_t		 vxor;		/* BIT_XOR(CRC32(id/version)) */
};

/*
 * The fingerprint of the jobs whose appointment falls in [from, to): one
 * statement over the jobs_calendar index.  0, or -1 (logged).
 */
int	 calendar_stamp(struct db *, time_t from, time_t to,
	    struct calendar_stamp *out);

/*
 * The cached answer body of this ETag, or NULL.  The bytes are owned by
 * the cache and stay valid until the next calendar_store in this process.
 */
const char *calendar_cached(const char *etag, size_t *len);

/*
 * Keep a copy of body under etag (the oldest of a few goes).  Returns the
 * kept bytes (as calendar_cached), or NULL if out of memory.
 */
const char *calendar_store(const char *etag, const char *body, size_t len);

/* Free the cache (at exit, for leak checkers). */
void	 calendar_cache_free(void);

#endif
