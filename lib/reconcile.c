/*
 * Reconciliation.  A run pages through ListBookings slice by slice (31
 * days at most each) and hands each page to reconcile_upsert, which the
 * webhook calls too.  Per page: one query for the stored jobs, at most
 * one catalog and one customer call, one statement for the writes, one
 * for the calendar stamps of the days written (and one for newly learnt
 * service names).  A row the database refuses is written alone, without
 * the rest, only then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "calendar.h"
#include "config.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "reconcile.h"
#include "runs.h"
#include "square.h"
#include "tz.h"

/* A quick client's bounds (the webhook's: Square waits 10 s for it). */
#define RECONCILE_QUICK_CONNECT_MS	 2000
#define RECONCILE_QUICK_TIMEOUT_MS	 3000

enum reconcile_sql {
	SQL_LEASE_TAKE, SQL_LEASE_RELEASE, SQL_NAMES, SQL__MAX
};

static const char *const sqls[SQL__MAX] = {
	/* SQL_LEASE_TAKE: a plain row, so Galera replicates it */
	"UPDATE leases SET holder = ?, "
	"expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
	"WHERE name = 'reconcile' AND "
	"(holder IS NULL OR expires_at < UTC_TIMESTAMP(3))",
	/* SQL_LEASE_RELEASE */
	"UPDATE leases SET holder = NULL, expires_at = UTC_TIMESTAMP(3) "
	"WHERE name = 'reconcile' AND holder = ?",
	/* SQL_NAMES: a day old, a name is asked again (services get renamed) */
	"SELECT variation_id, name FROM service_names "
	"WHERE fetched_at > UTC_TIMESTAMP(3) - INTERVAL 1 DAY",
};

static const char sql_names_head[] =
	"INSERT INTO service_names (variation_id, name, fetched_at) VALUES ";
static const char sql_names_row[] = "(?, ?, UTC_TIMESTAMP(3))";
static const char sql_names_tail[] =
	" ON DUPLICATE KEY UPDATE name = VALUES(name), "
	"fetched_at = VALUES(fetched_at)";

/* The Square field names a new job gets, for dry runs' changes. */
static const char *const create_fields[] = {
	"bookingVersion", "bookingStatus", "appointmentTime",
	"durationMinutes", "serviceType", "serviceVariationId", "locationId",
	"teamMemberId", "customerId", "customerNote", "customerCached",
};
#define NCREATE_FIELDS	 (sizeof(create_fields) / sizeof(create_fields[0]))

void
reconcile_error(struct reconcile_ctx *ctx, const char *booking_id,
    const char *stage, const char *message)
{
	struct json_object	*e = json_object_new_object();

	if (booking_id != NULL && *booking_id != '\0')
		json_object_object_add(e, "bookingId",
		    json_object_new_string(booking_id));
	json_object_object_add(e, "stage", json_object_new_string(stage));
	json_object_object_add(e, "message", json_object_new_string(message));
	/* A broken Square could make thousands; keep the first 200. */
	if (json_object_array_length(ctx->errors) < 200)
		json_object_array_add(ctx->errors, e);
	else
		json_object_put(e);
}

int
reconcile_ctx_init(struct reconcile_ctx *ctx, struct db *db,
    const struct config *cfg, struct square *sq, const char *created_by,
    int dry_run)
{
	struct db_res	*res = NULL;
	size_t		 r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->db = db;
	ctx->cfg = cfg;
	ctx->sq = sq;
	ctx->created_by = created_by;
	ctx->dry_run = dry_run;
	ctx->now = time(NULL);
	ctx->errors = json_object_new_array();
	ctx->seen = json_object_new_object();
	ctx->names = json_object_new_object();
	if (dry_run)
		ctx->changes = json_object_new_array();
	if (jobs_templates_load(db, &ctx->templates) == -1 ||
	    db_exec(db, sqls[SQL_NAMES], NULL, 0, &res, NULL) == -1) {
		reconcile_ctx_free(ctx);
		return -1;
	}
	for (r = 0; r < res->nrows; r++)
		json_object_object_add(ctx->names, db_cell(res, r, 0),
		    json_object_new_string(db_cell(res, r, 1)));
	db_res_free(res);
	return 0;
}

