/*
 * safari-migrate: apply each sql/NNN-*.sql once, in order, recording it in
 * schema_migrations, with the programs' own settings (lib/config.c) and
 * as the application's own database user, over TCP or a socket.
 *
 *   safari-migrate [--dir DIR] [--status]
 *
 * DIR defaults to the migrations beside the tool: ../../sql in the build
 * tree, ../share/safari/sql when installed, ../sql in the upload tree.
 * No migration may need more than the application's own database: a file
 * that makes triggers, routines or events (SUPER on hosts with binary
 * logging, MySQL 8's default) is refused before it runs, and a "DROP
 * TRIGGER IF EXISTS" of a trigger that does not exist is not sent (it
 * would need SUPER all the same).  Re-running is
 * safe: applied files are skipped.  Exit 0 when the database is up to
 * date, 1 on any error (named on stderr).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <mysql.h>

#include "config.h"

#define MIGRATION_MAX	 256		/* files */
#define MIGRATION_BYTES	 (1024 * 1024)	/* one file */
#define NAME_MAX_LEN	 128		/* schema_migrations.name */

static const char *const dirs[] = {	/* relative to the tool's directory */
	"../../sql", "../share/safari/sql", "../sql",
};

/* What a migration may not contain: objects that need SUPER. */
static const char *const refused[] = {
	"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "DEFINER",
};

static const char *const sql_table =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " name VARCHAR(128) NOT NULL PRIMARY KEY,"
    " applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)";
static const char *const sql_applied =
    "SELECT COUNT(*) FROM schema_migrations WHERE name = ?";
static const char *const sql_record =
    "INSERT INTO schema_migrations (name) VALUES (?)";
static const char *const sql_trigger =
    "SELECT COUNT(*) FROM information_schema.TRIGGERS"
    " WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?";

/* A file name of the form NNN-name.sql, of safe characters only. */
static int
valid_name(const char *s)
{
	size_t	 i, len = strlen(s);

	if (len < 8 || len > NAME_MAX_LEN || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]) ||
	    s[3] != '-' || strcmp(s + len - 4, ".sql") != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The next word of p (letters, digits, _) into w; returns past it. */
static const char *
next_word(const char *p, char *w, size_t wsz)
{
	size_t	 n = 0;

	while (isspace((unsigned char)*p))
		p++;
	while ((isalnum((unsigned char)*p) || *p == '_') && n + 1 < wsz)
		w[n++] = *p++;
	w[n] = '\0';
	return p;
}

/*
 * Does the text create an object that needs SUPER: CREATE [OR REPLACE]
 * [DEFINER=…] [AGGREGATE] TRIGGER|PROCEDURE|FUNCTION|EVENT?  Returns the
 * kind, or NULL.  Comments are not told apart from code: a file that
 * merely shows such a statement in a comment is refused too (the safe
 * side).
 */
static const char *
needs_super(const char *text)
{
	const char	*p, *q;
	char		 w[32];
	size_t		 i;

	for (p = text; (p = strcasestr(p, "CREATE")) != NULL; p += 6) {
		if ((p > text && (isalnum((unsigned char)p[-1]) ||
		    p[-1] == '_')) || !isspace((unsigned char)p[6]))
			continue;	/* part of a name (created_at) */
		q = next_word(p + 6, w, sizeof(w));
		if (strcasecmp(w, "OR") == 0) {
			q = next_word(q, w, sizeof(w));	/* REPLACE */
			q = next_word(q, w, sizeof(w));
		}
		if (strcasecmp(w, "DEFINER") == 0)
			return "DEFINER";
		if (strcasecmp(w, "AGGREGATE") == 0)
			next_word(q, w, sizeof(w));
		for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
			if (strcasecmp(w, refused[i]) == 0)
				return refused[i];
	}
	return NULL;
}

