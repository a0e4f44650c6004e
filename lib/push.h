/*
 * Live updates: after a commit that changed jobs, tell nginx's nchan
 * publisher (a unix socket only the programs can reach) which jobs
 * changed, so open pages fetch at once.  A message is
 * {"jobs":[{"id","version","day","previousDay"?}]}: ids, versions and
 * business-local days only, never a customer detail or staff text.
 *
 * The publish is a plain HTTP/1.0 POST over an AF_UNIX socket with a
 * poll() deadline (no libcurl: the calendar and job programs stay free
 * of it).  It is bounded at PUSH_TIMEOUT_MS in all, never fails the
 * request, and a failure is logged once until a publish succeeds again.
 * Call it after the commit, never inside a transaction.
 */
#ifndef PUSH_H
#define PUSH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jobs.h"

#define PUSH_TIMEOUT_MS	 200
#define PUSH_MAX_JOBS	 256		/* per message; more go in several */

struct push_job {
	char	 id[JOBS_ID_MAX + 1];	/* a job id */
	int64_t	 version;		/* the version the change gave it */
	char	 day[11];		/* YYYY-MM-DD, business-local */
	char	 previous_day[11];	/* "" unless the job moved days */
};

/* A batch of changes, collected before a commit, sent after it. */
struct push_batch {
	struct push_job	*jobs;		/* owned */
	size_t		 n, cap;
};

/*
 * Set e->day (and e->previous_day when the day differs, else "") from
 * the appointment times, in BUSINESS_TIMEZONE.  prev 0: not moved.
 */
void	 push_set_days(struct push_job *e, time_t when, time_t prev);

/* Append a copy of e.  Returns 0, or -1 when out of memory (logged). */
int	 push_batch_add(struct push_batch *, const struct push_job *e);

/*
 * Publish the batch to the publisher at socket (NULL or "": publishing
 * is off, nothing happens) and empty it.  May block up to
 * PUSH_TIMEOUT_MS per message.  Returns 0, or -1 if it was not
 * published (logged once until it recovers).
 */
int	 push_flush(struct push_batch *, const char *socket);
void	 push_batch_free(struct push_batch *);	/* the batch's memory */

/* One message of n jobs: push_flush for callers without a batch. */
int	 push_jobs(const char *socket, const struct push_job *, size_t n);

/*
 * The message body for n jobs (owned by the caller, free()), or NULL
 * when out of memory.  Pure; exposed for tests.
 */
char	*push_message(const struct push_job *, size_t n);

#endif
