/*
 * The database connection.  Statements are prepared once per connection
 * and cached by their text; a lost connection drops the cache, and the
 * next call connects again.  Results are fetched as text: small cells
 * through a fixed buffer, longer ones with mysql_stmt_fetch_column.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "tz.h"

#define DB_CACHE_MAX	 128	/* prepared statements kept per connection */
#define DB_ARGS_MAX	 8192	/* placeholders per statement */
#define DB_COLS_MAX	 64
#define DB_CELL_BUF	 256	/* first try for each cell */

struct cached {
	char		*sql;		/* owned copy: the cache key */
	MYSQL_STMT	*stmt;
};

struct db {
	const struct config *cfg;
	MYSQL		*my;		/* NULL when not connected */
	int		 down;
	int		 in_tx;
	struct cached	 cache[DB_CACHE_MAX];
	size_t		 ncache;
	unsigned long	 trips;
	uint64_t	 insert_id;
};

struct db *
db_new(const struct config *cfg)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	db->cfg = cfg;
	return db;
}

static void
db_close(struct db *db)
{
	size_t	 i;

	for (i = 0; i < db->ncache; i++) {
		mysql_stmt_close(db->cache[i].stmt);
		free(db->cache[i].sql);
	}
	db->ncache = 0;
	if (db->my != NULL)
		mysql_close(db->my);
	db->my = NULL;
	db->in_tx = 0;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_close(db);
	free(db);
}

/* Errors that mean the connection is gone, not the statement wrong. */
static int
is_conn_error(unsigned int e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
		return 1;
	default:
		return 0;
	}
}