/* Read the whole file (at most MIGRATION_BYTES).  Owned; NULL on error. */
static char *
read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "safari-migrate: %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if ((buf = malloc(MIGRATION_BYTES + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MIGRATION_BYTES + 1, f);
	fclose(f);
	if (n > MIGRATION_BYTES) {
		fprintf(stderr, "safari-migrate: %s: larger than %d bytes\n",
		    path, MIGRATION_BYTES);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* One statement with one string parameter; *count gets COUNT(*). */
static int
exec_name(MYSQL *my, const char *sql, const char *name, long long *count)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 in, out;
	unsigned long	 len = strlen(name);
	long long	 n = 0;
	int		 rc = -1;

	if ((st = mysql_stmt_init(my)) == NULL)
		return -1;
	memset(&in, 0, sizeof(in));
	in.buffer_type = MYSQL_TYPE_STRING;
	in.buffer = (char *)(uintptr_t)name;	/* read only */
	in.buffer_length = len;
	in.length = &len;
	memset(&out, 0, sizeof(out));
	out.buffer_type = MYSQL_TYPE_LONGLONG;
	out.buffer = &n;
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0 ||
	    mysql_stmt_bind_param(st, &in) != 0 ||
	    mysql_stmt_execute(st) != 0)
		goto out;
	if (count != NULL && (mysql_stmt_bind_result(st, &out) != 0 ||
	    mysql_stmt_fetch(st) != 0))
		goto out;
	if (count != NULL)
		*count = n;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "safari-migrate: %s\n", mysql_stmt_error(st));
	mysql_stmt_close(st);
	return rc;
}

/*
 * A line "DROP TRIGGER IF EXISTS name;" (006 removes the triggers an old
 * 004 made) is blanked out when there is no such trigger: dropping one
 * needs SUPER under binary logging even when it does not exist, and a
 * database made since never had them.  Returns 0, or -1 on error.
 */
static int
skip_absent_triggers(MYSQL *my, char *text)
{
	static const char	 head[] = "DROP TRIGGER IF EXISTS ";
	char			*line, *end, name[65];
	size_t			 n;
	long long		 count;

	for (line = text; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		if (strncasecmp(line, head, sizeof(head) - 1) != 0)
			continue;
		for (n = 0; n < sizeof(name) - 1 && (isalnum((unsigned char)
		    line[sizeof(head) - 1 + n]) || line[sizeof(head) - 1 + n] ==
		    '_'); n++)
			name[n] = line[sizeof(head) - 1 + n];
		name[n] = '\0';
		if (n == 0 || line[sizeof(head) - 1 + n] != ';')
			continue;
		if (exec_name(my, sql_trigger, name, &count) == -1)
			return -1;
		if (count == 0)
			memset(line, ' ', (size_t)(end - line));
	}
	return 0;
}

/* Run every statement of text, reading each result.  0 or -1. */
static int
run_script(MYSQL *my, const char *name, const char *text)
{
	MYSQL_RES	*res;
	int		 status;

	if (mysql_real_query(my, text, strlen(text)) != 0)
		goto fail;
	do {
		if ((res = mysql_store_result(my)) != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(my) != 0)
			goto fail;
		if ((status = mysql_next_result(my)) > 0)
			goto fail;
	} while (status == 0);
	return 0;
fail:
	fprintf(stderr, "safari-migrate: %s failed: %s (error %u)\n", name,
	    mysql_error(my), mysql_errno(my));
	return -1;
}

