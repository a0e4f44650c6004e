/*
 * The database: one MariaDB/MySQL connection per process, made lazily and
 * made again after it is lost; prepared statements only (cached per
 * connection); every value comes back as text.  Every call here may block
 * on the database, bounded by the connection's read and write timeouts.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

struct config;

enum db_type { DB_NULL, DB_STR, DB_INT };

/* One statement parameter; the string is borrowed for the call. */
struct db_arg {
	enum db_type	 type;
	const char	*s;
	size_t		 len;
	int64_t		 i;
};

/* A string parameter (NULL is SQL NULL); s is read once. */
static inline struct db_arg
db_arg_str(const char *s)
{
	struct db_arg	 a = { .type = DB_NULL };

	if (s != NULL) {
		a.type = DB_STR;
		a.s = s;
		a.len = strlen(s);
	}
	return a;
}

static inline struct db_arg
db_arg_int(int64_t i)
{
	return (struct db_arg){ .type = DB_INT, .i = i };
}

/* SQL NULL. */
#define DB_ARG_NULL	((struct db_arg){ .type = DB_NULL })

/* A result: nrows x ncols cells of text; a NULL cell is SQL NULL. */
struct db_res {
	size_t		  nrows;
	size_t		  ncols;
	char		**cells;	/* row-major, each owned */
	unsigned long	 *lens;
};

struct db;

/* Make a handle (no connection yet).  cfg is borrowed for its life. */
struct db	*db_new(const struct config *cfg);
void		 db_free(struct db *);		/* NULL is fine */

/*
 * Run one prepared statement with nargs parameters.  Statements are
 * prepared once per connection and cached by their text (a copy; the
 * oldest of DB_CACHE_MAX goes), so sql may be built per call, as with
 * db_sql_repeat.  With res non-NULL the rows are returned in *res (free
 * with db_res_free).  *affected, when given, gets the rows changed;
 * db_insert_id gives the AUTO_INCREMENT value.
 * A lost connection outside a transaction is made again and the
 * statement retried once.  Returns 0, or -1 (logged; db_down tells
 * whether the database is unreachable).
 */
int		 db_exec(struct db *, const char *sql, const struct db_arg *args,
		    size_t nargs, struct db_res **res, uint64_t *affected);
uint64_t	 db_insert_id(const struct db *);

/* Connect now if not connected.  Returns 0 or -1. */
int		 db_connect(struct db *);
/* 1 when the last attempt found the database unreachable. */
int		 db_down(const struct db *);

/* Transactions: 0 or -1.  Rollback is safe to call at any time. */
int		 db_begin(struct db *);
int		 db_commit(struct db *);
void		 db_rollback(struct db *);

/* How many statements this handle has run (for round-trip counts). */
unsigned long	 db_round_trips(const struct db *);

/*
 * Statement text "<head><one>, <one>, …<tail>" with n copies of one (a
 * row of placeholders): placeholders only, never data.  Owned by the
 * caller; NULL if out of memory.
 */
char		*db_sql_repeat(const char *head, const char *one, size_t n,
		    const char *tail);

/*
 * Times as the database keeps them: DATETIME text in UTC,
 * "YYYY-MM-DD HH:MM:SS[.fff]".  Pure.
 */
/* As RFC 3339 ("…T…Z") into buf.  0, or -1 if s is NULL or malformed. */
int		 db_time_rfc3339(const char *s, char *buf, size_t bufsz);
/* As a time_t; 0 if s is NULL or malformed. */
time_t		 db_time_parse(const char *s);
/* t as "YYYY-MM-DD HH:MM:SS" into buf (24 bytes are enough). */
void		 db_time_format(time_t t, char *buf, size_t bufsz);

void		 db_res_free(struct db_res *);	/* NULL is fine */
const char	*db_cell(const struct db_res *, size_t row, size_t col);
/* The cell as a number (0 if NULL or not a number). */
int64_t		 db_cell_int(const struct db_res *, size_t row, size_t col);

#endif