int
db_connect(struct db *db)
{
	const struct config *c = db->cfg;
	unsigned int	 timeout = 2, rw = 10;
	my_bool		 off = 0;

	if (db->my != NULL)
		return 0;
	if ((db->my = mysql_init(NULL)) == NULL) {
		log_warnx("%s: mysql_init failed", __func__);
		return -1;
	}
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(db->my, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(db->my, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (mysql_real_connect(db->my, c->mysql_socket != NULL ? NULL :
	    c->mysql_host, c->mysql_user, c->mysql_password,
	    c->mysql_database, (unsigned int)c->mysql_port, c->mysql_socket,
	    0) == NULL) {
		if (!db->down)	/* once per outage, not once per request */
			log_warnx("%s: cannot connect: %s", __func__,
			    mysql_error(db->my));
		mysql_close(db->my);
		db->my = NULL;
		db->down = 1;
		return -1;
	}
	if (db->down)
		log_info("%s: database reachable again", __func__);
	db->down = 0;
	return 0;
}

int
db_down(const struct db *db)
{
	return db->down;
}

uint64_t
db_insert_id(const struct db *db)
{
	return db->insert_id;
}

unsigned long
db_round_trips(const struct db *db)
{
	return db->trips;
}

/* Find or prepare the statement for sql.  NULL on error (logged). */
static MYSQL_STMT *
db_stmt(struct db *db, const char *sql, unsigned int *err)
{
	MYSQL_STMT	*stmt;
	size_t		 i;

	*err = 0;
	for (i = 0; i < db->ncache; i++)
		if (strcmp(db->cache[i].sql, sql) == 0)
			return db->cache[i].stmt;
	if (db->ncache == DB_CACHE_MAX) {	/* drop the oldest */
		mysql_stmt_close(db->cache[0].stmt);
		free(db->cache[0].sql);
		memmove(&db->cache[0], &db->cache[1],
		    (DB_CACHE_MAX - 1) * sizeof(db->cache[0]));
		db->ncache--;
	}
	if ((stmt = mysql_stmt_init(db->my)) == NULL) {
		*err = mysql_errno(db->my);
		return NULL;
	}
	db->trips++;
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
		*err = mysql_stmt_errno(stmt);
		if (!is_conn_error(*err))
			log_warnx("%s: prepare: %s", __func__,
			    mysql_stmt_error(stmt));
		mysql_stmt_close(stmt);
		return NULL;
	}
	if ((db->cache[db->ncache].sql = strdup(sql)) == NULL) {
		mysql_stmt_close(stmt);
		return NULL;
	}
	db->cache[db->ncache++].stmt = stmt;
	return stmt;
}

/* Append one row of cells to res.  Returns 0 or -1. */
static int
res_grow(struct db_res *res, size_t *cap)
{
	size_t		  ncap, n;
	char		**cells;
	unsigned long	 *lens;

	if (res->nrows < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	n = ncap * res->ncols;
	if ((cells = reallocarray(res->cells, n, sizeof(*cells))) == NULL)
		return -1;
	res->cells = cells;
	if ((lens = reallocarray(res->lens, n, sizeof(*lens))) == NULL)
		return -1;
	res->lens = lens;
	*cap = ncap;
	return 0;
}

static int
fetch_rows(MYSQL_STMT *stmt, size_t ncols, struct db_res **out)
{
	MYSQL_BIND	 bind[DB_COLS_MAX];
	char		 buf[DB_COLS_MAX][DB_CELL_BUF];
	unsigned long	 len[DB_COLS_MAX];
	my_bool		 isnull[DB_COLS_MAX];
	struct db_res	*res;
	size_t		 cap = 0, c, at;
	int		 rc;

	if (ncols > DB_COLS_MAX ||
	    (res = calloc(1, sizeof(*res))) == NULL)
		return -1;
	res->ncols = ncols;
	memset(bind, 0, sizeof(bind));
	for (c = 0; c < ncols; c++) {
		bind[c].buffer_type = MYSQL_TYPE_STRING;
		bind[c].buffer = buf[c];
		bind[c].buffer_length = DB_CELL_BUF;
		bind[c].length = &len[c];
		bind[c].is_null = &isnull[c];
	}
	if (mysql_stmt_bind_result(stmt, bind) != 0)
		goto fail;
	while ((rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if (res_grow(res, &cap) == -1)
			goto fail;
		at = res->nrows * ncols;
		for (c = 0; c < ncols; c++) {
			res->cells[at + c] = NULL;
			res->lens[at + c] = 0;
		}
		res->nrows++;
		for (c = 0; c < ncols; c++) {
			char		*cell;
			MYSQL_BIND	 one;

			if (isnull[c])
				continue;
			if ((cell = malloc(len[c] + 1)) == NULL)
				goto fail;
			res->cells[at + c] = cell;
			res->lens[at + c] = len[c];
			if (len[c] < DB_CELL_BUF) {
				memcpy(cell, buf[c], len[c]);
			} else {
				memset(&one, 0, sizeof(one));
				one.buffer_type = MYSQL_TYPE_STRING;
				one.buffer = cell;
				one.buffer_length = len[c] + 1;
				if (mysql_stmt_fetch_column(stmt, &one,
				    (unsigned int)c, 0) != 0)
					goto fail;
			}
			cell[len[c]] = '\0';
		}
	}
	if (rc != MYSQL_NO_DATA)
		goto fail;
	*out = res;
	return 0;
fail:
	db_res_free(res);
	return -1;
}

/* What one try of a statement came to. */
enum exec_result {
	EXEC_OK,
	EXEC_FAILED,		/* the statement's own error (logged) */
	EXEC_CONN_LOST,		/* the connection is gone */
	EXEC_DEADLOCK		/* InnoDB chose this statement to roll back */
};

/* Run sql once on the current connection. */
static enum exec_result
exec_once(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, struct db_res **res, uint64_t *affected)
{
	MYSQL_STMT	*stmt;
	MYSQL_BIND	*bind = NULL;
	MYSQL_RES	*meta = NULL;
	unsigned int	 err;
	unsigned long	*lens = NULL;
	size_t		 i;
	enum exec_result rc = EXEC_FAILED;

	if ((stmt = db_stmt(db, sql, &err)) == NULL)
		return is_conn_error(err) ? EXEC_CONN_LOST : EXEC_FAILED;
	if (mysql_stmt_param_count(stmt) != nargs) {
		log_warnx("%s: %zu arguments for %lu placeholders", __func__,
		    nargs, mysql_stmt_param_count(stmt));
		return EXEC_FAILED;
	}
	if (nargs > 0) {
		if ((bind = calloc(nargs, sizeof(*bind))) == NULL ||
		    (lens = calloc(nargs, sizeof(*lens))) == NULL)
			goto out;
		for (i = 0; i < nargs; i++) {
			switch (args[i].type) {
			case DB_NULL:
				bind[i].buffer_type = MYSQL_TYPE_NULL;
				break;
			case DB_STR:
				lens[i] = args[i].len;
				bind[i].buffer_type = MYSQL_TYPE_STRING;
				/* The client only reads a parameter. */
				bind[i].buffer = (void *)(uintptr_t)args[i].s;
				bind[i].buffer_length = args[i].len;
				bind[i].length = &lens[i];
				break;
			case DB_INT:
				bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
				bind[i].buffer =
				    (void *)(uintptr_t)&args[i].i;
				break;
			}
		}
		if (mysql_stmt_bind_param(stmt, bind) != 0)
			goto stmt_error;
	}
	db->trips++;
	if (mysql_stmt_execute(stmt) != 0)
		goto stmt_error;
	if (affected != NULL)
		*affected = mysql_stmt_affected_rows(stmt);
	db->insert_id = mysql_stmt_insert_id(stmt);
	meta = mysql_stmt_result_metadata(stmt);
	if (meta != NULL && res != NULL) {
		if (fetch_rows(stmt, mysql_num_fields(meta), res) == -1) {
			err = mysql_stmt_errno(stmt);
			if (is_conn_error(err)) {
				rc = EXEC_CONN_LOST;
				goto out;
			}
			log_warnx("%s: fetch: %s", __func__,
			    mysql_stmt_error(stmt));
			goto out;
		}
	}
	rc = EXEC_OK;
	goto out;
stmt_error:
	err = mysql_stmt_errno(stmt);
	if (is_conn_error(err))
		rc = EXEC_CONN_LOST;
	else if (err == ER_LOCK_DEADLOCK)
		rc = EXEC_DEADLOCK;
	else
		log_warnx("%s: %s", __func__, mysql_stmt_error(stmt));
out:
	if (meta != NULL)
		mysql_free_result(meta);
	if (stmt != NULL)
		mysql_stmt_free_result(stmt);
	free(bind);
	free(lens);
	return rc;
}

int
db_exec(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, struct db_res **res, uint64_t *affected)
{
	enum exec_result rc;
	int		 tries, in_tx;

	if (res != NULL)
		*res = NULL;
	if (nargs > DB_ARGS_MAX)
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if (db_connect(db) == -1)
			return -1;
		rc = exec_once(db, sql, args, nargs, res, affected);
		switch (rc) {
		case EXEC_OK:
			return 0;
		case EXEC_FAILED:
			return -1;
		case EXEC_DEADLOCK:
			if (db->in_tx)
				return -1;	/* the caller's tx is gone */
			log_info("%s: deadlock; trying again", __func__);
			continue;	/* InnoDB rolled the statement back */
		case EXEC_CONN_LOST:
			/* Drop the connection; retry unless in a tx. */
			log_warnx("%s: connection lost", __func__);
			in_tx = db->in_tx;
			db_close(db);
			if (in_tx) {
				db->down = db_connect(db) == -1;
				return -1;
			}
			continue;
		}
	}
	return -1;
}

int
db_begin(struct db *db)
{
	if (db_connect(db) == -1)
		return -1;
	db->trips++;
	if (mysql_autocommit(db->my, 0) != 0) {
		log_warnx("%s: %s", __func__, mysql_error(db->my));
		db_close(db);
		return -1;
	}
	db->in_tx = 1;
	return 0;
}

int
db_commit(struct db *db)
{
	int	 rc = 0;

	if (db->my == NULL)
		return -1;
	db->trips += 2;
	if (mysql_commit(db->my) != 0 || mysql_autocommit(db->my, 1) != 0) {
		log_warnx("%s: %s", __func__, mysql_error(db->my));
		db_close(db);
		rc = -1;
	}
	db->in_tx = 0;
	return rc;
}

void
db_rollback(struct db *db)
{
	if (db->my == NULL) {
		db->in_tx = 0;
		return;
	}
	db->trips += 2;
	if (mysql_rollback(db->my) != 0 || mysql_autocommit(db->my, 1) != 0)
		db_close(db);
	db->in_tx = 0;
}

void
db_res_free(struct db_res *res)
{
	size_t	 i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nrows * res->ncols; i++)
		free(res->cells[i]);
	free(res->cells);
	free(res->lens);
	free(res);
}

const char *
db_cell(const struct db_res *res, size_t row, size_t col)
{
	if (res == NULL || row >= res->nrows || col >= res->ncols)
		return NULL;
	return res->cells[row * res->ncols + col];
}

int64_t
db_cell_int(const struct db_res *res, size_t row, size_t col)
{
	const char	*s = db_cell(res, row, col);
	char		*end;
	long long	 v;

	if (s == NULL)
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? (int64_t)v : 0;
}

char *
db_sql_repeat(const char *head, const char *one, size_t n, const char *tail)
{
	size_t	 len = strlen(head) + n * (strlen(one) + 2) + strlen(tail) + 1;
	char	*s, *p;
	size_t	 i;

	if ((s = p = malloc(len)) == NULL) {
		log_warn("%s: malloc", __func__);
		return NULL;
	}
	p = stpcpy(p, head);
	for (i = 0; i < n; i++) {
		if (i > 0)
			p = stpcpy(p, ", ");
		p = stpcpy(p, one);
	}
	stpcpy(p, tail);
	return s;
}

int
db_time_rfc3339(const char *s, char *buf, size_t bufsz)
{
	size_t	 len;

	/* "2026-11-25 17:00:00" or "2026-11-25 17:00:00.123" */
	if (s == NULL || ((len = strlen(s)) != 19 && len != 23) ||
	    s[10] != ' ')
		return -1;
	if (len == 23)
		snprintf(buf, bufsz, "%.10sT%.12sZ", s, s + 11);
	else
		snprintf(buf, bufsz, "%.10sT%.8sZ", s, s + 11);
	return 0;
}

time_t
db_time_parse(const char *s)
{
	char	 buf[32];
	time_t	 t;

	if (s == NULL || strlen(s) < 19)
		return 0;
	snprintf(buf, sizeof(buf), "%.10sT%.8sZ", s, s + 11);
	return tz_parse_rfc3339(buf, &t) == 0 ? t : 0;
}

void
db_time_format(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm);
}