/* The migrations' directory into dir: given, or beside the tool. */
static int
find_dir(const char *given, char *dir, size_t dirsz)
{
	char		 exe[CONFIG_PATH_MAX], *slash;
	struct stat	 st;
	ssize_t		 n;
	size_t		 i;
	int		 r;

	if (given != NULL) {
		snprintf(dir, dirsz, "%s", given);
		return 0;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	*slash = '\0';
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		r = snprintf(dir, dirsz, "%s/%s", exe, dirs[i]);
		if (r > 0 && (size_t)r < dirsz && stat(dir, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			return 0;
	}
	return -1;
}

/* The migration files of dir, sorted, into names (owned). */
static int
list_dir(const char *dir, char **names, size_t *n)
{
	DIR		*d;
	struct dirent	*e;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "safari-migrate: %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    strcmp(e->d_name + strlen(e->d_name) -
		    (strlen(e->d_name) >= 4 ? 4 : 0), ".sql") != 0)
			continue;
		if (!valid_name(e->d_name) || *n == MIGRATION_MAX) {
			fprintf(stderr, "safari-migrate: %s: not a migration "
			    "name (NNN-name.sql) or too many files\n",
			    e->d_name);
			closedir(d);
			return -1;
		}
		if ((names[*n] = strdup(e->d_name)) == NULL) {
			closedir(d);
			return -1;
		}
		(*n)++;
	}
	closedir(d);
	qsort(names, *n, sizeof(names[0]), by_name);
	return 0;
}

static MYSQL *
connect_db(const struct config *cfg)
{
	MYSQL		*my;
	unsigned int	 timeout = 10;

	if ((my = mysql_init(NULL)) == NULL)
		return NULL;
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(my, cfg->mysql_socket != NULL ? NULL :
	    cfg->mysql_host, cfg->mysql_user, cfg->mysql_password,
	    cfg->mysql_database, (unsigned int)cfg->mysql_port,
	    cfg->mysql_socket, CLIENT_MULTI_STATEMENTS) == NULL) {
		fprintf(stderr, "safari-migrate: cannot connect to %s as %s: "
		    "%s\n", cfg->mysql_socket != NULL ? cfg->mysql_socket :
		    cfg->mysql_host, cfg->mysql_user, mysql_error(my));
		mysql_close(my);
		return NULL;
	}
	return my;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	MYSQL		*my = NULL;
	char		 err[2048], dir[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX * 2];
	char		*names[MIGRATION_MAX], *text;
	const char	*given = NULL, *word;
	size_t		 n = 0, i;
	long long	 done;
	int		 rc = 1, status_only = 0, applied = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < (size_t)argc)
			given = argv[++i];
		else if (strcmp(argv[i], "--status") == 0)
			status_only = 1;
		else {
			fprintf(stderr, "usage: safari-migrate [--dir DIR] "
			    "[--status]\n");
			return 2;
		}
	}
	if (config_load(&cfg, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "safari-migrate: bad settings:\n%s\n", err);
		config_free(&cfg);
		return 1;
	}
	if (find_dir(given, dir, sizeof(dir)) == -1) {
		fprintf(stderr, "safari-migrate: no migrations beside the "
		    "tool; give --dir\n");
		goto out;
	}
	if (list_dir(dir, names, &n) == -1 || (my = connect_db(&cfg)) == NULL)
		goto out;
	if (mysql_query(my, sql_table) != 0) {
		fprintf(stderr, "safari-migrate: schema_migrations: %s\n",
		    mysql_error(my));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (exec_name(my, sql_applied, names[i], &done) == -1)
			goto out;
		if (done > 0) {
			if (status_only)
				printf("applied  %s\n", names[i]);
			continue;
		}
		if (status_only) {
			printf("pending  %s\n", names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((text = read_file(path)) == NULL)
			goto out;
		if ((word = needs_super(text)) != NULL) {
			fprintf(stderr, "safari-migrate: %s creates a %s: "
			    "refused (it needs SUPER where binary logging is "
			    "on; migrations use the application's privileges "
			    "only)\n", names[i], word);
			free(text);
			goto out;
		}
		if (skip_absent_triggers(my, text) == -1 ||
		    run_script(my, names[i], text) == -1) {
			free(text);
			goto out;
		}
		free(text);
		if (exec_name(my, sql_record, names[i], NULL) == -1)
			goto out;
		printf("applied  %s\n", names[i]);
		applied++;
	}
	if (!status_only)
		printf("safari-migrate: %s up to date (%d applied now, %zu in "
		    "all; settings from %s)\n", cfg.mysql_database, applied, n,
		    cfg.env_file != NULL ? cfg.env_file : "the environment");
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	mysql_close(my);
	config_free(&cfg);
	return rc;
}