void
reconcile_ctx_free(struct reconcile_ctx *ctx)
{
	json_object_put(ctx->templates);
	json_object_put(ctx->names);
	json_object_put(ctx->errors);
	json_object_put(ctx->changes);
	json_object_put(ctx->seen);
	push_batch_free(&ctx->push);
	memset(ctx, 0, sizeof(*ctx));
}

static int
stored_cmp(const void *a, const void *b)
{
	const struct job_stored	*x = a, *y = b;

	return strcmp(x->sq.booking_id, y->sq.booking_id);
}

/* The stored job of booking id, or NULL (js is sorted by stored_cmp). */
static const struct job_stored *
find_stored(const struct job_stored *js, size_t n, const char *id)
{
	struct job_stored	 key;

	if (n == 0 || strlen(id) >= sizeof(key.sq.booking_id))
		return NULL;
	memcpy(key.sq.booking_id, id, strlen(id) + 1);
	return bsearch(&key, js, n, sizeof(*js), stored_cmp);
}

static int
customer_stale(const struct reconcile_ctx *ctx, const struct square_booking *b,
    const struct job_stored *s)
{
	if (b->customer_id[0] == '\0')
		return 0;
	return s == NULL || strcmp(s->sq.customer_id, b->customer_id) != 0 ||
	    s->sq.customer_cached_at == 0 ||
	    ctx->now - s->sq.customer_cached_at >=
	    ctx->cfg->customer_ttl_hours * 3600;
}

/* Add id to list (of n, at most max) unless it is there already. */
static void
add_unique(const char **list, size_t *n, size_t max, const char *id)
{
	size_t	 i;

	if (*id == '\0')
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], id) == 0)
			return;
	if (*n < max)
		list[(*n)++] = id;
}

/*
 * Ask Square for the names of the variations not in the cache (one call)
 * and remember them; new ones are written to service_names.
 */
static void
resolve_names(struct reconcile_ctx *ctx, const struct square_booking *b,
    size_t n)
{
	const char		*want[SQUARE_CATALOG_PER_CALL];
	struct square_name	*names = NULL;
	struct db_arg		*args = NULL;
	char			 err[256], *sql = NULL;
	size_t			 nwant = 0, nnames = 0, i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < b[i].nsegments; j++)
			if (!json_object_object_get_ex(ctx->names,
			    b[i].variation_ids[j], NULL))
				add_unique(want, &nwant, SQUARE_CATALOG_PER_CALL,
				    b[i].variation_ids[j]);
	if (nwant == 0 || ctx->sq == NULL)
		return;
	if (square_catalog_names(ctx->sq, want, nwant, &names, &nnames, err,
	    sizeof(err)) == -1) {
		reconcile_error(ctx, NULL, "catalog", err);
		return;
	}
	for (i = 0; i < nwant; i++)	/* unknown ones: asked, no answer */
		json_object_object_add(ctx->names, want[i], NULL);
	for (i = 0; i < nnames; i++)
		json_object_object_add(ctx->names, names[i].variation_id,
		    json_object_new_string(names[i].name));
	if (nnames > 0 && !ctx->dry_run &&
	    (sql = db_sql_repeat(sql_names_head, sql_names_row, nnames,
	    sql_names_tail)) != NULL &&
	    (args = calloc(2 * nnames, sizeof(*args))) != NULL) {
		for (i = 0; i < nnames; i++) {
			args[2 * i] = db_arg_str(names[i].variation_id);
			args[2 * i + 1] = db_arg_str(names[i].name);
		}
		/* Only a cache: a failure here costs a call next time. */
		db_exec(ctx->db, sql, args, 2 * nnames, NULL, NULL);
	}
	free(args);
	free(sql);
	square_names_free(names, nnames);
}

/* The service's name: the segments' names joined with " + ". */
static char *
service_type(const struct reconcile_ctx *ctx, const struct square_booking *b)
{
	struct json_object	*v;
	char			 buf[1024];
	size_t			 i, len = 0;
	int			 w;

	buf[0] = '\0';
	for (i = 0; i < b->nsegments; i++) {
		if (b->variation_ids[i][0] == '\0')
			continue;
		if (!json_object_object_get_ex(ctx->names,
		    b->variation_ids[i], &v) || v == NULL)
			return NULL;		/* not known (yet) */
		w = snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    len > 0 ? " + " : "", json_object_get_string(v));
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			break;
		len += (size_t)w;
	}
	return len > 0 ? strdup(buf) : NULL;
}

