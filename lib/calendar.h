/*
 * The calendar's answer, fresh on every request: one primary-key range
 * read of per-day stamps decides whether the range changed (no counter
 * row every write waits on, no trigger), and the answer's bytes are kept
 * per process by that stamp, sent without copying when nothing changed.
 * Every job write moves the stamps of the days it touches (calendar_touch,
 * after the write, in its transaction if it has one).  The cache lives
 * here, not in struct app.  Calls may block on the database.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct db;

/* A range's stamp: any committed change in [from, to) moves it. */
struct calendar_stamp {
	int64_t		 days;		/* days with a stamp */
	int64_t		 sum;		/* their stamps' sum: only grows */
};

/*
 * The stamp of the UTC days that [from, to) overlaps: one statement.
 * Read it before the jobs, so a stamp never labels older data.  0, or -1
 * (logged).
 */
int	 calendar_stamp(struct db *, time_t from, time_t to,
	    struct calendar_stamp *out);

/*
 * The range's stamp as calendar_stamp, without reading it again while
 * nothing changed: when the host's change generation (below) is in use
 * and has not moved since this process last read the range's stamp, and
 * that was less than a second ago, the stamp read then.  0, or -1.
 */
int	 calendar_check(struct db *, time_t from, time_t to,
	    struct calendar_stamp *out);

/*
 * Use the change generation of this directory (the answer files'):
 * dir/.generation, made and mapped on first use, shared by every program
 * process of the host.  NULL, or the directory already in use, changes
 * nothing; when it cannot be mapped, calendar_check reads every time.
 */
void	 calendar_generation_use(const char *dir);

/*
 * Move the generation: after every committed job write.  calendar_touch
 * calls it itself; a writer inside a transaction calls it again after
 * its commit (a reader between the two may have read the old stamps).
 */
void	 calendar_changed(void);

/*
 * Move the stamps of the UTC days of these n appointment times (in one
 * statement, days in order so concurrent writers lock alike).  Call after
 * every committed job write, with the old time too when a job moved.
 * 0, or -1 (logged).
 */
int	 calendar_touch(struct db *, const time_t *times, size_t n);

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

/*
 * Answers as files that nginx sends itself (X-Accel-Redirect, sendfile):
 * when nginx names a directory for them (SAFARI_CALENDAR_FILES), each
 * answer is written there once, named by its ETag, and every request
 * after it is one stamp read and a redirect.  Files are written whole
 * (a temporary name, then rename) and removed once unused for a while,
 * or a few seconds after a newer answer of their range replaced them; a
 * few hundred at most, past which answers go out as bytes (each process
 * keeps a few).
 */
#define CALENDAR_PATH_MAX	 512
#define CALENDAR_DIR_MAX	 256

/* Is dir usable as the answer directory (absolute, bounded)?  1 or 0. */
int	 calendar_dir_ok(const char *dir);

/* The file name of an ETag's answer ("c1.2-….json"): 0, or -1. */
int	 calendar_file_name(const char *etag, char *name, size_t namesz);

/*
 * Is the answer file dir/name there?  1 (and kept from the sweep for a
 * while), 0 if not, -1 on error.  Blocks on the file system only.
 */
int	 calendar_file_ready(const char *dir, const char *name);

/*
 * Write body as dir/name (dir made 0750 if missing), whole or not at
 * all.  0, or -1 (logged; also when the directory holds as many files as
 * it may: then send the bytes).
 */
int	 calendar_file_write(const char *dir, const char *name,
	    const char *body, size_t len);

/*
 * Free the cache.  The first calendar_store registers it with atexit, so
 * leak checkers see nothing; calling it early is safe too.
 */
void	 calendar_cache_free(void);

#endif
