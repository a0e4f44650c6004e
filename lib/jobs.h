/*
 * Jobs: one Square booking being worked.  This module owns the jobs table
 * and the field-ownership rule: one table (fields[] in jobs.c) says which
 * fields Square owns, which staff own, and which the system keeps.  Staff
 * writes (jobs_patch) touch only staff fields; Square writes
 * (jobs_square_write) only Square fields.  Every change adds 1 to the
 * job's version.  All calls may block on the database.
 */
#ifndef JOBS_H
#define JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

struct db;

/* A job id: 1 to JOBS_ID_MAX of [A-Za-z0-9_-] (http_valid_id checks it). */
#define JOBS_ID_MAX		 64
/* The calendar reads at most this many jobs (and says when it cut). */
#define JOBS_CALENDAR_MAX	 5000

enum job_owner { OWNER_SYSTEM, OWNER_SQUARE, OWNER_STAFF };

/* The owner of a job's JSON field, or -1 for a name that is no field. */
int	 jobs_field_owner(const char *json_name);

/*
 * Load the job with this id as its JSON object.  Returns 1 and sets *out
 * (owned by the caller) and *version, 0 if there is no such job, -1 on a
 * database error (logged).
 */
int	 jobs_load(struct db *, const char *id, struct json_object **out,
	    int64_t *version);

/*
 * The calendar: summaries of the jobs whose appointment falls in
 * [from, to), by time, at most JOBS_CALENDAR_MAX of them (*cut is 1 when
 * there were more).  Returns 0 and sets *out (an owned array), or -1.
 */
int	 jobs_calendar(struct db *, time_t from, time_t to,
	    struct json_object **out, int *cut);

/*
 * Check a staff PATCH body against the ownership rule and the field
 * shapes, without touching the database.  Returns 0, or -1 with a
 * message for the person in err.  Pure; exposed for tests.
 */
int	 jobs_patch_check(struct json_object *body, char *err, size_t errsz);

/*
 * Merge a checked PATCH body into the job object cur (as jobs_load gives
 * it): the staff fields change, statusHistory gains an entry for a
 * workStatus change, checklist toggles and payment and issue changes are
 * stamped with user and now.  Returns 1 if anything changed, 0 if not,
 * -1 with err set (e.g. an unknown checklist key).  Pure.
 */
int	 jobs_patch_merge(struct json_object *cur, struct json_object *body,
	    const char *user, time_t now, char *err, size_t errsz);

enum jobs_patch_result {
	PATCH_OK, PATCH_NOT_FOUND, PATCH_CONFLICT, PATCH_INVALID, PATCH_ERROR
};

/*
 * Apply a staff PATCH to job id if its version is still expected.  On
 * PATCH_OK and PATCH_CONFLICT *out is the job as it now is (owned) and
 * *version its version; on PATCH_INVALID err says why.
 */
enum jobs_patch_result jobs_patch(struct db *, const char *id,
	    int64_t expected, struct json_object *body, const char *user,
	    struct json_object **out, int64_t *version, char *err,
	    size_t errsz);

/* The Square-owned fields of one job, as reconciliation computes them. */
struct job_square {
	char		 booking_id[65];
	int64_t		 booking_version;
	char		 booking_status[32];
	time_t		 appointment_time;
	int		 duration_minutes;
	char		*service_type;		/* owned or NULL */
	char		 service_variation_id[65];
	char		 location_id[65];
	char		 team_member_id[65];
	char		 customer_id[193];
	char		*customer_note;		/* owned or NULL */
	int		 customer_cached;	/* 1: the three below are known */
	char		*customer_name;		/* owned or NULL */
	char		*customer_phone;	/* owned or NULL */
	char		*customer_email;	/* owned or NULL */
	time_t		 customer_cached_at;	/* 0: never */
	char		 new_id[23];		/* the id a new job takes ("": made
						   by jobs_square_write) */
};

/* A stored job's id, version and Square-owned fields. */
struct job_stored {
	char		 id[JOBS_ID_MAX + 1];
	int64_t		 version;
	struct job_square sq;
};

void	 jobs_square_clear(struct job_square *);

/*
 * The length in bytes of the longest start of s that holds at most
 * max_chars characters and max_bytes bytes and ends on a whole UTF-8
 * character (an invalid or cut-off sequence ends it too).  Pure.
 */
size_t	 jobs_utf8_cut(const char *s, size_t max_chars, size_t max_bytes);

/*
 * Cut every string of s to its column (one table of column sizes in
 * jobs.c), at a UTF-8 boundary, so the database never refuses a value
 * for its length.  Call before comparing with stored values.
 */
void	 jobs_square_fit(struct job_square *s);

/*
 * Load the stored jobs of these booking ids in one query.  Returns 0 and
 * sets *out / *nout (free with jobs_stored_free), or -1.
 */
int	 jobs_stored_load(struct db *, const char *const *booking_ids,
	    size_t n, struct job_stored **out, size_t *nout);
void	 jobs_stored_free(struct job_stored *, size_t);

/*
 * The Square fields that differ between a and b, as JSON names, into
 * names (at most max); returns how many.  Pure.
 */
size_t	 jobs_square_diff(const struct job_square *a,
	    const struct job_square *b, const char **names, size_t max);

/*
 * Write n jobs' Square fields in one statement (one transaction): new
 * bookings become jobs (created_by, work status scheduled, checklist
 * from its template in templates: a JSON object of service type →
 * {"tech":[…],"qc":[…]}, "*" the default); existing ones get their Square
 * fields only, and never from an older booking version than stored.
 * Returns 0 or -1.
 */
int	 jobs_square_write(struct db *, const struct job_square *rows,
	    size_t n, const char *created_by, struct json_object *templates);

/*
 * The columns the Square write may change (NULL-terminated; the
 * Square-owned columns of the field table), so tests can hold them to the
 * ownership rule.
 */
const char *const *jobs_square_columns(void);

/*
 * For tests: statement n of those whose column lists follow the field
 * table (NULL past the last), and in cols the columns it must name, in
 * order, as "a, b, c".  Pure.
 */
const char *jobs_sql_columns(size_t n, char *cols, size_t colsz);

/* The checklist templates as that object.  0 or -1. */
int	 jobs_templates_load(struct db *, struct json_object **out);

/* A new job id: 22 URL-safe random characters.  buf >= 23 bytes. */
int	 jobs_new_id(char *buf, size_t bufsz);

/* A copy of s for a struct job_square member (owned), NULL for NULL. */
char	*jobs_strdup(const char *s);

#endif