/*
 * What the job of booking b should hold.  s: its stored job or NULL; c:
 * its customer as just fetched, or NULL when not fetched.
 */
static void	 desired_fields(const struct reconcile_ctx *,
		    const struct square_booking *, const struct job_stored *,
		    const struct square_customer *, struct job_square *);

static void
desired(const struct reconcile_ctx *ctx, const struct square_booking *b,
    const struct job_stored *s, const struct square_customer *c,
    struct job_square *w)
{
	desired_fields(ctx, b, s, c, w);
	jobs_square_fit(w);		/* every value cut to its column */
}

static void
desired_fields(const struct reconcile_ctx *ctx, const struct square_booking *b,
    const struct job_stored *s, const struct square_customer *c,
    struct job_square *w)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->booking_id, sizeof(w->booking_id), "%s", b->id);
	w->booking_version = b->version;
	snprintf(w->booking_status, sizeof(w->booking_status), "%s",
	    b->status);
	w->appointment_time = b->start_at;
	w->duration_minutes = b->duration_minutes;
	if (b->nsegments > 0)
		snprintf(w->service_variation_id,
		    sizeof(w->service_variation_id), "%s", b->variation_ids[0]);
	snprintf(w->location_id, sizeof(w->location_id), "%s",
	    b->location_id);
	snprintf(w->team_member_id, sizeof(w->team_member_id), "%s",
	    b->team_member_id);
	snprintf(w->customer_id, sizeof(w->customer_id), "%s",
	    b->customer_id);
	w->customer_note = jobs_strdup(b->customer_note);
	if ((w->service_type = service_type(ctx, b)) == NULL && s != NULL &&
	    strcmp(s->sq.service_variation_id, w->service_variation_id) == 0)
		w->service_type = jobs_strdup(s->sq.service_type);

	if (b->customer_id[0] == '\0')
		return;			/* no customer: customerCached null */
	if (c != NULL) {
		w->customer_cached = c->found;
		w->customer_cached_at = ctx->now;
		if (c->found) {
			w->customer_name = jobs_strdup(c->name);
			w->customer_phone = jobs_strdup(c->phone);
			w->customer_email = jobs_strdup(c->email);
		}
	} else if (s != NULL &&
	    strcmp(s->sq.customer_id, b->customer_id) == 0) {
		w->customer_cached = s->sq.customer_cached;
		w->customer_cached_at = s->sq.customer_cached_at;
		w->customer_name = jobs_strdup(s->sq.customer_name);
		w->customer_phone = jobs_strdup(s->sq.customer_phone);
		w->customer_email = jobs_strdup(s->sq.customer_email);
	}
}

static void
add_change(struct reconcile_ctx *ctx, const char *id, const char *action,
    const char *const *fields, size_t nfields)
{
	struct json_object	*c, *f;
	size_t			 i;

	if (ctx->changes == NULL)
		return;
	c = json_object_new_object();
	f = json_object_new_array();
	for (i = 0; i < nfields; i++)
		json_object_array_add(f, json_object_new_string(fields[i]));
	json_object_object_add(c, "bookingId", json_object_new_string(id));
	json_object_object_add(c, "action", json_object_new_string(action));
	json_object_object_add(c, "fields", f);
	json_object_array_add(ctx->changes, c);
}

/* Log up to ten booking ids of a page's action (ids only, no details). */
static void
log_ids(const char *what, const struct job_square *rows, const char *act,
    size_t n)
{
	char	 buf[512];
	size_t	 i, len = 0, shown = 0, total = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (act[i] != what[0])
			continue;
		total++;
		if (shown < 10 && len + strlen(rows[i].booking_id) + 2 <
		    sizeof(buf)) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%s", shown > 0 ? "," : "", rows[i].booking_id);
			shown++;
		}
	}
	if (total > 0)
		log_info("[RECONCILE] %s %zu: %s%s", what, total, buf,
		    total > shown ? ",…" : "");
}

/*
 * Queue the written creates and updates for the live stream: the new
 * job's id and version 1, or the stored id and the version the write
 * moved to, with the day and the day it moved from.
 */
