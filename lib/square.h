/*
 * Square client: the few read calls reconciliation needs, on libcurl and
 * json-c.  One struct square holds one reused curl handle for all calls of
 * a run.  Every call blocks on the network, bounded by the timeouts of
 * struct square_opts and by the run's deadline (square_set_deadline).
 *
 * 429 and 5xx answers (and transport errors) are retried with exponential
 * backoff and jitter, honouring Retry-After (seconds) up to
 * retry_after_cap_ms, at most max_retries times, never past the deadline.
 * Answers larger than max_body bytes are errors.
 *
 * Square's answers go through the product's one strict JSON parser
 * (lib/json.h), with a bound on their values fit for what was asked, and
 * are then checked field by field (type, length, ids of Square's
 * alphabet); a booking that does not pass is reported in
 * square_page.errors, never a crash.  A page holding more bookings than
 * the limit asked for is refused whole.
 * Nothing here logs the token or any customer detail.
 */
#ifndef SQUARE_H
#define SQUARE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#define SQUARE_ID_MAX		 192	/* customer ids; longest id Square uses */
#define SQUARE_BOOKING_ID_MAX	 64	/* Square: 36; a little headroom */
#define SQUARE_SMALL_ID_MAX	 64	/* location, team member, variation */
#define SQUARE_NOTE_MAX		 4096	/* customer_note, in bytes */
#define SQUARE_MAX_SEGMENTS	 16
#define SQUARE_CUSTOMERS_PER_CALL 100
#define SQUARE_CATALOG_PER_CALL	 1000

struct square_opts {
	const char	*base_url;	/* e.g. https://connect.squareup.com */
	const char	*token;		/* bearer token, never logged */
	const char	*version;	/* Square-Version header, e.g. 2025-08-20 */
	long		 connect_timeout_ms;	/* default 5000 */
	long		 timeout_ms;		/* per call, default 30000 */
	int		 max_retries;		/* default 4; < 0: none */
	long		 backoff_base_ms;	/* default 500, doubled each try */
	long		 retry_after_cap_ms;	/* default 30000 */
	size_t		 max_body;		/* default 8 MiB */
};

/* Counters of one client's life; reconciliation reports them. */
struct square_stats {
	unsigned	 calls;		/* HTTP requests sent, retries included */
	unsigned	 retries;
	unsigned	 list_calls;	/* ListBookings requests (retries excluded) */
	unsigned	 customer_calls;
	unsigned	 catalog_calls;
	long		 wait_ms;	/* wall time inside curl and backoff sleeps */
};

struct square_booking {
	char		 id[SQUARE_BOOKING_ID_MAX + 1];
	int64_t		 version;
	char		 status[32];	/* BookingStatus enum, e.g. ACCEPTED */
	time_t		 start_at;	/* UTC */
	int		 duration_minutes; /* segments + intermissions between */
	char		 location_id[SQUARE_SMALL_ID_MAX + 1];	/* "" if none */
	char		 customer_id[SQUARE_ID_MAX + 1];	/* "" if none */
	char		 team_member_id[SQUARE_SMALL_ID_MAX + 1]; /* 1st segment */
	char		*customer_note;	/* owned, NULL if none */
	size_t		 nsegments;
	/* service_variation_id of each segment, in order ("" if none) */
	char		 variation_ids[SQUARE_MAX_SEGMENTS][SQUARE_SMALL_ID_MAX + 1];
};

/* A booking of a page that failed validation: skipped, reported. */
struct square_item_error {
	char		 booking_id[SQUARE_BOOKING_ID_MAX + 1]; /* "" if unknown */
	char		 message[160];
};

struct square_page {
	struct square_booking	*bookings;	/* owned array */
	size_t			 nbookings;
	struct square_item_error *errors;	/* owned array */
	size_t			 nerrors;
	char			*cursor;	/* owned; NULL on the last page */
};

