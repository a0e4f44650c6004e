/*
 * Reconciliation: make the jobs table agree with Square's bookings in a
 * window, writing Square-owned fields only, never going back to an older
 * booking version, never overlapping another run (a lease row with an
 * expiry).  The per-booking upsert (reconcile_upsert) is also the
 * webhook's, so both paths write alike.  Everything here may block on
 * the database and on Square, bounded by the run's deadline.
 */
#ifndef RECONCILE_H
#define RECONCILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "push.h"
#include "runs.h"

struct config;
struct db;
struct job_square;
struct job_stored;
struct square;
struct square;
struct square_booking;

#define RECONCILE_MAX_SECONDS	 120	/* a run ends by then, whatever */
/*
 * The shortest lease a run takes: its bound and a minute more for the
 * last page's write (each statement bounded by the database timeouts),
 * so the lease always outlasts the run and two runs never overlap.
 * RECONCILE_LEASE_SECONDS (config.c) has this as its minimum too.
 */
#define RECONCILE_LEASE_MIN_SECONDS (RECONCILE_MAX_SECONDS + 60)
#define RECONCILE_MAX_WINDOW_DAYS 366
#define RECONCILE_SLICE_DAYS	 31	/* ListBookings' longest span */
#define RECONCILE_PAGE_LIMIT	 100
#define RECONCILE_MAX_PAGES	 1000	/* per slice: more is a cursor loop */

/* What one run or one webhook is doing: caches, counts, errors. */
struct reconcile_ctx {
	struct db	*db;		/* borrowed */
	const struct config *cfg;	/* borrowed */
	struct square	*sq;		/* borrowed; NULL: no Square calls */
	const char	*created_by;	/* "reconciliation" or "webhook" */
	int		 dry_run;
	time_t		 now;
	struct json_object *templates;	/* owned: checklist templates */
	struct json_object *names;	/* owned: variation id → name */
	struct run_counts counts;
	struct json_object *errors;	/* owned: [{bookingId?,stage,message}] */
	struct json_object *changes;	/* owned: dry runs' would-be writes */
	struct json_object *seen;	/* owned: booking ids already done */
	struct push_batch push;		/* owned: written changes to publish
					   after the commit (push_flush) */
};

/*
 * Set up ctx: load the checklist templates and the service-name cache
 * (two queries).  Returns 0, or -1 (ctx is then freed already).
 */
int	 reconcile_ctx_init(struct reconcile_ctx *, struct db *,
	    const struct config *, struct square *, const char *created_by,
	    int dry_run);
void	 reconcile_ctx_free(struct reconcile_ctx *);

/* Add an error to ctx->errors (booking_id may be NULL). */
void	 reconcile_error(struct reconcile_ctx *, const char *booking_id,
	    const char *stage, const char *message);

/*
 * The upsert of n bookings (one page, or one webhook's): load their jobs
 * in one query, resolve service names (one catalog call at most) and
 * stale customers (one customer call at most), then create, update or
 * skip each, and write the page in one statement (values cut to their
 * columns; a row the database still refuses is left out, its error
 * recorded with its booking id, the rest written), then move the
 * calendar stamps of its days.  Counts and errors go into ctx.  Returns
 * 0, or -1 if the page could not be written (the database is down: the
 * error is recorded; nothing of the page is written).
 */
int	 reconcile_upsert(struct reconcile_ctx *,
	    const struct square_booking *, size_t n);

/*
 * reconcile_upsert in its two halves, for a caller that must not hold a
 * transaction open across the Square calls (the webhook): the reads
 * (stored jobs, names, customers: Square and the database, no write but
 * the name cache) into *pg, then the write of *pg.  The write's
 * statements are guarded by the booking version, so a row that changed
 * in between is never taken back.  Both return 0 or -1 (the error
 * recorded in ctx); free pg with reconcile_page_clear either way.
 */
struct reconcile_page {
	struct job_stored	*stored;	/* owned: the page's stored jobs */
	size_t			 nstored;
	struct job_square	*rows;		/* owned: the rows to write */
	char			*act;		/* per row: 'c'reate, 'u'pdate,
						   'r'efresh only, '-' refused */
	size_t			 nrows;
	struct run_counts	 counts;	/* the page's, until written */
};

int	 reconcile_prepare(struct reconcile_ctx *,
	    const struct square_booking *, size_t n, struct reconcile_page *);
int	 reconcile_write(struct reconcile_ctx *, struct reconcile_page *);
void	 reconcile_page_clear(struct reconcile_page *);	/* zeroed is fine */

enum reconcile_status {
	RECONCILE_OK,		/* at least one page read */
	RECONCILE_BUSY,		/* another run holds the lease */
	RECONCILE_SQUARE_DOWN,	/* nothing could be read from Square */
	RECONCILE_DB_ERROR,	/* the database failed us */
	RECONCILE_NOT_CONFIGURED /* no Square token */
};

struct reconcile_result {
	int64_t		 run_id;
	time_t		 from, to;
	int		 dry_run;
	struct run_counts counts;
	struct json_object *errors;	/* owned */
	struct json_object *changes;	/* owned; NULL unless dry run */
	long		 duration_ms;
	long		 square_wait_ms;
	unsigned	 pages;
	unsigned	 list_calls;
	unsigned long	 db_round_trips;
	char		 message[256];	/* why, when not RECONCILE_OK */
};

/*
 * One run over [from, to): lease, record, page through Square, upsert
 * each page, record the end, release.  trigger: "cron", "manual"...
 * Fills *res (free with reconcile_result_clear) and returns its status.
 */
enum reconcile_status reconcile_run(struct db *, const struct config *,
	    time_t from, time_t to, int dry_run, const char *trigger,
	    struct reconcile_result *res);
void	 reconcile_result_clear(struct reconcile_result *);

/*
 * The Square client of the configuration (base URL, token, version),
 * making no call past deadline (0: none).  A run's client takes the
 * configured timeouts and retries; a quick one (the webhook, whose
 * answer Square waits 10 s for) short timeouts and no retries.  NULL
 * when no token is configured or the client cannot start (logged).  Free
 * with square_free.
 */
struct square	*reconcile_square_new(const struct config *, int quick,
		    time_t deadline);

/* The run's summary object, as the cron endpoint answers it (owned). */
struct json_object *reconcile_summary(const struct reconcile_result *);

#endif