static void
queue_push(struct reconcile_ctx *ctx, const struct job_square *rows,
    const char *act, size_t n, const struct job_stored *stored,
    size_t nstored)
{
	const struct job_stored	*s;
	struct push_job		 e;
	size_t			 i;

	if (ctx->cfg->push_socket == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (act[i] != 'c' && act[i] != 'u')
			continue;
		memset(&e, 0, sizeof(e));
		s = act[i] == 'u' ? find_stored(stored, nstored,
		    rows[i].booking_id) : NULL;
		if (act[i] == 'u' && s == NULL)
			continue;
		snprintf(e.id, sizeof(e.id), "%s", s != NULL ? s->id :
		    rows[i].new_id);
		e.version = s != NULL ? s->version + 1 : 1;
		push_set_days(&e, rows[i].appointment_time, s != NULL ?
		    s->sq.appointment_time : 0);
		if (push_batch_add(&ctx->push, &e) == -1)
			return;
	}
}

/*
 * The page's one statement failed with the database up: a value the
 * database refuses.  Write each row alone, leave out those refused (each
 * an error with its booking id) and mark them not done in act.  Returns
 * 0, or -1 when the database is down (nothing more written).
 */
static int
write_rows_alone(struct reconcile_ctx *ctx, const struct job_square *rows,
    char *act, size_t n, struct run_counts *page)
{
	size_t	 i;

	if (db_down(ctx->db))
		return -1;
	for (i = 0; i < n; i++) {
		if (jobs_square_write(ctx->db, &rows[i], 1, ctx->created_by,
		    ctx->templates) == 0)
			continue;
		if (db_down(ctx->db))
			return -1;
		reconcile_error(ctx, rows[i].booking_id, "database",
		    "the database refused this booking's values; the rest "
		    "of its page was written");
		if (act[i] == 'c')
			page->created--;
		else if (act[i] == 'u')
			page->updated--;
		else if (act[i] == 'r') {
			page->customers_refreshed--;
			page->skipped--;
		}
		act[i] = '-';
	}
	return 0;
}

/*
 * Move the calendar stamps of the days the written rows are on, and of
 * the days updated ones were on before.  0 or -1.
 */