struct square_customer {
	char		 id[SQUARE_ID_MAX + 1];
	int		 found;		/* 0: Square answered NOT_FOUND */
	char		*name;		/* owned; given+family, else nickname,
					   else company; NULL if none */
	char		*phone;		/* owned or NULL */
	char		*email;		/* owned or NULL */
};

struct square_name {
	char		 variation_id[SQUARE_SMALL_ID_MAX + 1];
	char		*name;		/* owned: the parent ITEM's name */
};

struct square;

/*
 * Whether s (len bytes) is an id of Square's alphabet: letters, digits,
 * '_' and '-', at least one (so never "../x", a space or a quote).  Pure.
 */
int		 square_valid_id(const char *s, size_t len);

/*
 * Make a client (copies what it needs from opts; zero fields take the
 * defaults above).  Returns NULL on allocation or curl failure (logged).
 */
struct square	*square_new(const struct square_opts *);
void		 square_free(struct square *);	/* NULL is fine */

/* No call starts, and no backoff sleeps, past this time (0: none). */
void		 square_set_deadline(struct square *, time_t);
const struct square_stats *square_stats(const struct square *);

/*
 * One ListBookings page: GET /v2/bookings with start_at_min, start_at_max
 * (RFC 3339 UTC, from the two times), limit, optional location_id and
 * cursor (NULL for the first page).  Returns 0 and sets *out (free it with
 * square_page_free), or -1 with a message in err (nothing in *out); a
 * page of more than limit bookings is such an error.
 */
int		 square_list_bookings(struct square *, time_t start_min,
		    time_t start_max, const char *location_id,
		    const char *cursor, int limit, struct square_page **out,
		    char *err, size_t errsz);
void		 square_page_free(struct square_page *);	/* NULL is fine */

/*
 * BulkRetrieveCustomers for n (1..100) ids.  Returns 0 and sets *out to an
 * array of n entries in the order of ids (found=0 for unknown ones; free
 * with square_customers_free(*out, n)), or -1 with err set.
 */
int		 square_bulk_customers(struct square *, const char *const *ids,
		    size_t n, struct square_customer **out, char *err,
		    size_t errsz);
void		 square_customers_free(struct square_customer *, size_t);

/*
 * BatchRetrieveCatalogObjects for n (1..1000) variation ids, with related
 * and deleted objects, mapping each variation to its parent ITEM's name.
 * Returns 0 and sets *out / *nout (only ids that resolved; free with
 * square_names_free), or -1 with err set.
 */
int		 square_catalog_names(struct square *,
		    const char *const *variation_ids, size_t n,
		    struct square_name **out, size_t *nout, char *err,
		    size_t errsz);
void		 square_names_free(struct square_name *, size_t);

/*
 * Check and copy one Booking JSON object (as in ListBookings or a
 * webhook's data.object.booking) into *b: id, version, status, start_at
 * and one to SQUARE_MAX_SEGMENTS segments (each with its duration and
 * team member) must be there; ids are of Square's alphabet
 * ([A-Za-z0-9_-]) and length.  Returns 0, or -1 with err set (b's heap
 * fields freed again).  Release b with square_booking_clear.
 */
int		 square_booking_parse(struct json_object *,
		    struct square_booking *b, char *err, size_t errsz);
void		 square_booking_clear(struct square_booking *);

/*
 * Exposed for tests and fuzzing: the parsers behind the three calls, on
 * an answer body of len bytes (need not be NUL-terminated).  Same results
 * and ownership as the calls above; nothing here touches the network.
 */
int		 square_page_parse(const char *body, size_t len, int limit,
		    struct square_page **out, char *err, size_t errsz);
int		 square_customers_parse(const char *body, size_t len,
		    const char *const *ids, size_t n,
		    struct square_customer **out, char *err, size_t errsz);
int		 square_names_parse(const char *body, size_t len,
		    const char *const *variation_ids, size_t n,
		    struct square_name **out, size_t *nout, char *err,
		    size_t errsz);

#endif