static int
touch_days(struct reconcile_ctx *ctx, const struct job_square *rows,
    const char *act, size_t n, const struct job_stored *stored,
    size_t nstored)
{
	const struct job_stored	*s;
	time_t			*t;
	size_t			 i, k = 0;
	int			 rc;

	if ((t = calloc(2 * n, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (act[i] != 'c' && act[i] != 'u')
			continue;	/* refused, or the cache time only */
		t[k++] = rows[i].appointment_time;
		if ((s = find_stored(stored, nstored, rows[i].booking_id)) !=
		    NULL && s->sq.appointment_time != rows[i].appointment_time)
			t[k++] = s->sq.appointment_time;
	}
	rc = calendar_touch(ctx->db, t, k);
	free(t);
	return rc;
}

void
reconcile_page_clear(struct reconcile_page *pg)
{
	size_t	 i;

	for (i = 0; pg->rows != NULL && i < pg->nrows; i++)
		jobs_square_clear(&pg->rows[i]);
	free(pg->rows);
	free(pg->act);
	jobs_stored_free(pg->stored, pg->nstored);
	memset(pg, 0, sizeof(*pg));
}

int
reconcile_prepare(struct reconcile_ctx *ctx, const struct square_booking *b,
    size_t n, struct reconcile_page *pg)
{
	const char		**ids = NULL, *cust[SQUARE_CUSTOMERS_PER_CALL];
	const char		*diff[16];
	struct square_customer	*custs = NULL;
	struct job_square	*w;
	const struct job_stored	*s;
	const struct square_customer *c;
	const struct square_booking **todo = NULL;
	char			 err[256];
	size_t			 ncust = 0, ntodo = 0, i, k, ndiff;
	int			 fetched = 0, rc = -1;

	memset(pg, 0, sizeof(*pg));
	if (n == 0)
		return 0;
	if ((ids = calloc(n, sizeof(*ids))) == NULL ||
	    (todo = calloc(n, sizeof(*todo))) == NULL ||
	    (pg->rows = calloc(n, sizeof(*pg->rows))) == NULL ||
	    (pg->act = calloc(n, 1)) == NULL) {
		reconcile_error(ctx, NULL, "internal", "out of memory");
		goto out;
	}
	/* Each booking once per run, even where slices overlap. */
	for (i = 0; i < n; i++) {
		if (json_object_object_get_ex(ctx->seen, b[i].id, NULL))
			continue;
		json_object_object_add(ctx->seen, b[i].id, NULL);
		todo[ntodo] = &b[i];
		ids[ntodo++] = b[i].id;
	}
	ctx->counts.scanned += (long)ntodo;
	if (ntodo == 0) {
		rc = 0;
		goto out;
	}
	if (jobs_stored_load(ctx->db, ids, ntodo, &pg->stored,
	    &pg->nstored) == -1) {
		reconcile_error(ctx, NULL, "database", "could not load the "
		    "stored jobs of a page");
		goto out;
	}
	/* Looked up several times per booking: by halves, not in a row. */
	qsort(pg->stored, pg->nstored, sizeof(*pg->stored), stored_cmp);
	resolve_names(ctx, b, n);
	for (i = 0; i < ntodo; i++)
		if (customer_stale(ctx, todo[i], find_stored(pg->stored,
		    pg->nstored, todo[i]->id)))
			add_unique(cust, &ncust, SQUARE_CUSTOMERS_PER_CALL,
			    todo[i]->customer_id);
	if (ncust > 0 && ctx->sq != NULL) {
		if (square_bulk_customers(ctx->sq, cust, ncust, &custs, err,
		    sizeof(err)) == -1)
			reconcile_error(ctx, NULL, "customers", err);
		else
			fetched = 1;
	}

	for (i = 0; i < ntodo; i++) {
		s = find_stored(pg->stored, pg->nstored, todo[i]->id);
		c = NULL;
		for (k = 0; fetched && k < ncust && c == NULL; k++)
			if (strcmp(cust[k], todo[i]->customer_id) == 0 &&
			    customer_stale(ctx, todo[i], s))
				c = &custs[k];
		if (s != NULL && todo[i]->version < s->sq.booking_version) {
			pg->counts.skipped++;	/* never back to an older one */
			continue;
		}
		w = &pg->rows[pg->nrows];
		desired(ctx, todo[i], s, c, w);
		if (s == NULL) {
			if (jobs_new_id(w->new_id, sizeof(w->new_id)) == -1) {
				jobs_square_clear(w);
				goto out;
			}
			pg->act[pg->nrows++] = 'c';
			pg->counts.created++;
			add_change(ctx, todo[i]->id, "create", create_fields,
			    NCREATE_FIELDS);
			continue;
		}
		ndiff = jobs_square_diff(w, &s->sq, diff, 16);
		if (ndiff > 0) {
			pg->act[pg->nrows++] = 'u';
			pg->counts.updated++;
			add_change(ctx, todo[i]->id, "update", diff, ndiff);
		} else if (c != NULL) {
			pg->act[pg->nrows++] = 'r';	/* customerCachedAt */
			pg->counts.skipped++;
			pg->counts.customers_refreshed++;
		} else {
			pg->counts.skipped++;
			jobs_square_clear(w);
		}
	}
	rc = 0;
out:
	free(todo);
	free(ids);
	square_customers_free(custs, fetched ? ncust : 0);
	if (rc == -1)
		reconcile_page_clear(pg);
	return rc;
}

int
reconcile_write(struct reconcile_ctx *ctx, struct reconcile_page *pg)
{
	if (pg->nrows > 0 && !ctx->dry_run &&
	    jobs_square_write(ctx->db, pg->rows, pg->nrows, ctx->created_by,
	    ctx->templates) == -1 &&
	    write_rows_alone(ctx, pg->rows, pg->act, pg->nrows,
	    &pg->counts) == -1) {
		reconcile_error(ctx, NULL, "database", "could not write a page "
		    "of jobs; nothing of it was written");
		return -1;
	}
	if (pg->nrows > 0 && !ctx->dry_run &&
	    touch_days(ctx, pg->rows, pg->act, pg->nrows, pg->stored,
	    pg->nstored) == -1) {
		reconcile_error(ctx, NULL, "database", "could not mark the "
		    "calendar days of a written page");
		return -1;
	}
	if (!ctx->dry_run) {
		log_ids("created", pg->rows, pg->act, pg->nrows);
		log_ids("updated", pg->rows, pg->act, pg->nrows);
		queue_push(ctx, pg->rows, pg->act, pg->nrows, pg->stored,
		    pg->nstored);
	}
	ctx->counts.created += pg->counts.created;
	ctx->counts.updated += pg->counts.updated;
	ctx->counts.skipped += pg->counts.skipped;
	ctx->counts.customers_refreshed += pg->counts.customers_refreshed;
	return 0;
}

int
reconcile_upsert(struct reconcile_ctx *ctx, const struct square_booking *b,
    size_t n)
{
	struct reconcile_page	 pg;
	int			 rc;

	if (reconcile_prepare(ctx, b, n, &pg) == -1)
		return -1;
	rc = reconcile_write(ctx, &pg);
	reconcile_page_clear(&pg);
	return rc;
}

/* ---- the run ------------------------------------------------------ */

static int
lease_take(struct db *db, const char *holder, long seconds)
{
	struct db_arg	 args[] = { db_arg_str(holder), db_arg_int(seconds) };
	uint64_t	 affected = 0;

	if (db_exec(db, sqls[SQL_LEASE_TAKE], args, 2, NULL, &affected) == -1)
		return -1;
	return affected == 1;
}

static void
lease_release(struct db *db, const char *holder)
{
	struct db_arg	 args[] = { db_arg_str(holder) };

	db_exec(db, sqls[SQL_LEASE_RELEASE], args, 1, NULL, NULL);
}

/*
 * A page's jobs and its days' stamps are two statements (a transaction
 * would make a page five): a run that ended between them left jobs the
 * calendar cannot see changed.  The next run marks every day of such a
 * run's window changed (at most HEAL_DAYS), once.
 */
#define HEAL_DAYS	 400

static void
heal_abandoned(struct reconcile_ctx *ctx, int64_t run_id)
{
	time_t	 from, to, days[HEAL_DAYS];
	size_t	 n = 0;

	if (ctx->dry_run || runs_abandoned(ctx->db, run_id, &from, &to) != 1)
		return;
	for (; from < to && n < HEAL_DAYS; from += 86400)
		days[n++] = from;
	if (n == 0)
		return;			/* only dry runs: nothing written */
	if (to > from)
		days[n - 1] = to - 1;	/* the last day, past the cap */
	log_warnx("[RECONCILE] a run before %lld ended unfinished: marking "
	    "%zu calendar days changed", (long long)run_id, n);
	if (calendar_touch(ctx->db, days, n) == -1)
		reconcile_error(ctx, NULL, "database", "could not mark the "
		    "calendar days of an unfinished run");
}

/* Page through one slice [from, to). */
static void
run_slice(struct reconcile_ctx *ctx, struct reconcile_result *res,
    time_t from, time_t to, time_t deadline)
{
	struct square_page	*pg = NULL;
	char			 err[256], *cursors[RECONCILE_MAX_PAGES];
	const char		*loc = ctx->cfg->square_location_id;
	size_t			 npages = 0, i;
	int			 loop = 0;

	for (;;) {
		if (npages == RECONCILE_MAX_PAGES) {
			snprintf(err, sizeof(err), "more than %d pages in one "
			    "slice; stopping", RECONCILE_MAX_PAGES);
			reconcile_error(ctx, NULL, "list", err);
			break;
		}
		if (time(NULL) >= deadline) {
			reconcile_error(ctx, NULL, "list", "the run's time is "
			    "up; the rest of the window is left for the next "
			    "run");
			break;
		}
		if (square_list_bookings(ctx->sq, from, to, loc,
		    npages == 0 ? NULL : cursors[npages - 1],
		    RECONCILE_PAGE_LIMIT, &pg, err, sizeof(err)) == -1) {
			reconcile_error(ctx, NULL, "list", err);
			break;
		}
		res->pages++;
		for (i = 0; i < pg->nerrors; i++)
			reconcile_error(ctx, pg->errors[i].booking_id, "parse",
			    pg->errors[i].message);
		reconcile_upsert(ctx, pg->bookings, pg->nbookings);
		/* Each page is its own commit: publish what it wrote. */
		push_flush(&ctx->push, ctx->cfg->push_socket);
		if (pg->cursor == NULL || *pg->cursor == '\0')
			break;
		for (i = 0; i < npages && !loop; i++)
			loop = strcmp(cursors[i], pg->cursor) == 0;
		if (loop) {
			reconcile_error(ctx, NULL, "list", "Square repeated a "
			    "cursor; stopping this window");
			break;
		}
		cursors[npages++] = pg->cursor;
		pg->cursor = NULL;		/* now owned by cursors[] */
		square_page_free(pg);
		pg = NULL;
	}
	square_page_free(pg);
	for (i = 0; i < npages; i++)
		free(cursors[i]);
}

enum reconcile_status
reconcile_run(struct db *db, const struct config *cfg, time_t from,
    time_t to, int dry_run, const char *trigger, struct reconcile_result *res)
{
	struct reconcile_ctx	 ctx;
	struct square		*sq = NULL;
	int64_t			 t0;
	unsigned char		 raw[12];
	char			 holder[32], a[32], b[32];
	time_t			 slice, deadline;
	size_t			 i;
	int			 r;
	enum reconcile_status	 status;

	memset(res, 0, sizeof(*res));
	res->db_round_trips = db_round_trips(db);	/* the start; see below */
	res->from = from;
	res->to = to;
	res->dry_run = dry_run;
	t0 = tz_mono_ms();
	deadline = time(NULL) + RECONCILE_MAX_SECONDS - 5;
	if (cfg->square_token == NULL) {
		snprintf(res->message, sizeof(res->message), "Square is not "
		    "configured: set SQUARE_ACCESS_TOKEN");
		return RECONCILE_NOT_CONFIGURED;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return RECONCILE_DB_ERROR;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(holder + 2 * i, 3, "%02x", raw[i]);
	if ((r = lease_take(db, holder, cfg->reconcile_lease_seconds <
	    RECONCILE_LEASE_MIN_SECONDS ? RECONCILE_LEASE_MIN_SECONDS :
	    cfg->reconcile_lease_seconds)) != 1) {
		snprintf(res->message, sizeof(res->message), r == 0 ?
		    "another reconcile run is in progress" :
		    "the database cannot be reached");
		return r == 0 ? RECONCILE_BUSY : RECONCILE_DB_ERROR;
	}
	if (runs_start(db, trigger, dry_run, from, to, &res->run_id) == -1 ||
	    reconcile_ctx_init(&ctx, db, cfg, NULL, "reconciliation",
	    dry_run) == -1) {
		lease_release(db, holder);
		snprintf(res->message, sizeof(res->message),
		    "the database cannot be reached");
		return RECONCILE_DB_ERROR;
	}
	heal_abandoned(&ctx, res->run_id);
	if ((sq = reconcile_square_new(cfg, 0, deadline)) == NULL)
		reconcile_error(&ctx, NULL, "list", "could not start the "
		    "Square client");
	else {
		ctx.sq = sq;
		tz_format_rfc3339(from, a, sizeof(a));
		tz_format_rfc3339(to, b, sizeof(b));
		log_info("[RECONCILE] run %lld (%s%s) from %s to %s",
		    (long long)res->run_id, trigger, dry_run ? ", dry run" :
		    "", a, b);
		for (slice = from; slice < to;
		    slice += RECONCILE_SLICE_DAYS * 86400L)
			run_slice(&ctx, res, slice,
			    to - slice > RECONCILE_SLICE_DAYS * 86400L ?
			    slice + RECONCILE_SLICE_DAYS * 86400L : to,
			    deadline);
		res->square_wait_ms = square_stats(sq)->wait_ms;
		res->list_calls = square_stats(sq)->list_calls;
		ctx.counts.square_calls = square_stats(sq)->calls;
	}
	res->duration_ms = (long)(tz_mono_ms() - t0);
	res->counts = ctx.counts;
	status = res->pages > 0 ? RECONCILE_OK : RECONCILE_SQUARE_DOWN;
	if (status != RECONCILE_OK)
		snprintf(res->message, sizeof(res->message), "Square could "
		    "not be read; see errors");
	runs_finish(db, res->run_id, &res->counts, ctx.errors,
	    res->duration_ms, status == RECONCILE_OK ?
	    (json_object_array_length(ctx.errors) == 0 ? "ok" : "partial") :
	    "failed");
	if (!dry_run)		/* old runs and webhook events go */
		runs_purge(db, cfg->retention_days);
	lease_release(db, holder);
	res->db_round_trips = db_round_trips(db) - res->db_round_trips;
	log_info("[RECONCILE] run %lld done: scanned=%ld created=%ld "
	    "updated=%ld skipped=%ld customersRefreshed=%ld errors=%zu "
	    "pages=%u squareCalls=%ld durationMs=%ld",
	    (long long)res->run_id, res->counts.scanned, res->counts.created,
	    res->counts.updated, res->counts.skipped,
	    res->counts.customers_refreshed,
	    json_object_array_length(ctx.errors), res->pages,
	    res->counts.square_calls, res->duration_ms);
	res->errors = json_object_get(ctx.errors);
	res->changes = json_object_get(ctx.changes);
	reconcile_ctx_free(&ctx);
	square_free(sq);
	return status;
}

struct square *
reconcile_square_new(const struct config *cfg, int quick, time_t deadline)
{
	struct square_opts	 opts;
	struct square		*sq;

	if (cfg->square_token == NULL)
		return NULL;
	memset(&opts, 0, sizeof(opts));
	opts.base_url = cfg->square_base_url;
	opts.token = cfg->square_token;
	opts.version = cfg->square_version;
	if (quick) {
		opts.connect_timeout_ms = RECONCILE_QUICK_CONNECT_MS;
		opts.timeout_ms = RECONCILE_QUICK_TIMEOUT_MS;
		opts.max_retries = -1;		/* no retries: answer in time */
	} else {
		opts.connect_timeout_ms = cfg->square_connect_timeout_ms;
		opts.timeout_ms = cfg->square_timeout_ms;
		/* For the client 0 means its default; -1 means none. */
		opts.max_retries = cfg->square_max_retries == 0 ? -1 :
		    (int)cfg->square_max_retries;
		opts.retry_after_cap_ms = cfg->square_retry_after_cap_ms;
	}
	if ((sq = square_new(&opts)) != NULL)
		square_set_deadline(sq, deadline);
	return sq;
}

void
reconcile_result_clear(struct reconcile_result *res)
{
	json_object_put(res->errors);
	json_object_put(res->changes);
	memset(res, 0, sizeof(*res));
}

struct json_object *
reconcile_summary(const struct reconcile_result *res)
{
	struct json_object	*o = json_object_new_object(), *w, *e = NULL;
	char			 a[32], b[32];

	tz_format_rfc3339(res->from, a, sizeof(a));
	tz_format_rfc3339(res->to, b, sizeof(b));
	w = json_object_new_object();
	json_object_object_add(w, "start", json_object_new_string(a));
	json_object_object_add(w, "end", json_object_new_string(b));
	json_object_object_add(o, "scanned",
	    json_object_new_int64(res->counts.scanned));
	json_object_object_add(o, "created",
	    json_object_new_int64(res->counts.created));
	json_object_object_add(o, "updated",
	    json_object_new_int64(res->counts.updated));
	json_object_object_add(o, "skipped",
	    json_object_new_int64(res->counts.skipped));
	json_object_object_add(o, "customersRefreshed",
	    json_object_new_int64(res->counts.customers_refreshed));
	if (res->errors != NULL)
		json_object_deep_copy(res->errors, &e, NULL);
	json_object_object_add(o, "errors", e != NULL ? e :
	    json_object_new_array());
	json_object_object_add(o, "dryRun",
	    json_object_new_boolean(res->dry_run));
	if (res->dry_run) {
		e = NULL;
		if (res->changes != NULL)
			json_object_deep_copy(res->changes, &e, NULL);
		json_object_object_add(o, "changes", e != NULL ? e :
		    json_object_new_array());
	}
	json_object_object_add(o, "window", w);
	json_object_object_add(o, "durationMs",
	    json_object_new_int64(res->duration_ms));
	json_object_object_add(o, "pages", json_object_new_int64(res->pages));
	json_object_object_add(o, "squareCalls",
	    json_object_new_int64(res->counts.square_calls));
	json_object_object_add(o, "listCalls",
	    json_object_new_int64(res->list_calls));
	json_object_object_add(o, "squareWaitMs",
	    json_object_new_int64(res->square_wait_ms));
	json_object_object_add(o, "dbRoundTrips",
	    json_object_new_int64((int64_t)res->db_round_trips));
	if (res->run_id > 0) {
		snprintf(a, sizeof(a), "%lld", (long long)res->run_id);
		json_object_object_add(o, "runId", json_object_new_string(a));
	} else
		json_object_object_add(o, "runId", NULL);
	return o;
}
